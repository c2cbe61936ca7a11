//! The evaluate phase: patients -> per-indicator classification -> per-practice counts ->
//! the pay phase's inputs.
//!
//! [`engine::Engine`] holds one patient at a time in reusable buffers; [`evaluate`] runs it
//! over a population, practice by practice (in parallel natively, in practice order so the
//! result is deterministic), and [`pay_inputs`] turns the counts into a
//! [`crate::pay::PracticeData`] plus the scheme's [`crate::pay::PayScheme`] and national
//! figures. [`explain()`] re-evaluates one patient with a trace; [`run_tests`] runs a rule
//! file's test patients.

pub mod engine;
mod explain;
pub mod incremental;
mod testrun;

pub use engine::{Class, Classified, Engine};
pub use explain::{explain, IndicatorTrace};
pub use testrun::{
    outcome_text, pounds, run_tests, test_patient, test_practice, ExpectResult, FigureResult,
    TestReport, TestResult, TEST_PRACTICE,
};

use crate::compile::{pay_scheme, stratum_pay_id, Program};
use crate::date::Date;
use crate::model::{Patient, Population};
use crate::national::{NationalError, PrevalenceFrom};
use crate::pay::{Counts, NationalFigures, PayScheme, PracticeData};
use crate::scheme::{Kind, Outcome, Scheme};
use serde::Serialize;
use std::collections::BTreeMap;

/// Denominator, numerator and adjusted counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub denominator: u32,
    pub numerator: u32,
    pub pcas: u32,
}

impl Tally {
    fn merge(&mut self, o: &Tally) {
        self.denominator += o.denominator;
        self.numerator += o.numerator;
        self.pcas += o.pcas;
    }
}

/// Where each indicator's counts sit in a [`PracticeTally`]'s one vector of counts: made once
/// per program and shared by every practice, so a practice's counts are one allocation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TallyLayout {
    indicators: Vec<IndicatorLayout>,
    len: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct IndicatorLayout {
    /// The indicator's first count; then, in order: its tally (denominator, numerator, PCAs),
    /// PCAs per adjustment, a tally per stratum, PCAs per adjustment per stratum, and a tally
    /// per class of each reporting dimension.
    start: usize,
    adjustments: usize,
    strata: usize,
    /// Classes per reporting dimension.
    classes: Vec<usize>,
    end: usize,
}

impl TallyLayout {
    /// The layout of `prog`'s counts.
    pub fn new(prog: &Program) -> TallyLayout {
        let mut at = 0;
        let indicators = prog
            .indicators
            .iter()
            .map(|i| {
                let (adjustments, strata) = (i.adjustments.len(), i.strata.len());
                let classes: Vec<usize> =
                    i.reports.iter().map(|&r| prog.reports[r as usize].classes.len()).collect();
                let start = at;
                at += 3 + adjustments + 3 * strata + strata * adjustments;
                at += 3 * classes.iter().sum::<usize>();
                IndicatorLayout { start, adjustments, strata, classes, end: at }
            })
            .collect();
        TallyLayout { indicators, len: at }
    }
}

/// One indicator's counts at one practice (a view into the practice's counts).
#[derive(Clone, Copy, Debug)]
pub struct IndicatorCounts<'a> {
    counts: &'a [u32],
    layout: &'a IndicatorLayout,
}

fn tally_at(c: &[u32], at: usize) -> Tally {
    Tally { denominator: c[at], numerator: c[at + 1], pcas: c[at + 2] }
}

impl<'a> IndicatorCounts<'a> {
    /// Denominator, numerator and PCAs.
    pub fn tally(&self) -> Tally {
        tally_at(self.counts, 0)
    }

