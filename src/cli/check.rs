//! `qofrules check FILE...` and `qofrules inspect FILE`: read the rule files (and the code-list
//! files they name), run the checker, print diagnostics as code frames or JSON.

use qofrules::check::{check, referenced_files, resolve_path, Checked};
use qofrules::diag::{Diagnostic, LineIndex, Location, Position, Severity};
use qofrules::scheme::Sources;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
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

/// One diagnostic as printed by `--error-format json`: a [`Diagnostic`] with its location
/// as a file name and positions (a span in a rule file), or a row and column (a data file).
#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub file: Option<&'a str>,
    pub severity: Severity,
    pub code: &'a str,
    pub message: &'a str,
    pub help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Position>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Position>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<&'a str>,
    /// Secondary places in the same file ("first defined here").
    pub labels: Vec<JsonLabel<'a>>,
}

/// A label of a diagnostic: a secondary place in its file, with a note.
#[derive(Serialize)]
pub struct JsonLabel<'a> {
    pub message: &'a str,
    pub start: Position,
    pub end: Position,
}

/// A diagnostic as `--error-format json` prints it.
pub fn json_diagnostic<'a>(
    sources: &'a Sources,
    index: &mut HashMap<usize, LineIndex>,
    d: &'a Diagnostic,
) -> JsonDiagnostic<'a> {
    let mut out = JsonDiagnostic {
        file: None,
        severity: d.severity,
        code: d.code.as_str(),
        message: &d.message,
        help: d.help.as_deref(),
        start: None,
        end: None,
        row: None,
        column: None,
        labels: Vec::new(),
    };
    match &d.location {
        Location::Span { file, span } => {
            if let Some(f) = sources.files.get(*file) {
                let li = index.entry(*file).or_insert_with(|| LineIndex::new(&f.text));
                out.file = Some(&f.name);
                out.start = Some(li.position(&f.text, span.start as usize));
                out.end = Some(li.position(&f.text, span.end as usize));
                out.labels = d
                    .labels
                    .iter()
                    .map(|l| JsonLabel {
                        message: &l.message,
                        start: li.position(&f.text, l.span.start as usize),
                        end: li.position(&f.text, l.span.end as usize),
                    })
                    .collect();
            }
        }
        Location::Row { file, row, column } => {
            out.file = Some(file);
            out.row = *row;
            out.column = column.as_deref();
        }
        Location::None => {}
    }
    out
}

/// Prints diagnostics in the chosen format; returns (errors, warnings).
pub fn report(sources: &Sources, diags: &[Diagnostic], format: ErrorFormat) -> (usize, usize) {
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
            let mut index: HashMap<usize, LineIndex> = HashMap::new();
            let out: Vec<JsonDiagnostic> =
                diags.iter().map(|d| json_diagnostic(sources, &mut index, d)).collect();
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
    let mut all = Vec::new();
    let mut seen = HashSet::new();
    for root in roots {
        let Checked { diagnostics, .. } = check(&mut sources, root);
        for d in diagnostics {
            // a file that is both a root and a parent would be reported twice
            if seen.insert((d.location.clone(), d.code, d.message.clone())) {
                all.push(d);
            }
        }
    }
    let (errors, _) = report(&sources, &all, args.error_format);
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
