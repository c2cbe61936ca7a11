//! Readers for aggregate inputs: NHS Digital's published QOF files (achievement in long
//! format, prevalence, practice structure) and two simple formats of our own (historic
//! achievement, attested items). Each parses a `&str` (the caller reads the file) into a
//! [`crate::pay::PracticeData`] for the pay phase, through the located-field table reader
//! (`crate::table`, open headers). Errors ([`DataError`]) name the file, the line and the column, with a
//! hint; no input makes a reader panic. See `docs/data-aggregate.md`.

mod readers;

use std::collections::BTreeMap;
use std::fmt;

pub use crate::table::DataError;
pub use readers::{
    read_achievement, read_attested, read_attested_wanted, read_historic, read_historic_wanted,
    read_prevalence, read_structure, sum_prevalence, AchievementOptions, GroupSum,
    UnknownIndicators, Wanted,
};

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
