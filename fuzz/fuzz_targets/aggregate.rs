//! The aggregate readers (prevalence, national sums, achievement, historic, attested,
//! structure) on one text: no panic, every error at a line within the text.
//!
//! The checks live in `fuzz/entry.rs`, shared with the test suite (`tests/engine/fuzz_corpus.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../entry.rs"]
mod entry;

fuzz_target!(|data: &[u8]| entry::aggregate(data));
