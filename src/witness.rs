//! "Can any patient have a different outcome under A and B?" (`qofrules witness`), per
//! indicator, with a verified witness patient or a proof. The method and its argument are in
//! docs/witness.md.
//!
//! 1. **Same by form.** Each indicator's classification (cohort register, filter, exclusion,
//!    strata, achievement, adjustments, with definitions and registers inlined, code lists
//!    compared by their codes and windows by their resolved dates, and the period end date)
//!    is put in a canonical form. Equal forms classify every patient alike: "same".
//! 2. **Differ by witness.** Otherwise candidate patients are the boundary cases of the
//!    indicator under both schemes ([`crate::boundary`]) and patients built to make each
//!    changed part true and false. Each is classified under both; the smallest that differs
//!    is the witness, so every witness is verified by evaluation.
//! 3. **Same by proof.** With no witness, each changed part is compared over a finite
//!    abstraction that is complete for the conditions it supports (fixed windows, values,
//!    counts without spacing, ages in years, sex, registration, code lists): every patient with
//!    up to K events, dates at K representatives of every region between the boundary dates,
//!    values at every threshold and between, one code per code-list signature. Equal on every
//!    representative means equal for every patient, so the cascade (a function of its parts)
//!    is too. Outside that fragment, or above the budget of combinations: "unknown", with why.

use crate::boundary::{in_list, Builder, Draft, Goal};
use crate::compile::{End, Node, NodeId, Pred, Program, MAX_DATE, MIN_DATE};
use crate::date::Date;
use crate::eval::{explain, outcome, outcome_text, Engine};
use crate::model::Sex;
use crate::scheme::{Kind, Outcome};
use serde::Serialize;
use std::collections::BTreeMap;

/// The most patients the proof of one changed part may enumerate.
pub const BUDGET: u64 = 200_000;

/// The verdict for one indicator.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No patient can have a different outcome (proved).
    Same,
    /// The witness has a different outcome (verified by evaluation).
    Differ,
    /// Neither proved nor refuted.
    Unknown,
}

/// The answer for one indicator.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndicatorWitness {
    pub indicator: String,
    pub verdict: Verdict,
    pub reason: String,
    /// The witness as a `test` block (expecting A's outcome), for `differ`.
    pub witness: Option<String>,
    /// The witness's outcome and explanation under A and under B.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub a: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub b: Option<Side>,
}

/// A witness under one scheme.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    pub outcome: String,
    pub explanation: String,
}

/// Compares every indicator of A and B (or only `indicator`): A's indicators in order, then
/// those only B has. `None` when neither scheme has `indicator`.
pub fn witness(a: &Program, b: &Program, indicator: Option<&str>) -> Option<Vec<IndicatorWitness>> {
    let mut ids = all_ids(a, b);
    if let Some(id) = indicator {
        if !ids.contains(&id) {
            return None;
        }
        ids.retain(|x| *x == id);
    }
    let mut canon = Canon::default();
    Some(ids.into_iter().map(|id| one(a, b, id, &mut canon)).collect())
}

/// The indicators `witness` answers for, in its order: A's, then those only B has.
fn all_ids<'p>(a: &'p Program, b: &'p Program) -> Vec<&'p str> {
    let mut ids: Vec<&str> = a.indicators.iter().map(|i| i.id.as_str()).collect();
    for i in &b.indicators {
        if !ids.contains(&i.id.as_str()) {
            ids.push(&i.id);
        }
    }
    ids
}

/// The quick first step of [`witness`], for every indicator in its order: the answer when the
/// canonical forms settle it (`same`: both schemes have the indicator, with the same period
/// end, cascade shape and canonical parts), `None` when its compiled rule differs and only
/// `witness` with its id can answer (a search, then a proof). Costs a walk of each
/// indicator's conditions, no patient: the editor shows these answers at once and asks for
/// the others one at a time. The answers are `witness`'s own, word for word.
pub fn by_form(a: &Program, b: &Program) -> Vec<(String, Option<IndicatorWitness>)> {
    let mut canon = Canon::default();
    all_ids(a, b)
        .into_iter()
        .map(|id| {
            let ia = a.indicators.iter().position(|i| i.id == id);
            let ib = b.indicators.iter().position(|i| i.id == id);
            let settled = match (ia, ib) {
                (Some(ia), Some(ib)) if a.pped == b.pped => {
                    match changed_parts(a, b, ia, ib, &mut canon) {
                        Some(changed) if changed.is_empty() => Some(same_by_form(id)),
                        _ => None,
                    }
                }
                _ => None,
            };
            (id.to_string(), settled)
        })
        .collect()
}

