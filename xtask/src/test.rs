//! `cargo xtask test`: every check, as a list of steps. Each step reports an outcome; the run
//! ends with one line `N passed, M failed` counting individual tests (libtest results, wasm
//! tests, browser tests), where a failing step (fmt, clippy, a build) counts as one failure.
//!
//! To add a check, write a `fn(&mut Ctx) -> Outcome` and put it in `STEPS`.

use crate::build;
use crate::server;
use crate::tools::{self, WASM_TARGET};
use crate::util::{self, cargo, cmd, root, run, run_tee, Result};
use std::path::PathBuf;
use std::time::Instant;

/// What a step came to.
enum Outcome {
    /// A check that is not a test (fmt, clippy, a build, an install) passed.
    Done,
    /// Tests ran: how many passed and failed.
    Tests { passed: u64, failed: u64 },
    /// The step does not apply yet (e.g. no rules to test); counts nothing.
    NotApplicable(String),
    /// The step could not run because an earlier one failed (which counted already).
    Blocked(String),
    /// The step could not run here and that is allowed (outside CI); counts as skipped.
    Skipped(String),
    /// The step failed; counts as one failure.
    Failed(String),
}

/// State passed between steps: what is installed and built so far.
#[derive(Default)]
pub struct Ctx {
    ci: bool,
    /// `cargo test` built the workspace (and with it `target/debug/qofrules`).
    host_built: bool,
    wasm_tools: Option<bool>,
    npm: Option<bool>,
    pkg: Option<bool>,
    www: Option<bool>,
    chromium: Option<PathBuf>,
    /// The Python with DuckDB that `tests/sql.rs` runs the SQL backend's scripts with.
    sql_python: Option<PathBuf>,
}

struct Step {
    name: &'static str,
    run: fn(&mut Ctx) -> Outcome,
}

const STEPS: &[Step] = &[
    Step { name: "cargo fmt --check", run: fmt },
    Step { name: "clippy (host, all targets)", run: clippy_host },
    Step { name: "duckdb (PyPI, for tests/sql.rs)", run: duckdb },
    Step { name: "rust tests", run: rust_tests },
    Step { name: "rules tests (rules/*.qof)", run: rules_tests },
    Step { name: "rules format (fmt --check rules/*.qof)", run: rules_fmt },
    Step { name: "wasm tools (target, wasm-bindgen-cli)", run: wasm_tools },
    Step { name: "clippy (wasm32, lib)", run: clippy_wasm },
    Step { name: "wasm tests (node)", run: wasm_tests },
    Step { name: "build pkg/ (release wasm, size limit)", run: build_pkg },
    Step { name: "npm ci (www/)", run: npm },
    Step { name: "build www/ (tsc, vite)", run: build_www },
    Step { name: "chromium", run: chromium },
    Step { name: "browser tests (chromium)", run: browser_tests },
];

pub fn test() -> Result {
    let mut ctx = Ctx { ci: util::is_ci(), ..Ctx::default() };
    let started = Instant::now();
    let mut report = Vec::new();
    for step in STEPS {
        println!("\n==> {}", step.name);
        let t = Instant::now();
        let outcome = (step.run)(&mut ctx);
        if let Outcome::Failed(why) | Outcome::Skipped(why) = &outcome {
            eprintln!("{}: {why}", step.name);
        }
        report.push((step.name, outcome, t.elapsed()));
    }

    let (mut passed, mut failed, mut skipped) = (0u64, 0u64, 0u64);
    println!("\nsteps ({:.0} s):", started.elapsed().as_secs_f64());
    for (name, outcome, took) in &report {
        let what = match outcome {
            Outcome::Done => "ok".to_owned(),
            Outcome::Tests { passed: p, failed: f } => {
                passed += p;
                failed += f;
                if *f == 0 {
                    format!("ok, {p} passed")
                } else {
                    format!("FAILED, {p} passed, {f} failed")
                }
            }
            Outcome::NotApplicable(why) => format!("not applicable: {why}"),
            Outcome::Blocked(why) => format!("not run: {why}"),
            Outcome::Skipped(why) => {
                skipped += 1;
                format!("skipped: {}", why.lines().next().unwrap_or(""))
            }
            Outcome::Failed(why) => {
                failed += 1;
                format!("FAILED: {}", why.lines().next().unwrap_or(""))
            }
        };
        println!("  {name:<40} {:>6.1} s  {what}", took.as_secs_f64());
    }
    if skipped > 0 {
        println!("{passed} passed, {failed} failed, {skipped} skipped");
    } else {
        println!("{passed} passed, {failed} failed");
    }
    if failed > 0 {
        Err(format!("{failed} failed"))
    } else {
        Ok(())
    }
}

