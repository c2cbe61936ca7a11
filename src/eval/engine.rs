//! The per-patient engine: loads one patient into reusable buffers and answers conditions,
//! register membership and the classification cascade. No allocation per patient once the
//! buffers have grown to the largest patient seen.

use crate::compile::{AnchorIr, End, Node, NodeId, Pred, Program, MAX_DATE, MIN_DATE};
use crate::date::Date;
use crate::model::{Event, Patient, Sex};
use crate::syntax::ast::{Cmp, DateRel, Pick};

/// What happened to a patient for one indicator (compact form of [`crate::scheme::Outcome`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    Excluded,
    /// Adjusted by the indicator's adjustment with this index.
    Adjusted(u16),
    Denominator,
    Numerator,
}

/// A classification: the outcome and, for stratified indicators, the stratum index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Classified {
    pub class: Class,
    pub stratum: Option<u16>,
}

const UNKNOWN: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const BUSY: u8 = 3;

/// Reusable per-patient state.
pub struct Engine<'p> {
    pub prog: &'p Program,
    /// Per code list, indices (into `events`) of the patient's events of that list, by date.
    list_events: Vec<Vec<u32>>,
    touched: Vec<u32>,
    define_cache: Vec<u8>,
    register_cache: Vec<u8>,
    // The current patient.
    events: Vec<Event>,
    pub birth: Date,
    pub sex: Sex,
    pub registered_on: Date,
    pub deprivation: Option<u8>,
    /// Age in whole years at the PPED.
    pub age: i32,
    /// Registered at the PPED.
    pub registered: bool,
}

pub fn cmp_f(cmp: Cmp, a: f64, b: f64) -> bool {
    match cmp {
        Cmp::Le => a <= b,
        Cmp::Ge => a >= b,
        Cmp::Lt => a < b,
        Cmp::Gt => a > b,
        Cmp::Eq => a == b,
        Cmp::Ne => a != b,
    }
}

pub fn date_rel(rel: DateRel, a: Date, b: Date) -> bool {
    match rel {
        DateRel::After => a > b,
        DateRel::OnOrAfter => a >= b,
        DateRel::Before => a < b,
        DateRel::OnOrBefore => a <= b,
    }
}

/// The result of selecting events for a condition: the chosen event(s).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Selected {
    None,
    /// One event (index into the patient's events).
    One(u32),
    /// A pair on one date: the lowest values of the first and second lists on that date
    /// (`None` where no event of that list on that date has a value), and the date.
    Pair {
        date: Date,
        first: u32,
        a: Option<f64>,
        b: Option<f64>,
    },
}

impl<'p> Engine<'p> {
    pub fn new(prog: &'p Program) -> Self {
        Engine {
            prog,
            list_events: vec![Vec::new(); prog.lists.len()],
            touched: Vec::new(),
            define_cache: vec![UNKNOWN; prog.defines.len()],
            register_cache: vec![UNKNOWN; prog.registers.len()],
            events: Vec::new(),
            birth: Date(0),
            sex: Sex::Unknown,
            registered_on: Date(0),
            deprivation: None,
            age: 0,
            registered: false,
        }
    }

    /// The current patient's events up to the PPED whose code is in some code list, by date.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Loads a patient (events must be sorted by date, as loaded populations are).
    pub fn load(&mut self, p: &Patient) {
        let prog = self.prog;
        let pped = prog.pped;
        for &l in &self.touched {
            self.list_events[l as usize].clear();
        }
        self.touched.clear();
        self.define_cache.fill(UNKNOWN);
        self.register_cache.fill(UNKNOWN);
        self.birth = p.birth_date;
        self.sex = p.sex;
        self.registered_on = p.registered_on;
        self.deprivation = p.deprivation_decile;
        self.age = pped.years_since(p.birth_date);
        self.registered = p.registered_on <= pped && p.deregistered_on.map_or(true, |d| d > pped);
        self.events.clear();
        // One pass: events after the PPED are ignored, and so are events whose code is in no
        // code list (no condition can see them). Loaded populations are sorted by date; an
        // unsorted record is caught on the way and filed again after a stable sort.
        let mut sorted = true;
        let mut prev = Date(i32::MIN);
        for e in &p.events {
            sorted &= e.date >= prev;
            prev = e.date;
            if e.date <= pped {
                if let Some(ci) = prog.code_table.get(e.code) {
                    let i = self.events.len() as u32;
                    self.events.push(*e);
                    self.file(ci, i);
                }
            }
        }
        if !sorted {
            for &l in &self.touched {
                self.list_events[l as usize].clear();
            }
            self.touched.clear();
            self.events.sort_by_key(|e| e.date);
            for i in 0..self.events.len() {
                if let Some(ci) = prog.code_table.get(self.events[i].code) {
                    self.file(ci, i as u32);
                }
            }
        }
    }

