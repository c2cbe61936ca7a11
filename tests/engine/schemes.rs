//! The shipped schemes in `rules/`: every file parses cleanly; the national 2019/20 scheme
//! carries exactly the official points of NHS Digital's INDICATORS_1920.csv, the national 2018/19
//! scheme is complete (77 indicators, 559 points in its three published domains), and the
//! schemes of 2021/22 to 2023/24 NHS Digital's published indicators and points
//! (`data/reference/nhs-digital/`); every year since has its published totals and states its
//! payment model, with the income protection of 2020/21, 2021/22, 2023/24 and 2024/25.
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
    // `for each` copies included, as the checker reads them
    for item in file.expanded() {
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
    file.expanded()
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

/// QOF 2018/19 as published: 77 indicators worth 559 points, clinical 65 indicators (435 points),
/// public health 7 (97), public health additional services 5 (27) (NHS Digital's QOF 2018-19
/// publication; docs/indicator-facts.md). The 2019/20 changes retired 28 indicators worth 175
/// points and left the points of the others as they were, so every indicator that continued into
/// 2019/20 carries its INDICATORS_1920.csv points here.
#[test]
fn qof_2018_19_is_complete_with_559_points() {
    let ours = indicators(&parse("rules/qof-2018-19.qof"));
    let mut by_domain: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for (id, (_, domain, points)) in &ours {
        let p: u32 = points.parse().unwrap_or_else(|_| panic!("points of {id}: {points}"));
        let e = by_domain.entry(domain.clone()).or_default();
        e.0 += 1;
        e.1 += p;
    }
    let want: BTreeMap<String, (u32, u32)> =
        [("CL", (65, 435)), ("PH", (7, 97)), ("PHAS", (5, 27))]
            .into_iter()
            .map(|(d, v)| (d.to_string(), v))
            .collect();
    assert_eq!(by_domain, want, "(indicators, points) per domain");
    assert_eq!(ours.len(), 77);
    assert_eq!(by_domain.values().map(|v| v.1).sum::<u32>(), 559);

    let official = official_1920();
    let (mut retired, mut retired_points) = (0, 0);
    for (id, (group, domain, points)) in &ours {
        let p: u32 = points.parse().unwrap();
        match official.get(id) {
            Some((p1920, g1920, d1920)) => {
                assert_eq!(p, *p1920, "{id}: 2018/19 points differ from 2019/20");
                assert_eq!((group, domain), (g1920, d1920), "{id}: group or domain");
            }
            None => {
                retired += 1;
                retired_points += p;
            }
        }
    }
    assert_eq!(
        (retired, retired_points),
        (28, 175),
        "indicators retired in 2019/20, and their points"
    );
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
            let Some(total) = total else {
                // only a monitored (unpaid) indicator may go without points
                assert!(
                    ind.stmts.iter().any(|s| matches!(s, IndStmt::Monitored(_))),
                    "{} has no points",
                    ind.id.name
                );
                continue;
            };
            assert_eq!(total, strata, "{}: strata points must sum to the indicator's", ind.id.name);
            added_points += total;
        }
    }
    assert_eq!(added_points, retired_points, "the proposal must keep the scheme at 559 points");
}

/// What each indicator's tests must show: for a fraction indicator a numerator, a denominator
/// and every adjustment category of its `adjustments` block; for a register indicator a patient
/// on the register and one off it.
fn required_outcomes(ind: &qofrules::syntax::ast::Indicator) -> Vec<String> {
    use qofrules::syntax::ast::IndStmt;
    let mut out = Vec::new();
    let mut fraction = false;
    for stmt in &ind.stmts {
        match stmt {
            IndStmt::RegisterKind(_) => out.extend(["numerator".into(), "excluded".into()]),
            IndStmt::Achieved(_) | IndStmt::Stratum(_) => fraction = true,
            IndStmt::Adjustments { items, .. } => {
                out.extend(items.iter().map(|a| format!("adjusted {}", a.category.source())))
            }
            _ => {}
        }
    }
    if fraction {
        out.extend(["numerator".into(), "denominator".into()]);
    }
    out
}

