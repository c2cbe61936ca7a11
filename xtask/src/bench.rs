//! `cargo xtask bench`: runs `benches/engine.rs` in release, the end-to-end run of the release
//! CLI on a national-size CSV population (`e2e/...`), writes `bench/results/engine.json` and
//! `bench/results/README.md` (a Markdown table), and the release wasm size when `pkg/` is
//! built (`bench/results/wasm-size.json`).

use crate::build;
use crate::util::{self, cargo, probe, root, run_tee, Result};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub fn bench(filter: Option<&str>) -> Result {
    let selects = |name: &str| filter.is_none_or(|f| name.contains(f));
    let mut lines: Vec<String> = Vec::new();
    // the release build of `benches/engine.rs` only when the filter can select one of its cases
    // (`cargo xtask bench page/` runs the page's benchmark alone)
    if filter.is_none_or(|f| rust_may_select(f, &rust_bench_names())) {
        let mut c = cargo();
        c.args(["bench", "--package", "qofrules", "--bench", "engine"]);
        if let Some(f) = filter {
            c.args(["--", f]);
        }
        let (ok, out) = run_tee(&mut c)?;
        if !ok {
            return Err("the benchmarks failed".to_owned());
        }
        lines.extend(json_lines(&out));
    }
    if WASM_NAMES.iter().any(|n| selects(n)) {
        lines.extend(wasm_benches(&selects));
    }
    if selects(E2E_NAME) {
        lines.push(end_to_end()?);
    }
    // long (tens of minutes, about 24 GB of disk): only when asked for by name
    if filter.is_some_and(|f| ENGLAND_NAME.contains(f)) {
        lines.push(all_england()?);
    }
    if lines.is_empty() {
        return Err("the benchmarks printed no results".to_owned());
    }

    let dir = root().join("bench").join("results");
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("could not create `{}`: {e}", dir.display()))?;
    let when = utc_now();
    // a filtered run replaces its own rows and keeps the others from the last run
    let mut kept_from = None;
    // an unfiltered run keeps only the all-England row, which runs only when asked for by name
    if let Ok(old) = std::fs::read_to_string(dir.join("engine.json")) {
        let old_rows = file_lines(&old);
        let old_rows = match filter {
            Some(_) => old_rows,
            None => old_rows
                .into_iter()
                .filter(|l| field(l, "name").as_deref() == Some(ENGLAND_NAME))
                .collect(),
        };
        if !old_rows.is_empty() {
            let (merged, kept) = merge_by_name(old_rows, lines);
            lines = merged;
            if kept > 0 {
                let date = old.lines().find_map(|l| field(l.trim().trim_end_matches(','), "date"));
                kept_from = Some((kept, date.unwrap_or_default()));
            }
        }
    }
    let rustc = probe(util::cmd("rustc").arg("-V")).unwrap_or_default().trim().to_owned();
    let cpu = cpu_model();
    let machine =
        format!("{} ({} cores)", cpu, std::thread::available_parallelism().map_or(1, |n| n.get()));

    let mut json = String::new();
    let _ = write!(
        json,
        "{{\n  \"date\": \"{when}\",\n  \"rustc\": \"{}\",\n  \"machine\": \"{}\",\n  \"benchmarks\": [\n",
        escape(&rustc),
        escape(&machine)
    );
    json.push_str(&lines.iter().map(|l| format!("    {l}")).collect::<Vec<_>>().join(",\n"));
    json.push_str("\n  ]\n}\n");
    write_atomic(&dir.join("engine.json"), &json)?;

    let mut md = String::new();
    let _ = writeln!(md, "# Benchmark results\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench` on {when}: {rustc}, {machine}. Times are per iteration \
         (median of the timed iterations after warm-up); raw numbers in `engine.json`.\n"
    );
    match (&kept_from, filter) {
        (Some((kept, date)), Some(filter)) => {
            let _ = writeln!(
                md,
                "That run was filtered (`cargo xtask bench {filter}`): {kept} rows are kept \
                 from the earlier run of {date}.\n"
            );
        }
        (Some((_, date)), None) => {
            let _ = writeln!(
                md,
                "The `{ENGLAND_NAME}` row is kept from the file of {date}: it runs only when \
                 asked for (`cargo xtask bench all_england`).\n"
            );
        }
        (None, _) => {}
    }
    let _ = writeln!(md, "| benchmark | elements | median | min | max | median per element |");
    let _ = writeln!(md, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for line in &lines {
        let f = |key: &str| field(line, key).unwrap_or_default();
        let ns = |key: &str| f(key).parse::<f64>().map(duration).unwrap_or_default();
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} | {} ns |",
            f("name"),
            f("elements"),
            ns("median_ns"),
            ns("min_ns"),
            ns("max_ns"),
            f("median_ns_per_element")
        );
    }

    if build::pkg_wasm().is_file() {
        let (raw, gz) = build::wasm_size()?;
        let size = format!("{{\n  \"date\": \"{when}\",\n  \"file\": \"pkg/qofrules_bg.wasm\",\n  \"raw_bytes\": {raw},\n  \"gzip_bytes\": {gz}\n}}\n");
        write_atomic(&dir.join("wasm-size.json"), &size)?;
        let _ = writeln!(
            md,
            "\nRelease wasm (`pkg/qofrules_bg.wasm`, with the embedded default population and \
             reference data): {} raw, {} gzipped (`gzip -9`; target: under 1.5 MiB).",
            build::kib(raw),
            build::kib(gz)
        );
    } else {
        println!("pkg/ is not built: run `cargo xtask serve` or `cargo xtask test` to include the wasm size");
    }
    if let Some(line) = lines.iter().find(|l| field(l, "name").as_deref() == Some(E2E_NAME)) {
        let mb = |key: &str| {
            field(line, key).and_then(|v| v.parse::<f64>().ok()).map_or(0.0, |b| b / 1e6)
        };
        let (rss, input) = (mb("peak_rss_bytes"), mb("input_bytes"));
        let _ = writeln!(
            md,
            "\nEnd to end (`{E2E_NAME}`): the release CLI, `qofrules eval rules/qof-2019-20.qof \
             --population DIR --format json --output FILE`, on a generated CSV population of {} \
             patients with 30 events each ({input:.0} MB of CSV; `qofrules synth --all-england \
             --scale {E2E_SCALE} --events-per-patient 30`), wall time per run; peak resident \
             memory {rss:.0} MB, {:.2} times the input (targets: under 3 s, under 3 times).",
            field(line, "elements").unwrap_or_default(),
            rss / input.max(1e-9),
        );
    }
    if let Some(line) = lines.iter().find(|l| field(l, "name").as_deref() == Some(ENGLAND_NAME)) {
        let num = |key: &str| field(line, key).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        let _ = writeln!(
            md,
            "\nAll England (`{ENGLAND_NAME}`, run only when named): `qofrules synth --all-england \
             --scale {} --events-per-patient {}` written to disk ({:.1} GB of CSV, synthesised in \
             {:.1} s), then the release CLI's streamed `eval rules/qof-2019-20.qof` of {} patients: \
             {:.1} s, {:.0} patients/s, peak resident memory {:.0} MB (target: under 2 GB).",
            field(line, "scale").unwrap_or_default(),
            field(line, "events_per_patient").unwrap_or_default(),
            num("input_bytes") / 1e9,
            num("synth_ns") / 1e9,
            field(line, "elements").unwrap_or_default(),
            num("median_ns") / 1e9,
            num("patients_per_s"),
            num("peak_rss_bytes") / 1e6,
        );
    }
    let _ = writeln!(
        md,
        "\nThe editor's workload (`www/bench/`, see docs/editor.md): QOF 2019/20 re-evaluated \
         after an edit on about 50,000 patients, natively (`session/...`), in wasm under Node \
         (`wasm-node/...`) and in the page's worker in headless Chromium (`page/...`; target \
         under 200 ms)."
    );
    write_atomic(&dir.join("README.md"), &md)?;
    print!("\n{md}");
    println!("\nwrote {}", dir.display());
    Ok(())
}