    /// Files event `i` (of code index `ci`) under every code list of its code.
    #[inline]
    fn file(&mut self, ci: usize, i: u32) {
        let prog = self.prog;
        let s = prog.code_list_start[ci] as usize;
        let t = prog.code_list_start[ci + 1] as usize;
        for &l in &prog.code_lists[s..t] {
            let v = &mut self.list_events[l as usize];
            if v.is_empty() {
                self.touched.push(l);
            }
            v.push(i);
        }
    }

    /// Events of list `l`, by date.
    pub fn list(&self, l: u32) -> &[u32] {
        &self.list_events[l as usize]
    }

    pub fn event(&self, i: u32) -> &Event {
        &self.events[i as usize]
    }

    /// The date of an anchor, if it exists for this patient.
    pub fn anchor(&self, a: AnchorIr) -> Option<Date> {
        match a {
            AnchorIr::Registration => Some(self.registered_on),
            AnchorIr::Event(pick, l) => {
                let v = self.list(l);
                let i = match pick {
                    Pick::Latest => v.last(),
                    Pick::First => v.first(),
                }?;
                Some(self.events[*i as usize].date)
            }
        }
    }

    fn end(&self, e: End) -> Option<Date> {
        match e {
            End::Fixed(d) => Some(d),
            End::Anchored { anchor, months, days } => {
                let d = self.anchor(anchor)?;
                Some(d.add_months(months).add_days(days))
            }
        }
    }

    /// A window's inclusive date range for this patient; `None` when an anchor is missing.
    pub fn window(&self, w: Option<u32>) -> Option<(Date, Date)> {
        match w {
            None => Some((MIN_DATE, MAX_DATE)),
            Some(w) => {
                let win = &self.prog.windows[w as usize];
                Some((self.end(win.lo)?, self.end(win.hi)?))
            }
        }
    }

    /// The latest / first event of list `l` dated in `range`.
    pub fn pick(&self, pick: Pick, l: u32, range: (Date, Date)) -> Option<u32> {
        let v = self.list(l);
        let ev = &self.events;
        let inr = |i: &&u32| {
            let d = ev[**i as usize].date;
            d >= range.0 && d <= range.1
        };
        match pick {
            Pick::Latest => v.iter().rev().find(inr).copied(),
            Pick::First => v.iter().find(inr).copied(),
        }
    }

