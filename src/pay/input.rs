//! What the pay phase is told about practices: list sizes, registers, per-indicator counts,
//! attestations and previous years' achievement.
//!
//! [`PracticeData`] is a table: indicator, group and list type ids are interned into columns
//! once, and each practice holds plain vectors indexed by column, so the pay phase looks
//! nothing up by name per practice. Fill it with the `set_*` methods (the aggregate readers
//! and the patient-level evaluator both do).
//!
//! Attested items and historic years and items are interned too ([`PracticeData`] keeps each
//! name once), and each practice holds them as sorted vectors of ids: a national historic
//! file has millions of rows, and a `String` and a map node per row cost a gigabyte.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::population::FxMap;

/// Counts of one indicator at one practice, as the evaluator (or a published file) gives them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Patients in the denominator (adjusted patients already removed).
    pub denominator: u32,
    /// Patients in the numerator.
    pub numerator: u32,
    /// Patients removed by a personalised care adjustment (or, before 2019/20, an exception).
    pub pcas: u32,
    /// The same, by PCA category (empty when not known).
    pub pcas_by_category: BTreeMap<String, u32>,
    /// For Boolean indicators: whether the practice achieved it (`None`: not known, scored as
    /// not achieved).
    pub achieved: Option<bool>,
    /// Points as published (`ACHIEVED_POINTS` in NHS Digital files); informative only, the
    /// pay phase recomputes points. [`PracticeData::historic_from_reported_points`] turns them
    /// into a historic year.
    pub reported_points: Option<Decimal>,
}

/// A figure from a previous year, for one practice and one item (an indicator id, a group
/// code or any other label such as `QOF` for a practice total).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoricValue {
    /// Points achieved that year.
    pub points: Option<Decimal>,
    /// Pounds paid that year.
    pub pounds: Option<Decimal>,
}

/// One practice's inputs. Vectors are indexed by the columns of the [`PracticeData`] that
/// holds the practice and may be shorter than the column count (missing entries are `None`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PracticeCounts {
    /// Practice code, e.g. `A81001`.
    pub practice_id: String,
    /// The practice's network (PCN) code, if any.
    pub network_id: Option<String>,
    /// List sizes by list type column.
    pub list_sizes: Vec<Option<u32>>,
    /// Register sizes by group column.
    pub registers: Vec<Option<u32>>,
    /// Counts by indicator column.
    pub indicators: Vec<Option<Counts>>,
    /// Attested items (attested indicators, gateway items, obligations): (item name id, met),
    /// sorted by id, each item once. Read through [`PracticeData::is_attested`].
    attested: Vec<(u32, bool)>,
    /// The previous years the practice has figures for (name ids, sorted, each once), even
    /// when none of their items was kept. Read through [`PracticeData::historic`].
    years: Vec<u32>,
    /// Previous years' achievement: (year, item, figure) by name ids, sorted by year then
    /// item, each (year, item) once.
    historic: Vec<HistoricEntry>,
}

/// One previous year's figure for one item, by name ids.
#[derive(Clone, Debug, PartialEq)]
struct HistoricEntry {
    year: u32,
    item: u32,
    value: HistoricValue,
}

/// Names interned to small ids, each kept once: the attested items, historic years and
/// historic items of a [`PracticeData`].
#[derive(Clone, Debug, Default, PartialEq)]
struct Names {
    names: Vec<Box<str>>,
    index: FxMap<Box<str>, u32>,
}

impl Names {
    /// The id of `name`, created if new.
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        // More than 4 billion distinct names cannot be held in memory: ids fit in a u32.
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.into());
        self.index.insert(name.into(), i);
        i
    }

    fn find(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    fn name(&self, id: u32) -> &str {
        usize::try_from(id).ok().and_then(|i| self.names.get(i)).map_or("", |n| n)
    }
}

/// One practice's figures for one previous year ([`PracticeData::historic`]).
#[derive(Clone, Copy, Debug)]
pub struct HistoricYear<'a> {
    names: &'a Names,
    entries: &'a [HistoricEntry],
}

