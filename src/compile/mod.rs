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
//! The checker has already validated names and types; what it cannot know (a number that
//! does not fit, a patient-list type whose name cannot be read) is reported as a
//! [`Diagnostic`].

mod pay;

pub use pay::{pay_scheme, stratum_pay_id};

use crate::date::Date;
use crate::diag::{Code, Diagnostic};
use crate::model::Sex;
use crate::scheme::{Cohort, Kind, Located, Scheme, Thresholds};
use crate::syntax::ast::{
    self, Anchor, Category, Cmp, DateRel, EventPred, Expr, ExprKind, Pick, ReportKind, Span, Unit,
    ValueAgg, Window, WindowKind,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

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

/// A patient-list type: the registered patients whose age at the PPED is in the range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListType {
    pub id: String,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
}

impl ListType {
    /// Reads a list-type name: `TOTAL` (everybody), `17OV` (aged 17 or over), `30_74`
    /// (aged 30 to 74 inclusive). `None` when the name follows none of these forms.
    pub fn parse(id: &str) -> Option<ListType> {
        let lt = |min, max| Some(ListType { id: id.to_string(), min_age: min, max_age: max });
        let up = id.to_ascii_uppercase();
        if up == "TOTAL" {
            return lt(None, None);
        }
        if let Some(n) = up.strip_suffix("OV") {
            return n.parse::<i32>().ok().and_then(|n| lt(Some(n), None));
        }
        if let Some((a, b)) = up.split_once('_') {
            let a = a.parse::<i32>().ok()?;
            let b = b.parse::<i32>().ok()?;
            return if a <= b { lt(Some(a), Some(b)) } else { None };
        }
        None
    }

    /// Whether a patient aged `age` at the PPED is counted.
    pub fn contains(&self, age: i32) -> bool {
        self.min_age.map_or(true, |m| age >= m) && self.max_age.map_or(true, |m| age <= m)
    }
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

/// Compiles a checked scheme. Errors are problems the checker cannot see (numbers that do not
/// fit, unreadable patient-list types); names are assumed resolved, and a name that is not
/// is reported rather than trusted.
pub fn compile(scheme: &Scheme) -> Result<Program, Vec<Diagnostic>> {
    let mut c = Compiler::new(scheme);
    c.run();
    if c.errors.is_empty() {
        Ok(c.prog)
    } else {
        Err(c.errors)
    }
}

struct Compiler<'s> {
    scheme: &'s Scheme,
    prog: Program,
    errors: Vec<Diagnostic>,
    list_index: BTreeMap<&'s str, u32>,
    define_index: BTreeMap<&'s str, u32>,
    register_index: BTreeMap<&'s str, u32>,
    /// The file of the expression being compiled (for diagnostics).
    file: usize,
}

