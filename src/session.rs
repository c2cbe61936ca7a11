//! The editor's session: a population kept between calls, and the whole pipeline behind one
//! call each (check, format, inspect, evaluate, explain, tests, compare), with plain
//! serializable replies. The wasm layer (`src/wasm.rs`) wraps a [`Session`] and converts;
//! having the glue here keeps it testable natively and identical to the CLI's pipeline.
//!
//! Every reply is a [`Reply`]: `ok` with the value's fields, or `ok: false` with `errors`
//! ([`Problem`]s with file, line and UTF-16 column, the units the browser editor counts in).
//! No I/O: population files arrive as text.

use crate::check::{check_text, Checked};
use crate::compare::{Comparison, Side};
use crate::compile::{compile, Program};
use crate::diag::{Code, Diagnostic, LineIndex, Location, Severity};
use crate::eval::{self, IndicatorTrace, TestReport};
use crate::model::Population;
use crate::national::PrevalenceFrom;
use crate::population::{
    read_csv, read_ndjson, DataErrors, Source, EVENTS_FILE, PATIENTS_FILE, PRACTICES_FILE,
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

/// A position: 1-based line and UTF-16 column, and the UTF-16 offset from the start of the
/// file (what CodeMirror counts), plus the UTF-8 byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    pub byte: usize,
}

/// One problem: a diagnostic of a rule file, or an error in the data or the options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub help: Option<String>,
    /// The file it is in (`scheme.qof` for the edited text, `rules/...` for a shipped parent,
    /// a population file's name), if any.
    pub file: Option<String>,
    /// True when it is in the edited text (its span can be underlined).
    pub root: bool,
    pub start: Option<Pos>,
    pub end: Option<Pos>,
    /// The row of a population file (1-based; the CSV header is row 1).
    pub row: Option<usize>,
    /// The column or field of a population file.
    pub column: Option<String>,
    /// Secondary places in the same file ("first defined here").
    pub labels: Vec<ProblemLabel>,
}

/// A label of a problem: a secondary place in its file, with a note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProblemLabel {
    pub message: String,
    pub start: Pos,
    pub end: Pos,
}

impl Problem {
    fn plain(code: Code, message: impl Into<String>, help: Option<String>) -> Self {
        Problem {
            severity: Severity::Error,
            code,
            message: message.into(),
            help,
            file: None,
            root: false,
            start: None,
            end: None,
            row: None,
            column: None,
            labels: Vec::new(),
        }
    }
}

fn pos(index: &LineIndex, text: &str, byte: usize) -> Pos {
    let p = index.position(text, byte);
    let line_start = p.offset + 1 - p.column;
    let before: usize = text.get(..line_start).map_or(0, |s| s.encode_utf16().count());
    Pos {
        line: p.line,
        column: p.column_utf16,
        offset: before + p.column_utf16 - 1,
        byte: p.offset,
    }
}

/// Converts diagnostics to problems; `root` is the file index of the edited text. A
/// problem is a [`Diagnostic`] serialised for the editor: its location as a file name with
/// UTF-16 positions (a span), a row and column (data), or nothing.
pub fn problems(sources: &Sources, root: usize, diags: &[Diagnostic]) -> Vec<Problem> {
    let mut indexes: BTreeMap<usize, LineIndex> = BTreeMap::new();
    diags
        .iter()
        .map(|d| {
            let mut p = Problem::plain(d.code, d.message.clone(), d.help.clone());
            p.severity = d.severity;
            match &d.location {
                Location::Span { file, span } => {
                    p.root = *file == root;
                    if let Some(f) = sources.files.get(*file) {
                        let index = indexes.entry(*file).or_insert_with(|| LineIndex::new(&f.text));
                        p.labels = d
                            .labels
                            .iter()
                            .map(|l| ProblemLabel {
                                message: l.message.clone(),
                                start: pos(index, &f.text, l.span.start as usize),
                                end: pos(index, &f.text, l.span.end as usize),
                            })
                            .collect();
                        p.file = Some(f.name.clone());
                        p.start = Some(pos(index, &f.text, span.start as usize));
                        p.end = Some(pos(index, &f.text, span.end as usize));
                    }
                }
                Location::Row { file, row, column } => {
                    p.file = Some(file.clone());
                    p.row = *row;
                    p.column = column.clone();
                }
                Location::None => {}
            }
            p
        })
        .collect()
}

