//! The mutation test over every shipped indicator: its generated boundary tests give the
//! outcomes they expect under the scheme they were generated from, and moving any window end,
//! comparison or threshold of its rule by one unit changes the outcome of at least one of them.
//!
//! Mutations are made on the compiled program (the IR), in place and one at a time, then
//! undone: the IR is what the engine runs, every number and window in it is already resolved
//! through definitions, registers and inheritance, and editing it costs nothing next to
//! checking and compiling a scheme again. What is moved, for every atom reachable from the
//! indicator's cascade (cohort register, filter, exclusion, strata, achievement, adjustments,
//! through definitions and registers):
//!
//! - every window end by one unit as written: the first day of `in last N unit` by one unit
//!   (`N ± 1` days, weeks, months or years, measured from the period end date as the compiler
//!   does), an end anchored on an event, registration or birth by one month when its offset is
//!   in months and by one day otherwise, any other date by one day;
//! - every comparison to its neighbours (`<` and `<=`, `>` and `>=`, `=` to `<=` and `>=`,
//!   `!=` to `<` and `>`), and every date relation (`after` and `on or after`, `before` and
//!   `on or before`);
//! - every value and count threshold by one in its last digit (`58` by 1, `7.5` by 0.1), the
//!   spacing of counts (`at least N days apart`) by one day;
//! - every age limit (conditions and registers) by one year (or month).
//!
//! An indicator a variant inherits unchanged (the same resolved rule: the same codes, dates
//! and numbers, so the same period) is tested once, under the first scheme that has it.
//!
//! A mutation no generated test detects is either a generator bug (a missing boundary case)
//! or an equivalent mutation; equivalents are listed in `EQUIVALENT` with the reason, or
//! belong to a class `equivalent` names with its reason, and the test fails on any other
//! survivor and on any listed one that no longer survives.

use qofrules::boundary::{atoms, generate, node_text};
use qofrules::check::check_text;
use qofrules::compile::{
    compile, AnchorIr, End, Node, NodeId, Pred, Program, Win, MAX_DATE, MIN_DATE,
};
use qofrules::date::Date;
use qofrules::eval::{outcome, outcome_text, Engine};
use qofrules::model::Patient;
use qofrules::scheme::{Kind, Outcome};
use qofrules::syntax::ast::{Cmp, DateRel, Pick};
use qofrules::witness::{witness, Verdict};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

mod judged;

/// Set (to anything) to have `qofrules witness` judge every survivor, the mutant against the
/// rule, to classify them: each it proves "same" (no patient can differ) is printed with its
/// reason (to be listed in `EQUIVALENT`), and the verdicts are tallied in the summary line.
/// Off by default: it multiplies the test's time by about fifteen.
const WITH_WITNESS: &str = "QOFRULES_MUTATION_WITNESS";

/// Set to comma-separated words (`qof-2018-19.qof CAN003,DEP004`) to test only the indicators
/// whose `file indicator` contains one of them (the known misses of the others are not checked), to work
/// on a few quickly.
const ONLY: &str = "QOFRULES_MUTATION_ONLY";

/// Whether `file indicator` is selected by [`ONLY`].
fn selected(file: &str, id: &str) -> bool {
    let Some(only) = std::env::var_os(ONLY) else { return true };
    let key = format!("{file} {id}");
    only.to_string_lossy().split(',').any(|w| key.contains(w.trim()))
}

/// Surviving mutations that are equivalent, each with the reason: (scheme file, indicator,
/// mutation as the test describes it, why no patient can tell the mutant from the rule).
const EQUIVALENT: &[(&str, &str, &str, &str)] = &[];

/// Mutations no generated test detects yet and that are not shown equivalent: generator misses
/// this test found and that are still to be fixed (one a line, `file indicator: mutation`).
/// The list may only shrink: a survivor not in it fails the test, and so does a line the
/// generator now detects (delete it).
const KNOWN_MISSES: &str = include_str!("known-misses.txt");

/// The windows node `n` reads.
fn windows_of(node: &Node) -> Vec<u32> {
    match node {
        Node::Registered(w) => vec![*w],
        Node::Count { window, .. } => window.iter().copied().collect(),
        Node::Event { window, pred, .. } => {
            let mut v: Vec<u32> = window.iter().copied().collect();
            match pred {
                Pred::Date { window: Some(w), .. } | Pred::Within(w) => v.push(*w),
                _ => {}
            }
            v
        }
        _ => Vec::new(),
    }
}

/// Whether conditions `a` and `b` are the same atom (the same node, or equal nodes without
/// windows: `MH_COD` written twice).
fn same_atom(prog: &Program, a: NodeId, b: NodeId) -> bool {
    let (x, y) = (&prog.nodes[a as usize], &prog.nodes[b as usize]);
    a == b || (x == y && windows_of(x).is_empty() && !matches!(x, Node::And(..) | Node::Or(..)))
}

/// The operands of `n` if it is an `and` (`or`), else `n` itself, through definitions.
fn operands(prog: &Program, n: NodeId, and: bool) -> Vec<NodeId> {
    match &prog.nodes[n as usize] {
        Node::Define(d) => operands(prog, prog.defines[*d as usize].node, and),
        Node::And(s, l) if and => prog.kids[*s as usize..(*s + *l) as usize].to_vec(),
        Node::Or(s, l) if !and => prog.kids[*s as usize..(*s + *l) as usize].to_vec(),
        _ => vec![n],
    }
}

