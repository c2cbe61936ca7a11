//! Sweeps and cost-neutral solving against `eval` (issue #17, acceptance): on a synthetic CCG
//! (the embedded default population, generated NHS Dudley CCG, with the synthetic
//! practice-level inputs `eval` gives it), every value of a lever costs exactly what `eval`
//! says a variant file with that value costs: the variant is written as scheme text that
//! `extends` the shipped QOF 2019/20 and `change`s the indicator, then checked, compiled,
//! evaluated and paid on its own, as `eval` does. At the shipped value the sweep gives the
//! shipped scheme's `eval` total.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::eval_html::{check_display, grouped_by_hand};
use qofrules::national::PrevalenceFrom;
use qofrules::pipeline::{self, PracticeInputs};
use qofrules::scheme::Scheme;
use qofrules::sweep::{self, Lever, Target};
use rust_decimal::Decimal;
use std::process::Command;

const SHIPPED: &str = "rules/qof-2019-20.qof";

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn shipped_text() -> &'static str {
    qofrules::shipped::SCHEMES.iter().find(|(p, _)| p.ends_with("qof-2019-20.qof")).unwrap().1
}

fn checked(name: &str, text: &str) -> Scheme {
    let (_, c) = qofrules::check::check_text(name, text);
    c.scheme.unwrap_or_else(|| panic!("{name}: {:#?}", c.diagnostics))
}

/// What `eval` does with a scheme and no `--population`: the default population dated for the
/// scheme, its synthetic attested and historic inputs, national figures from the scheme.
fn eval_inputs(scheme: &Scheme) -> qofrules::eval::PayInputs {
    let prog = qofrules::compile::compile(scheme);
    let pop = qofrules::synth::default_population_for(scheme.period_end);
    let (a, h) = pipeline::synthetic_inputs(
        scheme,
        &qofrules::synth::default_practices(),
        qofrules::synth::DEFAULT_SEED,
    );
    let files =
        [a.map(|t| ("attested.csv".to_string(), t)), h.map(|t| ("historic.csv".to_string(), t))];
    pipeline::run_population(
        scheme,
        &prog,
        &pop,
        &PrevalenceFrom::Scheme,
        &PracticeInputs::of(&files),
        0,
    )
    .unwrap()
    .inputs
}

fn eval_total(name: &str, text: &str) -> Decimal {
    let scheme = checked(name, text);
    let inputs = eval_inputs(&scheme);
    pipeline::pay(&inputs).unwrap().total.payment
}

/// A variant of the shipped scheme: `header` restated in its header, `changes` after it.
fn variant(header: &str, changes: &str) -> String {
    format!("scheme sweep_variant \"A variant\" extends qof_2019_20 {{ {header} }}\n{changes}\n")
}

/// Sweeps `spec` over the shipped scheme (one evaluation), then checks every value against
/// the `eval` total of the variant `text_of(value)` writes, and the shipped value against the
/// shipped scheme's own `eval` total.
fn check_lever(spec: &str, text_of: impl Fn(Decimal) -> Option<String>) {
    let scheme = checked(SHIPPED, shipped_text());
    let inputs = eval_inputs(&scheme);
    let lever = Lever::parse(spec, &inputs.scheme).unwrap();
    let sw = sweep::sweep(&inputs.scheme, &inputs.national, &inputs.data, &[lever]).unwrap();
    let shipped_total = eval_total(SHIPPED, shipped_text());
    assert_eq!(sw.base.total, shipped_total, "{spec}: the base is the shipped scheme");
    let mut moved = 0;
    for p in &sw.points {
        let want = if p.is_base {
            shipped_total
        } else {
            let text = text_of(p.values[0]).unwrap();
            eval_total("variant.qof", &text)
        };
        assert_eq!(p.total, want, "{spec} at {}", p.shown[0]);
        assert_eq!(p.change, want - shipped_total, "{spec} at {}", p.shown[0]);
        moved += usize::from(!p.change.is_zero());
    }
    assert!(sw.points.iter().any(|p| p.is_base), "{spec}: the shipped value is swept");
    assert!(moved >= 2, "{spec}: the lever moves money on this population");
}

