//! Levers: the one figure of a scheme a sweep varies (`DM020.upper`, `DM020.points`,
//! `DM.points`, `pounds_per_point`, `aspiration`), their values as written on the command line
//! (`60%..90% step 5%`, `180,190,200`), and how a value is put into a [`PayScheme`].
//!
//! Every lever is a payment lever: thresholds, points, the point value and the aspiration
//! share are read only by the pay phase, so a sweep never evaluates a population again.

use crate::pay::numeric::{div, mul_sat};
use crate::pay::{IndicatorKind, PayScheme};
use rust_decimal::Decimal;
use serde::Serialize;
use std::str::FromStr;

/// The most values one lever may take (a guard against `0%..100% step 0.0001%`).
pub const MAX_VALUES: usize = 10_000;

/// What a lever moves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// An indicator's upper threshold (a fraction 0-1).
    Upper(String),
    /// An indicator's lower threshold (a fraction 0-1).
    Lower(String),
    /// An indicator's maximum points.
    Points(String),
    /// A group's points: the sum of its indicators' maximum points; each indicator (its points
    /// at the lower threshold and its strata too) is scaled in proportion.
    GroupPoints(String),
    /// Pounds per point.
    PoundsPerPoint,
    /// The aspiration share (a fraction 0-1).
    AspirationShare,
}

/// How a lever's values are written and shown.
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "SweepUnit"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A fraction written and shown as a percentage (`75%` is 0.75).
    Percent,
    /// Points.
    Points,
    /// Pounds (`£187.74` or `187.74`).
    Pounds,
}

impl Target {
    /// The lever's name as written: `DM020.upper`, `DM.points`, `pounds_per_point`...
    pub fn name(&self) -> String {
        match self {
            Target::Upper(i) => format!("{i}.upper"),
            Target::Lower(i) => format!("{i}.lower"),
            Target::Points(i) | Target::GroupPoints(i) => format!("{i}.points"),
            Target::PoundsPerPoint => "pounds_per_point".into(),
            Target::AspirationShare => "aspiration".into(),
        }
    }

    /// A phrase for reports: `DM020 upper threshold`, `DM group points`...
    pub fn describe(&self) -> String {
        match self {
            Target::Upper(i) => format!("{i} upper threshold"),
            Target::Lower(i) => format!("{i} lower threshold"),
            Target::Points(i) => format!("{i} points"),
            Target::GroupPoints(g) => format!("{g} group points"),
            Target::PoundsPerPoint => "pounds per point".into(),
            Target::AspirationShare => "aspiration share".into(),
        }
    }

    pub fn unit(&self) -> Unit {
        match self {
            Target::Upper(_) | Target::Lower(_) | Target::AspirationShare => Unit::Percent,
            Target::Points(_) | Target::GroupPoints(_) => Unit::Points,
            Target::PoundsPerPoint => Unit::Pounds,
        }
    }

    /// Whether a higher value never lowers the scheme's total (points, pounds per point), or
    /// never raises it (thresholds); `None` when the lever does not move the total (the
    /// aspiration share moves only when money is paid).
    pub fn raises_cost(&self) -> Option<bool> {
        match self {
            Target::Upper(_) | Target::Lower(_) => Some(false),
            Target::Points(_) | Target::GroupPoints(_) | Target::PoundsPerPoint => Some(true),
            Target::AspirationShare => None,
        }
    }

