//! `qofrules boundary`: the generated tests parse, check and pass under the scheme they were
//! generated from, sit on both sides of each boundary, catch a rule moved by one unit, and are
//! stable (snapshot).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "boundary/mutation.rs"]
mod mutation;

use qofrules::boundary::{generate, render};
use qofrules::check::check_text;
use qofrules::compile::{compile, Program};
use qofrules::eval::{explain, outcome_text, run_tests, test_patient};
use qofrules::scheme::Scheme;

/// A small scheme with a value target, a window, ages, sex, a count of spaced events and
/// adjustments, as in docs/language.md.
const DEMO: &str = r#"scheme demo "Boundary demo" { period 2019-04-01 to 2020-03-31, point value £187.74, national average list size 8479 }
codelist DM_COD       "Diabetes"          snomed { 44054006 }
codelist DMRES_COD    "Diabetes resolved" snomed { 315051004 }
codelist IFCCHBAM_COD "IFCC HbA1c"        snomed { 999791000000106 }
codelist FRAIL_COD    "Frailty"           snomed { 925791000000100, 925831000000107 }
codelist FRAIL_MODSEV "Moderate or severe frailty" snomed { 925831000000107 }
codelist DMPCAPU_COD  "PCA unsuitable"    snomed { 1107811000000104 }
codelist DMINVITE_COD "Invitation"        snomed { 1107831000000107 }
codelist CS_COD       "Cervical screening" snomed { 171149006 }

register DM "Diabetes mellitus" {
  patients aged 17 or over
  where latest DM_COD is on or after latest DMRES_COD
  list 17OV
}

indicator DM020 "HbA1c 58 or less" {
  group DM, domain CL, points 17
  thresholds 35% to 75%
  denominator DM where not latest FRAIL_COD is in FRAIL_MODSEV
  achieved when latest IFCCHBAM_COD in last 12 months has value <= 58
  adjustments {
    unsuitable   when DMPCAPU_COD in last 12 months
    no response  when count DMINVITE_COD in last 12 months at least 7 days apart >= 2
    new patient  when registered in last 9 months
  }
}

indicator CS005 "Women aged 25 to 49 screened in the preceding 3 years 6 months" {
  group CS, domain PH, points 7
  thresholds 45% to 80%
  denominator patients where female and aged 25 to 49
  achieved when CS_COD in last 42 months
}
"#;

fn checked(name: &str, text: &str) -> (Scheme, Program) {
    let (sources, c) = check_text(name, text);
    let errors: Vec<String> =
        c.diagnostics.iter().filter(|d| d.is_error()).map(|d| sources.render(d)).collect();
    assert!(errors.is_empty(), "{name} does not check:\n{}", errors.join("\n"));
    let scheme = c.scheme.expect("a scheme without errors");
    let prog = compile(&scheme);
    (scheme, prog)
}

fn generated(text: &str, indicator: Option<&str>) -> String {
    let (_, prog) = checked("gen.qof", text);
    render(&prog, &generate(&prog, indicator).expect("the indicator exists"))
}

/// The generated tests (named `... boundary N: ...`) of `scheme` that fail, as
/// `name: expected X, got Y`. Each expectation is classified as `qofrules test` does.
fn failures(scheme: &Scheme, prog: &Program) -> Vec<String> {
    let mut out = Vec::new();
    for t in scheme.tests.iter().map(|t| &t.node).filter(|t| t.name.value.contains(" boundary ")) {
        let p = test_patient(scheme, prog.pped, t).expect("a generated patient builds");
        for x in &t.expects {
            let tr = explain(prog, &p, Some(&x.indicator.name));
            let tr = tr.first().expect("the indicator exists");
            let want = outcome_text(&x.outcome, x.stratum.as_ref().map(|s| s.name.as_str()));
            let got = outcome_text(&tr.outcome, tr.stratum.as_deref());
            if want != got {
                out.push(format!("{}: expected {want}, got {got}", t.name.value));
            }
        }
    }
    out
}

#[test]
fn generated_tests_pass_under_the_shipped_schemes() {
    for (path, text) in qofrules::shipped::SCHEMES {
        if ![
            "rules/qof-2019-20.qof",
            "rules/qof-2019-20-stratified.qof",
            "rules/qof-2021-22.qof",
            "rules/somerset-2018-19.qof",
        ]
        .iter()
        .any(|p| path.ends_with(p.trim_start_matches("rules/")))
        {
            continue;
        }
        let tests = generated(text, None);
        assert!(tests.matches("\ntest \"").count() > 40, "{path}: few tests generated");
        let appended = format!("{text}\n{tests}");
        let (scheme, prog) = checked(path, &appended);
        let generated =
            scheme.tests.iter().filter(|t| t.node.name.value.contains(" boundary ")).count();
        assert_eq!(
            generated,
            tests.matches("\ntest \"").count(),
            "{path}: every block parses as a test"
        );
        let failed = failures(&scheme, &prog);
        assert!(
            failed.is_empty(),
            "{path}: {} generated tests fail:\n{}",
            failed.len(),
            failed.join("\n")
        );
    }
}

