//! Cost-neutral solving: the value of one lever at which a scheme costs a given total (another
//! scheme's, on the same data).
//!
//! The lever moves on a grid: whole multiples of a resolution (a penny for pounds per point,
//! a point for points, a percentage point for thresholds, unless told otherwise). A scheme's
//! total is a sum of payments rounded per the scheme, so it moves in steps and no value on the
//! grid need give the goal exactly: the solution is the grid value whose total is nearest the
//! goal (the lower total on a tie), with the residual (its total minus the goal), and
//! `exact` when the residual is zero. The total never falls as pounds per point or points
//! rise, and never rises as a threshold rises (rounding is monotone), so a bisection over the
//! grid finds it in a few dozen pay runs.

use super::lever::{Target, Unit};
use super::{pay_error, Coster, SweepError};
use crate::pay::numeric::{ser_dec, ser_money};
use crate::pay::{IndicatorKind, NationalFigures, PayScheme, PracticeData};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// The result of a solve.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Solution {
    /// The lever, as written.
    pub lever: String,
    pub label: String,
    pub unit: Unit,
    /// The lever's value in the scheme as written, and the scheme's total with it.
    #[serde(serialize_with = "ser_dec")]
    pub base: Decimal,
    #[serde(serialize_with = "ser_money")]
    pub base_total: Decimal,
    /// The grid the value was sought on.
    #[serde(serialize_with = "ser_dec")]
    pub resolution: Decimal,
    /// The total sought.
    #[serde(serialize_with = "ser_money")]
    pub goal: Decimal,
    /// The value found (a fraction for percentages), as written, and the total with it.
    #[serde(serialize_with = "ser_dec")]
    pub value: Decimal,
    pub shown: String,
    #[serde(serialize_with = "ser_money")]
    pub total: Decimal,
    /// `total - goal`.
    #[serde(serialize_with = "ser_money")]
    pub residual: Decimal,
    /// Whether the total equals the goal to the penny.
    pub exact: bool,
    /// The grid value on the other side of the goal, and its total (when not exact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_side: Option<Neighbour>,
    /// How many pay runs the search took.
    pub pay_runs: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Neighbour {
    #[serde(serialize_with = "ser_dec")]
    pub value: Decimal,
    pub shown: String,
    #[serde(serialize_with = "ser_money")]
    pub total: Decimal,
}

/// Why no value was found.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SolveError {
    /// No value of the lever reaches the goal (or the lever does not move the total).
    #[error("{message}")]
    Unreachable { message: String, help: String },
    #[error("{0}")]
    Sweep(#[from] SweepError),
}

impl SolveError {
    pub fn help(&self) -> Option<&str> {
        match self {
            SolveError::Unreachable { help, .. } => Some(help),
            SolveError::Sweep(SweepError::Lever(e)) => Some(&e.help),
            SolveError::Sweep(_) => None,
        }
    }
}

/// The default grid of a lever: a penny, a point, a percentage point.
pub fn default_resolution(target: &Target) -> Decimal {
    match target.unit() {
        Unit::Pounds => Decimal::new(1, 2),
        Unit::Points => Decimal::ONE,
        Unit::Percent => Decimal::new(1, 2),
    }
}