/// The parts of the cascade whose canonical forms differ (name, A's part, B's part), or `None`
/// when the cascades differ in shape.
fn changed_parts(
    a: &Program,
    b: &Program,
    ia: usize,
    ib: usize,
    canon: &mut Canon,
) -> Option<Vec<(String, Part, Part)>> {
    if shape(a, ia) != shape(b, ib) {
        return None;
    }
    Some(
        parts(a, ia)
            .into_iter()
            .zip(parts(b, ib))
            .filter(|((_, x), (_, y))| canon.part(a, *x, 0) != canon.part(b, *y, 1))
            .map(|((name, x), (_, y))| (name, x, y))
            .collect(),
    )
}

/// `same` because the canonical forms are equal.
fn same_by_form(id: &str) -> IndicatorWitness {
    plain(
        id,
        Verdict::Same,
        "the rules that classify patients are the same after resolution (code lists compared by \
         their codes, windows by their dates); points, thresholds and titles classify nobody"
            .into(),
    )
}

fn plain(id: &str, verdict: Verdict, reason: String) -> IndicatorWitness {
    IndicatorWitness { indicator: id.to_string(), verdict, reason, witness: None, a: None, b: None }
}

fn one(a: &Program, b: &Program, id: &str, canon: &mut Canon) -> IndicatorWitness {
    let ia = a.indicators.iter().position(|i| i.id == id);
    let ib = b.indicators.iter().position(|i| i.id == id);
    let (Some(ia), Some(ib)) = (ia, ib) else {
        return one_sided(a, b, ia, ib, id);
    };
    if a.pped != b.pped {
        // Every age and window is measured from the period end date, so the rules are not
        // compared part by part: the candidates of both are tried, each as one patient with the
        // same calendar dates under both schemes.
        let why = format!(
            "the periods differ (A ends {}, B ends {}): the witness has the same dates under both, \
             its ages and windows measured from each scheme's own period end date",
            a.pped, b.pped
        );
        return match search(a, b, ia, ib, id, &[]) {
            Some(mut w) => {
                w.reason = format!("{}; {why}", w.reason);
                w
            }
            None => {
                plain(id, Verdict::Unknown, format!("{why}, and no patient was found who differs"))
            }
        };
    }
    let Some(changed) = changed_parts(a, b, ia, ib, canon) else {
        let (shape_a, shape_b) = (shape(a, ia), shape(b, ib));
        return search_or(
            a,
            b,
            ia,
            ib,
            id,
            &[],
            format!("the cascades differ in shape ({shape_a} in A, {shape_b} in B)"),
        );
    };
    if changed.is_empty() {
        return same_by_form(id);
    }
    // Candidates first: a witness settles it.
    let mut extra = Vec::new();
    for (_, x, y) in &changed {
        for (prog, k, p) in [(a, ia, *x), (b, ib, *y)] {
            if let Part::Goal(g) = p {
                let bl = Builder::new(prog);
                let base = bl.base(k);
                for want in [true, false] {
                    extra.extend(bl.make(g, want, &base));
                }
            }
        }
    }
    if let Some(w) = search(a, b, ia, ib, id, &extra) {
        return w;
    }
    // No witness: prove each changed part equal, or say why not.
    let mut proved = Vec::new();
    for (name, x, y) in &changed {
        match prove(a, b, *x, *y) {
            Proof::Equal(n) => proved.push(format!("{name} ({n} patients)")),
            Proof::Differ(d) => {
                // Lift the part's witness into the cascade: on each side's base patient.
                let mut lifted = Vec::new();
                for (prog, k) in [(a, ia), (b, ib)] {
                    let base = Builder::new(prog).base(k);
                    lifted.push(base.merge(&d));
                    lifted.push(d.merge(&base));
                }
                if let Some(w) = search(a, b, ia, ib, id, &lifted) {
                    return w;
                }
                return plain(
                    id,
                    Verdict::Unknown,
                    format!(
                        "the {name} differs for some patients, but no patient was found who \
                         reaches it with a different outcome"
                    ),
                );
            }
            Proof::Unsupported(why) => {
                return plain(id, Verdict::Unknown, format!("the {name} changed and {why}"));
            }
        }
    }
    plain(
        id,
        Verdict::Same,
        format!(
            "the changed parts are equal on every patient of an abstraction complete for them: {}",
            proved.join(", ")
        ),
    )
}

