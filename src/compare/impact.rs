//! The impact of replacing scheme A by scheme B on one population: every figure for A, for B
//! and the difference, per indicator, practice and network, with the distribution of
//! practice-level change, the largest winners and losers and (for patient-level populations)
//! the patients who change class.
//!
//! Money comes straight from each scheme's own [`crate::pay::pay`] result: practice, network
//! and total payments are those results' figures, and per-indicator payments are sums of their
//! (rounded) lines, so every pound here adds up to what `eval` reports for each scheme.

use super::diff::{diff, DiffStatus, FieldChange, SchemeDiff};
use crate::compile::Program;
use crate::eval::{self, Engine, PayInputs};
use crate::model::Population;
use crate::national::{NationalError, PrevalenceFrom};
use crate::pay::national::NationalReport;
use crate::pay::numeric::{div, ser_dec, ser_money, ser_opt_dec};
use crate::pay::{IndicatorTotal, PayResult};
use crate::pipeline::PracticeInputs;
use crate::scheme::{Kind, Outcome, Scheme, Sources};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How many moving patients are listed per indicator (all are counted).
pub const MOVERS_LISTED: usize = 50;
/// How many winners and losers are listed.
pub const WINNERS_LISTED: usize = 10;

/// One scheme to compare: the resolved scheme, the sources it was checked from (for the
/// diff's source text) and its compiled program.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub scheme: &'a Scheme,
    pub sources: &'a Sources,
    pub program: &'a Program,
}

/// A scheme's pay phase failed (a scheme error the checker let through).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("scheme `{scheme}` cannot be paid: {}", .messages.join("; "))]
pub struct CompareError {
    /// `a` or `b`.
    pub side: &'static str,
    pub scheme: String,
    pub messages: Vec<String>,
}

impl From<&CompareError> for crate::diag::Diagnostic {
    /// A `pay` error naming the scheme that cannot be paid.
    fn from(e: &CompareError) -> crate::diag::Diagnostic {
        use crate::diag::{Code, Diagnostic, Location, Severity};
        Diagnostic::at(Severity::Error, Code::Pay, Location::None, e.to_string())
    }
}

/// The id and title of a compared scheme.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SchemeRef {
    pub id: String,
    pub title: String,
}

/// What the comparison was computed from.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A patient-level population: counts, money and moving patients.
    Patients,
    /// Published counts (aggregate files): counts and money only.
    Counts,
}

/// One indicator's figures under one scheme, summed over practices (and networks, for network
/// indicators).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IndicatorFigures {
    pub register: u64,
    pub denominator: u64,
    pub numerator: u64,
    pub pcas: u64,
    /// Numerator / denominator of the sums, `null` when the denominator is 0.
    #[serde(serialize_with = "ser_opt_dec")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub achievement: Option<Decimal>,
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment: Decimal,
}

/// Per-indicator difference, B minus A (an absent side counts as zero).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IndicatorDelta {
    pub register: i64,
    pub denominator: i64,
    pub numerator: i64,
    pub pcas: i64,
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment: Decimal,
}

/// A patient whose class changed for one indicator.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mover {
    pub patient_id: String,
    pub practice_id: String,
    /// The outcome under A (`not in scheme` for an added indicator).
    pub a: String,
    pub b: String,
    /// Why, under A and under B (`eval::explain`); `null` where the indicator is absent.
    pub explanation_a: Option<String>,
    pub explanation_b: Option<String>,
}

/// Patients whose class changed for one indicator.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Movers {
    /// All moving patients.
    pub count: u64,
    /// Counts per transition, e.g. `"denominator -> numerator"`.
    pub transitions: BTreeMap<String, u64>,
    /// The first [`MOVERS_LISTED`] (in population order), with explanations.
    pub patients: Vec<Mover>,
}

/// One indicator of either scheme.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndicatorImpact {
    pub id: String,
    pub title: String,
    pub status: DiffStatus,
    pub changes: Vec<FieldChange>,
    /// `null` when the indicator is not in A (added).
    pub a: Option<IndicatorFigures>,
    /// `null` when the indicator is not in B (retired).
    pub b: Option<IndicatorFigures>,
    pub delta: IndicatorDelta,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub text_a: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub text_b: Option<String>,
    /// Patient-level comparisons only, and only when someone moved.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub movers: Option<Movers>,
}

