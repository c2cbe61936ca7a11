//! `compare` end to end: the national 2018/19 scheme against Dudley's on the embedded default
//! population, through the library and the CLI. Totals must equal each scheme's own `eval`
//! to the penny; a scheme compared with itself must show no change at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::compare::{self, DiffStatus, Side};
use qofrules::compile::{compile, Program};
use qofrules::scheme::{Scheme, Sources};
use rust_decimal::Decimal;

const QOF: &str = "rules/qof-2018-19.qof";
const DUDLEY: &str = "rules/dudley-2018-19.qof";

fn load(path: &str) -> (Sources, Scheme, Program) {
    let text = std::fs::read_to_string(path).unwrap();
    let (sources, c) = qofrules::check::check_text(path, &text);
    assert_eq!(c.errors(), 0, "{:#?}", c.diagnostics);
    let scheme = c.scheme.unwrap();
    let prog = compile(&scheme);
    (sources, scheme, prog)
}

fn side(x: &(Sources, Scheme, Program)) -> Side<'_> {
    Side { sources: &x.0, scheme: &x.1, program: &x.2 }
}

/// What `eval` pays: total and per practice.
fn eval_pay(
    x: &(Sources, Scheme, Program),
    pop: &qofrules::model::Population,
) -> (Decimal, Vec<(String, Decimal)>) {
    let ev = qofrules::eval::evaluate(&x.2, pop);
    let inputs = qofrules::eval::pay_inputs(&x.1, &x.2, &ev, &Default::default()).unwrap();
    let r = qofrules::pay::pay(&inputs.scheme, &inputs.national, &inputs.data).unwrap();
    (r.total.payment, r.practices.iter().map(|p| (p.practice_id.to_string(), p.payment)).collect())
}

#[test]
fn national_vs_dudley_totals_equal_each_schemes_eval_to_the_penny() {
    let a = load(QOF);
    let b = load(DUDLEY);
    let pop = qofrules::synth::default_population();
    let c = compare::impact(side(&a), side(&b), &pop).unwrap();
    let (ta, pa) = eval_pay(&a, &pop);
    let (tb, pb) = eval_pay(&b, &pop);
    assert_eq!(c.total.payment_a, ta);
    assert_eq!(c.total.payment_b, tb);
    assert_eq!(c.total.delta, tb - ta);
    assert_eq!(c.practices.len(), 44);
    for (k, p) in c.practices.iter().enumerate() {
        assert_eq!((p.practice_id.clone(), p.payment_a), pa[k]);
        assert_eq!((p.practice_id.clone(), p.payment_b), pb[k]);
    }
    let sum =
        |f: fn(&compare::PracticeImpact) -> Decimal| c.practices.iter().map(f).sum::<Decimal>();
    assert_eq!(sum(|p| p.payment_a), ta, "no network indicators: practices add up to the total");
    assert_eq!(sum(|p| p.payment_b), tb);
    let nets: Decimal = c.networks.iter().map(|n| n.delta).sum();
    assert_eq!(nets, tb - ta);
    // the structure of the Dudley variant: keeps 17, retires the rest, adds its own
    let st = |s: DiffStatus| c.indicators.iter().filter(|i| i.status == s).count();
    assert_eq!(st(DiffStatus::Unchanged), 17);
    assert!(st(DiffStatus::Added) > 0 && st(DiffStatus::Retired) > 0);
    let g1 = c.indicators.iter().find(|i| i.id == "G1").unwrap();
    assert_eq!(g1.status, DiffStatus::Added);
    assert!(g1.a.is_none() && g1.b.is_some());
    // kept indicators count the same patients under both
    for i in c.indicators.iter().filter(|i| i.status == DiffStatus::Unchanged) {
        assert_eq!(i.a, i.b, "{}", i.id);
        assert!(i.movers.is_none(), "{}", i.id);
    }
    // added G1 has movers (patients entering its denominator), capped with a full count
    let m = g1.movers.as_ref().unwrap();
    assert_eq!(m.patients.len(), compare::impact::MOVERS_LISTED);
    assert!(m.count as usize > m.patients.len());
    assert_eq!(m.transitions.values().sum::<u64>(), m.count);
    assert!(m.patients.iter().all(|p| p.a == "not in scheme" && p.explanation_b.is_some()));
    assert_eq!(c.distribution.iter().map(|b| b.practices).sum::<usize>(), c.practices.len());
    assert!(c.losers.len() <= 10 && c.winners.len() <= 10);
    assert!(c.losers.windows(2).all(|w| w[0].delta <= w[1].delta));
}

#[test]
fn a_scheme_compared_with_itself_shows_no_change() {
    let a = load(DUDLEY);
    let pop = qofrules::synth::default_population();
    let c = compare::impact(side(&a), side(&a), &pop).unwrap();
    assert!(c.no_change());
    assert!(c.indicators.iter().all(|i| i.status == DiffStatus::Unchanged && i.movers.is_none()));
    assert!(c.practices.iter().all(|p| p.delta.is_zero()));
    assert!(c.total.delta.is_zero());
}

