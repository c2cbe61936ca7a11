//! `qofrules eval SCHEME [--population DIR|FILE.ndjson] [--format table|csv|json]`: evaluate a
//! population (or read published counts with `--achievement` / `--prevalence`) and pay it.
//! Also the loading helpers `explain` and `test` share.

use super::check::{load, report, ErrorFormat};
use qofrules::aggregate::{read_achievement, read_prevalence, read_structure, AchievementOptions};
use qofrules::compile::{compile, Program};
use qofrules::model::Population;
use qofrules::national::{NationalError, NationalFile, PrevalenceFrom};
use qofrules::pay::{PayResult, PracticeData};
use qofrules::pipeline::{self, JsonOutput, PracticeInputs};
use qofrules::population::{read_csv_stream, read_ndjson, Source};
use qofrules::scheme::{Scheme, Sources};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A table per practice, for reading
    Table,
    /// One row per practice and indicator
    Csv,
    /// The whole result (scheme, national figures, practices, networks, total)
    Json,
}

/// The values of `--prevalence-from`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrevalenceFromArg {
    /// The scheme's national prevalence (or the figures embedded for its year)
    Scheme,
    /// The loaded practices' own prevalence
    Population,
}

/// The national prevalence chosen by `--national FILE` and `--prevalence-from`: errors in
/// the file exit 1, an unreadable file 2.
pub fn prevalence_from(
    national: Option<&Path>,
    from: PrevalenceFromArg,
) -> Result<PrevalenceFrom, ExitCode> {
    match (national, from) {
        (Some(path), _) => {
            let text = read_text(path)?;
            NationalFile::read(&text, &path.display().to_string())
                .map(PrevalenceFrom::File)
                .map_err(|e| {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                })
        }
        (None, PrevalenceFromArg::Population) => Ok(PrevalenceFrom::Population),
        (None, PrevalenceFromArg::Scheme) => Ok(PrevalenceFrom::Scheme),
    }
}

/// Prints a missing national figure as an error with its help; exit 1.
pub fn national_error(e: &NationalError) -> ExitCode {
    eprintln!(
        "error: {}
  help: {}",
        e.message, e.help
    );
    ExitCode::from(1)
}

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// The scheme's rule file
    pub scheme: PathBuf,
    /// A population: a folder of CSV files (practices.csv, patients.csv, events.csv), a folder
    /// with patients.ndjson, or an NDJSON file; without it, the embedded default population
    #[arg(long)]
    pub population: Option<PathBuf>,
    /// Published counts instead of a population: NHS Digital's achievement file (long format)
    #[arg(long, conflicts_with = "population")]
    pub achievement: Option<PathBuf>,
    /// NHS Digital's prevalence file giving the practices' registers and list sizes, with
    /// --achievement (for national figures use --national)
    #[arg(long)]
    pub prevalence: Option<PathBuf>,
    /// National prevalence from NHS Digital's prevalence file (every practice of the year),
    /// summed per group; it replaces the scheme's figures for the groups it has
    #[arg(long, conflicts_with = "prevalence_from")]
    pub national: Option<PathBuf>,
    /// Where national prevalence comes from when --national is not given: `scheme` (its
    /// `national prevalence`, or England's embedded figures for a 2019/20 scheme) or
    /// `population` (the practices' own, summed over the practices paid)
    #[arg(long, value_enum, default_value = "scheme")]
    pub prevalence_from: PrevalenceFromArg,
    /// Which network each practice belongs to, for published counts (`practice_id,network_id`;
    /// NHS Digital's `PRACTICE_CODE,PCN_ODS_CODE` structure file also works)
    #[arg(long, requires = "achievement")]
    pub structure: Option<PathBuf>,
    /// Attested items per practice (`practice_id,item_id,met`): attested indicators, gateway
    /// requirements, obligations
    #[arg(long)]
    pub attested: Option<PathBuf>,
    /// Previous years' achievement (`practice_id,year,item,points,pounds`), for historic
    /// payment models and aspiration payments
    #[arg(long)]
    pub historic: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file (atomically) instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// No progress bar (it is drawn only when stderr is a terminal)
    #[arg(long, short)]
    pub quiet: bool,
}