impl<'a> HistoricYear<'a> {
    /// The figure for `item` (an indicator id, a group code or any label), if given.
    pub fn get(&self, item: &str) -> Option<&'a HistoricValue> {
        let id = self.names.find(item)?;
        let i = self.entries.binary_search_by_key(&id, |e| e.item).ok()?;
        self.entries.get(i).map(|e| &e.value)
    }

    /// Whether `item` has a figure.
    pub fn contains(&self, item: &str) -> bool {
        self.get(item).is_some()
    }

    /// How many items have a figure.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no item has a figure (the year was given for the practice, but none of its
    /// items was kept).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every item with its figure, in the order of the items' names.
    pub fn items(&self) -> Vec<(&'a str, &'a HistoricValue)> {
        let names = self.names;
        let mut v: Vec<(&'a str, &'a HistoricValue)> =
            self.entries.iter().map(|e| (names.name(e.item), &e.value)).collect();
        v.sort_unstable_by(|a, b| a.0.cmp(b.0));
        v
    }
}

/// All practices' inputs, with interned columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PracticeData {
    indicator_ids: Vec<String>,
    indicator_index: BTreeMap<String, usize>,
    group_ids: Vec<String>,
    group_index: BTreeMap<String, usize>,
    list_type_ids: Vec<String>,
    list_type_index: BTreeMap<String, usize>,
    practices: Vec<PracticeCounts>,
    practice_index: BTreeMap<String, usize>,
    /// Attested items, historic years and historic items.
    names: Names,
}

fn intern(ids: &mut Vec<String>, index: &mut BTreeMap<String, usize>, id: &str) -> usize {
    if let Some(&i) = index.get(id) {
        return i;
    }
    ids.push(id.to_string());
    index.insert(id.to_string(), ids.len() - 1);
    ids.len() - 1
}

fn slot<T: Default>(v: &mut Vec<T>, i: usize) -> &mut T {
    if v.len() <= i {
        v.resize_with(i + 1, T::default);
    }
    &mut v[i]
}

impl PracticeData {
    /// An empty table.
    pub fn new() -> PracticeData {
        PracticeData::default()
    }

    /// The column of indicator `id`, created if new.
    pub fn indicator_column(&mut self, id: &str) -> usize {
        intern(&mut self.indicator_ids, &mut self.indicator_index, id)
    }
    /// The column of group `id`, created if new.
    pub fn group_column(&mut self, id: &str) -> usize {
        intern(&mut self.group_ids, &mut self.group_index, id)
    }
    /// The column of list type `id`, created if new.
    pub fn list_type_column(&mut self, id: &str) -> usize {
        intern(&mut self.list_type_ids, &mut self.list_type_index, id)
    }
    /// The column of indicator `id`, if any practice has counts for it.
    pub fn find_indicator(&self, id: &str) -> Option<usize> {
        self.indicator_index.get(id).copied()
    }
    /// The column of group `id`, if known.
    pub fn find_group(&self, id: &str) -> Option<usize> {
        self.group_index.get(id).copied()
    }
    /// The column of list type `id`, if known.
    pub fn find_list_type(&self, id: &str) -> Option<usize> {
        self.list_type_index.get(id).copied()
    }
    /// Indicator ids by column.
    pub fn indicator_ids(&self) -> &[String] {
        &self.indicator_ids
    }
    /// Group ids by column.
    pub fn group_ids(&self) -> &[String] {
        &self.group_ids
    }
    /// List type ids by column.
    pub fn list_type_ids(&self) -> &[String] {
        &self.list_type_ids
    }

