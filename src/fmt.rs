//! The formatter: one canonical layout for rule files (`qofrules fmt`). The layout is described
//! for users in `docs/formatting.md`; in short:
//!
//! - 2-space indentation, one statement per line, no `,`/`;` separators between statements.
//!   Exceptions: consecutive `group`, `domain`, `points` and `thresholds` statements share a
//!   line (`group DM, domain clinical, points 17, thresholds 35% to 75%`) unless a comment sits
//!   between them; a `register`/`change`/`obligation`/`gateway`/`tier` with one statement stays
//!   on one line (`register CHD "CHD" { where CHD_COD }`) if it fits.
//! - Adjustment categories are padded so their `when`s line up; consecutive one-line code
//!   lists are padded so their titles and `snomed`s line up; trailing comments of consecutive
//!   lines with the same indentation line up. Nothing else is aligned.
//! - Blocks printed on several lines are separated from their neighbours by exactly one blank
//!   line. Between one-line declarations and between statements inside blocks, a blank line is
//!   kept where the source had one or more, and none is added: grouping is the author's.
//! - Lines are kept within [`WIDTH`] columns where a break is possible: name lists and inline
//!   SNOMED CT codes are filled (continuation lines indented 2 more than the statement; inline
//!   codes move into an indented block), and long conditions break before each top-level `or`
//!   (then `and`). Strings and names are never broken.
//! - Conditions get the fewest parentheses that keep their tree (`and` binds tighter than
//!   `or`; `not` applies to one atom); numbers, percentages and money are printed exactly as
//!   written; strings are re-escaped.
//! - Comments: a comment on its own line stays on its own line before the statement (or list
//!   item, or closing brace) that follows it; a comment after code on the same line stays at the
//!   end of that line. A comment inside a statement that has no place of its own (inside a
//!   condition or a block header) moves to its own line just before the statement. Comments at
//!   the end of a block stay before its closing brace; trailing whitespace is trimmed.
//!
//! The output is a function of the syntax tree, the comments and where the source had blank
//! lines, so formatting is idempotent, and the formatted text parses to the same tree (spans
//! aside): both are tested by `tests/engine/fmt.rs`, on snapshots and on generated files.
//!
//! Core library code: no I/O. The CLI's `qofrules fmt` does the file handling.

use crate::diag::Diagnostic;
use crate::syntax::ast::*;
use crate::syntax::parse;

/// The line width the formatter fills to.
pub const WIDTH: usize = 100;

/// Formats a rule file. Files with syntax errors are never formatted: their errors are
/// returned instead (file index 0).
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let (file, diags) = parse(text, 0);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    Ok(format_tree(text, &file))
}

/// Prints an already-parsed file. `text` must be the text `file` was parsed from (comments and
/// blank lines are read from it); the file must have parsed without errors.
pub fn format_tree(text: &str, file: &File) -> String {
    let mut p = Printer {
        src: text,
        comments: &file.comments,
        done: vec![false; file.comments.len()],
        first: 0,
        out: String::with_capacity(text.len() + text.len() / 8),
        level: 0,
        last_end: 0,
        fresh: true,
        force_blank: false,
        trails: Vec::new(),
    };
    p.items(&file.items);
    p.leading(usize::MAX, usize::MAX);
    let (text, trails) = align_codelists(&p.out, &p.trails);
    align_trailing_comments(&text, &trails)
}

/// Where the columns of a one-line code list end: after its name and after its title, as
/// byte offsets in the line (`codelist NAME "TITLE" ...`); `None` for other lines.
fn codelist_columns(line: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix("codelist ")?;
    let name_end = "codelist ".len() + rest.find(' ')?;
    let b = line.as_bytes();
    if b.get(name_end + 1) != Some(&b'"') {
        return None;
    }
    let mut i = name_end + 2;
    while i < b.len() && b[i] != b'"' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    (i < b.len()).then_some((name_end, i + 1))
}

/// Aligns the columns of consecutive one-line code lists (no blank line, comment line or
/// other line between them): names padded to the longest name, titles to the longest title,
/// so that their `snomed`, `from` or `includes` line up, as QOF's code list tables read.
/// Padding is added after the layout is decided (a code list that does not fit in [`WIDTH`]
/// unpadded is a block, and ends the run), so the output is a function of the tree and
/// formatting stays idempotent. `trails` (offsets of trailing comments) are moved with the
/// text and returned.
fn align_codelists(text: &str, trails: &[usize]) -> (String, Vec<usize>) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // (name end, title end) per line, for the code lists that fill exactly one line
    let cols: Vec<Option<(usize, usize)>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let next_indented = lines.get(i + 1).is_some_and(|n| n.starts_with(' '));
            codelist_columns(l).filter(|_| !next_indented)
        })
        .collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut moved = Vec::with_capacity(trails.len());
    let mut marks = trails.iter().copied().peekable();
    let mut start = 0;
    // bytes of padding added so far: every later offset moves by as much
    let mut added = 0;
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while j < lines.len() && cols[j].is_some() {
            j += 1;
        }
        let run = if j - i >= 2 { i..j } else { i..i + 1 };
        let width = |f: fn((usize, usize), &str) -> usize| {
            run.clone().filter_map(|k| cols[k].map(|c| f(c, lines[k]))).max().unwrap_or(0)
        };
        let name_w = width(|(n, _), l| l[..n].chars().count());
        let title_w = width(|(n, t), l| l[n + 1..t].chars().count());
        for k in run.clone() {
            let line = lines[k];
            let end = start + line.len();
            let pads = match cols[k].filter(|_| run.len() >= 2) {
                Some((n, t)) => {
                    let a = name_w - line[..n].chars().count();
                    let b = title_w - line[n + 1..t].chars().count();
                    out.push_str(&line[..n]);
                    out.extend(std::iter::repeat(' ').take(a));
                    out.push_str(&line[n..t]);
                    out.extend(std::iter::repeat(' ').take(b));
                    out.push_str(&line[t..]);
                    Some((start + n, a, start + t, b))
                }
                None => {
                    out.push_str(line);
                    None
                }
            };
            while let Some(&m) = marks.peek() {
                if m >= end {
                    break;
                }
                let shift = pads
                    .map_or(0, |(n, a, t, b)| usize::from(m >= n) * a + usize::from(m >= t) * b);
                moved.push(m + added + shift);
                marks.next();
            }
            added += pads.map_or(0, |(_, a, _, b)| a + b);
            start = end;
        }
        i = run.end;
    }
    moved.extend(marks.map(|m| m + added));
    (out, moved)
}

