//! The tests that run under wasm32 (`cargo test --target wasm32-unknown-unknown --test wasm`,
//! under Node by `wasm-bindgen-test-runner`, as `cargo xtask test` does): the wasm-exported
//! functions (wasm32 only) and the synthetic generator's determinism digest (natively too).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod exports;
mod synth_determinism;