/// Problems of a run, outside any rule file (data, options, pay).
fn run_problems(diags: impl IntoIterator<Item = Diagnostic>) -> Vec<Problem> {
    problems(&Sources::default(), usize::MAX, &diags.into_iter().collect::<Vec<_>>())
}

fn data_problems(e: &DataErrors) -> Vec<Problem> {
    run_problems(e.diagnostics("load the files again"))
}

/// What `check` returns.
#[derive(Clone, Debug, Serialize)]
pub struct CheckOutput {
    /// Every diagnostic, errors and warnings, in file order.
    pub diagnostics: Vec<Problem>,
    pub error_count: usize,
    pub warning_count: usize,
    /// The scheme's id and title when it checked without errors.
    pub scheme: Option<SchemeName>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SchemeName {
    pub id: String,
    pub title: String,
    pub period_end: String,
    pub indicators: usize,
    pub tests: usize,
}

/// A shipped scheme.
#[derive(Clone, Debug, Serialize)]
pub struct ShippedFile {
    pub path: &'static str,
    pub text: &'static str,
}

/// What a population is and how big.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PopulationInfo {
    /// `default`, `synthetic` or `files`.
    pub kind: &'static str,
    /// A description: `NHS Dudley CCG at scale 0.05, seed 2020`, or the file names.
    pub label: String,
    pub practices: usize,
    pub patients: usize,
    pub events: usize,
}

/// Options of a synthetic population: one of `ccg`, `network` or `practices`; seed and scale.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SynthRequest {
    pub ccg: Option<String>,
    pub network: Option<String>,
    pub practices: Option<Vec<String>>,
    pub seed: Option<u64>,
    pub scale: Option<f64>,
}

/// A patient in the explorer's list.
#[derive(Clone, Debug, Serialize)]
pub struct PatientSummary {
    pub patient_id: String,
    pub practice_id: String,
    pub sex: crate::model::Sex,
    pub birth_date: String,
    pub events: usize,
}

/// What `explain` returns.
#[derive(Clone, Debug, Serialize)]
pub struct ExplainOutput {
    pub patient: PatientSummary,
    pub traces: Vec<IndicatorTrace>,
    /// The patient's record, as the rules saw it (dated for the scheme's period).
    pub events: Vec<EventView>,
}

/// One event of a patient's record, with the scheme's code lists its code is in.
#[derive(Clone, Debug, Serialize)]
pub struct EventView {
    pub date: String,
    /// The SNOMED CT id as text (up to 18 digits: more than a JavaScript number holds).
    pub code: String,
    pub value: Option<f64>,
    pub lists: Vec<String>,
}

/// The patient explorer's query: patients whose id contains `filter` (any case), at
/// `practice` when given, and, with an `indicator`, only those with `status` for it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PatientQuery {
    pub filter: String,
    pub practice: Option<String>,
    pub indicator: Option<String>,
    /// One of [`PATIENT_STATUSES`]; none: every patient.
    pub status: Option<String>,
    pub limit: usize,
}

/// The statuses a patient can be listed by for an indicator: `numerator`; `denominator`
/// (the numerator included, as the counts are); `unmet` (in the denominator, not achieved);
/// `adjusted` (a personalised care adjustment); `register` (on the indicator's register).
pub const PATIENT_STATUSES: [&str; 5] =
    ["numerator", "denominator", "unmet", "adjusted", "register"];

/// What `find_patients` returns: the first `limit` matches and how many there are.
#[derive(Clone, Debug, Serialize)]
pub struct PatientList {
    pub patients: Vec<PatientSummary>,
    pub matched: usize,
}

/// One expectation of a test, with its line in the edited text.
#[derive(Clone, Debug, Serialize)]
pub struct TestOutput {
    pub report: TestReport,
    /// Per test (same order): its position in its file.
    pub positions: Vec<Option<Pos>>,
}