/// Aligns the trailing comments of consecutive lines with the same indentation to one column,
/// one space after the longest code among them (not those after a block's opening `{`). `trails` holds the offset in `text` of the
/// space before each trailing comment, in order.
fn align_trailing_comments(text: &str, trails: &[usize]) -> String {
    // (line start, offset of the comment's space if any)
    let mut lines: Vec<(usize, usize, Option<usize>)> = Vec::new();
    let mut marks = trails.iter().copied().peekable();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.len();
        let mut mark = None;
        while let Some(&m) = marks.peek() {
            if m >= end {
                break;
            }
            // a comment after a block's `{` stays next to it
            if !text[start..m].ends_with('{') {
                mark = Some(m);
            }
            marks.next();
        }
        lines.push((start, end, mark));
        start = end;
    }
    let indent = |s: usize| text[s..].bytes().take_while(|&b| b == b' ').count();
    let width = |s: usize, m: usize| text[s..m].chars().count();
    let mut out = String::with_capacity(text.len() + trails.len() * 8);
    let mut i = 0;
    while i < lines.len() {
        let (s, e, mark) = lines[i];
        let Some(m) = mark else {
            out.push_str(&text[s..e]);
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < lines.len() && lines[j].2.is_some() && indent(lines[j].0) == indent(s) {
            j += 1;
        }
        let col = lines[i..j]
            .iter()
            .filter_map(|&(s, _, m)| m.map(|m| width(s, m)))
            .max()
            .unwrap_or_else(|| width(s, m));
        for &(s, e, m) in &lines[i..j] {
            let m = m.unwrap_or(e);
            out.push_str(&text[s..m]);
            out.extend(std::iter::repeat(' ').take(col - width(s, m)));
            out.push_str(&text[m..e]);
        }
        i = j;
    }
    out
}

fn is_block(item: &Item) -> bool {
    match item {
        Item::Codelist(_) | Item::Define(_) | Item::Keep(_) | Item::Retire(_) => false,
        Item::RetireTest(_) => false,
        Item::Category(_) => false,
        Item::Obligation(o) => o.workstream.is_some(),
        _ => true,
    }
}

struct Printer<'a> {
    src: &'a str,
    comments: &'a [Span],
    /// Which comments have been printed.
    done: Vec<bool>,
    /// Every comment before this index is done.
    first: usize,
    out: String,
    level: usize,
    /// The source offset of the end of the last thing printed (for blank-line detection).
    last_end: usize,
    /// At the start of the file or of a block: no blank line before the next line.
    fresh: bool,
    /// The next line is preceded by a blank line (between top-level blocks).
    force_blank: bool,
    /// Where each trailing comment starts in `out` (the space before it), for alignment.
    trails: Vec<usize>,
}

fn span_start(s: Span) -> usize {
    s.start as usize
}

