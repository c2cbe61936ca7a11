//! Classes of equivalent mutations judged on the rule and on the mutant both: each claims that
//! the patients on whom the moved atom (or register) can change have the same outcome under
//! both programs, and checks what it relies on in each of them, so a move that breaks the
//! reason is not claimed. Like the other classes, every claim is also run against the
//! generated tests, and the mutation test fails if one of them detects it.

use super::{operands, same_atom, windows_of, Edit, Mutation};
use qofrules::compile::{AnchorIr, End, Node, NodeId, Pred, Program, MIN_DATE};
use qofrules::date::Date;
use qofrules::scheme::Kind;
use qofrules::syntax::ast::{Cmp, Pick};
use std::collections::BTreeSet;

/// A window's first and last days.
type Span = (Date, Date);

/// Whole years, both ends included (`lo > hi`: no age).
type Ages = (i32, i32);

const ANY_AGE: Ages = (0, i32::MAX);
const NO_AGE: Ages = (1, 0);
/// How deep definitions and registers are followed.
const DEPTH: u32 = 64;

fn limits(lo: Option<i32>, hi: Option<i32>) -> Ages {
    (lo.unwrap_or(0), hi.unwrap_or(i32::MAX))
}

fn meet(a: Ages, b: Ages) -> Ages {
    (a.0.max(b.0), a.1.min(b.1))
}

fn hull(a: Ages, b: Ages) -> Ages {
    if a.0 > a.1 {
        b
    } else if b.0 > b.1 {
        a
    } else {
        (a.0.min(b.0), a.1.max(b.1))
    }
}

fn within(x: i32, a: Ages) -> bool {
    a.0 <= x && x <= a.1
}

fn kids(prog: &Program, s: u32, l: u32) -> &[NodeId] {
    &prog.kids[s as usize..(s + l) as usize]
}

/// The ages outside which condition `n` is false (not every age inside need pass).
fn implied_ages(prog: &Program, n: NodeId, depth: u32) -> Ages {
    if depth > DEPTH {
        return ANY_AGE;
    }
    match &prog.nodes[n as usize] {
        Node::Aged(a, b) => limits(*a, *b),
        Node::Const(false) => NO_AGE,
        Node::And(s, l) => kids(prog, *s, *l)
            .iter()
            .fold(ANY_AGE, |a, &k| meet(a, implied_ages(prog, k, depth + 1))),
        Node::Or(s, l) => kids(prog, *s, *l)
            .iter()
            .fold(NO_AGE, |a, &k| hull(a, implied_ages(prog, k, depth + 1))),
        Node::Define(d) => implied_ages(prog, prog.defines[*d as usize].node, depth + 1),
        Node::OnRegister(r) => register_ages(prog, *r, depth + 1),
        _ => ANY_AGE,
    }
}

/// The ages outside which no patient is on register `r`.
fn register_ages(prog: &Program, r: u32, depth: u32) -> Ages {
    let x = &prog.registers[r as usize];
    let own = limits(x.min_age, x.max_age);
    x.filter.map_or(own, |f| meet(own, implied_ages(prog, f, depth + 1)))
}

/// The ages outside which every patient is excluded from indicator `k` (its register, or its
/// cohort register and denominator filter).
fn admitted_ages(prog: &Program, k: usize) -> Ages {
    let i = &prog.indicators[k];
    match i.kind {
        Kind::Register => i.register.map_or(ANY_AGE, |r| register_ages(prog, r, 0)),
        Kind::Fraction => {
            let a = i.cohort.map_or(ANY_AGE, |r| register_ages(prog, r, 0));
            i.filter.map_or(a, |f| meet(a, implied_ages(prog, f, 0)))
        }
        Kind::Attested => NO_AGE,
    }
}