/// The wasm benchmarks' names: under Node (`www/bench/node.mjs`), then in the page
/// (`www/bench/page.mjs`).
const WASM_NAMES: [&str; 4] = [
    "wasm-node/session_evaluate_qof_2019_20_after_edit",
    "page/evaluate_qof_2019_20_after_edit",
    "page/keystroke_to_results_qof_2019_20",
    "page/keystroke_to_results_qof_2019_20_comment_edit",
];

/// The end-to-end benchmark's name, and the scale giving about a million patients.
const E2E_NAME: &str = "e2e/eval_qof_2019_20_csv_1m_patients_30_events";
const E2E_SCALE: &str = "0.0161";
const E2E_RUNS: usize = 3;

/// The issue's end-to-end measure: builds the release CLI, generates (once, kept under the
/// target folder) a national CSV population of about a million patients with 30 events
/// each, then times `qofrules eval` of QOF 2019/20 on it with JSON output to a file, and
/// reads the child's peak resident memory from `/proc` while it runs. Returns the result as
/// one JSON line like the engine benchmarks', with `peak_rss_bytes` and `input_bytes`.
fn end_to_end() -> Result<String> {
    let mut c = cargo();
    c.args(["build", "--release", "--package", "qofrules", "--bin", "qofrules"]);
    util::run(&mut c)?;
    let exe = util::target_dir()
        .join("release")
        .join(format!("qofrules{}", std::env::consts::EXE_SUFFIX));
    let work = util::target_dir().join("bench-e2e");
    let pop = work.join(format!("england-{E2E_SCALE}-30-events"));
    if !pop.join("events.csv").is_file() {
        let mut c = util::cmd(&exe);
        c.args(["synth", "--all-england", "--scale", E2E_SCALE, "--events-per-patient", "30"])
            .args(["--seed", "2020", "--force", "--out"])
            .arg(&pop);
        util::run(&mut c)?;
    }
    let files = ["practices.csv", "patients.csv", "events.csv"];
    let mut input_bytes = 0u64;
    for f in files {
        let path = pop.join(f);
        input_bytes += std::fs::metadata(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
            .len();
    }
    let patients = std::fs::read(pop.join("patients.csv"))
        .map(|b| b.iter().filter(|&&c| c == b'\n').count().saturating_sub(1))
        .unwrap_or(0);
    let out = work.join("result.json");
    let mut times = Vec::new();
    let mut peak = 0u64;
    for _ in 0..E2E_RUNS {
        let mut c = util::cmd(&exe);
        c.args(["eval", "rules/qof-2019-20.qof", "--format", "json", "--population"])
            .arg(&pop)
            .arg("--output")
            .arg(&out);
        let (elapsed, run_peak) = run_measured(&mut c, &exe, Duration::from_millis(5))?;
        peak = peak.max(run_peak);
        times.push(elapsed);
    }
    let _ = std::fs::remove_file(&out);
    times.sort_unstable();
    let median = times[times.len() / 2];
    let line = format!(
        "{{\"name\":\"{E2E_NAME}\",\"elements\":{patients},\"iterations\":{E2E_RUNS},\"median_ns\":{median},\"min_ns\":{},\"max_ns\":{},\"median_ns_per_element\":{:.3},\"peak_rss_bytes\":{peak},\"input_bytes\":{input_bytes}}}",
        times[0],
        times[times.len() - 1],
        median as f64 / patients.max(1) as f64,
    );
    println!("{line}");
    Ok(line)
}

const ENGLAND_NAME: &str = "e2e/all_england_scale1";
/// Events per patient of the all-England run: records padded to at least 5 events (about 9
/// on average with the generated ones) keep the population near 24 GB on disk (470 MB at
/// scale 0.02: 1.2 million patients, 11 million events), within the machine's free disk; the
/// 1M-patient case above measures the cost of longer records.
const ENGLAND_EVENTS: &str = "5";

/// The issue's acceptance measure: all England at scale 1 (about 60 million patients),
/// generated to disk by `qofrules synth` (its streamed writer), then evaluated streamed by
/// `qofrules eval` (QOF 2019/20, JSON to a file), once. Records the evaluation's wall time,
/// its peak resident memory (the bound: under 2 GB) and patients per second, the synthesis
/// time and the input size; the population is removed afterwards (it is regenerated each run:
/// the generator is part of the measure). Long (tens of minutes): it runs only when the
/// filter names it (`cargo xtask bench all_england`).
fn all_england() -> Result<String> {
    let mut c = cargo();
    c.args(["build", "--release", "--package", "qofrules", "--bin", "qofrules"]);
    util::run(&mut c)?;
    let exe = util::target_dir()
        .join("release")
        .join(format!("qofrules{}", std::env::consts::EXE_SUFFIX));
    let scale = std::env::var("QOFRULES_BENCH_ENGLAND_SCALE").unwrap_or_else(|_| "1".to_owned());
    let work = util::target_dir().join("bench-england");
    let pop = work.join(format!("england-{scale}-{ENGLAND_EVENTS}-events"));
    let mut c = util::cmd(&exe);
    c.args(["synth", "--all-england", "--scale", &scale, "--events-per-patient", ENGLAND_EVENTS])
        .args(["--seed", "2020", "--force", "--quiet", "--out"])
        .arg(&pop);
    println!("$ {}", util::show(&c));
    let start = Instant::now();
    util::run(&mut c)?;
    let synth_ns = start.elapsed().as_nanos();
    let mut input_bytes = 0u64;
    for f in ["practices.csv", "patients.csv", "events.csv"] {
        let path = pop.join(f);
        input_bytes += std::fs::metadata(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
            .len();
    }
    let patients = count_lines(&pop.join("patients.csv"))?.saturating_sub(1);
    let out = work.join("result.json");
    let mut c = util::cmd(&exe);
    c.args(["eval", "rules/qof-2019-20.qof", "--format", "json", "--quiet", "--stream"])
        .arg("--population")
        .arg(&pop)
        .arg("--output")
        .arg(&out);
    let measured = run_measured(&mut c, &exe, Duration::from_millis(20));
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_dir_all(&pop);
    let (elapsed, peak) = measured?;
    let per_s = patients as f64 / (elapsed as f64 / 1e9);
    let line = format!(
        "{{\"name\":\"{ENGLAND_NAME}\",\"scale\":\"{scale}\",\"events_per_patient\":{ENGLAND_EVENTS},\"elements\":{patients},\"iterations\":1,\"median_ns\":{elapsed},\"min_ns\":{elapsed},\"max_ns\":{elapsed},\"median_ns_per_element\":{:.3},\"patients_per_s\":{per_s:.0},\"peak_rss_bytes\":{peak},\"input_bytes\":{input_bytes},\"synth_ns\":{synth_ns}}}",
        elapsed as f64 / patients.max(1) as f64,
    );
    println!("{line}");
    Ok(line)
}

/// Runs `qofrules eval` (the command `c` of `exe`): its wall time in nanoseconds and its peak
/// resident memory in bytes, read every `poll`; an error when it fails.
fn run_measured(c: &mut std::process::Command, exe: &Path, poll: Duration) -> Result<(u128, u64)> {
    println!("$ {}", util::show(c));
    let start = Instant::now();
    let mut child = c.spawn().map_err(|e| format!("could not start `{}`: {e}", exe.display()))?;
    let mut peak = 0u64;
    let status = loop {
        peak = peak.max(peak_rss(child.id()).unwrap_or(0));
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(poll),
            Err(e) => return Err(format!("waiting for `qofrules eval`: {e}")),
        }
    };
    let elapsed = start.elapsed().as_nanos();
    if !status.success() {
        return Err(format!("`qofrules eval` failed ({status})"));
    }
    Ok((elapsed, peak))
}

/// The number of line ends in a file, read a block at a time.
fn count_lines(path: &Path) -> Result<usize> {
    use std::io::Read;
    let mut f =
        std::fs::File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0;
    loop {
        let k = f.read(&mut buf).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if k == 0 {
            return Ok(n);
        }
        n += buf[..k].iter().filter(|&&c| c == b'\n').count();
    }
}

/// The peak resident set size of a running process (`VmHWM` in `/proc/PID/status`), in
/// bytes; `None` when unavailable (not Linux, or the process has ended).
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 =
        line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

/// Every benchmark's name in `benches/engine.rs` (a name may hold a `{placeholder}` filled in
/// by `format!`), read from its string literals; empty when the file cannot be read.
fn rust_bench_names() -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(root().join("benches").join("engine.rs")) else {
        return Vec::new();
    };
    names_in_source(&text)
}

