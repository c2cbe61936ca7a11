//! The syntax tree of one rule file. Every node carries the [`Span`] of the text it came from,
//! so that every later phase can point at the exact source of a problem.
//!
//! The tree is a faithful record of what was written: names are not resolved, numbers are kept
//! as written (as decimal strings) and nothing is inherited. The checker resolves it.

// Nodes are built once per parse and walked a few times; variant size does not matter here.
#![allow(clippy::large_enum_variant)]

use crate::date::Date;
use serde::Serialize;

/// A byte range `start..end` in one source file.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: start as u32, end: end as u32 }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A name as written, with its span.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal (escapes resolved).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

/// A decimal number as written (`17`, `187.74`, `-3`). Kept as text so that money and
/// percentages never pass through binary floating point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Num {
    pub text: String,
    pub span: Span,
}

/// A date literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DateLit {
    pub date: Date,
    pub span: Span,
}

/// A QOF year such as `2016/17`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Year {
    pub text: String,
    pub span: Span,
}

/// One parsed rule file.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct File {
    pub items: Vec<Item>,
    /// Every `//` comment with its span (the formatter puts them back).
    pub comments: Vec<Span>,
    /// The text the parser skipped after syntax errors (empty when the file parsed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
}

/// Text skipped by the parser's error recovery: a statement inside a block (the item around
/// it is kept, without that statement) or a whole item (then `declares` is the name it
/// declares, if one could be read, so that the checker does not call that name undefined).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub span: Span,
    pub declares: Option<Ident>,
}

impl Span {
    /// True when `other` lies within this span.
    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
    /// True when the two spans share at least one byte (or an empty span lies inside).
    pub fn overlaps(self, other: Span) -> bool {
        self.start < other.end.max(other.start + 1) && other.start < self.end.max(self.start + 1)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum Item {
    Scheme(Scheme),
    Codelist(Codelist),
    Register(Register),
    Define(Define),
    Indicator(Indicator),
    Keep(NameList),
    Retire(NameList),
    RetireTest(RetireTest),
    Change(Change),
    Gateway(Gateway),
    Tier(Tier),
    Obligation(Obligation),
    Test(Test),
    /// `category NAME ["description"]`: a declared adjustment category.
    Category(CategoryDecl),
    /// `adjustments NAME { ... }`: a named set of adjustments.
    Adjustments(AdjustmentSet),
    /// `for each N in 1 to 9 { ... }`: a family of items, one copy of the body per value.
    ForEach(ForEach),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Scheme(x) => x.span,
            Item::Codelist(x) => x.span,
            Item::Register(x) => x.span,
            Item::Define(x) => x.span,
            Item::Indicator(x) => x.span,
            Item::Keep(x) | Item::Retire(x) => x.span,
            Item::RetireTest(x) => x.span,
            Item::Change(x) => x.span,
            Item::Gateway(x) => x.span,
            Item::Tier(x) => x.span,
            Item::Obligation(x) => x.span,
            Item::Test(x) => x.span,
            Item::Category(x) => x.span,
            Item::Adjustments(x) => x.span,
            Item::ForEach(x) => x.span,
        }
    }
}

/// `for each VAR in VALUES { ITEMS }`. The parser builds the body twice over: as written
/// (`items`, placeholders such as `CC{N}` kept, which the formatter prints) and once per value
/// (`instances`, every `{VAR}` in a name or string replaced by the value, which the checker
/// reads through [`File::expanded`]). Every span of an instance points into the body as
/// written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ForEach {
    pub var: Ident,
    pub values: ForValues,
    pub items: Vec<Item>,
    pub instances: Vec<Instance>,
    /// `for each N in 1 to 9`, the text before the body's `{`.
    pub header: Span,
    pub span: Span,
}

/// The values of a `for each`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ForValues {
    /// `1 to 9`: whole numbers, both ends included.
    Range { from: Num, to: Num },
    /// `AF, CHD, HF`: words or numbers, as written.
    List { values: Vec<Ident> },
}

/// One copy of a `for each` body.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Instance {
    pub value: String,
    pub items: Vec<Item>,
}

impl File {
    /// The items with every `for each` replaced by its instances, in order: what the checker
    /// reads. Borrowed, so a file without `for each` costs nothing.
    pub fn expanded(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().flat_map(|item| {
            let (one, many): (&[Item], &[Instance]) = match item {
                Item::ForEach(f) => (&[], &f.instances),
                other => (std::slice::from_ref(other), &[]),
            };
            one.iter().chain(many.iter().flat_map(|i| i.items.iter()))
        })
    }
}

