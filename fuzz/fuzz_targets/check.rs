//! Fuzzes the parser and the checker: on any input they must not panic, every diagnostic must
//! lie within its file and render, a scheme comes back exactly when there are no errors, and a
//! scheme can always be shown by `inspect`.
//!
//! The input is split on the byte 0xFF (never valid UTF-8) into a root file and the files it
//! may extend (so that inheritance is fuzzed too).
#![no_main]

use libfuzzer_sys::fuzz_target;
use qofrules::scheme::Sources;

fuzz_target!(|data: &[u8]| {
    let mut sources = Sources::default();
    for (i, part) in data.split(|&b| b == 0xFF).take(4).enumerate() {
        sources.add(format!("f{i}.qof"), String::from_utf8_lossy(part).into_owned());
    }
    let checked = qofrules::check::check(&mut sources, 0);
    for d in &checked.diagnostics {
        let f = &sources.files[d.file];
        assert!(d.span.start <= d.span.end && d.span.end as usize <= f.text.len());
        let _ = qofrules::diag::render(d, &f.name, &f.text);
    }
    let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
    assert_eq!(checked.scheme.is_some(), errors == 0);
    if let Some(s) = &checked.scheme {
        let _ = qofrules::inspect::view(s, &sources);
    }
});
