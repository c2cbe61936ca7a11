use super::*;

const MINI: &str = r#"scheme mini "Mini" { period 2019-04-01 to 2020-03-31, point value £187.74, national average list size 8479 }
codelist DM_COD "Diabetes" snomed { 44054006 }
register DM "Diabetes mellitus" { patients aged 17 or over, where DM_COD }
indicator DM017 "Register" { group DM, domain CL, points 6, register DM }
test "diabetic" {
  patient born 1950-01-01, female, registered 2000-01-01 { DM_COD on 2010-05-01 }
  expect DM017 numerator
}
"#;

fn small() -> Session {
    let mut s = Session::new();
    let r = s.synth(&SynthRequest {
        practices: Some(vec!["A81001".into(), "A81002".into()]),
        scale: Some(0.02),
        ..SynthRequest::default()
    });
    assert!(r.ok, "{:?}", r.errors);
    s
}

#[test]
fn check_reports_utf16_positions_in_the_root_text() {
    let s = Session::new();
    // `£` is one UTF-16 unit but two bytes; the error is on line 2
    let text = "scheme x \"£\" { period 2019-04-01 to 2020-03-31, point value £1 }\nregister R \"r\" { where NOPE }\n";
    let r = s.check(text);
    let out = r.value.unwrap();
    let d = out.diagnostics.iter().find(|d| d.message.contains("NOPE")).unwrap();
    assert!(d.root);
    assert_eq!(d.file.as_deref(), Some(ROOT_NAME));
    let start = d.start.unwrap();
    assert_eq!(start.line, 2);
    assert_eq!(start.column, 24);
    let line2 = text.find("register").unwrap();
    assert_eq!(start.byte, line2 + 23);
    // the UTF-16 offset is one less than the byte offset twice over (two `£`)
    assert_eq!(start.offset, start.byte - 2);
    assert!(out.error_count >= 1);
    assert!(out.scheme.is_none());
}

#[test]
fn evaluate_pays_and_explains_and_runs_tests() {
    let mut s = small();
    let r = s.evaluate(MINI);
    assert!(r.ok, "{:?}", r.errors);
    let v = r.value.unwrap();
    assert_eq!(v.result["practices"].as_array().unwrap().len(), 2);
    assert_eq!(v.population.practices, 2);
    let json = s.evaluate_json(MINI).unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&json).unwrap(), v.result);
    assert!(json.ends_with("}\n"));

    let first = s.patients("", 1)[0].patient_id.clone();
    let e = s.explain(MINI, &first, None);
    assert!(e.ok);
    assert_eq!(e.value.unwrap().traces.len(), 1);
    assert!(!s.explain(MINI, "no-such-patient", None).ok);
    assert!(!s.explain(MINI, &first, Some("XX1")).ok);

    let t = s.run_tests(MINI).value.unwrap();
    assert_eq!((t.report.passed, t.report.failed), (1, 0));
    assert_eq!(t.positions[0].unwrap().line, 5);
}

#[test]
fn errors_are_values_not_panics() {
    let mut s = Session::new();
    let r = s.evaluate("scheme {");
    assert!(!r.ok);
    assert!(r.errors[0].start.is_some());
    assert!(!s.format("scheme {").ok);
    let r = s.synth(&SynthRequest { ccg: Some("Nowhere".into()), ..SynthRequest::default() });
    assert!(!r.ok);
    assert!(r.errors[0].message.contains("Nowhere"));
    assert_eq!(s.population_info().kind, "default");
    let mut files = BTreeMap::new();
    files.insert("practices.csv".to_string(), "practice_id\n".to_string());
    let r = s.load_population(&files);
    assert!(!r.ok);
    assert!(r.errors[0].message.contains("`patients.csv`"), "{:?}", r.errors);
}

#[test]
fn loads_population_files() {
    let mut s = Session::new();
    let mut files = BTreeMap::new();
    files.insert(
        "dir/patients.ndjson".to_string(),
        r#"{"patient_id":"P1","practice_id":"X1","birth_date":"1950-01-01","sex":"female","registered_on":"2000-01-01","events":[{"date":"2010-05-01","code":44054006}]}"#.to_string() + "\n",
    );
    let r = s.load_population(&files);
    assert!(r.ok, "{:?}", r.errors);
    assert_eq!(r.value.unwrap().patients, 1);
    let v = s.evaluate(MINI).value.unwrap();
    assert_eq!(v.result["practices"][0]["indicators"][0]["numerator"], 1);
    // a bad row is reported with its file and row
    files.insert("dir/patients.ndjson".to_string(), "{\"patient_id\": 3}\n".to_string());
    let r = s.load_population(&files);
    assert!(!r.ok);
    assert_eq!(r.errors[0].row, Some(1));
    assert_eq!(s.population_info().patients, 1, "a failed load keeps the population");
}

