//! The fuzz targets' entry points (`fuzz/entry.rs`) on a deterministic corpus: seeds from the
//! repository (shipped schemes, worked examples, small populations and published files),
//! each mutated many times by a seeded generator (byte flips, insertions of interesting bytes
//! and tokens, deletions, duplications, splices of two seeds). What a fuzzer would catch as a
//! panic or a broken invariant fails here on every `cargo test`; `cargo fuzz` searches
//! further (`fuzz/README.md`).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../fuzz/entry.rs"]
mod entry;

use std::path::Path;

use crate::rng::Rng;

const TOKENS: &[&[u8]] = &[
    b"\xFF",
    b"\n",
    b"\r\n",
    b",",
    b"\"",
    b"\"\"",
    b"{",
    b"}",
    b"(",
    b")",
    b"0",
    b"-1",
    b"99999999999999999999",
    b"1,040",
    b"2019-02-30",
    b"\xEF\xBB\xBF",
    b"\xC3",
    b"\xE2\x82\xAC",
    b"not ",
    b" and ",
    b" or ",
    b"latest ",
    b"in last 99999999999 months",
    b"extends ",
    b"register ",
    b"define ",
    b"indicator ",
    b"codelist ",
    b"test ",
    b"expect ",
    b"% ",
    b"points 1e9",
    b"\xC2\xA3",
    b"NUMERATOR",
    b"DENOMINATOR",
    b"REGISTER",
    b"TOTAL",
];

/// One mutation of `seed` (or a splice with `other`).
fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(6) {
            0 if !v.is_empty() => {
                let k = rng.below(v.len());
                v[k] ^= 1 << rng.below(8);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                v.splice(at..at, t.iter().copied());
            }
            2 => {
                let end = (at + 1 + rng.below(64)).min(v.len());
                v.drain(at.min(end)..end);
            }
            3 => {
                let end = (at + 1 + rng.below(128)).min(v.len());
                let piece = v[at.min(end)..end].to_vec();
                v.splice(at..at, piece);
            }
            4 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(256)).min(other.len());
                v.splice(at..at, other[from..end].iter().copied());
            }
            _ => v.insert(at, rng.next() as u8),
        }
    }
    v
}

/// Runs `target` on every seed and on `rounds` mutations of the seeds.
fn run(name: &str, seeds: &[Vec<u8>], rounds: usize, target: fn(&[u8])) {
    assert!(!seeds.is_empty());
    let mut rng = Rng(0x51_7CC1_B727_220A ^ name.len() as u64);
    for s in seeds {
        target(s);
    }
    for round in 0..rounds {
        let a = &seeds[rng.below(seeds.len())];
        let b = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, a, b);
        let res = std::panic::catch_unwind(|| target(&input));
        if res.is_err() {
            let path = std::env::temp_dir().join(format!("qofrules-fuzz-{name}-{round}.bin"));
            let _ = std::fs::write(&path, &input);
            panic!("{name}: round {round} failed; input written to {}", path.display());
        }
    }
}

fn file(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

const SCHEME: &str = r#"scheme fz "Fuzz" {
  period 2019-04-01 to 2020-03-31
  point value £187.74
  national average list size 8479
}
codelist DM_COD "Diabetes" snomed { 44054006 }
codelist HBA_COD "HbA1c" snomed { 999791000000106 }
register DM "Diabetes" { patients aged 17 or over where DM_COD list 17OV }
indicator DM017 "Register" { group DM, domain CL, points 6, register DM }
indicator DM020 "HbA1c" {
  group DM, domain CL, points 17, thresholds 35% to 75%
  denominator DM
  achieved when latest HBA_COD in last 12 months has value <= 58
}
test "counts" {
  patient born 1950-01-01, registered 2000-01-01 { DM_COD on 2010-05-01 HBA_COD on 2019-10-01 value 57 }
  expect DM020 numerator
}
"#;

const PRACTICES: &str = "practice_id,practice_name,network_id\nP1,One,N1\nP2,\"Two, Ltd\",N1\n";
const PATIENTS: &str = "patient_id,practice_id,birth_date,sex,registered_on,deregistered_on,deprivation_decile\n\
a,P1,1950-01-01,F,2000-01-01,,3\nb,P1,1960-02-29,M,2001-01-01,2019-12-31,\nc,P2,1940-06-01,U,1990-01-01,,10\n";
const EVENTS: &str =
    "patient_id,date,code,value\na,2010-05-01,44054006,\na,2019-10-01,999791000000106,57\n\
b,2011-01-01,44054006,\nc,2012-01-01,44054006,\nc,2019-11-01,999791000000106,70.5\n";

fn population() -> Vec<u8> {
    [PRACTICES.as_bytes(), b"\xFF", PATIENTS.as_bytes(), b"\xFF", EVENTS.as_bytes()].concat()
}

fn small_schemes() -> Vec<Vec<u8>> {
    vec![SCHEME.as_bytes().to_vec(), file("tests/worked/ardens-2020-21.qof")]
}

/// The seeds of the `check` and `fmt` fuzz targets kept in the repository (`fuzz/seeds/check/`,
/// small schemes with every kind of statement), sorted by name.
fn seed_schemes() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/check");
    let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let seeds: Vec<Vec<u8>> = names.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(seeds.len() >= 10, "the seeds of fuzz/seeds/check are missing");
    seeds
}

#[test]
fn check_on_mutated_schemes() {
    let mut seeds = small_schemes();
    seeds.push(file("rules/qof-2022-23.qof"));
    seeds.extend(seed_schemes());
    run("check", &seeds, 300, entry::check);
}

