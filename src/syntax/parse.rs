//! Text -> syntax tree. The pest grammar (`grammar/qof.pest`) recognises the text; this module
//! builds the [`ast`](super::ast) from pest's pairs and turns pest's failures into diagnostics.
//!
//! Recovery: when the whole file does not parse, it is cut into chunks at every line that starts
//! (in column 1) with a top-level keyword, and each chunk is parsed alone; a chunk that fails is
//! repaired and parsed again (`recover`: an unclosed `{` is closed, a bad statement skipped), so
//! one run reports every syntax error, builds every item that is fine and keeps the statements
//! of a broken item that are fine. What was skipped is listed in [`File::skipped`].
//!
//! Speed: test blocks, most of a shipped scheme's text, are read by a small hand-written reader
//! (`fast`) that builds the same tree as pest would and hands anything unusual to pest.
//!
//! Depth: parentheses nested deeper than [`MAX_DEPTH`] are an error found by a pre-scan before
//! pest runs (pest recurses per level), and so are long runs of `not`.

use super::ast::*;
use crate::date::Date;
use crate::diag::{Code, Diagnostic};
use crate::model::Sex;
use pest::iterators::Pair;
use pest::Parser as _;

mod fast;
mod recover;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/qof.pest"]
struct Grammar;

/// The deepest nesting of parentheses (and the longest run of `not`) accepted.
///
/// pest recurses per level of parentheses, through `expr`, `and_expr`, `not_expr` and `atom`,
/// and in an unoptimised build that takes about 75 KB of stack a level: 27 levels overflowed
/// a 2 MiB thread (the size of test threads and of the evaluation threads) in `check` and
/// `fmt`, where 64 was the limit. At 16 every command runs on a 2 MiB thread with a third of
/// it to spare (`tests/engine/robustness.rs`); the shipped schemes nest at most 1 deep.
pub const MAX_DEPTH: usize = 16;

/// At most this many syntax errors are reported for one file.
const MAX_ERRORS: usize = 100;

const TOP_LEVEL: &[&str] = &[
    "scheme",
    "codelist",
    "register",
    "define",
    "indicator",
    "network",
    "keep",
    "retire",
    "change",
    "gateway",
    "tier",
    "obligation",
    "test",
    "category",
    "adjustments",
    "for",
];

/// The most instances one `for each` may have.
pub const MAX_INSTANCES: usize = 1000;

/// The most text the `for each`s of one file may copy (the sum over them of the body's length
/// times the number of copies), so that a small file cannot make a huge tree.
pub const MAX_COPIED_BYTES: usize = 4 << 20;

std::thread_local! {
    /// The bytes copied by the `for each`s of the file being parsed so far (reset per parse).
    static COPIED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Parses one file. Always returns a tree (possibly partial) and the syntax errors found.
pub fn parse(text: &str, file: usize) -> (File, Vec<Diagnostic>) {
    COPIED.with(|c| c.set(0));
    let (comments, too_deep) = pre_scan(text, file);
    if let Some(d) = too_deep {
        return (File { items: vec![], comments, skipped: vec![] }, vec![d]);
    }
    if let Some((items, diags)) = fast::parse(text, file) {
        return (File { items, comments, skipped: vec![] }, diags);
    }
    parse_with_pest_after_scan(text, file, comments)
}

/// [`parse`] without the fast path for test blocks: the tree and diagnostics it must equal.
#[cfg(test)]
fn parse_with_pest(text: &str, file: usize) -> (File, Vec<Diagnostic>) {
    let (comments, too_deep) = pre_scan(text, file);
    if let Some(d) = too_deep {
        return (File { items: vec![], comments, skipped: vec![] }, vec![d]);
    }
    parse_with_pest_after_scan(text, file, comments)
}

fn parse_with_pest_after_scan(
    text: &str,
    file: usize,
    comments: Vec<Span>,
) -> (File, Vec<Diagnostic>) {
    COPIED.with(|c| c.set(0));
    let mut diags = Vec::new();
    match Grammar::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let mut b = Builder::new(0, file, &mut diags, text);
            let items = pairs.next().map(|p| b.items(p)).unwrap_or_default();
            (File { items, comments, skipped: vec![] }, diags)
        }
        Err(_) => {
            let mut items = Vec::new();
            let mut skipped = Vec::new();
            let mut quiet = false;
            for (start, end) in chunks(text) {
                if quiet {
                    // past the limit, items are still read (so that their names are known),
                    // without recovery or messages
                    recover::quietly(text, (start, end), file, &mut items, &mut skipped);
                    continue;
                }
                recover::chunk(text, (start, end), file, &mut diags, &mut items, &mut skipped);
                if diags.len() >= MAX_ERRORS {
                    let at = Span::new(end, end);
                    diags.push(
                        Diagnostic::error(Code::TooManyErrors, file, at, "too many syntax errors")
                            .with_help(format!("only the first {MAX_ERRORS} are shown")),
                    );
                    quiet = true;
                }
            }
            (File { items, comments, skipped }, diags)
        }
    }
}

/// The placeholders of a name (`{N}` in `CC{N}`), with their offsets in it.
fn placeholders(name: &str) -> impl Iterator<Item = (usize, &str)> {
    name.match_indices('{').filter_map(move |(at, _)| {
        let end = name[at..].find('}')?;
        Some((at, &name[at..at + end + 1]))
    })
}

/// Cuts the text at each line that starts with a top-level keyword in column 1.
fn chunks(text: &str) -> Vec<(usize, usize)> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > 0 {
            let word: &str =
                line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("");
            if TOP_LEVEL.contains(&word) {
                starts.push(offset);
            }
        }
        offset += line.len();
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, &s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        out.push((s, e));
    }
    out
}

/// One pass over the text, outside strings: the span of every comment (for the formatter), and
/// the first parenthesis nested deeper than [`MAX_DEPTH`], if any (pest recurses per level).
fn pre_scan(text: &str, file: usize) -> (Vec<Span>, Option<Diagnostic>) {
    let b = text.as_bytes();
    let mut comments = Vec::new();
    let mut too_deep = None;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => in_string = !in_string,
            b'\\' if in_string => i += 1,
            b'\n' => in_string = false,
            b'/' if !in_string && b.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map(|n| i + n).unwrap_or(text.len());
                let end = if text[..end].ends_with('\r') { end - 1 } else { end };
                comments.push(Span::new(i, end));
                i = end;
                continue;
            }
            b'(' if !in_string && too_deep.is_none() => {
                depth += 1;
                if depth > MAX_DEPTH {
                    too_deep = Some(
                        Diagnostic::error(
                            Code::TooDeep,
                            file,
                            Span::new(i, i + 1),
                            "expression nested too deeply",
                        )
                        .with_help(format!(
                            "at most {MAX_DEPTH} levels of parentheses are allowed; name a part with `define`"
                        )),
                    );
                }
            }
            b')' if !in_string => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    (comments, too_deep)
}

/// A pest failure in the chunk starting at `base` of `text`. The unexpected token is read from
/// the whole text, so that an item cut short by the next one names that one's first word.
fn syntax_error(e: &pest::error::Error<Rule>, text: &str, base: usize, file: usize) -> Diagnostic {
    let pos = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let rest = text.get(base + pos..).unwrap_or("");
    let token_len = token_at(rest);
    let span = Span::new(base + pos, base + pos + token_len);
    let message = if token_len == 0 {
        "unexpected end of file".to_string()
    } else {
        format!("unexpected `{}`", &rest[..token_len])
    };
    let mut expected: Vec<String> = Vec::new();
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &e.variant {
        if let Some(help) = keyword_suggestion(&rest[..token_len], positives) {
            return Diagnostic::error(Code::Syntax, file, span, message).with_help(help);
        }
        for r in positives {
            if let Some(d) = describe(*r) {
                if !expected.contains(&d) {
                    expected.push(d);
                }
            }
        }
    }
    let d = Diagnostic::error(Code::Syntax, file, span, message);
    match expected.len() {
        0 => d.with_help("this is not a statement the language knows; see docs/language.md"),
        1 => d.with_help(format!("expected {}", expected[0])),
        n if n <= 8 => {
            let last = expected.pop().unwrap_or_default();
            d.with_help(format!("expected {} or {last}", expected.join(", ")))
        }
        _ => d.with_help(format!("expected one of {}, ...", expected[..8].join(", "))),
    }
}

/// Length of the token starting `rest`: a word, a number, or one character.
fn token_at(rest: &str) -> usize {
    let mut chars = rest.char_indices();
    match chars.next() {
        None => 0,
        Some((_, c)) if c.is_alphanumeric() || c == '_' => rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-' || *c == '.'))
            .map(|(i, _)| i)
            .unwrap_or(rest.len()),
        Some((_, c)) => c.len_utf8(),
    }
}

fn describe(rule: Rule) -> Option<String> {
    let s = match rule {
        Rule::name => "a name",
        Rule::string => "a quoted title",
        Rule::int => "a whole number",
        Rule::number | Rule::number_raw => "a number",
        Rule::percent => "a percentage such as `35%`",
        Rule::money => "an amount such as `£187.74`",
        Rule::date => "a date such as `2020-03-31`",
        Rule::year => "a year such as `2016/17`",
        Rule::code => "a SNOMED CT code",
        Rule::cmp => "a comparison such as `<=`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::equals => "`=`",
        Rule::list_type => "a patient list type such as `17OV`",
        Rule::foreach_var => "a variable such as `N`",
        Rule::foreach_value => "a value",
        Rule::EOI => "the end of the file",
        Rule::expr | Rule::and_expr | Rule::not_expr => "a condition",
        Rule::window => "a time window such as `in last 12 months`",
        _ => return keyword(rule).map(|k| format!("`{k}`")),
    };
    Some(s.to_string())
}

include!(concat!(env!("OUT_DIR"), "/keywords.rs"));

