//! Generating one practice. Every choice here is described in `docs/synthetic.md`.

use super::codes as c;
use super::rng::{fnv1a, splitmix64, Rng};
use super::SynthOptions;
use crate::date::Date;
use crate::model::{Event, Patient, Practice, Sex};
use crate::reference::{Group, ListType, ReferencePractice};

/// Age band lower bounds (years on the period end date); the last band is 90 and over.
/// The bounds include every age rule used by registers and lists (6, 16, 17, 18, 30, 50,
/// 75), so that a band is either wholly inside or wholly outside any of them.
const BOUNDS: [u32; 16] = [0, 6, 16, 17, 18, 30, 40, 50, 60, 65, 70, 75, 80, 85, 90, 101];
const NB: usize = 15;

/// Base chance, in thousandths, that a register member of a group with indicators gets a
/// personalised care adjustment this year (scaled by practice quality and engagement).
const PCA_RATE: u32 = 45;
/// The same for the smoking indicators, whose PCAs are rarer nationally.
const SMOK_PCA_RATE: u32 = 11;

/// Relative register prevalence by age band (per 1,000 patients of the band, roughly).
/// Order: [`Group::ALL`]. CVDPP is chosen from the hypertension register instead.
const WEIGHTS: [[u32; NB]; 21] = [
    // 0-5 6-15 16 17 18-29 30s 40s 50s 60-64 65-69 70-74 75-79 80-84 85-89 90+
    [0, 0, 0, 0, 1, 2, 5, 15, 35, 60, 90, 130, 170, 200, 210], // AF
    [0, 80, 80, 80, 60, 55, 60, 60, 62, 62, 62, 60, 55, 50, 45], // AST
    [1, 1, 1, 1, 3, 8, 20, 45, 70, 90, 110, 130, 140, 140, 130], // CAN
    [0, 0, 0, 0, 0, 2, 10, 35, 70, 100, 130, 160, 190, 210, 210], // CHD
    [0, 0, 0, 0, 1, 2, 5, 15, 30, 50, 90, 150, 220, 280, 320], // CKD
    [0, 0, 0, 0, 0, 2, 8, 25, 45, 60, 75, 80, 80, 70, 55],     // COPD
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],             // CVDPP
    [0, 0, 0, 0, 0, 0, 1, 2, 5, 12, 30, 60, 120, 200, 300],    // DEM
    [0, 0, 0, 0, 120, 130, 130, 120, 110, 100, 100, 100, 100, 100, 100], // DEP
    [0, 0, 0, 3, 8, 25, 55, 95, 130, 150, 160, 160, 150, 130, 110], // DM
    [0, 0, 0, 0, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 8],             // EP
    [0, 0, 0, 0, 0, 1, 2, 5, 10, 18, 30, 50, 80, 110, 140],    // HF
    [0, 0, 0, 0, 5, 25, 80, 200, 330, 420, 500, 560, 600, 620, 620], // HYP
    [8, 8, 8, 8, 8, 6, 5, 4, 3, 2, 2, 1, 1, 1, 1],             // LD
    [0, 0, 1, 2, 9, 12, 12, 11, 9, 8, 8, 7, 7, 7, 7],          // MH
    [0, 0, 0, 0, 80, 110, 130, 140, 140, 135, 120, 100, 80, 60, 40], // OB
    [0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 6, 8, 10, 12],           // OST
    [0, 0, 0, 0, 0, 0, 2, 8, 18, 28, 38, 45, 50, 55, 55],      // PAD
    [1, 0, 0, 0, 0, 1, 1, 3, 5, 7, 10, 13, 17, 22, 28],        // PC
    [0, 0, 2, 2, 2, 4, 8, 12, 15, 16, 17, 17, 17, 16, 15],     // RA
    [0, 0, 0, 0, 1, 2, 5, 12, 25, 40, 60, 85, 110, 130, 140],  // STIA
];

/// The minimum age (on the period end date) of a register member. Registers measured on
/// an age-banded list use that list's age; asthma patients are at least 6 (so a register
/// rule with or without the 6+ age limit counts the same patients).
pub(crate) fn register_min_age(g: Group) -> u32 {
    match g {
        Group::Ast => 6,
        _ => g.list_type().ages().0,
    }
}

const fn bit(g: Group) -> u32 {
    1 << (g as u32)
}

/// What the generator aims for in one practice (after scaling and clamping).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calibration {
    /// Registered patients per list type, in [`ListType::ALL`] order.
    pub list_sizes: [u32; 6],
    /// Register sizes, in [`Group::ALL`] order.
    pub registers: [u32; 21],
    /// Groups whose published register did not fit the eligible list and was reduced.
    pub clamped: Vec<Group>,
    /// The practice's quality factor in thousandths (1000 = national average).
    pub quality_permille: u32,
}

fn scaled(x: u32, ppm: u64) -> u32 {
    ((u64::from(x) * ppm + 500_000) / 1_000_000) as u32
}

/// Splits `n` by integer weights (floors, remainder to the last part).
fn split<const N: usize>(n: u32, weights: [u32; N]) -> [u32; N] {
    let total: u32 = weights.iter().sum();
    let mut out = [0u32; N];
    let mut used = 0;
    for i in 0..N - 1 {
        out[i] = (u64::from(n) * u64::from(weights[i]) / u64::from(total.max(1))) as u32;
        used += out[i];
    }
    out[N - 1] = n - used;
    out
}

/// Patients per age band from the list sizes (see `docs/synthetic.md`).
fn band_counts(l: [u32; 6]) -> [u32; NB] {
    let [t, o16, o17, o18, a3074, o50] = l;
    let under16 = t.saturating_sub(o16);
    let [b0, b1] = split(under16, [6, 10]);
    let b2 = o16.saturating_sub(o17);
    let b3 = o17.saturating_sub(o18);
    // 75 and over: about 22% of the 50-and-over list, within what the other lists allow.
    let d_lo = o50.saturating_sub(a3074);
    let d_hi = o50.min(o18.saturating_sub(a3074));
    let d = (o50 * 22 / 100).clamp(d_lo, d_hi.max(d_lo));
    let c = o50.saturating_sub(d);
    let b = a3074.saturating_sub(c);
    let a = o18.saturating_sub(a3074).saturating_sub(d);
    let [b5, b6] = split(b, [1, 1]);
    let [b7, b8, b9, b10] = split(c, [40, 20, 21, 19]);
    let [b11, b12, b13, b14] = split(d, [38, 30, 20, 12]);
    [b0, b1, b2, b3, a, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14]
}

fn band_of(age: u32) -> usize {
    BOUNDS[1..].iter().position(|&b| age < b).unwrap_or(NB - 1)
}

/// Splits `r` over bands in proportion to `size * weight`, capped by each band's size.
fn allocate(r: u32, sizes: &[u32; NB], weights: &[u32; NB], eligible: &[bool; NB]) -> [u32; NB] {
    let mut quota = [0u32; NB];
    let mut left = r;
    for pass in 0..2 {
        loop {
            let room: Vec<usize> = (0..NB)
                .filter(|&b| eligible[b] && quota[b] < sizes[b] && (pass == 1 || weights[b] > 0))
                .collect();
            if left == 0 || room.is_empty() {
                break;
            }
            let w =
                |b: usize| u64::from(sizes[b]) * u64::from(if pass == 0 { weights[b] } else { 1 });
            let total: u64 = room.iter().map(|&b| w(b)).sum();
            let mut given = 0u32;
            let mut rema: Vec<(u64, usize)> = Vec::with_capacity(room.len());
            for &b in &room {
                let exact = u64::from(left) * w(b);
                let share = (exact / total.max(1)) as u32;
                let take = share.min(sizes[b] - quota[b]);
                quota[b] += take;
                given += take;
                rema.push((exact % total.max(1), b));
            }
            left -= given;
            if left == 0 {
                break;
            }
            // Hand out the remainder one by one, largest fractional part first.
            rema.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
            let mut progressed = given > 0;
            for &(_, b) in &rema {
                if left == 0 {
                    break;
                }
                if quota[b] < sizes[b] {
                    quota[b] += 1;
                    left -= 1;
                    progressed = true;
                }
            }
            if !progressed {
                break;
            }
        }
    }
    quota
}

/// Piecewise-linear quantile function: `table` holds (permille, value) points.
fn quantile(table: &[(u32, i32)], u: u32) -> i32 {
    for w in table.windows(2) {
        let ((p0, v0), (p1, v1)) = (w[0], w[1]);
        if u <= p1 {
            let span = (p1 - p0).max(1) as i32;
            return v0 + (v1 - v0) * (u.saturating_sub(p0)) as i32 / span;
        }
    }
    table.last().map_or(0, |t| t.1)
}

const HBA1C_Q: [(u32, i32); 9] = [
    (0, 36),
    (100, 43),
    (250, 48),
    (500, 53),
    (700, 58),
    (800, 63),
    (880, 70),
    (950, 82),
    (1000, 120),
];
const SYS_DM: [(u32, i32); 6] =
    [(0, 100), (200, 122), (500, 132), (750, 140), (900, 150), (1000, 185)];
const SYS_HYP: [(u32, i32); 6] =
    [(0, 104), (200, 126), (500, 136), (700, 141), (850, 150), (1000, 190)];
const SYS_GEN: [(u32, i32); 6] =
    [(0, 95), (250, 118), (500, 127), (750, 137), (900, 148), (1000, 180)];
const CHOL_Q: [(u32, i32); 6] = [(0, 25), (250, 36), (500, 43), (750, 50), (900, 58), (1000, 85)];

/// Per-practice generation state.
struct Gen {
    rng: Rng,
    pped: Date,
    /// First day of the 12 months ending on the period end date.
    year_start: Date,
    quality: u32,
    /// `back[m]` = the period end date minus `m` months (0 to 1,260).
    back: &'static [Date],
    /// The practice's seed, for streams of their own that leave `rng`'s sequence alone.
    seed: u64,
}

/// Dates `m` months before the period end, for m in 0..=1260 (cached: month arithmetic is
/// the generator's hottest operation otherwise).
fn month_table(pped: Date) -> &'static [Date] {
    static CELL: std::sync::OnceLock<(Date, Vec<Date>)> = std::sync::OnceLock::new();
    let (d, table) = CELL.get_or_init(|| (pped, (0..=1260).map(|m| pped.add_months(-m)).collect()));
    if *d == pped {
        table
    } else {
        // Another period end: no cache, `Gen::back` computes each date.
        &[]
    }
}

