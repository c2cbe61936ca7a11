//! Unit tests of the checker; the snapshot tests in `tests/check/` cover every message.

use super::*;
use crate::scheme::{Kind, Status};
use rust_decimal::Decimal;

const HEADER: &str =
    "scheme p \"Parent\" { period 2019-04-01 to 2020-03-31, point value £187.74 }\n";

fn ok(text: &str) -> Scheme {
    let (sources, c) = check_text("t.qof", text);
    let rendered: Vec<String> = c.diagnostics.iter().map(|d| sources.render(d)).collect();
    assert!(c.diagnostics.is_empty(), "{}", rendered.join("\n"));
    c.scheme.expect("a scheme")
}

fn codes(text: &str) -> Vec<&'static str> {
    let (_, c) = check_text("t.qof", text);
    c.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

#[test]
fn builds_a_simple_scheme() {
    let s = ok(&format!(
        "{HEADER}codelist A \"a\" snomed {{ 3, 1, 2 }}\ncodelist B \"b\" includes A, C\ncodelist C \"c\" snomed {{ 2, 9 }}\n\
         register DM \"r\" {{ where B }}\n\
         indicator I \"i\" {{ group DM, domain CL, points 10, thresholds 40% to 90%, denominator DM, achieved when A in last 12 months }}\n"
    ));
    assert_eq!(s.codelist("B").map(|c| c.codes.clone()), Some(vec![1, 2, 3, 9]));
    let r = s.register("DM").expect("register");
    assert_eq!((r.list_type.id.as_str(), r.prevalence_adjusted), ("TOTAL", true));
    let i = s.indicator("I").expect("indicator");
    assert_eq!(i.kind, Kind::Fraction);
    assert_eq!(i.points, Decimal::from(10));
    let t = i.thresholds.expect("thresholds");
    assert_eq!((t.lower, t.upper), (Decimal::new(40, 2), Decimal::new(90, 2)));
    assert_eq!(i.origin.status, Status::Defined);
}

#[test]
fn inheritance_keep_change_and_retire() {
    let mut sources = Sources::default();
    sources.add(
        "p.qof",
        format!(
            "{HEADER}codelist A \"a\" snomed {{ 1 }}\n\
             indicator X \"x\" {{ group G, domain D, points 5, attested }}\n\
             indicator Y \"y\" {{ group G, domain D, points 6, thresholds 10% to 20%, denominator patients, achieved when A }}\n\
             indicator Z \"z\" {{ group G, domain D, points 7, attested }}\n"
        ),
    );
    let root = sources.add(
        "c.qof",
        "scheme c \"Child\" extends p { point value £1 }\nkeep X, Y\nchange Y { thresholds 15% to 25% }\n",
    );
    let c = check(&mut sources, root);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let s = c.scheme.expect("scheme");
    let ids: Vec<&str> = s.indicators.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["X", "Y"]);
    assert_eq!(s.lineage, ["c", "p"]);
    assert_eq!(s.point_value, Decimal::ONE);
    let y = s.indicator("Y").expect("Y");
    assert_eq!(y.origin.status, Status::Changed);
    assert_eq!(y.changed, ["thresholds"]);
    assert_eq!(y.thresholds.map(|t| t.lower), Some(Decimal::new(15, 2)));
    assert_eq!(s.indicator("X").map(|i| i.origin.status), Some(Status::Inherited));
}

#[test]
fn cycles_are_errors_not_hangs() {
    let c = codes(&format!(
        "{HEADER}define a = b\ndefine b = a\ncodelist L \"l\" includes M\ncodelist M \"m\" includes L\n\
         register R \"r\" {{ where a and L }}\n"
    ));
    assert_eq!(c.iter().filter(|c| **c == "cycle").count(), 2, "{c:?}");
    let (_, c) = check_text("t.qof", "scheme a \"a\" extends a { }");
    assert!(c.diagnostics.iter().any(|d| d.code == "extends-cycle"), "{:#?}", c.diagnostics);
}

#[test]
fn long_chains_do_not_overflow_the_stack() {
    let chain = |defines: usize| {
        let mut text = HEADER.to_string();
        text.push_str("codelist L0 \"l\" snomed { 1 }\n");
        for i in 1..5_000 {
            text.push_str(&format!("codelist L{i} \"l\" includes L{}\n", i - 1));
        }
        text.push_str("define d0 = L4999\n");
        for i in 1..defines {
            text.push_str(&format!("define d{i} = d{}\n", i - 1));
        }
        text.push_str(&format!("register R \"r\" {{ where d{} }}\n", defines - 1));
        text
    };
    // code lists include each other to any depth; definitions up to the depth limit
    let s = ok(&chain(MAX_CONDITION_DEPTH - 1));
    assert_eq!(s.codelist("L4999").map(|c| c.codes.clone()), Some(vec![1]));
    assert_eq!(codes(&chain(5_000)), ["too-deep"]);
}

#[test]
fn code_list_files_are_found_relative_to_the_rule_file() {
    let mut sources = Sources::default();
    let root = sources.add(
        "rules/x.qof",
        format!("{HEADER}codelist A \"a\" from \"codes/a.csv\"\nregister R \"r\" {{ where A }}\n"),
    );
    let (f, _) = crate::syntax::parse(&sources.files[root].text, root);
    assert_eq!(referenced_files(&f), ["codes/a.csv"]);
    assert_eq!(resolve_path("rules/x.qof", "codes/a.csv"), "rules/codes/a.csv");
    assert_eq!(resolve_path("rules/x.qof", "../a.csv"), "a.csv");
    let missing = check(&mut sources.clone(), root);
    assert_eq!(missing.diagnostics[0].code, "missing-file");
    sources.add("rules/codes/a.csv", "code,term\n5,x\n4,y\n");
    let c = check(&mut sources, root);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(c.scheme.and_then(|s| s.codelist("A").map(|c| c.codes.clone())), Some(vec![4, 5]));
}