/// One practice's payment under each scheme.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PracticeImpact {
    pub practice_id: String,
    pub network_id: String,
    /// The practice's TOTAL list size as scheme A's pay run saw it, else B's; `null` when
    /// neither knows it.
    pub list_size: Option<u32>,
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points_a: Decimal,
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points_b: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment_a: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment_b: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub delta: Decimal,
    /// Percentage change of the payment (2 places), `null` when A pays 0.
    #[serde(serialize_with = "ser_opt_pct")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub delta_pct: Option<Decimal>,
    /// Contractor population index under A and under B (`null` when unknown or unpaid).
    #[serde(serialize_with = "ser_opt_dec")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub cpi_a: Option<Decimal>,
    #[serde(serialize_with = "ser_opt_dec")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub cpi_b: Option<Decimal>,
    /// APDF per group of [`Comparison::groups`], under A and under B (`null` where the group
    /// is not prevalence-adjusted under that scheme).
    #[serde(serialize_with = "ser_opt_decs")]
    #[cfg_attr(test, ts(type = "(string | null)[]"))]
    pub apdf_a: Vec<Option<Decimal>>,
    #[serde(serialize_with = "ser_opt_decs")]
    #[cfg_attr(test, ts(type = "(string | null)[]"))]
    pub apdf_b: Vec<Option<Decimal>>,
}

fn ser_opt_decs<S: serde::Serializer>(v: &[Option<Decimal>], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for d in v {
        seq.serialize_element(&d.map(|d| d.normalize().to_string()))?;
    }
    seq.end()
}

/// One network: its practices' payments plus its own network indicators'.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetworkImpact {
    pub network_id: String,
    pub practices: usize,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment_a: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment_b: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub delta: Decimal,
    #[serde(serialize_with = "ser_opt_pct")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub delta_pct: Option<Decimal>,
}

/// Scheme totals: exactly each scheme's own `total`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TotalImpact {
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points_a: Decimal,
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points_b: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment_a: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment_b: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub delta: Decimal,
    #[serde(serialize_with = "ser_opt_pct")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub delta_pct: Option<Decimal>,
}

/// A band of practice-level change.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bucket {
    pub label: &'static str,
    pub practices: usize,
    /// Sum of the practices' deltas.
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub delta: Decimal,
}

/// The whole comparison.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub a: SchemeRef,
    pub b: SchemeRef,
    pub level: Level,
    /// Scheme-wide differences (period, point value, payment model...).
    pub header: Vec<FieldChange>,
    /// A's indicators in A's order, then those only in B.
    pub indicators: Vec<IndicatorImpact>,
    /// In A's practice order, then practices only B paid.
    pub practices: Vec<PracticeImpact>,
    /// By network code; practices with no network are under `""`.
    pub networks: Vec<NetworkImpact>,
    pub total: TotalImpact,
    /// Practices by percentage change, from `lose > 10%` to `gain > 10%`.
    pub distribution: Vec<Bucket>,
    /// The largest gains in pounds (at most [`WINNERS_LISTED`], gains only).
    pub winners: Vec<PracticeImpact>,
    /// The largest losses in pounds (at most [`WINNERS_LISTED`], losses only).
    pub losers: Vec<PracticeImpact>,
    /// Each scheme's pay warnings.
    pub warnings_a: Vec<String>,
    pub warnings_b: Vec<String>,
    /// The national figures each scheme was paid with, and where they came from.
    pub national_a: NationalReport,
    pub national_b: NationalReport,
    /// The prevalence-adjusted groups of either scheme, in the order of each practice's
    /// `apdf_a` and `apdf_b`.
    pub groups: Vec<String>,
    /// Reporting strata (`report by`) of either scheme, summed over practices: patient-level
    /// comparisons only, and left out of the JSON when neither scheme reports by anything.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub reports: Vec<super::strata::ReportImpact>,
}