/// The practice a reference practice generates (its id, name and network).
pub(crate) fn practice_of(r: &ReferencePractice) -> Practice {
    Practice {
        practice_id: r.practice_id.clone(),
        practice_name: r.practice_name.clone(),
        network_id: r.network_id.clone(),
    }
}

/// Per-patient facts the care generators need.
struct Who {
    birth: Date,
    age: u32,
    sex: Sex,
    flags: u32,
    /// Thousandths: how readily this patient takes up care.
    engagement: u32,
}

impl Gen {
    /// The period end date minus `m` months.
    fn back(&self, m: i32) -> Date {
        match usize::try_from(m).ok().and_then(|i| self.back.get(i)) {
            Some(d) => *d,
            None => self.pped.add_months(-m),
        }
    }

    /// True with probability `base` thousandths, scaled by practice quality and patient
    /// engagement (capped at 99%).
    fn p(&mut self, base: u32, who: &Who) -> bool {
        let p = (u64::from(base) * u64::from(self.quality) * u64::from(who.engagement) / 1_000_000)
            .min(990) as u32;
        self.rng.permille(p)
    }

    fn between(&mut self, lo: Date, hi: Date) -> Date {
        Date(self.rng.range(lo.0, hi.0))
    }

    /// A date in the `months` months ending on the period end date.
    fn last_months(&mut self, months: i32) -> Date {
        let lo = self.back(months).add_days(1);
        self.between(lo, self.pped)
    }

    fn pick(&mut self, codes: &[u64]) -> u64 {
        codes[self.rng.below(codes.len() as u32) as usize]
    }

    fn ev(events: &mut Vec<Event>, date: Date, code: u64, value: Option<f64>) {
        events.push(Event { date, code, value });
    }

    /// A diagnosis date: 1% in the last 3 months, 2% 3 to 9 months back, otherwise between
    /// the later of `earliest` and the given age of onset, and 9 months before the end.
    fn diagnosis_date(&mut self, who: &Who, onset_age: i32, earliest: Date) -> Date {
        let lo = who.birth.add_months(12 * onset_age).max(earliest).min(self.pped);
        let r = self.rng.below(1000);
        let nine = self.back(9);
        let d = if r < 10 {
            self.last_months(3)
        } else if r < 30 {
            self.between(nine.add_days(1), self.back(3))
        } else {
            self.between(lo, nine.max(lo))
        };
        d.max(lo)
    }

    /// A blood pressure pair on one date (1% of pairs have the diastolic a few days off).
    fn bp(&mut self, events: &mut Vec<Event>, date: Date, table: &[(u32, i32)], shift: i32) {
        let u = self.rng.below(1001);
        let sys = (quantile(table, u) + shift).clamp(80, 230);
        let dia = (sys * 55 / 100 + self.rng.range(-8, 10)).clamp(45, 125);
        Self::ev(events, date, c::SYSTOLIC, Some(f64::from(sys)));
        let ddate =
            if self.rng.permille(10) { date.add_days(-self.rng.range(1, 20)) } else { date };
        Self::ev(events, ddate, c::DIASTOLIC, Some(f64::from(dia)));
        // 2% of pairs are followed by a repeat reading the same day: the lowest systolic and
        // the lowest diastolic of the day count, whatever the order of the events.
        if self.rng.permille(20) {
            let sys2 = (sys + self.rng.range(-12, 12)).clamp(80, 230);
            let dia2 = (dia + self.rng.range(-6, 6)).clamp(45, 125);
            Self::ev(events, date, c::SYSTOLIC, Some(f64::from(sys2)));
            Self::ev(events, date, c::DIASTOLIC, Some(f64::from(dia2)));
        }
    }

    /// For 2% of register members, a resolved code on the day of the latest diagnosis: a
    /// resolved code takes a patient off a register only when it comes after the latest
    /// diagnosis, so they stay on it.
    fn same_day_resolved(&mut self, events: &mut Vec<Event>, latest: Date, codes: &[u64]) {
        if self.rng.permille(20) {
            let code = self.pick(codes);
            Self::ev(events, latest, code, None);
        }
    }

    /// A medication issued in the last 6 months (and often an earlier one).
    fn medication(&mut self, events: &mut Vec<Event>, codes: &[u64]) {
        let code = self.pick(codes);
        let d = self.last_months(6);
        Self::ev(events, d, code, None);
        if self.rng.permille(500) {
            let d = self.between(self.back(12), self.back(6));
            Self::ev(events, d, code, None);
        }
    }

    fn shift(&self, per: i32) -> i32 {
        (1000 - self.quality as i32) / per
    }

    /// Records a personalised care adjustment for a group with that group's own codes, if
    /// this patient gets one (a chance of `rate` thousandths, scaled up in weaker practices and
    /// doubled for poor attenders). Returns true when the patient then does not receive the
    /// group's care this year.
    fn pca(&mut self, events: &mut Vec<Event>, who: &Who, codes: &c::PcaCodes, rate: u32) -> bool {
        let base = rate * (2000 - self.quality.min(1900)) / 1000;
        let base = if who.engagement < 1000 { base * 2 } else { base };
        if !self.rng.permille(base) {
            // Some patients are invited once and then attend: an invitation alone is no PCA.
            if self.rng.permille(150) {
                let d = self.last_months(11);
                Self::ev(events, d, codes.invites[0], None);
            }
            return false;
        }
        let kind = self.rng.below(100);
        if kind < 30 {
            let d = self.last_months(12);
            Self::ev(events, d, codes.unsuitable, None);
        } else if kind < 58 {
            let d = self.last_months(12);
            Self::ev(events, d, codes.declined, None);
        } else if kind < 95 {
            // Two invitations at least 7 days apart within the 12 months; 15% of these
            // patients have an invalid pair (one invitation only, or two less than 7 days
            // apart), which is not a PCA.
            let [first_code, second_code] = codes.invites;
            let first = self.between(self.year_start, self.pped.add_days(-130));
            Self::ev(events, first, first_code, None);
            let invalid = self.rng.permille(150);
            if invalid {
                if self.rng.permille(500) {
                    let d = first.add_days(self.rng.range(1, 6));
                    Self::ev(events, d, second_code, None);
                }
            } else {
                let d = first.add_days(self.rng.range(7, 120));
                Self::ev(events, d, second_code, None);
            }
        } else {
            let d = self.last_months(12);
            Self::ev(events, d, c::SERVICE_UNAVAILABLE, None);
        }
        // The care is still given to some: they count in the numerator despite the PCA.
        !self.rng.permille(150)
    }
}

/// Scaled targets for a practice.
pub(crate) fn calibrate(r: &ReferencePractice, ppm: u64, quality: u32) -> Calibration {
    let mut list_sizes = [0u32; 6];
    for (i, t) in ListType::ALL.iter().enumerate() {
        list_sizes[i] = scaled(r.list_size(*t), ppm);
    }
    let mut registers = [0u32; 21];
    let mut clamped = Vec::new();
    for g in Group::ALL {
        let want = scaled(r.register(g), ppm);
        let cap = match g {
            Group::Ast => {
                let bands = band_counts(list_sizes);
                bands[1..].iter().sum()
            }
            _ => list_sizes[g.list_type() as usize],
        };
        if want > cap {
            clamped.push(g);
        }
        registers[g.index()] = want.min(cap);
    }
    Calibration { list_sizes, registers, clamped, quality_permille: quality }
}

fn practice_seed(opts: &SynthOptions, practice_id: &str) -> u64 {
    let mut s = opts.seed ^ fnv1a(practice_id).rotate_left(17);
    splitmix64(&mut s)
}

fn practice_quality(rng: &mut Rng, base_decile: u32) -> u32 {
    // Triangular-ish around 975, from 800 to 1150, minus a deprivation effect.
    let q = 800 + rng.below(201) + rng.below(151);
    (q + base_decile * 10).saturating_sub(60)
}

/// The calibration targets of a practice under these options.
pub(crate) fn calibration(r: &ReferencePractice, opts: &SynthOptions, ppm: u64) -> Calibration {
    let mut rng = Rng::new(practice_seed(opts, &r.practice_id));
    let base_decile = 1 + rng.below(10);
    let quality = practice_quality(&mut rng, base_decile);
    calibrate(r, ppm, quality)
}

