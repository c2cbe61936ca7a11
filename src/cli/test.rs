//! `qofrules test FILE...`: run the test patients written in rule files; print pass or fail per
//! test and the explanation of each failure; exit 1 on any failure.

use super::check::{load, report, ErrorFormat};
use qofrules::diag::LineIndex;
use qofrules::eval::{outcome_text, run_tests};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Rule files; each one's tests are run (each file can also be another's parent)
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub fn run(args: TestArgs) -> ExitCode {
    let (mut sources, roots) = match load(&args.files) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let (mut passed, mut failed, mut broken) = (0usize, 0usize, 0usize);
    for root in roots {
        let name = sources.files[root].name.clone();
        let checked = qofrules::check::check(&mut sources, root);
        let errors = checked.errors();
        let Some(scheme) = checked.scheme.filter(|_| errors == 0) else {
            report(&sources, &checked.diagnostics, ErrorFormat::Human);
            eprintln!("{name}: not run: the file has errors");
            broken += 1;
            continue;
        };
        let prog = qofrules::compile::compile(&scheme);
        let r = run_tests(&scheme, &prog);
        println!("{name}: {} tests", r.tests.len());
        for t in &r.tests {
            let f = &sources.files[t.file];
            let line = LineIndex::new(&f.text).position(&f.text, t.span.start as usize).line;
            println!("  {} {} (line {line})", if t.passed { "pass" } else { "FAIL" }, t.name);
            for e in &t.errors {
                println!("      {e}");
            }
            for x in t.expects.iter().filter(|x| !x.passed) {
                println!(
                    "      {}: expected {}, got {}",
                    x.indicator,
                    outcome_text(&x.expected, x.expected_stratum.as_deref()),
                    outcome_text(&x.actual, x.actual_stratum.as_deref())
                );
                if let Some(ex) = &x.explanation {
                    println!("      because {ex}");
                }
            }
        }
        passed += r.passed;
        failed += r.failed;
    }
    println!(
        "{passed} passed, {failed} failed{}",
        if broken > 0 { format!(", {broken} files not run") } else { String::new() }
    );
    if failed > 0 || broken > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
