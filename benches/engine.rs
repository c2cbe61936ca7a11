//! Engine benchmarks, run by `cargo xtask bench` (release profile) which collects their
//! results into `bench/results/`.
//!
//! A small hand-written harness (`harness = false`): each benchmark is warmed up, then timed
//! over N iterations, and prints one JSON line with the median, minimum and maximum time of an
//! iteration. Add a benchmark by writing a function below and calling it from `main`.
//! What a benchmark's closure returns is dropped after the clock stops, as criterion's
//! `iter_with_large_drop` does: the pay and compare benchmarks return their whole report (about
//! 100 MB for 6,720 practices), and freeing it is not part of computing it.
//!
//! `cargo bench --bench engine -- FILTER` runs only the benchmarks whose name contains FILTER;
//! `QOFRULES_BENCH_ITERATIONS` overrides the number of timed iterations.

use qofrules::date::Date;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let iterations = std::env::var("QOFRULES_BENCH_ITERATIONS")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(25);
    let mut h = Harness { filter, iterations };

    date_parse_bytes(&mut h);
    synth_dudley_csv(&mut h);
    load_population(&mut h);
    session_evaluate_after_edit(&mut h);
    check_scheme(&mut h);
    eval_qof_2019_20(&mut h);
    compare_counts_all_practices(&mut h);
    compare_patients_dudley(&mut h);
    pay_aggregate(&mut h);
    sweep_benches(&mut h);
    robust_linear_paths(&mut h);
}

type Loaded = (qofrules::scheme::Sources, qofrules::scheme::Scheme, qofrules::compile::Program);

fn side(x: &Loaded) -> qofrules::compare::Side<'_> {
    qofrules::compare::Side { sources: &x.0, scheme: &x.1, program: &x.2 }
}

/// A shipped scheme, checked and compiled (panics on errors: the shipped schemes are tested).
fn shipped(
    path: &str,
) -> (qofrules::scheme::Sources, qofrules::scheme::Scheme, qofrules::compile::Program) {
    let text = qofrules::shipped::SCHEMES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("no shipped scheme {path}"));
    let (sources, checked) = qofrules::check::check_text(path, text);
    let scheme = checked.scheme.unwrap_or_else(|| panic!("{path} does not check"));
    let prog = qofrules::compile::compile(&scheme);
    (sources, scheme, prog)
}