fn check(result: Result) -> Outcome {
    match result {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Failed(e),
    }
}

/// Turns captured test output into an outcome: counts from `counts`, and a failure of the
/// command without any failed test (e.g. a compile error) counts as one failure.
fn tests_outcome(result: Result<(bool, String)>, counts: fn(&str) -> (u64, u64)) -> Outcome {
    match result {
        Err(e) => Outcome::Failed(e),
        Ok((ok, out)) => {
            let (passed, mut failed) = counts(&out);
            if !ok && failed == 0 {
                failed = 1;
            }
            if ok && passed == 0 && failed == 0 {
                return Outcome::Failed("no tests ran".to_owned());
            }
            Outcome::Tests { passed, failed }
        }
    }
}

/// Why a step that depends on an earlier one cannot run, if it cannot.
fn needs(what: Option<bool>, name: &str) -> Option<Outcome> {
    match what {
        Some(true) => None,
        _ => Some(Outcome::Blocked(format!("{name} failed"))),
    }
}

fn fmt(_: &mut Ctx) -> Outcome {
    check(run(cargo().args(["fmt", "--all", "--check"])))
}

fn clippy_host(_: &mut Ctx) -> Outcome {
    check(run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])))
}

fn duckdb(ctx: &mut Ctx) -> Outcome {
    match tools::ensure_duckdb() {
        Ok(python) => {
            ctx.sql_python = Some(python);
            Outcome::Done
        }
        // In CI `tests/sql.rs` then fails too; elsewhere it says it ran nothing.
        Err(e) => Outcome::Failed(e),
    }
}

fn rust_tests(ctx: &mut Ctx) -> Outcome {
    let mut c = cargo();
    c.args(["test", "--workspace", "--no-fail-fast"]);
    if let Some(python) = &ctx.sql_python {
        c.env("QOFRULES_SQL_PYTHON", python);
    }
    if ctx.ci {
        // never write snapshots in CI: a missing or changed snapshot is a failure
        c.env("INSTA_UPDATE", "no").env_remove("INSTA_FORCE_PASS");
    }
    let outcome = tests_outcome(run_tee(&mut c), util::libtest_counts);
    ctx.host_built = matches!(outcome, Outcome::Tests { passed, failed } if passed + failed > 0);
    outcome
}

/// The debug CLI, built if `cargo test` has not built it already.
fn debug_cli(ctx: &Ctx) -> Result<PathBuf> {
    let bin =
        util::target_dir().join("debug").join(format!("qofrules{}", std::env::consts::EXE_SUFFIX));
    // `cargo test` built it moments ago (integration tests need it); building it again with
    // `cargo build` would recompile, as plain builds resolve features without dev-dependencies
    if !(ctx.host_built && bin.is_file()) {
        run(cargo().args(["build", "--package", "qofrules", "--bin", "qofrules"]))?;
    }
    Ok(bin)
}

/// The shipped rule files and the debug CLI the rules steps run them with; the outcome to
/// report when there are no rules yet or the CLI does not build.
fn shipped_rules_and_cli(ctx: &Ctx) -> std::result::Result<(Vec<PathBuf>, PathBuf), Outcome> {
    let rules = util::files_ending(&root().join("rules"), ".qof");
    if rules.is_empty() {
        return Err(Outcome::NotApplicable("no rules/*.qof yet".to_owned()));
    }
    let bin = debug_cli(ctx).map_err(Outcome::Failed)?;
    Ok((rules, bin))
}