/// The ages at which limits `old` and `new` disagree (limits moved by one unit).
fn changed_ages(old: Ages, new: Ages) -> Vec<i32> {
    let ends = [old.0, old.1, new.0, new.1];
    let mut out: Vec<i32> = ends
        .iter()
        .flat_map(|&e| [e.saturating_sub(1), e, e.saturating_add(1)])
        .filter(|&x| x >= 0 && within(x, old) != within(x, new))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The value condition `n` has for every patient whose age is in `u`, when ages alone fix it.
fn fixed_by_age(prog: &Program, n: NodeId, u: Ages, depth: u32) -> Option<bool> {
    if depth > DEPTH {
        return None;
    }
    let disjoint = |a: Ages| a.1 < u.0 || u.1 < a.0;
    match &prog.nodes[n as usize] {
        Node::Const(b) => Some(*b),
        Node::Aged(a, b) => {
            let a = limits(*a, *b);
            if a.0 <= u.0 && u.1 <= a.1 {
                Some(true)
            } else if disjoint(a) {
                Some(false)
            } else {
                None
            }
        }
        Node::And(s, l) | Node::Or(s, l) => {
            let and = matches!(prog.nodes[n as usize], Node::And(..));
            let vs: Vec<Option<bool>> =
                kids(prog, *s, *l).iter().map(|&k| fixed_by_age(prog, k, u, depth + 1)).collect();
            if vs.contains(&Some(!and)) {
                Some(!and)
            } else if vs.iter().all(|v| *v == Some(and)) {
                Some(and)
            } else {
                None
            }
        }
        Node::Not(k) => fixed_by_age(prog, *k, u, depth + 1).map(|b| !b),
        Node::Define(d) => fixed_by_age(prog, prog.defines[*d as usize].node, u, depth + 1),
        Node::OnRegister(r) => {
            let x = &prog.registers[*r as usize];
            let f = x.filter.and_then(|f| fixed_by_age(prog, f, u, depth + 1));
            (disjoint(limits(x.min_age, x.max_age)) || f == Some(false)).then_some(false)
        }
        _ => None,
    }
}

/// The atoms below `n` whose value can change `n` for a patient whose age is in `u`.
fn live_atoms(prog: &Program, n: NodeId, u: Ages, depth: u32, out: &mut BTreeSet<NodeId>) {
    if depth > DEPTH || fixed_by_age(prog, n, u, depth).is_some() {
        return;
    }
    match &prog.nodes[n as usize] {
        Node::And(s, l) | Node::Or(s, l) => {
            for &k in kids(prog, *s, *l) {
                live_atoms(prog, k, u, depth + 1, out);
            }
        }
        Node::Not(k) => live_atoms(prog, *k, u, depth + 1, out),
        Node::Define(d) => live_atoms(prog, prog.defines[*d as usize].node, u, depth + 1, out),
        Node::OnRegister(r) => {
            if let Some(f) = prog.registers[*r as usize].filter {
                live_atoms(prog, f, u, depth + 1, out);
            }
        }
        _ => {
            out.insert(n);
        }
    }
}

/// The roots of indicator `k`'s cascade, its (cohort) register's condition first.
pub(super) fn cascade(prog: &Program, k: usize) -> (Option<NodeId>, Vec<NodeId>) {
    let i = &prog.indicators[k];
    let rf = i.register_of().and_then(|r| prog.registers[r as usize].filter);
    let rest = if i.kind == Kind::Fraction { i.conditions() } else { Vec::new() };
    (rf, rest)
}

/// The atoms of indicator `k`'s cascade that edit `e` changes (`None`: a register's ages).
fn moved_atoms(prog: &Program, k: usize, e: &Edit) -> Option<Vec<NodeId>> {
    let (rf, rest) = cascade(prog, k);
    let roots: Vec<NodeId> = rf.into_iter().chain(rest).collect();
    let all = qofrules::boundary::atoms(prog, &roots, &mut Vec::new());
    match e {
        Edit::Node(n, _) => Some(vec![*n]),
        Edit::Window(w, ..) => Some(
            all.into_iter().filter(|&n| windows_of(&prog.nodes[n as usize]).contains(w)).collect(),
        ),
        Edit::Register(..) => None,
    }
}

/// Ages: the mutation changes a condition only for patients of ages that indicator `k`
/// excludes under both programs, or it moves an atom that, for patients of the ages it
/// admits, sits only where the other age limits decide (`FF_COD since 2014-04-01` anded with
/// `aged 75 or over`, for a denominator of ages 50 to 74).
fn ages_decide(rule: &Program, mutant: &Program, k: usize, m: &Mutation) -> Option<&'static str> {
    let u = hull(admitted_ages(rule, k), admitted_ages(mutant, k));
    let outside = |s: Vec<i32>| !s.is_empty() && s.iter().all(|&x| !within(x, u));
    let moved = match &m.edit {
        Edit::Register(r, ..) => {
            let (a, b) = (&rule.registers[*r as usize], &mutant.registers[*r as usize]);
            Some(changed_ages(limits(a.min_age, a.max_age), limits(b.min_age, b.max_age)))
        }
        Edit::Node(n, _) => match (&rule.nodes[*n as usize], &mutant.nodes[*n as usize]) {
            (Node::Aged(a, b), Node::Aged(c, d)) => {
                Some(changed_ages(limits(*a, *b), limits(*c, *d)))
            }
            _ => None,
        },
        Edit::Window(..) => None,
    };
    if let Some(s) = moved {
        return outside(s).then_some(
            "it changes a condition only at ages the indicator's register and denominator \
             exclude, with the limit moved or not",
        );
    }
    let atoms = moved_atoms(rule, k, &m.edit)?;
    let (rf, rest) = cascade(rule, k);
    let mut live = BTreeSet::new();
    for r in rf.into_iter().chain(rest) {
        live_atoms(rule, r, u, 0, &mut live);
    }
    (!atoms.is_empty() && atoms.iter().all(|a| !live.contains(a))).then_some(
        "at every age the indicator's register and denominator admit, an age limit beside the \
         moved atom decides the condition it is in",
    )
}