    /// The practices, in the order they were first mentioned.
    pub fn practices(&self) -> &[PracticeCounts] {
        &self.practices
    }
    /// The practice with code `id`.
    pub fn practice(&self, id: &str) -> Option<&PracticeCounts> {
        self.practice_index.get(id).map(|&i| &self.practices[i])
    }
    /// The practice with code `id`, added (with no data) if new.
    pub fn practice_mut(&mut self, id: &str) -> &mut PracticeCounts {
        let i = match self.practice_index.get(id) {
            Some(&i) => i,
            None => {
                self.practices
                    .push(PracticeCounts { practice_id: id.to_string(), ..Default::default() });
                self.practice_index.insert(id.to_string(), self.practices.len() - 1);
                self.practices.len() - 1
            }
        };
        &mut self.practices[i]
    }

    /// The position of practice `id` in [`PracticeData::practices`], added if new.
    pub fn practice_position(&mut self, id: &str) -> usize {
        if let Some(&i) = self.practice_index.get(id) {
            return i;
        }
        self.practice_mut(id);
        self.practices.len() - 1
    }
    /// The counts of the practice at `position` for indicator `column`, created empty if
    /// absent. `None` if there is no practice at `position`.
    pub fn counts_at_mut(&mut self, position: usize, column: usize) -> Option<&mut Counts> {
        let p = self.practices.get_mut(position)?;
        Some(slot(&mut p.indicators, column).get_or_insert_with(Counts::default))
    }

    /// Sets a practice's list size for a list type (`TOTAL`, `17OV`...).
    pub fn set_list_size(&mut self, practice: &str, list_type: &str, size: u32) {
        let c = self.list_type_column(list_type);
        *slot(&mut self.practice_mut(practice).list_sizes, c) = Some(size);
    }
    /// Sets a practice's register size for a group.
    pub fn set_register(&mut self, practice: &str, group: &str, size: u32) {
        let c = self.group_column(group);
        *slot(&mut self.practice_mut(practice).registers, c) = Some(size);
    }
    /// Sets a practice's counts for an indicator.
    pub fn set_counts(&mut self, practice: &str, indicator: &str, counts: Counts) {
        let c = self.indicator_column(indicator);
        *slot(&mut self.practice_mut(practice).indicators, c) = Some(counts);
    }
    /// The counts of a practice for an indicator, creating empty counts if absent.
    pub fn counts_mut(&mut self, practice: &str, indicator: &str) -> &mut Counts {
        let c = self.indicator_column(indicator);
        slot(&mut self.practice_mut(practice).indicators, c).get_or_insert_with(Counts::default)
    }
    /// Sets a practice's network.
    pub fn set_network(&mut self, practice: &str, network: &str) {
        self.practice_mut(practice).network_id = Some(network.to_string());
    }
    /// Records an attested item for a practice (replacing an earlier record of it).
    pub fn set_attested(&mut self, practice: &str, item: &str, met: bool) {
        let id = self.names.id(item);
        let attested = &mut self.practice_mut(practice).attested;
        match attested.binary_search_by_key(&id, |a| a.0) {
            Ok(i) => attested[i].1 = met,
            Err(i) => attested.insert(i, (id, met)),
        }
    }
    /// Records an attested item for a practice unless it is recorded already: `false` (and
    /// the first kept) when it is.
    pub fn add_attested(&mut self, practice: &str, item: &str, met: bool) -> bool {
        let id = self.names.id(item);
        let attested = &mut self.practice_mut(practice).attested;
        match attested.binary_search_by_key(&id, |a| a.0) {
            Ok(_) => false,
            Err(i) => {
                attested.insert(i, (id, met));
                true
            }
        }
    }
    /// Whether practice `p` (of this table) attested `item` as met; an item not recorded is
    /// not met.
    pub fn is_attested(&self, p: &PracticeCounts, item: &str) -> bool {
        let Some(id) = self.names.find(item) else { return false };
        p.attested.binary_search_by_key(&id, |a| a.0).is_ok_and(|i| p.attested[i].1)
    }
    /// Practice `p`'s attested items with whether each is met, in the order of their names.
    pub fn attested(&self, p: &PracticeCounts) -> Vec<(&str, bool)> {
        let mut v: Vec<(&str, bool)> =
            p.attested.iter().map(|&(id, met)| (self.names.name(id), met)).collect();
        v.sort_unstable_by(|a, b| a.0.cmp(b.0));
        v
    }

