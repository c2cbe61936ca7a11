//! The compile phase: a checked [`Scheme`] becomes a [`Program`], the evaluator's compact IR.
//!
//! - Codes are interned: every SNOMED CT id used by a code list gets a dense index, and a
//!   compressed table maps each code to the code lists it belongs to, so one pass over a
//!   patient's events files every event under every list it matches.
//! - Windows measured back from the payment period end date (PPED) are resolved here to
//!   absolute inclusive date ranges; windows anchored on a patient's events or registration
//!   keep the anchor and are resolved per patient at run time.
//! - Conditions are flattened into an arena of [`Node`]s addressed by [`NodeId`]; children of
//!   `and` / `or` are ranges of one shared vector. Definitions and registers compile once and
//!   are referenced by index (their values are memoised per patient).
//! - Indicators keep their cascade parts (cohort, filter, exclusion, strata, achieved,
//!   adjustments) as node ids.
//!
//! The checker has resolved every name to an index and parsed every number
//! ([`crate::scheme::Cond`]), so [`compile`] cannot fail: it returns a [`Program`] for every
//! scheme the checker returns.

mod pay;

pub use pay::{pay_scheme, stratum_pay_id};

use crate::date::Date;
use crate::model::Sex;
use crate::scheme::cond::{self, Cond};
use crate::scheme::{Cohort, Kind, Scheme, Thresholds};
use crate::syntax::ast::{Category, Cmp, DateRel, Pick, ReportKind, Unit};
use rust_decimal::Decimal;

pub use crate::scheme::ListType;

/// Index of a node in [`Program::nodes`].
pub type NodeId = u32;

/// The compiled scheme.
#[derive(Clone, Debug)]
pub struct Program {
    /// Scheme id, title and period.
    pub id: String,
    pub title: String,
    pub period_start: Date,
    /// The payment period end date: every relative window is measured back from it, and
    /// events after it are ignored.
    pub pped: Date,
    /// Sorted, distinct SNOMED CT ids used by any code list; the position is the code index.
    pub codes: Vec<u64>,
    /// Open-addressing hash of `codes` (code -> index), for one probe per event on load.
    pub code_table: CodeTable,
    /// For code index `c`, the lists it belongs to are
    /// `code_lists[code_list_start[c]..code_list_start[c + 1]]`.
    pub code_list_start: Vec<u32>,
    pub code_lists: Vec<u32>,
    /// Code lists by index.
    pub lists: Vec<ListInfo>,
    /// The expression arena.
    pub nodes: Vec<Node>,
    /// Children of `and` / `or` nodes.
    pub kids: Vec<NodeId>,
    /// Resolved windows.
    pub windows: Vec<Win>,
    pub defines: Vec<DefineIr>,
    pub registers: Vec<RegisterIr>,
    pub indicators: Vec<IndicatorIr>,
    /// Reporting dimensions (scheme-level and per indicator).
    pub reports: Vec<ReportIr>,
    /// Patient-list types counted per practice: `TOTAL` first, then those registers use.
    pub list_types: Vec<ListType>,
    /// What the evaluator derives from the program (per-node list needs, fixed windows,
    /// indicators by cohort), worked out on first use and shared by every engine.
    pub(crate) eval_plan: std::sync::OnceLock<crate::eval::engine::Plan>,
}

impl Program {
    /// Forgets what the evaluator derived from the program, so that an IR edited in place
    /// (the mutation test of `tests/engine/boundary.rs` moves one boundary at a time) is evaluated
    /// as edited.
    pub fn forget_plan(&mut self) {
        self.eval_plan = std::sync::OnceLock::new();
    }
}

/// An open-addressing hash table from SNOMED CT id to code index (linear probing, a power
/// of two at least twice the number of codes, so probes stay short).
#[derive(Clone, Debug, Default)]
pub struct CodeTable {
    keys: Vec<u64>,
    values: Vec<u32>,
    shift: u32,
}

const EMPTY_KEY: u64 = u64::MAX;