/// The atoms of indicator `k` that only its cohort register's condition reads, when its
/// denominator filter implies that condition (an operand of the filter's `and` is an operand
/// of the register condition's `or`: `MH where MH_COD` for `MH_COD or LIT_COD in last 6
/// months`): the register condition holds for every patient the filter admits, whatever
/// those atoms are, so no mutation of them can change an outcome.
fn implied_register_atoms(prog: &Program, k: usize) -> BTreeSet<NodeId> {
    let i = &prog.indicators[k];
    let (Some(r), Some(f), Kind::Fraction) = (i.cohort, i.filter, i.kind) else {
        return BTreeSet::new();
    };
    let Some(rf) = prog.registers[r as usize].filter else { return BTreeSet::new() };
    let implied = operands(prog, f, true)
        .iter()
        .any(|&a| operands(prog, rf, false).iter().any(|&b| same_atom(prog, a, b)));
    if !implied {
        return BTreeSet::new();
    }
    let rest = i.conditions();
    let elsewhere: BTreeSet<NodeId> = atoms(prog, &rest, &mut Vec::new()).into_iter().collect();
    atoms(prog, &[rf], &mut Vec::new()).into_iter().filter(|n| !elsewhere.contains(n)).collect()
}

/// Whether window `w` ends on the period end date and belongs to an atom of list `L` that is
/// used only as an operand of `and`s each of which also needs at least one event after the
/// latest event of `L` (`SYSBP_COD in last 12 months and count HYPINVITE_COD after latest
/// SYSBP_COD >= 2`): then only patients with an `L` event on the period end date tell the
/// window from one ending the day before, and for them the `and` is false either way.
fn nothing_after_on_last_day(prog: &Program, w: u32) -> bool {
    if prog.windows[w as usize].hi != End::Fixed(prog.pped) {
        return false;
    }
    let owner = prog.nodes.iter().position(|x| windows_of(x).first() == Some(&w));
    let Some(n) = owner.map(|n| n as NodeId) else { return false };
    let Node::Event { list, window: Some(ww), .. } = &prog.nodes[n as usize] else { return false };
    if *ww != w {
        return false;
    }
    let codes = &prog.lists[*list as usize].codes;
    let needs_after = |k: NodeId| match &prog.nodes[k as usize] {
        Node::Count { window: Some(cw), cmp, value, .. } => {
            let at_least_one = match cmp {
                Cmp::Ge => *value >= 1.0,
                Cmp::Gt => *value >= 0.0,
                Cmp::Eq => *value >= 1.0,
                _ => false,
            };
            let after = match prog.windows[*cw as usize].lo {
                End::Anchored { anchor: AnchorIr::Event(Pick::Latest, l), months, days } => {
                    months >= 0 && days >= 1 && prog.lists[l as usize].codes == *codes
                }
                _ => false,
            };
            at_least_one && after
        }
        _ => false,
    };
    // Every use of `n`: an operand of an `and` with such a sibling, nothing else.
    let direct = is_root(prog, n) || prog.nodes.contains(&Node::Not(n));
    if direct {
        return false;
    }
    let mut uses = 0;
    for x in &prog.nodes {
        if let Node::And(s, l) | Node::Or(s, l) = x {
            let kids = &prog.kids[*s as usize..(*s + *l) as usize];
            if kids.contains(&n) {
                if !matches!(x, Node::And(..)) || !kids.iter().any(|&k| needs_after(k)) {
                    return false;
                }
                uses += 1;
            }
        }
    }
    uses > 0
}

/// What the equivalence classes need to know of one indicator.
struct Facts {
    /// [`implied_register_atoms`].
    only_register: BTreeSet<NodeId>,
    /// The cohort register (of a fraction indicator).
    cohort: Option<u32>,
    /// The age limits (in years) an operand of the denominator filter's `and` sets.
    ages: (Option<i32>, Option<i32>),
}

fn facts(prog: &Program, k: usize) -> Facts {
    let i = &prog.indicators[k];
    let fraction = i.kind == Kind::Fraction;
    let mut ages: (Option<i32>, Option<i32>) = (None, None);
    if let (Some(f), true) = (i.filter, fraction) {
        for a in operands(prog, f, true) {
            if let Node::Aged(lo, hi) = prog.nodes[a as usize] {
                ages.0 = ages.0.max(lo);
                ages.1 = match (ages.1, hi) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                };
            }
        }
    }
    Facts {
        only_register: implied_register_atoms(prog, k),
        cohort: i.cohort.filter(|_| fraction),
        ages,
    }
}

/// A class of equivalent mutations, recognised by what moves: `None` when the mutation can
/// change an outcome.
fn equivalent(prog: &Program, m: &Mutation, facts: &Facts) -> Option<&'static str> {
    let only_register = &facts.only_register;
    if let Edit::Register(r, lo, hi) = &m.edit {
        // The denominator filter's own age limits are at least as tight as the cohort
        // register's, before and after the move: the register's limits never decide.
        let x = &prog.registers[*r as usize];
        let (flo, fhi) = facts.ages;
        let lo_ok =
            [x.min_age, *lo].iter().all(|a| a.map_or(true, |a| flo.is_some_and(|f| f >= a)));
        let hi_ok =
            [x.max_age, *hi].iter().all(|a| a.map_or(true, |a| fhi.is_some_and(|f| f <= a)));
        if Some(*r) == facts.cohort && lo_ok && hi_ok {
            return Some(
                "the denominator filter limits ages at least as tightly as the cohort \
                 register, with its limit moved or not",
            );
        }
    }
    const IMPLIED: &str = "only the cohort register's condition reads it, and the denominator \
        filter implies that condition";
    let reads =
        |w: u32| only_register.iter().any(|&n| windows_of(&prog.nodes[n as usize]).contains(&w));
    match &m.edit {
        Edit::Node(n, _) if only_register.contains(n) => return Some(IMPLIED),
        Edit::Window(w, ..) if reads(*w) => return Some(IMPLIED),
        _ => {}
    }
    if let Edit::Window(w, _, End::Fixed(hi)) = &m.edit {
        if *hi == prog.pped.add_days(-1) && nothing_after_on_last_day(prog, *w) {
            return Some(
                "the last day moves off the period end date, and the atom is `and`ed with a \
                 count of events after the latest event of its list: a patient with one on the \
                 period end date has nothing after it, so the `and` is false both ways",
            );
        }
    }
    match &m.edit {
        // The engine ignores events after the period end date, and a patient registered after
        // it is not on any list: moving a window's last day later, when it is already on or
        // after the period end date, selects nothing new.
        Edit::Window(_, _, hi) if m.later_end => match hi {
            End::Fixed(d) if *d > prog.pped => {
                Some("the window's last day moves after the period end date, after which events are ignored")
            }
            _ => None,
        },
        _ => None,
    }
}

