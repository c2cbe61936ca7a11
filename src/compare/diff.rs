//! Structural diff of two resolved schemes: which indicators were added, retired or changed,
//! and in which fields, with both versions' source text.
//!
//! Conditions are compared by their source text with whitespace and comments normalised, so
//! moving a rule to another file or re-indenting it is not a change; code lists are compared by
//! their codes, so renaming a list is not a change but adding a code to it is.

use crate::scheme::{Condition, Indicator, Scheme, Sources};
use crate::syntax::ast::{Expr, ExprKind, Span};
use serde::Serialize;
use std::collections::BTreeSet;

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffStatus {
    Added,
    Retired,
    Changed,
    Unchanged,
}

impl DiffStatus {
    /// The status as reports write it (and as it serialises): `added`, `retired`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            DiffStatus::Added => "added",
            DiffStatus::Retired => "retired",
            DiffStatus::Changed => "changed",
            DiffStatus::Unchanged => "unchanged",
        }
    }
}

/// One changed field of an indicator, with its value on each side (as text).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub a: String,
    pub b: String,
}

/// One indicator's structural comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IndicatorDiff {
    pub id: String,
    pub status: DiffStatus,
    pub changes: Vec<FieldChange>,
    /// The indicator's source text in scheme A (None when added).
    pub text_a: Option<String>,
    /// The indicator's source text in scheme B (None when retired).
    pub text_b: Option<String>,
}

/// Header-level differences (point value, list size, payment model, period).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SchemeDiff {
    pub header: Vec<FieldChange>,
    pub indicators: Vec<IndicatorDiff>,
}

impl SchemeDiff {
    /// True when nothing at all differs.
    pub fn is_empty(&self) -> bool {
        self.header.is_empty() && self.indicators.iter().all(|d| d.status == DiffStatus::Unchanged)
    }
}

/// Compares two schemes. `sa` / `sb` are the sources each was checked from (for source text).
pub fn diff(a: &Scheme, sa: &Sources, b: &Scheme, sb: &Sources) -> SchemeDiff {
    let mut header = Vec::new();
    let mut field = |name: &'static str, x: String, y: String| {
        if x != y {
            header.push(FieldChange { field: name, a: x, b: y });
        }
    };
    field(
        "period",
        format!("{} to {}", a.period_start, a.period_end),
        format!("{} to {}", b.period_start, b.period_end),
    );
    field("point_value", a.point_value.to_string(), b.point_value.to_string());
    field(
        "national_average_list_size",
        a.national_average_list_size.map(|d| d.to_string()).unwrap_or_default(),
        b.national_average_list_size.map(|d| d.to_string()).unwrap_or_default(),
    );
    field(
        "national_prevalence",
        a.national_prevalence.as_ref().map(|n| n.describe()).unwrap_or_default(),
        b.national_prevalence.as_ref().map(|n| n.describe()).unwrap_or_default(),
    );
    field("payment", json(&a.payment), json(&b.payment));
    field("paid_to_networks", a.paid_to_networks.to_string(), b.paid_to_networks.to_string());
    let rounding = |s: &Scheme| {
        format!(
            "{} {} per {}",
            json(&s.rounding),
            s.rounding_mode.map_or("half up", |m| m.words()),
            s.payment_per.word()
        )
    };
    field("rounding", rounding(a), rounding(b));

    // indicators in A's order, then those only in B in B's order
    let mut indicators = Vec::new();
    for ia in &a.indicators {
        let text_a = Some(source_text(sa, ia.origin.file, ia.origin.span));
        match b.indicator(&ia.id) {
            None => indicators.push(IndicatorDiff {
                id: ia.id.clone(),
                status: DiffStatus::Retired,
                changes: vec![],
                text_a,
                text_b: None,
            }),
            Some(ib) => {
                let changes = indicator_changes(a, sa, ia, b, sb, ib);
                let status =
                    if changes.is_empty() { DiffStatus::Unchanged } else { DiffStatus::Changed };
                indicators.push(IndicatorDiff {
                    id: ia.id.clone(),
                    status,
                    changes,
                    text_a,
                    text_b: Some(source_text(sb, ib.origin.file, ib.origin.span)),
                });
            }
        }
    }
    for ib in &b.indicators {
        if a.indicator(&ib.id).is_none() {
            indicators.push(IndicatorDiff {
                id: ib.id.clone(),
                status: DiffStatus::Added,
                changes: vec![],
                text_a: None,
                text_b: Some(source_text(sb, ib.origin.file, ib.origin.span)),
            });
        }
    }
    SchemeDiff { header, indicators }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn source_text(s: &Sources, file: usize, span: Span) -> String {
    s.files.get(file).and_then(|f| f.text.get(span.range())).unwrap_or("").to_string()
}