fn names_in_source(text: &str) -> Vec<String> {
    let name_char = |c: char| c.is_ascii_alphanumeric() || "_-/{}".contains(c);
    let mut names: Vec<String> = text
        .split('"')
        .skip(1)
        .step_by(2)
        .flat_map(str::split_whitespace)
        .filter(|w| w.contains('/') && !w.starts_with('/') && w.chars().all(name_char))
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Whether the harness of `benches/engine.rs` may run a case for `filter` (it runs the cases
/// whose name holds the filter). A name's `{placeholder}` may stand for anything, so such a
/// name may match when the filter falls within one of its fixed parts or starts with the
/// part before the placeholder. Without names (unreadable source), it may.
fn rust_may_select(filter: &str, names: &[String]) -> bool {
    names.is_empty()
        || names.iter().any(|n| {
            let Some(open) = n.find('{') else { return n.contains(filter) };
            let head = &n[..open];
            filter.starts_with(head)
                || n.split(['{', '}']).step_by(2).any(|part| part.contains(filter))
        })
}

/// The rows of a run merged into the earlier file's rows by name: a row of the run replaces
/// the earlier row of its name in place, new names come last. Also returns how many earlier
/// rows were kept.
fn merge_by_name(old: Vec<String>, new: Vec<String>) -> (Vec<String>, usize) {
    let name = |l: &String| field(l, "name");
    let mut fresh: Vec<Option<String>> = new.into_iter().map(Some).collect();
    let mut kept = 0;
    let mut out: Vec<String> = old
        .into_iter()
        .map(|o| {
            let at = fresh.iter().position(|f| f.as_ref().is_some_and(|f| name(f) == name(&o)));
            match at.and_then(|i| fresh[i].take()) {
                Some(f) => f,
                None => {
                    kept += 1;
                    o
                }
            }
        })
        .collect();
    out.extend(fresh.into_iter().flatten());
    (out, kept)
}

/// The benchmark rows of an `engine.json` written by `bench`.
fn file_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim().trim_end_matches(','))
        .filter(|l| l.starts_with("{\"name\"") && l.ends_with('}'))
        .map(str::to_owned)
        .collect()
}

