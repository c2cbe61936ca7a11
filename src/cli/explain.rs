//! `qofrules explain SCHEME --patient ID [--population DIR] [--indicator ID] [--format text|json]`:
//! why one patient did or did not count, indicator by indicator.

use super::eval::{load_population, load_scheme, write_output};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One line per indicator
    Text,
    /// The traces as JSON (outcome, stratum, steps, text)
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// The scheme's rule file
    pub scheme: PathBuf,
    /// The population (as for `eval`); without it, the embedded default population
    #[arg(long)]
    pub population: Option<PathBuf>,
    /// The patient's id
    #[arg(long)]
    pub patient: String,
    /// Only this indicator
    #[arg(long)]
    pub indicator: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(args: ExplainArgs) -> ExitCode {
    match go(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn go(args: &ExplainArgs) -> Result<(), ExitCode> {
    let (_sources, scheme, prog) = load_scheme(&args.scheme)?;
    if let Some(id) = &args.indicator {
        if !prog.indicators.iter().any(|i| &i.id == id) {
            let ids: Vec<&str> = prog.indicators.iter().map(|i| i.id.as_str()).collect();
            eprintln!("error: the scheme has no indicator `{id}`");
            if let Some(s) = qofrules::diag::did_you_mean(id, ids.iter().copied()) {
                eprintln!("  help: did you mean `{s}`?");
            }
            return Err(ExitCode::from(2));
        }
    }
    let pop = load_population(args.population.as_deref(), &scheme)?;
    let Some(patient) = pop.patients.iter().find(|p| p.patient_id == args.patient) else {
        eprintln!("error: the population has no patient `{}`", args.patient);
        eprintln!("  help: patient ids are the `patient_id` column of patients.csv");
        return Err(ExitCode::from(2));
    };
    let traces = qofrules::eval::explain(&prog, patient, args.indicator.as_deref());
    let text = match args.format {
        Format::Text => {
            let mut s =
                format!("patient {} at practice {}\n", patient.patient_id, patient.practice_id);
            for t in &traces {
                s.push_str(&t.text);
                s.push('\n');
            }
            s
        }
        Format::Json => match serde_json::to_string_pretty(&traces) {
            Ok(s) => s + "\n",
            Err(e) => {
                eprintln!("error: cannot write JSON: {e}");
                return Err(ExitCode::from(2));
            }
        },
    };
    write_output(None, &text)
}