/// The date relation atom that reads window `w`, and whether `w` is the window of its other
/// list (`latest B in W2` of `latest A in W1 is after latest B in W2`) rather than its own.
fn date_relation_of(prog: &Program, w: u32) -> Option<(NodeId, bool)> {
    prog.nodes.iter().enumerate().find_map(|(n, x)| match x {
        Node::Event { window, pred: Pred::Date { window: w2, .. }, .. } => {
            if *window == Some(w) {
                Some((n as NodeId, false))
            } else if *w2 == Some(w) {
                Some((n as NodeId, true))
            } else {
                None
            }
        }
        _ => None,
    })
}

/// Window `w`'s dates when both ends are fixed.
fn fixed_range(prog: &Program, w: Option<u32>) -> Option<(Date, Date)> {
    match prog.windows.get(w? as usize) {
        Some(Win { lo: End::Fixed(lo), hi: End::Fixed(hi), .. }) => Some((*lo, *hi)),
        _ => None,
    }
}

/// Whether node `x` is false for every patient without an event of list `l` in `range`: an
/// event condition on `l` (or paired with it, or asking that the selected event be in `l`)
/// whose window has fixed ends inside `range`.
fn needs_event_in(prog: &Program, x: NodeId, l: u32, range: (Date, Date)) -> bool {
    let same = |a: u32| a == l || prog.lists[a as usize].codes == prog.lists[l as usize].codes;
    match &prog.nodes[x as usize] {
        Node::Event { list, paired, window, pred, .. } => {
            let reads = same(*list)
                || paired.is_some_and(same)
                || matches!(pred, Pred::Member(m) if same(*m));
            reads
                && fixed_range(prog, *window).is_some_and(|(lo, hi)| lo >= range.0 && hi <= range.1)
        }
        _ => false,
    }
}

/// Every `and` that node `n` is an operand of, directly or under `not`s (each as its
/// operands), when that is the only way the program uses `n`; `None` when it is used in any
/// other way (the root of a part, a definition or a register condition, an operand of an
/// `or`).
fn and_uses(prog: &Program, n: NodeId, depth: u32) -> Option<Vec<Vec<NodeId>>> {
    if depth > 8 {
        return None;
    }
    let direct = is_root(prog, n);
    if direct {
        return None;
    }
    let mut out = Vec::new();
    for (m, x) in prog.nodes.iter().enumerate() {
        match x {
            Node::And(s, l) | Node::Or(s, l) => {
                let kids = &prog.kids[*s as usize..(*s + *l) as usize];
                if kids.contains(&n) {
                    if !matches!(x, Node::And(..)) {
                        return None;
                    }
                    out.push(kids.to_vec());
                }
            }
            Node::Not(k) if *k == n => out.extend(and_uses(prog, m as NodeId, depth + 1)?),
            _ => {}
        }
    }
    Some(out)
}

/// Classes of equivalent mutations of a date relation's windows,
/// `[latest] A [in W1] is REL latest B in W2`: the first day of a window moved one unit
/// earlier (the window widened), where the events it adds cannot change the relation for any
/// patient whose outcome it decides.
fn date_relation_class(prog: &Program, k: usize, m: &Mutation) -> Option<&'static str> {
    let Edit::Window(w, End::Fixed(new_lo), _) = &m.edit else { return None };
    let (n, other) = date_relation_of(prog, *w)?;
    let Node::Event {
        pick,
        window: w1,
        pred: Pred::Date { rel, pick: p2, list: b, window: w2 },
        ..
    } = &prog.nodes[n as usize]
    else {
        return None;
    };
    let (lo, _) = fixed_range(prog, Some(*w))?;
    if *new_lo >= lo {
        return None;
    }
    if other {
        if *p2 != Pick::Latest {
            return None;
        }
        // A's selected event is in W1, which starts no earlier than W2: a B event the wider W2
        // adds is strictly before it, and stands in for "no B event" (infinitely long ago),
        // which compares the same way with it (after: yes; before: no).
        if fixed_range(prog, *w1).is_some_and(|(lo1, _)| lo1 >= lo) {
            return Some(
                "the other list's window starts earlier, and the atom's own window starts no \
                 earlier than it did: an added event of the other list is before any event the \
                 atom selects, as a missing one counts",
            );
        }
        // The denominator filter needs a B event in W2: the latest one in the wider window is
        // the same for every patient whose outcome the atom can decide.
        let i = &prog.indicators[k];
        let (Kind::Fraction, Some(f)) = (i.kind, i.filter) else { return None };
        let mut before: Vec<NodeId> = vec![f];
        before.extend(i.cohort.and_then(|r| prog.registers[r as usize].filter));
        if atoms(prog, &before, &mut Vec::new()).contains(&n) {
            return None;
        }
        let range = fixed_range(prog, *w2)?;
        if operands(prog, f, true).iter().any(|&x| needs_event_in(prog, x, *b, range)) {
            return Some(
                "the other list's window starts earlier, and the denominator filter needs an \
                 event of that list in the unmoved window, so the latest one is the same for \
                 every patient the atom can decide",
            );
        }
        return None;
    }
    // The own window W1 starts earlier: the atom changes only for a patient with no A event in
    // W1 and one in the added stretch, before W2 starts; being after (or on) the latest B
    // event in W2 then needs there to be none, and every `and` the atom is in needs one.
    if !matches!(pick, None | Some(Pick::Latest))
        || !matches!(rel, DateRel::After | DateRel::OnOrAfter)
    {
        return None;
    }
    let (lo2, hi2) = fixed_range(prog, *w2)?;
    if lo2 < lo {
        return None;
    }
    let uses = and_uses(prog, n, 0)?;
    let all = !uses.is_empty()
        && uses.iter().all(|kids| kids.iter().any(|&x| needs_event_in(prog, x, *b, (lo2, hi2))));
    all.then_some(
        "the atom's own window starts earlier, which matters only to a patient with no event \
         of the other list in its window, and every `and` the atom is in needs one",
    )
}