impl Comparison {
    /// True when nothing differs: no header change, every indicator unchanged with equal
    /// figures and no movers, every practice and network delta 0.
    pub fn no_change(&self) -> bool {
        self.header.is_empty()
            && self
                .indicators
                .iter()
                .all(|i| i.status == DiffStatus::Unchanged && i.a == i.b && i.movers.is_none())
            && self.practices.iter().all(|p| p.delta.is_zero())
            && self.networks.iter().all(|n| n.delta.is_zero())
            && self.total.delta.is_zero()
    }
}

fn ser_opt_pct<S: serde::Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => {
            let mut d = *d;
            d.rescale(2);
            s.serialize_str(&d.to_string())
        }
        None => s.serialize_none(),
    }
}

/// A scheme without the national figures it needs.
pub fn national_err(side: &'static str, scheme: &Scheme, e: NationalError) -> CompareError {
    CompareError { side, scheme: scheme.id.clone(), messages: vec![e.to_string()] }
}

fn pay_err(side: &'static str, scheme: &Scheme, e: crate::pay::PayErrors) -> CompareError {
    CompareError {
        side,
        scheme: scheme.id.clone(),
        messages: e.0.iter().map(|x| x.to_string()).collect(),
    }
}

/// Compares two schemes on a patient-level population: evaluates it once under each scheme
/// (with each scheme's default national figures, as `eval` takes them), pays both, and lists
/// the patients whose class changed.
pub fn impact(a: Side<'_>, b: Side<'_>, pop: &Population) -> Result<Comparison, CompareError> {
    impact_with(a, b, pop, &PrevalenceFrom::Scheme)
}

/// [`impact`] with national prevalence chosen by `from` for both schemes
/// ([`crate::national::decide`]).
pub fn impact_with(
    a: Side<'_>,
    b: Side<'_>,
    pop: &Population,
    from: &PrevalenceFrom,
) -> Result<Comparison, CompareError> {
    impact_dated(a, b, (pop, pop), from, (&Default::default(), &Default::default()))
}

/// [`impact_with`] on the same patients dated for each scheme's period: `pop_a` for A and
/// `pop_b` for B hold the same patients in the same order (a generated population dated
/// twice, [`crate::synth::redate`]), so that two schemes of different years are compared on
/// the rules, not on which year the records happen to be dated for. Patients are paired by
/// position; populations of different sizes are an error. `practice` holds each side's
/// practice-level inputs (attested items, historic achievement).
pub fn impact_dated(
    a: Side<'_>,
    b: Side<'_>,
    pops: (&Population, &Population),
    from: &PrevalenceFrom,
    practice: (&PracticeInputs<'_>, &PracticeInputs<'_>),
) -> Result<Comparison, CompareError> {
    impact_dated_with_progress(a, b, pops, from, practice, &crate::progress::Silent)
}