#[test]
fn compare_identical_and_changed_schemes() {
    let mut s = small();
    let same = s.compare(MINI, MINI).value.unwrap();
    assert!(same.comparison.no_change());
    assert_eq!(same.comparison.total.delta, Decimal::ZERO);
    assert_eq!((same.gainers, same.losers), (0, 0));
    let doubled = MINI.replace("points 6", "points 12");
    let c = s.compare(MINI, &doubled).value.unwrap();
    let cmp = &c.comparison;
    assert_eq!(cmp.indicators[0].id, "DM017");
    assert_eq!(cmp.indicators[0].status, crate::compare::DiffStatus::Changed);
    assert!(cmp.total.delta > Decimal::ZERO);
    assert!(c.gainers >= 1);
    assert_eq!(c.gainers, cmp.practices.iter().filter(|p| p.delta > Decimal::ZERO).count());
    assert_eq!(cmp.total.payment_a, same.comparison.total.payment_a);
    // the totals are each scheme's own `eval` totals, to the penny
    let total = |text: &str, s: &mut Session| {
        let r = s.evaluate(text).value.unwrap().result;
        r["total"]["payment"].as_str().unwrap().parse::<Decimal>().unwrap()
    };
    assert_eq!(cmp.total.payment_a, total(MINI, &mut s));
    assert_eq!(cmp.total.payment_b, total(&doubled, &mut s));
    // the reply is the comparison `qofrules compare --format json` prints, and its report
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["comparison"], serde_json::to_value(cmp).unwrap());
    assert_eq!(c.html, crate::compare::html::render_for(cmp, Some(&s.population_info().label)));
}

#[test]
fn compare_reports_errors_of_either_text_with_its_file() {
    let mut s = small();
    let r = s.compare(MINI, "scheme {");
    assert!(!r.ok);
    assert!(r.errors.iter().all(|e| e.file.as_deref() == Some(ROOT_NAME_B)), "{:?}", r.errors);
}

#[test]
fn shipped_schemes_and_the_ccg_picker_names_resolve() {
    assert!(Session::shipped().iter().any(|f| f.path == "rules/qof-2019-20.qof"));
    for ccg in ["Dudley", "Somerset", "Tower Hamlets", "Buckinghamshire"] {
        let sel = Selection::Ccg(ccg.into());
        assert!(sel.resolve(&SynthOptions::default()).is_ok(), "{ccg}");
    }
}

/// A generated population is dated for each scheme's period; loaded files are used as they
/// are, with a warning when their records are for another year.
#[test]
fn the_population_follows_the_schemes_period() {
    let mini_1819 = MINI.replace(
        "period 2019-04-01 to 2020-03-31",
        "period 2018-04-01 to 2019-03-31, national prevalence of England 2019/20",
    );
    let latest = |s: &Session| {
        s.population().patients.iter().flat_map(|p| &p.events).map(|e| e.date).max().unwrap()
    };
    let mut s = small();
    assert_eq!(latest(&s).to_string(), "2020-03-31");
    let r = s.evaluate(&mini_1819);
    assert!(r.ok, "{:?}", r.errors);
    assert!(r.warnings.iter().all(|w| w.code != "population-period"), "{:?}", r.warnings);
    assert_eq!(latest(&s).to_string(), "2019-03-31");
    // And back: the same records as before.
    let before = small().population().clone();
    assert!(s.evaluate(MINI).ok);
    assert_eq!(s.population(), &before);

    // Files of 2019/20 under a 2018/19 scheme: evaluated, with a warning.
    let mut f = Session::with_population(before, "files");
    let r = f.evaluate(&mini_1819);
    assert!(r.ok, "{:?}", r.errors);
    let w = r.warnings.iter().find(|w| w.code == "population-period").expect("a warning");
    assert!(w.message.contains("after the scheme's period end 2019-03-31"), "{}", w.message);
    assert!(f.evaluate(MINI).warnings.iter().all(|w| w.code != "population-period"));
}

