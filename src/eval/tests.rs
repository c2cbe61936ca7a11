use super::*;
use crate::compile::{compile, Program};
use crate::date::Date;
use crate::model::{Event, Patient, Population, Practice, Sex};
use crate::syntax::ast::Category;

const HEAD: &str = r#"scheme t "T" { period 2019-04-01 to 2020-03-31, point value £187.74, national average list size 8479 }
codelist DM_COD    "Diabetes code" snomed { 44054006 }
codelist DMRES_COD "Diabetes resolved" snomed { 315051004 }
codelist HBA_COD   "IFCC HbA1c" snomed { 999791000000106 }
codelist SYS_COD   "Systolic BP" snomed { 72313002 }
codelist DIA_COD   "Diastolic BP" snomed { 1091811000000102 }
codelist INV_COD   "Invitation" snomed { 1107831000000107 }
codelist PCA_COD   "PCA unsuitable" snomed { 1107811000000104 }
codelist DEC_COD   "PCA declined" snomed { 1107821000000105 }
codelist FRAIL_COD "Frailty" snomed { 925791000000100, 925831000000107 }
codelist FRAIL_MOD "Moderate frailty" snomed { 925831000000107 }
register DM "Diabetes mellitus" {
  patients aged 17 or over
  where latest DM_COD is after latest DMRES_COD
  list 17OV
}
"#;

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn setup(body: &str) -> (crate::scheme::Scheme, Program) {
    let s = crate::eval::test_scheme(&format!("{HEAD}{body}"));
    let p = compile(&s);
    (s, p)
}

fn patient(events: &[(&str, u64, Option<f64>)]) -> Patient {
    let mut p = Patient {
        patient_id: "p1".into(),
        practice_id: "P1".into(),
        birth_date: d("1950-06-01"),
        sex: Sex::Female,
        registered_on: d("2000-01-01"),
        deregistered_on: None,
        deprivation_decile: Some(3),
        events: events.iter().map(|(s, c, v)| Event { date: d(s), code: *c, value: *v }).collect(),
    };
    p.sort_events();
    p
}

const DM: u64 = 44054006;
const DMRES: u64 = 315051004;
const HBA: u64 = 999791000000106;
const SYS: u64 = 72313002;
const DIA: u64 = 1091811000000102;
const INV: u64 = 1107831000000107;
const PCA: u64 = 1107811000000104;
const DEC: u64 = 1107821000000105;
const MODFRAIL: u64 = 925831000000107;
const MILDFRAIL: u64 = 925791000000100;

fn outcome_of(p: &Program, pt: &Patient, ind: &str) -> Outcome {
    let i = p.indicators.iter().position(|x| x.id == ind).unwrap();
    let r = classify_patient(p, pt);
    super::outcome(p, i, r.outcomes[i])
}

fn holds(cond: &str, pt: &Patient) -> bool {
    let (_, p) = setup(&format!("define c = {cond}"));
    let mut e = Engine::new(&p);
    e.load(pt);
    e.eval(p.defines[0].node)
}

const DM020: &str = r#"
indicator DM020 "HbA1c" {
  group DM, domain CL, points 17, thresholds 35% to 75%
  denominator DM where not latest FRAIL_COD is in FRAIL_MOD
  achieved when latest HBA_COD in last 12 months has value <= 58
  adjustments {
    unsuitable   when PCA_COD in last 12 months
    chose not to when DEC_COD in last 12 months
    no response  when count INV_COD in last 12 months at least 7 days apart >= 2
    new patient  when first DM_COD is in last 9 months or registered in last 9 months
  }
}
"#;

#[test]
fn month_clamping_in_windows() {
    // in last 1 month from 31 March 2020 = (29 February, 31 March].
    let pt = patient(&[("2020-02-29", DM, None)]);
    assert!(!holds("DM_COD in last 1 months", &pt));
    let pt = patient(&[("2020-03-01", DM, None)]);
    assert!(holds("DM_COD in last 1 months", &pt));
    // in last 12 months = (2019-03-31, 2020-03-31].
    assert!(!holds("DM_COD in last 12 months", &patient(&[("2019-03-31", DM, None)])));
    assert!(holds("DM_COD in last 12 months", &patient(&[("2019-04-01", DM, None)])));
    assert!(holds("DM_COD in last 12 months", &patient(&[("2020-03-31", DM, None)])));
}

