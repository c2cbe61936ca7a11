//! Paths and process helpers shared by the tasks.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Errors are messages for the person at the terminal.
pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (the folder holding the top-level `Cargo.toml`).
pub fn root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir.parent().map(Path::to_path_buf).unwrap_or(manifest_dir)
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set, else `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                std::env::current_dir().map(|cwd| cwd.join(&dir)).unwrap_or(dir)
            }
        }
        _ => root().join("target"),
    }
}

/// Where `cargo install` puts binaries: `$CARGO_HOME/bin`, else `~/.cargo/bin`.
pub fn cargo_bin_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(home).join("bin");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    home.join(".cargo").join("bin")
}

/// `PATH` with the cargo bin dir first, so that tools we install are the ones found (also by
/// cargo itself, for the wasm32 runner named in `.cargo/config.toml`).
pub fn path_with_cargo_bin() -> std::ffi::OsString {
    let mut dirs = vec![cargo_bin_dir()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_else(|_| std::env::var_os("PATH").unwrap_or_default())
}

/// True when running in CI (`CI` set to anything but empty, `0` or `false`).
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// The `cargo` that runs us (so the same toolchain is used throughout).
pub fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut c = Command::new(cargo);
    c.current_dir(root()).env("PATH", path_with_cargo_bin());
    c
}

/// A command run from the workspace root, with the cargo bin dir on `PATH`.
pub fn cmd(program: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root()).env("PATH", path_with_cargo_bin());
    c
}

/// How a command looks on a shell line, for logs and errors.
pub fn show(c: &Command) -> String {
    let mut s = c.get_program().to_string_lossy().into_owned();
    for a in c.get_args() {
        let a = a.to_string_lossy();
        s.push(' ');
        if a.is_empty() || a.contains(|ch: char| ch.is_whitespace() || ch == '\'') {
            s.push_str(&format!("'{}'", a.replace('\'', r"'\''")));
        } else {
            s.push_str(&a);
        }
    }
    s
}

fn announce(c: &Command) {
    println!("$ {}", show(c));
    let _ = std::io::stdout().flush();
}

fn spawn_error(c: &Command, e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        format!("`{}` was not found on PATH", c.get_program().to_string_lossy())
    } else {
        format!("could not start `{}`: {e}", show(c))
    }
}

/// Runs a command with inherited output; an error unless it exits successfully.
pub fn run(c: &mut Command) -> Result {
    announce(c);
    let status = c.status().map_err(|e| spawn_error(c, &e))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", show(c)))
    }
}

/// Runs a command quietly and returns its standard output, or `None` when it cannot be started
/// or fails (used to probe for installed tools).
pub fn probe(c: &mut Command) -> Option<String> {
    let out = c.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs a command, echoing its standard output as it comes while keeping a copy (standard error
/// goes straight to ours). Returns whether it succeeded and the captured output.
pub fn run_tee(c: &mut Command) -> Result<(bool, String)> {
    announce(c);
    let mut child = c.stdout(Stdio::piped()).spawn().map_err(|e| spawn_error(c, &e))?;
    let mut captured = String::new();
    if let Some(stdout) = child.stdout.take() {
        let mut reader = BufReader::new(stdout);
        let mut buf = Vec::new();
        let mut out = std::io::stdout();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let _ = out.write_all(&buf);
                    let _ = out.flush();
                    captured.push_str(&String::from_utf8_lossy(&buf));
                }
            }
        }
    }
    let status = child.wait().map_err(|e| format!("could not wait for `{}`: {e}", show(c)))?;
    Ok((status.success(), captured))
}

/// The version of a package locked in `Cargo.lock`, e.g. `wasm-bindgen`.
pub fn locked_version(package: &str) -> Result<String> {
    let path = root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&path)
        .map_err(|e| format!("could not read `{}`: {e}", path.display()))?;
    let wanted = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|rest| rest.strip_suffix('"'))
            {
                return Ok(v.to_owned());
            }
        }
    }
    Err(format!("`{package}` is not in `{}`", path.display()))
}

/// The `version` of the root package in the top-level `Cargo.toml`.
pub fn crate_version() -> Result<String> {
    let path = root().join("Cargo.toml");
    let toml = std::fs::read_to_string(&path)
        .map_err(|e| format!("could not read `{}`: {e}", path.display()))?;
    let mut in_package = false;
    for line in toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(v) = line
                .strip_prefix("version")
                .map(str::trim_start)
                .and_then(|l| l.strip_prefix('='))
                .map(str::trim)
                .and_then(|l| l.strip_prefix('"'))
                .and_then(|l| l.strip_suffix('"'))
            {
                return Ok(v.to_owned());
            }
        }
    }
    Err(format!("no `version` in the [package] table of `{}`", path.display()))
}

/// Files in `dir` whose names end with `suffix`, sorted; empty when `dir` does not exist.
pub fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

/// Sums libtest-style `test result: ok. N passed; M failed; ...` lines (cargo test and
/// wasm-bindgen-test-runner both print them).
pub fn libtest_counts(output: &str) -> (u64, u64) {
    let (mut passed, mut failed) = (0, 0);
    for line in output.lines() {
        let Some(rest) = line.trim().strip_prefix("test result: ") else { continue };
        for part in rest.split(';') {
            let part = part.trim().trim_start_matches("ok. ").trim_start_matches("FAILED. ");
            if let Some(n) = part.strip_suffix(" passed").and_then(|n| n.parse::<u64>().ok()) {
                passed += n;
            } else if let Some(n) = part.strip_suffix(" failed").and_then(|n| n.parse::<u64>().ok())
            {
                failed += n;
            }
        }
    }
    (passed, failed)
}

/// Reads a plain `N passed, M failed` line (the last one wins), as `qofrules test` prints.
pub fn plain_counts(output: &str) -> Option<(u64, u64)> {
    output.lines().rev().find_map(|line| {
        let line = line.trim();
        let line = line.split_once(": ").map_or(line, |(_, rest)| rest);
        let mut parts = line.split(", ");
        let passed = parts.next()?.strip_suffix(" passed")?.parse().ok()?;
        let failed = parts.next()?.strip_suffix(" failed")?.parse().ok()?;
        Some((passed, failed))
    })
}

/// Counts from node's TAP reporter (`# pass N`, `# fail M`).
pub fn tap_counts(output: &str) -> (u64, u64) {
    let count = |key: &str| {
        output
            .lines()
            .filter_map(|l| l.trim().strip_prefix(key)?.trim().parse::<u64>().ok())
            .next_back()
            .unwrap_or(0)
    };
    (count("# pass "), count("# fail "))
}

