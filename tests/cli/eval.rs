//! `qofrules eval`, `explain` and `test` end to end, on a small scheme and population written
//! to a temporary folder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{hba1c_test, run, scratch, stdout};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::LazyLock;

const SCHEME_HEAD: &str = r#"scheme cli_demo "CLI demo" {
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
"#;

/// The demo scheme with one passing test.
static SCHEME: LazyLock<String> =
    LazyLock::new(|| format!("{SCHEME_HEAD}{}", hba1c_test("HbA1c 57 counts", 57)));

/// A test that fails: an HbA1c of 63 is above 58.
static FAILING: LazyLock<String> =
    LazyLock::new(|| format!("\n{}", hba1c_test("a wrong expectation", 63)));

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
    scratch("eval", name)
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

#[test]
fn eval_json_has_counts_points_and_money() {
    let d = setup("json", &SCHEME);
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
    // A 2019/20 scheme that states no national prevalence gets England's 2019/20 figures.
    assert_eq!(v["national"]["prevalence_source"], "England 2019/20 (embedded)");
    assert_eq!(v["national"]["prevalence"]["DM"]["register"], 3_455_176);
    assert_eq!(v["national"]["prevalence"]["DM"]["list_size"], 48_783_947);
    assert!(v["total"]["payment"].is_string());
    // P1's diabetes prevalence and APDF: all 3 patients aged 17+ are on the register.
    let dm = &p1["groups"][0];
    assert_eq!((dm["group"].as_str(), dm["register"].as_u64()), (Some("DM"), Some(3)));
    assert_eq!((dm["list_size"].as_u64(), dm["prevalence"].as_str()), (Some(3), Some("1")));
    // 1 / (3,455,176 / 48,783,947)
    assert_eq!(dm["apdf"], "14.119091762619328219459732297");
}

#[test]
fn eval_takes_national_prevalence_from_a_file_or_the_population_only_when_told() {
    let d = setup("national", &SCHEME);
    // a file whose diabetes totals are England's: the same money as the embedded default
    std::fs::write(
        d.join("national.csv"),
        "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE
         X1,DM,3000000,17OV,40000000
X2,DM,455176,17OV,8783947
",
    )
    .unwrap();
    let json = |extra: &[&str]| {
        let mut args = vec!["eval", "scheme.qof", "--population", "pop", "--format", "json"];
        args.extend_from_slice(extra);
        let o = run(&args, &d);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_str::<serde_json::Value>(&stdout(&o)).unwrap()
    };
    let default = json(&[]);
    let file = json(&["--national", "national.csv"]);
    let population = json(&["--prevalence-from", "population"]);
    assert_eq!(file["national"]["prevalence_source"], "file national.csv");
    assert_eq!(file["national"]["prevalence"]["DM"]["register"], 3_455_176);
    assert_eq!(file["practices"], default["practices"]);
    assert_eq!(file["total"], default["total"]);
    assert_eq!(population["national"]["prevalence_source"], "computed from 2 practices evaluated");
    // National DM prevalence from the population: 3 on registers over 4 aged 17+.
    assert_eq!(population["national"]["prevalence"]["DM"]["register"], 3);
    assert_eq!(population["national"]["prevalence"]["DM"]["list_size"], 4);
    assert_ne!(population["total"], default["total"]);
    // P1: 3 of 3 against 3 of 4
    assert_eq!(population["practices"][0]["groups"][0]["apdf"], "1.3333333333333333333333333333");
    // both at once is a usage error
    let o = run(
        &[
            "eval",
            "scheme.qof",
            "--population",
            "pop",
            "--national",
            "national.csv",
            "--prevalence-from",
            "population",
        ],
        &d,
    );
    assert_eq!(o.status.code(), Some(2));
    // a bad file: its line and column
    std::fs::write(
        d.join("bad.csv"),
        "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE
X1,DM,many,17OV,40
",
    )
    .unwrap();
    let o = run(&["eval", "scheme.qof", "--population", "pop", "--national", "bad.csv"], &d);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--> bad.csv, row 2, column `REGISTER`"), "{err}");
    // `--prevalence` is the practices' registers, with `--achievement` only
    let o = run(&["eval", "scheme.qof", "--population", "pop", "--prevalence", "national.csv"], &d);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--national"));
}

