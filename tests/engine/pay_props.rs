//! Properties of the pay phase: deterministic, and independent of the order of practices.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use qofrules::date::Date;
use qofrules::pay::*;
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[derive(Clone, Debug)]
struct P {
    list: u32,
    list17: u32,
    register: u32,
    num: u32,
    den: u32,
    achieved: bool,
    attested: bool,
    historic: u32,
    network: u8,
}

fn practice() -> impl Strategy<Value = P> {
    (
        1u32..20_000,
        0u32..20_000,
        0u32..2_000,
        0u32..500,
        0u32..500,
        any::<bool>(),
        any::<bool>(),
        0u32..30,
        0u8..3,
    )
        .prop_map(
            |(list, list17, register, num, den, achieved, attested, historic, network)| P {
                list,
                list17,
                register,
                num: num.min(den),
                den,
                achieved,
                attested,
                historic,
                network,
            },
        )
}

fn scheme() -> PayScheme {
    let mut s = PayScheme::new("t", "T", Date::from_ymd(2020, 3, 31).unwrap(), d("187.74"));
    s.groups = vec![
        PayGroup { id: "DM".into(), prevalence_adjusted: true, list_type: "17OV".into() },
        PayGroup { id: "PS".into(), prevalence_adjusted: false, list_type: "TOTAL".into() },
    ];
    let ind = |id: &str, g: &str, kind, max: &str, network| PayIndicator {
        network,
        ..PayIndicator::new(id, g, kind, d(max))
    };
    let frac = IndicatorKind::Fraction { lower: d("0.35"), upper: d("0.75") };
    s.indicators = vec![
        ind("DM001", "DM", IndicatorKind::Boolean, "6", false),
        ind("DM020", "DM", frac, "17", false),
        ind("QI001", "PS", IndicatorKind::Attested, "27", false),
        ind("NET01", "DM", frac, "10", true),
    ];
    s.model = PaymentModel::Blend(vec![
        BlendShare { share: d("0.3333"), model: PaymentModel::Performance },
        BlendShare {
            share: d("0.6667"),
            model: PaymentModel::Historic(HistoricModel {
                year: "2018/19".into(),
                basis: HistoricBasis::Points,
                adjust_list_size: true,
                adjust_prevalence: true,
                pay_unmatched_items: true,
            }),
        },
    ]);
    s
}

fn build(ps: &[(usize, P)]) -> PracticeData {
    let mut data = PracticeData::new();
    for (i, p) in ps {
        let id = format!("P{i}");
        data.set_list_size(&id, "TOTAL", p.list);
        data.set_list_size(&id, "17OV", p.list17);
        data.set_register(&id, "DM", p.register);
        data.set_counts(&id, "DM001", Counts { achieved: Some(p.achieved), ..Counts::default() });
        let c = Counts { numerator: p.num, denominator: p.den, ..Counts::default() };
        data.set_counts(&id, "DM020", c.clone());
        data.set_counts(&id, "NET01", c);
        data.set_attested(&id, "QI001", p.attested);
        data.set_network(&id, &format!("N{}", p.network));
        let hv = HistoricValue { points: Some(Decimal::from(p.historic)), pounds: None };
        data.set_historic(&id, "2018/19", "DM020", hv.clone());
        data.set_historic(&id, "2018/19", "DM", hv);
    }
    data
}

