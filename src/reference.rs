//! Real NHS Digital QOF 2019/20 reference figures, embedded: every practice in England with
//! its network and CCG, its patient list sizes per list type and its 21 registers; and the
//! national figures derived from them (register and list totals, national prevalence, the
//! national average list size).
//!
//! Source files and their derivation: `data/reference/README.md`. Parsed once, on first use.

use rust_decimal::Decimal;
use std::sync::OnceLock;

const PRACTICES_CSV: &str = include_str!("../data/reference/practices_1920.csv");
const NETWORKS_CSV: &str = include_str!("../data/reference/networks_1920.csv");
const CCGS_CSV: &str = include_str!("../data/reference/ccgs_1920.csv");

/// The patient list a group's prevalence is measured on (`PATIENT_LIST_TYPE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListType {
    /// All registered patients.
    Total,
    /// Aged 16 or over.
    Ov16,
    /// Aged 17 or over.
    Ov17,
    /// Aged 18 or over.
    Ov18,
    /// Aged 30 to 74.
    Age30To74,
    /// Aged 50 or over.
    Ov50,
}

impl ListType {
    pub const ALL: [ListType; 6] = [
        ListType::Total,
        ListType::Ov16,
        ListType::Ov17,
        ListType::Ov18,
        ListType::Age30To74,
        ListType::Ov50,
    ];

    /// The code used by NHS Digital (`TOTAL`, `16OV`, `17OV`, `18OV`, `30_74`, `50OV`).
    pub fn code(self) -> &'static str {
        match self {
            ListType::Total => "TOTAL",
            ListType::Ov16 => "16OV",
            ListType::Ov17 => "17OV",
            ListType::Ov18 => "18OV",
            ListType::Age30To74 => "30_74",
            ListType::Ov50 => "50OV",
        }
    }

    /// Ages (in whole years on the period end date) on this list: `min..=max`.
    pub fn ages(self) -> (u32, u32) {
        match self {
            ListType::Total => (0, u32::MAX),
            ListType::Ov16 => (16, u32::MAX),
            ListType::Ov17 => (17, u32::MAX),
            ListType::Ov18 => (18, u32::MAX),
            ListType::Age30To74 => (30, 74),
            ListType::Ov50 => (50, u32::MAX),
        }
    }

    /// Whether a patient of this age is on the list.
    pub fn contains_age(self, age: u32) -> bool {
        let (lo, hi) = self.ages();
        age >= lo && age <= hi
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The 21 clinical groups with a register in the 2019/20 prevalence data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    Af,
    Ast,
    Can,
    Chd,
    Ckd,
    Copd,
    Cvdpp,
    Dem,
    Dep,
    Dm,
    Ep,
    Hf,
    Hyp,
    Ld,
    Mh,
    Ob,
    Ost,
    Pad,
    Pc,
    Ra,
    Stia,
}

impl Group {
    pub const ALL: [Group; 21] = [
        Group::Af,
        Group::Ast,
        Group::Can,
        Group::Chd,
        Group::Ckd,
        Group::Copd,
        Group::Cvdpp,
        Group::Dem,
        Group::Dep,
        Group::Dm,
        Group::Ep,
        Group::Hf,
        Group::Hyp,
        Group::Ld,
        Group::Mh,
        Group::Ob,
        Group::Ost,
        Group::Pad,
        Group::Pc,
        Group::Ra,
        Group::Stia,
    ];

    /// The NHS Digital group code (`AF`, `AST`, ...).
    pub fn code(self) -> &'static str {
        match self {
            Group::Af => "AF",
            Group::Ast => "AST",
            Group::Can => "CAN",
            Group::Chd => "CHD",
            Group::Ckd => "CKD",
            Group::Copd => "COPD",
            Group::Cvdpp => "CVDPP",
            Group::Dem => "DEM",
            Group::Dep => "DEP",
            Group::Dm => "DM",
            Group::Ep => "EP",
            Group::Hf => "HF",
            Group::Hyp => "HYP",
            Group::Ld => "LD",
            Group::Mh => "MH",
            Group::Ob => "OB",
            Group::Ost => "OST",
            Group::Pad => "PAD",
            Group::Pc => "PC",
            Group::Ra => "RA",
            Group::Stia => "STIA",
        }
    }

    /// Parses a group code, any case.
    pub fn from_code(code: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.code().eq_ignore_ascii_case(code))
    }

    /// The patient list type its prevalence is measured on (2019/20).
    pub fn list_type(self) -> ListType {
        match self {
            Group::Ckd | Group::Dep | Group::Ep | Group::Ob => ListType::Ov18,
            Group::Dm => ListType::Ov17,
            Group::Ra => ListType::Ov16,
            Group::Ost => ListType::Ov50,
            Group::Cvdpp => ListType::Age30To74,
            _ => ListType::Total,
        }
    }

    /// Position in [`Group::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One practice's 2019/20 reference figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferencePractice {
    pub practice_id: String,
    pub practice_name: String,
    pub network_id: String,
    pub ccg_id: String,
    /// List sizes indexed by [`ListType`] order (see [`ReferencePractice::list_size`]).
    pub list_sizes: [u32; 6],
    /// Registers indexed by [`Group`] order (see [`ReferencePractice::register`]).
    pub registers: [u32; 21],
}

