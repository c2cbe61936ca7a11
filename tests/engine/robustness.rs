//! The parser and checker never panic and always explain: random bytes, token soup and
//! mutated examples all come back as diagnostics (or a scheme), within the span of the text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::check::check_text;

use crate::resolved;
use crate::rng::Rng;

fn assert_sane(text: &str) {
    let (sources, checked) = check_text("garbage.qof", text);
    for d in &checked.diagnostics {
        let (file, span) = d.source().expect("checker diagnostics are in a file");
        let len = sources.files[file].text.len() as u32;
        assert!(span.start <= span.end && span.end <= len, "{d:?}");
        assert!(!d.message.is_empty());
    }
    assert_eq!(checked.scheme.is_some(), checked.errors() == 0);
    // A scheme the checker accepts is resolved (every name to the right index, every number
    // parsed), so it compiles, and the program has every entry its indices point to.
    if let Some(scheme) = &checked.scheme {
        resolved::assert_resolved(scheme, &qofrules::compile::compile(scheme));
    }
}

/// Every shipped scheme (variants through their whole `extends` chain) is resolved to the
/// names it was written with.
#[test]
fn every_shipped_scheme_is_resolved_to_its_names() {
    for (path, text) in qofrules::shipped::SCHEMES {
        let (_, checked) = check_text(path, text);
        let scheme = checked.scheme.unwrap_or_else(|| panic!("{path} does not check"));
        resolved::assert_resolved(&scheme, &qofrules::compile::compile(&scheme));
    }
}

#[test]
fn ten_megabytes_of_random_bytes_are_errors_not_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let bytes: Vec<u8> = (0..10 * 1024 * 1024).map(|_| rng.next() as u8).collect();
    let text = String::from_utf8_lossy(&bytes);
    let (_, checked) = check_text("random.qof", &text);
    assert!(checked.errors() > 0);
    assert!(checked.scheme.is_none());
    assert_sane(&text);
}

/// The parser recovers after each error (one per broken statement), up to 100; the 101st is
/// `too-many-errors`, which says the rest are not shown.
#[test]
fn the_parser_reports_up_to_a_hundred_errors_then_stops() {
    let mut text =
        String::from("scheme t \"T\" { period 2019-04-01 to 2020-03-31, point value £1 }\n");
    // read past the limit too: `LAST` is known, so naming it is no error
    text.push_str("define D = on register LAST\n");
    for k in 0..150 {
        text.push_str(&format!("register R{k} \"R\" {{ patients aged or over }}\n"));
    }
    text.push_str("register LAST \"L\" { patients aged 17 or over }\n");
    let (_, checked) = check_text("many.qof", &text);
    let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes.len(), 101, "{codes:?}");
    assert!(codes[..100].iter().all(|&c| c != "too-many-errors"), "{codes:?}");
    let last = &checked.diagnostics[100];
    assert_eq!(last.code, "too-many-errors");
    assert!(last.help.as_deref().is_some_and(|h| h.contains("first 100")), "{last:?}");
    // the errors are at the broken statements, in order, not all at one place
    let starts: Vec<u32> =
        checked.diagnostics[..100].iter().map(|d| d.source().unwrap().1.start).collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
    assert_sane(&text);
}

#[test]
fn token_soup_is_errors_not_panics() {
    const TOKENS: &[&str] = &[
        "scheme",
        "codelist",
        "register",
        "define",
        "indicator",
        "keep",
        "retire",
        "change",
        "gateway",
        "tier",
        "obligation",
        "test",
        "{",
        "}",
        "(",
        ")",
        ",",
        ";",
        "=",
        "/",
        "<=",
        "latest",
        "first",
        "in",
        "last",
        "12",
        "months",
        "has",
        "value",
        "58",
        "and",
        "or",
        "not",
        "\"title\"",
        "35%",
        "£5",
        "2019-04-01",
        "2016/17",
        "DM_COD",
        "X",
        "snomed",
        "includes",
        "from",
        "period",
        "to",
        "points",
        "thresholds",
        "denominator",
        "achieved",
        "when",
        "stratum",
        "otherwise",
        "patients",
        "aged",
        "\n",
        "\n",
        " ",
        "//",
        "extends",
        "count",
        "at",
        "least",
        "0",
        "days",
        "apart",
        ">=",
        "2",
        "is",
        "after",
        "before",
        "registration",
    ];
    let mut rng = Rng(42);
    for _ in 0..20 {
        let mut text = String::new();
        while text.len() < 50_000 {
            text.push_str(TOKENS[rng.below(TOKENS.len())]);
            text.push(' ');
        }
        assert_sane(&text);
    }
}

