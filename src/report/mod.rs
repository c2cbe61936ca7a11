//! Self-contained HTML reports: `eval --format html` ([`eval_html`]) and the page parts the
//! sweep report shares with it (inline CSS and JavaScript, escaping, money, sortable
//! tables, SVG charts). No external request at view time: no fonts, scripts, styles or
//! images from anywhere else. Chart geometry is computed in `f64`, for drawing only; every
//! figure printed is the exact `Decimal` of the pay result.

pub mod eval_html;

pub use crate::compare::html::escape;
pub use eval_html::render as eval_html;

use crate::pay::numeric::money_string;
use rust_decimal::Decimal;
use std::fmt::Write;

/// The whole part of a decimal string grouped in threes: `1234567.89` -> `1,234,567.89`.
/// For display in the HTML reports only: JSON and CSV keep the exact plain decimal string.
pub fn grouped(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (whole, frac) = rest.split_once('.').map_or((rest, None), |(w, f)| (w, Some(f)));
    let mut out = String::from(sign);
    for (k, ch) in whole.chars().enumerate() {
        if k > 0 && (whole.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// One minus sign in the reports: the typographic `−`, never a hyphen.
pub fn minus(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => s,
    }
}

/// Pounds with pennies as the HTML reports show them: thousands grouped and the one minus
/// sign, `£178,776.00`, `−£1,234.56`. The digits are the exact decimal's (as the JSON's
/// `"178776.00"`, `docs/money.md`): grouping adds separators, never rounds.
pub fn money(d: Decimal) -> String {
    if d < Decimal::ZERO {
        format!("−£{}", grouped(&money_string(-d)))
    } else {
        format!("£{}", grouped(&money_string(d)))
    }
}

/// Money with a sign: `+£1,000.00`, `−£1.00`, `£0.00`.
pub fn signed_money(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+£{}", grouped(&money_string(d)))
    } else {
        money(d)
    }
}

/// A number (count, points, list size, CPI) as the HTML reports show it: its exact digits
/// with thousands grouped and the one minus sign (`12,345.5`, `−3`).
pub fn number(d: impl std::fmt::Display) -> String {
    minus(grouped(&d.to_string()))
}

/// The line naming what a report's figures are for, as the compare report's does: a
/// patient-level population or published counts, and its name when known (`NHS Dudley CCG at
/// scale 0.05, seed 2020`, the folder or files read).
pub fn population_line(patient_level: bool, population: Option<&str>) -> String {
    format!(
        "<p class=\"muted\" id=\"population\">Figures are for {}{}.</p>",
        if patient_level {
            "a patient-level population"
        } else {
            "published counts (no patient-level detail)"
        },
        population.map(|p| format!(": {}", escape(p))).unwrap_or_default(),
    )
}

/// A fraction as a percentage to two places (`0.7512` -> `75.12%`), empty when unknown.
pub fn percent(d: Option<Decimal>) -> String {
    d.map_or(String::new(), |d| format!("{:.2}%", (d * Decimal::ONE_HUNDRED).round_dp(2)))
}

/// A number cell with its exact value as the sort key.
pub fn num_cell(shown: &str, key: Decimal) -> String {
    format!("<td class=\"n\" data-v=\"{}\">{}</td>", key.normalize(), escape(shown))
}

pub fn text_cell(s: &str) -> String {
    format!("<td>{}</td>", escape(s))
}

/// A sortable table's head.
pub fn header(cols: &[&str]) -> String {
    let mut s = String::from("<thead><tr>");
    for c in cols {
        let _ = write!(s, "<th scope=\"col\" tabindex=\"0\">{}</th>", escape(c));
    }
    s.push_str("</tr></thead>");
    s
}

/// A decimal as an `f64`, for chart geometry only.
pub fn geometry(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(0.0)
}

/// The start of a page: doctype, title, the shared CSS (and `extra` CSS).
pub fn page_start(title: &str, extra_css: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{CSS}{extra_css}</style></head><body>\n",
        escape(title)
    )
}

/// The end of a page: the version line and the sorting script.
pub fn page_end() -> String {
    format!(
        "\n<p class=\"muted\">Made by qofrules {}.</p><script>{JS}</script></body></html>\n",
        crate::version()
    )
}

