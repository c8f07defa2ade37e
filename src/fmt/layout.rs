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

    fn has_end_comment(&self) -> bool {
        self.comment.is_some() && !self.tokens.is_empty()
    }

    /// `NAME = value`: the first word is padded so the `=` line up.
    fn is_assignment(&self) -> bool {
        matches!(self.tokens.as_slice(), [first, eq, ..] if first.kind == Kind::Word && eq.kind == Kind::Equals)
    }
}

/// The spec's lines, laid out as they come: lines are held only while an
/// alignment run (`=` or end-of-line comments) may still grow, so a large
/// spec never has all its tokens in memory at once.
pub fn layout<'a>(lines: impl IntoIterator<Item = Line<'a>>) -> String {
    let mut layout = Streaming::default();
    for line in lines {
        layout.push(line);
    }
    layout.finish()
}

#[derive(Default)]
struct Streaming<'a> {
    out: String,
    /// Lines (`None`: a blank one) that a run may join with what follows.
    pending: Vec<Option<Laid<'a>>>,
    depth: usize,
    /// A blank line was read since the last line kept.
    blank_pending: bool,
    /// Whether the last line kept opens a block; `None` before the first.
    last_opens: Option<bool>,
}

impl<'a> Streaming<'a> {
    fn push(&mut self, line: Line<'a>) {
        if line.is_blank() {
            self.blank_pending = true;
            return;
        }
        let leading_closes = line.tokens.iter().take_while(|t| t.kind == Kind::Close).count();
        let indent = self.depth.saturating_sub(leading_closes);
        for token in &line.tokens {
            match token.kind {
                Kind::Open => self.depth += 1,
                Kind::Close => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        let laid = Laid {
            indent,
            tokens: line.tokens,
            comment: line.comment,
        };
        // A blank line stays only between two lines, alone, and not just
        // inside a block's braces.
        if std::mem::take(&mut self.blank_pending) && self.last_opens == Some(false) && !laid.starts_with(Kind::Close) {
            self.flush();
            self.pending.push(None);
        }
        self.last_opens = Some(laid.ends_with(Kind::Open));
        let joins = match self.pending.last() {
            Some(Some(previous)) => aligned_together(previous, &laid) || comments_together(previous, &laid),
            _ => false,
        };
        if !joins {
            self.flush();
        }
        self.pending.push(Some(laid));
    }

    /// Writes the lines held: no run crosses from them to what follows.
    fn flush(&mut self) {
        let laid = std::mem::take(&mut self.pending);
        let codes = codes(&laid);
        let comment_columns = comment_columns(&laid, &codes);
        for ((line, code), column) in laid.iter().zip(&codes).zip(comment_columns) {
            if let Some(line) = line {
                self.out.push_str(code);
                if let Some(comment) = line.comment {
                    if !code.is_empty() {
                        let width = code.chars().count();
                        self.out.push_str(&" ".repeat(column.saturating_sub(width).max(1)));
                    } else {
                        self.out.push_str(&INDENT.repeat(line.indent));
                    }
                    self.out.push_str(comment);
                }
            }
            self.out.push('\n');
        }
        // The buffer is reused: its lines are gone, its room is not.
        self.pending = laid;
        self.pending.clear();
    }

    fn finish(mut self) -> String {
        self.flush();
        if self.out.trim().is_empty() {
            self.out.clear();
        }
        self.out
    }
}

/// Consecutive `NAME = value` lines of one block: their `=` line up.
fn aligned_together(a: &Laid<'_>, b: &Laid<'_>) -> bool {
    a.is_assignment() && b.is_assignment() && a.indent == b.indent
}

/// Consecutive lines with end-of-line comments: the comments line up.
fn comments_together(a: &Laid<'_>, b: &Laid<'_>) -> bool {
    a.has_end_comment() && b.has_end_comment()
}

/// The code of each line, indented, `=` aligned, without its comment.
fn codes(laid: &[Option<Laid<'_>>]) -> Vec<String> {
    let mut name_widths = vec![None; laid.len()];
    for group in runs(laid, aligned_together) {
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
    let mut columns = vec![0; laid.len()];
    for group in runs(laid, comments_together) {
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
