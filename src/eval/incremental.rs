//! Incremental evaluation, for the editor: after an edit, only the indicators whose counts can
//! have changed are evaluated again; the others' counts are copied from the last evaluation.
//!
//! Every part of a program that decides counts is given a canonical id ([`Keys`]): equal ids
//! mean equal parts, structurally, with every reference (code lists by their codes, windows by
//! their resolved ends, definitions and registers by their conditions) replaced by the id of
//! what it refers to, so that names, positions in the program and text as written (titles,
//! window texts, adjustment categories) do not matter. The ids come from one interner kept
//! between evaluations: two programs' parts with the same id are equal, exactly (no hashing
//! shortcut).
//!
//! What an indicator's counts depend on besides its parts: the population and the payment
//! period end date (ages, registration, events ignored after it). [`EvalCache`] is kept for one
//! population (its owner calls [`EvalCache::clear`] when the population changes) and forgets
//! everything when the period end changes.
//!
//! What is kept per practice: each indicator's counts (by the indicator's id), the patients on
//! each register (by the register's id), the registered patients, and list sizes. An edit to an
//! indicator re-classifies only the patients of its cohort register, as remembered; an edit to
//! a register (or a code list a register reads) goes through every patient once. The result is
//! the [`Evaluation`] that [`super::evaluate`] gives, count for count (tested against it).

use super::{count_indicator, practice_buckets, practice_ranges, Engine, Evaluation};
use super::{PracticeTally, TallyLayout};
use crate::compile::{AnchorIr, End, Node, NodeId, Pred, Program, ReportIrKind};
use crate::date::Date;
use crate::model::{Population, Sex};
use crate::scheme::Kind;
use std::collections::HashMap;
use std::sync::Arc;

