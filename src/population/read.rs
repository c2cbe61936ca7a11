//! Readers: CSV folder (practices, patients, events) and NDJSON (one patient per line).

use super::csv::Records;
use super::{DataError, DataErrors, Source};
use crate::model::{Event, Patient, Practice, Sex};
use crate::table::{self, indexes, show, At, Col, Columns, Row, Table};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Read;

/// A small, fast, non-cryptographic hasher for id lookups: the FxHash function, with a
/// finaliser.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
        self.0 = h;
    }
    /// FxHash's state, mixed. A multiplication carries each bit of a key only upwards, so
    /// the state's low bits depend on the key's low bits alone, and keys that differ only in
    /// their high bits (a practice's position shifted above an item number) share the low
    /// bits that choose a `HashMap`'s bucket, and crawl. Folding the high half down,
    /// multiplying and folding again (a multiply-xorshift finaliser, as in rustc-hash 2 and
    /// MurmurHash3) makes every bit of the result depend on every bit of the state. It is a
    /// bijection, so it adds no collision, and the high bits stay mixed for [`IdIndex`]'s
    /// directory.
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 32;
        h = h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^ (h >> 32)
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub(crate) type FxSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

/// Checks a SNOMED CT concept id's shape (6 to 18 digits, no leading zero).
pub fn is_snomed_id(code: u64) -> bool {
    (100_000..1_000_000_000_000_000_000).contains(&code)
}

/// The value of a field, or `None` with its error pushed.
fn ok<T>(errors: &mut DataErrors, r: Result<T, DataError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// Reads the closed header of a population file; `None` (its errors pushed) when unusable.
fn header(table: &mut Table<'_>, columns: &[Col<'_>], errors: &mut DataErrors) -> Option<Columns> {
    match table.closed_header(columns) {
        Ok(idx) => Some(idx),
        Err(es) => {
            es.into_iter().for_each(|e| errors.push(e));
            None
        }
    }
}

/// The next row with one field per column (rows without are errors pushed); `None` at the
/// end, after a syntax error, and at the error limit with records left.
fn next_row<'t>(table: &'t mut Table<'_>, errors: &mut DataErrors) -> Option<Row<'t>> {
    loop {
        match table.advance() {
            Ok(Some(_)) => {}
            Ok(None) => return None,
            Err(e) => {
                errors.push(e);
                return None;
            }
        }
        if errors.full() {
            errors.truncated = true;
            return None;
        }
        match table.row().check_width() {
            Ok(()) => return Some(table.row()),
            Err(e) => errors.push(e),
        }
    }
}

const PRACTICE_COLUMNS: [Col<'static>; 3] = [
    Col::required(&["practice_id"]),
    Col::required(&["practice_name"]),
    Col::required(&["network_id"]),
];

/// Reads `practices.csv`.
pub(crate) fn read_practices(src: &Source<'_>, errors: &mut DataErrors) -> Vec<Practice> {
    let mut table = Table::new(src.name, src.data);
    let Some(idx) = header(&mut table, &PRACTICE_COLUMNS, errors) else {
        return Vec::new();
    };
    let [i_id, i_name, i_net] = indexes(&idx);
    let mut out = Vec::new();
    let mut seen: FxMap<String, usize> = FxMap::default();
    while let Some(row) = next_row(&mut table, errors) {
        let pid = ok(errors, row.id(i_id));
        let name = ok(errors, row.text(i_name));
        let net = ok(errors, row.text(i_net));
        let (Some(pid), Some(name), Some(net)) = (pid, name, net) else {
            continue;
        };
        if let Some(first) = seen.get(pid) {
            errors.push(
                row.error(i_id, format!("duplicate practice id `{pid}`"))
                    .help(format!("`{pid}` is already defined on row {first}")),
            );
            continue;
        }
        seen.insert(pid.to_string(), row.line);
        out.push(Practice {
            practice_id: pid.to_string(),
            practice_name: name.to_string(),
            network_id: net.to_string(),
        });
    }
    out
}

pub(crate) fn hash_id(id: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(id);
    h.finish()
}

/// Patients by id: an open-addressing table (linear probing, at most half full) of 16-byte
/// slots, each with 32 bits of the id's hash, the patient's position and where its id is in a
/// copy of the ids (`ids`), so that a lookup usually reads one cache line of the table and one
/// of the ids. Events in date order (each row a different patient) make a lookup per row: a
/// binary search touched twenty cache lines, a sorted index with a directory three, and
/// checking the id against the patient's record two more (the record and its heap string), so
/// that a 10 MB `events.csv` in date order read 2 to 4.5 times slower than in patient order.
///
/// Built with one sort of (hash, position) pairs instead of a hash map (1.2 million random
/// inserts cost more than the whole events file): the sort finds duplicate ids, and the slots,
/// placed in hash order at their home slot (the hash's top bits) or the next free one, are
/// written one after the other.
pub(crate) struct IdIndex {
    /// `1 << bits` home slots then as many as the last runs spill into, and a free one.
    slots: Vec<Slot>,
    shift: u32,
    /// The ids, in the order of their hashes; empty when they would not fit in `u32` offsets
    /// (more than 4 GiB of ids), and the patients' records are checked instead.
    ids: Vec<u8>,
}

/// A patient's slot in [`IdIndex`]; free when `len` is `u32::MAX`.
#[derive(Clone, Copy)]
struct Slot {
    /// The low 32 bits of the id's hash (the top bits chose the home slot).
    tag: u32,
    pos: u32,
    /// The id's place in [`IdIndex::ids`].
    start: u32,
    len: u32,
}

const FREE: Slot = Slot { tag: 0, pos: 0, start: 0, len: u32::MAX };

impl IdIndex {
    /// Indexes `patients`; returns the index and the positions of later duplicates of an
    /// id with the position of its first occurrence.
    fn build(patients: &[Patient]) -> (IdIndex, Vec<(usize, usize)>) {
        let mut keys: Vec<(u64, u32)> = patients
            .iter()
            .enumerate()
            .map(|(i, p)| (hash_id(p.patient_id.as_bytes()), i as u32))
            .collect();
        keys.sort_unstable();
        let mut dups = Vec::new();
        let mut start = 0;
        while start < keys.len() {
            let mut end = start + 1;
            while end < keys.len() && keys[end].0 == keys[start].0 {
                end += 1;
            }
            // Within a run of equal hashes, group equal ids (then by position): every id
            // after the first of its group is a duplicate of that first one. Sorting keeps
            // this n log n even for a file of one id repeated.
            if end - start > 1 {
                let mut run: Vec<usize> = keys[start..end].iter().map(|k| k.1 as usize).collect();
                run.sort_by(|&a, &b| {
                    patients[a].patient_id.cmp(&patients[b].patient_id).then(a.cmp(&b))
                });
                let mut first = run[0];
                for w in run.windows(2) {
                    if patients[w[1]].patient_id == patients[first].patient_id {
                        dups.push((w[1], first));
                    } else {
                        first = w[1];
                    }
                }
            }
            start = end;
        }
        let total: usize = patients.iter().map(|p| p.patient_id.len()).sum();
        let copy = u32::try_from(total).is_ok_and(|t| t < u32::MAX);
        (IdIndex::from_sorted(patients, &keys, copy), dups)
    }