#[test]
fn national_prevalence_is_the_schemes_unless_the_population_is_chosen() {
    let mut s = small();
    // a 2019/20 scheme: England's embedded figures, as `eval` takes them
    let v = s.evaluate(MINI).value.unwrap().result;
    assert_eq!(v["national"]["prevalence_source"], "England 2019/20 (embedded)");
    // another year with no figures: an error saying how to give them
    let other = MINI.replace("2019-04-01 to 2020-03-31", "2020-04-01 to 2021-03-31");
    let r = s.evaluate(&other);
    assert!(!r.ok);
    assert_eq!(r.errors[0].code, "national");
    assert_eq!(r.errors[0].message, "scheme `mini` states no national prevalence for 2020/21");
    assert!(r.errors[0].help.as_deref().unwrap_or("").contains("--prevalence-from population"));
    // the population's own, when chosen
    s.set_prevalence_from_population(true);
    let v = s.evaluate(&other).value.unwrap().result;
    assert_eq!(v["national"]["prevalence_source"], "computed from 2 practices evaluated");
    let v = s.evaluate(MINI).value.unwrap().result;
    assert_eq!(v["national"]["prevalence_source"], "computed from 2 practices evaluated");
    s.set_prevalence_from_population(false);
    let v = s.evaluate(MINI).value.unwrap().result;
    assert_eq!(v["national"]["prevalence_source"], "England 2019/20 (embedded)");
}

/// Comparing schemes of two years on a generated population dates it for each side: each
/// total is what evaluating that scheme alone gives.
#[test]
fn compare_dates_a_generated_population_for_each_side() {
    let mini_1819 = MINI.replace(
        "period 2019-04-01 to 2020-03-31",
        "period 2018-04-01 to 2019-03-31, national prevalence of England 2019/20",
    );
    let mut s = small();
    let total = |s: &mut Session, text: &str| {
        let r = s.evaluate(text);
        assert!(r.ok, "{:?}", r.errors);
        r.value.unwrap().result["total"]["payment"].clone()
    };
    let (ta, tb) = (total(&mut s, &mini_1819), total(&mut s, MINI));
    let r = s.compare(&mini_1819, MINI);
    assert!(r.ok, "{:?}", r.errors);
    assert!(r.warnings.iter().all(|w| w.code != "population-period"), "{:?}", r.warnings);
    let c = serde_json::to_value(&r.value.unwrap().comparison).unwrap();
    assert_eq!(c["total"]["payment_a"], ta);
    assert_eq!(c["total"]["payment_b"], tb);
}

fn named(name: &str, text: &str) -> NamedText {
    NamedText { name: name.into(), text: text.into() }
}

/// The session takes every input the CLI takes: a national prevalence file, attested and
/// historic files, and published counts in place of the population.
#[test]
fn national_file_practice_inputs_and_published_counts() {
    let mut s = small();
    let other = MINI.replace("2019-04-01 to 2020-03-31", "2020-04-01 to 2021-03-31");
    assert!(!s.evaluate(&other).ok, "no national figures for 2020/21 without a file");
    // a national prevalence file: errors at their row and column, then its figures
    let bad = named("national.csv", "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nX1,DM,many,17OV,40\n");
    let r = s.set_national(Some(bad));
    assert!(!r.ok);
    assert_eq!((r.errors[0].file.as_deref(), r.errors[0].row), (Some("national.csv"), Some(2)));
    let good = named("national.csv", "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nX1,DM,70,17OV,1000\nX2,DM,30,17OV,1000\n");
    let r = s.set_national(Some(good));
    assert_eq!(r.value.unwrap().national.as_deref(), Some("national.csv"));
    let v = s.evaluate(&other).value.unwrap().result;
    assert_eq!(v["national"]["prevalence"]["DM"]["prevalence"], "0.05", "{}", v["national"]);
    assert!(s.set_national(None).ok);
    assert!(!s.evaluate(&other).ok, "back to the scheme's figures");
    // an attested file given for every run: its errors stop the run, at the file
    let r = s.set_practice_inputs(PracticeRequest {
        attested: Some(named("attested.csv", "practice_id,item_id,met\nA81001,X,perhaps\n")),
        historic: None,
    });
    assert_eq!(r.value.unwrap().attested.as_deref(), Some("attested.csv"));
    let r = s.evaluate(MINI);
    assert!(!r.ok);
    assert_eq!(r.errors[0].file.as_deref(), Some("attested.csv"));
    assert!(s.set_practice_inputs(PracticeRequest::default()).ok);
    assert!(s.evaluate(MINI).ok);
    // published counts: a bad file is refused at once, the population kept
    let bad = CountsRequest {
        achievement: named("ach.csv", "PRACTICE_CODE,INDICATOR_CODE,MEASURE\nA1,DM017,NUMERATOR\n"),
        ..CountsRequest::default()
    };
    let r = s.load_counts(bad);
    assert!(!r.ok);
    assert_eq!(r.errors[0].file.as_deref(), Some("ach.csv"));
    assert_eq!(s.population_info().kind, "synthetic");
    let counts = CountsRequest {
        achievement: named(
            "ach.csv",
            "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nA1,DM017,REGISTER,30\nA2,DM017,REGISTER,10\n",
        ),
        prevalence: Some(named(
            "prev.csv",
            "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nA1,DM,30,17OV,500\nA2,DM,10,17OV,700\n",
        )),
        structure: None,
    };
    let info = s.load_counts(counts).value.unwrap();
    assert_eq!((info.kind, info.practices, info.patients), ("counts", 2, 0));
    let v = s.evaluate(MINI).value.unwrap().result;
    let ids: Vec<&str> = v["practices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["practice_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["A1", "A2"]);
    assert!(v.get("reports").is_none());
    // no patients to explain; compare runs on the counts too
    let r = s.explain(MINI, "anyone", None);
    assert_eq!(r.errors[0].code, "bad-options");
    let r = s.compare(MINI, MINI);
    assert!(r.ok, "{:?}", r.errors);
    assert_eq!(serde_json::to_value(&r.value.unwrap().comparison).unwrap()["level"], "counts");
    // another population goes back to patients
    assert!(s.use_default_population().ok);
    assert_eq!(s.population_info().kind, "default");
    assert!(s.explain(MINI, "nobody", None).errors[0].message.contains("`nobody`"));
}

