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
    if a.is_sign_negative() || b.is_sign_negative() {
        return a.checked_div(b);
    }
    match wide::div(mantissa(a), a.scale(), mantissa(b), b.scale()).and_then(wide::decimal) {
        Some(q) => Some(q),
        None => a.checked_div(b),
    }
}

/// The mantissa of a non-negative decimal.
fn mantissa(d: Decimal) -> u128 {
    d.mantissa().unsigned_abs()
}

/// Multiplies two decimals, saturating at the ends of the range: rust_decimal's
/// `saturating_mul`, with the same value and digits, computed faster for non-negative values
/// (the pay phase's) by `wide::mul`. A product that needs more than 28 digits keeps the 28
/// most significant ones, the last rounded half to even (rust_decimal's rule).
pub fn mul_sat(a: Decimal, b: Decimal) -> Decimal {
    if a.is_sign_negative() || b.is_sign_negative() {
        return a.saturating_mul(b);
    }
    match wide::mul(mantissa(a), a.scale(), mantissa(b), b.scale()).and_then(wide::decimal) {
        Some(p) => p,
        None => a.saturating_mul(b),
    }
}

/// The exact sum of many decimals, independent of the order they are added in: every value
/// is held at scale 28 in 256 bits (positive and negative parts apart), so nothing is rounded
/// while adding; [`ExactSum::value`] rounds once at the end.
///
/// The result: when the exact sum fits a decimal at the largest scale among the non-zero
/// values added, exactly that (the digits a plain `+` loop gives whenever it does not round,
/// e.g. for any sum of pennies); otherwise the exact sum rounded half to even to the most
/// digits that fit. A plain loop over unrounded points (28 digits each) instead rounds at
/// almost every step, so its last digits depend on the order; this does not, so totals split
/// over threads and merged give the same digits natively and in wasm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExactSum {
    positive: U256,
    negative: U256,
    /// The largest scale of a non-zero value added.
    scale: u32,
}

/// A 256-bit unsigned integer, least significant limb first.
type U256 = [u64; 4];

fn add256(acc: &mut U256, x: &U256) {
    let mut carry = false;
    for (a, &b) in acc.iter_mut().zip(x) {
        let (s1, c1) = a.overflowing_add(b);
        let (s2, c2) = s1.overflowing_add(u64::from(carry));
        *a = s2;
        carry = c1 || c2;
    }
}

/// `a - b` for `a >= b`.
fn sub256(a: &U256, b: &U256) -> U256 {
    let mut out = [0u64; 4];
    let mut borrow = false;
    for k in 0..4 {
        let (d1, b1) = a[k].overflowing_sub(b[k]);
        let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
        out[k] = d2;
        borrow = b1 || b2;
    }
    out
}

fn cmp256(a: &U256, b: &U256) -> std::cmp::Ordering {
    a.iter().rev().cmp(b.iter().rev())
}

/// Divides `v` by `d` in place; returns the remainder.
fn divrem256(v: &mut U256, d: u64) -> u64 {
    let mut rem: u128 = 0;
    for limb in v.iter_mut().rev() {
        let cur = (rem << 64) | u128::from(*limb);
        let q = cur / u128::from(d);
        *limb = q as u64;
        rem = cur - q * u128::from(d);
    }
    rem as u64
}

impl ExactSum {
    /// Adds `d`.
    #[inline]
    pub fn add(&mut self, d: Decimal) {
        let m = d.mantissa().unsigned_abs();
        if m == 0 {
            return;
        }
        let s = d.scale();
        self.scale = self.scale.max(s);
        // m x 10^(28 - s): below 2^96 x 2^94, three limbs (a decimal's scale is at most 28)
        let [x0, x1, x2] = wide::mul192(m, wide::POW10[(28 - s) as usize]);
        let x = [x0, x1, x2, 0];
        if d.is_sign_negative() {
            add256(&mut self.negative, &x);
        } else {
            add256(&mut self.positive, &x);
        }
    }

    /// Adds another sum (the sums of two parts of a list give the sum of the list).
    pub fn merge(&mut self, other: &ExactSum) {
        add256(&mut self.positive, &other.positive);
        add256(&mut self.negative, &other.negative);
        self.scale = self.scale.max(other.scale);
    }

