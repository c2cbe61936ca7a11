//! `qofrules eval`, `explain` and `test` end to end, on a small scheme and population written
//! to a temporary folder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCHEME: &str = r#"scheme cli_demo "CLI demo" {
  period 2019-04-01 to 2020-03-31
  point value £187.74
  national average list size 8479
}
codelist DM_COD       "Diabetes"          snomed { 44054006 }
codelist DMRES_COD    "Diabetes resolved" snomed { 315051004 }
codelist IFCCHBAM_COD "IFCC HbA1c"        snomed { 999791000000106 }
codelist DMPCAPU_COD  "PCA unsuitable"    snomed { 1107811000000104 }
register DM "Diabetes mellitus" {
  patients aged 17 or over
  where latest DM_COD is after latest DMRES_COD
  list 17OV
}
indicator DM017 "Register" { group DM, domain CL, points 6, register DM }
indicator DM020 "HbA1c 58 or less" {
  group DM, domain CL, points 17, thresholds 35% to 75%
  denominator DM
  achieved when latest IFCCHBAM_COD in last 12 months has value <= 58
  adjustments { unsuitable when DMPCAPU_COD in last 12 months }
}
test "HbA1c 57 counts" {
  patient born 1950-01-01, registered 2000-01-01 {
    DM_COD on 2010-05-01
    IFCCHBAM_COD on 2019-10-01 value 57
  }
  expect DM020 numerator
}
"#;

const FAILING: &str = r#"
test "a wrong expectation" {
  patient born 1950-01-01, registered 2000-01-01 {
    DM_COD on 2010-05-01
    IFCCHBAM_COD on 2019-10-01 value 63
  }
  expect DM020 numerator
}
"#;

const PRACTICES: &str = "practice_id,practice_name,network_id\nP1,One,N1\nP2,Two,N1\n";
const PATIENTS: &str = "patient_id,practice_id,birth_date,sex,registered_on,deregistered_on\n\
a,P1,1950-01-01,F,2000-01-01,\n\
b,P1,1950-01-01,M,2000-01-01,\n\
c,P1,1970-01-01,F,2000-01-01,\n\
d,P1,2010-01-01,M,2010-01-01,\n\
e,P2,1960-01-01,F,2000-01-01,\n";
const EVENTS: &str = "patient_id,date,code,value\n\
a,2010-05-01,44054006,\n\
a,2019-10-01,999791000000106,50\n\
b,2010-05-01,44054006,\n\
b,2019-10-01,999791000000106,70\n\
c,2011-05-01,44054006,\n\
c,2019-11-01,1107811000000104,\n\
e,2011-05-01,44054006,\n\
e,2012-05-01,315051004,\n";

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qofrules-cli-eval-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn setup(name: &str, scheme: &str) -> PathBuf {
    let d = dir(name);
    std::fs::write(d.join("scheme.qof"), scheme).unwrap();
    let pop = d.join("pop");
    std::fs::create_dir_all(&pop).unwrap();
    std::fs::write(pop.join("practices.csv"), PRACTICES).unwrap();
    std::fs::write(pop.join("patients.csv"), PATIENTS).unwrap();
    std::fs::write(pop.join("events.csv"), EVENTS).unwrap();
    d
}

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qofrules")).args(args).current_dir(cwd).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn eval_json_has_counts_points_and_money() {
    let d = setup("json", SCHEME);
    let o = run(&["eval", "scheme.qof", "--population", "pop", "--format", "json"], &d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["scheme"]["id"], "cli_demo");
    assert_eq!(v["scheme"]["period_end"], "2020-03-31");
    assert_eq!(v["national"]["average_list_size_source"], "scheme");
    let p1 = &v["practices"][0];
    assert_eq!(p1["practice_id"], "P1");
    assert_eq!(p1["network_id"], "N1");
    assert_eq!(p1["list_size"], 4);
    let dm020 = p1["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "DM020").unwrap();
    assert_eq!(dm020["register"], 3);
    assert_eq!(dm020["denominator"], 2);
    assert_eq!(dm020["numerator"], 1);
    assert_eq!(dm020["pcas"], 1);
    assert_eq!(dm020["pcas_by_category"]["unsuitable"], 1);
    assert_eq!(dm020["achievement"], "0.5");
    // 17 * (0.5 - 0.35) / 0.4 = 6.375
    assert_eq!(dm020["points"], "6.375");
    // Money is a string with two places.
    let pay = dm020["payment"].as_str().unwrap();
    assert!(pay.split_once('.').is_some_and(|(_, p)| p.len() == 2), "{pay}");
    // National DM prevalence from the population: 3 on registers over 4 aged 17+.
    assert_eq!(v["national"]["prevalence"]["DM"]["register"], 3);
    assert_eq!(v["national"]["prevalence"]["DM"]["list_size"], 4);
    assert!(v["total"]["payment"].is_string());
}

