//! What surrounds a cursor: the word under it, the statement and the block
//! it is in, or the suppression comment it is in. Read from the spec's
//! tokens, so it works on text that does not parse.

use crate::lint::suppress;
use crate::source::Span;
use crate::syntax::tokens::{self, Kind};
use crate::syntax::{self, Expected};

/// The cursor's surroundings in a spec.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Context<'a> {
    /// The word the cursor is in or just after, and where it is.
    pub word: Option<(&'a str, Span)>,
    /// The first word of the statement the cursor is in, when it is
    /// before the cursor's word.
    pub statement: Option<&'a str>,
    /// The word that opens the innermost block around the cursor.
    pub block: Option<&'a str>,
    /// Whether the cursor's word starts its statement.
    pub starts_statement: bool,
    /// In a `# stackc: allow(...)` comment, inside the parentheses: the
    /// rule name the cursor is in (possibly empty) and where it is.
    pub allowed_rule: Option<(&'a str, Span)>,
    /// The lines before the cursor's that open the blocks around it, each
    /// up to its `{`, outermost first.
    openers: Vec<&'a str>,
    /// Where the cursor's line starts.
    line_start: usize,
}

impl Context<'_> {
    /// What the grammar accepts at `offset`, on the cursor's line. When a
    /// mistake before the line hides it (a missing brace), the blocks
    /// around the cursor are read alone: their opening lines, then the
    /// line up to `offset`.
    pub fn expected(&self, text: &str, offset: usize) -> Expected {
        syntax::expected_at(text, offset)
            .or_else(|| {
                let mut reopened = self.openers.join("\n");
                reopened.push('\n');
                reopened.push_str(&text[self.line_start..offset]);
                syntax::expected_at(&reopened, reopened.len())
            })
            .unwrap_or_default()
    }
}

pub fn at(text: &str, offset: usize) -> Context<'_> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line_end = text[offset..].find(['\n', '\r']).map_or(text.len(), |i| offset + i);
    // Each block is named by the first word of the line that opens it.
    let mut blocks: Vec<&str> = Vec::new();
    let mut openers: Vec<&str> = Vec::new();
    for line in tokens::lines(&text[..line_start]) {
        for token in &line.tokens {
            match token.kind {
                Kind::Open => {
                    let first = line.tokens[0].text;
                    blocks.push(first);
                    openers.push(&text[offset_of(text, first)..offset_of(text, token.text) + 1]);
                }
                Kind::Close => {
                    blocks.pop();
                    openers.pop();
                }
                _ => {}
            }
        }
    }
    let line = tokens::lines(&text[line_start..line_end]).swap_remove(0);
    let mut statement: Option<&str> = None;
    let mut word = None;
    for token in &line.tokens {
        let start = offset_of(text, token.text);
        let span = Span::new(start, start + token.text.len());
        if span.start() >= offset {
            break;
        }
        match token.kind {
            Kind::Open => blocks.push(line.tokens[0].text),
            Kind::Close => {
                blocks.pop();
            }
            Kind::Word if span.end() >= offset => word = Some((token.text, span)),
            Kind::Word if statement.is_none() => statement = Some(token.text),
            _ => {}
        }
        if matches!(token.kind, Kind::Open | Kind::Close) {
            statement = None;
        }
    }
    Context {
        word,
        statement,
        block: blocks.last().copied(),
        starts_statement: statement.is_none(),
        allowed_rule: line.comment.and_then(|comment| allowed_rule(text, comment, offset)),
        openers,
        line_start,
    }
}

/// The rule name around `offset` in a suppression comment's parentheses.
fn allowed_rule<'a>(text: &'a str, comment: &'a str, offset: usize) -> Option<(&'a str, Span)> {
    let start = offset_of(text, comment);
    let list = suppress::allow_list(comment)?;
    let names = Span::new(start + list.names.start, start + list.names.end);
    if offset < names.start() || offset > names.end() {
        return None;
    }
    let before = &text[names.start()..offset];
    let name_start = before.rfind(',').map_or(names.start(), |i| names.start() + i + 1);
    let name_start = name_start + (text[name_start..offset].len() - text[name_start..offset].trim_start().len());
    let after = &text[offset..names.end()];
    let name_end = offset + after.find([',', ' ']).unwrap_or(after.len());
    Some((&text[name_start..name_end], Span::new(name_start, name_end)))
}

/// Where `part`, a slice of `text`, starts in it.
fn offset_of(text: &str, part: &str) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_mark(marked: &str) -> (String, usize) {
        let offset = marked.find('|').expect("a marked place");
        (marked.replace('|', ""), offset)
    }

    #[test]
    fn statement_block_and_word() {
        let (text, offset) = at_mark("stack a\nservice db {\n    mount da|ta at /x\n}\n");
        let context = at(&text, offset);
        assert_eq!(context.word.map(|w| w.0), Some("data"));
        assert_eq!(context.statement, Some("mount"));
        assert_eq!(context.block, Some("service"));
        assert!(!context.starts_statement);

        let (text, offset) = at_mark("stack a\nproxy p{\n    location / { proxy_pass dj| }\n}\n");
        let context = at(&text, offset);
        assert_eq!(
            (context.statement, context.block),
            (Some("proxy_pass"), Some("location"))
        );

        let (text, offset) = at_mark("stack a\nservice db {\n    im|\n}\n");
        let context = at(&text, offset);
        assert!(context.starts_statement && context.statement.is_none());
        assert_eq!(context.word.map(|w| w.0), Some("im"));

        let (text, offset) = at_mark("stack a\nservice db {\n    after |\n");
        let context = at(&text, offset);
        assert_eq!((context.word, context.statement), (None, Some("after")));

        let (text, offset) = at_mark("stack a\n|");
        let context = at(&text, offset);
        assert!(context.starts_statement && context.block.is_none());
    }

    #[test]
    fn a_missing_brace_before_the_cursor_leaves_the_blocks_around_it() {
        let (text, offset) = at_mark("stack a\nservice db\n}\nproxy p {\n    location / {\n        |");
        let context = at(&text, offset);
        assert_eq!(context.openers, ["proxy p {", "location / {"]);
        assert_eq!(syntax::expected_at(&text, offset), None);
        assert!(context
            .expected(&text, offset)
            .keywords
            .contains(&"proxy_pass".to_string()));
    }

    #[test]
    fn rule_names_in_suppressions() {
        let (text, offset) = at_mark("stack a # stackc: allow(unused-suppression, defau|lt-credentials)\n");
        let context = at(&text, offset);
        assert_eq!(context.allowed_rule.map(|r| r.0), Some("default-credentials"));
        let (text, offset) = at_mark("    # stackc: allow(|\n");
        assert_eq!(at(&text, offset).allowed_rule.map(|r| r.0), Some(""));
        let (text, offset) = at_mark("    # stackc: allow(a)|\n");
        assert_eq!(at(&text, offset).allowed_rule, None);
    }
}