/// Reads, checks and compiles a scheme; prints diagnostics. Exit 2 for an unreadable file,
/// 1 for errors in it.
pub fn load_scheme(path: &Path) -> Result<(Sources, Scheme, Program), ExitCode> {
    let (mut sources, roots) = load(&[path.to_path_buf()])?;
    let Some(&root) = roots.first() else { return Err(ExitCode::from(2)) };
    let checked = qofrules::check::check(&mut sources, root);
    if checked.errors() > 0 {
        report(&sources, &checked.diagnostics, ErrorFormat::Human);
        return Err(ExitCode::from(1));
    }
    // The checker's warnings go to stderr whatever the output format (the editor shows them).
    for d in checked.diagnostics.iter().filter(|d| !d.is_error()) {
        eprintln!("{}", sources.render(d));
    }
    let Some(scheme) = checked.scheme else { return Err(ExitCode::from(1)) };
    match compile(&scheme) {
        Ok(prog) => Ok((sources, scheme, prog)),
        Err(diags) => {
            report(&sources, &diags, ErrorFormat::Human);
            Err(ExitCode::from(1))
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        ExitCode::from(2)
    })
}

/// Reads the population a scheme is evaluated on, and warns on stderr when its records are
/// not dated for the scheme's period. Without a path: the embedded default population, dated
/// for the scheme's period.
pub fn load_population(path: Option<&Path>, scheme: &Scheme) -> Result<Population, ExitCode> {
    let pop = match path {
        None => qofrules::synth::default_population_for(scheme.period_end),
        Some(path) => read_population(path)?,
    };
    if let Some(w) = qofrules::eval::period_mismatch(&pop, scheme.period_start, scheme.period_end) {
        eprintln!("warning: {}\n  help: {}", w.message, w.help);
    }
    Ok(pop)
}

/// The practice-level input files of a run (`attested.csv`, `historic.csv`) as `(name,
/// text)`: an explicit file wins; otherwise the population folder's own, when it has one; and
/// with neither a folder nor a file, for `default_for` (a scheme run on the embedded default
/// population) the synthetic inputs `qofrules synth --for SCHEME` would write.
pub fn practice_files(
    attested: Option<&Path>,
    historic: Option<&Path>,
    population: Option<&Path>,
    default_for: Option<&Scheme>,
) -> Result<[Option<(String, String)>; 2], ExitCode> {
    use qofrules::synth::inputs::{ATTESTED_FILE, HISTORIC_FILE};
    let mut out = [None, None];
    for (k, (given, name)) in
        [(attested, ATTESTED_FILE), (historic, HISTORIC_FILE)].into_iter().enumerate()
    {
        let path = given.map(Path::to_path_buf).or_else(|| folder_file(population, name));
        if let Some(path) = path {
            out[k] = Some((path.display().to_string(), read_text(&path)?));
        }
    }
    if let (None, Some(scheme)) = (population, default_for) {
        let practices = qofrules::synth::default_practices();
        let synthetic =
            pipeline::synthetic_inputs(scheme, &practices, qofrules::synth::DEFAULT_SEED);
        for (k, (text, name)) in
            [(synthetic.0, ATTESTED_FILE), (synthetic.1, HISTORIC_FILE)].into_iter().enumerate()
        {
            if out[k].is_none() {
                out[k] = text.map(|t| (format!("{name} (synthetic, default population)"), t));
            }
        }
    }
    Ok(out)
}

/// `name` in the population folder `population`, if it is a folder that has that file.
pub fn folder_file(population: Option<&Path>, name: &str) -> Option<PathBuf> {
    let path = population?.join(name);
    path.is_file().then_some(path)
}

