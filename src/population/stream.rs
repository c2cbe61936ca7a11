//! Streamed reading: a population handed over practice by practice, never whole in memory.
//!
//! [`stream_csv`] reads `patients.csv` and `events.csv` as streams, a line at a time, and
//! hands each practice's patients, with their events, to a callback ([`Batch`]); what it keeps
//! between practices is the practice list, the practice ids seen, and an 8-byte fingerprint (a
//! strong hash) of each
//! patient id (to find an id used at two practices). [`stream_ndjson`] does the same for
//! `patients.ndjson`. Each practice's rows are read by the same readers as a whole file
//! (`read.rs`), so a row is accepted or refused exactly as it would be there.
//!
//! A stream needs its rows grouped: `patients.csv` a practice at a time (any practice order),
//! and `events.csv` in the same practice order (any order within a practice); NDJSON a
//! practice at a time. Files as `qofrules synth` and most extracts write them are. When the
//! rows are not grouped, or any row has an error, or a field is quoted, the reader stops and
//! says so ([`StreamEnd::Unstreamable`]): the caller then reads the files whole, which gives
//! every error with its row as usual. Results never depend on which way was taken.
//!
//! [`find_patient_csv`] and [`find_patient_ndjson`] read only one patient's rows (for
//! `explain`), counting the dates of every event on the way for the period warning.
//!
//! [`Held`] counts the patients a stream holds at once: the memory bound, counted rather than
//! measured (`tests/engine/streaming.rs`).

use super::read::{self, EventsArgs, EventsInput, FxMap, FxSet, NdjsonPatients};
use super::{practice_index, sort_events, DataErrors, Source, MAX_LINE_BYTES, PRACTICES_FILE};
use crate::date::Date;
use crate::model::{Patient, Population, Practice};
use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The patients held at once by streamed batches: how many now, and the most at any time
/// (batches may be evaluated on other threads, so the counts are atomic).
#[derive(Debug, Default)]
pub struct Held {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Held {
    pub fn new() -> Self {
        Held::default()
    }

    /// Patients held now.
    pub fn now(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }

    /// The most patients held at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    fn take(&self, n: usize) {
        let now = self.now.fetch_add(n, Ordering::SeqCst) + n;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    fn release(&self, n: usize) {
        self.now.fetch_sub(n, Ordering::SeqCst);
    }
}

/// One practice's patients, with their events (sorted by date), counted in a [`Held`] until
/// dropped.
pub struct Batch<'h> {
    pub practice_id: String,
    pub patients: Vec<Patient>,
    counted: usize,
    held: &'h Held,
}

impl<'h> Batch<'h> {
    /// A batch of `patients`, counted in `held` until dropped.
    pub fn new(practice_id: String, patients: Vec<Patient>, held: &'h Held) -> Self {
        let counted = patients.len();
        held.take(counted);
        Batch { practice_id, patients, counted, held }
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        self.held.release(self.counted);
    }
}

/// One practice's rows, handed over by a streamed reader: read already (NDJSON), or still
/// bytes (CSV: the practice's rows of `patients.csv` and `events.csv`), so that the reading
/// itself, most of the work, happens on the thread that evaluates the practice.
pub struct Pending<'h> {
    inner: PendingRows<'h>,
}

enum PendingRows<'h> {
    Read(Batch<'h>),
    Csv {
        practice_id: String,
        patients: Vec<u8>,
        events: Vec<u8>,
        ctx: Arc<CsvCtx>,
        held: &'h Held,
    },
}

/// What reading a practice's CSV rows needs, shared by the threads.
struct CsvCtx {
    pindex: FxMap<String, usize>,
    practices_name: String,
    patients_name: String,
    events_name: String,
}

impl<'h> Pending<'h> {
    /// The practice id.
    pub fn practice_id(&self) -> &str {
        match &self.inner {
            PendingRows::Read(b) => &b.practice_id,
            PendingRows::Csv { practice_id, .. } => practice_id,
        }
    }

