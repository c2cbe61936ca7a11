//! The synthetic population generator: realistic, deterministic patient records calibrated
//! on the real 2019/20 QOF figures of each practice.
//!
//! Every practice keeps its real id, name and network; at scale 1 its list size per list type
//! and every one of its 21 registers equal the published 2019/20 figures exactly (a patient
//! is on a register when they are registered on the period end date, meet the group's age
//! rule and their latest diagnosis code is not followed by a resolved code; see
//! `docs/synthetic.md` for the groups whose register needs more). Records hold what the
//! indicators look at: diagnoses, measurements with values, reviews, care plans,
//! medications, frailty, invitations and the other personalised care adjustments, plus
//! noise.
//!
//! Deterministic: a practice's patients depend only on the seed, the scale, the year and
//! the practice id (not on which other practices are selected), and only integer arithmetic
//! is used, so the output is the same natively and in wasm. No I/O: [`for_each_practice`]
//! hands each practice to the caller as soon as it is generated, so a national population
//! can be streamed to disk one practice at a time.

pub mod codes;
pub mod inputs;
mod practice;
mod rng;

pub use practice::Calibration;

use crate::date::Date;
use crate::model::{Patient, Population, Practice};
use crate::reference::{self, ReferencePractice};
use std::fmt;

/// The scheme year whose figures calibrate the population.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SynthYear {
    /// 2019/20: reference data of 6,720 practices, period end 2020-03-31.
    Y2019_20,
}

impl SynthYear {
    /// Parses `2019-20`, `2019/20` or `2019-2020`.
    pub fn parse(s: &str) -> Option<SynthYear> {
        match s.trim() {
            "2019-20" | "2019/20" | "2019-2020" | "2019/2020" => Some(SynthYear::Y2019_20),
            _ => None,
        }
    }

    /// The payment period end date (31 March at the end of the year).
    pub fn period_end(self) -> Date {
        match self {
            SynthYear::Y2019_20 => Date::from_ymd(2020, 3, 31).unwrap_or(Date(18352)),
        }
    }

    /// The reference practices of this year.
    pub fn practices(self) -> &'static [ReferencePractice] {
        match self {
            SynthYear::Y2019_20 => reference::practices_2019_20(),
        }
    }
}

impl fmt::Display for SynthYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SynthYear::Y2019_20 => write!(f, "2019-20"),
        }
    }
}

/// Options that shape every generated practice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SynthOptions {
    pub seed: u64,
    /// Share of each practice to generate: `0 < scale <= 1`. Resolved to millionths.
    pub scale: f64,
    pub year: SynthYear,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions { seed: 2020, scale: 1.0, year: SynthYear::Y2019_20 }
    }
}

impl SynthOptions {
    /// The scale in millionths (the generator uses integer arithmetic only).
    pub fn scale_ppm(&self) -> Result<u64, SynthError> {
        if !(self.scale > 0.0 && self.scale <= 1.0) {
            return Err(SynthError::BadScale(self.scale));
        }
        // A basic IEEE multiplication and rounding: identical on every platform.
        let ppm = (self.scale * 1_000_000.0).round() as u64;
        if ppm == 0 {
            return Err(SynthError::BadScale(self.scale));
        }
        Ok(ppm)
    }
}

/// Which practices to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// A CCG by name (`NHS Dudley CCG`, or `Dudley`) or ODS code (`05C`), any case.
    Ccg(String),
    /// A primary care network by ODS code (`U12345`).
    Network(String),
    /// Practices by ODS code.
    Practices(Vec<String>),
    /// Every practice in England (6,720 in 2019/20).
    AllEngland,
    /// `n` practices drawn at random (by the seed), in practice-code order.
    RandomPractices(usize),
}