/// The search, or `unknown` with the reason.
fn search_or(
    a: &Program,
    b: &Program,
    ia: usize,
    ib: usize,
    id: &str,
    extra: &[Draft],
    why: String,
) -> IndicatorWitness {
    search(a, b, ia, ib, id, extra).unwrap_or_else(|| {
        plain(id, Verdict::Unknown, format!("{why}, and no patient was found who differs"))
    })
}

/// Classifies every candidate under both schemes; the smallest that differs, as a witness.
fn search(
    a: &Program,
    b: &Program,
    ia: usize,
    ib: usize,
    id: &str,
    extra: &[Draft],
) -> Option<IndicatorWitness> {
    let mut cands: Vec<Draft> = extra.to_vec();
    for (prog, k) in [(a, ia), (b, ib)] {
        if let Some(cs) = crate::boundary::generate(prog, Some(&prog.indicators[k].id)) {
            // Each draft with the defaults of the scheme it was made for written out, so that
            // it is the same patient under both (the defaults are measured from a period end).
            cands.extend(cs.into_iter().flat_map(|c| c.cases).map(|c| explicit(&c.draft, prog)));
        }
    }
    let mut best: Option<(usize, String, Draft)> = None;
    for d in cands {
        if class(a, ia, &d, a.pped) != class(b, ib, &d, a.pped) {
            let text = d.test_block(a, "", "");
            let key = (d.size(), text);
            if best.as_ref().map_or(true, |(s, t, _)| (key.0, &key.1) < (*s, t)) {
                best = Some((key.0, key.1, d));
            }
        }
    }
    let (_, _, d) = best?;
    let side = |prog: &Program| {
        // One patient for both: dated against A's period end (the block is written so).
        let p = d.patient(a.pped, "witness");
        let t = explain(prog, &p, Some(id)).into_iter().next()?;
        Some((outcome_text(&t.outcome, t.stratum.as_deref()), t.text))
    };
    let (oa, ea) = side(a)?;
    let (ob, eb) = side(b)?;
    let block = d.test_block(
        a,
        &format!("{id}: {oa} under A, {ob} under B"),
        &format!("expect {id} {oa} // under B: {ob}"),
    );
    let block = crate::fmt::format(&block).unwrap_or(block);
    Some(IndicatorWitness {
        indicator: id.to_string(),
        verdict: Verdict::Differ,
        reason: format!("this patient is {oa} under A and {ob} under B"),
        witness: Some(block),
        a: Some(Side { outcome: oa, explanation: ea }),
        b: Some(Side { outcome: ob, explanation: eb }),
    })
}

/// The draft with its unset date of birth and registration set to the defaults it has under
/// `prog`.
fn explicit(d: &Draft, prog: &Program) -> Draft {
    let p = d.patient(prog.pped, "witness");
    Draft { born: Some(p.birth_date), registered: Some(p.registered_on), ..d.clone() }
}

