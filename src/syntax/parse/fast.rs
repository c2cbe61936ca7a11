//! A fast path for test blocks, which are most of a shipped scheme's text (120 KB of the 197 KB
//! of QOF 2019/20) and cost pest a rule call per token.
//!
//! [`parse`] cuts the file into items at the lines that start with a top-level keyword (as
//! error recovery does), reads each `test` item with the small hand-written reader below, and
//! gives every other run of items to pest at its offset. The hand-written reader accepts only a
//! subset of what `test_decl` accepts, and builds exactly the tree the pest builder would build
//! for it (the same spans, including the whitespace pest takes in after an optional part). On
//! anything else (a custom category, a lowercase name, a date not in the calendar, a comment it
//! does not expect) it declines and the item goes to pest, so pest still decides what is an
//! error and how it reads. When pest fails on any run, [`parse`] returns `None` and the whole
//! file is parsed the old way, with recovery; so the fast path changes no diagnostic.
//!
//! The tests at the end of the file check that both ways give the same tree and diagnostics for
//! every shipped scheme, and for thousands of mutations of their test blocks.

use super::{blank_patient, chunks, Builder, Grammar, Rule};
use crate::date::Date;
use crate::diag::Diagnostic;
use crate::model::Sex;
use crate::syntax::ast::*;
use pest::Parser as _;

/// Parses `text` with test items read by hand; `None` when pest fails on some item, or the
/// file has no test item (then the caller's single pest run is as fast).
pub(super) fn parse(text: &str, file: usize) -> Option<(Vec<Item>, Vec<Diagnostic>)> {
    let mut items = Vec::new();
    let mut diags = Vec::new();
    let mut pending: Option<(usize, usize)> = None;
    let mut any_test = false;
    for (start, end) in chunks(text) {
        if text[start..].starts_with("test") {
            if let Some(t) = Reader::new(text, start, end).test() {
                if let Some(run) = pending.take() {
                    pest_run(text, run, file, &mut items, &mut diags)?;
                }
                items.push(Item::Test(t));
                any_test = true;
                continue;
            }
        }
        pending = Some(match pending {
            Some((s, _)) => (s, end),
            None => (start, end),
        });
    }
    if !any_test {
        return None;
    }
    if let Some(run) = pending {
        pest_run(text, run, file, &mut items, &mut diags)?;
    }
    Some((items, diags))
}

/// Parses the items of `text[start..end]` with pest, with spans of the whole text.
fn pest_run(
    text: &str,
    (start, end): (usize, usize),
    file: usize,
    items: &mut Vec<Item>,
    diags: &mut Vec<Diagnostic>,
) -> Option<()> {
    let mut pairs = Grammar::parse(Rule::file, &text[start..end]).ok()?;
    let mut b = Builder::new(start, file, diags, text);
    if let Some(p) = pairs.next() {
        items.extend(b.items(p));
    }
    Some(())
}

fn ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// A reader over one `test` item, `text[pos..end]`. Every method returns `None` where the text
/// is not in the subset it reads.
struct Reader<'t> {
    text: &'t str,
    b: &'t [u8],
    pos: usize,
    end: usize,
}

impl<'t> Reader<'t> {
    fn new(text: &'t str, start: usize, end: usize) -> Self {
        Reader { text, b: text.as_bytes(), pos: start, end }
    }

    fn peek(&self) -> Option<u8> {
        if self.pos < self.end {
            self.b.get(self.pos).copied()
        } else {
            None
        }
    }

