//! Progress of long runs (issue #19): the core reports every patient once, a bar is drawn on
//! a terminal, and never when stderr is redirected; output bytes are the same with and
//! without it.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::progress::Progress;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

#[derive(Default)]
struct Record {
    events: Mutex<Vec<(String, u64)>>,
    done: Mutex<u64>,
}

impl Progress for Record {
    fn begin(&self, what: &str, total: u64, unit: &str) {
        self.events.lock().unwrap().push((format!("{what} {unit}"), total));
    }
    fn advance(&self, n: u64) {
        *self.done.lock().unwrap() += n;
    }
    fn end(&self) {
        self.events.lock().unwrap().push(("end".into(), 0));
    }
}

#[test]
fn evaluation_reports_every_patient_once_and_the_same_counts() {
    let (_, c) = qofrules::check::check_text(
        "rules/qof-2019-20.qof",
        qofrules::shipped::SCHEMES.iter().find(|(p, _)| p.ends_with("qof-2019-20.qof")).unwrap().1,
    );
    let prog = qofrules::compile::compile(&c.scheme.unwrap());
    // Over 20,000 patients: evaluated on several threads, which all report.
    let opts = qofrules::synth::SynthOptions { scale: 0.2, ..Default::default() };
    let pop =
        qofrules::synth::generate(&qofrules::synth::Selection::RandomPractices(20), &opts).unwrap();
    assert!(pop.patients.len() > 20_000, "{}", pop.patients.len());
    let rec = Record::default();
    let ev = qofrules::eval::evaluate_with_progress(&prog, &pop, &rec);
    let n = pop.patients.len() as u64;
    assert_eq!(
        *rec.events.lock().unwrap(),
        vec![("evaluating patients".into(), n), ("end".into(), 0)]
    );
    assert_eq!(*rec.done.lock().unwrap(), n);
    assert_eq!(ev, qofrules::eval::evaluate_with_threads(&prog, &pop, 1));
}

fn scratch(name: &str) -> PathBuf {
    crate::support::scratch("progress", name)
}

fn qofrules(args: &[&str]) -> (Vec<u8>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_qofrules")).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    (out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn rules(name: &str) -> String {
    format!("{}/rules/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_bar_when_stderr_is_redirected_and_the_same_output_with_quiet() {
    let dir = scratch("redirected");
    let pop = dir.join("pop");
    let p = pop.to_str().unwrap();
    let (_, err) =
        qofrules(&["synth", "--practices", "A81001,A81002", "--scale", "0.05", "--out", p]);
    assert!(!err.contains("generating") && !err.contains('\u{1b}'), "{err}");
    let scheme = rules("qof-2019-20.qof");
    let (out, err) = qofrules(&["eval", &scheme, "--population", p, "--format", "csv"]);
    assert!(!err.contains("evaluating") && !err.contains('\u{1b}') && !err.contains('\r'), "{err}");
    let (quiet, _) = qofrules(&["eval", &scheme, "--population", p, "--format", "csv", "--quiet"]);
    assert!(out.len() > 1000);
    assert_eq!(out, quiet);
    let b = rules("qof-2020-21.qof");
    let (out, err) = qofrules(&["compare", &scheme, &b, "--population", p, "--format", "csv"]);
    assert!(!err.contains("evaluating") && !err.contains('\u{1b}'), "{err}");
    let (quiet, _) =
        qofrules(&["compare", &scheme, &b, "--population", p, "--format", "csv", "-q"]);
    assert_eq!(out, quiet);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `qofrules ARGS` under a pseudo-terminal with util-linux's `script`, returning what
/// the terminal received (`None` where `script` is missing).
fn on_terminal(args: &str) -> Option<String> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).is_file())?;
    let bin = env!("CARGO_BIN_EXE_qofrules");
    let out = Command::new(script)
        .args(["-qec", &format!("{bin} {args}"), "/dev/null"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_bar_on_a_terminal_unless_quiet() {
    let dir = scratch("terminal");
    let p = dir.join("pop");
    let p = p.to_str().unwrap();
    let Some(seen) =
        on_terminal(&format!("synth --practices A81001,A81002,A81004 --scale 0.2 --out {p}"))
    else {
        eprintln!("util-linux `script` is missing: no terminal to test on");
        return;
    };
    assert!(seen.contains("generating [") && seen.contains("practices"), "{seen:?}");
    let scheme = rules("qof-2019-20.qof");
    // Streamed (the default for files grouped by practice, as synth writes them), a
    // population's size is not known before the end, so the terminal shows a count of the
    // patients evaluated rather than a bar.
    for force in ["", " --stream"] {
        let seen =
            on_terminal(&format!("eval {scheme} --population {p} -o {p}/out.csv{force}")).unwrap();
        assert!(seen.contains("evaluating ") && seen.contains(" patients ("), "{seen:?}");
        assert!(!seen.contains("evaluating ["), "{seen:?}");
    }
    // Read whole (`--whole`), it is a bar.
    let seen =
        on_terminal(&format!("eval {scheme} --population {p} -o {p}/out.csv --whole")).unwrap();
    assert!(seen.contains("evaluating ["), "{seen:?}");
    let seen =
        on_terminal(&format!("eval {scheme} --population {p} -o {p}/out.csv --quiet")).unwrap();
    assert!(!seen.contains("evaluating"), "{seen:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
