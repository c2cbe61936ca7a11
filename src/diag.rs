//! Diagnostics shared by every phase: a severity, a span in one source file, a one-line
//! message and an optional help line; plus line/column mapping (UTF-8 bytes and UTF-16 code
//! units, for the browser editor) and a plain-text code-frame renderer.
//!
//! Message style (after Cedar's): lowercase, no trailing period, user input in backticks,
//! details in the help text.

use crate::syntax::ast::Span;
use serde::Serialize;

mod code;
pub use code::Code;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable machine-readable code, e.g. `undefined-name`.
    pub code: Code,
    pub message: String,
    pub help: Option<String>,
    /// Index into the file table of the run (see [`crate::Sources`]).
    pub file: usize,
    pub span: Span,
}

impl Diagnostic {
    pub fn error(code: Code, file: usize, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            help: None,
            file,
            span,
        }
    }
    pub fn warning(code: Code, file: usize, span: Span, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Self::error(code, file, span, message) }
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A position in a file: 1-based line, 1-based column in UTF-8 bytes and in UTF-16 code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
    pub column_utf16: usize,
}

/// Line starts of a text, for offset -> line/column mapping.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// Maps a byte offset (clamped to the text and to a character boundary) to a position.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column_utf16 = text[start..offset].encode_utf16().count() + 1;
        Position { offset, line: line + 1, column: offset - start + 1, column_utf16 }
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text<'a>(&self, text: &'a str, line: usize) -> &'a str {
        let start = self.starts.get(line - 1).copied().unwrap_or(text.len());
        let end = self.starts.get(line).map(|e| e - 1).unwrap_or(text.len());
        text.get(start..end.max(start)).unwrap_or("").trim_end_matches('\r')
    }
}

/// Renders a diagnostic as a plain-text code frame:
///
/// ```text
/// error: undefined code list `DM_CDO`
///   --> rules/x.qof:12:10
///    |
/// 12 |   where DM_CDO
///    |         ^^^^^^
///    = help: did you mean `DM_COD`?
/// ```
pub fn render(d: &Diagnostic, file_name: &str, text: &str) -> String {
    let index = LineIndex::new(text);
    let start = index.position(text, d.span.start as usize);
    let end = index.position(text, d.span.end as usize);
    let sev = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let line_text = index.line_text(text, start.line);
    let gutter = start.line.to_string().len();
    let pad = " ".repeat(gutter);
    let mut out = format!("{sev}: {}\n", d.message);
    out.push_str(&format!("{pad}--> {file_name}:{}:{}\n", start.line, start.column));
    out.push_str(&format!("{pad} |\n"));
    out.push_str(&format!("{} | {}\n", start.line, line_text));
    // caret under the span on its first line; columns counted in characters
    let lead = line_text.get(..start.column - 1).map(|s| s.chars().count()).unwrap_or(0);
    let width = if end.line == start.line {
        text.get(start.offset..end.offset).map(|s| s.chars().count()).unwrap_or(1).max(1)
    } else {
        line_text.chars().count().saturating_sub(lead).max(1)
    };
    out.push_str(&format!("{pad} | {}{}\n", " ".repeat(lead), "^".repeat(width)));
    if let Some(help) = &d.help {
        out.push_str(&format!("{pad} = help: {help}\n"));
    }
    out
}

/// The closest candidate to `name` by edit distance, if close enough to suggest.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&name.to_ascii_lowercase(), &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "a\n£x😀y\n";
        let idx = LineIndex::new(text);
        let p = idx.position(text, text.find('y').unwrap());
        assert_eq!((p.line, p.column, p.column_utf16), (2, 8, 5));
        let p = idx.position(text, 0);
        assert_eq!((p.line, p.column, p.column_utf16), (1, 1, 1));
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("DM_CDO", ["DM_COD", "AF_COD"]), Some("DM_COD"));
        assert_eq!(did_you_mean("XYZ", ["DM_COD"]), None);
    }
}