/// Aggregate-level comparison of the national 2019/20 scheme with the stratified proposal over
/// all 6,720 practices: list sizes and registers from the embedded 2019/20 reference figures,
/// counts per indicator synthetic (a fixed pseudo-random share of the register). Timed: both
/// pay runs and the comparison (the inputs are built once, outside the timing).
fn compare_counts_all_practices(h: &mut Harness) {
    use qofrules::reference::{practices_2019_20, Group, ListType};
    if h.skip("compare/counts_6720_practices")
        && h.skip("pay/counts_6720_practices_qof_2019_20")
        && h.skip("pay/totals_6720_practices_qof_2019_20")
    {
        return;
    }
    let a = shipped("rules/qof-2019-20.qof");
    let b = shipped("rules/qof-2019-20-stratified.qof");
    let mut data = qofrules::pay::PracticeData::new();
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: u32| -> u32 {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33;
        u32::try_from(r % u64::from(n.max(1))).unwrap_or(0)
    };
    let practices = practices_2019_20();
    for p in practices {
        let id = p.practice_id.as_str();
        data.set_network(id, &p.network_id);
        for t in ListType::ALL {
            data.set_list_size(id, t.code(), p.list_size(t));
        }
        for g in Group::ALL {
            data.set_register(id, g.code(), p.register(g));
        }
    }
    // counts for every fraction indicator of either scheme (and its strata), from the register
    // of its group (or the list size for indicators outside the 21 groups)
    let mut ids: Vec<(String, String)> = Vec::new();
    for s in [&a.1, &b.1] {
        for i in &s.indicators {
            ids.push((i.id.clone(), i.group.clone()));
            for st in &i.strata {
                ids.push((qofrules::compile::stratum_pay_id(&i.id, &st.id), i.group.clone()));
            }
        }
    }
    ids.sort();
    ids.dedup();
    for p in practices {
        for (id, group) in &ids {
            let base = Group::from_code(group)
                .map_or(p.list_size(ListType::Total) / 10, |g| p.register(g));
            let pcas = next(base / 10 + 1);
            let denominator = base.saturating_sub(pcas);
            let numerator = denominator / 2 + next(denominator / 2 + 1);
            data.set_counts(
                &p.practice_id,
                id,
                qofrules::pay::Counts {
                    denominator,
                    numerator: numerator.min(denominator),
                    pcas,
                    achieved: Some(numerator > 0),
                    ..Default::default()
                },
            );
        }
    }
    let inputs = |x: &(qofrules::scheme::Sources, qofrules::scheme::Scheme, _)| {
        let pay = qofrules::compile::pay_scheme(&x.1);
        let n = qofrules::pay::NationalFigures::computed(&data, &pay.groups);
        let national = match x.1.national_average_list_size {
            Some(avg) => n.with_average_list_size(avg, qofrules::pay::FigureSource::Scheme),
            None => n,
        };
        qofrules::eval::PayInputs { scheme: pay, national, data: data.clone() }
    };
    let (ia, ib) = (inputs(&a), inputs(&b));
    let (sa, sb) = (side(&a), side(&b));
    // For attribution: one scheme's pay run alone on the same inputs.
    h.run("pay/counts_6720_practices_qof_2019_20", practices.len() as u64, || {
        match qofrules::pay::pay(&ia.scheme, &ia.national, &ia.data) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    });
    // The same run as a comparison pays each side: lines summed per indicator, not kept.
    h.run("pay/totals_6720_practices_qof_2019_20", practices.len() as u64, || {
        match qofrules::pay::pay_totals(&ia.scheme, &ia.national, &ia.data) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    });
    h.run("compare/counts_6720_practices", practices.len() as u64, || {
        match qofrules::compare::impact_counts(sa, sb, &ia, &ib) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    });
}

/// Patient-level comparison of the national 2018/19 scheme with Dudley's over NHS Dudley CCG
/// at scale 1 (44 practices, the whole registered population, generated by `synth` before
/// timing): two evaluations, two pay runs, the diff, the moving patients with explanations.
fn compare_patients_dudley(h: &mut Harness) {
    use qofrules::synth::{generate, Selection, SynthOptions, SynthYear};
    if h.skip("compare/patients_dudley_scale1") {
        return;
    }
    let a = shipped("rules/qof-2018-19.qof");
    let b = shipped("rules/dudley-2018-19.qof");
    let opts = SynthOptions { seed: 2020, scale: 1.0, year: SynthYear::Y2019_20 };
    let pop = match generate(&Selection::Ccg("NHS Dudley CCG".into()), &opts) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let (sa, sb) = (side(&a), side(&b));
    let n = pop.patients.len() as u64;
    h.run_n("compare/patients_dudley_scale1", n, 5, || {
        match qofrules::compare::impact(sa, sb, &pop) {
            Ok(c) => c.total.delta,
            Err(e) => panic!("{e}"),
        }
    });
}

