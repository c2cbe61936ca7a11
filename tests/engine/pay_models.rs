//! The pay phase on small hand-computed examples: every payment model, gateways, tiers,
//! obligations, networks, aspiration, rounding, warnings and the JSON report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use qofrules::date::Date;
use qofrules::pay::*;
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn group(id: &str, adjusted: bool, list_type: &str) -> PayGroup {
    PayGroup { id: id.into(), prevalence_adjusted: adjusted, list_type: list_type.into() }
}

fn ind(id: &str, group: &str, kind: IndicatorKind, max: &str) -> PayIndicator {
    PayIndicator::new(id, group, kind, d(max))
}

fn frac(lower: &str, upper: &str) -> IndicatorKind {
    IndicatorKind::Fraction { lower: d(lower), upper: d(upper) }
}

fn counts(numerator: u32, denominator: u32) -> Counts {
    Counts { numerator, denominator, ..Counts::default() }
}

/// £200 a point; DM (prevalence-adjusted, 17OV), BP (not adjusted), PS (not adjusted).
/// Indicators: DM001 Boolean 6 pts, DM020 fraction 35-75% 17 pts, BP002 fraction 40-80% 15 pts,
/// QI001 attested 27 pts.
fn scheme() -> PayScheme {
    let mut s =
        PayScheme::new("test", "Test scheme", Date::from_ymd(2020, 3, 31).unwrap(), d("200"));
    s.groups =
        vec![group("DM", true, "17OV"), group("BP", false, "TOTAL"), group("PS", false, "TOTAL")];
    s.indicators = vec![
        ind("DM001", "DM", IndicatorKind::Boolean, "6"),
        ind("DM020", "DM", frac("0.35", "0.75"), "17"),
        ind("BP002", "BP", frac("0.40", "0.80"), "15"),
        ind("QI001", "PS", IndicatorKind::Attested, "27"),
    ];
    s
}

/// National: average list 10,000; DM prevalence 500 / 10,000 = 5%.
fn national() -> NationalFigures {
    let mut prev = BTreeMap::new();
    prev.insert("DM".to_string(), GroupTotals { register: 500, list_size: 10_000 });
    NationalFigures::given(d("10000"), FigureSource::Scheme, prev, FigureSource::Scheme)
}

/// P1: list 5,000 (CPI 0.5), 17OV list 4,000, DM register 300 (7.5%, APDF 1.5).
/// P2: list 3,000 (CPI 0.3), 17OV list 2,000, DM register 100 (5%, APDF 1).
fn data() -> PracticeData {
    let mut data = PracticeData::new();
    data.set_list_size("P1", "TOTAL", 5000);
    data.set_list_size("P1", "17OV", 4000);
    data.set_register("P1", "DM", 300);
    data.set_counts("P1", "DM001", Counts { achieved: Some(true), ..Counts::default() });
    data.set_counts("P1", "DM020", counts(100, 200));
    data.set_counts("P1", "BP002", counts(90, 100));
    data.set_attested("P1", "QI001", true);
    data.set_list_size("P2", "TOTAL", 3000);
    data.set_list_size("P2", "17OV", 2000);
    data.set_register("P2", "DM", 100);
    data.set_counts("P2", "DM001", Counts { achieved: Some(false), ..Counts::default() });
    data.set_counts("P2", "DM020", counts(60, 80));
    data.set_counts("P2", "BP002", counts(10, 100));
    data
}

fn line<'r>(r: &'r PayResult, practice: &str, id: &str) -> &'r IndicatorResult<'r> {
    r.practices
        .iter()
        .find(|p| p.practice_id == practice)
        .unwrap()
        .indicators
        .iter()
        .find(|i| i.id == id)
        .unwrap()
}

fn practice<'r>(r: &'r PayResult, id: &str) -> &'r PracticeResult<'r> {
    r.practices.iter().find(|p| p.practice_id == id).unwrap()
}

