//! The readers. Each takes the data table to fill, the file's text and its name (for errors).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;

use super::{DataError, ReadSummary, WarningCounter};
use crate::pay::{
    HistoricModel, HistoricValue, IndicatorKind, PayScheme, PaymentModel, PracticeData,
};
use crate::population::{FxMap, FxSet};
use crate::table::{indexes, Col, Columns, Row, Table};

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

/// Opens `text` as a table with an open header of the `wanted` columns.
fn open<'a>(
    text: &'a str,
    file: &'a str,
    wanted: &[Col<'_>],
) -> Result<(Table<'a>, Columns), DataError> {
    let mut table = Table::new(file, text.as_bytes());
    let columns = table.open_header(wanted)?;
    Ok((table, columns))
}

/// Reads the rows of `table`, counting them, handing each to `each` with the tally.
fn rows(
    mut table: Table<'_>,
    mut each: impl FnMut(&Row<'_>, &mut Tally) -> Result<(), DataError>,
) -> Result<Tally, DataError> {
    let mut tally = Tally::default();
    while let Some(row) = table.next_row()? {
        tally.rows += 1;
        each(&row, &mut tally)?;
    }
    Ok(tally)
}

/// What every reader counts besides the data: rows, distinct practices, counted warnings.
#[derive(Default)]
struct Tally {
    rows: usize,
    practices: BTreeSet<String>,
    warnings: WarningCounter,
}

impl Tally {
    fn practice(&mut self, id: &str) {
        if !self.practices.contains(id) {
            self.practices.insert(id.to_string());
        }
    }

    fn finish(self) -> ReadSummary {
        ReadSummary {
            rows: self.rows,
            practices: self.practices.len(),
            warnings: self.warnings.finish(),
        }
    }
}

/// Marks `key` as seen; the error `twice` when it was already.
fn once<K: Ord>(
    seen: &mut BTreeSet<K>,
    key: K,
    twice: impl FnOnce() -> DataError,
) -> Result<(), DataError> {
    if seen.insert(key) {
        Ok(())
    } else {
        Err(twice())
    }
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
const PREVALENCE_COLUMNS: &[Col<'static>] = &[
    Col::required(&["PRACTICE_CODE"]),
    Col::required(&["GROUP_CODE"]),
    Col::required(&["REGISTER"]),
    Col::required(&["PATIENT_LIST_TYPE"]),
    Col::required(&["PATIENT_LIST_SIZE"]),
];

/// The columns of NHS Digital's achievement file in long format.
const ACHIEVEMENT_COLUMNS: &[Col<'static>] = &[
    Col::required(&["PRACTICE_CODE"]),
    Col::required(&["INDICATOR_CODE"]),
    Col::required(&["MEASURE"]),
    Col::required(&["VALUE"]),
];

/// The columns of NHS Digital's practice structure file (or ours).
const STRUCTURE_COLUMNS: &[Col<'static>] = &[
    Col::required(&["PRACTICE_CODE", "PRACTICE_ID"]),
    Col::required(&["PCN_ODS_CODE", "NETWORK_ID"]),
];

/// The columns of a historic achievement file (`points` or `pounds` may be left out).
const HISTORIC_COLUMNS: &[Col<'static>] = &[
    Col::required(&["practice_id", "PRACTICE_CODE"]),
    Col::required(&["year"]),
    Col::required(&["item", "indicator_or_group"]),
    Col::optional(&["points"]),
    Col::optional(&["pounds"]),
];

/// The columns of an attested items file.
const ATTESTED_COLUMNS: &[Col<'static>] = &[
    Col::required(&["practice_id", "PRACTICE_CODE"]),
    Col::required(&["item_id", "item"]),
    Col::required(&["met"]),
];

/// One row of a prevalence file, read and checked.
struct PrevalenceRow<'r> {
    practice: &'r str,
    group: &'r str,
    register: u32,
    list_type: &'r str,
    list_size: u32,
}

/// Reads a prevalence file's rows and checks what holds in any of them (one row per practice
/// and group; one list size per practice and list type, the column `list_size` of the row
/// blamed), handing each to `each` with its row and the index of the list type's column.
fn prevalence_rows(
    text: &str,
    file: &str,
    mut each: impl FnMut(&Row<'_>, usize, PrevalenceRow<'_>, &mut Tally) -> Result<(), DataError>,
) -> Result<Tally, DataError> {
    let (table, idx) = open(text, file, PREVALENCE_COLUMNS)?;
    let [p, g, r, lt, ls] = indexes(&idx);
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut lists: HashMap<(String, String), u32> = HashMap::new();
    rows(table, |row, tally| {
        let prev = PrevalenceRow {
            practice: row.key(p)?,
            group: row.key(g)?,
            register: row.count(r)?,
            list_type: row.key(lt)?,
            list_size: row.count(ls)?,
        };
        let PrevalenceRow { practice, group, list_type, list_size, .. } = prev;
        once(&mut seen, (practice.to_string(), group.to_string()), || {
            row.error(g, format!("a second row for practice `{practice}` and group `{group}`"))
                .help("each practice has one row per group")
        })?;
        match lists.get(&(practice.to_string(), list_type.to_string())) {
            Some(&old) if old != list_size => {
                return Err(row
                    .error(ls, format!(
                        "practice `{practice}` has `{list_type}` list size {list_size} here but {old} on an earlier row"
                    ))
                    .help("a practice has one list size per list type"));
            }
            Some(_) => {}
            None => {
                lists.insert((practice.to_string(), list_type.to_string()), list_size);
            }
        }
        each(row, lt, prev, tally)
    })
}

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
    let tally = prevalence_rows(text, file, |row, _, prev, tally| {
        check_register(prev.register, prev.list_size, row.line, &mut tally.warnings);
        data.set_list_size(prev.practice, prev.list_type, prev.list_size);
        data.set_register(prev.practice, prev.group, prev.register);
        tally.practice(prev.practice);
        Ok(())
    })?;
    Ok(tally.finish())
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
    let mut sums: BTreeMap<String, GroupSum> = BTreeMap::new();
    let tally = prevalence_rows(text, file, |row, lt, prev, tally| {
        let PrevalenceRow { group, list_type, .. } = prev;
        let sum = sums.entry(group.to_string()).or_insert_with(|| GroupSum {
            register: 0,
            list_size: 0,
            list_type: list_type.to_string(),
        });
        if sum.list_type != list_type {
            return Err(row
                .error(lt, format!(
                    "group `{group}` is measured on `{list_type}` here but on `{}` on an earlier row",
                    sum.list_type
                ))
                .help("national prevalence sums one list type per group"));
        }
        sum.register += u64::from(prev.register);
        sum.list_size += u64::from(prev.list_size);
        tally.practice(prev.practice);
        Ok(())
    })?;
    Ok((sums, tally.practices.len()))
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
    let (table, idx) = open(text, file, ACHIEVEMENT_COLUMNS)?;
    let [p, i, m, v] = indexes(&idx);
    let value_column = table.name(v).to_string();
    // (practice position, indicator column) -> measures already seen, one bit each
    let mut seen: HashMap<(usize, usize), u8> = HashMap::new();
    // (practice position, indicator column) -> the lines of its numerator and denominator,
    // to check that the numerator is no larger than the denominator once both are read
    let mut lines: HashMap<(usize, usize), [usize; 2]> = HashMap::new();
    let tally = rows(table, |row, tally| {
        let practice = row.key(p)?;
        let indicator = row.key(i)?;
        let measure_raw = row.key(m)?;
        let measure = measure_raw.to_ascii_uppercase();
        let group = match options.known {
            Some(known) => match known.get(indicator) {
                Some(g) => Some(g.as_str()),
                None => {
                    if options.unknown == UnknownIndicators::Error {
                        return Err(row
                            .error(i, format!("unknown indicator `{indicator}`"))
                            .help("the scheme has no indicator with this code; remove its rows or add it to the scheme"));
                    }
                    tally
                        .warnings
                        .add(format!("unknown indicator `{indicator}` ignored"), row.line);
                    return Ok(());
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
                tally.warnings.add(format!("measure `{measure_raw}` ignored"), row.line);
                return Ok(());
            }
        };
        tally.practice(practice);
        let pos = data.practice_position(practice);
        let col = data.indicator_column(indicator);
        let mask = seen.entry((pos, col)).or_insert(0);
        let again = *mask & bit != 0;
        *mask |= bit;
        let duplicate = |old: String, new: String| {
            row.error(v, format!(
                "measure `{measure}` of `{indicator}` at practice `{practice}` is `{new}` here but `{old}` on an earlier row"
            ))
            .help("give each measure once per practice and indicator")
        };
        let Some(c) = data.counts_at_mut(pos, col) else { return Ok(()) };
        match bit {
            1 | 2 | 4 => {
                let n = row.count(v)?;
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
                    lines.entry((pos, col)).or_insert([0, 0])[usize::from(bit - 1)] = row.line;
                }
            }
            8 => {
                let pts = row.decimal(v)?;
                if let Some(p) = pts.filter(|p| p.is_sign_negative() && !p.is_zero()) {
                    return Err(row
                        .error(v, format!("negative points `{p}`"))
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
                let n = row.count(v)?;
                match group {
                    Some(g) => {
                        let gc = data.group_column(g);
                        let existing = data
                            .practices()
                            .get(pos)
                            .and_then(|pc| pc.registers.get(gc).copied().flatten());
                        match existing {
                            None => data.set_register(practice, g, n),
                            Some(old) if old != n => tally.warnings.add(
                                format!("`REGISTER` of group `{g}` differs from the one already read; the first was kept"),
                                row.line,
                            ),
                            Some(_) => {}
                        }
                    }
                    None => tally.warnings.add(
                        "`REGISTER` rows ignored: no indicator groups were given".to_string(),
                        row.line,
                    ),
                }
            }
            _ => {
                let n = row.count(v)?;
                let cat = category.unwrap_or_default().to_lowercase();
                if let Some(&old) = c.pcas_by_category.get(&cat) {
                    if old != n {
                        return Err(duplicate(old.to_string(), n.to_string()));
                    }
                }
                c.pcas_by_category.insert(cat, n);
            }
        }
        Ok(())
    })?;
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
        let at = crate::table::At { file, row: line, column: &value_column };
        return Err(at
            .error(format!("the numerator of `{indicator}` at practice `{practice}` is {num}, more than its denominator {den}"))
            .help("the numerator counts patients of the denominator: check the rows of this practice and indicator"));
    }
    Ok(tally.finish())
}

/// What a scheme reads of the practice-level files, so that the readers keep only that
/// ([`read_historic_wanted`], [`read_attested_wanted`]): a national historic file has every
/// year and item of every scheme, millions of rows, of which a scheme pays on a few.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    /// Attested items read: obligations, gateway requirements, attested indicators.
    pub attested: BTreeSet<String>,
    /// Historic years read, each with whether all its items are read (a model that also pays
    /// items that are not indicators) or only [`Wanted::historic_items`].
    pub historic_years: BTreeMap<String, bool>,
    /// The historic items read of a year that does not read all: the scheme's indicators.
    pub historic_items: BTreeSet<String>,
}

