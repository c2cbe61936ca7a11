//! The CLI past its readers (issue #21): a closed pipe ends output quietly, an output never
//! replaces an input or follows a planted file, `synth --force` replaces only its own folders,
//! absurd sizes are clean errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{run, stderr};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_qofrules");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn scratch(name: &str) -> PathBuf {
    crate::support::scratch("robust", name)
}

fn shipped() -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(Path::new(ROOT).join("rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "qof"))
        .map(|p| p.display().to_string())
        .collect();
    v.sort();
    v
}

/// Runs `args` with standard output (or, with `stderr`, both streams) into a pipe whose
/// reader goes away after `keep` lines; returns the exit code and what was written to the
/// other stream.
fn closed_pipe(args: &[String], cwd: &Path, keep: usize, stderr: bool) -> (Option<i32>, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(cwd).stdin(Stdio::null());
    if stderr {
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    } else {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    let mut child = cmd.spawn().unwrap();
    let mut other = String::new();
    if stderr {
        let mut r = BufReader::new(child.stderr.take().unwrap());
        for _ in 0..keep {
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
        }
        drop(r);
    } else {
        let mut r = BufReader::new(child.stdout.take().unwrap());
        for _ in 0..keep {
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
        }
        drop(r);
        let mut e = child.stderr.take().unwrap();
        std::io::Read::read_to_string(&mut e, &mut other).unwrap();
    }
    let status = child.wait().unwrap();
    (status.code(), other)
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// `qofrules test rules/*.qof | head -1` and the like: the output of every shipped scheme's
/// tests (over 100 KB, more than a pipe holds) into a pipe closed after a line exits with the
/// usual code, no panic and nothing on stderr.
#[test]
fn a_closed_stdout_pipe_ends_the_output_quietly() {
    let d = scratch("pipe_out");
    let mut test = args(&["test"]);
    test.extend(shipped());
    let (code, err) = closed_pipe(&test, &d, 1, false);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "{err}");

    // fmt --check lists files that would change: a few thousand of them
    let mut fmt = args(&["fmt", "--check"]);
    for k in 0..3000 {
        let name = format!("unformatted-file-with-a-rather-long-name-{k:05}.qof");
        fs::write(d.join(&name), "scheme   t \"T\" { period 2019-04-01 to 2020-03-31 }\n").unwrap();
        fmt.push(name);
    }
    let (code, err) = closed_pipe(&fmt, &d, 1, false);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.is_empty(), "{err}");

    // a streamed JSON result
    let eval = args(&["eval", &format!("{ROOT}/rules/qof-2019-20.qof"), "--format", "json"]);
    let (code, err) = closed_pipe(&eval, &d, 1, false);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("panicked") && !err.contains("cannot write"), "{err}");
}

/// `qofrules check ... 2>&1 | head`: hundreds of code frames into a closed stderr.
#[test]
fn a_closed_stderr_pipe_ends_the_messages_quietly() {
    let d = scratch("pipe_err");
    let mut check = args(&["check"]);
    for k in 0..30 {
        let mut text = String::from("scheme t \"T\" { period 2019-04-01 to 2020-03-31 }\n");
        for r in 0..100 {
            text.push_str(&format!("register R{r} \"R\" {{ patients aged or over }}\n"));
        }
        fs::write(d.join(format!("bad{k}.qof")), text).unwrap();
        check.push(format!("bad{k}.qof"));
    }
    let (code, _) = closed_pipe(&check, &d, 1, true);
    assert_eq!(code, Some(1));

    // synth writes its summary at the end, long after the reader left
    let synth = args(&["synth", "--practices", "A81001", "--scale", "0.05", "--out", "pop"]);
    let (code, _) = closed_pipe(&synth, &d, 0, true);
    assert_eq!(code, Some(0));
    assert!(d.join("pop/events.csv").is_file(), "the output is written all the same");
}

fn assert_refused(o: &Output, path: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    let e = stderr(o);
    assert!(e.contains(&format!("error: the output `{path}` is one of the inputs")), "{e}");
    assert!(e.contains("help: write the output to another file"), "{e}");
    assert!(!e.contains("panicked"), "{e}");
}