#[test]
fn eval_of_a_year_without_national_prevalence_says_how_to_give_it() {
    let scheme = SCHEME.replace("2019-04-01 to 2020-03-31", "2018-04-01 to 2019-03-31");
    let d = setup("no_national", &scheme);
    let o = run(&["eval", "scheme.qof", "--population", "pop"], &d);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("error: scheme `cli_demo` states no national prevalence for 2018/19"),
        "{err}"
    );
    assert!(err.contains("`--national FILE`") && err.contains("`--prevalence-from population`"));
    let o =
        run(&["eval", "scheme.qof", "--population", "pop", "--prevalence-from", "population"], &d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("national prevalence: computed from 2 practices evaluated"));
}

/// Published worked examples of a practice's payment, each reproduced to the penny from a
/// scheme file and a one-practice input alone (`tests/worked/`, docs/money.md).
#[test]
fn worked_examples_are_paid_to_the_penny_from_one_practice() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/worked");
    for (scheme, input, paid, cpi, apdf) in [
        // Lincolnshire LMC 2022/23: 29 x £207.56 x 1.71 x 1.45 = £14,924.71
        ("lincs-2022-23", "lincs-2022-23", "14924.71", "1.71", "1.45"),
        // Ardens 2020/21: 44 dementia points, 53 of 10,000 against 0.78%: £6,619.98
        (
            "ardens-2020-21",
            "ardens-2020-21",
            "6619.98",
            "1.1364927832708262302534378907",
            "0.6794871794871794871794871795",
        ),
        // and 72 of 10,000: £8,993.18, the group's payment rounded as a whole
        (
            "ardens-2020-21",
            "ardens-2020-21-72",
            "8993.18",
            "1.1364927832708262302534378907",
            "0.9230769230769230769230769231",
        ),
    ] {
        let o = run(
            &[
                "eval",
                &format!("{scheme}.qof"),
                "--achievement",
                &format!("{input}.achievement.csv"),
                "--prevalence",
                &format!("{input}.prevalence.csv"),
                "--format",
                "json",
            ],
            &root,
        );
        assert!(o.status.success(), "{input}: {}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["practices"].as_array().unwrap().len(), 1, "{input}");
        assert_eq!(v["total"]["payment"], paid, "{input}");
        assert_eq!(v["practices"][0]["cpi"], cpi, "{input}");
        assert_eq!(v["practices"][0]["groups"][0]["apdf"], apdf, "{input}");
        assert_eq!(v["national"]["prevalence_source"], "scheme", "{input}");
    }
}

