//! Phase 2, check: syntax trees -> the resolved [`Scheme`], with every problem reported at its
//! exact span.
//!
//! [`check`] parses the root file and, following `extends`, its ancestors (found by scheme id
//! among the run's files first, then among the shipped schemes, which it appends to the
//! [`Sources`] so that diagnostics can point into them). It then applies inheritance (keep,
//! retire, change, redefinition), resolves every name against the merged symbol tables, checks
//! types, numbers, strata, payment models and tests, and builds the [`Scheme`].
//!
//! No file or console I/O happens here: code lists read `from "file.csv"` must already be in
//! `sources` (see [`referenced_files`] and [`resolve_path`]).

mod codefile;
mod exprs;
mod foreach;
mod load;
mod national;
mod resolve;

pub use resolve::MAX_CONDITION_DEPTH;

use crate::diag::Diagnostic;
use crate::scheme::{Scheme, Sources};
use crate::syntax::ast;

/// The outcome of checking one root file.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The resolved scheme; `Some` exactly when there are no errors (warnings allowed).
    pub scheme: Option<Scheme>,
    /// Errors and warnings, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Checks `sources.files[root]` as the root of a scheme. Parent schemes are looked up by id
/// among `sources.files`, then among [`crate::shipped::SCHEMES`] (appended to `sources` when
/// used).
pub fn check(sources: &mut Sources, root: usize) -> Checked {
    let mut diags = Vec::new();
    if root >= sources.files.len() {
        return Checked { scheme: None, diagnostics: diags };
    }
    let chain = load::chain(sources, root, &mut diags);
    // the parser's messages are about the text as written; the checker's, about one copy of a
    // `for each` body or several
    let parsed = diags.len();
    let scheme = resolve::resolve(sources, &chain, &mut diags);
    let mut checked = diags.split_off(parsed);
    foreach::label_copies(sources, &chain, &mut checked);
    diags.append(&mut checked);
    diags.sort_by_key(|d| {
        let (file, span) = d.source().unwrap_or_default();
        (file != root, file, span.start, span.end)
    });
    diags.dedup();
    let ok = !diags.iter().any(Diagnostic::is_error);
    Checked { scheme: if ok { scheme } else { None }, diagnostics: diags }
}

/// Checks one text as a root file named `name` (parents may come from the shipped schemes).
pub fn check_text(name: &str, text: &str) -> (Sources, Checked) {
    let mut sources = Sources::default();
    let root = sources.add(name, text);
    let checked = check(&mut sources, root);
    (sources, checked)
}

/// The files a rule file reads (code lists, `codelist X "..." from "file.csv"`, and national
/// prevalence, `national prevalence from "file.csv"`), as written.
/// Resolve them against the rule file's path with [`resolve_path`] before loading them into the
/// [`Sources`] under that name.
pub fn referenced_files(file: &ast::File) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in file.expanded() {
        let path = match item {
            ast::Item::Codelist(c) => match &c.body {
                ast::CodelistBody::File { path } => Some(path),
                _ => None,
            },
            ast::Item::Scheme(s) => s.stmts.iter().find_map(|st| match st {
                ast::SchemeStmt::NationalPrevalence {
                    base: Some(ast::NationalBase::File { path, .. }),
                    ..
                } => Some(path),
                _ => None,
            }),
            _ => None,
        };
        if let Some(path) = path {
            if !out.contains(&path.value) {
                out.push(path.value.clone());
            }
        }
    }
    out
}

/// The name under which a code-list file `path` (as written in the rule file `rule_file`) is
/// looked up in the [`Sources`]: relative to the rule file's directory, with `.` and `..`
/// segments folded. Absolute paths are kept.
pub fn resolve_path(rule_file: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        match rule_file.rfind('/') {
            Some(i) => format!("{}/{}", &rule_file[..i], path),
            None => path.to_string(),
        }
    };
    normalize(&joined)
}

/// Folds `.` and `..` segments and repeated slashes.
pub(crate) fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if matches!(parts.last(), Some(p) if *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    if absolute {
        format!("/{body}")
    } else {
        body
    }
}

/// Work counters, in test builds only, for the tests that keep the checker linear: they count
/// work instead of timing it.
#[cfg(test)]
pub(crate) mod work {
    use std::cell::Cell;
    thread_local! {
        /// Scheme headers read (`load::header_id`).
        pub static HEADERS: Cell<usize> = const { Cell::new(0) };
        /// Symbol-table slots visited by iteration (`resolve::Table::iter`).
        pub static TABLE_STEPS: Cell<usize> = const { Cell::new(0) };
    }

    pub fn add(counter: &'static std::thread::LocalKey<Cell<usize>>, n: usize) {
        counter.with(|c| c.set(c.get() + n));
    }

    pub fn take(counter: &'static std::thread::LocalKey<Cell<usize>>) -> usize {
        counter.with(|c| c.replace(0))
    }
}

#[cfg(test)]
mod tests;