/// [`impact_dated`], telling `progress` how each side's evaluation goes.
pub fn impact_dated_with_progress(
    a: Side<'_>,
    b: Side<'_>,
    (pop_a, pop_b): (&Population, &Population),
    from: &PrevalenceFrom,
    practice: (&PracticeInputs<'_>, &PracticeInputs<'_>),
    progress: &dyn crate::progress::Progress,
) -> Result<Comparison, CompareError> {
    if pop_a.patients.len() != pop_b.patients.len() {
        return Err(CompareError {
            side: "b",
            scheme: b.scheme.id.clone(),
            messages: vec!["the two sides' populations hold different patients".into()],
        });
    }
    let ev_a = eval::evaluate_with_progress(a.program, pop_a, progress);
    let ev_b = eval::evaluate_with_progress(b.program, pop_b, progress);
    let mut in_a = eval::pay_inputs(a.scheme, a.program, &ev_a, from)
        .map_err(|e| national_err("a", a.scheme, e))?;
    let mut in_b = eval::pay_inputs(b.scheme, b.program, &ev_b, from)
        .map_err(|e| national_err("b", b.scheme, e))?;
    for (side, scheme, inputs, files) in
        [("a", a.scheme, &mut in_a, practice.0), ("b", b.scheme, &mut in_b, practice.1)]
    {
        crate::pipeline::read_practice_inputs(inputs, files, scheme).map_err(|e| CompareError {
            side,
            scheme: scheme.id.clone(),
            messages: vec![e.to_string()],
        })?;
    }
    let (pay_a, pay_b) = pay_both(a, &in_a, b, &in_b)?;
    let d = diff(a.scheme, a.sources, b.scheme, b.sources);
    // Indicators whose counts differ at any practice (a changed register or period shows here
    // even when the indicator's own text is the same).
    let counts_differ = differing_counts(a.program, &ev_a, b.program, &ev_b);
    let mut cmp = build(a, b, &d, &pay_a, &pay_b, Level::Patients);
    cmp.reports =
        super::strata::report_impacts(&cmp.indicators, (a.program, &ev_a), (b.program, &ev_b));
    let wanted: Vec<String> = cmp
        .indicators
        .iter()
        .filter(|i| i.status != DiffStatus::Unchanged || counts_differ.contains(&i.id))
        .map(|i| i.id.clone())
        .collect();
    // one thread for small populations (as `eval::evaluate`); always one on wasm32
    let threads = if pop_a.patients.len() < 20_000 { 1 } else { crate::par::available_threads() };
    let movers = movers(a.program, b.program, (pop_a, pop_b), &wanted, threads);
    for ind in &mut cmp.indicators {
        if let Some(m) = movers.get(&ind.id) {
            if m.count > 0 {
                ind.movers = Some(m.clone());
            }
        }
    }
    Ok(cmp)
}

/// Compares two schemes on published counts: `inputs_a` / `inputs_b` are each scheme's pay
/// inputs read from the same files (the readers map indicators per scheme).
pub fn impact_counts(
    a: Side<'_>,
    b: Side<'_>,
    inputs_a: &PayInputs,
    inputs_b: &PayInputs,
) -> Result<Comparison, CompareError> {
    let (pay_a, pay_b) = pay_both(a, inputs_a, b, inputs_b)?;
    let d = diff(a.scheme, a.sources, b.scheme, b.sources);
    Ok(build(a, b, &d, &pay_a, &pay_b, Level::Counts))
}

/// Pays both schemes, one after the other, each on all cores (when large enough; one thread
/// on wasm32), so the machine is not oversubscribed; the results do not depend on it.
/// Running the two sides at once on two threads, each single-threaded, uses the cores the
/// same way but puts one side's results in a short-lived thread's heap, which glibc gives back
/// to the system and faults in again on every run (slower in `compare/counts_6720_practices`).
///
/// Each side is paid by [`crate::pay::pay_totals`]: the practices' indicator figures are
/// summed per indicator inside the pay run, with no lines built, which is all a comparison
/// needs of them.
fn pay_both<'x>(
    a: Side<'_>,
    in_a: &'x PayInputs,
    b: Side<'_>,
    in_b: &'x PayInputs,
) -> Result<(Paid<'x>, Paid<'x>), CompareError> {
    let run = |i: &'x PayInputs| crate::pay::pay_totals(&i.scheme, &i.national, &i.data);
    let ra = run(in_a).map_err(|e| pay_err("a", a.scheme, e))?;
    let rb = run(in_b).map_err(|e| pay_err("b", b.scheme, e))?;
    Ok((ra, rb))
}

/// One side's pay result (practices without their lines) and its per-indicator totals.
type Paid<'x> = (PayResult<'x>, Vec<IndicatorTotal<'x>>);

fn differing_counts(
    pa: &Program,
    ea: &eval::Evaluation,
    pb: &Program,
    eb: &eval::Evaluation,
) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let idx_b: HashMap<&str, usize> =
        pb.indicators.iter().enumerate().map(|(k, i)| (i.id.as_str(), k)).collect();
    let prac_b: HashMap<&str, usize> =
        eb.practices.iter().enumerate().map(|(k, p)| (p.practice_id.as_str(), k)).collect();
    for (ia, ind) in pa.indicators.iter().enumerate() {
        let Some(&ib) = idx_b.get(ind.id.as_str()) else { continue };
        for t in &ea.practices {
            let tb = prac_b.get(t.practice_id.as_str()).map(|&k| &eb.practices[k]);
            let same = tb.is_some_and(|tb| tb.indicator(ib).tally() == t.indicator(ia).tally());
            if !same {
                out.insert(ind.id.clone());
                break;
            }
        }
    }
    out
}