/// For an indicator only one scheme has: a patient it counts (in its denominator, or on its
/// register), verified by classifying him under that scheme; the other scheme has no outcome
/// for him at all.
fn one_sided(
    a: &Program,
    b: &Program,
    ia: Option<usize>,
    ib: Option<usize>,
    id: &str,
) -> IndicatorWitness {
    let (prog, k, has, lacks) = match (ia, ib) {
        (Some(k), _) => (a, k, "A", "B"),
        (None, Some(k)) => (b, k, "B", "A"),
        (None, None) => return plain(id, Verdict::Unknown, format!("`{id}` is in neither scheme")),
    };
    let only = format!("`{id}` exists only in {has}");
    if prog.indicators[k].kind == Kind::Attested {
        return plain(
            id,
            Verdict::Differ,
            format!("{only}; it is attested, so no patient has an outcome for it"),
        );
    }
    let d = explicit(&Builder::new(prog).base(k), prog);
    let p = d.patient(prog.pped, "witness");
    let Some(t) = explain(prog, &p, Some(id)).into_iter().next() else {
        return plain(id, Verdict::Differ, only);
    };
    if t.outcome == Outcome::Excluded {
        return plain(
            id,
            Verdict::Differ,
            format!("{only}, and no patient was found whom it counts"),
        );
    }
    let o = outcome_text(&t.outcome, t.stratum.as_deref());
    let absent = format!("not in {lacks}");
    // The block is meant to be kept next to the scheme that has the indicator.
    let block = d.test_block(
        prog,
        &format!("{id}: {o} under {has}, {absent}"),
        &format!("expect {id} {o} // {absent}"),
    );
    let block = crate::fmt::format(&block).unwrap_or(block);
    let here = Side { outcome: o.clone(), explanation: t.text };
    let there =
        Side { outcome: "absent".into(), explanation: format!("{lacks} has no indicator `{id}`") };
    let (sa, sb) = if has == "A" { (here, there) } else { (there, here) };
    IndicatorWitness {
        indicator: id.to_string(),
        verdict: Verdict::Differ,
        reason: format!(
            "{only}: this patient is {o} under {has} and has no outcome for it under {lacks}"
        ),
        witness: Some(block),
        a: Some(sa),
        b: Some(sb),
    }
}

/// The outcome and stratum of a draft for one indicator, the draft dated against `pped`.
fn class(prog: &Program, ind: usize, d: &Draft, pped: Date) -> (Outcome, Option<String>) {
    let p = d.patient(pped, "witness");
    let mut e = Engine::new(prog);
    e.load(&p);
    let c = e.classify(ind);
    let stratum =
        c.stratum.and_then(|s| prog.indicators[ind].strata.get(s as usize)).map(|s| s.id.clone());
    (outcome(prog, ind, c), stratum)
}

/// One part of a cascade: a condition, or a constant where the indicator has none.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Part {
    Goal(Goal),
    Const(bool),
}

/// The cascade's shape: what must match for parts to be compared one to one.
fn shape(prog: &Program, k: usize) -> String {
    let i = &prog.indicators[k];
    let cats: Vec<&str> = i.adjustments.iter().map(|a| a.category.source()).collect();
    let strata: Vec<&str> = i.strata.iter().map(|s| s.id.as_str()).collect();
    format!("{:?} kind, strata [{}], adjustments [{}]", i.kind, strata.join(", "), cats.join(", "))
}

/// The named parts of indicator `k`'s cascade, in order.
fn parts(prog: &Program, k: usize) -> Vec<(String, Part)> {
    let i = &prog.indicators[k];
    let goal = |n: Option<NodeId>, absent: bool| {
        n.map_or(Part::Const(absent), |n| Part::Goal(Goal::Node(n)))
    };
    let mut v = Vec::new();
    let reg = if i.kind == Kind::Register { i.register } else { i.cohort };
    v.push((
        "cohort".to_string(),
        reg.map_or(Part::Const(true), |r| Part::Goal(Goal::Register(r))),
    ));
    if i.kind != Kind::Fraction {
        return v;
    }
    v.push(("denominator filter".into(), goal(i.filter, true)));
    v.push(("exclusion".into(), goal(i.exclude, false)));
    for s in &i.strata {
        v.push((format!("stratum `{}` condition", s.id), goal(s.when, true)));
        v.push((format!("stratum `{}` achievement", s.id), goal(s.achieved.or(i.achieved), false)));
    }
    if i.strata.is_empty() {
        v.push(("achievement".into(), goal(i.achieved, false)));
    }
    for a in &i.adjustments {
        v.push((format!("adjustment `{}`", a.category.source()), goal(Some(a.when), false)));
    }
    v
}

