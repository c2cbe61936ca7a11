//! The one pipeline behind every front end for a patient-level population: evaluate ->
//! pay inputs (national figures decided in one place, [`crate::national::decide`]) ->
//! practice-level inputs (attested items, historic achievement) -> pay -> the JSON output.
//! The CLI (`qofrules eval`), the editor's session and the wasm module all call it, so the
//! same inputs give the same bytes everywhere, reporting strata included. No I/O: files are
//! given as text with the name their messages use.

use crate::compile::Program;
use crate::eval::{self, Evaluation, PayInputs, ReportRow};
use crate::model::Population;
use crate::national::PrevalenceFrom;
use crate::pay::{self, PayResult};
use crate::scheme::Scheme;
use serde::Serialize;

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

/// Why a run stopped: a message for the user, with a hint where one helps.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RunError {
    /// No national figures for the scheme (none stated, none given).
    #[error("{message}")]
    National { message: String, help: String },
    /// An attested or historic file could not be read.
    #[error("{0}")]
    Input(String),
    /// The pay phase refused the inputs.
    #[error("{0}")]
    Pay(String),
}

impl RunError {
    pub fn help(&self) -> Option<&str> {
        match self {
            RunError::National { help, .. } => Some(help),
            _ => None,
        }
    }
}

/// An evaluated population and what the pay phase reads.
pub struct Run {
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
) -> Result<Run, RunError> {
    let evaluation = match threads {
        0 => eval::evaluate(prog, pop),
        n => eval::evaluate_with_threads(prog, pop, n),
    };
    pay_ready(scheme, prog, evaluation, from, practice)
}

/// As [`run_population`] on every core, telling `progress` how the evaluation goes.
pub fn run_population_with_progress(
    scheme: &Scheme,
    prog: &Program,
    pop: &Population,
    from: &PrevalenceFrom,
    practice: &PracticeInputs<'_>,
    progress: &dyn crate::progress::Progress,
) -> Result<Run, RunError> {
    let evaluation = eval::evaluate_with_progress(prog, pop, progress);
    pay_ready(scheme, prog, evaluation, from, practice)
}

/// An evaluation with the pay inputs made from it.
fn pay_ready(
    scheme: &Scheme,
    prog: &Program,
    evaluation: Evaluation,
    from: &PrevalenceFrom,
    practice: &PracticeInputs<'_>,
) -> Result<Run, RunError> {
    let mut inputs = eval::pay_inputs(scheme, prog, &evaluation, from)
        .map_err(|e| RunError::National { message: e.message, help: e.help })?;
    read_practice_inputs(&mut inputs, practice, scheme)?;
    Ok(Run { evaluation, inputs })
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

/// Reads the attested and historic files into the pay table. The historic file is either
/// qofrules' own (`practice_id,year,item,points,pounds`) or an NHS Digital achievement file
/// (long format, `PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE`), whose `ACHIEVED_POINTS` are
/// filed as the achievement of the one year the scheme's payment model is historic on.
pub fn read_practice_inputs(
    inputs: &mut PayInputs,
    practice: &PracticeInputs<'_>,
    scheme: &Scheme,
) -> Result<(), RunError> {
    if let Some(f) = practice.attested {
        crate::aggregate::read_attested(&mut inputs.data, f.text, f.name)
            .map_err(|e| RunError::Input(e.to_string()))?;
    }
    if let Some(f) = practice.historic {
        if is_achievement_file(f.text) {
            historic_from_achievement(&mut inputs.data, f, scheme)?;
        } else {
            crate::aggregate::read_historic(&mut inputs.data, f.text, f.name)
                .map_err(|e| RunError::Input(e.to_string()))?;
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
            return Err(RunError::Input(format!(
                "`{}` is an achievement file, but scheme `{}` pays nothing on historic achievement",
                f.name, scheme.id
            )))
        }
        _ => {
            let list: Vec<String> = years.iter().map(|y| format!("`{y}`")).collect();
            return Err(RunError::Input(format!(
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
    )
    .map_err(|e| RunError::Input(e.to_string()))?;
    other.historic_from_reported_points(&year);
    for p in other.practices() {
        if data.practice(&p.practice_id).is_none() {
            continue;
        }
        for (item, value) in p.historic.get(&year).into_iter().flatten() {
            data.set_historic(&p.practice_id, &year, item, value.clone());
        }
    }
    Ok(())
}

/// Pays a run.
pub fn pay(inputs: &PayInputs) -> Result<PayResult<'_>, RunError> {
    pay::pay(&inputs.scheme, &inputs.national, &inputs.data).map_err(|e| {
        RunError::Pay(e.0.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("; "))
    })
}

/// The JSON output of an evaluation (`qofrules eval --format json`, the editor's
/// `evaluate_json`): the pay result, plus the reporting-strata counts when a population was
/// evaluated and the scheme reports by anything.
#[derive(Serialize)]
pub struct JsonOutput<'a> {
    #[serde(flatten)]
    pub result: &'a PayResult<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<ReportRow<'a>>,
}

impl<'a> JsonOutput<'a> {
    /// The output of a pay result, with the reporting strata of `evaluated` (program and
    /// evaluation) when there is one.
    pub fn new(
        result: &'a PayResult<'a>,
        evaluated: Option<(&'a Program, &'a Evaluation)>,
    ) -> Self {
        let reports = evaluated.map_or_else(Vec::new, |(p, ev)| eval::report_rows(p, ev));
        JsonOutput { result, reports }
    }

    /// Pretty JSON with a final newline, as every front end writes it.
    pub fn to_string_pretty(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self).map(|s| s + "\n")
    }
}