#[test]
fn generated_tests_pass_under_qofrules_test() {
    let appended = format!("{DEMO}\n{}", generated(DEMO, None));
    let (scheme, prog) = checked("demo.qof", &appended);
    let r = run_tests(&scheme, &prog);
    assert!(r.tests.len() > 40, "{} tests", r.tests.len());
    assert!(r.all_passed(), "{:#?}", r.tests.iter().filter(|t| !t.passed).collect::<Vec<_>>());
}

/// The patient's HbA1c value and date in a generated block, and its expectation.
fn hba1c_cases(tests: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for block in tests.split("\ntest \"").skip(1) {
        let hba1c: Vec<&str> = block.lines().filter(|l| l.contains("999791000000106 on")).collect();
        if hba1c.len() != 1 || block.contains("DMPCAPU") || block.contains("DMINVITE") {
            continue;
        }
        let words: Vec<&str> = hba1c[0].split_whitespace().collect();
        let (date, value) = (words[2].to_string(), words.get(4).unwrap_or(&"").to_string());
        let expect = block.lines().find(|l| l.trim_start().starts_with("expect")).unwrap_or("");
        out.push((date, value, expect.trim().to_string()));
    }
    out
}

#[test]
fn value_and_window_boundaries_are_hit_on_both_sides() {
    let tests = generated(DEMO, Some("DM020"));
    let cases = hba1c_cases(&tests);
    let has = |date: &str, value: &str, expect: &str| {
        cases.iter().any(|(d, v, e)| d == date && v == value && e == expect)
    };
    // At the target and just past it, on the period end date.
    assert!(has("2020-03-31", "58", "expect DM020 numerator"), "{cases:#?}");
    assert!(has("2020-03-31", "59", "expect DM020 denominator"), "{cases:#?}");
    assert!(has("2020-03-31", "57", "expect DM020 numerator"), "{cases:#?}");
    // The window's first day counts; the day before does not; nor the day after the PPED.
    assert!(has("2019-04-01", "58", "expect DM020 numerator"), "{cases:#?}");
    assert!(has("2019-03-31", "58", "expect DM020 denominator"), "{cases:#?}");
    assert!(has("2020-04-01", "58", "expect DM020 denominator"), "{cases:#?}");
    // Ages: 17 on the PPED (birthday on it) is on the register; a day younger is not.
    assert!(tests.contains("patient born 2003-03-31") && tests.contains("patient born 2003-04-01"));
    // Each adjustment alone and with achievement.
    assert!(tests.contains("adjustment `unsuitable` alone"));
    assert!(tests.contains("adjustment `unsuitable` with achievement"));
    assert!(tests.contains("expect DM020 adjusted unsuitable"));
    assert!(tests.contains("expect DM020 adjusted no response"));
    assert!(tests.contains("expect DM020 adjusted new patient"));
}

#[test]
fn moving_a_rule_by_one_unit_fails_a_generated_test() {
    let tests = generated(DEMO, None);
    let mutations = [
        ("has value <= 58", "has value <= 57"),
        ("has value <= 58", "has value <= 59"),
        ("has value <= 58", "has value < 58"),
        ("IFCCHBAM_COD in last 12 months", "IFCCHBAM_COD in last 11 months"),
        ("IFCCHBAM_COD in last 12 months", "IFCCHBAM_COD in last 13 months"),
        ("patients aged 17 or over", "patients aged 16 or over"),
        ("patients aged 17 or over", "patients aged 18 or over"),
        ("at least 7 days apart >= 2", "at least 6 days apart >= 2"),
        ("at least 7 days apart >= 2", "at least 8 days apart >= 2"),
        ("at least 7 days apart >= 2", "at least 7 days apart >= 3"),
        ("registered in last 9 months", "registered in last 8 months"),
        ("registered in last 9 months", "registered in last 10 months"),
        ("and aged 25 to 49", "and aged 26 to 49"),
        ("and aged 25 to 49", "and aged 25 to 48"),
        ("and aged 25 to 49", "and aged 25 to 50"),
        ("CS_COD in last 42 months", "CS_COD in last 41 months"),
        ("CS_COD in last 42 months", "CS_COD in last 43 months"),
        ("is on or after latest DMRES_COD", "is after latest DMRES_COD"),
    ];
    for (from, to) in mutations {
        assert!(DEMO.contains(from), "{from}");
        let mutated = format!("{}\n{tests}", DEMO.replacen(from, to, 1));
        let (scheme, prog) = checked("mutated.qof", &mutated);
        assert!(
            !failures(&scheme, &prog).is_empty(),
            "no generated test fails when `{from}` becomes `{to}`"
        );
    }
}

#[test]
fn output_is_deterministic_and_stable() {
    let a = generated(DEMO, Some("DM020"));
    assert_eq!(a, generated(DEMO, Some("DM020")));
    insta::assert_snapshot!("boundary_dm020", a);
}
