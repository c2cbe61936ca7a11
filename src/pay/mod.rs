//! The pay phase: counts -> achievement -> points -> money.
//!
//! Independent of the rules language: the compiler maps a checked scheme into a
//! [`PayScheme`]; the evaluator (or the aggregate readers in [`crate::aggregate`]) fill a
//! [`PracticeData`]; [`pay`] returns a [`PayResult`] that serializes to the JSON report
//! described in `docs/money.md`. All arithmetic is [`rust_decimal::Decimal`]; the numeric
//! policy (one division, where rounding happens) lives in [`numeric`].

pub mod error;
pub mod eval;
pub mod input;
pub mod national;
pub mod numeric;
pub mod points;
pub mod result;
pub mod scheme;

pub use error::{PayError, PayErrors};
pub use eval::{
    available_threads, describe, pay, pay_totals, pay_totals_with_threads, pay_with_threads,
    CPI_LIST_TYPE, MIN_PARALLEL,
};
pub use eval::{Repaid, Repay};
pub use input::{Counts, HistoricValue, HistoricYear, PracticeCounts, PracticeData};
pub use national::{FigureSource, GroupNational, GroupTotals, NationalFigures, Prevalence};
pub use numeric::{PaymentUnit, Rounding, RoundingMode};
pub use points::{fraction_points, points, stepped_fraction_points};
pub use result::{
    indicator_sums, AspirationResult, GatewayResult, GroupFactor, IndicatorResult, IndicatorSum,
    IndicatorTotal, NetworkResult, ObligationResult, PayResult, PayWarning, PracticeResult,
    SchemeInfo, StratumResult, TierResult, Total,
};
pub use scheme::{
    stratum_column, Aspiration, BlendShare, Gateway, HistoricBasis, HistoricModel, IndicatorKind,
    Obligation, PayGroup, PayIndicator, PayScheme, PayStratum, PaymentModel, PaymentPart, Tier,
    ZeroDenominator, EXCEPT_MODEL,
};
