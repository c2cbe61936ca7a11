//! What a payment run reports. Field names are part of the JSON contract (see
//! `docs/money.md`): money is a decimal string with at least two places, points and
//! achievement are exact decimal strings (achievement a fraction 0-1, `null` when undefined).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Serialize;

use super::national::NationalReport;
use super::numeric::{ser_dec, ser_money, ser_opt_dec, ExactSum};

/// The whole report of a payment run.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PayResult<'a> {
    /// Which scheme.
    pub scheme: SchemeInfo<'a>,
    /// The national figures used, and where they came from.
    pub national: NationalReport,
    /// One entry per practice, in input order.
    pub practices: Vec<PracticeResult<'a>>,
    /// One entry per network with network indicators, by network code.
    pub networks: Vec<NetworkResult<'a>>,
    /// Scheme totals.
    pub total: Total,
    /// Data problems met on the way, counted (not serialized when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub warnings: Vec<PayWarning>,
}

/// The `scheme` block.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SchemeInfo<'a> {
    /// Scheme id.
    pub id: &'a str,
    /// Scheme title.
    pub title: &'a str,
    /// Payment period end date, `YYYY-MM-DD`.
    pub period_end: String,
}

/// One practice's result.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PracticeResult<'a> {
    /// Practice code.
    pub practice_id: &'a str,
    /// Network code, if any.
    pub network_id: Option<&'a str>,
    /// TOTAL list size, if known.
    pub list_size: Option<u32>,
    /// Sum of the indicators' points achieved this year (historic lines excluded).
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points: Decimal,
    /// Sum of the rounded payments of the indicator and historic lines plus gateway payments.
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment: Decimal,
    /// Contractor population index used (list size / national average), `null` if unknown.
    #[serde(serialize_with = "ser_opt_dec")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub cpi: Option<Decimal>,
    /// Per prevalence-adjusted group (in scheme order): the practice's prevalence and APDF.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub groups: Vec<GroupFactor<'a>>,
    /// Per indicator (in scheme order), then historic lines.
    pub indicators: Vec<IndicatorResult<'a>>,
    /// Gateways met or not, and what they paid.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub gateways: Vec<GatewayResult<'a>>,
    /// Tiers unlocked or not, and what they paid.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub tiers: Vec<TierResult<'a>>,
    /// Obligations met or not (never paid).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub obligations: Vec<ObligationResult<'a>>,
    /// Aspiration and balancing payments, when the scheme has them and the practice has the
    /// previous year's figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub aspiration: Option<AspirationResult<'a>>,
}

/// A prevalence-adjusted group at one practice or network: the figures behind its APDF.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupFactor<'a> {
    /// Group code.
    pub group: &'a str,
    /// The register, if known.
    pub register: Option<u64>,
    /// The list size of the group's list type, if known.
    pub list_size: Option<u64>,
    /// register / list size, a fraction 0-1 (`null` when either is unknown or the list is 0).
    #[serde(serialize_with = "ser_opt_dec")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub prevalence: Option<Decimal>,
    /// Adjusted practice disease factor: prevalence / national prevalence (0 when unknown),
    /// rounded per the scheme.
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub apdf: Decimal,
}

/// One indicator's figures summed over every practice of a run (networks' lines not
/// included), from [`crate::pay::pay_totals`]: counts as whole numbers, points and pounds as
/// exact sums (rounded once, by [`ExactSum::value`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndicatorTotal<'a> {
    /// Indicator id.
    pub id: &'a str,
    /// Sum of the practices' registers for the indicator's group.
    pub register: u64,
    /// Sum of the denominators.
    pub denominator: u64,
    /// Sum of the numerators.
    pub numerator: u64,
    /// Sum of the PCAs.
    pub pcas: u64,
    /// Sum of the points.
    pub points: ExactSum,
    /// Sum of the (rounded) payments.
    pub payment: ExactSum,
}

impl<'a> IndicatorTotal<'a> {
    /// Adds one practice's (or network's) line.
    pub fn add(&mut self, l: &IndicatorResult<'_>) {
        let counts = [l.register.unwrap_or(0), l.denominator, l.numerator, l.pcas];
        self.add_figures(counts, l.points, l.payment);
    }

