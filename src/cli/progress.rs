//! The progress bar of long runs (synth, eval, compare): drawn with indicatif on stderr, only
//! when stderr is a terminal and `--quiet` is not given, so redirected output and the bytes
//! of every output file never change. The core reports through [`qofrules::progress::Progress`].

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// A bar on stderr, or nothing (not a terminal, or `--quiet`). Each stage of the core's
/// report gets a bar of its own, made with its total before anything is drawn.
pub struct Bar {
    on: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bar {
    pub fn new(quiet: bool) -> Bar {
        Bar { on: !quiet && std::io::stderr().is_terminal(), bar: Mutex::new(None) }
    }

    fn current(&self) -> Option<ProgressBar> {
        self.bar.lock().ok().and_then(|b| b.clone())
    }
}

/// A spinner on stderr while `what` runs without a known total (reading the population);
/// cleared when dropped.
pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    pub fn new(quiet: bool, what: &str) -> Spinner {
        if quiet || !std::io::stderr().is_terminal() {
            return Spinner(None);
        }
        let s = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            s.set_style(style);
        }
        s.set_message(what.to_string());
        s.enable_steady_tick(std::time::Duration::from_millis(100));
        Spinner(Some(s))
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(s) = &self.0 {
            s.finish_and_clear();
        }
    }
}

impl qofrules::progress::Progress for Bar {
    fn begin(&self, what: &str, total: u64, unit: &str) {
        if !self.on {
            return;
        }
        // A total of 0 is unknown (a streamed population): a count without a bar.
        let template = if total == 0 {
            format!("{{spinner}} {{msg}} {{human_pos}} {unit} ({{elapsed}})")
        } else {
            format!("{{msg}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} ({{eta}} left)")
        };
        let len = (total > 0).then_some(total);
        let mut bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar = bar.with_style(style.progress_chars("=> "));
        }
        let bar = bar.with_message(what.to_string());
        if let Ok(mut b) = self.bar.lock() {
            *b = Some(bar);
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = self.current() {
            bar.inc(n);
        }
    }

    fn end(&self) {
        if let Some(bar) = self.current() {
            bar.finish_and_clear();
        }
    }
}
