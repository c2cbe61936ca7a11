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

/// A comparison with reporting strata (QOF 2019/20 against its age-stratified variant): the
/// editor's HTML report and the comparison's JSON are the CLI's, strata included.
#[test]
fn session_compare_with_reporting_strata_is_the_cli_report() {
    let root = env!("CARGO_MANIFEST_DIR");
    let a = "rules/qof-2019-20.qof";
    let b = "rules/qof-2019-20-stratified.qof";
    let cli = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_qofrules"))
            .args(["compare", a, b, "--format", format])
            .current_dir(root)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let read = |p: &str| std::fs::read_to_string(std::path::Path::new(root).join(p)).unwrap();
    let mut session = qofrules::session::Session::new();
    let reply = session.compare(&read(a), &read(b));
    assert!(reply.ok, "{:?}", reply.errors);
    let out = reply.value.unwrap();
    assert!(!out.comparison.reports.is_empty(), "the stratified scheme reports by age band");
    assert!(out.html.contains("<h2>Reporting strata</h2>"));
    assert_eq!(out.html, cli("html"));
    let json: serde_json::Value = serde_json::from_str(&cli("json")).unwrap();
    let ours = serde_json::to_value(&out.comparison).unwrap();
    assert!(json["reports"].is_array(), "the CLI's JSON lists the strata");
    assert_eq!(json["reports"], ours["reports"]);
}

