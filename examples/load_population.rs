//! Reads a population folder (CSV or NDJSON) and prints how fast it loaded:
//! `cargo run --release --example load_population -- DIR`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::population::{read_csv, read_ndjson, Source};
use std::time::Instant;

/// CPU time of this thread in seconds (Linux; `None` elsewhere): on a shared machine the
/// wall-clock time says more about the neighbours than about the loader.
fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn main() {
    let dir =
        std::path::PathBuf::from(std::env::args().nth(1).expect("usage: load_population DIR"));
    let read = |f: &str| std::fs::read(dir.join(f)).ok();
    let practices = read("practices.csv").expect("practices.csv");
    let started;
    let cpu0;
    let (bytes, pop) = if let Some(nd) = read("patients.ndjson") {
        started = Instant::now();
        cpu0 = cpu_seconds();
        let pop = read_ndjson(
            Some(Source::new("practices.csv", &practices)),
            Source::new("patients.ndjson", &nd),
        );
        (practices.len() + nd.len(), pop)
    } else {
        let patients = read("patients.csv").expect("patients.csv");
        let events = read("events.csv").expect("events.csv");
        started = Instant::now();
        cpu0 = cpu_seconds();
        let pop = read_csv(
            Source::new("practices.csv", &practices),
            Source::new("patients.csv", &patients),
            Source::new("events.csv", &events),
        );
        (practices.len() + patients.len() + events.len(), pop)
    };
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu0.zip(cpu_seconds()).map(|(a, b)| b - a);
    match pop {
        Ok(pop) => {
            let events: usize = pop.patients.iter().map(|p| p.events.len()).sum();
            println!(
                "{} patients, {events} events, {:.1} MB in {secs:.3} s: {:.0} MB/s",
                pop.patients.len(),
                bytes as f64 / 1e6,
                bytes as f64 / 1e6 / secs
            );
            if let Some(cpu) = cpu {
                println!("cpu time {cpu:.3} s: {:.0} MB/s of cpu time", bytes as f64 / 1e6 / cpu);
            }
        }
        Err(e) => eprintln!("{}", e.render()),
    }
}