#[test]
fn performance_by_hand() {
    let (s, n, data) = (scheme(), national(), data());
    let r = pay(&s, &n, &data).unwrap();
    // P1 DM001: 6 x 200 x 0.5 x 1.5 = 900.00
    assert_eq!(line(&r, "P1", "DM001").payment, d("900.00"));
    // P1 DM020: 100/200 = 0.5 -> 17 x 0.15/0.40 = 6.375 pts; 6.375 x 200 x 0.5 x 1.5 = 956.25
    assert_eq!(line(&r, "P1", "DM020").points, d("6.375"));
    assert_eq!(line(&r, "P1", "DM020").payment, d("956.25"));
    // P1 BP002: 90% >= 80% -> 15 pts; not adjusted: 15 x 200 x 0.5 = 1500.00
    assert_eq!(line(&r, "P1", "BP002").payment, d("1500"));
    // P1 QI001 attested: 27 x 200 x 0.5 = 2700.00
    assert_eq!(line(&r, "P1", "QI001").payment, d("2700"));
    // P1 total = 900 + 956.25 + 1500 + 2700 = 6056.25; points 6 + 6.375 + 15 + 27 = 54.375
    assert_eq!(practice(&r, "P1").payment, d("6056.25"));
    assert_eq!(practice(&r, "P1").points, d("54.375"));
    // P2 DM001 not achieved: 0. DM020 60/80 = 75% -> 17 pts x 200 x 0.3 x 1 = 1020.00.
    // BP002 10% -> 0. QI001 not attested -> 0. Total 1020.00
    assert_eq!(line(&r, "P2", "DM001").points, d("0"));
    assert_eq!(line(&r, "P2", "DM020").payment, d("1020"));
    assert_eq!(practice(&r, "P2").payment, d("1020"));
    assert_eq!(r.total.payment, d("7076.25"));
    assert_eq!(r.total.points, d("71.375"));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn qof_2019_20_check_figure_all_559_points() {
    // qof.md §3: 9,000 patients, national-average prevalence, all 559 points in 2019/20
    // (£187.74, average list 8,479) earns 559 x 187.74 x 9000/8479 = £111,395 to the pound.
    const INDICATORS: [(&str, &str, u32); 68] = [
        ("AF001", "AF", 5),
        ("AF006", "AF", 12),
        ("AF007", "AF", 12),
        ("AST001", "AST", 4),
        ("AST002", "AST", 15),
        ("AST003", "AST", 20),
        ("AST004", "AST", 6),
        ("BP002", "BP", 15),
        ("CAN001", "CAN", 5),
        ("CAN003", "CAN", 6),
        ("CHD001", "CHD", 4),
        ("CHD005", "CHD", 7),
        ("CHD007", "CHD", 7),
        ("CHD008", "CHD", 12),
        ("CHD009", "CHD", 5),
        ("CKD005", "CKD", 6),
        ("COPD001", "COPD", 3),
        ("COPD002", "COPD", 5),
        ("COPD003", "COPD", 9),
        ("COPD007", "COPD", 6),
        ("COPD008", "COPD", 2),
        ("CS005", "CS", 7),
        ("CS006", "CS", 4),
        ("CVDPP001", "CVDPP", 10),
        ("DEM001", "DEM", 5),
        ("DEM004", "DEM", 39),
        ("DEP003", "DEP", 10),
        ("DM006", "DM", 3),
        ("DM012", "DM", 4),
        ("DM014", "DM", 11),
        ("DM017", "DM", 6),
        ("DM018", "DM", 3),
        ("DM019", "DM", 10),
        ("DM020", "DM", 17),
        ("DM021", "DM", 10),
        ("DM022", "DM", 4),
        ("DM023", "DM", 2),
        ("EP001", "EP", 1),
        ("HF001", "HF", 4),
        ("HF002", "HF", 6),
        ("HF003", "HF", 10),
        ("HF004", "HF", 9),
        ("HYP001", "HYP", 6),
        ("HYP003", "HYP", 14),
        ("HYP007", "HYP", 5),
        ("LD004", "LD", 4),
        ("MH001", "MH", 4),
        ("MH002", "MH", 6),
        ("MH003", "MH", 4),
        ("MH006", "MH", 4),
        ("OB002", "OB", 8),
        ("OST004", "OST", 3),
        ("PAD001", "PAD", 2),
        ("PC001", "PC", 3),
        ("QI001", "PS", 27),
        ("QI002", "PS", 10),
        ("QI003", "EoLC", 27),
        ("QI004", "EoLC", 10),
        ("RA001", "RA", 1),
        ("RA002", "RA", 5),
        ("SMOK002", "SMOK", 25),
        ("SMOK004", "SMOK", 12),
        ("SMOK005", "SMOK", 25),
        ("STIA001", "STIA", 2),
        ("STIA007", "STIA", 4),
        ("STIA009", "STIA", 2),
        ("STIA010", "STIA", 3),
        ("STIA011", "STIA", 2),
    ];
    let not_adjusted = ["BP", "CS", "SMOK", "PS", "EoLC"];
    let mut s =
        PayScheme::new("qof", "QOF 2019/20", Date::from_ymd(2020, 3, 31).unwrap(), d("187.74"));
    let mut data = PracticeData::new();
    data.set_list_size("X", "TOTAL", 9000);
    let mut prev = BTreeMap::new();
    for (id, g, pts) in INDICATORS {
        if !s.groups.iter().any(|x| x.id == g) {
            let adjusted = !not_adjusted.contains(&g);
            s.groups.push(group(g, adjusted, "TOTAL"));
            // national 5%, practice 450 / 9,000 = 5%: APDF exactly 1
            prev.insert(g.to_string(), GroupTotals { register: 50, list_size: 1000 });
            data.set_register("X", g, 450);
        }
        s.indicators.push(ind(id, g, frac("0.4", "0.9"), &pts.to_string()));
        data.set_counts("X", id, counts(10, 10));
    }
    let n = NationalFigures::given(d("8479"), FigureSource::Scheme, prev, FigureSource::Scheme);
    let r = pay(&s, &n, &data).unwrap();
    let p = practice(&r, "X");
    assert_eq!(p.points, d("559"));
    // Sum of the 68 penny-rounded payments (computed independently with Python's decimal,
    // ROUND_HALF_UP per indicator): 111395.24; the unrounded product is 111395.2046...
    assert_eq!(p.payment, d("111395.24"));
    assert_eq!(p.payment.round(), d("111395"));
}

fn historic_data() -> PracticeData {
    let mut data = data();
    let hv = |p: &str| HistoricValue { points: Some(d(p)), pounds: None };
    data.set_historic("P1", "2016/17", "DM020", hv("10"));
    data.set_historic("P1", "2016/17", "BP002", hv("20"));
    data.set_historic(
        "P1",
        "2016/17",
        "QI001",
        HistoricValue { points: None, pounds: Some(d("1234.56")) },
    );
    data.set_historic("P2", "2016/17", "DM020", hv("5"));
    data
}

fn historic(year: &str, basis: HistoricBasis, adjust: bool) -> PaymentModel {
    PaymentModel::Historic(HistoricModel {
        year: year.into(),
        basis,
        adjust_list_size: adjust,
        adjust_prevalence: adjust,
        pay_unmatched_items: false,
    })
}

#[test]
fn historic_points_adjusted_and_pounds() {
    let (mut s, n, data) = (scheme(), national(), historic_data());
    s.model = historic("2016/17", HistoricBasis::Points, true);
    let r = pay(&s, &n, &data).unwrap();
    // P1 DM020: 10 historic pts x 200 x CPI 0.5 x APDF 1.5 = 1500.00
    assert_eq!(line(&r, "P1", "DM020").payment, d("1500"));
    // this year's points are still reported
    assert_eq!(line(&r, "P1", "DM020").points, d("6.375"));
    // P1 BP002: 20 x 200 x 0.5 (not prevalence-adjusted) = 2000.00
    assert_eq!(line(&r, "P1", "BP002").payment, d("2000"));
    // no DM001 figure for 2016/17: 0
    assert_eq!(line(&r, "P1", "DM001").payment, d("0"));
    // P2 DM020: 5 x 200 x 0.3 x 1 = 300.00
    assert_eq!(practice(&r, "P2").payment, d("300"));
    assert_eq!(
        &*line(&r, "P1", "DM020").paid_on,
        "historic 2016/17 points adjusted for list size and prevalence"
    );

    // unadjusted points: 10 x 200 = 2000.00
    s.model = historic("2016/17", HistoricBasis::Points, false);
    let r = pay(&s, &n, &data).unwrap();
    assert_eq!(line(&r, "P1", "DM020").payment, d("2000"));

    // pounds as paid: QI001 1234.56, the others have no pounds: 0
    s.model = historic("2016/17", HistoricBasis::Pounds, false);
    let r = pay(&s, &n, &data).unwrap();
    assert_eq!(line(&r, "P1", "QI001").payment, d("1234.56"));
    assert_eq!(practice(&r, "P1").payment, d("1234.56"));
}

#[test]
fn historic_year_missing_is_a_counted_warning() {
    let (mut s, n, data) = (scheme(), national(), data());
    s.model = historic("2015/16", HistoricBasis::Points, true);
    let r = pay(&s, &n, &data).unwrap();
    assert_eq!(r.total.payment, d("0"));
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(
        r.warnings[0].message,
        "no historic figures for 2015/16: historic payment taken as 0"
    );
    assert_eq!(r.warnings[0].practices, 2);
    assert_eq!(r.warnings[0].example, "P1");
}

#[test]
fn blend_rounds_after_blending() {
    let (mut s, n, data) = (scheme(), national(), historic_data());
    s.model = PaymentModel::Blend(vec![
        BlendShare { share: d("0.5"), model: historic("2016/17", HistoricBasis::Points, true) },
        BlendShare { share: d("0.5"), model: PaymentModel::Performance },
    ]);
    let r = pay(&s, &n, &data).unwrap();
    // P1 DM020: 0.5 x 1500 + 0.5 x 956.25 = 1228.125 -> 1228.13 (half away from zero)
    assert_eq!(line(&r, "P1", "DM020").payment, d("1228.13"));
    // P1 BP002: 0.5 x 2000 + 0.5 x 1500 = 1750.00
    assert_eq!(line(&r, "P1", "BP002").payment, d("1750"));
    // P1 DM001: 0.5 x 0 + 0.5 x 900 = 450.00; QI001: 0.5 x 0 + 0.5 x 2700 = 1350.00
    assert_eq!(practice(&r, "P1").payment, d("4778.13"));

    // half even would give 1228.12
    s.rounding.mode = RoundingMode::HalfEven;
    let r = pay(&s, &n, &data).unwrap();
    assert_eq!(line(&r, "P1", "DM020").payment, d("1228.12"));
}

#[test]
fn blend_must_sum_to_100() {
    let (mut s, n, data) = (scheme(), national(), data());
    s.model = PaymentModel::Blend(vec![
        BlendShare { share: d("0.5"), model: historic("2016/17", HistoricBasis::Points, true) },
        BlendShare { share: d("0.4"), model: PaymentModel::Performance },
    ]);
    let e = pay(&s, &n, &data).unwrap_err();
    assert_eq!(
        e.to_string(),
        "blend shares sum to 90%, not 100%\n  help: make the percentages of the blended models add up to 100"
    );
}

#[test]
fn higher_of_with_exception() {
    let (mut s, n, data) = (scheme(), national(), historic_data());
    // Wales 2018 shape: higher of historic and performance, except BP002 on performance.
    s.model = PaymentModel::HigherOf {
        models: vec![historic("2016/17", HistoricBasis::Points, true), PaymentModel::Performance],
        except: vec!["BP002".into()],
        except_model: Box::new(PaymentModel::Performance),
    };
    let r = pay(&s, &n, &data).unwrap();
    // DM020: max(historic 1500.00, performance 956.25) = 1500.00
    let l = line(&r, "P1", "DM020");
    assert_eq!(l.payment, d("1500"));
    assert_eq!(
        &*l.paid_on,
        "higher of: historic 2016/17 points adjusted for list size and prevalence"
    );
    // DM001: max(0, 900) = 900 on performance
    assert_eq!(line(&r, "P1", "DM001").payment, d("900"));
    assert_eq!(&*line(&r, "P1", "DM001").paid_on, "higher of: performance");
    // BP002 excepted: performance 1500.00 although historic would pay 2000.00
    assert_eq!(line(&r, "P1", "BP002").payment, d("1500"));
    // total P1: 900 + 1500 + 1500 + max(historic pounds? no: points basis, QI001 has no
    // points -> 0; performance 2700) 2700 = 6600.00
    assert_eq!(practice(&r, "P1").payment, d("6600"));

    s.model = PaymentModel::HigherOf {
        models: vec![PaymentModel::Performance],
        except: vec!["NOPE".into()],
        except_model: Box::new(PaymentModel::Performance),
    };
    let e = pay(&s, &n, &data).unwrap_err();
    assert_eq!(e.0[0].message, "`higher of` excepts unknown indicator `NOPE`");
}

#[test]
fn gateways_tiers_and_obligations() {
    let (mut s, n, mut data) = (scheme(), national(), data());
    s.gateways = vec![Gateway {
        id: "FOUNDATION".into(),
        title: "Foundation gateway".into(),
        requires: vec!["FG1".into(), "FG2".into()],
        payment: d("5000"),
    }];
    s.tiers = vec![Tier {
        id: "CARE".into(),
        title: "Care delivery".into(),
        requires: vec!["FOUNDATION".into()],
        payment: d("0"),
    }];
    s.indicators[1].tier = Some("CARE".into()); // DM020
    s.obligations = vec![Obligation { id: "QI_LEAD".into(), title: "QI lead".into() }];
    data.set_attested("P1", "FG1", true);
    data.set_attested("P1", "FG2", true);
    data.set_attested("P1", "QI_LEAD", true);
    data.set_attested("P2", "FG1", true);
    data.set_attested("P2", "FG2", false);
    let r = pay(&s, &n, &data).unwrap();
    // P1: gateway met: 5000 + performance 6056.25 = 11056.25
    let p1 = practice(&r, "P1");
    assert!(p1.gateways[0].met);
    assert_eq!(p1.gateways[0].payment, d("5000"));
    assert_eq!(p1.payment, d("11056.25"));
    assert!(p1.obligations[0].met);
    // P2: gateway not met: no gateway money, DM020 (1020.00 otherwise) locked
    let p2 = practice(&r, "P2");
    assert!(!p2.gateways[0].met);
    assert_eq!(line(&r, "P2", "DM020").payment, d("0"));
    assert_eq!(line(&r, "P2", "DM020").points, d("17"));
    assert_eq!(&*line(&r, "P2", "DM020").paid_on, "not paid: tier `CARE` not unlocked");
    assert_eq!(p2.payment, d("0"));
    assert!(!p2.obligations[0].met);

    s.tiers[0].requires = vec!["NOPE".into()];
    let e = pay(&s, &n, &data).unwrap_err();
    assert_eq!(e.0[0].message, "tier `CARE` requires unknown gateway or tier `NOPE`");
}

#[test]
fn network_indicator_sums_counts_and_pays_the_network() {
    let (mut s, n, mut data) = (scheme(), national(), data());
    let mut net = ind("NET01", "BP", frac("0.3", "0.7"), "10");
    net.network = true;
    s.indicators.push(net);
    data.set_network("P1", "N1");
    data.set_network("P2", "N1");
    data.set_counts("P1", "NET01", counts(30, 100)); // alone: 30% -> 0 pts
    data.set_counts("P2", "NET01", counts(70, 100)); // alone: 70% -> 10 pts
    let r = pay(&s, &n, &data).unwrap();
    assert_eq!(r.networks.len(), 1);
    let nr = &r.networks[0];
    // network: 100/200 = 50% -> 10 x 0.2/0.4 = 5 pts; list 8,000 -> CPI 0.8;
    // BP not adjusted: 5 x 200 x 0.8 = 800.00
    assert_eq!(nr.indicators[0].achievement, Some(d("0.5")));
    assert_eq!(nr.points, d("5"));
    assert_eq!(nr.payment, d("800"));
    assert_eq!(nr.list_size, 8000);
    // not paid to practices; total includes the network
    assert!(practice(&r, "P1").indicators.iter().all(|i| i.id != "NET01"));
    assert_eq!(r.total.payment, d("7876.25"));
}

#[test]
fn aspiration_and_balancing() {
    let (mut s, n, mut data) = (scheme(), national(), data());
    let hv = |p: &str| HistoricValue { points: Some(d(p)), pounds: None };
    data.set_historic("P1", "2018/19", "DM020", hv("10"));
    data.set_historic("P1", "2018/19", "BP002", hv("12"));
    s.aspiration = Some(Aspiration {
        share: d("0.7"),
        previous: HistoricModel {
            year: "2018/19".into(),
            basis: HistoricBasis::Points,
            adjust_list_size: true,
            adjust_prevalence: true,
            pay_unmatched_items: false,
        },
    });
    let r = pay(&s, &n, &data).unwrap();
    // previous year valued now: DM020 10 x 200 x 0.5 x 1.5 = 1500; BP002 12 x 200 x 0.5 = 1200
    // aspiration = 70% x 2700 = 1890.00; monthly 157.50; balancing 6056.25 - 1890 = 4166.25
    let a = practice(&r, "P1").aspiration.as_ref().unwrap();
    assert_eq!(a.aspiration, d("1890"));
    assert_eq!(a.monthly, d("157.50"));
    assert_eq!(a.balancing, d("4166.25"));
    // P2 has no 2018/19 figures: no aspiration block
    assert!(practice(&r, "P2").aspiration.is_none());
}

#[test]
fn somerset_historic_items_without_indicators() {
    // No indicators paid; 2012/13 achievement per item, repriced with CPI and APDF.
    let mut s = PayScheme::new("som", "Somerset", Date::from_ymd(2019, 3, 31).unwrap(), d("200"));
    s.groups = vec![group("DM", true, "17OV")];
    s.model = PaymentModel::Historic(HistoricModel {
        year: "2012/13".into(),
        basis: HistoricBasis::Points,
        adjust_list_size: true,
        adjust_prevalence: true,
        pay_unmatched_items: true,
    });
    s.obligations = vec![Obligation { id: "QI_LEAD".into(), title: "QI lead".into() }];
    let mut data = data();
    let hv = |p: &str| HistoricValue { points: Some(d(p)), pounds: None };
    data.set_historic("P1", "2012/13", "DM", hv("20"));
    data.set_historic("P1", "2012/13", "OTHER", hv("100"));
    data.set_historic("P2", "2012/13", "DM", hv("20"));
    data.set_attested("P1", "QI_LEAD", true);
    let n = national();
    let r = pay(&s, &n, &data).unwrap();
    let p1 = practice(&r, "P1");
    // DM: 20 x 200 x 0.5 x 1.5 = 3000.00; OTHER (not a group: no APDF): 100 x 200 x 0.5 = 10000
    assert_eq!(p1.indicators.len(), 2);
    assert_eq!(line(&r, "P1", "DM").payment, d("3000"));
    assert_eq!(line(&r, "P1", "DM").kind, "historic");
    assert_eq!(line(&r, "P1", "OTHER").payment, d("10000"));
    assert_eq!(p1.payment, d("13000"));
    assert_eq!(p1.points, d("0"));
    assert!(p1.obligations[0].met);
    // OTHER could not be adjusted for prevalence: said, not silent
    let warned: Vec<String> = r
        .warnings
        .iter()
        .map(|w| format!("{} ({}, {})", w.message, w.practices, w.example))
        .collect();
    assert!(warned.contains(&"historic 2012/13 items that are not a prevalence-adjusted group of the scheme: paid without prevalence adjustment (define a register of the item's name to adjust it) (1, P1)".to_string()), "{warned:?}");
    // P2 has not met its obligation: paid nothing (20 x 200 x 0.3 x 1 = 1200.00 otherwise)
    let p2 = practice(&r, "P2");
    assert!(!p2.obligations[0].met);
    assert_eq!(line(&r, "P2", "DM").payment, d("0"));
    assert_eq!(&*line(&r, "P2", "DM").paid_on, "not paid: obligation `QI_LEAD` not met");
    assert_eq!(p2.payment, d("0"));
    assert!(warned.contains(&"obligations not met: the practice is paid nothing (each line's `paid_on` names the first) (1, P2)".to_string()), "{warned:?}");
}

#[test]
fn obligations_withhold_indicators_and_gateways_and_a_gateway_may_require_one() {
    let (mut s, n, mut data) = (scheme(), national(), data());
    s.obligations = vec![Obligation { id: "PLAN".into(), title: "Shared plan".into() }];
    s.gateways = vec![Gateway {
        id: "G".into(),
        title: "Gateway on the plan".into(),
        requires: vec!["PLAN".into()],
        payment: d("500"),
    }];
    data.set_attested("P1", "PLAN", true);
    let r = pay(&s, &n, &data).unwrap();
    // P1: as `performance_by_hand` (6056.25) plus the gateway it met by its obligation
    assert!(practice(&r, "P1").gateways[0].met);
    assert_eq!(practice(&r, "P1").payment, d("6556.25"));
    // P2 (1020.00 on DM020 otherwise): nothing, every line says why
    let p2 = practice(&r, "P2");
    assert_eq!(p2.payment, d("0"));
    assert!(!p2.gateways[0].met);
    assert_eq!(line(&r, "P2", "DM020").points, d("17"));
    assert_eq!(&*line(&r, "P2", "DM020").paid_on, "not paid: obligation `PLAN` not met");
}

#[test]
fn a_locked_tier_withholds_its_network_indicators() {
    let (mut s, n, mut data) = (scheme(), national(), data());
    let mut net = ind("NET01", "BP", frac("0.3", "0.7"), "10");
    net.network = true;
    net.tier = Some("CLUSTER".into());
    s.indicators.push(net);
    s.gateways = vec![Gateway {
        id: "PLAN".into(),
        title: "Plan shared".into(),
        requires: vec!["PDP".into()],
        payment: d("0"),
    }];
    s.tiers = vec![Tier {
        id: "CLUSTER".into(),
        title: "Cluster".into(),
        requires: vec!["PLAN".into()],
        payment: d("0"),
    }];
    for p in ["P1", "P2"] {
        data.set_network(p, "N1");
        data.set_counts(p, "NET01", counts(50, 100));
    }
    // only P1 has shared its plan: the cluster's indicator is not paid
    data.set_attested("P1", "PDP", true);
    let r = pay(&s, &n, &data).unwrap();
    let net = &r.networks[0].indicators[0];
    assert_eq!(net.points, d("5"));
    assert_eq!(net.payment, d("0"));
    assert_eq!(&*net.paid_on, "not paid: tier `CLUSTER` not unlocked");
    // both have: 5 pts x 200 x CPI 0.8 = 800.00
    data.set_attested("P2", "PDP", true);
    let r = pay(&s, &n, &data).unwrap();
    assert_eq!(r.networks[0].indicators[0].payment, d("800"));
    assert_eq!(&*r.networks[0].indicators[0].paid_on, "performance");
}

#[test]
fn historic_in_pounds_pays_pounds_and_a_missing_basis_is_warned() {
    let (mut s, n, data) = (scheme(), national(), historic_data());
    // P1's QI001 has 2016/17 pounds only; DM020 and BP002 points only
    s.model = historic("2016/17", HistoricBasis::Pounds, false);
    let r = pay(&s, &n, &data).unwrap();
    assert_eq!(line(&r, "P1", "QI001").payment, d("1234.56"));
    assert_eq!(&*line(&r, "P1", "QI001").paid_on, "historic 2016/17 pounds");
    assert_eq!(line(&r, "P1", "DM020").payment, d("0"));
    let warned: Vec<&str> = r.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(warned.contains(&"historic figures for 2016/17 with points but no pounds: paid nothing on them (the model pays on pounds)"), "{warned:?}");
    // on points, the pounds-only line pays nothing, with a warning
    s.model = historic("2016/17", HistoricBasis::Points, false);
    let r = pay(&s, &n, &data).unwrap();
    assert_eq!(line(&r, "P1", "QI001").payment, d("0"));
    let warned: Vec<&str> = r.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(warned.contains(&"historic figures for 2016/17 with pounds but no points: paid nothing on them (the model pays on points)"), "{warned:?}");
}

#[test]
fn except_pays_a_subset_on_another_model() {
    // 2020/21-style income protection: historic points for all but BP002, paid on performance
    let (mut s, n, data) = (scheme(), national(), historic_data());
    s.model = PaymentModel::Except {
        model: Box::new(historic("2016/17", HistoricBasis::Points, true)),
        except: vec!["BP002".into()],
        except_model: Box::new(PaymentModel::Performance),
    };
    let r = pay(&s, &n, &data).unwrap();
    // DM020 on 2016/17: 10 x 200 x 0.5 x 1.5 = 1500.00 (performance would pay 956.25)
    assert_eq!(line(&r, "P1", "DM020").payment, d("1500"));
    assert_eq!(
        &*line(&r, "P1", "DM020").paid_on,
        "historic 2016/17 points adjusted for list size and prevalence"
    );
    // BP002 on performance: 1500.00 (2016/17's 20 points would pay 2000.00)
    assert_eq!(line(&r, "P1", "BP002").payment, d("1500"));
    assert_eq!(&*line(&r, "P1", "BP002").paid_on, "except: performance");
    s.model = PaymentModel::Except {
        model: Box::new(PaymentModel::Performance),
        except: vec!["NOPE".into()],
        except_model: Box::new(PaymentModel::Performance),
    };
    let e = pay(&s, &n, &data).unwrap_err();
    assert_eq!(e.0[0].message, "`except` names unknown indicator `NOPE`");
}

#[test]
fn penny_rounding_modes_on_a_half() {
    // 3 pts x £187.75 x CPI 0.5 = 281.625 exactly
    let mut s = scheme();
    s.pound_per_point = d("187.75");
    s.indicators = vec![ind("BP9", "BP", IndicatorKind::Boolean, "3")];
    let mut data = PracticeData::new();
    data.set_list_size("P", "TOTAL", 5000);
    data.set_counts("P", "BP9", Counts { achieved: Some(true), ..Counts::default() });
    let n = national();
    assert_eq!(pay(&s, &n, &data).unwrap().total.payment, d("281.63"));
    s.rounding.mode = RoundingMode::HalfEven;
    assert_eq!(pay(&s, &n, &data).unwrap().total.payment, d("281.62"));
    s.rounding.mode = RoundingMode::TowardZero;
    s.rounding.payment = 0;
    assert_eq!(pay(&s, &n, &data).unwrap().total.payment, d("281"));
}

#[test]
fn cpi_and_apdf_rounding_steps() {
    // P1 DM020 with CPI and APDF rounded to 1 place: CPI 0.5, APDF 1.5 unchanged -> 956.25;
    // with a list of 5,049: CPI 0.5049 -> 0.5 when rounded, so the payment stays 956.25,
    // while unrounded it is 6.375 x 200 x 0.5049 x (300/4000/0.05 = 1.5) = 965.62125 -> 965.62
    let (mut s, n, mut data) = (scheme(), national(), data());
    data.set_list_size("P1", "TOTAL", 5049);
    assert_eq!(line(&pay(&s, &n, &data).unwrap(), "P1", "DM020").payment, d("965.62"));
    s.rounding.cpi = Some(1);
    s.rounding.apdf = Some(1);
    assert_eq!(line(&pay(&s, &n, &data).unwrap(), "P1", "DM020").payment, d("956.25"));
}

#[test]
fn zero_denominator_policy_in_a_run() {
    let (mut s, n, mut data) = (scheme(), national(), data());
    data.set_counts("P1", "BP002", Counts::default());
    let r = pay(&s, &n, &data).unwrap();
    assert_eq!(line(&r, "P1", "BP002").achievement, None);
    assert_eq!(line(&r, "P1", "BP002").payment, d("0"));
    s.zero_denominator = ZeroDenominator::FullPointsIfNoEligible;
    let r = pay(&s, &n, &data).unwrap();
    assert_eq!(line(&r, "P1", "BP002").points, d("15"));
    assert_eq!(line(&r, "P1", "BP002").payment, d("1500"));
}

#[test]
fn missing_data_is_warned_and_counted() {
    let (s, n, mut data) = (scheme(), national(), data());
    data.set_counts("P3", "DM020", counts(1, 2)); // P3: no list size, no register
    let r = pay(&s, &n, &data).unwrap();
    let msgs: Vec<String> = r
        .warnings
        .iter()
        .map(|w| format!("{} ({}, {})", w.message, w.practices, w.example))
        .collect();
    assert_eq!(
        msgs,
        vec![
            "no `TOTAL` list size: CPI unknown, paid nothing on list-size-adjusted lines (1, P3)",
            "no register for group `DM`: prevalence unknown, APDF taken as 0 (1, P3)",
            "no counts for indicator `BP002`: scored as if nobody was counted (1, P3)",
            "no counts for indicator `DM001`: scored as if nobody was counted (1, P3)",
        ]
    );
    assert_eq!(practice(&r, "P3").payment, d("0"));
}

#[test]
fn national_prevalence_stated_as_a_rate_pays_as_the_same_totals() {
    // DM's national prevalence as 5% instead of 500 / 10,000: the same APDFs and pennies
    let (s, data) = (scheme(), data());
    let mut n = national();
    n.prevalence.insert(
        "DM".into(),
        GroupNational { prevalence: Prevalence::Rate(d("0.05")), source: FigureSource::Scheme },
    );
    let totals = national();
    let by_totals = pay(&s, &totals, &data).unwrap();
    let by_rate = pay(&s, &n, &data).unwrap();
    assert_eq!(by_rate.practices, by_totals.practices);
    assert_eq!(practice(&by_rate, "P1").groups[0].apdf, d("1.5"));
    // a rate that is not a short decimal (1/30) still divides exactly once
    n.prevalence.insert(
        "DM".into(),
        GroupNational {
            prevalence: Prevalence::Rate(d("1") / d("30")),
            source: FigureSource::Scheme,
        },
    );
    let r = pay(&s, &n, &data).unwrap();
    // 0.075 / (1/30) = 2.25 (to 28 digits)
    assert_eq!(practice(&r, "P1").groups[0].apdf.round_dp(20), d("2.25"));
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["national"]["prevalence"]["DM"]["register"], serde_json::Value::Null);
    assert_eq!(v["national"]["prevalence"]["DM"]["source"], "scheme");
}