/// Reads a population from a CSV folder, a folder with `patients.ndjson`, or an NDJSON file
/// (with `practices.csv` beside it if there is one).
fn read_population(path: &Path) -> Result<Population, ExitCode> {
    use qofrules::population::{EVENTS_FILE, NDJSON_FILE, PATIENTS_FILE, PRACTICES_FILE};
    let result = if path.is_dir() {
        if path.join(NDJSON_FILE).exists() && !path.join(PATIENTS_FILE).exists() {
            ndjson(&path.join(NDJSON_FILE))?
        } else {
            let names = [PRACTICES_FILE, PATIENTS_FILE, EVENTS_FILE].map(|f| path.join(f));
            let data = [read(&names[0])?, read(&names[1])?];
            let shown = names.clone().map(|n| n.display().to_string());
            // events.csv, the largest file by far, is streamed: never whole in memory.
            let cannot = |e: std::io::Error| {
                eprintln!("error: cannot read `{}`: {e}", shown[2]);
                ExitCode::from(2)
            };
            let mut events = std::fs::File::open(&names[2]).map_err(cannot)?;
            read_csv_stream(
                Source::new(&shown[0], &data[0]),
                Source::new(&shown[1], &data[1]),
                &shown[2],
                &mut events,
                qofrules::population::default_threads(),
            )
            .map_err(cannot)?
        }
    } else {
        ndjson(path)?
    };
    result.map_err(|e| {
        eprintln!("{}", e.render());
        ExitCode::from(1)
    })
}

fn ndjson(path: &Path) -> Result<Result<Population, qofrules::population::DataErrors>, ExitCode> {
    let patients = read(path)?;
    let pname = path.display().to_string();
    let practices_path = path.with_file_name(qofrules::population::PRACTICES_FILE);
    if practices_path.exists() {
        let practices = read(&practices_path)?;
        let name = practices_path.display().to_string();
        Ok(read_ndjson(Some(Source::new(&name, &practices)), Source::new(&pname, &patients)))
    } else {
        Ok(read_ndjson(None, Source::new(&pname, &patients)))
    }
}

/// Writes `text` to `path` through a temporary file renamed into place (never a partial
/// file), or to standard output.
pub fn write_output(path: Option<&Path>, text: &str) -> Result<(), ExitCode> {
    write_output_with(path, |w| w.write_all(text.as_bytes()))
}

/// Streams output written by `write` to `path` through a temporary file renamed into place
/// (never a partial file: on any error the temporary file is removed), or to standard output.
/// Large JSON results go out this way without first being built as one string.
pub fn write_output_with(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ExitCode> {
    let Some(path) = path else {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        return write(&mut out).and_then(|()| out.flush()).map_err(|e| {
            eprintln!("error: cannot write output: {e}");
            ExitCode::from(2)
        });
    };
    // Only a regular file (or a new path) is replaced through a temporary file. A device or a
    // pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written in place: renaming over it would
    // swap the device for a plain file (as root, a broken `/dev/null` for every later program).
    // A symbolic link is followed, so the file it points at is replaced, not the link.
    let target = super::output_target(path);
    let path = target.as_path();
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            let res = std::fs::OpenOptions::new().write(true).open(path).and_then(|f| {
                let mut out = std::io::BufWriter::with_capacity(1 << 16, f);
                write(&mut out)?;
                out.flush()
            });
            return res.map_err(|e| {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                ExitCode::from(2)
            });
        }
    }
    let file_name = path.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.tmp{}", std::process::id()));
    let res = std::fs::File::create(&tmp)
        .and_then(|f| {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, f);
            write(&mut out)?;
            out.flush()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        eprintln!("error: cannot write `{}`: {e}", path.display());
        ExitCode::from(2)
    })
}

fn read_text(path: &Path) -> Result<String, ExitCode> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        ExitCode::from(2)
    })
}

/// Reads a structure file (practice -> network) into `data`, after the counts: errors exit 1;
/// warnings (practices without counts or without a network) are printed if `warn`.
pub fn apply_structure(
    data: &mut PracticeData,
    path: &Path,
    text: &str,
    warn: bool,
) -> Result<(), ExitCode> {
    let name = path.display().to_string();
    match read_structure(data, text, &name) {
        Ok(summary) => {
            for w in summary.warnings.iter().filter(|_| warn) {
                eprintln!("warning: {name}: {} ({} rows)", w.message, w.rows);
            }
            Ok(())
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(1))
        }
    }
}

