use super::*;
use crate::date::Date;
use crate::model::{Event, Sex};

const PRACTICES: &str = "practice_id,practice_name,network_id\n\
A1,\"Smith, Jones and \"\"Partners\"\"\",N1\n\
B2,The Surgery,N1\n";
const PATIENTS: &str =
    "patient_id,practice_id,birth_date,sex,registered_on,deregistered_on,deprivation_decile\n\
p1,A1,1950-04-01,F,2001-01-01,,3\n\
p2,B2,2001-12-31,M,2002-01-15,2019-06-30,\n\
p3,A1,1980-02-29,U,1990-05-05,,10\n";
const EVENTS: &str = "patient_id,date,code,value\n\
p1,2019-06-01,999791000000106,48\n\
p1,2018-06-01,73211009,\n\
p2,2019-01-01,72313002,138.5\n\
p1,2019-06-01,72313002,-0.25\n";

fn read(pr: &str, pa: &str, ev: &str) -> Result<Population, DataErrors> {
    read_csv(
        Source::new("practices.csv", pr.as_bytes()),
        Source::new("patients.csv", pa.as_bytes()),
        Source::new("events.csv", ev.as_bytes()),
    )
}

fn errors(pr: &str, pa: &str, ev: &str) -> String {
    match read(pr, pa, ev) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.render(),
    }
}

fn to_csv(pop: &Population) -> (String, String, String) {
    let (a, b, c) = write_csv(pop, Vec::new(), Vec::new(), Vec::new()).unwrap();
    (String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap(), String::from_utf8(c).unwrap())
}

#[test]
fn reads_csv_and_sorts_events() {
    let pop = read(PRACTICES, PATIENTS, EVENTS).unwrap();
    assert_eq!(pop.practices.len(), 2);
    assert_eq!(pop.practices[0].practice_name, "Smith, Jones and \"Partners\"");
    assert_eq!(pop.patients.len(), 3);
    let p1 = &pop.patients[0];
    assert_eq!(p1.sex, Sex::Female);
    assert_eq!(p1.deprivation_decile, Some(3));
    assert_eq!(p1.birth_date, Date::parse("1950-04-01").unwrap());
    // Sorted by date, same-day events in file order.
    let codes: Vec<u64> = p1.events.iter().map(|e| e.code).collect();
    assert_eq!(codes, vec![73211009, 999791000000106, 72313002]);
    assert_eq!(p1.events[1].value, Some(48.0));
    assert_eq!(p1.events[2].value, Some(-0.25));
    assert_eq!(pop.patients[1].deregistered_on, Date::parse("2019-06-30"));
    assert_eq!(pop.patients[1].deprivation_decile, None);
    assert!(pop.patients[2].events.is_empty());
}

#[test]
fn csv_round_trip() {
    let pop = read(PRACTICES, PATIENTS, EVENTS).unwrap();
    let (a, b, c) = to_csv(&pop);
    let again = read(&a, &b, &c).unwrap();
    assert_eq!(again, pop);
    // Writing is stable.
    assert_eq!(to_csv(&again), (a, b, c));
}

#[test]
fn ndjson_round_trip() {
    let pop = read(PRACTICES, PATIENTS, EVENTS).unwrap();
    let (pr, pa) = write_ndjson(&pop, Vec::new(), Vec::new()).unwrap();
    let again =
        read_ndjson(Some(Source::new("practices.csv", &pr)), Source::new("patients.ndjson", &pa))
            .unwrap();
    assert_eq!(again, pop);
    // Every line is the serde shape of `Patient`.
    for (line, p) in String::from_utf8(pa).unwrap().lines().zip(&pop.patients) {
        let q: crate::model::Patient = serde_json::from_str(line).unwrap();
        assert_eq!(&q, p);
    }
}

#[test]
fn ndjson_without_practices_derives_them() {
    let line = r#"{"patient_id":"x","practice_id":"Z9","birth_date":"1970-01-01","sex":"male","registered_on":"1990-01-01","events":[{"date":"2019-05-01","code":73211009},{"date":"2019-04-01","code":999791000000106,"value":52.5}]}"#;
    let pop = read_ndjson(None, Source::new("patients.ndjson", line.as_bytes())).unwrap();
    assert_eq!(pop.practices.len(), 1);
    assert_eq!(pop.practices[0].practice_id, "Z9");
    assert_eq!(
        pop.patients[0].events[0],
        Event {
            date: Date::parse("2019-04-01").unwrap(),
            code: 999791000000106,
            value: Some(52.5)
        }
    );
}

