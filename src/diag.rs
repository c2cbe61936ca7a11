//! Diagnostics shared by every phase: a severity, a span in one source file, a one-line
//! message and an optional help line; plus line/column mapping (UTF-8 bytes and UTF-16 code
//! units, for the browser editor) and a plain-text code-frame renderer.
//!
//! Message style (after Cedar's): lowercase, no trailing period, user input in backticks,
//! details in the help text.

use crate::syntax::ast::Span;
use serde::Serialize;

mod code;
mod problem;
pub use code::Code;
pub use problem::{pos, problems, run_problems, Pos, Problem, ProblemLabel};

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A secondary place in the diagnostic's file, with a short note ("first defined here").
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// Where a diagnostic is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// A span in a file of the run: an index into its file table (see [`crate::Sources`]).
    Span { file: usize, span: Span },
    /// A place in a data file (population or aggregate CSV, NDJSON): the file's name, the
    /// 1-based row (a CSV header is row 1) and the column or field, as far as known.
    Row { file: String, row: Option<usize>, column: Option<String> },
    /// Nowhere in particular: options, a scheme's payment description, national figures.
    None,
}

/// One problem: a code, a severity, a place, a one-line message, an optional help line, and
/// secondary places. Every phase's errors convert into it (`From` impls next to each error
/// type), so the CLI, `--error-format json`, the session and the editor show one model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable machine-readable code, e.g. `undefined-name`.
    pub code: Code,
    pub message: String,
    pub help: Option<String>,
    pub location: Location,
    /// Secondary places in the same file, e.g. where a duplicated name was first defined
    /// (only for a [`Location::Span`]).
    pub labels: Vec<Label>,
}

impl Diagnostic {
    /// An error at a span of a file of the run.
    pub fn error(code: Code, file: usize, span: Span, message: impl Into<String>) -> Self {
        Self::at(Severity::Error, code, Location::Span { file, span }, message)
    }
    /// A warning at a span of a file of the run.
    pub fn warning(code: Code, file: usize, span: Span, message: impl Into<String>) -> Self {
        Self::at(Severity::Warning, code, Location::Span { file, span }, message)
    }
    /// A diagnostic anywhere.
    pub fn at(
        severity: Severity,
        code: Code,
        location: Location,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            help: None,
            location,
            labels: Vec::new(),
        }
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    /// Sets the help line when there is one.
    pub fn with_optional_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
    /// The file index and span, for a diagnostic in a file of the run.
    pub fn source(&self) -> Option<(usize, Span)> {
        match self.location {
            Location::Span { file, span } => Some((file, span)),
            _ => None,
        }
    }
    /// Adds a secondary place in the same file.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label { span, message: message.into() });
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
    /// The UTF-16 offset of each line start, built on first use in one pass
    /// ([`LineIndex::utf16_line_start`]); left empty for ASCII text, where it equals `starts`.
    utf16_starts: std::sync::OnceLock<Vec<usize>>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        LineIndex { starts, utf16_starts: std::sync::OnceLock::new() }
    }

    /// The UTF-16 offset from the start of `text` (the text the index was built from) of the
    /// start of 0-based line `line`. Counted once for the whole text, not from the start for
    /// each position (that made `check --error-format json` of many messages quadratic).
    pub fn utf16_line_start(&self, text: &str, line: usize) -> usize {
        let starts = self.utf16_starts.get_or_init(|| {
            if text.is_ascii() {
                return Vec::new();
            }
            let mut acc = 0;
            let mut out = Vec::with_capacity(self.starts.len());
            out.push(0);
            for w in self.starts.windows(2) {
                acc += text.get(w[0]..w[1]).map_or(0, |s| s.encode_utf16().count());
                out.push(acc);
            }
            out
        });
        match starts.get(line) {
            Some(&u) => u,
            None => self.starts.get(line).copied().unwrap_or(text.len()),
        }
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

    /// The 1-based line of a byte offset (offsets past the end are on the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }

    /// The byte range of 1-based lines `first..=last`, each with its line end (clamped to
    /// the text).
    fn lines_range(&self, len: usize, first: usize, last: usize) -> std::ops::Range<usize> {
        let start = self.starts.get(first.saturating_sub(1)).copied().unwrap_or(len).min(len);
        let end = self.starts.get(last).copied().unwrap_or(len).min(len);
        start..end.max(start)
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text<'a>(&self, text: &'a str, line: usize) -> &'a str {
        let start = self.starts.get(line - 1).copied().unwrap_or(text.len());
        let end = self.starts.get(line).map(|e| e - 1).unwrap_or(text.len());
        text.get(start..end.max(start)).unwrap_or("").trim_end_matches('\r')
    }
}

