//! The core driver: the one pipeline behind every front end. Scheme sources (texts with
//! names; the front end reads the files, including the `from "file.csv"` code lists the root
//! names, and the checker finds `extends` parents among them or the shipped schemes) are
//! checked and compiled ([`load`]); a run ([`run`]) takes a patient-level population or
//! published counts (NHS Digital achievement, prevalence, structure), national figures and
//! the practice-level inputs (attested items, historic achievement), and gives the
//! evaluation (for a population), the pay inputs and the problems met on the way; [`Run::pay`]
//! pays it and [`JsonOutput`] is its JSON. [`compare`], [`explain`] and [`tests`] do the same
//! for the other subcommands, and [`render`] holds eval's table and CSV renderings. The CLI
//! (`src/cli/`), the editor's session and the wasm module all call it, so the same inputs give
//! the same bytes everywhere. No I/O: every file arrives as text with the name its messages use.

pub mod render;
mod stream;

pub use stream::{PopulationStream, StreamStats};

use crate::aggregate::{
    read_achievement, read_prevalence, read_structure, AchievementOptions, ReadSummary,
};
use crate::compare::{self, Comparison, Side};
use crate::compile::Program;
use crate::diag::{problems, Code, Diagnostic, Location, Problem, Severity};
use crate::eval::IndicatorTrace;
use crate::eval::{self, Evaluation, PayInputs, ReportRow};
use crate::model::Patient;
use crate::model::Population;
use crate::national::PrevalenceFrom;
use crate::pay::PracticeData;
use crate::pay::{self, PayResult};
use crate::scheme::{Scheme, Sources};
use serde::Serialize;
use std::collections::BTreeMap;

/// A practice-level input file: the name its messages use, and its text.
#[derive(Clone, Copy, Debug)]
pub struct InputFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl<'a> InputFile<'a> {
    /// The file of a `(name, text)` pair, if there is one.
    pub fn of(pair: &'a Option<(String, String)>) -> Option<InputFile<'a>> {
        pair.as_ref().map(|(name, text)| InputFile { name, text })
    }
}

/// The practice-level inputs of a run (`attested.csv`, `historic.csv`), when given.
#[derive(Clone, Copy, Debug, Default)]
pub struct PracticeInputs<'a> {
    pub attested: Option<InputFile<'a>>,
    pub historic: Option<InputFile<'a>>,
}