/// The aggregate-level payment run: every indicator and payment of the shipped QOF 2019/20
/// scheme (68 indicators) for all 6,720 practices of 2019/20, from their real list sizes and
/// registers and deterministic synthetic counts. Times `pay::pay` only (the table is built
/// once). Elements are practices.
fn pay_aggregate(h: &mut Harness) {
    use qofrules::pay::{Counts, IndicatorKind, NationalFigures, PracticeData};
    use qofrules::reference::{Group, ListType};
    const NAME: &str = "pay/aggregate-6720";
    if h.filter.as_deref().is_some_and(|f| !NAME.contains(f)) {
        return;
    }
    let Some((path, text)) =
        qofrules::shipped::SCHEMES.iter().find(|(p, _)| p.ends_with("qof-2019-20.qof"))
    else {
        return;
    };
    let (_, checked) = qofrules::check::check_text(path, text);
    let Some(scheme) = checked.scheme else { return };
    let pay_scheme = qofrules::compile::pay_scheme(&scheme);
    let mut data = PracticeData::new();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    for rp in qofrules::reference::practices_2019_20() {
        let id = rp.practice_id.as_str();
        data.set_network(id, &rp.network_id);
        for t in ListType::ALL {
            data.set_list_size(id, t.code(), rp.list_size(t));
        }
        for g in Group::ALL {
            data.set_register(id, g.code(), rp.register(g));
        }
        for ind in &pay_scheme.indicators {
            // a denominator near the group's register (or a slice of the list), a numerator
            // anywhere from 0 to all of it, a few PCAs
            let base = Group::from_code(&ind.group)
                .map_or(rp.list_size(ListType::Total) / 10, |g| rp.register(g));
            let denominator = (base as u64 * (70 + next() % 31) / 100) as u32;
            let numerator = (denominator as u64 * (next() % 101) / 100) as u32;
            let pcas = (next() % 20) as u32;
            let achieved = matches!(ind.kind, IndicatorKind::Boolean).then(|| next() % 4 != 0);
            data.set_counts(
                id,
                &ind.id,
                Counts { denominator, numerator, pcas, achieved, ..Counts::default() },
            );
        }
    }
    let national = NationalFigures::computed(&data, &pay_scheme.groups).with_average_list_size(
        rust_decimal::Decimal::from(8479),
        qofrules::pay::FigureSource::Scheme,
    );
    let n = data.practices().len() as u64;
    h.run(NAME, n, || qofrules::pay::pay(&pay_scheme, &national, black_box(&data)));
}

/// Parse, and parse + check, of a synthetic scheme of about 100 KB (the checker's goal: well
/// under 5 ms in release).
fn check_scheme(h: &mut Harness) {
    let text = synthetic_scheme(100 * 1024);
    h.run("check/parse_100kb", text.len() as u64, || {
        qofrules::syntax::parse(black_box(&text), 0).0.items.len()
    });
    h.run("check/parse_and_check_100kb", text.len() as u64, || {
        let (_, checked) = qofrules::check::check_text("bench.qof", black_box(&text));
        assert!(checked.scheme.is_some(), "the benchmark scheme must check cleanly");
        checked.diagnostics.len()
    });
    // The measure: parse + check + compile of the largest shipped scheme (with its
    // in-file test patients).
    let Some((path, text)) = qofrules::shipped::SCHEMES.iter().max_by_key(|(_, t)| t.len()) else {
        return;
    };
    h.run("check/parse_check_compile_largest_shipped", text.len() as u64, || {
        let (_, checked) = qofrules::check::check_text(path, black_box(text));
        let scheme = checked.scheme.unwrap_or_else(|| panic!("{path} must check cleanly"));
        qofrules::compile::compile(&scheme).indicators.len()
    });
}

/// A scheme of at least `bytes` bytes: groups of code lists, a register, a definition and a
/// fraction indicator with adjustments, like the national scheme's.
fn synthetic_scheme(bytes: usize) -> String {
    let mut s = String::from(
        "scheme bench \"Benchmark\" {\n  period 2019-04-01 to 2020-03-31\n  point value £187.74\n  national average list size 8479\n}\n",
    );
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(&format!(
            "codelist C{i}_COD \"Condition {i}\" snomed {{ {a}, {b}, {c} }}
codelist C{i}RES_COD \"Condition {i} resolved\" snomed {{ {d} }}
codelist T{i}_COD \"Test {i}\" snomed {{ {e} }}
codelist P{i}_COD \"PCA {i}\" snomed {{ {f} }}
codelist U{i}_COD \"Both\" includes C{i}_COD, C{i}RES_COD
register R{i} \"Register {i}\" {{
  patients aged 17 or over
  where latest C{i}_COD is after latest C{i}RES_COD
  list 17OV
  not prevalence adjusted
}}
define frail{i} = latest U{i}_COD in last 12 months or aged 80 or over
indicator I{i} \"Indicator {i}: test value 58 or less in the preceding 12 months\" {{
  group R{i}, domain CL, points 17
  thresholds 35% to 75%
  denominator R{i} where not frail{i}
  achieved when latest T{i}_COD in last 12 months has value <= 58
  adjustments {{
    unsuitable   when P{i}_COD in last 12 months
    no response  when count P{i}_COD in last 12 months at least 7 days apart >= 2
    new patient  when first C{i}_COD is in last 9 months or registered in last 9 months
  }}
}}
",
            a = 100_000 + i * 7,
            b = 100_001 + i * 7,
            c = 100_002 + i * 7,
            d = 100_003 + i * 7,
            e = 100_004 + i * 7,
            f = 100_005 + i * 7,
        ));
        i += 1;
    }
    s
}