    /// The sum, rounded once (see the type's documentation); `Decimal::MAX` / `MIN` beyond
    /// the decimal range.
    pub fn value(&self) -> Decimal {
        let (mut v, negative) = match cmp256(&self.positive, &self.negative) {
            std::cmp::Ordering::Equal => return Decimal::ZERO,
            std::cmp::Ordering::Greater => (sub256(&self.positive, &self.negative), false),
            std::cmp::Ordering::Less => (sub256(&self.negative, &self.positive), true),
        };
        // exact at the largest scale seen: every term is a multiple of 10^(28 - scale)
        let mut drop = 28 - self.scale;
        while drop > 0 {
            let k = drop.min(9);
            divrem256(&mut v, wide::POW10[k as usize] as u64);
            drop -= k;
        }
        let mut scale = self.scale;
        let max96: U256 = [u64::MAX, u32::MAX.into(), 0, 0];
        let fits = |v: &U256| cmp256(v, &max96) != std::cmp::Ordering::Greater;
        let overflow = if negative { Decimal::MIN } else { Decimal::MAX };
        // drop digits until it fits; round half to even on everything dropped
        let (mut top, mut below) = (0u64, false);
        let mut dropped = false;
        while !fits(&v) {
            if scale == 0 {
                return overflow;
            }
            below |= top != 0;
            top = divrem256(&mut v, 10);
            scale -= 1;
            dropped = true;
        }
        if dropped && (top > 5 || (top == 5 && (below || v[0] & 1 == 1))) {
            add256(&mut v, &[1, 0, 0, 0]);
            if !fits(&v) {
                // it was 2^96 - 1: one digit more (2^96 ends in 6, so that rounds up)
                if scale == 0 {
                    return overflow;
                }
                let digit = divrem256(&mut v, 10);
                scale -= 1;
                if digit > 5 || (digit == 5 && v[0] & 1 == 1) {
                    add256(&mut v, &[1, 0, 0, 0]);
                }
            }
        }
        let mantissa = u128::from(v[0]) | u128::from(v[1]) << 64;
        let mut d = wide::decimal((mantissa, scale)).unwrap_or(Decimal::MAX);
        d.set_sign_negative(negative);
        d
    }
}

/// rust_decimal's multiplication and division of non-negative values, ported to 128-bit
/// integer arithmetic: the same quotient or product, with the same scale (the digits a value
/// prints with), step for step. rust_decimal works on 32-bit limbs; these work on `u128` and
/// are several times faster. Any case they do not follow exactly (overflow, a rounding that
/// carries past 96 bits) returns `None`, and the callers then use rust_decimal itself.
/// `tests` compare both over millions of inputs.
pub(crate) mod wide {
    use rust_decimal::Decimal;

    /// The largest 96-bit mantissa.
    const MAX96: u128 = (1 << 96) - 1;

    const fn powers() -> [u128; 39] {
        let mut p = [1u128; 39];
        let mut i = 1;
        while i < 39 {
            p[i] = p[i - 1] * 10;
            i += 1;
        }
        p
    }
    /// `10^i`.
    pub(crate) const POW10: [u128; 39] = powers();

    const fn fits() -> [u128; 10] {
        let mut f = [0u128; 10];
        let mut i = 0;
        while i < 10 {
            f[i] = MAX96 / POW10[i];
            i += 1;
        }
        f
    }
    /// The largest mantissa that still fits 96 bits when multiplied by `10^i`.
    const FITS: [u128; 10] = fits();

    const fn too_big() -> [u128; 10] {
        let mut t = [0u128; 10];
        let mut i = 0;
        while i < 10 {
            t[i] = (MAX96 + 1) * POW10[i];
            i += 1;
        }
        t
    }
    /// `2^96 x 10^i`: the smallest 128-bit value whose quotient by `10^i` does not fit 96 bits
    /// (from `i = 10` on, no 128-bit value's does).
    const TOO_BIG: [u128; 10] = too_big();

    /// A mantissa and scale as a decimal (`None` if out of range).
    pub(crate) fn decimal((m, scale): (u128, u32)) -> Option<Decimal> {
        Decimal::try_from_i128_with_scale(i128::try_from(m).ok()?, scale).ok()
    }