    /// The index of `keys` (sorted by hash), with a copy of the ids when `copy`.
    fn from_sorted(patients: &[Patient], keys: &[(u64, u32)], copy: bool) -> IdIndex {
        let bits = (keys.len() * 2).max(2).next_power_of_two().trailing_zeros();
        let shift = 64 - bits;
        let mut slots = vec![FREE; 1 << bits];
        let mut ids = Vec::new();
        let mut next = 0;
        for &(hash, pos) in keys {
            let (mut start, mut len) = (0, 0);
            if let Some(p) = patients.get(pos as usize).filter(|_| copy) {
                start = ids.len() as u32;
                len = p.patient_id.len() as u32;
                ids.extend_from_slice(p.patient_id.as_bytes());
            }
            // In hash order, the first free slot from home is the later of home and the one
            // after the last placed.
            let at = ((hash >> shift) as usize).max(next);
            if at == slots.len() {
                slots.push(FREE);
            }
            slots[at] = Slot { tag: hash as u32, pos, start, len };
            next = at + 1;
        }
        // A free slot ends every run.
        slots.push(FREE);
        IdIndex { slots, shift, ids }
    }

    pub(crate) fn empty() -> IdIndex {
        IdIndex::from_sorted(&[], &[], true)
    }

    /// The position in `patients` (the patients indexed) of the patient with this id.
    pub(crate) fn get(&self, patients: &[Patient], id: &[u8]) -> Option<usize> {
        self.get_hashed(patients, hash_id(id), id)
    }

    /// [`IdIndex::get`] of an id whose hash is `h`.
    fn get_hashed(&self, patients: &[Patient], h: u64, id: &[u8]) -> Option<usize> {
        let tag = h as u32;
        let home = (h >> self.shift) as usize;
        for s in self.slots.get(home..)?.iter().take_while(|s| s.len != u32::MAX) {
            if s.tag != tag {
                continue;
            }
            let same = if self.ids.is_empty() && s.len == 0 {
                // Without the copy of the ids, the record is checked.
                patients.get(s.pos as usize).is_some_and(|p| p.patient_id.as_bytes() == id)
            } else {
                let (start, len) = (s.start as usize, s.len as usize);
                self.ids.get(start..start + len) == Some(id)
            };
            if same {
                return Some(s.pos as usize);
            }
        }
        None
    }
}

/// The patients read, their index by id, and the ids of rows that were rejected (so that
/// their events are not reported again as unknown). `None` when the header is unusable.
pub(crate) type PatientsRead = (Vec<Patient>, IdIndex, FxMap<String, ()>);

fn parse_sex(b: &[u8]) -> Option<Sex> {
    match b {
        b"F" | b"f" => Some(Sex::Female),
        b"M" | b"m" => Some(Sex::Male),
        b"U" | b"u" | b"" => Some(Sex::Unknown),
        _ => std::str::from_utf8(b).ok().and_then(Sex::parse),
    }
}

const PATIENT_COLUMNS: [Col<'static>; 7] = [
    Col::required(&["patient_id"]),
    Col::required(&["practice_id"]),
    Col::required(&["birth_date"]),
    Col::required(&["sex"]),
    Col::required(&["registered_on"]),
    Col::required(&["deregistered_on"]),
    Col::optional(&["deprivation_decile"]),
];

/// Field `col` of `row` as a patient's sex.
fn sex(row: &Row<'_>, col: usize) -> Result<Sex, DataError> {
    let b = row.bytes(col)?;
    parse_sex(b).ok_or_else(|| {
        row.error(col, format!("`{}` is not a sex", show(b)))
            .help("write `F`, `M` or `U` (unknown)")
    })
}

/// Field `col` of `row` as a deprivation decile; `None` when empty.
fn decile(row: &Row<'_>, col: usize) -> Result<Option<u8>, DataError> {
    let b = row.bytes(col)?;
    if b.is_empty() {
        return Ok(None);
    }
    match std::str::from_utf8(b).ok().and_then(|s| s.parse::<u8>().ok()) {
        Some(d @ 1..=10) => Ok(Some(d)),
        _ => Err(row
            .error(col, format!("`{}` is not a deprivation decile", show(b)))
            .help("deciles run from 1 (most deprived) to 10 (least deprived); leave the field empty when unknown")),
    }
}

/// Reads `patients.csv`; `practices` are the known practice ids.
pub(crate) fn read_patients(
    src: &Source<'_>,
    practices: Option<&FxMap<String, usize>>,
    practices_file: &str,
    errors: &mut DataErrors,
) -> Option<PatientsRead> {
    let mut table = Table::new(src.name, src.data);
    let mut out = Vec::with_capacity(memchr::memchr_iter(b'\n', src.data).count());
    let mut rejected: FxMap<String, ()> = FxMap::default();
    let mut rows: Vec<usize> = Vec::new();
    let idx = header(&mut table, &PATIENT_COLUMNS, errors)?;
    let [i_pat, i_prac, i_birth, i_sex, i_reg, i_dereg, i_decile] = indexes(&idx);
    let has_decile = idx[6].is_some();
    while let Some(row) = next_row(&mut table, errors) {
        let before = errors.errors.len();
        let pid = ok(errors, row.id(i_pat));
        let prac = ok(errors, row.id(i_prac));
        let birth = ok(errors, row.date(i_birth));
        let sex = ok(errors, sex(&row, i_sex));
        let reg = ok(errors, row.date(i_reg));
        let dereg = ok(errors, row.optional_date(i_dereg));
        let decile = if has_decile { ok(errors, decile(&row, i_decile)) } else { Some(None) };
        let (Some(pid), Some(prac), Some(birth), Some(sex), Some(reg), Some(dereg), Some(decile)) =
            (pid, prac, birth, sex, reg, dereg, decile)
        else {
            if let Some(pid) = pid {
                rejected.insert(pid.to_string(), ());
            }
            continue;
        };
        if errors.errors.len() != before {
            rejected.insert(pid.to_string(), ());
            continue;
        }
        let problem = if practices.is_some_and(|known| !known.contains_key(prac)) {
            Some(
                row.error(i_prac, format!("unknown practice `{prac}`"))
                    .help(format!("add `{prac}` to {practices_file}")),
            )
        } else if reg < birth {
            Some(
                row.error(i_reg, format!("registered on {reg}, before birth on {birth}"))
                    .help("registration cannot precede birth"),
            )
        } else {
            dereg.filter(|d| *d < reg).map(|d| {
                row.error(i_dereg, format!("deregistered on {d}, before registration on {reg}"))
                    .help("leave the field empty for a patient still registered")
            })
        };
        if let Some(e) = problem {
            errors.push(e);
            rejected.insert(pid.to_string(), ());
            continue;
        }
        if u32::try_from(out.len()).is_err() {
            errors.push(row.error_here("too many patients (more than 4,294,967,295)"));
            break;
        }
        rows.push(row.line);
        out.push(Patient {
            patient_id: pid.to_string(),
            practice_id: prac.to_string(),
            birth_date: birth,
            sex,
            registered_on: reg,
            deregistered_on: dereg,
            deprivation_decile: decile,
            events: Vec::new(),
        });
    }
    let (mut index, dups) = IdIndex::build(&out);
    if !dups.is_empty() {
        let mut keep = vec![true; out.len()];
        let mut dups = dups;
        dups.sort_unstable();
        for &(dup, first) in &dups {
            keep[dup] = false;
            let id = &out[dup].patient_id;
            errors.push(
                DataError::new(src.name, Some(rows[dup]), format!("duplicate patient id `{id}`"))
                    .column("patient_id")
                    .help(format!("`{id}` is already defined on row {}", rows[first])),
            );
        }
        let mut i = 0;
        out.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        index = IdIndex::build(&out).0;
    }
    Some((out, index, rejected))
}

