//! Diagnostics inside a `for each`: every copy of the body has the spans of the body as
//! written, so a problem found in one copy is reported at the body's text, labelled at the
//! `for each` header with the copy it was found in (`in `CC3`, copied from this `for each``),
//! and a problem found alike in several copies is reported once.

use super::load::Unit;
use crate::diag::{Code, Diagnostic};
use crate::scheme::Sources;
use crate::syntax::ast::{ForEach, Ident, Item, Span};
use std::collections::HashMap;

/// Labels (and merges) the diagnostics that lie in the body of a `for each` of the chain.
pub(super) fn label_copies(sources: &Sources, chain: &[Unit], diags: &mut Vec<Diagnostic>) {
    for unit in chain {
        for item in &unit.ast.items {
            if let Item::ForEach(f) = item {
                if !f.instances.is_empty() {
                    let text = sources.files.get(unit.file).map_or("", |f| f.text.as_str());
                    label_one(text, unit.file, f, diags);
                }
            }
        }
    }
}

type Key = (Code, Option<(usize, Span)>, String, Option<String>);

fn label_one(text: &str, file: usize, f: &ForEach, diags: &mut Vec<Diagnostic>) {
    let body = Span { start: f.header.end, end: f.span.end };
    let inside = |d: &Diagnostic| d.source().is_some_and(|(at, s)| at == file && body.contains(s));
    // how many copies reported each problem; the first one is kept
    let mut seen: HashMap<Key, usize> = HashMap::new();
    let mut first: HashMap<Key, usize> = HashMap::new();
    let mut keep = Vec::with_capacity(diags.len());
    for (i, d) in diags.iter().enumerate() {
        if !inside(d) {
            keep.push(true);
            continue;
        }
        let key = (d.code, d.source(), d.message.clone(), d.help.clone());
        *seen.entry(key.clone()).or_insert(0) += 1;
        let new = !first.contains_key(&key);
        first.entry(key).or_insert(i);
        keep.push(new);
    }
    let mut k = keep.into_iter();
    diags.retain(|_| k.next().unwrap_or(true));
    let pattern = format!("{{{}}}", f.var.name);
    let header = text.get(f.header.range()).unwrap_or("for each");
    for d in diags.iter_mut().filter(|d| inside(d)) {
        let Some((_, span)) = d.source() else { continue };
        let key = (d.code, d.source(), d.message.clone(), d.help.clone());
        let copies = seen.get(&key).copied().unwrap_or(1);
        let note = match copy_of(text, span, &pattern, f, d) {
            Some(i) => {
                let value = &f.instances[i].value;
                match enclosing_name(f, i, span) {
                    Some(name) => format!("in `{name}`, from `{header}`"),
                    None => format!("with `{}` = `{value}`, from `{header}`", f.var.name),
                }
            }
            None if copies >= f.instances.len() => format!("in every copy of `{header}`"),
            None => format!("in {copies} of the copies of `{header}`"),
        };
        d.labels.push(crate::diag::Label { span: f.header, message: note });
    }
}

/// The copy a diagnostic comes from, when its message names exactly one copy's version of a
/// name with the placeholder that is written at its span (`CC{N}` written, `CC3` named).
fn copy_of(text: &str, span: Span, pattern: &str, f: &ForEach, d: &Diagnostic) -> Option<usize> {
    let written = text.get(span.range())?;
    let names: Vec<&str> = written
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '{' || c == '}'))
        .filter(|w| w.contains(pattern))
        .collect();
    if names.is_empty() {
        return None;
    }
    let said = |s: &str| d.message.contains(s) || d.help.as_deref().is_some_and(|h| h.contains(s));
    let mut found = None;
    for (i, inst) in f.instances.iter().enumerate() {
        if names.iter().any(|n| said(&format!("`{}`", n.replace(pattern, &inst.value)))) {
            if found.is_some() {
                return None;
            }
            found = Some(i);
        }
    }
    found
}

/// The name declared by the item of copy `i` that holds `span`.
fn enclosing_name(f: &ForEach, i: usize, span: Span) -> Option<&str> {
    let k = f.items.iter().position(|item| item.span().contains(span))?;
    declared(f.instances[i].items.get(k)?).map(|id| id.name.as_str())
}

fn declared(item: &Item) -> Option<&Ident> {
    match item {
        Item::Codelist(x) => Some(&x.id),
        Item::Register(x) => Some(&x.id),
        Item::Define(x) => Some(&x.id),
        Item::Indicator(x) => Some(&x.id),
        Item::Change(x) => Some(&x.id),
        Item::Gateway(x) => Some(&x.id),
        Item::Tier(x) => Some(&x.id),
        Item::Obligation(x) => Some(&x.id),
        Item::Category(x) => Some(&x.id),
        Item::Adjustments(x) => Some(&x.id),
        _ => None,
    }
}