fn outcome_label(o: &Outcome) -> String {
    eval::outcome_text(o, None)
}

/// One indicator's moving patients as found by [`scan`]: outcomes (`None`: not in the scheme)
/// and patient indices, labelled and explained only once merged.
#[derive(Default)]
struct RawMovers {
    count: u64,
    transitions: Vec<(Transition, u64)>,
    listed: Vec<(usize, Option<Outcome>, Option<Outcome>)>,
}

/// An outcome under A and under B (`None`: not in that scheme).
type Transition = (Option<Outcome>, Option<Outcome>);

type Slot<'s> = (&'s str, Option<usize>, Option<usize>);

/// Classifies `patients` (starting at index `offset` of the population) under both programs
/// for each slot's indicator and collects those whose outcome differs.
fn scan(
    pa: &Program,
    pb: &Program,
    (patients_a, patients_b): (&[crate::model::Patient], &[crate::model::Patient]),
    offset: usize,
    slots: &[Slot<'_>],
) -> Vec<RawMovers> {
    let mut out: Vec<RawMovers> = slots.iter().map(|_| RawMovers::default()).collect();
    let mut ea = Engine::new(pa);
    let mut eb = Engine::new(pb);
    for (k, (p, q)) in patients_a.iter().zip(patients_b).enumerate() {
        ea.load(p);
        eb.load(q);
        if !ea.registered && !eb.registered {
            continue;
        }
        for (s, &(_, ia, ib)) in slots.iter().enumerate() {
            let oa = ia.map(|i| eval::outcome(pa, i, ea.classify(i)));
            let ob = ib.map(|i| eval::outcome(pb, i, eb.classify(i)));
            // absent and excluded are the same for counting purposes
            let counted = |o: &Option<Outcome>| matches!(o, Some(x) if *x != Outcome::Excluded);
            if oa == ob || (!counted(&oa) && !counted(&ob)) {
                continue;
            }
            let m = &mut out[s];
            m.count += 1;
            match m.transitions.iter_mut().find(|(t, _)| t.0 == oa && t.1 == ob) {
                Some((_, n)) => *n += 1,
                None => m.transitions.push(((oa.clone(), ob.clone()), 1)),
            }
            if m.listed.len() < MOVERS_LISTED {
                m.listed.push((offset + k, oa, ob));
            }
        }
    }
    out
}

/// Classifies every registered patient under both programs for the `wanted` indicators and
/// collects those whose outcome differs (in parallel natively, merged in population order).
pub(crate) fn movers(
    pa: &Program,
    pb: &Program,
    (pop_a, pop_b): (&Population, &Population),
    wanted: &[String],
    threads: usize,
) -> HashMap<String, Movers> {
    // (id, index in A, index in B), fraction and register indicators only
    let find = |p: &Program, id: &str| {
        p.indicators.iter().position(|i| i.id == id && i.kind != Kind::Attested)
    };
    let slots: Vec<Slot<'_>> = wanted
        .iter()
        .map(|id| (id.as_str(), find(pa, id), find(pb, id)))
        .filter(|(_, x, y)| x.is_some() || y.is_some())
        .collect();
    let mut out: HashMap<String, Movers> = HashMap::new();
    if slots.is_empty() {
        return out;
    }
    let (patients, patients_b) = (&pop_a.patients, &pop_b.patients);
    let parts: Vec<Vec<RawMovers>> = if threads <= 1 || patients.is_empty() {
        vec![scan(pa, pb, (patients, patients_b), 0, &slots)]
    } else {
        let size = patients.len().div_ceil(threads);
        let chunks: Vec<_> =
            patients.chunks(size).zip(patients_b.chunks(size)).enumerate().collect();
        crate::par::map_in_order(chunks, |(k, pair)| scan(pa, pb, pair, k * size, &slots))
    };
    let label =
        |o: &Option<Outcome>| o.as_ref().map_or_else(|| "not in scheme".into(), outcome_label);
    for (s, &(id, ia, ib)) in slots.iter().enumerate() {
        let mut m = Movers::default();
        for part in &parts {
            let r = &part[s];
            m.count += r.count;
            for ((oa, ob), n) in &r.transitions {
                *m.transitions.entry(format!("{} -> {}", label(oa), label(ob))).or_insert(0) += n;
            }
            for (k, oa, ob) in &r.listed {
                if m.patients.len() >= MOVERS_LISTED {
                    break;
                }
                let p = &patients[*k];
                let explain = |prog: &Program, present: bool, p: &crate::model::Patient| {
                    if !present {
                        return None;
                    }
                    eval::explain(prog, p, Some(id)).into_iter().next().map(|t| t.text)
                };
                m.patients.push(Mover {
                    patient_id: p.patient_id.clone(),
                    practice_id: p.practice_id.clone(),
                    a: label(oa),
                    b: label(ob),
                    explanation_a: explain(pa, ia.is_some(), p),
                    explanation_b: explain(pb, ib.is_some(), &patients_b[*k]),
                });
            }
        }
        if m.count > 0 {
            out.insert(id.to_string(), m);
        }
    }
    out
}

/// Per-indicator figures of one side: the pay run's totals over practices, plus the
/// networks' lines (network indicators), with achievement from the summed counts. Points and
/// pounds are exact sums rounded once ([`crate::pay::numeric::ExactSum`]), so they do not
/// depend on the order of practices or the number of threads.
fn figures<'r>(paid: &Paid<'r>) -> HashMap<&'r str, IndicatorFigures> {
    let (r, totals) = paid;
    let mut sums: HashMap<&'r str, IndicatorTotal<'r>> =
        totals.iter().map(|t| (t.id, t.clone())).collect();
    for n in &r.networks {
        for l in n.indicators.iter().filter(|l| l.kind != "historic") {
            sums.entry(l.id)
                .or_insert_with(|| IndicatorTotal { id: l.id, ..IndicatorTotal::default() })
                .add(l);
        }
    }
    sums.into_iter()
        .map(|(id, t)| {
            let achievement = if t.denominator == 0 {
                None
            } else {
                div(Decimal::from(t.numerator), Decimal::from(t.denominator))
            };
            let f = IndicatorFigures {
                register: t.register,
                denominator: t.denominator,
                numerator: t.numerator,
                pcas: t.pcas,
                achievement,
                points: t.points.value(),
                payment: t.payment.value(),
            };
            (id, f)
        })
        .collect()
}

