//! From achievement to points (qof.md §2).

use rust_decimal::Decimal;

use super::numeric::{div, div_counts, mul_sat, wide, Rounding};
use super::scheme::ZeroDenominator;

/// Points for an achievement (a fraction 0-1) between a lower and an upper threshold:
/// 0 at or below `lower`, `max_points` at or above `upper`, and in between
/// `max_points x (achievement - lower) / (upper - lower)`, computed as
/// `div(max_points x (achievement - lower), upper - lower)` (multiply first, divide once).
///
/// If `upper <= lower` (a scheme validation error) the thresholds collapse to a step at
/// `upper`, so this never fails.
pub fn points(
    achievement: Decimal,
    lower: Decimal,
    upper: Decimal,
    max_points: Decimal,
) -> Decimal {
    if achievement >= upper {
        return max_points;
    }
    if achievement <= lower {
        return Decimal::ZERO;
    }
    max_points
        .saturating_mul(achievement.saturating_sub(lower))
        .checked_div(upper.saturating_sub(lower))
        .map(|p| p.min(max_points))
        .unwrap_or(Decimal::ZERO)
}

/// Achievement and points of a fraction indicator, with the scheme's rounding and zero
/// denominator policy: `(achievement, points)`; achievement is `None` when the denominator is 0.
///
/// When achievement is not rounded, points come straight from the counts with one division,
/// `div(max_points x (numerator - lower x denominator), (upper - lower) x denominator)`, and
/// the threshold comparisons are exact (`numerator <= lower x denominator`). When the scheme
/// rounds achievement, the rounded achievement goes through [`points`].
#[allow(clippy::too_many_arguments)]
pub fn fraction_points(
    numerator: u32,
    denominator: u32,
    pcas: u32,
    lower: Decimal,
    upper: Decimal,
    max_points: Decimal,
    rounding: &Rounding,
    zero: ZeroDenominator,
) -> (Option<Decimal>, Decimal) {
    if denominator == 0 {
        let full = match zero {
            ZeroDenominator::NoPoints => false,
            ZeroDenominator::FullPointsIfNoEligible => pcas == 0,
            ZeroDenominator::FullPoints => true,
        };
        return (None, if full { max_points } else { Decimal::ZERO });
    }
    let (n, d) = (Decimal::from(numerator), Decimal::from(denominator));
    let a = div_counts(u64::from(numerator), u64::from(denominator)).unwrap_or(Decimal::ZERO);
    let p = match rounding.achievement {
        Some(places) => {
            let a = rounding.apply(a, Some(places));
            let p = points(a, lower, upper, max_points);
            return (Some(a), rounding.apply(p, rounding.points));
        }
        None => {
            if let Some(p) = between_fast(numerator, denominator, lower, upper, max_points) {
                return (Some(a), rounding.apply(p, rounding.points));
            }
            let lo = mul_sat(lower, d);
            let hi = mul_sat(upper, d);
            if n <= lo {
                Decimal::ZERO
            } else if n >= hi {
                max_points
            } else {
                div(mul_sat(max_points, n.saturating_sub(lo)), hi.saturating_sub(lo))
                    .map_or(Decimal::ZERO, |p| p.min(max_points))
            }
        }
    };
    (Some(a), rounding.apply(p, rounding.points))
}

