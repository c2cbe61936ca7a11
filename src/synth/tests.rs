use super::codes as c;
use super::*;
use crate::model::{Event, Patient};
use crate::reference::{Group, ListType};

/// The events of a patient with a code in `codes`.
fn of<'a>(events: &'a [Event], codes: &'a [u64]) -> impl Iterator<Item = &'a Event> + 'a {
    events.iter().filter(move |e| codes.contains(&e.code))
}

/// Counts a practice's list sizes and registers from the records alone, by the register
/// definitions of `docs/synthetic.md` (independently of the generator's bookkeeping).
fn count(patients: &[Patient], pped: Date) -> ([u32; 6], [u32; 21]) {
    let start = pped.add_months(-12).add_days(1);
    let mut lists = [0u32; 6];
    let mut regs = [0u32; 21];
    let diag: [(Group, &[u64], &[u64]); 18] = [
        (Group::Af, c::AFIB, &[c::AFIB_RES]),
        (Group::Ast, c::AST, &[c::AST_RES]),
        (Group::Can, c::CAN, &[]),
        (Group::Chd, c::CHD, &[]),
        (Group::Ckd, c::CKD, c::CKD_1_2),
        (Group::Copd, c::COPD, &[c::COPD_RES]),
        (Group::Dem, c::DEM, &[]),
        (Group::Dep, c::DEP, &[]),
        (Group::Dm, c::DM, &[c::DM_RES]),
        (Group::Ep, c::EP, &[]),
        (Group::Hf, c::HF, &[]),
        (Group::Hyp, c::HYP, &[c::HYP_RES]),
        (Group::Ld, c::LD, &[]),
        (Group::Mh, c::MH, &[]),
        (Group::Pad, c::PAD, &[]),
        (Group::Pc, c::PC, &[]),
        (Group::Ra, c::RA, &[]),
        (Group::Stia, c::STIA, &[]),
    ];
    for p in patients {
        let registered = p.registered_on <= pped && p.deregistered_on.is_none_or(|d| d > pped);
        if !registered {
            continue;
        }
        let age = pped.years_since(p.birth_date) as u32;
        for (i, t) in ListType::ALL.iter().enumerate() {
            lists[i] += u32::from(t.contains_age(age));
        }
        let ev = &p.events;
        let latest = |codes: &[u64]| of(ev, codes).map(|e| e.date).max();
        // On a register: the latest diagnosis is on or after the latest resolved code (a
        // resolved code the same day leaves the patient on it), in any order of the events.
        let on = |codes: &[u64], res: &[u64]| -> bool {
            latest(codes).is_some_and(|d| latest(res).is_none_or(|r| d >= r))
        };
        // The lowest value on the latest date in the last 12 months.
        let recent_value = |code: u64| -> Option<f64> {
            let d = latest(&[code]).filter(|d| *d >= start)?;
            of(ev, &[code]).filter(|e| e.date == d).filter_map(|e| e.value).reduce(f64::min)
        };
        for (g, codes, res) in diag {
            if g.list_type().contains_age(age) && on(codes, res) {
                regs[g.index()] += 1;
            }
        }
        if ListType::Ov18.contains_age(age) && recent_value(c::BMI).is_some_and(|v| v >= 30.0) {
            regs[Group::Ob.index()] += 1;
        }
        // OST: aged 50-74 with a fracture since April 2012 and osteoporosis confirmed on a DXA
        // scan, or 75 and over with a fracture since April 2014.
        let fracture_since = |y, m, d| {
            let since = Date::from_ymd(y, m, d).unwrap();
            of(ev, c::FRAGILITY_FRACTURE).any(|e| e.date >= since)
        };
        let ost = match age {
            50..=74 => {
                fracture_since(2012, 4, 1)
                    && latest(c::OST).is_some()
                    && latest(&[c::DXA_OSTEOPOROTIC]).is_some()
            }
            75.. => fracture_since(2014, 4, 1),
            _ => false,
        };
        regs[Group::Ost.index()] += u32::from(ost);
        // CVDPP: aged 30-74, hypertension first coded in the year and not resolved, no CHD,
        // diabetes, stroke/TIA, PAD or CKD code, and a risk score of 20% or more.
        let first_hyp = of(ev, c::HYP).map(|e| e.date).min();
        let excluded = [c::CHD, c::DM, c::STIA, c::PAD, c::CKD].iter().any(|l| latest(l).is_some());
        if ListType::Age30To74.contains_age(age)
            && first_hyp.is_some_and(|d| d >= start)
            && on(c::HYP, &[c::HYP_RES])
            && !excluded
            && recent_value(c::QRISK).is_some_and(|v| v >= 20.0)
        {
            regs[Group::Cvdpp.index()] += 1;
        }
    }
    (lists, regs)
}