    /// Adds one practice's figures: register, denominator, numerator and PCAs, points, payment.
    #[inline]
    pub fn add_figures(&mut self, counts: [u32; 4], points: Decimal, payment: Decimal) {
        let [register, denominator, numerator, pcas] = counts;
        self.register += u64::from(register);
        self.denominator += u64::from(denominator);
        self.numerator += u64::from(numerator);
        self.pcas += u64::from(pcas);
        self.points.add(points);
        self.payment.add(payment);
    }

    /// Adds the totals of other practices of the same indicator.
    pub fn merge(&mut self, other: &IndicatorTotal<'_>) {
        self.register += other.register;
        self.denominator += other.denominator;
        self.numerator += other.numerator;
        self.pcas += other.pcas;
        self.points.merge(&other.points);
        self.payment.merge(&other.payment);
    }
}

/// One indicator (or historic line) of one practice or network.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndicatorResult<'a> {
    /// Indicator id (or historic item id).
    pub id: &'a str,
    /// Group code (empty for a historic item that is not a group).
    pub group: &'a str,
    /// `boolean`, `fraction`, `attested`, or `historic` for a historic line.
    #[cfg_attr(test, ts(type = r#""boolean" | "fraction" | "attested" | "historic""#))]
    pub kind: &'static str,
    /// Maximum points (0 for historic lines).
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub max_points: Decimal,
    /// Register of the indicator's group, if known.
    pub register: Option<u32>,
    /// Denominator.
    pub denominator: u32,
    /// Numerator.
    pub numerator: u32,
    /// Personalised care adjustments.
    pub pcas: u32,
    /// PCAs by category.
    pub pcas_by_category: Cow<'a, BTreeMap<String, u32>>,
    /// Achievement, a fraction 0-1; `null` when the denominator is 0 (fraction indicators)
    /// and for historic lines.
    #[serde(serialize_with = "ser_opt_dec")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub achievement: Option<Decimal>,
    /// Points achieved this year (historic lines: the historic points paid on, or 0).
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points: Decimal,
    /// Payment, rounded per the scheme (to the penny by default).
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment: Decimal,
    /// Which model paid it: `performance`, `historic 2016/17`, `higher of: ...`, or why it
    /// paid nothing (a locked tier, a monitored indicator).
    pub paid_on: Arc<str>,
    /// Payment strata, each scored on its own (empty for ordinary indicators).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub strata: Vec<StratumResult<'a>>,
}

/// One payment stratum of an indicator.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StratumResult<'a> {
    /// Stratum id.
    pub id: &'a str,
    /// The stratum's maximum points.
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub max_points: Decimal,
    /// Denominator.
    pub denominator: u32,
    /// Numerator.
    pub numerator: u32,
    /// PCAs.
    pub pcas: u32,
    /// Achievement, `null` when the denominator is 0.
    #[serde(serialize_with = "ser_opt_dec")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub achievement: Option<Decimal>,
    /// Points.
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points: Decimal,
}

/// A tier at one practice.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TierResult<'a> {
    /// Tier id.
    pub id: &'a str,
    /// Every gateway and tier it requires is met or unlocked.
    pub unlocked: bool,
    /// One-off payment (0 when locked).
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment: Decimal,
}

/// A gateway at one practice.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GatewayResult<'a> {
    /// Gateway id.
    pub id: &'a str,
    /// All required items attested.
    pub met: bool,
    /// One-off payment (0 when not met).
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment: Decimal,
}

/// An obligation at one practice.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObligationResult<'a> {
    /// Obligation id.
    pub id: &'a str,
    /// Attested as met.
    pub met: bool,
}

/// Aspiration and balancing payments of one practice.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AspirationResult<'a> {
    /// The previous year the aspiration is based on.
    pub year: &'a str,
    /// The share, a fraction 0-1.
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub share: Decimal,
    /// Aspiration payment for the year (paid in monthly instalments).
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub aspiration: Decimal,
    /// One monthly instalment: aspiration / 12, rounded like payments.
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub monthly: Decimal,
    /// Year-end balancing payment: the year's payment minus the aspiration (may be negative).
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub balancing: Decimal,
}