/// The keywords a rule the parser expected can start with, for "did you mean": its own word
/// for a keyword rule, the first words of the alternatives for the others.
fn first_words(rule: Rule) -> &'static [&'static str] {
    match rule {
        Rule::unit => &["days", "weeks", "months", "years"],
        Rule::window => &["in", "between", "since", "before", "after", "from"],
        Rule::indicator_decl => &["indicator", "network"],
        // a file that fails at its first word reports the file rule itself
        Rule::file => TOP_LEVEL,
        Rule::category => &["unsuitable", "chose", "no", "service", "new"],
        Rule::pick => &["latest", "first"],
        Rule::value_agg => &["lowest", "highest"],
        Rule::bool_lit => &["true", "false"],
        Rule::sex_test | Rule::sex_attr => &["female", "male"],
        Rule::rounding_target => &["achievement", "points", "cpi", "apdf", "payment"],
        Rule::rounding_mode => &["half", "toward"],
        Rule::outcome | Rule::out_adjusted => &["excluded", "adjusted", "denominator", "numerator"],
        _ => &[],
    }
}

/// "did you mean `points`?" for a word that is one or two letters from a keyword the parser
/// expected at that place.
fn keyword_suggestion(token: &str, positives: &[Rule]) -> Option<String> {
    if !token.starts_with(|c: char| c.is_ascii_lowercase()) {
        return None;
    }
    let mut words: Vec<&str> = Vec::new();
    for &r in positives {
        words.extend(keyword(r));
        words.extend(first_words(r));
    }
    if words.contains(&token) {
        return None;
    }
    crate::diag::did_you_mean(token, words).map(|w| format!("did you mean `{w}`?"))
}

struct Builder<'d> {
    base: usize,
    file: usize,
    diags: &'d mut Vec<Diagnostic>,
    /// The whole file's text (spans are offsets into it).
    text: &'d str,
    /// What a placeholder (`{N}`) in a name or string becomes where the builder is.
    subst: Subst,
    /// Placeholder errors found by [`Builder::ident`] (which only borrows the builder), moved
    /// to `diags` at the end of [`Builder::items`].
    pending: std::cell::RefCell<Vec<Diagnostic>>,
}

/// Where the builder is, for placeholders: outside any `for each` (a placeholder in a name is
/// an error), in a `for each` body as written (`{VAR}` kept, any other placeholder an error),
/// or building one instance of it (`{VAR}` replaced by the value in names and strings).
enum Subst {
    Outside,
    Template { var: String },
    Instance { pattern: String, value: String },
}

type P<'i> = Pair<'i, Rule>;

impl<'d> Builder<'d> {
    fn new(base: usize, file: usize, diags: &'d mut Vec<Diagnostic>, text: &'d str) -> Self {
        Builder {
            base,
            file,
            diags,
            text,
            subst: Subst::Outside,
            pending: std::cell::RefCell::new(Vec::new()),
        }
    }

    fn span(&self, p: &P) -> Span {
        let s = p.as_span();
        Span::new(self.base + s.start(), self.base + s.end())
    }

    /// A node's span without the whitespace and comments pest takes in after it when the
    /// node ends with an optional or repeated part (`latest X` in `latest X // note` followed
    /// by a line break), so that a diagnostic underlines only the node's own text.
    fn tight(&self, p: &P) -> Span {
        let s = self.span(p);
        let start = s.start as usize;
        let mut end = s.end as usize;
        while let Some(part) = self.text.get(start..end) {
            let trimmed = part.trim_end();
            let line = trimmed.rfind('\n').map_or(0, |i| i + 1);
            // conditions hold no strings, so `//` on their last line starts a comment
            match trimmed[line..].find("//") {
                Some(c) => end = start + line + c,
                None => {
                    end = start + trimmed.len();
                    break;
                }
            }
        }
        Span::new(start, end)
    }

    fn ident(&self, p: P) -> Ident {
        let span = self.span(&p);
        let raw = p.as_str();
        if !raw.contains('{') {
            return Ident { name: raw.to_string(), span };
        }
        match &self.subst {
            Subst::Instance { pattern, value } => Ident { name: raw.replace(pattern, value), span },
            Subst::Template { var } => {
                for (at, placeholder) in placeholders(raw) {
                    if placeholder[1..placeholder.len() - 1] != **var {
                        let start = span.start as usize + at;
                        self.pending.borrow_mut().push(
                            Diagnostic::error(
                                Code::BadForEach,
                                self.file,
                                Span::new(start, start + placeholder.len()),
                                format!("`{placeholder}` is not the variable of this `for each`"),
                            )
                            .with_help(format!("the variable is `{var}`: write `{{{var}}}`")),
                        );
                    }
                }
                Ident { name: raw.to_string(), span }
            }
            Subst::Outside => {
                if let Some((at, placeholder)) = placeholders(raw).next() {
                    let start = span.start as usize + at;
                    self.pending.borrow_mut().push(
                        Diagnostic::error(
                            Code::BadForEach,
                            self.file,
                            Span::new(start, start + placeholder.len()),
                            format!("`{placeholder}` outside a `for each`"),
                        )
                        .with_help(format!(
                            "a placeholder is replaced only inside `for each {0} in ... {{ ... }}`",
                            &placeholder[1..placeholder.len() - 1]
                        )),
                    );
                }
                Ident { name: raw.to_string(), span }
            }
        }
    }

    fn text(&self, p: P) -> Text {
        let span = self.span(&p);
        let raw = p.into_inner().next().map(|b| b.as_str()).unwrap_or("");
        if let Subst::Instance { pattern, value } = &self.subst {
            if raw.contains(pattern.as_str()) {
                let mut t = self.unescape(raw, span);
                t.value = t.value.replace(pattern.as_str(), value);
                return t;
            }
        }
        self.unescape(raw, span)
    }