/// The full QOF 2019/20 scheme (68 indicators) over the engine issue's population: 50
/// practices drawn at random from England's 6,720 (seed 2020, scale 1: 449,078
/// patients). Three runs, elements are patients:
///
/// - `eval/qof-2019-20/synth`: the records as generated (about 7 events a patient), one core;
/// - `eval/qof-2019-20/30-events`: every record padded to 30 events over ten years (one
///   padding code in five from the scheme's code lists, the rest in none, as most codes in a
///   GP record are), one core (the measure: at least 1,000,000 patients a second);
/// - `eval/qof-2019-20/all-cores/30-events`: the same on every available core (by practice;
///   named so that the filter `qof-2019-20/30-events` selects the one-core run alone).
///
/// The population is generated and padded before timing (loading is not timed).
fn eval_qof_2019_20(h: &mut Harness) {
    const NAMES: [&str; 3] = [
        "eval/qof-2019-20/synth",
        "eval/qof-2019-20/30-events",
        "eval/qof-2019-20/all-cores/30-events",
    ];
    if NAMES.iter().all(|n| h.skip(n)) {
        return;
    }
    let Some((path, text)) =
        qofrules::shipped::SCHEMES.iter().find(|(p, _)| p.ends_with("qof-2019-20.qof"))
    else {
        return;
    };
    let (_, checked) = qofrules::check::check_text(path, text);
    let Some(scheme) = checked.scheme else { return };
    let prog = qofrules::compile::compile(&scheme);
    let opts = qofrules::synth::SynthOptions {
        seed: 2020,
        scale: 1.0,
        year: qofrules::synth::SynthYear::Y2019_20,
    };
    let mut pop =
        match qofrules::synth::generate(&qofrules::synth::Selection::RandomPractices(50), &opts) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
    let n = pop.patients.len() as u64;
    h.run("eval/qof-2019-20/synth", n, || {
        qofrules::eval::evaluate_with_threads(&prog, black_box(&pop), 1).practices.len()
    });
    // Padded in place (no second copy of 400,000 records).
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let first = Date::from_ymd(2010, 4, 1).map_or(0, |d| d.0);
    for p in &mut pop.patients {
        while p.events.len() < 30 {
            let r = next();
            let code = if r % 5 == 0 {
                prog.codes[(r / 5 % prog.codes.len() as u64) as usize]
            } else {
                1_000_000 + r % 1000
            };
            let date = Date(first + (next() % 3653) as i32);
            let value = (r % 3 == 0).then(|| 30.0 + (next() % 150) as f64);
            p.events.push(qofrules::model::Event { date, code, value });
        }
        p.sort_events();
    }
    h.run("eval/qof-2019-20/30-events", n, || {
        qofrules::eval::evaluate_with_threads(&prog, black_box(&pop), 1).practices.len()
    });
    h.run("eval/qof-2019-20/all-cores/30-events", n, || {
        qofrules::eval::evaluate(&prog, black_box(&pop)).practices.len()
    });
}

/// The browser editor's workload, natively: QOF 2019/20 on about 50,000 synthetic patients
/// (NHS Dudley CCG at scale 0.15), re-evaluated after an edit (check, compile, evaluate, pay,
/// the result as JSON). `www/bench/node.mjs` and `page.mjs` time the same in wasm.
fn session_evaluate_after_edit(h: &mut Harness) {
    // All cores (the CLI's default), and one thread: the page's worker is single-threaded, so
    // the one-thread run is the like-for-like baseline for `wasm-node/...` and `page/...`.
    for (name, threads) in [
        ("session/evaluate_qof_2019_20_after_edit", 0),
        ("session/evaluate_qof_2019_20_after_edit_one_thread", 1),
    ] {
        if h.filter.as_deref().is_some_and(|flt| !name.contains(flt)) {
            continue;
        }
        let mut s = qofrules::session::Session::new().with_threads(threads);
        let req = qofrules::session::SynthRequest {
            ccg: Some("Dudley".into()),
            scale: Some(0.15),
            seed: Some(2020),
            ..Default::default()
        };
        let patients = s.synth(&req).value.map_or(0, |p| p.patients);
        let text = qofrules::shipped::SCHEMES
            .iter()
            .find(|(path, _)| path.ends_with("qof-2019-20.qof"))
            .map_or("", |(_, t)| t);
        let mut edit = 0u64;
        h.run(name, patients as u64, || {
            edit += 1;
            let r = s.evaluate(&format!("{text}\n// edit {edit}\n"));
            assert!(r.ok, "the shipped scheme evaluates");
            r
        });
    }
}