/// `eval s.qof -o s.qof`, `eval ... -o pop/events.csv`, `compare a.qof b.qof --out a.qof`, and
/// the same through a link: refused, the input untouched.
#[test]
fn an_output_never_replaces_an_input() {
    let d = scratch("over_input");
    let scheme = fs::read_to_string(Path::new(ROOT).join("rules/qof-2019-20.qof")).unwrap();
    fs::write(d.join("s.qof"), &scheme).unwrap();
    fs::write(d.join("b.qof"), &scheme).unwrap();
    let o = run(&["eval", "s.qof", "-o", "s.qof"], &d);
    assert_refused(&o, "s.qof");
    assert_eq!(fs::read_to_string(d.join("s.qof")).unwrap(), scheme);

    let o = run(&["compare", "s.qof", "b.qof", "--out", "s.qof"], &d);
    assert_refused(&o, "s.qof");
    assert_eq!(fs::read_to_string(d.join("s.qof")).unwrap(), scheme);

    let o = run(&["synth", "--practices", "A81001", "--scale", "0.05", "--out", "pop"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let events = fs::read(d.join("pop/events.csv")).unwrap();
    let o = run(&["eval", "s.qof", "--population", "pop", "-o", "pop/events.csv"], &d);
    assert_refused(&o, "pop/events.csv");
    assert_eq!(fs::read(d.join("pop/events.csv")).unwrap(), events);

    #[cfg(unix)]
    {
        // the same file under another name
        std::os::unix::fs::symlink("s.qof", d.join("link.qof")).unwrap();
        let o = run(&["eval", "s.qof", "-o", "link.qof"], &d);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("is one of the inputs (`s.qof`)"), "{}", stderr(&o));
        fs::hard_link(d.join("s.qof"), d.join("hard.qof")).unwrap();
        let o = run(&["eval", "s.qof", "-o", "hard.qof"], &d);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(fs::read_to_string(d.join("s.qof")).unwrap(), scheme);
    }
}

/// A replaced output keeps its permissions (0600 stays 0600) and no temporary file is left.
#[cfg(unix)]
#[test]
fn a_replaced_output_keeps_its_permissions_and_no_temporary_file_is_left() {
    use std::os::unix::fs::PermissionsExt;
    let d = scratch("perms");
    fs::write(d.join("secret.csv"), "old").unwrap();
    fs::set_permissions(d.join("secret.csv"), fs::Permissions::from_mode(0o600)).unwrap();
    let scheme = format!("{ROOT}/rules/qof-2019-20.qof");
    let o = run(&["eval", &scheme, "--format", "csv", "-o", "secret.csv"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let meta = fs::metadata(d.join("secret.csv")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(fs::read_to_string(d.join("secret.csv")).unwrap().starts_with("practice_id,"));
    let names: Vec<String> = fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["secret.csv"], "no temporary file is left");
}

/// `synth --force` replaces only a folder synth wrote, holding nothing else: never a folder of
/// the user's (`--out "$(pwd)"`), never one synth wrote that has gained a file of the user's.
#[test]
fn synth_force_replaces_only_its_own_folders() {
    let d = scratch("force");
    let synth = |out: &str| {
        run(&["synth", "--practices", "A81001", "--scale", "0.05", "--out", out, "--force"], &d)
    };
    fs::create_dir_all(d.join("mine")).unwrap();
    fs::write(d.join("mine/thesis.txt"), "years of work").unwrap();
    fs::write(d.join("mine/events.csv"), "patient_id,date,code,value\n").unwrap();
    let o = synth("mine");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains(
            "error: `--force` will not replace `mine`: it was not written by `qofrules synth`"
        ),
        "{e}"
    );
    assert!(e.contains("help: `--force` only replaces a folder synth wrote"), "{e}");
    assert_eq!(fs::read_to_string(d.join("mine/thesis.txt")).unwrap(), "years of work");

    // the current folder, by its full path
    let here = d.display().to_string();
    let o = synth(&here);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(d.join("mine/thesis.txt").is_file());

    // synth's own folder is replaced, and again; once it holds a file of the user's, not
    let o = synth("pop");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("pop/.qofrules-synth").is_file());
    let o = synth("pop");
    assert!(o.status.success(), "{}", stderr(&o));
    fs::write(d.join("pop/notes.md"), "mine").unwrap();
    let o = synth("pop");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("it holds `notes.md`, which synth did not write"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read_to_string(d.join("pop/notes.md")).unwrap(), "mine");
    let mut left: Vec<String> = fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["mine", "pop"], "no temporary or old folder is left");
}

