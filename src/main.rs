//! The `qofrules` command-line interface: the only place (with the wasm layer) that touches
//! files, the console and the process exit code.
//!
//! Native only: for wasm32 (where cargo still builds the binary alongside the wasm tests) the
//! crate is empty; the browser reaches the engine through `src/wasm.rs`.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

#[macro_use]
#[path = "cli/macros.rs"]
mod macros;

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    cli::output::clean_up_on_interrupt();
    cli::output::finish(cli::run(args))
}
