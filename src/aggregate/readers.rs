//! The readers. Each takes the data table to fill, the file's text and its name (for errors).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;

use super::csv::{Reader, Record};
use super::{DataError, ReadSummary, WarningCounter};
use crate::pay::{HistoricValue, PracticeData};

/// What to do with indicator codes the scheme does not know.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnknownIndicators {
    /// Ignore their rows and report them as counted warnings (the default: a local scheme
    /// read against the national file retires most indicators).
    #[default]
    Warn,
    /// Fail on the first row of an unknown indicator.
    Error,
}

/// Options for [`read_achievement`].
#[derive(Clone, Debug, Default)]
pub struct AchievementOptions<'k> {
    /// The scheme's indicators: id -> group code. `None` accepts every indicator (and cannot
    /// place `REGISTER` rows in a group, so ignores them with a warning).
    pub known: Option<&'k BTreeMap<String, String>>,
    /// What to do with indicators not in `known`.
    pub unknown: UnknownIndicators,
}

/// A header, resolved: the index of each wanted column.
struct Columns<'f> {
    file: &'f str,
    names: Vec<String>,
    width: usize,
}

impl<'f> Columns<'f> {
    /// Reads the header; `wanted` lists, per column, the accepted names (first is canonical).
    fn resolve(
        reader: &mut Reader<'_>,
        file: &'f str,
        wanted: &[&[&str]],
        optional: &[bool],
    ) -> Result<(Columns<'f>, Vec<Option<usize>>), DataError> {
        let header = match reader.next() {
            Some(r) => r?,
            None => {
                return Err(DataError::at(file, 1, None, "the file is empty".to_string())
                    .help(&format!("expected a header line with the columns {}", list(wanted))))
            }
        };
        let names: Vec<String> = header.fields.iter().map(|f| f.trim().to_uppercase()).collect();
        let mut idx = Vec::with_capacity(wanted.len());
        for (i, alts) in wanted.iter().enumerate() {
            let found = names.iter().position(|n| alts.iter().any(|a| a.eq_ignore_ascii_case(n)));
            if found.is_none() && !optional.get(i).copied().unwrap_or(false) {
                let first = alts.first().copied().unwrap_or("");
                return Err(DataError::at(
                    file,
                    header.line,
                    None,
                    format!("missing column `{first}`"),
                )
                .help(&format!(
                    "the header has {}; expected the columns {}",
                    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                    list(wanted)
                )));
            }
            idx.push(found);
        }
        let width = names.len();
        Ok((Columns { file, names, width }, idx))
    }

    fn field<'r>(&self, rec: &'r Record<'_>, col: usize) -> Result<&'r str, DataError> {
        if rec.fields.len() > self.width {
            self.check_extra(rec)?;
        }
        match rec.fields.get(col) {
            Some(f) => Ok(f.trim()),
            None => Err(DataError::at(
                self.file,
                rec.line,
                None,
                format!("expected {} fields, found {}", self.width, rec.fields.len()),
            )
            .help("every line needs as many fields as the header")),
        }
    }

    /// A record with more fields than the header is an error (it used to be read as far as
    /// the header went: `DENOMINATOR,1,040` as 1), unless the extra fields are all empty (a
    /// trailing comma some spreadsheets write).
    fn check_extra(&self, rec: &Record<'_>) -> Result<(), DataError> {
        let Some(k) = rec.fields.iter().skip(self.width).position(|f| !f.trim().is_empty()) else {
            return Ok(());
        };
        let extra = self.width + k;
        let shown = rec.fields.get(extra).map(|f| f.trim()).unwrap_or("");
        // the field before the first extra one is most likely where a comma split a number
        let before = self.width.saturating_sub(1);
        Err(DataError::at(
            self.file,
            rec.line,
            Some(self.name(before)),
            format!(
                "expected {} fields, found {}: field {} (`{shown}`) has no column",
                self.width,
                rec.fields.len(),
                extra + 1
            ),
        )
        .help("a number with a thousands separator such as `1,040` is read as two fields: write it as `1040` or quote it as `\"1,040\"`"))
    }

    fn name(&self, col: usize) -> &str {
        self.names.get(col).map(String::as_str).unwrap_or("")
    }

