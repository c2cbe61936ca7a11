//! The editor's session: a population kept between calls, and the whole pipeline behind one
//! call each (check, format, inspect, evaluate, explain, tests, compare), with plain
//! serializable replies. The wasm layer (`src/wasm.rs`) wraps a [`Session`] and converts;
//! having the glue here keeps it testable natively and identical to the CLI's pipeline.
//!
//! Every reply is a [`Reply`]: `ok` with the value's fields, or `ok: false` with `errors`
//! ([`Problem`]s with file, line and UTF-16 column, the units the browser editor counts in).
//! No I/O: population files arrive as text.

use crate::check::check_text;
use crate::compare::Comparison;
use crate::diag::{Code, Diagnostic, LineIndex};
use crate::eval::TestReport;
use crate::model::Population;
use crate::national::PrevalenceFrom;
use crate::pipeline::{self, InputFile, Loaded, PracticeInputs};
use crate::population::{
    read_csv, read_ndjson, DataErrors, Format, Source, EVENTS_FILE, PATIENTS_FILE, PRACTICES_FILE,
};
use crate::scheme::{Scheme, Sources};
use crate::synth::inputs::{ATTESTED_FILE, HISTORIC_FILE};
use crate::synth::{self, Selection, SynthOptions, SynthYear};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::rc::Rc;

/// The name the edited text is checked under (diagnostics in it have `root: true`).
pub const ROOT_NAME: &str = "scheme.qof";
/// The name of the second text in compare mode.
pub const ROOT_NAME_B: &str = "scheme-b.qof";

/// The help of a call about patients on published counts, which have none.
const NO_PATIENTS_HELP: &str =
    "load a population (the default, a synthetic one or your files) to explore patients";

/// A reply: `{ok: true, ...value}` or `{ok: false, errors: [...]}`. `warnings` carries
/// diagnostics that did not stop the call.
#[derive(Clone, Debug, Serialize)]
pub struct Reply<T> {
    pub ok: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub value: Option<T>,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl<T> Reply<T> {
    fn ok(value: T, warnings: Vec<Problem>) -> Self {
        Reply { ok: true, value: Some(value), errors: Vec::new(), warnings }
    }
    fn err(errors: Vec<Problem>) -> Self {
        Reply { ok: false, value: None, errors, warnings: Vec::new() }
    }
    fn message(code: Code, message: impl Into<String>, help: Option<String>) -> Self {
        Self::err(vec![Problem::plain(code, message, help)])
    }
}

pub use crate::diag::{pos, problems, Pos, Problem, ProblemLabel};

/// A reply as JSON text; should it not convert, a reply saying so.
fn reply_text<T: Serialize>(reply: &Reply<T>) -> String {
    serde_json::to_string(reply).unwrap_or_else(|e| {
        let failed: Reply<()> =
            Reply::message(Code::Internal, format!("cannot convert the result: {e}"), None);
        serde_json::to_string(&failed)
            .unwrap_or_else(|_| r#"{"ok":false,"errors":[],"warnings":[]}"#.to_owned())
    })
}

/// Problems of a run, outside any rule file (data, options, pay).
fn run_problems(diags: impl IntoIterator<Item = Diagnostic>) -> Vec<Problem> {
    crate::diag::run_problems(&diags.into_iter().collect::<Vec<_>>())
}

fn data_problems(e: &DataErrors) -> Vec<Problem> {
    run_problems(e.diagnostics("load the files again"))
}

/// What `check` returns.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct CheckOutput {
    /// Every diagnostic, errors and warnings, in file order.
    pub diagnostics: Vec<Problem>,
    pub error_count: usize,
    pub warning_count: usize,
    /// The scheme's id and title when it checked without errors.
    pub scheme: Option<SchemeName>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct SchemeName {
    pub id: String,
    pub title: String,
    pub period_end: String,
    pub indicators: usize,
    pub tests: usize,
}

/// A shipped scheme.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct ShippedFile {
    pub path: &'static str,
    pub text: &'static str,
}

/// What a population is and how big.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PopulationInfo {
    /// `default`, `synthetic`, `files` or `counts` (published counts, no patients).
    #[cfg_attr(test, ts(type = r#""default" | "synthetic" | "files" | "counts""#))]
    pub kind: &'static str,
    /// A description: `NHS Dudley CCG at scale 0.05, seed 2020`, or the file names.
    pub label: String,
    pub practices: usize,
    pub patients: usize,
    pub events: usize,
}

/// Options of a synthetic population: one of `ccg`, `network` or `practices`; seed and scale.
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SynthRequest {
    pub ccg: Option<String>,
    pub network: Option<String>,
    pub practices: Option<Vec<String>>,
    pub seed: Option<u64>,
    pub scale: Option<f64>,
}

pub use crate::pipeline::{EventView, ExplainOutput, PatientSummary};

/// The patient explorer's query: patients whose id contains `filter` (any case), at
/// `practice` when given, and, with an `indicator`, only those with `status` for it.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PatientQuery {
    pub filter: String,
    pub practice: Option<String>,
    pub indicator: Option<String>,
    /// One of [`PATIENT_STATUSES`]; none: every patient.
    #[cfg_attr(test, ts(type = "PatientStatus | null"))]
    pub status: Option<String>,
    /// With `adjusted`: only the adjustments of this category (its key, as in
    /// `pcas_by_category`: `unsuitable`, `chose_not_to`, ..., or a scheme's own); none: all.
    #[cfg_attr(test, ts(optional))]
    pub category: Option<String>,
    pub limit: usize,
    /// `female`, `male` or `unknown` (or `F`, `M`, `U`); none: either.
    pub sex: Option<String>,
    /// Age at the end of the scheme's period, in whole years, from and to (both included).
    pub age_from: Option<u32>,
    pub age_to: Option<u32>,
}