/// `Date::parse_bytes` over a million ISO dates (the CSV readers' hot path).
fn date_parse_bytes(h: &mut Harness) {
    const N: usize = 1_000_000;
    let text = synthetic_dates(N);
    h.run("date/parse_bytes", N as u64, || {
        let mut sum = 0i64;
        for record in text.chunks_exact(10) {
            if let Some(d) = Date::parse_bytes(black_box(record)) {
                sum += i64::from(d.0);
            }
        }
        sum
    });
}

/// `n` dates from 1900 to 2030 as concatenated 10-byte `YYYY-MM-DD` records, from a fixed
/// pseudo-random sequence so that every run parses the same bytes.
fn synthetic_dates(n: usize) -> Vec<u8> {
    let first = Date::from_ymd(1900, 1, 1).map_or(0, |d| d.0);
    let last = Date::from_ymd(2030, 12, 31).map_or(0, |d| d.0);
    let span = u64::from((last - first).unsigned_abs()) + 1;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(n * 10);
    for _ in 0..n {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let offset = i32::try_from(r % span).unwrap_or(0);
        out.extend_from_slice(Date(first + offset).to_string().as_bytes());
    }
    out
}

/// Loading a population from bytes already in memory: NHS Dudley CCG at scale 0.25 (about
/// 84,000 patients) with every record padded to 30 events (`synth::pad_records`), as CSV
/// (`population::read_csv`: about 90 MB) and as NDJSON (`read_ndjson`). Elements are bytes
/// of input, so `1000 / median_ns_per_element` is MB/s. `load/csv_30_events` lets the
/// reader use every core (as the CLI does); `..._one_thread` is one core.
fn load_population(h: &mut Harness) {
    use qofrules::population::{read_csv, read_csv_with_threads, read_ndjson, Source};
    use qofrules::synth::{generate, pad_records, Selection, SynthOptions, SynthYear};
    const NAMES: &str = "load/csv_30_events load/csv_30_events_one_thread load/ndjson_30_events";
    if h.filter.as_deref().is_some_and(|f| !NAMES.contains(f)) {
        return;
    }
    let opts = SynthOptions { seed: 2020, scale: 0.25, year: SynthYear::Y2019_20 };
    let mut pop = match generate(&Selection::Ccg("05C".into()), &opts) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    pad_records(&mut pop.patients, 30, &opts);
    let (prac, pats, evs) =
        qofrules::population::write_csv(&pop, Vec::new(), Vec::new(), Vec::new())
            .unwrap_or_else(|e| panic!("{e}"));
    let bytes = (prac.len() + pats.len() + evs.len()) as u64;
    let csv = |threads: usize| {
        let r = read_csv_with_threads(
            Source::new("practices.csv", black_box(&prac)),
            Source::new("patients.csv", black_box(&pats)),
            Source::new("events.csv", black_box(&evs)),
            threads,
        );
        r.map_or(0, |p| p.patients.len())
    };
    h.run_n("load/csv_30_events", bytes, 10, || {
        read_csv(
            Source::new("practices.csv", black_box(&prac)),
            Source::new("patients.csv", black_box(&pats)),
            Source::new("events.csv", black_box(&evs)),
        )
        .map_or(0, |p| p.patients.len())
    });
    h.run_n("load/csv_30_events_one_thread", bytes, 10, || csv(1));
    let (nprac, nd) = qofrules::population::write_ndjson(&pop, Vec::new(), Vec::new())
        .unwrap_or_else(|e| panic!("{e}"));
    let nbytes = (nprac.len() + nd.len()) as u64;
    h.run_n("load/ndjson_30_events", nbytes, 10, || {
        read_ndjson(
            Some(Source::new("practices.csv", black_box(&nprac))),
            Source::new("patients.ndjson", black_box(&nd)),
        )
        .map_or(0, |p| p.patients.len())
    });
}