    /// The practice's patients with their events, read and checked as the whole-file readers
    /// do; `None` when a row has an error (the files are then read whole, which reports it).
    pub fn read(self) -> Option<Batch<'h>> {
        let (practice_id, pchunk, echunk, ctx, held) = match self.inner {
            PendingRows::Read(b) => return Some(b),
            PendingRows::Csv { practice_id, patients, events, ctx, held } => {
                (practice_id, patients, events, ctx, held)
            }
        };
        let mut errors = DataErrors::default();
        let src = Source::new(&ctx.patients_name, &pchunk);
        let read = read::read_patients(&src, Some(&ctx.pindex), &ctx.practices_name, &mut errors);
        let (patients, index, rejected) = read.filter(|_| errors.is_empty())?;
        let mut batch = Batch::new(practice_id, patients, held);
        let args = EventsArgs {
            index: &index,
            rejected: &rejected,
            usable: true,
            patients_file: &ctx.patients_name,
            threads: 1,
            min_parallel: usize::MAX,
            block: 0,
        };
        let src = Source::new(&ctx.events_name, &echunk);
        let mut patients = std::mem::take(&mut batch.patients);
        let r = read::read_events(EventsInput::Bytes(&src), &mut patients, &args, &mut errors);
        batch.patients = patients;
        if r.is_err() || !errors.is_empty() {
            return None;
        }
        sort_events(&mut batch.patients);
        Some(batch)
    }
}

/// How a streamed read ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEnd {
    /// Every practice was handed over; the practice list (as the whole-file reader gives it).
    Done(Vec<Practice>),
    /// The files cannot be read a practice at a time (why, in a few words): read them whole.
    Unstreamable(String),
}

/// Lines of a stream, each at most [`MAX_LINE_BYTES`].
struct Lines<'r> {
    input: BufReader<&'r mut dyn Read>,
}

enum Line {
    Read,
    End,
    TooLong,
}

impl<'r> Lines<'r> {
    fn new(input: &'r mut dyn Read) -> Self {
        Lines { input: BufReader::with_capacity(1 << 20, input) }
    }

    /// Reads the next line (with its line end) into `buf`, cleared first.
    fn next(&mut self, buf: &mut Vec<u8>) -> std::io::Result<Line> {
        buf.clear();
        let n = (&mut self.input).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', buf)?;
        Ok(match n {
            0 => Line::End,
            _ if buf.len() > MAX_LINE_BYTES && buf.last() != Some(&b'\n') => Line::TooLong,
            _ => Line::Read,
        })
    }
}

/// A line without its line end.
fn trim_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A blank line (the CSV reader skips them).
fn blank(line: &[u8]) -> bool {
    trim_end(line).is_empty()
}

/// Field `k` of an unquoted line.
fn field(line: &[u8], k: usize) -> Option<&[u8]> {
    trim_end(line).split(|&b| b == b',').nth(k)
}

/// The index of column `name` in a header line (a byte-order mark allowed).
fn column(header: &[u8], name: &str) -> Option<usize> {
    let header = header.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(header);
    trim_end(header)
        .split(|&b| b == b',')
        .position(|f| String::from_utf8_lossy(f).trim().eq_ignore_ascii_case(name))
}

/// Appends a line to a chunk, with a line end.
fn push_line(chunk: &mut Vec<u8>, line: &[u8]) {
    chunk.extend_from_slice(line);
    if line.last() != Some(&b'\n') {
        chunk.push(b'\n');
    }
}

fn quoted(line: &[u8]) -> bool {
    memchr::memchr(b'"', line).is_some()
}

fn unstreamable(why: &str) -> std::io::Result<StreamEnd> {
    Ok(StreamEnd::Unstreamable(why.to_string()))
}

/// The fingerprint of a patient id by which a stream finds its practice's events and checks that
/// no id is used at two practices: SipHash-1-3 with fixed keys (std's `DefaultHasher::new`), a
/// strong 64-bit hash, not the readers' FxHash (`read::hash_id`). FxHash is made for table
/// lookups: among the 61.9 million patient ids of `qofrules synth --all-england` at scale 1
/// (`P81002-064262`), 444 pairs of different ids share an FxHash, so the check took them for
/// a repeated id and the population, once streamed, was read again whole.
/// With SipHash the chance of a false alarm (which only costs the whole reading, never a wrong
/// result) is about n²/2⁶⁵: 1 in 10,000 for 62 million ids.
fn fingerprint(id: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    h.write(id);
    h.finish()
}

