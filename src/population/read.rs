//! Readers: CSV folder (practices, patients, events) and NDJSON (one patient per line).

use super::csv::Records;
use super::{DataError, DataErrors, Source};
use crate::date::Date;
use crate::model::{Event, Patient, Practice, Sex};
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A small, fast, non-cryptographic hasher for id lookups (the FxHash function).
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
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

const DATE_HELP: &str = "dates are written YYYY-MM-DD, e.g. `2019-04-01`";
const CODE_HELP: &str =
    "codes are SNOMED CT concept ids: 6 to 18 digits without a leading zero, e.g. `73211009`";
const VALUE_HELP: &str = "values are decimal numbers such as `48` or `5.2`; leave the field empty when the code has no value";

/// Checks a SNOMED CT concept id's shape (6 to 18 digits, no leading zero).
pub fn is_snomed_id(code: u64) -> bool {
    (100_000..1_000_000_000_000_000_000).contains(&code)
}

fn parse_code(b: &[u8]) -> Option<u64> {
    if b.len() < 6 || b.len() > 18 || b[0] == b'0' {
        return None;
    }
    let mut v = 0u64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    Some(v)
}

fn parse_value(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?.trim();
    // Only plain decimal notation: digits, one point, optional sign and exponent.
    if s.is_empty()
        || !s.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Shows user text in a message: lossy UTF-8, shortened when long.
fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let s = s.replace('`', "'");
    if s.chars().count() > 40 {
        let mut t: String = s.chars().take(40).collect();
        t.push('…');
        t
    } else {
        s
    }
}

/// Column layout of one CSV file: for each expected column its index in the file.
struct Layout {
    idx: Vec<Option<usize>>,
    count: usize,
}

/// Reads the header of `src` and maps the expected columns. `columns` lists (name, required).
fn layout<'a>(
    src: &Source<'a>,
    records: &mut Records<'a>,
    fields: &mut Vec<Cow<'a, [u8]>>,
    columns: &[(&str, bool)],
    errors: &mut DataErrors,
) -> Option<Layout> {
    let expected: Vec<&str> = columns.iter().map(|c| c.0).collect();
    let list = expected.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
    let row = match records.next_into(fields) {
        Ok(Some(row)) => row,
        Ok(None) => {
            errors.push(
                DataError::new(src.name, None, "the file is empty")
                    .help(format!("the first row names the columns: {list}")),
            );
            return None;
        }
        Err(e) => {
            errors.push(DataError::new(src.name, Some(e.row), e.message).help(e.help));
            return None;
        }
    };
    let mut idx = vec![None; columns.len()];
    let mut ok = true;
    for (i, f) in fields.iter().enumerate() {
        let name = String::from_utf8_lossy(f);
        let name = name.trim();
        match expected.iter().position(|c| c.eq_ignore_ascii_case(name)) {
            Some(j) if idx[j].is_none() => idx[j] = Some(i),
            Some(_) => {
                ok = false;
                errors.push(
                    DataError::new(src.name, Some(row), format!("column `{name}` appears twice"))
                        .help("name each column once"),
                );
            }
            None => {
                ok = false;
                errors.push(
                    DataError::new(src.name, Some(row), format!("unknown column `{}`", show(f)))
                        .help(format!("the columns are {list}")),
                );
            }
        }
    }
    for (j, (name, required)) in columns.iter().enumerate() {
        if *required && idx[j].is_none() {
            ok = false;
            errors.push(
                DataError::new(src.name, Some(row), format!("missing column `{name}`"))
                    .help(format!("the columns are {list}")),
            );
        }
    }
    ok.then_some(Layout { idx, count: fields.len() })
}

/// Checks the field count of a record; pushes an error when wrong.
fn count_ok(
    src: &Source<'_>,
    row: usize,
    layout: &Layout,
    got: usize,
    errors: &mut DataErrors,
) -> bool {
    if got == layout.count {
        return true;
    }
    errors.push(
        DataError::new(
            src.name,
            Some(row),
            format!("expected {} fields, found {got}", layout.count),
        )
        .help("every row has one field per header column; quote fields that contain commas, e.g. `\"Smith, Jones and Partners\"`"),
    );
    false
}

