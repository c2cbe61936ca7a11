//! Error recovery inside one chunk (one top-level item, as cut by `chunks`) that does not
//! parse. Each syntax error is reported, then the text is repaired and parsed again, so the
//! parse carries on past the error:
//!
//! - an unclosed `{` (judged by indentation: a `}` at the start of a line closes the block
//!   opened on a line with the same indentation) is reported at the `{`, and a `}` is put in
//!   the whitespace just before the place where the parser gave up;
//! - an error inside a block skips the statement it is in, from the statement's first word to
//!   the next statement's (or the block's `}`); the item is kept without that statement;
//! - an error outside any block skips the rest of the chunk if what comes before it parses;
//!   otherwise the whole item is skipped, and the name it declares is recorded.
//!
//! Skipped text is replaced by spaces, so every offset (and span) stays that of the file.

use super::{syntax_error, token_at, Builder, Grammar, Rule};
use crate::diag::{Code, Diagnostic};
use crate::syntax::ast::{Ident, Item, Skipped, Span};
use pest::Parser as _;

/// Repairs tried on one chunk before the rest of it is given up.
const MAX_REPAIRS: usize = 32;

/// Words that start a statement in some block (a statement also starts after `{` and `;`).
/// The words of expressions are not here, so a condition that continues on the next line
/// stays one statement.
const STATEMENT_WORDS: &[&str] = &[
    // scheme header
    "period",
    "point",
    "national",
    "rounding",
    "payment",
    "aspiration",
    "report",
    "empty",
    // registers
    "patients",
    "where",
    "prevalence",
    "list",
    // indicators, changes and strata
    "title",
    "group",
    "domain",
    "points",
    "thresholds",
    "register",
    "attested",
    "monitored",
    "denominator",
    "exclude",
    "achieved",
    "adjustments",
    "stratum",
    // adjustments
    "unsuitable",
    "chose",
    "no",
    "service",
    "new",
    // gateways, tiers, obligations
    "requires",
    "pays",
    "includes",
    "workstream",
    // tests
    "patient",
    "expect",
    "born",
    "female",
    "male",
    "registered",
    "deregistered",
    "deprivation",
    "practice",
];

/// Where statements and blocks are in a chunk.
struct Layout {
    /// Statement starts: offset, and the offset of the enclosing `{` (`None` at top level).
    starts: Vec<(usize, Option<usize>)>,
    /// Every `{`: its offset and its `}`'s, if it has one.
    blocks: Vec<(usize, Option<usize>)>,
    /// The `{`s never closed, in text order.
    unclosed: Vec<usize>,
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// One pass over the chunk, outside strings and comments.
fn scan(text: &str) -> Layout {
    let b = text.as_bytes();
    let mut starts = Vec::new();
    let mut blocks: Vec<(usize, Option<usize>)> = Vec::new();
    // open blocks: index into `blocks`, indentation of the line of the `{`
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut unclosed = Vec::new();
    let mut indent = 0;
    let mut first_on_line = true;
    let mut prev = b'\n';
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                first_on_line = true;
                indent = 0;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                if first_on_line {
                    indent += 1;
                }
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(b.len(), |n| i + n);
                continue;
            }
            _ => {}
        }
        let word_end = i + b[i..].iter().take_while(|&&c| is_word(c)).count();
        let word = &text[i..word_end];
        if c != b'}'
            && (matches!(prev, b'{' | b';')
                || (STATEMENT_WORDS.contains(&word) && (first_on_line || prev == b',')))
        {
            starts.push((i, stack.last().map(|&(k, _)| blocks[k].0)));
        }
        match c {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
            }
            b'{' => {
                blocks.push((i, None));
                stack.push((blocks.len() - 1, indent));
                i += 1;
            }
            b'}' => {
                if first_on_line {
                    if let Some(at) = stack.iter().rposition(|&(_, ind)| ind == indent) {
                        unclosed.extend(stack[at + 1..].iter().map(|&(k, _)| blocks[k].0));
                        stack.truncate(at + 1);
                    }
                }
                if let Some((k, _)) = stack.pop() {
                    blocks[k].1 = Some(i);
                }
                i += 1;
            }
            _ if word_end > i => i = word_end,
            _ => i += text[i..].chars().next().map_or(1, char::len_utf8),
        }
        prev = if matches!(c, b'{' | b'}' | b',' | b';') { c } else { b'a' };
        first_on_line = false;
    }
    unclosed.extend(stack.iter().map(|&(k, _)| blocks[k].0));
    unclosed.sort_unstable();
    Layout { starts, blocks, unclosed }
}

