//! `qofrules eval --format html`: one self-contained page of a pay run. The totals; each
//! indicator summed over the practices (counts, achievement, points, pounds); the
//! distribution of practices' achievement for each fraction indicator, with its thresholds
//! marked; each practice (points, payment, CPI, the APDF of each prevalence-adjusted group);
//! the networks; the reporting strata (age, sex, deprivation, frailty... from `report by`) as
//! tables with bars; the warnings. Every figure is the pay result's own exact decimal (the
//! JSON's); rows carry their figures in `data-` attributes so tests and scripts can read them.

use super::{
    escape, geometry, header, money, num_cell, number, page_end, page_start, percent,
    population_line, text_cell,
};
use crate::compile::Program;
use crate::pay::numeric::{div, money_string, ExactSum};
use crate::pay::{IndicatorKind, PayScheme, PracticeResult};
use crate::pipeline::JsonOutput;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write;

const EXTRA_CSS: &str = "
.dists{display:flex;flex-wrap:wrap;gap:.5rem 1rem}.dist{width:300px}.dist svg{width:300px;height:auto}
.dist h3{margin:.4rem 0 0;font-size:.9rem}.hbar{fill:#2166ac}.thr{stroke:#b2182b;stroke-width:1.5;stroke-dasharray:3 2}
.pct{display:inline-block;height:.7em;background:#2166ac;vertical-align:middle;margin-left:.4em}
";

/// Sums over practices of one indicator's lines.
#[derive(Default)]
struct Sum {
    group: String,
    kind: &'static str,
    max_points: Decimal,
    register: u64,
    denominator: u64,
    numerator: u64,
    pcas: u64,
    points: ExactSum,
    payment: ExactSum,
    /// Practices' achievements (fraction indicators, defined ones).
    achievements: Vec<Decimal>,
}

/// The whole page. `scheme` is the pay scheme the result was paid under (for thresholds);
/// `prog`, the compiled scheme of an evaluated population (for the written order of the
/// reporting strata); `population`, the name of the population or counts paid (see
/// [`super::population_line`]).
pub fn render(
    out: &JsonOutput<'_>,
    scheme: &PayScheme,
    prog: Option<&Program>,
    population: Option<&str>,
) -> String {
    let r = out.result;
    let title = format!("{} ({})", r.scheme.title, r.scheme.id);
    let mut s = page_start(&title, EXTRA_CSS);
    let _ = write!(
        s,
        "<h1>{}</h1><p>Scheme <code>{}</code>, period ending {}; {} practices.</p>",
        escape(r.scheme.title),
        escape(r.scheme.id),
        escape(&r.scheme.period_end),
        number(r.practices.len())
    );
    s.push_str(&population_line(prog.is_some(), population));
    totals(&mut s, out);
    let sums = indicator_sums(&r.practices);
    indicators(&mut s, scheme, &sums);
    distributions(&mut s, scheme, &sums);
    practices(&mut s, out);
    networks(&mut s, out);
    strata(&mut s, out, scheme, prog);
    if !r.warnings.is_empty() {
        s.push_str("<h2 id=\"warnings\">Warnings</h2><ul>");
        for w in &r.warnings {
            let _ = write!(s, "<li>{}</li>", escape(&w.to_string()));
        }
        s.push_str("</ul>");
    }
    s.push_str(&page_end());
    s
}

fn totals(s: &mut String, out: &JsonOutput<'_>) {
    let r = out.result;
    let n = &r.national;
    let _ = write!(
        s,
        "<h2 id=\"totals\">Totals</h2><table class=\"totals\"><tbody>\
         <tr><th scope=\"row\">Total payment</th><td class=\"n\" data-total-payment=\"{}\">{}</td></tr>\
         <tr><th scope=\"row\">Total points</th><td class=\"n\" data-total-points=\"{}\">{}</td></tr>\
         <tr><th scope=\"row\">Practices</th><td class=\"n\">{}</td></tr></tbody></table>\
         <p class=\"muted\">National average list size {} ({}); national prevalence: {}.</p>",
        money_string(r.total.payment),
        escape(&money(r.total.payment)),
        r.total.points.normalize(),
        number(r.total.points.round_dp(2)),
        number(r.practices.len()),
        number(n.average_list_size.normalize()),
        escape(&n.average_list_size_source),
        escape(&n.prevalence_source),
    );
}

fn indicator_sums<'a>(practices: &[PracticeResult<'a>]) -> BTreeMap<&'a str, Sum> {
    let mut sums: BTreeMap<&str, Sum> = BTreeMap::new();
    for p in practices {
        for l in &p.indicators {
            let e = sums.entry(l.id).or_default();
            e.group = l.group.to_string();
            e.kind = l.kind;
            e.max_points = l.max_points;
            e.register += u64::from(l.register.unwrap_or(0));
            e.denominator += u64::from(l.denominator);
            e.numerator += u64::from(l.numerator);
            e.pcas += u64::from(l.pcas);
            e.points.add(l.points);
            e.payment.add(l.payment);
            if l.kind == "fraction" {
                if let Some(a) = l.achievement {
                    e.achievements.push(a);
                }
            }
        }
    }
    sums
}