fn by_practice(r: &PayResult) -> BTreeMap<String, String> {
    r.practices
        .iter()
        .map(|p| (p.practice_id.to_string(), serde_json::to_string(p).unwrap()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn payments_are_deterministic_and_order_independent(
        (ps, shuffled) in prop::collection::vec(practice(), 1..25).prop_flat_map(|v| {
            let indexed: Vec<(usize, P)> = v.into_iter().enumerate().collect();
            (Just(indexed.clone()), Just(indexed).prop_shuffle())
        })
    ) {
        let s = scheme();
        let a = build(&ps);
        let b = build(&shuffled);
        // national figures computed from the population do not depend on order either
        let na = NationalFigures::computed(&a, &s.groups);
        let nb = NationalFigures::computed(&b, &s.groups);
        prop_assert_eq!(&na, &nb);
        let ra = pay(&s, &na, &a).unwrap();
        let ra2 = pay(&s, &na, &a).unwrap();
        prop_assert_eq!(serde_json::to_string(&ra).unwrap(), serde_json::to_string(&ra2).unwrap());
        let rb = pay(&s, &nb, &b).unwrap();
        prop_assert_eq!(by_practice(&ra), by_practice(&rb));
        prop_assert_eq!(&ra.networks, &rb.networks);
        prop_assert_eq!(&ra.total, &rb.total);
        // totals are exactly the sums of the rounded lines
        let lines: Decimal = ra.practices.iter().flat_map(|p| p.indicators.iter()).map(|i| i.payment).sum::<Decimal>()
            + ra.networks.iter().map(|n| n.payment).sum::<Decimal>();
        prop_assert_eq!(lines, ra.total.payment);
        prop_assert!(ra.total.payment >= Decimal::ZERO);
    }

    /// `pay_totals` is `pay` without the practices' lines, plus per-indicator totals that are
    /// the sums of those lines (points as an exact sum), the same on any number of threads.
    #[test]
    fn pay_totals_are_the_sums_of_pay_lines(ps in prop::collection::vec(practice(), 1..40)) {
        let s = scheme();
        let indexed: Vec<(usize, P)> = ps.into_iter().enumerate().collect();
        let data = build(&indexed);
        let national = NationalFigures::computed(&data, &s.groups);
        let full = pay(&s, &national, &data).unwrap();
        let mut first: Option<Vec<IndicatorTotal>> = None;
        for threads in [1, 2, 3, 7] {
            let (r, totals) = pay_totals_with_threads(&s, &national, &data, threads).unwrap();
            prop_assert_eq!(r.practices.len(), full.practices.len());
            for (x, y) in r.practices.iter().zip(&full.practices) {
                prop_assert!(x.indicators.is_empty());
                let mut y = y.clone();
                y.indicators.clear();
                prop_assert_eq!(x, &y);
            }
            prop_assert_eq!(&r.networks, &full.networks);
            prop_assert_eq!(&r.total, &full.total);
            prop_assert_eq!(&r.warnings, &full.warnings);
            // one total per practice indicator, in scheme order, summing that indicator's lines
            let ids: Vec<&str> =
                s.indicators.iter().filter(|i| !i.network).map(|i| i.id.as_str()).collect();
            prop_assert_eq!(totals.iter().map(|t| t.id).collect::<Vec<_>>(), ids.clone());
            for t in &totals {
                let lines: Vec<&IndicatorResult> = full
                    .practices
                    .iter()
                    .flat_map(|p| p.indicators.iter())
                    .filter(|l| l.id == t.id && l.kind != "historic")
                    .collect();
                prop_assert_eq!(lines.len(), full.practices.len());
                prop_assert_eq!(t.denominator, lines.iter().map(|l| u64::from(l.denominator)).sum::<u64>());
                prop_assert_eq!(t.numerator, lines.iter().map(|l| u64::from(l.numerator)).sum::<u64>());
                prop_assert_eq!(t.pcas, lines.iter().map(|l| u64::from(l.pcas)).sum::<u64>());
                prop_assert_eq!(
                    t.register,
                    lines.iter().map(|l| u64::from(l.register.unwrap_or(0))).sum::<u64>()
                );
                let pay_sum: Decimal = lines.iter().map(|l| l.payment).sum();
                prop_assert_eq!(t.payment.value(), pay_sum);
                let mut points = qofrules::pay::numeric::ExactSum::default();
                lines.iter().for_each(|l| points.add(l.points));
                prop_assert_eq!(t.points.value().to_string(), points.value().to_string());
            }
            match &first {
                None => first = Some(totals),
                Some(f) => prop_assert_eq!(f, &totals),
            }
        }
    }
}
