//! Streamed reading end to end: `explain` reads only the patient's rows (an error in another
//! patient's row does not stop it, and its output is the whole reading's, period warning
//! included), and `eval` of a population whose rows are as written, reversed (still grouped by
//! practice, in another order) or read whole gives the same bytes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::run;

fn scheme(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules").join(name).display().to_string()
}

/// A generated population of two practices in `d/pop`.
fn generated(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qofrules-cli-stream-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let o = run(&["synth", "--practices", "M87001,M87003", "--scale", "0.03", "--out", "pop"], &d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    d
}

/// A copy of the folder whose `patients.csv` header is quoted: the streamed readers leave
/// quoted fields to the whole reading, so this copy is read whole.
fn read_whole_copy(d: &Path) {
    std::fs::create_dir_all(d.join("whole")).unwrap();
    // The practice-level inputs a population folder brings are read from it too.
    for f in ["practices.csv", "patients.csv", "events.csv", "attested.csv", "historic.csv"] {
        let Ok(text) = std::fs::read_to_string(d.join("pop").join(f)) else { continue };
        let text = if f == "patients.csv" { format!("\"{text}") } else { text };
        let text = text.replacen("\"patient_id,", "\"patient_id\",", 1);
        std::fs::write(d.join("whole").join(f), text).unwrap();
    }
}

#[test]
fn explain_reads_only_the_patients_rows_and_says_what_the_whole_reading_says() {
    let d = generated("explain");
    read_whole_copy(&d);
    let patients = std::fs::read_to_string(d.join("pop/patients.csv")).unwrap();
    let id = patients.lines().nth(40).unwrap().split(',').next().unwrap().to_string();
    for s in ["qof-2019-20.qof", "qof-2023-24.qof"] {
        for format in ["text", "json"] {
            let args = |pop: &'static str| {
                ["explain", "S", "--population", pop, "--patient", "ID", "--format", format]
                    .map(String::from)
            };
            let go = |pop: &'static str| {
                let mut a = args(pop);
                a[1] = scheme(s);
                a[5].clone_from(&id);
                let a: Vec<&str> = a.iter().map(String::as_str).collect();
                run(&a, &d)
            };
            let (streamed, whole) = (go("pop"), go("whole"));
            assert!(streamed.status.success(), "{}", String::from_utf8_lossy(&streamed.stderr));
            let text = |o: &Output| String::from_utf8_lossy(&o.stdout).into_owned();
            assert!(text(&streamed) == text(&whole), "{s} {format}: streamed and whole differ");
            assert_eq!(streamed.stderr, whole.stderr, "{s} {format}");
            // The 2023/24 scheme on 2019/20 records warns, from every event's date.
            let warned = String::from_utf8_lossy(&streamed.stderr).contains("period");
            assert_eq!(warned, s == "qof-2023-24.qof", "{s}");
        }
    }
    // An error in another patient's row: explain does not read it; eval reports it.
    let mut lines: Vec<String> = patients.lines().map(String::from).collect();
    let other = lines[2].split(',').next().unwrap().to_string();
    assert_ne!(other, id);
    lines[2] = lines[2].replacen(",F,", ",X,", 1).replacen(",M,", ",X,", 1);
    std::fs::write(d.join("pop/patients.csv"), lines.join("\n") + "\n").unwrap();
    let s = scheme("qof-2019-20.qof");
    let o = run(&["explain", &s, "--population", "pop", "--patient", &id], &d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["eval", &s, "--population", "pop"], &d);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a sex"));
    // ... and so does explain of that patient, at its row, as the whole reading does.
    let o = run(&["explain", &s, "--population", "pop", "--patient", &other], &d);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is not a sex") && err.contains("row 3"), "{err}");
}

#[test]
fn eval_of_files_as_written_reversed_and_read_whole_is_the_same() {
    let d = generated("eval");
    read_whole_copy(&d);
    std::fs::create_dir_all(d.join("reversed")).unwrap();
    for f in ["practices.csv", "patients.csv", "events.csv", "attested.csv", "historic.csv"] {
        let Ok(text) = std::fs::read_to_string(d.join("pop").join(f)) else { continue };
        let mut lines: Vec<&str> = text.lines().collect();
        // Reverse the data rows of patients and events: still a practice at a time, but the
        // second practice first and every row of a practice in the other order.
        if f == "patients.csv" || f == "events.csv" {
            lines[1..].reverse();
        }
        std::fs::write(d.join("reversed").join(f), lines.join("\n") + "\n").unwrap();
    }
    let s = scheme("qof-2019-20.qof");
    let out: Vec<Output> = ["pop", "whole", "reversed"]
        .iter()
        .map(|p| run(&["eval", &s, "--population", p, "--format", "json", "--stream"], &d))
        .collect();
    // the default streams files grouped by practice; `--whole` reads them whole: the same bytes
    let default = run(&["eval", &s, "--population", "pop", "--format", "json"], &d);
    let whole = run(&["eval", &s, "--population", "pop", "--format", "json", "--whole"], &d);
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));
    assert!(out[0].status.success(), "{}", String::from_utf8_lossy(&out[0].stderr));
    assert!(out[0].stdout.len() > 1000);
    let text = |o: &Output| String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(text(&out[0]) == text(&out[1]), "streamed and whole differ");
    assert!(text(&out[0]) == text(&out[2]), "as written and reversed differ");
    assert!(text(&out[0]) == text(&default), "streamed and the default differ");
    assert!(text(&out[0]) == text(&whole), "streamed and --whole differ");
    assert_eq!(out[0].stderr, out[1].stderr);
}
