//! The helpers the CLI test modules share: run the built `qofrules`, read what it printed, and
//! make a fresh scratch folder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `qofrules ARGS`, run in `cwd`.
pub fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qofrules")).args(args).current_dir(cwd).output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The JSON a successful run printed (fails with its stderr otherwise).
pub fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The repository's root (where `rules/` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty folder for one test: `module` keeps apart the folders of the modules (one
/// process runs them all), `name` those of one module's tests.
pub fn scratch(module: &str, name: &str) -> PathBuf {
    let d =
        std::env::temp_dir().join(format!("qofrules-cli-{module}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A test of the demo schemes' DM020 (HbA1c 58 or less): one patient with diabetes and one
/// HbA1c reading of `value`, expected in the numerator.
pub fn hba1c_test(name: &str, value: u32) -> String {
    format!(
        "test \"{name}\" {{
  patient born 1950-01-01, registered 2000-01-01 {{
    DM_COD on 2010-05-01
    IFCCHBAM_COD on 2019-10-01 value {value}
  }}
  expect DM020 numerator
}}
"
    )
}