/// A part of a program in canonical form, its references replaced by canonical ids.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Canon {
    /// A code list: its sorted codes.
    List(Vec<u64>),
    Window(EndC, EndC),
    Const(bool),
    And(Vec<u32>),
    Or(Vec<u32>),
    Not(u32),
    OnRegister(u32),
    Define(u32),
    Aged(Option<i32>, Option<i32>),
    AgedMonths(Option<i32>, Option<i32>),
    Sex(Sex),
    Registered(u32),
    Count {
        list: u32,
        window: Option<u32>,
        apart: i32,
        cmp: u8,
        value: u64,
    },
    Event {
        pick: Option<u8>,
        list: u32,
        paired: Option<u32>,
        window: Option<u32>,
        pred: PredC,
    },
    /// Register membership: ages and condition (the patient registered at the PPED).
    Register {
        min_age: Option<i32>,
        max_age: Option<i32>,
        filter: Option<u32>,
    },
    /// A reporting dimension: how classes are decided, and how many there are.
    Report {
        kind: ReportC,
        classes: usize,
    },
    /// A fraction indicator's cascade and reporting dimensions.
    Indicator {
        cohort: Option<u32>,
        filter: Option<u32>,
        exclude: Option<u32>,
        achieved: Option<u32>,
        adjustments: Vec<u32>,
        strata: Vec<(Option<u32>, Option<u32>)>,
        reports: Vec<u32>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum EndC {
    Fixed(Date),
    Anchored { anchor: AnchorC, months: i32, days: i32 },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum AnchorC {
    Event(u8, u32),
    Registration,
    Birth,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum PredC {
    Exists,
    Value { highest: bool, cmp: u8, value: u64, paired: Option<u64> },
    Date { rel: u8, pick: u8, list: u32, window: Option<u32> },
    Member(u32),
    Within(u32),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum ReportC {
    AgeBand(Vec<(i32, Option<i32>)>),
    Sex,
    Decile,
    Custom(Vec<Option<u32>>),
}

/// Canonical parts interned: the same part gets the same id for as long as the interner
/// lives.
#[derive(Debug, Default)]
struct Interner {
    ids: HashMap<Canon, u32>,
}

/// Interned parts above this many are forgotten (with every result keyed by them).
const MAX_INTERNED: usize = 1 << 20;

impl Interner {
    fn id(&mut self, c: Canon) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(c).or_insert(next)
    }
}

/// Definitions and registers referring to each other deeper than this are not keyed (the
/// program is evaluated in full); the checker bounds the depth of conditions far below it.
const MAX_DEPTH: u32 = 512;

/// The canonical ids of one program's parts (`None`: not keyed, evaluated every time).
struct Keys {
    /// Per register, its membership.
    registers: Vec<Option<u32>>,
    /// Per indicator: its counts' key (fraction indicators only; the others count nothing).
    indicators: Vec<Option<u32>>,
}

/// Works out a program's [`Keys`], memoising nodes, windows, lists and registers.
struct KeyMaker<'a> {
    prog: &'a Program,
    interner: &'a mut Interner,
    lists: Vec<Option<u32>>,
    windows: Vec<Option<u32>>,
    nodes: Vec<Option<u32>>,
    registers: Vec<Option<u32>>,
    /// Nodes and registers being worked out (a cycle is not keyed).
    busy_nodes: Vec<bool>,
    busy_registers: Vec<bool>,
}

impl KeyMaker<'_> {
    fn list(&mut self, l: u32) -> Option<u32> {
        let slot = self.lists.get(l as usize)?;
        if let Some(id) = slot {
            return Some(*id);
        }
        let codes = self.prog.lists.get(l as usize)?.codes.clone();
        let id = self.interner.id(Canon::List(codes));
        self.lists[l as usize] = Some(id);
        Some(id)
    }

    fn end(&mut self, e: End) -> Option<EndC> {
        Some(match e {
            End::Fixed(d) => EndC::Fixed(d),
            End::Anchored { anchor, months, days } => {
                let anchor = match anchor {
                    AnchorIr::Event(pick, l) => AnchorC::Event(pick as u8, self.list(l)?),
                    AnchorIr::Registration => AnchorC::Registration,
                    AnchorIr::Birth => AnchorC::Birth,
                };
                EndC::Anchored { anchor, months, days }
            }
        })
    }

    fn window(&mut self, w: u32) -> Option<u32> {
        if let Some(id) = self.windows.get(w as usize)? {
            return Some(*id);
        }
        let win = self.prog.windows.get(w as usize)?;
        let (lo, hi) = (win.lo, win.hi);
        let c = Canon::Window(self.end(lo)?, self.end(hi)?);
        let id = self.interner.id(c);
        self.windows[w as usize] = Some(id);
        Some(id)
    }

    fn opt_window(&mut self, w: Option<u32>) -> Option<Option<u32>> {
        match w {
            None => Some(None),
            Some(w) => self.window(w).map(Some),
        }
    }

    fn opt_node(&mut self, n: Option<NodeId>, depth: u32) -> Option<Option<u32>> {
        match n {
            None => Some(None),
            Some(n) => self.node(n, depth).map(Some),
        }
    }

    fn register(&mut self, r: u32, depth: u32) -> Option<u32> {
        if let Some(id) = self.registers.get(r as usize)? {
            return Some(*id);
        }
        if self.busy_registers[r as usize] || depth > MAX_DEPTH {
            return None;
        }
        self.busy_registers[r as usize] = true;
        let reg = self.prog.registers.get(r as usize)?;
        let (min_age, max_age) = (reg.min_age, reg.max_age);
        let filter = self.opt_node(reg.filter, depth + 1);
        self.busy_registers[r as usize] = false;
        let id = self.interner.id(Canon::Register { min_age, max_age, filter: filter? });
        self.registers[r as usize] = Some(id);
        Some(id)
    }

    fn kids(&mut self, s: u32, l: u32, depth: u32) -> Option<Vec<u32>> {
        let kids = self.prog.kids.get(s as usize..(s + l) as usize)?;
        kids.iter().map(|&k| self.node(k, depth + 1)).collect()
    }

    fn node(&mut self, n: NodeId, depth: u32) -> Option<u32> {
        if let Some(id) = self.nodes.get(n as usize)? {
            return Some(*id);
        }
        if self.busy_nodes[n as usize] || depth > MAX_DEPTH {
            return None;
        }
        self.busy_nodes[n as usize] = true;
        let c = self.canon(n, depth);
        self.busy_nodes[n as usize] = false;
        let id = self.interner.id(c?);
        self.nodes[n as usize] = Some(id);
        Some(id)
    }

    fn canon(&mut self, n: NodeId, depth: u32) -> Option<Canon> {
        let prog = self.prog;
        Some(match prog.nodes.get(n as usize)? {
            Node::Const(b) => Canon::Const(*b),
            Node::And(s, l) => Canon::And(self.kids(*s, *l, depth)?),
            Node::Or(s, l) => Canon::Or(self.kids(*s, *l, depth)?),
            Node::Not(k) => Canon::Not(self.node(*k, depth + 1)?),
            Node::OnRegister(r) => Canon::OnRegister(self.register(*r, depth + 1)?),
            Node::Define(d) => {
                Canon::Define(self.node(prog.defines.get(*d as usize)?.node, depth + 1)?)
            }
            Node::Aged(a, b) => Canon::Aged(*a, *b),
            Node::AgedMonths(a, b) => Canon::AgedMonths(*a, *b),
            Node::Sex(s) => Canon::Sex(*s),
            Node::Registered(w) => Canon::Registered(self.window(*w)?),
            Node::Count { list, window, apart, cmp, value } => Canon::Count {
                list: self.list(*list)?,
                window: self.opt_window(*window)?,
                apart: *apart,
                cmp: *cmp as u8,
                value: value.to_bits(),
            },
            Node::Event { pick, list, paired, window, pred } => {
                let pred = match pred {
                    Pred::Exists => PredC::Exists,
                    Pred::Value { highest, cmp, value, paired } => PredC::Value {
                        highest: *highest,
                        cmp: *cmp as u8,
                        value: value.to_bits(),
                        paired: paired.map(f64::to_bits),
                    },
                    Pred::Date { rel, pick, list, window } => PredC::Date {
                        rel: *rel as u8,
                        pick: *pick as u8,
                        list: self.list(*list)?,
                        window: self.opt_window(*window)?,
                    },
                    Pred::Member(l) => PredC::Member(self.list(*l)?),
                    Pred::Within(w) => PredC::Within(self.window(*w)?),
                };
                let paired = match paired {
                    Some(l) => Some(self.list(*l)?),
                    None => None,
                };
                Canon::Event {
                    pick: pick.map(|p| p as u8),
                    list: self.list(*list)?,
                    paired,
                    window: self.opt_window(*window)?,
                    pred,
                }
            }
        })
    }

    fn report(&mut self, r: u32) -> Option<u32> {
        let rep = self.prog.reports.get(r as usize)?;
        let kind = match &rep.kind {
            ReportIrKind::AgeBand(b) => ReportC::AgeBand(b.clone()),
            ReportIrKind::Sex => ReportC::Sex,
            ReportIrKind::Decile => ReportC::Decile,
            ReportIrKind::Custom(conds) => ReportC::Custom(
                conds.iter().map(|c| self.opt_node(*c, 0)).collect::<Option<Vec<_>>>()?,
            ),
        };
        Some(self.interner.id(Canon::Report { kind, classes: rep.classes.len() }))
    }

    fn indicator(&mut self, i: usize) -> Option<u32> {
        let ind = self.prog.indicators.get(i)?;
        // every field named, so that a field added to the IR must be placed here: in the key,
        // or among those that cannot change counts (names, texts, payment)
        let crate::compile::IndicatorIr {
            kind,
            cohort: _,
            filter: _,
            exclude: _,
            achieved: _,
            adjustments: _,
            strata: _,
            reports: _,
            id: _,
            title: _,
            group: _,
            domain: _,
            register: _,
            network: _,
            monitored: _,
            points: _,
            thresholds: _,
        } = ind;
        if *kind != Kind::Fraction {
            return None;
        }
        let cohort = match ind.cohort {
            Some(r) => Some(self.register(r, 0)?),
            None => None,
        };
        let c = Canon::Indicator {
            cohort,
            filter: self.opt_node(ind.filter, 0)?,
            exclude: self.opt_node(ind.exclude, 0)?,
            achieved: self.opt_node(ind.achieved, 0)?,
            adjustments: ind
                .adjustments
                .iter()
                .map(|a| self.node(a.when, 0))
                .collect::<Option<Vec<_>>>()?,
            strata: ind
                .strata
                .iter()
                .map(|s| Some((self.opt_node(s.when, 0)?, self.opt_node(s.achieved, 0)?)))
                .collect::<Option<Vec<_>>>()?,
            reports: ind.reports.iter().map(|&r| self.report(r)).collect::<Option<Vec<_>>>()?,
        };
        Some(self.interner.id(c))
    }
}

impl Keys {
    fn of(prog: &Program, interner: &mut Interner) -> Keys {
        let mut m = KeyMaker {
            prog,
            interner,
            lists: vec![None; prog.lists.len()],
            windows: vec![None; prog.windows.len()],
            nodes: vec![None; prog.nodes.len()],
            registers: vec![None; prog.registers.len()],
            busy_nodes: vec![false; prog.nodes.len()],
            busy_registers: vec![false; prog.registers.len()],
        };
        let registers = (0..prog.registers.len() as u32).map(|r| m.register(r, 0)).collect();
        let indicators = (0..prog.indicators.len()).map(|i| m.indicator(i)).collect();
        Keys { registers, indicators }
    }
}

/// A list type's age range (its name does not change its counts).
type AgeRange = (Option<i32>, Option<i32>);

/// What the last evaluation leaves for the next one, for one population (see the module's
/// documentation).
#[derive(Debug, Default)]
pub struct EvalCache {
    interner: Interner,
    /// The PPED the results are for.
    pped: Option<Date>,
    /// Per practice, in evaluation order: its id and network, and its patients' positions in
    /// the population.
    ids: Vec<(String, String)>,
    buckets: Vec<Vec<u32>>,
    /// Per indicator key, per practice, the indicator's counts.
    indicators: HashMap<u32, Vec<Box<[u32]>>>,
    /// Per register key, per practice, the positions (in the practice's bucket) of the
    /// patients on the register.
    members: HashMap<u32, Vec<Vec<u32>>>,
    /// Per practice, the positions of the patients registered at the PPED.
    registered: Option<Vec<Vec<u32>>>,
    /// Per list type's ages, per practice, the list size.
    list_sizes: HashMap<AgeRange, Vec<u32>>,
    /// How many indicators the last evaluation classified patients for, and how many
    /// patients it loaded (for tests and benchmarks).
    pub last: Stats,
}

/// What one incremental evaluation did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Indicators whose patients were classified (the others' counts were copied).
    pub indicators: usize,
    /// Patients loaded into the engine.
    pub patients: usize,
    /// Whether every patient was loaded (a register, list type or the period changed).
    pub full: bool,
}

