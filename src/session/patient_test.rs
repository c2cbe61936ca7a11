//! The patient explorer's "add as test" (issue #16): a patient of the population written as an
//! in-file `test` block that expects the outcomes the scheme gives the patient now, in the
//! layout `qofrules boundary` writes its tests in ([`crate::boundary::Draft::test_block`],
//! then `qofrules fmt`).

use super::{run_problems, Reply, Session};
use crate::boundary::{Draft, DraftEvent};
use crate::eval::outcome_text;
use crate::model::Sex;
use crate::pipeline;
use crate::scheme::Outcome;
use serde::Serialize;

/// A test block to append to the text.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct PatientTest {
    /// The `test` block, formatted, ending with a newline.
    pub block: String,
    /// How many `expect` lines it has.
    pub expects: usize,
}

impl Session {
    /// The patient as a `test` block: born, sex, registered (and deregistered) as the
    /// population has them (dated for the scheme's period), every event with its value, and
    /// an `expect` for `indicator`, or without one for every indicator the patient is not
    /// excluded from (the first indicator when excluded from all).
    pub fn patient_test(
        &mut self,
        text: &str,
        patient_id: &str,
        indicator: Option<&str>,
    ) -> Reply<PatientTest> {
        let c = match self.for_patients(
            text,
            "write as tests",
            "load a population of patients first",
        ) {
            Ok(c) => c,
            Err(e) => return Reply::err(e),
        };
        let ex = match pipeline::explain(&c.loaded, &self.population, patient_id, indicator) {
            Ok(x) => x,
            Err(e) => return Reply::err(run_problems(e.diagnostics)),
        };
        let p = ex.patient;
        let mut expects: Vec<String> = ex
            .traces
            .iter()
            .filter(|t| indicator.is_some() || t.outcome != Outcome::Excluded)
            .map(|t| {
                format!("expect {} {}", t.indicator, outcome_text(&t.outcome, t.stratum.as_deref()))
            })
            .collect();
        if expects.is_empty() {
            if let Some(t) = ex.traces.first() {
                expects.push(format!(
                    "expect {} {}",
                    t.indicator,
                    outcome_text(&t.outcome, t.stratum.as_deref())
                ));
            }
        }
        let draft = Draft {
            born: Some(p.birth_date),
            sex: (p.sex != Sex::Unknown).then_some(p.sex),
            registered: Some(p.registered_on),
            deregistered: p.deregistered_on,
            events: p
                .events
                .iter()
                .map(|e| DraftEvent {
                    date: e.date,
                    code: e.code,
                    value: e.value.map(|v| v.to_string()),
                })
                .collect(),
        };
        let name = match indicator {
            Some(id) => format!("patient {} at {}: {id}", p.patient_id, p.practice_id),
            None => format!("patient {} at {}", p.patient_id, p.practice_id),
        };
        let raw = draft.test_block(&c.loaded.program, &name, &expects.join("\n  "));
        let block = crate::fmt::format(&raw).unwrap_or(raw);
        Reply::ok(PatientTest { block, expects: expects.len() }, c.warnings.clone())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::session::PatientQuery;

    #[test]
    fn a_patient_written_as_a_test_passes_with_its_current_outcome() {
        let mut s = Session::new();
        let text = crate::shipped::SCHEMES
            .iter()
            .find(|(p, _)| p.ends_with("qof-2019-20.qof"))
            .map(|(_, t)| *t)
            .unwrap();
        for status in ["numerator", "unmet", "adjusted"] {
            let q = PatientQuery {
                indicator: Some("DM020".into()),
                status: Some(status.into()),
                limit: 1,
                ..PatientQuery::default()
            };
            let found = s.find_patients(text, &q).value.unwrap();
            let Some(p) = found.patients.first() else { continue };
            let r = s.patient_test(text, &p.patient_id, Some("DM020"));
            assert!(r.ok, "{:?}", r.errors);
            let t = r.value.unwrap();
            assert_eq!(t.expects, 1);
            let want = match status {
                "numerator" => "expect DM020 numerator",
                "unmet" => "expect DM020 denominator",
                _ => "expect DM020 adjusted",
            };
            assert!(t.block.contains(want), "{status}: {}", t.block);
            // appended to the scheme, it is a passing test
            let with = format!("{text}\n{}", t.block);
            let tests = s.run_tests(&with).value.unwrap();
            let mine = tests.report.tests.iter().find(|x| x.name.starts_with("patient ")).unwrap();
            assert!(mine.passed, "{status}: {:?}\n{}", mine, t.block);
        }
        // every indicator the patient counts for, without one
        let q = PatientQuery {
            indicator: Some("DM020".into()),
            status: Some("numerator".into()),
            limit: 1,
            ..PatientQuery::default()
        };
        let p = s.find_patients(text, &q).value.unwrap().patients[0].clone();
        let t = s.patient_test(text, &p.patient_id, None).value.unwrap();
        assert!(t.expects >= 2, "{}", t.block);
        let with = format!("{text}\n{}", t.block);
        let tests = s.run_tests(&with).value.unwrap();
        assert!(tests.report.tests.iter().find(|x| x.name.starts_with("patient ")).unwrap().passed);
        assert!(!s.patient_test(text, "nobody", None).ok);
    }
}