/// Renders a diagnostic as a plain-text code frame with annotate-snippets (the renderer of
/// rustc), its labels as secondary annotations and its help as a footer:
///
/// ```text
/// error: code list `DM_COD` is defined twice
///  --> x.qof:5:10
///   |
/// 2 | codelist DM_COD "Diabetes" snomed { 44054006 }
///   |          ------ first defined here
/// ...
/// 5 | codelist DM_COD "Diabetes again" snomed { 46635009 }
///   |          ^^^^^^
///   |
///   = help: the first is on line 2; code lists and definitions share one set of names
/// ```
///
/// `file_name` and `text` are those of the diagnostic's file for a [`Location::Span`]; other
/// locations are written as a `-->` line of their own (`events.csv, row 3, column `date``),
/// or not at all.
pub fn render(d: &Diagnostic, file_name: &str, text: &str) -> String {
    match d.location {
        Location::Span { .. } => render_indexed(d, file_name, text, &LineIndex::new(text)),
        _ => render_indexed(
            d,
            file_name,
            text,
            &LineIndex { starts: vec![0], utf16_starts: Default::default() },
        ),
    }
}

/// Annotations more than this many lines apart are framed in separate snippets (the later
/// ones under a `:::` line), so that a message costs the lines it shows, not the lines
/// between its label and its span (a file of many duplicates, each pointing back at the
/// first definition, was quadratic).
const NEAR_LINES: usize = 100;

/// Lines of a code frame up to this many columns are shown whole; longer ones are cut around
/// their annotations.
const LONG_LINE: usize = 1_000;

/// [`render`] with the text's line index given (built once per file: [`crate::scheme::SourceFile::line_index`]):
/// only the lines around the annotations are handed to the renderer.
pub fn render_indexed(d: &Diagnostic, file_name: &str, text: &str, index: &LineIndex) -> String {
    use annotate_snippets::{Level, Renderer, Snippet};
    let (level, sev) = match d.severity {
        Severity::Error => (Level::Error, "error"),
        Severity::Warning => (Level::Warning, "warning"),
    };
    match &d.location {
        Location::Span { span, .. } => {
            // an annotation's level picks its underline and whether its label gets a prefix:
            // `Error` draws `^` (the primary span, of errors and warnings alike), `Warning`
            // draws `-` (the labels); neither prefixes its label, as rustc draws them
            // groups of annotations, each its lines (first, last) and (range, label); the
            // primary span's group first
            let lines_of = |r: &std::ops::Range<usize>| {
                let last = if r.end > r.start { r.end - 1 } else { r.end };
                (index.line_of(r.start), index.line_of(last))
            };
            type Group<'l> = ((usize, usize), Vec<(std::ops::Range<usize>, Option<&'l str>, bool)>);
            let primary = clamp(text, *span);
            // a label on the primary span itself is drawn under its `^`
            let own = d.labels.iter().find(|l| l.span == *span).map(|l| l.message.as_str());
            let mut groups: Vec<Group<'_>> = vec![(lines_of(&primary), vec![(primary, own, true)])];
            for l in d.labels.iter().filter(|l| l.span != *span) {
                let r = clamp(text, l.span);
                let (a, b) = lines_of(&r);
                let near = groups.iter_mut().find(|((f, t), _)| {
                    a <= t.saturating_add(NEAR_LINES) && b.saturating_add(NEAR_LINES) >= *f
                });
                match near {
                    Some(((f, t), anns)) => {
                        *f = (*f).min(a);
                        *t = (*t).max(b);
                        anns.push((r, Some(&l.message), false));
                    }
                    None => groups.push(((a, b), vec![(r, Some(&l.message), false)])),
                }
            }
            let snippets = groups.into_iter().map(|((first, last), anns)| {
                let lines = index.lines_range(text.len(), first, last);
                let base = lines.start;
                let mut snippet =
                    Snippet::source(&text[lines]).line_start(first).origin(file_name).fold(true);
                for (r, label, is_primary) in anns {
                    let r = r.start - base..r.end - base;
                    // `Error` draws `^` (the primary span), `Warning` draws `-` (the labels)
                    let level = if is_primary { Level::Error } else { Level::Warning };
                    snippet = snippet.annotation(match label {
                        None => level.span(r),
                        Some(l) => level.span(r).label(l),
                    });
                }
                snippet
            });
            let mut message = level.title(&d.message).snippets(snippets);
            if let Some(help) = &d.help {
                message = message.footer(Level::Help.title(help));
            }
            // whole lines, as an editor shows them (rustc's default cuts lines at 140 columns),
            // up to LONG_LINE columns: a longer line (a generated file, a million characters
            // on one line) is cut around the annotations with `...`
            format!("{}\n", Renderer::plain().term_width(LONG_LINE).render(message))
        }
        // no source text to frame: the message, the place and the help, in the same layout
        Location::Row { .. } | Location::None => {
            let mut out = format!("{sev}: {}\n", d.message);
            if let Location::Row { file, row, column } = &d.location {
                out.push_str(&format!(" --> {file}"));
                if let Some(row) = row {
                    out.push_str(&format!(", row {row}"));
                }
                if let Some(column) = column {
                    out.push_str(&format!(", column `{column}`"));
                }
                out.push('\n');
            }
            if let Some(help) = &d.help {
                out.push_str(&format!("  = help: {help}\n"));
            }
            out
        }
    }
}