/// The statuses a patient can be listed by for an indicator: `numerator`; `denominator`
/// (the numerator included, as the counts are); `unmet` (in the denominator, not achieved);
/// `adjusted` (a personalised care adjustment, of one category when the query names it);
/// `excluded` (on the indicator's register or cohort, if it has one, and excluded by the
/// cascade); `register` (on the indicator's register).
pub const PATIENT_STATUSES: [&str; 6] =
    ["numerator", "denominator", "unmet", "adjusted", "excluded", "register"];

/// What `find_patients` returns: the first `limit` matches and how many there are.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct PatientList {
    pub patients: Vec<PatientSummary>,
    pub matched: usize,
}

/// One expectation of a test, with its line in the edited text.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct TestOutput {
    pub report: TestReport,
    /// Per test (same order): its position in its file.
    pub positions: Vec<Option<Pos>>,
    /// Per test (same order): its file, line and expectations in words, as `qofrules test
    /// --format json` prints them (inherited tests and pay expectations included).
    pub records: Vec<crate::pipeline::TestRecord>,
}

/// What `evaluate` returns: the payment result, as the CLI's `eval --format json` prints it.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct EvalOutput {
    #[cfg_attr(test, ts(type = "EvalJson"))]
    pub result: serde_json::Value,
    /// Each indicator summed over the practices and networks of `result`, so that the page
    /// shows totals without adding decimals itself.
    pub indicators: Vec<crate::pay::IndicatorSum>,
    pub population: PopulationInfo,
}

/// What `compare` returns.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct CompareOutput {
    pub scheme_a: SchemeName,
    pub scheme_b: SchemeName,
    /// The core's comparison, as `qofrules compare --format json` prints it: the rule changes
    /// (`header`, each indicator's `status` and `changes`), per-indicator, per-practice and
    /// per-network figures under A and B, the totals, the distribution and the patients who
    /// change class.
    pub comparison: Comparison,
    /// Practices paid more under B than under A.
    pub gainers: usize,
    /// Practices paid less under B than under A.
    pub losers: usize,
    pub population: PopulationInfo,
    /// The self-contained HTML report `qofrules compare --format html` writes for the same
    /// two schemes and population ([`crate::compare::html::render_for`] of `comparison`,
    /// naming the population).
    pub html: String,
    /// Where the rule changes are written in each editor's text ([`marks::marks`]).
    pub marks_a: Vec<marks::DiffMark>,
    pub marks_b: Vec<marks::DiffMark>,
}

/// A scheme's period, as the population's period warning depends on it: (start, end).
type PeriodKey = (crate::date::Date, crate::date::Date);

/// A checked and compiled text.
struct Compiled {
    text: String,
    loaded: Loaded,
    warnings: Vec<Problem>,
}

/// A file given to the session: its name (for messages) and text.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct NamedText {
    pub name: String,
    pub text: String,
}

impl NamedText {
    fn file(&self) -> InputFile<'_> {
        InputFile { name: &self.name, text: &self.text }
    }
}

/// Published counts to run on instead of a population: NHS Digital's achievement file, and
/// optionally its prevalence file (registers, list sizes) and a structure file (networks).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CountsRequest {
    pub achievement: NamedText,
    #[serde(default)]
    pub prevalence: Option<NamedText>,
    #[serde(default)]
    pub structure: Option<NamedText>,
}

/// Practice-level inputs given for every run, in place of those loaded with the population
/// (or the synthetic ones of a generated population): `None` keeps those.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PracticeRequest {
    pub attested: Option<NamedText>,
    pub historic: Option<NamedText>,
}

/// The inputs of the session's runs besides the population, by file name.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InputsInfo {
    /// The national prevalence file, if one is given.
    pub national: Option<String>,
    /// The attested and historic files given (not those loaded with a population).
    pub attested: Option<String>,
    pub historic: Option<String>,
}

