//! The payment run: counts -> achievement -> points -> money, per practice and network.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rust_decimal::Decimal;

use super::error::PayErrors;
use super::input::{Counts, HistoricValue, PracticeCounts, PracticeData};
use super::national::NationalFigures;
use super::numeric::{div, Rounding};
use super::points::fraction_points;
use super::result::{
    AspirationResult, GatewayResult, IndicatorResult, NetworkResult, ObligationResult, PayResult,
    PayWarning, PracticeResult, SchemeInfo, Total,
};
use super::scheme::{
    HistoricBasis, HistoricModel, IndicatorKind, PayIndicator, PayScheme, PaymentModel,
};

/// The list type CPI is computed on.
pub const CPI_LIST_TYPE: &str = "TOTAL";

/// Pays every practice (and network) in `data` under `scheme`, with `national` figures.
///
/// Fails only when the scheme itself is inconsistent ([`PayScheme::validate`]); data problems
/// (a missing list size, register or historic year) are assumed away as documented in
/// `docs/money.md` and reported as counted [`PayWarning`]s.
pub fn pay<'a>(
    scheme: &'a PayScheme,
    national: &'a NationalFigures,
    data: &'a PracticeData,
) -> Result<PayResult<'a>, PayErrors> {
    let errors = scheme.validate();
    if !errors.is_empty() {
        return Err(PayErrors(errors));
    }
    let run = Run::new(scheme, national, data);
    Ok(run.go())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum WarnKey<'a> {
    NoListSize,
    ZeroAverageListSize,
    NoGroupListSize(&'a str, &'a str),
    NoRegister(&'a str),
    NoNationalPrevalence(&'a str),
    NoCounts(&'a str),
    NoHistoricYear(&'a str),
    NoNetwork,
}

impl WarnKey<'_> {
    fn message(&self) -> String {
        match self {
            WarnKey::NoListSize => format!(
                "no `{CPI_LIST_TYPE}` list size: CPI unknown, paid nothing on list-size-adjusted lines"
            ),
            WarnKey::ZeroAverageListSize => {
                "the national average list size is 0: CPI unknown, paid nothing".to_string()
            }
            WarnKey::NoGroupListSize(g, l) => {
                format!("no `{l}` list size for group `{g}`: prevalence unknown, APDF taken as 0")
            }
            WarnKey::NoRegister(g) => {
                format!("no register for group `{g}`: prevalence unknown, APDF taken as 0")
            }
            WarnKey::NoNationalPrevalence(g) => {
                format!("no national prevalence for group `{g}`: APDF taken as 0")
            }
            WarnKey::NoCounts(i) => {
                format!("no counts for indicator `{i}`: scored as if nobody was counted")
            }
            WarnKey::NoHistoricYear(y) => {
                format!("no historic figures for {y}: historic payment taken as 0")
            }
            WarnKey::NoNetwork => {
                "no network: the scheme's network indicators were not measured".to_string()
            }
        }
    }
}

#[derive(Default)]
struct Warnings<'a> {
    map: BTreeMap<WarnKey<'a>, (usize, usize, &'a str)>, // (practices, last practice index, first)
}

impl<'a> Warnings<'a> {
    fn add(&mut self, key: WarnKey<'a>, practice: usize, id: &'a str) {
        let e = self.map.entry(key).or_insert((0, usize::MAX, id));
        if e.1 != practice {
            e.0 += 1;
            e.1 = practice;
        }
    }
    fn finish(self) -> Vec<PayWarning> {
        self.map
            .into_iter()
            .map(|(k, (n, _, ex))| PayWarning {
                message: k.message(),
                practices: n,
                example: ex.to_string(),
            })
            .collect()
    }
}

struct Group<'a> {
    id: &'a str,
    list_type: &'a str,
    adjusted: bool,
    data_col: Option<usize>,
    list_col: Option<usize>,
    national: Option<Decimal>,
}

struct Ind<'a> {
    ind: &'a PayIndicator,
    group: usize,
    data_col: Option<usize>,
    /// Gateways (indices) the indicator's tier requires.
    gateways: Vec<usize>,
}

