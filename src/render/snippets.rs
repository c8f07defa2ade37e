//! The spec's text as miette reads it for one diagnostic's snippets.
//!
//! miette is handed an [`Excerpt`]: only the lines around the diagnostic's
//! labels, with every long line cut to windows around the labels on it.
//! So what one report costs, and prints, is bounded whatever the spec:
//! - miette's own `SourceCode` for text scans from the start of the file
//!   for every snippet (minutes for thousands of findings in 5 MB); here
//!   the lines are found in an index of line starts built once per file;
//! - miette pads a label with a width argument, which panics past column
//!   65,535, and quotes a line whole for every finding on it; here a line
//!   of more than [`LONG_LINE`] bytes is quoted as windows of
//!   [`WINDOW_BEFORE`] + [`WINDOW_AFTER`] bytes around each label's ends,
//!   the rest written `…`;
//! - a label over more than [`MAX_LABEL_LINES`] lines is drawn on its
//!   first line only;
//! - miette joins two labels' snippets whenever the second starts before
//!   twice the first's line number, printing every line between them; here
//!   they are joined only when at most [`JOIN_GAP`] lines separate them.
//!
//! Line numbers, and the `[file:line:column]` of each report, are the
//! spec's own. Within those limits, reports read exactly as miette renders
//! the whole text.

use std::ops::Range;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::source::Span;

/// A line longer than this (in bytes) is quoted in windows.
pub const LONG_LINE: usize = 400;
/// How much of a long line is quoted before and after each label's ends.
pub const WINDOW_BEFORE: usize = 60;
pub const WINDOW_AFTER: usize = 60;
/// Two labels' snippets are joined into one when at most this many lines
/// lie between them.
pub const JOIN_GAP: usize = 10;
/// A label over more lines than this is drawn on its first line only.
pub const MAX_LABEL_LINES: usize = 24;
/// What stands for the part of a long line that is not quoted.
const ELLIPSIS: &str = "…";

