//! Every `println!`, `print!`, `eprintln!` and `eprint!` of the CLI is one of these, not the
//! standard library's (macros defined before `mod cli` shadow the prelude's in every module of
//! it): they write through `cli::output`, where a closed pipe (`qofrules test ... | head -1`)
//! ends that stream quietly instead of panicking. A `#[macro_use]` module of `src/main.rs` and of the
//! `cli` fuzz target, which compiles `src/cli/` into itself.
macro_rules! println {
    () => { $crate::cli::output::out(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::cli::output::out(format_args!($($arg)*), true) };
}
#[allow(unused_macros)]
macro_rules! print {
    ($($arg:tt)*) => { $crate::cli::output::out(format_args!($($arg)*), false) };
}
macro_rules! eprintln {
    () => { $crate::cli::output::err(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::cli::output::err(format_args!($($arg)*), true) };
}
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::cli::output::err(format_args!($($arg)*), false) };
}