/// `--events-per-patient 99999999999999`: a usage error before anything is written.
#[test]
fn synth_bounds_the_events_per_patient() {
    let d = scratch("pad");
    let o = run(
        &[
            "synth",
            "--practices",
            "A81001",
            "--events-per-patient",
            "99999999999999",
            "--out",
            "pop",
        ],
        &d,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("error: `--events-per-patient 99999999999999` is more than 10000"), "{e}");
    assert!(e.contains("help: pad records to at most 10000 events"), "{e}");
    assert_eq!(fs::read_dir(&d).unwrap().count(), 0, "no folder, temporary or not, is left");
}

/// A code list `from "/dev/zero"` (a device, read for ever) or from a file past 16 MiB is
/// refused with an error, not read until the memory runs out.
#[cfg(unix)]
#[test]
fn a_code_list_file_must_be_a_small_regular_file() {
    let d = scratch("codelist");
    let scheme = |from: &str| {
        format!(
            "scheme t \"T\" {{ period 2019-04-01 to 2020-03-31 }}\ncodelist DM_COD \"D\" from \"{from}\"\n"
        )
    };
    fs::write(d.join("zero.qof"), scheme("/dev/zero")).unwrap();
    let o = run(&["check", "zero.qof"], &d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("error: cannot read code list file `/dev/zero`: a code list file must be a regular file"),
        "{e}"
    );
    assert!(e.contains("help: a code list file is a regular CSV file of at most 16 MiB"), "{e}");

    let big = fs::File::create(d.join("big.csv")).unwrap();
    big.set_len((16 << 20) + 1).unwrap();
    fs::write(d.join("big.qof"), scheme("big.csv")).unwrap();
    let o = run(&["check", "big.qof"], &d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("a code list file is larger than 16 MiB"), "{}", stderr(&o));
}

