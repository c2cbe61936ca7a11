//! The synthetic generator gives the same bytes on every platform: this test runs natively
//! (`cargo test`) and in wasm (`cargo test --target wasm32-unknown-unknown` with
//! `wasm-bindgen-test-runner` as the runner) against the same digest.
//!
//! The digest changes whenever the generator's output changes on purpose; update it then
//! (the failure message prints the new value), in the same commit, saying why.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::population::write_csv;
use qofrules::synth::{generate, Selection, SynthOptions, SynthYear};

fn fnv1a(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h ^= u64::from(b);
        *h = h.wrapping_mul(0x0100_0000_01b3);
    }
}

fn digest() -> (usize, usize, u64) {
    let opts = SynthOptions { seed: 42, scale: 0.05, year: SynthYear::Y2019_20 };
    // NHS Dudley CCG: 44 practices, about 16,800 patients.
    let pop = generate(&Selection::Ccg("05C".into()), &opts).unwrap();
    let (a, b, c) = write_csv(&pop, Vec::new(), Vec::new(), Vec::new()).unwrap();
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for part in [&a, &b, &c] {
        fnv1a(&mut h, part);
    }
    (pop.patients.len(), c.len(), h)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn same_bytes_on_every_platform() {
    let got = digest();
    assert_eq!(got, (16780, 5616836, 3555069144384895351), "digest of Dudley at 0.05, seed 42");
}