/// Canonical forms of conditions, with code lists interned by their codes across both
/// programs.
#[derive(Default)]
struct Canon {
    codes: BTreeMap<Vec<u64>, usize>,
    memo: [BTreeMap<NodeId, String>; 2],
}

impl Canon {
    fn list(&mut self, prog: &Program, l: u32) -> String {
        let codes = prog.lists.get(l as usize).map(|x| x.codes.clone()).unwrap_or_default();
        let n = self.codes.len();
        format!("L{}", self.codes.entry(codes).or_insert(n))
    }

    fn win(&mut self, prog: &Program, w: Option<u32>) -> String {
        let Some(win) = w.and_then(|w| prog.windows.get(w as usize)) else { return "all".into() };
        let (lo, hi) = (win.lo, win.hi);
        format!("[{},{}]", self.end(prog, lo), self.end(prog, hi))
    }

    fn end(&mut self, prog: &Program, e: End) -> String {
        match e {
            End::Fixed(d) => d.0.to_string(),
            End::Anchored { anchor, months, days } => {
                let a = match anchor {
                    crate::compile::AnchorIr::Event(p, l) => format!("{p:?}{}", self.list(prog, l)),
                    other => format!("{other:?}"),
                };
                format!("{a}{months:+}m{days:+}d")
            }
        }
    }

    fn part(&mut self, prog: &Program, p: Part, side: usize) -> String {
        match p {
            Part::Const(b) => b.to_string(),
            Part::Goal(Goal::Node(n)) => self.node(prog, n, side),
            Part::Goal(Goal::Register(r)) => self.register(prog, r, side),
        }
    }

    fn register(&mut self, prog: &Program, r: u32, side: usize) -> String {
        let Some(x) = prog.registers.get(r as usize) else { return "?".into() };
        let f = x.filter.map_or("true".into(), |f| self.node(prog, f, side));
        format!("reg({:?},{:?},{f})", x.min_age, x.max_age)
    }

    fn node(&mut self, prog: &Program, n: NodeId, side: usize) -> String {
        if let Some(s) = self.memo[side].get(&n) {
            return s.clone();
        }
        let s = match prog.nodes.get(n as usize) {
            None => "?".to_string(),
            Some(Node::Const(b)) => b.to_string(),
            Some(Node::And(s, l)) | Some(Node::Or(s, l)) => {
                let word =
                    if matches!(prog.nodes[n as usize], Node::And(..)) { "and" } else { "or" };
                let kids: Vec<String> = prog.kids[*s as usize..(*s + *l) as usize]
                    .iter()
                    .map(|&k| self.node(prog, k, side))
                    .collect();
                format!("{word}({})", kids.join(","))
            }
            Some(Node::Not(k)) => format!("not({})", self.node(prog, *k, side)),
            Some(Node::OnRegister(r)) => self.register(prog, *r, side),
            Some(Node::Define(d)) => match prog.defines.get(*d as usize) {
                Some(x) => self.node(prog, x.node, side),
                None => "?".into(),
            },
            Some(Node::Aged(a, b)) => format!("age({a:?},{b:?})"),
            Some(Node::AgedMonths(a, b)) => format!("agem({a:?},{b:?})"),
            Some(Node::Sex(s)) => format!("sex({s:?})"),
            Some(Node::Registered(w)) => format!("regd({})", self.win(prog, Some(*w))),
            Some(Node::Count { list, window, apart, cmp, value }) => format!(
                "count({},{},{apart},{},{})",
                self.list(prog, *list),
                self.win(prog, *window),
                cmp.symbol(),
                value.to_bits()
            ),
            Some(Node::Event { pick, list, paired, window, pred }) => {
                let l = self.list(prog, *list);
                let p2 = paired.map(|p| self.list(prog, p)).unwrap_or_default();
                let w = self.win(prog, *window);
                let pr = match pred {
                    Pred::Exists => "exists".to_string(),
                    Pred::Value { highest, cmp, value, paired } => format!(
                        "value({highest},{},{},{:?})",
                        cmp.symbol(),
                        value.to_bits(),
                        paired.map(f64::to_bits)
                    ),
                    Pred::Date { rel, pick, list, window } => {
                        let l2 = self.list(prog, *list);
                        format!("date({rel:?},{pick:?},{l2},{})", self.win(prog, *window))
                    }
                    Pred::Member(l2) => format!("member({})", self.list(prog, *l2)),
                    Pred::Within(w2) => format!("within({})", self.win(prog, Some(*w2))),
                };
                format!("ev({pick:?},{l},{p2},{w},{pr})")
            }
        };
        self.memo[side].insert(n, s.clone());
        s
    }
}

