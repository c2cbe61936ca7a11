//! The root file's `test` blocks: complete patients, known code lists, indicators, strata and
//! adjustment categories, expectations that fit the test (one patient for outcomes, one practice,
//! no two that disagree); and the tests a scheme runs: those it inherits through `extends`
//! (oldest first, less those a file drops with `retire test` or replaces with a test of the
//! same name, and less the expectations of indicators it retires), then its own.

use super::Cx;
use crate::check::load::Unit;
use crate::diag::{did_you_mean, Code, Diagnostic};
use crate::scheme::{self, Located};
use crate::syntax::ast::{self, Item};
use std::collections::HashMap;

impl<'a> Cx<'a> {
    /// The tests the scheme of `chain` (root first) runs, checking the root's own.
    pub(super) fn tests(
        &mut self,
        chain: &'a [Unit],
        indicators: &[scheme::Indicator],
    ) -> (Vec<Located<ast::Test>>, Vec<(usize, crate::date::Date)>) {
        // tests in order, a dropped or replaced one leaving `None`; indices by name, so that
        // dropping and replacing cost no scan of the tests
        let mut tests: Vec<Option<Located<ast::Test>>> = Vec::new();
        let mut by_name: HashMap<&'a str, Vec<usize>> = HashMap::new();
        let mut periods = Vec::new();
        let mut period_end = None;
        for (depth, unit) in chain.iter().enumerate().rev() {
            // the period end each file's tests are written for: its own, or its parent's
            if let Some(h) = unit.header() {
                for st in &h.stmts {
                    if let ast::SchemeStmt::Period { end, .. } = st {
                        period_end = Some(end.date);
                    }
                }
            }
            if let Some(d) = period_end {
                periods.push((unit.file, d));
            }
            let is_root = depth == 0;
            let has_parent = depth + 1 < chain.len();
            let parent = unit.header().and_then(|h| h.extends.as_ref());
            let mut seen: HashMap<&str, ast::Span> = HashMap::new();
            for item in unit.ast.expanded() {
                match item {
                    Item::RetireTest(r) => {
                        let dropped =
                            drop_inherited(&mut tests, &by_name, &r.name.value, unit.file);
                        if !is_root || dropped {
                            continue;
                        }
                        if !has_parent {
                            if parent.is_none() {
                                self.push(
                                    Diagnostic::error(
                                        Code::NotInherited,
                                        unit.file,
                                        r.span,
                                        "`retire test` in a scheme that extends nothing",
                                    )
                                    .with_help("`retire test` drops a test inherited through `extends`; to drop a test of this file, delete it"),
                                );
                            }
                            continue;
                        }
                        let own = unit
                            .ast
                            .expanded()
                            .any(|i| matches!(i, Item::Test(t) if t.name.value == r.name.value));
                        if own {
                            self.push(
                                Diagnostic::error(
                                    Code::NotInherited,
                                    unit.file,
                                    r.name.span,
                                    format!("test \"{}\" is this file's own, not inherited", r.name.value),
                                )
                                .with_help("`retire test` drops a test inherited through `extends`; to drop a test of this file, delete it"),
                            );
                            continue;
                        }
                        let parent = parent.map_or("", |p| p.name.as_str());
                        let mut d = Diagnostic::error(
                            Code::NotInherited,
                            unit.file,
                            r.name.span,
                            format!("`{parent}` has no test named \"{}\"", r.name.value),
                        );
                        self.undefined += 1;
                        let names = tests.iter().flatten().map(|t| t.node.name.value.as_str());
                        let suggestion = if self.undefined <= super::MAX_SUGGESTIONS {
                            did_you_mean(&r.name.value, names)
                        } else {
                            None
                        };
                        d = match suggestion {
                            Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
                            None => d.with_help(
                                "`retire test` names a test the scheme inherits, as written in its parent",
                            ),
                        };
                        self.push(d);
                    }
                    Item::Test(t) => {
                        if is_root {
                            if let Some(first) = seen.get(t.name.value.as_str()) {
                                let line = self.line_of(unit.file, first.start);
                                self.push(
                                    Diagnostic::error(
                                        Code::DuplicateName,
                                        unit.file,
                                        t.name.span,
                                        format!("test \"{}\" is defined twice", t.name.value),
                                    )
                                    .with_help(format!(
                                        "the first is on line {line}; tests are named uniquely so that variants can drop or replace them"
                                    ))
                                    .with_label(*first, "first defined here"),
                                );
                            } else {
                                seen.insert(&t.name.value, t.name.span);
                            }
                            self.test(t, unit.file, indicators);
                        }
                        // a test of an inherited test's name replaces it
                        drop_inherited(&mut tests, &by_name, &t.name.value, unit.file);
                        by_name.entry(&t.name.value).or_default().push(tests.len());
                        tests.push(Some(Located { file: unit.file, node: t.clone() }));
                    }
                    _ => {}
                }
            }
        }
        // inherited expectations of indicators the scheme does not have (it retired them) go
        // with the indicators; a test left with none is not run
        let root = chain.first().map_or(usize::MAX, |u| u.file);
        let ids: std::collections::HashSet<&str> =
            indicators.iter().map(|i| i.id.as_str()).collect();
        let known = |name: &str| ids.contains(name);
        let mut tests: Vec<Located<ast::Test>> = tests.into_iter().flatten().collect();
        tests.retain_mut(|t| {
            if t.file == root {
                return true;
            }
            let before = t.node.expects.len() + t.node.figures.len();
            t.node.expects.retain(|x| known(&x.indicator.name));
            t.node.figures.retain(|f| f.indicator.as_ref().map_or(true, |i| known(&i.name)));
            before == 0 || !(t.node.expects.is_empty() && t.node.figures.is_empty())
        });
        periods.sort_unstable();
        (tests, periods)
    }