/// [`fraction_points`] on a payment curve that starts with a step: reaching the lower
/// threshold earns `lower_points` at once, and the other `max_points - lower_points` are earned
/// linearly up to the upper threshold (QOF 2021/22's vaccination indicators: VI001 18 points,
/// 3 of them on reaching 90%). Below the lower threshold nothing; at or above the upper, all.
/// "Reaching" is `numerator >= lower x denominator`, compared exactly (or the rounded
/// achievement `>= lower` when the scheme rounds achievement). With `lower_points` 0 this is
/// [`fraction_points`]; a zero denominator scores as there.
#[allow(clippy::too_many_arguments)]
pub fn stepped_fraction_points(
    numerator: u32,
    denominator: u32,
    pcas: u32,
    lower: Decimal,
    upper: Decimal,
    lower_points: Decimal,
    max_points: Decimal,
    rounding: &Rounding,
    zero: ZeroDenominator,
) -> (Option<Decimal>, Decimal) {
    if lower_points <= Decimal::ZERO || denominator == 0 {
        return fraction_points(
            numerator,
            denominator,
            pcas,
            lower,
            upper,
            max_points,
            rounding,
            zero,
        );
    }
    let low = lower_points.min(max_points);
    let unrounded = Rounding { points: None, ..rounding.clone() };
    let (a, linear) = fraction_points(
        numerator,
        denominator,
        pcas,
        lower,
        upper,
        max_points.saturating_sub(low),
        &unrounded,
        zero,
    );
    let reached = match (rounding.achievement, a) {
        (Some(_), Some(a)) => a >= lower,
        _ => Decimal::from(numerator) >= mul_sat(lower, Decimal::from(denominator)),
    };
    let p = if reached { low.saturating_add(linear).min(max_points) } else { Decimal::ZERO };
    (a, rounding.apply(p, rounding.points))
}

