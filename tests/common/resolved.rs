//! The check/compile contract, asserted: every condition of a checked scheme is resolved to
//! the very names it was written with (code lists, registers, definitions by index), its
//! numbers parsed to the values written, and the compiled program has an entry for each index.
//! Shared by the tests that produce schemes (`robustness`, `reference`).

use qofrules::compile::Program;
use qofrules::scheme::cond::{self, Cond};
use qofrules::scheme::{Cohort, Condition, Kind, Scheme};
use qofrules::syntax::ast::{Anchor, EventPred, Expr, ExprKind, ValueAgg, Window, WindowKind};

/// Panics (naming the condition) unless every resolved part of `s` matches its text and
/// `prog` (compiled from `s`) has every table the indices point into.
pub fn assert_resolved(s: &Scheme, prog: &Program) {
    assert_eq!(prog.lists.len(), s.codelists.len());
    assert_eq!(prog.registers.len(), s.registers.len());
    assert_eq!(prog.defines.len(), s.defines.len());
    assert_eq!(prog.indicators.len(), s.indicators.len());
    let mut conds: Vec<&Condition> = Vec::new();
    conds.extend(s.registers.iter().filter_map(|r| r.filter.as_ref()));
    conds.extend(s.defines.iter().map(|d| &d.expr));
    for i in &s.indicators {
        conds.extend([&i.filter, &i.exclude, &i.achieved].into_iter().flatten());
        conds.extend(i.adjustments.iter().map(|a| &a.when));
        for st in &i.strata {
            conds.extend([&st.when, &st.achieved].into_iter().flatten());
        }
        if i.kind == Kind::Register {
            let r = i.register.as_ref().expect("a register indicator names its register");
            assert_eq!(s.registers[r.index].id, r.id);
        }
        if let Some(Cohort::Register(r)) = &i.cohort {
            assert_eq!(s.registers[r.index].id, r.id);
        }
        for r in &i.reports {
            report(s, r);
        }
    }
    for r in &s.reports {
        report(s, r);
    }
    for c in conds {
        expr(s, &c.node, &c.cond);
    }
    for r in &s.registers {
        assert_eq!(r.list_type, qofrules::compile::ListType::parse(&r.list_type.id).unwrap());
    }
}

fn report(s: &Scheme, r: &qofrules::scheme::Report) {
    if let qofrules::syntax::ast::ReportKind::Custom { classes, .. } = &r.node.kind {
        assert_eq!(classes.len(), r.classes.len());
        for ((_, e), c) in classes.iter().zip(&r.classes) {
            match (e, c) {
                (Some(e), Some(c)) => expr(s, e, c),
                (None, None) => {}
                _ => panic!("report class resolved differently: {e:?} {c:?}"),
            }
        }
    }
}

fn num(text: &str) -> f64 {
    text.parse().unwrap()
}

fn expr(s: &Scheme, e: &Expr, c: &Cond) {
    match (&e.kind, c) {
        (ExprKind::Bool(a), Cond::Bool(b)) => assert_eq!(a, b),
        (ExprKind::And(xs), Cond::And(ys)) | (ExprKind::Or(xs), Cond::Or(ys)) => {
            assert_eq!(xs.len(), ys.len());
            for (x, y) in xs.iter().zip(ys) {
                expr(s, x, y);
            }
        }
        (ExprKind::Not(x), Cond::Not(y)) => expr(s, x, y),
        (ExprKind::OnRegister(id), Cond::OnRegister(i)) => assert_eq!(s.registers[*i].id, id.name),
        (
            ExprKind::Event { list, pick: None, paired: None, window: None, pred: None },
            Cond::Define(d),
        ) => {
            assert_eq!(s.defines[*d].id, list.name)
        }
        (ExprKind::Aged(a), Cond::Aged { min, max, months }) => {
            assert_eq!((a.min, a.max, a.months), (*min, *max, *months))
        }
        (ExprKind::Sex(a), Cond::Sex(b)) => assert_eq!(a, b),
        (ExprKind::Registered(w), Cond::Registered(v)) => window(s, w, v),
        (
            ExprKind::Count { list, window: w, apart_days, cmp, value },
            Cond::Count { list: l, window: v, apart_days: a, cmp: c, value: x },
        ) => {
            assert_eq!(s.codelists[*l].id, list.name);
            opt_window(s, w.as_ref(), v.as_ref());
            assert_eq!(apart_days.as_ref().map_or(0, |n| n.text.parse::<i32>().unwrap()), *a);
            assert_eq!((cmp, num(&value.text)), (c, *x));
        }
        (
            ExprKind::Event { pick, list, paired, window: w, pred },
            Cond::Event { pick: p, list: l, paired: q, window: v, pred: r },
        ) => {
            assert_eq!(pick, p);
            assert_eq!(s.codelists[*l].id, list.name);
            assert_eq!(paired.as_ref().map(|x| &x.name), q.map(|q| &s.codelists[q].id));
            opt_window(s, w.as_ref(), v.as_ref());
            match (pred, r) {
                (None, cond::Pred::Exists) => {}
                (
                    Some(EventPred::Value { agg, cmp, value, paired_value, .. }),
                    cond::Pred::Value { highest, cmp: c, value: x, paired: y },
                ) => {
                    assert_eq!(*agg == Some(ValueAgg::Highest), *highest);
                    assert_eq!((cmp, num(&value.text)), (c, *x));
                    assert_eq!(paired_value.as_ref().map(|v| num(&v.text)), *y);
                }
                (
                    Some(EventPred::Date { rel, pick, list, window: w, .. }),
                    cond::Pred::Date { rel: r2, pick: p2, list: l2, window: v },
                ) => {
                    assert_eq!((rel, pick), (r2, p2));
                    assert_eq!(s.codelists[*l2].id, list.name);
                    opt_window(s, w.as_ref(), v.as_ref());
                }
                (Some(EventPred::Member { list, .. }), cond::Pred::Member(l2)) => {
                    assert_eq!(s.codelists[*l2].id, list.name)
                }
                (Some(EventPred::Within { window: w, .. }), cond::Pred::Within(v)) => {
                    window(s, w, v)
                }
                (a, b) => panic!("predicate resolved differently: {a:?} -> {b:?}"),
            }
        }
        (a, b) => panic!("condition resolved differently: {a:?} -> {b:?}"),
    }
}