    /// Parses a lever's name against a scheme: an indicator's `upper`, `lower` or `points`, a
    /// group's `points`, `pounds_per_point` (or `point_value`), `aspiration`.
    pub fn parse(text: &str, scheme: &PayScheme) -> Result<Target, LeverError> {
        let t = text.trim();
        match t.to_ascii_lowercase().as_str() {
            "pounds_per_point" | "point_value" | "£/point" => return Ok(Target::PoundsPerPoint),
            "aspiration" | "aspiration_share" => {
                return match scheme.aspiration {
                    Some(_) => Ok(Target::AspirationShare),
                    None => Err(LeverError::new(
                        format!("scheme `{}` has no aspiration payments", scheme.id),
                        "vary `aspiration` in a scheme whose header says `aspiration N%`",
                    )),
                };
            }
            _ => {}
        }
        let Some((name, field)) = t.rsplit_once('.') else {
            return Err(LeverError::new(
                format!("unknown lever `{t}`"),
                "levers are `IND.upper`, `IND.lower`, `IND.points`, `GROUP.points`, `pounds_per_point` and `aspiration`",
            ));
        };
        let indicator = scheme.indicators.iter().find(|i| i.id == name);
        let group = scheme.groups.iter().any(|g| g.id == name)
            && scheme.indicators.iter().any(|i| i.group == name);
        let field = field.to_ascii_lowercase();
        let target = match (field.as_str(), indicator, group) {
            ("upper", Some(_), _) => Target::Upper(name.to_string()),
            ("lower", Some(_), _) => Target::Lower(name.to_string()),
            ("points", Some(_), _) => Target::Points(name.to_string()),
            ("points", None, true) => Target::GroupPoints(name.to_string()),
            ("upper" | "lower", None, true) => {
                return Err(LeverError::new(
                    format!("`{name}` is a group: it has no thresholds of its own"),
                    format!("vary one indicator's threshold (`{name}NNN.{field}`) or the group's `{name}.points`"),
                ))
            }
            ("upper" | "lower" | "points", None, false) => {
                return Err(LeverError::new(
                    format!("scheme `{}` has no indicator or group `{name}`", scheme.id),
                    "name an indicator (`DM020.upper`) or a group (`DM.points`) of the scheme",
                ))
            }
            _ => {
                return Err(LeverError::new(
                    format!("unknown lever `{field}` in `{t}`"),
                    "an indicator's levers are `upper`, `lower` and `points`; a group's, `points`",
                ))
            }
        };
        // a threshold lever needs a fraction indicator scored on its own thresholds
        if let Target::Upper(i) | Target::Lower(i) = &target {
            let ind = scheme.indicators.iter().find(|x| &x.id == i);
            match ind {
                Some(ind) if !matches!(ind.kind, IndicatorKind::Fraction { .. }) => {
                    return Err(LeverError::new(
                        format!(
                            "indicator `{i}` has no thresholds: it is not a fraction indicator"
                        ),
                        format!("vary its points instead (`{i}.points`)"),
                    ))
                }
                Some(ind) if !ind.strata.is_empty() => {
                    return Err(LeverError::new(
                        format!(
                        "indicator `{i}` is scored per payment stratum, each on its own thresholds"
                    ),
                        format!("vary its points (`{i}.points`) or its group's points"),
                    ))
                }
                _ => {}
            }
        }
        if let Target::Points(i) = &target {
            if scheme.indicators.iter().any(|x| &x.id == i && !x.strata.is_empty()) {
                let g = scheme.indicators.iter().find(|x| &x.id == i).map_or("", |x| &x.group);
                return Err(LeverError::new(
                    format!("indicator `{i}` is scored per payment stratum, each with its own points"),
                    format!("vary its group's points (`{g}.points`), which scales every stratum in proportion"),
                ));
            }
        }
        Ok(target)
    }

    /// The lever's value in `scheme` (for a group, the sum of its indicators' points).
    pub fn base(&self, scheme: &PayScheme) -> Decimal {
        let ind = |i: &str| scheme.indicators.iter().find(|x| x.id == i);
        match self {
            Target::Upper(i) => match ind(i).map(|x| x.kind) {
                Some(IndicatorKind::Fraction { upper, .. }) => upper,
                _ => Decimal::ZERO,
            },
            Target::Lower(i) => match ind(i).map(|x| x.kind) {
                Some(IndicatorKind::Fraction { lower, .. }) => lower,
                _ => Decimal::ZERO,
            },
            Target::Points(i) => ind(i).map_or(Decimal::ZERO, |x| x.max_points),
            Target::GroupPoints(g) => group_points(scheme, g),
            Target::PoundsPerPoint => scheme.pound_per_point,
            Target::AspirationShare => {
                scheme.aspiration.as_ref().map_or(Decimal::ZERO, |a| a.share)
            }
        }
    }