/// A fixed window's dates, its last day no later than the period end date (events after it
/// are ignored); `None` for a window anchored on an event, registration or birth.
fn fixed(prog: &Program, w: Option<u32>) -> Option<(Date, Date)> {
    let Some(w) = w else { return Some((MIN_DATE, prog.pped)) };
    match (prog.windows[w as usize].lo, prog.windows[w as usize].hi) {
        (End::Fixed(a), End::Fixed(b)) => Some((a, b.min(prog.pped))),
        _ => None,
    }
}

/// The dates between which atom `a` (an event of one list) has its selected event whenever it
/// holds, and that list.
fn event_range(prog: &Program, a: NodeId) -> Option<(u32, Date, Date)> {
    let Node::Event { list, paired: None, window, pred, .. } = &prog.nodes[a as usize] else {
        return None;
    };
    let (lo, hi) = fixed(prog, *window)?;
    match pred {
        Pred::Within(w2) => {
            let (a2, b2) = fixed(prog, Some(*w2))?;
            Some((*list, lo.max(a2), hi.min(b2)))
        }
        _ => Some((*list, lo, hi)),
    }
}

/// Every value `cmp_a ta` admits, `cmp_b tb` admits.
fn value_implies(ca: Cmp, ta: f64, cb: Cmp, tb: f64) -> bool {
    match (ca, cb) {
        (Cmp::Ge, Cmp::Ge) | (Cmp::Gt, Cmp::Gt) | (Cmp::Gt, Cmp::Ge) => ta >= tb,
        (Cmp::Ge, Cmp::Gt) => ta > tb,
        (Cmp::Le, Cmp::Le) | (Cmp::Lt, Cmp::Lt) | (Cmp::Lt, Cmp::Le) => ta <= tb,
        (Cmp::Le, Cmp::Lt) => ta < tb,
        (Cmp::Eq, _) => match cb {
            Cmp::Le => ta <= tb,
            Cmp::Ge => ta >= tb,
            Cmp::Lt => ta < tb,
            Cmp::Gt => ta > tb,
            Cmp::Eq => ta == tb,
            Cmp::Ne => ta != tb,
        },
        _ => false,
    }
}