/// `keep A, B` / `retire A, B`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NameList {
    pub names: Vec<Ident>,
    pub span: Span,
}

// ------------------------------------------------------------------ scheme header

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scheme {
    pub id: Ident,
    pub title: Text,
    pub extends: Option<Ident>,
    pub stmts: Vec<SchemeStmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "stmt", rename_all = "snake_case")]
pub enum SchemeStmt {
    Period {
        start: DateLit,
        end: DateLit,
        span: Span,
    },
    PointValue {
        value: Num,
        span: Span,
    },
    ListSize {
        value: Num,
        span: Span,
    },
    /// `national prevalence [from "file.csv" | of England 2019/20] [{ GROUP figure, ... }]`.
    NationalPrevalence {
        base: Option<NationalBase>,
        groups: Vec<NationalGroup>,
        span: Span,
    },
    /// `rounding none` (no items, no mode) or `rounding T N decimals [per UNIT], ..., MODE`.
    Rounding {
        items: Vec<RoundingItem>,
        modes: Vec<(RoundingMode, Span)>,
        span: Span,
    },
    Payment {
        model: PaymentModel,
        to_networks: bool,
        span: Span,
    },
    /// `domain NAME payment MODEL` or `group NAME payment MODEL`.
    PaymentFor {
        group: bool,
        name: Ident,
        model: PaymentModel,
        span: Span,
    },
    Aspiration {
        share: Num,
        span: Span,
    },
    Report(ReportDim),
    ZeroDenominator {
        full: bool,
        span: Span,
    },
}

impl SchemeStmt {
    pub fn span(&self) -> Span {
        match self {
            SchemeStmt::Period { span, .. }
            | SchemeStmt::PointValue { span, .. }
            | SchemeStmt::ListSize { span, .. }
            | SchemeStmt::NationalPrevalence { span, .. }
            | SchemeStmt::Rounding { span, .. }
            | SchemeStmt::Payment { span, .. }
            | SchemeStmt::PaymentFor { span, .. }
            | SchemeStmt::Aspiration { span, .. }
            | SchemeStmt::ZeroDenominator { span, .. } => *span,
            SchemeStmt::Report(d) => d.span,
        }
    }
}

/// Where a scheme's national prevalence figures come from, besides those it states per group.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "base", rename_all = "snake_case")]
pub enum NationalBase {
    /// `from "file.csv"`: an NHS Digital prevalence file next to the rule file, summed.
    File { path: Text, span: Span },
    /// `of England 2019/20`: figures embedded in qofrules.
    Embedded { name: Ident, year: Year, span: Span },
}

/// One group's national prevalence, as stated: `AF 2.1%` or `DM 3455176 / 48829165`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NationalGroup {
    pub group: Ident,
    pub figure: NationalFigure,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "figure", rename_all = "snake_case")]
pub enum NationalFigure {
    /// A percentage (`2.1%`; the number without the sign).
    Rate { percent: Num },
    /// Register and list size totals.
    Totals { register: Num, list_size: Num },
}

/// What a rounding rule applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingTarget {
    Achievement,
    Points,
    Cpi,
    Apdf,
    Payment,
}

impl RoundingTarget {
    /// As written: `achievement`, `points`, `cpi`, `apdf`, `payment`.
    pub fn word(self) -> &'static str {
        match self {
            RoundingTarget::Achievement => "achievement",
            RoundingTarget::Points => "points",
            RoundingTarget::Cpi => "cpi",
            RoundingTarget::Apdf => "apdf",
            RoundingTarget::Payment => "payment",
        }
    }
}

impl RoundingMode {
    /// As written: `half up`, `half even`, `toward zero`.
    pub fn words(self) -> &'static str {
        match self {
            RoundingMode::HalfUp => "half up",
            RoundingMode::HalfEven => "half even",
            RoundingMode::TowardZero => "toward zero",
        }
    }
}

