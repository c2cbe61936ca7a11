//! The editor's tools for rule testers (issue #18): the boundary tests of the indicator under
//! the cursor ([`crate::boundary`], the text `qofrules boundary --indicator ID` prints) and, in
//! compare mode, whether any patient can have a different outcome under the two texts, with a
//! verified witness ([`crate::witness`], what `qofrules witness A B --format json` prints).

use super::{Reply, Session, ROOT_NAME};
use crate::diag::Code;
use crate::syntax::ast::Span;
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

/// What `boundary_at` returns: the boundary tests of the indicator under the cursor, or of
/// every copy of the indicator template a `for each` body writes.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct BoundaryAt {
    /// The indicators the tests are for, in the scheme's order: one, or every copy of a
    /// `for each` template (`CC1` ... `CC9`).
    pub indicators: Vec<String>,
    /// The indicator's id as written: `DM020`, or the template's `CC{N}`.
    pub written: String,
    /// `for each N in 1 to 9` when the cursor is in a `for each` body, else `None`.
    pub for_each: Option<String>,
    /// The block the tests go after (the indicator's, or the whole `for each`'s): its start and
    /// end (just after its closing brace), as UTF-16 offsets like the editor's.
    pub start: usize,
    pub end: usize,
    /// The generated `test` blocks: byte for byte what `qofrules boundary SCHEME --indicator
    /// ID` prints, with one `--indicator` per id of `indicators`.
    pub text: String,
    /// How many `test` blocks `text` has.
    pub cases: usize,
}