/// Whether two patients (by id [`fingerprint`]) may share an id: then the files are read
/// whole, which says for sure.
fn may_repeat(mut hashes: Vec<u64>) -> bool {
    hashes.sort_unstable();
    hashes.windows(2).any(|w| w[0] == w[1])
}

/// How many bytes of each file [`looks_grouped_csv`] reads.
pub const SNIFF_BYTES: usize = 1 << 20;

/// Whether a CSV population's files look grouped by practice, as [`stream_csv`] needs, from
/// their first [`SNIFF_BYTES`]: `patients.csv`'s rows a practice at a time, and `events.csv`'s
/// rows in that order of practices (events of patients not among the first rows read are not
/// judged). `Err` says why not (a header without its id column, a quoted field, rows not
/// grouped): the files are then read whole at once, rather than streamed and found wanting.
/// A cheap check (two reads of a megabyte), so the reading is chosen before evaluating;
/// files whose disorder only starts later are still found by the stream, and read whole then.
pub fn looks_grouped_csv(
    patients: &mut dyn Read,
    events: &mut dyn Read,
) -> std::io::Result<Result<(), String>> {
    fn head(input: &mut dyn Read) -> std::io::Result<(Vec<u8>, bool)> {
        let mut buf = Vec::new();
        let all = read::fill(input, &mut buf, SNIFF_BYTES)?;
        Ok((buf, all))
    }
    let no = |why: &str| Ok(Err(why.to_string()));
    let (p, p_all) = head(patients)?;
    let (e, e_all) = head(events)?;
    // Whole lines only (the last may be cut off, unless the file ended).
    fn lines(b: &[u8], all: bool) -> Vec<&[u8]> {
        let end = if all { b.len() } else { memchr::memrchr(b'\n', b).map_or(0, |i| i + 1) };
        b[..end].split_inclusive(|&c| c == b'\n').filter(|l| !blank(l)).collect()
    }
    let (plines, elines) = (lines(&p, p_all), lines(&e, e_all));
    let (Some(ph), Some(eh)) = (plines.first(), elines.first()) else {
        return no("a file is empty");
    };
    let (Some(pcol), Some(idcol), Some(ecol)) =
        (column(ph, "practice_id"), column(ph, "patient_id"), column(eh, "patient_id"))
    else {
        return no("a header lacks its id column");
    };
    if quoted(&p) || quoted(&e) {
        return no("a field is quoted");
    }
    // The practice group of each patient among the first rows, groups numbered as they come.
    let mut group: FxMap<u64, usize> = FxMap::default();
    let mut seen: FxSet<&[u8]> = FxSet::default();
    let mut current: Option<&[u8]> = None;
    for line in &plines[1..] {
        let (Some(practice), Some(id)) = (field(line, pcol), field(line, idcol)) else { continue };
        if current != Some(practice) {
            if !seen.insert(practice) {
                return no("patients.csv is not grouped by practice");
            }
            current = Some(practice);
        }
        group.insert(fingerprint(id), seen.len());
    }
    // The events' practice groups never go back.
    let mut last = 0;
    for line in &elines[1..] {
        let Some(id) = field(line, ecol) else { continue };
        match group.get(&fingerprint(id)) {
            Some(&g) if g < last => {
                return no("events.csv is not grouped by practice as patients.csv is")
            }
            Some(&g) => last = g,
            // A patient beyond the first rows of patients.csv: not judged; the rest neither.
            None if !p_all => break,
            // Every patient was read: an event of no patient (an error, which the whole
            // reading reports at its row).
            None => return no("an event of no patient"),
        }
    }
    Ok(Ok(()))
}