impl Printer<'_> {
    // ------------------------------------------------------------ lines and comments

    /// The end of a span without trailing whitespace and comments (pest includes them in a rule
    /// that ends with an optional part).
    fn end(&self, s: Span) -> usize {
        let start = span_start(s);
        let b = self.src.as_bytes();
        let mut end = (s.end as usize).min(b.len());
        loop {
            while end > start && matches!(b[end - 1], b' ' | b'\t' | b'\r' | b'\n') {
                end -= 1;
            }
            let i = self.comments.partition_point(|c| (c.end as usize) < end);
            match self.comments.get(i) {
                Some(c) if span_start(*c) < end && span_start(*c) >= start => end = span_start(*c),
                _ => return end,
            }
        }
    }

    fn indent_cols(&self) -> usize {
        self.level * 2
    }

    fn col(&self) -> usize {
        let start = self.out.rfind('\n').map_or(0, |i| i + 1);
        self.out[start..].chars().count()
    }

    fn pad(&mut self, cols: usize) {
        self.out.extend(std::iter::repeat(' ').take(cols));
    }

    /// Starts a line for an element whose source starts at `src_start`, with a blank line before
    /// it if the source had one (or one is forced), except at the start of a block.
    fn line(&mut self, src_start: usize) {
        let blank = self.force_blank || self.blank_between(self.last_end, src_start);
        if blank && !self.fresh && !self.out.is_empty() {
            self.out.push('\n');
        }
        self.force_blank = false;
        self.fresh = false;
        self.pad(self.indent_cols());
    }

    fn end_line(&mut self) {
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        self.out.push('\n');
    }

    fn blank_between(&self, a: usize, b: usize) -> bool {
        a < b
            && self.src.as_bytes()[a..b.min(self.src.len())].iter().filter(|&&c| c == b'\n').count()
                >= 2
    }

    fn see(&mut self, end: usize) {
        self.last_end = self.last_end.max(end);
    }

    fn comment_text(&self, i: usize) -> &str {
        let c = self.comments[i];
        self.src.get(c.range()).unwrap_or("").trim_end()
    }

    fn mark(&mut self, i: usize) {
        self.done[i] = true;
        while self.first < self.done.len() && self.done[self.first] {
            self.first += 1;
        }
    }

    /// The first comment not yet printed that starts before `bound`.
    fn pending_before(&self, bound: usize) -> Option<usize> {
        (self.first..self.comments.len())
            .take_while(|&i| span_start(self.comments[i]) < bound)
            .find(|&i| !self.done[i])
    }

    /// Prints, each on its own line, every comment not yet printed that starts before `bound`,
    /// before an element starting at `start`. A comment from inside the element (after
    /// `start`) moves before it, with a blank line before it only if the element had one.
    fn leading(&mut self, start: usize, bound: usize) {
        while let Some(i) = self.pending_before(bound) {
            let c = self.comments[i];
            self.line(span_start(c).min(start));
            let text = self.comment_text(i).to_string();
            self.out.push_str(&text);
            self.end_line();
            self.mark(i);
            self.see(c.end as usize);
        }
    }

    /// Appends ` // ...` if a comment follows source offset `end` on the same line, with only
    /// whitespace and separators between.
    fn trailing(&mut self, end: usize) -> bool {
        let i = self.comments.partition_point(|c| span_start(*c) < end);
        let Some(&c) = self.comments.get(i) else { return false };
        if self.done[i] {
            return false;
        }
        let gap = self.src.get(end..span_start(c)).unwrap_or("x");
        if !gap.bytes().all(|b| matches!(b, b' ' | b'\t' | b',' | b';')) {
            return false;
        }
        let text = self.comment_text(i).to_string();
        self.trails.push(self.out.len());
        self.out.push(' ');
        self.out.push_str(&text);
        self.mark(i);
        self.see(c.end as usize);
        true
    }

    /// Skips whitespace and comments from `pos`.
    fn skip_trivia(&self, mut pos: usize) -> usize {
        let b = self.src.as_bytes();
        while pos < b.len() {
            match b[pos] {
                b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
                b'/' if b.get(pos + 1) == Some(&b'/') => {
                    pos = self.src[pos..].find('\n').map_or(b.len(), |n| pos + n)
                }
                _ if self.src[pos..].starts_with('\u{FEFF}') => pos += 3,
                _ => break,
            }
        }
        pos
    }

    /// The offset of the `{` opening a block: the first `{` after `from` (skipping whitespace,
    /// comments and words), if it comes before `limit`.
    fn find_brace(&self, from: usize, limit: usize) -> Option<usize> {
        let b = self.src.as_bytes();
        let mut pos = from;
        loop {
            pos = self.skip_trivia(pos);
            match b.get(pos) {
                Some(b'{') if pos < limit => return Some(pos),
                Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => {
                    while b.get(pos).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                        pos += 1;
                    }
                }
                _ => return None,
            }
        }
    }

    /// The end of keyword `word` if it is the next token after `from`.
    fn word_after(&self, from: usize, word: &str) -> Option<usize> {
        let pos = self.skip_trivia(from);
        let rest = self.src.get(pos..)?;
        let after = rest.strip_prefix(word)?;
        if after.bytes().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
            return None;
        }
        Some(pos + word.len())
    }

    // ------------------------------------------------------------ statement shapes

    /// A one-line statement.
    fn leaf(&mut self, span: Span, text: &str) {
        self.leading(span_start(span), self.end(span));
        self.line(span_start(span));
        self.out.push_str(text);
        self.finish(self.end(span));
    }

    fn finish(&mut self, end: usize) {
        self.see(end);
        self.trailing(end);
        self.end_line();
    }

    /// `prefix EXPR suffix`, breaking the condition if it does not fit.
    fn expr_stmt(&mut self, start: usize, end: usize, prefix: &str, e: &Expr, suffix: &str) {
        self.leading(start, end);
        self.line(start);
        self.out.push_str(prefix);
        let cont = self.indent_cols() + 2;
        let suffix_w = suffix.chars().count();
        // `define X "title" =` then the condition on its own lines, if it does not fit after `=`
        if prefix.ends_with("= ") && self.col() + expr(e).chars().count() + suffix_w > WIDTH {
            self.end_line();
            self.pad(cont);
        }
        self.write_expr(e, cont, suffix_w);
        self.out.push_str(suffix);
        self.finish(end);
    }

    /// `prefix A, B, C suffix`, filled to the width.
    fn list_stmt(&mut self, start: usize, end: usize, prefix: &str, names: &[Ident], suffix: &str) {
        let items: Vec<(&str, Span)> = names.iter().map(|n| (n.name.as_str(), n.span)).collect();
        self.leading(start, items.first().map_or(end, |(_, s)| span_start(*s)));
        self.line(start);
        self.out.push_str(prefix);
        let cont = self.indent_cols() + 2;
        self.fill(&items, cont, suffix);
        self.finish(end);
    }

    /// Fills items separated by `, ` from the current position (after a prefix, where the first
    /// item always goes; or at the start of a line), continuation lines at column `cont`.
    /// Comments between items are kept: own-line ones on their own line, trailing ones at the
    /// end of their item's line. `suffix` follows the last item.
    fn fill(&mut self, items: &[(&str, Span)], cont: usize, suffix: &str) {
        let mut mid = !(self.out.is_empty() || self.out.ends_with('\n'));
        let mut on_line = 0;
        for (i, (text, span)) in items.iter().enumerate() {
            let last = i + 1 == items.len();
            while let Some(c) = self.pending_before(span_start(*span)) {
                if mid {
                    self.end_line();
                }
                self.pad(cont);
                let t = self.comment_text(c).to_string();
                self.out.push_str(&t);
                self.end_line();
                self.mark(c);
                self.see(self.comments[c].end as usize);
                mid = false;
                on_line = 0;
            }
            let piece = if last { format!("{text}{suffix}") } else { format!("{text},") };
            if !mid {
                self.pad(cont);
            } else if on_line > 0 && self.col() + 1 + piece.chars().count() > WIDTH {
                self.end_line();
                self.pad(cont);
            } else {
                self.out.push(' ');
            }
            self.out.push_str(&piece);
            mid = true;
            on_line += 1;
            self.see(self.end(*span));
            // a trailing comment ends the line (after the last item, only if nothing follows)
            if !last || suffix.is_empty() {
                let trailed = self.trailing(self.end(*span));
                if trailed && !last {
                    self.end_line();
                    mid = false;
                    on_line = 0;
                }
            }
        }
    }

    /// Whether a block with (or without) statements and ending at `end` is printed open
    /// (`{`, lines, `}`) rather than as `{}`. After a header that wrapped, an open block's brace
    /// goes on its own line.
    fn opens(&self, has_stmts: bool, end: usize) -> bool {
        has_stmts || self.pending_before(end).is_some()
    }

    /// Writes ` {` and opens a block, or ` {}` if it is empty (no statements, no comments).
    /// Returns whether the block was opened.
    fn open(&mut self, brace: usize, end: usize, has_stmts: bool) -> bool {
        let line_start = self.out.rfind('\n').map_or(0, |i| i + 1);
        let space = if self.out[line_start..].trim().is_empty() { "" } else { " " };
        if !self.opens(has_stmts, end) {
            self.out.push_str(space);
            self.out.push_str("{}");
            self.finish(end);
            return false;
        }
        self.out.push_str(space);
        self.out.push('{');
        self.see(brace + 1);
        self.trailing(brace + 1);
        self.end_line();
        self.level += 1;
        self.fresh = true;
        true
    }

    fn close(&mut self, end: usize) {
        self.leading(end, end);
        self.level -= 1;
        self.pad(self.indent_cols());
        self.out.push('}');
        self.fresh = false;
        self.finish(end);
    }

    /// A block: `header {`, the body, `}`. `brace_from` is where to look for the `{`.
    fn block(
        &mut self,
        span: Span,
        header: &str,
        brace_from: usize,
        has_stmts: bool,
        body: impl FnOnce(&mut Self),
    ) {
        let (start, end) = (span_start(span), self.end(span));
        let brace = self.find_brace(brace_from, end).unwrap_or(brace_from);
        self.leading(start, brace);
        self.line(start);
        self.out.push_str(header);
        if self.open(brace, end, has_stmts) {
            body(self);
            self.close(end);
        }
    }

    // ------------------------------------------------------------ items

    /// The one-line form of a block with a single statement and no comment inside, if it fits
    /// (or if its header alone does not): `register CHD "Coronary heart disease" { where CHD_COD }`. Returns it with the offset
    /// of the block's `{`.
    fn one_liner(&self, item: &Item) -> Option<(String, usize)> {
        let (header, from, body) = match item {
            Item::Register(r) if r.stmts.len() == 1 => {
                let header = format!("register {} {}", r.id.name, string(&r.title.value));
                (header, self.end(r.title.span), Some(register_stmt_text(&r.stmts[0])))
            }
            Item::Change(c) if c.stmts.len() == 1 => {
                (format!("change {}", c.id.name), self.end(c.id.span), ind_stmt_flat(&c.stmts[0]))
            }
            Item::Obligation(o) => {
                let header = format!("obligation {} {}", o.id.name, string(&o.title.value));
                let body = o.workstream.as_ref().map(|w| format!("workstream {}", w.name));
                (header, self.end(o.title.span), body)
            }
            Item::Gateway(g) => {
                let header = format!("gateway {} {}", g.id.name, string(&g.title.value));
                let body = match (names_text(&g.requires), &g.pays) {
                    (Some(names), None) => Some(format!("requires {names}")),
                    (None, Some(pays)) => Some(pays_text(pays)),
                    _ => None,
                };
                (header, self.end(g.title.span), body)
            }
            Item::Tier(t) => {
                let header = format!(
                    "tier {} {} requires {}",
                    t.id.name,
                    string(&t.title.value),
                    t.requires.name
                );
                let body = match (names_text(&t.includes), &t.pays) {
                    (Some(names), None) => Some(format!("includes {names}")),
                    (None, Some(pays)) => Some(pays_text(pays)),
                    _ => None,
                };
                (header, self.end(t.requires.span), body)
            }
            _ => return None,
        };
        let body = body?;
        let end = self.end(item.span());
        let brace = self.find_brace(from, end)?;
        if self.pending_between(brace, end) {
            return None;
        }
        let text = format!("{header} {{ {body} }}");
        // on one line if it fits, or if breaking it would not help (a long title)
        let fits = |t: &str| self.indent_cols() + t.chars().count() <= WIDTH;
        (fits(&text) || !fits(&format!("{header} {{"))).then_some((text, brace))
    }

    /// A run of items (the file's, or a `for each` body's): blocks are separated from their
    /// neighbours by a blank line.
    fn items(&mut self, items: &[Item]) {
        let mut prev_block = None;
        for item in items {
            let block = is_block(item) && self.one_liner(item).is_none();
            if prev_block.is_some_and(|pb| pb || block) {
                self.force_blank = true;
            }
            self.item(item);
            prev_block = Some(block);
        }
    }

    fn item(&mut self, item: &Item) {
        if let Some((text, brace)) = self.one_liner(item) {
            let span = item.span();
            self.leading(span_start(span), brace);
            self.line(span_start(span));
            self.out.push_str(&text);
            self.finish(self.end(span));
            return;
        }
        match item {
            Item::Scheme(s) => self.scheme(s),
            Item::Codelist(c) => self.codelist(c),
            Item::Register(r) => self.register(r),
            Item::Define(d) => {
                let title = d.title.as_ref().map(|t| format!(" {}", string(&t.value)));
                let prefix = format!("define {}{} = ", d.id.name, title.unwrap_or_default());
                self.expr_stmt(span_start(d.span), self.end(d.span), &prefix, &d.expr, "");
            }
            Item::Indicator(i) => {
                let network = if i.network { "network " } else { "" };
                let header = format!("{network}indicator {} {}", i.id.name, string(&i.title.value));
                self.block(i.span, &header, self.end(i.title.span), !i.stmts.is_empty(), |p| {
                    p.ind_stmts(&i.stmts)
                });
            }
            Item::Keep(n) => {
                self.list_stmt(span_start(n.span), self.end(n.span), "keep", &n.names, "")
            }
            Item::Retire(n) => {
                self.list_stmt(span_start(n.span), self.end(n.span), "retire", &n.names, "")
            }
            Item::RetireTest(r) => {
                self.leaf(r.span, &format!("retire test {}", string(&r.name.value)))
            }
            Item::Change(c) => {
                let header = format!("change {}", c.id.name);
                self.block(c.span, &header, self.end(c.id.span), !c.stmts.is_empty(), |p| {
                    p.ind_stmts(&c.stmts)
                });
            }
            Item::Gateway(g) => self.gateway(g),
            Item::Tier(t) => self.tier(t),
            Item::Obligation(o) => self.obligation(o),
            Item::Test(t) => self.test(t),
            Item::Adjustments(a) => {
                let header = format!("adjustments {}", a.id.name);
                self.adjustments(a.span, &header, self.end(a.id.span), &a.items);
            }
            Item::ForEach(f) => {
                let values = match &f.values {
                    ForValues::Range { from, to } => format!("{} to {}", from.text, to.text),
                    ForValues::List { values } => {
                        values.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", ")
                    }
                };
                let header = format!("for each {} in {values}", f.var.name);
                let brace_from = f.header.end as usize;
                self.block(f.span, &header, brace_from, !f.items.is_empty(), |p| p.items(&f.items));
            }
            Item::Category(c) => {
                let text = match &c.title {
                    Some(t) => format!("category {} {}", c.id.name, string(&t.value)),
                    None => format!("category {}", c.id.name),
                };
                self.leaf(c.span, &text);
            }
        }
    }

    fn scheme(&mut self, s: &Scheme) {
        let mut header = format!("scheme {} {}", s.id.name, string(&s.title.value));
        let mut from = self.end(s.title.span);
        if let Some(e) = &s.extends {
            header.push_str(&format!(" extends {}", e.name));
            from = self.end(e.span);
        }
        self.block(s.span, &header, from, !s.stmts.is_empty(), |p| {
            for st in &s.stmts {
                p.scheme_stmt(st);
            }
        });
    }

    fn scheme_stmt(&mut self, st: &SchemeStmt) {
        let span = st.span();
        match st {
            SchemeStmt::Period { start, end, .. } => {
                self.leaf(span, &format!("period {} to {}", start.date, end.date))
            }
            SchemeStmt::PointValue { value, .. } => {
                self.leaf(span, &format!("point value £{}", value.text))
            }
            SchemeStmt::ListSize { value, .. } => {
                self.leaf(span, &format!("national average list size {}", value.text))
            }
            SchemeStmt::NationalPrevalence { base, groups, .. } => {
                let mut header = "national prevalence".to_string();
                let mut from = span_start(span);
                match base {
                    Some(NationalBase::File { path, span: b }) => {
                        header.push_str(&format!(" from {}", string(&path.value)));
                        from = self.end(*b);
                    }
                    Some(NationalBase::Embedded { name, year, span: b }) => {
                        header.push_str(&format!(" of {} {}", name.name, year.text));
                        from = self.end(*b);
                    }
                    None => {}
                }
                if base.is_some()
                    && groups.is_empty()
                    && self.find_brace(from, self.end(span)).is_none()
                {
                    self.leaf(span, &header);
                } else {
                    self.block(span, &header, from, !groups.is_empty(), |p| {
                        for g in groups {
                            let figure = match &g.figure {
                                NationalFigure::Rate { percent } => format!("{}%", percent.text),
                                NationalFigure::Totals { register, list_size } => {
                                    format!("{} / {}", register.text, list_size.text)
                                }
                            };
                            p.leaf(g.span, &format!("{} {figure}", g.group.name));
                        }
                    });
                }
            }
            SchemeStmt::Rounding { items, modes, .. } => {
                let text = if items.is_empty() && modes.is_empty() {
                    "rounding none".to_string()
                } else {
                    let mut parts: Vec<String> = items
                        .iter()
                        .map(|r| {
                            let unit = if r.places.text == "1" { "decimal" } else { "decimals" };
                            let per = r.per.map(|(u, _)| format!(" per {}", u.word()));
                            let per = per.unwrap_or_default();
                            format!("{} {} {unit}{per}", r.target.word(), r.places.text)
                        })
                        .collect();
                    parts.extend(modes.iter().map(|(m, _)| m.words().to_string()));
                    format!("rounding {}", parts.join(", "))
                };
                self.leaf(span, &text)
            }
            SchemeStmt::Payment { model, to_networks, .. } => {
                let suffix = if *to_networks { " paid to networks" } else { "" };
                match model {
                    PaymentModel::HigherOf { a, b, except, on, .. } if !except.is_empty() => {
                        let prefix = format!(
                            "payment higher of {} and {} except",
                            payment_model(a),
                            payment_model(b)
                        );
                        let suffix = format!("{}{suffix}", on_text(on));
                        self.list_stmt(span_start(span), self.end(span), &prefix, except, &suffix)
                    }
                    PaymentModel::Except { base, except, on, .. } => {
                        let prefix = format!("payment {} except", payment_model(base));
                        let suffix = format!("{}{suffix}", on_text(on));
                        self.list_stmt(span_start(span), self.end(span), &prefix, except, &suffix)
                    }
                    _ => self.leaf(span, &format!("payment {}{suffix}", payment_model(model))),
                }
            }
            SchemeStmt::PaymentFor { group, name, model, .. } => {
                let of = if *group { "group" } else { "domain" };
                self.leaf(span, &format!("{of} {} payment {}", name.name, payment_model(model)))
            }
            SchemeStmt::Aspiration { share, .. } => {
                self.leaf(span, &format!("aspiration {}%", share.text))
            }
            SchemeStmt::Report(d) => self.report(d),
            SchemeStmt::ZeroDenominator { full, .. } => {
                let v = if *full { "full" } else { "zero" };
                self.leaf(span, &format!("empty denominator scores {v}"))
            }
        }
    }

    fn report(&mut self, d: &ReportDim) {
        if let Some(text) = report_flat(d) {
            self.leaf(d.span, &text);
            return;
        }
        match &d.kind {
            ReportKind::AgeBand { .. } | ReportKind::Sex | ReportKind::DeprivationDecile => {}
            ReportKind::Custom { name, classes } => {
                let header = format!("report by {}", name.name);
                self.block(d.span, &header, self.end(name.span), !classes.is_empty(), |p| {
                    for (i, (class, cond)) in classes.iter().enumerate() {
                        let comma = if i + 1 < classes.len() { "," } else { "" };
                        let start = span_start(class.span);
                        match cond {
                            Some(e) => {
                                let prefix = format!("{} when ", class.name);
                                p.expr_stmt(start, p.end(e.span), &prefix, e, comma)
                            }
                            None => {
                                let end = p
                                    .word_after(p.end(class.span), "otherwise")
                                    .unwrap_or(p.end(class.span));
                                let span = Span::new(start, end);
                                p.leaf(span, &format!("{} otherwise{comma}", class.name))
                            }
                        }
                    }
                });
            }
        }
    }

    fn codelist(&mut self, c: &Codelist) {
        let head = format!("codelist {} {}", c.id.name, string(&c.title.value));
        let (start, end) = (span_start(c.span), self.end(c.span));
        match &c.body {
            CodelistBody::File { path } => {
                self.leaf(c.span, &format!("{head} from {}", string(&path.value)))
            }
            CodelistBody::Union { lists } => {
                self.list_stmt(start, end, &format!("{head} includes"), lists, "")
            }
            CodelistBody::Inline { codes } => {
                let from = self.end(c.title.span);
                let brace = self.find_brace(from, end).unwrap_or(from);
                self.leading(start, brace);
                self.line(start);
                let texts: Vec<String> = codes.iter().map(|(v, _)| v.to_string()).collect();
                let flat = if texts.is_empty() {
                    format!("{head} snomed {{}}")
                } else {
                    format!("{head} snomed {{ {} }}", texts.join(", "))
                };
                if self.pending_before(end).is_none() && self.col() + flat.chars().count() <= WIDTH
                {
                    self.out.push_str(&flat);
                    self.finish(end);
                    return;
                }
                self.out.push_str(&head);
                self.out.push_str(" snomed {");
                self.see(brace + 1);
                self.trailing(brace + 1);
                self.end_line();
                let items: Vec<(&str, Span)> =
                    texts.iter().zip(codes).map(|(t, (_, s))| (t.as_str(), *s)).collect();
                self.level += 1;
                let cont = self.indent_cols();
                self.fill(&items, cont, "");
                if !self.out.ends_with('\n') {
                    self.end_line();
                }
                self.fresh = true;
                self.close(end);
            }
        }
    }

    fn register(&mut self, r: &Register) {
        let header = format!("register {} {}", r.id.name, string(&r.title.value));
        self.block(r.span, &header, self.end(r.title.span), !r.stmts.is_empty(), |p| {
            for st in &r.stmts {
                match st {
                    RegisterStmt::Age(a) => p.leaf(a.span, &format!("patients {}", age_range(a))),
                    RegisterStmt::Where(e) => {
                        p.expr_stmt(span_start(e.span), p.end(e.span), "where ", e, "")
                    }
                    RegisterStmt::Prevalence { adjusted, span } => {
                        let not = if *adjusted { "" } else { "not " };
                        p.leaf(*span, &format!("{not}prevalence adjusted"))
                    }
                    RegisterStmt::List { list_type } => {
                        p.leaf(list_type.span, &format!("list {}", list_type.name))
                    }
                }
            }
        });
    }

    fn ind_stmts(&mut self, stmts: &[IndStmt]) {
        let header = |s: &IndStmt| {
            matches!(
                s,
                IndStmt::Group(_)
                    | IndStmt::Domain(_)
                    | IndStmt::Points(_)
                    | IndStmt::Thresholds { .. }
            )
        };
        let mut i = 0;
        while i < stmts.len() {
            if !header(&stmts[i]) {
                self.ind_stmt(&stmts[i]);
                i += 1;
                continue;
            }
            // a run of group/domain/points, each kind once, no comment between them
            let mut j = i + 1;
            while j < stmts.len()
                && header(&stmts[j])
                && stmts[i..j].iter().all(|s| s.kind() != stmts[j].kind())
                && !self.pending_between(self.end(stmts[j - 1].span()), span_start(stmts[j].span()))
            {
                j += 1;
            }
            let parts: Vec<String> = stmts[i..j].iter().map(ind_leaf_text).collect();
            let span = Span::new(span_start(stmts[i].span()), self.end(stmts[j - 1].span()));
            self.leaf(span, &parts.join(", "));
            i = j;
        }
    }

    /// Whether a comment not yet printed starts in `from..to`.
    fn pending_between(&self, from: usize, to: usize) -> bool {
        (self.first..self.comments.len())
            .take_while(|&k| span_start(self.comments[k]) < to)
            .any(|k| !self.done[k] && span_start(self.comments[k]) >= from)
    }

    fn ind_stmt(&mut self, s: &IndStmt) {
        let span = s.span();
        let (start, end) = (span_start(span), self.end(span));
        match s {
            IndStmt::Denominator { cohort, filter, .. } => {
                let cohort = match cohort {
                    Cohort::AllPatients { .. } => "patients",
                    Cohort::Register { register } => register.name.as_str(),
                };
                match filter {
                    Some(e) => {
                        self.expr_stmt(start, end, &format!("denominator {cohort} where "), e, "")
                    }
                    None => self.leaf(span, &format!("denominator {cohort}")),
                }
            }
            IndStmt::Exclude(e) => self.expr_stmt(start, end, "exclude when ", e, ""),
            IndStmt::Achieved(e) => self.expr_stmt(start, end, "achieved when ", e, ""),
            IndStmt::Adjustments { items, .. } => {
                let from = self.word_after(start, "adjustments").unwrap_or(start);
                self.adjustments(span, "adjustments", from, items);
            }
            IndStmt::Stratum(st) => {
                let brace_from = match &st.when {
                    Some(e) => self.end(e.span),
                    None => self.end(st.id.span),
                };
                let brace = self.find_brace(brace_from, end).unwrap_or(brace_from);
                self.leading(start, brace);
                self.line(start);
                match &st.when {
                    Some(e) => {
                        self.out.push_str(&format!("stratum {} when ", st.id.name));
                        let header_at = self.out.len();
                        let cont = self.indent_cols() + 2;
                        self.write_expr(e, cont, 2);
                        if self.out[header_at..].contains('\n')
                            && self.opens(!st.stmts.is_empty(), end)
                        {
                            // a wrapped condition: the brace on its own line shows where it ends
                            self.end_line();
                            self.pad(self.indent_cols());
                        }
                    }
                    None => self.out.push_str(&format!("stratum {} otherwise", st.id.name)),
                }
                if self.open(brace, end, !st.stmts.is_empty()) {
                    self.ind_stmts(&st.stmts);
                    self.close(end);
                }
            }
            IndStmt::Report(d) => self.report(d),
            _ => self.leaf(span, &ind_leaf_text(s)),
        }
    }

    /// An adjustments block (an indicator's, or a named set with its header), categories
    /// aligned.
    fn adjustments(&mut self, span: Span, header: &str, from: usize, items: &[Adjustment]) {
        let cats: Vec<String> =
            items.iter().map(|a| category(&a.category, a.label.as_ref())).collect();
        let w = cats.iter().map(|c| c.chars().count()).max().unwrap_or(0);
        self.block(span, header, from, !items.is_empty(), |p| {
            for (a, cat) in items.iter().zip(&cats) {
                let (s, e) = (span_start(a.span), p.end(a.span));
                let pad = " ".repeat(w - cat.chars().count());
                p.expr_stmt(s, e, &format!("{cat}{pad} when "), &a.when, "");
            }
        });
    }

    fn gateway(&mut self, g: &Gateway) {
        let header = format!("gateway {} {}", g.id.name, string(&g.title.value));
        let has = !g.requires.is_empty() || g.pays.is_some();
        self.block(g.span, &header, self.end(g.title.span), has, |p| {
            p.names_stmt("requires", &g.requires);
            if let Some(pays) = &g.pays {
                p.leaf(pays.span, &pays_text(pays));
            }
        });
    }

    /// A `requires`/`includes` statement inside a block, from its names alone.
    fn names_stmt(&mut self, keyword: &str, names: &[Ident]) {
        if let (Some(first), Some(last)) = (names.first(), names.last()) {
            self.list_stmt(span_start(first.span), self.end(last.span), keyword, names, "");
        }
    }

    fn tier(&mut self, t: &Tier) {
        let header =
            format!("tier {} {} requires {}", t.id.name, string(&t.title.value), t.requires.name);
        let has = !t.includes.is_empty() || t.pays.is_some();
        self.block(t.span, &header, self.end(t.requires.span), has, |p| {
            p.names_stmt("includes", &t.includes);
            if let Some(pays) = &t.pays {
                p.leaf(pays.span, &pays_text(pays));
            }
        });
    }

    fn obligation(&mut self, o: &Obligation) {
        let header = format!("obligation {} {}", o.id.name, string(&o.title.value));
        let from = self.end(o.title.span);
        let end = self.end(o.span);
        let brace = self.find_brace(from, end);
        let body_comments = brace.is_some_and(|b| self.pending_between(b + 1, end));
        if o.workstream.is_none() && !body_comments {
            self.leaf(o.span, &header);
            return;
        }
        self.block(o.span, &header, from, o.workstream.is_some(), |p| {
            if let Some(w) = &o.workstream {
                p.leaf(w.span, &format!("workstream {}", w.name));
            }
        });
    }

    fn test(&mut self, t: &Test) {
        let header = format!("test {}", string(&t.name.value));
        self.block(t.span, &header, self.end(t.name.span), true, |p| {
            if let Some(n) = &t.list_size {
                p.leaf(n.span, &format!("list size {}", n.text));
            }
            for pt in t.patients() {
                p.test_patient(pt);
            }
            let mut lines: Vec<(Span, String)> = Vec::new();
            for x in &t.expects {
                let outcome = match &x.outcome {
                    Outcome::Excluded => "excluded".to_string(),
                    Outcome::Adjusted(None) => "adjusted".to_string(),
                    Outcome::Adjusted(Some(c)) => format!("adjusted {}", c.source()),
                    Outcome::Denominator => "denominator".to_string(),
                    Outcome::Numerator => "numerator".to_string(),
                };
                let stratum = x.stratum.as_ref().map(|s| format!(" in stratum {}", s.name));
                let text =
                    format!("expect {} {outcome}{}", x.indicator.name, stratum.unwrap_or_default());
                lines.push((x.span, text));
            }
            for f in &t.figures {
                let who = f.indicator.as_ref().map_or("practice", |i| i.name.as_str());
                let what = match f.figure {
                    Figure::Points => format!("points {}", f.value.text),
                    Figure::Payment => format!("payment £{}", f.value.text),
                };
                lines.push((f.span, format!("expect {who} {what}")));
            }
            lines.sort_by_key(|(s, _)| span_start(*s));
            for (span, text) in &lines {
                p.leaf(*span, text);
            }
        });
    }

    /// One patient of a test: its attributes, then its events in a block.
    fn test_patient(&mut self, pt: &TestPatient) {
        let p = self;
        let mut attrs: Vec<(String, Span)> = Vec::new();
        if let Some(d) = &pt.born {
            attrs.push((format!("born {}", d.date), d.span));
        }
        if let Some((sex, s)) = &pt.sex {
            attrs.push((sex_word(*sex).to_string(), *s));
        }
        if let Some(d) = &pt.registered {
            attrs.push((format!("registered {}", d.date), d.span));
        }
        if let Some(d) = &pt.deregistered {
            attrs.push((format!("deregistered {}", d.date), d.span));
        }
        if let Some(n) = &pt.deprivation_decile {
            attrs.push((format!("deprivation decile {}", n.text), n.span));
        }
        if let Some(s) = &pt.practice {
            attrs.push((format!("practice {}", string(&s.value)), s.span));
        }
        let (start, end) = (span_start(pt.span), p.end(pt.span));
        let attr_end = attrs.iter().map(|(_, s)| p.end(*s)).max().unwrap_or(start);
        let brace = p.find_brace(attr_end, end).unwrap_or(attr_end);
        p.leading(start, brace);
        p.line(start);
        p.out.push_str("patient");
        let header_at = p.out.len();
        let items: Vec<(&str, Span)> = attrs.iter().map(|(t, s)| (t.as_str(), *s)).collect();
        let cont = p.indent_cols() + 2;
        p.fill(&items, cont, "");
        if p.out[header_at..].contains('\n') && p.opens(!pt.events.is_empty(), end) {
            p.end_line();
            p.pad(p.indent_cols());
        }
        if p.open(brace, end, !pt.events.is_empty()) {
            for ev in &pt.events {
                let code = match &ev.code {
                    TestCode::Snomed { code, .. } => code.to_string(),
                    TestCode::List { list } => list.name.clone(),
                };
                let value = ev.value.as_ref().map(|v| format!(" value {}", v.text));
                let text = format!("{code} on {}{}", ev.date.date, value.unwrap_or_default());
                p.leaf(ev.span, &text);
            }
            p.close(end);
        }
    }

    // ------------------------------------------------------------ conditions

    /// Writes a condition from the current column; if it does not fit (with `suffix_w` more
    /// columns after it), breaks before each top-level `or` (or `and`), continuation lines at
    /// column `cont`, and breaks operands that still do not fit the same way, 2 columns deeper.
    fn write_expr(&mut self, e: &Expr, cont: usize, suffix_w: usize) {
        let flat = expr(e);
        if self.col() + flat.chars().count() + suffix_w <= WIDTH {
            self.out.push_str(&flat);
            return;
        }
        let (parts, op, prec) = match &e.kind {
            ExprKind::Or(parts) => (parts, "or", Prec::Or),
            ExprKind::And(parts) => (parts, "and", Prec::And),
            ExprKind::Not(inner) if needs_parens(inner, Prec::Not) => {
                self.out.push_str("not ");
                self.write_parens(inner, cont + 2, suffix_w);
                return;
            }
            _ => {
                self.out.push_str(&flat);
                return;
            }
        };
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                self.end_line();
                self.pad(cont);
                self.out.push_str(op);
                self.out.push(' ');
            }
            let last_w = if i + 1 == parts.len() { suffix_w } else { 0 };
            if needs_parens(part, prec) {
                self.write_parens(part, cont + 2, last_w);
            } else {
                self.write_expr(part, cont + 2, last_w);
            }
        }
    }

    fn write_parens(&mut self, e: &Expr, cont: usize, suffix_w: usize) {
        self.out.push('(');
        self.write_expr(e, cont, suffix_w + 1);
        self.out.push(')');
    }
}