impl Wanted {
    /// What the pay phase reads for `scheme`: the items of [`crate::pay::PracticeData::is_attested`]
    /// and the years and items of [`crate::pay::PracticeData::historic`] it asks for.
    pub fn of(scheme: &PayScheme) -> Wanted {
        let mut w = Wanted::default();
        for ind in &scheme.indicators {
            if ind.kind == IndicatorKind::Attested {
                w.attested.insert(ind.id.clone());
            }
            w.historic_items.insert(ind.id.clone());
        }
        for g in &scheme.gateways {
            w.attested.extend(g.requires.iter().cloned());
        }
        w.attested.extend(scheme.obligations.iter().map(|o| o.id.clone()));
        w.years(&scheme.model);
        if let Some(a) = &scheme.aspiration {
            w.year(&a.previous);
        }
        w
    }

    fn year(&mut self, h: &HistoricModel) {
        let all = self.historic_years.entry(h.year.clone()).or_insert(false);
        *all |= h.pay_unmatched_items;
    }

    fn years(&mut self, model: &PaymentModel) {
        match model {
            PaymentModel::Performance => {}
            PaymentModel::Historic(h) => self.year(h),
            PaymentModel::Blend(shares) => shares.iter().for_each(|s| self.years(&s.model)),
            PaymentModel::HigherOf { models, except_model, .. } => {
                models.iter().for_each(|m| self.years(m));
                self.years(except_model);
            }
            PaymentModel::Except { model, except_model, .. } => {
                self.years(model);
                self.years(except_model);
            }
            PaymentModel::ByIndicator { model, parts } => {
                self.years(model);
                parts.iter().for_each(|p| self.years(&p.model));
            }
        }
    }
}

