//! A sweep as one self-contained HTML page: the cost curve (one lever) or a heat map of the
//! change in cost (two levers), the table of every value, and the change per network. No
//! external request; every figure is the sweep's exact decimal.

use super::lever::Unit;
use super::{LeverInfo, Solution, Sweep};
use crate::report::{
    escape, geometry, header, line_chart, minus, money, num_cell, number, page_end, page_start,
    population_line, signed_money, text_cell,
};
use rust_decimal::Decimal;
use std::fmt::Write;

const EXTRA_CSS: &str = "
.heat td.cell{text-align:right;white-space:nowrap;min-width:5.5em}
.heat td.cell.base{outline:2px solid #111;outline-offset:-2px}
";

/// A lever's value as the page shows it: pounds and points with thousands grouped, the one
/// minus sign (the JSON's `shown` keeps the plain form).
fn show(l: &LeverInfo, v: Decimal) -> String {
    show_unit(l.unit, v)
}

fn show_unit(unit: Unit, v: Decimal) -> String {
    match unit {
        Unit::Pounds => money(v),
        Unit::Points => number(v.normalize()),
        Unit::Percent => minus(unit.show(v)),
    }
}

/// Every value of a point as shown, lever by lever.
fn shown_values(sw: &Sweep, values: &[Decimal]) -> Vec<String> {
    sw.levers.iter().zip(values).map(|(l, v)| show(l, *v)).collect()
}

/// The whole report. `patient_level` and `population` say what its figures are for (see
/// [`population_line`]).
pub fn render(sw: &Sweep, patient_level: bool, population: Option<&str>) -> String {
    let levers: Vec<String> = sw.levers.iter().map(|l| l.label.clone()).collect();
    let title = format!("{}: sweep of {}", sw.scheme.title, levers.join(" by "));
    let mut s = page_start(&title, EXTRA_CSS);
    let _ = write!(
        s,
        "<h1>{}</h1><p>Scheme <code>{}</code> on {} practices. As written ({}) it costs \
         <strong data-base-total=\"{}\">{}</strong>.</p>{}",
        escape(&title),
        escape(&sw.scheme.id),
        number(sw.practices),
        escape(
            &sw.levers
                .iter()
                .map(|l| format!("{} = {}", l.lever, show(l, l.base)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        sw.base.total,
        escape(&money(sw.base.total)),
        population_line(patient_level, population),
    );
    if sw.levers.len() == 1 {
        curve(&mut s, sw);
    } else {
        heat(&mut s, sw);
    }
    values_table(&mut s, sw);
    networks(&mut s, sw);
    s.push_str(
        "<p class=\"muted\">Change: the total (or a practice's, or a network's payment) minus \
         the scheme as written. Per practice: median, quartiles by nearest rank, least and \
         most. Only the pay phase is re-run per value: counts are the same for every row.</p>",
    );
    s.push_str(&page_end());
    s
}

fn curve(s: &mut String, sw: &Sweep) {
    let l = &sw.levers[0];
    let pts: Vec<(f64, f64, String, bool)> = sw
        .points
        .iter()
        .map(|p| {
            (
                geometry(p.values[0]),
                geometry(p.total),
                format!(
                    "{} = {}: {} ({})",
                    l.lever,
                    show(l, p.values[0]),
                    money(p.total),
                    signed_money(p.change)
                ),
                p.is_base,
            )
        })
        .collect();
    let (lo, hi) = (
        sw.points.iter().map(|p| p.total).min().unwrap_or_default(),
        sw.points.iter().map(|p| p.total).max().unwrap_or_default(),
    );
    let lo = lo.min(sw.base.total);
    let hi = hi.max(sw.base.total);
    let first = sw.points.first().map_or(String::new(), |p| show(l, p.values[0]));
    let last = sw.points.last().map_or(String::new(), |p| show(l, p.values[0]));
    let base_label = format!("as written: {}", money(sw.base.total));
    s.push_str("<h2>Cost curve</h2>");
    s.push_str(&line_chart(
        &format!("Total cost by {}", l.label),
        &l.label,
        "total cost",
        &pts,
        (&first, &last),
        (&money(lo), &money(hi)),
        Some((geometry(sw.base.total), &base_label)),
    ));
}

/// A grid of cells, the first lever down, the second across, each the change in total cost,
/// shaded by its size (blue: cheaper, red: dearer) and with its figure written in it.
fn heat(s: &mut String, sw: &Sweep) {
    let (a, b) = (&sw.levers[0], &sw.levers[1]);
    let cols = b.values.len().max(1);
    let max = sw.points.iter().map(|p| p.change.abs()).max().unwrap_or_default();
    let maxf = geometry(max);
    let _ = write!(
        s,
        "<h2>Change in cost</h2><p class=\"muted\">Rows: {}; columns: {}. Each cell: the \
         total minus the scheme as written (outlined); red costs more, blue less.</p>\
         <div class=\"wrap\"><table class=\"heat\"><thead><tr><th>{} \\ {}</th>",
        escape(&a.label),
        escape(&b.label),
        escape(&a.lever),
        escape(&b.lever)
    );
    for p in sw.points.iter().take(cols) {
        let _ = write!(s, "<th>{}</th>", escape(&show(b, p.values[1])));
    }
    s.push_str("</tr></thead><tbody>");
    for row in sw.points.chunks(cols) {
        let _ = write!(s, "<tr><th>{}</th>", escape(&show(a, row[0].values[0])));
        for p in row {
            let v = geometry(p.change);
            let t = if maxf > 0.0 { (v.abs() / maxf).min(1.0) } else { 0.0 };
            let (r, g, bl) = if v > 0.0 {
                (255.0, 255.0 - 150.0 * t, 255.0 - 170.0 * t)
            } else {
                (255.0 - 170.0 * t, 255.0 - 110.0 * t, 255.0)
            };
            let _ = write!(
                s,
                "<td class=\"cell{}\" style=\"background:rgb({:.0},{:.0},{:.0})\" data-v=\"{}\" \
                 title=\"{} = {}, {} = {}: {}\">{}</td>",
                if p.is_base { " base" } else { "" },
                r,
                g,
                bl,
                p.change.normalize(),
                escape(&a.lever),
                escape(&show(a, p.values[0])),
                escape(&b.lever),
                escape(&show(b, p.values[1])),
                escape(&money(p.total)),
                escape(&signed_money(p.change))
            );
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
}

fn values_table(s: &mut String, sw: &Sweep) {
    let mut cols: Vec<&str> = sw.levers.iter().map(|l| l.lever.as_str()).collect();
    cols.extend([
        "total",
        "change",
        "gaining",
        "losing",
        "median change",
        "q1",
        "q3",
        "least",
        "most",
    ]);
    if sw.base.aspiration.is_some() {
        cols.push("aspiration");
    }
    let _ = write!(
        s,
        "<h2>Every value</h2><div class=\"wrap\"><table class=\"sortable\" id=\"values\">{}<tbody>",
        header(&cols)
    );
    for p in &sw.points {
        let _ = write!(s, "<tr{}>", if p.is_base { " class=\"base\"" } else { "" });
        for (v, text) in p.values.iter().zip(shown_values(sw, &p.values)) {
            s.push_str(&num_cell(&text, *v));
        }
        s.push_str(&num_cell(&money(p.total), p.total));
        s.push_str(&num_cell(&signed_money(p.change), p.change));
        s.push_str(&num_cell(&number(p.gaining), Decimal::from(p.gaining)));
        s.push_str(&num_cell(&number(p.losing), Decimal::from(p.losing)));
        for d in [
            p.per_practice.median,
            p.per_practice.q1,
            p.per_practice.q3,
            p.per_practice.min,
            p.per_practice.max,
        ] {
            s.push_str(&num_cell(&signed_money(d), d));
        }
        if let Some(a) = p.aspiration {
            s.push_str(&num_cell(&money(a), a));
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
}

/// The change per network at each value (one lever), or at the grid's corners and the
/// value of largest change (two levers: every cell would be too wide a table).
fn networks(s: &mut String, sw: &Sweep) {
    if sw.networks.is_empty() {
        return;
    }
    let shown: Vec<usize> = if sw.levers.len() == 1 || sw.points.len() <= 12 {
        (0..sw.points.len()).collect()
    } else {
        let n = sw.points.len();
        let cols = sw.levers[1].values.len().max(1);
        let mut v = vec![0, cols - 1, n - cols, n - 1];
        v.sort_unstable();
        v.dedup();
        v
    };
    let _ = write!(
        s,
        "<h2>Change per network</h2><details><summary>{} networks</summary>\
         <div class=\"wrap\"><table class=\"sortable\" id=\"networks\">",
        sw.networks.len()
    );
    let mut cols = vec!["network".to_string(), "as written".to_string()];
    cols.extend(shown.iter().map(|&k| shown_values(sw, &sw.points[k].values).join(", ")));
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    s.push_str(&header(&cols));
    s.push_str("<tbody>");
    for (i, n) in sw.networks.iter().enumerate() {
        s.push_str("<tr>");
        s.push_str(&text_cell(n));
        s.push_str(&num_cell(&money(sw.base.networks[i]), sw.base.networks[i]));
        for &k in &shown {
            let d = sw.points[k].networks[i];
            s.push_str(&num_cell(&signed_money(d), d));
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div></details>");
}

/// A cost-neutral solve as a page (the text `--format table` writes, with money and values as
/// the other pages show them).
pub fn render_solution(
    scheme_id: &str,
    against: &str,
    sol: &Solution,
    patient_level: bool,
    population: Option<&str>,
) -> String {
    let title = format!("Cost-neutral {} for {scheme_id} against {against}", sol.label);
    let mut s = page_start(&title, "");
    let style = super::table::Style { money, signed: signed_money, value: show_unit };
    let _ = write!(
        s,
        "<h1>{}</h1>{}<pre>{}</pre>",
        escape(&title),
        population_line(patient_level, population),
        escape(&super::table::solution_text_in(scheme_id, against, sol, &style))
    );
    s.push_str(&page_end());
    s
}
