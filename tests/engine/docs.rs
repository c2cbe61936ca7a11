//! Every `qof` code block in docs/language.md must pass the checker with no errors and no
//! warnings: each block is a file of its own, all blocks are given as sources, and each is
//! checked as a root (so `child_demo extends parent_demo` resolves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::scheme::Sources;

fn blocks(doc: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (i, line) in doc.lines().enumerate() {
        match &mut cur {
            None if line.trim() == "```qof" => cur = Some((i + 2, String::new())),
            Some((start, text)) if line.trim() == "```" => {
                out.push((*start, std::mem::take(text)));
                cur = None;
            }
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    out
}

#[test]
fn language_reference_examples_check_cleanly() {
    let doc = std::fs::read_to_string("docs/language.md").unwrap();
    let blocks = blocks(&doc);
    assert!(blocks.len() >= 8, "expected the reference to have examples");
    let mut sources = Sources::default();
    for (line, text) in &blocks {
        sources.add(format!("docs/language.md block at line {line}"), text.clone());
    }
    let mut problems = Vec::new();
    for root in 0..blocks.len() {
        let checked = qofrules::check::check(&mut sources, root);
        for d in &checked.diagnostics {
            problems.push(sources.render(d));
        }
        if checked.diagnostics.is_empty() {
            assert!(checked.scheme.is_some());
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// docs/language.md's "Checker messages" table lists exactly the checker's codes
/// (`Code::ALL` where `is_checker`), and every other code is named in backticks on the page.
#[test]
fn checker_messages_are_documented() {
    use qofrules::diag::Code;
    let doc = std::fs::read_to_string("docs/language.md").unwrap();
    let section = doc.split("\n## Checker messages").nth(1).expect("the section");
    let mut table = std::collections::BTreeSet::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let code = row.split('`').nth(1).unwrap_or("");
        match Code::from_name(code) {
            Some(c) => {
                assert!(c.is_checker(), "`{code}` is in the table but is not a checker code")
            }
            None => panic!("`{code}` is in the table but is no code"),
        }
        table.insert(code);
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| c.is_checker() && !table.contains(c.as_str()))
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "checker codes missing from the table: {missing:?}");
    let unnamed: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !c.is_checker() && !section.contains(&format!("`{}`", c.as_str())))
        .map(|c| c.as_str())
        .collect();
    assert!(unnamed.is_empty(), "run codes not named in the section: {unnamed:?}");
}

/// Product files cite public sources, never a path of a developer's machine (users do not have
/// `/work/shared` or any other folder of ours).
#[test]
fn product_files_name_no_machine_path() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut files: Vec<std::path::PathBuf> =
        ["README.md", "DEVELOPERS.md", "ARCHITECTURE.md", "data/README.md"]
            .iter()
            .map(std::path::PathBuf::from)
            .collect();
    for dir in ["rules", "docs", "src", "www/src"] {
        walk(std::path::Path::new(dir), &mut files);
    }
    let mut bad = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else { continue };
        for (i, line) in text.lines().enumerate() {
            // Written in two halves so that this file does not match itself.
            if line.contains(concat!("/work", "/")) {
                bad.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(bad.is_empty(), "machine paths in product files:\n{}", bad.join("\n"));
}

/// docs/fidelity.md has a table for every indicator of QOF 2019/20, and every line its tables
/// quote is a line of the rule file (comments aside), so the page cannot drift from the rules.
#[test]
fn fidelity_tables_quote_the_rule_file() {
    let doc = std::fs::read_to_string("docs/fidelity.md").unwrap();
    let rules = std::fs::read_to_string("rules/qof-2019-20.qof").unwrap();
    let code_lines: std::collections::HashSet<String> = rules
        .lines()
        .map(|l| l.split("//").next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let tables = doc.split("<!-- tables begin -->").nth(1).expect("the tables' start marker");
    let tables = tables.split("<!-- tables end -->").next().unwrap();
    let mut missing = Vec::new();
    for line in rules.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let id = match words.as_slice() {
            ["indicator", id, ..] | ["network", "indicator", id, ..] => *id,
            _ => continue,
        };
        if !tables.contains(&format!("\n### {id}\n")) {
            missing.push(format!("no table for {id}"));
        }
    }
    let mut quoted = 0;
    for row in tables.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| business")) {
        let cell = row.split(" | ").nth(1).unwrap_or("");
        for (k, part) in cell.split('`').enumerate() {
            if k % 2 == 1 {
                quoted += 1;
                let text = part.replace("\\|", "|");
                if !code_lines.contains(text.trim()) {
                    missing.push(format!("not in the rule file: `{text}`"));
                }
            }
        }
    }
    assert!(quoted > 300, "only {quoted} quoted lines");
    assert!(
        missing.is_empty(),
        "docs/fidelity.md is stale (python3 docs/fidelity_tables.py --write):\n{}",
        missing.join("\n")
    );
}

/// The grammar's reserved words, its `k_*` rules and the editor's highlighting list agree
/// (the editor's list is written by hand in www/src/language.ts).
#[test]
fn keyword_lists_agree_with_the_grammar() {
    use std::collections::BTreeSet;
    let grammar = std::fs::read_to_string("grammar/qof.pest").unwrap();
    let quoted =
        |s: &str| -> Vec<String> { s.split('"').skip(1).step_by(2).map(String::from).collect() };
    // `keyword = @{ ( "a" ~ ("chievement" | ...) | "b" ~ (...) ... ) ~ !(...) }`
    let block = grammar.split("keyword = @{").nth(1).unwrap().split("\n}").next().unwrap();
    let mut reserved = BTreeSet::new();
    for line in block.lines() {
        let Some((head, rest)) = line.split_once(" ~ (") else { continue };
        let Some(first) = quoted(head).pop() else { continue };
        let alternatives = rest.split(')').next().unwrap_or("");
        for tail in quoted(alternatives) {
            reserved.insert(format!("{first}{tail}"));
        }
    }
    let rules: BTreeSet<String> = grammar
        .lines()
        .filter(|l| l.starts_with("k_"))
        .filter_map(|l| quoted(l).into_iter().next())
        .collect();
    let ts = std::fs::read_to_string("www/src/language.ts").unwrap();
    let list =
        ts.split("const KEYWORDS = new Set(").nth(1).unwrap().split(".split(").next().unwrap();
    let editor: BTreeSet<String> =
        quoted(list).join("").split_whitespace().map(String::from).collect();
    assert!(reserved.len() > 100, "{reserved:?}");
    let diff = |a: &BTreeSet<String>, b: &BTreeSet<String>| -> Vec<String> {
        a.difference(b).cloned().collect()
    };
    assert!(
        reserved == rules,
        "keyword rule vs k_* rules: only in keyword {:?}, only in k_* {:?}",
        diff(&reserved, &rules),
        diff(&rules, &reserved)
    );
    assert!(
        reserved == editor,
        "grammar vs www/src/language.ts: missing in the editor {:?}, not reserved {:?}",
        diff(&reserved, &editor),
        diff(&editor, &reserved)
    );
}
