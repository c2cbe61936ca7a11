//! A small RFC 4180 CSV reader over a `&str`: quoted fields (with `""` escapes and embedded
//! commas and line breaks), LF or CRLF line ends, a leading byte-order mark. Each record knows
//! the line it starts on, for error messages. Never panics.

use std::borrow::Cow;

use super::DataError;

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
    text: &'a str,
    pos: usize,
    line: usize,
    file: &'a str,
}

impl<'a> Reader<'a> {
    /// A reader over `text`, naming `file` in errors.
    pub fn new(text: &'a str, file: &'a str) -> Reader<'a> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Reader { text, pos: 0, line: 1, file }
    }

    fn record(&mut self) -> Result<Option<Record<'a>>, DataError> {
        let bytes = self.text.as_bytes();
        // skip blank lines
        loop {
            match bytes.get(self.pos) {
                None => return Ok(None),
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                }
                Some(b'\r') if bytes.get(self.pos + 1) == Some(&b'\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                _ => break,
            }
        }
        let start_line = self.line;
        let mut fields = Vec::new();
        loop {
            // one field
            if bytes.get(self.pos) == Some(&b'"') {
                let quote_line = self.line;
                self.pos += 1;
                let mut value = String::new();
                let mut seg = self.pos;
                loop {
                    match bytes.get(self.pos) {
                        None => {
                            return Err(DataError::at(
                                self.file,
                                quote_line,
                                None,
                                "unterminated quoted field".to_string(),
                            )
                            .help(
                                "close the field with `\"`; write a quote inside a field as `\"\"`",
                            ))
                        }
                        Some(b'"') => {
                            value.push_str(self.text.get(seg..self.pos).unwrap_or(""));
                            if bytes.get(self.pos + 1) == Some(&b'"') {
                                value.push('"');
                                self.pos += 2;
                                seg = self.pos;
                            } else {
                                self.pos += 1;
                                break;
                            }
                        }
                        Some(b'\n') => {
                            self.line += 1;
                            self.pos += 1;
                        }
                        Some(_) => self.pos += 1,
                    }
                }
                fields.push(Cow::Owned(value));
                // after a closing quote: a separator, a line end or the end
                match bytes.get(self.pos) {
                    Some(b',') => {
                        self.pos += 1;
                        continue;
                    }
                    Some(b'\r') if bytes.get(self.pos + 1) == Some(&b'\n') => {
                        self.pos += 2;
                        self.line += 1;
                        break;
                    }
                    Some(b'\n') => {
                        self.pos += 1;
                        self.line += 1;
                        break;
                    }
                    None => break,
                    Some(_) => {
                        return Err(DataError::at(
                            self.file,
                            self.line,
                            None,
                            format!(
                                "unexpected text after the closing quote of field {}",
                                fields.len()
                            ),
                        )
                        .help("put a comma after the closing quote, or quote the whole field"))
                    }
                }
            } else {
                let start = self.pos;
                while let Some(&b) = bytes.get(self.pos) {
                    if b == b','
                        || b == b'\n'
                        || (b == b'\r' && bytes.get(self.pos + 1) == Some(&b'\n'))
                    {
                        break;
                    }
                    self.pos += 1;
                }
                fields.push(Cow::Borrowed(self.text.get(start..self.pos).unwrap_or("")));
                match bytes.get(self.pos) {
                    Some(b',') => {
                        self.pos += 1;
                        // a trailing comma at the end of the line ends with an empty field
                        continue;
                    }
                    Some(b'\r') => {
                        self.pos += 2;
                        self.line += 1;
                        break;
                    }
                    Some(b'\n') => {
                        self.pos += 1;
                        self.line += 1;
                        break;
                    }
                    _ => break,
                }
            }
        }
        Ok(Some(Record { line: start_line, fields }))
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<Record<'a>, DataError>;
    fn next(&mut self) -> Option<Self::Item> {
        match self.record() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => None,
            Err(e) => {
                self.pos = self.text.len(); // stop after an error
                Some(Err(e))
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