#[test]
fn computed_national_figures() {
    let (s, data) = (scheme(), data());
    let n = NationalFigures::computed(&data, &s.groups);
    // average of 5,000 and 3,000; DM: (300 + 100) / (4,000 + 2,000)
    assert_eq!(n.average_list_size, d("4000"));
    assert_eq!(n.prevalence["DM"].prevalence, Prevalence::totals(400, 6000));
    assert_eq!(n.prevalence_source.to_string(), "computed from 2 practices evaluated");
    assert_eq!(n.prevalence["DM"].source, n.prevalence_source);
    // BP: no registers -> zero totals; not adjusted so not needed
    assert_eq!(n.prevalence["BP"].prevalence, Prevalence::totals(0, 0));
}

#[test]
fn validation_reports_every_problem() {
    let mut s = scheme();
    s.indicators.push(ind("X1", "NOPE", frac("0.8", "0.4"), "5"));
    s.model = historic("2016/17", HistoricBasis::Pounds, true);
    let e = s.validate();
    let msgs: Vec<&str> = e.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        msgs,
        vec![
            "indicator `X1` belongs to unknown group `NOPE`",
            "indicator `X1` has thresholds `0.8` to `0.4`",
            "historic payment on 2016/17 pounds cannot be adjusted for list size or prevalence",
        ]
    );
}