impl CodeTable {
    fn new(codes: &[u64]) -> CodeTable {
        let mut bits = 4u32;
        while (1usize << bits) < codes.len() * 2 {
            bits += 1;
        }
        let size = 1usize << bits;
        let mut t =
            CodeTable { keys: vec![EMPTY_KEY; size], values: vec![0; size], shift: 64 - bits };
        for (i, &c) in codes.iter().enumerate() {
            if c == EMPTY_KEY {
                continue;
            }
            let mut k = t.slot(c);
            while t.keys[k] != EMPTY_KEY {
                k = (k + 1) & (size - 1);
            }
            t.keys[k] = c;
            t.values[k] = i as u32;
        }
        t
    }

    #[inline]
    fn slot(&self, code: u64) -> usize {
        (code.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The index of `code`, if any code list has it.
    #[inline]
    pub fn get(&self, code: u64) -> Option<usize> {
        if self.keys.is_empty() || code == EMPTY_KEY {
            return None;
        }
        let mask = self.keys.len() - 1;
        let mut k = self.slot(code);
        loop {
            let key = self.keys[k];
            if key == code {
                return Some(self.values[k] as usize);
            }
            if key == EMPTY_KEY {
                return None;
            }
            k = (k + 1) & mask;
        }
    }
}

/// A code list.
#[derive(Clone, Debug)]
pub struct ListInfo {
    pub id: String,
    pub title: String,
    /// Sorted SNOMED CT ids (for `is in` membership of one code).
    pub codes: Vec<u64>,
}

/// One node of a compiled condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Const(bool),
    /// All of `kids[start..start + len]`.
    And(u32, u32),
    /// Any of `kids[start..start + len]`.
    Or(u32, u32),
    Not(NodeId),
    OnRegister(u32),
    Define(u32),
    /// Age in whole years at the PPED, inclusive bounds.
    Aged(Option<i32>, Option<i32>),
    /// Age in whole months at the PPED ([`crate::date::Date::months_since`]), inclusive bounds.
    AgedMonths(Option<i32>, Option<i32>),
    Sex(Sex),
    /// Registration date in the window.
    Registered(u32),
    /// `count X [window] [at least N days apart] CMP value` (`apart` 0: every event counts).
    Count {
        list: u32,
        window: Option<u32>,
        apart: i32,
        cmp: Cmp,
        value: f64,
    },
    /// `[latest|first] X[/Y] [window] [predicate]`.
    Event {
        pick: Option<Pick>,
        list: u32,
        paired: Option<u32>,
        window: Option<u32>,
        pred: Pred,
    },
}

/// What is asked of the selected event.
#[derive(Clone, Debug, PartialEq)]
pub enum Pred {
    /// It exists.
    Exists,
    /// Its value (and, for a pair, the second list's value) compares with the numbers. When
    /// several events share the selected date, the lowest value of each list on that date
    /// counts, or the highest with `highest` (events without a value are ignored; a date with
    /// no value at all fails the test).
    Value { highest: bool, cmp: Cmp, value: f64, paired: Option<f64> },
    /// Its date compares with the date of `pick list [window]` (missing: infinitely long ago).
    Date { rel: DateRel, pick: Pick, list: u32, window: Option<u32> },
    /// The code of an event on the selected date is in the list.
    Member(u32),
    /// Its date is in the window.
    Within(u32),
}

/// One end of a window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum End {
    Fixed(Date),
    /// The anchor's date moved by `months`, then by `days` (resolved per patient).
    Anchored {
        anchor: AnchorIr,
        months: i32,
        days: i32,
    },
}

/// A window anchor resolved per patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnchorIr {
    /// The date of the latest / first event of a list (before or on the PPED).
    Event(Pick, u32),
    Registration,
    /// The date of birth.
    Birth,
}

/// An inclusive date range, possibly anchored.
#[derive(Clone, Debug, PartialEq)]
pub struct Win {
    pub lo: End,
    pub hi: End,
    /// The window as written (`in last 12 months`), for explanations.
    pub text: String,
}