    /// rust_decimal's `find_scale`: the largest `x <= 9` (and `<= 28 - scale`) such that
    /// `q x 10^x` fits in 96 bits; `None` for its overflow cases.
    fn find_scale(q: u128, scale: i32) -> Option<u32> {
        let limit = if scale > 19 { (28 - scale) as u32 } else { 9 };
        let mut x = limit;
        while x > 0 && q > FITS[x as usize] {
            x -= 1;
        }
        if x == 9 || x as i32 + scale >= 0 {
            Some(x)
        } else {
            None
        }
    }

    /// `num` (which overflowed 96 bits, at most 97) divided by 10 with rounding half to even
    /// (`sticky`: digits below were not zero): rust_decimal's `unscale_from_overflow`.
    fn unscale_from_overflow(num: u128, scale: i32, sticky: bool) -> Option<(u128, i32)> {
        let scale = scale - 1;
        if scale < 0 {
            return None;
        }
        let (q, r) = (num / 10, num % 10);
        let q = if r > 5 || (r == 5 && (sticky || q & 1 == 1)) { q + 1 } else { q };
        Some((q, scale))
    }

    /// [`unscale`] for a non-negative scale.
    pub(crate) fn unscale_pub(q: u128, scale: u32) -> (u128, u32) {
        let (q, s) = unscale(q, scale as i32);
        (q, s as u32)
    }

    /// rust_decimal's `unscale`: strips trailing zeros in steps of 8, 4, 2, 1, each tried
    /// only when the low bits allow it (not a full normalisation).
    fn unscale(mut q: u128, mut scale: i32) -> (u128, i32) {
        while q as u32 == 0 && scale >= 8 && q % 100_000_000 == 0 {
            q /= 100_000_000;
            scale -= 8;
        }
        if q as u32 & 0xF == 0 && scale >= 4 && q % 10_000 == 0 {
            q /= 10_000;
            scale -= 4;
        }
        if q as u32 & 0x3 == 0 && scale >= 2 && q % 100 == 0 {
            q /= 100;
            scale -= 2;
        }
        if q as u32 & 0x1 == 0 && scale >= 1 && q % 10 == 0 {
            q /= 10;
            scale -= 1;
        }
        (q, scale)
    }

    /// The usual case of [`div`] in one long division: a non-negative starting scale, a
    /// divisor below 2^64, and a quotient that does not terminate within 28 digits and whose
    /// last digit is not 0. rust_decimal's loop then ends at the largest scale `S <= 28` at
    /// which the quotient's integer part fits 96 bits, rounds half to even there, and strips
    /// nothing; this computes `floor(a x 10^(28 - scale) / b)` at once, drops digits until it
    /// fits, and rounds. `None` for every other case (the caller uses [`div`]).
    fn div_one_shot(a: u128, b: u128, scale: u32) -> Option<(u128, u32)> {
        let b = u64::try_from(b).ok()?;
        if b == 0 || scale > 28 {
            return None;
        }
        // a x 10^(28 - scale), below 2^190
        let mut v = mul192(a, POW10[(28 - scale) as usize]);
        let r = divrem(&mut v, b);
        let mut s = 28u32;
        let (mut last, mut sticky) = (None, r != 0);
        while v[2] != 0 || v[1] >> 32 != 0 {
            if let Some(d) = last {
                sticky |= d != 0;
            }
            last = Some(divrem(&mut v, 10));
            s -= 1;
        }
        if s < scale {
            return None;
        }
        let q = u128::from(v[0]) | u128::from(v[1]) << 64;
        let up = match last {
            None => {
                if r == 0 {
                    return None; // exact: rust_decimal may stop earlier, at another scale
                }
                let twice = u128::from(r) * 2;
                twice > u128::from(b) || (twice == u128::from(b) && q & 1 == 1)
            }
            Some(d) => {
                if d == 0 && !sticky {
                    return None;
                }
                d > 5 || (d == 5 && (sticky || q & 1 == 1))
            }
        };
        let q = if up { q + 1 } else { q };
        if q > MAX96 {
            return None;
        }
        // inexact all along, so rust_decimal strips trailing zeros its way
        let (q, s) = if q % 10 == 0 { unscale(q, s as i32) } else { (q, s as i32) };
        Some((q, s as u32))
    }