/// `qofrules test rules/*.qof` with the built binary, once the repository ships rules.
fn rules_tests(ctx: &mut Ctx) -> Outcome {
    let (rules, bin) = match shipped_rules_and_cli(ctx) {
        Ok(found) => found,
        Err(outcome) => return outcome,
    };
    if util::probe(cmd(&bin).args(["test", "--help"])).is_none() {
        return Outcome::NotApplicable("the CLI has no `qofrules test` yet".to_owned());
    }
    match run_tee(cmd(&bin).arg("test").args(&rules)) {
        // `qofrules test` ends with `N passed, M failed`; without that line, the exit code
        // decides and the whole run counts as one test
        Ok((ok, out)) if util::plain_counts(&out).is_none() => {
            Outcome::Tests { passed: u64::from(ok), failed: u64::from(!ok) }
        }
        result => tests_outcome(result, |out| util::plain_counts(out).unwrap_or((0, 0))),
    }
}

/// `qofrules fmt --check rules/*.qof`: every shipped scheme is in the canonical layout.
fn rules_fmt(ctx: &mut Ctx) -> Outcome {
    let (rules, bin) = match shipped_rules_and_cli(ctx) {
        Ok(found) => found,
        Err(outcome) => return outcome,
    };
    match run(cmd(&bin).args(["fmt", "--check"]).args(&rules)) {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Failed(format!("{e}\n  (run `cargo run -- fmt rules/*.qof`)")),
    }
}

fn wasm_tools(ctx: &mut Ctx) -> Outcome {
    let result = tools::ensure_wasm_target().and_then(|()| tools::ensure_wasm_bindgen());
    ctx.wasm_tools = Some(result.is_ok());
    check(result)
}

fn clippy_wasm(ctx: &mut Ctx) -> Outcome {
    if let Some(o) = needs(ctx.wasm_tools, "installing the wasm tools") {
        return o;
    }
    check(run(cargo().args([
        "clippy",
        "--package",
        "qofrules",
        "--lib",
        "--target",
        WASM_TARGET,
        "--",
        "-D",
        "warnings",
    ])))
}

fn wasm_tests(ctx: &mut Ctx) -> Outcome {
    if let Some(o) = needs(ctx.wasm_tools, "installing the wasm tools") {
        return o;
    }
    // tests/wasm (the wasm exports and the generator's determinism digest) only: the other
    // test binaries are native (files, insta snapshots)
    let mut c = cargo();
    c.args(["test", "--package", "qofrules", "--target", WASM_TARGET]);
    c.args(["--test", "wasm"]);
    tests_outcome(run_tee(&mut c), util::libtest_counts)
}

fn build_pkg(ctx: &mut Ctx) -> Outcome {
    if let Some(o) = needs(ctx.wasm_tools, "installing the wasm tools") {
        return o;
    }
    let result = build::build_pkg();
    ctx.pkg = Some(result.is_ok());
    // the size limit is checked where the release module is built anyway; the later steps
    // still run on a module over it
    check(result.and_then(|(_, gz)| build::check_wasm_size(gz)))
}

fn npm(ctx: &mut Ctx) -> Outcome {
    let result = tools::ensure_npm();
    ctx.npm = Some(result.is_ok());
    check(result)
}

fn build_www(ctx: &mut Ctx) -> Outcome {
    if let Some(o) = needs(ctx.pkg, "building pkg/").or_else(|| needs(ctx.npm, "npm ci")) {
        return o;
    }
    let result = build::build_www();
    ctx.www = Some(result.is_ok());
    check(result)
}

fn chromium(ctx: &mut Ctx) -> Outcome {
    match tools::ensure_chromium() {
        Ok(Ok(path)) => {
            ctx.chromium = Some(path);
            Outcome::Done
        }
        Ok(Err(help)) if ctx.ci => {
            Outcome::Failed(format!("{help}\n  (CI=true: a missing browser is a failure)"))
        }
        Ok(Err(help)) => Outcome::Skipped(help),
        Err(e) => Outcome::Failed(e),
    }
}