    fn err(&self, rec: &Record<'_>, col: usize, message: String) -> DataError {
        DataError::at(self.file, rec.line, Some(self.name(col)), message)
    }

    fn id<'r>(&self, rec: &'r Record<'_>, col: usize) -> Result<&'r str, DataError> {
        let v = self.field(rec, col)?;
        if v.is_empty() {
            return Err(self
                .err(rec, col, "empty code".to_string())
                .help("every row needs a code here"));
        }
        Ok(v)
    }

    fn count(&self, rec: &Record<'_>, col: usize) -> Result<u32, DataError> {
        let v = self.field(rec, col)?;
        parse_count(v).ok_or_else(|| {
            self.err(rec, col, format!("expected a whole number of patients, found `{v}`"))
                .help("counts are whole numbers from 0 to 4294967295, e.g. `42` or `42.0`")
        })
    }

    fn decimal(&self, rec: &Record<'_>, col: usize) -> Result<Option<Decimal>, DataError> {
        let v = self.field(rec, col)?;
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<Decimal>().map(Some).map_err(|_| {
            self.err(rec, col, format!("expected a number, found `{v}`")).help(
                "write numbers with a decimal point and no thousands separators, e.g. `1234.56`",
            )
        })
    }
}

fn list(wanted: &[&[&str]]) -> String {
    wanted.iter().filter_map(|a| a.first()).map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// A whole number, possibly written with a zero fraction (`12`, `12.0`, `12.00`).
fn parse_count(v: &str) -> Option<u32> {
    if let Ok(n) = v.parse::<u32>() {
        return Some(n);
    }
    let (int, frac) = v.split_once('.')?;
    if frac.is_empty() || !frac.bytes().all(|b| b == b'0') {
        return None;
    }
    int.parse::<u32>().ok()
}

fn summary(rows: usize, practices: BTreeSet<String>, warnings: WarningCounter) -> ReadSummary {
    ReadSummary { rows, practices: practices.len(), warnings: warnings.finish() }
}

/// A register larger than the list it is counted on: implausible (it weighs on money through
/// the prevalence factor) but found in NHS Digital's own files, where a practice's list size is
/// counted on 1 January and its registers on 31 March, so a counted warning, not an error.
fn check_register(register: u32, list_size: u32, line: usize, warnings: &mut WarningCounter) {
    if register > list_size {
        warnings.add(
            "a register larger than the practice's list size (check the columns)".to_string(),
            line,
        );
    }
}

/// The columns of NHS Digital's prevalence file, in the order the readers index them.
const PREVALENCE_COLUMNS: &[&[&str]] = &[
    &["PRACTICE_CODE"],
    &["GROUP_CODE"],
    &["REGISTER"],
    &["PATIENT_LIST_TYPE"],
    &["PATIENT_LIST_SIZE"],
];

/// Reads NHS Digital's prevalence file (`PRACTICE_CODE, GROUP_CODE, REGISTER,
/// PATIENT_LIST_TYPE, PATIENT_LIST_SIZE`; other columns are ignored): every practice's
/// register per group and list size per list type.
///
/// A list size that differs from the one an earlier row gave for the same practice and list
/// type is an error, as is a second register for the same practice and group.
pub fn read_prevalence(
    data: &mut PracticeData,
    text: &str,
    file: &str,
) -> Result<ReadSummary, DataError> {
    let mut reader = Reader::new(text, file);
    let (cols, idx) = Columns::resolve(&mut reader, file, PREVALENCE_COLUMNS, &[])?;
    let [p, g, r, lt, ls] = [idx[0], idx[1], idx[2], idx[3], idx[4]].map(|c| c.unwrap_or(0));
    let mut rows = 0;
    let mut practices = BTreeSet::new();
    let mut seen_register: BTreeSet<(String, String)> = BTreeSet::new();
    let mut warnings = WarningCounter::default();
    for rec in reader {
        let rec = rec?;
        rows += 1;
        let practice = cols.id(&rec, p)?;
        let group = cols.id(&rec, g)?;
        let register = cols.count(&rec, r)?;
        let list_type = cols.id(&rec, lt)?;
        let list_size = cols.count(&rec, ls)?;
        check_register(register, list_size, rec.line, &mut warnings);
        if !seen_register.insert((practice.to_string(), group.to_string())) {
            return Err(cols
                .err(&rec, g, format!("a second row for practice `{practice}` and group `{group}`"))
                .help("each practice has one row per group"));
        }
        let col = data.list_type_column(list_type);
        let existing =
            data.practice(practice).and_then(|pc| pc.list_sizes.get(col).copied().flatten());
        if let Some(old) = existing {
            if old != list_size {
                return Err(cols
                    .err(&rec, ls, format!(
                        "practice `{practice}` has `{list_type}` list size {list_size} here but {old} on an earlier row"
                    ))
                    .help("a practice has one list size per list type"));
            }
        }
        data.set_list_size(practice, list_type, list_size);
        data.set_register(practice, group, register);
        if !practices.contains(practice) {
            practices.insert(practice.to_string());
        }
    }
    Ok(summary(rows, practices, warnings))
}

/// One group's national totals summed from a prevalence file ([`sum_prevalence`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSum {
    /// Sum of the practices' registers.
    pub register: u64,
    /// Sum of the practices' list sizes of the group's list type.
    pub list_size: u64,
    /// The list type the file measures the group's prevalence on (`TOTAL`, `17OV`...).
    pub list_type: String,
}

