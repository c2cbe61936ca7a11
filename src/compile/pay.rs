//! The pay phase's view of a checked scheme ([`PayScheme`]).

use crate::pay::{
    Aspiration, BlendShare, Gateway, HistoricBasis, HistoricModel, IndicatorKind, Obligation,
    PayGroup, PayIndicator, PayScheme, PaymentModel, Rounding, Tier, ZeroDenominator,
};
use crate::scheme::{self, Kind, Scheme};
use crate::syntax::ast::RoundingTarget;
use rust_decimal::Decimal;

/// The pay id of a payment stratum of an indicator: `DM_HBA1C/fit`. A stratified indicator is
/// paid as one line per stratum (each has its own thresholds and points; the indicator's
/// points are their sum).
pub fn stratum_pay_id(indicator: &str, stratum: &str) -> String {
    format!("{indicator}/{stratum}")
}

/// The label of the year before the scheme year starting in `start_year`: `2018/19` for a
/// scheme starting in 2019.
fn previous_year(start_year: i32) -> String {
    let y = start_year - 1;
    format!("{}/{:02}", y, (y + 1).rem_euclid(100))
}

fn model(m: &scheme::PaymentModel, in_higher_of: bool) -> PaymentModel {
    match m {
        scheme::PaymentModel::Performance => PaymentModel::Performance,
        scheme::PaymentModel::Historic { year, prevalence, list_size } => {
            PaymentModel::Historic(HistoricModel {
                year: year.clone(),
                basis: HistoricBasis::Points,
                adjust_list_size: *list_size,
                adjust_prevalence: *prevalence,
                pay_unmatched_items: !in_higher_of,
            })
        }
        scheme::PaymentModel::Blend { parts } => PaymentModel::Blend(
            parts
                .iter()
                .map(|(share, m)| BlendShare {
                    percent: (*share * Decimal::ONE_HUNDRED).normalize(),
                    model: model(m, in_higher_of),
                })
                .collect(),
        ),
        scheme::PaymentModel::HigherOf { a, b, except } => PaymentModel::HigherOf {
            models: vec![model(a, true), model(b, true)],
            except: except.clone(),
            except_model: Box::new(PaymentModel::Performance),
        },
    }
}

/// The gateways a tier (or gateway) id requires, following tiers that require tiers.
fn tier_gateways(s: &Scheme, id: &str, depth: usize, out: &mut Vec<String>) {
    if depth > 32 {
        return;
    }
    if s.gateways.iter().any(|g| g.id == id) {
        if !out.iter().any(|x| x == id) {
            out.push(id.to_string());
        }
    } else if let Some(t) = s.tiers.iter().find(|t| t.id == id) {
        tier_gateways(s, &t.requires, depth + 1, out);
    }
}

/// Maps a checked scheme to what the pay phase needs: groups (linked to the register of the
/// same name for prevalence adjustment and list type), indicators (a stratified indicator as
/// one line per stratum, monitored indicators at 0 points), the payment model, rounding,
/// gateways, tiers, obligations and aspiration.
pub fn pay_scheme(s: &Scheme) -> PayScheme {
    let mut p = PayScheme::new(&s.id, &s.title, s.period_end, s.point_value);
    let mut r = Rounding::default();
    for (target, places) in &s.rounding {
        match target {
            RoundingTarget::Achievement => r.achievement = Some(*places),
            RoundingTarget::Points => r.points = Some(*places),
            RoundingTarget::Cpi => r.cpi = Some(*places),
            RoundingTarget::Apdf => r.apdf = Some(*places),
            RoundingTarget::Payment => r.payment = *places,
        }
    }
    p.rounding = r;
    p.zero_denominator = if s.empty_denominator_full {
        ZeroDenominator::FullPointsIfNoEligible
    } else {
        ZeroDenominator::NoPoints
    };
    for ind in &s.indicators {
        if p.groups.iter().any(|g| g.id == ind.group) {
            continue;
        }
        let group = match s.register(&ind.group) {
            Some(reg) => PayGroup {
                id: ind.group.clone(),
                prevalence_adjusted: reg.prevalence_adjusted,
                list_type: reg.list_type.clone(),
            },
            None => PayGroup {
                id: ind.group.clone(),
                prevalence_adjusted: false,
                list_type: "TOTAL".into(),
            },
        };
        p.groups.push(group);
    }
    for ind in &s.indicators {
        let tier = s
            .tiers
            .iter()
            .find(|t| t.includes.iter().any(|x| *x == ind.id || *x == ind.group))
            .map(|t| t.id.clone());
        let base = |id: String, kind: IndicatorKind, points: Decimal| PayIndicator {
            id,
            group: ind.group.clone(),
            kind,
            max_points: if ind.monitored { Decimal::ZERO } else { points },
            network: ind.network,
            tier: tier.clone(),
        };
        let fraction = |t: Option<scheme::Thresholds>| match t {
            Some(t) => IndicatorKind::Fraction { lower: t.lower, upper: t.upper },
            None => IndicatorKind::Fraction { lower: Decimal::ZERO, upper: Decimal::ONE },
        };
        match ind.kind {
            Kind::Register => {
                p.indicators.push(base(ind.id.clone(), IndicatorKind::Boolean, ind.points))
            }
            Kind::Attested => {
                p.indicators.push(base(ind.id.clone(), IndicatorKind::Attested, ind.points))
            }
            Kind::Fraction if ind.strata.is_empty() => {
                p.indicators.push(base(ind.id.clone(), fraction(ind.thresholds), ind.points))
            }
            Kind::Fraction => {
                for st in &ind.strata {
                    p.indicators.push(base(
                        stratum_pay_id(&ind.id, &st.id),
                        fraction(st.thresholds.or(ind.thresholds)),
                        st.points,
                    ));
                }
            }
        }
    }
    p.model = model(&s.payment, false);
    p.gateways = s
        .gateways
        .iter()
        .map(|g| Gateway {
            id: g.id.clone(),
            title: g.title.clone(),
            requires: g.requires.clone(),
            payment: g.pays.unwrap_or(Decimal::ZERO),
        })
        .collect();
    p.tiers = s
        .tiers
        .iter()
        .map(|t| {
            let mut requires = Vec::new();
            tier_gateways(s, &t.requires, 0, &mut requires);
            Tier { id: t.id.clone(), title: t.title.clone(), requires }
        })
        .collect();
    p.obligations = s
        .obligations
        .iter()
        .map(|o| Obligation { id: o.id.clone(), title: o.title.clone() })
        .collect();
    p.aspiration = s.aspiration.map(|share| Aspiration {
        percent: (share * Decimal::ONE_HUNDRED).normalize(),
        previous: HistoricModel {
            year: previous_year(s.period_start.ymd().0),
            basis: HistoricBasis::Points,
            adjust_list_size: true,
            adjust_prevalence: true,
            pay_unmatched_items: false,
        },
    });
    p
}