/// The state kept between calls: the population and the last two compiled texts.
pub struct Session {
    population: Population,
    /// A generated population (the default or a synthetic one) as generated, and the period
    /// end `population` is dated for: it is dated afresh from the original for each scheme's
    /// period ([`synth::redate`]), never from an earlier dating (month-end clamping would
    /// drift). `None` for loaded files, which are used as they are.
    generated: Option<(Population, crate::date::Date)>,
    info: PopulationInfo,
    cache: Vec<Rc<Compiled>>,
    /// The population's period warning ([`pipeline::period_warning`]) for a period (start,
    /// end): reading every event's date is a good part of an evaluation in the editor, and
    /// the answer changes only with the population or the period. Cleared whenever the
    /// population is replaced ([`Session::set_population`]).
    period: Option<(PeriodKey, Option<Diagnostic>)>,
    /// What the last evaluation of the population worked out, so that an edit re-evaluates
    /// only the indicators it changed ([`crate::eval::incremental`]). Cleared whenever the
    /// population is replaced ([`Session::set_population`]).
    evaluated: crate::eval::incremental::EvalCache,
    /// Evaluation threads; 0 = as many as the machine has (always one in wasm).
    threads: usize,
    /// Where national prevalence comes from (the scheme's figures unless the user chooses the
    /// population's own or gives a file).
    prevalence_from: PrevalenceFrom,
    /// The population's own prevalence was chosen (used when no national file is given).
    from_population: bool,
    /// The national prevalence file given, if any.
    national: Option<NamedText>,
    /// Published counts, run on instead of the population when given.
    counts: Option<CountsRequest>,
    /// Practice-level inputs given for every run (attested, historic).
    given_files: [Option<NamedText>; 2],
    /// Practice-level input files loaded with the population (`attested.csv`, `historic.csv`:
    /// name and text). A generated population gets synthetic ones for each scheme instead.
    practice_files: [Option<(String, String)>; 2],
    /// The seed of a generated population (for its synthetic practice-level inputs).
    seed: u64,
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

fn info(kind: &'static str, label: String, pop: &Population) -> PopulationInfo {
    PopulationInfo {
        kind,
        label,
        practices: pop.practices.len(),
        patients: pop.patients.len(),
        events: pop.patients.iter().map(|p| p.events.len()).sum(),
    }
}

fn scheme_name(s: &Scheme) -> SchemeName {
    SchemeName {
        id: s.id.clone(),
        title: s.title.clone(),
        period_end: s.period_end.to_string(),
        indicators: s.indicators.len(),
        tests: s.tests.len(),
    }
}

fn default_label() -> String {
    synth::default_label()
}

fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

impl Session {
    /// A session on the embedded default population.
    pub fn new() -> Session {
        let population = synth::default_population();
        let info = info("default", default_label(), &population);
        let generated = Some((population.clone(), SynthYear::Y2019_20.period_end()));
        Session { generated, info, ..Session::with_population(population, "") }
    }

    /// A session on a given population.
    pub fn with_population(population: Population, label: &str) -> Session {
        let info = info("files", label.to_string(), &population);
        Session {
            population,
            generated: None,
            info,
            cache: Vec::new(),
            period: None,
            evaluated: Default::default(),
            threads: 0,
            prevalence_from: PrevalenceFrom::Scheme,
            from_population: false,
            national: None,
            counts: None,
            given_files: [None, None],
            practice_files: [None, None],
            seed: synth::DEFAULT_SEED,
        }
    }

    /// Evaluates on at most `threads` threads (0: all cores). Lets benchmarks compare native
    /// and wasm (single-threaded) on the same work.
    pub fn with_threads(mut self, threads: usize) -> Session {
        self.threads = threads;
        self
    }

    /// Chooses where national prevalence comes from: the scheme's figures (or those embedded
    /// for its year), the default; or, with `population`, the loaded practices' own.
    pub fn set_prevalence_from_population(&mut self, population: bool) {
        self.from_population = population;
        if self.national.is_none() {
            self.prevalence_from =
                if population { PrevalenceFrom::Population } else { PrevalenceFrom::Scheme };
        }
    }

    /// Takes national prevalence from NHS Digital's prevalence file (every practice of the
    /// year, summed per group; `qofrules eval --national FILE`), or with `None` goes back to
    /// the scheme's figures (or the population's own, if chosen).
    pub fn set_national(&mut self, file: Option<NamedText>) -> Reply<InputsInfo> {
        match &file {
            Some(f) => match pipeline::national_file(f.file()) {
                Ok(from) => self.prevalence_from = from,
                Err(e) => return Reply::err(run_problems(e.diagnostics)),
            },
            None => {
                self.prevalence_from = if self.from_population {
                    PrevalenceFrom::Population
                } else {
                    PrevalenceFrom::Scheme
                }
            }
        }
        self.national = file;
        Reply::ok(self.inputs_info(), Vec::new())
    }

    /// Gives the attested items and historic achievement of every run (`qofrules eval
    /// --attested/--historic`), in place of those of the population.
    pub fn set_practice_inputs(&mut self, req: PracticeRequest) -> Reply<InputsInfo> {
        self.given_files = [req.attested, req.historic];
        Reply::ok(self.inputs_info(), Vec::new())
    }

    /// The inputs given besides the population.
    pub fn inputs_info(&self) -> InputsInfo {
        let name = |f: &Option<NamedText>| f.as_ref().map(|f| f.name.clone());
        InputsInfo {
            national: name(&self.national),
            attested: name(&self.given_files[0]),
            historic: name(&self.given_files[1]),
        }
    }

    /// [`Session::load_counts`] of files given by name, each one's part told by its header:
    /// NHS Digital's achievement file (`INDICATOR_CODE`, `MEASURE`), prevalence file
    /// (`GROUP_CODE`, `REGISTER`) and a structure file (`PCN_ODS_CODE` or `network_id`).
    pub fn load_counts_files(&mut self, files: &BTreeMap<String, String>) -> Reply<PopulationInfo> {
        let mut req: [Option<NamedText>; 3] = [None, None, None];
        for (name, text) in files {
            let header = text.lines().next().unwrap_or("").to_ascii_uppercase();
            let cols: Vec<&str> = header.split(',').map(|c| c.trim().trim_matches('"')).collect();
            let has = |c: &str| cols.contains(&c);
            let k = if has("INDICATOR_CODE") && has("MEASURE") {
                0
            } else if has("GROUP_CODE") && has("REGISTER") {
                1
            } else if has("PCN_ODS_CODE") || has("NETWORK_ID") {
                2
            } else {
                return Reply::message(
                    Code::BadOptions,
                    format!("`{}` is not an achievement, prevalence or structure file", base_name(name)),
                    Some("published counts are NHS Digital's achievement file (`PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE`), with its prevalence file and a structure file if wanted".into()),
                );
            };
            if req[k].is_some() {
                return Reply::message(
                    Code::BadOptions,
                    format!("two files of the same kind: `{}` and another", base_name(name)),
                    Some("give one achievement file, one prevalence file and one structure file at most".into()),
                );
            }
            req[k] = Some(NamedText { name: name.clone(), text: text.clone() });
        }
        let [achievement, prevalence, structure] = req;
        let Some(achievement) = achievement else {
            return Reply::message(
                Code::MissingFile,
                "published counts need NHS Digital's achievement file",
                Some("choose the achievement file (`PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE`) with the prevalence file".into()),
            );
        };
        self.load_counts(CountsRequest { achievement, prevalence, structure })
    }

