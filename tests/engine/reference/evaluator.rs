//! A deliberately simple reference evaluator: a direct walk over the resolved scheme's
//! syntax trees, written from docs/language.md, with no interning, no caching and no
//! precomputed windows. It exists to be obviously right, not fast; the property tests check
//! that the real evaluator agrees with it on every outcome and count.

use qofrules::date::Date;
use qofrules::model::{Event, Patient};
use qofrules::scheme::{Cohort, Kind, Outcome, Scheme};
use qofrules::syntax::ast::{
    Anchor, Cmp, DateRel, EventPred, Expr, ExprKind, Pick, Unit, ValueAgg, Window, WindowKind,
};

pub struct Ref<'a> {
    pub scheme: &'a Scheme,
    pub pped: Date,
}

/// One patient's reference results.
#[derive(Debug, Clone, PartialEq)]
pub struct RefPatient {
    pub registered: bool,
    pub age: i32,
    pub registers: Vec<bool>,
    /// Per indicator: outcome and stratum id.
    pub outcomes: Vec<(Outcome, Option<String>)>,
}

fn shift(d: Date, n: i64, unit: Unit) -> Date {
    let n = n as i32;
    match unit {
        Unit::Days => d.add_days(n),
        Unit::Weeks => d.add_days(7 * n),
        Unit::Months => d.add_months(n),
        Unit::Years => d.add_months(12 * n),
    }
}

fn compare(cmp: Cmp, a: f64, b: f64) -> bool {
    match cmp {
        Cmp::Le => a <= b,
        Cmp::Ge => a >= b,
        Cmp::Lt => a < b,
        Cmp::Gt => a > b,
        Cmp::Eq => a == b,
        Cmp::Ne => a != b,
    }
}

impl<'a> Ref<'a> {
    pub fn new(scheme: &'a Scheme) -> Self {
        Ref { scheme, pped: scheme.period_end }
    }

    /// The patient's usable events: on or before the PPED, in date order (stable).
    fn events(&self, p: &Patient) -> Vec<Event> {
        let mut v: Vec<Event> = p.events.iter().copied().filter(|e| e.date <= self.pped).collect();
        v.sort_by_key(|e| e.date);
        v
    }

    fn in_list(&self, list: &str, code: u64) -> bool {
        self.scheme.codelist(list).map(|l| l.codes.contains(&code)).unwrap_or(false)
    }

    /// Events of a list dated within [lo, hi].
    fn of(&self, ev: &[Event], list: &str, range: Option<(Date, Date)>) -> Vec<Event> {
        match range {
            None => vec![],
            Some((lo, hi)) => ev
                .iter()
                .copied()
                .filter(|e| self.in_list(list, e.code) && e.date >= lo && e.date <= hi)
                .collect(),
        }
    }

    fn choose(v: &[Event], pick: Pick) -> Option<Event> {
        match pick {
            Pick::Latest => v.last().copied(),
            Pick::First => v.first().copied(),
        }
    }

    fn anchor(&self, p: &Patient, ev: &[Event], a: &Anchor) -> Option<Date> {
        match a {
            Anchor::Date(d) => Some(d.date),
            Anchor::Registration { .. } => Some(p.registered_on),
            Anchor::Birth { .. } => Some(p.birth_date),
            Anchor::PeriodStart { .. } => Some(self.scheme.period_start),
            Anchor::PeriodEnd { .. } => Some(self.pped),
            Anchor::Event { pick, list, .. } => {
                let all = self.of(ev, &list.name, Some((Date(i32::MIN / 2), Date(i32::MAX / 2))));
                Self::choose(&all, *pick).map(|e| e.date)
            }
        }
    }

    /// The window as an inclusive range, `None` when its anchor is missing.
    fn range(&self, p: &Patient, ev: &[Event], w: Option<&Window>) -> Option<(Date, Date)> {
        let far_past = Date(i32::MIN / 2);
        let far_future = Date(i32::MAX / 2);
        let Some(w) = w else { return Some((far_past, far_future)) };
        match &w.kind {
            WindowKind::Last { n, unit } => {
                let n: i64 = n.text.parse().unwrap();
                Some((shift(self.pped, -n, *unit).add_days(1), self.pped))
            }
            WindowKind::Since(d) => Some((d.date, self.pped)),
            WindowKind::Between(a, b) => Some((a.date, b.date)),
            WindowKind::Before(a) => Some((far_past, self.anchor(p, ev, a)?.add_days(-1))),
            WindowKind::After(a) => Some((self.anchor(p, ev, a)?.add_days(1), far_future)),
            WindowKind::Period => Some((self.scheme.period_start, self.pped)),
            WindowKind::OnOrBefore(a) => Some((far_past, self.anchor(p, ev, a)?)),
            WindowKind::OnOrAfter(a) => Some((self.anchor(p, ev, a)?, far_future)),
            WindowKind::SinceAnchor(a) => Some((self.anchor(p, ev, a)?, self.pped)),
            WindowKind::From(a, b) => {
                let end = |o: &qofrules::syntax::ast::OffsetAnchor| -> Option<Date> {
                    let d = self.anchor(p, ev, &o.anchor)?;
                    Some(match o.offset {
                        Some((n, u, _)) => shift(d, n, u),
                        None => d,
                    })
                };
                Some((end(a)?, end(b)?))
            }
        }
    }