impl<'a> PracticeInputs<'a> {
    /// The inputs of `[attested, historic]` `(name, text)` pairs.
    pub fn of(files: &'a [Option<(String, String)>; 2]) -> PracticeInputs<'a> {
        PracticeInputs { attested: InputFile::of(&files[0]), historic: InputFile::of(&files[1]) }
    }
}

/// Why a run stopped: its problems, each a [`Diagnostic`] with its place and hint.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", .diagnostics.iter().map(|d| d.message.as_str()).collect::<Vec<_>>().join("; "))]
pub struct RunError {
    pub diagnostics: Vec<Diagnostic>,
}

impl RunError {
    /// A run error of one diagnostic.
    pub fn one(d: Diagnostic) -> RunError {
        RunError { diagnostics: vec![d] }
    }
    fn plain(code: Code, message: impl Into<String>) -> RunError {
        RunError::one(Diagnostic::at(Severity::Error, code, Location::None, message))
    }
}

impl From<crate::aggregate::DataError> for RunError {
    fn from(e: crate::aggregate::DataError) -> RunError {
        RunError::one(Diagnostic::from(&e))
    }
}

impl From<crate::national::NationalError> for RunError {
    fn from(e: crate::national::NationalError) -> RunError {
        RunError::one(Diagnostic::from(&e))
    }
}

/// An evaluated population and what the pay phase reads.
pub struct PopulationRun {
    pub evaluation: Evaluation,
    pub inputs: PayInputs,
}

/// Evaluates `pop` under the scheme on `threads` threads (0: every core; one in wasm), decides
/// the national figures, and reads the practice-level inputs into the pay table.
pub fn run_population(
    scheme: &Scheme,
    prog: &Program,
    pop: &Population,
    from: &PrevalenceFrom,
    practice: &PracticeInputs<'_>,
    threads: usize,
) -> Result<PopulationRun, RunError> {
    run_population_with_progress(
        scheme,
        prog,
        pop,
        from,
        practice,
        threads,
        &crate::progress::Silent,
    )
}

/// [`run_population`], telling `progress` how the evaluation goes (on every core only: a
/// fixed thread count is for tests and the editor, which draw nothing).
pub fn run_population_with_progress(
    scheme: &Scheme,
    prog: &Program,
    pop: &Population,
    from: &PrevalenceFrom,
    practice: &PracticeInputs<'_>,
    threads: usize,
    progress: &dyn crate::progress::Progress,
) -> Result<PopulationRun, RunError> {
    let evaluation = match threads {
        0 => eval::evaluate_with_progress(prog, pop, progress),
        n => eval::evaluate_with_threads(prog, pop, n),
    };
    let mut inputs = eval::pay_inputs(scheme, prog, &evaluation, from)?;
    read_practice_inputs(&mut inputs, practice, scheme)?;
    Ok(PopulationRun { evaluation, inputs })
}

/// The synthetic practice-level inputs a generated population comes with for `scheme`
/// (`synth::inputs`, as `qofrules synth --for SCHEME` writes them): `(attested.csv,
/// historic.csv)` texts, `None` where the scheme reads no such input.
pub fn synthetic_inputs(
    scheme: &Scheme,
    practices: &[crate::model::Practice],
    seed: u64,
) -> (Option<String>, Option<String>) {
    use crate::synth::inputs::{attested_csv, historic_csv, InputSpec};
    let mut spec = InputSpec::default();
    spec.add(scheme);
    let attested = (!spec.attested.is_empty() || !spec.obligations.is_empty())
        .then(|| attested_csv(practices, &spec, seed));
    let historic = (!spec.historic.is_empty()).then(|| historic_csv(practices, &spec, seed));
    (attested, historic)
}

/// What the shipped schemes read at practice level, together (`qofrules synth` without
/// `--for` writes the inputs of every shipped scheme).
pub fn shipped_input_spec() -> crate::synth::inputs::InputSpec {
    let mut spec = crate::synth::inputs::InputSpec::default();
    for (path, text) in crate::shipped::SCHEMES {
        if let Some(scheme) = crate::check::check_text(path, text).1.scheme {
            spec.add(&scheme);
        }
    }
    spec
}

/// Reads the attested and historic files into the pay table. The historic file is either
/// qofrules' own (`practice_id,year,item,points,pounds`) or an NHS Digital achievement file
/// (long format, `PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE`), whose `ACHIEVED_POINTS` are
/// filed as the achievement of the one year the scheme's payment model is historic on.
pub fn read_practice_inputs(
    inputs: &mut PayInputs,
    practice: &PracticeInputs<'_>,
    scheme: &Scheme,
) -> Result<(), RunError> {
    // only the items and years the scheme pays on are kept (every row is checked)
    let wanted = crate::aggregate::Wanted::of(&inputs.scheme);
    if let Some(f) = practice.attested {
        crate::aggregate::read_attested_wanted(&mut inputs.data, f.text, f.name, &wanted)?;
    }
    if let Some(f) = practice.historic {
        if is_achievement_file(f.text) {
            historic_from_achievement(&mut inputs.data, f, scheme)?;
        } else {
            crate::aggregate::read_historic_wanted(&mut inputs.data, f.text, f.name, &wanted)?;
        }
    }
    Ok(())
}

/// Whether a file's header is NHS Digital's achievement layout.
fn is_achievement_file(text: &str) -> bool {
    let header = text.lines().next().unwrap_or("").to_ascii_uppercase();
    let cols: Vec<&str> = header.split(',').map(|c| c.trim().trim_matches('"')).collect();
    cols.contains(&"INDICATOR_CODE") && cols.contains(&"MEASURE")
}

/// Files an NHS Digital achievement file's published points as historic achievement, for the
/// practices of the run only.
fn historic_from_achievement(
    data: &mut crate::pay::PracticeData,
    f: InputFile<'_>,
    scheme: &Scheme,
) -> Result<(), RunError> {
    let mut years = std::collections::BTreeSet::new();
    crate::synth::inputs::historic_years(&scheme.payment, &mut years);
    let year = match years.len() {
        1 => years.into_iter().next().unwrap_or_default(),
        0 => {
            return Err(RunError::plain(
                Code::BadData,
                format!(
                "`{}` is an achievement file, but scheme `{}` pays nothing on historic achievement",
                f.name, scheme.id
            ),
            ))
        }
        _ => {
            let list: Vec<String> = years.iter().map(|y| format!("`{y}`")).collect();
            return Err(RunError::plain(Code::BadData, format!(
                "`{}` is an achievement file, and scheme `{}` is historic on {}: give historic achievement as `practice_id,year,item,points` to say which year",
                f.name,
                scheme.id,
                list.join(" and ")
            )));
        }
    };
    let mut other = crate::pay::PracticeData::new();
    crate::aggregate::read_achievement(
        &mut other,
        f.text,
        f.name,
        &crate::aggregate::AchievementOptions::default(),
    )?;
    other.historic_from_reported_points(&year);
    data.copy_historic_year(&other, &year);
    Ok(())
}

/// Pays a run.
pub fn pay(inputs: &PayInputs) -> Result<PayResult<'_>, RunError> {
    pay::pay(&inputs.scheme, &inputs.national, &inputs.data)
        .map_err(|e| RunError { diagnostics: e.0.iter().map(Diagnostic::from).collect() })
}