fn json_lines(out: &str) -> Vec<String> {
    out.lines()
        .map(str::trim)
        .filter(|l| l.starts_with('{') && l.ends_with('}'))
        .map(str::to_owned)
        .collect()
}

/// The editor's workload in wasm (`www/bench/`): under Node when `pkg/` is built, and in the
/// page in headless Chromium when `www/dist` is built too and Chromium is installed. A
/// benchmark that cannot run is reported and left out.
fn wasm_benches(selects: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut lines = Vec::new();
    if !build::pkg_wasm().is_file() {
        println!("pkg/ is not built: no wasm benchmarks (run `cargo xtask serve` first)");
        return lines;
    }
    let www = root().join("www");
    if selects(WASM_NAMES[0]) {
        match run_tee(util::cmd("node").arg(www.join("bench").join("node.mjs"))) {
            Ok((true, out)) => lines.extend(json_lines(&out)),
            Ok((false, _)) => println!("the wasm benchmark under Node failed"),
            Err(e) => println!("{e}"),
        }
    }
    if !WASM_NAMES[1..].iter().any(|n| selects(n)) {
        return lines;
    }
    let chromium = crate::tools::chromium_path();
    if !www.join("dist").join("index.html").is_file() || !chromium.is_file() {
        println!("www/dist or Chromium is missing: no in-page benchmark");
        return lines;
    }
    let listener = match std::net::TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => {
            println!("could not open a port for the in-page benchmark: {e}");
            return lines;
        }
    };
    let Ok(addr) = listener.local_addr() else { return lines };
    crate::server::spawn(www.join("dist"), listener, false);
    let mut c = util::cmd("node");
    c.arg(www.join("bench").join("page.mjs"))
        .env("QOFRULES_URL", format!("http://{addr}/"))
        .env("CHROMIUM_PATH", &chromium)
        .current_dir(&www);
    match run_tee(&mut c) {
        Ok((true, out)) => lines.extend(json_lines(&out)),
        Ok((false, _)) => println!("the in-page benchmark failed"),
        Err(e) => println!("{e}"),
    }
    lines
}

