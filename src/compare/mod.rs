//! Phase 6, compare: two schemes side by side. [`diff`] is the structural comparison of the
//! resolved schemes; [`impact`] (patient-level population) and [`impact_counts`] (published
//! counts) compute every figure under A and B and the difference, per indicator, practice and
//! network, from each scheme's own pay result; [`html::render`] turns a [`Comparison`] into one
//! self-contained HTML report; [`strata`] adds the reporting strata of either scheme. No I/O: the CLI and the wasm layer call these.

pub mod diff;
pub mod html;
pub mod impact;
pub mod strata;
pub mod table;

pub use diff::{diff, DiffStatus, FieldChange, IndicatorDiff, SchemeDiff};
pub use impact::{
    impact, impact_counts, impact_dated, impact_dated_with_progress, impact_with, national_err,
    Bucket, CompareError, Comparison, IndicatorFigures, IndicatorImpact, Level, Mover, Movers,
    NetworkImpact, PracticeImpact, SchemeRef, Side, TotalImpact, BUCKETS,
};
pub use strata::{ReportImpact, StratumCounts};

#[cfg(test)]
mod tests;