/// The JSON output of an evaluation (`qofrules eval --format json`, the editor's
/// `evaluate_json`): the pay result, plus the reporting-strata counts when a population was
/// evaluated and the scheme reports by anything, plus the problems that did not stop the run
/// (the checker's warnings, the readers' and the population's) when there are any.
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "EvalJson"))]
#[derive(Serialize)]
pub struct JsonOutput<'a> {
    #[serde(flatten)]
    pub result: &'a PayResult<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub reports: Vec<ReportRow<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub diagnostics: Vec<Problem>,
}

impl<'a> JsonOutput<'a> {
    /// The output of a pay result, with the reporting strata of `evaluated` (program and
    /// evaluation) when there is one.
    pub fn new(
        result: &'a PayResult<'a>,
        evaluated: Option<(&'a Program, &'a Evaluation)>,
    ) -> Self {
        let reports = evaluated.map_or_else(Vec::new, |(p, ev)| eval::report_rows(p, ev));
        JsonOutput { result, reports, diagnostics: Vec::new() }
    }

    /// Pretty JSON with a final newline, as every front end writes it.
    pub fn to_string_pretty(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self).map(|s| s + "\n")
    }
}

// ---------------------------------------------------------------------------------------------
// Schemes

/// A checked and compiled scheme, with the sources it was checked from and its warnings.
pub struct Loaded {
    pub sources: Sources,
    /// The root file's index in `sources`.
    pub root: usize,
    pub scheme: Scheme,
    pub program: Program,
    /// The checker's warnings (a scheme with errors is not loaded).
    pub warnings: Vec<Diagnostic>,
}

/// A scheme that did not load: its sources (for rendering) and every diagnostic, errors and
/// warnings.
pub struct Rejected {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks the root file of `sources` (the files it extends are found among the sources or the
/// shipped schemes, its `from "file.csv"` files among the sources) and compiles it.
pub fn load(mut sources: Sources, root: usize) -> Result<Loaded, Rejected> {
    let checked = crate::check::check(&mut sources, root);
    let errors = checked.errors();
    let Some(scheme) = checked.scheme.filter(|_| errors == 0) else {
        return Err(Rejected { sources, diagnostics: checked.diagnostics });
    };
    // A checked scheme always compiles (the checker resolved every name and number).
    let program = crate::compile::compile(&scheme);
    Ok(Loaded { sources, root, scheme, program, warnings: checked.diagnostics })
}

/// [`load`] of one text under a name.
pub fn load_text(name: &str, text: &str) -> Result<Loaded, Rejected> {
    let mut sources = Sources::default();
    let root = sources.add(name, text);
    load(sources, root)
}

/// Checks every root file of `sources` (`qofrules check`): every diagnostic, each once (a
/// file that is both a root and another root's parent is checked once per root).
pub fn check_all(sources: &mut Sources, roots: &[usize]) -> Vec<Diagnostic> {
    let mut all = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for &root in roots {
        for d in crate::check::check(sources, root).diagnostics {
            if seen.insert((d.location.clone(), d.code, d.message.clone())) {
                all.push(d);
            }
        }
    }
    all
}

/// The printable view of the root file's resolved scheme (`qofrules inspect`), with the
/// checker's diagnostics (warnings only, or nothing when it has errors and no scheme).
pub fn inspect(
    mut sources: Sources,
    root: usize,
) -> (Sources, Option<crate::inspect::SchemeView>, Vec<Diagnostic>) {
    let checked = crate::check::check(&mut sources, root);
    let view = checked.scheme.as_ref().map(|s| crate::inspect::view(s, &sources));
    (sources, view, checked.diagnostics)
}

impl Loaded {
    /// The scheme as one side of a comparison.
    pub fn side(&self) -> Side<'_> {
        Side { scheme: &self.scheme, sources: &self.sources, program: &self.program }
    }

    /// The scheme's payment rules (what a sweep's levers are read against before anything is
    /// evaluated).
    pub fn pay_scheme(&self) -> crate::pay::PayScheme {
        crate::compile::pay_scheme(&self.scheme)
    }

    /// Problems as their serialised form, located in this scheme's sources.
    pub fn problems(&self, diags: &[Diagnostic]) -> Vec<Problem> {
        problems(&self.sources, &[self.root], diags)
    }
}

// ---------------------------------------------------------------------------------------------
// Runs

/// Published counts instead of a population: NHS Digital's achievement file (long format),
/// the prevalence file giving the practices' registers and list sizes, and the structure file
/// placing practices in networks.
#[derive(Clone, Copy, Debug)]
pub struct Counts<'a> {
    pub achievement: InputFile<'a>,
    pub prevalence: Option<InputFile<'a>>,
    pub structure: Option<InputFile<'a>>,
}