/// Sums NHS Digital's prevalence file (the layout [`read_prevalence`] reads) into national
/// figures: per group, the sum of the registers and of the list sizes on its rows. Each group
/// must be measured on one list type throughout; the file's other consistency rules are those
/// of [`read_prevalence`]. Returns the sums by group code and the number of practices.
pub fn sum_prevalence(
    text: &str,
    file: &str,
) -> Result<(BTreeMap<String, GroupSum>, usize), DataError> {
    let mut reader = Reader::new(text, file);
    let (cols, idx) = Columns::resolve(&mut reader, file, PREVALENCE_COLUMNS, &[])?;
    let [p, g, r, lt, ls] = [idx[0], idx[1], idx[2], idx[3], idx[4]].map(|c| c.unwrap_or(0));
    let mut sums: BTreeMap<String, GroupSum> = BTreeMap::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut lists: HashMap<(String, String), u32> = HashMap::new();
    let mut practices: BTreeSet<String> = BTreeSet::new();
    for rec in reader {
        let rec = rec?;
        let practice = cols.id(&rec, p)?;
        let group = cols.id(&rec, g)?;
        let register = cols.count(&rec, r)?;
        let list_type = cols.id(&rec, lt)?;
        let list_size = cols.count(&rec, ls)?;
        if !seen.insert((practice.to_string(), group.to_string())) {
            return Err(cols
                .err(&rec, g, format!("a second row for practice `{practice}` and group `{group}`"))
                .help("each practice has one row per group"));
        }
        match lists.get(&(practice.to_string(), list_type.to_string())) {
            Some(&old) if old != list_size => {
                return Err(cols
                    .err(&rec, ls, format!(
                        "practice `{practice}` has `{list_type}` list size {list_size} here but {old} on an earlier row"
                    ))
                    .help("a practice has one list size per list type"));
            }
            Some(_) => {}
            None => {
                lists.insert((practice.to_string(), list_type.to_string()), list_size);
            }
        }
        let sum = sums.entry(group.to_string()).or_insert_with(|| GroupSum {
            register: 0,
            list_size: 0,
            list_type: list_type.to_string(),
        });
        if sum.list_type != list_type {
            return Err(cols
                .err(&rec, lt, format!(
                    "group `{group}` is measured on `{list_type}` here but on `{}` on an earlier row",
                    sum.list_type
                ))
                .help("national prevalence sums one list type per group"));
        }
        sum.register += u64::from(register);
        sum.list_size += u64::from(list_size);
        if !practices.contains(practice) {
            practices.insert(practice.to_string());
        }
    }
    Ok((sums, practices.len()))
}

