//! Building the wasm package (`pkg/`) and the front end (`www/dist`).

use crate::tools::WASM_TARGET;
use crate::util::{cargo, cmd, root, run, target_dir, Result};
use std::path::PathBuf;
use std::process::Command;

/// The wasm module wasm-bindgen writes into `pkg/`.
pub fn pkg_wasm() -> PathBuf {
    root().join("pkg").join("qofrules_bg.wasm")
}

/// Builds the library for wasm32 in release and runs `wasm-bindgen --target web` into `pkg/`.
pub fn build_pkg() -> Result {
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
    run(cmd("wasm-bindgen")
        .args(["--target", "web", "--out-dir"])
        .arg(root().join("pkg"))
        .arg(&module))?;
    let (raw, gz) = wasm_size()?;
    println!("pkg/qofrules_bg.wasm: {} raw, {} gzipped", kib(raw), kib(gz));
    Ok(())
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
