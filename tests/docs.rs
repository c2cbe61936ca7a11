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
            let f = &sources.files[d.file];
            problems.push(qofrules::diag::render(d, &f.name, &f.text));
        }
        if checked.diagnostics.is_empty() {
            assert!(checked.scheme.is_some());
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every error code the checker can report is listed in the reference's "Checker messages".
#[test]
fn checker_messages_are_documented() {
    let doc = std::fs::read_to_string("docs/language.md").unwrap();
    let src: String = [
        "src/check/resolve.rs",
        "src/check/exprs.rs",
        "src/check/load.rs",
        "src/check/codefile.rs",
        "src/check/national.rs",
        "src/syntax/parse.rs",
    ]
    .iter()
    .map(|p| std::fs::read_to_string(p).unwrap())
    .collect();
    let mut missing = Vec::new();
    for (i, _) in src.match_indices("Diagnostic::") {
        let rest = &src[i..];
        let Some(q) = rest.find('"') else { continue };
        let code: String = rest[q + 1..].chars().take_while(|c| *c != '"').collect();
        if !code.is_empty()
            && code.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            && !doc.contains(&format!("`{code}`"))
            && !missing.contains(&code)
        {
            missing.push(code);
        }
    }
    assert!(missing.is_empty(), "codes missing from docs/language.md: {missing:?}");
}
