//! In-file tests: each `test` block's patient is built, classified, and every `expect` is
//! compared with the outcome; a failure carries the patient's explanation. A test that states
//! pay (`expect DM020 points 12.5`, `expect practice payment £1234.56`) makes a practice of its
//! patients and pays it as `eval` does (evaluation, the scheme's national figures, the pay
//! phase), so the figures are the exact ones a population run gives.

use super::explain::explain;
use crate::compile::Program;
use crate::date::Date;
use crate::model::{Event, Patient, Sex};
use crate::model::{Population, Practice};
use crate::national::PrevalenceFrom;
use crate::scheme::{Located, Outcome, Scheme};
use crate::syntax::ast::{Figure, Span, Test, TestCode};
use rust_decimal::Decimal;
use serde::Serialize;
use std::str::FromStr;

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

/// The result of one `expect ... points` or `expect ... payment`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FigureResult {
    /// The indicator, or `None` for the practice.
    pub indicator: Option<String>,
    pub figure: Figure,
    /// As written (a payment without its `£`).
    pub expected: String,
    /// The figure the pay phase gives, exact (`None` when the test practice could not be paid).
    #[cfg_attr(test, ts(type = "string | null"))]
    pub actual: Option<Decimal>,
    pub passed: bool,
    /// How the actual figure came about (failures only).
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
    /// The expectations of pay.
    pub figures: Vec<FigureResult>,
    /// Problems building the patient (the test fails).
    pub errors: Vec<String>,
    /// For a test inherited from a scheme of another period: the period end date it was
    /// written for (its patients' dates were moved to this scheme's period).
    #[cfg_attr(test, ts(type = "string | null"))]
    pub moved_from: Option<Date>,
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
    build_patient(scheme, pped, t, &t.patient, 0)
}

