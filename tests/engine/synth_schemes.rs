//! Every shipped scheme pays on a generated CCG dated for its year (issue #13): generated NHS
//! Somerset CCG (65 practices, a small scale), dated for the scheme's period, with the
//! synthetic practice-level inputs `qofrules synth --for SCHEME` writes, run through the one
//! pipeline. Every practice (every network, for a scheme paid to networks) is paid more than
//! £0, and every fraction indicator with a non-empty denominator somewhere has a non-zero
//! numerator somewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::national::PrevalenceFrom;
use qofrules::pipeline::{self, PracticeInputs};
use qofrules::scheme::Kind;
use qofrules::synth::{generate, redate, Selection, SynthOptions, SynthYear};
use rust_decimal::Decimal;

#[test]
fn every_shipped_scheme_pays_every_practice_of_a_generated_ccg() {
    let opts = SynthOptions { seed: 2020, scale: 0.03, year: SynthYear::Y2019_20 };
    let base = generate(&Selection::Ccg("NHS Somerset CCG".into()), &opts).unwrap();
    let mut problems = Vec::new();
    for (path, text) in qofrules::shipped::SCHEMES {
        let (_, checked) = qofrules::check::check_text(path, text);
        let scheme = checked.scheme.unwrap_or_else(|| panic!("{path}: {:#?}", checked.diagnostics));
        let prog = qofrules::compile::compile(&scheme);
        let mut pop = base.clone();
        redate(&mut pop.patients, SynthYear::Y2019_20.period_end(), scheme.period_end);
        let (a, h) = pipeline::synthetic_inputs(&scheme, &pop.practices, opts.seed);
        let files = [
            a.map(|t| ("attested.csv".to_string(), t)),
            h.map(|t| ("historic.csv".to_string(), t)),
        ];
        let run = pipeline::run_population(
            &scheme,
            &prog,
            &pop,
            &PrevalenceFrom::Scheme,
            &PracticeInputs::of(&files),
            0,
        )
        .unwrap_or_else(|e| panic!("{path}: {e}"));
        let result = pipeline::pay(&run.inputs).unwrap_or_else(|e| panic!("{path}: {e}"));
        let v = serde_json::to_value(&result).unwrap();
        let money = |x: &serde_json::Value| -> Decimal {
            x.as_str().map_or(Decimal::ZERO, |s| s.parse().unwrap())
        };
        // What reaches each practice, or for a scheme paid to networks each network (its
        // practices' lines and its own network lines).
        let mut reached: std::collections::BTreeMap<String, Decimal> = Default::default();
        for p in v["practices"].as_array().unwrap() {
            let key = if scheme.paid_to_networks { &p["network_id"] } else { &p["practice_id"] };
            *reached.entry(key.as_str().unwrap_or("").to_string()).or_default() +=
                money(&p["payment"]);
        }
        if scheme.paid_to_networks {
            for n in v["networks"].as_array().unwrap() {
                *reached.entry(n["network_id"].as_str().unwrap_or("").to_string()).or_default() +=
                    money(&n["payment"]);
            }
        }
        let unpaid: Vec<&String> =
            reached.iter().filter(|(_, m)| **m <= Decimal::ZERO).map(|(k, _)| k).collect();
        if !unpaid.is_empty() {
            problems.push(format!(
                "{path}: {} of {} paid £0 (e.g. `{}`)",
                unpaid.len(),
                reached.len(),
                unpaid[0]
            ));
        }
        for (i, ind) in prog.indicators.iter().enumerate() {
            if ind.kind != Kind::Fraction {
                continue;
            }
            let (den, num) = run.evaluation.practices.iter().fold((0, 0), |(d, n), p| {
                (d + p.indicator(i).tally().denominator, n + p.indicator(i).tally().numerator)
            });
            if den > 0 && num == 0 {
                problems.push(format!(
                    "{path}: {} has {den} in the denominator and none achieved",
                    ind.id
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