/// Below this many bytes `events.csv` is read on one thread (threads cost more than they save).
pub(crate) const PARALLEL_MIN_BYTES: usize = 4 << 20;

/// How much of a streamed `events.csv` is read and parsed at a time.
pub(crate) const BLOCK_BYTES: usize = 16 << 20;

const EVENT_COLUMNS: [Col<'static>; 4] = [
    Col::required(&["patient_id"]),
    Col::required(&["date"]),
    Col::required(&["code"]),
    Col::required(&["value"]),
];

/// Where `events.csv` comes from: bytes in memory, or a stream read a block at a time.
pub(crate) enum EventsInput<'s, 'r> {
    Bytes(&'s Source<'s>),
    Stream { name: &'s str, reader: &'r mut dyn std::io::Read },
}

/// What a reader of `events.csv` needs besides the patients.
pub(crate) struct EventsArgs<'c> {
    pub index: &'c IdIndex,
    pub rejected: &'c FxMap<String, ()>,
    pub usable: bool,
    pub patients_file: &'c str,
    pub threads: usize,
    /// Stretches of fewer bytes are not split between threads.
    pub min_parallel: usize,
    /// Block size of a streamed file.
    pub block: usize,
}

/// Reads `events.csv` into the patients' records. A large file is split at line ends into
/// one stretch per thread when it holds no quote (a quoted field may span lines), the
/// stretches are read in parallel and their events and errors merged in file order: the
/// result is the same as on one thread. A stream is read and parsed `args.block` bytes at a
/// time (cut after the last line end), so the whole file is never in memory; once a block
/// holds a quote, the rest of the stream is read and parsed on one thread.
pub(crate) fn read_events(
    input: EventsInput<'_, '_>,
    patients: &mut [Patient],
    args: &EventsArgs<'_>,
    errors: &mut DataErrors,
) -> std::io::Result<()> {
    let (name, reader) = match input {
        EventsInput::Bytes(src) => {
            let mut table = Table::new(src.name, src.data);
            let Some(idx) = header(&mut table, &EVENT_COLUMNS, errors) else {
                return Ok(());
            };
            let ctx = EventsCtx::new(src.name, (&idx, table.width()), args);
            let (body, line) = (table.position(), table.line());
            let mut counts = vec![0u32; patients.len()];
            let scatter = (patients, counts.as_mut_slice());
            read_block(&ctx, src.data, body, line, false, scatter, errors, || ());
            return Ok(());
        }
        EventsInput::Stream { name, reader } => (name, reader),
    };
    let block_size = args.block.max(1);
    // The scratch of `merge_parts`, made once for every block.
    let mut counts = vec![0u32; patients.len()];
    let mut buf: Vec<u8> = Vec::new();
    // The next block is read into this buffer while the current one is parsed.
    let mut spare: Vec<u8> = Vec::new();
    let mut eof = fill(reader, &mut buf, block_size)?;
    // The header's columns and width, once read.
    let mut lay: Option<(Columns, usize)> = None;
    let mut base = 1;
    loop {
        let mut cut = if eof {
            buf.len()
        } else {
            // The first block must hold the header: a line with more than a line end.
            let text = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf);
            let blank = |t: &[u8]| t.iter().all(|&c| c == b'\n' || c == b'\r');
            match memchr::memrchr(b'\n', &buf) {
                Some(i)
                    if lay.is_some()
                        || !blank(&text[..(i + 1).saturating_sub(buf.len() - text.len())]) =>
                {
                    i + 1
                }
                found => {
                    // One line longer than a block (or only blank lines before the header):
                    // read on, up to the longest line allowed.
                    if buf.len() > MAX_LINE_BYTES {
                        let row = match (found, &lay) {
                            (None, Some(_)) => base,
                            // the header, after any blank lines
                            _ => 1 + memchr::memchr_iter(b'\n', &buf).count(),
                        };
                        errors.push(line_too_long(name, row));
                        return Ok(());
                    }
                    let want = buf.len().saturating_mul(2).max(block_size).min(MAX_LINE_BYTES + 1);
                    eof = fill(reader, &mut buf, want)?;
                    continue;
                }
            }
        };
        let quoted = memchr::memchr(b'"', &buf[..cut]).is_some();
        if quoted && !eof {
            reader.read_to_end(&mut buf)?;
            eof = true;
            cut = buf.len();
        }
        let (block, tail) = buf.split_at(cut);
        let mut body = 0;
        if lay.is_none() {
            let mut table = Table::new(name, block);
            let Some(idx) = header(&mut table, &EVENT_COLUMNS, errors) else {
                return Ok(());
            };
            lay = Some((idx, table.width()));
            body = table.position();
            base = table.line();
        }
        let Some((idx, width)) = &lay else { return Ok(()) };
        let ctx = EventsCtx::new(name, (idx, *width), args);
        // Parse this block while the next one is read: the rest of this buffer (a partial
        // line) and then the stream.
        let reader = &mut *reader;
        let spare_buf = &mut spare;
        let read_next = move || -> std::io::Result<bool> {
            spare_buf.clear();
            if eof {
                return Ok(true);
            }
            spare_buf.extend_from_slice(tail);
            fill(reader, spare_buf, block_size)
        };
        let ((next, stop), next_eof) = read_block(
            &ctx,
            block,
            body,
            base,
            !quoted,
            (&mut *patients, &mut counts),
            errors,
            read_next,
        );
        let next_eof = next_eof?;
        if stop || eof {
            return Ok(());
        }
        base = next;
        std::mem::swap(&mut buf, &mut spare);
        eof = next_eof;
    }
}

