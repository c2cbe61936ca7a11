//! The resolved scheme: what the checker produces from one root file and the schemes it
//! extends. Inheritance is applied, names are resolved and numbers are exact decimals; every
//! part remembers where it came from ([`Origin`]). Conditions are kept as written (the
//! syntax tree, for printing and diffs) and as resolved ([`Cond`]: names as indices, numbers
//! parsed), which the compiler lowers into the evaluator's IR without a lookup, so compiling a
//! checked scheme cannot fail.
//!
//! This is the interface between `check` (which builds it), `compile` / `pay` (which consume
//! it) and `inspect` / `compare` (which print and diff it).

use crate::date::Date;
use crate::syntax::ast::{self, Category, Expr, ReportDim, RoundingTarget, Span, Test};
use rust_decimal::Decimal;
use serde::Serialize;

pub mod cond;
pub use cond::Cond;

/// A node together with the index of the source file it was written in.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Located<T> {
    pub file: usize,
    pub node: T,
}

/// A condition: as written (`node`, in file `file`, for printing and diffs) and as resolved by
/// the checker (`cond`, for the compiler).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Condition {
    pub file: usize,
    pub node: Expr,
    #[serde(skip)]
    pub cond: Cond,
}

/// A reporting dimension: as written, and for a named classification each class's condition
/// resolved (`None` for `otherwise`; empty for the built-in dimensions).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub file: usize,
    pub node: ReportDim,
    #[serde(skip)]
    pub classes: Vec<Option<Cond>>,
}

/// A reference to a register: its id, and its index in [`Scheme::registers`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegisterRef {
    pub id: String,
    #[serde(skip)]
    pub index: usize,
}

/// How a part of the resolved scheme came to be.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Written in the root file.
    Defined,
    /// Inherited unchanged from an ancestor.
    Inherited,
    /// Inherited and changed by a `change` block (see `changed`).
    Changed,
}

/// Where a part came from: the file and span that defined it, the scheme id of that file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Origin {
    pub file: usize,
    pub span: Span,
    pub scheme: String,
    pub status: Status,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scheme {
    pub id: String,
    pub title: String,
    /// Scheme ids from this one up through its ancestors.
    pub lineage: Vec<String>,
    pub period_start: Date,
    /// The payment period end date (PPED).
    pub period_end: Date,
    pub point_value: Decimal,
    pub national_average_list_size: Option<Decimal>,
    /// The national prevalence the scheme states (`national prevalence ...`), if it does.
    /// Which figures a run uses is decided in [`crate::national`].
    pub national_prevalence: Option<NationalStatement>,
    pub rounding: Vec<(RoundingTarget, u32)>,
    /// `half up` (the default when `None`), `half even` or `toward zero`.
    pub rounding_mode: Option<ast::RoundingMode>,
    /// What one rounding of payments covers: each line (the default), group or practice.
    pub payment_per: ast::RoundingUnit,
    pub payment: PaymentModel,
    pub paid_to_networks: bool,
    /// Share of the previous year's achievement paid monthly (0-1).
    pub aspiration: Option<Decimal>,
    /// `empty denominator scores full`.
    pub empty_denominator_full: bool,
    pub reports: Vec<Report>,
    pub codelists: Vec<Codelist>,
    pub registers: Vec<Register>,
    pub defines: Vec<Define>,
    pub indicators: Vec<Indicator>,
    pub gateways: Vec<Gateway>,
    pub tiers: Vec<Tier>,
    pub obligations: Vec<Obligation>,
    /// Declared adjustment categories (`category NAME "..."`), the scheme's and its
    /// ancestors'.
    pub categories: Vec<CategoryDef>,
    /// The tests the scheme runs: those it inherits (oldest first, less those dropped or
    /// replaced, and less the expectations of indicators it retired), then the root file's own.
    pub tests: Vec<Located<Test>>,
    /// The period end date each file of the chain is written for (its own `period`, or the
    /// nearest parent's), sorted by file: an inherited test's dates are moved from its file's period
    /// to this scheme's before it runs.
    pub test_periods: Vec<(usize, crate::date::Date)>,
}

impl Scheme {
    pub fn codelist(&self, id: &str) -> Option<&Codelist> {
        self.codelists.iter().find(|c| c.id == id)
    }
    pub fn register(&self, id: &str) -> Option<&Register> {
        self.registers.iter().find(|c| c.id == id)
    }
    pub fn define(&self, id: &str) -> Option<&Define> {
        self.defines.iter().find(|c| c.id == id)
    }
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|c| c.id == id)
    }
}

