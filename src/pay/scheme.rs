//! What the pay phase is told about a scheme: its indicators, groups, payment model,
//! gateways, tiers, obligations and numeric policy. The rules compiler maps a checked scheme
//! into these types; tests and tools may build them by hand.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::PayError;
use super::numeric::Rounding;
use crate::date::Date;

/// A scheme, as the pay phase sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct PayScheme {
    /// Identifier, e.g. `qof_2019_20`.
    pub id: String,
    /// Title, e.g. `Quality and Outcomes Framework 2019/20 (England)`.
    pub title: String,
    /// Payment period end date (31 March for QOF).
    pub period_end: Date,
    /// Pounds per point, e.g. 187.74 for 2019/20.
    pub pound_per_point: Decimal,
    /// What is rounded, where, and how.
    pub rounding: Rounding,
    /// What a zero denominator scores.
    pub zero_denominator: ZeroDenominator,
    /// The groups (registers and other indicator groups) indicators belong to.
    pub groups: Vec<PayGroup>,
    /// The paid (and network) indicators.
    pub indicators: Vec<PayIndicator>,
    /// How indicators are paid.
    pub model: PaymentModel,
    /// Gateways: one-off payments that also unlock tiers.
    pub gateways: Vec<Gateway>,
    /// Tiers of indicators that pay only when their gateways are met.
    pub tiers: Vec<Tier>,
    /// Obligations: assured, reported met or unmet, never paid.
    pub obligations: Vec<Obligation>,
    /// Monthly aspiration payments on a previous year's achievement, if the scheme has them.
    pub aspiration: Option<Aspiration>,
    /// Practices' earnings are paid to their networks (Tower Hamlets: QOF money paid via
    /// networks, allocated by network agreement). Practice results still show what each
    /// practice earned; each network's result shows what it receives.
    pub paid_to_networks: bool,
}

impl PayScheme {
    /// A scheme with no indicators, paid on performance, with the default rounding and zero
    /// denominator policy. Fill the fields in afterwards.
    pub fn new(id: &str, title: &str, period_end: Date, pound_per_point: Decimal) -> PayScheme {
        PayScheme {
            id: id.to_string(),
            title: title.to_string(),
            period_end,
            pound_per_point,
            rounding: Rounding::default(),
            zero_denominator: ZeroDenominator::default(),
            groups: Vec::new(),
            indicators: Vec::new(),
            model: PaymentModel::Performance,
            gateways: Vec::new(),
            tiers: Vec::new(),
            obligations: Vec::new(),
            aspiration: None,
            paid_to_networks: false,
        }
    }
}

/// What an indicator whose denominator is zero scores. QOF's published figures are silent;
/// the scheme must choose, and the default is [`ZeroDenominator::NoPoints`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroDenominator {
    /// Achievement is undefined (reported as `null`) and scores no points. The default: points
    /// are paid for care delivered, and a prevalence-adjusted group with an empty register
    /// pays nothing anyway (its APDF is 0).
    #[default]
    NoPoints,
    /// Full points when nobody was eligible: denominator 0 *and* no personalised care
    /// adjustments (so a practice cannot score by adjusting every patient out). Otherwise as
    /// `NoPoints`.
    FullPointsIfNoEligible,
    /// Full points whenever the denominator is 0.
    FullPoints,
}

/// A group of indicators: a clinical register (DM, AF...) or another group (BP, CS, SMOK, PS).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayGroup {
    /// Group code, e.g. `DM`.
    pub id: String,
    /// Whether payments are prevalence-adjusted (APDF); `false` for groups such as BP, CS,
    /// SMOK and the QI groups (`NO_PREVALENCE_FLAG` in NHS Digital's control file).
    pub prevalence_adjusted: bool,
    /// The patient list type the group's prevalence is measured on: `TOTAL`, `17OV`...
    pub list_type: String,
}

/// An indicator, as the pay phase sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct PayIndicator {
    /// Indicator code, e.g. `DM020`.
    pub id: String,
    /// The group's code; must name one of [`PayScheme::groups`].
    pub group: String,
    /// How achievement turns into points.
    pub kind: IndicatorKind,
    /// Maximum points.
    pub max_points: Decimal,
    /// Measured over the network (sum of its practices' counts) and paid to the network.
    pub network: bool,
    /// The tier it belongs to, if any (it then pays only when the tier is unlocked).
    pub tier: Option<String>,
    /// Monitored, not paid: scored and reported, paid £0, left out of the practice's points.
    pub monitored: bool,
    /// Payment strata: one target per stratum, each scored on its own counts (see
    /// [`stratum_column`]); the indicator's points are the sum of its strata's. Empty for an
    /// ordinary indicator. Only for `Fraction` indicators, whose own thresholds are then unused.
    pub strata: Vec<PayStratum>,
    /// For a `Fraction` indicator: the points earned on reaching the lower threshold (0: the
    /// usual linear scale from nothing at the lower threshold). See
    /// [`super::points::stepped_fraction_points`].
    pub lower_points: Decimal,
}

