//! Explanations: one patient, re-evaluated with a plain-language trace per indicator.
//!
//! The outcome always comes from the same cascade the counts use ([`Engine::classify`]); the
//! trace describes each condition that decided it, with the titles of the code lists and the
//! dates and values of the events involved. This path allocates freely: it runs for one
//! patient at a time.

use super::engine::{Class, Engine};
use crate::compile::{Node, NodeId, Pred, Program};
use crate::date::Date;
use crate::model::{Patient, Sex};
use crate::scheme::{Kind, Outcome};
use crate::syntax::ast::{Cmp, DateRel, Pick};
use serde::Serialize;

/// Why one patient got their outcome for one indicator.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndicatorTrace {
    pub indicator: String,
    pub title: String,
    pub outcome: Outcome,
    /// The payment stratum, for stratified indicators.
    pub stratum: Option<String>,
    /// The steps of the cascade that decided the outcome, in order.
    pub steps: Vec<String>,
    /// The whole explanation on one line: `DM020: in the denominator: ...`.
    pub text: String,
}

/// Explains every indicator (or only `indicator`) for one patient. An unknown indicator id
/// gives an empty list.
pub fn explain(prog: &Program, patient: &Patient, indicator: Option<&str>) -> Vec<IndicatorTrace> {
    let mut e = Engine::new(prog);
    e.load(patient);
    let mut out = Vec::new();
    for (i, ind) in prog.indicators.iter().enumerate() {
        if indicator.is_some_and(|id| id != ind.id) {
            continue;
        }
        out.push(trace(&mut e, patient, i));
    }
    out
}

/// A code list's title as it reads inside a sentence (first letter lowercased unless the
/// title starts with an acronym).
fn title(prog: &Program, l: u32) -> String {
    in_sentence(prog.lists.get(l as usize).map_or("", |l| l.title.as_str()))
}

/// A title as it reads inside a sentence: `Diabetes` -> `diabetes`, `IFCC HbA1c` unchanged.
fn in_sentence(t: &str) -> String {
    let mut cs = t.chars();
    match (cs.next(), cs.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(t[a.len_utf8()..].chars()).collect()
        }
        _ => t.to_string(),
    }
}

fn num(v: f64) -> String {
    format!("{v}")
}

fn rel_word(v: f64, t: f64) -> &'static str {
    if v < t {
        "below"
    } else if v > t {
        "above"
    } else {
        "equal to"
    }
}

fn pick_word(p: Option<Pick>) -> &'static str {
    match p {
        Some(Pick::Latest) => "latest ",
        Some(Pick::First) => "first ",
        None => "",
    }
}

fn date_rel_word(rel: DateRel, holds: bool) -> &'static str {
    match (rel, holds) {
        (DateRel::After, true) => "is after",
        (DateRel::After, false) => "is not after",
        (DateRel::OnOrAfter, true) => "is on or after",
        (DateRel::OnOrAfter, false) => "is before",
        (DateRel::Before, true) => "is before",
        (DateRel::Before, false) => "is not before",
        (DateRel::OnOrBefore, true) => "is on or before",
        (DateRel::OnOrBefore, false) => "is after",
    }
}

fn window_suffix(prog: &Program, w: Option<u32>) -> String {
    match w {
        Some(w) => format!(" {}", prog.windows[w as usize].text),
        None => String::new(),
    }
}