#[test]
fn mutated_examples_are_errors_or_schemes_never_panics() {
    let doc = std::fs::read_to_string("docs/language.md").unwrap();
    let mut blocks = Vec::new();
    let mut cur: Option<String> = None;
    for line in doc.lines() {
        match &mut cur {
            None if line.trim() == "```qof" => cur = Some(String::new()),
            Some(t) if line.trim() == "```" => blocks.push(cur.take().unwrap_or_default()),
            Some(t) => {
                t.push_str(line);
                t.push('\n');
            }
            None => {}
        }
    }
    assert!(!blocks.is_empty());
    let pieces = ["", " ", "0", "}", "{", "not ", "latest ", "X", "100%", "-", "\"", "/", "é"];
    let mut rng = Rng(7);
    for _ in 0..600 {
        let block = &blocks[rng.below(blocks.len())];
        let mut text: Vec<char> = block.chars().collect();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(text.len().max(1));
            match rng.below(3) {
                0 if !text.is_empty() => {
                    let end = (at + 1 + rng.below(8)).min(text.len());
                    text.drain(at..end);
                }
                _ => {
                    let p = pieces[rng.below(pieces.len())];
                    for (i, c) in p.chars().enumerate() {
                        text.insert((at + i).min(text.len()), c);
                    }
                }
            }
        }
        let text: String = text.into_iter().collect();
        assert_sane(&text);
    }
}

const CHAIN_HEAD: &str = "scheme t \"T\" { period 2019-04-01 to 2020-03-31, point value £187.74 }\ncodelist A \"A\" snomed { 1 }\n";

/// A register, an indicator achieved when `achieved`, and a test whose patient has an `A`.
fn chain_tail(register_filter: &str, achieved: &str) -> String {
    format!(
        "register R \"R\" {{ where {register_filter}, not prevalence adjusted }}\n\
         indicator I \"I\" {{ group R, domain CL, points 1, thresholds 10% to 20%\n  denominator R\n  achieved when {achieved}\n}}\n\
         test \"t\" {{\n  patient born 1950-01-01, male, registered 2000-01-01 {{\n    A on 2019-05-01\n  }}\n  expect I numerator\n}}\n"
    )
}

/// `define d0 = A`, then `define dK = d(K-1)` up to `d(n-1)`.
fn define_chain(n: usize) -> String {
    let mut t = String::from(CHAIN_HEAD);
    t.push_str("define d0 = A\n");
    for k in 1..n {
        t.push_str(&format!("define d{k} = d{}\n", k - 1));
    }
    t
}

/// `register Q0 where A`, then `register QK where on register Q(K-1)` up to `Q(n-1)`.
fn register_chain(n: usize) -> String {
    let mut t = String::from(CHAIN_HEAD);
    t.push_str("register Q0 \"Q\" { where A, not prevalence adjusted }\n");
    for k in 1..n {
        t.push_str(&format!(
            "register Q{k} \"Q\" {{ where on register Q{}, not prevalence adjusted }}\n",
            k - 1
        ));
    }
    t
}

