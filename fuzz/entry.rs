//! The fuzzed entry points, shared by the cargo-fuzz targets (`fuzz_targets/*.rs`) and by the
//! normal test suite (`tests/engine/fuzz_corpus.rs`, which runs them on mutated seeds), so what the
//! fuzzer checks is also checked on every `cargo test`. Each takes arbitrary bytes and panics
//! only on a broken invariant.
//!
//! Inputs with several files are split on the byte 0xFF, which never occurs in UTF-8 text.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use qofrules::model::Population;
use qofrules::pay::PracticeData;
use qofrules::population::{
    read_csv, read_csv_stream_tuned, read_csv_with_threads, read_ndjson, read_ndjson_stream,
    write_csv, write_ndjson, Source,
};
use qofrules::scheme::Sources;

fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = data.splitn(n, |&b| b == 0xFF).collect();
    v.resize(n, &[]);
    v
}

/// The parser and the checker: no panic; every diagnostic lies within its file and renders;
/// a scheme comes back exactly when there are no errors, compiles, and `inspect` shows it.
/// Up to four files (a root and the files it may extend).
pub fn check(data: &[u8]) {
    let mut sources = Sources::default();
    for (i, part) in data.split(|&b| b == 0xFF).take(4).enumerate() {
        sources.add(format!("f{i}.qof"), String::from_utf8_lossy(part).into_owned());
    }
    let checked = qofrules::check::check(&mut sources, 0);
    for d in &checked.diagnostics {
        if let Some((file, span)) = d.source() {
            let f = &sources.files[file];
            assert!(span.start <= span.end && span.end as usize <= f.text.len(), "{d:?}");
        }
        let _ = sources.render(d);
    }
    assert_eq!(checked.scheme.is_some(), checked.errors() == 0);
    if let Some(s) = &checked.scheme {
        let _ = qofrules::inspect::view(s, &sources);
        let _ = qofrules::compile::compile(s);
    }
}

/// The formatter: a file it formats formats to itself again (idempotence) and still parses
/// without errors (the round trip keeps it a valid file).
pub fn fmt(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(once) = qofrules::fmt::format(&text) {
        let twice = qofrules::fmt::format(&once).expect("formatted text parses");
        assert_eq!(twice, once, "formatting is idempotent");
        // the round trip: a file that parses cleanly has the same syntax tree, spans aside,
        // once formatted
        let (before, diags) = qofrules::syntax::parse(&text, 0);
        if diags.is_empty() {
            let (after, diags) = qofrules::syntax::parse(&once, 0);
            assert!(diags.is_empty(), "{diags:?}");
            assert_eq!(tree(&after.items), tree(&before.items), "formatting keeps the tree");
        }
    }
}

/// A syntax tree as JSON without its spans (`{start, end}` objects of numbers), as
/// `tests/engine/fmt.rs` compares them.
fn tree(items: &[qofrules::syntax::ast::Item]) -> serde_json::Value {
    fn erase(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for key in ["start", "end"] {
                    if map.get(key).is_some_and(serde_json::Value::is_number) {
                        map.remove(key);
                    }
                }
                if map.is_empty() {
                    *v = serde_json::Value::Null;
                    return;
                }
                map.values_mut().for_each(erase);
            }
            serde_json::Value::Array(xs) => xs.iter_mut().for_each(erase),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(items).expect("a syntax tree serialises");
    erase(&mut v);
    v
}

/// The aggregate readers (prevalence, national sums, achievement, historic, attested,
/// structure) on one text: no panic, every error at a line within the text.
pub fn aggregate(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let lines = text.lines().count() + 1;
    let at = |r: Result<(), qofrules::aggregate::DataError>| {
        if let Err(e) = r {
            assert!(e.row.is_some_and(|r| r >= 1 && r <= lines), "{e:?}");
        }
    };
    let mut data = PracticeData::new();
    at(qofrules::aggregate::read_prevalence(&mut data, &text, "p.csv").map(drop));
    at(qofrules::aggregate::sum_prevalence(&text, "p.csv").map(drop));
    let known = [("DM020".to_string(), "DM".to_string())].into_iter().collect();
    for known in [None, Some(&known)] {
        let opts = qofrules::aggregate::AchievementOptions { known, ..Default::default() };
        let mut data = PracticeData::new();
        at(qofrules::aggregate::read_achievement(&mut data, &text, "a.csv", &opts).map(drop));
    }
    at(qofrules::aggregate::read_historic(&mut data, &text, "h.csv").map(drop));
    at(qofrules::aggregate::read_attested(&mut data, &text, "t.csv").map(drop));
    at(qofrules::aggregate::read_structure(&mut data, &text, "s.csv").map(drop));
}

