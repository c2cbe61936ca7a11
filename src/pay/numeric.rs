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

/// `div(Decimal::from(n), Decimal::from(d))` for whole numbers, with the same value, faster.
///
/// Between 0 and 1 (the usual achievement) an inexact quotient is `n x 10^28 / d` rounded to
/// nearest at 28 places, which is what rust_decimal's division gives; this computes it with
/// one 128-bit integer division instead of its general long division. Other cases (exact
/// quotients, quotients whose 28th place rounds to 0, quotients of 1 or more, and divisors of 2^29 or more, where a tie at the 29th
/// place could occur) use [`div`]. `tests` below check that both agree, digit for digit.
pub fn div_counts(n: u64, d: u64) -> Option<Decimal> {
    const TEN_28: u128 = 10_000_000_000_000_000_000_000_000_000;
    if n == 0 && d != 0 {
        return Some(Decimal::ZERO);
    }
    if n >= d || d >= 1 << 29 {
        return div(Decimal::from(n), Decimal::from(d));
    }
    let wide = u128::from(n) * TEN_28;
    let (q, r) = (wide / u128::from(d), wide % u128::from(d));
    if r == 0 {
        // an exact quotient: rust_decimal trims some trailing zeros (1/2 is 0.50); let it
        // choose the representation
        return div(Decimal::from(n), Decimal::from(d));
    }
    // d < 2^29 cannot divide 2 x n x 10^28 without dividing n x 10^28, so there is no tie
    let q = if 2 * r > u128::from(d) { q + 1 } else { q };
    if q % 10 == 0 {
        // rounding up made a trailing zero, which rust_decimal trims: let it do so
        return div(Decimal::from(n), Decimal::from(d));
    }
    let q = i128::try_from(q).ok()?;
    Some(Decimal::from_i128_with_scale(q, 28))
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
///
/// Non-negative values are rounded with 128-bit integer arithmetic on the mantissa (the
/// rounding is exact, so the result is the one rust_decimal gives, which `tests` check);
/// negative values go through rust_decimal.
pub fn round(value: Decimal, places: u32, mode: RoundingMode) -> Decimal {
    let scale = value.scale();
    if scale <= places {
        return value;
    }
    let m = value.mantissa();
    if m < 0 {
        return value.round_dp_with_strategy(places, mode.strategy());
    }
    let p = 10i128.pow(scale - places);
    let (q, r) = (m / p, m % p);
    let up = match mode {
        RoundingMode::HalfAwayFromZero => 2 * r >= p,
        RoundingMode::HalfEven => 2 * r > p || (2 * r == p && q % 2 == 1),
        RoundingMode::TowardZero => false,
    };
    Decimal::from_i128_with_scale(if up { q + 1 } else { q }, places)
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

    /// A fixed pseudo-random sequence (xorshift64*).
    fn rng(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
    }

    #[test]
    fn div_counts_agrees_with_div() {
        let mut next = rng(0x9E37_79B9_7F4A_7C15);
        let check = |n: u64, d: u64| {
            let fast = div_counts(n, d);
            let slow = div(Decimal::from(n), Decimal::from(d));
            assert_eq!(fast, slow, "{n}/{d}");
            // the same representation, not only the same value (the scale shows in strings)
            assert_eq!(fast.map(|f| f.to_string()), slow.map(|s| s.to_string()), "{n}/{d}");
        };
        for d in 0..300u64 {
            for n in 0..=d + 2 {
                check(n, d);
            }
        }
        for _ in 0..200_000 {
            let bits = next() % 34;
            let d = next() % (1u64 << bits).max(1);
            let n = next() % (d + 2);
            check(n, d);
        }
        for d in [(1 << 29) - 1, 1 << 29, 3 << 29, u64::from(u32::MAX)] {
            check(d / 3, d);
            check(1, d);
        }
    }

    #[test]
    fn round_agrees_with_rust_decimal() {
        let mut next = rng(0x1234_5678_9ABC_DEF1);
        let modes =
            [RoundingMode::HalfAwayFromZero, RoundingMode::HalfEven, RoundingMode::TowardZero];
        for i in 0..300_000u64 {
            let hi = if i % 3 == 0 { next() % (1 << 31) } else { next() % 1000 };
            let m = i128::from(hi) << 64 | i128::from(next());
            let m = if i % 2 == 0 { m % 1_000_000 } else { m };
            let m = if i % 7 == 0 { -m } else { m };
            let scale = (next() % 29) as u32;
            let v = Decimal::from_i128_with_scale(m, scale);
            let places = (next() % 6) as u32;
            for mode in modes {
                let want = v.round_dp_with_strategy(places, mode.strategy());
                let got = round(v, places, mode);
                assert_eq!(got, want, "{v} to {places} {mode:?}");
                assert_eq!(got.to_string(), want.to_string(), "{v} to {places} {mode:?}");
            }
        }
        // exact halves
        for (v, places) in [("0.125", 2), ("2.5", 0), ("3.5", 0), ("0.0005", 3), ("1.995", 2)] {
            for mode in modes {
                let v = d(v);
                assert_eq!(
                    round(v, places, mode),
                    v.round_dp_with_strategy(places, mode.strategy())
                );
            }
        }
    }

    #[test]
    fn division_by_zero_is_none() {
        assert_eq!(div(Decimal::ONE, Decimal::ZERO), None);
        assert_eq!(div(d("1"), d("3")).unwrap().to_string(), "0.3333333333333333333333333333");
    }
}
