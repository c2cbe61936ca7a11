//! Progress of long runs, reported by the core and drawn by a front end.
//!
//! The core does no I/O: a phase that takes long (evaluating a population) is handed a
//! [`Progress`] and tells it how much work there is and how much is done. The CLI draws a bar
//! on a terminal (`src/cli/progress.rs`); everything else passes [`Silent`]. Reports never
//! change a result: they are called from the evaluation threads in any order, and only add
//! up.

/// Receives a run's progress. Every method has a default that does nothing.
pub trait Progress: Sync {
    /// A stage starts: `what` it does (`evaluating`), and its total in `unit`s (`patients`).
    fn begin(&self, what: &str, total: u64, unit: &str) {
        let _ = (what, total, unit);
    }
    /// `n` more units are done (from any thread).
    fn advance(&self, n: u64) {
        let _ = n;
    }
    /// The stage is over.
    fn end(&self) {}
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {}
