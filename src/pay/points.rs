//! From achievement to points (qof.md §2).

use rust_decimal::Decimal;

use super::numeric::{div, div_counts, Rounding};
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
            let lo = lower.saturating_mul(d);
            let hi = upper.saturating_mul(d);
            if n <= lo {
                Decimal::ZERO
            } else if n >= hi {
                max_points
            } else {
                div(max_points.saturating_mul(n.saturating_sub(lo)), hi.saturating_sub(lo))
                    .map_or(Decimal::ZERO, |p| p.min(max_points))
            }
        }
    };
    (Some(a), rounding.apply(p, rounding.points))
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
