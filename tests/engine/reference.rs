//! The real evaluator against a simple reference evaluator ([`evaluator`]): generated
//! conditions and populations, a fixed realistic scheme, and the counts and pennies that
//! follow from them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod evaluator;
use crate::resolved;

/// Checks a scheme with the real checker; panics with the diagnostics if it has errors.
fn checked(text: &str) -> Scheme {
    let (_, c) = qofrules::check::check_text("test.qof", text);
    match c.scheme {
        Some(s) => s,
        None => panic!("{:#?}\n{text}", c.diagnostics),
    }
}

use evaluator::Ref;
use proptest::prelude::*;
use qofrules::compile::{compile, stratum_pay_id, ListType, Program};
use qofrules::date::Date;
use qofrules::eval::{classify_patient, evaluate_with_threads, outcome, pay_inputs, Evaluation};
use qofrules::model::{Event, Patient, Population, Practice, Sex};
use qofrules::pay::{Counts, PracticeData};
use qofrules::scheme::{Kind, Outcome, Scheme};
use std::collections::BTreeMap;

const HEAD: &str = r#"scheme ref_test "Reference" {
  period 2019-04-01 to 2020-03-31
  point value £187.74
  national average list size 8479
  national prevalence { R 5%, Q 2% }
}
codelist A "List A" snomed { 1, 2 }
codelist B "List B" snomed { 2, 3 }
codelist C "List C" snomed { 4 }
codelist S "Systolic" snomed { 5 }
codelist D "Diastolic" snomed { 6 }
codelist AC "A or C" includes A, C
"#;

const LISTS: &[&str] = &["A", "B", "C", "S", "D", "AC"];

fn list() -> impl Strategy<Value = &'static str> {
    prop::sample::select(LISTS)
}

fn window() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        (1u32..15).prop_map(|n| format!(" in last {n} months")),
        (1u32..400).prop_map(|n| format!(" in last {n} days")),
        (1u32..4).prop_map(|n| format!(" in last {n} years")),
        (1u32..60).prop_map(|n| format!(" in last {n} weeks")),
        Just(" since 2019-06-01".to_string()),
        Just(" between 2018-01-01 and 2019-12-31".to_string()),
        list().prop_map(|l| format!(" before latest {l}")),
        list().prop_map(|l| format!(" after first {l}")),
        Just(" after registration".to_string()),
        (list(), 0i32..6, 0i32..13).prop_map(|(l, a, b)| format!(
            " from {a} months before first {l} to {b} months after first {l}"
        )),
        (0i32..900, 0i32..200).prop_map(|(a, b)| format!(
            " from {a} months after birth to {} months after birth",
            a + b
        )),
        Just(" before birth".to_string()),
        Just(" in the period".to_string()),
        Just(" since the start of the period".to_string()),
        (0i32..12).prop_map(|n| format!(
            " from {n} months after the start of the period to the end of the period"
        )),
        list().prop_map(|l| format!(" on or before latest {l}")),
        list().prop_map(|l| format!(" on or after first {l}")),
        Just(" on or before 2019-06-01".to_string()),
        Just(" on or after the start of the period".to_string()),
    ]
}