impl Layout {
    /// The innermost block around `pos`: its `{` and where it ends.
    fn block_at(&self, pos: usize, len: usize) -> Option<(usize, usize)> {
        self.blocks
            .iter()
            .filter(|&&(open, close)| open < pos && close.map_or(true, |c| pos <= c))
            .max_by_key(|&&(open, _)| open)
            .map(|&(open, close)| (open, close.unwrap_or(len)))
    }

    /// The statement to skip for an error at `pos` in the block opened at `open` (ending at
    /// `close`). When the parser could have closed the block at `pos` (`at_boundary`), the
    /// statement starting at `pos` is the bad one; otherwise the one `pos` is in.
    fn statement(
        &self,
        open: usize,
        close: usize,
        pos: usize,
        at_boundary: bool,
    ) -> (usize, usize) {
        let mut here = self.starts.iter().filter(|&&(_, b)| b == Some(open)).map(|&(s, _)| s);
        let start =
            if at_boundary { pos } else { here.clone().filter(|&s| s < pos).max().unwrap_or(pos) };
        let end = here.find(|&s| s > start && s >= pos).unwrap_or(close);
        (start, end.max(start))
    }
}

/// Replaces `range` of `buf` by spaces (newlines kept). False if it held only whitespace.
fn blank(buf: &mut String, range: std::ops::Range<usize>) -> bool {
    let Some(part) = buf.get(range.clone()) else { return false };
    if part.trim().is_empty() {
        return false;
    }
    let spaces: String = part
        .chars()
        .map(|c| if c == '\n' { "\n".to_string() } else { " ".repeat(c.len_utf8()) })
        .collect();
    buf.replace_range(range, &spaces);
    true
}

/// The span of `range` without trailing whitespace, in file offsets.
fn trimmed(buf: &str, base: usize, start: usize, end: usize) -> Span {
    let text = buf.get(start..end).unwrap_or("");
    Span::new(base + start, base + start + text.trim_end().len())
}

/// The name a top-level item declares, read from its first words (`indicator DM020`,
/// `network indicator X`, `codelist DM_COD`, ...).
fn declared_name(chunk: &str, base: usize) -> Option<Ident> {
    let mut words = Vec::new();
    let b = chunk.as_bytes();
    let mut i = 0;
    while i < b.len() && words.len() < 3 {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            i = chunk[i..].find('\n').map_or(b.len(), |n| i + n);
        } else if is_word(b[i]) {
            let end = i + b[i..].iter().take_while(|&&c| is_word(c)).count();
            words.push((i, &chunk[i..end]));
            i = end;
        } else if b[i].is_ascii_whitespace() {
            i += 1;
        } else {
            break;
        }
    }
    let mut w = words.into_iter();
    let (_, mut kw) = w.next()?;
    if kw == "network" {
        kw = w.next()?.1;
    }
    if !matches!(
        kw,
        "codelist" | "register" | "define" | "indicator" | "gateway" | "tier" | "obligation"
    ) {
        return None;
    }
    let (at, name) = w.next()?;
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    Some(Ident { name: name.to_string(), span: Span::new(base + at, base + at + name.len()) })
}

