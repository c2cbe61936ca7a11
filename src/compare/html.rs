//! The comparison as one self-contained HTML file: inline CSS and a little inline JavaScript
//! (click a column header to sort), an inline SVG chart of practice-level change, print CSS,
//! no network at view time. Every piece of user text (titles, ids, rule text, explanations) is
//! escaped. The same function runs natively (`qofrules compare --format html`) and in wasm.

use super::diff::DiffStatus;
use super::impact::{Comparison, Level, PracticeImpact};
use super::table::{pct as plain_pct, points as plain_points, unified};
use crate::report::{grouped, minus, money, signed_money};
use rust_decimal::Decimal;
use std::fmt::Write;

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
pub(super) fn grouped_for_test(s: &str) -> String {
    grouped(s)
}

fn pct(p: Option<Decimal>) -> String {
    minus(plain_pct(p))
}

fn points(d: Decimal) -> String {
    minus(grouped(&plain_points(d)))
}

/// A table cell with a sort key (`data-v`) for numbers.
fn num_cell(shown: &str, key: Decimal) -> String {
    format!("<td class=\"n\" data-v=\"{}\">{}</td>", key.normalize(), escape(shown))
}

fn text_cell(s: &str) -> String {
    format!("<td>{}</td>", escape(s))
}

fn header(cols: &[&str]) -> String {
    let mut s = String::from("<thead><tr>");
    for c in cols {
        let _ = write!(s, "<th scope=\"col\" tabindex=\"0\">{}</th>", escape(c));
    }
    s.push_str("</tr></thead>");
    s
}

fn delta_class(d: Decimal) -> &'static str {
    if d > Decimal::ZERO {
        "gain"
    } else if d < Decimal::ZERO {
        "loss"
    } else {
        "same"
    }
}