#[test]
fn crlf_bom_and_blank_lines() {
    let pr = "\u{feff}practice_id,practice_name,network_id\r\nA1,X,N\r\n\r\n";
    let pa = "patient_id,practice_id,birth_date,sex,registered_on,deregistered_on\r\np1,A1,1950-04-01,f,2001-01-01,\r\n";
    let ev = "patient_id,date,code,value\r\np1,2019-06-01,999791000000106,48\r\n";
    let pop = read(pr, pa, ev).unwrap();
    assert_eq!(pop.practices[0].practice_name, "X");
    assert_eq!(pop.patients[0].events[0].value, Some(48.0));
}

#[test]
fn columns_in_any_order() {
    let ev = "value,code,date,patient_id\n48,999791000000106,2019-06-01,p1\n";
    let pop = read(PRACTICES, PATIENTS, ev).unwrap();
    assert_eq!(pop.patients[0].events[0].code, 999791000000106);
}

#[test]
fn error_bad_date() {
    let ev = "patient_id,date,code,value\np1,2019-02-30,73211009,\n";
    insta::assert_snapshot!(errors(PRACTICES, PATIENTS, ev));
}

#[test]
fn error_wrong_column_count() {
    let ev = "patient_id,date,code,value\np1,2019-02-01,73211009\n";
    insta::assert_snapshot!(errors(PRACTICES, PATIENTS, ev));
}

#[test]
fn error_non_numeric_value() {
    let ev = "patient_id,date,code,value\np1,2019-02-01,999791000000106,high\n";
    insta::assert_snapshot!(errors(PRACTICES, PATIENTS, ev));
}

#[test]
fn error_bad_code() {
    let ev = "patient_id,date,code,value\np1,2019-02-01,E10.9,\np1,2019-02-01,0123456,\n";
    insta::assert_snapshot!(errors(PRACTICES, PATIENTS, ev));
}

#[test]
fn error_duplicate_patient() {
    let pa = format!("{PATIENTS}p1,B2,1960-01-01,M,2000-01-01,,\n");
    insta::assert_snapshot!(errors(PRACTICES, &pa, EVENTS));
}

#[test]
fn error_unknown_patient_in_events() {
    let ev = "patient_id,date,code,value\np9,2019-02-01,73211009,\n";
    insta::assert_snapshot!(errors(PRACTICES, PATIENTS, ev));
}

#[test]
fn error_unknown_practice() {
    let pa = "patient_id,practice_id,birth_date,sex,registered_on,deregistered_on\np1,C3,1950-04-01,F,2001-01-01,\n";
    insta::assert_snapshot!(errors(PRACTICES, pa, "patient_id,date,code,value\n"));
}

#[test]
fn error_header_problems() {
    let pa = "patient_id,practice,birth_date,sex,registered_on,deregistered_on\n";
    insta::assert_snapshot!(errors(PRACTICES, pa, "patient_id,date,code\n"));
}

#[test]
fn error_quotes_and_empty_file() {
    let pr = "practice_id,practice_name,network_id\nA1,\"Smith, Jones\" and Partners,N1\n";
    insta::assert_snapshot!(errors(pr, "", "patient_id,date,code,value\np1,\"2019-01-01,1,\n"));
}

#[test]
fn error_patient_fields() {
    let pa =
        "patient_id,practice_id,birth_date,sex,registered_on,deregistered_on,deprivation_decile\n\
              ,A1,1950-04-01,F,2001-01-01,,\n\
              p2,A1,1950-04-01,X,2001-01-01,,11\n\
              p3,A1,1950-04-01,F,1949-01-01,,\n\
              p4,A1,1950-04-01,F,2001-01-01,2000-01-01,\n";
    insta::assert_snapshot!(errors(PRACTICES, pa, "patient_id,date,code,value\n"));
}

#[test]
fn error_duplicate_practice() {
    let pr = format!("{PRACTICES}A1,Again,N2\n");
    insta::assert_snapshot!(errors(&pr, PATIENTS, EVENTS));
}