/// A historic model paying items that are not scheme indicators, at a weight (blend share).
struct Unmatched<'a> {
    model: &'a HistoricModel,
    weight: Decimal,
    label: Arc<str>,
}

struct Run<'a> {
    scheme: &'a PayScheme,
    national: &'a NationalFigures,
    data: &'a PracticeData,
    r: &'a Rounding,
    groups: Vec<Group<'a>>,
    group_by_id: BTreeMap<&'a str, usize>,
    practice_inds: Vec<Ind<'a>>,
    network_inds: Vec<Ind<'a>>,
    indicator_ids: BTreeSet<&'a str>,
    total_col: Option<usize>,
    unmatched: Vec<Unmatched<'a>>,
    labels: Labels,
}

struct Labels {
    performance: Arc<str>,
    top: Arc<str>,
    /// For `HigherOf`: the label of each compared model, then of the except model.
    higher_of: Vec<Arc<str>>,
    gateway_locked: Vec<Arc<str>>,
    historic_line: Arc<str>,
}

/// A plain description of a model, for `paid_on`.
pub fn describe(model: &PaymentModel) -> String {
    match model {
        PaymentModel::Performance => "performance".to_string(),
        PaymentModel::Historic(h) => {
            let mut s = format!(
                "historic {} {}",
                h.year,
                match h.basis {
                    HistoricBasis::Points => "points",
                    HistoricBasis::Pounds => "pounds",
                }
            );
            match (h.adjust_list_size, h.adjust_prevalence) {
                (true, true) => s.push_str(" adjusted for list size and prevalence"),
                (true, false) => s.push_str(" adjusted for list size"),
                (false, true) => s.push_str(" adjusted for prevalence"),
                (false, false) => {}
            }
            s
        }
        PaymentModel::Blend(shares) => {
            let parts: Vec<String> = shares
                .iter()
                .map(|s| format!("{}% {}", s.percent.normalize(), describe(&s.model)))
                .collect();
            format!("blend of {}", parts.join(", "))
        }
        PaymentModel::HigherOf { models, .. } => {
            let parts: Vec<String> = models.iter().map(describe).collect();
            format!("higher of {}", parts.join(" and "))
        }
    }
}

impl<'a> Run<'a> {
    fn new(scheme: &'a PayScheme, national: &'a NationalFigures, data: &'a PracticeData) -> Self {
        let groups: Vec<Group<'a>> = scheme
            .groups
            .iter()
            .map(|g| Group {
                id: &g.id,
                list_type: &g.list_type,
                adjusted: g.prevalence_adjusted,
                data_col: data.find_group(&g.id),
                list_col: data.find_list_type(&g.list_type),
                national: national.prevalence_of(&g.id).filter(|p| !p.is_zero()),
            })
            .collect();
        let group_by_id: BTreeMap<&str, usize> =
            groups.iter().enumerate().map(|(i, g)| (g.id, i)).collect();
        let gateway_idx: BTreeMap<&str, usize> =
            scheme.gateways.iter().enumerate().map(|(i, g)| (g.id.as_str(), i)).collect();
        let mut practice_inds = Vec::new();
        let mut network_inds = Vec::new();
        for ind in &scheme.indicators {
            let gateways = ind
                .tier
                .as_deref()
                .and_then(|t| scheme.tiers.iter().find(|x| x.id == t))
                .map(|t| {
                    t.requires.iter().filter_map(|g| gateway_idx.get(g.as_str()).copied()).collect()
                })
                .unwrap_or_default();
            let c = Ind {
                ind,
                group: group_by_id.get(ind.group.as_str()).copied().unwrap_or(0),
                data_col: data.find_indicator(&ind.id),
                gateways,
            };
            if ind.network {
                network_inds.push(c);
            } else {
                practice_inds.push(c);
            }
        }
        let mut unmatched = Vec::new();
        collect_unmatched(&scheme.model, Decimal::ONE, &mut unmatched);
        let higher_of = match &scheme.model {
            PaymentModel::HigherOf { models, except_model, .. } => models
                .iter()
                .chain(std::iter::once(except_model.as_ref()))
                .map(|m| Arc::from(format!("higher of: {}", describe(m))))
                .collect(),
            _ => Vec::new(),
        };
        let labels = Labels {
            performance: Arc::from("performance"),
            top: Arc::from(describe(&scheme.model)),
            higher_of,
            gateway_locked: scheme
                .gateways
                .iter()
                .map(|g| Arc::from(format!("not paid: gateway `{}` not met", g.id)))
                .collect(),
            historic_line: Arc::from("historic"),
        };
        Run {
            scheme,
            national,
            data,
            r: &scheme.rounding,
            groups,
            group_by_id,
            practice_inds,
            network_inds,
            indicator_ids: scheme.indicators.iter().map(|i| i.id.as_str()).collect(),
            total_col: data.find_list_type(CPI_LIST_TYPE),
            unmatched,
            labels,
        }
    }