fn pct(v: Decimal) -> String {
    format!("{}%", (v * Decimal::ONE_HUNDRED).normalize())
}

#[test]
fn dm020_upper_threshold_matches_eval_of_each_variant() {
    check_lever("DM020.upper=60%..90% step 5%", |v| {
        Some(variant("", &format!("change DM020 {{ thresholds 35% to {} }}", pct(v))))
    });
}

#[test]
fn dm020_lower_threshold_matches_eval_of_each_variant() {
    check_lever("DM020.lower=20%,35%,50%,60%", |v| {
        Some(variant("", &format!("change DM020 {{ thresholds {} to 75% }}", pct(v))))
    });
}

#[test]
fn dm020_points_match_eval_of_each_variant() {
    check_lever("DM020.points=0,10,17,25.5,40", |v| {
        Some(variant("", &format!("change DM020 {{ points {} }}", v.normalize())))
    });
}

#[test]
fn pounds_per_point_match_eval_of_each_variant() {
    check_lever("pounds_per_point=150..200 step 12.58", |v| {
        Some(variant(&format!("point value £{}", v.normalize()), ""))
    });
}

#[test]
fn a_group_s_points_match_eval_of_each_variant() {
    // DM's points doubled and halved: every DM indicator changed in proportion
    let scheme = checked(SHIPPED, shipped_text());
    let dm: Vec<(String, Decimal)> = scheme
        .indicators
        .iter()
        .filter(|i| i.group == "DM")
        .map(|i| (i.id.clone(), i.points))
        .collect();
    let total: Decimal = dm.iter().map(|x| x.1).sum();
    check_lever("DM.points=50%,100%,200%", |v| {
        let changes: Vec<String> = dm
            .iter()
            .map(|(id, p)| format!("change {id} {{ points {} }}", (p * v / total).normalize()))
            .collect();
        Some(variant("", &changes.join("\n")))
    });
}

#[test]
fn cost_neutral_point_value_reproduces_the_other_scheme_s_total() {
    // B raises DM020's upper threshold to 85%: which point value makes it cost what the
    // shipped scheme does?
    let b_text = variant("", "change DM020 { thresholds 35% to 85% }");
    let goal = eval_total(SHIPPED, shipped_text());
    let b = eval_inputs(&checked("b.qof", &b_text));
    let sol =
        sweep::solve(&b.scheme, &b.national, &b.data, &Target::PoundsPerPoint, goal, None).unwrap();
    assert!(sol.value > d("187.74"), "{sol:?}");
    // the value found, written into B, costs what `eval` says, to the penny of the residual
    let at =
        variant(&format!("point value £{}", sol.value), "change DM020 { thresholds 35% to 85% }");
    let total = eval_total("b-solved.qof", &at);
    assert_eq!(total, sol.total);
    assert_eq!(total - goal, sol.residual);
    // and it is the nearest: a penny either side is no nearer
    for other in [sol.value - d("0.01"), sol.value + d("0.01")] {
        let t = eval_total(
            "b-other.qof",
            &variant(&format!("point value £{other}"), "change DM020 { thresholds 35% to 85% }"),
        );
        assert!((t - goal).abs() >= sol.residual.abs(), "{other}: {t} vs {sol:?}");
    }
    // on a finer grid (a hundredth of a penny) the solve is exact, to the penny
    let fine = sweep::solve(
        &b.scheme,
        &b.national,
        &b.data,
        &Target::PoundsPerPoint,
        goal,
        Some(d("0.0001")),
    )
    .unwrap();
    assert!(fine.exact || fine.residual.abs() <= sol.residual.abs(), "{fine:?}");
}

