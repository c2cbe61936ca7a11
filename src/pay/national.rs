//! National figures: the average list size (for CPI) and national prevalence per group (for
//! APDF), stated by a scheme, embedded for a year, read from a prevalence file, or computed
//! from the practices evaluated. Which of these a run uses is decided in one place,
//! [`crate::national`]; this module only holds and reports them.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::input::PracticeData;
use super::numeric::{div, ser_dec, ser_opt_dec};
use super::scheme::PayGroup;

/// Where a national figure came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FigureSource {
    /// Stated by the scheme (e.g. `national average list size 8479`).
    Scheme,
    /// Read from a named file (e.g. NHS Digital's prevalence file).
    File(String),
    /// Embedded in qofrules, e.g. `England 2019/20` (from NHS Digital's prevalence file).
    Embedded(String),
    /// Computed from the practices evaluated.
    Computed {
        /// How many practices contributed.
        practices: usize,
    },
}

impl std::fmt::Display for FigureSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FigureSource::Scheme => f.write_str("scheme"),
            FigureSource::File(name) => write!(f, "file {name}"),
            FigureSource::Embedded(name) => write!(f, "{name} (embedded)"),
            FigureSource::Computed { practices } => {
                write!(f, "computed from {practices} practices evaluated")
            }
        }
    }
}

/// A group's national register and list size totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupTotals {
    /// Sum of the practices' registers.
    pub register: u64,
    /// Sum of the practices' list sizes of the group's list type.
    pub list_size: u64,
}

impl GroupTotals {
    /// National prevalence, register / list size (`None` when the list size is 0).
    pub fn prevalence(&self) -> Option<Decimal> {
        div(Decimal::from(self.register), Decimal::from(self.list_size))
    }
}

/// A group's national prevalence: totals (register and list size, as NHS Digital publishes
/// them), or a rate stated outright (`2.1%`, as worked examples give it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prevalence {
    /// Register and list size totals.
    Totals(GroupTotals),
    /// A fraction 0-1 (2.1% is `0.021`).
    Rate(Decimal),
}

impl Prevalence {
    /// Totals of a register and a list size.
    pub fn totals(register: u64, list_size: u64) -> Prevalence {
        Prevalence::Totals(GroupTotals { register, list_size })
    }

    /// The prevalence as a fraction (`None` when the list size is 0).
    pub fn value(&self) -> Option<Decimal> {
        match self {
            Prevalence::Totals(t) => t.prevalence(),
            Prevalence::Rate(r) => Some(*r),
        }
    }

    /// The prevalence as a ratio of whole numbers `(top, bottom)`, both above 0, when it has
    /// one that fits: totals are `(register, list size)`, a rate `m x 10^-s` is `(m, 10^s)`.
    /// `None` for a zero or unknown prevalence.
    pub fn ratio(&self) -> Option<(u64, u64)> {
        match *self {
            Prevalence::Totals(t) => {
                (t.register > 0 && t.list_size > 0).then_some((t.register, t.list_size))
            }
            Prevalence::Rate(r) => {
                if r <= Decimal::ZERO {
                    return None;
                }
                let m = u64::try_from(r.mantissa()).ok()?;
                let bottom = 10u64.checked_pow(r.scale())?;
                Some((m, bottom))
            }
        }
    }
}

/// One group's national figure and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupNational {
    /// The prevalence.
    pub prevalence: Prevalence,
    /// Where it came from.
    pub source: FigureSource,
}

impl GroupNational {
    /// Register and list size totals from `source`.
    pub fn totals(register: u64, list_size: u64, source: FigureSource) -> GroupNational {
        GroupNational { prevalence: Prevalence::totals(register, list_size), source }
    }
}

/// The national figures a payment run uses.
#[derive(Clone, Debug, PartialEq)]
pub struct NationalFigures {
    /// National average list size (TOTAL list), e.g. 8479 for 2019/20.
    pub average_list_size: Decimal,
    /// Where the average list size came from.
    pub average_source: FigureSource,
    /// National prevalence per group code.
    pub prevalence: BTreeMap<String, GroupNational>,
    /// Where the prevalence figures came from, as a whole (each group also says).
    pub prevalence_source: FigureSource,
}