    pub(super) fn test(&mut self, t: &'a ast::Test, file: usize, indicators: &[scheme::Indicator]) {
        for p in t.patients() {
            self.test_patient(p, file);
        }
        self.test_expects(t, file, indicators);
        self.test_fit(t, file);
    }

    fn test_patient(&mut self, p: &'a ast::TestPatient, file: usize) {
        if p.born.is_none() {
            self.push(
                Diagnostic::error(
                    Code::IncompletePatient,
                    file,
                    p.span,
                    "the test patient has no date of birth",
                )
                .with_help("add `born YYYY-MM-DD` after `patient`"),
            );
        }
        if p.registered.is_none() {
            self.push(
                Diagnostic::error(
                    Code::IncompletePatient,
                    file,
                    p.span,
                    "the test patient has no registration date",
                )
                .with_help("add `registered YYYY-MM-DD` after `patient`"),
            );
        }
        for ev in &p.events {
            if let ast::TestCode::List { list } = &ev.code {
                self.used_lists.insert(&list.name);
                if !self.codelists.contains(&list.name) {
                    self.undefined(
                        "code list",
                        list,
                        file,
                        |cx| cx.codelists.keys().map(String::from).collect(),
                        "a test event is a SNOMED CT code or a code list's name",
                    );
                }
            }
            if let Some(born) = p.born {
                if ev.date.date < born.date {
                    self.push(
                        Diagnostic::warning(
                            Code::EventBeforeBirth,
                            file,
                            ev.date.span,
                            format!(
                                "this event is dated before the patient's birth ({})",
                                born.date
                            ),
                        )
                        .with_help(
                            "check the date; events before birth are probably typing mistakes",
                        ),
                    );
                }
            }
        }
    }

    fn test_expects(&mut self, t: &'a ast::Test, file: usize, indicators: &[scheme::Indicator]) {
        for f in &t.figures {
            if let Some(id) = &f.indicator {
                if !indicators.iter().any(|i| i.id == id.name)
                    && !self.indicators.contains(&id.name)
                {
                    self.undefined(
                        "indicator",
                        id,
                        file,
                        |cx| cx.indicators.keys().map(String::from).collect(),
                        "`expect` names an indicator of this scheme, or `practice`",
                    );
                }
            }
        }
        for ex in &t.expects {
            let Some(ind) = indicators.iter().find(|i| i.id == ex.indicator.name) else {
                if !self.indicators.contains(&ex.indicator.name) {
                    self.undefined(
                        "indicator",
                        &ex.indicator,
                        file,
                        |cx| cx.indicators.keys().map(String::from).collect(),
                        "`expect` names an indicator of this scheme",
                    );
                }
                continue;
            };
            if let Some(s) = &ex.stratum {
                if !ind.strata.iter().any(|x| x.id == s.name) {
                    let cands: Vec<&str> = ind.strata.iter().map(|x| x.id.as_str()).collect();
                    let help = if cands.is_empty() {
                        format!("indicator `{}` has no strata", ind.id)
                    } else {
                        format!(
                            "the strata of `{}` are {}",
                            ind.id,
                            cands.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                        )
                    };
                    self.undefined(
                        "stratum",
                        s,
                        file,
                        |_| cands.iter().map(|c| c.to_string()).collect(),
                        &help,
                    );
                }
            }
            if let ast::Outcome::Adjusted(Some(c)) = &ex.outcome {
                if !ind.adjustments.iter().any(|a| &a.category == c) {
                    let cands: Vec<&str> =
                        ind.adjustments.iter().map(|a| a.category.source()).collect();
                    let help = if cands.is_empty() {
                        format!("indicator `{}` has no adjustments", ind.id)
                    } else {
                        format!(
                            "the adjustment categories of `{}` are {}",
                            ind.id,
                            cands.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                        )
                    };
                    let name = ast::Ident { name: c.source().to_string(), span: ex.outcome_span };
                    self.undefined(
                        "adjustment category",
                        &name,
                        file,
                        |_| cands.iter().map(|c| c.to_string()).collect(),
                        &help,
                    );
                }
            }
        }
    }

