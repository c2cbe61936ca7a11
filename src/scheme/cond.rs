//! Conditions as the checker resolves them: every name is an index into the scheme's tables
//! (code lists, registers, definitions), every number is parsed and within the range the
//! evaluator uses. The compiler lowers these without looking anything up, so it cannot fail.
//!
//! The checker builds a [`Cond`] only for a condition it accepted; when it reports an error
//! the scheme is discarded, so an index here is always valid for the scheme it belongs to.

use crate::date::Date;
use crate::model::Sex;
use crate::syntax::ast::{self, Cmp, DateRel, Pick, Unit};

/// A resolved condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    Bool(bool),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    /// Index into [`crate::scheme::Scheme::registers`].
    OnRegister(usize),
    /// Index into [`crate::scheme::Scheme::defines`].
    Define(usize),
    /// Inclusive age bounds at the period end, in whole years or (`months`) whole months.
    Aged {
        min: Option<u32>,
        max: Option<u32>,
        months: bool,
    },
    Sex(Sex),
    /// Registration date in the window.
    Registered(Window),
    /// `count X [window] [at least N days apart] CMP value` (`apart_days` 0: not written).
    Count {
        list: usize,
        window: Option<Window>,
        apart_days: i32,
        cmp: Cmp,
        value: f64,
    },
    /// `[latest|first] X[/Y] [window] [predicate]`; `list` and `paired` index
    /// [`crate::scheme::Scheme::codelists`].
    Event {
        pick: Option<Pick>,
        list: usize,
        paired: Option<usize>,
        window: Option<Window>,
        pred: Pred,
    },
}

/// What is asked of a selected event.
#[derive(Clone, Debug, PartialEq)]
pub enum Pred {
    Exists,
    /// `has [lowest|highest] value CMP value [/ paired]`.
    Value {
        highest: bool,
        cmp: Cmp,
        value: f64,
        paired: Option<f64>,
    },
    /// `is [on or] after|before latest|first LIST [window]`.
    Date {
        rel: DateRel,
        pick: Pick,
        list: usize,
        window: Option<Window>,
    },
    /// `is in LIST`.
    Member(usize),
    /// `is WINDOW`.
    Within(Window),
}

/// A resolved window, with its text as written (for explanations).
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub kind: WindowKind,
    pub text: String,
    /// Written relative to the scheme's period (`in the period`, `the start of the period`):
    /// the checker has resolved it to the dates of the scheme's own period.
    pub relative: bool,
}

impl Window {
    /// The window's first and last days when they are dates for every patient (`None` for an
    /// end anchored on a patient's events, registration or birth, or an open end): what
    /// `inspect` shows for a window written relative to the period.
    pub fn fixed_ends(&self, pped: Date) -> (Option<Date>, Option<Date>) {
        let at = |a: &Anchor, off: Option<(i64, Unit)>| match a {
            Anchor::Date(d) => Some(shift(*d, off)),
            _ => None,
        };
        match &self.kind {
            WindowKind::Last { n, unit } => {
                (Some(shift(pped, Some((-i64::from(*n), *unit))).add_days(1)), Some(pped))
            }
            WindowKind::Since(d) => (Some(*d), Some(pped)),
            WindowKind::Between(a, b) => (Some(*a), Some(*b)),
            WindowKind::Before(a) => (None, at(a, None).map(|d| d.add_days(-1))),
            WindowKind::After(a) => (at(a, None).map(|d| d.add_days(1)), None),
            WindowKind::OnOrBefore(a) => (None, at(a, None)),
            WindowKind::OnOrAfter(a) => (at(a, None), None),
            WindowKind::SinceAnchor(a) => (at(a, None), Some(pped)),
            WindowKind::From(ao, a, bo, b) => (at(a, *ao), at(b, *bo)),
        }
    }
}

/// A date moved by a signed offset, as the compiler moves window ends (months, then days).
fn shift(d: Date, off: Option<(i64, Unit)>) -> Date {
    let Some((n, unit)) = off else { return d };
    let n = n.clamp(-1_000_000, 1_000_000) as i32;
    match unit {
        Unit::Days => d.add_days(n),
        Unit::Weeks => d.add_days(7 * n),
        Unit::Months => d.add_months(n),
        Unit::Years => d.add_months(12 * n),
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum WindowKind {
    /// `in last N unit`, N from 0 to 100,000.
    Last {
        n: i32,
        unit: Unit,
    },
    Since(Date),
    Between(Date, Date),
    Before(Anchor),
    After(Anchor),
    /// `from [offset] ANCHOR to [offset] ANCHOR`; an offset is signed (negative: before).
    From(Option<(i64, Unit)>, Anchor, Option<(i64, Unit)>, Anchor),
    /// `on or before ANCHOR`: open-ended, the anchor's date included.
    OnOrBefore(Anchor),
    /// `on or after ANCHOR`: open-ended, the anchor's date included.
    OnOrAfter(Anchor),
    /// `since ANCHOR`: [anchor, PPED].
    SinceAnchor(Anchor),
}

/// A window end's anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Date(Date),
    /// The latest / first event of a code list (an index into the scheme's code lists).
    Event(Pick, usize),
    Registration,
    Birth,
}

fn unit_text(n: i64, u: Unit) -> String {
    let name = match u {
        Unit::Days => "day",
        Unit::Weeks => "week",
        Unit::Months => "month",
        Unit::Years => "year",
    };
    if n == 1 {
        format!("1 {name}")
    } else {
        format!("{n} {name}s")
    }
}

fn anchor_text(a: &ast::Anchor) -> String {
    match a {
        ast::Anchor::Date(d) => d.date.to_string(),
        ast::Anchor::Event { pick: Pick::Latest, list, .. } => format!("latest {}", list.name),
        ast::Anchor::Event { pick: Pick::First, list, .. } => format!("first {}", list.name),
        ast::Anchor::Registration { .. } => "registration".into(),
        ast::Anchor::Birth { .. } => "birth".into(),
        ast::Anchor::PeriodStart { .. } => "the start of the period".into(),
        ast::Anchor::PeriodEnd { .. } => "the end of the period".into(),
    }
}

fn offset_anchor_text(o: &ast::OffsetAnchor) -> String {
    match &o.offset {
        None => anchor_text(&o.anchor),
        Some((n, u, _)) => format!(
            "{} {} {}",
            unit_text(n.abs(), *u),
            if *n < 0 { "before" } else { "after" },
            anchor_text(&o.anchor)
        ),
    }
}

/// The window as written.
pub fn window_text(w: &ast::Window) -> String {
    match &w.kind {
        ast::WindowKind::Last { n, unit } => {
            let n: i64 = n.text.parse().unwrap_or(0);
            format!("in last {}", unit_text(n, *unit))
        }
        ast::WindowKind::Since(d) => format!("since {}", d.date),
        ast::WindowKind::Between(a, b) => format!("between {} and {}", a.date, b.date),
        ast::WindowKind::Before(a) => format!("before {}", anchor_text(a)),
        ast::WindowKind::After(a) => format!("after {}", anchor_text(a)),
        ast::WindowKind::From(a, b) => {
            format!("from {} to {}", offset_anchor_text(a), offset_anchor_text(b))
        }
        ast::WindowKind::Period => "in the period".into(),
        ast::WindowKind::OnOrBefore(a) => format!("on or before {}", anchor_text(a)),
        ast::WindowKind::OnOrAfter(a) => format!("on or after {}", anchor_text(a)),
        ast::WindowKind::SinceAnchor(a) => format!("since {}", anchor_text(a)),
    }
}