/// "unclosed `{`", at the `{`, with a label where the parser gave up.
fn unclosed(text: &str, file: usize, open: usize, gave_up: usize) -> Diagnostic {
    let rest = text.get(gave_up..).unwrap_or("");
    let len = token_at(rest);
    let (label, note) = if len == 0 {
        (Span::new(gave_up, gave_up), "the file ends here".to_string())
    } else {
        (Span::new(gave_up, gave_up + len), "expected `}` before this".to_string())
    };
    let at = Span::new(open, open + 1);
    Diagnostic::error(Code::Syntax, file, at, "unclosed `{`")
        .with_label(at, "this `{` is never closed")
        .with_label(label, note)
        .with_help("add the `}` that ends this block")
}

/// Parses `text[start..end]` once, without recovery or messages: its items if it parses,
/// otherwise the whole chunk is skipped (with the name it declares).
pub(super) fn quietly(
    text: &str,
    (start, end): (usize, usize),
    file: usize,
    items: &mut Vec<Item>,
    skipped: &mut Vec<Skipped>,
) {
    let chunk = &text[start..end];
    match Grammar::parse(Rule::file, chunk) {
        Ok(mut pairs) => {
            let mut ignored = Vec::new();
            let mut b = Builder::new(start, file, &mut ignored, text);
            if let Some(p) = pairs.next() {
                items.extend(b.items(p));
            }
        }
        Err(_) => skipped.push(Skipped {
            span: trimmed(chunk, start, 0, chunk.len()),
            declares: declared_name(chunk, start),
        }),
    }
}

/// Parses `text[start..end]` with recovery, adding its items, syntax errors and skipped text.
pub(super) fn chunk(
    text: &str,
    (start, end): (usize, usize),
    file: usize,
    diags: &mut Vec<Diagnostic>,
    items: &mut Vec<Item>,
    skipped: &mut Vec<Skipped>,
) {
    let mut buf = text[start..end].to_string();
    let mut last_error = None;
    for _ in 0..MAX_REPAIRS {
        let e = match Grammar::parse(Rule::file, &buf) {
            Ok(mut pairs) => {
                let mut b = Builder::new(start, file, diags, text);
                if let Some(p) = pairs.next() {
                    items.extend(b.items(p));
                }
                return;
            }
            Err(e) => e,
        };
        let pos = match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
        let at_boundary = matches!(
            &e.variant,
            pest::error::ErrorVariant::ParsingError { positives, .. } if positives.contains(&Rule::rbrace)
        );
        let layout = scan(&buf);
        // an unclosed `{` before the place where the parser gave up: close it there
        if at_boundary {
            if let Some(&open) = layout.unclosed.iter().rev().find(|&&o| o < pos) {
                let space = pos
                    .checked_sub(1)
                    .filter(|&i| buf.as_bytes().get(i).is_some_and(|c| c.is_ascii_whitespace()));
                diags.push(unclosed(text, file, start + open, start + pos));
                last_error = Some(pos);
                if let Some(i) = space {
                    buf.replace_range(i..i + 1, "}");
                    continue;
                }
                break;
            }
        }
        if last_error != Some(pos) {
            diags.push(syntax_error(&e, text, start, file));
        }
        last_error = Some(pos);
        match layout.block_at(pos, buf.len()) {
            Some((open, close)) => {
                let (s, e) = layout.statement(open, close, pos, at_boundary);
                if !blank(&mut buf, s..e) {
                    break;
                }
                skipped.push(Skipped {
                    span: trimmed(&text[start..end], start, s, e),
                    declares: None,
                });
            }
            None => {
                // what comes before the error may be a whole item: keep it if it parses
                let mut rest = buf.clone();
                let len = rest.len();
                if pos > 0
                    && blank(&mut rest, pos..len)
                    && Grammar::parse(Rule::file, &rest).is_ok()
                {
                    skipped.push(Skipped {
                        span: trimmed(&text[start..end], start, pos, end - start),
                        declares: None,
                    });
                    buf = rest;
                    continue;
                }
                break;
            }
        }
    }
    // given up: the whole item is skipped
    let chunk = &text[start..end];
    skipped.push(Skipped {
        span: trimmed(chunk, start, 0, chunk.len()),
        declares: declared_name(chunk, start),
    });
}