/// Appends to `buf` from `reader` until it holds `want` bytes or the stream ends; returns
/// whether it ended.
pub(crate) fn fill(
    reader: &mut dyn std::io::Read,
    buf: &mut Vec<u8>,
    want: usize,
) -> std::io::Result<bool> {
    while buf.len() < want {
        let need = (want - buf.len()) as u64;
        if Read::take(&mut *reader, need).read_to_end(buf)? == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What reading any stretch of `events.csv` needs.
struct EventsCtx<'c> {
    name: &'c str,
    index: &'c IdIndex,
    rejected: &'c FxMap<String, ()>,
    usable: bool,
    patients_file: &'c str,
    threads: usize,
    min_parallel: usize,
    /// Fields per record.
    count: usize,
    /// Indexes of `patient_id`, `date`, `code`, `value`.
    ix: [usize; 4],
}

impl<'c> EventsCtx<'c> {
    /// A context for the events of `name`, whose header has `columns` of `width`.
    fn new(name: &'c str, (columns, width): (&Columns, usize), args: &EventsArgs<'c>) -> Self {
        EventsCtx {
            name,
            index: args.index,
            rejected: args.rejected,
            usable: args.usable,
            patients_file: args.patients_file,
            threads: args.threads,
            min_parallel: args.min_parallel,
            count: width,
            ix: indexes(columns),
        }
    }
}

/// One stretch of `events.csv`, read. Rows count from the stretch's first line (1).
#[derive(Default)]
struct EventsPart {
    /// The events read, in file order, in one flat buffer whatever the order of the rows
    /// (no allocation per patient or per run of a patient's rows), and the position of the
    /// patient of each (`owners[i]` is the patient of `events[i]`).
    owners: Vec<u32>,
    events: Vec<Event>,
    errors: Vec<DataError>,
    /// Reading stopped early (a syntax error or the error limit): nothing after this part
    /// is read.
    stopped: bool,
    /// Stopped at the error limit with records left.
    truncated: bool,
    /// The row of the last record read (0 when none).
    last_row: usize,
    /// The line after the last one read.
    end_line: usize,
}

/// Reads the records of `block` from byte `body` on, whose first line is line `base` of the
/// file, into the patients' records, running `during` meanwhile (on this thread, while other
/// threads parse). Returns the file line after the block, whether to stop reading, and what
/// `during` returned. `no_quotes`: the block is known to hold no quote. `counts` is the
/// scratch of [`merge_parts`]: one zero per patient, left all zero.
#[allow(clippy::too_many_arguments)]
fn read_block<R>(
    ctx: &EventsCtx<'_>,
    block: &[u8],
    body: usize,
    base: usize,
    no_quotes: bool,
    (patients, counts): (&mut [Patient], &mut [u32]),
    errors: &mut DataErrors,
    during: impl FnOnce() -> R,
) -> ((usize, bool), R) {
    let capacity = DataErrors::LIMIT.saturating_sub(errors.errors.len());
    let parallel = ctx.threads > 1 && block.len() - body >= ctx.min_parallel.max(1);
    let (parts, r) = if parallel {
        read_stretches(ctx, patients, block, body, no_quotes, capacity, during)
    } else {
        (None, during())
    };
    let parts = parts.unwrap_or_else(|| {
        let plain = no_quotes || memchr::memchr(b'"', &block[body..]).is_none();
        vec![read_part(ctx, patients, block, body, plain, capacity)]
    });
    (merge_parts(parts, base, (patients, counts), errors), r)
}

/// Splits `block` from `body` on into one stretch per thread at line ends and reads them in
/// parallel; `None` when a stretch holds a quote (the block is then read on one thread).
#[cfg(not(target_arch = "wasm32"))]
fn read_stretches<R>(
    ctx: &EventsCtx<'_>,
    patients: &[Patient],
    block: &[u8],
    body: usize,
    no_quotes: bool,
    capacity: usize,
    during: impl FnOnce() -> R,
) -> (Option<Vec<EventsPart>>, R) {
    let len = block.len();
    let mut bounds = vec![body];
    for k in 1..ctx.threads {
        let target = (body + (len - body) / ctx.threads * k).max(bounds[bounds.len() - 1]);
        match memchr::memchr(b'\n', &block[target..]) {
            Some(i) if target + i + 1 < len => bounds.push(target + i + 1),
            _ => break,
        }
    }
    bounds.push(len);
    let (parts, r): (Vec<Option<EventsPart>>, R) = std::thread::scope(|s| {
        let handles: Vec<_> = bounds
            .windows(2)
            .map(|w| {
                let (start, end) = (w[0], w[1]);
                s.spawn(move || {
                    let stretch = &block[..end];
                    if !no_quotes && memchr::memchr(b'"', &stretch[start..]).is_some() {
                        return None;
                    }
                    Some(read_part(ctx, patients, stretch, start, true, capacity))
                })
            })
            .collect();
        let r = during();
        let parts = crate::par::join_in_order(handles);
        (parts, r)
    });
    (parts.into_iter().collect(), r)
}

#[cfg(target_arch = "wasm32")]
fn read_stretches<R>(
    _: &EventsCtx<'_>,
    _: &[Patient],
    _: &[u8],
    _: usize,
    _: bool,
    _: usize,
    during: impl FnOnce() -> R,
) -> (Option<Vec<EventsPart>>, R) {
    (None, during())
}

/// Moves the parts' events into the patients' records and their errors, rows made absolute
/// (the first part starts on line `base`), into `errors`, in file order. Returns the line
/// after the last part and whether to stop reading.
///
/// The cost is the same whatever the order of the rows (grouped by patient, sorted by date,
/// shuffled): the events of each patient are counted in `counts` (one entry per patient, all
/// zero on entry and on return), so that each patient's record grows once to take all of its
/// events of these parts (an allocation of its exact size when it had none). Rows in
/// patient order are then copied in a run of a patient at a time; other rows are first
/// sorted by patient, [`SORT_CHUNK`] events at a time (a stable radix sort, see
/// [`sort_by_owner`]), so that the records are filled in the order of the patients instead
/// of one random write (a cache miss once the patients outgrow the cache) per event.
fn merge_parts(
    parts: Vec<EventsPart>,
    base: usize,
    (patients, counts): (&mut [Patient], &mut [u32]),
    errors: &mut DataErrors,
) -> (usize, bool) {
    // Nothing after a part that stopped is read.
    let used = parts.iter().position(|p| p.stopped).map_or(parts.len(), |i| i + 1);
    for part in &parts[..used] {
        for &o in &part.owners {
            if let Some(c) = counts.get_mut(o as usize) {
                *c = c.saturating_add(1);
            }
        }
    }
    let mut add = |o: u32, events: &[Event]| {
        if let (Some(p), Some(c)) = (patients.get_mut(o as usize), counts.get_mut(o as usize)) {
            if *c > 0 {
                let more = *c as usize;
                if p.events.is_empty() {
                    p.events.reserve_exact(more);
                } else {
                    p.events.reserve(more);
                }
                *c = 0;
            }
            p.events.extend_from_slice(events);
        }
    };
    let (mut keys, mut scratch) = (Vec::new(), Vec::new());
    for part in &parts[..used] {
        for (owners, events) in part.owners.chunks(SORT_CHUNK).zip(part.events.chunks(SORT_CHUNK)) {
            if owners.windows(2).all(|w| w[0] <= w[1]) {
                let mut i = 0;
                while let Some(&o) = owners.get(i) {
                    let run = owners[i..].iter().take_while(|&&x| x == o).count();
                    add(o, &events[i..i + run]);
                    i += run;
                }
            } else {
                sort_by_owner(owners, &mut keys, &mut scratch);
                for &k in &keys {
                    if let Some(e) = events.get((k & 0xFFFF_FFFF) as usize) {
                        add((k >> 32) as u32, std::slice::from_ref(e));
                    }
                }
            }
        }
    }
    finish_parts(parts, base, errors)
}

/// How many events [`merge_parts`] sorts at a time: the sort's keys (8 bytes an event, twice)
/// and the events they point into (32 bytes an event) stay within a core's cache, and the
/// scratch is bounded (2 MiB) whatever the size of the block.
pub(crate) const SORT_CHUNK: usize = 1 << 16;

/// Sets `keys` to `(owner << 32) | i` for each `owners[i]`, sorted by owner and, among equal
/// owners, by `i` (a stable sort): a least-significant-digit radix sort on the bits the owners
/// differ in, in as few passes of at most 11 bits as they need (two for up to four million
/// patients), each a sequential read and a write to at most 2,048 places at once. `scratch`
/// is its second buffer; both are reused between calls.
fn sort_by_owner(owners: &[u32], keys: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    keys.clear();
    keys.extend(owners.iter().enumerate().map(|(i, &o)| (u64::from(o) << 32) | i as u64));
    let (lo, hi) = owners.iter().fold((u32::MAX, 0), |(lo, hi), &o| (lo.min(o), hi.max(o)));
    if lo >= hi {
        return;
    }
    let bits = 32 - (hi - lo).leading_zeros();
    let passes = bits.div_ceil(11);
    let digit = bits.div_ceil(passes);
    let mask = (1u64 << digit) - 1;
    let mut counts = vec![0usize; 1 << digit];
    scratch.clear();
    scratch.resize(keys.len(), 0);
    for pass in 0..passes {
        let shift = 32 + pass * digit;
        let bucket = |k: u64| (((k - (u64::from(lo) << 32)) >> shift) & mask) as usize;
        counts.iter_mut().for_each(|c| *c = 0);
        for &k in keys.iter() {
            counts[bucket(k)] += 1;
        }
        let mut sum = 0;
        for c in counts.iter_mut() {
            let n = *c;
            *c = sum;
            sum += n;
        }
        for &k in keys.iter() {
            let b = bucket(k);
            scratch[counts[b]] = k;
            counts[b] += 1;
        }
        std::mem::swap(keys, scratch);
    }
}

/// The errors half of [`merge_parts`]: the parts' errors, rows made absolute (the first part
/// starts on line `base`), into `errors`, in file order; the line after the last part and
/// whether to stop reading.
fn finish_parts(parts: Vec<EventsPart>, mut base: usize, errors: &mut DataErrors) -> (usize, bool) {
    let before = errors.errors.len();
    let mut last_record = 0;
    let mut stopped = false;
    for part in parts {
        for mut e in part.errors {
            e.row = e.row.map(|r| r + base - 1);
            errors.push(e);
        }
        if part.truncated {
            errors.truncated = true;
        }
        if part.last_row > 0 {
            last_record = base + part.last_row - 1;
        }
        base += part.end_line.max(1) - 1;
        if part.stopped {
            stopped = true;
            break;
        }
    }
    // Reading on one thread stops at the error limit when another record follows.
    if errors.full()
        && errors.errors.len() > before
        && errors.errors.last().and_then(|e| e.row).is_some_and(|row| last_record > row)
    {
        errors.truncated = true;
    }
    (base, stopped)
}

/// Reads the records of one stretch of `events.csv` (`data` from byte `start` on, lines
/// counted from 1 there), reporting at most `capacity` errors. `no_quotes`: the stretch is
/// known to hold no quote, so records are simply lines split at commas.
fn read_part(
    ctx: &EventsCtx<'_>,
    patients: &[Patient],
    data: &[u8],
    start: usize,
    no_quotes: bool,
    capacity: usize,
) -> EventsPart {
    let mut st = PartState {
        ctx,
        patients,
        part: EventsPart::default(),
        errors: DataErrors::default(),
        last_id: Vec::new(),
        last_ix: None,
        sequential: true,
    };
    let mut end_line = 1;
    if no_quotes {
        // Lines split at commas: what the RFC 4180 tokenizer gives for text without quotes.
        let mut pos = start;
        let mut line = 0;
        let mut fields: [&[u8]; 8] = [&[]; 8];
        let len = data.len();
        while pos < len {
            line += 1;
            let end = memchr::memchr(b'\n', &data[pos..]).map_or(len, |i| pos + i);
            let mut text = &data[pos..end];
            pos = end + 1;
            if let [head @ .., b'\r'] = text {
                text = head;
            }
            if text.is_empty() {
                // A blank line.
                continue;
            }
            let n = split_commas(text, &mut fields);
            if !st.record(line, &fields[..n.min(fields.len())], n, capacity) {
                break;
            }
        }
        end_line = line + 1;
    } else {
        let mut records = Records::stretch(data, start);
        let mut cows: Vec<Cow<'_, [u8]>> = Vec::with_capacity(ctx.count);
        loop {
            let row = match records.next_into(&mut cows) {
                Ok(Some(row)) => row,
                Ok(None) => break,
                Err(e) => {
                    st.errors.push(table::syntax_error(ctx.name, &e));
                    st.part.stopped = true;
                    break;
                }
            };
            let mut fields: [&[u8]; 8] = [&[]; 8];
            for (f, c) in fields.iter_mut().zip(&cows) {
                *f = c;
            }
            if !st.record(row, &fields[..cows.len().min(fields.len())], cows.len(), capacity) {
                break;
            }
        }
        end_line = end_line.max(records.line());
    }
    st.finish(end_line)
}

/// Splits `line` at commas into `fields` (the first eight) and returns the number of fields.
/// Commas are found eight bytes at a time: an exact test for zero bytes in the word xor
/// `,,,,,,,,` marks every comma of the word at once.
fn split_commas<'a>(line: &'a [u8], fields: &mut [&'a [u8]; 8]) -> usize {
    const COMMAS: u64 = 0x2C2C_2C2C_2C2C_2C2C;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let mut n = 0;
    let mut start = 0;
    let mut cut = |end: usize, n: &mut usize, start: &mut usize| {
        if let (Some(f), Some(text)) = (fields.get_mut(*n), line.get(*start..end)) {
            *f = text;
        }
        *n += 1;
        *start = end + 1;
    };
    let mut i = 0;
    while let Some(chunk) = line.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let c = u64::from_le_bytes(w) ^ COMMAS;
        // The high bit of each byte that is zero in `c`, and of no other byte.
        let mut m = !((c & LOW7).wrapping_add(LOW7) | c | LOW7);
        while m != 0 {
            cut(i + (m.trailing_zeros() / 8) as usize, &mut n, &mut start);
            m &= m - 1;
        }
        i += 8;
    }
    for (k, &b) in line.iter().enumerate().skip(i) {
        if b == b',' {
            cut(k, &mut n, &mut start);
        }
    }
    cut(line.len(), &mut n, &mut start);
    n
}