/// Indicator ids in scheme order, then any other line (historic items) by id.
fn order<'a>(scheme: &'a PayScheme, sums: &'a BTreeMap<&str, Sum>) -> Vec<&'a str> {
    let mut ids: Vec<&str> =
        scheme.indicators.iter().map(|i| i.id.as_str()).filter(|i| sums.contains_key(i)).collect();
    for k in sums.keys() {
        if !ids.contains(k) {
            ids.push(k);
        }
    }
    ids
}

/// A fraction indicator's own thresholds (not one scored per payment stratum).
fn thresholds(scheme: &PayScheme, id: &str) -> Option<(Decimal, Decimal)> {
    match scheme.indicators.iter().find(|i| i.id == id) {
        Some(i) if i.strata.is_empty() => match i.kind {
            IndicatorKind::Fraction { lower, upper } => Some((lower, upper)),
            _ => None,
        },
        _ => None,
    }
}

fn stratified(scheme: &PayScheme, id: &str) -> bool {
    scheme.indicators.iter().any(|i| i.id == id && !i.strata.is_empty())
}

fn indicators(s: &mut String, scheme: &PayScheme, sums: &BTreeMap<&str, Sum>) {
    let _ = write!(
        s,
        "<h2 id=\"indicators\">Indicators</h2><p class=\"muted\">Summed over the practices \
         (network indicators are under Networks). Achievement: all numerators over all \
         denominators.</p><div class=\"wrap\"><table class=\"sortable\" id=\"indicator-table\">{}<tbody>",
        header(&[
            "indicator",
            "group",
            "kind",
            "max points",
            "thresholds",
            "register",
            "denominator",
            "numerator",
            "PCAs",
            "achievement",
            "points",
            "payment",
        ])
    );
    for id in order(scheme, sums) {
        let Some(x) = sums.get(id) else { continue };
        let ach = (x.denominator > 0).then(|| {
            div(Decimal::from(x.numerator), Decimal::from(x.denominator)).unwrap_or_default()
        });
        let thr = match thresholds(scheme, id) {
            Some((l, u)) => format!("{}–{}", percent(Some(l)), percent(Some(u))),
            None if stratified(scheme, id) => "per stratum".to_string(),
            None => String::new(),
        };
        let (points, payment) = (x.points.value(), x.payment.value());
        let _ = write!(
            s,
            "<tr data-indicator=\"{}\" data-denominator=\"{}\" data-numerator=\"{}\" \
             data-points=\"{}\" data-payment=\"{}\">{}{}{}{}{}{}{}{}{}{}{}{}</tr>",
            escape(id),
            x.denominator,
            x.numerator,
            points.normalize(),
            money_string(payment),
            text_cell(id),
            text_cell(&x.group),
            text_cell(x.kind),
            num_cell(&number(x.max_points.normalize()), x.max_points),
            text_cell(&thr),
            num_cell(&number(x.register), Decimal::from(x.register)),
            num_cell(&number(x.denominator), Decimal::from(x.denominator)),
            num_cell(&number(x.numerator), Decimal::from(x.numerator)),
            num_cell(&number(x.pcas), Decimal::from(x.pcas)),
            num_cell(&percent(ach), ach.unwrap_or_default()),
            num_cell(&number(points.round_dp(2)), points),
            num_cell(&money(payment), payment),
        );
    }
    s.push_str("</tbody></table></div>");
}

