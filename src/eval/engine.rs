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

/// What the engine derives from a program once, before any patient (kept in
/// [`Program`], so that every engine of a program shares one).
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// Per window: its inclusive range when both ends are fixed dates (no anchor), so most
    /// windows cost one load per patient.
    fixed: Vec<Option<(Date, Date)>>,
    /// Fraction indicators by cohort register (the others are excluded whenever the patient
    /// is not on it), and those whose cohort is every registered patient.
    by_register: Vec<Vec<u32>>,
    no_cohort: Vec<u32>,
    /// Per node, the code lists of which at least one must have an event for the node to
    /// hold, as a range of `need_lists` (`NO_NEED`: no such lists are known). A condition
    /// whose lists are all empty for a patient is false without being evaluated.
    need: Vec<(u32, u32)>,
    need_lists: Vec<u32>,
    /// The register and definition caches of a patient with no event: `FALSE` for those that
    /// need lists (they cannot hold), `UNKNOWN` for the rest. Loading a patient starts from
    /// these and sets back to `UNKNOWN` those that need a list the patient has events of, so
    /// that most registers are decided without being evaluated.
    register_start: Vec<u8>,
    define_start: Vec<u8>,
    /// Per code list, the registers and definitions that need it.
    registers_of_list: Vec<Vec<u32>>,
    defines_of_list: Vec<Vec<u32>>,
    code_filter: CodeFilter,
}

/// A bit per hash of a code (65,536 bits): set for every code of some list, so that a clear
/// bit rules a code out with one load from a table small enough to stay in cache.
#[derive(Clone, Debug)]
pub(crate) struct CodeFilter {
    bits: Box<[u64; 1024]>,
}

impl CodeFilter {
    fn new(codes: &[u64]) -> CodeFilter {
        let mut f = CodeFilter { bits: Box::new([0; 1024]) };
        for &c in codes {
            let h = Self::bit(c);
            f.bits[h >> 6] |= 1 << (h & 63);
        }
        f
    }

    #[inline(always)]
    fn bit(code: u64) -> usize {
        (code.wrapping_mul(0xD6E8_FEB8_6659_FD93) >> 48) as usize
    }

    /// Whether `code` may be in some list (1) or is in none (0).
    #[inline(always)]
    fn pass(&self, code: u64) -> u64 {
        let h = Self::bit(code);
        (self.bits[h >> 6] >> (h & 63)) & 1
    }
}

/// The `len` of [`Plan::need`] for nodes that may hold with every list empty.
const NO_NEED: u32 = u32::MAX;

/// Need sets larger than this are dropped (checking them would cost more than it saves).
const MAX_NEED: usize = 8;

/// Not yet worked out (in [`Needs::need`]).
const UNSET: u32 = u32::MAX - 1;

/// Chains of definitions deeper than this are not followed (their need is unknown, which is
/// sound): the analysis recurses, and a scheme may chain definitions arbitrarily deep.
const MAX_DEPTH: u32 = 64;

/// The need analysis of [`Plan::need`], node by node, memoised.
struct Needs<'a> {
    prog: &'a Program,
    need: Vec<(u32, u32)>,
    lists: Vec<u32>,
}