/// Generates one practice.
pub(crate) fn generate(
    r: &ReferencePractice,
    opts: &SynthOptions,
    ppm: u64,
) -> (Practice, Vec<Patient>) {
    let seed = practice_seed(opts, &r.practice_id);
    let mut rng = Rng::new(seed);
    let base_decile = 1 + rng.below(10);
    let quality = practice_quality(&mut rng, base_decile);
    let cal = calibrate(r, ppm, quality);
    let pped = opts.year.period_end();
    let back = month_table(pped);
    let year_start = pped.add_months(-12).add_days(1);
    let mut g = Gen { rng, pped, year_start, quality, back, seed };

    let bands = band_counts(cal.list_sizes);
    let n_list: u32 = bands.iter().sum();
    let n_dereg = (u64::from(n_list) * 25 / 1000) as u32;
    let total = (n_list + n_dereg) as usize;

    // 1. Demographics.
    let mut ages: Vec<u32> = Vec::with_capacity(total);
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); NB];
    for (b, &n) in bands.iter().enumerate() {
        for _ in 0..n {
            let age = g.rng.range(BOUNDS[b] as i32, BOUNDS[b + 1] as i32 - 1) as u32;
            members[b].push(ages.len() as u32);
            ages.push(age);
        }
    }
    for _ in 0..n_dereg {
        let age = if n_list == 0 { 40 } else { ages[g.rng.below(n_list) as usize] };
        ages.push(age);
    }

    // 2. Registers.
    let mut flags = vec![0u32; total];
    let mut resolved = vec![0u32; total];
    let mut scratch: Vec<u32> = Vec::new();
    for grp in Group::ALL {
        if grp == Group::Cvdpp {
            continue;
        }
        let min_age = register_min_age(grp);
        let mut eligible = [false; NB];
        for (b, e) in eligible.iter_mut().enumerate() {
            *e = BOUNDS[b] >= min_age;
        }
        let quota = allocate(cal.registers[grp.index()], &bands, &WEIGHTS[grp.index()], &eligible);
        for b in 0..NB {
            choose(&mut g.rng, &members[b], quota[b], &mut scratch, |_| true);
            for &i in &scratch {
                flags[i as usize] |= bit(grp);
            }
        }
        // Patients whose diagnosis was later resolved (not on the register); for OST, near
        // misses (records that a rule with the wrong dates or no DXA condition would count).
        let rate = match grp {
            Group::Af => 30,
            Group::Ast => 120,
            Group::Copd => 20,
            Group::Dm => 20,
            Group::Hyp => 40,
            Group::Ckd => 80,
            Group::Ost => 200,
            _ => 0,
        };
        if rate > 0 {
            let want = (u64::from(cal.registers[grp.index()]) * rate / 1000) as u32;
            let quota = allocate(want, &bands, &WEIGHTS[grp.index()], &eligible);
            for b in 0..NB {
                choose(&mut g.rng, &members[b], quota[b], &mut scratch, |i| {
                    flags[i as usize] & bit(grp) == 0
                });
                for &i in &scratch {
                    resolved[i as usize] |= bit(grp);
                }
            }
        }
    }
    // Diagnoses outside the register's age rule (not counted): diabetes under 17,
    // epilepsy under 18.
    for (grp, below, permille) in [(Group::Dm, 17u32, 2u64), (Group::Ep, 18, 4)] {
        for b in 0..NB {
            if BOUNDS[b] >= below {
                continue;
            }
            let want = (bands[b] as u64 * permille / 1000) as u32;
            choose(&mut g.rng, &members[b], want, &mut scratch, |_| true);
            for &i in &scratch {
                flags[i as usize] |= bit(grp);
            }
        }
    }
    // CVDPP: hypertensive patients aged 30-74 without CHD, stroke/TIA, PAD, diabetes or CKD
    // (not even resolved), whose hypertension is then first coded this year with a risk score
    // of 20% or more (the register of `rules/qof-2019-20.qof`).
    {
        let excluded =
            bit(Group::Chd) | bit(Group::Stia) | bit(Group::Pad) | bit(Group::Dm) | bit(Group::Ckd);
        let cands: Vec<u32> = (0..n_list)
            .filter(|&i| {
                let (f, r) = (flags[i as usize], resolved[i as usize]);
                let a = ages[i as usize];
                f & bit(Group::Hyp) != 0 && (f | r) & excluded == 0 && (30..=74).contains(&a)
            })
            .collect();
        let want = cal.registers[Group::Cvdpp.index()];
        choose(&mut g.rng, &cands, want, &mut scratch, |_| true);
        for &i in &scratch {
            flags[i as usize] |= bit(Group::Cvdpp);
        }
    }
    // Deregistered patients: registers by chance, from the age weights.
    for i in n_list as usize..total {
        let b = band_of(ages[i]);
        for grp in Group::ALL {
            if grp == Group::Cvdpp || ages[i] < register_min_age(grp) {
                continue;
            }
            if g.rng.permille(WEIGHTS[grp.index()][b].min(600)) {
                flags[i] |= bit(grp);
            }
        }
    }

    // 3. Patients and their records.
    let practice = practice_of(r);
    let mut patients = Vec::with_capacity(total);
    let mut id = String::with_capacity(r.practice_id.len() + 8);
    for i in 0..total {
        id.clear();
        id.push_str(&r.practice_id);
        id.push('-');
        push_padded(&mut id, i as u32 + 1);
        let deregistered = i >= n_list as usize;
        let p = patient(
            &mut g,
            &id,
            &r.practice_id,
            ages[i],
            flags[i],
            resolved[i],
            deregistered,
            base_decile,
        );
        patients.push(p);
    }
    (practice, patients)
}

fn push_padded(s: &mut String, n: u32) {
    let digits = n.to_string();
    for _ in digits.len()..6 {
        s.push('0');
    }
    s.push_str(&digits);
}

/// Chooses `k` distinct members (those passing `ok`) uniformly, into `out`.
fn choose(rng: &mut Rng, from: &[u32], k: u32, out: &mut Vec<u32>, ok: impl Fn(u32) -> bool) {
    out.clear();
    out.extend(from.iter().copied().filter(|&i| ok(i)));
    let k = (k as usize).min(out.len());
    for j in 0..k {
        let pick = j + rng.below((out.len() - j) as u32) as usize;
        out.swap(j, pick);
    }
    out.truncate(k);
}

#[allow(clippy::too_many_arguments)]
fn patient(
    g: &mut Gen,
    id: &str,
    practice_id: &str,
    age: u32,
    flags: u32,
    resolved: u32,
    deregistered: bool,
    base_decile: u32,
) -> Patient {
    let pped = g.pped;
    // Birth date giving exactly `age` on the period end date.
    let latest = g.back(12 * age as i32);
    let earliest = g.back(12 * (age as i32 + 1)).add_days(1);
    let birth = g.between(earliest, latest);
    let female_permille = if age >= 75 { 570 } else { 505 };
    let sex = if g.rng.permille(female_permille) { Sex::Female } else { Sex::Male };
    // Registration: 1.5% in the last 3 months, 3% 3-9 months back, 2.5% 9-12 months back.
    let r = g.rng.below(1000);
    let mut registered_on = if r < 15 {
        g.last_months(3)
    } else if r < 45 {
        g.between(g.back(9).add_days(1), g.back(3))
    } else if r < 70 {
        g.between(g.back(12).add_days(1), g.back(9))
    } else {
        let lo = birth.max(Date::from_ymd(1975, 1, 1).unwrap_or(birth));
        g.between(lo, g.back(12).max(lo))
    };
    if registered_on < birth || age == 0 {
        registered_on = birth.add_days(g.rng.range(0, 60)).min(pped);
    }
    let deregistered_on = if deregistered {
        let lo = registered_on.max(g.year_start);
        let d = g.between(lo, pped.add_days(-1));
        registered_on = registered_on.min(d);
        Some(d)
    } else {
        None
    };
    let deprivation_decile = if g.rng.permille(30) {
        None
    } else {
        let d = base_decile as i32 + g.rng.range(-2, 2);
        Some(d.clamp(1, 10) as u8)
    };
    let engagement = if g.rng.permille(80) { 600 } else { 1030 };
    let who = Who { birth, age, sex, flags, engagement };
    let mut events = Vec::with_capacity(12);
    records(g, &who, resolved, &mut events);
    local_care(g, &who, id, &mut events);
    for e in &mut events {
        if e.date < birth {
            e.date = birth;
        }
        if e.date > pped {
            e.date = pped;
        }
    }
    events.sort_by_key(|e| e.date);
    Patient {
        patient_id: id.to_string(),
        practice_id: practice_id.to_string(),
        birth_date: birth,
        sex,
        registered_on,
        deregistered_on,
        deprivation_decile,
        events,
    }
}

fn has(who: &Who, grp: Group) -> bool {
    who.flags & bit(grp) != 0
}

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd(y, m, d).unwrap_or(Date(0))
}

/// Osteoporosis records that stop short of the register (20% of the register size, aged 50
/// or over): aged 50-74, a fracture since April 2012 and a diagnosis but no DXA scan; aged
/// 75 or over, a fracture between April 2012 and March 2014 only; or a fracture before April
/// 2012 with a DXA-confirmed diagnosis. A rule that forgets the DXA scan, or applies the 2012
/// date to every age, counts them.
fn ost_near_miss(g: &mut Gen, who: &Who, ev: &mut Vec<Event>) {
    let pped = g.pped;
    let april_2012 = date(2012, 4, 1);
    let fifty = who.birth.add_months(12 * 50);
    let old = who.age >= 75;
    let first_kind = g.rng.permille(500);
    let (f, dxa) = if !old && (first_kind || fifty >= april_2012) {
        (g.between(april_2012.max(fifty), pped), false)
    } else if old && first_kind {
        (g.between(april_2012, date(2014, 3, 31)), true)
    } else {
        (g.between(fifty.max(date(2000, 1, 1)), april_2012.add_days(-1)), true)
    };
    let code = g.pick(c::FRAGILITY_FRACTURE);
    Gen::ev(ev, f, code, None);
    let d = g.between(f, f.add_months(6).min(pped));
    if dxa {
        Gen::ev(ev, d, c::DXA_OSTEOPOROTIC, None);
    }
    Gen::ev(ev, d, c::OST[0], None);
}

/// Long-term condition registers whose patients local schemes offer a holistic assessment
/// (Dudley's G1 and G3: AF, AST, CHD, CKD, COPD, DEM, DM, HF, HYP, PAD, STIA).
const LTC: [Group; 11] = [
    Group::Af,
    Group::Ast,
    Group::Chd,
    Group::Ckd,
    Group::Copd,
    Group::Dem,
    Group::Dm,
    Group::Hf,
    Group::Hyp,
    Group::Pad,
    Group::Stia,
];

/// Records no national-QOF rule of 2019/20 needed when the generator was calibrated, drawn
/// from a stream of the patient's own (practice seed and patient id), so the other records
/// and their random sequence are exactly those without them:
/// - the care local schemes pay for (Dudley's G1, G3 and LD1): a holistic assessment of all
///   long-term conditions in the last 12 months for 70% of patients on a long-term condition
///   register, with a care plan the same day for 85% of those; an annual learning disability
///   health check for 65% of the LD register;
/// - intervention-specific adjustments (PCA_REFERENCE BLDTESTDEC, HTMAX, STATINDEC) for 1% of
///   the patients they concern: a blood test declined (diabetes), maximal antihypertensive
///   therapy (hypertension), a statin declined (CHD, stroke, PAD, diabetes).
fn local_care(g: &Gen, who: &Who, id: &str, ev: &mut Vec<Event>) {
    let mut rng = Rng::new(g.seed ^ fnv1a(id).rotate_left(29) ^ 0x4c4f_4341_4c43_4152);
    let day = |rng: &mut Rng| Date(rng.range(g.year_start.0, g.pped.0));
    if LTC.iter().any(|&grp| who.flags & bit(grp) != 0) && rng.permille(700) {
        let d = day(&mut rng);
        Gen::ev(ev, d, c::HOLISTIC_ASSESSMENT, None);
        if rng.permille(850) {
            Gen::ev(ev, d, c::CARE_PLAN, None);
        }
    }
    if who.flags & bit(Group::Ld) != 0 && rng.permille(650) {
        let d = day(&mut rng);
        Gen::ev(ev, d, c::LD_HEALTH_CHECK, None);
    }
    let statin = [Group::Chd, Group::Stia, Group::Pad, Group::Dm];
    let specific = [
        (who.flags & bit(Group::Dm) != 0, c::BLOOD_TEST_DECLINED),
        (who.flags & bit(Group::Hyp) != 0, c::MAX_BP_THERAPY),
        (statin.iter().any(|&grp| who.flags & bit(grp) != 0), c::STATIN_DECLINED),
    ];
    for (concerned, code) in specific {
        if concerned && rng.permille(10) {
            let d = day(&mut rng);
            Gen::ev(ev, d, code, None);
        }
    }
    earlier_qof(g, who, &mut rng, ev);
    later_qof(g, who, &mut rng, ev);
}