/// Published counts given as files by name: each file's part is told by its header.
#[test]
fn counts_files_are_told_by_their_headers() {
    let mut s = small();
    let files = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect()
    };
    let ach = "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nA1,DM017,REGISTER,30\n";
    let prev = "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nA1,DM,30,17OV,500\n";
    let st = "PRACTICE_CODE,PCN_ODS_CODE\nA1,U1\n";
    let r = s.load_counts_files(&files(&[("x.csv", prev)]));
    assert_eq!(r.errors[0].code, "missing-file");
    let r = s.load_counts_files(&files(&[("a.csv", ach), ("b.csv", ach)]));
    assert!(r.errors[0].message.contains("two files of the same kind"));
    let r = s.load_counts_files(&files(&[("a.csv", ach), ("odd.csv", "x,y\n1,2\n")]));
    assert!(r.errors[0].message.contains("`odd.csv`"));
    let r = s.load_counts_files(&files(&[("p.csv", prev), ("s.csv", st), ("a.csv", ach)]));
    assert!(r.ok, "{:?}", r.errors);
    let v = s.evaluate(MINI).value.unwrap().result;
    assert_eq!(v["practices"][0]["network_id"], "U1");
}

#[test]
fn the_explorer_lists_as_many_patients_as_the_counts_say() {
    let mut s = small();
    let text =
        Session::shipped().into_iter().find(|f| f.path == "rules/qof-2019-20.qof").unwrap().text;
    let result = s.evaluate(text).value.unwrap().result;
    let total = |id: &str, field: &str| -> u64 {
        result["practices"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["indicators"].as_array().unwrap())
            .filter(|i| i["id"] == id)
            .map(|i| i[field].as_u64().unwrap())
            .sum()
    };
    let find = |s: &mut Session, id: &str, status: &str, practice: Option<&str>| {
        let q = PatientQuery {
            indicator: Some(id.into()),
            status: Some(status.into()),
            practice: practice.map(String::from),
            limit: 5,
            ..PatientQuery::default()
        };
        let r = s.find_patients(text, &q);
        assert!(r.ok, "{:?}", r.errors);
        r.value.unwrap()
    };
    let mut checked = 0;
    for id in ["DM020", "HYP003", "AST003", "CHD005", "CS005"] {
        let num = find(&mut s, id, "numerator", None);
        let den = find(&mut s, id, "denominator", None);
        let unmet = find(&mut s, id, "unmet", None);
        let pcas = find(&mut s, id, "adjusted", None);
        assert_eq!(num.matched as u64, total(id, "numerator"), "{id} numerator");
        assert_eq!(den.matched as u64, total(id, "denominator"), "{id} denominator");
        assert_eq!(pcas.matched as u64, total(id, "pcas"), "{id} PCAs");
        assert_eq!(unmet.matched, den.matched - num.matched, "{id} unmet");
        assert!(num.patients.len() <= 5 && num.patients.len() == num.matched.min(5));
        checked += num.matched + pcas.matched;
        // each patient listed is explained with that outcome
        if let Some(p) = num.patients.first() {
            let e = s.explain(text, &p.patient_id, Some(id)).value.unwrap();
            assert_eq!(e.traces[0].outcome, crate::scheme::Outcome::Numerator);
            assert_eq!(e.events.len(), p.events);
            assert!(
                e.events.iter().any(|ev| !ev.lists.is_empty()),
                "events carry their code lists"
            );
        }
    }
    assert!(checked > 0, "the small population has patients in some numerator or PCA");
    // the register of a register indicator is its numerator; a practice narrows the list
    let reg = find(&mut s, "DM017", "register", None);
    assert_eq!(reg.matched as u64, total("DM017", "numerator"));
    let at = find(&mut s, "DM017", "register", Some("A81001"));
    assert!(at.matched <= reg.matched && at.patients.iter().all(|p| p.practice_id == "A81001"));
    // each adjustment category lists as many patients as the counts give it, and the
    // categories together are the PCAs
    let mut categories = 0;
    for id in ["DM020", "HYP003", "AST003", "CHD005", "CS005"] {
        let by_category: BTreeMap<String, u64> = result["practices"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["indicators"].as_array().unwrap())
            .filter(|i| i["id"] == id)
            .flat_map(|i| i["pcas_by_category"].as_object().unwrap().clone())
            .fold(BTreeMap::new(), |mut m, (k, v)| {
                *m.entry(k).or_default() += v.as_u64().unwrap();
                m
            });
        let mut sum = 0;
        for (key, n) in &by_category {
            let q = PatientQuery {
                indicator: Some(id.into()),
                status: Some("adjusted".into()),
                category: Some(key.clone()),
                limit: 5,
                ..PatientQuery::default()
            };
            let found = s.find_patients(text, &q).value.unwrap();
            assert_eq!(found.matched as u64, *n, "{id} {key}");
            sum += found.matched;
            categories += usize::from(*n > 0);
        }
        assert_eq!(sum as u64, total(id, "pcas"), "{id}: the categories are the PCAs");
    }
    assert!(categories > 1, "PCAs of more than one category");
    // excluded: on the register, not in the denominator nor adjusted
    let excluded = find(&mut s, "DM020", "excluded", None);
    let den = find(&mut s, "DM020", "denominator", None);
    let pcas = find(&mut s, "DM020", "adjusted", None);
    assert!(excluded.matched > 0);
    assert_eq!(excluded.matched + den.matched + pcas.matched, reg.matched, "DM020 partitions DM");
    let q = PatientQuery {
        indicator: Some("DM020".into()),
        status: Some("adjusted".into()),
        category: Some("bogus".into()),
        ..PatientQuery::default()
    };
    let r = s.find_patients(text, &q);
    assert!(r.errors[0].message.contains("`bogus`"), "{:?}", r.errors);
    assert!(
        r.errors[0].help.as_deref().is_some_and(|h| h.contains("unsuitable")),
        "{:?}",
        r.errors
    );
    // bad statuses and indicators are errors, not panics
    let q = PatientQuery {
        indicator: Some("DM020".into()),
        status: Some("nope".into()),
        ..PatientQuery::default()
    };
    assert!(s.find_patients(text, &q).errors[0].message.contains("`nope`"));
    let q = PatientQuery { indicator: Some("XX1".into()), ..PatientQuery::default() };
    assert!(!s.find_patients(text, &q).ok);
}