#[test]
fn error_ndjson() {
    let data = concat!(
        r#"{"patient_id":"a","practice_id":"A1","birth_date":"1950-04-01","sex":"female","registered_on":"2001-01-01"}"#,
        "\n",
        r#"{"patient_id":"a","practice_id":"A1","birth_date":"1950-04-01","sex":"female","registered_on":"2001-01-01"}"#,
        "\n",
        r#"{"patient_id":"b","practice_id":"A1","birth_date":"2019-02-30","sex":"female","registered_on":"2001-01-01"}"#,
        "\n",
        r#"{"patient_id":"c","practice_id":"Q7","birth_date":"1950-04-01","sex":"female","registered_on":"2001-01-01","events":[{"date":"2019-01-01","code":12}]}"#,
        "\n",
        r#"{"patient_id":"d", "#,
        "\n",
    );
    let e = read_ndjson(
        Some(Source::new("practices.csv", PRACTICES.as_bytes())),
        Source::new("patients.ndjson", data.as_bytes()),
    )
    .unwrap_err();
    insta::assert_snapshot!(e.render());
}

#[test]
fn error_limit_truncates() {
    let mut ev = String::from("patient_id,date,code,value\n");
    for _ in 0..200 {
        ev.push_str("p1,nope,73211009,\n");
    }
    let e = read(PRACTICES, PATIENTS, &ev).unwrap_err();
    assert_eq!(e.errors.len(), DataErrors::LIMIT);
    assert!(e.truncated);
    assert!(e
        .render()
        .ends_with("error: stopped after 50 errors\n  = help: fix these and read again"));
}

#[test]
fn rejected_rows_do_not_cascade() {
    // p1's row is wrong; its events are not reported again as events of an unknown patient,
    // and a broken practices.csv does not make every patient's practice unknown.
    let pa = "patient_id,practice_id,birth_date,sex,registered_on,deregistered_on\np1,A1,1950-13-01,F,2001-01-01,\n";
    let e = read(PRACTICES, pa, EVENTS).unwrap_err();
    assert_eq!(e.errors.len(), 2, "{}", e.render());
    assert_eq!(e.errors[0].column.as_deref(), Some("birth_date"));
    assert_eq!(e.errors[1].message, "unknown patient `p2`");
    let e = read("practice_id\nA1\n", PATIENTS, EVENTS).unwrap_err();
    assert_eq!(e.errors.len(), 2, "{}", e.render());
    assert!(e.errors.iter().all(|x| x.file == "practices.csv"));
}

#[test]
fn many_duplicates_are_reported_against_the_first_row() {
    let mut pa =
        String::from("patient_id,practice_id,birth_date,sex,registered_on,deregistered_on\n");
    for _ in 0..3 {
        pa.push_str("p1,A1,1950-04-01,F,2001-01-01,\np2,A1,1950-04-01,F,2001-01-01,\n");
    }
    let e = read(PRACTICES, &pa, "patient_id,date,code,value\n").unwrap_err();
    let got: Vec<(Option<usize>, &str)> =
        e.errors.iter().map(|x| (x.row, x.help.as_deref().unwrap_or(""))).collect();
    assert_eq!(
        got,
        vec![
            (Some(4), "`p1` is already defined on row 2"),
            (Some(5), "`p2` is already defined on row 3"),
            (Some(6), "`p1` is already defined on row 2"),
            (Some(7), "`p2` is already defined on row 3"),
        ]
    );
}

/// Reads with `events.csv` split into stretches for `threads` threads whatever its size.
fn read_split(pr: &str, pa: &str, ev: &str, threads: usize) -> Result<Population, DataErrors> {
    let events = Source::new("events.csv", ev.as_bytes());
    read_csv_inner(
        Source::new("practices.csv", pr.as_bytes()),
        Source::new("patients.csv", pa.as_bytes()),
        read::EventsInput::Bytes(&events),
        Split { threads, min_parallel: 0, block: 0 },
    )
    .unwrap()
}