    fn age(&self, p: &Patient) -> i32 {
        self.pped.years_since(p.birth_date)
    }

    fn registered(&self, p: &Patient) -> bool {
        p.registered_on <= self.pped && p.deregistered_on.map_or(true, |d| d > self.pped)
    }

    pub fn on_register(&self, p: &Patient, id: &str, depth: u32) -> bool {
        let r = self.scheme.register(id).unwrap();
        let age = self.age(p);
        self.registered(p)
            && r.min_age.map_or(true, |m| age >= m as i32)
            && r.max_age.map_or(true, |m| age <= m as i32)
            && r.filter.as_ref().map_or(true, |f| self.cond(p, &f.node, depth + 1))
    }

    pub fn cond(&self, p: &Patient, e: &Expr, depth: u32) -> bool {
        assert!(depth < 200, "runaway recursion");
        let ev = self.events(p);
        match &e.kind {
            ExprKind::Bool(b) => *b,
            ExprKind::And(xs) => xs.iter().all(|x| self.cond(p, x, depth + 1)),
            ExprKind::Or(xs) => xs.iter().any(|x| self.cond(p, x, depth + 1)),
            ExprKind::Not(x) => !self.cond(p, x, depth + 1),
            ExprKind::OnRegister(r) => self.on_register(p, &r.name, depth + 1),
            ExprKind::Aged(a) if a.months => {
                // counted up month by month, as windows add months
                let mut age = -1;
                while age < 2000 && p.birth_date.add_months(age + 1) <= self.pped {
                    age += 1;
                }
                a.min.map_or(true, |m| age >= m as i32) && a.max.map_or(true, |m| age <= m as i32)
            }
            ExprKind::Aged(a) => {
                let age = self.age(p);
                a.min.map_or(true, |m| age >= m as i32) && a.max.map_or(true, |m| age <= m as i32)
            }
            ExprKind::Sex(s) => p.sex == *s,
            ExprKind::Registered(w) => match self.range(p, &ev, Some(w)) {
                Some((lo, hi)) => p.registered_on >= lo && p.registered_on <= hi,
                None => false,
            },
            ExprKind::Count { list, window, apart_days, cmp, value } => {
                let r = self.range(p, &ev, window.as_ref());
                let events = self.of(&ev, &list.name, r);
                let gap: i32 = apart_days.as_ref().map(|n| n.text.parse().unwrap()).unwrap_or(0);
                let mut counted: Vec<Date> = vec![];
                for e in events {
                    if counted.last().map_or(true, |&last| e.date.0 - last.0 >= gap) {
                        counted.push(e.date);
                    }
                }
                compare(*cmp, counted.len() as f64, value.text.parse().unwrap())
            }
            ExprKind::Event { pick, list, paired, window, pred } => {
                if pick.is_none() && paired.is_none() && window.is_none() && pred.is_none() {
                    if let Some(d) = self.scheme.define(&list.name) {
                        return self.cond(p, &d.expr.node, depth + 1);
                    }
                }
                let r = self.range(p, &ev, window.as_ref());
                let xs = self.of(&ev, &list.name, r);
                if let Some(other) = paired {
                    let ys = self.of(&ev, &other.name, r);
                    // Dates with both, then the latest (or first) of them.
                    let mut dates: Vec<Date> = xs
                        .iter()
                        .map(|e| e.date)
                        .filter(|d| ys.iter().any(|y| y.date == *d))
                        .collect();
                    dates.sort();
                    dates.dedup();
                    let day = match pick.unwrap_or(Pick::Latest) {
                        Pick::Latest => dates.last().copied(),
                        Pick::First => dates.first().copied(),
                    };
                    let Some(day) = day else { return false };
                    let xs_day: Vec<Event> = xs.iter().filter(|e| e.date == day).copied().collect();
                    let ys_day: Vec<Event> = ys.iter().filter(|e| e.date == day).copied().collect();
                    return match pred {
                        Some(EventPred::Value {
                            agg, cmp, value, paired_value: Some(v2), ..
                        }) => match (Self::agg(&xs_day, *agg), Self::agg(&ys_day, *agg)) {
                            (Some(a), Some(b)) => {
                                compare(*cmp, a, value.text.parse().unwrap())
                                    && compare(*cmp, b, v2.text.parse().unwrap())
                            }
                            _ => false,
                        },
                        other => self.pred(p, &ev, &xs_day, other.as_ref()),
                    };
                }
                match pick {
                    // Without latest/first: some single event satisfies the predicate.
                    None => xs.iter().any(|x| self.pred(p, &ev, &[*x], pred.as_ref())),
                    // With it: the chosen date, and every event of the list on that date.
                    Some(pk) => match Self::choose(&xs, *pk) {
                        Some(x) => {
                            let day: Vec<Event> =
                                xs.iter().filter(|e| e.date == x.date).copied().collect();
                            self.pred(p, &ev, &day, pred.as_ref())
                        }
                        None => false,
                    },
                }
            }
        }
    }

