//! Paying a scheme again after a change to some of its indicators' figures (thresholds,
//! points, points at the lower threshold, strata's figures), re-paying only the lines of the
//! indicators that changed: what a sweep does for every value of a lever (`src/sweep/`).
//!
//! [`Repay::new`] pays every practice once under the scheme as written and keeps what a
//! change of indicator figures leaves as it was: the money factors (CPI, APDF, the value of a
//! point per group), the obligations and tiers, the gateways' and tiers' payments, and every
//! payment line and indicator's points. [`Repay::repay`] then scores and pays only the changed
//! indicators' lines, with the pay phase's own functions (`score`, `model_pay`, [`Money`]);
//! a practice whose changed lines come out as before (the same value and scale) keeps its
//! payment, and any other has its lines summed again as [`Run::practice`] sums them, in the
//! same order, so every figure is the one a full run gives (`sweep::tests` checks it against
//! [`super::pay_totals`] on every shipped scheme). A change to anything else (the point
//! value, the model, rounding, groups, gateways, a network indicator) is not handled:
//! [`Repay::repay`] says so and the caller pays in full.

use super::*;

/// One practice as the scheme as written paid it.
struct Kept {
    factors: Factors,
    /// The first unmet obligation.
    unmet: Option<usize>,
    unlocked: Vec<bool>,
    /// The gateways' and tiers' payments, added in the order the pay phase adds them.
    fixed: Decimal,
    /// Every payment line as added to the practice's money, in order: one per practice
    /// indicator (scheme order), then historic items that are not indicators. (group, payment
    /// as added: rounded for a scheme that rounds per line, unrounded otherwise)
    lines: Vec<(Option<usize>, Decimal)>,
    /// Each practice indicator's points, in scheme order.
    points: Vec<Decimal>,
    payment: Decimal,
    total_points: Decimal,
    aspiration: Option<Decimal>,
}

/// A scheme paid once over some practices, ready to be paid again with some indicators'
/// figures changed.
pub struct Repay<'a> {
    scheme: &'a PayScheme,
    national: &'a NationalFigures,
    data: &'a PracticeData,
    kept: Vec<Kept>,
    /// Practice positions in practice-code order: the order totals are added in.
    order: Vec<usize>,
    /// Each network's own points and payment (its network indicators'), in the order of the
    /// pay result's networks.
    networks: Vec<(String, Decimal, Decimal)>,
}

/// What a pay run costs, as [`Repay::repay`] gives it: the figures of [`PayResult`] a sweep
/// reads, each equal to the full run's.
#[derive(Clone, Debug, PartialEq)]
pub struct Repaid {
    /// `PayResult::total`.
    pub total: Total,
    /// Each practice's payment, in the data's practice order.
    pub practices: Vec<Decimal>,
    /// Each practice's aspiration (paid in advance), in the data's practice order.
    pub aspiration: Vec<Option<Decimal>>,
    /// Each network's own payment (network indicators), in the pay result's order.
    pub networks: Vec<(String, Decimal)>,
}

/// Scratch space for one thread.
#[derive(Default)]
struct Scratch<'a> {
    strata: Vec<Option<&'a Counts>>,
    results: Vec<StratumResult<'a>>,
}

impl<'a> Run<'a> {
    /// One practice indicator's points and its payment as added to the practice's money,
    /// exactly as [`Run::practice`] computes them.
    #[allow(clippy::too_many_arguments)]
    fn repay_line(
        &self,
        ci: &Ind<'a>,
        p: &'a PracticeCounts,
        pi: usize,
        f: &Factors,
        unlocked: &[bool],
        unmet: Option<usize>,
        s: &mut Scratch<'a>,
        w: &mut Warnings<'a>,
    ) -> (Decimal, Decimal) {
        let ind = ci.ind;
        let counts = PracticeData::counts(p, ci.data_col);
        s.strata.clear();
        s.strata.extend(ci.strata_cols.iter().map(|&c| PracticeData::counts(p, c)));
        s.results.clear();
        let attested = ind.kind == IndicatorKind::Attested && self.data.is_attested(p, &ind.id);
        let (_, points) = self.score(ind, counts, &s.strata, attested, &mut s.results);
        let locked = ci.tier.filter(|&t| !unlocked.get(t).copied().unwrap_or(false));
        let pay = if ind.monitored || locked.is_some() || unmet.is_some() {
            Decimal::ZERO
        } else {
            let (raw, _) =
                self.model_pay(&self.scheme.model, &ind.id, points, f, ci.group, p, pi, w);
            Money::new(self.r, 0).line(raw)
        };
        (points, pay)
    }

