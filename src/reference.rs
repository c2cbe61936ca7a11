//! Real NHS Digital QOF 2019/20 reference figures, embedded: every practice in England with
//! its network and CCG, its patient list sizes per list type and its 21 registers; and the
//! national figures derived from them (register and list totals, national prevalence, the
//! national average list size).
//!
//! Source files and their derivation: `data/reference/README.md`. Parsed once, on first use.
//! The practices are embedded not as their CSV but as `build.rs` lays it out to compress well
//! in the wasm module (column by column, nested list sizes as differences; see `practices` in
//! `build.rs`); the tests check that it reads back the CSV exactly.

use rust_decimal::Decimal;
use std::sync::OnceLock;

/// `data/reference/practices_1920.csv` as `build.rs` writes it: the number of practices, then
/// the CSV's 31 columns one after another, one value a line.
const PRACTICES_COLUMNS: &str = include_str!(concat!(env!("OUT_DIR"), "/practices_1920.txt"));
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

include!("reference/split_line.rs");

fn rows(csv: &'static str) -> impl Iterator<Item = Vec<String>> {
    csv.lines().skip(1).filter(|l| !l.is_empty()).map(split_line)
}

/// The practices from [`PRACTICES_COLUMNS`]: column `c` is lines `1 + c * n ..= (c + 1) * n`;
/// columns 4-9 hold `list_total`, then `list_total - list_16ov`, `list_16ov - list_17ov`,
/// `list_17ov - list_18ov`, `list_18ov - list_30_74` and `list_18ov - list_50ov`. Empty if the
/// text is not of that shape (the tests would fail; it is made by `build.rs`).
fn parse_practices(text: &str) -> Vec<ReferencePractice> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(n) = lines.first().and_then(|l| l.parse::<usize>().ok()) else {
        return Vec::new();
    };
    if lines.len() != 1 + 31 * n {
        return Vec::new();
    }
    let column = |c: usize| &lines[1 + c * n..1 + (c + 1) * n];
    let number = |c: usize, i: usize| column(c)[i].parse::<i32>().ok().map(i64::from);
    (0..n)
        .map(|i| {
            let (total, d16, d17, d18) =
                (number(4, i)?, number(5, i)?, number(6, i)?, number(7, i)?);
            let (ov16, ov18) = (total - d16, total - d16 - d17 - d18);
            let lists = [total, ov16, ov16 - d17, ov18, ov18 - number(8, i)?, ov18 - number(9, i)?];
            let mut list_sizes = [0u32; 6];
            for (size, value) in list_sizes.iter_mut().zip(lists) {
                *size = u32::try_from(value).ok()?;
            }
            let mut registers = [0u32; 21];
            for (g, register) in registers.iter_mut().enumerate() {
                *register = u32::try_from(number(10 + g, i)?).ok()?;
            }
            Some(ReferencePractice {
                practice_id: column(0)[i].to_owned(),
                practice_name: column(1)[i].to_owned(),
                network_id: column(2)[i].to_owned(),
                ccg_id: column(3)[i].to_owned(),
                list_sizes,
                registers,
            })
        })
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default()
}

/// Every practice in the 2019/20 data (6,720), sorted by practice id.
pub fn practices_2019_20() -> &'static [ReferencePractice] {
    static CELL: OnceLock<Vec<ReferencePractice>> = OnceLock::new();
    CELL.get_or_init(|| parse_practices(PRACTICES_COLUMNS))
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

    /// The CSV row parse the practices had before they were embedded column by column.
    fn practices_from_csv(csv: &'static str) -> Vec<ReferencePractice> {
        rows(csv)
            .map(|f| {
                assert_eq!(f.len(), 31, "{f:?}");
                let number = |v: &String| v.parse::<u32>().unwrap();
                ReferencePractice {
                    practice_id: f[0].clone(),
                    practice_name: f[1].clone(),
                    network_id: f[2].clone(),
                    ccg_id: f[3].clone(),
                    list_sizes: std::array::from_fn(|i| number(&f[4 + i])),
                    registers: std::array::from_fn(|i| number(&f[10 + i])),
                }
            })
            .collect()
    }

    #[test]
    fn the_embedded_columns_read_back_the_csv_exactly() {
        let csv = practices_from_csv(include_str!("../data/reference/practices_1920.csv"));
        assert_eq!(csv.len(), 6720);
        let embedded = practices_2019_20();
        assert_eq!(embedded.len(), csv.len());
        for (e, c) in embedded.iter().zip(&csv) {
            assert_eq!(e, c);
        }
        // the layout is what compresses: columns, and the nested lists as small differences
        assert!(PRACTICES_COLUMNS.starts_with("6720\nA81001\nA81002\n"));
        let first = &csv[0];
        let list = |t: ListType| i64::from(first.list_size(t));
        let ov16_line = 1 + 5 * 6720;
        assert_eq!(
            PRACTICES_COLUMNS.lines().nth(ov16_line),
            Some((list(ListType::Total) - list(ListType::Ov16)).to_string().as_str())
        );
    }

    #[test]
    fn columns_of_the_wrong_shape_read_as_no_practices() {
        assert!(parse_practices("").is_empty());
        assert!(parse_practices("1\nA1\n").is_empty(), "too few lines");
        let one = |total: &str| {
            let mut t = format!("1\nA1\nName\nN1\nC1\n{total}\n");
            t.push_str(&"0\n".repeat(26));
            t
        };
        assert_eq!(parse_practices(&one("10")).len(), 1);
        assert_eq!(parse_practices(&one("10"))[0].list_size(ListType::Ov50), 10);
        assert!(parse_practices(&one("ten")).is_empty(), "not a number");
        assert!(parse_practices(&one("-1")).is_empty(), "a negative list size");
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
