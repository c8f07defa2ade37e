//! Source files and byte spans.
//!
//! Architecture invariant: every IR node that a diagnostic may point at keeps
//! the [`Span`] of the spec text it came from. Spans are byte offsets into the
//! whole file, so they can be handed to miette unchanged.

use std::fmt;

/// A half-open byte range `start..end` in a spec file.
///
/// Kept as two `u32`s, half the size of two `usize`s: every IR node holds
/// spans, and a smaller IR stays in the processor's caches at 10,000
/// services. No input is that large: files are read up to
/// [`crate::input::fs::MAX_FILE_BYTES`], and a larger text is refused
/// before it is parsed ([`MAX_TEXT_BYTES`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    start: u32,
    end: u32,
}

/// The largest text a span can point into.
pub const MAX_TEXT_BYTES: usize = u32::MAX as usize;

impl Span {
    /// The span `start..end`; offsets past [`MAX_TEXT_BYTES`] saturate.
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end, "span start after end");
        let offset = |at: usize| u32::try_from(at).unwrap_or(u32::MAX);
        Span {
            start: offset(start),
            end: offset(end),
        }
    }

    /// An empty span at `at`.
    pub fn empty(at: usize) -> Self {
        Span::new(at, at)
    }

    pub fn start(self) -> usize {
        self.start as usize
    }

    pub fn end(self) -> usize {
        self.end as usize
    }

    /// The same start, ending at `end`.
    pub fn with_end(self, end: usize) -> Self {
        Span::new(self.start(), end)
    }

    /// `start..end`, to slice the text it points into.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        (span.start(), span.len()).into()
    }
}

/// A value together with the span of the spec text that wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl Spanned<String> {
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// A file the spec names and stackc read (the app's Dockerfile, an env
/// file): an index into [`crate::input::Inputs::sources`]. Spans of facts
/// read from it are offsets into that file's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// `text` with every character but whitespace inside `spans` replaced by
/// `*`, byte for byte: the length and every offset stay, so a snippet's
/// labels still point where they did. The one way a secret's value is
/// hidden from a snippet.
pub fn masked<'a>(text: &'a str, spans: &[Span]) -> std::borrow::Cow<'a, str> {
    if spans.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for span in spans {
        let end = span.end().min(text.len());
        let Some(inside) = text.get(span.start().min(end)..end) else {
            continue;
        };
        for (at, c) in inside.char_indices() {
            if !c.is_whitespace() {
                let from = span.start() + at;
                bytes[from..from + c.len_utf8()].fill(b'*');
            }
        }
    }
    std::borrow::Cow::Owned(String::from_utf8(bytes).expect("ASCII replaces whole characters"))
}

/// One spec file: its name as the user gave it, and its text.
#[derive(Clone, Debug, Default)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    /// Whether its values are secrets (an env file, a secret file, a key):
    /// snippets show it through [`SourceFile::shown_text`].
    holds_secrets: bool,
    /// Where lines and blocks start, found on the first lookup (a clean
    /// spec needs none).
    index: std::sync::OnceLock<Index>,
}

/// Byte offsets of a text's lines and blocks, for line/column lookups that
/// stay fast with many diagnostics in a large file.
#[derive(Clone, Debug)]
struct Index {
    line_starts: Vec<usize>,
    /// Where each block of about [`BLOCK`] bytes starts, and how many
    /// characters come before it: a column is counted from the nearest
    /// block, not from its line's start, so many diagnostics on one long
    /// line stay linear.
    blocks: Vec<(usize, usize)>,
}

/// The bytes between two entries of `Index::blocks`, at least.
const BLOCK: usize = 4096;

impl Index {
    fn new(text: &str) -> Self {
        let ends = text.bytes().enumerate().filter(|&(_, b)| b == b'\n');
        let line_starts = std::iter::once(0).chain(ends.map(|(i, _)| i + 1)).collect();
        let mut blocks = vec![(0, 0)];
        for (chars, (at, _)) in text.char_indices().enumerate() {
            if at >= blocks.last().map_or(0, |&(start, _)| start) + BLOCK {
                blocks.push((at, chars));
            }
        }
        Index { line_starts, blocks }
    }

