//! Inheritance and resolution: merges the chain of files into symbol tables (oldest ancestor
//! first, so that each file's keep / retire / change / redefinitions apply to what it inherits),
//! then checks every part against the merged tables and builds the [`Scheme`].
//!
//! This file holds the symbol tables, the context [`Cx`] with its reporting helpers, and
//! [`Cx::build`], which assembles the scheme from the parts checked by the submodules: `merge`
//! (per-file checks and inheritance), `defs` (code lists, registers, definitions, cycles,
//! unused names), `header` (the scheme header), `indicators` (indicators, thresholds, points,
//! strata, reporting dimensions), `payment` (payment models, gateways, tiers) and `testcases`
//! (the root file's `test` blocks). Conditions are checked in `check/exprs.rs`.

mod defs;
mod depth;
mod header;
mod indicators;
mod merge;
mod payment;
mod periods;
mod testcases;

pub use depth::MAX_CONDITION_DEPTH;

use super::load::Unit;
use crate::diag::{did_you_mean, Code, Diagnostic, LineIndex};
use crate::scheme::{self, Origin, Scheme, Sources, Status};
use crate::syntax::ast::{
    self, IndStmt, Num, PaymentModel, ReportDim, RoundingItem, SchemeStmt, Span,
};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::str::FromStr;

/// Undefined names beyond this many get no "did you mean" (it costs a scan of the table).
const MAX_SUGGESTIONS: usize = 200;

/// An ordered symbol table: insertion order is kept, a redefinition replaces in place.
pub(super) struct Table<T> {
    items: Vec<Option<(String, T)>>,
    index: HashMap<String, usize>,
    /// Per slot, the number of live entries before it (set by [`Table::freeze`]).
    ranks: Vec<usize>,
}

impl<T> Table<T> {
    fn new() -> Self {
        Table { items: Vec::new(), index: HashMap::new(), ranks: Vec::new() }
    }
    /// Records every entry's rank once the table is complete (after inheritance).
    fn freeze(&mut self) {
        let mut n = 0;
        self.ranks = self
            .items
            .iter()
            .map(|x| {
                let r = n;
                n += usize::from(x.is_some());
                r
            })
            .collect();
    }
    /// The index of `id` among the live entries in order: its index in the scheme's list.
    pub fn rank(&self, id: &str) -> Option<usize> {
        let &i = self.index.get(id)?;
        self.items[i].as_ref()?;
        self.ranks.get(i).copied()
    }
    fn insert(&mut self, id: &str, v: T) {
        match self.index.get(id) {
            Some(&i) => self.items[i] = Some((id.to_string(), v)),
            None => {
                self.index.insert(id.to_string(), self.items.len());
                self.items.push(Some((id.to_string(), v)));
            }
        }
    }
    pub fn get(&self, id: &str) -> Option<&T> {
        self.index.get(id).and_then(|&i| self.items[i].as_ref()).map(|(_, v)| v)
    }
    fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        match self.index.get(id) {
            Some(&i) => self.items[i].as_mut().map(|(_, v)| v),
            None => None,
        }
    }
    pub fn contains(&self, id: &str) -> bool {
        self.get(id).is_some()
    }
    fn remove(&mut self, id: &str) {
        if let Some(i) = self.index.remove(id) {
            self.items[i] = None;
            // Drop the empty slots once they are most of the table, so that walking it stays
            // linear in what it holds (a chain of variants retiring and adding indicators).
            if self.items.len() > 16 && self.index.len() < self.items.len() / 2 {
                self.items.retain(Option::is_some);
                for (k, item) in self.items.iter().enumerate() {
                    if let Some((id, _)) = item {
                        self.index.insert(id.clone(), k);
                    }
                }
            }
        }
    }
    /// The position of `id` (stable; used as a graph node number).
    fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }
    fn slots(&self) -> usize {
        self.items.len()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        #[cfg(test)]
        let steps = self.items.iter().inspect(|_| super::work::add(&super::work::TABLE_STEPS, 1));
        #[cfg(not(test))]
        let steps = self.items.iter();
        steps.flatten().map(|(k, v)| (k.as_str(), v))
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(k, _)| k)
    }
}

