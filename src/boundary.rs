//! Generated boundary patients (`qofrules boundary`): for each indicator, small patients placed
//! at every boundary its rule mentions (window ends and the days either side, values at and
//! either side of each comparison, ages at the limits with the birthday on the period end date,
//! counts at the limit, same-day ties, each adjustment alone and with achievement), each
//! written as an in-file `test` block with the outcome the engine gives.
//!
//! The generator works on the compiled [`Program`]. It builds patients from *drafts* (a date
//! of birth, sex, registration and a few events) in two steps: a constructive search
//! ([`Builder::make`]) that finds a draft for which a condition has the wanted truth value,
//! every candidate checked by the engine itself, and probes that move one atom of the rule
//! across its boundary on top of a base patient who reaches the indicator's denominator.
//! Outcomes are never predicted: every patient is classified by [`crate::eval::Engine`], so a
//! generated test states what the engine does and a tester reviews it.
//!
//! Deterministic: candidates are produced in a fixed order, and no hash map is iterated.

use crate::compile::{AnchorIr, End, Node, NodeId, Pred, Program, MAX_DATE, MIN_DATE};
use crate::date::Date;
use crate::eval::{explain, outcome_text, Engine};
use crate::model::{Event, Patient, Sex};
use crate::scheme::Kind;
use crate::syntax::ast::{Cmp, DateRel, Pick};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Goals to meet, each made true or false.
type Goals = Vec<(Goal, bool)>;

/// Alternatives kept at each step of the constructive search.
const KEEP: usize = 4;
/// How deep the constructive search follows definitions and registers.
const MAX_DEPTH: u32 = 48;

/// One event of a draft patient. The value is kept as decimal text, as a test writes it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DraftEvent {
    pub date: Date,
    pub code: u64,
    pub value: Option<String>,
}

/// A patient under construction: unset fields take the test defaults (born 50 years and
/// registered 10 years before the period end date).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Draft {
    pub born: Option<Date>,
    pub sex: Option<Sex>,
    pub registered: Option<Date>,
    pub deregistered: Option<Date>,
    /// Sorted.
    pub events: Vec<DraftEvent>,
}

impl Draft {
    fn add(&mut self, date: Date, code: u64, value: Option<String>) {
        let e = DraftEvent { date, code, value };
        if let Err(i) = self.events.binary_search(&e) {
            self.events.insert(i, e);
        }
    }

    fn without_list(&self, prog: &Program, l: u32) -> Draft {
        let mut d = self.clone();
        d.events.retain(|e| !in_list(prog, l, e.code));
        d
    }

    /// The draft with `other`'s fields (where set) and events added.
    pub fn merge(&self, other: &Draft) -> Draft {
        let mut d = self.clone();
        d.born = other.born.or(d.born);
        d.sex = other.sex.or(d.sex);
        d.registered = other.registered.or(d.registered);
        d.deregistered = other.deregistered.or(d.deregistered);
        for e in &other.events {
            d.add(e.date, e.code, e.value.clone());
        }
        d
    }

    /// The number of facts the draft states (events and set fields), for "smallest".
    pub fn size(&self) -> usize {
        self.events.len()
            + usize::from(self.sex.is_some())
            + usize::from(self.deregistered.is_some())
    }

    /// The patient the draft stands for, dated against `pped`.
    pub fn patient(&self, pped: Date, id: &str) -> Patient {
        let mut p = Patient {
            patient_id: id.to_string(),
            practice_id: crate::eval::TEST_PRACTICE.to_string(),
            birth_date: self.born(pped),
            sex: self.sex.unwrap_or(Sex::Unknown),
            registered_on: self.registered(pped),
            deregistered_on: self.deregistered,
            deprivation_decile: None,
            events: self
                .events
                .iter()
                .map(|e| Event {
                    date: e.date,
                    code: e.code,
                    value: e.value.as_deref().and_then(|v| v.parse::<f64>().ok()),
                })
                .collect(),
        };
        p.sort_events();
        p
    }

    fn born(&self, pped: Date) -> Date {
        self.born.unwrap_or(pped.add_months(-12 * 50 - 6))
    }

    fn registered(&self, pped: Date) -> Date {
        self.registered.unwrap_or(pped.add_months(-12 * 10))
    }

    /// The draft as a `test` block (without its name line's indentation): the patient, its
    /// events (SNOMED CT codes, each followed by the code lists it is in), and one `expect`.
    pub fn test_block(&self, prog: &Program, name: &str, expect: &str) -> String {
        let pped = prog.pped;
        let mut s = format!("test \"{}\" {{\n  patient born {}", clean(name), self.born(pped));
        match self.sex {
            Some(Sex::Female) => s.push_str(", female"),
            Some(Sex::Male) => s.push_str(", male"),
            _ => {}
        }
        s.push_str(&format!(", registered {}", self.registered(pped)));
        if let Some(d) = self.deregistered {
            s.push_str(&format!(", deregistered {d}"));
        }
        if self.events.is_empty() {
            s.push_str(" {}\n");
        } else {
            s.push_str(" {\n");
            for e in &self.events {
                s.push_str(&format!("    {} on {}", e.code, e.date));
                if let Some(v) = &e.value {
                    s.push_str(&format!(" value {v}"));
                }
                let lists = lists_of(prog, e.code);
                if !lists.is_empty() {
                    s.push_str(&format!(" // {}", lists.join(", ")));
                }
                s.push('\n');
            }
            s.push_str("  }\n");
        }
        s.push_str(&format!("  {expect}\n}}\n"));
        s
    }
}

/// A test name without characters a string literal cannot hold.
fn clean(s: &str) -> String {
    s.chars().map(|c| if c == '"' || c == '\\' || c.is_control() { '\'' } else { c }).collect()
}

/// Whether `code` is in list `l`.
pub fn in_list(prog: &Program, l: u32, code: u64) -> bool {
    prog.lists.get(l as usize).is_some_and(|x| x.codes.binary_search(&code).is_ok())
}

/// The ids of the lists `code` is in, in program order.
fn lists_of(prog: &Program, code: u64) -> Vec<&str> {
    prog.lists
        .iter()
        .filter(|l| l.codes.binary_search(&code).is_ok())
        .map(|l| l.id.as_str())
        .collect()
}

/// A threshold as exact decimal text and its last unit (`58` -> 1, `7.5` -> 0.1).
fn decimal(t: f64) -> Option<(Decimal, Decimal)> {
    let s = format!("{t}");
    let d = Decimal::from_str(&s).ok()?;
    Some((d, Decimal::new(1, d.scale())))
}

/// A value that makes `v cmp t` come out as `want`.
fn value_for(cmp: Cmp, t: f64, want: bool) -> Option<String> {
    let (t, u) = decimal(t)?;
    let v = match (cmp, want) {
        (Cmp::Le | Cmp::Ge | Cmp::Eq, true) | (Cmp::Ne, false) => t,
        (Cmp::Lt, true) | (Cmp::Ge, false) => t - u,
        (Cmp::Gt, true) | (Cmp::Le, false) | (Cmp::Eq | Cmp::Ne, _) => t + u,
        (Cmp::Lt, false) => t,
        (Cmp::Gt, false) => t,
    };
    (v >= Decimal::ZERO).then(|| v.normalize().to_string())
}

/// The values at, just below and just above a threshold (not below zero).
fn values_around(t: f64) -> Vec<String> {
    let Some((t, u)) = decimal(t) else { return Vec::new() };
    [t - u, t, t + u]
        .into_iter()
        .filter(|v| *v >= Decimal::ZERO)
        .map(|v| v.normalize().to_string())
        .collect()
}

/// What the constructive search is asked to make true or false.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Goal {
    Node(NodeId),
    /// On register `r` (registered at the PPED, within its ages, its condition holds).
    Register(u32),
}

/// The constructive search and the probes over one program.
pub struct Builder<'p> {
    pub prog: &'p Program,
}

impl<'p> Builder<'p> {
    pub fn new(prog: &'p Program) -> Self {
        Builder { prog }
    }

    fn pped(&self) -> Date {
        self.prog.pped
    }

    /// Whether the goal holds for the draft, by the engine.
    pub fn holds(&self, d: &Draft, g: Goal) -> bool {
        let p = d.patient(self.pped(), "draft");
        let mut e = Engine::new(self.prog);
        e.load(&p);
        match g {
            Goal::Node(n) => e.eval(n),
            Goal::Register(r) => e.on_register(r),
        }
    }

    /// Drafts extending `d` for which `g` is `want` (checked by the engine), at most [`KEEP`],
    /// the simplest first.
    pub fn make(&self, g: Goal, want: bool, d: &Draft) -> Vec<Draft> {
        self.make_at(g, want, d, 0)
    }

    fn make_at(&self, g: Goal, want: bool, d: &Draft, depth: u32) -> Vec<Draft> {
        if self.holds(d, g) == want {
            return vec![d.clone()];
        }
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        let mut out: Vec<Draft> = Vec::new();
        for c in self.candidates(g, want, d, depth) {
            if out.len() >= KEEP {
                break;
            }
            if !out.contains(&c) && self.holds(&c, g) == want {
                out.push(c);
            }
        }
        out
    }

    /// All of `goals` at once, in order (each later goal extends the drafts of the earlier).
    pub fn make_all(&self, goals: &[(Goal, bool)], d: &Draft) -> Option<Draft> {
        let mut ds = vec![d.clone()];
        for &(g, w) in goals {
            let mut next = Vec::new();
            for x in &ds {
                for y in self.make(g, w, x) {
                    if !next.contains(&y) && next.len() < KEEP {
                        next.push(y);
                    }
                }
            }
            ds = next;
        }
        ds.into_iter().find(|x| goals.iter().all(|&(g, w)| self.holds(x, g) == w))
    }

    /// [`Builder::make_all`], but each goal also tries its other ways of holding when a draft
    /// already meets it (a register met by a diagnosis on the period end date is also met by
    /// one on the period's first day, which a later goal may need): a wider, slower search,
    /// for when the greedy one finds nothing.
    pub fn make_all_wide(&self, goals: &[(Goal, bool)], d: &Draft) -> Option<Draft> {
        self.make_all_kept(goals, d, |_| true)
    }