/// One practice's share of an evaluation: its counts and what is remembered of it.
struct PracticeRun {
    tally: PracticeTally,
    /// Per register (when worked out), the positions of its patients.
    members: Vec<Option<Vec<u32>>>,
    registered: Option<Vec<u32>>,
    patients: usize,
}

impl EvalCache {
    /// Forgets every result (the population changed).
    pub fn clear(&mut self) {
        let interner = std::mem::take(&mut self.interner);
        *self = EvalCache::default();
        if interner.ids.len() <= MAX_INTERNED {
            self.interner = interner;
        }
    }

    /// Evaluates `pop` under `prog` (on at most `threads` threads), as [`super::evaluate`]
    /// does, re-using what the last call on this population worked out.
    pub fn evaluate(&mut self, prog: &Program, pop: &Population, threads: usize) -> Evaluation {
        if self.pped != Some(prog.pped) || self.interner.ids.len() > MAX_INTERNED {
            self.clear();
            self.pped = Some(prog.pped);
        }
        let keys = Keys::of(prog, &mut self.interner);
        // the practices' patients, worked out once per population (the owner clears the cache
        // for another population; one of another size is noticed here)
        let sized = self.buckets.iter().map(Vec::len).sum::<usize>() == pop.patients.len()
            && self.ids.len() >= pop.practices.len();
        if self.buckets.is_empty() || !sized {
            let (ids, buckets) = practice_buckets(pop);
            let interner = std::mem::take(&mut self.interner);
            *self = EvalCache { interner, pped: Some(prog.pped), ..EvalCache::default() };
            self.ids = ids.into_iter().map(|(p, n)| (p.to_owned(), n.to_owned())).collect();
            self.buckets = buckets;
        }
        let layout = Arc::new(TallyLayout::new(prog));
        // the fraction indicators to classify patients for
        let todo: Vec<usize> = (0..prog.indicators.len())
            .filter(|&i| {
                prog.indicators[i].kind == Kind::Fraction
                    && keys.indicators[i].map_or(true, |k| !self.indicators.contains_key(&k))
            })
            .collect();
        let known = |k: &Option<u32>| k.is_some_and(|k| self.members.contains_key(&k));
        let full = self.registered.is_none()
            || !keys.registers.iter().all(known)
            || !prog
                .list_types
                .iter()
                .all(|lt| self.list_sizes.contains_key(&(lt.min_age, lt.max_age)));
        let threads = threads.max(1).min(self.buckets.len().max(1));
        let ranges = practice_ranges(&self.buckets, threads);
        let this = &*self;
        let ids = &self.ids;
        let run = |range: std::ops::Range<usize>| -> Vec<PracticeRun> {
            let mut e = Engine::new(prog);
            range
                .map(|k| {
                    let t = PracticeTally::new(prog, &layout, &ids[k].0, &ids[k].1);
                    if full {
                        this.full_practice(&mut e, t, pop, k, &todo)
                    } else {
                        this.members_practice(&mut e, t, pop, k, &todo, &keys)
                    }
                })
                .collect()
        };
        let runs: Vec<PracticeRun> = if threads <= 1 {
            run(0..self.buckets.len())
        } else {
            crate::par::map_in_order(ranges, run).into_iter().flatten().collect()
        };
        self.last =
            Stats { indicators: todo.len(), patients: runs.iter().map(|r| r.patients).sum(), full };
        self.remember(prog, &keys, &layout, runs)
    }

