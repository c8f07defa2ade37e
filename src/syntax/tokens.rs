//! A lossless, grammar-agnostic view of a spec: lines of tokens, for
//! `stackc fmt` and for syntax errors that name the token before the error.
//!
//! The formatter must not need to know every keyword (the grammar grows), so
//! it sees only what every statement is made of: words, strings (kept byte
//! for byte), a few punctuation marks, and comments. Whitespace between
//! tokens is not kept, only whether there was any (`glued`).

/// What a token is, as far as layout cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Anything else up to whitespace or punctuation: keywords, names,
    /// bare values, numbers, durations.
    Word,
    /// A double-quoted string, escapes and all.
    Str,
    /// `{`
    Open,
    /// `}`
    Close,
    /// `[`
    OpenList,
    /// `]`
    CloseList,
    /// `,`
    Comma,
    /// `=`
    Equals,
    /// `->`
    Arrow,
    /// `^~`, nginx's prefix-first location modifier: no word holds a `^`,
    /// so it is one even glued to its path (`^~/static/`).
    PrefixFirst,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    /// No whitespace between this token and the one before it on its line.
    pub glued: bool,
}

/// One line of the source: its tokens and the comment that ends it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line<'a> {
    pub tokens: Vec<Token<'a>>,
    /// `# ...` without trailing whitespace.
    pub comment: Option<&'a str>,
}

impl Line<'_> {
    pub fn is_blank(&self) -> bool {
        self.tokens.is_empty() && self.comment.is_none()
    }
}

/// Splits `text` into lines (`\n`, `\r\n` or a lone `\r` end one) of
/// tokens. A leading byte order mark is dropped.
pub fn lines(text: &str) -> Vec<Line<'_>> {
    each_line(text).collect()
}

/// [`lines`] one at a time: a large spec's lines are laid out as they
/// come, not all held at once (their tokens take several times the text).
pub fn each_line(text: &str) -> Lines<'_> {
    Lines {
        text: text.strip_prefix('\u{FEFF}').unwrap_or(text),
        at: 0,
        done: false,
    }
}

/// The lines of a text, in order (see [`each_line`]).
pub struct Lines<'a> {
    text: &'a str,
    /// Where the next line starts.
    at: usize,
    /// The last line (the one no line end closes) was given.
    done: bool,
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        if self.done {
            return None;
        }
        let text = self.text;
        let bytes = text.as_bytes();
        let mut line = Line::default();
        let mut glued = false;
        let mut i = self.at;
        while i < bytes.len() {
            let start = i;
            let kind = match bytes[i] {
                b'\n' | b'\r' => {
                    self.at = i + if bytes[i..].starts_with(b"\r\n") { 2 } else { 1 };
                    return Some(line);
                }
                b' ' | b'\t' => {
                    i += 1;
                    glued = false;
                    continue;
                }
                b'#' => {
                    i = line_end(bytes, i);
                    line.comment = Some(text[start..i].trim_end());
                    continue;
                }
                b'"' => {
                    i = string_end(bytes, i);
                    Kind::Str
                }
                b'{' => punct(&mut i, Kind::Open),
                b'}' => punct(&mut i, Kind::Close),
                b'[' => punct(&mut i, Kind::OpenList),
                b']' => punct(&mut i, Kind::CloseList),
                b',' => punct(&mut i, Kind::Comma),
                b'=' => punct(&mut i, Kind::Equals),
                b'-' if bytes[i..].starts_with(b"->") => {
                    i += 2;
                    Kind::Arrow
                }
                b'^' if bytes[i..].starts_with(b"^~") => {
                    i += 2;
                    Kind::PrefixFirst
                }
                _ => {
                    i = word_end(bytes, i);
                    Kind::Word
                }
            };
            line.tokens.push(Token {
                kind,
                text: &text[start..i],
                glued: glued && !line.tokens.is_empty(),
            });
            glued = true;
        }
        self.done = true;
        Some(line)
    }
}

fn punct(i: &mut usize, kind: Kind) -> Kind {
    *i += 1;
    kind
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(bytes.len(), |p| from + p)
}

/// After the closing quote, or at the line's end for an unclosed string.
fn string_end(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return i + 1,
            b'\n' | b'\r' => return i,
            b'\\' if i + 1 < bytes.len() && !matches!(bytes[i + 1], b'\n' | b'\r') => i += 2,
            _ => i += 1,
        }
    }
    i
}

/// A word ends at whitespace, a line end, punctuation, a quote, a comment,
/// an arrow or a `^~`. Every byte it stops at is ASCII, so the end is a character
/// boundary.
fn word_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from + 1;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b'{' | b'}' | b'[' | b']' | b',' | b'=' | b'"' | b'#' => break,
            b'-' if bytes.get(i + 1) == Some(&b'>') => break,
            b'^' if bytes.get(i + 1) == Some(&b'~') => break,
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds<'a>(line: &Line<'a>) -> Vec<(Kind, &'a str, bool)> {
        line.tokens.iter().map(|t| (t.kind, t.text, t.glued)).collect()
    }

    #[test]
    fn a_prefix_first_modifier_is_a_token_of_its_own() {
        assert_eq!(
            kinds(&lines("location ^~/static/ {")[0]),
            vec![
                (Kind::Word, "location", false),
                (Kind::PrefixFirst, "^~", false),
                (Kind::Word, "/static/", true),
                (Kind::Open, "{", false),
            ]
        );
    }

    #[test]
    fn tokens_keep_strings_exact_and_note_glue() {
        let lines = lines("\u{FEFF}publish [::1]:80->80 # c \r\nx=\"a \\\" b\"\rcommand [\"a\",\"b\"]");
        assert_eq!(lines.len(), 3);
        assert_eq!(
            kinds(&lines[0]),
            vec![
                (Kind::Word, "publish", false),
                (Kind::OpenList, "[", false),
                (Kind::Word, "::1", true),
                (Kind::CloseList, "]", true),
                (Kind::Word, ":80", true),
                (Kind::Arrow, "->", true),
                (Kind::Word, "80", true),
            ]
        );
        assert_eq!(lines[0].comment, Some("# c"));
        assert_eq!(
            kinds(&lines[1]),
            vec![
                (Kind::Word, "x", false),
                (Kind::Equals, "=", true),
                (Kind::Str, "\"a \\\" b\"", true),
            ]
        );
        assert_eq!(lines[2].tokens.len(), 6);
    }

    #[test]
    fn an_unclosed_string_ends_at_the_line_end() {
        let lines = lines("run \"abc\\\nnext");
        assert_eq!(lines[0].tokens[1].text, "\"abc\\");
        assert_eq!(lines[1].tokens[0].text, "next");
    }

    #[test]
    fn multibyte_words_split_on_boundaries() {
        let lines = lines("é{ü}");
        let texts: Vec<&str> = lines[0].tokens.iter().map(|t| t.text).collect();
        assert_eq!(texts, ["é", "{", "ü", "}"]);
    }
}
