//! Subcommands. Each lives in its own module and returns the process exit code:
//! 0 success, 1 the input has errors (or tests fail), 2 usage errors (bad flags, unreadable files).

mod fmt;
mod synth;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "qofrules", version, about = "A rules engine for QOF-style quality schemes")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the engine version
    Version,
    /// Rewrite rule files in the canonical layout (docs/formatting.md)
    Fmt(fmt::FmtArgs),
    /// Write a synthetic population calibrated on real 2019/20 practices
    Synth(synth::SynthArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Version => {
            println!("qofrules {}", qofrules::version());
            ExitCode::SUCCESS
        }
        Command::Fmt(args) => fmt::run(args),
        Command::Synth(args) => synth::run(args),
    }
}