// ---------------------------------------------------------------- flat text of small pieces

/// A string literal, escaped.
fn string(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn ind_leaf_text(s: &IndStmt) -> String {
    match s {
        IndStmt::Title(t) => format!("title {}", string(&t.value)),
        IndStmt::Group(i) => format!("group {}", i.name),
        IndStmt::Domain(i) => format!("domain {}", i.name),
        IndStmt::Points(n) => format!("points {}", n.text),
        IndStmt::Thresholds { lower, upper, lower_points, .. } => match lower_points {
            Some(n) => format!(
                "thresholds {}% to {}% with {} points at lower threshold",
                lower.text, upper.text, n.text
            ),
            None => format!("thresholds {}% to {}%", lower.text, upper.text),
        },
        IndStmt::RegisterKind(i) => format!("register {}", i.name),
        IndStmt::Attested(_) => "attested".to_string(),
        IndStmt::AdjustmentsRef { set, .. } => format!("adjustments {}", set.name),
        IndStmt::Monitored(_) => "monitored".to_string(),
        // block and condition statements are printed by `Printer::ind_stmt`
        IndStmt::Denominator { .. }
        | IndStmt::Exclude(_)
        | IndStmt::Achieved(_)
        | IndStmt::Adjustments { .. }
        | IndStmt::Stratum(_)
        | IndStmt::Report(_) => String::new(),
    }
}

/// A register statement on one line.
fn register_stmt_text(st: &RegisterStmt) -> String {
    match st {
        RegisterStmt::Age(a) => format!("patients {}", age_range(a)),
        RegisterStmt::Where(e) => format!("where {}", expr(e)),
        RegisterStmt::Prevalence { adjusted: true, .. } => "prevalence adjusted".to_string(),
        RegisterStmt::Prevalence { adjusted: false, .. } => "not prevalence adjusted".to_string(),
        RegisterStmt::List { list_type } => format!("list {}", list_type.name),
    }
}

/// An indicator statement on one line, unless it is a block.
fn ind_stmt_flat(s: &IndStmt) -> Option<String> {
    Some(match s {
        IndStmt::Denominator { cohort, filter, .. } => {
            let cohort = match cohort {
                Cohort::AllPatients { .. } => "patients",
                Cohort::Register { register } => register.name.as_str(),
            };
            match filter {
                Some(e) => format!("denominator {cohort} where {}", expr(e)),
                None => format!("denominator {cohort}"),
            }
        }
        IndStmt::Exclude(e) => format!("exclude when {}", expr(e)),
        IndStmt::Achieved(e) => format!("achieved when {}", expr(e)),
        IndStmt::Adjustments { .. } | IndStmt::Stratum(_) => return None,
        IndStmt::Report(d) => report_flat(d)?,
        _ => ind_leaf_text(s),
    })
}

fn report_flat(d: &ReportDim) -> Option<String> {
    Some(match &d.kind {
        ReportKind::AgeBand { bands } => {
            let bands: Vec<String> = bands
                .iter()
                .map(|(a, b, _)| match b {
                    Some(b) => format!("{a}-{b}"),
                    None => format!("{a}+"),
                })
                .collect();
            format!("report by age band {}", bands.join(", "))
        }
        ReportKind::Sex => "report by sex".to_string(),
        ReportKind::DeprivationDecile => "report by deprivation decile".to_string(),
        ReportKind::Custom { .. } => return None,
    })
}

fn names_text(names: &[Ident]) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    Some(names.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", "))
}

