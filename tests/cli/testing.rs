//! `qofrules test` on tests that state pay, on tests a variant inherits, and its JSON and JUnit
//! outputs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{hba1c_test, run, scratch, stderr, stdout};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

const BASE_HEAD: &str = r#"scheme base_demo "Base" {
  period 2019-04-01 to 2020-03-31
  point value £187.74
  national average list size 8479
  national prevalence { DM 7% }
}
codelist DM_COD       "Diabetes"   snomed { 44054006 }
codelist IFCCHBAM_COD "IFCC HbA1c" snomed { 999791000000106 }
register DM "Diabetes mellitus" { patients aged 17 or over, where DM_COD, list 17OV }
indicator DM017 "Register" { group DM, domain CL, points 6, register DM }
indicator DM020 "HbA1c 58 or less" {
  group DM, domain CL, points 17, thresholds 35% to 75%
  denominator DM
  achieved when latest IFCCHBAM_COD in last 12 months has value <= 58
}
"#;

/// The base scheme with two passing tests.
static BASE: LazyLock<String> = LazyLock::new(|| {
    format!("{BASE_HEAD}{}{}", hba1c_test("HbA1c 57 counts", 57), hba1c_test("HbA1c 58 counts", 58))
});

/// Four patients with diabetes, two of them at target: 50% achievement of DM020.
const PRACTICE_TEST: &str = r#"
test "two of four at target" {
  list size 8479
  patient born 1950-01-01, registered 2000-01-01 { DM_COD on 2010-05-01; IFCCHBAM_COD on 2019-10-01 value 57 }
  patient born 1950-01-01, registered 2000-01-01 { DM_COD on 2010-05-01; IFCCHBAM_COD on 2019-10-01 value 50 }
  patient born 1950-01-01, registered 2000-01-01 { DM_COD on 2010-05-01; IFCCHBAM_COD on 2019-10-01 value 70 }
  patient born 1950-01-01, registered 2000-01-01 { DM_COD on 2010-05-01 }
  expect DM020 points 6.375
  expect DM020 payment £PAYMENT
  expect practice points POINTS
  expect practice payment £TOTAL
}
"#;

fn dir(name: &str) -> PathBuf {
    scratch("test", name)
}

/// The test practice written as a population (its four patients and 8,475 more with no
/// records, so the list size is 8,479), evaluated and paid by `qofrules eval`: the figures a
/// test states must be exactly these.
fn eval_figures(d: &Path) -> (String, String, String) {
    let pop = d.join("pop");
    std::fs::create_dir_all(&pop).unwrap();
    std::fs::write(pop.join("practices.csv"), "practice_id,practice_name,network_id\nTEST,Test,\n")
        .unwrap();
    let mut patients =
        String::from("patient_id,practice_id,birth_date,sex,registered_on,deregistered_on\n");
    for i in 0..8479 {
        patients.push_str(&format!("p{i},TEST,1950-01-01,F,2000-01-01,\n"));
    }
    std::fs::write(pop.join("patients.csv"), patients).unwrap();
    let events = "patient_id,date,code,value\n\
        p0,2010-05-01,44054006,\np0,2019-10-01,999791000000106,57\n\
        p1,2010-05-01,44054006,\np1,2019-10-01,999791000000106,50\n\
        p2,2010-05-01,44054006,\np2,2019-10-01,999791000000106,70\n\
        p3,2010-05-01,44054006,\n";
    std::fs::write(pop.join("events.csv"), events).unwrap();
    let o = run(&["eval", "base.qof", "--population", "pop", "--format", "json"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let p = &v["practices"][0];
    let dm020 = p["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "DM020").unwrap();
    assert_eq!(dm020["points"], "6.375");
    let s = |x: &serde_json::Value| x.as_str().unwrap().to_string();
    (s(&dm020["payment"]), s(&p["points"]), s(&p["payment"]))
}

#[test]
fn a_test_practice_is_paid_as_eval_pays_the_same_population() {
    let d = dir("money");
    std::fs::write(d.join("base.qof"), &*BASE).unwrap();
    let (payment, points, total) = eval_figures(&d);
    // a practice paid something, at the penny: the comparison below is not vacuous
    assert_ne!(payment, "0.00");
    assert_eq!(payment.split('.').nth(1).map(str::len), Some(2), "{payment}");

    let text = PRACTICE_TEST
        .replace("PAYMENT", &payment)
        .replace("POINTS", &points)
        .replace("TOTAL", &total);
    std::fs::write(d.join("scheme.qof"), format!("{}{text}", *BASE)).unwrap();
    let o = run(&["test", "scheme.qof"], &d);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).ends_with("3 passed, 0 failed\n"), "{}", stdout(&o));

    // a penny off fails, saying what the practice was paid and why
    let pence: i64 = payment.replace('.', "").parse().unwrap();
    let wrong = format!("{}.{:02}", (pence + 1) / 100, (pence + 1) % 100);
    let text = PRACTICE_TEST
        .replace("PAYMENT", &wrong)
        .replace("POINTS", &points)
        .replace("TOTAL", &total);
    std::fs::write(d.join("scheme.qof"), format!("{}{text}", *BASE)).unwrap();
    let o = run(&["test", "scheme.qof"], &d);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains(&format!("DM020 payment: expected £{wrong}, got £{payment}")), "{out}");
    assert!(
        out.contains("because 2 of 4 achieved (0 PCAs), achievement 50%: 6.375 points of 17"),
        "{out}"
    );
    assert!(out.ends_with("2 passed, 1 failed\n"), "{out}");
}