/// A name's standing in a read, by name id: not looked at yet, kept, or left out.
const UNSEEN: u8 = 0;
const KEEP: u8 = 1;
const SKIP: u8 = 2;

/// What a reader of practice-level rows keeps between rows: the practice of the row before
/// (rows come grouped by practice, so most rows need no look-up), the practices this file
/// mentions, and the standing of each name met.
struct RowState {
    last: String,
    last_position: Option<usize>,
    mentioned: Vec<bool>,
    practices: usize,
    standing: Vec<u8>,
}

impl RowState {
    fn new() -> RowState {
        RowState {
            last: String::new(),
            last_position: None,
            mentioned: Vec::new(),
            practices: 0,
            standing: Vec::new(),
        }
    }

    /// The position of `practice` in `data`, added if new.
    fn position(&mut self, data: &mut PracticeData, practice: &str) -> usize {
        if let Some(pos) = self.last_position.filter(|_| self.last == practice) {
            return pos;
        }
        let pos = data.practice_position(practice);
        self.last.clear();
        self.last.push_str(practice);
        self.last_position = Some(pos);
        pos
    }

    /// Counts the practice at `pos` as mentioned by this file.
    fn mention(&mut self, pos: usize) {
        if self.mentioned.len() <= pos {
            self.mentioned.resize(pos + 1, false);
        }
        if !self.mentioned[pos] {
            self.mentioned[pos] = true;
            self.practices += 1;
        }
    }

