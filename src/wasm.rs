//! The WebAssembly layer: a thin `wasm-bindgen` surface over the core, in the style of Ruff's
//! `ruff_wasm`. Compiled only for `wasm32`; it converts between JavaScript and core types and
//! does nothing else: the pipeline behind each call is [`crate::session`]. `cargo xtask serve`
//! builds it into `pkg/` with `wasm-bindgen --target web`.
//!
//! Every method returns a plain object (`Serializer::json_compatible()`, so maps are objects):
//! `{ok: true, ...}` or `{ok: false, errors: [...]}`; nothing throws for bad input. The shapes
//! are typed in `www/src/contracts.ts`, generated from the Rust types (`src/contracts.rs`).

use crate::session::{
    NamedText, PatientQuery, PracticeRequest, Problem, Reply, Session, SynthRequest,
};
use serde::Serialize;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;

/// The engine's version, as built (`Cargo.toml`'s package version).
#[wasm_bindgen]
pub fn version() -> String {
    crate::version().to_owned()
}

fn to_js<T: Serialize>(value: &T) -> JsValue {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    match value.serialize(&ser) {
        Ok(v) => v,
        Err(e) => {
            let reply: Reply<()> = Reply {
                ok: false,
                value: None,
                errors: vec![internal(format!("cannot convert the result: {e}"))],
                warnings: Vec::new(),
            };
            reply.serialize(&ser).unwrap_or(JsValue::NULL)
        }
    }
}

/// The reply as JSON text, for the large replies (evaluate, compare): the worker parses it with
/// `JSON.parse`, several times faster than building thousands of objects through
/// serde-wasm-bindgen.
fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        let reply: Reply<()> = Reply {
            ok: false,
            value: None,
            errors: vec![internal(format!("cannot convert the result: {e}"))],
            warnings: Vec::new(),
        };
        serde_json::to_string(&reply).unwrap_or_default()
    })
}

fn internal(message: String) -> Problem {
    Problem {
        severity: crate::diag::Severity::Error,
        code: crate::diag::Code::BadArgument,
        message,
        help: None,
        file: None,
        root: false,
        start: None,
        end: None,
        row: None,
        column: None,
        labels: Vec::new(),
    }
}

fn bad_argument(what: &str, e: impl std::fmt::Display) -> JsValue {
    let reply: Reply<()> = Reply {
        ok: false,
        value: None,
        errors: vec![internal(format!("{what}: {e}"))],
        warnings: Vec::new(),
    };
    to_js(&reply)
}

/// Every shipped scheme: `[{path, text}]`, sorted by path.
#[wasm_bindgen]
pub fn shipped() -> JsValue {
    to_js(&Session::shipped())
}

/// The editor's engine: a population kept between calls (the embedded default until another
/// is chosen) and the last compiled schemes.
#[wasm_bindgen]
pub struct Workspace {
    session: Session,
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl Workspace {
    /// A workspace on the embedded default population.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Workspace {
        Workspace { session: Session::new() }
    }

    /// A workspace with no population, for the calls that need none (`witness_plan`,
    /// `witness`, `boundary_at`): the tools worker is started afresh whenever a newer edit
    /// cancels its work, so it skips generating the default population.
    pub fn without_population() -> Workspace {
        Workspace { session: Session::with_population(crate::model::Population::default(), "") }
    }

    /// Parses and checks a rule file: `{ok, diagnostics, error_count, warning_count, scheme}`.
    pub fn check(&self, text: &str) -> JsValue {
        to_js(&self.session.check(text))
    }

    /// Formats a rule file: `{ok, text}` or its syntax errors.
    pub fn format(&self, text: &str) -> JsValue {
        to_js(&self.session.format(text))
    }

    /// The resolved scheme as `qofrules inspect --format json` shows it: `{ok, scheme}`.
    pub fn inspect(&mut self, text: &str) -> JsValue {
        to_js(&self.session.inspect(text))
    }