/// Chains of references far past the limit (issue #21: 13,500 crashed `test`, 87,000 `eval`)
/// are one located `too-deep` error where the chain first goes over, never a stack overflow.
#[test]
fn chains_of_references_past_the_depth_limit_are_one_located_error() {
    let max = qofrules::check::MAX_CONDITION_DEPTH;
    let n = 100_000;
    let defines = define_chain(n) + &chain_tail("A", &format!("d{}", n - 1));
    let registers = register_chain(n) + &chain_tail(&format!("on register Q{}", n - 1), "A");
    // definitions and registers alternating: dK = on register QK, QK+1 where dK
    let mut mixed = String::from(CHAIN_HEAD);
    mixed.push_str("register Q0 \"Q\" { where A, not prevalence adjusted }\n");
    for k in 0..n / 2 {
        mixed.push_str(&format!("define d{k} = on register Q{k} and A\n"));
        mixed.push_str(&format!(
            "register Q{} \"Q\" {{ where d{k}, not prevalence adjusted }}\n",
            k + 1
        ));
    }
    mixed.push_str(&chain_tail("A", &format!("d{}", n / 2 - 1)));
    // Where each chain first goes over: d0 is 1 deep and each definition adds 1; Q0 is 1 deep
    // and each register adds 2; in the mix, each definition and register pair adds 4 (the
    // reference to the register 2, `and` 1, the reference to the definition 1).
    let expected = [
        (defines, format!("definition `d{max}` nests {} levels deep", max + 1), max + 3),
        (registers, format!("register `Q{}` nests {} levels deep", max / 2, max + 1), max / 2 + 3),
        (mixed, format!("register `Q{}` nests {} levels deep", max / 4, max + 1), 0),
    ];
    for (text, message, line) in expected {
        let (sources, checked) = check_text("chain.qof", &text);
        assert!(checked.scheme.is_none());
        let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        let d = errors[0];
        assert_eq!(d.code.as_str(), "too-deep");
        assert!(d.message.starts_with(&message), "{} is not {message}", d.message);
        assert!(d.help.as_deref().is_some_and(|h| h.contains(&max.to_string())));
        if line > 0 {
            let (file, span) = d.source().unwrap();
            let text = &sources.files[file].text;
            assert_eq!(text[..span.start as usize].lines().count(), line, "{d:?}");
        }
    }
}

/// Parentheses at the parser's limit (`MAX_DEPTH`, with `and`, `or` and `not` at every level
/// and a run of `not`s at the limit inside) parse, check, format, compile and run their test
/// on a 2 MiB thread in this unoptimised build; one level more is `too-deep`.
#[test]
fn parentheses_at_the_limit_parse_check_and_format_on_a_small_stack() {
    let max = qofrules::syntax::parse::MAX_DEPTH;
    let scheme = |depth: usize| {
        let inner = format!("{}A", "not ".repeat(max));
        let cond = format!("{}{inner}{}", "not (B or A and ".repeat(depth), " or B)".repeat(depth));
        format!(
            "scheme t \"t\" {{ period 2019-04-01 to 2020-03-31, point value £1 }}\n\
             codelist A \"a\" snomed {{ 1 }}\ncodelist B \"b\" snomed {{ 2 }}\n\
             define X = {cond}\nregister R \"r\" {{ where X }}\n\
             indicator I \"i\" {{ group G, domain D, points 1, register R }}\n\
             test \"t\" {{ patient born 1950-01-01, registered 2000-01-01 {{ 1 on 2019-05-01 }} expect I numerator }}\n"
        )
    };
    let over = scheme(max + 1);
    let (_, checked) = check_text("over.qof", &over);
    let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["too-deep"]);
    let text = scheme(max);
    let run = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let (tree, diags) = qofrules::syntax::parse(&text, 0);
            assert!(diags.is_empty(), "{diags:#?}");
            assert_eq!(tree.items.len(), 7);
            let (_, checked) = check_text("limit.qof", &text);
            assert_eq!(checked.errors(), 0, "{:#?}", checked.diagnostics);
            let formatted = qofrules::fmt::format(&text).unwrap();
            assert_eq!(qofrules::fmt::format(&formatted).unwrap(), formatted);
            let scheme = checked.scheme.unwrap();
            let prog = qofrules::compile::compile(&scheme);
            let report = qofrules::eval::run_tests(&scheme, &prog);
            assert_eq!(report.tests.len(), 1);
        })
        .unwrap();
    run.join().expect("no stack overflow at the limit");
}

