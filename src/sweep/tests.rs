#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::date::Date;
use crate::pay::{
    Counts, FigureSource, GroupTotals, IndicatorKind, PayGroup, PayIndicator, PracticeData,
};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// tests/engine/pay_models.rs's hand-computed scheme: £200 a point; DM001 Boolean 6 points, DM020
/// 35-75% 17 points (DM prevalence-adjusted on 17OV), BP002 40-80% 15 points, QI001 attested
/// 27 points. P1 pays £6,056.25, P2 £1,020.00.
fn scheme() -> PayScheme {
    let mut s = PayScheme::new("test", "Test", Date::from_ymd(2020, 3, 31).unwrap(), d("200"));
    let g = |id: &str, adj: bool, lt: &str| PayGroup {
        id: id.into(),
        prevalence_adjusted: adj,
        list_type: lt.into(),
    };
    s.groups = vec![g("DM", true, "17OV"), g("BP", false, "TOTAL"), g("PS", false, "TOTAL")];
    let frac = |l: &str, u: &str| IndicatorKind::Fraction { lower: d(l), upper: d(u) };
    s.indicators = vec![
        PayIndicator::new("DM001", "DM", IndicatorKind::Boolean, d("6")),
        PayIndicator::new("DM020", "DM", frac("0.35", "0.75"), d("17")),
        PayIndicator::new("BP002", "BP", frac("0.40", "0.80"), d("15")),
        PayIndicator::new("QI001", "PS", IndicatorKind::Attested, d("27")),
    ];
    s
}

fn national() -> NationalFigures {
    let mut prev = std::collections::BTreeMap::new();
    prev.insert("DM".to_string(), GroupTotals { register: 500, list_size: 10_000 });
    NationalFigures::given(d("10000"), FigureSource::Scheme, prev, FigureSource::Scheme)
}

fn data() -> PracticeData {
    let c = |n, den| Counts { numerator: n, denominator: den, ..Counts::default() };
    let mut data = PracticeData::new();
    data.set_list_size("P1", "TOTAL", 5000);
    data.set_list_size("P1", "17OV", 4000);
    data.set_register("P1", "DM", 300);
    data.set_counts("P1", "DM001", Counts { achieved: Some(true), ..Counts::default() });
    data.set_counts("P1", "DM020", c(100, 200));
    data.set_counts("P1", "BP002", c(90, 100));
    data.set_attested("P1", "QI001", true);
    data.set_network("P1", "N1");
    data.set_list_size("P2", "TOTAL", 3000);
    data.set_list_size("P2", "17OV", 2000);
    data.set_register("P2", "DM", 100);
    data.set_counts("P2", "DM001", Counts { achieved: Some(false), ..Counts::default() });
    data.set_counts("P2", "DM020", c(60, 80));
    data.set_counts("P2", "BP002", c(10, 100));
    data.set_network("P2", "N2");
    data
}

#[test]
fn values_are_parsed_exactly() {
    let s = scheme();
    let l = Lever::parse("DM020.upper=60%..90% step 5%", &s).unwrap();
    assert_eq!(l.target, Target::Upper("DM020".into()));
    let want: Vec<Decimal> =
        ["0.6", "0.65", "0.7", "0.75", "0.8", "0.85", "0.9"].iter().map(|v| d(v)).collect();
    assert_eq!(l.values, want);
    // a step that does not land on the end stops below it
    let l = Lever::parse("pounds_per_point=£180..200 step 7.5", &s).unwrap();
    assert_eq!(l.values, vec![d("180"), d("187.5"), d("195")]);
    let l = Lever::parse("DM020.points=10, 17,25", &s).unwrap();
    assert_eq!(l.values, vec![d("10"), d("17"), d("25")]);
    // a group's points as a share of its points now (23): 100% is 23
    let l = Lever::parse("DM.points=50%..100% step 50%", &s).unwrap();
    assert_eq!(l.target, Target::GroupPoints("DM".into()));
    assert_eq!(l.values, vec![d("11.5"), d("23")]);
}