fn pays_text(p: &Pays) -> String {
    let once = if p.once { " once" } else { "" };
    format!("pays £{}{once}", p.amount.text)
}

fn payment_model(m: &PaymentModel) -> String {
    match m {
        PaymentModel::Performance { .. } => "performance".to_string(),
        PaymentModel::Historic { year, prevalence, list_size, pounds, .. } => {
            let adjusted = match (prevalence, list_size) {
                (true, true) => " adjusted for prevalence and list size",
                (true, false) => " adjusted for prevalence",
                (false, true) => " adjusted for list size",
                (false, false) => "",
            };
            let pounds = if *pounds { " in pounds" } else { "" };
            format!("historic {}{pounds}{adjusted}", year.text)
        }
        PaymentModel::Blend { parts, .. } => {
            let parts: Vec<String> = parts
                .iter()
                .map(|(share, m)| format!("{}% {}", share.text, payment_model(m)))
                .collect();
            format!("blend {}", parts.join(", "))
        }
        PaymentModel::HigherOf { a, b, except, on, .. } => {
            let mut s = format!("higher of {} and {}", payment_model(a), payment_model(b));
            if !except.is_empty() {
                let names: Vec<&str> = except.iter().map(|n| n.name.as_str()).collect();
                s.push_str(&format!(" except {}{}", names.join(", "), on_text(on)));
            }
            s
        }
        PaymentModel::Except { base, except, on, .. } => {
            let names: Vec<&str> = except.iter().map(|n| n.name.as_str()).collect();
            format!("{} except {}{}", payment_model(base), names.join(", "), on_text(on))
        }
    }
}

