//! The command line: arbitrary argument lists, made of the subcommands, flags and values of
//! `qofrules` and of paths to small files of every kind the commands read (written afresh in
//! a sandbox folder before each run), parsed by clap and run by the CLI's own entry function
//! (`cli::run`, what `main` calls, which never exits the process). No argument list may
//! panic; usage errors, unreadable files and bad data must be error messages and exit codes.
//!
//! The CLI is a module of the `qofrules` binary, not of the library, so this target compiles
//! `src/cli/` into itself (`#[path]`), with the console macros `src/main.rs` defines.
//!
//! Input bytes become the argument list: each byte below `VOCABULARY.len()` is that word; the
//! byte 0xFF is followed by a length byte and that many bytes of free text (every `/` and `\`
//! turned into `_`, so that no argument names a path outside the sandbox); any other byte is
//! the vocabulary word it indexes modulo the vocabulary's length. Run with
//! `-close_fd_mask=3` so that the commands' output goes to `/dev/null`.
#![no_main]

// What `src/main.rs` defines for the CLI: every print goes through `cli::output`.
#[macro_use]
#[path = "../../src/cli/macros.rs"]
mod macros;

#[allow(dead_code, unused_imports)]
#[path = "../../src/cli/mod.rs"]
mod cli;

use clap::Parser;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

const VOCABULARY: &[&str] = &[
    // subcommands
    "check", "fmt", "inspect", "synth", "eval", "explain", "test", "compare", "sweep", "sql",
    "boundary", "witness", "version", "help", "--help", "-V",
    // flags
    "--check", "--error-format", "--format", "-o", "--output", "--out", "-q", "--quiet",
    "--stream", "--population", "--achievement", "--prevalence", "--structure", "--national",
    "--prevalence-from", "--attested", "--historic", "--patient", "--indicator", "--dialect",
    "--vary", "--cost-neutral-against", "--solve", "--resolution", "--ccg", "--network",
    "--practices", "--random-practices", "--scale", "--seed", "--year", "--for", "--period",
    "--force", "--events-per-patient", "--", "-",
    // values of flags
    "human", "json", "table", "csv", "html", "text", "junit", "ndjson", "duckdb", "spark",
    "sqlite", "scheme", "population", "0", "1", "2", "-1", "0.001", "0.5", "1e308", "NaN",
    "99999999999999", "18446744073709551616", "2019-20", "2020-21", "1999-00",
    "2019-04-01..2020-03-31", "2020-03-31..2019-04-01", "05C", "Dudley", "U00001", "a", "b",
    "zz", "P1", "N1", "DM020", "DM017", "CS005", "nope", "point_value=150,190",
    "point_value=150..190/10", "threshold_upper=70%..80%/5%", "points=1,2", "point_value",
    "threshold_upper", "1p", "£0.01",
    // files and folders of the sandbox
    "s.qof", "t.qof", "n.qof", "bad.qof", "crlf.qof", "dup.qof", "empty.qof", "link.qof",
    "dangling.qof", "missing.qof", "codes.csv", "pop", "popnd", "popbad", "ach.csv", "prev.csv",
    "struct.csv", "att.csv", "hist.csv", "bad.csv", "old", "new", "out.csv", "out.json",
    "d", ".", "..", "/dev/null", "pop/events.csv", "s.qof,t.qof", "v.qof", "A81001",
];

/// A scheme with a register, a fraction indicator, a code list from a file and a test.
const SCHEME: &str = r#"scheme fz "Fuzz" {
  period 2019-04-01 to 2020-03-31
  point value £187.74
  national average list size 8479
}
codelist DM_COD "Diabetes" snomed { 44054006 }
codelist HBA_COD "HbA1c" from "codes.csv"
register DM "Diabetes" { patients aged 17 or over where DM_COD list 17OV }
indicator DM017 "Register" { group DM, domain CL, points 6, register DM }
indicator DM020 "HbA1c" {
  group DM, domain CL, points 17, thresholds 35% to 75%
  denominator DM
  achieved when latest HBA_COD in last 12 months has value <= 58
}
indicator CS005 "Attested" { group CS, domain PH, points 7, attested }
test "counts" {
  patient born 1950-01-01, registered 2000-01-01 { DM_COD on 2010-05-01 HBA_COD on 2019-10-01 value 57 }
  expect DM020 numerator
}
"#;

