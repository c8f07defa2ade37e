//! Byte offsets, which every span in stackc is, and LSP positions, which
//! count a line's code units in the encoding agreed at `initialize`.
//!
//! LSP lines end at `\n`, `\r\n` or a lone `\r`, as the spec's grammar
//! reads them. A position past a line's end means the line's end (the
//! protocol says so); one inside a character means that character's start.

use lsp_types::{Position, PositionEncodingKind, Range};

use crate::source::Span;

/// How a position's `character` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Bytes: no conversion at all.
    Utf8,
    /// UTF-16 code units: the protocol's default, which every client supports.
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it (the cheapest, and exact for any
    /// text), else UTF-16, which every client must support.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    /// The code units of `text` in this encoding.
    fn len(self, text: &str) -> usize {
        match self {
            Encoding::Utf8 => text.len(),
            Encoding::Utf16 => text.chars().map(char::len_utf16).sum(),
        }
    }
}

/// Where each line of a text starts, to convert offsets both ways.
#[derive(Clone, Debug)]
pub struct Lines {
    starts: Vec<usize>,
    encoding: Encoding,
}

impl Lines {
    pub fn new(text: &str, encoding: Encoding) -> Lines {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => i += 1,
                b'\n' | b'\r' => {}
                _ => {
                    i += 1;
                    continue;
                }
            }
            i += 1;
            starts.push(i);
        }
        Lines { starts, encoding }
    }

    /// The position of a byte offset (clamped to the text, and to the
    /// start of the character it falls in).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = char_start(text, offset.min(text.len()));
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let character = self.encoding.len(&text[self.starts[line]..offset]);
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(self.position(text, span.start()), self.position(text, span.end()))
    }

    /// The byte offset of a position: a line past the last is the end of
    /// the text, a character past the line's end is the line's end.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(text.len(), |&next| line_content_end(text, start, next));
        let line = &text[start..end];
        let wanted = position.character as usize;
        match self.encoding {
            Encoding::Utf8 => start + char_start(line, wanted.min(line.len())),
            Encoding::Utf16 => {
                let mut units = 0;
                for (i, c) in line.char_indices() {
                    units += c.len_utf16();
                    if units > wanted {
                        return start + i;
                    }
                }
                end
            }
        }
    }

    pub fn span(&self, text: &str, range: Range) -> Span {
        let start = self.offset(text, range.start);
        Span::new(start, self.offset(text, range.end).max(start))
    }
}

/// Where a line's content ends: before its line break.
fn line_content_end(text: &str, start: usize, next: usize) -> usize {
    let line = &text[start..next];
    start + line.trim_end_matches(['\n', '\r']).len()
}

fn char_start(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The one region where two texts differ: the common prefix and suffix
/// are left out. Formatting answers with it as a single edit, and spans of
/// an old text are carried over to the new one through it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    /// Where the texts start to differ.
    pub start: usize,
    /// Where the differing part ends in the old text, and in the new one.
    pub old_end: usize,
    pub new_end: usize,
}

impl Change {
    pub fn between(old: &str, new: &str) -> Change {
        // Equal bytes up to `prefix`: a character boundary in one text is
        // one in the other.
        let prefix = char_start(old, common_prefix(old.as_bytes(), new.as_bytes()));
        let suffix = old.as_bytes()[prefix..]
            .iter()
            .rev()
            .zip(new.as_bytes()[prefix..].iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let mut old_end = old.len() - suffix;
        // The suffixes are equal bytes too: move out of a character.
        while !old.is_char_boundary(old_end) {
            old_end += 1;
        }
        Change {
            start: prefix,
            old_end,
            new_end: old_end + new.len() - old.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.old_end && self.start == self.new_end
    }

    /// Where an old offset is in the new text; one inside the changed
    /// region moves to its start.
    pub fn map(&self, offset: usize) -> usize {
        if offset <= self.start {
            offset
        } else if offset >= self.old_end {
            offset - self.old_end + self.new_end
        } else {
            self.start
        }
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "stack café\r\n# ☕ 𝄞 x\rend\n";

    #[test]
    fn positions_count_bytes_or_utf16_units() {
        let utf8 = Lines::new(TEXT, Encoding::Utf8);
        let utf16 = Lines::new(TEXT, Encoding::Utf16);
        let x = TEXT.find('x').unwrap();
        // `☕` is 3 bytes and 1 UTF-16 unit; `𝄞` 4 bytes and 2 units.
        assert_eq!(utf8.position(TEXT, x), Position::new(1, 11));
        assert_eq!(utf16.position(TEXT, x), Position::new(1, 7));
        for lines in [&utf8, &utf16] {
            for offset in [0, 6, 13, x, x + 1, TEXT.len()] {
                assert_eq!(lines.offset(TEXT, lines.position(TEXT, offset)), offset, "{offset}");
            }
        }
        // The lone `\r` ends a line too.
        assert_eq!(utf8.position(TEXT, TEXT.find("end").unwrap()), Position::new(2, 0));
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let utf16 = Lines::new(TEXT, Encoding::Utf16);
        assert_eq!(utf16.offset(TEXT, Position::new(0, 99)), "stack café".len());
        assert_eq!(utf16.offset(TEXT, Position::new(99, 0)), TEXT.len());
        // The middle of `𝄞` (a surrogate pair) is its start.
        let clef = TEXT.find('𝄞').unwrap();
        assert_eq!(utf16.offset(TEXT, Position::new(1, 5)), clef);
        // A byte inside `é` is its start.
        let utf8 = Lines::new(TEXT, Encoding::Utf8);
        assert_eq!(utf8.offset(TEXT, Position::new(0, 10)), 9);
    }

    #[test]
    fn encoding_prefers_utf8() {
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&both)), Encoding::Utf8);
        assert_eq!(Encoding::negotiate(Some(&both[..1])), Encoding::Utf16);
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }

    #[test]
    fn change_finds_the_differing_region_on_character_boundaries() {
        let change = Change::between("a café b", "a cafè b");
        assert_eq!((change.start, change.old_end, change.new_end), (5, 7, 7));
        let grown = Change::between("volume a\nvolume b\n", "volume a\nvolume xb\n");
        assert_eq!((grown.start, grown.old_end, grown.new_end), (16, 16, 17));
        assert_eq!(grown.map(8), 8);
        assert_eq!(grown.map(17), 18);
        assert!(Change::between("same", "same").is_empty());
        let shrunk = Change::between("aaaa", "aa");
        assert_eq!((shrunk.start, shrunk.old_end, shrunk.new_end), (2, 4, 2));
    }
}