    fn cpi(
        &self,
        list: Option<u64>,
        pi: usize,
        pid: &'a str,
        w: &mut Warnings<'a>,
    ) -> Option<Decimal> {
        let Some(list) = list else {
            w.add(WarnKey::NoListSize, pi, pid);
            return None;
        };
        match div(Decimal::from(list), self.national.average_list_size) {
            Some(c) => Some(self.r.apply(c, self.r.cpi)),
            None => {
                w.add(WarnKey::ZeroAverageListSize, pi, pid);
                None
            }
        }
    }

    /// APDF of group `g` from a register and list size (1 for groups not adjusted).
    fn apdf(
        &self,
        g: usize,
        register: Option<u64>,
        list: Option<u64>,
        pi: usize,
        pid: &'a str,
        w: &mut Warnings<'a>,
    ) -> Decimal {
        let grp = &self.groups[g];
        if !grp.adjusted {
            return Decimal::ONE;
        }
        let Some(national) = grp.national else {
            w.add(WarnKey::NoNationalPrevalence(grp.id), pi, pid);
            return Decimal::ZERO;
        };
        let Some(register) = register else {
            w.add(WarnKey::NoRegister(grp.id), pi, pid);
            return Decimal::ZERO;
        };
        let Some(list) = list else {
            w.add(WarnKey::NoGroupListSize(grp.id, grp.list_type), pi, pid);
            return Decimal::ZERO;
        };
        // A list of 0 patients has no prevalence; nothing is paid on it.
        let prevalence = div(Decimal::from(register), Decimal::from(list)).unwrap_or(Decimal::ZERO);
        let apdf = div(prevalence, national).unwrap_or(Decimal::ZERO);
        self.r.apply(apdf, self.r.apdf)
    }

    /// Performance payment before rounding: ((points x pound per point) x CPI) x APDF.
    fn performance(&self, points: Decimal, cpi: Option<Decimal>, apdf: Decimal) -> Decimal {
        match cpi {
            Some(cpi) => points * self.scheme.pound_per_point * cpi * apdf,
            None => Decimal::ZERO,
        }
    }