/// Care that indicators retired before 2019/20 looked at (QOF 2018/19: COPD004, COPD005,
/// DEM005, MH007, MH009, MH010, CON001, CON003), from the same stream as [`local_care`].
fn earlier_qof(g: &Gen, who: &Who, rng: &mut Rng, ev: &mut Vec<Event>) {
    let day = |rng: &mut Rng, from: Date| Date(rng.range(from.0, g.pped.0));
    let has = |ev: &[Event], codes: &[u64]| ev.iter().any(|e| codes.contains(&e.code));
    if who.flags & bit(Group::Copd) != 0 {
        // FEV1 (litres) at the annual review for 80%; oxygen saturation (%) for 70%.
        if rng.permille(800) {
            let d = day(rng, g.year_start);
            let v = f64::from(rng.range(80, 320)) / 100.0;
            Gen::ev(ev, d, c::FEV1, Some(v));
        }
        if rng.permille(700) {
            let d = day(rng, g.year_start);
            Gen::ev(ev, d, c::OXYGEN_SATURATION, Some(f64::from(rng.range(88, 99))));
        }
    }
    if who.flags & bit(Group::Mh) != 0 {
        if rng.permille(800) {
            let d = day(rng, g.year_start);
            Gen::ev(ev, d, c::ALCOHOL_INTAKE, None);
        }
        // On lithium: creatinine and TSH in the last 9 months for 85%, a lithium level in the
        // last 4 months for 85% (in range 0.4-1.0 for 90% of those).
        if has(ev, &[c::LITHIUM]) {
            if rng.permille(850) {
                let d = day(rng, g.back(9).add_days(1));
                Gen::ev(ev, d, c::CREATININE, Some(f64::from(rng.range(55, 120))));
                Gen::ev(ev, d, c::TSH, Some(f64::from(rng.range(5, 45)) / 10.0));
            }
            if rng.permille(850) {
                let d = day(rng, g.back(4).add_days(1));
                let v = if rng.permille(900) { rng.range(40, 100) } else { rng.range(101, 140) };
                Gen::ev(ev, d, c::LITHIUM_LEVEL, Some(f64::from(v) / 100.0));
            }
        }
    }
    // A new dementia diagnosis in the year: the dementia screening bloods on one day between
    // 6 months before and 1 month after it, for 75%.
    let dementia = ev.iter().filter(|e| c::DEM.contains(&e.code)).map(|e| e.date).min();
    if let Some(d) = dementia.filter(|d| *d >= g.year_start) {
        if rng.permille(750) {
            let b = Date(rng.range(d.add_months(-6).0, d.add_months(1).0.min(g.pped.0)));
            for code in c::DEMENTIA_BLOODS {
                Gen::ev(ev, b, code, None);
            }
        }
    }
    // Women 15-49: contraception prescribed in the last 12 months for 30%; emergency
    // contraception for 2%, with information on long-acting methods within a month for 60%.
    if who.sex == Sex::Female && (15..=49).contains(&who.age) {
        if rng.permille(300) {
            let d = day(rng, g.year_start);
            Gen::ev(ev, d, c::CONTRACEPTION, None);
        }
        if rng.permille(20) {
            let d = day(rng, g.year_start);
            Gen::ev(ev, d, c::EMERGENCY_CONTRACEPTION, None);
            if rng.permille(600) {
                let i = Date(rng.range(d.0, d.add_months(1).0.min(g.pped.0)));
                Gen::ev(ev, i, c::LARC_INFORMATION, None);
            }
        }
    }
}

/// LDL cholesterol in tenths of mmol/L (on a statin; about 1.0 higher without one).
const LDL_Q: [(u32, i32); 6] = [(0, 8), (250, 16), (500, 21), (750, 28), (950, 38), (1000, 55)];