/// Published counts for the default population's practices: the prevalence file from their
/// 2019/20 reference figures, a structure file placing them in their networks, and an
/// achievement file of each indicator's counts as `scheme`'s run on the default population
/// gives them (the session's own evaluation, so the numbers are realistic for every scheme).
fn published_counts(scheme_text: &str) -> [(&'static str, String); 3] {
    use qofrules::reference::{practices_2019_20, Group};
    let ids: std::collections::BTreeSet<String> =
        qofrules::synth::default_practices().into_iter().map(|p| p.practice_id).collect();
    let mut prevalence =
        "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\n".to_string();
    let mut structure = "PRACTICE_CODE,PCN_ODS_CODE\n".to_string();
    for p in practices_2019_20().iter().filter(|p| ids.contains(&p.practice_id)) {
        for g in Group::ALL {
            let t = g.list_type();
            prevalence.push_str(&format!(
                "{},{},{},{},{}\n",
                p.practice_id,
                g.code(),
                p.register(g),
                t.code(),
                p.list_size(t)
            ));
        }
        structure.push_str(&format!("{},{}\n", p.practice_id, p.network_id));
    }
    let mut session = qofrules::session::Session::new();
    let json = session.evaluate_json(scheme_text).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut achievement = "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\n".to_string();
    for p in v["practices"].as_array().unwrap() {
        for i in p["indicators"].as_array().unwrap() {
            for (measure, field) in
                [("NUMERATOR", "numerator"), ("DENOMINATOR", "denominator"), ("PCAS", "pcas")]
            {
                if let Some(n) = i[field].as_u64() {
                    achievement.push_str(&format!(
                        "{},{},{measure},{n}\n",
                        p["practice_id"].as_str().unwrap(),
                        i["id"].as_str().unwrap()
                    ));
                }
            }
        }
    }
    [("achievement.csv", achievement), ("prevalence.csv", prevalence), ("structure.csv", structure)]
}

/// Every shipped scheme on published counts (`eval --achievement --prevalence --structure`
/// and the session's `load_counts`): the same bytes, or the same error.
#[test]
fn session_counts_json_is_the_cli_json() {
    let dir = std::env::temp_dir().join(format!("qofrules-parity-counts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut paid = 0;
    for (path, text) in qofrules::shipped::SCHEMES {
        let files = published_counts(text);
        for (name, body) in &files {
            std::fs::write(dir.join(name), body).unwrap();
        }
        let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let out = Command::new(env!("CARGO_BIN_EXE_qofrules"))
            .arg("eval")
            .arg(&full)
            .args(["--achievement", "achievement.csv", "--prevalence", "prevalence.csv"])
            .args(["--structure", "structure.csv", "--format", "json"])
            .current_dir(&dir)
            .output()
            .unwrap();
        let named = |k: usize| qofrules::session::NamedText {
            name: files[k].0.to_string(),
            text: files[k].1.clone(),
        };
        let mut session = qofrules::session::Session::new();
        let loaded = session.load_counts(qofrules::session::CountsRequest {
            achievement: named(0),
            prevalence: Some(named(1)),
            structure: Some(named(2)),
        });
        assert!(loaded.ok, "{path}: {:?}", loaded.errors);
        assert_eq!(loaded.value.unwrap().kind, "counts");
        match session.evaluate_json(text) {
            Ok(json) => {
                assert!(out.status.success(), "{path}: {}", String::from_utf8_lossy(&out.stderr));
                assert!(json.contains("\"practices\""), "{path}");
                assert!(!json.contains("\"reports\""), "{path}: counts have no strata");
                let cli = String::from_utf8(out.stdout).unwrap();
                assert!(json == cli, "{path}: the session's JSON differs from the CLI's");
                paid += 1;
            }
            Err(problems) => {
                assert_eq!(out.status.code(), Some(1), "{path}: only the session failed");
                let err = String::from_utf8_lossy(&out.stderr);
                for p in problems {
                    assert!(err.contains(&p.message), "{path}: {err} lacks {}", p.message);
                }
            }
        }
    }
    assert!(paid >= 12, "only {paid} shipped schemes were paid on published counts");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `compare` on published counts: the editor's report is the CLI's, byte for byte.
#[test]
fn session_compare_on_counts_is_the_cli_report() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |p: &str| std::fs::read_to_string(std::path::Path::new(root).join(p)).unwrap();
    let (qof, dudley) = ("rules/qof-2018-19.qof", "rules/dudley-2018-19.qof");
    let files = published_counts(&read(qof));
    let dir = std::env::temp_dir().join(format!("qofrules-parity-cmp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, body) in &files {
        std::fs::write(dir.join(name), body).unwrap();
    }
    let full = |p: &str| std::path::Path::new(root).join(p);
    let out = Command::new(env!("CARGO_BIN_EXE_qofrules"))
        .arg("compare")
        .args([full(qof), full(dudley)])
        .args(["--achievement", "achievement.csv", "--prevalence", "prevalence.csv"])
        .args(["--structure", "structure.csv", "--format", "html"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let named = |k: usize| qofrules::session::NamedText {
        name: files[k].0.to_string(),
        text: files[k].1.clone(),
    };
    let mut session = qofrules::session::Session::new();
    let r = session.load_counts(qofrules::session::CountsRequest {
        achievement: named(0),
        prevalence: Some(named(1)),
        structure: Some(named(2)),
    });
    assert!(r.ok, "{:?}", r.errors);
    let reply = session.compare(&read(qof), &read(dudley));
    assert!(reply.ok, "{:?}", reply.errors);
    let cmp = reply.value.unwrap();
    assert_eq!(serde_json::to_value(&cmp.comparison).unwrap()["level"], "counts");
    assert_eq!(cmp.html, String::from_utf8(out.stdout).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The editor's "generate boundary tests" is `qofrules boundary --indicator ID`, byte for byte,
/// and its "can anyone differ?" is `qofrules witness A B --format json`, object for object.
#[test]
fn session_boundary_and_witness_are_the_cli_outputs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let qof = root.join("rules/qof-2019-20.qof");
    let text = std::fs::read_to_string(&qof).unwrap();
    let run = |args: &[&std::ffi::OsStr]| {
        let out = Command::new(env!("CARGO_BIN_EXE_qofrules")).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let mut session = qofrules::session::Session::new();
    for id in ["DM020", "AST003", "CS005"] {
        let cli = run(&["boundary".as_ref(), qof.as_os_str(), "--indicator".as_ref(), id.as_ref()]);
        let reply = session.boundary(&text, id);
        assert!(reply.ok, "{id}: {:?}", reply.errors);
        let out = reply.value.unwrap();
        assert!(out.cases > 0, "{id}");
        assert!(out.text == cli, "{id}: the session's boundary tests differ from the CLI's");
    }
    // a `for each` template under the cursor: the tests of every copy, as the CLI prints them
    // with one `--indicator` per copy (the file has an em dash before the `for each`, so the
    // cursor's UTF-16 offset is not its byte offset)
    let family = "scheme fam \"A family of indicators\" { period 2019-04-01 to 2020-03-31, point value £187.74, national average list size 8479 }\n\
        codelist AF_COD \"Atrial fibrillation\" snomed { 49436004 }\n\
        codelist CHD_COD \"Coronary heart disease\" snomed { 53741008 }\n\
        codelist HF_COD \"Heart failure\" snomed { 84114007 }\n\
        codelist BP_COD \"Blood pressure recorded\" snomed { 163020007 }\n\
        // blood pressure — one indicator per condition\n\
        for each X in AF, CHD, HF {\n  indicator {X}001 \"Blood pressure of {X} patients\" {\n    \
        group FAM, domain CL, points 1, thresholds 40% to 90%\n    \
        denominator patients where {X}_COD\n    achieved when BP_COD in last 12 months\n  }\n}\n";
    let fdir =
        std::env::temp_dir().join(format!("qofrules-boundary-parity-{}", std::process::id()));
    std::fs::create_dir_all(&fdir).unwrap();
    let fpath = fdir.join("family.qof");
    std::fs::write(&fpath, family).unwrap();
    let mut args: Vec<&std::ffi::OsStr> = vec!["boundary".as_ref(), fpath.as_os_str()];
    for id in ["AF001", "CHD001", "HF001"] {
        args.extend([std::ffi::OsStr::new("--indicator"), std::ffi::OsStr::new(id)]);
    }
    let cli = run(&args);
    std::fs::remove_dir_all(&fdir).ok();
    let byte = family.find("achieved when BP_COD").unwrap();
    let at = family[..byte].encode_utf16().count();
    assert_ne!(at, byte);
    let reply = session.boundary_at(family, at);
    assert!(reply.ok, "{:?}", reply.errors);
    let out = reply.value.unwrap();
    assert_eq!(out.indicators, ["AF001", "CHD001", "HF001"]);
    assert!(out.text == cli, "the session's boundary tests of a `for each` differ from the CLI's");
    for id in ["AF001", "CHD001", "HF001"] {
        assert!(cli.contains(&format!("\n// {id}: ")), "{id}: {cli}");
    }
    // B: DM020's target moved from 58 to 59
    assert_eq!(text.matches("value <= 58").count(), 1);
    let dir = std::env::temp_dir().join(format!("qofrules-witness-parity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let b_path = dir.join("dm020-59.qof");
    let b = text.replace("value <= 58", "value <= 59");
    std::fs::write(&b_path, &b).unwrap();
    let cli = run(&[
        "witness".as_ref(),
        qof.as_os_str(),
        b_path.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    std::fs::remove_dir_all(&dir).ok();
    let cli: serde_json::Value = serde_json::from_str(&cli).unwrap();
    let reply = session.witness(&text, &b, None);
    assert!(reply.ok, "{:?}", reply.errors);
    let ours = serde_json::to_value(&reply.value.unwrap().indicators).unwrap();
    assert_eq!(ours, cli);
    let differ: Vec<&str> = ours
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["verdict"] != "same")
        .map(|w| w["indicator"].as_str().unwrap())
        .collect();
    assert_eq!(differ, ["DM020"]);
}