/// A span as a byte range inside the text, on character boundaries, without trailing
/// whitespace (some syntax nodes' spans end after the line break that follows them, and an
/// underline should stop at the last character written).
fn clamp(text: &str, span: Span) -> std::ops::Range<usize> {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(span.start as usize);
    let end = floor(span.end as usize).max(start);
    let trimmed = text[start..end].trim_end().len();
    start..start + if trimmed == 0 { end - start } else { trimmed }
}

/// Names longer than this many characters get no "did you mean": comparing them costs their
/// length squared per candidate (docs/language.md, "Limits").
pub const MAX_SUGGESTION_LEN: usize = 64;

/// The closest candidate to `name` by edit distance (ASCII case ignored), if close enough to
/// suggest: at most a third of the name's length (at least 1). Bounded work: a name longer
/// than [`MAX_SUGGESTION_LEN`] gets none, a candidate whose length differs by more than the
/// allowed distance is skipped on its length, and a comparison stops as soon as it cannot
/// come within the distance; ties go to the candidate first in sort order.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    suggest(name, candidates, &mut 0)
}

/// [`did_you_mean`], counting the edit-distance cells it works out in `cells`.
fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    cells: &mut usize,
) -> Option<&'a str> {
    let a: Vec<char> = name.chars().map(|c| c.to_ascii_lowercase()).collect();
    if a.len() > MAX_SUGGESTION_LEN {
        return None;
    }
    let limit = (a.len() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    let mut b: Vec<char> = Vec::new();
    let mut prev: Vec<usize> = Vec::new();
    let mut cur: Vec<usize> = Vec::new();
    for c in candidates {
        // A character is 1 to 4 bytes: rule out most candidates by their byte length alone.
        if c.len() + limit < a.len() || c.len() > 4 * (a.len() + limit) {
            continue;
        }
        b.clear();
        b.extend(c.chars().map(|c| c.to_ascii_lowercase()));
        if b.len().abs_diff(a.len()) > limit {
            continue;
        }
        let Some(d) = bounded_distance(&a, &b, limit, &mut prev, &mut cur, cells) else {
            continue;
        };
        let better = match best {
            None => true,
            Some((bd, bc)) => d < bd || (d == bd && c < bc),
        };
        if better {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The edit distance between `a` and `b` when it is at most `limit`; `None` as soon as every
/// cell of a row is over it (the distance only grows from there).
fn bounded_distance(
    a: &[char],
    b: &[char],
    limit: usize,
    prev: &mut Vec<usize>,
    cur: &mut Vec<usize>,
    cells: &mut usize,
) -> Option<usize> {
    prev.clear();
    prev.extend(0..=b.len());
    for (i, ca) in a.iter().enumerate() {
        cur.clear();
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let v = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur.push(v);
        }
        *cells += b.len();
        if cur.iter().all(|&v| v > limit) {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    prev.last().copied().filter(|&d| d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_the_closest_name_first_in_order() {
        let names = ["DM_COD", "DMRES_COD", "AST_COD", "dm_cod2"];
        assert_eq!(did_you_mean("DM_CDO", names), Some("DM_COD"));
        assert_eq!(did_you_mean("dm_cod", ["DM_COE", "DM_COD"]), Some("DM_COD"));
        assert_eq!(did_you_mean("ZZZZZZ", names), None);
        assert_eq!(did_you_mean("A", ["B", "C"]), Some("B"));
        assert_eq!(did_you_mean("£ab", ["£ac"]), Some("£ac"));
    }

    /// Issue #21: did-you-mean over 40,000-character names took 3.6 s. The work is bounded
    /// whatever the names' length: a long name costs no cells, and long candidates are
    /// ruled out on their length.
    #[test]
    fn did_you_mean_does_bounded_work_on_long_names() {
        let long: Vec<String> = (0..200).map(|k| format!("{}{k}", "x".repeat(40_000))).collect();
        let mut cells = 0;
        assert_eq!(suggest(&long[0], long.iter().map(String::as_str), &mut cells), None);
        assert_eq!(cells, 0);
        assert_eq!(suggest("xxxx", long.iter().map(String::as_str), &mut cells), None);
        assert_eq!(cells, 0);
        // names of the longest length suggested, 10,000 candidates of every nearby length:
        // each comparison is at most MAX_SUGGESTION_LEN squared cells, and most stop early
        let n = MAX_SUGGESTION_LEN;
        let name = "a".repeat(n);
        let cands: Vec<String> = (0..10_000).map(|k| format!("{}{k}", "b".repeat(n - 5))).collect();
        let mut cells = 0;
        assert_eq!(suggest(&name, cands.iter().map(String::as_str), &mut cells), None);
        assert!(cells <= cands.len() * (n / 3 + 2) * (n + n / 3), "{cells} cells");
        // a near miss is still found among them
        let mut with = cands.clone();
        with.push(format!("{}b", "a".repeat(n - 1)));
        assert_eq!(
            suggest(&name, with.iter().map(String::as_str), &mut 0),
            with.last().map(String::as_str)
        );
    }

    /// `pos` gives the UTF-16 offset from the start of the file as counting from the start
    /// does, at every character of a text with characters of 1 to 4 bytes (2 UTF-16 units for
    /// the emoji), CRLF line ends and an empty line; and on ASCII text.
    #[test]
    fn utf16_offsets_of_every_position_are_those_counted_from_the_start() {
        for text in ["a\n£x😀y\r\n\n€é😀😀\nlast", "plain\nascii\r\ntext\n", "", "😀"] {
            let index = LineIndex::new(text);
            for (byte, _) in text.char_indices().chain([(text.len(), ' ')]) {
                let p = pos(&index, text, byte);
                assert_eq!(p.offset, text[..byte].encode_utf16().count(), "{text:?} at {byte}");
                assert_eq!(p.byte, byte);
                let line_start = text[..byte].rfind('\n').map_or(0, |k| k + 1);
                assert_eq!(p.column, text[line_start..byte].encode_utf16().count() + 1);
            }
        }
    }

    /// Issue #21: `check --error-format json` of a file of many duplicates counted UTF-16
    /// units from the start of the file for every position (a 0.5 MB file: 232 s in a debug
    /// build). 20,000 messages over 1 MB of non-ASCII text, with their UTF-16 offsets checked;
    /// the cost is a benchmark's business (`robust/` cases), never a timed unit test, but
    /// counted from the start this test would take minutes.
    #[test]
    fn problems_of_many_messages_cost_one_pass_over_the_file() {
        let line = "codelist A \"£\" snomed { 1 }\n";
        let mut sources = crate::scheme::Sources::default();
        let f = sources.add("dup.qof", line.repeat(40_000));
        let text_len = sources.files[f].text.len();
        assert!(text_len > 1_000_000);
        let diags: Vec<Diagnostic> = (1..40_000)
            .step_by(2)
            .map(|k| {
                let at = k * line.len() + "codelist ".len();
                Diagnostic::error(Code::DuplicateName, f, Span::new(at, at + 1), "twice")
                    .with_label(Span::new(9, 10), "first defined here")
            })
            .collect();
        let problems = problems(&sources, &[f], &diags);
        assert_eq!(problems.len(), 20_000);
        let last = problems[19_999].start.unwrap();
        // `£` is 2 bytes and 1 UTF-16 unit: each line before is one unit shorter than in bytes
        assert_eq!((last.line, last.column), (39_999 + 1, 10));
        assert_eq!(last.offset, 39_999 * (line.len() - 1) + 9);
    }

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
    fn data_errors_convert_with_their_row_and_render_without_a_frame() {
        let e = crate::population::DataError::new("events.csv", Some(3), "bad date `2019-02-30`")
            .column("date")
            .help("write dates as YYYY-MM-DD");
        let d = Diagnostic::from(&e);
        assert_eq!(d.code, Code::BadData);
        assert_eq!(
            d.location,
            Location::Row { file: "events.csv".into(), row: Some(3), column: Some("date".into()) }
        );
        assert_eq!(
            render(&d, "", ""),
            "error: bad date `2019-02-30`\n \
             --> events.csv, row 3, column `date`\n  \
             = help: write dates as YYYY-MM-DD\n"
        );
    }

    #[test]
    fn errors_without_a_place_render_message_and_help() {
        let e = crate::national::NationalError {
            message: "no figures".into(),
            help: "give them".into(),
        };
        let d = Diagnostic::from(&e);
        assert_eq!((d.code, &d.location), (Code::National, &Location::None));
        assert_eq!(render(&d, "", ""), "error: no figures\n  = help: give them\n");
    }

    /// A label far from the span is framed on its own under a `:::` line: the renderer is
    /// given the lines around each annotation, never the lines between them (a file of many
    /// duplicates, each pointing back at the first, was quadratic). Near ones share a frame.
    #[test]
    fn far_labels_get_their_own_frame_and_near_ones_share_one() {
        let frame = |gap: usize| {
            let mut text = String::from("codelist A \"x\" snomed { 1 }\n");
            text.push_str(&"// filler\n".repeat(gap));
            let at = text.len() + "codelist ".len();
            text.push_str("codelist A \"y\" snomed { 2 }\n");
            let span = Span { start: at as u32, end: at as u32 + 1 };
            let first = Span { start: 9, end: 10 };
            let mut d =
                Diagnostic::error(Code::DuplicateName, 0, span, "code list `A` is defined twice");
            d.labels.push(Label { span: first, message: "first defined here".into() });
            render(&d, "t.qof", &text)
        };
        let near = frame(5);
        assert_eq!(
            near,
            "error: code list `A` is defined twice\n \
             --> t.qof:7:10\n  \
             |\n\
             1 | codelist A \"x\" snomed { 1 }\n  \
             |          - first defined here\n\
             2 | // filler\n\
             ...\n\
             6 | // filler\n\
             7 | codelist A \"y\" snomed { 2 }\n  \
             |          ^\n  \
             |\n"
        );
        let far = frame(NEAR_LINES + 5);
        assert_eq!(
            far,
            "error: code list `A` is defined twice\n   \
             --> t.qof:107:10\n    \
             |\n\
             107 | codelist A \"y\" snomed { 2 }\n    \
             |          ^\n    \
             |\n   \
             ::: t.qof:1:10\n    \
             |\n  \
             1 | codelist A \"x\" snomed { 1 }\n    \
             |          - first defined here\n    \
             |\n"
        );
    }

    /// A file's line index is built once and shared by every message and line number.
    #[test]
    fn a_source_file_builds_its_line_index_once() {
        let mut sources = crate::scheme::Sources::default();
        let f = sources.add("t.qof", "a\nb\nc\n");
        let file = &sources.files[f];
        assert!(std::ptr::eq(file.line_index(), file.line_index()));
        assert_eq!(file.line_index().line_of(2), 2);
        assert_eq!(file.line_index().line_of(99), 4);
    }

    /// A line of a million characters is framed around the span, not echoed whole.
    #[test]
    fn a_very_long_line_is_cut_around_the_span() {
        let text = format!("{}DM_COD{}\n", "x ".repeat(250_000), " y".repeat(250_000));
        let at = text.find("DM_COD").unwrap_or(0);
        let d =
            Diagnostic::error(Code::UndefinedName, 0, Span::new(at, at + 6), "no `DM_COD` here")
                .with_help("a hint");
        let out = render(&d, "long.qof", &text);
        assert!(out.len() < 4_000, "{} bytes", out.len());
        assert!(
            out.contains("DM_COD") && out.contains("^^^^^^") && out.contains("a hint"),
            "{out}"
        );
        assert!(out.contains(&format!("long.qof:1:{}", at + 1)), "{out}");
        // a line of ordinary length is still shown whole
        let short = format!("{}DM_COD\n", "x ".repeat(200));
        let d = Diagnostic::error(Code::UndefinedName, 0, Span::new(400, 406), "no `DM_COD` here");
        assert!(render(&d, "s.qof", &short).contains(&short[..400]));
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("DM_CDO", ["DM_COD", "AF_COD"]), Some("DM_COD"));
        assert_eq!(did_you_mean("XYZ", ["DM_COD"]), None);
    }
}