/// Another scheme of the same year (other thresholds, no register indicator), to compare.
const OTHER: &str = r#"scheme fz2 "Other" {
  period 2019-04-01 to 2020-03-31
  point value £190
}
codelist DM_COD "Diabetes" snomed { 44054006 }
codelist HBA_COD "HbA1c" snomed { 999791000000106 }
register DM "Diabetes" { patients aged 17 or over where DM_COD list 17OV }
indicator DM020 "HbA1c" {
  group DM, domain CL, points 17, thresholds 40% to 80%
  denominator DM
  achieved when latest HBA_COD in last 12 months has value <= 53
}
"#;

/// A variant of `s.qof` (given with it, or alone: then its parent is missing).
const VARIANT: &str = r#"scheme fz3 "Variant" extends fz { }
change DM020 { thresholds 40% to 80% }
retire DM017
"#;

/// A variant of a shipped scheme (the national 2019/20 one).
const NATIONAL: &str = r#"scheme nat "National variant" extends qof_2019_20 { }
change DM020 { points 20 }
"#;

const PRACTICES: &str = "practice_id,practice_name,network_id\nP1,One,N1\nP2,\"Two, Ltd\",N1\n";
const PATIENTS: &str = "patient_id,practice_id,birth_date,sex,registered_on,deregistered_on,deprivation_decile\n\
a,P1,1950-01-01,F,2000-01-01,,3\nb,P1,1960-02-29,M,2001-01-01,2019-12-31,\nc,P2,1940-06-01,U,1990-01-01,,10\n";
const EVENTS: &str = "patient_id,date,code,value\na,2010-05-01,44054006,\na,2019-10-01,999791000000106,57\n\
b,2011-01-01,44054006,\nc,2012-01-01,44054006,\nc,2019-11-01,999791000000106,70.5\n";
const NDJSON: &str = r#"{"patient_id":"a","practice_id":"P1","birth_date":"1950-01-01","sex":"female","registered_on":"2000-01-01","events":[{"date":"2010-05-01","code":44054006}]}
"#;

/// The files of the sandbox, written before each run (path, contents).
const FILES: &[(&str, &str)] = &[
    ("s.qof", SCHEME),
    ("t.qof", OTHER),
    ("v.qof", VARIANT),
    ("n.qof", NATIONAL),
    ("bad.qof", "scheme x \"X\" { period 2019-04-01 to 2019-03-31 }\nindicator A1 { group\n"),
    ("crlf.qof", "\u{feff}scheme c \"C\" {\r\n  period 2019-04-01 to 2020-03-31\r\n}\r\n"),
    ("dup.qof", "scheme fz \"Same id as s.qof\" { period 2019-04-01 to 2020-03-31 }\n"),
    ("empty.qof", ""),
    ("codes.csv", "code,term\n999791000000106,HbA1c\n"),
    ("pop/practices.csv", PRACTICES),
    ("pop/patients.csv", PATIENTS),
    ("pop/events.csv", EVENTS),
    ("popnd/practices.csv", PRACTICES),
    ("popnd/patients.ndjson", NDJSON),
    ("popbad/practices.csv", PRACTICES),
    ("popbad/patients.csv", PATIENTS),
    ("popbad/events.csv", "patient_id,date,code,value\na,2019-02-30,12,x\nzz,2019-01-01,44054006,\n"),
    (
        "ach.csv",
        "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nP1,DM020,NUMERATOR,40\nP1,DM020,DENOMINATOR,50\nP1,DM017,ACHIEVED_POINTS,6\nP2,DM020,NUMERATOR,1\nP2,DM020,DENOMINATOR,2\n",
    ),
    (
        "prev.csv",
        "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nP1,DM,60,17OV,800\nP2,DM,5,17OV,90\n",
    ),
    ("struct.csv", "PRACTICE_CODE,PCN_ODS_CODE\nP1,N1\nP2,N1\n"),
    ("att.csv", "practice_id,item_id,met\nP1,CS005,yes\nP2,CS005,no\n"),
    ("hist.csv", "practice_id,year,item,points,pounds\nP1,2018-19,DM020,10.5,1234.56\n"),
    ("bad.csv", "\"unclosed\nP1,\n"),
    // an earlier synth output, which `synth --out old --force` may replace
    ("old/.qofrules-synth", ""),
    ("old/practices.csv", PRACTICES),
    ("d/x.qof", SCHEME),
];