    /// Puts `value` into `scheme`; an error says why the value cannot be (a threshold at or
    /// beyond the other, negative points, fewer points than those at the lower threshold).
    pub fn apply(&self, scheme: &mut PayScheme, value: Decimal) -> Result<(), String> {
        let shown = self.unit().show(value);
        if value < Decimal::ZERO {
            return Err(format!("`{}={shown}` is negative", self.name()));
        }
        match self {
            Target::Upper(i) | Target::Lower(i) => {
                let ind = scheme.indicators.iter_mut().find(|x| &x.id == i);
                let Some(ind) = ind else { return Err(format!("no indicator `{i}`")) };
                let IndicatorKind::Fraction { lower, upper } = &mut ind.kind else {
                    return Err(format!("indicator `{i}` has no thresholds"));
                };
                if value > Decimal::ONE {
                    return Err(format!("`{}={shown}` is above 100%", self.name()));
                }
                if matches!(self, Target::Upper(_)) {
                    if value <= *lower {
                        return Err(format!(
                            "`{}={shown}` is not above the lower threshold, {}",
                            self.name(),
                            Unit::Percent.show(*lower)
                        ));
                    }
                    *upper = value;
                } else {
                    if value >= *upper {
                        return Err(format!(
                            "`{}={shown}` is not below the upper threshold, {}",
                            self.name(),
                            Unit::Percent.show(*upper)
                        ));
                    }
                    *lower = value;
                }
            }
            Target::Points(i) => {
                let ind = scheme.indicators.iter_mut().find(|x| &x.id == i);
                let Some(ind) = ind else { return Err(format!("no indicator `{i}`")) };
                if value < ind.lower_points {
                    return Err(format!(
                        "`{}={shown}` is fewer than the {} points it pays at its lower threshold",
                        self.name(),
                        ind.lower_points.normalize()
                    ));
                }
                ind.max_points = value;
            }
            Target::GroupPoints(g) => {
                let old = group_points(scheme, g);
                if old.is_zero() {
                    return Err(format!(
                        "group `{g}` carries no points, so there is nothing to scale"
                    ));
                }
                let scale = |p: Decimal| div(mul_sat(p, value), old).unwrap_or(Decimal::ZERO);
                for ind in scheme.indicators.iter_mut().filter(|x| &x.group == g) {
                    ind.lower_points = scale(ind.lower_points);
                    if ind.strata.is_empty() {
                        ind.max_points = scale(ind.max_points);
                    } else {
                        let mut sum = Decimal::ZERO;
                        for st in &mut ind.strata {
                            st.max_points = scale(st.max_points);
                            st.lower_points = scale(st.lower_points);
                            sum = sum.saturating_add(st.max_points);
                        }
                        ind.max_points = sum;
                    }
                }
            }
            Target::PoundsPerPoint => scheme.pound_per_point = value,
            Target::AspirationShare => {
                if value > Decimal::ONE {
                    return Err(format!("`{}={shown}` is above 100%", self.name()));
                }
                if let Some(a) = &mut scheme.aspiration {
                    a.share = value;
                }
            }
        }
        Ok(())
    }
}

/// The sum of the maximum points of a group's indicators.
pub fn group_points(scheme: &PayScheme, group: &str) -> Decimal {
    scheme
        .indicators
        .iter()
        .filter(|x| x.group == group)
        .fold(Decimal::ZERO, |a, x| a.saturating_add(x.max_points))
}

impl Unit {
    /// A value as written: `75%`, `17`, `£187.74`.
    pub fn show(self, v: Decimal) -> String {
        match self {
            Unit::Percent => format!("{}%", (v * Decimal::ONE_HUNDRED).normalize()),
            Unit::Points => v.normalize().to_string(),
            Unit::Pounds => format!("£{}", crate::pay::numeric::money_string(v)),
        }
    }