// ------------------------------------------------------------------ CLI

use crate::support::{json, root, run};

#[test]
fn cli_compare_json_totals_equal_cli_eval() {
    let r = root();
    let c = json(&run(&["compare", QOF, DUDLEY, "--format", "json"], &r));
    let ea = json(&run(&["eval", QOF, "--format", "json"], &r));
    let eb = json(&run(&["eval", DUDLEY, "--format", "json"], &r));
    assert_eq!(c["total"]["payment_a"], ea["total"]["payment"]);
    assert_eq!(c["total"]["payment_b"], eb["total"]["payment"]);
    let pa: Decimal = ea["total"]["payment"].as_str().unwrap().parse().unwrap();
    let pb: Decimal = eb["total"]["payment"].as_str().unwrap().parse().unwrap();
    let delta: Decimal = c["total"]["delta"].as_str().unwrap().parse().unwrap();
    assert_eq!(delta, pb - pa);
    assert_eq!(c["a"]["id"], "qof_2018_19");
    assert_eq!(c["b"]["id"], "dudley_2018_19");
    // the names the brief fixes
    let p0 = &c["practices"][0];
    for k in ["practice_id", "network_id", "payment_a", "payment_b", "delta", "delta_pct"] {
        assert!(p0.get(k).is_some(), "practices[].{k}");
    }
    for i in c["indicators"].as_array().unwrap() {
        let s = i["status"].as_str().unwrap();
        assert!(["added", "retired", "changed", "unchanged"].contains(&s), "{s}");
        assert!(i["changes"].is_array() && i.get("a").is_some() && i.get("b").is_some());
    }
    // each practice's figures are eval's
    for (k, p) in ea["practices"].as_array().unwrap().iter().enumerate() {
        assert_eq!(c["practices"][k]["practice_id"], p["practice_id"]);
        assert_eq!(c["practices"][k]["payment_a"], p["payment"]);
    }
    // money as strings with two places
    let m = c["total"]["payment_a"].as_str().unwrap();
    assert!(m.split_once('.').is_some_and(|(_, d)| d.len() == 2), "{m}");
}

/// Two schemes of different years on the default population: each side gets the same
/// patients dated for its own period, so each total is that scheme's `eval` (which dates the
/// default population the same way), and patients who move are explained on their own side's
/// records.
#[test]
fn cli_compare_of_two_years_dates_the_default_population_for_each() {
    let r = root();
    let (a, b) = ("rules/qof-2024-25.qof", "rules/qof-2025-26.qof");
    let out = run(&["compare", a, b, "--format", "json"], &r);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("warning: scheme B"), "{stderr}");
    let c = json(&out);
    let ea = json(&run(&["eval", a, "--format", "json"], &r));
    let eb = json(&run(&["eval", b, "--format", "json"], &r));
    assert_eq!(c["total"]["payment_a"], ea["total"]["payment"]);
    assert_eq!(c["total"]["payment_b"], eb["total"]["payment"]);
    // Both years pay: neither side evaluated records of the other's year.
    for side in ["payment_a", "payment_b"] {
        let v: Decimal = c["total"][side].as_str().unwrap().parse().unwrap();
        assert!(v > Decimal::from(50_000), "{side} {v}");
    }
    for (k, p) in eb["practices"].as_array().unwrap().iter().enumerate() {
        assert_eq!(c["practices"][k]["payment_b"], p["payment"]);
    }
}

