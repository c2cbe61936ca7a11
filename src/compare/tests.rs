use super::*;
use crate::compile::{compile, Program};
use crate::date::Date;
use crate::model::{Event, Patient, Population, Practice, Sex};
use crate::scheme::{Scheme, Sources};
use rust_decimal::Decimal;

fn load(text: &str) -> (Sources, Scheme, Program) {
    let (sources, c) = crate::check::check_text("t.qof", text);
    let scheme = match c.scheme {
        Some(s) if c.errors() == 0 => s,
        _ => panic!("{:#?}", c.diagnostics),
    };
    let prog = compile(&scheme);
    (sources, scheme, prog)
}

fn side<'a>(x: &'a (Sources, Scheme, Program)) -> Side<'a> {
    Side { sources: &x.0, scheme: &x.1, program: &x.2 }
}

const HEAD: &str = r#"scheme s "S" { period 2019-04-01 to 2020-03-31, point value £187.74, national average list size 8479 }
codelist DM_COD    "Diabetes" snomed { 44054006 }
codelist DMRES_COD "Diabetes resolved" snomed { 315051004 }
codelist HBA_COD   "IFCC HbA1c" snomed { 999791000000106 }
codelist PCA_COD   "PCA unsuitable" snomed { 1107811000000104 }
register DM "Diabetes mellitus" {
  patients aged 17 or over
  where latest DM_COD is after latest DMRES_COD
  list 17OV
}
indicator DM017 "Register" { group DM, domain CL, points 6, register DM }
"#;

const DM020: &str = r#"
indicator DM020 "HbA1c 58 or less" {
  group DM, domain CL, points 17, thresholds 35% to 75%
  denominator DM
  achieved when latest HBA_COD in last 12 months has value <= 58
  adjustments { unsuitable when PCA_COD in last 12 months }
}
"#;

/// The same indicator, re-indented, with comments and different line breaks.
const DM020_REFORMATTED: &str = r#"
// the HbA1c indicator
indicator DM020 "HbA1c 58 or less" {
    group DM, domain CL, points 17,   thresholds 35% to 75%   // unchanged
    denominator   DM
    achieved when latest HBA_COD in last 12 months
                  has value <= 58
    adjustments {
        unsuitable when PCA_COD in last 12 months   // criterion B
    }
}
"#;

const DM020_STRICTER: &str = r#"
indicator DM020 "HbA1c 58 or less" {
  group DM, domain CL, points 20, thresholds 45% to 80%
  denominator DM
  achieved when latest HBA_COD in last 12 months has value <= 53
  adjustments { unsuitable when PCA_COD in last 12 months }
}
"#;

const DM021: &str = r#"
indicator DM021 "HbA1c 75 or less" {
  group DM, domain CL, points 10, thresholds 40% to 80%
  denominator DM
  achieved when latest HBA_COD in last 12 months has value <= 75
}
"#;

fn scheme(parts: &[&str]) -> (Sources, Scheme, Program) {
    load(&format!("{HEAD}{}", parts.concat()))
}

fn diff_of(a: &(Sources, Scheme, Program), b: &(Sources, Scheme, Program)) -> SchemeDiff {
    diff(&a.1, &a.0, &b.1, &b.0)
}

fn status(d: &SchemeDiff, id: &str) -> DiffStatus {
    d.indicators.iter().find(|i| i.id == id).unwrap().status
}

fn fields(d: &SchemeDiff, id: &str) -> Vec<&'static str> {
    d.indicators.iter().find(|i| i.id == id).unwrap().changes.iter().map(|c| c.field).collect()
}

#[test]
fn diff_of_a_scheme_with_itself_is_empty() {
    let a = scheme(&[DM020, DM021]);
    let d = diff_of(&a, &a);
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(d.indicators.len(), 3);
}

