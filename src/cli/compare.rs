//! `qofrules compare A B [--population DIR | --achievement FILE --prevalence FILE
//! [--structure FILE]] [--national FILE] [--attested FILE] [--historic FILE]
//! [--format table|csv|json|html] [--out FILE]`: two schemes on one population, side by side.

use super::eval::{
    fail, load_population, load_scheme, practice_files, prevalence_from, warn, write_output,
    CountsFiles, PrevalenceFromArg,
};
use qofrules::compare;
use qofrules::diag::Code;
use qofrules::pipeline::{self, CompareData, PracticeInputs};
use qofrules::scheme::Scheme;
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
pub struct CompareArgs {
    /// Scheme A's rule file (usually the current scheme)
    pub a: PathBuf,
    /// Scheme B's rule file (usually the proposal)
    pub b: PathBuf,
    /// A population (as for `eval`); without it (and without --achievement), the embedded
    /// default population
    #[arg(long)]
    pub population: Option<PathBuf>,
    /// Published counts instead of a population, read by each scheme: NHS Digital's
    /// achievement file (long format)
    #[arg(long, conflicts_with = "population", requires = "prevalence")]
    pub achievement: Option<PathBuf>,
    /// NHS Digital's prevalence file: registers and list sizes (with --achievement)
    #[arg(long, requires = "achievement")]
    pub prevalence: Option<PathBuf>,
    /// Which network each practice belongs to (`practice_id,network_id`; NHS Digital's
    /// `PRACTICE_CODE,PCN_ODS_CODE` structure file also works), with --achievement
    #[arg(long, requires = "achievement")]
    pub structure: Option<PathBuf>,
    /// National prevalence from NHS Digital's prevalence file (every practice of the year),
    /// summed per group, for both schemes
    #[arg(long, conflicts_with = "prevalence_from")]
    pub national: Option<PathBuf>,
    /// Where national prevalence comes from when --national is not given: `scheme` (each
    /// scheme's own, or England's embedded figures for a 2019/20 scheme) or `population`
    #[arg(long, value_enum, default_value = "scheme")]
    pub prevalence_from: PrevalenceFromArg,
    /// Attested items (`practice_id,item_id,met`) for both schemes; default: the population
    /// folder's `attested.csv`, if any
    #[arg(long)]
    pub attested: Option<PathBuf>,
    /// Historic achievement (`practice_id,year,item,points,pounds`) for both schemes; default:
    /// the population folder's `historic.csv`, if any
    #[arg(long)]
    pub historic: Option<PathBuf>,
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
    let from = prevalence_from(args.national.as_deref(), args.prevalence_from)?;
    // Each side's practice-level inputs (the same files; on the default population each
    // scheme's own synthetic ones).
    let files = |scheme: &Scheme| {
        practice_files(
            args.attested.as_deref(),
            args.historic.as_deref(),
            args.population.as_deref(),
            args.achievement.is_none().then_some(scheme),
        )
    };
    let (files_a, files_b) = (files(scheme_a)?, files(scheme_b)?);
    let (practice_a, practice_b) = (PracticeInputs::of(&files_a), PracticeInputs::of(&files_b));
    let counts = CountsFiles::read(
        args.achievement.as_deref(),
        args.prevalence.as_deref(),
        args.structure.as_deref(),
    )?;
    // Without --population each scheme gets the embedded default population dated for its own
    // period (the same patients), so schemes of different years are compared on their rules;
    // a population of files is used as it is, checked against both.
    let same_period = scheme_b.period_start == scheme_a.period_start
        && scheme_b.period_end == scheme_a.period_end;
    let (pop, pop_b) = match counts {
        Some(_) => (None, None),
        None => {
            let pop = load_population(args.population.as_deref(), scheme_a)?;
            let pop_b = (args.population.is_none() && !same_period)
                .then(|| qofrules::synth::default_population_for(scheme_b.period_end));
            (Some(pop), pop_b)
        }
    };
    let data = match (counts.as_ref().and_then(CountsFiles::counts), &pop) {
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
            // (published counts are named by their files, as the editor names them)
            let population = match (&args.achievement, &args.population) {
                (Some(_), _) => [&args.achievement, &args.prevalence, &args.structure]
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        p.file_name()
                            .map_or(p.display().to_string(), |n| n.to_string_lossy().into_owned())
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                (None, Some(dir)) => dir.display().to_string(),
                (None, None) => qofrules::synth::default_label(),
            };
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