/// A histogram of practices' achievement (20 bins of 5 points) per fraction indicator, with
/// the lower and upper thresholds drawn as dashed lines.
fn distributions(s: &mut String, scheme: &PayScheme, sums: &BTreeMap<&str, Sum>) {
    s.push_str(
        "<h2 id=\"distributions\">Achievement by practice</h2><p class=\"muted\">Practices per \
         5% band of achievement; dashed: the lower and upper thresholds.</p><div class=\"dists\">",
    );
    let (w, h, left, bottom) = (300.0_f64, 120.0_f64, 24.0_f64, 16.0_f64);
    for id in order(scheme, sums) {
        let Some(x) = sums.get(id) else { continue };
        let Some((lo, up)) = thresholds(scheme, id) else { continue };
        if x.achievements.is_empty() {
            continue;
        }
        let mut bins = [0usize; 20];
        for a in &x.achievements {
            let b = (*a * Decimal::from(20)).floor();
            let b: usize = b.try_into().unwrap_or(0usize).min(19);
            bins[b] += 1;
        }
        let most = bins.iter().copied().max().unwrap_or(1).max(1) as f64;
        let (pw, ph) = (w - left - 4.0, h - bottom - 6.0);
        let _ = write!(
            s,
            "<div data-indicator=\"{0}\" data-lower=\"{1}\" data-upper=\"{2}\" data-bins=\"{3}\" class=\"dist\">\
             <h3>{0}</h3><svg viewBox=\"0 0 {w} {h}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">\
             <title>{0}: practices by achievement, thresholds {4} and {5}</title>",
            escape(id),
            lo.normalize(),
            up.normalize(),
            bins.iter().map(usize::to_string).collect::<Vec<_>>().join(","),
            percent(Some(lo)),
            percent(Some(up)),
        );
        for (k, &n) in bins.iter().enumerate() {
            let bh = n as f64 / most * ph;
            let _ = write!(
                s,
                "<rect class=\"hbar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\"><title>{}–{}%: {n}</title></rect>",
                left + k as f64 * pw / 20.0,
                6.0 + ph - bh,
                pw / 20.0 - 1.0,
                k * 5,
                k * 5 + 5
            );
        }
        for t in [lo, up] {
            let x = left + geometry(t) * pw;
            let _ = write!(
                s,
                "<line class=\"thr\" x1=\"{x:.1}\" y1=\"4\" x2=\"{x:.1}\" y2=\"{:.1}\"/>",
                6.0 + ph
            );
        }
        let _ = write!(
            s,
            "<line class=\"axis\" x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\"/>\
             <text x=\"{left}\" y=\"{2}\">0%</text><text x=\"{1:.1}\" y=\"{2}\" text-anchor=\"end\">100%</text>\
             <text x=\"{3}\" y=\"14\" text-anchor=\"end\">{4}</text></svg></div>",
            6.0 + ph,
            left + pw,
            h - 2.0,
            left - 3.0,
            most as usize
        );
    }
    s.push_str("</div>");
}

