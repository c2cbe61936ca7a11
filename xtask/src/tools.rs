//! Installing what the tasks need on a machine that has only Rust (with rustup) and Node:
//! the wasm32 target, wasm-bindgen-cli at the version in `Cargo.lock`, the npm packages of
//! `www/`, and Debian's Chromium for the browser tests. Each check is cheap, so a second run
//! installs nothing.

use crate::util::{self, cargo, cmd, probe, root, run, Result};
use std::path::PathBuf;
use std::process::Command;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Adds the wasm32 target with rustup unless it is installed.
pub fn ensure_wasm_target() -> Result {
    let installed = probe(cmd("rustup").args(["target", "list", "--installed"]));
    match installed {
        Some(list) if list.lines().any(|l| l.trim() == WASM_TARGET) => {
            println!("wasm target: {WASM_TARGET} is installed");
            Ok(())
        }
        Some(_) => run(cmd("rustup").args(["target", "add", WASM_TARGET])),
        None => {
            // no rustup: the target may still come with the toolchain (e.g. a distro Rust)
            let sysroot = probe(cmd("rustc").args(["--print", "sysroot"])).unwrap_or_default();
            let lib = PathBuf::from(sysroot.trim()).join("lib/rustlib").join(WASM_TARGET);
            if lib.is_dir() {
                Ok(())
            } else {
                Err(format!(
                    "the {WASM_TARGET} target is missing and rustup was not found\n  \
                     help: install rustup (https://rustup.rs), then run `rustup target add {WASM_TARGET}`"
                ))
            }
        }
    }
}

/// The `wasm-bindgen` version `name --version` reports (`wasm-bindgen 0.2.130` -> `0.2.130`).
fn tool_version(name: &str) -> Option<String> {
    let path = util::cargo_bin_dir().join(name);
    let program = if path.is_file() { path } else { PathBuf::from(name) };
    let out = probe(Command::new(program).arg("--version"))?;
    out.split_whitespace().nth(1).map(str::to_owned)
}

/// Installs wasm-bindgen-cli (`wasm-bindgen` and `wasm-bindgen-test-runner`) at exactly the
/// `wasm-bindgen` version in `Cargo.lock`, unless both are installed at that version. The
/// CLI must match the library or the generated glue does not fit the module.
pub fn ensure_wasm_bindgen() -> Result {
    let wanted = util::locked_version("wasm-bindgen")?;
    let have = tool_version("wasm-bindgen");
    let runner = tool_version("wasm-bindgen-test-runner");
    if have.as_deref() == Some(wanted.as_str()) && runner.as_deref() == Some(wanted.as_str()) {
        println!("wasm-bindgen-cli: {wanted} is installed");
        return Ok(());
    }
    match &have {
        Some(v) => println!("wasm-bindgen-cli: found {v}, Cargo.lock wants {wanted}; installing"),
        None => println!("wasm-bindgen-cli: installing {wanted} (once; this takes a few minutes)"),
    }
    let install = |locked: bool| {
        let mut c = cargo();
        c.args(["install", "--force", "wasm-bindgen-cli", "--version"]).arg(format!("={wanted}"));
        if locked {
            c.arg("--locked");
        }
        run(&mut c)
    };
    if let Err(e) = install(true) {
        // the lockfile published with wasm-bindgen-cli can name a dependency version the
        // registry no longer serves (yanked, or not mirrored); the CLI itself is still exactly
        // `wanted`, only its dependencies are then resolved afresh
        println!(
            "{e}\nwasm-bindgen-cli: retrying without --locked (newest compatible dependencies)"
        );
        install(false)?;
    }
    match tool_version("wasm-bindgen") {
        Some(v) if v == wanted => Ok(()),
        other => Err(format!(
            "installed wasm-bindgen-cli {wanted} but `wasm-bindgen --version` reports {}\n  \
             help: make sure `{}` is on PATH",
            other.as_deref().unwrap_or("nothing"),
            util::cargo_bin_dir().display()
        )),
    }
}

/// Runs `npm ci` in `www/` unless `node_modules` was installed from this very lockfile (a
/// stamp file in `node_modules` holds the lockfile and Node version it was installed from).
pub fn ensure_npm() -> Result {
    let www = root().join("www");
    let lock_path = www.join("package-lock.json");
    let lock = std::fs::read_to_string(&lock_path)
        .map_err(|e| format!("could not read `{}`: {e}", lock_path.display()))?;
    let node = probe(cmd("node").arg("--version")).ok_or_else(|| {
        "`node` was not found on PATH\n  help: install Node.js 20 or later (with npm)".to_owned()
    })?;
    let stamp_path = www.join("node_modules").join(".qofrules-installed");
    let stamp = format!("node {}\n{lock}", node.trim());
    if std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp) {
        println!("npm packages: www/node_modules is up to date");
        return Ok(());
    }
    run(cmd("npm").current_dir(&www).args(["ci", "--no-audit", "--no-fund"]))?;
    std::fs::write(&stamp_path, stamp)
        .map_err(|e| format!("could not write `{}`: {e}", stamp_path.display()))
}

