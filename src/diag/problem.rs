//! The one serialised form of a [`Diagnostic`]: what `qofrules check --error-format json`
//! prints, what the editor's session replies carry, what `eval --format json` and `compare
//! --format json` list under `diagnostics`, and the TypeScript `Problem` of `www/`. Its
//! location is a file name with positions (a span in a rule file), a row and column (a data
//! file), or nothing.

use super::{Code, Diagnostic, LineIndex, Location, Severity};
use crate::scheme::Sources;
use serde::Serialize;

/// A position: 1-based line, 1-based column in UTF-16 code units (what the browser editor and
/// LSP count) and in UTF-8 bytes, the UTF-16 offset from the start of the file (what
/// CodeMirror counts) and the UTF-8 byte offset.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    pub byte: usize,
    pub column_byte: usize,
}

/// One problem: a diagnostic of a rule file, or an error in the data or the options.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub help: Option<String>,
    /// The file it is in (the edited text or a rule file given on the command line, a
    /// shipped parent `rules/...`, a data file's name), if any.
    pub file: Option<String>,
    /// True when it is in a root file: the edited text, or a file given on the command line
    /// (its span can be underlined).
    pub root: bool,
    pub start: Option<Pos>,
    pub end: Option<Pos>,
    /// The row of a data file (1-based; a CSV header is row 1).
    pub row: Option<usize>,
    /// The column or field of a data file.
    pub column: Option<String>,
    /// Secondary places in the same file ("first defined here").
    pub labels: Vec<ProblemLabel>,
}

/// A label of a problem: a secondary place in its file, with a note.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProblemLabel {
    pub message: String,
    pub start: Pos,
    pub end: Pos,
}

impl Problem {
    /// An error without a place.
    pub fn plain(code: Code, message: impl Into<String>, help: Option<String>) -> Self {
        Problem {
            severity: Severity::Error,
            code,
            message: message.into(),
            help,
            file: None,
            root: false,
            start: None,
            end: None,
            row: None,
            column: None,
            labels: Vec::new(),
        }
    }
}

/// The position of byte offset `byte` of `text`.
pub fn pos(index: &LineIndex, text: &str, byte: usize) -> Pos {
    let p = index.position(text, byte);
    let before = index.utf16_line_start(text, p.line - 1);
    Pos {
        line: p.line,
        column: p.column_utf16,
        offset: before + p.column_utf16 - 1,
        byte: p.offset,
        column_byte: p.column,
    }
}

/// Diagnostics as problems; `roots` are the file indices of the root files (the edited text,
/// the files named on the command line).
pub fn problems(sources: &Sources, roots: &[usize], diags: &[Diagnostic]) -> Vec<Problem> {
    diags
        .iter()
        .map(|d| {
            let mut p = Problem::plain(d.code, d.message.clone(), d.help.clone());
            p.severity = d.severity;
            match &d.location {
                Location::Span { file, span } => {
                    p.root = roots.contains(file);
                    if let Some(f) = sources.files.get(*file) {
                        // built once per file, shared with the code frames
                        let index = f.line_index();
                        p.labels = d
                            .labels
                            .iter()
                            .map(|l| ProblemLabel {
                                message: l.message.clone(),
                                start: pos(index, &f.text, l.span.start as usize),
                                end: pos(index, &f.text, l.span.end as usize),
                            })
                            .collect();
                        p.file = Some(f.name.clone());
                        p.start = Some(pos(index, &f.text, span.start as usize));
                        p.end = Some(pos(index, &f.text, span.end as usize));
                    }
                }
                Location::Row { file, row, column } => {
                    p.file = Some(file.clone());
                    p.row = *row;
                    p.column = column.clone();
                }
                Location::None => {}
            }
            p
        })
        .collect()
}

/// Problems outside any rule file (data, options, pay).
pub fn run_problems(diags: &[Diagnostic]) -> Vec<Problem> {
    problems(&Sources::default(), &[], diags)
}
