//! The one way the CLI reads its inputs and writes its outputs.
//!
//! - **Console**: every `println!`, `print!`, `eprintln!` and `eprint!` of the CLI goes through
//!   [`out`] and [`err`] (`src/main.rs` shadows the standard macros). A closed pipe
//!   (`qofrules test rules/*.qof | head -1`) is not an error: that stream is dropped from then
//!   on, the command runs to its end and exits with its usual code, as Unix tools do. Any other
//!   failure to write standard output (a full disk under `> file`) is reported at the end and
//!   the exit code is 2.
//! - **Inputs**: files are read through [`read_bytes`], [`read_text`] and [`open`], which note
//!   each file's identity, so that an output is never written over one of the inputs of the
//!   run (after links: the same file by device and inode).
//! - **Outputs**: [`write_output_with`] refuses an output that is one of the inputs, then
//!   [`replace_file`] writes a temporary file next to the target, with an unpredictable name
//!   and created exclusively (`O_EXCL`: a planted file or link is never followed), renames it
//!   over the target once complete (never a partial file) and keeps the target's permissions.
//!   A device or a pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written in place.
//! - **Interrupts**: a temporary file or folder is registered with [`remove_on_interrupt`]
//!   while it is written; Ctrl-C (SIGINT, or SIGTERM) removes every registered path and exits
//!   with 130, so an interrupted `eval -o` or `synth` leaves no hidden partial output.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

/// Set once standard output was found closed (a broken pipe): later writes are dropped.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
/// Set once standard error was found closed.
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);
/// The first failure to write standard output other than a closed pipe.
static STDOUT_ERROR: OnceLock<String> = OnceLock::new();

/// Temporary files and folders being written: removed if the run is interrupted.
static IN_PROGRESS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Installs the Ctrl-C (SIGINT, SIGTERM) handler: it removes the temporary files and folders
/// being written ([`remove_on_interrupt`]) and exits with 130, as a shell reports a run
/// stopped by SIGINT. Without it the default action kills the process and leaves them behind.
pub fn clean_up_on_interrupt() {
    // A failure to install (a handler already set) leaves the default action: no worse than
    // before, and nothing to tell the user.
    let _ = ctrlc::set_handler(|| {
        let paths = std::mem::take(&mut *IN_PROGRESS.lock().unwrap_or_else(|e| e.into_inner()));
        for p in &paths {
            // writer threads may still add files to a folder: try twice
            for _ in 0..2 {
                let gone = match std::fs::symlink_metadata(p) {
                    Ok(m) if m.is_dir() => std::fs::remove_dir_all(p).is_ok(),
                    Ok(_) => std::fs::remove_file(p).is_ok(),
                    Err(_) => true,
                };
                if gone {
                    break;
                }
            }
        }
        std::process::exit(130);
    });
}

/// Registers `path` (a temporary file or folder this run created) for removal on Ctrl-C
/// until the returned guard is dropped.
#[must_use = "the path is unregistered when the guard is dropped"]
pub fn remove_on_interrupt(path: &Path) -> InProgress {
    IN_PROGRESS.lock().unwrap_or_else(|e| e.into_inner()).push(path.to_path_buf());
    InProgress(path.to_path_buf())
}

/// A path registered by [`remove_on_interrupt`]; dropping it unregisters the path (it was
/// renamed into place or removed).
pub struct InProgress(PathBuf);

impl Drop for InProgress {
    fn drop(&mut self) {
        let mut paths = IN_PROGRESS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = paths.iter().rposition(|p| *p == self.0) {
            paths.swap_remove(k);
        }
    }
}

/// Whether a write failed because the reader went away.
fn is_closed_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// Writes formatted text to standard output (`println!` and `print!` of the CLI).
pub fn out(args: std::fmt::Arguments<'_>, newline: bool) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut lock = io::stdout().lock();
    let res =
        lock.write_fmt(args).and_then(|()| if newline { lock.write_all(b"\n") } else { Ok(()) });
    if let Err(e) = res {
        stdout_failed(&e);
    }
}

