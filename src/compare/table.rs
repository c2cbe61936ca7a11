//! Plain-text and CSV renderings of a [`Comparison`] (the CLI's `--format table` and `csv`).

use super::diff::DiffStatus;
use super::impact::{Comparison, PracticeImpact};
use crate::pay::numeric::money_string;
use rust_decimal::Decimal;

/// How many moving patients per indicator the text table shows (the JSON lists more).
const MOVERS_SHOWN: usize = 5;

fn money(d: Decimal) -> String {
    format!("£{}", money_string(d))
}

fn signed_money(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+£{}", money_string(d))
    } else if d < Decimal::ZERO {
        format!("-£{}", money_string(-d))
    } else {
        "£0.00".into()
    }
}

/// A percentage change with its sign (`+5.00%`), `n/a` when undefined; shared with the HTML report.
pub(super) fn pct(p: Option<Decimal>) -> String {
    match p {
        Some(mut p) => {
            p.rescale(2);
            if p > Decimal::ZERO {
                format!("+{p}%")
            } else {
                format!("{p}%")
            }
        }
        None => "n/a".into(),
    }
}

/// Points to two places; shared with the HTML report.
pub(super) fn points(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

/// Lays out rows as columns; columns from `right_from` on are right-aligned. A rule follows
/// the header row.
fn grid(rows: &[Vec<String>], right_from: usize) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (k, r) in rows.iter().enumerate() {
        let line: Vec<String> = (0..cols)
            .map(|c| {
                let s = r.get(c).map_or("", String::as_str);
                let pad = " ".repeat(widths[c] - s.chars().count());
                if c >= right_from {
                    format!("{pad}{s}")
                } else {
                    format!("{s}{pad}")
                }
            })
            .collect();
        out.push_str("  ");
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if k == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1);
            out.push_str("  ");
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out
}

/// The reporting strata of either scheme (empty when neither reports by anything): counts
/// per indicator, dimension and class under A and B, `-` where a scheme does not report the
/// indicator by that dimension.
fn strata_table(c: &Comparison) -> String {
    if c.reports.is_empty() {
        return String::new();
    }
    let mut rows = vec![[
        "indicator",
        "dimension",
        "class",
        "den A",
        "den B",
        "num A",
        "num B",
        "PCAs A",
        "PCAs B",
        "achieved A",
        "achieved B",
    ]
    .map(String::from)
    .to_vec()];
    for r in &c.reports {
        let n = |x: Option<u64>| x.map_or("-".to_string(), |v| v.to_string());
        let pct = |x: Option<super::StratumCounts>| {
            x.map_or("-".to_string(), |s| s.achieved().unwrap_or_default())
        };
        let (a, b) = (r.a, r.b);
        rows.push(vec![
            r.indicator.clone(),
            r.dimension.clone(),
            r.class.clone(),
            n(a.map(|s| s.denominator)),
            n(b.map(|s| s.denominator)),
            n(a.map(|s| s.numerator)),
            n(b.map(|s| s.numerator)),
            n(a.map(|s| s.pcas)),
            n(b.map(|s| s.pcas)),
            pct(a),
            pct(b),
        ]);
    }
    format!(
        "\nreporting strata (summed over practices; they never change money):\n{}",
        grid(&rows, 3)
    )
}