impl PayIndicator {
    /// An ordinary practice-level indicator: no tier, not monitored, no strata.
    pub fn new(id: &str, group: &str, kind: IndicatorKind, max_points: Decimal) -> PayIndicator {
        PayIndicator {
            id: id.to_string(),
            group: group.to_string(),
            kind,
            max_points,
            network: false,
            tier: None,
            monitored: false,
            strata: Vec::new(),
            lower_points: Decimal::ZERO,
        }
    }
}

/// One payment stratum of an indicator (the review's proposal: one indicator, a target per
/// stratum, e.g. HbA1c <= 58 for the fit and <= 75 for the frail).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayStratum {
    /// Stratum id, e.g. `fit`.
    pub id: String,
    /// Lower threshold, a fraction 0-1.
    pub lower: Decimal,
    /// Upper threshold, a fraction 0-1.
    pub upper: Decimal,
    /// The stratum's share of the indicator's points.
    pub max_points: Decimal,
    /// Points earned on reaching the lower threshold (0: the usual linear scale).
    pub lower_points: Decimal,
}

/// The [`crate::pay::PracticeData`] column id under which a stratum's counts are kept:
/// `INDICATOR/stratum`, e.g. `DM_HBA1C/fit`.
pub fn stratum_column(indicator: &str, stratum: &str) -> String {
    format!("{indicator}/{stratum}")
}

/// How an indicator scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndicatorKind {
    /// All points or none, on the evaluator's verdict ([`super::Counts::achieved`]).
    Boolean,
    /// Numerator / denominator between a lower and an upper threshold, both fractions 0-1
    /// (40% is `0.40`), lower < upper.
    Fraction {
        /// Achievement at or below which no points are scored.
        lower: Decimal,
        /// Achievement at or above which all points are scored.
        upper: Decimal,
    },
    /// All points or none, on the practice's attestation (its id in
    /// [`super::PracticeCounts::attested`]), e.g. the QI modules.
    Attested,
}

impl IndicatorKind {
    /// The name used in reports: `boolean`, `fraction`, `attested`.
    pub fn name(&self) -> &'static str {
        match self {
            IndicatorKind::Boolean => "boolean",
            IndicatorKind::Fraction { .. } => "fraction",
            IndicatorKind::Attested => "attested",
        }
    }
}

/// How an indicator's points become money.
#[derive(Clone, Debug, PartialEq)]
pub enum PaymentModel {
    /// This year's points x pound per point x CPI (x APDF for prevalence-adjusted groups).
    Performance,
    /// A previous year's achievement, per practice and indicator.
    Historic(HistoricModel),
    /// Shares of several models, fractions summing to exactly 1.
    Blend(Vec<BlendShare>),
    /// Per indicator, the highest payment of several models; the excepted indicators are
    /// paid on `except_model` instead (Wales 2018: higher of historic 2016/17 and
    /// performance, except flu on performance).
    HigherOf {
        /// The models compared (at least one).
        models: Vec<PaymentModel>,
        /// Indicator ids paid on `except_model`.
        except: Vec<String>,
        /// The model the excepted indicators are paid on.
        except_model: Box<PaymentModel>,
    },
    /// `model`, except the listed indicators, paid on `except_model` (income protection for a
    /// subset: 2020/21 paid most indicators on 2018/19 achievement and registers, cervical
    /// screening and flu on performance; 2024/25 the reverse for 32 indicators).
    Except {
        /// The model of every other indicator (and of historic items that are not indicators).
        model: Box<PaymentModel>,
        /// Indicator ids paid on `except_model`.
        except: Vec<String>,
        /// The model the excepted indicators are paid on.
        except_model: Box<PaymentModel>,
    },
    /// Per-domain and per-group models (Wales 2017/18: the inactive domain on 2016/17
    /// achievement): each part's indicators are paid on its model, every other indicator (and
    /// historic items that are not indicators) on `model`.
    ByIndicator { model: Box<PaymentModel>, parts: Vec<PaymentPart> },
}

