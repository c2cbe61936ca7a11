//! A scheme and a population together: when the scheme checks and the population reads, the
//! evaluation, pay, explanations and in-file tests run without a panic, and the result does
//! not depend on the thread count. Parts: the scheme, then practices, patients and events.
//!
//! The checks live in `fuzz/entry.rs`, shared with the test suite (`tests/engine/fuzz_corpus.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../entry.rs"]
mod entry;

fuzz_target!(|data: &[u8]| entry::eval(data));
