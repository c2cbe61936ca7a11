//! Fuzzes the population readers (CSV and NDJSON): they must never panic, whatever they
//! accept must survive a write -> read round trip unchanged, and streaming `events.csv` in
//! tiny blocks split between threads gives the same result (population or errors) as reading
//! it whole on one thread.
//!
//! The input is split on the byte 0xFF (never valid UTF-8, so it cannot occur in a well-formed
//! file) into practices, patients and events.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qofrules::population::{
    read_csv, read_csv_stream_tuned, read_csv_with_threads, read_ndjson, write_csv, write_ndjson,
    Source,
};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0xFF);
    let practices = parts.next().unwrap_or(&[]);
    let patients = parts.next().unwrap_or(&[]);
    let events = parts.next().unwrap_or(&[]);

    let pr = Source::new("practices.csv", practices);
    let pa = Source::new("patients.csv", patients);
    let ev = Source::new("events.csv", events);
    let whole = read_csv_with_threads(pr, pa, ev, 1);
    let block = 1 + usize::from(data.first().copied().unwrap_or(0)) % 64;
    let mut stream = events;
    let streamed = read_csv_stream_tuned(pr, pa, "events.csv", &mut stream, 3, block, 0)
        .expect("a slice never fails to read");
    assert_eq!(streamed, whole);
    if let Ok(pop) = whole {
        let (a, b, c) = write_csv(&pop, Vec::new(), Vec::new(), Vec::new()).unwrap();
        let again = read_csv(
            Source::new("practices.csv", &a),
            Source::new("patients.csv", &b),
            Source::new("events.csv", &c),
        )
        .expect("written CSV reads back");
        assert_eq!(again, pop);
    }

    let nd = Source::new("patients.ndjson", patients);
    for with_practices in [None, Some(pr)] {
        if let Ok(pop) = read_ndjson(with_practices, nd) {
            let (a, b) = write_ndjson(&pop, Vec::new(), Vec::new()).unwrap();
            let again = read_ndjson(
                Some(Source::new("practices.csv", &a)),
                Source::new("patients.ndjson", &b),
            )
            .expect("written NDJSON reads back");
            assert_eq!(again, pop);
        }
    }
});