fn signed(b: u64, a: u64) -> i64 {
    i64::try_from(b).unwrap_or(i64::MAX).saturating_sub(i64::try_from(a).unwrap_or(i64::MAX))
}

/// Percentage change, 2 places; `None` when `a` is 0.
pub fn pct(a: Decimal, b: Decimal) -> Option<Decimal> {
    if a.is_zero() {
        return None;
    }
    div((b - a) * Decimal::ONE_HUNDRED, a).map(|d| d.round_dp(2))
}

/// The band a practice's change falls in (index into [`BUCKETS`]).
pub fn bucket(a: Decimal, b: Decimal) -> usize {
    let delta = b - a;
    if delta.is_zero() {
        return 3;
    }
    let ten = Decimal::TEN;
    let five = Decimal::from(5);
    match div(delta * Decimal::ONE_HUNDRED, a.abs()) {
        // A paid nothing: any gain is more than 10%
        None => {
            if delta > Decimal::ZERO {
                6
            } else {
                0
            }
        }
        Some(p) if p < -ten => 0,
        Some(p) if p < -five => 1,
        Some(p) if p < Decimal::ZERO => 2,
        Some(p) if p <= five => 4,
        Some(p) if p <= ten => 5,
        Some(_) => 6,
    }
}

/// The bands of [`Comparison::distribution`].
pub const BUCKETS: [&str; 7] =
    ["lose > 10%", "lose 5-10%", "lose 0-5%", "no change", "gain 0-5%", "gain 5-10%", "gain > 10%"];

