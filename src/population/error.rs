//! Errors found while reading population data: each ([`DataError`], the one error type of
//! every data file, `crate::table`) names the file, the row (1-based, the header is row 1)
//! and the column, with a hint on how to fix it; [`DataErrors`] collects them.

use crate::diag::{Code, Diagnostic, Location, Severity};
pub use crate::table::DataError;

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

/// An error in one line: `events.csv, row 3, column `date`: message`.
fn headline(e: &DataError) -> String {
    format!("{}: {}", e.location(), e.message)
}

/// The first error, and how many more.
fn summary(errors: &[DataError]) -> String {
    match errors {
        [] => "no errors".into(),
        [one] => headline(one),
        [first, rest @ ..] => format!("{} (and {} more errors)", headline(first), rest.len()),
    }
}

impl From<DataError> for DataErrors {
    fn from(e: DataError) -> Self {
        DataErrors { errors: vec![e], truncated: false }
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
