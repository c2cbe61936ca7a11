//! The root file's `test` blocks: complete patients, known code lists, indicators, strata and
//! adjustment categories.

use super::Cx;
use crate::diag::{Code, Diagnostic};
use crate::scheme;
use crate::syntax::ast;

impl<'a> Cx<'a> {
    pub(super) fn test(&mut self, t: &'a ast::Test, file: usize, indicators: &[scheme::Indicator]) {
        let p = &t.patient;
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
}