/// The byte offset of a UTF-16 offset into `text` (the text's length past its end).
fn byte_of_utf16(text: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (byte, c) in text.char_indices() {
        if units >= utf16 {
            return byte;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// The UTF-16 offset of a byte offset into `text`.
fn utf16_of_byte(text: &str, byte: usize) -> usize {
    text.get(..byte).map_or_else(|| text.encode_utf16().count(), |s| s.encode_utf16().count())
}

/// The indicator (or `change`) the byte offset is in: its id as written and its span.
fn indicator_in(item: &crate::syntax::ast::Item, at: u32) -> Option<(&str, Span)> {
    use crate::syntax::ast::Item;
    let (id, span) = match item {
        Item::Indicator(i) => (&i.id, i.span),
        Item::Change(c) => (&c.id, c.span),
        _ => return None,
    };
    (span.start <= at && at <= span.end).then_some((id.name.as_str(), span))
}

/// What `witness_plan` returns.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct WitnessPlan {
    /// Every indicator `witness` answers for, in its order (A's, then those only B has).
    pub indicators: Vec<PlannedWitness>,
}

/// One indicator of a [`WitnessPlan`].
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct PlannedWitness {
    pub indicator: String,
    /// `witness`'s answer when it is settled by form (`same`); `None` when the compiled rule
    /// differs (or one scheme lacks the indicator) and `witness` must be asked for it.
    pub settled: Option<IndicatorWitness>,
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

    /// The boundary tests of the indicator the cursor is in (`at`, a UTF-16 offset, as the
    /// editor counts): an `indicator` or `change` block, or the indicator template of a `for
    /// each` body, for which the tests cover every copy the `for each` makes (the template is
    /// one text for them all: an edit to it changes each copy, and each copy has its own codes
    /// and so its own boundaries), to go after the whole `for each`.
    pub fn boundary_at(&mut self, text: &str, at: usize) -> Reply<BoundaryAt> {
        use crate::syntax::ast::Item;
        let c = match self.compiled(text, ROOT_NAME) {
            Ok(c) => c,
            Err(e) => return Reply::err(e),
        };
        let byte = u32::try_from(byte_of_utf16(text, at)).unwrap_or(u32::MAX);
        let (file, _) = crate::syntax::parse(text, 0);
        let mut found = None;
        for item in &file.items {
            if let Some((id, _)) = indicator_in(item, byte) {
                found = Some((id.to_string(), vec![id.to_string()], None, item.span()));
            } else if let Item::ForEach(f) = item {
                let Some((k, id)) = f
                    .items
                    .iter()
                    .enumerate()
                    .find_map(|(k, it)| indicator_in(it, byte).map(|(id, _)| (k, id)))
                else {
                    continue;
                };
                let copies = f
                    .instances
                    .iter()
                    .filter_map(|inst| match inst.items.get(k) {
                        Some(Item::Indicator(i)) => Some(i.id.name.clone()),
                        Some(Item::Change(c)) => Some(c.id.name.clone()),
                        _ => None,
                    })
                    .collect();
                let header = text.get(f.header.start as usize..f.header.end as usize);
                let header = header.map(|h| h.split_whitespace().collect::<Vec<_>>().join(" "));
                found = Some((id.to_string(), copies, header, f.span));
            }
        }
        let Some((written, indicators, for_each, span)) = found else {
            return Reply::message(
                Code::UnknownIndicator,
                "the cursor is not in an indicator",
                Some("put the cursor in an `indicator` or `change` block (or an indicator of a `for each`) to generate its boundary tests".into()),
            );
        };
        let prog = &c.loaded.program;
        let ids: Vec<&str> = indicators.iter().map(String::as_str).collect();
        let (text_out, cases) = match crate::boundary::generate_each(prog, &ids) {
            Ok(all) => {
                (crate::boundary::render(prog, &all), all.iter().map(|ic| ic.cases.len()).sum())
            }
            Err(id) => {
                let ids = prog.indicators.iter().map(|i| i.id.as_str());
                return unknown_indicator(id, ids, "the scheme has no indicator");
            }
        };
        Reply::ok(
            BoundaryAt {
                indicators,
                written,
                for_each,
                start: utf16_of_byte(text, span.start as usize),
                end: utf16_of_byte(text, span.end as usize),
                text: text_out,
                cases,
            },
            c.warnings.clone(),
        )
    }

    /// The quick first step of `witness` for every indicator of the two texts, in its order:
    /// `same` where the canonical forms settle it, `None` where the compiled rule differs and
    /// only `witness` with that indicator's id can answer. Word for word `witness`'s answers.
    pub fn witness_plan(&mut self, text_a: &str, text_b: &str) -> Reply<WitnessPlan> {
        let (a, b) = match self.compiled_pair(text_a, text_b) {
            Ok(pair) => pair,
            Err(errors) => return Reply::err(errors),
        };
        let indicators = crate::witness::by_form(&a.loaded.program, &b.loaded.program)
            .into_iter()
            .map(|(indicator, settled)| PlannedWitness { indicator, settled })
            .collect();
        Reply::ok(WitnessPlan { indicators }, Vec::new())
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

    /// Two indicators made by a `for each` (AF001, CHD001), and one written out (ALL001); an
    /// em dash before them, so UTF-16 and byte offsets differ.
    const FAMILY: &str = r#"scheme fam "A family of indicators" { period 2019-04-01 to 2020-03-31, point value £187.74, national average list size 8479 }

codelist AF_COD "Atrial fibrillation" snomed { 49436004 }
codelist CHD_COD "Coronary heart disease" snomed { 53741008 }
codelist BP_COD "Blood pressure recorded" snomed { 163020007 }

// blood pressure — one indicator per condition
for each X in AF, CHD {
  indicator {X}001 "Blood pressure of {X} patients" {
    group FAM, domain CL, points 1, thresholds 40% to 90%
    denominator patients where {X}_COD
    achieved when BP_COD in last 12 months
  }
}

indicator ALL001 "Blood pressure of everyone with either" {
  group FAM, domain CL, points 1, thresholds 40% to 90%
  denominator patients where AF_COD or CHD_COD
  achieved when BP_COD in last 12 months
}
"#;

    /// The UTF-16 offset of the first `needle` in `text`.
    fn at(text: &str, needle: &str) -> usize {
        utf16_of_byte(text, text.find(needle).unwrap())
    }

    #[test]
    fn boundary_at_a_for_each_template_covers_every_copy_after_the_whole_block() {
        let mut s = Session::new();
        let text = FAMILY;
        let units: Vec<u16> = text.encode_utf16().collect();
        let slice = |from: usize, to: usize| String::from_utf16(&units[from..to]).unwrap();
        for cursor in
            ["{X}001 \"", "denominator patients where {X}", "achieved when BP_COD in last"]
        {
            let r = s.boundary_at(text, at(text, cursor));
            assert!(r.ok, "{:?}", r.errors);
            let out = r.value.unwrap();
            assert_eq!(out.indicators, ["AF001", "CHD001"]);
            assert_eq!(out.written, "{X}001");
            assert_eq!(out.for_each.as_deref(), Some("for each X in AF, CHD"));
            // the whole `for each`, in UTF-16 units (the em dash before it counts one)
            assert!(slice(out.start, out.end).starts_with("for each X in AF, CHD {"));
            assert!(slice(out.start, out.end).ends_with("  }\n}"), "{}", slice(out.start, out.end));
            // the tests of both copies, as `generate_each` (the CLI's repeated --indicator)
            let prog = &s.compiled(text, ROOT_NAME).unwrap().loaded.program;
            let all = crate::boundary::generate_each(prog, &["AF001", "CHD001"]).unwrap();
            assert_eq!(out.text, crate::boundary::render(prog, &all));
            assert!(out.text.contains("// AF001: ") && out.text.contains("// CHD001: "));
            assert_eq!(out.text.matches("\ntest \"").count(), out.cases);
            // inserted after the block, they all pass
            let end = text.char_indices().nth(out.end).map_or(text.len(), |(b, _)| b);
            let with = format!("{}\n\n{}{}", &text[..end], out.text, &text[end..]);
            let tests = s.run_tests(&with).value.unwrap().report.tests;
            assert_eq!(tests.len(), out.cases);
            assert!(tests.iter().all(|t| t.passed), "{:?}", tests.iter().find(|t| !t.passed));
            assert!(tests.iter().any(|t| t.name.starts_with("CHD001 boundary")));
        }
        // an indicator written out: only it, its own block
        let r = s.boundary_at(text, at(text, "either"));
        let out = r.value.unwrap();
        assert_eq!(out.indicators, ["ALL001"]);
        assert_eq!(out.for_each, None);
        assert!(slice(out.start, out.end).starts_with("indicator ALL001 "));
        let prog = &s.compiled(text, ROOT_NAME).unwrap().loaded.program;
        assert_eq!(
            out.text,
            crate::boundary::render(
                prog,
                &crate::boundary::generate(prog, Some("ALL001")).unwrap()
            )
        );
        // outside every indicator (a code list, the comment, the `for each` header): an error
        for cursor in ["codelist CHD_COD", "one indicator per", "for each X"] {
            let r = s.boundary_at(text, at(text, cursor));
            assert!(!r.ok, "{cursor}");
            assert_eq!(r.errors[0].message, "the cursor is not in an indicator");
        }
        // a text that does not compile: its errors, never a panic (nor past its end)
        assert!(!s.boundary_at("scheme {", 3).ok);
        assert!(!s.boundary_at(text, usize::MAX).ok);
    }

    #[test]
    fn witness_plan_settles_the_unchanged_and_leaves_the_changed_to_witness() {
        let mut s = Session::new();
        let a = qof_2019_20();
        let b = a.replace("value <= 58", "value <= 59");
        let plan = s.witness_plan(a, &b).value.unwrap().indicators;
        let all = s.witness(a, &b, None).value.unwrap().indicators;
        // the same indicators in the same order as `witness`
        let ids = |v: Vec<&str>| v.join(" ");
        assert_eq!(
            ids(plan.iter().map(|p| p.indicator.as_str()).collect()),
            ids(all.iter().map(|w| w.indicator.as_str()).collect())
        );
        let pending: Vec<&str> =
            plan.iter().filter(|p| p.settled.is_none()).map(|p| p.indicator.as_str()).collect();
        assert_eq!(pending, ["DM020"]);
        // a settled answer is `witness`'s own; the pending one, asked alone, too
        for (p, w) in plan.iter().zip(&all) {
            match &p.settled {
                Some(settled) => assert_eq!(settled, w),
                None => {
                    let one = s.witness(a, &b, Some(&p.indicator)).value.unwrap().indicators;
                    assert_eq!(one, std::slice::from_ref(w));
                }
            }
        }
        // a text and itself: everything settled; B with an error: the error, named by B's file
        let same = s.witness_plan(a, a).value.unwrap().indicators;
        assert!(same.iter().all(|p| p
            .settled
            .as_ref()
            .is_some_and(|w| w.verdict == crate::witness::Verdict::Same)));
        let r = s.witness_plan(a, "scheme {");
        assert!(!r.ok);
        assert!(r.errors.iter().all(|p| !p.root || p.file.as_deref() == Some(ROOT_NAME_B)));
    }
}