/// The outcome of comparing two parts over the abstraction.
enum Proof {
    /// Equal on every representative patient (how many were enumerated).
    Equal(u64),
    /// A patient on whom the parts differ.
    Differ(Draft),
    /// Outside the supported conditions, or above the budget: why.
    Unsupported(String),
}

/// What the abstraction needs from the parts' atoms.
#[derive(Default)]
struct Facts {
    /// Date cuts: a region starts at each.
    cuts: Vec<Date>,
    /// Value thresholds.
    values: Vec<f64>,
    /// Age cuts (a region of ages in whole years starts at each).
    ages: Vec<i32>,
    /// Lists the parts read.
    lists: Vec<(usize, u32)>,
    /// Events a smallest differing patient needs at most.
    events: u64,
    sex: bool,
    registration: Vec<Date>,
    /// Registered at the period end date is read (a register).
    registered: bool,
}

impl Facts {
    fn window(&mut self, prog: &Program, w: Option<u32>) -> Result<(), String> {
        let Some(win) = w.and_then(|w| prog.windows.get(w as usize)) else { return Ok(()) };
        match (win.lo, win.hi) {
            (End::Fixed(lo), End::Fixed(hi)) => {
                if lo > MIN_DATE {
                    self.cuts.push(lo);
                }
                if hi < MAX_DATE {
                    self.cuts.push(hi.add_days(1));
                }
                Ok(())
            }
            _ => Err(format!(
                "its window `{}` is measured from a patient's own dates, which the proof does not \
                 cover",
                win.text
            )),
        }
    }

    fn goal(&mut self, prog: &Program, side: usize, g: Goal, depth: u32) -> Result<(), String> {
        if depth > 64 {
            return Err("its definitions nest too deep for the proof".into());
        }
        match g {
            Goal::Register(r) => {
                let Some(x) = prog.registers.get(r as usize) else { return Ok(()) };
                self.registered = true;
                self.ages.extend(x.min_age);
                self.ages.extend(x.max_age.map(|m| m + 1));
                match x.filter {
                    Some(f) => self.goal(prog, side, Goal::Node(f), depth + 1),
                    None => Ok(()),
                }
            }
            Goal::Node(n) => {
                let Some(node) = prog.nodes.get(n as usize) else { return Ok(()) };
                match node {
                    Node::Const(_) => Ok(()),
                    Node::And(s, l) | Node::Or(s, l) => {
                        for &k in &prog.kids[*s as usize..(*s + *l) as usize] {
                            self.goal(prog, side, Goal::Node(k), depth + 1)?;
                        }
                        Ok(())
                    }
                    Node::Not(k) => self.goal(prog, side, Goal::Node(*k), depth + 1),
                    Node::OnRegister(r) => self.goal(prog, side, Goal::Register(*r), depth + 1),
                    Node::Define(d) => match prog.defines.get(*d as usize) {
                        Some(x) => self.goal(prog, side, Goal::Node(x.node), depth + 1),
                        None => Ok(()),
                    },
                    Node::Aged(a, b) => {
                        self.ages.extend(*a);
                        self.ages.extend(b.map(|m| m + 1));
                        Ok(())
                    }
                    Node::AgedMonths(..) => {
                        Err("it has an age in months, which the proof does not cover".into())
                    }
                    Node::Sex(_) => {
                        self.sex = true;
                        Ok(())
                    }
                    Node::Registered(w) => {
                        let Some(win) = prog.windows.get(*w as usize) else { return Ok(()) };
                        match (win.lo, win.hi) {
                            (End::Fixed(lo), End::Fixed(hi)) => {
                                self.registration.push(lo);
                                self.registration.push(hi.add_days(1));
                                Ok(())
                            }
                            _ => Err("its registration window is anchored".into()),
                        }
                    }
                    Node::Count { list, window, apart, value, .. } => {
                        if *apart > 0 {
                            return Err("it counts events a number of days apart, which the proof does not cover".into());
                        }
                        self.window(prog, *window)?;
                        self.lists.push((side, *list));
                        self.events += (value.max(0.0).floor() as u64).saturating_add(1);
                        Ok(())
                    }
                    Node::Event { list, paired, window, pred, .. } => {
                        if paired.is_some() {
                            return Err(
                                "it reads paired values, which the proof does not cover".into()
                            );
                        }
                        self.window(prog, *window)?;
                        self.lists.push((side, *list));
                        self.events += 1;
                        match pred {
                            Pred::Exists => {}
                            Pred::Value { value, .. } => self.values.push(*value),
                            Pred::Member(l2) => self.lists.push((side, *l2)),
                            Pred::Within(w2) => self.window(prog, Some(*w2))?,
                            Pred::Date { list: l2, window: w2, .. } => {
                                self.window(prog, *w2)?;
                                self.lists.push((side, *l2));
                                self.events += 1;
                            }
                        }
                        Ok(())
                    }
                }
            }
        }
    }
}