/// The model of one domain's or group's indicators.
#[derive(Clone, Debug, PartialEq)]
pub struct PaymentPart {
    /// What the part pays, as lines say it (`domain inactive`).
    pub label: String,
    /// Indicator ids paid on `model`.
    pub indicators: Vec<String>,
    pub model: PaymentModel,
}

/// Which model pays an indicator of an [`PaymentModel::Except`]: 0 the scheme's, 1 the except
/// model.
pub const EXCEPT_MODEL: usize = 1;

/// One share of a blend.
#[derive(Clone, Debug, PartialEq)]
pub struct BlendShare {
    /// The share, a fraction 0-1 (50% is `0.5`).
    pub share: Decimal,
    /// The model paid at that share.
    pub model: PaymentModel,
}

/// Payment on a previous year's achievement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoricModel {
    /// The year's label, as in the historic data (e.g. `2016/17`).
    pub year: String,
    /// Whether the year's points or pounds are used.
    pub basis: HistoricBasis,
    /// Points only: multiply by this year's CPI (list size adjustment).
    pub adjust_list_size: bool,
    /// Points only: multiply by this year's APDF for prevalence-adjusted groups.
    pub adjust_prevalence: bool,
    /// Also pay historic items that are not indicators of this scheme (their id is a group
    /// code or any other label, e.g. `QOF` for a practice total), each as its own line of
    /// kind `historic`. Somerset pays on 2012/13 achievement though it pays no indicators.
    /// Not allowed inside `HigherOf`, where there is nothing to compare them with.
    pub pay_unmatched_items: bool,
}

/// Which figure of a historic year is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoricBasis {
    /// The year's achieved points, repriced at this year's pound per point (and adjusted for
    /// list size and prevalence if the model says so).
    Points,
    /// The year's pounds, paid as they were (no adjustment is possible: use points for that).
    Pounds,
}

/// A gateway: met when the practice has attested every required item; pays a one-off amount
/// and unlocks the tiers that require it.
#[derive(Clone, Debug, PartialEq)]
pub struct Gateway {
    /// Gateway id, e.g. `FOUNDATION`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Attested item ids that must all be met.
    pub requires: Vec<String>,
    /// One-off payment when met (may be zero).
    pub payment: Decimal,
}

/// A tier: unlocked when every gateway it requires is met and every tier it requires is
/// unlocked; its indicators pay only when it is unlocked, and it may pay a one-off amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tier {
    /// Tier id, e.g. `CARE_DELIVERY`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Gateway or tier ids.
    pub requires: Vec<String>,
    /// One-off payment when unlocked (may be zero).
    pub payment: Decimal,
}

/// An obligation: assured (met when attested), reported, never paid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Obligation {
    /// Obligation id, e.g. `QI_LEAD`.
    pub id: String,
    /// Title.
    pub title: String,
}

/// Aspiration payments: a share of a previous year's achievement paid in advance in monthly
/// instalments; the rest of the year's payment is the balancing payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aspiration {
    /// Share of the previous year's achievement, a fraction (0.7 for QOF until 2023/24, 0.8
    /// from 2024/25).
    pub share: Decimal,
    /// How the previous year's achievement is valued (normally its points, repriced at this
    /// year's value, CPI and APDF).
    pub previous: HistoricModel,
}

