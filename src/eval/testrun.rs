//! In-file tests: each `test` block's patient is built, classified, and every `expect` is
//! compared with the outcome; a failure carries the patient's explanation.

use super::explain::explain;
use crate::compile::Program;
use crate::date::Date;
use crate::model::{Event, Patient, Sex};
use crate::scheme::{Located, Outcome, Scheme};
use crate::syntax::ast::{Span, Test, TestCode};
use serde::Serialize;

/// The practice of a test patient that names none.
pub const TEST_PRACTICE: &str = "TEST";

/// The result of one `expect`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExpectResult {
    pub indicator: String,
    pub expected: Outcome,
    pub expected_stratum: Option<String>,
    pub actual: Outcome,
    pub actual_stratum: Option<String>,
    pub passed: bool,
    /// The explanation of the actual outcome (failures only).
    pub explanation: Option<String>,
    pub span: Span,
}

/// The result of one test.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestResult {
    pub name: String,
    pub file: usize,
    pub span: Span,
    pub passed: bool,
    pub expects: Vec<ExpectResult>,
    /// Problems building the patient (the test fails).
    pub errors: Vec<String>,
}

/// All tests of a scheme.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TestReport {
    pub tests: Vec<TestResult>,
    pub passed: usize,
    pub failed: usize,
}

impl TestReport {
    pub fn all_passed(&self) -> bool {
        self.failed == 0
    }
}

/// Builds a test's patient. Defaults: born 50 years before the period end, sex unknown,
/// registered 10 years before the period end, practice `TEST`. A code list name stands for
/// the list's first (smallest) code.
pub fn test_patient(scheme: &Scheme, pped: Date, t: &Test) -> Result<Patient, Vec<String>> {
    let tp = &t.patient;
    let mut errors = Vec::new();
    let mut events = Vec::new();
    for ev in &tp.events {
        let code = match &ev.code {
            TestCode::Snomed { code, .. } => Some(*code),
            TestCode::List { list } => match scheme.codelist(&list.name) {
                Some(l) => match l.codes.first() {
                    Some(c) => Some(*c),
                    None => {
                        errors.push(format!("code list `{}` has no codes", list.name));
                        None
                    }
                },
                None => {
                    errors.push(format!("unknown code list `{}`", list.name));
                    None
                }
            },
        };
        let value = match &ev.value {
            Some(n) => match n.text.parse::<f64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push(format!("cannot read value `{}`", n.text));
                    None
                }
            },
            None => None,
        };
        if let Some(code) = code {
            events.push(Event { date: ev.date.date, code, value });
        }
    }
    let deprivation_decile = match &tp.deprivation_decile {
        Some(n) => match n.text.parse::<u8>() {
            Ok(d @ 1..=10) => Some(d),
            _ => {
                errors.push(format!("deprivation decile `{}` is not 1 to 10", n.text));
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut p = Patient {
        patient_id: t.name.value.clone(),
        practice_id: tp.practice.as_ref().map_or(TEST_PRACTICE.to_string(), |p| p.value.clone()),
        birth_date: tp.born.map_or(pped.add_months(-12 * 50), |d| d.date),
        sex: tp.sex.map_or(Sex::Unknown, |(s, _)| s),
        registered_on: tp.registered.map_or(pped.add_months(-12 * 10), |d| d.date),
        deregistered_on: tp.deregistered.map(|d| d.date),
        deprivation_decile,
        events,
    };
    p.sort_events();
    Ok(p)
}

fn matches(expected: &Outcome, actual: &Outcome) -> bool {
    match (expected, actual) {
        (Outcome::Adjusted(None), Outcome::Adjusted(_)) => true,
        (e, a) => e == a,
    }
}

/// Runs the scheme's tests.
pub fn run_tests(scheme: &Scheme, prog: &Program) -> TestReport {
    let mut report = TestReport::default();
    for Located { file, node: t } in &scheme.tests {
        let mut result = TestResult {
            name: t.name.value.clone(),
            file: *file,
            span: t.span,
            passed: true,
            expects: Vec::new(),
            errors: Vec::new(),
        };
        match test_patient(scheme, prog.pped, t) {
            Err(errors) => {
                result.errors = errors;
                result.passed = false;
            }
            Ok(p) => {
                let traces = explain(prog, &p, None);
                for x in &t.expects {
                    let Some(tr) = traces.iter().find(|tr| tr.indicator == x.indicator.name) else {
                        result.errors.push(format!("unknown indicator `{}`", x.indicator.name));
                        result.passed = false;
                        continue;
                    };
                    let want_stratum = x.stratum.as_ref().map(|s| s.name.clone());
                    let ok = matches(&x.outcome, &tr.outcome)
                        && (want_stratum.is_none() || want_stratum == tr.stratum);
                    result.passed &= ok;
                    result.expects.push(ExpectResult {
                        indicator: tr.indicator.clone(),
                        expected: x.outcome.clone(),
                        expected_stratum: want_stratum,
                        actual: tr.outcome.clone(),
                        actual_stratum: tr.stratum.clone(),
                        passed: ok,
                        explanation: (!ok).then(|| tr.text.clone()),
                        span: x.span,
                    });
                }
            }
        }
        if result.passed {
            report.passed += 1;
        } else {
            report.failed += 1;
        }
        report.tests.push(result);
    }
    report
}

/// An outcome as written in an `expect` (`adjusted chose not to`, `numerator in stratum fit`).
pub fn outcome_text(o: &Outcome, stratum: Option<&str>) -> String {
    let mut s = match o {
        Outcome::Excluded => "excluded".to_string(),
        Outcome::Adjusted(None) => "adjusted".to_string(),
        Outcome::Adjusted(Some(c)) => format!("adjusted {}", c.source()),
        Outcome::Denominator => "denominator".to_string(),
        Outcome::Numerator => "numerator".to_string(),
    };
    if let Some(st) = stratum {
        s.push_str(&format!(" in stratum {st}"));
    }
    s
}
