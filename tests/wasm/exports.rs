//! Tests of the wasm-exported functions, run under Node by `wasm-bindgen-test-runner`
//! (`cargo test --target wasm32-unknown-unknown --test wasm`, as `cargo xtask test` does).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    let v = qofrules::wasm::version();
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
    // and it is a plain `major.minor.patch` the page can show as is
    let parts: Vec<&str> = v.split('.').collect();
    assert_eq!(parts.len(), 3, "version `{v}` is not major.minor.patch");
    assert!(parts.iter().all(|p| p.parse::<u32>().is_ok()), "version `{v}` is not numeric");
}

use qofrules::wasm::Workspace;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::JsValue;

fn json(v: JsValue) -> Value {
    serde_wasm_bindgen::from_value(v).unwrap()
}

const MINI: &str = r#"scheme mini "Mini" { period 2019-04-01 to 2020-03-31, point value £187.74, national average list size 8479 }
codelist DM_COD "Diabetes" snomed { 44054006 }
register DM "Diabetes mellitus" { patients aged 17 or over, where DM_COD }
indicator DM017 "Register" { group DM, domain CL, points 6, register DM }
test "diabetic" {
  patient born 1950-01-01, female, registered 2000-01-01 { DM_COD on 2010-05-01 }
  expect DM017 numerator
}
"#;

#[wasm_bindgen_test]
fn workspace_replies_are_plain_objects() {
    let mut ws = Workspace::new();
    let c = json(ws.check("scheme x {"));
    assert_eq!(c["ok"], true);
    assert!(c["error_count"].as_u64().unwrap() >= 1);
    assert_eq!(c["diagnostics"][0]["start"]["line"], 1);

    let opts = serde_json::json!({"practices": ["A81001"], "scale": 0.02});
    // a plain object, as the page sends (json_compatible: maps become objects)
    let obj = opts.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap();
    let p = json(ws.synth(obj));
    assert_eq!(p["ok"], true, "{p}");
    assert_eq!(p["practices"], 1);

    let e: Value = serde_json::from_str(&ws.evaluate(MINI)).unwrap();
    assert_eq!(e["ok"], true, "{e}");
    assert_eq!(e["result"]["scheme"]["id"], "mini");
    let j = json(ws.evaluate_json(MINI));
    let parsed: Value = serde_json::from_str(j["json"].as_str().unwrap()).unwrap();
    assert_eq!(parsed, e["result"]);

    let t = json(ws.run_tests(MINI));
    assert_eq!(t["report"]["passed"], 1);

    let bad: Value = serde_json::from_str(&ws.evaluate("scheme {")).unwrap();
    assert_eq!(bad["ok"], false);
    assert!(bad["errors"].as_array().unwrap().len() >= 1);

    let bad = json(ws.load_population(JsValue::from(3)));
    assert_eq!(bad["ok"], false);
    let shipped = json(qofrules::wasm::shipped());
    assert!(shipped.as_array().unwrap().iter().any(|f| f["path"] == "rules/qof-2019-20.qof"));
}

/// The Workspace takes every input the CLI takes: published counts (files by name, told by
/// their headers), a national prevalence file, attested and historic files.
#[wasm_bindgen_test]
fn workspace_takes_counts_national_and_practice_inputs() {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    let to = |v: Value| v.serialize(&ser).unwrap();
    let mut ws = Workspace::new();
    let counts = serde_json::json!({
        "ach.csv": "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nA1,DM017,REGISTER,30\n",
        "prev.csv": "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nA1,DM,30,17OV,500\n",
    });
    let p = json(ws.load_counts(to(counts)));
    assert_eq!((p["ok"].as_bool(), p["kind"].as_str()), (Some(true), Some("counts")), "{p}");
    let e: Value = serde_json::from_str(&ws.evaluate(MINI)).unwrap();
    assert_eq!(e["result"]["practices"][0]["practice_id"], "A1", "{e}");
    let national = serde_json::json!({
        "name": "national.csv",
        "text": "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nX,DM,1,17OV,20\n",
    });
    let n = json(ws.set_national(to(national)));
    assert_eq!(n["national"], "national.csv", "{n}");
    let e: Value = serde_json::from_str(&ws.evaluate(MINI)).unwrap();
    assert_eq!(e["result"]["national"]["prevalence"]["DM"]["prevalence"], "0.05", "{e}");
    let i = json(ws.set_practice_inputs(to(serde_json::json!({
        "attested": {"name": "attested.csv", "text": "practice_id,item_id,met\n"}
    }))));
    assert_eq!(i["attested"], "attested.csv", "{i}");
    let bad = json(ws.set_national(JsValue::from(3)));
    assert_eq!(bad["ok"], false);
}
