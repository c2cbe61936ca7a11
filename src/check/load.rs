//! Finding and parsing the root file and its ancestors.

use crate::diag::{did_you_mean, Code, Diagnostic};
use crate::scheme::Sources;
use crate::syntax::ast::{self, Item};
use std::collections::{HashMap, HashSet};

/// One file of the inheritance chain, parsed.
pub(super) struct Unit {
    pub file: usize,
    pub ast: ast::File,
    /// The scheme id declared by the file's header (empty if it has none).
    pub id: String,
    /// The file parsed without syntax errors.
    pub syntax_ok: bool,
}

impl Unit {
    pub fn header(&self) -> Option<&ast::Scheme> {
        self.ast.expanded().find_map(|i| match i {
            Item::Scheme(s) => Some(s),
            _ => None,
        })
    }
}

/// The scheme id a text declares, read cheaply from its first statement (`scheme ID ...`),
/// skipping whitespace and comments. Used to find parents without parsing every file.
pub(super) fn header_id(text: &str) -> Option<&str> {
    #[cfg(test)]
    super::work::add(&super::work::HEADERS, 1);
    let mut rest = text.trim_start_matches('\u{FEFF}');
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map(|i| &r[i..]).unwrap_or("");
        } else {
            break;
        }
    }
    let r = rest.strip_prefix("scheme")?;
    if !r.starts_with(|c: char| c.is_whitespace()) {
        return None;
    }
    let r = r.trim_start();
    let end = r.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(r.len());
    if end == 0 {
        None
    } else {
        Some(&r[..end])
    }
}

/// Parses the root file and its ancestors, root first. Syntax errors and problems with the
/// `extends` clauses (unknown parent, cycle) go to `diags`.
///
/// Linear in the length of the chain and the number of files: each file's header is read
/// once into an index, and the chain's ids and files are kept in hash sets.
pub(super) fn chain(sources: &mut Sources, root: usize, diags: &mut Vec<Diagnostic>) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    let mut index = SchemeIndex::new(sources);
    let mut ids_in_chain: HashMap<String, usize> = HashMap::new();
    let mut file = root;
    loop {
        let (tree, syntax) = crate::syntax::parse(&sources.files[file].text, file);
        let syntax_ok = syntax.is_empty();
        diags.extend(syntax);
        let unit = Unit { file, ast: tree, id: String::new(), syntax_ok };
        let (id, extends) = match unit.header() {
            Some(h) => (h.id.name.clone(), h.extends.clone()),
            None => (String::new(), None),
        };
        index.in_chain.insert(file);
        ids_in_chain.entry(id.clone()).or_insert(out.len());
        out.push(Unit { id, ..unit });
        let Some(parent) = extends else { break };
        if parent.name.is_empty() {
            break;
        }
        // a cycle: the parent is already in the chain
        if let Some(&pos) = ids_in_chain.get(&parent.name) {
            let mut path: Vec<String> = out[pos..].iter().map(|u| format!("`{}`", u.id)).collect();
            path.push(format!("`{}`", parent.name));
            diags.push(
                Diagnostic::error(
                    Code::ExtendsCycle,
                    file,
                    parent.span,
                    format!("scheme `{}` extends itself", parent.name),
                )
                .with_help(format!("the chain {} goes round in a circle", path.join(" extends "))),
            );
            break;
        }
        match index.find(sources, &parent.name) {
            Some(f) => file = f,
            None => {
                // never a scheme of the chain itself (its own id, or a child's): that
                // suggestion would be a cycle
                let known: Vec<String> = known_ids(sources)
                    .into_iter()
                    .filter(|id| !ids_in_chain.contains_key(id))
                    .collect();
                let d = Diagnostic::error(
                    Code::UnknownScheme,
                    file,
                    parent.span,
                    format!("unknown scheme `{}`", parent.name),
                );
                let d = match did_you_mean(&parent.name, known.iter().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(
                        "a parent is looked up by scheme id among the files given and the shipped schemes in `rules/`",
                    ),
                };
                diags.push(d);
                break;
            }
        }
    }
    out
}

/// The run's files by the scheme id their header declares, read once.
struct SchemeIndex {
    /// Scheme id -> the files declaring it, in file order.
    by_id: HashMap<String, Vec<usize>>,
    /// Files already in the chain.
    in_chain: HashSet<usize>,
}

impl SchemeIndex {
    fn new(sources: &Sources) -> SchemeIndex {
        let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in sources.files.iter().enumerate() {
            if let Some(id) = header_id(&f.text) {
                by_id.entry(id.to_string()).or_default().push(i);
            }
        }
        SchemeIndex { by_id, in_chain: HashSet::new() }
    }

    /// The file declaring scheme `id`: among the run's files (not already in the chain), then
    /// among the shipped schemes (appended to `sources`).
    fn find(&mut self, sources: &mut Sources, id: &str) -> Option<usize> {
        if let Some(files) = self.by_id.get(id) {
            if let Some(&f) = files.iter().find(|f| !self.in_chain.contains(f)) {
                return Some(f);
            }
        }
        let (name, text) =
            crate::shipped::SCHEMES.iter().find(|(_, text)| header_id(text) == Some(id))?;
        // already appended by an earlier run (then it was found above unless it is in the chain)
        if let Some(i) = sources.files.iter().position(|f| f.name == *name) {
            return if self.in_chain.contains(&i) { None } else { Some(i) };
        }
        let i = sources.add(*name, *text);
        self.by_id.entry(id.to_string()).or_default().push(i);
        Some(i)
    }
}

fn known_ids(sources: &Sources) -> Vec<String> {
    let mut ids: Vec<String> =
        sources.files.iter().filter_map(|f| header_id(&f.text)).map(str::to_string).collect();
    ids.extend(crate::shipped::SCHEMES.iter().filter_map(|(_, t)| header_id(t)).map(String::from));
    ids
}