    /// Runs on published counts from now on (`qofrules eval --achievement --prevalence
    /// --structure`): the files are read once here, so that their errors show at once. Another
    /// population (default, synthetic, files) goes back to patients.
    pub fn load_counts(&mut self, req: CountsRequest) -> Reply<PopulationInfo> {
        use crate::aggregate::{read_achievement, read_prevalence, read_structure};
        let mut data = crate::pay::PracticeData::new();
        let opts = crate::aggregate::AchievementOptions::default();
        let ach = &req.achievement;
        let mut result = read_achievement(&mut data, &ach.text, &ach.name, &opts).map(|_| ());
        if let (Ok(()), Some(f)) = (&result, &req.prevalence) {
            result = read_prevalence(&mut data, &f.text, &f.name).map(|_| ());
        }
        if let (Ok(()), Some(f)) = (&result, &req.structure) {
            result = read_structure(&mut data, &f.text, &f.name).map(|_| ());
        }
        if let Err(e) = result {
            return Reply::err(run_problems([Diagnostic::from(&e)]));
        }
        let names: Vec<&str> =
            [Some(&req.achievement), req.prevalence.as_ref(), req.structure.as_ref()]
                .into_iter()
                .flatten()
                .map(|f| base_name(&f.name))
                .collect();
        self.info = PopulationInfo {
            kind: "counts",
            label: names.join(", "),
            practices: data.practices().len(),
            patients: 0,
            events: 0,
        };
        self.counts = Some(req);
        // the counts replace the population: no earlier patients stay to be listed or
        // explained (another population is loaded afresh when chosen again)
        self.set_population(Population::default());
        self.generated = None;
        self.practice_files = [None, None];
        Reply::ok(self.info.clone(), Vec::new())
    }

    pub fn population(&self) -> &Population {
        &self.population
    }

    pub fn population_info(&self) -> PopulationInfo {
        self.info.clone()
    }

    /// Checks a text: every diagnostic, with positions.
    pub fn check(&self, text: &str) -> Reply<CheckOutput> {
        let (sources, checked) = check_text(ROOT_NAME, text);
        let diagnostics = problems(&sources, &[0], &checked.diagnostics);
        Reply::ok(
            CheckOutput {
                error_count: checked.errors(),
                warning_count: checked.warnings(),
                scheme: checked.scheme.as_ref().map(scheme_name),
                diagnostics,
            },
            Vec::new(),
        )
    }

    /// Formats a text (syntax errors are returned instead).
    pub fn format(&self, text: &str) -> Reply<FormatOutput> {
        match crate::fmt::format(text) {
            Ok(t) => Reply::ok(FormatOutput { text: t }, Vec::new()),
            Err(diags) => {
                let mut sources = Sources::default();
                sources.add(ROOT_NAME, text);
                Reply::err(problems(&sources, &[0], &diags))
            }
        }
    }

    /// The inspect view of the scheme.
    pub fn inspect(&mut self, text: &str) -> Reply<InspectOutput> {
        match self.compiled(text, ROOT_NAME) {
            Ok(c) => Reply::ok(
                InspectOutput { scheme: crate::inspect::view(&c.loaded.scheme, &c.loaded.sources) },
                c.warnings.clone(),
            ),
            Err(e) => Reply::err(e),
        }
    }

    /// Every shipped scheme.
    pub fn shipped() -> Vec<ShippedFile> {
        crate::shipped::SCHEMES.iter().map(|&(path, text)| ShippedFile { path, text }).collect()
    }

    /// Replaces the population with a synthetic one.
    pub fn synth(&mut self, req: &SynthRequest) -> Reply<PopulationInfo> {
        let opts = SynthOptions {
            seed: req.seed.unwrap_or(synth::DEFAULT_SEED),
            scale: req.scale.unwrap_or(synth::DEFAULT_SCALE),
            year: SynthYear::Y2019_20,
        };
        let (selection, what) = match (&req.ccg, &req.network, &req.practices) {
            (Some(c), None, None) => (Selection::Ccg(c.clone()), c.clone()),
            (None, Some(n), None) => (Selection::Network(n.clone()), format!("network {n}")),
            (None, None, Some(p)) => (Selection::Practices(p.clone()), p.join(", ")),
            _ => {
                return Reply::message(
                    Code::BadOptions,
                    "choose one of a CCG, a network or a list of practices",
                    Some("set exactly one of `ccg`, `network` and `practices`".into()),
                )
            }
        };
        match synth::generate(&selection, &opts) {
            Ok(pop) => {
                let label = format!("{what} at scale {}, seed {}", opts.scale, opts.seed);
                self.info = info("synthetic", label, &pop);
                self.generated = Some((pop.clone(), opts.year.period_end()));
                self.set_population(pop);
                self.practice_files = [None, None];
                self.counts = None;
                self.seed = opts.seed;
                Reply::ok(self.info.clone(), Vec::new())
            }
            Err(e) => Reply::err(run_problems([Diagnostic::from(&e)])),
        }
    }

