//! The editor's tools for rule testers (issue #18): the boundary tests of the indicator under
//! the cursor ([`crate::boundary`], the text `qofrules boundary --indicator ID` prints) and, in
//! compare mode, whether any patient can have a different outcome under the two texts, with a
//! verified witness ([`crate::witness`], what `qofrules witness A B --format json` prints).

use super::{Reply, Session, ROOT_NAME};
use crate::diag::Code;
use crate::witness::IndicatorWitness;
use serde::Serialize;

/// What `boundary` returns.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct BoundaryOutput {
    pub indicator: String,
    /// The generated `test` blocks, with their heading comments: byte for byte what
    /// `qofrules boundary SCHEME --indicator ID` prints.
    pub text: String,
    /// How many `test` blocks `text` has (none for an attested indicator).
    pub cases: usize,
}

/// What `witness` returns.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct WitnessOutput {
    /// Per indicator (A's in order, then those only B has): the objects `qofrules witness A B
    /// --format json` prints.
    pub indicators: Vec<IndicatorWitness>,
}

/// The error for an indicator the scheme does not have, with a suggestion.
fn unknown_indicator<'a, T>(
    id: &str,
    ids: impl IntoIterator<Item = &'a str>,
    whose: &str,
) -> Reply<T> {
    let help = crate::diag::did_you_mean(id, ids).map(|s| format!("did you mean `{s}`?"));
    Reply::message(Code::UnknownIndicator, format!("{whose} `{id}`"), help)
}

impl Session {
    /// The boundary tests of one indicator of the text, as `qofrules boundary --indicator ID`
    /// writes them.
    pub fn boundary(&mut self, text: &str, indicator: &str) -> Reply<BoundaryOutput> {
        let c = match self.compiled(text, ROOT_NAME) {
            Ok(c) => c,
            Err(e) => return Reply::err(e),
        };
        let prog = &c.loaded.program;
        let Some(cases) = crate::boundary::generate(prog, Some(indicator)) else {
            let ids = prog.indicators.iter().map(|i| i.id.as_str());
            return unknown_indicator(indicator, ids, "the scheme has no indicator");
        };
        let n = cases.iter().map(|ic| ic.cases.len()).sum();
        let text = crate::boundary::render(prog, &cases);
        Reply::ok(
            BoundaryOutput { indicator: indicator.to_string(), text, cases: n },
            c.warnings.clone(),
        )
    }

    /// For every indicator of the two texts (or only `indicator`): `same`, `differ` with a
    /// verified witness patient, or `unknown` with the reason.
    pub fn witness(
        &mut self,
        text_a: &str,
        text_b: &str,
        indicator: Option<&str>,
    ) -> Reply<WitnessOutput> {
        let (a, b) = match self.compiled_pair(text_a, text_b) {
            Ok(pair) => pair,
            Err(errors) => return Reply::err(errors),
        };
        let (pa, pb) = (&a.loaded.program, &b.loaded.program);
        match crate::witness::witness(pa, pb, indicator) {
            Some(indicators) => Reply::ok(WitnessOutput { indicators }, Vec::new()),
            None => {
                let id = indicator.unwrap_or_default();
                let ids = pa.indicators.iter().chain(&pb.indicators).map(|i| i.id.as_str());
                unknown_indicator(id, ids, "neither scheme has an indicator")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::session::ROOT_NAME_B;

    fn qof_2019_20() -> &'static str {
        crate::shipped::SCHEMES
            .iter()
            .find(|(p, _)| p.ends_with("qof-2019-20.qof"))
            .map(|(_, t)| *t)
            .unwrap()
    }

    #[test]
    fn boundary_tests_inserted_after_their_indicator_pass() {
        let mut s = Session::new();
        let text = qof_2019_20();
        let r = s.boundary(text, "DM020");
        assert!(r.ok, "{:?}", r.errors);
        let out = r.value.unwrap();
        assert!(out.cases > 10, "{}", out.text);
        assert_eq!(out.text.matches("\ntest \"").count(), out.cases);
        assert!(out.text.contains("expect DM020 numerator"));
        assert!(out.text.contains("expect DM020 denominator"));
        let with = format!("{text}\n{}", out.text);
        let tests = s.run_tests(&with).value.unwrap();
        let mine: Vec<_> =
            tests.report.tests.iter().filter(|t| t.name.starts_with("DM020 boundary")).collect();
        assert_eq!(mine.len(), out.cases);
        assert!(mine.iter().all(|t| t.passed), "{:?}", mine.iter().find(|t| !t.passed));
        // an unknown indicator: an error with a suggestion, never a panic
        let r = s.boundary(text, "DM02");
        assert!(!r.ok);
        assert_eq!(r.errors[0].message, "the scheme has no indicator `DM02`");
        assert!(r.errors[0].help.as_deref().unwrap_or_default().contains("`DM0"));
        assert!(!s.boundary("scheme {", "DM020").ok);
    }

    #[test]
    fn witness_of_a_changed_target_and_of_an_unchanged_indicator() {
        let mut s = Session::new();
        let a = qof_2019_20();
        assert_eq!(a.matches("value <= 58").count(), 1, "DM020's target is written once");
        let b = a.replace("value <= 58", "value <= 59");
        let all = s.witness(a, &b, None).value.unwrap().indicators;
        let dm020 = all.iter().find(|w| w.indicator == "DM020").unwrap();
        assert_eq!(dm020.verdict, crate::witness::Verdict::Differ);
        let w = dm020.witness.as_deref().unwrap();
        assert!(w.contains("value 59"), "{w}");
        assert_eq!(dm020.a.as_ref().unwrap().outcome, "denominator");
        assert_eq!(dm020.b.as_ref().unwrap().outcome, "numerator");
        let others: Vec<_> = all.iter().filter(|w| w.indicator != "DM020").collect();
        assert!(!others.is_empty());
        assert!(others.iter().all(|w| w.verdict == crate::witness::Verdict::Same), "{others:?}");
        // one indicator, and its errors
        let one = s.witness(a, &b, Some("DM017")).value.unwrap().indicators;
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].verdict, crate::witness::Verdict::Same);
        let r = s.witness(a, &b, Some("NOPE1"));
        assert!(!r.ok);
        assert_eq!(r.errors[0].message, "neither scheme has an indicator `NOPE1`");
        let r = s.witness(a, "scheme {", None);
        assert!(!r.ok);
        assert!(r.errors.iter().all(|p| !p.root || p.file.as_deref() == Some(ROOT_NAME_B)));
    }
}
