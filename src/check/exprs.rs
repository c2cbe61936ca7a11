//! Conditions: every name resolved against the merged tables, every construct type-checked
//! (a window or a value test applies to code lists, not to definitions or registers).

use super::resolve::{Cx, Dep};
use crate::diag::{Code, Diagnostic};
use crate::scheme::cond::{self, Cond};
use crate::syntax::ast::{self, Anchor, EventPred, Expr, ExprKind, Ident, Window, WindowKind};

/// What an unresolvable part of a condition becomes. Only built next to an error, so never
/// part of a scheme the checker returns.
const UNRESOLVED: Cond = Cond::Bool(false);

impl<'a> Cx<'a> {
    /// Checks a condition written in `file` and resolves it (names to indices, numbers
    /// parsed). References to definitions and registers are pushed to `deps` (for cycle
    /// detection and the reference depth).
    pub(super) fn expr(&mut self, e: &'a Expr, file: usize, deps: &mut Vec<Dep<'a>>) -> Cond {
        match &e.kind {
            ExprKind::Bool(b) => Cond::Bool(*b),
            ExprKind::Sex(s) => Cond::Sex(*s),
            ExprKind::And(xs) => Cond::And(xs.iter().map(|x| self.expr(x, file, deps)).collect()),
            ExprKind::Or(xs) => Cond::Or(xs.iter().map(|x| self.expr(x, file, deps)).collect()),
            ExprKind::Not(x) => Cond::Not(Box::new(self.expr(x, file, deps))),
            ExprKind::OnRegister(r) => {
                if let Some(i) = self.registers.rank(&r.name) {
                    deps.push(Dep { register: true, name: &r.name, span: r.span, file });
                    Cond::OnRegister(i)
                } else {
                    self.undefined(
                        "register",
                        r,
                        file,
                        |cx| cx.registers.keys().map(String::from).collect(),
                        "`on register` names a register defined in the scheme",
                    );
                    UNRESOLVED
                }
            }
            ExprKind::Aged(r) => {
                self.age_range(r, file);
                Cond::Aged { min: r.min, max: r.max, months: r.months }
            }
            ExprKind::Registered(w) => Cond::Registered(self.window(w, file)),
            ExprKind::Count { list, window, apart_days, cmp, value } => {
                let l = if self.is_define(&list.name) {
                    self.used_defines.insert(&list.name);
                    self.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            file,
                            list.span,
                            format!(
                                "cannot count `{}`: it is a definition, not a code list",
                                list.name
                            ),
                        )
                        .with_help("`count` counts the events of a code list"),
                    );
                    None
                } else {
                    self.codelist(list, file)
                };
                let window = window.as_ref().map(|w| self.window(w, file));
                let mut apart = Some(0);
                if let Some(n) = apart_days {
                    apart = self.whole_number(n, file);
                    if n.text.trim_start_matches('0').is_empty() {
                        self.push(
                            Diagnostic::error(
                                Code::ZeroApart,
                                file,
                                n.span,
                                "events cannot be required to be 0 days apart",
                            )
                            .with_help(
                                "use at least 1 day, or leave out `at least ... days apart`",
                            ),
                        );
                    }
                }
                let value = self.real(value, file);
                match (l, apart, value) {
                    (Some(list), Some(apart_days), Some(value)) => {
                        Cond::Count { list, window, apart_days, cmp: *cmp, value }
                    }
                    _ => UNRESOLVED,
                }
            }
            ExprKind::Event { pick, list, paired, window, pred } => {
                let bare = pick.is_none() && paired.is_none() && window.is_none() && pred.is_none();
                if self.is_define(&list.name) {
                    if bare {
                        self.used_defines.insert(&list.name);
                        deps.push(Dep { register: false, name: &list.name, span: list.span, file });
                        if let Some(d) = self.defines.rank(&list.name) {
                            return Cond::Define(d);
                        }
                    } else {
                        self.used_defines.insert(&list.name);
                        self.push(
                            Diagnostic::error(
                                Code::TypeMismatch,
                                file,
                                e.span,
                                format!("`{}` is a definition, not a code list", list.name),
                            )
                            .with_help("`latest`, `first`, windows and tests apply to code lists; put them inside the definition"),
                        );
                    }
                    return UNRESOLVED;
                }
                if !self.codelists.contains(&list.name) && self.registers.contains(&list.name) {
                    self.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            file,
                            list.span,
                            format!("`{}` is a register, not a code list", list.name),
                        )
                        .with_help(format!("write `on register {}`", list.name)),
                    );
                    return UNRESOLVED;
                }
                if bare && !self.codelists.contains(&list.name) {
                    // a bare name may be a code list or a definition
                    self.undefined(
                        "code list or definition",
                        list,
                        file,
                        |cx| cx
                        .codelists
                        .keys()
                        .chain(cx.defines.keys())
                        .map(String::from)
                        .collect(),
                        "define it with `codelist NAME \"title\" snomed { ... }` or `define NAME = ...`",
                    );
                    return UNRESOLVED;
                }
                let l = self.codelist(list, file);
                let p = paired.as_ref().map(|p| self.codelist(p, file));
                let w = window.as_ref().map(|w| self.window(w, file));
                let resolved_pred = match pred {
                    Some(EventPred::Value { agg, cmp, value, paired_value, span }) => {
                        if pick.is_none() {
                            self.push(
                                Diagnostic::error(
                                    Code::TypeMismatch,
                                    file,
                                    e.span,
                                    "a code list compared with a number",
                                )
                                .with_help(format!(
                                    "say which event's value: `latest {} ... has value ...` or `first {} ... has value ...`",
                                    list.name, list.name
                                )),
                            );
                        } else if paired.is_some() && paired_value.is_none() {
                            self.push(
                                Diagnostic::error(
                                    Code::TypeMismatch,
                                    file,
                                    *span,
                                    "a pair of code lists compared with one number",
                                )
                                .with_help(
                                    "give a value for each list, e.g. `has value <= 140 / 90`",
                                ),
                            );
                        } else if paired.is_none() && paired_value.is_some() {
                            self.push(
                                Diagnostic::error(
                                    Code::TypeMismatch,
                                    file,
                                    *span,
                                    "a pair of numbers compared with one code list",
                                )
                                .with_help(format!(
                                    "pair the code lists, e.g. `latest {} / DIASBP_COD`, or give one value",
                                    list.name
                                )),
                            );
                        }
                        let value = self.real(value, file);
                        let paired = match paired_value {
                            Some(v) => self.real(v, file).map(Some),
                            None => Some(None),
                        };
                        match (value, paired) {
                            (Some(value), Some(paired)) => Some(cond::Pred::Value {
                                highest: *agg == Some(ast::ValueAgg::Highest),
                                cmp: *cmp,
                                value,
                                paired,
                            }),
                            _ => None,
                        }
                    }
                    Some(EventPred::Date { rel, pick, list: other, window, .. }) => {
                        let other = self.codelist(other, file);
                        let window = window.as_ref().map(|w| self.window(w, file));
                        other.map(|list| cond::Pred::Date { rel: *rel, pick: *pick, list, window })
                    }
                    Some(EventPred::Member { list: other, .. }) => {
                        self.codelist(other, file).map(cond::Pred::Member)
                    }
                    Some(EventPred::Within { window, .. }) => {
                        Some(cond::Pred::Within(self.window(window, file)))
                    }
                    None => Some(cond::Pred::Exists),
                };
                if let (Some(p), false) = (paired, matches!(pred, Some(EventPred::Value { .. }))) {
                    self.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            file,
                            p.span,
                            "a pair of code lists needs a value test",
                        )
                        .with_help("pairs are for readings such as blood pressure: add `has value <= 140 / 90`"),
                    );
                }
                match (l, p, resolved_pred) {
                    (Some(list), None, Some(pred)) => {
                        Cond::Event { pick: *pick, list, paired: None, window: w, pred }
                    }
                    (Some(list), Some(Some(paired)), Some(pred)) => {
                        Cond::Event { pick: *pick, list, paired: Some(paired), window: w, pred }
                    }
                    _ => UNRESOLVED,
                }
            }
        }
    }

    fn is_define(&self, name: &str) -> bool {
        !self.codelists.contains(name) && self.defines.contains(name)
    }

    /// A name used as a code list: its index in the scheme's code lists.
    fn codelist(&mut self, name: &'a Ident, file: usize) -> Option<usize> {
        if let Some(i) = self.codelists.rank(&name.name) {
            self.used_lists.insert(&name.name);
            return Some(i);
        }
        if self.defines.contains(&name.name) {
            self.used_defines.insert(&name.name);
            self.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    file,
                    name.span,
                    format!("`{}` is a definition, not a code list", name.name),
                )
                .with_help("only a code list can be used here"),
            );
            return None;
        }
        self.undefined(
            "code list",
            name,
            file,
            |cx| cx.codelists.keys().chain(cx.defines.keys()).map(String::from).collect(),
            "define it with `codelist NAME \"title\" snomed { ... }`",
        );
        None
    }

    /// A number compared with a count or a value: `None` (with an error) when it is too large
    /// to hold.
    fn real(&mut self, n: &'a ast::Num, file: usize) -> Option<f64> {
        match n.text.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                self.push(
                    Diagnostic::error(
                        Code::BadNumber,
                        file,
                        n.span,
                        format!("`{}` is too large", n.text),
                    )
                    .with_help("numbers compared with counts and values must be below 10^308"),
                );
                None
            }
        }
    }

    pub(super) fn age_range(&mut self, r: &ast::AgeRange, file: usize) {
        let unit = if r.months { " months" } else { "" };
        if let (Some(min), Some(max)) = (r.min, r.max) {
            if min > max {
                self.push(
                    Diagnostic::error(
                        Code::BadAgeRange,
                        file,
                        r.span,
                        format!("no age is from {min} to {max}{unit}"),
                    )
                    .with_help(format!("write the lower age first: `aged {max} to {min}{unit}`")),
                );
            }
        }
    }

    /// A count of days, weeks, months or years the evaluator can use: 0 to 100,000.
    fn whole_number(&mut self, n: &'a crate::syntax::ast::Num, file: usize) -> Option<i32> {
        let v = n.text.parse::<i32>().ok().filter(|v| (0..=100_000).contains(v));
        if v.is_none() {
            self.push(
                Diagnostic::error(
                    Code::BadNumber,
                    file,
                    n.span,
                    format!("`{}` is not a usable whole number", n.text),
                )
                .with_help("write a whole number between 0 and 100000"),
            );
        }
        v
    }

    fn window(&mut self, w: &'a Window, file: usize) -> cond::Window {
        let kind = match &w.kind {
            WindowKind::Last { n, unit } => {
                cond::WindowKind::Last { n: self.whole_number(n, file).unwrap_or(0), unit: *unit }
            }
            WindowKind::Since(d) => cond::WindowKind::Since(d.date),
            WindowKind::Between(a, b) => {
                if b.date < a.date {
                    self.push(
                        Diagnostic::error(
                            Code::BadWindow,
                            file,
                            w.span,
                            format!("no date is between {} and {}", a.date, b.date),
                        )
                        .with_help("write the earlier date first"),
                    );
                }
                cond::WindowKind::Between(a.date, b.date)
            }
            WindowKind::Before(a) => cond::WindowKind::Before(self.anchor(a, file)),
            WindowKind::After(a) => cond::WindowKind::After(self.anchor(a, file)),
            WindowKind::OnOrBefore(a) => cond::WindowKind::OnOrBefore(self.anchor(a, file)),
            WindowKind::OnOrAfter(a) => cond::WindowKind::OnOrAfter(self.anchor(a, file)),
            WindowKind::SinceAnchor(a) => cond::WindowKind::SinceAnchor(self.anchor(a, file)),
            WindowKind::Period => {
                let (start, end) = self.period_dates();
                cond::WindowKind::Between(start, end)
            }
            WindowKind::From(a, b) => {
                let from = self.anchor(&a.anchor, file);
                let to = self.anchor(&b.anchor, file);
                let off = |o: &ast::OffsetAnchor| o.offset.map(|(n, u, _)| (n, u));
                cond::WindowKind::From(off(a), from, off(b), to)
            }
        };
        cond::Window { kind, text: cond::window_text(w), relative: w.is_period_relative() }
    }

    /// A window end's anchor (an unknown code list is reported, and anchors nothing).
    fn anchor(&mut self, a: &'a Anchor, file: usize) -> cond::Anchor {
        match a {
            Anchor::Date(d) => cond::Anchor::Date(d.date),
            Anchor::Event { pick, list, .. } => {
                cond::Anchor::Event(*pick, self.codelist(list, file).unwrap_or(0))
            }
            Anchor::Registration { .. } => cond::Anchor::Registration,
            Anchor::Birth { .. } => cond::Anchor::Birth,
            // the period of the scheme being checked (the root's, after inheritance), so a
            // window written this way moves with a variant's period
            Anchor::PeriodStart { .. } => cond::Anchor::Date(self.period_dates().0),
            Anchor::PeriodEnd { .. } => cond::Anchor::Date(self.period_dates().1),
        }
    }
}