/// Problems with the generator's arguments.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SynthError {
    #[error("unknown CCG `{name}`")]
    UnknownCcg { name: String, suggestions: Vec<String> },
    #[error("unknown primary care network `{0}`")]
    UnknownNetwork(String),
    #[error("unknown practice {}", .0.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", "))]
    UnknownPractices(Vec<String>),
    #[error("scale `{0}` is out of range")]
    BadScale(f64),
    #[error("cannot draw {asked} practices out of {available}")]
    TooManyPractices { asked: usize, available: usize },
    #[error("no practice selected")]
    NoPractices,
}

impl SynthError {
    /// How to fix it.
    pub fn help(&self) -> String {
        match self {
            SynthError::UnknownCcg { suggestions, .. } if !suggestions.is_empty() => {
                let list: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
                format!("did you mean {}?", list.join(" or "))
            }
            SynthError::UnknownCcg { .. } => {
                "give a CCG name such as `NHS Dudley CCG` or its code such as `05C`; \
                 data/reference/ccgs_1920.csv lists all 135"
                    .into()
            }
            SynthError::UnknownNetwork(_) => {
                "give a PCN code such as `U12345`; data/reference/networks_1920.csv lists them"
                    .into()
            }
            SynthError::UnknownPractices(_) => {
                "give practice codes such as `M87001`; data/reference/practices_1920.csv lists them"
                    .into()
            }
            SynthError::BadScale(_) => {
                "the scale is a share of each practice, greater than 0 and at most 1, e.g. `0.1`"
                    .into()
            }
            SynthError::TooManyPractices { available, .. } => {
                format!("ask for at most {available} practices")
            }
            SynthError::NoPractices => "select at least one practice".into(),
        }
    }
}

impl From<&SynthError> for crate::diag::Diagnostic {
    /// A `bad-options` error, with how to fix it.
    fn from(e: &SynthError) -> crate::diag::Diagnostic {
        use crate::diag::{Code, Diagnostic, Location, Severity};
        Diagnostic::at(Severity::Error, Code::BadOptions, Location::None, e.to_string())
            .with_help(e.help())
    }
}

/// Levenshtein distance, for suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn normalise_ccg(s: &str) -> String {
    let s = s.trim().to_ascii_lowercase();
    let s = s.strip_prefix("nhs ").unwrap_or(&s);
    let s = s.strip_suffix(" ccg").unwrap_or(s);
    s.to_string()
}

impl Selection {
    /// The reference practices selected, in practice-code order.
    pub fn resolve(
        &self,
        opts: &SynthOptions,
    ) -> Result<Vec<&'static ReferencePractice>, SynthError> {
        let all = opts.year.practices();
        let out: Vec<&ReferencePractice> = match self {
            Selection::AllEngland => all.iter().collect(),
            Selection::Ccg(name) => {
                let ccgs = reference::ccgs_2019_20();
                let key = normalise_ccg(name);
                let found = ccgs.iter().find(|c| {
                    c.ccg_id.eq_ignore_ascii_case(name.trim()) || normalise_ccg(&c.ccg_name) == key
                });
                let Some(ccg) = found else {
                    let mut suggestions: Vec<String> = ccgs
                        .iter()
                        .filter(|c| {
                            let n = normalise_ccg(&c.ccg_name);
                            !key.is_empty() && (n.contains(&key) || edit_distance(&n, &key) <= 2)
                        })
                        .map(|c| c.ccg_name.clone())
                        .collect();
                    suggestions.truncate(5);
                    return Err(SynthError::UnknownCcg { name: name.clone(), suggestions });
                };
                all.iter().filter(|p| p.ccg_id == ccg.ccg_id).collect()
            }
            Selection::Network(code) => {
                let code = code.trim();
                let v: Vec<&ReferencePractice> =
                    all.iter().filter(|p| p.network_id.eq_ignore_ascii_case(code)).collect();
                if v.is_empty() {
                    return Err(SynthError::UnknownNetwork(code.to_string()));
                }
                v
            }
            Selection::Practices(ids) => {
                let mut unknown = Vec::new();
                let mut v = Vec::new();
                for id in ids {
                    let id = id.trim();
                    match all.binary_search_by(|p| p.practice_id.as_str().cmp(id)) {
                        Ok(i) => v.push(&all[i]),
                        Err(_) => match all.iter().find(|p| p.practice_id.eq_ignore_ascii_case(id))
                        {
                            Some(p) => v.push(p),
                            None => unknown.push(id.to_string()),
                        },
                    }
                }
                if !unknown.is_empty() {
                    return Err(SynthError::UnknownPractices(unknown));
                }
                v.sort_by(|a, b| a.practice_id.cmp(&b.practice_id));
                v.dedup_by(|a, b| a.practice_id == b.practice_id);
                v
            }
            Selection::RandomPractices(n) => {
                if *n > all.len() {
                    return Err(SynthError::TooManyPractices { asked: *n, available: all.len() });
                }
                let mut idx: Vec<u32> = (0..all.len() as u32).collect();
                let mut r = rng::Rng::new(opts.seed ^ 0x5241_4e44_4f4d);
                for k in 0..*n {
                    let j = k + r.below((idx.len() - k) as u32) as usize;
                    idx.swap(k, j);
                }
                let mut chosen: Vec<u32> = idx[..*n].to_vec();
                chosen.sort_unstable();
                chosen.into_iter().map(|i| &all[i as usize]).collect()
            }
        };
        if out.is_empty() {
            return Err(SynthError::NoPractices);
        }
        Ok(out)
    }
}

