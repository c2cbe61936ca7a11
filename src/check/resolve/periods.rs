//! Dates inherited from a scheme of another period: a variant that moves the period keeps its
//! parents' windows as written, so a window between two dates of the parent's period (QOF's
//! "in the preceding 1 April to 31 March", written `between 2018-04-01 and 2019-03-31`) no
//! longer covers the variant's year. Windows written relative to the period (`in the period`,
//! `from ... the start of the period ...`) move with it; these warnings point at the others.
//!
//! Only closed windows with both ends dates inside the period of the scheme that wrote them are
//! reported: an open-ended cut-off (`since 2006-04-01`, `before 2020-04-01`) is usually a fixed
//! clinical date that later years keep on purpose.

use super::Cx;
use crate::check::load::Unit;
use crate::date::Date;
use crate::diag::{Code, Diagnostic};
use crate::scheme::{Condition, Scheme};
use crate::syntax::ast::{Anchor, EventPred, Expr, ExprKind, SchemeStmt, Window, WindowKind};

/// A period's first and last days.
type Period = (Date, Date);

/// The windows of a condition, in the order written (including those of `is ... latest X
/// WINDOW` and `is WINDOW`).
fn windows<'e>(e: &'e Expr, out: &mut Vec<&'e Window>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::And(xs) | ExprKind::Or(xs) => stack.extend(xs.iter().rev()),
            ExprKind::Not(x) => stack.push(x),
            ExprKind::Registered(w) => out.push(w),
            ExprKind::Count { window, .. } => out.extend(window.iter()),
            ExprKind::Event { window, pred, .. } => {
                out.extend(window.iter());
                match pred {
                    Some(EventPred::Date { window: Some(w), .. })
                    | Some(EventPred::Within { window: w, .. }) => out.push(w),
                    _ => {}
                }
            }
            ExprKind::Bool(_) | ExprKind::OnRegister(_) | ExprKind::Aged(_) | ExprKind::Sex(_) => {}
        }
    }
}

/// The two dates of a closed window written with dates only.
fn closed_dates(w: &Window) -> Option<(Date, Date)> {
    match &w.kind {
        WindowKind::Between(a, b) => Some((a.date, b.date)),
        WindowKind::From(a, b) => match (&a.anchor, &b.anchor) {
            (Anchor::Date(x), Anchor::Date(y)) => Some((x.date, y.date)),
            _ => None,
        },
        _ => None,
    }
}

impl Cx<'_> {
    /// Warns, at the root's `period` statement (or its header), for every window of an
    /// inherited item whose two dates lie in the period of the scheme that wrote it, when that
    /// period is not the root's.
    pub(super) fn inherited_dates(&mut self, chain: &[Unit], scheme: &Scheme) {
        let Some(root) = chain.first() else { return };
        let Some((period_file, start, end, period_span)) = self.header.period else { return };
        let here = (start.date, end.date);
        let at = if period_file == root.file {
            period_span
        } else {
            match root.header() {
                Some(h) => h.id.span,
                None => return,
            }
        };
        // each file's own period: its `period` statement or the nearest ancestor's
        let mut periods: Vec<(usize, &str, Option<Period>)> = Vec::new();
        let mut inherited = None;
        for unit in chain.iter().rev() {
            let own = unit.header().and_then(|h| {
                h.stmts.iter().find_map(|s| match s {
                    SchemeStmt::Period { start, end, .. } => Some((start.date, end.date)),
                    _ => None,
                })
            });
            inherited = own.or(inherited);
            periods.push((unit.file, unit.id.as_str(), inherited));
        }
        let mut items: Vec<(String, &Condition)> = Vec::new();
        for i in &scheme.indicators {
            let what = format!("indicator `{}`", i.id);
            let conds = i.filter.iter().chain(&i.exclude).chain(&i.achieved);
            let adjs = i.adjustments.iter().map(|a| &a.when);
            let strata = i.strata.iter().flat_map(|s| s.when.iter().chain(&s.achieved));
            for c in conds.chain(adjs).chain(strata) {
                items.push((what.clone(), c));
            }
        }
        for r in &scheme.registers {
            if let Some(c) = &r.filter {
                items.push((format!("register `{}`", r.id), c));
            }
        }
        for d in &scheme.defines {
            items.push((format!("definition `{}`", d.id), &d.expr));
        }
        for (what, c) in items {
            if c.file == root.file {
                continue;
            }
            let Some(&(_, parent, Some((ps, pe)))) = periods.iter().find(|p| p.0 == c.file) else {
                continue;
            };
            if (ps, pe) == here {
                continue;
            }
            let mut ws = Vec::new();
            windows(&c.node, &mut ws);
            for w in ws {
                let Some((a, b)) = closed_dates(w) else { continue };
                if !(ps <= a && a <= pe && ps <= b && b <= pe) {
                    continue;
                }
                let name = what.split('`').nth(1).unwrap_or("");
                let redo = if what.starts_with("indicator") {
                    format!("`change {name} {{ ... }}`")
                } else {
                    format!("redefine `{name}`")
                };
                let text = crate::scheme::cond::window_text(w);
                self.push(
                    Diagnostic::warning(
                        Code::InheritedDates,
                        root.file,
                        at,
                        format!(
                            "{what} inherits `{text}` from `{parent}`, dates of that scheme's period ({ps} to {pe})"
                        ),
                    )
                    .with_help(format!(
                        "this scheme's period is {} to {}, and the window does not move with it: write it relative to the period in `{parent}` (`in the period`, `from N months after the start of the period to the end of the period`), or {redo} here",
                        here.0, here.1
                    )),
                );
            }
        }
    }
}