    /// What [`Repay`] keeps of one practice: its payment computed as [`Run::practice`] does.
    fn keep(
        &self,
        pi: usize,
        p: &'a PracticeCounts,
        s: &mut Scratch<'a>,
        w: &mut Warnings<'a>,
    ) -> Kept {
        let pid: &'a str = &p.practice_id;
        let mut f = Factors::default();
        let list_size = PracticeData::list_size(p, self.total_col);
        self.factors(
            &mut f,
            list_size.map(u64::from),
            |g| PracticeData::register(p, g.data_col).map(u64::from),
            |g| PracticeData::list_size(p, g.list_col).map(u64::from),
            pi,
            pid,
            w,
        );
        let unmet = self.scheme.obligations.iter().position(|o| !self.data.is_attested(p, &o.id));
        let mut fixed = Decimal::ZERO;
        let mut met = Vec::with_capacity(self.scheme.gateways.len());
        for g in &self.scheme.gateways {
            let ok = g.requires.iter().all(|item| self.data.is_attested(p, item));
            met.push(ok);
            let pay = if ok && unmet.is_none() { self.r.money(g.payment) } else { Decimal::ZERO };
            fixed = fixed.saturating_add(pay);
        }
        let mut unlocked = Vec::new();
        self.unlock(&met, &mut unlocked);
        for (t, tier) in self.scheme.tiers.iter().enumerate() {
            let pay = if unlocked[t] && unmet.is_none() {
                self.r.money(tier.payment)
            } else {
                Decimal::ZERO
            };
            fixed = fixed.saturating_add(pay);
        }
        let mut lines = Vec::with_capacity(self.practice_inds.len());
        let mut points = Vec::with_capacity(self.practice_inds.len());
        for ci in &self.practice_inds {
            let (pts, pay) = self.repay_line(ci, p, pi, &f, &unlocked, unmet, s, w);
            points.push(pts);
            lines.push((Some(ci.group), pay));
        }
        let money = Money::new(self.r, 0);
        for u in &self.unmatched {
            let Some(year) = self.data.historic(p, &u.model.year) else { continue };
            for (item, value) in year.items() {
                if self.indicator_ids.contains(item) {
                    continue;
                }
                let g = self.group_by_id.get(item).copied();
                let a = g.and_then(|g| f.apdf.get(g).copied()).unwrap_or(Decimal::ONE);
                let raw = self.historic(u.model, Some(value), f.cpi, a);
                let pay = match unmet {
                    Some(_) => Decimal::ZERO,
                    None => money.line(mul_sat(u.weight, raw)),
                };
                lines.push((g, pay));
            }
        }
        let mut kept = Kept {
            factors: f,
            unmet,
            unlocked,
            fixed,
            lines,
            points,
            payment: Decimal::ZERO,
            total_points: Decimal::ZERO,
            aspiration: None,
        };
        (kept.total_points, kept.payment) = self.sum(&kept, &kept.points, &kept.lines);
        kept.aspiration = self.aspiration(p, &kept.factors, kept.payment).map(|a| a.aspiration);
        kept
    }