    /// A string's value from its text between the quotes.
    fn unescape(&self, raw: &str, span: Span) -> Text {
        if !raw.contains('\\') {
            return Text { value: raw.to_string(), span };
        }
        let mut value = String::with_capacity(raw.len());
        let mut esc = false;
        for c in raw.chars() {
            if esc {
                value.push(if c == 'n' { '\n' } else { c });
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else {
                value.push(c);
            }
        }
        Text { value, span }
    }

    fn num(&self, p: P) -> Num {
        let span = self.span(&p);
        // percent and money wrap a number_raw; strip their sign
        let text = match p.as_rule() {
            Rule::percent | Rule::money => {
                p.into_inner().next().map(|n| n.as_str().to_string()).unwrap_or_default()
            }
            _ => p.as_str().to_string(),
        };
        Num { text, span }
    }

    fn date(&mut self, p: P) -> DateLit {
        let span = self.span(&p);
        match Date::parse(p.as_str()) {
            Some(date) => DateLit { date, span },
            None => {
                self.diags.push(
                    Diagnostic::error(
                        Code::BadDate,
                        self.file,
                        span,
                        format!("`{}` is not a date", p.as_str()),
                    )
                    .with_help("dates are written YYYY-MM-DD and must exist in the calendar"),
                );
                DateLit { date: Date(0), span }
            }
        }
    }

    fn u32_of(&mut self, p: P) -> u32 {
        let span = self.span(&p);
        match p.as_str().parse::<u32>() {
            Ok(v) => v,
            Err(_) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::BadNumber,
                        self.file,
                        span,
                        format!("`{}` is too large", p.as_str()),
                    )
                    .with_help("use a whole number below 4294967296"),
                );
                0
            }
        }
    }

    fn items(&mut self, file: P) -> Vec<Item> {
        let mut out = Vec::new();
        for p in file.into_inner() {
            if let Some(item) = self.item(p) {
                out.push(item);
            }
        }
        let pending = self.pending.take();
        self.diags.extend(pending);
        out
    }

    /// `for each VAR in VALUES { ITEMS }`: the body as written and once per value.
    fn for_each(&mut self, p: P) -> ForEach {
        let span = self.span(&p);
        let mut var = Ident { name: String::new(), span };
        let mut values = ForValues::List { values: vec![] };
        let mut header = span;
        let mut body = Vec::new();
        for x in p.into_inner() {
            match x.as_rule() {
                Rule::foreach_var => {
                    var = Ident { name: x.as_str().to_string(), span: self.span(&x) }
                }
                Rule::foreach_range => {
                    header.end = self.tight(&x).end;
                    let mut ends = x.into_inner().filter(|y| y.as_rule() == Rule::int);
                    let from = ends.next().map(|y| self.num(y));
                    let to = ends.next().map(|y| self.num(y));
                    if let (Some(from), Some(to)) = (from, to) {
                        values = ForValues::Range { from, to };
                    }
                }
                Rule::foreach_list => {
                    header.end = self.tight(&x).end;
                    let list = x
                        .into_inner()
                        .filter(|y| y.as_rule() == Rule::foreach_value)
                        .map(|y| Ident { name: y.as_str().to_string(), span: self.span(&y) })
                        .collect();
                    values = ForValues::List { values: list };
                }
                Rule::k_for | Rule::k_each | Rule::k_in | Rule::lbrace | Rule::rbrace => {}
                _ => body.push(x),
            }
        }
        let header_text = self.text.get(header.range()).unwrap_or("").to_string();
        let mut expanded = self.for_values(&values, &header_text, header);
        let cost = expanded.len().saturating_mul((span.end - header.end) as usize);
        let copied = COPIED.with(|c| c.get()).saturating_add(cost);
        if copied > MAX_COPIED_BYTES {
            self.diags.push(
                Diagnostic::error(
                    Code::BadForEach,
                    self.file,
                    header,
                    format!("`{header_text}` makes the file's copies too long"),
                )
                .with_help(format!(
                    "the `for each`s of one file copy at most {} MiB of text; make the body or the list shorter",
                    MAX_COPIED_BYTES >> 20
                )),
            );
            expanded.clear();
        } else {
            COPIED.with(|c| c.set(copied));
        }
        let outer = std::mem::replace(&mut self.subst, Subst::Template { var: var.name.clone() });
        let wrong = self.pending.borrow().len();
        let items: Vec<Item> = body.iter().filter_map(|x| self.item(x.clone())).collect();
        // a placeholder that is not the variable would stay in every copy: no copies
        let expanded = if self.pending.borrow().len() > wrong { Vec::new() } else { expanded };
        // the body's own errors (dates, numbers, codes) were reported with the template; the
        // instances are built with the same text, so theirs are dropped
        let reported = std::mem::take(self.diags);
        let pattern = format!("{{{}}}", var.name);
        let mut instances = Vec::with_capacity(expanded.len());
        for value in expanded {
            self.subst = Subst::Instance { pattern: pattern.clone(), value: value.clone() };
            let items = body.iter().filter_map(|x| self.item(x.clone())).collect();
            instances.push(Instance { value, items });
        }
        *self.diags = reported;
        self.subst = outer;
        ForEach { var, values, items, instances, header, span }
    }

    /// The values of a `for each`, as text; none (and an error) when there are too many, the
    /// range is empty or a value is repeated.
    fn for_values(&mut self, values: &ForValues, header: &str, at: Span) -> Vec<String> {
        let mut error = |span: Span, message: String, help: String| {
            self.diags.push(
                Diagnostic::error(Code::BadForEach, self.file, span, message).with_help(help),
            );
            Vec::new()
        };
        let too_many = format!("one `for each` makes at most {MAX_INSTANCES} copies; split it");
        match values {
            ForValues::Range { from, to } => {
                let span = from.span.to(to.span);
                let (Ok(a), Ok(b)) = (from.text.parse::<u64>(), to.text.parse::<u64>()) else {
                    return error(span, format!("`{header}` makes too many copies"), too_many);
                };
                if b < a {
                    return error(
                        span,
                        format!("`{} to {}` is empty", from.text, to.text),
                        format!("a range goes up: write `{} to {}`", to.text, from.text),
                    );
                }
                if b - a >= MAX_INSTANCES as u64 {
                    return error(span, format!("`{header}` makes {} copies", b - a + 1), too_many);
                }
                (a..=b).map(|n| n.to_string()).collect()
            }
            ForValues::List { values } => {
                if values.len() > MAX_INSTANCES {
                    return error(at, format!("`for each` over {} values", values.len()), too_many);
                }
                let mut seen = std::collections::HashSet::new();
                for v in values {
                    if !seen.insert(v.name.as_str()) {
                        return error(
                            v.span,
                            format!("`{}` is listed twice", v.name),
                            "each value makes one copy of the body; remove the repeat".to_string(),
                        );
                    }
                }
                values.iter().map(|v| v.name.clone()).collect()
            }
        }
    }

    fn item(&mut self, p: P) -> Option<Item> {
        {
            let item = match p.as_rule() {
                Rule::scheme_decl => Item::Scheme(self.scheme(p)),
                Rule::codelist_decl => Item::Codelist(self.codelist(p)),
                Rule::register_decl => Item::Register(self.register(p)),
                Rule::define_decl => Item::Define(self.define(p)),
                Rule::indicator_decl => Item::Indicator(self.indicator(p)),
                Rule::keep_decl => Item::Keep(self.name_list_item(p)),
                Rule::retire_decl => Item::Retire(self.name_list_item(p)),
                Rule::retire_test_decl => {
                    let span = self.span(&p);
                    let name = Self::first_inner(p, Rule::string).map(|s| self.text(s));
                    let name = name.unwrap_or(Text { value: String::new(), span });
                    Item::RetireTest(RetireTest { name, span })
                }
                Rule::change_decl => Item::Change(self.change(p)),
                Rule::gateway_decl => Item::Gateway(self.gateway(p)),
                Rule::tier_decl => Item::Tier(self.tier(p)),
                Rule::obligation_decl => Item::Obligation(self.obligation(p)),
                Rule::test_decl => Item::Test(self.test(p)),
                Rule::category_decl => Item::Category(self.category_decl(p)),
                Rule::adjustments_decl => {
                    let span = self.span(&p);
                    let id = match Self::first_inner(p.clone(), Rule::name) {
                        Some(n) => self.ident(n),
                        None => Ident { name: String::new(), span },
                    };
                    Item::Adjustments(AdjustmentSet { id, items: self.adjustments(p), span })
                }
                Rule::foreach_decl => Item::ForEach(self.for_each(p)),
                _ => return None,
            };
            Some(item)
        }
    }

    fn name_list(&self, p: P) -> Vec<Ident> {
        p.into_inner().filter(|n| n.as_rule() == Rule::name).map(|n| self.ident(n)).collect()
    }

    fn name_list_item(&self, p: P) -> NameList {
        let span = self.span(&p);
        let names =
            p.into_inner().find(|n| n.as_rule() == Rule::name_list).map(|n| self.name_list(n));
        NameList { names: names.unwrap_or_default(), span }
    }

    // ------------------------------------------------------------ scheme

    fn scheme(&mut self, p: P) -> Scheme {
        let span = self.span(&p);
        let mut id = None;
        let mut title = None;
        let mut extends = None;
        let mut stmts = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::name => id = Some(self.ident(c)),
                Rule::string => title = Some(self.text(c)),
                Rule::extends_clause => {
                    extends =
                        c.into_inner().find(|n| n.as_rule() == Rule::name).map(|n| self.ident(n))
                }
                Rule::period_stmt => {
                    let s = self.span(&c);
                    let mut dates = c.into_inner().filter(|d| d.as_rule() == Rule::date);
                    if let (Some(a), Some(b)) = (dates.next(), dates.next()) {
                        let start = self.date(a);
                        let end = self.date(b);
                        stmts.push(SchemeStmt::Period { start, end, span: s });
                    }
                }
                Rule::point_value_stmt => {
                    let s = self.span(&c);
                    if let Some(m) = c.into_inner().find(|n| n.as_rule() == Rule::money) {
                        stmts.push(SchemeStmt::PointValue { value: self.num(m), span: s });
                    }
                }
                Rule::list_size_stmt => {
                    let s = self.span(&c);
                    if let Some(m) = c.into_inner().find(|n| n.as_rule() == Rule::int) {
                        stmts.push(SchemeStmt::ListSize { value: self.num(m), span: s });
                    }
                }
                Rule::national_prevalence_stmt => {
                    let s = self.span(&c);
                    let mut base = None;
                    let mut groups = Vec::new();
                    for x in c.into_inner() {
                        match x.as_rule() {
                            Rule::national_file => {
                                let bs = self.span(&x);
                                if let Some(t) = Self::first_inner(x, Rule::string) {
                                    base =
                                        Some(NationalBase::File { path: self.text(t), span: bs });
                                }
                            }
                            Rule::national_embedded => {
                                let bs = self.span(&x);
                                let mut name = None;
                                let mut year = None;
                                for y in x.into_inner() {
                                    match y.as_rule() {
                                        Rule::name => name = Some(self.ident(y)),
                                        Rule::year => {
                                            year = Some(Year {
                                                text: y.as_str().to_string(),
                                                span: self.span(&y),
                                            })
                                        }
                                        _ => {}
                                    }
                                }
                                if let (Some(name), Some(year)) = (name, year) {
                                    base = Some(NationalBase::Embedded { name, year, span: bs });
                                }
                            }
                            Rule::national_groups => {
                                for g in
                                    x.into_inner().filter(|g| g.as_rule() == Rule::national_group)
                                {
                                    if let Some(ng) = self.national_group(g) {
                                        groups.push(ng);
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    stmts.push(SchemeStmt::NationalPrevalence { base, groups, span: s });
                }
                Rule::rounding_stmt => {
                    let s = self.span(&c);
                    let mut items = Vec::new();
                    let mut modes = Vec::new();
                    for it in c.into_inner().filter(|n| n.as_rule() == Rule::rounding_item) {
                        let is = self.span(&it);
                        let mut target = RoundingTarget::Payment;
                        let mut places = None;
                        let mut per = None;
                        for x in it.into_inner() {
                            match x.as_rule() {
                                Rule::rounding_mode => {
                                    let ms = self.span(&x);
                                    let ks: Vec<Rule> =
                                        x.into_inner().map(|k| k.as_rule()).collect();
                                    let mode = if ks.contains(&Rule::k_even) {
                                        RoundingMode::HalfEven
                                    } else if ks.contains(&Rule::k_toward) {
                                        RoundingMode::TowardZero
                                    } else {
                                        RoundingMode::HalfUp
                                    };
                                    modes.push((mode, ms));
                                }
                                Rule::rounding_unit => {
                                    let us = self.span(&x);
                                    let ks: Vec<Rule> =
                                        x.into_inner().map(|k| k.as_rule()).collect();
                                    let unit = if ks.contains(&Rule::k_group) {
                                        RoundingUnit::Group
                                    } else if ks.contains(&Rule::k_practice) {
                                        RoundingUnit::Practice
                                    } else {
                                        RoundingUnit::Line
                                    };
                                    per = Some((unit, us));
                                }
                                Rule::rounding_target => {
                                    target = match x.into_inner().next().map(|k| k.as_rule()) {
                                        Some(Rule::k_achievement) => RoundingTarget::Achievement,
                                        Some(Rule::k_points) => RoundingTarget::Points,
                                        Some(Rule::k_cpi) => RoundingTarget::Cpi,
                                        Some(Rule::k_apdf) => RoundingTarget::Apdf,
                                        _ => RoundingTarget::Payment,
                                    }
                                }
                                Rule::int => places = Some(self.num(x)),
                                _ => {}
                            }
                        }
                        if let Some(places) = places {
                            items.push(RoundingItem { target, places, per, span: is });
                        }
                    }
                    stmts.push(SchemeStmt::Rounding { items, modes, span: s });
                }
                Rule::payment_stmt => {
                    let s = self.span(&c);
                    let mut model = None;
                    let mut to_networks = false;
                    let mut except = None;
                    for x in c.into_inner() {
                        match x.as_rule() {
                            Rule::paid_to_networks => to_networks = true,
                            Rule::k_payment => {}
                            Rule::except_clause => except = Some(self.except_clause(x)),
                            _ => model = self.payment_model(x),
                        }
                    }
                    let model = match (model, except) {
                        (Some(m), Some((names, on, es))) => Some(PaymentModel::Except {
                            span: m.span().to(es),
                            base: Box::new(m),
                            except: names,
                            on,
                        }),
                        (m, _) => m,
                    };
                    if let Some(model) = model {
                        stmts.push(SchemeStmt::Payment { model, to_networks, span: s });
                    }
                }
                Rule::payment_for_stmt => {
                    let s = self.span(&c);
                    let mut group = false;
                    let mut name = None;
                    let mut model = None;
                    for x in c.into_inner() {
                        match x.as_rule() {
                            Rule::k_group => group = true,
                            Rule::k_domain | Rule::k_payment => {}
                            Rule::name => name = Some(self.ident(x)),
                            _ => model = self.payment_model(x),
                        }
                    }
                    if let (Some(name), Some(model)) = (name, model) {
                        stmts.push(SchemeStmt::PaymentFor { group, name, model, span: s });
                    }
                }
                Rule::aspiration_stmt => {
                    let s = self.span(&c);
                    if let Some(m) = c.into_inner().find(|n| n.as_rule() == Rule::percent) {
                        stmts.push(SchemeStmt::Aspiration { share: self.num(m), span: s });
                    }
                }
                Rule::zero_denominator_stmt => {
                    let s = self.span(&c);
                    let full = c.into_inner().any(|n| n.as_rule() == Rule::k_full);
                    stmts.push(SchemeStmt::ZeroDenominator { full, span: s });
                }
                Rule::report_stmt => {
                    if let Some(d) = self.report(c) {
                        stmts.push(SchemeStmt::Report(d));
                    }
                }
                _ => {}
            }
        }
        Scheme {
            id: id.unwrap_or_else(|| Ident { name: String::new(), span }),
            title: title.unwrap_or_else(|| Text { value: String::new(), span }),
            extends,
            stmts,
            span,
        }
    }

    fn national_group(&mut self, p: P) -> Option<NationalGroup> {
        let span = self.span(&p);
        let mut group = None;
        let mut figure = None;
        for x in p.into_inner() {
            match x.as_rule() {
                Rule::name => group = Some(self.ident(x)),
                Rule::percent => figure = Some(NationalFigure::Rate { percent: self.num(x) }),
                Rule::national_totals => {
                    let mut ints = x.into_inner().filter(|i| i.as_rule() == Rule::int);
                    if let (Some(r), Some(l)) = (ints.next(), ints.next()) {
                        figure = Some(NationalFigure::Totals {
                            register: self.num(r),
                            list_size: self.num(l),
                        });
                    }
                }
                _ => {}
            }
        }
        Some(NationalGroup { group: group?, figure: figure?, span })
    }

    /// `except A, B [on MODEL]`: the names, the model, and the clause's span.
    fn except_clause(&mut self, p: P) -> (Vec<Ident>, Option<Box<PaymentModel>>, Span) {
        let span = self.span(&p);
        let mut names = Vec::new();
        let mut model = None;
        for x in p.into_inner() {
            match x.as_rule() {
                Rule::name_list => names = self.name_list(x),
                Rule::model_historic | Rule::model_performance => {
                    model = self.payment_model(x).map(Box::new)
                }
                _ => {}
            }
        }
        (names, model, span)
    }

    fn payment_model(&mut self, p: P) -> Option<PaymentModel> {
        let span = self.span(&p);
        Some(match p.as_rule() {
            Rule::model_performance => PaymentModel::Performance { span },
            Rule::model_historic => {
                let mut year = None;
                let (mut prevalence, mut list_size, mut pounds) = (false, false, false);
                for x in p.into_inner() {
                    match x.as_rule() {
                        Rule::year => {
                            year = Some(Year { text: x.as_str().to_string(), span: self.span(&x) })
                        }
                        Rule::pounds_clause => pounds = true,
                        Rule::adjusted_clause => {
                            for a in x.into_inner().filter(|a| a.as_rule() == Rule::adjust_item) {
                                if a.into_inner().any(|k| k.as_rule() == Rule::k_prevalence) {
                                    prevalence = true;
                                } else {
                                    list_size = true;
                                }
                            }
                        }
                        _ => {}
                    }
                }
                PaymentModel::Historic { year: year?, prevalence, list_size, pounds, span }
            }
            Rule::model_blend => {
                let mut parts = Vec::new();
                for bp in p.into_inner().filter(|x| x.as_rule() == Rule::blend_part) {
                    let mut share = None;
                    let mut model = None;
                    for x in bp.into_inner() {
                        if x.as_rule() == Rule::percent {
                            share = Some(self.num(x));
                        } else {
                            model = self.payment_model(x);
                        }
                    }
                    if let (Some(s), Some(m)) = (share, model) {
                        parts.push((s, m));
                    }
                }
                PaymentModel::Blend { parts, span }
            }
            Rule::model_higher => {
                let mut models = Vec::new();
                let mut except = Vec::new();
                let mut on = None;
                for x in p.into_inner() {
                    match x.as_rule() {
                        Rule::except_clause => {
                            let (names, model, _) = self.except_clause(x);
                            except = names;
                            on = model;
                        }
                        Rule::model_historic | Rule::model_performance => {
                            if let Some(m) = self.payment_model(x) {
                                models.push(m);
                            }
                        }
                        _ => {}
                    }
                }
                let b = models.pop()?;
                let a = models.pop()?;
                PaymentModel::HigherOf { a: Box::new(a), b: Box::new(b), except, on, span }
            }
            _ => return None,
        })
    }

    fn report(&mut self, p: P) -> Option<ReportDim> {
        let span = self.span(&p);
        let dim = p.into_inner().find(|x| {
            matches!(
                x.as_rule(),
                Rule::dim_age | Rule::dim_sex | Rule::dim_deprivation | Rule::dim_custom
            )
        })?;
        let kind = match dim.as_rule() {
            Rule::dim_age => {
                let mut bands = Vec::new();
                for b in dim.into_inner().filter(|x| x.as_rule() == Rule::age_band) {
                    let bs = self.span(&b);
                    let plus = b.as_str().ends_with('+');
                    let nums: Vec<u32> = b
                        .into_inner()
                        .filter(|x| x.as_rule() == Rule::int)
                        .map(|x| self.u32_of(x))
                        .collect();
                    match (nums.first(), nums.get(1), plus) {
                        (Some(&a), _, true) => bands.push((a, None, bs)),
                        (Some(&a), Some(&b), false) => bands.push((a, Some(b), bs)),
                        _ => {}
                    }
                }
                ReportKind::AgeBand { bands }
            }
            Rule::dim_sex => ReportKind::Sex,
            Rule::dim_deprivation => ReportKind::DeprivationDecile,
            _ => {
                let mut name = None;
                let mut classes = Vec::new();
                for x in dim.into_inner() {
                    match x.as_rule() {
                        Rule::name => name = Some(self.ident(x)),
                        Rule::report_class => {
                            let mut cname = None;
                            let mut cond = None;
                            for y in x.into_inner() {
                                match y.as_rule() {
                                    Rule::name => cname = Some(self.ident(y)),
                                    Rule::expr => cond = Some(self.expr(y)),
                                    _ => {}
                                }
                            }
                            if let Some(c) = cname {
                                classes.push((c, cond));
                            }
                        }
                        _ => {}
                    }
                }
                ReportKind::Custom { name: name?, classes }
            }
        };
        Some(ReportDim { kind, span })
    }

    // ------------------------------------------------------------ codelists, registers, defines

    fn codelist(&mut self, p: P) -> Codelist {
        let span = self.span(&p);
        let mut id = None;
        let mut title = None;
        let mut body = CodelistBody::Inline { codes: vec![] };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::name => id = Some(self.ident(c)),
                Rule::string => title = Some(self.text(c)),
                Rule::codes_inline => {
                    let mut codes = Vec::new();
                    for x in c.into_inner().filter(|x| x.as_rule() == Rule::code) {
                        let s = self.span(&x);
                        match x.as_str().parse::<u64>() {
                            Ok(v) => codes.push((v, s)),
                            Err(_) => self.diags.push(
                                Diagnostic::error(
                                    Code::BadCode,
                                    self.file,
                                    s,
                                    format!("`{}` is not a SNOMED CT code", x.as_str()),
                                )
                                .with_help("SNOMED CT concept ids have at most 18 digits"),
                            ),
                        }
                    }
                    body = CodelistBody::Inline { codes };
                }
                Rule::codes_file => {
                    if let Some(s) = c.into_inner().find(|x| x.as_rule() == Rule::string) {
                        body = CodelistBody::File { path: self.text(s) };
                    }
                }
                Rule::codes_union => {
                    if let Some(nl) = c.into_inner().find(|x| x.as_rule() == Rule::name_list) {
                        body = CodelistBody::Union { lists: self.name_list(nl) };
                    }
                }
                _ => {}
            }
        }
        Codelist {
            id: id.unwrap_or_else(|| Ident { name: String::new(), span }),
            title: title.unwrap_or_else(|| Text { value: String::new(), span }),
            body,
            span,
        }
    }

    fn age_range(&mut self, p: P) -> AgeRange {
        let span = self.span(&p);
        let mut r = AgeRange { min: None, max: None, months: false, span };
        for x in p.into_inner() {
            let rule = x.as_rule();
            let inner: Vec<P> = x.into_inner().collect();
            r.months |= inner.iter().any(|n| n.as_rule() == Rule::age_months);
            let nums: Vec<u32> = inner
                .into_iter()
                .filter(|n| n.as_rule() == Rule::int)
                .map(|n| self.u32_of(n))
                .collect();
            match rule {
                Rule::age_between => {
                    r.min = nums.first().copied();
                    r.max = nums.get(1).copied();
                }
                Rule::age_over => r.min = nums.first().copied(),
                Rule::age_under => r.max = nums.first().copied(),
                _ => {}
            }
        }
        r
    }

    fn register(&mut self, p: P) -> Register {
        let span = self.span(&p);
        let mut id = None;
        let mut title = None;
        let mut stmts = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::name => id = Some(self.ident(c)),
                Rule::string => title = Some(self.text(c)),
                Rule::age_limit => {
                    if let Some(r) = c.into_inner().find(|x| x.as_rule() == Rule::age_range) {
                        stmts.push(RegisterStmt::Age(self.age_range(r)));
                    }
                }
                Rule::where_stmt => {
                    if let Some(e) = c.into_inner().find(|x| x.as_rule() == Rule::expr) {
                        stmts.push(RegisterStmt::Where(self.expr(e)));
                    }
                }
                Rule::prevalence_stmt => {
                    let s = self.span(&c);
                    let adjusted = !c.into_inner().any(|x| x.as_rule() == Rule::not_kw);
                    stmts.push(RegisterStmt::Prevalence { adjusted, span: s });
                }
                Rule::list_stmt => {
                    if let Some(t) = c.into_inner().find(|x| x.as_rule() == Rule::list_type) {
                        stmts.push(RegisterStmt::List { list_type: self.ident(t) });
                    }
                }
                _ => {}
            }
        }
        Register {
            id: id.unwrap_or_else(|| Ident { name: String::new(), span }),
            title: title.unwrap_or_else(|| Text { value: String::new(), span }),
            stmts,
            span,
        }
    }

    fn define(&mut self, p: P) -> Define {
        let span = self.span(&p);
        let mut id = None;
        let mut title = None;
        let mut expr = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::name => id = Some(self.ident(c)),
                Rule::string => title = Some(self.text(c)),
                Rule::expr => expr = Some(self.expr(c)),
                _ => {}
            }
        }
        Define {
            id: id.unwrap_or_else(|| Ident { name: String::new(), span }),
            title,
            expr: expr.unwrap_or(Expr { kind: ExprKind::Bool(false), span }),
            span,
        }
    }

    // ------------------------------------------------------------ indicators

    fn indicator(&mut self, p: P) -> Indicator {
        let span = self.span(&p);
        let mut id = None;
        let mut title = None;
        let mut network = false;
        let mut stmts = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::network_kw => network = true,
                Rule::name => id = Some(self.ident(c)),
                Rule::string => title = Some(self.text(c)),
                _ => {
                    if let Some(s) = self.ind_stmt(c) {
                        stmts.push(s)
                    }
                }
            }
        }
        Indicator {
            id: id.unwrap_or_else(|| Ident { name: String::new(), span }),
            title: title.unwrap_or_else(|| Text { value: String::new(), span }),
            network,
            stmts,
            span,
        }
    }

    fn change(&mut self, p: P) -> Change {
        let span = self.span(&p);
        let mut id = None;
        let mut stmts = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::name => id = Some(self.ident(c)),
                _ => {
                    if let Some(s) = self.ind_stmt(c) {
                        stmts.push(s)
                    }
                }
            }
        }
        Change { id: id.unwrap_or_else(|| Ident { name: String::new(), span }), stmts, span }
    }

    fn first_inner<'i>(p: P<'i>, rule: Rule) -> Option<P<'i>> {
        p.into_inner().find(|x| x.as_rule() == rule)
    }

    fn ind_stmt(&mut self, c: P) -> Option<IndStmt> {
        let span = self.span(&c);
        Some(match c.as_rule() {
            Rule::title_stmt => IndStmt::Title(self.text(Self::first_inner(c, Rule::string)?)),
            Rule::group_stmt => IndStmt::Group(self.ident(Self::first_inner(c, Rule::name)?)),
            Rule::domain_stmt => IndStmt::Domain(self.ident(Self::first_inner(c, Rule::name)?)),
            Rule::points_stmt => IndStmt::Points(self.num(Self::first_inner(c, Rule::number)?)),
            Rule::thresholds_stmt => {
                let mut ps = c.clone().into_inner().filter(|x| x.as_rule() == Rule::percent);
                let lower = self.num(ps.next()?);
                let upper = self.num(ps.next()?);
                let lower_points = Self::first_inner(c, Rule::lower_points)
                    .and_then(|l| Self::first_inner(l, Rule::number))
                    .map(|n| self.num(n));
                IndStmt::Thresholds { lower, upper, lower_points, span }
            }
            Rule::register_kind => {
                IndStmt::RegisterKind(self.ident(Self::first_inner(c, Rule::name)?))
            }
            Rule::attested_kind => IndStmt::Attested(span),
            Rule::monitored_kind => IndStmt::Monitored(span),
            Rule::denominator_stmt => {
                let mut cohort = None;
                let mut filter = None;
                for x in c.into_inner() {
                    match x.as_rule() {
                        Rule::all_patients => {
                            cohort = Some(Cohort::AllPatients { span: self.span(&x) })
                        }
                        Rule::name => cohort = Some(Cohort::Register { register: self.ident(x) }),
                        Rule::expr => filter = Some(self.expr(x)),
                        _ => {}
                    }
                }
                IndStmt::Denominator { cohort: cohort?, filter, span }
            }
            Rule::exclude_stmt => IndStmt::Exclude(self.expr(Self::first_inner(c, Rule::expr)?)),
            Rule::achieved_stmt => IndStmt::Achieved(self.expr(Self::first_inner(c, Rule::expr)?)),
            Rule::adjustments_block => IndStmt::Adjustments { items: self.adjustments(c), span },
            Rule::adjustments_ref => {
                IndStmt::AdjustmentsRef { set: self.ident(Self::first_inner(c, Rule::name)?), span }
            }
            Rule::stratum_decl => {
                let mut id = None;
                let mut when = None;
                let mut stmts = Vec::new();
                for x in c.into_inner() {
                    match x.as_rule() {
                        Rule::name => id = Some(self.ident(x)),
                        Rule::expr => when = Some(self.expr(x)),
                        Rule::k_stratum
                        | Rule::k_when
                        | Rule::otherwise_kw
                        | Rule::lbrace
                        | Rule::rbrace => {}
                        _ => {
                            if let Some(s) = self.ind_stmt(x) {
                                stmts.push(s)
                            }
                        }
                    }
                }
                IndStmt::Stratum(Stratum { id: id?, when, stmts, span })
            }
            Rule::report_stmt => IndStmt::Report(self.report(c)?),
            _ => return None,
        })
    }

    fn category(&mut self, p: P) -> (Category, Span, Option<Text>) {
        let span = self.span(&p);
        let Some(inner) = p.into_inner().next() else {
            return (Category::Unsuitable, span, None);
        };
        match inner.as_rule() {
            Rule::cat_unsuitable => (Category::Unsuitable, span, None),
            Rule::cat_chose => (Category::ChoseNotTo, span, None),
            Rule::cat_no_response => (Category::NoResponse, span, None),
            Rule::cat_unavailable => (Category::ServiceUnavailable, span, None),
            Rule::cat_new => (Category::NewPatient, span, None),
            _ => {
                let mut name = String::new();
                let mut name_span = span;
                let mut label = None;
                for x in inner.into_inner() {
                    match x.as_rule() {
                        Rule::name => {
                            let id = self.ident(x);
                            name = id.name;
                            name_span = id.span;
                        }
                        Rule::string => label = Some(self.text(x)),
                        _ => {}
                    }
                }
                (Category::Custom(name), name_span, label)
            }
        }
    }

    // ------------------------------------------------------------ gateways, tiers, obligations

    fn pays(&self, p: P) -> Option<Pays> {
        let span = self.span(&p);
        let mut amount = None;
        let mut once = false;
        for x in p.into_inner() {
            match x.as_rule() {
                Rule::money => amount = Some(self.num(x)),
                Rule::once_kw => once = true,
                _ => {}
            }
        }
        Some(Pays { amount: amount?, once, span })
    }

    fn gateway(&mut self, p: P) -> Gateway {
        let span = self.span(&p);
        let mut g = Gateway {
            id: Ident { name: String::new(), span },
            title: Text { value: String::new(), span },
            requires: vec![],
            pays: None,
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::name => g.id = self.ident(c),
                Rule::string => g.title = self.text(c),
                Rule::requires_stmt => {
                    if let Some(nl) = Self::first_inner(c, Rule::name_list) {
                        g.requires.extend(self.name_list(nl));
                    }
                }
                Rule::pays_stmt => g.pays = self.pays(c),
                _ => {}
            }
        }
        g
    }

    fn tier(&mut self, p: P) -> Tier {
        let span = self.span(&p);
        let mut t = Tier {
            id: Ident { name: String::new(), span },
            title: Text { value: String::new(), span },
            requires: Ident { name: String::new(), span },
            includes: vec![],
            pays: None,
            span,
        };
        let mut names = 0;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::name => {
                    if names == 0 {
                        t.id = self.ident(c);
                    } else {
                        t.requires = self.ident(c);
                    }
                    names += 1;
                }
                Rule::string => t.title = self.text(c),
                Rule::includes_stmt => {
                    if let Some(nl) = Self::first_inner(c, Rule::name_list) {
                        t.includes.extend(self.name_list(nl));
                    }
                }
                Rule::pays_stmt => t.pays = self.pays(c),
                _ => {}
            }
        }
        t
    }

    /// The `adjustment`s of a block (an indicator's or a named set's).
    fn adjustments(&mut self, p: P) -> Vec<Adjustment> {
        let mut items = Vec::new();
        for a in p.into_inner().filter(|x| x.as_rule() == Rule::adjustment) {
            let aspan = self.span(&a);
            let mut cat = None;
            let mut when = None;
            for x in a.into_inner() {
                match x.as_rule() {
                    Rule::category => cat = Some(self.category(x)),
                    Rule::expr => when = Some(self.expr(x)),
                    _ => {}
                }
            }
            if let (Some((category, category_span, label)), Some(when)) = (cat, when) {
                items.push(Adjustment { category, category_span, label, when, span: aspan });
            }
        }
        items
    }

    fn category_decl(&mut self, p: P) -> CategoryDecl {
        let span = self.span(&p);
        let mut c = CategoryDecl { id: Ident { name: String::new(), span }, title: None, span };
        for x in p.into_inner() {
            match x.as_rule() {
                Rule::name => c.id = self.ident(x),
                Rule::string => c.title = Some(self.text(x)),
                _ => {}
            }
        }
        c
    }

    fn obligation(&mut self, p: P) -> Obligation {
        let span = self.span(&p);
        let mut o = Obligation {
            id: Ident { name: String::new(), span },
            title: Text { value: String::new(), span },
            workstream: None,
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::name => o.id = self.ident(c),
                Rule::string => o.title = self.text(c),
                Rule::workstream_stmt => {
                    o.workstream = Self::first_inner(c, Rule::name).map(|n| self.ident(n))
                }
                _ => {}
            }
        }
        o
    }

    // ------------------------------------------------------------ tests

    fn test(&mut self, p: P) -> Test {
        let span = self.span(&p);
        let mut name = Text { value: String::new(), span };
        let mut patients = Vec::new();
        let mut list_size = None;
        let mut expects = Vec::new();
        let mut figures = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::string => name = self.text(c),
                Rule::test_patient => patients.push(self.test_patient(c)),
                Rule::test_list_size => {
                    list_size = Self::first_inner(c, Rule::int).map(|n| self.num(n))
                }
                Rule::expect_figure => {
                    let es = self.span(&c);
                    let mut indicator = None;
                    let mut figure = None;
                    for x in c.into_inner() {
                        match x.as_rule() {
                            Rule::name => indicator = Some(self.ident(x)),
                            Rule::figure_points => {
                                figure = Self::first_inner(x, Rule::number)
                                    .map(|n| (Figure::Points, self.num(n)))
                            }
                            Rule::figure_payment => {
                                figure = Self::first_inner(x, Rule::money)
                                    .map(|n| (Figure::Payment, self.num(n)))
                            }
                            _ => {}
                        }
                    }
                    if let Some((figure, value)) = figure {
                        figures.push(ExpectFigure { indicator, figure, value, span: es });
                    }
                }
                Rule::expect_stmt => {
                    let es = self.span(&c);
                    let mut indicator = None;
                    let mut outcome = None;
                    let mut stratum = None;
                    for x in c.into_inner() {
                        let xs = self.span(&x);
                        match x.as_rule() {
                            Rule::name if indicator.is_none() => indicator = Some(self.ident(x)),
                            Rule::name => stratum = Some(self.ident(x)),
                            Rule::out_excluded => outcome = Some((Outcome::Excluded, xs)),
                            Rule::out_denominator => outcome = Some((Outcome::Denominator, xs)),
                            Rule::out_numerator => outcome = Some((Outcome::Numerator, xs)),
                            Rule::out_adjusted => {
                                let cat = Self::first_inner(x, Rule::category)
                                    .map(|c| self.category(c).0);
                                outcome = Some((Outcome::Adjusted(cat), xs));
                            }
                            _ => {}
                        }
                    }
                    if let (Some(indicator), Some((outcome, outcome_span))) = (indicator, outcome) {
                        expects.push(Expect {
                            indicator,
                            outcome,
                            outcome_span,
                            stratum,
                            span: es,
                        });
                    }
                }
                _ => {}
            }
        }
        let mut patients = patients.into_iter();
        let patient = patients.next().unwrap_or_else(|| blank_patient(span));
        Test { name, patient, more_patients: patients.collect(), list_size, expects, figures, span }
    }

    fn test_patient(&mut self, p: P) -> TestPatient {
        let span = self.span(&p);
        let mut t = blank_patient(span);
        for c in p.into_inner() {
            let cs = self.span(&c);
            match c.as_rule() {
                Rule::born_attr => t.born = Self::first_inner(c, Rule::date).map(|d| self.date(d)),
                Rule::sex_attr => {
                    let female = c.into_inner().any(|x| x.as_rule() == Rule::k_female);
                    t.sex = Some((if female { Sex::Female } else { Sex::Male }, cs));
                }
                Rule::registered_attr => {
                    t.registered = Self::first_inner(c, Rule::date).map(|d| self.date(d))
                }
                Rule::deregistered_attr => {
                    t.deregistered = Self::first_inner(c, Rule::date).map(|d| self.date(d))
                }
                Rule::decile_attr => {
                    t.deprivation_decile = Self::first_inner(c, Rule::int).map(|n| self.num(n))
                }
                Rule::practice_attr => {
                    t.practice = Self::first_inner(c, Rule::string).map(|s| self.text(s))
                }
                Rule::test_event => {
                    let mut code = None;
                    let mut date = None;
                    let mut value = None;
                    for x in c.into_inner() {
                        let xs = self.span(&x);
                        match x.as_rule() {
                            Rule::code => match x.as_str().parse::<u64>() {
                                Ok(v) => code = Some(TestCode::Snomed { code: v, span: xs }),
                                Err(_) => self.diags.push(
                                    Diagnostic::error(
                                        Code::BadCode,
                                        self.file,
                                        xs,
                                        format!("`{}` is not a SNOMED CT code", x.as_str()),
                                    )
                                    .with_help("SNOMED CT concept ids have at most 18 digits"),
                                ),
                            },
                            Rule::name => code = Some(TestCode::List { list: self.ident(x) }),
                            Rule::date => date = Some(self.date(x)),
                            Rule::number => value = Some(self.num(x)),
                            _ => {}
                        }
                    }
                    if let (Some(code), Some(date)) = (code, date) {
                        t.events.push(TestEvent { code, date, value, span: cs });
                    }
                }
                _ => {}
            }
        }
        t
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, p: P) -> Expr {
        let span = self.tight(&p);
        match p.as_rule() {
            Rule::expr | Rule::and_expr => {
                let is_or = p.as_rule() == Rule::expr;
                let mut operands =
                    p.into_inner().filter(|x| !matches!(x.as_rule(), Rule::k_or | Rule::k_and));
                // Most `expr` and `and_expr` nodes wrap a single operand: return it without
                // collecting a vector.
                let mut parts = Vec::new();
                if let Some(first) = operands.next() {
                    let first = self.expr(first);
                    let Some(second) = operands.next() else {
                        return first;
                    };
                    parts.push(first);
                    parts.push(self.expr(second));
                    for x in operands {
                        parts.push(self.expr(x));
                    }
                }
                let kind = if is_or { ExprKind::Or(parts) } else { ExprKind::And(parts) };
                Expr { kind, span }
            }
            Rule::not_expr => {
                let mut nots = Vec::new();
                let mut atom = None;
                for x in p.into_inner() {
                    match x.as_rule() {
                        Rule::not_kw => nots.push(self.span(&x).start),
                        // a parenthesised atom arrives as `(`, expr, `)` (atom is silent)
                        Rule::lparen | Rule::rparen => {}
                        _ => atom = Some(self.expr(x)),
                    }
                }
                let mut e = atom.unwrap_or(Expr { kind: ExprKind::Bool(false), span });
                if nots.len() > MAX_DEPTH {
                    self.diags.push(
                        Diagnostic::error(
                            Code::TooDeep,
                            self.file,
                            span,
                            "too many `not`s in a row",
                        )
                        .with_help(format!(
                            "at most {MAX_DEPTH} are allowed; two `not`s cancel out"
                        )),
                    );
                    return e;
                }
                for start in nots.into_iter().rev() {
                    let s = Span { start, end: e.span.end };
                    e = Expr { kind: ExprKind::Not(Box::new(e)), span: s };
                }
                e
            }
            Rule::bool_lit => {
                let v = p.into_inner().any(|x| x.as_rule() == Rule::k_true);
                Expr { kind: ExprKind::Bool(v), span }
            }
            Rule::on_register => {
                let kind = match Self::first_inner(p, Rule::name) {
                    Some(n) => ExprKind::OnRegister(self.ident(n)),
                    None => ExprKind::Bool(false),
                };
                Expr { kind, span }
            }
            Rule::aged => {
                let kind = match Self::first_inner(p, Rule::age_range) {
                    Some(r) => ExprKind::Aged(self.age_range(r)),
                    None => ExprKind::Bool(false),
                };
                Expr { kind, span }
            }
            Rule::sex_test => {
                let female = p.into_inner().any(|x| x.as_rule() == Rule::k_female);
                Expr { kind: ExprKind::Sex(if female { Sex::Female } else { Sex::Male }), span }
            }
            Rule::registered_test => {
                let kind = match Self::first_inner(p, Rule::window) {
                    Some(w) => ExprKind::Registered(self.window(w)),
                    None => ExprKind::Bool(false),
                };
                Expr { kind, span }
            }
            Rule::count_test => {
                let mut list = None;
                let mut window = None;
                let mut apart_days = None;
                let mut cmp = Cmp::Ge;
                let mut value = None;
                for x in p.into_inner() {
                    match x.as_rule() {
                        Rule::name => list = Some(self.ident(x)),
                        Rule::window => window = Some(self.window(x)),
                        Rule::apart => {
                            apart_days = Self::first_inner(x, Rule::int).map(|n| self.num(n))
                        }
                        Rule::cmp => cmp = cmp_of(x.as_str()),
                        Rule::int => value = Some(self.num(x)),
                        _ => {}
                    }
                }
                match (list, value) {
                    (Some(list), Some(value)) => Expr {
                        kind: ExprKind::Count { list, window, apart_days, cmp, value },
                        span,
                    },
                    _ => Expr { kind: ExprKind::Bool(false), span },
                }
            }
            Rule::event_test => {
                let mut pick = None;
                let mut names = Vec::new();
                let mut window = None;
                let mut pred = None;
                for x in p.into_inner() {
                    match x.as_rule() {
                        Rule::selector => {
                            for y in x.into_inner() {
                                match y.as_rule() {
                                    Rule::pick => pick = Some(pick_of(&y)),
                                    Rule::name => names.push(self.ident(y)),
                                    _ => {}
                                }
                            }
                        }
                        Rule::window => window = Some(self.window(x)),
                        Rule::value_pred => {
                            let ps = self.tight(&x);
                            let mut cmp = Cmp::Eq;
                            let mut agg = None;
                            let mut nums = Vec::new();
                            for y in x.into_inner() {
                                match y.as_rule() {
                                    Rule::value_agg => {
                                        agg = Some(if y.as_str() == "highest" {
                                            ValueAgg::Highest
                                        } else {
                                            ValueAgg::Lowest
                                        })
                                    }
                                    Rule::cmp => cmp = cmp_of(y.as_str()),
                                    Rule::number => nums.push(self.num(y)),
                                    _ => {}
                                }
                            }
                            let mut nums = nums.into_iter();
                            if let Some(value) = nums.next() {
                                pred = Some(EventPred::Value {
                                    agg,
                                    cmp,
                                    value,
                                    paired_value: nums.next(),
                                    span: ps,
                                });
                            }
                        }
                        Rule::date_pred => {
                            let ps = self.tight(&x);
                            let mut rel = DateRel::After;
                            let mut dpick = Pick::Latest;
                            let mut list = None;
                            let mut dwin = None;
                            for y in x.into_inner() {
                                match y.as_rule() {
                                    Rule::date_rel => {
                                        let ks: Vec<Rule> =
                                            y.into_inner().map(|k| k.as_rule()).collect();
                                        let or = ks.contains(&Rule::k_or);
                                        rel = match (ks.contains(&Rule::k_after), or) {
                                            (true, true) => DateRel::OnOrAfter,
                                            (true, false) => DateRel::After,
                                            (false, true) => DateRel::OnOrBefore,
                                            (false, false) => DateRel::Before,
                                        };
                                    }
                                    Rule::pick => dpick = pick_of(&y),
                                    Rule::name => list = Some(self.ident(y)),
                                    Rule::window => dwin = Some(self.window(y)),
                                    _ => {}
                                }
                            }
                            if let Some(list) = list {
                                pred = Some(EventPred::Date {
                                    rel,
                                    pick: dpick,
                                    list,
                                    window: dwin,
                                    span: ps,
                                });
                            }
                        }
                        Rule::within_pred => {
                            let ps = self.span(&x);
                            if let Some(w) = Self::first_inner(x, Rule::window) {
                                pred = Some(EventPred::Within { window: self.window(w), span: ps });
                            }
                        }
                        Rule::member_pred => {
                            let ps = self.span(&x);
                            if let Some(n) = Self::first_inner(x, Rule::name) {
                                pred = Some(EventPred::Member { list: self.ident(n), span: ps });
                            }
                        }
                        _ => {}
                    }
                }
                let mut names = names.into_iter();
                match names.next() {
                    Some(list) => Expr {
                        kind: ExprKind::Event { pick, list, paired: names.next(), window, pred },
                        span,
                    },
                    None => Expr { kind: ExprKind::Bool(false), span },
                }
            }
            _ => {
                // parenthesised expression: lparen expr rparen
                match p.into_inner().find(|x| x.as_rule() == Rule::expr) {
                    Some(e) => self.expr(e),
                    None => Expr { kind: ExprKind::Bool(false), span },
                }
            }
        }
    }

    fn unit(p: &P) -> Unit {
        match p.clone().into_inner().next().map(|k| k.as_rule()) {
            Some(Rule::k_days | Rule::k_day) => Unit::Days,
            Some(Rule::k_weeks | Rule::k_week) => Unit::Weeks,
            Some(Rule::k_years | Rule::k_year) => Unit::Years,
            _ => Unit::Months,
        }
    }

    fn anchor(&mut self, p: P) -> Anchor {
        let span = self.span(&p);
        let mut pick = Pick::Latest;
        let mut list = None;
        for x in p.into_inner() {
            match x.as_rule() {
                Rule::date => return Anchor::Date(self.date(x)),
                Rule::k_registration => return Anchor::Registration { span },
                Rule::k_birth => return Anchor::Birth { span },
                Rule::period_start => return Anchor::PeriodStart { span },
                Rule::period_end => return Anchor::PeriodEnd { span },
                Rule::pick => pick = pick_of(&x),
                Rule::name => list = Some(self.ident(x)),
                _ => {}
            }
        }
        match list {
            Some(list) => Anchor::Event { pick, list, span },
            None => Anchor::Registration { span },
        }
    }

    fn offset_anchor(&mut self, p: P) -> OffsetAnchor {
        let span = self.span(&p);
        let mut n = None;
        let mut unit = Unit::Months;
        let mut unit_span = span;
        let mut sign = 1i64;
        let mut anchor = Anchor::Registration { span };
        for x in p.into_inner() {
            match x.as_rule() {
                Rule::int => n = Some((self.u32_of(x.clone()), self.span(&x))),
                Rule::unit => {
                    unit = Self::unit(&x);
                    unit_span = self.span(&x);
                }
                Rule::k_before => sign = -1,
                Rule::k_after => sign = 1,
                Rule::anchor => anchor = self.anchor(x),
                _ => {}
            }
        }
        let offset = n.map(|(n, s)| (sign * i64::from(n), unit, s.to(unit_span)));
        OffsetAnchor { offset, anchor, span }
    }

    fn window(&mut self, p: P) -> Window {
        let span = self.span(&p);
        let Some(w) = p.into_inner().next() else {
            return Window { kind: WindowKind::Since(DateLit { date: Date(0), span }), span };
        };
        let kind = match w.as_rule() {
            Rule::win_last => {
                let mut n = None;
                let mut unit = Unit::Months;
                for x in w.into_inner() {
                    match x.as_rule() {
                        Rule::int => n = Some(self.num(x)),
                        Rule::unit => unit = Self::unit(&x),
                        _ => {}
                    }
                }
                WindowKind::Last { n: n.unwrap_or(Num { text: "0".into(), span }), unit }
            }
            Rule::win_since => match Self::first_inner(w, Rule::date) {
                Some(d) => WindowKind::Since(self.date(d)),
                None => WindowKind::Since(DateLit { date: Date(0), span }),
            },
            Rule::win_before | Rule::win_after => {
                let before = w.as_rule() == Rule::win_before;
                let anchor = match Self::first_inner(w, Rule::anchor) {
                    Some(a) => self.anchor(a),
                    None => Anchor::Registration { span },
                };
                if before {
                    WindowKind::Before(anchor)
                } else {
                    WindowKind::After(anchor)
                }
            }
            Rule::win_period => WindowKind::Period,
            Rule::win_on_or_before | Rule::win_on_or_after | Rule::win_since_anchor => {
                let rule = w.as_rule();
                let anchor = match Self::first_inner(w, Rule::anchor) {
                    Some(a) => self.anchor(a),
                    None => Anchor::Registration { span },
                };
                match rule {
                    Rule::win_on_or_before => WindowKind::OnOrBefore(anchor),
                    Rule::win_on_or_after => WindowKind::OnOrAfter(anchor),
                    _ => WindowKind::SinceAnchor(anchor),
                }
            }
            Rule::win_between => {
                let ds: Vec<P> = w.into_inner().filter(|x| x.as_rule() == Rule::date).collect();
                let mut it = ds.into_iter();
                let a = it.next().map(|d| self.date(d)).unwrap_or(DateLit { date: Date(0), span });
                let b = it.next().map(|d| self.date(d)).unwrap_or(DateLit { date: Date(0), span });
                WindowKind::Between(a, b)
            }
            _ => {
                let oas: Vec<P> =
                    w.into_inner().filter(|x| x.as_rule() == Rule::offset_anchor).collect();
                let mut it = oas.into_iter();
                let blank =
                    OffsetAnchor { offset: None, anchor: Anchor::Registration { span }, span };
                let a = it.next().map(|x| self.offset_anchor(x)).unwrap_or_else(|| blank.clone());
                let b = it.next().map(|x| self.offset_anchor(x)).unwrap_or(blank);
                WindowKind::From(a, b)
            }
        };
        Window { kind, span }
    }
}