    /// Adjusted patients per adjustment (in written order).
    pub fn pcas_by_adjustment(&self) -> &'a [u32] {
        &self.counts[3..3 + self.layout.adjustments]
    }

    /// Payment stratum `s`'s tally.
    pub fn stratum(&self, s: usize) -> Tally {
        tally_at(self.counts, 3 + self.layout.adjustments + 3 * s)
    }

    /// Payment stratum `s`'s adjusted patients per adjustment.
    pub fn stratum_pcas(&self, s: usize) -> &'a [u32] {
        let n = self.layout.adjustments;
        let at = 3 + n + 3 * self.layout.strata + s * n;
        &self.counts[at..at + n]
    }

    /// Reporting dimension `d`'s tally per class.
    pub fn report(&self, d: usize) -> Vec<Tally> {
        let l = self.layout;
        let mut at = 3 + l.adjustments + 3 * l.strata + l.strata * l.adjustments;
        at += 3 * l.classes[..d].iter().sum::<usize>();
        (0..l.classes[d]).map(|k| tally_at(self.counts, at + 3 * k)).collect()
    }
}

/// One practice's counts: ids, list sizes and registers, and every indicator's counts in one
/// vector laid out by a [`TallyLayout`] shared by all practices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PracticeTally {
    pub practice_id: String,
    pub network_id: String,
    /// Patients in the input (registered or not).
    pub patients: u32,
    /// Per [`Program::list_types`]: registered patients at the PPED in the age range.
    pub list_sizes: Vec<u32>,
    /// Per register.
    pub registers: Vec<u32>,
    /// Every indicator's counts, as `layout` places them.
    counts: Vec<u32>,
    layout: std::sync::Arc<TallyLayout>,
}

impl PracticeTally {
    fn new(
        prog: &Program,
        layout: &std::sync::Arc<TallyLayout>,
        practice_id: &str,
        network_id: &str,
    ) -> Self {
        PracticeTally {
            practice_id: practice_id.to_string(),
            network_id: network_id.to_string(),
            patients: 0,
            list_sizes: vec![0; prog.list_types.len()],
            registers: vec![0; prog.registers.len()],
            counts: vec![0; layout.len],
            layout: layout.clone(),
        }
    }

    /// Every indicator's counts, in program order.
    pub fn indicators(&self) -> impl Iterator<Item = IndicatorCounts<'_>> {
        (0..self.layout.indicators.len()).map(|i| self.indicator(i))
    }

    /// Indicator `i`'s counts.
    pub fn indicator(&self, i: usize) -> IndicatorCounts<'_> {
        let layout = &self.layout.indicators[i];
        IndicatorCounts { counts: &self.counts[layout.start..layout.end], layout }
    }

    /// The bytes this practice's counts take: the struct and what it allocates (ids, list
    /// sizes, registers, the counts), counted, not measured.
    pub fn size_bytes(&self) -> usize {
        std::mem::size_of::<PracticeTally>()
            + self.practice_id.capacity()
            + self.network_id.capacity()
            + 4 * (self.list_sizes.capacity() + self.registers.capacity() + self.counts.capacity())
    }
}

/// Counts for every practice of a population, in the population's practice order (practices
/// that only patients mention follow, in order of first mention).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evaluation {
    pub practices: Vec<PracticeTally>,
}

/// One patient's results: register membership and per-indicator classification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatientResult {
    pub registers: Vec<bool>,
    pub outcomes: Vec<Classified>,
}

/// Classifies one patient for every register and indicator.
pub fn classify_patient(prog: &Program, p: &Patient) -> PatientResult {
    let mut e = Engine::new(prog);
    e.load(p);
    let registers = (0..prog.registers.len() as u32).map(|r| e.on_register(r)).collect();
    let outcomes = (0..prog.indicators.len()).map(|i| e.classify(i)).collect();
    PatientResult { registers, outcomes }
}

/// The language's outcome for a classification of indicator `ind`.
pub fn outcome(prog: &Program, ind: usize, c: Classified) -> Outcome {
    match c.class {
        Class::Excluded => Outcome::Excluded,
        Class::Adjusted(k) => Outcome::Adjusted(
            prog.indicators[ind].adjustments.get(k as usize).map(|a| a.category.clone()),
        ),
        Class::Denominator => Outcome::Denominator,
        Class::Numerator => Outcome::Numerator,
    }
}

