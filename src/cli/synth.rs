//! `qofrules synth`: writes a synthetic population calibrated on real practices.
//!
//! The population is streamed practice by practice into a temporary folder next to `--out`,
//! which is renamed into place only once complete: `--out` never holds a partial output.

use clap::{ArgGroup, Args, ValueEnum};
use qofrules::date::Date;
use qofrules::population::{EVENTS_FILE, NDJSON_FILE, PATIENTS_FILE, PRACTICES_FILE};
use qofrules::synth::inputs::{self, InputSpec, ATTESTED_FILE, HISTORIC_FILE};
use qofrules::synth::{self, Selection, SynthOptions, SynthYear};
use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// practices.csv, patients.csv and events.csv
    Csv,
    /// practices.csv and patients.ndjson (one patient per line, with its events)
    Ndjson,
}

impl Format {
    /// The core's population layout of this choice.
    fn layout(self) -> qofrules::population::Format {
        match self {
            Format::Csv => qofrules::population::Format::Csv,
            Format::Ndjson => qofrules::population::Format::Ndjson,
        }
    }
}

#[derive(Args, Debug)]
#[command(group(
    ArgGroup::new("selection")
        .required(true)
        .args(["ccg", "network", "practices", "all_england", "random_practices"]),
))]
pub struct SynthArgs {
    /// A CCG by name or code, e.g. "NHS Dudley CCG", "Dudley" or "05C"
    #[arg(long, value_name = "NAME_OR_CODE")]
    pub ccg: Option<String>,
    /// A primary care network by ODS code, e.g. U12345
    #[arg(long, value_name = "CODE")]
    pub network: Option<String>,
    /// Practices by ODS code, comma-separated, e.g. A81001,A81002
    #[arg(long, value_name = "CODE,...", value_delimiter = ',')]
    pub practices: Option<Vec<String>>,
    /// Every practice in England (6,720 in 2019/20)
    #[arg(long)]
    pub all_england: bool,
    /// N practices drawn at random (by the seed)
    #[arg(long, value_name = "N")]
    pub random_practices: Option<usize>,
    /// Share of each practice to generate, 0 < F <= 1
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    pub scale: f64,
    /// Seed of the generator: the same arguments and seed give the same bytes
    #[arg(long, value_name = "S", default_value_t = synth::DEFAULT_SEED)]
    pub seed: u64,
    /// The year whose reference figures calibrate the population
    #[arg(long, value_name = "YEAR", default_value = "2019-20")]
    pub year: String,
    /// Date every record for this scheme's period (its period end replaces 31 March 2020;
    /// list sizes and registers stay those of the 2019/20 calibration)
    #[arg(long = "for", value_name = "SCHEME_FILE", conflicts_with = "period")]
    pub for_scheme: Option<PathBuf>,
    /// Date every record for the period START..END, e.g. 2018-04-01..2019-03-31
    #[arg(long, value_name = "START..END")]
    pub period: Option<String>,
    /// The folder to create
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// No progress bar (it is drawn only when stderr is a terminal)
    #[arg(long, short)]
    pub quiet: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Replace `--out` if it exists
    #[arg(long)]
    pub force: bool,
    /// Pad every record to at least N events with everyday codes no shipped scheme looks at
    /// (same results, the size of a real record set: for load tests)
    #[arg(long, value_name = "N")]
    pub events_per_patient: Option<usize>,
}

/// The most events `--events-per-patient` pads a record to: a generous real record, and a
/// bound on memory (a practice's records are held at once: ~8,000 patients x 10,000 events
/// is about 2 GB).
pub const MAX_EVENTS_PER_PATIENT: usize = 10_000;

/// The file synth writes into every folder it creates; `--force` replaces only a folder that
/// holds it (and nothing but synth's own files).
pub const MARKER_FILE: &str = ".qofrules-synth";

/// Every file synth may write into its folder: all a folder replaced by `--force` may hold.
const OWN_FILES: [&str; 7] = [
    MARKER_FILE,
    PRACTICES_FILE,
    PATIENTS_FILE,
    EVENTS_FILE,
    NDJSON_FILE,
    ATTESTED_FILE,
    HISTORIC_FILE,
];

/// Why `--force` may not replace `dir`, if it may not: it must be a folder synth wrote (with
/// [`MARKER_FILE`]) holding nothing but synth's own files.
fn not_replaceable(dir: &Path) -> Option<String> {
    if !dir.join(MARKER_FILE).is_file() {
        return Some("it was not written by `qofrules synth`".into());
    }
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return Some(format!("it cannot be read: {e}")),
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => return Some(format!("it cannot be read: {e}")),
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        if !is_file || !OWN_FILES.contains(&name.as_str()) {
            return Some(format!("it holds `{name}`, which synth did not write"));
        }
    }
    None
}