impl ReferencePractice {
    pub fn list_size(&self, t: ListType) -> u32 {
        self.list_sizes[t.index()]
    }

    pub fn register(&self, g: Group) -> u32 {
        self.registers[g.index()]
    }
}

/// A primary care network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceNetwork {
    pub network_id: String,
    pub network_name: String,
    pub ccg_id: String,
}

/// A clinical commissioning group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceCcg {
    pub ccg_id: String,
    pub ccg_name: String,
    pub stp_id: String,
    pub stp_name: String,
    pub region_id: String,
    pub region_name: String,
}

/// Splits one line of the embedded CSV files (quoted fields, doubled quotes).
fn split_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, ',') => out.push(std::mem::take(&mut cur)),
            (false, '"') if cur.is_empty() => quoted = true,
            (true, '"') => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                } else {
                    quoted = false;
                }
            }
            (_, c) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn rows(csv: &'static str) -> impl Iterator<Item = Vec<String>> {
    csv.lines().skip(1).filter(|l| !l.is_empty()).map(split_line)
}

fn parse_practices() -> Vec<ReferencePractice> {
    rows(PRACTICES_CSV)
        .filter_map(|f| {
            if f.len() != 4 + 6 + 21 {
                return None;
            }
            let mut list_sizes = [0u32; 6];
            for (i, v) in f[4..10].iter().enumerate() {
                list_sizes[i] = v.parse().ok()?;
            }
            let mut registers = [0u32; 21];
            for (i, v) in f[10..31].iter().enumerate() {
                registers[i] = v.parse().ok()?;
            }
            let mut it = f.into_iter();
            Some(ReferencePractice {
                practice_id: it.next()?,
                practice_name: it.next()?,
                network_id: it.next()?,
                ccg_id: it.next()?,
                list_sizes,
                registers,
            })
        })
        .collect()
}

/// Every practice in the 2019/20 data (6,720), sorted by practice id.
pub fn practices_2019_20() -> &'static [ReferencePractice] {
    static CELL: OnceLock<Vec<ReferencePractice>> = OnceLock::new();
    CELL.get_or_init(parse_practices)
}

/// Every primary care network in the 2019/20 data (1,251), sorted by id.
pub fn networks_2019_20() -> &'static [ReferenceNetwork] {
    static CELL: OnceLock<Vec<ReferenceNetwork>> = OnceLock::new();
    CELL.get_or_init(|| {
        rows(NETWORKS_CSV)
            .filter_map(|f| {
                let mut it = f.into_iter();
                Some(ReferenceNetwork {
                    network_id: it.next()?,
                    network_name: it.next()?,
                    ccg_id: it.next()?,
                })
            })
            .collect()
    })
}

/// Every CCG in the 2019/20 data (135), sorted by id.
pub fn ccgs_2019_20() -> &'static [ReferenceCcg] {
    static CELL: OnceLock<Vec<ReferenceCcg>> = OnceLock::new();
    CELL.get_or_init(|| {
        rows(CCGS_CSV)
            .filter_map(|f| {
                let mut it = f.into_iter();
                Some(ReferenceCcg {
                    ccg_id: it.next()?,
                    ccg_name: it.next()?,
                    stp_id: it.next()?,
                    stp_name: it.next()?,
                    region_id: it.next()?,
                    region_name: it.next()?,
                })
            })
            .collect()
    })
}