/// Reads NHS Digital's achievement file in long format (`PRACTICE_CODE, INDICATOR_CODE,
/// MEASURE, VALUE`; other columns such as `REPORTING_PERIOD_END_DATE` are ignored).
///
/// Measures: `NUMERATOR`, `DENOMINATOR`, `PCAS` (also `PCA`, `EXCEPTIONS`: before 2019/20
/// exceptions played the part of PCAs), `PCAS_<CATEGORY>` or `PCA_<CATEGORY>` (PCAs by
/// category), `REGISTER` (the indicator's group register, kept unless the prevalence file
/// already gave one), `ACHIEVED_POINTS` (kept as reported points; for Boolean indicators,
/// achieved when above 0). Other measures are ignored with a counted warning. A measure given
/// twice for the same practice and indicator with different values is an error.
pub fn read_achievement(
    data: &mut PracticeData,
    text: &str,
    file: &str,
    options: &AchievementOptions<'_>,
) -> Result<ReadSummary, DataError> {
    let mut reader = Reader::new(text, file);
    let wanted: &[&[&str]] = &[&["PRACTICE_CODE"], &["INDICATOR_CODE"], &["MEASURE"], &["VALUE"]];
    let (cols, idx) = Columns::resolve(&mut reader, file, wanted, &[])?;
    let [p, i, m, v] = [idx[0], idx[1], idx[2], idx[3]].map(|c| c.unwrap_or(0));
    let mut rows = 0;
    let mut practices = BTreeSet::new();
    let mut warnings = WarningCounter::default();
    // (practice position, indicator column) -> measures already seen, one bit each
    let mut seen: HashMap<(usize, usize), u8> = HashMap::new();
    // (practice position, indicator column) -> the lines of its numerator and denominator,
    // to check that the numerator is no larger than the denominator once both are read
    let mut lines: HashMap<(usize, usize), [usize; 2]> = HashMap::new();
    for rec in reader {
        let rec = rec?;
        rows += 1;
        let practice = cols.id(&rec, p)?;
        let indicator = cols.id(&rec, i)?;
        let measure_raw = cols.id(&rec, m)?;
        let measure = measure_raw.to_ascii_uppercase();
        let group = match options.known {
            Some(known) => match known.get(indicator) {
                Some(g) => Some(g.as_str()),
                None => {
                    if options.unknown == UnknownIndicators::Error {
                        return Err(cols
                            .err(&rec, i, format!("unknown indicator `{indicator}`"))
                            .help("the scheme has no indicator with this code; remove its rows or add it to the scheme"));
                    }
                    warnings.add(format!("unknown indicator `{indicator}` ignored"), rec.line);
                    continue;
                }
            },
            None => None,
        };
        let category = measure
            .strip_prefix("PCAS_")
            .or_else(|| measure.strip_prefix("PCA_"))
            .filter(|c| !c.is_empty());
        let bit: u8 = match measure.as_str() {
            "NUMERATOR" => 1,
            "DENOMINATOR" => 2,
            "PCAS" | "PCA" | "EXCEPTIONS" => 4,
            "ACHIEVED_POINTS" => 8,
            "REGISTER" => 16,
            _ if category.is_some() => 0,
            _ => {
                warnings.add(format!("measure `{measure_raw}` ignored"), rec.line);
                continue;
            }
        };
        if !practices.contains(practice) {
            practices.insert(practice.to_string());
        }
        let pos = data.practice_position(practice);
        let col = data.indicator_column(indicator);
        let mask = seen.entry((pos, col)).or_insert(0);
        let again = *mask & bit != 0;
        *mask |= bit;
        let duplicate = |old: String, new: String| {
            cols.err(&rec, v, format!(
                "measure `{measure}` of `{indicator}` at practice `{practice}` is `{new}` here but `{old}` on an earlier row"
            ))
            .help("give each measure once per practice and indicator")
        };
        let Some(c) = data.counts_at_mut(pos, col) else { continue };
        match bit {
            1 | 2 | 4 => {
                let n = cols.count(&rec, v)?;
                let slot = match bit {
                    1 => &mut c.numerator,
                    2 => &mut c.denominator,
                    _ => &mut c.pcas,
                };
                if again && *slot != n {
                    return Err(duplicate(slot.to_string(), n.to_string()));
                }
                *slot = n;
                if bit != 4 {
                    lines.entry((pos, col)).or_insert([0, 0])[usize::from(bit - 1)] = rec.line;
                }
            }
            8 => {
                let pts = cols.decimal(&rec, v)?;
                if let Some(p) = pts.filter(|p| p.is_sign_negative() && !p.is_zero()) {
                    return Err(cols
                        .err(&rec, v, format!("negative points `{p}`"))
                        .help("achieved points are 0 or more"));
                }
                if again && c.reported_points != pts {
                    let show = |d: Option<Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
                    return Err(duplicate(show(c.reported_points), show(pts)));
                }
                c.reported_points = pts;
                c.achieved = pts.map(|x| x > Decimal::ZERO);
            }
            16 => {
                let n = cols.count(&rec, v)?;
                match group {
                    Some(g) => {
                        let gc = data.group_column(g);
                        let existing = data
                            .practices()
                            .get(pos)
                            .and_then(|pc| pc.registers.get(gc).copied().flatten());
                        match existing {
                            None => data.set_register(practice, g, n),
                            Some(old) if old != n => warnings.add(
                                format!("`REGISTER` of group `{g}` differs from the one already read; the first was kept"),
                                rec.line,
                            ),
                            Some(_) => {}
                        }
                    }
                    None => warnings.add(
                        "`REGISTER` rows ignored: no indicator groups were given".to_string(),
                        rec.line,
                    ),
                }
            }
            _ => {
                let n = cols.count(&rec, v)?;
                let cat = category.unwrap_or_default().to_lowercase();
                if let Some(&old) = c.pcas_by_category.get(&cat) {
                    if old != n {
                        return Err(duplicate(old.to_string(), n.to_string()));
                    }
                }
                c.pcas_by_category.insert(cat, n);
            }
        }
    }
    // A numerator above its denominator (more than 100% achievement) cannot be: an error at
    // the later of the two rows, the first such in the file.
    let mut worst: Option<(usize, usize, usize, u32, u32)> = None;
    for (&(pos, col), &[num_line, den_line]) in &lines {
        if num_line == 0 || den_line == 0 {
            continue;
        }
        let Some(c) = data.counts_at_mut(pos, col) else { continue };
        if c.numerator > c.denominator {
            let line = num_line.max(den_line);
            if worst.map_or(true, |w| line < w.0) {
                worst = Some((line, pos, col, c.numerator, c.denominator));
            }
        }
    }
    if let Some((line, pos, col, num, den)) = worst {
        let practice = data.practices().get(pos).map(|p| p.practice_id.clone()).unwrap_or_default();
        let indicator = data.indicator_ids().get(col).cloned().unwrap_or_default();
        return Err(DataError::at(
            file,
            line,
            Some(cols.name(v)),
            format!("the numerator of `{indicator}` at practice `{practice}` is {num}, more than its denominator {den}"),
        )
        .help("the numerator counts patients of the denominator: check the rows of this practice and indicator"));
    }
    Ok(summary(rows, practices, warnings))
}