/// The raw text of `"key":value` in one of our own JSON lines (no nesting, no escapes).
fn field(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &line[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim().trim_matches('"').to_owned())
}

fn duration(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned())
}

/// Now as `YYYY-MM-DDTHH:MM:SSZ`.
fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // civil_from_days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
fn write_atomic(path: &Path, text: &str) -> Result {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("could not write `{}`: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_of_a_result_line() {
        let line = r#"{"name":"date/parse_bytes","elements":1000000,"median_ns":1500000}"#;
        assert_eq!(field(line, "name").as_deref(), Some("date/parse_bytes"));
        assert_eq!(field(line, "median_ns").as_deref(), Some("1500000"));
        assert_eq!(field(line, "missing"), None);
        assert_eq!(duration(1_500_000.0), "1.50 ms");
        assert_eq!(duration(999.0), "999 ns");
    }

    #[test]
    fn a_filter_runs_the_rust_benches_only_when_it_may_select_one() {
        let src = "h.run(\"check/parse_100kb\", n, || {});\n\
                   const NAMES: &str = \"load/csv_30_events load/ndjson_30_events\";\n\
                   let _ = shipped(\"rules/qof-2019-20.qof\");\n\
                   let name = format!(\"robust/inspect_{tag}\");\n\
                   h.run(\"session/evaluate_qof_2019_20_after_edit\", n, || {});";
        let names = names_in_source(src);
        assert_eq!(
            names,
            [
                "check/parse_100kb",
                "load/csv_30_events",
                "load/ndjson_30_events",
                "robust/inspect_{tag}",
                "session/evaluate_qof_2019_20_after_edit"
            ]
        );
        for f in ["page/", "page/keystroke", "keystroke", "wasm-node/", "e2e/", "all_england"] {
            assert!(!rust_may_select(f, &names), "{f}");
        }
        for f in
            ["check/", "csv_30", "robust/inspect_10mb", "inspect_", "after_edit", "qof_2019_20"]
        {
            assert!(rust_may_select(f, &names), "{f}");
        }
        assert!(rust_may_select("page/", &[]), "unknown names: the benches run");
        // the real file has names, and its page cases are not among them
        let real = rust_bench_names();
        assert!(real.iter().any(|n| n.starts_with("session/")), "{real:?}");
        assert!(!rust_may_select("page/keystroke", &real));
    }

    #[test]
    fn a_filtered_run_replaces_its_rows_and_keeps_the_others() {
        let row = |n: &str, ns: u32| format!("{{\"name\":\"{n}\",\"median_ns\":{ns}}}");
        let old = format!(
            "{{\n  \"date\": \"2026-12-07T18:39:59Z\",\n  \"benchmarks\": [\n    {},\n    {},\n    {}\n  ]\n}}\n",
            row("a/x", 1),
            row("page/k", 2),
            row("b/y", 3)
        );
        let old_rows = file_lines(&old);
        assert_eq!(old_rows, [row("a/x", 1), row("page/k", 2), row("b/y", 3)]);
        let (merged, kept) = merge_by_name(old_rows, vec![row("page/new", 5), row("page/k", 4)]);
        assert_eq!(merged, [row("a/x", 1), row("page/k", 4), row("b/y", 3), row("page/new", 5)]);
        assert_eq!(kept, 2);
    }

    #[test]
    fn formats_utc_dates() {
        let now = utc_now();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.starts_with("20") && now.ends_with('Z'), "{now}");
    }
}