impl NationalFigures {
    /// Figures given outright: every group's totals from `prevalence_source`.
    pub fn given(
        average_list_size: Decimal,
        average_source: FigureSource,
        prevalence: BTreeMap<String, GroupTotals>,
        prevalence_source: FigureSource,
    ) -> NationalFigures {
        let prevalence = prevalence
            .into_iter()
            .map(|(g, t)| {
                (
                    g,
                    GroupNational {
                        prevalence: Prevalence::Totals(t),
                        source: prevalence_source.clone(),
                    },
                )
            })
            .collect();
        NationalFigures { average_list_size, average_source, prevalence, prevalence_source }
    }

    /// Per group, the sums of registers and of list sizes of the group's list type over the
    /// practices in `data` that have both.
    pub fn group_totals(data: &PracticeData, groups: &[PayGroup]) -> BTreeMap<String, GroupTotals> {
        let mut prevalence = BTreeMap::new();
        for g in groups {
            let gc = data.find_group(&g.id);
            let lc = data.find_list_type(&g.list_type);
            let mut t = GroupTotals::default();
            for p in data.practices() {
                if let (Some(r), Some(l)) =
                    (PracticeData::register(p, gc), PracticeData::list_size(p, lc))
                {
                    t.register += u64::from(r);
                    t.list_size += u64::from(l);
                }
            }
            prevalence.insert(g.id.clone(), t);
        }
        prevalence
    }

    /// The average of the practices' TOTAL list sizes in `data` (over practices that have
    /// one; 0 when none has).
    pub fn average_of(data: &PracticeData) -> Decimal {
        let total = data.find_list_type("TOTAL");
        let mut sum = 0u64;
        let mut n = 0usize;
        for p in data.practices() {
            if let Some(l) = PracticeData::list_size(p, total) {
                sum += u64::from(l);
                n += 1;
            }
        }
        div(Decimal::from(sum), Decimal::from(n as u64)).unwrap_or(Decimal::ZERO)
    }

    /// Figures computed from the practices in `data`: the average of the practices' TOTAL list
    /// sizes, and per group the sums of registers and of list sizes ([`Self::group_totals`]).
    pub fn computed(data: &PracticeData, groups: &[PayGroup]) -> NationalFigures {
        let source = FigureSource::Computed { practices: data.practices().len() };
        NationalFigures::given(
            Self::average_of(data),
            source.clone(),
            Self::group_totals(data, groups),
            source,
        )
    }

    /// The same figures with the average list size replaced (QOF states it in the scheme while
    /// prevalence comes from the data).
    pub fn with_average_list_size(mut self, average: Decimal, source: FigureSource) -> Self {
        self.average_list_size = average;
        self.average_source = source;
        self
    }

    /// National prevalence of a group, if known and its list size is not zero.
    pub fn prevalence_of(&self, group: &str) -> Option<Decimal> {
        self.prevalence.get(group).and_then(|g| g.prevalence.value())
    }

    pub(crate) fn report(&self) -> NationalReport {
        NationalReport {
            average_list_size: self.average_list_size,
            average_list_size_source: self.average_source.to_string(),
            prevalence_source: self.prevalence_source.to_string(),
            prevalence: self
                .prevalence
                .iter()
                .map(|(k, g)| {
                    let (register, list_size) = match g.prevalence {
                        Prevalence::Totals(t) => (Some(t.register), Some(t.list_size)),
                        Prevalence::Rate(_) => (None, None),
                    };
                    (
                        k.clone(),
                        GroupPrevalenceReport {
                            register,
                            list_size,
                            prevalence: g.prevalence.value(),
                            source: g.source.to_string(),
                        },
                    )
                })
                .collect(),
        }
    }
}

/// The `national` block of a payment report.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NationalReport {
    /// National average list size.
    #[serde(serialize_with = "ser_dec")]
    #[cfg_attr(test, ts(type = "string"))]
    pub average_list_size: Decimal,
    /// Where it came from.
    pub average_list_size_source: String,
    /// Where the prevalence figures came from, as a whole.
    pub prevalence_source: String,
    /// Per group: totals (when known) and prevalence (a fraction 0-1).
    pub prevalence: BTreeMap<String, GroupPrevalenceReport>,
}

/// One group in the `national` block.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupPrevalenceReport {
    /// Sum of registers (`null` when the prevalence was stated as a rate).
    pub register: Option<u64>,
    /// Sum of list sizes of the group's list type (`null` for a rate).
    pub list_size: Option<u64>,
    /// The national prevalence, a fraction 0-1.
    #[serde(serialize_with = "ser_opt_dec")]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub prevalence: Option<Decimal>,
    /// Where this group's figure came from.
    pub source: String,
}
