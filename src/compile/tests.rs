use super::*;

const HEAD: &str = r#"scheme t "T" { period 2019-04-01 to 2020-03-31, point value £187.74, national average list size 8479 }
"#;

fn prog(body: &str) -> Program {
    compile(&crate::eval::test_scheme(&format!("{HEAD}{body}")))
}

#[test]
fn codes_are_interned_and_mapped_to_every_list() {
    let p = prog(
        r#"codelist A "A" snomed { 3, 1 }
           codelist B "B" snomed { 2, 3 }
           codelist AB "A or B" includes A, B"#,
    );
    assert_eq!(p.codes, vec![1, 2, 3]);
    let lists_of = |code: u64| {
        let c = p.codes.binary_search(&code).unwrap();
        let v = &p.code_lists[p.code_list_start[c] as usize..p.code_list_start[c + 1] as usize];
        v.iter().map(|&l| p.lists[l as usize].id.as_str()).collect::<Vec<_>>()
    };
    assert_eq!(lists_of(1), ["A", "AB"]);
    assert_eq!(lists_of(2), ["B", "AB"]);
    assert_eq!(lists_of(3), ["A", "B", "AB"]);
    for (i, c) in p.codes.iter().enumerate() {
        assert_eq!(p.code_table.get(*c), Some(i));
    }
    assert_eq!(p.code_table.get(4), None);
    assert_eq!(p.code_table.get(u64::MAX), None);
}

#[test]
fn code_table_finds_every_code_of_a_large_set() {
    let codes: Vec<u64> = (0..5000u64).map(|i| i * 7919 + 24_700_007).collect();
    let t = CodeTable::new(&codes);
    for (i, c) in codes.iter().enumerate() {
        assert_eq!(t.get(*c), Some(i));
    }
    assert_eq!(t.get(1), None);
    assert_eq!(t.get(24_700_008), None);
    assert_eq!(CodeTable::default().get(5), None);
}

#[test]
fn relative_windows_resolve_to_absolute_ranges_with_month_clamping() {
    let p = prog(
        r#"codelist A "A" snomed { 1 }
           define d1 = A in last 1 months
           define d12 = A in last 12 months
           define d9 = A in last 9 months
           define w = A in last 2 weeks
           define y = A in last 5 years
           define s = A since 2019-06-01
           define b = A between 2018-01-01 and 2018-12-31"#,
    );
    let d = |s: &str| End::Fixed(Date::parse(s).unwrap());
    let w: Vec<(End, End)> = p.windows.iter().map(|w| (w.lo, w.hi)).collect();
    // 31 March - 1 month = 29 February; the window starts the day after.
    assert_eq!(w[0], (d("2020-03-01"), d("2020-03-31")));
    assert_eq!(w[1], (d("2019-04-01"), d("2020-03-31")));
    // 31 March - 9 months = 30 June (clamped), window from 1 July.
    assert_eq!(w[2], (d("2019-07-01"), d("2020-03-31")));
    assert_eq!(w[3], (d("2020-03-18"), d("2020-03-31")));
    assert_eq!(w[4], (d("2015-04-01"), d("2020-03-31")));
    assert_eq!(w[5], (d("2019-06-01"), d("2020-03-31")));
    assert_eq!(w[6], (d("2018-01-01"), d("2018-12-31")));
    assert_eq!(p.windows[0].text, "in last 1 month");
}

#[test]
fn anchored_windows_keep_their_anchor() {
    let p = prog(
        r#"codelist A "A" snomed { 1 }
           codelist B "B" snomed { 2 }
           define x = A from 3 months before first B to 12 months after first B
           define y = A before latest B
           define z = A after registration"#,
    );
    let b = p.lists.iter().position(|l| l.id == "B").unwrap() as u32;
    assert_eq!(
        (p.windows[0].lo, p.windows[0].hi),
        (
            End::Anchored { anchor: AnchorIr::Event(Pick::First, b), months: -3, days: 0 },
            End::Anchored { anchor: AnchorIr::Event(Pick::First, b), months: 12, days: 0 }
        )
    );
    assert_eq!(
        p.windows[1].hi,
        End::Anchored { anchor: AnchorIr::Event(Pick::Latest, b), months: 0, days: -1 }
    );
    assert_eq!(
        p.windows[2].lo,
        End::Anchored { anchor: AnchorIr::Registration, months: 0, days: 1 }
    );
    assert_eq!(p.windows[0].text, "from 3 months before first B to 12 months after first B");
}

#[test]
fn list_types_parse_generically() {
    let lt = |s: &str| ListType::parse(s).map(|l| (l.min_age, l.max_age));
    assert_eq!(lt("TOTAL"), Some((None, None)));
    assert_eq!(lt("17OV"), Some((Some(17), None)));
    assert_eq!(lt("45OV"), Some((Some(45), None)));
    assert_eq!(lt("30_74"), Some((Some(30), Some(74))));
    assert_eq!(lt("25_64"), Some((Some(25), Some(64))));
    assert_eq!(lt("74_30"), None);
    assert_eq!(lt("ADULTS"), None);
}

#[test]
fn unreadable_list_type_is_a_check_error_so_compile_never_meets_one() {
    let text = format!(
        "{HEAD}codelist A \"A\" snomed {{ 1 }}\nregister R \"R\" {{ where A, list GROWNUPS }}"
    );
    let (_, checked) = crate::check::check_text("t.qof", &text);
    assert!(checked.scheme.is_none());
    let d = checked.diagnostics.iter().find(|d| d.code == crate::diag::Code::BadListType);
    assert_eq!(d.map(|d| d.message.as_str()), Some("`GROWNUPS` is not a patient-list type"));
}

#[test]
fn definitions_compile_once_and_are_referenced() {
    let p = prog(
        r#"codelist A "A" snomed { 1 }
           define a = A
           define both = a and a"#,
    );
    let both = p.defines[1].node;
    let Node::And(s, l) = p.nodes[both as usize] else { panic!() };
    let kids = &p.kids[s as usize..(s + l) as usize];
    assert!(kids.iter().all(|&k| p.nodes[k as usize] == Node::Define(0)));
}

#[test]
fn points_at_the_lower_threshold_reach_the_pay_scheme() {
    let s = crate::eval::test_scheme(&format!(
        r#"{HEAD}codelist V "V" snomed {{ 1 }}
           indicator VI001 "v" {{
             group VI, domain PH, points 18, thresholds 90% to 95% with 3 points at lower threshold
             denominator patients where aged 8 to 19 months
             achieved when count V from birth to 8 months after birth >= 3
           }}
           indicator VI002 "w" {{
             group VI, domain PH, denominator patients
             stratum a when female {{ achieved when V, points 10, thresholds 90% to 95% with 4 points at lower threshold }}
             stratum b otherwise {{ achieved when V, points 8, thresholds 80% to 95% }}
           }}"#
    ));
    let p = pay_scheme(&s);
    let d = |x: &str| x.parse::<Decimal>().unwrap();
    assert_eq!(p.indicators[0].lower_points, d("3"));
    assert_eq!(p.indicators[0].max_points, d("18"));
    let strata: Vec<_> = p.indicators[1].strata.iter().map(|s| s.lower_points).collect();
    assert_eq!(strata, [d("4"), d("0")]);
    assert!(p.validate().is_empty(), "{:?}", p.validate());
    let prog = compile(&s);
    assert!(prog.nodes.iter().any(|n| matches!(n, Node::AgedMonths(Some(8), Some(19)))));
    assert!(prog
        .windows
        .iter()
        .any(|w| matches!(w.hi, End::Anchored { anchor: AnchorIr::Birth, months: 8, days: 0 })));
}
