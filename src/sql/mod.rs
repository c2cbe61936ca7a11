//! The SQL backend: a compiled scheme ([`Program`]) becomes one SQL script that computes, from
//! tables `practices`, `patients` and `events` in the canonical layout (`docs/sql.md`), the
//! per-practice counts that [`crate::eval::evaluate`] and [`crate::eval::practice_data`] give:
//! one row per practice and indicator (and payment stratum) with `register`, `denominator`,
//! `numerator`, `pcas` and the PCAs per adjustment category.
//!
//! The script is set-based, without correlated subqueries, in stages of common table
//! expressions:
//!
//! 1. `pat`: the patients with their age (whole years and months) at the payment period end
//!    date and whether they are registered at it; `ev`: the events up to the PPED whose code
//!    is in some code list, one row per event and list.
//! 2. `anc`: per patient, the anchor dates windows are measured from (`latest X`, `first X`
//!    over all of the patient's events).
//! 3. `sel`: per patient, every selection a condition makes (`latest X in last 12 months`, the
//!    latest date with both a systolic and a diastolic reading): a date, as in the engine
//!    (`eval::engine::Selected`), never one row; and every `count`.
//! 4. `stc`: what is asked of a selected date (the lowest or highest value recorded on it, a
//!    code of another list among its events) and of single events (`X PRED` without
//!    `latest`).
//! 5. `base`, then one stage per level of definitions and registers (a definition is computed
//!    after the ones it uses), then the classification cascade per indicator (`cls`), then the
//!    counts per practice.
//!
//! Each condition is a boolean expression over those columns that is never NULL, so `not`
//! means what it means in the engine.

use crate::compile::{AnchorIr, End, Node, NodeId, Pred, Program, MAX_DATE, MIN_DATE};
use crate::date::Date;
use crate::diag::{Code, Diagnostic};
use crate::scheme::{Kind, Scheme};
use crate::syntax::ast::{Cmp, DateRel, Pick};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

#[cfg(test)]
mod tests;

/// The SQL dialect a script is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    DuckDb,
    Spark,
    Sqlite,
}

impl Dialect {
    /// The dialect's name as the command line writes it.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::Sqlite => "sqlite",
        }
    }

    fn date(self, d: Date) -> String {
        match self {
            Dialect::Sqlite => format!("'{d}'"),
            _ => format!("DATE '{d}'"),
        }
    }

    fn ident(self, s: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", s.replace('`', "``")),
            _ => format!("\"{}\"", s.replace('"', "\"\"")),
        }
    }

    /// Year, month or day of a date as an integer (`part`: `%Y`, `%m`, `%d`).
    fn part(self, part: &str, x: &str) -> String {
        match self {
            Dialect::Sqlite => format!("CAST(strftime('{part}', {x}) AS INTEGER)"),
            _ => {
                let f = match part {
                    "%Y" => "year",
                    "%m" => "month",
                    _ => "day",
                };
                format!("{f}({x})")
            }
        }
    }

    fn add_days(self, x: &str, n: i32) -> String {
        if n == 0 {
            return x.to_string();
        }
        match self {
            Dialect::DuckDb => format!("({x} + ({n}))"),
            Dialect::Spark => format!("date_add({x}, {n})"),
            Dialect::Sqlite => format!("date({x}, '{n:+} days')"),
        }
    }

    /// Calendar months added with the engine's clamping to the end of a shorter month
    /// ([`Date::add_months`]).
    fn add_months(self, x: &str, n: i32) -> String {
        if n == 0 {
            return x.to_string();
        }
        match self {
            Dialect::DuckDb => format!("CAST({x} + INTERVAL ({n}) MONTH AS DATE)"),
            // Spark 3 and later clamp (earlier versions moved month ends to month ends).
            Dialect::Spark => format!("add_months({x}, {n})"),
            // SQLite's own month arithmetic overflows into the next month: the day is added
            // to the first of the target month and capped at that month's last day.
            Dialect::Sqlite => format!(
                "min(date({x}, 'start of month', '{n:+} months', '+' || ({d} - 1) || ' days'), \
                 date({x}, 'start of month', '{m:+} months', '-1 day'))",
                d = self.part("%d", x),
                m = n + 1
            ),
        }
    }

    fn double(self, v: f64) -> String {
        let t = if v.is_finite() { format!("{v}") } else { "0".into() };
        match self {
            Dialect::Sqlite => format!("CAST('{t}' AS REAL)"),
            _ => format!("CAST('{t}' AS DOUBLE)"),
        }
    }
}

/// A fact computed per patient in one of the event stages.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Fact {
    /// `a`: the latest (`true`) / first date of a list's events (anchors).
    Anchor(bool, u32),
    /// `s`: the latest / first date of a list (or pair pseudo-list) in a window.
    Select(bool, u32, Option<u32>),
    /// `s`: the number of events of a list in a window.
    Count(u32, Option<u32>),
    /// `v`: the lowest (highest) value of a list's events on a selection's date.
    DayValue(usize, u32, bool),
    /// `v`: whether an event of the first list on a selection's date has a code in a list.
    Member(usize, u32, u32),
    /// `v`: whether some single event of a list in a window satisfies a predicate.
    AnyEvent(u32, Option<u32>, PredKey),
}

/// A predicate in a hashable form (`Pred` holds floats).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct PredKey(String);

/// Which stage a fact is computed in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Anchor,
    Select,
    Detail,
}

struct Gen<'p> {
    prog: &'p Program,
    d: Dialect,
    /// Facts in order of creation: (column, stage, SQL aggregate).
    facts: Vec<(String, Stage, String)>,
    fact_index: HashMap<Fact, usize>,
    /// Pair pseudo-lists: (first list, second list) -> list id beyond the real lists.
    pairs: Vec<(u32, u32)>,
    /// `count ... at least N days apart`: (list, window, apart) and its column.
    apart: Vec<(u32, Option<u32>, i32, String)>,
    apart_index: HashMap<(u32, Option<u32>, i32), usize>,
}

