//! The population readers: no panic; what they accept comes back unchanged from a write and a
//! second read; streaming (`events.csv` in tiny blocks over threads, NDJSON a line at a time)
//! gives the same result, errors included, as reading from memory. Parts: practices,
//! patients (also read as NDJSON), events.
//!
//! The checks live in `fuzz/entry.rs`, shared with the test suite (`tests/engine/fuzz_corpus.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../entry.rs"]
mod entry;

fuzz_target!(|data: &[u8]| entry::data_readers(data));