/// What a run is computed from.
#[derive(Clone, Copy)]
pub enum Data<'a> {
    /// A patient-level population, evaluated.
    Population(&'a Population),
    /// Published counts, read.
    Counts(Counts<'a>),
    /// A patient-level population read practice by practice and evaluated as it comes,
    /// never whole in memory ([`PopulationStream`]); the same results as `Population`.
    Stream(&'a dyn PopulationStream),
}

/// Everything a run takes besides the scheme.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    pub data: Data<'a>,
    /// Where national prevalence comes from ([`crate::national::decide`]).
    pub national: &'a PrevalenceFrom,
    /// Attested items and historic achievement.
    pub practice: PracticeInputs<'a>,
    /// Evaluation threads: 0 for every core (always one on wasm32).
    pub threads: usize,
    /// Told how a population's evaluation goes ([`crate::progress::Silent`] for nothing).
    pub progress: &'a dyn crate::progress::Progress,
}

/// A run: the evaluation (for a population; `None` for published counts), what the pay phase
/// reads, and the problems that did not stop it (reader and population warnings; the
/// checker's are the scheme's, [`Loaded::warnings`]).
pub struct Run {
    pub evaluation: Option<Evaluation>,
    pub inputs: PayInputs,
    pub warnings: Vec<Diagnostic>,
    /// How a streamed population went (`None` for the other data).
    pub streamed: Option<StreamStats>,
}

impl Run {
    /// Pays the run.
    pub fn pay(&self) -> Result<PayResult<'_>, RunError> {
        pay(&self.inputs)
    }

    /// The JSON output of `result` (this run's pay result) for `loaded`: reporting strata and
    /// every warning, the scheme's and the run's.
    pub fn output<'a>(&'a self, loaded: &'a Loaded, result: &'a PayResult<'a>) -> JsonOutput<'a> {
        let mut out =
            JsonOutput::new(result, self.evaluation.as_ref().map(|ev| (&loaded.program, ev)));
        let mut all = loaded.warnings.clone();
        all.extend(self.warnings.iter().cloned());
        out.diagnostics = loaded.problems(&all);
        out
    }
}

/// The warning a population gets when its records are not dated for the scheme's period.
pub fn period_warning(pop: &Population, scheme: &Scheme) -> Option<Diagnostic> {
    eval::period_mismatch(pop, scheme.period_start, scheme.period_end).map(period_diagnostic)
}

/// The warning of a population not dated for the scheme's period.
fn period_diagnostic(w: eval::PeriodMismatch) -> Diagnostic {
    Diagnostic::at(Severity::Warning, Code::PopulationPeriod, Location::None, w.message)
        .with_help(w.help)
}

/// [`run_dated`] on a population already evaluated (`evaluation`, by the editor's incremental
/// evaluation): national figures decided and the practice-level inputs read, as for a
/// population evaluated here.
pub fn run_evaluated(
    loaded: &Loaded,
    evaluation: Evaluation,
    inputs: &Inputs<'_>,
    period: Option<Diagnostic>,
) -> Result<Run, RunError> {
    let mut pay = eval::pay_inputs(&loaded.scheme, &loaded.program, &evaluation, inputs.national)?;
    read_practice_inputs(&mut pay, &inputs.practice, &loaded.scheme)?;
    let warnings = period.into_iter().collect();
    Ok(Run { evaluation: Some(evaluation), inputs: pay, warnings, streamed: None })
}

/// Runs a scheme on its inputs: a population is evaluated, published counts are read; then
/// national figures are decided and the practice-level inputs read into the pay table.
pub fn run(loaded: &Loaded, inputs: &Inputs<'_>) -> Result<Run, RunError> {
    let period = match inputs.data {
        Data::Population(pop) => period_warning(pop, &loaded.scheme),
        Data::Stream(_) | Data::Counts(_) => None,
    };
    run_dated(loaded, inputs, period)
}