    /// Parses one value: percentages need `%`; pounds may start with `£`.
    pub fn parse(self, text: &str) -> Result<Decimal, LeverError> {
        let t = text.trim();
        let (number, percent) = match t.strip_suffix('%') {
            Some(n) => (n.trim(), true),
            None => (t, false),
        };
        let number = match self {
            Unit::Pounds => number.strip_prefix('£').unwrap_or(number).trim(),
            _ => number,
        };
        let bad = || {
            LeverError::new(
                format!("`{t}` is not a number"),
                match self {
                    Unit::Percent => "write a percentage, e.g. `75%` or `72.5%`",
                    Unit::Points => "write points as a number, e.g. `17` or `12.5`",
                    Unit::Pounds => "write pounds as a number, e.g. `187.74` or `£187.74`",
                },
            )
        };
        if number.is_empty() || number.contains(['e', 'E', '_']) {
            return Err(bad());
        }
        let d = Decimal::from_str(number).map_err(|_| bad())?;
        match (self, percent) {
            (Unit::Percent, true) => Ok(d / Decimal::ONE_HUNDRED),
            (Unit::Percent, false) => Err(LeverError::new(
                format!("`{t}` has no `%`"),
                format!("thresholds and shares are percentages: write `{t}%`"),
            )),
            (_, true) => Err(LeverError::new(
                format!("`{t}` is a percentage, but this lever is in {}", self.noun()),
                "write the value itself, e.g. `20` points or `£190`",
            )),
            _ => Ok(d),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Unit::Percent => "percent",
            Unit::Points => "points",
            Unit::Pounds => "pounds",
        }
    }
}

/// A lever with its values, as `--vary` gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lever {
    pub target: Target,
    /// The values, in the order written (a range ascending).
    pub values: Vec<Decimal>,
}

impl Lever {
    /// Parses `TARGET=VALUES` against a scheme, and checks every value can be put into it.
    /// VALUES is `A..B step S` (both ends included when the steps reach `B`), `A,B,C` or `A`.
    pub fn parse(spec: &str, scheme: &PayScheme) -> Result<Lever, LeverError> {
        let lever = Lever::parse_unchecked(spec, scheme)?;
        lever.check(scheme)?;
        Ok(lever)
    }

    /// Parses the levers of one sweep (one, or two for a grid) and checks every value, and
    /// for two levers every pair: the same figure cannot be varied twice, nor a group's
    /// points with one of its indicators' points (which would come first?); an indicator's
    /// two thresholds are checked pair by pair (each lower below each upper).
    pub fn parse_all(specs: &[&str], scheme: &PayScheme) -> Result<Vec<Lever>, LeverError> {
        if specs.is_empty() || specs.len() > 2 {
            return Err(LeverError::new(
                format!("a sweep takes one or two levers, not {}", specs.len()),
                "one lever draws a cost curve, two a grid",
            ));
        }
        let levers = specs
            .iter()
            .map(|s| Lever::parse_unchecked(s, scheme))
            .collect::<Result<Vec<_>, _>>()?;
        let [a, b] = levers.as_slice() else {
            levers[0].check(scheme)?;
            return Ok(levers);
        };
        if a.target == b.target {
            return Err(LeverError::new(
                format!("`{}` is varied twice", a.target.name()),
                "a grid varies two different levers",
            ));
        }
        let in_group =
            |g: &str, i: &str| scheme.indicators.iter().any(|x| x.id == i && x.group == g);
        match (&a.target, &b.target) {
            (Target::GroupPoints(g), Target::Points(i)) | (Target::Points(i), Target::GroupPoints(g))
                if in_group(g, i) =>
            {
                return Err(LeverError::new(
                    format!("`{}` and `{}` both move `{i}`'s points", a.target.name(), b.target.name()),
                    format!("vary `{g}.points` (every indicator of the group in proportion) or `{i}.points`, not both"),
                ))
            }
            (Target::Upper(i), Target::Lower(j)) | (Target::Lower(j), Target::Upper(i)) if i == j => {
                let (uppers, lowers) = if matches!(a.target, Target::Upper(_)) {
                    (&a.values, &b.values)
                } else {
                    (&b.values, &a.values)
                };
                for (t, vs) in [(Target::Upper(i.clone()), uppers), (Target::Lower(i.clone()), lowers)] {
                    if let Some(v) = vs.iter().find(|v| **v > Decimal::ONE || **v < Decimal::ZERO) {
                        return Err(LeverError::new(
                            format!("`{}={}` is outside 0% to 100%", t.name(), Unit::Percent.show(*v)),
                            "thresholds are between 0% and 100%",
                        ));
                    }
                }
                for u in uppers {
                    if let Some(l) = lowers.iter().find(|l| *l >= u) {
                        return Err(LeverError::new(
                            format!(
                                "`{i}.lower={}` is not below `{i}.upper={}`",
                                Unit::Percent.show(*l),
                                Unit::Percent.show(*u)
                            ),
                            "every lower threshold of the grid must be below every upper one: narrow one of the ranges",
                        ));
                    }
                }
            }
            _ => {
                a.check(scheme)?;
                b.check(scheme)?;
            }
        }
        Ok(levers)
    }