/// Generates one practice: the practice and its patients (registered ones first, then
/// patients deregistered during the year), events sorted by date.
pub fn generate_practice(
    reference: &ReferencePractice,
    opts: &SynthOptions,
) -> Result<(Practice, Vec<Patient>), SynthError> {
    let ppm = opts.scale_ppm()?;
    Ok(practice::generate(reference, opts, ppm))
}

/// What the generator aims for in one practice: scaled list sizes and registers (reduced
/// where the published register exceeds its eligible list) and the practice's quality factor.
pub fn calibration(
    reference: &ReferencePractice,
    opts: &SynthOptions,
) -> Result<Calibration, SynthError> {
    let ppm = opts.scale_ppm()?;
    Ok(practice::calibration(reference, opts, ppm))
}

/// Generates the selected practices one at a time and hands each to `sink` (stops at the
/// first error `sink` returns). Memory use is that of one practice.
pub fn for_each_practice<E>(
    selection: &Selection,
    opts: &SynthOptions,
    mut sink: impl FnMut(Practice, Vec<Patient>) -> Result<(), E>,
) -> Result<Result<(), E>, SynthError> {
    let ppm = opts.scale_ppm()?;
    let practices = selection.resolve(opts)?;
    for r in practices {
        let (p, patients) = practice::generate(r, opts, ppm);
        if let Err(e) = sink(p, patients) {
            return Ok(Err(e));
        }
    }
    Ok(Ok(()))
}

/// Generates the selected practices into one population.
pub fn generate(selection: &Selection, opts: &SynthOptions) -> Result<Population, SynthError> {
    let mut pop = Population::default();
    let done: Result<(), std::convert::Infallible> =
        for_each_practice(selection, opts, |p, mut patients| {
            pop.practices.push(p);
            pop.patients.append(&mut patients);
            Ok(())
        })?;
    match done {
        Ok(()) => Ok(pop),
        Err(never) => match never {},
    }
}

/// Pads every record in `patients` to at least `events` events with everyday codes that no
/// shipped scheme looks at ([`codes::NOISE`]), dated over the ten years before the period
/// end (never before birth), without values; records keep their events sorted by date. For
/// load tests: a padded population has the size of a real GP record set (about 30 coded
/// entries a patient) and the same results as the unpadded one. Deterministic: a patient's
/// padding depends only on the seed, the year and the patient id.
pub fn pad_records(patients: &mut [Patient], events: usize, opts: &SynthOptions) {
    let pped = opts.year.period_end();
    let ten_years = pped.add_months(-120).add_days(1);
    for p in patients.iter_mut() {
        if p.events.len() >= events {
            continue;
        }
        let mut rng = rng::Rng::new(opts.seed ^ rng::fnv1a(&p.patient_id) ^ 0x5041_4444_494e_4721);
        let lo = ten_years.max(p.birth_date);
        p.events.reserve_exact(events - p.events.len());
        while p.events.len() < events {
            let date = Date(rng.range(lo.0, pped.0));
            let code = codes::NOISE[rng.below(codes::NOISE.len() as u32) as usize];
            p.events.push(crate::model::Event { date, code, value: None });
        }
        p.sort_events();
    }
}

