//! Population input and output: CSV folders and NDJSON, without touching the file system.
//!
//! Readers take the bytes of each file and the file's name (for messages); writers write to
//! any [`std::io::Write`]. The formats are specified in `docs/data.md`:
//!
//! - CSV: `practices.csv` (`practice_id,practice_name,network_id`), `patients.csv`
//!   (`patient_id,practice_id,birth_date,sex,registered_on,deregistered_on` and optionally
//!   `deprivation_decile`), `events.csv` (`patient_id,date,code,value`).
//! - NDJSON: `practices.csv` as above and `patients.ndjson`, one [`Patient`] per line with
//!   its events.
//!
//! Reading reports every problem (up to [`DataErrors::LIMIT`]) with file, row, column and a
//! hint, and returns a population only when there is none. Events come out sorted by date
//! per patient (stable: same-day events keep their file order).

pub(crate) mod csv;
mod error;
mod read;
mod stream;
mod write;

pub use error::{DataError, DataErrors};
pub use read::{is_snomed_id, MAX_LINE_BYTES};
pub use stream::{
    find_patient_csv, find_patient_ndjson, looks_grouped_csv, stream_csv, stream_ndjson, Batch,
    Found, Held, Pending, StreamEnd, SNIFF_BYTES,
};
pub use write::{
    write_csv, write_ndjson, CsvWriter, NdjsonWriter, PopulationWriter, EVENTS_HEADER,
    PATIENTS_HEADER, PRACTICES_HEADER,
};

use crate::model::{Patient, Population, Practice};
pub(crate) use read::{FxMap, FxSet};

/// One input file: its name (used in messages) and its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
}

impl<'a> Source<'a> {
    pub fn new(name: &'a str, data: &'a [u8]) -> Self {
        Source { name, data }
    }
}

/// The conventional file names of a population folder.
pub const PRACTICES_FILE: &str = "practices.csv";
pub const PATIENTS_FILE: &str = "patients.csv";
pub const EVENTS_FILE: &str = "events.csv";
pub const NDJSON_FILE: &str = "patients.ndjson";

/// How a population's files are laid out: the one detection the CLI (a folder's files) and
/// the editor's session (the files chosen) share, and the writer of each layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `practices.csv`, `patients.csv` and `events.csv`.
    Csv,
    /// `practices.csv` (optional when reading) and one patient per line, with their events,
    /// in `patients.ndjson`.
    Ndjson,
}

impl Format {
    /// The files of the layout, in the order its writer takes them.
    pub const fn files(self) -> &'static [&'static str] {
        match self {
            Format::Csv => &[PRACTICES_FILE, PATIENTS_FILE, EVENTS_FILE],
            Format::Ndjson => &[PRACTICES_FILE, NDJSON_FILE],
        }
    }

    /// True for the name (or path) of an NDJSON file of patients: `.ndjson` or `.jsonl`.
    pub fn is_ndjson_name(name: &str) -> bool {
        name.ends_with(".ndjson") || name.ends_with(".jsonl")
    }

    /// The layout of a population given as files with these names (paths or base names):
    /// NDJSON when one is an NDJSON file of patients and none is `patients.csv`, else CSV.
    pub fn detect<'a>(names: impl IntoIterator<Item = &'a str>) -> Format {
        let (mut ndjson, mut csv) = (false, false);
        for name in names {
            ndjson |= Format::is_ndjson_name(name);
            csv |= name.rsplit(['/', '\\']).next() == Some(PATIENTS_FILE);
        }
        if ndjson && !csv {
            Format::Ndjson
        } else {
            Format::Csv
        }
    }

    /// A streaming writer of this layout over `writers`, one per file of [`Format::files`] in
    /// that order (it writes the headers at once).
    pub fn writer<'w, W: std::io::Write + 'w>(
        self,
        writers: Vec<W>,
    ) -> std::io::Result<Box<dyn PopulationWriter<W> + 'w>> {
        let wrong = |w: Vec<W>| {
            let (files, given) = (self.files().len(), w.len());
            let message = format!("{files} files need {files} writers, not {given}");
            std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
        };
        Ok(match self {
            Format::Csv => {
                let [a, b, c]: [W; 3] = writers.try_into().map_err(wrong)?;
                Box::new(CsvWriter::new(a, b, c)?)
            }
            Format::Ndjson => {
                let [a, b]: [W; 2] = writers.try_into().map_err(wrong)?;
                Box::new(NdjsonWriter::new(a, b)?)
            }
        })
    }
}

