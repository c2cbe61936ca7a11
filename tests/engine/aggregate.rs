//! The aggregate readers: NHS Digital files as published, our historic and attested formats,
//! their error messages, and that no input makes them panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use qofrules::aggregate::*;
use qofrules::date::Date;
use qofrules::pay::*;
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

const PREVALENCE: &str = "\
PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE
A81001,AF,105,TOTAL,4111
A81001,DM,300,17OV,3300
A81002,AF,40,TOTAL,2000
A81002,DM,100,17OV,1700
";

const ACHIEVEMENT: &str = "\
\"PRACTICE_CODE\",\"INDICATOR_CODE\",\"MEASURE\",\"VALUE\",\"REPORTING_PERIOD_END_DATE\"
A81001,DM020,NUMERATOR,150,31/03/2020
A81001,DM020,DENOMINATOR,200.0,31/03/2020
A81001,DM020,PCAS,12,31/03/2020
A81001,DM020,PCAS_UNSUITABLE,5,31/03/2020
A81001,DM020,ACHIEVED_POINTS,12.75,31/03/2020
A81001,DM001,REGISTER,300,31/03/2020
A81001,DM001,ACHIEVED_POINTS,6,31/03/2020
A81001,XX999,NUMERATOR,1,31/03/2020
A81001,XX999,DENOMINATOR,1,31/03/2020
A81002,DM020,NUMERATOR,10,31/03/2020
A81002,DM020,DENOMINATOR,100,31/03/2020
A81002,DM020,EXCEPTIONS,3,31/03/2020
A81002,DM020,PERCENTAGE_ACHIEVEMENT,10,31/03/2020
A81002,DM001,ACHIEVED_POINTS,0,31/03/2020
";

fn known() -> BTreeMap<String, String> {
    [("DM001", "DM"), ("DM020", "DM")].iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn prevalence_file_fills_registers_and_list_sizes() {
    let mut data = PracticeData::new();
    let s = read_prevalence(&mut data, PREVALENCE, "PREVALENCE_1920.csv").unwrap();
    assert_eq!((s.rows, s.practices), (4, 2));
    let p = data.practice("A81001").unwrap();
    assert_eq!(PracticeData::list_size(p, data.find_list_type("TOTAL")), Some(4111));
    assert_eq!(PracticeData::list_size(p, data.find_list_type("17OV")), Some(3300));
    assert_eq!(PracticeData::register(p, data.find_group("DM")), Some(300));
}

#[test]
fn achievement_file_fills_counts_and_counts_warnings() {
    let mut data = PracticeData::new();
    read_prevalence(&mut data, PREVALENCE, "PREVALENCE_1920.csv").unwrap();
    let k = known();
    let opts = AchievementOptions { known: Some(&k), unknown: UnknownIndicators::Warn };
    let s = read_achievement(&mut data, ACHIEVEMENT, "ACH_1920.csv", &opts).unwrap();
    assert_eq!(s.rows, 14);
    let w: Vec<String> = s.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        w,
        vec![
            "measure `PERCENTAGE_ACHIEVEMENT` ignored (1 rows, first on line 14)",
            "unknown indicator `XX999` ignored (2 rows, first on line 9)",
        ]
    );
    let p = data.practice("A81001").unwrap();
    let c = PracticeData::counts(p, data.find_indicator("DM020")).unwrap();
    assert_eq!((c.numerator, c.denominator, c.pcas), (150, 200, 12));
    assert_eq!(c.pcas_by_category.get("unsuitable"), Some(&5));
    assert_eq!(c.reported_points, Some(d("12.75")));
    let b = PracticeData::counts(p, data.find_indicator("DM001")).unwrap();
    assert_eq!(b.achieved, Some(true));
    let p2 = data.practice("A81002").unwrap();
    assert_eq!(PracticeData::counts(p2, data.find_indicator("DM020")).unwrap().pcas, 3);
    assert_eq!(
        PracticeData::counts(p2, data.find_indicator("DM001")).unwrap().achieved,
        Some(false)
    );

    // unknown indicators as errors
    let opts = AchievementOptions { known: Some(&k), unknown: UnknownIndicators::Error };
    let e =
        read_achievement(&mut PracticeData::new(), ACHIEVEMENT, "ACH_1920.csv", &opts).unwrap_err();
    assert_eq!(e.to_string(), "`ACH_1920.csv` line 9, column `INDICATOR_CODE`: unknown indicator `XX999`\n  help: the scheme has no indicator with this code; remove its rows or add it to the scheme");
}

