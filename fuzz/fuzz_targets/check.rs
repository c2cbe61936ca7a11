//! The parser and the checker: no panic; every diagnostic lies within its file and renders;
//! a scheme comes back exactly when there are no errors, compiles, and `inspect` shows it.
//! Up to four files (a root and the files it may extend).
//!
//! The checks live in `fuzz/entry.rs`, shared with the test suite (`tests/engine/fuzz_corpus.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../entry.rs"]
mod entry;

fuzz_target!(|data: &[u8]| entry::check(data));