/// A test patient with nothing recorded yet (also stands in when a test has no patient block).
fn blank_patient(span: Span) -> TestPatient {
    TestPatient {
        born: None,
        sex: None,
        registered: None,
        deregistered: None,
        deprivation_decile: None,
        practice: None,
        events: vec![],
        span,
    }
}

fn pick_of(p: &P) -> Pick {
    if p.clone().into_inner().any(|k| k.as_rule() == Rule::k_first) {
        Pick::First
    } else {
        Pick::Latest
    }
}

fn cmp_of(s: &str) -> Cmp {
    match s {
        "<=" => Cmp::Le,
        ">=" => Cmp::Ge,
        "<" => Cmp::Lt,
        ">" => Cmp::Gt,
        "!=" => Cmp::Ne,
        _ => Cmp::Eq,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> File {
        let (f, d) = parse(src, 0);
        assert!(d.is_empty(), "unexpected errors: {d:#?}");
        f
    }

    #[test]
    fn parses_the_sketch() {
        let f = ok(r#"
scheme qof_2019_20 "QOF 2019/20" {
  period 2019-04-01 to 2020-03-31
  point value £187.74
  national average list size 8479
  rounding points 2 decimals
}
codelist DM_COD "Diabetes" snomed { 44054006, 46635009 }
register DM "Diabetes mellitus" {
  patients aged 17 or over
  where latest DM_COD is after latest DMRES_COD
  prevalence adjusted, list 17OV
}
indicator DM020 "HbA1c" {
  group DM, domain clinical, points 17
  thresholds 35% to 75%
  denominator DM where not latest FRAIL_COD is in FRAIL_MODSEV
  achieved when latest IFCCHBAM_COD in last 12 months has value <= 58
  adjustments {
    unsuitable   when DMPCAPU_COD in last 12 months
    chose not to when DMPCADEC_COD in last 12 months
    no response  when count DMINVITE_COD in last 12 months at least 7 days apart >= 2
    new patient  when first DM_COD is in last 9 months or registered in last 9 months
  }
}
"#);
        assert_eq!(f.items.len(), 4);
        let Item::Indicator(ind) = &f.items[3] else { panic!("not an indicator") };
        assert_eq!(ind.id.name, "DM020");
        assert_eq!(ind.stmts.len(), 7);
    }

    #[test]
    fn reports_one_error_per_broken_statement_and_keeps_the_rest() {
        let src = "codelist A \"a\" snomed { 1 }\nindicator X \"x\" { points }\nindicator Y \"y\" { group, domain D }\ncodelist B \"b\" snomed { 2 }\n";
        let (f, d) = parse(src, 0);
        assert_eq!(d.len(), 2, "{d:#?}");
        assert!(d[0].message.contains('}'), "{}", d[0].message);
        // the broken statements are skipped, their items kept with the statements that are fine
        assert_eq!(f.items.len(), 4);
        let Item::Indicator(y) = &f.items[2] else { panic!("not an indicator") };
        assert!(matches!(&y.stmts[..], [IndStmt::Domain(d)] if d.name == "D"), "{:?}", y.stmts);
        let skipped: Vec<&str> = f.skipped.iter().map(|s| &src[s.span.range()]).collect();
        assert_eq!(skipped, ["points", "group,"]);
        assert!(f.skipped.iter().all(|s| s.declares.is_none()));
    }

    #[test]
    fn an_item_broken_before_its_block_is_skipped_with_its_name() {
        let src = "indicator X { points 1 }\ncodelist B \"b\" snomed { 2 }\n";
        let (f, d) = parse(src, 0);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(f.items.len(), 1);
        assert_eq!(f.skipped.len(), 1);
        assert_eq!(f.skipped[0].declares.as_ref().map(|n| n.name.as_str()), Some("X"));
        assert_eq!(&src[f.skipped[0].span.range()], "indicator X { points 1 }");
    }

    #[test]
    fn junk_after_a_whole_item_is_skipped_and_the_item_kept() {
        let src = "keep A, B C\nretire D\n";
        let (f, d) = parse(src, 0);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].message, "unexpected `C`");
        assert!(matches!(&f.items[0], Item::Keep(k) if k.names.len() == 2), "{:?}", f.items);
        assert_eq!(f.items.len(), 2);
    }

    #[test]
    fn an_unclosed_brace_is_reported_at_the_brace_and_closed() {
        let src =
            "indicator X \"x\" {\n  adjustments {\n    unsuitable when A\n  achieved when B\n}\n";
        let (f, d) = parse(src, 0);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].message, "unclosed `{`");
        let brace = src.find("s {").map(|i| i + 2).unwrap_or(0);
        assert_eq!(d[0].source().map(|(_, s)| s.start as usize), Some(brace));
        assert_eq!(d[0].labels[0].message, "this `{` is never closed");
        let gave_up = src.find("achieved").unwrap_or(0);
        assert_eq!(d[0].labels[1].span.start as usize, gave_up);
        // closed where the parser gave up: `achieved` is the indicator's again
        let Item::Indicator(x) = &f.items[0] else { panic!("not an indicator") };
        assert!(x.stmts.iter().any(|s| matches!(s, IndStmt::Achieved(_))), "{:?}", x.stmts);
        assert!(f.skipped.is_empty());
    }

    #[test]
    fn misspelt_keywords_get_a_suggestion_and_no_rule_names() {
        for (src, word) in [
            ("indicator X \"x\" { pionts 1 }", "points"),
            ("define X = A in last 3 monts", "months"),
            ("registr R \"r\" { where true }", "register"),
        ] {
            let (_, d) = parse(src, 0);
            assert_eq!(d[0].help.as_deref(), Some(&*format!("did you mean `{word}`?")), "{src}");
        }
        // keyword rules have their word (generated from the grammar), other rules none
        assert_eq!(keyword(Rule::k_points), Some("points"));
        assert_eq!(keyword(Rule::k_deregistered), Some("deregistered"));
        assert_eq!(keyword(Rule::indicator_decl), None);
        let (_, d) = parse("indicator X \"x\" { colour blue }", 0);
        let help = d[0].help.clone().unwrap_or_default();
        assert!(
            help.contains("`achieved`") && !help.contains("k_") && !help.contains("_stmt"),
            "{help}"
        );
    }

    #[test]
    fn expression_spans_stop_at_their_last_word() {
        let src =
            "define X = latest A in last 12 months   // why\n  \ncodelist A \"a\" snomed { 1 }";
        let f = ok(src);
        let Item::Define(d) = &f.items[0] else { panic!("not a define") };
        assert_eq!(&src[d.expr.span.range()], "latest A in last 12 months");
        let src = "define X = A or B // note\ndefine Y = C";
        let f = ok(src);
        let Item::Define(d) = &f.items[0] else { panic!("not a define") };
        assert_eq!(&src[d.expr.span.range()], "A or B");
    }

    #[test]
    fn parentheses_keep_their_expression() {
        let f = ok("define X = not (A or B) and (C)");
        let Item::Define(d) = &f.items[0] else { panic!("not a define") };
        let ExprKind::And(parts) = &d.expr.kind else { panic!("not an and: {:?}", d.expr) };
        let ExprKind::Not(inner) = &parts[0].kind else { panic!("not a not: {:?}", parts[0]) };
        assert!(matches!(&inner.kind, ExprKind::Or(v) if v.len() == 2), "{inner:?}");
        assert!(matches!(&parts[1].kind, ExprKind::Event { list, .. } if list.name == "C"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("define X = {}true{}", "(".repeat(10_000), ")".repeat(10_000));
        let (_, d) = parse(&src, 0);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "too-deep");
        let src = format!("define X = {}true", "not ".repeat(100_000));
        let (_, d) = parse(&src, 0);
        assert_eq!(d[0].code, "too-deep");
    }

    #[test]
    fn for_each_keeps_the_body_and_builds_one_copy_per_value() {
        let src = "for each N in 2 to 4 {\n  indicator CC{N} \"Standard {N}, not {M}\" { group G{N} }\n  define D = true\n}\n";
        let f = ok(src);
        assert_eq!(f.items.len(), 1);
        let Item::ForEach(fe) = &f.items[0] else { panic!("not a for each: {:?}", f.items) };
        assert_eq!(fe.var.name, "N");
        assert_eq!(&src[fe.header.range()], "for each N in 2 to 4");
        // the body as written keeps its placeholders
        let Item::Indicator(t) = &fe.items[0] else { panic!("not an indicator") };
        assert_eq!(t.id.name, "CC{N}");
        assert_eq!(t.title.value, "Standard {N}, not {M}");
        let values: Vec<&str> = fe.instances.iter().map(|i| i.value.as_str()).collect();
        assert_eq!(values, ["2", "3", "4"]);
        // each copy has the placeholders replaced, names and strings, and the body's spans
        let Item::Indicator(c) = &fe.instances[1].items[0] else { panic!("not an indicator") };
        assert_eq!(c.id.name, "CC3");
        assert_eq!(c.title.value, "Standard 3, not {M}");
        assert!(matches!(&c.stmts[0], IndStmt::Group(g) if g.name == "G3"));
        assert_eq!(c.id.span, t.id.span);
        assert_eq!(&src[c.id.span.range()], "CC{N}");
        assert_eq!(fe.instances[2].items.len(), 2);
        // the checker's view: the copies in order, the `for each` itself gone
        let names: Vec<String> = f
            .expanded()
            .map(|i| match i {
                Item::Indicator(x) => x.id.name.clone(),
                Item::Define(x) => x.id.name.clone(),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(names, ["CC2", "D", "CC3", "D", "CC4", "D"]);
    }

    #[test]
    fn for_each_over_a_list() {
        let src = "for each C in AF, chd, 7 { codelist {C}_COD \"{C}\" snomed { 1 } }";
        let f = ok(src);
        let names: Vec<String> = f
            .expanded()
            .map(|i| match i {
                Item::Codelist(x) => format!("{} {}", x.id.name, x.title.value),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(names, ["AF_COD AF", "chd_COD chd", "7_COD 7"]);
    }

    #[test]
    fn for_each_errors_are_located() {
        let err = |src: &str| {
            let (_, d) = parse(src, 0);
            assert_eq!(d.len(), 1, "{d:?}");
            assert_eq!(d[0].code, "bad-for-each");
            let (_, span) = d[0].source().unwrap_or_default();
            (src[span.range()].to_string(), d[0].message.clone())
        };
        assert_eq!(err("for each N in 3 to 1 { }"), ("3 to 1".into(), "`3 to 1` is empty".into()));
        assert_eq!(
            err("for each N in 1 to 1001 { }"),
            ("1 to 1001".into(), "`for each N in 1 to 1001` makes 1001 copies".into())
        );
        // at the limit
        let (f, d) = parse("for each N in 1 to 1000 { define D{N} = true }", 0);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(f.expanded().count(), 1000);
        assert_eq!(
            err("for each N in 0 to 99999999999999999999999 { }"),
            (
                "0 to 99999999999999999999999".into(),
                "`for each N in 0 to 99999999999999999999999` makes too many copies".into()
            )
        );
        assert_eq!(err("for each X in A, B, A { }"), ("A".into(), "`A` is listed twice".into()));
        // a small file cannot copy a lot of text: 1,000 copies of a 5 KB body are too many
        let big =
            format!("for each N in 1 to 1000 {{ define D{{N}} = true // {} \n}}", "x".repeat(5000));
        let (f, d) = parse(&big, 0);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("too long"), "{}", d[0].message);
        assert_eq!(f.expanded().count(), 0);
        // and the budget is the file's: 4 of 1 MB pass, the 5th does not
        let one = format!(
            "for each N in 1 to 1000 {{ define D{{N}} = true // {} \n}}\n",
            "x".repeat(1000)
        );
        let (_, d) = parse(&one.repeat(4), 0);
        assert!(d.is_empty(), "{d:?}");
        let (_, d) = parse(&one.repeat(5), 0);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            err("for each X in A { define D{Y} = true }"),
            ("{Y}".into(), "`{Y}` is not the variable of this `for each`".into())
        );
        assert_eq!(err("define D{N} = true"), ("{N}".into(), "`{N}` outside a `for each`".into()));
        // an error in the body is reported once, not once per copy
        let (_, d) = parse("for each N in 1 to 5 { codelist C{N} \"c\" snomed { 0x } }", 0);
        assert_eq!(d.len(), 1, "{d:?}");
    }
}