/// ` on MODEL` of an `except` clause, if written.
fn on_text(on: &Option<Box<PaymentModel>>) -> String {
    on.as_ref().map(|m| format!(" on {}", payment_model(m))).unwrap_or_default()
}

fn category(c: &Category, label: Option<&Text>) -> String {
    match label {
        Some(l) => format!("{} {}", c.source(), string(&l.value)),
        None => c.source().to_string(),
    }
}

fn sex_word(s: crate::model::Sex) -> &'static str {
    match s {
        crate::model::Sex::Female => "female",
        // `Unknown` cannot be written in the language
        _ => "male",
    }
}

fn age_range(a: &AgeRange) -> String {
    let unit = |n: u32| match (a.months, n) {
        (false, _) => "",
        (true, 1) => " month",
        (true, _) => " months",
    };
    match (a.min, a.max) {
        (Some(lo), Some(hi)) => format!("aged {lo} to {hi}{}", unit(hi)),
        (None, Some(hi)) => format!("aged {hi}{} or under", unit(hi)),
        (Some(lo), None) => format!("aged {lo}{} or over", unit(lo)),
        // not produced by the parser
        (None, None) => format!("aged 0{} or over", unit(0)),
    }
}

fn unit(u: Unit, n: &str) -> &'static str {
    let one = n == "1";
    match (u, one) {
        (Unit::Days, true) => "day",
        (Unit::Days, false) => "days",
        (Unit::Weeks, true) => "week",
        (Unit::Weeks, false) => "weeks",
        (Unit::Months, true) => "month",
        (Unit::Months, false) => "months",
        (Unit::Years, true) => "year",
        (Unit::Years, false) => "years",
    }
}