fn cmp() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&["<=", ">=", "<", ">", "=", "!="][..])
}

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        (list(), window()).prop_map(|(l, w)| format!("{l}{w}")),
        (prop::sample::select(&["latest", "first"][..]), list(), window())
            .prop_map(|(p, l, w)| format!("{p} {l}{w}")),
        (list(), window(), cmp(), 0u32..200)
            .prop_map(|(l, w, c, v)| format!("latest {l}{w} has value {c} {v}")),
        (
            prop::sample::select(&["latest", "first"][..]),
            list(),
            window(),
            prop::sample::select(&["lowest ", "highest ", ""][..]),
            cmp(),
            0u32..200
        )
            .prop_map(|(p, l, w, a, c, v)| format!("{p} {l}{w} has {a}value {c} {v}")),
        (prop::sample::select(&["latest", "first"][..]), list(), list())
            .prop_map(|(p, l, m)| format!("{p} {l} is in {m}")),
        (
            list(),
            prop::sample::select(&["after", "before", "on or after", "on or before"][..]),
            prop::sample::select(&["latest", "first"][..]),
            list(),
            window()
        )
            .prop_map(|(l, r, p, m, w)| format!("latest {l} is {r} {p} {m}{w}")),
        (prop::sample::select(&["latest", "first"][..]), list(), 1u32..20)
            .prop_map(|(p, l, n)| format!("{p} {l} is in last {n} months")),
        (
            list(),
            window(),
            prop::option::of(prop::sample::select(&[1u32, 7, 14, 30][..])),
            cmp(),
            0u32..4
        )
            .prop_map(|(l, w, a, c, n)| match a {
                Some(a) => format!("count {l}{w} at least {a} days apart {c} {n}"),
                None => format!("count {l}{w} {c} {n}"),
            }),
        (
            prop::sample::select(&["latest", "first"][..]),
            window(),
            prop::sample::select(&["lowest ", "highest ", ""][..]),
            60u32..180,
            40u32..120
        )
            .prop_map(|(p, w, g, a, b)| format!("{p} S / D{w} has {g}value <= {a} / {b}")),
        (0u32..90).prop_map(|a| format!("aged {a} or over")),
        (0u32..90).prop_map(|a| format!("aged {a} or under")),
        (0u32..60, 0u32..40).prop_map(|(a, b)| format!("aged {a} to {}", a + b)),
        (0u32..1000, 0u32..30).prop_map(|(a, b)| format!("aged {a} to {} months", a + b)),
        (0u32..1000).prop_map(|a| format!("aged {a} months or over")),
        (0u32..1000).prop_map(|a| format!("aged {a} months or under")),
        Just("female".to_string()),
        Just("male".to_string()),
        (1u32..40).prop_map(|n| format!("registered in last {n} months")),
        Just("true".to_string()),
        Just("false".to_string()),
    ]
}

fn cond() -> impl Strategy<Value = String> {
    atom().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|v| format!("({})", v.join(" and "))),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|v| format!("({})", v.join(" or "))),
            inner.prop_map(|c| format!("not ({c})")),
        ]
    })
}

fn date(lo: &str, span: i32) -> impl Strategy<Value = Date> {
    let base = Date::parse(lo).unwrap();
    (0..span).prop_map(move |k| base.add_days(k))
}

fn event() -> impl Strategy<Value = Event> {
    (
        // Mostly around the scheme year, some after the PPED; coarse dates so that same-day
        // events (pairs, ties) are common.
        prop_oneof![1 => date("2017-01-01", 1300), 3 => (0i32..60).prop_map(|k| Date::parse("2019-04-03").unwrap().add_days(k * 7))],
        1u64..8,
        prop::option::of(0u32..200),
    )
        .prop_map(|(d, c, v)| Event { date: d, code: c, value: v.map(f64::from) })
}