#[test]
fn json_report_shape_and_money_strings() {
    let (mut s, n, mut data) = (scheme(), national(), data());
    let mut net = ind("NET01", "BP", frac("0.3", "0.7"), "10");
    net.network = true;
    s.indicators.push(net);
    data.set_network("P1", "N1");
    data.set_counts("P1", "NET01", counts(1, 2));
    data.counts_mut("P1", "DM020").pcas = 7;
    data.counts_mut("P1", "DM020").pcas_by_category.insert("unsuitable".into(), 7);
    let r = pay(&s, &n, &data).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys(&v), ["national", "networks", "practices", "scheme", "total", "warnings"]);
    assert_eq!(keys(&v["scheme"]), ["id", "period_end", "title"]);
    assert_eq!(v["scheme"]["period_end"], "2020-03-31");
    assert_eq!(
        keys(&v["practices"][0]),
        [
            "cpi",
            "groups",
            "indicators",
            "list_size",
            "network_id",
            "payment",
            "points",
            "practice_id"
        ]
    );
    // the prevalence-adjusted group behind the APDF: 300 of 4,000 aged 17+ against 5%
    assert_eq!(
        v["practices"][0]["groups"],
        serde_json::json!([{"group": "DM", "register": 300, "list_size": 4000,
                            "prevalence": "0.075", "apdf": "1.5"}])
    );
    assert_eq!(
        v["national"]["prevalence"]["DM"],
        serde_json::json!({"register": 500, "list_size": 10000, "prevalence": "0.05",
                           "source": "scheme"})
    );
    assert_eq!(
        keys(&v["practices"][0]["indicators"][0]),
        [
            "achievement",
            "denominator",
            "group",
            "id",
            "kind",
            "max_points",
            "numerator",
            "paid_on",
            "payment",
            "pcas",
            "pcas_by_category",
            "points",
            "register"
        ]
    );
    assert_eq!(
        keys(&v["networks"][0]),
        [
            "cpi",
            "groups",
            "indicators",
            "list_size",
            "network_id",
            "payment",
            "points",
            "practice_payment",
            "practices",
            "receives"
        ]
    );
    assert_eq!(keys(&v["total"]), ["payment", "points"]);
    let dm020 = &v["practices"][0]["indicators"][1];
    assert_eq!(dm020["payment"], "956.25");
    assert_eq!(dm020["points"], "6.375");
    assert_eq!(dm020["achievement"], "0.5");
    assert_eq!(dm020["max_points"], "17");
    assert_eq!(dm020["register"], 300);
    assert_eq!(dm020["pcas_by_category"]["unsuitable"], 7);
    assert_eq!(v["practices"][0]["indicators"][2]["payment"], "1500.00");
    assert_eq!(v["practices"][1]["network_id"], serde_json::Value::Null);
    assert_eq!(v["national"]["prevalence"]["DM"]["prevalence"], "0.05");
    assert_eq!(v["national"]["average_list_size_source"], "scheme");
}

