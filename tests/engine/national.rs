//! Which national figures a run uses (`qofrules::national::decide`): the scheme's own, the
//! figures embedded for its year, a prevalence file, or (only when chosen) the practices'
//! own; and that England's embedded 2019/20 figures are the published file's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::compile::pay_scheme;
use qofrules::national::{decide, NationalFile, PrevalenceFrom};
use qofrules::pay::{pay, FigureSource, PracticeData, Prevalence};
use qofrules::reference::{ccgs_2019_20, practices_2019_20, Group, ListType};
use qofrules::scheme::Scheme;

fn checked(text: &str) -> Scheme {
    let (sources, c) = qofrules::check::check_text("t.qof", text);
    let frames: Vec<String> = c.diagnostics.iter().map(|d| sources.render(d)).collect();
    c.scheme.unwrap_or_else(|| panic!("{}", frames.join("\n")))
}

fn shipped_2019_20() -> Scheme {
    let text = qofrules::shipped::SCHEMES
        .iter()
        .find(|(p, _)| p.ends_with("qof-2019-20.qof"))
        .map(|(_, t)| *t)
        .unwrap();
    checked(text)
}

/// The embedded 2019/20 figures of the practices `keep` selects, as pay inputs.
fn reference_data(keep: impl Fn(&str) -> bool) -> PracticeData {
    let mut d = PracticeData::new();
    for p in practices_2019_20().iter().filter(|p| keep(&p.ccg_id)) {
        for t in ListType::ALL {
            d.set_list_size(&p.practice_id, t.code(), p.list_size(t));
        }
        for g in Group::ALL {
            d.set_register(&p.practice_id, g.code(), p.register(g));
        }
    }
    d
}

/// NHS Digital's prevalence file for 2019/20, rebuilt from the embedded figures (which were
/// derived from it): one row per practice and group, on the group's list type.
fn prevalence_file() -> String {
    let mut out =
        String::from("PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\n");
    for p in practices_2019_20() {
        for g in Group::ALL {
            let t = g.list_type();
            out.push_str(&format!(
                "{},{},{},{},{}\n",
                p.practice_id,
                g.code(),
                p.register(g),
                t.code(),
                p.list_size(t)
            ));
        }
    }
    out
}

fn somerset() -> String {
    ccgs_2019_20().iter().find(|c| c.ccg_name == "NHS Somerset CCG").unwrap().ccg_id.clone()
}

#[test]
fn one_ccg_gets_the_apdf_all_of_england_gives_it() {
    let scheme = shipped_2019_20();
    let ps = pay_scheme(&scheme);
    let ccg = somerset();
    // Somerset alone, with the scheme's default national figures (England 2019/20, embedded)
    let local = reference_data(|c| c == ccg);
    let n_local = decide(&scheme, &ps, &local, &PrevalenceFrom::Scheme).unwrap();
    assert_eq!(n_local.prevalence_source, FigureSource::Embedded("England 2019/20".into()));
    // all of England, its national prevalence summed over its own practices
    let england = reference_data(|_| true);
    let n_england = decide(&scheme, &ps, &england, &PrevalenceFrom::Population).unwrap();
    assert_eq!(n_england.prevalence_source, FigureSource::Computed { practices: 6720 });
    let a = pay(&ps, &n_local, &local).unwrap();
    let b = pay(&ps, &n_england, &england).unwrap();
    assert_eq!(a.practices.len(), 65);
    let mut compared = 0;
    for p in &a.practices {
        let q = b.practices.iter().find(|q| q.practice_id == p.practice_id).unwrap();
        assert_eq!(p.groups, q.groups, "APDFs of {}", p.practice_id);
        assert_eq!(p.cpi, q.cpi);
        compared += p.groups.len();
    }
    assert_eq!(compared, 65 * 21);
    // and Somerset's own prevalence, when chosen, gives other APDFs
    let n_own = decide(&scheme, &ps, &local, &PrevalenceFrom::Population).unwrap();
    let c = pay(&ps, &n_own, &local).unwrap();
    assert_ne!(c.practices[0].groups, a.practices[0].groups);
}

#[test]
fn the_published_file_and_the_default_pay_the_same_the_population_does_not() {
    let scheme = shipped_2019_20();
    let ps = pay_scheme(&scheme);
    let ccg = somerset();
    let mut data = reference_data(|c| c == ccg);
    // some achievement, so that money moves with APDF
    for p in practices_2019_20().iter().filter(|p| p.ccg_id == ccg) {
        for ind in &ps.indicators {
            data.set_counts(
                &p.practice_id,
                &ind.id,
                qofrules::pay::Counts {
                    numerator: 8,
                    denominator: 10,
                    achieved: Some(true),
                    ..Default::default()
                },
            );
        }
    }
    let file = NationalFile::read(&prevalence_file(), "PREVALENCE_1920.csv").unwrap();
    let by_default = decide(&scheme, &ps, &data, &PrevalenceFrom::Scheme).unwrap();
    let by_file = decide(&scheme, &ps, &data, &PrevalenceFrom::File(file)).unwrap();
    let by_population = decide(&scheme, &ps, &data, &PrevalenceFrom::Population).unwrap();
    assert_eq!(by_file.prevalence_source, FigureSource::File("PREVALENCE_1920.csv".into()));
    let a = pay(&ps, &by_default, &data).unwrap();
    let b = pay(&ps, &by_file, &data).unwrap();
    let c = pay(&ps, &by_population, &data).unwrap();
    assert_eq!(a.practices, b.practices);
    assert_eq!(a.total, b.total);
    assert_ne!(a.total.payment, c.total.payment);
}

