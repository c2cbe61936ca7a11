//! Code lists (unions expanded, files read), registers and definitions, cycles among them,
//! and the unused ones.

use super::{dfs, Cx, Dep};
use crate::diag::{Code, Diagnostic};
use crate::scheme::{self, Condition, Origin, Status};
use crate::syntax::ast::{self, Span};
use std::collections::HashMap;

impl<'a> Cx<'a> {
    /// Registers and definitions, their conditions checked and cycles among them reported.
    pub(super) fn build_registers_and_defines(
        &mut self,
    ) -> (Vec<scheme::Register>, Vec<scheme::Define>) {
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
                list_type: scheme::ListType::total(),
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
                        let cond = self.expr(e, file, &mut deps);
                        out.filter = Some(Condition { file, node: e.clone(), cond });
                    }
                    ast::RegisterStmt::Prevalence { adjusted, .. } => {
                        out.prevalence_adjusted = *adjusted
                    }
                    ast::RegisterStmt::List { list_type } => {
                        match scheme::ListType::parse(&list_type.name) {
                            Some(lt) => out.list_type = lt,
                            None => self.push(
                                Diagnostic::error(
                                    Code::BadListType,
                                    file,
                                    list_type.span,
                                    format!("`{}` is not a patient-list type", list_type.name),
                                )
                                .with_help(
                                    "write `TOTAL`, `NNOV` (aged NN or over, e.g. `17OV`) or `NN_MM` (aged NN to MM, e.g. `30_74`)",
                                ),
                            ),
                        }
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
            let cond = self.expr(&d.expr, file, &mut deps);
            if let Some(p) = self.defines.position(&d.id.name) {
                def_deps.push((p, deps));
            }
            defines.push(scheme::Define {
                id: d.id.name.clone(),
                title: d.title.as_ref().map(|t| t.value.clone()),
                expr: Condition { file, node: d.expr.clone(), cond },
                origin: self.origin(file, d.span, scheme, status),
            });
        }
        self.cycles(&reg_deps, &def_deps);
        (registers, defines)
    }

    pub(super) fn build_codelists(&mut self) -> Vec<scheme::Codelist> {
        let n = self.codelists.slots();
        let mut own: Vec<Vec<u64>> = vec![Vec::new(); n];
        let mut adj: Vec<Vec<(usize, (Span, usize))>> = vec![Vec::new(); n];
        let names_by_path: HashMap<String, usize> = self
            .sources
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (crate::check::normalize(&f.name), i))
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
                    let name =
                        crate::check::resolve_path(&self.sources.files[file].name, &path.value);
                    match names_by_path.get(&name) {
                        Some(&f) => {
                            let mut d = Vec::new();
                            own[p] = crate::check::codefile::read_codes(
                                &self.sources.files[f].text,
                                f,
                                &mut d,
                            );
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
    pub(super) fn cycles(
        &mut self,
        regs: &[(usize, Vec<Dep<'a>>)],
        defs: &[(usize, Vec<Dep<'a>>)],
    ) {
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

    pub(super) fn unused(&mut self, root: usize) {
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
}