impl Needs<'_> {
    /// The lists node `n` needs, as a range of `lists` (`len == NO_NEED`: unknown).
    fn of(&mut self, n: NodeId, depth: u32) -> (u32, u32) {
        let Some(&got) = self.need.get(n as usize) else { return (0, NO_NEED) };
        if got.1 != UNSET {
            return got;
        }
        if depth > MAX_DEPTH {
            return (0, NO_NEED);
        }
        let prog = self.prog;
        let one = |me: &mut Self, l: u32| {
            me.lists.push(l);
            ((me.lists.len() - 1) as u32, 1)
        };
        let r = match &prog.nodes[n as usize] {
            Node::Const(true)
            | Node::Not(_)
            | Node::Aged(..)
            | Node::AgedMonths(..)
            | Node::Sex(_)
            | Node::Registered(_) => (0, NO_NEED),
            Node::Const(false) => (0, 0),
            // All kids hold: any one kid's lists will do; the smallest is cheapest to check.
            Node::And(s, l) => {
                let mut best = (0, NO_NEED);
                for k in *s..*s + *l {
                    let x = self.of(prog.kids[k as usize], depth + 1);
                    if x.1 < best.1 {
                        best = x;
                    }
                }
                best
            }
            // Some kid holds: the union of every kid's lists, if every kid has some.
            Node::Or(s, l) => {
                let mut all = Vec::new();
                let mut known = true;
                for k in *s..*s + *l {
                    let (a, m) = self.of(prog.kids[k as usize], depth + 1);
                    if m == NO_NEED {
                        known = false;
                        break;
                    }
                    all.extend_from_slice(&self.lists[a as usize..(a + m) as usize]);
                }
                all.sort_unstable();
                all.dedup();
                if known && all.len() <= MAX_NEED {
                    let start = self.lists.len() as u32;
                    self.lists.extend_from_slice(&all);
                    (start, all.len() as u32)
                } else {
                    (0, NO_NEED)
                }
            }
            Node::OnRegister(r) => match prog.registers.get(*r as usize).and_then(|x| x.filter) {
                Some(f) => self.of(f, depth + 1),
                None => (0, NO_NEED),
            },
            Node::Define(d) => match prog.defines.get(*d as usize) {
                Some(x) => self.of(x.node, depth + 1),
                None => (0, NO_NEED),
            },
            // A count of zero (no event of the list) must fail the comparison.
            Node::Count { list, cmp, value, .. } => {
                if cmp_f(*cmp, 0.0, *value) {
                    (0, NO_NEED)
                } else {
                    one(self, *list)
                }
            }
            // Nothing is selected without an event of the (first) list.
            Node::Event { list, .. } => one(self, *list),
        };
        self.need[n as usize] = r;
        r
    }
}

impl Plan {
    fn new(prog: &Program) -> Plan {
        use crate::scheme::Kind;
        let fixed = prog
            .windows
            .iter()
            .map(|w| match (w.lo, w.hi) {
                (End::Fixed(lo), End::Fixed(hi)) => Some((lo, hi)),
                _ => None,
            })
            .collect();
        let mut by_register = vec![Vec::new(); prog.registers.len()];
        let mut no_cohort = Vec::new();
        for (i, ind) in prog.indicators.iter().enumerate() {
            if ind.kind != Kind::Fraction {
                continue;
            }
            match ind.cohort.and_then(|r| by_register.get_mut(r as usize)) {
                Some(v) => v.push(i as u32),
                None => no_cohort.push(i as u32),
            }
        }
        let mut needs = Needs { prog, need: vec![(0, UNSET); prog.nodes.len()], lists: Vec::new() };
        for n in 0..prog.nodes.len() {
            needs.of(n as NodeId, 0);
        }
        let Needs { need, lists: need_lists, .. } = needs;
        let lists_of = |n: Option<NodeId>| -> Option<&[u32]> {
            let (s, l) = *need.get(n? as usize)?;
            (l != NO_NEED).then(|| &need_lists[s as usize..(s + l) as usize])
        };
        let mut register_start = vec![UNKNOWN; prog.registers.len()];
        let mut define_start = vec![UNKNOWN; prog.defines.len()];
        let mut registers_of_list = vec![Vec::new(); prog.lists.len()];
        let mut defines_of_list = vec![Vec::new(); prog.lists.len()];
        for (r, x) in prog.registers.iter().enumerate() {
            if let Some(v) = lists_of(x.filter) {
                register_start[r] = FALSE;
                for &l in v {
                    registers_of_list[l as usize].push(r as u32);
                }
            }
        }
        for (d, x) in prog.defines.iter().enumerate() {
            if let Some(v) = lists_of(Some(x.node)) {
                define_start[d] = FALSE;
                for &l in v {
                    defines_of_list[l as usize].push(d as u32);
                }
            }
        }
        Plan {
            fixed,
            by_register,
            no_cohort,
            need,
            need_lists,
            register_start,
            define_start,
            registers_of_list,
            defines_of_list,
            code_filter: CodeFilter::new(&prog.codes),
        }
    }
}