#[test]
fn diff_reports_added_retired_and_changed_with_their_fields() {
    let a = scheme(&[DM020, DM021]);
    let b = load(&format!(
        "{}{DM020_STRICTER}",
        HEAD.replace("point value £187.74", "point value £190.00")
    ));
    let d = diff_of(&a, &b);
    assert_eq!(status(&d, "DM017"), DiffStatus::Unchanged);
    assert_eq!(status(&d, "DM020"), DiffStatus::Changed);
    assert_eq!(status(&d, "DM021"), DiffStatus::Retired);
    assert_eq!(fields(&d, "DM020"), vec!["points", "thresholds", "achieved"]);
    let dm020 = d.indicators.iter().find(|i| i.id == "DM020").unwrap();
    assert_eq!(dm020.changes[0].a, "17");
    assert_eq!(dm020.changes[0].b, "20");
    assert_eq!(dm020.changes[1].a, "35% to 75%");
    assert_eq!(dm020.changes[1].b, "45% to 80%");
    assert!(dm020.changes[2].a.ends_with("<= 58"), "{}", dm020.changes[2].a);
    assert!(dm020.changes[2].b.ends_with("<= 53"), "{}", dm020.changes[2].b);
    // both versions' source text
    assert!(dm020.text_a.as_deref().unwrap().contains("thresholds 35% to 75%"));
    assert!(dm020.text_b.as_deref().unwrap().contains("thresholds 45% to 80%"));
    let dm021 = d.indicators.iter().find(|i| i.id == "DM021").unwrap();
    assert!(dm021.text_a.as_deref().unwrap().starts_with("indicator DM021"));
    assert_eq!(dm021.text_b, None);
    assert_eq!(d.header.len(), 1);
    assert_eq!(d.header[0].field, "point_value");

    // the other way round, DM021 is added
    let back = diff_of(&b, &a);
    assert_eq!(status(&back, "DM021"), DiffStatus::Added);
    let added = back.indicators.last().unwrap();
    assert_eq!(added.id, "DM021");
    assert_eq!(added.text_a, None);
    assert!(added.text_b.as_deref().unwrap().contains("value <= 75"));
}

#[test]
fn a_reformatted_identical_indicator_is_unchanged() {
    let a = scheme(&[DM020]);
    let b = scheme(&[DM020_REFORMATTED]);
    let d = diff_of(&a, &b);
    assert_eq!(status(&d, "DM020"), DiffStatus::Unchanged, "{d:#?}");
    assert!(d.is_empty());
}

#[test]
fn a_code_added_to_a_code_list_changes_the_indicators_using_it() {
    let a = scheme(&[DM020]);
    let b = load(&format!(
        "{}{DM020}",
        HEAD.replace("snomed { 999791000000106 }", "snomed { 999791000000106, 1049301000000100 }")
    ));
    let d = diff_of(&a, &b);
    assert_eq!(fields(&d, "DM020"), vec!["code_lists"]);
    let c = &d.indicators.iter().find(|i| i.id == "DM020").unwrap().changes[0];
    assert!(c.b.contains("1049301000000100") && !c.a.contains("1049301000000100"), "{c:?}");
    // the register does not use HBA_COD
    assert_eq!(status(&d, "DM017"), DiffStatus::Unchanged);
}

#[test]
fn renaming_a_code_list_is_not_a_change() {
    let a = scheme(&[DM020]);
    let renamed = format!("{HEAD}{DM020}").replace("HBA_COD", "HBA1C_COD");
    let b = load(&renamed);
    assert!(diff_of(&a, &b).is_empty());
}

// ------------------------------------------------------------------ impact

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn patient(id: &str, practice: &str, hba: Option<f64>, pca: bool) -> Patient {
    let mut events = vec![Event { date: d("2010-05-01"), code: 44054006, value: None }];
    if let Some(v) = hba {
        events.push(Event { date: d("2019-10-01"), code: 999791000000106, value: Some(v) });
    }
    if pca {
        events.push(Event { date: d("2019-11-01"), code: 1107811000000104, value: None });
    }
    let mut p = Patient {
        patient_id: id.into(),
        practice_id: practice.into(),
        birth_date: d("1950-01-01"),
        sex: Sex::Female,
        registered_on: d("2000-01-01"),
        deregistered_on: None,
        deprivation_decile: None,
        events,
    };
    p.sort_events();
    p
}

fn plain(id: &str, practice: &str) -> Patient {
    let mut p = patient(id, practice, None, false);
    p.events.clear();
    p
}