fn evaluate_practice(e: &mut Engine<'_>, t: &mut PracticeTally, patients: &[&Patient]) {
    let prog = e.prog;
    for p in patients {
        t.patients += 1;
        e.load(p);
        if !e.registered {
            continue;
        }
        for (k, lt) in prog.list_types.iter().enumerate() {
            if lt.contains(e.age) {
                t.list_sizes[k] += 1;
            }
        }
        // Fraction indicators are counted only for patients in their cohort: those of a
        // register only when the patient is on it (anyone else is excluded at the cascade's
        // first step), those of every registered patient always.
        for r in 0..prog.registers.len() {
            if e.on_register(r as u32) {
                t.registers[r] += 1;
                for k in 0..e.cohort_of(r).len() {
                    let i = e.cohort_of(r)[k] as usize;
                    count_indicator(e, t, i);
                }
            }
        }
        for k in 0..e.no_cohort().len() {
            let i = e.no_cohort()[k] as usize;
            count_indicator(e, t, i);
        }
    }
}

/// Classifies the loaded patient for fraction indicator `i` and counts the outcome.
#[inline]
pub(crate) fn count_indicator(e: &mut Engine<'_>, t: &mut PracticeTally, i: usize) {
    let c_class = e.classify(i);
    if c_class.class == Class::Excluded {
        return;
    }
    let prog = e.prog;
    let l = &t.layout.indicators[i];
    let (n, strata) = (l.adjustments, l.strata);
    let c = &mut t.counts[l.start..l.end];
    let class = c_class.class;
    add_class(&mut c[0..3], class);
    if let Some(s) = c_class.stratum {
        let s = s as usize;
        add_class(&mut c[3 + n + 3 * s..3 + n + 3 * s + 3], class);
        if let Class::Adjusted(k) = class {
            c[3 + n + 3 * strata + s * n + k as usize] += 1;
        }
    }
    if let Class::Adjusted(k) = class {
        c[3 + k as usize] += 1;
    }
    let mut at = 3 + n + 3 * strata + strata * n;
    for (d, &r) in prog.indicators[i].reports.iter().enumerate() {
        if let Some(cl) = e.report_class(r) {
            let k = at + 3 * cl as usize;
            add_class(&mut c[k..k + 3], class);
        }
        at += 3 * l.classes[d];
    }
}

/// Counts a class into a tally's three counts (denominator, numerator, PCAs).
#[inline]
fn add_class(t: &mut [u32], c: Class) {
    match c {
        Class::Excluded => {}
        Class::Adjusted(_) => t[2] += 1,
        Class::Denominator => t[0] += 1,
        Class::Numerator => {
            t[0] += 1;
            t[1] += 1;
        }
    }
}

/// Evaluates a population on all available cores (one thread natively when the population is
/// small; always one thread on wasm32).
pub fn evaluate(prog: &Program, pop: &Population) -> Evaluation {
    let threads = crate::par::available_threads();
    evaluate_with_threads(prog, pop, threads)
}

/// Evaluates a population with at most `threads` threads (practices are split into contiguous
/// runs of about equal patient counts; results are merged in practice order).
pub fn evaluate_with_threads(prog: &Program, pop: &Population, threads: usize) -> Evaluation {
    evaluate_split(prog, pop, threads, 20_000, &crate::progress::Silent)
}

/// As [`evaluate`], telling `progress` how many patients there are and, practice by practice,
/// how many are done (from the evaluation threads).
pub fn evaluate_with_progress(
    prog: &Program,
    pop: &Population,
    progress: &dyn crate::progress::Progress,
) -> Evaluation {
    let threads = crate::par::available_threads();
    progress.begin("evaluating", pop.patients.len() as u64, "patients");
    let ev = evaluate_split(prog, pop, threads, 20_000, progress);
    progress.end();
    ev
}