/// The earliest date the anchor `a` can have for a patient meeting condition `x` (an operand of
/// an `and` that must hold): `first L is since D` (or a `latest` one, or an event of `L` in a
/// window from `D`, for an anchor on the latest event of `L`) for an event anchor; an upper age
/// limit for birth.
fn anchor_floor(prog: &Program, a: AnchorIr, x: NodeId) -> Option<Date> {
    let pped = prog.pped;
    let same =
        |p: u32, q: u32| p == q || prog.lists[p as usize].codes == prog.lists[q as usize].codes;
    let from = |w: Option<u32>| match prog.windows.get(w? as usize)?.lo {
        End::Fixed(d) if d > MIN_DATE => Some(d),
        _ => None,
    };
    match (a, &prog.nodes[x as usize]) {
        (
            AnchorIr::Event(pick, l),
            Node::Event { pick: p, list, window: None, pred: Pred::Within(w2), .. },
        ) if same(*list, l) && (*p == Some(Pick::First) || *p == Some(pick)) => from(Some(*w2)),
        (AnchorIr::Event(Pick::Latest, l), Node::Event { list, window, .. }) if same(*list, l) => {
            from(*window)
        }
        (AnchorIr::Birth, Node::Aged(_, Some(max))) => {
            // The earliest birth with an age of at most `max` whole years at the PPED.
            let mut b = pped.add_months(-12 * (max + 1)).add_days(-3);
            for _ in 0..8 {
                if pped.years_since(b) <= *max {
                    return Some(b);
                }
                b = b.add_days(1);
            }
            None
        }
        (AnchorIr::Birth, Node::AgedMonths(_, Some(max))) => {
            let mut b = pped.add_months(-(max + 1)).add_days(-3);
            for _ in 0..8 {
                if pped.months_since(b) <= *max {
                    return Some(b);
                }
                b = b.add_days(1);
            }
            None
        }
        _ => None,
    }
}

/// The class of a window's anchored last day moved when it is on or after the period end date
/// either way for every patient whose outcome the atom can decide: the denominator filter (the
/// atom being read after it) or every `and` the atom is in bounds the anchor from below (`first
/// AST_COD is since 2006-04-01` for `to 99 years after first AST_COD`, `aged 5 to 5` for `to 6
/// years after birth`). Events and registrations after the period end date are ignored.
fn anchored_past_period_end(prog: &Program, k: usize, m: &Mutation) -> Option<&'static str> {
    let Edit::Window(w, lo, hi) = &m.edit else { return None };
    let old = prog.windows.get(*w as usize)?;
    let (
        End::Anchored { anchor, months, days },
        End::Anchored { anchor: a2, months: m2, days: d2 },
    ) = (old.hi, *hi)
    else {
        return None;
    };
    if *lo != old.lo || anchor != a2 || matches!(anchor, AnchorIr::Registration) {
        return None;
    }
    let (months, days) = (months, days).min((m2, d2));
    let n = prog.nodes.iter().position(|x| windows_of(x).contains(w))? as NodeId;
    let floor = |ops: &[NodeId]| ops.iter().filter_map(|&x| anchor_floor(prog, anchor, x)).max();
    let i = &prog.indicators[k];
    let by_filter = match (i.kind, i.filter) {
        (Kind::Fraction, Some(f)) => {
            let mut before: Vec<NodeId> = vec![f];
            before.extend(i.cohort.and_then(|r| prog.registers[r as usize].filter));
            if atoms(prog, &before, &mut Vec::new()).contains(&n) {
                None
            } else {
                floor(&operands(prog, f, true))
            }
        }
        _ => None,
    };
    let by_and = and_uses(prog, n, 0).filter(|u| !u.is_empty()).and_then(|uses| {
        uses.iter().map(|kids| floor(kids)).collect::<Option<Vec<Date>>>()?.into_iter().min()
    });
    let earliest = by_filter.into_iter().chain(by_and).max()?;
    (earliest.add_months(months).add_days(days) >= prog.pped).then_some(
        "the window's last day is on or after the period end date either way for every patient \
         the atom can decide (the denominator filter, or every `and` the atom is in, bounds its \
         anchor from below), and events and registrations after that date are ignored",
    )
}

#[derive(Clone, Debug)]
enum Edit {
    Node(NodeId, Node),
    Window(u32, End, End),
    Register(u32, Option<i32>, Option<i32>),
}

#[derive(Clone, Debug)]
struct Mutation {
    edit: Edit,
    what: String,
    /// A window's last day moved one unit later.
    later_end: bool,
}

/// Swaps the edit into the program; applying the returned edit undoes it.
fn apply(prog: &mut Program, e: &Edit) -> Edit {
    let undo = match e {
        Edit::Node(n, node) => {
            Edit::Node(*n, std::mem::replace(&mut prog.nodes[*n as usize], node.clone()))
        }
        Edit::Window(w, lo, hi) => {
            let win = &mut prog.windows[*w as usize];
            let old = Edit::Window(*w, win.lo, win.hi);
            win.lo = *lo;
            win.hi = *hi;
            old
        }
        Edit::Register(r, min, max) => {
            let reg = &mut prog.registers[*r as usize];
            let old = Edit::Register(*r, reg.min_age, reg.max_age);
            reg.min_age = *min;
            reg.max_age = *max;
            old
        }
    };
    prog.forget_plan();
    undo
}