/// Reads with `events.csv` streamed in blocks of `block` bytes (read at most `step` bytes at
/// a time), each split for `threads` threads whatever its size.
fn read_stream(
    pr: &str,
    pa: &str,
    ev: &str,
    threads: usize,
    block: usize,
    step: usize,
) -> Result<Population, DataErrors> {
    /// A reader handing out at most `step` bytes per call.
    struct Trickle<'a>(&'a [u8], usize);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.1).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    read_csv_inner(
        Source::new("practices.csv", pr.as_bytes()),
        Source::new("patients.csv", pa.as_bytes()),
        read::EventsInput::Stream { name: "events.csv", reader: &mut Trickle(ev.as_bytes(), step) },
        Split { threads, min_parallel: 0, block },
    )
    .unwrap()
}

/// Events for p1..p3, `n` rows, some of them (every `bad`th, when not 0) wrong in a way
/// that depends on the row, some patients' events split across stretches.
fn many_events(n: usize, bad: usize) -> String {
    let mut ev = String::from("patient_id,date,code,value\r\n");
    for i in 0..n {
        let who = ["p1", "p2", "p3", "p9"][(i / 7) % if bad > 0 { 4 } else { 3 }];
        let day = 1 + (i * 13) % 28;
        if bad > 0 && i % bad == 0 {
            match (i / bad) % 4 {
                0 => ev.push_str(&format!("{who},2019-02-{:02},73211009,\n", 29 + day % 3)),
                1 => ev.push_str(&format!("{who},2019-01-{day:02},12,x\n")),
                2 => ev.push_str(&format!("{who},2019-01-{day:02}\n")),
                _ => ev.push_str("\n\n"),
            }
        } else {
            ev.push_str(&format!(
                "{who},2019-{:02}-{day:02},{},{}\n",
                1 + i % 12,
                73211009 + i % 5,
                i % 3
            ));
        }
    }
    ev
}

#[test]
fn split_reading_equals_one_thread() {
    for (n, bad) in [(1, 0), (500, 0), (500, 37), (500, 3), (2000, 11), (40, 1)] {
        let ev = many_events(n, bad);
        let one = read_split(PRACTICES, PATIENTS, &ev, 1);
        if bad == 0 {
            assert!(one.is_ok(), "{n}: {:?}", one.as_ref().err());
        } else {
            assert!(one.is_err(), "{n} {bad}");
        }
        for threads in [2, 3, 8, 64] {
            assert_eq!(read_split(PRACTICES, PATIENTS, &ev, threads), one, "{n} {bad} {threads}");
        }
        // The same with the ids quoted: read by the RFC 4180 tokenizer instead of split lines.
        let quoted: String = ev
            .split_inclusive('\n')
            .map(|l| match l.split_once(',') {
                Some((id, rest)) if l.starts_with('p') => format!("\"{id}\",{rest}"),
                _ => l.to_string(),
            })
            .collect();
        assert_ne!(quoted, ev);
        assert_eq!(read_split(PRACTICES, PATIENTS, &quoted, 1), one, "{n} {bad} quoted");
        assert_eq!(read_split(PRACTICES, PATIENTS, &quoted, 3), one, "{n} {bad} quoted");
        for (threads, block, step) in [(1, 1, 1), (1, 100, 7), (2, 64, 1000), (3, 1000, 333)] {
            let got = read_stream(PRACTICES, PATIENTS, &ev, threads, block, step);
            assert_eq!(got, one, "{n} {bad} {threads} {block} {step}");
        }
    }
}

#[test]
fn events_in_any_interleaving_of_patients_read_alike() {
    // Every patient's rows in the same order, the patients' rows interleaved otherwise: sorted
    // by date (each row usually another patient's: what the reader's flat buffer per part is
    // for), and the patients in the reverse of their order in patients.csv. Same-day events of
    // a patient keep their file order either way, so the population must come out the same.
    let ev = many_events(3000, 0);
    let one = read_split(PRACTICES, PATIENTS, &ev, 1);
    assert!(one.as_ref().is_ok_and(|p| p.patients.iter().all(|p| p.events.len() > 900)));
    let (head, body) = ev.split_once('\n').unwrap();
    let rows: Vec<&str> = body.split_inclusive('\n').collect();
    let field = |r: &str, k: usize| r.split(',').nth(k).unwrap_or("").to_string();
    let mut by_date = rows.clone();
    by_date.sort_by_key(|r| field(r, 1)); // stable
    let mut reversed = rows.clone();
    reversed.sort_by_key(|r| std::cmp::Reverse(field(r, 0))); // stable
    for order in [by_date, reversed] {
        let text = format!("{head}\n{}", order.concat());
        assert_ne!(text, ev);
        for threads in [1, 2, 3] {
            assert_eq!(read_split(PRACTICES, PATIENTS, &text, threads), one, "{threads}");
        }
        for (threads, block, step) in [(1, 64, 7), (2, 500, 1000), (3, 4000, 333)] {
            let got = read_stream(PRACTICES, PATIENTS, &text, threads, block, step);
            assert_eq!(got, one, "{threads} {block} {step}");
        }
    }
}