pub const MIN_DATE: Date = Date(i32::MIN / 2);
pub const MAX_DATE: Date = Date(i32::MAX / 2);

#[derive(Clone, Debug)]
pub struct DefineIr {
    pub id: String,
    pub title: Option<String>,
    pub node: NodeId,
}

#[derive(Clone, Debug)]
pub struct RegisterIr {
    pub id: String,
    pub title: String,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    pub filter: Option<NodeId>,
    pub prevalence_adjusted: bool,
    /// Index into [`Program::list_types`].
    pub list_type: usize,
}

#[derive(Clone, Debug)]
pub struct AdjustmentIr {
    pub category: Category,
    pub label: Option<String>,
    pub when: NodeId,
}

#[derive(Clone, Debug)]
pub struct StratumIr {
    pub id: String,
    /// `None` for `otherwise`.
    pub when: Option<NodeId>,
    /// The stratum's achieved condition (falls back to the indicator's).
    pub achieved: Option<NodeId>,
    pub thresholds: Option<Thresholds>,
    pub points: Decimal,
}

#[derive(Clone, Debug)]
pub struct IndicatorIr {
    pub id: String,
    pub title: String,
    pub group: String,
    pub domain: String,
    pub kind: Kind,
    /// Register kept (`Kind::Register`) as a register index.
    pub register: Option<u32>,
    pub network: bool,
    pub monitored: bool,
    pub points: Decimal,
    pub thresholds: Option<Thresholds>,
    /// `None`: every registered patient; `Some(r)`: the patients on register `r`.
    pub cohort: Option<u32>,
    pub filter: Option<NodeId>,
    pub exclude: Option<NodeId>,
    pub achieved: Option<NodeId>,
    pub adjustments: Vec<AdjustmentIr>,
    pub strata: Vec<StratumIr>,
    /// Reporting dimensions (indices into [`Program::reports`]): the scheme's, then its own.
    pub reports: Vec<u32>,
}

impl IndicatorIr {
    /// The register whose patients the indicator counts: the one it keeps
    /// (`Kind::Register`), or its cohort's.
    pub fn register_of(&self) -> Option<u32> {
        match self.kind {
            Kind::Register => self.register,
            _ => self.cohort,
        }
    }

    /// The indicator's own conditions, in the cascade's order: denominator filter,
    /// exclusion, each stratum's condition and achieved, achieved, adjustments.
    pub fn conditions(&self) -> Vec<NodeId> {
        let mut v = Vec::new();
        v.extend(self.filter);
        v.extend(self.exclude);
        for s in &self.strata {
            v.extend(s.when);
            v.extend(s.achieved);
        }
        v.extend(self.achieved);
        v.extend(self.adjustments.iter().map(|a| a.when));
        v
    }
}

/// A reporting dimension.
#[derive(Clone, Debug)]
pub struct ReportIr {
    /// `age band`, `sex`, `deprivation decile` or the classification's name.
    pub name: String,
    pub kind: ReportIrKind,
    /// Class labels, in order (the index is the class id).
    pub classes: Vec<String>,
}

#[derive(Clone, Debug)]
pub enum ReportIrKind {
    /// Age bands `(from, to)`; class `i` is band `i`, patients in no band are not counted.
    AgeBand(Vec<(i32, Option<i32>)>),
    /// Classes `female`, `male`, `unknown`.
    Sex,
    /// Classes `1`..`10`, `unknown`.
    Decile,
    /// The first class whose condition holds (`None`: otherwise).
    Custom(Vec<Option<NodeId>>),
}

/// Compiles a checked scheme. The checker has resolved every name to an index and parsed
/// every number ([`crate::scheme::Cond`]), so compiling cannot fail: a scheme the checker
/// returns always compiles.
pub fn compile(scheme: &Scheme) -> Program {
    let mut c = Compiler::new(scheme);
    c.run();
    c.prog
}

struct Compiler<'s> {
    scheme: &'s Scheme,
    prog: Program,
}