    /// Whether name `id` is kept, deciding with `keep` the first time it is met.
    fn keeps(&mut self, id: u32, keep: impl FnOnce() -> bool) -> bool {
        let i = usize::try_from(id).unwrap_or(usize::MAX);
        if self.standing.len() <= i {
            self.standing.resize(i.saturating_add(1), UNSEEN);
        }
        match self.standing.get(i).copied() {
            Some(KEEP) => true,
            Some(SKIP) => false,
            _ => {
                let k = keep();
                if let Some(s) = self.standing.get_mut(i) {
                    *s = if k { KEEP } else { SKIP };
                }
                k
            }
        }
    }

    fn finish(self, rows: usize, warnings: WarningCounter) -> ReadSummary {
        ReadSummary { rows, practices: self.practices, warnings: warnings.finish() }
    }
}

/// A decimal field, as [`Row::decimal`] reads it: the usual shapes (`12.5`, `1234.56`,
/// `-3`) are recognised without building the number when the row is left out.
fn check_decimal(row: &Row<'_>, col: usize) -> Result<(), DataError> {
    let v = row.field(col)?;
    if plain_decimal(v.as_bytes()) {
        return Ok(());
    }
    row.decimal(col).map(drop)
}

/// Whether `b` is an optional minus, 1 to 15 digits, and optionally a point and 1 to 12
/// digits: a number `Decimal` parses (the field is left to [`Row::decimal`] otherwise).
fn plain_decimal(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"-").unwrap_or(b);
    let (whole, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let digits =
        |d: &[u8], max: usize| !d.is_empty() && d.len() <= max && d.iter().all(u8::is_ascii_digit);
    digits(whole, 15) && frac.map_or(true, |f| digits(f, 12))
}

/// Reads historic achievement: `practice_id, year, item, points, pounds` (`item` is an
/// indicator id, a group code or any label; `points` and `pounds` may be empty, and either
/// column may be left out, but each row needs one of them). `PRACTICE_CODE` is accepted for
/// `practice_id` and `indicator_or_group` for `item`. Every row is kept.
pub fn read_historic(
    data: &mut PracticeData,
    text: &str,
    file: &str,
) -> Result<ReadSummary, DataError> {
    historic(data, text, file, None)
}