/// Streams a CSV population practice by practice into `visit` (see the module's text): each
/// practice's rows of `patients.csv`, then the events of its patients, which follow in
/// `events.csv`, handed over as bytes ([`Pending::read`] reads them). This thread only splits
/// lines and looks at ids. The outer error is a failure to read a stream.
pub fn stream_csv<'h>(
    practices: Source<'_>,
    patients_name: &str,
    patients: &mut dyn Read,
    events_name: &str,
    events: &mut dyn Read,
    held: &'h Held,
    visit: &mut dyn FnMut(Pending<'h>),
) -> std::io::Result<StreamEnd> {
    let mut errors = DataErrors::default();
    let list = read::read_practices(&practices, &mut errors);
    if !errors.is_empty() {
        return unstreamable("practices.csv has errors");
    }
    let ctx = Arc::new(CsvCtx {
        pindex: practice_index(&list),
        practices_name: practices.name.to_string(),
        patients_name: patients_name.to_string(),
        events_name: events_name.to_string(),
    });
    let mut plines = Lines::new(patients);
    let mut elines = Blocks::new(events);
    let mut pheader = Vec::new();
    let mut eheader = Vec::new();
    let has_header = match elines.line()? {
        Some((_, end)) => {
            elines.take(end, &mut eheader);
            elines.flush(&mut eheader);
            true
        }
        None => false,
    };
    if !matches!(plines.next(&mut pheader)?, Line::Read)
        || !has_header
        || quoted(&pheader)
        || quoted(&eheader)
    {
        return unstreamable("a header is missing or quoted");
    }
    if eheader.last() != Some(&b'\n') {
        eheader.push(b'\n');
    }
    let (Some(pcol), Some(idcol), Some(ecol)) = (
        column(&pheader, "practice_id"),
        column(&pheader, "patient_id"),
        column(&eheader, "patient_id"),
    ) else {
        return unstreamable("a header lacks its id column");
    };
    let mut st = CsvState {
        ctx,
        elines,
        eheader,
        idcol,
        ecol,
        hashes: Vec::new(),
        ids: FxSet::default(),
        last_id: Vec::new(),
    };
    let mut seen: FxSet<Vec<u8>> = FxSet::default();
    let mut current: Option<Vec<u8>> = None;
    let mut chunk = pheader.clone();
    let mut line = Vec::new();
    loop {
        match plines.next(&mut line)? {
            Line::TooLong => return unstreamable("a line is too long"),
            Line::End => break,
            Line::Read => {}
        }
        if blank(&line) {
            continue;
        }
        if quoted(&line) {
            return unstreamable("patients.csv has a quoted field");
        }
        // A row without the field joins the current practice, and its error stops the stream.
        let pid = field(&line, pcol);
        if let Some(pid) = pid.filter(|p| current.as_deref() != Some(*p)) {
            if let Some(cur) = current.take() {
                let rows = std::mem::replace(&mut chunk, pheader.clone());
                if !st.practice(cur, rows, pheader.len(), held, visit)? {
                    return unstreamable("events.csv has a quoted field or a long line");
                }
            }
            if !seen.insert(pid.to_vec()) {
                return unstreamable("patients.csv is not grouped by practice");
            }
            current = Some(pid.to_vec());
        }
        current.get_or_insert_with(Vec::new);
        push_line(&mut chunk, &line);
    }
    if let Some(cur) = current.take() {
        let rows = std::mem::take(&mut chunk);
        if !st.practice(cur, rows, pheader.len(), held, visit)? {
            return unstreamable("events.csv has a quoted field or a long line");
        }
    }
    // Events left over belong to no practice read, or to one read earlier.
    if !st.elines.rest_blank()? {
        return match st.elines.too_long {
            true => unstreamable("a line is too long"),
            false => unstreamable("events.csv is not grouped by practice as patients.csv is"),
        };
    }
    if may_repeat(std::mem::take(&mut st.hashes)) {
        return unstreamable("two patients may share an id");
    }
    Ok(StreamEnd::Done(list))
}

/// What [`stream_csv`] carries from practice to practice.
struct CsvState<'r> {
    ctx: Arc<CsvCtx>,
    elines: Blocks<'r>,
    eheader: Vec<u8>,
    /// The `patient_id` columns of `patients.csv` and `events.csv`.
    idcol: usize,
    ecol: usize,
    hashes: Vec<u64>,
    /// The practice's patient id hashes (reused from practice to practice).
    ids: FxSet<u64>,
    /// The patient id of the last event taken (events come grouped by patient: the next
    /// event is usually the same patient's, found without hashing).
    last_id: Vec<u8>,
}