    /// Goes back to the embedded default population.
    pub fn use_default_population(&mut self) -> Reply<PopulationInfo> {
        self.set_population(synth::default_population());
        self.generated = Some((self.population.clone(), SynthYear::Y2019_20.period_end()));
        self.practice_files = [None, None];
        self.counts = None;
        self.seed = synth::DEFAULT_SEED;
        self.info = info("default", default_label(), &self.population);
        Reply::ok(self.info.clone(), Vec::new())
    }

    /// Loads a population from files given by name: `practices.csv`, `patients.csv` and
    /// `events.csv`, or a `.ndjson` file of patients (with `practices.csv` if given). On error
    /// the current population is kept.
    pub fn load_population(&mut self, files: &BTreeMap<String, String>) -> Reply<PopulationInfo> {
        let find = |want: &str| files.iter().find(|(n, _)| base_name(n) == want);
        let ndjson = match Format::detect(files.keys().map(String::as_str)) {
            Format::Ndjson => files.iter().find(|(n, _)| Format::is_ndjson_name(n)),
            Format::Csv => None,
        };
        let practices = find(PRACTICES_FILE);
        let read = if let Some((pname, ptext)) = ndjson {
            read_ndjson(
                practices.map(|(n, t)| Source::new(n, t.as_bytes())),
                Source::new(pname, ptext.as_bytes()),
            )
        } else {
            let (Some(pr), Some(pa), Some(ev)) =
                (practices, find(PATIENTS_FILE), find(EVENTS_FILE))
            else {
                let missing: Vec<String> = [PRACTICES_FILE, PATIENTS_FILE, EVENTS_FILE]
                    .iter()
                    .filter(|f| find(f).is_none())
                    .map(|f| format!("`{f}`"))
                    .collect();
                return Reply::message(
                    Code::MissingFile,
                    format!("missing {}", missing.join(", ")),
                    Some(
                        "choose the three CSV files of a population (practices.csv, patients.csv, \
                         events.csv) or one patients.ndjson file"
                            .into(),
                    ),
                );
            };
            read_csv(
                Source::new(pr.0, pr.1.as_bytes()),
                Source::new(pa.0, pa.1.as_bytes()),
                Source::new(ev.0, ev.1.as_bytes()),
            )
        };
        match read {
            Ok(pop) => {
                let names: Vec<&str> = files.keys().map(|n| base_name(n)).collect();
                self.info = info("files", names.join(", "), &pop);
                self.set_population(pop);
                self.generated = None;
                self.counts = None;
                self.practice_files = [ATTESTED_FILE, HISTORIC_FILE]
                    .map(|f| find(f).map(|(n, t)| (n.clone(), t.clone())));
                Reply::ok(self.info.clone(), Vec::new())
            }
            Err(e) => Reply::err(data_problems(&e)),
        }
    }

    /// Patients whose id contains `filter` (any case), at most `limit`, in population order
    /// (none on published counts).
    pub fn patients(&self, filter: &str, limit: usize) -> Vec<PatientSummary> {
        let f = filter.trim().to_ascii_lowercase();
        self.population
            .patients
            .iter()
            .filter(|p| f.is_empty() || p.patient_id.to_ascii_lowercase().contains(&f))
            .take(limit)
            .map(PatientSummary::of)
            .collect()
    }

    /// Patients of the population for the explorer ([`PatientQuery`]), in population order.
    /// With an indicator, the text is evaluated for each patient with the cascade the counts
    /// use, so an indicator's `numerator` lists as many patients as its numerator counts.
    /// Published counts have no patients: an error with `help`.
    pub fn find_patients(&mut self, text: &str, q: &PatientQuery) -> Reply<PatientList> {
        if self.counts.is_some() {
            return Reply::message(
                Code::BadOptions,
                "published counts have no patients to list",
                Some(NO_PATIENTS_HELP.into()),
            );
        }
        let f = q.filter.trim().to_ascii_lowercase();
        let practice = q.practice.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let sex = match q.sex.as_deref().map(str::trim).filter(|x| !x.is_empty()) {
            None => None,
            Some(x) => match crate::model::Sex::parse(x) {
                Some(sex) => Some(sex),
                None => {
                    return Reply::message(
                        Code::BadArgument,
                        format!("unknown sex `{x}`"),
                        Some("use `female`, `male` or `unknown`".into()),
                    )
                }
            },
        };
        // ages are at the end of the scheme's period, as `report by age band` counts them, on
        // the population as dated for that scheme
        let period_end = if q.age_from.is_some() || q.age_to.is_some() {
            let c = match self.compiled(text, ROOT_NAME) {
                Ok(c) => c,
                Err(e) => return Reply::err(e),
            };
            self.fit_population(&c.loaded.scheme);
            Some(c.loaded.scheme.period_end)
        } else {
            None
        };
        let (from, to) = (q.age_from.unwrap_or(0), q.age_to.unwrap_or(u32::MAX));
        let basic = |p: &&crate::model::Patient| {
            (f.is_empty() || p.patient_id.to_ascii_lowercase().contains(&f))
                && practice.map_or(true, |id| p.practice_id == id)
                && sex.map_or(true, |x| p.sex == x)
                && period_end.map_or(true, |end| {
                    u32::try_from(end.years_since(p.birth_date)).is_ok_and(|a| a >= from && a <= to)
                })
        };
        let Some(id) = q.indicator.as_deref().filter(|i| !i.is_empty()) else {
            let all: Vec<_> = self.population.patients.iter().filter(basic).collect();
            let patients = all.iter().take(q.limit).map(|p| PatientSummary::of(p)).collect();
            return Reply::ok(PatientList { patients, matched: all.len() }, Vec::new());
        };
        let status = q.status.as_deref().unwrap_or("denominator");
        if !PATIENT_STATUSES.contains(&status) {
            return Reply::message(
                Code::BadArgument,
                format!("unknown patient status `{status}`"),
                Some(format!("use one of {}", PATIENT_STATUSES.join(", "))),
            );
        }
        let c = match self.compiled(text, ROOT_NAME) {
            Ok(c) => c,
            Err(e) => return Reply::err(e),
        };
        self.fit_population(&c.loaded.scheme);
        let category = q.category.as_deref().map(str::trim).filter(|x| !x.is_empty());
        let found = pipeline::patients_with_status(
            &c.loaded,
            &self.population,
            basic,
            id,
            status,
            category,
            q.limit,
        );
        let (patients, matched) = match found {
            Ok(x) => x,
            Err(e) => return Reply::err(run_problems(e.diagnostics)),
        };
        let warnings = c.warnings.clone();
        Reply::ok(PatientList { patients, matched }, warnings)
    }

