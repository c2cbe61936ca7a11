//! Writers: CSV folder and NDJSON, streaming (one practice at a time if wanted).
//!
//! Output is byte-for-byte deterministic: integers and dates are formatted by hand, values
//! with Rust's shortest round-trip float formatting (pure software, identical on every
//! platform, never in exponent notation).

use super::csv::push_field;
use crate::date::Date;
use crate::model::{Patient, Population, Practice, Sex};
use std::io::{self, Write};

pub const PRACTICES_HEADER: &str = "practice_id,practice_name,network_id\n";
pub const PATIENTS_HEADER: &str =
    "patient_id,practice_id,birth_date,sex,registered_on,deregistered_on,deprivation_decile\n";
pub const EVENTS_HEADER: &str = "patient_id,date,code,value\n";

const FLUSH_AT: usize = 1 << 16;

fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&tmp[i..]);
}

/// `YYYY-MM-DD` of every day from 1900-01-01 to 2099-12-31, built on first use: date
/// formatting is otherwise the writers' hottest operation.
struct DateTable {
    first: i32,
    text: Vec<[u8; 10]>,
}

fn date_table() -> &'static DateTable {
    static CELL: std::sync::OnceLock<DateTable> = std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        let first = Date::from_ymd(1900, 1, 1).map_or(-25567, |d| d.0);
        let last = Date::from_ymd(2099, 12, 31).map_or(47481, |d| d.0);
        let text = (first..=last).map(|n| format_date(Date(n))).collect();
        DateTable { first, text }
    })
}

fn format_date(d: Date) -> [u8; 10] {
    let (y, m, day) = d.ymd();
    let y = y.clamp(0, 9999) as u32;
    [
        b'0' + (y / 1000) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
        b'-',
        b'0' + (m / 10) as u8,
        b'0' + (m % 10) as u8,
        b'-',
        b'0' + (day / 10) as u8,
        b'0' + (day % 10) as u8,
    ]
}

fn push_date(out: &mut Vec<u8>, d: Date) {
    let t = date_table();
    match usize::try_from(d.0 - t.first).ok().and_then(|i| t.text.get(i)) {
        Some(text) => out.extend_from_slice(text),
        None if (0..=9999).contains(&d.ymd().0) => out.extend_from_slice(&format_date(d)),
        // Outside the readable range: written as Display does (it will not read back).
        None => out.extend_from_slice(d.to_string().as_bytes()),
    }
}

fn push_value(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        if v < 0.0 {
            out.push(b'-');
        }
        push_u64(out, v.abs() as u64);
    } else {
        // `Write for Vec<u8>` cannot fail.
        let _ = write!(out, "{v}");
    }
}

/// A population writer, streamed practice by practice ([`CsvWriter`], [`NdjsonWriter`]): a
/// practice's line, then its patients. Object-safe, so a front end picks the format at run
/// time (`Box<dyn PopulationWriter<W>>`).
pub trait PopulationWriter<W: Write> {
    /// Writes one practice's line.
    fn write_practice(&mut self, p: &Practice) -> io::Result<()>;

    /// Writes one patient (and their events).
    fn write_patient(&mut self, p: &Patient) -> io::Result<()>;

    /// Writes patients in order.
    fn write_patients(&mut self, patients: &[Patient]) -> io::Result<()> {
        for p in patients {
            self.write_patient(p)?;
        }
        Ok(())
    }

    /// Writes a whole population: its practices, then its patients.
    fn write_population(&mut self, pop: &Population) -> io::Result<()> {
        for p in &pop.practices {
            self.write_practice(p)?;
        }
        self.write_patients(&pop.patients)
    }

    /// Flushes and returns the writers, in the order they were given.
    fn finish_writers(self: Box<Self>) -> io::Result<Vec<W>>;
}

/// A practice's line of `practices.csv` (both formats write one).
fn write_practice_line<W: Write>(out: &mut W, p: &Practice) -> io::Result<()> {
    let mut line = Vec::with_capacity(64);
    push_field(&mut line, &p.practice_id);
    line.push(b',');
    push_field(&mut line, &p.practice_name);
    line.push(b',');
    push_field(&mut line, &p.network_id);
    line.push(b'\n');
    out.write_all(&line)
}

/// Writes CSV population files: headers on creation, then practices and patients as they
/// come, so that a large population can be streamed practice by practice.
pub struct CsvWriter<W: Write> {
    practices: W,
    patients: W,
    events: W,
    pbuf: Vec<u8>,
    ebuf: Vec<u8>,
}

impl<W: Write> CsvWriter<W> {
    /// Writes the three headers.
    pub fn new(mut practices: W, mut patients: W, mut events: W) -> io::Result<Self> {
        practices.write_all(PRACTICES_HEADER.as_bytes())?;
        patients.write_all(PATIENTS_HEADER.as_bytes())?;
        events.write_all(EVENTS_HEADER.as_bytes())?;
        Ok(CsvWriter {
            practices,
            patients,
            events,
            pbuf: Vec::with_capacity(FLUSH_AT * 2),
            ebuf: Vec::with_capacity(FLUSH_AT * 2),
        })
    }

    /// Flushes and returns the three writers.
    pub fn finish(mut self) -> io::Result<(W, W, W)> {
        self.patients.write_all(&self.pbuf)?;
        self.events.write_all(&self.ebuf)?;
        self.practices.flush()?;
        self.patients.flush()?;
        self.events.flush()?;
        Ok((self.practices, self.patients, self.events))
    }
}