/// Reads historic achievement: `practice_id, year, item, points, pounds` (`item` is an
/// indicator id, a group code or any label; `points` and `pounds` may be empty, and either
/// column may be left out, but each row needs one of them). `PRACTICE_CODE` is accepted for
/// `practice_id` and `indicator_or_group` for `item`.
pub fn read_historic(
    data: &mut PracticeData,
    text: &str,
    file: &str,
) -> Result<ReadSummary, DataError> {
    let mut reader = Reader::new(text, file);
    let wanted: &[&[&str]] = &[
        &["practice_id", "PRACTICE_CODE"],
        &["year"],
        &["item", "indicator_or_group"],
        &["points"],
        &["pounds"],
    ];
    let (cols, idx) =
        Columns::resolve(&mut reader, file, wanted, &[false, false, false, true, true])?;
    if idx[3].is_none() && idx[4].is_none() {
        return Err(DataError::at(
            file,
            1,
            None,
            "missing column `points` or `pounds`".to_string(),
        )
        .help("historic files need a `points` column, a `pounds` column, or both"));
    }
    let [p, y, it] = [idx[0], idx[1], idx[2]].map(|c| c.unwrap_or(0));
    let mut rows = 0;
    let mut practices = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for rec in reader {
        let rec = rec?;
        rows += 1;
        let practice = cols.id(&rec, p)?;
        let year = cols.id(&rec, y)?;
        let item = cols.id(&rec, it)?;
        let points = match idx[3] {
            Some(c) => cols.decimal(&rec, c)?,
            None => None,
        };
        let pounds = match idx[4] {
            Some(c) => cols.decimal(&rec, c)?,
            None => None,
        };
        if points.is_none() && pounds.is_none() {
            return Err(DataError::at(
                file,
                rec.line,
                None,
                format!("no points or pounds for `{item}` in {year} at practice `{practice}`"),
            )
            .help("fill in `points`, `pounds`, or both"));
        }
        if !seen.insert((practice.to_string(), year.to_string(), item.to_string())) {
            return Err(cols
                .err(
                    &rec,
                    it,
                    format!("`{item}` in {year} at practice `{practice}` is given twice"),
                )
                .help("give each item once per practice and year"));
        }
        data.set_historic(practice, year, item, HistoricValue { points, pounds });
        if !practices.contains(practice) {
            practices.insert(practice.to_string());
        }
    }
    Ok(summary(rows, practices, WarningCounter::default()))
}