    /// Expectations that fit the test: outcomes need one patient, pay needs one practice, and
    /// no two expectations of one thing disagree.
    fn test_fit(&mut self, t: &'a ast::Test, file: usize) {
        let n = 1 + t.more_patients.len();
        if n > 1 {
            for ex in &t.expects {
                self.push(
                    Diagnostic::error(
                        Code::AmbiguousExpect,
                        file,
                        ex.span,
                        format!("this test has {n} patients; which one is expected to be `{}`?", outcome_word(&ex.outcome)),
                    )
                    .with_help("expect an outcome in a test of one patient, or state the practice's pay here (`expect ID points N`, `expect ID payment £N`)"),
                );
            }
            let first = t.patient.practice.as_ref();
            for p in &t.more_patients {
                let (a, b) = (first.map(|x| x.value.as_str()), p.practice.as_ref());
                if a != b.map(|x| x.value.as_str()) {
                    let span = b.map_or(p.span, |x| x.span);
                    let this = b.map_or("names no practice".to_string(), |x| {
                        format!("is at practice \"{}\"", x.value)
                    });
                    let that = a.map_or("names none".to_string(), |x| format!("is at \"{x}\""));
                    let mut d = Diagnostic::error(
                        Code::MixedPractices,
                        file,
                        span,
                        format!("this patient {this}; the test's first {that}"),
                    )
                    .with_help("the patients of one test make one practice: give them all the same `practice`, or none");
                    if let Some(f) = first {
                        d = d.with_label(f.span, "the first patient's practice");
                    }
                    self.push(d);
                }
            }
        }
        // two expectations of one thing that disagree
        let mut outcomes: HashMap<&str, &ast::Expect> = HashMap::new();
        for ex in &t.expects {
            match outcomes.get(ex.indicator.name.as_str()) {
                Some(first)
                    if first.outcome != ex.outcome
                        || first.stratum.as_ref().map(|s| &s.name)
                            != ex.stratum.as_ref().map(|s| &s.name) =>
                {
                    let line = self.line_of(file, first.span.start);
                    self.push(
                        Diagnostic::error(
                            Code::ContradictoryExpect,
                            file,
                            ex.span,
                            format!("`{}` is expected to be both `{}` and `{}`", ex.indicator.name, expect_text(first), expect_text(ex)),
                        )
                        .with_help(format!("a patient has one outcome per indicator; the first expectation is on line {line}: keep one"))
                        .with_label(first.span, "first expected here"),
                    );
                }
                Some(_) => {}
                None => {
                    outcomes.insert(&ex.indicator.name, ex);
                }
            }
        }
        let mut figures: HashMap<(Option<&str>, ast::Figure), &ast::ExpectFigure> = HashMap::new();
        for f in &t.figures {
            let key = (f.indicator.as_ref().map(|i| i.name.as_str()), f.figure);
            match figures.get(&key) {
                Some(first) if !same_number(&first.value.text, &f.value.text) => {
                    let line = self.line_of(file, first.span.start);
                    let who = key.0.map_or("the practice".to_string(), |i| format!("`{i}`"));
                    let what = match f.figure {
                        ast::Figure::Points => format!("the points of {who} are"),
                        ast::Figure::Payment => format!("the payment of {who} is"),
                    };
                    self.push(
                        Diagnostic::error(
                            Code::ContradictoryExpect,
                            file,
                            f.span,
                            format!(
                                "{what} expected to be both {} and {}",
                                figure_text(first),
                                figure_text(f)
                            ),
                        )
                        .with_help(format!("the first expectation is on line {line}: keep one"))
                        .with_label(first.span, "first expected here"),
                    );
                }
                Some(_) => {}
                None => {
                    figures.insert(key, f);
                }
            }
        }
    }
}

/// Drops the tests named `name` written in files other than `file` (those `file` inherits);
/// whether there was one.
fn drop_inherited(
    tests: &mut [Option<Located<ast::Test>>],
    by_name: &HashMap<&str, Vec<usize>>,
    name: &str,
    file: usize,
) -> bool {
    let mut dropped = false;
    for &k in by_name.get(name).into_iter().flatten() {
        if let Some(slot) = tests.get_mut(k) {
            if slot.as_ref().is_some_and(|t| t.file != file) {
                *slot = None;
                dropped = true;
            }
        }
    }
    dropped
}

fn outcome_word(o: &ast::Outcome) -> String {
    crate::eval::outcome_text(o, None)
}

fn expect_text(x: &ast::Expect) -> String {
    crate::eval::outcome_text(&x.outcome, x.stratum.as_ref().map(|s| s.name.as_str()))
}

fn figure_text(f: &ast::ExpectFigure) -> String {
    match f.figure {
        ast::Figure::Points => f.value.text.clone(),
        ast::Figure::Payment => format!("£{}", f.value.text),
    }
}

/// Two numbers as written are the same value (`12.5` and `12.50`); text that does not read
/// as a number is compared as written.
fn same_number(a: &str, b: &str) -> bool {
    use std::str::FromStr;
    match (rust_decimal::Decimal::from_str(a), rust_decimal::Decimal::from_str(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}
