//! `qofrules sql SCHEME --dialect duckdb|spark|sqlite [-o FILE]`: the scheme compiled to one
//! SQL script computing the per-practice counts of `qofrules eval` (docs/sql.md).

use super::check::{report, ErrorFormat};
use super::eval::{load_scheme, write_output};
use qofrules::sql::{to_sql, Dialect};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlDialect {
    /// DuckDB (tested: the counts equal `eval`'s)
    Duckdb,
    /// Spark SQL 3.4 or later
    Spark,
    /// SQLite 3.25 or later
    Sqlite,
}

#[derive(clap::Args, Debug)]
pub struct SqlArgs {
    /// The scheme to compile
    pub scheme: PathBuf,
    /// The SQL dialect to write
    #[arg(long, value_enum, default_value = "duckdb")]
    pub dialect: SqlDialect,
    /// Write to this file (atomically) instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub fn run(args: SqlArgs) -> ExitCode {
    let loaded = match load_scheme(&args.scheme) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let dialect = match args.dialect {
        SqlDialect::Duckdb => Dialect::DuckDb,
        SqlDialect::Spark => Dialect::Spark,
        SqlDialect::Sqlite => Dialect::Sqlite,
    };
    match to_sql(&loaded.scheme, &loaded.program, dialect) {
        Ok(text) => match write_output(args.output.as_deref(), &text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        Err(diags) => {
            report(&loaded.sources, &diags, ErrorFormat::Human);
            ExitCode::from(1)
        }
    }
}