impl CsvState<'_> {
    /// Takes the events that follow for one practice's patients (`chunk`: the header and the
    /// practice's rows of `patients.csv`, whose header is `header` bytes long) and hands both
    /// over. An event belongs when its patient id's [`fingerprint`] is one of the practice's (a stray
    /// event whose hash happens to match is then an unknown patient to the reader, and the
    /// files are read whole). The events are found in `events.csv`'s read buffer and copied
    /// out a stretch at a time, not a line at a time. False on a quoted field or an overlong
    /// line.
    fn practice<'h>(
        &mut self,
        practice_id: Vec<u8>,
        chunk: Vec<u8>,
        header: usize,
        held: &'h Held,
        visit: &mut dyn FnMut(Pending<'h>),
    ) -> std::io::Result<bool> {
        self.ids.clear();
        for line in chunk[header..].split_inclusive(|&b| b == b'\n') {
            if let Some(id) = field(line, self.idcol) {
                let h = fingerprint(id);
                self.ids.insert(h);
                self.hashes.push(h);
            }
        }
        let mut echunk = self.eheader.clone();
        self.last_id.clear();
        let mut any = false;
        while let Some((start, end)) = self.elines.line()? {
            let line = &self.elines.buf[start..end];
            if !blank(line) {
                match field(line, self.ecol) {
                    Some(pid) if any && pid == self.last_id.as_slice() => {}
                    Some(pid) if !self.ids.contains(&fingerprint(pid)) => break,
                    Some(pid) => {
                        self.last_id.clear();
                        self.last_id.extend_from_slice(pid);
                        any = true;
                    }
                    None => {}
                }
            }
            self.elines.take(end, &mut echunk);
        }
        if self.elines.too_long {
            return Ok(false);
        }
        self.elines.flush(&mut echunk);
        if echunk.last().is_some_and(|&b| b != b'\n') {
            echunk.push(b'\n');
        }
        if quoted(&echunk) {
            return Ok(false);
        }
        visit(Pending {
            inner: PendingRows::Csv {
                practice_id: String::from_utf8_lossy(&practice_id).into_owned(),
                patients: chunk,
                events: echunk,
                ctx: self.ctx.clone(),
                held,
            },
        });
        Ok(true)
    }
}

/// A stream read in large blocks, a line at a time, without copying lines: [`Blocks::line`]
/// gives the next line's place in `buf`; lines taken ([`Blocks::take`]) are copied out a
/// stretch at a time, when the buffer is refilled or the stretch is flushed.
struct Blocks<'r> {
    input: &'r mut dyn Read,
    buf: Vec<u8>,
    /// The start of the next line in `buf`.
    pos: usize,
    /// The start of the stretch of lines taken and not yet copied out.
    taken: usize,
    eof: bool,
    /// A line longer than [`MAX_LINE_BYTES`] was met.
    too_long: bool,
}

impl<'r> Blocks<'r> {
    const BLOCK: usize = 4 << 20;

    fn new(input: &'r mut dyn Read) -> Self {
        Blocks { input, buf: Vec::new(), pos: 0, taken: 0, eof: false, too_long: false }
    }

    /// The next line's place in `buf` (with its line end, if it has one), not yet taken; `None`
    /// at the end of the stream or on an overlong line (`too_long`).
    fn line(&mut self) -> std::io::Result<Option<(usize, usize)>> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.pos..]) {
                return Ok(Some((self.pos, self.pos + i + 1)));
            }
            if self.buf.len() - self.pos > MAX_LINE_BYTES {
                self.too_long = true;
                return Ok(None);
            }
            if self.eof {
                return Ok((self.pos < self.buf.len()).then_some((self.pos, self.buf.len())));
            }
            // Refill: what is taken is copied out by the caller's next flush, so keep it.
            self.buf.drain(..self.taken);
            self.pos -= self.taken;
            self.taken = 0;
            let want = self.buf.len() + Self::BLOCK;
            self.eof = super::read::fill(self.input, &mut self.buf, want)?;
        }
    }

    /// Takes the lines up to `end` (a line's end from [`Blocks::line`]) into the stretch that
    /// `out` receives; the stretch is copied into `out` when the buffer must be compacted.
    fn take(&mut self, end: usize, out: &mut Vec<u8>) {
        self.pos = end;
        // Keep the buffer from growing: copy the stretch out once it is large.
        if self.pos - self.taken >= Self::BLOCK {
            self.flush(out);
        }
    }

    /// Copies the lines taken and not yet copied into `out`.
    fn flush(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.buf[self.taken..self.pos]);
        self.taken = self.pos;
    }

    /// Whether anything but blank lines is left.
    fn rest_blank(&mut self) -> std::io::Result<bool> {
        while let Some((start, end)) = self.line()? {
            if !blank(&self.buf[start..end]) {
                return Ok(false);
            }
            self.pos = end;
            self.taken = end;
        }
        Ok(!self.too_long)
    }
}