/// What `evaluate` returns: the payment result, as the CLI's `eval --format json` prints it.
#[derive(Clone, Debug, Serialize)]
pub struct EvalOutput {
    pub result: serde_json::Value,
    pub population: PopulationInfo,
}

/// What `compare` returns.
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
}

/// A checked and compiled text.
struct Compiled {
    text: String,
    sources: Sources,
    scheme: Scheme,
    prog: Program,
    warnings: Vec<Problem>,
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
    /// Evaluation threads; 0 = as many as the machine has (always one in wasm).
    threads: usize,
    /// Where national prevalence comes from (the scheme's figures unless the user chooses the
    /// population's own).
    prevalence_from: PrevalenceFrom,
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

fn summary(p: &crate::model::Patient) -> PatientSummary {
    PatientSummary {
        patient_id: p.patient_id.clone(),
        practice_id: p.practice_id.clone(),
        sex: p.sex,
        birth_date: p.birth_date.to_string(),
        events: p.events.len(),
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
            threads: 0,
            prevalence_from: PrevalenceFrom::Scheme,
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
        self.prevalence_from =
            if population { PrevalenceFrom::Population } else { PrevalenceFrom::Scheme };
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
        let diagnostics = problems(&sources, 0, &checked.diagnostics);
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
                Reply::err(problems(&sources, 0, &diags))
            }
        }
    }

    /// The inspect view of the scheme.
    pub fn inspect(&mut self, text: &str) -> Reply<InspectOutput> {
        match self.compiled(text, ROOT_NAME) {
            Ok(c) => Reply::ok(
                InspectOutput { scheme: crate::inspect::view(&c.scheme, &c.sources) },
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
                self.population = pop;
                self.practice_files = [None, None];
                self.seed = opts.seed;
                Reply::ok(self.info.clone(), Vec::new())
            }
            Err(e) => Reply::err(run_problems([Diagnostic::from(&e)])),
        }
    }

    /// Goes back to the embedded default population.
    pub fn use_default_population(&mut self) -> Reply<PopulationInfo> {
        self.population = synth::default_population();
        self.generated = Some((self.population.clone(), SynthYear::Y2019_20.period_end()));
        self.practice_files = [None, None];
        self.seed = synth::DEFAULT_SEED;
        self.info = info("default", default_label(), &self.population);
        Reply::ok(self.info.clone(), Vec::new())
    }

    /// Loads a population from files given by name: `practices.csv`, `patients.csv` and
    /// `events.csv`, or a `.ndjson` file of patients (with `practices.csv` if given). On error
    /// the current population is kept.
    pub fn load_population(&mut self, files: &BTreeMap<String, String>) -> Reply<PopulationInfo> {
        let find = |want: &str| files.iter().find(|(n, _)| base_name(n) == want);
        let ndjson = files.iter().find(|(n, _)| n.ends_with(".ndjson") || n.ends_with(".jsonl"));
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
                self.population = pop;
                self.generated = None;
                self.practice_files = [ATTESTED_FILE, HISTORIC_FILE]
                    .map(|f| find(f).map(|(n, t)| (n.clone(), t.clone())));
                Reply::ok(self.info.clone(), Vec::new())
            }
            Err(e) => Reply::err(data_problems(&e)),
        }
    }

    /// Patients whose id contains `filter` (any case), at most `limit`, in population order.
    pub fn patients(&self, filter: &str, limit: usize) -> Vec<PatientSummary> {
        let f = filter.trim().to_ascii_lowercase();
        self.population
            .patients
            .iter()
            .filter(|p| f.is_empty() || p.patient_id.to_ascii_lowercase().contains(&f))
            .take(limit)
            .map(summary)
            .collect()
    }

    /// Patients of the population for the explorer ([`PatientQuery`]), in population order.
    /// With an indicator, the text is evaluated for each patient with the cascade the counts
    /// use, so an indicator's `numerator` lists as many patients as its numerator counts.
    pub fn find_patients(&mut self, text: &str, q: &PatientQuery) -> Reply<PatientList> {
        let f = q.filter.trim().to_ascii_lowercase();
        let practice = q.practice.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let basic = |p: &&crate::model::Patient| {
            (f.is_empty() || p.patient_id.to_ascii_lowercase().contains(&f))
                && practice.map_or(true, |id| p.practice_id == id)
        };
        let Some(id) = q.indicator.as_deref().filter(|i| !i.is_empty()) else {
            let all: Vec<_> = self.population.patients.iter().filter(basic).collect();
            let patients = all.iter().take(q.limit).map(|p| summary(p)).collect();
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
        let Some(i) = c.prog.indicators.iter().position(|x| x.id == id) else {
            return Reply::message(
                Code::UnknownIndicator,
                format!("no indicator `{id}` in the scheme"),
                None,
            );
        };
        let mut warnings = c.warnings.clone();
        warnings.extend(self.fit_population(&c.scheme));
        let ind = &c.prog.indicators[i];
        let register = ind.register.or(ind.cohort);
        let mut e = eval::Engine::new(&c.prog);
        let mut matched = 0;
        let mut patients = Vec::new();
        for p in self.population.patients.iter().filter(basic) {
            e.load(p);
            let class = e.classify(i).class;
            let yes = match status {
                "numerator" => class == eval::Class::Numerator,
                "denominator" => matches!(class, eval::Class::Numerator | eval::Class::Denominator),
                "unmet" => class == eval::Class::Denominator,
                "adjusted" => matches!(class, eval::Class::Adjusted(_)),
                _ => register.is_some_and(|r| e.on_register(r)),
            };
            if yes {
                matched += 1;
                if patients.len() < q.limit {
                    patients.push(summary(p));
                }
            }
        }
        Reply::ok(PatientList { patients, matched }, warnings)
    }

    /// Checks and compiles a text, reusing the last two results.
    fn compiled(&mut self, text: &str, name: &str) -> Result<Rc<Compiled>, Vec<Problem>> {
        if let Some(c) = self.cache.iter().find(|c| c.text == text) {
            return Ok(Rc::clone(c));
        }
        let (sources, Checked { scheme, diagnostics }) = check_text(name, text);
        let all = problems(&sources, 0, &diagnostics);
        let (errors, warnings): (Vec<Problem>, Vec<Problem>) =
            all.into_iter().partition(|p| p.severity == Severity::Error);
        let Some(scheme) = scheme.filter(|_| errors.is_empty()) else {
            return Err(errors);
        };
        let prog = compile(&scheme).map_err(|d| problems(&sources, 0, &d))?;
        let c = Rc::new(Compiled { text: text.to_string(), sources, scheme, prog, warnings });
        self.cache.insert(0, Rc::clone(&c));
        self.cache.truncate(2);
        Ok(c)
    }

    /// Makes the population fit the scheme's period: a generated population is dated for it
    /// (every date moved by whole months, [`synth::redate`]); for loaded files, a warning when
    /// their records are not dated for the period ([`eval::period_mismatch`]).
    fn fit_population(&mut self, scheme: &Scheme) -> Vec<Problem> {
        if let Some((original, dated_for)) = &mut self.generated {
            if *dated_for != scheme.period_end {
                let mut pop = original.clone();
                synth::redate(
                    &mut pop.patients,
                    SynthYear::Y2019_20.period_end(),
                    scheme.period_end,
                );
                self.population = pop;
                *dated_for = scheme.period_end;
            }
            return Vec::new();
        }
        eval::period_mismatch(&self.population, scheme.period_start, scheme.period_end)
            .map(|w| Problem {
                severity: Severity::Warning,
                ..Problem::plain(Code::PopulationPeriod, w.message, Some(w.help))
            })
            .into_iter()
            .collect()
    }

    fn pay_value(&self, c: &Compiled) -> Result<serde_json::Value, Vec<Problem>> {
        self.pay_with(c, |out| serde_json::to_value(out).map_err(|e| e.to_string()))
    }

    /// The practice-level inputs for a scheme: the files loaded with the population, or for
    /// a generated population the synthetic ones `qofrules synth --for SCHEME` writes.
    fn practice_texts(&self, scheme: &Scheme) -> [Option<(String, String)>; 2] {
        if self.generated.is_none() {
            return self.practice_files.clone();
        }
        let (a, h) =
            crate::pipeline::synthetic_inputs(scheme, &self.population.practices, self.seed);
        [(a, ATTESTED_FILE), (h, HISTORIC_FILE)]
            .map(|(t, f)| t.map(|t| (format!("{f} (synthetic)"), t)))
    }

    /// Runs the one pipeline on the session's population ([`crate::pipeline`]) and hands the
    /// JSON output (pay result and reporting strata) to `f`.
    fn pay_with<T>(
        &self,
        c: &Compiled,
        f: impl FnOnce(&crate::pipeline::JsonOutput<'_>) -> Result<T, String>,
    ) -> Result<T, Vec<Problem>> {
        use crate::pipeline::{self, PracticeInputs};
        let texts = self.practice_texts(&c.scheme);
        let practice = PracticeInputs::of(&texts);
        let problem = |e: pipeline::RunError| {
            let code = match e {
                pipeline::RunError::National { .. } => Code::National,
                pipeline::RunError::Input(_) => Code::BadData,
                pipeline::RunError::Pay(_) => Code::Pay,
            };
            vec![Problem::plain(code, e.to_string(), e.help().map(String::from))]
        };
        let run = pipeline::run_population(
            &c.scheme,
            &c.prog,
            &self.population,
            &self.prevalence_from,
            &practice,
            self.threads,
        )
        .map_err(problem)?;
        let result = pipeline::pay(&run.inputs).map_err(problem)?;
        let out = pipeline::JsonOutput::new(&result, Some((&c.prog, &run.evaluation)));
        f(&out).map_err(|e| vec![Problem::plain(Code::Internal, e, None)])
    }

    /// Evaluates the scheme on the session's population and pays it.
    pub fn evaluate(&mut self, text: &str) -> Reply<EvalOutput> {
        let c = match self.compiled(text, ROOT_NAME) {
            Ok(c) => c,
            Err(e) => return Reply::err(e),
        };
        let mut warnings = c.warnings.clone();
        warnings.extend(self.fit_population(&c.scheme));
        match self.pay_value(&c) {
            Ok(result) => Reply::ok(EvalOutput { result, population: self.info.clone() }, warnings),
            Err(e) => Reply::err(e),
        }
    }

    /// The payment result as `qofrules eval --format json` prints it (pretty JSON and a final
    /// newline), byte for byte.
    pub fn evaluate_json(&mut self, text: &str) -> Result<String, Vec<Problem>> {
        let c = self.compiled(text, ROOT_NAME)?;
        self.fit_population(&c.scheme);
        self.pay_with(&c, |out| out.to_string_pretty().map_err(|e| e.to_string()))
    }

    /// Explains one patient of the population, for every indicator or only `indicator`.
    pub fn explain(
        &mut self,
        text: &str,
        patient_id: &str,
        indicator: Option<&str>,
    ) -> Reply<ExplainOutput> {
        let c = match self.compiled(text, ROOT_NAME) {
            Ok(c) => c,
            Err(e) => return Reply::err(e),
        };
        let mut warnings = c.warnings.clone();
        warnings.extend(self.fit_population(&c.scheme));
        let Some(p) = self.population.patients.iter().find(|p| p.patient_id == patient_id) else {
            return Reply::message(
                Code::UnknownPatient,
                format!("no patient `{patient_id}` in the population"),
                Some("choose a patient from the list".into()),
            );
        };
        if let Some(id) = indicator {
            if c.scheme.indicator(id).is_none() {
                return Reply::message(
                    Code::UnknownIndicator,
                    format!("no indicator `{id}` in the scheme"),
                    None,
                );
            }
        }
        let traces = eval::explain(&c.prog, p, indicator);
        let events = p
            .events
            .iter()
            .map(|ev| EventView {
                date: ev.date.to_string(),
                code: ev.code.to_string(),
                value: ev.value,
                lists: c
                    .prog
                    .lists
                    .iter()
                    .filter(|l| l.codes.binary_search(&ev.code).is_ok())
                    .map(|l| l.id.clone())
                    .collect(),
            })
            .collect();
        Reply::ok(ExplainOutput { patient: summary(p), traces, events }, warnings)
    }

    /// Runs the text's test patients.
    pub fn run_tests(&mut self, text: &str) -> Reply<TestOutput> {
        let c = match self.compiled(text, ROOT_NAME) {
            Ok(c) => c,
            Err(e) => return Reply::err(e),
        };
        let report = eval::run_tests(&c.scheme, &c.prog);
        let mut indexes: BTreeMap<usize, LineIndex> = BTreeMap::new();
        let positions = report
            .tests
            .iter()
            .map(|t| {
                let f = c.sources.files.get(t.file)?;
                let index = indexes.entry(t.file).or_insert_with(|| LineIndex::new(&f.text));
                Some(pos(index, &f.text, t.span.start as usize))
            })
            .collect();
        Reply::ok(TestOutput { report, positions }, c.warnings.clone())
    }

    /// Compares two schemes on the session's population with the core's
    /// [`crate::compare::impact`] (one evaluation and one payment per scheme): the
    /// [`Comparison`] the page's tables show, and its HTML report (what `qofrules compare
    /// --format html` writes).
    pub fn compare(&mut self, text_a: &str, text_b: &str) -> Reply<CompareOutput> {
        let a = self.compiled(text_a, ROOT_NAME);
        let b = self.compiled(text_b, ROOT_NAME_B);
        let (a, b) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                let mut errors = a.err().unwrap_or_default();
                for mut p in b.err().unwrap_or_default() {
                    if p.root {
                        p.file = Some(ROOT_NAME_B.into());
                    }
                    errors.push(p);
                }
                return Reply::err(errors);
            }
        };
        // A generated population is dated for each scheme's period (the same patients, so the
        // comparison is of the rules); loaded files are used as they are, checked against both.
        let mut warnings = self.fit_population(&a.scheme);
        let pop_b = match &self.generated {
            Some((original, _)) if b.scheme.period_end != a.scheme.period_end => {
                let mut pop = original.clone();
                synth::redate(
                    &mut pop.patients,
                    SynthYear::Y2019_20.period_end(),
                    b.scheme.period_end,
                );
                Some(pop)
            }
            Some(_) => None,
            None => {
                warnings.extend(self.fit_population(&b.scheme).into_iter().map(|mut p| {
                    p.message = format!("scheme B: {}", p.message);
                    p
                }));
                None
            }
        };
        let side_a = Side { scheme: &a.scheme, sources: &a.sources, program: &a.prog };
        let side_b = Side { scheme: &b.scheme, sources: &b.sources, program: &b.prog };
        let pop_b = pop_b.as_ref().unwrap_or(&self.population);
        let texts = [self.practice_texts(&a.scheme), self.practice_texts(&b.scheme)];
        let [pa, pb] = texts.each_ref().map(crate::pipeline::PracticeInputs::of);
        let comparison = match crate::compare::impact_dated(
            side_a,
            side_b,
            (&self.population, pop_b),
            &self.prevalence_from,
            (&pa, &pb),
        ) {
            Ok(c) => c,
            Err(e) => {
                let file = if e.side == "b" { ROOT_NAME_B } else { ROOT_NAME };
                let errors = e
                    .messages
                    .into_iter()
                    .map(|m| Problem {
                        file: Some(file.into()),
                        ..Problem::plain(
                            Code::Pay,
                            format!("scheme `{}` cannot be paid: {m}", e.scheme),
                            None,
                        )
                    })
                    .collect();
                return Reply::err(errors);
            }
        };
        let html = crate::compare::html::render_for(&comparison, Some(&self.info.label));
        let gainers = comparison.practices.iter().filter(|p| p.delta > Decimal::ZERO).count();
        let losers = comparison.practices.iter().filter(|p| p.delta < Decimal::ZERO).count();
        Reply::ok(
            CompareOutput {
                scheme_a: scheme_name(&a.scheme),
                scheme_b: scheme_name(&b.scheme),
                comparison,
                gainers,
                losers,
                population: self.info.clone(),
                html,
            },
            warnings,
        )
    }
}

/// What `format` returns.
#[derive(Clone, Debug, Serialize)]
pub struct FormatOutput {
    pub text: String,
}

/// What `inspect` returns.
#[derive(Clone, Debug, Serialize)]
pub struct InspectOutput {
    pub scheme: crate::inspect::SchemeView,
}

#[cfg(test)]
mod tests;
