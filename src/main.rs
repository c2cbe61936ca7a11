//! The `qofrules` command-line interface: the only place (with the wasm layer) that touches
//! files, the console and the process exit code.
//!
//! Native only: for wasm32 (where cargo still builds the binary alongside the wasm tests) the
//! crate is empty; the browser reaches the engine through `src/wasm.rs`.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

// Every `println!`, `print!`, `eprintln!` and `eprint!` of the CLI is one of these, not the
// standard library's (macros defined here shadow the prelude's in every module below): they
// write through `cli::output`, where a closed pipe (`qofrules test ... | head -1`) ends that
// stream quietly instead of panicking.
macro_rules! println {
    () => { $crate::cli::output::out(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::cli::output::out(format_args!($($arg)*), true) };
}
#[allow(unused_macros)]
macro_rules! print {
    ($($arg:tt)*) => { $crate::cli::output::out(format_args!($($arg)*), false) };
}
macro_rules! eprintln {
    () => { $crate::cli::output::err(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::cli::output::err(format_args!($($arg)*), true) };
}
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::cli::output::err(format_args!($($arg)*), false) };
}

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