/// The sandbox: `ROOT/a/b` is the working folder, so that `..` is inside it too.
fn root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| std::env::temp_dir().join(format!("qofrules-fuzz-cli-{}", std::process::id())))
}

/// Writes the sandbox afresh (a run may have rewritten or replaced any of its files) and
/// makes its working folder the current one.
fn reset() {
    let top = root().join("a");
    let _ = std::fs::remove_dir_all(&top);
    let work = top.join("b");
    for (path, text) in FILES {
        let p = work.join(path);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).expect("the sandbox can be created");
        }
        std::fs::write(&p, text).expect("the sandbox can be written");
    }
    #[cfg(unix)]
    {
        let _ = std::os::unix::fs::symlink("s.qof", work.join("link.qof"));
        let _ = std::os::unix::fs::symlink("nowhere.qof", work.join("dangling.qof"));
    }
    std::env::set_current_dir(&work).expect("the sandbox is a folder");
    cli::output::forget_inputs();
}

/// The argument list the bytes stand for (see the top of the file).
fn arguments(data: &[u8]) -> Vec<String> {
    let mut argv = vec!["qofrules".to_string()];
    let mut i = 0;
    while let Some(&b) = data.get(i) {
        i += 1;
        if argv.len() > 24 {
            break;
        }
        if b == 0xFF {
            let n = data.get(i).map_or(0, |&n| usize::from(n) % 48);
            i += 1;
            let raw = data.get(i..(i + n).min(data.len())).unwrap_or(&[]);
            i += n;
            argv.push(String::from_utf8_lossy(raw).replace(['/', '\\'], "_"));
        } else {
            argv.push(VOCABULARY[usize::from(b) % VOCABULARY.len()].to_string());
        }
    }
    argv
}

/// Whether a parsed command would legitimately take minutes or gigabytes (a synthetic
/// population of all England, or at full scale, or padded to thousands of events a record):
/// what it does is not in question, only its size, which its own bounds already limit.
fn too_big(cli: &cli::Cli) -> bool {
    match &cli.command {
        cli::Command::Synth(a) => {
            let practices = if a.all_england {
                6720
            } else if let Some(n) = a.random_practices {
                n
            } else if a.ccg.is_some() || a.network.is_some() {
                50
            } else {
                a.practices.as_ref().map_or(1, Vec::len)
            };
            let events = a.events_per_patient.unwrap_or(10);
            // above synth's bound (`MAX_EVENTS_PER_PATIENT`, 10,000) it stops with an error
            let padded_within_bounds = events <= 10_000;
            // about 8,000 patients a practice at scale 1
            let patients = practices as f64 * 8000.0 * a.scale;
            padded_within_bounds && patients * events.max(10) as f64 > 2_000_000.0
        }
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let argv = arguments(data);
    reset();
    match cli::Cli::try_parse_from(&argv) {
        Ok(parsed) => {
            if too_big(&parsed) {
                return;
            }
            let _ = cli::output::finish(cli::run(parsed));
        }
        // what `main` prints
        Err(e) => {
            let _ = e.render().to_string();
        }
    }
});