    /// A practice's points and payment from its indicators' points and its lines, added in
    /// [`Run::practice`]'s order.
    fn sum(
        &self,
        kept: &Kept,
        points: &[Decimal],
        lines: &[(Option<usize>, Decimal)],
    ) -> (Decimal, Decimal) {
        let mut total = Decimal::ZERO;
        for (ci, &pts) in self.practice_inds.iter().zip(points) {
            if !ci.ind.monitored {
                total = total.saturating_add(pts);
            }
        }
        let mut money = Money::new(self.r, self.groups.len());
        for &(g, pay) in lines {
            money.add(g, pay);
        }
        (total, kept.fixed.saturating_add(money.finish()))
    }
}

/// The same value with the same scale: what a later sum cannot tell apart.
fn same(a: Decimal, b: Decimal) -> bool {
    a == b && a.scale() == b.scale()
}

impl<'a> Repay<'a> {
    /// Pays every practice of `data` under `scheme` as written and keeps what [`Repay::repay`]
    /// needs. Fails only when the scheme itself is inconsistent, as [`super::pay`] does.
    pub fn new(
        scheme: &'a PayScheme,
        national: &'a NationalFigures,
        data: &'a PracticeData,
    ) -> Result<Repay<'a>, PayErrors> {
        let errors = scheme.validate();
        if !errors.is_empty() {
            return Err(PayErrors(errors));
        }
        let (result, _) = pay_totals(scheme, national, data)?;
        let networks = result
            .networks
            .iter()
            .map(|n| (n.network_id.to_string(), n.points, n.payment))
            .collect();
        drop(result);
        let run = Run::new(scheme, national, data);
        let all = data.practices();
        let kept = Self::chunks(all.len(), |range| {
            let (mut s, mut w) = (Scratch::default(), Warnings::default());
            range.map(|pi| run.keep(pi, &all[pi], &mut s, &mut w)).collect::<Vec<_>>()
        });
        let mut order: Vec<usize> = (0..all.len()).collect();
        order.sort_unstable_by_key(|&i| all[i].practice_id.as_str());
        Ok(Repay { scheme, national, data, kept, order, networks })
    }

    /// `f` over contiguous ranges of `n` practices, one per core (one range on wasm32 and
    /// below [`MIN_PARALLEL`] practices), its results concatenated in practice order.
    fn chunks<T: Send>(n: usize, f: impl Fn(std::ops::Range<usize>) -> Vec<T> + Sync) -> Vec<T> {
        let threads = if n < MIN_PARALLEL { 1 } else { available_threads().clamp(1, n) };
        if threads == 1 {
            return f(0..n);
        }
        let size = n.div_ceil(threads);
        let ranges: Vec<_> = (0..n).step_by(size).map(|a| a..(a + size).min(n)).collect();
        crate::par::map_in_order(ranges, f).into_iter().flatten().collect()
    }

    /// What the scheme as written costs.
    pub fn base(&self) -> Repaid {
        self.totals(
            self.kept.iter().map(|k| (k.total_points, k.payment)).collect(),
            self.kept.iter().map(|k| k.aspiration).collect(),
        )
    }

    /// What `scheme` costs on the same data, when it is the scheme given to [`Repay::new`]
    /// with only some practice indicators' figures changed (thresholds, points, points at the
    /// lower threshold, strata's figures) and perhaps the aspiration share: only those lines
    /// are paid again. `None` when anything else differs (the point value, the model,
    /// rounding, groups, gateways, tiers, obligations, which indicators there are, an
    /// indicator's group, tier or network, monitored status): pay it in full.
    pub fn repay(&self, scheme: &PayScheme) -> Option<Result<Repaid, PayErrors>> {
        let touched = self.touched(scheme)?;
        let errors = scheme.validate();
        if !errors.is_empty() {
            return Some(Err(PayErrors(errors)));
        }
        let aspiration_changed = scheme.aspiration != self.scheme.aspiration;
        let run = Run::new(scheme, self.national, self.data);
        let all = self.data.practices();
        let kept = &self.kept;
        let per: Vec<((Decimal, Decimal), Option<Decimal>)> = Self::chunks(all.len(), |range| {
            let (mut s, mut w) = (Scratch::default(), Warnings::default());
            let mut points = Vec::new();
            let mut lines = Vec::new();
            range
                .map(|pi| {
                    let (p, k) = (&all[pi], &kept[pi]);
                    let mut changed = false;
                    let new: Vec<(usize, Decimal, Decimal)> = touched
                        .iter()
                        .map(|&t| {
                            let ci = &run.practice_inds[t];
                            let (pts, pay) = run.repay_line(
                                ci,
                                p,
                                pi,
                                &k.factors,
                                &k.unlocked,
                                k.unmet,
                                &mut s,
                                &mut w,
                            );
                            changed |= !same(pts, k.points[t]) || !same(pay, k.lines[t].1);
                            (t, pts, pay)
                        })
                        .collect();
                    let sums = if changed {
                        points.clear();
                        points.extend_from_slice(&k.points);
                        lines.clear();
                        lines.extend_from_slice(&k.lines);
                        for &(t, pts, pay) in &new {
                            points[t] = pts;
                            lines[t].1 = pay;
                        }
                        run.sum(k, &points, &lines)
                    } else {
                        (k.total_points, k.payment)
                    };
                    let aspiration = if aspiration_changed {
                        run.aspiration(p, &k.factors, sums.1).map(|a| a.aspiration)
                    } else {
                        k.aspiration
                    };
                    (sums, aspiration)
                })
                .collect::<Vec<_>>()
        });
        let (sums, aspiration): (Vec<_>, Vec<_>) = per.into_iter().unzip();
        Some(Ok(self.totals(sums, aspiration)))
    }

    /// The positions (among practice indicators) of the indicators whose figures differ from
    /// the scheme as written; `None` if anything else differs.
    fn touched(&self, s: &PayScheme) -> Option<Vec<usize>> {
        let b = self.scheme;
        let same_aspiration = match (&s.aspiration, &b.aspiration) {
            (Some(x), Some(y)) => x.previous == y.previous,
            (None, None) => true,
            _ => false,
        };
        if s.pound_per_point != b.pound_per_point
            || s.rounding != b.rounding
            || s.zero_denominator != b.zero_denominator
            || s.groups != b.groups
            || s.model != b.model
            || s.gateways != b.gateways
            || s.tiers != b.tiers
            || s.obligations != b.obligations
            || s.paid_to_networks != b.paid_to_networks
            || s.indicators.len() != b.indicators.len()
            || !same_aspiration
        {
            return None;
        }
        let mut touched = Vec::new();
        let mut k = 0;
        for (x, y) in s.indicators.iter().zip(&b.indicators) {
            if x.id != y.id
                || x.group != y.group
                || x.network != y.network
                || x.tier != y.tier
                || x.monitored != y.monitored
                || x.strata.len() != y.strata.len()
                || x.strata.iter().zip(&y.strata).any(|(a, b)| a.id != b.id)
            {
                return None;
            }
            if x.network {
                if x != y {
                    return None;
                }
                continue;
            }
            if x != y {
                touched.push(k);
            }
            k += 1;
        }
        Some(touched)
    }

    /// The totals from each practice's (points, payment): added in practice-code order, then
    /// the networks' own, as the pay phase adds them.
    fn totals(&self, sums: Vec<(Decimal, Decimal)>, aspiration: Vec<Option<Decimal>>) -> Repaid {
        let mut total = Total { points: Decimal::ZERO, payment: Decimal::ZERO };
        for &i in &self.order {
            total.points = total.points.saturating_add(sums[i].0);
            total.payment = total.payment.saturating_add(sums[i].1);
        }
        for (_, points, payment) in &self.networks {
            total.points = total.points.saturating_add(*points);
            total.payment = total.payment.saturating_add(*payment);
        }
        Repaid {
            total,
            practices: sums.into_iter().map(|s| s.1).collect(),
            aspiration,
            networks: self.networks.iter().map(|(n, _, p)| (n.clone(), *p)).collect(),
        }
    }
}
