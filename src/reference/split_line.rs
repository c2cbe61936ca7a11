// One line of a CSV file: fields split at commas, quoted fields with doubled quotes. Included
// by both `build.rs` (which embeds the reference data) and `src/reference.rs` (which reads it
// back), so that the two read the same CSV the same way.

/// Splits one line of the embedded CSV files (quoted fields, doubled quotes).
fn split_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, ',') => out.push(std::mem::take(&mut cur)),
            (false, '"') if cur.is_empty() => quoted = true,
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => quoted = false,
            (_, c) => cur.push(c),
        }
    }
    out.push(cur);
    out
}
