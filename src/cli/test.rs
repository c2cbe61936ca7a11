//! `qofrules test FILE...`: run the test patients written in rule files (and those each file
//! inherits through `extends`); print pass or fail per test and the explanation of each
//! failure, or the results as JSON or JUnit XML; exit 1 on any failure.

use super::check::{load, report, ErrorFormat};
use qofrules::pipeline::{self, TestRecord};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestFormat {
    /// One line per test, failures explained
    Text,
    /// An array with one object per test
    Json,
    /// JUnit XML, for CI systems
    Junit,
}

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Rule files; each one's tests are run (each file can also be another's parent)
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: TestFormat,
}

/// A root file's tests, or why they were not run.
struct FileRun {
    name: String,
    scheme: Option<String>,
    records: Vec<TestRecord>,
}

pub fn run(args: TestArgs) -> ExitCode {
    let (mut sources, roots) = match load(&args.files) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let mut runs = Vec::new();
    for root in roots {
        let name = sources.files[root].name.clone();
        let loaded = match pipeline::load(sources, root) {
            Ok(loaded) => loaded,
            Err(rejected) => {
                report(&rejected.sources, &rejected.diagnostics, ErrorFormat::Human);
                eprintln!("{name}: not run: the file has errors");
                sources = rejected.sources;
                runs.push(FileRun { name, scheme: None, records: Vec::new() });
                continue;
            }
        };
        // the checker's warnings, on stderr (the editor shows them too)
        for d in &loaded.warnings {
            eprintln!("{}", loaded.sources.render(d));
        }
        let r = pipeline::tests(&loaded);
        let records = pipeline::test_records(&loaded, &r);
        runs.push(FileRun { name, scheme: Some(loaded.scheme.id.clone()), records });
        sources = loaded.sources;
    }
    match args.format {
        TestFormat::Text => text(&runs),
        TestFormat::Json => {
            let all: Vec<&TestRecord> = runs.iter().flat_map(|r| &r.records).collect();
            match serde_json::to_string_pretty(&all) {
                Ok(s) => println!("{s}"),
                Err(e) => {
                    eprintln!("error: cannot write JSON: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        TestFormat::Junit => print!("{}", junit(&runs)),
    }
    let failed = runs.iter().flat_map(|r| &r.records).any(|t| !t.passed);
    let broken = runs.iter().any(|r| r.scheme.is_none());
    if failed || broken {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn text(runs: &[FileRun]) {
    let (mut passed, mut failed, mut broken) = (0usize, 0usize, 0usize);
    for run in runs {
        if run.scheme.is_none() {
            broken += 1;
            continue;
        }
        let inherited = run.records.iter().filter(|t| t.inherited).count();
        if inherited > 0 {
            println!("{}: {} tests ({inherited} inherited)", run.name, run.records.len());
        } else {
            println!("{}: {} tests", run.name, run.records.len());
        }
        for t in &run.records {
            let place = if let Some(d) = &t.moved_from {
                format!(
                    "{} line {}, inherited, dates moved from the period ending {d}",
                    t.file, t.line
                )
            } else if t.inherited {
                format!("{} line {}, inherited", t.file, t.line)
            } else {
                format!("line {}", t.line)
            };
            println!("  {} {} ({place})", if t.passed { "pass" } else { "FAIL" }, t.name);
            for e in &t.errors {
                println!("      {e}");
            }
            for x in t.expectations.iter().filter(|x| !x.passed) {
                println!("      {}", x.summary());
                if let Some(ex) = &x.explanation {
                    println!("      because {ex}");
                }
            }
            if t.passed {
                passed += 1;
            } else {
                failed += 1;
            }
        }
    }
    println!(
        "{passed} passed, {failed} failed{}",
        if broken > 0 { format!(", {broken} files not run") } else { String::new() }
    );
}

/// JUnit XML: one `testsuite` per file given, one `testcase` per test (classname the scheme,
/// `file` and `line` where the test is written), a `failure` per failed test with every failed
/// expectation; a file that could not be checked is a suite with one `error`.
fn junit(runs: &[FileRun]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let tests: usize =
        runs.iter().map(|r| r.records.len().max(usize::from(r.scheme.is_none()))).sum();
    let failures = runs.iter().flat_map(|r| &r.records).filter(|t| !t.passed).count();
    let errors = runs.iter().filter(|r| r.scheme.is_none()).count();
    out.push_str(&format!(
        "<testsuites name=\"qofrules\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n"
    ));
    for run in runs {
        let Some(scheme) = &run.scheme else {
            out.push_str(&format!(
                "  <testsuite name=\"{}\" tests=\"1\" failures=\"0\" errors=\"1\">\n",
                xml(&run.name)
            ));
            out.push_str(&format!(
                "    <testcase name=\"check\" classname=\"{}\" file=\"{}\">\n      <error message=\"the file has errors\" type=\"check\">run `qofrules check {}` for the diagnostics</error>\n    </testcase>\n  </testsuite>\n",
                xml(&run.name),
                xml(&run.name),
                xml(&run.name)
            ));
            continue;
        };
        let failed = run.records.iter().filter(|t| !t.passed).count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" file=\"{}\">\n",
            xml(scheme),
            run.records.len(),
            xml(&run.name)
        ));
        for t in &run.records {
            out.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                xml(&t.name),
                xml(scheme),
                xml(&t.file),
                t.line
            ));
            if t.passed {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            let mut lines: Vec<String> = t.errors.clone();
            for x in t.expectations.iter().filter(|x| !x.passed) {
                lines.push(format!("{} (line {})", x.summary(), x.line));
                if let Some(ex) = &x.explanation {
                    lines.push(format!("  because {ex}"));
                }
            }
            let message = lines.first().cloned().unwrap_or_default();
            out.push_str(&format!(
                "      <failure message=\"{}\" type=\"expectation\">{}</failure>\n    </testcase>\n",
                xml(&message),
                xml_text(&lines.join("\n"))
            ));
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Text for an XML attribute or element: the five special characters escaped, and characters
/// XML 1.0 cannot carry (control characters other than tab and line breaks) replaced.
fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push_str(&format!("&#{};", c as u32)),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// Text for XML element content: as [`xml`], but line breaks and tabs are kept as written.
fn xml_text(s: &str) -> String {
    s.split('\n').map(xml).collect::<Vec<_>>().join("\n").replace("&#9;", "\t")
}