    /// Every patient of practice `k` loaded: list sizes, registers (remembering their
    /// patients), and the indicators of `todo` counted.
    fn full_practice(
        &self,
        e: &mut Engine<'_>,
        mut t: PracticeTally,
        pop: &Population,
        k: usize,
        todo: &[usize],
    ) -> PracticeRun {
        let prog = e.prog;
        let bucket = &self.buckets[k];
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); prog.registers.len()];
        let mut registered = Vec::new();
        for (j, &at) in bucket.iter().enumerate() {
            t.patients += 1;
            e.load(&pop.patients[at as usize]);
            if !e.registered {
                continue;
            }
            registered.push(j as u32);
            for (n, lt) in prog.list_types.iter().enumerate() {
                if lt.contains(e.age) {
                    t.list_sizes[n] += 1;
                }
            }
            for (r, m) in members.iter_mut().enumerate() {
                if e.on_register(r as u32) {
                    t.registers[r] += 1;
                    m.push(j as u32);
                }
            }
            count_todo(e, &mut t, todo);
        }
        PracticeRun {
            tally: t,
            members: members.into_iter().map(Some).collect(),
            registered: Some(registered),
            patients: bucket.len(),
        }
    }

    /// Practice `k` from what is remembered: list sizes and registers copied, and the
    /// indicators of `todo` counted over the patients of their cohorts only.
    fn members_practice(
        &self,
        e: &mut Engine<'_>,
        mut t: PracticeTally,
        pop: &Population,
        k: usize,
        todo: &[usize],
        keys: &Keys,
    ) -> PracticeRun {
        let prog = e.prog;
        let bucket = &self.buckets[k];
        t.patients = bucket.len() as u32;
        for (n, lt) in prog.list_types.iter().enumerate() {
            t.list_sizes[n] = self.list_sizes.get(&(lt.min_age, lt.max_age)).map_or(0, |v| v[k]);
        }
        let cohort = |r: u32| keys.registers[r as usize].and_then(|key| self.members.get(&key));
        for (r, key) in keys.registers.iter().enumerate() {
            t.registers[r] =
                key.and_then(|key| self.members.get(&key)).map_or(0, |m| m[k].len() as u32);
        }
        // the patients of every cohort concerned, each once, in the practice's order
        let mut who: Vec<u32> = Vec::new();
        for &i in todo {
            let from = match prog.indicators[i].cohort {
                Some(r) => cohort(r).map(|m| &m[k]),
                None => self.registered.as_ref().map(|m| &m[k]),
            };
            if let Some(v) = from {
                who.extend_from_slice(v);
            }
        }
        who.sort_unstable();
        who.dedup();
        for &j in &who {
            e.load(&pop.patients[bucket[j as usize] as usize]);
            count_todo(e, &mut t, todo);
        }
        PracticeRun { tally: t, members: Vec::new(), registered: None, patients: who.len() }
    }

    /// The evaluation assembled (copied counts filled in) and remembered for the next one.
    fn remember(
        &mut self,
        prog: &Program,
        keys: &Keys,
        layout: &TallyLayout,
        runs: Vec<PracticeRun>,
    ) -> Evaluation {
        let n = runs.len();
        // what this evaluation did not work out again is moved from the last one's
        let mut old_members = std::mem::take(&mut self.members);
        let mut old_registered = self.registered.take();
        let mut practices = Vec::with_capacity(n);
        let mut indicators: HashMap<u32, Vec<Box<[u32]>>> = HashMap::new();
        let mut members: HashMap<u32, Vec<Vec<u32>>> = HashMap::new();
        let mut registered: Vec<Vec<u32>> = Vec::new();
        let mut list_sizes: HashMap<AgeRange, Vec<u32>> = HashMap::new();
        for (k, mut run) in runs.into_iter().enumerate() {
            let t = &mut run.tally;
            for (i, key) in keys.indicators.iter().enumerate() {
                let l = &layout.indicators[i];
                let Some(key) = key else { continue };
                if let Some(old) = self.indicators.get(key) {
                    t.counts[l.start..l.end].copy_from_slice(&old[k]);
                }
                // indicators alike (one key) are kept once per practice
                let v = indicators.entry(*key).or_insert_with(|| Vec::with_capacity(n));
                if v.len() == k {
                    v.push(t.counts[l.start..l.end].into());
                }
            }
            for (r, key) in keys.registers.iter().enumerate() {
                let Some(key) = key else { continue };
                let m = match run.members.get_mut(r).and_then(Option::take) {
                    Some(m) => m,
                    None => old_members
                        .get_mut(key)
                        .map_or_else(Vec::new, |m| std::mem::take(&mut m[k])),
                };
                let v = members.entry(*key).or_insert_with(|| Vec::with_capacity(n));
                if v.len() == k {
                    v.push(m);
                }
            }
            registered.push(match run.registered.take() {
                Some(v) => v,
                None => {
                    old_registered.as_mut().map_or_else(Vec::new, |v| std::mem::take(&mut v[k]))
                }
            });
            for (m, lt) in prog.list_types.iter().enumerate() {
                let v = list_sizes.entry((lt.min_age, lt.max_age)).or_default();
                if v.len() == k {
                    v.push(run.tally.list_sizes[m]);
                }
            }
            practices.push(run.tally);
        }
        self.indicators = indicators;
        self.members = members;
        self.registered = Some(registered);
        self.list_sizes = list_sizes;
        Evaluation { practices }
    }
}

/// Counts the loaded patient for the indicators of `todo` (those of a register only when the
/// patient is on it, as [`super::evaluate`] does).
fn count_todo(e: &mut Engine<'_>, t: &mut PracticeTally, todo: &[usize]) {
    for &i in todo {
        let on = match e.prog.indicators[i].cohort {
            Some(r) => e.on_register(r),
            None => true,
        };
        if on {
            count_indicator(e, t, i);
        }
    }
}

#[cfg(test)]
mod tests;
