//! `qofrules inspect FILE [PARENT...] --format json`: the resolved scheme after inheritance.

use super::check::{load, report, ErrorFormat};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InspectFormat {
    /// The scheme as JSON on stdout
    Json,
}

#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// The scheme to show, then any files it may extend
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "json")]
    pub format: InspectFormat,
}

pub fn run(args: InspectArgs) -> ExitCode {
    let (sources, roots) = match load(&args.files) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let Some(&root) = roots.first() else {
        return ExitCode::from(2);
    };
    let (sources, view, diagnostics) = qofrules::pipeline::inspect(sources, root);
    let Some(view) = view else {
        report(&sources, &diagnostics, ErrorFormat::Human);
        return ExitCode::from(1);
    };
    // warnings go to stderr; the scheme to stdout
    if !diagnostics.is_empty() {
        report(&sources, &diagnostics, ErrorFormat::Human);
    }
    match serde_json::to_string_pretty(&view) {
        Ok(s) => {
            super::check::write_stdout(&s);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write JSON: {e}");
            ExitCode::from(1)
        }
    }
}