/// Whether every patient for whom atom `a` holds has atom `b` hold: equal atoms; `b` an event
/// of a list holding `a`'s codes in a window holding the dates `a`'s event has; or `b` the
/// same selection as `a` (the latest event of the same codes in the same window, or in one
/// starting earlier and ending the same day) with a value test that `a`'s implies.
fn implies(prog: &Program, a: NodeId, b: NodeId) -> bool {
    if same_atom(prog, a, b) {
        return true;
    }
    let Node::Event { pick: pb, list: lb, paired: None, window: wb, pred: qb } =
        &prog.nodes[b as usize]
    else {
        return false;
    };
    let codes = |l: u32| &prog.lists[l as usize].codes;
    match qb {
        Pred::Exists if pb.is_none() => {
            let (Some((la, lo, hi)), Some((blo, bhi))) = (event_range(prog, a), fixed(prog, *wb))
            else {
                return false;
            };
            lo <= hi
                && blo <= lo
                && hi <= bhi
                && codes(la).iter().all(|c| codes(*lb).binary_search(c).is_ok())
        }
        Pred::Value { highest: hb, cmp: cb, value: tb, paired: None } => {
            let Node::Event {
                pick: pa,
                list: la,
                paired: None,
                window: wa,
                pred: Pred::Value { highest: ha, cmp: ca, value: ta, paired: None },
            } = &prog.nodes[a as usize]
            else {
                return false;
            };
            let (Some((alo, ahi)), Some((blo, bhi))) = (fixed(prog, *wa), fixed(prog, *wb)) else {
                return false;
            };
            let same_selection = match pa {
                Some(Pick::Latest) => ahi == bhi && blo <= alo,
                Some(Pick::First) => alo == blo && ahi <= bhi,
                None => false,
            };
            pa == pb
                && ha == hb
                && codes(*la) == codes(*lb)
                && same_selection
                && value_implies(*ca, *ta, *cb, *tb)
        }
        _ => false,
    }
}

/// The atoms of the register condition `rf` inside a part of it that the denominator filter
/// `f` implies (an `or` with an operand, or an atom, that an operand of the filter's `and`
/// implies): for a patient the filter admits, that part holds whatever those atoms are.
fn implied_atoms(prog: &Program, rf: NodeId, f: NodeId) -> BTreeSet<NodeId> {
    let given = operands(prog, f, true);
    let implied = |r: NodeId| {
        operands(prog, r, false).iter().any(|&b| given.iter().any(|&a| implies(prog, a, b)))
    };
    let mut out = BTreeSet::new();
    let mut stack = vec![(rf, 0)];
    while let Some((n, depth)) = stack.pop() {
        if depth > DEPTH {
            continue;
        }
        if implied(n) {
            out.extend(qofrules::boundary::atoms(prog, &[n], &mut Vec::new()));
            continue;
        }
        match &prog.nodes[n as usize] {
            Node::And(s, l) | Node::Or(s, l) => {
                stack.extend(kids(prog, *s, *l).iter().map(|&k| (k, depth + 1)));
            }
            Node::Not(k) => stack.push((*k, depth + 1)),
            Node::Define(d) => stack.push((prog.defines[*d as usize].node, depth + 1)),
            _ => {}
        }
    }
    out
}

/// Implied: the moved atoms are read only by the cohort register's condition, inside a part
/// of it that the denominator filter implies under both programs (`CAN_COD since 2003-04-01`
/// for a denominator of `latest CAN_COD is in last 15 months`; `latest BMI_COD in last 12
/// months has value >= 30` for one of `... >= 40`).
fn filter_implies(
    rule: &Program,
    mutant: &Program,
    k: usize,
    m: &Mutation,
) -> Option<&'static str> {
    let i = &rule.indicators[k];
    let (Kind::Fraction, Some(r), Some(f)) = (i.kind, i.cohort, i.filter) else { return None };
    let rf = rule.registers[r as usize].filter?;
    let atoms = moved_atoms(rule, k, &m.edit)?;
    let (_, rest) = cascade(rule, k);
    let elsewhere: BTreeSet<NodeId> =
        qofrules::boundary::atoms(rule, &rest, &mut Vec::new()).into_iter().collect();
    let (a, b) = (implied_atoms(rule, rf, f), implied_atoms(mutant, rf, f));
    let claimed = !atoms.is_empty()
        && atoms.iter().all(|n| !elsewhere.contains(n) && a.contains(n) && b.contains(n));
    claimed.then_some(
        "only the cohort register's condition reads it, inside a part of that condition the \
         denominator filter implies, with the atom moved or not",
    )
}

