//! Compare's inline marks (issue #16): where in each compare editor's text the comparison's
//! rule changes are. The comparison ([`Comparison`]) names what changed (the scheme header,
//! each indicator's status and changed fields) but not where, since a changed indicator may be
//! defined in a parent scheme; these marks are the places in the edited text itself: the
//! `indicator` or `change` block of each indicator that is not unchanged, each name of a
//! `retire` list that retires one, and the `scheme` header when a header field changed.

use crate::compare::{Comparison, DiffStatus, FieldChange};
use crate::diag::{pos, LineIndex, Pos};
use crate::syntax::ast::{Item, Span};
use serde::Serialize;

/// One marked part of a compare editor's text.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffMark {
    /// The indicator, or `None` for the scheme header.
    pub indicator: Option<String>,
    /// `added`, `retired` or `changed` (never `unchanged`).
    pub status: DiffStatus,
    /// What changed, in words (`thresholds: 40% to 75% → 45% to 80%`).
    pub note: String,
    pub start: Pos,
    pub end: Pos,
}

/// Which editor the text is in: A (the base) or B (the proposal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

fn changes_note(changes: &[FieldChange]) -> String {
    let dash = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
    changes
        .iter()
        .map(|c| format!("{}: {} → {}", c.field, dash(&c.a), dash(&c.b)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The marks of `text` (the editor on `side`) for `cmp`, in text order.
pub fn marks(text: &str, cmp: &Comparison, side: Side) -> Vec<DiffMark> {
    let (file, _) = crate::syntax::parse(text, 0);
    let index = LineIndex::new(text);
    let mut out = Vec::new();
    let mut mark = |indicator: Option<&str>, status: DiffStatus, note: String, span: Span| {
        out.push(DiffMark {
            indicator: indicator.map(str::to_string),
            status,
            note,
            start: pos(&index, text, span.start as usize),
            end: pos(&index, text, span.end as usize),
        });
    };
    let status = |id: &str| cmp.indicators.iter().find(|i| i.id == id);
    for item in file.expanded() {
        match item {
            Item::Scheme(s) if !cmp.header.is_empty() => {
                mark(None, DiffStatus::Changed, changes_note(&cmp.header), s.span);
            }
            Item::Indicator(ind) => {
                let Some(i) = status(&ind.id.name) else { continue };
                let note = match (i.status, side) {
                    (DiffStatus::Changed, _) => changes_note(&i.changes),
                    (DiffStatus::Retired, Side::A) => "retired in B".to_string(),
                    (DiffStatus::Added, Side::B) => "added in B".to_string(),
                    _ => continue,
                };
                mark(Some(&i.id), i.status, note, ind.span);
            }
            Item::Change(ch) => {
                let Some(i) = status(&ch.id.name) else { continue };
                if i.status == DiffStatus::Changed {
                    mark(Some(&i.id), i.status, changes_note(&i.changes), ch.span);
                }
            }
            Item::Retire(list) if side == Side::B => {
                for name in &list.names {
                    if status(&name.name).is_some_and(|i| i.status == DiffStatus::Retired) {
                        mark(Some(&name.name), DiffStatus::Retired, "retired".into(), name.span);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::session::Session;

    fn shipped(name: &str) -> &'static str {
        crate::shipped::SCHEMES.iter().find(|(p, _)| p.ends_with(name)).unwrap().1
    }

    #[test]
    fn marks_are_where_the_rule_changes_are_written() {
        let a = shipped("qof-2024-25.qof");
        let b = shipped("qof-2025-26.qof");
        let mut s = Session::new();
        let r = s.compare(a, b);
        assert!(r.ok, "{:?}", r.errors);
        let out = r.value.unwrap();
        let cmp = &out.comparison;
        // B: the header (point value, period...), each `change` block, each retired name, each
        // new indicator, at the lines where they are written
        let mb = &out.marks_b;
        let header = mb.iter().find(|m| m.indicator.is_none()).expect("a header mark");
        assert!(b[header.start.byte..].starts_with("scheme qof_2025_26"));
        assert!(header.note.contains("point_value"), "{}", header.note);
        let hf003 = mb.iter().find(|m| m.indicator.as_deref() == Some("HF003")).unwrap();
        assert_eq!(hf003.status, DiffStatus::Changed);
        assert!(b[hf003.start.byte..hf003.end.byte].starts_with("change HF003 {"));
        assert!(hf003.note.contains("thresholds"), "{}", hf003.note);
        let dm034 = mb.iter().find(|m| m.indicator.as_deref() == Some("DM034")).unwrap();
        assert_eq!(dm034.status, DiffStatus::Added);
        assert!(b[dm034.start.byte..].starts_with("indicator DM034"));
        let dm022 = mb.iter().find(|m| m.indicator.as_deref() == Some("DM022")).unwrap();
        assert_eq!(dm022.status, DiffStatus::Retired);
        assert_eq!(&b[dm022.start.byte..dm022.end.byte], "DM022");
        // every changed or added indicator written in B is marked, and nothing unchanged is
        for m in mb.iter().filter_map(|m| m.indicator.as_ref()) {
            let i = cmp.indicators.iter().find(|i| &i.id == m).unwrap();
            assert_ne!(i.status, DiffStatus::Unchanged, "{m}");
        }
        for i in cmp.indicators.iter().filter(|i| i.status == DiffStatus::Added) {
            assert!(
                mb.iter().any(|m| m.indicator.as_ref() == Some(&i.id)),
                "added {} marked",
                i.id
            );
        }
        // lines and UTF-16 offsets agree with the text
        let line = b.lines().nth(hf003.start.line - 1).unwrap();
        assert!(line.starts_with("change HF003"));
        // A: scheme A's own text marks its header only where the header differs, and the
        // indicators B retires or changes where A itself writes them
        for m in &out.marks_a {
            if let Some(id) = &m.indicator {
                let i = cmp.indicators.iter().find(|i| &i.id == id).unwrap();
                assert!(matches!(i.status, DiffStatus::Retired | DiffStatus::Changed), "{id}");
            }
        }
        assert!(out.marks_a.iter().any(|m| m.indicator.is_none()));
    }

    #[test]
    fn identical_schemes_have_no_marks() {
        let a = shipped("qof-2019-20.qof");
        let mut s = Session::new();
        let out = s.compare(a, a).value.unwrap();
        assert!(out.marks_a.is_empty() && out.marks_b.is_empty());
    }
}