const HEAD: &str = "codelist DM_COD \"Diabetes\" snomed { 44054006 }\n\
codelist DEM_COD \"Dementia\" snomed { 52448006 }\n\
register DM \"Diabetes\" { patients aged 17 or over, where DM_COD, list 17OV }\n\
register DEM \"Dementia\" { where DEM_COD }\n\
indicator DM017 \"Diabetes register\" { group DM, domain CL, points 6, register DM }\n\
indicator DEM001 \"Dementia register\" { group DEM, domain CL, points 5, register DEM }\n";

fn scheme(header: &str) -> Scheme {
    checked(&format!("scheme s \"S\" {{ {header} }}\n{HEAD}"))
}

fn one_practice() -> PracticeData {
    let mut d = PracticeData::new();
    d.set_list_size("P1", "TOTAL", 1000);
    d.set_list_size("P1", "17OV", 800);
    d.set_register("P1", "DM", 60);
    d.set_register("P1", "DEM", 9);
    d
}

#[test]
fn stated_figures_take_precedence_and_a_file_given_for_the_run_over_them() {
    let s = scheme(
        "period 2019-04-01 to 2020-03-31, point value £187.74, national prevalence of England 2019/20 { DEM 0.9% }",
    );
    let ps = pay_scheme(&s);
    let d = one_practice();
    let n = decide(&s, &ps, &d, &PrevalenceFrom::Scheme).unwrap();
    assert_eq!(n.prevalence["DEM"].prevalence, Prevalence::Rate("0.009".parse().unwrap()));
    assert_eq!(n.prevalence["DEM"].source, FigureSource::Scheme);
    assert_eq!(n.prevalence["DM"].source, FigureSource::Embedded("England 2019/20".into()));
    // a 2019/20 scheme that does not state its average list size gets England's 8,479
    assert_eq!(n.average_list_size, 8479.into());
    assert_eq!(n.average_source, FigureSource::Embedded("England 2019/20".into()));
    let file = NationalFile::read(
        "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nX,DEM,7,TOTAL,1000\n",
        "n.csv",
    )
    .unwrap();
    let n = decide(&s, &ps, &d, &PrevalenceFrom::File(file)).unwrap();
    assert_eq!(n.prevalence["DEM"].prevalence, Prevalence::totals(7, 1000));
    assert_eq!(n.prevalence["DEM"].source, FigureSource::File("n.csv".into()));
    // the file has no DM: the scheme's figure stays
    assert_eq!(n.prevalence["DM"].source, FigureSource::Embedded("England 2019/20".into()));
    assert_eq!(n.prevalence_source, FigureSource::File("n.csv".into()));
}

#[test]
fn other_years_need_their_figures_stated_or_chosen() {
    let s = scheme(
        "period 2020-04-01 to 2021-03-31, point value £194.83, national average list size 8799",
    );
    let ps = pay_scheme(&s);
    let d = one_practice();
    let e = decide(&s, &ps, &d, &PrevalenceFrom::Scheme).unwrap_err();
    assert_eq!(e.message, "scheme `s` states no national prevalence for 2020/21");
    assert!(e.help.contains("--national FILE") && e.help.contains("--prevalence-from population"));
    // the practices' own, when chosen: a one-practice input then has APDF 1
    let n = decide(&s, &ps, &d, &PrevalenceFrom::Population).unwrap();
    let r = pay(&ps, &n, &d).unwrap();
    assert!(r.practices[0].groups.iter().all(|g| g.apdf == 1.into()));
    // a file given for the run that lacks a group
    let file = NationalFile::read(
        "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nX,DEM,7,TOTAL,1000\n",
        "n.csv",
    )
    .unwrap();
    let e = decide(&s, &ps, &d, &PrevalenceFrom::File(file)).unwrap_err();
    assert_eq!(
        e.message,
        "no national prevalence for group `DM`: neither the scheme nor `n.csv` gives one"
    );
    // without an average list size, only the population can give one
    let s = scheme("period 2020-04-01 to 2021-03-31, point value £194.83, national prevalence { DEM 0.78%, DM 7% }");
    let e = decide(&s, &pay_scheme(&s), &d, &PrevalenceFrom::Scheme).unwrap_err();
    assert_eq!(e.message, "scheme `s` states no national average list size for 2020/21");
    let n = decide(&s, &pay_scheme(&s), &d, &PrevalenceFrom::Population).unwrap();
    assert_eq!(n.average_list_size, 1000.into());
}