#[test]
fn fmt_on_mutated_schemes() {
    let mut seeds = small_schemes();
    seeds.push(file("rules/qof-2022-23.qof"));
    seeds.extend(seed_schemes());
    run("fmt", &seeds, 300, entry::fmt);
}

#[test]
fn aggregate_readers_on_mutated_files() {
    let seeds = vec![
        file("tests/worked/ardens-2020-21.achievement.csv"),
        file("tests/worked/ardens-2020-21.prevalence.csv"),
        file("tests/worked/lincs-2022-23.achievement.csv"),
        b"practice_id,year,item,points,pounds\nP1,2018-19,DM,10.5,1234.56\n".to_vec(),
        b"practice_id,item_id,met\nP1,QI001,yes\nP2,QI001,no\n".to_vec(),
        b"PRACTICE_CODE,PCN_ODS_CODE\nP1,N1\nP2,N1\n".to_vec(),
    ];
    run("aggregate", &seeds, 2000, entry::aggregate);
}

#[test]
fn data_readers_on_mutated_populations() {
    let mut ndjson = Vec::new();
    let pop = qofrules::population::read_csv(
        qofrules::population::Source::new("practices.csv", PRACTICES.as_bytes()),
        qofrules::population::Source::new("patients.csv", PATIENTS.as_bytes()),
        qofrules::population::Source::new("events.csv", EVENTS.as_bytes()),
    )
    .unwrap();
    let (_, nd) = qofrules::population::write_ndjson(&pop, Vec::new(), Vec::new()).unwrap();
    ndjson.extend_from_slice(PRACTICES.as_bytes());
    ndjson.push(0xFF);
    ndjson.extend_from_slice(&nd);
    run("data_readers", &[population(), ndjson], 2000, entry::data_readers);
}

#[test]
fn eval_on_mutated_schemes_and_populations() {
    let seeds: Vec<Vec<u8>> = small_schemes()
        .into_iter()
        .map(|s| [s.as_slice(), b"\xFF", population().as_slice()].concat())
        .collect();
    run("eval", &seeds, 300, entry::eval);
}

#[test]
fn compare_on_mutated_scheme_pairs_and_populations() {
    // B raises DM020's upper threshold and drops the register indicator: changed and retired
    let b = SCHEME.replace("thresholds 35% to 75%", "thresholds 40% to 80%").replace(
        "indicator DM017 \"Register\" { group DM, domain CL, points 6, register DM }\n",
        "",
    );
    assert_ne!(b, SCHEME);
    let seeds: Vec<Vec<u8>> = [(SCHEME, b.as_str()), (b.as_str(), SCHEME)]
        .iter()
        .map(|(x, y)| {
            [x.as_bytes(), b"\xFF", y.as_bytes(), b"\xFF", population().as_slice()].concat()
        })
        .collect();
    run("compare", &seeds, 200, entry::compare);
}

/// The seeds kept for `cargo fuzz` (`fuzz/seeds/TARGET/`, one file per input, parts split on
/// 0xFF) run through their targets unmutated, and are valid inputs: their populations read
/// and their schemes check, so a fuzzer run starts from inputs that reach the evaluator.
#[test]
fn the_kept_seeds_of_every_target_are_valid_inputs() {
    use qofrules::population::{read_csv, read_ndjson, Source};
    let seeds = |target: &str| -> Vec<Vec<u8>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds").join(target);
        let mut names: Vec<_> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        names.sort();
        assert!(!names.is_empty(), "no seeds for `{target}`");
        names.iter().map(|p| std::fs::read(p).unwrap()).collect()
    };
    let parts =
        |s: &[u8]| -> Vec<Vec<u8>> { s.split(|&b| b == 0xFF).map(<[u8]>::to_vec).collect() };
    let population_reads = |p: &[Vec<u8>]| match p {
        [pr, pa, ev] => read_csv(
            Source::new("practices.csv", pr),
            Source::new("patients.csv", pa),
            Source::new("events.csv", ev),
        )
        .map(drop),
        [pr, nd] => {
            read_ndjson(Some(Source::new("practices.csv", pr)), Source::new("p.ndjson", nd))
                .map(drop)
        }
        _ => panic!("{} parts", p.len()),
    };
    let checks = |s: &[u8]| {
        let (_, checked) = qofrules::check::check_text("s.qof", std::str::from_utf8(s).unwrap());
        assert_eq!(checked.errors(), 0, "{:?}", checked.diagnostics.first());
    };
    for s in seeds("data_readers") {
        entry::data_readers(&s);
        population_reads(&parts(&s)).unwrap();
    }
    for s in seeds("eval") {
        entry::eval(&s);
        let p = parts(&s);
        checks(&p[0]);
        population_reads(&p[1..]).unwrap();
    }
    for s in seeds("compare") {
        entry::compare(&s);
        let p = parts(&s);
        checks(&p[0]);
        checks(&p[1]);
        population_reads(&p[2..]).unwrap();
    }
    for s in seeds("aggregate") {
        entry::aggregate(&s);
    }
    // the schemes of `check` and `fmt` (each file of one) parse cleanly, so `fmt` compares
    // their trees
    for s in seeds("check") {
        for part in parts(&s) {
            let text = std::str::from_utf8(&part).unwrap();
            assert!(qofrules::syntax::parse(text, 0).1.is_empty(), "{text}");
            entry::fmt(&part);
        }
    }
}
