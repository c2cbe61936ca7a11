//! Phase 6, compare: two schemes side by side. [`diff`] is the structural comparison of the
//! resolved schemes; the impact on a population (per indicator, practice and network, A vs B)
//! builds on the evaluator's results.

pub mod diff;

pub use diff::{diff, DiffStatus, FieldChange, IndicatorDiff, SchemeDiff};
