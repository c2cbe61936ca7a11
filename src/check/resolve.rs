//! Inheritance and resolution: merges the chain of files into symbol tables (oldest ancestor
//! first, so that each file's keep / retire / change / redefinitions apply to what it inherits),
//! then checks every part against the merged tables and builds the [`Scheme`].

use super::load::Unit;
use crate::diag::{did_you_mean, Code, Diagnostic, LineIndex};
use crate::scheme::{self, Located, Origin, Scheme, Sources, Status};
use crate::syntax::ast::{
    self, Category, IndStmt, Item, Num, PaymentModel, ReportDim, RoundingItem, SchemeStmt, Span,
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
}

impl<T> Table<T> {
    fn new() -> Self {
        Table { items: Vec::new(), index: HashMap::new() }
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
        self.items.iter().flatten().map(|(k, v)| (k.as_str(), v))
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
    /// Files with syntax errors: no further diagnostics are reported in them.
    bad_files: HashSet<usize>,
    /// Name resolution is trustworthy (no file of the chain has syntax errors).
    pub names: bool,
    undefined: usize,
    pub codelists: Table<Entry<'a, ast::Codelist>>,
    pub registers: Table<Entry<'a, ast::Register>>,
    pub defines: Table<Entry<'a, ast::Define>>,
    pub indicators: Table<IndEntry<'a>>,
    gateways: Table<Entry<'a, ast::Gateway>>,
    tiers: Table<Entry<'a, ast::Tier>>,
    obligations: Table<Entry<'a, ast::Obligation>>,
    header: Header<'a>,
    pub used_lists: HashSet<&'a str>,
    pub used_defines: HashSet<&'a str>,
    /// Line starts per file, built on first use (for "the first is on line N").
    lines: HashMap<usize, LineIndex>,
    /// Inherited indicators retired by `keep` or `retire` (to explain references to them).
    retired: HashSet<String>,
}

/// Merges the chain and builds the scheme. `chain` is root first.
pub(super) fn resolve(
    sources: &Sources,
    chain: &[Unit],
    diags: &mut Vec<Diagnostic>,
) -> Option<Scheme> {
    let complete = !chain.last().and_then(|u| u.header()).is_some_and(|h| h.extends.is_some());
    let bad_files: HashSet<usize> = chain.iter().filter(|u| !u.syntax_ok).map(|u| u.file).collect();
    let mut cx = Cx {
        sources,
        diags: Vec::new(),
        // an unknown parent or a cycle leaves names (and header statements) unresolvable
        names: bad_files.is_empty() && complete,
        bad_files,
        undefined: 0,
        codelists: Table::new(),
        registers: Table::new(),
        defines: Table::new(),
        indicators: Table::new(),
        gateways: Table::new(),
        tiers: Table::new(),
        obligations: Table::new(),
        header: Header::default(),
        used_lists: HashSet::new(),
        used_defines: HashSet::new(),
        lines: HashMap::new(),
        retired: HashSet::new(),
    };
    for (i, unit) in chain.iter().enumerate().rev() {
        cx.file_checks(unit);
        let has_parent = i + 1 < chain.len();
        cx.merge(unit, i == 0, has_parent);
    }
    let scheme = cx.build(chain);
    diags.append(&mut cx.diags);
    scheme
}

impl<'a> Cx<'a> {
    // ------------------------------------------------------------------ reporting

