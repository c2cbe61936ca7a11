//! Code lists read `from "file.csv"`: the codes are the first column, or the column named
//! `code` or `snomed_id` when the first row is a header. Problems point into the CSV file.

use crate::diag::{Code, Diagnostic};
use crate::syntax::ast::Span;

/// At most this many bad rows are reported per file.
const MAX_ERRORS: usize = 10;

/// Reads the codes of a CSV text (file index `file`, shown as `name`).
pub(super) fn read_codes(text: &str, file: usize, diags: &mut Vec<Diagnostic>) -> Vec<u64> {
    let mut codes = Vec::new();
    let mut column: Option<usize> = None;
    let mut offset = 0usize;
    let mut errors = 0;
    for (row, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if body.trim().is_empty() {
            continue;
        }
        let cells = split_cells(body);
        let col = match column {
            Some(c) => c,
            None => {
                // the first non-empty row: a header unless its first cell is a code
                let first = cells.first().map(|(s, _)| unquote(s)).unwrap_or("");
                let first = first.trim_start_matches('\u{FEFF}');
                if first.parse::<u64>().is_ok() {
                    column = Some(0);
                    0
                } else {
                    let c = cells
                        .iter()
                        .position(|(s, _)| {
                            let h = unquote(s).trim_start_matches('\u{FEFF}').to_ascii_lowercase();
                            h == "code" || h == "snomed_id"
                        })
                        .unwrap_or(0);
                    column = Some(c);
                    continue;
                }
            }
        };
        let Some((cell, at)) = cells.get(col) else {
            if errors < MAX_ERRORS {
                diags.push(
                    Diagnostic::error(
                        Code::BadCodeFile,
                        file,
                        Span::new(start, start + body.len()),
                        format!("row {} has no column {}", row + 1, col + 1),
                    )
                    .with_help("every row needs a code in the code column"),
                );
            }
            errors += 1;
            continue;
        };
        let value = unquote(cell).trim();
        match value.parse::<u64>() {
            Ok(v) => codes.push(v),
            Err(_) if value.is_empty() => {}
            Err(_) => {
                if errors < MAX_ERRORS {
                    let s = start + at;
                    diags.push(
                        Diagnostic::error(
                            Code::BadCodeFile,
                            file,
                            Span::new(s, s + cell.len()),
                            format!("`{value}` is not a SNOMED CT code"),
                        )
                        .with_help(format!(
                            "row {}, column {}: SNOMED CT concept ids are whole numbers of at most 18 digits",
                            row + 1,
                            col + 1
                        )),
                    );
                }
                errors += 1;
            }
        }
    }
    codes
}

/// Splits a CSV row at commas outside double quotes: `(cell, byte offset in the row)`.
fn split_cells(row: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in row.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push((&row[start..i], start));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push((&row[start..], start));
    out
}

fn unquote(s: &str) -> &str {
    let t = s.trim();
    t.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_columns_and_bad_rows() {
        let mut d = Vec::new();
        assert_eq!(read_codes("1\n2\n\n3\n", 0, &mut d), vec![1, 2, 3]);
        assert_eq!(read_codes("term,snomed_id\n\"a, b\",12\nc,13\n", 0, &mut d), vec![12, 13]);
        assert_eq!(read_codes("code\n5\n", 0, &mut d), vec![5]);
        assert!(d.is_empty());
        assert_eq!(read_codes("code\n5\nx\n", 0, &mut d), vec![5]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].source(), Some((0, Span::new(7, 8))));
    }
}