#[test]
fn strata_score_separately_and_add_up() {
    // One indicator, 27 points: fit 35-75% for 17 points, frail 52-92% for 10 points.
    let (mut s, n, mut data) = (scheme(), national(), data());
    let mut hba1c = ind("DM_HBA1C", "DM", frac("0.35", "0.75"), "27");
    hba1c.strata = vec![
        PayStratum {
            id: "fit".into(),
            lower: d("0.35"),
            upper: d("0.75"),
            max_points: d("17"),
            lower_points: d("0"),
        },
        PayStratum {
            id: "frail".into(),
            lower: d("0.52"),
            upper: d("0.92"),
            max_points: d("10"),
            lower_points: d("0"),
        },
    ];
    s.indicators = vec![hba1c];
    data.set_counts("P1", &stratum_column("DM_HBA1C", "fit"), counts(100, 200)); // 50% -> 6.375
    data.set_counts("P1", &stratum_column("DM_HBA1C", "frail"), counts(72, 100)); // 72% -> 5
    let r = pay(&s, &n, &data).unwrap();
    let l = line(&r, "P1", "DM_HBA1C");
    // 6.375 + 10 x 0.20/0.40 = 11.375 points; 11.375 x 200 x 0.5 x 1.5 = 1706.25
    assert_eq!(l.points, d("11.375"));
    assert_eq!(l.payment, d("1706.25"));
    assert_eq!((l.numerator, l.denominator), (172, 300));
    assert_eq!(l.strata.len(), 2);
    assert_eq!(l.strata[1].points, d("5"));
    assert_eq!(l.strata[1].achievement, Some(d("0.72")));
    // P2 has no stratum counts: warned, 0
    assert_eq!(line(&r, "P2", "DM_HBA1C").points, d("0"));
    assert_eq!(
        r.warnings[0].message,
        "no counts for indicator `DM_HBA1C`: scored as if nobody was counted"
    );

    s.indicators[0].strata[1].max_points = d("11");
    let e = pay(&s, &n, &data).unwrap_err();
    assert_eq!(e.0[0].message, "the strata of indicator `DM_HBA1C` carry 28 points, not its 27");
}