    /// The latest / first date in `range` on which both lists have an event, with the lowest
    /// value of each list on that date.
    pub fn pick_pair(&self, pick: Pick, a: u32, b: u32, range: (Date, Date)) -> Selected {
        let ev = &self.events;
        let va = self.list(a);
        let vb = self.list(b);
        let date = |i: u32| ev[i as usize].date;
        // Walk both (sorted by date) lists to find common dates in range.
        let mut found: Option<Date> = None;
        match pick {
            Pick::Latest => {
                let (mut i, mut j) = (va.len(), vb.len());
                while i > 0 && j > 0 {
                    let (x, y) = (date(va[i - 1]), date(vb[j - 1]));
                    if x > range.1 {
                        i -= 1;
                    } else if y > range.1 {
                        j -= 1;
                    } else if x < range.0 || y < range.0 {
                        break;
                    } else if x == y {
                        found = Some(x);
                        break;
                    } else if x > y {
                        i -= 1;
                    } else {
                        j -= 1;
                    }
                }
            }
            Pick::First => {
                let (mut i, mut j) = (0, 0);
                while i < va.len() && j < vb.len() {
                    let (x, y) = (date(va[i]), date(vb[j]));
                    if x < range.0 {
                        i += 1;
                    } else if y < range.0 {
                        j += 1;
                    } else if x > range.1 || y > range.1 {
                        break;
                    } else if x == y {
                        found = Some(x);
                        break;
                    } else if x < y {
                        i += 1;
                    } else {
                        j += 1;
                    }
                }
            }
        }
        let Some(d) = found else { return Selected::None };
        let lowest = |v: &[u32]| {
            v.iter()
                .filter(|&&k| ev[k as usize].date == d)
                .filter_map(|&k| ev[k as usize].value)
                .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))))
        };
        let first = va.iter().copied().find(|&k| ev[k as usize].date == d).unwrap_or(0);
        Selected::Pair { date: d, first, a: lowest(va), b: lowest(vb) }
    }

    /// Counts events of `l` in `range`, each at least `apart` days after the previous one
    /// counted.
    pub fn count(&self, l: u32, range: (Date, Date), apart: i32) -> u32 {
        let mut n = 0u32;
        let mut last: Option<Date> = None;
        for &i in self.list(l) {
            let d = self.events[i as usize].date;
            if d < range.0 || d > range.1 {
                continue;
            }
            if apart > 0 {
                if let Some(p) = last {
                    if d.0 - p.0 < apart {
                        continue;
                    }
                }
            }
            last = Some(d);
            n += 1;
        }
        n
    }

    /// Selects the event(s) an event condition is about.
    pub fn select(
        &self,
        pick: Option<Pick>,
        l: u32,
        paired: Option<u32>,
        w: Option<u32>,
    ) -> Selected {
        let Some(range) = self.window(w) else { return Selected::None };
        let pick = pick.unwrap_or(Pick::Latest);
        match paired {
            Some(b) => self.pick_pair(pick, l, b, range),
            None => match self.pick(pick, l, range) {
                Some(i) => Selected::One(i),
                None => Selected::None,
            },
        }
    }

    /// The date and code of a selection.
    pub fn selected_event(&self, s: Selected) -> Option<(Date, u64, Option<f64>)> {
        match s {
            Selected::None => None,
            Selected::One(i) => {
                let e = &self.events[i as usize];
                Some((e.date, e.code, e.value))
            }
            Selected::Pair { date, first, a, .. } => {
                let code = self.events.get(first as usize).map_or(0, |e| e.code);
                Some((date, code, a))
            }
        }
    }

    /// Whether the predicate holds of a selection.
    pub fn pred(&self, s: Selected, pred: &Pred) -> bool {
        let Some((date, code, value)) = self.selected_event(s) else { return false };
        match pred {
            Pred::Exists => true,
            Pred::Value { cmp, value: t, paired } => match (s, paired) {
                (Selected::Pair { a, b, .. }, Some(t2)) => {
                    matches!((a, b), (Some(a), Some(b)) if cmp_f(*cmp, a, *t) && cmp_f(*cmp, b, *t2))
                }
                _ => value.is_some_and(|v| cmp_f(*cmp, v, *t)),
            },
            Pred::Date { rel, pick, list, window } => {
                let other = self.window(*window).and_then(|r| self.pick(*pick, *list, r));
                match other {
                    Some(j) => date_rel(*rel, date, self.events[j as usize].date),
                    // A missing event counts as infinitely long ago.
                    None => matches!(rel, DateRel::After | DateRel::OnOrAfter),
                }
            }
            Pred::Member(l) => self.prog.lists[*l as usize].codes.binary_search(&code).is_ok(),
            Pred::Within(w) => {
                self.window(Some(*w)).is_some_and(|(lo, hi)| date >= lo && date <= hi)
            }
        }
    }

    /// Evaluates a condition for the loaded patient.
    pub fn eval(&mut self, n: NodeId) -> bool {
        let prog = self.prog;
        match &prog.nodes[n as usize] {
            Node::Const(b) => *b,
            Node::And(s, l) => {
                let (s, l) = (*s as usize, *l as usize);
                prog.kids[s..s + l].iter().all(|&k| self.eval(k))
            }
            Node::Or(s, l) => {
                let (s, l) = (*s as usize, *l as usize);
                prog.kids[s..s + l].iter().any(|&k| self.eval(k))
            }
            Node::Not(k) => !self.eval(*k),
            Node::OnRegister(r) => self.on_register(*r),
            Node::Define(d) => {
                let d = *d as usize;
                match self.define_cache[d] {
                    TRUE => true,
                    FALSE | BUSY => false,
                    _ => {
                        self.define_cache[d] = BUSY;
                        let v = self.eval(prog.defines[d].node);
                        self.define_cache[d] = if v { TRUE } else { FALSE };
                        v
                    }
                }
            }
            Node::Aged(min, max) => {
                min.map_or(true, |m| self.age >= m) && max.map_or(true, |m| self.age <= m)
            }
            Node::Sex(s) => self.sex == *s,
            Node::Registered(w) => self
                .window(Some(*w))
                .is_some_and(|(lo, hi)| self.registered_on >= lo && self.registered_on <= hi),
            Node::Count { list, window, apart, cmp, value } => match self.window(*window) {
                Some(r) => cmp_f(*cmp, f64::from(self.count(*list, r, *apart)), *value),
                None => cmp_f(*cmp, 0.0, *value),
            },
            Node::Event { pick, list, paired, window, pred } => {
                if pick.is_none() && paired.is_none() && !matches!(pred, Pred::Exists) {
                    // `X [window] PRED` without latest/first: some event satisfies it.
                    let Some(range) = self.window(*window) else { return false };
                    let n = self.list(*list).len();
                    for k in 0..n {
                        let i = self.list_events[*list as usize][k];
                        let d = self.events[i as usize].date;
                        if d >= range.0 && d <= range.1 && self.pred(Selected::One(i), pred) {
                            return true;
                        }
                    }
                    return false;
                }
                let s = self.select(*pick, *list, *paired, *window);
                self.pred(s, pred)
            }
        }
    }

    /// Whether the loaded patient is on register `r`: registered at the PPED, aged within
    /// the limits, and the register's condition holds. Memoised per patient.
    pub fn on_register(&mut self, r: u32) -> bool {
        let r = r as usize;
        match self.register_cache[r] {
            TRUE => true,
            FALSE | BUSY => false,
            _ => {
                self.register_cache[r] = BUSY;
                let reg = &self.prog.registers[r];
                let v = self.registered
                    && reg.min_age.map_or(true, |m| self.age >= m)
                    && reg.max_age.map_or(true, |m| self.age <= m)
                    && reg.filter.map_or(true, |f| self.eval(f));
                self.register_cache[r] = if v { TRUE } else { FALSE };
                v
            }
        }
    }

    /// The classification cascade of docs/language.md ("How a patient is classified").
    pub fn classify(&mut self, ind: usize) -> Classified {
        use crate::scheme::Kind;
        let prog = self.prog;
        let i = &prog.indicators[ind];
        let excluded = Classified { class: Class::Excluded, stratum: None };
        if !self.registered {
            return excluded;
        }
        match i.kind {
            Kind::Attested => return excluded,
            Kind::Register => {
                let on = i.register.is_some_and(|r| self.on_register(r));
                return Classified {
                    class: if on { Class::Numerator } else { Class::Excluded },
                    stratum: None,
                };
            }
            Kind::Fraction => {}
        }
        // 1. cohort and filter.
        if let Some(r) = i.cohort {
            if !self.on_register(r) {
                return excluded;
            }
        }
        if let Some(f) = i.filter {
            if !self.eval(f) {
                return excluded;
            }
        }
        // 2. cohort exclusion.
        if let Some(x) = i.exclude {
            if self.eval(x) {
                return excluded;
            }
        }
        // 3. strata.
        let mut stratum = None;
        let mut achieved = i.achieved;
        if !i.strata.is_empty() {
            let mut found = None;
            for (k, s) in i.strata.iter().enumerate() {
                if s.when.map_or(true, |w| self.eval(w)) {
                    found = Some(k);
                    break;
                }
            }
            let Some(k) = found else { return excluded };
            stratum = Some(k as u16);
            achieved = i.strata[k].achieved.or(i.achieved);
        }
        // 4. achieved first.
        if achieved.is_some_and(|a| self.eval(a)) {
            return Classified { class: Class::Numerator, stratum };
        }
        // 5. adjustments in written order.
        for (k, a) in i.adjustments.iter().enumerate() {
            if self.eval(a.when) {
                return Classified { class: Class::Adjusted(k as u16), stratum };
            }
        }
        // 6. the rest.
        Classified { class: Class::Denominator, stratum }
    }

    /// The class of reporting dimension `r` for the loaded patient (`None`: in no class).
    pub fn report_class(&mut self, r: u32) -> Option<u16> {
        use crate::compile::ReportIrKind;
        let prog = self.prog;
        match &prog.reports[r as usize].kind {
            ReportIrKind::AgeBand(bands) => bands
                .iter()
                .position(|(a, b)| self.age >= *a && b.map_or(true, |b| self.age <= b))
                .map(|k| k as u16),
            ReportIrKind::Sex => Some(match self.sex {
                Sex::Female => 0,
                Sex::Male => 1,
                Sex::Unknown => 2,
            }),
            ReportIrKind::Decile => Some(match self.deprivation {
                Some(d @ 1..=10) => u16::from(d) - 1,
                _ => 10,
            }),
            ReportIrKind::Custom(conds) => {
                for (k, c) in conds.iter().enumerate() {
                    if c.map_or(true, |c| self.eval(c)) {
                        return Some(k as u16);
                    }
                }
                None
            }
        }
    }
}