/// Writes formatted text to standard error (`eprintln!` and `eprint!` of the CLI).
pub fn err(args: std::fmt::Arguments<'_>, newline: bool) {
    if STDERR_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut lock = io::stderr().lock();
    let res =
        lock.write_fmt(args).and_then(|()| if newline { lock.write_all(b"\n") } else { Ok(()) });
    if res.is_err() {
        // Nowhere left to say it: stop writing to standard error.
        STDERR_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Records a failure to write standard output: a closed pipe closes the stream quietly,
/// anything else is reported by [`finish`].
fn stdout_failed(e: &io::Error) {
    STDOUT_CLOSED.store(true, Ordering::Relaxed);
    if !is_closed_pipe(e) {
        let _ = STDOUT_ERROR.set(lower_first(&e.to_string()));
    }
}

/// Standard output for streamed results: a buffered writer whose errors are recorded like
/// those of [`out`] (so a closed pipe ends the output quietly).
struct Stdout(io::StdoutLock<'static>);

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if STDOUT_CLOSED.load(Ordering::Relaxed) {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        self.0.write(buf).inspect_err(stdout_failed)
    }
    fn flush(&mut self) -> io::Result<()> {
        if STDOUT_CLOSED.load(Ordering::Relaxed) {
            return Ok(());
        }
        self.0.flush().inspect_err(stdout_failed)
    }
}

/// The end of every command: flushes standard output and turns a failure to write it (other
/// than a closed pipe) into an error and exit code 2.
pub fn finish(code: ExitCode) -> ExitCode {
    if !STDOUT_CLOSED.load(Ordering::Relaxed) {
        if let Err(e) = io::stdout().lock().flush() {
            stdout_failed(&e);
        }
    }
    match STDOUT_ERROR.get() {
        Some(e) => {
            err(format_args!("error: cannot write to standard output: {e}"), true);
            ExitCode::from(2)
        }
        None => code,
    }
}

/// A file's identity: device and inode on Unix, the canonical path elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

fn file_id(path: &Path) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(FileId::Inode(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path).ok().map(FileId::Path)
    }
}

/// The files this run read, by identity, with the path they were read as.
static INPUTS: Mutex<Vec<(FileId, PathBuf)>> = Mutex::new(Vec::new());

/// Notes that `path` is an input of this run (no output may replace it).
pub fn note_input(path: &Path) {
    if let Some(id) = file_id(path) {
        if let Ok(mut inputs) = INPUTS.lock() {
            if !inputs.iter().any(|(i, _)| *i == id) {
                inputs.push((id, path.to_path_buf()));
            }
        }
    }
}

/// Forgets the inputs noted so far, so that the next command starts as a new run would: for
/// a process that runs commands one after another (the CLI fuzz target,
/// `fuzz/fuzz_targets/cli.rs`); the `qofrules` binary runs one command and never calls it.
#[allow(dead_code)]
pub fn forget_inputs() {
    if let Ok(mut inputs) = INPUTS.lock() {
        inputs.clear();
    }
}

/// The input `path` is (as it was named when read), if it is one.
pub fn input_at(path: &Path) -> Option<PathBuf> {
    let id = file_id(path)?;
    let inputs = INPUTS.lock().ok()?;
    inputs.iter().find(|(i, _)| *i == id).map(|(_, p)| p.clone())
}

/// Opens an input file for reading (noted as an input).
pub fn open(path: &Path) -> io::Result<std::fs::File> {
    let f = std::fs::File::open(path)?;
    note_input(path);
    Ok(f)
}

/// Reads a whole input file (noted as an input).
pub fn read_bytes(path: &Path) -> io::Result<Vec<u8>> {
    let data = std::fs::read(path)?;
    note_input(path);
    Ok(data)
}

/// Reads a whole input file as UTF-8 text (noted as an input).
pub fn read_text(path: &Path) -> io::Result<String> {
    let text = utf8_text(std::fs::read(path)?)?;
    note_input(path);
    Ok(text)
}

/// `bytes` as text, or an error naming the line and column (in characters, from 1) of the
/// first byte that is not UTF-8, with a hint.
pub fn utf8_text(bytes: Vec<u8>) -> io::Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = &bytes[..at];
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |k| k + 1);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        // the prefix is valid UTF-8 by construction
        let column = std::str::from_utf8(&before[line_start..]).map_or(0, |t| t.chars().count()) + 1;
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "invalid UTF-8 at line {line}, column {column} (byte `0x{:02X}`)\n  help: save the file as UTF-8 text",
                bytes[at]
            ),
        )
    })
}

/// Reads a small input file that must be a regular file of at most `limit` bytes (a code
/// list: never a device such as `/dev/zero`, never a file that would fill the memory).
pub fn read_text_limited(path: &Path, limit: u64, what: &str) -> io::Result<String> {
    let f = std::fs::File::open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other(format!("{what} must be a regular file")));
    }
    let too_big = || io::Error::other(format!("{what} is larger than {} MiB", limit >> 20));
    if meta.len() > limit {
        return Err(too_big());
    }
    // The file may grow while it is read: never take more than the limit.
    let mut buf = Vec::new();
    f.take(limit + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(too_big());
    }
    let text = utf8_text(buf)?;
    note_input(path);
    Ok(text)
}