impl RoundingUnit {
    /// As written: `line`, `group`, `practice`.
    pub fn word(self) -> &'static str {
        match self {
            RoundingUnit::Line => "line",
            RoundingUnit::Group => "group",
            RoundingUnit::Practice => "practice",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoundingItem {
    pub target: RoundingTarget,
    pub places: Num,
    /// `per line | group | practice`: what one rounding covers (payments only).
    pub per: Option<(RoundingUnit, Span)>,
    pub span: Span,
}

/// How halves (and the digits dropped) are rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// `half up`: halves away from zero (0.125 -> 0.13).
    HalfUp,
    /// `half even`: halves to the even neighbour (0.125 -> 0.12).
    HalfEven,
    /// `toward zero`: the dropped digits are cut (0.129 -> 0.12).
    TowardZero,
}

/// What one rounding of payments covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingUnit {
    /// Each payment line (indicator, historic item), the default.
    #[default]
    Line,
    /// The sum of a practice's lines of one group (a QOF "domain value").
    Group,
    /// The sum of a practice's lines.
    Practice,
}

/// A payment model.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum PaymentModel {
    Performance {
        span: Span,
    },
    /// `historic YEAR [in pounds | adjusted for ...]`.
    Historic {
        year: Year,
        prevalence: bool,
        list_size: bool,
        pounds: bool,
        span: Span,
    },
    Blend {
        parts: Vec<(Num, PaymentModel)>,
        span: Span,
    },
    /// `higher of A and B [except X, Y [on MODEL]]`.
    HigherOf {
        a: Box<PaymentModel>,
        b: Box<PaymentModel>,
        except: Vec<Ident>,
        on: Option<Box<PaymentModel>>,
        span: Span,
    },
    /// `MODEL except X, Y [on MODEL]`: the listed indicators are paid on the second model
    /// (performance if not given).
    Except {
        base: Box<PaymentModel>,
        except: Vec<Ident>,
        on: Option<Box<PaymentModel>>,
        span: Span,
    },
}

impl PaymentModel {
    pub fn span(&self) -> Span {
        match self {
            PaymentModel::Performance { span }
            | PaymentModel::Historic { span, .. }
            | PaymentModel::Blend { span, .. }
            | PaymentModel::HigherOf { span, .. }
            | PaymentModel::Except { span, .. } => *span,
        }
    }
}

// ------------------------------------------------------------------ reporting strata

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportDim {
    pub kind: ReportKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum ReportKind {
    /// Age bands at the period end: `(from, Some(to))` or `(from, None)` for `80+`.
    AgeBand {
        bands: Vec<(u32, Option<u32>, Span)>,
    },
    Sex,
    DeprivationDecile,
    /// A named classification: each class with its condition (`None` = otherwise).
    Custom {
        name: Ident,
        classes: Vec<(Ident, Option<Expr>)>,
    },
}

// ------------------------------------------------------------------ code lists, registers, defines

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Codelist {
    pub id: Ident,
    pub title: Text,
    pub body: CodelistBody,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum CodelistBody {
    /// SNOMED CT concept ids written inline, each with its span.
    Inline { codes: Vec<(u64, Span)> },
    /// Codes read from a CSV file named relative to the rule file.
    File { path: Text },
    /// The union of other code lists.
    Union { lists: Vec<Ident> },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Register {
    pub id: Ident,
    pub title: Text,
    pub stmts: Vec<RegisterStmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "stmt", rename_all = "snake_case")]
pub enum RegisterStmt {
    Age(AgeRange),
    Where(Expr),
    Prevalence { adjusted: bool, span: Span },
    List { list_type: Ident },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgeRange {
    /// Inclusive bounds in whole years (or whole months) at the period end.
    pub min: Option<u32>,
    pub max: Option<u32>,
    /// The bounds are whole months (`aged 8 to 19 months`), not whole years.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub months: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Define {
    pub id: Ident,
    pub title: Option<Text>,
    pub expr: Expr,
    pub span: Span,
}

// ------------------------------------------------------------------ indicators

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Indicator {
    pub id: Ident,
    pub title: Text,
    pub network: bool,
    pub stmts: Vec<IndStmt>,
    pub span: Span,
}

/// `change ID { ... }`: the statements replace the inherited ones of the same kind.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub id: Ident,
    pub stmts: Vec<IndStmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "stmt", rename_all = "snake_case")]
pub enum IndStmt {
    Title(Text),
    Group(Ident),
    Domain(Ident),
    Points(Num),
    Thresholds {
        lower: Num,
        upper: Num,
        /// `with N points at lower threshold`: the points earned on reaching the lower
        /// threshold (the rest are earned linearly up to the upper threshold).
        #[serde(skip_serializing_if = "Option::is_none")]
        lower_points: Option<Num>,
        span: Span,
    },
    /// Boolean register indicator: achieved when the register is kept.
    RegisterKind(Ident),
    Attested(Span),
    Monitored(Span),
    Denominator {
        cohort: Cohort,
        filter: Option<Expr>,
        span: Span,
    },
    Exclude(Expr),
    Achieved(Expr),
    Adjustments {
        items: Vec<Adjustment>,
        span: Span,
    },
    Stratum(Stratum),
    Report(ReportDim),
    /// `adjustments NAME`: the named set's adjustments.
    AdjustmentsRef {
        set: Ident,
        span: Span,
    },
}

impl IndStmt {
    /// The statement's kind, used to match `change` statements with inherited ones.
    pub fn kind(&self) -> &'static str {
        match self {
            IndStmt::Title(_) => "title",
            IndStmt::Group(_) => "group",
            IndStmt::Domain(_) => "domain",
            IndStmt::Points(_) => "points",
            IndStmt::Thresholds { .. } => "thresholds",
            IndStmt::RegisterKind(_) => "kind",
            IndStmt::Attested(_) => "kind",
            IndStmt::Monitored(_) => "monitored",
            IndStmt::Denominator { .. } => "denominator",
            IndStmt::Exclude(_) => "exclude",
            IndStmt::Achieved(_) => "achieved",
            IndStmt::Adjustments { .. } | IndStmt::AdjustmentsRef { .. } => "adjustments",
            IndStmt::Stratum(_) => "strata",
            IndStmt::Report(_) => "report",
        }
    }

    pub fn span(&self) -> Span {
        match self {
            IndStmt::Title(t) => t.span,
            IndStmt::Group(i) | IndStmt::Domain(i) | IndStmt::RegisterKind(i) => i.span,
            IndStmt::Points(n) => n.span,
            IndStmt::Thresholds { span, .. }
            | IndStmt::Denominator { span, .. }
            | IndStmt::Adjustments { span, .. }
            | IndStmt::AdjustmentsRef { span, .. } => *span,
            IndStmt::Attested(s) | IndStmt::Monitored(s) => *s,
            IndStmt::Exclude(e) | IndStmt::Achieved(e) => e.span,
            IndStmt::Stratum(s) => s.span,
            IndStmt::Report(r) => r.span,
        }
    }
}

