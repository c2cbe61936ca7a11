//! `qofrules eval SCHEME [--population DIR|FILE.ndjson] [--format table|csv|json]`: evaluate a
//! population (or read published counts with `--achievement` / `--prevalence`) and pay it.
//! Also the loading helpers `explain` and `test` share.

use super::check::{load, report, ErrorFormat};
use super::data::{DataArgs, Reading, Streaming};
use qofrules::diag::{Code, Diagnostic};
use qofrules::model::Population;
use qofrules::national::PrevalenceFrom;
use qofrules::pipeline::{self, render, InputFile, Inputs, Loaded, RunError};
use qofrules::population::{read_csv_stream, read_ndjson_stream, Source};
use qofrules::scheme::Scheme;
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
    /// One self-contained HTML report (totals, indicators, achievement charts, practices,
    /// reporting strata)
    Html,
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
            let name = path.display().to_string();
            pipeline::national_file(InputFile { name: &name, text: &text }).map_err(fail)
        }
        (None, PrevalenceFromArg::Population) => Ok(PrevalenceFrom::Population),
        (None, PrevalenceFromArg::Scheme) => Ok(PrevalenceFrom::Scheme),
    }
}

/// Prints diagnostics that did not stop the run on stderr.
pub fn warn(diags: &[Diagnostic]) {
    for d in diags {
        eprintln!("{}", qofrules::diag::render(d, "", ""));
    }
}

/// Prints the problems that stopped a run; exit 1 (the input has errors), or 2 when a patient
/// or an indicator named on the command line does not exist.
pub fn fail(e: RunError) -> ExitCode {
    warn(&e.diagnostics);
    let usage = e
        .diagnostics
        .iter()
        .any(|d| matches!(d.code, Code::UnknownPatient | Code::UnknownIndicator));
    ExitCode::from(if usage { 2 } else { 1 })
}

/// The published-counts files of a run, read: achievement, prevalence and structure, as
/// `(name, text)`.
pub struct CountsFiles {
    files: [Option<(String, String)>; 3],
}

impl CountsFiles {
    /// Reads the files given (`None` without `--achievement`).
    pub fn read(
        achievement: Option<&Path>,
        prevalence: Option<&Path>,
        structure: Option<&Path>,
    ) -> Result<Option<CountsFiles>, ExitCode> {
        if achievement.is_none() {
            return Ok(None);
        }
        let mut files = [None, None, None];
        for (k, path) in [achievement, prevalence, structure].into_iter().enumerate() {
            if let Some(path) = path {
                files[k] = Some((path.display().to_string(), read_text(path)?));
            }
        }
        Ok(Some(CountsFiles { files }))
    }

    /// The counts, for the driver.
    pub fn counts(&self) -> Option<pipeline::Counts<'_>> {
        let [a, p, s] = self.files.each_ref().map(InputFile::of);
        Some(pipeline::Counts { achievement: a?, prevalence: p, structure: s })
    }
}

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// The scheme's rule file
    pub scheme: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file (atomically) instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// No progress bar (it is drawn only when stderr is a terminal)
    #[arg(long, short)]
    pub quiet: bool,
    /// Stream the population even when its first rows do not look grouped by practice (by
    /// default a population of files grouped by practice is evaluated practice by practice, in
    /// memory bounded by the largest practice; others are read whole)
    #[arg(long, conflicts_with = "whole")]
    pub stream: bool,
    /// Read the population whole before evaluating it, rather than practice by practice (faster
    /// on a population that fits in memory)
    #[arg(long)]
    pub whole: bool,
}

