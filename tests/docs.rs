//! Every `qof` code block in docs/language.md must pass: each is a file of its own, and blocks
//! may extend schemes defined in earlier blocks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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
fn language_reference_examples_parse() {
    let doc = std::fs::read_to_string("docs/language.md").unwrap();
    let blocks = blocks(&doc);
    assert!(blocks.len() >= 8, "expected the reference to have examples");
    for (line, text) in &blocks {
        let (_, diags) = qofrules::syntax::parse(text, 0);
        let rendered: Vec<String> = diags
            .iter()
            .map(|d| {
                qofrules::diag::render(d, &format!("docs/language.md block at line {line}"), text)
            })
            .collect();
        assert!(diags.is_empty(), "{}", rendered.join("\n"));
    }
}