/// Care the national schemes of 2020/21 to 2026/27 look at, from the same stream as
/// [`local_care`] (drawn after it, so every earlier record is unchanged): childhood and shingles
/// vaccinations, the fuller asthma, COPD and heart failure reviews, cancer support, the mental
/// health physical checks, non-diabetic hyperglycaemia, dependence-forming medicines, oral
/// anticoagulation and lipid-lowering exceptions, LDL and non-HDL cholesterol, home blood
/// pressure and weight management, with a few per cent declined or contraindicated
/// (`docs/synthetic.md` gives the rates).
fn later_qof(g: &Gen, who: &Who, rng: &mut Rng, ev: &mut Vec<Event>) {
    let pped = g.pped;
    let ys = g.year_start;
    let on = |grp: Group| who.flags & bit(grp) != 0;
    // Care: a base rate in thousandths scaled by practice quality and patient engagement.
    let care = |rng: &mut Rng, base: u32| {
        let p = (u64::from(base) * u64::from(g.quality) * u64::from(who.engagement) / 1_000_000)
            .min(990) as u32;
        rng.permille(p)
    };
    let between = |rng: &mut Rng, lo: Date, hi: Date| Date(rng.range(lo.0, hi.0));
    let year = |rng: &mut Rng| Date(rng.range(ys.0, pped.0));
    let first = |ev: &[Event], codes: &[u64]| {
        ev.iter().filter(|e| codes.contains(&e.code)).map(|e| e.date).min()
    };
    let latest_in_year = |ev: &[Event], code: u64| {
        ev.iter().filter(|e| e.code == code && e.date >= ys).map(|e| e.date).max()
    };
    let latest_value = |ev: &[Event], code: u64| {
        ev.iter().filter(|e| e.code == code).max_by_key(|e| e.date).and_then(|e| e.value)
    };
    let has_since = |ev: &[Event], codes: &[u64], from: Date| {
        ev.iter().any(|e| codes.contains(&e.code) && e.date >= from)
    };
    let medication = |rng: &mut Rng, ev: &mut Vec<Event>, code: u64| {
        let d = Date(rng.range(g.back(6).add_days(1).0, pped.0));
        Gen::ev(ev, d, code, None);
    };
    let adult = who.age >= 18;

    // Childhood vaccinations (VI001-VI003): three DTaP-containing doses at 8, 12 and 16 weeks,
    // MMR at one year, the pre-school DTaP/IPV booster and second MMR from 3 years 4 months;
    // only doses already due by the period end are recorded. Contraindications 0.3% each.
    if who.age <= 6 {
        let b = who.birth;
        let dose = |ev: &mut Vec<Event>, d: Date, code: u64| {
            if d <= pped {
                Gen::ev(ev, d, code, None);
            }
        };
        if rng.permille(3) {
            let d = b.add_days(rng.range(30, 200));
            dose(ev, d, c::DTP_CONTRAINDICATED);
        } else if care(rng, 930) {
            let mut d = b.add_days(56 + rng.range(0, 21));
            for _ in 0..3 {
                dose(ev, d, c::DTAP);
                d = d.add_days(28 + rng.range(0, 21));
            }
        } else if rng.permille(500) {
            // Started late or incomplete: one or two doses.
            let d = b.add_days(rng.range(90, 300));
            dose(ev, d, c::DTAP);
        }
        if rng.permille(3) {
            let d = b.add_days(rng.range(30, 500));
            dose(ev, d, c::MMR_CONTRAINDICATED);
        } else if care(rng, 910) {
            // A few first doses come late (after 18 months).
            let late = if rng.permille(40) { rng.range(200, 500) } else { rng.range(0, 90) };
            dose(ev, b.add_months(12).add_days(late), c::MMR);
        }
        if rng.permille(3) {
            let d = b.add_days(rng.range(400, 1200));
            dose(ev, d, c::DTAP_IPV_CONTRAINDICATED);
        } else if care(rng, 870) {
            let d = b.add_months(40).add_days(rng.range(0, 240));
            dose(ev, d, c::DTAP_IPV);
            dose(ev, d, c::MMR);
        }
    }

    // Shingles (VI004): offered from 70; 55% vaccinated before 80, 6% declined, 1% contraindicated.
    if who.age >= 70 {
        let seventy = who.birth.add_months(12 * 70);
        let hi = who.birth.add_months(12 * 80).add_days(-1).min(pped);
        if rng.permille(10) {
            let d = between(rng, seventy.add_months(-60), hi);
            Gen::ev(ev, d, c::SHINGLES_CONTRAINDICATED, None);
        } else if care(rng, 550) {
            let d = between(rng, seventy, hi);
            Gen::ev(ev, d, c::SHINGLES, None);
        } else if rng.permille(130) {
            let d = between(rng, seventy, hi);
            Gen::ev(ev, d, c::SHINGLES_DECLINED, None);
        }
    }

    // Asthma (AST007, AST008, AST006/AST011): the review of the year records exacerbations,
    // inhaler technique and an action plan (sometimes an asthma control test); children and
    // young people's exposure to second-hand smoke; FeNO as the objective test for some new
    // diagnoses; a few unable to do or declining spirometry or monitoring.
    if on(Group::Ast) {
        let review = latest_in_year(ev, c::AST_REVIEW);
        if let Some(d) = review {
            for (rate, code) in [
                (920, c::AST_EXACERBATIONS),
                (880, c::INHALER_TECHNIQUE),
                (820, c::AST_ACTION_PLAN),
                (250, c::ASTHMA_CONTROL_TEST),
            ] {
                if rng.permille(rate) {
                    let value = (code == c::AST_EXACERBATIONS).then(|| f64::from(rng.range(0, 3)));
                    Gen::ev(ev, d, code, value);
                }
            }
        }
        if who.age <= 19 {
            if rng.permille(10) {
                let d = year(rng);
                Gen::ev(ev, d, c::SMOKING_STATUS_DECLINED, None);
            } else if care(rng, 700) {
                let d = review.unwrap_or_else(|| year(rng));
                Gen::ev(ev, d, c::SMOKE_EXPOSURE, None);
            }
        }
        if let Some(dx) = first(ev, c::AST).filter(|d| *d >= g.back(48)) {
            if rng.permille(200) {
                let d = between(rng, dx.add_months(-3), dx.add_months(6).min(pped));
                Gen::ev(ev, d, c::FENO, Some(f64::from(rng.range(15, 80))));
            }
            if dx >= g.back(24) {
                for code in [c::SPIROMETRY_UNSUITABLE, c::SPIROMETRY_DECLINED] {
                    if rng.permille(15) {
                        let d = year(rng);
                        Gen::ev(ev, d, code, None);
                    }
                }
            }
        }
        if rng.permille(10) {
            let d = year(rng);
            Gen::ev(ev, d, c::AST_MONITORING_DECLINED, None);
        }
    }

    // COPD (COPD010, COPD014): exacerbations at the review; 2% unable to do spirometry; of
    // those breathless at MRC grade 3 or 4, 12% attended pulmonary rehabilitation before, 2%
    // unsuitable for it.
    if on(Group::Copd) {
        if let Some(d) = latest_in_year(ev, c::COPD_REVIEW) {
            if rng.permille(920) {
                Gen::ev(ev, d, c::COPD_EXACERBATIONS, Some(f64::from(rng.range(0, 4))));
            }
        }
        if rng.permille(20) {
            let from = first(ev, c::COPD).unwrap_or(ys);
            let d = between(rng, from, pped);
            Gen::ev(ev, d, c::SPIROMETRY_UNSUITABLE, None);
        }
        let mrc34 = ev
            .iter()
            .filter(|e| e.date >= ys && c::MRC[2..].contains(&e.code))
            .map(|e| e.date)
            .max();
        if let Some(m) = mrc34 {
            if rng.permille(120) {
                let from = first(ev, c::COPD).unwrap_or(g.back(60));
                let d = between(rng, from, m.add_days(-30).max(from));
                Gen::ev(ev, d, c::PULMONARY_REHAB_ATTENDED, None);
            } else if rng.permille(20) {
                let d = year(rng);
                Gen::ev(ev, d, c::PULMONARY_REHAB_UNSUITABLE, None);
            }
        }
    }

    // Heart failure (HF005-HF007): specialist confirmation for 10% around diagnosis; a heart
    // failure review for 78% with NYHA class and medication review the same day; 1% declined
    // the medication review; with LVSD and no beta-blocker, 15% contraindicated, 10% declined.
    if on(Group::Hf) {
        if let Some(dx) = first(ev, c::HF) {
            if rng.permille(100) {
                let d = between(rng, dx, dx.add_months(3).min(pped));
                Gen::ev(ev, d, c::HF_SPECIALIST, None);
            }
        }
        if care(rng, 780) {
            let d = year(rng);
            Gen::ev(ev, d, c::HF_REVIEW, None);
            if rng.permille(920) {
                let class = c::NYHA[rng.below(4) as usize];
                Gen::ev(ev, d, class, None);
            }
            if rng.permille(900) {
                Gen::ev(ev, d, c::MED_REVIEW, None);
            }
        } else if rng.permille(50) {
            let d = year(rng);
            Gen::ev(ev, d, c::MED_REVIEW_DECLINED, None);
        }
        if let Some(l) = first(ev, &[c::LVSD]) {
            if !has_since(ev, c::BETA_BLOCKER, g.back(6)) {
                if rng.permille(150) {
                    let d = between(rng, l, pped);
                    Gen::ev(ev, d, c::BETA_BLOCKER_CONTRAINDICATED, None);
                } else if rng.permille(120) {
                    let d = year(rng);
                    Gen::ev(ev, d, c::BETA_BLOCKER_DECLINED, None);
                }
            }
        }
    }

    // Cancer (CAN005): told of the support available within 3 months of diagnosis, 80%.
    if on(Group::Can) {
        let latest = ev.iter().filter(|e| c::CAN.contains(&e.code)).map(|e| e.date).max();
        if let Some(dx) = latest.filter(|d| *d >= g.back(15)) {
            if care(rng, 800) {
                let d = between(rng, dx, dx.add_months(3).add_days(-1));
                if d <= pped {
                    Gen::ev(ev, d, c::CANCER_SUPPORT, None);
                }
            }
        }
    }

    // Serious mental illness (MH011, MH012, MH021): antipsychotics for 35%; a physical health
    // check for 60% (BMI below 30 unless on the obesity register, cholesterol and fasting
    // glucose unless diabetic: diabetics have theirs), some checks declined.
    if on(Group::Mh) {
        if rng.permille(350) {
            let code = c::ANTIPSYCHOTIC[rng.below(3) as usize];
            medication(rng, ev, code);
        }
        if care(rng, 600) {
            let d = year(rng);
            if !on(Group::Ob) && latest_in_year(ev, c::BMI).is_none() {
                Gen::ev(ev, d, c::BMI, Some(f64::from(rng.range(185, 299)) / 10.0));
            }
            if !on(Group::Dm) {
                Gen::ev(ev, d, c::CHOLESTEROL, Some(f64::from(rng.range(30, 72)) / 10.0));
                Gen::ev(ev, d, c::FASTING_GLUCOSE, Some(f64::from(rng.range(42, 68)) / 10.0));
            }
            if latest_in_year(ev, c::ALCOHOL_INTAKE).is_none() {
                Gen::ev(ev, d, c::ALCOHOL_INTAKE, None);
            }
        }
        for code in [
            c::ALCOHOL_DECLINED,
            c::CHOLESTEROL_DECLINED,
            c::GLUCOSE_DECLINED,
            c::BMI_DECLINED,
            c::SMOKING_STATUS_DECLINED,
        ] {
            if rng.permille(15) {
                let d = year(rng);
                Gen::ev(ev, d, code, None);
            }
        }
    }

    // Non-diabetic hyperglycaemia (NDH001, NDH002): coded in adults without any diabetes
    // record (1% of 18-39, 7% of 40-64, 12% from 65) over the last 10 years; an HbA1c in the
    // NDH range (42-47 mmol/mol) in the last 12 months for 78%, 1% declined.
    let diabetic = on(Group::Dm) || ev.iter().any(|e| c::DM.contains(&e.code));
    if adult && !diabetic {
        let rate = match who.age {
            0..=39 => 10,
            40..=64 => 70,
            _ => 120,
        };
        if rng.permille(rate) {
            let lo = who.birth.add_months(12 * 18).max(g.back(120));
            let d = between(rng, lo, pped);
            let code = c::NDH[rng.below(2) as usize];
            Gen::ev(ev, d, code, None);
            if rng.permille(10) {
                let d = year(rng);
                Gen::ev(ev, d, c::GLUCOSE_DECLINED, None);
            } else if care(rng, 780) {
                let t = year(rng).max(d);
                Gen::ev(ev, t, c::HBA1C, Some(f64::from(rng.range(42, 47))));
            }
        }
    }

    // Dependence-forming medicines (QIPDDMI001-004), adults: opioids 5% (9% from 65),
    // gabapentinoids 3%, benzodiazepines 2.5%, Z-drugs 2%, issued in the last 12 months.
    if adult {
        let opioid = if who.age >= 65 { 90 } else { 50 };
        for (rate, codes) in [
            (opioid, c::OPIOID),
            (30, c::GABAPENTINOID),
            (25, &[c::BENZODIAZEPINE][..]),
            (20, &[c::Z_DRUG][..]),
        ] {
            if rng.permille(rate) {
                let code = codes[rng.below(codes.len() as u32) as usize];
                let d = year(rng);
                Gen::ev(ev, d, code, None);
            }
        }
    }

    // Atrial fibrillation with CHA2DS2-VASc 2 or more (AF008): on warfarin, a reason not to
    // take a DOAC for 70% (declined 35%, contraindicated 25%, mechanical valve 10%); not
    // anticoagulated, oral anticoagulation declined (15%) or contraindicated (10%), or both a
    // DOAC and a VKA declined or contraindicated (3% each).
    if on(Group::Af) && latest_value(ev, c::CHA2DS2VASC).is_some_and(|v| v >= 2.0) {
        let since = g.back(6);
        let warfarin = has_since(ev, &c::ANTICOAG[..1], since);
        let doac = has_since(ev, &c::ANTICOAG[1..], since);
        let past = |rng: &mut Rng| Date(rng.range(g.back(60).0, pped.0));
        if warfarin && !doac {
            let r = rng.below(100);
            if r < 35 {
                let d = year(rng);
                Gen::ev(ev, d, c::DOAC_DECLINED, None);
            } else if r < 60 {
                let d = past(rng);
                Gen::ev(ev, d, c::DOAC_CONTRAINDICATED, None);
            } else if r < 70 {
                let d = past(rng);
                Gen::ev(ev, d, c::MECHANICAL_VALVE, None);
            }
        } else if !warfarin && !doac {
            let r = rng.below(100);
            if r < 15 {
                let d = year(rng);
                Gen::ev(ev, d, c::ANTICOAG_DECLINED, None);
            } else if r < 25 {
                let d = past(rng);
                Gen::ev(ev, d, c::ANTICOAG_CONTRAINDICATED, None);
            } else if r < 28 {
                let d = past(rng);
                Gen::ev(ev, d, c::DOAC_CONTRAINDICATED, None);
                Gen::ev(ev, d, c::VKA_CONTRAINDICATED, None);
            } else if r < 31 {
                let d = year(rng);
                Gen::ev(ev, d, c::DOAC_DECLINED, None);
                Gen::ev(ev, d, c::VKA_DECLINED, None);
            }
        }
    }

    // Lipids (CHOL001-CHOL004, DM034, DM035). Haemorrhagic stroke for 10% of the stroke
    // register (at diagnosis); without a statin, 6% contraindicated; ezetimibe for 60% of
    // those who cannot or will not take a statin; maximum tolerated therapy, lipid-lowering
    // therapy contraindicated or declined, 1% each.
    let cvd = on(Group::Chd) || on(Group::Stia) || on(Group::Pad);
    if on(Group::Stia) && rng.permille(100) {
        if let Some(dx) = first(ev, c::STIA) {
            Gen::ev(ev, dx, c::HAEMORRHAGIC_STROKE, None);
        }
    }
    if cvd || on(Group::Ckd) || on(Group::Dm) {
        let statin = has_since(ev, c::STATIN, g.back(6));
        if !statin && rng.permille(60) {
            let d = Date(rng.range(g.back(60).0, pped.0));
            Gen::ev(ev, d, c::STATIN_CONTRAINDICATED, None);
        }
        let no_statin_reason =
            ev.iter().any(|e| e.code == c::STATIN_CONTRAINDICATED || e.code == c::STATIN_DECLINED);
        if !statin && no_statin_reason && care(rng, 600) {
            medication(rng, ev, c::EZETIMIBE);
        }
        for code in
            [c::MAX_LIPID_THERAPY, c::LIPID_THERAPY_CONTRAINDICATED, c::LIPID_THERAPY_DECLINED]
        {
            if rng.permille(10) {
                let d = year(rng);
                Gen::ev(ev, d, code, None);
            }
        }
    }
    // A lipid profile in the year for 82% of the CVD registers (on the day of a diabetic's
    // cholesterol test when there is one): non-HDL cholesterol, and LDL for 75% of profiles
    // (LDL median 2.1 mmol/L on a statin, about 1.0 higher without). Without one, 15% were
    // invited twice; 1% declined the test.
    if cvd {
        let statin = has_since(ev, c::STATIN, g.back(6));
        if care(rng, 820) {
            let d = latest_in_year(ev, c::CHOLESTEROL).unwrap_or_else(|| year(rng));
            let shift = if statin { 0 } else { 10 } + (1000 - g.quality as i32) / 40;
            let ldl = (quantile(&LDL_Q, rng.below(1001)) + shift).clamp(5, 70);
            let non_hdl = ldl + rng.range(3, 9);
            Gen::ev(ev, d, c::NON_HDL, Some(f64::from(non_hdl) / 10.0));
            if rng.permille(750) {
                Gen::ev(ev, d, c::LDL, Some(f64::from(ldl) / 10.0));
            }
        } else if rng.permille(150) {
            let a = Date(rng.range(ys.0, pped.add_days(-130).0));
            Gen::ev(ev, a, c::CHOLESTEROL_INVITE, None);
            Gen::ev(ev, a.add_days(rng.range(7, 120)), c::CHOLESTEROL_INVITE, None);
        }
        if rng.permille(10) {
            let d = year(rng);
            Gen::ev(ev, d, c::CHOLESTEROL_DECLINED, None);
        }
    }

    // Home blood pressure (hypertension from 2023/24): an average home reading in the year
    // for 15% (about 6 mmHg below clinic readings); 1% declined home monitoring.
    if on(Group::Hyp) {
        if rng.permille(150) {
            let d = year(rng);
            let sys = (quantile(&SYS_HYP, rng.below(1001)) - 6).clamp(90, 200);
            let dia = (sys * 55 / 100 + rng.range(-8, 10)).clamp(50, 115);
            Gen::ev(ev, d, c::HOME_SYSTOLIC, Some(f64::from(sys)));
            Gen::ev(ev, d, c::HOME_DIASTOLIC, Some(f64::from(dia)));
        } else if rng.permille(10) {
            let d = year(rng);
            Gen::ev(ev, d, c::HOME_BP_DECLINED, None);
        }
    }

    // Weight (2026/27's OB004, OB005). Dyslipidaemia for 30% of adults 40+ with hypertension,
    // diabetes or CVD (60% with a BMI of 40+), 3% of others; obstructive sleep apnoea for 40%
    // with a BMI of 40+, 8% of the rest of the obesity register, 1% of other adults 40+. On the
    // obesity register: referral to a weight management programme 30%, declined 10%,
    // unsuitable 2%, service unavailable 1.5%; with a BMI of 40+, a shared decision about
    // weight management medicines for 35%.
    let bmi = ev
        .iter()
        .filter(|e| e.code == c::BMI && e.date >= ys)
        .max_by_key(|e| e.date)
        .and_then(|e| e.value)
        .unwrap_or(0.0);
    let severe = on(Group::Ob) && bmi >= 40.0;
    let past = |rng: &mut Rng| Date(rng.range(g.back(120).0, pped.0));
    if who.age >= 40 {
        let risk = on(Group::Hyp) || on(Group::Dm) || cvd;
        let rate = match (risk, severe) {
            (true, true) => 600,
            (true, false) => 300,
            _ => 30,
        };
        if rng.permille(rate) {
            let d = past(rng);
            Gen::ev(ev, d, c::DYSLIPIDAEMIA, None);
        }
    }
    if adult {
        let rate = if severe {
            400
        } else if on(Group::Ob) {
            80
        } else if who.age >= 40 {
            10
        } else {
            0
        };
        if rng.permille(rate) {
            let d = past(rng);
            Gen::ev(ev, d, c::SLEEP_APNOEA, None);
        }
    }
    if on(Group::Ob) {
        let r = rng.below(1000);
        let d = year(rng);
        if r < 20 {
            Gen::ev(ev, d, c::WEIGHT_PROGRAMME_UNSUITABLE, None);
        } else if r < 120 {
            Gen::ev(ev, d, c::WEIGHT_REFERRAL_DECLINED, None);
        } else if r < 135 {
            Gen::ev(ev, d, c::WEIGHT_SERVICE_UNAVAILABLE, None);
        } else if care(rng, 300) {
            Gen::ev(ev, d, c::WEIGHT_REFERRAL, None);
        }
        if severe && care(rng, 350) {
            let d = year(rng);
            Gen::ev(ev, d, c::WEIGHT_MEDICINES_DECISION, None);
        }
    }
}

