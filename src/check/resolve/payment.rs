//! Payment models, historic years, gateways and tiers.

use super::Cx;
use crate::diag::{Code, Diagnostic};
use crate::scheme::{self, Origin, Status};
use crate::syntax::ast::{self, PaymentModel};
use rust_decimal::Decimal;
use std::collections::HashSet;

impl<'a> Cx<'a> {
    pub(super) fn payment(
        &mut self,
        m: &'a PaymentModel,
        file: usize,
        year: Option<i32>,
    ) -> scheme::PaymentModel {
        match m {
            PaymentModel::Performance { .. } => scheme::PaymentModel::Performance,
            PaymentModel::Historic { year: y, prevalence, list_size, pounds, span } => {
                self.historic_year(y, file, year);
                if *prevalence && !self.has_adjusted_register() {
                    self.push(
                        Diagnostic::error(
                            Code::PrevalenceWithoutRegister,
                            file,
                            *span,
                            "`adjusted for prevalence`, but the scheme has no prevalence-adjusted register",
                        )
                        .with_help(
                            "APDF needs this year's registers: define the registers of the groups paid (or extend a scheme that has them), or drop `prevalence` from `adjusted for`",
                        ),
                    );
                }
                scheme::PaymentModel::Historic {
                    year: y.text.clone(),
                    prevalence: *prevalence,
                    list_size: *list_size,
                    pounds: *pounds,
                }
            }
            PaymentModel::Blend { parts, span } => {
                let mut out = Vec::new();
                let mut total = Decimal::ZERO;
                for (share, model) in parts {
                    let s = self.dec(share, file).unwrap_or_default();
                    total += s;
                    let model = self.payment(model, file, year);
                    out.push((s / Decimal::ONE_HUNDRED, model));
                }
                if total != Decimal::ONE_HUNDRED {
                    self.push(
                        Diagnostic::error(
                            Code::BlendShares,
                            file,
                            *span,
                            format!("the blend's shares add up to {total}%, not 100%"),
                        )
                        .with_help("make the shares of the models add up to 100%"),
                    );
                }
                scheme::PaymentModel::Blend { parts: out }
            }
            PaymentModel::HigherOf { a, b, except, on, .. } => {
                let a = self.payment(a, file, year);
                let b = self.payment(b, file, year);
                let (except, on) = self.except(except, on.as_deref(), file, year);
                scheme::PaymentModel::HigherOf { a: Box::new(a), b: Box::new(b), except, on }
            }
            PaymentModel::Except { base, except, on, .. } => {
                let base = self.payment(base, file, year);
                let (except, on) = self.except(except, on.as_deref(), file, year);
                scheme::PaymentModel::Except { base: Box::new(base), except, on }
            }
        }
    }

    /// The scheme's model with its per-domain and per-group models (`domain inactive payment
    /// historic 2016/17`): each indicator is paid on its group's model, else its domain's,
    /// else `base`. A domain or group that no indicator has is an error where it is written
    /// in the root file (a variant that retires an inherited one's indicators drops it).
    pub(super) fn payment_for(
        &mut self,
        base: scheme::PaymentModel,
        indicators: &[scheme::Indicator],
        root: usize,
        year: Option<i32>,
    ) -> scheme::PaymentModel {
        let stmts = std::mem::take(&mut self.header.payment_for);
        if stmts.is_empty() {
            return base;
        }
        let mut parts: Vec<scheme::PaymentPart> = Vec::new();
        for (file, group, name, model) in stmts {
            let of = if group { "group" } else { "domain" };
            let of_ind =
                |i: &scheme::Indicator| if group { i.group.clone() } else { i.domain.clone() };
            if !indicators.iter().any(|i| of_ind(i) == name.name) {
                if file == root {
                    let help = format!(
                        "`{of} NAME payment MODEL` names a {of} of this scheme's indicators"
                    );
                    self.undefined(
                        of,
                        name,
                        file,
                        |_| indicators.iter().map(of_ind).collect(),
                        &help,
                    );
                }
                continue;
            }
            let model = self.payment(model, file, year);
            parts.push(scheme::PaymentPart {
                of,
                name: name.name.clone(),
                indicators: Vec::new(),
                model,
            });
        }
        for i in indicators {
            let k = parts
                .iter()
                .position(|p| p.of == "group" && p.name == i.group)
                .or_else(|| parts.iter().position(|p| p.of == "domain" && p.name == i.domain));
            if let Some(k) = k {
                parts[k].indicators.push(i.id.clone());
            }
        }
        scheme::PaymentModel::ByIndicator { base: Box::new(base), parts }
    }

    /// An `except` clause: its indicators (each must exist) and the model they are paid on
    /// (performance unless `on` names another).
    pub(super) fn except(
        &mut self,
        except: &'a [ast::Ident],
        on: Option<&'a PaymentModel>,
        file: usize,
        year: Option<i32>,
    ) -> (Vec<String>, Box<scheme::PaymentModel>) {
        for x in except {
            if !self.indicators.contains(&x.name) {
                self.undefined(
                    "indicator",
                    x,
                    file,
                    |cx| cx.indicators.keys().map(String::from).collect(),
                    "`except` names indicators of this scheme",
                );
            }
        }
        let on = match on {
            Some(m) => self.payment(m, file, year),
            None => scheme::PaymentModel::Performance,
        };
        (except.iter().map(|x| x.name.clone()).collect(), Box::new(on))
    }