struct Harness {
    filter: Option<String>,
    iterations: usize,
}

impl Harness {
    /// Whether the filter leaves `name` out (to skip expensive set-up too).
    fn skip(&self, name: &str) -> bool {
        self.filter.as_deref().is_some_and(|flt| !name.contains(flt))
    }

    /// [`Harness::run`] with at most `max_iterations` timed iterations (slow benchmarks).
    fn run_n<T>(&mut self, name: &str, elements: u64, max_iterations: usize, f: impl FnMut() -> T) {
        let saved = self.iterations;
        self.iterations = saved.min(max_iterations).max(1);
        self.run(name, elements, f);
        self.iterations = saved;
    }

    /// Times `f`, which processes `elements` items per call, and prints one JSON line.
    fn run<T>(&mut self, name: &str, elements: u64, mut f: impl FnMut() -> T) {
        if self.skip(name) {
            return;
        }
        // warm up: at least 3 calls and at least 200 ms
        let start = Instant::now();
        let mut warmups = 0;
        while warmups < 3 || start.elapsed() < Duration::from_millis(200) {
            black_box(f());
            warmups += 1;
        }
        let mut times: Vec<u128> = (0..self.iterations)
            .map(|_| {
                let t = Instant::now();
                let out = black_box(f());
                let elapsed = t.elapsed().as_nanos();
                // dropped after the clock stops (criterion's `iter_with_large_drop`)
                drop(out);
                elapsed
            })
            .collect();
        times.sort_unstable();
        let median = times[times.len() / 2];
        let min = times[0];
        let max = times[times.len() - 1];
        let per_element = if elements == 0 { 0.0 } else { median as f64 / elements as f64 };
        println!(
            "{{\"name\":\"{name}\",\"elements\":{elements},\"iterations\":{},\"median_ns\":{median},\"min_ns\":{min},\"max_ns\":{max},\"median_ns_per_element\":{per_element:.3}}}",
            self.iterations
        );
    }
}

/// The synthetic generator with its output: NHS Dudley CCG at scale 1 (44 practices, about
/// 336,000 patients) streamed practice by practice into the CSV writer (bytes discarded), on
/// one core. Elements are patients (the synthetic-population issue's goal: 1,000,000 a second).
fn synth_dudley_csv(h: &mut Harness) {
    use qofrules::synth::{for_each_practice, Selection, SynthOptions, SynthYear};
    const NAME: &str = "synth/dudley_scale1_csv";
    if h.filter.as_deref().is_some_and(|f| !NAME.contains(f)) {
        return;
    }
    let opts = SynthOptions { seed: 2020, scale: 1.0, year: SynthYear::Y2019_20 };
    let selection = Selection::Ccg("05C".into());
    let run = || {
        use qofrules::population::PopulationWriter;
        let sink = std::io::sink();
        let mut w = qofrules::population::CsvWriter::new(sink, std::io::sink(), std::io::sink())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut patients = 0u64;
        let done = for_each_practice(&selection, &opts, |p, ps| {
            patients += ps.len() as u64;
            w.write_practice(&p)?;
            w.write_patients(&ps)
        });
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("{e}"),
            Err(e) => panic!("{e}"),
        }
        w.finish().unwrap_or_else(|e| panic!("{e}"));
        patients
    };
    let n = run();
    h.run_n(NAME, n, 5, || black_box(run()));
}

