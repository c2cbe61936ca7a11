//! `qofrules boundary SCHEME [--indicator ID]... [-o FILE]`: generated boundary patients for each
//! indicator, as `test` blocks with the outcome the engine gives, to review and keep.

use super::eval::{load_scheme, write_output};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct BoundaryArgs {
    /// The scheme's rule file
    pub scheme: PathBuf,
    /// Only this indicator (repeat for several: their tests in the order given, under one
    /// heading, as the editor generates them for the copies of a `for each` template)
    #[arg(long)]
    pub indicator: Vec<String>,
    /// Write to this file (atomically) instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub fn run(args: BoundaryArgs) -> ExitCode {
    match go(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn go(args: &BoundaryArgs) -> Result<(), ExitCode> {
    let prog = load_scheme(&args.scheme)?.program;
    let ids: Vec<&str> = args.indicator.iter().map(String::as_str).collect();
    let cases = if ids.is_empty() {
        qofrules::boundary::generate(&prog, None).ok_or("")
    } else {
        qofrules::boundary::generate_each(&prog, &ids)
    };
    let cases = match cases {
        Ok(cases) => cases,
        Err(id) => {
            eprintln!("error: the scheme has no indicator `{id}`");
            let ids = prog.indicators.iter().map(|i| i.id.as_str());
            if let Some(s) = qofrules::diag::did_you_mean(id, ids) {
                eprintln!("  help: did you mean `{s}`?");
            }
            return Err(ExitCode::from(2));
        }
    };
    write_output(args.output.as_deref(), &qofrules::boundary::render(&prog, &cases))
}