/// QOF 2019/20 as shipped, compiled.
fn qof_2019_20() -> crate::compile::Program {
    let (path, text) = crate::shipped::SCHEMES
        .iter()
        .find(|(p, _)| p.ends_with("qof-2019-20.qof"))
        .expect("QOF 2019/20 is shipped");
    let (_, checked) = crate::check::check_text(path, text);
    crate::compile::compile(&checked.scheme.unwrap())
}

/// Evaluates one generated practice with `prog` and checks that its list sizes and 21
/// registers are the practice's published figures (scale 1).
fn by_the_scheme(
    prog: &crate::compile::Program,
    practice: crate::model::Practice,
    patients: Vec<Patient>,
    r: &ReferencePractice,
) {
    let id = &r.practice_id;
    let pop = crate::model::Population { practices: vec![practice], patients };
    let ev = crate::eval::evaluate_with_threads(prog, &pop, 1);
    let t = &ev.practices[0];
    for (i, lt) in prog.list_types.iter().enumerate() {
        let want = ListType::ALL.iter().find(|x| x.code() == lt.id).map(|x| r.list_size(*x));
        assert_eq!(Some(t.list_sizes[i]), want, "{id} list {} by the scheme", lt.id);
    }
    assert_eq!(prog.registers.len(), 21);
    for (i, reg) in prog.registers.iter().enumerate() {
        let g = Group::from_code(&reg.id).unwrap();
        assert_eq!(t.registers[i], r.register(g), "{id} register {} by the scheme", reg.id);
    }
}

fn dudley(scale: f64, seed: u64) -> (Vec<&'static ReferencePractice>, SynthOptions) {
    let opts = SynthOptions { seed, scale, year: SynthYear::Y2019_20 };
    (Selection::Ccg("NHS Dudley CCG".into()).resolve(&opts).unwrap(), opts)
}

/// Dudley's 44 practices at scale 1 (issue #12's acceptance): every list size and register,
/// counted from the records by the table of `docs/synthetic.md` and evaluated with the
/// shipped QOF 2019/20, is the published figure.
#[test]
fn dudley_at_scale_one_matches_the_real_figures() {
    let (practices, opts) = dudley(1.0, 7);
    assert_eq!(practices.len(), 44);
    let pped = opts.year.period_end();
    let prog = qof_2019_20();
    for r in practices {
        let (p, patients) = generate_practice(r, &opts).unwrap();
        assert_eq!(p.practice_id, r.practice_id);
        assert_eq!(p.network_id, r.network_id);
        let (lists, regs) = count(&patients, pped);
        assert_eq!(lists, r.list_sizes, "{} list sizes", r.practice_id);
        for g in Group::ALL {
            assert_eq!(regs[g.index()], r.register(g), "{} register {}", r.practice_id, g.code());
        }
        // Events sorted, ids unique and prefixed by the practice.
        for pt in &patients {
            assert!(pt.events.windows(2).all(|w| w[0].date <= w[1].date));
            assert!(pt.patient_id.starts_with(&r.practice_id));
            assert!(pt.events.iter().all(|e| e.date >= pt.birth_date && e.date <= pped));
        }
        by_the_scheme(&prog, p, patients, r);
    }
}

/// Same-day ties, per kind: (patients concerned, patients with a tie).
#[derive(Default)]
struct Ties {
    hba1c: (u32, u32),
    resolved: (u32, u32),
    frailty: (u32, u32),
    bp: (u32, u32),
}

