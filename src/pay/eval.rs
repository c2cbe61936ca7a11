//! The payment run: counts -> achievement -> points -> money, per practice and network.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rust_decimal::Decimal;

use super::error::PayErrors;
use super::input::{Counts, HistoricValue, PracticeCounts, PracticeData};
use super::national::{NationalFigures, Prevalence};
use super::numeric::{div, div_counts, mul_sat, wide, PaymentUnit, Rounding};
use super::points::stepped_fraction_points;
use super::result::{
    AspirationResult, GatewayResult, GroupFactor, IndicatorResult, IndicatorTotal, NetworkResult,
    ObligationResult, PayResult, PayWarning, PracticeResult, SchemeInfo, StratumResult, TierResult,
    Total,
};
use super::scheme::{
    stratum_column, HistoricBasis, HistoricModel, IndicatorKind, PayIndicator, PayScheme,
    PaymentModel, EXCEPT_MODEL,
};

/// The list type CPI is computed on.
pub const CPI_LIST_TYPE: &str = "TOTAL";

/// Pays every practice (and network) in `data` under `scheme`, with `national` figures.
///
/// Fails only when the scheme itself is inconsistent ([`PayScheme::validate`]); data problems
/// (a missing list size, register or historic year) are assumed away as documented in
/// `docs/money.md` and reported as counted [`PayWarning`]s.
///
/// Runs on all available cores natively when there are at least [`MIN_PARALLEL`] practices
/// (always one thread on wasm32); the result does not depend on it ([`pay_with_threads`]).
pub fn pay<'a>(
    scheme: &'a PayScheme,
    national: &'a NationalFigures,
    data: &'a PracticeData,
) -> Result<PayResult<'a>, PayErrors> {
    let threads = if data.practices().len() < MIN_PARALLEL { 1 } else { available_threads() };
    pay_with_threads(scheme, national, data, threads)
}

/// Below this many practices [`pay`] runs on one thread: starting threads would cost more
/// than it saves.
pub const MIN_PARALLEL: usize = 256;

/// The number of threads the machine offers (1 on wasm32, or when unknown).
pub fn available_threads() -> usize {
    crate::par::available_threads()
}

/// As [`pay`], on at most `threads` threads (at most one per practice; always one on
/// wasm32). Practices are split into contiguous chunks, one per thread, and the chunks'
/// results and warnings are merged in practice order, so the result is identical whatever
/// `threads` is: everything across practices (network sums, totals, warnings with their
/// counts and first examples) is computed after the merge, as on one thread.
pub fn pay_with_threads<'a>(
    scheme: &'a PayScheme,
    national: &'a NationalFigures,
    data: &'a PracticeData,
    threads: usize,
) -> Result<PayResult<'a>, PayErrors> {
    let errors = scheme.validate();
    if !errors.is_empty() {
        return Err(PayErrors(errors));
    }
    let run = Run::new(scheme, national, data);
    Ok(run.go(threads).0)
}

/// As [`pay`], for comparisons: where [`pay`] builds a practice's indicator lines, each
/// indicator's figures are added into its per-indicator total instead, so
/// `PracticeResult::indicators` is empty (networks keep theirs). Everything else in the result
/// is as [`pay`] gives it. The totals (one per practice indicator, in scheme order) are exact
/// sums, the same for any number of threads. Not building about 80 lines of some 200 bytes
/// per practice is what makes this faster than summing [`pay`]'s lines afterwards.
pub fn pay_totals<'a>(
    scheme: &'a PayScheme,
    national: &'a NationalFigures,
    data: &'a PracticeData,
) -> Result<(PayResult<'a>, Vec<IndicatorTotal<'a>>), PayErrors> {
    let threads = if data.practices().len() < MIN_PARALLEL { 1 } else { available_threads() };
    pay_totals_with_threads(scheme, national, data, threads)
}

/// [`pay_totals`] on at most `threads` threads.
pub fn pay_totals_with_threads<'a>(
    scheme: &'a PayScheme,
    national: &'a NationalFigures,
    data: &'a PracticeData,
    threads: usize,
) -> Result<(PayResult<'a>, Vec<IndicatorTotal<'a>>), PayErrors> {
    let errors = scheme.validate();
    if !errors.is_empty() {
        return Err(PayErrors(errors));
    }
    let mut run = Run::new(scheme, national, data);
    run.keep_lines = false;
    Ok(run.go(threads))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum WarnKey<'a> {
    NoListSize,
    ZeroAverageListSize,
    NoGroupListSize(&'a str, &'a str),
    NoRegister(&'a str),
    NoNationalPrevalence(&'a str),
    NoCounts(&'a str),
    NoHistoricYear(&'a str),
    /// Historic figures of a year without the figure (points or pounds) the model pays on.
    NoHistoricBasis(&'a str, HistoricBasis),
    /// A historic item that is not an indicator, paid under a model adjusted for prevalence,
    /// names no prevalence-adjusted group of the scheme.
    UnadjustedItem(&'a str),
    ObligationsUnmet,
    NoNetwork,
}

impl WarnKey<'_> {
    fn message(&self) -> String {
        match self {
            WarnKey::NoListSize => format!(
                "no `{CPI_LIST_TYPE}` list size: CPI unknown, paid nothing on list-size-adjusted lines"
            ),
            WarnKey::ZeroAverageListSize => {
                "the national average list size is 0: CPI unknown, paid nothing".to_string()
            }
            WarnKey::NoGroupListSize(g, l) => {
                format!("no `{l}` list size for group `{g}`: prevalence unknown, APDF taken as 0")
            }
            WarnKey::NoRegister(g) => {
                format!("no register for group `{g}`: prevalence unknown, APDF taken as 0")
            }
            WarnKey::NoNationalPrevalence(g) => {
                format!("no national prevalence for group `{g}`: APDF taken as 0")
            }
            WarnKey::NoCounts(i) => {
                format!("no counts for indicator `{i}`: scored as if nobody was counted")
            }
            WarnKey::NoHistoricYear(y) => {
                format!("no historic figures for {y}: historic payment taken as 0")
            }
            WarnKey::NoHistoricBasis(y, basis) => {
                let (want, other) = match basis {
                    HistoricBasis::Points => ("points", "pounds"),
                    HistoricBasis::Pounds => ("pounds", "points"),
                };
                format!(
                    "historic figures for {y} with {other} but no {want}: paid nothing on them (the model pays on {want})"
                )
            }
            WarnKey::UnadjustedItem(y) => format!(
                "historic {y} items that are not a prevalence-adjusted group of the scheme: paid without prevalence adjustment (define a register of the item's name to adjust it)"
            ),
            WarnKey::ObligationsUnmet => {
                "obligations not met: the practice is paid nothing (each line's `paid_on` names the first)".to_string()
            }
            WarnKey::NoNetwork => {
                "no network: the scheme's network indicators were not measured".to_string()
            }
        }
    }
}

#[derive(Default)]
struct Warnings<'a> {
    map: BTreeMap<WarnKey<'a>, (usize, usize, &'a str)>, // (practices, last practice index, first)
}

impl<'a> Warnings<'a> {
    fn add(&mut self, key: WarnKey<'a>, practice: usize, id: &'a str) {
        let e = self.map.entry(key).or_insert((0, usize::MAX, id));
        if e.1 != practice {
            e.0 += 1;
            e.1 = practice;
        }
    }
    /// Adds the warnings of a later, disjoint run of practices: counts add up (no practice
    /// is in both), the first example stays the earlier one.
    fn merge(&mut self, later: Warnings<'a>) {
        for (k, (n, last, ex)) in later.map {
            let e = self.map.entry(k).or_insert((0, usize::MAX, ex));
            e.0 += n;
            e.1 = last;
        }
    }
    fn finish(self) -> Vec<PayWarning> {
        self.map
            .into_iter()
            .map(|(k, (n, _, ex))| PayWarning {
                message: k.message(),
                practices: n,
                example: ex.to_string(),
            })
            .collect()
    }
}

struct Group<'a> {
    id: &'a str,
    list_type: &'a str,
    adjusted: bool,
    data_col: Option<usize>,
    list_col: Option<usize>,
    /// National prevalence as a ratio of decimals (register, list size), or (rate, 1);
    /// `None` if unknown or zero.
    national: Option<(Decimal, Decimal)>,
    /// The same as whole numbers, when it has such a ratio ([`Prevalence::ratio`]).
    national_counts: Option<(u64, u64)>,
}

struct Ind<'a> {
    ind: &'a PayIndicator,
    group: usize,
    data_col: Option<usize>,
    /// Columns of the strata's counts.
    strata_cols: Vec<Option<usize>>,
    /// The indicator's tier (index).
    tier: Option<usize>,
}

/// A historic model paying items that are not scheme indicators, at a weight (blend share).
struct Unmatched<'a> {
    model: &'a HistoricModel,
    weight: Decimal,
    label: Arc<str>,
}

