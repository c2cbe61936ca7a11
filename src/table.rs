//! The located-field table reader shared by the population CSV files (`practices.csv`,
//! `patients.csv`, `events.csv`) and the aggregate files (achievement, prevalence, practice
//! structure, historic achievement, attested items): a header looked up by column name, rows
//! with their 1-based row number (the line on which the record starts; the header is row 1),
//! fields with their column, typed field parsing, and the one error type of every data file,
//! [`DataError`] (file, row, column, message, help). It reads bytes through the RFC 4180
//! tokenizer of `population::csv` and does no I/O.
//!
//! Two kinds of header: *closed* ([`Table::closed_header`], the population files: every column
//! is one of those expected, each once, and every row has one field per column, all problems
//! reported) and *open* ([`Table::open_header`], NHS Digital's published files: other columns
//! are ignored, a column may go by several names, a row may end with empty fields a
//! spreadsheet added, and the first problem stops the read).
//!
//! The hot path of `events.csv` (`population/read.rs`) splits its lines itself and takes only
//! the header, the field parsers on bytes ([`date`], [`snomed_code`], [`value`]) and the error
//! helpers from here: none of them allocates unless a field is wrong.

use std::borrow::Cow;

use rust_decimal::Decimal;

use crate::date::Date;
use crate::diag::{Code, Diagnostic, Location, Severity};
use crate::population::csv::{Records, SyntaxError};

/// One problem in one place of a data file (population or aggregate).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{file}`{}{}: {message}{}", row_suffix(.row), column_suffix(.column), help_suffix(.help))]
pub struct DataError {
    /// The file name as given by the caller (e.g. `events.csv`).
    pub file: String,
    /// 1-based row (CSV: the line on which the record starts; NDJSON: the line); `None` when
    /// no row is to blame (an empty file).
    pub row: Option<usize>,
    /// The column (CSV) or field (NDJSON) at fault.
    pub column: Option<String>,
    /// What is wrong, lowercase, user input in backticks.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl DataError {
    pub(crate) fn new(file: &str, row: Option<usize>, message: impl Into<String>) -> Self {
        DataError { file: file.to_string(), row, column: None, message: message.into(), help: None }
    }

    pub(crate) fn column(mut self, column: &str) -> Self {
        self.column = Some(column.to_string());
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Where the error is: `events.csv, row 3, column `date``.
    pub fn location(&self) -> String {
        let mut s = self.file.clone();
        if let Some(row) = self.row {
            s.push_str(&format!(", row {row}"));
        }
        if let Some(col) = &self.column {
            s.push_str(&format!(", column `{col}`"));
        }
        s
    }

    /// The full report, as the CLI prints every diagnostic ([`crate::diag::render`]): the
    /// message, a `-->` line with the file, row and column, and the help.
    pub fn render(&self) -> String {
        crate::diag::render(&Diagnostic::from(self), "", "").trim_end().to_string()
    }
}

fn row_suffix(row: &Option<usize>) -> String {
    row.map(|r| format!(" line {r}")).unwrap_or_default()
}

fn column_suffix(column: &Option<String>) -> String {
    column.as_ref().map(|c| format!(", column `{c}`")).unwrap_or_default()
}

fn help_suffix(help: &Option<String>) -> String {
    help.as_ref().map(|h| format!("\n  help: {h}")).unwrap_or_default()
}

impl From<&DataError> for Diagnostic {
    /// A `bad-data` error at the file, row and column.
    fn from(e: &DataError) -> Diagnostic {
        Diagnostic::at(
            Severity::Error,
            Code::BadData,
            Location::Row { file: e.file.clone(), row: e.row, column: e.column.clone() },
            e.message.clone(),
        )
        .with_optional_help(e.help.clone())
    }
}

/// A problem with the CSV structure itself, at its row.
pub(crate) fn syntax_error(file: &str, e: &SyntaxError) -> DataError {
    DataError::new(file, Some(e.row), e.message()).help(e.help())
}

/// A record whose number of fields is not the header's (closed tables).
pub(crate) fn width_error(file: &str, row: usize, width: usize, got: usize) -> DataError {
    DataError::new(file, Some(row), format!("expected {width} fields, found {got}"))
        .help("every row has one field per header column; quote fields that contain commas, e.g. `\"Smith, Jones and Partners\"`")
}

/// A column a table reads: the names it goes by, any case (the first is the one messages
/// use), and whether the file must have it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Col<'s> {
    pub names: &'s [&'s str],
    pub required: bool,
}