/// A deterministic shuffle (a xorshift generator seeded with `seed`, Fisher-Yates).
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut x = seed | 1;
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        items.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

#[test]
fn events_sorted_by_date_reversed_or_shuffled_read_alike() {
    // 5,000 patients (owners 13 bits apart: a radix sort of two passes) with 0 to 27 events
    // each, 70,000 in all (more than one chunk of the reader's sort), many on the same day as
    // another of the patient's with another code (their file order must be kept).
    let n = 5000;
    let mut pa =
        String::from("patient_id,practice_id,birth_date,sex,registered_on,deregistered_on\n");
    let mut rows = Vec::new();
    for i in 0..n {
        pa.push_str(&format!("q{i},A1,1950-01-01,F,2000-01-01,\n"));
        for k in 0..(i * 7) % 29 {
            let day = 1 + (i + k / 2) % 28;
            let row = format!(
                "q{i},2019-{:02}-{day:02},{},{k}\n",
                1 + (i * 5 + k / 2) % 12,
                73211009 + k
            );
            rows.push(row);
        }
    }
    assert!(rows.len() > read::SORT_CHUNK, "{}", rows.len());
    let head = "patient_id,date,code,value\n";
    let text = |rows: &[String]| format!("{head}{}", rows.concat());
    let one = read_split(PRACTICES, &pa, &text(&rows), 1);
    let pop = one.as_ref().unwrap_or_else(|e| panic!("{}", e.render()));
    assert_eq!(pop.patients.iter().map(|p| p.events.len()).sum::<usize>(), rows.len());
    // The same rows by date (a stable sort, each patient's rows in their order), reversed
    // (each patient's same-day rows too, so the expected population is read from the reversed
    // rows in patient order) and shuffled (each patient's rows put back in their order).
    let date = |r: &String| r.split(',').nth(1).unwrap_or("").to_string();
    let mut by_date = rows.clone();
    by_date.sort_by_key(date);
    let mut shuffled = rows.clone();
    shuffle(&mut shuffled, 2020);
    let mut seen = std::collections::HashMap::<String, usize>::new();
    let mut owner_rows = std::collections::HashMap::<String, Vec<&String>>::new();
    for r in &rows {
        owner_rows.entry(r.split(',').next().unwrap_or("").to_string()).or_default().push(r);
    }
    let shuffled: Vec<String> = shuffled
        .iter()
        .map(|r| {
            let who = r.split(',').next().unwrap_or("").to_string();
            let k = seen.entry(who.clone()).or_default();
            *k += 1;
            owner_rows[&who][*k - 1].clone()
        })
        .collect();
    assert_ne!(shuffled, rows);
    let mut reversed = rows.clone();
    reversed.reverse();
    let mut reversed_by_patient = reversed.clone();
    reversed_by_patient
        .sort_by_key(|r| r.split(',').next().unwrap_or("")[1..].parse::<usize>().ok());
    let want_reversed = read_split(PRACTICES, &pa, &text(&reversed_by_patient), 1);
    assert_ne!(want_reversed, one);
    for (order, want) in [(&by_date, &one), (&shuffled, &one), (&reversed, &want_reversed)] {
        let events = text(order);
        for threads in [1, 3] {
            assert_eq!(&read_split(PRACTICES, &pa, &events, threads), want, "{threads}");
        }
        let got = read_stream(PRACTICES, &pa, &events, 2, 300_000, 100_000);
        assert_eq!(&got, want);
    }
}

