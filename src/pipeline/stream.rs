//! Streamed runs ([`super::Data::Stream`]): a population evaluated practice by practice as it
//! is read, each practice's patients dropped once counted, so memory is bounded by the largest
//! practice rather than the population. The front end opens the files and hands their readers
//! to the core's streamed readers ([`crate::population::stream_csv`],
//! [`crate::population::stream_ndjson`]) through a [`PopulationStream`]; the driver counts,
//! then decides national figures and pays exactly as for a population held whole, so the
//! results are the same bytes (`tests/engine/streaming.rs`).

use super::{period_diagnostic, read_practice_inputs, run, Data, Inputs, Loaded, Run, RunError};
use crate::eval::{self, EventDates, StreamEval};
use crate::model::Population;
use crate::population::{Batch, Held, Pending, StreamEnd};
use std::sync::atomic::{AtomicBool, Ordering};

/// A population the driver reads practice by practice.
pub trait PopulationStream {
    /// Hands the population to `visit` a practice at a time (each [`Batch`] counted in
    /// `held` while it lives), and says how it ended: every practice handed over, with the
    /// practice list, or not streamable (rows not grouped by practice, or with errors), in
    /// which case the driver discards what it counted and asks for [`PopulationStream::whole`].
    fn stream<'h>(
        &self,
        held: &'h Held,
        visit: &mut dyn FnMut(Pending<'h>),
    ) -> Result<StreamEnd, RunError>;

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
    /// The most patients held at once ([`Held::peak`]): at most the largest practice on one
    /// thread, one practice per evaluation thread and the one being read on several.
    pub peak_held: usize,
    /// Why the population was read whole instead, when it was.
    pub read_whole: Option<String>,
}

/// What one evaluation thread of a stream counted.
struct Share<'p> {
    counts: StreamEval<'p>,
    dates: EventDates,
    stats: StreamStats,
}

impl<'p> Share<'p> {
    fn new(loaded: &'p Loaded) -> Self {
        let s = &loaded.scheme;
        Share {
            counts: StreamEval::new(&loaded.program),
            dates: EventDates::new(s.period_start, s.period_end),
            stats: StreamStats::default(),
        }
    }

    /// Reads and counts one practice (its patients are dropped on return); a practice whose
    /// rows have an error is noted in `failed`.
    fn take(
        &mut self,
        p: Pending<'_>,
        failed: &AtomicBool,
        progress: &dyn crate::progress::Progress,
    ) {
        match p.read() {
            Some(batch) => self.count(batch, progress),
            None => failed.store(true, Ordering::SeqCst),
        }
    }

    fn count(&mut self, batch: Batch<'_>, progress: &dyn crate::progress::Progress) {
        for p in &batch.patients {
            self.dates.add(p);
        }
        self.counts.practice(&batch.practice_id, &batch.patients);
        let n = batch.patients.len();
        self.stats.practices += 1;
        self.stats.patients += n as u64;
        self.stats.largest_practice = self.stats.largest_practice.max(n);
        progress.advance(n as u64);
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    fn absorb(&mut self, o: Share<'_>) {
        self.counts.absorb(o.counts);
        self.dates.merge(&o.dates);
        self.stats.practices += o.stats.practices;
        self.stats.patients += o.stats.patients;
        self.stats.largest_practice = self.stats.largest_practice.max(o.stats.largest_practice);
    }
}

/// Streams `source` into `threads` evaluation threads: the calling thread splits the files
/// by practice, and hands each practice's rows to the next free thread (a rendezvous: no
/// practice waits in a queue), which reads, checks and counts them, so at most one practice's
/// patients per thread are held. One thread: read and
/// evaluated in turn, one practice held. Returns the counts, the stream's end, and the
/// practice ids in the order they came.
fn stream_into<'p>(
    loaded: &'p Loaded,
    source: &dyn PopulationStream,
    held: &Held,
    threads: usize,
    progress: &dyn crate::progress::Progress,
) -> (Share<'p>, Result<StreamEnd, RunError>, Vec<String>) {
    let mut came = Vec::new();
    let mut share = Share::new(loaded);
    let failed = AtomicBool::new(false);
    let failed = &failed;
    // A practice's rows with an error: the files are read whole, which reports it.
    let end_of = |end: Result<StreamEnd, RunError>| match end {
        Ok(StreamEnd::Done(_)) if failed.load(Ordering::SeqCst) => {
            Ok(StreamEnd::Unstreamable("a practice's rows have errors".into()))
        }
        e => e,
    };
    #[cfg(not(target_arch = "wasm32"))]
    if threads > 1 {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Pending<'_>>(0);
        let rx = std::sync::Mutex::new(rx);
        let (shares, end) = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let rx = &rx;
                    s.spawn(move || {
                        let mut mine = Share::new(loaded);
                        loop {
                            let next = match rx.lock() {
                                Ok(r) => r.recv(),
                                Err(_) => break,
                            };
                            match next {
                                Ok(p) => mine.take(p, failed, progress),
                                Err(_) => break,
                            }
                        }
                        mine
                    })
                })
                .collect();
            let end = source.stream(held, &mut |p| {
                came.push(p.practice_id().to_string());
                // The threads only stop when the channel closes, after the stream.
                let _ = tx.send(p);
            });
            drop(tx);
            (crate::par::join_in_order(handles), end)
        });
        for o in shares {
            share.absorb(o);
        }
        return (share, end_of(end), came);
    }
    let _ = threads;
    let end = source.stream(held, &mut |p| {
        came.push(p.practice_id().to_string());
        share.take(p, failed, progress);
    });
    (share, end_of(end), came)
}

/// Runs a scheme on a streamed population ([`super::run`] with [`Data::Stream`]).
pub(super) fn run_stream(
    loaded: &Loaded,
    source: &dyn PopulationStream,
    inputs: &Inputs<'_>,
) -> Result<Run, RunError> {
    let scheme = &loaded.scheme;
    let held = Held::new();
    #[cfg(not(target_arch = "wasm32"))]
    let threads = match inputs.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    #[cfg(target_arch = "wasm32")]
    let threads = 1;
    // The total is not known before the end: the bar counts without one.
    inputs.progress.begin("evaluating", 0, "patients");
    let (share, end, came) = stream_into(loaded, source, &held, threads, inputs.progress);
    inputs.progress.end();
    let Share { counts, dates, mut stats } = share;
    stats.peak_held = held.peak();
    match end? {
        StreamEnd::Done(practices) => {
            let evaluation = counts.finish(&practices, &came);
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
