//! Which national figures a payment run uses. Decided here, in one place, for `eval`,
//! `compare`, the editor's session and the library alike.
//!
//! - The national average list size (the CPI divisor) is the scheme's
//!   `national average list size`; a scheme of 2019/20 that does not state it gets England's
//!   8,479.
//! - National prevalence per group is, in order of precedence: the figure of a prevalence file
//!   given for the run ([`PrevalenceFrom::File`], the CLI's `--national FILE`); the figure
//!   the scheme states for the group (`national prevalence { AF 2.1% }`); the scheme's file
//!   (`national prevalence from "file.csv"`) or embedded figures
//!   (`national prevalence of England 2019/20`); and, for a scheme that says nothing,
//!   the figures embedded for its year (England 2019/20 for a 2019/20 scheme).
//! - The practices' own prevalence is used only when chosen ([`PrevalenceFrom::Population`],
//!   `--prevalence-from population`); then an average list size the scheme does not state is
//!   the practices' average too.
//!
//! A prevalence-adjusted group that weighs on money and has no figure is an error naming the
//! ways to give one, never a silent fallback.

use crate::diag::{Code, Diagnostic, Location, Severity};
use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::pay::{
    FigureSource, GroupNational, GroupTotals, NationalFigures, PayScheme, PaymentModel,
    PracticeData, Prevalence,
};
use crate::reference::{national_2019_20, Group};
use crate::scheme::{Scheme, StatedPrevalence};

/// The name of the embedded figures of England 2019/20 (NHS Digital's prevalence file).
pub const ENGLAND_2019_20: &str = "England 2019/20";

/// Every set of national figures qofrules embeds, by name (`national prevalence of NAME YEAR`).
pub const EMBEDDED: &[&str] = &[ENGLAND_2019_20];

/// England's national average list size for 2019/20, the CPI divisor (8,479 patients at
/// 1 January 2019; QOF guidance for 2019/20, NHS England and BMA). Not the average of the prevalence file's
/// list sizes, which is a later count.
pub const ENGLAND_2019_20_AVERAGE_LIST_SIZE: u32 = 8479;

/// Whether the embedded figures `name` have a national prevalence for `group`.
pub fn embedded_covers(name: &str, group: &str) -> bool {
    name == ENGLAND_2019_20 && Group::ALL.iter().any(|g| g.code() == group)
}

/// The embedded figures that are the default for a scheme whose year starts in `year`
/// (`2019` for 2019/20), if any.
pub fn embedded_for_year(year: Option<i32>) -> Option<&'static str> {
    (year == Some(2019)).then_some(ENGLAND_2019_20)
}

fn embedded_totals(name: &str, group: &str) -> Option<GroupTotals> {
    if name != ENGLAND_2019_20 {
        return None;
    }
    let g = Group::ALL.into_iter().find(|g| g.code() == group)?;
    let n = national_2019_20().group(g);
    Some(GroupTotals { register: n.register, list_size: n.list_size })
}

fn embedded_average(name: &str) -> Option<Decimal> {
    (name == ENGLAND_2019_20).then(|| Decimal::from(ENGLAND_2019_20_AVERAGE_LIST_SIZE))
}

/// The year a scheme's period starts in (April to March): `2019` for 2019/20.
pub fn scheme_year(scheme: &Scheme) -> i32 {
    let (y, m, _) = scheme.period_start.ymd();
    if m >= 4 {
        y
    } else {
        y - 1
    }
}

/// A prevalence file's national figures, summed per group
/// ([`crate::aggregate::sum_prevalence`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NationalFile {
    /// The file's name, for reports.
    pub name: String,
    /// Register and list size totals per group code.
    pub groups: BTreeMap<String, GroupTotals>,
}

impl NationalFile {
    /// Reads an NHS Digital prevalence file (`PRACTICE_CODE, GROUP_CODE, REGISTER,
    /// PATIENT_LIST_TYPE, PATIENT_LIST_SIZE`) and sums it per group.
    pub fn read(text: &str, name: &str) -> Result<NationalFile, crate::aggregate::DataError> {
        let (sums, _) = crate::aggregate::sum_prevalence(text, name)?;
        Ok(NationalFile {
            name: name.to_string(),
            groups: sums
                .into_iter()
                .map(|(g, s)| (g, GroupTotals { register: s.register, list_size: s.list_size }))
                .collect(),
        })
    }
}

/// Where a run's national prevalence comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PrevalenceFrom {
    /// The scheme's `national prevalence`, or the figures embedded for its year (the default).
    #[default]
    Scheme,
    /// A prevalence file's figures, in place of the scheme's for every group the file has.
    File(NationalFile),
    /// The practices' own prevalence: registers and list sizes summed over the practices
    /// paid. Only when chosen.
    Population,
}

/// Why a run has no national figures it needs: a message and how to give them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}\n  help: {help}")]
pub struct NationalError {
    pub message: String,
    pub help: String,
}

/// Whether `model` pays historic items that are not indicators with prevalence adjustment
/// (every register's prevalence then weighs on money).
pub fn pays_unmatched_adjusted(model: &PaymentModel) -> bool {
    match model {
        PaymentModel::Historic(h) => h.pay_unmatched_items && h.adjust_prevalence,
        PaymentModel::Blend(shares) => shares.iter().any(|s| pays_unmatched_adjusted(&s.model)),
        PaymentModel::Except { model, .. } | PaymentModel::ByIndicator { model, .. } => {
            pays_unmatched_adjusted(model)
        }
        PaymentModel::Performance | PaymentModel::HigherOf { .. } => false,
    }
}