#[test]
fn events_after_the_pped_are_ignored() {
    let pt = patient(&[("2020-04-01", DM, None)]);
    assert!(!holds("DM_COD", &pt));
    assert!(!holds("DM_COD since 2019-01-01", &pt));
    assert!(!holds("DM_COD between 2020-01-01 and 2020-12-31", &pt));
    // The latest event on or before the PPED is the one used.
    let pt = patient(&[("2019-10-01", HBA, Some(50.0)), ("2020-04-02", HBA, Some(90.0))]);
    assert!(holds("latest HBA_COD has value <= 58", &pt));
}

#[test]
fn deregistered_before_the_pped_is_excluded_everywhere() {
    let (_, p) = setup(DM020);
    let mut pt = patient(&[("2010-05-01", DM, None), ("2019-10-01", HBA, Some(50.0))]);
    assert_eq!(outcome_of(&p, &pt, "DM020"), Outcome::Numerator);
    pt.deregistered_on = Some(d("2020-03-30"));
    assert_eq!(outcome_of(&p, &pt, "DM020"), Outcome::Excluded);
    assert_eq!(classify_patient(&p, &pt).registers, vec![false]);
    // Deregistered after the PPED: still registered at the PPED.
    pt.deregistered_on = Some(d("2020-04-01"));
    assert_eq!(outcome_of(&p, &pt, "DM020"), Outcome::Numerator);
    // Registered after the PPED: not yet registered.
    pt.deregistered_on = None;
    pt.registered_on = d("2020-04-01");
    assert_eq!(outcome_of(&p, &pt, "DM020"), Outcome::Excluded);
}

#[test]
fn achieved_first_rule_adjusted_patient_who_achieved_counts_in_numerator() {
    let (_, p) = setup(DM020);
    let pt = patient(&[
        ("2010-05-01", DM, None),
        ("2019-06-01", PCA, None),
        ("2019-10-01", HBA, Some(50.0)),
    ]);
    assert_eq!(outcome_of(&p, &pt, "DM020"), Outcome::Numerator);
    let pt = patient(&[
        ("2010-05-01", DM, None),
        ("2019-06-01", PCA, None),
        ("2019-10-01", HBA, Some(63.0)),
    ]);
    assert_eq!(outcome_of(&p, &pt, "DM020"), Outcome::Adjusted(Some(Category::Unsuitable)));
}

#[test]
fn adjustments_are_tried_in_written_order() {
    let (_, p) = setup(DM020);
    // Both declined and unsuitable: unsuitable is written first.
    let pt =
        patient(&[("2010-05-01", DM, None), ("2019-06-01", DEC, None), ("2019-07-01", PCA, None)]);
    assert_eq!(outcome_of(&p, &pt, "DM020"), Outcome::Adjusted(Some(Category::Unsuitable)));
    let pt = patient(&[("2010-05-01", DM, None), ("2019-06-01", DEC, None)]);
    assert_eq!(outcome_of(&p, &pt, "DM020"), Outcome::Adjusted(Some(Category::ChoseNotTo)));
    // Newly diagnosed (first DM code in the last 9 months, from 2019-07-01).
    let pt = patient(&[("2019-07-01", DM, None)]);
    assert_eq!(outcome_of(&p, &pt, "DM020"), Outcome::Adjusted(Some(Category::NewPatient)));
    let pt = patient(&[("2019-06-30", DM, None)]);
    assert_eq!(outcome_of(&p, &pt, "DM020"), Outcome::Denominator);
}

#[test]
fn cohort_filter_excludes_rather_than_adjusts() {
    let (_, p) = setup(DM020);
    let pt = patient(&[("2010-05-01", DM, None), ("2019-05-01", MODFRAIL, None)]);
    assert_eq!(outcome_of(&p, &pt, "DM020"), Outcome::Excluded);
    // A later mild frailty code replaces it.
    let pt = patient(&[
        ("2010-05-01", DM, None),
        ("2019-05-01", MODFRAIL, None),
        ("2019-08-01", MILDFRAIL, None),
    ]);
    assert_eq!(outcome_of(&p, &pt, "DM020"), Outcome::Denominator);
}