/// The unrounded-achievement points of [`fraction_points`] on integers: the same comparisons
/// and the same intermediate mantissas and scales as its `Decimal` expressions (`lower x d`,
/// `n - lo`, `max x (n - lo)`, `hi - lo`), so the one division gives the same digits.
/// `None` (use the `Decimal` expressions) unless `0 < lower < upper`, `max_points > 0`, and
/// everything is small enough to stay exact: then no intermediate value is zero, none needs
/// rounding, and rust_decimal's results are these integers.
fn between_fast(
    numerator: u32,
    denominator: u32,
    lower: Decimal,
    upper: Decimal,
    max_points: Decimal,
) -> Option<Decimal> {
    const SMALL: i128 = 1 << 40;
    let (l, sl) = (lower.mantissa(), lower.scale());
    let (u, su) = (upper.mantissa(), upper.scale());
    let (m, t) = (max_points.mantissa(), max_points.scale());
    if !(0 < l && l < SMALL && 0 < u && u < SMALL && 0 < m && m < SMALL) {
        return None;
    }
    if sl > 12 || su > 12 || t > 12 {
        return None;
    }
    let pow = |s: u32| wide::POW10[s as usize];
    let (l, u, m) = (l.unsigned_abs(), u.unsigned_abs(), m.unsigned_abs());
    let s = sl.max(su);
    if l * pow(s - sl) >= u * pow(s - su) {
        return None; // lower >= upper
    }
    let (n, d) = (u128::from(numerator), u128::from(denominator));
    // lo = lower x d at scale sl, hi = upper x d at scale su (exact, below 2^72)
    let (lo, hi) = (l * d, u * d);
    if n * pow(sl) <= lo {
        return Some(Decimal::ZERO);
    }
    if n * pow(su) >= hi {
        return Some(max_points);
    }
    // n - lo at scale sl; max x (n - lo) at scale t + sl; hi - lo at the larger scale
    let top = m * (n * pow(sl) - lo);
    let bottom = hi * pow(s - su) - lo * pow(s - sl);
    // `.min(max_points)` of the Decimal path is a no-op here: the quotient is below
    // max_points < 2^40 / 10^t, so it is rounded at a scale of at least 16 > t, where
    // max_points lies on the grid, and rounding cannot pass it
    wide::div(top, t + sl, bottom, s).and_then(wide::decimal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn qof_worked_example_44_points_20_to_50() {
        // qof.md §2: 44 points, thresholds 20%-50%: 15% -> 0; 35% -> 22; 50% -> 44; 80% -> 44.
        let (lo, hi, max) = (d("0.20"), d("0.50"), d("44"));
        assert_eq!(points(d("0.15"), lo, hi, max), d("0"));
        assert_eq!(points(d("0.35"), lo, hi, max), d("22"));
        assert_eq!(points(d("0.50"), lo, hi, max), d("44"));
        assert_eq!(points(d("0.80"), lo, hi, max), d("44"));
        // exactly at the lower threshold: nothing
        assert_eq!(points(d("0.20"), lo, hi, max), d("0"));
    }

    #[test]
    fn points_between_thresholds_are_not_rounded_by_default() {
        // 17 points, 35%-75%, 100/200 = 50%: 17 x 0.15 / 0.40 = 6.375 exactly
        let r = Rounding::default();
        let (a, p) = fraction_points(
            100,
            200,
            0,
            d("0.35"),
            d("0.75"),
            d("17"),
            &r,
            ZeroDenominator::NoPoints,
        );
        assert_eq!(a, Some(d("0.5")));
        assert_eq!(p, d("6.375"));
        // with points rounded to 2 places, half away from zero: 6.38
        let r2 = Rounding { points: Some(2), ..Rounding::default() };
        let (_, p2) = fraction_points(
            100,
            200,
            0,
            d("0.35"),
            d("0.75"),
            d("17"),
            &r2,
            ZeroDenominator::NoPoints,
        );
        assert_eq!(p2, d("6.38"));
        // achievement rounded to 2 places first: 2/3 -> 0.67 -> 17 x 0.32/0.40 = 13.6
        let r3 = Rounding { achievement: Some(2), ..Rounding::default() };
        let (a3, p3) =
            fraction_points(2, 3, 0, d("0.35"), d("0.75"), d("17"), &r3, ZeroDenominator::NoPoints);
        assert_eq!(a3, Some(d("0.67")));
        assert_eq!(p3, d("13.6"));
    }

    /// The `Decimal` expressions `between_fast` replaces.
    fn between_decimal(n: u32, d: u32, lower: Decimal, upper: Decimal, max: Decimal) -> Decimal {
        let (n, d) = (Decimal::from(n), Decimal::from(d));
        let lo = lower.saturating_mul(d);
        let hi = upper.saturating_mul(d);
        if n <= lo {
            Decimal::ZERO
        } else if n >= hi {
            max
        } else {
            div(max.saturating_mul(n.saturating_sub(lo)), hi.saturating_sub(lo))
                .map_or(Decimal::ZERO, |p| p.min(max))
        }
    }

    #[test]
    fn integer_points_agree_with_decimal_points() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let thresholds = [
            ("0.35", "0.75"),
            ("0.4", "0.9"),
            ("0.45", "0.8"),
            ("0.2", "0.5"),
            ("0.01", "0.99"),
            ("0.123", "0.1235"),
            ("0", "0.5"),
            ("0.5", "0.5"),
            ("0.8", "0.4"),
            ("0.5", "1"),
            ("1", "2"),
        ];
        let maxes = ["17", "44", "1", "4.5", "0.25", "37", "0", "100.125"];
        let mut fast = 0;
        let mut check = |n: u32, dd: u32, lo: &str, hi: &str, mx: &str| {
            let (lo, hi, mx) = (d(lo), d(hi), d(mx));
            let (_, got) = fraction_points(
                n,
                dd,
                0,
                lo,
                hi,
                mx,
                &Rounding::default(),
                ZeroDenominator::NoPoints,
            );
            let want = between_decimal(n, dd, lo, hi, mx);
            assert_eq!(got, want, "{n}/{dd} {lo}-{hi} max {mx}");
            assert_eq!((got.mantissa(), got.scale()), (want.mantissa(), want.scale()));
            fast += usize::from(between_fast(n, dd, lo, hi, mx).is_some());
        };
        for (lo, hi) in thresholds {
            for mx in maxes {
                // every count up to 120, then random ones up to 2^32 (large lists)
                for dd in 1..=120 {
                    for n in 0..=dd {
                        check(n, dd, lo, hi, mx);
                    }
                }
                for _ in 0..5_000 {
                    let dd = (next() % (1 << (next() % 33))).max(1) as u32;
                    let n = (next() % (u64::from(dd) + 1)) as u32;
                    check(n, dd, lo, hi, mx);
                }
                // exactly at the thresholds
                for dd in [20u32, 40, 100, 200, 1000, 8000, 4_000_000] {
                    for t in [lo, hi] {
                        let exact = d(t) * Decimal::from(dd);
                        if exact.fract().is_zero() && exact >= Decimal::ZERO {
                            let n = u32::try_from(exact.mantissa() / 10i128.pow(exact.scale()))
                                .unwrap_or(0);
                            for n in [n.saturating_sub(1), n, n + 1] {
                                check(n.min(dd), dd, lo, hi, mx);
                            }
                        }
                    }
                }
            }
        }
        assert!(fast > 100_000, "the integer path was taken {fast} times");
    }

    #[test]
    fn points_at_the_lower_threshold_step_then_rise_linearly() {
        // VI001 2021/22 as Pulse reports it: 18 points, 90%-95%, 3 of them at 90%
        let r = Rounding::default();
        let z = ZeroDenominator::NoPoints;
        let f =
            |n, dd| stepped_fraction_points(n, dd, 0, d("0.9"), d("0.95"), d("3"), d("18"), &r, z);
        assert_eq!(f(89, 100), (Some(d("0.89")), d("0"))); // below: nothing
        assert_eq!(f(90, 100).1, d("3")); // exactly at the lower threshold: the step
        assert_eq!(f(92, 100).1, d("9")); // 3 + 15 x 2/5
        assert_eq!(f(95, 100).1, d("18"));
        assert_eq!(f(100, 100).1, d("18"));
        // 899/1000 is just below 90%; 900/1000 reaches it
        assert_eq!(f(899, 1000).1, d("0"));
        assert_eq!(f(900, 1000).1, d("3"));
        // no step: the ordinary scale
        for (n, dd) in [(0, 10), (9, 10), (91, 100), (93, 100), (19, 20)] {
            let plain = fraction_points(n, dd, 0, d("0.9"), d("0.95"), d("18"), &r, z);
            let step0 =
                stepped_fraction_points(n, dd, 0, d("0.9"), d("0.95"), d("0"), d("18"), &r, z);
            assert_eq!(plain, step0);
        }
        // a zero denominator scores as without the step
        let full = ZeroDenominator::FullPoints;
        let e = stepped_fraction_points(0, 0, 0, d("0.9"), d("0.95"), d("3"), d("18"), &r, full);
        assert_eq!(e, (None, d("18")));
        let e = stepped_fraction_points(0, 0, 0, d("0.9"), d("0.95"), d("3"), d("18"), &r, z);
        assert_eq!(e, (None, d("0")));
        // with achievement rounded to 2 places, 0.8951 rounds to 0.90 and reaches the step
        let r2 = Rounding { achievement: Some(2), ..Rounding::default() };
        let g =
            stepped_fraction_points(8951, 10000, 0, d("0.9"), d("0.95"), d("3"), d("18"), &r2, z);
        assert_eq!(g, (Some(d("0.90")), d("3")));
        // points rounded after the step is added: 3 + 15 x 0.013/0.05 = 6.9
        let r3 = Rounding { points: Some(0), ..Rounding::default() };
        let h = stepped_fraction_points(913, 1000, 0, d("0.9"), d("0.95"), d("3"), d("18"), &r3, z);
        assert_eq!(h.1, d("7"));
    }

    #[test]
    fn zero_denominator_policies() {
        let r = Rounding::default();
        let f = |pcas, z| fraction_points(0, 0, pcas, d("0.4"), d("0.8"), d("10"), &r, z);
        assert_eq!(f(0, ZeroDenominator::NoPoints), (None, d("0")));
        assert_eq!(f(0, ZeroDenominator::FullPointsIfNoEligible), (None, d("10")));
        assert_eq!(f(3, ZeroDenominator::FullPointsIfNoEligible), (None, d("0")));
        assert_eq!(f(3, ZeroDenominator::FullPoints), (None, d("10")));
    }
}