/// Removes a folder synth wrote: its own files, then the folder (never anything else).
fn remove_own(dir: &Path) -> io::Result<()> {
    for name in OWN_FILES {
        match fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    fs::remove_dir(dir)
}

fn usage_error(message: &str, help: &str) -> ExitCode {
    eprintln!("error: {message}\n  help: {help}");
    ExitCode::from(2)
}

#[derive(Default)]
struct Totals {
    /// The practices written, for the practice-level input files.
    practice_list: Vec<qofrules::model::Practice>,
    practices: u64,
    patients: u64,
    events: u64,
}

fn file(dir: &Path, name: &str) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(1 << 20, File::create(dir.join(name))?))
}

/// Writes `attested.csv` and `historic.csv` (synthetic, `synth::inputs`) when the schemes
/// read any such input.
fn write_inputs(
    dir: &Path,
    practices: &[qofrules::model::Practice],
    spec: &InputSpec,
    seed: u64,
) -> io::Result<()> {
    if !spec.attested.is_empty() || !spec.obligations.is_empty() {
        fs::write(dir.join(ATTESTED_FILE), inputs::attested_csv(practices, spec, seed))?;
    }
    if !spec.historic.is_empty() {
        fs::write(dir.join(HISTORIC_FILE), inputs::historic_csv(practices, spec, seed))?;
    }
    Ok(())
}

fn write_population(
    dir: &Path,
    selection: &Selection,
    opts: &SynthOptions,
    format: Format,
    pad: Option<usize>,
    pped: Date,
    progress: &dyn qofrules::progress::Progress,
) -> Result<Result<Totals, io::Error>, synth::SynthError> {
    let mut totals = Totals::default();
    let count = |t: &mut Totals, patients: &mut [qofrules::model::Patient]| {
        if let Some(n) = pad {
            synth::pad_records(patients, n, opts);
        }
        synth::redate(patients, opts.year.period_end(), pped);
        t.practices += 1;
        t.patients += patients.len() as u64;
        t.events += patients.iter().map(|p| p.events.len() as u64).sum::<u64>();
        progress.advance(1);
    };
    let open = || -> io::Result<_> {
        let files = format.layout().files();
        format.layout().writer(files.iter().map(|f| file(dir, f)).collect::<io::Result<_>>()?)
    };
    let mut w = match open() {
        Ok(w) => w,
        Err(e) => return Ok(Err(e)),
    };
    let done = synth::for_each_practice(selection, opts, |p, mut patients| {
        count(&mut totals, &mut patients);
        w.write_practice(&p)?;
        totals.practice_list.push(p.clone());
        w.write_patients(&patients)
    })?;
    Ok(done.and_then(|()| {
        for f in w.finish_writers()? {
            f.into_inner().map_err(|e| e.into_error())?;
        }
        Ok(totals)
    }))
}