/// A class of equivalent mutations judged on the rule and the mutant both, or `None`.
pub(super) fn equivalent_both(
    rule: &Program,
    mutant: &Program,
    k: usize,
    m: &Mutation,
) -> Option<&'static str> {
    ages_decide(rule, mutant, k, m)
        .or_else(|| filter_implies(rule, mutant, k, m))
        .or_else(|| covered_by_or(rule, mutant, k, m))
        .or_else(|| widened_latest(rule, mutant, k, m))
        .or_else(|| excluded_on_last_day(rule, mutant, k, m))
}

/// The nodes that have `n` as an operand.
fn parents(prog: &Program, n: NodeId) -> Vec<NodeId> {
    let mut out = Vec::new();
    for (p, x) in prog.nodes.iter().enumerate() {
        let has = match x {
            Node::And(s, l) | Node::Or(s, l) => kids(prog, *s, *l).contains(&n),
            Node::Not(k) => *k == n,
            _ => false,
        };
        if has {
            out.push(p as NodeId);
        }
    }
    out
}

/// Whether some `and` (`or` when `or`) above `n`, on its one path of operands, has an operand
/// (beside the path) for which `ok` holds: that operand then decides the `and` (`or`) for the
/// patients `ok` is about, whatever `n` is.
fn sibling_above(prog: &Program, n: NodeId, or: bool, ok: impl Fn(NodeId) -> bool) -> bool {
    let mut cur = n;
    for _ in 0..DEPTH {
        let ps = parents(prog, cur);
        let [p] = ps.as_slice() else { return false };
        if let Node::And(s, l) | Node::Or(s, l) = &prog.nodes[*p as usize] {
            let is_or = matches!(prog.nodes[*p as usize], Node::Or(..));
            if is_or == or && kids(prog, *s, *l).iter().any(|&k| k != cur && ok(k)) {
                return true;
            }
        }
        cur = *p;
    }
    false
}

/// The codes of list `a` are all in list `b`.
fn within_list(prog: &Program, a: u32, b: u32) -> bool {
    let b = &prog.lists[b as usize].codes;
    prog.lists[a as usize].codes.iter().all(|c| b.binary_search(c).is_ok())
}

/// The atoms a window edit moves, when it moves one end of `w` by a unit and each is an event
/// of one list in `w` (`L in W`, `latest L in W has value ...`): `(node, old, new)` windows.
fn moved_window(rule: &Program, k: usize, m: &Mutation) -> Option<(Vec<NodeId>, Span, Span)> {
    let Edit::Window(w, lo, hi) = &m.edit else { return None };
    let atoms = moved_atoms(rule, k, &m.edit)?;
    let old = fixed(rule, Some(*w))?;
    let (End::Fixed(a), End::Fixed(b)) = (lo, hi) else { return None };
    let new = (*a, (*b).min(rule.pped));
    let own = |n: NodeId| {
        matches!(&rule.nodes[n as usize], Node::Event { window: Some(x), paired: None, pred, .. }
            if x == w && !matches!(pred, Pred::Date { .. } | Pred::Within(_)))
    };
    (!atoms.is_empty() && atoms.iter().all(|&n| own(n))).then_some((atoms, old, new))
}

