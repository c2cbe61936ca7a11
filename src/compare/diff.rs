//! Structural diff of two resolved schemes: which indicators were added, retired or changed,
//! and in which fields, with both versions' source text.
//!
//! Conditions are compared by their source text with whitespace and comments normalised, so
//! moving a rule to another file or re-indenting it is not a change; code lists are compared by
//! their codes, so renaming a list is not a change but adding a code to it is.

use crate::scheme::{Indicator, Located, Scheme, Sources};
use crate::syntax::ast::{Expr, ExprKind, Span};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffStatus {
    Added,
    Retired,
    Changed,
    Unchanged,
}

/// One changed field of an indicator, with its value on each side (as text).
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
    field("payment", json(&a.payment), json(&b.payment));
    field("paid_to_networks", a.paid_to_networks.to_string(), b.paid_to_networks.to_string());
    field("rounding", json(&a.rounding), json(&b.rounding));

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
fn expr_text(s: &Sources, e: &Option<Located<Expr>>) -> String {
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
    let roots: Vec<&Option<Located<Expr>>> = [&ind.filter, &ind.exclude, &ind.achieved]
        .into_iter()
        .chain(ind.strata.iter().flat_map(|s| [&s.when, &s.achieved]))
        .collect();
    stack.extend(roots.into_iter().flatten().map(|l| &l.node));
    for adj in &ind.adjustments {
        stack.push(&adj.when.node);
    }
    if let Some(crate::scheme::Cohort::Register(r)) = &ind.cohort {
        if let Some(reg) = scheme.register(r) {
            if let Some(f) = &reg.filter {
                stack.push(&f.node);
            }
        }
    }
    if let Some(r) = ind.register.as_deref().and_then(|r| scheme.register(r)) {
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

fn indicator_changes(
    a: &Scheme,
    sa: &Sources,
    ia: &Indicator,
    b: &Scheme,
    sb: &Sources,
    ib: &Indicator,
) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut field = |name: &'static str, x: String, y: String| {
        if x != y {
            out.push(FieldChange { field: name, a: x, b: y });
        }
    };
    field("title", ia.title.clone(), ib.title.clone());
    field("group", ia.group.clone(), ib.group.clone());
    field("domain", ia.domain.clone(), ib.domain.clone());
    field("kind", json(&ia.kind), json(&ib.kind));
    field("points", ia.points.normalize().to_string(), ib.points.normalize().to_string());
    let th = |i: &Indicator| {
        i.thresholds
            .map(|t| {
                format!(
                    "{}% to {}%",
                    (t.lower * rust_decimal::Decimal::ONE_HUNDRED).normalize(),
                    (t.upper * rust_decimal::Decimal::ONE_HUNDRED).normalize()
                )
            })
            .unwrap_or_default()
    };
    field("thresholds", th(ia), th(ib));
    let cohort =
        |i: &Indicator, s: &Sources| format!("{} {}", json(&i.cohort), expr_text(s, &i.filter));
    field("cohort", cohort(ia, sa), cohort(ib, sb));
    field("exclude", expr_text(sa, &ia.exclude), expr_text(sb, &ib.exclude));
    field("achieved", expr_text(sa, &ia.achieved), expr_text(sb, &ib.achieved));
    let adj = |i: &Indicator, s: &Sources| {
        i.adjustments
            .iter()
            .map(|x| {
                format!("{} when {}", x.category.source(), expr_text(s, &Some(x.when.clone())))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    field("adjustments", adj(ia, sa), adj(ib, sb));
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
    field("strata", strata(ia, sa), strata(ib, sb));
    field("network", ia.network.to_string(), ib.network.to_string());
    field("monitored", ia.monitored.to_string(), ib.monitored.to_string());
    // code lists: same names, different codes
    let la = lists_used(a, ia);
    let lb = lists_used(b, ib);
    let codes = |s: &Scheme, names: &BTreeSet<String>| {
        names
            .iter()
            .map(|n| {
                let codes = s.codelist(n).map(|c| c.codes.clone()).unwrap_or_default();
                format!("{n} {codes:?}")
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let common: BTreeSet<String> = la.intersection(&lb).cloned().collect();
    field("code_lists", codes(a, &common), codes(b, &common));
    out
}