#[test]
fn evaluate_sums_each_indicator_over_practices_and_networks() {
    use rust_decimal::Decimal;
    use std::str::FromStr;
    let dec = |v: &serde_json::Value| Decimal::from_str(v.as_str().unwrap()).unwrap();
    let mut s = small();
    for path in ["rules/qof-2019-20.qof", "rules/wales-2017-18.qof"] {
        let text = crate::shipped::SCHEMES.iter().find(|(p, _)| *p == path).unwrap().1;
        let v = s.evaluate(text).value.unwrap();
        let practices = v.result["practices"].as_array().unwrap();
        let networks = v.result["networks"].as_array().unwrap();
        if path.contains("wales") {
            assert!(networks.iter().any(|n| !n["indicators"].as_array().unwrap().is_empty()));
        }
        let lines: Vec<&serde_json::Value> = practices
            .iter()
            .chain(networks)
            .flat_map(|p| p["indicators"].as_array().unwrap())
            .collect();
        let mut ids: Vec<&str> = Vec::new();
        for l in &lines {
            let id = l["id"].as_str().unwrap();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        assert_eq!(v.indicators.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ids);
        for sum in &v.indicators {
            let mine: Vec<_> = lines.iter().filter(|l| l["id"] == sum.id.as_str()).collect();
            let total = |f: &str| mine.iter().map(|l| l[f].as_u64().unwrap()).sum::<u64>();
            assert_eq!(sum.denominator, total("denominator"), "{path} {}", sum.id);
            assert_eq!(sum.numerator, total("numerator"));
            assert_eq!(sum.pcas, total("pcas"));
            let points: Decimal = mine.iter().map(|l| dec(&l["points"])).sum();
            let payment: Decimal = mine.iter().map(|l| dec(&l["payment"])).sum();
            assert_eq!(sum.points, points);
            assert_eq!(sum.payment, payment);
            let n = Decimal::from(practices.len());
            let away = rust_decimal::RoundingStrategy::MidpointAwayFromZero;
            assert_eq!(sum.average_points, Some((points / n).round_dp_with_strategy(2, away)));
        }
        // the serialised form is what the page reads: decimals as strings, money to the penny
        let j = serde_json::to_value(&v.indicators[0]).unwrap();
        assert!(j["payment"].as_str().unwrap().contains('.'), "{j}");
    }
}

#[test]
fn test_results_place_inherited_tests_in_their_parents_file_and_state_pay() {
    let mut s = Session::new();
    let variant = r#"scheme v "Variant" extends qof_2019_20 { }
change DM020 { achieved when latest IFCCHBAM_COD in last 12 months has value <= 57 }
test "DM020 pays nothing at 0%" {
  patient born 1950-01-01, registered 2000-01-01 { DM_COD on 2010-05-01; IFCCHBAM_COD on 2019-10-01 value 58 }
  patient born 1950-01-01, registered 2000-01-01 { DM_COD on 2010-05-01; IFCCHBAM_COD on 2019-10-01 value 70 }
  expect DM020 points 1
}
"#;
    let t = s.run_tests(variant).value.unwrap();
    assert_eq!(t.records.len(), t.report.tests.len());
    let inherited: Vec<_> = t.records.iter().filter(|r| r.inherited).collect();
    assert!(inherited.len() > 300, "{}", inherited.len());
    assert!(inherited.iter().all(|r| r.file == "rules/qof-2019-20.qof" && r.scheme == "v"));
    // the variant's lower target fails a parent's test written at 58
    assert!(inherited.iter().any(|r| !r.passed
        && r.expectations
            .iter()
            .any(|x| x.indicator == "DM020" && x.actual.as_deref() == Some("denominator"))));
    let own = t.records.last().unwrap();
    assert!(!own.inherited && !own.passed);
    assert_eq!(own.file, ROOT_NAME);
    let x = &own.expectations[0];
    assert_eq!((x.kind, x.expected.as_str(), x.actual.as_deref()), ("points", "1", Some("0")));
    assert!(x.explanation.as_deref().unwrap().starts_with("0 of 2 achieved"), "{x:?}");
}

#[test]
fn the_patient_explorer_filters_by_sex_and_age_at_the_period_end() {
    let mut s = Session::new();
    let text = crate::shipped::SCHEMES
        .iter()
        .find(|(p, _)| p.ends_with("qof-2019-20.qof"))
        .map(|(_, t)| *t)
        .unwrap();
    let all = PatientQuery { limit: 100_000, ..PatientQuery::default() };
    let everyone = s.find_patients(text, &all).value.unwrap();
    let end = crate::date::Date::parse("2020-03-31").unwrap();
    let age =
        |p: &PatientSummary| end.years_since(crate::date::Date::parse(&p.birth_date).unwrap());
    let q = PatientQuery {
        sex: Some("female".into()),
        age_from: Some(65),
        age_to: Some(79),
        limit: 100_000,
        ..PatientQuery::default()
    };
    let r = s.find_patients(text, &q).value.unwrap();
    // exactly the women aged 65 to 79 on 31 March 2020, counted here from the full list
    let expected = everyone
        .patients
        .iter()
        .filter(|p| p.sex == crate::model::Sex::Female && (65..=79).contains(&age(p)))
        .count();
    assert!(expected > 0);
    assert_eq!(r.matched, expected);
    assert!(r.patients.iter().all(|p| p.sex == crate::model::Sex::Female));
    // with an indicator too: a subset of its denominator
    let mut den = |extra: PatientQuery| {
        let q = PatientQuery {
            indicator: Some("DM020".into()),
            status: Some("denominator".into()),
            limit: 100_000,
            ..extra
        };
        s.find_patients(text, &q).value.unwrap()
    };
    let whole = den(PatientQuery::default()).matched;
    let men = den(PatientQuery { sex: Some("M".into()), ..PatientQuery::default() }).matched;
    let women = den(PatientQuery { sex: Some("F".into()), ..PatientQuery::default() }).matched;
    assert!(men > 0 && women > 0);
    assert_eq!(
        men + women + den(PatientQuery { sex: Some("U".into()), ..Default::default() }).matched,
        whole
    );
    let old = den(PatientQuery { age_from: Some(80), ..PatientQuery::default() });
    assert!(old.matched < whole);
    let bad = s.find_patients(text, &PatientQuery { sex: Some("x".into()), ..Default::default() });
    assert_eq!(bad.errors[0].message, "unknown sex `x`");
}

/// The page's evaluation reply, written straight to JSON text, is the value `evaluate`
/// gives, on success (warnings included), on a scheme with errors and on published counts.
#[test]
fn evaluate_text_is_the_evaluate_reply() {
    let same = |s: &mut Session, text: &str| {
        let direct: serde_json::Value =
            serde_json::from_str(&s.evaluate_text(text)).expect("evaluate_text writes JSON");
        let via_value = serde_json::to_value(s.evaluate(text)).expect("the reply converts");
        assert_eq!(direct, via_value);
        direct
    };
    let mut s = small();
    let ok = same(&mut s, MINI);
    assert_eq!(ok["ok"], true);
    assert!(ok["result"]["practices"].as_array().is_some_and(|p| p.len() == 2), "{ok}");
    // a population of another year: the reply carries the period warning
    let mini_1819 = MINI.replace(
        "period 2019-04-01 to 2020-03-31",
        "period 2018-04-01 to 2019-03-31, national prevalence of England 2019/20",
    );
    let mut f = Session::with_population(small().population().clone(), "files");
    let warned = same(&mut f, &mini_1819);
    assert!(warned["warnings"].to_string().contains("population-period"), "{warned}");
    let bad = same(&mut s, "scheme x {");
    assert_eq!(bad["ok"], false);
    assert!(!bad["errors"].as_array().is_some_and(Vec::is_empty), "{bad}");
    // the result's fields come in the order the CLI writes them (not sorted by name)
    let text = s.evaluate_text(MINI);
    let cli = s.evaluate_json(MINI).expect("evaluates");
    let order = |j: &str| {
        let mut keys = ["\"total\":", "\"scheme\":", "\"practices\":", "\"national\":"];
        keys.sort_by_key(|k| j.find(k));
        keys
    };
    assert_eq!(order(&text), order(&cli));
    assert_ne!(order(&cli), ["\"national\":", "\"practices\":", "\"scheme\":", "\"total\":"]);
}

/// The period warning is worked out once per population and period, and again for a new
/// population: files of a later year loaded after an evaluation get their warning.
#[test]
fn the_period_warning_follows_a_new_population() {
    let period_warned =
        |s: &mut Session| s.evaluate(MINI).warnings.iter().any(|w| w.code == "population-period");
    let mut s = Session::with_population(small().population().clone(), "files");
    assert!(!period_warned(&mut s));
    let mut files = BTreeMap::new();
    files.insert(
        "later/patients.ndjson".to_string(),
        r#"{"patient_id":"P1","practice_id":"X1","birth_date":"1950-01-01","sex":"female","registered_on":"2000-01-01","events":[{"date":"2021-05-01","code":44054006}]}"#.to_string() + "\n",
    );
    assert!(s.load_population(&files).ok);
    assert!(period_warned(&mut s), "the warning of the new population's dates");
    assert!(period_warned(&mut s), "and again from what is kept");
    // back to a generated population, dated for the scheme: no warning
    assert!(s.use_default_population().ok);
    assert!(!period_warned(&mut s));
}

/// Published counts replace the population: the explorer, `patients`, explain and writing a
/// patient as a test have no patients (not the earlier population's), and going back to a
/// population lists its patients again.
#[test]
fn published_counts_leave_no_patients_to_list_until_a_population_is_loaded() {
    let mut s = small();
    let all = PatientQuery { limit: 1000, ..PatientQuery::default() };
    let before = s.find_patients(MINI, &all).value.unwrap();
    assert!(before.matched > 0);
    let some_id = before.patients[0].patient_id.clone();
    let counts = CountsRequest {
        achievement: named(
            "ach.csv",
            "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nA1,DM017,REGISTER,30\n",
        ),
        ..CountsRequest::default()
    };
    assert!(s.load_counts(counts).ok);
    let r = s.find_patients(MINI, &all);
    assert!(
        !r.ok,
        "the earlier population's patients are listed: {:?}",
        r.value.map(|v| v.matched)
    );
    assert_eq!(r.errors[0].code, "bad-options");
    assert_eq!(r.errors[0].message, "published counts have no patients to list");
    assert!(r.errors[0].help.as_deref().unwrap().contains("load a population"));
    // with an indicator too (the cascade is not run on the old patients)
    let q = PatientQuery { indicator: Some("DM017".into()), ..all.clone() };
    assert!(!s.find_patients(MINI, &q).ok);
    assert!(s.patients("", 1000).is_empty());
    assert!(s.population().patients.is_empty(), "the old population is not kept");
    assert_eq!(s.explain(MINI, &some_id, None).errors[0].code, "bad-options");
    assert_eq!(s.patient_test(MINI, &some_id, None).errors[0].code, "bad-options");
    // a generated population again lists its patients, and explains them
    assert!(s.use_default_population().ok);
    let after = s.find_patients(MINI, &all).value.unwrap();
    assert!(after.matched > 0);
    assert_eq!(after.matched, s.population().patients.len());
    let id = after.patients[0].patient_id.clone();
    assert!(s.explain(MINI, &id, None).ok);
    assert!(s.patient_test(MINI, &id, None).ok);
    let r = s.compare(MINI, MINI).value.unwrap();
    assert_eq!(serde_json::to_value(&r.comparison).unwrap()["level"], "patients");
    // and so does a synthetic one, with its own patients
    let r = s.synth(&SynthRequest {
        practices: Some(vec!["A81001".into()]),
        scale: Some(0.02),
        ..SynthRequest::default()
    });
    assert!(r.ok);
    let listed = s.find_patients(MINI, &all).value.unwrap();
    assert_eq!(listed.matched, r.value.unwrap().patients);
    assert!(listed.patients.iter().all(|p| p.practice_id == "A81001"));
}

/// After each of a series of edits, the session's reply (which re-evaluates only what the edit
/// changed) is byte for byte a fresh session's: edits to one indicator, a code list and a
/// register several indicators read, the period (a generated population is dated again; loaded
/// files are not), an error and back.
#[test]
fn replies_after_edits_are_a_fresh_sessions_byte_for_byte() {
    let base = crate::shipped::SCHEMES
        .iter()
        .find(|(path, _)| path.ends_with("qof-2019-20.qof"))
        .map(|(_, t)| *t)
        .expect("shipped");
    let edit = |from: &str, to: &str| {
        assert_eq!(base.matches(from).count(), 1, "`{from}` once");
        base.replacen(from, to, 1)
    };
    let texts = [
        base.to_string(),
        edit(
            "achieved when CHADVAS_COD in last 12 months",
            "achieved when CHADVAS_COD in last 11 months",
        ),
        base.to_string(),
        edit("snomed { 72313002, 271649006 }", "snomed { 72313002 }"),
        edit(
            "  patients aged 17 or over\n  where latest DM_COD",
            "  patients aged 18 or over\n  where latest DM_COD",
        ),
        "scheme x {".to_string(),
        edit("period 2019-04-01 to 2020-03-31", "period 2019-03-01 to 2020-02-29"),
        format!("{base}\n// a comment\n"),
    ];
    let mut s = small();
    let mut files = Session::with_population(s.population().clone(), "files");
    for (k, text) in texts.iter().enumerate() {
        let got = s.evaluate_text(text);
        assert_eq!(got, small().evaluate_text(text), "edit {k}");
        let fresh =
            Session::with_population(files.population().clone(), "files").evaluate_text(text);
        assert_eq!(files.evaluate_text(text), fresh, "edit {k} on files");
        assert_eq!(
            got.starts_with(r#"{"ok":true"#),
            k != 5,
            "edit {k}: {}",
            &got[..got.len().min(300)]
        );
    }
}