/// As [`evaluate_with_threads`], running on one thread below `min_parallel` patients.
fn evaluate_split(
    prog: &Program,
    pop: &Population,
    threads: usize,
    min_parallel: usize,
    progress: &dyn crate::progress::Progress,
) -> Evaluation {
    let (ids, positions) = practice_buckets(pop);
    let buckets: Vec<Vec<&Patient>> =
        positions.iter().map(|b| b.iter().map(|&j| &pop.patients[j as usize]).collect()).collect();
    let layout = std::sync::Arc::new(TallyLayout::new(prog));
    let run = |range: std::ops::Range<usize>| -> Vec<PracticeTally> {
        let mut e = Engine::new(prog);
        range
            .map(|k| {
                let mut t = PracticeTally::new(prog, &layout, ids[k].0, ids[k].1);
                evaluate_practice(&mut e, &mut t, &buckets[k]);
                progress.advance(buckets[k].len() as u64);
                t
            })
            .collect()
    };
    let n = ids.len();
    let threads = threads.max(1).min(n.max(1));
    if threads <= 1 || pop.patients.len() < min_parallel {
        return Evaluation { practices: run(0..n) };
    }
    // Contiguous chunks of about equal patient counts.
    let ranges = practice_ranges(&buckets, threads);
    let parts = crate::par::map_in_order(ranges, run);
    Evaluation { practices: parts.into_iter().flatten().collect() }
}

/// The practices of a population in evaluation order (the population's practices, then any
/// only patients mention, in order of first mention) with their networks, and each one's
/// patients as positions in `pop.patients`, in the population's order.
pub(crate) fn practice_buckets(pop: &Population) -> (Vec<(&str, &str)>, Vec<Vec<u32>>) {
    let mut ids: Vec<(&str, &str)> =
        pop.practices.iter().map(|p| (p.practice_id.as_str(), p.network_id.as_str())).collect();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (k, (id, _)) in ids.iter().enumerate() {
        index.entry(id).or_insert(k);
    }
    let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); ids.len()];
    // Patients usually come practice by practice: the previous patient's practice is tried
    // before the map.
    let mut last: Option<(&str, usize)> = None;
    for (j, p) in pop.patients.iter().enumerate() {
        if let Some((id, k)) = last {
            // Byte by byte, inlined: practice codes are short, and a library call per
            // patient costs more than the comparison.
            let same = id.len() == p.practice_id.len()
                && id.bytes().zip(p.practice_id.bytes()).all(|(a, b)| a == b);
            if same {
                buckets[k].push(j as u32);
                continue;
            }
        }
        let k = match index.get(p.practice_id.as_str()) {
            Some(&k) => k,
            None => {
                ids.push((p.practice_id.as_str(), ""));
                buckets.push(Vec::new());
                index.insert(p.practice_id.as_str(), ids.len() - 1);
                ids.len() - 1
            }
        };
        buckets[k].push(j as u32);
        last = Some((p.practice_id.as_str(), k));
    }
    (ids, buckets)
}

/// Splits practices `0..buckets.len()` into at most `threads` contiguous runs of about equal
/// patient counts.
pub(crate) fn practice_ranges<T>(
    buckets: &[Vec<T>],
    threads: usize,
) -> Vec<std::ops::Range<usize>> {
    let n = buckets.len();
    let total: usize = buckets.iter().map(Vec::len).sum();
    let mut ranges = Vec::new();
    let mut start = 0;
    let mut acc = 0;
    for (k, b) in buckets.iter().enumerate() {
        acc += b.len();
        if acc * threads >= total * (ranges.len() + 1) && ranges.len() + 1 < threads {
            ranges.push(start..k + 1);
            start = k + 1;
        }
    }
    ranges.push(start..n);
    ranges
}