    /// The compiled text, with the session's population dated for it, for a call about its
    /// patients (`doing` with them; published counts have none: an error with `help`).
    fn for_patients(
        &mut self,
        text: &str,
        doing: &str,
        help: &str,
    ) -> Result<Rc<Compiled>, Vec<Problem>> {
        let c = self.compiled(text, ROOT_NAME)?;
        if self.counts.is_some() {
            return Err(vec![Problem::plain(
                Code::BadOptions,
                format!("published counts have no patients to {doing}"),
                Some(help.into()),
            )]);
        }
        self.fit_population(&c.loaded.scheme);
        Ok(c)
    }

    /// Schemes A and B of a comparison compiled, or the errors of both, B's named by its own
    /// file (`compare` and `witness`).
    fn compiled_pair(
        &mut self,
        text_a: &str,
        text_b: &str,
    ) -> Result<(Rc<Compiled>, Rc<Compiled>), Vec<Problem>> {
        match (self.compiled(text_a, ROOT_NAME), self.compiled(text_b, ROOT_NAME_B)) {
            (Ok(a), Ok(b)) => Ok((a, b)),
            (a, b) => {
                let mut errors = a.err().unwrap_or_default();
                for mut p in b.err().unwrap_or_default() {
                    if p.root {
                        p.file = Some(ROOT_NAME_B.into());
                    }
                    errors.push(p);
                }
                Err(errors)
            }
        }
    }

    /// Checks and compiles a text, reusing the last two results.
    fn compiled(&mut self, text: &str, name: &str) -> Result<Rc<Compiled>, Vec<Problem>> {
        if let Some(c) = self.cache.iter().find(|c| c.text == text) {
            return Ok(Rc::clone(c));
        }
        let loaded = pipeline::load_text(name, text).map_err(|r| {
            let errors: Vec<Diagnostic> =
                r.diagnostics.into_iter().filter(Diagnostic::is_error).collect();
            problems(&r.sources, &[0], &errors)
        })?;
        let warnings = loaded.problems(&loaded.warnings);
        let c = Rc::new(Compiled { text: text.to_string(), loaded, warnings });
        self.cache.insert(0, Rc::clone(&c));
        self.cache.truncate(2);
        Ok(c)
    }

    /// Replaces the population (and forgets what was worked out from the old one).
    fn set_population(&mut self, pop: Population) {
        self.population = pop;
        self.period = None;
        self.evaluated.clear();
    }

    /// The population's period warning for a scheme, worked out once per population and
    /// period.
    fn period_warning(&mut self, scheme: &Scheme) -> Option<Diagnostic> {
        let key = (scheme.period_start, scheme.period_end);
        match &self.period {
            Some((k, warning)) if *k == key => warning.clone(),
            _ => {
                let warning = pipeline::period_warning(&self.population, scheme);
                self.period = Some((key, warning.clone()));
                warning
            }
        }
    }

    /// Makes a generated population fit the scheme's period: it is dated for it (every date
    /// moved by whole months, [`synth::redate`]). Loaded files are used as they are (the run
    /// warns when their records are not dated for the period).
    fn fit_population(&mut self, scheme: &Scheme) {
        if let Some((original, dated_for)) = &mut self.generated {
            if *dated_for != scheme.period_end {
                let mut pop = original.clone();
                synth::redate(
                    &mut pop.patients,
                    SynthYear::Y2019_20.period_end(),
                    scheme.period_end,
                );
                *dated_for = scheme.period_end;
                self.set_population(pop);
            }
        }
    }