#[test]
fn latest_after_latest_with_missing_second_list() {
    let c = "latest DM_COD is after latest DMRES_COD";
    assert!(holds(c, &patient(&[("2010-05-01", DM, None)])));
    assert!(!holds(c, &patient(&[])));
    assert!(!holds(c, &patient(&[("2010-05-01", DMRES, None)])));
    assert!(holds(c, &patient(&[("2009-01-01", DMRES, None), ("2010-05-01", DM, None)])));
    assert!(!holds(c, &patient(&[("2010-05-01", DM, None), ("2011-01-01", DMRES, None)])));
    // Same day: not after, but on or after.
    let same = patient(&[("2010-05-01", DM, None), ("2010-05-01", DMRES, None)]);
    assert!(!holds(c, &same));
    assert!(holds("latest DM_COD is on or after latest DMRES_COD", &same));
    // Before with a missing second list: infinitely long ago, so never before it.
    assert!(!holds(
        "latest DM_COD is before latest DMRES_COD",
        &patient(&[("2010-05-01", DM, None)])
    ));
}

#[test]
fn paired_blood_pressure_on_the_same_date() {
    let c = "latest SYS_COD / DIA_COD in last 12 months has value <= 140 / 90";
    // Latest systolic has no diastolic on its date: the latest date with both is used.
    let pt = patient(&[
        ("2019-06-01", SYS, Some(130.0)),
        ("2019-06-01", DIA, Some(80.0)),
        ("2019-09-01", SYS, Some(170.0)),
    ]);
    assert!(holds(c, &pt));
    // Lowest of each on the date.
    let pt = patient(&[
        ("2019-09-01", SYS, Some(150.0)),
        ("2019-09-01", SYS, Some(138.0)),
        ("2019-09-01", DIA, Some(95.0)),
        ("2019-09-01", DIA, Some(88.0)),
    ]);
    assert!(holds(c, &pt));
    let pt = patient(&[("2019-09-01", SYS, Some(138.0)), ("2019-09-01", DIA, Some(91.0))]);
    assert!(!holds(c, &pt));
    // No date with both.
    let pt = patient(&[("2019-09-01", SYS, Some(120.0)), ("2019-09-02", DIA, Some(70.0))]);
    assert!(!holds(c, &pt));
    // Outside the window.
    let pt = patient(&[("2019-03-31", SYS, Some(120.0)), ("2019-03-31", DIA, Some(70.0))]);
    assert!(!holds(c, &pt));
}

#[test]
fn count_at_least_7_days_apart() {
    let c = "count INV_COD in last 12 months at least 7 days apart >= 2";
    assert!(!holds(c, &patient(&[("2019-06-01", INV, None), ("2019-06-07", INV, None)])));
    assert!(holds(c, &patient(&[("2019-06-01", INV, None), ("2019-06-08", INV, None)])));
    // Greedy from the earliest: 1st, 5th (too close), 9th counted.
    assert!(holds(
        c,
        &patient(&[
            ("2019-06-01", INV, None),
            ("2019-06-05", INV, None),
            ("2019-06-09", INV, None)
        ])
    ));
    assert!(holds(
        "count INV_COD in last 12 months >= 2",
        &patient(&[("2019-06-01", INV, None), ("2019-06-01", INV, None)])
    ));
    assert!(!holds(c, &patient(&[("2019-03-01", INV, None), ("2019-06-01", INV, None)])));
}

#[test]
fn values_membership_first_and_anchored_windows() {
    let pt = patient(&[("2019-10-01", HBA, Some(58.0))]);
    assert!(holds("latest HBA_COD in last 12 months has value <= 58", &pt));
    assert!(!holds("latest HBA_COD in last 12 months has value < 58", &pt));
    // An event without a value fails any value test.
    assert!(!holds("latest HBA_COD has value > 0", &patient(&[("2019-10-01", HBA, None)])));
    let pt = patient(&[("2019-01-01", MILDFRAIL, None), ("2019-05-01", MODFRAIL, None)]);
    assert!(holds("latest FRAIL_COD is in FRAIL_MOD", &pt));
    assert!(!holds("first FRAIL_COD is in FRAIL_MOD", &pt));
    assert!(holds("first FRAIL_COD is in last 15 months", &pt));
    assert!(!holds("first FRAIL_COD is in last 12 months", &pt));
    // Anchored windows.
    let pt = patient(&[("2015-03-01", DM, None), ("2015-05-31", HBA, Some(40.0))]);
    assert!(holds("HBA_COD from 3 months before first DM_COD to 3 months after first DM_COD", &pt));
    assert!(!holds(
        "HBA_COD from 3 months before first DM_COD to 2 months after first DM_COD",
        &pt
    ));
    assert!(holds("HBA_COD after first DM_COD", &pt));
    assert!(!holds("HBA_COD before first DM_COD", &pt));
    // A missing anchor makes the window empty.
    assert!(!holds("HBA_COD after first DMRES_COD", &pt));
    assert!(holds("HBA_COD after registration", &pt));
    assert!(holds("registered in last 25 years", &pt));
    assert!(!holds("registered in last 9 months", &pt));
    assert!(holds("aged 69 or over and aged 69 or under and female", &pt));
    assert!(!holds("male", &pt));
}