fn text<'f>(
    src: &Source<'_>,
    row: usize,
    col: &str,
    b: &'f [u8],
    errors: &mut DataErrors,
) -> Option<&'f str> {
    match std::str::from_utf8(b) {
        Ok(s) => Some(s),
        Err(_) => {
            errors.push(
                DataError::new(src.name, Some(row), "the text is not valid UTF-8")
                    .column(col)
                    .help("save the file as UTF-8"),
            );
            None
        }
    }
}

fn date(
    src: &Source<'_>,
    row: usize,
    col: &str,
    b: &[u8],
    errors: &mut DataErrors,
) -> Option<Date> {
    let d = Date::parse_bytes(b);
    if d.is_none() {
        let msg = if b.is_empty() {
            "a date is required".to_string()
        } else {
            format!("`{}` is not a date", show(b))
        };
        errors.push(DataError::new(src.name, Some(row), msg).column(col).help(DATE_HELP));
    }
    d
}

fn id<'f>(
    src: &Source<'_>,
    row: usize,
    col: &str,
    b: &'f [u8],
    errors: &mut DataErrors,
) -> Option<&'f str> {
    let s = text(src, row, col, b, errors)?;
    if s.trim().is_empty() {
        errors.push(
            DataError::new(src.name, Some(row), format!("`{col}` is empty"))
                .column(col)
                .help("every row needs an id"),
        );
        return None;
    }
    Some(s)
}

/// Reads `practices.csv`.
pub(crate) fn read_practices(src: &Source<'_>, errors: &mut DataErrors) -> Vec<Practice> {
    let mut records = Records::new(src.data);
    let mut fields = Vec::new();
    let cols = [("practice_id", true), ("practice_name", true), ("network_id", true)];
    let Some(lay) = layout(src, &mut records, &mut fields, &cols, errors) else {
        return Vec::new();
    };
    let (i_id, i_name, i_net) =
        (lay.idx[0].unwrap_or(0), lay.idx[1].unwrap_or(0), lay.idx[2].unwrap_or(0));
    let mut out = Vec::new();
    let mut seen: FxMap<String, usize> = FxMap::default();
    loop {
        let row = match records.next_into(&mut fields) {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                errors.push(DataError::new(src.name, Some(e.row), e.message).help(e.help));
                break;
            }
        };
        if errors.full() {
            errors.truncated = true;
            break;
        }
        if !count_ok(src, row, &lay, fields.len(), errors) {
            continue;
        }
        let pid = id(src, row, "practice_id", &fields[i_id], errors);
        let name = text(src, row, "practice_name", &fields[i_name], errors);
        let net = text(src, row, "network_id", &fields[i_net], errors);
        let (Some(pid), Some(name), Some(net)) = (pid, name, net) else {
            continue;
        };
        if let Some(first) = seen.get(pid) {
            errors.push(
                DataError::new(src.name, Some(row), format!("duplicate practice id `{pid}`"))
                    .column("practice_id")
                    .help(format!("`{pid}` is already defined on row {first}")),
            );
            continue;
        }
        seen.insert(pid.to_string(), row);
        out.push(Practice {
            practice_id: pid.to_string(),
            practice_name: name.to_string(),
            network_id: net.to_string(),
        });
    }
    out
}

fn hash_id(id: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(id);
    h.finish()
}