fn count_ties(patients: &[Patient], pped: Date, t: &mut Ties) {
    let start = pped.add_months(-12).add_days(1);
    let registers: [(&[u64], &[u64]); 6] = [
        (c::AFIB, &[c::AFIB_RES]),
        (c::AST, &[c::AST_RES]),
        (c::COPD, &[c::COPD_RES]),
        (c::DM, &[c::DM_RES]),
        (c::HYP, &[c::HYP_RES]),
        (c::CKD, c::CKD_1_2),
    ];
    let tally = |n: &mut (u32, u32), tie: bool| {
        n.0 += 1;
        n.1 += u32::from(tie);
    };
    for p in patients {
        let ev = &p.events;
        let latest = |codes: &[u64]| of(ev, codes).map(|e| e.date).max();
        let on_day = |codes: &[u64], d: Date| of(ev, codes).filter(|e| e.date == d).count();
        // Two HbA1c values on the latest day (in the 12 months).
        if let Some(d) = latest(&[c::HBA1C]).filter(|d| *d >= start) {
            tally(&mut t.hba1c, on_day(&[c::HBA1C], d) >= 2);
        }
        // On a register, with a resolved code on the day of the latest diagnosis.
        for (codes, res) in registers {
            if let Some(d) = latest(codes) {
                if latest(res).is_none_or(|r| r <= d) {
                    tally(&mut t.resolved, latest(res) == Some(d));
                }
            }
        }
        // Moderately or severely frail on the latest frailty date, with a mild code that day.
        let frailty = [c::MILD_FRAILTY, c::MODERATE_FRAILTY, c::SEVERE_FRAILTY];
        if let Some(d) = latest(&frailty) {
            if on_day(&frailty[1..], d) > 0 {
                tally(&mut t.frailty, on_day(&frailty[..1], d) > 0);
            }
        }
        // Two blood pressure pairs on the latest day with both readings.
        let both = of(ev, &[c::SYSTOLIC])
            .map(|e| e.date)
            .filter(|d| on_day(&[c::DIASTOLIC], *d) > 0)
            .max();
        if let Some(d) = both {
            tally(&mut t.bp, on_day(&[c::SYSTOLIC], d) >= 2 && on_day(&[c::DIASTOLIC], d) >= 2);
        }
    }
}

/// The generator records same-day ties of each kind the evaluator must settle whatever the
/// order of the events, for 1-3% of the patients concerned (`docs/synthetic.md`).
#[test]
fn same_day_ties_are_generated() {
    let (practices, opts) = dudley(0.25, 5);
    let pped = opts.year.period_end();
    let mut t = Ties::default();
    for r in practices {
        let (_, patients) = generate_practice(r, &opts).unwrap();
        count_ties(&patients, pped, &mut t);
    }
    for (kind, (concerned, ties)) in
        [("HbA1c", t.hba1c), ("resolved", t.resolved), ("frailty", t.frailty), ("BP", t.bp)]
    {
        let share = f64::from(ties) / f64::from(concerned.max(1));
        println!("{kind}: {ties} same-day ties in {concerned} patients ({:.2}%)", share * 100.0);
        assert!((0.01..=0.03).contains(&share), "{kind}: {ties} ties in {concerned} ({share})");
    }
}