#[test]
fn parents_are_found_among_the_shipped_schemes() {
    // every shipped scheme checks cleanly, and can be extended by id without being given
    for (path, text) in crate::shipped::SCHEMES {
        let (sources, c) = check_text(path, text);
        let errors: Vec<String> =
            c.diagnostics.iter().filter(|d| d.is_error()).map(|d| sources.render(d)).collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        let id = load::header_id(text).expect("a shipped scheme has a header");
        let child = format!("scheme local_child \"Child\" extends {id} {{ }}\n");
        let (sources, c) = check_text("child.qof", &child);
        assert!(c.errors() == 0, "{:#?}", c.diagnostics);
        let s = c.scheme.expect("scheme");
        assert_eq!(s.lineage[..2], ["local_child".to_string(), id.to_string()]);
        assert!(sources.files.iter().any(|f| f.name == *path));
        assert!(s.indicators.iter().all(|i| i.origin.status != Status::Defined));
    }
}

#[test]
fn a_gateway_may_require_obligations() {
    let s = ok(&format!(
        "{HEADER}obligation PLAN \"Shared plan\"\n\
         indicator FG1 \"e-referrals\" {{ group FG, domain FND, points 1, attested }}\n\
         gateway G \"Gateway\" {{ requires PLAN, FG1; pays £100 once }}\n"
    ));
    assert_eq!(s.gateways[0].requires, vec!["PLAN".to_string(), "FG1".to_string()]);
    // a name that is neither is still an error, with both kinds suggested
    let c = codes(&format!(
        "{HEADER}obligation PLAN \"Shared plan\"\ngateway G \"Gateway\" {{ requires PLAM }}\n"
    ));
    assert_eq!(c, vec!["undefined-name"]);
}

#[test]
fn rounding_mode_and_unit_reach_the_pay_phase() {
    let s = ok("scheme p \"P\" { period 2019-04-01 to 2020-03-31, point value £1, rounding cpi 2 decimals, payment 2 decimals per group, half even }\n");
    assert_eq!(s.rounding_mode, Some(crate::syntax::ast::RoundingMode::HalfEven));
    let r = crate::compile::pay_scheme(&s).rounding;
    assert_eq!(r.mode, crate::pay::RoundingMode::HalfEven);
    assert_eq!(r.payment_per, crate::pay::PaymentUnit::Group);
    assert_eq!((r.cpi, r.payment), (Some(2), 2));
    // unstated: half up, per line
    let s = ok("scheme p \"P\" { period 2019-04-01 to 2020-03-31, point value £1 }\n");
    let r = crate::compile::pay_scheme(&s).rounding;
    assert_eq!(r.mode, crate::pay::RoundingMode::HalfAwayFromZero);
    assert_eq!(r.payment_per, crate::pay::PaymentUnit::Line);
}

/// A chain of `n` files, each extending the one before and adding an indicator; the root is
/// the last. With `keep` every file keeps what it inherits.
fn extends_chain(n: usize, keep: bool) -> (Sources, usize) {
    let mut sources = Sources::default();
    sources.add(
        "s0.qof",
        "scheme s0 \"T\" { period 2019-04-01 to 2020-03-31, point value £187.74 }\n\
         codelist A \"A\" snomed { 1 }\n\
         register R \"R\" { where A, not prevalence adjusted }\n\
         indicator I0 \"I\" { group R, domain CL, points 1, thresholds 10% to 20%, denominator R, achieved when A }\n",
    );
    for k in 1..n {
        let keep = if keep { format!("keep I{}\n", k - 1) } else { String::new() };
        sources.add(
            format!("s{k}.qof"),
            format!(
                "scheme s{k} \"T\" extends s{} {{ }}\n{keep}\
                 indicator I{k} \"I\" {{ group R, domain CL, points 1, thresholds 10% to 20%, denominator R, achieved when A }}\n",
                k - 1
            ),
        );
    }
    (sources, n - 1)
}

/// Issue #21: checking an 800-file `extends` chain took 10.6 s (about cubic: every step
/// re-read every file's header and copied every inherited indicator). The work is counted,
/// not timed: headers are read once per file, and the symbol tables are walked a bounded
/// number of times, so both grow linearly with the chain.
#[test]
fn a_long_extends_chain_is_checked_in_linear_work() {
    for (n, keep) in [(500, false), (2000, false), (500, true), (2000, true)] {
        work::take(&work::HEADERS);
        work::take(&work::TABLE_STEPS);
        let (mut sources, root) = extends_chain(n, keep);
        let c = check(&mut sources, root);
        assert_eq!(c.errors(), 0, "{:?}", c.diagnostics.first());
        // with `keep`, each file keeps the one indicator it inherits from its parent's own
        let indicators = if keep { 2 } else { n };
        assert_eq!(c.scheme.as_ref().map(|s| s.indicators.len()), Some(indicators));
        assert_eq!(c.scheme.as_ref().map(|s| s.lineage.len()), Some(n));
        // quadratic work would be about n * n / 2: 2,000,000 for n = 2000; with `keep` each
        // file walks the (compacted) table of what it inherits, at most 17 slots here
        let headers = work::take(&work::HEADERS);
        assert_eq!(headers, n, "headers read for a chain of {n}");
        let steps = work::take(&work::TABLE_STEPS);
        assert!(steps <= 20 * n, "{steps} table steps for a chain of {n} (keep: {keep})");
    }
}