fn browser_tests(ctx: &mut Ctx) -> Outcome {
    if let Some(o) = needs(ctx.www, "building www/") {
        return o;
    }
    let Some(chromium) = ctx.chromium.clone() else {
        // the chromium step counted this as a failure (CI) or a skip
        return Outcome::Blocked("no chromium (see the chromium step)".to_owned());
    };
    let tests = util::files_ending(&root().join("www").join("tests"), ".test.mjs");
    if tests.is_empty() {
        return Outcome::Failed("no browser tests in www/tests/*.test.mjs".to_owned());
    }
    run_browser_tests(&tests, &chromium)
}

/// Serves `www/dist` on a free port, writes the CLI's expectations and runs `node --test` on
/// `tests` against it.
fn run_browser_tests(tests: &[PathBuf], chromium: &std::path::Path) -> Outcome {
    let www = root().join("www");
    let version = match util::crate_version() {
        Ok(v) => v,
        Err(e) => return Outcome::Failed(e),
    };
    let listener = match std::net::TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => return Outcome::Failed(format!("could not open a port on 127.0.0.1: {e}")),
    };
    let url = match listener.local_addr() {
        Ok(addr) => format!("http://{addr}/"),
        Err(e) => return Outcome::Failed(format!("could not read the server's address: {e}")),
    };
    server::spawn(www.join("dist"), listener, false);
    println!("serving www/dist at {url}");
    let expected = www.join("test-results").join("expected");
    if let Err(e) = cli_expectations(&expected) {
        return Outcome::Failed(e);
    }
    let mut c = cmd("node");
    c.current_dir(&www)
        .args(["--test", "--test-reporter=tap"])
        .args(tests)
        .env("QOFRULES_URL", &url)
        .env("QOFRULES_VERSION", version)
        .env("QOFRULES_EXPECTED", &expected)
        .env("QOFRULES_BIN", cli_path())
        .env("CHROMIUM_PATH", chromium);
    tests_outcome(run_tee(&mut c), util::tap_counts)
}

/// `cargo xtask browser-test [FILES]`: the browser tests alone (all of `www/tests/*.test.mjs`,
/// or the files named, as paths or as names in `www/tests/`), on a debug build of the wasm
/// module (quick to build; the full `test` uses the release one).
pub fn browser_test(files: &[String]) -> Result {
    let dir = root().join("www").join("tests");
    let tests: Vec<PathBuf> = if files.is_empty() {
        util::files_ending(&dir, ".test.mjs")
    } else {
        let mut out = Vec::new();
        for f in files {
            let given = PathBuf::from(f);
            let path = if given.is_file() { given } else { dir.join(f) };
            if !path.is_file() {
                return Err(format!(
                    "no browser test `{f}`\n  help: name a file of www/tests/ (e.g. `compare.test.mjs`)"
                ));
            }
            out.push(path.canonicalize().unwrap_or(path));
        }
        out
    };
    if tests.is_empty() {
        return Err("no browser tests in www/tests/*.test.mjs".to_owned());
    }
    tools::ensure_wasm_target()?;
    tools::ensure_wasm_bindgen()?;
    tools::ensure_npm()?;
    build::build_pkg_debug()?;
    build::build_www()?;
    // the CLI whose outputs some tests compare with must be of this source, not a stale build
    run(cargo().args(["build", "--package", "qofrules", "--bin", "qofrules"]))?;
    // a missing browser that cannot be installed is an error here, with its help
    let chromium = tools::ensure_chromium()??;
    match run_browser_tests(&tests, &chromium) {
        Outcome::Tests { passed, failed: 0 } => {
            println!("{passed} passed, 0 failed");
            Ok(())
        }
        Outcome::Tests { passed, failed } => {
            println!("{passed} passed, {failed} failed");
            Err(format!("{failed} failed"))
        }
        Outcome::Failed(e) => Err(e),
        Outcome::Done | Outcome::NotApplicable(_) | Outcome::Blocked(_) | Outcome::Skipped(_) => {
            Err("the browser tests did not run".to_owned())
        }
    }
}