/// Moves every date of the patients (births, registrations, deregistrations, events) from a
/// population dated for the period ending `from` to one dated for the period ending `to`: by
/// whole calendar months (so 1 April stays 1 April and month-based windows keep their
/// patients), then by the days left between the two period ends (none when both are month
/// ends). Ages, registers and every relative interval at the period end are kept; absolute
/// dates in rules (`since 2006-04-01`) see the records move. Deterministic, and a no-op when
/// `from == to`.
pub fn redate(patients: &mut [Patient], from: Date, to: Date) {
    if from == to {
        return;
    }
    let ((fy, fm, _), (ty, tm, _)) = (from.ymd(), to.ymd());
    let months = (ty * 12 + tm as i32) - (fy * 12 + fm as i32);
    let days = to.0 - from.add_months(months).0;
    let shift = |d: Date| d.add_months(months).add_days(days);
    for p in patients {
        p.birth_date = shift(p.birth_date);
        p.registered_on = shift(p.registered_on);
        p.deregistered_on = p.deregistered_on.map(shift);
        for e in &mut p.events {
            e.date = shift(e.date);
        }
    }
}

/// The period end of a `--period START..END` text (`2018-04-01..2019-03-31`): the end date,
/// after checking that both dates parse and the end is after the start.
pub fn parse_period(text: &str) -> Result<(Date, Date), String> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| format!("`{text}` is not a period: write START..END"))?;
    let start = Date::parse(a.trim()).ok_or_else(|| format!("`{}` is not a date", a.trim()))?;
    let end = Date::parse(b.trim()).ok_or_else(|| format!("`{}` is not a date", b.trim()))?;
    if end <= start {
        return Err(format!("the period `{text}` does not end after it starts"));
    }
    Ok((start, end))
}

/// The selection, scale and seed of [`default_population`].
pub const DEFAULT_CCG: &str = "NHS Dudley CCG";
pub const DEFAULT_SCALE: f64 = 0.05;
pub const DEFAULT_SEED: u64 = 2020;

/// What the embedded default population is called: `NHS Dudley CCG at scale 0.05, seed 2020`.
pub fn default_label() -> String {
    format!("{DEFAULT_CCG} at scale {DEFAULT_SCALE}, seed {DEFAULT_SEED}")
}

/// The embedded default population: NHS Dudley CCG's 44 practices at scale 0.05 (about
/// 16,000 patients), generated on the fly from a fixed seed.
pub fn default_population() -> Population {
    let opts = SynthOptions { seed: DEFAULT_SEED, scale: DEFAULT_SCALE, year: SynthYear::Y2019_20 };
    // The selection and options are constants that resolve; an empty population would only
    // come from corrupted embedded data.
    generate(&Selection::Ccg(DEFAULT_CCG.into()), &opts).unwrap_or_default()
}

/// The practices of the embedded default population, without generating its patients.
pub fn default_practices() -> Vec<Practice> {
    let opts = SynthOptions { seed: DEFAULT_SEED, scale: DEFAULT_SCALE, year: SynthYear::Y2019_20 };
    Selection::Ccg(DEFAULT_CCG.into())
        .resolve(&opts)
        .map(|refs| refs.into_iter().map(practice::practice_of).collect())
        .unwrap_or_default()
}

/// The embedded default population dated for the period ending `pped` ([`redate`]).
pub fn default_population_for(pped: Date) -> Population {
    let mut pop = default_population();
    redate(&mut pop.patients, SynthYear::Y2019_20.period_end(), pped);
    pop
}

#[cfg(test)]
mod tests;
