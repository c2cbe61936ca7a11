//! Snapshot tests per phase, driven by input folders (after Tera 2):
//!
//! - `tests/parse/*.qof`: the syntax tree (JSON) of files that parse, the code frames of those
//!   that do not;
//! - `tests/check/*.qof`: the checker's code frames, one file per checker message;
//! - `tests/inspect/*.qof`: `qofrules inspect` JSON of the resolved scheme.
//!
//! Multi-file cases: for a root `NAME.qof`, every `NAME.*.qof` (a parent, say
//! `NAME.parent.qof`) and `NAME.*.csv` next to it is given to the checker too. Files whose stem
//! contains a dot are never roots.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::scheme::Sources;
use std::path::Path;

fn is_root(path: &Path) -> bool {
    !path.file_stem().unwrap().to_string_lossy().contains('.')
}

/// The root file and its companions, named by file name (so that `from "x.csv"` resolves).
fn sources(path: &Path) -> (Sources, usize) {
    let dir = path.parent().unwrap();
    let stem = path.file_stem().unwrap().to_string_lossy().to_string();
    let mut sources = Sources::default();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let root = sources.add(name, std::fs::read_to_string(path).unwrap());
    let mut companions: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.starts_with(&format!("{stem}.")) && p != path
        })
        .collect();
    companions.sort();
    for p in companions {
        let n = p.file_name().unwrap().to_string_lossy().to_string();
        sources.add(n, std::fs::read_to_string(&p).unwrap());
    }
    (sources, root)
}

fn frames(sources: &Sources, diags: &[qofrules::diag::Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&format!("[{}]\n", d.code));
        out.push_str(&sources.render(d));
        out.push('\n');
    }
    out
}

#[test]
fn parse() {
    insta::glob!("..", "parse/*.qof", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let (tree, diags) = qofrules::syntax::parse(&text, 0);
        if diags.is_empty() {
            insta::assert_json_snapshot!(tree);
        } else {
            let mut sources = Sources::default();
            sources.add(path.file_name().unwrap().to_string_lossy(), text);
            insta::assert_snapshot!(frames(&sources, &diags));
        }
    });
}

#[test]
fn check() {
    insta::glob!("..", "check/*.qof", |path| {
        if !is_root(path) {
            return;
        }
        let (mut sources, root) = sources(path);
        let checked = qofrules::check::check(&mut sources, root);
        assert!(!checked.diagnostics.is_empty(), "{} should report a problem", path.display());
        assert_eq!(checked.scheme.is_some(), checked.errors() == 0);
        let plural =
            |n: usize, w: &str| if n == 1 { format!("1 {w}") } else { format!("{n} {w}s") };
        let summary = format!(
            "{}, {}",
            plural(checked.errors(), "error"),
            plural(checked.warnings(), "warning")
        );
        insta::assert_snapshot!(format!("{}{summary}\n", frames(&sources, &checked.diagnostics)));
    });
}

#[test]
fn inspect() {
    insta::glob!("..", "inspect/*.qof", |path| {
        if !is_root(path) {
            return;
        }
        let (mut sources, root) = sources(path);
        let checked = qofrules::check::check(&mut sources, root);
        assert!(checked.diagnostics.is_empty(), "{}", frames(&sources, &checked.diagnostics));
        let view = qofrules::inspect::view(checked.scheme.as_ref().unwrap(), &sources);
        insta::assert_json_snapshot!(view);
    });
}
