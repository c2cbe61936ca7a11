//! A deliberately small stand-in for the checker, for the evaluator's tests: resolves one
//! parsed rule file (no inheritance, no `from "file"` code lists) into a [`Scheme`]. It
//! trusts its input; tests that need diagnostics use the real checker.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::mini_prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;

fn dec(n: &ast::Num) -> Decimal {
    Decimal::from_str(&n.text).expect("number")
}

fn pct(n: &ast::Num) -> Decimal {
    dec(n) / Decimal::ONE_HUNDRED
}

fn origin(span: ast::Span, scheme: &str) -> Origin {
    Origin { file: 0, span, scheme: scheme.to_string(), status: Status::Defined }
}

fn loc<T>(node: T) -> Located<T> {
    Located { file: 0, node }
}

fn expand(lists: &[ast::Codelist], id: &str, depth: usize) -> Vec<u64> {
    assert!(depth < 20, "code list cycle");
    let l = lists.iter().find(|l| l.id.name == id).unwrap_or_else(|| panic!("no list {id}"));
    match &l.body {
        ast::CodelistBody::Inline { codes } => codes.iter().map(|c| c.0).collect(),
        ast::CodelistBody::Union { lists: ls } => {
            ls.iter().flat_map(|x| expand(lists, &x.name, depth + 1)).collect()
        }
        ast::CodelistBody::File { .. } => panic!("file code lists are not supported here"),
    }
}

fn payment(m: &ast::PaymentModel) -> PaymentModel {
    match m {
        ast::PaymentModel::Performance { .. } => PaymentModel::Performance,
        ast::PaymentModel::Historic { year, prevalence, list_size, .. } => PaymentModel::Historic {
            year: year.text.clone(),
            prevalence: *prevalence,
            list_size: *list_size,
        },
        ast::PaymentModel::Blend { parts, .. } => {
            PaymentModel::Blend { parts: parts.iter().map(|(n, m)| (pct(n), payment(m))).collect() }
        }
        ast::PaymentModel::HigherOf { a, b, except, .. } => PaymentModel::HigherOf {
            a: Box::new(payment(a)),
            b: Box::new(payment(b)),
            except: except.iter().map(|e| e.name.clone()).collect(),
        },
    }
}