fn practice_index(practices: &[Practice]) -> FxMap<String, usize> {
    practices.iter().enumerate().map(|(i, p)| (p.practice_id.clone(), i)).collect()
}

fn sort_events(patients: &mut [Patient]) {
    for p in patients {
        if p.events.windows(2).any(|w| w[1].date < w[0].date) {
            p.sort_events();
        }
    }
}

/// The number of threads the readers use by default: every core natively, one in wasm.
pub fn default_threads() -> usize {
    crate::par::available_threads()
}

/// Reads a CSV population from its three files, on every core natively (a large
/// `events.csv` is split between threads; see [`read_csv_with_threads`]), on one thread in
/// wasm.
pub fn read_csv(
    practices: Source<'_>,
    patients: Source<'_>,
    events: Source<'_>,
) -> Result<Population, DataErrors> {
    read_csv_with_threads(practices, patients, events, default_threads())
}

/// Reads a CSV population from its three files with at most `threads` threads: an
/// `events.csv` of a few megabytes or more without quotes is split at line ends and its
/// stretches read in parallel. The result (population, or errors and their order) does not
/// depend on the number of threads; wasm32 always uses one.
pub fn read_csv_with_threads(
    practices: Source<'_>,
    patients: Source<'_>,
    events: Source<'_>,
    threads: usize,
) -> Result<Population, DataErrors> {
    let split = Split { threads, min_parallel: read::PARALLEL_MIN_BYTES, block: 0 };
    match read_csv_inner(practices, patients, read::EventsInput::Bytes(&events), split) {
        Ok(r) => r,
        // Bytes in memory are never an I/O error.
        Err(e) => Err(DataError::new(events.name, None, format!("cannot read: {e}")).into()),
    }
}

/// Reads a CSV population whose `events.csv` (named `events_name` in messages) is streamed
/// from `events`, a block of a few megabytes at a time, so the largest file is never whole
/// in memory; otherwise as [`read_csv_with_threads`]. An error reading the stream is the
/// outer `Err`.
pub fn read_csv_stream(
    practices: Source<'_>,
    patients: Source<'_>,
    events_name: &str,
    events: &mut dyn std::io::Read,
    threads: usize,
) -> std::io::Result<Result<Population, DataErrors>> {
    read_csv_stream_tuned(
        practices,
        patients,
        events_name,
        events,
        threads,
        read::BLOCK_BYTES,
        read::PARALLEL_MIN_BYTES,
    )
}

/// [`read_csv_stream`] with its tuning made explicit: `events.csv` is read `block_bytes` at a
/// time and a block of at least `min_parallel_bytes` is split between `threads`. The result
/// does not depend on any of the three (the fuzzer and the tests check it with tiny blocks).
pub fn read_csv_stream_tuned(
    practices: Source<'_>,
    patients: Source<'_>,
    events_name: &str,
    events: &mut dyn std::io::Read,
    threads: usize,
    block_bytes: usize,
    min_parallel_bytes: usize,
) -> std::io::Result<Result<Population, DataErrors>> {
    let split = Split { threads, min_parallel: min_parallel_bytes, block: block_bytes };
    let input = read::EventsInput::Stream { name: events_name, reader: events };
    read_csv_inner(practices, patients, input, split)
}

/// How `events.csv` is split: threads, the smallest stretch worth a thread, the block size
/// of a stream.
#[derive(Clone, Copy)]
struct Split {
    threads: usize,
    min_parallel: usize,
    block: usize,
}