impl<'s> Compiler<'s> {
    fn new(scheme: &'s Scheme) -> Self {
        let pped = scheme.period_end;
        Compiler {
            scheme,
            prog: Program {
                id: scheme.id.clone(),
                title: scheme.title.clone(),
                period_start: scheme.period_start,
                pped,
                codes: Vec::new(),
                code_table: CodeTable::default(),
                code_list_start: Vec::new(),
                code_lists: Vec::new(),
                lists: Vec::new(),
                nodes: Vec::new(),
                kids: Vec::new(),
                windows: Vec::new(),
                defines: Vec::new(),
                registers: Vec::new(),
                indicators: Vec::new(),
                reports: Vec::new(),
                list_types: Vec::new(),
                eval_plan: std::sync::OnceLock::new(),
            },
        }
    }

    fn run(&mut self) {
        let s = self.scheme;
        self.codes();
        // Placeholders first so that references by index are valid while compiling.
        for d in &s.defines {
            self.prog.defines.push(DefineIr { id: d.id.clone(), title: d.title.clone(), node: 0 });
        }
        for (i, d) in s.defines.iter().enumerate() {
            let n = self.expr(&d.expr.cond);
            self.prog.defines[i].node = n;
        }
        self.prog.list_types.push(ListType::total());
        for r in &s.registers {
            let lt = &r.list_type;
            let list_type = match self.prog.list_types.iter().position(|x| x.id == lt.id) {
                Some(i) => i,
                None => {
                    self.prog.list_types.push(lt.clone());
                    self.prog.list_types.len() - 1
                }
            };
            let filter = r.filter.as_ref().map(|f| self.expr(&f.cond));
            self.prog.registers.push(RegisterIr {
                id: r.id.clone(),
                title: r.title.clone(),
                min_age: r.min_age.map(|a| a as i32),
                max_age: r.max_age.map(|a| a as i32),
                filter,
                prevalence_adjusted: r.prevalence_adjusted,
                list_type,
            });
        }
        let scheme_reports: Vec<u32> = s.reports.iter().map(|r| self.report(r)).collect();
        for ind in &s.indicators {
            self.indicator(ind, &scheme_reports);
        }
    }

    fn codes(&mut self) {
        let s = self.scheme;
        let mut all: Vec<u64> = s.codelists.iter().flat_map(|l| l.codes.iter().copied()).collect();
        all.sort_unstable();
        all.dedup();
        let mut per_code: Vec<Vec<u32>> = vec![Vec::new(); all.len()];
        for (li, l) in s.codelists.iter().enumerate() {
            let mut codes = l.codes.clone();
            codes.sort_unstable();
            codes.dedup();
            for c in &codes {
                if let Ok(ci) = all.binary_search(c) {
                    per_code[ci].push(li as u32);
                }
            }
            self.prog.lists.push(ListInfo { id: l.id.clone(), title: l.title.clone(), codes });
        }
        let mut start = Vec::with_capacity(all.len() + 1);
        let mut flat = Vec::new();
        for v in per_code {
            start.push(flat.len() as u32);
            flat.extend(v);
        }
        start.push(flat.len() as u32);
        self.prog.code_table = CodeTable::new(&all);
        self.prog.codes = all;
        self.prog.code_list_start = start;
        self.prog.code_lists = flat;
    }

    fn report(&mut self, r: &crate::scheme::Report) -> u32 {
        let ir = match &r.node.kind {
            ReportKind::AgeBand { bands } => ReportIr {
                name: "age band".into(),
                classes: bands
                    .iter()
                    .map(|(a, b, _)| match b {
                        Some(b) => format!("{a}-{b}"),
                        None => format!("{a}+"),
                    })
                    .collect(),
                kind: ReportIrKind::AgeBand(
                    bands.iter().map(|(a, b, _)| (*a as i32, b.map(|b| b as i32))).collect(),
                ),
            },
            ReportKind::Sex => ReportIr {
                name: "sex".into(),
                classes: vec!["female".into(), "male".into(), "unknown".into()],
                kind: ReportIrKind::Sex,
            },
            ReportKind::DeprivationDecile => ReportIr {
                name: "deprivation decile".into(),
                classes: (1..=10).map(|d| d.to_string()).chain(["unknown".into()]).collect(),
                kind: ReportIrKind::Decile,
            },
            ReportKind::Custom { name, classes } => {
                let conds = r.classes.iter().map(|c| c.as_ref().map(|c| self.expr(c))).collect();
                ReportIr {
                    name: name.name.clone(),
                    classes: classes.iter().map(|(c, _)| c.name.clone()).collect(),
                    kind: ReportIrKind::Custom(conds),
                }
            }
        };
        self.prog.reports.push(ir);
        (self.prog.reports.len() - 1) as u32
    }