fn pick(p: Pick) -> &'static str {
    match p {
        Pick::Latest => "latest",
        Pick::First => "first",
    }
}

fn anchor(a: &Anchor) -> String {
    match a {
        Anchor::Date(d) => d.date.to_string(),
        Anchor::Event { pick: p, list, .. } => format!("{} {}", pick(*p), list.name),
        Anchor::Registration { .. } => "registration".to_string(),
        Anchor::Birth { .. } => "birth".to_string(),
        Anchor::PeriodStart { .. } => "the start of the period".to_string(),
        Anchor::PeriodEnd { .. } => "the end of the period".to_string(),
    }
}

fn offset_anchor(o: &OffsetAnchor) -> String {
    match &o.offset {
        Some((n, u, _)) => {
            let dir = if *n < 0 { "before" } else { "after" };
            let n = n.unsigned_abs().to_string();
            format!("{n} {} {dir} {}", unit(*u, &n), anchor(&o.anchor))
        }
        None => anchor(&o.anchor),
    }
}

fn window(w: &Window) -> String {
    match &w.kind {
        WindowKind::Last { n, unit: u } => format!("in last {} {}", n.text, unit(*u, &n.text)),
        WindowKind::Since(d) => format!("since {}", d.date),
        WindowKind::Before(a) => format!("before {}", anchor(a)),
        WindowKind::After(a) => format!("after {}", anchor(a)),
        WindowKind::Between(a, b) => format!("between {} and {}", a.date, b.date),
        WindowKind::From(a, b) => format!("from {} to {}", offset_anchor(a), offset_anchor(b)),
        WindowKind::Period => "in the period".to_string(),
        WindowKind::OnOrBefore(a) => format!("on or before {}", anchor(a)),
        WindowKind::OnOrAfter(a) => format!("on or after {}", anchor(a)),
        WindowKind::SinceAnchor(a) => format!("since {}", anchor(a)),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prec {
    Or,
    And,
    Not,
}

/// Whether `e`, as an operand of an operator of precedence `parent`, needs parentheses to keep
/// its place in the tree. A nested `or` inside an `or` (or `and` in `and`) keeps them too: the
/// parser would otherwise flatten it into its parent, which is the same meaning but not the
/// same tree.
fn needs_parens(e: &Expr, parent: Prec) -> bool {
    match e.kind {
        ExprKind::Or(_) => true,
        ExprKind::And(_) => parent != Prec::Or,
        _ => false,
    }
}

/// A condition on one line.
fn expr(e: &Expr) -> String {
    let mut s = String::new();
    write_flat(e, &mut s);
    s
}

fn write_operand(e: &Expr, parent: Prec, out: &mut String) {
    if needs_parens(e, parent) {
        out.push('(');
        write_flat(e, out);
        out.push(')');
    } else {
        write_flat(e, out);
    }
}

fn write_flat(e: &Expr, out: &mut String) {
    match &e.kind {
        ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ExprKind::Or(parts) | ExprKind::And(parts) => {
            let (op, prec) = if matches!(e.kind, ExprKind::Or(_)) {
                (" or ", Prec::Or)
            } else {
                (" and ", Prec::And)
            };
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(op);
                }
                write_operand(p, prec, out);
            }
        }
        ExprKind::Not(inner) => {
            out.push_str("not ");
            write_operand(inner, Prec::Not, out);
        }
        ExprKind::OnRegister(r) => {
            out.push_str("on register ");
            out.push_str(&r.name);
        }
        ExprKind::Aged(a) => out.push_str(&age_range(a)),
        ExprKind::Sex(s) => out.push_str(sex_word(*s)),
        ExprKind::Registered(w) => {
            out.push_str("registered ");
            out.push_str(&window(w));
        }
        ExprKind::Count { list, window: w, apart_days, cmp, value } => {
            out.push_str("count ");
            out.push_str(&list.name);
            if let Some(w) = w {
                out.push(' ');
                out.push_str(&window(w));
            }
            if let Some(n) = apart_days {
                out.push_str(&format!(" at least {} days apart", n.text));
            }
            out.push_str(&format!(" {} {}", cmp.symbol(), value.text));
        }
        ExprKind::Event { pick: p, list, paired, window: w, pred } => {
            if let Some(p) = p {
                out.push_str(pick(*p));
                out.push(' ');
            }
            out.push_str(&list.name);
            if let Some(y) = paired {
                out.push_str(" / ");
                out.push_str(&y.name);
            }
            if let Some(w) = w {
                out.push(' ');
                out.push_str(&window(w));
            }
            match pred {
                None => {}
                Some(EventPred::Value { agg, cmp, value, paired_value, .. }) => {
                    out.push_str(" has ");
                    if let Some(a) = agg {
                        out.push_str(a.word());
                        out.push(' ');
                    }
                    out.push_str(&format!("value {} {}", cmp.symbol(), value.text));
                    if let Some(v) = paired_value {
                        out.push_str(" / ");
                        out.push_str(&v.text);
                    }
                }
                Some(EventPred::Date { rel, pick: p, list, window: w, .. }) => {
                    let rel = match rel {
                        DateRel::After => "after",
                        DateRel::OnOrAfter => "on or after",
                        DateRel::Before => "before",
                        DateRel::OnOrBefore => "on or before",
                    };
                    out.push_str(&format!(" is {rel} {} {}", pick(*p), list.name));
                    if let Some(w) = w {
                        out.push(' ');
                        out.push_str(&window(w));
                    }
                }
                Some(EventPred::Member { list, .. }) => {
                    out.push_str(" is in ");
                    out.push_str(&list.name);
                }
                Some(EventPred::Within { window: w, .. }) => {
                    out.push_str(" is ");
                    out.push_str(&window(w));
                }
            }
        }
    }
}