/// Evaluates a condition and describes the facts that decided it.
pub(crate) fn describe(e: &mut Engine<'_>, n: NodeId) -> (bool, String) {
    let prog = e.prog;
    let pped = prog.pped;
    match &prog.nodes[n as usize] {
        Node::Const(b) => (*b, if *b { "always".into() } else { "never".into() }),
        Node::And(s, l) => {
            let mut parts = Vec::new();
            for &k in &prog.kids[*s as usize..(*s + *l) as usize] {
                let (v, t) = describe(e, k);
                if !v {
                    return (false, t);
                }
                parts.push(t);
            }
            (true, parts.join(", "))
        }
        Node::Or(s, l) => {
            let mut parts = Vec::new();
            for &k in &prog.kids[*s as usize..(*s + *l) as usize] {
                let (v, t) = describe(e, k);
                if v {
                    return (true, t);
                }
                parts.push(t);
            }
            (false, parts.join(" and "))
        }
        Node::Not(k) => {
            let (v, t) = describe(e, *k);
            (!v, t)
        }
        Node::OnRegister(r) => {
            let (v, t) = describe_register(e, *r);
            (v, t)
        }
        Node::Define(d) => {
            let def = &prog.defines[*d as usize];
            let (v, t) = describe(e, def.node);
            let name = def.title.as_deref().map_or_else(|| def.id.clone(), in_sentence);
            (v, format!("{}{} ({t})", if v { "" } else { "not " }, name))
        }
        Node::Aged(..) => (e.eval(n), format!("aged {} on {pped}", e.age)),
        Node::AgedMonths(..) => {
            let months = pped.months_since(e.birth);
            (e.eval(n), format!("aged {months} months on {pped}"))
        }
        Node::Sex(s) => {
            let v = e.sex == *s;
            let t = match e.sex {
                Sex::Female => "female",
                Sex::Male => "male",
                Sex::Unknown => "sex not recorded",
            };
            (v, t.into())
        }
        Node::Registered(w) => {
            let v = e.eval(n);
            let wt = &prog.windows[*w as usize].text;
            (v, format!("registered {}{} {wt}", e.registered_on, if v { "" } else { ", not" }))
        }
        Node::Count { list, window, apart, cmp, value } => {
            let v = e.eval(n);
            let count = e.window(*window).map_or(0, |r| e.count(*list, r, *apart));
            let apart =
                if *apart > 0 { format!(" at least {apart} days apart") } else { String::new() };
            (
                v,
                format!(
                    "{count} of {}{}{apart} (needs {} {})",
                    title(prog, *list),
                    window_suffix(prog, *window),
                    cmp.symbol(),
                    num(*value)
                ),
            )
        }
        Node::Event { pick, list, paired, window, pred } => {
            let v = e.eval(n);
            let name = match paired {
                Some(b) => format!("{} / {}", title(prog, *list), title(prog, *b)),
                None => title(prog, *list),
            };
            if pick.is_none() && paired.is_none() && !matches!(pred, Pred::Exists) {
                let t = format!(
                    "{} {name}{} {}",
                    if v { "an event of" } else { "no event of" },
                    window_suffix(prog, *window),
                    pred_text(prog, pred)
                );
                return (v, t);
            }
            let s = e.select(*pick, *list, *paired, *window);
            let Some(date) = e.selected_date(s) else {
                let anchored = e.window(*window).is_none();
                return (
                    v,
                    format!(
                        "no {name}{}{}",
                        window_suffix(prog, *window),
                        if anchored { " (its anchor is missing)" } else { "" }
                    ),
                );
            };
            let pw = pick_word(*pick);
            let t = match pred {
                Pred::Exists => format!("{pw}{name} on {date}"),
                Pred::Value { highest, cmp, value: t, paired: t2 } => {
                    // Which value counts, when the date has several.
                    let agg = if *highest { "highest" } else { "lowest" };
                    let valued = e
                        .selected_events(s)
                        .iter()
                        .filter(|&&i| e.event(i).value.is_some())
                        .count();
                    let of_day = if valued > 1 {
                        format!(" (the {agg} of {valued} values that day)")
                    } else {
                        String::new()
                    };
                    match (e.selected_values(s, *highest), t2) {
                        ((Some(a), Some(b)), Some(t2)) => format!(
                            "{pw}{name} on {date} is {}/{}{of_day} ({} {}/{} {})",
                            num(a),
                            num(b),
                            if v { "meets" } else { "does not meet" },
                            num(*t),
                            num(*t2),
                            cmp_phrase(*cmp)
                        ),
                        ((Some(x), None), None) => format!(
                            "{pw}{name} {} on {date}{of_day} is {} {}",
                            num(x),
                            rel_word(x, *t),
                            num(*t)
                        ),
                        _ => format!("{pw}{name} on {date} has no value"),
                    }
                }
                Pred::Date { rel, pick: p2, list: l2, window: w2 } => {
                    let other = e.window(*w2).and_then(|r| e.pick(*p2, *l2, r));
                    match other {
                        Some(j) => format!(
                            "{pw}{name} on {date} {} {}{} on {}",
                            date_rel_word(*rel, v),
                            pick_word(Some(*p2)),
                            title(prog, *l2),
                            e.event(j).date
                        ),
                        None => format!(
                            "{pw}{name} on {date}, no {}{}",
                            title(prog, *l2),
                            window_suffix(prog, *w2)
                        ),
                    }
                }
                Pred::Member(l2) => format!(
                    "{pw}{name} on {date} is{} {}",
                    if v { "" } else { " not" },
                    title(prog, *l2)
                ),
                Pred::Within(w2) => format!(
                    "{pw}{name} on {date} is{} {}",
                    if v { "" } else { " not" },
                    prog.windows[*w2 as usize].text
                ),
            };
            (v, t)
        }
    }
}

fn cmp_phrase(cmp: Cmp) -> &'static str {
    match cmp {
        Cmp::Le => "or below",
        Cmp::Lt => "strictly below",
        Cmp::Ge => "or above",
        Cmp::Gt => "strictly above",
        Cmp::Eq => "exactly",
        Cmp::Ne => "not equal",
    }
}

fn pred_text(prog: &Program, p: &Pred) -> String {
    match p {
        Pred::Exists => String::new(),
        Pred::Value { cmp, value, .. } => format!("with value {} {}", cmp.symbol(), num(*value)),
        Pred::Date { rel, pick, list, .. } => format!(
            "{} {}{}",
            date_rel_word(*rel, true),
            pick_word(Some(*pick)),
            title(prog, *list)
        ),
        Pred::Member(l) => format!("in {}", title(prog, *l)),
        Pred::Within(w) => prog.windows[*w as usize].text.clone(),
    }
}