    /// `a x b` for `a, b < 2^96`, as 192 bits.
    pub(super) fn mul192(a: u128, b: u128) -> U192 {
        let (a0, a1) = (a as u64, (a >> 64) as u64);
        let (b0, b1) = (b as u64, (b >> 64) as u64);
        let ll = u128::from(a0) * u128::from(b0);
        let mid = u128::from(a0) * u128::from(b1) + u128::from(a1) * u128::from(b0); // < 2^97
        let hh = u128::from(a1) * u128::from(b1); // < 2^64
        let lo = ll.wrapping_add(mid << 64);
        let carry = u128::from(lo < ll);
        let hi = hh + (mid >> 64) + carry;
        [lo as u64, (lo >> 64) as u64, hi as u64]
    }

    /// `a / 10^sa` divided by `b / 10^sb` (mantissas below 2^96, `b > 0`), as rust_decimal's
    /// `div_impl` computes it: the integer quotient, then up to nine more digits at a time
    /// while the quotient fits 96 bits and the scale 28, the last digit rounded half to even,
    /// then (if the division was inexact) trailing zeros partly stripped.
    pub(crate) fn div(a: u128, sa: u32, b: u128, sb: u32) -> Option<(u128, u32)> {
        if b == 0 || a > MAX96 || b > MAX96 || sa > 28 || sb > 28 {
            return None;
        }
        if a == 0 {
            return Some((0, 0));
        }
        if sa >= sb {
            if let Some(q) = div_one_shot(a, b, sa - sb) {
                return Some(q);
            }
        }
        let mut scale = sa as i32 - sb as i32;
        let mut q = a / b;
        let mut r = a - q * b;
        let mut inexact = false;
        loop {
            let x;
            if r == 0 {
                if scale >= 0 {
                    break;
                }
                x = 9.min(-scale) as u32;
            } else {
                inexact = true;
                let s = if scale == 28 { 0 } else { find_scale(q, scale)? };
                if s == 0 {
                    // round half to even on the remainder
                    if 2 * r > b || (2 * r == b && q & 1 == 1) {
                        q += 1;
                        if q > MAX96 {
                            return None;
                        }
                    }
                    break;
                }
                x = s;
            }
            let p = POW10[x as usize];
            scale += x as i32;
            q *= p;
            if q > MAX96 {
                return None;
            }
            let rs = r * p;
            let digits = rs / b;
            r = rs - digits * b;
            q += digits;
            if q > MAX96 {
                let (q2, s2) = unscale_from_overflow(q, scale, r != 0)?;
                q = q2;
                scale = s2;
                break;
            }
        }
        if inexact {
            (q, scale) = unscale(q, scale);
        }
        Some((q, u32::try_from(scale).ok()?))
    }

    /// A 192-bit value as three 64-bit limbs, least significant first.
    pub(super) type U192 = [u64; 3];

    /// Divides `v` by `d` in place; returns the remainder.
    fn divrem(v: &mut U192, d: u64) -> u64 {
        let mut rem: u128 = 0;
        // leading zero limbs stay zero
        let top = if v[2] != 0 {
            3
        } else if v[1] != 0 {
            2
        } else {
            1
        };
        for limb in v[..top].iter_mut().rev() {
            let cur = (rem << 64) | u128::from(*limb);
            let q = cur / u128::from(d);
            *limb = q as u64;
            rem = cur - q * u128::from(d);
        }
        rem as u64
    }

    /// The end of [`mul`] for a product below 2^128 (a short factor, such as whole points or
    /// the point value in pounds): the same digits dropped and the same rounding, with one
    /// 128-bit division.
    fn mul_round128(p: u128, scale: u32) -> Option<(u128, u32)> {
        // the fewest digits to drop: enough to fit 96 bits and a scale of 28
        // (`p / 10^k > MAX96` exactly when `p >= 2^96 x 10^k`: compared, not divided)
        let mut k = scale.saturating_sub(28);
        while (k as usize) < TOO_BIG.len() && p >= TOO_BIG[k as usize] {
            k += 1;
        }
        if k > scale {
            return None;
        }
        if k == 0 {
            return Some((p, scale));
        }
        let pow = POW10[k as usize];
        let q = p / pow;
        let r = p - q * pow;
        let half = pow / 2;
        let q = if r > half || (r == half && q & 1 == 1) { q + 1 } else { q };
        if q > MAX96 {
            return None;
        }
        Some((q, scale - k))
    }