/// [`run`] with the population's period warning already known: `period` must be
/// [`period_warning`] of the same population and a scheme of the same period (it is ignored
/// for streamed populations and published counts). The editor's session, which keeps its
/// population between edits, works it out once per period instead of reading every event's
/// date again on each evaluation.
pub fn run_dated(
    loaded: &Loaded,
    inputs: &Inputs<'_>,
    period: Option<Diagnostic>,
) -> Result<Run, RunError> {
    match inputs.data {
        Data::Population(pop) => {
            let warnings = period.into_iter().collect();
            let r = run_population_with_progress(
                &loaded.scheme,
                &loaded.program,
                pop,
                inputs.national,
                &inputs.practice,
                inputs.threads,
                inputs.progress,
            )?;
            Ok(Run { evaluation: Some(r.evaluation), inputs: r.inputs, warnings, streamed: None })
        }
        Data::Stream(source) => stream::run_stream(loaded, source, inputs),
        Data::Counts(counts) => {
            let mut warnings = Vec::new();
            let mut pay_inputs =
                counts_inputs(&loaded.scheme, &counts, inputs.national, &mut warnings)?;
            read_practice_inputs(&mut pay_inputs, &inputs.practice, &loaded.scheme)?;
            Ok(Run { evaluation: None, inputs: pay_inputs, warnings, streamed: None })
        }
    }
}

/// A reader's counted warnings as diagnostics at the file and the first row concerned.
fn reader_warnings(file: &str, summary: &ReadSummary, out: &mut Vec<Diagnostic>) {
    for w in &summary.warnings {
        let d = Diagnostic::at(
            Severity::Warning,
            Code::DataWarning,
            Location::Row { file: file.to_string(), row: Some(w.first_line), column: None },
            format!("{} ({} {})", w.message, w.rows, if w.rows == 1 { "row" } else { "rows" }),
        );
        if !out.contains(&d) {
            out.push(d);
        }
    }
}

/// A scheme's pay inputs from published counts (the achievement reader maps indicator ids
/// per scheme, so each scheme reads the files for itself).
fn counts_inputs(
    scheme: &Scheme,
    counts: &Counts<'_>,
    from: &PrevalenceFrom,
    warnings: &mut Vec<Diagnostic>,
) -> Result<PayInputs, RunError> {
    let pay = crate::compile::pay_scheme(scheme);
    let mut data = PracticeData::new();
    if let Some(f) = counts.prevalence {
        let summary = read_prevalence(&mut data, f.text, f.name)?;
        reader_warnings(f.name, &summary, warnings);
    }
    let known: BTreeMap<String, String> =
        scheme.indicators.iter().map(|i| (i.id.clone(), i.group.clone())).collect();
    let opts = AchievementOptions { known: Some(&known), ..Default::default() };
    let f = counts.achievement;
    let summary = read_achievement(&mut data, f.text, f.name, &opts)?;
    reader_warnings(f.name, &summary, warnings);
    if let Some(f) = counts.structure {
        let summary = read_structure(&mut data, f.text, f.name)?;
        reader_warnings(f.name, &summary, warnings);
    }
    let national = crate::national::decide(scheme, &pay, &data, from)?;
    Ok(PayInputs { scheme: pay, national, data })
}

/// National figures from NHS Digital's prevalence file (every practice of the year), summed
/// per group.
pub fn national_file(f: InputFile<'_>) -> Result<PrevalenceFrom, RunError> {
    Ok(PrevalenceFrom::File(crate::national::NationalFile::read(f.text, f.name)?))
}

// ---------------------------------------------------------------------------------------------
// Compare

/// What two schemes are compared on.
#[derive(Clone, Copy)]
pub enum CompareData<'a> {
    /// The same patients, dated for A's and for B's period (the same population twice when
    /// it is used as it is).
    Population(&'a Population, &'a Population),
    /// Published counts, read by each scheme.
    Counts(Counts<'a>),
}

/// A comparison and the problems that did not stop it.
pub struct Compared {
    pub comparison: Comparison,
    pub warnings: Vec<Diagnostic>,
}

/// `qofrules compare --format json`: the comparison and, when there are any, the warnings
/// (both schemes' checker warnings, the readers' and the population's).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Serialize)]
pub struct CompareJson<'a> {
    #[serde(flatten)]
    pub comparison: &'a Comparison,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub diagnostics: Vec<Problem>,
}

/// A warning of scheme B, said so.
fn of_b(mut d: Diagnostic) -> Diagnostic {
    d.message = format!("scheme B: {}", d.message);
    d
}

