//! The editor's sweep and eval report (issue #17): the same core as `qofrules sweep` and
//! `eval --format html`, on the session's population (evaluated once per call, then only the
//! pay phase per value).

use super::{run_problems, Code, Reply, Session, ROOT_NAME};
use crate::sweep::{self, Lever, Sweep};
use serde::Serialize;

/// A sweep: what `qofrules sweep --format json` prints, and its HTML report.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct SweepOutput {
    pub sweep: Sweep,
    pub html: String,
}

/// The eval report `qofrules eval --format html` writes.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Debug, Serialize)]
pub struct ReportOutput {
    pub html: String,
}

impl Session {
    /// Evaluates the text once (or reads the published counts) and pays it again per value of
    /// `levers` (one or two `LEVER=VALUES`, as `--vary` takes them).
    pub fn sweep(&mut self, text: &str, levers: &[String]) -> Reply<SweepOutput> {
        let c = match self.compiled(text, ROOT_NAME) {
            Ok(c) => c,
            Err(e) => return Reply::err(e),
        };
        if levers.is_empty() || levers.len() > 2 {
            return Reply::message(
                Code::BadOptions,
                format!("a sweep takes one or two levers, not {}", levers.len()),
                Some("e.g. `DM020.upper=60%..90% step 5%`".into()),
            );
        }
        let run = match self.run_compiled(&c) {
            Ok(run) => run,
            Err(e) => return Reply::err(e),
        };
        let mut warnings = c.warnings.clone();
        warnings.extend(run_problems(run.warnings.clone()));
        let patient_level = run.evaluation.is_some();
        let inputs = run.inputs;
        let specs: Vec<&str> = levers.iter().map(String::as_str).collect();
        let parsed = match Lever::parse_all(&specs, &inputs.scheme) {
            Ok(p) => p,
            Err(e) => return Reply::message(Code::BadOptions, e.message, Some(e.help)),
        };
        match sweep::sweep(&inputs.scheme, &inputs.national, &inputs.data, &parsed) {
            Ok(sw) => {
                let html = sweep::html::render(&sw, patient_level, Some(&self.info.label));
                Reply::ok(SweepOutput { sweep: sw, html }, warnings)
            }
            Err(e) => Reply::message(Code::Pay, e.to_string(), None),
        }
    }

    /// The eval report of the text on the session's data, as `qofrules eval --format html`
    /// writes it.
    pub fn eval_report(&mut self, text: &str) -> Reply<ReportOutput> {
        let c = match self.compiled(text, ROOT_NAME) {
            Ok(c) => c,
            Err(e) => return Reply::err(e),
        };
        let run = match self.run_compiled(&c) {
            Ok(run) => run,
            Err(e) => return Reply::err(e),
        };
        let result = match run.pay() {
            Ok(r) => r,
            Err(e) => return Reply::err(run_problems(e.diagnostics)),
        };
        let out = run.output(&c.loaded, &result);
        let warnings = out.diagnostics.clone();
        let program = run.evaluation.as_ref().map(|_| &c.loaded.program);
        let html =
            crate::report::eval_html(&out, &run.inputs.scheme, program, Some(&self.info.label));
        Reply::ok(ReportOutput { html }, warnings)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn qof_2019_20() -> &'static str {
        crate::shipped::SCHEMES.iter().find(|(p, _)| p.ends_with("qof-2019-20.qof")).unwrap().1
    }

    #[test]
    fn the_editor_sweeps_on_its_population_with_eval_s_total_as_base() {
        let mut s = Session::new();
        let text = qof_2019_20();
        let json: serde_json::Value =
            serde_json::from_str(&s.evaluate_json(text).unwrap()).unwrap();
        let r = s.sweep(text, &["DM020.upper=70%,75%,80%".to_string()]);
        assert!(r.ok, "{:?}", r.errors);
        let out = r.value.unwrap();
        let v = serde_json::to_value(&out.sweep).unwrap();
        assert_eq!(v["base"]["total"], json["total"]["payment"]);
        assert_eq!(v["points"][1]["total"], json["total"]["payment"]);
        assert_ne!(v["points"][0]["total"], v["points"][2]["total"]);
        assert!(out.html.starts_with("<!DOCTYPE html>"));
        // a bad lever is a reply, not a panic
        let r = s.sweep(text, &["DM020.upper=60".to_string()]);
        assert!(!r.ok);
        assert_eq!(r.errors[0].code, Code::BadOptions);
        assert_eq!(r.errors[0].message, "`60` has no `%`");
        let r = s.sweep(text, &[]);
        assert!(!r.ok);
    }

    #[test]
    fn the_editor_s_eval_report_has_eval_s_total() {
        let mut s = Session::new();
        let text = qof_2019_20();
        let json: serde_json::Value =
            serde_json::from_str(&s.evaluate_json(text).unwrap()).unwrap();
        let r = s.eval_report(text);
        assert!(r.ok, "{:?}", r.errors);
        let html = r.value.unwrap().html;
        let total = json["total"]["payment"].as_str().unwrap();
        assert!(html.contains(&format!("data-total-payment=\"{total}\"")));
    }
}
