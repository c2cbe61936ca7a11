//! Practice-level inputs for synthetic populations: `attested.csv` (attested indicators,
//! gateway requirements, obligations) and `historic.csv` (a prior year's points, for schemes
//! paid on historic achievement), so that local schemes paid on them do not pay £0 on
//! generated data. Deterministic (seed, practice id, item), integer and decimal arithmetic
//! only: the same bytes natively and in wasm. Every row says `synthetic` in its `source`
//! column, which the readers ignore.

use super::rng::{fnv1a, splitmix64, Rng};
use crate::model::Practice;
use crate::scheme::{Kind, PaymentModel, Scheme};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// The file names in a population folder (read by `eval`, `compare` and `explain` when present).
pub const ATTESTED_FILE: &str = "attested.csv";
pub const HISTORIC_FILE: &str = "historic.csv";

/// What a set of schemes reads at practice level: attested item ids, and per historic year
/// the items paid on it with their maximum points.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InputSpec {
    /// Attested indicators and gateway requirements.
    pub attested: BTreeSet<String>,
    /// Obligations: conditions of the whole payment, which participating practices meet.
    pub obligations: BTreeSet<String>,
    pub historic: BTreeMap<String, BTreeMap<String, Decimal>>,
    /// The £ per point historic pounds are priced at (the highest of the schemes').
    pub point_value: Decimal,
}

/// Every year `model` pays on historic achievement (`historic YEAR`), anywhere in it.
pub fn historic_years(model: &PaymentModel, out: &mut BTreeSet<String>) {
    match model {
        PaymentModel::Performance => {}
        PaymentModel::Historic { year, .. } => {
            out.insert(year.clone());
        }
        PaymentModel::Blend { parts } => {
            for (_, m) in parts {
                historic_years(m, out);
            }
        }
        PaymentModel::HigherOf { a, b, on, .. } => {
            historic_years(a, out);
            historic_years(b, out);
            historic_years(on, out);
        }
        PaymentModel::Except { base, on, .. } => {
            historic_years(base, out);
            historic_years(on, out);
        }
        PaymentModel::ByIndicator { base, parts } => {
            historic_years(base, out);
            for p in parts {
                historic_years(&p.model, out);
            }
        }
    }
}

/// The points of a group paid on a historic year when the scheme pays no indicator of its
/// own (Somerset: QOF 2012/13 paid per group): about a thirtieth of 2012/13's 1,000 points.
const GROUP_POINTS: i64 = 30;

impl InputSpec {
    /// Adds what `scheme` reads: its attested indicators, the requirements of its gateways,
    /// its obligations, and for each year its payment model is historic on, its indicators
    /// with their points.
    pub fn add(&mut self, scheme: &Scheme) {
        for ind in &scheme.indicators {
            if ind.kind == Kind::Attested {
                self.attested.insert(ind.id.clone());
            }
        }
        for g in &scheme.gateways {
            self.attested.extend(g.requires.iter().cloned());
        }
        for o in &scheme.obligations {
            self.obligations.insert(o.id.clone());
        }
        let mut years = BTreeSet::new();
        historic_years(&scheme.payment, &mut years);
        let paid: Vec<_> = scheme.indicators.iter().filter(|i| !i.monitored).collect();
        for year in years {
            let items = self.historic.entry(year).or_default();
            for ind in &paid {
                items.entry(ind.id.clone()).or_insert(ind.points);
            }
            if paid.is_empty() {
                for r in &scheme.registers {
                    items.entry(r.id.clone()).or_insert(Decimal::from(GROUP_POINTS));
                }
            }
        }
        self.point_value = self.point_value.max(scheme.point_value);
    }

    pub fn is_empty(&self) -> bool {
        self.attested.is_empty() && self.obligations.is_empty() && self.historic.is_empty()
    }
}

/// A practice's generator for one item: its own stream, so adding an item or a practice
/// changes no other row.
fn rng(seed: u64, practice: &str, item: &str) -> Rng {
    let mut s = seed ^ fnv1a(practice).rotate_left(7) ^ fnv1a(item).rotate_left(41);
    Rng::new(splitmix64(&mut s))
}

/// `attested.csv` for the practices: attested indicators and gateway requirements are met by
/// nine practices in ten almost always (99.5% an item) and by the others at 70% an item;
/// obligations, which gate a whole payment, by every practice (a scheme's assurance removes
/// practices that do not meet them, so the practices on a list all do).
pub fn attested_csv(practices: &[Practice], spec: &InputSpec, seed: u64) -> String {
    let mut out = String::from("practice_id,item_id,met,source\n");
    for p in practices {
        let engaged = rng(seed, &p.practice_id, "attested").permille(900);
        let chance = if engaged { 995 } else { 700 };
        let items = spec
            .attested
            .iter()
            .map(|i| (i, false))
            .chain(spec.obligations.iter().map(|i| (i, true)));
        let mut rows: Vec<(&String, bool)> = items
            .map(|(item, obligation)| {
                (item, obligation || rng(seed, &p.practice_id, item).permille(chance))
            })
            .collect();
        rows.sort();
        for (item, met) in rows {
            out.push_str(&format!(
                "{},{},{},synthetic\n",
                p.practice_id,
                item,
                if met { "yes" } else { "no" }
            ));
        }
    }
    out
}

/// `historic.csv` for the practices: for every historic year and item, the points a practice
/// achieved then, between 60% and 100% of the item's maximum (practices differ, and each is
/// consistent across its items), to two decimal places, and the pounds they were paid (for
/// models paid `in pounds`).
pub fn historic_csv(practices: &[Practice], spec: &InputSpec, seed: u64) -> String {
    let mut out = String::from("practice_id,year,item,points,pounds,source\n");
    for p in practices {
        // The practice's level: 75% to 97% of the maximum, the same for every item.
        let level = 750 + rng(seed, &p.practice_id, "").below(221);
        for (year, items) in &spec.historic {
            for (item, max) in items {
                let spread = rng(seed, &p.practice_id, &format!("{year}/{item}")).range(-150, 30);
                let share = (i64::from(level) + i64::from(spread)).clamp(600, 1000);
                let points = (*max * Decimal::new(share, 3)).round_dp(2);
                // As paid then: the points at the £ per point, for a practice of average
                // list size and prevalence.
                let pounds = (points * spec.point_value).round_dp(2);
                out.push_str(&format!(
                    "{},{},{},{},{},synthetic\n",
                    p.practice_id, year, item, points, pounds
                ));
            }
        }
    }
    out
}
