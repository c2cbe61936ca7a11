//! Subcommands. Each lives in its own module and returns the process exit code:
//! 0 success, 1 the input has errors (or tests fail), 2 usage errors (bad flags, unreadable files).

mod boundary;
pub mod check;
mod compare;
mod data;
mod eval;
mod explain;
pub mod fmt;
pub mod inspect;
pub mod output;
mod progress;
mod sql;
mod sweep;
mod synth;
mod test;
mod witness;

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
    /// Check rule files: report every error and warning (exit 1 on errors)
    Check(check::CheckArgs),
    /// Rewrite rule files in the canonical layout (docs/formatting.md)
    Fmt(fmt::FmtArgs),
    /// Show a scheme after inheritance: indicators, registers, code lists, payment
    Inspect(inspect::InspectArgs),
    /// Write a synthetic population calibrated on real 2019/20 practices
    Synth(synth::SynthArgs),
    /// Evaluate a population (or published counts) under a scheme and pay it
    Eval(eval::EvalArgs),
    /// Explain why one patient did or did not count for each indicator
    Explain(explain::ExplainArgs),
    /// Run the test patients written in rule files (exit 1 on any failure)
    Test(test::TestArgs),
    /// Compare two schemes on one population: rule changes, who gains, who loses, total cost
    Compare(compare::CompareArgs),
    /// What a scheme costs as one or two levers move; the value that makes it cost-neutral
    Sweep(sweep::SweepArgs),
    /// Compile a scheme to one SQL script giving `eval`'s per-practice counts (docs/sql.md)
    Sql(sql::SqlArgs),
    /// Generate boundary test patients for each indicator, as `test` blocks to review
    Boundary(boundary::BoundaryArgs),
    /// For each indicator: can any patient have a different outcome under A and B? A witness or a proof
    Witness(witness::WitnessArgs),
    /// Print the engine version
    Version,
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Synth(args) => synth::run(args),
        Command::Version => {
            println!("qofrules {}", qofrules::version());
            ExitCode::SUCCESS
        }
        Command::Eval(args) => eval::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Test(args) => test::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Sql(args) => sql::run(args),
        Command::Boundary(args) => boundary::run(args),
        Command::Witness(args) => witness::run(args),
    }
}
