//! Diagnostics as people and programs read them.
//!
//! `human` renders miette's graphical reports (colour only when asked);
//! `json` is stackc's own machine format, because miette's JSON has no line
//! or column.

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};

/// How wide human reports are drawn.
pub const DEFAULT_WIDTH: usize = 100;

pub struct HumanRenderer {
    handler: GraphicalReportHandler,
}

impl HumanRenderer {
    pub fn new(color: bool, width: usize) -> Self {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        HumanRenderer {
            handler: GraphicalReportHandler::new_themed(theme)
                .with_width(width)
                .with_links(false),
        }
    }

    /// Renders every diagnostic of one file, in order.
    pub fn render(&self, file: &SourceFile, diagnostics: &[Diagnostic]) -> String {
        let source = NamedSource::new(&file.name, file.text.clone());
        let mut out = String::new();
        for diagnostic in diagnostics {
            let report = Report {
                diagnostic,
                source: &source,
                file,
            };
            self.handler
                .render_report(&mut out, &report)
                .expect("writing into a String does not fail");
        }
        out
    }
}

/// One diagnostic with its source, in the shape miette renders.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a NamedSource<String>,
    file: &'a SourceFile,
}

impl std::fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.diagnostic.fmt(f)
    }
}

impl std::fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let len = self.file.text.len();
        Some(Box::new(self.diagnostic.labels.iter().map(move |label| {
            // Clamp: a span at the very end still needs a place to point.
            let span = Span::new(label.span.start.min(len), label.span.end.min(len));
            let text = Some(label.message.clone());
            if label.primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        })))
    }
}

// ---------------------------------------------------------------- JSON

/// A diagnostic for editors and CI: positions are 1-based lines and
/// columns (in characters), `end` exclusive, plus byte offsets.
#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub file: &'a str,
    pub code: &'a str,
    pub severity: &'a str,
    pub message: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub offset: usize,
    pub length: usize,
    pub help: Option<&'a str>,
    pub labels: Vec<JsonLabel<'a>>,
}

#[derive(Serialize)]
pub struct JsonLabel<'a> {
    pub message: &'a str,
    pub primary: bool,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn json<'a>(file: &'a SourceFile, diagnostic: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let span = diagnostic.primary_span().unwrap_or_default();
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    JsonDiagnostic {
        file: &file.name,
        code: diagnostic.code,
        severity: diagnostic.severity.as_str(),
        message: &diagnostic.message,
        line,
        column,
        end_line,
        end_column,
        offset: span.start,
        length: span.len(),
        help: diagnostic.help.as_deref(),
        labels: diagnostic
            .labels
            .iter()
            .map(|label| {
                let (line, column) = file.line_col(label.span.start);
                let (end_line, end_column) = file.line_col(label.span.end);
                JsonLabel {
                    message: &label.message,
                    primary: label.primary,
                    line,
                    column,
                    end_line,
                    end_column,
                }
            })
            .collect(),
    }
}