#[test]
fn bad_levers_say_why() {
    let s = scheme();
    let err = |spec: &str| Lever::parse(spec, &s).unwrap_err().message;
    assert_eq!(err("DM020.upper=60..90 step 5"), "`60` has no `%`");
    assert_eq!(err("DM020.upper=60%..90%"), "the range `60%..90%` has no step");
    assert_eq!(err("DM020.upper=30%"), "`DM020.upper=30%` is not above the lower threshold, 35%");
    assert_eq!(err("DM020.lower=80%"), "`DM020.lower=80%` is not below the upper threshold, 75%");
    assert_eq!(err("XX999.upper=60%"), "scheme `test` has no indicator or group `XX999`");
    assert_eq!(
        err("DM001.upper=60%"),
        "indicator `DM001` has no thresholds: it is not a fraction indicator"
    );
    assert_eq!(err("aspiration=70%"), "scheme `test` has no aspiration payments");
    assert_eq!(err("DM020.colour=1"), "unknown lever `colour` in `DM020.colour`");
    assert_eq!(err("DM020.upper"), "`DM020.upper` gives no values");
    assert_eq!(err("DM020.points=-1"), "`DM020.points=-1` is negative");
    assert_eq!(err("DM020.upper=90%..60% step 5%"), "the range `90%..60% step 5%` goes down");
    assert!(err("DM020.upper=0%..100% step 0.001%").contains("values"));
}

#[test]
fn spread_is_median_and_nearest_rank_quartiles() {
    let v: Vec<Decimal> = [5, 1, 4, 2, 3].iter().map(|&x| Decimal::from(x)).collect();
    let s = Spread::of(&v);
    assert_eq!((s.min, s.q1, s.median, s.q3, s.max), (d("1"), d("2"), d("3"), d("4"), d("5")));
    let v: Vec<Decimal> = [1, 2, 3, 4].iter().map(|&x| Decimal::from(x)).collect();
    let s = Spread::of(&v);
    assert_eq!((s.q1, s.median, s.q3), (d("1"), d("2.5"), d("3")));
}

#[test]
fn a_sweep_pays_what_the_changed_scheme_pays() {
    let (s, n, data) = (scheme(), national(), data());
    let l = Lever::parse("DM020.upper=50%..75% step 25%", &s).unwrap();
    let sw = sweep(&s, &n, &data, &[l]).unwrap();
    assert_eq!(sw.base.total, d("7076.25"));
    let at75 = &sw.points[1];
    assert!(at75.is_base && at75.change.is_zero() && at75.gaining == 0 && at75.losing == 0);
    assert_eq!(at75.total, d("7076.25"));
    // at 50%, P1's 50% earns all 17 points: 17 x 200 x 0.5 x 1.5 = 2550.00, up 1593.75;
    // P2 (75%) had all its points already
    let at50 = &sw.points[0];
    assert_eq!(at50.total, d("8670.00"));
    assert_eq!(at50.change, d("1593.75"));
    assert_eq!((at50.gaining, at50.losing), (1, 0));
    assert_eq!(at50.per_practice.max, d("1593.75"));
    assert_eq!(at50.per_practice.median, d("796.875"));
    assert_eq!(sw.networks, vec!["N1".to_string(), "N2".to_string()]);
    assert_eq!(at50.networks, vec![d("1593.75"), d("0")]);
    // and the same by hand: the scheme with the value written in it
    let mut changed = s.clone();
    if let IndicatorKind::Fraction { upper, .. } = &mut changed.indicators[1].kind {
        *upper = d("0.5");
    }
    let r = crate::pay::pay(&changed, &n, &data).unwrap();
    assert_eq!(r.total.payment, at50.total);
}

#[test]
fn two_levers_make_a_grid_first_lever_outermost() {
    let (s, n, data) = (scheme(), national(), data());
    let a = Lever::parse("pounds_per_point=100,200", &s).unwrap();
    let b = Lever::parse("QI001.points=0,27", &s).unwrap();
    let sw = sweep(&s, &n, &data, &[a, b]).unwrap();
    let shown: Vec<Vec<String>> = sw.points.iter().map(|p| p.shown.clone()).collect();
    assert_eq!(shown[0], vec!["£100.00", "0"]);
    assert_eq!(shown[1], vec!["£100.00", "27"]);
    assert_eq!(shown[3], vec!["£200.00", "27"]);
    assert!(sw.points[3].is_base && !sw.points[2].is_base);
    // halving the point value halves every line, each rounded to the penny half up:
    // 450 + 478.125 -> 478.13 + 750 + 1350 + 510
    assert_eq!(sw.points[1].total, d("3538.13"));
    // without QI001 (27 x 200 x 0.5 = 2700) at £200
    assert_eq!(sw.points[2].total, d("4376.25"));
}

#[test]
fn a_group_lever_scales_every_indicator_of_the_group() {
    let mut s = scheme();
    Target::GroupPoints("DM".into()).apply(&mut s, d("46")).unwrap();
    assert_eq!(s.indicators[0].max_points, d("12"));
    assert_eq!(s.indicators[1].max_points, d("34"));
    assert_eq!(s.indicators[2].max_points, d("15"));
    assert_eq!(group_points(&s, "DM"), d("46"));
}

