//! Sensitivity sweeps (`qofrules sweep`, `docs/sweep.md`): one or two levers of a scheme
//! (thresholds, points, a group's points, pounds per point, the aspiration share), each over a
//! range of values, and for every value (or pair of values) what the scheme costs, against
//! the scheme as written: total, change, practices gaining and losing, the median and spread
//! of the change per practice, and the change per network. `solve` finds the value of one
//! lever at which the scheme costs what another does (cost-neutral).
//!
//! Every lever is read by the pay phase only, so a sweep takes pay inputs already made (a
//! population evaluated once, or published counts) and re-runs only the pay phase per value,
//! with the scheme's [`PayScheme`] changed in that one figure. Money is the pay phase's own,
//! never recomputed: the total at a value is exactly what `eval` reports for a scheme that
//! says that value. No I/O.

pub mod html;
mod lever;
mod solve;
pub mod table;

pub use lever::{group_points, Lever, LeverError, Target, Unit, MAX_VALUES};
pub use solve::{solve, Solution, SolveError};

use crate::pay::numeric::{ser_dec, ser_money};
use crate::pay::{self, NationalFigures, PayErrors, PayScheme, PracticeData};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// What one pay run of a scheme costs: the total, each practice's payment (in practice
/// order), each network's (its practices' payments plus its own indicators'), and the
/// aspiration paid in advance.
#[derive(Clone, Debug, PartialEq)]
pub struct Cost {
    pub total: Decimal,
    pub points: Decimal,
    pub practices: Vec<Decimal>,
    pub networks: BTreeMap<String, Decimal>,
    pub aspiration: Option<Decimal>,
}

/// Pays `data` under `scheme` and keeps what a sweep reports.
pub fn cost(
    scheme: &PayScheme,
    national: &NationalFigures,
    data: &PracticeData,
) -> Result<Cost, PayErrors> {
    let (r, _) = pay::pay_totals(scheme, national, data)?;
    let mut networks: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut aspiration = None::<Decimal>;
    for p in &r.practices {
        if let Some(n) = p.network_id {
            let e = networks.entry(n.to_string()).or_default();
            *e = e.saturating_add(p.payment);
        }
        if let Some(a) = &p.aspiration {
            aspiration = Some(aspiration.unwrap_or_default().saturating_add(a.aspiration));
        }
    }
    for n in &r.networks {
        let e = networks.entry(n.network_id.to_string()).or_default();
        *e = e.saturating_add(n.payment);
    }
    Ok(Cost {
        total: r.total.payment,
        points: r.total.points,
        practices: r.practices.iter().map(|p| p.payment).collect(),
        networks,
        aspiration,
    })
}

/// Costs schemes that differ from one scheme (the one given to [`Coster::new`]) in a figure
/// or two: a scheme whose only changes are indicators' figures (thresholds, points) or the
/// aspiration share has only those lines paid again ([`pay::Repay`]), any other is paid in
/// full. Both give the same [`Cost`] (`sweep::tests` checks it on every shipped scheme).
pub struct Coster<'a> {
    repay: pay::Repay<'a>,
    national: &'a NationalFigures,
    data: &'a PracticeData,
}

impl<'a> Coster<'a> {
    /// Pays `scheme` once over `data`, keeping what later runs re-use.
    pub fn new(
        scheme: &'a PayScheme,
        national: &'a NationalFigures,
        data: &'a PracticeData,
    ) -> Result<Coster<'a>, PayErrors> {
        Ok(Coster { repay: pay::Repay::new(scheme, national, data)?, national, data })
    }

    /// What the scheme given to [`Coster::new`] costs.
    pub fn base(&self) -> Cost {
        self.of(self.repay.base())
    }

    /// What `scheme` costs: only the changed lines paid again when it differs from the
    /// scheme given to [`Coster::new`] in indicators' figures alone, else a full pay run.
    pub fn cost(&self, scheme: &PayScheme) -> Result<Cost, PayErrors> {
        match self.repay.repay(scheme) {
            Some(r) => Ok(self.of(r?)),
            None => cost(scheme, self.national, self.data),
        }
    }

    /// The [`Cost`] of a re-paid run, summed as [`cost`] sums a pay result.
    fn of(&self, r: pay::Repaid) -> Cost {
        let mut networks: BTreeMap<String, Decimal> = BTreeMap::new();
        let mut aspiration = None::<Decimal>;
        for ((p, &pay), a) in self.data.practices().iter().zip(&r.practices).zip(&r.aspiration) {
            if let Some(n) = &p.network_id {
                let e = networks.entry(n.clone()).or_default();
                *e = e.saturating_add(pay);
            }
            if let Some(a) = a {
                aspiration = Some(aspiration.unwrap_or_default().saturating_add(*a));
            }
        }
        for (n, pay) in &r.networks {
            let e = networks.entry(n.clone()).or_default();
            *e = e.saturating_add(*pay);
        }
        Cost {
            total: r.total.payment,
            points: r.total.points,
            practices: r.practices,
            networks,
            aspiration,
        }
    }
}