fn outcome_text(o: &qofrules::syntax::ast::Outcome) -> String {
    use qofrules::syntax::ast::Outcome;
    match o {
        Outcome::Excluded => "excluded".into(),
        Outcome::Adjusted(Some(c)) => format!("adjusted {}", c.source()),
        Outcome::Adjusted(None) => "adjusted".into(),
        Outcome::Denominator => "denominator".into(),
        Outcome::Numerator => "numerator".into(),
    }
}

#[test]
fn every_indicator_has_test_patients_for_each_outcome() {
    // (file, parent whose kept indicators it must test too)
    let cases = [
        ("rules/qof-2019-20.qof", None),
        ("rules/qof-2018-19.qof", None),
        ("rules/qof-2019-20-stratified.qof", None),
        ("rules/dudley-2018-19.qof", Some("rules/qof-2018-19.qof")),
        ("rules/dudley-2017-18.qof", Some("rules/qof-2018-19.qof")),
        // the national schemes since 2020/21: each file's new indicators, and the ones it
        // changes beyond points and thresholds (below)
        ("rules/qof-2020-21.qof", None),
        ("rules/qof-2021-22.qof", None),
        ("rules/qof-2022-23.qof", None),
        ("rules/qof-2023-24.qof", None),
        ("rules/qof-2024-25.qof", None),
        ("rules/qof-2025-26.qof", None),
        ("rules/qof-2026-27.qof", None),
    ];
    for (path, parent) in cases {
        let file = parse(path);
        let kept: BTreeSet<String> = keeps(&file).into_iter().collect();
        let mut inds: Vec<qofrules::syntax::ast::Indicator> = Vec::new();
        for f in [Some(&file), parent.map(parse).as_ref()].into_iter().flatten() {
            for item in f.expanded() {
                if let Item::Indicator(i) = item {
                    let own = std::ptr::eq(f, &file);
                    if own || kept.contains(&i.id.name) {
                        inds.push(i.clone());
                    }
                }
            }
        }
        // a `change` of who counts or how (a new achieved condition, cohort, adjustments or
        // strata) needs its own test patients too
        for item in file.expanded() {
            if let Item::Change(c) = item {
                let behaviour = c.stmts.iter().any(|s| {
                    matches!(
                        s,
                        IndStmt::Achieved(_)
                            | IndStmt::Denominator { .. }
                            | IndStmt::Exclude(_)
                            | IndStmt::Adjustments { .. }
                            | IndStmt::Stratum(_)
                    )
                });
                if behaviour {
                    inds.push(qofrules::syntax::ast::Indicator {
                        id: c.id.clone(),
                        title: qofrules::syntax::ast::Text { value: String::new(), span: c.span },
                        network: false,
                        stmts: c.stmts.clone(),
                        span: c.span,
                    });
                }
            }
        }
        let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for item in file.expanded() {
            if let Item::Test(t) = item {
                for e in &t.expects {
                    seen.entry(e.indicator.name.clone())
                        .or_default()
                        .insert(outcome_text(&e.outcome));
                }
            }
        }
        let mut missing = Vec::new();
        for ind in &inds {
            let have = seen.get(&ind.id.name).cloned().unwrap_or_default();
            for want in required_outcomes(ind) {
                if !have.contains(&want) {
                    missing.push(format!("{}: no test patient with `{want}`", ind.id.name));
                }
            }
        }
        assert!(missing.is_empty(), "{path}:\n{}", missing.join("\n"));
    }
}

/// The national and Dudley schemes (this file's subject): check with no errors and no warnings,
/// compile, and every in-file test patient gets the expected outcome.
const OURS: [&str; 12] = [
    "rules/qof-2018-19.qof",
    "rules/qof-2019-20.qof",
    "rules/qof-2019-20-stratified.qof",
    "rules/dudley-2017-18.qof",
    "rules/dudley-2018-19.qof",
    "rules/qof-2020-21.qof",
    "rules/qof-2021-22.qof",
    "rules/qof-2022-23.qof",
    "rules/qof-2023-24.qof",
    "rules/qof-2024-25.qof",
    "rules/qof-2025-26.qof",
    "rules/qof-2026-27.qof",
];

