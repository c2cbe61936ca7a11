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
/// Each diagnostic finds its `for each` by a binary search over the bodies of its file, so the
/// work is the number of diagnostics times a logarithm (and the copies of one `for each`).
pub(super) fn label_copies(sources: &Sources, chain: &[Unit], diags: &mut Vec<Diagnostic>) {
    // the bodies, by file, in text order (items do not overlap)
    let mut bodies: HashMap<usize, Vec<(Span, &ForEach)>> = HashMap::new();
    for unit in chain {
        for item in &unit.ast.items {
            if let Item::ForEach(f) = item {
                if !f.instances.is_empty() {
                    let body = Span { start: f.header.end, end: f.span.end };
                    bodies.entry(unit.file).or_default().push((body, f));
                }
            }
        }
    }
    if bodies.is_empty() {
        return;
    }
    // the diagnostics of each `for each`, in order
    let mut groups: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for (i, d) in diags.iter().enumerate() {
        let Some((file, span)) = d.source() else { continue };
        let Some(list) = bodies.get(&file) else { continue };
        let k = list.partition_point(|(b, _)| b.end < span.end);
        if list.get(k).is_some_and(|(b, _)| b.contains(span)) {
            groups.entry((file, k)).or_default().push(i);
        }
    }
    let mut drop = vec![false; diags.len()];
    for ((file, k), members) in groups {
        let (_, f) = bodies[&file][k];
        let text = sources.files.get(file).map_or("", |f| f.text.as_str());
        label_one(text, f, &members, diags, &mut drop);
    }
    let mut d = drop.into_iter();
    diags.retain(|_| !d.next().unwrap_or(false));
}

type Key = (Code, Option<(usize, Span)>, String, Option<String>);

fn key(d: &Diagnostic) -> Key {
    (d.code, d.source(), d.message.clone(), d.help.clone())
}

/// Labels the diagnostics `members` of one `for each`; a repeat of an earlier one (the same
/// problem found in another copy) is marked in `drop`.
fn label_one(
    text: &str,
    f: &ForEach,
    members: &[usize],
    diags: &mut [Diagnostic],
    drop: &mut [bool],
) {
    // how many copies reported each problem; the first report is kept
    let mut seen: HashMap<Key, usize> = HashMap::new();
    for &i in members {
        let n = seen.entry(key(&diags[i])).or_insert(0);
        *n += 1;
        drop[i] = *n > 1;
    }
    let pattern = format!("{{{}}}", f.var.name);
    let header = text.get(f.header.range()).unwrap_or("for each");
    for &i in members.iter().filter(|&&i| !drop[i]) {
        let d = &diags[i];
        let Some((_, span)) = d.source() else { continue };
        let copies = seen.get(&key(d)).copied().unwrap_or(1);
        let note = match copy_of(text, span, &pattern, f, d) {
            Some(c) => match enclosing_name(f, c, span) {
                Some(name) => format!("in `{name}`, from `{header}`"),
                None => {
                    format!("with `{}` = `{}`, from `{header}`", f.var.name, f.instances[c].value)
                }
            },
            None if copies >= f.instances.len() => format!("in every copy of `{header}`"),
            None if copies == 1 => format!("in a copy of `{header}`"),
            None => format!("in {copies} copies of `{header}`"),
        };
        diags[i].labels.push(crate::diag::Label { span: f.header, message: note });
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