    /// The practice-level inputs for a scheme: those given, else the files loaded with the
    /// population, or for a generated population the synthetic ones `qofrules synth --for
    /// SCHEME` writes (none for published counts).
    fn practice_texts(&self, scheme: &Scheme) -> [Option<(String, String)>; 2] {
        let mut out = if self.counts.is_some() {
            [None, None]
        } else if self.generated.is_none() {
            self.practice_files.clone()
        } else {
            let (a, h) =
                crate::pipeline::synthetic_inputs(scheme, &self.population.practices, self.seed);
            [(a, ATTESTED_FILE), (h, HISTORIC_FILE)]
                .map(|(t, f)| t.map(|t| (format!("{f} (synthetic)"), t)))
        };
        for (k, given) in self.given_files.iter().enumerate() {
            if let Some(f) = given {
                out[k] = Some((f.name.clone(), f.text.clone()));
            }
        }
        out
    }

    /// The published counts, when the session runs on them.
    fn counts(&self) -> Option<pipeline::Counts<'_>> {
        self.counts.as_ref().map(|c| pipeline::Counts {
            achievement: c.achievement.file(),
            prevalence: c.prevalence.as_ref().map(NamedText::file),
            structure: c.structure.as_ref().map(NamedText::file),
        })
    }

    /// The driver's run of a compiled text on the session's data (population or published
    /// counts) and practice-level inputs.
    fn run_compiled(&mut self, c: &Compiled) -> Result<pipeline::Run, Vec<Problem>> {
        self.fit_population(&c.loaded.scheme);
        let texts = self.practice_texts(&c.loaded.scheme);
        let period = match self.counts {
            Some(_) => None,
            None => self.period_warning(&c.loaded.scheme),
        };
        // only what the edit changed is evaluated again
        let evaluation = self.counts.is_none().then(|| {
            let pop = &self.population;
            let threads = match self.threads {
                _ if pop.patients.len() < 20_000 => 1,
                0 => crate::par::available_threads(),
                n => n,
            };
            self.evaluated.evaluate(&c.loaded.program, pop, threads)
        });
        let data = match self.counts() {
            Some(counts) => pipeline::Data::Counts(counts),
            None => pipeline::Data::Population(&self.population),
        };
        let inputs = pipeline::Inputs {
            data,
            national: &self.prevalence_from,
            practice: PracticeInputs::of(&texts),
            threads: self.threads,
            progress: &crate::progress::Silent,
        };
        let run = match evaluation {
            Some(ev) => pipeline::run_evaluated(&c.loaded, ev, &inputs, period),
            None => pipeline::run_dated(&c.loaded, &inputs, period),
        };
        run.map_err(|e| run_problems(e.diagnostics))
    }

    /// Runs the one pipeline ([`crate::pipeline::run`]) on the session's population or
    /// published counts and hands the JSON output (pay result, reporting strata, warnings) to
    /// `f`; also returns every warning (the scheme's and the run's).
    fn pay_with<T>(
        &mut self,
        c: &Compiled,
        f: impl FnOnce(&pipeline::JsonOutput<'_>) -> Result<T, String>,
    ) -> Result<(T, Vec<Problem>), Vec<Problem>> {
        let run = self.run_compiled(c)?;
        let result = run.pay().map_err(|e| run_problems(e.diagnostics))?;
        let out = run.output(&c.loaded, &result);
        let warnings = out.diagnostics.clone();
        let value = f(&out).map_err(|e| vec![Problem::plain(Code::Internal, e, None)])?;
        Ok((value, warnings))
    }

    /// Evaluates the scheme on the session's population and pays it.
    pub fn evaluate(&mut self, text: &str) -> Reply<EvalOutput> {
        let c = match self.compiled(text, ROOT_NAME) {
            Ok(c) => c,
            Err(e) => return Reply::err(e),
        };
        let value = |out: &pipeline::JsonOutput<'_>| {
            let sums = crate::pay::indicator_sums(out.result);
            serde_json::to_value(out).map(|v| (v, sums)).map_err(|e| e.to_string())
        };
        match self.pay_with(&c, value) {
            Ok(((result, indicators), warnings)) => Reply::ok(
                EvalOutput { result, indicators, population: self.info.clone() },
                warnings,
            ),
            Err(e) => Reply::err(e),
        }
    }