/// A scheme's `national prevalence` statement, resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NationalStatement {
    /// Figures embedded in qofrules (`of England 2019/20`), by their name.
    pub embedded: Option<String>,
    /// A prevalence file (`from "file.csv"`), summed.
    pub file: Option<NationalFile>,
    /// Figures stated per group; they take precedence over the embedded or file figures.
    pub groups: Vec<(String, StatedPrevalence)>,
    /// The file and span of the statement.
    pub file_index: usize,
    pub span: Span,
}

impl NationalStatement {
    /// Whether the statement gives a figure for `group`.
    pub fn covers(&self, group: &str) -> bool {
        self.groups.iter().any(|(g, _)| g == group)
            || self.file.as_ref().is_some_and(|f| f.groups.contains_key(group))
            || self.embedded.as_deref().is_some_and(|e| crate::national::embedded_covers(e, group))
    }
}

impl NationalStatement {
    /// A one-line description: `England 2019/20 (embedded); file x.csv; AF 2.1%, DM 3 / 40`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(e) = &self.embedded {
            parts.push(format!("{e} (embedded)"));
        }
        if let Some(f) = &self.file {
            parts.push(format!("file {}", f.name));
        }
        if !self.groups.is_empty() {
            let groups: Vec<String> =
                self.groups.iter().map(|(g, v)| format!("{g} {}", v.describe())).collect();
            parts.push(groups.join(", "));
        }
        parts.join("; ")
    }
}

impl StatedPrevalence {
    /// As written: `2.1%` or `3455176 / 48829165`.
    pub fn describe(&self) -> String {
        match self {
            StatedPrevalence::Rate { rate } => {
                format!("{}%", (*rate * Decimal::ONE_HUNDRED).normalize())
            }
            StatedPrevalence::Totals { register, list_size } => format!("{register} / {list_size}"),
        }
    }
}

/// A prevalence file named by a scheme, summed per group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NationalFile {
    /// The file's name, as found among the sources.
    pub name: String,
    /// Per group code: summed register, list size and the list type they are on.
    pub groups: std::collections::BTreeMap<String, (u64, u64, String)>,
    /// How many practices it has.
    pub practices: usize,
}

/// One group's national prevalence as a scheme states it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "figure", rename_all = "snake_case")]
pub enum StatedPrevalence {
    /// A fraction 0-1 (`2.1%` is 0.021).
    Rate { rate: Decimal },
    /// Register and list size totals.
    Totals { register: u64, list_size: u64 },
}

/// A resolved payment model.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum PaymentModel {
    Performance,
    /// Paid on a prior year's achievement (`year` as written, e.g. `2016/17`).
    Historic {
        year: String,
        prevalence: bool,
        list_size: bool,
        /// `in pounds`: the year's pounds as paid, not its points repriced.
        pounds: bool,
    },
    /// Shares (0-1, summing to 1) of several models.
    Blend {
        parts: Vec<(Decimal, PaymentModel)>,
    },
    /// Per indicator the higher of two models; `except` indicators are paid on `on`
    /// (performance unless stated).
    HigherOf {
        a: Box<PaymentModel>,
        b: Box<PaymentModel>,
        except: Vec<String>,
        on: Box<PaymentModel>,
    },
    /// `base`, except the listed indicators, paid on `on` (income protection for a subset).
    Except {
        base: Box<PaymentModel>,
        except: Vec<String>,
        on: Box<PaymentModel>,
    },
    /// Per-domain and per-group models (`domain inactive payment historic 2016/17`): each
    /// part's indicators are paid on its model, every other indicator on `base`.
    ByIndicator {
        base: Box<PaymentModel>,
        parts: Vec<PaymentPart>,
    },
}

/// The model of one domain's or group's indicators.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PaymentPart {
    /// `domain` or `group`.
    pub of: &'static str,
    /// The domain or group as written.
    pub name: String,
    /// The indicators it pays (a group's model wins over its domain's).
    pub indicators: Vec<String>,
    pub model: PaymentModel,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Codelist {
    pub id: String,
    pub title: String,
    /// Sorted, deduplicated SNOMED CT concept ids (unions expanded).
    pub codes: Vec<u64>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Register {
    pub id: String,
    pub title: String,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    pub filter: Option<Condition>,
    pub prevalence_adjusted: bool,
    /// Patient-list type prevalence is measured on (`TOTAL`, `17OV`, ...).
    pub list_type: ListType,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Define {
    pub id: String,
    pub title: Option<String>,
    pub expr: Condition,
    pub origin: Origin,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Boolean: achieved when the register is kept.
    Register,
    /// Boolean: attested per practice.
    Attested,
    /// Numerator / denominator with thresholds.
    Fraction,
}

/// Thresholds as fractions 0-1 (35% is 0.35).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Thresholds {
    pub lower: Decimal,
    pub upper: Decimal,
    /// Points earned on reaching the lower threshold (`with N points at lower threshold`;
    /// 0 when not written): the rest are earned linearly up to the upper threshold.
    pub lower_points: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "cohort", content = "register", rename_all = "snake_case")]