#[test]
fn scaled_practices_are_within_rounding() {
    let (practices, opts) = dudley(0.1, 11);
    let pped = opts.year.period_end();
    for r in &practices {
        let (_, patients) = generate_practice(r, &opts).unwrap();
        let (lists, regs) = count(&patients, pped);
        for (i, t) in ListType::ALL.iter().enumerate() {
            let want = f64::from(r.list_size(*t)) * 0.1;
            assert!((f64::from(lists[i]) - want).abs() <= 0.5, "{} {}", r.practice_id, t.code());
        }
        for g in Group::ALL {
            let want = f64::from(r.register(g)) * 0.1;
            assert!(
                (f64::from(regs[g.index()]) - want).abs() <= 0.5,
                "{} {}: {} vs {want}",
                r.practice_id,
                g.code(),
                regs[g.index()]
            );
        }
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let opts = SynthOptions { seed: 5, scale: 0.05, year: SynthYear::Y2019_20 };
    let sel = Selection::Network(reference::practices_2019_20()[100].network_id.clone());
    let bytes = |o: &SynthOptions| {
        let pop = generate(&sel, o).unwrap();
        let (a, b, c) =
            crate::population::write_csv(&pop, Vec::new(), Vec::new(), Vec::new()).unwrap();
        (a, b, c)
    };
    let one = bytes(&opts);
    assert_eq!(one, bytes(&opts));
    assert_ne!(one.2, bytes(&SynthOptions { seed: 6, ..opts }).2);
    // And the output reads back.
    let pop = crate::population::read_csv(
        crate::population::Source::new("practices.csv", &one.0),
        crate::population::Source::new("patients.csv", &one.1),
        crate::population::Source::new("events.csv", &one.2),
    )
    .unwrap();
    assert_eq!(pop, generate(&sel, &opts).unwrap());
}

#[test]
fn a_practice_does_not_depend_on_the_selection() {
    let opts = SynthOptions { seed: 9, scale: 0.02, year: SynthYear::Y2019_20 };
    let all = reference::practices_2019_20();
    let target = &all[2000];
    let (_, alone) = generate_practice(target, &opts).unwrap();
    let pop = generate(&Selection::Network(target.network_id.clone()), &opts).unwrap();
    let within: Vec<&Patient> =
        pop.patients.iter().filter(|p| p.practice_id == target.practice_id).collect();
    assert_eq!(within.len(), alone.len());
    assert!(within.iter().zip(&alone).all(|(a, b)| *a == b));
}

#[test]
fn selections() {
    let opts = SynthOptions { seed: 1, scale: 0.01, year: SynthYear::Y2019_20 };
    let by_name = Selection::Ccg("nhs dudley ccg".into()).resolve(&opts).unwrap();
    let by_short = Selection::Ccg("Dudley".into()).resolve(&opts).unwrap();
    let by_code = Selection::Ccg("05C".into()).resolve(&opts).unwrap();
    assert_eq!(by_name.len(), 44);
    assert_eq!(by_name, by_short);
    assert_eq!(by_name, by_code);
    let random = Selection::RandomPractices(25).resolve(&opts).unwrap();
    assert_eq!(random.len(), 25);
    assert!(random.windows(2).all(|w| w[0].practice_id < w[1].practice_id));
    assert_eq!(random, Selection::RandomPractices(25).resolve(&opts).unwrap());
    let some = Selection::Practices(vec!["A81002".into(), "a81001".into(), "A81002".into()])
        .resolve(&opts)
        .unwrap();
    assert_eq!(
        some.iter().map(|p| p.practice_id.as_str()).collect::<Vec<_>>(),
        ["A81001", "A81002"]
    );
    assert_eq!(Selection::AllEngland.resolve(&opts).unwrap().len(), 6720);
}

#[test]
fn selection_errors() {
    let opts = SynthOptions { seed: 1, scale: 0.01, year: SynthYear::Y2019_20 };
    let e = Selection::Ccg("Dudly".into()).resolve(&opts).unwrap_err();
    assert_eq!(e.to_string(), "unknown CCG `Dudly`");
    assert_eq!(e.help(), "did you mean `NHS Dudley CCG`?");
    let e = Selection::Ccg("NHS Bristol".into()).resolve(&opts).unwrap_err();
    assert!(e.help().starts_with("did you mean `NHS Bristol"), "{}", e.help());
    let e = Selection::Practices(vec!["A81001".into(), "ZZZ".into()]).resolve(&opts).unwrap_err();
    assert_eq!(e.to_string(), "unknown practice `ZZZ`");
    let e = Selection::RandomPractices(7000).resolve(&opts).unwrap_err();
    assert_eq!(e.to_string(), "cannot draw 7000 practices out of 6720");
    assert!(Selection::Network("NOPE".into()).resolve(&opts).is_err());
    for bad in [0.0, -1.0, 1.5, f64::NAN, 1e-9] {
        let o = SynthOptions { scale: bad, ..opts };
        assert!(matches!(o.scale_ppm(), Err(SynthError::BadScale(_))), "{bad}");
    }
}

/// Share of the DM register (aged 17+, no moderate/severe frailty, no PCA) whose latest
/// HbA1c in the last 12 months is <= 58: a rough DM020 without the full PCA cascade.
fn dm020_like(patients: &[Patient], pped: Date) -> (u32, u32) {
    let start = pped.add_months(-12).add_days(1);
    let (mut num, mut den) = (0, 0);
    for p in patients {
        if p.deregistered_on.is_some() || pped.years_since(p.birth_date) < 17 {
            continue;
        }
        let ev = &p.events;
        let dm = ev
            .iter()
            .rev()
            .find(|e| c::DM.contains(&e.code) || e.code == c::DM_RES)
            .is_some_and(|e| e.code != c::DM_RES);
        if !dm {
            continue;
        }
        let frail = ev
            .iter()
            .rev()
            .find(|e| [c::MILD_FRAILTY, c::MODERATE_FRAILTY, c::SEVERE_FRAILTY].contains(&e.code))
            .is_some_and(|e| e.code != c::MILD_FRAILTY);
        if frail {
            continue;
        }
        let hb = ev.iter().rev().find(|e| e.code == c::HBA1C && e.date >= start);
        if hb.and_then(|e| e.value).is_some_and(|v| v <= 58.0) {
            num += 1;
            den += 1;
            continue;
        }
        let pca = ev.iter().any(|e| {
            e.date >= start && [c::DM_PCA.unsuitable, c::DM_PCA.declined].contains(&e.code)
        });
        if !pca {
            den += 1;
        }
    }
    (num, den)
}

#[test]
fn achievement_is_national_like_with_spread() {
    let (practices, opts) = dudley(0.25, 3);
    let pped = opts.year.period_end();
    let mut rates = Vec::new();
    let (mut n, mut d) = (0, 0);
    for r in practices {
        let (_, patients) = generate_practice(r, &opts).unwrap();
        let (num, den) = dm020_like(&patients, pped);
        n += num;
        d += den;
        if den >= 20 {
            rates.push(f64::from(num) / f64::from(den));
        }
    }
    let overall = f64::from(n) / f64::from(d);
    assert!((0.55..0.80).contains(&overall), "overall {overall}");
    let lo = rates.iter().copied().fold(1.0, f64::min);
    let hi = rates.iter().copied().fold(0.0, f64::max);
    assert!(hi - lo > 0.08, "spread {lo}..{hi}");
}

#[test]
fn default_population_is_dudley_small() {
    let pop = default_population();
    assert_eq!(pop.practices.len(), 44);
    assert!((12_000..20_000).contains(&pop.patients.len()), "{}", pop.patients.len());
    assert_eq!(pop, default_population());
    // Its practices, without generating its patients.
    assert_eq!(super::default_practices(), pop.practices);
}

#[test]
fn padding_fills_records_without_changing_results() {
    let opts = SynthOptions { seed: 3, scale: 0.05, year: SynthYear::Y2019_20 };
    let sel = Selection::Network(reference::practices_2019_20()[300].network_id.clone());
    let pop = generate(&sel, &opts).unwrap();
    let mut padded = pop.clone();
    pad_records(&mut padded.patients, 30, &opts);
    let mut again = pop.clone();
    pad_records(&mut again.patients, 30, &opts);
    assert_eq!(padded, again, "padding is deterministic");
    assert!(padded.patients.iter().all(|p| p.events.len() >= 30));
    assert!(padded.patients.iter().all(|p| p.events.windows(2).all(|w| w[0].date <= w[1].date)));
    assert!(padded
        .patients
        .iter()
        .zip(&pop.patients)
        .any(|(a, b)| a.events.len() > b.events.len()));
    // Every shipped scheme counts the same on the padded records: the padding codes are in
    // none of their code lists.
    for (path, text) in
        crate::shipped::SCHEMES.iter().filter(|(p, _)| p.ends_with("qof-2019-20.qof"))
    {
        let (_, checked) = crate::check::check_text(path, text);
        let prog = crate::compile::compile(&checked.scheme.unwrap());
        assert_eq!(
            crate::eval::evaluate_with_threads(&prog, &pop, 1),
            crate::eval::evaluate_with_threads(&prog, &padded, 1),
            "{path}"
        );
    }
}