const CSS: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#111}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}h3{font-size:1rem}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.2rem .5rem;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
th{background:#f3f3f3;cursor:pointer;user-select:none;position:sticky;top:0}
th[aria-sort=ascending]::after{content:' ▲'}th[aria-sort=descending]::after{content:' ▼'}
td.n{text-align:right;white-space:nowrap}
tr.base td{font-weight:600;background:#fffbe6}
.totals{font-size:1.1rem}.totals td{font-weight:600}
.chart{width:100%;height:auto;max-width:900px}
.axis{stroke:#000;stroke-width:1}.grid{stroke:#ddd;stroke-width:1}.chart text{font-size:11px}
.curve{fill:none;stroke:#2166ac;stroke-width:2}.dot{fill:#2166ac}.dot.base{fill:#b2182b}
.mark{stroke:#b2182b;stroke-width:1.5;stroke-dasharray:4 3}.bar{fill:#2166ac}
.wrap{overflow-x:auto}details{margin:.3rem 0}.muted{color:#555}
@media print{body{margin:0;max-width:none;font-size:10pt}th{position:static;cursor:auto}
details{display:block}details>*{display:block}h2{break-after:avoid}tr{break-inside:avoid}}
";

use crate::compare::html::JS;

/// A line chart of `points` (x, y, label, highlighted): axes with the least and most of each,
/// a dot per point with its label as a tooltip, an optional dashed horizontal line at `mark`
/// (with its own label). `title` describes the chart for screen readers.
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[(f64, f64, String, bool)],
    x_ends: (&str, &str),
    y_ends: (&str, &str),
    mark: Option<(f64, &str)>,
) -> String {
    let (w, h) = (900.0_f64, 340.0_f64);
    let (left, right, top, bottom) = (90.0, 20.0, 20.0, 45.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let xs = points.iter().map(|p| p.0);
    let ys = points.iter().map(|p| p.1).chain(mark.map(|m| m.0));
    let (x0, x1) = (xs.clone().fold(f64::INFINITY, f64::min), xs.fold(f64::NEG_INFINITY, f64::max));
    let (y0, y1) = (ys.clone().fold(f64::INFINITY, f64::min), ys.fold(f64::NEG_INFINITY, f64::max));
    let sx = |x: f64| if x1 > x0 { left + (x - x0) / (x1 - x0) * pw } else { left + pw / 2.0 };
    let sy = |y: f64| if y1 > y0 { top + ph - (y - y0) / (y1 - y0) * ph } else { top + ph / 2.0 };
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>{}</title>\
         <line class=\"axis\" x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\
         <line class=\"axis\" x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\"/>",
        escape(title),
        top + ph,
        left + pw,
        top + ph,
        top + ph
    );
    if let Some((y, label)) = mark {
        let _ = write!(
            s,
            "<line class=\"mark\" x1=\"{left}\" y1=\"{0:.2}\" x2=\"{1}\" y2=\"{0:.2}\"/>\
             <text x=\"{1}\" y=\"{2:.2}\" text-anchor=\"end\">{3}</text>",
            sy(y),
            left + pw,
            sy(y) - 4.0,
            escape(label)
        );
    }
    let path: Vec<String> =
        points.iter().map(|p| format!("{:.2},{:.2}", sx(p.0), sy(p.1))).collect();
    if points.len() > 1 {
        let _ = write!(s, "<polyline class=\"curve\" points=\"{}\"/>", path.join(" "));
    }
    for p in points {
        let _ = write!(
            s,
            "<circle class=\"dot{}\" cx=\"{:.2}\" cy=\"{:.2}\" r=\"{}\"><title>{}</title></circle>",
            if p.3 { " base" } else { "" },
            sx(p.0),
            sy(p.1),
            if p.3 { 5 } else { 3 },
            escape(&p.2)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{left}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
         <text x=\"12\" y=\"{}\" transform=\"rotate(-90 12 {})\" text-anchor=\"middle\">{}</text></svg>",
        top + ph + 15.0,
        escape(x_ends.0),
        left + pw,
        top + ph + 15.0,
        escape(x_ends.1),
        left + pw / 2.0,
        h - 6.0,
        escape(x_label),
        left - 4.0,
        top + ph,
        escape(y_ends.0),
        left - 4.0,
        top + 10.0,
        escape(y_ends.1),
        top + ph / 2.0,
        top + ph / 2.0,
        escape(y_label)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_else(|_| panic!("{s}"))
    }

    #[test]
    fn money_is_grouped_in_thousands_with_one_minus_sign_and_exact_digits() {
        assert_eq!(money(d("178776")), "£178,776.00");
        assert_eq!(money(d("1234567.89")), "£1,234,567.89");
        assert_eq!(money(d("999.99")), "£999.99");
        assert_eq!(money(d("1000")), "£1,000.00");
        assert_eq!(money(Decimal::ZERO), "£0.00");
        assert_eq!(money(d("-1234.5")), "−£1,234.50");
        // an unrounded amount keeps every digit: display never rounds
        assert_eq!(money(d("12345.005")), "£12,345.005");
        assert_eq!(signed_money(d("1000")), "+£1,000.00");
        assert_eq!(signed_money(d("-100000")), "−£100,000.00");
        assert_eq!(signed_money(Decimal::ZERO), "£0.00");
    }

    #[test]
    fn numbers_are_grouped_with_one_minus_sign() {
        assert_eq!(number(18371.31_f64), "18,371.31");
        assert_eq!(number(d("-12345.5")), "−12,345.5");
        assert_eq!(number(999u64), "999");
        assert_eq!(number(1_000_000u64), "1,000,000");
        assert_eq!(grouped("-1000.00"), "-1,000.00");
        assert_eq!(minus("-3".to_string()), "−3");
        assert_eq!(minus("3-4".to_string()), "3-4");
    }

    #[test]
    fn the_population_line_names_the_population_escaped() {
        assert_eq!(
            population_line(true, Some("NHS Dudley CCG at scale 0.05, seed 2020 & <co>")),
            "<p class=\"muted\" id=\"population\">Figures are for a patient-level population: \
             NHS Dudley CCG at scale 0.05, seed 2020 &amp; &lt;co&gt;.</p>"
        );
        assert_eq!(
            population_line(false, None),
            "<p class=\"muted\" id=\"population\">Figures are for published counts (no \
             patient-level detail).</p>"
        );
    }
}