/// Reusable per-patient state.
pub struct Engine<'p> {
    pub prog: &'p Program,
    plan: &'p Plan,
    /// Per code list, indices (into `events`) of the patient's events of that list, by date.
    list_events: Vec<Vec<u32>>,
    touched: Vec<u32>,
    define_cache: Vec<u8>,
    register_cache: Vec<u8>,
    // The current patient.
    events: Vec<Event>,
    /// Per event, its code's index in [`Program::codes`].
    event_code: Vec<u32>,
    pub birth: Date,
    pub sex: Sex,
    pub registered_on: Date,
    pub deprivation: Option<u8>,
    /// Age in whole years at the PPED.
    pub age: i32,
    /// Registered at the PPED.
    pub registered: bool,
    /// The PPED's year, month and day.
    pped_ymd: (i32, u32, u32),
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

/// The result of selecting events for a condition: the chosen date and the events on it.
///
/// A selection is a date, never one event: several events of a list may share the latest (or
/// first) date, and which of them a file lists last must not matter. Predicates look at every
/// event on that date (`is in`: any of them; `has value`: the lowest, or the highest).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Selected {
    None,
    /// The events of list `list` on one date: positions `start..end` in the list's events.
    Day {
        list: u32,
        start: u32,
        end: u32,
    },
    /// A pair on one date: the date on which both lists `a` and `b` have an event.
    Pair {
        date: Date,
        a: u32,
        b: u32,
    },
}

