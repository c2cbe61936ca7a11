//! qofrules: a scheme-rules engine for pay-for-performance quality schemes in general practice.
//!
//! See `ARCHITECTURE.md` for the pipeline and the code map.

pub mod aggregate;
pub mod date;
pub mod model;
pub mod pay;

/// The engine's version, as built.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