/// Reads attested items: `practice_id, item_id, met` where `met` is `yes`/`no`, `true`/
/// `false`, `y`/`n`, `1`/`0` or `met`/`unmet` (any case). `PRACTICE_CODE` is accepted for
/// `practice_id`, `item` for `item_id`.
pub fn read_attested(
    data: &mut PracticeData,
    text: &str,
    file: &str,
) -> Result<ReadSummary, DataError> {
    let mut reader = Reader::new(text, file);
    let wanted: &[&[&str]] = &[&["practice_id", "PRACTICE_CODE"], &["item_id", "item"], &["met"]];
    let (cols, idx) = Columns::resolve(&mut reader, file, wanted, &[])?;
    let [p, it, m] = [idx[0], idx[1], idx[2]].map(|c| c.unwrap_or(0));
    let mut rows = 0;
    let mut practices = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for rec in reader {
        let rec = rec?;
        rows += 1;
        let practice = cols.id(&rec, p)?;
        let item = cols.id(&rec, it)?;
        let v = cols.field(&rec, m)?;
        let met = match v.to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "1" | "met" => true,
            "no" | "n" | "false" | "0" | "unmet" => false,
            _ => {
                return Err(cols
                    .err(&rec, m, format!("expected yes or no, found `{v}`"))
                    .help("write `yes` or `no` (also accepted: true/false, y/n, 1/0, met/unmet)"))
            }
        };
        if !seen.insert((practice.to_string(), item.to_string())) {
            return Err(cols
                .err(&rec, it, format!("`{item}` at practice `{practice}` is given twice"))
                .help("give each item once per practice"));
        }
        data.set_attested(practice, item, met);
        if !practices.contains(practice) {
            practices.insert(practice.to_string());
        }
    }
    Ok(summary(rows, practices, WarningCounter::default()))
}

/// Reads NHS Digital's practice structure file (`PRACTICE_CODE, PCN_ODS_CODE`, other columns
/// ignored; also accepted: `practice_id, network_id`) and sets the network of every practice *already in* `data` (read it after the
/// counts); practices not in `data` are counted in a warning, not added.
pub fn read_structure(
    data: &mut PracticeData,
    text: &str,
    file: &str,
) -> Result<ReadSummary, DataError> {
    let mut reader = Reader::new(text, file);
    let wanted: &[&[&str]] = &[&["PRACTICE_CODE", "PRACTICE_ID"], &["PCN_ODS_CODE", "NETWORK_ID"]];
    let (cols, idx) = Columns::resolve(&mut reader, file, wanted, &[])?;
    let [p, n] = [idx[0], idx[1]].map(|c| c.unwrap_or(0));
    let mut rows = 0;
    let mut practices = BTreeSet::new();
    let mut warnings = WarningCounter::default();
    for rec in reader {
        let rec = rec?;
        rows += 1;
        let practice = cols.id(&rec, p)?;
        let network = cols.field(&rec, n)?;
        if data.practice(practice).is_none() {
            warnings.add("practices without counts ignored".to_string(), rec.line);
            continue;
        }
        if network.is_empty() {
            warnings.add("practices without a network".to_string(), rec.line);
        } else {
            data.set_network(practice, network);
        }
        practices.insert(practice.to_string());
    }
    Ok(summary(rows, practices, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_accept_zero_fractions_only() {
        assert_eq!(parse_count("12"), Some(12));
        assert_eq!(parse_count("12.00"), Some(12));
        assert_eq!(parse_count("12.5"), None);
        assert_eq!(parse_count("-1"), None);
        assert_eq!(parse_count("12."), None);
        assert_eq!(parse_count(""), None);
    }
}