/// A named item of one file, with where it came from.
pub(super) struct Entry<'a, N> {
    pub node: &'a N,
    pub file: usize,
    pub scheme: &'a str,
    pub status: Status,
}

/// An indicator after inheritance: its statements may come from several files.
pub(super) struct IndEntry<'a> {
    pub node: &'a ast::Indicator,
    pub file: usize,
    pub scheme: &'a str,
    pub status: Status,
    pub stmts: Vec<(usize, &'a IndStmt)>,
    pub changed: Vec<String>,
}

/// A rounding mode as written, with its span.
type ModeAt = (ast::RoundingMode, Span);

/// Header statements after inheritance, each with its file.
#[derive(Default)]
struct Header<'a> {
    period: Option<(usize, ast::DateLit, ast::DateLit, Span)>,
    point_value: Option<(usize, &'a Num)>,
    list_size: Option<(usize, &'a Num)>,
    national: Option<(usize, &'a SchemeStmt)>,
    rounding: Option<(usize, &'a [RoundingItem], &'a [ModeAt])>,
    payment: Option<(usize, &'a PaymentModel, bool)>,
    /// `domain NAME payment ...` (`false`) and `group NAME payment ...` (`true`), a variant's
    /// replacing its parent's of the same domain or group.
    payment_for: Vec<(usize, bool, &'a ast::Ident, &'a PaymentModel)>,
    aspiration: Option<(usize, &'a Num)>,
    zero_full: Option<bool>,
    reports: Option<Vec<(usize, &'a ReportDim)>>,
}

/// A reference from a definition or register to another one (for cycle detection).
#[derive(Clone, Copy)]
pub(super) struct Dep<'a> {
    pub register: bool,
    pub name: &'a str,
    pub span: Span,
    pub file: usize,
}

pub(super) struct Cx<'a> {
    pub sources: &'a Sources,
    pub diags: Vec<Diagnostic>,
    /// Recovery after syntax errors (see [`Recovered`]).
    recovered: Recovered,
    /// Name resolution is trustworthy (the chain is complete and no header was lost to a
    /// syntax error).
    pub names: bool,
    undefined: usize,
    pub codelists: Table<Entry<'a, ast::Codelist>>,
    pub registers: Table<Entry<'a, ast::Register>>,
    pub defines: Table<Entry<'a, ast::Define>>,
    pub indicators: Table<IndEntry<'a>>,
    gateways: Table<Entry<'a, ast::Gateway>>,
    tiers: Table<Entry<'a, ast::Tier>>,
    obligations: Table<Entry<'a, ast::Obligation>>,
    /// Declared adjustment categories (`category NAME "..."`), inherited.
    pub categories: Table<Entry<'a, ast::CategoryDecl>>,
    /// Named adjustment sets (`adjustments NAME { ... }`), inherited; a redefinition replaces.
    pub adjustment_sets: Table<Entry<'a, ast::AdjustmentSet>>,
    header: Header<'a>,
    pub used_lists: HashSet<&'a str>,
    pub used_defines: HashSet<&'a str>,
    /// Line starts per file, built on first use (for "the first is on line N").
    lines: HashMap<usize, LineIndex>,
    /// Inherited indicators retired (to explain references to them): true when by `retire`,
    /// false when left out of `keep`.
    retired: HashMap<String, bool>,
}

/// What the parser skipped after syntax errors, and what the checker therefore keeps quiet
/// about: everything else in a file with a syntax error is checked as usual.
///
/// - An item skipped whole may declare a name: that name is not reported as undefined.
/// - An item that lost a statement is not reported as missing statements (`missing-statement`,
///   `strata-points`, `incomplete-patient`).
/// - A file with a syntax error gets no `unused-*` warnings and no `missing-scheme` (the lost
///   text may use the names, or hold the header); if its header was lost, names are not
///   resolved at all, since the header's `extends` decides what is inherited.
struct Recovered {
    /// Names declared by items skipped whole, in any file of the chain.
    declared: HashSet<String>,
    /// Per file, the spans of the items that lost a statement.
    partial: HashMap<usize, Vec<Span>>,
    /// Files with syntax errors.
    damaged: HashSet<usize>,
    /// A file of the chain lost text and has no header (its header was skipped).
    header_lost: bool,
}

impl Recovered {
    fn new(chain: &[Unit]) -> Recovered {
        let mut r = Recovered {
            declared: HashSet::new(),
            partial: HashMap::new(),
            damaged: HashSet::new(),
            header_lost: false,
        };
        for unit in chain {
            if !unit.syntax_ok {
                r.damaged.insert(unit.file);
            }
            let skipped = &unit.ast.skipped;
            if skipped.is_empty() {
                continue;
            }
            r.header_lost |= unit.header().is_none();
            r.declared
                .extend(skipped.iter().filter_map(|s| s.declares.as_ref()).map(|n| n.name.clone()));
            let partial: Vec<Span> = unit
                .ast
                .expanded()
                .map(ast::Item::span)
                .filter(|i| skipped.iter().any(|s| i.overlaps(s.span)))
                .collect();
            if !partial.is_empty() {
                r.partial.insert(unit.file, partial);
            }
        }
        r
    }

    /// True for a diagnostic that a skipped part of its file may have caused.
    fn hides(&self, d: &Diagnostic) -> bool {
        let Some((file, span)) = d.source() else { return false };
        if !self.damaged.contains(&file) {
            return false;
        }
        match d.code {
            Code::UnusedCodelist | Code::UnusedDefine | Code::MissingScheme => true,
            Code::MissingStatement | Code::StrataPoints | Code::IncompletePatient => {
                self.partial.get(&file).is_some_and(|items| items.iter().any(|i| i.contains(span)))
            }
            _ => false,
        }
    }
}

/// Merges the chain and builds the scheme. `chain` is root first.
pub(super) fn resolve(
    sources: &Sources,
    chain: &[Unit],
    diags: &mut Vec<Diagnostic>,
) -> Option<Scheme> {
    let complete = !chain.last().and_then(|u| u.header()).is_some_and(|h| h.extends.is_some());
    let recovered = Recovered::new(chain);
    let mut cx = Cx {
        sources,
        diags: Vec::new(),
        // an unknown parent, a cycle or a header lost to a syntax error leaves names (and
        // header statements) unresolvable
        names: complete && !recovered.header_lost,
        recovered,
        undefined: 0,
        codelists: Table::new(),
        registers: Table::new(),
        defines: Table::new(),
        indicators: Table::new(),
        gateways: Table::new(),
        tiers: Table::new(),
        obligations: Table::new(),
        categories: Table::new(),
        adjustment_sets: Table::new(),
        header: Header::default(),
        used_lists: HashSet::new(),
        used_defines: HashSet::new(),
        lines: HashMap::new(),
        retired: HashMap::new(),
    };
    for (i, unit) in chain.iter().enumerate().rev() {
        cx.file_checks(unit);
        let has_parent = i + 1 < chain.len();
        cx.merge(unit, i == 0, has_parent);
    }
    cx.codelists.freeze();
    cx.registers.freeze();
    cx.defines.freeze();
    let scheme = cx.build(chain);
    diags.append(&mut cx.diags);
    scheme
}

impl<'a> Cx<'a> {
    // ------------------------------------------------------------------ reporting

    pub fn push(&mut self, d: Diagnostic) {
        if !self.recovered.hides(&d) {
            self.diags.push(d);
        }
    }

    /// Reports an undefined name, suggesting the closest of `candidates`.
    pub fn undefined(
        &mut self,
        what: &str,
        name: &ast::Ident,
        file: usize,
        candidates: impl FnOnce(&Self) -> Vec<String>,
        fallback_help: &str,
    ) {
        if !self.names || self.recovered.declared.contains(name.name.as_str()) {
            return;
        }
        self.undefined += 1;
        if let Some(&by_retire) =
            self.retired.get(&name.name).filter(|_| what.contains("indicator"))
        {
            let help = if by_retire {
                format!("remove `{}` from `retire`, or stop naming it here", name.name)
            } else {
                format!(
                    "keep `{}` (`keep` lists the inherited indicators that stay), or stop naming it here",
                    name.name
                )
            };
            self.push(
                Diagnostic::error(
                    Code::UndefinedName,
                    file,
                    name.span,
                    format!("{what} `{}` is retired", name.name),
                )
                .with_help(help),
            );
            return;
        }
        let d = Diagnostic::error(
            Code::UndefinedName,
            file,
            name.span,
            format!("undefined {what} `{}`", name.name),
        );
        let suggestion = if self.undefined <= MAX_SUGGESTIONS {
            let candidates = candidates(self);
            did_you_mean(&name.name, candidates.iter().map(String::as_str)).map(str::to_string)
        } else {
            None
        };
        let d = match suggestion {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(fallback_help.to_string()),
        };
        self.push(d);
    }

    /// The scheme's period after inheritance (the epoch when it has none: that is an error
    /// reported by the header's checks, and the scheme is then discarded).
    pub fn period_dates(&self) -> (crate::date::Date, crate::date::Date) {
        match self.header.period {
            Some((_, start, end, _)) => (start.date, end.date),
            None => (crate::date::Date(0), crate::date::Date(0)),
        }
    }

    /// The 1-based line of an offset in a file.
    pub fn line_of(&mut self, file: usize, offset: u32) -> usize {
        let text = &self.sources.files[file].text;
        let index = self.lines.entry(file).or_insert_with(|| LineIndex::new(text));
        index.position(text, offset as usize).line
    }

    /// The source text of a span, whitespace collapsed (for "textually identical").
    pub fn normalized(&self, file: usize, span: Span) -> String {
        let text = self.sources.files[file].text.get(span.range()).unwrap_or("");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// A decimal number as written; `None` (with an error) when it does not fit.
    fn dec(&mut self, n: &Num, file: usize) -> Option<Decimal> {
        match Decimal::from_str(&n.text) {
            Ok(v) => Some(v),
            Err(_) => {
                self.push(
                    Diagnostic::error(
                        Code::BadNumber,
                        file,
                        n.span,
                        format!("`{}` is too large", n.text),
                    )
                    .with_help("numbers must have at most 28 significant digits"),
                );
                None
            }
        }
    }

    // ------------------------------------------------------------------ building

    fn origin(&self, file: usize, span: Span, scheme: &str, status: Status) -> Origin {
        Origin { file, span, scheme: scheme.to_string(), status }
    }

    fn build(&mut self, chain: &'a [Unit]) -> Option<Scheme> {
        let root = chain.first()?;
        let root_header = root.header();

        let codelists = self.build_codelists();
        let (registers, defines) = self.build_registers_and_defines();
        let header::HeaderValues {
            period,
            scheme_year,
            point_value,
            list_size,
            national_prevalence,
            rounding,
            rounding_mode,
            payment_per,
            aspiration,
        } = self.build_header(root);

        // indicators
        let mut indicators = Vec::new();
        let ids: Vec<String> = self.indicators.keys().map(str::to_string).collect();
        for id in &ids {
            if let Some(ind) = self.indicator(id) {
                indicators.push(ind);
            }
        }

        // the root file's named adjustment sets that no indicator uses are checked all the same
        let used: HashSet<&str> =
            indicators.iter().filter_map(|i| i.adjustment_set.as_deref()).collect();
        let unused: Vec<&'a ast::AdjustmentSet> = self
            .adjustment_sets
            .iter()
            .filter(|(id, e)| e.file == root.file && !used.contains(id))
            .map(|(_, e)| e.node)
            .collect();
        for set in unused {
            self.adjustment_items(&set.items, root.file);
        }

        let (payment, paid_to_networks) = match self.header.payment {
            Some((f, m, net)) => (self.payment(m, f, scheme_year), net),
            None => (scheme::PaymentModel::Performance, false),
        };
        let payment = self.payment_for(payment, &indicators, root.file, scheme_year);

        let mut reports = Vec::new();
        if let Some(rs) = self.header.reports.take() {
            for (f, r) in rs {
                reports.push(self.report(r, f));
            }
        }

        let gateways = self.build_gateways(&indicators);
        let tiers = self.build_tiers(&indicators);
        let obligations = self
            .obligations
            .iter()
            .map(|(_, e)| scheme::Obligation {
                id: e.node.id.name.clone(),
                title: e.node.title.value.clone(),
                workstream: e.node.workstream.as_ref().map(|w| w.name.clone()),
                origin: Origin {
                    file: e.file,
                    span: e.node.span,
                    scheme: e.scheme.to_string(),
                    status: e.status,
                },
            })
            .collect();

        let categories = self
            .categories
            .iter()
            .map(|(_, e)| scheme::CategoryDef {
                id: e.node.id.name.clone(),
                title: e.node.title.as_ref().map(|t| t.value.clone()),
                origin: Origin {
                    file: e.file,
                    span: e.node.span,
                    scheme: e.scheme.to_string(),
                    status: e.status,
                },
            })
            .collect();

        // the root file's tests, after those it inherits
        let (tests, test_periods) = self.tests(chain, &indicators);

        self.unused(root.file);

        if self.names {
            super::national::coverage(
                self,
                root.file,
                root_header.map(|h| h.id.span),
                national_prevalence.as_ref(),
                scheme_year,
                &registers,
                &indicators,
                &payment,
            );
        }

        let scheme = Scheme {
            id: root.id.clone(),
            title: root_header.map(|h| h.title.value.clone()).unwrap_or_default(),
            lineage: chain.iter().map(|u| u.id.clone()).collect(),
            period_start: period.map(|p| p.1.date).unwrap_or(crate::date::Date(0)),
            period_end: period.map(|p| p.2.date).unwrap_or(crate::date::Date(0)),
            point_value,
            national_average_list_size: list_size,
            national_prevalence,
            rounding,
            rounding_mode,
            payment_per,
            payment,
            paid_to_networks,
            aspiration,
            empty_denominator_full: self.header.zero_full.unwrap_or(false),
            reports,
            codelists,
            registers,
            defines,
            indicators,
            gateways,
            tiers,
            obligations,
            categories,
            tests,
            test_periods,
        };
        if self.names {
            self.depth_limit(&scheme);
            self.inherited_dates(chain, &scheme);
        }
        Some(scheme)
    }

    /// A percentage as a fraction (35% -> 0.35), at most 100%.
    pub(super) fn percent(&mut self, n: &Num, file: usize) -> Option<Decimal> {
        let v = self.dec(n, file)?;
        if v > Decimal::ONE_HUNDRED {
            self.push(
                Diagnostic::error(
                    Code::BadPercentage,
                    file,
                    n.span,
                    format!("`{}%` is more than 100%", n.text),
                )
                .with_help("a share is at most 100%"),
            );
        }
        Some(v / Decimal::ONE_HUNDRED)
    }
}

/// Depth-first search over a graph given as adjacency lists with a payload per edge, from
/// every node in order, without recursion. Returns the post-order (every node after the nodes
/// it reaches, cycles aside) and, for each edge that closes a cycle, the path of nodes from the
/// edge's target to its source and the edge's payload.
pub(super) fn dfs<E: Copy>(adj: &[Vec<(usize, E)>]) -> (Vec<usize>, Vec<(Vec<usize>, E)>) {
    let n = adj.len();
    let mut state = vec![0u8; n];
    let mut post = Vec::with_capacity(n);
    let mut cycles = Vec::new();
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for s in 0..n {
        if state[s] != 0 {
            continue;
        }
        state[s] = 1;
        stack.push((s, 0));
        while let Some(top) = stack.last_mut() {
            let u = top.0;
            if top.1 < adj[u].len() {
                let (v, e) = adj[u][top.1];
                top.1 += 1;
                match state[v] {
                    0 => {
                        state[v] = 1;
                        stack.push((v, 0));
                    }
                    1 => {
                        let pos = stack.iter().position(|(x, _)| *x == v).unwrap_or(0);
                        cycles.push((stack[pos..].iter().map(|(x, _)| *x).collect(), e));
                    }
                    _ => {}
                }
            } else {
                state[u] = 2;
                post.push(u);
                stack.pop();
            }
        }
    }
    (post, cycles)
}