/// Where the browser tests find Chromium: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH")
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Makes sure Chromium is there: installs Debian's package with apt-get when missing and we
/// are root. `Ok(Err(help))` when it is missing and cannot be installed here (the caller
/// decides whether that is a skip or a failure); `Err` when an install was tried and failed.
pub fn ensure_chromium() -> Result<std::result::Result<PathBuf, String>> {
    let path = chromium_path();
    if path.is_file() {
        println!("chromium: {}", path.display());
        return Ok(Ok(path));
    }
    let help = format!(
        "chromium was not found at `{}`\n  help: install it with `sudo apt-get update && sudo apt-get install -y chromium` \
         (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary",
        path.display()
    );
    let is_root = probe(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    let has_apt = PathBuf::from("/usr/bin/apt-get").is_file();
    if !(is_root && has_apt && std::env::var_os("CHROMIUM_PATH").is_none()) {
        return Ok(Err(help));
    }
    println!("chromium: installing Debian's package (once)");
    run(Command::new("apt-get").arg("update").env("DEBIAN_FRONTEND", "noninteractive"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "chromium"])
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    if path.is_file() {
        Ok(Ok(path))
    } else {
        Err(help)
    }
}

/// The DuckDB release the SQL backend is tested on: its Python package on PyPI.
pub const DUCKDB_VERSION: &str = "2.0.0";

/// The Python interpreter of a virtual environment (`target/sql-venv`) with the `duckdb`
/// package at [`DUCKDB_VERSION`], made with the machine's `python3 -m venv` and `pip` unless
/// it is there already. `tests/sql.rs` runs DuckDB (and SQLite, from Python's own `sqlite3`)
/// through it. PyPI's wheel carries the whole database engine, so nothing is downloaded from
/// anywhere but the package registry.
pub fn ensure_duckdb() -> Result<PathBuf> {
    let venv = util::target_dir().join("sql-venv");
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    let version = |py: &PathBuf| {
        probe(Command::new(py).args(["-c", "import duckdb, sqlite3; print(duckdb.__version__)"]))
            .map(|v| v.trim().to_owned())
    };
    if python.is_file() && version(&python).as_deref() == Some(DUCKDB_VERSION) {
        println!("duckdb: {DUCKDB_VERSION} in {}", venv.display());
        return Ok(python);
    }
    let system = ["python3", "python"]
        .into_iter()
        .find(|p| probe(Command::new(p).arg("--version")).is_some())
        .ok_or_else(|| {
            "python3 was not found on PATH\n  help: install Python 3.9 or later with its `venv` module \
             (Debian: `apt-get install python3-venv`)"
                .to_owned()
        })?;
    println!("duckdb: installing {DUCKDB_VERSION} from PyPI into {} (once)", venv.display());
    run(cmd(system).arg("-m").arg("venv").arg("--clear").arg(&venv))?;
    run(cmd(&python)
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("duckdb=={DUCKDB_VERSION}")))?;
    match version(&python) {
        Some(v) if v == DUCKDB_VERSION => Ok(python),
        other => Err(format!(
            "installed duckdb {DUCKDB_VERSION} but the virtual environment reports {}",
            other.unwrap_or_else(|| "no duckdb".into())
        )),
    }
}

/// The Spark release `cargo xtask test-spark` runs the SQL backend's Spark dialect on:
/// its Python package on PyPI, which carries Spark itself (it needs Java 17 or later).
pub const PYSPARK_VERSION: &str = "4.3.0";

/// The Python interpreter of a virtual environment (`target/spark-venv`) with `pyspark` at
/// [`PYSPARK_VERSION`], made as [`ensure_duckdb`] makes its own, unless it is there already.
pub fn ensure_pyspark() -> Result<PathBuf> {
    let venv = util::target_dir().join("spark-venv");
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    let version = |py: &PathBuf| {
        probe(Command::new(py).args(["-c", "import pyspark; print(pyspark.__version__)"]))
            .map(|v| v.trim().to_owned())
    };
    if probe(Command::new("java").arg("-version")).is_none() {
        return Err("java was not found on PATH\n  help: Spark needs Java 17 or later \
                    (Debian: `apt-get install openjdk-17-jre-headless`)"
            .to_owned());
    }
    if python.is_file() && version(&python).as_deref() == Some(PYSPARK_VERSION) {
        println!("pyspark: {PYSPARK_VERSION} in {}", venv.display());
        return Ok(python);
    }
    let system = ["python3", "python"]
        .into_iter()
        .find(|p| probe(Command::new(p).arg("--version")).is_some())
        .ok_or_else(|| "python3 was not found on PATH\n  help: install Python 3.10 or later with its `venv` module".to_owned())?;
    println!(
        "pyspark: installing {PYSPARK_VERSION} from PyPI into {} (once, about 450 MB)",
        venv.display()
    );
    run(cmd(system).arg("-m").arg("venv").arg("--clear").arg(&venv))?;
    run(cmd(&python)
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("pyspark=={PYSPARK_VERSION}")))?;
    match version(&python) {
        Some(v) if v == PYSPARK_VERSION => Ok(python),
        other => Err(format!(
            "installed pyspark {PYSPARK_VERSION} but the virtual environment reports {}",
            other.unwrap_or_else(|| "no pyspark".into())
        )),
    }
}
