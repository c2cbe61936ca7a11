//! Streamed evaluation (`pipeline::Data::Stream`): a population read practice by practice gives
//! byte-identical JSON to the same population held whole, for every shipped scheme, whether its
//! rows come as written, grouped in another order, or shuffled (read whole then); and it holds
//! at most one practice's patients at a time, counted by the core's `Held`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::model::Population;
use qofrules::national::PrevalenceFrom;
use qofrules::pipeline::{
    self, Data, Inputs, Loaded, PopulationStream, PracticeInputs, RunError, StreamStats,
};
use qofrules::population::{
    looks_grouped_csv, read_csv, read_ndjson, stream_csv, stream_ndjson, Batch, Held, Pending,
    Source, StreamEnd, SNIFF_BYTES,
};
use qofrules::synth::{generate, Selection, SynthOptions, SynthYear};
use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::sync::OnceLock;

/// A population's files in memory, streamed as the CLI streams files.
enum Files {
    Csv([String; 3]),
    Ndjson(String, String),
}

fn errors(e: qofrules::population::DataErrors) -> RunError {
    RunError { diagnostics: e.diagnostics("read again") }
}

impl PopulationStream for Files {
    fn stream<'h>(
        &self,
        held: &'h Held,
        visit: &mut dyn FnMut(Pending<'h>),
    ) -> Result<StreamEnd, RunError> {
        let r = match self {
            Files::Csv([a, b, c]) => stream_csv(
                Source::new("practices.csv", a.as_bytes()),
                "patients.csv",
                &mut Cursor::new(b.as_bytes()),
                "events.csv",
                &mut Cursor::new(c.as_bytes()),
                held,
                visit,
            ),
            Files::Ndjson(a, b) => stream_ndjson(
                Some(Source::new("practices.csv", a.as_bytes())),
                "patients.ndjson",
                &mut Cursor::new(b.as_bytes()),
                held,
                visit,
            ),
        };
        Ok(r.unwrap())
    }

    fn whole(&self) -> Result<Population, RunError> {
        match self {
            Files::Csv([a, b, c]) => read_csv(
                Source::new("practices.csv", a.as_bytes()),
                Source::new("patients.csv", b.as_bytes()),
                Source::new("events.csv", c.as_bytes()),
            ),
            Files::Ndjson(a, b) => read_ndjson(
                Some(Source::new("practices.csv", a.as_bytes())),
                Source::new("patients.ndjson", b.as_bytes()),
            ),
        }
        .map_err(errors)
    }
}

/// Six Dudley practices at a twentieth of their size, and their CSV files.
fn population() -> &'static (Population, [String; 3]) {
    static POP: OnceLock<(Population, [String; 3])> = OnceLock::new();
    POP.get_or_init(|| {
        let opts = SynthOptions { seed: 11, scale: 0.05, year: SynthYear::Y2019_20 };
        let sel = Selection::Practices(
            ["M83041", "M87001", "M87003", "M87005", "M87006", "M87007"].map(String::from).to_vec(),
        );
        let pop = generate(&sel, &opts).unwrap();
        let (a, b, c) =
            qofrules::population::write_csv(&pop, Vec::new(), Vec::new(), Vec::new()).unwrap();
        let files = [a, b, c].map(|v| String::from_utf8(v).unwrap());
        (pop, files)
    })
}

fn schemes() -> Vec<Loaded> {
    qofrules::shipped::SCHEMES
        .iter()
        .map(|(path, text)| pipeline::load_text(path, text).ok().unwrap())
        .collect()
}

/// The JSON `qofrules eval --format json` writes for `data` (or the run's error), and how a
/// stream went.
fn json(loaded: &Loaded, data: Data<'_>, threads: usize) -> (String, Option<StreamStats>) {
    let from = PrevalenceFrom::Population;
    let inputs = Inputs {
        data,
        national: &from,
        practice: PracticeInputs::default(),
        threads,
        progress: &qofrules::progress::Silent,
    };
    let run = match pipeline::run(loaded, &inputs) {
        Ok(r) => r,
        Err(e) => return (format!("{e:?}"), None),
    };
    let text = match run.pay() {
        Ok(result) => run.output(loaded, &result).to_string_pretty().unwrap(),
        Err(e) => format!("{e:?}"),
    };
    (text, run.streamed)
}