fn neighbours(c: Cmp) -> Vec<Cmp> {
    match c {
        Cmp::Lt => vec![Cmp::Le],
        Cmp::Le => vec![Cmp::Lt],
        Cmp::Gt => vec![Cmp::Ge],
        Cmp::Ge => vec![Cmp::Gt],
        Cmp::Eq => vec![Cmp::Le, Cmp::Ge],
        Cmp::Ne => vec![Cmp::Lt, Cmp::Gt],
    }
}

fn rel_neighbour(r: DateRel) -> DateRel {
    match r {
        DateRel::After => DateRel::OnOrAfter,
        DateRel::OnOrAfter => DateRel::After,
        DateRel::Before => DateRel::OnOrBefore,
        DateRel::OnOrBefore => DateRel::Before,
    }
}

/// `t` moved by one in its last digit, both ways (not below zero).
fn nudged(t: f64) -> Vec<f64> {
    let s = format!("{t}");
    let digits = s.split_once('.').map_or(0, |(_, f)| f.len() as i32);
    let u = 10f64.powi(-digits);
    [t - u, t + u]
        .into_iter()
        .filter(|v| *v >= 0.0)
        .map(|v| format!("{v:.*}", digits as usize).parse().unwrap_or(v))
        .collect()
}

fn bounds(a: Option<i32>, b: Option<i32>) -> Vec<(Option<i32>, Option<i32>, String)> {
    let mut v = Vec::new();
    for d in [-1, 1] {
        if let Some(x) = a.filter(|x| x + d >= 0) {
            v.push((Some(x + d), b, format!("lower age {x} -> {}", x + d)));
        }
        if let Some(x) = b.filter(|x| x + d >= 0) {
            v.push((a, Some(x + d), format!("upper age {x} -> {}", x + d)));
        }
    }
    v
}

fn end_text(e: &End) -> String {
    match e {
        End::Fixed(d) => d.to_string(),
        End::Anchored { anchor, months, days } => format!("{anchor:?} {months:+}m {days:+}d"),
    }
}

/// One end moved by one unit both ways: `(new end, later, description)`.
fn moved_ends(prog: &Program, win: &Win, first: bool) -> Vec<(End, bool)> {
    let e = if first { win.lo } else { win.hi };
    let mut out = Vec::new();
    match e {
        End::Fixed(d) if d == MIN_DATE || d == MAX_DATE => {}
        End::Fixed(d) => {
            // `in last N unit`: the first day is N units before the period end date, plus one.
            let words: Vec<&str> = win.text.split_whitespace().collect();
            let last = match (first, words.as_slice()) {
                (true, ["in", "last", n, unit]) => n.parse::<i32>().ok().map(|n| (n, *unit)),
                _ => None,
            };
            match last {
                Some((n, unit)) => {
                    for k in [n + 1, n - 1] {
                        if k < 0 {
                            continue;
                        }
                        let from = match unit.trim_end_matches('s') {
                            "day" => prog.pped.add_days(-k),
                            "week" => prog.pped.add_days(-7 * k),
                            "month" => prog.pped.add_months(-k),
                            _ => prog.pped.add_months(-12 * k),
                        };
                        out.push((End::Fixed(from.add_days(1)), k < n));
                    }
                }
                None => {
                    out.push((End::Fixed(d.add_days(-1)), false));
                    out.push((End::Fixed(d.add_days(1)), true));
                }
            }
        }
        End::Anchored { anchor, months, days } => {
            if months != 0 {
                for dm in [-1, 1] {
                    out.push((End::Anchored { anchor, months: months + dm, days }, dm > 0));
                }
            } else {
                for dd in [-1, 1] {
                    out.push((End::Anchored { anchor, months, days: days + dd }, dd > 0));
                }
            }
        }
    }
    out
}

/// The atoms and registers indicator `k`'s cascade reads.
fn reach(prog: &Program, k: usize) -> (Vec<NodeId>, Vec<u32>) {
    let i = &prog.indicators[k];
    let reg = if i.kind == Kind::Register { i.register } else { i.cohort };
    let mut registers: Vec<u32> = reg.into_iter().collect();
    let (rf, rest) = judged::cascade(prog, k);
    let roots: Vec<NodeId> = rf.into_iter().chain(rest).collect();
    let atoms = atoms(prog, &roots, &mut registers);
    (atoms, registers)
}

/// Whether `n` is a root of the program: an indicator's filter, exclusion, achievement,
/// stratum or adjustment condition, a define's body or a register's filter (used directly,
/// not only as an operand of another node).
fn is_root(prog: &Program, n: NodeId) -> bool {
    let i_roots = prog.indicators.iter().flat_map(|i| {
        let mut v: Vec<NodeId> = Vec::new();
        v.extend(i.filter);
        v.extend(i.exclude);
        v.extend(i.achieved);
        v.extend(i.strata.iter().flat_map(|s| s.when.into_iter().chain(s.achieved)));
        v.extend(i.adjustments.iter().map(|a| a.when));
        v
    });
    i_roots
        .chain(prog.defines.iter().map(|d| d.node))
        .chain(prog.registers.iter().filter_map(|r| r.filter))
        .any(|r| r == n)
}

