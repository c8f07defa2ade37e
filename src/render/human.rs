//! miette's graphical reports, for people; colour only when asked.

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};

use super::snippets::Snippets;
use super::{visible, FileReport};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::lint::{docs, registry};
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
        self.render_report(&FileReport::new(file, diagnostics))
    }

    /// Renders every diagnostic of one file, with the lines of the files
    /// the spec names that labels point into.
    pub fn render_report(&self, report: &FileReport) -> String {
        let file = report.source;
        let source = Snippets::new(visible(&file.name), same_length_visible(&file.text));
        let inputs: Vec<Snippets> = report
            .inputs
            .iter()
            .map(|f| Snippets::new(visible(&f.name), same_length_visible(&f.text)))
            .collect();
        let mut out = String::new();
        for diagnostic in report.diagnostics {
            let related = diagnostic
                .labels
                .iter()
                .filter_map(|label| {
                    let id = label.file?.0 as usize;
                    Some(InputLabel {
                        label,
                        source: inputs.get(id)?,
                        file: report.inputs.get(id)?,
                    })
                })
                .collect();
            let report = Report {
                diagnostic,
                source: &source,
                file,
                related,
            };
            self.handler
                .render_report(&mut out, &report)
                .expect("writing into a String does not fail");
        }
        out
    }

    /// Renders every file's diagnostics, files in the order given.
    pub fn render_all(&self, reports: &[FileReport]) -> String {
        reports
            .iter()
            .filter(|r| !r.diagnostics.is_empty())
            .map(|r| self.render_report(r))
            .collect()
    }
}

/// One diagnostic with its source, in the shape miette renders.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a Snippets,
    file: &'a SourceFile,
    /// Its labels in other files, shown after the spec's snippet.
    related: Vec<InputLabel<'a>>,
}

/// A label in a file the spec names (the app's Dockerfile), rendered by
/// miette as a related note with that file's snippet.
struct InputLabel<'a> {
    label: &'a Label,
    source: &'a Snippets,
    file: &'a SourceFile,
}

impl std::fmt::Debug for InputLabel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.label.fmt(f)
    }
}

impl std::fmt::Display for InputLabel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "in {}", visible(&self.file.name))
    }
}

impl std::error::Error for InputLabel<'_> {}

impl miette::Diagnostic for InputLabel<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = clamp(self.label.span, self.file.text.len());
        let text = Some(visible(&self.label.message));
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(text, span))))
    }
}

/// A span inside a text of `len` bytes: one at the very end still needs a
/// place to point.
fn clamp(span: Span, len: usize) -> Span {
    Span::new(span.start.min(len), span.end.min(len))
}

impl std::fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.diagnostic.fmt(f)
    }
}

impl std::fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&visible(&self.diagnostic.message))
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
        let help = self.diagnostic.help.as_deref();
        let fix = self
            .diagnostic
            .fix
            .as_ref()
            .map(|f| format!("`stackc lint --fix` can {}", f.message));
        let text = match (help, fix) {
            (Some(help), Some(fix)) => format!("{help}\n{fix}"),
            (Some(help), None) => help.to_string(),
            (None, Some(fix)) => fix,
            (None, None) => return None,
        };
        Some(Box::new(visible_lines(&text)))
    }

    /// Lint rules link to their section of the rules page.
    fn url<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        let code = self.diagnostic.code;
        registry::find(code).map(|_| Box::new(docs::help_uri(code)) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let len = self.file.text.len();
        let in_spec = self.diagnostic.labels.iter().filter(|l| l.file.is_none());
        Some(Box::new(in_spec.map(move |label| {
            let span = clamp(label.span, len);
            let text = Some(visible(&label.message));
            if label.primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        })))
    }
}

/// [`visible`] for each line, keeping the line breaks stackc wrote.
fn visible_lines(text: &str) -> String {
    text.split('\n').map(visible).collect::<Vec<_>>().join("\n")
}

/// The spec's text for miette's snippets: each control character other
/// than line ends and tabs becomes a visible one of the same UTF-8 length,
/// so every span still points at the same bytes.
fn same_length_visible(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => c,
            c if c.is_control() && c.len_utf8() == 1 => '?',
            // C1 controls are two bytes, as is `¿`.
            c if c.is_control() => '¿',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let file = SourceFile::new("x.spec", "stack \u{1b}[31mred\u{85}\n");
        let diagnostic = Diagnostic::error("syntax", "unexpected `\u{1b}[31m`")
            .primary(Span::new(6, 7), "an \u{1b} here")
            .help("no \u{7} bells");
        let out = HumanRenderer::new(false, DEFAULT_WIDTH).render(&file, &[diagnostic]);
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
        assert!(out.contains("\\u{1b}[31m"), "{out}");
        assert_eq!(same_length_visible(&file.text).len(), file.text.len());
    }
}
