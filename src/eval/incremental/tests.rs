use super::*;
use crate::synth::{self, Selection, SynthOptions, SynthYear};

fn population() -> Population {
    let opts = SynthOptions { seed: 7, scale: 0.05, year: SynthYear::Y2019_20 };
    let practices = Selection::Practices(vec!["A81001".into(), "A81002".into(), "A81004".into()]);
    synth::generate(&practices, &opts).expect("the practices exist")
}

fn program(text: &str) -> Program {
    match crate::pipeline::load_text("scheme.qof", text) {
        Ok(l) => l.program,
        Err(r) => panic!("{:?}", r.diagnostics),
    }
}

fn qof() -> &'static str {
    crate::shipped::SCHEMES
        .iter()
        .find(|(path, _)| path.ends_with("qof-2019-20.qof"))
        .map(|(_, t)| *t)
        .expect("shipped")
}

/// `text` with `from` (which must be there, once) replaced by `to`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` once in the text");
    text.replacen(from, to, 1)
}

/// Evaluates `text` with the cache and in full, checks that they agree, and returns what the
/// cache did.
fn same(cache: &mut EvalCache, pop: &Population, text: &str, threads: usize) -> Stats {
    let prog = program(text);
    let fresh = super::super::evaluate_with_threads(&prog, pop, 1);
    let got = cache.evaluate(&prog, pop, threads);
    assert_eq!(got, fresh, "incremental and full evaluations differ");
    assert!(fresh.practices.iter().any(|t| t.counts.iter().any(|&c| c > 0)), "something counted");
    cache.last
}

#[test]
fn edits_re_evaluate_what_they_change_and_give_the_full_evaluations_counts() {
    let pop = population();
    let base = qof();
    let mut cache = EvalCache::default();
    let first = same(&mut cache, &pop, base, 1);
    assert!(first.full);
    let fractions = program(base).indicators.iter().filter(|i| i.kind == Kind::Fraction).count();
    assert_eq!(first.indicators, fractions);
    assert_eq!(first.patients, pop.patients.len());

    // one indicator's window: that indicator only, over its register's patients
    let af12 = "achieved when CHADVAS_COD in last 12 months";
    let af11 = "achieved when CHADVAS_COD in last 11 months";
    let t1 = edit(base, af12, af11);
    let s = same(&mut cache, &pop, &t1, 1);
    assert_eq!((s.indicators, s.full), (1, false), "{s:?}");
    assert!(s.patients > 0 && s.patients * 10 < pop.patients.len(), "{s:?}");
    // and back (the first counts are not kept: evaluated again)
    let s = same(&mut cache, &pop, base, 1);
    assert_eq!((s.indicators, s.full), (1, false), "{s:?}");
    // a comment, a title, a threshold: no patient classified
    let titled =
        edit(base, "in whom stroke risk has been assessed", "in whom stroke risk was assessed");
    let s = same(&mut cache, &pop, &format!("{titled}\n// edit\n"), 1);
    assert_eq!((s.indicators, s.patients), (0, 0), "{s:?}");
    let af006 = "90%          // assumed (indicator-facts.md: U)\n  denominator AF\n  exclude";
    let t = edit(base, af006, &af006.replace("90%", "85%"));
    let s = same(&mut cache, &pop, &t, 1);
    assert_eq!((s.indicators, s.patients), (0, 0), "{s:?}");

    // a code list several definitions read (the blood pressure invitations of four groups):
    // every indicator reading it, and only those
    let bp = "snomed { 72313002, 271649006 }";
    let s = same(&mut cache, &pop, &edit(base, bp, "snomed { 72313002 }"), 1);
    assert!(s.indicators >= 4 && s.indicators < fractions / 2 && !s.full, "{s:?}");
    // a definition
    let s = same(
        &mut cache,
        &pop,
        &edit(
            base,
            "STIAINVITE_COD after latest SYSBP_COD at least 7",
            "STIAINVITE_COD after latest SYSBP_COD at least 9",
        ),
        1,
    );
    assert!(s.indicators >= 1 && !s.full, "{s:?}");
    // a register: every patient again, for the register's indicators
    let dm = "  patients aged 17 or over\n  where latest DM_COD";
    let s = same(
        &mut cache,
        &pop,
        &edit(base, dm, "  patients aged 18 or over\n  where latest DM_COD"),
        1,
    );
    assert!(s.full && s.indicators >= 5 && s.indicators < fractions / 2, "{s:?}");
    assert_eq!(s.patients, pop.patients.len());
    // the period: everything again
    let period = "period 2019-04-01 to 2020-03-31";
    let s = same(&mut cache, &pop, &edit(base, period, "period 2019-03-01 to 2020-02-29"), 1);
    assert!(s.full && s.indicators == fractions, "{s:?}");
    // an indicator copied under another id counts as the one it copies: nothing to classify
    let s = same(&mut cache, &pop, base, 2);
    assert!(s.full, "{s:?}");
    let copy = base.replacen("indicator AF006 ", "indicator AF106 ", 1);
    let copy = format!(
        "{base}\n{}",
        &copy[copy.find("indicator AF106").expect("copied")..][..copy
            [copy.find("indicator AF106").expect("copied")..]
            .find("\n}\n")
            .expect("closed")
            + 3]
    );
    let s = same(&mut cache, &pop, &copy, 2);
    assert_eq!((s.indicators, s.patients), (0, 0), "{s:?}");
}

#[test]
fn every_shipped_scheme_evaluates_as_in_full_then_from_its_own_results() {
    let pop = population();
    let mut cache = EvalCache::default();
    for (path, text) in crate::shipped::SCHEMES {
        let Ok(loaded) = crate::pipeline::load_text(path, text) else { continue };
        let fresh = super::super::evaluate_with_threads(&loaded.program, &pop, 1);
        assert_eq!(cache.evaluate(&loaded.program, &pop, 1), fresh, "{path}");
        assert_eq!(cache.evaluate(&loaded.program, &pop, 1), fresh, "{path} again");
        assert_eq!(cache.last.patients, 0, "{path}: nothing changed");
    }
}

#[test]
fn a_new_population_is_evaluated_afresh() {
    let pop = population();
    let prog = program(qof());
    let mut cache = EvalCache::default();
    cache.evaluate(&prog, &pop, 1);
    let mut fewer = pop.clone();
    fewer.patients.truncate(pop.patients.len() / 2);
    // the cache notices a population of another size even if not told
    assert_eq!(
        cache.evaluate(&prog, &fewer, 1),
        super::super::evaluate_with_threads(&prog, &fewer, 1)
    );
    assert!(cache.last.full);
    cache.clear();
    assert_eq!(cache.evaluate(&prog, &pop, 1), super::super::evaluate_with_threads(&prog, &pop, 1));
    assert!(cache.last.full);
}