/// Every one-unit mutation of indicator `k`'s rule, in a fixed order.
fn mutations(prog: &Program, k: usize) -> Vec<Mutation> {
    let (atoms, registers) = reach(prog, k);
    let mut out = Vec::new();
    let mut windows: Vec<(u32, String)> = Vec::new();
    let node = |n: NodeId, x: Node, what: String| Mutation {
        edit: Edit::Node(n, x),
        what: format!("`{}`: {what}", node_text(prog, n)),
        later_end: false,
    };
    for &r in &registers {
        let x = &prog.registers[r as usize];
        for (a, b, what) in bounds(x.min_age, x.max_age) {
            out.push(Mutation {
                edit: Edit::Register(r, a, b),
                what: format!("register {}: {what}", x.id),
                later_end: false,
            });
        }
    }
    for &n in &atoms {
        let here = node_text(prog, n);
        match &prog.nodes[n as usize] {
            Node::Aged(a, b) => {
                for (a, b, what) in bounds(*a, *b) {
                    out.push(node(n, Node::Aged(a, b), what));
                }
            }
            Node::AgedMonths(a, b) => {
                for (a, b, what) in bounds(*a, *b) {
                    out.push(node(n, Node::AgedMonths(a, b), what));
                }
            }
            Node::Registered(w) => windows.push((*w, here.clone())),
            Node::Count { list, window, apart, cmp, value } => {
                windows.extend(window.map(|w| (w, here.clone())));
                let count = |apart: i32, cmp: Cmp, value: f64| Node::Count {
                    list: *list,
                    window: *window,
                    apart,
                    cmp,
                    value,
                };
                for c in neighbours(*cmp) {
                    let what = format!("`{}` -> `{}`", cmp.symbol(), c.symbol());
                    out.push(node(n, count(*apart, c, *value), what));
                }
                for v in nudged(*value) {
                    out.push(node(n, count(*apart, *cmp, v), format!("count {value} -> {v}")));
                }
                if *apart > 0 {
                    for a in [*apart - 1, *apart + 1].into_iter().filter(|a| *a >= 1) {
                        let what = format!("{apart} days apart -> {a}");
                        out.push(node(n, count(a, *cmp, *value), what));
                    }
                }
            }
            Node::Event { pick, list, paired, window, pred } => {
                windows.extend(window.map(|w| (w, here.clone())));
                let event = |pred: Pred| Node::Event {
                    pick: *pick,
                    list: *list,
                    paired: *paired,
                    window: *window,
                    pred,
                };
                match pred {
                    Pred::Value { highest, cmp, value, paired: p2 } => {
                        let val = |cmp: Cmp, value: f64, p2: Option<f64>| {
                            event(Pred::Value { highest: *highest, cmp, value, paired: p2 })
                        };
                        for c in neighbours(*cmp) {
                            let what = format!("`{}` -> `{}`", cmp.symbol(), c.symbol());
                            out.push(node(n, val(c, *value, *p2), what));
                        }
                        for v in nudged(*value) {
                            out.push(node(n, val(*cmp, v, *p2), format!("value {value} -> {v}")));
                        }
                        if let Some(t2) = p2 {
                            for v in nudged(*t2) {
                                let what = format!("second value {t2} -> {v}");
                                out.push(node(n, val(*cmp, *value, Some(v)), what));
                            }
                        }
                    }
                    Pred::Date { rel, pick: p2, list: l2, window: w2 } => {
                        windows.extend(w2.map(|w| (w, here.clone())));
                        let r = rel_neighbour(*rel);
                        let x = event(Pred::Date { rel: r, pick: *p2, list: *l2, window: *w2 });
                        out.push(node(n, x, format!("{rel:?} -> {r:?}")));
                    }
                    Pred::Within(w2) => windows.push((*w2, here.clone())),
                    Pred::Exists | Pred::Member(_) => {}
                }
            }
            Node::Sex(_) | Node::Const(_) | Node::And(..) | Node::Or(..) | Node::Not(_) => {}
            Node::OnRegister(_) | Node::Define(_) => {}
        }
    }
    let mut seen = BTreeSet::new();
    for (w, here) in windows {
        if !seen.insert(w) {
            continue;
        }
        let win = &prog.windows[w as usize];
        for first in [true, false] {
            let which = if first { "first day" } else { "last day" };
            let old = if first { win.lo } else { win.hi };
            for (e, later) in moved_ends(prog, win, first) {
                let (lo, hi) = if first { (e, win.hi) } else { (win.lo, e) };
                out.push(Mutation {
                    edit: Edit::Window(w, lo, hi),
                    what: format!(
                        "window `{}` of `{here}`: {which} {} -> {}",
                        win.text,
                        end_text(&old),
                        end_text(&e)
                    ),
                    later_end: later && !first,
                });
            }
        }
    }
    out
}

