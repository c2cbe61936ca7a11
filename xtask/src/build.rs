//! Building the wasm package (`pkg/`) and the front end (`www/dist`).

use crate::tools::WASM_TARGET;
use crate::util::{cargo, cmd, root, run, target_dir, Result};
use std::path::PathBuf;
use std::process::Command;

/// The wasm module wasm-bindgen writes into `pkg/`.
pub fn pkg_wasm() -> PathBuf {
    root().join("pkg").join("qofrules_bg.wasm")
}

/// The gzipped size (`gzip -9`) the release wasm must stay under: 1.5 MiB (docs/editor.md).
pub const WASM_GZIP_LIMIT: u64 = 1536 * 1024;

/// Where the release module is kept with its function names (the `name` section), as
/// wasm-bindgen writes it: `pkg/` has the same module without them (55 KiB less gzipped), so a
/// `wasm-function[N]` in a stack trace from the page is function `N` of this one.
pub fn named_wasm_dir() -> PathBuf {
    target_dir().join("pkg-named")
}

/// Builds the library for wasm32 in release and runs `wasm-bindgen --target web` into `pkg/`,
/// without the `name` section (function names, for stack traces only; kept in
/// [`named_wasm_dir`]). Returns the module's size in bytes, raw and gzipped.
pub fn build_pkg() -> Result<(u64, u64)> {
    run(cargo().args([
        "build",
        "--release",
        "--lib",
        "--package",
        "qofrules",
        "--target",
        WASM_TARGET,
    ]))?;
    let module = target_dir().join(WASM_TARGET).join("release").join("qofrules.wasm");
    // the same output twice, with and without names: wasm-bindgen drops the section last, so
    // the functions are numbered alike in both
    run(cmd("wasm-bindgen")
        .args(["--target", "web", "--out-dir"])
        .arg(named_wasm_dir())
        .arg(&module))?;
    run(cmd("wasm-bindgen")
        .args(["--target", "web", "--remove-name-section", "--out-dir"])
        .arg(root().join("pkg"))
        .arg(&module))?;
    let (raw, gz) = wasm_size()?;
    println!("pkg/qofrules_bg.wasm: {} raw, {} gzipped", kib(raw), kib(gz));
    Ok((raw, gz))
}

/// Whether a gzipped size is under [`WASM_GZIP_LIMIT`]; the error gives the size and where to
/// look.
pub fn check_wasm_size(gz: u64) -> Result {
    if gz < WASM_GZIP_LIMIT {
        return Ok(());
    }
    Err(format!(
        "the release wasm is {gz} bytes gzipped ({}), not under the limit of {WASM_GZIP_LIMIT} \
         bytes (1.5 MiB, docs/editor.md)\n  \
         help: see what takes the space with `wasm-objdump -h pkg/qofrules_bg.wasm`, and the \
         size of each function in `{}` (it keeps their names)",
        kib(gz),
        named_wasm_dir().join("qofrules_bg.wasm").display()
    ))
}

/// Builds the library for wasm32 in debug (fast to build, for `cargo xtask browser-test`) and
/// runs `wasm-bindgen --target web` into `pkg/`.
pub fn build_pkg_debug() -> Result {
    run(cargo().args(["build", "--lib", "--package", "qofrules", "--target", WASM_TARGET]))?;
    let module = target_dir().join(WASM_TARGET).join("debug").join("qofrules.wasm");
    run(cmd("wasm-bindgen")
        .args(["--target", "web", "--out-dir"])
        .arg(root().join("pkg"))
        .arg(&module))
}

/// `npm run build` in `www/` (type-check, then the Vite build into `www/dist`).
pub fn build_www() -> Result {
    run(cmd("npm").current_dir(root().join("www")).args(["run", "build"]))
}

/// Size in bytes of the release wasm in `pkg/`: raw and gzipped (`gzip -9`).
pub fn wasm_size() -> Result<(u64, u64)> {
    let path = pkg_wasm();
    let raw = std::fs::metadata(&path)
        .map_err(|e| format!("could not read `{}`: {e}", path.display()))?
        .len();
    let gz = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&path)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| out.stdout.len() as u64)
        .ok_or_else(|| "could not run `gzip` to measure the compressed wasm size".to_owned())?;
    Ok((raw, gz))
}

pub fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_release_wasm_must_stay_under_one_and_a_half_mebibytes_gzipped() {
        assert_eq!(WASM_GZIP_LIMIT, 1_572_864);
        assert!(check_wasm_size(1_500_000).is_ok());
        assert!(check_wasm_size(WASM_GZIP_LIMIT - 1).is_ok());
        let e = check_wasm_size(WASM_GZIP_LIMIT).unwrap_err();
        assert!(
            e.starts_with(
                "the release wasm is 1572864 bytes gzipped (1536.0 KiB), not under the limit of \
                 1572864 bytes (1.5 MiB, docs/editor.md)\n  help: "
            ),
            "{e}"
        );
        assert!(check_wasm_size(WASM_GZIP_LIMIT + 10 * 1024).unwrap_err().contains("(1546.0 KiB)"));
    }
}
