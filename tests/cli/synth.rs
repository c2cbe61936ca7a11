//! `qofrules synth` end to end: output folders appear whole or not at all, read back, and
//! bad arguments fail with exit code 2 and a message.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::population::{read_csv, read_ndjson, Source};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    crate::support::scratch("synth", name)
}

fn synth(args: &[&str]) -> (i32, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_qofrules")).arg("synth").args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn writes_csv_that_reads_back_and_never_overwrites() {
    let dir = scratch("csv");
    let out = dir.join("pop");
    let o = out.to_str().unwrap();
    let (code, err) =
        synth(&["--practices", "A81001,A81002", "--scale", "0.05", "--seed", "3", "--out", o]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(entries(&dir), ["pop"], "no temporary folder is left behind");
    assert_eq!(
        entries(&out),
        [
            ".qofrules-synth",
            "attested.csv",
            "events.csv",
            "historic.csv",
            "patients.csv",
            "practices.csv"
        ]
    );
    let read = |f: &str| fs::read(out.join(f)).unwrap();
    let (pr, pa, ev) = (read("practices.csv"), read("patients.csv"), read("events.csv"));
    let pop = read_csv(
        Source::new("practices.csv", &pr),
        Source::new("patients.csv", &pa),
        Source::new("events.csv", &ev),
    )
    .unwrap();
    assert_eq!(pop.practices.len(), 2);
    assert!(pop.patients.len() > 100);

    // A second run refuses to replace it, and leaves it untouched.
    let (code, err) = synth(&["--practices", "A81001", "--scale", "0.05", "--out", o]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(read("events.csv"), ev);

    // With --force it is replaced by the new output, the same bytes for the same arguments.
    let (code, err) = synth(&[
        "--practices",
        "A81001,A81002",
        "--scale",
        "0.05",
        "--seed",
        "3",
        "--out",
        o,
        "--force",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read("events.csv"), ev);
    assert_eq!(entries(&dir), ["pop"]);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn writes_ndjson() {
    let dir = scratch("ndjson");
    let out = dir.join("pop");
    let (code, err) = synth(&[
        "--network",
        "U56729",
        "--scale",
        "0.02",
        "--format",
        "ndjson",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        entries(&out),
        [".qofrules-synth", "attested.csv", "historic.csv", "patients.ndjson", "practices.csv"]
    );
    let pr = fs::read(out.join("practices.csv")).unwrap();
    let pa = fs::read(out.join("patients.ndjson")).unwrap();
    let pop =
        read_ndjson(Some(Source::new("practices.csv", &pr)), Source::new("patients.ndjson", &pa))
            .unwrap();
    assert!(!pop.patients.is_empty());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_arguments_fail_cleanly() {
    let dir = scratch("bad");
    let out = dir.join("pop");
    let o = out.to_str().unwrap();
    let (code, err) = synth(&["--ccg", "Dudly", "--out", o]);
    assert_eq!(code, 2);
    assert!(err.contains("error: unknown CCG `Dudly`"), "{err}");
    assert!(err.contains("help: did you mean `NHS Dudley CCG`?"), "{err}");
    let (code, err) = synth(&["--ccg", "Dudley", "--scale", "0", "--out", o]);
    assert_eq!(code, 2);
    assert!(err.contains("scale `0` is out of range"), "{err}");
    let (code, err) = synth(&["--ccg", "Dudley", "--year", "2018-19", "--out", o]);
    assert_eq!(code, 2);
    assert!(err.contains("no reference data for year `2018-19`"), "{err}");
    let (code, _) = synth(&["--out", o]);
    assert_eq!(code, 2, "a selection is required");
    assert!(entries(&dir).is_empty(), "nothing written on errors");
    fs::remove_dir_all(&dir).unwrap();
}

fn qofrules(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_qofrules")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn read_pop(dir: &Path) -> qofrules::model::Population {
    let read = |f: &str| fs::read(dir.join(f)).unwrap();
    let (pr, pa, ev) = (read("practices.csv"), read("patients.csv"), read("events.csv"));
    read_csv(
        Source::new("practices.csv", &pr),
        Source::new("patients.csv", &pa),
        Source::new("events.csv", &ev),
    )
    .unwrap()
}

/// `--for SCHEME` dates every record for the scheme's period: the same patients, moved by
/// whole months so that the scheme's period end takes the place of 31 March 2020; `eval`
/// warns about records of another year and is quiet about records of its own.
#[test]
fn for_a_scheme_dates_the_records_for_its_period() {
    let dir = scratch("for");
    let (p19, p18, p17) = (dir.join("p19"), dir.join("p18"), dir.join("p17"));
    let base = ["--practices", "A81001", "--scale", "0.05", "--seed", "5", "--out"];
    let run = |extra: &[&str], out: &Path| {
        let mut args = base.to_vec();
        args.push(out.to_str().unwrap());
        args.extend_from_slice(extra);
        let (code, err) = synth(&args);
        assert_eq!(code, 0, "{err}");
    };
    run(&[], &p19);
    run(&["--for", "rules/qof-2018-19.qof"], &p18);
    run(&["--period", "2017-04-01..2018-03-31"], &p17);
    let (a, b, c) = (read_pop(&p19), read_pop(&p18), read_pop(&p17));
    assert_eq!(a.patients.len(), b.patients.len());
    let pped19 = qofrules::date::Date::parse("2020-03-31").unwrap();
    let pped18 = qofrules::date::Date::parse("2019-03-31").unwrap();
    for (x, y) in a.patients.iter().zip(&b.patients) {
        assert_eq!(x.patient_id, y.patient_id);
        // The same age at the period end, the same events one year earlier.
        assert_eq!(pped19.years_since(x.birth_date), pped18.years_since(y.birth_date));
        assert_eq!(x.events.len(), y.events.len());
        for (e, f) in x.events.iter().zip(&y.events) {
            assert_eq!((e.code, e.value), (f.code, f.value));
            assert_eq!(e.date.add_months(-12), f.date);
        }
    }
    let latest = |p: &qofrules::model::Population| {
        p.patients.iter().flat_map(|p| &p.events).map(|e| e.date).max().unwrap()
    };
    assert_eq!(latest(&b), pped18);
    assert_eq!(latest(&c).to_string(), "2018-03-31");

    // eval: a 2018/19 scheme on records of 2019/20 warns, on its own year's records it does not.
    let scheme = "rules/qof-2018-19.qof";
    let (code, _, err) =
        qofrules(&["eval", scheme, "--population", p19.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("dated after the scheme's period end 2019-03-31"), "{err}");
    assert!(err.contains("qofrules synth --for"), "{err}");
    let (code, _, err) =
        qofrules(&["eval", scheme, "--population", p18.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
    // Without a population, the embedded default is dated for the scheme: no warning either.
    let (code, _, err) = qofrules(&["eval", scheme, "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");

    // Bad periods are usage errors.
    let bad = dir.join("bad");
    let (code, err) =
        synth(&["--practices", "A81001", "--period", "2019-04-01", "--out", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a period"), "{err}");
    let (code, err) = synth(&[
        "--practices",
        "A81001",
        "--period",
        "2019-04-01..2019-03-31",
        "--out",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("does not end after it starts"), "{err}");
    let _ = fs::remove_dir_all(&dir);
}

/// `synth` writes synthetic `attested.csv` and `historic.csv` for what the schemes read at
/// practice level, and `eval` reads them from the population folder (an explicit file wins).
#[test]
fn practice_level_inputs_are_written_and_read_from_the_folder() {
    let dir = scratch("inputs");
    let out = dir.join("pop");
    let o = out.to_str().unwrap();
    let dudley_1718 = |to: &Path| {
        let (code, err) = synth(&[
            "--ccg",
            "Dudley",
            "--scale",
            "0.02",
            "--for",
            "rules/dudley-2017-18.qof",
            "--out",
            to.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
    };
    dudley_1718(&out);
    let attested = fs::read_to_string(out.join("attested.csv")).unwrap();
    let historic = fs::read_to_string(out.join("historic.csv")).unwrap();
    assert!(attested.starts_with("practice_id,item_id,met,source\n"), "{attested}");
    assert!(attested.lines().skip(1).all(|l| l.ends_with(",synthetic")));
    // Dudley 2017/18 is half paid on 2016/17 achievement.
    assert!(historic.lines().skip(1).all(|l| l.contains(",2016/17,")), "{historic}");
    assert!(historic.lines().count() > 44);
    // The same bytes again (deterministic).
    let again = dir.join("again");
    dudley_1718(&again);
    assert_eq!(fs::read_to_string(again.join("historic.csv")).unwrap(), historic);

    // eval reads them from the folder: the same money as naming them, more than without.
    let scheme = "rules/dudley-2017-18.qof";
    let total = |extra: &[&str]| {
        let mut args = vec!["eval", scheme, "--population", o, "--format", "json"];
        args.extend_from_slice(extra);
        let (code, stdout, err) = qofrules(&args);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        v["total"]["payment"].as_str().unwrap().to_string()
    };
    let h = out.join("historic.csv");
    let a = out.join("attested.csv");
    let named = total(&["--historic", h.to_str().unwrap(), "--attested", a.to_str().unwrap()]);
    assert_eq!(total(&[]), named);
    fs::remove_file(&h).unwrap();
    fs::remove_file(&a).unwrap();
    let without = total(&[]);
    let (x, y): (f64, f64) = (named.parse().unwrap(), without.parse().unwrap());
    assert!(x > y, "with the folder's inputs {named}, without {without}");
    let _ = fs::remove_dir_all(&dir);
}