#[test]
fn national_and_dudley_schemes_check_clean_and_their_tests_pass() {
    for path in OURS {
        let text = read(path);
        let (sources, checked) = qofrules::check::check_text(path, &text);
        let rendered: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|d| {
                let (name, src) = d
                    .source()
                    .and_then(|(f, _)| sources.files.get(f))
                    .map(|f| (f.name.as_str(), f.text.as_str()))
                    .unwrap_or((path, text.as_str()));
                qofrules::diag::render(d, name, src)
            })
            .collect();
        assert!(checked.diagnostics.is_empty(), "{}", rendered.join("\n"));
        let scheme = checked.scheme.expect("a checked scheme");
        let prog = qofrules::compile::compile(&scheme);
        let report = qofrules::eval::run_tests(&scheme, &prog);
        let failures: Vec<String> = report
            .tests
            .iter()
            .filter(|t| !t.passed)
            .map(|t| {
                let mut s = format!("{path}: test \"{}\" failed {:?}", t.name, t.errors);
                for e in t.expects.iter().filter(|e| !e.passed) {
                    s.push_str(&format!(
                        "\n  {}: expected {:?}, got {:?}\n  {}",
                        e.indicator,
                        e.expected,
                        e.actual,
                        e.explanation.clone().unwrap_or_default()
                    ));
                }
                s
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // 2022/23 changed points and attested modules only: its three patients test the
        // management-information indicators
        let least = if path.ends_with("qof-2022-23.qof") { 3 } else { 15 };
        assert!(
            report.passed >= least,
            "{path}: expected many test patients, found {}",
            report.passed
        );
    }
}

// ---------------------------------------------------------------- the national schemes by year

/// The national schemes since 2019/20, each extending the one before.
const YEARS: [&str; 8] = [
    "rules/qof-2019-20.qof",
    "rules/qof-2020-21.qof",
    "rules/qof-2021-22.qof",
    "rules/qof-2022-23.qof",
    "rules/qof-2023-24.qof",
    "rules/qof-2024-25.qof",
    "rules/qof-2025-26.qof",
    "rules/qof-2026-27.qof",
];

/// A resolved shipped scheme (its parents found among the shipped schemes), with no
/// diagnostics at all.
fn resolved(path: &str) -> qofrules::scheme::Scheme {
    let text = read(path);
    let (sources, checked) = qofrules::check::check_text(path, &text);
    let rendered: Vec<String> = checked.diagnostics.iter().map(|d| sources.render(d)).collect();
    assert!(checked.diagnostics.is_empty(), "{}", rendered.join("\n"));
    checked.scheme.expect("a checked scheme")
}

/// One CSV line's fields (double quotes around fields with commas, as NHS Digital writes them).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut out, mut field, mut quoted) = (Vec::new(), String::new(), false);
    for c in line.trim_end_matches('\r').chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    out.push(field);
    out
}

/// NHS Digital metadata rows: id -> (points, group, domain), from the named columns.
fn nhs_digital(path: &str, group_col: &str) -> BTreeMap<String, (u32, String, String)> {
    let text = read(path);
    let mut lines = text.lines();
    let head = csv_fields(lines.next().unwrap());
    let col = |name: &str| {
        head.iter().position(|h| h == name).unwrap_or_else(|| panic!("{path}: {name}"))
    };
    let (id, pts, grp, dom) =
        (col("INDICATOR_CODE"), col("INDICATOR_POINT_VALUE"), col(group_col), col("DOMAIN_CODE"));
    let mut out = BTreeMap::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f = csv_fields(line);
        // the mappings file gives public health's sub-domains (cervical screening, vaccinations)
        let domain = match f[dom].as_str() {
            "PHAS" | "PHVI" => "PH".to_string(),
            d => d.to_string(),
        };
        out.insert(f[id].clone(), (f[pts].parse().unwrap(), f[grp].clone(), domain));
    }
    out
}

