//! Reporting strata in a comparison (issue #17): when either scheme reports by anything
//! (`report by age band ...`, `sex`, `deprivation decile`, a classification), each
//! indicator's counts per class under A and under B, summed over practices. Strata never
//! change money; they show who a rule change moves (e.g. which age band loses its numerator).

use super::impact::IndicatorImpact;
use crate::compile::Program;
use crate::eval::Evaluation;
use serde::Serialize;

/// One indicator's counts in one class of a reporting dimension, summed over practices.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StratumCounts {
    pub denominator: u64,
    pub numerator: u64,
    pub pcas: u64,
}

impl StratumCounts {
    /// The achievement as a percentage to one decimal place (half up), `None` for an empty
    /// denominator: `57.1%`.
    pub fn achieved(&self) -> Option<String> {
        if self.denominator == 0 {
            return None;
        }
        // tenths of a percent, rounded half up, in integers
        let tenths = (self.numerator * 2000 + self.denominator) / (2 * self.denominator);
        Some(format!("{}.{}%", tenths / 10, tenths % 10))
    }
}

/// One class of one indicator's reporting dimension under each scheme.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportImpact {
    pub indicator: String,
    /// `age band`, `sex`, `deprivation decile` or a classification's name.
    pub dimension: String,
    pub class: String,
    /// `null` when scheme A does not report the indicator by this dimension.
    pub a: Option<StratumCounts>,
    /// `null` when scheme B does not report the indicator by this dimension.
    pub b: Option<StratumCounts>,
    /// [`StratumCounts::achieved`] of each side (`null` for no denominator, or not reported).
    pub achieved_a: Option<String>,
    pub achieved_b: Option<String>,
}

/// One indicator's dimension in one scheme: its classes and their sums.
struct Dim<'p> {
    indicator: &'p str,
    name: &'p str,
    classes: &'p [String],
    sums: Vec<StratumCounts>,
}

fn dims<'p>(p: &'p Program, ev: &Evaluation) -> Vec<Dim<'p>> {
    let mut out = Vec::new();
    for (i, ind) in p.indicators.iter().enumerate() {
        for (d, &r) in ind.reports.iter().enumerate() {
            let Some(dim) = p.reports.get(r as usize) else { continue };
            let mut sums = vec![StratumCounts::default(); dim.classes.len()];
            for t in &ev.practices {
                let tallies = t.indicator(i).report(d);
                for (s, tally) in sums.iter_mut().zip(&tallies) {
                    s.denominator += u64::from(tally.denominator);
                    s.numerator += u64::from(tally.numerator);
                    s.pcas += u64::from(tally.pcas);
                }
            }
            out.push(Dim { indicator: &ind.id, name: &dim.name, classes: &dim.classes, sums });
        }
    }
    out
}

/// The strata of both evaluations, in the comparison's indicator order; for each indicator
/// A's dimensions then those only B reports by, classes in written order (A's, then B's own);
/// classes empty under both schemes are left out. Empty when neither scheme reports by
/// anything.
pub fn report_impacts(
    indicators: &[IndicatorImpact],
    (pa, ea): (&Program, &Evaluation),
    (pb, eb): (&Program, &Evaluation),
) -> Vec<ReportImpact> {
    let (da, db) = (dims(pa, ea), dims(pb, eb));
    let mut out = Vec::new();
    for ind in indicators {
        let of = |ds: &'_ [Dim<'_>]| -> Vec<usize> {
            ds.iter().enumerate().filter(|(_, d)| d.indicator == ind.id).map(|(k, _)| k).collect()
        };
        let (ka, kb) = (of(&da), of(&db));
        let mut names: Vec<&str> = ka.iter().map(|&k| da[k].name).collect();
        for &k in &kb {
            if !names.contains(&db[k].name) {
                names.push(db[k].name);
            }
        }
        for name in names {
            let a = ka.iter().map(|&k| &da[k]).find(|d| d.name == name);
            let b = kb.iter().map(|&k| &db[k]).find(|d| d.name == name);
            let mut classes: Vec<&str> =
                a.map(|d| d.classes.iter().map(String::as_str).collect()).unwrap_or_default();
            for c in b.map_or(&[][..], |d| d.classes) {
                if !classes.contains(&c.as_str()) {
                    classes.push(c);
                }
            }
            let count = |d: Option<&Dim<'_>>, class: &str| {
                d.map(|d| {
                    d.classes
                        .iter()
                        .position(|c| c == class)
                        .map_or_else(StratumCounts::default, |k| {
                            d.sums.get(k).copied().unwrap_or_default()
                        })
                })
            };
            for class in classes {
                let (ca, cb) = (count(a, class), count(b, class));
                let empty = |c: Option<StratumCounts>| c.unwrap_or_default() == Default::default();
                if empty(ca) && empty(cb) {
                    continue;
                }
                out.push(ReportImpact {
                    indicator: ind.id.clone(),
                    dimension: name.to_string(),
                    class: class.to_string(),
                    a: ca,
                    b: cb,
                    achieved_a: ca.and_then(|c| c.achieved()),
                    achieved_b: cb.and_then(|c| c.achieved()),
                });
            }
        }
    }
    out
}