fn patient() -> impl Strategy<Value = Patient> {
    (
        date("1925-01-01", 33000),
        prop::sample::select(&[Sex::Female, Sex::Male, Sex::Unknown][..]),
        date("1990-01-01", 11200),
        prop::option::of(date("2018-01-01", 1000)),
        prop::collection::vec(event(), 0..14),
        0usize..3,
        // Blood pressure pairs: systolic and diastolic on one date.
        prop::collection::vec((date("2018-10-01", 600), 80u32..200, 40u32..120), 0..3),
        // Series of one code at steps around a week (invitations).
        prop::collection::vec((1u64..8, date("2019-01-01", 450), 5i32..10, 2i32..4), 0..2),
        // Same-day ties: several events on one date, of one code or two, with or without values.
        prop::collection::vec(
            (
                date("2019-01-01", 450),
                prop::collection::vec((1u64..8, prop::option::of(0u32..200)), 2..4),
            ),
            0..3,
        ),
    )
        .prop_map(|(born, sex, reg, dereg, mut events, practice, pairs, series, ties)| {
            for (d, evs) in ties {
                for (code, v) in evs {
                    events.push(Event { date: d, code, value: v.map(f64::from) });
                }
            }
            for (d, a, b) in pairs {
                events.push(Event { date: d, code: 5, value: Some(f64::from(a)) });
                events.push(Event { date: d, code: 6, value: Some(f64::from(b)) });
            }
            for (code, start, step, n) in series {
                for k in 0..n {
                    events.push(Event { date: start.add_days(k * step), code, value: None });
                }
            }
            let mut p = Patient {
                patient_id: String::new(),
                practice_id: format!("P{practice}"),
                birth_date: born,
                sex,
                registered_on: reg,
                deregistered_on: dereg.filter(|_| practice != 0),
                deprivation_decile: None,
                events,
            };
            p.sort_events();
            p
        })
}

fn population() -> impl Strategy<Value = Population> {
    prop::collection::vec(patient(), 0..40).prop_map(|mut ps| {
        for (i, p) in ps.iter_mut().enumerate() {
            p.patient_id = format!("pt{i}");
        }
        Population {
            practices: (0..3)
                .map(|k| Practice {
                    practice_id: format!("P{k}"),
                    practice_name: format!("Practice {k}"),
                    network_id: format!("N{}", k / 2),
                })
                .collect(),
            patients: ps,
        }
    })
}

fn generated_scheme(c: &[String]) -> String {
    format!(
        r#"{HEAD}
define d1 = {c0}
register R "Register" {{ patients aged 17 or over, where {c1} or d1, list 17OV }}
register Q "Other" {{ where {c2}, list 30_74 }}
indicator I1 "Fraction" {{
  group R, domain CL, points 20, thresholds 40% to 80%
  denominator R where {c3}
  exclude when {c4}
  achieved when {c5}
  adjustments {{
    unsuitable when {c6}
    no response when {c7} and on register Q
  }}
}}
indicator I2 "Strata" {{
  group Q, domain CL, points 15
  denominator patients where on register Q or d1
  stratum s1 when {c8} {{ achieved when {c9}, thresholds 30% to 60%, points 10 }}
  // `and not s1` keeps s2 reachable (the checker rejects a stratum identical to an earlier one)
  // without changing who it takes: strata are tried in order anyway
  stratum s2 when ({c10}) and not ({c8}) {{ achieved when {c11}, thresholds 20% to 50%, points 5 }}
}}
indicator I3 "Register" {{ group R, domain CL, points 6, register R }}
"#,
        c0 = c[0],
        c1 = c[1],
        c2 = c[2],
        c3 = c[3],
        c4 = c[4],
        c5 = c[5],
        c6 = c[6],
        c7 = c[7],
        c8 = c[8],
        c9 = c[9],
        c10 = c[10],
        c11 = c[11],
    )
}