    /// [`Builder::make_all_wide`] keeping only the drafts `keep` accepts at every step.
    fn make_all_kept(
        &self,
        goals: &[(Goal, bool)],
        d: &Draft,
        keep: impl Fn(&Draft) -> bool,
    ) -> Option<Draft> {
        let met = |step: usize, y: &Draft| {
            let (g, w) = goals[step];
            self.holds(y, g) == w
        };
        let ds = self.widen(goals, d, keep, met);
        ds.into_iter().find(|x| goals.iter().all(|&(g, w)| self.holds(x, g) == w))
    }

    /// [`Builder::make_all_kept`] with the goals wanted false first, and every draft kept at
    /// a step meeting the goals of the steps before it: for goals that fight over one event
    /// (a fracture since 2012 but none since 2014), which the search in written order, once
    /// a later event has filled its drafts, cannot undo.
    fn make_all_ordered(
        &self,
        goals: &[(Goal, bool)],
        d: &Draft,
        keep: impl Fn(&Draft) -> bool,
    ) -> Option<Draft> {
        let ordered: Vec<(Goal, bool)> =
            goals.iter().filter(|g| !g.1).chain(goals.iter().filter(|g| g.1)).copied().collect();
        let met =
            |step: usize, y: &Draft| ordered[..=step].iter().all(|&(h, v)| self.holds(y, h) == v);
        // the last step's drafts meet every goal
        self.widen(&ordered, d, keep, met).into_iter().next()
    }

    /// The wide search of [`Builder::make_all_kept`] and [`Builder::make_all_ordered`]: goal
    /// after goal, each draft of the step before if it meets the step (`met(step, draft)`),
    /// followed by the candidates made from it for the step's goal that `keep` accepts and
    /// that meet the step; at most `2 * KEEP` drafts a step.
    fn widen(
        &self,
        goals: &[(Goal, bool)],
        d: &Draft,
        keep: impl Fn(&Draft) -> bool,
        met: impl Fn(usize, &Draft) -> bool,
    ) -> Vec<Draft> {
        const WIDE: usize = 2 * KEEP;
        let mut ds = vec![d.clone()];
        for (step, &(g, w)) in goals.iter().enumerate() {
            let mut next: Vec<Draft> = Vec::new();
            for x in &ds {
                if met(step, x) && !next.contains(x) {
                    next.push(x.clone());
                }
                for y in self.candidates(g, w, x, 0) {
                    if next.len() >= WIDE {
                        break;
                    }
                    if !next.contains(&y) && keep(&y) && met(step, &y) {
                        next.push(y);
                    }
                }
            }
            next.truncate(WIDE);
            ds = next;
        }
        ds
    }

    fn candidates(&self, g: Goal, want: bool, d: &Draft, depth: u32) -> Vec<Draft> {
        let prog = self.prog;
        let pped = self.pped();
        let n = match g {
            Goal::Register(r) => return self.register_candidates(r, want, d, depth),
            Goal::Node(n) => n,
        };
        let Some(node) = prog.nodes.get(n as usize) else { return Vec::new() };
        let sub = |k: NodeId, w: bool, x: &Draft| self.make_at(Goal::Node(k), w, x, depth + 1);
        match node {
            Node::Const(_) => Vec::new(),
            Node::And(s, l) | Node::Or(s, l) => {
                let kids = &prog.kids[*s as usize..(*s + *l) as usize];
                let all = matches!(node, Node::And(..)) == want;
                if all {
                    let mut ds = vec![d.clone()];
                    for &k in kids {
                        let mut next = Vec::new();
                        for x in &ds {
                            for y in sub(k, want, x) {
                                if !next.contains(&y) && next.len() < KEEP {
                                    next.push(y);
                                }
                            }
                        }
                        ds = next;
                    }
                    ds
                } else {
                    kids.iter().flat_map(|&k| sub(k, want, d)).collect()
                }
            }
            Node::Not(k) => sub(*k, !want, d),
            Node::OnRegister(r) => self.make_at(Goal::Register(*r), want, d, depth + 1),
            Node::Define(x) => match prog.defines.get(*x as usize) {
                Some(def) => sub(def.node, want, d),
                None => Vec::new(),
            },
            Node::Aged(min, max) => {
                self.ages(*min, *max, want).into_iter().map(|a| self.with_age(d, a)).collect()
            }
            Node::AgedMonths(min, max) => self
                .ages(*min, *max, want)
                .into_iter()
                .map(|m| Draft { born: Some(pped.add_months(-m).add_days(-1)), ..d.clone() })
                .collect(),
            Node::Sex(s) => {
                let s = if want {
                    *s
                } else if *s == Sex::Female {
                    Sex::Male
                } else {
                    Sex::Female
                };
                vec![Draft { sex: Some(s), ..d.clone() }]
            }
            Node::Registered(w) => {
                let Some((lo, hi)) = self.range(d, Some(*w)) else { return Vec::new() };
                let hi = hi.min(pped);
                let mut dates = Vec::new();
                if want {
                    dates.extend([mid(lo, hi), hi, lo]);
                } else {
                    if lo > MIN_DATE {
                        dates.push(lo.add_days(-1));
                    }
                    if hi < pped {
                        dates.push(hi.add_days(1));
                    }
                }
                dates
                    .into_iter()
                    .filter(|x| *x <= pped && *x > MIN_DATE)
                    .map(|x| Draft { registered: Some(x), ..d.clone() })
                    .collect()
            }
            Node::Count { list, window, apart, cmp, value } => {
                let Some((lo, hi)) = self.range(d, *window) else { return Vec::new() };
                let hi = hi.min(pped);
                let target = (0..=(*value as i64).clamp(0, 50) + 1)
                    .find(|&k| crate::eval::engine::cmp_f(*cmp, k as f64, *value) == want);
                let Some(k) = target else { return Vec::new() };
                let code = self.code(*list, None, None);
                let mut out = Vec::new();
                let step = (*apart).max(1);
                for base in [d.without_list(prog, *list), d.clone()] {
                    let mut x = base;
                    let mut ok = true;
                    for i in 0..k {
                        let day = hi.add_days(-step * i as i32 - 30);
                        let day = if day < lo { hi.add_days(-step * i as i32) } else { day };
                        if day < lo {
                            ok = false;
                        }
                        if let Some(c) = code {
                            x.add(day, c, None);
                        }
                    }
                    if ok {
                        out.push(x);
                    }
                }
                // The events at the window's start instead (right after the event a window
                // `after latest X` is anchored on, before any later window begins).
                if want && k > 0 && lo > MIN_DATE {
                    let mut x = d.without_list(prog, *list);
                    let last = lo.add_days(step * (k as i32 - 1));
                    if last <= hi {
                        for i in 0..k {
                            if let Some(c) = code {
                                x.add(lo.add_days(step * i as i32), c, None);
                            }
                        }
                        out.push(x);
                    }
                }
                out
            }
            Node::Event { pick, list, paired, window, pred } => {
                let d = &self.with_anchor(d, *window);
                let Some((lo, hi)) = self.range(d, *window) else { return Vec::new() };
                let hi = hi.min(pped);
                if want {
                    if lo > hi {
                        return Vec::new();
                    }
                    let mut dates = vec![self.typical(lo, hi), hi, lo];
                    if let Pred::Within(w2) = pred {
                        if let Some((a, b)) = self.range(d, Some(*w2)) {
                            let (a, b) = (a.max(lo), b.min(hi));
                            if a <= b {
                                dates = vec![mid(a, b), b, a];
                            }
                        }
                    }
                    let mut out = Vec::new();
                    for date in dates {
                        for x in self.event_true(d, *pick, *list, *paired, pred, date) {
                            out.push(x);
                        }
                    }
                    out
                } else {
                    let mut out = vec![d.without_list(prog, *list)];
                    if let Some(b) = paired {
                        out.push(d.without_list(prog, *b));
                    }
                    // A later (or earlier) event that fails the predicate.
                    let date = match pick {
                        Some(Pick::First) => lo.max(pped.add_months(-12 * 40)),
                        _ => hi,
                    };
                    if lo <= hi {
                        out.extend(self.event_false(d, *list, *paired, pred, date));
                    }
                    out
                }
            }
        }
    }

    fn register_candidates(&self, r: u32, want: bool, d: &Draft, depth: u32) -> Vec<Draft> {
        let prog = self.prog;
        let pped = self.pped();
        let Some(reg) = prog.registers.get(r as usize) else { return Vec::new() };
        if want {
            let mut x = d.clone();
            if x.registered.is_some_and(|r| r > pped) {
                x.registered = None;
            }
            x.deregistered = x.deregistered.filter(|&v| v > pped);
            let age = pped.years_since(x.born(pped));
            if reg.min_age.is_some_and(|m| age < m) || reg.max_age.is_some_and(|m| age > m) {
                if let Some(a) = self.ages(reg.min_age, reg.max_age, true).first() {
                    x = self.with_age(&x, *a);
                }
            }
            match reg.filter {
                Some(f) => self.make_at(Goal::Node(f), true, &x, depth + 1),
                None => vec![x],
            }
        } else {
            let mut out = Vec::new();
            if let Some(f) = reg.filter {
                out.extend(self.make_at(Goal::Node(f), false, d, depth + 1));
            }
            for a in self.ages(reg.min_age, reg.max_age, false) {
                out.push(self.with_age(d, a));
            }
            out.push(Draft { registered: Some(pped.add_days(1)), ..d.clone() });
            out
        }
    }

    /// Ages (in the unit of the bounds) inside the limits (`want`) or just outside them.
    fn ages(&self, min: Option<i32>, max: Option<i32>, want: bool) -> Vec<i32> {
        if want {
            let typical = 50.clamp(min.unwrap_or(0), max.unwrap_or(i32::MAX));
            let mut v = vec![typical];
            v.extend(min);
            v.extend(max);
            v
        } else {
            let mut v = Vec::new();
            v.extend(min.map(|m| m - 1).filter(|&m| m >= 0));
            v.extend(max.map(|m| m + 1));
            v
        }
    }

    /// The draft with a date of birth giving `age` whole years at the PPED, half a year from
    /// a birthday.
    fn with_age(&self, d: &Draft, age: i32) -> Draft {
        Draft { born: Some(self.pped().add_months(-12 * age - 6)), ..d.clone() }
    }