#[test]
fn files_to_payments_end_to_end() {
    let mut data = PracticeData::new();
    read_prevalence(&mut data, PREVALENCE, "PREVALENCE_1920.csv").unwrap();
    let k = known();
    let opts = AchievementOptions { known: Some(&k), unknown: UnknownIndicators::Warn };
    read_achievement(&mut data, ACHIEVEMENT, "ACH_1920.csv", &opts).unwrap();
    let mut s = PayScheme::new("q", "Q", Date::from_ymd(2020, 3, 31).unwrap(), d("187.74"));
    s.groups =
        vec![PayGroup { id: "DM".into(), prevalence_adjusted: true, list_type: "17OV".into() }];
    s.indicators = vec![PayIndicator::new(
        "DM020",
        "DM",
        IndicatorKind::Fraction { lower: d("0.35"), upper: d("0.75") },
        d("17"),
    )];
    let mut n = NationalFigures::computed(&data, &s.groups)
        .with_average_list_size(d("8479"), FigureSource::Scheme);
    n.prevalence_source = FigureSource::File("PREVALENCE_1920.csv".into());
    assert_eq!(n.prevalence["DM"].prevalence, Prevalence::totals(400, 5000));
    let r = pay(&s, &n, &data).unwrap();
    // A81001: 150/200 = 75% -> 17 pts; CPI 4111/8479; APDF (300/3300)/(400/5000) = 1.136...
    // 17 x 187.74 x 4111/8479 x (300/3300)/(0.08) = 1758.4333... -> 1758.43 (computed with
    // Python's decimal module at 28 digits)
    assert_eq!(r.practices[0].payment, d("1758.43"));
    // A81002: 10% -> 0 points
    assert_eq!(r.practices[1].payment, d("0"));
    assert_eq!(r.national.prevalence_source, "file PREVALENCE_1920.csv");
}

#[test]
fn historic_and_attested_files() {
    let mut data = PracticeData::new();
    let hist = "practice_id,year,item,points,pounds\nA1,2016/17,DM020,12.5,\nA1,2016/17,QOF,,1234.56\n\"A2\",\"2016/17\",\"DM020\",3,560\n";
    let s = read_historic(&mut data, hist, "hist.csv").unwrap();
    assert_eq!((s.rows, s.practices), (3, 2));
    let a1 = data.historic(data.practice("A1").unwrap(), "2016/17").unwrap();
    assert_eq!(a1.get("DM020"), Some(&HistoricValue { points: Some(d("12.5")), pounds: None }));
    assert_eq!(a1.get("QOF").unwrap().pounds, Some(d("1234.56")));

    let att = "PRACTICE_CODE,item_id,met\nA1,FG1,Yes\nA1,FG2,no\nA2,QI001,TRUE\n";
    read_attested(&mut data, att, "att.csv").unwrap();
    assert!(data.is_attested(data.practice("A1").unwrap(), "FG1"));
    assert!(!data.is_attested(data.practice("A1").unwrap(), "FG2"));
    assert!(data.is_attested(data.practice("A2").unwrap(), "QI001"));
}

#[test]
fn structure_file_sets_networks_of_known_practices() {
    let mut data = PracticeData::new();
    read_prevalence(&mut data, PREVALENCE, "PREVALENCE_1920.csv").unwrap();
    let st = "\"PRACTICE_CODE\",\"PCN_ODS_CODE\",\"PRACTICE_NAME\"\n\"A81001\",\"U89141\",\"The Densham Surgery\"\n\"A81002\",\"U07032\",\"Queens, Park\"\n\"Z99999\",\"U1\",\"elsewhere\"\n";
    let s = read_structure(&mut data, st, "PRACTICE_STRUCTURE_1920.csv").unwrap();
    assert_eq!(s.practices, 2);
    assert_eq!(
        s.warnings[0].to_string(),
        "practices without counts ignored (1 rows, first on line 4)"
    );
    assert_eq!(data.practice("A81002").unwrap().network_id.as_deref(), Some("U07032"));
    assert!(data.practice("Z99999").is_none());
}