/// One file's text, indexed by line once.
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

    /// The line's text without its line break.
    fn content(&self, line: usize) -> Range<usize> {
        let start = self.line_starts[line];
        let next = self.line_starts.get(line + 1).copied().unwrap_or(self.text.len());
        let text = &self.text[start..next];
        let content = text.strip_suffix('\n').unwrap_or(text);
        let content = content.strip_suffix('\r').unwrap_or(content);
        start..start + content.len()
    }

    /// The excerpt that shows `spans` (inside the text), and each span
    /// moved into it.
    pub fn excerpt(&self, spans: &[Span]) -> (Excerpt<'_>, Vec<Span>) {
        let spans: Vec<Span> = spans
            .iter()
            .map(|span| {
                let line = self.line_of(span.start());
                if self.line_of(span.end()) - line < MAX_LABEL_LINES {
                    *span
                } else {
                    Span::new(span.start(), self.content(line).end)
                }
            })
            .collect();
        let spans = spans.as_slice();
        let mut ranges: Vec<Range<usize>> = spans
            .iter()
            .map(|span| {
                // The lines miette reads for a span: one of context on each
                // side, and one more on each side that decides how it reads
                // the span (see `windows_read_like_the_whole_text`).
                let first = self.line_of(span.start()).saturating_sub(2);
                let past = (self.line_of(span.end()) + 3).min(self.line_starts.len());
                first..past
            })
            .collect();
        ranges.sort_by_key(|r| r.start);
        // Snippets that miette may join (see `JOIN_GAP`) must lie in one
        // region, so it can read them as one.
        let mut merged: Vec<Range<usize>> = Vec::new();
        for range in ranges {
            match merged.last_mut() {
                Some(last) if range.start <= last.end + JOIN_GAP + 2 => last.end = last.end.max(range.end),
                _ => merged.push(range),
            }
        }
        let mut excerpt = Excerpt {
            name: &self.name,
            text: String::new(),
            regions: Vec::new(),
        };
        for lines in merged {
            let region = self.region(lines, spans, &mut excerpt.text);
            excerpt.regions.push(region);
        }
        let moved = spans
            .iter()
            .map(|span| {
                Span::new(
                    excerpt.to_excerpt(self, span.start()),
                    excerpt.to_excerpt(self, span.end()),
                )
            })
            .collect();
        (excerpt, moved)
    }

    /// Appends `lines` to `text`, each long one cut to windows around the
    /// ends of `spans` on it.
    fn region(&self, lines: Range<usize>, spans: &[Span], text: &mut String) -> Region {
        let mut region = Region {
            start: text.len(),
            end: 0,
            first_line: lines.start,
            lines: Vec::with_capacity(lines.len()),
        };
        for line in lines {
            let content = self.content(line);
            let next = self.line_starts.get(line + 1).copied().unwrap_or(self.text.len());
            let virt = text.len();
            let pieces = if content.len() > LONG_LINE {
                let ends = spans
                    .iter()
                    .flat_map(|s| [s.start(), s.end()])
                    .filter(|&at| content.start <= at && at <= content.end);
                let (pieces, folded) = self.cut(content.clone(), ends);
                text.push_str(&folded);
                Some(pieces.into_iter().map(|(range, at)| (range, at + virt)).collect())
            } else {
                text.push_str(&self.text[content.clone()]);
                None
            };
            text.push_str(&self.text[content.end..next]);
            region.lines.push(ExcerptLine {
                virt,
                orig: self.line_starts[line],
                pieces,
            });
        }
        region.end = text.len();
        region
    }

    /// A long line as windows around `ends` (or its start, when no label
    /// is on it), joined by `…`: the windows, each with where it starts in
    /// the folded text, and the folded text.
    fn cut(&self, content: Range<usize>, ends: impl Iterator<Item = usize>) -> (Vec<(Range<usize>, usize)>, String) {
        let floor = |mut at: usize| {
            while !self.text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let ceil = |mut at: usize| {
            while !self.text.is_char_boundary(at) {
                at += 1;
            }
            at
        };
        let mut windows: Vec<Range<usize>> = ends
            .map(|at| {
                floor(at.saturating_sub(WINDOW_BEFORE).max(content.start))..ceil((at + WINDOW_AFTER).min(content.end))
            })
            .collect();
        if windows.is_empty() {
            windows.push(content.start..ceil(content.start + WINDOW_AFTER));
        }
        windows.sort_by_key(|w| w.start);
        let mut joined: Vec<Range<usize>> = Vec::new();
        for window in windows {
            match joined.last_mut() {
                // An ellipsis for a gap no longer than itself says nothing.
                Some(last) if window.start <= last.end + ELLIPSIS.len() => last.end = last.end.max(window.end),
                _ => joined.push(window),
            }
        }
        let mut folded = String::new();
        let mut pieces = Vec::with_capacity(joined.len());
        let mut quoted_to = content.start;
        for window in joined {
            if window.start > quoted_to {
                folded.push_str(ELLIPSIS);
            }
            pieces.push((window.clone(), folded.len()));
            folded.push_str(&self.text[window.clone()]);
            quoted_to = window.end;
        }
        if quoted_to < content.end {
            folded.push_str(ELLIPSIS);
        }
        (pieces, folded)
    }
}

/// The lines one diagnostic's snippets show, as one text.
pub struct Excerpt<'a> {
    name: &'a str,
    text: String,
    /// Runs of consecutive lines of the spec, in order.
    regions: Vec<Region>,
}

struct Region {
    /// Where the region's text starts and ends in the excerpt's.
    start: usize,
    end: usize,
    /// The spec's line the region starts with, 0-based.
    first_line: usize,
    lines: Vec<ExcerptLine>,
}

struct ExcerptLine {
    /// Where the line starts in the excerpt, and in the spec.
    virt: usize,
    orig: usize,
    /// For a long line, the spec's ranges that are quoted and where each
    /// starts in the excerpt; `None` when the line is quoted whole.
    pieces: Option<Vec<(Range<usize>, usize)>>,
}

impl ExcerptLine {
    /// Where a spec offset on this line is in the excerpt; an offset in a
    /// part that is not quoted goes to the nearest quoted one.
    fn to_excerpt(&self, offset: usize) -> usize {
        let Some(pieces) = &self.pieces else {
            return self.virt + (offset - self.orig);
        };
        let mut at = self.virt;
        for (range, virt) in pieces {
            if offset < range.start {
                return at;
            }
            at = virt + (offset.min(range.end) - range.start);
        }
        at
    }

    /// Where an excerpt offset on this line is in the spec.
    fn to_spec(&self, offset: usize) -> usize {
        let Some(pieces) = &self.pieces else {
            return self.orig + (offset - self.virt);
        };
        let mut at = self.orig;
        for (range, virt) in pieces {
            if offset < *virt {
                return at;
            }
            at = (range.start + (offset - virt)).min(range.end);
        }
        at
    }
}