/// What paid an indicator line, for its `paid_on` label.
#[derive(Clone, Copy)]
enum Paid {
    Monitored,
    /// Locked in this tier.
    Locked(usize),
    /// Withheld: this obligation (the first unmet) is not met.
    Unmet(usize),
    /// The scheme's model (for a higher-of, which of its models).
    Model(usize),
}

/// One chunk's (or the whole run's) practice results, warnings and per-indicator totals.
type Chunk<'a> = (Vec<PracticeResult<'a>>, Warnings<'a>, Vec<IndicatorTotal<'a>>);

struct Run<'a> {
    scheme: &'a PayScheme,
    national: &'a NationalFigures,
    data: &'a PracticeData,
    r: &'a Rounding,
    groups: Vec<Group<'a>>,
    group_by_id: BTreeMap<&'a str, usize>,
    practice_inds: Vec<Ind<'a>>,
    network_inds: Vec<Ind<'a>>,
    indicator_ids: BTreeSet<&'a str>,
    total_col: Option<usize>,
    unmatched: Vec<Unmatched<'a>>,
    labels: Labels,
    /// Keep each practice's lines in its result ([`pay`]), or only their per-indicator totals
    /// ([`pay_totals`]).
    keep_lines: bool,
}

/// The `paid_on` labels, shared by every line that has them. Each thread of a run takes its
/// own copy ([`Labels::fresh`]): cloning one `Arc` from several cores at once makes them fight
/// over its reference count's cache line (that made 2 threads slower than 1).
struct Labels {
    performance: Arc<str>,
    top: Arc<str>,
    /// For `HigherOf`: the label of each compared model, then of the except model.
    higher_of: Vec<Arc<str>>,
    tier_locked: Vec<Arc<str>>,
    /// Per obligation: the label of lines withheld because it is not met.
    obligation_unmet: Vec<Arc<str>>,
    monitored: Arc<str>,
    historic_line: Arc<str>,
    /// Per [`Unmatched`] model.
    unmatched: Vec<Arc<str>>,
}

impl Labels {
    /// The same labels in new allocations.
    fn fresh(&self) -> Labels {
        let f = |a: &Arc<str>| Arc::from(&**a);
        Labels {
            performance: f(&self.performance),
            top: f(&self.top),
            higher_of: self.higher_of.iter().map(f).collect(),
            tier_locked: self.tier_locked.iter().map(f).collect(),
            obligation_unmet: self.obligation_unmet.iter().map(f).collect(),
            monitored: f(&self.monitored),
            historic_line: f(&self.historic_line),
            unmatched: self.unmatched.iter().map(f).collect(),
        }
    }
}

/// A plain description of a model, for `paid_on`.
pub fn describe(model: &PaymentModel) -> String {
    match model {
        PaymentModel::Performance => "performance".to_string(),
        PaymentModel::Historic(h) => {
            let mut s = format!(
                "historic {} {}",
                h.year,
                match h.basis {
                    HistoricBasis::Points => "points",
                    HistoricBasis::Pounds => "pounds",
                }
            );
            match (h.adjust_list_size, h.adjust_prevalence) {
                (true, true) => s.push_str(" adjusted for list size and prevalence"),
                (true, false) => s.push_str(" adjusted for list size"),
                (false, true) => s.push_str(" adjusted for prevalence"),
                (false, false) => {}
            }
            s
        }
        PaymentModel::Blend(shares) => {
            let parts: Vec<String> = shares
                .iter()
                .map(|s| {
                    format!(
                        "{}% {}",
                        s.share.saturating_mul(Decimal::ONE_HUNDRED).normalize(),
                        describe(&s.model)
                    )
                })
                .collect();
            format!("blend of {}", parts.join(", "))
        }
        PaymentModel::HigherOf { models, .. } => {
            let parts: Vec<String> = models.iter().map(describe).collect();
            format!("higher of {}", parts.join(" and "))
        }
        PaymentModel::Except { model, except_model, .. } => {
            format!("{}, except some on {}", describe(model), describe(except_model))
        }
        PaymentModel::ByIndicator { model, parts } => {
            let mut s = describe(model);
            for p in parts {
                s.push_str(&format!(", {} on {}", p.label, describe(&p.model)));
            }
            s
        }
    }
}