    fn historic_value(
        &self,
        h: &'a HistoricModel,
        p: &'a PracticeCounts,
        item: &str,
        pi: usize,
        w: &mut Warnings<'a>,
    ) -> Option<&'a HistoricValue> {
        match p.historic.get(h.year.as_str()) {
            Some(year) => year.get(item),
            None => {
                w.add(WarnKey::NoHistoricYear(&h.year), pi, &p.practice_id);
                None
            }
        }
    }

    /// Historic payment before rounding.
    fn historic(
        &self,
        h: &HistoricModel,
        value: Option<&HistoricValue>,
        cpi: Option<Decimal>,
        apdf: Decimal,
    ) -> Decimal {
        let Some(v) = value else { return Decimal::ZERO };
        match h.basis {
            HistoricBasis::Pounds => v.pounds.unwrap_or(Decimal::ZERO),
            HistoricBasis::Points => {
                let mut pay = v.points.unwrap_or(Decimal::ZERO) * self.scheme.pound_per_point;
                if h.adjust_list_size {
                    match cpi {
                        Some(c) => pay *= c,
                        None => return Decimal::ZERO,
                    }
                }
                if h.adjust_prevalence {
                    pay *= apdf;
                }
                pay
            }
        }
    }

    /// The unrounded payment of one indicator under `model`, and (for `HigherOf`) the index of
    /// the model that paid.
    #[allow(clippy::too_many_arguments)]
    fn model_pay(
        &self,
        model: &'a PaymentModel,
        id: &str,
        points: Decimal,
        cpi: Option<Decimal>,
        apdf: Decimal,
        p: &'a PracticeCounts,
        pi: usize,
        w: &mut Warnings<'a>,
    ) -> (Decimal, usize) {
        match model {
            PaymentModel::Performance => (self.performance(points, cpi, apdf), 0),
            PaymentModel::Historic(h) => {
                let v = self.historic_value(h, p, id, pi, w);
                (self.historic(h, v, cpi, apdf), 0)
            }
            PaymentModel::Blend(shares) => {
                let mut sum = Decimal::ZERO;
                for s in shares {
                    let share = div(s.percent, Decimal::ONE_HUNDRED).unwrap_or(Decimal::ZERO);
                    sum += share * self.model_pay(&s.model, id, points, cpi, apdf, p, pi, w).0;
                }
                (sum, 0)
            }
            PaymentModel::HigherOf { models, except, except_model } => {
                if except.iter().any(|e| e == id) {
                    let v = self.model_pay(except_model, id, points, cpi, apdf, p, pi, w).0;
                    return (v, models.len());
                }
                let mut best = (Decimal::ZERO, 0);
                for (i, m) in models.iter().enumerate() {
                    let v = self.model_pay(m, id, points, cpi, apdf, p, pi, w).0;
                    if i == 0 || v > best.0 {
                        best = (v, i);
                    }
                }
                best
            }
        }
    }

    fn score(
        &self,
        ind: &PayIndicator,
        counts: Option<&Counts>,
        attested: bool,
    ) -> (Option<Decimal>, Decimal) {
        match ind.kind {
            IndicatorKind::Fraction { lower, upper } => {
                let (n, d, pcas) =
                    counts.map(|c| (c.numerator, c.denominator, c.pcas)).unwrap_or((0, 0, 0));
                fraction_points(
                    n,
                    d,
                    pcas,
                    lower,
                    upper,
                    ind.max_points,
                    self.r,
                    self.scheme.zero_denominator,
                )
            }
            IndicatorKind::Boolean => {
                let yes = counts.and_then(|c| c.achieved).unwrap_or(false);
                all_or_nothing(yes, ind.max_points)
            }
            IndicatorKind::Attested => all_or_nothing(attested, ind.max_points),
        }
    }

    fn go(self) -> PayResult<'a> {
        let mut w = Warnings::default();
        let gateways_met_buf = &mut Vec::with_capacity(self.scheme.gateways.len());
        let mut apdf_buf: Vec<Decimal> = Vec::with_capacity(self.groups.len());
        let mut practices = Vec::with_capacity(self.data.practices().len());
        for (pi, p) in self.data.practices().iter().enumerate() {
            practices.push(self.practice(pi, p, &mut apdf_buf, gateways_met_buf, &mut w));
        }
        let networks = self.networks(&mut w);
        let mut total = Total { points: Decimal::ZERO, payment: Decimal::ZERO };
        // Unrounded points carry up to 28 digits and Decimal addition rounds beyond that, so
        // the sum depends on order: add in practice-code order, whatever the input order.
        let mut order: Vec<&PracticeResult<'a>> = practices.iter().collect();
        order.sort_unstable_by_key(|p| p.practice_id);
        for p in order {
            total.points += p.points;
            total.payment += p.payment;
        }
        for n in &networks {
            total.points += n.points;
            total.payment += n.payment;
        }
        PayResult {
            scheme: SchemeInfo {
                id: &self.scheme.id,
                title: &self.scheme.title,
                period_end: self.scheme.period_end.to_string(),
            },
            national: self.national.report(),
            practices,
            networks,
            total,
            warnings: w.finish(),
        }
    }

    fn practice(
        &self,
        pi: usize,
        p: &'a PracticeCounts,
        apdf: &mut Vec<Decimal>,
        gateways_met: &mut Vec<bool>,
        w: &mut Warnings<'a>,
    ) -> PracticeResult<'a> {
        let pid: &'a str = &p.practice_id;
        let list_size = PracticeData::list_size(p, self.total_col);
        let cpi = self.cpi(list_size.map(u64::from), pi, pid, w);
        apdf.clear();
        for (g, grp) in self.groups.iter().enumerate() {
            let reg = PracticeData::register(p, grp.data_col).map(u64::from);
            let list = PracticeData::list_size(p, grp.list_col).map(u64::from);
            let a = if grp.adjusted { self.apdf(g, reg, list, pi, pid, w) } else { Decimal::ONE };
            apdf.push(a);
        }
        gateways_met.clear();
        let mut gateways = Vec::with_capacity(self.scheme.gateways.len());
        let mut payment = Decimal::ZERO;
        for g in &self.scheme.gateways {
            let met = g.requires.iter().all(|item| p.is_attested(item));
            gateways_met.push(met);
            let pay = if met { self.r.money(g.payment) } else { Decimal::ZERO };
            payment += pay;
            gateways.push(GatewayResult { id: &g.id, met, payment: pay });
        }
        let mut indicators = Vec::with_capacity(self.practice_inds.len());
        let mut points_total = Decimal::ZERO;
        for ci in &self.practice_inds {
            let ind = ci.ind;
            let counts = PracticeData::counts(p, ci.data_col);
            if counts.is_none() && ind.kind != IndicatorKind::Attested {
                w.add(WarnKey::NoCounts(&ind.id), pi, pid);
            }
            let attested = ind.kind == IndicatorKind::Attested && p.is_attested(&ind.id);
            let (achievement, points) = self.score(ind, counts, attested);
            let a = apdf.get(ci.group).copied().unwrap_or(Decimal::ZERO);
            let locked =
                ci.gateways.iter().find(|&&g| !gateways_met.get(g).copied().unwrap_or(false));
            let (pay, paid_on) = match locked {
                Some(&g) => (Decimal::ZERO, self.labels.gateway_locked[g].clone()),
                None => {
                    let (raw, chosen) =
                        self.model_pay(&self.scheme.model, &ind.id, points, cpi, a, p, pi, w);
                    let label = match &self.scheme.model {
                        PaymentModel::Performance => self.labels.performance.clone(),
                        PaymentModel::HigherOf { .. } => self.labels.higher_of[chosen].clone(),
                        _ => self.labels.top.clone(),
                    };
                    (self.r.money(raw), label)
                }
            };
            points_total += points;
            payment += pay;
            indicators.push(self.line(ind, ci.group, p, counts, achievement, points, pay, paid_on));
        }
        // Historic items that are not indicators of this scheme.
        for u in &self.unmatched {
            let Some(year) = p.historic.get(u.model.year.as_str()) else {
                w.add(WarnKey::NoHistoricYear(&u.model.year), pi, pid);
                continue;
            };
            for (item, value) in year {
                if self.indicator_ids.contains(item.as_str()) {
                    continue;
                }
                let g = self.group_by_id.get(item.as_str()).copied();
                let a = g.and_then(|g| apdf.get(g).copied()).unwrap_or(Decimal::ONE);
                let pay = self.r.money(u.weight * self.historic(u.model, Some(value), cpi, a));
                payment += pay;
                indicators.push(IndicatorResult {
                    id: item,
                    group: g.map(|g| self.groups[g].id).unwrap_or(""),
                    kind: "historic",
                    max_points: Decimal::ZERO,
                    register: g.and_then(|g| PracticeData::register(p, self.groups[g].data_col)),
                    denominator: 0,
                    numerator: 0,
                    pcas: 0,
                    pcas_by_category: Cow::Owned(BTreeMap::new()),
                    achievement: None,
                    points: value.points.unwrap_or(Decimal::ZERO),
                    payment: pay,
                    paid_on: if u.weight == Decimal::ONE {
                        self.labels.historic_line.clone()
                    } else {
                        u.label.clone()
                    },
                });
            }
        }
        let obligations = self
            .scheme
            .obligations
            .iter()
            .map(|o| ObligationResult { id: &o.id, met: p.is_attested(&o.id) })
            .collect();
        let aspiration = self.aspiration(pi, p, cpi, apdf, payment, w);
        PracticeResult {
            practice_id: pid,
            network_id: p.network_id.as_deref(),
            list_size,
            points: points_total,
            payment,
            cpi,
            indicators,
            gateways,
            obligations,
            aspiration,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn line(
        &self,
        ind: &'a PayIndicator,
        group: usize,
        p: &'a PracticeCounts,
        counts: Option<&'a Counts>,
        achievement: Option<Decimal>,
        points: Decimal,
        payment: Decimal,
        paid_on: Arc<str>,
    ) -> IndicatorResult<'a> {
        IndicatorResult {
            id: &ind.id,
            group: &ind.group,
            kind: ind.kind.name(),
            max_points: ind.max_points,
            register: PracticeData::register(p, self.groups.get(group).and_then(|g| g.data_col)),
            denominator: counts.map_or(0, |c| c.denominator),
            numerator: counts.map_or(0, |c| c.numerator),
            pcas: counts.map_or(0, |c| c.pcas),
            pcas_by_category: match counts {
                Some(c) => Cow::Borrowed(&c.pcas_by_category),
                None => Cow::Owned(BTreeMap::new()),
            },
            achievement,
            points,
            payment,
            paid_on,
        }
    }

    fn aspiration(
        &self,
        pi: usize,
        p: &'a PracticeCounts,
        cpi: Option<Decimal>,
        apdf: &[Decimal],
        payment: Decimal,
        w: &mut Warnings<'a>,
    ) -> Option<AspirationResult<'a>> {
        let a = self.scheme.aspiration.as_ref()?;
        let h = &a.previous;
        let year = p.historic.get(h.year.as_str())?;
        let mut raw = Decimal::ZERO;
        for ci in &self.practice_inds {
            let ap = apdf.get(ci.group).copied().unwrap_or(Decimal::ZERO);
            raw += self.historic(h, year.get(ci.ind.id.as_str()), cpi, ap);
        }
        if h.pay_unmatched_items {
            for (item, value) in year {
                if self.indicator_ids.contains(item.as_str()) {
                    continue;
                }
                let ap = self.group_by_id.get(item.as_str()).and_then(|&g| apdf.get(g).copied());
                raw += self.historic(h, Some(value), cpi, ap.unwrap_or(Decimal::ONE));
            }
        }
        let _ = (pi, w);
        let share = div(a.percent, Decimal::ONE_HUNDRED).unwrap_or(Decimal::ZERO);
        let aspiration = self.r.money(share * raw);
        let monthly = self.r.money(div(aspiration, Decimal::from(12u32)).unwrap_or(Decimal::ZERO));
        Some(AspirationResult {
            year: &h.year,
            percent: a.percent,
            aspiration,
            monthly,
            balancing: payment - aspiration,
        })
    }

    fn networks(&self, w: &mut Warnings<'a>) -> Vec<NetworkResult<'a>> {
        if self.network_inds.is_empty() {
            return Vec::new();
        }
        let mut members: BTreeMap<&'a str, Vec<&'a PracticeCounts>> = BTreeMap::new();
        for (pi, p) in self.data.practices().iter().enumerate() {
            match p.network_id.as_deref() {
                Some(n) => members.entry(n).or_default().push(p),
                None => w.add(WarnKey::NoNetwork, pi, &p.practice_id),
            }
        }
        let mut out = Vec::with_capacity(members.len());
        for (ni, (net, ps)) in members.into_iter().enumerate() {
            // Warnings for networks are counted per network, keyed by an index past practices.
            let wi = self.data.practices().len() + ni;
            let list: Option<u64> =
                sum_opt(ps.iter().map(|p| PracticeData::list_size(p, self.total_col)));
            let cpi = self.cpi(list, wi, net, w);
            let mut points_total = Decimal::ZERO;
            let mut payment = Decimal::ZERO;
            let mut indicators = Vec::with_capacity(self.network_inds.len());
            for ci in &self.network_inds {
                let ind = ci.ind;
                let grp = &self.groups[ci.group];
                let reg = sum_opt(ps.iter().map(|p| PracticeData::register(p, grp.data_col)));
                let glist = sum_opt(ps.iter().map(|p| PracticeData::list_size(p, grp.list_col)));
                let apdf = self.apdf(ci.group, reg, glist, wi, net, w);
                let mut sum = Counts::default();
                let mut any = false;
                let mut all_achieved = true;
                for p in &ps {
                    if let Some(c) = PracticeData::counts(p, ci.data_col) {
                        any = true;
                        sum.denominator = sum.denominator.saturating_add(c.denominator);
                        sum.numerator = sum.numerator.saturating_add(c.numerator);
                        sum.pcas = sum.pcas.saturating_add(c.pcas);
                        for (k, v) in &c.pcas_by_category {
                            let e = sum.pcas_by_category.entry(k.clone()).or_insert(0);
                            *e = e.saturating_add(*v);
                        }
                        all_achieved &= c.achieved.unwrap_or(false);
                    } else {
                        all_achieved = false;
                    }
                }
                if !any && ind.kind != IndicatorKind::Attested {
                    w.add(WarnKey::NoCounts(&ind.id), wi, net);
                }
                sum.achieved = Some(any && all_achieved);
                let attested = ps.iter().all(|p| p.is_attested(&ind.id));
                let (achievement, points) = self.score(ind, Some(&sum), attested);
                let pay = self.r.money(self.performance(points, cpi, apdf));
                points_total += points;
                payment += pay;
                indicators.push(IndicatorResult {
                    id: &ind.id,
                    group: &ind.group,
                    kind: ind.kind.name(),
                    max_points: ind.max_points,
                    register: reg.map(|r| u32::try_from(r).unwrap_or(u32::MAX)),
                    denominator: sum.denominator,
                    numerator: sum.numerator,
                    pcas: sum.pcas,
                    pcas_by_category: Cow::Owned(sum.pcas_by_category),
                    achievement,
                    points,
                    payment: pay,
                    paid_on: self.labels.performance.clone(),
                });
            }
            out.push(NetworkResult {
                network_id: net,
                practices: ps.len(),
                list_size: list.unwrap_or(0),
                points: points_total,
                payment,
                indicators,
            });
        }
        out
    }
}

fn all_or_nothing(yes: bool, max_points: Decimal) -> (Option<Decimal>, Decimal) {
    if yes {
        (Some(Decimal::ONE), max_points)
    } else {
        (Some(Decimal::ZERO), Decimal::ZERO)
    }
}

/// Sum of the known values; `None` if none is known.
fn sum_opt(values: impl Iterator<Item = Option<u32>>) -> Option<u64> {
    let mut sum = None;
    for v in values.flatten() {
        sum = Some(sum.unwrap_or(0u64) + u64::from(v));
    }
    sum
}

fn collect_unmatched<'a>(model: &'a PaymentModel, weight: Decimal, out: &mut Vec<Unmatched<'a>>) {
    match model {
        PaymentModel::Historic(h) if h.pay_unmatched_items => out.push(Unmatched {
            model: h,
            weight,
            label: Arc::from(format!(
                "{}% {}",
                (weight * Decimal::ONE_HUNDRED).normalize(),
                describe(model)
            )),
        }),
        PaymentModel::Blend(shares) => {
            for s in shares {
                let share = div(s.percent, Decimal::ONE_HUNDRED).unwrap_or(Decimal::ZERO);
                collect_unmatched(&s.model, weight * share, out);
            }
        }
        _ => {}
    }
}