/// Compares two schemes ([`crate::compare`]) on a population or on published counts, with the
/// same national figures rule and each side's practice-level inputs.
pub fn compare(
    a: &Loaded,
    b: &Loaded,
    data: CompareData<'_>,
    national: &PrevalenceFrom,
    practice: (&PracticeInputs<'_>, &PracticeInputs<'_>),
    progress: &dyn crate::progress::Progress,
) -> Result<Compared, RunError> {
    let mut warnings = Vec::new();
    let result = match data {
        CompareData::Population(pop_a, pop_b) => {
            warnings.extend(period_warning(pop_a, &a.scheme));
            let same = std::ptr::eq(pop_a, pop_b)
                && a.scheme.period_start == b.scheme.period_start
                && a.scheme.period_end == b.scheme.period_end;
            if !same {
                warnings.extend(period_warning(pop_b, &b.scheme).map(of_b));
            }
            compare::impact_dated_with_progress(
                a.side(),
                b.side(),
                (pop_a, pop_b),
                national,
                practice,
                progress,
            )
        }
        CompareData::Counts(counts) => {
            let side = |l: &Loaded, p: &PracticeInputs<'_>, w: &mut Vec<Diagnostic>| {
                let mut inputs =
                    counts_inputs(&l.scheme, &counts, national, w).map_err(|e| RunError {
                        diagnostics: e
                            .diagnostics
                            .into_iter()
                            .map(|mut d| {
                                if d.code == Code::National {
                                    d.message = format!("scheme `{}`: {}", l.scheme.id, d.message);
                                }
                                d
                            })
                            .collect(),
                    })?;
                read_practice_inputs(&mut inputs, p, &l.scheme)?;
                Ok::<_, RunError>(inputs)
            };
            let in_a = side(a, practice.0, &mut warnings)?;
            let in_b = side(b, practice.1, &mut warnings)?;
            compare::impact_counts(a.side(), b.side(), &in_a, &in_b)
        }
    };
    let comparison = result.map_err(|e| RunError::one(Diagnostic::from(&e)))?;
    Ok(Compared { comparison, warnings })
}

impl Compared {
    /// The JSON of `qofrules compare --format json`, warnings included.
    pub fn json<'a>(&'a self, a: &Loaded, b: &Loaded) -> CompareJson<'a> {
        let mut diagnostics = a.problems(&a.warnings);
        diagnostics.extend(b.problems(&b.warnings));
        diagnostics.extend(crate::diag::run_problems(&self.warnings));
        CompareJson { comparison: &self.comparison, diagnostics }
    }
}

// ---------------------------------------------------------------------------------------------
// Explain and tests

/// A patient, in a few words (the editor's list, an explanation's header).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct PatientSummary {
    pub patient_id: String,
    pub practice_id: String,
    pub sex: crate::model::Sex,
    pub birth_date: String,
    pub events: usize,
}

impl PatientSummary {
    pub fn of(p: &Patient) -> PatientSummary {
        PatientSummary {
            patient_id: p.patient_id.clone(),
            practice_id: p.practice_id.clone(),
            sex: p.sex,
            birth_date: p.birth_date.to_string(),
            events: p.events.len(),
        }
    }
}

/// `qofrules explain --format json` and the editor's explain reply: the patient, why they did
/// or did not count, and the warnings (the scheme's and the population's), if any.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct ExplainOutput {
    pub patient: PatientSummary,
    pub traces: Vec<IndicatorTrace>,
    /// The patient's record, as the rules saw it (dated for the scheme's period).
    pub events: Vec<EventView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub diagnostics: Vec<Problem>,
}

/// One event of a patient's record, with the scheme's code lists its code is in.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct EventView {
    pub date: String,
    /// The SNOMED CT id as text (up to 18 digits: more than a JavaScript number holds).
    pub code: String,
    pub value: Option<f64>,
    pub lists: Vec<String>,
}

impl EventView {
    /// The events of `p`, each with the code lists of `prog` its code is in.
    pub fn of(prog: &Program, p: &Patient) -> Vec<EventView> {
        p.events
            .iter()
            .map(|ev| EventView {
                date: ev.date.to_string(),
                code: ev.code.to_string(),
                value: ev.value,
                lists: prog
                    .lists
                    .iter()
                    .filter(|l| l.codes.binary_search(&ev.code).is_ok())
                    .map(|l| l.id.clone())
                    .collect(),
            })
            .collect()
    }
}

/// One patient explained.
pub struct Explained<'p> {
    pub patient: &'p Patient,
    pub traces: Vec<IndicatorTrace>,
    /// The patient's record with the code lists of each code.
    pub events: Vec<EventView>,
    /// The population's warning, when its records are not dated for the scheme's period.
    pub warnings: Vec<Diagnostic>,
}

