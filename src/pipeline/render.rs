//! The renderings of an evaluation's pay result for reading (`qofrules eval --format table`)
//! and for spreadsheets (`--format csv`); the JSON is [`super::JsonOutput`]. Compare's are in
//! [`crate::compare::table`] and [`crate::compare::html`]. Read from the result's JSON, so
//! they show exactly the figures the JSON has.

use crate::pay::PayResult;
use std::collections::BTreeMap;

/// The result as JSON without its practices (scheme, national figures, networks, total,
/// warnings): the CSV and the table take the practices one at a time ([`practice_values`]),
/// never the whole result as one tree (gigabytes for a large run).
fn head_value(r: &PayResult<'_>) -> Result<serde_json::Value, serde_json::Error> {
    #[derive(serde::Serialize)]
    struct Head<'r, 'a> {
        scheme: &'r crate::pay::SchemeInfo<'a>,
        national: &'r crate::pay::national::NationalReport,
        networks: &'r [crate::pay::NetworkResult<'a>],
        total: &'r crate::pay::Total,
        warnings: &'r [crate::pay::PayWarning],
    }
    serde_json::to_value(Head {
        scheme: &r.scheme,
        national: &r.national,
        networks: &r.networks,
        total: &r.total,
        warnings: &r.warnings,
    })
}

/// Each practice's result as JSON, one at a time.
fn practice_values<'r>(
    r: &'r PayResult<'_>,
) -> impl Iterator<Item = Result<serde_json::Value, serde_json::Error>> + 'r {
    r.practices.iter().map(serde_json::to_value)
}

/// A JSON scalar as a plain cell (`null` -> empty).
fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

const CSV_COLUMNS: &[&str] = &[
    "practice_id",
    "network_id",
    "indicator",
    "group",
    "kind",
    "max_points",
    "register",
    "denominator",
    "numerator",
    "pcas",
    "achievement",
    "points",
    "payment",
    "cpi",
    "apdf",
    "prevalence",
    "national_prevalence",
];

/// A practice's (or network's) prevalence-adjusted groups by code: (prevalence, APDF).
fn group_factors(p: &serde_json::Value) -> BTreeMap<String, (String, String)> {
    let empty = Vec::new();
    p["groups"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|g| (cell(&g["group"]), (cell(&g["prevalence"]), cell(&g["apdf"]))))
        .collect()
}

