//! The editor's session (what the wasm Workspace calls) gives byte for byte the JSON of
//! `qofrules eval --format json` on the same scheme and the default population. The browser
//! tests (www/tests/parity.test.mjs) carry the comparison on to wasm under Node and the page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

/// Every shipped scheme: the same bytes, reporting strata, dated default population and
/// synthetic practice-level inputs included (one pipeline, `qofrules::pipeline`).
#[test]
fn session_json_is_the_cli_json() {
    let mut session = qofrules::session::Session::new();
    let mut with_reports = 0;
    for (path, text) in qofrules::shipped::SCHEMES {
        let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let out = Command::new(env!("CARGO_BIN_EXE_qofrules"))
            .arg("eval")
            .arg(&full)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{path}: {}", String::from_utf8_lossy(&out.stderr));
        let cli = String::from_utf8(out.stdout).unwrap();
        let json = session.evaluate_json(text).unwrap_or_else(|e| panic!("{path}: {e:?}"));
        assert!(json.contains("\"practices\""), "{path}");
        with_reports += usize::from(json.contains("\"reports\""));
        assert!(json == cli, "{path}: the session's JSON differs from the CLI's");
    }
    assert!(with_reports >= 1, "no shipped scheme reports by anything");
}

/// The editor's "Export HTML" is the CLI's `compare --format html` report, byte for byte.
#[test]
fn session_compare_html_is_the_cli_report() {
    let root = env!("CARGO_MANIFEST_DIR");
    let qof = "rules/qof-2018-19.qof";
    let dudley = "rules/dudley-2018-19.qof";
    let out = Command::new(env!("CARGO_BIN_EXE_qofrules"))
        .args(["compare", qof, dudley, "--format", "html"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cli = String::from_utf8(out.stdout).unwrap();
    let read = |p: &str| std::fs::read_to_string(std::path::Path::new(root).join(p)).unwrap();
    let mut session = qofrules::session::Session::new();
    let reply = session.compare(&read(qof), &read(dudley));
    assert!(reply.ok, "{:?}", reply.errors);
    let html = reply.value.unwrap().html;
    assert!(html.starts_with("<!doctype html>") || html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html, cli);
}