/// The population readers: no panic; what they accept comes back unchanged from a write and a
/// second read; streaming (`events.csv` in tiny blocks over threads, NDJSON a line at a time)
/// gives the same result, errors included, as reading from memory. Parts: practices,
/// patients (also read as NDJSON), events.
pub fn data_readers(data: &[u8]) {
    let p = parts(data, 3);
    let (pr, pa, ev) = (
        Source::new("practices.csv", p[0]),
        Source::new("patients.csv", p[1]),
        Source::new("events.csv", p[2]),
    );
    let whole = read_csv_with_threads(pr, pa, ev, 1);
    let block = 1 + usize::from(data.first().copied().unwrap_or(0)) % 64;
    let mut stream = p[2];
    let streamed = read_csv_stream_tuned(pr, pa, "events.csv", &mut stream, 3, block, 0)
        .expect("a slice never fails to read");
    assert_eq!(streamed, whole);
    if let Ok(pop) = whole {
        let (a, b, c) = write_csv(&pop, Vec::new(), Vec::new(), Vec::new()).unwrap();
        let again = read_csv(
            Source::new("practices.csv", &a),
            Source::new("patients.csv", &b),
            Source::new("events.csv", &c),
        )
        .expect("written CSV reads back");
        assert_eq!(again, pop);
    }
    let nd = Source::new("patients.ndjson", p[1]);
    for with_practices in [None, Some(pr)] {
        let read = read_ndjson(with_practices, nd);
        let mut stream = p[1];
        let streamed = read_ndjson_stream(with_practices, "patients.ndjson", &mut stream)
            .expect("a slice never fails to read");
        assert_eq!(streamed, read);
        if let Ok(pop) = read {
            let (a, b) = write_ndjson(&pop, Vec::new(), Vec::new()).unwrap();
            let again = read_ndjson(
                Some(Source::new("practices.csv", &a)),
                Source::new("patients.ndjson", &b),
            )
            .expect("written NDJSON reads back");
            assert_eq!(again, pop);
        }
    }
}

/// A scheme and a population together: when the scheme checks and the population reads, the
/// evaluation, pay, explanations and in-file tests run without a panic, and the result does
/// not depend on the thread count. Parts: the scheme, then practices, patients and events.
pub fn eval(data: &[u8]) {
    let (scheme_part, rest) = match data.iter().position(|&b| b == 0xFF) {
        Some(k) => (&data[..k], &data[k + 1..]),
        None => (data, &[][..]),
    };
    let (_, checked) = qofrules::check::check_text("f.qof", &String::from_utf8_lossy(scheme_part));
    let Some(scheme) = checked.scheme else { return };
    let prog = qofrules::compile::compile(&scheme);
    let _ = qofrules::eval::run_tests(&scheme, &prog);
    let p = parts(rest, 3);
    let Ok(pop): Result<Population, _> = read_csv(
        Source::new("practices.csv", p[0]),
        Source::new("patients.csv", p[1]),
        Source::new("events.csv", p[2]),
    ) else {
        return;
    };
    for patient in &pop.patients {
        let _ = qofrules::eval::explain(&prog, patient, None);
    }
    let from = qofrules::national::PrevalenceFrom::Population;
    let files = [None, None];
    let inputs = qofrules::pipeline::PracticeInputs::of(&files);
    let one = qofrules::pipeline::run_population(&scheme, &prog, &pop, &from, &inputs, 1);
    let two = qofrules::pipeline::run_population(&scheme, &prog, &pop, &from, &inputs, 2);
    match (one, two) {
        (Ok(a), Ok(b)) => {
            let (pa, pb) = (qofrules::pipeline::pay(&a.inputs), qofrules::pipeline::pay(&b.inputs));
            match (pa, pb) {
                (Ok(x), Ok(y)) => assert_eq!(x, y, "the thread count changes nothing"),
                (x, y) => assert_eq!(x.is_ok(), y.is_ok()),
            }
        }
        (a, b) => assert_eq!(a.is_ok(), b.is_ok()),
    }
}

/// Two schemes compared on a population: when both check and the population reads, the
/// comparison runs without a panic, renders as a table, CSV and HTML, and compares a scheme
/// with itself as unchanged. Parts: scheme A, scheme B, then practices, patients and events.
pub fn compare(data: &[u8]) {
    let p = parts(data, 5);
    let load = |k: usize| {
        qofrules::pipeline::load_text(&format!("f{k}.qof"), &String::from_utf8_lossy(p[k])).ok()
    };
    let (Some(a), Some(b)) = (load(0), load(1)) else { return };
    let Ok(pop): Result<Population, _> = read_csv(
        Source::new("practices.csv", p[2]),
        Source::new("patients.csv", p[3]),
        Source::new("events.csv", p[4]),
    ) else {
        return;
    };
    let from = qofrules::national::PrevalenceFrom::Population;
    let files = [None, None];
    let inputs = qofrules::pipeline::PracticeInputs::of(&files);
    let silent = qofrules::progress::Silent;
    for (x, y) in [(&a, &b), (&a, &a)] {
        let data = qofrules::pipeline::CompareData::Population(&pop, &pop);
        let Ok(c) = qofrules::pipeline::compare(x, y, data, &from, (&inputs, &inputs), &silent)
        else {
            continue;
        };
        let _ = qofrules::compare::table::render_table(&c.comparison);
        let _ = qofrules::compare::table::render_csv(&c.comparison);
        let _ = qofrules::compare::html::render(&c.comparison);
        if std::ptr::eq(x, y) {
            for ind in &c.comparison.indicators {
                assert_eq!(ind.status, qofrules::compare::DiffStatus::Unchanged, "{}", ind.id);
                assert!(ind.movers.is_none(), "{}", ind.id);
            }
        }
    }
}