fn read_csv_inner(
    practices: Source<'_>,
    patients: Source<'_>,
    events: read::EventsInput<'_, '_>,
    split: Split,
) -> std::io::Result<Result<Population, DataErrors>> {
    let mut errors = DataErrors::default();
    let practice_list = read::read_practices(&practices, &mut errors);
    // When practices.csv has errors, checking patients against it would only repeat them.
    let pindex = errors.is_empty().then(|| practice_index(&practice_list));
    let read = read::read_patients(&patients, pindex.as_ref(), practices.name, &mut errors);
    // Without a usable patients.csv the events are still checked, but not their patient ids.
    let usable = read.is_some();
    let (mut patient_list, index, rejected) =
        read.unwrap_or_else(|| (Vec::new(), read::IdIndex::empty(), Default::default()));
    if !errors.full() {
        let args = read::EventsArgs {
            index: &index,
            rejected: &rejected,
            usable,
            patients_file: patients.name,
            threads: split.threads,
            min_parallel: split.min_parallel,
            block: split.block,
        };
        read::read_events(events, &mut patient_list, &args, &mut errors)?;
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    sort_events(&mut patient_list);
    Ok(Ok(Population { practices: practice_list, patients: patient_list }))
}

/// Reads an NDJSON population: `patients` holds one patient per line. With `practices`
/// (a `practices.csv`), every patient's practice must be listed there; without it, the
/// practices are the distinct practice ids of the patients, in order of first appearance,
/// named after their id and in no network.
pub fn read_ndjson(
    practices: Option<Source<'_>>,
    patients: Source<'_>,
) -> Result<Population, DataErrors> {
    let read = |pindex: Option<&FxMap<String, usize>>, pfile: &str, errors: &mut DataErrors| {
        Ok(read::read_ndjson_patients(&patients, pindex, pfile, errors))
    };
    match read_ndjson_inner(practices, read) {
        Ok(r) => r,
        Err(e) => Err(DataError::new(patients.name, None, format!("cannot read: {e}")).into()),
    }
}

/// Reads an NDJSON population as [`read_ndjson`] does, with the patients streamed from
/// `patients` a line at a time (never the whole file in memory; a line may be at most
/// [`MAX_LINE_BYTES`]). The outer error is a failure to read the stream.
pub fn read_ndjson_stream(
    practices: Option<Source<'_>>,
    patients_name: &str,
    patients: &mut dyn std::io::Read,
) -> std::io::Result<Result<Population, DataErrors>> {
    read_ndjson_inner(practices, |pindex, pfile, errors| {
        read::read_ndjson_stream(patients_name, patients, pindex, pfile, errors)
    })
}

fn read_ndjson_inner(
    practices: Option<Source<'_>>,
    read_patients: impl FnOnce(
        Option<&FxMap<String, usize>>,
        &str,
        &mut DataErrors,
    ) -> std::io::Result<Vec<Patient>>,
) -> std::io::Result<Result<Population, DataErrors>> {
    let mut errors = DataErrors::default();
    let (practice_list, pindex) = match &practices {
        Some(src) => {
            let list = read::read_practices(src, &mut errors);
            let index = errors.is_empty().then(|| practice_index(&list));
            (list, index)
        }
        None => (Vec::new(), None),
    };
    let pfile = practices.map_or(PRACTICES_FILE, |s| s.name);
    let mut patient_list = read_patients(pindex.as_ref(), pfile, &mut errors)?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    sort_events(&mut patient_list);
    let practice_list = if practices.is_some() {
        practice_list
    } else {
        let mut seen: FxSet<&str> = FxSet::default();
        let mut list = Vec::new();
        for p in &patient_list {
            if seen.insert(&p.practice_id) {
                list.push(Practice {
                    practice_id: p.practice_id.clone(),
                    practice_name: p.practice_id.clone(),
                    network_id: String::new(),
                });
            }
        }
        list
    };
    Ok(Ok(Population { practices: practice_list, patients: patient_list }))
}

#[cfg(test)]
mod tests;