/// An expression's source with comments dropped and whitespace collapsed.
fn expr_text(s: &Sources, e: &Option<Condition>) -> String {
    match e {
        None => String::new(),
        Some(l) => normalise(&source_text(s, l.file, l.node.span)),
    }
}

fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("");
        for word in line.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// Code lists an indicator's conditions refer to (directly, through defines and registers).
fn lists_used(scheme: &Scheme, ind: &Indicator) -> BTreeSet<String> {
    let mut lists = BTreeSet::new();
    let mut seen_defines = BTreeSet::new();
    let mut stack: Vec<&Expr> = Vec::new();
    let roots: Vec<&Option<Condition>> = [&ind.filter, &ind.exclude, &ind.achieved]
        .into_iter()
        .chain(ind.strata.iter().flat_map(|s| [&s.when, &s.achieved]))
        .collect();
    stack.extend(roots.into_iter().flatten().map(|l| &l.node));
    for adj in &ind.adjustments {
        stack.push(&adj.when.node);
    }
    if let Some(crate::scheme::Cohort::Register(r)) = &ind.cohort {
        if let Some(reg) = scheme.register(&r.id) {
            if let Some(f) = &reg.filter {
                stack.push(&f.node);
            }
        }
    }
    if let Some(r) = ind.register.as_ref().and_then(|r| scheme.register(&r.id)) {
        if let Some(f) = &r.filter {
            stack.push(&f.node);
        }
    }
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::And(xs) | ExprKind::Or(xs) => stack.extend(xs.iter()),
            ExprKind::Not(x) => stack.push(x),
            ExprKind::OnRegister(r) => {
                if let Some(f) = scheme.register(&r.name).and_then(|r| r.filter.as_ref()) {
                    stack.push(&f.node);
                }
            }
            ExprKind::Count { list, .. } => {
                lists.insert(list.name.clone());
            }
            ExprKind::Event { list, paired, pred, .. } => {
                if let Some(d) = scheme.define(&list.name) {
                    if seen_defines.insert(d.id.clone()) {
                        stack.push(&d.expr.node);
                    }
                } else {
                    lists.insert(list.name.clone());
                }
                if let Some(p) = paired {
                    lists.insert(p.name.clone());
                }
                match pred {
                    Some(crate::syntax::ast::EventPred::Date { list, .. })
                    | Some(crate::syntax::ast::EventPred::Member { list, .. }) => {
                        lists.insert(list.name.clone());
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    lists
}

/// `text` with the names of code lists that the `other` scheme does not have replaced by the
/// lists' codes, so that a condition naming a renamed list with the same codes compares equal.
/// (Lists both schemes name are compared by `code_lists`.)
fn canon(scheme: &Scheme, other: &Scheme, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        match scheme.codelist(word).filter(|_| other.codelist(word).is_none()) {
            Some(c) => {
                out.push('#');
                for (k, code) in c.codes.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    out.push_str(&code.to_string());
                }
            }
            None => out.push_str(word),
        }
        word.clear();
    };
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() || ch == '_' {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Codes of `x` not in `y` (both sorted), at most 20 shown.
fn codes_not_in(x: &[u64], y: &[u64]) -> String {
    let only: Vec<String> =
        x.iter().filter(|c| y.binary_search(c).is_err()).map(|c| c.to_string()).collect();
    let n = only.len();
    let mut shown: Vec<String> = only.into_iter().take(20).collect();
    if n > 20 {
        shown.push(format!("and {} more", n - 20));
    }
    shown.join(", ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn indicator_changes(
    a: &Scheme,
    sa: &Sources,
    ia: &Indicator,
    b: &Scheme,
    sb: &Sources,
    ib: &Indicator,
) -> Vec<FieldChange> {
    let mut out = Vec::new();
    // Compares `key`s, reports the shown texts.
    let mut keyed = |name: &'static str, x: String, y: String, same: bool| {
        if !same {
            out.push(FieldChange { field: name, a: x, b: y });
        }
    };
    let mut plain = |name: &'static str, x: String, y: String| {
        let same = x == y;
        keyed(name, x, y, same)
    };
    plain("title", ia.title.clone(), ib.title.clone());
    plain("group", ia.group.clone(), ib.group.clone());
    plain("domain", ia.domain.clone(), ib.domain.clone());
    plain("kind", json(&ia.kind), json(&ib.kind));
    plain("points", ia.points.normalize().to_string(), ib.points.normalize().to_string());
    let th = |i: &Indicator| {
        i.thresholds
            .map(|t| {
                let step = if t.lower_points.is_zero() {
                    String::new()
                } else {
                    format!(" with {} points at lower threshold", t.lower_points.normalize())
                };
                format!(
                    "{}% to {}%{step}",
                    (t.lower * rust_decimal::Decimal::ONE_HUNDRED).normalize(),
                    (t.upper * rust_decimal::Decimal::ONE_HUNDRED).normalize()
                )
            })
            .unwrap_or_default()
    };
    plain("thresholds", th(ia), th(ib));
    // Conditions: shown as written, compared with code-list names replaced by their codes.
    let mut cond = |name: &'static str, x: String, y: String| {
        let same = canon(a, b, &x) == canon(b, a, &y);
        keyed(name, x, y, same)
    };
    let cohort =
        |i: &Indicator, s: &Sources| format!("{} {}", json(&i.cohort), expr_text(s, &i.filter));
    cond("cohort", cohort(ia, sa), cohort(ib, sb));
    cond("exclude", expr_text(sa, &ia.exclude), expr_text(sb, &ib.exclude));
    cond("achieved", expr_text(sa, &ia.achieved), expr_text(sb, &ib.achieved));
    let adj = |i: &Indicator, s: &Sources| {
        i.adjustments
            .iter()
            .map(|x| {
                format!("{} when {}", x.category.source(), expr_text(s, &Some(x.when.clone())))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    cond("adjustments", adj(ia, sa), adj(ib, sb));
    let strata = |i: &Indicator, s: &Sources| {
        i.strata
            .iter()
            .map(|x| {
                format!(
                    "{} when {} achieved {} thresholds {} points {}",
                    x.id,
                    expr_text(s, &x.when),
                    expr_text(s, &x.achieved),
                    json(&x.thresholds),
                    x.points.normalize()
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    cond("strata", strata(ia, sa), strata(ib, sb));
    let mut plain = |name: &'static str, x: String, y: String| {
        let same = x == y;
        keyed(name, x, y, same)
    };
    plain("network", ia.network.to_string(), ib.network.to_string());
    plain("monitored", ia.monitored.to_string(), ib.monitored.to_string());
    // Code lists, compared by their codes (through defines and registers too): a code added to
    // or removed from a list the indicator uses is a change; renaming a list is not.
    let la = lists_used(a, ia);
    let lb = lists_used(b, ib);
    let codes = |s: &Scheme, n: &str| s.codelist(n).map(|c| c.codes.clone()).unwrap_or_default();
    let key = |s: &Scheme, names: &BTreeSet<String>| {
        names.iter().map(|n| codes(s, n)).collect::<BTreeSet<Vec<u64>>>()
    };
    let (ka, kb) = (key(a, &la), key(b, &lb));
    if ka != kb {
        let mut xa = Vec::new();
        let mut xb = Vec::new();
        for n in la.union(&lb) {
            let (ca, cb) =
                (la.contains(n).then(|| codes(a, n)), lb.contains(n).then(|| codes(b, n)));
            match (ca, cb) {
                (Some(ca), Some(cb)) if ca != cb => {
                    xa.push(format!("{n} ({} code{})", ca.len(), plural(ca.len())));
                    let mut d = format!("{n} ({} code{}", cb.len(), plural(cb.len()));
                    let added = codes_not_in(&cb, &ca);
                    let removed = codes_not_in(&ca, &cb);
                    if !added.is_empty() {
                        d.push_str(&format!("; added {added}"));
                    }
                    if !removed.is_empty() {
                        d.push_str(&format!("; removed {removed}"));
                    }
                    d.push(')');
                    xb.push(d);
                }
                (Some(ca), None) if !kb.contains(&ca) => {
                    xa.push(format!("{n} ({} code{})", ca.len(), plural(ca.len())));
                }
                (None, Some(cb)) if !ka.contains(&cb) => {
                    xb.push(format!("{n} ({} code{})", cb.len(), plural(cb.len())));
                }
                _ => {}
            }
        }
        keyed("code_lists", xa.join("; "), xb.join("; "), false);
    }
    out
}