    pub fn push(&mut self, d: Diagnostic) {
        if !d.source().is_some_and(|(f, _)| self.bad_files.contains(&f)) {
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
        if !self.names {
            return;
        }
        self.undefined += 1;
        if what.contains("indicator") && self.retired.contains(&name.name) {
            self.push(
                Diagnostic::error(
                    Code::UndefinedName,
                    file,
                    name.span,
                    format!("{what} `{}` is retired", name.name),
                )
                .with_help(format!(
                    "keep `{}` (`keep` lists the inherited indicators that stay), or stop naming it here",
                    name.name
                )),
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

    // ------------------------------------------------------------------ per-file checks

    /// Checks that need one file only: the header's presence and place, duplicate names,
    /// duplicate statements.
    fn file_checks(&mut self, unit: &'a Unit) {
        let file = unit.file;
        let mut headers = unit.ast.items.iter().enumerate().filter_map(|(i, it)| match it {
            Item::Scheme(s) => Some((i, s)),
            _ => None,
        });
        match headers.next() {
            None => {
                if unit.syntax_ok {
                    self.push(
                        Diagnostic::error(
                            Code::MissingScheme,
                            file,
                            Span::new(0, 0),
                            "missing scheme header",
                        )
                        .with_help(
                            "start the file with `scheme ID \"title\" { period ..., point value ... }`",
                        ),
                    );
                }
            }
            Some((i, s)) => {
                if i != 0 {
                    self.push(
                        Diagnostic::error(
                            Code::MisplacedScheme,
                            file,
                            s.id.span,
                            "the scheme header must come first",
                        )
                        .with_help("move `scheme ...` to the top of the file"),
                    );
                }
                self.header_duplicates(s, file);
            }
        }
        for (_, s) in headers {
            let first = unit.header().map(|h| h.id.span);
            let line = self.line_of(file, first.map_or(0, |f| f.start));
            let d = Diagnostic::error(
                Code::DuplicateScheme,
                file,
                s.id.span,
                format!("a second scheme header `{}`", s.id.name),
            )
            .with_help(format!("a file describes one scheme; its header is on line {line}"));
            self.push(match first {
                Some(f) => d.with_label(f, "the first header"),
                None => d,
            });
        }

        // duplicate names, per namespace
        let mut seen: [HashMap<&str, (Span, &str)>; 6] = Default::default();
        for item in &unit.ast.items {
            let (ns, id, what) = match item {
                Item::Codelist(c) => (0, &c.id, "code list"),
                Item::Define(d) => (0, &d.id, "definition"),
                Item::Register(r) => (1, &r.id, "register"),
                Item::Indicator(x) => (2, &x.id, "indicator"),
                Item::Change(c) => (3, &c.id, "change"),
                Item::Gateway(g) => (4, &g.id, "gateway"),
                Item::Tier(t) => (4, &t.id, "tier"),
                Item::Obligation(o) => (5, &o.id, "obligation"),
                _ => continue,
            };
            if id.name.is_empty() {
                continue;
            }
            if let Some(&(first, first_what)) = seen[ns].get(id.name.as_str()) {
                let line = self.line_of(file, first.start);
                let msg = if ns == 3 {
                    format!("`{}` is changed twice", id.name)
                } else if first_what != what {
                    format!("{what} `{}` has the same name as a {first_what}", id.name)
                } else {
                    format!("{what} `{}` is defined twice", id.name)
                };
                let help = if ns == 0 {
                    format!("the first is on line {line}; code lists and definitions share one set of names")
                } else {
                    format!("the first is on line {line}; rename or remove one")
                };
                self.push(
                    Diagnostic::error(Code::DuplicateName, file, id.span, msg)
                        .with_help(help)
                        .with_label(first, "first defined here"),
                );
            } else {
                seen[ns].insert(&id.name, (id.span, what));
            }
            match item {
                Item::Indicator(x) => self.block_duplicates(&x.stmts, file),
                Item::Change(c) => self.block_duplicates(&c.stmts, file),
                _ => {}
            }
        }
    }

    fn header_duplicates(&mut self, s: &ast::Scheme, file: usize) {
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for st in &s.stmts {
            let kind = match st {
                SchemeStmt::Period { .. } => "period",
                SchemeStmt::PointValue { .. } => "point value",
                SchemeStmt::ListSize { .. } => "national average list size",
                SchemeStmt::NationalPrevalence { .. } => "national prevalence",
                SchemeStmt::Rounding { .. } => "rounding",
                SchemeStmt::Payment { .. } => "payment",
                SchemeStmt::Aspiration { .. } => "aspiration",
                SchemeStmt::ZeroDenominator { .. } => "empty denominator",
                SchemeStmt::Report(_) => continue,
            };
            self.duplicate_stmt(&mut seen, kind, st.span(), file);
        }
    }

    fn block_duplicates(&mut self, stmts: &[IndStmt], file: usize) {
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut strata: HashMap<&str, Span> = HashMap::new();
        for st in stmts {
            match st {
                IndStmt::Report(_) => {}
                IndStmt::Stratum(s) => {
                    if let Some(first) = strata.get(s.id.name.as_str()) {
                        let line = self.line_of(file, first.start);
                        self.push(
                            Diagnostic::error(
                                Code::DuplicateName,
                                file,
                                s.id.span,
                                format!("stratum `{}` is defined twice", s.id.name),
                            )
                            .with_help(format!("the first is on line {line}; rename or remove one"))
                            .with_label(*first, "first defined here"),
                        );
                    } else {
                        strata.insert(&s.id.name, s.id.span);
                    }
                    let mut inner: HashMap<&'static str, Span> = HashMap::new();
                    for x in &s.stmts {
                        self.duplicate_stmt(&mut inner, x.kind(), x.span(), file);
                    }
                }
                _ => {
                    let kind = match st.kind() {
                        "kind" => "register` or `attested",
                        k => k,
                    };
                    self.duplicate_stmt(&mut seen, kind, st.span(), file);
                }
            }
        }
    }

    fn duplicate_stmt(
        &mut self,
        seen: &mut HashMap<&'static str, Span>,
        kind: &'static str,
        span: Span,
        file: usize,
    ) {
        if let Some(first) = seen.get(kind) {
            let line = self.line_of(file, first.start);
            self.push(
                Diagnostic::error(
                    Code::DuplicateStatement,
                    file,
                    span,
                    format!("`{kind}` is given twice"),
                )
                .with_help(format!("the first is on line {line}; remove one"))
                .with_label(*first, "first given here"),
            );
        } else {
            seen.insert(kind, span);
        }
    }

    // ------------------------------------------------------------------ inheritance

    /// Applies one file of the chain on top of what it inherits.
    fn merge(&mut self, unit: &'a Unit, is_root: bool, has_parent: bool) {
        let file = unit.file;
        let scheme: &'a str = &unit.id;
        let status = if is_root { Status::Defined } else { Status::Inherited };
        let header = unit.header();
        let extends = header.and_then(|h| h.extends.as_ref());
        let parent_id = extends.map(|e| e.name.as_str()).unwrap_or("");

        if let Some(h) = header {
            let mut reports: Vec<(usize, &'a ReportDim)> = Vec::new();
            for st in &h.stmts {
                match st {
                    SchemeStmt::Period { start, end, span } => {
                        self.header.period = Some((file, *start, *end, *span))
                    }
                    SchemeStmt::PointValue { value, .. } => {
                        self.header.point_value = Some((file, value))
                    }
                    SchemeStmt::ListSize { value, .. } => {
                        self.header.list_size = Some((file, value))
                    }
                    SchemeStmt::NationalPrevalence { .. } => {
                        self.header.national = Some((file, st))
                    }
                    SchemeStmt::Rounding { items, modes, .. } => {
                        self.header.rounding = Some((file, items, modes))
                    }
                    SchemeStmt::Payment { model, to_networks, .. } => {
                        self.header.payment = Some((file, model, *to_networks))
                    }
                    SchemeStmt::Aspiration { share, .. } => {
                        self.header.aspiration = Some((file, share))
                    }
                    SchemeStmt::ZeroDenominator { full, .. } => self.header.zero_full = Some(*full),
                    SchemeStmt::Report(r) => reports.push((file, r)),
                }
            }
            if !reports.is_empty() {
                self.header.reports = Some(reports);
            }
        }

        // what this file inherits
        let inherited: HashSet<String> = self.indicators.keys().map(str::to_string).collect();
        let mut retired: HashSet<&str> = HashSet::new();
        let mut kept: Option<HashSet<&str>> = None;
        let mut changes: Vec<&'a ast::Change> = Vec::new();

        for item in &unit.ast.items {
            match item {
                Item::Codelist(c) => {
                    self.codelists.insert(&c.id.name, Entry { node: c, file, scheme, status })
                }
                Item::Register(r) => {
                    self.registers.insert(&r.id.name, Entry { node: r, file, scheme, status })
                }
                Item::Define(d) => {
                    self.defines.insert(&d.id.name, Entry { node: d, file, scheme, status })
                }
                Item::Gateway(g) => {
                    self.gateways.insert(&g.id.name, Entry { node: g, file, scheme, status })
                }
                Item::Tier(t) => {
                    self.tiers.insert(&t.id.name, Entry { node: t, file, scheme, status })
                }
                Item::Obligation(o) => {
                    self.obligations.insert(&o.id.name, Entry { node: o, file, scheme, status })
                }
                Item::Keep(list) | Item::Retire(list) => {
                    let keep = matches!(item, Item::Keep(_));
                    let word = if keep { "keep" } else { "retire" };
                    if !has_parent {
                        if extends.is_none() {
                            self.no_parent(word, list.span, file);
                        }
                        continue;
                    }
                    for n in &list.names {
                        if !inherited.contains(&n.name) {
                            self.not_inherited(n, file, parent_id, &inherited);
                        } else if keep {
                            kept.get_or_insert_with(HashSet::new).insert(&n.name);
                        } else {
                            retired.insert(&n.name);
                        }
                    }
                    if keep {
                        kept.get_or_insert_with(HashSet::new);
                    }
                }
                Item::Change(c) => {
                    if !has_parent {
                        if extends.is_none() {
                            self.no_parent("change", c.id.span, file);
                        }
                        continue;
                    }
                    if !inherited.contains(&c.id.name) {
                        self.not_inherited(&c.id, file, parent_id, &inherited);
                    } else {
                        changes.push(c);
                    }
                }
                _ => {}
            }
        }
        if let Some(kept) = &kept {
            for id in &inherited {
                if !kept.contains(id.as_str()) {
                    retired.insert(id);
                }
            }
        }
        for c in changes {
            if retired.contains(c.id.name.as_str()) {
                self.push(
                    Diagnostic::warning(
                        Code::ChangedRetired,
                        file,
                        c.id.span,
                        format!("`{}` is changed but also retired", c.id.name),
                    )
                    .with_help(format!(
                        "add `{}` to `keep` (or remove it from `retire`), or drop the `change`",
                        c.id.name
                    )),
                );
                continue;
            }
            if let Some(e) = self.indicators.get_mut(&c.id.name) {
                let mut kinds: Vec<&'static str> = Vec::new();
                for s in &c.stmts {
                    if !kinds.contains(&s.kind()) {
                        kinds.push(s.kind());
                    }
                }
                e.stmts.retain(|(_, s)| !kinds.contains(&s.kind()));
                e.stmts.extend(c.stmts.iter().map(|s| (file, s)));
                for k in kinds {
                    if !e.changed.iter().any(|x| x == k) {
                        e.changed.push(k.to_string());
                    }
                }
                e.status = Status::Changed;
            }
        }
        for id in &retired {
            self.indicators.remove(id);
            self.retired.insert(id.to_string());
        }
        for item in &unit.ast.items {
            if let Item::Indicator(x) = item {
                if inherited.contains(&x.id.name) && !retired.contains(x.id.name.as_str()) {
                    self.push(
                        Diagnostic::error(
                            Code::RedefinedInherited,
                            file,
                            x.id.span,
                            format!("indicator `{}` is inherited from `{parent_id}`", x.id.name),
                        )
                        .with_help(format!(
                            "use `change {} {{ ... }}` to change it, or `retire {}` before redefining it",
                            x.id.name, x.id.name
                        )),
                    );
                    continue;
                }
                self.retired.remove(&x.id.name);
                self.indicators.insert(
                    &x.id.name,
                    IndEntry {
                        node: x,
                        file,
                        scheme,
                        status,
                        stmts: x.stmts.iter().map(|s| (file, s)).collect(),
                        changed: Vec::new(),
                    },
                );
            }
        }
    }

    fn no_parent(&mut self, word: &str, span: Span, file: usize) {
        self.push(
            Diagnostic::error(
                Code::NotInherited,
                file,
                span,
                format!("`{word}` in a scheme that extends nothing"),
            )
            .with_help("add `extends PARENT` to the scheme header to inherit its indicators"),
        );
    }

    fn not_inherited(
        &mut self,
        name: &ast::Ident,
        file: usize,
        parent: &str,
        inherited: &HashSet<String>,
    ) {
        if !self.names {
            return;
        }
        let d = Diagnostic::error(
            Code::NotInherited,
            file,
            name.span,
            format!("`{}` is not an indicator of `{parent}`", name.name),
        );
        let d = match did_you_mean(&name.name, inherited.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "`keep`, `retire` and `change` name indicators inherited from `{parent}`"
            )),
        };
        self.push(d);
    }

    // ------------------------------------------------------------------ building

    fn origin(&self, file: usize, span: Span, scheme: &str, status: Status) -> Origin {
        Origin { file, span, scheme: scheme.to_string(), status }
    }

    fn build(&mut self, chain: &'a [Unit]) -> Option<Scheme> {
        let root = chain.first()?;
        let root_header = root.header();

        let codelists = self.build_codelists();

        // registers and definitions, with their dependencies for cycle detection
        let mut registers = Vec::new();
        let mut reg_deps: Vec<(usize, Vec<Dep<'a>>)> = Vec::new();
        let regs: Vec<(&'a ast::Register, usize, &'a str, Status)> =
            self.registers.iter().map(|(_, e)| (e.node, e.file, e.scheme, e.status)).collect();
        for (r, file, scheme, status) in regs {
            let mut deps = Vec::new();
            let mut out = scheme::Register {
                id: r.id.name.clone(),
                title: r.title.value.clone(),
                min_age: None,
                max_age: None,
                filter: None,
                prevalence_adjusted: true,
                list_type: "TOTAL".to_string(),
                origin: self.origin(file, r.span, scheme, status),
            };
            for st in &r.stmts {
                match st {
                    ast::RegisterStmt::Age(a) => {
                        self.age_range(a, file);
                        if a.months {
                            self.push(
                                Diagnostic::error(
                                    Code::BadAgeRange,
                                    file,
                                    a.span,
                                    "a register's age limits are in whole years",
                                )
                                .with_help(
                                    "patient-list types count whole years; test an age in months in the register's `where` condition: `where aged 8 to 19 months and ...`",
                                ),
                            );
                        }
                        out.min_age = a.min;
                        out.max_age = a.max;
                    }
                    ast::RegisterStmt::Where(e) => {
                        self.expr(e, file, &mut deps);
                        out.filter = Some(Located { file, node: e.clone() });
                    }
                    ast::RegisterStmt::Prevalence { adjusted, .. } => {
                        out.prevalence_adjusted = *adjusted
                    }
                    ast::RegisterStmt::List { list_type } => {
                        // Checked here so that a checked scheme always compiles.
                        if crate::compile::ListType::parse(&list_type.name).is_none() {
                            self.push(
                                Diagnostic::error(
                                    Code::BadListType,
                                    file,
                                    list_type.span,
                                    format!("`{}` is not a patient-list type", list_type.name),
                                )
                                .with_help(
                                    "write `TOTAL`, `NNOV` (aged NN or over, e.g. `17OV`) or `NN_MM` (aged NN to MM, e.g. `30_74`)",
                                ),
                            );
                        }
                        out.list_type = list_type.name.clone();
                    }
                }
            }
            if let Some(p) = self.registers.position(&r.id.name) {
                reg_deps.push((p, deps));
            }
            registers.push(out);
        }
        let mut defines = Vec::new();
        let mut def_deps: Vec<(usize, Vec<Dep<'a>>)> = Vec::new();
        let defs: Vec<(&'a ast::Define, usize, &'a str, Status)> =
            self.defines.iter().map(|(_, e)| (e.node, e.file, e.scheme, e.status)).collect();
        for (d, file, scheme, status) in defs {
            let mut deps = Vec::new();
            self.expr(&d.expr, file, &mut deps);
            if let Some(p) = self.defines.position(&d.id.name) {
                def_deps.push((p, deps));
            }
            defines.push(scheme::Define {
                id: d.id.name.clone(),
                title: d.title.as_ref().map(|t| t.value.clone()),
                expr: Located { file, node: d.expr.clone() },
                origin: self.origin(file, d.span, scheme, status),
            });
        }
        self.cycles(&reg_deps, &def_deps);

        // header
        let period = self.header.period;
        let scheme_year = period.map(|(_, start, _, _)| {
            let (y, m, _) = start.date.ymd();
            if m >= 4 {
                y
            } else {
                y - 1
            }
        });
        let mut point_value = Decimal::ZERO;
        if let Some(h) = root_header.filter(|_| self.names) {
            if period.is_none() {
                self.push(
                    Diagnostic::error(
                        Code::MissingStatement,
                        root.file,
                        h.id.span,
                        format!("scheme `{}` has no `period`", h.id.name),
                    )
                    .with_help("add `period 2019-04-01 to 2020-03-31` (the end is the payment period end date)"),
                );
            }
            match self.header.point_value {
                None => self.push(
                    Diagnostic::error(
                        Code::MissingStatement,
                        root.file,
                        h.id.span,
                        format!("scheme `{}` has no `point value`", h.id.name),
                    )
                    .with_help("add `point value £187.74` (pounds per point)"),
                ),
                Some((f, n)) => point_value = self.dec(n, f).unwrap_or_default(),
            }
        }
        if let Some((f, start, end, span)) = period {
            if end.date <= start.date {
                self.push(
                    Diagnostic::error(
                        Code::BadPeriod,
                        f,
                        span,
                        format!("the period ends on {}, not after it starts", end.date),
                    )
                    .with_help("write `period START to END` with END after START"),
                );
            }
        }
        let list_size = match self.header.list_size {
            Some((f, n)) => self.dec(n, f),
            None => None,
        };
        let national_prevalence = match self.header.national {
            Some((f, st)) => super::national::statement(self, st, f),
            None => None,
        };
        let mut rounding: Vec<(ast::RoundingTarget, u32)> = Vec::new();
        let mut rounding_mode = None;
        let mut payment_per = ast::RoundingUnit::Line;
        if let Some((f, items, modes)) = self.header.rounding {
            for (k, (mode, span)) in modes.iter().enumerate() {
                if k == 0 {
                    rounding_mode = Some(*mode);
                } else {
                    self.push(
                        Diagnostic::error(Code::BadRounding, f, *span, "a second rounding mode")
                            .with_help(
                            "one mode rounds everything: `half up`, `half even` or `toward zero`",
                        ),
                    );
                }
            }
            for it in items {
                if let Some((unit, span)) = it.per {
                    if it.target == ast::RoundingTarget::Payment {
                        payment_per = unit;
                    } else {
                        self.push(
                            Diagnostic::error(
                                Code::BadRounding,
                                f,
                                span,
                                "only payments are rounded per line, group or practice",
                            )
                            .with_help("write `payment 2 decimals per group`; achievement, points, CPI and APDF are rounded where they are computed"),
                        );
                    }
                }
                if rounding.iter().any(|(t, _)| *t == it.target) {
                    self.push(
                        Diagnostic::error(
                            Code::BadRounding,
                            f,
                            it.span,
                            format!("`{}` is rounded twice", it.target.word()),
                        )
                        .with_help("give each value one number of decimal places"),
                    );
                    continue;
                }
                match it.places.text.parse::<u32>() {
                    Ok(p) if p <= 10 => rounding.push((it.target, p)),
                    _ => self.push(
                        Diagnostic::error(
                            Code::BadRounding,
                            f,
                            it.places.span,
                            format!("cannot round to `{}` decimal places", it.places.text),
                        )
                        .with_help("use at most 10 decimal places"),
                    ),
                }
            }
        }
        let aspiration = match self.header.aspiration {
            Some((f, n)) => self.percent(n, f),
            None => None,
        };

        // indicators
        let mut indicators = Vec::new();
        let ids: Vec<String> = self.indicators.keys().map(str::to_string).collect();
        for id in &ids {
            if let Some(ind) = self.indicator(id) {
                indicators.push(ind);
            }
        }

        let (payment, paid_to_networks) = match self.header.payment {
            Some((f, m, net)) => (self.payment(m, f, scheme_year), net),
            None => (scheme::PaymentModel::Performance, false),
        };

        let mut reports = Vec::new();
        if let Some(rs) = self.header.reports.take() {
            for (f, r) in rs {
                self.report(r, f);
                reports.push(Located { file: f, node: r.clone() });
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

        // the root file's tests
        let mut tests = Vec::new();
        for item in &root.ast.items {
            if let Item::Test(t) = item {
                self.test(t, root.file, &indicators);
                tests.push(Located { file: root.file, node: t.clone() });
            }
        }

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

        Some(Scheme {
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
            tests,
        })
    }

    /// A percentage as a fraction (35% -> 0.35), at most 100%.
    fn percent(&mut self, n: &Num, file: usize) -> Option<Decimal> {
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

    fn build_codelists(&mut self) -> Vec<scheme::Codelist> {
        let n = self.codelists.slots();
        let mut own: Vec<Vec<u64>> = vec![Vec::new(); n];
        let mut adj: Vec<Vec<(usize, (Span, usize))>> = vec![Vec::new(); n];
        let names_by_path: HashMap<String, usize> = self
            .sources
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (super::normalize(&f.name), i))
            .collect();
        let entries: Vec<(usize, &'a ast::Codelist, usize)> = self
            .codelists
            .iter()
            .filter_map(|(k, e)| self.codelists.position(k).map(|p| (p, e.node, e.file)))
            .collect();
        for &(p, c, file) in &entries {
            match &c.body {
                ast::CodelistBody::Inline { codes } => {
                    own[p] = codes.iter().map(|(c, _)| *c).collect()
                }
                ast::CodelistBody::File { path } => {
                    let name = super::resolve_path(&self.sources.files[file].name, &path.value);
                    match names_by_path.get(&name) {
                        Some(&f) => {
                            let mut d = Vec::new();
                            own[p] =
                                super::codefile::read_codes(&self.sources.files[f].text, f, &mut d);
                            for x in d {
                                self.push(x);
                            }
                        }
                        None => self.push(
                            Diagnostic::error(
                                Code::MissingFile,
                                file,
                                path.span,
                                format!("cannot find code list file `{}`", path.value),
                            )
                            .with_help(format!(
                                "looked for `{name}`, relative to the rule file's folder"
                            )),
                        ),
                    }
                }
                ast::CodelistBody::Union { lists } => {
                    for l in lists {
                        self.used_lists.insert(&l.name);
                        match self.codelists.position(&l.name) {
                            Some(q) if self.codelists.contains(&l.name) => {
                                adj[p].push((q, (l.span, file)))
                            }
                            _ => {
                                self.undefined(
                                    "code list",
                                    l,
                                    file,
                                    |cx| cx.codelists.keys().map(String::from).collect(),
                                    "`includes` names other code lists",
                                );
                            }
                        }
                    }
                }
            }
        }
        let (post, cycles) = dfs(&adj);
        let mut names: Vec<Option<String>> = vec![None; n];
        for &(p, c, _) in &entries {
            names[p] = Some(c.id.name.clone());
        }
        for (path, (span, file)) in cycles {
            let first = path.first().and_then(|&i| names[i].clone()).unwrap_or_default();
            let mut chain: Vec<String> =
                path.iter().filter_map(|&i| names[i].as_ref()).map(|s| format!("`{s}`")).collect();
            chain.push(format!("`{first}`"));
            self.push(
                Diagnostic::error(
                    Code::Cycle,
                    file,
                    span,
                    format!("code list `{first}` includes itself"),
                )
                .with_help(if path.len() == 1 {
                    "a code list cannot include itself".to_string()
                } else {
                    format!("the code lists include each other in a circle: {}", chain.join(" -> "))
                }),
            );
        }
        let mut codes: Vec<Vec<u64>> = vec![Vec::new(); n];
        for u in post {
            let mut all = std::mem::take(&mut own[u]);
            for &(v, _) in &adj[u] {
                if v != u {
                    all.extend_from_slice(&codes[v]);
                }
            }
            all.sort_unstable();
            all.dedup();
            codes[u] = all;
        }
        entries
            .iter()
            .filter_map(|&(p, c, file)| {
                let e = self.codelists.get(&c.id.name)?;
                Some(scheme::Codelist {
                    id: c.id.name.clone(),
                    title: c.title.value.clone(),
                    codes: std::mem::take(&mut codes[p]),
                    origin: Origin {
                        file,
                        span: c.span,
                        scheme: e.scheme.to_string(),
                        status: e.status,
                    },
                })
            })
            .collect()
    }

    /// Reports cycles among definitions and registers (`define a = b`, `define b = a`).
    fn cycles(&mut self, regs: &[(usize, Vec<Dep<'a>>)], defs: &[(usize, Vec<Dep<'a>>)]) {
        let nd = self.defines.slots();
        let n = nd + self.registers.slots();
        let mut adj: Vec<Vec<(usize, (Span, usize))>> = vec![Vec::new(); n];
        let mut names: Vec<String> = vec![String::new(); n];
        for (offset, list) in [(0, defs), (nd, regs)] {
            for (p, deps) in list {
                for d in deps {
                    let target = if d.register {
                        self.registers.position(d.name).map(|q| q + nd)
                    } else {
                        self.defines.position(d.name)
                    };
                    if let Some(t) = target {
                        adj[offset + p].push((t, (d.span, d.file)));
                    }
                }
            }
        }
        if adj.iter().all(Vec::is_empty) {
            return;
        }
        for (k, _) in self.defines.iter() {
            if let Some(p) = self.defines.position(k) {
                names[p] = format!("`{k}`");
            }
        }
        for (k, _) in self.registers.iter() {
            if let Some(p) = self.registers.position(k) {
                names[nd + p] = format!("register `{k}`");
            }
        }
        let (_, cycles) = dfs(&adj);
        for (path, (span, file)) in cycles {
            let first = path.first().map(|&i| names[i].clone()).unwrap_or_default();
            let mut chain: Vec<String> = path.iter().map(|&i| names[i].clone()).collect();
            chain.push(first.clone());
            let what = if path.first().is_some_and(|&i| i >= nd) { "" } else { "definition " };
            self.push(
                Diagnostic::error(
                    Code::Cycle,
                    file,
                    span,
                    format!("{what}{first} depends on itself"),
                )
                .with_help(if path.len() == 1 {
                    "a condition cannot refer to itself".to_string()
                } else {
                    format!("they refer to each other in a circle: {}", chain.join(" -> "))
                }),
            );
        }
    }

    fn unused(&mut self, root: usize) {
        if !self.names {
            return;
        }
        let mut warnings = Vec::new();
        for (k, e) in self.codelists.iter() {
            if e.file == root && !self.used_lists.contains(k) {
                warnings.push(
                    Diagnostic::warning(
                        Code::UnusedCodelist,
                        root,
                        e.node.id.span,
                        format!("code list `{k}` is never used"),
                    )
                    .with_help("use it in a condition, or remove it"),
                );
            }
        }
        for (k, e) in self.defines.iter() {
            if e.file == root && !self.used_defines.contains(k) && !self.codelists.contains(k) {
                warnings.push(
                    Diagnostic::warning(
                        Code::UnusedDefine,
                        root,
                        e.node.id.span,
                        format!("definition `{k}` is never used"),
                    )
                    .with_help("use it in a condition, or remove it"),
                );
            }
        }
        for w in warnings {
            self.push(w);
        }
    }

    // ------------------------------------------------------------------ indicators

    fn thresholds(
        &mut self,
        lower: &Num,
        upper: &Num,
        lower_points: Option<&Num>,
        span: Span,
        file: usize,
    ) -> Option<scheme::Thresholds> {
        let l = self.dec(lower, file)?;
        let u = self.dec(upper, file)?;
        let lp = match lower_points {
            Some(n) => self.dec(n, file)?,
            None => Decimal::ZERO,
        };
        let mut ok = true;
        if let Some(n) = lower_points.filter(|_| lp < Decimal::ZERO) {
            ok = false;
            self.push(
                Diagnostic::error(
                    Code::BadPoints,
                    file,
                    n.span,
                    format!("`{}` points at the lower threshold is negative", n.text),
                )
                .with_help("write the points earned on reaching the lower threshold, 0 or more"),
            );
        }
        for (v, n) in [(l, lower), (u, upper)] {
            if v > Decimal::ONE_HUNDRED {
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::BadThresholds,
                        file,
                        n.span,
                        format!("threshold `{}%` is above 100%", n.text),
                    )
                    .with_help("thresholds are percentages of the denominator, 0% to 100%"),
                );
            }
        }
        if ok && l >= u {
            ok = false;
            self.push(
                Diagnostic::error(
                    Code::BadThresholds,
                    file,
                    span,
                    format!(
                        "the lower threshold `{}%` is not below the upper `{}%`",
                        lower.text, upper.text
                    ),
                )
                .with_help("write `thresholds LOWER% to UPPER%` with LOWER below UPPER"),
            );
        }
        ok.then(|| scheme::Thresholds {
            lower: l / Decimal::ONE_HUNDRED,
            upper: u / Decimal::ONE_HUNDRED,
            lower_points: lp,
        })
    }

    /// Points at the lower threshold can be at most the points they are part of.
    fn lower_points_within(
        &mut self,
        thresholds: Option<scheme::Thresholds>,
        written: Option<(usize, &Num)>,
        points: Decimal,
        of: &str,
    ) -> bool {
        let (Some(t), Some((file, n))) = (thresholds, written) else { return true };
        if t.lower_points <= points {
            return true;
        }
        self.push(
            Diagnostic::error(
                Code::BadPoints,
                file,
                n.span,
                format!(
                    "`{}` points at the lower threshold is more than the {} points of {of}",
                    n.text,
                    points.normalize()
                ),
            )
            .with_help(
                "the points at the lower threshold are part of the points: at most all of them",
            ),
        );
        false
    }

    fn points(&mut self, n: &Num, file: usize) -> Option<Decimal> {
        let v = self.dec(n, file)?;
        if v < Decimal::ZERO {
            self.push(
                Diagnostic::error(
                    Code::BadPoints,
                    file,
                    n.span,
                    format!("`{}` points is negative", n.text),
                )
                .with_help("an indicator is worth 0 points or more; one worth 0 is measured and reported but earns nothing (or write `monitored`)"),
            );
            return None;
        }
        Some(v)
    }

    fn indicator(&mut self, id: &str) -> Option<scheme::Indicator> {
        let (node, file, scheme, status, stmts, changed) = {
            let e = self.indicators.get(id)?;
            (e.node, e.file, e.scheme, e.status, e.stmts.clone(), e.changed.clone())
        };
        let mut title = node.title.value.clone();
        let mut group = None;
        let mut domain = None;
        let mut points: Option<(usize, &'a Num)> = None;
        let mut thresholds = None;
        let mut kind: Option<(usize, &'a IndStmt)> = None;
        let mut monitored = false;
        let mut denominator: Option<(usize, &'a ast::Cohort, Option<&'a ast::Expr>)> = None;
        let mut exclude = None;
        let mut achieved = None;
        let mut adjustments: Option<(usize, &'a [ast::Adjustment])> = None;
        let mut strata: Vec<(usize, &'a ast::Stratum)> = Vec::new();
        let mut reports = Vec::new();
        let mut ok = true;
        for &(f, s) in &stmts {
            match s {
                IndStmt::Title(t) => title = t.value.clone(),
                IndStmt::Group(g) => group = Some(g.name.clone()),
                IndStmt::Domain(d) => domain = Some(d.name.clone()),
                IndStmt::Points(n) => points = Some((f, n)),
                IndStmt::Thresholds { lower, upper, lower_points, span } => {
                    thresholds = Some((f, lower, upper, lower_points.as_ref(), *span))
                }
                IndStmt::RegisterKind(_) | IndStmt::Attested(_) => kind = Some((f, s)),
                IndStmt::Monitored(_) => monitored = true,
                IndStmt::Denominator { cohort, filter, .. } => {
                    denominator = Some((f, cohort, filter.as_ref()))
                }
                IndStmt::Exclude(e) => exclude = Some((f, e)),
                IndStmt::Achieved(e) => achieved = Some((f, e)),
                IndStmt::Adjustments { items, .. } => adjustments = Some((f, items)),
                IndStmt::Stratum(st) => strata.push((f, st)),
                IndStmt::Report(r) => reports.push((f, r)),
            }
        }
        let missing = |cx: &mut Self, what: &str, help: &str| {
            cx.push(
                Diagnostic::error(
                    Code::MissingStatement,
                    file,
                    node.id.span,
                    format!("indicator `{id}` has no {what}"),
                )
                .with_help(help.to_string()),
            );
        };
        if group.is_none() {
            missing(
                self,
                "`group`",
                "add `group NAME`; a group with a register of the same name is prevalence-adjusted",
            );
            ok = false;
        }
        if domain.is_none() {
            missing(self, "`domain`", "add `domain NAME`, e.g. `domain CL`");
            ok = false;
        }

        let mut ind_kind = scheme::Kind::Fraction;
        let mut register = None;
        if let Some((f, k)) = kind {
            match k {
                IndStmt::RegisterKind(r) => {
                    ind_kind = scheme::Kind::Register;
                    if !self.registers.contains(&r.name) {
                        ok = false;
                        self.undefined(
                            "register",
                            r,
                            f,
                            |cx| cx.registers.keys().map(String::from).collect(),
                            "a register indicator names a `register` defined in the scheme",
                        );
                    }
                    register = Some(r.name.clone());
                }
                _ => ind_kind = scheme::Kind::Attested,
            }
        }

        // thresholds of the indicator
        let ind_thresholds = match thresholds {
            Some((f, l, u, lp, span)) => {
                let t = self.thresholds(l, u, lp, span, f);
                ok &= t.is_some();
                t
            }
            None => None,
        };

        // cohort and conditions
        let mut cohort = None;
        let mut filter = None;
        if let Some((f, c, flt)) = denominator {
            cohort = Some(match c {
                ast::Cohort::AllPatients { .. } => scheme::Cohort::AllPatients,
                ast::Cohort::Register { register } => {
                    if !self.registers.contains(&register.name) {
                        ok = false;
                        self.undefined(
                            "register",
                            register,
                            f,
                            |cx| cx.registers.keys().map(String::from).collect(),
                            "a denominator starts from a register, or from `patients`",
                        );
                    }
                    scheme::Cohort::Register(register.name.clone())
                }
            });
            if let Some(e) = flt {
                self.expr(e, f, &mut Vec::new());
                filter = Some(Located { file: f, node: e.clone() });
            }
        }
        let exclude = exclude.map(|(f, e)| {
            self.expr(e, f, &mut Vec::new());
            Located { file: f, node: e.clone() }
        });
        let achieved = achieved.map(|(f, e)| {
            self.expr(e, f, &mut Vec::new());
            Located { file: f, node: e.clone() }
        });
        let mut adjs = Vec::new();
        if let Some((f, items)) = adjustments {
            let mut seen: Vec<&Category> = Vec::new();
            for a in items {
                if seen.contains(&&a.category) {
                    self.push(
                        Diagnostic::warning(
                            Code::DuplicateCategory,
                            f,
                            a.category_span,
                            format!(
                                "adjustment category `{}` is listed twice",
                                a.category.source()
                            ),
                        )
                        .with_help(format!(
                            "only the first `{}` can apply; join the conditions with `or`",
                            a.category.source()
                        )),
                    );
                } else {
                    seen.push(&a.category);
                }
                self.expr(&a.when, f, &mut Vec::new());
                adjs.push(scheme::Adjustment {
                    category: a.category.clone(),
                    label: a.label.as_ref().map(|t| t.value.clone()),
                    when: Located { file: f, node: a.when.clone() },
                });
            }
        }

        // strata
        let mut out_strata = Vec::new();
        let mut otherwise: Option<&str> = None;
        let mut conditions: Vec<(String, &str, u32, usize)> = Vec::new();
        let mut sum = Decimal::ZERO;
        let mut all_points = true;
        for &(f, st) in &strata {
            if let Some(o) = otherwise {
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::UnreachableStratum,
                        f,
                        st.id.span,
                        format!("stratum `{}` can never be reached", st.id.name),
                    )
                    .with_help(format!(
                        "it comes after the `otherwise` stratum `{o}`, which takes every remaining patient"
                    )),
                );
            }
            match &st.when {
                None => otherwise = otherwise.or(Some(&st.id.name)),
                Some(w) => {
                    self.expr(w, f, &mut Vec::new());
                    let text = self.normalized(f, w.span);
                    if let Some((_, earlier, at, ef)) = conditions.iter().find(|c| c.0 == text) {
                        let line = self.line_of(*ef, *at);
                        let earlier = earlier.to_string();
                        ok = false;
                        self.push(
                            Diagnostic::error(
                                Code::UnreachableStratum,
                                f,
                                st.id.span,
                                format!("stratum `{}` can never be reached", st.id.name),
                            )
                            .with_help(format!(
                                "its condition is the same as stratum `{earlier}`'s on line {line}, which takes those patients first"
                            )),
                        );
                    } else {
                        conditions.push((text, &st.id.name, st.id.span.start, f));
                    }
                }
            }
            let mut s_ach = None;
            let mut s_thr = None;
            let mut s_lp = None;
            let mut s_pts = None;
            for x in &st.stmts {
                match x {
                    IndStmt::Achieved(e) => {
                        self.expr(e, f, &mut Vec::new());
                        s_ach = Some(Located { file: f, node: e.clone() });
                    }
                    IndStmt::Thresholds { lower, upper, lower_points, span } => {
                        s_thr = self.thresholds(lower, upper, lower_points.as_ref(), *span, f);
                        s_lp = lower_points.as_ref().map(|n| (f, n));
                        ok &= s_thr.is_some();
                    }
                    IndStmt::Points(n) => {
                        s_pts = self.points(n, f);
                        ok &= s_pts.is_some();
                    }
                    _ => {}
                }
            }
            let s_ach = s_ach.or_else(|| achieved.clone());
            if s_ach.is_none() {
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::MissingStatement,
                        f,
                        st.id.span,
                        format!("stratum `{}` has no `achieved when` condition", st.id.name),
                    )
                    .with_help("add `achieved when ...` to the stratum or to the indicator"),
                );
            }
            let s_lp =
                s_lp.or_else(|| thresholds.and_then(|(tf, _, _, lp, _)| lp.map(|n| (tf, n))));
            let s_thr = s_thr.or(ind_thresholds);
            if let Some(p) = s_pts {
                let of = format!("stratum `{}`", st.id.name);
                ok &= self.lower_points_within(s_thr, s_lp, p, &of);
            }
            if s_thr.is_none() && !monitored && thresholds.is_none() {
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::MissingStatement,
                        f,
                        st.id.span,
                        format!("stratum `{}` has no thresholds", st.id.name),
                    )
                    .with_help("add `thresholds L% to U%` to the stratum or to the indicator"),
                );
            }
            let has_points = st.stmts.iter().any(|x| matches!(x, IndStmt::Points(_)));
            if !has_points {
                all_points = false;
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::MissingStatement,
                        f,
                        st.id.span,
                        format!("stratum `{}` has no points", st.id.name),
                    )
                    .with_help(
                        "each stratum has its own `points N`; the indicator's are their sum",
                    ),
                );
            }
            sum += s_pts.unwrap_or_default();
            out_strata.push(scheme::Stratum {
                id: st.id.name.clone(),
                when: st.when.as_ref().map(|w| Located { file: f, node: w.clone() }),
                achieved: s_ach,
                thresholds: s_thr,
                points: s_pts.unwrap_or_default(),
            });
        }

        // points
        let pts = match points {
            Some((f, n)) => {
                let p = self.points(n, f);
                ok &= p.is_some();
                if let Some(p) = p {
                    if !strata.is_empty() && all_points && p != sum {
                        ok = false;
                        self.push(
                            Diagnostic::error(
                                Code::StrataPoints,
                                f,
                                n.span,
                                format!("the strata's points add up to {sum}, not {p}"),
                            )
                            .with_help("make the strata's points add up to the indicator's, or leave out the indicator's `points`"),
                        );
                    }
                }
                p.unwrap_or_default()
            }
            None if !strata.is_empty() => sum,
            None if monitored => Decimal::ZERO,
            None => {
                missing(
                    self,
                    "`points`",
                    "add `points N` (or `monitored` for an indicator that is never paid)",
                );
                ok = false;
                Decimal::ZERO
            }
        };

        if strata.is_empty() {
            let lp = thresholds.and_then(|(f, _, _, lp, _)| lp.map(|n| (f, n)));
            ok &= self.lower_points_within(ind_thresholds, lp, pts, "the indicator");
        }
        if ind_kind == scheme::Kind::Fraction {
            if denominator.is_none() {
                ok = false;
                missing(
                    self,
                    "`denominator`",
                    "a fraction indicator needs `denominator REGISTER [where ...]` and `achieved when ...`; or write `attested` or `register R`",
                );
            }
            if achieved.is_none() && strata.is_empty() {
                ok = false;
                missing(
                    self,
                    "`achieved when` condition",
                    "a fraction indicator needs `achieved when ...` (or strata with their own)",
                );
            }
            if thresholds.is_none() && strata.is_empty() && !monitored {
                ok = false;
                missing(
                    self,
                    "thresholds",
                    "add `thresholds L% to U%`, e.g. `thresholds 40% to 90%`",
                );
            }
        }

        for &(f, r) in &reports {
            self.report(r, f);
        }

        ok.then(|| scheme::Indicator {
            id: id.to_string(),
            title,
            group: group.unwrap_or_default(),
            domain: domain.unwrap_or_default(),
            kind: ind_kind,
            register,
            network: node.network,
            monitored,
            points: pts,
            thresholds: ind_thresholds,
            cohort,
            filter,
            exclude,
            achieved,
            adjustments: adjs,
            strata: out_strata,
            reports: reports.iter().map(|&(f, r)| Located { file: f, node: r.clone() }).collect(),
            origin: Origin { file, span: node.span, scheme: scheme.to_string(), status },
            changed,
        })
    }

    fn report(&mut self, r: &'a ReportDim, file: usize) {
        match &r.kind {
            ast::ReportKind::Custom { classes, .. } => {
                for (_, c) in classes {
                    if let Some(e) = c {
                        self.expr(e, file, &mut Vec::new());
                    }
                }
            }
            ast::ReportKind::AgeBand { bands } => {
                for &(a, b, span) in bands {
                    if let Some(b) = b {
                        if a > b {
                            self.push(
                                Diagnostic::error(
                                    Code::BadAgeRange,
                                    file,
                                    span,
                                    format!("age band {a}-{b} is empty"),
                                )
                                .with_help("write the lower age first"),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }

    // ------------------------------------------------------------------ payment

    fn payment(
        &mut self,
        m: &'a PaymentModel,
        file: usize,
        year: Option<i32>,
    ) -> scheme::PaymentModel {
        match m {
            PaymentModel::Performance { .. } => scheme::PaymentModel::Performance,
            PaymentModel::Historic { year: y, prevalence, list_size, pounds, span } => {
                self.historic_year(y, file, year);
                if *prevalence && !self.has_adjusted_register() {
                    self.push(
                        Diagnostic::error(
                            Code::PrevalenceWithoutRegister,
                            file,
                            *span,
                            "`adjusted for prevalence`, but the scheme has no prevalence-adjusted register",
                        )
                        .with_help(
                            "APDF needs this year's registers: define the registers of the groups paid (or extend a scheme that has them), or drop `prevalence` from `adjusted for`",
                        ),
                    );
                }
                scheme::PaymentModel::Historic {
                    year: y.text.clone(),
                    prevalence: *prevalence,
                    list_size: *list_size,
                    pounds: *pounds,
                }
            }
            PaymentModel::Blend { parts, span } => {
                let mut out = Vec::new();
                let mut total = Decimal::ZERO;
                for (share, model) in parts {
                    let s = self.dec(share, file).unwrap_or_default();
                    total += s;
                    let model = self.payment(model, file, year);
                    out.push((s / Decimal::ONE_HUNDRED, model));
                }
                if total != Decimal::ONE_HUNDRED {
                    self.push(
                        Diagnostic::error(
                            Code::BlendShares,
                            file,
                            *span,
                            format!("the blend's shares add up to {total}%, not 100%"),
                        )
                        .with_help("make the shares of the models add up to 100%"),
                    );
                }
                scheme::PaymentModel::Blend { parts: out }
            }
            PaymentModel::HigherOf { a, b, except, on, .. } => {
                let a = self.payment(a, file, year);
                let b = self.payment(b, file, year);
                let (except, on) = self.except(except, on.as_deref(), file, year);
                scheme::PaymentModel::HigherOf { a: Box::new(a), b: Box::new(b), except, on }
            }
            PaymentModel::Except { base, except, on, .. } => {
                let base = self.payment(base, file, year);
                let (except, on) = self.except(except, on.as_deref(), file, year);
                scheme::PaymentModel::Except { base: Box::new(base), except, on }
            }
        }
    }

    /// An `except` clause: its indicators (each must exist) and the model they are paid on
    /// (performance unless `on` names another).
    fn except(
        &mut self,
        except: &'a [ast::Ident],
        on: Option<&'a PaymentModel>,
        file: usize,
        year: Option<i32>,
    ) -> (Vec<String>, Box<scheme::PaymentModel>) {
        for x in except {
            if !self.indicators.contains(&x.name) {
                self.undefined(
                    "indicator",
                    x,
                    file,
                    |cx| cx.indicators.keys().map(String::from).collect(),
                    "`except` names indicators of this scheme",
                );
            }
        }
        let on = match on {
            Some(m) => self.payment(m, file, year),
            None => scheme::PaymentModel::Performance,
        };
        (except.iter().map(|x| x.name.clone()).collect(), Box::new(on))
    }

    /// Whether any register of the scheme (after inheritance) is prevalence-adjusted.
    fn has_adjusted_register(&self) -> bool {
        self.registers.iter().any(|(_, e)| {
            !e.node
                .stmts
                .iter()
                .any(|s| matches!(s, ast::RegisterStmt::Prevalence { adjusted: false, .. }))
        })
    }

    fn historic_year(&mut self, y: &ast::Year, file: usize, scheme_year: Option<i32>) {
        let (a, b) = y.text.split_once('/').unwrap_or(("", ""));
        let (Ok(a), Ok(b)) = (a.parse::<i32>(), b.parse::<i32>()) else {
            return;
        };
        if (a + 1) % 100 != b {
            self.push(
                Diagnostic::error(
                    Code::BadYear,
                    file,
                    y.span,
                    format!("`{}` is not a QOF year", y.text),
                )
                .with_help(format!(
                    "a QOF year runs from April to March: write `{a}/{:02}`",
                    (a + 1) % 100
                )),
            );
            return;
        }
        if let Some(s) = scheme_year {
            if a >= s {
                self.push(
                    Diagnostic::error(
                        Code::HistoricYear,
                        file,
                        y.span,
                        format!("historic year `{}` is not before the scheme's year", y.text),
                    )
                    .with_help(format!(
                        "the scheme's year is {s}/{:02}; historic payments use an earlier year's achievement",
                        (s + 1) % 100
                    )),
                );
            }
        }
    }

    // ------------------------------------------------------------------ gateways and tiers

    fn build_gateways(&mut self, indicators: &[scheme::Indicator]) -> Vec<scheme::Gateway> {
        let entries: Vec<(&'a ast::Gateway, usize, &'a str, Status)> =
            self.gateways.iter().map(|(_, e)| (e.node, e.file, e.scheme, e.status)).collect();
        let mut out = Vec::new();
        for (g, file, scheme, status) in entries {
            for r in &g.requires {
                if self.obligations.contains(&r.name) {
                    // an obligation is attested, like an attested indicator
                } else if !self.indicators.contains(&r.name) {
                    self.undefined(
                        "indicator or obligation",
                        r,
                        file,
                        |cx| {
                            cx.indicators
                                .keys()
                                .chain(cx.obligations.keys())
                                .map(String::from)
                                .collect()
                        },
                        "a gateway requires attested indicators or obligations of this scheme",
                    );
                } else if let Some(i) = indicators.iter().find(|i| i.id == r.name) {
                    if i.kind != scheme::Kind::Attested {
                        self.push(
                            Diagnostic::error(
                                Code::TypeMismatch,
                                file,
                                r.span,
                                format!("`{}` is not an attested indicator", r.name),
                            )
                            .with_help(
                                "a gateway requires indicators marked `attested`, or obligations",
                            ),
                        );
                    }
                }
            }
            let pays = g.pays.as_ref().and_then(|p| self.dec(&p.amount, file));
            out.push(scheme::Gateway {
                id: g.id.name.clone(),
                title: g.title.value.clone(),
                requires: g.requires.iter().map(|r| r.name.clone()).collect(),
                pays,
                origin: Origin { file, span: g.span, scheme: scheme.to_string(), status },
            });
        }
        out
    }

    fn build_tiers(&mut self, indicators: &[scheme::Indicator]) -> Vec<scheme::Tier> {
        let entries: Vec<(&'a ast::Tier, usize, &'a str, Status)> =
            self.tiers.iter().map(|(_, e)| (e.node, e.file, e.scheme, e.status)).collect();
        let groups: HashSet<&str> = indicators.iter().map(|i| i.group.as_str()).collect();
        let mut out = Vec::new();
        for (t, file, scheme, status) in entries {
            if !self.gateways.contains(&t.requires.name) && !self.tiers.contains(&t.requires.name) {
                self.undefined(
                    "gateway",
                    &t.requires,
                    file,
                    |cx| cx.gateways.keys().chain(cx.tiers.keys()).map(String::from).collect(),
                    "a tier requires a gateway or another tier",
                );
            }
            for x in &t.includes {
                if !self.indicators.contains(&x.name) && !groups.contains(x.name.as_str()) {
                    self.undefined(
                        "indicator or group",
                        x,
                        file,
                        |cx| {
                            cx.indicators
                                .keys()
                                .map(String::from)
                                .chain(groups.iter().map(|g| g.to_string()))
                                .collect()
                        },
                        "a tier includes indicators or groups of this scheme",
                    );
                }
            }
            let pays = t.pays.as_ref().and_then(|p| self.dec(&p.amount, file));
            out.push(scheme::Tier {
                id: t.id.name.clone(),
                title: t.title.value.clone(),
                requires: t.requires.name.clone(),
                includes: t.includes.iter().map(|x| x.name.clone()).collect(),
                pays,
                origin: Origin { file, span: t.span, scheme: scheme.to_string(), status },
            });
        }
        out
    }

    // ------------------------------------------------------------------ tests

    fn test(&mut self, t: &'a ast::Test, file: usize, indicators: &[scheme::Indicator]) {
        let p = &t.patient;
        if p.born.is_none() {
            self.push(
                Diagnostic::error(
                    Code::IncompletePatient,
                    file,
                    p.span,
                    "the test patient has no date of birth",
                )
                .with_help("add `born YYYY-MM-DD` after `patient`"),
            );
        }
        if p.registered.is_none() {
            self.push(
                Diagnostic::error(
                    Code::IncompletePatient,
                    file,
                    p.span,
                    "the test patient has no registration date",
                )
                .with_help("add `registered YYYY-MM-DD` after `patient`"),
            );
        }
        for ev in &p.events {
            if let ast::TestCode::List { list } = &ev.code {
                self.used_lists.insert(&list.name);
                if !self.codelists.contains(&list.name) {
                    self.undefined(
                        "code list",
                        list,
                        file,
                        |cx| cx.codelists.keys().map(String::from).collect(),
                        "a test event is a SNOMED CT code or a code list's name",
                    );
                }
            }
            if let Some(born) = p.born {
                if ev.date.date < born.date {
                    self.push(
                        Diagnostic::warning(
                            Code::EventBeforeBirth,
                            file,
                            ev.date.span,
                            format!(
                                "this event is dated before the patient's birth ({})",
                                born.date
                            ),
                        )
                        .with_help(
                            "check the date; events before birth are probably typing mistakes",
                        ),
                    );
                }
            }
        }
        for ex in &t.expects {
            let Some(ind) = indicators.iter().find(|i| i.id == ex.indicator.name) else {
                if !self.indicators.contains(&ex.indicator.name) {
                    self.undefined(
                        "indicator",
                        &ex.indicator,
                        file,
                        |cx| cx.indicators.keys().map(String::from).collect(),
                        "`expect` names an indicator of this scheme",
                    );
                }
                continue;
            };
            if let Some(s) = &ex.stratum {
                if !ind.strata.iter().any(|x| x.id == s.name) {
                    let cands: Vec<&str> = ind.strata.iter().map(|x| x.id.as_str()).collect();
                    let help = if cands.is_empty() {
                        format!("indicator `{}` has no strata", ind.id)
                    } else {
                        format!(
                            "the strata of `{}` are {}",
                            ind.id,
                            cands.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                        )
                    };
                    self.undefined(
                        "stratum",
                        s,
                        file,
                        |_| cands.iter().map(|c| c.to_string()).collect(),
                        &help,
                    );
                }
            }
            if let ast::Outcome::Adjusted(Some(c)) = &ex.outcome {
                if !ind.adjustments.iter().any(|a| &a.category == c) {
                    let cands: Vec<&str> =
                        ind.adjustments.iter().map(|a| a.category.source()).collect();
                    let help = if cands.is_empty() {
                        format!("indicator `{}` has no adjustments", ind.id)
                    } else {
                        format!(
                            "the adjustment categories of `{}` are {}",
                            ind.id,
                            cands.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                        )
                    };
                    let name = ast::Ident { name: c.source().to_string(), span: ex.outcome_span };
                    self.undefined(
                        "adjustment category",
                        &name,
                        file,
                        |_| cands.iter().map(|c| c.to_string()).collect(),
                        &help,
                    );
                }
            }
        }
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
