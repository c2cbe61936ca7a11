//! Phase 1, parse: text -> syntax tree with spans ([`ast`]), via the pest grammar in
//! `grammar/qof.pest` ([`parse`]).

pub mod ast;
pub mod parse;

pub use parse::parse;