/// Who an indicator's denominator starts from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "cohort", rename_all = "snake_case")]
pub enum Cohort {
    /// Every registered patient.
    AllPatients { span: Span },
    /// The patients on a register.
    Register { register: Ident },
}

/// The category of a personalised care adjustment (or exception).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "category", content = "name", rename_all = "snake_case")]
pub enum Category {
    Unsuitable,
    ChoseNotTo,
    NoResponse,
    ServiceUnavailable,
    NewPatient,
    Custom(String),
}

impl Category {
    /// The stable key used in outputs (`pcas_by_category`).
    pub fn key(&self) -> &str {
        match self {
            Category::Unsuitable => "unsuitable",
            Category::ChoseNotTo => "chose_not_to",
            Category::NoResponse => "no_response",
            Category::ServiceUnavailable => "service_unavailable",
            Category::NewPatient => "new_patient",
            Category::Custom(s) => s,
        }
    }
    /// The category as written in the language.
    pub fn source(&self) -> &str {
        match self {
            Category::Unsuitable => "unsuitable",
            Category::ChoseNotTo => "chose not to",
            Category::NoResponse => "no response",
            Category::ServiceUnavailable => "service unavailable",
            Category::NewPatient => "new patient",
            Category::Custom(s) => s,
        }
    }
}

/// `adjustments NAME { ... }`: adjustments shared by the indicators that name them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdjustmentSet {
    pub id: Ident,
    pub items: Vec<Adjustment>,
    pub span: Span,
}