    fn indicator(&mut self, ind: &crate::scheme::Indicator, scheme_reports: &[u32]) {
        let register = match ind.kind {
            Kind::Register => ind.register.as_ref().map(|r| r.index as u32),
            _ => None,
        };
        let cohort = match &ind.cohort {
            Some(Cohort::Register(r)) => Some(r.index as u32),
            _ => None,
        };
        let filter = ind.filter.as_ref().map(|e| self.expr(&e.cond));
        let exclude = ind.exclude.as_ref().map(|e| self.expr(&e.cond));
        let achieved = ind.achieved.as_ref().map(|e| self.expr(&e.cond));
        let adjustments = ind
            .adjustments
            .iter()
            .map(|a| AdjustmentIr {
                category: a.category.clone(),
                label: a.label.clone(),
                when: self.expr(&a.when.cond),
            })
            .collect();
        let strata = ind
            .strata
            .iter()
            .map(|s| StratumIr {
                id: s.id.clone(),
                when: s.when.as_ref().map(|e| self.expr(&e.cond)),
                achieved: s.achieved.as_ref().map(|e| self.expr(&e.cond)),
                thresholds: s.thresholds,
                points: s.points,
            })
            .collect();
        let mut reports = scheme_reports.to_vec();
        for r in &ind.reports {
            reports.push(self.report(r));
        }
        self.prog.indicators.push(IndicatorIr {
            id: ind.id.clone(),
            title: ind.title.clone(),
            group: ind.group.clone(),
            domain: ind.domain.clone(),
            kind: ind.kind,
            register,
            network: ind.network,
            monitored: ind.monitored,
            points: ind.points,
            thresholds: ind.thresholds,
            cohort,
            filter,
            exclude,
            achieved,
            adjustments,
            strata,
            reports,
        });
    }

    fn push(&mut self, n: Node) -> NodeId {
        self.prog.nodes.push(n);
        (self.prog.nodes.len() - 1) as NodeId
    }

    /// Lowers a condition. Recursion follows the nesting of one condition only (bounded by
    /// the parser's parenthesis limit): a definition or register is referenced by index.
    fn expr(&mut self, e: &Cond) -> NodeId {
        match e {
            Cond::Bool(b) => self.push(Node::Const(*b)),
            Cond::And(xs) | Cond::Or(xs) => {
                let ids: Vec<NodeId> = xs.iter().map(|x| self.expr(x)).collect();
                let start = self.prog.kids.len() as u32;
                self.prog.kids.extend(&ids);
                let len = ids.len() as u32;
                let n = if matches!(e, Cond::And(_)) {
                    Node::And(start, len)
                } else {
                    Node::Or(start, len)
                };
                self.push(n)
            }
            Cond::Not(x) => {
                let x = self.expr(x);
                self.push(Node::Not(x))
            }
            Cond::OnRegister(r) => self.push(Node::OnRegister(*r as u32)),
            Cond::Define(d) => self.push(Node::Define(*d as u32)),
            Cond::Aged { min, max, months } => {
                let (min, max) = (min.map(|x| x as i32), max.map(|x| x as i32));
                self.push(if *months { Node::AgedMonths(min, max) } else { Node::Aged(min, max) })
            }
            Cond::Sex(s) => self.push(Node::Sex(*s)),
            Cond::Registered(w) => {
                let w = self.window(w);
                self.push(Node::Registered(w))
            }
            Cond::Count { list, window, apart_days, cmp, value } => {
                let window = window.as_ref().map(|w| self.window(w));
                self.push(Node::Count {
                    list: *list as u32,
                    window,
                    apart: *apart_days,
                    cmp: *cmp,
                    value: *value,
                })
            }
            Cond::Event { pick, list, paired, window, pred } => {
                let window = window.as_ref().map(|w| self.window(w));
                let pred = match pred {
                    cond::Pred::Exists => Pred::Exists,
                    cond::Pred::Value { highest, cmp, value, paired } => {
                        Pred::Value { highest: *highest, cmp: *cmp, value: *value, paired: *paired }
                    }
                    cond::Pred::Date { rel, pick, list, window } => Pred::Date {
                        rel: *rel,
                        pick: *pick,
                        list: *list as u32,
                        window: window.as_ref().map(|w| self.window(w)),
                    },
                    cond::Pred::Member(l) => Pred::Member(*l as u32),
                    cond::Pred::Within(w) => Pred::Within(self.window(w)),
                };
                self.push(Node::Event {
                    pick: *pick,
                    list: *list as u32,
                    paired: paired.map(|p| p as u32),
                    window,
                    pred,
                })
            }
        }
    }

