//! Project automation (the `xtask` pattern): `cargo xtask serve`, `cargo xtask test`,
//! `cargo xtask bench`. Standard library only, so it builds fast on a fresh machine.

mod bench;
mod build;
mod server;
mod test;
mod tools;
mod util;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  serve [--port N]   install what is missing, build pkg/ and www/, serve the editor on
                     http://127.0.0.1:N/ (default 8080)
  test               every check: fmt, clippy (host and wasm32), Rust tests, wasm tests
                     under Node, browser tests in headless Chromium; ends with `N passed, M failed`
  browser-test [FILES]
                     the browser tests only (www/tests/*.test.mjs, or the files named), on a
                     debug build of pkg/ and a build of www/, in headless Chromium
  bench [FILTER]     run the benchmarks in release; write bench/results/
  sql-check          the SQL backend only: install DuckDB (PyPI) in target/sql-venv, run
                     every shipped scheme's script in DuckDB and SQLite against the engine
  test-spark         the same in a local Spark session instead: install pyspark (PyPI) in
                     target/spark-venv (needs Java 17+), print each scheme's time; not part
                     of `test` (`sql-check --spark` is the same task)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = util::ensure_dev_null() {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let result = match args.first().map(String::as_str) {
        Some("serve") => parse_port(&args[1..]).and_then(serve),
        Some("test") if args.len() == 1 => test::test(),
        Some("browser-test") => test::browser_test(&args[1..]),
        Some("sql-check") if args.len() == 1 => test::sql_check(),
        Some("test-spark") if args.len() == 1 => test::test_spark(),
        Some("sql-check") if args.len() == 2 && args[1] == "--spark" => test::test_spark(),
        Some("bench") if args.len() <= 2 => bench::bench(args.get(1).map(String::as_str)),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(_) => Err(format!("unknown task or arguments `{}`\n\n{USAGE}", args.join(" "))),
        None => Err(format!("no task given\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_port(args: &[String]) -> util::Result<u16> {
    match args {
        [] => Ok(8080),
        [flag, n] if flag == "--port" => {
            n.parse().map_err(|_| format!("`{n}` is not a port number (1-65535)"))
        }
        [arg] if arg.starts_with("--port=") => {
            let n = &arg["--port=".len()..];
            n.parse().map_err(|_| format!("`{n}` is not a port number (1-65535)"))
        }
        _ => Err(format!("unexpected arguments `{}`\n\n{USAGE}", args.join(" "))),
    }
}

fn serve(port: u16) -> util::Result {
    tools::ensure_wasm_target()?;
    tools::ensure_wasm_bindgen()?;
    tools::ensure_npm()?;
    let (_, gz) = build::build_pkg()?;
    if let Err(e) = build::check_wasm_size(gz) {
        println!("warning: {e}");
    }
    build::build_www()?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        format!("could not listen on 127.0.0.1:{port}: {e}\n  help: pick another port with `cargo xtask serve --port 8081`")
    })?;
    println!("\nserving www/dist at http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    server::serve(&util::root().join("www").join("dist"), &listener, true);
    Ok(())
}
