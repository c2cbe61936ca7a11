//! Indicators: statements gathered over inheritance, thresholds, points, cohorts, conditions,
//! adjustments, strata and reporting dimensions.

use super::Cx;
use crate::diag::{Code, Diagnostic};
use crate::scheme::{self, Condition, Origin};
use crate::syntax::ast::{self, Category, IndStmt, Num, ReportDim, Span};
use rust_decimal::Decimal;

/// The built-in adjustment categories, as written.
const STANDARD_CATEGORIES: [&str; 5] =
    ["unsuitable", "chose not to", "no response", "service unavailable", "new patient"];

impl<'a> Cx<'a> {
    pub(super) fn thresholds(
        &mut self,
        lower: &Num,
        upper: &Num,
        lower_points: Option<&Num>,
        span: Span,
        file: usize,
    ) -> Option<scheme::Thresholds> {
        let l = self.dec(lower, file)?;
        let u = self.dec(upper, file)?;
        let lp = match lower_points {
            Some(n) => self.dec(n, file)?,
            None => Decimal::ZERO,
        };
        let mut ok = true;
        if let Some(n) = lower_points.filter(|_| lp < Decimal::ZERO) {
            ok = false;
            self.push(
                Diagnostic::error(
                    Code::BadPoints,
                    file,
                    n.span,
                    format!("`{}` points at the lower threshold is negative", n.text),
                )
                .with_help("write the points earned on reaching the lower threshold, 0 or more"),
            );
        }
        for (v, n) in [(l, lower), (u, upper)] {
            if v > Decimal::ONE_HUNDRED {
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::BadThresholds,
                        file,
                        n.span,
                        format!("threshold `{}%` is above 100%", n.text),
                    )
                    .with_help("thresholds are percentages of the denominator, 0% to 100%"),
                );
            }
        }
        if ok && l >= u {
            ok = false;
            self.push(
                Diagnostic::error(
                    Code::BadThresholds,
                    file,
                    span,
                    format!(
                        "the lower threshold `{}%` is not below the upper `{}%`",
                        lower.text, upper.text
                    ),
                )
                .with_help("write `thresholds LOWER% to UPPER%` with LOWER below UPPER"),
            );
        }
        ok.then(|| scheme::Thresholds {
            lower: l / Decimal::ONE_HUNDRED,
            upper: u / Decimal::ONE_HUNDRED,
            lower_points: lp,
        })
    }

    /// Points at the lower threshold can be at most the points they are part of.
    pub(super) fn lower_points_within(
        &mut self,
        thresholds: Option<scheme::Thresholds>,
        written: Option<(usize, &Num)>,
        points: Decimal,
        of: &str,
    ) -> bool {
        let (Some(t), Some((file, n))) = (thresholds, written) else { return true };
        if t.lower_points <= points {
            return true;
        }
        self.push(
            Diagnostic::error(
                Code::BadPoints,
                file,
                n.span,
                format!(
                    "`{}` points at the lower threshold is more than the {} points of {of}",
                    n.text,
                    points.normalize()
                ),
            )
            .with_help(
                "the points at the lower threshold are part of the points: at most all of them",
            ),
        );
        false
    }

    pub(super) fn points(&mut self, n: &Num, file: usize) -> Option<Decimal> {
        let v = self.dec(n, file)?;
        if v < Decimal::ZERO {
            self.push(
                Diagnostic::error(
                    Code::BadPoints,
                    file,
                    n.span,
                    format!("`{}` points is negative", n.text),
                )
                .with_help("an indicator is worth 0 points or more; one worth 0 is measured and reported but earns nothing (or write `monitored`)"),
            );
            return None;
        }
        Some(v)
    }

    /// The adjustments of a block (an indicator's or a named set's) written in `file`,
    /// resolved; `None` when a category is undeclared (reported).
    pub(super) fn adjustment_items(
        &mut self,
        items: &'a [ast::Adjustment],
        f: usize,
    ) -> Option<Vec<scheme::Adjustment>> {
        let mut ok = true;
        let mut adjs = Vec::new();
        let mut seen: Vec<&Category> = Vec::new();
        for a in items {
            if seen.contains(&&a.category) {
                self.push(
                    Diagnostic::warning(
                        Code::DuplicateCategory,
                        f,
                        a.category_span,
                        format!("adjustment category `{}` is listed twice", a.category.source()),
                    )
                    .with_help(format!(
                        "only the first `{}` can apply; join the conditions with `or`",
                        a.category.source()
                    )),
                );
            } else {
                seen.push(&a.category);
            }
            let mut declared = None;
            if let Category::Custom(name) = &a.category {
                match self.categories.get(name) {
                    Some(e) => declared = e.node.title.as_ref().map(|t| t.value.clone()),
                    None => {
                        ok = false;
                        self.undeclared_category(name, a.category_span, f);
                    }
                }
            }
            let cond = self.expr(&a.when, f, &mut Vec::new());
            adjs.push(scheme::Adjustment {
                category: a.category.clone(),
                // the label written here, else the declaration's description
                label: a.label.as_ref().map(|t| t.value.clone()).or(declared),
                when: Condition { file: f, node: a.when.clone(), cond },
            });
        }
        ok.then_some(adjs)
    }

    /// An adjustment category that is neither standard nor declared: suggests the closest of
    /// the standard and declared ones, or how to declare it.
    fn undeclared_category(&mut self, name: &str, span: Span, file: usize) {
        let ident = ast::Ident { name: name.to_string(), span };
        self.undefined(
            "adjustment category",
            &ident,
            file,
            |cx| {
                STANDARD_CATEGORIES
                    .iter()
                    .map(|c| c.to_string())
                    .chain(cx.categories.keys().map(String::from))
                    .collect()
            },
            &format!(
                "the standard categories are `unsuitable`, `chose not to`, `no response`, `service unavailable` and `new patient`; declare a scheme's own with `category {name} \"description\"`"
            ),
        );
    }

    pub(super) fn indicator(&mut self, id: &str) -> Option<scheme::Indicator> {
        let (node, file, scheme, status, stmts, changed) = {
            let e = self.indicators.get(id)?;
            (e.node, e.file, e.scheme, e.status, e.stmts.clone(), e.changed.clone())
        };
        let mut title = node.title.value.clone();
        let mut group = None;
        let mut domain = None;
        let mut points: Option<(usize, &'a Num)> = None;
        let mut thresholds = None;
        let mut kind: Option<(usize, &'a IndStmt)> = None;
        let mut monitored = false;
        let mut denominator: Option<(usize, &'a ast::Cohort, Option<&'a ast::Expr>)> = None;
        let mut exclude = None;
        let mut achieved = None;
        let mut adjustments: Option<(usize, &'a [ast::Adjustment])> = None;
        let mut adjustment_set: Option<(usize, &'a ast::Ident)> = None;
        let mut strata: Vec<(usize, &'a ast::Stratum)> = Vec::new();
        let mut reports = Vec::new();
        let mut ok = true;
        for &(f, s) in &stmts {
            match s {
                IndStmt::Title(t) => title = t.value.clone(),
                IndStmt::Group(g) => group = Some(g.name.clone()),
                IndStmt::Domain(d) => domain = Some(d.name.clone()),
                IndStmt::Points(n) => points = Some((f, n)),
                IndStmt::Thresholds { lower, upper, lower_points, span } => {
                    thresholds = Some((f, lower, upper, lower_points.as_ref(), *span))
                }
                IndStmt::RegisterKind(_) | IndStmt::Attested(_) => kind = Some((f, s)),
                IndStmt::Monitored(_) => monitored = true,
                IndStmt::Denominator { cohort, filter, .. } => {
                    denominator = Some((f, cohort, filter.as_ref()))
                }
                IndStmt::Exclude(e) => exclude = Some((f, e)),
                IndStmt::Achieved(e) => achieved = Some((f, e)),
                IndStmt::Adjustments { items, .. } => {
                    adjustments = Some((f, items));
                    adjustment_set = None;
                }
                IndStmt::AdjustmentsRef { set, .. } => {
                    adjustments = None;
                    adjustment_set = Some((f, set));
                }
                IndStmt::Stratum(st) => strata.push((f, st)),
                IndStmt::Report(r) => reports.push((f, r)),
            }
        }
        let missing = |cx: &mut Self, what: &str, help: &str| {
            cx.push(
                Diagnostic::error(
                    Code::MissingStatement,
                    file,
                    node.id.span,
                    format!("indicator `{id}` has no {what}"),
                )
                .with_help(help.to_string()),
            );
        };
        if group.is_none() {
            missing(
                self,
                "`group`",
                "add `group NAME`; a group with a register of the same name is prevalence-adjusted",
            );
            ok = false;
        }
        if domain.is_none() {
            missing(self, "`domain`", "add `domain NAME`, e.g. `domain CL`");
            ok = false;
        }

        let mut ind_kind = scheme::Kind::Fraction;
        let mut register = None;
        if let Some((f, k)) = kind {
            match k {
                IndStmt::RegisterKind(r) => {
                    ind_kind = scheme::Kind::Register;
                    if !self.registers.contains(&r.name) {
                        ok = false;
                        self.undefined(
                            "register",
                            r,
                            f,
                            |cx| cx.registers.keys().map(String::from).collect(),
                            "a register indicator names a `register` defined in the scheme",
                        );
                    }
                    register = self
                        .registers
                        .rank(&r.name)
                        .map(|index| scheme::RegisterRef { id: r.name.clone(), index });
                }
                _ => ind_kind = scheme::Kind::Attested,
            }
        }

        // thresholds of the indicator
        let ind_thresholds = match thresholds {
            Some((f, l, u, lp, span)) => {
                let t = self.thresholds(l, u, lp, span, f);
                ok &= t.is_some();
                t
            }
            None => None,
        };

        // cohort and conditions
        let mut cohort = None;
        let mut filter = None;
        if let Some((f, c, flt)) = denominator {
            cohort = Some(match c {
                ast::Cohort::AllPatients { .. } => scheme::Cohort::AllPatients,
                ast::Cohort::Register { register } => {
                    if !self.registers.contains(&register.name) {
                        ok = false;
                        self.undefined(
                            "register",
                            register,
                            f,
                            |cx| cx.registers.keys().map(String::from).collect(),
                            "a denominator starts from a register, or from `patients`",
                        );
                    }
                    let index = self.registers.rank(&register.name).unwrap_or_default();
                    scheme::Cohort::Register(scheme::RegisterRef {
                        id: register.name.clone(),
                        index,
                    })
                }
            });
            if let Some(e) = flt {
                let cond = self.expr(e, f, &mut Vec::new());
                filter = Some(Condition { file: f, node: e.clone(), cond });
            }
        }
        let exclude = exclude.map(|(f, e)| {
            let cond = self.expr(e, f, &mut Vec::new());
            Condition { file: f, node: e.clone(), cond }
        });
        let achieved = achieved.map(|(f, e)| {
            let cond = self.expr(e, f, &mut Vec::new());
            Condition { file: f, node: e.clone(), cond }
        });
        // a named set: its adjustments, resolved where the set is written
        let mut set_name = None;
        if let Some((f, set)) = adjustment_set {
            match self.adjustment_sets.get(&set.name) {
                Some(e) => {
                    adjustments = Some((e.file, &e.node.items));
                    set_name = Some(set.name.clone());
                }
                None => {
                    ok = false;
                    self.undefined(
                        "adjustment set",
                        set,
                        f,
                        |cx| cx.adjustment_sets.keys().map(String::from).collect(),
                        "define it with `adjustments NAME { CATEGORY when CONDITION ... }`",
                    );
                }
            }
        }
        let mut adjs = Vec::new();
        if let Some((f, items)) = adjustments {
            match self.adjustment_items(items, f) {
                Some(a) => adjs = a,
                None => ok = false,
            }
        }

        // strata
        let mut out_strata = Vec::new();
        let mut otherwise: Option<&str> = None;
        let mut conditions: Vec<(String, &str, u32, usize)> = Vec::new();
        let mut sum = Decimal::ZERO;
        let mut all_points = true;
        for &(f, st) in &strata {
            if let Some(o) = otherwise {
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::UnreachableStratum,
                        f,
                        st.id.span,
                        format!("stratum `{}` can never be reached", st.id.name),
                    )
                    .with_help(format!(
                        "it comes after the `otherwise` stratum `{o}`, which takes every remaining patient"
                    )),
                );
            }
            let mut s_when = None;
            match &st.when {
                None => otherwise = otherwise.or(Some(&st.id.name)),
                Some(w) => {
                    s_when = Some(self.expr(w, f, &mut Vec::new()));
                    let text = self.normalized(f, w.span);
                    if let Some((_, earlier, at, ef)) = conditions.iter().find(|c| c.0 == text) {
                        let line = self.line_of(*ef, *at);
                        let earlier = earlier.to_string();
                        ok = false;
                        self.push(
                            Diagnostic::error(
                                Code::UnreachableStratum,
                                f,
                                st.id.span,
                                format!("stratum `{}` can never be reached", st.id.name),
                            )
                            .with_help(format!(
                                "its condition is the same as stratum `{earlier}`'s on line {line}, which takes those patients first"
                            )),
                        );
                    } else {
                        conditions.push((text, &st.id.name, st.id.span.start, f));
                    }
                }
            }
            let mut s_ach = None;
            let mut s_thr = None;
            let mut s_lp = None;
            let mut s_pts = None;
            for x in &st.stmts {
                match x {
                    IndStmt::Achieved(e) => {
                        let cond = self.expr(e, f, &mut Vec::new());
                        s_ach = Some(Condition { file: f, node: e.clone(), cond });
                    }
                    IndStmt::Thresholds { lower, upper, lower_points, span } => {
                        s_thr = self.thresholds(lower, upper, lower_points.as_ref(), *span, f);
                        s_lp = lower_points.as_ref().map(|n| (f, n));
                        ok &= s_thr.is_some();
                    }
                    IndStmt::Points(n) => {
                        s_pts = self.points(n, f);
                        ok &= s_pts.is_some();
                    }
                    _ => {}
                }
            }
            let s_ach = s_ach.or_else(|| achieved.clone());
            if s_ach.is_none() {
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::MissingStatement,
                        f,
                        st.id.span,
                        format!("stratum `{}` has no `achieved when` condition", st.id.name),
                    )
                    .with_help("add `achieved when ...` to the stratum or to the indicator"),
                );
            }
            let s_lp =
                s_lp.or_else(|| thresholds.and_then(|(tf, _, _, lp, _)| lp.map(|n| (tf, n))));
            let s_thr = s_thr.or(ind_thresholds);
            if let Some(p) = s_pts {
                let of = format!("stratum `{}`", st.id.name);
                ok &= self.lower_points_within(s_thr, s_lp, p, &of);
            }
            if s_thr.is_none() && !monitored && thresholds.is_none() {
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::MissingStatement,
                        f,
                        st.id.span,
                        format!("stratum `{}` has no thresholds", st.id.name),
                    )
                    .with_help("add `thresholds L% to U%` to the stratum or to the indicator"),
                );
            }
            let has_points = st.stmts.iter().any(|x| matches!(x, IndStmt::Points(_)));
            if !has_points {
                all_points = false;
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::MissingStatement,
                        f,
                        st.id.span,
                        format!("stratum `{}` has no points", st.id.name),
                    )
                    .with_help(
                        "each stratum has its own `points N`; the indicator's are their sum",
                    ),
                );
            }
            sum += s_pts.unwrap_or_default();
            out_strata.push(scheme::Stratum {
                id: st.id.name.clone(),
                when: st.when.as_ref().zip(s_when).map(|(w, cond)| Condition {
                    file: f,
                    node: w.clone(),
                    cond,
                }),
                achieved: s_ach,
                thresholds: s_thr,
                points: s_pts.unwrap_or_default(),
            });
        }

        // points
        let pts = match points {
            Some((f, n)) => {
                let p = self.points(n, f);
                ok &= p.is_some();
                if let Some(p) = p {
                    if !strata.is_empty() && all_points && p != sum {
                        ok = false;
                        self.push(
                            Diagnostic::error(
                                Code::StrataPoints,
                                f,
                                n.span,
                                format!("the strata's points add up to {sum}, not {p}"),
                            )
                            .with_help("make the strata's points add up to the indicator's, or leave out the indicator's `points`"),
                        );
                    }
                }
                p.unwrap_or_default()
            }
            None if !strata.is_empty() => sum,
            None if monitored => Decimal::ZERO,
            None => {
                missing(
                    self,
                    "`points`",
                    "add `points N` (or `monitored` for an indicator that is never paid)",
                );
                ok = false;
                Decimal::ZERO
            }
        };

        if strata.is_empty() {
            let lp = thresholds.and_then(|(f, _, _, lp, _)| lp.map(|n| (f, n)));
            ok &= self.lower_points_within(ind_thresholds, lp, pts, "the indicator");
        }
        if ind_kind == scheme::Kind::Fraction {
            if denominator.is_none() {
                ok = false;
                missing(
                    self,
                    "`denominator`",
                    "a fraction indicator needs `denominator REGISTER [where ...]` and `achieved when ...`; or write `attested` or `register R`",
                );
            }
            if achieved.is_none() && strata.is_empty() {
                ok = false;
                missing(
                    self,
                    "`achieved when` condition",
                    "a fraction indicator needs `achieved when ...` (or strata with their own)",
                );
            }
            if thresholds.is_none() && strata.is_empty() && !monitored {
                ok = false;
                missing(
                    self,
                    "thresholds",
                    "add `thresholds L% to U%`, e.g. `thresholds 40% to 90%`",
                );
            }
        }

        let out_reports: Vec<scheme::Report> =
            reports.iter().map(|&(f, r)| self.report(r, f)).collect();

        ok.then(|| scheme::Indicator {
            id: id.to_string(),
            title,
            group: group.unwrap_or_default(),
            domain: domain.unwrap_or_default(),
            kind: ind_kind,
            register,
            network: node.network,
            monitored,
            points: pts,
            thresholds: ind_thresholds,
            cohort,
            filter,
            exclude,
            achieved,
            adjustments: adjs,
            adjustment_set: set_name,
            strata: out_strata,
            reports: out_reports,
            origin: Origin { file, span: node.span, scheme: scheme.to_string(), status },
            changed,
        })
    }

    /// A reporting dimension, checked, with its classes' conditions resolved.
    pub(super) fn report(&mut self, r: &'a ReportDim, file: usize) -> scheme::Report {
        let mut resolved = Vec::new();
        match &r.kind {
            ast::ReportKind::Custom { classes, .. } => {
                for (_, c) in classes {
                    resolved.push(c.as_ref().map(|e| self.expr(e, file, &mut Vec::new())));
                }
            }
            ast::ReportKind::AgeBand { bands } => {
                for &(a, b, span) in bands {
                    if let Some(b) = b {
                        if a > b {
                            self.push(
                                Diagnostic::error(
                                    Code::BadAgeRange,
                                    file,
                                    span,
                                    format!("age band {a}-{b} is empty"),
                                )
                                .with_help("write the lower age first"),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
        scheme::Report { file, node: r.clone(), classes: resolved }
    }
}