impl<'p> Engine<'p> {
    pub fn new(prog: &'p Program) -> Self {
        Engine {
            prog,
            plan: prog.eval_plan.get_or_init(|| Plan::new(prog)),
            list_events: vec![Vec::new(); prog.lists.len()],
            touched: Vec::new(),
            define_cache: vec![UNKNOWN; prog.defines.len()],
            register_cache: vec![UNKNOWN; prog.registers.len()],
            events: Vec::new(),
            event_code: Vec::new(),
            birth: Date(0),
            sex: Sex::Unknown,
            registered_on: Date(0),
            deprivation: None,
            age: 0,
            registered: false,
            pped_ymd: prog.pped.ymd(),
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
        self.define_cache.copy_from_slice(&self.plan.define_start);
        self.register_cache.copy_from_slice(&self.plan.register_start);
        self.birth = p.birth_date;
        self.sex = p.sex;
        self.registered_on = p.registered_on;
        self.deprivation = p.deprivation_decile;
        // Whole years at the PPED, as `Date::years_since` (the PPED's fields computed once).
        let (y, m, d) = p.birth_date.ymd();
        let (py, pm, pd) = self.pped_ymd;
        self.age = py - y - i32::from((pm, pd) < (m, d));
        self.registered = p.registered_on <= pped && p.deregistered_on.map_or(true, |d| d > pped);
        self.events.clear();
        self.event_code.clear();
        // One pass: events after the PPED are ignored, and so are events whose code is in no
        // code list (no condition can see them). Loaded populations are sorted by date; an
        // unsorted record is caught on the way and filed again after a stable sort.
        //
        // In chunks of 64 events: a first loop without branches marks the events dated up to
        // the PPED whose code passes the code filter (most codes in a record are in no list,
        // and which ones are is unpredictable); a second files the marked ones.
        let mut sorted = true;
        let mut prev = Date(i32::MIN);
        let filter = &self.plan.code_filter;
        for chunk in p.events.chunks(64) {
            let mut marked = 0u64;
            for (j, e) in chunk.iter().enumerate() {
                sorted &= e.date >= prev;
                prev = e.date;
                marked |= (filter.pass(e.code) & u64::from(e.date <= pped)) << j;
            }
            while marked != 0 {
                let e = &chunk[marked.trailing_zeros() as usize];
                marked &= marked - 1;
                if let Some(ci) = prog.code_table.get(e.code) {
                    let i = self.events.len() as u32;
                    self.events.push(*e);
                    self.event_code.push(ci as u32);
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
            self.event_code.clear();
            for i in 0..self.events.len() {
                // Every event kept has a code in some list.
                match prog.code_table.get(self.events[i].code) {
                    Some(ci) => {
                        self.event_code.push(ci as u32);
                        self.file(ci, i as u32);
                    }
                    None => self.event_code.push(u32::MAX),
                }
            }
        }
        // Registers and definitions that need a list with events are worked out on demand.
        for &l in &self.touched {
            for &r in &self.plan.registers_of_list[l as usize] {
                self.register_cache[r as usize] = UNKNOWN;
            }
            for &d in &self.plan.defines_of_list[l as usize] {
                self.define_cache[d as usize] = UNKNOWN;
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
            AnchorIr::Birth => Some(self.birth),
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
    #[inline]
    pub fn window(&self, w: Option<u32>) -> Option<(Date, Date)> {
        match w {
            None => Some((MIN_DATE, MAX_DATE)),
            Some(w) => match self.plan.fixed[w as usize] {
                Some(r) => Some(r),
                None => {
                    let win = &self.prog.windows[w as usize];
                    Some((self.end(win.lo)?, self.end(win.hi)?))
                }
            },
        }
    }

    /// The fraction indicators whose cohort is register `r`, in scheme order.
    pub(crate) fn cohort_of(&self, r: usize) -> &[u32] {
        &self.plan.by_register[r]
    }

    /// The fraction indicators whose cohort is every registered patient, in scheme order.
    pub(crate) fn no_cohort(&self) -> &[u32] {
        &self.plan.no_cohort
    }

    /// The latest / first event of list `l` dated in `range` (one of the events on that date:
    /// use it for its date only).
    #[inline]
    pub fn pick(&self, pick: Pick, l: u32, range: (Date, Date)) -> Option<u32> {
        self.pick_pos(pick, l, range).map(|k| self.list(l)[k])
    }

    /// The position in `self.list(l)` of the latest / first event dated in `range`: for
    /// `Latest` the last event on that date, for `First` the first one.
    #[inline]
    fn pick_pos(&self, pick: Pick, l: u32, range: (Date, Date)) -> Option<usize> {
        let v = self.list(l);
        let ev = &self.events;
        // The list is by date: the first event met on the near side of the range decides.
        match pick {
            Pick::Latest => {
                for (k, &i) in v.iter().enumerate().rev() {
                    let d = ev[i as usize].date;
                    if d <= range.1 {
                        return (d >= range.0).then_some(k);
                    }
                }
            }
            Pick::First => {
                for (k, &i) in v.iter().enumerate() {
                    let d = ev[i as usize].date;
                    if d >= range.0 {
                        return (d <= range.1).then_some(k);
                    }
                }
            }
        }
        None
    }

    /// The events of list `l` on the latest / first date in `range`, as positions
    /// `start..end` in `self.list(l)`.
    #[inline]
    pub fn pick_day(&self, pick: Pick, l: u32, range: (Date, Date)) -> Option<(usize, usize)> {
        let k = self.pick_pos(pick, l, range)?;
        let v = self.list(l);
        let ev = &self.events;
        let d = ev[v[k] as usize].date;
        let (mut s, mut e) = (k, k + 1);
        while s > 0 && ev[v[s - 1] as usize].date == d {
            s -= 1;
        }
        while e < v.len() && ev[v[e] as usize].date == d {
            e += 1;
        }
        Some((s, e))
    }

    /// The lowest (or highest) value among events `day` (event indices); `None` when none
    /// of them has a value.
    #[inline]
    pub fn day_value(&self, day: &[u32], highest: bool) -> Option<f64> {
        let ev = &self.events;
        day.iter().filter_map(|&k| ev[k as usize].value).fold(None, |m: Option<f64>, x| {
            Some(match m {
                None => x,
                Some(m) if highest => m.max(x),
                Some(m) => m.min(x),
            })
        })
    }

    /// The events of list `l` dated `d` (event indices), for a pair's date.
    fn on_date(&self, l: u32, d: Date) -> &[u32] {
        let v = self.list(l);
        let ev = &self.events;
        let s = v.partition_point(|&k| ev[k as usize].date < d);
        let e = v.partition_point(|&k| ev[k as usize].date <= d);
        &v[s..e]
    }

    /// The events a selection is about (event indices): the day's events of its list, or of
    /// the first list of a pair.
    pub fn selected_events(&self, s: Selected) -> &[u32] {
        match s {
            Selected::None => &[],
            Selected::Day { list, start, end } => &self.list(list)[start as usize..end as usize],
            Selected::Pair { date, a, .. } => self.on_date(a, date),
        }
    }

    /// The date of a selection.
    pub fn selected_date(&self, s: Selected) -> Option<Date> {
        match s {
            Selected::None => None,
            Selected::Pair { date, .. } => Some(date),
            Selected::Day { .. } => {
                self.selected_events(s).first().map(|&i| self.events[i as usize].date)
            }
        }
    }

    /// The value(s) a value test of a selection compares: the lowest (or highest) value on
    /// the selected date of the list, and for a pair of the second list too.
    pub fn selected_values(&self, s: Selected, highest: bool) -> (Option<f64>, Option<f64>) {
        match s {
            Selected::None => (None, None),
            Selected::Day { .. } => (self.day_value(self.selected_events(s), highest), None),
            Selected::Pair { date, a, b } => (
                self.day_value(self.on_date(a, date), highest),
                self.day_value(self.on_date(b, date), highest),
            ),
        }
    }

    /// Whether event `i`'s code is in list `l`.
    #[inline]
    fn event_in_list(&self, i: u32, l: u32) -> bool {
        let prog = self.prog;
        let Some(&ci) = self.event_code.get(i as usize) else { return false };
        match prog.code_list_start.get(ci as usize..ci as usize + 2) {
            Some(&[s, t]) => prog.code_lists[s as usize..t as usize].contains(&l),
            _ => false,
        }
    }

    /// The latest / first date in `range` on which both lists have an event.
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
        match found {
            Some(date) => Selected::Pair { date, a, b },
            None => Selected::None,
        }
    }

    /// Counts events of `l` in `range`, each at least `apart` days after the previous one
    /// counted.
    #[inline(never)]
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

    /// Selects the date (and its events) an event condition is about.
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
            None => match self.pick_day(pick, l, range) {
                Some((s, e)) => Selected::Day { list: l, start: s as u32, end: e as u32 },
                None => Selected::None,
            },
        }
    }

    /// Whether the predicate holds of a selection.
    pub fn pred(&self, s: Selected, pred: &Pred) -> bool {
        let Some(date) = self.selected_date(s) else { return false };
        match pred {
            Pred::Exists => true,
            Pred::Value { highest, cmp, value: t, paired } => {
                match (self.selected_values(s, *highest), paired) {
                    ((Some(a), Some(b)), Some(t2)) => cmp_f(*cmp, a, *t) && cmp_f(*cmp, b, *t2),
                    ((Some(a), None), None) => cmp_f(*cmp, a, *t),
                    _ => false,
                }
            }
            Pred::Date { rel, pick, list, window } => {
                let other = self.window(*window).and_then(|r| self.pick(*pick, *list, r));
                match other {
                    Some(j) => date_rel(*rel, date, self.events[j as usize].date),
                    // A missing event counts as infinitely long ago.
                    None => matches!(rel, DateRel::After | DateRel::OnOrAfter),
                }
            }
            Pred::Member(l) => self.selected_events(s).iter().any(|&i| self.event_in_list(i, *l)),
            Pred::Within(w) => {
                self.window(Some(*w)).is_some_and(|(lo, hi)| date >= lo && date <= hi)
            }
        }
    }

    /// Whether node `n` may hold: false when every list it needs is empty.
    #[inline]
    fn may_hold(&self, n: NodeId) -> bool {
        let (s, l) = self.plan.need[n as usize];
        l == NO_NEED
            || self.plan.need_lists[s as usize..(s + l) as usize]
                .iter()
                .any(|&k| !self.list_events[k as usize].is_empty())
    }

    /// [`Engine::eval`], skipping conditions whose lists are all empty.
    #[inline]
    fn holds(&mut self, n: NodeId) -> bool {
        self.may_hold(n) && self.eval(n)
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
            Node::AgedMonths(min, max) => {
                let age = self.prog.pped.months_since(self.birth);
                min.map_or(true, |m| age >= m) && max.map_or(true, |m| age <= m)
            }
            Node::Sex(s) => self.sex == *s,
            Node::Registered(w) => self
                .window(Some(*w))
                .is_some_and(|(lo, hi)| self.registered_on >= lo && self.registered_on <= hi),
            Node::Count { list, window, apart, cmp, value } => {
                if self.list(*list).is_empty() {
                    return cmp_f(*cmp, 0.0, *value);
                }
                let n = self.window(*window).map_or(0, |r| self.count(*list, r, *apart));
                cmp_f(*cmp, f64::from(n), *value)
            }
            Node::Event { pick, list, paired, window, pred } => {
                // No event of the list: nothing is selected, and no predicate holds of nothing.
                if self.list(*list).is_empty() {
                    return false;
                }
                // The common shapes without building a selection.
                if paired.is_none() {
                    match (pick, pred) {
                        // `[latest|first] X [window]`: some event in the window.
                        (_, Pred::Exists) => {
                            let Some(r) = self.window(*window) else { return false };
                            return self.pick(Pick::Latest, *list, r).is_some();
                        }
                        (Some(p), Pred::Value { highest, cmp, value: t, .. }) => {
                            let Some(r) = self.window(*window) else { return false };
                            let Some((a, b)) = self.pick_day(*p, *list, r) else { return false };
                            return self
                                .day_value(&self.list(*list)[a..b], *highest)
                                .is_some_and(|v| cmp_f(*cmp, v, *t));
                        }
                        (Some(p), Pred::Within(w2)) => {
                            let Some(r) = self.window(*window) else { return false };
                            let Some(i) = self.pick(*p, *list, r) else { return false };
                            let d = self.events[i as usize].date;
                            return self
                                .window(Some(*w2))
                                .is_some_and(|(lo, hi)| d >= lo && d <= hi);
                        }
                        (Some(p), Pred::Member(l2)) => {
                            let Some(r) = self.window(*window) else { return false };
                            let Some((a, b)) = self.pick_day(*p, *list, r) else { return false };
                            return self.list(*list)[a..b]
                                .iter()
                                .any(|&i| self.event_in_list(i, *l2));
                        }
                        _ => {}
                    }
                }
                self.eval_event(*pick, *list, *paired, *window, pred)
            }
        }
    }

    /// The general case of an event condition (kept out of [`Engine::eval`], whose common
    /// cases stay small).
    #[inline(never)]
    fn eval_event(
        &self,
        pick: Option<Pick>,
        list: u32,
        paired: Option<u32>,
        window: Option<u32>,
        pred: &Pred,
    ) -> bool {
        if pick.is_none() && paired.is_none() && !matches!(pred, Pred::Exists) {
            // `X [window] PRED` without latest/first: some event satisfies it.
            let Some(range) = self.window(window) else { return false };
            return (0..self.list(list).len() as u32).any(|k| {
                let d = self.events[self.list(list)[k as usize] as usize].date;
                d >= range.0
                    && d <= range.1
                    && self.pred(Selected::Day { list, start: k, end: k + 1 }, pred)
            });
        }
        let s = self.select(pick, list, paired, window);
        self.pred(s, pred)
    }

    /// Whether the loaded patient is on register `r`: registered at the PPED, aged within
    /// the limits, and the register's condition holds. Memoised per patient.
    #[inline]
    pub fn on_register(&mut self, r: u32) -> bool {
        match self.register_cache[r as usize] {
            TRUE => true,
            UNKNOWN => self.register_slow(r as usize),
            _ => false,
        }
    }

    /// [`Engine::on_register`] the first time for the patient.
    #[inline(never)]
    fn register_slow(&mut self, r: usize) -> bool {
        self.register_cache[r] = BUSY;
        let reg = &self.prog.registers[r];
        let v = self.registered
            && reg.min_age.map_or(true, |m| self.age >= m)
            && reg.max_age.map_or(true, |m| self.age <= m)
            && reg.filter.map_or(true, |f| self.eval(f));
        self.register_cache[r] = if v { TRUE } else { FALSE };
        v
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
            if !self.holds(f) {
                return excluded;
            }
        }
        // 2. cohort exclusion.
        if let Some(x) = i.exclude {
            if self.holds(x) {
                return excluded;
            }
        }
        // 3. strata.
        let mut stratum = None;
        let mut achieved = i.achieved;
        if !i.strata.is_empty() {
            let mut found = None;
            for (k, s) in i.strata.iter().enumerate() {
                if s.when.map_or(true, |w| self.holds(w)) {
                    found = Some(k);
                    break;
                }
            }
            let Some(k) = found else { return excluded };
            stratum = Some(k as u16);
            achieved = i.strata[k].achieved.or(i.achieved);
        }
        // 4. achieved first.
        if achieved.is_some_and(|a| self.holds(a)) {
            return Classified { class: Class::Numerator, stratum };
        }
        // 5. adjustments in written order.
        for (k, a) in i.adjustments.iter().enumerate() {
            if self.holds(a.when) {
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