#[test]
fn monitored_indicators_are_scored_but_not_paid() {
    let (mut s, n, data) = (scheme(), national(), data());
    s.indicators[2].monitored = true; // BP002
    let r = pay(&s, &n, &data).unwrap();
    let l = line(&r, "P1", "BP002");
    assert_eq!(l.points, d("15"));
    assert_eq!(l.payment, d("0"));
    assert_eq!(&*l.paid_on, "monitored, not paid");
    // P1: 6056.25 - 1500 = 4556.25; points 54.375 - 15 = 39.375
    assert_eq!(practice(&r, "P1").payment, d("4556.25"));
    assert_eq!(practice(&r, "P1").points, d("39.375"));
}

#[test]
fn tiers_build_on_tiers_and_pay_once() {
    let (mut s, n, mut data) = (scheme(), national(), data());
    s.gateways = vec![Gateway {
        id: "FOUNDATION".into(),
        title: "Foundation".into(),
        requires: vec!["FG1".into()],
        payment: d("1000"),
    }];
    s.tiers = vec![
        Tier {
            id: "L2".into(),
            title: "Level 2".into(),
            requires: vec!["L1".into()],
            payment: d("300"),
        },
        Tier {
            id: "L1".into(),
            title: "Level 1".into(),
            requires: vec!["FOUNDATION".into()],
            payment: d("200"),
        },
    ];
    s.indicators[2].tier = Some("L2".into()); // BP002
    data.set_attested("P1", "FG1", true);
    let r = pay(&s, &n, &data).unwrap();
    let p1 = practice(&r, "P1");
    assert!(p1.tiers.iter().all(|t| t.unlocked));
    // 6056.25 + gateway 1000 + L1 200 + L2 300 = 7556.25
    assert_eq!(p1.payment, d("7556.25"));
    let p2 = practice(&r, "P2");
    assert!(p2.tiers.iter().all(|t| !t.unlocked));
    assert_eq!(&*line(&r, "P2", "BP002").paid_on, "not paid: tier `L2` not unlocked");

    s.tiers[1].requires = vec!["L2".into()];
    let e = pay(&s, &n, &data).unwrap_err();
    assert_eq!(e.0[0].message, "tier `L2` requires itself through other tiers");
}