fn err(
    f: fn(&mut PracticeData, &str, &str) -> Result<ReadSummary, DataError>,
    text: &str,
) -> String {
    f(&mut PracticeData::new(), text, "f.csv").unwrap_err().to_string()
}

fn ach(text: &str) -> String {
    read_achievement(&mut PracticeData::new(), text, "f.csv", &AchievementOptions::default())
        .unwrap_err()
        .to_string()
}

#[test]
fn error_messages_name_file_line_column_and_help() {
    assert_eq!(
        err(read_prevalence, "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE\nA,B,1,TOTAL\n"),
        "`f.csv` line 1: missing column `PATIENT_LIST_SIZE`\n  help: the header has `PRACTICE_CODE`, `GROUP_CODE`, `REGISTER`, `PATIENT_LIST_TYPE`; expected the columns `PRACTICE_CODE`, `GROUP_CODE`, `REGISTER`, `PATIENT_LIST_TYPE`, `PATIENT_LIST_SIZE`"
    );
    assert_eq!(
        err(read_prevalence, "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nA,AF,1,TOTAL,100\nA,DM,x1,17OV,90\n"),
        "`f.csv` line 3, column `REGISTER`: expected a whole number of patients, found `x1`\n  help: counts are whole numbers from 0 to 4294967295, e.g. `42` or `42.0`"
    );
    assert_eq!(
        err(read_prevalence, "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nA,AF,1,TOTAL,100\nA,AST,2,TOTAL,101\n"),
        "`f.csv` line 3, column `PATIENT_LIST_SIZE`: practice `A` has `TOTAL` list size 101 here but 100 on an earlier row\n  help: a practice has one list size per list type"
    );
    assert_eq!(
        err(read_prevalence, "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nA,AF,1\n"),
        "`f.csv` line 2: expected 5 fields, found 3\n  help: every line needs as many fields as the header"
    );
    assert_eq!(
        err(read_prevalence, ""),
        "`f.csv` line 1: the file is empty\n  help: expected a header line with the columns `PRACTICE_CODE`, `GROUP_CODE`, `REGISTER`, `PATIENT_LIST_TYPE`, `PATIENT_LIST_SIZE`"
    );
    assert_eq!(
        ach("PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nA,DM020,NUMERATOR,5\nA,DM020,NUMERATOR,6\n"),
        "`f.csv` line 3, column `VALUE`: measure `NUMERATOR` of `DM020` at practice `A` is `6` here but `5` on an earlier row\n  help: give each measure once per practice and indicator"
    );
    assert_eq!(
        ach("PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\n,DM020,NUMERATOR,5\n"),
        "`f.csv` line 2, column `PRACTICE_CODE`: empty code\n  help: every row needs a code here"
    );
    assert_eq!(
        ach("PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nA,DM020,ACHIEVED_POINTS,1.2.3\n"),
        "`f.csv` line 2, column `VALUE`: expected a number, found `1.2.3`\n  help: write numbers with a decimal point and no thousands separators, e.g. `1234.56`"
    );
    assert_eq!(
        ach("PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\n\"A,DM020,NUMERATOR,5\n"),
        "`f.csv` line 2: a quoted field is never closed\n  help: close the field with `\"`; write a quote inside a quoted field as `\"\"`"
    );
    assert_eq!(
        err(read_historic, "practice_id,year,item\nA,2016/17,DM020\n"),
        "`f.csv` line 1: missing column `points` or `pounds`\n  help: historic files need a `points` column, a `pounds` column, or both"
    );
    assert_eq!(
        err(read_historic, "practice_id,year,item,points,pounds\nA,2016/17,DM020,,\n"),
        "`f.csv` line 2: no points or pounds for `DM020` in 2016/17 at practice `A`\n  help: fill in `points`, `pounds`, or both"
    );
    assert_eq!(
        err(read_historic, "practice_id,year,item,points\nA,2016/17,DM020,1\nA,2016/17,DM020,2\n"),
        "`f.csv` line 3, column `ITEM`: `DM020` in 2016/17 at practice `A` is given twice\n  help: give each item once per practice and year"
    );
    assert_eq!(
        err(read_attested, "practice_id,item_id,met\nA,FG1,maybe\n"),
        "`f.csv` line 2, column `MET`: expected yes or no, found `maybe`\n  help: write `yes` or `no` (also accepted: true/false, y/n, 1/0, met/unmet)"
    );
    assert_eq!(
        err(read_attested, "practice_id,item_id,met\nA,FG1,yes\nB,FG1,yes\nA,FG1,no\n"),
        "`f.csv` line 4, column `ITEM_ID`: `FG1` at practice `A` is given twice\n  help: give each item once per practice"
    );
    // the same item in two years, or at two practices, is not a repeat
    let mut data = PracticeData::new();
    let text =
        "practice_id,year,item,points\nA,2016/17,DM020,1\nA,2017/18,DM020,2\nB,2016/17,DM020,3\n";
    assert!(read_historic(&mut data, text, "h.csv").is_ok());
}