/// National figures for one group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupNational {
    pub group: Group,
    /// The list type its prevalence is measured on.
    pub list_type: ListType,
    /// Sum of the group's registers over all practices.
    pub register: u64,
    /// Sum of the list sizes of the group's list type over all practices.
    pub list_size: u64,
    /// `register / list_size`, exact to 28 significant digits.
    pub prevalence: Decimal,
}

/// National figures derived from the embedded 2019/20 data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct National {
    /// Number of practices (6,720).
    pub practices: u64,
    /// Sum of TOTAL list sizes.
    pub total_list_size: u64,
    /// `total_list_size / practices`, exact to 28 significant digits. This is the average of
    /// the prevalence file's list sizes; the published CPI divisor for 2019/20 (8,479, list
    /// sizes at 1 January 2019) is a different, official figure.
    pub average_list_size: Decimal,
    /// One entry per group, in [`Group::ALL`] order.
    pub groups: Vec<GroupNational>,
}

impl National {
    pub fn group(&self, g: Group) -> &GroupNational {
        &self.groups[g.index()]
    }
}

/// National figures for 2019/20: per group the sum of registers, the sum of list sizes of its
/// patient-list type and the national prevalence; the national average list size.
pub fn national_2019_20() -> &'static National {
    static CELL: OnceLock<National> = OnceLock::new();
    CELL.get_or_init(|| {
        let practices = practices_2019_20();
        let n = practices.len() as u64;
        let total: u64 = practices.iter().map(|p| u64::from(p.list_size(ListType::Total))).sum();
        let groups = Group::ALL
            .iter()
            .map(|&g| {
                let register: u64 = practices.iter().map(|p| u64::from(p.register(g))).sum();
                let list_size: u64 =
                    practices.iter().map(|p| u64::from(p.list_size(g.list_type()))).sum();
                let prevalence = if list_size == 0 {
                    Decimal::ZERO
                } else {
                    Decimal::from(register) / Decimal::from(list_size)
                };
                GroupNational {
                    group: g,
                    list_type: g.list_type(),
                    register,
                    list_size,
                    prevalence,
                }
            })
            .collect();
        let average_list_size =
            if n == 0 { Decimal::ZERO } else { Decimal::from(total) / Decimal::from(n) };
        National { practices: n, total_list_size: total, average_list_size, groups }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_counts() {
        assert_eq!(practices_2019_20().len(), 6720);
        assert_eq!(networks_2019_20().len(), 1251);
        assert_eq!(ccgs_2019_20().len(), 135);
        let dudley = ccgs_2019_20().iter().find(|c| c.ccg_name == "NHS Dudley CCG").unwrap();
        let n = practices_2019_20().iter().filter(|p| p.ccg_id == dudley.ccg_id).count();
        assert_eq!(n, 44);
    }

    #[test]
    fn first_practice_matches_source() {
        // PREVALENCE_1920.csv rows of A81001 (The Densham Surgery).
        let p = &practices_2019_20()[0];
        assert_eq!(p.practice_id, "A81001");
        assert_eq!(p.practice_name, "The Densham Surgery");
        assert_eq!(p.list_size(ListType::Total), 4111);
        assert_eq!(p.list_size(ListType::Ov17), 3307);
        assert_eq!(p.register(Group::Dm), 286);
        assert_eq!(p.register(Group::Hyp), 616);
        assert_eq!(p.register(Group::Stia), 116);
    }

    #[test]
    fn quoted_names_parse() {
        assert_eq!(split_line("a,\"b, c\",\"d \"\"e\"\"\""), vec!["a", "b, c", "d \"e\""]);
        assert!(practices_2019_20().iter().any(|p| p.practice_name.contains(',')));
    }

    #[test]
    fn national_figures() {
        let n = national_2019_20();
        assert_eq!(n.practices, 6720);
        let dm = n.group(Group::Dm);
        assert_eq!(dm.list_type, ListType::Ov17);
        // Diabetes prevalence in England 2019/20 was 7.1% of patients aged 17+.
        assert!(dm.prevalence > Decimal::new(70, 3) && dm.prevalence < Decimal::new(72, 3));
        let hyp = n.group(Group::Hyp);
        assert!(hyp.prevalence > Decimal::new(13, 2) && hyp.prevalence < Decimal::new(15, 2));
        // About 60 million registered patients.
        assert!(n.total_list_size > 59_000_000 && n.total_list_size < 62_000_000);
        assert_eq!(n.average_list_size, Decimal::from(n.total_list_size) / Decimal::from(6720));
    }
}