fn practices(s: &mut String, out: &JsonOutput<'_>) {
    let r = out.result;
    let mut groups: Vec<&str> = Vec::new();
    for p in &r.practices {
        for g in &p.groups {
            if !groups.contains(&g.group) {
                groups.push(g.group);
            }
        }
    }
    let mut cols = vec!["practice", "network", "list size", "points", "payment", "CPI"];
    let apdf: Vec<String> = groups.iter().map(|g| format!("APDF {g}")).collect();
    cols.extend(apdf.iter().map(String::as_str));
    let _ = write!(
        s,
        "<h2 id=\"practices\">Practices</h2><p class=\"muted\">CPI = list size / national \
         average list size; APDF = practice prevalence / national prevalence, per \
         prevalence-adjusted group.</p><div class=\"wrap\"><table class=\"sortable\" id=\"practice-table\">{}<tbody>",
        header(&cols)
    );
    for p in &r.practices {
        let _ = write!(
            s,
            "<tr data-practice=\"{}\" data-payment=\"{}\" data-points=\"{}\">{}{}{}{}{}{}",
            escape(p.practice_id),
            money_string(p.payment),
            p.points.normalize(),
            text_cell(p.practice_id),
            text_cell(p.network_id.unwrap_or("")),
            num_cell(
                &p.list_size.map_or(String::new(), number),
                Decimal::from(p.list_size.unwrap_or(0))
            ),
            num_cell(&number(p.points.round_dp(2)), p.points),
            num_cell(&money(p.payment), p.payment),
            num_cell(
                &p.cpi.map_or(String::new(), |c| number(c.round_dp(4))),
                p.cpi.unwrap_or_default()
            ),
        );
        for g in &groups {
            match p.groups.iter().find(|x| x.group == *g) {
                Some(x) => s.push_str(&num_cell(&number(x.apdf.round_dp(4)), x.apdf)),
                None => s.push_str("<td></td>"),
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
}

fn networks(s: &mut String, out: &JsonOutput<'_>) {
    let r = out.result;
    if r.networks.is_empty() {
        return;
    }
    let _ = write!(
        s,
        "<h2 id=\"networks\">Networks</h2><table class=\"sortable\" id=\"network-table\">{}<tbody>",
        header(&[
            "network",
            "practices",
            "list size",
            "points",
            "payment",
            "practices' payment",
            "receives"
        ])
    );
    for n in &r.networks {
        let _ = write!(
            s,
            "<tr data-network=\"{}\" data-payment=\"{}\">{}{}{}{}{}{}{}</tr>",
            escape(n.network_id),
            money_string(n.payment),
            text_cell(n.network_id),
            num_cell(&number(n.practices), Decimal::from(n.practices)),
            num_cell(&number(n.list_size), Decimal::from(n.list_size)),
            num_cell(&number(n.points.round_dp(2)), n.points),
            num_cell(&money(n.payment), n.payment),
            num_cell(&money(n.practice_payment), n.practice_payment),
            num_cell(&money(n.receives), n.receives),
        );
    }
    s.push_str("</tbody></table>");
}

/// One row of a reporting dimension: (indicator, class) and its denominator, numerator and
/// PCAs summed over the practices.
type StratumRow<'a> = ((&'a str, &'a str), [u64; 3]);

/// The reporting strata summed over practices: per dimension, a table of indicator x class
/// with counts, achievement and a bar of it.
fn strata(s: &mut String, out: &JsonOutput<'_>, scheme: &PayScheme, prog: Option<&Program>) {
    if out.reports.is_empty() {
        return;
    }
    // dimension -> (indicator, class) -> (denominator, numerator, pcas), in first-seen order
    let mut dims: Vec<(&str, Vec<StratumRow<'_>>)> = Vec::new();
    for row in &out.reports {
        let k = match dims.iter().position(|d| d.0 == row.dimension) {
            Some(k) => k,
            None => {
                dims.push((row.dimension, Vec::new()));
                dims.len() - 1
            }
        };
        let rows = &mut dims[k].1;
        let key = (row.indicator, row.class);
        let j = match rows.iter().position(|r| r.0 == key) {
            Some(j) => j,
            None => {
                rows.push((key, [0; 3]));
                rows.len() - 1
            }
        };
        let c = &mut rows[j].1;
        c[0] += u64::from(row.denominator);
        c[1] += u64::from(row.numerator);
        c[2] += u64::from(row.pcas);
    }
    // dimensions and their classes in written order; indicators in scheme order
    let ind_pos =
        |id: &str| scheme.indicators.iter().position(|i| i.id == id).unwrap_or(usize::MAX);
    let dim_classes = |dim: &str| prog.and_then(|p| p.reports.iter().find(|r| r.name == dim));
    dims.sort_by_key(|(dim, _)| {
        prog.and_then(|p| p.reports.iter().position(|r| r.name == *dim)).unwrap_or(usize::MAX)
    });
    for (dim, rows) in &mut dims {
        let classes = dim_classes(dim);
        rows.sort_by_key(|((ind, class), _)| {
            let c = classes.and_then(|d| d.classes.iter().position(|x| x == class));
            (ind_pos(ind), c.unwrap_or(usize::MAX))
        });
    }
    s.push_str(
        "<h2 id=\"strata\">Reporting strata</h2><p class=\"muted\">Counts summed over the \
         practices, per class of each `report by` dimension; they never change money.</p>",
    );
    for (dim, rows) in &dims {
        let _ = write!(
            s,
            "<h3>{}</h3><div class=\"wrap\"><table class=\"sortable strata\">{}<tbody>",
            escape(dim),
            header(&["indicator", "class", "denominator", "numerator", "PCAs", "achievement"])
        );
        for ((ind, class), [den, num, pcas]) in rows {
            let ach = (*den > 0)
                .then(|| div(Decimal::from(*num), Decimal::from(*den)).unwrap_or_default());
            let width = ach.map_or(0.0, |a| geometry(a) * 100.0);
            let _ = write!(
                s,
                "<tr data-dimension=\"{}\" data-indicator=\"{}\" data-class=\"{}\" \
                 data-denominator=\"{den}\" data-numerator=\"{num}\">{}{}{}{}{}\
                 <td class=\"n\" data-v=\"{}\">{}<span class=\"pct\" style=\"width:{width:.0}px\"></span></td></tr>",
                escape(dim),
                escape(ind),
                escape(class),
                text_cell(ind),
                text_cell(class),
                num_cell(&number(den), Decimal::from(*den)),
                num_cell(&number(num), Decimal::from(*num)),
                num_cell(&number(pcas), Decimal::from(*pcas)),
                ach.unwrap_or_default().normalize(),
                escape(&percent(ach)),
            );
        }
        s.push_str("</tbody></table></div>");
    }
}