/// `category NAME ["description"]`: an adjustment category of the scheme's own.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CategoryDecl {
    pub id: Ident,
    pub title: Option<Text>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Adjustment {
    pub category: Category,
    pub category_span: Span,
    /// A scheme-defined category's description.
    pub label: Option<Text>,
    pub when: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stratum {
    pub id: Ident,
    /// `None` for `otherwise`.
    pub when: Option<Expr>,
    pub stmts: Vec<IndStmt>,
    pub span: Span,
}

// ------------------------------------------------------------------ gateways, tiers, obligations

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gateway {
    pub id: Ident,
    pub title: Text,
    pub requires: Vec<Ident>,
    pub pays: Option<Pays>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pays {
    pub amount: Num,
    pub once: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tier {
    pub id: Ident,
    pub title: Text,
    pub requires: Ident,
    pub includes: Vec<Ident>,
    pub pays: Option<Pays>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Obligation {
    pub id: Ident,
    pub title: Text,
    pub workstream: Option<Ident>,
    pub span: Span,
}

// ------------------------------------------------------------------ tests

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Test {
    pub name: Text,
    pub patient: TestPatient,
    /// The patients after the first: a test with several is a small practice.
    pub more_patients: Vec<TestPatient>,
    /// `list size N`: the test practice's list size (of every list type).
    pub list_size: Option<Num>,
    pub expects: Vec<Expect>,
    /// `expect DM020 points 12.5`, `expect practice payment £1234.56`.
    pub figures: Vec<ExpectFigure>,
    pub span: Span,
}

impl Test {
    /// Every patient of the test, in written order.
    pub fn patients(&self) -> impl Iterator<Item = &TestPatient> {
        std::iter::once(&self.patient).chain(&self.more_patients)
    }
}

/// An expectation of the test practice's pay: an indicator's (or the practice's) points or
/// payment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExpectFigure {
    /// The indicator, or `None` for `expect practice ...`.
    pub indicator: Option<Ident>,
    pub figure: Figure,
    /// The number as written (a money amount without its `£`).
    pub value: Num,
    pub span: Span,
}

/// What an [`ExpectFigure`] states.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    Points,
    Payment,
}

/// `retire test "NAME"`: a variant drops a test it inherits.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RetireTest {
    pub name: Text,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestPatient {
    pub born: Option<DateLit>,
    pub sex: Option<(crate::model::Sex, Span)>,
    pub registered: Option<DateLit>,
    pub deregistered: Option<DateLit>,
    pub deprivation_decile: Option<Num>,
    pub practice: Option<Text>,
    pub events: Vec<TestEvent>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestEvent {
    pub code: TestCode,
    pub date: DateLit,
    pub value: Option<Num>,
    pub span: Span,
}

/// A test event's code: a SNOMED CT id, or a code list's name (its first code is used).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TestCode {
    Snomed { code: u64, span: Span },
    List { list: Ident },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expect {
    pub indicator: Ident,
    pub outcome: Outcome,
    pub outcome_span: Span,
    pub stratum: Option<Ident>,
    pub span: Span,
}

/// What happened to a patient for one indicator.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "category", rename_all = "snake_case")]
pub enum Outcome {
    /// Not in the cohort (not on the register, outside the population, or excluded).
    Excluded,
    /// Removed from the denominator by an adjustment (optionally of this category).
    Adjusted(Option<Category>),
    /// In the denominator, not achieved.
    Denominator,
    /// Achieved: in the numerator (and the denominator).
    Numerator,
}

// ------------------------------------------------------------------ expressions

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// Serialized adjacently tagged (`{"expr": "and", "args": [...]}`): serde cannot put the tag
/// inside a newtype variant holding a sequence or a bool.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "expr", content = "args", rename_all = "snake_case")]
pub enum ExprKind {
    Bool(bool),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    OnRegister(Ident),
    Aged(AgeRange),
    Sex(crate::model::Sex),
    Registered(Window),
    /// `count X [window] [at least N days apart] CMP n`.
    Count {
        list: Ident,
        window: Option<Window>,
        apart_days: Option<Num>,
        cmp: Cmp,
        value: Num,
    },
    /// `[latest|first] X[/Y] [window] [predicate]`. A bare name with nothing else may also be a
    /// reference to a `define`; the checker decides.
    Event {
        pick: Option<Pick>,
        list: Ident,
        /// The second list of a pair (blood pressure: systolic / diastolic).
        paired: Option<Ident>,
        window: Option<Window>,
        pred: Option<EventPred>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    Latest,
    First,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Cmp {
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Le => "<=",
            Cmp::Ge => ">=",
            Cmp::Lt => "<",
            Cmp::Gt => ">",
            Cmp::Eq => "=",
            Cmp::Ne => "!=",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "pred", rename_all = "snake_case")]
pub enum EventPred {
    /// `has [lowest|highest] value CMP n [/ m]`. `agg` is what was written; without it the
    /// lowest value on the selected date counts.
    Value {
        #[serde(skip_serializing_if = "Option::is_none")]
        agg: Option<ValueAgg>,
        cmp: Cmp,
        value: Num,
        paired_value: Option<Num>,
        span: Span,
    },
    /// `is [on or] after|before latest|first Y [window]`.
    Date { rel: DateRel, pick: Pick, list: Ident, window: Option<Window>, span: Span },
    /// `is in Y`: the selected event's code belongs to list Y.
    Member { list: Ident, span: Span },
    /// `is WINDOW`: the selected event's date lies in the window (`first X is in last 9 months`).
    Within { window: Window, span: Span },
}

/// Which value of the selected date a value test uses when several events share that date.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueAgg {
    /// The lowest value (the default, as the business rules use for blood pressure).
    #[default]
    Lowest,
    /// The highest value.
    Highest,
}

impl ValueAgg {
    pub fn word(self) -> &'static str {
        match self {
            ValueAgg::Lowest => "lowest",
            ValueAgg::Highest => "highest",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateRel {
    After,
    OnOrAfter,
    Before,
    OnOrBefore,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Days,
    Weeks,
    Months,
    Years,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Window {
    pub kind: WindowKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    /// `in last N unit`: (period end - N unit, period end].
    Last { n: Num, unit: Unit },
    /// `since DATE`: on or after the date.
    Since(DateLit),
    /// `before ANCHOR`: strictly before.
    Before(Anchor),
    /// `after ANCHOR`: strictly after.
    After(Anchor),
    /// `between D1 and D2`: inclusive.
    Between(DateLit, DateLit),
    /// `from [N unit before|after] ANCHOR to [N unit before|after] ANCHOR`: inclusive.
    From(OffsetAnchor, OffsetAnchor),
    /// `in the period`: the scheme's period, [start, PPED].
    Period,
    /// `on or before ANCHOR`: open-ended, the anchor's date included.
    OnOrBefore(Anchor),
    /// `on or after ANCHOR`: open-ended, the anchor's date included.
    OnOrAfter(Anchor),
    /// `since ANCHOR` for an anchor that is not a date (`since the start of the period`):
    /// [anchor, PPED].
    SinceAnchor(Anchor),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OffsetAnchor {
    /// Signed offset: negative = before the anchor.
    pub offset: Option<(i64, Unit, Span)>,
    pub anchor: Anchor,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "anchor", rename_all = "snake_case")]
pub enum Anchor {
    Date(DateLit),
    Event {
        pick: Pick,
        list: Ident,
        span: Span,
    },
    Registration {
        span: Span,
    },
    /// The patient's date of birth (`from 12 months after birth to 18 months after birth`).
    Birth {
        span: Span,
    },
    /// `the start of the period`: the first day of the scheme's period.
    PeriodStart {
        span: Span,
    },
    /// `the end of the period`: the PPED.
    PeriodEnd {
        span: Span,
    },
}

impl Anchor {
    /// Whether the anchor is a date of the scheme's period (`the start of the period`, ...).
    pub fn is_period(&self) -> bool {
        matches!(self, Anchor::PeriodStart { .. } | Anchor::PeriodEnd { .. })
    }
}

impl Window {
    /// Whether the window is written relative to the scheme's period (`in the period`, or an
    /// anchor `the start of the period` / `the end of the period`).
    pub fn is_period_relative(&self) -> bool {
        match &self.kind {
            WindowKind::Period => true,
            WindowKind::Before(a)
            | WindowKind::After(a)
            | WindowKind::OnOrBefore(a)
            | WindowKind::OnOrAfter(a)
            | WindowKind::SinceAnchor(a) => a.is_period(),
            WindowKind::From(a, b) => a.anchor.is_period() || b.anchor.is_period(),
            WindowKind::Last { .. } | WindowKind::Since(_) | WindowKind::Between(..) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_expression_serializes() {
        let at = Span::new(0, 1);
        let atom = Expr { kind: ExprKind::Bool(true), span: at };
        let kinds = [
            ExprKind::Bool(false),
            ExprKind::And(vec![atom.clone(), atom.clone()]),
            ExprKind::Or(vec![atom.clone()]),
            ExprKind::Not(Box::new(atom)),
            ExprKind::Sex(crate::model::Sex::Female),
        ];
        for kind in kinds {
            let json = serde_json::to_value(Expr { kind: kind.clone(), span: at });
            assert!(json.is_ok(), "{kind:?}: {json:?}");
        }
        let json = serde_json::to_value(ExprKind::Bool(true)).unwrap();
        assert_eq!(json, serde_json::json!({"expr": "bool", "args": true}));
    }
}
