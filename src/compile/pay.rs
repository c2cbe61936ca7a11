//! The pay phase's view of a checked scheme ([`PayScheme`]).

use crate::pay::{
    Aspiration, BlendShare, Gateway, HistoricBasis, HistoricModel, IndicatorKind, Obligation,
    PayGroup, PayIndicator, PayScheme, PayStratum, PaymentModel, PaymentPart, PaymentUnit,
    Rounding, RoundingMode, Tier, ZeroDenominator,
};
use crate::scheme::{self, Kind, Scheme};
use crate::syntax::ast::{self, RoundingTarget};
use rust_decimal::Decimal;

/// The practice-table column of a payment stratum's counts: `DM_HBA1C/fit` (the pay phase's
/// [`crate::pay::stratum_column`]).
pub fn stratum_pay_id(indicator: &str, stratum: &str) -> String {
    crate::pay::stratum_column(indicator, stratum)
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
        scheme::PaymentModel::Historic { year, prevalence, list_size, pounds } => {
            PaymentModel::Historic(HistoricModel {
                year: year.clone(),
                basis: if *pounds { HistoricBasis::Pounds } else { HistoricBasis::Points },
                adjust_list_size: *list_size,
                adjust_prevalence: *prevalence,
                pay_unmatched_items: !in_higher_of,
            })
        }
        scheme::PaymentModel::Blend { parts } => PaymentModel::Blend(
            parts
                .iter()
                .map(|(share, m)| BlendShare { share: *share, model: model(m, in_higher_of) })
                .collect(),
        ),
        scheme::PaymentModel::HigherOf { a, b, except, on } => PaymentModel::HigherOf {
            models: vec![model(a, true), model(b, true)],
            except: except.clone(),
            except_model: Box::new(model(on, true)),
        },
        scheme::PaymentModel::Except { base, except, on } => PaymentModel::Except {
            model: Box::new(model(base, in_higher_of)),
            except: except.clone(),
            except_model: Box::new(model(on, true)),
        },
        // a domain's or group's model pays its indicators only, as an `except` model does
        scheme::PaymentModel::ByIndicator { base, parts } => PaymentModel::ByIndicator {
            model: Box::new(model(base, in_higher_of)),
            parts: parts
                .iter()
                .map(|p| PaymentPart {
                    label: format!("{} {}", p.of, p.name),
                    indicators: p.indicators.clone(),
                    model: model(&p.model, true),
                })
                .collect(),
        },
    }
}

/// Maps a checked scheme to what the pay phase needs: groups (linked to the register of the
/// same name for prevalence adjustment and list type), indicators (with their payment
/// strata; monitored ones flagged), the payment model (and whether practices' earnings are
/// paid to their networks), rounding, gateways, tiers, obligations and aspiration.
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
    r.mode = match s.rounding_mode {
        None | Some(ast::RoundingMode::HalfUp) => RoundingMode::HalfAwayFromZero,
        Some(ast::RoundingMode::HalfEven) => RoundingMode::HalfEven,
        Some(ast::RoundingMode::TowardZero) => RoundingMode::TowardZero,
    };
    r.payment_per = match s.payment_per {
        ast::RoundingUnit::Line => PaymentUnit::Line,
        ast::RoundingUnit::Group => PaymentUnit::Group,
        ast::RoundingUnit::Practice => PaymentUnit::Practice,
    };
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
                list_type: reg.list_type.id.clone(),
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
        let kind = match ind.kind {
            Kind::Register => IndicatorKind::Boolean,
            Kind::Attested => IndicatorKind::Attested,
            Kind::Fraction => match ind.thresholds {
                Some(t) => IndicatorKind::Fraction { lower: t.lower, upper: t.upper },
                None => IndicatorKind::Fraction { lower: Decimal::ZERO, upper: Decimal::ONE },
            },
        };
        let strata = ind
            .strata
            .iter()
            .map(|st| {
                let t = st.thresholds.or(ind.thresholds);
                PayStratum {
                    id: st.id.clone(),
                    lower: t.map_or(Decimal::ZERO, |t| t.lower),
                    upper: t.map_or(Decimal::ONE, |t| t.upper),
                    max_points: st.points,
                    lower_points: t.map_or(Decimal::ZERO, |t| t.lower_points),
                }
            })
            .collect();
        p.indicators.push(PayIndicator {
            id: ind.id.clone(),
            group: ind.group.clone(),
            kind,
            max_points: ind.points,
            network: ind.network,
            tier,
            monitored: ind.monitored,
            strata,
            lower_points: ind.thresholds.map_or(Decimal::ZERO, |t| t.lower_points),
        });
    }
    p.model = model(&s.payment, false);
    // Historic items that are not indicators are prevalence-adjusted by the register of their
    // group code (Somerset pays 2012/13 achievement per group): every register is then a group.
    if crate::national::pays_unmatched_adjusted(&p.model) {
        for reg in &s.registers {
            if !p.groups.iter().any(|g| g.id == reg.id) {
                p.groups.push(PayGroup {
                    id: reg.id.clone(),
                    prevalence_adjusted: reg.prevalence_adjusted,
                    list_type: reg.list_type.id.clone(),
                });
            }
        }
    }
    p.paid_to_networks = s.paid_to_networks;
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
        .map(|t| Tier {
            id: t.id.clone(),
            title: t.title.clone(),
            requires: vec![t.requires.clone()],
            payment: t.pays.unwrap_or(Decimal::ZERO),
        })
        .collect();
    p.obligations = s
        .obligations
        .iter()
        .map(|o| Obligation { id: o.id.clone(), title: o.title.clone() })
        .collect();
    p.aspiration = s.aspiration.map(|share| Aspiration {
        share,
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