/// `qofrules eval --format csv`: one row per practice and indicator.
pub fn csv(r: &PayResult<'_>) -> Result<String, serde_json::Error> {
    let v = head_value(r)?;
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    let empty = Vec::new();
    for p in practice_values(r) {
        let p = &p?;
        let groups = group_factors(p);
        for i in p["indicators"].as_array().unwrap_or(&empty) {
            let group = cell(&i["group"]);
            // a group that is not prevalence-adjusted has APDF 1 and no national prevalence
            let (prevalence, apdf, national) = match groups.get(&group) {
                Some((prev, apdf)) => (
                    prev.clone(),
                    apdf.clone(),
                    cell(&v["national"]["prevalence"][group.as_str()]["prevalence"]),
                ),
                None if i["kind"] == "historic" && group.is_empty() => {
                    (String::new(), String::new(), String::new())
                }
                None => (String::new(), "1".to_string(), String::new()),
            };
            let row = [
                cell(&p["practice_id"]),
                cell(&p["network_id"]),
                cell(&i["id"]),
                cell(&i["group"]),
                cell(&i["kind"]),
                cell(&i["max_points"]),
                cell(&i["register"]),
                cell(&i["denominator"]),
                cell(&i["numerator"]),
                cell(&i["pcas"]),
                cell(&i["achievement"]),
                cell(&i["points"]),
                cell(&i["payment"]),
                cell(&p["cpi"]),
                apdf,
                prevalence,
                national,
            ];
            let row: Vec<String> = row.iter().map(|c| csv_field(c)).collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    Ok(out)
}

/// A decimal string shown to `places` places (other text as it is).
fn places(s: &str, places: u32) -> String {
    match s.parse::<rust_decimal::Decimal>() {
        Ok(d) => format!("{:.*}", places as usize, d.round_dp(places)),
        Err(_) => s.to_string(),
    }
}

/// The CPI of each practice and the APDF of each prevalence-adjusted group, under a row of
/// national prevalence (figures shown rounded; the JSON and CSV keep them exact).
fn factors_table(r: &PayResult<'_>, v: &serde_json::Value) -> Result<String, serde_json::Error> {
    let empty = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    for p in practice_values(r) {
        let p = &p?;
        for g in p["groups"].as_array().unwrap_or(&empty) {
            let id = cell(&g["group"]);
            if !groups.contains(&id) {
                groups.push(id);
            }
        }
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut head = vec!["practice".to_string(), "CPI".to_string()];
    head.extend(groups.iter().cloned());
    rows.push(head);
    let mut national = vec!["national".to_string(), String::new()];
    for g in &groups {
        let p = cell(&v["national"]["prevalence"][g.as_str()]["prevalence"]);
        national.push(match p.parse::<rust_decimal::Decimal>() {
            Ok(d) => format!("{:.2}%", (d * rust_decimal::Decimal::ONE_HUNDRED).round_dp(2)),
            Err(_) => "-".to_string(),
        });
    }
    rows.push(national);
    for p in practice_values(r) {
        let p = &p?;
        let factors = group_factors(p);
        let mut row = vec![cell(&p["practice_id"]), places(&cell(&p["cpi"]), 4)];
        for g in &groups {
            row.push(factors.get(g).map_or(String::new(), |(_, a)| places(a, 4)));
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0))
        .collect();
    let mut out = format!(
        "\nCPI (list size / {}) and APDF (practice prevalence / national prevalence) by group\n\n",
        cell(&v["national"]["average_list_size"])
    );
    out.push_str(&aligned(&rows, &widths, 1, |k| k == 1));
    Ok(out)
}

/// Rows as aligned text: columns from `right_from` on are right-aligned, and a rule follows
/// every row `rule_after` picks.
fn aligned<R: AsRef<[String]>>(
    rows: &[R],
    widths: &[usize],
    right_from: usize,
    rule_after: impl Fn(usize) -> bool,
) -> String {
    let mut out = String::new();
    for (k, r) in rows.iter().enumerate() {
        let line: Vec<String> = r
            .as_ref()
            .iter()
            .enumerate()
            .map(|(c, s)| {
                let pad = widths[c] - s.chars().count();
                if c >= right_from {
                    format!("{}{s}", " ".repeat(pad))
                } else {
                    format!("{s}{}", " ".repeat(pad))
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if rule_after(k) {
            let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out
}

/// Points shown to two places (the JSON and CSV keep them exact).
fn points2(v: &serde_json::Value) -> String {
    let s = cell(v);
    match s.parse::<rust_decimal::Decimal>() {
        Ok(d) => format!("{:.2}", d.round_dp(2)),
        Err(_) => s,
    }
}

/// `qofrules eval --format table`: practices, networks and the total, then the CPI and APDF
/// of each practice, then the pay warnings.
pub fn table(r: &PayResult<'_>) -> Result<String, serde_json::Error> {
    let v = head_value(r)?;
    let empty = Vec::new();
    let mut rows: Vec<[String; 5]> = vec![[
        "practice".into(),
        "network".into(),
        "list size".into(),
        "points".into(),
        "payment".into(),
    ]];
    for p in practice_values(r) {
        let p = &p?;
        rows.push([
            cell(&p["practice_id"]),
            cell(&p["network_id"]),
            cell(&p["list_size"]),
            points2(&p["points"]),
            format!("£{}", cell(&p["payment"])),
        ]);
    }
    for n in v["networks"].as_array().unwrap_or(&empty) {
        rows.push([
            format!("network {}", cell(&n["network_id"])),
            cell(&n["network_id"]),
            cell(&n["list_size"]),
            points2(&n["points"]),
            format!("£{}", cell(&n["payment"])),
        ]);
    }
    rows.push([
        "total".into(),
        String::new(),
        String::new(),
        points2(&v["total"]["points"]),
        format!("£{}", cell(&v["total"]["payment"])),
    ]);
    let widths: Vec<usize> =
        (0..5).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = format!(
        "{} ({}), period ending {}\n",
        cell(&v["scheme"]["title"]),
        cell(&v["scheme"]["id"]),
        cell(&v["scheme"]["period_end"])
    );
    out.push_str(&format!(
        "national average list size {} ({}); national prevalence: {}\n\n",
        cell(&v["national"]["average_list_size"]),
        cell(&v["national"]["average_list_size_source"]),
        cell(&v["national"]["prevalence_source"])
    ));
    out.push_str(&aligned(&rows, &widths, 2, |k| k == 0 || k == rows.len() - 2));
    out.push_str(&factors_table(r, &v)?);
    for w in v["warnings"].as_array().unwrap_or(&empty) {
        out.push_str(&format!(
            "warning: {} ({} practices, e.g. {})\n",
            cell(&w["message"]),
            cell(&w["practices"]),
            cell(&w["example"])
        ));
    }
    Ok(out)
}
