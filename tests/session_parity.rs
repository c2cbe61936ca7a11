//! The editor's session (what the wasm Workspace calls) gives byte for byte the JSON of
//! `qofrules eval --format json` on the same scheme and the default population. The browser
//! tests (www/tests/parity.test.mjs) carry the comparison on to wasm under Node and the page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn session_json_is_the_cli_json() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/somerset-2018-19.qof");
    let out = Command::new(env!("CARGO_BIN_EXE_qofrules"))
        .args(["eval", path, "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cli = String::from_utf8(out.stdout).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let mut session = qofrules::session::Session::new();
    let json = session.evaluate_json(&text).unwrap();
    assert!(json.contains("\"practices\""));
    assert_eq!(json, cli);
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