    /// `a / 10^sa` times `b / 10^sb` (mantissas below 2^96), as rust_decimal's `mul_impl`
    /// computes it: the exact product when it fits 96 bits at a scale of at most 28;
    /// otherwise rounded half to even, dropping the fewest digits that make it fit.
    pub(crate) fn mul(a: u128, sa: u32, b: u128, sb: u32) -> Option<(u128, u32)> {
        if a > MAX96 || b > MAX96 || sa > 28 || sb > 28 {
            return None;
        }
        if a == 0 || b == 0 {
            return Some((0, 0));
        }
        let scale = sa + sb;
        if a >> 32 == 0 && b >> 32 == 0 && scale > 28 + 19 {
            // rust_decimal's 32-bit path rounds this far down to zero
            return Some((0, 0));
        }
        let (a0, a1) = (a as u64, (a >> 64) as u64);
        let (b0, b1) = (b as u64, (b >> 64) as u64);
        if a1 == 0 && b1 == 0 {
            let p = u128::from(a0) * u128::from(b0);
            if p <= MAX96 && scale <= 28 {
                return Some((p, scale));
            }
        }
        round96(mul192(a, b), scale)
    }

    /// `v / 10^scale` rounded as rust_decimal's `Buf24::rescale` does (half to even, dropping
    /// the fewest digits that bring the mantissa within 96 bits and the scale within 28).
    fn round96(mut v: U192, scale: u32) -> Option<(u128, u32)> {
        if v[2] == 0 && scale <= 28 + 38 {
            return mul_round128(u128::from(v[0]) | u128::from(v[1]) << 64, scale);
        }
        let bits = if v[2] != 0 {
            192 - v[2].leading_zeros()
        } else if v[1] != 0 {
            128 - v[1].leading_zeros()
        } else {
            64 - v[0].leading_zeros()
        };
        let scale = scale as i32;
        let mut target = 0i32;
        if bits > 96 {
            target = (((bits as i32 - 97) * 77) >> 8) + 1;
            if target > scale {
                return None;
            }
        }
        if target < scale - 28 {
            target = scale - 28;
        }
        if target <= 0 {
            let m = u128::from(v[0]) | u128::from(v[1]) << 64;
            return Some((m, scale as u32));
        }
        let mut scale = scale - target;
        let mut sticky = false;
        let (mut last, mut power) = (0u64, 1u64);
        let mut left = target as usize;
        while left > 0 {
            sticky |= last != 0;
            let step = left.min(19);
            power = POW10[step] as u64;
            last = divrem(&mut v, power);
            left -= step;
        }
        while v[2] != 0 || v[1] >> 32 != 0 {
            if scale == 0 {
                return None;
            }
            sticky |= last != 0;
            power = 10;
            last = divrem(&mut v, 10);
            scale -= 1;
        }
        let mut m = u128::from(v[0]) | u128::from(v[1]) << 64;
        let half = power / 2;
        if last > half || (last == half && (sticky || m & 1 == 1)) {
            m += 1;
            if m > MAX96 {
                return None;
            }
        }
        Some((m, scale as u32))
    }
}