/// The reporting strata of either scheme, when there are any: counts and achievement per
/// indicator, dimension and class under A and B.
fn strata(s: &mut String, c: &Comparison) {
    if c.reports.is_empty() {
        return;
    }
    s.push_str(
        "<h2>Reporting strata</h2><p class=\"muted\">Summed over practices; strata never \
         change money. – where a scheme does not report the indicator by that dimension.</p>",
    );
    s.push_str("<table class=\"sortable\" id=\"reports\">");
    s.push_str(&header(&[
        "indicator",
        "dimension",
        "class",
        "denominator A",
        "denominator B",
        "numerator A",
        "numerator B",
        "PCAs A",
        "PCAs B",
        "achieved A",
        "achieved B",
    ]));
    s.push_str("<tbody>");
    let none = "<td class=\"n\" data-v=\"-1\">–</td>";
    for r in &c.reports {
        let _ = write!(
            s,
            "<tr>{}{}{}",
            text_cell(&r.indicator),
            text_cell(&r.dimension),
            text_cell(&r.class)
        );
        let n = |x: Option<u64>| match x {
            Some(v) => num_cell(&v.to_string(), Decimal::from(v)),
            None => none.to_string(),
        };
        let (a, b) = (r.a, r.b);
        s.push_str(&n(a.map(|x| x.denominator)));
        s.push_str(&n(b.map(|x| x.denominator)));
        s.push_str(&n(a.map(|x| x.numerator)));
        s.push_str(&n(b.map(|x| x.numerator)));
        s.push_str(&n(a.map(|x| x.pcas)));
        s.push_str(&n(b.map(|x| x.pcas)));
        for side in [a, b] {
            match side.and_then(|x| x.achieved().map(|p| (x, p))) {
                Some((x, p)) => {
                    let key = Decimal::from(x.numerator * 100)
                        .checked_div(Decimal::from(x.denominator))
                        .unwrap_or_default();
                    s.push_str(&num_cell(&p, key));
                }
                None => s.push_str(none),
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>\n");
}

fn practice_table(ps: &[PracticeImpact]) -> String {
    let mut s = String::from("<table class=\"sortable\">");
    s.push_str(&header(&[
        "practice",
        "network",
        "list size",
        "points A",
        "points B",
        "payment A",
        "payment B",
        "change",
        "change %",
    ]));
    s.push_str("<tbody>");
    for p in ps {
        let _ = write!(
            s,
            "<tr class=\"{}\">{}{}{}{}{}{}{}{}{}</tr>",
            delta_class(p.delta),
            text_cell(&p.practice_id),
            text_cell(&p.network_id),
            num_cell(
                &p.list_size.map(|n| n.to_string()).unwrap_or_default(),
                Decimal::from(p.list_size.unwrap_or(0)),
            ),
            num_cell(&points(p.points_a), p.points_a),
            num_cell(&points(p.points_b), p.points_b),
            num_cell(&money(p.payment_a), p.payment_a),
            num_cell(&money(p.payment_b), p.payment_b),
            num_cell(&signed_money(p.delta), p.delta),
            num_cell(&pct(p.delta_pct), p.delta_pct.unwrap_or(Decimal::ZERO)),
        );
    }
    s.push_str("</tbody></table>");
    s
}

/// Sorted bars of each practice's change in pounds: gains above the axis (solid, marked `+`),
/// losses below (hatched, marked `−`), so the two differ without colour.
fn chart(c: &Comparison) -> String {
    let mut ps: Vec<&PracticeImpact> = c.practices.iter().collect();
    ps.sort_by(|x, y| x.delta.cmp(&y.delta).then_with(|| x.practice_id.cmp(&y.practice_id)));
    if ps.is_empty() {
        return "<p>No practices.</p>".into();
    }
    let max = ps.iter().map(|p| p.delta.abs()).max().unwrap_or(Decimal::ZERO);
    let (w, h) = (900.0_f64, 320.0_f64);
    let (left, right, top, bottom) = (70.0, 10.0, 20.0, 30.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let any_gain = ps.iter().any(|p| p.delta > Decimal::ZERO);
    let any_loss = ps.iter().any(|p| p.delta < Decimal::ZERO);
    // axis position: gains above, losses below, sized by which exist
    let zero_y = match (any_gain, any_loss) {
        (true, false) => top + plot_h,
        (false, true) => top,
        _ => top + plot_h / 2.0,
    };
    let span = match (any_gain, any_loss) {
        (true, true) => plot_h / 2.0,
        _ => plot_h,
    };
    // Display geometry only: money itself is never a float.
    let maxf: f64 = max.to_string().parse().unwrap_or(0.0);
    let bw = plot_w / ps.len() as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"chart-title\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-title\">Change in payment per \
         practice, B minus A, sorted: {} practices gain, {} lose, {} unchanged</title>\
         <defs><pattern id=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b2182b\" stroke-width=\"3\"/>\
         </pattern></defs>",
        ps.iter().filter(|p| p.delta > Decimal::ZERO).count(),
        ps.iter().filter(|p| p.delta < Decimal::ZERO).count(),
        ps.iter().filter(|p| p.delta.is_zero()).count(),
    );
    for (k, p) in ps.iter().enumerate() {
        let v: f64 = p.delta.to_string().parse().unwrap_or(0.0);
        let len = if maxf > 0.0 { v.abs() / maxf * span } else { 0.0 };
        let x = left + k as f64 * bw;
        let (y, cls) = if v >= 0.0 { (zero_y - len, "bar gain") } else { (zero_y, "bar loss") };
        let _ = write!(
            s,
            "<rect class=\"{cls}\" x=\"{x:.2}\" y=\"{y:.2}\" width=\"{:.2}\" height=\"{len:.2}\">\
             <title>{}: {} ({})</title></rect>",
            (bw * 0.9).max(0.5),
            escape(&p.practice_id),
            escape(&signed_money(p.delta)),
            escape(&pct(p.delta_pct)),
        );
    }
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{zero_y}\" x2=\"{}\" y2=\"{zero_y}\"/>",
        w - right
    );
    if any_gain {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">+{}</text>",
            left - 4.0,
            zero_y - span + 10.0,
            escape(&money(max))
        );
    }
    if any_loss {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">−{}</text>",
            left - 4.0,
            zero_y + span,
            escape(&money(max))
        );
    }
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">£0</text>\
         <text x=\"{left}\" y=\"{}\">largest loss</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">largest gain</text></svg>",
        left - 4.0,
        zero_y + 4.0,
        h - 8.0,
        w - right,
        h - 8.0
    );
    s
}

