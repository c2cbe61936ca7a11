//! Calendar dates as days since 1970-01-01 (proleptic Gregorian).
//!
//! A compact `i32` so that patient records stay small and comparisons are single
//! integer compares. Month arithmetic follows the QOF convention: "in the last 12 months"
//! relative to a period end of 2020-03-31 means dates after 2019-03-31, up to and including
//! 2020-03-31; adding months clamps to the last day of a shorter month.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

// Serialized as `YYYY-MM-DD`; deserialized from a borrowed string where the format allows
// (no allocation per date when reading NDJSON populations).
impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date of the form YYYY-MM-DD")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Date, E> {
                Date::parse(v)
                    .ok_or_else(|| E::custom(format!("`{v}` is not a date of the form YYYY-MM-DD")))
            }
        }
        d.deserialize_str(V)
    }
}

impl Date {
    /// Builds a date from year, month (1-12) and day (1-31); `None` when it does not exist.
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        Some(Date(days_from_civil(y, m, d)))
    }

    /// Year, month, day.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// Parses `YYYY-MM-DD` exactly.
    pub fn parse(s: &str) -> Option<Date> {
        Self::parse_bytes(s.as_bytes())
    }

    /// Parses `YYYY-MM-DD` from bytes (the CSV readers' fast path): the same dates as
    /// [`Date::from_ymd`], with the digits checked and read in one machine word and the
    /// start of years 1800 to 2199 from a table.
    pub fn parse_bytes(b: &[u8]) -> Option<Date> {
        let (Some(head), Some(&[d0, d1])) = (b.get(..8), b.get(8..)) else {
            return None;
        };
        if b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let mut w = [0u8; 8];
        w.copy_from_slice(head);
        // `YYYY-MM-` as a word, both dashes turned into `0` (0x2D ^ 0x1D = 0x30) so that
        // one test checks the six digits; the day's two digits are checked apart.
        let w = u64::from_le_bytes(w) ^ (0x1D << 32 | 0x1D << 56);
        const LOW: u64 = 0x3030_3030_3030_3030;
        const NIBBLES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
        // A byte is a digit when its high nibble is 3, and still 3 after adding 6.
        if w & NIBBLES != LOW || w.wrapping_add(0x0606_0606_0606_0606) & NIBBLES != LOW {
            return None;
        }
        let (d0, d1) = (d0.wrapping_sub(b'0'), d1.wrapping_sub(b'0'));
        if d0 > 9 || d1 > 9 {
            return None;
        }
        let digit = |k: u32| ((w >> (8 * k)) & 0xF) as i32;
        let y = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
        let m = (digit(5) * 10 + digit(6)) as usize;
        let d = i32::from(d0 * 10 + d1);
        // Days before each month, and in each month, of a common year.
        const BEFORE: [i32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        const DAYS: [i32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let i = m.wrapping_sub(1);
        let (Some(&before), Some(&days)) = (BEFORE.get(i), DAYS.get(i)) else {
            return None;
        };
        let (start, leap) = match YEAR_STARTS.get((y - TABLE_FIRST_YEAR) as usize..) {
            Some(&[start, next, ..]) => (start, i32::from(next - start == 366)),
            _ => (days_before_year(y), i32::from(is_leap(y))),
        };
        let days = days + if m == 2 { leap } else { 0 };
        if d == 0 || d > days {
            return None;
        }
        Some(Date(start + before + if m > 2 { leap } else { 0 } + d - 1))
    }

    /// Adds (or with a negative count subtracts) calendar months, clamping the day.
    pub fn add_months(self, months: i32) -> Date {
        let (y, m, d) = self.ymd();
        let total = y * 12 + (m as i32 - 1) + months;
        let ny = total.div_euclid(12);
        let nm = (total.rem_euclid(12) + 1) as u32;
        let nd = d.min(days_in_month(ny, nm));
        Date(days_from_civil(ny, nm, nd))
    }

    /// Adds days.
    pub fn add_days(self, days: i32) -> Date {
        Date(self.0 + days)
    }

    /// Whole years from `born` to `self` (age on this date).
    pub fn years_since(self, born: Date) -> i32 {
        let (y1, m1, d1) = born.ymd();
        let (y2, m2, d2) = self.ymd();
        let mut age = y2 - y1;
        if (m2, d2) < (m1, d1) {
            age -= 1;
        }
        age
    }

    /// Whole months from `born` to `self`: the most months that, added to `born` as
    /// [`Date::add_months`] adds them (clamping to a shorter month's end), stay on or before
    /// `self`. An age in months, as windows like `8 months after birth` count them.
    pub fn months_since(self, born: Date) -> i32 {
        let (y1, m1, _) = born.ymd();
        let (y2, m2, _) = self.ymd();
        let months = (y2 - y1) * 12 + (m2 as i32 - m1 as i32);
        if born.add_months(months) > self {
            months - 1
        } else {
            months
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl TryFrom<String> for Date {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Date::parse(&s).ok_or_else(|| format!("`{s}` is not a date of the form YYYY-MM-DD"))
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

/// Days from 1970-01-01 to 1 January of year `y` (negative before 1970).
const fn days_before_year(y: i32) -> i32 {
    let p = y - 1;
    365 * p + p.div_euclid(4) - p.div_euclid(100) + p.div_euclid(400) - 719_162
}

const TABLE_FIRST_YEAR: i32 = 1800;
const TABLE_YEARS: usize = 400;

/// `days_before_year` of the years 1800 to 2200.
static YEAR_STARTS: [i32; TABLE_YEARS + 1] = {
    let mut t = [0; TABLE_YEARS + 1];
    let mut i = 0;
    while i <= TABLE_YEARS {
        t[i] = days_before_year(TABLE_FIRST_YEAR + i as i32);
        i += 1;
    }
    t
};

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` of year `y`.
pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_epoch() {
        assert_eq!(Date::parse("1970-01-01"), Some(Date(0)));
        for s in ["2000-02-29", "2019-04-01", "2020-03-31", "1899-12-31", "2100-03-01"] {
            assert_eq!(Date::parse(s).map(|d| d.to_string()).as_deref(), Some(s));
        }
        assert_eq!(Date::parse("2019-02-29"), None);
        assert_eq!(Date::parse("2019-13-01"), None);
        assert_eq!(Date::parse("2019-1-01"), None);
    }

    #[test]
    fn byte_parser_agrees_with_from_ymd() {
        let years = (0..=2500).chain((2501..=9999).step_by(7));
        for y in years {
            for m in 0..=13u32 {
                for d in 0..=32u32 {
                    let s = format!("{y:04}-{m:02}-{d:02}");
                    assert_eq!(Date::parse_bytes(s.as_bytes()), Date::from_ymd(y, m, d), "{s}");
                }
            }
        }
        for bad in ["2019-01-0a", "2019/01/01", "2019-01-011", "+019-01-01", "2019-0:-01", ""] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn month_arithmetic_clamps() {
        let d = Date::parse("2020-03-31").unwrap();
        assert_eq!(d.add_months(-12).to_string(), "2019-03-31");
        assert_eq!(d.add_months(-1).to_string(), "2020-02-29");
        assert_eq!(d.add_months(-13).to_string(), "2019-02-28");
        assert_eq!(d.add_months(-60).to_string(), "2015-03-31");
    }

    #[test]
    fn ages() {
        let born = Date::parse("1950-04-01").unwrap();
        assert_eq!(Date::parse("2020-03-31").unwrap().years_since(born), 69);
        assert_eq!(Date::parse("2020-04-01").unwrap().years_since(born), 70);
    }

    #[test]
    fn months_since_counts_as_add_months_does() {
        let d = |s: &str| Date::parse(s).unwrap();
        // 8 months after 2019-07-31 is 2020-03-31 (clamped): 8 months old on that day
        assert_eq!(d("2020-03-31").months_since(d("2019-07-31")), 8);
        assert_eq!(d("2020-03-30").months_since(d("2019-07-31")), 7);
        // 20 months after 2019-08-01 is 2021-04-01: still 19 on 2021-03-31
        assert_eq!(d("2021-03-31").months_since(d("2019-08-01")), 19);
        assert_eq!(d("2021-04-01").months_since(d("2019-08-01")), 20);
        // born on 31 January: a month old on 28 February (29 in a leap year)
        assert_eq!(d("2021-02-28").months_since(d("2021-01-31")), 1);
        assert_eq!(d("2021-02-27").months_since(d("2021-01-31")), 0);
        assert_eq!(d("2020-02-28").months_since(d("2020-01-31")), 0);
        assert_eq!(d("2020-02-29").months_since(d("2020-01-31")), 1);
        // on the day of birth, and the day before
        assert_eq!(d("2020-01-31").months_since(d("2020-01-31")), 0);
        assert_eq!(d("2020-01-30").months_since(d("2020-01-31")), -1);
        // agrees with add_months for every birth day of a leap year, 0 to 30 months on
        let pped = d("2021-03-31");
        for b in 0..366 {
            let born = d("2019-01-01").add_days(b);
            let m = pped.months_since(born);
            assert!(born.add_months(m) <= pped, "{born}");
            assert!(born.add_months(m + 1) > pped, "{born}");
        }
    }
}