/// A scheme at the limit runs everywhere that recurses over conditions (the evaluator on a
/// 2 MiB thread, as the evaluation threads have, the test runner and explanations), in this
/// unoptimised build, whose stack frames are the largest.
#[test]
fn schemes_at_the_depth_limit_evaluate_explain_and_test_on_a_small_stack() {
    let max = qofrules::check::MAX_CONDITION_DEPTH;
    // achieved when d(max-2): d(max-2) is max-1 deep, the reference one more.
    let defines = define_chain(max - 1) + &chain_tail("A", &format!("d{}", max - 2));
    // The register `R` where Q(k): Qk is 2k+1 deep, the reference 2 more, so k = (max-3)/2.
    let k = (max - 3) / 2;
    let registers = register_chain(k + 1) + &chain_tail(&format!("on register Q{k}"), "A");
    // Nesting inside the last definition of a chain: dJ is J+1 deep, the reference to it one
    // more, each `not (not (E) and A)` 3 more, and `top or A` 2 more (the reference and `or`).
    let nested = |inner: &str| {
        let mut e = inner.to_string();
        for _ in 0..5 {
            e = format!("not (not ({e}) and A)");
        }
        e
    };
    let mut deep = define_chain(max - 18);
    deep.push_str(&format!("define top = {}\n", nested(&format!("d{}", max - 19))));
    deep.push_str(&chain_tail("A", "top or A"));
    let over = deep.replace("top or A", "(top or A) and not A");
    let (_, checked) = check_text("over.qof", &over);
    assert_eq!(checked.errors(), 1, "one level more is over the limit");
    for text in [defines, registers, deep] {
        let (_, checked) = check_text("limit.qof", &text);
        assert_eq!(checked.errors(), 0, "{:#?}", checked.diagnostics);
        let scheme = checked.scheme.unwrap();
        let run = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let prog = qofrules::compile::compile(&scheme);
                let report = qofrules::eval::run_tests(&scheme, &prog);
                assert_eq!(report.passed, 1, "{:?}", report.tests);
                let patient =
                    qofrules::eval::test_patient(&scheme, scheme.period_end, &scheme.tests[0].node)
                        .unwrap();
                let traces = qofrules::eval::explain(&prog, &patient, None);
                assert_eq!(traces.len(), 1);
                let pop = qofrules::model::Population {
                    practices: vec![qofrules::model::Practice {
                        practice_id: patient.practice_id.clone(),
                        practice_name: "P".into(),
                        network_id: "N".into(),
                    }],
                    patients: vec![patient],
                };
                let ev = qofrules::eval::evaluate_with_threads(&prog, &pop, 1);
                assert_eq!(
                    qofrules::eval::classify_patient(&prog, &pop.patients[0]).outcomes.len(),
                    1
                );
                drop(ev);
            })
            .unwrap();
        run.join().expect("no stack overflow at the limit");
    }
}

/// A quoted field of `events.csv` (a comma, a doubled quote, a line end inside the quotes)
/// that spans the boundary between two blocks of the streamed reader reads as it does from
/// memory: for every block size from 1 byte up and on 1 to 3 threads, the same population or
/// the same errors.
#[test]
fn a_quoted_field_spanning_stream_blocks_reads_as_from_memory() {
    use qofrules::population::{read_csv_stream_tuned, read_csv_with_threads, Source};
    let practices = "practice_id,practice_name,network_id\nP1,One,N1\n";
    let patients = "patient_id,practice_id,birth_date,sex,registered_on,deregistered_on,deprivation_decile\n\
        \"a,1\",P1,1950-01-01,F,2000-01-01,,\n\"b\"\"2\",P1,1960-01-01,M,2000-01-01,,3\nc3,P1,1970-01-01,F,2000-01-01,,\n";
    let events_ok = "patient_id,date,code,value\r\n\"a,1\",2019-05-01,44054006,\r\n\
        \"b\"\"2\",\"2019-06-01\",\"999791000000106\",\"57.5\"\r\nc3,2019-07-01,44054006,\r\n\
        \"a,1\",2019-08-01,999791000000106,48\r\n";
    // a line end inside quotes: an error (an id never holds one), at the same row either way
    let events_bad =
        "patient_id,date,code,value\n\"a,1\",2019-05-01,44054006,\n\"c\n3\",2019-07-01,44054006,\n";
    for (events, ok) in [(events_ok, true), (events_bad, false)] {
        let pr = Source::new("practices.csv", practices.as_bytes());
        let pa = Source::new("patients.csv", patients.as_bytes());
        let whole = read_csv_with_threads(pr, pa, Source::new("events.csv", events.as_bytes()), 1);
        assert_eq!(whole.is_ok(), ok, "{whole:?}");
        if let Ok(pop) = &whole {
            let a = pop.patients.iter().find(|p| p.patient_id == "a,1").unwrap();
            assert_eq!(a.events.len(), 2);
            let b = pop.patients.iter().find(|p| p.patient_id == "b\"2").unwrap();
            assert_eq!(b.events.len(), 1);
            assert_eq!(b.events[0].code, 999791000000106);
        }
        for block in 1..=events.len() + 1 {
            for threads in 1..=3 {
                let mut stream = events.as_bytes();
                let streamed =
                    read_csv_stream_tuned(pr, pa, "events.csv", &mut stream, threads, block, 0)
                        .unwrap();
                assert_eq!(streamed, whole, "block {block}, {threads} threads");
            }
        }
    }
}