pub fn run(args: EvalArgs) -> ExitCode {
    match go(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// Prints a pipeline error with its hint; exit code 1 (the input has errors).
fn run_error(e: pipeline::RunError) -> ExitCode {
    eprintln!("error: {e}");
    if let Some(help) = e.help() {
        eprintln!("  help: {help}");
    }
    ExitCode::from(1)
}

fn go(args: &EvalArgs) -> Result<(), ExitCode> {
    let (_sources, scheme, prog) = load_scheme(&args.scheme)?;
    if args.prevalence.is_some() && args.achievement.is_none() {
        eprintln!("error: `--prevalence` gives practices' registers, with `--achievement`");
        eprintln!(
            "  help: for the national prevalence of a population's run, pass the file with `--national`"
        );
        return Err(ExitCode::from(2));
    }
    let from = prevalence_from(args.national.as_deref(), args.prevalence_from)?;
    let [attested, historic] = practice_files(
        args.attested.as_deref(),
        args.historic.as_deref(),
        args.population.as_deref(),
        (args.achievement.is_none()).then_some(&scheme),
    )?;
    let files = [attested, historic];
    let practice = PracticeInputs::of(&files);
    let mut evaluation = None;
    let inputs = match &args.achievement {
        Some(ach) => {
            // Published counts: registers and list sizes from the prevalence file.
            let pay = qofrules::compile::pay_scheme(&scheme);
            let mut data = PracticeData::new();
            if let Some(prev) = &args.prevalence {
                let name = prev.display().to_string();
                if let Err(e) = read_prevalence(&mut data, &read_text(prev)?, &name) {
                    eprintln!("error: {e}");
                    return Err(ExitCode::from(1));
                }
            }
            let known: BTreeMap<String, String> =
                scheme.indicators.iter().map(|i| (i.id.clone(), i.group.clone())).collect();
            let opts = AchievementOptions { known: Some(&known), ..Default::default() };
            let name = ach.display().to_string();
            match read_achievement(&mut data, &read_text(ach)?, &name, &opts) {
                Ok(summary) => {
                    for w in &summary.warnings {
                        eprintln!("warning: {name}: {w}");
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return Err(ExitCode::from(1));
                }
            }
            if let Some(path) = &args.structure {
                apply_structure(&mut data, path, &read_text(path)?, true)?;
            }
            let national = qofrules::national::decide(&scheme, &pay, &data, &from)
                .map_err(|e| national_error(&e))?;
            let mut inputs = qofrules::eval::PayInputs { scheme: pay, national, data };
            pipeline::read_practice_inputs(&mut inputs, &practice, &scheme).map_err(run_error)?;
            inputs
        }
        None => {
            let reading = super::progress::Spinner::new(args.quiet, "reading the population");
            let pop = load_population(args.population.as_deref(), &scheme);
            drop(reading);
            let pop = pop?;
            let bar = super::progress::Bar::new(args.quiet);
            let run = pipeline::run_population_with_progress(
                &scheme, &prog, &pop, &from, &practice, &bar,
            )
            .map_err(run_error)?;
            // The process ends soon after: leave the population's memory to the OS rather
            // than freeing millions of event vectors one by one (0.1 s per million patients).
            std::mem::forget(pop);
            evaluation = Some(run.evaluation);
            run.inputs
        }
    };
    let result = pipeline::pay(&inputs).map_err(run_error)?;
    let text = match args.format {
        Format::Json => {
            // In the JSON too, but the terminal shows stderr.
            for w in &result.warnings {
                eprintln!("warning: {w}");
            }
            // Streamed: the JSON of a million-patient population runs to hundreds of MB.
            let out = JsonOutput::new(&result, evaluation.as_ref().map(|ev| (&prog, ev)));
            return write_output_with(args.output.as_deref(), |w| {
                serde_json::to_writer_pretty(&mut *w, &out).map_err(std::io::Error::other)?;
                w.write_all(b"\n")
            });
        }
        Format::Csv => {
            // CSV has no place for them: the pay warnings go to stderr.
            for w in &result.warnings {
                eprintln!("warning: {w}");
            }
            csv(&result)?
        }
        Format::Table => table(&result)?,
    };
    write_output(args.output.as_deref(), &text)
}

fn to_value(r: &PayResult<'_>) -> Result<serde_json::Value, ExitCode> {
    serde_json::to_value(r).map_err(|e| {
        eprintln!("error: cannot write JSON: {e}");
        ExitCode::from(2)
    })
}

/// A JSON scalar as a plain cell (`null` -> empty).
fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

const CSV_COLUMNS: &[&str] = &[
    "practice_id",
    "network_id",
    "indicator",
    "group",
    "kind",
    "max_points",
    "register",
    "denominator",
    "numerator",
    "pcas",
    "achievement",
    "points",
    "payment",
    "cpi",
    "apdf",
    "prevalence",
    "national_prevalence",
];

/// A practice's (or network's) prevalence-adjusted groups by code: (prevalence, APDF).
fn group_factors(p: &serde_json::Value) -> BTreeMap<String, (String, String)> {
    let empty = Vec::new();
    p["groups"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|g| (cell(&g["group"]), (cell(&g["prevalence"]), cell(&g["apdf"]))))
        .collect()
}

fn csv(r: &PayResult<'_>) -> Result<String, ExitCode> {
    let v = to_value(r)?;
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    let empty = Vec::new();
    for p in v["practices"].as_array().unwrap_or(&empty) {
        let groups = group_factors(p);
        for i in p["indicators"].as_array().unwrap_or(&empty) {
            let group = cell(&i["group"]);
            // a group that is not prevalence-adjusted has APDF 1 and no national prevalence
            let (prevalence, apdf, national) = match groups.get(&group) {
                Some((prev, apdf)) => (
                    prev.clone(),
                    apdf.clone(),
                    cell(&v["national"]["prevalence"][group.as_str()]["prevalence"]),
                ),
                None if i["kind"] == "historic" && group.is_empty() => {
                    (String::new(), String::new(), String::new())
                }
                None => (String::new(), "1".to_string(), String::new()),
            };
            let row = [
                cell(&p["practice_id"]),
                cell(&p["network_id"]),
                cell(&i["id"]),
                cell(&i["group"]),
                cell(&i["kind"]),
                cell(&i["max_points"]),
                cell(&i["register"]),
                cell(&i["denominator"]),
                cell(&i["numerator"]),
                cell(&i["pcas"]),
                cell(&i["achievement"]),
                cell(&i["points"]),
                cell(&i["payment"]),
                cell(&p["cpi"]),
                apdf,
                prevalence,
                national,
            ];
            let row: Vec<String> = row.iter().map(|c| csv_field(c)).collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    Ok(out)
}

/// A decimal string shown to `places` places (other text as it is).
fn places(s: &str, places: u32) -> String {
    match s.parse::<rust_decimal::Decimal>() {
        Ok(d) => format!("{:.*}", places as usize, d.round_dp(places)),
        Err(_) => s.to_string(),
    }
}

/// The CPI of each practice and the APDF of each prevalence-adjusted group, under a row of
/// national prevalence (figures shown rounded; the JSON and CSV keep them exact).
fn factors_table(v: &serde_json::Value) -> String {
    let empty = Vec::new();
    let practices = v["practices"].as_array().unwrap_or(&empty);
    let mut groups: Vec<String> = Vec::new();
    for p in practices {
        for g in p["groups"].as_array().unwrap_or(&empty) {
            let id = cell(&g["group"]);
            if !groups.contains(&id) {
                groups.push(id);
            }
        }
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut head = vec!["practice".to_string(), "CPI".to_string()];
    head.extend(groups.iter().cloned());
    rows.push(head);
    let mut national = vec!["national".to_string(), String::new()];
    for g in &groups {
        let p = cell(&v["national"]["prevalence"][g.as_str()]["prevalence"]);
        national.push(match p.parse::<rust_decimal::Decimal>() {
            Ok(d) => format!("{:.2}%", (d * rust_decimal::Decimal::ONE_HUNDRED).round_dp(2)),
            Err(_) => "-".to_string(),
        });
    }
    rows.push(national);
    for p in practices {
        let factors = group_factors(p);
        let mut row = vec![cell(&p["practice_id"]), places(&cell(&p["cpi"]), 4)];
        for g in &groups {
            row.push(factors.get(g).map_or(String::new(), |(_, a)| places(a, 4)));
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0))
        .collect();
    let mut out = format!(
        "\nCPI (list size / {}) and APDF (practice prevalence / national prevalence) by group\n\n",
        cell(&v["national"]["average_list_size"])
    );
    out.push_str(&aligned(&rows, &widths, 1, |k| k == 1));
    out
}

/// Rows as aligned text: columns from `right_from` on are right-aligned, and a rule follows
/// every row `rule_after` picks.
fn aligned<R: AsRef<[String]>>(
    rows: &[R],
    widths: &[usize],
    right_from: usize,
    rule_after: impl Fn(usize) -> bool,
) -> String {
    let mut out = String::new();
    for (k, r) in rows.iter().enumerate() {
        let line: Vec<String> = r
            .as_ref()
            .iter()
            .enumerate()
            .map(|(c, s)| {
                let pad = widths[c] - s.chars().count();
                if c >= right_from {
                    format!("{}{s}", " ".repeat(pad))
                } else {
                    format!("{s}{}", " ".repeat(pad))
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if rule_after(k) {
            let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out
}

/// Points shown to two places (the JSON and CSV keep them exact).
fn points2(v: &serde_json::Value) -> String {
    let s = cell(v);
    match s.parse::<rust_decimal::Decimal>() {
        Ok(d) => format!("{:.2}", d.round_dp(2)),
        Err(_) => s,
    }
}

fn table(r: &PayResult<'_>) -> Result<String, ExitCode> {
    let v = to_value(r)?;
    let empty = Vec::new();
    let mut rows: Vec<[String; 5]> = vec![[
        "practice".into(),
        "network".into(),
        "list size".into(),
        "points".into(),
        "payment".into(),
    ]];
    for p in v["practices"].as_array().unwrap_or(&empty) {
        rows.push([
            cell(&p["practice_id"]),
            cell(&p["network_id"]),
            cell(&p["list_size"]),
            points2(&p["points"]),
            format!("£{}", cell(&p["payment"])),
        ]);
    }
    for n in v["networks"].as_array().unwrap_or(&empty) {
        rows.push([
            format!("network {}", cell(&n["network_id"])),
            cell(&n["network_id"]),
            cell(&n["list_size"]),
            points2(&n["points"]),
            format!("£{}", cell(&n["payment"])),
        ]);
    }
    rows.push([
        "total".into(),
        String::new(),
        String::new(),
        points2(&v["total"]["points"]),
        format!("£{}", cell(&v["total"]["payment"])),
    ]);
    let widths: Vec<usize> =
        (0..5).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = format!(
        "{} ({}), period ending {}\n",
        cell(&v["scheme"]["title"]),
        cell(&v["scheme"]["id"]),
        cell(&v["scheme"]["period_end"])
    );
    out.push_str(&format!(
        "national average list size {} ({}); national prevalence: {}\n\n",
        cell(&v["national"]["average_list_size"]),
        cell(&v["national"]["average_list_size_source"]),
        cell(&v["national"]["prevalence_source"])
    ));
    out.push_str(&aligned(&rows, &widths, 2, |k| k == 0 || k == rows.len() - 2));
    out.push_str(&factors_table(&v));
    for w in v["warnings"].as_array().unwrap_or(&empty) {
        out.push_str(&format!(
            "warning: {} ({} practices, e.g. {})\n",
            cell(&w["message"]),
            cell(&w["practices"]),
            cell(&w["example"])
        ));
    }
    Ok(out)
}
