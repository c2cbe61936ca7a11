//! Streamed runs ([`super::Data::Stream`]): a population evaluated practice by practice as it
//! is read, each practice's patients dropped once counted, so memory is bounded by the largest
//! practice rather than the population. The front end opens the files and hands their readers
//! to the core's streamed readers ([`crate::population::stream_csv`],
//! [`crate::population::stream_ndjson`]) through a [`PopulationStream`]; the driver counts,
//! then decides national figures and pays exactly as for a population held whole, so the
//! results are the same bytes (`tests/streaming.rs`).

use super::{period_diagnostic, read_practice_inputs, run, Data, Inputs, Loaded, Run, RunError};
use crate::eval::{self, EventDates, StreamEval};
use crate::model::Population;
use crate::population::{Batch, Held, StreamEnd};

/// A population the driver reads practice by practice.
pub trait PopulationStream {
    /// Hands the population to `visit` a practice at a time (each [`Batch`] counted in
    /// `held` while it lives), and says how it ended: every practice handed over, with the
    /// practice list, or not streamable (rows not grouped by practice, or with errors), in
    /// which case the driver discards what it counted and asks for [`PopulationStream::whole`].
    fn stream(&self, held: &Held, visit: &mut dyn FnMut(Batch<'_>)) -> Result<StreamEnd, RunError>;

    /// The whole population, read as a population held in memory is (every error reported at
    /// its row): for files that cannot be streamed.
    fn whole(&self) -> Result<Population, RunError>;
}

/// How a streamed run went, counted by the driver.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Practices handed over.
    pub practices: usize,
    /// Patients handed over.
    pub patients: u64,
    /// The most patients of any practice.
    pub largest_practice: usize,
    /// The most patients held at once ([`Held::peak`]).
    pub peak_held: usize,
    /// Why the population was read whole instead, when it was.
    pub read_whole: Option<String>,
}

/// Runs a scheme on a streamed population ([`super::run`] with [`Data::Stream`]).
pub(super) fn run_stream(
    loaded: &Loaded,
    source: &dyn PopulationStream,
    inputs: &Inputs<'_>,
) -> Result<Run, RunError> {
    let scheme = &loaded.scheme;
    let held = Held::new();
    let mut counts = StreamEval::new(&loaded.program);
    let mut dates = EventDates::new(scheme.period_start, scheme.period_end);
    let mut stats = StreamStats::default();
    // The total is not known before the end: the bar counts without one.
    inputs.progress.begin("evaluating", 0, "patients");
    let end = source.stream(&held, &mut |batch: Batch<'_>| {
        for p in &batch.patients {
            dates.add(p);
        }
        counts.practice(&batch.practice_id, &batch.patients);
        stats.practices += 1;
        stats.patients += batch.patients.len() as u64;
        stats.largest_practice = stats.largest_practice.max(batch.patients.len());
        inputs.progress.advance(batch.patients.len() as u64);
    });
    inputs.progress.end();
    stats.peak_held = held.peak();
    match end? {
        StreamEnd::Done(practices) => {
            let evaluation = counts.finish(&practices);
            let warnings = dates.mismatch().map(period_diagnostic).into_iter().collect();
            let mut pay = eval::pay_inputs(scheme, &loaded.program, &evaluation, inputs.national)?;
            read_practice_inputs(&mut pay, &inputs.practice, scheme)?;
            Ok(Run { evaluation: Some(evaluation), inputs: pay, warnings, streamed: Some(stats) })
        }
        StreamEnd::Unstreamable(why) => {
            drop(counts);
            let pop = source.whole()?;
            let whole = Inputs { data: Data::Population(&pop), ..*inputs };
            let mut r = run(loaded, &whole)?;
            stats.read_whole = Some(why);
            r.streamed = Some(stats);
            Ok(r)
        }
    }
}
