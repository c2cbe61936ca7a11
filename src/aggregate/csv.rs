//! The aggregate readers' view of a CSV text: records of `&str` fields, each knowing the line
//! it starts on, over the population readers' byte tokenizer (`population::csv`, RFC 4180:
//! quoted fields with `""` escapes and embedded commas and line breaks, LF or CRLF line ends,
//! a leading byte-order mark). Never panics.

use std::borrow::Cow;

use super::DataError;
use crate::population::csv::{Records, SyntaxErrorKind};

/// One record: its fields and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// 1-based line number of the record's first character.
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<Cow<'a, str>>,
}

/// Iterates over the records of a CSV text; blank lines are skipped.
pub struct Reader<'a> {
    records: Records<'a>,
    buf: Vec<Cow<'a, [u8]>>,
    file: &'a str,
    done: bool,
}

impl<'a> Reader<'a> {
    /// A reader over `text`, naming `file` in errors.
    pub fn new(text: &'a str, file: &'a str) -> Reader<'a> {
        Reader { records: Records::new(text.as_bytes()), buf: Vec::new(), file, done: false }
    }
}

/// A field of a `&str` as text. The tokenizer splits only at ASCII bytes, so every field of
/// valid UTF-8 is valid UTF-8; the lossy branch is never taken.
fn as_text(f: Cow<'_, [u8]>) -> Cow<'_, str> {
    match f {
        Cow::Borrowed(b) => String::from_utf8_lossy(b),
        Cow::Owned(v) => match String::from_utf8(v) {
            Ok(s) => Cow::Owned(s),
            Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        },
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<Record<'a>, DataError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.records.next_into(&mut self.buf) {
            Ok(Some(line)) => {
                Some(Ok(Record { line, fields: self.buf.drain(..).map(as_text).collect() }))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true; // stop after an error
                Some(Err(match e.kind {
                    SyntaxErrorKind::Unclosed { quote_line } => DataError::at(
                        self.file,
                        quote_line,
                        None,
                        "unterminated quoted field".to_string(),
                    )
                    .help("close the field with `\"`; write a quote inside a field as `\"\"`"),
                    SyntaxErrorKind::AfterQuote { field } => DataError::at(
                        self.file,
                        e.row,
                        None,
                        format!("unexpected text after the closing quote of field {field}"),
                    )
                    .help("put a comma after the closing quote, or quote the whole field"),
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<(usize, Vec<String>)> {
        Reader::new(text, "t.csv")
            .map(|r| {
                let r = r.unwrap();
                (r.line, r.fields.into_iter().map(|f| f.into_owned()).collect())
            })
            .collect()
    }

    #[test]
    fn quoted_fields_and_line_numbers() {
        let t = "\u{feff}\"A\",\"B\"\r\n\"x,1\",\"say \"\"hi\"\"\"\n\n\"two\nlines\",3\nlast,\n";
        assert_eq!(
            all(t),
            vec![
                (1, vec!["A".into(), "B".into()]),
                (2, vec!["x,1".into(), "say \"hi\"".into()]),
                (4, vec!["two\nlines".into(), "3".into()]),
                (6, vec!["last".into(), "".into()]),
            ]
        );
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        let e = Reader::new("a,b\n1,\"oops\n", "t.csv").nth(1).unwrap().unwrap_err();
        assert_eq!(e.to_string(), "`t.csv` line 2: unterminated quoted field\n  help: close the field with `\"`; write a quote inside a field as `\"\"`");
    }

    #[test]
    fn text_after_closing_quote_is_an_error() {
        let e = Reader::new("\"a\"b,c\n", "t.csv").next().unwrap().unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.starts_with("unexpected text after the closing quote"));
    }
}