fn build(
    a: Side<'_>,
    b: Side<'_>,
    d: &SchemeDiff,
    paid_a: &Paid<'_>,
    paid_b: &Paid<'_>,
    level: Level,
) -> Comparison {
    let fa = figures(paid_a);
    let fb = figures(paid_b);
    let (pay_a, pay_b) = (&paid_a.0, &paid_b.0);
    let indicators = d
        .indicators
        .iter()
        .map(|di| {
            let ia = a.scheme.indicator(&di.id);
            let ib = b.scheme.indicator(&di.id);
            let fig = |ind: Option<&crate::scheme::Indicator>,
                       f: &HashMap<&str, IndicatorFigures>| {
                ind.map(|_| f.get(di.id.as_str()).cloned().unwrap_or_default())
            };
            let xa = fig(ia, &fa);
            let xb = fig(ib, &fb);
            let za = xa.clone().unwrap_or_default();
            let zb = xb.clone().unwrap_or_default();
            let delta = IndicatorDelta {
                register: signed(zb.register, za.register),
                denominator: signed(zb.denominator, za.denominator),
                numerator: signed(zb.numerator, za.numerator),
                pcas: signed(zb.pcas, za.pcas),
                points: zb.points - za.points,
                payment: zb.payment - za.payment,
            };
            let title = ib.or(ia).map(|i| i.title.clone()).unwrap_or_default();
            IndicatorImpact {
                id: di.id.clone(),
                title,
                status: di.status,
                changes: di.changes.clone(),
                a: xa,
                b: xb,
                delta,
                text_a: if di.status == DiffStatus::Unchanged { None } else { di.text_a.clone() },
                text_b: if di.status == DiffStatus::Unchanged { None } else { di.text_b.clone() },
                movers: None,
            }
        })
        .collect();

    // the prevalence-adjusted groups of either scheme, as their practices list them
    let mut groups: Vec<String> = Vec::new();
    // (every practice of a run lists the same groups: the scheme's adjusted ones)
    for p in pay_a.practices.first().into_iter().chain(pay_b.practices.first()) {
        for g in &p.groups {
            if !groups.iter().any(|x| x == g.group) {
                groups.push(g.group.to_string());
            }
        }
    }
    let apdfs = |p: &crate::pay::PracticeResult<'_>| -> Vec<Option<Decimal>> {
        groups.iter().map(|g| p.groups.iter().find(|x| x.group == g).map(|x| x.apdf)).collect()
    };

    // practices: A's order, then B-only
    let mut practices: Vec<PracticeImpact> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for p in &pay_a.practices {
        index.insert(p.practice_id, practices.len());
        practices.push(PracticeImpact {
            practice_id: p.practice_id.to_string(),
            network_id: p.network_id.unwrap_or("").to_string(),
            list_size: p.list_size,
            points_a: p.points,
            points_b: Decimal::ZERO,
            payment_a: p.payment,
            payment_b: Decimal::ZERO,
            delta: Decimal::ZERO,
            delta_pct: None,
            cpi_a: p.cpi,
            cpi_b: None,
            apdf_a: apdfs(p),
            apdf_b: vec![None; groups.len()],
        });
    }
    for p in &pay_b.practices {
        let k = match index.get(p.practice_id) {
            Some(&k) => k,
            None => {
                practices.push(PracticeImpact {
                    practice_id: p.practice_id.to_string(),
                    network_id: p.network_id.unwrap_or("").to_string(),
                    list_size: None,
                    points_a: Decimal::ZERO,
                    points_b: Decimal::ZERO,
                    payment_a: Decimal::ZERO,
                    payment_b: Decimal::ZERO,
                    delta: Decimal::ZERO,
                    delta_pct: None,
                    cpi_a: None,
                    cpi_b: None,
                    apdf_a: vec![None; groups.len()],
                    apdf_b: Vec::new(),
                });
                practices.len() - 1
            }
        };
        let x = &mut practices[k];
        x.points_b = p.points;
        x.payment_b = p.payment;
        x.cpi_b = p.cpi;
        x.apdf_b = apdfs(p);
        if x.network_id.is_empty() {
            x.network_id = p.network_id.unwrap_or("").to_string();
        }
        if x.list_size.is_none() {
            x.list_size = p.list_size;
        }
    }
    for p in &mut practices {
        p.delta = p.payment_b - p.payment_a;
        p.delta_pct = pct(p.payment_a, p.payment_b);
    }

    // networks: practices' payments plus the network indicators'
    let mut nets: BTreeMap<String, NetworkImpact> = BTreeMap::new();
    for p in &practices {
        let n = nets.entry(p.network_id.clone()).or_insert_with(|| empty_network(&p.network_id));
        n.practices += 1;
        n.payment_a += p.payment_a;
        n.payment_b += p.payment_b;
    }
    for n in &pay_a.networks {
        nets.entry(n.network_id.to_string())
            .or_insert_with(|| empty_network(n.network_id))
            .payment_a += n.payment;
    }
    for n in &pay_b.networks {
        nets.entry(n.network_id.to_string())
            .or_insert_with(|| empty_network(n.network_id))
            .payment_b += n.payment;
    }
    let networks: Vec<NetworkImpact> = nets
        .into_values()
        .map(|mut n| {
            n.delta = n.payment_b - n.payment_a;
            n.delta_pct = pct(n.payment_a, n.payment_b);
            n
        })
        .collect();

    let total = TotalImpact {
        points_a: pay_a.total.points,
        points_b: pay_b.total.points,
        payment_a: pay_a.total.payment,
        payment_b: pay_b.total.payment,
        delta: pay_b.total.payment - pay_a.total.payment,
        delta_pct: pct(pay_a.total.payment, pay_b.total.payment),
    };

    let mut distribution: Vec<Bucket> =
        BUCKETS.iter().map(|&label| Bucket { label, practices: 0, delta: Decimal::ZERO }).collect();
    for p in &practices {
        let k = bucket(p.payment_a, p.payment_b);
        distribution[k].practices += 1;
        distribution[k].delta += p.delta;
    }

    let mut sorted: Vec<&PracticeImpact> = practices.iter().collect();
    sorted.sort_by(|x, y| y.delta.cmp(&x.delta).then_with(|| x.practice_id.cmp(&y.practice_id)));
    let winners: Vec<PracticeImpact> = sorted
        .iter()
        .filter(|p| p.delta > Decimal::ZERO)
        .take(WINNERS_LISTED)
        .map(|p| (*p).clone())
        .collect();
    sorted.sort_by(|x, y| x.delta.cmp(&y.delta).then_with(|| x.practice_id.cmp(&y.practice_id)));
    let losers: Vec<PracticeImpact> = sorted
        .iter()
        .filter(|p| p.delta < Decimal::ZERO)
        .take(WINNERS_LISTED)
        .map(|p| (*p).clone())
        .collect();

    let warnings = |r: &PayResult<'_>| {
        r.warnings
            .iter()
            .map(|w| format!("{} ({} practices, e.g. {})", w.message, w.practices, w.example))
            .collect()
    };
    Comparison {
        a: SchemeRef { id: a.scheme.id.clone(), title: a.scheme.title.clone() },
        b: SchemeRef { id: b.scheme.id.clone(), title: b.scheme.title.clone() },
        level,
        header: d.header.clone(),
        indicators,
        practices,
        networks,
        total,
        distribution,
        winners,
        losers,
        warnings_a: warnings(pay_a),
        warnings_b: warnings(pay_b),
        national_a: pay_a.national.clone(),
        national_b: pay_b.national.clone(),
        groups,
        reports: Vec::new(),
    }
}

fn empty_network(id: &str) -> NetworkImpact {
    NetworkImpact {
        network_id: id.to_string(),
        practices: 0,
        payment_a: Decimal::ZERO,
        payment_b: Decimal::ZERO,
        delta: Decimal::ZERO,
        delta_pct: None,
    }
}