/// Evaluates a population handed over practice by practice ([`StreamEval::practice`]), each
/// practice's patients dropped once counted, and assembles the [`Evaluation`] that
/// [`evaluate`] gives for the same patients held whole ([`StreamEval::finish`]): what it keeps
/// between practices is their counts only.
pub struct StreamEval<'p> {
    engine: Engine<'p>,
    layout: std::sync::Arc<TallyLayout>,
    /// Counts by practice, in the order practices came.
    tallies: Vec<PracticeTally>,
    /// Where each practice id's counts are in `tallies`.
    index: std::collections::HashMap<String, usize>,
}

impl<'p> StreamEval<'p> {
    pub fn new(prog: &'p Program) -> Self {
        StreamEval {
            engine: Engine::new(prog),
            layout: std::sync::Arc::new(TallyLayout::new(prog)),
            tallies: Vec::new(),
            index: std::collections::HashMap::new(),
        }
    }

    /// Counts `patients`, all of practice `practice_id`. A practice may come more than once
    /// (its counts add up), though streams give each once.
    pub fn practice(&mut self, practice_id: &str, patients: &[Patient]) {
        let prog = self.engine.prog;
        let k = match self.index.get(practice_id) {
            Some(&k) => k,
            None => {
                self.tallies.push(PracticeTally::new(prog, &self.layout, practice_id, ""));
                self.index.insert(practice_id.to_string(), self.tallies.len() - 1);
                self.tallies.len() - 1
            }
        };
        let refs: Vec<&Patient> = patients.iter().collect();
        evaluate_practice(&mut self.engine, &mut self.tallies[k], &refs);
    }

    /// Adds the counts of `other` (another thread's share of the same stream).
    pub fn absorb(&mut self, other: StreamEval<'_>) {
        for t in other.tallies {
            match self.index.get(t.practice_id.as_str()) {
                Some(&k) => self.tallies[k].add(&t),
                None => {
                    self.index.insert(t.practice_id.clone(), self.tallies.len());
                    self.tallies.push(t);
                }
            }
        }
    }

    /// The evaluation, as [`evaluate`] orders it: the practices of `practices` in order (with
    /// their networks; a practice listed twice counts at its first place), then practices
    /// only patients named, in `came`'s order (the practice ids in the order they came).
    pub fn finish(self, practices: &[crate::model::Practice], came: &[String]) -> Evaluation {
        let prog = self.engine.prog;
        let mut slots: Vec<Option<PracticeTally>> = self.tallies.into_iter().map(Some).collect();
        let mut out = Vec::with_capacity(practices.len().max(slots.len()));
        let (index, layout) = (self.index, self.layout);
        let mut take = |id: &str| index.get(id).and_then(|&k| slots[k].take());
        for p in practices {
            let mut t = take(&p.practice_id).unwrap_or_else(|| {
                PracticeTally::new(prog, &layout, &p.practice_id, &p.network_id)
            });
            t.network_id.clone_from(&p.network_id);
            out.push(t);
        }
        for id in came {
            out.extend(take(id));
        }
        Evaluation { practices: out }
    }
}

impl PracticeTally {
    /// Adds another tally of the same practice and program.
    fn add(&mut self, o: &PracticeTally) {
        fn sum(a: &mut [u32], b: &[u32]) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        self.patients += o.patients;
        sum(&mut self.list_sizes, &o.list_sizes);
        sum(&mut self.registers, &o.registers);
        sum(&mut self.counts, &o.counts);
    }
}

/// Sums counts by category key over adjustments.
fn by_category(prog: &Program, ind: usize, per_adj: &[u32]) -> BTreeMap<String, u32> {
    let mut m = BTreeMap::new();
    for (k, n) in per_adj.iter().enumerate() {
        if *n > 0 {
            let key = prog.indicators[ind].adjustments[k].category.key().to_string();
            *m.entry(key).or_insert(0) += n;
        }
    }
    m
}

