//! Readers for aggregate inputs: NHS Digital's published QOF files (achievement in long
//! format, prevalence, practice structure) and two simple formats of our own (historic
//! achievement, attested items). Each parses a `&str` (the caller reads the file) into a
//! [`crate::pay::PracticeData`] for the pay phase. Errors name the file, the line and the column, with a
//! hint; no input makes a reader panic. See `docs/data-aggregate.md`.

pub mod csv;
mod readers;

use crate::diag::{Code, Diagnostic, Location, Severity};
use std::collections::BTreeMap;
use std::fmt;

pub use readers::{
    read_achievement, read_attested, read_historic, read_prevalence, read_structure,
    sum_prevalence, AchievementOptions, GroupSum, UnknownIndicators,
};

/// A problem in an input file, at a line (and column, when one is to blame).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{file}` line {line}{}: {message}{}", column_suffix(.column), help_suffix(.help))]
pub struct DataError {
    /// The file's name, as the caller gave it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The column's header name, when one column is to blame.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl DataError {
    pub(crate) fn at(file: &str, line: usize, column: Option<&str>, message: String) -> DataError {
        DataError {
            file: file.to_string(),
            line,
            column: column.map(str::to_string),
            message,
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: &str) -> DataError {
        self.help = Some(help.to_string());
        self
    }
}

fn column_suffix(column: &Option<String>) -> String {
    column.as_ref().map(|c| format!(", column `{c}`")).unwrap_or_default()
}

fn help_suffix(help: &Option<String>) -> String {
    help.as_ref().map(|h| format!("\n  help: {h}")).unwrap_or_default()
}

/// What a reader did, besides filling the data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Data rows read (the header excluded).
    pub rows: usize,
    /// Distinct practices mentioned.
    pub practices: usize,
    /// Things ignored or assumed, counted.
    pub warnings: Vec<ReadWarning>,
}

/// A counted warning from a reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadWarning {
    /// What was ignored or assumed.
    pub message: String,
    /// How many rows it concerned.
    pub rows: usize,
    /// The first line it concerned.
    pub first_line: usize,
}

impl fmt::Display for ReadWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} rows, first on line {})", self.message, self.rows, self.first_line)
    }
}

/// Counts warnings by message.
#[derive(Default)]
pub(crate) struct WarningCounter {
    map: BTreeMap<String, (usize, usize)>,
}

impl WarningCounter {
    pub(crate) fn add(&mut self, message: String, line: usize) {
        let e = self.map.entry(message).or_insert((0, line));
        e.0 += 1;
    }
    pub(crate) fn finish(self) -> Vec<ReadWarning> {
        self.map
            .into_iter()
            .map(|(message, (rows, first_line))| ReadWarning { message, rows, first_line })
            .collect()
    }
}

impl From<&DataError> for Diagnostic {
    /// A `bad-data` error at the file, line and column.
    fn from(e: &DataError) -> Diagnostic {
        Diagnostic::at(
            Severity::Error,
            Code::BadData,
            Location::Row { file: e.file.clone(), row: Some(e.line), column: e.column.clone() },
            e.message.clone(),
        )
        .with_optional_help(e.help.clone())
    }
}
