//! The `national prevalence` statement: its figures (embedded, read from a prevalence file, or
//! stated per group), and whether every register that weighs on money has a national figure.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use super::resolve::Cx;
use crate::diag::{Code, Diagnostic};
use crate::national::{embedded_covers, embedded_for_year, EMBEDDED};
use crate::scheme::{self, NationalFile, NationalStatement, StatedPrevalence};
use crate::syntax::ast::{NationalBase, NationalFigure, Num, SchemeStmt, Span};

/// Resolves a `national prevalence` statement written in `file`. Problems are reported; the
/// statement is returned with what could be read.
pub(super) fn statement(
    cx: &mut Cx<'_>,
    st: &SchemeStmt,
    file: usize,
) -> Option<NationalStatement> {
    let SchemeStmt::NationalPrevalence { base, groups, span } = st else { return None };
    let mut out = NationalStatement {
        embedded: None,
        file: None,
        groups: Vec::new(),
        file_index: file,
        span: *span,
    };
    match base {
        Some(NationalBase::Embedded { name, year, span }) => {
            let full = format!("{} {}", name.name, year.text);
            match EMBEDDED.iter().find(|e| **e == full) {
                Some(e) => out.embedded = Some((*e).to_string()),
                None => cx.push(
                    Diagnostic::error(
                        Code::UnknownFigures,
                        file,
                        *span,
                        format!("no embedded national figures for `{full}`"),
                    )
                    .with_help(format!(
                        "qofrules embeds {}; state the figures per group (`{{ DM 7.1% }}`) or name a prevalence file (`from \"PREVALENCE.csv\"`)",
                        EMBEDDED.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
                    )),
            ),
            }
        }
        Some(NationalBase::File { path, .. }) => {
            let name = super::resolve_path(&cx.sources.files[file].name, &path.value);
            let found = cx.sources.files.iter().position(|f| super::normalize(&f.name) == name);
            match found {
                Some(f) => {
                    let text = &cx.sources.files[f].text;
                    match crate::aggregate::sum_prevalence(text, &cx.sources.files[f].name) {
                        Ok((sums, practices)) => {
                            out.file = Some(NationalFile {
                                name: cx.sources.files[f].name.clone(),
                                groups: sums
                                    .into_iter()
                                    .map(|(g, s)| (g, (s.register, s.list_size, s.list_type)))
                                    .collect(),
                                practices,
                            })
                        }
                        Err(e) => {
                            let span = line_span(text, e.row.unwrap_or(1));
                            let message = match &e.column {
                                Some(c) => format!("column `{c}`: {}", e.message),
                                None => e.message.clone(),
                            };
                            let d = Diagnostic::error(Code::BadNationalFile, f, span, message);
                            cx.push(match &e.help {
                                Some(h) => d.with_help(h.clone()),
                                None => d,
                            });
                        }
                    }
                }
                None => cx.push(
                    Diagnostic::error(
                        Code::MissingFile,
                        file,
                        path.span,
                        format!("cannot find prevalence file `{}`", path.value),
                    )
                    .with_help(format!("looked for `{name}`, relative to the rule file's folder")),
                ),
            }
        }
        None => {}
    }
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for g in groups {
        if let Some(first) = seen.get(g.group.name.as_str()) {
            let line = cx.line_of(file, first.start);
            cx.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    file,
                    g.group.span,
                    format!("group `{}` is given twice", g.group.name),
                )
                .with_help(format!("the first is on line {line}; remove one"))
                .with_label(*first, "first given here"),
            );
            continue;
        }
        seen.insert(&g.group.name, g.group.span);
        let figure = match &g.figure {
            NationalFigure::Rate { percent } => rate(cx, percent, file),
            NationalFigure::Totals { register, list_size } => {
                totals(cx, register, list_size, file, g.span)
            }
        };
        if let Some(f) = figure {
            out.groups.push((g.group.name.clone(), f));
        }
    }
    Some(out)
}

/// The span of line `line` (1-based) of `text`, without its line end.
fn line_span(text: &str, line: usize) -> Span {
    let mut start = 0usize;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let body = l.trim_end_matches(['\n', '\r']);
            return Span::new(start, start + body.len());
        }
        start += l.len();
    }
    Span::new(text.len(), text.len())
}

fn bad_prevalence(cx: &mut Cx<'_>, file: usize, span: Span, message: String, help: &str) {
    cx.push(
        Diagnostic::error(Code::BadPrevalence, file, span, message).with_help(help.to_string()),
    );
}

fn rate(cx: &mut Cx<'_>, n: &Num, file: usize) -> Option<StatedPrevalence> {
    let v = match n.text.parse::<Decimal>() {
        Ok(v) => v,
        Err(_) => {
            bad_prevalence(
                cx,
                file,
                n.span,
                format!("`{}%` is too precise", n.text),
                "a percentage has at most 28 significant digits",
            );
            return None;
        }
    };
    if v.is_zero() || v > Decimal::ONE_HUNDRED {
        bad_prevalence(
            cx,
            file,
            n.span,
            format!("national prevalence `{}%` is not between 0% and 100%", n.text),
            "a national prevalence is above 0% (APDF divides by it) and at most 100%",
        );
        return None;
    }
    Some(StatedPrevalence::Rate { rate: v / Decimal::ONE_HUNDRED })
}