#[test]
fn a_list_size_below_the_patients_fails_the_test() {
    let d = dir("small-list");
    let text = PRACTICE_TEST
        .replace("list size 8479", "list size 3")
        .replace("PAYMENT", "1.00")
        .replace("POINTS", "1")
        .replace("TOTAL", "1.00");
    std::fs::write(d.join("scheme.qof"), format!("{}{text}", *BASE)).unwrap();
    let o = run(&["test", "scheme.qof"], &d);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains(
            "list size `3` is smaller than the 4 patients registered at the period end date"
        ),
        "{}",
        stdout(&o)
    );
}

const VARIANT: &str = r#"scheme variant_demo "Variant" extends base_demo { }
change DM020 { achieved when latest IFCCHBAM_COD in last 12 months has value <= 57 }
"#;

#[test]
fn a_variant_runs_its_parents_tests_and_reports_the_parents_line() {
    let d = dir("inherit");
    std::fs::write(d.join("base.qof"), &*BASE).unwrap();
    std::fs::write(d.join("variant.qof"), VARIANT).unwrap();
    let o = run(&["test", "variant.qof", "base.qof"], &d);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.starts_with("variant.qof: 2 tests (2 inherited)\n"), "{out}");
    assert!(out.contains("  pass HbA1c 57 counts (base.qof line 16, inherited)\n"), "{out}");
    assert!(out.contains("  FAIL HbA1c 58 counts (base.qof line 23, inherited)\n"), "{out}");
    assert!(out.contains("DM020: expected numerator, got denominator"), "{out}");
    assert!(out.contains("base.qof: 2 tests\n"), "{out}");
    assert!(out.ends_with("3 passed, 1 failed\n"), "{out}");

    // dropped on purpose, or replaced by a test of the same name: the variant passes
    let dropped =
        format!("{VARIANT}// 58 is above the variant's target\nretire test \"HbA1c 58 counts\"\n");
    std::fs::write(d.join("variant.qof"), dropped).unwrap();
    let o = run(&["test", "variant.qof", "base.qof"], &d);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("variant.qof: 1 tests (1 inherited)\n"), "{}", stdout(&o));

    let replaced = format!(
        "{VARIANT}test \"HbA1c 58 counts\" {{\n  patient born 1950-01-01, registered 2000-01-01 {{\n    DM_COD on 2010-05-01\n    IFCCHBAM_COD on 2019-10-01 value 58\n  }}\n  expect DM020 denominator\n}}\n"
    );
    std::fs::write(d.join("variant.qof"), replaced).unwrap();
    let o = run(&["test", "variant.qof", "base.qof"], &d);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("variant.qof: 2 tests (1 inherited)\n"), "{out}");
    assert!(out.contains("  pass HbA1c 58 counts (line 3)\n"), "{out}");
}

#[test]
fn a_variant_of_a_later_year_runs_its_parents_tests_in_its_own_period() {
    let d = dir("redate");
    std::fs::write(d.join("base.qof"), &*BASE).unwrap();
    // a year later: the parent's HbA1c of October 2019 is moved to October 2020, inside the
    // variant's last 12 months
    let next =
        "scheme next_demo \"Next year\" extends base_demo { period 2020-04-01 to 2021-03-31 }\n";
    std::fs::write(d.join("next.qof"), next).unwrap();
    let o = run(&["test", "next.qof", "base.qof"], &d);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains(
            "pass HbA1c 57 counts (base.qof line 16, inherited, dates moved from the period ending 2020-03-31)"
        ),
        "{}",
        stdout(&o)
    );
}