#[test]
fn eval_csv_and_table_and_atomic_output() {
    let d = setup("csv", &SCHEME);
    let o =
        run(&["eval", "scheme.qof", "--population", "pop", "--format", "csv", "-o", "out.csv"], &d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(d.join("out.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "practice_id,network_id,indicator,group,kind,max_points,register,denominator,numerator,pcas,achievement,points,payment,cpi,apdf,prevalence,national_prevalence"
    );
    assert!(csv.contains("\nP1,N1,DM020,DM,fraction,17,3,2,1,1,0.5,6.375,"), "{csv}");
    // CPI 4 / 8479; APDF 1 / England's diabetes prevalence
    assert!(
        csv.contains(",0.0004717537445453473286944215,14.119091762619328219459732297,1,0.0708260854743877120069845927\n"),
        "{csv}"
    );
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 3, "no temporary file is left behind");
    let o = run(&["eval", "scheme.qof", "--population", "pop"], &d);
    let t = stdout(&o);
    assert!(t.contains("CLI demo (cli_demo), period ending 2020-03-31"), "{t}");
    assert!(t.lines().any(|l| l.starts_with("P1 ") && l.contains("N1")), "{t}");
    assert!(t.lines().any(|l| l.starts_with("total")), "{t}");
    assert!(t.contains("national prevalence: England 2019/20 (embedded)"), "{t}");
    // CPI and APDF per practice and group, under the national prevalence
    assert!(t.lines().any(|l| l.starts_with("national") && l.ends_with("7.08%")), "{t}");
    assert!(t.lines().any(|l| l.starts_with("P1 ") && l.ends_with("0.0005  14.1191")), "{t}");
}

/// Output to a pipe or a device is written in place, never replaced by a renamed temporary
/// file (which, run as root with `-o /dev/null`, would leave a plain file at `/dev/null`); a
/// symbolic link keeps pointing at the file it names, which gets the new content.
#[cfg(unix)]
#[test]
fn eval_output_to_a_pipe_or_a_link_keeps_what_the_path_is() {
    use std::os::unix::fs::FileTypeExt;
    let d = setup("special_out", &SCHEME);
    let made = Command::new("mkfifo").arg(d.join("pipe")).status();
    if made.map(|s| s.success()).unwrap_or(false) {
        let path = d.join("pipe");
        let reader = std::thread::spawn(move || std::fs::read_to_string(path).unwrap());
        let o = run(
            &["eval", "scheme.qof", "--population", "pop", "--format", "csv", "-o", "pipe"],
            &d,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // checked before waiting for the reader, which would wait for ever on a replaced pipe
        let kind = std::fs::symlink_metadata(d.join("pipe")).unwrap().file_type();
        assert!(kind.is_fifo(), "the pipe is still a pipe");
        let csv = reader.join().unwrap();
        assert!(csv.starts_with("practice_id,network_id,indicator"), "{csv}");
    }
    std::fs::write(d.join("real.csv"), "old").unwrap();
    std::os::unix::fs::symlink("real.csv", d.join("link.csv")).unwrap();
    let o = run(
        &["eval", "scheme.qof", "--population", "pop", "--format", "csv", "-o", "link.csv"],
        &d,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::symlink_metadata(d.join("link.csv")).unwrap().file_type().is_symlink());
    let csv = std::fs::read_to_string(d.join("real.csv")).unwrap();
    assert!(csv.starts_with("practice_id,network_id,indicator"), "{csv}");
    let left: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "no temporary file is left behind: {left:?}");
}

#[test]
fn eval_reports_bad_population_data_and_missing_files() {
    let d = setup("bad", &SCHEME);
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
    let d = setup("explain", &SCHEME);
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
    assert_eq!(v["patient"]["patient_id"], "e");
    assert_eq!(v["traces"].as_array().unwrap().len(), 2);
    assert_eq!(v["traces"][1]["outcome"]["outcome"], "excluded");
    assert!(v.get("diagnostics").is_none(), "no warnings, no list: {v}");
    let o = run(&["explain", "scheme.qof", "--population", "pop", "--patient", "zz"], &d);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn test_command_passes_and_fails_with_explanations() {
    let d = setup("test-pass", &SCHEME);
    let o = run(&["test", "scheme.qof"], &d);
    assert!(o.status.success(), "{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("pass HbA1c 57 counts"));
    assert!(stdout(&o).ends_with("1 passed, 0 failed\n"));

    let d = setup("test-fail", &format!("{}{}", *SCHEME, *FAILING));
    let o = run(&["test", "scheme.qof"], &d);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("FAIL a wrong expectation"), "{out}");
    assert!(out.contains("DM020: expected numerator, got denominator"), "{out}");
    assert!(out.contains("because DM020: in the denominator:"), "{out}");
    assert!(out.contains("latest IFCC HbA1c 63 on 2019-10-01 is above 58"), "{out}");
    assert!(out.ends_with("1 passed, 1 failed\n"), "{out}");
}

#[test]
fn eval_reads_attestations() {
    let scheme = format!(
        "{}\nindicator QI001 \"Quality improvement\" {{ group QI, domain QI, points 27, attested }}\n",
        *SCHEME
    );
    let d = setup("attested", &scheme);
    std::fs::write(d.join("attested.csv"), "practice_id,item_id,met\nP1,QI001,yes\nP2,QI001,no\n")
        .unwrap();
    let o = run(
        &[
            "eval",
            "scheme.qof",
            "--population",
            "pop",
            "--attested",
            "attested.csv",
            "--format",
            "json",
        ],
        &d,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let qi = |p: usize| {
        v["practices"][p]["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "QI001")
            .unwrap()
            .clone()
    };
    assert_eq!(qi(0)["points"], "27");
    assert_eq!(qi(1)["points"], "0");
    std::fs::write(d.join("attested.csv"), "practice_id,item_id,met\nP1,QI001,perhaps\n").unwrap();
    let o = run(&["eval", "scheme.qof", "--population", "pop", "--attested", "attested.csv"], &d);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("attested.csv"));
}

#[test]
fn eval_json_breaks_counts_down_by_reporting_strata() {
    let scheme = SCHEME.replace(
        "  national average list size 8479\n}",
        "  national average list size 8479\n  report by sex\n}",
    );
    assert_ne!(scheme, *SCHEME);
    let d = setup("reports", &scheme);
    let o = run(&["eval", "scheme.qof", "--population", "pop", "--format", "json"], &d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rows: Vec<&serde_json::Value> = v["reports"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["practice_id"] == "P1" && r["indicator"] == "DM020")
        .collect();
    // P1: a (female, numerator), b (male, denominator), c (female, adjusted).
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["dimension"], "sex");
    assert_eq!(rows[0]["class"], "female");
    assert_eq!(
        (rows[0]["denominator"].as_u64(), rows[0]["numerator"].as_u64(), rows[0]["pcas"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(rows[1]["class"], "male");
    assert_eq!(
        (rows[1]["denominator"].as_u64(), rows[1]["numerator"].as_u64(), rows[1]["pcas"].as_u64()),
        (Some(1), Some(0), Some(0))
    );
    // Money is unchanged by reporting strata.
    let plain = setup("reports-plain", &SCHEME);
    let o2 = run(&["eval", "scheme.qof", "--population", "pop", "--format", "json"], &plain);
    let w: serde_json::Value = serde_json::from_str(&stdout(&o2)).unwrap();
    assert_eq!(v["total"], w["total"]);
    assert!(w.get("reports").is_none());
}

#[test]
fn eval_pays_published_counts() {
    let d = setup("aggregate", &SCHEME);
    std::fs::write(
        d.join("prevalence.csv"),
        "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nA1,DM,50,17OV,800\n",
    )
    .unwrap();
    std::fs::write(
        d.join("achievement.csv"),
        "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\n\
         A1,DM020,DENOMINATOR,40\nA1,DM020,NUMERATOR,30\nA1,DM020,PCAS,5\n",
    )
    .unwrap();
    let o = eval_counts(&d, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["practices"][0]["practice_id"], "A1");
    let dm020 = v["practices"][0]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "DM020")
        .unwrap()
        .clone();
    assert_eq!(
        (dm020["denominator"].as_u64(), dm020["numerator"].as_u64(), dm020["pcas"].as_u64()),
        (Some(40), Some(30), Some(5))
    );
    assert_eq!(dm020["register"], 50);
    // 75% achieved, upper threshold 75%: all 17 points.
    assert_eq!(dm020["points"], "17");
    // the prevalence file gives the practice's registers; national prevalence is England's
    assert_eq!(v["national"]["prevalence_source"], "England 2019/20 (embedded)");
    assert!(v.get("reports").is_none());
}

/// The HTML report names what its figures are for (the population folder, or the published
/// counts by their files) and shows money with thousands grouped; JSON and CSV keep the plain
/// exact amounts.
#[test]
fn eval_html_names_its_population_and_groups_money_only_in_html() {
    let d = two_practices("html", &SCHEME.replace("point value £187.74", "point value £1000000"));
    let o = run(&["eval", "scheme.qof", "--population", "pop", "--format", "json"], &d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let total = v["total"]["payment"].as_str().unwrap().to_string();
    let (whole, pence) = total.split_once('.').unwrap();
    assert!(whole.len() > 3 && !total.contains(','), "{total}");
    let grouped = format!("{},{}.{pence}", &whole[..whole.len() - 3], &whole[whole.len() - 3..]);
    assert!(whole.len() <= 6, "one separator expected: {total}");
    let o = run(&["eval", "scheme.qof", "--population", "pop", "--format", "csv"], &d);
    let csv = stdout(&o);
    assert!(!csv.contains('£') && !csv.contains("−"), "{csv}");
    let o = run(&["eval", "scheme.qof", "--population", "pop", "--format", "html"], &d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = stdout(&o);
    assert!(
        html.contains("Figures are for a patient-level population: pop.</p>"),
        "{}",
        &html[..html.len().min(3000)]
    );
    assert!(html.contains(&format!("data-total-payment=\"{total}\">£{grouped}</td>")), "{total}");
    assert!(!html.contains(&format!("£{total}")));
    // published counts: named by their files, as the editor names them
    let mut args = vec!["eval", "scheme.qof", "--achievement", "achievement.csv"];
    args.extend(["--prevalence", "prevalence.csv", "--format", "html"]);
    let o = run(&args, &d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains(
        "Figures are for published counts (no patient-level detail): achievement.csv, \
         prevalence.csv.</p>"
    ));
}

/// Two practices' published figures: A1 (TOTAL list 1,000; diabetes 50 of 800 aged 17+) and
/// A2 (1,500; 30 of 1,200), so with `--prevalence-from population` national diabetes
/// prevalence is 80 / 2,000 = 4%, A1's APDF 0.0625 / 0.04 = 1.5625 and A2's 0.025 / 0.04 =
/// 0.625.
fn two_practices(name: &str, scheme: &str) -> PathBuf {
    let d = setup(name, scheme);
    std::fs::write(
        d.join("prevalence.csv"),
        "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\n\
         A1,DM,50,17OV,800\nA1,HYP,100,TOTAL,1000\nA2,DM,30,17OV,1200\nA2,HYP,100,TOTAL,1500\n",
    )
    .unwrap();
    std::fs::write(
        d.join("achievement.csv"),
        "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\n\
         A1,DM020,DENOMINATOR,40\nA1,DM020,NUMERATOR,30\nA1,DM020,PCAS,5\n\
         A2,DM020,DENOMINATOR,25\nA2,DM020,NUMERATOR,10\nA2,DM020,PCAS,0\n",
    )
    .unwrap();
    d
}

/// `qofrules eval --format json` of `scheme.qof` in `d` on the published counts in
/// `achievement.csv` and `prevalence.csv` there (as [`two_practices`] writes them), with `extra`.
fn eval_counts(d: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "eval",
        "scheme.qof",
        "--achievement",
        "achievement.csv",
        "--prevalence",
        "prevalence.csv",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--format", "json"]);
    run(&args, d)
}

fn indicator<'v>(practice: &'v serde_json::Value, id: &str) -> &'v serde_json::Value {
    practice["indicators"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap()
}

#[test]
fn eval_pays_historic_achievement_from_the_historic_file() {
    let scheme = SCHEME.replace(
        "  national average list size 8479\n",
        "  national average list size 8479\n  payment historic 2016/17 adjusted for prevalence and list size\n",
    );
    let d = two_practices("historic", &scheme);
    std::fs::write(
        d.join("historic.csv"),
        "practice_id,year,item,points,pounds\nA1,2016/17,DM020,10,\nA2,2016/17,DM020,8,\n",
    )
    .unwrap();
    let o = eval_counts(&d, &["--historic", "historic.csv", "--prevalence-from", "population"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let (a1, a2) = (&v["practices"][0], &v["practices"][1]);
    assert_eq!((a1["practice_id"].as_str(), a2["practice_id"].as_str()), (Some("A1"), Some("A2")));
    // historic points x (£187.74 x CPI) x APDF, by hand:
    // A1: 10 x 187.74 x 1000/8479 x 1.5625 = 345.965031... -> £345.97
    // A2:  8 x 187.74 x 1500/8479 x 0.625  = 166.063215... -> £166.06
    let dm020 = indicator(a1, "DM020");
    assert_eq!(dm020["payment"], "345.97");
    assert_eq!(dm020["paid_on"], "historic 2016/17 points adjusted for list size and prevalence");
    // this year's points are still reported (30/40 = 75%, the upper threshold: all 17)
    assert_eq!(dm020["points"], "17");
    assert_eq!(indicator(a2, "DM020")["payment"], "166.06");
    // no historic figure for DM017: it pays nothing
    assert_eq!(indicator(a1, "DM017")["payment"], "0.00");
    assert_eq!(a1["payment"], "345.97");
    assert_eq!(a2["payment"], "166.06");
    assert_eq!(v["total"]["payment"], "512.03");
    // without the historic file every line pays nothing, with a warning
    let o = eval_counts(&d, &[]);
    let w: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(w["total"]["payment"], "0.00");
    let warnings = w["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|x| x["message"].as_str().unwrap().contains("no historic figures")),
        "{warnings:?}"
    );
}

#[test]
fn eval_structure_file_gives_practices_their_networks() {
    let d = two_practices("structure", &SCHEME);
    std::fs::write(d.join("structure.csv"), "practice_id,network_id\nA1,U1\nA2,U2\nZ9,U1\n")
        .unwrap();
    let args = |structure: &str| eval_counts(&d, &["--structure", structure]);
    let o = args("structure.csv");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["practices"][0]["network_id"], "U1");
    assert_eq!(v["practices"][1]["network_id"], "U2");
    // a practice without counts is not added, and the warning says so
    assert_eq!(v["practices"].as_array().unwrap().len(), 2);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("structure.csv") && e.contains("without counts"), "{e}");
    // NHS Digital's structure file works as it is
    std::fs::write(
        d.join("PRACTICE_STRUCTURE.csv"),
        "PRACTICE_CODE,PRACTICE_NAME,PCN_ODS_CODE\nA1,\"One, Two\",U7\nA2,Three,U7\n",
    )
    .unwrap();
    let o = args("PRACTICE_STRUCTURE.csv");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["practices"][1]["network_id"], "U7");
    // a bad row: the file, line and column
    std::fs::write(d.join("bad.csv"), "practice_id,network_id\nA1,U1\n,U2\n").unwrap();
    let o = args("bad.csv");
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("--> bad.csv, row 3"), "{e}");
    assert!(e.to_uppercase().contains("PRACTICE"), "{e}");
    assert!(o.stdout.is_empty());
    // a missing column
    std::fs::write(d.join("nocol.csv"), "practice_id,pcn\nA1,U1\n").unwrap();
    let o = args("nocol.csv");
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("nocol.csv") && e.contains("missing column"), "{e}");
    // only with published counts
    let o = run(&["eval", "scheme.qof", "--structure", "structure.csv"], &d);
    assert_eq!(o.status.code(), Some(2));
}

/// An NHS Digital achievement file can be the historic input: its published points are the
/// achievement of the year the scheme pays on, for the run's practices only.
#[test]
fn an_nhs_digital_achievement_file_is_historic_input() {
    let scheme = SCHEME.replace(
        "  national average list size 8479\n",
        "  national average list size 8479\n  payment historic 2018/19\n",
    );
    assert!(scheme.contains("payment historic 2018/19"));
    let d = setup("achievement-historic", &scheme);
    let ach = d.join("ACH_1819.csv");
    std::fs::write(
        &ach,
        "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\n\
         P1,DM020,ACHIEVED_POINTS,12.5\n\
         P1,DM020,DENOMINATOR,40\n\
         P9,DM020,ACHIEVED_POINTS,17\n",
    )
    .unwrap();
    let o = run(
        &[
            "eval",
            "scheme.qof",
            "--population",
            "pop",
            "--historic",
            "ACH_1819.csv",
            "--format",
            "json",
        ],
        &d,
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let line = |p: &str| {
        let pr = v["practices"].as_array().unwrap().iter().find(|x| x["practice_id"] == p).unwrap();
        pr["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "DM020").unwrap().clone()
    };
    // P1 is paid on its 12.5 published points (12.5 x £187.74); P2 has none; P9 is not in
    // the run.
    assert_eq!(line("P1")["paid_on"], "historic 2018/19 points", "{}", line("P1"));
    assert_eq!(line("P1")["payment"], "2346.75", "{}", line("P1"));
    assert_eq!(line("P2")["payment"], "0.00");
    assert!(v["practices"].as_array().unwrap().iter().all(|p| p["practice_id"] != "P9"));

    // A scheme historic on two years cannot tell which the file is.
    let two = SCHEME.replace(
        "  national average list size 8479\n",
        "  national average list size 8479\n  payment blend 50% historic 2017/18, 50% historic 2018/19\n",
    );
    std::fs::write(d.join("two.qof"), two).unwrap();
    let o = run(&["eval", "two.qof", "--population", "pop", "--historic", "ACH_1819.csv"], &d);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is an achievement file") && err.contains("`2017/18` and `2018/19`"),
        "{err}"
    );
}

/// Warnings reach stderr in every output format: the checker's (which the editor shows too)
/// and the pay phase's (which CSV has no place for).
#[test]
fn warnings_go_to_stderr_in_every_format() {
    let scheme =
        format!("{}\ncodelist UNUSED_COD \"Nobody reads this\" snomed {{ 1234567 }}\n", *SCHEME);
    let d = setup("warnings", &scheme);
    for format in ["csv", "json", "table"] {
        let o = run(&["eval", "scheme.qof", "--population", "pop", "--format", format], &d);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("UNUSED_COD"), "{format}: {err}");
        assert!(err.contains("--> scheme.qof:"), "a code frame, not a debug value: {err}");
    }
    // ... and into the JSON, in the one serialised shape of a problem
    let o = run(&["eval", "scheme.qof", "--population", "pop", "--format", "json"], &d);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let w = &v["diagnostics"][0];
    assert_eq!(
        (w["code"].as_str(), w["severity"].as_str()),
        (Some("unused-codelist"), Some("warning"))
    );
    assert_eq!((w["file"].as_str(), w["root"].as_bool()), (Some("scheme.qof"), Some(true)));
    assert!(w["start"]["line"].as_u64().unwrap() > 1, "{w}");
    // explain and test show them too (explain's JSON carries them)
    for args in [
        &["explain", "scheme.qof", "--population", "pop", "--patient", "b"][..],
        &["explain", "scheme.qof", "--population", "pop", "--patient", "b", "--format", "json"],
        &["test", "scheme.qof"],
    ] {
        let o = run(args, &d);
        assert!(String::from_utf8_lossy(&o.stderr).contains("UNUSED_COD"), "{args:?}");
    }
    let o = run(
        &["explain", "scheme.qof", "--population", "pop", "--patient", "b", "--format", "json"],
        &d,
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "unused-codelist");
    // compare: in every format on stderr, and in its JSON
    for format in ["table", "csv", "json", "html"] {
        let o = run(
            &["compare", "scheme.qof", "scheme.qof", "--population", "pop", "--format", format],
            &d,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stderr).contains("UNUSED_COD"), "{format}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
            let codes: Vec<&str> = v["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["code"].as_str().unwrap())
                .collect();
            assert_eq!(codes, ["unused-codelist", "unused-codelist"], "A's and B's");
        }
    }
    // Somerset on the default population: its historic items warn (in CSV, only on stderr).
    let r = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let o = run(&["eval", "rules/somerset-2018-19.qof", "--format", "csv"], &r);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("warning: historic 2012/13 items"), "{err}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("warning"));
}

/// A command's whole behaviour as one text for a snapshot: the command line, the exit code,
/// stdout and stderr. (What insta_cmd's `assert_cmd_snapshot!` records, written out here so
/// that the tests need no other crate; runs are in a folder of their own, so the text holds
/// only the relative paths given.)
fn transcript(args: &[&str], cwd: &Path) -> String {
    let o = run(args, cwd);
    format!(
        "$ qofrules {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        o.status.code().map_or("signal".to_string(), |c| c.to_string()),
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every subcommand in every output format, on a scheme with a checker warning (an unused
/// code list) and a failing test, and a population or published counts: snapshots of what
/// users see, warnings included.
#[test]
fn cli_output_snapshots() {
    let scheme = format!(
        "{}{}\ncodelist UNUSED_COD \"Nobody reads this\" snomed {{ 1234567 }}\n",
        *SCHEME, *FAILING
    );
    let d = setup("snapshots", &scheme);
    std::fs::write(
        d.join("ach.csv"),
        "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\n\
         P1,DM020,NUMERATOR,30\nP1,DM020,DENOMINATOR,40\nP1,DM020,PCAS,2\n\
         P2,DM020,NUMERATOR,5\nP2,DM020,DENOMINATOR,20\nP2,XX999,NUMERATOR,1\n",
    )
    .unwrap();
    std::fs::write(
        d.join("prev.csv"),
        "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\n\
         P1,DM,45,17OV,600\nP2,DM,22,17OV,400\n",
    )
    .unwrap();
    std::fs::write(d.join("structure.csv"), "practice_id,network_id\nP1,N1\nP2,N1\nP3,N2\n")
        .unwrap();
    let pop = ["--population", "pop"];
    let counts =
        ["--achievement", "ach.csv", "--prevalence", "prev.csv", "--structure", "structure.csv"];
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("check_human", vec!["check", "scheme.qof"]),
        ("check_json", vec!["check", "scheme.qof", "--error-format", "json"]),
        ("fmt_check", vec!["fmt", "--check", "scheme.qof"]),
        ("eval_table", [&["eval", "scheme.qof"][..], &pop].concat()),
        ("eval_csv", [&["eval", "scheme.qof", "--format", "csv"][..], &pop].concat()),
        ("eval_json", [&["eval", "scheme.qof", "--format", "json"][..], &pop].concat()),
        ("eval_counts_table", [&["eval", "scheme.qof"][..], &counts].concat()),
        ("eval_counts_csv", [&["eval", "scheme.qof", "--format", "csv"][..], &counts].concat()),
        ("eval_counts_json", [&["eval", "scheme.qof", "--format", "json"][..], &counts].concat()),
        ("explain_text", [&["explain", "scheme.qof", "--patient", "b"][..], &pop].concat()),
        (
            "explain_json",
            [&["explain", "scheme.qof", "--patient", "e", "--format", "json"][..], &pop].concat(),
        ),
        (
            "explain_unknown",
            [&["explain", "scheme.qof", "--patient", "b", "--indicator", "DM02"][..], &pop]
                .concat(),
        ),
        ("test", vec!["test", "scheme.qof"]),
        ("compare_table", [&["compare", "scheme.qof", "scheme.qof"][..], &pop].concat()),
        (
            "compare_csv",
            [&["compare", "scheme.qof", "scheme.qof", "--format", "csv"][..], &pop].concat(),
        ),
        (
            "compare_json",
            [&["compare", "scheme.qof", "scheme.qof", "--format", "json"][..], &pop].concat(),
        ),
        ("compare_counts_table", [&["compare", "scheme.qof", "scheme.qof"][..], &counts].concat()),
    ];
    for (name, args) in cases {
        insta::assert_snapshot!(format!("cli_{name}"), transcript(&args, &d));
    }
}
