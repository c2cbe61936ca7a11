//! `qofrules compare A B [--population DIR | --achievement FILE --prevalence FILE]
//! [--format table|csv|json|html] [--out FILE]`: two schemes on one population, side by side.

use super::eval::{
    apply_structure, load_population, load_scheme, practice_files, prevalence_from, write_output,
    PrevalenceFromArg,
};
use qofrules::aggregate::{read_achievement, read_prevalence, AchievementOptions};
use qofrules::compare::{self, Comparison, Side};
use qofrules::eval::PayInputs;
use qofrules::national::PrevalenceFrom;
use qofrules::pay::PracticeData;
use qofrules::pipeline::{self, PracticeInputs};
use qofrules::scheme::Scheme;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
    /// Published counts instead of a population: NHS Digital's achievement file (long format)
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
}

pub fn run(args: CompareArgs) -> ExitCode {
    match go(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn read_text(path: &Path) -> Result<String, ExitCode> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        ExitCode::from(2)
    })
}

/// One scheme's pay inputs from the published files (the achievement reader maps indicator
/// ids per scheme, so each scheme reads them for itself).
fn counts_inputs(
    scheme: &Scheme,
    ach: (&str, &str),
    prev: (&str, &str),
    structure: Option<(&Path, &str)>,
    from: &PrevalenceFrom,
    warn: bool,
) -> Result<PayInputs, ExitCode> {
    let pay = qofrules::compile::pay_scheme(scheme);
    let mut data = PracticeData::new();
    if let Err(e) = read_prevalence(&mut data, prev.1, prev.0) {
        eprintln!("error: {e}");
        return Err(ExitCode::from(1));
    }
    let known: BTreeMap<String, String> =
        scheme.indicators.iter().map(|i| (i.id.clone(), i.group.clone())).collect();
    let opts = AchievementOptions { known: Some(&known), ..Default::default() };
    if let Err(e) = read_achievement(&mut data, ach.1, ach.0, &opts) {
        eprintln!("error: {e}");
        return Err(ExitCode::from(1));
    }
    if let Some((path, text)) = structure {
        apply_structure(&mut data, path, text, warn)?;
    }
    let national = qofrules::national::decide(scheme, &pay, &data, from).map_err(|e| {
        eprintln!("error: scheme `{}`: {}\n  help: {}", scheme.id, e.message, e.help);
        ExitCode::from(1)
    })?;
    Ok(PayInputs { scheme: pay, national, data })
}

fn go(args: &CompareArgs) -> Result<(), ExitCode> {
    let (sa, scheme_a, prog_a) = load_scheme(&args.a)?;
    let (sb, scheme_b, prog_b) = load_scheme(&args.b)?;
    let a = Side { scheme: &scheme_a, sources: &sa, program: &prog_a };
    let b = Side { scheme: &scheme_b, sources: &sb, program: &prog_b };
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
    let (files_a, files_b) = (files(&scheme_a)?, files(&scheme_b)?);
    let (practice_a, practice_b) = (PracticeInputs::of(&files_a), PracticeInputs::of(&files_b));
    let result = match (&args.achievement, &args.prevalence) {
        (Some(ach), Some(prev)) => {
            let ach_text = read_text(ach)?;
            let prev_text = read_text(prev)?;
            let ach_name = ach.display().to_string();
            let prev_name = prev.display().to_string();
            let ach = (ach_name.as_str(), ach_text.as_str());
            let prev = (prev_name.as_str(), prev_text.as_str());
            let structure_text = match &args.structure {
                Some(path) => Some(read_text(path)?),
                None => None,
            };
            let structure = args.structure.as_deref().zip(structure_text.as_deref());
            let mut in_a = counts_inputs(&scheme_a, ach, prev, structure, &from, true)?;
            // the same file again for B: its warnings were printed for A
            let mut in_b = counts_inputs(&scheme_b, ach, prev, structure, &from, false)?;
            for (inputs, p, scheme) in
                [(&mut in_a, &practice_a, &scheme_a), (&mut in_b, &practice_b, &scheme_b)]
            {
                pipeline::read_practice_inputs(inputs, p, scheme).map_err(|e| {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                })?;
            }
            compare::impact_counts(a, b, &in_a, &in_b)
        }
        _ => {
            // Without --population each scheme gets the embedded default population dated for
            // its own period (the same patients), so schemes of different years are compared
            // on their rules; a population of files is used as it is, checked against both.
            let same_period = scheme_b.period_start == scheme_a.period_start
                && scheme_b.period_end == scheme_a.period_end;
            let pop = load_population(args.population.as_deref(), &scheme_a)?;
            if args.population.is_none() && !same_period {
                let pop_b = qofrules::synth::default_population_for(scheme_b.period_end);
                compare::impact_dated(a, b, (&pop, &pop_b), &from, (&practice_a, &practice_b))
            } else {
                if !same_period {
                    if let Some(w) = qofrules::eval::period_mismatch(
                        &pop,
                        scheme_b.period_start,
                        scheme_b.period_end,
                    ) {
                        eprintln!("warning: scheme B: {}\n  help: {}", w.message, w.help);
                    }
                }
                compare::impact_dated(a, b, (&pop, &pop), &from, (&practice_a, &practice_b))
            }
        }
    };
    let cmp: Comparison = result.map_err(|e| {
        eprintln!("error: {e}");
        eprintln!("  help: run `qofrules eval` on scheme {} to see the problem alone", e.side);
        ExitCode::from(1)
    })?;
    let text = match args.format {
        Format::Table => compare::table::render_table(&cmp),
        Format::Csv => compare::table::render_csv(&cmp),
        Format::Html => {
            // the report names what its figures are for, as the editor's does
            let population = match (&args.achievement, &args.population) {
                (Some(ach), _) => ach.display().to_string(),
                (None, Some(dir)) => dir.display().to_string(),
                (None, None) => qofrules::synth::default_label(),
            };
            compare::html::render_for(&cmp, Some(&population))
        }
        Format::Json => serde_json::to_string_pretty(&cmp).map(|s| s + "\n").map_err(|e| {
            eprintln!("error: cannot write JSON: {e}");
            ExitCode::from(2)
        })?,
    };
    write_output(args.out.as_deref(), &text)
}