/// A whole sweep: the levers, the scheme as written, and one point per value (per pair of
/// values for two levers, the first lever's values outermost).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    pub scheme: SchemeRef,
    pub levers: Vec<LeverInfo>,
    pub practices: usize,
    pub base: BaseInfo,
    pub points: Vec<Point>,
    /// Network codes, in the order of every point's `networks`.
    pub networks: Vec<String>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "SweepScheme"))]
#[derive(Clone, Debug, Serialize)]
pub struct SchemeRef {
    pub id: String,
    pub title: String,
}

/// A lever as the report shows it.
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "SweepLever"))]
#[derive(Clone, Debug, Serialize)]
pub struct LeverInfo {
    /// As written: `DM020.upper`.
    pub lever: String,
    /// In words: `DM020 upper threshold`.
    pub label: String,
    pub unit: Unit,
    /// The value in the scheme as written (a fraction for percentages).
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub base: Decimal,
    pub base_shown: String,
    #[serde(skip)]
    pub values: Vec<Decimal>,
}

/// The scheme as written.
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "SweepBase"))]
#[derive(Clone, Debug, Serialize)]
pub struct BaseInfo {
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub total: Decimal,
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points: Decimal,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_opt_money")]
    #[cfg_attr(test, ts(optional, type = "string"))]
    pub aspiration: Option<Decimal>,
    /// Per network, in [`Sweep::networks`] order.
    #[serde(serialize_with = "ser_money_vec")]
    #[cfg_attr(test, ts(type = "string[]"))]
    pub networks: Vec<Decimal>,
}

/// One value of the lever (or pair of values).
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "SweepPoint"))]
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    /// The lever's values (fractions for percentages), one per lever.
    #[serde(serialize_with = "ser_dec_vec")]
    #[cfg_attr(test, ts(type = "string[]"))]
    pub values: Vec<Decimal>,
    /// As written: `75%`, `£190.00`.
    pub shown: Vec<String>,
    /// Whether every value is the scheme's own.
    pub is_base: bool,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub total: Decimal,
    /// Total minus the base total.
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub change: Decimal,
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points: Decimal,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_opt_money")]
    #[cfg_attr(test, ts(optional, type = "string"))]
    pub aspiration: Option<Decimal>,
    /// Practices paid more than under the scheme as written, and less.
    pub gaining: usize,
    pub losing: usize,
    /// The change per practice: median, quartiles (nearest rank), least and most.
    pub per_practice: Spread,
    /// Each network's change, in [`Sweep::networks`] order.
    #[serde(serialize_with = "ser_money_vec")]
    #[cfg_attr(test, ts(type = "string[]"))]
    pub networks: Vec<Decimal>,
}

/// The distribution of practice-level change.
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "SweepSpread"))]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Spread {
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub min: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub q1: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub median: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub q3: Decimal,
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub max: Decimal,
}

impl Spread {
    /// Median (the mean of the middle two for an even count, exact), first and third
    /// quartiles by nearest rank (the value at rank ceil(n/4), ceil(3n/4)), least and most.
    pub fn of(values: &[Decimal]) -> Spread {
        let mut v = values.to_vec();
        v.sort();
        let n = v.len();
        if n == 0 {
            return Spread::default();
        }
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1].saturating_add(v[n / 2])) / Decimal::TWO
        };
        let rank = |num: usize| v[(num * n).div_ceil(4).clamp(1, n) - 1];
        Spread { min: v[0], q1: rank(1), median, q3: rank(3), max: v[n - 1] }
    }
}

/// Why a sweep stopped.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SweepError {
    #[error("{0}")]
    Lever(#[from] LeverError),
    #[error("the pay phase refused the scheme at {at}: {message}")]
    Pay { at: String, message: String },
    #[error("a sweep takes one or two levers, not {0}")]
    Levers(usize),
    #[error("a grid of {0} values is too large")]
    TooLarge(usize),
}

/// The most points a sweep computes.
pub const MAX_POINTS: usize = 100_000;

fn pay_error(at: String, e: PayErrors) -> SweepError {
    SweepError::Pay {
        at,
        message: e.0.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("; "),
    }
}

