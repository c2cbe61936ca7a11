//! `qofrules witness`: a changed target gives a verified witness; identical schemes, and
//! schemes that differ only in points, give "same"; an equivalent rewrite is proved the same;
//! what the proof does not cover is "unknown" with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::check::check_text;
use qofrules::compile::{compile, Program};
use qofrules::eval::{explain, outcome_text, test_patient};
use qofrules::witness::{by_form, witness, IndicatorWitness, Verdict};

fn program(name: &str, text: &str) -> Program {
    let (sources, c) = check_text(name, text);
    let errors: Vec<String> =
        c.diagnostics.iter().filter(|d| d.is_error()).map(|d| sources.render(d)).collect();
    assert!(errors.is_empty(), "{name} does not check:\n{}", errors.join("\n"));
    compile(&c.scheme.expect("a scheme"))
}

fn shipped(name: &str) -> &'static str {
    qofrules::shipped::SCHEMES
        .iter()
        .find(|(p, _)| p.ends_with(name))
        .map(|(_, t)| *t)
        .expect("a shipped scheme")
}

fn variant(changes: &str) -> Program {
    program(
        "variant.qof",
        &format!("scheme variant \"A variant\" extends qof_2019_20 {{}}\n{changes}"),
    )
}

fn one(a: &Program, b: &Program, id: &str) -> IndicatorWitness {
    let mut v = witness(a, b, Some(id)).expect("the indicator exists");
    assert_eq!(v.len(), 1);
    v.remove(0)
}

/// The witness block's outcome under each program, read back through the test language.
fn outcomes_of_witness(w: &IndicatorWitness, a: &Program, b: &Program) -> (String, String) {
    let block = w.witness.as_ref().expect("a witness");
    // The block must parse and check when appended to a scheme.
    let text = format!("{}\n{block}", shipped("qof-2019-20.qof"));
    let (_, c) = check_text("with-witness.qof", &text);
    let scheme = c.scheme.expect("the witness block checks");
    let t = scheme
        .tests
        .iter()
        .find(|t| t.node.name.value.contains("under A"))
        .expect("the witness test");
    let p = test_patient(&scheme, a.pped, &t.node).expect("the witness patient builds");
    let side = |prog: &Program| {
        let tr = explain(prog, &p, Some(&w.indicator));
        let tr = tr.first().expect("the indicator");
        outcome_text(&tr.outcome, tr.stratum.as_deref())
    };
    (side(a), side(b))
}

#[test]
fn a_changed_target_gives_a_witness_that_flips() {
    let a = program("qof-2019-20.qof", shipped("qof-2019-20.qof"));
    for (target, expect_value) in [("53", None), ("59", Some("value 59"))] {
        let b = variant(&format!(
            "change DM020 {{ achieved when latest IFCCHBAM_COD in last 12 months has value <= {target} }}"
        ));
        let w = one(&a, &b, "DM020");
        assert_eq!(w.verdict, Verdict::Differ, "{w:#?}");
        let (oa, ob) = outcomes_of_witness(&w, &a, &b);
        assert_ne!(oa, ob, "the witness is verified: {w:#?}");
        let block = w.witness.as_deref().unwrap_or_default();
        // An HbA1c in the window, between the two targets.
        let hba1c = block.lines().find(|l| l.contains("IFCCHBAM_COD")).expect("an HbA1c");
        let date = hba1c.split_whitespace().nth(2).unwrap_or_default();
        assert!(("2019-04-01"..="2020-03-31").contains(&date), "{hba1c}");
        if let Some(v) = expect_value {
            assert!(hba1c.contains(v), "{hba1c}");
        }
        assert!(w.a.is_some() && w.b.is_some(), "both explanations");
        // DM021 is untouched by the change.
        assert_eq!(one(&a, &b, "DM021").verdict, Verdict::Same);
    }
}

#[test]
fn a_scheme_and_itself_are_the_same_everywhere() {
    let a = program("qof-2019-20.qof", shipped("qof-2019-20.qof"));
    let all = witness(&a, &a, None).expect("all");
    assert_eq!(all.len(), a.indicators.len());
    for w in &all {
        assert_eq!(w.verdict, Verdict::Same, "{w:#?}");
        assert!(w.witness.is_none());
    }
}

#[test]
fn a_points_only_change_classifies_nobody_differently() {
    let a = program("qof-2019-20.qof", shipped("qof-2019-20.qof"));
    let b = variant("change DM020 { points 30 }\nchange DM021 { thresholds 40% to 80% }");
    for id in ["DM020", "DM021"] {
        assert_eq!(one(&a, &b, id).verdict, Verdict::Same, "{id}");
    }
}

#[test]
fn an_equivalent_rewrite_is_proved_the_same() {
    let a = program("qof-2019-20.qof", shipped("qof-2019-20.qof"));
    let b = variant(
        "change DM020 { achieved when latest IFCCHBAM_COD in last 12 months has value < 58 \
         or latest IFCCHBAM_COD in last 12 months has value = 58 }",
    );
    let w = one(&a, &b, "DM020");
    assert_eq!(w.verdict, Verdict::Same, "{w:#?}");
    assert!(w.reason.contains("abstraction"), "{}", w.reason);
    // One unit off is not the same.
    let c = variant(
        "change DM020 { achieved when latest IFCCHBAM_COD in last 12 months has value < 58 }",
    );
    assert_eq!(one(&a, &c, "DM020").verdict, Verdict::Differ);
}