fn opt_window(s: &Scheme, w: Option<&Window>, v: Option<&cond::Window>) {
    match (w, v) {
        (Some(w), Some(v)) => window(s, w, v),
        (None, None) => {}
        (a, b) => panic!("window resolved differently: {a:?} -> {b:?}"),
    }
}

fn window(s: &Scheme, w: &Window, v: &cond::Window) {
    assert_eq!(cond::window_text(w), v.text);
    assert_eq!(w.is_period_relative(), v.relative);
    match (&w.kind, &v.kind) {
        // the scheme's own period, not the one of the file the window was written in
        (WindowKind::Period, cond::WindowKind::Between(c, d)) => {
            assert_eq!((s.period_start, s.period_end), (*c, *d))
        }
        (WindowKind::OnOrBefore(a), cond::WindowKind::OnOrBefore(b))
        | (WindowKind::OnOrAfter(a), cond::WindowKind::OnOrAfter(b))
        | (WindowKind::SinceAnchor(a), cond::WindowKind::SinceAnchor(b)) => anchor(s, a, b),
        (WindowKind::Last { n, unit }, cond::WindowKind::Last { n: m, unit: u }) => {
            assert_eq!((n.text.parse::<i32>().unwrap(), unit), (*m, u))
        }
        (WindowKind::Since(d), cond::WindowKind::Since(e)) => assert_eq!(d.date, *e),
        (WindowKind::Between(a, b), cond::WindowKind::Between(c, d)) => {
            assert_eq!((a.date, b.date), (*c, *d))
        }
        (WindowKind::Before(a), cond::WindowKind::Before(b))
        | (WindowKind::After(a), cond::WindowKind::After(b)) => anchor(s, a, b),
        (WindowKind::From(a, b), cond::WindowKind::From(ao, x, bo, y)) => {
            assert_eq!(a.offset.map(|(n, u, _)| (n, u)), *ao);
            assert_eq!(b.offset.map(|(n, u, _)| (n, u)), *bo);
            anchor(s, &a.anchor, x);
            anchor(s, &b.anchor, y);
        }
        (a, b) => panic!("window resolved differently: {a:?} -> {b:?}"),
    }
}

fn anchor(s: &Scheme, a: &Anchor, b: &cond::Anchor) {
    match (a, b) {
        (Anchor::Date(d), cond::Anchor::Date(e)) => assert_eq!(d.date, *e),
        (Anchor::Event { pick, list, .. }, cond::Anchor::Event(p, l)) => {
            assert_eq!(pick, p);
            assert_eq!(s.codelists[*l].id, list.name);
        }
        (Anchor::PeriodStart { .. }, cond::Anchor::Date(e)) => assert_eq!(s.period_start, *e),
        (Anchor::PeriodEnd { .. }, cond::Anchor::Date(e)) => assert_eq!(s.period_end, *e),
        (Anchor::Registration { .. }, cond::Anchor::Registration)
        | (Anchor::Birth { .. }, cond::Anchor::Birth) => {}
        (a, b) => panic!("anchor resolved differently: {a:?} -> {b:?}"),
    }
}