fn describe_register(e: &mut Engine<'_>, r: u32) -> (bool, String) {
    let prog = e.prog;
    let reg = &prog.registers[r as usize];
    let v = e.on_register(r);
    let mut why = Vec::new();
    if !e.registered {
        why.push(format!("not registered on {}", prog.pped));
    } else {
        if let Some(f) = reg.filter {
            let (fv, t) = describe(e, f);
            if v || !fv {
                why.push(t);
            }
        }
        let age_ok =
            reg.min_age.map_or(true, |m| e.age >= m) && reg.max_age.map_or(true, |m| e.age <= m);
        if v || !age_ok {
            why.push(format!("aged {} on {}", e.age, prog.pped));
        }
    }
    let head = if v {
        format!("on the {} register", reg.id)
    } else {
        format!("not on the {} register", reg.id)
    };
    if why.is_empty() {
        (v, head)
    } else {
        (v, format!("{head} ({})", why.join("; ")))
    }
}

fn registration(e: &Engine<'_>, p: &Patient, pped: Date) -> String {
    match p.deregistered_on {
        Some(d) if d <= pped => format!("deregistered on {d}, before the period end {pped}"),
        _ if p.registered_on > pped => {
            format!("registered on {}, after the period end {pped}", e.registered_on)
        }
        _ => format!("registered on {}", e.registered_on),
    }
}

fn trace(e: &mut Engine<'_>, patient: &Patient, i: usize) -> IndicatorTrace {
    let prog = e.prog;
    let ind = &prog.indicators[i];
    let c = e.classify(i);
    let outcome = super::outcome(prog, i, c);
    let stratum = c.stratum.map(|s| ind.strata[s as usize].id.clone());
    let mut steps = Vec::new();
    'cascade: {
        if !e.registered {
            steps.push(registration(e, patient, prog.pped));
            break 'cascade;
        }
        match ind.kind {
            Kind::Attested => {
                steps.push("attested by the practice, not counted per patient".into());
                break 'cascade;
            }
            Kind::Register => {
                if let Some(r) = ind.register {
                    steps.push(describe_register(e, r).1);
                }
                break 'cascade;
            }
            Kind::Fraction => {}
        }
        match ind.cohort {
            Some(r) => {
                let (v, t) = describe_register(e, r);
                steps.push(t);
                if !v {
                    break 'cascade;
                }
            }
            None => steps.push(format!("registered at the period end {}", prog.pped)),
        }
        if let Some(f) = ind.filter {
            let (v, t) = describe(e, f);
            steps.push(if v {
                format!("in the cohort: {t}")
            } else {
                format!("not in the cohort: {t}")
            });
            if !v {
                break 'cascade;
            }
        }
        if let Some(x) = ind.exclude {
            let (v, t) = describe(e, x);
            if v {
                steps.push(format!("excluded: {t}"));
                break 'cascade;
            }
        }
        let mut achieved = ind.achieved;
        if !ind.strata.is_empty() {
            match c.stratum {
                Some(s) => {
                    let st = &ind.strata[s as usize];
                    let why = match st.when {
                        Some(w) => describe(e, w).1,
                        None => "otherwise".into(),
                    };
                    steps.push(format!("in stratum {} ({why})", st.id));
                    achieved = st.achieved.or(ind.achieved);
                }
                None => {
                    steps.push("in no stratum".into());
                    break 'cascade;
                }
            }
        }
        if let Some(a) = achieved {
            let (v, t) = describe(e, a);
            steps.push(if v { format!("achieved: {t}") } else { format!("not achieved: {t}") });
            if v {
                break 'cascade;
            }
        }
        match c.class {
            Class::Adjusted(k) => {
                let adj = &ind.adjustments[k as usize];
                let (_, t) = describe(e, adj.when);
                let label = adj.label.as_ref().map_or(String::new(), |l| format!(", {l}"));
                steps.push(format!("{}{label}: {t}", adj.category.source()));
            }
            _ => steps.push("no adjustment applies".into()),
        }
    }
    let head = match (&outcome, ind.kind) {
        (Outcome::Excluded, _) => "excluded".to_string(),
        (Outcome::Numerator, Kind::Register) => "on the register".to_string(),
        (Outcome::Numerator, _) => "in the numerator".to_string(),
        (Outcome::Denominator, _) => "in the denominator".to_string(),
        (Outcome::Adjusted(Some(c)), _) => format!("adjusted ({})", c.source()),
        (Outcome::Adjusted(None), _) => "adjusted".to_string(),
    };
    let text = format!("{}: {head}: {}", ind.id, steps.join("; "));
    IndicatorTrace {
        indicator: ind.id.clone(),
        title: ind.title.clone(),
        outcome,
        stratum,
        steps,
        text,
    }
}
