//! The shipped schemes: every `rules/*.qof` file, embedded at build time (see `build.rs`), so
//! that a local variant can `extends qof_2019_20` without the files being on disk, natively and
//! in the browser.

/// `(path, text)` of each shipped scheme, sorted by path (e.g. `rules/qof-2019-20.qof`).
pub const SCHEMES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/shipped.rs"));