/// The national figures for paying `data` under `scheme` (whose pay view is `pay`), chosen
/// by `from` as the module documentation says.
pub fn decide(
    scheme: &Scheme,
    pay: &PayScheme,
    data: &PracticeData,
    from: &PrevalenceFrom,
) -> Result<NationalFigures, NationalError> {
    let year = scheme_year(scheme);
    let default = embedded_for_year(Some(year));
    let year_label = format!("{year}/{:02}", (year + 1).rem_euclid(100));
    let (average, average_source) = match (scheme.national_average_list_size, default, from) {
        (Some(a), _, _) => (a, FigureSource::Scheme),
        (None, Some(e), _) => (
            embedded_average(e).unwrap_or(Decimal::ZERO),
            FigureSource::Embedded(e.to_string()),
        ),
        (None, None, PrevalenceFrom::Population) => (
            NationalFigures::average_of(data),
            FigureSource::Computed { practices: data.practices().len() },
        ),
        (None, None, _) => {
            return Err(NationalError {
                message: format!(
                    "scheme `{}` states no national average list size for {year_label}",
                    scheme.id
                ),
                help: "add `national average list size N` to its header (the year's CPI divisor, e.g. 8479 for 2019/20), or choose `--prevalence-from population` to use the practices' own average".to_string(),
            })
        }
    };
    if let PrevalenceFrom::Population = from {
        let source = FigureSource::Computed { practices: data.practices().len() };
        let n = NationalFigures::given(
            average,
            average_source,
            NationalFigures::group_totals(data, &pay.groups),
            source,
        );
        return Ok(n);
    }
    let stmt = scheme.national_prevalence.as_ref();
    let unmatched = pays_unmatched_adjusted(&pay.model);
    let mut prevalence = BTreeMap::new();
    let mut missing = Vec::new();
    for g in pay.groups.iter().filter(|g| g.prevalence_adjusted) {
        let id = g.id.as_str();
        let file = match from {
            PrevalenceFrom::File(f) => f.groups.get(id).map(|t| GroupNational {
                prevalence: Prevalence::Totals(*t),
                source: FigureSource::File(f.name.clone()),
            }),
            _ => None,
        };
        let stated = || {
            let s = stmt?;
            if let Some((_, v)) = s.groups.iter().find(|(x, _)| x == id) {
                let prevalence = match *v {
                    StatedPrevalence::Rate { rate } => Prevalence::Rate(rate),
                    StatedPrevalence::Totals { register, list_size } => {
                        Prevalence::totals(register, list_size)
                    }
                };
                return Some(GroupNational { prevalence, source: FigureSource::Scheme });
            }
            if let Some(f) = &s.file {
                if let Some((r, l, _)) = f.groups.get(id) {
                    return Some(GroupNational::totals(*r, *l, FigureSource::File(f.name.clone())));
                }
            }
            let e = s.embedded.as_deref()?;
            let t = embedded_totals(e, id)?;
            Some(GroupNational::totals(t.register, t.list_size, FigureSource::Embedded(e.into())))
        };
        let fallback = || {
            if stmt.is_some() {
                return None;
            }
            let e = default?;
            let t = embedded_totals(e, id)?;
            Some(GroupNational::totals(t.register, t.list_size, FigureSource::Embedded(e.into())))
        };
        match file.or_else(stated).or_else(fallback) {
            Some(n) => {
                prevalence.insert(g.id.clone(), n);
            }
            None => {
                let paid =
                    unmatched || pay.indicators.iter().any(|i| i.group == g.id && !i.monitored);
                if paid {
                    missing.push(g.id.clone());
                }
            }
        }
    }
    if !missing.is_empty() {
        let names = missing.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", ");
        let groups = if missing.len() == 1 { "group" } else { "groups" };
        let help = "state them in the scheme's `national prevalence` (`{ GROUP 1.2% }`), pass a prevalence file that has them with `--national FILE`, or make their registers `not prevalence adjusted`".to_string();
        return Err(match from {
            PrevalenceFrom::File(f) => NationalError {
                message: format!(
                    "no national prevalence for {groups} {names}: neither the scheme nor `{}` gives one",
                    f.name
                ),
                help,
            },
            _ if stmt.is_none() && default.is_none() => NationalError {
                message: format!(
                    "scheme `{}` states no national prevalence for {year_label}",
                    scheme.id
                ),
                help: "state the year's figures in its header (`national prevalence { DM 7.1%, ... }`, or `national prevalence from \"PREVALENCE.csv\"`), pass the published prevalence file with `--national FILE`, or choose `--prevalence-from population` to use the practices' own".to_string(),
            },
            _ => NationalError { message: format!("no national prevalence for {groups} {names}"), help },
        });
    }
    let overall = match (from, stmt, default) {
        (PrevalenceFrom::File(f), _, _) => FigureSource::File(f.name.clone()),
        (_, Some(s), _) => match (&s.embedded, &s.file) {
            (Some(e), _) => FigureSource::Embedded(e.clone()),
            (None, Some(f)) => FigureSource::File(f.name.clone()),
            (None, None) => FigureSource::Scheme,
        },
        (_, None, Some(e)) => FigureSource::Embedded(e.to_string()),
        (_, None, None) => FigureSource::Scheme,
    };
    Ok(NationalFigures {
        average_list_size: average,
        average_source,
        prevalence,
        prevalence_source: overall,
    })
}

impl From<&NationalError> for Diagnostic {
    /// A `national` error, with how to give the figures.
    fn from(e: &NationalError) -> Diagnostic {
        Diagnostic::at(Severity::Error, Code::National, Location::None, e.message.clone())
            .with_help(e.help.clone())
    }
}