/// A window end: no bound, or an SQL date expression (NULL when its anchor is missing).
enum Bound {
    Open,
    At(String),
}

/// Compiles a scheme to one SQL script in `dialect` (`docs/sql.md`). Every construct of the
/// language compiles; the errors are those of a program the checker would have refused
/// (definitions that use each other in a cycle), located at the definition.
pub fn to_sql(
    scheme: &Scheme,
    prog: &Program,
    dialect: Dialect,
) -> Result<String, Vec<Diagnostic>> {
    let order = levels(scheme, prog)?;
    let mut g = Gen {
        prog,
        d: dialect,
        facts: Vec::new(),
        fact_index: HashMap::new(),
        pairs: Vec::new(),
        apart: Vec::new(),
        apart_index: HashMap::new(),
    };
    Ok(g.script(&order))
}

/// Definitions (`Left`) and registers (`Right`) grouped in levels: each uses only those of
/// earlier levels.
type Item = (bool, u32);

fn levels(scheme: &Scheme, prog: &Program) -> Result<Vec<Vec<Item>>, Vec<Diagnostic>> {
    // Dependencies of a node: the definitions and registers it refers to.
    fn deps(prog: &Program, n: NodeId, out: &mut Vec<Item>) {
        let mut stack = vec![n];
        while let Some(n) = stack.pop() {
            match prog.nodes.get(n as usize) {
                Some(Node::And(s, l) | Node::Or(s, l)) => {
                    stack.extend_from_slice(&prog.kids[*s as usize..(*s + *l) as usize]);
                }
                Some(Node::Not(k)) => stack.push(*k),
                Some(Node::Define(d)) => out.push((true, *d)),
                Some(Node::OnRegister(r)) => out.push((false, *r)),
                _ => {}
            }
        }
    }
    let items: Vec<Item> = (0..prog.defines.len() as u32)
        .map(|d| (true, d))
        .chain((0..prog.registers.len() as u32).map(|r| (false, r)))
        .collect();
    let node_of = |it: Item| -> Option<NodeId> {
        if it.0 {
            prog.defines.get(it.1 as usize).map(|d| d.node)
        } else {
            prog.registers.get(it.1 as usize).and_then(|r| r.filter)
        }
    };
    let mut level: HashMap<Item, usize> = HashMap::new();
    // Iterative depth-first search: chains of definitions may be long.
    for &root in &items {
        if level.contains_key(&root) {
            continue;
        }
        let mut on_path: BTreeSet<Item> = BTreeSet::new();
        let mut stack: Vec<(Item, Vec<Item>, usize)> = Vec::new();
        let mut first = Vec::new();
        if let Some(n) = node_of(root) {
            deps(prog, n, &mut first);
        }
        on_path.insert(root);
        stack.push((root, first, 0));
        while let Some((it, ds, k)) = stack.last_mut() {
            if *k < ds.len() {
                let next = ds[*k];
                *k += 1;
                if level.contains_key(&next) {
                    continue;
                }
                if on_path.contains(&next) {
                    let origin = if next.0 {
                        scheme.defines.get(next.1 as usize).map(|d| (&d.id, &d.origin))
                    } else {
                        scheme.registers.get(next.1 as usize).map(|r| (&r.id, &r.origin))
                    };
                    let msg = |id: &str| {
                        format!("`{id}` cannot be compiled to SQL: it depends on itself")
                    };
                    let diag = match origin {
                        Some((id, o)) => Diagnostic::error(Code::Cycle, o.file, o.span, msg(id)),
                        None => Diagnostic::error(Code::Cycle, 0, Default::default(), msg("?")),
                    };
                    return Err(vec![diag.with_help(
                        "definitions and registers must not refer to each other in a cycle",
                    )]);
                }
                let mut nd = Vec::new();
                if let Some(n) = node_of(next) {
                    deps(prog, n, &mut nd);
                }
                on_path.insert(next);
                stack.push((next, nd, 0));
            } else {
                let lv = 1 + ds.iter().filter_map(|x| level.get(x)).max().unwrap_or(&0);
                let it = *it;
                level.insert(it, lv);
                on_path.remove(&it);
                stack.pop();
            }
        }
    }
    let max = level.values().copied().max().unwrap_or(0);
    let mut out = vec![Vec::new(); max];
    for it in items {
        if let Some(&l) = level.get(&it) {
            out[l - 1].push(it);
        }
    }
    Ok(out)
}

fn cmp_op(c: Cmp) -> &'static str {
    match c {
        Cmp::Le => "<=",
        Cmp::Ge => ">=",
        Cmp::Lt => "<",
        Cmp::Gt => ">",
        Cmp::Eq => "=",
        Cmp::Ne => "<>",
    }
}

fn rel_op(r: DateRel) -> &'static str {
    match r {
        DateRel::After => ">",
        DateRel::OnOrAfter => ">=",
        DateRel::Before => "<",
        DateRel::OnOrBefore => "<=",
    }
}

fn string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The first and last dates every dialect writes as a literal.
fn lowest() -> Date {
    Date::from_ymd(1, 1, 1).unwrap_or(MIN_DATE)
}
fn highest() -> Date {
    Date::from_ymd(9999, 12, 31).unwrap_or(MAX_DATE)
}