    /// Records a previous year's figure for a practice and item unless it is recorded
    /// already: `false` (and the first kept) when it is.
    pub fn add_historic(
        &mut self,
        practice: &str,
        year: &str,
        item: &str,
        value: HistoricValue,
    ) -> bool {
        self.insert_historic(practice, year, item, value, false)
    }
    /// Records a previous year's figure for a practice and item (replacing an earlier one).
    pub fn set_historic(&mut self, practice: &str, year: &str, item: &str, value: HistoricValue) {
        self.insert_historic(practice, year, item, value, true);
    }
    fn insert_historic(
        &mut self,
        practice: &str,
        year: &str,
        item: &str,
        value: HistoricValue,
        replace: bool,
    ) -> bool {
        let (year, item) = (self.names.id(year), self.names.id(item));
        let p = self.practice_mut(practice);
        if let Err(i) = p.years.binary_search(&year) {
            p.years.insert(i, year);
        }
        match p.historic.binary_search_by_key(&(year, item), |e| (e.year, e.item)) {
            Ok(i) if replace => p.historic[i].value = value,
            Ok(_) => return false,
            Err(i) => p.historic.insert(i, HistoricEntry { year, item, value }),
        }
        true
    }
    /// Practice `p`'s figures for previous year `year`, if it has any (a year given for the
    /// practice whose items were all left out by the reader is there, and empty).
    pub fn historic<'a>(&'a self, p: &'a PracticeCounts, year: &str) -> Option<HistoricYear<'a>> {
        let id = self.names.find(year)?;
        p.years.binary_search(&id).ok()?;
        let from = p.historic.partition_point(|e| e.year < id);
        let to = p.historic.partition_point(|e| e.year <= id);
        Some(HistoricYear { names: &self.names, entries: p.historic.get(from..to).unwrap_or(&[]) })
    }
    /// The previous years practice `p` has figures for, in the order of their names.
    pub fn historic_years<'a>(&'a self, p: &'a PracticeCounts) -> Vec<&'a str> {
        let mut v: Vec<&str> = p.years.iter().map(|&y| self.names.name(y)).collect();
        v.sort_unstable();
        v
    }