fn totals(
    cx: &mut Cx<'_>,
    register: &Num,
    list_size: &Num,
    file: usize,
    span: Span,
) -> Option<StatedPrevalence> {
    let parse = |cx: &mut Cx<'_>, n: &Num| match n.text.parse::<u64>() {
        Ok(v) => Some(v),
        Err(_) => {
            cx.push(
                Diagnostic::error(
                    Code::BadNumber,
                    file,
                    n.span,
                    format!("`{}` is too large", n.text),
                )
                .with_help("registers and list sizes are whole numbers below 2^64"),
            );
            None
        }
    };
    let r = parse(cx, register)?;
    let l = parse(cx, list_size)?;
    if r == 0 || l == 0 {
        bad_prevalence(
            cx,
            file,
            span,
            format!("national prevalence `{r} / {l}` is zero or has no list"),
            "write `register / list size`, both above 0 (APDF divides by the prevalence)",
        );
        return None;
    }
    if r > l {
        bad_prevalence(
            cx,
            file,
            span,
            format!("national register `{r}` is larger than its list size `{l}`"),
            "write `register / list size`: the patients on the register, then the patients on the list",
        );
        return None;
    }
    Some(StatedPrevalence::Totals { register: r, list_size: l })
}

/// Checks that every register whose prevalence weighs on money has a national figure: the
/// registers that are the group of a paid indicator, and, when a historic model adjusted for
/// prevalence pays items that are not indicators (Somerset), every prevalence-adjusted
/// register. With figures (stated, or embedded for the scheme's year) a register without one
/// is an error; with none at all, the scheme gets a warning saying how to give them.
#[allow(clippy::too_many_arguments)]
pub(super) fn coverage(
    cx: &mut Cx<'_>,
    root: usize,
    header: Option<Span>,
    stmt: Option<&NationalStatement>,
    scheme_year: Option<i32>,
    registers: &[scheme::Register],
    indicators: &[scheme::Indicator],
    payment: &scheme::PaymentModel,
) {
    let unmatched = pays_unmatched_adjusted(payment, false);
    let paid_groups: BTreeMap<&str, ()> =
        indicators.iter().filter(|i| !i.monitored).map(|i| (i.group.as_str(), ())).collect();
    let relevant: Vec<&scheme::Register> = registers
        .iter()
        .filter(|r| r.prevalence_adjusted && (unmatched || paid_groups.contains_key(r.id.as_str())))
        .collect();
    if relevant.is_empty() {
        return;
    }
    let default = embedded_for_year(scheme_year);
    // what gives the figures: the statement, else the figures embedded for the year
    let (covers, what) = match (stmt, default) {
        (Some(s), _) => (Cover::Stated(s), "the scheme's `national prevalence`".to_string()),
        (None, Some(e)) => {
            (Cover::Embedded(e), format!("{e}, the default for a scheme of that year,"))
        }
        (None, None) => {
            // without a period (already an error) there is no year to speak of
            let Some(y) = scheme_year else { return };
            let year = format!(" for {y}/{:02}", (y + 1).rem_euclid(100));
            if let Some(span) = header {
                cx.push(
                    Diagnostic::warning(
                        Code::NoNationalPrevalence,
                        root,
                        span,
                        format!("the scheme states no national prevalence{year}"),
                    )
                    .with_help(
                        "state the year's figures in the header (`national prevalence { DM 7.1%, ... }` or `national prevalence from \"PREVALENCE.csv\"`); otherwise `eval` needs `--national FILE` or `--prevalence-from population`",
                    ),
                );
            }
            return;
        }
    };
    for r in relevant {
        if covers.covers(&r.id) {
            continue;
        }
        let (file, span) = match cx.registers.get(&r.id) {
            Some(e) => (e.file, e.node.id.span),
            None => (r.origin.file, r.origin.span),
        };
        cx.push(
            Diagnostic::error(
                Code::NoNationalPrevalence,
                file,
                span,
                format!("register `{}` has no national prevalence", r.id),
            )
            .with_help(format!(
                "{what} has no figure for `{}`: state one in the header (`national prevalence {{ {} 0.5% }}`, or `register / list size`), or write `not prevalence adjusted` in the register",
                r.id, r.id
            )),
        );
    }
}

/// What gives a scheme its national figures, for the coverage check.
enum Cover<'s> {
    Stated(&'s NationalStatement),
    Embedded(&'static str),
}

impl Cover<'_> {
    fn covers(&self, group: &str) -> bool {
        match self {
            Cover::Stated(s) => s.covers(group),
            Cover::Embedded(e) => embedded_covers(e, group),
        }
    }
}

/// Whether the model pays historic items that are not indicators with prevalence adjustment.
fn pays_unmatched_adjusted(m: &scheme::PaymentModel, in_higher_of: bool) -> bool {
    match m {
        scheme::PaymentModel::Performance => false,
        scheme::PaymentModel::Historic { prevalence, .. } => *prevalence && !in_higher_of,
        scheme::PaymentModel::Blend { parts } => {
            parts.iter().any(|(_, m)| pays_unmatched_adjusted(m, in_higher_of))
        }
        scheme::PaymentModel::HigherOf { .. } => false,
        scheme::PaymentModel::Except { base, .. }
        | scheme::PaymentModel::ByIndicator { base, .. } => {
            pays_unmatched_adjusted(base, in_higher_of)
        }
    }
}
