//! The shipped schemes in `rules/`: every file parses cleanly, and the national 2019/20 scheme
//! carries exactly the official points of NHS Digital's INDICATORS_1920.csv.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::syntax::ast::{File, IndStmt, Item};
use std::collections::{BTreeMap, BTreeSet};

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn parse(path: &str) -> File {
    let text = read(path);
    let (file, diags) = qofrules::syntax::parse(&text, 0);
    let rendered: Vec<String> =
        diags.iter().map(|d| qofrules::diag::render(d, path, &text)).collect();
    assert!(diags.is_empty(), "{}", rendered.join("\n"));
    file
}

/// Every indicator written in a file: id -> (group, domain, points as written).
fn indicators(file: &File) -> BTreeMap<String, (String, String, String)> {
    let mut out = BTreeMap::new();
    for item in &file.items {
        if let Item::Indicator(ind) = item {
            let (mut group, mut domain, mut points) = (String::new(), String::new(), String::new());
            for stmt in &ind.stmts {
                match stmt {
                    IndStmt::Group(g) => group = g.name.clone(),
                    IndStmt::Domain(d) => domain = d.name.clone(),
                    IndStmt::Points(p) => points = p.text.clone(),
                    _ => {}
                }
            }
            let dup = out.insert(ind.id.name.clone(), (group, domain, points));
            assert!(dup.is_none(), "indicator `{}` is defined twice", ind.id.name);
        }
    }
    out
}

fn keeps(file: &File) -> Vec<String> {
    file.items
        .iter()
        .filter_map(|i| match i {
            Item::Keep(k) => Some(k.names.iter().map(|n| n.name.clone()).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn extends(file: &File) -> Option<String> {
    file.items.iter().find_map(|i| match i {
        Item::Scheme(s) => s.extends.as_ref().map(|e| e.name.clone()),
        _ => None,
    })
}

#[test]
fn every_shipped_scheme_parses() {
    let mut n = 0;
    for entry in std::fs::read_dir("rules").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) == Some("qof") {
            parse(path.to_str().unwrap());
            n += 1;
        }
    }
    assert!(n >= 5, "expected the shipped schemes in rules/, found {n}");
}

/// INDICATORS_1920.csv rows: id -> (points, group, domain).
fn official_1920() -> BTreeMap<String, (u32, String, String)> {
    let text = read("data/reference/INDICATORS_1920.csv");
    let mut out = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').map(|c| c.trim_matches('"')).collect();
        out.insert(
            cols[0].to_string(),
            (cols[1].parse().unwrap(), cols[2].to_string(), cols[4].to_string()),
        );
    }
    out
}

#[test]
fn qof_2019_20_matches_the_official_points() {
    let official = official_1920();
    assert_eq!(official.len(), 68);
    let ours = indicators(&parse("rules/qof-2019-20.qof"));
    let ours_ids: BTreeSet<&String> = ours.keys().collect();
    let official_ids: BTreeSet<&String> = official.keys().collect();
    assert_eq!(ours_ids, official_ids, "the indicator set differs from INDICATORS_1920.csv");

    let mut by_domain: BTreeMap<String, u32> = BTreeMap::new();
    for (id, (points, group, domain)) in &official {
        let (g, d, p) = &ours[id];
        assert_eq!(p.parse::<u32>().ok(), Some(*points), "points of {id}");
        assert_eq!(g, group, "group of {id}");
        assert_eq!(d, domain, "domain of {id}");
        *by_domain.entry(d.clone()).or_default() += p.parse::<u32>().unwrap();
    }
    assert_eq!(by_domain["CL"], 379);
    assert_eq!(by_domain["PH"], 106);
    assert_eq!(by_domain["QI"], 74);
    assert_eq!(by_domain.values().sum::<u32>(), 559);
}

const DUDLEY_17: [&str; 17] = [
    "BP002", "CS002", "AST002", "AST003", "AF006", "AF007", "COPD002", "COPD003", "DEM004",
    "DM002", "DM004", "DM007", "DM008", "DM009", "HYP006", "HF002", "HF004",
];

#[test]
fn qof_2018_19_has_dudleys_seventeen_and_their_registers() {
    let ours = indicators(&parse("rules/qof-2018-19.qof"));
    for id in DUDLEY_17
        .iter()
        .chain(&["AF001", "AST001", "COPD001", "DEM001", "DM017", "HF001", "HYP001"])
    {
        assert!(ours.contains_key(*id), "qof-2018-19 lacks {id}");
    }
}

#[test]
fn dudley_keeps_exactly_the_seventeen_plus_its_own() {
    for path in ["rules/dudley-2018-19.qof", "rules/dudley-2017-18.qof"] {
        let file = parse(path);
        assert_eq!(extends(&file).as_deref(), Some("qof_2018_19"), "{path}");
        let kept: BTreeSet<String> = keeps(&file).into_iter().collect();
        let want: BTreeSet<String> = DUDLEY_17.iter().map(|s| s.to_string()).collect();
        assert_eq!(kept, want, "{path} must keep exactly the 17 QOF indicators");
        let own: BTreeSet<String> = indicators(&file).into_keys().collect();
        for id in ["G1", "G3", "LD1", "CC1", "CC9"] {
            assert!(own.contains(id), "{path} lacks its own indicator {id}");
        }
        assert!(own.is_disjoint(&want), "{path} redefines a kept QOF indicator");
    }
}

#[test]
fn stratified_proposal_conserves_the_diabetes_points() {
    let file = parse("rules/qof-2019-20-stratified.qof");
    assert_eq!(extends(&file).as_deref(), Some("qof_2019_20"));
    let retired: BTreeSet<String> = file
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Retire(r) => Some(r.names.iter().map(|n| n.name.clone()).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    let want: BTreeSet<String> =
        ["DM019", "DM020", "DM021"].iter().map(|s| s.to_string()).collect();
    assert_eq!(retired, want);
    let official = official_1920();
    let retired_points: u32 = want.iter().map(|id| official[id].0).sum();
    let mut added_points = 0;
    for item in &file.items {
        if let Item::Indicator(ind) = item {
            let mut total = None;
            let mut strata = 0u32;
            for stmt in &ind.stmts {
                match stmt {
                    IndStmt::Points(p) => total = p.text.parse::<u32>().ok(),
                    IndStmt::Stratum(s) => {
                        for st in &s.stmts {
                            if let IndStmt::Points(p) = st {
                                strata += p.text.parse::<u32>().unwrap();
                            }
                        }
                    }
                    _ => {}
                }
            }
            let total = total.unwrap();
            assert_eq!(total, strata, "{}: strata points must sum to the indicator's", ind.id.name);
            added_points += total;
        }
    }
    assert_eq!(added_points, retired_points, "the proposal must keep the scheme at 559 points");
}