/// Two practices in one network, one in another: diabetics with HbA1c values around the
/// thresholds, one adjusted, and patients without diabetes.
fn population() -> Population {
    let practice = |id: &str, net: &str| Practice {
        practice_id: id.into(),
        practice_name: format!("Practice {id}"),
        network_id: net.into(),
    };
    let mut patients = vec![
        patient("a1", "P1", Some(50.0), false),
        patient("a2", "P1", Some(55.0), false),
        patient("a3", "P1", Some(70.0), false),
        patient("a4", "P1", None, true),
        patient("b1", "P2", Some(52.0), false),
        patient("b2", "P2", Some(80.0), false),
        patient("c1", "P3", Some(57.0), false),
        patient("c2", "P3", Some(74.0), false),
    ];
    for k in 0..6 {
        patients.push(plain(&format!("x{k}"), ["P1", "P2", "P3"][k % 3]));
    }
    Population {
        practices: vec![practice("P1", "N1"), practice("P2", "N1"), practice("P3", "N2")],
        patients,
    }
}

fn pay_total(
    x: &(Sources, Scheme, Program),
    pop: &Population,
) -> (Decimal, Vec<(String, Decimal)>) {
    let ev = crate::eval::evaluate(&x.2, pop);
    let inputs =
        crate::eval::pay_inputs(&x.1, &x.2, &ev, &crate::national::PrevalenceFrom::Scheme).unwrap();
    let r = crate::pay::pay(&inputs.scheme, &inputs.national, &inputs.data).unwrap();
    let per: Vec<(String, Decimal)> =
        r.practices.iter().map(|p| (p.practice_id.to_string(), p.payment)).collect();
    (r.total.payment, per)
}

#[test]
fn impact_money_is_each_schemes_own_pay_result() {
    let a = scheme(&[DM020, DM021]);
    let b = scheme(&[DM020_STRICTER]);
    let pop = population();
    let c = impact(side(&a), side(&b), &pop).unwrap();
    let (ta, pa) = pay_total(&a, &pop);
    let (tb, pb) = pay_total(&b, &pop);
    assert_eq!(c.total.payment_a, ta);
    assert_eq!(c.total.payment_b, tb);
    assert_eq!(c.total.delta, tb - ta);
    assert!(!c.total.delta.is_zero());
    for (k, p) in c.practices.iter().enumerate() {
        assert_eq!((p.practice_id.clone(), p.payment_a), pa[k]);
        assert_eq!((p.practice_id.clone(), p.payment_b), pb[k]);
        assert_eq!(p.delta, p.payment_b - p.payment_a);
    }
    // networks add up to the totals
    let na: Decimal = c.networks.iter().map(|n| n.payment_a).sum();
    let nb: Decimal = c.networks.iter().map(|n| n.payment_b).sum();
    assert_eq!((na, nb), (ta, tb));
    assert_eq!(c.networks.iter().map(|n| n.practices).sum::<usize>(), 3);
    // indicator payments add up to the total too (no gateways or historic lines here)
    let ia: Decimal = c.indicators.iter().filter_map(|i| i.a.as_ref()).map(|f| f.payment).sum();
    let ib: Decimal = c.indicators.iter().filter_map(|i| i.b.as_ref()).map(|f| f.payment).sum();
    assert_eq!((ia, ib), (ta, tb));
    // every practice falls in exactly one band
    assert_eq!(c.distribution.iter().map(|b| b.practices).sum::<usize>(), 3);
}

#[test]
fn impact_lists_the_patients_who_move_with_explanations() {
    let a = scheme(&[DM020, DM021]);
    let b = scheme(&[DM020_STRICTER]);
    let c = impact(side(&a), side(&b), &population()).unwrap();
    let dm020 = c.indicators.iter().find(|i| i.id == "DM020").unwrap();
    assert_eq!(dm020.status, DiffStatus::Changed);
    let m = dm020.movers.as_ref().unwrap();
    // <= 58 but > 53: a2 (55) and c1 (57) leave the numerator
    let ids: Vec<&str> = m.patients.iter().map(|p| p.patient_id.as_str()).collect();
    assert_eq!(ids, vec!["a2", "c1"]);
    assert_eq!(m.count, 2);
    assert_eq!(m.transitions.get("numerator -> denominator"), Some(&2));
    let a2 = &m.patients[0];
    assert_eq!((a2.a.as_str(), a2.b.as_str()), ("numerator", "denominator"));
    assert!(a2.explanation_a.as_deref().unwrap().contains("55"), "{a2:?}");
    assert!(a2.explanation_b.as_deref().unwrap().contains("55"), "{a2:?}");
    // DM021 retired: every diabetic it counted moves out of the scheme; a4 (no PCA
    // criterion in DM021) was in its denominator
    let dm021 = c.indicators.iter().find(|i| i.id == "DM021").unwrap();
    assert_eq!(dm021.status, DiffStatus::Retired);
    assert_eq!(dm021.b, None);
    let m = dm021.movers.as_ref().unwrap();
    assert_eq!(m.count, 8);
    assert!(m.patients.iter().all(|p| p.b == "not in scheme" && p.explanation_b.is_none()));
    // the register is unchanged: nobody moves
    let dm017 = c.indicators.iter().find(|i| i.id == "DM017").unwrap();
    assert_eq!(dm017.status, DiffStatus::Unchanged);
    assert!(dm017.movers.is_none());
}

