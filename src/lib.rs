//! qofrules: a scheme-rules engine for pay-for-performance quality schemes in general practice.
//!
//! See `ARCHITECTURE.md` for the pipeline and the code map.

// The pest parser derived without pest's `std` feature refers to `alloc` (see Cargo.toml).
extern crate alloc;

pub mod aggregate;
pub mod boundary;
pub mod check;
pub mod compare;
pub mod compile;
#[cfg(test)]
mod contracts;
pub mod date;
pub mod diag;
pub mod eval;
pub mod fmt;
pub mod inspect;
pub mod model;
pub mod national;
mod par;
pub mod pay;
pub mod pipeline;
pub mod population;
pub mod progress;
pub mod reference;
pub mod report;
pub mod scheme;
pub mod session;
pub mod shipped;
pub mod sql;
pub mod sweep;
pub mod syntax;
pub mod synth;
pub mod table;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod witness;

/// The engine's version, as built.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