    /// [`Session::evaluate`]'s reply as JSON text, written straight from the pay result with no
    /// `serde_json::Value` built in between (the editor's worker hands the text to the page,
    /// which parses it once). The same value as `evaluate`'s reply serialised; the fields of
    /// `result` come in the order `qofrules eval --format json` writes them.
    pub fn evaluate_text(&mut self, text: &str) -> String {
        #[derive(Serialize)]
        struct Out<'a, 'b> {
            result: &'a pipeline::JsonOutput<'b>,
            indicators: Vec<crate::pay::IndicatorSum>,
            population: &'a PopulationInfo,
        }
        let c = match self.compiled(text, ROOT_NAME) {
            Ok(c) => c,
            Err(e) => return reply_text(&Reply::<()>::err(e)),
        };
        let population = self.info.clone();
        let write = |out: &pipeline::JsonOutput<'_>| {
            let indicators = crate::pay::indicator_sums(out.result);
            let value = Out { result: out, indicators, population: &population };
            serde_json::to_string(&Reply::ok(value, out.diagnostics.clone()))
                .map_err(|e| format!("cannot convert the result: {e}"))
        };
        match self.pay_with(&c, write) {
            Ok((json, _)) => json,
            Err(e) => reply_text(&Reply::<()>::err(e)),
        }
    }

    /// The payment result as `qofrules eval --format json` prints it (pretty JSON and a final
    /// newline), byte for byte.
    pub fn evaluate_json(&mut self, text: &str) -> Result<String, Vec<Problem>> {
        let c = self.compiled(text, ROOT_NAME)?;
        self.pay_with(&c, |out| out.to_string_pretty().map_err(|e| e.to_string())).map(|(j, _)| j)
    }

    /// Explains one patient of the population, for every indicator or only `indicator`.
    pub fn explain(
        &mut self,
        text: &str,
        patient_id: &str,
        indicator: Option<&str>,
    ) -> Reply<ExplainOutput> {
        let c = match self.for_patients(
            text,
            "explain",
            "load a population of patients to explain one",
        ) {
            Ok(c) => c,
            Err(e) => return Reply::err(e),
        };
        let ex = match pipeline::explain(&c.loaded, &self.population, patient_id, indicator) {
            Ok(x) => x,
            Err(e) => return Reply::err(run_problems(e.diagnostics)),
        };
        let mut warnings = c.warnings.clone();
        warnings.extend(run_problems(ex.warnings));
        let patient = PatientSummary::of(ex.patient);
        Reply::ok(
            ExplainOutput {
                patient,
                traces: ex.traces,
                events: ex.events,
                diagnostics: warnings.clone(),
            },
            warnings,
        )
    }

    /// Runs the text's test patients.
    pub fn run_tests(&mut self, text: &str) -> Reply<TestOutput> {
        let c = match self.compiled(text, ROOT_NAME) {
            Ok(c) => c,
            Err(e) => return Reply::err(e),
        };
        let report = pipeline::tests(&c.loaded);
        let mut indexes: BTreeMap<usize, LineIndex> = BTreeMap::new();
        let positions = report
            .tests
            .iter()
            .map(|t| {
                let f = c.loaded.sources.files.get(t.file)?;
                let index = indexes.entry(t.file).or_insert_with(|| LineIndex::new(&f.text));
                Some(pos(index, &f.text, t.span.start as usize))
            })
            .collect();
        let records = pipeline::test_records(&c.loaded, &report);
        Reply::ok(TestOutput { report, positions, records }, c.warnings.clone())
    }

    /// Compares two schemes on the session's population with the core's
    /// [`crate::compare::impact`] (one evaluation and one payment per scheme): the
    /// [`Comparison`] the page's tables show, and its HTML report (what `qofrules compare
    /// --format html` writes).
    pub fn compare(&mut self, text_a: &str, text_b: &str) -> Reply<CompareOutput> {
        let (a, b) = match self.compiled_pair(text_a, text_b) {
            Ok(pair) => pair,
            Err(errors) => return Reply::err(errors),
        };
        // A generated population is dated for each scheme's period (the same patients, so the
        // comparison is of the rules); loaded files are used as they are, checked against both.
        let (sa, sb) = (&a.loaded.scheme, &b.loaded.scheme);
        self.fit_population(sa);
        let pop_b = match &self.generated {
            Some((original, _)) if sb.period_end != sa.period_end => {
                let mut pop = original.clone();
                synth::redate(&mut pop.patients, SynthYear::Y2019_20.period_end(), sb.period_end);
                Some(pop)
            }
            _ => None,
        };
        let pop_b = pop_b.as_ref().unwrap_or(&self.population);
        let data = match self.counts() {
            Some(counts) => pipeline::CompareData::Counts(counts),
            None => pipeline::CompareData::Population(&self.population, pop_b),
        };
        let texts = [self.practice_texts(sa), self.practice_texts(sb)];
        let [pa, pb] = texts.each_ref().map(PracticeInputs::of);
        let compared = match pipeline::compare(
            &a.loaded,
            &b.loaded,
            data,
            &self.prevalence_from,
            (&pa, &pb),
            &crate::progress::Silent,
        ) {
            Ok(c) => c,
            Err(e) => return Reply::err(run_problems(e.diagnostics)),
        };
        let mut warnings = a.warnings.clone();
        warnings.extend(b.warnings.iter().cloned().map(|mut p| {
            if p.root {
                p.file = Some(ROOT_NAME_B.into());
            }
            p
        }));
        warnings.extend(run_problems(compared.warnings));
        let comparison = compared.comparison;
        let html = crate::compare::html::render_for(&comparison, Some(&self.info.label));
        let gainers = comparison.practices.iter().filter(|p| p.delta > Decimal::ZERO).count();
        let losers = comparison.practices.iter().filter(|p| p.delta < Decimal::ZERO).count();
        let marks_a = marks::marks(text_a, &comparison, marks::Side::A);
        let marks_b = marks::marks(text_b, &comparison, marks::Side::B);
        Reply::ok(
            CompareOutput {
                scheme_a: scheme_name(&a.loaded.scheme),
                scheme_b: scheme_name(&b.loaded.scheme),
                comparison,
                gainers,
                losers,
                population: self.info.clone(),
                html,
                marks_a,
                marks_b,
            },
            warnings,
        )
    }
}

/// What `format` returns.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct FormatOutput {
    pub text: String,
}

/// What `inspect` returns.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct InspectOutput {
    pub scheme: crate::inspect::SchemeView,
}

pub mod marks;
mod patient_test;
pub use patient_test::PatientTest;
mod sweep;
pub use sweep::{ReportOutput, SweepOutput};
mod tools;
pub use tools::{BoundaryAt, BoundaryOutput, PlannedWitness, WitnessOutput, WitnessPlan};

#[cfg(test)]
mod tests;
