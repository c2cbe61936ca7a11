//! Unit tests of the SQL backend's text; `tests/sql.rs` executes the scripts and compares
//! every count with the engine's.

use super::*;

fn scripts(dialect: Dialect) -> Vec<(&'static str, String)> {
    crate::shipped::SCHEMES
        .iter()
        .map(|(path, text)| {
            let (_, c) = crate::check::check_text(path, text);
            let scheme = c.scheme.unwrap_or_else(|| panic!("{path}: {:#?}", c.diagnostics));
            let prog = crate::compile::compile(&scheme);
            let sql = to_sql(&scheme, &prog, dialect).unwrap_or_else(|e| panic!("{e:#?}"));
            (*path, sql)
        })
        .collect()
}

#[test]
fn every_shipped_scheme_compiles_in_every_dialect() {
    for d in [Dialect::DuckDb, Dialect::Spark, Dialect::Sqlite] {
        for (path, sql) in scripts(d) {
            assert!(sql.starts_with("-- qofrules"), "{path}");
            assert!(sql.trim_end().ends_with("ORDER BY x.practice_id, i.ord;"), "{path}");
            // Spark has neither recursive nor materialized common table expressions.
            let spark_only = !sql.contains("RECURSIVE") && !sql.contains("MATERIALIZED");
            assert_eq!(d == Dialect::Spark, spark_only, "{path} {d:?}");
            // Identifiers are quoted the dialect's way.
            let quoted = if d == Dialect::Spark { "`birth_date`" } else { "\"birth_date\"" };
            assert!(sql.contains(quoted), "{path} {d:?}");
        }
    }
}

#[test]
fn the_same_scheme_gives_the_same_script() {
    let a = scripts(Dialect::DuckDb);
    let b = scripts(Dialect::DuckDb);
    assert_eq!(a, b);
}

#[test]
fn month_arithmetic_is_written_with_clamping() {
    // SQLite's own `+1 month` takes 31 January to 3 March: the script caps the day instead.
    let s = Dialect::Sqlite.add_months("x", 1);
    assert!(s.starts_with("min(date(x, 'start of month', '+1 months'"), "{s}");
    assert!(s.contains("date(x, 'start of month', '+2 months', '-1 day')"), "{s}");
    assert_eq!(Dialect::DuckDb.add_months("x", -3), "CAST(x + INTERVAL (-3) MONTH AS DATE)");
    assert_eq!(Dialect::Spark.add_months("x", 12), "add_months(x, 12)");
    assert_eq!(Dialect::Sqlite.add_days("x", -1), "date(x, '-1 days')");
}

#[test]
fn numbers_are_read_as_doubles_from_their_shortest_text() {
    assert_eq!(Dialect::DuckDb.double(7.5), "CAST('7.5' AS DOUBLE)");
    assert_eq!(Dialect::Sqlite.double(140.0), "CAST('140' AS REAL)");
}

#[test]
fn spark_stages_are_views_cached_once_and_the_final_select_comes_last() {
    // Spark inlines a common table expression wherever it is read: its script is one
    // temporary view per stage, the stages read more than once cached, then one query.
    for (path, sql) in scripts(Dialect::Spark) {
        assert!(!sql.contains("\nWITH"), "{path}");
        // The statements after the header comment (whose lines may end with `;`).
        let body = sql.split_once("\n-- (docs/sql.md).\n").map_or(&sql[..], |x| x.1);
        let statements: Vec<&str> =
            body.split(";\n").map(str::trim).filter(|s| !s.is_empty()).collect();
        let Some((last, stages)) = statements.split_last() else { panic!("{path}: empty") };
        assert!(last.starts_with("SELECT x.practice_id"), "{path}: {last}");
        let views: Vec<&str> = stages
            .iter()
            .filter_map(|s| s.strip_prefix("CREATE OR REPLACE TEMPORARY VIEW "))
            .filter_map(|s| s.split_whitespace().next())
            .collect();
        let cached: Vec<&str> =
            stages.iter().filter_map(|s| s.strip_prefix("CACHE TABLE ")).collect();
        assert_eq!(views.len() + cached.len(), stages.len(), "{path}: {stages:?}");
        for v in ["ev", "pa", "pas", "base", "cst", "cls", "tot"] {
            assert!(cached.contains(&v), "{path}: `{v}` not cached");
        }
        // Each cached view is cached once, after it is made.
        for c in &cached {
            assert_eq!(cached.iter().filter(|x| *x == c).count(), 1, "{path}: {c}");
            assert!(views.contains(c), "{path}: {c}");
        }
        // `tot` is read once by `cnt`, not once per indicator.
        let cnt = stages
            .iter()
            .find(|s| s.starts_with("CREATE OR REPLACE TEMPORARY VIEW cnt "))
            .unwrap_or_else(|| panic!("{path}: no cnt"));
        assert_eq!(cnt.matches("FROM tot").count(), 1, "{path}: {cnt}");
    }
}
