//! `qofrules explain SCHEME --patient ID [--population DIR] [--indicator ID] [--format text|json]`:
//! why one patient did or did not count, indicator by indicator.

use super::eval::{fail, load_population, load_scheme, warn, write_output, FileStream};
use qofrules::pipeline::{self, ExplainOutput, PatientSummary};
use qofrules::population::Found;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One line per indicator
    Text,
    /// The patient, the traces (outcome, stratum, steps, text) and any warnings, as JSON
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
    let loaded = load_scheme(&args.scheme)?;
    let scheme = &loaded.scheme;
    let indicator = args.indicator.as_deref();
    // A population folder or file: only the patient's rows are read (every event's date is
    // counted on the way, for the period warning); files that cannot be read that way (an
    // error in the patient's rows, a quoted field) are read whole.
    let mut dates = qofrules::eval::EventDates::new(scheme.period_start, scheme.period_end);
    let found = match args.population.as_deref() {
        Some(path) => {
            let stream = FileStream::new(path);
            match stream.find_patient(&args.patient, &mut |d| dates.add_date(d))? {
                Found::Patient(pop) => Some(pop),
                Found::Unreadable => None,
            }
        }
        None => None,
    };
    let streamed = found.is_some();
    let pop = match found {
        Some(pop) => pop,
        None => load_population(args.population.as_deref(), scheme)?,
    };
    let ex = match streamed {
        true => pipeline::explain_streamed(&loaded, &pop, &dates, &args.patient, indicator),
        false => pipeline::explain(&loaded, &pop, &args.patient, indicator),
    }
    .map_err(fail)?;
    warn(&ex.warnings);
    let text = match args.format {
        Format::Text => {
            let mut s = format!(
                "patient {} at practice {}\n",
                ex.patient.patient_id, ex.patient.practice_id
            );
            for t in &ex.traces {
                s.push_str(&t.text);
                s.push('\n');
            }
            s
        }
        Format::Json => {
            // the session's explain reply: the patient, the traces and the warnings
            let mut diagnostics = loaded.problems(&loaded.warnings);
            diagnostics.extend(qofrules::diag::run_problems(&ex.warnings));
            let out = ExplainOutput {
                patient: PatientSummary::of(ex.patient),
                traces: ex.traces,
                events: ex.events,
                diagnostics,
            };
            match serde_json::to_string_pretty(&out) {
                Ok(s) => s + "\n",
                Err(e) => {
                    eprintln!("error: cannot write JSON: {e}");
                    return Err(ExitCode::from(2));
                }
            }
        }
    };
    write_output(None, &text)
}
