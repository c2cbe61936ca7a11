//! The data flags `eval`, `compare` and `sweep` share ([`DataArgs`], flattened into each), and
//! the one reading of the files they name: the population or the published counts, and the
//! practice-level inputs ([`DataArgs::read`]).

use super::eval::{
    load_population, practice_files, prevalence_from, CountsFiles, FileStream, PrevalenceFromArg,
};
use qofrules::model::Population;
use qofrules::national::PrevalenceFrom;
use qofrules::pipeline::{self, Data, PracticeInputs};
use qofrules::scheme::Scheme;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct DataArgs {
    /// A population: a folder of CSV files (practices.csv, patients.csv, events.csv), a folder
    /// with patients.ndjson, or an NDJSON file; without it (and without --achievement), the
    /// embedded default population
    #[arg(long)]
    pub population: Option<PathBuf>,
    /// Published counts instead of a population: NHS Digital's achievement file (long format)
    #[arg(long, conflicts_with = "population")]
    pub achievement: Option<PathBuf>,
    /// NHS Digital's prevalence file giving the practices' registers and list sizes, with
    /// --achievement (for national figures use --national)
    #[arg(long)]
    pub prevalence: Option<PathBuf>,
    /// Which network each practice belongs to, for published counts (`practice_id,network_id`;
    /// NHS Digital's `PRACTICE_CODE,PCN_ODS_CODE` structure file also works)
    #[arg(long, requires = "achievement")]
    pub structure: Option<PathBuf>,
    /// National prevalence from NHS Digital's prevalence file (every practice of the year),
    /// summed per group; it replaces the scheme's figures for the groups it has
    #[arg(long, conflicts_with = "prevalence_from")]
    pub national: Option<PathBuf>,
    /// Where national prevalence comes from when --national is not given: `scheme` (its
    /// `national prevalence`, or England's embedded figures for a 2019/20 scheme) or
    /// `population` (the practices' own, summed over the practices paid)
    #[arg(long, value_enum, default_value = "scheme")]
    pub prevalence_from: PrevalenceFromArg,
    /// Attested items per practice (`practice_id,item_id,met`): attested indicators, gateway
    /// requirements, obligations; default: the population folder's `attested.csv`, if any
    #[arg(long)]
    pub attested: Option<PathBuf>,
    /// Previous years' achievement (`practice_id,year,item,points,pounds`), for historic
    /// payment models and aspiration payments; default: the population folder's
    /// `historic.csv`, if any
    #[arg(long)]
    pub historic: Option<PathBuf>,
}

/// For `#[command(mut_args(counts_need_both))]`: --achievement and --prevalence only together
/// (`compare`, `sweep`; `eval` takes --achievement alone).
pub fn counts_need_both(arg: clap::Arg) -> clap::Arg {
    match arg.get_id().as_str() {
        "achievement" => arg.requires("prevalence"),
        "prevalence" => arg.requires("achievement"),
        _ => arg,
    }
}

/// Whether [`DataArgs::read`] streams a population of files practice by practice rather than
/// read it whole.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub enum Streaming {
    /// Read whole (`compare`, `sweep`, `eval --whole`).
    #[default]
    No,
    /// Streamed when the files' first rows are grouped by practice (`eval`'s default; NDJSON is
    /// always tried), else read whole at once.
    IfGrouped,
    /// Streamed whatever the first rows look like (`eval --stream`); files found not grouped
    /// are read whole after all.
    Always,
}

/// How [`DataArgs::read`] reads a population.
#[derive(Clone, Copy, Default)]
pub struct Reading {
    /// Whether a population of files is streamed practice by practice.
    pub stream: Streaming,
    /// A spinner on stderr while the population is read whole (on a terminal).
    pub spinner: bool,
}

/// The data of a run, read: the published counts, or the population (read whole, or to be
/// streamed), and the practice-level input files.
pub struct DataFiles {
    counts: Option<CountsFiles>,
    population: Option<Population>,
    stream: Option<FileStream>,
    practice: [Option<(String, String)>; 2],
}

