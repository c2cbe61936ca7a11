//! `qofrules eval --format html` (issue #17, step 4): one self-contained page whose figures
//! are the JSON's, over the embedded default population (generated Dudley): QOF 2019/20
//! reported by age band, sex and deprivation decile, and the shipped frailty-stratified
//! variant (payment strata, reported by age band).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::pay::numeric::ExactSum;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::process::Command;

const STRATA: &str =
    "scheme strata_demo \"QOF 2019/20 reported by age, sex and deprivation\" extends qof_2019_20 {
  report by age band 17-39, 40-64, 65+
  report by sex
  report by deprivation decile
}
";

#[test]
fn the_eval_report_of_a_scheme_reporting_by_three_dimensions() {
    let dir = std::env::temp_dir().join(format!("qofrules-eval-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("strata.qof");
    std::fs::write(&path, STRATA).unwrap();
    let html = check_report(path.to_str().unwrap(), STRATA);
    for dim in ["age band", "sex", "deprivation decile"] {
        assert!(html.contains(&format!("<h3>{dim}</h3>")), "{dim}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_eval_report_of_a_scheme_with_payment_strata() {
    let path = "rules/qof-2019-20-stratified.qof";
    let text = qofrules::shipped::SCHEMES.iter().find(|(p, _)| p.ends_with(path)).unwrap().1;
    let html = check_report(path, text);
    // an indicator scored per payment stratum has no thresholds of its own, and no chart
    assert!(html.contains("<td>DM_HBA1C</td><td>DM</td><td>fraction</td><td class=\"n\" data-v=\"27\">27</td><td>per stratum</td>"));
    assert!(!html.contains("<div data-indicator=\"DM_HBA1C\""));
    assert!(html.contains("<div data-indicator=\"DM006\""));
    assert!(html.contains("<h3>age band</h3>"));
}

fn cli(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_qofrules"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// The `data-` attributes of every element whose tag starts `<tag data-`, in page order.
fn elements(html: &str, tag: &str) -> Vec<BTreeMap<String, String>> {
    let open = format!("<{tag} data-");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(k) = rest.find(&open) {
        let from = k + tag.len() + 2;
        let end = rest[from..].find('>').unwrap() + from;
        let mut attrs = BTreeMap::new();
        let mut text = &rest[from..end];
        while let Some(eq) = text.find("=\"") {
            let name = text[..eq].trim().trim_start_matches("data-").to_string();
            let close = text[eq + 2..].find('"').unwrap() + eq + 2;
            attrs.insert(name, text[eq + 2..close].to_string());
            text = &text[close + 1..];
        }
        out.push(attrs);
        rest = &rest[end..];
    }
    out
}

fn d(v: &serde_json::Value) -> Decimal {
    v.as_str().map_or(Decimal::ZERO, |s| s.parse().unwrap())
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Checks the page of `eval --format html` on `path` (whose text is `text`) against `eval
/// --format json`; returns the page.
fn check_report(path: &str, text: &str) -> String {
    let json: serde_json::Value =
        serde_json::from_str(&cli(&["eval", path, "--format", "json"])).unwrap();
    let html = cli(&["eval", path, "--format", "html"]);

    // structure: one page, every section, nothing fetched from elsewhere
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.trim_end().ends_with("</html>"));
    for id in ["totals", "indicators", "distributions", "practices", "strata"] {
        assert!(html.contains(&format!("<h2 id=\"{id}\">")), "section {id}");
    }
    let own = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for external in ["http:", "https:", " src=", "<link", "@import", "url("] {
        assert!(!own.contains(external), "{external}");
    }

    // totals: the JSON's exact amount in the data attribute, shown with thousands grouped
    let total = json["total"]["payment"].as_str().unwrap();
    assert!(!total.contains(','), "the JSON keeps the plain decimal: {total}");
    assert!(
        html.contains(&format!("data-total-payment=\"{total}\">£{}</td>", grouped_by_hand(total)))
    );

    // what the figures are for: the embedded default population, named as compare names it
    assert!(html.contains(
        "<p class=\"muted\" id=\"population\">Figures are for a patient-level population: \
         NHS Dudley CCG at scale 0.05, seed 2020.</p>"
    ));
    check_display(&html);

    // practices: one row each, in the JSON's order, with its payment and points
    let rows = elements(&html, "tr");
    let practices: Vec<_> = rows.iter().filter(|r| r.contains_key("practice")).collect();
    let want = json["practices"].as_array().unwrap();
    assert_eq!(practices.len(), want.len());
    for (row, p) in practices.iter().zip(want) {
        assert_eq!(row["practice"], p["practice_id"].as_str().unwrap());
        assert_eq!(row["payment"], p["payment"].as_str().unwrap());
        assert_eq!(dec(&row["points"]), d(&p["points"]));
    }

    // indicators: sums of the practices' lines (points summed exactly, rounded once, as
    // docs/money.md says of sums of unrounded values; pennies add exactly anyway)
    let mut sums: BTreeMap<String, (Decimal, ExactSum, u64, u64)> = BTreeMap::new();
    for p in want {
        for l in p["indicators"].as_array().unwrap() {
            let e = sums.entry(l["id"].as_str().unwrap().to_string()).or_default();
            e.0 += d(&l["payment"]);
            e.1.add(d(&l["points"]));
            e.2 += l["denominator"].as_u64().unwrap();
            e.3 += l["numerator"].as_u64().unwrap();
        }
    }
    let indicators: Vec<_> = rows
        .iter()
        .filter(|r| r.contains_key("indicator") && !r.contains_key("dimension"))
        .collect();
    assert_eq!(indicators.len(), sums.len());
    let mut paid = Decimal::ZERO;
    for row in &indicators {
        let (payment, points, den, num) = sums[&row["indicator"]];
        assert_eq!(dec(&row["payment"]), payment, "{}", row["indicator"]);
        assert_eq!(dec(&row["points"]), points.value(), "{}", row["indicator"]);
        assert_eq!(row["denominator"], den.to_string());
        assert_eq!(row["numerator"], num.to_string());
        paid += payment;
    }
    // no network indicators here: the indicators add up to the total
    assert_eq!(paid, d(&json["total"]["payment"]));

    // reporting strata: sums over practices of the JSON's report rows
    let mut strata: BTreeMap<(String, String, String), (u64, u64)> = BTreeMap::new();
    for r in json["reports"].as_array().unwrap() {
        let key = (
            r["dimension"].as_str().unwrap().to_string(),
            r["indicator"].as_str().unwrap().to_string(),
            r["class"].as_str().unwrap().to_string(),
        );
        let e = strata.entry(key).or_default();
        e.0 += r["denominator"].as_u64().unwrap();
        e.1 += r["numerator"].as_u64().unwrap();
    }
    let shown: Vec<_> = rows.iter().filter(|r| r.contains_key("dimension")).collect();
    assert!(!strata.is_empty());
    assert_eq!(shown.len(), strata.len());
    for row in shown {
        let key = (row["dimension"].clone(), row["indicator"].clone(), row["class"].clone());
        let (den, num) = strata[&key];
        assert_eq!(row["denominator"], den.to_string(), "{key:?}");
        assert_eq!(row["numerator"], num.to_string(), "{key:?}");
    }

    // achievement distributions: every practice with an achievement counted once, and the
    // thresholds the scheme pays on
    let (_, checked) = qofrules::check::check_text(path, text);
    let pay = qofrules::compile::pay_scheme(&checked.scheme.unwrap());
    let dists = elements(&html, "div");
    let dists: Vec<_> = dists.iter().filter(|r| r.contains_key("bins")).collect();
    assert!(dists.len() > 30);
    for dist in dists {
        let id = &dist["indicator"];
        let counted: usize = dist["bins"].split(',').map(|b| b.parse::<usize>().unwrap()).sum();
        let defined = want
            .iter()
            .filter(|p| {
                p["indicators"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|l| l["id"] == **id && !l["achievement"].is_null())
            })
            .count();
        assert_eq!(counted, defined, "{id}");
        let ind = pay.indicators.iter().find(|i| &i.id == id).unwrap();
        let qofrules::pay::IndicatorKind::Fraction { lower, upper } = ind.kind else {
            panic!("{id} is not a fraction")
        };
        assert!(ind.strata.is_empty(), "{id}: a stratified indicator has no thresholds of its own");
        assert_eq!((dec(&dist["lower"]), dec(&dist["upper"])), (lower, upper), "{id}");
    }
    html
}

/// A plain decimal string's whole part grouped in threes (`178776.00` -> `178,776.00`),
/// written independently of the report's own code.
pub fn grouped_by_hand(plain: &str) -> String {
    let (whole, frac) = plain.split_once('.').unwrap_or((plain, ""));
    let mut groups: Vec<String> = Vec::new();
    let mut rest = whole;
    while rest.len() > 3 {
        groups.insert(0, rest[rest.len() - 3..].to_string());
        rest = &rest[..rest.len() - 3];
    }
    groups.insert(0, rest.to_string());
    let g = groups.join(",");
    if frac.is_empty() {
        g
    } else {
        format!("{g}.{frac}")
    }
}

/// The text a reader sees in a report's number cells, pound amounts and totals: digits grouped
/// in thousands (no run of four digits or more before the decimal point) and no hyphen as a
/// minus sign (`−`). Returns how many figures it checked.
pub fn check_display(html: &str) -> usize {
    let body = &html[html.find("<body>").unwrap()..html.find("<script>").unwrap_or(html.len())];
    // the figures: each number cell's text, and each `£` amount anywhere in the text
    let mut figures: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(k) = rest.find("<td class=\"n\"") {
        let open = rest[k..].find('>').unwrap() + k + 1;
        let close = rest[open..].find("</td>").unwrap() + open;
        let cell = &rest[open..close];
        // a cell may hold a bar after its figure
        figures.push(cell.split('<').next().unwrap().to_string());
        rest = &rest[close..];
    }
    let mut text = String::new();
    let mut in_tag = false;
    for ch in body.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    for (k, _) in text.match_indices('£') {
        let before = text[..k].chars().next_back();
        let amount: String = text[k..]
            .chars()
            .take_while(|c| *c == '£' || *c == ',' || *c == '.' || c.is_ascii_digit())
            .collect();
        figures.push(format!("{}{amount}", before.map_or(String::new(), String::from)));
    }
    assert!(!figures.is_empty());
    for f in &figures {
        assert!(!f.contains("-£") && !f.starts_with('-'), "a hyphen as minus sign: `{f}`");
        let mut digits = 0;
        let mut after_point = false;
        for c in f.chars() {
            if c.is_ascii_digit() {
                digits += 1;
                assert!(after_point || digits <= 3, "thousands not grouped: `{f}`");
            } else {
                after_point = c == '.';
                digits = 0;
            }
        }
    }
    figures.len()
}

#[test]
fn the_editor_s_eval_report_is_the_cli_s_byte_for_byte() {
    let path = "rules/qof-2019-20.qof";
    let text = qofrules::shipped::SCHEMES.iter().find(|(p, _)| p.ends_with(path)).unwrap().1;
    let cli_html = cli(&["eval", path, "--format", "html"]);
    let mut session = qofrules::session::Session::new();
    let reply = session.eval_report(text);
    assert!(reply.ok, "{:?}", reply.errors);
    assert_eq!(reply.value.unwrap().html, cli_html);
}