#[test]
fn cost_neutral_point_value_is_exact_when_a_grid_value_gives_the_goal() {
    let (s, n, data) = (scheme(), national(), data());
    // the scheme at £150 costs 7076.25 x 0.75 = 5307.1875 per line rounded...: ask for the
    // total at £150 exactly, and the solver must find £150 (the lowest value giving it)
    let mut at150 = s.clone();
    at150.pound_per_point = d("150");
    let goal = crate::pay::pay(&at150, &n, &data).unwrap().total.payment;
    let sol = solve(&s, &n, &data, &Target::PoundsPerPoint, goal, None).unwrap();
    assert!(sol.exact);
    assert_eq!(sol.total, goal);
    assert!(sol.value <= d("150"));
    let mut check = s.clone();
    check.pound_per_point = sol.value;
    assert_eq!(crate::pay::pay(&check, &n, &data).unwrap().total.payment, goal);
    // a penny less does not reach it
    check.pound_per_point = sol.value - d("0.01");
    assert!(crate::pay::pay(&check, &n, &data).unwrap().total.payment < goal);
}

#[test]
fn cost_neutral_reports_the_nearest_and_the_residual_when_no_value_is_exact() {
    let (s, n, data) = (scheme(), national(), data());
    // a goal between the totals of two whole points of QI001 (27 x 200 x 0.5 = 100 a point)
    let sol = solve(&s, &n, &data, &Target::Points("QI001".into()), d("7000.00"), None).unwrap();
    // QI001 at 26 points: 7076.25 - 100 = 6976.25 (residual -23.75); 27: +76.25
    assert!(!sol.exact);
    assert_eq!(sol.value, d("26"));
    assert_eq!(sol.total, d("6976.25"));
    assert_eq!(sol.residual, d("-23.75"));
    assert_eq!(sol.other_side.as_ref().unwrap().total, d("7076.25"));
    // a finer grid gets to the penny: 0.7625 point less
    let sol =
        solve(&s, &n, &data, &Target::Points("QI001".into()), d("7000.00"), Some(d("0.0001")))
            .unwrap();
    assert!(sol.exact, "{sol:?}");
    assert_eq!(sol.value, d("26.2375"));
}

#[test]
fn a_threshold_lowers_cost_as_it_rises_and_unreachable_goals_say_why() {
    let (s, n, data) = (scheme(), national(), data());
    // the most DM020's upper threshold can cost: P1 at 50% with upper 51% (just above),
    // the least at 100%; a goal above everything is out of reach
    let e = solve(&s, &n, &data, &Target::Upper("DM020".into()), d("100000"), None).unwrap_err();
    assert!(
        e.to_string().starts_with("no DM020 upper threshold makes scheme `test` cost £100000.00"),
        "{e}"
    );
    // the scheme's own total is reached at 75% (or lower values giving the same total)
    let sol = solve(&s, &n, &data, &Target::Upper("DM020".into()), d("7076.25"), None).unwrap();
    assert!(sol.exact);
    assert_eq!(sol.total, d("7076.25"));
    assert_eq!(sol.value, d("0.75"));
    let e = solve(&s, &n, &data, &Target::AspirationShare, d("1"), None).unwrap_err();
    assert!(e.to_string().contains("does not change what the scheme costs"), "{e}");
}

#[test]
fn a_grid_of_one_indicator_s_two_thresholds_is_checked_pair_by_pair() {
    let (s, n, data) = (scheme(), national(), data());
    // upper 30% alone is below DM020's lower threshold (35%), but not with lower 20%
    assert!(Lever::parse("DM020.upper=30%", &s).is_err());
    let levers = Lever::parse_all(&["DM020.upper=30%,75%", "DM020.lower=20%"], &s).unwrap();
    let sw = sweep(&s, &n, &data, &levers).unwrap();
    // 20%-30%: both practices (50%, 75%) earn all 17 points; the same scheme by hand
    let mut by_hand = s.clone();
    by_hand.indicators[1].kind = IndicatorKind::Fraction { lower: d("0.2"), upper: d("0.3") };
    let want = crate::pay::pay(&by_hand, &n, &data).unwrap().total.payment;
    assert_eq!(sw.points[0].total, want);
    assert_eq!(sw.points[0].shown, vec!["30%", "20%"]);
    // a lower threshold at or above an upper one of the grid is refused, naming both
    let e = Lever::parse_all(&["DM020.upper=40%,75%", "DM020.lower=50%"], &s).unwrap_err();
    assert_eq!(e.message, "`DM020.lower=50%` is not below `DM020.upper=40%`");
    // and so are the same lever twice, and a group with one of its own indicators
    let e = Lever::parse_all(&["DM020.points=1", "DM020.points=2"], &s).unwrap_err();
    assert_eq!(e.message, "`DM020.points` is varied twice");
    let e = Lever::parse_all(&["DM.points=20", "DM020.points=2"], &s).unwrap_err();
    assert_eq!(e.message, "`DM.points` and `DM020.points` both move `DM020`'s points");
    // levers on different figures are checked one by one
    assert!(Lever::parse_all(&["DM.points=20", "BP002.points=2"], &s).is_ok());
    assert!(Lever::parse_all(&["DM020.upper=30%", "BP002.points=2"], &s).is_err());
}