/// What each index [`Run::model_pay`] returns for `model` says in `paid_on`.
fn model_labels(model: &PaymentModel) -> Vec<Arc<str>> {
    match model {
        PaymentModel::HigherOf { models, except_model, .. } => models
            .iter()
            .chain(std::iter::once(except_model.as_ref()))
            .map(|m| Arc::from(format!("higher of: {}", describe(m))))
            .collect(),
        // which of the two paid: the scheme's model, or the excepted indicators' model
        PaymentModel::Except { model, except_model, .. } => vec![
            Arc::from(describe(model)),
            Arc::from(format!("except: {}", describe(except_model))),
        ],
        // the base model's labels, then each part's, prefixed with what the part pays
        PaymentModel::ByIndicator { model, parts } => {
            let mut out = model_labels(model);
            for p in parts {
                out.extend(
                    model_labels(&p.model).iter().map(|l| Arc::from(format!("{}: {l}", p.label))),
                );
            }
            out
        }
        m => vec![Arc::from(describe(m))],
    }
}

/// How many labels [`model_labels`] gives `model`.
fn label_count(model: &PaymentModel) -> usize {
    match model {
        PaymentModel::HigherOf { models, .. } => models.len() + 1,
        PaymentModel::Except { .. } => 2,
        PaymentModel::ByIndicator { model, parts } => {
            label_count(model) + parts.iter().map(|p| label_count(&p.model)).sum::<usize>()
        }
        _ => 1,
    }
}

impl<'a> Run<'a> {
    fn new(scheme: &'a PayScheme, national: &'a NationalFigures, data: &'a PracticeData) -> Self {
        let groups: Vec<Group<'a>> = scheme
            .groups
            .iter()
            .map(|g| Group {
                id: &g.id,
                list_type: &g.list_type,
                adjusted: g.prevalence_adjusted,
                data_col: data.find_group(&g.id),
                list_col: data.find_list_type(&g.list_type),
                national: national.prevalence.get(&g.id).and_then(|n| match n.prevalence {
                    Prevalence::Totals(t) if t.register > 0 && t.list_size > 0 => {
                        Some((Decimal::from(t.register), Decimal::from(t.list_size)))
                    }
                    Prevalence::Rate(r) if r > Decimal::ZERO => Some((r, Decimal::ONE)),
                    _ => None,
                }),
                national_counts: national.prevalence.get(&g.id).and_then(|n| n.prevalence.ratio()),
            })
            .collect();
        let group_by_id: BTreeMap<&str, usize> =
            groups.iter().enumerate().map(|(i, g)| (g.id, i)).collect();
        let mut practice_inds = Vec::new();
        let mut network_inds = Vec::new();
        for ind in &scheme.indicators {
            let c = Ind {
                ind,
                group: group_by_id.get(ind.group.as_str()).copied().unwrap_or(0),
                data_col: data.find_indicator(&ind.id),
                strata_cols: ind
                    .strata
                    .iter()
                    .map(|st| data.find_indicator(&stratum_column(&ind.id, &st.id)))
                    .collect(),
                tier: ind.tier.as_deref().and_then(|t| scheme.tiers.iter().position(|x| x.id == t)),
            };
            if ind.network {
                network_inds.push(c);
            } else {
                practice_inds.push(c);
            }
        }
        let mut unmatched = Vec::new();
        collect_unmatched(&scheme.model, Decimal::ONE, &mut unmatched);
        let higher_of = match &scheme.model {
            PaymentModel::HigherOf { .. }
            | PaymentModel::Except { .. }
            | PaymentModel::ByIndicator { .. } => model_labels(&scheme.model),
            _ => Vec::new(),
        };
        let labels = Labels {
            performance: Arc::from("performance"),
            top: Arc::from(describe(&scheme.model)),
            higher_of,
            tier_locked: scheme
                .tiers
                .iter()
                .map(|t| Arc::from(format!("not paid: tier `{}` not unlocked", t.id)))
                .collect(),
            obligation_unmet: scheme
                .obligations
                .iter()
                .map(|o| Arc::from(format!("not paid: obligation `{}` not met", o.id)))
                .collect(),
            monitored: Arc::from("monitored, not paid"),
            historic_line: Arc::from("historic"),
            unmatched: unmatched.iter().map(|u| u.label.clone()).collect(),
        };
        Run {
            scheme,
            national,
            data,
            r: &scheme.rounding,
            groups,
            group_by_id,
            practice_inds,
            network_inds,
            indicator_ids: scheme.indicators.iter().map(|i| i.id.as_str()).collect(),
            total_col: data.find_list_type(CPI_LIST_TYPE),
            unmatched,
            labels,
            keep_lines: true,
        }
    }

    /// CPI from a list size, rounded per the scheme.
    fn cpi(
        &self,
        list: Option<u64>,
        pi: usize,
        pid: &'a str,
        w: &mut Warnings<'a>,
    ) -> Option<Decimal> {
        let Some(list) = list else {
            w.add(WarnKey::NoListSize, pi, pid);
            return None;
        };
        match div(Decimal::from(list), self.national.average_list_size) {
            Some(c) => Some(self.r.apply(c, self.r.cpi)),
            None => {
                w.add(WarnKey::ZeroAverageListSize, pi, pid);
                None
            }
        }
    }

    /// APDF of group `g` from a register and list size (1 for groups not adjusted):
    /// `(register / list) / (national register / national list)`, computed with one division
    /// as `div(register x national list, list x national register)`, rounded per the scheme.
    fn apdf(
        &self,
        g: usize,
        register: Option<u64>,
        list: Option<u64>,
        pi: usize,
        pid: &'a str,
        w: &mut Warnings<'a>,
    ) -> Decimal {
        let grp = &self.groups[g];
        if !grp.adjusted {
            return Decimal::ONE;
        }
        let Some((nat_register, nat_list)) = grp.national else {
            w.add(WarnKey::NoNationalPrevalence(grp.id), pi, pid);
            return Decimal::ZERO;
        };
        let Some(register) = register else {
            w.add(WarnKey::NoRegister(grp.id), pi, pid);
            return Decimal::ZERO;
        };
        let Some(list) = list else {
            w.add(WarnKey::NoGroupListSize(grp.id, grp.list_type), pi, pid);
            return Decimal::ZERO;
        };
        // The same division on whole numbers when the products are exact (always, in
        // practice): `Decimal::from(x) x Decimal::from(y)` is the integer x y at scale 0.
        if let Some((nr, nl)) = grp.national_counts {
            let top = u128::from(register) * u128::from(nl);
            let bottom = u128::from(list) * u128::from(nr);
            if let Some(apdf) = wide::div(top, 0, bottom, 0).and_then(wide::decimal) {
                return self.r.apply(apdf, self.r.apdf);
            }
        }
        // A list of 0 patients has no prevalence; nothing is paid on it.
        let apdf = div(
            mul_sat(Decimal::from(register), nat_list),
            mul_sat(Decimal::from(list), nat_register),
        )
        .unwrap_or(Decimal::ZERO);
        self.r.apply(apdf, self.r.apdf)
    }

