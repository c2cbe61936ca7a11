//! Conditions: every name resolved against the merged tables, every construct type-checked
//! (a window or a value test applies to code lists, not to definitions or registers).

use super::resolve::{Cx, Dep};
use crate::diag::{Code, Diagnostic};
use crate::syntax::ast::{self, Anchor, EventPred, Expr, ExprKind, Ident, Window, WindowKind};

impl<'a> Cx<'a> {
    /// Checks a condition written in `file`. References to definitions and registers are
    /// pushed to `deps` (for cycle detection).
    pub(super) fn expr(&mut self, e: &'a Expr, file: usize, deps: &mut Vec<Dep<'a>>) {
        match &e.kind {
            ExprKind::Bool(_) | ExprKind::Sex(_) => {}
            ExprKind::And(xs) | ExprKind::Or(xs) => {
                for x in xs {
                    self.expr(x, file, deps);
                }
            }
            ExprKind::Not(x) => self.expr(x, file, deps),
            ExprKind::OnRegister(r) => {
                if self.registers.contains(&r.name) {
                    deps.push(Dep { register: true, name: &r.name, span: r.span, file });
                } else {
                    self.undefined(
                        "register",
                        r,
                        file,
                        |cx| cx.registers.keys().map(String::from).collect(),
                        "`on register` names a register defined in the scheme",
                    );
                }
            }
            ExprKind::Aged(r) => self.age_range(r, file),
            ExprKind::Registered(w) => self.window(w, file),
            ExprKind::Count { list, window, apart_days, .. } => {
                if self.is_define(&list.name) {
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
                } else {
                    self.codelist(list, file);
                }
                if let Some(w) = window {
                    self.window(w, file);
                }
                if let Some(n) = apart_days {
                    self.whole_number(n, file);
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
            }
            ExprKind::Event { pick, list, paired, window, pred } => {
                let bare = pick.is_none() && paired.is_none() && window.is_none() && pred.is_none();
                if self.is_define(&list.name) {
                    if bare {
                        self.used_defines.insert(&list.name);
                        deps.push(Dep { register: false, name: &list.name, span: list.span, file });
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
                    return;
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
                    return;
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
                    return;
                }
                self.codelist(list, file);
                if let Some(p) = paired {
                    self.codelist(p, file);
                }
                if let Some(w) = window {
                    self.window(w, file);
                }
                match pred {
                    Some(EventPred::Value { paired_value, span, .. }) => {
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
                    }
                    Some(EventPred::Date { list: other, window, .. }) => {
                        self.codelist(other, file);
                        if let Some(w) = window {
                            self.window(w, file);
                        }
                    }
                    Some(EventPred::Member { list: other, .. }) => self.codelist(other, file),
                    Some(EventPred::Within { window, .. }) => self.window(window, file),
                    None => {}
                }
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
            }
        }
    }

    fn is_define(&self, name: &str) -> bool {
        !self.codelists.contains(name) && self.defines.contains(name)
    }

    /// A name used as a code list.
    fn codelist(&mut self, name: &'a Ident, file: usize) {
        if self.codelists.contains(&name.name) {
            self.used_lists.insert(&name.name);
            return;
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
            return;
        }
        self.undefined(
            "code list",
            name,
            file,
            |cx| cx.codelists.keys().chain(cx.defines.keys()).map(String::from).collect(),
            "define it with `codelist NAME \"title\" snomed { ... }`",
        );
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

    /// A count of days, weeks, months or years the evaluator can use: 0 to 100,000 (the
    /// compiler reads the same range, so a checked scheme always compiles).
    fn whole_number(&mut self, n: &'a crate::syntax::ast::Num, file: usize) {
        if !n.text.parse::<i32>().is_ok_and(|v| (0..=100_000).contains(&v)) {
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
    }

    fn window(&mut self, w: &'a Window, file: usize) {
        match &w.kind {
            WindowKind::Last { n, .. } => self.whole_number(n, file),
            WindowKind::Since(_) => {}
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
            }
            WindowKind::Before(a) | WindowKind::After(a) => self.anchor(a, file),
            WindowKind::From(a, b) => {
                self.anchor(&a.anchor, file);
                self.anchor(&b.anchor, file);
            }
        }
    }

    fn anchor(&mut self, a: &'a Anchor, file: usize) {
        if let Anchor::Event { list, .. } = a {
            self.codelist(list, file);
        }
    }
}