/// Sweeps (`qofrules sweep`, issue #17): the shipped QOF 2019/20 scheme's DM020 upper
/// threshold over 31 values (60% to 90% by 1%), each value paid against the scheme as written.
/// `sweep/counts_6720_practices`: on the counts `pay/counts_6720_practices_qof_2019_20` pays
/// (all 6,720 practices of 2019/20, the same deterministic counts), read once outside the
/// timing; timed: the whole sweep (the scheme paid once, then only DM020's lines per value).
/// `sweep/patients_ccg`: on NHS Dudley CCG's synthetic patients at scale 1 (generated before
/// timing); timed: the evaluation (once) and the sweep, as `qofrules sweep` runs them.
/// Elements are the values swept, so the time per element is the time per value.
fn sweep_benches(h: &mut Harness) {
    use qofrules::reference::{practices_2019_20, Group, ListType};
    const LEVER: &str = "DM020.upper=60%..90% step 1%";
    if h.skip("sweep/counts_6720_practices") && h.skip("sweep/patients_ccg") {
        return;
    }
    let a = shipped("rules/qof-2019-20.qof");
    let pay = qofrules::compile::pay_scheme(&a.1);
    let lever = qofrules::sweep::Lever::parse(LEVER, &pay).unwrap_or_else(|e| panic!("{e}"));
    let values = lever.values.len() as u64;
    let sweep = |i: &qofrules::eval::PayInputs| match qofrules::sweep::sweep(
        &i.scheme,
        &i.national,
        &i.data,
        std::slice::from_ref(&lever),
    ) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    if !h.skip("sweep/counts_6720_practices") {
        // the counts of `compare_counts_all_practices`, made the same way
        let b = shipped("rules/qof-2019-20-stratified.qof");
        let mut data = qofrules::pay::PracticeData::new();
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: u32| -> u32 {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33;
            u32::try_from(r % u64::from(n.max(1))).unwrap_or(0)
        };
        let practices = practices_2019_20();
        for p in practices {
            let id = p.practice_id.as_str();
            data.set_network(id, &p.network_id);
            for t in ListType::ALL {
                data.set_list_size(id, t.code(), p.list_size(t));
            }
            for g in Group::ALL {
                data.set_register(id, g.code(), p.register(g));
            }
        }
        let mut ids: Vec<(String, String)> = Vec::new();
        for s in [&a.1, &b.1] {
            for i in &s.indicators {
                ids.push((i.id.clone(), i.group.clone()));
                for st in &i.strata {
                    ids.push((qofrules::compile::stratum_pay_id(&i.id, &st.id), i.group.clone()));
                }
            }
        }
        ids.sort();
        ids.dedup();
        for p in practices {
            for (id, group) in &ids {
                let base = Group::from_code(group)
                    .map_or(p.list_size(ListType::Total) / 10, |g| p.register(g));
                let pcas = next(base / 10 + 1);
                let denominator = base.saturating_sub(pcas);
                let numerator = denominator / 2 + next(denominator / 2 + 1);
                data.set_counts(
                    &p.practice_id,
                    id,
                    qofrules::pay::Counts {
                        denominator,
                        numerator: numerator.min(denominator),
                        pcas,
                        achieved: Some(numerator > 0),
                        ..Default::default()
                    },
                );
            }
        }
        let n = qofrules::pay::NationalFigures::computed(&data, &pay.groups);
        let national = match a.1.national_average_list_size {
            Some(avg) => n.with_average_list_size(avg, qofrules::pay::FigureSource::Scheme),
            None => n,
        };
        let inputs = qofrules::eval::PayInputs { scheme: pay.clone(), national, data };
        h.run("sweep/counts_6720_practices", values, || sweep(&inputs));
    }
    if !h.skip("sweep/patients_ccg") {
        use qofrules::synth::{generate, Selection, SynthOptions, SynthYear};
        let opts = SynthOptions { seed: 2020, scale: 1.0, year: SynthYear::Y2019_20 };
        let pop = match generate(&Selection::Ccg("NHS Dudley CCG".into()), &opts) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        let files = [None, None];
        let from = qofrules::national::PrevalenceFrom::Scheme;
        h.run_n("sweep/patients_ccg", values, 5, || {
            let run = qofrules::pipeline::run_population(
                &a.1,
                &a.2,
                &pop,
                &from,
                &qofrules::pipeline::PracticeInputs::of(&files),
                0,
            );
            match run {
                Ok(r) => sweep(&r.inputs),
                Err(e) => panic!("{e}"),
            }
        });
    }
}

