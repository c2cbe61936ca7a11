//! `qofrules fmt`: rewrites in place, `--check`, syntax errors, unreadable files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{run, stderr, stdout};
use std::path::Path;

const MESSY: &str =
    "indicator DM020 \"HbA1c\" { group DM, domain clinical, points 17; thresholds 35% to 75% }\n";
const CLEAN: &str =
    "indicator DM020 \"HbA1c\" {\n  group DM, domain clinical, points 17, thresholds 35% to 75%\n}\n";

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn rewrites_files_in_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.qof"), MESSY).unwrap();
    std::fs::write(dir.path().join("b.qof"), CLEAN).unwrap();
    let out = run(&["fmt", "a.qof", "b.qof"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(dir.path().join("a.qof")).unwrap(), CLEAN);
    assert_eq!(std::fs::read_to_string(dir.path().join("b.qof")).unwrap(), CLEAN);
    assert_eq!(stdout(&out), "");
    assert_eq!(files_in(dir.path()), ["a.qof", "b.qof"], "no temporary file is left behind");
}

/// A symbolic link to a rule file stays a link; the file it points at is rewritten.
#[cfg(unix)]
#[test]
fn rewriting_through_a_link_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("real.qof"), MESSY).unwrap();
    std::os::unix::fs::symlink("real.qof", dir.path().join("current.qof")).unwrap();
    let out = run(&["fmt", "current.qof"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let link = std::fs::symlink_metadata(dir.path().join("current.qof")).unwrap();
    assert!(link.file_type().is_symlink(), "the link is still a link");
    assert_eq!(std::fs::read_to_string(dir.path().join("real.qof")).unwrap(), CLEAN);
    assert_eq!(files_in(dir.path()), ["current.qof", "real.qof"], "no temporary file is left");
}

#[cfg(unix)]
#[test]
fn rewriting_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.qof");
    std::fs::write(&path, MESSY).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = run(&["fmt", "a.qof"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn check_lists_files_that_would_change_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("messy.qof"), MESSY).unwrap();
    std::fs::write(dir.path().join("clean.qof"), CLEAN).unwrap();

    let out = run(&["fmt", "--check", "clean.qof"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "", "nothing is printed for a formatted file");

    let out = run(&["fmt", "--check", "clean.qof", "messy.qof"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    // a unified diff of what `fmt` would change, naming the file
    let expected = format!(
        "--- messy.qof\n+++ messy.qof (formatted)\n@@ -1 +1,3 @@\n-{MESSY}{}",
        CLEAN.lines().map(|l| format!("+{l}\n")).collect::<String>()
    );
    assert_eq!(stdout(&out), expected);
    assert_eq!(std::fs::read_to_string(dir.path().join("messy.qof")).unwrap(), MESSY);
}

#[test]
fn syntax_errors_are_shown_and_the_file_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "indicator X \"x\" {\n  points\n}\n";
    std::fs::write(dir.path().join("broken.qof"), broken).unwrap();
    for args in [&["fmt", "broken.qof"][..], &["fmt", "--check", "broken.qof"][..]] {
        let out = run(args, dir.path());
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains("error: unexpected `}`"), "{err}");
        assert!(
            err.contains("--> broken.qof:3:1"),
            "a code frame naming file, line and column: {err}"
        );
        assert_eq!(stdout(&out), "");
        assert_eq!(std::fs::read_to_string(dir.path().join("broken.qof")).unwrap(), broken);
    }
}

#[test]
fn unreadable_files_are_named_and_the_others_still_formatted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.qof"), MESSY).unwrap();
    let out = run(&["fmt", "missing.qof", "a.qof"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("cannot read `missing.qof`"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.path().join("a.qof")).unwrap(), CLEAN);
}

#[test]
fn no_files_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["fmt"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}