/// Every record of one patient.
fn records(g: &mut Gen, who: &Who, resolved: u32, ev: &mut Vec<Event>) {
    let pped = g.pped;
    let early = date(1990, 1, 1);
    let age = who.age;

    // Frailty (65 and over), by age (severe / moderate / mild, thousandths): 65-74
    // 10 / 50 / 250, 75-84 30 / 110 / 330, 85+ 80 / 200 / 350; one and a half times as
    // likely with diabetes, heart failure or COPD.
    let mut frailty = 0u8;
    if age >= 65 {
        let (sev, modr, mild) = match age {
            65..=74 => (10, 60, 310),
            75..=84 => (30, 140, 470),
            _ => (80, 280, 630),
        };
        let chronic = who.flags & (bit(Group::Dm) | bit(Group::Hf) | bit(Group::Copd)) != 0;
        let r = if chronic { g.rng.below(1000) * 2 / 3 } else { g.rng.below(1000) };
        let (code, level) = if r < sev {
            (Some(c::SEVERE_FRAILTY), 3)
        } else if r < modr {
            (Some(c::MODERATE_FRAILTY), 2)
        } else if r < mild {
            (Some(c::MILD_FRAILTY), 1)
        } else {
            (None, 0)
        };
        if let Some(code) = code {
            frailty = level;
            let d = g.last_months(36);
            Gen::ev(ev, d, code, None);
            // A few had a more severe code earlier: only the latest counts.
            if level == 1 && g.rng.permille(30) {
                let earlier = g.between(d.add_months(-24), d.add_days(-1));
                Gen::ev(ev, earlier, c::SEVERE_FRAILTY, None);
            }
            // 2% of the moderately or severely frail also have a mild code the same day: they
            // count as moderately or severely frail.
            if level >= 2 && g.rng.permille(20) {
                Gen::ev(ev, d, c::MILD_FRAILTY, None);
            }
        }
    }
    let frail = frailty >= 2;

    // Resolved diagnoses (off the register).
    for (grp, codes, res) in [
        (Group::Af, c::AFIB, &[c::AFIB_RES][..]),
        (Group::Ast, c::AST, &[c::AST_RES][..]),
        (Group::Copd, c::COPD, &[c::COPD_RES][..]),
        (Group::Dm, c::DM, &[c::DM_RES][..]),
        (Group::Hyp, c::HYP, &[c::HYP_RES][..]),
        (Group::Ckd, c::CKD, c::CKD_1_2),
    ] {
        if resolved & bit(grp) != 0 {
            // Diagnosed at least 60 days before the end, resolved after (never the same day).
            let d = g.diagnosis_date(who, 18.min(age as i32), early).min(pped.add_days(-60));
            let code = g.pick(codes);
            Gen::ev(ev, d, code, None);
            let rd = g.between(d.add_days(1).min(pped), pped);
            let rcode = g.pick(res);
            Gen::ev(ev, rd, rcode, None);
        }
    }

    let shift_hb = g.shift(40) + if frail { 6 } else { 0 };
    let shift_bp = g.shift(30);
    let mut bp_recent = false;

    if has(who, Group::Dm) {
        let d = g.diagnosis_date(who, 1, early);
        let code = if age < 30 { c::DM[2] } else { g.pick(&c::DM[..2]) };
        Gen::ev(ev, d, code, None);
        let mut latest = d;
        // Re-diagnosed after a resolved code: still on the register.
        if g.rng.permille(10) && d < g.back(24) {
            let rd = g.between(d.add_days(1), d.add_months(12));
            Gen::ev(ev, rd, c::DM_RES, None);
            let again = g.between(rd.add_days(1), g.back(12));
            Gen::ev(ev, again, code, None);
            latest = again;
        }
        g.same_day_resolved(ev, latest, &[c::DM_RES]);
        let skip = g.pca(ev, who, &c::DM_PCA, PCA_RATE);
        if !skip {
            if g.p(930, who) {
                let d = g.last_months(12);
                let v = quantile(&HBA1C_Q, g.rng.below(1001)) + shift_hb;
                Gen::ev(ev, d, c::HBA1C, Some(f64::from(v.clamp(30, 150))));
                // 2% have a repeat test the same day: the lower value counts.
                if g.rng.permille(20) {
                    let v2 = v + g.rng.range(-10, 10);
                    Gen::ev(ev, d, c::HBA1C, Some(f64::from(v2.clamp(30, 150))));
                }
                if g.rng.permille(250) && d > g.year_start {
                    // An earlier reading in the year: only the latest counts.
                    let d0 = g.between(g.year_start, d.add_days(-1));
                    let v0 = quantile(&HBA1C_Q, g.rng.below(1001)) + shift_hb + 5;
                    Gen::ev(ev, d0, c::HBA1C, Some(f64::from(v0.clamp(30, 150))));
                }
            }
            if g.p(930, who) {
                let d = g.last_months(12);
                g.bp(ev, d, &SYS_DM, shift_bp);
                bp_recent = true;
            }
            if g.p(880, who) {
                let d = g.last_months(12);
                let v = quantile(&CHOL_Q, g.rng.below(1001)) + g.shift(50);
                Gen::ev(ev, d, c::CHOLESTEROL, Some(f64::from(v.clamp(15, 120)) / 10.0));
            }
            if g.p(850, who) {
                let d = g.last_months(12);
                Gen::ev(ev, d, c::FOOT_EXAM, None);
            }
        }
        // An older HbA1c, outside the 12 months.
        if g.rng.permille(600) {
            let d = g.between(g.back(24), g.back(13));
            let v = quantile(&HBA1C_Q, g.rng.below(1001));
            Gen::ev(ev, d, c::HBA1C, Some(f64::from(v)));
        }
        if age >= 17 && g.p(600, who) {
            g.medication(ev, &[c::METFORMIN]);
        }
        if !skip && g.p(720, who) {
            g.medication(ev, c::STATIN);
        }
        if g.rng.permille(10) {
            let d = g.last_months(12);
            Gen::ev(ev, d, c::DM_MAX, None);
        }
        // Newly diagnosed: referral to structured education within 9 months (DM014).
        if d >= g.year_start && g.p(850, who) {
            let r = g.between(d, d.add_months(9).min(pped));
            Gen::ev(ev, r, c::EDUCATION_REFERRAL, None);
        }
        // Nephropathy or micro-albuminuria, mostly treated with an ACE-I or ARB (DM006).
        if age >= 17 && g.rng.permille(120) {
            let r = g.between(d, pped);
            Gen::ev(ev, r, c::PROTEINURIA, None);
            if !skip && g.p(900, who) {
                let codes = if g.rng.permille(600) { c::ACEI } else { c::ARB };
                g.medication(ev, codes);
            }
        }
    }

    if has(who, Group::Hyp) {
        let d = if has(who, Group::Cvdpp) {
            g.between(g.year_start, pped)
        } else {
            g.diagnosis_date(who, 18, early)
        };
        let code = g.pick(c::HYP);
        Gen::ev(ev, d, code, None);
        g.same_day_resolved(ev, d, &[c::HYP_RES]);
        if has(who, Group::Cvdpp) {
            let qd = g.between(g.year_start, pped);
            let q = g.rng.range(200, 450);
            Gen::ev(ev, qd, c::QRISK, Some(f64::from(q) / 10.0));
            if g.p(650, who) {
                g.medication(ev, c::STATIN);
            }
        } else if g.rng.permille(150) {
            // An earlier risk score below 20%, or any score outside the 12 months.
            let qd = g.last_months(36);
            let q = if qd >= g.year_start { g.rng.range(30, 199) } else { g.rng.range(30, 400) };
            Gen::ev(ev, qd, c::QRISK, Some(f64::from(q) / 10.0));
        }
        let skip = g.pca(ev, who, &c::HYP_PCA, PCA_RATE);
        if !skip && !bp_recent && g.p(900, who) {
            let d = g.last_months(12);
            g.bp(ev, d, &SYS_HYP, shift_bp);
            bp_recent = true;
        }
        if g.p(550, who) {
            let codes = if g.rng.permille(600) { c::ACEI } else { c::ARB };
            g.medication(ev, codes);
        }
    }

    let mut antiplatelet = false;
    // PAD has no PCA clusters (and no indicator in the shipped schemes but its register).
    for (grp, codes, onset, pca) in [
        (Group::Chd, c::CHD, 30, Some(&c::CHD_PCA)),
        (Group::Stia, c::STIA, 25, Some(&c::STIA_PCA)),
        (Group::Pad, c::PAD, 40, None),
    ] {
        if has(who, grp) {
            let d = g.diagnosis_date(who, onset, early);
            let code = g.pick(codes);
            Gen::ev(ev, d, code, None);
            let skip = match pca {
                Some(codes) => g.pca(ev, who, codes, PCA_RATE),
                None => false,
            };
            if !skip && !bp_recent && g.p(880, who) {
                let d = g.last_months(12);
                g.bp(ev, d, &SYS_HYP, shift_bp - 3);
                bp_recent = true;
            }
            if !skip && g.p(780, who) {
                g.medication(ev, c::STATIN);
            }
            // Aspirin or clopidogrel (CHD005, STIA007); with AF, the anticoagulant counts.
            if !skip && !antiplatelet && g.p(880, who) {
                g.medication(ev, c::ANTIPLATELET);
                antiplatelet = true;
            }
        }
    }

    if has(who, Group::Af) {
        let d = g.diagnosis_date(who, 25, early);
        let code = g.pick(c::AFIB);
        Gen::ev(ev, d, code, None);
        g.same_day_resolved(ev, d, &[c::AFIB_RES]);
        let mut score = 0;
        score += if age >= 75 {
            2
        } else if age >= 65 {
            1
        } else {
            0
        };
        score += i32::from(who.sex == Sex::Female);
        score += i32::from(has(who, Group::Hyp));
        score += i32::from(has(who, Group::Dm));
        score += i32::from(has(who, Group::Hf));
        score += 2 * i32::from(has(who, Group::Stia));
        score += i32::from(has(who, Group::Chd) || has(who, Group::Pad));
        let skip = g.pca(ev, who, &c::AF_PCA, PCA_RATE);
        if !skip && g.p(820, who) {
            let d = g.last_months(12);
            Gen::ev(ev, d, c::CHA2DS2VASC, Some(f64::from(score.min(9))));
        } else if g.rng.permille(500) {
            let d = g.between(g.back(48), g.back(13));
            Gen::ev(ev, d, c::CHA2DS2VASC, Some(f64::from(score.min(9))));
        }
        let on = if score >= 2 { g.p(870, who) } else { g.rng.permille(150) };
        if on && !skip {
            g.medication(ev, c::ANTICOAG);
        }
    }

    if has(who, Group::Hf) {
        let d = g.diagnosis_date(who, 30, early);
        let code = g.pick(c::HF);
        Gen::ev(ev, d, code, None);
        let skip = g.pca(ev, who, &c::HF_PCA, PCA_RATE);
        if g.p(850, who) {
            // Echo or specialist confirmation from 3 months before to 12 months after.
            let e = g.between(d.add_months(-3), d.add_months(12).min(pped));
            Gen::ev(ev, e, c::ECHO, None);
        } else if g.rng.permille(200) {
            let e = d.add_months(g.rng.range(13, 40)).min(pped);
            Gen::ev(ev, e, c::ECHO, None);
        }
        if g.rng.permille(450) {
            let l = g.between(d, pped);
            Gen::ev(ev, l, c::LVSD, None);
            if !skip && g.p(850, who) {
                let codes = if g.rng.permille(650) { c::ACEI } else { c::ARB };
                g.medication(ev, codes);
                if g.p(800, who) {
                    g.medication(ev, c::BETA_BLOCKER);
                }
            }
        } else if g.p(500, who) {
            g.medication(ev, c::BETA_BLOCKER);
        }
    }

    if has(who, Group::Ast) {
        let d = g.diagnosis_date(who, 2, early);
        let code = g.pick(c::AST);
        Gen::ev(ev, d, code, None);
        g.same_day_resolved(ev, d, &[c::AST_RES]);
        // On the register: asthma treatment in the last 12 months.
        let trt = g.pick(c::AST_TRT);
        let td = g.last_months(12);
        Gen::ev(ev, td, trt, None);
        if g.p(720, who) {
            // Objective test from 3 months before to 6 months after diagnosis.
            let t = g.between(d.add_months(-3), d.add_months(6).min(pped));
            let code = match g.rng.below(3) {
                0 => c::SPIROMETRY,
                1 => c::AST_VARIABILITY,
                _ => c::AST_REVERSIBILITY,
            };
            Gen::ev(ev, t, code, None);
        }
        let skip = g.pca(ev, who, &c::AST_PCA, PCA_RATE);
        if !skip && g.p(720, who) {
            let r = g.last_months(12);
            Gen::ev(ev, r, c::AST_REVIEW, None);
            if g.rng.permille(900) {
                Gen::ev(ev, r, c::RCP3, None);
            }
        }
    }

    if has(who, Group::Copd) {
        let d = g.diagnosis_date(who, 35, early);
        let code = g.pick(c::COPD);
        Gen::ev(ev, d, code, None);
        g.same_day_resolved(ev, d, &[c::COPD_RES]);
        if g.p(850, who) {
            let t = g.between(d.add_months(-3), d.add_months(12).min(pped));
            Gen::ev(ev, t, c::SPIROMETRY, None);
            let ratio = if g.rng.permille(40) { g.rng.range(70, 80) } else { g.rng.range(40, 69) };
            Gen::ev(ev, t, c::FEV1FVC, Some(f64::from(ratio) / 100.0));
        }
        let skip = g.pca(ev, who, &c::COPD_PCA, PCA_RATE);
        if !skip && g.p(800, who) {
            let r = g.last_months(12);
            Gen::ev(ev, r, c::COPD_REVIEW, None);
            let grade = g.pick(c::MRC);
            Gen::ev(ev, r, grade, None);
            // MRC 3 or 4: offer of referral to pulmonary rehabilitation (COPD008).
            if (grade == c::MRC[2] || grade == c::MRC[3]) && g.p(800, who) {
                let o = g.between(r, r.add_days(30).min(pped));
                Gen::ev(ev, o, c::PULMONARY_REHAB_REFERRAL, None);
            }
        }
    }

    if has(who, Group::Dem) {
        let d = g.diagnosis_date(who, 40, early);
        let code = g.pick(c::DEM);
        Gen::ev(ev, d, code, None);
        if g.rng.permille(700) {
            let p = g.between(d, pped);
            Gen::ev(ev, p, c::DEM_CARE_PLAN, None);
        }
        let skip = g.pca(ev, who, &c::DEM_PCA, PCA_RATE);
        if !skip && g.p(730, who) {
            let r = g.last_months(12);
            Gen::ev(ev, r, c::DEM_CARE_PLAN_REVIEW, None);
        }
    }

    if has(who, Group::Mh) {
        let d = g.diagnosis_date(who, 14, early);
        let code = g.pick(c::MH);
        Gen::ev(ev, d, code, None);
        if g.rng.permille(100) {
            g.medication(ev, &[c::LITHIUM]);
        }
        let skip = g.pca(ev, who, &c::MH_PCA, PCA_RATE);
        if !skip {
            if g.p(720, who) {
                let r = g.last_months(12);
                Gen::ev(ev, r, c::MH_CARE_PLAN, None);
            }
            if !bp_recent && g.p(800, who) {
                let r = g.last_months(12);
                g.bp(ev, r, &SYS_GEN, shift_bp);
                bp_recent = true;
            }
        }
    }

    if has(who, Group::Ckd) {
        let d = g.diagnosis_date(who, 18, early);
        let r = g.rng.below(100);
        let code = c::CKD[if r < 45 {
            0
        } else if r < 70 {
            1
        } else if r < 88 {
            2
        } else if r < 97 {
            3
        } else {
            4
        }];
        Gen::ev(ev, d, code, None);
        // A stage 1-2 code the same day leaves the patient on the register too.
        g.same_day_resolved(ev, d, c::CKD_1_2);
        if !bp_recent && g.p(850, who) {
            let r = g.last_months(12);
            g.bp(ev, r, &SYS_HYP, shift_bp);
            bp_recent = true;
        }
    }

    for (grp, codes, onset, earliest) in [
        (Group::Can, c::CAN, 0, date(2003, 4, 1)),
        (Group::Dep, c::DEP, 12, date(2006, 4, 1)),
        (Group::Ld, c::LD, 0, early),
        (Group::Pc, c::PC, 0, date(2008, 4, 1)),
        (Group::Ra, c::RA, 16, early),
    ] {
        if has(who, grp) {
            let d = if grp == Group::Pc {
                g.last_months(36)
            } else {
                g.diagnosis_date(who, onset, earliest)
            };
            let code = g.pick(codes);
            Gen::ev(ev, d, code, None);
            // PCAs for the cohorts of RA002 (every member), CAN003 (diagnosed in the last 15
            // months) and DEP003 (diagnosed in the year), with the condition's own codes.
            let pca = match grp {
                Group::Ra => Some(&c::RA_PCA),
                Group::Can if d > g.back(15) => Some(&c::CAN_PCA),
                Group::Dep if d >= g.year_start => Some(&c::DEP_PCA),
                _ => None,
            };
            let skip = match pca {
                Some(codes) => g.pca(ev, who, codes, PCA_RATE),
                None => false,
            };
            if grp == Group::Ra && !skip && g.p(800, who) {
                let r = g.last_months(12);
                Gen::ev(ev, r, c::RA_REVIEW, None);
            }
            // Cancer care review within 6 months of a diagnosis in the last 15 months (CAN003).
            if grp == Group::Can && d > g.back(15) && !skip && g.p(850, who) {
                let r = g.between(d.add_days(14), d.add_months(6)).min(pped);
                Gen::ev(ev, r, c::CANCER_REVIEW, None);
            }
            // Depression review 10 to 56 days after a diagnosis in the year (DEP003).
            if grp == Group::Dep && d >= g.year_start && !skip && g.p(750, who) {
                let r = g.between(d.add_days(10), d.add_days(56));
                if r <= pped {
                    Gen::ev(ev, r, c::DEPRESSION_REVIEW, None);
                }
            }
        }
    }

    if has(who, Group::Ep) {
        let d = g.diagnosis_date(who, 0, early);
        let code = g.pick(c::EP);
        Gen::ev(ev, d, code, None);
        let drug = g.pick(c::EP_DRUG);
        let dd = g.last_months(6);
        Gen::ev(ev, dd, drug, None);
    }

    if has(who, Group::Ost) {
        // Aged 50-74: a fragility fracture on or after 1 April 2012 (and after 50), then
        // osteoporosis diagnosed on a DXA scan within 6 months. Aged 75 or over: a fracture on
        // or after 1 April 2014 is enough; 70% also have the diagnosis, half of them a scan.
        let old = age >= 75;
        let since = if old { date(2014, 4, 1) } else { date(2012, 4, 1) };
        let f = g.between(since.max(who.birth.add_months(12 * 50)), pped);
        let code = g.pick(c::FRAGILITY_FRACTURE);
        Gen::ev(ev, f, code, None);
        if !old || g.rng.permille(700) {
            let d = g.between(f, f.add_months(6).min(pped));
            if !old || g.rng.permille(500) {
                Gen::ev(ev, d, c::DXA_OSTEOPOROTIC, None);
            }
            Gen::ev(ev, d, c::OST[0], None);
        }
        if g.p(820, who) {
            g.medication(ev, &[c::ALENDRONATE]);
        }
    } else if resolved & bit(Group::Ost) != 0 {
        ost_near_miss(g, who, ev);
    }

    // Body mass index (adults): the obesity register is a BMI of 30 or more in the last 12
    // months, so only its members have one; others' recent values are below 30.
    if age >= 18 {
        if has(who, Group::Ob) {
            let d = g.last_months(12);
            let v = 300 + g.rng.below(60) + g.rng.below(60) + g.rng.below(70);
            Gen::ev(ev, d, c::BMI, Some(f64::from(v) / 10.0));
            if g.rng.permille(300) {
                Gen::ev(ev, d, c::BMI30, None);
            }
        } else {
            if g.rng.permille(350) {
                let d = g.last_months(12);
                let v = 175 + g.rng.below(125);
                Gen::ev(ev, d, c::BMI, Some(f64::from(v) / 10.0));
            }
            if g.rng.permille(150) {
                let d = g.between(g.back(36), g.back(13));
                let v = 190 + g.rng.below(170);
                Gen::ev(ev, d, c::BMI, Some(f64::from(v) / 10.0));
            }
        }
    }

    // Blood pressure for 45 and over within 5 years (BP002), if none recorded above. 12% of
    // those still without one declined a check (`BPDEC_COD`) 25 to 60 months back: BP002's
    // `chose not to` looks back 5 years, while the 12-month windows of the other rules that
    // read `BPDEC_COD` (HYP003, DM019, ...) do not reach that far, so the decline touches
    // BP002 only.
    if age >= 45 && !bp_recent {
        if g.p(880, who) {
            let d = g.last_months(60);
            g.bp(ev, d, &SYS_GEN, 0);
        } else if g.rng.permille(120) {
            let d = g.between(g.back(60).add_days(1), g.back(25));
            Gen::ev(ev, d, c::BP_DECLINED, None);
        }
    }

    // Smoking status from 15: current 15%, ex 25%, never 60%.
    if age >= 15 {
        let condition = who.flags
            & (bit(Group::Chd)
                | bit(Group::Pad)
                | bit(Group::Stia)
                | bit(Group::Hyp)
                | bit(Group::Dm)
                | bit(Group::Copd)
                | bit(Group::Ckd)
                | bit(Group::Ast)
                | bit(Group::Mh))
            != 0;
        let r = g.rng.below(100);
        let status = if r < 15 {
            c::SMOKER
        } else if r < 40 {
            c::EX_SMOKER
        } else {
            c::NEVER_SMOKED
        };
        // Smoking PCAs (SMOK002, SMOK004, SMOK005), with the smoking codes, for patients in
        // those indicators: a quarter of the clinical groups' rate.
        let skip =
            (condition || status == c::SMOKER) && g.pca(ev, who, &c::SMOK_PCA, SMOK_PCA_RATE);
        if condition && !skip && g.p(900, who) {
            let d = g.last_months(12);
            Gen::ev(ev, d, status, None);
        } else if g.rng.permille(800) {
            let d = g.last_months(60);
            Gen::ev(ev, d, status, None);
        }
        // Smokers with a QOF condition are offered support at their yearly review (within 12
        // months), others within 24 months.
        if status == c::SMOKER && !skip && g.p(800, who) {
            let d = g.last_months(if condition { 12 } else { 24 });
            Gen::ev(ev, d, c::SMOKING_CESSATION, None);
        }
    }

    // Cervical screening, women 25-64: 2% hysterectomy; tests within 3.5 / 5.5 years.
    if who.sex == Sex::Female && (25..=64).contains(&age) {
        if g.rng.permille(20) {
            let d = g.between(who.birth.add_months(12 * 25), pped);
            Gen::ev(ev, d, c::HYSTERECTOMY, None);
        } else {
            let (base, months) = if age <= 49 { (740, 42) } else { (770, 66) };
            if g.p(base, who) {
                let d = g.last_months(months);
                Gen::ev(ev, d, c::SMEAR, None);
            } else if g.rng.permille(200) {
                let d = g.last_months(12);
                Gen::ev(ev, d, c::CS_DECLINED, None);
            }
        }
    }

    // Influenza vaccination between 1 September and 31 January.
    let at_risk = who.flags
        & (bit(Group::Dm) | bit(Group::Chd) | bit(Group::Stia) | bit(Group::Copd) | bit(Group::Hf))
        != 0;
    let flu = if at_risk {
        g.p(780, who)
    } else if age >= 65 {
        g.p(700, who)
    } else {
        g.rng.permille(60)
    };
    if flu {
        let d = g.between(date(2019, 9, 1), date(2020, 1, 31));
        Gen::ev(ev, d, c::FLU, None);
    }

    // Noise: everyday codes unrelated to QOF, over the last 10 years.
    let n = g.rng.below(6);
    let lo = g.back(120).add_days(1).max(who.birth);
    for _ in 0..n {
        let d = g.between(lo, pped);
        let code = g.pick(c::NOISE);
        Gen::ev(ev, d, code, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_reproduce_list_sizes() {
        // A81001: TOTAL 4111, 16OV 3345, 17OV 3307, 18OV 3258, 30_74 2228, 50OV 1716.
        let l = [4111, 3345, 3307, 3258, 2228, 1716];
        let b = band_counts(l);
        let sum = |lo: u32, hi: u32| -> u32 {
            (0..NB).filter(|&i| BOUNDS[i] >= lo && BOUNDS[i + 1] <= hi).map(|i| b[i]).sum()
        };
        assert_eq!(sum(0, 200), 4111);
        assert_eq!(sum(16, 200), 3345);
        assert_eq!(sum(17, 200), 3307);
        assert_eq!(sum(18, 200), 3258);
        assert_eq!(sum(30, 75), 2228);
        assert_eq!(sum(50, 200), 1716);
    }

    #[test]
    fn allocation_respects_caps_and_total() {
        let sizes = [5, 5, 1, 1, 10, 10, 10, 10, 5, 5, 5, 5, 5, 5, 5];
        let mut w = [0u32; NB];
        w[14] = 100;
        let eligible = [true; NB];
        let q = allocate(20, &sizes, &w, &eligible);
        assert_eq!(q.iter().sum::<u32>(), 20);
        assert!(q.iter().zip(sizes).all(|(q, s)| *q <= s));
        assert_eq!(q[14], 5);
        let q = allocate(87, &sizes, &w, &eligible);
        assert_eq!(q.iter().sum::<u32>(), 87);
    }

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&HBA1C_Q, 0), 36);
        assert_eq!(quantile(&HBA1C_Q, 500), 53);
        assert_eq!(quantile(&HBA1C_Q, 600), 55);
        assert_eq!(quantile(&HBA1C_Q, 1000), 120);
    }
}
