//! Text and CSV renderings of a sweep and of a solve.

use super::lever::Unit;
use super::{Solution, Sweep};
use crate::pay::numeric::money_string;
use rust_decimal::Decimal;

fn money(d: Decimal) -> String {
    if d < Decimal::ZERO {
        format!("-£{}", money_string(-d))
    } else {
        format!("£{}", money_string(d))
    }
}

fn signed(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{}", money(d))
    } else {
        money(d)
    }
}

/// The columns of the table and the CSV: the levers, then the figures.
fn header(s: &Sweep) -> Vec<String> {
    let mut h: Vec<String> = s.levers.iter().map(|l| l.lever.clone()).collect();
    h.extend(
        ["total", "change", "gaining", "losing", "median", "q1", "q3", "min", "max"]
            .iter()
            .map(|c| (*c).to_string()),
    );
    if s.base.aspiration.is_some() {
        h.push("aspiration".into());
    }
    h
}

/// The sweep as an aligned table, the scheme as written marked `*`.
pub fn text(s: &Sweep) -> String {
    let mut rows = vec![header(s)];
    for p in &s.points {
        let mut r: Vec<String> = p.shown.clone();
        if p.is_base {
            if let Some(last) = r.last_mut() {
                last.push('*');
            }
        }
        r.extend([
            money(p.total),
            signed(p.change),
            p.gaining.to_string(),
            p.losing.to_string(),
            signed(p.per_practice.median),
            signed(p.per_practice.q1),
            signed(p.per_practice.q3),
            signed(p.per_practice.min),
            signed(p.per_practice.max),
        ]);
        if let Some(a) = p.aspiration {
            r.push(money(a));
        }
        rows.push(r);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r.get(c).map_or(0, |x| x.chars().count())).max().unwrap_or(0))
        .collect();
    let levers: Vec<String> =
        s.levers.iter().map(|l| format!("{} (now {})", l.label, l.base_shown)).collect();
    let mut out = format!(
        "{} ({}): {} over {} practices\nas written: {} a year\n\n",
        s.scheme.title,
        s.scheme.id,
        levers.join(" by "),
        s.practices,
        money(s.base.total)
    );
    for (k, r) in rows.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, x)| format!("{}{x}", " ".repeat(widths[c] - x.chars().count())))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if k == 0 {
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
            out.push('\n');
        }
    }
    out.push_str(
        "\n* the scheme as written. change: total minus the scheme as written; median, q1, q3, \
         min, max: the change per practice.\n",
    );
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One row per value (pair of values): lever values as fractions or numbers, money in pounds
/// with pennies, no currency sign.
pub fn csv(s: &Sweep) -> String {
    let mut out = header(s).iter().map(|h| csv_field(h)).collect::<Vec<_>>().join(",");
    out.push_str(",is_base\n");
    for p in &s.points {
        let mut r: Vec<String> = p.values.iter().map(|v| v.normalize().to_string()).collect();
        r.extend(
            [
                p.total,
                p.change,
                Decimal::from(p.gaining),
                Decimal::from(p.losing),
                p.per_practice.median,
                p.per_practice.q1,
                p.per_practice.q3,
                p.per_practice.min,
                p.per_practice.max,
            ]
            .iter()
            .enumerate()
            .map(|(k, d)| if k == 2 || k == 3 { d.to_string() } else { money_string(*d) }),
        );
        if let Some(a) = p.aspiration {
            r.push(money_string(a));
        }
        r.push(p.is_base.to_string());
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out
}

/// A solve, in words.
pub fn solution_text(scheme_id: &str, against: &str, s: &Solution) -> String {
    solution_text_in(scheme_id, against, s, &PLAIN)
}

/// How [`solution_text_in`] writes money and lever values: plainly for the terminal, with
/// thousands grouped and `−` for the HTML page.
pub(super) struct Style {
    pub money: fn(Decimal) -> String,
    pub signed: fn(Decimal) -> String,
    pub value: fn(Unit, Decimal) -> String,
}

const PLAIN: Style = Style { money, signed, value: |u, v| u.show(v) };

/// [`solution_text`] in a given style.
pub(super) fn solution_text_in(
    scheme_id: &str,
    against: &str,
    s: &Solution,
    style: &Style,
) -> String {
    let (money, signed) = (style.money, style.signed);
    let show = |v: Decimal| (style.value)(s.unit, v);
    let mut rows: Vec<(String, String)> = vec![
        (format!("{against} costs"), money(s.goal)),
        (format!("{scheme_id} as written ({} = {})", s.lever, show(s.base)), money(s.base_total)),
        (
            format!("{scheme_id} with {} = {}", s.lever, show(s.value)),
            format!("{} (residual {})", money(s.total), signed(s.residual)),
        ),
    ];
    if let Some(o) = &s.other_side {
        rows.push((
            format!("{scheme_id} with {} = {}", s.lever, show(o.value)),
            format!("{} (residual {})", money(o.total), signed(o.total - s.goal)),
        ));
    }
    let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let mut out = format!("cost-neutral {} for `{scheme_id}` against `{against}`\n\n", s.label);
    for (k, v) in &rows {
        out.push_str(&format!("  {k}{}  {v}\n", " ".repeat(width - k.chars().count())));
    }
    let grid = show(s.resolution);
    if s.exact {
        out.push_str(&format!(
            "\nsolution: {} = {}, exact to the penny (the lowest value on a grid of {grid} that costs the same)\n",
            s.lever, show(s.value)
        ));
    } else {
        out.push_str(&format!(
            "\nsolution: {} = {}, the nearest on a grid of {grid}: no value on it costs exactly the same, \
             because each payment line is rounded (a finer --resolution may come closer, where the lever allows)\n",
            s.lever, show(s.value)
        ));
    }
    out
}

/// A solve as CSV: a header and one row (value as a fraction or a number, money with pennies).
pub fn solution_csv(scheme_id: &str, against: &str, s: &Solution) -> String {
    let row = [
        csv_field(scheme_id),
        csv_field(against),
        csv_field(&s.lever),
        s.value.normalize().to_string(),
        money_string(s.total),
        money_string(s.goal),
        money_string(s.residual),
        s.exact.to_string(),
        s.resolution.normalize().to_string(),
    ];
    format!("scheme,against,lever,value,total,goal,residual,exact,resolution\n{}\n", row.join(","))
}