#[test]
fn national_schemes_2021_22_to_2023_24_match_nhs_digitals_metadata() {
    let cases = [
        // 2021/22 as paid after the December 2021 reallocation
        (
            "rules/qof-2021-22.qof",
            "data/reference/nhs-digital/e1876c8/PREVIOUS_INDICATOR_MAPPINGS.csv",
            "INDICATOR_GROUP_CODE",
            72,
        ),
        (
            "rules/qof-2022-23.qof",
            "data/reference/nhs-digital/e1876c8/INDICATOR_REFERENCE_CONTROL.csv",
            "GROUP_CODE",
            76,
        ),
        // the 2023-24 publication's "previous year" is 2022/23 again: both files agree
        (
            "rules/qof-2022-23.qof",
            "data/reference/nhs-digital/9e4ebc0/PREVIOUS_INDICATOR_MAPPINGS.csv",
            "INDICATOR_GROUP_CODE",
            76,
        ),
        (
            "rules/qof-2023-24.qof",
            "data/reference/nhs-digital/9e4ebc0/INDICATOR_REFERENCE_CONTROL.csv",
            "GROUP_CODE",
            76,
        ),
    ];
    for (rules, metadata, group_col, n) in cases {
        let official = nhs_digital(metadata, group_col);
        assert_eq!(official.len(), n, "{metadata}");
        let scheme = resolved(rules);
        let ours: BTreeMap<&str, &qofrules::scheme::Indicator> =
            scheme.indicators.iter().map(|i| (i.id.as_str(), i)).collect();
        let ours_ids: BTreeSet<&str> = ours.keys().copied().collect();
        let official_ids: BTreeSet<&str> = official.keys().map(String::as_str).collect();
        assert_eq!(ours_ids, official_ids, "{rules}: the indicator set differs from {metadata}");
        let mut total = 0u32;
        for (id, (points, group, domain)) in &official {
            let i = ours[id.as_str()];
            assert_eq!(i.points, rust_decimal::Decimal::from(*points), "{rules}: points of {id}");
            assert_eq!(&i.group, group, "{rules}: group of {id}");
            assert_eq!(&i.domain, domain, "{rules}: domain of {id}");
            // NHS Digital's 0-point indicators are measured and reported, never paid
            assert_eq!(*points == 0, i.monitored || i.points.is_zero(), "{rules}: {id}");
            total += points;
        }
        assert_eq!(total, 635, "{metadata}");
    }
}

#[test]
fn national_schemes_by_year_have_their_published_totals() {
    use rust_decimal::Decimal;
    // (file, scheme, points, indicators, paid indicators, £ per point, list size, aspiration %)
    let want = [
        ("qof_2019_20", 559, 68, 68, "187.74", "8479", "70"),
        ("qof_2020_21", 567, 67, 67, "194.83", "8799", "70"),
        ("qof_2021_22", 635, 72, 66, "201.16", "9085", "70"),
        ("qof_2022_23", 635, 76, 72, "207.56", "9374", "70"),
        ("qof_2023_24", 635, 76, 76, "213.43", "9639", "70"),
        ("qof_2024_25", 635, 76, 76, "220.62", "9964", "80"),
        ("qof_2025_26", 564, 44, 44, "225.49", "10184", "80"),
        ("qof_2026_27", 582, 46, 46, "227.95", "10349", "80"),
    ];
    let d = |s: &str| s.parse::<Decimal>().unwrap();
    let mut parent: Option<String> = None;
    for (path, (id, points, n, paid, pound, list, aspiration)) in YEARS.iter().zip(want) {
        let s = resolved(path);
        assert_eq!(s.id, id, "{path}");
        assert_eq!(extends(&parse(path)), parent, "{path} extends the year before");
        parent = Some(id.to_string());
        let total: Decimal = s.indicators.iter().filter(|i| !i.monitored).map(|i| i.points).sum();
        assert_eq!(total, Decimal::from(points), "{path}: total points");
        assert_eq!(s.indicators.len(), n, "{path}: indicators");
        let earning = s.indicators.iter().filter(|i| !i.monitored && !i.points.is_zero()).count();
        assert_eq!(earning, paid, "{path}: indicators worth points");
        assert_eq!(s.point_value, d(pound), "{path}: £ per point");
        assert_eq!(s.national_average_list_size, Some(d(list)), "{path}: list size");
        assert_eq!(s.aspiration, Some(d(aspiration) / Decimal::ONE_HUNDRED), "{path}: aspiration");
    }
}