    /// How many characters come before a byte offset (a char boundary).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let block = self.blocks.partition_point(|&(start, _)| start <= offset) - 1;
        let (start, chars) = self.blocks[block];
        chars + text[start..offset].chars().count()
    }
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
            holds_secrets: false,
            index: std::sync::OnceLock::new(),
        }
    }

    /// Marks a file whose values are secrets, never to be printed.
    pub fn holding_secrets(mut self) -> Self {
        self.holds_secrets = true;
        self
    }

    /// The text a snippet may print: for a file that holds secrets, each
    /// line's value (after its first `=` or `:`; the whole line when it has
    /// neither, as a key's body) masked (see [`masked`]); comments and
    /// names stay.
    pub fn shown_text(&self) -> std::borrow::Cow<'_, str> {
        if !self.holds_secrets {
            return std::borrow::Cow::Borrowed(&self.text);
        }
        let mut values = Vec::new();
        let mut start = 0;
        for line in self.text.split_inclusive('\n') {
            if !line.trim_start().starts_with('#') {
                let value = line.find(['=', ':']).map_or(0, |at| at + 1);
                values.push(Span::new(start + value, start + line.len()));
            }
            start += line.len();
        }
        masked(&self.text, &values)
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let index = self.index.get_or_init(|| Index::new(&self.text));
        let line = index.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = index.line_starts[line];
        let column = index.chars_before(&self.text, offset) - index.chars_before(&self.text, line_start) + 1;
        (line + 1, column)
    }

    /// The 1-based line and byte column of a byte offset: the column unit
    /// of compilers' `file:line:col:` lines, which vim's quickfix reads.
    pub fn line_byte_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let index = self.index.get_or_init(|| Index::new(&self.text));
        let line = index.line_starts.partition_point(|&start| start <= offset) - 1;
        (line + 1, offset - index.line_starts[line] + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_two_u32s_and_saturate_past_them() {
        assert_eq!(std::mem::size_of::<Span>(), 8);
        let span = Span::new(3, 7);
        assert_eq!((span.start(), span.end(), span.len(), span.range()), (3, 7, 4, 3..7));
        assert_eq!(span.with_end(9), Span::new(3, 9));
        assert!(Span::empty(5).is_empty());
        let far = Span::new(MAX_TEXT_BYTES, MAX_TEXT_BYTES + 10);
        assert_eq!((far.start(), far.end()), (MAX_TEXT_BYTES, MAX_TEXT_BYTES));
    }

    #[test]
    fn a_file_of_secrets_shows_names_and_comments_only() {
        let text = "# keys\nAWS_SECRET=wJalrXUtnFEMI\nTOKEN: \"é1\"\n-----BEGIN KEY-----\nb3Bl+/x\n";
        let file = SourceFile::new(".env", text).holding_secrets();
        let shown = file.shown_text();
        assert_eq!(
            shown,
            "# keys\nAWS_SECRET=*************\nTOKEN: *****\n********** ********\n*******\n"
        );
        assert_eq!(shown.len(), text.len());
        assert_eq!(SourceFile::new("Dockerfile", text).shown_text(), text);
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let file = SourceFile::new("a.spec", "ab\nüx y\n");
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(3), (2, 1));
        // `ü` is two bytes: offset 5 is `x`, the second character.
        assert_eq!(file.line_col(5), (2, 2));
        assert_eq!(file.line_col(999), (3, 1));
        assert_eq!(file.line_byte_col(5), (2, 3));
        assert_eq!(file.line_byte_col(999), (3, 1));
    }

    #[test]
    fn columns_on_long_lines_count_across_blocks() {
        let text = format!("a\n{}x{}", "ü".repeat(5000), "é".repeat(3000));
        let file = SourceFile::new("a.spec", text.clone());
        let x = text.find('x').unwrap();
        assert_eq!(file.line_col(x), (2, 5001));
        assert_eq!(file.line_col(text.len()), (2, 8002));
        assert_eq!(file.line_col(x + 1 + 2 * 2999), (2, 8001));
    }
}