    /// A date well inside `[lo, hi]`: the middle of a bounded window, else five years before
    /// the end (before the short windows adjustments look at).
    fn typical(&self, lo: Date, hi: Date) -> Date {
        if lo > MIN_DATE && hi.0 - lo.0 < 366 * 20 {
            mid(lo, hi)
        } else {
            hi.add_months(-60).max(lo)
        }
    }

    /// A code of list `l`, in list `yes` and not in list `no` when given: the one in the
    /// fewest lists (the fewest side effects), the smallest among those.
    pub fn code(&self, l: u32, yes: Option<u32>, no: Option<u32>) -> Option<u64> {
        let prog = self.prog;
        let codes = &prog.lists.get(l as usize)?.codes;
        codes
            .iter()
            .copied()
            .filter(|&c| yes.map_or(true, |y| in_list(prog, y, c)))
            .filter(|&c| no.map_or(true, |n| !in_list(prog, n, c)))
            .min_by_key(|&c| {
                (prog.lists.iter().filter(|x| x.codes.binary_search(&c).is_ok()).count(), c)
            })
    }

    /// The draft with the anchor of window `w` present (an event added for an event anchor
    /// that is missing).
    fn with_anchor(&self, d: &Draft, w: Option<u32>) -> Draft {
        let Some(win) = w.and_then(|w| self.prog.windows.get(w as usize)) else { return d.clone() };
        let mut x = d.clone();
        for end in [win.lo, win.hi] {
            if let End::Anchored { anchor: AnchorIr::Event(_, l), .. } = end {
                if self.anchor(&x, AnchorIr::Event(Pick::Latest, l)).is_none() {
                    if let Some(c) = self.code(l, None, None) {
                        x.add(self.pped().add_months(-6), c, None);
                    }
                }
            }
        }
        x
    }

    fn anchor(&self, d: &Draft, a: AnchorIr) -> Option<Date> {
        let pped = self.pped();
        match a {
            AnchorIr::Registration => Some(d.registered(pped)),
            AnchorIr::Birth => Some(d.born(pped)),
            AnchorIr::Event(pick, l) => {
                let it = d
                    .events
                    .iter()
                    .filter(|e| e.date <= pped && in_list(self.prog, l, e.code))
                    .map(|e| e.date);
                match pick {
                    Pick::Latest => it.max(),
                    Pick::First => it.min(),
                }
            }
        }
    }

    /// The date of the event of list `l` in `range` that `pick` selects (the latest when
    /// none is written), on or before the period end date.
    fn picked(&self, d: &Draft, pick: Option<Pick>, l: u32, range: (Date, Date)) -> Option<Date> {
        let it = d
            .events
            .iter()
            .filter(|e| e.date >= range.0 && e.date <= range.1.min(self.pped()))
            .filter(|e| in_list(self.prog, l, e.code))
            .map(|e| e.date);
        match pick {
            Some(Pick::First) => it.min(),
            _ => it.max(),
        }
    }

    /// Window `w`'s inclusive range for the draft (`None`: an anchor is missing).
    pub fn range(&self, d: &Draft, w: Option<u32>) -> Option<(Date, Date)> {
        let Some(w) = w else { return Some((MIN_DATE, MAX_DATE)) };
        let win = self.prog.windows.get(w as usize)?;
        let end = |e: End| match e {
            End::Fixed(x) => Some(x),
            End::Anchored { anchor, months, days } => {
                Some(self.anchor(d, anchor)?.add_months(months).add_days(days))
            }
        };
        Some((end(win.lo)?, end(win.hi)?))
    }

    /// Events on `date` that make `[pick] list[/paired] PRED` true.
    fn event_true(
        &self,
        d: &Draft,
        _pick: Option<Pick>,
        list: u32,
        paired: Option<u32>,
        pred: &Pred,
        date: Date,
    ) -> Vec<Draft> {
        let prog = self.prog;
        let mut out = Vec::new();
        match pred {
            Pred::Exists | Pred::Within(_) => {
                let mut x = d.clone();
                self.add_pair(&mut x, list, paired, date, None, None);
                out.push(x);
            }
            Pred::Value { cmp, value, paired: p2, .. } => {
                let v1 = value_for(*cmp, *value, true);
                let v2 = p2.and_then(|t| value_for(*cmp, t, true));
                let mut x = d.clone();
                self.add_pair(&mut x, list, paired, date, v1, v2);
                out.push(x);
            }
            Pred::Member(l2) => {
                if let Some(c) = self.code(list, Some(*l2), None) {
                    let mut x = d.clone();
                    x.add(date, c, None);
                    out.push(x);
                }
            }
            Pred::Date { rel, pick, list: l2, window } => {
                let other = self.range(d, *window).and_then(|(lo, hi)| {
                    let it = d
                        .events
                        .iter()
                        .filter(|e| e.date >= lo && e.date <= hi.min(self.pped()))
                        .filter(|e| in_list(prog, *l2, e.code))
                        .map(|e| e.date);
                    match pick {
                        Pick::Latest => it.max(),
                        Pick::First => it.min(),
                    }
                });
                let code2 = self.code(*l2, None, Some(list));
                match (rel, other) {
                    (DateRel::After | DateRel::OnOrAfter, None) => {
                        let mut x = d.clone();
                        self.add_pair(&mut x, list, paired, date, None, None);
                        out.push(x);
                    }
                    (DateRel::After, Some(o)) | (DateRel::OnOrAfter, Some(o)) => {
                        let day = if *rel == DateRel::After { o.add_days(1) } else { o };
                        let mut x = d.clone();
                        self.add_pair(&mut x, list, paired, day.min(self.pped()), None, None);
                        out.push(x);
                    }
                    (DateRel::Before | DateRel::OnOrBefore, _) => {
                        let mut x = d.clone();
                        self.add_pair(&mut x, list, paired, date, None, None);
                        let day = if *rel == DateRel::Before { date.add_days(1) } else { date };
                        if let Some(c) = code2 {
                            x.add(day.min(self.pped()), c, None);
                        }
                        out.push(x);
                    }
                }
            }
        }
        out
    }

    /// Events on `date` that make `list[/paired] PRED` false when picked.
    fn event_false(
        &self,
        d: &Draft,
        list: u32,
        paired: Option<u32>,
        pred: &Pred,
        date: Date,
    ) -> Vec<Draft> {
        let mut out = Vec::new();
        match pred {
            Pred::Exists => {}
            Pred::Within(_) => {}
            Pred::Value { cmp, value, paired: p2, .. } => {
                let v1 = value_for(*cmp, *value, false);
                let v2 = p2.and_then(|t| value_for(*cmp, t, false));
                let mut x = d.clone();
                self.add_pair(&mut x, list, paired, date, v1, v2);
                out.push(x);
            }
            Pred::Member(l2) => {
                if let Some(c) = self.code(list, None, Some(*l2)) {
                    let mut x = d.clone();
                    x.add(date, c, None);
                    out.push(x);
                }
            }
            Pred::Date { list: l2, .. } => {
                if let Some(c) = self.code(*l2, None, Some(list)) {
                    let mut x = d.clone();
                    self.add_pair(&mut x, list, paired, date.add_days(-1), None, None);
                    x.add(date, c, None);
                    out.push(x);
                }
            }
        }
        out
    }

    /// An event of `list` (and of `paired`, the same day) with the values given.
    fn add_pair(
        &self,
        x: &mut Draft,
        list: u32,
        paired: Option<u32>,
        date: Date,
        v1: Option<String>,
        v2: Option<String>,
    ) {
        let c1 = match paired {
            Some(b) => self.code(list, None, Some(b)),
            None => self.code(list, None, None),
        };
        if let Some(c) = c1 {
            x.add(date, c, v1);
        }
        if let Some(b) = paired {
            if let Some(c) = self.code(b, None, Some(list)) {
                x.add(date, c, v2);
            }
        }
    }
}

fn mid(lo: Date, hi: Date) -> Date {
    Date(lo.0 + (hi.0 - lo.0) / 2)
}

/// One generated case.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// What the case puts at a boundary.
    pub label: String,
    pub draft: Draft,
    /// The `expect` line (`expect DM020 numerator`).
    pub expect: String,
}

/// The generated cases of one indicator.
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorCases {
    pub indicator: String,
    pub cases: Vec<Case>,
    /// Why there are no cases (attested indicators).
    pub note: Option<String>,
}