/// Counts from the reference evaluator, as the pay phase's practice table.
fn reference_data(s: &Scheme, prog: &Program, pop: &Population) -> PracticeData {
    let r = Ref::new(s);
    let mut d = PracticeData::new();
    let lts: Vec<ListType> = std::iter::once("TOTAL".to_string())
        .chain(s.registers.iter().map(|r| r.list_type.id.clone()))
        .map(|l| ListType::parse(&l).unwrap())
        .collect();
    for pr in &pop.practices {
        let pid = pr.practice_id.as_str();
        d.practice_mut(pid);
        d.set_network(pid, &pr.network_id);
        let mut lists: BTreeMap<String, u32> = lts.iter().map(|l| (l.id.clone(), 0)).collect();
        let mut regs = vec![0u32; s.registers.len()];
        let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
        for ind in &s.indicators {
            match (ind.kind, ind.strata.is_empty()) {
                (Kind::Fraction, false) => {
                    counts.insert(ind.id.clone(), Counts::default());
                    for st in &ind.strata {
                        counts.insert(stratum_pay_id(&ind.id, &st.id), Counts::default());
                    }
                }
                (Kind::Attested, _) => {}
                _ => {
                    counts.insert(ind.id.clone(), Counts::default());
                }
            }
        }
        for p in pop.patients.iter().filter(|p| p.practice_id == pid) {
            let rp = r.patient(p);
            if !rp.registered {
                continue;
            }
            for l in &lts {
                // Written independently of ListType::contains.
                if l.min_age.map_or(true, |m| rp.age >= m)
                    && l.max_age.map_or(true, |m| rp.age <= m)
                {
                    *lists.get_mut(&l.id).unwrap() += 1;
                }
            }
            for (k, on) in rp.registers.iter().enumerate() {
                regs[k] += u32::from(*on);
            }
            for (ind, (o, st)) in s.indicators.iter().zip(&rp.outcomes) {
                if ind.kind != Kind::Fraction {
                    continue;
                }
                let mut keys = vec![ind.id.clone()];
                if let Some(st) = st {
                    keys.push(stratum_pay_id(&ind.id, st));
                }
                for key in keys {
                    let c = counts.get_mut(&key).unwrap();
                    match o {
                        Outcome::Numerator => {
                            c.numerator += 1;
                            c.denominator += 1;
                        }
                        Outcome::Denominator => c.denominator += 1,
                        Outcome::Adjusted(cat) => {
                            c.pcas += 1;
                            *c.pcas_by_category
                                .entry(cat.as_ref().unwrap().key().to_string())
                                .or_insert(0) += 1;
                        }
                        Outcome::Excluded => {}
                    }
                }
            }
        }
        for (id, n) in &lists {
            d.set_list_size(pid, id, *n);
        }
        for (k, reg) in s.registers.iter().enumerate() {
            d.set_register(pid, &reg.id, regs[k]);
        }
        for ind in &s.indicators {
            if ind.kind == Kind::Register {
                let k = s
                    .registers
                    .iter()
                    .position(|r| Some(&r.id) == ind.register.as_ref().map(|x| &x.id))
                    .unwrap();
                let c = counts.get_mut(&ind.id).unwrap();
                c.denominator = regs[k];
                c.numerator = regs[k];
                c.achieved = Some(regs[k] > 0);
            }
        }
        for (id, c) in counts {
            d.set_counts(pid, &id, c);
        }
    }
    let _ = prog;
    d
}

