//! The spec's text as miette reads it for snippets.
//!
//! miette's own `SourceCode` for text scans from the start of the file for
//! every snippet, so thousands of diagnostics in a large spec took
//! quadratic time (minutes for 5 MB). Here each read is cut to the lines
//! around the span first, using an index of line starts built once; miette
//! then reads the window, and its positions are shifted back, so reports
//! are the same as before.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

pub struct Snippets {
    name: String,
    text: String,
    /// Where each line starts, with miette's line breaks (`\n`, `\r\n` and
    /// a lone `\r`).
    line_starts: Vec<usize>,
}

impl Snippets {
    pub fn new(name: String, text: String) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        for (i, &byte) in bytes.iter().enumerate() {
            let breaks = byte == b'\n' || (byte == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if breaks {
                line_starts.push(i + 1);
            }
        }
        Snippets {
            name,
            text,
            line_starts,
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }
}

impl SourceCode for Snippets {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // One line more than miette shows before the span: how it reads a
        // span depends on the line break just before it.
        let first = self.line_of(span.offset()).saturating_sub(context_lines_before + 1);
        // One line more than miette reads after the span, so it stops where
        // it would have in the whole text.
        let past = self.line_of(span.offset() + span.len()) + context_lines_after + 2;
        let start = self.line_starts[first];
        let end = self.line_starts.get(past).copied().unwrap_or(self.text.len());
        let window = &self.text.as_bytes()[start..end];
        let inner = window.read_span(
            &SourceSpan::new((span.offset() - start).into(), span.len()),
            context_lines_before,
            context_lines_after,
        )?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + start).into(), inner.span().len()),
            inner.line() + first,
            inner.column(),
            // miette counts the lines from the start of the text.
            inner.line_count() + first,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every span of a text with all kinds of line breaks reads the same
    /// through the window as through miette's whole-text reader.
    #[test]
    fn windows_read_like_the_whole_text() {
        let text = "a\nbb\r\ncc c\rd\n\ne\u{e9}f\ng\n";
        let snippets = Snippets::new("x".to_string(), text.to_string());
        for offset in 0..=text.len() {
            for len in 0..=(text.len() - offset).min(6) {
                for (before, after) in [(0, 0), (1, 1), (2, 3)] {
                    let span = SourceSpan::new(offset.into(), len);
                    let whole = text.as_bytes().read_span(&span, before, after);
                    let windowed = snippets.read_span(&span, before, after);
                    match (whole, windowed) {
                        (Ok(w), Ok(s)) => {
                            assert_eq!(w.data(), s.data(), "{offset}+{len} ({before}, {after})");
                            assert_eq!(
                                (w.span(), w.line(), w.column(), w.line_count()),
                                (s.span(), s.line(), s.column(), s.line_count()),
                                "{offset}+{len} ({before}, {after})"
                            );
                        }
                        (Err(_), Err(_)) => {}
                        (w, s) => panic!("{offset}+{len}: {:?} vs {:?}", w.is_ok(), s.is_ok()),
                    }
                }
            }
        }
    }
}
