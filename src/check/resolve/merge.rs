//! Per-file checks (the header's presence and place, duplicate names and statements) and
//! inheritance: each file of the chain applied on top of what it inherits (keep, retire,
//! change, redefinition).

use super::{Cx, Entry, IndEntry};
use crate::check::load::Unit;
use crate::diag::{did_you_mean, Code, Diagnostic};
use crate::scheme::Status;
use crate::syntax::ast::{self, IndStmt, Item, ReportDim, SchemeStmt, Span};
use std::collections::{HashMap, HashSet};

impl<'a> Cx<'a> {
    /// Checks that need one file only: the header's presence and place, duplicate names,
    /// duplicate statements.
    pub(super) fn file_checks(&mut self, unit: &'a Unit) {
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
        let mut seen: [HashMap<&str, (Span, &str)>; 8] = Default::default();
        for item in unit.ast.expanded() {
            let (ns, id, what) = match item {
                Item::Codelist(c) => (0, &c.id, "code list"),
                Item::Define(d) => (0, &d.id, "definition"),
                Item::Register(r) => (1, &r.id, "register"),
                Item::Indicator(x) => (2, &x.id, "indicator"),
                Item::Change(c) => (3, &c.id, "change"),
                Item::Gateway(g) => (4, &g.id, "gateway"),
                Item::Tier(t) => (4, &t.id, "tier"),
                Item::Obligation(o) => (5, &o.id, "obligation"),
                Item::Category(c) => (6, &c.id, "adjustment category"),
                Item::Adjustments(a) => (7, &a.id, "adjustment set"),
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

    pub(super) fn header_duplicates(&mut self, s: &ast::Scheme, file: usize) {
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut models: HashMap<(bool, &str), Span> = HashMap::new();
        for st in &s.stmts {
            let kind = match st {
                SchemeStmt::PaymentFor { group, name, span, .. } => {
                    let of = if *group { "group" } else { "domain" };
                    if let Some(first) = models.get(&(*group, name.name.as_str())) {
                        let line = self.line_of(file, first.start);
                        self.push(
                            Diagnostic::error(
                                Code::DuplicateStatement,
                                file,
                                *span,
                                format!("{of} `{}` is given two payment models", name.name),
                            )
                            .with_help(format!(
                                "the first is on line {line}; a {of} is paid on one model: remove one"
                            ))
                            .with_label(*first, "first given here"),
                        );
                    } else {
                        models.insert((*group, name.name.as_str()), *span);
                    }
                    continue;
                }
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

    pub(super) fn block_duplicates(&mut self, stmts: &[IndStmt], file: usize) {
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

    pub(super) fn duplicate_stmt(
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
    pub(super) fn merge(&mut self, unit: &'a Unit, is_root: bool, has_parent: bool) {
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
                    SchemeStmt::PaymentFor { group, name, model, .. } => {
                        let p = &mut self.header.payment_for;
                        p.retain(|(_, g, n, _)| !(g == group && n.name == name.name));
                        p.push((file, *group, name, model));
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

        // What this file inherits is `self.indicators` until its own indicators are added at
        // the end (looked up, never copied, so a long chain of files stays linear).
        let mut retired: HashSet<String> = HashSet::new();
        let mut kept: Option<HashSet<&str>> = None;
        // names listed by `keep` and `retire` in this file, with where (a name twice is an error)
        let mut listed: HashMap<&str, (Span, &str)> = HashMap::new();
        let mut changes: Vec<&'a ast::Change> = Vec::new();

        for item in unit.ast.expanded() {
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
                Item::Category(c) => {
                    self.categories.insert(&c.id.name, Entry { node: c, file, scheme, status })
                }
                Item::Adjustments(a) => {
                    self.adjustment_sets.insert(&a.id.name, Entry { node: a, file, scheme, status })
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
                        if let Some(&(first, first_word)) = listed.get(n.name.as_str()) {
                            self.listed_twice(n, file, word, first, first_word);
                            continue;
                        }
                        listed.insert(&n.name, (n.span, word));
                        if !self.indicators.contains(&n.name) {
                            self.not_inherited(n, file, parent_id);
                        } else if keep {
                            kept.get_or_insert_with(HashSet::new).insert(&n.name);
                        } else {
                            retired.insert(n.name.clone());
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
                    if !self.indicators.contains(&c.id.name) {
                        self.not_inherited(&c.id, file, parent_id);
                    } else {
                        changes.push(c);
                    }
                }
                _ => {}
            }
        }
        // retired by `retire` (the rest of `retired` is what `keep` leaves out)
        let by_retire: HashSet<String> = retired.clone();
        if let Some(kept) = &kept {
            for id in self.indicators.keys() {
                if !kept.contains(id) {
                    retired.insert(id.to_string());
                }
            }
        }
        for c in changes {
            if retired.contains(c.id.name.as_str()) {
                let help = if by_retire.contains(c.id.name.as_str()) {
                    format!("remove `{}` from `retire`, or drop the `change`", c.id.name)
                } else {
                    format!("add `{}` to `keep`, or drop the `change`", c.id.name)
                };
                self.push(
                    Diagnostic::error(
                        Code::ChangedRetired,
                        file,
                        c.id.span,
                        format!("`{}` is changed but also retired", c.id.name),
                    )
                    .with_help(help),
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
            self.retired.insert(id.to_string(), by_retire.contains(id));
        }
        // inherited and not retired, before this file's own are added
        let redefined: Vec<bool> = unit
            .ast
            .expanded()
            .filter_map(|item| match item {
                Item::Indicator(x) => Some(self.indicators.contains(&x.id.name)),
                _ => None,
            })
            .collect();
        let own = unit.ast.expanded().filter_map(|item| match item {
            Item::Indicator(x) => Some(x),
            _ => None,
        });
        for (x, redefined) in own.zip(redefined) {
            if redefined {
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

    /// A name listed twice by `keep` and `retire` in one file.
    fn listed_twice(
        &mut self,
        name: &ast::Ident,
        file: usize,
        word: &str,
        first: Span,
        first_word: &str,
    ) {
        let line = self.line_of(file, first.start);
        let (message, help) = if word == first_word {
            (
                format!("`{}` is listed twice in `{word}`", name.name),
                format!("the first is on line {line}; remove one"),
            )
        } else {
            (
                format!("`{}` is in both `keep` and `retire`", name.name),
                format!(
                    "the `{first_word}` is on line {line}; an indicator is either kept or retired"
                ),
            )
        };
        self.push(
            Diagnostic::error(Code::DuplicateName, file, name.span, message)
                .with_help(help)
                .with_label(first, format!("first listed here, in `{first_word}`")),
        );
    }

    pub(super) fn no_parent(&mut self, word: &str, span: Span, file: usize) {
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

    pub(super) fn not_inherited(&mut self, name: &ast::Ident, file: usize, parent: &str) {
        if !self.names {
            return;
        }
        let d = Diagnostic::error(
            Code::NotInherited,
            file,
            name.span,
            format!("`{}` is not an indicator of `{parent}`", name.name),
        );
        // suggestions scan the table: as for undefined names, only the first few get one
        self.undefined += 1;
        let suggestion = if self.undefined <= super::MAX_SUGGESTIONS {
            did_you_mean(&name.name, self.indicators.keys()).map(str::to_string)
        } else {
            None
        };
        let d = match suggestion {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "`keep`, `retire` and `change` name indicators inherited from `{parent}`"
            )),
        };
        self.push(d);
    }
}