impl<'s> Col<'s> {
    /// A column the file must have.
    pub const fn required(names: &'s [&'s str]) -> Self {
        Col { names, required: true }
    }

    /// A column the file may leave out.
    pub const fn optional(names: &'s [&'s str]) -> Self {
        Col { names, required: false }
    }

    fn name(&self) -> &'s str {
        self.names.first().copied().unwrap_or("")
    }

    fn matches(&self, header: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(header))
    }
}

/// The columns' names, each in backticks: `` `a`, `b` ``.
fn list(wanted: &[Col<'_>]) -> String {
    wanted.iter().map(|c| format!("`{}`", c.name())).collect::<Vec<_>>().join(", ")
}

/// The index of each wanted column in the file, in the order wanted.
pub(crate) type Columns = Vec<Option<usize>>;

/// The indexes of `N` columns; a column the file lacks (only an optional one) is 0.
pub(crate) fn indexes<const N: usize>(columns: &[Option<usize>]) -> [usize; N] {
    std::array::from_fn(|i| columns.get(i).copied().flatten().unwrap_or(0))
}

/// A CSV table being read: its header, then its rows.
pub(crate) struct Table<'a> {
    file: &'a str,
    records: Records<'a>,
    fields: Vec<Cow<'a, [u8]>>,
    /// The name of each column of the header, as errors show it.
    names: Vec<String>,
    row: usize,
    done: bool,
}

impl<'a> Table<'a> {
    /// A table over `data`, naming `file` in errors.
    pub fn new(file: &'a str, data: &'a [u8]) -> Self {
        Table {
            file,
            records: Records::new(data),
            fields: Vec::new(),
            names: Vec::new(),
            row: 0,
            done: false,
        }
    }

    /// Reads a closed header (see the module's text): every problem is returned. Errors show
    /// a column by the first of its names.
    pub fn closed_header(&mut self, wanted: &[Col<'_>]) -> Result<Columns, Vec<DataError>> {
        let file = self.file;
        let row = match self.records.next_into(&mut self.fields) {
            Ok(Some(row)) => row,
            Ok(None) => {
                return Err(vec![DataError::new(file, None, "the file is empty")
                    .help(format!("the first row names the columns: {}", list(wanted)))])
            }
            Err(e) => return Err(vec![syntax_error(file, &e)]),
        };
        let mut idx = vec![None; wanted.len()];
        let mut errors = Vec::new();
        self.names.clear();
        for (i, f) in self.fields.iter().enumerate() {
            let name = String::from_utf8_lossy(f);
            let name = name.trim();
            match wanted.iter().position(|c| c.matches(name)) {
                Some(j) if idx[j].is_none() => {
                    idx[j] = Some(i);
                    self.names.push(wanted[j].name().to_string());
                    continue;
                }
                Some(_) => errors.push(
                    DataError::new(file, Some(row), format!("column `{name}` appears twice"))
                        .help("name each column once"),
                ),
                None => errors.push(
                    DataError::new(file, Some(row), format!("unknown column `{}`", show(f)))
                        .help(format!("the columns are {}", list(wanted))),
                ),
            }
            self.names.push(name.to_string());
        }
        for (j, c) in wanted.iter().enumerate() {
            if c.required && idx[j].is_none() {
                errors.push(
                    DataError::new(file, Some(row), format!("missing column `{}`", c.name()))
                        .help(format!("the columns are {}", list(wanted))),
                );
            }
        }
        if errors.is_empty() {
            Ok(idx)
        } else {
            Err(errors)
        }
    }

    /// Reads an open header (see the module's text): the first problem is returned. Errors
    /// show a column by its name in the header, in capitals.
    pub fn open_header(&mut self, wanted: &[Col<'_>]) -> Result<Columns, DataError> {
        let file = self.file;
        let row = match self.records.next_into(&mut self.fields) {
            Ok(Some(row)) => row,
            Ok(None) => {
                return Err(DataError::new(file, Some(1), "the file is empty")
                    .help(format!("expected a header line with the columns {}", list(wanted))))
            }
            Err(e) => return Err(syntax_error(file, &e)),
        };
        self.names =
            self.fields.iter().map(|f| String::from_utf8_lossy(f).trim().to_uppercase()).collect();
        let mut idx = Vec::with_capacity(wanted.len());
        for c in wanted {
            let found = self.names.iter().position(|n| c.matches(n));
            if found.is_none() && c.required {
                let names = self.names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>();
                return Err(DataError::new(
                    file,
                    Some(row),
                    format!("missing column `{}`", c.name()),
                )
                .help(format!(
                    "the header has {}; expected the columns {}",
                    names.join(", "),
                    list(wanted)
                )));
            }
            idx.push(found);
        }
        Ok(idx)
    }

    /// The number of columns of the header.
    pub fn width(&self) -> usize {
        self.names.len()
    }

    /// Column `col`'s name, as errors show it.
    pub fn name(&self, col: usize) -> &str {
        self.names.get(col).map(String::as_str).unwrap_or("")
    }

    /// The position of the next unread byte.
    pub fn position(&self) -> usize {
        self.records.position()
    }

    /// The 1-based line of the next unread byte.
    pub fn line(&self) -> usize {
        self.records.line()
    }

    /// Reads the next record (see [`Table::row`]); returns its row, `None` at the end. A
    /// syntax error ends the table.
    pub fn advance(&mut self) -> Result<Option<usize>, DataError> {
        if self.done {
            return Ok(None);
        }
        match self.records.next_into(&mut self.fields) {
            Ok(Some(row)) => {
                self.row = row;
                Ok(Some(row))
            }
            Ok(None) => {
                self.done = true;
                Ok(None)
            }
            Err(e) => {
                self.done = true;
                Err(syntax_error(self.file, &e))
            }
        }
    }

    /// The record [`Table::advance`] read last.
    pub fn row(&self) -> Row<'_> {
        Row { file: self.file, line: self.row, names: &self.names, fields: &self.fields }
    }

    /// The next record, `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>, DataError> {
        Ok(self.advance()?.map(|_| self.row()))
    }
}