pub fn run(args: SynthArgs) -> ExitCode {
    let Some(year) = SynthYear::parse(&args.year) else {
        return usage_error(
            &format!("no reference data for year `{}`", args.year),
            "the supported year is `2019-20`",
        );
    };
    if let Some(n) = args.events_per_patient.filter(|&n| n > MAX_EVENTS_PER_PATIENT) {
        return usage_error(
            &format!("`--events-per-patient {n}` is more than {MAX_EVENTS_PER_PATIENT}"),
            &format!("pad records to at most {MAX_EVENTS_PER_PATIENT} events (a practice's records are held in memory at once)"),
        );
    }
    let opts = SynthOptions { seed: args.seed, scale: args.scale, year };
    if let Err(e) = opts.scale_ppm() {
        return usage_error(&e.to_string(), &e.help());
    }
    let selection = if let Some(c) = args.ccg {
        Selection::Ccg(c)
    } else if let Some(n) = args.network {
        Selection::Network(n)
    } else if let Some(p) = args.practices {
        Selection::Practices(p)
    } else if let Some(n) = args.random_practices {
        Selection::RandomPractices(n)
    } else {
        Selection::AllEngland
    };
    if let Err(e) = selection.resolve(&opts) {
        return usage_error(&e.to_string(), &e.help());
    }
    // The period the records are dated for: a scheme's, a given one, or the calibration
    // year's; and the practice-level inputs to write: that scheme's, or every shipped scheme's.
    let mut spec = InputSpec::default();
    let pped = if let Some(path) = &args.for_scheme {
        match super::eval::load_scheme(path) {
            Ok(loaded) => {
                spec.add(&loaded.scheme);
                loaded.scheme.period_end
            }
            Err(code) => return code,
        }
    } else if let Some(p) = &args.period {
        match synth::parse_period(p) {
            Ok((_, end)) => end,
            Err(e) => return usage_error(&e, "write the period as `2018-04-01..2019-03-31`"),
        }
    } else {
        year.period_end()
    };
    if args.for_scheme.is_none() {
        spec = qofrules::pipeline::shipped_input_spec();
    }
    let out = args.out;
    let shown = out.display().to_string();
    if out.exists() && !args.force {
        return usage_error(
            &format!("`{shown}` already exists"),
            "choose a new folder, or pass `--force` to replace it",
        );
    }
    if out.exists() && !out.is_dir() {
        return usage_error(
            &format!("`{shown}` exists and is not a folder"),
            "choose a new folder name; only a folder is replaced by `--force`",
        );
    }
    if out.exists() {
        if let Some(why) = not_replaceable(&out) {
            return usage_error(
                &format!("`--force` will not replace `{shown}`: {why}"),
                &format!("`--force` only replaces a folder synth wrote (it holds `{MARKER_FILE}`) with nothing else in it; choose a new folder, or move this one away yourself"),
            );
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(name) = out.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return usage_error(
            &format!("`{shown}` is not a folder name"),
            "give a path such as `pop/dudley`",
        );
    };
    if let Err(e) = fs::create_dir_all(&parent) {
        return usage_error(
            &format!("cannot create `{}`: {e}", parent.display()),
            "check the path and permissions",
        );
    }
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.tmp-{pid}"));
    if let Err(e) = fs::create_dir(&tmp) {
        return usage_error(
            &format!("cannot create `{}`: {e}", tmp.display()),
            "check the path and permissions",
        );
    }
    let registered = super::output::remove_on_interrupt(&tmp);
    let started = Instant::now();
    let marker = fs::write(
        tmp.join(MARKER_FILE),
        "written by `qofrules synth`: `--force` may replace this folder\n",
    );
    if let Err(e) = marker {
        let _ = fs::remove_dir_all(&tmp);
        return usage_error(
            &format!("cannot write `{shown}`: {e}"),
            "check free space and permissions",
        );
    }
    let bar = super::progress::Bar::new(args.quiet);
    let total = selection.resolve(&opts).map_or(0, |r| r.len() as u64);
    qofrules::progress::Progress::begin(&bar, "generating", total, "practices");
    let result =
        write_population(&tmp, &selection, &opts, args.format, args.events_per_patient, pped, &bar)
            .map(|r| {
                r.and_then(|t| write_inputs(&tmp, &t.practice_list, &spec, opts.seed).map(|()| t))
            });
    qofrules::progress::Progress::end(&bar);
    let totals = match result {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            let _ = fs::remove_dir_all(&tmp);
            return usage_error(
                &format!("cannot write `{shown}`: {e}"),
                "check free space and permissions",
            );
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            return usage_error(&e.to_string(), &e.help());
        }
    };
    // Move the complete output into place (replacing an old one only now, with --force).
    // Ctrl-C from here on leaves the complete output in the temporary folder rather than
    // removing it between the two renames.
    drop(registered);
    let old = parent.join(format!(".{name}.old-{pid}"));
    let had_old = out.exists();
    if had_old {
        if let Err(e) = fs::rename(&out, &old) {
            let _ = fs::remove_dir_all(&tmp);
            return usage_error(&format!("cannot replace `{shown}`: {e}"), "check permissions");
        }
    }
    if let Err(e) = fs::rename(&tmp, &out) {
        if had_old {
            let _ = fs::rename(&old, &out);
        }
        let _ = fs::remove_dir_all(&tmp);
        return usage_error(&format!("cannot create `{shown}`: {e}"), "check permissions");
    }
    if had_old {
        if let Err(e) = remove_own(&old) {
            eprintln!(
                "warning: the old `{shown}` was moved to `{}` but not removed: {e}",
                old.display()
            );
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "wrote {} practices, {} patients, {} events to `{shown}` ({}) in {secs:.1} s ({:.0} patients/s)",
        totals.practices,
        totals.patients,
        totals.events,
        match args.format {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        },
        totals.patients as f64 / secs.max(1e-9),
    );
    ExitCode::SUCCESS
}