/// The path an output should be written to: a symbolic link's target (so that replacing the
/// file through a temporary file and a rename replaces the file it points at, not the link),
/// else `path` itself. A link that cannot be resolved (dangling) is left as it is.
pub fn output_target(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Replaces the regular file (or new path) `path` with what `write` writes: a temporary file
/// next to it with an unpredictable name, created exclusively (never through a planted file
/// or link), renamed over `path` once complete and flushed to disk; on any error it is removed
/// and `path` is untouched. A file replaced keeps its permissions; a new file gets the usual
/// ones (0666 less the umask). A symbolic link is followed: the file it points at is replaced.
pub fn replace_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let target = output_target(path);
    let path = target.as_path();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let old = std::fs::metadata(path).ok();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(0o666)
    };
    #[cfg(unix)]
    builder.permissions(mode);
    let mut tmp = builder.tempfile_in(dir)?;
    let _registered = remove_on_interrupt(tmp.path());
    {
        let mut out = io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        write(&mut out)?;
        out.flush()?;
    }
    tmp.as_file().sync_all()?;
    if let Some(meta) = old {
        std::fs::set_permissions(tmp.path(), meta.permissions())?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `text` to `path` (see [`write_output_with`]), or to standard output.
pub fn write_output(path: Option<&Path>, text: &str) -> Result<(), ExitCode> {
    write_output_with(path, |w| w.write_all(text.as_bytes()))
}

/// Streams the output `write` writes to `path`, or to standard output (where a closed pipe
/// ends it quietly). A path that is one of the run's inputs is refused (exit 2); a regular
/// file (or a new path) is replaced atomically by [`replace_file`]; a device or a pipe is
/// written in place (renaming over `/dev/null` would swap the device for a plain file).
pub fn write_output_with(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), ExitCode> {
    let Some(path) = path else {
        let mut out = io::BufWriter::with_capacity(1 << 16, Stdout(io::stdout().lock()));
        let res = write(&mut out).and_then(|()| out.flush());
        drop(out);
        return match res {
            Ok(()) => Ok(()),
            // a closed pipe, or a failure `finish` reports
            Err(_) if STDOUT_CLOSED.load(Ordering::Relaxed) => Ok(()),
            Err(e) => {
                err(
                    format_args!("error: cannot write output: {}", lower_first(&e.to_string())),
                    true,
                );
                Err(ExitCode::from(2))
            }
        };
    };
    let shown = path.display();
    if let Some(input) = input_at(path) {
        let same = if input == path { String::new() } else { format!(" (`{}`)", input.display()) };
        err(
            format_args!(
                "error: the output `{shown}` is one of the inputs{same}\n  help: write the output to another file; the input is left as it was"
            ),
            true,
        );
        return Err(ExitCode::from(2));
    }
    let res = match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            std::fs::OpenOptions::new().write(true).open(path).and_then(|f| {
                let mut out = io::BufWriter::with_capacity(1 << 16, f);
                write(&mut out)?;
                out.flush()
            })
        }
        _ => replace_file(path, write),
    };
    res.map_err(|e| {
        err(format_args!("error: cannot write `{shown}`: {}", lower_first(&e.to_string())), true);
        ExitCode::from(2)
    })
}

/// OS error texts start with a capital; messages here are lowercase.
pub fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::fs;

    /// Issue #21: the temporary file was `.NAME.tmpPID` and opened through whatever was there,
    /// so a link planted at that name made the write land on the link's target. Now the name
    /// is random (two runs differ), the file is a new regular file next to the target, and a
    /// link at the old name is neither followed nor removed.
    #[test]
    fn the_temporary_file_is_unpredictable_and_never_a_planted_link() {
        let d = std::env::temp_dir().join(format!("qofrules-output-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("victim"), "precious").unwrap();
        let planted = d.join(format!(".out.csv.tmp{}", std::process::id()));
        std::os::unix::fs::symlink(d.join("victim"), &planted).unwrap();
        let target = d.join("out.csv");
        let mut seen = Vec::new();
        for k in 0..2 {
            replace_file(&target, |w| {
                let tmp: Vec<PathBuf> = fs::read_dir(&d)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|p| *p != planted && p.to_string_lossy().contains("/.out.csv."))
                    .collect();
                assert_eq!(tmp.len(), 1, "{tmp:?}");
                assert!(fs::symlink_metadata(&tmp[0]).unwrap().file_type().is_file());
                let name = tmp[0].file_name().unwrap().to_string_lossy().into_owned();
                let random = name.strip_prefix(".out.csv.").and_then(|r| r.strip_suffix(".tmp"));
                assert!(random.is_some_and(|r| r.len() >= 6), "{name}");
                seen.push(name);
                write!(w, "run {k}")
            })
            .unwrap();
        }
        assert_ne!(seen[0], seen[1], "a new name each time");
        assert_eq!(fs::read_to_string(&target).unwrap(), "run 1");
        assert_eq!(fs::read_to_string(d.join("victim")).unwrap(), "precious");
        assert!(fs::symlink_metadata(&planted).unwrap().file_type().is_symlink());
        let mut left: Vec<String> = fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, [planted.file_name().unwrap().to_str().unwrap(), "out.csv", "victim"]);
        fs::remove_dir_all(&d).unwrap();
    }
}
