//! Results never depend on row order: any permutation of the rows of `events.csv` and of
//! `patients.csv` gives byte-identical `qofrules eval --format json` output, for every shipped
//! scheme, on a generated population into which same-day ties of every kind are written (two
//! HbA1c values on the latest date, a diagnosis and its resolved code on one day, mild beside
//! moderate or severe frailty, two blood pressure pairs on one date).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use qofrules::date::Date;
use qofrules::model::{Event, Population};
use qofrules::synth::{generate, Selection, SynthOptions, SynthYear};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

// The codes the generator records (data/clusters.csv).
use qofrules::synth::codes::{
    DIASTOLIC, DM, DM_RES, HBA1C, HYP, HYP_RES, MILD_FRAILTY, MODERATE_FRAILTY, SEVERE_FRAILTY,
    SYSTOLIC,
};

/// How many ties of each kind were written.
#[derive(Debug, Default)]
struct Ties {
    hba1c: usize,
    resolved: usize,
    frailty: usize,
    bp: usize,
}

fn latest(events: &[Event], codes: &[u64]) -> Option<Event> {
    events.iter().rev().find(|e| codes.contains(&e.code)).copied()
}

/// Writes same-day ties into a share of the patients, each where the patient's record makes
/// it meaningful (a second value on the latest HbA1c date, and so on).
fn add_ties(pop: &mut Population) -> Ties {
    let mut t = Ties::default();
    for (i, p) in pop.patients.iter_mut().enumerate() {
        let mut extra = Vec::new();
        if i % 3 == 0 {
            if let Some(e) = latest(&p.events, &[HBA1C]) {
                // Alternately above and below, so that the lowest is sometimes the new one.
                let v = e.value.map(|v| if i % 2 == 0 { v + 9.0 } else { v - 9.0 });
                extra.push(Event { date: e.date, code: HBA1C, value: v });
                t.hba1c += 1;
            }
        }
        if i % 5 == 0 {
            for (dx, res) in [(DM, DM_RES), (HYP, HYP_RES)] {
                if let Some(e) = latest(&p.events, dx) {
                    extra.push(Event { date: e.date, code: res, value: None });
                    t.resolved += 1;
                }
            }
        }
        if let Some(e) = latest(&p.events, &[MILD_FRAILTY, MODERATE_FRAILTY, SEVERE_FRAILTY]) {
            let other = if e.code == MILD_FRAILTY { SEVERE_FRAILTY } else { MILD_FRAILTY };
            extra.push(Event { date: e.date, code: other, value: None });
            t.frailty += 1;
        }
        if i % 2 == 0 {
            if let (Some(s), Some(d)) =
                (latest(&p.events, &[SYSTOLIC]), latest(&p.events, &[DIASTOLIC]))
            {
                if s.date == d.date {
                    let (sv, dv) = (s.value.unwrap_or(140.0), d.value.unwrap_or(85.0));
                    extra.push(Event { date: s.date, code: SYSTOLIC, value: Some(sv - 15.0) });
                    extra.push(Event { date: s.date, code: DIASTOLIC, value: Some(dv + 12.0) });
                    t.bp += 1;
                }
            }
        }
        p.events.extend(extra);
        p.sort_events();
    }
    t
}

/// The three CSV files of the population, as text.
fn csv(pop: &Population) -> [String; 3] {
    let (a, b, c) =
        qofrules::population::write_csv(pop, Vec::new(), Vec::new(), Vec::new()).unwrap();
    [a, b, c].map(|v| String::from_utf8(v).unwrap())
}

/// A tiny deterministic generator for shuffles.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The file with its data rows in a random order (the header stays first).
fn shuffled(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let rows = &mut lines[1..];
    for k in (1..rows.len()).rev() {
        let j = (rng.next() % (k as u64 + 1)) as usize;
        rows.swap(k, j);
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

fn shipped_schemes() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "qof"))
        .collect();
    v.sort();
    v
}

/// `eval --format json` of every shipped scheme on the folder, by scheme file name.
fn eval_all(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for scheme in shipped_schemes() {
        let o = Command::new(env!("CARGO_BIN_EXE_qofrules"))
            .arg("eval")
            .arg(&scheme)
            .arg("--population")
            .arg(dir)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "eval {} failed: {}",
            scheme.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        out.insert(scheme.file_name().unwrap().to_string_lossy().into_owned(), o.stdout);
    }
    out
}

fn write_folder(dir: &Path, files: &[String; 3]) {
    for (name, text) in ["practices.csv", "patients.csv", "events.csv"].iter().zip(files) {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// The population's three files, and every scheme's output on them in file order.
type Base = ([String; 3], BTreeMap<String, Vec<u8>>);

/// The base population and outputs, made once.
fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        // Six Dudley practices at a tenth of their size: about 4,500 patients.
        let opts = SynthOptions { seed: 7, scale: 0.1, year: SynthYear::Y2019_20 };
        let sel = Selection::Practices(
            ["M83041", "M87001", "M87003", "M87005", "M87006", "M87007"].map(String::from).to_vec(),
        );
        let mut pop = generate(&sel, &opts).unwrap();
        let ties = add_ties(&mut pop);
        // The test is only worth something if every kind of tie is there, many times.
        assert!(
            ties.hba1c > 20 && ties.resolved > 20 && ties.frailty > 20 && ties.bp > 20,
            "{ties:?}"
        );
        let files = csv(&pop);
        let dir = tempfile::tempdir().unwrap();
        write_folder(dir.path(), &files);
        let out = eval_all(dir.path());
        (files, out)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    #[test]
    fn row_order_changes_no_byte_of_eval_output(seed in 1u64..u64::MAX) {
        let (files, want) = base();
        let mut rng = Rng(seed);
        let events = shuffled(&files[2], &mut rng);
        let patients = shuffled(&files[1], &mut rng);
        prop_assume!(events != files[2]);
        let dir = tempfile::tempdir().unwrap();
        write_folder(dir.path(), &[files[0].clone(), patients, events]);
        let got = eval_all(dir.path());
        for (scheme, bytes) in want {
            prop_assert!(
                got[scheme] == *bytes,
                "{scheme}: the output changed when the rows of events.csv and patients.csv were shuffled"
            );
        }
    }
}

#[test]
fn the_population_has_dates_in_the_schemes_years() {
    // Guard against a vacuous test: the shuffled events are in the period the schemes read.
    let (files, _) = base();
    let pped = Date::parse("2020-03-31").unwrap();
    let recent = files[2]
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .filter_map(Date::parse)
        .filter(|d| *d <= pped && d.0 > pped.0 - 366)
        .count();
    assert!(recent > 1000, "{recent} events in the year to the PPED");
}