impl DataArgs {
    /// What the run's figures are for, as the HTML reports name it: the published-counts
    /// files given (by name, as the editor names them), the population folder or file given,
    /// else the embedded default population (`NHS Dudley CCG at scale 0.05, seed 2020`).
    pub fn label(&self) -> String {
        match (&self.achievement, &self.population) {
            (Some(_), _) => [&self.achievement, &self.prevalence, &self.structure]
                .into_iter()
                .flatten()
                .map(|p| {
                    p.file_name()
                        .map_or(p.display().to_string(), |n| n.to_string_lossy().into_owned())
                })
                .collect::<Vec<_>>()
                .join(", "),
            (None, Some(dir)) => dir.display().to_string(),
            (None, None) => qofrules::synth::default_label(),
        }
    }

    /// Whether the run's figures come from a patient-level population (not published counts).
    pub fn patient_level(&self) -> bool {
        self.achievement.is_none()
    }

    /// The national prevalence `--national` and `--prevalence-from` choose.
    pub fn national(&self) -> Result<PrevalenceFrom, ExitCode> {
        prevalence_from(self.national.as_deref(), self.prevalence_from)
    }

    /// The practice-level input files for `scheme`: `--attested`, `--historic`, the population
    /// folder's, or on the embedded default population the scheme's synthetic ones.
    pub fn practice_files(
        &self,
        scheme: &Scheme,
    ) -> Result<[Option<(String, String)>; 2], ExitCode> {
        practice_files(
            self.attested.as_deref(),
            self.historic.as_deref(),
            self.population.as_deref(),
            self.achievement.is_none().then_some(scheme),
        )
    }

    /// Reads the files for a run of `scheme`: its practice-level inputs, then the published
    /// counts, or else the population (the embedded default one dated for the scheme's period
    /// without --population). Unreadable files exit 2, errors in them 1, printed.
    pub fn read(&self, scheme: &Scheme, how: Reading) -> Result<DataFiles, ExitCode> {
        let practice = self.practice_files(scheme)?;
        let counts = CountsFiles::read(
            self.achievement.as_deref(),
            self.prevalence.as_deref(),
            self.structure.as_deref(),
        )?;
        let stream = match (&counts, self.population.as_deref(), how.stream) {
            (None, Some(path), Streaming::Always) => Some(FileStream::new(path)),
            (None, Some(path), Streaming::IfGrouped) => {
                let s = FileStream::new(path);
                s.looks_grouped()?.then_some(s)
            }
            _ => None,
        };
        let population = match (&counts, &stream) {
            (None, None) => {
                let reading = super::progress::Spinner::new(!how.spinner, "reading the population");
                let pop = load_population(self.population.as_deref(), scheme);
                drop(reading);
                Some(pop?)
            }
            _ => None,
        };
        Ok(DataFiles { counts, population, stream, practice })
    }
}

impl DataFiles {
    /// The data for the driver.
    pub fn data(&self) -> Result<Data<'_>, ExitCode> {
        match (self.counts(), &self.population, &self.stream) {
            (Some(c), _, _) => Ok(Data::Counts(c)),
            (None, Some(pop), _) => Ok(Data::Population(pop)),
            (None, None, Some(s)) => Ok(Data::Stream(s)),
            (None, None, None) => Err(ExitCode::from(2)),
        }
    }

    /// The published counts, if the run is on counts.
    pub fn counts(&self) -> Option<pipeline::Counts<'_>> {
        self.counts.as_ref().and_then(CountsFiles::counts)
    }

    /// The population read whole, if the run is on one.
    pub fn population(&self) -> Option<&Population> {
        self.population.as_ref()
    }

    /// The exit code of a problem the streamed reading has already printed, if any.
    pub fn stream_exit(&self) -> Option<ExitCode> {
        self.stream.as_ref().and_then(FileStream::exit)
    }

    /// The practice-level inputs for the driver.
    pub fn practice(&self) -> PracticeInputs<'_> {
        PracticeInputs::of(&self.practice)
    }

    /// Leaves the population's memory to the OS, for a process about to end: freeing millions
    /// of event vectors one by one takes 0.1 s per million patients.
    pub fn forget_population(&mut self) {
        std::mem::forget(self.population.take());
    }
}