/// One network's result: its network indicators, and what its practices earned.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetworkResult<'a> {
    /// Network code.
    pub network_id: &'a str,
    /// Number of practices in the network.
    pub practices: usize,
    /// Sum of the practices' TOTAL list sizes.
    pub list_size: u64,
    /// Contractor population index of the network (its list size / national average), when
    /// it has network indicators; `null` otherwise or if unknown.
    #[serde(serialize_with = "ser_opt_dec")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub cpi: Option<Decimal>,
    /// Per prevalence-adjusted group of its network indicators: prevalence and APDF.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub groups: Vec<GroupFactor<'a>>,
    /// Points of the network indicators.
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points: Decimal,
    /// Payment of the network indicators.
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment: Decimal,
    /// Sum of the member practices' payments.
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub practice_payment: Decimal,
    /// What the network receives: `payment`, plus `practice_payment` when the scheme pays
    /// practices' earnings to their networks.
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub receives: Decimal,
    /// The network indicators.
    pub indicators: Vec<IndicatorResult<'a>>,
}

/// Scheme totals: every practice's payment plus every network indicator's (practices' earnings
/// paid to networks are counted once).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Total {
    /// All points.
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points: Decimal,
    /// All money.
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment: Decimal,
}

/// A data problem, counted over practices.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PayWarning {
    /// What happened and what was assumed.
    pub message: String,
    /// How many practices it affected.
    pub practices: usize,
    /// The first practice affected.
    pub example: String,
}

impl std::fmt::Display for PayWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} practices, e.g. {})", self.message, self.practices, self.example)
    }
}

/// One indicator's figures summed over every practice and network of a run, as the editor's
/// results table shows them: counts as whole numbers, points and pounds as exact sums of the
/// lines (rounded once, by [`ExactSum::value`]), so the page formats and never adds money.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndicatorSum {
    /// Indicator id (or historic item id).
    pub id: String,
    /// Group code.
    pub group: String,
    /// `boolean`, `fraction`, `attested` or `historic`, as the lines say.
    #[cfg_attr(test, ts(type = r#""boolean" | "fraction" | "attested" | "historic""#))]
    pub kind: &'static str,
    /// Maximum points, as the first line says.
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub max_points: Decimal,
    /// Sum of the denominators.
    pub denominator: u64,
    /// Sum of the numerators.
    pub numerator: u64,
    /// Sum of the PCAs.
    pub pcas: u64,
    /// Sum of the points.
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub points: Decimal,
    /// `points` over the number of practices, to 2 places (half away from zero); `null`
    /// when the run has no practices.
    #[serde(serialize_with = "ser_opt_dec")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub average_points: Option<Decimal>,
    /// Sum of the (rounded) payments.
    #[serde(serialize_with = "ser_money")]
    #[cfg_attr(test, ts(type = "string"))]
    pub payment: Decimal,
}

/// Every indicator of `r` summed over its practices' and networks' lines, in the order the
/// lines first name them (scheme order, then historic items, then network indicators).
pub fn indicator_sums(r: &PayResult<'_>) -> Vec<IndicatorSum> {
    let mut order: Vec<(&IndicatorResult<'_>, IndicatorTotal<'_>)> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let lines = r.practices.iter().flat_map(|p| &p.indicators);
    for l in lines.chain(r.networks.iter().flat_map(|n| &n.indicators)) {
        let k = *index.entry(l.id).or_insert_with(|| {
            order.push((l, IndicatorTotal { id: l.id, ..IndicatorTotal::default() }));
            order.len() - 1
        });
        order[k].1.add(l);
    }
    let practices = Decimal::from(r.practices.len());
    order
        .into_iter()
        .map(|(first, t)| {
            let points = t.points.value();
            let average_points = points.checked_div(practices).map(|a| {
                a.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            });
            IndicatorSum {
                id: first.id.to_owned(),
                group: first.group.to_owned(),
                kind: first.kind,
                max_points: first.max_points,
                denominator: t.denominator,
                numerator: t.numerator,
                pcas: t.pcas,
                points,
                average_points,
                payment: t.payment.value(),
            }
        })
        .collect()
}
