//! National figures: the average list size (for CPI) and national prevalence per group (for
//! APDF), given by a scheme or a prevalence file, or computed from the practices evaluated.

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

/// The national figures a payment run uses.
#[derive(Clone, Debug, PartialEq)]
pub struct NationalFigures {
    /// National average list size (TOTAL list), e.g. 8479 for 2019/20.
    pub average_list_size: Decimal,
    /// Where the average list size came from.
    pub average_source: FigureSource,
    /// Register and list size totals per group code.
    pub prevalence: BTreeMap<String, GroupTotals>,
    /// Where the prevalence totals came from.
    pub prevalence_source: FigureSource,
}

impl NationalFigures {
    /// Figures given outright.
    pub fn given(
        average_list_size: Decimal,
        average_source: FigureSource,
        prevalence: BTreeMap<String, GroupTotals>,
        prevalence_source: FigureSource,
    ) -> NationalFigures {
        NationalFigures { average_list_size, average_source, prevalence, prevalence_source }
    }

    /// Figures computed from the practices in `data`: the average of the practices' TOTAL list
    /// sizes (over practices that have one), and per group the sums of registers and of list
    /// sizes of the group's list type (over practices that have both).
    pub fn computed(data: &PracticeData, groups: &[PayGroup]) -> NationalFigures {
        let total = data.find_list_type("TOTAL");
        let mut sum = 0u64;
        let mut n = 0usize;
        for p in data.practices() {
            if let Some(l) = PracticeData::list_size(p, total) {
                sum += u64::from(l);
                n += 1;
            }
        }
        let average_list_size =
            div(Decimal::from(sum), Decimal::from(n as u64)).unwrap_or(Decimal::ZERO);
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
        let source = FigureSource::Computed { practices: data.practices().len() };
        NationalFigures {
            average_list_size,
            average_source: source.clone(),
            prevalence,
            prevalence_source: source,
        }
    }

    /// The same figures with the average list size replaced (QOF states it in the scheme while
    /// prevalence comes from the data).
    pub fn with_average_list_size(mut self, average: Decimal, source: FigureSource) -> Self {
        self.average_list_size = average;
        self.average_source = source;
        self
    }

    /// National prevalence of a group, if known and the list size is not zero.
    pub fn prevalence_of(&self, group: &str) -> Option<Decimal> {
        self.prevalence.get(group).and_then(GroupTotals::prevalence)
    }

    pub(crate) fn report(&self) -> NationalReport {
        NationalReport {
            average_list_size: self.average_list_size,
            average_list_size_source: self.average_source.to_string(),
            prevalence_source: self.prevalence_source.to_string(),
            prevalence: self
                .prevalence
                .iter()
                .map(|(k, t)| {
                    (
                        k.clone(),
                        GroupPrevalenceReport {
                            register: t.register,
                            list_size: t.list_size,
                            prevalence: t.prevalence(),
                        },
                    )
                })
                .collect(),
        }
    }
}

/// The `national` block of a payment report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NationalReport {
    /// National average list size.
    #[serde(serialize_with = "ser_dec")]
    pub average_list_size: Decimal,
    /// Where it came from.
    pub average_list_size_source: String,
    /// Where the prevalence totals came from.
    pub prevalence_source: String,
    /// Per group: totals and prevalence (a fraction 0-1).
    pub prevalence: BTreeMap<String, GroupPrevalenceReport>,
}

/// One group in the `national` block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupPrevalenceReport {
    /// Sum of registers.
    pub register: u64,
    /// Sum of list sizes of the group's list type.
    pub list_size: u64,
    /// register / list size.
    #[serde(serialize_with = "ser_opt_dec")]
    pub prevalence: Option<Decimal>,
}
