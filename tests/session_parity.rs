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