#[test]
fn practices_paid_to_networks() {
    // Tower Hamlets: practices' QOF money goes to their networks.
    let (mut s, n, mut data) = (scheme(), national(), data());
    s.paid_to_networks = true;
    data.set_network("P1", "N1");
    data.set_network("P2", "N1");
    let r = pay(&s, &n, &data).unwrap();
    assert_eq!(r.networks.len(), 1);
    // earned: P1 6056.25 + P2 1020.00 = 7076.25, received by N1; the total counts it once
    assert_eq!(r.networks[0].practice_payment, d("7076.25"));
    assert_eq!(r.networks[0].receives, d("7076.25"));
    assert_eq!(r.networks[0].payment, d("0"));
    assert_eq!(r.total.payment, d("7076.25"));
}

/// 1 thread and several give the same result and JSON, warnings (counts and first examples)
/// and network sums included, on practices in no particular order with gaps in their data.
#[test]
fn threads_do_not_change_the_result() {
    let (mut s, n) = (scheme(), national());
    let mut net = ind("NET01", "BP", frac("0.3", "0.7"), "10");
    net.network = true;
    s.indicators.push(net);
    let mut data = PracticeData::new();
    for k in 0..53u32 {
        let id = format!("P{:02}", (k * 37) % 53); // not in code order
        if k % 7 != 3 {
            data.set_list_size(&id, "TOTAL", 3000 + 97 * k);
        }
        if k % 5 != 1 {
            data.set_list_size(&id, "17OV", 2000 + 61 * k);
        }
        if k % 11 != 4 {
            data.set_register(&id, "DM", 50 + 13 * k);
        }
        if k % 4 != 2 {
            data.set_network(&id, &format!("N{}", k % 6));
        }
        data.set_counts(&id, "DM001", Counts { achieved: Some(k % 3 == 0), ..Counts::default() });
        if k % 9 != 8 {
            data.set_counts(&id, "DM020", counts(k * 3 % 80, 80));
        }
        data.set_counts(&id, "BP002", counts(k % 100, 100));
        data.set_counts(&id, "NET01", counts(k * 7 % 100, 100));
        data.set_attested(&id, "QI001", k % 2 == 0);
    }
    let one = pay_with_threads(&s, &n, &data, 1).unwrap();
    assert!(one.warnings.len() >= 4, "{:?}", one.warnings);
    assert!(!one.networks.is_empty());
    let json = serde_json::to_string(&one).unwrap();
    for threads in [2, 3, 7, 53, 100] {
        let many = pay_with_threads(&s, &n, &data, threads).unwrap();
        assert_eq!(many, one, "{threads} threads");
        assert_eq!(serde_json::to_string(&many).unwrap(), json, "{threads} threads");
    }
    assert_eq!(pay(&s, &n, &data).unwrap(), one);
}

