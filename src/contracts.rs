//! The contract with the browser editor: `www/src/contracts.ts`, the TypeScript declarations
//! of every reply the wasm layer sends (the session's replies, the pay result, the comparison,
//! explanations, the patient list, problems...), generated from the Rust types by ts-rs.
//!
//! The types derive `ts_rs::TS` under `cfg(test)` only, so neither the library nor the wasm
//! module carries the derive; the test below regenerates the file in memory and fails when the
//! committed file differs (as rust-analyzer's source generation tests do). To write it:
//!
//! ```text
//! UPDATE_CONTRACTS=1 cargo test --lib contracts
//! ```
//!
//! Decimal numbers (money, points, achievement) serialise as strings through
//! `serialize_with`, which ts-rs cannot see: those fields say so with `#[ts(type = "string")]`.
//! Integers are JavaScript numbers (serde_json writes every integer as a number).

use std::collections::BTreeMap;
use std::path::PathBuf;

use ts_rs::{Config, TypeVisitor, TS};

/// The file the test writes, relative to the crate root.
const PATH: &str = "www/src/contracts.ts";

/// The command that regenerates the file.
const COMMAND: &str = "UPDATE_CONTRACTS=1 cargo test --lib contracts";

/// Collects the declarations of a type and of every type it uses, each once, by name (ts-rs
/// visits dependencies in no fixed order, so the file lists them sorted).
struct Collect {
    cfg: Config,
    decls: BTreeMap<String, String>,
}

impl TypeVisitor for Collect {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if T::output_path().is_none() {
            return;
        }
        let name = T::ident(&self.cfg);
        if self.decls.contains_key(&name) {
            return;
        }
        let mut decl = T::docs().unwrap_or_default();
        decl.push_str("export ");
        decl.push_str(&T::decl(&self.cfg));
        self.decls.insert(name, decl);
        T::visit_dependencies(self);
    }
}

/// The text of `www/src/contracts.ts`.
fn generate() -> String {
    use crate::session::{
        CheckOutput, CompareOutput, EvalOutput, ExplainOutput, FormatOutput, InputsInfo,
        InspectOutput, NamedText, PatientList, PatientQuery, PatientSummary, PopulationInfo,
        ShippedFile, SynthRequest, TestOutput, PATIENT_STATUSES,
    };
    let mut c = Collect { cfg: Config::new().with_large_int("number"), decls: BTreeMap::new() };
    // What the wasm layer returns (src/wasm.rs), then what it is sent.
    c.visit::<CheckOutput>();
    c.visit::<FormatOutput>();
    c.visit::<InspectOutput>();
    c.visit::<ShippedFile>();
    c.visit::<PopulationInfo>();
    c.visit::<PatientSummary>();
    c.visit::<PatientList>();
    c.visit::<InputsInfo>();
    c.visit::<EvalOutput>();
    c.visit::<crate::pipeline::JsonOutput<'static>>();
    // Flattened into the JSON above, so not met as a dependency; the page names it.
    c.visit::<crate::pay::PayResult<'static>>();
    c.visit::<ExplainOutput>();
    c.visit::<TestOutput>();
    c.visit::<CompareOutput>();
    c.visit::<crate::pipeline::CompareJson<'static>>();
    c.visit::<SynthRequest>();
    c.visit::<PatientQuery>();
    c.visit::<NamedText>();
    c.visit::<crate::session::SweepOutput>();
    c.visit::<crate::session::ReportOutput>();
    c.visit::<crate::session::PatientTest>();
    c.visit::<crate::session::BoundaryOutput>();
    c.visit::<crate::session::WitnessOutput>();
    c.visit::<crate::session::BoundaryAt>();
    c.visit::<crate::session::WitnessPlan>();
    let statuses: Vec<String> = PATIENT_STATUSES.iter().map(|s| format!("\"{s}\"")).collect();
    let mut out = String::from(
        "// Generated from the Rust reply types by `src/contracts.rs`: do not edit by hand.\n\
         // Regenerate with `",
    );
    out.push_str(COMMAND);
    out.push_str("`.\n\n");
    out.push_str(
        "/** A status the patient explorer lists patients by (`session::PATIENT_STATUSES`). */\n",
    );
    out.push_str(&format!("export type PatientStatus = {};\n", statuses.join(" | ")));
    for d in c.decls.values() {
        out.push('\n');
        out.push_str(d);
        out.push('\n');
    }
    out
}

#[test]
fn contracts_ts_is_fresh() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(PATH);
    let text = generate();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == text {
        return;
    }
    if std::env::var_os("UPDATE_CONTRACTS").is_some() {
        if let Err(e) = std::fs::write(&path, &text) {
            panic!("cannot write {PATH}: {e}");
        }
        return;
    }
    panic!("{PATH} is out of date with the Rust reply types: run `{COMMAND}` and commit it");
}