/// Every shipped scheme's pay inputs as `eval` makes them with no population: the default
/// population evaluated, its synthetic attested and historic inputs, national figures from
/// the scheme.
fn shipped_inputs(path: &str, text: &str) -> crate::eval::PayInputs {
    use crate::pipeline::{self, PracticeInputs};
    let (_, c) = crate::check::check_text(path, text);
    let scheme = c.scheme.unwrap();
    let prog = crate::compile::compile(&scheme);
    let pop = crate::synth::default_population_for(scheme.period_end);
    let (a, h) = pipeline::synthetic_inputs(
        &scheme,
        &crate::synth::default_practices(),
        crate::synth::DEFAULT_SEED,
    );
    let files =
        [a.map(|t| ("attested.csv".to_string(), t)), h.map(|t| ("historic.csv".to_string(), t))];
    let from = crate::national::PrevalenceFrom::Scheme;
    pipeline::run_population(&scheme, &prog, &pop, &from, &PracticeInputs::of(&files), 0)
        .unwrap()
        .inputs
}

/// Variants of `s` that change one figure or two: each indicator's points (and its strata's)
/// and, for a fraction indicator scored on its own thresholds, its thresholds too (both moved,
/// or the upper alone, by turns); each group's points; the aspiration share; two indicators at
/// once; and the point value, which the fast path leaves to a full run. With whether the fast
/// path takes it.
fn variants(s: &PayScheme) -> Vec<(String, PayScheme, bool)> {
    let mut out = Vec::new();
    for (i, ind) in s.indicators.iter().enumerate() {
        let mut v = s.clone();
        let mut what = format!("{} points", ind.id);
        if let IndicatorKind::Fraction { lower, upper } = ind.kind {
            let (l, u) = if i % 2 == 0 {
                (d("0.2"), d("0.6"))
            } else {
                (lower, (upper + Decimal::ONE) / Decimal::TWO)
            };
            let mut t = v.clone();
            if ind.strata.is_empty()
                && Target::Lower(ind.id.clone()).apply(&mut t, l.min(lower)).is_ok()
                && Target::Upper(ind.id.clone()).apply(&mut t, u).is_ok()
                && Target::Lower(ind.id.clone()).apply(&mut t, l).is_ok()
            {
                v = t;
                what = format!("{} {l} to {u} and points", ind.id);
            }
        }
        let x = &mut v.indicators[i];
        x.max_points = x.max_points * d("1.5") + d("0.25");
        x.lower_points *= d("1.5");
        for st in &mut x.strata {
            st.max_points *= d("1.5");
            st.lower_points *= d("1.5");
        }
        let sum = x.strata.iter().map(|st| st.max_points).sum::<Decimal>();
        if !x.strata.is_empty() {
            x.max_points = sum;
        }
        out.push((what, v, !ind.network));
    }
    let mut groups: Vec<&str> = s.indicators.iter().map(|i| i.group.as_str()).collect();
    groups.sort_unstable();
    groups.dedup();
    for g in groups {
        let mut v = s.clone();
        let t = Target::GroupPoints(g.to_string());
        let network = s.indicators.iter().any(|i| i.group == g && i.network);
        if t.apply(&mut v, t.base(s) * d("0.8")).is_ok() {
            out.push((format!("{g} group points"), v, !network));
        }
    }
    if s.aspiration.is_some() {
        let mut v = s.clone();
        Target::AspirationShare.apply(&mut v, d("0.55")).unwrap();
        out.push(("aspiration".into(), v, true));
    }
    let practice: Vec<usize> =
        (0..s.indicators.len()).filter(|&i| !s.indicators[i].network).collect();
    if let [a, .., b] = practice.as_slice() {
        let mut v = s.clone();
        v.indicators[*a].max_points += d("3");
        v.indicators[*b].max_points += d("2");
        out.push(("two indicators".into(), v, true));
    }
    let mut v = s.clone();
    v.pound_per_point += d("1.01");
    out.push(("pounds per point".into(), v, false));
    out
}