fn err(file: usize, span: Span, msg: String) -> Diagnostic {
    Diagnostic::error(Code::Compile, file, span, msg)
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
            errors: Vec::new(),
            list_index: BTreeMap::new(),
            define_index: BTreeMap::new(),
            register_index: BTreeMap::new(),
            file: 0,
        }
    }

    fn run(&mut self) {
        let s = self.scheme;
        self.codes();
        for (i, d) in s.defines.iter().enumerate() {
            self.define_index.insert(&d.id, i as u32);
        }
        for (i, r) in s.registers.iter().enumerate() {
            self.register_index.insert(&r.id, i as u32);
        }
        // Placeholders first so that references by index are valid while compiling.
        for d in &s.defines {
            self.prog.defines.push(DefineIr { id: d.id.clone(), title: d.title.clone(), node: 0 });
        }
        for (i, d) in s.defines.iter().enumerate() {
            let n = self.located(&d.expr);
            self.prog.defines[i].node = n;
        }
        self.prog.list_types.push(ListType { id: "TOTAL".into(), min_age: None, max_age: None });
        for r in &s.registers {
            let list_type = match ListType::parse(&r.list_type) {
                Some(lt) => match self.prog.list_types.iter().position(|x| x.id == lt.id) {
                    Some(i) => i,
                    None => {
                        self.prog.list_types.push(lt);
                        self.prog.list_types.len() - 1
                    }
                },
                None => {
                    self.errors.push(
                        err(
                            r.origin.file,
                            r.origin.span,
                            format!("cannot read patient-list type `{}`", r.list_type),
                        )
                        .with_help(
                            "write `TOTAL`, an age and `OV` (`17OV`), or an age range (`30_74`)",
                        ),
                    );
                    0
                }
            };
            let filter = r.filter.as_ref().map(|f| self.located(f));
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
            self.list_index.insert(&l.id, li as u32);
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

    fn report(&mut self, r: &Located<ast::ReportDim>) -> u32 {
        self.file = r.file;
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
                let conds = classes.iter().map(|(_, e)| e.as_ref().map(|e| self.expr(e))).collect();
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
        let register = match (&ind.kind, &ind.register) {
            (Kind::Register, Some(r)) => self.register_ref(r, ind.origin.file, ind.origin.span),
            _ => None,
        };
        let cohort = match &ind.cohort {
            Some(Cohort::Register(r)) => self.register_ref(r, ind.origin.file, ind.origin.span),
            _ => None,
        };
        let filter = ind.filter.as_ref().map(|e| self.located(e));
        let exclude = ind.exclude.as_ref().map(|e| self.located(e));
        let achieved = ind.achieved.as_ref().map(|e| self.located(e));
        let adjustments = ind
            .adjustments
            .iter()
            .map(|a| AdjustmentIr {
                category: a.category.clone(),
                label: a.label.clone(),
                when: self.located(&a.when),
            })
            .collect();
        let strata = ind
            .strata
            .iter()
            .map(|s| StratumIr {
                id: s.id.clone(),
                when: s.when.as_ref().map(|e| self.located(e)),
                achieved: s.achieved.as_ref().map(|e| self.located(e)),
                thresholds: s.thresholds,
                points: s.points,
            })
            .collect();
        let mut reports = scheme_reports.to_vec();
        for r in &ind.reports {
            reports.push(self.report(r));
        }
        if ind.kind == Kind::Fraction && achieved.is_none() && ind.strata.is_empty() {
            self.errors.push(err(
                ind.origin.file,
                ind.origin.span,
                format!("indicator `{}` has no achieved condition", ind.id),
            ));
        }
        if ind.kind == Kind::Register && register.is_none() {
            self.errors.push(err(
                ind.origin.file,
                ind.origin.span,
                format!("register indicator `{}` names no register", ind.id),
            ));
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

    fn register_ref(&mut self, id: &str, file: usize, span: Span) -> Option<u32> {
        let r = self.register_index.get(id).copied();
        if r.is_none() {
            self.errors.push(err(file, span, format!("unknown register `{id}`")));
        }
        r
    }

    fn push(&mut self, n: Node) -> NodeId {
        self.prog.nodes.push(n);
        (self.prog.nodes.len() - 1) as NodeId
    }

    fn located(&mut self, e: &Located<Expr>) -> NodeId {
        self.file = e.file;
        self.expr(&e.node)
    }

    fn list(&mut self, id: &ast::Ident) -> u32 {
        match self.list_index.get(id.name.as_str()) {
            Some(&l) => l,
            None => {
                self.errors.push(err(
                    self.file,
                    id.span,
                    format!("unknown code list `{}`", id.name),
                ));
                0
            }
        }
    }

    fn num(&mut self, n: &ast::Num) -> f64 {
        match n.text.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                self.errors.push(err(
                    self.file,
                    n.span,
                    format!("cannot read number `{}`", n.text),
                ));
                0.0
            }
        }
    }

    fn int(&mut self, n: &ast::Num) -> i32 {
        match n.text.parse::<i32>() {
            Ok(v) if (0..=100_000).contains(&v) => v,
            _ => {
                self.errors.push(
                    err(self.file, n.span, format!("`{}` is not a usable whole number", n.text))
                        .with_help("write a whole number between 0 and 100000"),
                );
                0
            }
        }
    }

    fn expr(&mut self, e: &Expr) -> NodeId {
        match &e.kind {
            ExprKind::Bool(b) => self.push(Node::Const(*b)),
            ExprKind::And(xs) | ExprKind::Or(xs) => {
                let ids: Vec<NodeId> = xs.iter().map(|x| self.expr(x)).collect();
                let start = self.prog.kids.len() as u32;
                self.prog.kids.extend(&ids);
                let len = ids.len() as u32;
                let n = if matches!(e.kind, ExprKind::And(_)) {
                    Node::And(start, len)
                } else {
                    Node::Or(start, len)
                };
                self.push(n)
            }
            ExprKind::Not(x) => {
                let x = self.expr(x);
                self.push(Node::Not(x))
            }
            ExprKind::OnRegister(id) => match self.register_index.get(id.name.as_str()) {
                Some(&r) => self.push(Node::OnRegister(r)),
                None => {
                    self.errors.push(err(
                        self.file,
                        id.span,
                        format!("unknown register `{}`", id.name),
                    ));
                    self.push(Node::Const(false))
                }
            },
            ExprKind::Aged(a) if a.months => {
                self.push(Node::AgedMonths(a.min.map(|x| x as i32), a.max.map(|x| x as i32)))
            }
            ExprKind::Aged(a) => {
                self.push(Node::Aged(a.min.map(|x| x as i32), a.max.map(|x| x as i32)))
            }
            ExprKind::Sex(s) => self.push(Node::Sex(*s)),
            ExprKind::Registered(w) => {
                let w = self.window(w);
                self.push(Node::Registered(w))
            }
            ExprKind::Count { list, window, apart_days, cmp, value } => {
                let list = self.list(list);
                let window = window.as_ref().map(|w| self.window(w));
                let apart = apart_days.as_ref().map_or(0, |n| self.int(n));
                let value = self.num(value);
                self.push(Node::Count { list, window, apart, cmp: *cmp, value })
            }
            ExprKind::Event { pick, list, paired, window, pred } => {
                // A bare name may be a definition.
                if pick.is_none() && paired.is_none() && window.is_none() && pred.is_none() {
                    if let Some(&d) = self.define_index.get(list.name.as_str()) {
                        return self.push(Node::Define(d));
                    }
                }
                let l = self.list(list);
                let paired = paired.as_ref().map(|p| self.list(p));
                let window = window.as_ref().map(|w| self.window(w));
                let pred = match pred {
                    None => Pred::Exists,
                    Some(EventPred::Value { agg, cmp, value, paired_value, .. }) => Pred::Value {
                        highest: *agg == Some(ValueAgg::Highest),
                        cmp: *cmp,
                        value: self.num(value),
                        paired: paired_value.as_ref().map(|v| self.num(v)),
                    },
                    Some(EventPred::Date { rel, pick, list, window, .. }) => Pred::Date {
                        rel: *rel,
                        pick: *pick,
                        list: self.list(list),
                        window: window.as_ref().map(|w| self.window(w)),
                    },
                    Some(EventPred::Member { list, .. }) => Pred::Member(self.list(list)),
                    Some(EventPred::Within { window, .. }) => Pred::Within(self.window(window)),
                };
                self.push(Node::Event { pick: *pick, list: l, paired, window, pred })
            }
        }
    }

    fn anchor(&mut self, a: &Anchor) -> (Option<Date>, Option<AnchorIr>) {
        match a {
            Anchor::Date(d) => (Some(d.date), None),
            Anchor::Event { pick, list, .. } => {
                let id = ast::Ident { name: list.name.clone(), span: list.span };
                (None, Some(AnchorIr::Event(*pick, self.list(&id))))
            }
            Anchor::Registration { .. } => (None, Some(AnchorIr::Registration)),
            Anchor::Birth { .. } => (None, Some(AnchorIr::Birth)),
        }
    }

    /// An end at `anchor` moved by `months` then `days`.
    fn end(&mut self, a: &Anchor, months: i32, days: i32) -> End {
        match self.anchor(a) {
            (Some(d), _) => End::Fixed(d.add_months(months).add_days(days)),
            (None, Some(anchor)) => End::Anchored { anchor, months, days },
            (None, None) => End::Fixed(MIN_DATE),
        }
    }

    fn window(&mut self, w: &Window) -> u32 {
        let pped = self.prog.pped;
        let text = window_text(w);
        let (lo, hi) = match &w.kind {
            WindowKind::Last { n, unit } => {
                let n = self.int(n);
                let lo = match unit {
                    Unit::Days => pped.add_days(-n),
                    Unit::Weeks => pped.add_days(-7 * n),
                    Unit::Months => pped.add_months(-n),
                    Unit::Years => pped.add_months(-12 * n),
                };
                (End::Fixed(lo.add_days(1)), End::Fixed(pped))
            }
            WindowKind::Since(d) => (End::Fixed(d.date), End::Fixed(pped)),
            WindowKind::Between(a, b) => (End::Fixed(a.date), End::Fixed(b.date)),
            WindowKind::Before(a) => (End::Fixed(MIN_DATE), self.end(a, 0, -1)),
            WindowKind::After(a) => (self.end(a, 0, 1), End::Fixed(MAX_DATE)),
            WindowKind::From(a, b) => {
                let (am, ad) = offset(a.offset.as_ref());
                let (bm, bd) = offset(b.offset.as_ref());
                (self.end(&a.anchor, am, ad), self.end(&b.anchor, bm, bd))
            }
        };
        self.prog.windows.push(Win { lo, hi, text });
        (self.prog.windows.len() - 1) as u32
    }
}

fn offset(o: Option<&(i64, Unit, Span)>) -> (i32, i32) {
    match o {
        None => (0, 0),
        Some((n, unit, _)) => {
            let n = (*n).clamp(-1_000_000, 1_000_000) as i32;
            match unit {
                Unit::Days => (0, n),
                Unit::Weeks => (0, 7 * n),
                Unit::Months => (n, 0),
                Unit::Years => (12 * n, 0),
            }
        }
    }
}

fn unit_text(n: i64, u: Unit) -> String {
    let name = match u {
        Unit::Days => "day",
        Unit::Weeks => "week",
        Unit::Months => "month",
        Unit::Years => "year",
    };
    if n == 1 {
        format!("1 {name}")
    } else {
        format!("{n} {name}s")
    }
}

fn anchor_text(a: &Anchor) -> String {
    match a {
        Anchor::Date(d) => d.date.to_string(),
        Anchor::Event { pick: Pick::Latest, list, .. } => format!("latest {}", list.name),
        Anchor::Event { pick: Pick::First, list, .. } => format!("first {}", list.name),
        Anchor::Registration { .. } => "registration".into(),
        Anchor::Birth { .. } => "birth".into(),
    }
}

fn offset_anchor_text(o: &ast::OffsetAnchor) -> String {
    match &o.offset {
        None => anchor_text(&o.anchor),
        Some((n, u, _)) => format!(
            "{} {} {}",
            unit_text(n.abs(), *u),
            if *n < 0 { "before" } else { "after" },
            anchor_text(&o.anchor)
        ),
    }
}

/// The window as written.
pub fn window_text(w: &Window) -> String {
    match &w.kind {
        WindowKind::Last { n, unit } => {
            let n: i64 = n.text.parse().unwrap_or(0);
            format!("in last {}", unit_text(n, *unit))
        }
        WindowKind::Since(d) => format!("since {}", d.date),
        WindowKind::Between(a, b) => format!("between {} and {}", a.date, b.date),
        WindowKind::Before(a) => format!("before {}", anchor_text(a)),
        WindowKind::After(a) => format!("after {}", anchor_text(a)),
        WindowKind::From(a, b) => {
            format!("from {} to {}", offset_anchor_text(a), offset_anchor_text(b))
        }
    }
}

#[cfg(test)]
mod tests;