/// `eval` streams `patients.ndjson`: the same result as the same population in CSV.
#[test]
fn eval_of_streamed_ndjson_equals_csv() {
    let d = scratch("ndjson");
    for (format, out) in [("csv", "csv"), ("ndjson", "nd")] {
        let o = run(
            &["synth", "--practices", "A81001", "--scale", "0.1", "--format", format, "--out", out],
            &d,
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let scheme = format!("{ROOT}/rules/qof-2019-20.qof");
    let eval = |pop: &str| {
        // the practice-level inputs of the folder, also for the file alone
        let (at, hi) = ("csv/attested.csv", "csv/historic.csv");
        let args = ["eval", &scheme, "--population", pop, "--format", "csv"];
        let o = run(&[&args[..], &["--attested", at, "--historic", hi]].concat(), &d);
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    let csv = eval("csv");
    assert!(csv.lines().count() > 10, "{csv}");
    assert!(eval("nd") == csv, "the same as the CSV population");
    assert!(eval("nd/patients.ndjson") == csv, "the same as the CSV population");
}

/// A rule file that is not UTF-8 is named with the line and column of its first bad byte, by
/// `check`, `eval` and `fmt` alike.
#[test]
fn invalid_utf8_in_a_rule_file_is_located() {
    let d = scratch("utf8");
    let text = b"scheme t \"T\" {\n  period 2019-04-01 to 2020-03-31 // \xC2\xA3 \xFF\n}\n";
    fs::write(d.join("u.qof"), text).unwrap();
    for cmd in [&["check", "u.qof"][..], &["eval", "u.qof"], &["fmt", "u.qof"]] {
        let o = run(cmd, &d);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let e = stderr(&o);
        // `£` is one character: the bad byte is the 40th character of its line (41st byte)
        assert!(
            e.contains(
                "error: cannot read `u.qof`: invalid UTF-8 at line 2, column 40 (byte `0xFF`)"
            ),
            "{cmd:?}: {e}"
        );
        assert!(e.contains("help: save the file as UTF-8 text"), "{e}");
    }
    assert_eq!(fs::read(d.join("u.qof")).unwrap(), text, "fmt left the file alone");
}

/// `fmt` keeps a file's CRLF line ends and its UTF-8 byte-order mark: only the layout changes,
/// and the formatted file passes `fmt --check`.
#[test]
fn fmt_keeps_crlf_line_ends_and_the_byte_order_mark() {
    let d = scratch("crlf");
    let crlf =
        "\u{feff}scheme   t \"T\" {\r\n  period 2019-04-01 to 2020-03-31 // the year\r\n}\r\n";
    let lf = "scheme   t \"T\" {\n  period 2019-04-01 to 2020-03-31\n}\n";
    fs::write(d.join("w.qof"), crlf).unwrap();
    fs::write(d.join("u.qof"), lf).unwrap();
    let o = run(&["fmt", "w.qof", "u.qof"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(d.join("w.qof")).unwrap(),
        "\u{feff}scheme t \"T\" {\r\n  period 2019-04-01 to 2020-03-31 // the year\r\n}\r\n"
    );
    assert_eq!(
        fs::read_to_string(d.join("u.qof")).unwrap(),
        "scheme t \"T\" {\n  period 2019-04-01 to 2020-03-31\n}\n",
        "an LF file stays LF, without a byte-order mark"
    );
    let o = run(&["fmt", "--check", "w.qof", "u.qof"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
}

/// An unknown parent never suggests the scheme's own id (nor another of its chain): extending
/// it would be a cycle.
#[test]
fn an_unknown_parent_never_suggests_the_scheme_itself() {
    let d = scratch("parent");
    let header = |id: &str, parent: &str| {
        format!("scheme {id} \"T\" extends {parent} {{ period 2019-04-01 to 2020-03-31 }}\n")
    };
    fs::write(d.join("a.qof"), header("myscheme", "myschemf")).unwrap();
    let o = run(&["check", "a.qof"], &d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("error: unknown scheme `myschemf`"), "{e}");
    assert!(!e.contains("did you mean `myscheme`"), "{e}");
    assert!(e.contains("help: a parent is looked up by scheme id"), "{e}");

    // a near name that is not in the chain is still suggested
    fs::write(d.join("b.qof"), "scheme myschemg \"T\" { period 2019-04-01 to 2020-03-31 }\n")
        .unwrap();
    let o = run(&["check", "a.qof", "b.qof"], &d);
    assert!(stderr(&o).contains("did you mean `myschemg`?"), "{}", stderr(&o));
}

/// `in last N months` past the bound is an error of `check`, and so of every command that
/// checks first (`eval`, `test`); at the bound, every command runs it.
#[test]
fn check_and_eval_agree_on_the_largest_window() {
    let d = scratch("window");
    let o = run(&["synth", "--practices", "A81001", "--scale", "0.05", "--out", "pop"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let scheme = |n: &str| {
        format!(
            "scheme t \"T\" {{ period 2019-04-01 to 2020-03-31, point value £187.74, national prevalence {{ DM 7.1% }} }}\n\
             codelist DM_COD \"Diabetes\" snomed {{ 44054006 }}\n\
             codelist HBA_COD \"HbA1c\" snomed {{ 999791000000106 }}\n\
             register DM \"Diabetes mellitus\" {{ patients aged 17 or over, where DM_COD, list 17OV }}\n\
             indicator DM020 \"HbA1c 58 or less\" {{\n  group DM, domain CL, points 17, thresholds 35% to 75%\n  denominator DM\n  \
             achieved when latest HBA_COD in last {n} months has value <= 58\n}}\n"
        )
    };
    for n in ["99999999999", "100001"] {
        fs::write(d.join("s.qof"), scheme(n)).unwrap();
        for cmd in
            [&["check", "s.qof"][..], &["eval", "s.qof", "--population", "pop"], &["test", "s.qof"]]
        {
            let o = run(cmd, &d);
            assert_eq!(o.status.code(), Some(1), "{cmd:?} {n}: {}", stderr(&o));
            assert!(
                stderr(&o).contains(&format!("`{n}` is not a usable whole number")),
                "{}",
                stderr(&o)
            );
        }
    }
    fs::write(d.join("s.qof"), scheme("100000")).unwrap();
    let o = run(&["check", "s.qof"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&["eval", "s.qof", "--population", "pop", "--format", "csv"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\nA81001,"), "a result row");
}

/// Starts `args`, waits until a hidden temporary entry appears in `cwd` (polling), then sends
/// SIGINT as Ctrl-C does. Returns the exit status and the hidden entry seen.
#[cfg(unix)]
fn interrupt_once_writing(args: &[&str], cwd: &Path) -> (std::process::ExitStatus, String) {
    use std::time::{Duration, Instant};
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let seen = loop {
        let hidden = fs::read_dir(cwd)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with('.'));
        if let Some(h) = hidden {
            break h;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{args:?} ended ({status}) before writing a temporary file: make it larger");
        }
        assert!(start.elapsed() < Duration::from_secs(120), "{args:?}: no temporary file");
        std::thread::sleep(Duration::from_millis(2));
    };
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    (child.wait().unwrap(), seen)
}

#[cfg(unix)]
fn entries(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Ctrl-C during `synth` or `eval -o` removes the hidden temporary folder or file being
/// written and exits with 130: no partial output is left behind, and an existing output is
/// untouched.
#[cfg(unix)]
#[test]
fn ctrl_c_leaves_no_temporary_output() {
    let d = scratch("sigint");
    let (status, seen) =
        interrupt_once_writing(&["synth", "--random-practices", "4", "--out", "pop"], &d);
    assert!(seen.starts_with(".pop.tmp"), "{seen}");
    assert_eq!(status.code(), Some(130), "{status}");
    assert_eq!(entries(&d), Vec::<String>::new(), "the temporary folder is removed");

    // many practices, few patients each: evaluation is quick, the JSON long to write
    let o = run(&["synth", "--random-practices", "300", "--scale", "0.01", "--out", "pop"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    fs::write(d.join("out.json"), "the old result").unwrap();
    let scheme = format!("{ROOT}/rules/qof-2019-20.qof");
    let (status, seen) = interrupt_once_writing(
        &["eval", &scheme, "--population", "pop", "--format", "json", "-o", "out.json"],
        &d,
    );
    assert!(seen.starts_with(".out.json."), "{seen}");
    assert_eq!(status.code(), Some(130), "{status}");
    assert_eq!(entries(&d), ["out.json", "pop"], "the temporary file is removed");
    assert_eq!(fs::read_to_string(d.join("out.json")).unwrap(), "the old result");
}

/// A chain of `n` definitions (`define dK = d(K-1)`), or with `registers` of `n` registers
/// each on the register before, under an indicator and a test.
fn reference_chain(n: usize, registers: bool) -> String {
    let mut t = String::from(
        "scheme t \"T\" { period 2019-04-01 to 2020-03-31, point value £187.74 }\ncodelist A \"A\" snomed { 1 }\n",
    );
    let (filter, achieved) = if registers {
        t.push_str("register Q0 \"Q\" { where A, not prevalence adjusted }\n");
        for k in 1..n {
            t.push_str(&format!(
                "register Q{k} \"Q\" {{ where on register Q{}, not prevalence adjusted }}\n",
                k - 1
            ));
        }
        (format!("on register Q{}", n - 1), "A".to_string())
    } else {
        t.push_str("define d0 = A\n");
        for k in 1..n {
            t.push_str(&format!("define d{k} = d{}\n", k - 1));
        }
        ("A".to_string(), format!("d{}", n - 1))
    };
    t.push_str(&format!(
        "register R \"R\" {{ where {filter}, not prevalence adjusted }}\n\
         indicator I \"I\" {{ group R, domain CL, points 1, thresholds 10% to 20%\n  denominator R\n  achieved when {achieved}\n}}\n\
         test \"t\" {{\n  patient p1 born 1950-01-01, male, registered 2000-01-01 {{\n    A on 2019-05-01\n  }}\n  expect I numerator\n}}\n"
    ));
    t
}

/// Issue #21: a chain of ~13,500 definitions (or registers on registers) passed `check` and
/// overflowed the stack in `test`, `explain` and `compare`; ~87,000 in `eval`. Every command
/// now stops at `check`'s located depth error, exit 1, no crash.
#[test]
fn every_command_refuses_a_chain_of_references_past_the_depth_limit() {
    let d = scratch("chain");
    let o = run(&["synth", "--practices", "A81001", "--scale", "0.05", "--out", "pop"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    // every command on 13,500 of each; `check` and `eval` (which crashed past 87,000) on
    // 87,000 definitions
    let all = ["check", "test", "explain", "compare", "eval"];
    let chains = [
        ("d13500.qof", reference_chain(13_500, false), "definition `d200` nests 201", &all[..]),
        ("r13500.qof", reference_chain(13_500, true), "register `Q100` nests 201", &all),
        ("d87000.qof", reference_chain(87_000, false), "definition `d200` nests 201", &all[..1]),
        ("d87000.qof", reference_chain(87_000, false), "definition `d200` nests 201", &all[4..]),
    ];
    for (file, text, message, commands) in &chains {
        fs::write(d.join(file), text).unwrap();
        let explain = ["explain", file, "--population", "pop", "--patient", "A81001-000001"];
        for cmd in [
            &["check", file][..],
            &["test", file],
            &explain,
            &["compare", file, file, "--population", "pop"],
            &["eval", file, "--population", "pop"],
        ]
        .into_iter()
        .filter(|c| commands.contains(&c[0]))
        {
            let o = run(cmd, &d);
            let e = stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{cmd:?}: {e}");
            assert!(e.contains(&format!("error: {message}")), "{cmd:?}: {e}");
            assert!(e.contains(&format!("--> {file}:")), "{cmd:?}: located: {e}");
            assert!(!e.contains("panicked") && !e.contains("overflow"), "{cmd:?}: {e}");
        }
    }
}

/// Warnings of the aggregate readers (published counts) name their file and row, in words,
/// never a Rust value (`ReadSummary { .. }`, `Some(..)`).
#[test]
fn aggregate_warnings_name_their_file_and_row() {
    let d = scratch("aggregate_warnings");
    fs::write(
        d.join("ach.csv"),
        "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nA81001,DM020,NUMERATOR,50\nA81001,DM020,DENOMINATOR,100\nA81001,XX999,NUMERATOR,1\n",
    )
    .unwrap();
    fs::write(
        d.join("prev.csv"),
        "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nA81001,DM,5000,17OV,3300\n",
    )
    .unwrap();
    let scheme = format!("{ROOT}/rules/qof-2019-20.qof");
    let args = ["eval", &scheme, "--achievement", "ach.csv", "--prevalence", "prev.csv"];
    let o = run(&[&args[..], &["--format", "csv"]].concat(), &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains(
            "warning: a register larger than the practice's list size (check the columns) (1 row)\n --> prev.csv, row 2\n"
        ),
        "{e}"
    );
    assert!(
        e.contains("warning: unknown indicator `XX999` ignored (1 row)\n --> ach.csv, row 4\n"),
        "{e}"
    );
    for debug in ["{", "Some(", "None", "\"", "ReadSummary", "DataError"] {
        assert!(!e.contains(debug), "`{debug}` in {e}");
    }
}