type ReaderFn = fn(&mut PracticeData, &str, &str) -> Result<ReadSummary, DataError>;

fn achievement_reader(
    data: &mut PracticeData,
    text: &str,
    file: &str,
) -> Result<ReadSummary, DataError> {
    let k: BTreeMap<String, String> =
        [("DM020".to_string(), "DM".to_string())].into_iter().collect();
    read_achievement(
        data,
        text,
        file,
        &AchievementOptions { known: Some(&k), unknown: UnknownIndicators::Warn },
    )
}

const READERS: [(ReaderFn, &str); 5] = [
    (read_prevalence, "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\n"),
    (achievement_reader, "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\n"),
    (read_historic, "practice_id,year,item,points,pounds\n"),
    (read_attested, "practice_id,item_id,met\n"),
    (read_structure, "PRACTICE_CODE,PCN_ODS_CODE\n"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        for (f, _) in READERS {
            let _ = f(&mut PracticeData::new(), &text, "fuzz.csv");
        }
    }

    #[test]
    fn csv_like_text_after_a_valid_header_never_panics(
        body in prop::collection::vec(
            prop::sample::select(vec![",", "\"", "\n", "\r\n", "\r", "A1", "DM020", "NUMERATOR",
                "DENOMINATOR", "PCAS_X", "REGISTER", "ACHIEVED_POINTS", "12", "0.0", "-3", "1e9",
                "99999999999", "TOTAL", "yes", "é", " ", ""]),
            0..80,
        )
    ) {
        let body: String = body.concat();
        for (f, header) in READERS {
            let mut data = PracticeData::new();
            if f(&mut data, &format!("{header}{body}"), "fuzz.csv").is_ok() {
                // whatever was read can be paid without panicking
                let mut s = PayScheme::new("f", "F", Date::from_ymd(2020, 3, 31).unwrap(), d("1"));
                s.groups = vec![PayGroup { id: "DM".into(), prevalence_adjusted: true, list_type: "TOTAL".into() }];
                s.indicators = vec![PayIndicator::new(
                    "DM020", "DM", IndicatorKind::Fraction { lower: d("0.1"), upper: d("0.9") }, d("10"),
                )];
                let n = NationalFigures::computed(&data, &s.groups);
                let _ = pay(&s, &n, &data).unwrap();
            }
        }
    }
}