/// Everything [`crate::pay::pay`] needs.
#[derive(Clone, Debug)]
pub struct PayInputs {
    pub scheme: PayScheme,
    pub national: NationalFigures,
    pub data: PracticeData,
}

/// The practice table the pay phase reads, from the evaluation's counts.
pub fn practice_data(prog: &Program, ev: &Evaluation) -> PracticeData {
    let mut d = PracticeData::new();
    for t in &ev.practices {
        let pid = t.practice_id.as_str();
        d.practice_mut(pid);
        if !t.network_id.is_empty() {
            d.set_network(pid, &t.network_id);
        }
        for (k, lt) in prog.list_types.iter().enumerate() {
            d.set_list_size(pid, &lt.id, t.list_sizes[k]);
        }
        for (r, reg) in prog.registers.iter().enumerate() {
            d.set_register(pid, &reg.id, t.registers[r]);
        }
        for (i, ind) in prog.indicators.iter().enumerate() {
            let c = t.indicator(i);
            match ind.kind {
                Kind::Attested => {}
                Kind::Register => {
                    let n = ind.register.map_or(0, |r| t.registers[r as usize]);
                    d.set_counts(
                        pid,
                        &ind.id,
                        Counts {
                            denominator: n,
                            numerator: n,
                            achieved: Some(n > 0),
                            ..Counts::default()
                        },
                    );
                }
                Kind::Fraction => {
                    d.set_counts(
                        pid,
                        &ind.id,
                        Counts {
                            denominator: c.tally().denominator,
                            numerator: c.tally().numerator,
                            pcas: c.tally().pcas,
                            pcas_by_category: by_category(prog, i, c.pcas_by_adjustment()),
                            ..Counts::default()
                        },
                    );
                    for (s, st) in ind.strata.iter().enumerate() {
                        let tally = c.stratum(s);
                        d.set_counts(
                            pid,
                            &stratum_pay_id(&ind.id, &st.id),
                            Counts {
                                denominator: tally.denominator,
                                numerator: tally.numerator,
                                pcas: tally.pcas,
                                pcas_by_category: by_category(prog, i, c.stratum_pcas(s)),
                                ..Counts::default()
                            },
                        );
                    }
                }
            }
        }
    }
    d
}

/// The pay phase's inputs: the scheme's pay view, the practice table and the national
/// figures chosen by `from` ([`crate::national::decide`], the one place that decides them).
pub fn pay_inputs(
    scheme: &Scheme,
    prog: &Program,
    ev: &Evaluation,
    from: &PrevalenceFrom,
) -> Result<PayInputs, NationalError> {
    let pay = pay_scheme(scheme);
    let data = practice_data(prog, ev);
    let national = crate::national::decide(scheme, &pay, &data, from)?;
    Ok(PayInputs { scheme: pay, national, data })
}

/// One reporting-stratum count: a practice, an indicator, a dimension and one of its classes.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportRow<'a> {
    pub practice_id: &'a str,
    pub indicator: &'a str,
    /// `age band`, `sex`, `deprivation decile` or a classification's name.
    pub dimension: &'a str,
    pub class: &'a str,
    pub denominator: u32,
    pub numerator: u32,
    pub pcas: u32,
}

/// The reporting-strata counts of an evaluation, practice by practice, indicator by
/// indicator, dimension by dimension, classes in written order; classes nobody fell in are
/// left out. They never change money.
pub fn report_rows<'a>(prog: &'a Program, ev: &'a Evaluation) -> Vec<ReportRow<'a>> {
    let mut rows = Vec::new();
    for t in &ev.practices {
        for (i, ind) in prog.indicators.iter().enumerate() {
            for (d, &r) in ind.reports.iter().enumerate() {
                let dim = &prog.reports[r as usize];
                for (k, tally) in t.indicator(i).report(d).iter().enumerate() {
                    if *tally == Tally::default() {
                        continue;
                    }
                    rows.push(ReportRow {
                        practice_id: &t.practice_id,
                        indicator: &ind.id,
                        dimension: &dim.name,
                        class: &dim.classes[k],
                        denominator: tally.denominator,
                        numerator: tally.numerator,
                        pcas: tally.pcas,
                    });
                }
            }
        }
    }
    rows
}

