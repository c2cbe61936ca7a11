//! Errors found while reading population data: each names the file, the row (1-based, the
//! header is row 1) and the column, with a hint on how to fix it.

use crate::diag::{Code, Diagnostic, Location, Severity};

/// One problem in one place of a population file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", self.location())]
pub struct DataError {
    /// The file name as given by the caller (e.g. `events.csv`).
    pub file: String,
    /// 1-based row (CSV: the line on which the record starts; NDJSON: the line).
    pub row: Option<usize>,
    /// The column (CSV) or field (NDJSON) at fault.
    pub column: Option<String>,
    /// What is wrong, lowercase, user input in backticks.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl DataError {
    pub(crate) fn new(file: &str, row: Option<usize>, message: impl Into<String>) -> Self {
        DataError { file: file.to_string(), row, column: None, message: message.into(), help: None }
    }

    pub(crate) fn column(mut self, column: &str) -> Self {
        self.column = Some(column.to_string());
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Where the error is: `events.csv, row 3, column `date``.
    pub fn location(&self) -> String {
        let mut s = self.file.clone();
        if let Some(row) = self.row {
            s.push_str(&format!(", row {row}"));
        }
        if let Some(col) = &self.column {
            s.push_str(&format!(", column `{col}`"));
        }
        s
    }

    /// The full report, as the CLI prints every diagnostic ([`crate::diag::render`]): the
    /// message, a `-->` line with the file, row and column, and the help.
    pub fn render(&self) -> String {
        crate::diag::render(&Diagnostic::from(self), "", "").trim_end().to_string()
    }
}

/// Every problem found in a population (up to [`DataErrors::LIMIT`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", summary(.errors))]
pub struct DataErrors {
    pub errors: Vec<DataError>,
    /// True when reading stopped after [`DataErrors::LIMIT`] errors.
    pub truncated: bool,
}

impl DataErrors {
    /// Reading stops after this many errors.
    pub const LIMIT: usize = 50;

    pub(crate) fn push(&mut self, e: DataError) {
        if self.errors.len() < Self::LIMIT {
            self.errors.push(e);
        } else {
            self.truncated = true;
        }
    }

    pub(crate) fn full(&self) -> bool {
        self.errors.len() >= Self::LIMIT
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Every error rendered ([`crate::diag::render`]), then a `too-many-errors` one when
    /// reading stopped early, separated by blank lines.
    pub fn render(&self) -> String {
        let parts: Vec<String> =
            self.diagnostics("read again").iter().map(|d| crate::diag::render(d, "", "")).collect();
        parts.join("\n").trim_end().to_string()
    }
}

/// The first error, and how many more.
fn summary(errors: &[DataError]) -> String {
    match errors {
        [] => "no errors".into(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more errors)", rest.len()),
    }
}

impl From<DataError> for DataErrors {
    fn from(e: DataError) -> Self {
        DataErrors { errors: vec![e], truncated: false }
    }
}

impl From<&DataError> for Diagnostic {
    /// A `bad-data` error at the file, row and column.
    fn from(e: &DataError) -> Diagnostic {
        Diagnostic::at(
            Severity::Error,
            Code::BadData,
            Location::Row { file: e.file.clone(), row: e.row, column: e.column.clone() },
            e.message.clone(),
        )
        .with_optional_help(e.help.clone())
    }
}

impl DataErrors {
    /// Every error as a diagnostic, then a `too-many-errors` one when reading stopped early;
    /// `again` says how to read again (`read again`, `load the files again`).
    pub fn diagnostics(&self, again: &str) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self.errors.iter().map(Diagnostic::from).collect();
        if self.truncated {
            out.push(
                Diagnostic::at(
                    Severity::Error,
                    Code::TooManyErrors,
                    Location::None,
                    format!("stopped after {} errors", Self::LIMIT),
                )
                .with_help(format!("fix these and {again}")),
            );
        }
        out
    }
}