/// Whether two parts agree on every patient, over the abstraction of docs/witness.md.
fn prove(a: &Program, b: &Program, x: Part, y: Part) -> Proof {
    let mut f = Facts::default();
    for (side, prog, p) in [(0, a, x), (1, b, y)] {
        if let Part::Goal(g) = p {
            if let Err(why) = f.goal(prog, side, g, 0) {
                return Proof::Unsupported(why);
            }
        }
    }
    let pped = a.pped;
    let k = f.events as usize;
    // Dates: K representatives in each region up to the PPED (later events are ignored).
    f.cuts.push(pped.add_days(1));
    f.cuts.retain(|d| *d <= pped.add_days(1));
    f.cuts.sort_unstable();
    f.cuts.dedup();
    let mut dates = Vec::new();
    let mut start: Option<Date> = None;
    for &c in &f.cuts {
        // The region [start, c): its last K days (or all of them).
        let lo = start.unwrap_or(MIN_DATE);
        for i in (1..=k as i32).rev() {
            let d = c.add_days(-i);
            if d >= lo {
                dates.push(d);
            }
        }
        start = Some(c);
    }
    // Values: each threshold, and one between each two, below and above.
    f.values.sort_by(f64::total_cmp);
    f.values.dedup();
    let mut values: Vec<Option<f64>> = vec![None];
    for (i, &t) in f.values.iter().enumerate() {
        let below = if i == 0 { t - 1.0 } else { (f.values[i - 1] + t) / 2.0 };
        values.push(Some(below));
        values.push(Some(t));
    }
    if let Some(&t) = f.values.last() {
        values.push(Some(t + 1.0));
    }
    // Codes: one per signature over the lists read.
    let mut sigs: BTreeMap<Vec<bool>, u64> = BTreeMap::new();
    f.lists.sort_unstable();
    f.lists.dedup();
    let progs = [a, b];
    for &(side, l) in &f.lists {
        for &c in progs[side].lists.get(l as usize).map_or(&[][..], |x| &x.codes[..]) {
            let sig: Vec<bool> = f.lists.iter().map(|&(s, m)| in_list(progs[s], m, c)).collect();
            let e = sigs.entry(sig).or_insert(c);
            *e = (*e).min(c);
        }
    }
    let codes: Vec<u64> = sigs.values().copied().collect();
    // Attributes.
    f.ages.sort_unstable();
    f.ages.dedup();
    let mut ages = vec![50];
    for &c in &f.ages {
        ages.push(c);
        if c > 0 {
            ages.push(c - 1);
        }
    }
    ages.sort_unstable();
    ages.dedup();
    let sexes: Vec<Option<Sex>> =
        if f.sex { vec![None, Some(Sex::Female), Some(Sex::Male)] } else { vec![None] };
    if f.registered {
        f.registration.push(pped.add_days(1));
    }
    f.registration.sort_unstable();
    f.registration.dedup();
    let mut regs: Vec<Date> = vec![pped.add_months(-120)];
    for &c in &f.registration {
        regs.push(c);
        regs.push(c.add_days(-1));
    }
    regs.sort_unstable();
    regs.dedup();
    let deregs: Vec<Option<Date>> = if f.registered { vec![None, Some(pped)] } else { vec![None] };
    // The pool of events and the number of patients.
    let mut pool = Vec::new();
    for &d in &dates {
        for &c in &codes {
            for v in &values {
                pool.push((d, c, *v));
            }
        }
    }
    let attrs = (ages.len() * sexes.len() * regs.len() * deregs.len()) as u64;
    let mut multisets: u64 = 0;
    let n = pool.len() as u64;
    // Sum over j <= K of C(n + j - 1, j).
    let mut term: u64 = 1;
    multisets = multisets.saturating_add(term);
    for j in 1..=k as u64 {
        // C(n + j - 1, j) from C(n + j - 2, j - 1): exact (saturating, then only too big).
        term = term.saturating_mul(n + j - 1) / j;
        multisets = multisets.saturating_add(term);
    }
    let total = multisets.saturating_mul(attrs);
    if total > BUDGET {
        return Proof::Unsupported(format!(
            "its abstraction has {total} patients ({} events at most, {} event choices), above \
             the budget of {BUDGET}",
            k,
            pool.len()
        ));
    }
    let mut ea = Engine::new(a);
    let mut eb = Engine::new(b);
    let eval = |e: &mut Engine<'_>, p: Part| match p {
        Part::Const(v) => v,
        Part::Goal(Goal::Node(n)) => e.eval(n),
        Part::Goal(Goal::Register(r)) => e.on_register(r),
    };
    let mut idx: Vec<usize> = Vec::new();
    let mut count = 0u64;
    loop {
        for &age in &ages {
            for &sex in &sexes {
                for &reg in &regs {
                    for &dereg in &deregs {
                        let mut d = Draft {
                            born: Some(pped.add_months(-12 * age).add_days(-1)),
                            sex,
                            registered: Some(reg),
                            deregistered: dereg,
                            events: Vec::new(),
                        };
                        for &i in &idx {
                            let (date, code, v) = pool[i];
                            d.events.push(crate::boundary::DraftEvent {
                                date,
                                code,
                                value: v.map(|v| format!("{v}")),
                            });
                        }
                        d.events.sort();
                        let p = d.patient(pped, "proof");
                        ea.load(&p);
                        eb.load(&p);
                        count += 1;
                        if eval(&mut ea, x) != eval(&mut eb, y) {
                            return Proof::Differ(d);
                        }
                    }
                }
            }
        }
        // The next non-decreasing index sequence of length <= K.
        if !next_multiset(&mut idx, pool.len(), k) {
            break;
        }
    }
    Proof::Equal(count)
}