/// One record of a [`Table`]: its fields, each read with its column's name in any error.
pub(crate) struct Row<'t> {
    pub file: &'t str,
    /// The 1-based line on which the record starts.
    pub line: usize,
    names: &'t [String],
    fields: &'t [Cow<'t, [u8]>],
}

impl<'t> Row<'t> {
    /// Column `col`'s name, as errors show it.
    pub fn name(&self, col: usize) -> &'t str {
        self.names.get(col).map(String::as_str).unwrap_or("")
    }

    /// Where field `col` is.
    pub fn at(&self, col: usize) -> At<'t> {
        At { file: self.file, row: self.line, column: self.name(col) }
    }

    /// An error at field `col`.
    pub fn error(&self, col: usize, message: impl Into<String>) -> DataError {
        self.at(col).error(message)
    }

    /// An error at this row, no column to blame.
    pub fn error_here(&self, message: impl Into<String>) -> DataError {
        DataError::new(self.file, Some(self.line), message)
    }

    /// Checks that the record has one field per column (closed tables).
    pub fn check_width(&self) -> Result<(), DataError> {
        let (width, got) = (self.names.len(), self.fields.len());
        if got == width {
            return Ok(());
        }
        Err(width_error(self.file, self.line, width, got))
    }

    /// Field `col`'s bytes. A record with fewer fields than the header is an error when a
    /// missing field is read; one with more is an error unless the extra fields are all
    /// empty (a trailing comma some spreadsheets write): `DENOMINATOR,1,040` used to be read
    /// as 1.
    pub fn bytes(&self, col: usize) -> Result<&'t [u8], DataError> {
        let width = self.names.len();
        let fields = self.fields;
        if fields.len() > width {
            let blank = |f: &[u8]| String::from_utf8_lossy(f).trim().is_empty();
            if let Some(k) = fields.iter().skip(width).position(|f| !blank(f)) {
                let extra = width + k;
                let shown =
                    fields.get(extra).map(|f| String::from_utf8_lossy(f).trim().to_string());
                // the field before the first extra one is most likely where a comma split a number
                return Err(self
                    .error(
                        width.saturating_sub(1),
                        format!(
                            "expected {width} fields, found {}: field {} (`{}`) has no column",
                            fields.len(),
                            extra + 1,
                            shown.unwrap_or_default()
                        ),
                    )
                    .help("a number with a thousands separator such as `1,040` is read as two fields: write it as `1040` or quote it as `\"1,040\"`"));
            }
        }
        match fields.get(col) {
            Some(f) => Ok(f),
            None => Err(self
                .error_here(format!("expected {width} fields, found {}", fields.len()))
                .help("every line needs as many fields as the header")),
        }
    }

    /// Field `col` as text, as written.
    pub fn text(&self, col: usize) -> Result<&'t str, DataError> {
        let b = self.bytes(col)?;
        std::str::from_utf8(b).map_err(|_| {
            self.error(col, "the text is not valid UTF-8").help("save the file as UTF-8")
        })
    }

    /// Field `col` as text, without surrounding spaces.
    pub fn field(&self, col: usize) -> Result<&'t str, DataError> {
        Ok(self.text(col)?.trim())
    }

    /// An id of the population files (as written): not blank.
    pub fn id(&self, col: usize) -> Result<&'t str, DataError> {
        let s = self.text(col)?;
        if s.trim().is_empty() {
            let name = self.name(col);
            return Err(self
                .error(col, format!("`{name}` is empty"))
                .help("every row needs an id"));
        }
        Ok(s)
    }

    /// A code of the aggregate files (practice, indicator, group, year, item), trimmed: not
    /// empty.
    pub fn key(&self, col: usize) -> Result<&'t str, DataError> {
        let v = self.field(col)?;
        if v.is_empty() {
            return Err(self.error(col, "empty code").help("every row needs a code here"));
        }
        Ok(v)
    }

    /// A count of patients: a whole number, possibly written with a zero fraction.
    pub fn count(&self, col: usize) -> Result<u32, DataError> {
        let v = self.field(col)?;
        parse_count(v).ok_or_else(|| {
            self.error(col, format!("expected a whole number of patients, found `{v}`"))
                .help("counts are whole numbers from 0 to 4294967295, e.g. `42` or `42.0`")
        })
    }

    /// An exact decimal; `None` when the field is empty.
    pub fn decimal(&self, col: usize) -> Result<Option<Decimal>, DataError> {
        let v = self.field(col)?;
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<Decimal>().map(Some).map_err(|_| {
            self.error(col, format!("expected a number, found `{v}`")).help(
                "write numbers with a decimal point and no thousands separators, e.g. `1234.56`",
            )
        })
    }

    /// A date, required.
    pub fn date(&self, col: usize) -> Result<Date, DataError> {
        date(self.at(col), self.bytes(col)?)
    }

    /// A date; `None` when the field is empty.
    pub fn optional_date(&self, col: usize) -> Result<Option<Date>, DataError> {
        let b = self.bytes(col)?;
        if b.is_empty() {
            return Ok(None);
        }
        date(self.at(col), b).map(Some)
    }
}

