"""Runs SQL scripts written by `qofrules sql` on populations in CSV folders (docs/data.md).

Used by tests/sql.rs: `python run.py DIALECT JOBS`, where JOBS is a file of lines
`POPULATION_DIR<TAB>SCRIPT<TAB>OUTPUT`. Each population is loaded into the tables
`practices`, `patients` and `events` in the canonical layout of docs/sql.md (ids and codes
VARCHAR, dates DATE, `value` DOUBLE, empty fields NULL), the script is run, and its rows are
written to OUTPUT as CSV with a header (NULL as an empty field).

DIALECT is `duckdb` (the `duckdb` package from PyPI) or `sqlite` (Python's own sqlite3).
"""

import csv
import sys


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
                load(con, dialect, pop)
                loaded = pop
            with open(script, encoding="utf-8") as s:
                sql = s.read()
            cur = con.execute(sql)
            header = [d[0] for d in cur.description]
            result = cur.fetchall()
            with open(out, "w", newline="", encoding="utf-8") as o:
                w = csv.writer(o, lineterminator="\n")
                w.writerow(header)
                for r in result:
                    w.writerow([cell(v) for v in r])


if __name__ == "__main__":
    main()