    /// The id of a name (an attested item, a historic year or item), created if new; for the
    /// readers, which push rows by ids ([`PracticeData::push_attested`],
    /// [`PracticeData::push_historic`]).
    pub(crate) fn name_id(&mut self, name: &str) -> u32 {
        self.names.id(name)
    }
    /// Every (practice position, item) attested already, for a reader's check of items given
    /// twice.
    pub(crate) fn attested_keys(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        self.practices
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.attested.iter().map(move |a| (i, a.0)))
    }
    /// Every (practice position, year, item) with a historic figure already.
    pub(crate) fn historic_keys(&self) -> impl Iterator<Item = (usize, u32, u32)> + '_ {
        self.practices
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.historic.iter().map(move |e| (i, e.year, e.item)))
    }
    /// Appends an attested item to the practice at `position`, unsorted: the reader has
    /// checked it is new, and calls [`PracticeData::sort_inputs`] when done.
    pub(crate) fn push_attested(&mut self, position: usize, item: u32, met: bool) {
        if let Some(p) = self.practices.get_mut(position) {
            p.attested.push((item, met));
        }
    }
    /// Notes that the practice at `position` has figures for `year`, unsorted, as
    /// [`PracticeData::push_attested`].
    pub(crate) fn push_year(&mut self, position: usize, year: u32) {
        if let Some(p) = self.practices.get_mut(position) {
            if p.years.last() != Some(&year) {
                p.years.push(year);
            }
        }
    }
    /// Appends a historic figure to the practice at `position`, unsorted, as
    /// [`PracticeData::push_attested`] (the year is noted with [`PracticeData::push_year`]).
    pub(crate) fn push_historic(
        &mut self,
        position: usize,
        year: u32,
        item: u32,
        value: HistoricValue,
    ) {
        if let Some(p) = self.practices.get_mut(position) {
            p.historic.push(HistoricEntry { year, item, value });
        }
    }
    /// Sorts what the `push_*` methods appended, so that lookups find it.
    pub(crate) fn sort_inputs(&mut self) {
        for p in &mut self.practices {
            p.attested.sort_unstable_by_key(|a| a.0);
            p.years.sort_unstable();
            p.years.dedup();
            p.historic.sort_unstable_by_key(|e| (e.year, e.item));
        }
    }

    /// Copies every practice's published points ([`Counts::reported_points`]) into historic
    /// year `year`, keyed by indicator id: load last year's achievement file into a separate
    /// table, call this, and move the practices' figures across (or read it into the same
    /// table before this year's counts).
    pub fn historic_from_reported_points(&mut self, year: &str) {
        let y = self.names.id(year);
        let items: Vec<u32> = self.indicator_ids.iter().map(|id| self.names.id(id)).collect();
        for p in &mut self.practices {
            let fresh = p.years.binary_search(&y).is_err();
            for (c, counts) in p.indicators.iter().enumerate() {
                let (Some(pts), Some(&item)) =
                    (counts.as_ref().and_then(|c| c.reported_points), items.get(c))
                else {
                    continue;
                };
                let value = HistoricValue { points: Some(pts), pounds: None };
                if fresh {
                    // each indicator column once: no repeats to look for
                    p.historic.push(HistoricEntry { year: y, item, value });
                    if p.years.last() != Some(&y) {
                        p.years.push(y);
                    }
                    continue;
                }
                match p.historic.binary_search_by_key(&(y, item), |e| (e.year, e.item)) {
                    Ok(i) => p.historic[i].value = value,
                    Err(i) => p.historic.insert(i, HistoricEntry { year: y, item, value }),
                }
            }
        }
        self.sort_inputs();
    }

    /// Copies previous year `year` of every practice of `from` that this table has too
    /// (replacing figures it has for the same items), leaving out the others.
    pub fn copy_historic_year(&mut self, from: &PracticeData, year: &str) {
        let y = self.names.id(year);
        for q in from.practices() {
            let Some(items) = from.historic(q, year).filter(|y| !y.is_empty()) else { continue };
            let Some(&i) = self.practice_index.get(&q.practice_id) else { continue };
            let ids: Vec<(u32, &HistoricValue)> = items
                .entries
                .iter()
                .map(|e| (self.names.id(from.names.name(e.item)), &e.value))
                .collect();
            let Some(p) = self.practices.get_mut(i) else { continue };
            let fresh = p.years.binary_search(&y).is_err();
            if fresh {
                p.years.push(y);
                p.years.sort_unstable();
            }
            for (item, value) in ids {
                if fresh {
                    p.historic.push(HistoricEntry { year: y, item, value: value.clone() });
                    continue;
                }
                match p.historic.binary_search_by_key(&(y, item), |e| (e.year, e.item)) {
                    Ok(k) => p.historic[k].value = value.clone(),
                    Err(k) => {
                        p.historic.insert(k, HistoricEntry { year: y, item, value: value.clone() })
                    }
                }
            }
            if fresh {
                p.historic.sort_unstable_by_key(|e| (e.year, e.item));
            }
        }
    }

    /// A practice's list size for a list type column.
    pub fn list_size(p: &PracticeCounts, column: Option<usize>) -> Option<u32> {
        column.and_then(|c| p.list_sizes.get(c).copied().flatten())
    }
    /// A practice's register for a group column.
    pub fn register(p: &PracticeCounts, column: Option<usize>) -> Option<u32> {
        column.and_then(|c| p.registers.get(c).copied().flatten())
    }
    /// A practice's counts for an indicator column.
    pub fn counts(p: &PracticeCounts, column: Option<usize>) -> Option<&Counts> {
        column.and_then(|c| p.indicators.get(c)).and_then(|c| c.as_ref())
    }
}