/// The resolved rule of indicator `k` as text (code lists by their codes, windows by their
/// dates, numbers exactly, the period end date), to find the indicators variants inherit
/// unchanged.
fn fingerprint(prog: &Program, k: usize) -> String {
    fn list(prog: &Program, l: u32) -> String {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        prog.lists[l as usize].codes.hash(&mut h);
        format!("L{:x}", h.finish())
    }
    fn win(prog: &Program, w: Option<u32>) -> String {
        let Some(w) = w else { return "all".into() };
        let x = &prog.windows[w as usize];
        let end = |e: End| match e {
            End::Fixed(d) => d.0.to_string(),
            End::Anchored { anchor, months, days } => {
                let a = match anchor {
                    qofrules::compile::AnchorIr::Event(p, l) => format!("{p:?}{}", list(prog, l)),
                    other => format!("{other:?}"),
                };
                format!("{a}{months:+}m{days:+}d")
            }
        };
        format!("[{},{}]", end(x.lo), end(x.hi))
    }
    fn reg(prog: &Program, r: u32, memo: &mut BTreeMap<NodeId, String>) -> String {
        let x = &prog.registers[r as usize];
        let f = x.filter.map_or("true".into(), |f| node(prog, f, memo));
        format!("reg({:?},{:?},{f})", x.min_age, x.max_age)
    }
    fn node(prog: &Program, n: NodeId, memo: &mut BTreeMap<NodeId, String>) -> String {
        if let Some(s) = memo.get(&n) {
            return s.clone();
        }
        let s = match &prog.nodes[n as usize] {
            Node::And(s, l) | Node::Or(s, l) => {
                let kids: Vec<String> = prog.kids[*s as usize..(*s + *l) as usize]
                    .iter()
                    .map(|&k| node(prog, k, memo))
                    .collect();
                let word =
                    if matches!(prog.nodes[n as usize], Node::And(..)) { "and" } else { "or" };
                format!("{word}({})", kids.join(","))
            }
            Node::Not(k) => format!("not({})", node(prog, *k, memo)),
            Node::OnRegister(r) => reg(prog, *r, memo),
            Node::Define(d) => node(prog, prog.defines[*d as usize].node, memo),
            Node::Registered(w) => format!("regd({})", win(prog, Some(*w))),
            Node::Count { list: l, window, apart, cmp, value } => format!(
                "count({},{},{apart},{},{})",
                list(prog, *l),
                win(prog, *window),
                cmp.symbol(),
                value.to_bits()
            ),
            Node::Event { pick, list: l, paired, window, pred } => {
                let pr = match pred {
                    Pred::Date { rel, pick, list: l2, window } => {
                        format!("date({rel:?},{pick:?},{},{})", list(prog, *l2), win(prog, *window))
                    }
                    Pred::Member(l2) => format!("member({})", list(prog, *l2)),
                    Pred::Within(w2) => format!("within({})", win(prog, Some(*w2))),
                    other => format!("{other:?}"),
                };
                let p2 = paired.map(|p| list(prog, p)).unwrap_or_default();
                format!("ev({pick:?},{},{p2},{},{pr})", list(prog, *l), win(prog, *window))
            }
            other => format!("{other:?}"),
        };
        memo.insert(n, s.clone());
        s
    }
    let i = &prog.indicators[k];
    let mut memo = BTreeMap::new();
    let mut m = |n: Option<NodeId>| n.map_or("-".to_string(), |n| node(prog, n, &mut memo));
    let mut s = format!("{} {:?} ", prog.pped, i.kind);
    let reg_of = if i.kind == Kind::Register { i.register } else { i.cohort };
    s.push_str(&reg_of.map_or("-".into(), |r| reg(prog, r, &mut BTreeMap::new())));
    for part in [i.filter, i.exclude, i.achieved] {
        s.push_str(&format!(" {}", m(part)));
    }
    for st in &i.strata {
        s.push_str(&format!(" stratum {}: {} {}", st.id, m(st.when), m(st.achieved)));
    }
    for a in &i.adjustments {
        s.push_str(&format!(" adj {}: {}", a.category.source(), m(Some(a.when))));
    }
    s
}

/// One indicator's cases as patients, and the outcome each expects.
struct Cases {
    indicator: usize,
    patients: Vec<(String, Patient, String)>,
}

fn class(e: &mut Engine<'_>, prog: &Program, k: usize, p: &Patient) -> (Outcome, Option<String>) {
    e.load(p);
    let c = e.classify(k);
    let stratum =
        c.stratum.and_then(|s| prog.indicators[k].strata.get(s as usize)).map(|s| s.id.clone());
    (outcome(prog, k, c), stratum)
}

/// What one scheme's run found.
#[derive(Default)]
struct Found {
    indicators: usize,
    cases: usize,
    mutations: usize,
    equivalent_by_class: usize,
    /// Survivors the witness proves equivalent (still survivors: `EQUIVALENT` lists them).
    equivalent_by_witness: usize,
    /// The witness's verdict on the other survivors.
    verdicts: BTreeMap<String, usize>,
    /// Generated tests whose expectation the engine does not give.
    failing: Vec<String>,
    /// `(indicator, mutation)` no test detects.
    survivors: Vec<(String, String)>,
}

fn run_scheme(path: &str, text: &str, only: &BTreeSet<String>) -> Found {
    let (sources, c) = check_text(path, text);
    let errors: Vec<String> =
        c.diagnostics.iter().filter(|d| d.is_error()).map(|d| sources.render(d)).collect();
    assert!(errors.is_empty(), "{path} does not check:\n{}", errors.join("\n"));
    let mut prog = compile(c.scheme.as_ref().expect("a scheme"));
    let original = prog.clone();
    let with_witness = std::env::var_os(WITH_WITNESS).is_some();
    let mut found = Found::default();
    let mut all: Vec<Cases> = Vec::new();
    for (k, ind) in prog.indicators.iter().enumerate() {
        if !only.contains(&ind.id) || ind.kind == Kind::Attested {
            continue;
        }
        let gen = generate(&prog, Some(&ind.id)).expect("the indicator exists");
        let patients = gen
            .into_iter()
            .flat_map(|g| g.cases)
            .enumerate()
            .map(|(i, c)| (c.label, c.draft.patient(prog.pped, &format!("b{i}")), c.expect))
            .collect();
        all.push(Cases { indicator: k, patients });
    }
    // The generated tests pass under the scheme; their outcomes are the baseline.
    let mut baseline: Vec<Vec<(Outcome, Option<String>)>> = Vec::new();
    {
        let mut e = Engine::new(&prog);
        for cs in &all {
            let id = &prog.indicators[cs.indicator].id;
            let mut b = Vec::new();
            for (label, p, expect) in &cs.patients {
                let got = class(&mut e, &prog, cs.indicator, p);
                let text = format!("expect {id} {}", outcome_text(&got.0, got.1.as_deref()));
                if &text != expect {
                    found.failing.push(format!("{path} {id} `{label}`: {expect}, got {text}"));
                }
                b.push(got);
            }
            baseline.push(b);
        }
    }
    for (cs, base) in all.iter().zip(&baseline) {
        let k = cs.indicator;
        let id = prog.indicators[k].id.clone();
        found.indicators += 1;
        found.cases += cs.patients.len();
        let facts = facts(&prog, k);
        for m in mutations(&prog, k) {
            found.mutations += 1;
            let class_says = equivalent(&prog, &m, &facts)
                .or_else(|| date_relation_class(&prog, k, &m))
                .or_else(|| anchored_past_period_end(&prog, k, &m));
            let undo = apply(&mut prog, &m.edit);
            let class_says =
                class_says.or_else(|| judged::equivalent_both(&original, &prog, k, &m));
            let killed = {
                let mut e = Engine::new(&prog);
                cs.patients.iter().zip(base).any(|((_, p, _), b)| class(&mut e, &prog, k, p) != *b)
            };
            if let Some(why) = class_says {
                // A class that claims a mutation some test detects is wrong.
                apply(&mut prog, &undo);
                found.equivalent_by_class += 1;
                if killed {
                    found.failing.push(format!("{path} {id}: {}: detected, yet `{why}`", m.what));
                }
                continue;
            }
            // A survivor the witness proves no patient can tell from the rule is equivalent
            // (its proof is exact over the conditions it supports, else it says "unknown").
            let verdict = (!killed)
                .then(|| {
                    if with_witness {
                        witness(&original, &prog, Some(&id))
                    } else {
                        Some(Vec::new())
                    }
                })
                .flatten()
                .and_then(|w| w.into_iter().next());
            apply(&mut prog, &undo);
            match verdict {
                None if killed => {}
                None => found.survivors.push((id.clone(), m.what)),
                Some(w) if w.verdict == Verdict::Same => {
                    eprintln!("proved equivalent: {path} {id}: {}: {}", m.what, w.reason);
                    found.equivalent_by_witness += 1;
                    found.survivors.push((id.clone(), m.what));
                }
                Some(w) => {
                    *found.verdicts.entry(format!("{:?}", w.verdict)).or_default() += 1;
                    found.survivors.push((id.clone(), m.what));
                }
            }
        }
    }
    found
}