/// Covered: the moved window is of `L in W` (any event), and an `or` above it has an operand
/// `L' in W'` with `L` in `L'` and the dates the move adds or drops inside `W'` under both
/// programs (`CHOL_COD in last 12 months or CHOL_COD in last 24 months and ...`, the last day
/// of the 24 months moved): for every patient whose atom changes, that `or` holds either way.
fn covered_by_or(rule: &Program, mutant: &Program, k: usize, m: &Mutation) -> Option<&'static str> {
    let (atoms, old, new) = moved_window(rule, k, m)?;
    // The dates in one window and not the other (at most the period end date).
    let (from, to) = if old.0 != new.0 {
        (old.0.min(new.0), old.0.max(new.0).add_days(-1))
    } else {
        (old.1.min(new.1).add_days(1), old.1.max(new.1).min(rule.pped))
    };
    if from > to {
        return None;
    }
    let covers = |prog: &Program, n: NodeId, s: NodeId| {
        let Node::Event { list, .. } = &prog.nodes[n as usize] else { return false };
        matches!(&prog.nodes[s as usize], Node::Event { pick: None, list: ls, paired: None, window, pred: Pred::Exists }
            if within_list(prog, *list, *ls)
                && fixed(prog, *window).is_some_and(|(a, b)| a <= from && to <= b))
    };
    let any_event = |n: NodeId| {
        matches!(&rule.nodes[n as usize], Node::Event { pick: None, pred: Pred::Exists, .. })
    };
    let claimed = atoms.iter().all(|&n| {
        any_event(n)
            && sibling_above(rule, n, true, |s| covers(rule, n, s))
            && sibling_above(mutant, n, true, |s| covers(mutant, n, s))
    });
    claimed.then_some(
        "an `or` above it has an operand that holds for every patient with an event on the days \
         the move adds or drops",
    )
}

/// Widened: the first day of `latest L in W ...` moves earlier, and an `and` above it has an
/// operand that needs an event of `L` in `W` under both programs (`latest LITLVL_COD in last 4
/// months has value >= 0.4 and latest LITLVL_COD in last 4 months has value <= 1`): with an
/// event of `L` in `W` the latest in the wider window is the same event, and without one that
/// `and` is false either way.
fn widened_latest(
    rule: &Program,
    mutant: &Program,
    k: usize,
    m: &Mutation,
) -> Option<&'static str> {
    let (atoms, old, new) = moved_window(rule, k, m)?;
    if !(new.0 < old.0 && new.1 == old.1) {
        return None;
    }
    let needs = |prog: &Program, n: NodeId, s: NodeId| {
        let Node::Event { list, .. } = &prog.nodes[n as usize] else { return false };
        event_range(prog, s)
            .is_some_and(|(ls, a, b)| within_list(prog, ls, *list) && old.0 <= a && b <= old.1)
    };
    let latest =
        |n: NodeId| matches!(&rule.nodes[n as usize], Node::Event { pick: Some(Pick::Latest), .. });
    let claimed = atoms.iter().all(|&n| {
        latest(n)
            && sibling_above(rule, n, false, |s| needs(rule, n, s))
            && sibling_above(mutant, n, false, |s| needs(mutant, n, s))
    });
    claimed.then_some(
        "the first day of a `latest` selection moves earlier, and an `and` above it needs an \
         event of the same list in the unmoved window, which is then the latest either way",
    )
}

/// Whether the codes of lists `a` and `b` are the same.
fn same_codes(prog: &Program, a: u32, b: u32) -> bool {
    prog.lists[a as usize].codes == prog.lists[b as usize].codes
}