impl<W: Write> PopulationWriter<W> for CsvWriter<W> {
    fn write_practice(&mut self, p: &Practice) -> io::Result<()> {
        write_practice_line(&mut self.practices, p)
    }

    fn finish_writers(self: Box<Self>) -> io::Result<Vec<W>> {
        let (a, b, c) = self.finish()?;
        Ok(vec![a, b, c])
    }

    fn write_patient(&mut self, p: &Patient) -> io::Result<()> {
        let b = &mut self.pbuf;
        push_field(b, &p.patient_id);
        b.push(b',');
        push_field(b, &p.practice_id);
        b.push(b',');
        push_date(b, p.birth_date);
        b.push(b',');
        b.extend_from_slice(p.sex.letter().as_bytes());
        b.push(b',');
        push_date(b, p.registered_on);
        b.push(b',');
        if let Some(d) = p.deregistered_on {
            push_date(b, d);
        }
        b.push(b',');
        if let Some(d) = p.deprivation_decile {
            push_u64(b, u64::from(d));
        }
        b.push(b'\n');
        if !p.events.is_empty() {
            let e = &mut self.ebuf;
            let mut id = Vec::with_capacity(p.patient_id.len() + 2);
            push_field(&mut id, &p.patient_id);
            for ev in &p.events {
                e.extend_from_slice(&id);
                e.push(b',');
                push_date(e, ev.date);
                e.push(b',');
                push_u64(e, ev.code);
                e.push(b',');
                if let Some(v) = ev.value {
                    push_value(e, v);
                }
                e.push(b'\n');
            }
        }
        if self.pbuf.len() >= FLUSH_AT {
            self.patients.write_all(&self.pbuf)?;
            self.pbuf.clear();
        }
        if self.ebuf.len() >= FLUSH_AT {
            self.events.write_all(&self.ebuf)?;
            self.ebuf.clear();
        }
        Ok(())
    }
}

fn push_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for &c in s.as_bytes() {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(c >> 4)]);
                out.push(HEX[usize::from(c & 15)]);
            }
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

fn sex_word(s: Sex) -> &'static [u8] {
    match s {
        Sex::Female => b"female",
        Sex::Male => b"male",
        Sex::Unknown => b"unknown",
    }
}

/// Writes an NDJSON population: `practices.csv` plus one patient per line.
pub struct NdjsonWriter<W: Write> {
    practices: W,
    patients: W,
    buf: Vec<u8>,
}

impl<W: Write> NdjsonWriter<W> {
    /// Writes the practices header.
    pub fn new(mut practices: W, patients: W) -> io::Result<Self> {
        practices.write_all(PRACTICES_HEADER.as_bytes())?;
        Ok(NdjsonWriter { practices, patients, buf: Vec::with_capacity(FLUSH_AT * 2) })
    }

    /// Flushes and returns the two writers.
    pub fn finish(mut self) -> io::Result<(W, W)> {
        self.patients.write_all(&self.buf)?;
        self.practices.flush()?;
        self.patients.flush()?;
        Ok((self.practices, self.patients))
    }
}

impl<W: Write> PopulationWriter<W> for NdjsonWriter<W> {
    fn write_practice(&mut self, p: &Practice) -> io::Result<()> {
        write_practice_line(&mut self.practices, p)
    }

    fn finish_writers(self: Box<Self>) -> io::Result<Vec<W>> {
        let (a, b) = self.finish()?;
        Ok(vec![a, b])
    }

    fn write_patient(&mut self, p: &Patient) -> io::Result<()> {
        let b = &mut self.buf;
        b.extend_from_slice(b"{\"patient_id\":");
        push_json_str(b, &p.patient_id);
        b.extend_from_slice(b",\"practice_id\":");
        push_json_str(b, &p.practice_id);
        b.extend_from_slice(b",\"birth_date\":\"");
        push_date(b, p.birth_date);
        b.extend_from_slice(b"\",\"sex\":\"");
        b.extend_from_slice(sex_word(p.sex));
        b.extend_from_slice(b"\",\"registered_on\":\"");
        push_date(b, p.registered_on);
        b.push(b'"');
        if let Some(d) = p.deregistered_on {
            b.extend_from_slice(b",\"deregistered_on\":\"");
            push_date(b, d);
            b.push(b'"');
        }
        if let Some(d) = p.deprivation_decile {
            b.extend_from_slice(b",\"deprivation_decile\":");
            push_u64(b, u64::from(d));
        }
        b.extend_from_slice(b",\"events\":[");
        for (i, ev) in p.events.iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            b.extend_from_slice(b"{\"date\":\"");
            push_date(b, ev.date);
            b.extend_from_slice(b"\",\"code\":");
            push_u64(b, ev.code);
            if let Some(v) = ev.value {
                b.extend_from_slice(b",\"value\":");
                push_value(b, v);
            }
            b.push(b'}');
        }
        b.extend_from_slice(b"]}\n");
        if self.buf.len() >= FLUSH_AT {
            self.patients.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// Writes a whole population as CSV.
pub fn write_csv<W: Write>(
    pop: &Population,
    practices: W,
    patients: W,
    events: W,
) -> io::Result<(W, W, W)> {
    let mut w = CsvWriter::new(practices, patients, events)?;
    w.write_population(pop)?;
    w.finish()
}

/// Writes a whole population as `practices.csv` plus NDJSON patients.
pub fn write_ndjson<W: Write>(pop: &Population, practices: W, patients: W) -> io::Result<(W, W)> {
    let mut w = NdjsonWriter::new(practices, patients)?;
    w.write_population(pop)?;
    w.finish()
}