/// Parses and resolves `text`; panics on syntax errors.
pub fn scheme(text: &str) -> Scheme {
    let (file, diags) = parse(text, 0);
    assert!(diags.iter().all(|d| !d.is_error()), "syntax errors: {diags:#?}");
    let mut s = Scheme {
        id: String::new(),
        title: String::new(),
        lineage: vec![],
        period_start: Date(0),
        period_end: Date(0),
        point_value: Decimal::ZERO,
        national_average_list_size: None,
        rounding: vec![],
        payment: PaymentModel::Performance,
        paid_to_networks: false,
        aspiration: None,
        empty_denominator_full: false,
        reports: vec![],
        codelists: vec![],
        registers: vec![],
        defines: vec![],
        indicators: vec![],
        gateways: vec![],
        tiers: vec![],
        obligations: vec![],
        tests: vec![],
    };
    let lists: Vec<ast::Codelist> = file
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Codelist(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    for item in &file.items {
        match item {
            ast::Item::Scheme(h) => {
                s.id = h.id.name.clone();
                s.title = h.title.value.clone();
                s.lineage = vec![s.id.clone()];
                for st in &h.stmts {
                    match st {
                        ast::SchemeStmt::Period { start, end, .. } => {
                            s.period_start = start.date;
                            s.period_end = end.date;
                        }
                        ast::SchemeStmt::PointValue { value, .. } => s.point_value = dec(value),
                        ast::SchemeStmt::ListSize { value, .. } => {
                            s.national_average_list_size = Some(dec(value))
                        }
                        ast::SchemeStmt::Rounding { items, .. } => {
                            for r in items {
                                s.rounding.push((r.target, r.places.text.parse().unwrap()));
                            }
                        }
                        ast::SchemeStmt::Payment { model, to_networks, .. } => {
                            s.payment = payment(model);
                            s.paid_to_networks = *to_networks;
                        }
                        ast::SchemeStmt::Aspiration { share, .. } => {
                            s.aspiration = Some(pct(share))
                        }
                        ast::SchemeStmt::Report(r) => s.reports.push(loc(r.clone())),
                        ast::SchemeStmt::ZeroDenominator { full, .. } => {
                            s.empty_denominator_full = *full
                        }
                    }
                }
            }
            ast::Item::Codelist(c) => {
                let mut codes = expand(&lists, &c.id.name, 0);
                codes.sort_unstable();
                codes.dedup();
                s.codelists.push(Codelist {
                    id: c.id.name.clone(),
                    title: c.title.value.clone(),
                    codes,
                    origin: origin(c.span, &s.id),
                });
            }
            ast::Item::Register(r) => {
                let mut reg = Register {
                    id: r.id.name.clone(),
                    title: r.title.value.clone(),
                    min_age: None,
                    max_age: None,
                    filter: None,
                    prevalence_adjusted: true,
                    list_type: "TOTAL".into(),
                    origin: origin(r.span, &s.id),
                };
                for st in &r.stmts {
                    match st {
                        ast::RegisterStmt::Age(a) => {
                            reg.min_age = a.min;
                            reg.max_age = a.max;
                        }
                        ast::RegisterStmt::Where(e) => reg.filter = Some(loc(e.clone())),
                        ast::RegisterStmt::Prevalence { adjusted, .. } => {
                            reg.prevalence_adjusted = *adjusted
                        }
                        ast::RegisterStmt::List { list_type } => {
                            reg.list_type = list_type.name.clone()
                        }
                    }
                }
                s.registers.push(reg);
            }
            ast::Item::Define(d) => s.defines.push(Define {
                id: d.id.name.clone(),
                title: d.title.as_ref().map(|t| t.value.clone()),
                expr: loc(d.expr.clone()),
                origin: origin(d.span, &s.id),
            }),
            ast::Item::Indicator(i) => {
                let mut ind = Indicator {
                    id: i.id.name.clone(),
                    title: i.title.value.clone(),
                    group: String::new(),
                    domain: String::new(),
                    kind: Kind::Fraction,
                    register: None,
                    network: i.network,
                    monitored: false,
                    points: Decimal::ZERO,
                    thresholds: None,
                    cohort: None,
                    filter: None,
                    exclude: None,
                    achieved: None,
                    adjustments: vec![],
                    strata: vec![],
                    reports: vec![],
                    origin: origin(i.span, &s.id),
                    changed: vec![],
                };
                for st in &i.stmts {
                    match st {
                        ast::IndStmt::Title(t) => ind.title = t.value.clone(),
                        ast::IndStmt::Group(g) => ind.group = g.name.clone(),
                        ast::IndStmt::Domain(d) => ind.domain = d.name.clone(),
                        ast::IndStmt::Points(p) => ind.points = dec(p),
                        ast::IndStmt::Thresholds { lower, upper, .. } => {
                            ind.thresholds =
                                Some(Thresholds { lower: pct(lower), upper: pct(upper) })
                        }
                        ast::IndStmt::RegisterKind(r) => {
                            ind.kind = Kind::Register;
                            ind.register = Some(r.name.clone());
                        }
                        ast::IndStmt::Attested(_) => ind.kind = Kind::Attested,
                        ast::IndStmt::Monitored(_) => ind.monitored = true,
                        ast::IndStmt::Denominator { cohort, filter, .. } => {
                            ind.cohort = Some(match cohort {
                                ast::Cohort::AllPatients { .. } => Cohort::AllPatients,
                                ast::Cohort::Register { register } => {
                                    Cohort::Register(register.name.clone())
                                }
                            });
                            ind.filter = filter.clone().map(loc);
                        }
                        ast::IndStmt::Exclude(e) => ind.exclude = Some(loc(e.clone())),
                        ast::IndStmt::Achieved(e) => ind.achieved = Some(loc(e.clone())),
                        ast::IndStmt::Adjustments { items, .. } => {
                            ind.adjustments = items
                                .iter()
                                .map(|a| Adjustment {
                                    category: a.category.clone(),
                                    label: a.label.as_ref().map(|l| l.value.clone()),
                                    when: loc(a.when.clone()),
                                })
                                .collect()
                        }
                        ast::IndStmt::Stratum(st) => {
                            let mut x = Stratum {
                                id: st.id.name.clone(),
                                when: st.when.clone().map(loc),
                                achieved: None,
                                thresholds: None,
                                points: Decimal::ZERO,
                            };
                            for ss in &st.stmts {
                                match ss {
                                    ast::IndStmt::Achieved(e) => x.achieved = Some(loc(e.clone())),
                                    ast::IndStmt::Thresholds { lower, upper, .. } => {
                                        x.thresholds = Some(Thresholds {
                                            lower: pct(lower),
                                            upper: pct(upper),
                                        })
                                    }
                                    ast::IndStmt::Points(p) => x.points = dec(p),
                                    _ => {}
                                }
                            }
                            ind.strata.push(x);
                        }
                        ast::IndStmt::Report(r) => ind.reports.push(loc(r.clone())),
                    }
                }
                if !ind.strata.is_empty() {
                    ind.points = ind.strata.iter().map(|x| x.points).sum();
                }
                s.indicators.push(ind);
            }
            ast::Item::Test(t) => s.tests.push(loc(t.clone())),
            ast::Item::Gateway(g) => s.gateways.push(Gateway {
                id: g.id.name.clone(),
                title: g.title.value.clone(),
                requires: g.requires.iter().map(|r| r.name.clone()).collect(),
                pays: g.pays.as_ref().map(|p| dec(&p.amount)),
                origin: origin(g.span, &s.id),
            }),
            ast::Item::Tier(t) => s.tiers.push(Tier {
                id: t.id.name.clone(),
                title: t.title.value.clone(),
                requires: t.requires.name.clone(),
                includes: t.includes.iter().map(|r| r.name.clone()).collect(),
                pays: t.pays.as_ref().map(|p| dec(&p.amount)),
                origin: origin(t.span, &s.id),
            }),
            ast::Item::Obligation(o) => s.obligations.push(Obligation {
                id: o.id.name.clone(),
                title: o.title.value.clone(),
                workstream: o.workstream.as_ref().map(|w| w.name.clone()),
                origin: origin(o.span, &s.id),
            }),
            ast::Item::Keep(_) | ast::Item::Retire(_) | ast::Item::Change(_) => {
                panic!("inheritance is not supported here")
            }
        }
    }
    s
}