/// The text of a condition node, as written (for labels).
pub fn node_text(prog: &Program, n: NodeId) -> String {
    let list = |l: u32| prog.lists.get(l as usize).map_or("?", |x| x.id.as_str()).to_string();
    let win = |w: Option<u32>| match w.and_then(|w| prog.windows.get(w as usize)) {
        Some(w) => format!(" {}", w.text),
        None => String::new(),
    };
    match prog.nodes.get(n as usize) {
        None => String::new(),
        Some(Node::Const(b)) => b.to_string(),
        Some(Node::And(s, l)) | Some(Node::Or(s, l)) => {
            let word =
                if matches!(prog.nodes[n as usize], Node::And(..)) { " and " } else { " or " };
            let parts: Vec<String> = prog.kids[*s as usize..(*s + *l) as usize]
                .iter()
                .map(|&k| match prog.nodes[k as usize] {
                    Node::And(..) | Node::Or(..) => format!("({})", node_text(prog, k)),
                    _ => node_text(prog, k),
                })
                .collect();
            parts.join(word)
        }
        Some(Node::Not(k)) => format!("not {}", node_text(prog, *k)),
        Some(Node::OnRegister(r)) => {
            format!("on register {}", prog.registers.get(*r as usize).map_or("?", |x| &x.id))
        }
        Some(Node::Define(d)) => prog.defines.get(*d as usize).map_or("?", |x| &x.id).to_string(),
        Some(Node::Aged(a, b)) | Some(Node::AgedMonths(a, b)) => {
            let unit =
                if matches!(prog.nodes[n as usize], Node::AgedMonths(..)) { " months" } else { "" };
            match (a, b) {
                (Some(a), Some(b)) => format!("aged {a} to {b}{unit}"),
                (Some(a), None) => format!("aged {a}{unit} or over"),
                (None, Some(b)) => format!("aged {b}{unit} or under"),
                (None, None) => "aged".into(),
            }
        }
        Some(Node::Sex(s)) => if *s == Sex::Female { "female" } else { "male" }.into(),
        Some(Node::Registered(w)) => format!("registered{}", win(Some(*w))),
        Some(Node::Count { list: l, window, apart, cmp, value }) => {
            let apart =
                if *apart > 0 { format!(" at least {apart} days apart") } else { String::new() };
            format!("count {}{}{apart} {} {value}", list(*l), win(*window), cmp.symbol())
        }
        Some(Node::Event { pick, list: l, paired, window, pred }) => {
            let mut s = match pick {
                Some(Pick::Latest) => "latest ".to_string(),
                Some(Pick::First) => "first ".to_string(),
                None => String::new(),
            };
            s.push_str(&list(*l));
            if let Some(b) = paired {
                s.push_str(&format!(" / {}", list(*b)));
            }
            s.push_str(&win(*window));
            match pred {
                Pred::Exists => {}
                Pred::Value { highest, cmp, value, paired } => {
                    s.push_str(if *highest { " has highest value " } else { " has value " });
                    s.push_str(&format!("{} {value}", cmp.symbol()));
                    if let Some(p) = paired {
                        s.push_str(&format!(" / {p}"));
                    }
                }
                Pred::Date { rel, pick, list: l2, window } => {
                    let r = match rel {
                        DateRel::After => "after",
                        DateRel::OnOrAfter => "on or after",
                        DateRel::Before => "before",
                        DateRel::OnOrBefore => "on or before",
                    };
                    let p = if *pick == Pick::Latest { "latest" } else { "first" };
                    s.push_str(&format!(" is {r} {p} {}{}", list(*l2), win(*window)));
                }
                Pred::Member(l2) => s.push_str(&format!(" is in {}", list(*l2))),
                Pred::Within(w) => s.push_str(&format!(" is{}", win(Some(*w)))),
            }
            s
        }
    }
}

/// Every atom (leaf condition) reachable from `roots`, through definitions and registers, in
/// first-visit order, each once. Registers reached are listed in `registers`.
pub fn atoms(prog: &Program, roots: &[NodeId], registers: &mut Vec<u32>) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut seen = vec![false; prog.nodes.len()];
    let mut stack: Vec<NodeId> = roots.iter().rev().copied().collect();
    while let Some(n) = stack.pop() {
        let Some(slot) = seen.get_mut(n as usize) else { continue };
        if *slot {
            continue;
        }
        *slot = true;
        match &prog.nodes[n as usize] {
            Node::And(s, l) | Node::Or(s, l) => {
                stack.extend(prog.kids[*s as usize..(*s + *l) as usize].iter().rev());
            }
            Node::Not(k) => stack.push(*k),
            Node::Define(d) => stack.extend(prog.defines.get(*d as usize).map(|x| x.node)),
            Node::OnRegister(r) => {
                if !registers.contains(r) {
                    registers.push(*r);
                }
                stack.extend(prog.registers.get(*r as usize).and_then(|x| x.filter));
            }
            Node::Const(_) => {}
            _ => out.push(n),
        }
    }
    out
}

/// The parts of an indicator's cascade, in order: cohort register, filter, exclusion, strata,
/// achieved, adjustments.
fn roots(prog: &Program, ind: usize) -> (Option<u32>, Vec<NodeId>) {
    let i = &prog.indicators[ind];
    (i.register_of(), i.conditions())
}

/// The label's end for a probe made on a patient for whom the probed condition decides.
const DECIDES: &str = ", where it decides the outcome";

/// What [`Builder::context`] makes decisive: a condition node, or being on a register.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    Node(NodeId),
    Register(u32),
}