    /// The current population: `{kind, label, practices, patients, events}`.
    pub fn population(&self) -> JsValue {
        to_js(&self.session.population_info())
    }

    /// Generates a synthetic population (`{ccg | network | practices, seed, scale}`) and keeps it.
    pub fn synth(&mut self, options: JsValue) -> JsValue {
        match serde_wasm_bindgen::from_value::<SynthRequest>(options) {
            Ok(req) => to_js(&self.session.synth(&req)),
            Err(e) => bad_argument("bad synthetic population options", e),
        }
    }

    /// Goes back to the embedded default population.
    pub fn use_default_population(&mut self) -> JsValue {
        to_js(&self.session.use_default_population())
    }

    /// Reads a population from files `{name: text}` (three CSVs, or an NDJSON file) and keeps it.
    pub fn load_population(&mut self, files: JsValue) -> JsValue {
        match serde_wasm_bindgen::from_value::<BTreeMap<String, String>>(files) {
            Ok(files) => to_js(&self.session.load_population(&files)),
            Err(e) => bad_argument("expected an object of file names to texts", e),
        }
    }

    /// Where national prevalence comes from: the scheme's figures (or those embedded for its
    /// year), the default; or, with `population` true, the population's own.
    pub fn set_prevalence_from_population(&mut self, population: bool) {
        self.session.set_prevalence_from_population(population);
    }

    /// Runs on published counts from now on: files `{name: text}` (NHS Digital's achievement
    /// file, with its prevalence file and a structure file if wanted, each told by its
    /// header); `{ok, kind: "counts", ...}`. Another population goes back to patients.
    pub fn load_counts(&mut self, files: JsValue) -> JsValue {
        match serde_wasm_bindgen::from_value::<BTreeMap<String, String>>(files) {
            Ok(files) => to_js(&self.session.load_counts_files(&files)),
            Err(e) => bad_argument("expected an object of file names to texts", e),
        }
    }

    /// National prevalence from NHS Digital's prevalence file `{name, text}`, or with `null`
    /// the scheme's figures again: `{ok, national, attested, historic}`.
    pub fn set_national(&mut self, file: JsValue) -> JsValue {
        match serde_wasm_bindgen::from_value::<Option<NamedText>>(file) {
            Ok(file) => to_js(&self.session.set_national(file)),
            Err(e) => bad_argument("expected `{name, text}` or null", e),
        }
    }

    /// Attested items and historic achievement for every run, `{attested?: {name, text},
    /// historic?: {name, text}}`, in place of the population's: `{ok, national, attested,
    /// historic}`.
    pub fn set_practice_inputs(&mut self, files: JsValue) -> JsValue {
        match serde_wasm_bindgen::from_value::<PracticeRequest>(files) {
            Ok(req) => to_js(&self.session.set_practice_inputs(req)),
            Err(e) => {
                bad_argument("expected `{attested?: {name, text}, historic?: {name, text}}`", e)
            }
        }
    }

    /// Patients whose id contains `filter`, at most `limit`: `[{patient_id, practice_id, ...}]`.
    pub fn patients(&self, filter: &str, limit: usize) -> JsValue {
        to_js(&self.session.patients(filter, limit))
    }

    /// The explorer's patients: `{filter, practice, indicator, status, limit}` (see
    /// `session::PatientQuery`); `{ok, patients, matched}`.
    pub fn find_patients(&mut self, text: &str, query: JsValue) -> JsValue {
        match serde_wasm_bindgen::from_value::<PatientQuery>(query) {
            Ok(q) => to_js(&self.session.find_patients(text, &q)),
            Err(e) => bad_argument("bad patient query", e),
        }
    }

    /// Evaluates and pays the scheme on the population: the JSON text of
    /// `{ok, result, population}`, `result` as `qofrules eval --format json` prints it.
    pub fn evaluate(&mut self, text: &str) -> String {
        self.session.evaluate_text(text)
    }