/// [`read_historic`], keeping only the years and items `wanted` names (every row is still
/// checked, an item given twice included, and its practice added).
pub fn read_historic_wanted(
    data: &mut PracticeData,
    text: &str,
    file: &str,
    wanted: &Wanted,
) -> Result<ReadSummary, DataError> {
    historic(data, text, file, Some(wanted))
}

fn historic(
    data: &mut PracticeData,
    text: &str,
    file: &str,
    wanted: Option<&Wanted>,
) -> Result<ReadSummary, DataError> {
    let (mut table, idx) = open(text, file, HISTORIC_COLUMNS)?;
    let (points_col, pounds_col) = (idx[3], idx[4]);
    if points_col.is_none() && pounds_col.is_none() {
        return Err(DataError::new(file, Some(1), "missing column `points` or `pounds`")
            .help("historic files need a `points` column, a `pounds` column, or both"));
    }
    let [p, y, it] = indexes(&idx);
    // Every (practice, year, item) read, to find one given twice; the table's own figures
    // first, as a second figure for them is one given twice too. Keys are the practice's
    // position and the pair's number (a file has few distinct years and items): 8 bytes a row.
    let mut pairs: FxMap<u64, u32> = FxMap::default();
    let mut seen: FxSet<u64> = FxSet::default();
    let mut key = |pos: usize, year: u32, item: u32| {
        let next = u32::try_from(pairs.len()).unwrap_or(u32::MAX);
        let pair = *pairs.entry(u64::from(year) << 32 | u64::from(item)).or_insert(next);
        (pos as u64) << 32 | u64::from(pair)
    };
    for (pos, year, item) in data.historic_keys().collect::<Vec<_>>() {
        seen.insert(key(pos, year, item));
    }
    let mut state = RowState::new();
    // names' standing: a year's (kept, kept with all its items, or not), an item's (one of
    // the wanted items, or not), in two tables
    let mut items = RowState::new();
    let mut rows = 0;
    let result: Result<(), DataError> = (|| {
        while let Some(row) = table.next_row()? {
            rows += 1;
            let (practice, year, item) = (row.key(p)?, row.key(y)?, row.key(it)?);
            let (year_id, item_id) = (data.name_id(year), data.name_id(item));
            let (year_kept, all_items) = match wanted {
                None => (true, true),
                Some(w) => match w.historic_years.get(year) {
                    Some(&all) => (true, all),
                    None => (false, false),
                },
            };
            let keep = match wanted {
                None => true,
                Some(w) => {
                    year_kept
                        && (all_items || items.keeps(item_id, || w.historic_items.contains(item)))
                }
            };
            let optional = |col: Option<usize>| col.map_or(Ok(None), |c| row.decimal(c));
            let value = if keep {
                let (points, pounds) = (optional(points_col)?, optional(pounds_col)?);
                (points.is_some() || pounds.is_some()).then_some(HistoricValue { points, pounds })
            } else {
                let filled = |col: Option<usize>| -> Result<bool, DataError> {
                    let Some(c) = col else { return Ok(false) };
                    check_decimal(&row, c)?;
                    Ok(!row.field(c)?.is_empty())
                };
                let (points, pounds) = (filled(points_col)?, filled(pounds_col)?);
                (points || pounds).then_some(HistoricValue::default())
            };
            let Some(value) = value else {
                return Err(row
                    .error_here(format!(
                        "no points or pounds for `{item}` in {year} at practice `{practice}`"
                    ))
                    .help("fill in `points`, `pounds`, or both"));
            };
            let pos = state.position(data, practice);
            if !seen.insert(key(pos, year_id, item_id)) {
                return Err(row
                    .error(
                        it,
                        format!("`{item}` in {year} at practice `{practice}` is given twice"),
                    )
                    .help("give each item once per practice and year"));
            }
            if year_kept {
                data.push_year(pos, year_id);
            }
            if keep {
                data.push_historic(pos, year_id, item_id, value);
            }
            state.mention(pos);
        }
        Ok(())
    })();
    data.sort_inputs();
    result?;
    Ok(state.finish(rows, WarningCounter::default()))
}

