//! The engine's integration tests (parse, check, compile, evaluate, pay, the readers, the
//! synthetic generator, the shipped schemes and the docs' examples), one module per former
//! test file: one test binary, so CI links one executable for them rather than twenty.
//! `tests/cli` holds the command line's, `tests/sql.rs` the SQL backend's (run alone by
//! `cargo xtask sql-check`), `tests/wasm` those that run under wasm32.
//!
//! Insta snapshots of these modules are in `tests/engine/snapshots/` (named after the module
//! path), proptest's regression seeds in `tests/proptest-regressions/MODULE.txt`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/resolved.rs"]
mod resolved;
#[path = "../common/rng.rs"]
mod rng;

mod aggregate;
mod boundary;
mod docs;
mod eval_html;
mod fmt;
mod fuzz_corpus;
mod national;
mod order_independence;
mod pay_models;
mod pay_props;
mod reference;
mod robustness;
mod schemes;
mod schemes_local;
mod shipped_tests;
mod snapshots;
mod streaming;
mod sweep;
mod synth_ranges;
mod synth_schemes;
mod witness;