#[test]
fn comparing_a_scheme_with_itself_shows_no_change() {
    let a = scheme(&[DM020, DM021]);
    let c = impact(side(&a), side(&a), &population()).unwrap();
    assert!(c.no_change());
    assert!(c.indicators.iter().all(|i| i.status == DiffStatus::Unchanged && i.movers.is_none()));
    assert!(c.practices.iter().all(|p| p.delta.is_zero() && p.payment_a == p.payment_b));
    assert!(c.winners.is_empty() && c.losers.is_empty());
    assert_eq!(c.distribution[3].practices, 3, "all in `no change`");
    // and no_change() can fail
    let b = scheme(&[DM020_STRICTER]);
    assert!(!impact(side(&a), side(&b), &population()).unwrap().no_change());
}

#[test]
fn buckets_split_practice_change_by_percentage() {
    let dec = |s: &str| s.parse::<Decimal>().unwrap();
    let cases = [
        ("100", "80", 0),
        ("100", "90", 1), // exactly -10%: lose 5-10%
        ("100", "95", 2), // exactly -5%: lose 0-5%
        ("100", "99.99", 2),
        ("100", "100", 3),
        ("0", "0", 3),
        ("100", "105", 4),
        ("100", "110", 5),
        ("100", "110.01", 6),
        ("0", "1", 6),
    ];
    for (a, b, want) in cases {
        assert_eq!(super::impact::bucket(dec(a), dec(b)), want, "{a} -> {b}");
    }
}

#[test]
fn impact_json_small_case() {
    let a = scheme(&[DM020, DM021]);
    let b = scheme(&[DM020_STRICTER]);
    let c = impact(side(&a), side(&b), &population()).unwrap();
    insta::assert_json_snapshot!(c);
}

