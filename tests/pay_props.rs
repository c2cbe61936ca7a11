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
}