/// Reads a scheme (and the code-list files it names) and loads it through the driver; prints
/// its diagnostics, the warnings on stderr whatever the output format. Exit 2 for an
/// unreadable file, 1 for errors in it.
pub fn load_scheme(path: &Path) -> Result<Loaded, ExitCode> {
    let (sources, roots) = load(&[path.to_path_buf()])?;
    let Some(&root) = roots.first() else { return Err(ExitCode::from(2)) };
    match pipeline::load(sources, root) {
        Ok(loaded) => {
            for d in &loaded.warnings {
                eprintln!("{}", loaded.sources.render(d));
            }
            Ok(loaded)
        }
        Err(rejected) => {
            report(&rejected.sources, &rejected.diagnostics, ErrorFormat::Human);
            Err(ExitCode::from(1))
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, ExitCode> {
    super::output::read_bytes(path).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        ExitCode::from(2)
    })
}

/// Reads the population a scheme is evaluated on. Without a path: the embedded default
/// population, dated for the scheme's period.
pub fn load_population(path: Option<&Path>, scheme: &Scheme) -> Result<Population, ExitCode> {
    match path {
        None => Ok(qofrules::synth::default_population_for(scheme.period_end)),
        Some(path) => read_population(path),
    }
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
    use qofrules::population::{Format, EVENTS_FILE, NDJSON_FILE, PATIENTS_FILE, PRACTICES_FILE};
    let result = if path.is_dir() {
        let present = [NDJSON_FILE, PATIENTS_FILE].into_iter().filter(|f| path.join(f).exists());
        if Format::detect(present) == Format::Ndjson {
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
            let mut events = super::output::open(&names[2]).map_err(cannot)?;
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
    let pname = path.display().to_string();
    let practices_path = path.with_file_name(qofrules::population::PRACTICES_FILE);
    let practices = if practices_path.exists() { Some(read(&practices_path)?) } else { None };
    let name = practices_path.display().to_string();
    let practices = practices.as_deref().map(|data| Source::new(&name, data));
    // streamed a line at a time: never the whole file in memory
    let cannot = |e: std::io::Error| {
        eprintln!("error: cannot read `{pname}`: {e}");
        ExitCode::from(2)
    };
    let mut patients = super::output::open(path).map_err(cannot)?;
    read_ndjson_stream(practices, &pname, &mut patients).map_err(cannot)
}

/// A population folder or NDJSON file streamed through the driver ([`Data::Stream`]): the
/// CLI only opens the files and hands their readers to the core's streamed readers. A
/// problem already printed (an unreadable file: exit 2; errors in the data, reported by the
/// whole reading: exit 1) is kept in `exit` and the driver is given an empty error.
pub struct FileStream {
    path: PathBuf,
    exit: std::cell::Cell<Option<ExitCode>>,
}

impl FileStream {
    pub fn new(path: &Path) -> FileStream {
        FileStream { path: path.to_path_buf(), exit: std::cell::Cell::new(None) }
    }

    /// The exit code of a problem already printed, if there was one.
    pub fn exit(&self) -> Option<ExitCode> {
        self.exit.get()
    }

    fn printed(&self, code: ExitCode) -> RunError {
        self.exit.set(Some(code));
        RunError { diagnostics: Vec::new() }
    }

    /// The NDJSON file of the population, if it is one (a file, or a folder with
    /// `patients.ndjson` and no `patients.csv`).
    fn ndjson(&self) -> Option<PathBuf> {
        use qofrules::population::{NDJSON_FILE, PATIENTS_FILE};
        let p = &self.path;
        if !p.is_dir() {
            return Some(p.clone());
        }
        (p.join(NDJSON_FILE).exists() && !p.join(PATIENTS_FILE).exists())
            .then(|| p.join(NDJSON_FILE))
    }

    /// Opens the population's files for a streamed reading: the practices file read whole, the
    /// patient (and event) files as readers.
    fn open(&self) -> Result<Opened, ExitCode> {
        use qofrules::population::{EVENTS_FILE, PATIENTS_FILE, PRACTICES_FILE};
        if let Some(path) = self.ndjson() {
            let name = path.display().to_string();
            let practices_path = path.with_file_name(PRACTICES_FILE);
            let practices = if practices_path.exists() {
                Some((practices_path.display().to_string(), read(&practices_path)?))
            } else {
                None
            };
            let patients = super::output::open(&path).map_err(cannot(&name))?;
            return Ok(Opened::Ndjson { practices, name, patients });
        }
        let names = [PRACTICES_FILE, PATIENTS_FILE, EVENTS_FILE].map(|f| self.path.join(f));
        let shown = names.clone().map(|n| n.display().to_string());
        let practices = read(&names[0])?;
        let patients = super::output::open(&names[1]).map_err(cannot(&shown[1]))?;
        let events = super::output::open(&names[2]).map_err(cannot(&shown[2]))?;
        Ok(Opened::Csv { shown, practices, patients, events })
    }

    fn go<'h>(
        &self,
        held: &'h qofrules::population::Held,
        visit: &mut dyn FnMut(qofrules::population::Pending<'h>),
    ) -> Result<qofrules::population::StreamEnd, ExitCode> {
        use qofrules::population::{stream_csv, stream_ndjson};
        match self.open()? {
            Opened::Ndjson { practices, name, mut patients } => {
                let practices = practices.as_ref().map(|(n, data)| Source::new(n, data));
                stream_ndjson(practices, &name, &mut patients, held, visit).map_err(cannot(&name))
            }
            Opened::Csv { shown, practices, mut patients, mut events } => stream_csv(
                Source::new(&shown[0], &practices),
                &shown[1],
                &mut patients,
                &shown[2],
                &mut events,
                held,
                visit,
            )
            .map_err(cannot_either(&shown)),
        }
    }

    /// Whether the population looks grouped by practice from its first rows
    /// ([`qofrules::population::looks_grouped_csv`]), so that it is streamed; NDJSON is always
    /// tried (the stream stops at the first practice met again).
    pub fn looks_grouped(&self) -> Result<bool, ExitCode> {
        match self.open()? {
            Opened::Ndjson { .. } => Ok(true),
            Opened::Csv { shown, mut patients, mut events, .. } => {
                qofrules::population::looks_grouped_csv(&mut patients, &mut events)
                    .map(|r| r.is_ok())
                    .map_err(cannot_either(&shown))
            }
        }
    }

    /// Reads only patient `id`'s rows (`explain`), telling `on_date` every event's date.
    pub fn find_patient(
        &self,
        id: &str,
        on_date: &mut dyn FnMut(qofrules::date::Date),
    ) -> Result<qofrules::population::Found, ExitCode> {
        use qofrules::population::{find_patient_csv, find_patient_ndjson};
        match self.open()? {
            Opened::Ndjson { practices, name, mut patients } => {
                let practices = practices.as_ref().map(|(n, data)| Source::new(n, data));
                find_patient_ndjson(practices, &name, &mut patients, id, on_date)
                    .map_err(cannot(&name))
            }
            Opened::Csv { shown, practices, mut patients, mut events } => find_patient_csv(
                Source::new(&shown[0], &practices),
                &shown[1],
                &mut patients,
                &shown[2],
                &mut events,
                id,
                on_date,
            )
            .map_err(cannot_either(&shown)),
        }
    }
}

/// A population's files opened for a streamed reading ([`FileStream::open`]).
enum Opened {
    Ndjson { practices: Option<(String, Vec<u8>)>, name: String, patients: std::fs::File },
    Csv { shown: [String; 3], practices: Vec<u8>, patients: std::fs::File, events: std::fs::File },
}

/// A read error of the file shown as `shown`: printed, exit 2.
fn cannot(shown: &str) -> impl Fn(std::io::Error) -> ExitCode {
    let shown = shown.to_string();
    move |e| {
        eprintln!("error: cannot read `{shown}`: {e}");
        ExitCode::from(2)
    }
}

/// A read error of the patients or the events file (which one is not told apart: both are
/// named in the message): printed, exit 2.
fn cannot_either(shown: &[String; 3]) -> impl Fn(std::io::Error) -> ExitCode + '_ {
    move |e| {
        eprintln!("error: cannot read `{}` or `{}`: {e}", shown[1], shown[2]);
        ExitCode::from(2)
    }
}

impl pipeline::PopulationStream for FileStream {
    fn stream<'h>(
        &self,
        held: &'h qofrules::population::Held,
        visit: &mut dyn FnMut(qofrules::population::Pending<'h>),
    ) -> Result<qofrules::population::StreamEnd, RunError> {
        self.go(held, visit).map_err(|code| self.printed(code))
    }

    fn whole(&self) -> Result<Population, RunError> {
        read_population(&self.path).map_err(|code| self.printed(code))
    }
}

/// Writes `text` to `path` (never over an input, never a partial file), or to standard
/// output: [`super::output::write_output`].
pub fn write_output(path: Option<&Path>, text: &str) -> Result<(), ExitCode> {
    super::output::write_output(path, text)
}

/// Streams output to `path` or standard output: [`super::output::write_output_with`]. Large
/// JSON results go out this way without first being built as one string.
pub fn write_output_with(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ExitCode> {
    super::output::write_output_with(path, write)
}

fn read_text(path: &Path) -> Result<String, ExitCode> {
    super::output::read_text(path).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        ExitCode::from(2)
    })
}

pub fn run(args: EvalArgs) -> ExitCode {
    match go(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn go(args: &EvalArgs) -> Result<(), ExitCode> {
    let loaded = load_scheme(&args.scheme)?;
    let scheme = &loaded.scheme;
    if args.data.prevalence.is_some() && args.data.achievement.is_none() {
        eprintln!("error: `--prevalence` gives practices' registers, with `--achievement`");
        eprintln!(
            "  help: for the national prevalence of a population's run, pass the file with `--national`"
        );
        return Err(ExitCode::from(2));
    }
    let from = args.data.national()?;
    // A population folder or file grouped by practice is streamed practice by practice
    // (memory bounded by the largest practice); `--whole` reads it whole, `--stream` streams it
    // whatever its first rows look like.
    let stream = match (args.whole, args.stream) {
        (true, _) => Streaming::No,
        (false, true) => Streaming::Always,
        (false, false) => Streaming::IfGrouped,
    };
    let mut files = args.data.read(scheme, Reading { stream, spinner: !args.quiet })?;
    let bar = super::progress::Bar::new(args.quiet);
    let inputs = Inputs {
        data: files.data()?,
        national: &from,
        practice: files.practice(),
        threads: 0,
        progress: &bar,
    };
    let run = pipeline::run(&loaded, &inputs)
        .map_err(|e| files.stream_exit().unwrap_or_else(|| fail(e)))?;
    // The process ends soon after: leave the population's memory to the OS.
    files.forget_population();
    warn(&run.warnings);
    let result = run.pay().map_err(fail)?;
    // The pay warnings: in the JSON and the table too, but the terminal shows stderr (and CSV
    // has no place for them).
    if args.format != Format::Table {
        for w in &result.warnings {
            eprintln!("warning: {w}");
        }
    }
    let text = match args.format {
        Format::Json => {
            // Streamed: the JSON of a million-patient population runs to hundreds of MB.
            let out = run.output(&loaded, &result);
            return write_output_with(args.output.as_deref(), |w| {
                serde_json::to_writer_pretty(&mut *w, &out).map_err(std::io::Error::other)?;
                w.write_all(b"\n")
            });
        }
        Format::Csv => render::csv(&result),
        Format::Table => render::table(&result),
        Format::Html => {
            let out = run.output(&loaded, &result);
            Ok(qofrules::report::eval_html(
                &out,
                &run.inputs.scheme,
                run.evaluation.as_ref().map(|_| &loaded.program),
                Some(&args.data.label()),
            ))
        }
    };
    let text = text.map_err(|e| {
        eprintln!("error: cannot write the result: {e}");
        ExitCode::from(2)
    })?;
    write_output(args.output.as_deref(), &text)
}