impl PayScheme {
    /// Checks the scheme's internal consistency; returns every problem found.
    pub fn validate(&self) -> Vec<PayError> {
        let mut errors = Vec::new();
        let mut group_ids = BTreeSet::new();
        for g in &self.groups {
            if !group_ids.insert(g.id.as_str()) {
                errors.push(PayError::new(format!("group `{}` is defined twice", g.id)));
            }
        }
        let mut ids = BTreeSet::new();
        let tiers: BTreeSet<&str> = self.tiers.iter().map(|t| t.id.as_str()).collect();
        for ind in &self.indicators {
            if !ids.insert(ind.id.as_str()) {
                errors.push(PayError::new(format!("indicator `{}` is defined twice", ind.id)));
            }
            if !group_ids.contains(ind.group.as_str()) {
                errors.push(
                    PayError::new(format!(
                        "indicator `{}` belongs to unknown group `{}`",
                        ind.id, ind.group
                    ))
                    .help("add the group to the scheme's groups, with its list type"),
                );
            }
            if ind.max_points < Decimal::ZERO {
                errors.push(PayError::new(format!(
                    "indicator `{}` has negative maximum points `{}`",
                    ind.id, ind.max_points
                )));
            }
            let steps = std::iter::once((ind.id.clone(), ind.lower_points, ind.max_points)).chain(
                ind.strata
                    .iter()
                    .map(|st| (stratum_column(&ind.id, &st.id), st.lower_points, st.max_points)),
            );
            for (id, low, max) in steps {
                if !(Decimal::ZERO <= low && low <= max) {
                    errors.push(
                        PayError::new(format!(
                            "indicator `{id}` has `{low}` points at the lower threshold of `{max}`"
                        ))
                        .help("points at the lower threshold are between 0 and the maximum points"),
                    );
                }
            }
            if let IndicatorKind::Fraction { lower, upper } = ind.kind {
                if !(Decimal::ZERO <= lower && lower < upper && upper <= Decimal::ONE) {
                    errors.push(
                        PayError::new(format!(
                            "indicator `{}` has thresholds `{}` to `{}`",
                            ind.id, lower, upper
                        ))
                        .help("thresholds are fractions with 0 <= lower < upper <= 1"),
                    );
                }
            }
            if !ind.strata.is_empty() {
                if !matches!(ind.kind, IndicatorKind::Fraction { .. }) {
                    errors.push(PayError::new(format!(
                        "indicator `{}` has strata but is not a fraction indicator",
                        ind.id
                    )));
                }
                let sum =
                    ind.strata.iter().fold(Decimal::ZERO, |a, s| a.saturating_add(s.max_points));
                if sum != ind.max_points {
                    errors.push(
                        PayError::new(format!(
                            "the strata of indicator `{}` carry {} points, not its {}",
                            ind.id,
                            sum.normalize(),
                            ind.max_points.normalize()
                        ))
                        .help("make the strata's points add up to the indicator's"),
                    );
                }
                let mut seen = BTreeSet::new();
                for st in &ind.strata {
                    if !seen.insert(st.id.as_str()) {
                        errors.push(PayError::new(format!(
                            "indicator `{}` has stratum `{}` twice",
                            ind.id, st.id
                        )));
                    }
                    if !(Decimal::ZERO <= st.lower
                        && st.lower < st.upper
                        && st.upper <= Decimal::ONE)
                    {
                        errors.push(
                            PayError::new(format!(
                                "stratum `{}` of indicator `{}` has thresholds `{}` to `{}`",
                                st.id, ind.id, st.lower, st.upper
                            ))
                            .help("thresholds are fractions with 0 <= lower < upper <= 1"),
                        );
                    }
                }
            }
            if let Some(t) = &ind.tier {
                if !tiers.contains(t.as_str()) {
                    errors.push(PayError::new(format!(
                        "indicator `{}` is in unknown tier `{}`",
                        ind.id, t
                    )));
                }
            }
        }
        let gateways: BTreeSet<&str> = self.gateways.iter().map(|g| g.id.as_str()).collect();
        for t in &self.tiers {
            for g in &t.requires {
                if !gateways.contains(g.as_str()) && !tiers.contains(g.as_str()) {
                    errors.push(
                        PayError::new(format!(
                            "tier `{}` requires unknown gateway or tier `{}`",
                            t.id, g
                        ))
                        .help("name a gateway or a tier of this scheme"),
                    );
                }
            }
            if t.payment < Decimal::ZERO {
                errors.push(PayError::new(format!("tier `{}` has a negative payment", t.id)));
            }
        }
        if let Some(t) = tier_cycle(&self.tiers) {
            errors.push(
                PayError::new(format!("tier `{t}` requires itself through other tiers"))
                    .help("tiers must build on each other without a cycle"),
            );
        }
        for g in &self.gateways {
            if g.payment < Decimal::ZERO {
                errors.push(PayError::new(format!("gateway `{}` has a negative payment", g.id)));
            }
        }
        if self.pound_per_point < Decimal::ZERO {
            errors.push(PayError::new("the point value is negative".to_string()));
        }
        validate_model(&self.model, &ids, false, &mut errors);
        if let Some(a) = &self.aspiration {
            if a.share < Decimal::ZERO || a.share > Decimal::ONE {
                errors.push(PayError::new(format!(
                    "aspiration share `{}` is outside 0 to 1",
                    a.share.normalize()
                )));
            }
            validate_historic(&a.previous, false, &mut errors);
        }
        errors
    }
}