    /// An end at `anchor` moved by `months` then `days`.
    fn end(&self, a: &cond::Anchor, months: i32, days: i32) -> End {
        match a {
            cond::Anchor::Date(d) => End::Fixed(d.add_months(months).add_days(days)),
            cond::Anchor::Event(pick, list) => {
                End::Anchored { anchor: AnchorIr::Event(*pick, *list as u32), months, days }
            }
            cond::Anchor::Registration => {
                End::Anchored { anchor: AnchorIr::Registration, months, days }
            }
            cond::Anchor::Birth => End::Anchored { anchor: AnchorIr::Birth, months, days },
        }
    }

    fn window(&mut self, w: &cond::Window) -> u32 {
        let pped = self.prog.pped;
        let (lo, hi) = match &w.kind {
            cond::WindowKind::Last { n, unit } => {
                let n = *n;
                let lo = match unit {
                    Unit::Days => pped.add_days(-n),
                    Unit::Weeks => pped.add_days(-7 * n),
                    Unit::Months => pped.add_months(-n),
                    Unit::Years => pped.add_months(-12 * n),
                };
                (End::Fixed(lo.add_days(1)), End::Fixed(pped))
            }
            cond::WindowKind::Since(d) => (End::Fixed(*d), End::Fixed(pped)),
            cond::WindowKind::Between(a, b) => (End::Fixed(*a), End::Fixed(*b)),
            cond::WindowKind::Before(a) => (End::Fixed(MIN_DATE), self.end(a, 0, -1)),
            cond::WindowKind::After(a) => (self.end(a, 0, 1), End::Fixed(MAX_DATE)),
            cond::WindowKind::OnOrBefore(a) => (End::Fixed(MIN_DATE), self.end(a, 0, 0)),
            cond::WindowKind::OnOrAfter(a) => (self.end(a, 0, 0), End::Fixed(MAX_DATE)),
            cond::WindowKind::SinceAnchor(a) => (self.end(a, 0, 0), End::Fixed(pped)),
            cond::WindowKind::From(ao, a, bo, b) => {
                let (am, ad) = offset(*ao);
                let (bm, bd) = offset(*bo);
                (self.end(a, am, ad), self.end(b, bm, bd))
            }
        };
        self.prog.windows.push(Win { lo, hi, text: w.text.clone() });
        (self.prog.windows.len() - 1) as u32
    }
}

fn offset(o: Option<(i64, Unit)>) -> (i32, i32) {
    match o {
        None => (0, 0),
        Some((n, unit)) => {
            let n = n.clamp(-1_000_000, 1_000_000) as i32;
            match unit {
                Unit::Days => (0, n),
                Unit::Weeks => (0, 7 * n),
                Unit::Months => (n, 0),
                Unit::Years => (12 * n, 0),
            }
        }
    }
}

#[cfg(test)]
mod tests;