#[test]
fn test_json_has_one_object_per_test_with_expected_and_actual() {
    let d = dir("json");
    std::fs::write(d.join("base.qof"), &*BASE).unwrap();
    std::fs::write(d.join("variant.qof"), VARIANT).unwrap();
    let o = run(&["test", "variant.qof", "base.qof", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let tests = v.as_array().unwrap();
    assert_eq!(tests.len(), 4, "{v:#}");
    let failed: Vec<&serde_json::Value> = tests.iter().filter(|t| t["passed"] == false).collect();
    assert_eq!(failed.len(), 1, "{v:#}");
    let t = failed[0];
    assert_eq!(t["scheme"], "variant_demo");
    assert_eq!(t["file"], "base.qof");
    assert_eq!(t["line"], 23);
    assert_eq!(t["name"], "HbA1c 58 counts");
    assert_eq!(t["inherited"], true);
    let x = &t["expectations"][0];
    assert_eq!(x["indicator"], "DM020");
    assert_eq!(x["kind"], "outcome");
    assert_eq!(x["expected"], "numerator");
    assert_eq!(x["actual"], "denominator");
    assert_eq!(x["passed"], false);
    assert!(x["explanation"].as_str().unwrap().contains("is above 57"), "{x}");
    // the parent's own run of the same test passes
    let own = tests.iter().find(|t| t["scheme"] == "base_demo" && t["line"] == 23).unwrap();
    assert_eq!(own["passed"], true);
    assert_eq!(own["inherited"], false);
    assert!(own["expectations"][0]["explanation"].is_null());
}

#[test]
fn test_junit_is_well_formed_junit_xml() {
    let d = dir("junit");
    // a name with every character XML escapes
    let base = BASE.replace("HbA1c 58 counts", "HbA1c <58> & \\\"counts\\\" 'too'");
    std::fs::write(d.join("base.qof"), &base).unwrap();
    std::fs::write(d.join("variant.qof"), VARIANT).unwrap();
    std::fs::write(d.join("broken.qof"), "scheme broken \"Broken\" { period 2019-04-01 }\n")
        .unwrap();
    let o = run(&["test", "variant.qof", "base.qof", "broken.qof", "--format", "junit"], &d);
    assert_eq!(o.status.code(), Some(1));
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("5"));
    assert_eq!(root.attribute("failures"), Some("1"));
    assert_eq!(root.attribute("errors"), Some("1"));
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert!(suites.iter().all(|s| s.tag_name().name() == "testsuite"));
    assert_eq!(suites.len(), 3);
    assert_eq!(suites[0].attribute("name"), Some("variant_demo"));
    assert_eq!(suites[0].attribute("tests"), Some("2"));
    assert_eq!(suites[0].attribute("failures"), Some("1"));
    let cases: Vec<_> = suites[0].children().filter(|n| n.is_element()).collect();
    assert!(cases.iter().all(|c| c.tag_name().name() == "testcase"));
    let failing = cases.iter().find(|c| c.children().any(|f| f.has_tag_name("failure"))).unwrap();
    assert_eq!(failing.attribute("name"), Some("HbA1c <58> & \"counts\" 'too'"));
    assert_eq!(failing.attribute("classname"), Some("variant_demo"));
    assert_eq!(failing.attribute("file"), Some("base.qof"));
    assert_eq!(failing.attribute("line"), Some("23"));
    let failure = failing.children().find(|f| f.has_tag_name("failure")).unwrap();
    assert_eq!(
        failure.attribute("message"),
        Some("DM020: expected numerator, got denominator (line 28)")
    );
    assert!(failure.text().unwrap().contains("because DM020: in the denominator"));
    // the broken file is an error, not silence
    assert_eq!(suites[2].attribute("errors"), Some("1"));
    assert!(suites[2].descendants().any(|n| n.has_tag_name("error")));
    junit_shape(&doc);
}

/// The JUnit shape (the elements and attributes of the common JUnit XSD that CI readers use),
/// checked over the whole document: only known elements, each where the schema puts it; every
/// count attribute equal to what the children say; every failure and error with a message.
fn junit_shape(doc: &roxmltree::Document) {
    fn elements<'a, 'i>(n: roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
        n.children().filter(|c| c.is_element()).collect()
    }
    let root = doc.root_element();
    let count = |n: roxmltree::Node, attr: &str| -> usize {
        n.attribute(attr)
            .unwrap_or_else(|| panic!("`{attr}` on <{}>", n.tag_name().name()))
            .parse()
            .unwrap()
    };
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    assert_eq!(root.tag_name().name(), "testsuites");
    for suite in elements(root) {
        assert_eq!(suite.tag_name().name(), "testsuite");
        assert!(suite.attribute("name").is_some_and(|n| !n.is_empty()));
        let (mut t, mut f, mut e) = (0, 0, 0);
        for case in elements(suite) {
            match case.tag_name().name() {
                "properties" | "system-out" | "system-err" => continue,
                "testcase" => {}
                other => panic!("<{other}> in a <testsuite>"),
            }
            t += 1;
            assert!(case.attribute("name").is_some() && case.attribute("classname").is_some());
            for x in elements(case) {
                match x.tag_name().name() {
                    "failure" => f += 1,
                    "error" => e += 1,
                    "skipped" | "system-out" | "system-err" => continue,
                    other => panic!("<{other}> in a <testcase>"),
                }
                assert!(x.attribute("message").is_some_and(|m| !m.is_empty()), "{x:?}");
            }
        }
        assert_eq!(count(suite, "tests"), t, "{suite:?}");
        assert_eq!(count(suite, "failures"), f, "{suite:?}");
        assert_eq!(count(suite, "errors"), e, "{suite:?}");
        tests += t;
        failures += f;
        errors += e;
    }
    assert_eq!(count(root, "tests"), tests);
    assert_eq!(count(root, "failures"), failures);
    assert_eq!(count(root, "errors"), errors);
}
