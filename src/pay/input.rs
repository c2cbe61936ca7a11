//! What the pay phase is told about practices: list sizes, registers, per-indicator counts,
//! attestations and previous years' achievement.
//!
//! [`PracticeData`] is a table: indicator, group and list type ids are interned into columns
//! once, and each practice holds plain vectors indexed by column, so the pay phase looks
//! nothing up by name per practice. Fill it with the `set_*` methods (the aggregate readers
//! and the patient-level evaluator both do).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

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
    /// Attested items (attested indicators, gateway items, obligations): item id -> met.
    pub attested: BTreeMap<String, bool>,
    /// Previous years' achievement: year label (e.g. `2016/17`) -> item id -> figure.
    pub historic: BTreeMap<String, BTreeMap<String, HistoricValue>>,
}

impl PracticeCounts {
    /// Whether the practice attested `item` as met.
    pub fn is_attested(&self, item: &str) -> bool {
        self.attested.get(item).copied().unwrap_or(false)
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
    /// Records an attested item for a practice.
    pub fn set_attested(&mut self, practice: &str, item: &str, met: bool) {
        self.practice_mut(practice).attested.insert(item.to_string(), met);
    }
    /// Records an attested item for a practice unless it is recorded already: `false` (and
    /// the first kept) when it is. The readers' check for an item given twice, without a set
    /// of every (practice, item) read beside the table.
    pub fn add_attested(&mut self, practice: &str, item: &str, met: bool) -> bool {
        let attested = &mut self.practice_mut(practice).attested;
        if attested.contains_key(item) {
            return false;
        }
        attested.insert(item.to_string(), met);
        true
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
        let historic = &mut self.practice_mut(practice).historic;
        let items = match historic.get_mut(year) {
            Some(items) => items,
            None => historic.entry(year.to_string()).or_default(),
        };
        if items.contains_key(item) {
            return false;
        }
        items.insert(item.to_string(), value);
        true
    }
    /// Records a previous year's figure for a practice and item.
    pub fn set_historic(&mut self, practice: &str, year: &str, item: &str, value: HistoricValue) {
        self.practice_mut(practice)
            .historic
            .entry(year.to_string())
            .or_default()
            .insert(item.to_string(), value);
    }

    /// Copies every practice's published points ([`Counts::reported_points`]) into historic
    /// year `year`, keyed by indicator id: load last year's achievement file into a separate
    /// table, call this, and move the practices' `historic` maps across (or read it into the
    /// same table before this year's counts).
    pub fn historic_from_reported_points(&mut self, year: &str) {
        let ids = self.indicator_ids.clone();
        for p in &mut self.practices {
            for (c, counts) in p.indicators.iter().enumerate() {
                if let (Some(Some(pts)), Some(id)) =
                    (counts.as_ref().map(|c| c.reported_points), ids.get(c))
                {
                    p.historic
                        .entry(year.to_string())
                        .or_default()
                        .insert(id.clone(), HistoricValue { points: Some(pts), pounds: None });
                }
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