pub enum Cohort {
    AllPatients,
    Register(RegisterRef),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Adjustment {
    pub category: Category,
    pub label: Option<String>,
    pub when: Condition,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stratum {
    pub id: String,
    /// `None` for `otherwise`.
    pub when: Option<Condition>,
    pub achieved: Option<Condition>,
    pub thresholds: Option<Thresholds>,
    pub points: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Indicator {
    pub id: String,
    pub title: String,
    pub group: String,
    pub domain: String,
    pub kind: Kind,
    /// For `Kind::Register`: the register kept.
    pub register: Option<RegisterRef>,
    pub network: bool,
    pub monitored: bool,
    pub points: Decimal,
    pub thresholds: Option<Thresholds>,
    pub cohort: Option<Cohort>,
    pub filter: Option<Condition>,
    pub exclude: Option<Condition>,
    pub achieved: Option<Condition>,
    pub adjustments: Vec<Adjustment>,
    /// The named set the adjustments come from (`adjustments NAME`), if any.
    pub adjustment_set: Option<String>,
    pub strata: Vec<Stratum>,
    pub reports: Vec<Report>,
    pub origin: Origin,
    /// Statement kinds replaced by `change` blocks (e.g. `["thresholds"]`).
    pub changed: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gateway {
    pub id: String,
    pub title: String,
    /// Attested indicators that must all be met.
    pub requires: Vec<String>,
    pub pays: Option<Decimal>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tier {
    pub id: String,
    pub title: String,
    /// A gateway or another tier.
    pub requires: String,
    /// Indicator ids or group ids that pay only when `requires` is met.
    pub includes: Vec<String>,
    pub pays: Option<Decimal>,
    pub origin: Origin,
}

/// A declared adjustment category.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CategoryDef {
    pub id: String,
    pub title: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Obligation {
    pub id: String,
    pub title: String,
    pub workstream: Option<String>,
    pub origin: Origin,
}

/// Source files of one run: the root file, the files it may extend, and the shipped schemes.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
}

#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Name as shown in diagnostics (a path, or `rules/qof-2019-20.qof` for shipped ones).
    pub name: String,
    pub text: String,
    /// The line starts of `text`, built once, on first use ([`SourceFile::line_index`]).
    lines: std::sync::OnceLock<crate::diag::LineIndex>,
}

impl SourceFile {
    /// The text's line index, built on first use and kept: every diagnostic and every line
    /// number of a file shares one (one per message made a file of many messages quadratic).
    pub fn line_index(&self) -> &crate::diag::LineIndex {
        self.lines.get_or_init(|| crate::diag::LineIndex::new(&self.text))
    }
}

impl Sources {
    /// A diagnostic as a code frame ([`crate::diag::render`]) in its file, if it has one.
    pub fn render(&self, d: &crate::diag::Diagnostic) -> String {
        match d.source().and_then(|(f, _)| self.files.get(f)) {
            Some(f) => crate::diag::render_indexed(d, &f.name, &f.text, f.line_index()),
            None => crate::diag::render(d, "", ""),
        }
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> usize {
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
            lines: std::sync::OnceLock::new(),
        });
        self.files.len() - 1
    }
}

/// A patient-list type: the registered patients whose age at the PPED is in the range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListType {
    /// The name as written (`TOTAL`, `17OV`, `30_74`).
    pub id: String,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
}

impl ListType {
    /// Every registered patient.
    pub fn total() -> ListType {
        ListType { id: "TOTAL".into(), min_age: None, max_age: None }
    }

    /// Reads a list-type name: `TOTAL` (everybody), `17OV` (aged 17 or over), `30_74`
    /// (aged 30 to 74 inclusive). `None` when the name follows none of these forms.
    pub fn parse(id: &str) -> Option<ListType> {
        let lt = |min, max| Some(ListType { id: id.to_string(), min_age: min, max_age: max });
        let up = id.to_ascii_uppercase();
        if up == "TOTAL" {
            return lt(None, None);
        }
        if let Some(n) = up.strip_suffix("OV") {
            return n.parse::<i32>().ok().and_then(|n| lt(Some(n), None));
        }
        if let Some((a, b)) = up.split_once('_') {
            let a = a.parse::<i32>().ok()?;
            let b = b.parse::<i32>().ok()?;
            return if a <= b { lt(Some(a), Some(b)) } else { None };
        }
        None
    }

    /// Whether a patient aged `age` at the PPED is counted.
    pub fn contains(&self, age: i32) -> bool {
        self.min_age.map_or(true, |m| age >= m) && self.max_age.map_or(true, |m| age <= m)
    }
}

/// Re-exported so consumers need not reach into the syntax tree for these.
pub use ast::Outcome;