/// `div(Decimal::from(n), Decimal::from(d))` for whole numbers, with the same value, faster.
///
/// Between 0 and 1 (the usual achievement) an inexact quotient is `n x 10^28 / d` rounded to
/// nearest at 28 places, which is what rust_decimal's division gives; this computes it with
/// one 128-bit integer division instead of its general long division (trailing zeros, and
/// exact quotients, get the representation rust_decimal's loop gives them: see the code).
/// Quotients of 1 or more and divisors of 2^29 or more (where a tie at the 29th place could
/// occur) use [`div`]. `tests` below check that both agree, digit for digit.
pub fn div_counts(n: u64, d: u64) -> Option<Decimal> {
    const TEN_28: u128 = 10_000_000_000_000_000_000_000_000_000;
    if n == 0 && d != 0 {
        return Some(Decimal::ZERO);
    }
    if n >= d || d >= 1 << 29 {
        return div(Decimal::from(n), Decimal::from(d));
    }
    let wide = u128::from(n) * TEN_28;
    let q = wide / u128::from(d);
    let r = wide - q * u128::from(d);
    if r == 0 {
        // An exact quotient below 1: rust_decimal's loop adds nine digits at a time (scales
        // 9, 18, 27, then 28), stops at the first of those where nothing remains, and strips
        // trailing zeros its way (1/2 is 0.50).
        for s in [9u32, 18, 27, 28] {
            let wide = u128::from(n) * wide::POW10[s as usize];
            let q = wide / u128::from(d);
            if q * u128::from(d) == wide {
                return wide::decimal(wide::unscale_pub(q, s));
            }
        }
        return div(Decimal::from(n), Decimal::from(d));
    }
    // d < 2^29 cannot divide 2 x n x 10^28 without dividing n x 10^28, so there is no tie
    let q = if 2 * r > u128::from(d) { q + 1 } else { q };
    if q % 10 == 0 {
        // a trailing zero, which rust_decimal's loop (inexact all along) strips its way
        return wide::decimal(wide::unscale_pub(q, 28));
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

/// What one rounding of payments covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentUnit {
    /// Each payment line (an indicator, a historic item): totals are sums of rounded lines.
    #[default]
    Line,
    /// The unrounded lines of one group of a practice (or network), summed, then rounded (a
    /// QOF "domain value"); lines are reported unrounded.
    Group,
    /// All of a practice's (or network's) unrounded lines, summed, then rounded once.
    Practice,
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
    let k = (scale - places) as usize;
    let m = m.unsigned_abs();
    let up = |q: u128, above: bool, exact_half: bool| match mode {
        RoundingMode::HalfAwayFromZero => above || exact_half,
        RoundingMode::HalfEven => above || (exact_half && q % 2 == 1),
        RoundingMode::TowardZero => false,
    };
    let (q, up) = if m >> 64 == 0 && k <= 19 {
        // the usual money value: 64-bit
        let (m, p) = (m as u64, wide::POW10[k] as u64);
        let q = m / p;
        let r = m - q * p;
        let q = u128::from(q);
        // k >= 1, so p is even and p / 2 is the exact half
        (q, up(q, r > p / 2, r == p / 2))
    } else if k <= 19 {
        let p = wide::POW10[k];
        let q = m / p;
        let r = m - q * p;
        (q, up(q, 2 * r > p, 2 * r == p))
    } else {
        // 10^k does not fit 64 bits: two divisions by 64-bit powers (10^19, then 10^(k-19)),
        // much cheaper than one by a 128-bit divisor. The dropped part is r2 x 10^19 + r1,
        // and half of 10^k is (10^(k-19) / 2) x 10^19.
        let p1 = wide::POW10[19];
        let q1 = m / p1;
        let r1 = m - q1 * p1;
        let p2 = wide::POW10[k - 19];
        let q = q1 / p2;
        let r2 = q1 - q * p2;
        let h2 = p2 / 2;
        (q, up(q, r2 > h2 || (r2 == h2 && r1 > 0), r2 == h2 && r1 == 0))
    };
    let q = if up { q + 1 } else { q };
    // q <= m < 2^96 and places < scale <= 28, so this is always in range
    wide::decimal((q, places))
        .unwrap_or_else(|| value.round_dp_with_strategy(places, mode.strategy()))
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
    /// What one rounding of payments covers: each line (the default), the sum of a
    /// practice's lines of one group, or of all its lines.
    #[serde(default)]
    pub payment_per: PaymentUnit,
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
            payment_per: PaymentUnit::Line,
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

    /// `ExactSum` gives the plain loop's digits whenever the loop does not round, the same
    /// value in any order or split into parts, and rounds once, half to even, when the sum
    /// has more digits than a decimal holds.
    #[test]
    fn exact_sum_is_exact_and_independent_of_order() {
        let mut next = rng(0xA076_1D64_78BD_642F);
        let mut exact_cases = 0;
        for case in 0..5_000u32 {
            let len = 1 + (next() % 60) as usize;
            let values: Vec<Decimal> = (0..len)
                .map(|_| {
                    // half the cases money-like (few places), half anything
                    let (bits, scales) =
                        if case % 2 == 0 { (next() % 40, 5) } else { (next() % 70, 29) };
                    let m = u128::from(next()) % (1u128 << bits).max(1);
                    let mut x = Decimal::from_i128_with_scale(m as i128, (next() % scales) as u32);
                    if case % 5 == 0 && next() % 4 == 0 {
                        x.set_sign_negative(true);
                    }
                    x
                })
                .collect();
            let mut sum = ExactSum::default();
            values.iter().for_each(|&x| sum.add(x));
            // reversed, and as two parts merged
            let mut rev = ExactSum::default();
            values.iter().rev().for_each(|&x| rev.add(x));
            let (mut left, mut right) = (ExactSum::default(), ExactSum::default());
            let cut = (next() as usize) % (len + 1);
            values[..cut].iter().for_each(|&x| left.add(x));
            values[cut..].iter().for_each(|&x| right.add(x));
            left.merge(&right);
            let v = sum.value();
            assert_eq!(rev.value().to_string(), v.to_string(), "case {case}");
            assert_eq!(left.value().to_string(), v.to_string(), "case {case}");
            // no negatives and nothing rounded: the plain loop's value and digits
            let top = values.iter().filter(|x| !x.is_zero()).map(|x| x.scale()).max();
            if case % 5 != 0 && top.is_some_and(|t| t == v.scale()) {
                let plain = values.iter().fold(Decimal::ZERO, |a, &x| a + x);
                assert_eq!(v.to_string(), plain.to_string(), "case {case}");
                exact_cases += 1;
            }
        }
        assert!(exact_cases > 1_000, "{exact_cases}");
        let sum = |xs: &[&str]| {
            let mut s = ExactSum::default();
            xs.iter().for_each(|x| s.add(d(x)));
            s.value().to_string()
        };
        let nines = "9.999999999999999999999999999";
        // 29 digits do not fit: rounded once, half to even, on everything dropped
        assert_eq!(
            sum(&[nines, "0.0000000000000000000000000005"]),
            "10.000000000000000000000000000"
        );
        assert_eq!(sum(&[nines, "0.0000000000000000000000000004"]), nines);
        let eights = "9.999999999999999999999999998";
        assert_eq!(sum(&[eights, "0.0000000000000000000000000005"]), eights);
        assert_eq!(
            sum(&[eights, "0.0000000000000000000000000005", "0.0000000000000000000000000001"]),
            nines
        );
        // pennies: exact, at two places
        assert_eq!(sum(&["14924.70", "0.30", "1.05"]), "14926.05");
        assert_eq!(sum(&["0.00", "0"]), "0");
        assert_eq!(sum(&["5", "-5.00"]), "0");
        assert_eq!(sum(&["1.5", "-2.25"]), "-0.75");
        // beyond the range: saturates
        assert_eq!(sum(&["79228162514264337593543950335", "0.5"]), Decimal::MAX.to_string());
        assert_eq!(sum(&["79228162514264337593543950335", "0.4"]), Decimal::MAX.to_string());
        assert_eq!(sum(&["-79228162514264337593543950335", "-1"]), Decimal::MIN.to_string());
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

    /// The same value and the same representation (mantissa and scale).
    fn same(got: Option<Decimal>, want: Option<Decimal>, what: &str) {
        assert_eq!(got, want, "{what}");
        assert_eq!(
            got.map(|g| (g.mantissa(), g.scale())),
            want.map(|w| (w.mantissa(), w.scale())),
            "{what}"
        );
    }

    /// A random non-negative decimal: a mantissa of a random number of bits (0-96) at a random
    /// scale (0-28), sometimes with trailing zeros.
    fn random_decimal(next: &mut impl FnMut() -> u64) -> Decimal {
        let bits = next() % 97;
        let m = (u128::from(next()) << 64 | u128::from(next())) & ((1u128 << bits) - 1);
        let m = if next() % 5 == 0 { (m / 1000) * 1000 } else { m };
        let scale = (next() % 29) as u32;
        Decimal::from_i128_with_scale(m as i128, scale)
    }

    #[test]
    fn wide_div_agrees_with_rust_decimal() {
        let mut next = rng(0xD1B5_4A32_D192_ED03);
        let mut fast = 0;
        for _ in 0..400_000 {
            let a = random_decimal(&mut next);
            let b = random_decimal(&mut next);
            if b.is_zero() {
                continue;
            }
            same(div(a, b), a.checked_div(b), &format!("{a} / {b}"));
            fast +=
                usize::from(wide::div(mantissa(a), a.scale(), mantissa(b), b.scale()).is_some());
        }
        // the port itself answered (not rust_decimal, its fallback), except for overflows
        assert!(fast > 300_000, "{fast}");
        // ratios of counts and of products of counts (achievement, CPI, APDF, points),
        // including large list sizes
        for _ in 0..300_000 {
            let n = next() % (1 << (next() % 45));
            let d = next() % (1 << (next() % 45)) + 1;
            let (a, b) = (Decimal::from(n), Decimal::from(d));
            same(div(a, b), a.checked_div(b), &format!("{n} / {d}"));
        }
        for d in 1..400u64 {
            for n in 0..=d * 3 {
                let (a, b) = (Decimal::from(n), Decimal::from(d));
                same(div(a, b), a.checked_div(b), &format!("{n} / {d}"));
            }
        }
        // the edges: 96-bit mantissas, scales 0 and 28, zero divisors
        let max = Decimal::MAX;
        let tiny = Decimal::new(1, 28);
        for (a, b) in [
            (max, Decimal::ONE),
            (max, Decimal::TWO),
            (max, d("0.5")),
            (max, tiny),
            (tiny, max),
            (d("1"), d("3")),
            (d("2"), d("3")),
            (d("7922816251426433759354395033"), d("0.9")),
            (d("79228162514264337593543950335"), d("79228162514264337593543950334")),
            (Decimal::ZERO, d("3")),
        ] {
            same(div(a, b), a.checked_div(b), &format!("{a} / {b}"));
        }
        assert_eq!(div(d("1"), Decimal::ZERO), None);
        // negative values go through rust_decimal
        same(div(d("-1"), d("3")), d("-1").checked_div(d("3")), "-1 / 3");
    }

    #[test]
    fn wide_mul_agrees_with_rust_decimal() {
        let mut next = rng(0x94D0_49BB_1331_11EB);
        let mut fast = 0;
        for _ in 0..400_000 {
            let a = random_decimal(&mut next);
            let b = random_decimal(&mut next);
            same(Some(mul_sat(a, b)), Some(a.saturating_mul(b)), &format!("{a} x {b}"));
            fast +=
                usize::from(wide::mul(mantissa(a), a.scale(), mantissa(b), b.scale()).is_some());
        }
        assert!(fast > 300_000, "{fast}");
        // 28-digit quotients times each other (the point value, payments)
        for _ in 0..200_000 {
            let x = div(Decimal::from(next() % 100_000 + 1), Decimal::from(next() % 100_000 + 1));
            let y = div(Decimal::from(next() % 100_000 + 1), Decimal::from(next() % 99_999 + 1));
            let (Some(x), Some(y)) = (x, y) else { continue };
            same(Some(mul_sat(x, y)), Some(x.saturating_mul(y)), &format!("{x} x {y}"));
            let ppp = d("187.74");
            same(Some(mul_sat(ppp, x)), Some(ppp.saturating_mul(x)), &format!("{ppp} x {x}"));
        }
        let max = Decimal::MAX;
        for (a, b) in [
            (max, Decimal::ONE),
            (max, Decimal::TWO),
            (max, d("0.1")),
            (max, max),
            (Decimal::new(1, 28), Decimal::new(1, 28)),
            (Decimal::new(5, 28), Decimal::new(1, 1)),
            (Decimal::new(15, 28), Decimal::new(1, 1)),
            (Decimal::new(25, 28), Decimal::new(1, 1)),
            (d("0.5"), Decimal::ZERO),
            (d("-2.5"), d("3")),
        ] {
            same(Some(mul_sat(a, b)), Some(a.saturating_mul(b)), &format!("{a} x {b}"));
        }
    }

    #[test]
    fn division_by_zero_is_none() {
        assert_eq!(div(Decimal::ONE, Decimal::ZERO), None);
        assert_eq!(div(d("1"), d("3")).unwrap().to_string(), "0.3333333333333333333333333333");
    }
}