/// Practice-level inputs reach compare as they reach eval: from the population folder, or
/// given with --attested / --historic; each side's total is that scheme's eval.
#[test]
fn cli_compare_reads_the_practice_level_inputs_eval_reads() {
    let r = root();
    let dir = std::env::temp_dir().join(format!("qofrules-compare-inputs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let pop = dir.join("pop");
    let p = pop.to_str().unwrap();
    let (a, b) = ("rules/aylesbury-2017-18.qof", "rules/dudley-2017-18.qof");
    let out = run(&["synth", "--ccg", "Dudley", "--scale", "0.02", "--for", b, "--out", p], &r);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let c = json(&run(&["compare", a, b, "--population", p, "--format", "json"], &r));
    let eb = json(&run(&["eval", b, "--population", p, "--format", "json"], &r));
    assert_eq!(c["total"]["payment_b"], eb["total"]["payment"]);
    // Named files give the same money as the folder's; without historic achievement the
    // half of Dudley 2017/18 paid on 2016/17 is missing.
    let h = pop.join("historic.csv");
    let named = json(&run(
        &[
            "compare",
            a,
            b,
            "--population",
            p,
            "--historic",
            h.to_str().unwrap(),
            "--format",
            "json",
        ],
        &r,
    ));
    assert_eq!(named["total"]["payment_b"], c["total"]["payment_b"]);
    std::fs::remove_file(&h).unwrap();
    let without = json(&run(&["compare", a, b, "--population", p, "--format", "json"], &r));
    let money = |v: &serde_json::Value| -> Decimal { v.as_str().unwrap().parse().unwrap() };
    assert!(money(&without["total"]["payment_b"]) < money(&c["total"]["payment_b"]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_compare_table_prints_the_diff_and_the_impact() {
    let r = root();
    let o = run(&["compare", QOF, DUDLEY], &r);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = String::from_utf8(o.stdout).unwrap();
    let eb = json(&run(&["eval", DUDLEY, "--format", "json"], &r));
    assert!(t.contains("== rule changes"), "{t}");
    // Dudley keeps 17 of QOF 2018/19's 77 indicators and retires the other 60
    assert!(t.contains("indicators: 16 added, 60 retired, 0 changed, 17 unchanged"), "{t}");
    assert!(t.contains("retired AF001:"));
    assert!(t.contains("added G1:"));
    assert!(t.contains(" +   achieved when HOLASS_COD in last 12 months"), "added text shown");
    assert!(t.contains("== impact (patient-level population)"));
    assert!(t.contains(&format!("B £{}", eb["total"]["payment"].as_str().unwrap())), "{t}");
    assert!(t.contains("patients who change class:"));
    assert!(t.contains("largest losses:"));
    // both are paid with England's 2019/20 prevalence (QOF 2018/19 states it, Dudley
    // inherits it); Dudley adjusts fewer groups, so a CPI and APDF table for each, with the
    // national prevalence above each practice's APDF
    assert!(t.contains("national figures A: average list size 8096 (scheme); prevalence: England 2019/20 (embedded)"), "{t}");
    for side in ["A", "B"] {
        let title =
            format!("CPI and APDF (practice prevalence / national prevalence) by group, {side}:");
        assert!(t.contains(&title), "{t}");
    }
    let ea = json(&run(&["eval", QOF, "--format", "json"], &r));
    let first = &ea["practices"][0];
    let apdf = |g: &str| -> String {
        let a = first["groups"].as_array().unwrap().iter().find(|x| x["group"] == g).unwrap();
        format!(
            "{:.4}",
            a["apdf"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap().round_dp(4)
        )
    };
    let row = t
        .lines()
        .find(|l| {
            l.trim_start().starts_with(first["practice_id"].as_str().unwrap())
                && l.contains(&apdf("DM"))
        })
        .unwrap_or("");
    assert!(row.contains(&apdf("AF")), "{t}");
    let csv =
        String::from_utf8(run(&["compare", QOF, DUDLEY, "--format", "csv"], &r).stdout).unwrap();
    assert!(csv.lines().next().unwrap().contains(",cpi_a,cpi_b,apdf_a_AF,"), "{csv}");
}

#[test]
fn cli_compare_with_itself_reports_no_change() {
    let r = root();
    let c = json(&run(&["compare", DUDLEY, DUDLEY, "--format", "json"], &r));
    assert_eq!(c["header"], serde_json::json!([]));
    for i in c["indicators"].as_array().unwrap() {
        assert_eq!(i["status"], "unchanged", "{}", i["id"]);
        assert_eq!(i["changes"], serde_json::json!([]));
        assert!(i.get("movers").is_none(), "{}", i["id"]);
        assert_eq!(i["a"], i["b"]);
    }
    for p in c["practices"].as_array().unwrap() {
        assert_eq!(p["delta"], "0.00");
        assert_eq!(p["payment_a"], p["payment_b"]);
    }
    assert_eq!(c["total"]["delta"], "0.00");
    assert_eq!(c["winners"], serde_json::json!([]));
    assert_eq!(c["losers"], serde_json::json!([]));
}

#[test]
fn cli_compare_html_and_csv_are_written_atomically() {
    let d = std::env::temp_dir().join(format!("qofrules-cli-compare-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    // a title with markup must come out escaped
    let text = std::fs::read_to_string(root().join(DUDLEY))
        .unwrap()
        .replace("\"Dudley Quality Outcomes for Health 2018/19\"", "\"Dudley <b>draft</b> & co\"");
    std::fs::write(d.join("draft.qof"), text).unwrap();
    let qof = root().join(QOF);
    let qof = qof.to_str().unwrap();
    let o = run(&["compare", qof, "draft.qof", "--format", "html", "--out", "report.html"], &d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let h = std::fs::read_to_string(d.join("report.html")).unwrap();
    assert!(h.contains("Dudley &lt;b&gt;draft&lt;/b&gt; &amp; co"));
    assert!(!h.contains("<b>draft"));
    let c = json(&run(&["compare", qof, "draft.qof", "--format", "json"], &d));
    assert!(h.contains(c["total"]["payment_a"].as_str().unwrap()));
    assert!(h.contains(c["total"]["payment_b"].as_str().unwrap()));
    let o = run(&["compare", qof, "draft.qof", "--format", "csv", "-o", "out.csv"], &d);
    assert!(o.status.success());
    let csv = std::fs::read_to_string(d.join("out.csv")).unwrap();
    assert!(csv.starts_with(
        "kind,id,network_id,points_a,points_b,payment_a,payment_b,delta,delta_pct,cpi_a,cpi_b,"
    ));
    assert_eq!(csv.lines().filter(|l| l.starts_with("practice,")).count(), 44);
    let last = csv.lines().last().unwrap();
    assert!(last.starts_with("total,") && last.contains(c["total"]["payment_b"].as_str().unwrap()));
    // only the inputs and the two outputs: no temporary file left behind
    let mut names: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, vec!["draft.qof", "out.csv", "report.html"]);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn cli_compare_reports_bad_input_clearly() {
    let r = root();
    let o = run(&["compare", QOF, "rules/no-such.qof"], &r);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("no-such.qof"), "{e}");
    assert!(o.stdout.is_empty());
    let o = run(&["compare", QOF, DUDLEY, "--achievement", "x.csv"], &r);
    assert_eq!(o.status.code(), Some(2), "--achievement needs --prevalence");
}

#[test]
fn cli_compare_on_published_counts() {
    let d = std::env::temp_dir().join(format!("qofrules-cli-compare-agg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("prev.csv"),
        "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\n\
         A1,DM,300,17OV,3300\nA1,AF,50,TOTAL,4000\nA2,DM,100,17OV,1700\nA2,AF,20,TOTAL,2000\n",
    )
    .unwrap();
    std::fs::write(
        d.join("ach.csv"),
        "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\n\
         A1,DM007,NUMERATOR,150\nA1,DM007,DENOMINATOR,200\nA1,DM007,PCAS,10\n\
         A2,DM007,NUMERATOR,40\nA2,DM007,DENOMINATOR,90\nA2,DM007,PCAS,2\n\
         A1,DM017,REGISTER,300\nA2,DM017,REGISTER,100\n",
    )
    .unwrap();
    let (qof, dudley) = (root().join(QOF), root().join(DUDLEY));
    let args = |fmt: &'static str| {
        vec![
            "compare".to_string(),
            qof.display().to_string(),
            dudley.display().to_string(),
            "--achievement".into(),
            "ach.csv".into(),
            "--prevalence".into(),
            "prev.csv".into(),
            "--format".into(),
            fmt.into(),
        ]
    };
    let a: Vec<String> = args("json");
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let c = json(&run(&a, &d));
    assert_eq!(c["level"], "counts");
    let dm007 = c["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "DM007").unwrap();
    assert_eq!(dm007["status"], "unchanged");
    assert_eq!(dm007["a"]["numerator"], 190);
    assert_eq!(dm007["a"]["denominator"], 290);
    assert_eq!(dm007["a"], dm007["b"]);
    assert!(dm007.get("movers").is_none());
    // the total equals `eval` on the same files
    let e = json(&run(
        &[
            "eval",
            &dudley.display().to_string(),
            "--achievement",
            "ach.csv",
            "--prevalence",
            "prev.csv",
            "--format",
            "json",
        ],
        &d,
    ));
    assert_eq!(c["total"]["payment_b"], e["total"]["payment"]);
    // without a structure file the practices have no network; with one, they are grouped
    let nets = c["networks"].as_array().unwrap();
    assert_eq!((nets.len(), nets[0]["network_id"].as_str()), (1, Some("")));
    std::fs::write(
        d.join("structure.csv"),
        "practice_id,network_id
A1,U1
A2,U1
",
    )
    .unwrap();
    let mut a: Vec<String> = args("json");
    a.extend(["--structure".to_string(), "structure.csv".to_string()]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let s = json(&run(&a, &d));
    let nets = s["networks"].as_array().unwrap();
    assert_eq!(nets.len(), 1);
    assert_eq!(
        (nets[0]["network_id"].as_str(), nets[0]["practices"].as_u64()),
        (Some("U1"), Some(2))
    );
    assert_eq!(s["practices"][0]["network_id"], "U1");
    assert_eq!(s["total"], c["total"]);
    // a bad row stops the comparison with the file, line and column
    std::fs::write(
        d.join("bad.csv"),
        "practice_id,network_id
A1,U1
,U1
",
    )
    .unwrap();
    let mut a: Vec<String> = args("json");
    a.extend(["--structure".to_string(), "bad.csv".to_string()]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let o = run(&a, &d);
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("--> bad.csv, row 3"), "{e}");
    let _ = std::fs::remove_dir_all(&d);
}
