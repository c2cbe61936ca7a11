//! Two schemes compared on a population: the comparison runs without a panic, renders, and a
//! scheme compared with itself is unchanged. Parts: scheme A, scheme B, then practices,
//! patients and events.
//!
//! The checks live in `fuzz/entry.rs`, shared with the test suite (`tests/fuzz_corpus.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../entry.rs"]
mod entry;

fuzz_target!(|data: &[u8]| entry::compare(data));