#[test]
fn cost_neutral_group_points_reproduce_or_say_why_not() {
    // B pays DM020 on 85%; solving DM's points (a point at a time) gives the nearest
    let b_text = variant("", "change DM020 { thresholds 35% to 85% }");
    let goal = eval_total(SHIPPED, shipped_text());
    let b = eval_inputs(&checked("b.qof", &b_text));
    let target = Target::parse("DM.points", &b.scheme).unwrap();
    let sol = sweep::solve(&b.scheme, &b.national, &b.data, &target, goal, None).unwrap();
    assert!(sol.value > sweep::group_points(&b.scheme, "DM"));
    if let Some(o) = &sol.other_side {
        assert!((o.total - goal).abs() >= sol.residual.abs());
        assert!((o.value - sol.value).abs() == Decimal::ONE);
    }
    // a goal no value reaches (ten times the total) says so
    let far = goal * Decimal::TEN;
    let e =
        sweep::solve(&b.scheme, &b.national, &b.data, &Target::Upper("DM020".into()), far, None)
            .unwrap_err();
    assert!(e.to_string().starts_with("no DM020 upper threshold makes scheme"), "{e}");
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qofrules"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn the_cli_sweep_at_the_shipped_value_is_the_cli_eval_total() {
    let e = json(&cli(&["eval", SHIPPED, "--format", "json"]));
    let s = json(&cli(&[
        "sweep",
        SHIPPED,
        "--vary",
        "DM020.upper=70%..80% step 5%",
        "--format",
        "json",
    ]));
    assert_eq!(s["base"]["total"], e["total"]["payment"]);
    let points = s["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    assert_eq!(points[1]["is_base"], true);
    assert_eq!(points[1]["total"], e["total"]["payment"]);
    assert_eq!(points[1]["change"], "0.00");
    assert_eq!(s["practices"], 44);
    // the HTML report: one page, a curve, no external request
    let h = cli(&["sweep", SHIPPED, "--vary", "DM020.upper=70%..80% step 5%", "--format", "html"]);
    assert!(h.status.success());
    let html = String::from_utf8(h.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.contains("<polyline class=\"curve\""));
    // the SVG namespace is a name, never fetched; nothing else may point outside the page
    let own = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!own.contains("http:") && !own.contains("https:") && !own.contains(" src="));
    let total = e["total"]["payment"].as_str().unwrap();
    let base = format!("data-base-total=\"{total}\">£{}</strong>", grouped_by_hand(total));
    assert!(html.contains(&base), "the JSON's total, shown grouped");
    assert!(html.contains(
        "<p class=\"muted\" id=\"population\">Figures are for a patient-level population: \
         NHS Dudley CCG at scale 0.05, seed 2020.</p>"
    ));
    // 80% pays less than the 75% written: its change has the one minus sign, grouped
    let change = points[2]["change"].as_str().unwrap();
    let drop = change.strip_prefix('-').expect("80% pays less");
    assert!(html.contains(&format!("−£{}", grouped_by_hand(drop))), "{change}");
    assert!(check_display(&html) > 20);
    // two levers: a heat map with a cell per pair
    let g = cli(&[
        "sweep",
        SHIPPED,
        "--vary",
        "DM020.upper=70%,75%",
        "--vary",
        "pounds_per_point=180,187.74",
        "--format",
        "csv",
    ]);
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    let csv = String::from_utf8(g.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(lines[0].starts_with("DM020.upper,pounds_per_point,total,change"));
    assert!(
        lines[4]
            .starts_with(&format!("0.75,187.74,{},0.00,", e["total"]["payment"].as_str().unwrap())),
        "{csv}"
    );
}

#[test]
fn the_cli_refuses_bad_levers_before_evaluating() {
    let o = cli(&["sweep", SHIPPED, "--vary", "DM020.upper=60..90 step 5"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("error: `60` has no `%`"), "{err}");
    assert!(err.contains("help: thresholds and shares are percentages: write `60%`"), "{err}");
    let o = cli(&["sweep", SHIPPED]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stderr).unwrap().contains("error: nothing to sweep"));
}

#[test]
fn the_cli_solves_cost_neutral_against_another_scheme() {
    let dir = std::env::temp_dir().join(format!("qofrules-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let b = dir.join("b.qof");
    std::fs::write(&b, variant("", "change DM020 { thresholds 35% to 85% }")).unwrap();
    let a_total = json(&cli(&["eval", SHIPPED, "--format", "json"]))["total"]["payment"].clone();
    let o = json(&cli(&[
        "sweep",
        b.to_str().unwrap(),
        "--cost-neutral-against",
        SHIPPED,
        "--solve",
        "pounds_per_point",
        "--format",
        "json",
    ]));
    assert_eq!(o["solution"]["goal"], a_total);
    assert_eq!(o["against"], "qof_2019_20");
    let value = o["solution"]["value"].as_str().unwrap();
    // B at that point value, through `eval`, costs the solution's total
    std::fs::write(
        dir.join("b-solved.qof"),
        variant(&format!("point value £{value}"), "change DM020 { thresholds 35% to 85% }"),
    )
    .unwrap();
    let solved =
        json(&cli(&["eval", dir.join("b-solved.qof").to_str().unwrap(), "--format", "json"]));
    assert_eq!(solved["total"]["payment"], o["solution"]["total"]);
    // the solve as a page: the default population named, money grouped, the goal the JSON's
    let h = cli(&[
        "sweep",
        b.to_str().unwrap(),
        "--cost-neutral-against",
        SHIPPED,
        "--solve",
        "pounds_per_point",
        "--format",
        "html",
    ]);
    assert!(h.status.success(), "{}", String::from_utf8_lossy(&h.stderr));
    let html = String::from_utf8(h.stdout).unwrap();
    assert!(html.contains("Figures are for a patient-level population: NHS Dudley CCG"));
    let goal = a_total.as_str().unwrap();
    assert!(html.contains(&format!(" £{}\n", grouped_by_hand(goal))), "{html}");
    check_display(&html);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_sweep_on_published_counts_matches_eval_of_each_variant() {
    // the Lincolnshire LMC's worked example: one practice's published achievement and
    // prevalence; the point value swept, each value against `eval` of a copy that says it
    let dir = std::env::temp_dir().join(format!("qofrules-sweep-counts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/worked");
    let text = std::fs::read_to_string(root.join("lincs-2022-23.qof")).unwrap();
    assert!(text.contains("point value £207.56"));
    let counts = |scheme: &str, extra: &[&str]| {
        let mut args = vec![
            scheme.to_string(),
            "--achievement".into(),
            root.join("lincs-2022-23.achievement.csv").display().to_string(),
            "--prevalence".into(),
            root.join("lincs-2022-23.prevalence.csv").display().to_string(),
            "--format".into(),
            "json".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let base = root.join("lincs-2022-23.qof").display().to_string();
    let mut args = vec!["sweep".to_string()];
    args.extend(counts(&base, &["--vary", "pounds_per_point=200,207.56,215.25"]));
    let s = json(&cli(&args.iter().map(String::as_str).collect::<Vec<_>>()));
    assert_eq!(s["practices"], 1);
    for p in s["points"].as_array().unwrap() {
        let value = p["values"][0].as_str().unwrap();
        let file = dir.join(format!("lincs-{value}.qof"));
        std::fs::write(
            &file,
            text.replace("point value £207.56", &format!("point value £{value}")),
        )
        .unwrap();
        let mut e = vec!["eval".to_string()];
        e.extend(counts(&file.display().to_string(), &[]));
        let e = json(&cli(&e.iter().map(String::as_str).collect::<Vec<_>>()));
        assert_eq!(p["total"], e["total"]["payment"], "at £{value}");
    }
    assert_eq!(s["points"][1]["is_base"], true);
    assert_eq!(s["points"][1]["total"], s["base"]["total"]);
    // its HTML report names the counts by their files, and shows their money grouped
    let html: Vec<String> =
        args.iter().map(|a| if a == "json" { "html".to_string() } else { a.clone() }).collect();
    let h = cli(&html.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(h.status.success(), "{}", String::from_utf8_lossy(&h.stderr));
    let html = String::from_utf8(h.stdout).unwrap();
    assert!(
        html.contains(
            "Figures are for published counts (no patient-level detail): \
             lincs-2022-23.achievement.csv, lincs-2022-23.prevalence.csv.</p>"
        ),
        "{}",
        &html[..html.len().min(2000)]
    );
    check_display(&html);
    let _ = std::fs::remove_dir_all(&dir);
}