#[test]
fn last_years_achievement_file_becomes_historic_points() {
    // Read 2018/19's published achievement, file its ACHIEVED_POINTS as historic 2018/19.
    let mut last = PracticeData::new();
    let k = known();
    let opts = AchievementOptions { known: Some(&k), unknown: UnknownIndicators::Warn };
    read_achievement(&mut last, ACHIEVEMENT, "ACH_1819.csv", &opts).unwrap();
    last.historic_from_reported_points("2018/19");
    let p = last.historic(last.practice("A81001").unwrap(), "2018/19").unwrap();
    assert_eq!(p.get("DM020").unwrap().points, Some(d("12.75")));
    assert_eq!(p.get("DM001").unwrap().points, Some(d("6")));
    // A81002 published 0 points for DM001 and none for DM020
    let p2 = last.historic(last.practice("A81002").unwrap(), "2018/19").unwrap();
    assert_eq!(p2.get("DM001").unwrap().points, Some(d("0")));
    assert!(!p2.contains("DM020"));
}

/// A row with more fields than the header is an error at its line, naming the field, with the
/// thousands-separator hint: `DENOMINATOR,1,040` used to be read as 1, `PATIENT_LIST_SIZE 1,000`
/// as 1. Trailing empty fields (a spreadsheet's trailing comma) are accepted.
#[test]
fn a_row_with_more_fields_than_the_header_is_an_error() {
    let ach = "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\n\
A81001,DM020,NUMERATOR,150\n\
A81001,DM020,DENOMINATOR,1,040\n";
    let e = read_achievement(&mut PracticeData::new(), ach, "ach.csv", &Default::default())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "`ach.csv` line 3, column `VALUE`: expected 4 fields, found 5: field 5 (`040`) has no column\n  \
         help: a number with a thousands separator such as `1,040` is read as two fields: write it as `1040` or quote it as `\"1,040\"`"
    );
    let prev = "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\n\
A81001,AF,105,TOTAL,1,000\n";
    let e = read_prevalence(&mut PracticeData::new(), prev, "prev.csv").unwrap_err();
    assert_eq!((e.row, e.column.as_deref()), (Some(2), Some("PATIENT_LIST_SIZE")));
    let e = sum_prevalence(prev, "prev.csv").unwrap_err();
    assert_eq!(e.row, Some(2));
    // quoted, the number is one field (and not a count); a trailing empty field is fine
    let quoted = "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nA81001,DM020,DENOMINATOR,\"1,040\"\n";
    let e = read_achievement(&mut PracticeData::new(), quoted, "a.csv", &Default::default())
        .unwrap_err();
    assert!(e.message.contains("expected a whole number of patients, found `1,040`"), "{e}");
    let trailing = "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nA81001,DM020,DENOMINATOR,1040,\n";
    let mut data = PracticeData::new();
    read_achievement(&mut data, trailing, "a.csv", &Default::default()).unwrap();
    assert_eq!(data.counts_mut("A81001", "DM020").denominator, 1040);
}

/// Every kind of aggregate file (prevalence, achievement, historic, attested, structure, and
/// the prevalence file summed for national figures) refuses a row with a field past the header
/// at that row, with the thousands-separator hint, after a good row.
#[test]
fn every_aggregate_reader_refuses_a_row_with_more_fields_than_the_header() {
    let bodies = [
        "A81001,AF,105,TOTAL,4111\nA81001,DM,300,17OV,3,300\n",
        "A81001,DM020,NUMERATOR,15\nA81001,DM020,DENOMINATOR,1,040\n",
        "A81001,2016/17,DM020,1,\nA81001,2017/18,DM020,1,2,3\n",
        "A81001,FG1,yes\nA81002,FG1,yes,1\n",
        "A81001,U1\nA81002,U2,9\n",
    ];
    let hint = "a number with a thousands separator such as `1,040` is read as two fields";
    for ((f, header), body) in READERS.iter().zip(bodies) {
        let good = body.lines().next().unwrap();
        let mut data = PracticeData::new();
        assert!(f(&mut data, &format!("{header}{good}\n"), "f.csv").is_ok(), "{header}{good}");
        let e = f(&mut PracticeData::new(), &format!("{header}{body}"), "f.csv").unwrap_err();
        assert_eq!(e.row, Some(3), "{header}{body}: {e}");
        assert!(e.message.contains("has no column"), "{e}");
        assert!(e.help.as_deref().is_some_and(|h| h.contains(hint)), "{e}");
    }
    let e = sum_prevalence(&format!("{}{}", READERS[0].1, bodies[0]), "n.csv").unwrap_err();
    assert_eq!(e.row, Some(3), "{e}");
    assert!(e.help.as_deref().is_some_and(|h| h.contains(hint)), "{e}");
}