#[test]
fn split_reading_keeps_the_error_limit_exact() {
    // Exactly 50 errors, then good rows or none: only the first is truncated.
    for tail in [0, 1, 30] {
        let mut ev = String::from("patient_id,date,code,value\n");
        for _ in 0..50 {
            ev.push_str("p1,nope,73211009,\n");
        }
        for _ in 0..tail {
            ev.push_str("p1,2019-01-01,73211009,\n");
        }
        let one = read_split(PRACTICES, PATIENTS, &ev, 1).unwrap_err();
        assert_eq!(one.truncated, tail > 0);
        for threads in [2, 5, 40] {
            assert_eq!(read_split(PRACTICES, PATIENTS, &ev, threads).unwrap_err(), one);
            for block in [1, 30, 200] {
                let got = read_stream(PRACTICES, PATIENTS, &ev, threads, block, 50);
                assert_eq!(got.unwrap_err(), one, "{tail} {threads} {block}");
            }
        }
    }
}

#[test]
fn split_reading_with_quotes_reads_on_one_thread() {
    // A quoted field spanning lines: splitting at a line end inside it would misread it.
    let ev = "patient_id,date,code,value\np1,2019-01-01,73211009,\n\"p\n1\",2019-01-01,73211009,\np2,2019-01-01,73211009,\n";
    let one = read_split(PRACTICES, PATIENTS, ev, 1).unwrap_err();
    assert_eq!(one.errors[0].row, Some(3));
    assert_eq!(read_split(PRACTICES, PATIENTS, ev, 4).unwrap_err(), one);
    for block in [1, 40, 60, 1000] {
        assert_eq!(read_stream(PRACTICES, PATIENTS, ev, 2, block, 9).unwrap_err(), one);
    }
    // Every error of the reader shows up the same way when streamed, quotes included.
    for (pr, pa, ev) in [
        (
            PRACTICES,
            PATIENTS,
            "patient_id,date,code,value\n\"p1\",\"2019-01-01\",73211009,\"1\"\"\"\n",
        ),
        (PRACTICES, PATIENTS, "patient_id,date,code,value\np1,2019-01-01,73211009,\"unclosed\n\n"),
        (PRACTICES, PATIENTS, ""),
        (PRACTICES, PATIENTS, "patient_id,date\n"),
        (PRACTICES, PATIENTS, "\u{feff}patient_id,date,code,value\r\np1,2019-01-01,73211009,"),
        (PRACTICES, PATIENTS, EVENTS),
        // Blank lines before the header (found by the fuzzer: a first block of blank lines
        // was read as an empty file).
        (PRACTICES, PATIENTS, "\n\r\n\npatient_id,date,code,value\np1,2019-01-01,73211009,\n"),
        (PRACTICES, PATIENTS, "\u{feff}\n\npatient_id,date,x,value,y\np1,2019-01-01,1,\n"),
        (PRACTICES, PATIENTS, "\n\n\n\n"),
    ] {
        let one = read_split(pr, pa, ev, 1);
        for block in [1, 5, 1000] {
            assert_eq!(read_stream(pr, pa, ev, 2, block, 3), one, "{ev:?} {block}");
        }
    }
}

/// Text, then the byte `fill` for ever: a file without a line end as large as the disk.
struct Endless {
    head: Vec<u8>,
    at: usize,
    fill: u8,
    /// Bytes given after the head, to check that reading stopped near the bound.
    given: usize,
}

impl Endless {
    fn new(head: &str, fill: u8) -> Self {
        Endless { head: head.as_bytes().to_vec(), at: 0, fill, given: 0 }
    }
}

impl std::io::Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at < self.head.len() {
            let n = buf.len().min(self.head.len() - self.at);
            buf[..n].copy_from_slice(&self.head[self.at..self.at + n]);
            self.at += n;
            return Ok(n);
        }
        buf.fill(self.fill);
        self.given += buf.len();
        Ok(buf.len())
    }
}

/// A streamed `events.csv` line longer than [`MAX_LINE_BYTES`] is an error at its row, read
/// no further than the bound (it used to be buffered whole, 5 GB for a 5 GB file).
#[test]
fn a_streamed_line_longer_than_the_bound_is_an_error_at_its_row() {
    let stream = |head: &str| {
        let mut ev = Endless::new(head, b'x');
        let r = read_csv_stream_tuned(
            Source::new("practices.csv", PRACTICES.as_bytes()),
            Source::new("patients.csv", PATIENTS.as_bytes()),
            "events.csv",
            &mut ev,
            1,
            1 << 20,
            1 << 20,
        )
        .unwrap();
        assert!(ev.given <= 2 * MAX_LINE_BYTES + (1 << 20), "read {} bytes", ev.given);
        r.expect_err("an error").render()
    };
    let body = "patient_id,date,code,value\np1,2019-06-01,999791000000106,48\np1,2019-";
    let e = stream(body);
    assert!(e.contains("the line is longer than 16 MiB"), "{e}");
    assert!(e.contains("--> events.csv, row 3"), "{e}");
    let e = stream("patient_id,da");
    assert!(e.contains("--> events.csv, row 1"), "{e}");
}

