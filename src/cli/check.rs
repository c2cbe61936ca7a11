//! `qofrules check FILE...` and `qofrules inspect FILE`: read the rule files (and the code-list
//! files they name), run the checker, print diagnostics as code frames or JSON.

use qofrules::check::{referenced_files, resolve_path};
use qofrules::diag::Diagnostic;
use qofrules::scheme::Sources;
use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorFormat {
    /// Code frames on stderr, then a summary line
    Human,
    /// A JSON array of diagnostics on stdout
    Json,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Rule files; each is checked as a root, and each can be the parent of another
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// How to print problems
    #[arg(long, value_enum, default_value = "human")]
    pub error_format: ErrorFormat,
}

/// The largest code-list file read (`from "file.csv"`): 16 MiB, some 800,000 codes.
pub const MAX_CODE_LIST_BYTES: u64 = 16 << 20;

/// Reads the rule files and the code-list files they reference into one [`Sources`].
/// Returns the indices of the rule files, or the exit code for an unreadable rule file.
pub fn load(files: &[PathBuf]) -> Result<(Sources, Vec<usize>), ExitCode> {
    let mut sources = Sources::default();
    let mut roots = Vec::new();
    for path in files {
        let name = path.display().to_string();
        match super::output::read_text(path) {
            Ok(text) => roots.push(sources.add(name, text)),
            Err(e) => {
                eprintln!("error: cannot read `{name}`: {e}");
                return Err(ExitCode::from(2));
            }
        }
    }
    let mut loaded: HashSet<String> = sources.files.iter().map(|f| f.name.clone()).collect();
    for &r in &roots {
        // only a file that says `from "..."` can name a code-list file: skip parsing the rest
        // here (the checker parses every file once)
        if !sources.files[r].text.contains("from") {
            continue;
        }
        let (tree, _) = qofrules::syntax::parse(&sources.files[r].text, r);
        for rel in referenced_files(&tree) {
            let name = resolve_path(&sources.files[r].name, &rel);
            if loaded.contains(&name) {
                continue;
            }
            // a missing code-list file is reported by the checker at the `from` clause; one
            // that is there but is no regular file (`/dev/zero`) or is too large is refused
            match super::output::read_text_limited(
                std::path::Path::new(&name),
                MAX_CODE_LIST_BYTES,
                "a code list file",
            ) {
                Ok(text) => {
                    loaded.insert(name.clone());
                    sources.add(name, text);
                }
                Err(e) if std::fs::metadata(&name).is_ok() => {
                    eprintln!(
                        "error: cannot read code list file `{name}`: {}",
                        super::output::lower_first(&e.to_string())
                    );
                    eprintln!(
                        "  help: a code list file is a regular CSV file of at most {} MiB",
                        MAX_CODE_LIST_BYTES >> 20
                    );
                    return Err(ExitCode::from(2));
                }
                Err(_) => {}
            }
        }
    }
    Ok((sources, roots))
}

/// Prints diagnostics in the chosen format; returns (errors, warnings).
pub fn report(sources: &Sources, diags: &[Diagnostic], format: ErrorFormat) -> (usize, usize) {
    report_roots(sources, &[], diags, format)
}

/// [`report`], with the root files (those named on the command line) marked in JSON.
pub fn report_roots(
    sources: &Sources,
    roots: &[usize],
    diags: &[Diagnostic],
    format: ErrorFormat,
) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    match format {
        ErrorFormat::Human => {
            for d in diags {
                eprintln!("{}", sources.render(d));
            }
            eprintln!("{}, {}", plural(errors, "error"), plural(warnings, "warning"));
        }
        ErrorFormat::Json => {
            // the one serialised form of a diagnostic (the editor's and the session's too)
            let out = qofrules::diag::problems(sources, roots, diags);
            match serde_json::to_string_pretty(&out) {
                Ok(s) => write_stdout(&s),
                Err(e) => eprintln!("error: cannot write JSON: {e}"),
            }
        }
    }
    (errors, warnings)
}

/// Writes a text and a newline to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(s: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ =
        out.write_all(s.as_bytes()).and_then(|_| out.write_all(b"\n")).and_then(|_| out.flush());
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub fn run(args: CheckArgs) -> ExitCode {
    let (mut sources, roots) = match load(&args.files) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let all = qofrules::pipeline::check_all(&mut sources, &roots);
    let (errors, _) = report_roots(&sources, &roots, &all, args.error_format);
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