/// Implausible published counts. A numerator above its denominator and negative points are
/// errors at their line (they cannot be; one practice was paid £21 million); a register above
/// the list size is a counted warning (NHS Digital's own files have some: list sizes are
/// counted on 1 January, registers on 31 March).
#[test]
fn implausible_counts_are_errors_or_warnings() {
    let ach = "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\n\
A81001,DM020,NUMERATOR,150\n\
A81001,DM019,NUMERATOR,10\n\
A81001,DM019,DENOMINATOR,20\n\
A81001,DM020,DENOMINATOR,100\n";
    let e = read_achievement(&mut PracticeData::new(), ach, "ach.csv", &Default::default())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "`ach.csv` line 5, column `VALUE`: the numerator of `DM020` at practice `A81001` is 150, more than its denominator 100\n  \
         help: the numerator counts patients of the denominator: check the rows of this practice and indicator"
    );
    let neg = "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nA81001,DM020,ACHIEVED_POINTS,-3\n";
    let e = read_achievement(&mut PracticeData::new(), neg, "ach.csv", &Default::default())
        .unwrap_err();
    assert_eq!((e.row, e.message.as_str()), (Some(2), "negative points `-3`"));

    let prev = "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\n\
A81001,AF,105,TOTAL,4111\n\
A81001,DM,5000,17OV,3300\n\
A81002,DM,2000,17OV,1700\n";
    let summary = read_prevalence(&mut PracticeData::new(), prev, "prev.csv").unwrap();
    assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
    assert_eq!(
        summary.warnings[0].to_string(),
        "a register larger than the practice's list size (check the columns) (2 rows, first on line 3)"
    );
}

/// Six Dudley practices at a twentieth of their size, generated once.
fn six_practices() -> &'static qofrules::model::Population {
    use qofrules::synth::{generate, Selection, SynthOptions, SynthYear};
    static POP: std::sync::OnceLock<qofrules::model::Population> = std::sync::OnceLock::new();
    POP.get_or_init(|| {
        let opts = SynthOptions { seed: 7, scale: 0.05, year: SynthYear::Y2019_20 };
        let sel = Selection::Practices(
            ["M83041", "M87001", "M87003", "M87005", "M87006", "M87007"].map(String::from).to_vec(),
        );
        generate(&sel, &opts).unwrap()
    })
}

/// The practice-level files of every shipped scheme together (what `qofrules synth` writes
/// without `--for`, so what a national population folder holds) for `practices`, with rows
/// for the cases the pay phase tells apart: a practice found only in these files, and a
/// practice with rows for every year of the files but only of an item no scheme has (its
/// years are there, empty, when the items are left out).
fn every_schemes_files(practices: &[qofrules::model::Practice]) -> [Option<(String, String)>; 2] {
    use qofrules::synth::inputs::{attested_csv, historic_csv};
    let spec = qofrules::pipeline::shipped_input_spec();
    let mut attested = attested_csv(practices, &spec, 7);
    attested.push_str("Z99999,QI001,yes,extra\nZ99999,NO_SCHEME_HAS_THIS,yes,extra\n");
    let mut historic = historic_csv(practices, &spec, 7);
    for year in spec.historic.keys() {
        historic.push_str(&format!("Z99998,{year},NO_SCHEME_HAS_THIS,1.5,2.25,extra\n"));
    }
    [Some(("attested.csv".into(), attested)), Some(("historic.csv".into(), historic))]
}