/// Streams an NDJSON population practice by practice into `visit`: consecutive lines of one
/// practice make a batch. With `practices` (a `practices.csv`) the list is that file's;
/// without it, the practices in order of first appearance, as [`super::read_ndjson`] makes it.
pub fn stream_ndjson<'h>(
    practices: Option<Source<'_>>,
    patients_name: &str,
    patients: &mut dyn Read,
    held: &'h Held,
    visit: &mut dyn FnMut(Pending<'h>),
) -> std::io::Result<StreamEnd> {
    let mut errors = DataErrors::default();
    let (mut list, pindex) = match &practices {
        Some(src) => {
            let list = read::read_practices(src, &mut errors);
            if !errors.is_empty() {
                return unstreamable("practices.csv has errors");
            }
            let index = practice_index(&list);
            (list, Some(index))
        }
        None => (Vec::new(), None),
    };
    let pfile = practices.map_or(PRACTICES_FILE, |s| s.name);
    let mut reader = NdjsonPatients::new(patients_name, pindex.as_ref(), pfile);
    let mut lines = Lines::new(patients);
    let mut line = Vec::new();
    let mut seen: FxSet<String> = FxSet::default();
    let mut current: Option<String> = None;
    let mut hashes = Vec::new();
    let mut row = 0;
    let mut hand_over = |group: Vec<Patient>, id: String, hashes: &mut Vec<u64>| {
        hashes.extend(group.iter().map(|p| fingerprint(p.patient_id.as_bytes())));
        let mut batch = Batch::new(id, group, held);
        sort_events(&mut batch.patients);
        visit(Pending { inner: PendingRows::Read(batch) });
    };
    loop {
        match lines.next(&mut line)? {
            Line::TooLong => return unstreamable("a line is too long"),
            Line::End => break,
            Line::Read => {}
        }
        row += 1;
        let mut text = line.strip_suffix(b"\n").unwrap_or(&line);
        if row == 1 {
            text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        }
        let had = reader.len();
        reader.line(row, text, &mut errors);
        if !errors.is_empty() {
            return unstreamable("patients.ndjson has errors");
        }
        if reader.len() == had {
            continue;
        }
        let Some(last) = reader.last() else { continue };
        if current.as_deref() == Some(last.practice_id.as_str()) {
            continue;
        }
        // A new practice: the patients before this one are the last practice's.
        let id = last.practice_id.clone();
        let mut group = reader.take();
        let first = group.pop();
        if let Some(cur) = current.take() {
            hand_over(group, cur, &mut hashes);
        }
        if !seen.insert(id.clone()) {
            return unstreamable("patients.ndjson is not grouped by practice");
        }
        if practices.is_none() {
            list.push(Practice {
                practice_id: id.clone(),
                practice_name: id.clone(),
                network_id: String::new(),
            });
        }
        current = Some(id);
        if let Some(p) = first {
            reader.restore(p, row);
        }
    }
    if let Some(cur) = current.take() {
        hand_over(reader.take(), cur, &mut hashes);
    }
    if may_repeat(hashes) {
        return unstreamable("two patients may share an id");
    }
    Ok(StreamEnd::Done(list))
}

/// One patient's rows, found by [`find_patient_csv`] or [`find_patient_ndjson`].
#[derive(Debug)]
pub enum Found {
    /// The population's practices and the patient, if listed (no patient: no such id).
    Patient(Population),
    /// The patient's rows have an error, or the files need their whole reading (a quoted
    /// field): read them whole, which reports every error at its row.
    Unreadable,
}