/// Makes sure `/dev/null` is the null device. Cargo gives rustc `/dev/null` as standard input
/// when it asks rustc about a target; if an earlier program (running as root) renamed a plain
/// file over `/dev/null`, that file fills up with what programs discard, rustc reads it as Rust
/// source and every cargo command fails with "unknown start of token". Repairs it when it can
/// (we are root), else says how.
#[cfg(unix)]
pub fn ensure_dev_null() -> Result {
    use std::os::unix::fs::FileTypeExt;
    let null = Path::new("/dev/null");
    match std::fs::symlink_metadata(null) {
        Ok(m) if m.file_type().is_char_device() => return Ok(()),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Ok(()),
        _ => {}
    }
    eprintln!("warning: `/dev/null` is not the null device (a program replaced it); repairing it");
    let fresh = Path::new("/dev/.null-qofrules");
    let _ = std::fs::remove_file(fresh);
    let made = Command::new("mknod")
        .args(["-m", "666"])
        .arg(fresh)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    if made && std::fs::rename(fresh, null).is_ok() {
        return Ok(());
    }
    let _ = std::fs::remove_file(fresh);
    Err("`/dev/null` is not the null device, so cargo cannot ask rustc about targets\n  \
         help: as root, run `rm /dev/null && mknod -m 666 /dev/null c 1 3`"
        .to_owned())
}

#[cfg(not(unix))]
pub fn ensure_dev_null() -> Result {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_libtest_result_lines() {
        let out = "running 3 tests\n\
            test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n\
            test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out\n\
            test result: ok. 0 passed; 0 failed; 0 ignored\n";
        assert_eq!(libtest_counts(out), (4, 2));
        assert_eq!(libtest_counts("no results here"), (0, 0));
    }

    #[test]
    fn reads_plain_and_tap_counts() {
        assert_eq!(plain_counts("x\n12 passed, 3 failed\n"), Some((12, 3)));
        assert_eq!(plain_counts("rules: 4 passed, 0 failed, 1 skipped"), Some((4, 0)));
        assert_eq!(plain_counts("nothing"), None);
        assert_eq!(tap_counts("# tests 3\n# pass 2\n# fail 1\n"), (2, 1));
    }

    #[test]
    fn finds_the_locked_wasm_bindgen_and_crate_versions() {
        let v = locked_version("wasm-bindgen").unwrap();
        assert!(v.starts_with("0.2."), "{v}");
        assert!(locked_version("no-such-package-here").is_err());
        let c = crate_version().unwrap();
        assert_eq!(c.split('.').count(), 3, "{c}");
    }
}