/// Keeping only what a scheme pays on (`Wanted`, as the pipeline reads the practice-level
/// files) gives the same pay result, warnings included, as keeping every row: every shipped
/// scheme on generated practices with the files of every shipped scheme. And it does keep
/// less: a scheme that pays on no historic year keeps no year, an attested item no scheme has
/// is not kept.
#[test]
fn keeping_only_what_a_scheme_pays_on_changes_no_result() {
    use qofrules::national::PrevalenceFrom;
    use qofrules::pipeline::{self, PracticeInputs};
    let base = six_practices();
    let files = every_schemes_files(&base.practices);
    let texts = |i: usize| files[i].as_ref().map(|(_, t)| t.as_str()).unwrap();
    let mut paid_on_history = 0;
    for (path, text) in qofrules::shipped::SCHEMES {
        let (_, checked) = qofrules::check::check_text(path, text);
        let scheme = checked.scheme.unwrap();
        let prog = qofrules::compile::compile(&scheme);
        let mut pop = base.clone();
        qofrules::synth::redate(
            &mut pop.patients,
            qofrules::synth::SynthYear::Y2019_20.period_end(),
            scheme.period_end,
        );
        let from = PrevalenceFrom::Scheme;
        let run =
            pipeline::run_population(&scheme, &prog, &pop, &from, &PracticeInputs::of(&files), 1)
                .unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut all = qofrules::eval::pay_inputs(&scheme, &prog, &run.evaluation, &from).unwrap();
        read_attested(&mut all.data, texts(0), "attested.csv").unwrap();
        read_historic(&mut all.data, texts(1), "historic.csv").unwrap();
        let json = |inputs: &qofrules::eval::PayInputs| {
            serde_json::to_string_pretty(&pipeline::pay(inputs).unwrap()).unwrap()
        };
        let (a, b) = (json(&run.inputs), json(&all));
        if let Some((i, (x, y))) = a.lines().zip(b.lines()).enumerate().find(|(_, (x, y))| x != y) {
            panic!(
                "{path}: line {} differs: `{x}` kept only what is paid on, `{y}` kept all",
                i + 1
            );
        }
        assert_eq!(a.len(), b.len(), "{path}");

        let (kept, every) = (&run.inputs.data, &all.data);
        assert_eq!(kept.practices().len(), every.practices().len(), "{path}");
        let wanted = Wanted::of(&run.inputs.scheme);
        for (p, q) in kept.practices().iter().zip(every.practices()) {
            let years = kept.historic_years(p);
            assert!(years.iter().all(|y| wanted.historic_years.contains_key(*y)), "{path}");
            if wanted.historic_years.is_empty() {
                assert!(years.is_empty() && !every.historic_years(q).is_empty(), "{path}");
            }
            assert!(kept.attested(p).iter().all(|(item, _)| wanted.attested.contains(*item)));
        }
        let z = kept.practice("Z99999").unwrap();
        assert!(every.is_attested(every.practice("Z99999").unwrap(), "NO_SCHEME_HAS_THIS"));
        assert!(!kept.is_attested(z, "NO_SCHEME_HAS_THIS") && kept.attested(z).len() <= 1);
        // a wanted year whose rows are all of other items is there, empty
        let z = kept.practice("Z99998").unwrap();
        for (year, all_items) in &wanted.historic_years {
            match kept.historic(z, year) {
                Some(y) => assert_eq!(y.is_empty(), !all_items, "{path} {year}"),
                // aspiration on a year no scheme pays historic on: not in the files
                None => assert!(!texts(1).contains(&format!(",{year},")), "{path} {year}"),
            }
        }
        paid_on_history += usize::from(!wanted.historic_years.is_empty());
    }
    // the shipped schemes pay on historic years (income protection, aspiration, Wales, Somerset)
    assert!(paid_on_history >= 5, "{paid_on_history}");
}