    /// Fills `f` with a practice's or network's money factors: CPI, and per group the APDF
    /// and the value of a point, `(pound per point x CPI) x APDF`.
    #[allow(clippy::too_many_arguments)]
    fn factors(
        &self,
        f: &mut Factors,
        list: Option<u64>,
        register: impl Fn(&Group<'a>) -> Option<u64>,
        group_list: impl Fn(&Group<'a>) -> Option<u64>,
        pi: usize,
        pid: &'a str,
        w: &mut Warnings<'a>,
    ) {
        f.cpi = self.cpi(list, pi, pid, w);
        f.apdf.clear();
        f.value.clear();
        f.adjusted.clear();
        let base = f.cpi.map(|c| mul_sat(self.scheme.pound_per_point, c));
        for (g, grp) in self.groups.iter().enumerate() {
            let a = if grp.adjusted {
                let (r, l) = (register(grp), group_list(grp));
                let a = self.apdf(g, r, l, pi, pid, w);
                f.adjusted.push((g, r, l, a));
                a
            } else {
                Decimal::ONE
            };
            f.apdf.push(a);
            f.value.push(base.map(|b| mul_sat(b, a)));
        }
    }

    /// The prevalence-adjusted groups of the factors `f`, for the report: register, list
    /// size, prevalence and APDF.
    fn group_factors(&self, f: &Factors) -> Vec<GroupFactor<'a>> {
        f.adjusted
            .iter()
            .map(|&(g, register, list_size, apdf)| GroupFactor {
                group: self.groups[g].id,
                register,
                list_size,
                prevalence: match (register, list_size) {
                    (Some(r), Some(l)) => div_counts(r, l),
                    _ => None,
                },
                apdf,
            })
            .collect()
    }

    fn historic_value(
        &self,
        h: &'a HistoricModel,
        p: &'a PracticeCounts,
        item: &str,
        pi: usize,
        w: &mut Warnings<'a>,
    ) -> Option<&'a HistoricValue> {
        match self.data.historic(p, &h.year) {
            Some(year) => year.get(item),
            None => {
                w.add(WarnKey::NoHistoricYear(&h.year), pi, &p.practice_id);
                None
            }
        }
    }

    /// Warns when a historic figure lacks the value (points or pounds) the model pays on.
    fn check_basis(
        &self,
        h: &'a HistoricModel,
        v: &HistoricValue,
        pi: usize,
        pid: &'a str,
        w: &mut Warnings<'a>,
    ) {
        let missing = match h.basis {
            HistoricBasis::Points => v.points.is_none() && v.pounds.is_some(),
            HistoricBasis::Pounds => v.pounds.is_none() && v.points.is_some(),
        };
        if missing {
            w.add(WarnKey::NoHistoricBasis(&h.year, h.basis), pi, pid);
        }
    }

    /// Historic payment before rounding: pounds as paid, or points x
    /// `(pound per point [x CPI]) [x APDF]`.
    fn historic(
        &self,
        h: &HistoricModel,
        value: Option<&HistoricValue>,
        cpi: Option<Decimal>,
        apdf: Decimal,
    ) -> Decimal {
        let Some(v) = value else { return Decimal::ZERO };
        match h.basis {
            HistoricBasis::Pounds => v.pounds.unwrap_or(Decimal::ZERO),
            HistoricBasis::Points => {
                let mut f = self.scheme.pound_per_point;
                if h.adjust_list_size {
                    match cpi {
                        Some(c) => f = mul_sat(f, c),
                        None => return Decimal::ZERO,
                    }
                }
                if h.adjust_prevalence {
                    f = mul_sat(f, apdf);
                }
                mul_sat(v.points.unwrap_or(Decimal::ZERO), f)
            }
        }
    }

    /// The unrounded payment of one indicator under `model`, and (for `HigherOf`) the index of
    /// the model that paid.
    #[allow(clippy::too_many_arguments)]
    fn model_pay(
        &self,
        model: &'a PaymentModel,
        id: &str,
        points: Decimal,
        f: &Factors,
        g: usize,
        p: &'a PracticeCounts,
        pi: usize,
        w: &mut Warnings<'a>,
    ) -> (Decimal, usize) {
        match model {
            PaymentModel::Performance => {
                if points.is_zero() {
                    return (Decimal::ZERO, 0);
                }
                let value = f.value.get(g).copied().flatten();
                (value.map_or(Decimal::ZERO, |v| mul_sat(points, v)), 0)
            }
            PaymentModel::Historic(h) => {
                let v = self.historic_value(h, p, id, pi, w);
                if let Some(v) = v {
                    self.check_basis(h, v, pi, &p.practice_id, w);
                }
                let a = f.apdf.get(g).copied().unwrap_or(Decimal::ZERO);
                (self.historic(h, v, f.cpi, a), 0)
            }
            PaymentModel::Blend(shares) => {
                let mut sum = Decimal::ZERO;
                for s in shares {
                    let v = self.model_pay(&s.model, id, points, f, g, p, pi, w).0;
                    sum = sum.saturating_add(mul_sat(s.share, v));
                }
                (sum, 0)
            }
            PaymentModel::Except { model, except, except_model } => {
                if except.iter().any(|e| e == id) {
                    let v = self.model_pay(except_model, id, points, f, g, p, pi, w).0;
                    return (v, EXCEPT_MODEL);
                }
                (self.model_pay(model, id, points, f, g, p, pi, w).0, 0)
            }
            PaymentModel::ByIndicator { model, parts } => {
                let mut offset = label_count(model);
                for part in parts {
                    if part.indicators.iter().any(|e| e == id) {
                        let (v, k) = self.model_pay(&part.model, id, points, f, g, p, pi, w);
                        return (v, offset + k);
                    }
                    offset += label_count(&part.model);
                }
                self.model_pay(model, id, points, f, g, p, pi, w)
            }
            PaymentModel::HigherOf { models, except, except_model } => {
                if except.iter().any(|e| e == id) {
                    let v = self.model_pay(except_model, id, points, f, g, p, pi, w).0;
                    return (v, models.len());
                }
                let mut best = (Decimal::ZERO, 0);
                for (i, m) in models.iter().enumerate() {
                    let v = self.model_pay(m, id, points, f, g, p, pi, w).0;
                    if i == 0 || v > best.0 {
                        best = (v, i);
                    }
                }
                best
            }
        }
    }