#[test]
fn strata_and_reporting_classes() {
    let (_, p) = setup(
        r#"indicator S "strata" {
  group DM, domain CL, points 27
  denominator DM
  stratum fit when not latest FRAIL_COD is in FRAIL_MOD {
    achieved when latest HBA_COD in last 12 months has value <= 58
    thresholds 35% to 75%, points 17
  }
  stratum frail otherwise {
    achieved when latest HBA_COD in last 12 months has value <= 75
    thresholds 52% to 92%, points 10
  }
  report by age band 17-64, 65-79, 80+
}"#,
    );
    let fit = patient(&[("2010-05-01", DM, None), ("2019-10-01", HBA, Some(63.0))]);
    let frail = patient(&[
        ("2010-05-01", DM, None),
        ("2019-05-01", MODFRAIL, None),
        ("2019-10-01", HBA, Some(63.0)),
    ]);
    let r = classify_patient(&p, &fit);
    assert_eq!(r.outcomes[0], Classified { class: Class::Denominator, stratum: Some(0) });
    let r = classify_patient(&p, &frail);
    assert_eq!(r.outcomes[0], Classified { class: Class::Numerator, stratum: Some(1) });
    let pop = Population {
        practices: vec![Practice {
            practice_id: "P1".into(),
            practice_name: "P".into(),
            network_id: "N1".into(),
        }],
        patients: vec![fit, frail],
    };
    let ev = evaluate(&p, &pop);
    let c = ev.practices[0].indicator(0);
    assert_eq!(c.tally(), Tally { denominator: 2, numerator: 1, pcas: 0 });
    assert_eq!(
        (0..2).map(|s| c.stratum(s)).collect::<Vec<_>>(),
        vec![
            Tally { denominator: 1, numerator: 0, pcas: 0 },
            Tally { denominator: 1, numerator: 1, pcas: 0 }
        ]
    );
    // Both aged 69: band 65-79.
    assert_eq!(c.report(0)[1], Tally { denominator: 2, numerator: 1, pcas: 0 });
    let data = practice_data(&p, &ev);
    let col = data.find_indicator("S/frail").unwrap();
    let counts = crate::pay::PracticeData::counts(&data.practices()[0], Some(col)).unwrap();
    assert_eq!((counts.denominator, counts.numerator), (1, 1));
}

fn person(id: &str, practice: &str, born: &str, events: &[(&str, u64, Option<f64>)]) -> Patient {
    let mut p = patient(events);
    p.patient_id = id.into();
    p.practice_id = practice.into();
    p.birth_date = d(born);
    p
}

