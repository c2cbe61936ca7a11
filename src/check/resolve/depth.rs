//! The depth of conditions through references. The evaluator, explanations and the test
//! runner recurse once per level of a condition, and a reference to a definition or register
//! continues into that one's condition; parentheses are bounded by the parser, but chains of
//! definitions (or registers) referring to each other are not. So the checker bounds the
//! whole depth, counted through references, by [`MAX_CONDITION_DEPTH`], and every command can
//! evaluate any checked scheme without running out of stack.
//!
//! The depths are worked out once per definition and register, dependencies first (an
//! iterative depth-first order), so a chain of any length costs time linear in its size.

use super::{dfs, Cx};
use crate::diag::{Code, Diagnostic};
use crate::scheme::{self, Cond, Condition};

/// The deepest a condition may nest, counting each `and`, `or`, `not` and test as a level, a
/// reference to a definition as one more level plus that definition's depth, and a reference
/// to a register as two more levels plus the depth of the register's `where` condition
/// (docs/language.md, "Limits").
pub const MAX_CONDITION_DEPTH: usize = 200;

/// Per definition, then per register: the depth of its condition.
struct Depths {
    defines: Vec<usize>,
    registers: Vec<usize>,
}

impl Depths {
    /// The depth of `c`, and the largest depth among the definitions and registers it refers
    /// to (to report a chain once, where it first goes over the limit).
    fn of(&self, c: &Cond) -> (usize, usize) {
        match c {
            Cond::And(xs) | Cond::Or(xs) => {
                let (d, r) = xs
                    .iter()
                    .map(|x| self.of(x))
                    .fold((0, 0), |(a, b), (c, d)| (a.max(c), b.max(d)));
                (d.saturating_add(1), r)
            }
            Cond::Not(x) => {
                let (d, r) = self.of(x);
                (d.saturating_add(1), r)
            }
            Cond::Define(i) => {
                let d = self.defines.get(*i).copied().unwrap_or(0);
                (d.saturating_add(1), d)
            }
            Cond::OnRegister(i) => {
                let d = self.registers.get(*i).copied().unwrap_or(0);
                (d.saturating_add(2), d)
            }
            _ => (1, 0),
        }
    }
}

/// Calls `f` on every definition and register a condition refers to (`Define(d)` as `d`,
/// `OnRegister(r)` as `nd + r`).
fn refs(c: &Cond, nd: usize, f: &mut impl FnMut(usize)) {
    match c {
        Cond::And(xs) | Cond::Or(xs) => xs.iter().for_each(|x| refs(x, nd, f)),
        Cond::Not(x) => refs(x, nd, f),
        Cond::Define(d) => f(*d),
        Cond::OnRegister(r) => f(nd + r),
        _ => {}
    }
}

impl Cx<'_> {
    /// Reports conditions nested deeper than [`MAX_CONDITION_DEPTH`] through references: each
    /// definition or register where a chain first goes over the limit, and each other
    /// condition that goes over it by itself.
    pub(super) fn depth_limit(&mut self, scheme: &scheme::Scheme) {
        let nd = scheme.defines.len();
        let own: Vec<Option<&Condition>> = scheme
            .defines
            .iter()
            .map(|d| Some(&d.expr))
            .chain(scheme.registers.iter().map(|r| r.filter.as_ref()))
            .collect();
        let adj: Vec<Vec<(usize, ())>> = own
            .iter()
            .map(|c| {
                let mut out = Vec::new();
                if let Some(c) = c {
                    refs(&c.cond, nd, &mut |t| out.push((t, ())));
                }
                out
            })
            .collect();
        let (order, _) = dfs(&adj);
        let mut depths =
            Depths { defines: vec![0; nd], registers: vec![0; scheme.registers.len()] };
        let mut over = Vec::new();
        for u in order {
            let (d, inner) = own[u].map_or((0, 0), |c| depths.of(&c.cond));
            if u < nd {
                depths.defines[u] = d;
            } else {
                depths.registers[u - nd] = d;
            }
            if d > MAX_CONDITION_DEPTH && inner <= MAX_CONDITION_DEPTH {
                over.push((u, d));
            }
        }
        for (u, d) in over {
            let Some(c) = own[u] else { continue };
            let what = if u < nd {
                format!("definition `{}`", scheme.defines[u].id)
            } else {
                format!("register `{}`", scheme.registers[u - nd].id)
            };
            self.push(too_deep(c, &what, d));
        }
        let mut others: Vec<&Condition> = Vec::new();
        for i in &scheme.indicators {
            others.extend([&i.filter, &i.exclude, &i.achieved].into_iter().flatten());
            others.extend(i.adjustments.iter().map(|a| &a.when));
            for s in &i.strata {
                others.extend([&s.when, &s.achieved].into_iter().flatten());
            }
        }
        for c in others {
            let (d, inner) = depths.of(&c.cond);
            if d > MAX_CONDITION_DEPTH && inner <= MAX_CONDITION_DEPTH {
                self.push(too_deep(c, "this condition", d));
            }
        }
        let reports =
            scheme.reports.iter().chain(scheme.indicators.iter().flat_map(|i| &i.reports));
        for r in reports {
            for c in r.classes.iter().flatten() {
                let (d, inner) = depths.of(c);
                if d > MAX_CONDITION_DEPTH && inner <= MAX_CONDITION_DEPTH {
                    self.push(
                        Diagnostic::error(
                            Code::TooDeep,
                            r.file,
                            r.node.span,
                            format!("a class condition nests {d} levels deep, counting the definitions and registers it refers to"),
                        )
                        .with_help(help()),
                    );
                }
            }
        }
    }
}

fn help() -> String {
    format!(
        "at most {MAX_CONDITION_DEPTH} levels are allowed; shorten the chain of definitions (or registers) that refer to one another, e.g. by writing a condition out in full instead of through another definition"
    )
}

fn too_deep(c: &Condition, what: &str, depth: usize) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        c.file,
        c.node.span,
        format!(
            "{what} nests {depth} levels deep, counting the definitions and registers it refers to"
        ),
    )
    .with_help(help())
}