    /// Achievement and points of one indicator from its counts (and its strata's).
    fn score(
        &self,
        ind: &'a PayIndicator,
        counts: Option<&Counts>,
        strata: &[Option<&Counts>],
        attested: bool,
        out: &mut Vec<StratumResult<'a>>,
    ) -> (Option<Decimal>, Decimal) {
        match ind.kind {
            IndicatorKind::Fraction { lower, upper } => {
                if ind.strata.is_empty() {
                    let (n, d, pcas) =
                        counts.map_or((0, 0, 0), |c| (c.numerator, c.denominator, c.pcas));
                    return stepped_fraction_points(
                        n,
                        d,
                        pcas,
                        lower,
                        upper,
                        ind.lower_points,
                        ind.max_points,
                        self.r,
                        self.scheme.zero_denominator,
                    );
                }
                let mut total = Decimal::ZERO;
                let (mut n_all, mut d_all) = (0u64, 0u64);
                for (st, c) in ind.strata.iter().zip(strata) {
                    let (n, d, pcas) =
                        c.map_or((0, 0, 0), |c| (c.numerator, c.denominator, c.pcas));
                    let (a, pts) = stepped_fraction_points(
                        n,
                        d,
                        pcas,
                        st.lower,
                        st.upper,
                        st.lower_points,
                        st.max_points,
                        self.r,
                        self.scheme.zero_denominator,
                    );
                    total = total.saturating_add(pts);
                    n_all += u64::from(n);
                    d_all += u64::from(d);
                    out.push(StratumResult {
                        id: &st.id,
                        max_points: st.max_points,
                        denominator: d,
                        numerator: n,
                        pcas,
                        achievement: a,
                        points: pts,
                    });
                }
                // the indicator's achievement: its own counts if given, else the strata's sums
                let a = match counts {
                    Some(c) => div_counts(u64::from(c.numerator), u64::from(c.denominator)),
                    None => div_counts(n_all, d_all),
                };
                (a.map(|a| self.r.apply(a, self.r.achievement)), total)
            }
            IndicatorKind::Boolean => {
                all_or_nothing(counts.and_then(|c| c.achieved).unwrap_or(false), ind.max_points)
            }
            IndicatorKind::Attested => all_or_nothing(attested, ind.max_points),
        }
    }