/// NDJSON is streamed a line at a time, with the same bound, and reads as from bytes.
#[test]
fn ndjson_is_streamed_with_the_same_result_and_the_line_bound() {
    let pop = read(PRACTICES, PATIENTS, EVENTS).unwrap();
    let (pr, nd) = write_ndjson(&pop, Vec::new(), Vec::new()).unwrap();
    let whole =
        read_ndjson(Some(Source::new("practices.csv", &pr)), Source::new("patients.ndjson", &nd))
            .unwrap();
    let streamed = read_ndjson_stream(
        Some(Source::new("practices.csv", &pr)),
        "patients.ndjson",
        &mut nd.as_slice(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(whole, streamed);
    assert_eq!(streamed, pop);
    // errors at the same rows, with or without a byte-order mark
    let bad = [b"\xEF\xBB\xBF".as_slice(), &nd, b"{\"patient_id\": 3}\n"].concat();
    let a = read_ndjson(None, Source::new("patients.ndjson", &bad)).unwrap_err();
    let b = read_ndjson_stream(None, "patients.ndjson", &mut bad.as_slice()).unwrap().unwrap_err();
    assert_eq!(a, b);
    assert_eq!(a.errors[0].row, Some(4));

    let first = String::from_utf8(nd.split(|&b| b == b'\n').next().unwrap().to_vec()).unwrap();
    let mut endless = Endless::new(&format!("{first}\n{{\"patient_id\": \""), b'x');
    let e = read_ndjson_stream(None, "patients.ndjson", &mut endless).unwrap().unwrap_err();
    assert!(endless.given <= MAX_LINE_BYTES + (2 << 20), "read {} bytes", endless.given);
    let e = e.render();
    assert!(e.contains("the line is longer than 16 MiB"), "{e}");
    assert!(e.contains("--> patients.ndjson, row 2"), "{e}");
}

#[test]
fn one_detection_of_the_layout_by_file_names() {
    let detect = |names: &[&str]| Format::detect(names.iter().copied());
    assert_eq!(detect(&[NDJSON_FILE]), Format::Ndjson);
    assert_eq!(detect(&[PRACTICES_FILE, "records.jsonl"]), Format::Ndjson);
    assert_eq!(detect(&[PRACTICES_FILE, PATIENTS_FILE, EVENTS_FILE]), Format::Csv);
    // patients.csv wins over an NDJSON file beside it, as a folder holding both is read
    assert_eq!(detect(&["data/patients.csv", "data/patients.ndjson"]), Format::Csv);
    assert_eq!(detect(&["patients.csv.bak", "p.ndjson"]), Format::Ndjson);
    assert_eq!(detect(&[]), Format::Csv);
}

#[test]
fn the_writer_of_each_layout_writes_what_write_csv_and_write_ndjson_write() {
    let pop = read(PRACTICES, PATIENTS, EVENTS).unwrap();
    let (a, b, c) = write_csv(&pop, Vec::new(), Vec::new(), Vec::new()).unwrap();
    let mut w = Format::Csv.writer(vec![Vec::new(); 3]).unwrap();
    w.write_population(&pop).unwrap();
    assert_eq!(w.finish_writers().unwrap(), vec![a, b, c]);
    let (a, b) = write_ndjson(&pop, Vec::new(), Vec::new()).unwrap();
    let mut w = Format::Ndjson.writer(vec![Vec::new(); 2]).unwrap();
    w.write_population(&pop).unwrap();
    assert_eq!(w.finish_writers().unwrap(), vec![a, b]);
    assert_eq!(Format::Csv.files().len(), 3);
    assert!(Format::Ndjson.writer(vec![Vec::<u8>::new(); 3]).is_err());
}
