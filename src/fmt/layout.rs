//! The canonical layout of a spec's lines.
//!
//! Line breaks are never added or removed (a line break ends a statement),
//! only blank lines; within a line only whitespace changes. So the rules
//! need no keyword:
//! - 4 spaces of indentation per open `{`; a line starting with `}` is
//!   indented like the line that opened the block;
//! - one space between tokens, none before `,`, none inside `[ ]`; tokens
//!   the source wrote without space between them (`[::1]:8080`) stay so,
//!   except around `{ } = -> ^~`, after `,`, and between a word and a
//!   string (`~*"x"` is two values, `~* "x"`);
//! - at most one blank line in a row, none at the start or end of the file,
//!   after a line ending in `{` or before a line starting with `}`;
//! - in consecutive `NAME = value` lines of one block, the `=` line up;
//! - end-of-line comments of consecutive lines start in one column, two
//!   spaces after the longest of those lines.

use crate::syntax::tokens::{Kind, Line, Token};

const INDENT: &str = "    ";

/// One output line before alignment.
struct Laid<'a> {
    indent: usize,
    tokens: Vec<Token<'a>>,
    comment: Option<&'a str>,
}

impl Laid<'_> {
    fn starts_with(&self, kind: Kind) -> bool {
        self.tokens.first().is_some_and(|t| t.kind == kind)
    }

    fn ends_with(&self, kind: Kind) -> bool {
        self.tokens.last().is_some_and(|t| t.kind == kind)
    }

    /// `NAME = value`: the first word is padded so the `=` line up.
    fn is_assignment(&self) -> bool {
        matches!(self.tokens.as_slice(), [first, eq, ..] if first.kind == Kind::Word && eq.kind == Kind::Equals)
    }
}

pub fn layout(lines: &[Line<'_>]) -> String {
    let laid = indent(lines);
    let laid = drop_extra_blanks(laid);
    let codes = codes(&laid);
    let comment_columns = comment_columns(&laid, &codes);
    let mut out = String::new();
    for ((line, code), column) in laid.iter().zip(&codes).zip(comment_columns) {
        if let Some(line) = line {
            out.push_str(code);
            if let Some(comment) = line.comment {
                if !code.is_empty() {
                    let width = code.chars().count();
                    out.push_str(&" ".repeat(column.saturating_sub(width).max(1)));
                } else {
                    out.push_str(&INDENT.repeat(line.indent));
                }
                out.push_str(comment);
            }
        }
        out.push('\n');
    }
    if out.trim().is_empty() {
        out.clear();
    }
    out
}

/// Each line with its indentation; `None` for a blank line.
fn indent<'a>(lines: &[Line<'a>]) -> Vec<Option<Laid<'a>>> {
    let mut depth: usize = 0;
    let mut laid = Vec::with_capacity(lines.len());
    for line in lines {
        if line.is_blank() {
            laid.push(None);
            continue;
        }
        let leading_closes = line.tokens.iter().take_while(|t| t.kind == Kind::Close).count();
        let indent = depth.saturating_sub(leading_closes);
        for token in &line.tokens {
            match token.kind {
                Kind::Open => depth += 1,
                Kind::Close => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        laid.push(Some(Laid {
            indent,
            tokens: line.tokens.clone(),
            comment: line.comment,
        }));
    }
    laid
}

/// Keeps a blank line only between two lines, alone, and not just inside a
/// block's braces.
fn drop_extra_blanks(laid: Vec<Option<Laid<'_>>>) -> Vec<Option<Laid<'_>>> {
    let mut kept: Vec<Option<Laid<'_>>> = Vec::with_capacity(laid.len());
    let mut blank_pending = false;
    for line in laid {
        match line {
            None => blank_pending = true,
            Some(line) => {
                let after = kept.last().and_then(Option::as_ref);
                let keep_blank = blank_pending
                    && after.is_some_and(|prev| !prev.ends_with(Kind::Open))
                    && !line.starts_with(Kind::Close);
                if keep_blank {
                    kept.push(None);
                }
                blank_pending = false;
                kept.push(Some(line));
            }
        }
    }
    kept
}

/// The code of each line, indented, `=` aligned, without its comment.
fn codes(laid: &[Option<Laid<'_>>]) -> Vec<String> {
    let mut name_widths = vec![None; laid.len()];
    for group in runs(laid, |a, b| {
        a.is_assignment() && b.is_assignment() && a.indent == b.indent
    }) {
        let widest = group
            .clone()
            .filter_map(|i| laid[i].as_ref())
            .map(|l| l.tokens[0].text.chars().count())
            .max();
        for i in group {
            name_widths[i] = widest;
        }
    }
    laid.iter()
        .zip(name_widths)
        .map(|(line, name_width)| match line {
            Some(line) if !line.tokens.is_empty() => {
                let mut code = INDENT.repeat(line.indent);
                code.push_str(&join(&line.tokens, name_width.filter(|_| line.is_assignment())));
                code
            }
            _ => String::new(),
        })
        .collect()
}

/// The column each end-of-line comment starts at.
fn comment_columns(laid: &[Option<Laid<'_>>], codes: &[String]) -> Vec<usize> {
    let has_end_comment = |l: &Laid<'_>| l.comment.is_some() && !l.tokens.is_empty();
    let mut columns = vec![0; laid.len()];
    for group in runs(laid, |a, b| has_end_comment(a) && has_end_comment(b)) {
        let widest = group.clone().map(|i| codes[i].chars().count()).max().unwrap_or(0);
        for i in group {
            columns[i] = widest + 2;
        }
    }
    columns
}

/// Index ranges of maximal runs of consecutive lines where each neighbour
/// pair satisfies `together`; a single line is a run of its own when
/// `together(line, line)`.
fn runs<'a>(
    laid: &'a [Option<Laid<'_>>],
    together: impl Fn(&Laid<'_>, &Laid<'_>) -> bool + 'a,
) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    while start < laid.len() {
        let Some(first) = laid[start].as_ref().filter(|l| together(l, l)) else {
            start += 1;
            continue;
        };
        let mut end = start + 1;
        let mut prev = first;
        while let Some(Some(next)) = laid.get(end) {
            if !together(prev, next) {
                break;
            }
            prev = next;
            end += 1;
        }
        runs.push(start..end);
        start = end;
    }
    runs
}

/// The tokens of one line with canonical spacing; the first token padded
/// to `name_width` characters when given.
fn join(tokens: &[Token<'_>], name_width: Option<usize>) -> String {
    let mut code = String::new();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            let before = tokens[i - 1];
            if space_between(before, *token) {
                code.push(' ');
            }
            if i == 1 {
                if let Some(width) = name_width {
                    let pad = width.saturating_sub(before.text.chars().count());
                    code.push_str(&" ".repeat(pad));
                }
            }
        }
        code.push_str(token.text);
    }
    code
}

fn space_between(before: Token<'_>, token: Token<'_>) -> bool {
    use Kind::*;
    match (before.kind, token.kind) {
        (_, Comma) | (OpenList, _) | (_, CloseList) | (Open, Close) => false,
        (Comma, _) => true,
        (Open | Close | Equals | Arrow | PrefixFirst, _) | (_, Open | Close | Equals | Arrow | PrefixFirst) => true,
        // No value is a word and a string: glued (`~*"x"`), they are two.
        (Word | Str, Str) | (Str, Word) => true,
        _ => !token.glued,
    }
}