const CSS: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#111}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.2rem .5rem;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
th{background:#f3f3f3;cursor:pointer;user-select:none;position:sticky;top:0}
th[aria-sort=ascending]::after{content:' ▲'}th[aria-sort=descending]::after{content:' ▼'}
td.n{text-align:right;white-space:nowrap}
tr.gain td:nth-last-child(-n+2){font-weight:600}
tr.loss td:nth-last-child(-n+2){font-style:italic}
.totals{font-size:1.1rem}.totals td{font-weight:600}
pre.diff{background:#fafafa;border:1px solid #ddd;padding:.5rem;overflow-x:auto;font-size:12px}
.diff .add{background:#e6ffec}.diff .del{background:#ffebe9}
.chart{width:100%;height:auto;max-width:900px}
.bar.gain{fill:#2166ac}.bar.loss{fill:url(#hatch);stroke:#b2182b;stroke-width:.5}
.axis{stroke:#000;stroke-width:1}.chart text{font-size:11px}
.legend span{display:inline-block;width:1em;height:1em;vertical-align:middle;margin:0 .3em}
.legend .g{background:#2166ac}.legend .l{background:repeating-linear-gradient(45deg,#b2182b 0 2px,#fff 2px 5px);border:1px solid #b2182b}
details{margin:.3rem 0}.muted{color:#555}
@media print{body{margin:0;max-width:none;font-size:10pt}th{position:static;cursor:auto}
details{display:block}details>*{display:block}h2{break-after:avoid}tr{break-inside:avoid}
.noprint{display:none}pre.diff{white-space:pre-wrap}}
";

/// The reports' script: sortable tables, and details opened for printing (the eval and sweep
/// reports use it too).
pub(crate) const JS: &str = "
document.querySelectorAll('table.sortable').forEach(function(t){
 t.querySelectorAll('th').forEach(function(th,i){
  function go(){
   var asc=th.getAttribute('aria-sort')!=='ascending';
   t.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort')});
   th.setAttribute('aria-sort',asc?'ascending':'descending');
   var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows);
   rows.sort(function(x,y){
    var a=x.cells[i],c=y.cells[i],va=a.getAttribute('data-v'),vc=c.getAttribute('data-v'),r;
    if(va!==null&&vc!==null){r=parseFloat(va)-parseFloat(vc)}else{r=a.textContent.localeCompare(c.textContent)}
    return asc?r:-r});
   rows.forEach(function(r){b.appendChild(r)})}
  th.addEventListener('click',go);
  th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();go()}})
 })});
document.querySelectorAll('details').forEach(function(d){window.addEventListener('beforeprint',function(){d.open=true})});
";

/// The whole report.
/// The national figures of each scheme, then CPI and APDF per practice and group (one table
/// when both schemes pay with the same, else one per scheme).
fn factors(s: &mut String, c: &Comparison) {
    s.push_str("<h2>National figures, CPI and APDF</h2><p>");
    for line in super::table::national_lines(c).lines() {
        let _ = write!(s, "{}<br>", escape(line));
    }
    s.push_str(
        "</p><p class=\"muted\">APDF = practice prevalence / national prevalence, per \
                prevalence-adjusted group; CPI = list size / national average list size.</p>",
    );
    let sides: &[(bool, &str)] = if super::table::same_factors(c) {
        &[(false, "factors")]
    } else {
        &[(false, "factors-a"), (true, "factors-b")]
    };
    for (b, id) in sides {
        if sides.len() == 2 {
            let _ = write!(s, "<h3>{}</h3>", if *b { "B" } else { "A" });
        }
        let rows = super::table::factor_rows(c, *b);
        let head: Vec<&str> = rows[0].iter().map(String::as_str).collect();
        let _ = write!(s, "<table class=\"sortable\" id=\"{id}\">{}<tbody>", header(&head));
        for row in &rows[1..] {
            s.push_str("<tr>");
            for (k, cell) in row.iter().enumerate() {
                if k == 0 {
                    s.push_str(&text_cell(cell));
                } else {
                    let key = cell.trim_end_matches('%').parse::<Decimal>().unwrap_or_default();
                    s.push_str(&num_cell(cell, key));
                }
            }
            s.push_str("</tr>");
        }
        s.push_str("</tbody></table>");
    }
}

/// The report, not naming its population (see [`render_for`]).
pub fn render(c: &Comparison) -> String {
    render_for(c, None)
}

/// The report, naming the population the figures are for (`NHS Dudley CCG at scale 0.05,
/// seed 2020`, or the files read).
pub fn render_for(c: &Comparison, population: Option<&str>) -> String {
    let mut s = String::with_capacity(64 * 1024 + c.practices.len() * 400);
    let title = format!("{} vs {}", c.a.title, c.b.title);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body>\n",
        escape(&title)
    );
    let _ = write!(
        s,
        "<h1>Comparing two schemes</h1><p><strong>A</strong>: {} (<code>{}</code>)<br>\
         <strong>B</strong>: {} (<code>{}</code>)</p><p class=\"muted\">Figures are for {}{}. \
         Changes are B minus A.</p>",
        escape(&c.a.title),
        escape(&c.a.id),
        escape(&c.b.title),
        escape(&c.b.id),
        match c.level {
            Level::Patients => "a patient-level population",
            Level::Counts => "published counts (no patient-level detail)",
        },
        population.map(|p| format!(": {}", escape(p))).unwrap_or_default(),
    );

    // totals
    let _ = write!(
        s,
        "<h2>Total</h2><table class=\"totals\" id=\"totals\"><thead><tr><th></th><th>A</th>\
         <th>B</th><th>change</th></tr></thead><tbody><tr><th scope=\"row\">payment</th>{}{}{}\
         </tr><tr><th scope=\"row\">points</th>{}{}{}</tr></tbody></table>",
        num_cell(&money(c.total.payment_a), c.total.payment_a),
        num_cell(&money(c.total.payment_b), c.total.payment_b),
        num_cell(
            &format!("{} ({})", signed_money(c.total.delta), pct(c.total.delta_pct)),
            c.total.delta
        ),
        num_cell(&points(c.total.points_a), c.total.points_a),
        num_cell(&points(c.total.points_b), c.total.points_b),
        num_cell(&points(c.total.points_b - c.total.points_a), c.total.points_b - c.total.points_a),
    );

    // chart and distribution
    s.push_str(
        "<h2>Change per practice</h2><p class=\"legend\"><span class=\"g\"></span>gain (solid, \
         above the line) <span class=\"l\"></span>loss (hatched, below the line); hover a bar \
         for the practice</p>",
    );
    s.push_str(&chart(c));
    s.push_str("<table class=\"sortable\" id=\"distribution\">");
    s.push_str(&header(&["change", "practices", "total change"]));
    s.push_str("<tbody>");
    for (k, b) in c.distribution.iter().enumerate() {
        let _ = write!(
            s,
            "<tr><td data-v=\"{k}\">{}</td>{}{}</tr>",
            escape(b.label),
            num_cell(&b.practices.to_string(), Decimal::from(b.practices)),
            num_cell(&signed_money(b.delta), b.delta)
        );
    }
    s.push_str("</tbody></table>\n");
    s.push_str("<h2>Largest gains</h2>");
    if c.winners.is_empty() {
        s.push_str("<p>No practice gains.</p>");
    } else {
        s.push_str(&practice_table(&c.winners));
    }
    s.push_str("<h2>Largest losses</h2>");
    if c.losers.is_empty() {
        s.push_str("<p>No practice loses.</p>");
    } else {
        s.push_str(&practice_table(&c.losers));
    }

    // rule changes
    s.push_str("<h2>Rule changes</h2>");
    if c.header.is_empty() {
        s.push_str("<p>Scheme settings: unchanged.</p>");
    } else {
        s.push_str("<table><thead><tr><th>setting</th><th>A</th><th>B</th></tr></thead><tbody>");
        for h in &c.header {
            let _ = write!(
                s,
                "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                escape(h.field),
                escape(&h.a),
                escape(&h.b)
            );
        }
        s.push_str("</tbody></table>");
    }
    let count = |st: DiffStatus| c.indicators.iter().filter(|i| i.status == st).count();
    let _ = write!(
        s,
        "<p>Indicators: {} added, {} retired, {} changed, {} unchanged.</p>",
        count(DiffStatus::Added),
        count(DiffStatus::Retired),
        count(DiffStatus::Changed),
        count(DiffStatus::Unchanged)
    );
    for i in c.indicators.iter().filter(|i| i.status != DiffStatus::Unchanged) {
        let status = match i.status {
            DiffStatus::Added => "added",
            DiffStatus::Retired => "retired",
            _ => "changed",
        };
        let fields: Vec<&str> = i.changes.iter().map(|f| f.field).collect();
        let _ = write!(
            s,
            "<details id=\"rule-{}\"><summary><strong>{}</strong> {}{}: {}</summary>",
            escape(&i.id),
            escape(&i.id),
            status,
            if fields.is_empty() {
                String::new()
            } else {
                format!(" ({})", escape(&fields.join(", ")))
            },
            escape(&i.title)
        );
        s.push_str("<pre class=\"diff\">");
        let text = unified(i.text_a.as_deref().unwrap_or(""), i.text_b.as_deref().unwrap_or(""));
        for line in text.lines() {
            let cls = match line.get(..2) {
                Some(" +") => " class=\"add\"",
                Some(" -") => " class=\"del\"",
                _ => "",
            };
            let _ = writeln!(s, "<span{cls}>{}</span>", escape(line));
        }
        s.push_str("</pre></details>\n");
    }

    // indicators
    s.push_str("<h2>Indicators</h2><p class=\"muted\">Summed over practices.</p>");
    s.push_str("<table class=\"sortable\" id=\"indicators\">");
    s.push_str(&header(&[
        "indicator",
        "status",
        "register A",
        "register B",
        "denominator A",
        "denominator B",
        "numerator A",
        "numerator B",
        "PCAs A",
        "PCAs B",
        "points A",
        "points B",
        "payment A",
        "payment B",
        "change",
    ]));
    s.push_str("<tbody>");
    for i in &c.indicators {
        let status = i.status.as_str().to_string();
        let _ = write!(
            s,
            "<tr class=\"{}\"><td title=\"{}\">{}</td>{}",
            delta_class(i.delta.payment),
            escape(&i.title),
            escape(&i.id),
            text_cell(&status)
        );
        let n = |x: Option<u64>| match x {
            Some(v) => num_cell(&v.to_string(), Decimal::from(v)),
            None => "<td class=\"n\" data-v=\"-1\">–</td>".to_string(),
        };
        let (a, b) = (i.a.as_ref(), i.b.as_ref());
        s.push_str(&n(a.map(|f| f.register)));
        s.push_str(&n(b.map(|f| f.register)));
        s.push_str(&n(a.map(|f| f.denominator)));
        s.push_str(&n(b.map(|f| f.denominator)));
        s.push_str(&n(a.map(|f| f.numerator)));
        s.push_str(&n(b.map(|f| f.numerator)));
        s.push_str(&n(a.map(|f| f.pcas)));
        s.push_str(&n(b.map(|f| f.pcas)));
        let dec = |x: Option<Decimal>, f: fn(Decimal) -> String| match x {
            Some(v) => num_cell(&f(v), v),
            None => "<td class=\"n\" data-v=\"-1\">–</td>".to_string(),
        };
        s.push_str(&dec(a.map(|f| f.points), points));
        s.push_str(&dec(b.map(|f| f.points), points));
        s.push_str(&dec(a.map(|f| f.payment), money));
        s.push_str(&dec(b.map(|f| f.payment), money));
        s.push_str(&num_cell(&signed_money(i.delta.payment), i.delta.payment));
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>\n");

    strata(&mut s, c);

    // movers
    if c.level == Level::Patients {
        s.push_str("<h2>Patients who change class</h2>");
        let moving: Vec<_> = c.indicators.iter().filter(|i| i.movers.is_some()).collect();
        if moving.is_empty() {
            s.push_str("<p>No patient changes class for any indicator.</p>");
        }
        for i in moving {
            let Some(m) = &i.movers else { continue };
            let tr: Vec<String> = m.transitions.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let _ = write!(
                s,
                "<details><summary><strong>{}</strong>: {} patients ({})</summary>\
                 <table><thead><tr><th>patient</th><th>practice</th><th>A</th><th>B</th>\
                 <th>why under A</th><th>why under B</th></tr></thead><tbody>",
                escape(&i.id),
                m.count,
                escape(&tr.join(", "))
            );
            for p in &m.patients {
                let _ = write!(
                    s,
                    "<tr>{}{}{}{}{}{}</tr>",
                    text_cell(&p.patient_id),
                    text_cell(&p.practice_id),
                    text_cell(&p.a),
                    text_cell(&p.b),
                    text_cell(p.explanation_a.as_deref().unwrap_or("")),
                    text_cell(p.explanation_b.as_deref().unwrap_or(""))
                );
            }
            s.push_str("</tbody></table>");
            if (m.count as usize) > m.patients.len() {
                let _ = write!(
                    s,
                    "<p class=\"muted\">The first {} of {} are listed.</p>",
                    m.patients.len(),
                    m.count
                );
            }
            s.push_str("</details>\n");
        }
    }

    // networks and practices
    s.push_str("<h2>Networks</h2><table class=\"sortable\" id=\"networks\">");
    s.push_str(&header(&["network", "practices", "payment A", "payment B", "change", "change %"]));
    s.push_str("<tbody>");
    for n in &c.networks {
        let _ = write!(
            s,
            "<tr class=\"{}\">{}{}{}{}{}{}</tr>",
            delta_class(n.delta),
            text_cell(if n.network_id.is_empty() { "(none)" } else { &n.network_id }),
            num_cell(&n.practices.to_string(), Decimal::from(n.practices)),
            num_cell(&money(n.payment_a), n.payment_a),
            num_cell(&money(n.payment_b), n.payment_b),
            num_cell(&signed_money(n.delta), n.delta),
            num_cell(&pct(n.delta_pct), n.delta_pct.unwrap_or(Decimal::ZERO)),
        );
    }
    s.push_str("</tbody></table>\n<h2>Practices</h2>");
    s.push_str(&practice_table(&c.practices).replacen("<table", "<table id=\"practices\"", 1));
    factors(&mut s, c);
    if !c.warnings_a.is_empty() || !c.warnings_b.is_empty() {
        s.push_str("<h2>Warnings</h2><ul>");
        for w in &c.warnings_a {
            let _ = write!(s, "<li>A: {}</li>", escape(w));
        }
        for w in &c.warnings_b {
            let _ = write!(s, "<li>B: {}</li>", escape(w));
        }
        s.push_str("</ul>");
    }
    let _ = write!(
        s,
        "\n<p class=\"muted\">Made by qofrules {}.</p><script>{JS}</script></body></html>\n",
        escape(crate::version())
    );
    s
}