impl Excerpt<'_> {
    /// Where a spec offset, on a line of the excerpt, is in the excerpt.
    fn to_excerpt(&self, snippets: &Snippets, offset: usize) -> usize {
        let line = snippets.line_of(offset);
        let region = self.regions.partition_point(|r| r.first_line <= line) - 1;
        let region = &self.regions[region];
        region.lines[line - region.first_line].to_excerpt(offset)
    }

    fn region_at(&self, offset: usize) -> Option<&Region> {
        let index = self.regions.partition_point(|r| r.start <= offset).checked_sub(1)?;
        self.regions.get(index).filter(|r| offset <= r.end)
    }
}

impl Region {
    /// The spec's byte column of an excerpt offset on a line quoted in
    /// windows; `None` on a line quoted whole, where miette's count holds.
    fn column_in_cut_line(&self, offset: usize) -> Option<usize> {
        let index = self.lines.partition_point(|l| l.virt <= offset).checked_sub(1)?;
        let line = &self.lines[index];
        line.pieces.as_ref()?;
        Some(line.to_spec(offset) - line.orig)
    }
}

impl SourceCode for Excerpt<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let region = self.region_at(span.offset()).ok_or(MietteError::OutOfBounds)?;
        if span.offset() + span.len() > region.end {
            return Err(MietteError::OutOfBounds);
        }
        let window = &self.text.as_bytes()[region.start..region.end];
        let inner = window.read_span(
            &SourceSpan::new((span.offset() - region.start).into(), span.len()),
            context_lines_before,
            context_lines_after,
        )?;
        let lines_shown = inner.data().split(|&b| b == b'\n').count();
        // miette counts the lines from the start of the text, and joins the
        // next label's snippet when it starts before that count: capped, so
        // only snippets at most `JOIN_GAP` lines apart are joined.
        let line_count = (inner.line_count() + region.first_line).min(lines_shown + JOIN_GAP);
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + region.start).into(), inner.span().len()),
            inner.line() + region.first_line,
            region.column_in_cut_line(span.offset()).unwrap_or(inner.column()),
            line_count,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every span of a text with all kinds of line breaks reads the same
    /// through an excerpt as through miette's whole-text reader.
    #[test]
    fn windows_read_like_the_whole_text() {
        let text = "a\nbb\r\ncc c\rd\n\ne\u{e9}f\ng\n";
        let snippets = Snippets::new("x".to_string(), text.to_string());
        for offset in 0..=text.len() {
            for len in 0..=(text.len() - offset).min(6) {
                if !text.is_char_boundary(offset) || !text.is_char_boundary(offset + len) {
                    continue;
                }
                let (excerpt, moved) = snippets.excerpt(&[Span::new(offset, offset + len)]);
                for (before, after) in [(0, 0), (1, 1)] {
                    let span = SourceSpan::new(offset.into(), len);
                    let moved = SourceSpan::new(moved[0].start().into(), moved[0].end() - moved[0].start());
                    let whole = text.as_bytes().read_span(&span, before, after);
                    let windowed = excerpt.read_span(&moved, before, after);
                    match (whole, windowed) {
                        (Ok(w), Ok(s)) => {
                            assert_eq!(w.data(), s.data(), "{offset}+{len} ({before}, {after})");
                            let shift = offset - moved.offset();
                            assert_eq!(
                                (w.span().offset(), w.line(), w.column()),
                                (s.span().offset() + shift, s.line(), s.column()),
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

    #[test]
    fn long_lines_are_quoted_around_the_labels() {
        let text = format!("stack a\nvolume {} x\nvolume b\n", "v".repeat(70_000));
        let snippets = Snippets::new("x".to_string(), text.clone());
        let at = text.find(" x").unwrap() + 1;
        let (excerpt, moved) = snippets.excerpt(&[Span::new(at, at + 1)]);
        assert!(excerpt.text.len() < 400, "{}", excerpt.text.len());
        assert_eq!(&excerpt.text[moved[0].start()..moved[0].end()], "x");
        let span = SourceSpan::new(moved[0].start().into(), 1);
        let contents = excerpt.read_span(&span, 0, 0).unwrap();
        assert_eq!((contents.line(), contents.column()), (1, at - "stack a\n".len()));
    }
}
