//! `qofrules fmt [--check] FILE...`: rewrites rule files in the canonical layout
//! (see `docs/formatting.md`), or with `--check` prints a unified diff of what would change.

use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Change no file: print a unified diff of each file that is not formatted and exit 1 if
    /// there are any
    #[arg(long)]
    pub check: bool,
    /// The rule files to format
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// How one file went; the worst outcome of a run sets the exit code.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Ok,
    /// Syntax errors, or (with `--check`) not formatted.
    Fails,
    /// The file could not be read or written.
    Io,
}

pub fn run(args: FmtArgs) -> ExitCode {
    let mut worst = Outcome::Ok;
    for path in &args.files {
        worst = worst.max(one(path, args.check));
    }
    match worst {
        Outcome::Ok => ExitCode::SUCCESS,
        Outcome::Fails => ExitCode::from(1),
        Outcome::Io => ExitCode::from(2),
    }
}

fn one(path: &Path, check: bool) -> Outcome {
    let name = path.display().to_string();
    let text = match std::fs::read(path).and_then(super::output::utf8_text) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read `{name}`: {}", lower_first(&e.to_string()));
            return Outcome::Io;
        }
    };
    let formatted = match qofrules::fmt::format(&text) {
        Ok(f) => keep_line_ends(&text, f),
        Err(diags) => {
            for d in &diags {
                eprint!("{}", qofrules::diag::render(d, &name, &text));
            }
            eprintln!("error: `{name}` was not formatted: fix its syntax errors first");
            return Outcome::Fails;
        }
    };
    if formatted == text {
        return Outcome::Ok;
    }
    if check {
        print!("{}", unified_diff(&name, &text, &formatted));
        return Outcome::Fails;
    }
    match write_atomically(path, &formatted) {
        Ok(()) => Outcome::Ok,
        Err(e) => {
            eprintln!("error: cannot write `{name}`: {}", lower_first(&e.to_string()));
            Outcome::Io
        }
    }
}

/// `formatted` (LF line ends, no byte-order mark) with the line ends and byte-order mark of
/// the `original` file: CRLF when its first line ends in CRLF, and a leading UTF-8 byte-order
/// mark when it had one, so formatting a Windows file changes only its layout.
fn keep_line_ends(original: &str, formatted: String) -> String {
    let body = original.strip_prefix('\u{feff}').unwrap_or(original);
    let formatted = formatted.strip_prefix('\u{feff}').unwrap_or(&formatted);
    let crlf = body.find('\n').is_some_and(|k| body[..k].ends_with('\r'));
    let mut out = String::with_capacity(formatted.len() + formatted.len() / 16 + 3);
    if body.len() < original.len() {
        out.push('\u{feff}');
    }
    if crlf {
        for line in formatted.split_inclusive('\n') {
            match line.strip_suffix('\n') {
                Some(l) => {
                    out.push_str(l.strip_suffix('\r').unwrap_or(l));
                    out.push_str("\r\n");
                }
                None => out.push_str(line),
            }
        }
    } else {
        out.push_str(formatted);
    }
    out
}

/// The changes from `old` to `new` as a unified diff (`diff -u`, 3 lines of context), the
/// file named `NAME` before and `NAME (formatted)` after.
fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(name, &format!("{name} (formatted)"))
        .to_string()
}

/// Replaces the rule file through the CLI's one atomic writer
/// ([`super::output::replace_file`]): never a half-written file, permissions kept. A device or
/// a pipe (`fmt /dev/stdin`, say) is refused rather than replaced by a plain file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let target = super::output::output_target(path);
    if !std::fs::metadata(&target)?.is_file() {
        return Err(std::io::Error::other("not a regular file; format a copy of it instead"));
    }
    super::output::replace_file(&target, |w| w.write_all(text.as_bytes()))
}

/// OS error texts start with a capital; messages here are lowercase.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
