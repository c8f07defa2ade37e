//! Physical lines to logical lines: parser directives at the top, `#`
//! comment lines, continuations with the escape character, and the bodies
//! of heredocs, as BuildKit's line scanner reads them.

use super::{Directive, Problem};
use crate::source::{Span, Spanned};

/// Maps byte offsets in a logical line (its continuation lines joined,
/// escape characters removed) back to offsets in the Dockerfile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct OffsetMap {
    /// `(logical start, source start)` of each copied piece, in order.
    pieces: Vec<(usize, usize)>,
}

impl OffsetMap {
    /// A map for text copied unchanged from `source_start`.
    pub(super) fn at(source_start: usize) -> Self {
        OffsetMap {
            pieces: vec![(0, source_start)],
        }
    }

    fn push(&mut self, logical_start: usize, source_start: usize) {
        self.pieces.push((logical_start, source_start));
    }

    /// The source offset of logical offset `at`.
    pub(super) fn pos(&self, at: usize) -> usize {
        let i = self
            .pieces
            .partition_point(|&(logical, _)| logical <= at)
            .saturating_sub(1);
        match self.pieces.get(i) {
            Some(&(logical, source)) => source + at.saturating_sub(logical),
            None => at,
        }
    }

    /// The source span of logical bytes `start..end`: the end maps from
    /// the last byte inside, so a span never runs over a joined line break.
    pub(super) fn span(&self, start: usize, end: usize) -> Span {
        let from = self.pos(start);
        if end <= start {
            return Span::empty(from);
        }
        Span::new(from, self.pos(end - 1) + 1)
    }

    /// The map of the logical text from `from` on, offsets rebased to 0.
    pub(super) fn from(&self, from: usize) -> OffsetMap {
        let first = self
            .pieces
            .partition_point(|&(logical, _)| logical <= from)
            .saturating_sub(1);
        let mut pieces = vec![(0, self.pos(from))];
        pieces.extend(
            self.pieces
                .iter()
                .skip(first + 1)
                .map(|&(logical, source)| (logical - from, source)),
        );
        OffsetMap { pieces }
    }
}

/// One instruction's text: its lines joined as BuildKit joins them.
#[derive(Debug)]
pub(super) struct Logical {
    pub text: String,
    pub map: OffsetMap,
    /// From the first byte of the instruction to the end of its last line.
    pub span: Span,
    /// 1-based number of its first line.
    pub line: usize,
}

/// A heredoc body read after its instruction.
pub(super) struct Body {
    pub text: String,
    pub span: Span,
    pub terminated: bool,
}

/// One physical line: `start..end` excludes the line break (and any `\r`
/// before it).
struct Line {
    start: usize,
    end: usize,
    number: usize,
}

pub(super) struct Lexer<'a> {
    text: &'a str,
    /// Start of the next physical line.
    pos: usize,
    lines_read: usize,
    pub escape: char,
    /// Still reading parser directives: nothing else seen yet.
    directives_open: bool,
    pub directives: Vec<Directive>,
    pub comments: Vec<Spanned<String>>,
    pub problems: Vec<Problem>,
    /// End of the last line consumed.
    pub end: usize,
}

impl<'a> Lexer<'a> {
    /// `directives`: whether the text may start with parser directives
    /// (a whole Dockerfile, not one instruction).
    pub(super) fn new(text: &'a str, directives: bool) -> Self {
        let pos = if text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        Lexer {
            text,
            pos,
            lines_read: 0,
            escape: '\\',
            directives_open: directives,
            directives: Vec::new(),
            comments: Vec::new(),
            problems: Vec::new(),
            end: pos,
        }
    }