/// The data rows of a CSV text (header first) regrouped: practices in reverse order of first
/// appearance, each practice's rows reversed. `practice_of` gives a row's practice.
fn regrouped(text: &str, practice_of: impl Fn(&str) -> String) -> String {
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let mut order: Vec<String> = Vec::new();
    let mut rows: HashMap<String, Vec<&str>> = HashMap::new();
    for l in lines {
        let p = practice_of(l);
        if !rows.contains_key(&p) {
            order.push(p.clone());
        }
        rows.entry(p).or_default().push(l);
    }
    let mut out = format!("{header}\n");
    for p in order.iter().rev() {
        for l in rows[p].iter().rev() {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// The data rows in a pseudo-random order (the header first).
fn shuffled(text: &str, mut seed: u64) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let rows = &mut lines[1..];
    for k in (1..rows.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        rows.swap(k, (seed % (k as u64 + 1)) as usize);
    }
    lines.join("\n") + "\n"
}

#[test]
fn streamed_evaluation_gives_the_same_bytes_as_the_population_held_whole() {
    let (pop, files) = population();
    let practice_of_patient: BTreeMap<&str, &str> =
        pop.patients.iter().map(|p| (p.patient_id.as_str(), p.practice_id.as_str())).collect();
    let field = |l: &str, k: usize| l.split(',').nth(k).unwrap().to_string();
    let grouped = [
        files[0].clone(),
        regrouped(&files[1], |l| field(l, 1)),
        regrouped(&files[2], |l| practice_of_patient[field(l, 0).as_str()].to_string()),
    ];
    assert_ne!(grouped[1], files[1]);
    assert_ne!(grouped[2], files[2]);
    let shuffled_files =
        [files[0].clone(), shuffled(&files[1], 0x9E37_79B9), shuffled(&files[2], 0x7F4A_7C15)];
    let (practices, ndjson) = {
        let (a, b) = qofrules::population::write_ndjson(pop, Vec::new(), Vec::new()).unwrap();
        (String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap())
    };
    let cases = [
        ("as written", Files::Csv(files.clone()), false),
        ("grouped in another order", Files::Csv(grouped), false),
        ("shuffled", Files::Csv(shuffled_files), true),
        ("ndjson", Files::Ndjson(practices, ndjson), false),
    ];
    let mut compared = 0;
    for loaded in schemes() {
        let (want, _) = json(&loaded, Data::Population(pop), 0);
        assert!(want.contains("\"practices\""), "{}: {want}", loaded.scheme.id);
        for (what, files, whole) in &cases {
            // Evaluated on the calling thread, and on three threads.
            let (got, stats) = json(&loaded, Data::Stream(files), 1);
            let (got3, _) = json(&loaded, Data::Stream(files), 3);
            assert!(got3 == got, "{} {what}: three threads differ from one", loaded.scheme.id);
            let stats = stats.unwrap();
            assert_eq!(
                stats.read_whole.is_some(),
                *whole,
                "{} {what}: {:?}",
                loaded.scheme.id,
                stats.read_whole
            );
            if !whole {
                assert_eq!(stats.patients, pop.patients.len() as u64);
                assert_eq!(stats.practices, 6);
            }
            assert!(got == want, "{} {what}: the streamed JSON differs", loaded.scheme.id);
            compared += 1;
        }
    }
    assert!(compared >= 4 * 10, "{compared}");
}

#[test]
fn a_stream_holds_at_most_the_largest_practice() {
    let (pop, files) = population();
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &pop.patients {
        *sizes.entry(p.practice_id.as_str()).or_default() += 1;
    }
    let largest = sizes.values().copied().max().unwrap();
    // The bound means something: the largest practice is a small part of the population.
    assert!(largest * 3 < pop.patients.len(), "{largest} of {}", pop.patients.len());
    let loaded = pipeline::load_text(
        "rules/qof-2019-20.qof",
        qofrules::shipped::SCHEMES.iter().find(|(p, _)| p.ends_with("qof-2019-20.qof")).unwrap().1,
    )
    .ok()
    .unwrap();
    let files = Files::Csv(files.clone());
    // On one thread: read and evaluated in turn, one practice held at a time.
    let (_, stats) = json(&loaded, Data::Stream(&files), 1);
    let stats = stats.unwrap();
    assert_eq!(stats.read_whole, None);
    assert_eq!(stats.largest_practice, largest);
    assert_eq!(stats.patients, pop.patients.len() as u64);
    assert!(stats.peak_held <= largest, "{} held, largest practice {largest}", stats.peak_held);
    assert!(stats.peak_held > 0);
    // On two evaluation threads: one practice each, and the one being read.
    let (_, stats) = json(&loaded, Data::Stream(&files), 2);
    let stats = stats.unwrap();
    assert!(stats.peak_held <= 3 * largest, "{} held on two threads", stats.peak_held);

    // The counter counts every batch alive: two practices held together count together (the
    // stream's callback cannot keep a batch past its call: the batch borrows the counter).
    let held = Held::new();
    let by_practice = |id: &str| -> Vec<_> {
        pop.patients.iter().filter(|p| p.practice_id == id).cloned().collect()
    };
    let a = Batch::new("M87001".into(), by_practice("M87001"), &held);
    let b = Batch::new("M87003".into(), by_practice("M87003"), &held);
    assert_eq!(held.peak(), sizes["M87001"] + sizes["M87003"]);
    drop(a);
    assert_eq!(held.now(), sizes["M87003"]);
    drop(b);
    assert_eq!(held.now(), 0);
}

#[test]
fn a_practice_s_counts_are_compact() {
    // What the driver keeps of each practice between practices is its counts: for every
    // shipped scheme a few kilobytes (QOF 2019/20: 1,764 bytes), all indicators' counts in
    // one vector (counted by `size_bytes`: the struct and the capacity of what it allocates).
    let (pop, _) = population();
    for loaded in schemes() {
        let prog = &loaded.program;
        let ev = qofrules::eval::evaluate_with_threads(prog, pop, 1);
        // The counts a practice needs: list sizes, registers, and per indicator a tally, PCAs
        // per adjustment, a tally and PCAs per adjustment per stratum, a tally per report class.
        let needed: usize = prog.list_types.len()
            + prog.registers.len()
            + prog
                .indicators
                .iter()
                .map(|i| {
                    let (a, s) = (i.adjustments.len(), i.strata.len());
                    let classes: usize =
                        i.reports.iter().map(|&r| prog.reports[r as usize].classes.len()).sum();
                    3 + a + 3 * s + s * a + 3 * classes
                })
                .sum::<usize>();
        for t in &ev.practices {
            let ids = t.practice_id.len() + t.network_id.len();
            let overhead = t.size_bytes() - 4 * needed - ids;
            // The struct itself: ids, three vectors and a shared layout, no more.
            assert!(overhead <= 160, "{}: {overhead} bytes beyond the counts", loaded.scheme.id);
            assert!(t.size_bytes() <= 8192, "{}: {} bytes", loaded.scheme.id, t.size_bytes());
        }
    }
}

#[test]
fn all_england_streamed_gives_each_practice_what_its_ccg_evaluated_alone_gives() {
    // All England at a tiny scale, streamed as one population; then the practices of each CCG
    // (by the practice->CCG mapping the generator uses) held whole and evaluated alone: every
    // practice's counts are the same.
    let opts = SynthOptions { seed: 7, scale: 0.0003, year: SynthYear::Y2019_20 };
    let pop = generate(&Selection::AllEngland, &opts).unwrap();
    let ccg_of: HashMap<String, String> = Selection::AllEngland
        .resolve(&opts)
        .unwrap()
        .into_iter()
        .map(|p| (p.practice_id.clone(), p.ccg_id.clone()))
        .collect();
    let (a, b, c) =
        qofrules::population::write_csv(&pop, Vec::new(), Vec::new(), Vec::new()).unwrap();
    let files = Files::Csv([a, b, c].map(|v| String::from_utf8(v).unwrap()));
    let loaded = pipeline::load_text(
        "rules/qof-2019-20.qof",
        qofrules::shipped::SCHEMES.iter().find(|(p, _)| p.ends_with("qof-2019-20.qof")).unwrap().1,
    )
    .ok()
    .unwrap();
    let from = PrevalenceFrom::Population;
    let inputs = Inputs {
        data: Data::Stream(&files),
        national: &from,
        practice: PracticeInputs::default(),
        threads: 2,
        progress: &qofrules::progress::Silent,
    };
    let run = pipeline::run(&loaded, &inputs).ok().unwrap();
    assert_eq!(run.streamed.as_ref().unwrap().read_whole, None);
    let england = run.evaluation.unwrap();
    let england: HashMap<&str, _> =
        england.practices.iter().map(|t| (t.practice_id.as_str(), t)).collect();
    let mut by_ccg: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in &pop.practices {
        by_ccg.entry(ccg_of[&p.practice_id].as_str()).or_default().push(&p.practice_id);
    }
    assert!(by_ccg.len() > 100, "{} CCGs", by_ccg.len());
    let mut compared = 0;
    for ids in by_ccg.values() {
        let mine = |id: &str| ids.contains(&id);
        let part = Population {
            practices: pop.practices.iter().filter(|p| mine(&p.practice_id)).cloned().collect(),
            patients: pop.patients.iter().filter(|p| mine(&p.practice_id)).cloned().collect(),
        };
        let alone = qofrules::eval::evaluate_with_threads(&loaded.program, &part, 1);
        assert_eq!(alone.practices.len(), ids.len());
        for t in &alone.practices {
            assert_eq!(england[t.practice_id.as_str()], t, "practice {}", t.practice_id);
            compared += 1;
        }
    }
    assert_eq!(compared, pop.practices.len());
    assert!(pop.patients.len() > 1000, "{} patients", pop.patients.len());
}

#[test]
fn blank_lines_and_a_missing_last_line_end_still_stream_to_the_same_bytes() {
    let (pop, files) = population();
    // A blank line after every 97th event, CRLF line ends on some, no line end at the end.
    let events: String = files[2]
        .lines()
        .enumerate()
        .map(|(i, l)| match i % 97 {
            50 => format!("{l}\n\n"),
            7 => format!("{l}\r\n"),
            _ => format!("{l}\n"),
        })
        .collect::<String>()
        .trim_end()
        .to_string();
    assert!(!events.ends_with('\n'));
    let loaded = pipeline::load_text(
        "rules/qof-2019-20.qof",
        qofrules::shipped::SCHEMES.iter().find(|(p, _)| p.ends_with("qof-2019-20.qof")).unwrap().1,
    )
    .ok()
    .unwrap();
    let (want, _) = json(&loaded, Data::Population(pop), 1);
    let files = Files::Csv([files[0].clone(), files[1].clone(), events]);
    let (got, stats) = json(&loaded, Data::Stream(&files), 2);
    assert_eq!(stats.unwrap().read_whole, None);
    assert!(got == want, "the streamed JSON differs");
}

#[test]
fn ids_with_one_fxhash_at_two_practices_still_stream() {
    // `P81002-064262` and `P81008-004946` share an FxHash (one of 444 such pairs among the ids
    // of all England at scale 1); the check that no id is used at two practices took them for
    // one id, and the whole population was read again. They stream, to the same bytes.
    let practices = "practice_id,practice_name,network_id\nP81002,A,N1\nP81008,B,N1\n";
    let patients =
        "patient_id,practice_id,birth_date,sex,registered_on,deregistered_on,deprivation_decile\n\
        P81002-064262,P81002,1950-01-01,F,2000-01-01,,5\n\
        P81002-000001,P81002,1960-06-01,M,2000-01-01,,5\n\
        P81008-004946,P81008,1955-01-01,M,2000-01-01,,3\n";
    let events = "patient_id,date,code,value\n\
        P81002-064262,2019-06-01,38341003,\n\
        P81002-000001,2019-07-01,38341003,\n\
        P81008-004946,2019-08-01,38341003,\n";
    let files = Files::Csv([practices, patients, events].map(String::from));
    let pop = files.whole().ok().unwrap();
    assert_eq!(pop.patients.len(), 3);
    let loaded = pipeline::load_text(
        "rules/qof-2019-20.qof",
        qofrules::shipped::SCHEMES.iter().find(|(p, _)| p.ends_with("qof-2019-20.qof")).unwrap().1,
    )
    .ok()
    .unwrap();
    let (want, _) = json(&loaded, Data::Population(&pop), 1);
    for threads in [1, 2] {
        let (got, stats) = json(&loaded, Data::Stream(&files), threads);
        let stats = stats.unwrap();
        assert_eq!(stats.read_whole, None);
        assert_eq!(stats.patients, 3);
        assert!(got == want, "the streamed JSON differs");
    }
}

#[test]
fn the_first_rows_tell_grouped_files_from_others_before_evaluating() {
    let (pop, files) = population();
    let sniff = |p: &str, e: &str| {
        looks_grouped_csv(&mut Cursor::new(p.as_bytes()), &mut Cursor::new(e.as_bytes())).unwrap()
    };
    let practice_of_patient: BTreeMap<&str, &str> =
        pop.patients.iter().map(|p| (p.patient_id.as_str(), p.practice_id.as_str())).collect();
    let field = |l: &str, k: usize| l.split(',').nth(k).unwrap().to_string();
    // As written, and grouped in another order of practices (and rows within them): grouped.
    assert_eq!(sniff(&files[1], &files[2]), Ok(()));
    let p = regrouped(&files[1], |l| field(l, 1));
    let e = regrouped(&files[2], |l| practice_of_patient[field(l, 0).as_str()].to_string());
    assert_eq!(sniff(&p, &e), Ok(()));
    // Events in the written order of practices while patients.csv has them reversed: no.
    assert!(sniff(&p, &files[2]).is_err());
    // Shuffled patients, or shuffled events: no, from the first rows.
    assert!(sniff(&shuffled(&files[1], 0x9E37_79B9), &files[2]).is_err());
    assert!(sniff(&files[1], &shuffled(&files[2], 0x7F4A_7C15)).is_err());
    // A quoted field: the streamed readers leave quotes to the whole reading.
    let quoted = files[1].replacen("patient_id,", "\"patient_id\",", 1);
    assert!(sniff(&quoted, &files[2]).is_err());
    // An event of no patient, when the whole of patients.csv was read: no (the whole reading
    // reports it at its row).
    let stray = files[2].replacen('\n', "\nnobody,2019-06-01,38341003,\n", 1);
    assert!(sniff(&files[1], &stray).is_err());

    // Only the first SNIFF_BYTES are read: disorder after them is left to the stream, which
    // then reads the files whole (the same results).
    let mut big_p = files[1].clone();
    let mut big_e = files[2].clone();
    let header = |t: &str| t.lines().next().unwrap().len() + 1;
    let (pad_p, pad_e) = (big_p[header(&big_p)..].to_string(), big_e[header(&big_e)..].to_string());
    // Copies of the practices under other ids, until patients.csv is past the first check.
    let mut k = 0;
    while big_p.len() < 2 * SNIFF_BYTES {
        k += 1;
        big_p.push_str(&pad_p.replace("M8", &format!("Z{k}")));
        big_e.push_str(&pad_e.replace("M8", &format!("Z{k}")));
    }
    assert_eq!(sniff(&big_p, &big_e), Ok(()));
    // The written events again at the end: M8... practices come back after the first check.
    big_e.push_str(&pad_e);
    assert_eq!(sniff(&big_p, &big_e), Ok(()));
}
