//! `qofrules boundary SCHEME [--indicator ID] [-o FILE]`: generated boundary patients for each
//! indicator, as `test` blocks with the outcome the engine gives, to review and keep.

use super::eval::{load_scheme, write_output};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct BoundaryArgs {
    /// The scheme's rule file
    pub scheme: PathBuf,
    /// Only this indicator
    #[arg(long)]
    pub indicator: Option<String>,
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
    let Some(cases) = qofrules::boundary::generate(&prog, args.indicator.as_deref()) else {
        let id = args.indicator.as_deref().unwrap_or_default();
        eprintln!("error: the scheme has no indicator `{id}`");
        let ids = prog.indicators.iter().map(|i| i.id.as_str());
        if let Some(s) = qofrules::diag::did_you_mean(id, ids) {
            eprintln!("  help: did you mean `{s}`?");
        }
        return Err(ExitCode::from(2));
    };
    write_output(args.output.as_deref(), &qofrules::boundary::render(&prog, &cases))
}
