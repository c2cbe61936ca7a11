//! The local variants shipped in `rules/` (Somerset, Aylesbury, Wales, Tower Hamlets): they parse
//! cleanly, and their published totals hold (Wales 2017/18: 567 points = 202 active + 165
//! inactive + 200 cluster network; Tower Hamlets: 25 monitored QOF indicators).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use qofrules::syntax::ast::{File, IndStmt, Item};
use rust_decimal::Decimal;

const LOCAL: [&str; 4] = [
    "rules/somerset-2018-19.qof",
    "rules/aylesbury-2017-18.qof",
    "rules/wales-2017-18.qof",
    "rules/tower-hamlets-2017-18.qof",
];

fn parse(path: &str) -> File {
    let text = std::fs::read_to_string(path).unwrap();
    let (file, diags) = qofrules::syntax::parse(&text, 0);
    let rendered: Vec<String> =
        diags.iter().map(|d| qofrules::diag::render(d, path, &text)).collect();
    assert!(diags.is_empty(), "{}", rendered.join("\n"));
    file
}

/// Points per domain, from the indicators written in the file.
fn points_by_domain(file: &File) -> BTreeMap<String, Decimal> {
    let mut out = BTreeMap::new();
    for item in &file.items {
        let Item::Indicator(ind) = item else { continue };
        let mut domain = None;
        let mut points = Decimal::ZERO;
        for s in &ind.stmts {
            match s {
                IndStmt::Domain(d) => domain = Some(d.name.clone()),
                IndStmt::Points(n) => points = n.text.parse().unwrap(),
                _ => {}
            }
        }
        let domain = domain.unwrap_or_else(|| panic!("{} has no domain", ind.id.name));
        *out.entry(domain).or_insert(Decimal::ZERO) += points;
    }
    out
}

#[test]
fn local_schemes_parse_without_diagnostics() {
    let mut problems = Vec::new();
    for path in LOCAL {
        let text = std::fs::read_to_string(path).unwrap();
        let (file, diags) = qofrules::syntax::parse(&text, 0);
        problems.extend(diags.iter().map(|d| qofrules::diag::render(d, path, &text)));
        if !matches!(file.items.first(), Some(Item::Scheme(_))) {
            problems.push(format!("{path} must start with its scheme header"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn wales_2017_18_has_567_points_in_three_domains() {
    let by_domain = points_by_domain(&parse("rules/wales-2017-18.qof"));
    let expected: BTreeMap<String, Decimal> = [
        ("active".to_string(), Decimal::from(202)),
        ("cluster".to_string(), Decimal::from(200)),
        ("inactive".to_string(), Decimal::from(165)),
    ]
    .into_iter()
    .collect();
    assert_eq!(by_domain, expected);
    assert_eq!(by_domain.values().copied().sum::<Decimal>(), Decimal::from(567));
}

#[test]
fn tower_hamlets_monitors_25_indicators_and_pays_none() {
    let file = parse("rules/tower-hamlets-2017-18.qof");
    let mut monitored = 0;
    for item in &file.items {
        if let Item::Indicator(ind) = item {
            assert!(
                ind.stmts.iter().any(|s| matches!(s, IndStmt::Monitored(_))),
                "{} is not monitored: Tower Hamlets pays no indicator",
                ind.id.name
            );
            monitored += 1;
        }
    }
    assert_eq!(monitored, 25);
}