    /// The same result as the exact text `qofrules eval --format json` prints: `{ok, json}`.
    pub fn evaluate_json(&mut self, text: &str) -> JsValue {
        #[derive(Serialize)]
        struct Json {
            json: String,
        }
        let reply = match self.session.evaluate_json(text) {
            Ok(json) => {
                Reply { ok: true, value: Some(Json { json }), errors: vec![], warnings: vec![] }
            }
            Err(errors) => Reply { ok: false, value: None, errors, warnings: vec![] },
        };
        to_js(&reply)
    }

    /// Why a patient of the population did or did not count: `{ok, patient, traces}`.
    pub fn explain(&mut self, text: &str, patient_id: &str, indicator: Option<String>) -> JsValue {
        to_js(&self.session.explain(text, patient_id, indicator.as_deref()))
    }

    /// A patient of the population as a `test` block expecting its current outcome (for
    /// `indicator`, or every indicator it is not excluded from): `{ok, block, expects}`.
    pub fn patient_test(
        &mut self,
        text: &str,
        patient_id: &str,
        indicator: Option<String>,
    ) -> JsValue {
        to_js(&self.session.patient_test(text, patient_id, indicator.as_deref()))
    }

    /// The boundary tests of one indicator, as `qofrules boundary --indicator ID` prints
    /// them: `{ok, indicator, text, cases}`.
    pub fn boundary(&mut self, text: &str, indicator: &str) -> JsValue {
        to_js(&self.session.boundary(text, indicator))
    }

    /// The boundary tests of the indicator under the cursor (`at`, a UTF-16 offset), or of
    /// every copy of a `for each` indicator template: `{ok, indicators, written, for_each,
    /// start, end, text, cases}`, `text` as `qofrules boundary --indicator ID...` prints it.
    pub fn boundary_at(&mut self, text: &str, at: usize) -> JsValue {
        to_js(&self.session.boundary_at(text, at))
    }

    /// The quick first step of `witness`: `{ok, indicators}`, each `{indicator, settled}`,
    /// `settled` the answer where the canonical forms settle it (`same`), else null.
    pub fn witness_plan(&mut self, text_a: &str, text_b: &str) -> JsValue {
        to_js(&self.session.witness_plan(text_a, text_b))
    }

    /// Whether any patient can have a different outcome under the two texts, per indicator
    /// (or only `indicator`): `{ok, indicators}`, each as `qofrules witness A B --format
    /// json` prints it (`{indicator, verdict, reason, witness, a, b}`).
    pub fn witness(&mut self, text_a: &str, text_b: &str, indicator: Option<String>) -> JsValue {
        to_js(&self.session.witness(text_a, text_b, indicator.as_deref()))
    }

    /// Runs the file's test patients: `{ok, report, positions}`.
    pub fn run_tests(&mut self, text: &str) -> JsValue {
        to_js(&self.session.run_tests(text))
    }

    /// Compares two schemes on the population: the JSON text of
    /// `{ok, scheme_a, scheme_b, comparison, gainers, losers, population, html, marks_a,
    /// marks_b}`, where `comparison` is what `qofrules compare --format json` prints and the
    /// marks are where each text writes its rule changes.
    pub fn compare(&mut self, text_a: &str, text_b: &str) -> String {
        to_json(&self.session.compare(text_a, text_b))
    }

    /// Sweeps one or two levers of the scheme (one `LEVER=VALUES` per line, as `qofrules
    /// sweep --vary` takes them): the JSON text of `{ok, sweep, html}`, where `sweep` is what
    /// `qofrules sweep --format json` prints and `html` its report.
    pub fn sweep(&mut self, text: &str, levers: &str) -> String {
        let levers: Vec<String> =
            levers.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
        to_json(&self.session.sweep(text, &levers))
    }

    /// The eval report `qofrules eval --format html` writes: the JSON text of `{ok, html}`.
    pub fn eval_report(&mut self, text: &str) -> String {
        to_json(&self.session.eval_report(text))
    }
}