#[test]
fn payments_rounded_per_line_group_or_practice_in_any_mode() {
    // Ardens' 2020/21 dementia example (docs/money.md): £194.83 a point, 10,000 patients
    // against an average of 8,799, 72 on the dementia register against 0.78% nationally;
    // DEM001 (5 points) and DEM004 (39 points) achieved, and BP002 (15 points, not adjusted).
    let mut s =
        PayScheme::new("ardens", "Ardens", Date::from_ymd(2021, 3, 31).unwrap(), d("194.83"));
    s.groups = vec![group("DEM", true, "TOTAL"), group("BP", false, "TOTAL")];
    s.indicators = vec![
        ind("DEM001", "DEM", IndicatorKind::Boolean, "5"),
        ind("DEM004", "DEM", IndicatorKind::Boolean, "39"),
        ind("BP002", "BP", IndicatorKind::Boolean, "15"),
    ];
    let mut data = PracticeData::new();
    data.set_list_size("D", "TOTAL", 10_000);
    data.set_register("D", "DEM", 72);
    for id in ["DEM001", "DEM004", "BP002"] {
        data.set_counts("D", id, Counts { achieved: Some(true), ..Counts::default() });
    }
    let mut prev = BTreeMap::new();
    prev.insert("DEM".to_string(), GroupTotals { register: 78, list_size: 10_000 });
    let n = NationalFigures::given(d("8799"), FigureSource::Scheme, prev, FigureSource::Scheme);
    let paid = |s: &PayScheme| {
        let r = pay(s, &n, &data).unwrap();
        let lines: Vec<Decimal> = r.practices[0].indicators.iter().map(|i| i.payment).collect();
        (lines, r.practices[0].payment)
    };
    // per line (the default): 1021.951795... -> 1021.95, 7971.224002... -> 7971.22,
    // 3321.343334... -> 3321.34
    let (lines, total) = paid(&s);
    assert_eq!(lines, [d("1021.95"), d("7971.22"), d("3321.34")]);
    assert_eq!(total, d("12314.51"));
    // per group: the dementia "domain value" 8993.175797... -> 8993.18, as Ardens publishes
    s.rounding.payment_per = PaymentUnit::Group;
    let (lines, total) = paid(&s);
    assert_eq!(lines[0].round_dp(6), d("1021.951795"), "lines are reported unrounded");
    assert_eq!(total, d("12314.52"));
    // per practice: 12314.519132... -> 12314.52
    s.rounding.payment_per = PaymentUnit::Practice;
    assert_eq!(paid(&s).1, d("12314.52"));
    // toward zero, per group: 8993.17 + 3321.34
    s.rounding.payment_per = PaymentUnit::Group;
    s.rounding.mode = RoundingMode::TowardZero;
    assert_eq!(paid(&s).1, d("12314.51"));
}
