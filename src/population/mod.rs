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

mod csv;
mod error;
mod read;
mod write;

pub use error::{DataError, DataErrors};
pub use read::is_snomed_id;
pub use write::{
    write_csv, write_ndjson, CsvWriter, NdjsonWriter, EVENTS_HEADER, PATIENTS_HEADER,
    PRACTICES_HEADER,
};

use crate::model::{Patient, Population, Practice};
use read::FxMap;

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

/// Reads a CSV population from its three files.
pub fn read_csv(
    practices: Source<'_>,
    patients: Source<'_>,
    events: Source<'_>,
) -> Result<Population, DataErrors> {
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
        read::read_events(
            &events,
            &mut patient_list,
            &index,
            &rejected,
            usable,
            patients.name,
            &mut errors,
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    sort_events(&mut patient_list);
    Ok(Population { practices: practice_list, patients: patient_list })
}

/// Reads an NDJSON population: `patients` holds one patient per line. With `practices`
/// (a `practices.csv`), every patient's practice must be listed there; without it, the
/// practices are the distinct practice ids of the patients, in order of first appearance,
/// named after their id and in no network.
pub fn read_ndjson(
    practices: Option<Source<'_>>,
    patients: Source<'_>,
) -> Result<Population, DataErrors> {
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
    let mut patient_list =
        read::read_ndjson_patients(&patients, pindex.as_ref(), pfile, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    sort_events(&mut patient_list);
    let practice_list = if practices.is_some() {
        practice_list
    } else {
        let mut seen: FxMap<&str, ()> = FxMap::default();
        let mut list = Vec::new();
        for p in &patient_list {
            if seen.insert(&p.practice_id, ()).is_none() {
                list.push(Practice {
                    practice_id: p.practice_id.clone(),
                    practice_name: p.practice_id.clone(),
                    network_id: String::new(),
                });
            }
        }
        list
    };
    Ok(Population { practices: practice_list, patients: patient_list })
}

#[cfg(test)]
mod tests;