impl Gen<'_> {
    fn fact(
        &mut self,
        f: Fact,
        stage: Stage,
        prefix: &str,
        sql: impl FnOnce(&mut Self) -> String,
    ) -> String {
        if let Some(&k) = self.fact_index.get(&f) {
            return self.facts[k].0.clone();
        }
        let sql = sql(self);
        let name = format!("{prefix}{}", self.facts.len());
        self.facts.push((name.clone(), stage, sql));
        self.fact_index.insert(f, self.facts.len() - 1);
        name
    }

    fn anchor(&mut self, a: AnchorIr) -> String {
        match a {
            AnchorIr::Registration => "registered_on".into(),
            AnchorIr::Birth => "birth_date".into(),
            AnchorIr::Event(pick, l) => {
                self.fact(Fact::Anchor(pick == Pick::Latest, l), Stage::Anchor, "a", |_| {
                    let agg = if pick == Pick::Latest { "MAX" } else { "MIN" };
                    format!("{agg}(CASE WHEN e.l = {l} THEN e.d END)")
                })
            }
        }
    }

    fn bound(&mut self, e: End, low: bool) -> Bound {
        match e {
            End::Fixed(d) if d == MIN_DATE || d == MAX_DATE => {
                if (d == MIN_DATE) == low {
                    Bound::Open
                } else {
                    Bound::At("NULL".into())
                }
            }
            End::Fixed(d) if d < lowest() => {
                if low {
                    Bound::Open
                } else {
                    Bound::At("NULL".into())
                }
            }
            End::Fixed(d) if d > highest() => {
                if low {
                    Bound::At("NULL".into())
                } else {
                    Bound::Open
                }
            }
            End::Fixed(d) => Bound::At(self.d.date(d)),
            End::Anchored { anchor, months, days } => {
                let a = self.anchor(anchor);
                let m = self.d.add_months(&a, months);
                Bound::At(self.d.add_days(&m, days))
            }
        }
    }

    /// Whether date expression `x` is in window `w` (NULL when an anchor is missing; `TRUE`
    /// without a window).
    fn within(&mut self, w: Option<u32>, x: &str) -> String {
        let Some(w) = w else { return "TRUE".into() };
        let Some(win) = self.prog.windows.get(w as usize) else { return "FALSE".into() };
        let (lo, hi) = (win.lo, win.hi);
        let lo = self.bound(lo, true);
        let hi = self.bound(hi, false);
        match (lo, hi) {
            (Bound::Open, Bound::Open) => "TRUE".into(),
            (Bound::At(l), Bound::Open) => format!("{x} >= {l}"),
            (Bound::Open, Bound::At(h)) => format!("{x} <= {h}"),
            (Bound::At(l), Bound::At(h)) => format!("({x} >= {l} AND {x} <= {h})"),
        }
    }

    /// The list id of a pair (a pseudo-list of the dates with an event of both lists).
    fn pair(&mut self, a: u32, b: u32) -> u32 {
        let base = self.prog.lists.len() as u32;
        match self.pairs.iter().position(|&p| p == (a, b)) {
            Some(k) => base + k as u32,
            None => {
                self.pairs.push((a, b));
                base + self.pairs.len() as u32 - 1
            }
        }
    }

    /// The selected date column of `pick list [window]` (NULL: nothing selected).
    fn select(&mut self, pick: Pick, l: u32, w: Option<u32>) -> String {
        self.fact(Fact::Select(pick == Pick::Latest, l, w), Stage::Select, "s", |g| {
            let agg = if pick == Pick::Latest { "MAX" } else { "MIN" };
            let inw = g.within(w, "e.d");
            format!("{agg}(CASE WHEN e.l = {l} AND {inw} THEN e.d END)")
        })
    }

    fn day_value(&mut self, sel: &str, l: u32, highest: bool) -> String {
        let k = Self::position(sel);
        self.fact(Fact::DayValue(k, l, highest), Stage::Detail, "v", |_| {
            let agg = if highest { "MAX" } else { "MIN" };
            format!("{agg}(CASE WHEN e.l = {l} AND e.d = {sel} THEN e.val END)")
        })
    }

    /// The position of a fact from its column's name (a letter, then the position).
    fn position(col: &str) -> usize {
        col.get(1..).and_then(|k| k.parse().ok()).unwrap_or(usize::MAX)
    }

    fn codes_in(&self, l: u32) -> String {
        let codes = self.prog.lists.get(l as usize).map_or(&[][..], |x| &x.codes[..]);
        if codes.is_empty() {
            return "FALSE".into();
        }
        let list: Vec<String> = codes.iter().map(|c| format!("'{c}'")).collect();
        format!("e.code IN ({})", list.join(", "))
    }

    fn member(&mut self, sel: &str, l: u32, y: u32) -> String {
        let k = Self::position(sel);
        self.fact(Fact::Member(k, l, y), Stage::Detail, "v", |g| {
            let inl = g.codes_in(y);
            format!("MAX(CASE WHEN e.l = {l} AND e.d = {sel} AND {inl} THEN 1 ELSE 0 END)")
        })
    }

    /// A condition on a date `x` being `rel` the date of `pick list [window]`, a missing
    /// event counting as infinitely long ago.
    fn date_rel(&mut self, x: &str, rel: DateRel, pick: Pick, l: u32, w: Option<u32>) -> String {
        let other = self.select(pick, l, w);
        let missing = matches!(rel, DateRel::After | DateRel::OnOrAfter);
        format!(
            "(CASE WHEN {other} IS NULL THEN {} ELSE {x} {} {other} END)",
            if missing { "TRUE" } else { "FALSE" },
            rel_op(rel)
        )
    }

    /// A boolean SQL expression for node `n` over the columns of `base` (never NULL).
    fn node(&mut self, n: NodeId) -> String {
        let prog = self.prog;
        let Some(node) = prog.nodes.get(n as usize) else { return "FALSE".into() };
        match node {
            Node::Const(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Node::And(s, l) | Node::Or(s, l) => {
                let op = if matches!(node, Node::And(..)) { " AND " } else { " OR " };
                if *l == 0 {
                    return if matches!(node, Node::And(..)) { "TRUE" } else { "FALSE" }.into();
                }
                let kids: Vec<String> = prog.kids[*s as usize..(*s + *l) as usize]
                    .iter()
                    .map(|&k| self.node(k))
                    .collect();
                format!("({})", kids.join(op))
            }
            Node::Not(k) => format!("(NOT {})", self.node(*k)),
            Node::OnRegister(r) => format!("r{r}"),
            Node::Define(d) => format!("d{d}"),
            Node::Aged(min, max) => range("age", *min, *max),
            Node::AgedMonths(min, max) => range("age_months", *min, *max),
            Node::Sex(s) => format!("(sex = '{}')", s.letter()),
            Node::Registered(w) => {
                let c = self.within(Some(*w), "registered_on");
                format!("COALESCE({c}, FALSE)")
            }
            Node::Count { list, window, apart, cmp, value } => {
                let col = if *apart > 0 {
                    let key = (*list, *window, *apart);
                    let k = match self.apart_index.get(&key) {
                        Some(&k) => k,
                        None => {
                            // Windows register their anchors now.
                            let _ = self.within(*window, "e.d");
                            self.apart.push((
                                *list,
                                *window,
                                *apart,
                                format!("ca{}", self.apart.len()),
                            ));
                            self.apart_index.insert(key, self.apart.len() - 1);
                            self.apart.len() - 1
                        }
                    };
                    self.apart[k].3.clone()
                } else {
                    let (l, w) = (*list, *window);
                    self.fact(Fact::Count(l, w), Stage::Select, "s", |g| {
                        let inw = g.within(w, "e.d");
                        format!("SUM(CASE WHEN e.l = {l} AND {inw} THEN 1 ELSE 0 END)")
                    })
                };
                format!("(COALESCE({col}, 0) {} {})", cmp_op(*cmp), self.d.double(*value))
            }
            Node::Event { pick, list, paired, window, pred } => {
                let (l, w) = (*list, *window);
                if pick.is_none() && paired.is_none() && !matches!(pred, Pred::Exists) {
                    return self.any_event(l, w, pred);
                }
                let pick = pick.unwrap_or(Pick::Latest);
                let sel_list = match paired {
                    Some(b) => self.pair(l, *b),
                    None => l,
                };
                let s = self.select(pick, sel_list, w);
                let held = match pred {
                    Pred::Exists => format!("{s} IS NOT NULL"),
                    Pred::Value { highest, cmp, value, paired: t2 } => {
                        let op = cmp_op(*cmp);
                        let t = self.d.double(*value);
                        match (paired, t2) {
                            (Some(b), Some(t2)) => {
                                let va = self.day_value(&s, l, *highest);
                                let vb = self.day_value(&s, *b, *highest);
                                let t2 = self.d.double(*t2);
                                format!("({va} {op} {t} AND {vb} {op} {t2})")
                            }
                            (None, None) => {
                                let v = self.day_value(&s, l, *highest);
                                format!("{v} {op} {t}")
                            }
                            // A pair compared with one number (or one list with two) never
                            // holds, as in the engine.
                            _ => "FALSE".into(),
                        }
                    }
                    Pred::Date { rel, pick: p2, list: l2, window: w2 } => {
                        let r = self.date_rel(&s, *rel, *p2, *l2, *w2);
                        format!("({s} IS NOT NULL AND {r})")
                    }
                    Pred::Member(y) => {
                        let m = self.member(&s, l, *y);
                        format!("{m} = 1")
                    }
                    Pred::Within(w2) => self.within(Some(*w2), &s),
                };
                format!("COALESCE({held}, FALSE)")
            }
        }
    }

    /// `X [window] PRED` without `latest` / `first`: some single event satisfies it.
    fn any_event(&mut self, l: u32, w: Option<u32>, pred: &Pred) -> String {
        let key = PredKey(format!("{pred:?}"));
        let pred = pred.clone();
        let col = self.fact(Fact::AnyEvent(l, w, key), Stage::Detail, "v", |g| {
            let inw = g.within(w, "e.d");
            let p = match &pred {
                Pred::Exists => "TRUE".into(),
                Pred::Value { cmp, value, paired: None, .. } => {
                    format!("(e.val IS NOT NULL AND e.val {} {})", cmp_op(*cmp), g.d.double(*value))
                }
                Pred::Value { .. } => "FALSE".into(),
                Pred::Date { rel, pick, list, window } => {
                    g.date_rel("e.d", *rel, *pick, *list, *window)
                }
                Pred::Member(y) => g.codes_in(*y),
                Pred::Within(w2) => g.within(Some(*w2), "e.d"),
            };
            format!("MAX(CASE WHEN e.l = {l} AND {inw} AND {p} THEN 1 ELSE 0 END)")
        });
        format!("(COALESCE({col}, 0) = 1)")
    }

    fn stage(&self, stage: Stage) -> String {
        let mut s = String::new();
        for (name, st, sql) in &self.facts {
            if *st == stage {
                let _ = write!(s, ",\n    {sql} AS {name}");
            }
        }
        s
    }

    fn script(&mut self, order: &[Vec<Item>]) -> String {
        let prog = self.prog;
        let d = self.d;
        // Conditions first: they decide which facts the event stages compute.
        let mut level_sql: Vec<Vec<(String, String)>> = Vec::new();
        for lv in order {
            let mut cols = Vec::new();
            for &(is_define, k) in lv {
                if is_define {
                    let n = prog.defines[k as usize].node;
                    cols.push((format!("d{k}"), self.node(n)));
                } else {
                    let r = &prog.registers[k as usize];
                    let mut parts = vec!["registered".to_string()];
                    if let Some(m) = r.min_age {
                        parts.push(format!("age >= {m}"));
                    }
                    if let Some(m) = r.max_age {
                        parts.push(format!("age <= {m}"));
                    }
                    if let Some(f) = r.filter {
                        parts.push(self.node(f));
                    }
                    cols.push((format!("r{k}"), format!("({})", parts.join(" AND "))));
                }
            }
            level_sql.push(cols);
        }
        // Strata and classes of the fraction indicators.
        let mut strata_cols = Vec::new();
        let mut class_cols = Vec::new();
        for (i, ind) in prog.indicators.iter().enumerate() {
            if ind.kind != Kind::Fraction {
                continue;
            }
            let mut cond = Vec::new();
            if let Some(r) = ind.cohort {
                cond.push(format!("WHEN NOT r{r} THEN 0"));
            }
            if let Some(f) = ind.filter {
                cond.push(format!("WHEN NOT {} THEN 0", self.node(f)));
            }
            if let Some(x) = ind.exclude {
                cond.push(format!("WHEN {} THEN 0", self.node(x)));
            }
            let achieved = if ind.strata.is_empty() {
                ind.achieved.map(|a| self.node(a))
            } else {
                let mut whens = Vec::new();
                let mut ach = Vec::new();
                for (k, s) in ind.strata.iter().enumerate() {
                    match s.when {
                        Some(w) => whens.push(format!("WHEN {} THEN {k}", self.node(w))),
                        None => whens.push(format!("WHEN TRUE THEN {k}")),
                    }
                    if let Some(a) = s.achieved.or(ind.achieved) {
                        ach.push(format!("(t{i} = {k} AND {})", self.node(a)));
                    }
                }
                strata_cols.push(format!("CASE {} ELSE NULL END AS t{i}", whens.join(" ")));
                cond.push(format!("WHEN t{i} IS NULL THEN 0"));
                (!ach.is_empty()).then(|| format!("({})", ach.join(" OR ")))
            };
            if let Some(a) = achieved {
                cond.push(format!("WHEN {a} THEN 2"));
            }
            for (k, a) in ind.adjustments.iter().enumerate() {
                cond.push(format!("WHEN {} THEN {}", self.node(a.when), 3 + k));
            }
            class_cols.push(format!("CASE {} ELSE 1 END AS k{i}", cond.join(" ")));
        }
        self.assemble(&level_sql, &strata_cols, &class_cols, d)
    }

    fn assemble(
        &mut self,
        level_sql: &[Vec<(String, String)>],
        strata_cols: &[String],
        class_cols: &[String],
        d: Dialect,
    ) -> String {
        let prog = self.prog;
        let pped = prog.pped;
        let (py, pm, pd) = pped.ymd();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "-- qofrules {}: scheme `{}` compiled to SQL ({}), period end {pped}.",
            crate::version(),
            prog.id.replace('\n', " "),
            d.name()
        );
        let _ = writeln!(
            out,
            "-- Reads tables practices(practice_id), patients(patient_id, practice_id, birth_date,\n\
             -- sex, registered_on, deregistered_on) and events(patient_id, date, code, value);\n\
             -- gives one row per practice and indicator with the counts `qofrules eval` computes\n\
             -- (docs/sql.md)."
        );
        let recursive = !self.apart.is_empty() && d != Dialect::Spark;
        let mut ctes = Stages { d, items: Vec::new() };
        // Code list membership.
        let mut rows = Vec::new();
        for (l, list) in prog.lists.iter().enumerate() {
            for c in &list.codes {
                rows.push(format!("('{c}', {l})"));
            }
        }
        if rows.is_empty() {
            rows.push("('', -1)".into());
        }
        ctes.values("cl", "code, l", &rows, "\n    ");
        let col = |c: &str| d.ident(c);
        let birth = format!("p.{}", col("birth_date"));
        let age = format!(
            "{py} - {y} - CASE WHEN {m} > {pm} OR ({m} = {pm} AND {dd} > {pd}) THEN 1 ELSE 0 END",
            y = d.part("%Y", &birth),
            m = d.part("%m", &birth),
            dd = d.part("%d", &birth)
        );
        let age_months = format!(
            "({py} - {y}) * 12 + ({pm} - {m}) - CASE WHEN {dd} > {pd} THEN 1 ELSE 0 END",
            y = d.part("%Y", &birth),
            m = d.part("%m", &birth),
            dd = d.part("%d", &birth)
        );
        let pped_lit = d.date(pped);
        let sex = format!("lower(p.{})", col("sex"));
        ctes.push(
            "pat",
            None,
            false,
            format!(
            "SELECT p.{pid} AS pid, p.{prac} AS practice_id, {birth} AS birth_date,\n    \
             CASE WHEN {sex} IN ('f', 'female') THEN 'F' WHEN {sex} IN ('m', 'male') THEN 'M' ELSE 'U' END AS sex,\n    \
             p.{reg} AS registered_on,\n    \
             (p.{reg} <= {pped_lit} AND (p.{dereg} IS NULL OR p.{dereg} > {pped_lit})) AS registered,\n    \
             {age} AS age,\n    {age_months} AS age_months\n  FROM patients p",
            pid = col("patient_id"),
            prac = col("practice_id"),
            reg = col("registered_on"),
            dereg = col("deregistered_on"),
        ));
        ctes.push(
            "ev",
            None,
            true,
            format!(
            "SELECT e.{pid} AS pid, e.{date} AS d, e.{code} AS code, e.{value} AS val, cl.l AS l\n  \
             FROM events e JOIN cl ON cl.code = e.{code}\n  WHERE e.{date} <= {pped_lit}",
            pid = col("patient_id"),
            date = col("date"),
            code = col("code"),
            value = col("value"),
        ));
        // Pairs: the dates with an event of both lists, as pseudo-lists.
        let base_l = prog.lists.len();
        let mut ev2 = "SELECT pid, d, l FROM ev".to_string();
        for (k, (a, b)) in self.pairs.iter().enumerate() {
            let _ = write!(
                ev2,
                "\n  UNION ALL SELECT DISTINCT x.pid, x.d, {} AS l FROM ev x JOIN ev y ON y.pid = x.pid AND y.d = x.d WHERE x.l = {a} AND y.l = {b}",
                base_l + k
            );
        }
        ctes.push("ev2", None, false, ev2);
        ctes.push(
            "anc",
            None,
            false,
            format!("SELECT e.pid{}\n  FROM ev e GROUP BY e.pid", self.stage(Stage::Anchor)),
        );
        let anc_cols: String = self
            .facts
            .iter()
            .filter(|f| f.1 == Stage::Anchor)
            .map(|f| format!(", a.{}", f.0))
            .collect();
        ctes.push(
            "pa",
            None,
            true,
            format!("SELECT p.*{anc_cols} FROM pat p LEFT JOIN anc a ON a.pid = p.pid"),
        );
        ctes.push(
            "sel",
            None,
            false,
            format!(
                "SELECT e.pid{}\n  FROM ev2 e JOIN pa b ON b.pid = e.pid GROUP BY e.pid",
                self.stage(Stage::Select)
            ),
        );
        let sel_cols: String = self
            .facts
            .iter()
            .filter(|f| f.1 == Stage::Select)
            .map(|f| format!(", s.{}", f.0))
            .collect();
        ctes.push(
            "pas",
            None,
            true,
            format!("SELECT b.*{sel_cols} FROM pa b LEFT JOIN sel s ON s.pid = b.pid"),
        );
        ctes.push(
            "stc",
            None,
            false,
            format!(
                "SELECT e.pid{}\n  FROM ev e JOIN pas b ON b.pid = e.pid GROUP BY e.pid",
                self.stage(Stage::Detail)
            ),
        );
        let det_cols: String = self
            .facts
            .iter()
            .filter(|f| f.1 == Stage::Detail)
            .map(|f| format!(", c.{}", f.0))
            .collect();
        // `count ... at least N days apart`, greedily from the earliest date in the window:
        // every such count in one table of days (`k` the count, `gap` its days), then, but
        // for Spark, one recursion that follows each day to the next day counted.
        let mut apart_joins = String::new();
        let mut apart_cols = String::new();
        if !self.apart.is_empty() {
            let mut days = Vec::new();
            for k in 0..self.apart.len() {
                let (l, w, n, _) = self.apart[k].clone();
                let inw = self.within(w, "e.d");
                days.push(format!(
                    "SELECT DISTINCT {k} AS k, {n} AS gap, e.pid AS pid, e.d AS d FROM ev e JOIN pa b ON b.pid = e.pid WHERE e.l = {l} AND {inw}"
                ));
            }
            let days = days.join("\n    UNION ALL ");
            match d {
                Dialect::Spark => ctes.push(
                    "ca",
                    None,
                    false,
                    format!(
                    "SELECT k, pid, aggregate(array_sort(collect_list(d)), \
                     named_struct('last', CAST(NULL AS DATE), 'n', 0), \
                     (acc, x) -> IF(acc.last IS NULL OR datediff(x, acc.last) >= gap, \
                     named_struct('last', x, 'n', acc.n + 1), acc)).n AS n FROM (\n    {days}) q GROUP BY k, gap, pid"
                    ),
                ),
                _ => {
                    let next = match d {
                        Dialect::Sqlite => "date(x.d, '+' || x.gap || ' days')".to_string(),
                        _ => "(x.d + x.gap)".to_string(),
                    };
                    ctes.push("ca_d", None, true, format!(
                        "SELECT q.k, q.gap, q.pid, q.d, ROW_NUMBER() OVER (PARTITION BY q.k, q.pid ORDER BY q.d) AS rn FROM (\n    {days}) q"
                    ));
                    ctes.push("ca_n", None, true, format!(
                        "SELECT x.k, x.pid, x.rn, (SELECT MIN(y.rn) FROM ca_d y WHERE y.k = x.k AND y.pid = x.pid AND y.d >= {next}) AS nxt FROM ca_d x"
                    ));
                    ctes.push(
                        "ca_r",
                        Some("k, pid, rn, n"),
                        false,
                        "SELECT k, pid, rn, 1 FROM ca_d WHERE rn = 1\n  \
                         UNION ALL SELECT c.k, c.pid, x.nxt, c.n + 1 FROM ca_r c JOIN ca_n x ON x.k = c.k AND x.pid = c.pid AND x.rn = c.rn WHERE x.nxt IS NOT NULL"
                            .to_string(),
                    );
                    ctes.push(
                        "ca",
                        None,
                        false,
                        "SELECT k, pid, MAX(n) AS n FROM ca_r GROUP BY k, pid".into(),
                    );
                }
            }
            let cols: Vec<String> = (0..self.apart.len())
                .map(|k| format!("MAX(CASE WHEN k = {k} THEN n END) AS ca{k}"))
                .collect();
            ctes.push(
                "cap",
                None,
                false,
                format!("SELECT pid, {} FROM ca GROUP BY pid", cols.join(", ")),
            );
            apart_joins.push_str(" LEFT JOIN cap ON cap.pid = b.pid");
            for k in 0..self.apart.len() {
                let _ = write!(apart_cols, ", cap.ca{k}");
            }
        }
        ctes.push(
            "base",
            None,
            true,
            format!(
                "SELECT b.*{det_cols}{apart_cols} FROM pas b LEFT JOIN stc c ON c.pid = b.pid{apart_joins}"
            ),
        );
        let mut prev = "base".to_string();
        for (k, cols) in level_sql.iter().enumerate() {
            let name = format!("lv{}", k + 1);
            let body: Vec<String> = cols.iter().map(|(n, e)| format!("{e} AS {n}")).collect();
            ctes.push(
                &name,
                None,
                true,
                format!("SELECT q.*,\n    {}\n  FROM {prev} q", body.join(",\n    ")),
            );
            prev = name;
        }
        let regs: Vec<String> = (0..prog.registers.len()).map(|r| format!("r{r}")).collect();
        let mut cst_cols = vec!["q.*".to_string()];
        cst_cols.extend(strata_cols.iter().cloned());
        ctes.push(
            "cst",
            None,
            true,
            format!("SELECT {}\n  FROM {prev} q WHERE q.registered", cst_cols.join(",\n    ")),
        );
        let mut cls_cols = vec!["q.practice_id".to_string()];
        cls_cols.extend(regs.iter().map(|r| format!("q.{r}")));
        cls_cols.extend(
            prog.indicators
                .iter()
                .enumerate()
                .filter(|(_, i)| !i.strata.is_empty() && i.kind == Kind::Fraction)
                .map(|(i, _)| format!("q.t{i}")),
        );
        cls_cols.extend(class_cols.iter().cloned());
        ctes.push("cls", None, true, format!("SELECT {}\n  FROM cst q", cls_cols.join(",\n    ")));
        // Counts per practice.
        let mut cats: Vec<String> = Vec::new();
        for ind in &prog.indicators {
            for a in &ind.adjustments {
                let k = a.category.key().to_string();
                if !cats.contains(&k) {
                    cats.push(k);
                }
            }
        }
        cats.sort();
        let mut reg_of_group = Vec::new();
        // One row of counts per indicator (and stratum): its position and its columns.
        let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
        let mut ord = 0usize;
        let mut labels: Vec<(usize, String, Option<usize>)> = Vec::new();
        // Every count of every practice in one pass over `cls` (`tot`), then one row per
        // indicator from it.
        let mut sums: Vec<String> = Vec::new();
        let mut sum = |e: String| -> String {
            if e == "0" {
                return e;
            }
            let name = format!("x{}", sums.len());
            sums.push(format!("{e} AS {name}"));
            name
        };
        for (i, ind) in prog.indicators.iter().enumerate() {
            let group_reg = prog.registers.iter().position(|r| r.id == ind.group);
            reg_of_group.push(group_reg);
            let mut one = |id: String, filter: String, rows: &mut Vec<(usize, Vec<String>)>| {
                let mut sel =
                    |c: &str| sum(format!("SUM(CASE WHEN {filter}{c} THEN 1 ELSE 0 END)"));
                let mut cols = vec![
                    sel(&format!("k{i} IN (1, 2)")),
                    sel(&format!("k{i} = 2")),
                    sel(&format!("k{i} >= 3")),
                ];
                for c in &cats {
                    let ks: Vec<String> = ind
                        .adjustments
                        .iter()
                        .enumerate()
                        .filter(|(_, a)| a.category.key() == c)
                        .map(|(k, _)| (3 + k).to_string())
                        .collect();
                    cols.push(if ks.is_empty() {
                        "0".into()
                    } else {
                        sel(&format!("k{i} IN ({})", ks.join(", ")))
                    });
                }
                rows.push((ord, cols));
                labels.push((ord, id, group_reg));
                ord += 1;
            };
            match ind.kind {
                Kind::Fraction => {
                    one(ind.id.clone(), String::new(), &mut rows);
                    for (s, st) in ind.strata.iter().enumerate() {
                        one(
                            crate::compile::stratum_pay_id(&ind.id, &st.id),
                            format!("t{i} = {s} AND "),
                            &mut rows,
                        );
                    }
                }
                Kind::Register => {
                    let on = match ind.register {
                        Some(r) => format!("g{r}"),
                        None => "0".into(),
                    };
                    let mut cols = vec![on.clone(), on, "0".into()];
                    cols.extend(cats.iter().map(|_| "0".to_string()));
                    rows.push((ord, cols));
                    labels.push((ord, ind.id.clone(), group_reg));
                    ord += 1;
                }
                Kind::Attested => {
                    labels.push((ord, ind.id.clone(), group_reg));
                    ord += 1;
                }
            }
        }
        let cat_names: Vec<String> = (0..cats.len()).map(|k| format!("c{k}")).collect();
        let mut cnt_cols = vec!["practice_id", "ord", "denominator", "numerator", "pcas"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>();
        cnt_cols.extend(cat_names.iter().cloned());
        let mut tot = vec!["practice_id".to_string()];
        tot.extend(
            regs.iter()
                .enumerate()
                .map(|(k, r)| format!("SUM(CASE WHEN {r} THEN 1 ELSE 0 END) AS g{k}")),
        );
        tot.extend(sums);
        ctes.push(
            "tot",
            None,
            true,
            format!("SELECT {}\n  FROM cls GROUP BY practice_id", tot.join(",\n    ")),
        );
        let zeros = || {
            let zeros: Vec<&str> = cnt_cols.iter().skip(1).map(|_| "0").collect();
            format!("SELECT practice_id, {} FROM tot WHERE 1 = 0", zeros.join(", "))
        };
        match d {
            // One pass over `tot` that unpivots it (each `tot` read is planned on its own).
            Dialect::Spark => {
                let body = if rows.is_empty() {
                    zeros()
                } else {
                    let args: Vec<String> = rows
                        .iter()
                        .map(|(o, cols)| {
                            let cols: Vec<String> =
                                cols.iter().map(|c| format!("CAST({c} AS BIGINT)")).collect();
                            format!("{o}, {}", cols.join(", "))
                        })
                        .collect();
                    format!(
                        "SELECT practice_id, {} FROM tot\n  LATERAL VIEW stack({},\n    {}) t AS {}",
                        cnt_cols[1..].join(", "),
                        rows.len(),
                        args.join(",\n    "),
                        cnt_cols[1..].join(", ")
                    )
                };
                ctes.push("cnt", None, false, body);
            }
            _ => {
                let cnt = if rows.is_empty() {
                    zeros()
                } else {
                    let sel: Vec<String> = rows
                        .iter()
                        .map(|(o, cols)| {
                            format!("SELECT practice_id, {o} AS ord, {} FROM tot", cols.join(", "))
                        })
                        .collect();
                    sel.join("\n  UNION ALL ")
                };
                ctes.push("cnt", Some(&cnt_cols.join(", ")), false, format!("\n  {cnt}"));
            }
        }
        ctes.push(
            "prs",
            None,
            false,
            format!(
                "SELECT {p} AS practice_id FROM practices UNION SELECT {p} AS practice_id FROM patients",
                p = col("practice_id")
            ),
        );
        let ind_rows: Vec<String> =
            labels.iter().map(|(o, id, _)| format!("({o}, {})", string(id))).collect();
        ctes.values("ind", "ord, indicator", &ind_rows, " ");
        ctes.write(&mut out, recursive);
        let mut reg_case = String::from("CASE");
        let mut any = false;
        for (o, _, g) in &labels {
            if let Some(r) = g {
                any = true;
                let _ = write!(reg_case, " WHEN i.ord = {o} THEN COALESCE(g.g{r}, 0)");
            }
        }
        reg_case.push_str(" ELSE NULL END");
        if !any {
            reg_case = "CAST(NULL AS INTEGER)".into();
        }
        let mut final_cols = vec![
            "x.practice_id AS practice_id".to_string(),
            "i.indicator AS indicator".to_string(),
            format!("{reg_case} AS register"),
            "COALESCE(c.denominator, 0) AS denominator".to_string(),
            "COALESCE(c.numerator, 0) AS numerator".to_string(),
            "COALESCE(c.pcas, 0) AS pcas".to_string(),
        ];
        for (k, name) in cats.iter().enumerate() {
            final_cols.push(format!("COALESCE(c.c{k}, 0) AS {}", d.ident(name)));
        }
        let _ = writeln!(
            out,
            "SELECT {}\nFROM prs x CROSS JOIN ind i\n  LEFT JOIN cnt c ON c.practice_id = x.practice_id AND c.ord = i.ord\n  LEFT JOIN tot g ON g.practice_id = x.practice_id\nORDER BY x.practice_id, i.ord;",
            final_cols.join(",\n  ")
        );
        out
    }
}

