//! Every shipped scheme compiles, and every test patient written in it gets the outcome it
//! expects (the same run as `qofrules test rules/*.qof`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use qofrules::scheme::Sources;

#[test]
fn shipped_schemes_compile_and_their_tests_pass() {
    let mut ran = 0;
    for (path, text) in qofrules::shipped::SCHEMES {
        let mut sources = Sources::default();
        let root = sources.add(*path, *text);
        let checked = qofrules::check::check(&mut sources, root);
        let scheme = checked.scheme.unwrap_or_else(|| panic!("{path}: {:#?}", checked.diagnostics));
        let prog = qofrules::compile::compile(&scheme).unwrap_or_else(|e| panic!("{path}: {e:#?}"));
        let report = qofrules::eval::run_tests(&scheme, &prog);
        let failures: Vec<String> = report
            .tests
            .iter()
            .filter(|t| !t.passed)
            .map(|t| {
                format!(
                    "{}: {:?} {:?}",
                    t.name,
                    t.errors,
                    t.expects.iter().filter(|x| !x.passed).collect::<Vec<_>>()
                )
            })
            .collect();
        assert!(failures.is_empty(), "{path}:\n{}", failures.join("\n"));
        ran += report.tests.len();
    }
    // The shipped schemes carry hundreds of test patients (QOF 2019/20 alone has over 300).
    assert!(ran > 300, "only {ran} tests ran");
}