#[test]
fn practice_counts_list_sizes_registers_and_pay() {
    let (s, p) = setup(DM020);
    let mut gone = person("g", "P1", "1960-01-01", &[("2010-01-01", DM, None)]);
    gone.deregistered_on = Some(d("2019-12-01"));
    let pop = Population {
        practices: vec![
            Practice {
                practice_id: "P1".into(),
                practice_name: "One".into(),
                network_id: "N1".into(),
            },
            Practice {
                practice_id: "P2".into(),
                practice_name: "Two".into(),
                network_id: "N1".into(),
            },
        ],
        patients: vec![
            person(
                "a",
                "P1",
                "1950-01-01",
                &[("2010-01-01", DM, None), ("2019-10-01", HBA, Some(50.0))],
            ),
            person(
                "b",
                "P1",
                "1950-01-01",
                &[("2010-01-01", DM, None), ("2019-10-01", HBA, Some(70.0))],
            ),
            person("c", "P1", "2010-01-01", &[("2015-01-01", DM, None)]),
            person("e", "P1", "1980-01-01", &[("2010-01-01", DM, None), ("2019-11-01", PCA, None)]),
            gone,
            person(
                "f",
                "P2",
                "1940-01-01",
                &[("2010-01-01", DM, None), ("2012-01-01", DMRES, None)],
            ),
        ],
    };
    let ev = evaluate(&p, &pop);
    let p1 = &ev.practices[0];
    assert_eq!(p1.patients, 5);
    // TOTAL then 17OV.
    assert_eq!(p1.list_sizes, vec![4, 3]);
    assert_eq!(p1.registers, vec![3]);
    let c = p1.indicator(0);
    assert_eq!(c.tally(), Tally { denominator: 2, numerator: 1, pcas: 1 });
    assert_eq!(c.pcas_by_adjustment(), [1, 0, 0, 0]);
    let p2 = &ev.practices[1];
    assert_eq!((p2.list_sizes.clone(), p2.registers.clone()), (vec![1, 1], vec![0]));
    // Same result on several threads (the parallel path, forced for a small population).
    for threads in 2..5 {
        assert_eq!(evaluate_split(&p, &pop, threads, 0, &crate::progress::Silent), ev);
    }

    let inputs = pay_inputs(&s, &p, &ev, &crate::national::PrevalenceFrom::Population).unwrap();
    let res = crate::pay::pay(&inputs.scheme, &inputs.national, &inputs.data).unwrap();
    let ind = &res.practices[0].indicators[0];
    assert_eq!((ind.denominator, ind.numerator, ind.pcas), (2, 1, 1));
    assert_eq!(ind.pcas_by_category.get("unsuitable"), Some(&1));
    assert_eq!(ind.register, Some(3));
    // Achievement 50%, thresholds 35-75%: 17 * 15/40 = 6.375 points.
    assert_eq!(ind.points.normalize().to_string(), "6.375");
    assert_eq!(res.national.average_list_size.to_string(), "8479");
    // National DM prevalence computed from the population: 3 / 4 over 17OV.
    let prev = &res.national.prevalence["DM"];
    assert_eq!((prev.register, prev.list_size), (Some(3), Some(4)));
}

#[test]
fn explanation_reads_like_the_guidance() {
    let (_, p) = setup(DM020);
    let pt = patient(&[("2010-05-01", DM, None), ("2019-10-01", HBA, Some(63.0))]);
    let t = explain(&p, &pt, Some("DM020"));
    assert_eq!(t.len(), 1);
    assert_eq!(
        t[0].text,
        "DM020: in the denominator: on the DM register (latest diabetes code on 2010-05-01, no diabetes resolved; aged 69 on 2020-03-31); in the cohort: no frailty; not achieved: latest IFCC HbA1c 63 on 2019-10-01 is above 58; no adjustment applies"
    );
    let pt =
        patient(&[("2010-05-01", DM, None), ("2019-06-01", INV, None), ("2019-08-01", INV, None)]);
    let t = explain(&p, &pt, Some("DM020"));
    assert_eq!(t[0].outcome, Outcome::Adjusted(Some(Category::NoResponse)));
    assert!(t[0].text.ends_with(
        "not achieved: no IFCC HbA1c in last 12 months; no response: 2 of invitation in last 12 months at least 7 days apart (needs >= 2)"
    ), "{}", t[0].text);
    assert!(explain(&p, &pt, Some("NOPE")).is_empty());
}

#[test]
fn in_file_tests_pass_and_fail_with_explanations() {
    let (s, p) = setup(&format!(
        r#"{DM020}
test "numerator" {{
  patient born 1950-01-01, female, registered 2000-01-01 {{
    DM_COD on 2010-05-01
    999791000000106 on 2019-10-01 value 57
  }}
  expect DM020 numerator
}}
test "wrong expectation" {{
  patient born 1950-01-01, male, registered 2000-01-01 {{
    DM_COD on 2010-05-01
    PCA_COD on 2019-10-01
  }}
  expect DM020 adjusted chose not to
}}
test "any adjustment" {{
  patient born 1950-01-01, registered 2000-01-01 {{
    DM_COD on 2010-05-01
    PCA_COD on 2019-10-01
  }}
  expect DM020 adjusted
}}
"#
    ));
    let r = run_tests(&s, &p);
    assert_eq!((r.passed, r.failed), (2, 1));
    assert!(r.tests[0].passed && !r.tests[1].passed && r.tests[2].passed);
    let f = &r.tests[1].expects[0];
    assert_eq!(f.actual, Outcome::Adjusted(Some(Category::Unsuitable)));
    assert!(f.explanation.as_deref().unwrap().contains("; unsuitable: PCA unsuitable on"));
}