/// Why one patient of `pop` did or did not count, for every indicator or only `indicator`.
pub fn explain<'p>(
    loaded: &Loaded,
    pop: &'p Population,
    patient_id: &str,
    indicator: Option<&str>,
) -> Result<Explained<'p>, RunError> {
    if let Some(id) = indicator {
        if loaded.scheme.indicator(id).is_none() {
            let ids = loaded.program.indicators.iter().map(|i| i.id.as_str());
            let d = Diagnostic::at(
                Severity::Error,
                Code::UnknownIndicator,
                Location::None,
                format!("the scheme has no indicator `{id}`"),
            )
            .with_optional_help(
                crate::diag::did_you_mean(id, ids).map(|s| format!("did you mean `{s}`?")),
            );
            return Err(RunError::one(d));
        }
    }
    let Some(patient) = pop.patients.iter().find(|p| p.patient_id == patient_id) else {
        return Err(RunError::one(
            Diagnostic::at(
                Severity::Error,
                Code::UnknownPatient,
                Location::None,
                format!("the population has no patient `{patient_id}`"),
            )
            .with_help("patient ids are the `patient_id` column of the population"),
        ));
    };
    Ok(Explained {
        patient,
        traces: eval::explain(&loaded.program, patient, indicator),
        events: EventView::of(&loaded.program, patient),
        warnings: period_warning(pop, &loaded.scheme).into_iter().collect(),
    })
}

/// The patients of `pop` that `keep` accepts and that have `status` for indicator `id`
/// (`numerator`; `denominator`, the numerator included, as the counts are; `unmet`;
/// `adjusted`, of the adjustment `category` only when one is given (its key, as in
/// `pcas_by_category`); `excluded`, on the indicator's register or cohort, when it has one,
/// and excluded by the cascade; `register`), classified with the cascade the counts use, so
/// an indicator's `numerator` lists as many patients as its numerator counts: the first
/// `limit` of them, in population order, and how many there are.
pub fn patients_with_status(
    loaded: &Loaded,
    pop: &Population,
    keep: impl Fn(&&Patient) -> bool,
    id: &str,
    status: &str,
    category: Option<&str>,
    limit: usize,
) -> Result<(Vec<PatientSummary>, usize), RunError> {
    let prog = &loaded.program;
    let Some(i) = prog.indicators.iter().position(|x| x.id == id) else {
        let ids = prog.indicators.iter().map(|i| i.id.as_str());
        return Err(RunError::one(
            Diagnostic::at(
                Severity::Error,
                Code::UnknownIndicator,
                Location::None,
                format!("the scheme has no indicator `{id}`"),
            )
            .with_optional_help(
                crate::diag::did_you_mean(id, ids).map(|s| format!("did you mean `{s}`?")),
            ),
        ));
    };
    let ind = &prog.indicators[i];
    let register = ind.register.or(ind.cohort);
    if let Some(cat) = category {
        if !ind.adjustments.iter().any(|a| a.category.key() == cat) {
            let keys: Vec<&str> = ind.adjustments.iter().map(|a| a.category.key()).collect();
            let help = if keys.is_empty() {
                format!("`{id}` has no adjustments")
            } else {
                format!("`{id}` adjusts for {}", keys.join(", "))
            };
            return Err(RunError::one(
                Diagnostic::at(
                    Severity::Error,
                    Code::BadArgument,
                    Location::None,
                    format!("`{id}` has no adjustment category `{cat}`"),
                )
                .with_help(help),
            ));
        }
    }
    let mut e = eval::Engine::new(prog);
    let mut matched = 0;
    let mut patients = Vec::new();
    for p in pop.patients.iter().filter(keep) {
        e.load(p);
        let class = e.classify(i).class;
        let yes = match status {
            "numerator" => class == eval::Class::Numerator,
            "denominator" => matches!(class, eval::Class::Numerator | eval::Class::Denominator),
            "unmet" => class == eval::Class::Denominator,
            "adjusted" => match class {
                eval::Class::Adjusted(k) => category.map_or(true, |cat| {
                    ind.adjustments.get(usize::from(k)).is_some_and(|a| a.category.key() == cat)
                }),
                _ => false,
            },
            "excluded" => {
                class == eval::Class::Excluded && register.map_or(true, |r| e.on_register(r))
            }
            _ => register.is_some_and(|r| e.on_register(r)),
        };
        if yes {
            matched += 1;
            if patients.len() < limit {
                patients.push(PatientSummary::of(p));
            }
        }
    }
    Ok((patients, matched))
}

/// [`explain`] of a patient read alone from a streamed population
/// ([`crate::population::find_patient_csv`]): `found` holds the patient's rows only, and
/// `dates` the dates of every event of the population, counted on the way, from which the
/// period warning comes as it would from the population held whole.
pub fn explain_streamed<'p>(
    loaded: &Loaded,
    found: &'p Population,
    dates: &eval::EventDates,
    patient_id: &str,
    indicator: Option<&str>,
) -> Result<Explained<'p>, RunError> {
    let mut ex = explain(loaded, found, patient_id, indicator)?;
    ex.warnings = dates.mismatch().map(period_diagnostic).into_iter().collect();
    Ok(ex)
}