#[test]
fn vaccination_points_at_the_lower_threshold_follow_the_years() {
    let vi = |path: &str| -> Vec<(String, String)> {
        let s = resolved(path);
        ["VI001", "VI002", "VI003", "VI004"]
            .iter()
            .map(|id| {
                let t = s.indicator(id).and_then(|i| i.thresholds).unwrap();
                let pct =
                    |x: rust_decimal::Decimal| (x * rust_decimal::Decimal::ONE_HUNDRED).normalize();
                (
                    format!("{}-{}", pct(t.lower), pct(t.upper)),
                    t.lower_points.normalize().to_string(),
                )
            })
            .collect()
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    };
    // 2021/22 (and 2022/23, unchanged): Pulse Intelligence's steps
    let stepped = pairs(&[("90-95", "3"), ("90-95", "7"), ("87-95", "7"), ("50-60", "0")]);
    assert_eq!(vi("rules/qof-2021-22.qof"), stepped);
    assert_eq!(vi("rules/qof-2022-23.qof"), stepped);
    // from 2023/24 a linear scale between the new thresholds
    let linear = pairs(&[("89-96", "0"), ("86-96", "0"), ("81-96", "0"), ("50-60", "0")]);
    for path in ["rules/qof-2023-24.qof", "rules/qof-2025-26.qof", "rules/qof-2026-27.qof"] {
        assert_eq!(vi(path), linear, "{path}");
    }
}

// ---------------------------------------------------------------- income protection by year

