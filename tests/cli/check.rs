//! `qofrules check` and `qofrules inspect` as a user runs them: exit codes, the JSON shape of
//! diagnostics (with UTF-16 columns), parents given on the command line, code-list files next
//! to the rule file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{run as qofrules, scratch};
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let dir = scratch("check", name);
    std::fs::create_dir_all(dir.join("codes")).unwrap();
    dir
}

const PARENT: &str = "scheme base \"Base\" { period 2019-04-01 to 2020-03-31, point value £187.74 }
codelist BP_COD \"BP\" from \"codes/bp.csv\"
indicator BP002 \"BP\" {
  group BP, domain PH, points 15, thresholds 50% to 90%
  denominator patients where aged 45 or over
  achieved when BP_COD in last 5 years
}
";

#[test]
fn exit_codes_json_and_inspect() {
    let dir = temp_dir("main");
    std::fs::write(dir.join("base.qof"), PARENT).unwrap();
    std::fs::write(dir.join("codes/bp.csv"), "code\n75367002\n").unwrap();
    // £ is two bytes in UTF-8 and one UTF-16 unit: the columns differ after it
    std::fs::write(
        dir.join("child.qof"),
        "scheme child \"Child\" extends base { point value £1 }\nkeep BP02\n",
    )
    .unwrap();
    std::fs::write(dir.join("ok.qof"), "scheme ok \"Ok\" extends base { point value £2 }\n")
        .unwrap();

    let out = qofrules(&["check", "ok.qof", "base.qof"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 errors, 0 warnings"));

    let out = qofrules(&["check", "child.qof", "base.qof"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("child.qof:2:6") && err.contains("did you mean `BP002`?"), "{err}");
    assert!(err.contains("1 error, 0 warnings"), "{err}");

    let out = qofrules(&["check", "child.qof", "base.qof", "--error-format", "json"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &json[0];
    assert_eq!(d["file"], "child.qof");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], "not-inherited");
    assert_eq!(d["start"]["line"], 2);
    assert_eq!(d["start"]["column"], 6);
    assert_eq!(d["end"]["column"], 10);

    let out = qofrules(&["check", "missing.qof"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`missing.qof`"));

    let out = qofrules(&["inspect", "ok.qof", "base.qof"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(view["point_value"], "2");
    assert_eq!(view["indicators"][0]["thresholds"]["lower"], 50);
    assert_eq!(view["indicators"][0]["origin"]["status"], "inherited");
    assert_eq!(view["indicators"][0]["origin"]["file"], "base.qof");
    assert_eq!(view["codelists"][0]["codes"][0], "75367002");

    let out = qofrules(&["inspect", "child.qof", "base.qof"], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn utf16_columns_after_non_ascii_text() {
    let dir = temp_dir("utf16");
    std::fs::write(
        dir.join("x.qof"),
        "scheme x \"£é\" { period 2019-04-01 to 2020-03-31, point value £1 } codelist A \"a\" snomed { 1 }\n",
    )
    .unwrap();
    let out = qofrules(&["check", "x.qof", "--error-format", "json"], &dir);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &json[0];
    assert_eq!(d["code"], "unused-codelist");
    let col = d["start"]["column_byte"].as_u64().unwrap();
    let col16 = d["start"]["column"].as_u64().unwrap();
    // `£` twice and `é` once: 2 bytes each, 1 UTF-16 unit each
    assert_eq!(col - col16, 3);
    let (byte, offset) =
        (d["start"]["byte"].as_u64().unwrap(), d["start"]["offset"].as_u64().unwrap());
    assert_eq!(byte - offset, 3);
    // the file named on the command line is a root
    assert_eq!(d["root"], true);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A duplicate points at the first definition: a label in the JSON, a labelled line in the
/// code frame.
#[test]
fn duplicates_label_the_first_definition() {
    let dir = temp_dir("labels");
    std::fs::write(
        dir.join("x.qof"),
        "scheme x \"x\" { period 2019-04-01 to 2020-03-31, point value £1 }\n\
         codelist A \"a\" snomed { 1 }\n\
         codelist A \"again\" snomed { 2 }\n",
    )
    .unwrap();
    let out = qofrules(&["check", "x.qof", "--error-format", "json"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = json.as_array().unwrap().iter().find(|d| d["code"] == "duplicate-name").unwrap();
    assert_eq!(d["start"]["line"], 3);
    assert_eq!(d["labels"][0]["message"], "first defined here");
    assert_eq!(d["labels"][0]["start"]["line"], 2);
    assert_eq!(d["labels"][0]["start"]["column"], 10);
    let out = qofrules(&["check", "x.qof"], &dir);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("2 | codelist A \"a\" snomed { 1 }\n  |          - first defined here"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