    /// The lowest (default) or highest value among the events, ignoring events without one.
    fn agg(day: &[Event], agg: Option<ValueAgg>) -> Option<f64> {
        let vals = day.iter().filter_map(|e| e.value);
        match agg {
            Some(ValueAgg::Highest) => vals.reduce(f64::max),
            _ => vals.reduce(f64::min),
        }
    }

    /// Whether the predicate holds of the selected events `day` (all of one date).
    fn pred(&self, p: &Patient, ev: &[Event], day: &[Event], pred: Option<&EventPred>) -> bool {
        let Some(x) = day.first().copied() else { return false };
        match pred {
            None => true,
            Some(EventPred::Value { agg, cmp, value, .. }) => {
                Self::agg(day, *agg).is_some_and(|v| compare(*cmp, v, value.text.parse().unwrap()))
            }
            Some(EventPred::Member { list, .. }) => {
                day.iter().any(|e| self.in_list(&list.name, e.code))
            }
            Some(EventPred::Within { window, .. }) => match self.range(p, ev, Some(window)) {
                Some((lo, hi)) => x.date >= lo && x.date <= hi,
                None => false,
            },
            Some(EventPred::Date { rel, pick, list, window, .. }) => {
                let r = self.range(p, ev, window.as_ref());
                let ys = self.of(ev, &list.name, r);
                match Self::choose(&ys, *pick) {
                    // Missing: infinitely long ago.
                    None => matches!(rel, DateRel::After | DateRel::OnOrAfter),
                    Some(y) => match rel {
                        DateRel::After => x.date > y.date,
                        DateRel::OnOrAfter => x.date >= y.date,
                        DateRel::Before => x.date < y.date,
                        DateRel::OnOrBefore => x.date <= y.date,
                    },
                }
            }
        }
    }

    /// The cascade, step by step as docs/language.md words it.
    pub fn patient(&self, p: &Patient) -> RefPatient {
        let registers =
            self.scheme.registers.iter().map(|r| self.on_register(p, &r.id, 0)).collect();
        let mut outcomes = vec![];
        for ind in &self.scheme.indicators {
            outcomes.push(self.classify(p, ind));
        }
        RefPatient { registered: self.registered(p), age: self.age(p), registers, outcomes }
    }

    fn classify(
        &self,
        p: &Patient,
        ind: &qofrules::scheme::Indicator,
    ) -> (Outcome, Option<String>) {
        let excluded = (Outcome::Excluded, None);
        if !self.registered(p) {
            return excluded;
        }
        match ind.kind {
            Kind::Attested => return excluded,
            Kind::Register => {
                let on = self.on_register(p, &ind.register.as_ref().unwrap().id, 0);
                return (if on { Outcome::Numerator } else { Outcome::Excluded }, None);
            }
            Kind::Fraction => {}
        }
        let in_cohort = match &ind.cohort {
            Some(Cohort::Register(r)) => self.on_register(p, &r.id, 0),
            _ => true,
        };
        if !in_cohort || ind.filter.as_ref().is_some_and(|f| !self.cond(p, &f.node, 0)) {
            return excluded;
        }
        if ind.exclude.as_ref().is_some_and(|x| self.cond(p, &x.node, 0)) {
            return excluded;
        }
        let mut achieved = ind.achieved.as_ref();
        let mut stratum = None;
        if !ind.strata.is_empty() {
            let s = ind
                .strata
                .iter()
                .find(|s| s.when.as_ref().map_or(true, |w| self.cond(p, &w.node, 0)));
            match s {
                None => return excluded,
                Some(s) => {
                    stratum = Some(s.id.clone());
                    if s.achieved.is_some() {
                        achieved = s.achieved.as_ref();
                    }
                }
            }
        }
        if achieved.is_some_and(|a| self.cond(p, &a.node, 0)) {
            return (Outcome::Numerator, stratum);
        }
        for a in &ind.adjustments {
            if self.cond(p, &a.when.node, 0) {
                return (Outcome::Adjusted(Some(a.category.clone())), stratum);
            }
        }
        (Outcome::Denominator, stratum)
    }
}
