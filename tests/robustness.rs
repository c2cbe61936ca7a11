//! The parser and checker never panic and always explain: random bytes, token soup and
//! mutated examples all come back as diagnostics (or a scheme), within the span of the text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::check::check_text;

#[path = "common/resolved.rs"]
mod resolved;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn assert_sane(text: &str) {
    let (sources, checked) = check_text("garbage.qof", text);
    for d in &checked.diagnostics {
        let (file, span) = d.source().expect("checker diagnostics are in a file");
        let len = sources.files[file].text.len() as u32;
        assert!(span.start <= span.end && span.end <= len, "{d:?}");
        assert!(!d.message.is_empty());
    }
    assert_eq!(checked.scheme.is_some(), checked.errors() == 0);
    // A scheme the checker accepts is resolved (every name to the right index, every number
    // parsed), so it compiles, and the program has every entry its indices point to.
    if let Some(scheme) = &checked.scheme {
        resolved::assert_resolved(scheme, &qofrules::compile::compile(scheme));
    }
}

/// Every shipped scheme (variants through their whole `extends` chain) is resolved to the
/// names it was written with.
#[test]
fn every_shipped_scheme_is_resolved_to_its_names() {
    for (path, text) in qofrules::shipped::SCHEMES {
        let (_, checked) = check_text(path, text);
        let scheme = checked.scheme.unwrap_or_else(|| panic!("{path} does not check"));
        resolved::assert_resolved(&scheme, &qofrules::compile::compile(&scheme));
    }
}

#[test]
fn ten_megabytes_of_random_bytes_are_errors_not_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let bytes: Vec<u8> = (0..10 * 1024 * 1024).map(|_| rng.next() as u8).collect();
    let text = String::from_utf8_lossy(&bytes);
    let (_, checked) = check_text("random.qof", &text);
    assert!(checked.errors() > 0);
    assert!(checked.scheme.is_none());
    assert_sane(&text);
}

/// The parser recovers after each error (one per broken statement), up to 100; the 101st is
/// `too-many-errors`, which says the rest are not shown.
#[test]
fn the_parser_reports_up_to_a_hundred_errors_then_stops() {
    let mut text = String::from("scheme t \"T\" { period 2019-04-01 to 2020-03-31 }\n");
    for k in 0..150 {
        text.push_str(&format!("register R{k} \"R\" {{ patients aged or over }}\n"));
    }
    let (_, checked) = check_text("many.qof", &text);
    let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes.len(), 101, "{codes:?}");
    assert!(codes[..100].iter().all(|&c| c != "too-many-errors"), "{codes:?}");
    let last = &checked.diagnostics[100];
    assert_eq!(last.code, "too-many-errors");
    assert!(last.help.as_deref().is_some_and(|h| h.contains("first 100")), "{last:?}");
    // the errors are at the broken statements, in order, not all at one place
    let starts: Vec<u32> =
        checked.diagnostics[..100].iter().map(|d| d.source().unwrap().1.start).collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
    assert_sane(&text);
}

#[test]
fn token_soup_is_errors_not_panics() {
    const TOKENS: &[&str] = &[
        "scheme",
        "codelist",
        "register",
        "define",
        "indicator",
        "keep",
        "retire",
        "change",
        "gateway",
        "tier",
        "obligation",
        "test",
        "{",
        "}",
        "(",
        ")",
        ",",
        ";",
        "=",
        "/",
        "<=",
        "latest",
        "first",
        "in",
        "last",
        "12",
        "months",
        "has",
        "value",
        "58",
        "and",
        "or",
        "not",
        "\"title\"",
        "35%",
        "£5",
        "2019-04-01",
        "2016/17",
        "DM_COD",
        "X",
        "snomed",
        "includes",
        "from",
        "period",
        "to",
        "points",
        "thresholds",
        "denominator",
        "achieved",
        "when",
        "stratum",
        "otherwise",
        "patients",
        "aged",
        "\n",
        "\n",
        " ",
        "//",
        "extends",
        "count",
        "at",
        "least",
        "0",
        "days",
        "apart",
        ">=",
        "2",
        "is",
        "after",
        "before",
        "registration",
    ];
    let mut rng = Rng(42);
    for _ in 0..20 {
        let mut text = String::new();
        while text.len() < 50_000 {
            text.push_str(TOKENS[rng.below(TOKENS.len())]);
            text.push(' ');
        }
        assert_sane(&text);
    }
}

#[test]
fn mutated_examples_are_errors_or_schemes_never_panics() {
    let doc = std::fs::read_to_string("docs/language.md").unwrap();
    let mut blocks = Vec::new();
    let mut cur: Option<String> = None;
    for line in doc.lines() {
        match &mut cur {
            None if line.trim() == "```qof" => cur = Some(String::new()),
            Some(t) if line.trim() == "```" => blocks.push(cur.take().unwrap_or_default()),
            Some(t) => {
                t.push_str(line);
                t.push('\n');
            }
            None => {}
        }
    }
    assert!(!blocks.is_empty());
    let pieces = ["", " ", "0", "}", "{", "not ", "latest ", "X", "100%", "-", "\"", "/", "é"];
    let mut rng = Rng(7);
    for _ in 0..600 {
        let block = &blocks[rng.below(blocks.len())];
        let mut text: Vec<char> = block.chars().collect();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(text.len().max(1));
            match rng.below(3) {
                0 if !text.is_empty() => {
                    let end = (at + 1 + rng.below(8)).min(text.len());
                    text.drain(at..end);
                }
                _ => {
                    let p = pieces[rng.below(pieces.len())];
                    for (i, c) in p.chars().enumerate() {
                        text.insert((at + i).min(text.len()), c);
                    }
                }
            }
        }
        let text: String = text.into_iter().collect();
        assert_sane(&text);
    }
}