    /// Whether any register of the scheme (after inheritance) is prevalence-adjusted.
    pub(super) fn has_adjusted_register(&self) -> bool {
        self.registers.iter().any(|(_, e)| {
            !e.node
                .stmts
                .iter()
                .any(|s| matches!(s, ast::RegisterStmt::Prevalence { adjusted: false, .. }))
        })
    }

    pub(super) fn historic_year(&mut self, y: &ast::Year, file: usize, scheme_year: Option<i32>) {
        let (a, b) = y.text.split_once('/').unwrap_or(("", ""));
        let (Ok(a), Ok(b)) = (a.parse::<i32>(), b.parse::<i32>()) else {
            return;
        };
        if (a + 1) % 100 != b {
            self.push(
                Diagnostic::error(
                    Code::BadYear,
                    file,
                    y.span,
                    format!("`{}` is not a QOF year", y.text),
                )
                .with_help(format!(
                    "a QOF year runs from April to March: write `{a}/{:02}`",
                    (a + 1) % 100
                )),
            );
            return;
        }
        if let Some(s) = scheme_year {
            if a >= s {
                self.push(
                    Diagnostic::error(
                        Code::HistoricYear,
                        file,
                        y.span,
                        format!("historic year `{}` is not before the scheme's year", y.text),
                    )
                    .with_help(format!(
                        "the scheme's year is {s}/{:02}; historic payments use an earlier year's achievement",
                        (s + 1) % 100
                    )),
                );
            }
        }
    }

    // ------------------------------------------------------------------ gateways and tiers

    pub(super) fn build_gateways(
        &mut self,
        indicators: &[scheme::Indicator],
    ) -> Vec<scheme::Gateway> {
        let entries: Vec<(&'a ast::Gateway, usize, &'a str, Status)> =
            self.gateways.iter().map(|(_, e)| (e.node, e.file, e.scheme, e.status)).collect();
        let mut out = Vec::new();
        for (g, file, scheme, status) in entries {
            for r in &g.requires {
                if self.obligations.contains(&r.name) {
                    // an obligation is attested, like an attested indicator
                } else if !self.indicators.contains(&r.name) {
                    self.undefined(
                        "indicator or obligation",
                        r,
                        file,
                        |cx| {
                            cx.indicators
                                .keys()
                                .chain(cx.obligations.keys())
                                .map(String::from)
                                .collect()
                        },
                        "a gateway requires attested indicators or obligations of this scheme",
                    );
                } else if let Some(i) = indicators.iter().find(|i| i.id == r.name) {
                    if i.kind != scheme::Kind::Attested {
                        self.push(
                            Diagnostic::error(
                                Code::TypeMismatch,
                                file,
                                r.span,
                                format!("`{}` is not an attested indicator", r.name),
                            )
                            .with_help(
                                "a gateway requires indicators marked `attested`, or obligations",
                            ),
                        );
                    }
                }
            }
            let pays = g.pays.as_ref().and_then(|p| self.dec(&p.amount, file));
            out.push(scheme::Gateway {
                id: g.id.name.clone(),
                title: g.title.value.clone(),
                requires: g.requires.iter().map(|r| r.name.clone()).collect(),
                pays,
                origin: Origin { file, span: g.span, scheme: scheme.to_string(), status },
            });
        }
        out
    }

    pub(super) fn build_tiers(&mut self, indicators: &[scheme::Indicator]) -> Vec<scheme::Tier> {
        let entries: Vec<(&'a ast::Tier, usize, &'a str, Status)> =
            self.tiers.iter().map(|(_, e)| (e.node, e.file, e.scheme, e.status)).collect();
        let groups: HashSet<&str> = indicators.iter().map(|i| i.group.as_str()).collect();
        let mut out = Vec::new();
        for (t, file, scheme, status) in entries {
            if !self.gateways.contains(&t.requires.name) && !self.tiers.contains(&t.requires.name) {
                self.undefined(
                    "gateway",
                    &t.requires,
                    file,
                    |cx| cx.gateways.keys().chain(cx.tiers.keys()).map(String::from).collect(),
                    "a tier requires a gateway or another tier",
                );
            }
            for x in &t.includes {
                if !self.indicators.contains(&x.name) && !groups.contains(x.name.as_str()) {
                    self.undefined(
                        "indicator or group",
                        x,
                        file,
                        |cx| {
                            cx.indicators
                                .keys()
                                .map(String::from)
                                .chain(groups.iter().map(|g| g.to_string()))
                                .collect()
                        },
                        "a tier includes indicators or groups of this scheme",
                    );
                }
            }
            let pays = t.pays.as_ref().and_then(|p| self.dec(&p.amount, file));
            out.push(scheme::Tier {
                id: t.id.name.clone(),
                title: t.title.value.clone(),
                requires: t.requires.name.clone(),
                includes: t.includes.iter().map(|x| x.name.clone()).collect(),
                pays,
                origin: Origin { file, span: t.span, scheme: scheme.to_string(), status },
            });
        }
        out
    }
}
