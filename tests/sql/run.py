"""Runs SQL scripts written by `qofrules sql` on populations in CSV folders (docs/data.md).

Used by tests/sql.rs: `python run.py DIALECT JOBS`, where JOBS is a file of lines
`POPULATION_DIR<TAB>SCRIPT<TAB>OUTPUT`. Each population is loaded into the tables
`practices`, `patients` and `events` in the canonical layout of docs/sql.md (ids and codes
VARCHAR, dates DATE, `value` DOUBLE, empty fields NULL), the script is run, and its rows are
written to OUTPUT as CSV with a header (NULL as an empty field).

DIALECT is `duckdb` (the `duckdb` package from PyPI), `sqlite` (Python's own sqlite3) or
`spark` (a local Spark session from the `pyspark` package from PyPI, which needs Java 17 or
later; `cargo xtask test-spark`). For Spark the tables are temporary views over the CSV
files read as text and cast, and the script's statements (temporary views, `CACHE TABLE`,
then the final query) run one `spark.sql` call each, as `spark-sql -f` would run them.
"""

import csv
import sys
import time


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = [h.strip().lower() for h in next(r)]
        for row in r:
            if row:
                yield dict(zip(header, row))


def none(x):
    return x if x != "" else None


def real(x):
    return float(x) if x != "" else None


TABLES = {
    "practices": [("practice_id", "VARCHAR", none), ("practice_name", "VARCHAR", none),
                  ("network_id", "VARCHAR", none)],
    "patients": [("patient_id", "VARCHAR", none), ("practice_id", "VARCHAR", none),
                 ("birth_date", "DATE", none), ("sex", "VARCHAR", none),
                 ("registered_on", "DATE", none), ("deregistered_on", "DATE", none),
                 ("deprivation_decile", "INTEGER", lambda x: int(x) if x else None)],
    "events": [("patient_id", "VARCHAR", none), ("date", "DATE", none),
               ("code", "VARCHAR", none), ("value", "DOUBLE", real)],
}


def load(con, dialect, pop):
    for table, cols in TABLES.items():
        quoted = ", ".join(f'"{c}" {t}' for c, t, _ in cols)
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(f"CREATE TABLE {table} ({quoted})")
        if dialect == "duckdb":
            # DuckDB reads the file itself; every field as text, then cast.
            sel = ", ".join(f'CAST(NULLIF("{c}", \'\') AS {t})' for c, t, _ in cols)
            path = f"{pop}/{table}.csv".replace("'", "''")
            con.execute(f"INSERT INTO {table} SELECT {sel} FROM read_csv('{path}', "
                        "header = true, all_varchar = true)")
            continue
        data = [tuple(conv(r.get(c, "")) for c, _, conv in cols)
                for r in rows(f"{pop}/{table}.csv")]
        marks = ", ".join("?" for _ in cols)
        if data:
            con.executemany(f"INSERT INTO {table} VALUES ({marks})", data)


class Spark:
    """A local Spark session with DuckDB's connection interface, as far as main() uses it."""

    def __init__(self):
        from pyspark.sql import SparkSession
        self.spark = (SparkSession.builder.master("local[2]").appName("qofrules-sql")
                      .config("spark.ui.enabled", "false")
                      .config("spark.ui.showConsoleProgress", "false")
                      .config("spark.sql.shuffle.partitions", "2")
                      .config("spark.driver.memory", "6g")
                      .config("spark.sql.session.timeZone", "UTC")
                      .getOrCreate())
        self.spark.sparkContext.setLogLevel("ERROR")
        self.description = None
        self.rows = []

    def load(self, pop):
        for table, cols in TABLES.items():
            df = (self.spark.read.option("header", "true").option("nullValue", "")
                  .csv(f"{pop}/{table}.csv"))
            df = df.toDF(*[c.strip().lower() for c in df.columns])
            sel = ", ".join(f"CAST(NULLIF(`{c}`, '') AS {'STRING' if t == 'VARCHAR' else t}) AS `{c}`"
                            for c, t, _ in cols)
            df.createOrReplaceTempView(f"{table}_text")
            self.spark.sql(f"SELECT {sel} FROM {table}_text").cache().createOrReplaceTempView(table)

    def execute(self, sql):
        *stages, query = statements(sql)
        for s in stages:
            started = time.monotonic()
            self.spark.sql(s)
            what = " ".join(l for l in s.splitlines() if not l.startswith("--")).split()
            print(f"  {time.monotonic() - started:6.1f} s  {' '.join(what[:6])}", file=sys.stderr)
        df = self.spark.sql(query)
        self.description = [(f,) for f in df.columns]
        self.rows = [tuple(r) for r in df.collect()]
        return self

    def fetchall(self):
        return self.rows


def statements(sql):
    """The statements of a script, without their `;`, split outside quotes and comments."""
    out, cur, i, n = [], [], 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'`\"":
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            cur.append(sql[i:j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            cur.append(sql[i:j])
            i = j
        elif c == ";":
            out.append("".join(cur))
            cur = []
            i += 1
        else:
            cur.append(c)
            i += 1
    out.append("".join(cur))
    return [s.strip() for s in out if s.strip() and not all(
        l.strip().startswith("--") or not l.strip() for l in s.splitlines())]


def cell(v):
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def main():
    dialect, jobs = sys.argv[1], sys.argv[2]
    if dialect == "duckdb":
        import duckdb
        con = duckdb.connect()
    elif dialect == "sqlite":
        import sqlite3
        con = sqlite3.connect(":memory:")
    elif dialect == "spark":
        con = Spark()
    else:
        sys.exit(f"unknown dialect {dialect}")
    loaded = None
    with open(jobs, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            pop, script, out = line.split("\t")
            if pop != loaded:
                if dialect == "spark":
                    con.load(pop)
                else:
                    load(con, dialect, pop)
                loaded = pop
            with open(script, encoding="utf-8") as s:
                sql = s.read()
            started = time.monotonic()
            cur = con.execute(sql)
            header = [d[0] for d in cur.description]
            result = cur.fetchall()
            with open(out, "w", newline="", encoding="utf-8") as o:
                w = csv.writer(o, lineterminator="\n")
                w.writerow(header)
                for r in result:
                    w.writerow([cell(v) for v in r])
            print(f"{dialect}: {script}: {len(result)} rows in {time.monotonic() - started:.1f} s",
                  file=sys.stderr)


if __name__ == "__main__":
    main()