/// Rows left out because the scheme does not pay on their year or item are checked as the
/// rows kept are: each error is the one reading every row gives, at the same row and column.
#[test]
fn rows_left_out_get_the_errors_of_rows_kept() {
    let mut wanted = Wanted::default();
    wanted.historic_years.insert("2018/19".into(), false);
    wanted.historic_items.insert("DM020".into());
    wanted.attested.insert("QI001".into());
    let historic = [
        // a year not paid on
        "practice_id,year,item,points,pounds\nA,2016/17,DM020,1.x,\n",
        "practice_id,year,item,points,pounds\nA,2016/17,DM020,,\n",
        "practice_id,year,item,points,pounds\nA,2016/17,DM020,1,\nA,2016/17,DM020,2,\n",
        "practice_id,year,item,points,pounds\nA,,DM020,1,\n",
        "practice_id,year,item,points,pounds\nA,2016/17,DM020,1,2,3\n",
        "practice_id,year,item,points,pounds\nA,2016/17,DM020,1,\"2\n",
        // an item not paid on, in a year paid on
        "practice_id,year,item,points,pounds\nA,2018/19,XX001,1,1.2.3\n",
        "practice_id,year,item,points,pounds\nA,2018/19,XX001,1,99999999999999999999999999999999\n",
        "practice_id,year,item,points,pounds\nA,2018/19,XX001,,\n",
        "practice_id,year,item,points,pounds\nA,2018/19,XX001,1,\nB,2018/19,XX001,1,\nA,2018/19,XX001,1,\n",
        "practice_id,year,item,points,pounds\n,2018/19,XX001,1,\n",
        // kept rows given twice, between rows left out
        "practice_id,year,item,points\nA,2016/17,DM020,1\nA,2018/19,DM020,1\nA,2018/19,DM020,-2\n",
    ];
    for text in historic {
        let all = read_historic(&mut PracticeData::new(), text, "h.csv");
        let some = read_historic_wanted(&mut PracticeData::new(), text, "h.csv", &wanted);
        assert!(all.is_err(), "{text}");
        assert_eq!(some, all, "{text}");
    }
    let attested = [
        "practice_id,item_id,met\nA,FG1,maybe\n",
        "practice_id,item_id,met\nA,FG1,yes\nB,FG1,no\nA,FG1,yes\n",
        "practice_id,item_id,met\nA,,yes\n",
        "practice_id,item_id,met\nA,FG1\n",
    ];
    for text in attested {
        let all = read_attested(&mut PracticeData::new(), text, "a.csv");
        let some = read_attested_wanted(&mut PracticeData::new(), text, "a.csv", &wanted);
        assert!(all.is_err(), "{text}");
        assert_eq!(some, all, "{text}");
    }
    // and a row left out still adds its practice, in the order of the file
    let mut data = PracticeData::new();
    let text = "practice_id,year,item,points\nB,2016/17,DM020,1\nA,2018/19,DM020,2\n";
    let s = read_historic_wanted(&mut data, text, "h.csv", &wanted).unwrap();
    assert_eq!((s.rows, s.practices), (2, 2));
    let ids: Vec<&str> = data.practices().iter().map(|p| p.practice_id.as_str()).collect();
    assert_eq!(ids, ["B", "A"]);
    assert!(data.historic(&data.practices()[0], "2016/17").is_none());
    let a = data.historic(&data.practices()[1], "2018/19").unwrap();
    assert_eq!(a.get("DM020").unwrap().points, Some(d("2")));
}

/// A figure the table already holds counts when a file gives the same practice, year and item
/// again; one read twice is an item given twice.
#[test]
fn a_second_read_finds_items_the_table_already_has() {
    let mut data = PracticeData::new();
    data.set_historic(
        "A",
        "2016/17",
        "DM020",
        HistoricValue { points: Some(d("1")), pounds: None },
    );
    data.set_attested("A", "FG1", true);
    let e = read_historic(&mut data, "practice_id,year,item,points\nA,2016/17,DM020,3\n", "h.csv");
    assert_eq!(e.unwrap_err().row, Some(2));
    let e = read_attested(&mut data, "practice_id,item_id,met\nA,FG1,no\n", "a.csv");
    assert_eq!(e.unwrap_err().row, Some(2));
    // other items are added, and found with those set before
    read_historic(
        &mut data,
        "practice_id,year,item,points\nA,2016/17,AF001,3\nA,2014/15,DM020,4\n",
        "h.csv",
    )
    .unwrap();
    let p = data.practice("A").unwrap();
    assert_eq!(data.historic_years(p), ["2014/15", "2016/17"]);
    let y = data.historic(p, "2016/17").unwrap();
    let items: Vec<&str> = y.items().iter().map(|(i, _)| *i).collect();
    assert_eq!(items, ["AF001", "DM020"]);
    assert_eq!(y.get("DM020").unwrap().points, Some(d("1")));
}