/// The 19 register indicators of a year (its Boolean `register` indicators).
fn register_indicators(s: &qofrules::scheme::Scheme) -> BTreeSet<String> {
    s.indicators
        .iter()
        .filter(|i| matches!(i.kind, qofrules::scheme::Kind::Register))
        .map(|i| i.id.clone())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Every year states its own payment model (a year that states none inherits its parent's);
/// the protected years pay the indicators the sources name on the historic year, repriced at
/// this year's point value, CPI and APDF, and every other indicator on performance.
#[test]
fn national_payment_models_encode_each_years_income_protection() {
    use qofrules::scheme::PaymentModel as M;
    use rust_decimal::Decimal;
    let flu = ["CHD007", "COPD007", "DM018", "STIA009"];
    let prescribing = ["AF007", "CHD005", "HF003", "HF006", "DM006", "DM022", "DM023", "STIA007"];
    let vaccination = ["VI001", "VI002", "VI003", "VI004"];
    let reallocated = ["CAN004", "CAN005", "MH007", "MH011", "MH012", "NDH001"];
    for path in YEARS {
        let states = parse(path).items.iter().any(|i| match i {
            Item::Scheme(s) => s
                .stmts
                .iter()
                .any(|st| matches!(st, qofrules::syntax::ast::SchemeStmt::Payment { .. })),
            _ => false,
        });
        assert!(states, "{path} states its payment model");
        let s = resolved(path);
        let all: BTreeSet<String> = s.indicators.iter().map(|i| i.id.clone()).collect();
        let registers = register_indicators(&s);
        let attested: BTreeSet<String> = s
            .indicators
            .iter()
            .filter(|i| matches!(i.kind, qofrules::scheme::Kind::Attested))
            .map(|i| i.id.clone())
            .collect();
        // (historic year, the indicators on performance, points protected); None: performance
        let want: Option<(&str, BTreeSet<String>, u32)> = match s.id.as_str() {
            // BMA toolkit: registers 81, cervical screening 22 and flu 36 on achievement, QI 74
            // in full (attested), 354 points protected
            "qof_2020_21" => {
                let mut perf = &registers | &attested;
                perf.extend(set(&["CS005", "CS006"]).into_iter().chain(set(&flu)));
                assert_eq!(registers.len(), 19);
                assert_eq!(attested, set(&["QIECD005", "QIECD006", "QILD007", "QILD008"]));
                Some(("2018/19", perf, 354))
            }
            // NHS England, 7 December 2021: vaccinations, cervical screening, registers and the
            // eight prescribing indicators on performance; the six reallocated at 0 points pay
            // nothing either way; everything else (QI included) protected: 389 points
            "qof_2021_22" => {
                let mut perf = registers.clone();
                perf.extend(
                    set(&["CS005", "CS006"])
                        .into_iter()
                        .chain(set(&vaccination))
                        .chain(set(&prescribing))
                        .chain(set(&reallocated)),
                );
                assert_eq!(registers.len(), 19);
                Some(("2018/19", perf, 389))
            }
            // the 19 register indicators, 81 points, on 2022/23
            "qof_2023_24" => {
                assert_eq!(registers.len(), 19);
                Some(("2022/23", &all - &registers, 81))
            }
            // PCIT: 32 indicators, 212 points, at the 2023/24 achievement level
            "qof_2024_25" => {
                let mut protected = registers.clone();
                protected.extend(attested.iter().cloned());
                protected.extend(set(&[
                    "AST008", "CAN004", "CAN005", "COPD014", "DEP004", "MH021", "SMOK005",
                ]));
                assert_eq!((registers.len(), attested.len(), protected.len()), (19, 6, 32));
                Some(("2023/24", &all - &protected, 212))
            }
            "qof_2019_20" | "qof_2022_23" | "qof_2025_26" | "qof_2026_27" => None,
            other => panic!("unexpected scheme {other}"),
        };
        match (want, &s.payment) {
            (None, model) => assert_eq!(model, &M::Performance, "{path}"),
            (Some((year, performance, points)), M::Except { base, except, on }) => {
                assert_eq!(**base, M::Performance, "{path}: the base model");
                let historic = M::Historic {
                    year: year.to_string(),
                    prevalence: true,
                    list_size: true,
                    pounds: false,
                };
                assert_eq!(**on, historic, "{path}: the protected indicators' model");
                let protected: BTreeSet<String> = except.iter().cloned().collect();
                assert_eq!(protected.len(), except.len(), "{path}: an indicator listed twice");
                assert_eq!(protected, &all - &performance, "{path}: the protected indicators");
                let sum: Decimal = s
                    .indicators
                    .iter()
                    .filter(|i| protected.contains(&i.id))
                    .map(|i| i.points)
                    .sum();
                assert_eq!(sum, Decimal::from(points), "{path}: points protected");
            }
            (Some(_), model) => panic!("{path}: expected income protection, found {model:?}"),
        }
    }
}

/// Pays one practice under a shipped year on an in-memory input: its list is the year's
/// national average (CPI 1) and its diabetes prevalence 10.5% (840 of 8,000 aged 17 or over)
/// against a national 7% (APDF 1.5); `setup` adds counts and historic figures, `check` reads
/// the result.
fn pay_one_practice(
    path: &str,
    setup: impl FnOnce(&mut qofrules::pay::PracticeData),
    check: impl FnOnce(&qofrules::pay::PayResult),
) {
    use qofrules::pay::{FigureSource, GroupTotals, NationalFigures, PracticeData};
    let s = resolved(path);
    let ps = qofrules::compile::pay_scheme(&s);
    let average = s.national_average_list_size.unwrap();
    let mut data = PracticeData::new();
    data.set_list_size("P1", "TOTAL", average.try_into().unwrap());
    data.set_list_size("P1", "17OV", 8000);
    data.set_register("P1", "DM", 840);
    setup(&mut data);
    let mut prevalence = BTreeMap::new();
    prevalence.insert("DM".to_string(), GroupTotals { register: 7, list_size: 100 });
    let national =
        NationalFigures::given(average, FigureSource::Scheme, prevalence, FigureSource::Scheme);
    let r = qofrules::pay::pay(&ps, &national, &data).unwrap();
    check(&r);
}

fn paid(r: &qofrules::pay::PayResult, id: &str) -> (String, String) {
    let line = r.practices[0].indicators.iter().find(|i| i.id == id).unwrap();
    (line.payment.normalize().to_string(), line.paid_on.to_string())
}

fn counts(numerator: u32, denominator: u32) -> qofrules::pay::Counts {
    qofrules::pay::Counts { numerator, denominator, ..Default::default() }
}

fn met(achieved: bool) -> qofrules::pay::Counts {
    qofrules::pay::Counts { achieved: Some(achieved), ..Default::default() }
}

fn points(p: &str) -> qofrules::pay::HistoricValue {
    qofrules::pay::HistoricValue { points: Some(p.parse().unwrap()), pounds: None }
}

/// A protected indicator is paid on its historic points at this year's point value, CPI and
/// APDF, whatever this year's achievement; an unprotected one on this year's achievement,
/// whatever its historic figure.
#[test]
fn protected_indicators_pay_the_historic_year_and_the_rest_performance() {
    let historic = |year: &str| {
        format!("except: historic {year} points adjusted for list size and prevalence")
    };
    // 2020/21, £194.83: DM020 protected (2018/19: 10 points) although 90% achieved this year;
    // CS005 (14 points, 45%-80%) on performance although its 2018/19 figure is 7 points; the QI
    // module attested is paid in full
    pay_one_practice(
        "rules/qof-2020-21.qof",
        |d| {
            d.set_counts("P1", "DM020", counts(90, 100));
            d.set_counts("P1", "CS005", counts(80, 100));
            d.set_attested("P1", "QIECD005", true);
            d.set_historic("P1", "2018/19", "DM020", points("10"));
            d.set_historic("P1", "2018/19", "CS005", points("7"));
        },
        |r| {
            // 10 x 194.83 x CPI 1 x APDF 1.5 = 2922.45
            assert_eq!(paid(r, "DM020"), ("2922.45".into(), historic("2018/19")));
            // 14 x 194.83 = 2727.62
            assert_eq!(paid(r, "CS005"), ("2727.62".into(), "performance".into()));
            // 27 x 194.83 = 5260.41
            assert_eq!(paid(r, "QIECD005"), ("5260.41".into(), "performance".into()));
        },
    );
    // 2021/22, £201.16: DM020 protected; DM022 (8 points as paid, prescribing) on performance;
    // CAN005 reallocated to 0 points pays nothing, whatever its historic figure
    pay_one_practice(
        "rules/qof-2021-22.qof",
        |d| {
            d.set_counts("P1", "DM022", counts(100, 100));
            d.set_counts("P1", "CAN005", counts(100, 100));
            d.set_historic("P1", "2018/19", "DM020", points("10"));
            d.set_historic("P1", "2018/19", "DM022", points("2"));
            d.set_historic("P1", "2018/19", "CAN005", points("2"));
        },
        |r| {
            // 10 x 201.16 x 1.5 = 3017.40
            assert_eq!(paid(r, "DM020"), ("3017.4".into(), historic("2018/19")));
            // 8 x 201.16 x 1.5 = 2413.92
            assert_eq!(paid(r, "DM022"), ("2413.92".into(), "performance".into()));
            assert_eq!(paid(r, "CAN005"), ("0".into(), "performance".into()));
        },
    );
    // 2023/24, £213.43: the diabetes register protected on 2022/23 (6 points) though not kept
    // this year; DM020 (17 points, 35%-75%) on performance
    pay_one_practice(
        "rules/qof-2023-24.qof",
        |d| {
            d.set_counts("P1", "DM017", met(false));
            d.set_counts("P1", "DM020", counts(75, 100));
            d.set_historic("P1", "2022/23", "DM017", points("6"));
            d.set_historic("P1", "2022/23", "DM020", points("3"));
        },
        |r| {
            // 6 x 213.43 x 1.5 = 1920.87
            assert_eq!(paid(r, "DM017"), ("1920.87".into(), historic("2022/23")));
            // 17 x 213.43 x 1.5 = 5442.465 -> 5442.47
            assert_eq!(paid(r, "DM020"), ("5442.47".into(), "performance".into()));
        },
    );
    // 2024/25, £220.62: SMOK005 protected at its 2023/24 20 points although 100% achieved now
    // (no reward for improving); SMOK002 (25 points, 50%-90%) on performance at 80%
    pay_one_practice(
        "rules/qof-2024-25.qof",
        |d| {
            d.set_counts("P1", "SMOK005", counts(100, 100));
            d.set_counts("P1", "SMOK002", counts(80, 100));
            d.set_historic("P1", "2023/24", "SMOK005", points("20"));
            d.set_historic("P1", "2023/24", "SMOK002", points("25"));
        },
        |r| {
            // 20 x 220.62 x CPI 1 (smoking is not prevalence-adjusted) = 4412.40
            assert_eq!(paid(r, "SMOK005"), ("4412.4".into(), historic("2023/24")));
            // 25 x 0.30 / 0.40 = 18.75 points x 220.62 = 4136.625 -> 4136.63
            assert_eq!(paid(r, "SMOK002"), ("4136.63".into(), "performance".into()));
        },
    );
    // 2025/26: no protection; a 2024/25 figure for SMOK002 changes nothing
    pay_one_practice(
        "rules/qof-2025-26.qof",
        |d| {
            d.set_counts("P1", "SMOK002", counts(80, 100));
            d.set_historic("P1", "2024/25", "SMOK002", points("25"));
        },
        |r| {
            // 18.75 x 225.49 = 4227.9375 -> 4227.94
            assert_eq!(paid(r, "SMOK002"), ("4227.94".into(), "performance".into()));
        },
    );
}
