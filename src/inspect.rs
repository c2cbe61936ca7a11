//! A printable view of a resolved [`Scheme`] (`qofrules inspect --format json`, and the
//! browser editor's scheme panel): what a scheme designer needs to see after inheritance, in a
//! stable JSON shape that does not expose the engine's internal types.
//!
//! Conditions are shown as written (the source text of their span). Points, thresholds and
//! shares are JSON numbers (thresholds and shares as percentages: 35 means 35%); money is a
//! string of pounds (`"187.74"`) so that no reader rounds it through binary floating point.

use crate::scheme::{self, Origin, Scheme, Sources, Status};
use crate::syntax::ast::{ReportKind, RoundingTarget};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct SchemeView {
    pub id: String,
    pub title: String,
    /// Scheme ids from this one up through its ancestors.
    pub lineage: Vec<String>,
    pub period: PeriodView,
    /// Pounds per point.
    pub point_value: String,
    pub national_average_list_size: Option<Value>,
    /// The national prevalence the scheme states, if it does (which figures a run uses is
    /// decided by `crate::national`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub national_prevalence: Option<NationalView>,
    /// Decimal places per rounding point (`achievement`, `points`, `cpi`, `apdf`, `payment`).
    pub rounding: Vec<RoundingView>,
    /// How values are rounded: `half up` (the default), `half even` or `toward zero`.
    pub rounding_mode: &'static str,
    /// What one rounding of payments covers: `line` (the default), `group` or `practice`.
    pub payment_rounded_per: &'static str,
    pub payment: PaymentView,
    pub paid_to_networks: bool,
    /// Percentage of the previous year's achievement paid monthly.
    pub aspiration: Option<Value>,
    /// What an indicator with an empty denominator scores: `zero` or `full`.
    pub empty_denominator: &'static str,
    pub reports: Vec<String>,
    pub indicators: Vec<IndicatorView>,
    pub registers: Vec<RegisterView>,
    pub codelists: Vec<CodelistView>,
    pub definitions: Vec<DefineView>,
    pub gateways: Vec<GatewayView>,
    pub tiers: Vec<TierView>,
    pub obligations: Vec<ObligationView>,
    /// Declared adjustment categories (`category NAME "..."`), the scheme's and inherited.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryView>,
    /// Names of the root file's tests.
    pub tests: Vec<String>,
}