#[test]
fn eval_csv_and_table_and_atomic_output() {
    let d = setup("csv", SCHEME);
    let o =
        run(&["eval", "scheme.qof", "--population", "pop", "--format", "csv", "-o", "out.csv"], &d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(d.join("out.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "practice_id,network_id,indicator,group,kind,max_points,register,denominator,numerator,pcas,achievement,points,payment"
    );
    assert!(csv.contains("\nP1,N1,DM020,DM,fraction,17,3,2,1,1,0.5,6.375,"), "{csv}");
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 3, "no temporary file is left behind");
    let o = run(&["eval", "scheme.qof", "--population", "pop"], &d);
    let t = stdout(&o);
    assert!(t.contains("CLI demo (cli_demo), period ending 2020-03-31"), "{t}");
    assert!(t.lines().any(|l| l.starts_with("P1 ") && l.contains("N1")), "{t}");
    assert!(t.lines().any(|l| l.starts_with("total")), "{t}");
}

#[test]
fn eval_reports_bad_population_data_and_missing_files() {
    let d = setup("bad", SCHEME);
    std::fs::write(
        d.join("pop/events.csv"),
        "patient_id,date,code,value\na,2019-13-01,44054006,\n",
    )
    .unwrap();
    let o = run(&["eval", "scheme.qof", "--population", "pop"], &d);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("events.csv") && err.contains("2019-13-01"), "{err}");
    assert!(stdout(&o).is_empty());
    let o = run(&["eval", "scheme.qof", "--population", "nowhere"], &d);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["eval", "missing.qof", "--population", "pop"], &d);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn explain_one_patient() {
    let d = setup("explain", SCHEME);
    let o = run(
        &["explain", "scheme.qof", "--population", "pop", "--patient", "b", "--indicator", "DM020"],
        &d,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        stdout(&o),
        "patient b at practice P1\nDM020: in the denominator: on the DM register (latest diabetes on 2010-05-01, no diabetes resolved; aged 70 on 2020-03-31); not achieved: latest IFCC HbA1c 70 on 2019-10-01 is above 58; no adjustment applies\n"
    );
    let o = run(
        &["explain", "scheme.qof", "--population", "pop", "--patient", "e", "--format", "json"],
        &d,
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[1]["outcome"]["outcome"], "excluded");
    let o = run(&["explain", "scheme.qof", "--population", "pop", "--patient", "zz"], &d);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn test_command_passes_and_fails_with_explanations() {
    let d = setup("test-pass", SCHEME);
    let o = run(&["test", "scheme.qof"], &d);
    assert!(o.status.success(), "{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("pass HbA1c 57 counts"));
    assert!(stdout(&o).ends_with("1 passed, 0 failed\n"));

    let d = setup("test-fail", &format!("{SCHEME}{FAILING}"));
    let o = run(&["test", "scheme.qof"], &d);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("FAIL a wrong expectation"), "{out}");
    assert!(out.contains("DM020: expected numerator, got denominator"), "{out}");
    assert!(out.contains("because DM020: in the denominator:"), "{out}");
    assert!(out.contains("latest IFCC HbA1c 63 on 2019-10-01 is above 58"), "{out}");
    assert!(out.ends_with("1 passed, 1 failed\n"), "{out}");
}