fn check(s: &Scheme, pop: &Population) -> Result<(), TestCaseError> {
    let prog = compile(s);
    resolved::assert_resolved(s, &prog);
    let r = Ref::new(s);
    for p in &pop.patients {
        let want = r.patient(p);
        let got = classify_patient(&prog, p);
        prop_assert_eq!(&got.registers, &want.registers, "registers of {:?}", p);
        for (i, ind) in prog.indicators.iter().enumerate() {
            let o = outcome(&prog, i, got.outcomes[i]);
            let st = got.outcomes[i].stratum.map(|k| ind.strata[k as usize].id.clone());
            prop_assert_eq!(&(o, st), &want.outcomes[i], "indicator {} for {:?}", ind.id, p);
        }
    }
    // The order of same-day events (which a file may list either way) changes nothing:
    // reverse each patient's events, then sort by date (stable) again.
    for p in &pop.patients {
        let mut q = p.clone();
        q.events.reverse();
        q.sort_events();
        let a = classify_patient(&prog, p);
        let b = classify_patient(&prog, &q);
        prop_assert_eq!(&a.registers, &b.registers, "registers of reversed {:?}", p);
        for i in 0..prog.indicators.len() {
            prop_assert_eq!(
                outcome(&prog, i, a.outcomes[i]),
                outcome(&prog, i, b.outcomes[i]),
                "indicator {} of reversed {:?}",
                prog.indicators[i].id,
                p
            );
        }
    }
    let ev: Evaluation = evaluate_with_threads(&prog, pop, 2);
    // the practices' own prevalence on both sides, as `want` computes it below
    let inputs =
        pay_inputs(s, &prog, &ev, &qofrules::national::PrevalenceFrom::Population).unwrap();
    let refdata = reference_data(s, &prog, pop);
    for (a, b) in inputs.data.practices().iter().zip(refdata.practices()) {
        for id in inputs.data.indicator_ids() {
            let ca = PracticeData::counts(a, inputs.data.find_indicator(id));
            let cb = PracticeData::counts(b, refdata.find_indicator(id));
            prop_assert_eq!(ca, cb, "counts of {} at {}", id, a.practice_id);
        }
        for id in inputs.data.group_ids() {
            prop_assert_eq!(
                PracticeData::register(a, inputs.data.find_group(id)),
                PracticeData::register(b, refdata.find_group(id)),
                "register {}",
                id
            );
        }
        for id in inputs.data.list_type_ids() {
            prop_assert_eq!(
                PracticeData::list_size(a, inputs.data.find_list_type(id)),
                PracticeData::list_size(b, refdata.find_list_type(id)),
                "list size {}",
                id
            );
        }
    }
    // And therefore every point and penny.
    let national = qofrules::pay::NationalFigures::computed(&refdata, &inputs.scheme.groups)
        .with_average_list_size(8479.into(), qofrules::pay::FigureSource::Scheme);
    let got = qofrules::pay::pay(&inputs.scheme, &inputs.national, &inputs.data).unwrap();
    let want = qofrules::pay::pay(&inputs.scheme, &national, &refdata).unwrap();
    prop_assert_eq!(serde_json::to_value(&got).unwrap(), serde_json::to_value(&want).unwrap());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn generated_schemes_agree_with_the_reference(
        conds in prop::collection::vec(cond(), 12),
        pop in population(),
    ) {
        let s = checked(&generated_scheme(&conds));
        check(&s, &pop)?;
    }

    #[test]
    fn a_realistic_scheme_agrees_with_the_reference(pop in population()) {
        let s = checked(REALISTIC);
        check(&s, &pop)?;
    }
}

/// DM/HYP-like indicators over the generated code space (A = diagnosis, B = resolved,
/// C = invitation, S / D = blood pressure).
const REALISTIC: &str = r#"scheme ref_real "Realistic" {
  period 2019-04-01 to 2020-03-31
  point value £187.74
  national average list size 8479
}
codelist DX "Diagnosis" snomed { 1, 2 }
codelist RES "Resolved" snomed { 3 }
codelist INV "Invitation" snomed { 4 }
codelist SYS "Systolic" snomed { 5 }
codelist DIA "Diastolic" snomed { 6 }
codelist DEC "Declined" snomed { 7 }
codelist MOD "Moderate" snomed { 2 }
register DM "Diabetes" {
  patients aged 17 or over
  where latest DX is on or after latest RES
  list 17OV
}
indicator DM001 "Register" { group DM, domain CL, points 6, register DM }
indicator DM020 "Value" {
  group DM, domain CL, points 17, thresholds 35% to 75%
  denominator DM where not latest DX is in MOD
  achieved when latest SYS in last 12 months has value <= 58
  exclude when latest DIA in last 12 months has highest value > 110
  adjustments {
    chose not to when DEC in last 12 months
    no response  when count INV in last 12 months at least 7 days apart >= 2
    new patient  when first DX is in last 9 months or registered in last 9 months
  }
}
indicator BP "Pair" {
  group DM, domain CL, points 10, thresholds 40% to 77%
  denominator DM where aged 79 or under
  achieved when latest SYS / DIA in last 12 months has value <= 140 / 90
  adjustments { unsuitable when DEC from 1 months before latest DX to 2 months after latest DX }
}
indicator CS "Population" {
  group CS, domain PH, points 7, thresholds 45% to 80%
  denominator patients where female and aged 25 to 49
  achieved when INV in last 42 months
}
"#;
