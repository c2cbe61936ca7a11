//! The local variants shipped in `rules/` (Somerset, Aylesbury, Wales, Tower Hamlets): each
//! checks without a diagnostic, compiles, passes its in-file tests, and keeps the totals its
//! sources publish (Wales 2017/18: 567 points = 202 active + 165 inactive + 200 cluster network;
//! Tower Hamlets: 25 monitored QOF indicators).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use qofrules::scheme::{PaymentModel, Scheme};
use rust_decimal::Decimal;

const LOCAL: [&str; 4] = [
    "rules/somerset-2018-19.qof",
    "rules/aylesbury-2017-18.qof",
    "rules/wales-2017-18.qof",
    "rules/tower-hamlets-2017-18.qof",
];

/// The resolved scheme of a rule file; panics with every diagnostic (warnings included).
fn checked(path: &str) -> Scheme {
    let text = std::fs::read_to_string(path).unwrap();
    let (sources, checked) = qofrules::check::check_text(path, &text);
    let rendered: Vec<String> = checked.diagnostics.iter().map(|d| sources.render(d)).collect();
    assert!(rendered.is_empty(), "{}", rendered.join("\n"));
    checked.scheme.unwrap()
}

#[test]
fn local_schemes_check_clean_and_pass_their_tests() {
    let mut failures = Vec::new();
    for path in LOCAL {
        let scheme = checked(path);
        let prog = qofrules::compile::compile(&scheme);
        let report = qofrules::eval::run_tests(&scheme, &prog);
        assert!(report.passed >= 10, "{path}: only {} tests", report.passed);
        for t in report.tests.iter().filter(|t| !t.passed) {
            failures.push(format!("{path}: {}: {:?}", t.name, t.errors));
            for x in t.expects.iter().filter(|x| !x.passed) {
                failures.push(format!("  {}", x.explanation.clone().unwrap_or_default()));
            }
        }
        let errors = qofrules::compile::pay_scheme(&scheme).validate();
        assert!(errors.is_empty(), "{path}: {errors:?}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn wales_2017_18_has_567_points_in_three_domains() {
    let scheme = checked("rules/wales-2017-18.qof");
    let mut by_domain: BTreeMap<&str, Decimal> = BTreeMap::new();
    for ind in &scheme.indicators {
        *by_domain.entry(ind.domain.as_str()).or_default() += ind.points;
    }
    let expected: BTreeMap<&str, Decimal> = [
        ("active", Decimal::from(202)),
        ("cluster", Decimal::from(200)),
        ("inactive", Decimal::from(165)),
    ]
    .into_iter()
    .collect();
    assert_eq!(by_domain, expected);
    assert_eq!(by_domain.values().copied().sum::<Decimal>(), Decimal::from(567));
    // active: the higher of 2016/17 and performance, flu on actual; the 17 inactive
    // indicators on 2016/17 achievement; the cluster domain on performance
    let PaymentModel::ByIndicator { base, parts } = &scheme.payment else {
        panic!("unexpected payment model {:?}", scheme.payment)
    };
    match &**base {
        PaymentModel::HigherOf { a, b, except, on } => {
            assert!(matches!(**a, PaymentModel::Historic { ref year, .. } if year == "2016/17"));
            assert_eq!(**b, PaymentModel::Performance);
            assert_eq!(except, &["FLU001W".to_string(), "FLU002W".to_string()]);
            assert_eq!(**on, PaymentModel::Performance);
        }
        other => panic!("unexpected payment model {other:?}"),
    }
    let domain = |d: &str| {
        let ids: Vec<String> =
            scheme.indicators.iter().filter(|i| i.domain == d).map(|i| i.id.clone()).collect();
        ids
    };
    assert_eq!(parts.len(), 2);
    assert_eq!((parts[0].of, parts[0].name.as_str()), ("domain", "inactive"));
    assert_eq!(parts[0].indicators, domain("inactive"));
    assert_eq!(parts[0].indicators.len(), 17);
    assert!(
        matches!(parts[0].model, PaymentModel::Historic { ref year, prevalence: true, list_size: true, pounds: false } if year == "2016/17")
    );
    assert_eq!((parts[1].of, parts[1].name.as_str()), ("domain", "cluster"));
    assert_eq!(parts[1].indicators, domain("cluster"));
    assert_eq!(parts[1].model, PaymentModel::Performance);
}

#[test]
fn tower_hamlets_monitors_25_indicators_and_pays_networks() {
    let scheme = checked("rules/tower-hamlets-2017-18.qof");
    assert_eq!(scheme.indicators.len(), 25);
    let unpaid: Vec<&str> =
        scheme.indicators.iter().filter(|i| !i.monitored).map(|i| i.id.as_str()).collect();
    assert!(unpaid.is_empty(), "not monitored: {unpaid:?}");
    assert!(scheme.paid_to_networks);
    assert!(matches!(scheme.payment, PaymentModel::Historic { ref year, .. } if year == "2016/17"));
}

#[test]
fn somerset_pays_2012_13_and_assures_three_workstreams() {
    let scheme = checked("rules/somerset-2018-19.qof");
    assert_eq!(
        scheme.payment,
        PaymentModel::Historic {
            year: "2012/13".into(),
            prevalence: true,
            list_size: true,
            pounds: false
        }
    );
    let mut per_workstream: BTreeMap<&str, usize> = BTreeMap::new();
    for o in &scheme.obligations {
        *per_workstream.entry(o.workstream.as_deref().unwrap_or("")).or_default() += 1;
    }
    for w in ["integration", "sustainability", "quality_improvement"] {
        assert!(per_workstream.get(w).copied().unwrap_or(0) >= 3, "{w}: {per_workstream:?}");
    }
    assert!(scheme.indicators.iter().all(|i| i.monitored));
    assert_eq!(scheme.indicators.len(), 2);
    // this year's registers of every QOF group, so that 2012/13 group items are adjusted
    for g in ["AF", "CHD", "DM", "HYP", "STIA", "DEM"] {
        assert!(scheme.register(g).is_some_and(|r| r.prevalence_adjusted), "{g}");
    }
}

#[test]
fn aylesbury_levels_chain_back_to_the_foundation_gateway() {
    let scheme = checked("rules/aylesbury-2017-18.qof");
    let requires = |t: &str| scheme.tiers.iter().find(|x| x.id == t).unwrap().requires.clone();
    assert_eq!(requires("LEVEL1"), "FOUNDATION");
    assert_eq!(requires("LEVEL2"), "LEVEL1");
    assert_eq!(requires("LEVEL3"), "LEVEL2");
    let gateway = scheme.gateways.iter().find(|g| g.id == "FOUNDATION").unwrap();
    assert_eq!(gateway.requires.len(), 6);
    assert_eq!(gateway.pays, Some(Decimal::from(5000)));
}

/// The 2018 Welsh suspension, paid: active indicators on the higher of 2016/17 and 2017/18
/// points, inactive ones on 2016/17 (they score nothing now), flu on 2017/18 alone. One
/// practice of exactly average list size and prevalence (CPI = APDF = 1), so a point is £167.50.
#[test]
fn wales_pays_the_higher_of_2016_17_and_2017_18_except_flu() {
    use qofrules::pay::{Counts, FigureSource, HistoricValue, NationalFigures, PracticeData};

    let scheme = checked("rules/wales-2017-18.qof");
    let pay_scheme = qofrules::compile::pay_scheme(&scheme);
    let mut data = PracticeData::new();
    data.set_list_size("P1", "TOTAL", 7250);
    data.set_list_size("P1", "17OV", 6000);
    data.set_register("P1", "DM", 480);
    let fraction = |denominator, numerator| Counts { denominator, numerator, ..Counts::default() };
    data.set_counts("P1", "DM007", fraction(100, 80)); // 80% >= 75%: all 17 points
    data.set_counts("P1", "DM009", fraction(100, 40)); // 40% <= 52%: no points
    data.set_counts("P1", "FLU001W", fraction(100, 50)); // 50% <= 55%: no points
    let points = |p: i64| HistoricValue { points: Some(Decimal::from(p)), pounds: None };
    for (item, p) in [("DM007", 10), ("DM009", 8), ("DM002", 10), ("FLU001W", 8), ("CN_PDP", 30)] {
        data.set_historic("P1", "2016/17", item, points(p));
    }
    // an inactive indicator attested this year still pays 2016/17 (its domain's model),
    // where `higher of` would have paid its 10 points of 2017/18
    data.set_attested("P1", "DM003", true);
    data.set_historic("P1", "2016/17", "DM003", points(4));
    let national = NationalFigures::computed(&data, &pay_scheme.groups)
        .with_average_list_size(Decimal::from(7250), FigureSource::Scheme);
    let result = qofrules::pay::pay(&pay_scheme, &national, &data).unwrap();
    let practice = &result.practices[0];
    let paid = |id: &str| practice.indicators.iter().find(|i| i.id == id).unwrap().payment;
    let pounds = |s: &str| s.parse::<Decimal>().unwrap();
    assert_eq!(paid("DM007"), pounds("2847.50"), "active: 2017/18's 17 points beat 2016/17's 10");
    assert_eq!(paid("DM009"), pounds("1340.00"), "active: 2016/17's 8 points beat 2017/18's 0");
    assert_eq!(paid("DM002"), pounds("1675.00"), "inactive: 2016/17's 10 points");
    assert_eq!(paid("DM003"), pounds("670.00"), "inactive: 2016/17's 4 points, not 2017/18's");
    assert_eq!(paid("FLU001W"), Decimal::ZERO, "flu: 2017/18 alone, whatever 2016/17 scored");
    assert_eq!(paid("CN_PDP"), Decimal::ZERO, "cluster: 2017/18 alone, and not attested");
    // each line says which model paid it
    let paid_on =
        |id: &str| practice.indicators.iter().find(|i| i.id == id).unwrap().paid_on.to_string();
    assert_eq!(paid_on("DM007"), "higher of: performance");
    assert_eq!(
        paid_on("DM009"),
        "higher of: historic 2016/17 points adjusted for list size and prevalence"
    );
    assert_eq!(paid_on("FLU001W"), "higher of: performance");
    assert_eq!(
        paid_on("DM002"),
        "domain inactive: historic 2016/17 points adjusted for list size and prevalence"
    );
    assert_eq!(paid_on("CN_PDP"), "domain cluster: performance");
}

/// The Welsh cluster domain is paid only when the practices have shared their development
/// plan: a cluster whose member has not is paid nothing on its network indicators.
#[test]
fn wales_pays_the_cluster_only_with_the_shared_plan() {
    use qofrules::pay::{FigureSource, NationalFigures, PracticeData};

    let scheme = checked("rules/wales-2017-18.qof");
    let pay_scheme = qofrules::compile::pay_scheme(&scheme);
    let cluster = ["CN_PLAN", "CN_QUALITY", "CN_REPORT", "CN_PRIORITIES"];
    let run = |shared: &[&str]| {
        let mut data = PracticeData::new();
        for p in ["P1", "P2"] {
            data.set_list_size(p, "TOTAL", 7250);
            data.set_network(p, "C1");
            for item in cluster {
                data.set_attested(p, item, true);
            }
            data.set_attested(p, "CN_PDP", shared.contains(&p));
        }
        let national = NationalFigures::computed(&data, &pay_scheme.groups)
            .with_average_list_size(Decimal::from(7250), FigureSource::Scheme);
        let result = qofrules::pay::pay(&pay_scheme, &national, &data).unwrap();
        result.networks[0].payment
    };
    // 170 network points (70 + 50 + 5 + 45) x £167.50 x CPI 2 (two average practices)
    assert_eq!(run(&["P1", "P2"]), "56950.00".parse::<Decimal>().unwrap());
    assert_eq!(run(&["P1"]), Decimal::ZERO, "P2 has not shared its plan");
}

/// Aylesbury, paid: a practice that attests every Foundation item earns the one-off £5,000 and
/// unlocks care delivery, paid on its 2014/15 points; a practice one item short earns neither.
/// Both practices are of average list size and prevalence (CPI = APDF = 1): £171.20 a point.
#[test]
fn aylesbury_pays_2014_15_only_behind_the_foundation_gateway() {
    use qofrules::pay::{FigureSource, HistoricValue, NationalFigures, PracticeData};

    let scheme = checked("rules/aylesbury-2017-18.qof");
    let pay_scheme = qofrules::compile::pay_scheme(&scheme);
    let foundation = ["FG_EMIS", "FG_ERS", "FG_CLUSTER", "FG_TEMPLATES", "FG_GRASPAF", "FG_NDA"];
    let mut data = PracticeData::new();
    for (practice, attested) in [("FULL", 6), ("SHORT", 5)] {
        data.set_list_size(practice, "TOTAL", 7732);
        data.set_list_size(practice, "17OV", 6000);
        data.set_register(practice, "DM", 400);
        for (i, item) in foundation.iter().enumerate() {
            data.set_attested(practice, item, i < attested);
        }
        let points = HistoricValue { points: Some(Decimal::from(15)), pounds: None };
        data.set_historic(practice, "2014/15", "DM007", points);
    }
    let national = NationalFigures::computed(&data, &pay_scheme.groups)
        .with_average_list_size(Decimal::from(7732), FigureSource::Scheme);
    let result = qofrules::pay::pay(&pay_scheme, &national, &data).unwrap();
    let practice = |id: &str| result.practices.iter().find(|p| p.practice_id == id).unwrap();
    let dm007 =
        |id: &str| practice(id).indicators.iter().find(|i| i.id == "DM007").unwrap().payment;
    let gateway = |id: &str| practice(id).gateways.iter().find(|g| g.id == "FOUNDATION").unwrap();
    let pounds = |s: &str| s.parse::<Decimal>().unwrap();

    assert!(gateway("FULL").met);
    assert_eq!(gateway("FULL").payment, pounds("5000"));
    assert_eq!(dm007("FULL"), pounds("2568.00"), "15 points of 2014/15 at £171.20");
    assert!(!gateway("SHORT").met);
    assert_eq!(gateway("SHORT").payment, Decimal::ZERO);
    assert_eq!(dm007("SHORT"), Decimal::ZERO, "care delivery stays locked");
}

/// Tower Hamlets, paid: the 25 monitored indicators pay nothing whatever they score; each
/// practice's 2016/17 QOF points are repriced and the money goes to its network.
#[test]
fn tower_hamlets_pays_2016_17_to_the_network_and_nothing_on_indicators() {
    use qofrules::pay::{Counts, FigureSource, HistoricValue, NationalFigures, PracticeData};

    let scheme = checked("rules/tower-hamlets-2017-18.qof");
    let pay_scheme = qofrules::compile::pay_scheme(&scheme);
    let mut data = PracticeData::new();
    for (practice, list, points) in [("P1", 7732, 500), ("P2", 7732, 300)] {
        data.set_network(practice, "N1");
        data.set_list_size(practice, "TOTAL", list);
        data.set_list_size(practice, "17OV", 6000);
        data.set_register(practice, "DM", 400);
        let all = Counts { denominator: 100, numerator: 100, ..Counts::default() };
        data.set_counts(practice, "DM007", all);
        let qof = HistoricValue { points: Some(Decimal::from(points)), pounds: None };
        data.set_historic(practice, "2016/17", "QOF", qof);
    }
    let national = NationalFigures::computed(&data, &pay_scheme.groups)
        .with_average_list_size(Decimal::from(7732), FigureSource::Scheme);
    let result = qofrules::pay::pay(&pay_scheme, &national, &data).unwrap();
    for p in &result.practices {
        let dm007 = p.indicators.iter().find(|i| i.id == "DM007").unwrap();
        assert_eq!(dm007.payment, Decimal::ZERO, "monitored DM007 is paid at {}", p.practice_id);
    }
    let network = result.networks.iter().find(|n| n.network_id == "N1").unwrap();
    // (500 + 300) points x £171.20, CPI 1
    assert_eq!(network.receives, "136960.00".parse::<Decimal>().unwrap());
}

/// Somerset, paid: 2012/13 points repriced at £179.26 with this year's list size (a practice of
/// half the average list has CPI 0.5) and, for a group item, this year's prevalence; the
/// reinstated QOF actions pay nothing; a practice that has not met its obligations is paid
/// nothing at all.
#[test]
fn somerset_pays_2012_13_points_with_this_years_list_size() {
    use qofrules::pay::{Counts, FigureSource, HistoricValue, NationalFigures, PracticeData};

    let scheme = checked("rules/somerset-2018-19.qof");
    let pay_scheme = qofrules::compile::pay_scheme(&scheme);
    let mut data = PracticeData::new();
    for p in ["P1", "P2"] {
        data.set_list_size(p, "TOTAL", 4048);
        data.set_register(p, "DEM", 40);
        let all = Counts { denominator: 40, numerator: 40, ..Counts::default() };
        data.set_counts(p, "SPQS_DEM", all);
        let qof = HistoricValue { points: Some(Decimal::from(600)), pounds: None };
        data.set_historic(p, "2012/13", "QOF", qof);
        let dem = HistoricValue { points: Some(Decimal::from(40)), pounds: None };
        data.set_historic(p, "2012/13", "DEM", dem);
    }
    for o in &scheme.obligations {
        data.set_attested("P1", &o.id, true);
        // P2 misses the quarterly assurance return
        data.set_attested("P2", &o.id, o.id != "ASSURANCE");
    }
    // dementia nationally at twice P1's 40 / 4,048
    let mut national = NationalFigures::computed(&data, &pay_scheme.groups)
        .with_average_list_size(Decimal::from(8096), FigureSource::Scheme);
    national
        .prevalence
        .insert("DEM".into(), qofrules::pay::GroupNational::totals(80, 4048, FigureSource::Scheme));
    let result = qofrules::pay::pay(&pay_scheme, &national, &data).unwrap();
    let practice = &result.practices[0];
    let dem = practice.indicators.iter().find(|i| i.id == "SPQS_DEM").unwrap();
    assert_eq!(dem.payment, Decimal::ZERO);
    // QOF: 600 points x £179.26 x 4048 / 8096 = 53,778.00 (not a group: CPI only, warned);
    // DEM: 40 points x £179.26 x 0.5 x APDF 0.5 = 1,792.60
    let line = |id: &str| practice.indicators.iter().find(|i| i.id == id).unwrap().payment;
    assert_eq!(line("QOF"), "53778.00".parse::<Decimal>().unwrap());
    assert_eq!(line("DEM"), "1792.60".parse::<Decimal>().unwrap());
    assert_eq!(practice.payment, "55570.60".parse::<Decimal>().unwrap());
    assert_eq!(practice.obligations.len(), 12);
    assert!(result
        .warnings
        .iter()
        .any(|w| w.message.contains("paid without prevalence adjustment")));
    let p2 = &result.practices[1];
    assert_eq!(p2.payment, Decimal::ZERO, "an obligation unmet: nothing is paid");
    let historic: Vec<_> = p2.indicators.iter().filter(|i| i.kind == "historic").collect();
    assert_eq!(historic.len(), 2);
    assert!(historic.iter().all(|i| &*i.paid_on == "not paid: obligation `ASSURANCE` not met"));
}