    /// The grammar's `W`: spaces, tabs, line ends, byte order marks and `//` comments.
    fn ws(&mut self) {
        while self.pos < self.end {
            match self.b[self.pos] {
                b' ' | b'\n' | b'\t' | b'\r' => self.pos += 1,
                0xEF if self.b[self.pos..self.end].starts_with("\u{FEFF}".as_bytes()) => {
                    self.pos += 3
                }
                b'/' if self.b.get(self.pos + 1) == Some(&b'/') && self.pos + 1 < self.end => {
                    while self.pos < self.end && self.b[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    /// A keyword: the word, not followed by a letter, digit or `_`.
    fn at_kw(&self, kw: &str) -> bool {
        let e = self.pos + kw.len();
        e <= self.end
            && self.b[self.pos..e] == *kw.as_bytes()
            && !self.b.get(e).is_some_and(|&c| e < self.end && ident_char(c))
    }

    fn kw(&mut self, kw: &str) -> Option<()> {
        if self.at_kw(kw) {
            self.pos += kw.len();
            Some(())
        } else {
            None
        }
    }

    fn punct(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.pos += 1)
    }

    /// `("," | ";")?` followed by `W`, as between statements.
    fn separator(&mut self) {
        if matches!(self.peek(), Some(b',' | b';')) {
            self.pos += 1;
        }
        self.ws();
    }

    fn digits(&mut self) -> usize {
        let s = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - s
    }

    fn followed_by_ident_char(&self) -> bool {
        self.peek().is_some_and(ident_char)
    }

    /// `int`: digits not followed by a letter, digit, `_` or `.`.
    fn int(&mut self) -> Option<Num> {
        let s = self.pos;
        if self.digits() == 0 || self.followed_by_ident_char() || self.peek() == Some(b'.') {
            return None;
        }
        Some(Num { text: self.text[s..self.pos].to_string(), span: Span::new(s, self.pos) })
    }

    /// Digits, an optional fraction, and no letter, digit or `_` after them.
    fn unsigned_decimal(&mut self) -> Option<()> {
        if self.digits() == 0 {
            return None;
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        (!self.followed_by_ident_char()).then_some(())
    }

    /// `number`: an optional `-`, digits and an optional fraction.
    fn number(&mut self) -> Option<Num> {
        let s = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        self.unsigned_decimal()?;
        Some(Num { text: self.text[s..self.pos].to_string(), span: Span::new(s, self.pos) })
    }

    /// `money`: `£` and an unsigned number; the value's text leaves the `£` out, its span not.
    fn money(&mut self) -> Option<Num> {
        let s = self.pos;
        if !self.b[self.pos..self.end].starts_with("£".as_bytes()) {
            return None;
        }
        self.pos += "£".len();
        let n = self.pos;
        self.unsigned_decimal()?;
        Some(Num { text: self.text[n..self.pos].to_string(), span: Span::new(s, self.pos) })
    }

    /// A date that exists in the calendar (others go to pest, which reports them).
    fn date(&mut self) -> Option<DateLit> {
        let s = self.pos;
        let shape = [4usize, 2, 2];
        for (i, n) in shape.iter().enumerate() {
            if i > 0 {
                self.punct(b'-')?;
            }
            if self.digits() != *n {
                return None;
            }
        }
        if self.followed_by_ident_char() {
            return None;
        }
        let date = Date::parse(&self.text[s..self.pos])?;
        Some(DateLit { date, span: Span::new(s, self.pos) })
    }

    /// A name that starts with a capital letter or `_` (a lowercase one may be a keyword).
    fn name(&mut self) -> Option<Ident> {
        let s = self.pos;
        if !self.peek().is_some_and(|c| c.is_ascii_uppercase() || c == b'_') {
            return None;
        }
        while self.peek().is_some_and(ident_char) {
            self.pos += 1;
        }
        if self.peek() == Some(b'{') {
            // a placeholder (`CC{N}`), an error outside a `for each`: pest reports it
            return None;
        }
        Some(Ident { name: self.text[s..self.pos].to_string(), span: Span::new(s, self.pos) })
    }

    /// A string on one line, with its escapes `\"`, `\\` and `\n`.
    fn string(&mut self) -> Option<Text> {
        let s = self.pos;
        self.punct(b'"')?;
        let mut value = String::new();
        let mut run = self.pos;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\n' => return None,
                b'\\' => {
                    value.push_str(&self.text[run..self.pos]);
                    let c = *self.b.get(self.pos + 1).filter(|_| self.pos + 1 < self.end)?;
                    value.push(match c {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'n' => '\n',
                        _ => return None,
                    });
                    self.pos += 2;
                    run = self.pos;
                }
                _ => self.pos += 1,
            }
        }
        value.push_str(&self.text[run..self.pos]);
        self.pos += 1;
        Some(Text { value, span: Span::new(s, self.pos) })
    }

    /// `test "NAME" { [list size N] patient... expect... }` and nothing but `W` after it.
    fn test(&mut self) -> Option<Test> {
        let start = self.pos;
        self.kw("test")?;
        self.ws();
        let name = self.string()?;
        self.ws();
        self.punct(b'{')?;
        self.ws();
        let mut list_size = None;
        if self.at_kw("list") {
            self.kw("list")?;
            self.ws();
            self.kw("size")?;
            self.ws();
            list_size = Some(self.int()?);
            self.ws();
            self.separator();
        }
        let mut patients = vec![self.patient()?];
        self.ws();
        while self.at_kw("patient") {
            patients.push(self.patient()?);
            self.ws();
        }
        let mut expects = Vec::new();
        let mut figures = Vec::new();
        while self.at_kw("expect") {
            self.expect(&mut expects, &mut figures)?;
            self.ws();
            self.separator();
        }
        self.punct(b'}')?;
        let span = Span::new(start, self.pos);
        self.ws();
        if self.pos != self.end {
            return None;
        }
        let mut patients = patients.into_iter();
        let patient = patients.next()?;
        Some(Test {
            name,
            patient,
            more_patients: patients.collect(),
            list_size,
            expects,
            figures,
            span,
        })
    }

    fn patient(&mut self) -> Option<TestPatient> {
        let start = self.pos;
        self.kw("patient")?;
        self.ws();
        let mut t = blank_patient(Span::new(start, start));
        self.attribute(&mut t)?;
        self.ws();
        while self.punct(b',').is_some() {
            self.ws();
            self.attribute(&mut t)?;
            self.ws();
        }
        self.punct(b'{')?;
        self.ws();
        while self.peek() != Some(b'}') {
            let e = self.event()?;
            t.events.push(e);
            self.ws();
            self.separator();
        }
        self.pos += 1;
        t.span = Span::new(start, self.pos);
        Some(t)
    }

    fn attribute(&mut self, t: &mut TestPatient) -> Option<()> {
        let s = self.pos;
        if self.kw("born").is_some() {
            self.ws();
            t.born = Some(self.date()?);
        } else if self.kw("female").is_some() {
            t.sex = Some((Sex::Female, Span::new(s, self.pos)));
        } else if self.kw("male").is_some() {
            t.sex = Some((Sex::Male, Span::new(s, self.pos)));
        } else if self.kw("registered").is_some() {
            self.ws();
            t.registered = Some(self.date()?);
        } else if self.kw("deregistered").is_some() {
            self.ws();
            t.deregistered = Some(self.date()?);
        } else if self.kw("deprivation").is_some() {
            self.ws();
            self.kw("decile")?;
            self.ws();
            t.deprivation_decile = Some(self.int()?);
        } else if self.kw("practice").is_some() {
            self.ws();
            t.practice = Some(self.string()?);
        } else {
            return None;
        }
        Some(())
    }

    /// `CODE on DATE [value N]`; without a value, its span takes in the whitespace after the
    /// date, as pest's does.
    fn event(&mut self) -> Option<TestEvent> {
        let s = self.pos;
        let code = if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            let d = self.pos;
            self.digits();
            if self.followed_by_ident_char() {
                return None;
            }
            let code = self.text[d..self.pos].parse::<u64>().ok()?;
            TestCode::Snomed { code, span: Span::new(d, self.pos) }
        } else {
            TestCode::List { list: self.name()? }
        };
        self.ws();
        self.kw("on")?;
        self.ws();
        let date = self.date()?;
        self.ws();
        let mut value = None;
        if self.kw("value").is_some() {
            self.ws();
            value = Some(self.number()?);
        }
        Some(TestEvent { code, date, value, span: Span::new(s, self.pos) })
    }

    /// `expect ID OUTCOME [in stratum S]`, `expect ID points N`, `expect practice payment £N`.
    fn expect(&mut self, expects: &mut Vec<Expect>, figures: &mut Vec<ExpectFigure>) -> Option<()> {
        let s = self.pos;
        self.kw("expect")?;
        self.ws();
        let indicator = if self.kw("practice").is_some() { None } else { Some(self.name()?) };
        self.ws();
        if self.kw("points").is_some() {
            self.ws();
            let value = self.number()?;
            let span = Span::new(s, self.pos);
            figures.push(ExpectFigure { indicator, figure: Figure::Points, value, span });
            return Some(());
        }
        if self.kw("payment").is_some() {
            self.ws();
            let value = self.money()?;
            let span = Span::new(s, self.pos);
            figures.push(ExpectFigure { indicator, figure: Figure::Payment, value, span });
            return Some(());
        }
        let indicator = indicator?;
        let o = self.pos;
        let outcome = if self.kw("excluded").is_some() {
            Outcome::Excluded
        } else if self.kw("denominator").is_some() {
            Outcome::Denominator
        } else if self.kw("numerator").is_some() {
            Outcome::Numerator
        } else {
            self.kw("adjusted")?;
            self.ws();
            Outcome::Adjusted(self.category()?)
        };
        let outcome_span = Span::new(o, self.pos);
        self.ws();
        let mut stratum = None;
        if self.kw("in").is_some() {
            self.ws();
            self.kw("stratum")?;
            self.ws();
            stratum = Some(self.name()?);
        }
        expects.push(Expect {
            indicator,
            outcome,
            outcome_span,
            stratum,
            span: Span::new(s, self.pos),
        });
        Some(())
    }

    /// A built-in category after `adjusted`, or none when a statement or the block's end
    /// follows; `None` (decline) for anything else, custom categories included.
    fn category(&mut self) -> Option<Option<Category>> {
        let words: &[(&[&str], Category)] = &[
            (&["unsuitable"], Category::Unsuitable),
            (&["chose", "not", "to"], Category::ChoseNotTo),
            (&["no", "response"], Category::NoResponse),
            (&["service", "unavailable"], Category::ServiceUnavailable),
            (&["new", "patient"], Category::NewPatient),
        ];
        for (ws, cat) in words {
            if self.at_kw(ws[0]) {
                for (i, w) in ws.iter().enumerate() {
                    if i > 0 {
                        self.ws();
                    }
                    self.kw(w)?;
                }
                return Some(Some(cat.clone()));
            }
        }
        if matches!(self.peek(), Some(b'}' | b',' | b';')) || self.at_kw("expect") {
            return Some(None);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_with_pest;
    use crate::syntax::parse;

    fn same(text: &str) {
        let fast = parse(text, 3);
        let slow = parse_with_pest(text, 3);
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "the two parses differ on:\n{text}");
    }

    #[test]
    fn the_fast_path_reads_every_shipped_scheme_as_pest_does() {
        for (path, text) in crate::shipped::SCHEMES {
            let (file, diags) = parse(text, 0);
            assert!(diags.is_empty(), "{path}");
            assert!(file.items.iter().any(|i| matches!(i, crate::syntax::ast::Item::Test(_))));
            same(text);
        }
    }

    #[test]
    fn the_fast_path_reads_nearly_every_shipped_test_itself() {
        // declining is always safe, so only a test like this one notices a reader that
        // declines everything (and the speed is lost)
        let (mut tests, mut read) = (0, 0);
        for (_, text) in crate::shipped::SCHEMES {
            for (start, end) in super::chunks(text) {
                if text[start..].starts_with("test ") {
                    tests += 1;
                    read += usize::from(super::Reader::new(text, start, end).test().is_some());
                }
            }
        }
        assert!(tests > 1000 && read * 100 >= tests * 97, "{read} of {tests} tests read by hand");
    }

    #[test]
    fn the_fast_path_agrees_with_pest_on_mutated_tests() {
        // A small deterministic generator (xorshift), so a failure is reproducible.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n.max(1) as u64) as usize
        };
        let pieces = [
            " ",
            "\n",
            "{",
            "}",
            ",",
            ";",
            "\"",
            "\\",
            "//",
            "£",
            "-",
            ".",
            "0",
            "9",
            "expect ",
            "patient ",
            "adjusted ",
            "value ",
            "on ",
            "in stratum ",
            "\u{FEFF}",
            "x",
            "Z",
            "test",
            "2019-02-30",
            "2020-01-01",
            "chose not to",
            "unsuitable",
            "points 1.5",
            "{N}",
        ];
        let text = crate::shipped::SCHEMES
            .iter()
            .find(|(p, _)| p.contains("qof-2019-20.qof"))
            .map(|(_, t)| *t)
            .unwrap_or_default();
        // the test blocks of the scheme, each mutated alone after a header that defines nothing
        let tests: Vec<&str> = text.split("\ntest ").skip(1).take(120).collect();
        assert!(tests.len() > 100);
        for t in &tests {
            for _ in 0..10 {
                let mut s =
                    format!("scheme x \"X\" {{\n  period 2019-04-01 to 2020-03-31\n}}\n\ntest {t}");
                let edits = 1 + next(3);
                for _ in 0..edits {
                    let mut at = 40 + next(s.len().saturating_sub(40));
                    while !s.is_char_boundary(at) {
                        at -= 1;
                    }
                    match next(3) {
                        0 => s.insert_str(at, pieces[next(pieces.len())]),
                        1 => {
                            let mut e = (at + 1 + next(4)).min(s.len());
                            while !s.is_char_boundary(e) {
                                e += 1;
                            }
                            s.replace_range(at..e, "");
                        }
                        _ => {
                            let mut e = (at + 1 + next(6)).min(s.len());
                            while !s.is_char_boundary(e) {
                                e += 1;
                            }
                            s.replace_range(at..e, pieces[next(pieces.len())]);
                        }
                    }
                }
                same(&s);
            }
        }
    }
}