#[test]
fn what_the_proof_does_not_cover_is_unknown_with_the_reason() {
    let a = program("qof-2019-20.qof", shipped("qof-2019-20.qof"));
    // `> 1` and `>= 2` count the same, but spaced counts are outside the proof.
    let b = variant(
        "define dm_hba1c_unanswered = IFCCHBAM_COD in last 12 months \
         and count DMINVITE_COD after latest IFCCHBAM_COD at least 7 days apart > 1 \
         or not IFCCHBAM_COD in last 12 months \
         and count DMINVITE_COD in last 12 months at least 7 days apart > 1",
    );
    let w = one(&a, &b, "DM020");
    assert_eq!(w.verdict, Verdict::Unknown, "{w:#?}");
    assert!(w.reason.contains("days apart"), "{}", w.reason);
}

#[test]
fn json_has_one_object_per_indicator() {
    let a = program("qof-2019-20.qof", shipped("qof-2019-20.qof"));
    let b = variant(
        "change DM020 { achieved when latest IFCCHBAM_COD in last 12 months has value <= 53 }",
    );
    let all = witness(&a, &b, None).expect("all");
    let json = serde_json::to_value(&all).expect("json");
    let arr = json.as_array().expect("an array");
    assert_eq!(arr.len(), a.indicators.len());
    for o in arr {
        for k in ["indicator", "verdict", "reason", "witness"] {
            assert!(o.get(k).is_some(), "{k} in {o}");
        }
    }
    let differ: Vec<&str> = arr
        .iter()
        .filter(|o| o["verdict"] == "differ")
        .map(|o| o["indicator"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(differ, ["DM020"]);
}

#[test]
fn the_commands_write_json_and_refuse_an_unknown_indicator() {
    let dir = tempfile::tempdir().unwrap();
    let variant = dir.path().join("variant.qof");
    std::fs::write(
        &variant,
        "scheme variant \"A variant\" extends qof_2019_20 {}\nchange DM020 { achieved when \
         latest IFCCHBAM_COD in last 12 months has value <= 53 }\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_qofrules")).args(args).output().unwrap()
    };
    let v = variant.to_str().unwrap();
    let out =
        run(&["witness", "rules/qof-2019-20.qof", v, "--indicator", "DM020", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["indicator"], "DM020");
    assert_eq!(json[0]["verdict"], "differ");
    assert!(json[0]["witness"].as_str().unwrap().starts_with("test \"DM020"));
    let out = run(&["witness", "rules/qof-2019-20.qof", v, "--indicator", "DM02"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `DM012`?"));
    let out = run(&["boundary", "rules/qof-2019-20.qof", "--indicator", "DM02"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["boundary", "rules/qof-2019-20.qof", "--indicator", "DM020"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("expect DM020 numerator"));
}

/// The short cut the editor shows at once: an indicator whose compiled rule is the same (same
/// canonical form) is settled `same` by `by_form`, with `witness`'s own answer and without a
/// search; a changed one is left to `witness`.
#[test]
fn by_form_settles_the_same_rules_at_once_and_leaves_the_changed_ones() {
    for (path, text) in qofrules::shipped::SCHEMES {
        let a = program(path, text);
        let plan = by_form(&a, &a);
        assert_eq!(plan.len(), a.indicators.len(), "{path}");
        for (id, settled) in &plan {
            let w = settled.as_ref().unwrap_or_else(|| panic!("{path}: {id} is not settled"));
            assert_eq!(w.verdict, Verdict::Same);
            assert_eq!(*w, one(&a, &a, id), "{path}: {id}");
        }
    }
    let a = program("qof-2019-20.qof", shipped("qof-2019-20.qof"));
    // a target moved: only DM020 is left; points changed: nobody
    let b = variant("change DM020 { achieved when latest IFCCHBAM_COD in last 12 months has value <= 59 }\nchange DM021 { points 30 }");
    let left: Vec<String> =
        by_form(&a, &b).into_iter().filter(|(_, s)| s.is_none()).map(|(id, _)| id).collect();
    assert_eq!(left, ["DM020"]);
    assert_eq!(one(&a, &b, "DM020").verdict, Verdict::Differ);
    // other periods: every window is dated from another period end, so nothing is settled by
    // form (each indicator needs its search)
    let a = program("qof-2024-25.qof", shipped("qof-2024-25.qof"));
    let b = program("qof-2025-26.qof", shipped("qof-2025-26.qof"));
    assert!(by_form(&a, &b).iter().all(|(_, s)| s.is_none()));
    // an indicator only one scheme has is left to `witness` too
    let c = variant("retire DM020");
    let a = program("qof-2019-20.qof", shipped("qof-2019-20.qof"));
    let plan = by_form(&a, &c);
    assert_eq!(plan.iter().find(|(id, _)| id == "DM020").map(|(_, s)| s.is_none()), Some(true));
}

#[test]
fn every_shipped_scheme_and_itself_are_the_same_everywhere() {
    for (path, text) in qofrules::shipped::SCHEMES {
        let a = program(path, text);
        let all = witness(&a, &a, None).expect("all");
        assert_eq!(all.len(), a.indicators.len(), "{path}");
        for w in &all {
            assert_eq!(w.verdict, Verdict::Same, "{path}: {w:#?}");
            assert!(w.witness.is_none() && w.a.is_none() && w.b.is_none(), "{path}: {w:#?}");
        }
    }
}

#[test]
fn points_and_thresholds_changed_everywhere_classify_nobody_differently() {
    let a = program("qof-2019-20.qof", shipped("qof-2019-20.qof"));
    let changes: String = a
        .indicators
        .iter()
        .filter(|i| i.kind == qofrules::scheme::Kind::Fraction)
        .map(|i| format!("change {} {{ points 99, thresholds 10% to 20% }}\n", i.id))
        .collect();
    let b = variant(&changes);
    // The change is real: the pay side of the scheme differs.
    let dm020 = |p: &Program| p.indicators.iter().find(|i| i.id == "DM020").map(|i| i.points);
    assert_ne!(dm020(&a), dm020(&b));
    let all = witness(&a, &b, None).expect("all");
    assert_eq!(all.len(), a.indicators.len());
    for w in &all {
        assert_eq!(w.verdict, Verdict::Same, "{w:#?}");
        assert!(w.witness.is_none(), "{w:#?}");
    }
}

#[test]
fn an_indicator_in_one_scheme_only_has_a_witness_it_counts() {
    let a = program("qof-2019-20.qof", shipped("qof-2019-20.qof"));
    let b = variant(
        "retire DM020\n\
         indicator DM900 \"HbA1c 48 or less\" {\n  group DM, domain CL, points 5\n  \
         thresholds 40% to 70%\n  denominator DM\n  \
         achieved when latest IFCCHBAM_COD in last 12 months has value <= 48\n}\n",
    );
    for (id, has, lacks, text) in
        [("DM020", &a, &b, shipped("qof-2019-20.qof")), ("DM900", &b, &a, "")]
    {
        let w = one(&a, &b, id);
        assert_eq!(w.verdict, Verdict::Differ, "{w:#?}");
        let block = w.witness.as_deref().expect("a witness patient");
        assert!(block.contains(&format!("expect {id} ")), "{block}");
        let (sa, sb) = (w.a.as_ref().expect("A"), w.b.as_ref().expect("B"));
        let (here, there) = if std::ptr::eq(has, &a) { (sa, sb) } else { (sb, sa) };
        assert_eq!(there.outcome, "absent", "{w:#?}");
        assert_ne!(here.outcome, "excluded", "{w:#?}");
        assert!(lacks.indicators.iter().all(|i| i.id != id));
        // Verified: the block, kept next to the scheme that has the indicator, passes there.
        if !text.is_empty() {
            let with = format!("{text}\n{block}");
            let (_, c) = check_text("with-witness.qof", &with);
            let scheme = c.scheme.expect("the witness block checks");
            let name = |t: &&qofrules::scheme::Located<qofrules::syntax::ast::Test>| {
                t.node.name.value.starts_with(&format!("{id}: "))
                    && t.node.name.value.contains(", not in ")
            };
            let t = scheme.tests.iter().find(name).expect("the witness test");
            let p = test_patient(&scheme, has.pped, &t.node).expect("the patient builds");
            let tr = explain(has, &p, Some(id));
            let got = tr.first().map(|t| outcome_text(&t.outcome, t.stratum.as_deref()));
            assert_eq!(got.as_deref(), Some(here.outcome.as_str()));
        }
    }
}

#[test]
fn schemes_of_different_periods_give_a_witness_with_the_same_dates_under_both() {
    let a = program("qof-2019-20.qof", shipped("qof-2019-20.qof"));
    let b = program("qof-2020-21.qof", shipped("qof-2020-21.qof"));
    assert_ne!(a.pped, b.pped);
    let w = one(&a, &b, "DM020");
    assert_eq!(w.verdict, Verdict::Differ, "{w:#?}");
    assert!(w.reason.contains("the periods differ"), "{}", w.reason);
    assert!(w.reason.contains("2020-03-31") && w.reason.contains("2021-03-31"), "{}", w.reason);
    // The witness states every date (no default measured from one period end), and the one
    // patient it describes is classified differently by the two schemes.
    let block = w.witness.as_deref().expect("a witness");
    assert!(block.contains("patient born ") && block.contains(", registered "), "{block}");
    let (oa, ob) = outcomes_of_witness(&w, &a, &b);
    assert_ne!(oa, ob, "{w:#?}");
    assert_eq!(w.a.as_ref().map(|s| s.outcome.as_str()), Some(oa.as_str()));
    assert_eq!(w.b.as_ref().map(|s| s.outcome.as_str()), Some(ob.as_str()));
}