/// Finds the value of `target` on the grid of `resolution` (default:
/// [`default_resolution`]) at which `scheme` costs `goal` on `data`, or the nearest.
pub fn solve(
    scheme: &PayScheme,
    national: &NationalFigures,
    data: &PracticeData,
    target: &Target,
    goal: Decimal,
    resolution: Option<Decimal>,
) -> Result<Solution, SolveError> {
    let res = resolution.unwrap_or_else(|| default_resolution(target));
    let unit = target.unit();
    if res <= Decimal::ZERO {
        return Err(SolveError::Unreachable {
            message: format!("the resolution `{}` is not positive", res.normalize()),
            help: "give the step the value is sought in, e.g. `0.01` for pennies".into(),
        });
    }
    let Some(raises) = target.raises_cost() else {
        return Err(SolveError::Unreachable {
            message: format!("the {} does not change what the scheme costs", target.describe()),
            help: "it moves money between the year's instalments only: solve for pounds per point or points".into(),
        });
    };
    let coster = Coster::new(scheme, national, data)
        .map_err(|e| SolveError::Sweep(pay_error("its own values".into(), e)))?;
    let mut runs: BTreeMap<i64, Decimal> = BTreeMap::new();
    let mut total_at = |k: i64| -> Result<Decimal, SolveError> {
        if let Some(t) = runs.get(&k) {
            return Ok(*t);
        }
        let v = Decimal::from(k).saturating_mul(res);
        let mut s = scheme.clone();
        target.apply(&mut s, v).map_err(|m| SolveError::Unreachable {
            message: m,
            help: "try a finer resolution".into(),
        })?;
        let t = coster
            .cost(&s)
            .map_err(|e| SolveError::Sweep(pay_error(format!("`{}`", unit.show(v)), e)))?
            .total;
        runs.insert(k, t);
        Ok(t)
    };
    let floor = |d: Decimal| (d / res).floor().try_into().unwrap_or(0i64);
    let ceil = |d: Decimal| (d / res).ceil().try_into().unwrap_or(0i64);
    let base = target.base(scheme);
    let (kmin, kmax) = match target {
        Target::Upper(i) | Target::Lower(i) => {
            let kind = scheme.indicators.iter().find(|x| &x.id == i).map(|x| x.kind);
            let Some(IndicatorKind::Fraction { lower, upper }) = kind else {
                return Err(SolveError::Unreachable {
                    message: format!("indicator `{i}` has no thresholds"),
                    help: "solve for a fraction indicator's threshold".into(),
                });
            };
            if matches!(target, Target::Upper(_)) {
                (floor(lower) + 1, floor(Decimal::ONE))
            } else {
                (0, ceil(upper) - 1)
            }
        }
        _ => {
            let least = match target {
                Target::Points(i) => scheme
                    .indicators
                    .iter()
                    .find(|x| &x.id == i)
                    .map_or(Decimal::ZERO, |x| x.lower_points),
                _ => Decimal::ZERO,
            };
            let kmin = ceil(least);
            // grow the top of the range until it costs at least the goal
            let mut kmax = ceil(base).max(kmin).max(1);
            let mut tries = 0;
            while total_at(kmax)? < goal {
                tries += 1;
                if tries > 40 {
                    return Err(SolveError::Unreachable {
                        message: format!(
                            "no {} makes scheme `{}` cost £{}: at {} it costs £{}",
                            target.describe(),
                            scheme.id,
                            crate::pay::numeric::money_string(goal),
                            unit.show(Decimal::from(kmax).saturating_mul(res)),
                            crate::pay::numeric::money_string(total_at(kmax)?)
                        ),
                        help: "no practice earns anything that this lever scales: choose another lever".into(),
                    });
                }
                kmax = kmax.saturating_mul(2);
            }
            (kmin, kmax)
        }
    };
    if kmin > kmax {
        return Err(SolveError::Unreachable {
            message: format!(
                "the {} has no value on a grid of {}",
                target.describe(),
                unit.show(res)
            ),
            help: "give a finer resolution".into(),
        });
    }
    // `reached(k)`: the total at k is on the goal's far side (at least the goal for a lever
    // that raises cost, at most for one that lowers it); false then true as k rises.
    let reached = |t: Decimal| if raises { t >= goal } else { t <= goal };
    let (t_lo, t_hi) = (total_at(kmin)?, total_at(kmax)?);
    if !reached(t_hi) || (reached(t_lo) && t_lo != goal) {
        let (cheap, dear) = if raises { (t_lo, t_hi) } else { (t_hi, t_lo) };
        let (vcheap, vdear) = if raises { (kmin, kmax) } else { (kmax, kmin) };
        let v = |k: i64| unit.show(Decimal::from(k).saturating_mul(res));
        return Err(SolveError::Unreachable {
            message: format!(
                "no {} makes scheme `{}` cost £{}: it costs from £{} (at {}) to £{} (at {})",
                target.describe(),
                scheme.id,
                crate::pay::numeric::money_string(goal),
                crate::pay::numeric::money_string(cheap),
                v(vcheap),
                crate::pay::numeric::money_string(dear),
                v(vdear),
            ),
            help: "the goal is outside what this lever can reach: choose another lever, or change a second figure first".into(),
        });
    }
    // first k in (lo, hi] with reached, knowing !reached(lo) or lo itself is exact
    let k = if reached(t_lo) {
        kmin
    } else {
        let (mut lo, mut hi) = (kmin, kmax);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if reached(total_at(mid)?) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    };
    let t = total_at(k)?;
    let mut best = (k, t);
    let mut other = None;
    if t != goal && k > kmin {
        let t2 = total_at(k - 1)?;
        let (d1, d2) = ((t - goal).abs(), (t2 - goal).abs());
        // nearest; on a tie the lower total
        if d2 < d1 || (d2 == d1 && t2 < t) {
            other = Some((k, t));
            best = (k - 1, t2);
        } else {
            other = Some((k - 1, t2));
        }
    }
    let value = Decimal::from(best.0).saturating_mul(res).normalize();
    let base_total = coster.base().total;
    Ok(Solution {
        lever: target.name(),
        label: target.describe(),
        unit,
        base,
        base_total,
        resolution: res,
        goal,
        value,
        shown: unit.show(value),
        total: best.1,
        residual: best.1 - goal,
        exact: best.1 == goal,
        other_side: other.map(|(k, t)| {
            let v = Decimal::from(k).saturating_mul(res).normalize();
            Neighbour { value: v, shown: unit.show(v), total: t }
        }),
        pay_runs: runs.len() + 1,
    })
}
