//! A byte-level RFC 4180 CSV tokenizer.
//!
//! Fields are borrowed slices of the input; only a quoted field containing a doubled quote
//! (`""`) is copied. The caller passes one reusable `Vec` for the fields of each record, so
//! reading a file allocates nothing per record once that vector has grown.
//!
//! Accepted beyond the RFC: `\n` or `\r\n` line ends, a UTF-8 byte-order mark, blank lines
//! (skipped), a final record without a line end, and a stray quote inside an unquoted field
//! (kept literally).

use std::borrow::Cow;

/// One problem with the CSV structure itself (not with a field's content).
#[derive(Debug)]
pub(crate) struct SyntaxError {
    /// The 1-based line the problem is reported on: the record's first line for an
    /// unclosed quote, the line of the closing quote for text after it.
    pub row: usize,
    pub kind: SyntaxErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyntaxErrorKind {
    /// A quoted field runs to the end of the input; `quote_line` is where it opens.
    Unclosed { quote_line: usize },
    /// Text follows a closing quote; `field` is the 1-based field of the record.
    AfterQuote { field: usize },
}

impl SyntaxError {
    pub fn message(&self) -> &'static str {
        match self.kind {
            SyntaxErrorKind::Unclosed { .. } => "a quoted field is never closed",
            SyntaxErrorKind::AfterQuote { .. } => "unexpected text after a closing quote",
        }
    }

    pub fn help(&self) -> &'static str {
        match self.kind {
            SyntaxErrorKind::Unclosed { .. } => {
                "close the field with `\"`; write a quote inside a quoted field as `\"\"`"
            }
            SyntaxErrorKind::AfterQuote { .. } => {
                "a quoted field ends with `\"` followed by a comma or the end of the line; \
                 write a quote inside a quoted field as `\"\"`"
            }
        }
    }
}

/// Iterates over the records of a CSV file.
pub(crate) struct Records<'a> {
    data: &'a [u8],
    pos: usize,
    /// 1-based line number of `pos`.
    line: usize,
}

impl<'a> Records<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        let pos = if data.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        Records { data, pos, line: 1 }
    }

    /// Records of `data` from `pos` on, counting lines from 1 there (no byte-order mark is
    /// looked for): one stretch of a file split at line ends for parallel reading.
    pub fn stretch(data: &'a [u8], pos: usize) -> Self {
        Records { data, pos, line: 1 }
    }

    /// The position of the next unread byte.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The 1-based line of the next unread byte.
    pub fn line(&self) -> usize {
        self.line
    }

    /// Reads the next record into `fields` (cleared first). Returns the 1-based line on which
    /// the record starts (the header is row 1), or `None` at the end of the input.
    pub fn next_into(
        &mut self,
        fields: &mut Vec<Cow<'a, [u8]>>,
    ) -> Result<Option<usize>, SyntaxError> {
        let data = self.data;
        let len = data.len();
        // Skip blank lines.
        loop {
            if self.pos >= len {
                return Ok(None);
            }
            match data[self.pos] {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                }
                b'\r' if data.get(self.pos + 1) == Some(&b'\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                _ => break,
            }
        }
        let row = self.line;
        fields.clear();
        loop {
            if self.pos >= len {
                // The record ended with a comma at the very end of the input.
                fields.push(Cow::Borrowed(&data[len..]));
                return Ok(Some(row));
            }
            if data[self.pos] == b'"' {
                let (field, end) = self.quoted(row)?;
                fields.push(field);
                self.pos = end;
                if self.pos >= len {
                    return Ok(Some(row));
                }
                match data[self.pos] {
                    b',' => self.pos += 1,
                    b'\n' => {
                        self.pos += 1;
                        self.line += 1;
                        return Ok(Some(row));
                    }
                    b'\r' if data.get(self.pos + 1) == Some(&b'\n') => {
                        self.pos += 2;
                        self.line += 1;
                        return Ok(Some(row));
                    }
                    _ => {
                        return Err(SyntaxError {
                            row: self.line,
                            kind: SyntaxErrorKind::AfterQuote { field: fields.len() },
                        })
                    }
                }
            } else {
                match find_separator(&data[self.pos..]) {
                    None => {
                        let mut field = &data[self.pos..];
                        if let [rest @ .., b'\r'] = field {
                            field = rest;
                        }
                        fields.push(Cow::Borrowed(field));
                        self.pos = len;
                        return Ok(Some(row));
                    }
                    Some(k) => {
                        let end = self.pos + k;
                        if data[end] == b',' {
                            fields.push(Cow::Borrowed(&data[self.pos..end]));
                            self.pos = end + 1;
                        } else {
                            let mut field = &data[self.pos..end];
                            if let [rest @ .., b'\r'] = field {
                                field = rest;
                            }
                            fields.push(Cow::Borrowed(field));
                            self.pos = end + 1;
                            self.line += 1;
                            return Ok(Some(row));
                        }
                    }
                }
            }
        }
    }

    /// Reads a quoted field starting at `self.pos` (on the opening quote). Returns the field
    /// and the position just after the closing quote.
    fn quoted(&mut self, row: usize) -> Result<(Cow<'a, [u8]>, usize), SyntaxError> {
        let data = self.data;
        let quote_line = self.line;
        let start = self.pos + 1;
        let mut seg = start;
        let mut i = start;
        let mut owned: Option<Vec<u8>> = None;
        loop {
            let Some(k) = memchr::memchr(b'"', &data[i..]) else {
                return Err(SyntaxError { row, kind: SyntaxErrorKind::Unclosed { quote_line } });
            };
            let q = i + k;
            self.line += memchr::memchr_iter(b'\n', &data[i..q]).count();
            if data.get(q + 1) == Some(&b'"') {
                owned.get_or_insert_with(Vec::new).extend_from_slice(&data[seg..=q]);
                i = q + 2;
                seg = i;
            } else {
                let field = match owned {
                    None => Cow::Borrowed(&data[start..q]),
                    Some(mut v) => {
                        v.extend_from_slice(&data[seg..q]);
                        Cow::Owned(v)
                    }
                };
                return Ok((field, q + 1));
            }
        }
    }
}

