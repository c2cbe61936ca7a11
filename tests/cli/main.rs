//! The `qofrules` command line end to end (check, fmt, synth, eval, explain, test, compare, and
//! snapshots of what each prints), and its parity with the editor's session: one test binary,
//! so CI links one executable for them rather than six.

mod check;
mod compare;
mod eval;
mod fmt;
mod progress;
mod robust;
mod session_parity;
mod stream;
mod support;
mod synth;
mod testing;