/// Reads attested items: `practice_id, item_id, met` where `met` is `yes`/`no`, `true`/
/// `false`, `y`/`n`, `1`/`0` or `met`/`unmet` (any case). `PRACTICE_CODE` is accepted for
/// `practice_id`, `item` for `item_id`. Every row is kept.
pub fn read_attested(
    data: &mut PracticeData,
    text: &str,
    file: &str,
) -> Result<ReadSummary, DataError> {
    attested(data, text, file, None)
}

/// [`read_attested`], keeping only the items `wanted` names (every row is still checked, an
/// item given twice included, and its practice added).
pub fn read_attested_wanted(
    data: &mut PracticeData,
    text: &str,
    file: &str,
    wanted: &Wanted,
) -> Result<ReadSummary, DataError> {
    attested(data, text, file, Some(wanted))
}

/// `met`'s words, any case.
fn met(v: &str) -> Option<bool> {
    const YES: [&str; 5] = ["yes", "y", "true", "1", "met"];
    const NO: [&str; 5] = ["no", "n", "false", "0", "unmet"];
    if YES.iter().any(|w| w.eq_ignore_ascii_case(v)) {
        Some(true)
    } else if NO.iter().any(|w| w.eq_ignore_ascii_case(v)) {
        Some(false)
    } else {
        None
    }
}

fn attested(
    data: &mut PracticeData,
    text: &str,
    file: &str,
    wanted: Option<&Wanted>,
) -> Result<ReadSummary, DataError> {
    let (mut table, idx) = open(text, file, ATTESTED_COLUMNS)?;
    let [p, it, m] = indexes(&idx);
    // Every (practice, item) read, to find one given twice, the table's own first.
    let mut seen: FxSet<u64> = FxSet::default();
    let key = |pos: usize, item: u32| (pos as u64) << 32 | u64::from(item);
    for (pos, item) in data.attested_keys() {
        seen.insert(key(pos, item));
    }
    let mut state = RowState::new();
    let mut rows = 0;
    let result: Result<(), DataError> = (|| {
        while let Some(row) = table.next_row()? {
            rows += 1;
            let (practice, item, v) = (row.key(p)?, row.key(it)?, row.field(m)?);
            let Some(met) = met(v) else {
                return Err(row
                    .error(m, format!("expected yes or no, found `{v}`"))
                    .help("write `yes` or `no` (also accepted: true/false, y/n, 1/0, met/unmet)"));
            };
            let item_id = data.name_id(item);
            let pos = state.position(data, practice);
            if !seen.insert(key(pos, item_id)) {
                return Err(row
                    .error(it, format!("`{item}` at practice `{practice}` is given twice"))
                    .help("give each item once per practice"));
            }
            if state.keeps(item_id, || wanted.map_or(true, |w| w.attested.contains(item))) {
                data.push_attested(pos, item_id, met);
            }
            state.mention(pos);
        }
        Ok(())
    })();
    data.sort_inputs();
    result?;
    Ok(state.finish(rows, WarningCounter::default()))
}

/// Reads NHS Digital's practice structure file (`PRACTICE_CODE, PCN_ODS_CODE`, other columns
/// ignored; also accepted: `practice_id, network_id`) and sets the network of every practice *already in* `data` (read it after the
/// counts); practices not in `data` are counted in a warning, not added.
pub fn read_structure(
    data: &mut PracticeData,
    text: &str,
    file: &str,
) -> Result<ReadSummary, DataError> {
    let (table, idx) = open(text, file, STRUCTURE_COLUMNS)?;
    let [p, n] = indexes(&idx);
    let tally = rows(table, |row, tally| {
        let (practice, network) = (row.key(p)?, row.field(n)?);
        if data.practice(practice).is_none() {
            tally.warnings.add("practices without counts ignored".to_string(), row.line);
            return Ok(());
        }
        if network.is_empty() {
            tally.warnings.add("practices without a network".to_string(), row.line);
        } else {
            data.set_network(practice, network);
        }
        tally.practice(practice);
        Ok(())
    })?;
    Ok(tally.finish())
}
