//! The formatter: a file it formats formats to itself again (idempotence) and still parses
//! without errors (the round trip keeps it a valid file).
//!
//! The checks live in `fuzz/entry.rs`, shared with the test suite (`tests/engine/fuzz_corpus.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../entry.rs"]
mod entry;

fuzz_target!(|data: &[u8]| entry::fmt(data));