fn validate_historic(h: &HistoricModel, in_higher_of: bool, errors: &mut Vec<PayError>) {
    if h.basis == HistoricBasis::Pounds && (h.adjust_list_size || h.adjust_prevalence) {
        errors.push(
            PayError::new(format!(
                "historic payment on {} pounds cannot be adjusted for list size or prevalence",
                h.year
            ))
            .help("pay on the year's points, which are repriced with this year's CPI and APDF"),
        );
    }
    if in_higher_of && h.pay_unmatched_items {
        errors.push(
            PayError::new(format!(
                "historic {} items that are not indicators cannot be paid inside `higher of`",
                h.year
            ))
            .help("`higher of` compares models per indicator of the scheme"),
        );
    }
}

fn validate_model(
    model: &PaymentModel,
    ids: &BTreeSet<&str>,
    in_higher_of: bool,
    errors: &mut Vec<PayError>,
) {
    match model {
        PaymentModel::Performance => {}
        PaymentModel::Historic(h) => validate_historic(h, in_higher_of, errors),
        PaymentModel::Blend(shares) => {
            if shares.is_empty() {
                errors.push(PayError::new("a blend needs at least one share".to_string()));
            }
            let sum = shares.iter().fold(Decimal::ZERO, |a, s| a.saturating_add(s.share));
            if sum != Decimal::ONE {
                errors.push(
                    PayError::new(format!(
                        "blend shares sum to {}%, not 100%",
                        sum.saturating_mul(Decimal::ONE_HUNDRED).normalize()
                    ))
                    .help("make the percentages of the blended models add up to 100"),
                );
            }
            for s in shares {
                if s.share < Decimal::ZERO {
                    errors.push(PayError::new(format!(
                        "blend share `{}%` is negative",
                        s.share.saturating_mul(Decimal::ONE_HUNDRED).normalize()
                    )));
                }
                validate_model(&s.model, ids, in_higher_of, errors);
            }
        }
        PaymentModel::HigherOf { models, except, except_model } => {
            if models.is_empty() {
                errors.push(PayError::new("`higher of` needs at least one model".to_string()));
            }
            for m in models {
                validate_model(m, ids, true, errors);
            }
            for e in except {
                if !ids.contains(e.as_str()) {
                    errors.push(
                        PayError::new(format!("`higher of` excepts unknown indicator `{e}`"))
                            .help("name an indicator of this scheme"),
                    );
                }
            }
            validate_model(except_model, ids, true, errors);
        }
        PaymentModel::Except { model, except, except_model } => {
            validate_model(model, ids, in_higher_of, errors);
            for e in except {
                if !ids.contains(e.as_str()) {
                    errors.push(
                        PayError::new(format!("`except` names unknown indicator `{e}`"))
                            .help("name an indicator of this scheme"),
                    );
                }
            }
            // the except model pays the listed indicators only, never items that are not
            // indicators (those follow the scheme's model)
            validate_model(except_model, ids, true, errors);
        }
        PaymentModel::ByIndicator { model, parts } => {
            validate_model(model, ids, in_higher_of, errors);
            for p in parts {
                for e in &p.indicators {
                    if !ids.contains(e.as_str()) {
                        errors.push(
                            PayError::new(format!("`{}` pays unknown indicator `{e}`", p.label))
                                .help("name an indicator of this scheme"),
                        );
                    }
                }
                // like an except model: the part's indicators only
                validate_model(&p.model, ids, true, errors);
            }
        }
    }
}

/// A tier on a cycle of `requires`, if any.
fn tier_cycle(tiers: &[Tier]) -> Option<&str> {
    let index: std::collections::BTreeMap<&str, usize> =
        tiers.iter().enumerate().map(|(i, t)| (t.id.as_str(), i)).collect();
    // 0 = unvisited, 1 = on the current path, 2 = done
    fn visit(
        i: usize,
        tiers: &[Tier],
        index: &std::collections::BTreeMap<&str, usize>,
        state: &mut [u8],
    ) -> bool {
        match state[i] {
            1 => return true,
            2 => return false,
            _ => {}
        }
        state[i] = 1;
        for r in &tiers[i].requires {
            if let Some(&j) = index.get(r.as_str()) {
                if visit(j, tiers, index, state) {
                    return true;
                }
            }
        }
        state[i] = 2;
        false
    }
    let mut state = vec![0u8; tiers.len()];
    (0..tiers.len()).find(|&i| visit(i, tiers, &index, &mut state)).map(|i| tiers[i].id.as_str())
}