impl Builder<'_> {
    /// The parts of indicator `ind`'s cascade (their condition's root), each with the goals
    /// under which it decides the outcome: the other parts it is weighed against.
    fn parts(&self, ind: usize) -> Vec<(NodeId, Vec<(Goal, bool)>)> {
        let i = &self.prog.indicators[ind];
        let mut out = Vec::new();
        let reg = i.register_of();
        let cohort: Vec<(Goal, bool)> =
            reg.map(|r| (Goal::Register(r), true)).into_iter().collect();
        let filter: Vec<(Goal, bool)> =
            i.filter.map(|f| (Goal::Node(f), true)).into_iter().collect();
        let exclude: Vec<(Goal, bool)> =
            i.exclude.map(|f| (Goal::Node(f), false)).into_iter().collect();
        if let Some(f) =
            reg.and_then(|r| self.prog.registers.get(r as usize)).and_then(|x| x.filter)
        {
            out.push((f, [filter.clone(), exclude.clone()].concat()));
        }
        if i.kind != Kind::Fraction {
            return out;
        }
        if let Some(f) = i.filter {
            out.push((f, [cohort.clone(), exclude.clone()].concat()));
        }
        if let Some(x) = i.exclude {
            out.push((x, [cohort.clone(), filter.clone()].concat()));
        }
        let reach = [cohort, filter, exclude].concat();
        let no_adjustment: Vec<(Goal, bool)> =
            i.adjustments.iter().map(|a| (Goal::Node(a.when), false)).collect();
        let mut earlier = Vec::new();
        for s in &i.strata {
            if let Some(w) = s.when {
                out.push((w, [reach.clone(), earlier.clone()].concat()));
            }
            let mut here = [reach.clone(), earlier.clone()].concat();
            here.extend(s.when.map(|w| (Goal::Node(w), true)));
            if let Some(a) = s.achieved.or(i.achieved) {
                out.push((a, [here, no_adjustment.clone()].concat()));
            }
            earlier.extend(s.when.map(|w| (Goal::Node(w), false)));
        }
        let achieved = i.strata.first().and_then(|s| s.achieved).or(i.achieved);
        let mut before = reach.clone();
        if let Some(w) = i.strata.first().and_then(|s| s.when) {
            before.push((Goal::Node(w), true));
        }
        if i.strata.is_empty() {
            if let Some(a) = achieved {
                out.push((a, [before.clone(), no_adjustment].concat()));
            }
        }
        before.extend(achieved.map(|a| (Goal::Node(a), false)));
        for a in &i.adjustments {
            out.push((a.when, before.clone()));
            before.push((Goal::Node(a.when), false));
        }
        out.extend(self.achieved_with_adjustments(ind));
        out
    }

    /// The achievement conditions again, with the adjustments left free: tried after the
    /// parts above (which want every adjustment false, so that a patient who does not achieve
    /// is in the denominator). The engine counts achievement before the adjustments, so it
    /// decides the outcome whatever they are, and some patients can only achieve with an
    /// adjustment true (MH021: each element received or declined).
    fn achieved_with_adjustments(&self, ind: usize) -> Vec<(NodeId, Vec<(Goal, bool)>)> {
        let i = &self.prog.indicators[ind];
        if i.kind != Kind::Fraction || i.adjustments.is_empty() {
            return Vec::new();
        }
        let mut reach = Vec::new();
        reach.extend(i.cohort.map(|r| (Goal::Register(r), true)));
        reach.extend(i.filter.map(|f| (Goal::Node(f), true)));
        reach.extend(i.exclude.map(|f| (Goal::Node(f), false)));
        let mut out = Vec::new();
        let mut earlier = Vec::new();
        for s in &i.strata {
            let mut here = [reach.clone(), earlier.clone()].concat();
            here.extend(s.when.map(|w| (Goal::Node(w), true)));
            if let Some(a) = s.achieved.or(i.achieved) {
                out.push((a, here));
            }
            earlier.extend(s.when.map(|w| (Goal::Node(w), false)));
        }
        if i.strata.is_empty() {
            out.extend(i.achieved.map(|a| (a, reach)));
        }
        out
    }

    /// The goals on the other operands along a path from `n` down to `target` under which
    /// `target` decides `n` (the other operands of an `and` true, of an `or` false), or
    /// `false` when `target` is not below `n`. `dead` marks nodes known not to lead to it.
    fn siblings(
        &self,
        n: NodeId,
        target: Target,
        depth: u32,
        out: &mut Vec<(Goal, bool)>,
        dead: &mut [bool],
    ) -> bool {
        let prog = self.prog;
        if target == Target::Node(n) {
            return true;
        }
        if depth > MAX_DEPTH || dead.get(n as usize).copied().unwrap_or(true) {
            return false;
        }
        let found = match prog.nodes.get(n as usize) {
            Some(Node::And(s, l)) | Some(Node::Or(s, l)) => {
                let is_and = matches!(prog.nodes[n as usize], Node::And(..));
                let kids = &prog.kids[*s as usize..(*s + *l) as usize];
                let mut found = false;
                for &k in kids {
                    let mark = out.len();
                    if self.siblings(k, target, depth + 1, out, dead) {
                        out.extend(
                            kids.iter().filter(|&&o| o != k).map(|&o| (Goal::Node(o), is_and)),
                        );
                        found = true;
                        break;
                    }
                    out.truncate(mark);
                }
                found
            }
            Some(Node::Not(k)) => self.siblings(*k, target, depth + 1, out, dead),
            Some(Node::Define(d)) => match prog.defines.get(*d as usize) {
                Some(x) => self.siblings(x.node, target, depth + 1, out, dead),
                None => false,
            },
            Some(Node::OnRegister(r)) => {
                target == Target::Register(*r)
                    || prog
                        .registers
                        .get(*r as usize)
                        .and_then(|x| x.filter)
                        .is_some_and(|f| self.siblings(f, target, depth + 1, out, dead))
            }
            _ => false,
        };
        if !found {
            if let Some(x) = dead.get_mut(n as usize) {
                *x = true;
            }
        }
        found
    }

    /// A patient (from the default one) for whom `target` decides indicator `ind`'s outcome:
    /// the other parts of the cascade as the part holding it needs them, the other operands
    /// around it as it needs them; `None` when none is found (checked by the engine).
    pub fn context(&self, ind: usize, target: Target) -> Option<Draft> {
        for (sib, goals) in self.deciding(ind, target) {
            let d = Draft::default();
            // The target itself made true first, so that the parts holding it are met through
            // it (a cohort of `on register DM or on register AST` reached through DM).
            let me = match target {
                Target::Node(n) => (Goal::Node(n), true),
                Target::Register(r) => (Goal::Register(r), true),
            };
            let zero = [vec![me], sib.clone(), goals.clone()].concat();
            let (one, two) = ([goals.clone(), sib.clone()].concat(), [sib, goals].concat());
            let found = self
                .make_all(&zero, &d)
                .or_else(|| self.make_all(&one, &d))
                .or_else(|| self.make_all(&two, &d))
                .or_else(|| self.make_all_wide(&one, &d))
                .or_else(|| self.make_all_wide(&two, &d));
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// For each part of indicator `ind`'s cascade that holds `target`: the goals on the other
    /// operands around it, and the goals on the other parts, under which it decides.
    fn deciding(&self, ind: usize, target: Target) -> Vec<(Goals, Goals)> {
        let mut dead = vec![false; self.prog.nodes.len()];
        let mut out = Vec::new();
        for (root, goals) in self.parts(ind) {
            let mut sib = Vec::new();
            if self.siblings(root, target, 0, &mut sib, &mut dead) {
                out.push((sib, goals));
            }
        }
        out
    }

    /// Event atom `n` placed one unit (as its window is written) inside and outside each end
    /// of its window, on a patient for whom it decides indicator `ind`'s outcome, the rest of
    /// that patient made again around the placed event where the context's patient no longer
    /// fits it (the invitations after a reading moved before the window moved with it, before
    /// the window's start). Only patients on whom the atom's events are the placed ones.
    fn pinned_probes(&self, ind: usize, n: NodeId, ctx: &Draft) -> Vec<(String, Draft)> {
        let prog = self.prog;
        let mut out = Vec::new();
        let Some(Node::Event { pick, list, paired, window, pred }) = prog.nodes.get(n as usize)
        else {
            return out;
        };
        let text = node_text(prog, n);
        let sets = self.deciding(ind, Target::Node(n));
        // The atom's own events in its window.
        if let Some(w) = window {
            let pins: Vec<u32> = std::iter::once(*list).chain(*paired).collect();
            let mut b = ctx.clone();
            for &l in &pins {
                b = b.without_list(prog, l);
            }
            // The other list of a date relation is made again around the placed event.
            if let Pred::Date { list: l2, .. } = pred {
                b = b.without_list(prog, *l2);
            }
            let b = self.with_anchor(&b, Some(*w));
            // A plain event, and (for an atom that only needs one) events with the values of a
            // reading of the list the rule tests elsewhere, passing and failing it.
            let reading =
                match pred {
                    Pred::Exists => prog.nodes.iter().find_map(|x| match x {
                        Node::Event {
                            list: l, paired: p2, pred: p @ Pred::Value { .. }, ..
                        } if l == list && p2 == paired => Some(p),
                        _ => None,
                    }),
                    _ => None,
                };
            let place = |d: Date| {
                let mut xs = self.event_true(&b, *pick, *list, *paired, pred, d);
                if let Some(p) = reading {
                    xs.extend(self.event_true(&b, *pick, *list, *paired, p, d));
                    xs.extend(self.event_false(&b, *list, *paired, p, d));
                }
                xs
            };
            self.pinned_at(n, &sets, &b, *w, &pins, &place, &text, "", &mut out);
        }
        // The other list's event of a date relation in its window.
        if let Pred::Date { list: l2, window: Some(w2), .. } = pred {
            let b = ctx.without_list(prog, *l2);
            // With the values (and paired event) of a reading of that list the rule tests, so
            // that the conditions on its values can hold.
            let reading = prog.nodes.iter().find_map(|x| match x {
                Node::Event { list: l, paired: p2, pred: p @ Pred::Value { .. }, .. }
                    if l == l2 =>
                {
                    Some((*p2, p))
                }
                _ => None,
            });
            let pins: Vec<u32> =
                std::iter::once(*l2).chain(reading.and_then(|(p2, _)| p2)).collect();
            let mut b = b;
            for &l in &pins {
                b = b.without_list(prog, l);
            }
            if let Some(c) = self.code(*l2, None, Some(*list)) {
                let place = |d: Date| {
                    let xs = match reading {
                        Some((p2, p)) => self.event_true(&b, None, *l2, p2, p, d),
                        None => {
                            let mut x = b.clone();
                            x.add(d, c, None);
                            vec![x]
                        }
                    };
                    // Also with the atom's own event on the side of it that makes the
                    // relation false (the day before for `after`, the day after for `before`).
                    let mut more = Vec::new();
                    if let Pred::Date { rel, .. } = pred {
                        let own = match rel {
                            DateRel::After | DateRel::OnOrAfter => d.add_days(-1),
                            DateRel::Before | DateRel::OnOrBefore => d.add_days(1),
                        };
                        for x in &xs {
                            let mut y = x.without_list(prog, *list);
                            self.add_pair(&mut y, *list, *paired, own, None, None);
                            more.push(y);
                        }
                    }
                    [xs, more].concat()
                };
                let what = " (the other list's event)";
                self.pinned_at(n, &sets, &b, *w2, &pins, &place, &text, what, &mut out);
            }
        }
        out
    }

    /// [`Builder::pinned_probes`] for one window: events of `pins` placed by `place` one unit
    /// around each end of window `w`, the rest made around them by the deciding goals `sets`.
    #[allow(clippy::too_many_arguments)]
    fn pinned_at(
        &self,
        n: NodeId,
        sets: &[(Goals, Goals)],
        b: &Draft,
        w: u32,
        pins: &[u32],
        place: &dyn Fn(Date) -> Vec<Draft>,
        text: &str,
        whose: &str,
        out: &mut Vec<(String, Draft)>,
    ) {
        let prog = self.prog;
        let pped = self.pped();
        let Some(win) = prog.windows.get(w as usize) else { return };
        let unit =
            if win.text.trim_end().ends_with("years") || win.text.trim_end().ends_with("year") {
                12
            } else {
                1
            };
        let Some((lo, hi)) = self.range(b, Some(w)) else { return };
        let mut dates = Vec::new();
        if lo > MIN_DATE {
            dates.extend([
                ("one unit before the window's first day", lo.add_months(-unit)),
                ("the last day of the window's first unit", lo.add_months(unit).add_days(-1)),
                ("the day before the window", lo.add_days(-1)),
                ("the window's first day", lo),
            ]);
        }
        if hi < MAX_DATE {
            let hi_in = hi.min(pped);
            dates.extend([
                ("the window's last day", hi_in),
                ("the first day of the window's last unit", hi.add_months(-unit).add_days(1)),
                ("one unit after the window's last day", hi.add_months(unit)),
            ]);
        }
        let mine = |d: &Draft| -> Vec<DraftEvent> {
            d.events
                .iter()
                .filter(|e| pins.iter().any(|&l| in_list(prog, l, e.code)))
                .cloned()
                .collect()
        };
        let is_date =
            matches!(prog.nodes.get(n as usize), Some(Node::Event { pred: Pred::Date { .. }, .. }));
        for (what, date) in dates {
            if date > pped || date <= MIN_DATE {
                continue;
            }
            for x in place(date) {
                let pinned = mine(&x);
                let bare = Draft { events: pinned.clone(), ..x.clone() };
                // The atom true and false on the placed event (a date relation is decided by
                // where the other list's event is made).
                let wants: &[Option<bool>] =
                    if is_date { &[Some(true), Some(false)] } else { &[None] };
                for want in wants {
                    for (sib, goals) in sets {
                        let mut all = [sib.clone(), goals.clone()].concat();
                        all.extend(want.map(|w| (Goal::Node(n), w)));
                        let made = [x.clone(), bare.clone()]
                            .iter()
                            .find_map(|start| {
                                self.make_all_kept(&all, start, |y| mine(y) == pinned)
                            })
                            .or_else(|| self.make_all_ordered(&all, &bare, |y| mine(y) == pinned));
                        if let Some(y) = made {
                            let label = format!(
                                "{text}: on {date}{whose}, {what}, the rest made around it"
                            );
                            out.push((label, y));
                            break;
                        }
                    }
                }
            }
        }
    }

    /// [`Builder::pinned_probes`] for the second window of `[latest|first] X is in WINDOW`:
    /// the event selected placed one unit inside and outside each end of that window, the rest
    /// of a patient for whom the atom decides made around it (a diagnosis in the last 9 months
    /// for a register that then needs a spirometry result near it).
    fn pinned_within(&self, ind: usize, n: NodeId, ctx: &Draft) -> Vec<(String, Draft)> {
        let prog = self.prog;
        let mut out = Vec::new();
        let Some(Node::Event { list, paired, window, pred: Pred::Within(w2), .. }) =
            prog.nodes.get(n as usize)
        else {
            return out;
        };
        let sets = self.deciding(ind, Target::Node(n));
        let pins: Vec<u32> = std::iter::once(*list).chain(*paired).collect();
        let mut b = ctx.clone();
        for &l in &pins {
            b = b.without_list(prog, l);
        }
        let b = self.with_anchor(&self.with_anchor(&b, *window), Some(*w2));
        let place = |d: Date| {
            let mut x = b.clone();
            self.add_pair(&mut x, *list, *paired, d, None, None);
            vec![x]
        };
        let text = node_text(prog, n);
        let whose = " (the selected event in the second window)";
        self.pinned_at(n, &sets, &b, *w2, &pins, &place, &text, whose, &mut out);
        out
    }

    /// Event atom `n` (`L in W`) placed around the ends of `W` as [`Builder::pinned_probes`]
    /// does, with the latest event of `A` placed so that the placed event is on the first day
    /// of another window of `L` in the rule, anchored on it (`L from 10 days after latest A to
    /// 56 days after latest A`): DEP004 excludes a review in that window only when it is not
    /// in the last 12 months, which only a review near the 12 months' ends with its diagnosis
    /// 10 days before it tells.
    fn pinned_with_anchor(&self, ind: usize, n: NodeId, ctx: &Draft) -> Vec<(String, Draft)> {
        let prog = self.prog;
        let mut out = Vec::new();
        let Some(Node::Event { list, paired: None, window: Some(w), pred: Pred::Exists, .. }) =
            prog.nodes.get(n as usize)
        else {
            return out;
        };
        let codes = |l: u32| prog.lists.get(l as usize).map(|x| &x.codes);
        let mut anchors: Vec<(u32, i32, i32)> = Vec::new();
        for x in &prog.nodes {
            let Node::Event { list: l2, window: Some(w2), .. } = x else { continue };
            if codes(*l2) != codes(*list) {
                continue;
            }
            let Some(win) = prog.windows.get(*w2 as usize) else { continue };
            if let End::Anchored { anchor: AnchorIr::Event(Pick::Latest, a), months, days } = win.lo
            {
                if a != *list && !anchors.contains(&(a, months, days)) {
                    anchors.push((a, months, days));
                }
            }
        }
        let (Some(c), false) = (self.code(*list, None, None), anchors.is_empty()) else {
            return out;
        };
        let sets = self.deciding(ind, Target::Node(n));
        let text = node_text(prog, n);
        for (a, months, days) in anchors {
            let Some(ca) = self.code(a, None, Some(*list)) else { continue };
            let pins = [*list, a];
            let b = ctx.without_list(prog, *list).without_list(prog, a);
            let place = |d: Date| {
                let mut x = b.clone();
                x.add(d, c, None);
                x.add(d.add_days(-days).add_months(-months), ca, None);
                vec![x]
            };
            let whose = " (the anchor of another window of its list placed before it)";
            self.pinned_at(n, &sets, &b, *w, &pins, &place, &text, whose, &mut out);
        }
        out
    }

    /// Age atom `n` at each of its limits (the birthday on the period end date and the day
    /// after), on a patient for whom it decides, the rest of that patient made again around
    /// the date of birth (at 75, a fracture before April 2014 for a register that takes ages
    /// 50 to 74 with a fracture since April 2012, or 75 and over with one since April 2014).
    fn pinned_ages(&self, ind: usize, n: NodeId) -> Vec<(String, Draft)> {
        let prog = self.prog;
        let mut out = Vec::new();
        let (min, max, months) = match prog.nodes.get(n as usize) {
            Some(Node::Aged(a, b)) => (*a, *b, false),
            Some(Node::AgedMonths(a, b)) => (*a, *b, true),
            _ => return out,
        };
        let sets = self.deciding(ind, Target::Node(n));
        let text = node_text(prog, n);
        for (a, lower) in [(min, true), (max, false)] {
            let Some(a) = a else { continue };
            for (label, born) in self.age_births(a, lower, months) {
                let start = Draft { born: Some(born), ..Draft::default() };
                for (sib, goals) in &sets {
                    let all = [sib.clone(), goals.clone()].concat();
                    let keep = |y: &Draft| y.born == Some(born);
                    let made = self
                        .make_all_kept(&all, &start, keep)
                        .or_else(|| self.make_all_ordered(&all, &start, keep));
                    if let Some(y) = made {
                        out.push((format!("{text}: {label}, the rest made around it"), y));
                        break;
                    }
                }
            }
        }
        out
    }

    /// The goals that put a patient in indicator `ind`'s denominator (cohort, filter, not
    /// excluded), before strata and achievement.
    fn reach(&self, ind: usize) -> Vec<(Goal, bool)> {
        let i = &self.prog.indicators[ind];
        let mut g = Vec::new();
        match i.kind {
            Kind::Register => g.extend(i.register.map(|r| (Goal::Register(r), true))),
            _ => g.extend(i.cohort.map(|r| (Goal::Register(r), true))),
        }
        g.extend(i.filter.map(|f| (Goal::Node(f), true)));
        g.extend(i.exclude.map(|f| (Goal::Node(f), false)));
        g
    }

    /// A patient who reaches the denominator without achieving or being adjusted (when one
    /// can be found; else one who reaches the cascade; else the default patient).
    pub fn base(&self, ind: usize) -> Draft {
        let i = &self.prog.indicators[ind];
        let reach = self.reach(ind);
        let mut plain = reach.clone();
        if let Some(w) = i.strata.first().and_then(|s| s.when) {
            plain.push((Goal::Node(w), true));
        }
        let achieved = i.strata.first().and_then(|s| s.achieved).or(i.achieved);
        plain.extend(achieved.map(|a| (Goal::Node(a), false)));
        plain.extend(i.adjustments.iter().map(|a| (Goal::Node(a.when), false)));
        let d = Draft::default();
        self.make_all(&plain, &d)
            .or_else(|| self.make_all_wide(&plain, &d))
            .or_else(|| self.make_all(&reach, &d))
            .unwrap_or_default()
    }

    /// Drafts that put atom `n` at its boundaries, on top of `base` (whose events of the
    /// atom's lists are dropped first, so that the probe's events are the ones that count).
    pub fn probes(&self, n: NodeId, base: &Draft) -> Vec<(String, Draft)> {
        let prog = self.prog;
        let pped = self.pped();
        let text = node_text(prog, n);
        let mut out: Vec<(String, Draft)> = Vec::new();
        let Some(node) = prog.nodes.get(n as usize) else { return out };
        match node {
            Node::Aged(min, max) => {
                for (a, b) in [(*min, true), (*max, false)] {
                    if let Some(a) = a {
                        for (label, born) in self.age_births(a, b, false) {
                            out.push((
                                format!("{text}: {label}"),
                                Draft { born: Some(born), ..base.clone() },
                            ));
                        }
                    }
                }
            }
            Node::AgedMonths(min, max) => {
                for (a, b) in [(*min, true), (*max, false)] {
                    if let Some(a) = a {
                        for (label, born) in self.age_births(a, b, true) {
                            out.push((
                                format!("{text}: {label}"),
                                Draft { born: Some(born), ..base.clone() },
                            ));
                        }
                    }
                }
            }
            Node::Sex(_) => {
                for (s, w) in [(Sex::Female, "female"), (Sex::Male, "male")] {
                    out.push((
                        format!("{text}: a {w} patient"),
                        Draft { sex: Some(s), ..base.clone() },
                    ));
                }
            }
            Node::Registered(w) => {
                if let Some((lo, last)) = self.range(base, Some(*w)) {
                    let hi = last.min(pped);
                    let mut dates = Vec::new();
                    if lo > MIN_DATE {
                        dates.extend([
                            ("the day before the window", lo.add_days(-1)),
                            ("the window's first day", lo),
                        ]);
                    }
                    dates.push(("the window's last day", hi));
                    if last < pped {
                        dates.push(("the day after the window", last.add_days(1)));
                    }
                    for (what, date) in dates {
                        out.push((
                            format!("{text}: registered {date}, {what}"),
                            Draft { registered: Some(date), ..base.clone() },
                        ));
                    }
                }
            }
            Node::Count { list, window, apart, cmp: _, value } => {
                let b = base.without_list(prog, *list);
                let b = self.with_anchor(&b, *window);
                let Some((lo, last)) = self.range(&b, *window) else { return out };
                let hi = last.min(pped);
                let Some(code) = self.code(*list, None, None) else { return out };
                let limit = value.clamp(0.0, 50.0) as i32;
                let step = (*apart).max(1);
                for k in [limit - 1, limit, limit + 1] {
                    if k < 0 {
                        continue;
                    }
                    let mut x = b.clone();
                    for i in 0..k {
                        x.add(hi.add_days(-step * i), code, None);
                    }
                    if k == 0 || hi.add_days(-step * (k - 1)) >= lo {
                        let what = match k {
                            0 => "no event".to_string(),
                            1 => format!("1 event, on {hi}"),
                            _ => format!("{k} events, {step} days apart, ending on {hi}"),
                        };
                        out.push((format!("{text}: {what}"), x));
                    }
                }
                if *apart > 1 && limit >= 2 {
                    // The earliest two only `apart - 1` days apart: one fewer is counted.
                    let mut x = b.clone();
                    let mut day = hi;
                    for i in 0..limit {
                        if i > 0 {
                            day = day.add_days(if i == limit - 1 { 1 - apart } else { -apart });
                        }
                        x.add(day, code, None);
                    }
                    out.push((
                        format!("{text}: {limit} events, the first two {} days apart", apart - 1),
                        x,
                    ));
                }
                // The window's ends: one event on each side.
                if lo > MIN_DATE && limit >= 1 {
                    for (what, day) in [
                        ("the day before the window", lo.add_days(-1)),
                        ("the window's first day", lo),
                    ] {
                        let mut x = b.clone();
                        for i in 0..limit {
                            x.add(
                                if i == 0 { day } else { hi.add_days(-step * (i - 1)) },
                                code,
                                None,
                            );
                        }
                        let n = if limit == 1 {
                            "1 event".to_string()
                        } else {
                            format!("{limit} events")
                        };
                        out.push((format!("{text}: {n}, the first on {what}"), x));
                    }
                }
                // The last one the day after the window (the others inside, before it).
                if last < pped && limit >= 1 && last.add_days(-step * (limit - 1)) >= lo {
                    let mut x = b.clone();
                    x.add(last.add_days(1), code, None);
                    for i in 1..limit {
                        x.add(last.add_days(-step * i), code, None);
                    }
                    let n = if limit == 1 { "1 event".into() } else { format!("{limit} events") };
                    out.push((format!("{text}: {n}, the last on the day after the window"), x));
                }
            }
            Node::Event { pick, list, paired, window, pred } => {
                let mut b = base.without_list(prog, *list);
                if let Some(p) = paired {
                    b = b.without_list(prog, *p);
                }
                let b = self.with_anchor(&b, *window);
                let Some((lo, hi)) = self.range(&b, *window) else { return out };
                let hi_in = hi.min(pped);
                // A passing event at each end of the window and just outside it.
                let mut dates: Vec<(&str, Date)> = Vec::new();
                if lo > MIN_DATE {
                    dates.push(("the day before the window", lo.add_days(-1)));
                    dates.push(("the window's first day", lo));
                }
                if hi < MAX_DATE || window.is_some() {
                    dates.push(("the window's last day", hi_in));
                    dates.push(("the day after the window", hi_in.add_days(1)));
                }
                for (what, date) in dates {
                    for x in self.event_true(&b, *pick, *list, *paired, pred, date) {
                        out.push((format!("{text}: on {date}, {what}"), x));
                    }
                }
                let day = if lo > MIN_DATE && hi.0 - lo.0 < 366 * 20 {
                    hi_in
                } else {
                    self.typical(lo, hi_in)
                };
                match pred {
                    Pred::Value { value, paired: p2, highest, .. } => {
                        for v in values_around(*value) {
                            let mut x = b.clone();
                            let v2 = p2.and_then(decimal).map(|(t, _)| t.normalize().to_string());
                            self.add_pair(&mut x, *list, *paired, day, Some(v.clone()), v2);
                            out.push((format!("{text}: value {v} on {day}"), x));
                        }
                        if let Some(t2) = p2 {
                            for v in values_around(*t2) {
                                let mut x = b.clone();
                                let v1 = decimal(*value).map(|(t, _)| t.normalize().to_string());
                                self.add_pair(&mut x, *list, *paired, day, v1, Some(v.clone()));
                                out.push((format!("{text}: second value {v} on {day}"), x));
                            }
                        }
                        // A same-day tie: a value on each side of the threshold.
                        if paired.is_none() {
                            let vs = values_around(*value);
                            if let (Some(a), Some(z)) = (vs.first(), vs.last()) {
                                if let Some(c) = self.code(*list, None, None) {
                                    let mut x = b.clone();
                                    x.add(day, c, Some(a.clone()));
                                    x.add(day, c, Some(z.clone()));
                                    let which = if *highest { "highest" } else { "lowest" };
                                    out.push((format!("{text}: same-day tie of {a} and {z} on {day} (the {which} counts)"), x));
                                }
                            }
                            // The latest reading decides, not an earlier one.
                            if let (Some(a), Some(z)) = (vs.first(), vs.last()) {
                                if let Some(c) = self.code(*list, None, None) {
                                    let earlier = day.add_days(-1);
                                    if earlier >= lo {
                                        let mut x = b.clone();
                                        x.add(earlier, c, Some(a.clone()));
                                        x.add(day, c, Some(z.clone()));
                                        out.push((
                                            format!("{text}: {a} on {earlier} then {z} on {day}"),
                                            x,
                                        ));
                                    }
                                }
                            }
                        }
                    }
                    Pred::Member(l2) => {
                        let yes = self.code(*list, Some(*l2), None);
                        let no = self.code(*list, None, Some(*l2));
                        for (what, c) in [("a code in", yes), ("a code not in", no)] {
                            if let Some(c) = c {
                                let mut x = b.clone();
                                x.add(day, c, None);
                                out.push((format!("{text}: {what} the list on {day}"), x));
                            }
                        }
                        if let (Some(y), Some(nn)) = (yes, no) {
                            let mut x = b.clone();
                            x.add(day, y, None);
                            x.add(day, nn, None);
                            out.push((format!("{text}: same-day tie of a code in the list and one not in it on {day}"), x));
                            let earlier = day.add_days(-1);
                            let mut x = b.clone();
                            x.add(earlier, y, None);
                            x.add(day, nn, None);
                            out.push((format!("{text}: a code in the list on {earlier}, then one not in it on {day}"), x));
                        }
                    }
                    Pred::Date { rel: _, pick: _, list: l2, window: _ } => {
                        let b2 = b.without_list(prog, *l2);
                        let c2 = self.code(*l2, None, Some(*list));
                        let mut x = b2.clone();
                        self.add_pair(&mut x, *list, *paired, day, None, None);
                        out.push((
                            format!("{text}: on {day}, no event of the other list"),
                            x.clone(),
                        ));
                        let ties =
                            [("the day before", -1), ("the same day", 0), ("the day after", 1)];
                        if let Some(c2) = c2 {
                            for (what, delta) in ties {
                                let other = day.add_days(delta);
                                let mut y = x.clone();
                                y.add(other, c2, None);
                                out.push((format!("{text}: on {day}, the other list {what}"), y));
                            }
                        }
                        // The base's own event of the list kept (its code and day, where the
                        // rest of the rule expects them: a first diagnosis in the period, a
                        // code of a sublist), the other list's event around it.
                        let own = self.picked(base, *pick, *list, (lo, hi_in));
                        if let (Some(own), Some(c2)) = (own, c2) {
                            for (what, delta) in ties {
                                let mut y = base.without_list(prog, *l2);
                                y.add(own.add_days(delta), c2, None);
                                out.push((
                                    format!("{text}: its event on {own}, the other list {what}"),
                                    y,
                                ));
                            }
                        }
                    }
                    Pred::Within(w2) => {
                        if let Some((a, z)) = self.range(&b, Some(*w2)) {
                            let z = z.min(pped);
                            let mut ds = Vec::new();
                            if a > MIN_DATE {
                                ds.extend([
                                    ("the day before", a.add_days(-1)),
                                    ("the first day of", a),
                                ]);
                            }
                            ds.extend([("the last day of", z), ("the day after", z.add_days(1))]);
                            for (what, date) in ds {
                                let mut x = b.clone();
                                self.add_pair(&mut x, *list, *paired, date, None, None);
                                out.push((
                                    format!("{text}: on {date}, {what} the second window"),
                                    x,
                                ));
                            }
                        }
                    }
                    Pred::Exists => {}
                }
            }
            _ => {}
        }
        out
    }

    /// Births for the age limit `a` (in years, or months): the birthday (or monthly
    /// anniversary) on the PPED, and the day after it (one unit younger). For a lower limit
    /// those are "just old enough" and "just too young"; for an upper limit, the birthday on
    /// the PPED of age `a + 1` and the day after (age `a`).
    fn age_births(&self, a: i32, lower: bool, months: bool) -> Vec<(String, Date)> {
        let pped = self.pped();
        let back = |k: i32| if months { pped.add_months(-k) } else { pped.add_months(-12 * k) };
        let unit = if months { "months" } else { "years" };
        let k = if lower { a } else { a + 1 };
        let on = back(k);
        vec![
            (format!("born {on}, {k} {unit} old on the period end date (birthday on it)"), on),
            (
                format!("born {}, the day after ({} {unit} old)", on.add_days(1), k - 1),
                on.add_days(1),
            ),
        ]
    }
}

impl Builder<'_> {
    /// The first days of the fixed windows ending on the period end date (`in last 12 months`)
    /// that indicator `ind`'s cascade reads.
    fn fences(&self, ind: usize) -> Vec<Date> {
        let prog = self.prog;
        let (reg, roots) = roots(prog, ind);
        let mut registers: Vec<u32> = reg.into_iter().collect();
        let mut nodes = atoms(prog, &roots, &mut registers);
        for r in registers {
            let f = prog.registers.get(r as usize).and_then(|x| x.filter);
            nodes.extend(atoms(prog, &f.into_iter().collect::<Vec<_>>(), &mut Vec::new()));
        }
        let mut out: Vec<Date> = Vec::new();
        for n in nodes {
            let ws: Vec<u32> = match prog.nodes.get(n as usize) {
                Some(Node::Registered(w)) => vec![*w],
                Some(Node::Count { window, .. }) => window.iter().copied().collect(),
                Some(Node::Event { window, pred, .. }) => {
                    let mut v: Vec<u32> = window.iter().copied().collect();
                    match pred {
                        Pred::Date { window: Some(w), .. } | Pred::Within(w) => v.push(*w),
                        _ => {}
                    }
                    v
                }
                _ => Vec::new(),
            };
            for w in ws {
                if let Some(win) = prog.windows.get(w as usize) {
                    if let (End::Fixed(lo), End::Fixed(hi)) = (win.lo, win.hi) {
                        if lo > MIN_DATE && hi == self.pped() && !out.contains(&lo) {
                            out.push(lo);
                        }
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// Windowed atom `n` (an event or a registration) whose window ends a fixed time after an
    /// event or birth: the anchor placed so that the window ends just after the period end
    /// date, on it, one unit before it, and two days before each fixed window of the rule
    /// starts (`from 10 days after latest DEPR_COD to 56 days after latest DEPR_COD and not
    /// DEPRVW_COD in last 12 months`), then the atom's event (or the registration) one day
    /// either side of each end of the window and on the first day of its last unit, on a
    /// patient for whom it decides indicator `ind`'s outcome, made around them (the anchor
    /// and the placed events kept).
    fn anchor_probes(&self, ind: usize, n: NodeId, ctx: &Draft) -> Vec<(String, Draft)> {
        let prog = self.prog;
        let pped = self.pped();
        let mut out = Vec::new();
        let (w, own) = match prog.nodes.get(n as usize) {
            Some(Node::Event { list, paired, window: Some(w), .. }) => {
                (*w, std::iter::once(*list).chain(*paired).collect::<Vec<u32>>())
            }
            Some(Node::Registered(w)) => (*w, Vec::new()),
            _ => return out,
        };
        let registration = own.is_empty();
        let Some(win) = prog.windows.get(w as usize) else { return out };
        let End::Anchored { anchor, months, days } = win.hi else { return out };
        let by_month = months != 0;
        let unit = |d: Date, k: i32| if by_month { d.add_months(k) } else { d.add_days(k) };
        let mut targets = vec![pped.add_days(1), pped, unit(pped, -1)];
        targets.extend(self.fences(ind).into_iter().map(|f| f.add_days(-2)));
        let mut pins = own.clone();
        let code = match anchor {
            AnchorIr::Registration => return out,
            AnchorIr::Birth => None,
            AnchorIr::Event(pick, la) => {
                if own.contains(&la) {
                    return out;
                }
                pins.push(la);
                // The code of the patient's own anchor event, if any (a sublist's code).
                let at = self.anchor(ctx, AnchorIr::Event(pick, la));
                let c = ctx.events.iter().find(|e| Some(e.date) == at && in_list(prog, la, e.code));
                match c.map(|e| e.code).or_else(|| self.code(la, None, None)) {
                    Some(c) => Some((la, c)),
                    None => return out,
                }
            }
        };
        let sets = self.deciding(ind, Target::Node(n));
        let text = node_text(prog, n);
        let mine = |d: &Draft| -> Vec<DraftEvent> {
            d.events
                .iter()
                .filter(|e| pins.iter().any(|&l| in_list(prog, l, e.code)))
                .cloned()
                .collect()
        };
        let mut seen: Vec<Date> = Vec::new();
        for t in targets {
            // The anchor that puts the window's last day on `t` (the nearest one when month
            // ends make none do).
            let a0 = t.add_days(-days).add_months(-months);
            let a = [0, -1, 1, -2, 2, -3, 3]
                .iter()
                .map(|k| a0.add_days(*k))
                .find(|a| a.add_months(months).add_days(days) == t)
                .unwrap_or(a0);
            if a > pped || seen.contains(&a) {
                continue;
            }
            seen.push(a);
            let mut b = ctx.clone();
            for &l in &own {
                b = b.without_list(prog, l);
            }
            match code {
                Some((la, c)) => {
                    b = b.without_list(prog, la);
                    b.add(a, c, None);
                }
                None => b.born = Some(a),
            }
            let Some((lo, hi)) = self.range(&b, Some(w)) else { continue };
            let mut dates = Vec::new();
            if lo > MIN_DATE {
                dates.extend([
                    ("the day before the window", lo.add_days(-1)),
                    ("its first day", lo),
                ]);
            }
            dates.extend([
                ("the first day of its last unit", unit(hi, -1).add_days(1)),
                ("its last day", hi),
                ("the day after it", hi.add_days(1)),
            ]);
            for (what, date) in dates {
                if date > pped || date <= MIN_DATE || date < b.born(pped) {
                    continue;
                }
                let xs = match prog.nodes.get(n as usize) {
                    Some(Node::Event { pick, list, paired, pred, .. }) => {
                        self.event_true(&b, *pick, *list, *paired, pred, date)
                    }
                    _ => vec![Draft { registered: Some(date), ..b.clone() }],
                };
                for x in xs {
                    let pinned = mine(&x);
                    let bare = Draft { events: pinned.clone(), ..x.clone() };
                    let keep = |y: &Draft| {
                        mine(y) == pinned
                            && y.born == x.born
                            && (!registration || y.registered == x.registered)
                    };
                    for (sib, goals) in &sets {
                        let all = [sib.clone(), goals.clone()].concat();
                        let made = [x.clone(), bare.clone()]
                            .iter()
                            .find_map(|start| self.make_all_kept(&all, start, keep));
                        if let Some(y) = made {
                            let on = if registration { "registered" } else { "on" };
                            out.push((
                                format!(
                                    "{text}: its window moved to end on {hi}, {on} {date}, {what}, the rest made around it"
                                ),
                                y,
                            ));
                            break;
                        }
                    }
                }
            }
        }
        out
    }
}

/// Generates the boundary cases of every indicator (or only `indicator`). `None` when the
/// program has no indicator of that id.
pub fn generate(prog: &Program, indicator: Option<&str>) -> Option<Vec<IndicatorCases>> {
    if let Some(id) = indicator {
        if !prog.indicators.iter().any(|i| i.id == id) {
            return None;
        }
    }
    let b = Builder::new(prog);
    let mut out = Vec::new();
    for (k, ind) in prog.indicators.iter().enumerate() {
        if indicator.is_some_and(|id| id != ind.id) {
            continue;
        }
        if ind.kind == Kind::Attested {
            out.push(IndicatorCases {
                indicator: ind.id.clone(),
                cases: Vec::new(),
                note: Some("attested: no patient-level outcome".into()),
            });
            continue;
        }
        out.push(IndicatorCases {
            indicator: ind.id.clone(),
            cases: indicator_cases(&b, k),
            note: None,
        });
    }
    Some(out)
}

fn indicator_cases(b: &Builder<'_>, k: usize) -> Vec<Case> {
    let prog = b.prog;
    let ind = &prog.indicators[k];
    let base = b.base(k);
    let mut raw: Vec<(String, Draft)> = vec![("the base patient".into(), base.clone())];
    let pped = prog.pped;
    // Registered at the period end date, or just not.
    raw.push((
        format!("registered on the period end date {pped}"),
        Draft { registered: Some(pped), ..base.clone() },
    ));
    raw.push((
        format!("registered the day after the period end date, {}", pped.add_days(1)),
        Draft { registered: Some(pped.add_days(1)), ..base.clone() },
    ));
    raw.push((
        format!("deregistered on the period end date {pped}"),
        Draft { deregistered: Some(pped), ..base.clone() },
    ));
    raw.push((
        format!("deregistered the day after the period end date, {}", pped.add_days(1)),
        Draft { deregistered: Some(pped.add_days(1)), ..base.clone() },
    ));
    let (reg, nodes) = roots(prog, k);
    // The cohort register's ages.
    let mut registers = Vec::new();
    if let Some(r) = reg {
        registers.push(r);
    }
    let atoms = atoms(prog, &nodes, &mut registers);
    let mut reg_atoms = Vec::new();
    for &r in &registers {
        if let Some(x) = prog.registers.get(r as usize) {
            // On the base patient, and (for a register the cohort reads through a condition,
            // as `on register DM or on register AST`) on a patient for whom it decides.
            let mut on = vec![(String::new(), base.clone())];
            if Some(r) != reg {
                if let Some(ctx) = b.context(k, Target::Register(r)).filter(|c| *c != base) {
                    on.push((DECIDES.to_string(), ctx));
                }
            }
            for (a, lower) in [(x.min_age, true), (x.max_age, false)] {
                if let Some(a) = a {
                    for (label, born) in b.age_births(a, lower, false) {
                        for (note, d) in &on {
                            raw.push((
                                format!("register {} ages: {label}{note}", x.id),
                                Draft { born: Some(born), ..d.clone() },
                            ));
                        }
                    }
                }
            }
            let mut ignore = Vec::new();
            reg_atoms.extend(self::atoms(
                prog,
                &x.filter.into_iter().collect::<Vec<_>>(),
                &mut ignore,
            ));
        }
    }
    for &n in reg_atoms.iter().chain(atoms.iter()) {
        raw.extend(b.probes(n, &base));
    }
    // The same probes on a patient for whom the atom decides the outcome, where the base
    // patient hides it (an atom in an `or` the base meets otherwise, in an adjustment the
    // base does not reach, next to a condition the base does not meet).
    for &n in reg_atoms.iter().chain(atoms.iter()) {
        let ctx = b.context(k, Target::Node(n));
        if let Some(ctx) = ctx.as_ref().filter(|c| **c != base) {
            raw.extend(b.probes(n, ctx).into_iter().map(|(l, d)| (format!("{l}{DECIDES}"), d)));
        }
        if let Some(ctx) = &ctx {
            raw.extend(b.pinned_probes(k, n, ctx));
            raw.extend(b.anchor_probes(k, n, ctx));
            raw.extend(b.pinned_within(k, n, ctx));
            raw.extend(b.pinned_with_anchor(k, n, ctx));
        }
        raw.extend(b.pinned_ages(k, n));
    }
    // Strata: each one's condition made true, and its achievement.
    for s in &ind.strata {
        let mut goals = Vec::new();
        goals.extend(s.when.map(|w| (Goal::Node(w), true)));
        if let Some(d) = b.make_all(&goals, &base) {
            raw.push((format!("in stratum {}", s.id), d.clone()));
            if let Some(a) = s.achieved.or(ind.achieved) {
                if let Some(x) = b.make_all(&[(Goal::Node(a), true)], &d) {
                    raw.push((format!("in stratum {}, achieved", s.id), x));
                }
            }
        }
    }
    // Achievement, and each adjustment alone and with achievement.
    let achieved = ind.achieved.map(|a| (Goal::Node(a), true));
    let with_achieved = achieved.and_then(|g| b.make_all(&[g], &base));
    if let Some(x) = &with_achieved {
        raw.push(("achieved".into(), x.clone()));
    }
    for a in &ind.adjustments {
        let cat = a.category.source().to_string();
        if let Some(x) = b.make_all(&[(Goal::Node(a.when), true)], &base) {
            raw.push((format!("adjustment `{cat}` alone"), x.clone()));
            if let Some(y) = &with_achieved {
                raw.push((format!("adjustment `{cat}` with achievement"), x.merge(y)));
            }
        }
    }
    // Classify, drop duplicates (the first label wins), name.
    let mut seen: Vec<Draft> = Vec::new();
    let mut cases = Vec::new();
    for (label, d) in raw {
        if seen.contains(&d) {
            continue;
        }
        seen.push(d.clone());
        let p = d.patient(pped, "boundary");
        let Some(t) = explain(prog, &p, Some(&ind.id)).into_iter().next() else { continue };
        let expect =
            format!("expect {} {}", ind.id, outcome_text(&t.outcome, t.stratum.as_deref()));
        cases.push(Case { label, draft: d, expect });
    }
    cases
}

/// The cases as `test` blocks, one indicator after another, with a comment before each, in
/// the canonical layout of `qofrules fmt`.
pub fn render(prog: &Program, all: &[IndicatorCases]) -> String {
    let s = render_raw(prog, all);
    crate::fmt::format(&s).unwrap_or(s)
}

fn render_raw(prog: &Program, all: &[IndicatorCases]) -> String {
    let mut s = format!(
        "// Boundary tests generated by `qofrules boundary` for `{}`: review each expectation\n// before keeping it.\n",
        prog.id
    );
    for ic in all {
        s.push('\n');
        match &ic.note {
            Some(n) => s.push_str(&format!("// {}: {n}\n", ic.indicator)),
            None => s.push_str(&format!("// {}: {} cases\n", ic.indicator, ic.cases.len())),
        }
        for (i, c) in ic.cases.iter().enumerate() {
            s.push('\n');
            let name = format!("{} boundary {}: {}", ic.indicator, i + 1, c.label);
            s.push_str(&c.draft.test_block(prog, &name, &c.expect));
        }
    }
    s
}

/// [`generate`] for each of `ids` (in the order given), as `qofrules boundary --indicator A
/// --indicator B` generates them; `Err(id)` for the first id `prog` has no indicator for.
pub fn generate_each<'a>(prog: &Program, ids: &[&'a str]) -> Result<Vec<IndicatorCases>, &'a str> {
    let mut all = Vec::new();
    for id in ids {
        all.extend(generate(prog, Some(id)).ok_or(*id)?);
    }
    Ok(all)
}