#[test]
fn unsorted_records_and_codes_in_no_list_give_the_same_outcomes() {
    let (_, p) = setup(DM020);
    let sorted = patient(&[
        ("2010-05-01", DM, None),
        ("2015-01-01", 12345, None),
        ("2019-06-01", HBA, Some(70.0)),
        ("2019-10-01", HBA, Some(50.0)),
        ("2020-05-01", HBA, Some(90.0)),
    ]);
    let mut unsorted = sorted.clone();
    unsorted.events.reverse();
    unsorted.events.push(Event { date: d("2001-01-01"), code: 999, value: None });
    assert_eq!(classify_patient(&p, &sorted), classify_patient(&p, &unsorted));
    assert_eq!(outcome_of(&p, &unsorted, "DM020"), Outcome::Numerator);
    let mut e = Engine::new(&p);
    e.load(&unsorted);
    // Only events of some code list, up to the PPED, in date order.
    let dates: Vec<String> = e.events().iter().map(|x| x.date.to_string()).collect();
    assert_eq!(dates, ["2010-05-01", "2019-06-01", "2019-10-01"]);
}

#[test]
fn windows_relative_to_the_period() {
    // the period is 2019-04-01 to 2020-03-31
    let at = |date: &str| patient(&[(date, DM, None)]);
    for (cond, inside, outside) in [
        ("DM_COD in the period", ["2019-04-01", "2020-03-31"], ["2019-03-31", "2018-06-01"]),
        (
            "DM_COD since the start of the period",
            ["2019-04-01", "2019-12-01"],
            ["2019-03-31", "2010-01-01"],
        ),
        (
            "DM_COD on or after the start of the period",
            ["2019-04-01", "2020-03-31"],
            ["2019-03-31", "2019-03-01"],
        ),
        (
            "DM_COD before the start of the period",
            ["2019-03-31", "2001-01-01"],
            ["2019-04-01", "2019-05-01"],
        ),
        (
            "DM_COD after the start of the period",
            ["2019-04-02", "2020-03-31"],
            ["2019-04-01", "2019-03-01"],
        ),
        (
            "DM_COD on or before the start of the period",
            ["2019-04-01", "2019-01-01"],
            ["2019-04-02", "2020-01-01"],
        ),
        (
            "DM_COD from 4 months after the start of the period to the end of the period",
            ["2019-08-01", "2020-03-31"],
            ["2019-07-31", "2019-04-01"],
        ),
        (
            "DM_COD from the start of the period to 1 month before the end of the period",
            ["2019-04-01", "2020-02-29"],
            ["2020-03-01", "2019-03-31"],
        ),
    ] {
        for date in inside {
            assert!(holds(cond, &at(date)), "{cond}: {date} should be inside");
        }
        for date in outside {
            assert!(!holds(cond, &at(date)), "{cond}: {date} should be outside");
        }
    }
}

#[test]
fn open_ended_windows_include_their_anchor() {
    let pt = |dates: &[(&str, u64)]| {
        patient(&dates.iter().map(|(d, c)| (*d, *c, None)).collect::<Vec<_>>())
    };
    assert!(holds("DM_COD on or before 2019-06-01", &pt(&[("2019-06-01", DM)])));
    assert!(!holds("DM_COD on or before 2019-06-01", &pt(&[("2019-06-02", DM)])));
    assert!(!holds("DM_COD before 2019-06-01", &pt(&[("2019-06-01", DM)])));
    assert!(holds("DM_COD on or after 2019-06-01", &pt(&[("2019-06-01", DM)])));
    assert!(!holds("DM_COD on or after 2019-06-01", &pt(&[("2019-05-31", DM)])));
    // anchored on an event: the same day counts, the day before does not
    let same_day = pt(&[("2019-06-01", DM), ("2019-06-01", INV)]);
    assert!(holds("INV_COD on or after latest DM_COD", &same_day));
    assert!(!holds("INV_COD after latest DM_COD", &same_day));
    assert!(holds("INV_COD on or before first DM_COD", &same_day));
    assert!(!holds(
        "INV_COD on or before first DM_COD",
        &pt(&[("2019-06-01", DM), ("2019-06-02", INV)])
    ));
    // a missing anchor makes the window empty
    assert!(!holds("INV_COD on or after latest HBA_COD", &pt(&[("2019-06-01", INV)])));
    assert!(holds("INV_COD since registration", &pt(&[("2000-01-01", INV)])));
    assert!(!holds("INV_COD since registration", &pt(&[("1999-12-31", INV)])));
}