/// The state of reading one stretch of `events.csv`.
struct PartState<'c, 'p> {
    ctx: &'c EventsCtx<'c>,
    patients: &'p [Patient],
    part: EventsPart,
    /// The errors of this stretch (the file-wide limit is applied when merging).
    errors: DataErrors,
    /// Events usually come grouped by patient: the last id looked up and where it was.
    last_id: Vec<u8>,
    last_ix: Option<usize>,
    /// Whether the patients' runs have been following the order of `patients.csv`, so that
    /// the next patient is worth trying before the index (in date order that try is a cache
    /// miss on a record that is not the one, for every row).
    sequential: bool,
}

impl PartState<'_, '_> {
    /// Reads one record of `count` fields (the first few in `fields`) on line `row`; false
    /// when reading must stop (the error limit is reached).
    fn record(&mut self, row: usize, fields: &[&[u8]], count: usize, capacity: usize) -> bool {
        let ctx = self.ctx;
        let name = ctx.name;
        if self.errors.errors.len() >= capacity {
            self.part.truncated = true;
            self.part.stopped = true;
            return false;
        }
        self.part.last_row = row;
        if count != ctx.count {
            self.errors.push(table::width_error(name, row, ctx.count, count));
            return true;
        }
        let [i_pat, i_date, i_code, i_val] = ctx.ix;
        let (Some(&pid_b), Some(&date_b), Some(&code_b), Some(&val_b)) =
            (fields.get(i_pat), fields.get(i_date), fields.get(i_code), fields.get(i_val))
        else {
            return true;
        };
        let patients = self.patients;
        // Events usually follow the order of patients.csv: try the next patient before
        // hashing (a sequential read instead of a random one), as long as that works.
        let next = self.last_ix.map_or(0, |i| i + 1);
        let pix = if self.last_ix.is_some() && pid_b == self.last_id.as_slice() {
            self.last_ix
        } else if self.sequential
            && patients.get(next).is_some_and(|p| p.patient_id.as_bytes() == pid_b)
        {
            self.last_id.clear();
            self.last_id.extend_from_slice(pid_b);
            self.last_ix = Some(next);
            self.last_ix
        } else {
            let found = ctx.index.get(patients, pid_b);
            if found.is_none()
                && (!ctx.usable
                    || std::str::from_utf8(pid_b).is_ok_and(|s| ctx.rejected.contains_key(s)))
            {
                // The patient's row has its own error already.
                return true;
            }
            match found {
                Some(i) => {
                    // Back in the file's order (after a patient without events, say) when
                    // this is the patient after the last one.
                    self.sequential = i == next;
                    self.last_id.clear();
                    self.last_id.extend_from_slice(pid_b);
                    self.last_ix = Some(i);
                    Some(i)
                }
                None => {
                    let msg = if pid_b.is_empty() {
                        "`patient_id` is empty".to_string()
                    } else {
                        format!("unknown patient `{}`", show(pid_b))
                    };
                    self.errors.push(
                        DataError::new(name, Some(row), msg).column("patient_id").help(format!(
                            "every event belongs to a patient listed in {}",
                            ctx.patients_file
                        )),
                    );
                    None
                }
            }
        };
        let at = |column| At { file: name, row, column };
        let errors = &mut self.errors;
        let d = table::date(at("date"), date_b).map_err(|e| errors.push(e)).ok();
        let code = table::snomed_code(at("code"), code_b).map_err(|e| errors.push(e)).ok();
        let value = table::value(at("value"), val_b).map_err(|e| errors.push(e)).ok();
        // Patient positions fit in a `u32`, as in the id index (four billion patients would
        // take hundreds of gigabytes); `try_from` only so that none could be misfiled.
        if let (Some(p), Some(date), Some(code), Some(value)) =
            (pix.and_then(|p| u32::try_from(p).ok()), d, code, value)
        {
            self.part.owners.push(p);
            self.part.events.push(Event { date, code, value });
        }
        true
    }