    fn next_line(&mut self) -> Option<Line> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.text[start..];
        let (content_len, next) = match rest.find('\n') {
            Some(i) => (i, start + i + 1),
            None => (rest.len(), self.text.len()),
        };
        self.pos = next;
        self.lines_read += 1;
        let content = rest[..content_len].trim_end_matches(['\r', '\n']);
        let end = start + content.len();
        self.end = end;
        Some(Line {
            start,
            end,
            number: self.lines_read,
        })
    }

    /// The next instruction's text, or `None` at the end of the file.
    pub(super) fn next_logical(&mut self) -> Option<Logical> {
        loop {
            let line = self.next_line()?;
            let content = &self.text[line.start..line.end];
            let body_start = line.end - content.trim_start().len();
            let body = &self.text[body_start..line.end];
            if self.directives_open {
                if self.directive(body, body_start) {
                    continue;
                }
                self.directives_open = false;
            }
            if self.comment(body, body_start, line.end) || body.is_empty() {
                continue;
            }
            let mut logical = Logical {
                text: String::new(),
                map: OffsetMap::at(body_start),
                span: Span::new(body_start, line.end),
                line: line.number,
            };
            let (piece_end, mut continues) = self.continuation(body_start, line.end);
            logical.text.push_str(&self.text[body_start..piece_end]);
            while continues {
                let Some(next) = self.next_line() else { break };
                let content = &self.text[next.start..next.end];
                let trimmed = content.trim_start();
                // A comment or an empty line inside a continuation is
                // skipped; BuildKit warns about the empty one, we accept it.
                if self.comment(trimmed, next.end - trimmed.len(), next.end) || trimmed.is_empty() {
                    continue;
                }
                let (piece_end, more) = self.continuation(next.start, next.end);
                logical.map.push(logical.text.len(), next.start);
                logical.text.push_str(&self.text[next.start..piece_end]);
                logical.span = logical.span.with_end(next.end);
                continues = more;
            }
            return Some(logical);
        }
    }

    /// Reads a heredoc's body up to the line that is `name` alone (after
    /// leading tabs when `chomp`, for `<<-`).
    pub(super) fn heredoc(&mut self, name: &str, chomp: bool) -> Body {
        let start = self.pos;
        let mut text = String::new();
        while let Some(line) = self.next_line() {
            let content = &self.text[line.start..line.end];
            let candidate = if chomp {
                content.trim_start_matches('\t')
            } else {
                content
            };
            if candidate == name {
                return Body {
                    text,
                    span: Span::new(start, line.start),
                    terminated: true,
                };
            }
            text.push_str(&self.text[line.start..self.pos]);
        }
        Body {
            text,
            span: Span::new(start.min(self.text.len()), self.text.len()),
            terminated: false,
        }
    }

    /// Where a line's text ends without its continuation character, and
    /// whether it continues: the escape character last (trailing spaces and
    /// tabs allowed), not itself escaped.
    fn continuation(&self, start: usize, end: usize) -> (usize, bool) {
        let line = &self.text[start..end];
        let trimmed = line.trim_end_matches([' ', '\t']);
        match trimmed.strip_suffix(self.escape) {
            Some(before) if !before.ends_with(self.escape) => (start + before.len(), true),
            _ => (end, false),
        }
    }

    /// Records a `#` comment line; `body` starts at `start`, after the
    /// line's leading whitespace.
    fn comment(&mut self, body: &str, start: usize, end: usize) -> bool {
        let Some(rest) = body.strip_prefix('#') else {
            return false;
        };
        self.comments
            .push(Spanned::new(rest.trim().to_string(), Span::new(start, end)));
        true
    }

    /// `# name=value` for a directive BuildKit knows (`syntax`, `escape`,
    /// `check`), recorded; anything else ends the directives.
    fn directive(&mut self, body: &str, start: usize) -> bool {
        let Some((name, value)) = split_directive(body) else {
            return false;
        };
        let name = name.to_ascii_lowercase();
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            return false;
        }
        let span = Span::new(start, start + body.len());
        if self.directives.iter().any(|d| d.name == name) {
            self.problems.push(Problem::new(
                span,
                format!("only one `{name}` parser directive can be used"),
            ));
            return true;
        }
        if name == "escape" {
            match value {
                "\\" => self.escape = '\\',
                "`" => self.escape = '`',
                _ => self.problems.push(Problem::new(
                    span,
                    format!("the escape character must be `\\` or a backtick, not `{value}`"),
                )),
            }
        }
        self.directives.push(Directive {
            name,
            value: value.to_string(),
            span,
        });
        true
    }
}

/// `#\s*NAME\s*=\s*VALUE\s*` with NAME a letter then letters or digits and
/// a VALUE that is not empty (BuildKit's pattern; `\s` is ASCII).
fn split_directive(line: &str) -> Option<(&str, &str)> {
    let space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n' | '\x0c');
    let rest = line.strip_prefix('#')?.trim_start_matches(space);
    let name_len = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
    let name = &rest[..name_len];
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let value = rest[name_len..]
        .trim_start_matches(space)
        .strip_prefix('=')?
        .trim_matches(space);
    (!value.is_empty()).then_some((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logical_lines(text: &str) -> Vec<String> {
        let mut lexer = Lexer::new(text, true);
        std::iter::from_fn(|| lexer.next_logical()).map(|l| l.text).collect()
    }

    #[test]
    fn continuations_join_without_the_escape_and_skip_comments_and_blank_lines() {
        let text = "RUN a \\  \n  # note\n\n    && b \\\r\n    c\nUSER x\n";
        assert_eq!(logical_lines(text), ["RUN a     && b     c", "USER x"]);
    }

    #[test]
    fn an_escaped_escape_does_not_continue() {
        assert_eq!(logical_lines("RUN echo a\\\\\nUSER x"), ["RUN echo a\\\\", "USER x"]);
    }

    #[test]
    fn the_map_points_back_into_every_joined_line() {
        let text = "RUN ab \\\n  cd";
        let mut lexer = Lexer::new(text, false);
        let logical = lexer.next_logical().unwrap();
        assert_eq!(logical.text, "RUN ab   cd");
        let cd = logical.text.find("cd").unwrap();
        let span = logical.map.span(cd, cd + 2);
        assert_eq!(&text[span.range()], "cd");
        let whole = logical.map.span(4, logical.text.len());
        assert_eq!(&text[whole.range()], "ab \\\n  cd");
        let rebased = logical.map.from(4);
        assert_eq!(rebased.pos(cd - 4), text.find("cd").unwrap());
    }

    #[test]
    fn directives_only_at_the_top() {
        let mut lexer = Lexer::new(
            "# Syntax = docker/dockerfile:1\n#escape=`\n# check=skip=all\nFROM x\n",
            true,
        );
        while lexer.next_logical().is_some() {}
        let names: Vec<_> = lexer
            .directives
            .iter()
            .map(|d| (d.name.as_str(), d.value.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("syntax", "docker/dockerfile:1"),
                ("escape", "`"),
                ("check", "skip=all")
            ]
        );
        assert_eq!(lexer.escape, '`');

        for late in [
            "# a comment\n# escape=`\nFROM x",
            "\n# escape=`\nFROM x",
            "FROM x\n# escape=`\n",
        ] {
            let mut lexer = Lexer::new(late, true);
            while lexer.next_logical().is_some() {}
            assert!(lexer.directives.is_empty(), "{late:?}");
            assert_eq!(lexer.escape, '\\');
        }
    }
}