/// The stages of a script: the common table expressions of one `WITH` query, or, in Spark
/// (which inlines a common table expression wherever it is read, and has no `MATERIALIZED`),
/// one temporary view per stage, cached when it is read more than once, so that each stage is
/// planned and computed once (`docs/sql.md`).
struct Stages {
    d: Dialect,
    /// Each stage as the script writes it.
    items: Vec<String>,
}

impl Stages {
    /// Stage `name` of literal `rows` (columns `cols`), the rows each after `sep` (a line
    /// break and indent, or a space): `VALUES`, or in Spark, which names a `VALUES` table's
    /// columns only in a `FROM`, `SELECT * FROM VALUES ... AS t(cols)`.
    fn values(&mut self, name: &str, cols: &str, rows: &[String], sep: &str) {
        let rows = rows.join(&format!(",{sep}"));
        match self.d {
            Dialect::Spark => {
                let body = format!("SELECT * FROM VALUES{sep}{rows}{sep}AS t({cols})");
                self.push(name, None, false, body);
            }
            _ => self.push(name, Some(cols), false, format!("VALUES{sep}{rows}")),
        }
    }

    /// Stage `name` (its columns named by `cols` when `body` does not name them), computed once
    /// when `reused` (read by more than one later stage, or by one stage more than once).
    fn push(&mut self, name: &str, cols: Option<&str>, reused: bool, body: String) {
        let cols = cols.map_or(String::new(), |c| format!("({c})"));
        self.items.push(match self.d {
            Dialect::Spark => {
                let mut s = format!("CREATE OR REPLACE TEMPORARY VIEW {name}{cols} AS\n{body};");
                if reused {
                    let _ = write!(s, "\nCACHE TABLE {name};");
                }
                s
            }
            _ => {
                let m = if reused { "MATERIALIZED " } else { "" };
                format!("{name}{cols} AS {m}({body})")
            }
        });
    }

    /// The stages, ready for the final `SELECT`.
    fn write(&self, out: &mut String, recursive: bool) {
        if self.d == Dialect::Spark {
            for s in &self.items {
                out.push_str(s);
                out.push('\n');
            }
            return;
        }
        let _ = writeln!(out, "WITH {}", if recursive { "RECURSIVE" } else { "" }.trim_end());
        out.push_str(&self.items.join(",\n"));
        out.push('\n');
    }
}

fn range(col: &str, min: Option<i32>, max: Option<i32>) -> String {
    match (min, max) {
        (None, None) => "TRUE".into(),
        (Some(a), None) => format!("({col} >= {a})"),
        (None, Some(b)) => format!("({col} <= {b})"),
        (Some(a), Some(b)) => format!("({col} >= {a} AND {col} <= {b})"),
    }
}
