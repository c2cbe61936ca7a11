//! The SQL backend executed (issue #19): every shipped scheme compiled with `qofrules::sql`,
//! run on a generated population in DuckDB and in SQLite, gives exactly the per-practice
//! counts of the engine (`eval::evaluate`, as `eval::practice_data` hands them to pay) for
//! every practice, indicator, payment stratum and adjustment category.
//!
//! The databases run in Python (`tests/sql/run.py`): DuckDB from the `duckdb` package, SQLite
//! from Python's own `sqlite3`. `cargo xtask test` and `cargo xtask sql-check` make a virtual
//! environment with `duckdb` and name its interpreter in `QOFRULES_SQL_PYTHON`; without it the
//! test says so and does nothing, except under CI (`CI=true`), where it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::compile::{stratum_pay_id, Program};
use qofrules::eval::{evaluate, Evaluation};
use qofrules::scheme::Kind;
use qofrules::sql::{to_sql, Dialect};
use qofrules::synth::{generate, redate, Selection, SynthOptions, SynthYear};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The rows `qofrules sql` must give, as CSV lines (header first), from the engine's counts.
fn expected(prog: &Program, ev: &Evaluation) -> Vec<String> {
    let mut cats: Vec<String> = prog
        .indicators
        .iter()
        .flat_map(|i| i.adjustments.iter().map(|a| a.category.key().to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    cats.sort();
    let mut header =
        vec!["practice_id", "indicator", "register", "denominator", "numerator", "pcas"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>();
    header.extend(cats.iter().cloned());
    let mut lines = vec![header.join(",")];
    let mut practices: Vec<_> = ev.practices.iter().collect();
    practices.sort_by(|a, b| a.practice_id.cmp(&b.practice_id));
    for t in practices {
        for (i, ind) in prog.indicators.iter().enumerate() {
            let register = prog
                .registers
                .iter()
                .position(|r| r.id == ind.group)
                .map_or(String::new(), |r| t.registers[r].to_string());
            let c = t.indicator(i);
            let per_cat = |per_adj: &[u32]| -> Vec<String> {
                cats.iter()
                    .map(|k| {
                        ind.adjustments
                            .iter()
                            .zip(per_adj)
                            .filter(|(a, _)| a.category.key() == k)
                            .map(|(_, n)| n)
                            .sum::<u32>()
                            .to_string()
                    })
                    .collect()
            };
            let mut row = |id: &str, d: u32, n: u32, p: u32, cats: Vec<String>| {
                let mut r = vec![
                    t.practice_id.clone(),
                    id.to_string(),
                    register.clone(),
                    d.to_string(),
                    n.to_string(),
                    p.to_string(),
                ];
                r.extend(cats);
                lines.push(r.join(","));
            };
            match ind.kind {
                Kind::Fraction => {
                    row(
                        &ind.id,
                        c.tally().denominator,
                        c.tally().numerator,
                        c.tally().pcas,
                        per_cat(c.pcas_by_adjustment()),
                    );
                    for (s, st) in ind.strata.iter().enumerate() {
                        row(
                            &stratum_pay_id(&ind.id, &st.id),
                            c.stratum(s).denominator,
                            c.stratum(s).numerator,
                            c.stratum(s).pcas,
                            per_cat(c.stratum_pcas(s)),
                        );
                    }
                }
                Kind::Register => {
                    let n = ind.register.map_or(0, |r| t.registers[r as usize]);
                    row(&ind.id, n, n, 0, cats.iter().map(|_| "0".into()).collect());
                }
                Kind::Attested => {
                    row(&ind.id, 0, 0, 0, cats.iter().map(|_| "0".into()).collect());
                }
            }
        }
    }
    lines
}

fn python() -> Option<PathBuf> {
    match std::env::var_os("QOFRULES_SQL_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("QOFRULES_SQL_PYTHON is not set: run this test through `cargo xtask test`")
        }
        None => {
            eprintln!(
                "sql: QOFRULES_SQL_PYTHON is not set, nothing executed (run `cargo xtask sql-check`)"
            );
            None
        }
    }
}

struct Case {
    name: String,
    scheme: qofrules::scheme::Scheme,
    prog: Program,
    ev: Evaluation,
    pop_dir: PathBuf,
}

fn write_population(pop: &qofrules::model::Population, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let f = |n: &str| std::fs::File::create(dir.join(n)).unwrap();
    qofrules::population::write_csv(pop, f("practices.csv"), f("patients.csv"), f("events.csv"))
        .unwrap();
}

/// Every shipped scheme on the same generated practices, dated for its period.
fn cases(dir: &Path) -> Vec<Case> {
    let opts = SynthOptions { seed: 19, scale: 0.03, year: SynthYear::Y2019_20 };
    let base = generate(&Selection::RandomPractices(4), &opts).unwrap();
    let mut out = Vec::new();
    // `QOFRULES_SQL_ONLY=qof-2019-20,dudley-2018-19`: only these schemes (while working on
    // the backend).
    let only = std::env::var("QOFRULES_SQL_ONLY").ok();
    for (path, text) in qofrules::shipped::SCHEMES {
        let stem = Path::new(path).file_stem().unwrap().to_string_lossy().to_string();
        if only.as_ref().is_some_and(|o| !o.split(',').any(|x| x == stem)) {
            continue;
        }
        let (_, checked) = qofrules::check::check_text(path, text);
        let scheme = checked.scheme.unwrap_or_else(|| panic!("{path}: {:#?}", checked.diagnostics));
        let prog = qofrules::compile::compile(&scheme);
        let mut pop = base.clone();
        redate(&mut pop.patients, SynthYear::Y2019_20.period_end(), scheme.period_end);
        // A practice without patients still has its rows (of zeros).
        pop.practices.push(qofrules::model::Practice {
            practice_id: "Z99999".into(),
            practice_name: "Empty, with a comma".into(),
            network_id: String::new(),
        });
        let pop_dir = dir.join(format!("pop-{}", scheme.period_end));
        if !pop_dir.exists() {
            write_population(&pop, &pop_dir);
        }
        let ev = evaluate(&prog, &pop);
        let name = Path::new(path).file_stem().unwrap().to_string_lossy().to_string();
        out.push(Case { name, scheme, prog, ev, pop_dir });
    }
    out
}

fn run_dialect(python: &Path, dialect: Dialect, cases: &[Case], dir: &Path) {
    let mut jobs = String::new();
    for c in cases {
        let sql = to_sql(&c.scheme, &c.prog, dialect).unwrap();
        let script = dir.join(format!("{}.{}.sql", c.name, dialect.name()));
        std::fs::write(&script, sql).unwrap();
        let out = dir.join(format!("{}.{}.csv", c.name, dialect.name()));
        jobs.push_str(&format!(
            "{}\t{}\t{}\n",
            c.pop_dir.display(),
            script.display(),
            out.display()
        ));
    }
    let jobs_file = dir.join(format!("jobs-{}.txt", dialect.name()));
    std::fs::write(&jobs_file, jobs).unwrap();
    let runner = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql/run.py");
    let status = Command::new(python)
        .arg(runner)
        .arg(dialect.name())
        .arg(&jobs_file)
        .status()
        .expect("python runs");
    assert!(status.success(), "{} failed to run the scripts", dialect.name());
    let mut failures = Vec::new();
    for c in cases {
        let out = dir.join(format!("{}.{}.csv", c.name, dialect.name()));
        let got: Vec<String> =
            std::fs::read_to_string(&out).unwrap().lines().map(String::from).collect();
        let want = expected(&c.prog, &c.ev);
        assert!(want.len() > 10, "{}: too few rows to mean anything", c.name);
        if got != want {
            let diff: Vec<String> = want
                .iter()
                .zip(&got)
                .filter(|(w, g)| w != g)
                .take(5)
                .map(|(w, g)| format!("    engine: {w}\n    sql:    {g}"))
                .collect();
            failures.push(format!(
                "{} ({}): {} rows from SQL, {} from the engine; first differences:\n{}",
                c.name,
                dialect.name(),
                got.len(),
                want.len(),
                diff.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sql_counts_equal_the_engine_on_every_shipped_scheme() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cases = cases(dir.path());
    // The comparison means something: the population reaches numerators and PCAs.
    let numerators: u32 = cases
        .iter()
        .flat_map(|c| c.ev.practices.iter())
        .flat_map(|t| t.indicators())
        .map(|i| i.tally().numerator)
        .sum();
    let pcas: u32 = cases
        .iter()
        .flat_map(|c| c.ev.practices.iter())
        .flat_map(|t| t.indicators())
        .map(|i| i.tally().pcas)
        .sum();
    assert!(numerators > 1000 && pcas > 10, "numerators {numerators}, pcas {pcas}");
    run_dialect(&python, Dialect::DuckDb, &cases, dir.path());
    // SQLite runs the same scripts several times slower: the national scheme of the
    // calibration year, its stratified variant and a local scheme.
    let sqlite: Vec<Case> = cases
        .into_iter()
        .filter(|c| {
            ["qof-2019-20", "qof-2019-20-stratified", "dudley-2018-19"].contains(&c.name.as_str())
        })
        .collect();
    if !sqlite.is_empty() {
        run_dialect(&python, Dialect::Sqlite, &sqlite, dir.path());
    }
}

/// Spark SQL (issue #19): the same scripts in a local Spark session, when
/// `QOFRULES_SQL_SPARK_PYTHON` names a Python with `pyspark` (`cargo xtask sql-check --spark`
/// makes one; Spark needs Java 17 or later). Not part of `cargo xtask test`: CI has no Spark,
/// and without the variable this test does nothing, in CI too.
#[test]
fn sql_counts_equal_the_engine_in_spark() {
    let Some(python) = std::env::var_os("QOFRULES_SQL_SPARK_PYTHON").map(PathBuf::from) else {
        eprintln!("sql: QOFRULES_SQL_SPARK_PYTHON is not set, Spark not run (`cargo xtask sql-check --spark`)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cases = cases(dir.path());
    run_dialect(&python, Dialect::Spark, &cases, dir.path());
}