#[test]
fn re_paying_only_the_touched_lines_costs_what_a_full_run_does_for_every_shipped_scheme() {
    let mut fast = 0;
    for (path, text) in crate::shipped::SCHEMES {
        let inputs = shipped_inputs(path, text);
        let (s, n, data) = (&inputs.scheme, &inputs.national, &inputs.data);
        let coster = Coster::new(s, n, data).unwrap();
        assert_eq!(coster.base(), cost(s, n, data).unwrap(), "{path}: the scheme as written");
        for (what, v, expect_fast) in variants(s) {
            let full = cost(&v, n, data).unwrap();
            let repaid = coster.repay.repay(&v);
            assert_eq!(repaid.is_some(), expect_fast, "{path}, {what}: which path");
            fast += usize::from(repaid.is_some());
            assert_eq!(coster.cost(&v).unwrap(), full, "{path}, {what}");
        }
    }
    assert!(fast > 400, "the fast path was taken {fast} times");
}

#[test]
fn re_paying_matches_a_full_run_with_every_rounding_unit_tiers_obligations_and_networks() {
    use crate::pay::{Gateway, Obligation, PaymentUnit, RoundingMode, Tier};
    let mut s = scheme();
    s.gateways = vec![Gateway {
        id: "G".into(),
        title: String::new(),
        requires: vec!["QI001".into()],
        payment: d("100.005"),
    }];
    s.tiers = vec![Tier {
        id: "T".into(),
        title: String::new(),
        requires: vec!["G".into()],
        payment: d("50"),
    }];
    s.indicators[2].tier = Some("T".into());
    s.indicators[0].monitored = true;
    let mut net = PayIndicator::new("NW01", "BP", IndicatorKind::Boolean, d("4"));
    net.network = true;
    s.indicators.push(net);
    let mut data = data();
    data.set_counts("P1", "NW01", Counts { achieved: Some(true), ..Counts::default() });
    data.set_counts("P2", "NW01", Counts { achieved: Some(true), ..Counts::default() });
    data.set_network("P2", "N1");
    data.set_list_size("P3", "TOTAL", 7001);
    data.set_list_size("P3", "17OV", 5003);
    data.set_register("P3", "DM", 411);
    data.set_counts("P3", "DM020", Counts { numerator: 77, denominator: 131, ..Counts::default() });
    data.set_counts("P3", "BP002", Counts { numerator: 51, denominator: 97, ..Counts::default() });
    data.set_attested("P3", "QI001", true);
    for unit in [PaymentUnit::Line, PaymentUnit::Group, PaymentUnit::Practice] {
        for obliged in [false, true] {
            let mut s = s.clone();
            s.rounding.payment_per = unit;
            s.rounding.mode = RoundingMode::HalfEven;
            if obliged {
                s.obligations = vec![Obligation { id: "O".into(), title: String::new() }];
                data.set_attested("P1", "O", true);
            }
            let n = national();
            let coster = Coster::new(&s, &n, &data).unwrap();
            assert_eq!(coster.base(), cost(&s, &n, &data).unwrap());
            for spec in [
                "DM020.upper=36%..100% step 4%",
                "DM020.lower=0%..70% step 7%",
                "BP002.upper=45%,61%,99%",
                "BP002.points=0,7.5,15,31",
                "DM.points=50%,125%",
                "DM001.points=1,6,9",
            ] {
                let lever = Lever::parse(spec, &s).unwrap();
                for &value in &lever.values {
                    let mut v = s.clone();
                    lever.target.apply(&mut v, value).unwrap();
                    assert!(coster.repay.repay(&v).is_some(), "{spec}");
                    let full = cost(&v, &n, &data).unwrap();
                    assert_eq!(coster.cost(&v).unwrap(), full, "{unit:?} {obliged} {spec} {value}");
                }
            }
            // a network indicator is paid in full, and costs the same
            let mut v = s.clone();
            Target::Points("NW01".into()).apply(&mut v, d("9")).unwrap();
            assert!(coster.repay.repay(&v).is_none());
            assert_eq!(coster.cost(&v).unwrap(), cost(&v, &n, &data).unwrap());
        }
    }
}