/// A field's place, for its errors.
#[derive(Clone, Copy, Debug)]
pub(crate) struct At<'a> {
    pub file: &'a str,
    pub row: usize,
    pub column: &'a str,
}

impl At<'_> {
    /// An error at this field.
    pub fn error(self, message: impl Into<String>) -> DataError {
        DataError::new(self.file, Some(self.row), message).column(self.column)
    }
}

pub(crate) const DATE_HELP: &str = "dates are written YYYY-MM-DD, e.g. `2019-04-01`";
pub(crate) const CODE_HELP: &str =
    "codes are SNOMED CT concept ids: 6 to 18 digits without a leading zero, e.g. `73211009`";
const VALUE_HELP: &str = "values are decimal numbers such as `48` or `5.2`; leave the field empty when the code has no value";

/// A required date, `YYYY-MM-DD`.
#[inline]
pub(crate) fn date(at: At<'_>, b: &[u8]) -> Result<Date, DataError> {
    Date::parse_bytes(b).ok_or_else(|| {
        let msg = if b.is_empty() {
            "a date is required".to_string()
        } else {
            format!("`{}` is not a date", show(b))
        };
        at.error(msg).help(DATE_HELP)
    })
}

/// A required SNOMED CT concept id.
#[inline]
pub(crate) fn snomed_code(at: At<'_>, b: &[u8]) -> Result<u64, DataError> {
    parse_code(b).ok_or_else(|| {
        let msg = if b.is_empty() {
            "a code is required".to_string()
        } else {
            format!("`{}` is not a SNOMED CT code", show(b))
        };
        at.error(msg).help(CODE_HELP)
    })
}

/// An event's value; `None` when the field is empty.
#[inline]
pub(crate) fn value(at: At<'_>, b: &[u8]) -> Result<Option<f64>, DataError> {
    if b.is_empty() {
        return Ok(None);
    }
    match parse_value(b) {
        Some(v) => Ok(Some(v)),
        None => Err(at.error(format!("`{}` is not a number", show(b))).help(VALUE_HELP)),
    }
}