/// Builds patient `k` (from 0) of a test, `tp`; patients after the first get `#2`, `#3`...
/// after the test's name as their id.
fn build_patient(
    scheme: &Scheme,
    pped: Date,
    t: &Test,
    tp: &crate::syntax::ast::TestPatient,
    k: usize,
) -> Result<Patient, Vec<String>> {
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
        patient_id: match k {
            0 => t.name.value.clone(),
            _ => format!("{} #{}", t.name.value, k + 1),
        },
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
            figures: Vec::new(),
            errors: Vec::new(),
            moved_from: None,
        };
        let mut patients = Vec::new();
        for (k, tp) in t.patients().enumerate() {
            match build_patient(scheme, prog.pped, t, tp, k) {
                Ok(p) => patients.push(p),
                Err(errors) => result.errors.extend(errors),
            }
        }
        // a test written for another period (inherited from last year's scheme) is moved to
        // this one, as `synth --for` moves a population
        let written_for = scheme
            .test_periods
            .binary_search_by_key(file, |x| x.0)
            .ok()
            .and_then(|k| scheme.test_periods.get(k))
            .map(|x| x.1);
        if let Some(from) = written_for.filter(|&d| d != prog.pped) {
            crate::synth::redate(&mut patients, from, prog.pped);
            for p in &mut patients {
                p.sort_events();
            }
            result.moved_from = Some(from);
        }
        if !result.errors.is_empty() {
            result.passed = false;
        } else {
            if let Some(p) = patients.first().filter(|_| patients.len() == 1) {
                outcomes(prog, t, p, &mut result);
            }
            if !t.figures.is_empty() {
                figures(scheme, prog, t, patients, &mut result);
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

/// Classifies the test's one patient and compares every outcome expectation.
fn outcomes(prog: &Program, t: &Test, p: &Patient, result: &mut TestResult) {
    let traces = explain(prog, p, None);
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

/// The test practice: the test's patients at the first one's practice (the checker makes
/// them agree), with its list size stated or counted.
pub fn test_practice(t: &Test, patients: Vec<Patient>) -> Population {
    let id = t.patient.practice.as_ref().map_or(TEST_PRACTICE, |p| p.value.as_str());
    let practices = vec![Practice {
        practice_id: id.to_string(),
        practice_name: t.name.value.clone(),
        network_id: String::new(),
    }];
    let patients = patients.into_iter().map(|p| Patient { practice_id: id.to_string(), ..p });
    Population { practices, patients: patients.collect() }
}

/// Pays the test practice as `eval` does and compares every expectation of pay.
fn figures(
    scheme: &Scheme,
    prog: &Program,
    t: &Test,
    patients: Vec<Patient>,
    result: &mut TestResult,
) {
    let pop = test_practice(t, patients);
    let paid = pay_practice(scheme, prog, t, &pop);
    let (inputs, error) = match paid {
        Ok(inputs) => (Some(inputs), None),
        Err(e) => (None, Some(e)),
    };
    let pay = inputs.as_ref().map(|i| crate::pay::pay(&i.scheme, &i.national, &i.data));
    let practice = match &pay {
        Some(Ok(r)) => r.practices.first(),
        _ => None,
    };
    let error = error.or_else(|| match &pay {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    });
    if let Some(e) = error {
        result.errors.push(e);
        result.passed = false;
    }
    for f in &t.figures {
        let expected = Decimal::from_str(&f.value.text).ok();
        let line = f
            .indicator
            .as_ref()
            .and_then(|i| practice.and_then(|p| p.indicators.iter().find(|x| x.id == i.name)));
        let actual = match (&f.indicator, practice, f.figure) {
            (None, Some(p), Figure::Points) => Some(p.points),
            (None, Some(p), Figure::Payment) => Some(p.payment),
            (Some(_), Some(_), Figure::Points) => line.map(|l| l.points),
            (Some(_), Some(_), Figure::Payment) => line.map(|l| l.payment),
            (_, None, _) => None,
        };
        let ok = matches!((expected, actual), (Some(e), Some(a)) if e == a);
        result.passed &= ok;
        let explanation = match (ok, practice) {
            (false, Some(p)) => Some(match line {
                Some(l) => indicator_explanation(l, p),
                None if f.indicator.is_some() => {
                    "the indicator has no line in the practice's pay".to_string()
                }
                None => practice_explanation(p),
            }),
            _ => None,
        };
        result.figures.push(FigureResult {
            indicator: f.indicator.as_ref().map(|i| i.name.clone()),
            figure: f.figure,
            expected: f.value.text.clone(),
            actual,
            passed: ok,
            explanation,
            span: f.span,
        });
    }
}

/// Evaluates the test practice and reads its pay inputs, as a population run does, with the
/// test's `list size` in place of every list type's counted size.
fn pay_practice(
    scheme: &Scheme,
    prog: &Program,
    t: &Test,
    pop: &Population,
) -> Result<super::PayInputs, String> {
    let ev = super::evaluate_with_threads(prog, pop, 1);
    let mut inputs =
        super::pay_inputs(scheme, prog, &ev, &PrevalenceFrom::Scheme).map_err(|e| e.message)?;
    if let (Some(n), Some(tally)) = (&t.list_size, ev.practices.first()) {
        let size =
            n.text.parse::<u32>().map_err(|_| format!("list size `{}` is too large", n.text))?;
        let counted = tally.list_sizes.first().copied().unwrap_or(0);
        if size < counted {
            return Err(format!(
                "list size `{size}` is smaller than the {counted} patients registered at the period end date"
            ));
        }
        for lt in &prog.list_types {
            inputs.data.set_list_size(&tally.practice_id, &lt.id, size);
        }
    }
    Ok(inputs)
}

fn indicator_explanation(
    l: &crate::pay::IndicatorResult<'_>,
    p: &crate::pay::PracticeResult<'_>,
) -> String {
    let mut s = format!("{} of {} achieved ({} PCAs)", l.numerator, l.denominator, l.pcas);
    if let Some(a) = l.achievement {
        s.push_str(&format!(", achievement {}%", (a * Decimal::ONE_HUNDRED).normalize()));
    }
    s.push_str(&format!(
        ": {} points of {}, paid on {} (£{})",
        l.points.normalize(),
        l.max_points.normalize(),
        l.paid_on,
        pounds(l.payment)
    ));
    if let Some(g) = p.groups.iter().find(|g| g.group == l.group) {
        s.push_str(&format!("; group {} APDF {}", g.group, g.apdf.normalize()));
    }
    if let Some(c) = p.cpi {
        s.push_str(&format!(", CPI {}", c.normalize()));
    }
    s
}

fn practice_explanation(p: &crate::pay::PracticeResult<'_>) -> String {
    let lines: Vec<String> = p
        .indicators
        .iter()
        .filter(|l| !l.points.is_zero() || !l.payment.is_zero())
        .map(|l| format!("{} {} points £{}", l.id, l.points.normalize(), pounds(l.payment)))
        .collect();
    let mut s = format!(
        "{} points, £{} (list size {})",
        p.points.normalize(),
        pounds(p.payment),
        p.list_size.map_or("unknown".to_string(), |n| n.to_string())
    );
    if !lines.is_empty() {
        s.push_str(&format!(": {}", lines.join(", ")));
    }
    s
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

/// An amount of money as paid, with at least pence (`0` is `0.00`).
pub fn pounds(d: Decimal) -> Decimal {
    let mut d = d;
    if d.scale() < 2 {
        d.rescale(2);
    }
    d
}