/// The position of the first comma or line feed in `b`. Fields are short (ids, dates, codes),
/// so eight bytes are tested at a time in a machine word (the "has zero byte" test on `b`
/// xor the separator) rather than through a SIMD search set up per field.
#[inline]
pub(crate) fn find_separator(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let w = u64::from_le_bytes(w);
        let (c, n) = (w ^ (ONES * u64::from(b',')), w ^ (ONES * u64::from(b'\n')));
        // A zero byte of `c` or `n` sets its high bit here; false positives only occur above
        // a true zero byte, so the lowest set bit is the first separator.
        let m = (c.wrapping_sub(ONES) & !c | n.wrapping_sub(ONES) & !n) & HIGHS;
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..].iter().position(|&c| c == b',' || c == b'\n').map(|k| i + k)
}

/// Appends `s` to `out` as a CSV field, quoted only when it must be.
pub(crate) fn push_field(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    let needs_quotes = b.iter().any(|&c| c == b',' || c == b'"' || c == b'\n' || c == b'\r');
    if !needs_quotes {
        out.extend_from_slice(b);
        return;
    }
    out.push(b'"');
    for &c in b {
        if c == b'"' {
            out.push(b'"');
        }
        out.push(c);
    }
    out.push(b'"');
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn all(input: &str) -> Result<Vec<(usize, Vec<String>)>, SyntaxError> {
        let mut r = Records::new(input.as_bytes());
        let mut fields = Vec::new();
        let mut out = Vec::new();
        while let Some(row) = r.next_into(&mut fields)? {
            out.push((
                row,
                fields.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect(),
            ));
        }
        Ok(out)
    }

    #[test]
    fn plain_and_quoted_fields() {
        let got =
            all("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n\n2,,\n3,\"multi\nline\",z").unwrap();
        assert_eq!(
            got,
            vec![
                (1, vec!["a".into(), "b".into(), "c".into()]),
                (2, vec!["1".into(), "x, y".into(), "say \"hi\"".into()]),
                (4, vec!["2".into(), "".into(), "".into()]),
                (5, vec!["3".into(), "multi\nline".into(), "z".into()]),
            ]
        );
    }

    #[test]
    fn bom_and_trailing_comma_at_eof() {
        let got = all("\u{feff}a,b\n1,").unwrap();
        assert_eq!(got[0].1, vec!["a", "b"]);
        assert_eq!(got[1].1, vec!["1", ""]);
    }

    #[test]
    fn unclosed_quote_and_junk_after_quote() {
        let e = all("a\n\"open\n").unwrap_err();
        assert_eq!((e.row, e.message()), (2, "a quoted field is never closed"));
        let e = all("a,b\n\"x\"y,1\n").unwrap_err();
        assert_eq!(e.row, 2);
        assert!(e.message().contains("after a closing quote"));
    }

    /// `per_length` byte strings of each length below 40, drawn from `alphabet` by a fixed
    /// xorshift sequence (the same strings every run).
    pub(crate) fn random_strings(alphabet: &[u8], per_length: usize) -> Vec<Vec<u8>> {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            alphabet[(state % alphabet.len() as u64) as usize]
        };
        (0..40)
            .flat_map(|len| (0..per_length).map(move |_| len))
            .map(|len| (0..len).map(|_| next()).collect())
            .collect()
    }

    #[test]
    fn finds_separators_like_a_byte_search() {
        for b in random_strings(b",\n\r\"a0\x80\xff\x2b\x2d\x0b\x09", 200) {
            assert_eq!(find_separator(&b), memchr::memchr2(b',', b'\n', &b), "{b:?}");
        }
    }

    #[test]
    fn quoting_on_write() {
        let mut out = Vec::new();
        push_field(&mut out, "Smith, Jones & \"Partners\"");
        push_field(&mut out, "plain");
        assert_eq!(String::from_utf8(out).unwrap(), "\"Smith, Jones & \"\"Partners\"\"\"plain");
    }
}