/// Merges counts of several practices (used for network totals in reports).
/// A population whose records do not reach a scheme's period: what the user sees first
/// would be wrong (a 2017/18 scheme on records dated for 2019/20 sees almost no care in its
/// own year).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeriodMismatch {
    pub message: String,
    pub help: String,
}

/// Checks that a population's events are dated for the period `start..=end`: warns when
/// none is in the period, or when more than a tenth are dated after its end (records of a
/// later year). A population without events gives no warning.
pub fn period_mismatch(pop: &Population, start: Date, end: Date) -> Option<PeriodMismatch> {
    let mut dates = EventDates::new(start, end);
    for p in &pop.patients {
        dates.add(p);
    }
    dates.mismatch()
}

/// What [`period_mismatch`] counts, added up patient by patient (or date by date), so that a
/// streamed population gets the same warning without being held whole.
#[derive(Clone, Copy, Debug)]
pub struct EventDates {
    start: Date,
    end: Date,
    total: u64,
    inside: u64,
    after: u64,
    latest: Option<Date>,
}

impl EventDates {
    /// Nothing counted yet, for the period `start..=end`.
    pub fn new(start: Date, end: Date) -> Self {
        EventDates { start, end, total: 0, inside: 0, after: 0, latest: None }
    }

    /// Counts a patient's events.
    pub fn add(&mut self, p: &Patient) {
        for e in &p.events {
            self.add_date(e.date);
        }
    }

    /// Counts one event's date.
    pub fn add_date(&mut self, d: Date) {
        self.total += 1;
        self.inside += u64::from(d >= self.start && d <= self.end);
        self.after += u64::from(d > self.end);
        self.latest = self.latest.max(Some(d));
    }

    /// Adds the dates another counter counted (for the same period).
    pub fn merge(&mut self, o: &EventDates) {
        self.total += o.total;
        self.inside += o.inside;
        self.after += o.after;
        self.latest = self.latest.max(o.latest);
    }

    /// The warning of [`period_mismatch`] for the dates counted.
    pub fn mismatch(&self) -> Option<PeriodMismatch> {
        let (start, end, total, inside, after) =
            (self.start, self.end, self.total, self.inside, self.after);
        period_message(start, end, total, inside, after, self.latest?)
    }
}

fn period_message(
    start: Date,
    end: Date,
    total: u64,
    inside: u64,
    after: u64,
    latest: Date,
) -> Option<PeriodMismatch> {
    let help = "generate a population for the scheme's year with `qofrules synth --for SCHEME`, \
                or choose a scheme of the records' year"
        .to_string();
    if inside == 0 {
        return Some(PeriodMismatch {
            message: format!(
                "no event of the population is dated in the scheme's period {start} to {end} (the latest is {latest})"
            ),
            help,
        });
    }
    // Whole percent, rounded down: integer arithmetic, the same everywhere.
    let share = after * 100 / total;
    (after * 10 > total).then(|| PeriodMismatch {
        message: format!(
            "{share}% of the population's events are dated after the scheme's period end {end} (the latest is {latest}): the records are for a later year"
        ),
        help,
    })
}

pub fn merge_tallies<'a>(ts: impl IntoIterator<Item = &'a Tally>) -> Tally {
    let mut t = Tally::default();
    for x in ts {
        t.merge(x);
    }
    t
}

/// Checks a scheme written in the tests with the real checker (panics on errors).
#[cfg(test)]
pub(crate) fn test_scheme(text: &str) -> Scheme {
    let (_, c) = crate::check::check_text("test.qof", text);
    match c.scheme {
        Some(s) => s,
        None => panic!("{:#?}", c.diagnostics),
    }
}

#[cfg(test)]
mod tests;