/// Steps through non-decreasing sequences over `0..n` of length 0 to `k`, shortest first.
fn next_multiset(idx: &mut Vec<usize>, n: usize, k: usize) -> bool {
    if n == 0 {
        return false;
    }
    // Increment like an odometer whose digits never decrease.
    let mut i = idx.len();
    while i > 0 {
        i -= 1;
        if idx[i] + 1 < n {
            let v = idx[i] + 1;
            for x in &mut idx[i..] {
                *x = v;
            }
            return true;
        }
    }
    if idx.len() < k {
        let len = idx.len() + 1;
        idx.clear();
        idx.resize(len, 0);
        return true;
    }
    false
}

/// The answers as text: per indicator its verdict and reason, and a witness with both
/// explanations.
pub fn render_text(all: &[IndicatorWitness]) -> String {
    let mut s = String::new();
    for w in all {
        let v = match w.verdict {
            Verdict::Same => "same",
            Verdict::Differ => "differ",
            Verdict::Unknown => "unknown",
        };
        s.push_str(&format!("{}: {v}: {}\n", w.indicator, w.reason));
        if let Some(block) = &w.witness {
            for line in block.lines() {
                s.push_str(&format!("  {line}\n"));
            }
        }
        if let Some(x) = &w.a {
            s.push_str(&format!("  under A: {}\n", x.explanation));
        }
        if let Some(x) = &w.b {
            s.push_str(&format!("  under B: {}\n", x.explanation));
        }
    }
    s
}