#[test]
fn a_variant_moves_its_parents_relative_windows_but_not_their_dates() {
    let parent = r#"scheme p "Parent" { period 2018-04-01 to 2019-03-31, point value £1, national average list size 1000 }
codelist DM_COD "Diabetes" snomed { 44054006 }
define relative = DM_COD in the period
define flu = DM_COD from 4 months after the start of the period to the end of the period
define dated = DM_COD between 2018-04-01 and 2019-03-31
"#;
    let child = r#"scheme c "Child" extends p { period 2019-04-01 to 2020-03-31 }"#;
    let mut sources = crate::scheme::Sources::default();
    let root = sources.add("child.qof", child);
    sources.add("parent.qof", parent);
    let checked = crate::check::check(&mut sources, root);
    // the dated window is reported, the relative ones are not
    let warnings: Vec<_> = checked.diagnostics.iter().map(|d| d.message.clone()).collect();
    assert!(warnings.iter().any(|m| m.contains("definition `dated`")), "{warnings:?}");
    assert!(
        !warnings.iter().any(|m| m.contains("`relative`") || m.contains("`flu`")),
        "{warnings:?}"
    );
    let scheme = checked.scheme.expect("warnings only");
    let p = compile(&scheme);
    let eval = |date: &str, define: usize| {
        let mut e = Engine::new(&p);
        e.load(&patient(&[(date, DM, None)]));
        e.eval(p.defines[define].node)
    };
    assert!(eval("2019-04-01", 0) && !eval("2019-03-31", 0));
    assert!(eval("2019-08-01", 1) && !eval("2019-07-31", 1) && !eval("2018-08-01", 1));
    assert!(eval("2018-04-01", 2) && !eval("2019-04-01", 2));
}

#[test]
fn a_named_adjustment_set_classifies_as_the_same_block_written_out() {
    let inline = DM020.replace("indicator DM020", "indicator DM_INLINE");
    let named = r#"
adjustments dm_pca {
  unsuitable   when PCA_COD in last 12 months
  chose not to when DEC_COD in last 12 months
  no response  when count INV_COD in last 12 months at least 7 days apart >= 2
  new patient  when first DM_COD is in last 9 months or registered in last 9 months
}
indicator DM_NAMED "HbA1c" {
  group DM, domain CL, points 17, thresholds 35% to 75%
  denominator DM where not latest FRAIL_COD is in FRAIL_MOD
  achieved when latest HBA_COD in last 12 months has value <= 58
  adjustments dm_pca
}
"#;
    let (s, p) = setup(&format!("{inline}{named}"));
    assert_eq!(s.indicator("DM_NAMED").and_then(|i| i.adjustment_set.as_deref()), Some("dm_pca"));
    let patients = [
        patient(&[("2010-01-01", DM, None), ("2019-06-01", PCA, None)]),
        patient(&[("2010-01-01", DM, None), ("2019-06-01", DEC, None)]),
        patient(&[("2010-01-01", DM, None), ("2019-06-01", INV, None), ("2019-09-01", INV, None)]),
        patient(&[("2019-10-01", DM, None)]),
        patient(&[("2010-01-01", DM, None), ("2019-06-01", HBA, Some(50.0))]),
        patient(&[("2010-01-01", DM, None)]),
    ];
    let mut seen = Vec::new();
    for pt in &patients {
        let a = outcome_of(&p, pt, "DM_INLINE");
        assert_eq!(a, outcome_of(&p, pt, "DM_NAMED"));
        seen.push(a);
    }
    // the patients cover every category and both other outcomes
    assert_eq!(seen[0], Outcome::Adjusted(Some(Category::Unsuitable)));
    assert_eq!(seen[1], Outcome::Adjusted(Some(Category::ChoseNotTo)));
    assert_eq!(seen[2], Outcome::Adjusted(Some(Category::NoResponse)));
    assert_eq!(seen[3], Outcome::Adjusted(Some(Category::NewPatient)));
    assert_eq!(seen[4], Outcome::Numerator);
    assert_eq!(seen[5], Outcome::Denominator);
}
