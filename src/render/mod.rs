//! Diagnostics as people and programs read them, one module per `--format`.
//!
//! Every format renders a whole run (all files) into one string, so the CLI
//! prints each run with a single write. Each module escapes user strings in
//! one place, for its own format.

mod github;
mod human;
mod json;
mod sarif;
mod short;
mod snippets;

pub use github::github;
pub use human::{HumanRenderer, DEFAULT_WIDTH};
pub use json::json;
pub use sarif::sarif;
pub use short::short;

use crate::diagnostic::{Diagnostic, Label};
use crate::source::{SourceFile, Span};

/// The diagnostics of one file, as every format receives them.
#[derive(Clone, Copy)]
pub struct FileReport<'a> {
    pub source: &'a SourceFile,
    pub diagnostics: &'a [Diagnostic],
    /// The files the spec names that labels may point into
    /// ([`crate::input::Inputs::sources`]).
    pub inputs: &'a [SourceFile],
}

impl<'a> FileReport<'a> {
    pub fn new(source: &'a SourceFile, diagnostics: &'a [Diagnostic]) -> Self {
        FileReport {
            source,
            diagnostics,
            inputs: &[],
        }
    }

    /// With the files the spec's labels may point into.
    pub fn with_inputs(self, inputs: &'a [SourceFile]) -> Self {
        FileReport { inputs, ..self }
    }

    /// The file a label's span is in.
    fn file_of(&self, label: &Label) -> &'a SourceFile {
        label
            .file
            .and_then(|id| self.inputs.get(id.0 as usize))
            .unwrap_or(self.source)
    }
}

/// Where a span starts and ends, as 1-based lines and columns (columns in
/// characters, `end` exclusive), the unit editors, GitHub and SARIF share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Region {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

impl Region {
    fn of(file: &SourceFile, span: Span) -> Region {
        let (line, column) = file.line_col(span.start());
        let (end_line, end_column) = file.line_col(span.end());
        Region {
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// Where a diagnostic points: its primary label, or the file's start.
    fn primary(file: &SourceFile, diagnostic: &Diagnostic) -> Region {
        Region::of(file, diagnostic.primary_span().unwrap_or_default())
    }
}

/// Text from a spec, safe to print on a terminal and on one line: control
/// characters (an ESC could start a terminal escape sequence, a newline a
/// fake finding) are shown as `\u{1b}`.
/// The Unicode controls that reorder the text around them (U+202A to
/// U+202E, U+2066 to U+2069): a name holding one would make a terminal
/// show a line other than the one read ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// [`visible`] for each line, keeping the line breaks stackc wrote: how
/// the CLI's own messages on stderr show a file's name or a path.
pub fn visible_lines(text: &str) -> String {
    text.split('\n').map(visible).collect::<Vec<_>>().join("\n")
}

fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || is_bidi_control(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}