/// A line diff of two texts in unified style (`-` only in A, `+` only in B, ` ` both), the
/// whole text as context (indicator blocks are short).
pub fn unified(a: &str, b: &str) -> String {
    let xa: Vec<&str> = a.lines().collect();
    let xb: Vec<&str> = b.lines().collect();
    let (n, m) = (xa.len(), xb.len());
    // longest common subsequence table, from the end
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if xa[i] == xb[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && xa[i] == xb[j] {
            out.push_str(&format!("   {}\n", xa[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!(" - {}\n", xa[i]));
            i += 1;
        } else {
            out.push_str(&format!(" + {}\n", xb[j]));
            j += 1;
        }
    }
    out
}

/// The national figures of each scheme: average list size and prevalence, with sources.
pub(super) fn national_lines(c: &Comparison) -> String {
    let line = |side: &str, n: &crate::pay::national::NationalReport| {
        format!(
            "national figures {side}: average list size {} ({}); prevalence: {}\n",
            n.average_list_size.normalize(),
            n.average_list_size_source,
            n.prevalence_source
        )
    };
    line("A", &c.national_a) + &line("B", &c.national_b)
}

/// A decimal to 4 places for reading (the JSON keeps it exact).
fn four(d: Option<Decimal>) -> String {
    d.map_or(String::new(), |d| format!("{:.4}", d.round_dp(4)))
}

/// The national prevalence of each group under a scheme, as a percentage to 2 places.
fn national_row(n: &crate::pay::national::NationalReport, groups: &[String]) -> Vec<String> {
    let mut row = vec!["national".to_string(), String::new()];
    row.extend(groups.iter().map(|g| {
        n.prevalence
            .get(g)
            .and_then(|x| x.prevalence)
            .map_or(String::new(), |p| format!("{:.2}%", (p * Decimal::ONE_HUNDRED).round_dp(2)))
    }));
    row
}

/// Rows of CPI and APDF per practice and group under one scheme.
pub(super) fn factor_rows(c: &Comparison, b: bool) -> Vec<Vec<String>> {
    let mut head = vec!["practice".to_string(), "CPI".to_string()];
    head.extend(c.groups.iter().cloned());
    let mut rows =
        vec![head, national_row(if b { &c.national_b } else { &c.national_a }, &c.groups)];
    for p in &c.practices {
        let (cpi, apdf) = if b { (p.cpi_b, &p.apdf_b) } else { (p.cpi_a, &p.apdf_a) };
        let mut row = vec![p.practice_id.clone(), four(cpi)];
        row.extend(apdf.iter().map(|a| four(*a)));
        rows.push(row);
    }
    rows
}

/// Whether both schemes paid every practice with the same CPI and APDFs.
pub(super) fn same_factors(c: &Comparison) -> bool {
    c.practices.iter().all(|p| p.cpi_a == p.cpi_b && p.apdf_a == p.apdf_b)
}

fn factor_tables(c: &Comparison) -> String {
    let mut out = String::new();
    let sides: &[(bool, &str)] =
        if same_factors(c) { &[(false, "A and B")] } else { &[(false, "A"), (true, "B")] };
    for (b, label) in sides {
        out.push_str(&format!(
            "\nCPI and APDF (practice prevalence / national prevalence) by group, {label}:\n"
        ));
        out.push_str(&grid(&factor_rows(c, *b), 1));
    }
    out
}

fn practice_rows(ps: &[PracticeImpact]) -> Vec<Vec<String>> {
    let mut rows = vec![vec![
        "practice".to_string(),
        "network".into(),
        "points A".into(),
        "points B".into(),
        "payment A".into(),
        "payment B".into(),
        "delta".into(),
        "delta %".into(),
    ]];
    for p in ps {
        rows.push(vec![
            p.practice_id.clone(),
            p.network_id.clone(),
            points(p.points_a),
            points(p.points_b),
            money(p.payment_a),
            money(p.payment_b),
            signed_money(p.delta),
            pct(p.delta_pct),
        ]);
    }
    rows
}

/// The structural diff followed by the impact tables.
pub fn render_table(c: &Comparison) -> String {
    let mut out = String::new();
    out.push_str(&format!("A: {} ({})\nB: {} ({})\n\n", c.a.title, c.a.id, c.b.title, c.b.id));

    // ---- structural diff
    out.push_str("== rule changes\n\n");
    if c.header.is_empty() {
        out.push_str("scheme settings: unchanged\n");
    } else {
        out.push_str("scheme settings:\n");
        for h in &c.header {
            out.push_str(&format!("  {}: {} -> {}\n", h.field, h.a, h.b));
        }
    }
    let count = |s: DiffStatus| c.indicators.iter().filter(|i| i.status == s).count();
    out.push_str(&format!(
        "indicators: {} added, {} retired, {} changed, {} unchanged\n\n",
        count(DiffStatus::Added),
        count(DiffStatus::Retired),
        count(DiffStatus::Changed),
        count(DiffStatus::Unchanged)
    ));
    for i in &c.indicators {
        match i.status {
            DiffStatus::Unchanged => {}
            DiffStatus::Retired => {
                out.push_str(&format!("retired {}: {}\n", i.id, i.title));
            }
            DiffStatus::Added => {
                out.push_str(&format!("added {}: {}\n", i.id, i.title));
                out.push_str(&unified("", i.text_b.as_deref().unwrap_or("")));
                out.push('\n');
            }
            DiffStatus::Changed => {
                let fields: Vec<&str> = i.changes.iter().map(|f| f.field).collect();
                out.push_str(&format!("changed {} ({}): {}\n", i.id, fields.join(", "), i.title));
                for f in &i.changes {
                    if f.field == "code_lists" {
                        out.push_str("  code_lists: the codes of a list it uses differ\n");
                    } else {
                        out.push_str(&format!("  {}: {} -> {}\n", f.field, f.a, f.b));
                    }
                }
                out.push_str(&format!("  --- A {}\n  +++ B {}\n", c.a.id, c.b.id));
                out.push_str(&unified(
                    i.text_a.as_deref().unwrap_or(""),
                    i.text_b.as_deref().unwrap_or(""),
                ));
                out.push('\n');
            }
        }
    }

    // ---- impact
    out.push_str(&format!(
        "\n== impact ({})\n\n",
        match c.level {
            super::impact::Level::Patients => "patient-level population",
            super::impact::Level::Counts => "published counts",
        }
    ));
    out.push_str(&format!(
        "total: A {}  B {}  delta {} ({})\n",
        money(c.total.payment_a),
        money(c.total.payment_b),
        signed_money(c.total.delta),
        pct(c.total.delta_pct)
    ));
    out.push_str(&format!(
        "points: A {}  B {}\n\n",
        points(c.total.points_a),
        points(c.total.points_b)
    ));
    out.push_str(&national_lines(c));
    out.push('\n');

    out.push_str("indicators (summed over practices):\n");
    let mut rows = vec![[
        "indicator",
        "status",
        "den A",
        "den B",
        "num A",
        "num B",
        "PCAs A",
        "PCAs B",
        "points A",
        "points B",
        "payment A",
        "payment B",
        "delta",
    ]
    .map(String::from)
    .to_vec()];
    for i in &c.indicators {
        let a = i.a.as_ref();
        let b = i.b.as_ref();
        let n = |x: Option<u64>| x.map_or("-".to_string(), |v| v.to_string());
        rows.push(vec![
            i.id.clone(),
            i.status.as_str().to_string(),
            n(a.map(|f| f.denominator)),
            n(b.map(|f| f.denominator)),
            n(a.map(|f| f.numerator)),
            n(b.map(|f| f.numerator)),
            n(a.map(|f| f.pcas)),
            n(b.map(|f| f.pcas)),
            a.map_or("-".into(), |f| points(f.points)),
            b.map_or("-".into(), |f| points(f.points)),
            a.map_or("-".into(), |f| money(f.payment)),
            b.map_or("-".into(), |f| money(f.payment)),
            signed_money(i.delta.payment),
        ]);
    }
    out.push_str(&grid(&rows, 2));
    out.push_str(&strata_table(c));

    let moving: Vec<_> = c.indicators.iter().filter(|i| i.movers.is_some()).collect();
    if c.level == super::impact::Level::Patients {
        out.push_str("\npatients who change class:\n");
        if moving.is_empty() {
            out.push_str("  none\n");
        }
        for i in moving {
            let Some(m) = &i.movers else { continue };
            let tr: Vec<String> = m.transitions.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            out.push_str(&format!("  {}: {} patients ({})\n", i.id, m.count, tr.join(", ")));
            for p in m.patients.iter().take(MOVERS_SHOWN) {
                out.push_str(&format!(
                    "    {} at {}: {} -> {}\n",
                    p.patient_id, p.practice_id, p.a, p.b
                ));
                if let Some(e) = &p.explanation_a {
                    out.push_str(&format!("      A: {e}\n"));
                }
                if let Some(e) = &p.explanation_b {
                    out.push_str(&format!("      B: {e}\n"));
                }
            }
            if m.count as usize > MOVERS_SHOWN {
                out.push_str(&format!(
                    "    ... and {} more (--format json lists up to {})\n",
                    m.count as usize - MOVERS_SHOWN.min(m.patients.len()),
                    super::impact::MOVERS_LISTED
                ));
            }
        }
    }

    out.push_str("\npractice-level change:\n");
    let mut rows = vec![vec!["change".to_string(), "practices".into(), "total delta".into()]];
    for b in &c.distribution {
        rows.push(vec![b.label.to_string(), b.practices.to_string(), signed_money(b.delta)]);
    }
    out.push_str(&grid(&rows, 1));

    out.push_str("\nlargest gains:\n");
    if c.winners.is_empty() {
        out.push_str("  none\n");
    } else {
        out.push_str(&grid(&practice_rows(&c.winners), 2));
    }
    out.push_str("\nlargest losses:\n");
    if c.losers.is_empty() {
        out.push_str("  none\n");
    } else {
        out.push_str(&grid(&practice_rows(&c.losers), 2));
    }

    out.push_str("\nnetworks:\n");
    let mut rows = vec![["network", "practices", "payment A", "payment B", "delta", "delta %"]
        .map(String::from)
        .to_vec()];
    for n in &c.networks {
        rows.push(vec![
            if n.network_id.is_empty() { "(none)".into() } else { n.network_id.clone() },
            n.practices.to_string(),
            money(n.payment_a),
            money(n.payment_b),
            signed_money(n.delta),
            pct(n.delta_pct),
        ]);
    }
    out.push_str(&grid(&rows, 1));

    out.push_str("\npractices:\n");
    out.push_str(&grid(&practice_rows(&c.practices), 2));
    out.push_str(&factor_tables(c));
    for w in &c.warnings_a {
        out.push_str(&format!("warning (A): {w}\n"));
    }
    for w in &c.warnings_b {
        out.push_str(&format!("warning (B): {w}\n"));
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One row per practice, then per network, then the total: `kind,id,network_id,points_a,
/// points_b,payment_a,payment_b,delta,delta_pct,cpi_a,cpi_b`, then `apdf_a_GROUP` and
/// `apdf_b_GROUP` for each prevalence-adjusted group (empty on network and total rows).
pub fn render_csv(c: &Comparison) -> String {
    let mut out = String::from(
        "kind,id,network_id,points_a,points_b,payment_a,payment_b,delta,delta_pct,cpi_a,cpi_b",
    );
    for side in ["a", "b"] {
        for g in &c.groups {
            out.push_str(&format!(",apdf_{side}_{}", csv_field(g)));
        }
    }
    out.push('\n');
    let blanks = ",".repeat(2 + 2 * c.groups.len());
    let exact = |d: &Option<Decimal>| d.map_or(String::new(), |d| d.normalize().to_string());
    let opt = |p: Option<Decimal>| {
        p.map_or(String::new(), |mut d| {
            d.rescale(2);
            d.to_string()
        })
    };
    for p in &c.practices {
        let row = [
            "practice".to_string(),
            p.practice_id.clone(),
            p.network_id.clone(),
            p.points_a.normalize().to_string(),
            p.points_b.normalize().to_string(),
            money_string(p.payment_a),
            money_string(p.payment_b),
            money_string(p.delta),
            opt(p.delta_pct),
            exact(&p.cpi_a),
            exact(&p.cpi_b),
        ];
        let mut row: Vec<String> = row.iter().map(|s| csv_field(s)).collect();
        row.extend(p.apdf_a.iter().chain(&p.apdf_b).map(exact));
        out.push_str(&row.join(","));
        out.push('\n');
    }
    for n in &c.networks {
        let row = [
            "network".to_string(),
            n.network_id.clone(),
            n.network_id.clone(),
            String::new(),
            String::new(),
            money_string(n.payment_a),
            money_string(n.payment_b),
            money_string(n.delta),
            opt(n.delta_pct),
        ];
        let row: Vec<String> = row.iter().map(|s| csv_field(s)).collect();
        out.push_str(&row.join(","));
        out.push_str(&blanks);
        out.push('\n');
    }
    out.push_str(&format!(
        "total,,,{},{},{},{},{},{}{blanks}\n",
        c.total.points_a.normalize(),
        c.total.points_b.normalize(),
        money_string(c.total.payment_a),
        money_string(c.total.payment_b),
        money_string(c.total.delta),
        opt(c.total.delta_pct)
    ));
    out
}
