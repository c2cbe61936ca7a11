//! The numeric policy: one division, one rounding function, the rounding policy a scheme sets.
//!
//! Everything the pay phase computes (achievement, points, CPI, APDF, money) is a
//! [`rust_decimal::Decimal`]: a 96-bit integer mantissa with a decimal scale, computed with
//! integer arithmetic only, so the same inputs give the same digits natively and in wasm32.
//! See `docs/money.md`.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Divides `a` by `b`: rust_decimal's division, up to 28 significant digits, the last digit
/// rounded to nearest. `None` when `b` is zero or the quotient overflows.
///
/// Every ratio in the pay phase (achievement, the threshold slope, CPI, prevalence, APDF,
/// blend shares) goes through this function, so the policy is the same everywhere.
pub fn div(a: Decimal, b: Decimal) -> Option<Decimal> {
    if b.is_zero() {
        return None;
    }
    a.checked_div(b)
}

/// Multiplies two decimals; `None` on overflow (never reached by realistic schemes: the
/// integer part would have to exceed 7.9e28). Products that need more than 28 digits keep
/// the 28 most significant ones, rounded (rust_decimal's rule, identical on every target).
pub fn mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_mul(b)
}

/// How a value is rounded to a number of decimal places.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Halves go away from zero: 0.125 -> 0.13, 2.5 -> 3 (the usual commercial rounding;
    /// the default).
    #[default]
    HalfAwayFromZero,
    /// Halves go to the even neighbour: 0.125 -> 0.12, 2.5 -> 2 (banker's rounding).
    HalfEven,
    /// Digits beyond the places are dropped: 0.129 -> 0.12 (truncation).
    TowardZero,
}

impl RoundingMode {
    fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfAwayFromZero => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::TowardZero => RoundingStrategy::ToZero,
        }
    }
}

/// Rounds `value` to `places` decimal places with `mode`.
pub fn round(value: Decimal, places: u32, mode: RoundingMode) -> Decimal {
    value.round_dp_with_strategy(places, mode.strategy())
}

/// What a scheme rounds, and where. `None` means "not rounded": the value is carried at full
/// precision into the next step.
///
/// The default rounds nothing until money, and money to the penny (2 places) per indicator
/// payment, halves away from zero; practice, network and scheme totals are sums of the
/// rounded indicator payments, so they add up exactly in any report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rounding {
    /// Places for achievement, as a fraction 0-1 (2 places: 0.4567 -> 0.46, i.e. 46%).
    pub achievement: Option<u32>,
    /// Places for the points of each indicator.
    pub points: Option<u32>,
    /// Places for the contractor population index (list size adjustment).
    pub cpi: Option<u32>,
    /// Places for the adjusted practice disease factor (prevalence adjustment).
    pub apdf: Option<u32>,
    /// Places for each indicator payment (and gateway, aspiration and balancing amounts).
    pub payment: u32,
    /// The rounding rule used for all of the above.
    pub mode: RoundingMode,
}

impl Default for Rounding {
    fn default() -> Self {
        Rounding {
            achievement: None,
            points: None,
            cpi: None,
            apdf: None,
            payment: 2,
            mode: RoundingMode::HalfAwayFromZero,
        }
    }
}

impl Rounding {
    /// Applies an optional rounding step.
    pub fn apply(&self, value: Decimal, places: Option<u32>) -> Decimal {
        match places {
            Some(p) => round(value, p, self.mode),
            None => value,
        }
    }

    /// Rounds a payment to `self.payment` places.
    pub fn money(&self, value: Decimal) -> Decimal {
        round(value, self.payment, self.mode)
    }
}

/// Serializes money as a decimal string with at least two places ("14924.71", "0.00").
pub(crate) fn ser_money<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&money_string(*d))
}

/// Money as a string with at least two decimal places.
pub fn money_string(d: Decimal) -> String {
    let mut d = d;
    if d.scale() < 2 {
        d.rescale(2);
    }
    d.to_string()
}

/// Serializes a decimal as its shortest exact string ("22", "14.6666666666666666666666667").
pub(crate) fn ser_dec<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.normalize().to_string())
}

/// Serializes an optional decimal (`null` when absent).
pub(crate) fn ser_opt_dec<S: serde::Serializer>(
    d: &Option<Decimal>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.normalize().to_string()),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::prelude::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rounding_modes_differ_on_halves() {
        assert_eq!(round(d("0.125"), 2, RoundingMode::HalfAwayFromZero), d("0.13"));
        assert_eq!(round(d("-0.125"), 2, RoundingMode::HalfAwayFromZero), d("-0.13"));
        assert_eq!(round(d("0.125"), 2, RoundingMode::HalfEven), d("0.12"));
        assert_eq!(round(d("0.129"), 2, RoundingMode::TowardZero), d("0.12"));
    }

    #[test]
    fn money_strings_have_two_places() {
        assert_eq!(money_string(d("14924.7")), "14924.70");
        assert_eq!(money_string(Decimal::ZERO), "0.00");
        assert_eq!(money_string(d("1.005")), "1.005");
    }

    #[test]
    fn division_by_zero_is_none() {
        assert_eq!(div(Decimal::ONE, Decimal::ZERO), None);
        assert_eq!(div(d("1"), d("3")).unwrap().to_string(), "0.3333333333333333333333333333");
    }
}