/// A `national prevalence` statement: embedded figures, a file, and figures per group as
/// written (`2.1%`, `3455176 / 48829165`).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct NationalView {
    pub embedded: Option<String>,
    pub file: Option<String>,
    pub groups: std::collections::BTreeMap<String, String>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct PeriodView {
    pub start: String,
    /// The payment period end date.
    pub end: String,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct RoundingView {
    pub target: &'static str,
    pub places: u32,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum PaymentView {
    Performance,
    Historic {
        year: String,
        prevalence: bool,
        list_size: bool,
        /// `in pounds` (shown only when true).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[cfg_attr(test, ts(optional = nullable))]
        pounds: bool,
    },
    Blend {
        parts: Vec<BlendPartView>,
    },
    HigherOf {
        a: Box<PaymentView>,
        b: Box<PaymentView>,
        except: Vec<String>,
        /// The model the excepted indicators are paid on, when not performance.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(test, ts(optional))]
        on: Option<Box<PaymentView>>,
    },
    /// A model with some indicators paid on another (`on`).
    Except {
        base: Box<PaymentView>,
        except: Vec<String>,
        on: Box<PaymentView>,
    },
    /// Per-domain and per-group models: each part's indicators on its model, the others on
    /// `base`.
    ByIndicator {
        base: Box<PaymentView>,
        parts: Vec<PaymentPartView>,
    },
    /// A monitored indicator is never paid.
    None,
}

/// The model of one domain's or group's indicators.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct PaymentPartView {
    /// `domain` or `group`.
    pub of: String,
    pub name: String,
    /// The indicators it pays (a group's model wins over its domain's).
    pub indicators: Vec<String>,
    pub model: PaymentView,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct BlendPartView {
    /// Percentage.
    pub share: Value,
    pub model: PaymentView,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct OriginView {
    /// The file's name as given to the command (or `rules/...` for a shipped scheme).
    pub file: String,
    /// 1-based line of the definition.
    pub line: usize,
    /// The scheme id of that file.
    pub scheme: String,
    /// `defined` (in the root file), `inherited` or `changed`.
    pub status: Status,
    /// For `changed`: the statement kinds a `change` block replaced.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub changed: Vec<String>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct ThresholdsView {
    /// Percentages: 35 means 35%.
    pub lower: Value,
    pub upper: Value,
    /// Points earned on reaching the lower threshold (`with N points at lower threshold`);
    /// absent when the scale starts from nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub lower_points: Option<Value>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct IndicatorView {
    pub id: String,
    pub title: String,
    pub group: String,
    pub domain: String,
    /// `register`, `attested` or `fraction`.
    pub kind: scheme::Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub register: Option<String>,
    pub points: Value,
    pub thresholds: Option<ThresholdsView>,
    /// `patients` or a register id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub denominator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub denominator_where: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub exclude: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub achieved: Option<String>,
    pub strata: Vec<StratumView>,
    /// Adjustment (PCA) categories in the order they are tried (a named set's, expanded).
    pub adjustments: Vec<AdjustmentView>,
    /// The named set the adjustments come from (`adjustments NAME`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjustment_set: Option<String>,
    pub reports: Vec<String>,
    pub network: bool,
    pub monitored: bool,
    /// How this indicator is paid (the scheme's model, with `except` and `monitored` applied).
    pub payment: PaymentView,
    pub origin: OriginView,
    /// The windows written relative to the period, with the dates they resolve to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub period_windows: Vec<PeriodWindowView>,
}

/// A window written relative to the scheme's period (`in the period`, `from 4 months after
/// the start of the period to the end of the period`) and the dates of this scheme's period it
/// resolves to (`null`: open, or anchored on a patient's events).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PeriodWindowView {
    pub window: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct StratumView {
    pub id: String,
    /// The condition as written, or `otherwise`.
    pub when: String,
    pub achieved: Option<String>,
    pub thresholds: Option<ThresholdsView>,
    pub points: Value,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct AdjustmentView {
    /// The stable key (`unsuitable`, `chose_not_to`, ..., or a scheme's own name).
    pub category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub label: Option<String>,
    pub when: String,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct RegisterView {
    pub id: String,
    pub title: String,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    #[serde(rename = "where")]
    pub filter: Option<String>,
    pub prevalence_adjusted: bool,
    pub list_type: String,
    pub origin: OriginView,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub period_windows: Vec<PeriodWindowView>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct CodelistView {
    pub id: String,
    pub title: String,
    /// SNOMED CT concept ids as strings (they exceed JavaScript's safe integers).
    pub codes: Vec<String>,
    pub origin: OriginView,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct DefineView {
    pub id: String,
    pub title: Option<String>,
    pub condition: String,
    pub origin: OriginView,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub period_windows: Vec<PeriodWindowView>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct GatewayView {
    pub id: String,
    pub title: String,
    pub requires: Vec<String>,
    pub pays: Option<String>,
    pub origin: OriginView,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct TierView {
    pub id: String,
    pub title: String,
    pub requires: String,
    pub includes: Vec<String>,
    pub pays: Option<String>,
    pub origin: OriginView,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct CategoryView {
    pub id: String,
    pub title: Option<String>,
    pub origin: OriginView,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct ObligationView {
    pub id: String,
    pub title: String,
    pub workstream: Option<String>,
    pub origin: OriginView,
}

/// A decimal as a JSON number: an integer when it is whole, else the nearest double (which
/// prints back as the same short decimal for the values schemes use).
fn number(d: Decimal) -> Value {
    let s = d.normalize().to_string();
    if let Ok(i) = s.parse::<i64>() {
        return Value::from(i);
    }
    s.parse::<f64>().map(Value::from).unwrap_or(Value::String(s))
}

fn percent(d: Decimal) -> Value {
    number(d * Decimal::ONE_HUNDRED)
}

fn money(d: Decimal) -> String {
    d.normalize().to_string()
}

struct Ctx<'s> {
    sources: &'s Sources,
}

impl Ctx<'_> {
    /// A condition as written, without its comments (a condition holds no strings, so `//`
    /// always starts one), whitespace collapsed.
    fn text(&self, e: &scheme::Condition) -> String {
        let t = self.sources.files.get(e.file).map(|f| f.text.as_str()).unwrap_or("");
        t.get(e.node.span.range())
            .map(|s| {
                s.lines()
                    .map(|l| l.find("//").map_or(l, |i| &l[..i]))
                    .flat_map(str::split_whitespace)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    }

    fn report(&self, r: &scheme::Report) -> String {
        match &r.node.kind {
            ReportKind::Custom { name, .. } => name.name.clone(),
            ReportKind::Sex => "sex".into(),
            ReportKind::DeprivationDecile => "deprivation decile".into(),
            ReportKind::AgeBand { bands } => {
                let b: Vec<String> = bands
                    .iter()
                    .map(|(a, b, _)| match b {
                        Some(b) => format!("{a}-{b}"),
                        None => format!("{a}+"),
                    })
                    .collect();
                format!("age band {}", b.join(", "))
            }
        }
    }

    fn origin(&self, o: &Origin, changed: &[String]) -> OriginView {
        let (file, line) = match self.sources.files.get(o.file) {
            // one line index per file, not a count of line ends from the start per item
            Some(f) => (f.name.clone(), f.line_index().line_of(o.span.start as usize)),
            None => (String::new(), 0),
        };
        OriginView {
            file,
            line,
            scheme: o.scheme.clone(),
            status: o.status,
            changed: changed.to_vec(),
        }
    }
}

fn payment(m: &scheme::PaymentModel) -> PaymentView {
    match m {
        scheme::PaymentModel::Performance => PaymentView::Performance,
        scheme::PaymentModel::Historic { year, prevalence, list_size, pounds } => {
            PaymentView::Historic {
                year: year.clone(),
                prevalence: *prevalence,
                list_size: *list_size,
                pounds: *pounds,
            }
        }
        scheme::PaymentModel::Blend { parts } => PaymentView::Blend {
            parts: parts
                .iter()
                .map(|(s, m)| BlendPartView { share: percent(*s), model: payment(m) })
                .collect(),
        },
        scheme::PaymentModel::HigherOf { a, b, except, on } => PaymentView::HigherOf {
            a: Box::new(payment(a)),
            b: Box::new(payment(b)),
            except: except.clone(),
            on: match on.as_ref() {
                scheme::PaymentModel::Performance => None,
                m => Some(Box::new(payment(m))),
            },
        },
        scheme::PaymentModel::Except { base, except, on } => PaymentView::Except {
            base: Box::new(payment(base)),
            except: except.clone(),
            on: Box::new(payment(on)),
        },
        scheme::PaymentModel::ByIndicator { base, parts } => PaymentView::ByIndicator {
            base: Box::new(payment(base)),
            parts: parts
                .iter()
                .map(|p| PaymentPartView {
                    of: p.of.to_string(),
                    name: p.name.clone(),
                    indicators: p.indicators.clone(),
                    model: payment(&p.model),
                })
                .collect(),
        },
    }
}

/// The model that pays indicator `id` under `m`.
fn indicator_payment(m: &scheme::PaymentModel, id: &str) -> PaymentView {
    match m {
        scheme::PaymentModel::HigherOf { except, on, .. }
        | scheme::PaymentModel::Except { except, on, .. }
            if except.iter().any(|x| x == id) =>
        {
            payment(on)
        }
        scheme::PaymentModel::Except { base, .. } => payment(base),
        scheme::PaymentModel::ByIndicator { base, parts } => {
            match parts.iter().find(|p| p.indicators.iter().any(|x| x == id)) {
                Some(p) => indicator_payment(&p.model, id),
                None => indicator_payment(base, id),
            }
        }
        m => payment(m),
    }
}

fn thresholds(t: &Option<scheme::Thresholds>) -> Option<ThresholdsView> {
    t.map(|t| ThresholdsView {
        lower: percent(t.lower),
        upper: percent(t.upper),
        lower_points: (!t.lower_points.is_zero()).then(|| number(t.lower_points)),
    })
}

/// The windows written relative to the period in `conds`, each once, with their dates.
fn period_windows<'c>(
    conds: impl IntoIterator<Item = &'c scheme::Condition>,
    pped: crate::date::Date,
) -> Vec<PeriodWindowView> {
    use scheme::cond::{Cond, Pred};
    let mut out: Vec<PeriodWindowView> = Vec::new();
    let mut stack: Vec<&Cond> = conds.into_iter().map(|c| &c.cond).collect();
    stack.reverse();
    while let Some(c) = stack.pop() {
        let mut ws = Vec::new();
        match c {
            Cond::And(xs) | Cond::Or(xs) => stack.extend(xs.iter().rev()),
            Cond::Not(x) => stack.push(x),
            Cond::Registered(w) => ws.push(w),
            Cond::Count { window, .. } => ws.extend(window.iter()),
            Cond::Event { window, pred, .. } => {
                ws.extend(window.iter());
                match pred {
                    Pred::Date { window: Some(w), .. } | Pred::Within(w) => ws.push(w),
                    _ => {}
                }
            }
            _ => {}
        }
        for w in ws.into_iter().filter(|w| w.relative) {
            let (from, to) = w.fixed_ends(pped);
            let v = PeriodWindowView {
                window: w.text.clone(),
                from: from.map(|d| d.to_string()),
                to: to.map(|d| d.to_string()),
            };
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

/// The view of a resolved scheme; `sources` are the files the scheme's origins point into.
pub fn view(s: &Scheme, sources: &Sources) -> SchemeView {
    let cx = Ctx { sources };
    let indicators = s
        .indicators
        .iter()
        .map(|i| {
            let pay =
                if i.monitored { PaymentView::None } else { indicator_payment(&s.payment, &i.id) };
            IndicatorView {
                id: i.id.clone(),
                title: i.title.clone(),
                group: i.group.clone(),
                domain: i.domain.clone(),
                kind: i.kind,
                register: i.register.as_ref().map(|r| r.id.clone()),
                points: number(i.points),
                thresholds: thresholds(&i.thresholds),
                denominator: i.cohort.as_ref().map(|c| match c {
                    scheme::Cohort::AllPatients => "patients".to_string(),
                    scheme::Cohort::Register(r) => r.id.clone(),
                }),
                denominator_where: i.filter.as_ref().map(|e| cx.text(e)),
                exclude: i.exclude.as_ref().map(|e| cx.text(e)),
                achieved: i.achieved.as_ref().map(|e| cx.text(e)),
                strata: i
                    .strata
                    .iter()
                    .map(|st| StratumView {
                        id: st.id.clone(),
                        when: st
                            .when
                            .as_ref()
                            .map(|e| cx.text(e))
                            .unwrap_or_else(|| "otherwise".into()),
                        achieved: st.achieved.as_ref().map(|e| cx.text(e)),
                        thresholds: thresholds(&st.thresholds),
                        points: number(st.points),
                    })
                    .collect(),
                adjustments: i
                    .adjustments
                    .iter()
                    .map(|a| AdjustmentView {
                        category: a.category.key().to_string(),
                        label: a.label.clone(),
                        when: cx.text(&a.when),
                    })
                    .collect(),
                adjustment_set: i.adjustment_set.clone(),
                reports: i.reports.iter().map(|r| cx.report(r)).collect(),
                network: i.network,
                monitored: i.monitored,
                payment: pay,
                origin: cx.origin(&i.origin, &i.changed),
                period_windows: period_windows(
                    i.filter
                        .iter()
                        .chain(&i.exclude)
                        .chain(&i.achieved)
                        .chain(i.adjustments.iter().map(|a| &a.when))
                        .chain(i.strata.iter().flat_map(|st| st.when.iter().chain(&st.achieved))),
                    s.period_end,
                ),
            }
        })
        .collect();
    SchemeView {
        id: s.id.clone(),
        title: s.title.clone(),
        lineage: s.lineage.clone(),
        period: PeriodView { start: s.period_start.to_string(), end: s.period_end.to_string() },
        point_value: money(s.point_value),
        national_average_list_size: s.national_average_list_size.map(number),
        national_prevalence: s.national_prevalence.as_ref().map(|n| NationalView {
            embedded: n.embedded.clone(),
            file: n.file.as_ref().map(|f| f.name.clone()),
            groups: n.groups.iter().map(|(g, v)| (g.clone(), v.describe())).collect(),
        }),
        rounding: s
            .rounding
            .iter()
            .map(|(t, p)| RoundingView {
                target: match t {
                    RoundingTarget::Achievement => "achievement",
                    RoundingTarget::Points => "points",
                    RoundingTarget::Cpi => "cpi",
                    RoundingTarget::Apdf => "apdf",
                    RoundingTarget::Payment => "payment",
                },
                places: *p,
            })
            .collect(),
        rounding_mode: s.rounding_mode.map_or("half up", |m| m.words()),
        payment_rounded_per: s.payment_per.word(),
        payment: payment(&s.payment),
        paid_to_networks: s.paid_to_networks,
        aspiration: s.aspiration.map(percent),
        empty_denominator: if s.empty_denominator_full { "full" } else { "zero" },
        reports: s.reports.iter().map(|r| cx.report(r)).collect(),
        indicators,
        registers: s
            .registers
            .iter()
            .map(|r| RegisterView {
                id: r.id.clone(),
                title: r.title.clone(),
                min_age: r.min_age,
                max_age: r.max_age,
                filter: r.filter.as_ref().map(|e| cx.text(e)),
                prevalence_adjusted: r.prevalence_adjusted,
                list_type: r.list_type.id.clone(),
                origin: cx.origin(&r.origin, &[]),
                period_windows: period_windows(&r.filter, s.period_end),
            })
            .collect(),
        codelists: s
            .codelists
            .iter()
            .map(|c| CodelistView {
                id: c.id.clone(),
                title: c.title.clone(),
                codes: c.codes.iter().map(u64::to_string).collect(),
                origin: cx.origin(&c.origin, &[]),
            })
            .collect(),
        definitions: s
            .defines
            .iter()
            .map(|d| DefineView {
                id: d.id.clone(),
                title: d.title.clone(),
                condition: cx.text(&d.expr),
                origin: cx.origin(&d.origin, &[]),
                period_windows: period_windows([&d.expr], s.period_end),
            })
            .collect(),
        gateways: s
            .gateways
            .iter()
            .map(|g| GatewayView {
                id: g.id.clone(),
                title: g.title.clone(),
                requires: g.requires.clone(),
                pays: g.pays.map(money),
                origin: cx.origin(&g.origin, &[]),
            })
            .collect(),
        tiers: s
            .tiers
            .iter()
            .map(|t| TierView {
                id: t.id.clone(),
                title: t.title.clone(),
                requires: t.requires.clone(),
                includes: t.includes.clone(),
                pays: t.pays.map(money),
                origin: cx.origin(&t.origin, &[]),
            })
            .collect(),
        obligations: s
            .obligations
            .iter()
            .map(|o| ObligationView {
                id: o.id.clone(),
                title: o.title.clone(),
                workstream: o.workstream.clone(),
                origin: cx.origin(&o.origin, &[]),
            })
            .collect(),
        categories: s
            .categories
            .iter()
            .map(|c| CategoryView {
                id: c.id.clone(),
                title: c.title.clone(),
                origin: cx.origin(&c.origin, &[]),
            })
            .collect(),
        tests: s.tests.iter().map(|t| t.node.name.value.clone()).collect(),
    }
}
