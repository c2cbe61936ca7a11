//! `qofrules witness A B [--indicator ID] [--format text|json]`: for each indicator, whether
//! any patient can have a different outcome under A and B, with a verified witness patient
//! (as a `test` block) and both explanations, or a proof (docs/witness.md).

use super::eval::{load_scheme, write_output};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One verdict per indicator, each witness with both explanations
    Text,
    /// One object per indicator: indicator, verdict, reason, witness (and both explanations)
    Json,
}

#[derive(clap::Args, Debug)]
pub struct WitnessArgs {
    /// Scheme A's rule file
    pub a: PathBuf,
    /// Scheme B's rule file
    pub b: PathBuf,
    /// Only this indicator
    #[arg(long)]
    pub indicator: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write to this file (atomically) instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub fn run(args: WitnessArgs) -> ExitCode {
    match go(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn go(args: &WitnessArgs) -> Result<(), ExitCode> {
    let pa = load_scheme(&args.a)?.program;
    let pb = load_scheme(&args.b)?.program;
    let Some(all) = qofrules::witness::witness(&pa, &pb, args.indicator.as_deref()) else {
        let id = args.indicator.as_deref().unwrap_or_default();
        eprintln!("error: neither scheme has an indicator `{id}`");
        let ids = pa.indicators.iter().chain(&pb.indicators).map(|i| i.id.as_str());
        if let Some(s) = qofrules::diag::did_you_mean(id, ids) {
            eprintln!("  help: did you mean `{s}`?");
        }
        return Err(ExitCode::from(2));
    };
    let text = match args.format {
        Format::Text => qofrules::witness::render_text(&all),
        Format::Json => match serde_json::to_string_pretty(&all) {
            Ok(s) => s + "\n",
            Err(e) => {
                eprintln!("error: cannot write JSON: {e}");
                return Err(ExitCode::from(2));
            }
        },
    };
    write_output(args.output.as_deref(), &text)
}
