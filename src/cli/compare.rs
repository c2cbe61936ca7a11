//! `qofrules compare A B [--population DIR | --achievement FILE --prevalence FILE
//! [--structure FILE]] [--national FILE] [--attested FILE] [--historic FILE]
//! [--format table|csv|json|html] [--out FILE]`: two schemes on one population, side by side.

use super::data::{counts_need_both, DataArgs, Reading};
use super::eval::{fail, load_scheme, warn, write_output};
use qofrules::compare;
use qofrules::diag::Code;
use qofrules::pipeline::{self, CompareData, PracticeInputs};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The rule changes, then the impact tables, for reading
    Table,
    /// One row per practice and network, then the total
    Csv,
    /// Everything: rule changes, indicators, practices, networks, total, movers
    Json,
    /// One self-contained HTML report (tables, chart of practice-level change)
    Html,
}

#[derive(clap::Args, Debug)]
#[command(mut_args(counts_need_both))]
pub struct CompareArgs {
    /// Scheme A's rule file (usually the current scheme)
    pub a: PathBuf,
    /// Scheme B's rule file (usually the proposal)
    pub b: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file (atomically) instead of standard output
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// No progress bar (it is drawn only when stderr is a terminal)
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: CompareArgs) -> ExitCode {
    match go(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn go(args: &CompareArgs) -> Result<(), ExitCode> {
    let a = load_scheme(&args.a)?;
    let b = load_scheme(&args.b)?;
    let (scheme_a, scheme_b) = (&a.scheme, &b.scheme);
    let from = args.data.national()?;
    // Each side's practice-level inputs (the same files; on the default population each
    // scheme's own synthetic ones).
    let files_b = args.data.practice_files(scheme_b)?;
    let files = args.data.read(scheme_a, Reading::default())?;
    let (practice_a, practice_b) = (files.practice(), PracticeInputs::of(&files_b));
    // Without --population each scheme gets the embedded default population dated for its own
    // period (the same patients), so schemes of different years are compared on their rules;
    // a population of files is used as it is, checked against both.
    let same_period = scheme_b.period_start == scheme_a.period_start
        && scheme_b.period_end == scheme_a.period_end;
    let pop_b = (files.population().is_some() && args.data.population.is_none() && !same_period)
        .then(|| qofrules::synth::default_population_for(scheme_b.period_end));
    let data = match (files.counts(), files.population()) {
        (Some(c), _) => CompareData::Counts(c),
        (None, Some(pop)) => CompareData::Population(pop, pop_b.as_ref().unwrap_or(pop)),
        (None, None) => return Err(ExitCode::from(2)),
    };
    let bar = super::progress::Bar::new(args.quiet);
    let compared = pipeline::compare(&a, &b, data, &from, (&practice_a, &practice_b), &bar)
        .map_err(|mut e| {
            for d in e.diagnostics.iter_mut().filter(|d| d.code == Code::Pay) {
                d.help.get_or_insert_with(|| {
                    "run `qofrules eval` on each scheme to see the problem alone".into()
                });
            }
            fail(e)
        })?;
    warn(&compared.warnings);
    let cmp = &compared.comparison;
    // The pay warnings: the table shows them; CSV and HTML have no place for them, and the JSON
    // has them but the terminal shows stderr.
    if args.format != Format::Table {
        for (side, ws) in [("A", &cmp.warnings_a), ("B", &cmp.warnings_b)] {
            for w in ws {
                eprintln!("warning ({side}): {w}");
            }
        }
    }
    let text = match args.format {
        Format::Table => compare::table::render_table(cmp),
        Format::Csv => compare::table::render_csv(cmp),
        Format::Html => {
            // the report names what its figures are for, as the editor's does
            let population = args.data.label();
            compare::html::render_for(cmp, Some(&population))
        }
        Format::Json => {
            serde_json::to_string_pretty(&compared.json(&a, &b)).map(|s| s + "\n").map_err(|e| {
                eprintln!("error: cannot write JSON: {e}");
                ExitCode::from(2)
            })?
        }
    };
    write_output(args.out.as_deref(), &text)
}