/// Shows user text in a message: lossy UTF-8, backticks replaced, shortened when long.
pub(crate) fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let s = s.replace('`', "'");
    if s.chars().count() > 40 {
        let mut t: String = s.chars().take(40).collect();
        t.push('…');
        t
    } else {
        s
    }
}

/// A whole number, possibly written with a zero fraction (`12`, `12.0`, `12.00`).
fn parse_count(v: &str) -> Option<u32> {
    if let Ok(n) = v.parse::<u32>() {
        return Some(n);
    }
    let (int, frac) = v.split_once('.')?;
    if frac.is_empty() || !frac.bytes().all(|b| b == b'0') {
        return None;
    }
    int.parse::<u32>().ok()
}

/// A SNOMED CT concept id: 6 to 18 digits, no leading zero.
pub(crate) fn parse_code(b: &[u8]) -> Option<u64> {
    if b.len() < 6 || b.len() > 18 || b[0] == b'0' {
        return None;
    }
    // The leading digits one at a time, then eight at a time.
    let lead = b.len() % 8;
    let mut v = 0u64;
    for &c in &b[..lead] {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    for chunk in b[lead..].chunks_exact(8) {
        v = v * 100_000_000 + eight_digits(chunk)?;
    }
    Some(v)
}

/// The value of eight ASCII digits (`None` if any byte is not a digit), computed in one
/// machine word: check every byte is `0x30..=0x39`, then combine pairs, quads and halves.
fn eight_digits(chunk: &[u8]) -> Option<u64> {
    const LOW: u64 = 0x3030_3030_3030_3030;
    const NIBBLES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    let mut w = [0u8; 8];
    w.copy_from_slice(chunk.get(..8)?);
    let w = u64::from_le_bytes(w);
    // A byte is a digit when its high nibble is 3, and still 3 after adding 6 (no byte can
    // carry into the next once the first test has passed).
    if w & NIBBLES != LOW || w.wrapping_add(0x0606_0606_0606_0606) & NIBBLES != LOW {
        return None;
    }
    let v = (w & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(2561) >> 8;
    let v = (v & 0x00FF_00FF_00FF_00FF).wrapping_mul(6_553_601) >> 16;
    Some((v & 0x0000_FFFF_0000_FFFF).wrapping_mul(42_949_672_960_001) >> 32)
}

fn parse_value(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?.trim();
    // Only plain decimal notation: digits, one point, optional sign and exponent.
    if s.is_empty()
        || !s.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain reading of a code: digit by digit.
    fn slow_code(b: &[u8]) -> Option<u64> {
        if b.len() < 6 || b.len() > 18 || b[0] == b'0' || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        b.iter().try_fold(0u64, |v, &c| Some(v * 10 + u64::from(c - b'0')))
    }

    #[test]
    fn codes_parse_like_digit_by_digit() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let odd = b"0123456789/:\x00 \xff\xb0\x39\x3f\x40";
        for len in 0..21 {
            for _ in 0..3000 {
                let b: Vec<u8> = (0..len)
                    .map(|_| {
                        let r = next();
                        if r % 16 == 0 {
                            odd[(r / 16 % odd.len() as u64) as usize]
                        } else {
                            b'0' + (r / 16 % 10) as u8
                        }
                    })
                    .collect();
                assert_eq!(parse_code(&b), slow_code(&b), "{b:?}");
            }
        }
        assert_eq!(parse_code(b"999999999999999999"), Some(999_999_999_999_999_999));
        assert_eq!(parse_code(b"1091811000000102"), Some(1_091_811_000_000_102));
        assert_eq!(parse_code(b"100000"), Some(100_000));
    }

    #[test]
    fn counts_accept_zero_fractions_only() {
        assert_eq!(parse_count("12"), Some(12));
        assert_eq!(parse_count("12.00"), Some(12));
        assert_eq!(parse_count("12.5"), None);
        assert_eq!(parse_count("-1"), None);
        assert_eq!(parse_count("12."), None);
        assert_eq!(parse_count(""), None);
    }

    const WANTED: [Col<'static>; 3] = [
        Col::required(&["practice_id", "PRACTICE_CODE"]),
        Col::required(&["date"]),
        Col::optional(&["value"]),
    ];

    #[test]
    fn a_closed_header_reports_every_problem_at_its_row() {
        let mut t = Table::new("t.csv", b"\n\nDATE,date,colour\n");
        let errors = t.closed_header(&WANTED).unwrap_err();
        let got: Vec<(Option<usize>, &str)> =
            errors.iter().map(|e| (e.row, e.message.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Some(3), "column `date` appears twice"),
                (Some(3), "unknown column `colour`"),
                (Some(3), "missing column `practice_id`"),
            ]
        );
        let e = Table::new("t.csv", b"").closed_header(&WANTED).unwrap_err();
        assert_eq!((e[0].row, e[0].message.as_str()), (None, "the file is empty"));
    }

    #[test]
    fn rows_name_their_line_and_the_column_of_a_bad_field() {
        let data = b"Practice_Code , date\nA1,2019-04-01\n\n\"B\n2\",2019-02-30\nC\n";
        let mut t = Table::new("t.csv", data);
        let ix = t.closed_header(&WANTED).unwrap();
        assert_eq!(ix, vec![Some(0), Some(1), None]);
        let [p, d, _] = indexes::<3>(&ix);
        let row = t.next_row().unwrap().unwrap();
        assert_eq!((row.line, row.id(p).unwrap()), (2, "A1"));
        assert_eq!(row.date(d).unwrap().to_string(), "2019-04-01");
        let row = t.next_row().unwrap().unwrap();
        assert_eq!((row.line, row.id(p).unwrap()), (4, "B\n2"));
        let e = row.date(d).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`t.csv` line 4, column `date`: `2019-02-30` is not a date\n  help: dates are written YYYY-MM-DD, e.g. `2019-04-01`"
        );
        let row = t.next_row().unwrap().unwrap();
        assert_eq!(row.check_width().unwrap_err().message, "expected 2 fields, found 1");
        assert!(t.next_row().unwrap().is_none());
    }

    #[test]
    fn an_open_header_ignores_other_columns_and_reads_rows_leniently() {
        let data = b"YEAR,practice_code,DATE\nx,A, 2019-04-01 ,,\ny,B,1,040\nz\n";
        let mut t = Table::new("t.csv", data);
        let ix = t.open_header(&WANTED).unwrap();
        assert_eq!(ix, vec![Some(1), Some(2), None]);
        let row = t.next_row().unwrap().unwrap();
        assert_eq!((row.key(1).unwrap(), row.field(2).unwrap()), ("A", "2019-04-01"));
        let row = t.next_row().unwrap().unwrap();
        let e = row.key(1).unwrap_err();
        assert_eq!((e.row, e.column.as_deref()), (Some(3), Some("DATE")));
        assert_eq!(e.message, "expected 3 fields, found 4: field 4 (`040`) has no column");
        let row = t.next_row().unwrap().unwrap();
        assert_eq!(row.key(0).unwrap(), "z");
        assert_eq!(row.key(1).unwrap_err().message, "expected 3 fields, found 1");
        let e = Table::new("t.csv", b"date\n").open_header(&WANTED).unwrap_err();
        assert_eq!(e.to_string(), "`t.csv` line 1: missing column `practice_id`\n  help: the header has `DATE`; expected the columns `practice_id`, `date`, `value`");
    }

    #[test]
    fn a_syntax_error_ends_the_table() {
        let mut t = Table::new("t.csv", b"a\n\"x\"y\nb\n");
        t.open_header(&[Col::required(&["a"])]).unwrap();
        let e = t.next_row().err().unwrap();
        assert_eq!((e.row, e.message.as_str()), (Some(2), "unexpected text after a closing quote"));
        assert!(t.next_row().unwrap().is_none());
    }

    #[test]
    fn field_parsers_allocate_nothing_when_right_and_locate_what_is_wrong() {
        let at = At { file: "events.csv", row: 7, column: "code" };
        assert_eq!(snomed_code(at, b"73211009").unwrap(), 73_211_009);
        let e = snomed_code(at, b"0123").unwrap_err();
        assert_eq!(e.location(), "events.csv, row 7, column `code`");
        assert_eq!(e.message, "`0123` is not a SNOMED CT code");
        assert_eq!(snomed_code(at, b"").unwrap_err().message, "a code is required");
        assert_eq!(value(at, b"").unwrap(), None);
        assert_eq!(value(at, b"5.2").unwrap(), Some(5.2));
        assert_eq!(value(at, b"1e999").unwrap_err().message, "`1e999` is not a number");
    }
}
