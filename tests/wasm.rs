//! Tests of the wasm-exported functions, run under Node by `wasm-bindgen-test-runner`
//! (`cargo test --target wasm32-unknown-unknown --test wasm`, as `cargo xtask test` does).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    let v = qofrules::wasm::version();
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
    // and it is a plain `major.minor.patch` the page can show as is
    let parts: Vec<&str> = v.split('.').collect();
    assert_eq!(parts.len(), 3, "version `{v}` is not major.minor.patch");
    assert!(parts.iter().all(|p| p.parse::<u32>().is_ok()), "version `{v}` is not numeric");
}
