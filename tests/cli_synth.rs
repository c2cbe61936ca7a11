//! `qofrules synth` end to end: output folders appear whole or not at all, read back, and
//! bad arguments fail with exit code 2 and a message.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::population::{read_csv, read_ndjson, Source};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("qofrules-cli-synth-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
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
    assert_eq!(entries(&out), ["events.csv", "patients.csv", "practices.csv"]);
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
    assert_eq!(entries(&out), ["patients.ndjson", "practices.csv"]);
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