    /// Pays the practices `start..start + ps.len()` into `out`, with their warnings, each
    /// practice's lines going into the next of `lines` (or a new vector when they run out).
    /// Without `keep_lines`, no line is made: each indicator's figures go straight into the
    /// chunk's per-indicator totals.
    fn chunk(
        &self,
        start: usize,
        ps: &'a [PracticeCounts],
        mut out: Vec<PracticeResult<'a>>,
        lines: Vec<Vec<IndicatorResult<'a>>>,
    ) -> Chunk<'a> {
        let mut w = Warnings::default();
        let mut buf = Buffers::default();
        let labels = self.labels.fresh();
        out.reserve(ps.len());
        let mut lines = lines.into_iter();
        let mut totals: Vec<IndicatorTotal<'a>> = if self.keep_lines {
            Vec::new()
        } else {
            self.practice_inds
                .iter()
                .map(|ci| IndicatorTotal { id: &ci.ind.id, ..IndicatorTotal::default() })
                .collect()
        };
        for (k, p) in ps.iter().enumerate() {
            let v = match lines.next() {
                Some(v) => v,
                None if self.keep_lines => Vec::with_capacity(self.practice_inds.len()),
                None => Vec::new(),
            };
            let sink = if self.keep_lines { None } else { Some(totals.as_mut_slice()) };
            out.push(self.practice(start + k, p, &labels, v, sink, &mut buf, &mut w));
        }
        (out, w, totals)
    }

    /// Space for one chunk's results, allocated by the calling thread. Memory that glibc's
    /// allocator hands to a short-lived thread is given back to the system once the calling
    /// thread frees it and faulted in again on the next run (it made 2 threads slower than
    /// 1); memory from the calling thread's own heap stays mapped.
    fn space(&self, n: usize) -> (Vec<PracticeResult<'a>>, Vec<Vec<IndicatorResult<'a>>>) {
        let lines = if self.keep_lines {
            (0..n).map(|_| Vec::with_capacity(self.practice_inds.len())).collect()
        } else {
            Vec::new()
        };
        (Vec::with_capacity(n), lines)
    }

    /// Every practice, on up to `threads` threads, merged in practice order, with the
    /// per-indicator totals (empty when lines are kept).
    fn all_practices(&self, threads: usize) -> Chunk<'a> {
        let all = self.data.practices();
        let threads = threads.clamp(1, all.len().max(1));
        if threads == 1 {
            return self.chunk(0, all, Vec::new(), Vec::new());
        }
        let size = all.len().div_ceil(threads);
        let chunks: Vec<_> =
            all.chunks(size).enumerate().map(|(k, ps)| (k, ps, self.space(ps.len()))).collect();
        let parts: Vec<Chunk<'a>> = crate::par::map_in_order(chunks, |(k, ps, (out, lines))| {
            self.chunk(k * size, ps, out, lines)
        });
        let mut practices = Vec::with_capacity(all.len());
        let mut w = Warnings::default();
        let mut totals: Vec<IndicatorTotal<'a>> = Vec::new();
        for (ps, pw, pt) in parts {
            practices.extend(ps);
            w.merge(pw);
            if totals.is_empty() {
                totals = pt;
            } else {
                for (t, x) in totals.iter_mut().zip(&pt) {
                    t.merge(x);
                }
            }
        }
        (practices, w, totals)
    }

    fn go(self, threads: usize) -> (PayResult<'a>, Vec<IndicatorTotal<'a>>) {
        let (practices, mut w, totals) = self.all_practices(threads);
        let networks = self.networks(&practices, &mut w);
        let mut total = Total { points: Decimal::ZERO, payment: Decimal::ZERO };
        // Unrounded points carry up to 28 digits and Decimal addition rounds beyond that, so
        // the sum depends on order: add in practice-code order, whatever the input order.
        let mut order: Vec<&PracticeResult<'a>> = practices.iter().collect();
        order.sort_unstable_by_key(|p| p.practice_id);
        for p in order {
            total.points = total.points.saturating_add(p.points);
            total.payment = total.payment.saturating_add(p.payment);
        }
        for n in &networks {
            total.points = total.points.saturating_add(n.points);
            total.payment = total.payment.saturating_add(n.payment);
        }
        let result = PayResult {
            scheme: SchemeInfo {
                id: &self.scheme.id,
                title: &self.scheme.title,
                period_end: self.scheme.period_end.to_string(),
            },
            national: self.national.report(),
            practices,
            networks,
            total,
            warnings: w.finish(),
        };
        (result, totals)
    }

    /// Which tiers are unlocked, given which gateways are met.
    fn unlock(&self, gateways_met: &[bool], unlocked: &mut Vec<bool>) {
        unlocked.clear();
        unlocked.resize(self.scheme.tiers.len(), false);
        // validation rejects cycles, so this settles within one pass per tier
        for _ in 0..self.scheme.tiers.len() {
            let mut changed = false;
            for (t, tier) in self.scheme.tiers.iter().enumerate() {
                if unlocked[t] {
                    continue;
                }
                let ok = tier.requires.iter().all(|r| {
                    match self.scheme.gateways.iter().position(|g| &g.id == r) {
                        Some(g) => gateways_met.get(g).copied().unwrap_or(false),
                        None => self
                            .scheme
                            .tiers
                            .iter()
                            .position(|x| &x.id == r)
                            .is_some_and(|x| unlocked[x]),
                    }
                });
                if ok {
                    unlocked[t] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn practice(
        &self,
        pi: usize,
        p: &'a PracticeCounts,
        labels: &Labels,
        mut indicators: Vec<IndicatorResult<'a>>,
        mut totals: Option<&mut [IndicatorTotal<'a>]>,
        buf: &mut Buffers<'a>,
        w: &mut Warnings<'a>,
    ) -> PracticeResult<'a> {
        let pid: &'a str = &p.practice_id;
        let list_size = PracticeData::list_size(p, self.total_col);
        self.factors(
            &mut buf.factors,
            list_size.map(u64::from),
            |g| PracticeData::register(p, g.data_col).map(u64::from),
            |g| PracticeData::list_size(p, g.list_col).map(u64::from),
            pi,
            pid,
            w,
        );
        let f = &buf.factors;
        let mut payment = Decimal::ZERO;
        // obligations are conditions of payment: one unmet withholds every line
        let unmet = self.scheme.obligations.iter().position(|o| !self.data.is_attested(p, &o.id));
        if unmet.is_some() {
            w.add(WarnKey::ObligationsUnmet, pi, pid);
        }
        buf.gateways_met.clear();
        let mut gateways = Vec::with_capacity(self.scheme.gateways.len());
        for g in &self.scheme.gateways {
            let met = g.requires.iter().all(|item| self.data.is_attested(p, item));
            buf.gateways_met.push(met);
            let pay = if met && unmet.is_none() { self.r.money(g.payment) } else { Decimal::ZERO };
            payment = payment.saturating_add(pay);
            gateways.push(GatewayResult { id: &g.id, met, payment: pay });
        }
        self.unlock(&buf.gateways_met, &mut buf.unlocked);
        let mut tiers = Vec::with_capacity(self.scheme.tiers.len());
        for (t, tier) in self.scheme.tiers.iter().enumerate() {
            let unlocked = buf.unlocked[t];
            let pay = if unlocked && unmet.is_none() {
                self.r.money(tier.payment)
            } else {
                Decimal::ZERO
            };
            payment = payment.saturating_add(pay);
            tiers.push(TierResult { id: &tier.id, unlocked, payment: pay });
        }
        indicators.clear();
        let mut points_total = Decimal::ZERO;
        let mut money = Money::new(self.r, self.groups.len());
        for (k, ci) in self.practice_inds.iter().enumerate() {
            let ind = ci.ind;
            let counts = PracticeData::counts(p, ci.data_col);
            buf.strata.clear();
            buf.strata.extend(ci.strata_cols.iter().map(|&c| PracticeData::counts(p, c)));
            if counts.is_none()
                && ind.kind != IndicatorKind::Attested
                && buf.strata.iter().all(Option::is_none)
            {
                w.add(WarnKey::NoCounts(&ind.id), pi, pid);
            }
            let attested = ind.kind == IndicatorKind::Attested && self.data.is_attested(p, &ind.id);
            let mut strata = Vec::new();
            let (achievement, points) = self.score(ind, counts, &buf.strata, attested, &mut strata);
            let locked = ci.tier.filter(|&t| !buf.unlocked.get(t).copied().unwrap_or(false));
            // which label says what paid: monitored, a locked tier, or the model (which of a
            // higher-of's models)
            let (pay, paid) = if ind.monitored {
                (Decimal::ZERO, Paid::Monitored)
            } else if let Some(t) = locked {
                (Decimal::ZERO, Paid::Locked(t))
            } else if let Some(o) = unmet {
                (Decimal::ZERO, Paid::Unmet(o))
            } else {
                let (raw, chosen) =
                    self.model_pay(&self.scheme.model, &ind.id, points, f, ci.group, p, pi, w);
                (money.line(raw), Paid::Model(chosen))
            };
            if !ind.monitored {
                points_total = points_total.saturating_add(points);
            }
            money.add(Some(ci.group), pay);
            let (denominator, numerator, pcas, by_category) = match counts {
                Some(c) => (c.denominator, c.numerator, c.pcas, Cow::Borrowed(&c.pcas_by_category)),
                None => {
                    let (mut d, mut n, mut x) = (0u32, 0u32, 0u32);
                    for s in &strata {
                        d = d.saturating_add(s.denominator);
                        n = n.saturating_add(s.numerator);
                        x = x.saturating_add(s.pcas);
                    }
                    (d, n, x, Cow::Owned(BTreeMap::new()))
                }
            };
            let register =
                PracticeData::register(p, self.groups.get(ci.group).and_then(|g| g.data_col));
            if let Some(t) = totals.as_deref_mut().and_then(|t| t.get_mut(k)) {
                // for comparisons: straight into the indicator's totals, no line
                t.add_figures([register.unwrap_or(0), denominator, numerator, pcas], points, pay);
                continue;
            }
            let paid_on = match paid {
                Paid::Monitored => labels.monitored.clone(),
                Paid::Locked(t) => labels.tier_locked[t].clone(),
                Paid::Unmet(o) => labels.obligation_unmet[o].clone(),
                Paid::Model(chosen) => match &self.scheme.model {
                    PaymentModel::Performance => labels.performance.clone(),
                    PaymentModel::HigherOf { .. }
                    | PaymentModel::Except { .. }
                    | PaymentModel::ByIndicator { .. } => labels.higher_of[chosen].clone(),
                    _ => labels.top.clone(),
                },
            };
            indicators.push(IndicatorResult {
                id: &ind.id,
                group: &ind.group,
                kind: ind.kind.name(),
                max_points: ind.max_points,
                register,
                denominator,
                numerator,
                pcas,
                pcas_by_category: by_category,
                achievement,
                points,
                payment: pay,
                paid_on,
                strata,
            });
        }
        // Historic items that are not indicators of this scheme.
        for (u, label) in self.unmatched.iter().zip(&labels.unmatched) {
            let Some(year) = self.data.historic(p, &u.model.year) else {
                w.add(WarnKey::NoHistoricYear(&u.model.year), pi, pid);
                continue;
            };
            for (item, value) in year.items() {
                if self.indicator_ids.contains(item) {
                    continue;
                }
                let g = self.group_by_id.get(item).copied();
                if u.model.adjust_prevalence && !g.is_some_and(|g| self.groups[g].adjusted) {
                    w.add(WarnKey::UnadjustedItem(&u.model.year), pi, pid);
                }
                self.check_basis(u.model, value, pi, pid, w);
                let a = g.and_then(|g| f.apdf.get(g).copied()).unwrap_or(Decimal::ONE);
                let raw = self.historic(u.model, Some(value), f.cpi, a);
                let pay = match unmet {
                    Some(_) => Decimal::ZERO,
                    None => money.line(mul_sat(u.weight, raw)),
                };
                // an item that names no group is a group of its own
                money.add(g, pay);
                if totals.is_some() {
                    continue; // not an indicator: in no indicator's totals
                }
                indicators.push(IndicatorResult {
                    id: item,
                    group: g.map(|g| self.groups[g].id).unwrap_or(""),
                    kind: "historic",
                    max_points: Decimal::ZERO,
                    register: g.and_then(|g| PracticeData::register(p, self.groups[g].data_col)),
                    denominator: 0,
                    numerator: 0,
                    pcas: 0,
                    pcas_by_category: Cow::Owned(BTreeMap::new()),
                    achievement: None,
                    points: value.points.unwrap_or(Decimal::ZERO),
                    payment: pay,
                    paid_on: match unmet {
                        Some(o) => labels.obligation_unmet[o].clone(),
                        None if u.weight == Decimal::ONE => labels.historic_line.clone(),
                        None => label.clone(),
                    },
                    strata: Vec::new(),
                });
            }
        }
        payment = payment.saturating_add(money.finish());
        let obligations = self
            .scheme
            .obligations
            .iter()
            .map(|o| ObligationResult { id: &o.id, met: self.data.is_attested(p, &o.id) })
            .collect();
        let aspiration = self.aspiration(p, f, payment);
        PracticeResult {
            practice_id: pid,
            network_id: p.network_id.as_deref(),
            list_size,
            points: points_total,
            payment,
            cpi: f.cpi,
            groups: self.group_factors(f),
            indicators,
            gateways,
            tiers,
            obligations,
            aspiration,
        }
    }

    fn aspiration(
        &self,
        p: &'a PracticeCounts,
        f: &Factors,
        payment: Decimal,
    ) -> Option<AspirationResult<'a>> {
        let a = self.scheme.aspiration.as_ref()?;
        let h = &a.previous;
        let year = self.data.historic(p, &h.year)?;
        let mut raw = Decimal::ZERO;
        for ci in &self.practice_inds {
            if ci.ind.monitored {
                continue;
            }
            let ap = f.apdf.get(ci.group).copied().unwrap_or(Decimal::ZERO);
            raw = raw.saturating_add(self.historic(h, year.get(ci.ind.id.as_str()), f.cpi, ap));
        }
        if h.pay_unmatched_items {
            for (item, value) in year.items() {
                if self.indicator_ids.contains(item) {
                    continue;
                }
                let ap = self.group_by_id.get(item).and_then(|&g| f.apdf.get(g).copied());
                raw = raw.saturating_add(self.historic(
                    h,
                    Some(value),
                    f.cpi,
                    ap.unwrap_or(Decimal::ONE),
                ));
            }
        }
        let aspiration = self.r.money(mul_sat(a.share, raw));
        let monthly = self.r.money(div(aspiration, Decimal::from(12u32)).unwrap_or(Decimal::ZERO));
        Some(AspirationResult {
            year: &h.year,
            share: a.share,
            aspiration,
            monthly,
            balancing: payment.saturating_sub(aspiration),
        })
    }

    fn networks(
        &self,
        practices: &[PracticeResult<'a>],
        w: &mut Warnings<'a>,
    ) -> Vec<NetworkResult<'a>> {
        if self.network_inds.is_empty() && !self.scheme.paid_to_networks {
            return Vec::new();
        }
        let mut members: BTreeMap<&'a str, Vec<usize>> = BTreeMap::new();
        for (pi, p) in self.data.practices().iter().enumerate() {
            match p.network_id.as_deref() {
                Some(n) => members.entry(n).or_default().push(pi),
                None => w.add(WarnKey::NoNetwork, pi, &p.practice_id),
            }
        }
        let all = self.data.practices();
        let mut f = Factors::default();
        let mut out = Vec::with_capacity(members.len());
        for (ni, (net, idx)) in members.into_iter().enumerate() {
            let ps: Vec<&'a PracticeCounts> = idx.iter().filter_map(|&i| all.get(i)).collect();
            // Warnings for networks are counted per network, keyed by an index past practices.
            let wi = all.len() + ni;
            let list = sum_opt(ps.iter().map(|p| PracticeData::list_size(p, self.total_col)));
            if !self.network_inds.is_empty() {
                self.factors(
                    &mut f,
                    list,
                    |g| sum_opt(ps.iter().map(|p| PracticeData::register(p, g.data_col))),
                    |g| sum_opt(ps.iter().map(|p| PracticeData::list_size(p, g.list_col))),
                    wi,
                    net,
                    w,
                );
            }
            let mut points_total = Decimal::ZERO;
            let mut money = Money::new(self.r, self.groups.len());
            let mut indicators = Vec::with_capacity(self.network_inds.len());
            for ci in &self.network_inds {
                let ind = ci.ind;
                let (sum, any) = sum_counts(&ps, ci.data_col);
                let strata_sums: Vec<(Counts, bool)> =
                    ci.strata_cols.iter().map(|&c| sum_counts(&ps, c)).collect();
                if !any && ind.kind != IndicatorKind::Attested && !strata_sums.iter().any(|s| s.1) {
                    w.add(WarnKey::NoCounts(&ind.id), wi, net);
                }
                let strata_refs: Vec<Option<&Counts>> =
                    strata_sums.iter().map(|(c, any)| any.then_some(c)).collect();
                let attested = ps.iter().all(|p| self.data.is_attested(p, &ind.id));
                let mut strata = Vec::new();
                let own = any.then_some(&sum);
                let (achievement, points) =
                    self.score(ind, own, &strata_refs, attested, &mut strata);
                // a network indicator in a tier pays only when every member practice has
                // the tier unlocked
                let locked = ci.tier.filter(|&t| {
                    !idx.iter().all(|&i| {
                        practices.get(i).and_then(|p| p.tiers.get(t)).is_some_and(|x| x.unlocked)
                    })
                });
                let pay = if ind.monitored || locked.is_some() {
                    Decimal::ZERO
                } else {
                    let v = f.value.get(ci.group).copied().flatten();
                    money.line(v.map_or(Decimal::ZERO, |v| mul_sat(points, v)))
                };
                if !ind.monitored {
                    points_total = points_total.saturating_add(points);
                }
                money.add(Some(ci.group), pay);
                let grp = &self.groups[ci.group];
                let reg = sum_opt(ps.iter().map(|p| PracticeData::register(p, grp.data_col)));
                indicators.push(IndicatorResult {
                    id: &ind.id,
                    group: &ind.group,
                    kind: ind.kind.name(),
                    max_points: ind.max_points,
                    register: reg.map(|r| u32::try_from(r).unwrap_or(u32::MAX)),
                    denominator: sum.denominator,
                    numerator: sum.numerator,
                    pcas: sum.pcas,
                    pcas_by_category: Cow::Owned(sum.pcas_by_category),
                    achievement,
                    points,
                    payment: pay,
                    paid_on: match locked {
                        _ if ind.monitored => self.labels.monitored.clone(),
                        Some(t) => self.labels.tier_locked[t].clone(),
                        None => self.labels.performance.clone(),
                    },
                    strata,
                });
            }
            let payment = money.finish();
            let practice_payment = idx
                .iter()
                .filter_map(|&i| practices.get(i))
                .fold(Decimal::ZERO, |s, p| s.saturating_add(p.payment));
            let receives = if self.scheme.paid_to_networks {
                payment.saturating_add(practice_payment)
            } else {
                payment
            };
            out.push(NetworkResult {
                network_id: net,
                practices: ps.len(),
                list_size: list.unwrap_or(0),
                cpi: if self.network_inds.is_empty() { None } else { f.cpi },
                groups: if self.network_inds.is_empty() {
                    Vec::new()
                } else {
                    self.group_factors(&f)
                },
                points: points_total,
                payment,
                practice_payment,
                receives,
                indicators,
            });
        }
        out
    }
}

/// Reusable per-practice buffers.
#[derive(Default)]
struct Buffers<'a> {
    factors: Factors,
    gateways_met: Vec<bool>,
    unlocked: Vec<bool>,
    strata: Vec<Option<&'a Counts>>,
}

/// Money factors of one practice or network.
#[derive(Default)]
struct Factors {
    cpi: Option<Decimal>,
    /// Per scheme group.
    apdf: Vec<Decimal>,
    /// Per scheme group: the value of a point, `(pound per point x CPI) x APDF`; `None` when
    /// CPI is unknown.
    value: Vec<Option<Decimal>>,
    /// The prevalence-adjusted groups: (group index, register, list size, APDF).
    adjusted: Vec<(usize, Option<u64>, Option<u64>, Decimal)>,
}

/// Sums a column's counts over practices; whether any practice had counts. A Boolean is
/// achieved when every practice has counts saying so.
fn sum_counts(ps: &[&PracticeCounts], col: Option<usize>) -> (Counts, bool) {
    let mut sum = Counts::default();
    let mut any = false;
    let mut all_achieved = true;
    for p in ps {
        if let Some(c) = PracticeData::counts(p, col) {
            any = true;
            sum.denominator = sum.denominator.saturating_add(c.denominator);
            sum.numerator = sum.numerator.saturating_add(c.numerator);
            sum.pcas = sum.pcas.saturating_add(c.pcas);
            for (k, v) in &c.pcas_by_category {
                let e = sum.pcas_by_category.entry(k.clone()).or_insert(0);
                *e = e.saturating_add(*v);
            }
            all_achieved &= c.achieved.unwrap_or(false);
        } else {
            all_achieved = false;
        }
    }
    sum.achieved = Some(any && all_achieved);
    (sum, any)
}

fn all_or_nothing(yes: bool, max_points: Decimal) -> (Option<Decimal>, Decimal) {
    if yes {
        (Some(Decimal::ONE), max_points)
    } else {
        (Some(Decimal::ZERO), Decimal::ZERO)
    }
}

/// Sum of the known values; `None` if none is known.
fn sum_opt(values: impl Iterator<Item = Option<u32>>) -> Option<u64> {
    let mut sum = None;
    for v in values.flatten() {
        sum = Some(sum.unwrap_or(0u64).saturating_add(u64::from(v)));
    }
    sum
}

fn collect_unmatched<'a>(model: &'a PaymentModel, weight: Decimal, out: &mut Vec<Unmatched<'a>>) {
    match model {
        PaymentModel::Historic(h) if h.pay_unmatched_items => out.push(Unmatched {
            model: h,
            weight,
            label: Arc::from(format!(
                "{}% {}",
                weight.saturating_mul(Decimal::ONE_HUNDRED).normalize(),
                describe(model)
            )),
        }),
        PaymentModel::Blend(shares) => {
            for s in shares {
                collect_unmatched(&s.model, weight.saturating_mul(s.share), out);
            }
        }
        PaymentModel::Except { model, .. } | PaymentModel::ByIndicator { model, .. } => {
            collect_unmatched(model, weight, out)
        }
        _ => {}
    }
}