    /// Checks that every value can be put into `scheme` as it is.
    fn check(&self, scheme: &PayScheme) -> Result<(), LeverError> {
        let mut probe = scheme.clone();
        for &v in &self.values {
            self.target.apply(&mut probe, v).map_err(|m| {
                LeverError::new(m, "leave this value out of the range, or vary the other threshold too, as a second lever")
            })?;
        }
        Ok(())
    }

    fn parse_unchecked(spec: &str, scheme: &PayScheme) -> Result<Lever, LeverError> {
        let Some((name, values)) = spec.split_once('=') else {
            return Err(LeverError::new(
                format!("`{}` gives no values", spec.trim()),
                "write `LEVER=VALUES`, e.g. `DM020.upper=60%..90% step 5%` or `pounds_per_point=180,190,200`",
            ));
        };
        let target = Target::parse(name, scheme)?;
        let unit = target.unit();
        // a group's points may be written as a share of its points now: `DM.points=90%..110% step 5%`
        let mut values = match target {
            Target::GroupPoints(_) if values.contains('%') => {
                let base = target.base(scheme);
                parse_values(values, Unit::Percent)?
                    .into_iter()
                    .map(|v| mul_sat(base, v).normalize())
                    .collect()
            }
            _ => parse_values(values, unit)?,
        };
        if values.is_empty() {
            return Err(LeverError::new(
                format!("`{}` gives no values", spec.trim()),
                "write `A..B step S`, `A,B,C` or one value",
            ));
        }
        if values.len() > MAX_VALUES {
            return Err(LeverError::new(
                format!("`{}` gives {} values", spec.trim(), values.len()),
                format!("a lever takes at most {MAX_VALUES} values: use a larger step"),
            ));
        }
        values.dedup();
        Ok(Lever { target, values })
    }
}

/// Parses `A..B step S`, `A,B,C` or `A`.
fn parse_values(text: &str, unit: Unit) -> Result<Vec<Decimal>, LeverError> {
    let text = text.trim();
    if let Some((from, rest)) = text.split_once("..") {
        let (to, step) = match rest.split_once("step") {
            Some((to, step)) => (to, Some(step)),
            None => (rest, None),
        };
        let Some(step) = step else {
            return Err(LeverError::new(
                format!("the range `{text}` has no step"),
                format!("add one, e.g. `{} step {}`", text, unit.show(example_step(unit))),
            ));
        };
        let (from, to, step) = (unit.parse(from)?, unit.parse(to)?, unit.parse(step)?);
        if step <= Decimal::ZERO {
            return Err(LeverError::new(
                format!("the step of `{text}` is not positive"),
                "a range goes up from its first value by a positive step",
            ));
        }
        if to < from {
            return Err(LeverError::new(
                format!("the range `{text}` goes down"),
                "write the lower value first",
            ));
        }
        let mut out = Vec::new();
        let mut v = from;
        while v <= to {
            out.push(v);
            if out.len() > MAX_VALUES {
                break;
            }
            v = v.saturating_add(step);
        }
        return Ok(out);
    }
    text.split(',').map(|v| unit.parse(v)).collect()
}

fn example_step(unit: Unit) -> Decimal {
    match unit {
        Unit::Percent => Decimal::new(5, 2),
        Unit::Points => Decimal::ONE,
        Unit::Pounds => Decimal::ONE,
    }
}

/// A lever that cannot be read or applied: a message and a hint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LeverError {
    pub message: String,
    pub help: String,
}

impl LeverError {
    pub fn new(message: impl Into<String>, help: impl Into<String>) -> LeverError {
        LeverError { message: message.into(), help: help.into() }
    }
}