    fn finish(mut self, end_line: usize) -> EventsPart {
        self.part.truncated |= self.errors.truncated;
        self.part.errors = self.errors.errors;
        self.part.end_line = end_line;
        self.part
    }
}

/// Reads NDJSON patients (one `Patient` object per line).
/// Reads NDJSON patients a line at a time (from bytes in memory or from a stream, through
/// [`read_ndjson_patients`] and [`read_ndjson_stream`]).
pub(crate) struct NdjsonPatients<'a> {
    name: &'a str,
    practices: Option<&'a FxMap<String, usize>>,
    practices_file: &'a str,
    out: Vec<Patient>,
    seen: FxMap<String, usize>,
}

impl<'a> NdjsonPatients<'a> {
    pub(crate) fn new(
        name: &'a str,
        practices: Option<&'a FxMap<String, usize>>,
        practices_file: &'a str,
    ) -> Self {
        NdjsonPatients { name, practices, practices_file, out: Vec::new(), seen: FxMap::default() }
    }

    pub(crate) fn finish(self) -> Vec<Patient> {
        self.out
    }

    /// The patients read so far, taken (the streamed reader hands them over practice by
    /// practice); the ids seen are forgotten too, so memory stays that of one practice (the
    /// streamed reader finds duplicates across practices itself).
    pub(crate) fn take(&mut self) -> Vec<Patient> {
        self.seen.clear();
        std::mem::take(&mut self.out)
    }