/// Runs the scheme's test patients.
pub fn tests(loaded: &Loaded) -> eval::TestReport {
    eval::run_tests(&loaded.scheme, &loaded.program)
}

/// One test's result, placed and in words (`qofrules test --format json`, JUnit).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct TestRecord {
    /// The scheme the test ran under (the root file's).
    pub scheme: String,
    /// The file the test is written in: the root file, or the parent it is inherited from.
    pub file: String,
    /// The test's line in `file`.
    pub line: usize,
    pub name: String,
    /// Written in a parent scheme, run under this one.
    pub inherited: bool,
    pub passed: bool,
    /// Every expectation, in written order.
    pub expectations: Vec<ExpectationRecord>,
    /// Problems that stopped the test (building a patient, paying the practice).
    pub errors: Vec<String>,
    /// For a test inherited from a scheme of another period, the period end date it was
    /// written for: its patients' dates were moved to this scheme's period.
    pub moved_from: Option<String>,
}

/// One expectation of a test.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct ExpectationRecord {
    pub line: usize,
    /// The indicator, or `practice` for the practice's pay.
    pub indicator: String,
    /// `outcome`, `points` or `payment`.
    #[cfg_attr(test, ts(type = "\"outcome\" | \"points\" | \"payment\""))]
    pub kind: &'static str,
    /// As written: `numerator in stratum fit`, `12.5`, `£1234.56`.
    pub expected: String,
    /// What the engine gave, in the same form (`null` when there is nothing to compare).
    pub actual: Option<String>,
    pub passed: bool,
    /// Why the actual outcome or figure is what it is (failures only).
    pub explanation: Option<String>,
}

impl ExpectationRecord {
    /// `DM020: expected numerator, got denominator`.
    pub fn summary(&self) -> String {
        let what = match self.kind {
            "outcome" => String::new(),
            k => format!(" {k}"),
        };
        format!(
            "{}{what}: expected {}, got {}",
            self.indicator,
            self.expected,
            self.actual.as_deref().unwrap_or("nothing")
        )
    }
}

/// The records of a test report of `loaded`.
pub fn test_records(loaded: &Loaded, report: &eval::TestReport) -> Vec<TestRecord> {
    let mut out = Vec::new();
    for t in &report.tests {
        let Some(f) = loaded.sources.files.get(t.file) else { continue };
        let index = f.line_index();
        let line = |span: crate::syntax::ast::Span| index.line_of(span.start as usize);
        let mut expectations: Vec<(u32, ExpectationRecord)> = Vec::new();
        for x in &t.expects {
            let rec = ExpectationRecord {
                line: line(x.span),
                indicator: x.indicator.clone(),
                kind: "outcome",
                expected: eval::outcome_text(&x.expected, x.expected_stratum.as_deref()),
                actual: Some(eval::outcome_text(&x.actual, x.actual_stratum.as_deref())),
                passed: x.passed,
                explanation: x.explanation.clone(),
            };
            expectations.push((x.span.start, rec));
        }
        for x in &t.figures {
            let pounds = |v: &str| match x.figure {
                crate::syntax::ast::Figure::Payment => format!("£{v}"),
                crate::syntax::ast::Figure::Points => v.to_string(),
            };
            let rec = ExpectationRecord {
                line: line(x.span),
                indicator: x.indicator.clone().unwrap_or_else(|| "practice".to_string()),
                kind: match x.figure {
                    crate::syntax::ast::Figure::Points => "points",
                    crate::syntax::ast::Figure::Payment => "payment",
                },
                expected: pounds(&x.expected),
                // points as their value (12.5), pounds as paid (£12.50)
                actual: x.actual.map(|a| match x.figure {
                    crate::syntax::ast::Figure::Points => a.normalize().to_string(),
                    crate::syntax::ast::Figure::Payment => pounds(&eval::pounds(a).to_string()),
                }),
                passed: x.passed,
                explanation: x.explanation.clone(),
            };
            expectations.push((x.span.start, rec));
        }
        expectations.sort_by_key(|(start, _)| *start);
        out.push(TestRecord {
            scheme: loaded.scheme.id.clone(),
            file: f.name.clone(),
            line: line(t.span),
            name: t.name.clone(),
            inherited: t.file != loaded.root,
            passed: t.passed,
            expectations: expectations.into_iter().map(|(_, r)| r).collect(),
            errors: t.errors.clone(),
            moved_from: t.moved_from.map(|d| d.to_string()),
        });
    }
    out
}