/// Reads only the rows of patient `patient_id` from a CSV population's streams (its row of
/// `patients.csv`, its rows of `events.csv`), checking them as the whole-file reader would.
/// `on_date` is told the date of every event of the file, for the period warning.
#[allow(clippy::too_many_arguments)]
pub fn find_patient_csv(
    practices: Source<'_>,
    patients_name: &str,
    patients: &mut dyn Read,
    events_name: &str,
    events: &mut dyn Read,
    patient_id: &str,
    on_date: &mut dyn FnMut(Date),
) -> std::io::Result<Found> {
    let want = patient_id.as_bytes();
    let mut pchunk = Vec::new();
    let mut lines = Lines::new(patients);
    let mut line = Vec::new();
    if !matches!(lines.next(&mut line)?, Line::Read) || quoted(&line) {
        return Ok(Found::Unreadable);
    }
    push_line(&mut pchunk, &line);
    let Some(pcol) = column(&line, "patient_id") else { return Ok(Found::Unreadable) };
    loop {
        match lines.next(&mut line)? {
            Line::End => break,
            Line::TooLong => return Ok(Found::Unreadable),
            Line::Read => {}
        }
        if quoted(&line) {
            return Ok(Found::Unreadable);
        }
        if field(&line, pcol) == Some(want) {
            push_line(&mut pchunk, &line);
        }
    }
    let mut echunk = Vec::new();
    let mut lines = Lines::new(events);
    if !matches!(lines.next(&mut line)?, Line::Read) || quoted(&line) {
        return Ok(Found::Unreadable);
    }
    push_line(&mut echunk, &line);
    let (Some(ecol), Some(dcol)) = (column(&line, "patient_id"), column(&line, "date")) else {
        return Ok(Found::Unreadable);
    };
    loop {
        match lines.next(&mut line)? {
            Line::End => break,
            Line::TooLong => return Ok(Found::Unreadable),
            Line::Read => {}
        }
        if quoted(&line) {
            return Ok(Found::Unreadable);
        }
        if let Some(d) = field(&line, dcol).and_then(Date::parse_bytes) {
            on_date(d);
        }
        if field(&line, ecol) == Some(want) {
            push_line(&mut echunk, &line);
        }
    }
    let prac = Source::new(practices.name, practices.data);
    let pats = Source::new(patients_name, &pchunk);
    let evs = Source::new(events_name, &echunk);
    match super::read_csv_with_threads(prac, pats, evs, 1) {
        Ok(pop) => Ok(Found::Patient(pop)),
        Err(_) => Ok(Found::Unreadable),
    }
}

/// Reads only the line of patient `patient_id` from an NDJSON population's stream, checking
/// it as the whole-file reader would; `on_date` is told the date of every event of the file.
pub fn find_patient_ndjson(
    practices: Option<Source<'_>>,
    patients_name: &str,
    patients: &mut dyn Read,
    patient_id: &str,
    on_date: &mut dyn FnMut(Date),
) -> std::io::Result<Found> {
    let mut lines = Lines::new(patients);
    let mut line = Vec::new();
    let mut mine = Vec::new();
    let mut row = 0;
    loop {
        match lines.next(&mut line)? {
            Line::End => break,
            Line::TooLong => return Ok(Found::Unreadable),
            Line::Read => {}
        }
        row += 1;
        let mut text = line.strip_suffix(b"\n").unwrap_or(&line);
        if row == 1 {
            text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Ok(p) = serde_json::from_slice::<Patient>(text) else {
            return Ok(Found::Unreadable);
        };
        for e in &p.events {
            on_date(e.date);
        }
        if p.patient_id == patient_id {
            push_line(&mut mine, text);
        }
    }
    match super::read_ndjson(practices, Source::new(patients_name, &mine)) {
        Ok(pop) => Ok(Found::Patient(pop)),
        Err(_) => Ok(Found::Unreadable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_share_an_fxhash_have_different_fingerprints() {
        // Two ids of all England at scale 1 (`qofrules synth --all-england`) with one FxHash:
        // the check for an id at two practices must not see them as one.
        let (a, b) = (b"P81002-064262".as_slice(), b"P81008-004946".as_slice());
        assert_eq!(read::hash_id(a), read::hash_id(b));
        assert_ne!(fingerprint(a), fingerprint(b));
        assert!(!may_repeat(vec![fingerprint(a), fingerprint(b)]));
        assert!(may_repeat(vec![fingerprint(a), fingerprint(b), fingerprint(a)]));
    }
}