    /// How many patients are held.
    pub(crate) fn len(&self) -> usize {
        self.out.len()
    }

    /// Puts back a patient [`NdjsonPatients::take`] took, read on `row`.
    pub(crate) fn restore(&mut self, p: Patient, row: usize) {
        self.seen.insert(p.patient_id.clone(), row);
        self.out.push(p);
    }

    /// The last patient read, if any.
    pub(crate) fn last(&self) -> Option<&Patient> {
        self.out.last()
    }

    /// Reads line `row` (without its line end; a byte-order mark already removed); returns
    /// false once reading should stop (too many errors).
    pub(crate) fn line(&mut self, row: usize, line: &[u8], errors: &mut DataErrors) -> bool {
        let (out, seen, practices, practices_file) =
            (&mut self.out, &mut self.seen, self.practices, self.practices_file);
        let src = Source::new(self.name, &[]);
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            return true;
        }
        if errors.full() {
            errors.truncated = true;
            return false;
        }
        let p: Patient = match serde_json::from_slice(line) {
            Ok(p) => p,
            Err(e) => {
                let msg = e.to_string();
                let msg = match msg.rfind(" at line ") {
                    Some(k) => msg[..k].to_string(),
                    None => msg,
                };
                errors.push(
                DataError::new(
                    src.name,
                    Some(row),
                    format!("{msg} (at character {})", e.column()),
                )
                .help("each line is one patient: {\"patient_id\": \"P1\", \"practice_id\": \"A81001\", \"birth_date\": \"1950-04-01\", \"sex\": \"female\", \"registered_on\": \"2001-01-01\", \"events\": [{\"date\": \"2019-06-01\", \"code\": 999791000000106, \"value\": 48}]}"),
            );
                return true;
            }
        };
        let before = errors.errors.len();
        if p.patient_id.trim().is_empty() {
            errors.push(
                DataError::new(src.name, Some(row), "`patient_id` is empty")
                    .column("patient_id")
                    .help("every patient needs an id"),
            );
        }
        if let Some(practices) = practices {
            if !practices.contains_key(&p.practice_id) {
                errors.push(
                    DataError::new(
                        src.name,
                        Some(row),
                        format!("unknown practice `{}`", p.practice_id),
                    )
                    .column("practice_id")
                    .help(format!("add `{}` to {practices_file}", p.practice_id)),
                );
            }
        }
        if let Some(d) = p.deprivation_decile {
            if !(1..=10).contains(&d) {
                errors.push(
                DataError::new(src.name, Some(row), format!("`{d}` is not a deprivation decile"))
                    .column("deprivation_decile")
                    .help("deciles run from 1 (most deprived) to 10 (least deprived); leave the field out when unknown"),
            );
            }
        }
        if p.registered_on < p.birth_date {
            errors.push(
                DataError::new(
                    src.name,
                    Some(row),
                    format!("registered on {}, before birth on {}", p.registered_on, p.birth_date),
                )
                .column("registered_on")
                .help("registration cannot precede birth"),
            );
        }
        if let Some(d) = p.deregistered_on {
            if d < p.registered_on {
                errors.push(
                    DataError::new(
                        src.name,
                        Some(row),
                        format!("deregistered on {d}, before registration on {}", p.registered_on),
                    )
                    .column("deregistered_on")
                    .help("leave the field out for a patient still registered"),
                );
            }
        }
        for e in &p.events {
            if !is_snomed_id(e.code) {
                errors.push(
                    DataError::new(
                        src.name,
                        Some(row),
                        format!("`{}` is not a SNOMED CT code", e.code),
                    )
                    .column("events.code")
                    .help(table::CODE_HELP),
                );
                break;
            }
        }
        if let Some(first) = seen.get(&p.patient_id) {
            errors.push(
                DataError::new(
                    src.name,
                    Some(row),
                    format!("duplicate patient id `{}`", p.patient_id),
                )
                .column("patient_id")
                .help(format!("`{}` is already defined on row {first}", p.patient_id)),
            );
        }
        if errors.errors.len() == before {
            seen.insert(p.patient_id.clone(), row);
            out.push(p);
        }
        true
    }
}

/// Reads the NDJSON patients of `src`, held in memory.
pub(crate) fn read_ndjson_patients(
    src: &Source<'_>,
    practices: Option<&FxMap<String, usize>>,
    practices_file: &str,
    errors: &mut DataErrors,
) -> Vec<Patient> {
    let mut reader = NdjsonPatients::new(src.name, practices, practices_file);
    let data = src.data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(src.data);
    for (i, line) in data.split(|&b| b == b'\n').enumerate() {
        if !reader.line(i + 1, line, errors) {
            break;
        }
    }
    reader.finish()
}

/// Reads NDJSON patients from a stream a line at a time: the file is never whole in memory,
/// and a line longer than [`MAX_LINE_BYTES`] is an error at its row (reading stops there).
pub(crate) fn read_ndjson_stream(
    name: &str,
    input: &mut dyn std::io::Read,
    practices: Option<&FxMap<String, usize>>,
    practices_file: &str,
    errors: &mut DataErrors,
) -> std::io::Result<Vec<Patient>> {
    use std::io::BufRead;
    let mut reader = NdjsonPatients::new(name, practices, practices_file);
    let mut input = std::io::BufReader::with_capacity(1 << 20, input);
    let mut line = Vec::new();
    let mut row = 0;
    loop {
        line.clear();
        let n = (&mut input).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        row += 1;
        if line.len() > MAX_LINE_BYTES && line.last() != Some(&b'\n') {
            errors.push(line_too_long(name, row));
            break;
        }
        let mut text = line.strip_suffix(b"\n").unwrap_or(&line);
        if row == 1 {
            text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        }
        if !reader.line(row, text, errors) {
            break;
        }
    }
    Ok(reader.finish())
}

/// The longest line a streamed population file may have (`events.csv`, `patients.ndjson`):
/// 16 MiB. A longer line (a file without line ends, say) is an error at its row, not a
/// buffer of the whole file.
pub const MAX_LINE_BYTES: usize = 16 << 20;