#[test]
fn html_report_has_the_totals_and_escapes_user_text() {
    let a =
        load(&format!("{HEAD}{DM020}").replace(r#""S""#, r#""<script>alert(1)</script> & co""#));
    let b = scheme(&[DM020_STRICTER]);
    let c = impact(side(&a), side(&b), &population()).unwrap();
    let h = html::render(&c);
    assert!(h.starts_with("<!DOCTYPE html>"));
    assert!(h.trim_end().ends_with("</html>"));
    assert!(!h.contains("<script>alert"), "title not escaped");
    assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
    assert!(h.contains(&format!("£{}", grouped(c.total.payment_a))));
    assert!(h.contains(&format!("£{}", grouped(c.total.payment_b))));
    assert!(h.contains("<svg"), "chart");
    assert!(h.contains("@media print"));
    // no external resources at view time
    assert!(!h.contains("src=\"http") && !h.contains("href=\"http"));
    // rule text of the changed indicator is escaped too (`<=` in the condition)
    assert!(h.contains("has value &lt;= 53"));
    // one script element (the sorter), balanced tags for the main elements
    assert_eq!(h.matches("<script>").count(), 1);
    for tag in ["table", "tbody", "thead", "svg", "details", "pre"] {
        assert_eq!(
            h.matches(&format!("<{tag}")).count(),
            h.matches(&format!("</{tag}>")).count(),
            "<{tag}> unbalanced"
        );
    }
}

#[test]
fn unified_diff_marks_removed_and_added_lines() {
    let u = table::unified("a\nb\nc\n", "a\nB\nc\nd\n");
    assert_eq!(u, "   a\n - b\n + B\n   c\n + d\n");
}

#[test]
fn movers_are_the_same_on_any_number_of_threads() {
    let a = scheme(&[DM020, DM021]);
    let b = scheme(&[DM020_STRICTER]);
    let pop = population();
    let wanted: Vec<String> = ["DM017", "DM020", "DM021"].map(String::from).to_vec();
    let one = super::impact::movers(&a.2, &b.2, (&pop, &pop), &wanted, 1);
    assert_eq!(one.len(), 2);
    for threads in [2, 3, 5, 64] {
        assert_eq!(
            super::impact::movers(&a.2, &b.2, (&pop, &pop), &wanted, threads),
            one,
            "{threads}"
        );
    }
}

#[test]
fn table_shows_changed_indicators_as_a_unified_diff_then_the_impact() {
    let a = scheme(&[DM020, DM021]);
    let b = scheme(&[DM020_STRICTER]);
    let c = impact(side(&a), side(&b), &population()).unwrap();
    let t = table::render_table(&c);
    assert!(t.contains("changed DM020 (points, thresholds, achieved): HbA1c 58 or less"), "{t}");
    assert!(t.contains("  thresholds: 35% to 75% -> 45% to 80%"), "{t}");
    assert!(t.contains(" -   group DM, domain CL, points 17, thresholds 35% to 75%\n"), "{t}");
    assert!(t.contains(" +   group DM, domain CL, points 20, thresholds 45% to 80%\n"), "{t}");
    assert!(t.contains("     denominator DM\n"), "unchanged lines are context: {t}");
    assert!(t.contains("retired DM021: HbA1c 75 or less"));
    let diff_at = t.find("== rule changes").unwrap();
    let impact_at = t.find("== impact (patient-level population)").unwrap();
    assert!(diff_at < impact_at);
    assert!(t.contains("total: A £58.56  B £16.79  delta -£41.77 (-71.33%)"), "{t}");
    assert!(t.contains("  DM020: 2 patients (numerator -> denominator: 2)"), "{t}");
    assert!(t.contains("lose > 10%"));
}

#[test]
fn diff_status_is_written_as_it_serialises() {
    use crate::compare::diff::DiffStatus;
    for s in [DiffStatus::Added, DiffStatus::Retired, DiffStatus::Changed, DiffStatus::Unchanged] {
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
    }
}

/// A money amount with its thousands grouped, as the HTML report writes it.
fn grouped(d: Decimal) -> String {
    let plain = crate::pay::numeric::money_string(d);
    let (whole, frac) = plain.split_once('.').unwrap_or((&plain, "00"));
    let digits: Vec<char> = whole.chars().collect();
    let mut out = String::new();
    for (k, ch) in digits.iter().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(*ch);
    }
    format!("{out}.{frac}")
}

#[test]
fn html_report_names_its_population_groups_thousands_and_has_one_minus_sign() {
    let a = load(&format!("{HEAD}{DM020}"));
    let b = scheme(&[DM020_STRICTER]);
    let c = impact(side(&a), side(&b), &population()).unwrap();
    let h = html::render_for(&c, Some("NHS Dudley CCG at scale 0.05, seed 2020 & <co>"));
    assert!(h.contains("Figures are for a patient-level population: NHS Dudley CCG at scale 0.05, seed 2020 &amp; &lt;co&gt;."));
    assert!(!html::render(&c).contains("Figures are for a patient-level population:"));
    // the stricter B loses money: every negative figure has the typographic minus
    assert!(c.total.delta < Decimal::ZERO);
    assert!(h.contains(&format!("−£{}", grouped(-c.total.delta))));
    let body = &h[h.find("<body>").unwrap()..h.find("<script>").unwrap_or(h.len())];
    let text: String = {
        // the report's text, without tags and attributes (CSS and data-v keys are not shown)
        let mut out = String::new();
        let mut in_tag = false;
        for ch in body.chars() {
            match ch {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    };
    for (k, _) in text.match_indices('-') {
        // a sign starts a number (`-£3`, `-1.5%`); `5-10%` is a range
        let next = text[k + 1..].chars().next();
        let prev = text[..k].chars().next_back();
        if prev.is_some_and(|c| c.is_ascii_digit()) {
            continue;
        }
        assert!(
            !next.is_some_and(|c| c.is_ascii_digit() || c == '£'),
            "a hyphen as minus sign in `{}`",
            &text[k.saturating_sub(20)..(k + 20).min(text.len())]
        );
    }
    assert_eq!(super::html::grouped_for_test("1234567.89"), "1,234,567.89");
    assert_eq!(super::html::grouped_for_test("-1000.00"), "-1,000.00");
    assert_eq!(super::html::grouped_for_test("999.5"), "999.5");
}

/// DM020 reported by sex and by a classification only B has; A reports nothing.
const REPORTED: &str = r#"scheme s "S" {
  period 2019-04-01 to 2020-03-31, point value £187.74, national average list size 8479
  report by sex
}
"#;

#[test]
fn reporting_strata_of_either_scheme_are_summed_over_practices() {
    let a = scheme(&[DM020]);
    let b_text = format!("{REPORTED}{}{DM020_STRICTER}", &HEAD[HEAD.find('\n').unwrap() + 1..]);
    let b = load(&b_text);
    let pop = population();
    let c = impact(side(&a), side(&b), &pop).unwrap();
    assert!(!c.reports.is_empty());
    // every stratum row is B's alone (A reports nothing), and its sums are eval's own rows
    let ev = crate::eval::evaluate(&b.2, &pop);
    let rows = crate::eval::report_rows(&b.2, &ev);
    for r in &c.reports {
        assert_eq!(r.a, None, "{r:?}");
        let b = r.b.unwrap();
        let of = rows.iter().filter(|x| {
            x.indicator == r.indicator && x.dimension == r.dimension && x.class == r.class
        });
        let (den, num, pcas) = of.fold((0, 0, 0), |(d, n, p), x| {
            (d + u64::from(x.denominator), n + u64::from(x.numerator), p + u64::from(x.pcas))
        });
        assert_eq!((b.denominator, b.numerator, b.pcas), (den, num, pcas), "{r:?}");
    }
    // the population's diabetics are all women: DM020's sex stratum is `female` only
    let dm020: Vec<_> = c.reports.iter().filter(|r| r.indicator == "DM020").collect();
    assert_eq!(dm020.len(), 1);
    assert_eq!((dm020[0].dimension.as_str(), dm020[0].class.as_str()), ("sex", "female"));
    let b20 = dm020[0].b.unwrap();
    assert_eq!(b20.denominator, 7);
    assert_eq!(b20.achieved(), Some(format!("{:.1}%", b20.numerator as f64 * 100.0 / 7.0)));
    // shown in the table, the HTML report and the JSON
    let table = super::table::render_table(&c);
    assert!(table.contains("reporting strata (summed over practices"), "{table}");
    assert!(
        table.lines().any(|l| l.trim_start().starts_with("DM020      sex        female")),
        "{table}"
    );
    let html = super::html::render(&c);
    assert!(html.contains("<h2>Reporting strata</h2>") && html.contains("id=\"reports\""));
    let json = serde_json::to_value(&c).unwrap();
    assert!(json["reports"][0]["b"]["denominator"].is_u64(), "{json}");
    // the other way round, the counts are A's and B's are absent
    let back = impact(side(&b), side(&a), &pop).unwrap();
    assert!(back.reports.iter().all(|r| r.a.is_some() && r.b.is_none()));
}

#[test]
fn comparisons_without_strata_say_nothing_of_them() {
    let a = scheme(&[DM020]);
    let b = scheme(&[DM020_STRICTER]);
    let c = impact(side(&a), side(&b), &population()).unwrap();
    assert!(c.reports.is_empty());
    assert!(serde_json::to_value(&c).unwrap().get("reports").is_none());
    assert!(!super::table::render_table(&c).contains("reporting strata"));
    assert!(!super::html::render(&c).contains("Reporting strata"));
}

#[test]
fn stratum_achievement_rounds_half_up_to_a_tenth() {
    let s = |numerator, denominator| StratumCounts { denominator, numerator, pcas: 0 };
    assert_eq!(s(2, 3).achieved().as_deref(), Some("66.7%"));
    assert_eq!(s(1, 8).achieved().as_deref(), Some("12.5%"));
    assert_eq!(s(1, 16).achieved().as_deref(), Some("6.3%")); // 6.25 half up
    assert_eq!(s(7, 7).achieved().as_deref(), Some("100.0%"));
    assert_eq!(s(0, 0).achieved(), None);
}
