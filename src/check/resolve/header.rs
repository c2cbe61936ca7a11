//! The scheme header after inheritance: period, point value, national average list size,
//! national prevalence, rounding and aspiration.

use super::Cx;
use crate::check::load::Unit;
use crate::diag::{Code, Diagnostic};
use crate::scheme;
use crate::syntax::ast::{self, Span};
use rust_decimal::Decimal;

/// The header's values, as the scheme takes them.
pub(super) struct HeaderValues {
    pub period: Option<(usize, ast::DateLit, ast::DateLit, Span)>,
    /// The QOF year the period starts in (2019 for 2019/20).
    pub scheme_year: Option<i32>,
    pub point_value: Decimal,
    pub list_size: Option<Decimal>,
    pub national_prevalence: Option<scheme::NationalStatement>,
    pub rounding: Vec<(ast::RoundingTarget, u32)>,
    pub rounding_mode: Option<ast::RoundingMode>,
    pub payment_per: ast::RoundingUnit,
    pub aspiration: Option<Decimal>,
}

impl<'a> Cx<'a> {
    /// The root's header statements (after inheritance), checked.
    pub(super) fn build_header(&mut self, root: &'a Unit) -> HeaderValues {
        let root_header = root.header();
        let period = self.header.period;
        let scheme_year = period.map(|(_, start, _, _)| {
            let (y, m, _) = start.date.ymd();
            if m >= 4 {
                y
            } else {
                y - 1
            }
        });
        let mut point_value = Decimal::ZERO;
        if let Some(h) = root_header.filter(|_| self.names) {
            if period.is_none() {
                self.push(
                    Diagnostic::error(
                        Code::MissingStatement,
                        root.file,
                        h.id.span,
                        format!("scheme `{}` has no `period`", h.id.name),
                    )
                    .with_help("add `period 2019-04-01 to 2020-03-31` (the end is the payment period end date)"),
                );
            }
            match self.header.point_value {
                None => self.push(
                    Diagnostic::error(
                        Code::MissingStatement,
                        root.file,
                        h.id.span,
                        format!("scheme `{}` has no `point value`", h.id.name),
                    )
                    .with_help("add `point value £187.74` (pounds per point)"),
                ),
                Some((f, n)) => point_value = self.dec(n, f).unwrap_or_default(),
            }
        }
        if let Some((f, start, end, span)) = period {
            if end.date <= start.date {
                self.push(
                    Diagnostic::error(
                        Code::BadPeriod,
                        f,
                        span,
                        format!("the period ends on {}, not after it starts", end.date),
                    )
                    .with_help("write `period START to END` with END after START"),
                );
            }
        }
        let list_size = match self.header.list_size {
            Some((f, n)) => self.dec(n, f),
            None => None,
        };
        let national_prevalence = match self.header.national {
            Some((f, st)) => crate::check::national::statement(self, st, f),
            None => None,
        };
        let mut rounding: Vec<(ast::RoundingTarget, u32)> = Vec::new();
        let mut rounding_mode = None;
        let mut payment_per = ast::RoundingUnit::Line;
        if let Some((f, items, modes)) = self.header.rounding {
            for (k, (mode, span)) in modes.iter().enumerate() {
                if k == 0 {
                    rounding_mode = Some(*mode);
                } else {
                    self.push(
                        Diagnostic::error(Code::BadRounding, f, *span, "a second rounding mode")
                            .with_help(
                            "one mode rounds everything: `half up`, `half even` or `toward zero`",
                        ),
                    );
                }
            }
            for it in items {
                if let Some((unit, span)) = it.per {
                    if it.target == ast::RoundingTarget::Payment {
                        payment_per = unit;
                    } else {
                        self.push(
                            Diagnostic::error(
                                Code::BadRounding,
                                f,
                                span,
                                "only payments are rounded per line, group or practice",
                            )
                            .with_help("write `payment 2 decimals per group`; achievement, points, CPI and APDF are rounded where they are computed"),
                        );
                    }
                }
                if rounding.iter().any(|(t, _)| *t == it.target) {
                    self.push(
                        Diagnostic::error(
                            Code::BadRounding,
                            f,
                            it.span,
                            format!("`{}` is rounded twice", it.target.word()),
                        )
                        .with_help("give each value one number of decimal places"),
                    );
                    continue;
                }
                match it.places.text.parse::<u32>() {
                    Ok(p) if p <= 10 => rounding.push((it.target, p)),
                    _ => self.push(
                        Diagnostic::error(
                            Code::BadRounding,
                            f,
                            it.places.span,
                            format!("cannot round to `{}` decimal places", it.places.text),
                        )
                        .with_help("use at most 10 decimal places"),
                    ),
                }
            }
        }
        let aspiration = match self.header.aspiration {
            Some((f, n)) => self.percent(n, f),
            None => None,
        };
        HeaderValues {
            period,
            scheme_year,
            point_value,
            list_size,
            national_prevalence,
            rounding,
            rounding_mode,
            payment_per,
            aspiration,
        }
    }
}