fn line_too_long(name: &str, row: usize) -> DataError {
    DataError::new(name, Some(row), format!("the line is longer than {} MiB", MAX_LINE_BYTES >> 20))
        .help("each line is one record; is this the right file, with line ends?")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys that differ only in their high bits, or only in their low bits, spread over a
    /// table's buckets (the hash's low bits) and over its control bytes (the top seven):
    /// 4,096 keys in 4,096 buckets fill about 2,590 when the hash is uniform; without the
    /// finaliser, keys shifted 32 bits up or more all share one bucket.
    #[test]
    fn fxhash_spreads_high_and_low_bits() {
        let hash = |k: u64| {
            let mut h = FxHasher::default();
            h.write_u64(k);
            h.finish()
        };
        let spread = |keys: &[u64], bits: fn(u64) -> u64| {
            keys.iter().map(|&k| bits(hash(k))).collect::<std::collections::BTreeSet<u64>>().len()
        };
        let (low, top) = (|h: u64| h & 0xfff, |h: u64| h >> 57);
        for shift in [0, 8, 20, 32, 40, 52] {
            let keys: Vec<u64> = (0..4096u64).map(|i| i << shift).collect();
            assert!(spread(&keys, low) > 2400, "keys shifted {shift}: {}", spread(&keys, low));
            assert_eq!(spread(&keys, top), 128, "keys shifted {shift}");
        }
        // a practice's position above an item number, as the historic reader packs them
        let keys: Vec<u64> = (0..1024u64).flat_map(|p| (0..4).map(move |i| p << 32 | i)).collect();
        assert!(spread(&keys, low) > 2400, "{}", spread(&keys, low));
        // ids as `qofrules synth` writes them
        let ids: Vec<u64> =
            (0..4096).map(|i| hash_id(format!("P81002-{i:06}").as_bytes())).collect();
        assert!(spread(&ids, low) > 2400, "{}", spread(&ids, low));
    }

    /// A patient of practice P1 with this id and nothing else, for the id index's tests.
    fn bare_patient(id: &str) -> Patient {
        Patient {
            patient_id: id.into(),
            practice_id: "P1".into(),
            birth_date: crate::date::Date(0),
            sex: Sex::Unknown,
            registered_on: crate::date::Date(0),
            deregistered_on: None,
            deprivation_decile: None,
            events: vec![],
        }
    }

    /// Every id is found at its position through the directory, whatever the number of
    /// patients (empty, one, a power of two and not); unknown ids are not found.
    #[test]
    fn the_id_index_finds_every_patient_and_no_other() {
        let patient = |id: String| bare_patient(&id);
        for n in [0usize, 1, 2, 3, 64, 1000, 4097] {
            let patients: Vec<Patient> = (0..n).map(|i| patient(format!("id{i}"))).collect();
            let (index, dups) = IdIndex::build(&patients);
            assert!(dups.is_empty());
            for (i, p) in patients.iter().enumerate() {
                assert_eq!(index.get(&patients, p.patient_id.as_bytes()), Some(i), "{n}");
            }
            for missing in ["", "id", "x1", &format!("id{n}")] {
                assert_eq!(index.get(&patients, missing.as_bytes()), None, "{n} {missing}");
            }
        }
        assert_eq!(IdIndex::empty().get(&[], b"a"), None);
    }

    /// The radix sort gives what a stable sort by owner gives, for owners that need one,
    /// two and three passes, all equal, or none.
    #[test]
    fn events_are_sorted_by_owner_stably() {
        let mut x = 88172645463325252u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let (mut keys, mut scratch) = (Vec::new(), Vec::new());
        for (len, lo, span) in [
            (0, 0, 1),
            (1, 7, 1),
            (500, 9, 1),
            (1000, 0, 200),
            (3000, 1000, 5000),
            (3000, 0, 1 << 22),
            (3000, 5, u64::from(u32::MAX) - 5),
        ] {
            let owners: Vec<u32> = (0..len).map(|_| (lo + next() % span) as u32).collect();
            sort_by_owner(&owners, &mut keys, &mut scratch);
            let mut want: Vec<(u32, usize)> = owners.iter().copied().zip(0..).collect();
            want.sort_by_key(|w| w.0);
            let got: Vec<(u32, usize)> =
                keys.iter().map(|k| ((k >> 32) as u32, (k & 0xFFFF_FFFF) as usize)).collect();
            assert_eq!(got, want, "{len} {lo} {span}");
        }
    }

    /// Without the copy of the ids (more than 4 GiB of them), lookups check the records;
    /// with many ids of one hash (every slot a collision), every one is still found.
    #[test]
    fn the_id_index_without_its_copy_of_the_ids_checks_the_records() {
        let patient = bare_patient;
        let patients: Vec<Patient> = ["a", "bb", "", "c"].map(patient).into();
        let (index, _) = IdIndex::build(&patients);
        let mut ids = index.ids.clone();
        ids.sort_unstable();
        assert_eq!(ids, b"abbc");
        let mut keys: Vec<(u64, u32)> =
            patients.iter().zip(0..).map(|(p, i)| (hash_id(p.patient_id.as_bytes()), i)).collect();
        keys.sort_unstable();
        let bare = IdIndex::from_sorted(&patients, &keys, false);
        assert!(bare.ids.is_empty());
        for index in [&index, &bare] {
            for (i, p) in patients.iter().enumerate() {
                assert_eq!(index.get(&patients, p.patient_id.as_bytes()), Some(i), "{i}");
            }
            assert_eq!(index.get(&patients, b"b"), None);
            assert_eq!(index.get(&patients, b"abb"), None);
        }
        // Every id of one hash (as if they collided), with and without the copy: one run from
        // one home slot, told apart by the ids alone.
        let same: Vec<(u64, u32)> = (0..4).map(|i| (7, i)).collect();
        for copy in [true, false] {
            let index = IdIndex::from_sorted(&patients, &same, copy);
            for (i, p) in patients.iter().enumerate() {
                assert_eq!(index.get_hashed(&patients, 7, p.patient_id.as_bytes()), Some(i));
            }
            assert_eq!(index.get_hashed(&patients, 7, b"b"), None);
            assert_eq!(index.get_hashed(&patients, 8, b"a"), None);
        }
    }

    #[test]
    fn lines_split_at_commas_like_a_plain_split() {
        let alphabet = b",,a0-\x2d\x2b\x80\xff\x01\x2c\xac";
        for line in crate::population::csv::tests::random_strings(alphabet, 300) {
            let want: Vec<&[u8]> = line.split(|&c| c == b',').collect();
            let mut fields: [&[u8]; 8] = [&[]; 8];
            let n = split_commas(&line, &mut fields);
            assert_eq!(n, want.len(), "{line:?}");
            assert_eq!(&fields[..n.min(8)], &want[..n.min(8)], "{line:?}");
        }
    }
}