/// Sweeps `levers` (one or two) over `data`: the scheme as written is paid once, then per
/// value (per pair of values) only the lines the levers touch ([`Coster`]).
pub fn sweep(
    scheme: &PayScheme,
    national: &NationalFigures,
    data: &PracticeData,
    levers: &[Lever],
) -> Result<Sweep, SweepError> {
    if levers.is_empty() || levers.len() > 2 {
        return Err(SweepError::Levers(levers.len()));
    }
    let size = levers.iter().map(|l| l.values.len()).product::<usize>();
    if size > MAX_POINTS {
        return Err(SweepError::TooLarge(size));
    }
    let coster =
        Coster::new(scheme, national, data).map_err(|e| pay_error("its own values".into(), e))?;
    let base = coster.base();
    let networks: Vec<String> = base.networks.keys().cloned().collect();
    let infos: Vec<LeverInfo> = levers
        .iter()
        .map(|l| {
            let b = l.target.base(scheme);
            LeverInfo {
                lever: l.target.name(),
                label: l.target.describe(),
                unit: l.target.unit(),
                base: b,
                base_shown: l.target.unit().show(b),
                values: l.values.clone(),
            }
        })
        .collect();
    let mut combos: Vec<Vec<Decimal>> = levers[0].values.iter().map(|&v| vec![v]).collect();
    if let Some(second) = levers.get(1) {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                second.values.iter().map(move |&v| {
                    let mut c = c.clone();
                    c.push(v);
                    c
                })
            })
            .collect();
    }
    let mut points = Vec::with_capacity(combos.len());
    for values in combos {
        let shown: Vec<String> =
            levers.iter().zip(&values).map(|(l, &v)| l.target.unit().show(v)).collect();
        let at = levers
            .iter()
            .zip(&shown)
            .map(|(l, s)| format!("`{}={s}`", l.target.name()))
            .collect::<Vec<_>>()
            .join(", ");
        let s = apply_all(scheme, levers, &values)?;
        let is_base = levers.iter().zip(&values).all(|(l, &v)| v == l.target.base(scheme));
        let c = coster.cost(&s).map_err(|e| pay_error(at, e))?;
        points.push(point(values, shown, is_base, &c, &base, &networks));
    }
    Ok(Sweep {
        scheme: SchemeRef { id: scheme.id.clone(), title: scheme.title.clone() },
        levers: infos,
        practices: data.practices().len(),
        base: BaseInfo {
            total: base.total,
            points: base.points,
            aspiration: base.aspiration,
            networks: networks.iter().map(|n| base.networks[n]).collect(),
        },
        points,
        networks,
    })
}

/// `scheme` with every lever at its value: in the order given, or else the other way round
/// (an indicator's two thresholds moved past each other need the right order).
fn apply_all(
    scheme: &PayScheme,
    levers: &[Lever],
    values: &[Decimal],
) -> Result<PayScheme, LeverError> {
    let mut first = None;
    for order in [[0, 1], [1, 0]] {
        let mut s = scheme.clone();
        let done = order
            .iter()
            .filter(|&&k| k < levers.len())
            .try_for_each(|&k| levers[k].target.apply(&mut s, values[k]));
        match done {
            Ok(()) => return Ok(s),
            Err(m) => {
                first.get_or_insert(m);
            }
        }
        if levers.len() < 2 {
            break;
        }
    }
    Err(LeverError::new(first.unwrap_or_default(), "leave this value out"))
}

fn point(
    values: Vec<Decimal>,
    shown: Vec<String>,
    is_base: bool,
    c: &Cost,
    base: &Cost,
    networks: &[String],
) -> Point {
    let changes: Vec<Decimal> =
        c.practices.iter().zip(&base.practices).map(|(a, b)| a.saturating_sub(*b)).collect();
    Point {
        values,
        shown,
        is_base,
        total: c.total,
        change: c.total.saturating_sub(base.total),
        points: c.points,
        aspiration: c.aspiration,
        gaining: changes.iter().filter(|d| **d > Decimal::ZERO).count(),
        losing: changes.iter().filter(|d| **d < Decimal::ZERO).count(),
        per_practice: Spread::of(&changes),
        networks: networks
            .iter()
            .map(|n| {
                let now = c.networks.get(n).copied().unwrap_or_default();
                now.saturating_sub(base.networks.get(n).copied().unwrap_or_default())
            })
            .collect(),
    }
}

fn ser_opt_money<S: serde::Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&crate::pay::numeric::money_string(*d)),
        None => s.serialize_none(),
    }
}

fn ser_money_vec<S: serde::Serializer>(v: &[Decimal], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|d| crate::pay::numeric::money_string(*d)))
}

fn ser_dec_vec<S: serde::Serializer>(v: &[Decimal], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|d| d.normalize().to_string()))
}

#[cfg(test)]
mod tests;