/// The schemes whose `qofrules eval --format json` output the browser tests compare with:
/// parity (QOF 2019/20) and compare mode (QOF 2018/19 against Dudley 2018/19), all on the
/// embedded default population.
const CLI_EXPECTED: &[&str] = &["qof-2019-20", "qof-2024-25", "qof-2025-26"];

/// The debug CLI the browser tests compare with (`QOFRULES_BIN`: the tests that run it, such as
/// `parity.test.mjs` on the published counts it writes, take it from there).
fn cli_path() -> PathBuf {
    util::target_dir().join("debug").join(format!("qofrules{}", std::env::consts::EXE_SUFFIX))
}

/// Writes `DIR/NAME.json` for each of [`CLI_EXPECTED`] with the debug CLI (built by the rules
/// step). Without an `eval` subcommand nothing is written and the tests compare wasm with the
/// page only.
fn cli_expectations(dir: &std::path::Path) -> Result {
    let _ = std::fs::remove_dir_all(dir);
    let bin = cli_path();
    if !bin.is_file() {
        run(cargo().args(["build", "--package", "qofrules", "--bin", "qofrules"]))?;
    }
    if util::probe(cmd(&bin).args(["eval", "--help"])).is_none() {
        println!("the CLI has no `eval` yet: the browser tests compare wasm and page only");
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("could not create `{}`: {e}", dir.display()))?;
    for name in CLI_EXPECTED {
        let out = dir.join(format!("{name}.json"));
        run(cmd(&bin)
            .arg("eval")
            .arg(root().join("rules").join(format!("{name}.qof")))
            .args(["--format", "json", "--output"])
            .arg(&out))?;
    }
    // the report the editor's "Export HTML" must equal (www/tests/compare.test.mjs)
    if util::probe(cmd(&bin).args(["compare", "--help"])).is_some() {
        run(cmd(&bin)
            .arg("compare")
            .arg(root().join("rules").join("qof-2024-25.qof"))
            .arg(root().join("rules").join("qof-2025-26.qof"))
            .args(["--format", "html", "--out"])
            .arg(dir.join("compare-qof-2024-25-qof-2025-26.html")))?;
    }
    Ok(())
}

/// `cargo xtask sql-check`: the SQL backend alone: install DuckDB, then its unit tests and
/// `tests/sql.rs` (every shipped scheme's script executed and compared with the engine).
pub fn sql_check() -> Result {
    let python = tools::ensure_duckdb()?;
    run(cargo().args(["test", "--lib", "sql::"]))?;
    run(cargo().args(["test", "--test", "sql"]).env("QOFRULES_SQL_PYTHON", &python))
}

/// `cargo xtask test-spark` (or `sql-check --spark`): every shipped scheme's Spark SQL run in
/// a local Spark session (pyspark from PyPI, Java from the machine) on a small generated
/// population and compared with the engine, by `tests/sql.rs`'s
/// `sql_counts_equal_the_engine_in_spark` (`QOFRULES_SQL_ONLY` limits the schemes). Opt-in:
/// not part of `test`.
pub fn test_spark() -> Result {
    let python = tools::ensure_pyspark()?;
    let started = std::time::Instant::now();
    run(cargo()
        .args([
            "test",
            "--test",
            "sql",
            "sql_counts_equal_the_engine_in_spark",
            "--",
            "--nocapture",
        ])
        .env("QOFRULES_SQL_SPARK_PYTHON", &python))?;
    let which = match std::env::var("QOFRULES_SQL_ONLY") {
        Ok(only) => format!("the counts of {only} equal"),
        Err(_) => "every shipped scheme's counts equal".to_owned(),
    };
    println!("spark: {which} the engine's ({:.0} s)", started.elapsed().as_secs_f64());
    Ok(())
}