/// A practice's (or network's) payment lines summed as the scheme rounds them: each line
/// rounded as it comes (the default), or the unrounded lines summed per group (or all
/// together) and rounded at the end.
struct Money<'r> {
    r: &'r Rounding,
    /// Sum of the rounded lines.
    total: Decimal,
    /// Per scheme group, the sum of its unrounded lines (per group only).
    groups: Vec<Decimal>,
    /// The sum of all unrounded lines (per practice only).
    all: Decimal,
}

impl<'r> Money<'r> {
    fn new(r: &'r Rounding, groups: usize) -> Money<'r> {
        let groups = if r.payment_per == PaymentUnit::Group {
            vec![Decimal::ZERO; groups]
        } else {
            Vec::new()
        };
        Money { r, total: Decimal::ZERO, groups, all: Decimal::ZERO }
    }

    /// A line's payment as reported: rounded now (per line), or unrounded (rounded in its
    /// group's or the practice's sum).
    fn line(&self, raw: Decimal) -> Decimal {
        match self.r.payment_per {
            _ if raw.is_zero() => Decimal::ZERO,
            PaymentUnit::Line => self.r.money(raw),
            PaymentUnit::Group | PaymentUnit::Practice => raw,
        }
    }

    /// Adds a line of `group` (`None`: a line that is a group of its own, such as a historic
    /// item that names no group).
    fn add(&mut self, group: Option<usize>, pay: Decimal) {
        match (self.r.payment_per, group.and_then(|g| self.groups.get_mut(g))) {
            (PaymentUnit::Line, _) => self.total = self.total.saturating_add(pay),
            (PaymentUnit::Group, Some(sum)) => *sum = sum.saturating_add(pay),
            (PaymentUnit::Group, None) => self.total = self.total.saturating_add(self.r.money(pay)),
            (PaymentUnit::Practice, _) => self.all = self.all.saturating_add(pay),
        }
    }

    /// The total: rounded lines plus each rounded group (or practice) sum.
    fn finish(self) -> Decimal {
        let r = self.r;
        let groups = self.groups.iter().fold(self.total, |t, &g| t.saturating_add(r.money(g)));
        match r.payment_per {
            PaymentUnit::Practice => groups.saturating_add(r.money(self.all)),
            PaymentUnit::Line | PaymentUnit::Group => groups,
        }
    }
}

mod repay;
pub use repay::{Repaid, Repay};