/// The paths that were quadratic (issue #21), each at about 1 MB and 10 MB so that linearity
/// shows as an equal `median_ns_per_element` (elements are input bytes):
///
/// - `robust/diagnostics_{1,10}mb_duplicates_human`: check a file of one code list defined
///   over and over (one error per definition) and render every diagnostic as a human code
///   frame, as `qofrules check` prints them;
/// - `robust/inspect_{1,10}mb`: `inspect` of a checked scheme (the view and its JSON), line
///   numbers for every item;
/// - `robust/events_{patient,date}_order_{1,10}mb`: read a population whose `events.csv` is
///   in patient order, and the same rows sorted by date (every patient's rows spread over the
///   whole file), on one thread.
fn robust_linear_paths(h: &mut Harness) {
    const MB: usize = 1 << 20;
    for (size, tag) in [(MB, "1mb"), (10 * MB, "10mb")] {
        let name = format!("robust/diagnostics_{tag}_duplicates_human");
        if !h.skip(&name) {
            let mut text = String::from(
                "scheme dup \"Duplicates\" {\n  period 2019-04-01 to 2020-03-31\n  point value £187.74\n}\n",
            );
            while text.len() < size {
                text.push_str("codelist DM_COD \"Diabetes\" snomed { 44054006 }\n");
            }
            h.run_n(&name, text.len() as u64, 5, || {
                let (sources, checked) = qofrules::check::check_text("dup.qof", black_box(&text));
                assert!(checked.errors() > 1000, "the benchmark file must be full of errors");
                checked.diagnostics.iter().map(|d| sources.render(d).len()).sum::<usize>()
            });
        }
        let name = format!("robust/inspect_{tag}");
        if !h.skip(&name) {
            let text = synthetic_scheme(size);
            let (sources, checked) = qofrules::check::check_text("bench.qof", &text);
            let scheme =
                checked.scheme.unwrap_or_else(|| panic!("the benchmark scheme must check cleanly"));
            h.run_n(&name, text.len() as u64, 5, || {
                let view = qofrules::inspect::view(black_box(&scheme), &sources);
                serde_json::to_string(&view).map_or(0, |j| j.len())
            });
        }
        let names = [
            format!("robust/events_patient_order_{tag}"),
            format!("robust/events_date_order_{tag}"),
        ];
        if names.iter().all(|n| h.skip(n)) {
            continue;
        }
        let (prac, pats, evs) = population_of_events(size);
        // the same rows sorted by date (then by the row, for a fixed order)
        let mut rows: Vec<&[u8]> = evs.split_inclusive(|&b| b == b'\n').collect();
        let header = rows.remove(0);
        let date = |r: &[u8]| r.split(|&b| b == b',').nth(1).map(<[u8]>::to_vec);
        rows.sort_by_key(|r| (date(r), r.to_vec()));
        let by_date: Vec<u8> = std::iter::once(header).chain(rows).flatten().copied().collect();
        assert_eq!(by_date.len(), evs.len());
        for (name, events) in names.iter().zip([&evs, &by_date]) {
            use qofrules::population::{read_csv_with_threads, Source};
            let bytes = (prac.len() + pats.len() + events.len()) as u64;
            h.run_n(name, bytes, 5, || {
                read_csv_with_threads(
                    Source::new("practices.csv", black_box(&prac)),
                    Source::new("patients.csv", black_box(&pats)),
                    Source::new("events.csv", black_box(events)),
                    1,
                )
                .map_or(0, |p| p.patients.len())
            });
        }
    }
}

/// A synthetic population (NHS Dudley CCG, scaled) whose `events.csv` is about `bytes` long,
/// written as CSV: practices, patients, events.
fn population_of_events(bytes: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    use qofrules::synth::{generate, pad_records, Selection, SynthOptions, SynthYear};
    // about 10 events of about 33 bytes a patient once padded; 336,000 patients at scale 1
    let scale = (bytes as f64 / (336_000.0 * 10.0 * 33.0)).clamp(0.001, 1.0);
    let opts = SynthOptions { seed: 2020, scale, year: SynthYear::Y2019_20 };
    let mut pop = generate(&Selection::Ccg("05C".into()), &opts).unwrap_or_else(|e| panic!("{e}"));
    pad_records(&mut pop.patients, 10, &opts);
    qofrules::population::write_csv(&pop, Vec::new(), Vec::new(), Vec::new())
        .unwrap_or_else(|e| panic!("{e}"))
}