/// Whether condition `n` holds for every patient whose latest event of list `l` is on the
/// period end date (`surely`), or fails for every such patient (`!surely`), by its form.
fn on_last_day(prog: &Program, n: NodeId, l: u32, surely: bool, depth: u32) -> bool {
    if depth > DEPTH {
        return false;
    }
    let pped = prog.pped;
    // A window that starts after the event of `l` on the period end date: nothing is in it.
    let after_it = |w: Option<u32>| {
        w.is_some_and(|w| match prog.windows[w as usize].lo {
            End::Anchored { anchor: AnchorIr::Event(Pick::Latest, a), months, days } => {
                same_codes(prog, a, l) && months >= 0 && days >= 0 && months + days >= 1
            }
            _ => false,
        })
    };
    let holds_pped = |w: Option<u32>| fixed(prog, w).is_some_and(|(a, b)| a <= pped && b == pped);
    match &prog.nodes[n as usize] {
        Node::And(s, k) | Node::Or(s, k) => {
            let all = matches!(prog.nodes[n as usize], Node::And(..)) == surely;
            let mut it = kids(prog, *s, *k).iter();
            if all {
                it.all(|&x| on_last_day(prog, x, l, surely, depth + 1))
            } else {
                it.any(|&x| on_last_day(prog, x, l, surely, depth + 1))
            }
        }
        Node::Not(x) => on_last_day(prog, *x, l, !surely, depth + 1),
        Node::Define(d) => on_last_day(prog, prog.defines[*d as usize].node, l, surely, depth + 1),
        Node::Event { pick, list, paired: None, window, pred } if surely => match pred {
            // The latest event of `l` is on the period end date, in that window.
            Pred::Within(w2) => {
                *pick == Some(Pick::Latest)
                    && same_codes(prog, *list, l)
                    && holds_pped(*window)
                    && holds_pped(Some(*w2))
            }
            // An event of `l` is one of the list's.
            Pred::Exists => pick.is_none() && within_list(prog, l, *list) && holds_pped(*window),
            _ => false,
        },
        Node::Event { window, .. } => !surely && after_it(*window),
        Node::Count { window, cmp, value, .. } => {
            let none_passes = match cmp {
                Cmp::Ge => *value > 0.0,
                Cmp::Gt => *value >= 0.0,
                Cmp::Eq => *value != 0.0,
                _ => false,
            };
            !surely && after_it(*window) && none_passes
        }
        _ => false,
    }
}

/// Excluded on the last day: the last day of a window of events of list `L` moves off the
/// period end date, so the patients the move tells apart have an event of `L` on that date,
/// their latest; and for every such patient the exclusion holds under both programs, by its
/// form, and reads none of the moved atoms (CAN004: `exclude when latest CAN_COD is in last 12
/// months and not CANREV_COD after latest CAN_COD`, nothing being after the period end date):
/// they are excluded either way.
fn excluded_on_last_day(
    rule: &Program,
    mutant: &Program,
    k: usize,
    m: &Mutation,
) -> Option<&'static str> {
    let Edit::Window(w, lo, hi) = &m.edit else { return None };
    let win = &rule.windows[*w as usize];
    if !(win.hi == End::Fixed(rule.pped)
        && *hi == End::Fixed(rule.pped.add_days(-1))
        && win.lo == *lo)
    {
        return None;
    }
    let x = rule.indicators[k].exclude?;
    let atoms = moved_atoms(rule, k, &m.edit)?;
    let lists: Option<Vec<u32>> = atoms
        .iter()
        .map(|&n| match &rule.nodes[n as usize] {
            Node::Event { list, paired: None, window, pred, .. } => {
                let own = *window == Some(*w) && !matches!(pred, Pred::Date { .. });
                (own || *pred == Pred::Within(*w)).then_some(*list)
            }
            Node::Count { list, window, .. } => (*window == Some(*w)).then_some(*list),
            _ => None,
        })
        .collect();
    let lists = lists?;
    let l = *lists.first()?;
    let in_x: BTreeSet<NodeId> =
        qofrules::boundary::atoms(rule, &[x], &mut Vec::new()).into_iter().collect();
    let claimed = lists.iter().all(|&o| same_codes(rule, o, l))
        && atoms.iter().all(|n| !in_x.contains(n))
        && on_last_day(rule, x, l, true, 0)
        && on_last_day(mutant, x, l, true, 0);
    claimed.then_some(
        "the last day moves off the period end date, and a patient with an event of the list on \
         it has it as the latest, for whom the exclusion holds either way",
    )
}
