//! The WebAssembly layer: a thin `wasm-bindgen` surface over the core, in the style of Ruff's
//! `ruff_wasm`. Compiled only for `wasm32`; it converts between JavaScript and core types and
//! does nothing else. `cargo xtask serve` builds it into `pkg/` with `wasm-bindgen --target web`.

use wasm_bindgen::prelude::*;

/// The engine's version, as built (`Cargo.toml`'s package version).
#[wasm_bindgen]
pub fn version() -> String {
    crate::version().to_owned()
}