/// Patients by id: (hash, position) pairs sorted by hash. Built with one sort instead of a
/// hash table (1.2 million random inserts cost more than the whole events file).
pub(crate) struct IdIndex {
    keys: Vec<(u64, u32)>,
}

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
        (IdIndex { keys }, dups)
    }

    pub(crate) fn empty() -> IdIndex {
        IdIndex { keys: Vec::new() }
    }

    fn get(&self, patients: &[Patient], id: &[u8]) -> Option<usize> {
        let h = hash_id(id);
        let at = self.keys.partition_point(|k| k.0 < h);
        self.keys[at..]
            .iter()
            .take_while(|k| k.0 == h)
            .map(|k| k.1 as usize)
            .find(|&i| patients.get(i).is_some_and(|p| p.patient_id.as_bytes() == id))
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

/// Reads `patients.csv`; `practices` are the known practice ids.
pub(crate) fn read_patients(
    src: &Source<'_>,
    practices: Option<&FxMap<String, usize>>,
    practices_file: &str,
    errors: &mut DataErrors,
) -> Option<PatientsRead> {
    let mut records = Records::new(src.data);
    let mut fields = Vec::new();
    let cols = [
        ("patient_id", true),
        ("practice_id", true),
        ("birth_date", true),
        ("sex", true),
        ("registered_on", true),
        ("deregistered_on", true),
        ("deprivation_decile", false),
    ];
    let mut out = Vec::with_capacity(memchr::memchr_iter(b'\n', src.data).count());
    let mut rejected: FxMap<String, ()> = FxMap::default();
    let mut rows: Vec<usize> = Vec::new();
    let lay = layout(src, &mut records, &mut fields, &cols, errors)?;
    let ix: Vec<usize> = lay.idx.iter().map(|i| i.unwrap_or(0)).collect();
    let has_decile = lay.idx[6].is_some();
    loop {
        let row = match records.next_into(&mut fields) {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                errors.push(DataError::new(src.name, Some(e.row), e.message).help(e.help));
                break;
            }
        };
        if errors.full() {
            errors.truncated = true;
            break;
        }
        if !count_ok(src, row, &lay, fields.len(), errors) {
            continue;
        }
        let before = errors.errors.len();
        let pid = id(src, row, "patient_id", &fields[ix[0]], errors);
        let prac = id(src, row, "practice_id", &fields[ix[1]], errors);
        let birth = date(src, row, "birth_date", &fields[ix[2]], errors);
        let sex_b = &fields[ix[3]];
        let sex = parse_sex(sex_b);
        if sex.is_none() {
            errors.push(
                DataError::new(src.name, Some(row), format!("`{}` is not a sex", show(sex_b)))
                    .column("sex")
                    .help("write `F`, `M` or `U` (unknown)"),
            );
        }
        let reg = date(src, row, "registered_on", &fields[ix[4]], errors);
        let dereg_b = &fields[ix[5]];
        let dereg = if dereg_b.is_empty() {
            Some(None)
        } else {
            date(src, row, "deregistered_on", dereg_b, errors).map(Some)
        };
        let decile = if has_decile {
            let b = &fields[ix[6]];
            if b.is_empty() {
                Some(None)
            } else {
                match std::str::from_utf8(b).ok().and_then(|s| s.parse::<u8>().ok()) {
                    Some(d @ 1..=10) => Some(Some(d)),
                    _ => {
                        errors.push(
                            DataError::new(
                                src.name,
                                Some(row),
                                format!("`{}` is not a deprivation decile", show(b)),
                            )
                            .column("deprivation_decile")
                            .help("deciles run from 1 (most deprived) to 10 (least deprived); leave the field empty when unknown"),
                        );
                        None
                    }
                }
            }
        } else {
            Some(None)
        };
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
        if practices.is_some_and(|known| !known.contains_key(prac)) {
            rejected.insert(pid.to_string(), ());
            errors.push(
                DataError::new(src.name, Some(row), format!("unknown practice `{prac}`"))
                    .column("practice_id")
                    .help(format!("add `{prac}` to {practices_file}")),
            );
            continue;
        }
        if reg < birth {
            errors.push(
                DataError::new(
                    src.name,
                    Some(row),
                    format!("registered on {reg}, before birth on {birth}"),
                )
                .column("registered_on")
                .help("registration cannot precede birth"),
            );
            rejected.insert(pid.to_string(), ());
            continue;
        }
        if let Some(d) = dereg {
            if d < reg {
                errors.push(
                    DataError::new(
                        src.name,
                        Some(row),
                        format!("deregistered on {d}, before registration on {reg}"),
                    )
                    .column("deregistered_on")
                    .help("leave the field empty for a patient still registered"),
                );
                rejected.insert(pid.to_string(), ());
                continue;
            }
        }
        if u32::try_from(out.len()).is_err() {
            errors.push(DataError::new(
                src.name,
                Some(row),
                "too many patients (more than 4,294,967,295)",
            ));
            break;
        }
        rows.push(row);
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

/// Reads `events.csv` into the patients' records.
pub(crate) fn read_events(
    src: &Source<'_>,
    patients: &mut [Patient],
    index: &IdIndex,
    rejected: &FxMap<String, ()>,
    patients_usable: bool,
    patients_file: &str,
    errors: &mut DataErrors,
) {
    let mut records = Records::new(src.data);
    let mut fields = Vec::new();
    let cols = [("patient_id", true), ("date", true), ("code", true), ("value", true)];
    let Some(lay) = layout(src, &mut records, &mut fields, &cols, errors) else {
        return;
    };
    let ix: Vec<usize> = lay.idx.iter().map(|i| i.unwrap_or(0)).collect();
    let (i_pat, i_date, i_code, i_val) = (ix[0], ix[1], ix[2], ix[3]);
    // Events usually come grouped by patient: remember the last lookup.
    let mut last_id: Vec<u8> = Vec::new();
    let mut last_ix: Option<usize> = None;
    // Events of consecutive rows of one patient are gathered, then moved into the patient's
    // record in one exact allocation.
    let mut run: Vec<Event> = Vec::new();
    let mut run_owner: usize = usize::MAX;
    let flush = |owner: usize, run: &mut Vec<Event>, patients: &mut [Patient]| {
        if let Some(p) = patients.get_mut(owner) {
            p.events.reserve_exact(run.len());
            p.events.extend_from_slice(run);
        }
        run.clear();
    };
    loop {
        let row = match records.next_into(&mut fields) {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                errors.push(DataError::new(src.name, Some(e.row), e.message).help(e.help));
                break;
            }
        };
        if errors.full() {
            errors.truncated = true;
            break;
        }
        if fields.len() != lay.count {
            count_ok(src, row, &lay, fields.len(), errors);
            continue;
        }
        let pid_b: &[u8] = &fields[i_pat];
        // Events usually follow the order of patients.csv: try the next patient before
        // hashing (a sequential read instead of a random one).
        let next = last_ix.map_or(0, |i| i + 1);
        let pix = if last_ix.is_some() && pid_b == last_id.as_slice() {
            last_ix
        } else if patients.get(next).is_some_and(|p| p.patient_id.as_bytes() == pid_b) {
            last_id.clear();
            last_id.extend_from_slice(pid_b);
            last_ix = Some(next);
            last_ix
        } else {
            let id = std::str::from_utf8(pid_b).ok();
            let found = index.get(patients, pid_b);
            if found.is_none() && (!patients_usable || id.is_some_and(|s| rejected.contains_key(s)))
            {
                // The patient's row has its own error already.
                continue;
            }
            match found {
                Some(i) => {
                    last_id.clear();
                    last_id.extend_from_slice(pid_b);
                    last_ix = Some(i);
                    Some(i)
                }
                None => {
                    let msg = if pid_b.is_empty() {
                        "`patient_id` is empty".to_string()
                    } else {
                        format!("unknown patient `{}`", show(pid_b))
                    };
                    errors.push(
                        DataError::new(src.name, Some(row), msg).column("patient_id").help(
                            format!("every event belongs to a patient listed in {patients_file}"),
                        ),
                    );
                    None
                }
            }
        };
        let d = date(src, row, "date", &fields[i_date], errors);
        let code_b: &[u8] = &fields[i_code];
        let code = parse_code(code_b);
        if code.is_none() {
            let msg = if code_b.is_empty() {
                "a code is required".to_string()
            } else {
                format!("`{}` is not a SNOMED CT code", show(code_b))
            };
            errors.push(DataError::new(src.name, Some(row), msg).column("code").help(CODE_HELP));
        }
        let val_b: &[u8] = &fields[i_val];
        let value = if val_b.is_empty() {
            Some(None)
        } else {
            match parse_value(val_b) {
                Some(v) => Some(Some(v)),
                None => {
                    errors.push(
                        DataError::new(
                            src.name,
                            Some(row),
                            format!("`{}` is not a number", show(val_b)),
                        )
                        .column("value")
                        .help(VALUE_HELP),
                    );
                    None
                }
            }
        };
        if let (Some(p), Some(date), Some(code), Some(value)) = (pix, d, code, value) {
            if p != run_owner {
                flush(run_owner, &mut run, patients);
                run_owner = p;
            }
            run.push(Event { date, code, value });
        }
    }
    flush(run_owner, &mut run, patients);
}

/// Reads NDJSON patients (one `Patient` object per line).
pub(crate) fn read_ndjson_patients(
    src: &Source<'_>,
    practices: Option<&FxMap<String, usize>>,
    practices_file: &str,
    errors: &mut DataErrors,
) -> Vec<Patient> {
    let mut out: Vec<Patient> = Vec::new();
    let mut seen: FxMap<String, usize> = FxMap::default();
    let mut data = src.data;
    if data.starts_with(b"\xEF\xBB\xBF") {
        data = &data[3..];
    }
    for (i, line) in data.split(|&b| b == b'\n').enumerate() {
        let row = i + 1;
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if errors.full() {
            errors.truncated = true;
            break;
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
                continue;
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
                    .help(CODE_HELP),
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
    }
    out
}