#[test]
fn every_shipped_indicator_is_caught_when_its_rule_moves_by_one_unit() {
    let started = std::time::Instant::now();
    // The distinct indicators, each under the first scheme (in file order) that has it.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut work: Vec<(&str, &str, BTreeSet<String>)> = Vec::new();
    let (mut total, mut inherited) = (0, 0);
    for (path, text) in qofrules::shipped::SCHEMES {
        let (_, c) = check_text(path, text);
        let prog = compile(c.scheme.as_ref().expect("a shipped scheme checks"));
        let mut only = BTreeSet::new();
        let file = path.rsplit('/').next().unwrap_or_default();
        for k in 0..prog.indicators.len() {
            total += 1;
            if seen.insert(fingerprint(&prog, k)) && selected(file, &prog.indicators[k].id) {
                only.insert(prog.indicators[k].id.clone());
            } else {
                inherited += 1;
            }
        }
        work.push((path, text, only));
    }
    // Two chunks of schemes, balanced by the number of indicators to test.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    let mut chunks: Vec<Vec<usize>> = vec![Vec::new(); threads];
    let mut load = vec![0usize; threads];
    let mut order: Vec<usize> = (0..work.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(work[i].2.len()));
    for i in order {
        let t = (0..threads).min_by_key(|&t| load[t]).unwrap_or(0);
        load[t] += work[i].2.len();
        chunks[t].push(i);
    }
    let results: Vec<(usize, Found)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let work = &work;
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|&i| (i, run_scheme(work[i].0, work[i].1, &work[i].2)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("no panic")).collect()
    });
    let mut results = results;
    results.sort_by_key(|(i, _)| *i);
    let mut failing = Vec::new();
    let mut survivors: BTreeSet<(String, String, String)> = BTreeSet::new();
    let (mut indicators, mut cases, mut muts, mut by_class, mut by_witness) = (0, 0, 0, 0, 0);
    let mut verdicts: BTreeMap<String, usize> = BTreeMap::new();
    for (i, f) in results {
        let file = work[i].0.rsplit('/').next().unwrap_or_default().to_string();
        indicators += f.indicators;
        cases += f.cases;
        muts += f.mutations;
        by_class += f.equivalent_by_class;
        by_witness += f.equivalent_by_witness;
        for (v, n) in f.verdicts {
            *verdicts.entry(v).or_default() += n;
        }
        failing.extend(f.failing);
        for (id, what) in f.survivors {
            survivors.insert((file.clone(), id, what));
        }
    }
    let mut listed: BTreeSet<(String, String, String)> = EQUIVALENT
        .iter()
        .filter(|(f, i, _, _)| selected(f, i))
        .map(|(f, i, w, _)| (f.to_string(), i.to_string(), w.to_string()))
        .collect();
    let equivalent = listed.len();
    for line in KNOWN_MISSES.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let (head, what) = line.split_once(": ").expect("`file indicator: mutation`");
        let (file, id) = head.split_once(' ').expect("`file indicator`");
        if selected(file, id) {
            listed.insert((file.to_string(), id.to_string(), what.to_string()));
        }
    }
    let misses = listed.len() - equivalent;
    let unexplained: Vec<String> =
        survivors.difference(&listed).map(|(f, i, w)| format!("{f} {i}: {w}")).collect();
    let stale: Vec<String> =
        listed.difference(&survivors).map(|(f, i, w)| format!("{f} {i}: {w}")).collect();
    eprintln!(
        "mutation test: {total} shipped indicators, {inherited} inherited unchanged; {indicators} \
         tested with {cases} generated tests; {muts} mutations, {by_class} equivalent by class, \
         {by_witness} proved equivalent by the witness (when asked), {equivalent} listed as equivalent, \
         {misses} known generator misses, {} unexplained survivors (the witness on the \
         survivors: {verdicts:?}); {:.1} s",
        unexplained.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(failing.is_empty(), "{} generated tests fail:\n{}", failing.len(), failing.join("\n"));
    assert!(
        unexplained.is_empty(),
        "{} mutations survive every generated test:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    assert!(stale.is_empty(), "listed but detected now (delete them):\n{}", stale.join("\n"));
}
