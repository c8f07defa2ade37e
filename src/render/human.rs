//! miette's graphical reports, for people; colour only when asked.

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};

use super::snippets::{Excerpt, Snippets};
use super::{visible, visible_lines, FileReport};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::lint::{docs, registry};
use crate::source::{masked, FileId, SourceFile, Span};

/// How wide human reports are drawn.
pub const DEFAULT_WIDTH: usize = 100;

pub struct HumanRenderer {
    handler: GraphicalReportHandler,
}

/// At most this many labels of one diagnostic are drawn; the others are
/// counted in its help (every format for programs lists them all).
pub const MAX_LABELS: usize = 12;
/// At most this many findings of one code are drawn per file; the others
/// are counted in one line after them.
pub const MAX_PER_CODE: usize = 50;
/// Messages, labels and help are cut to this many characters.
pub const MAX_TEXT: usize = 1000;

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
    /// the spec names that labels point into: the first [`MAX_PER_CODE`]
    /// of each code, then a count of the others.
    pub fn render_report(&self, report: &FileReport) -> String {
        let name = visible(&report.source.name);
        // The secrets' values any finding marks, hidden from every snippet.
        let secrets = |file: Option<FileId>| -> Vec<Span> {
            let marked = report.diagnostics.iter().flat_map(|d| &d.secrets);
            marked.filter(|(f, _)| *f == file).map(|(_, span)| *span).collect()
        };
        let sources = Sources {
            spec: Snippets::new(
                name.clone(),
                same_length_visible(&masked(&report.source.text, &secrets(None))),
            ),
            inputs: (report.inputs.iter().enumerate())
                .map(|(i, f)| {
                    let shown = f.shown_text();
                    let mut hidden = secrets(Some(FileId(i as u32)));
                    hidden.extend(leaking_lines(&shown));
                    let text = masked(&shown, &hidden);
                    Snippets::new(visible(&f.name), same_length_visible(&text))
                })
                .collect(),
        };
        let mut out = String::new();
        // Codes in the order they first appear, so the counts are too.
        let mut per_code: Vec<(&str, usize)> = Vec::new();
        for diagnostic in report.diagnostics {
            let seen = match per_code.iter().position(|(code, _)| *code == diagnostic.code) {
                Some(i) => i,
                None => {
                    per_code.push((diagnostic.code, 0));
                    per_code.len() - 1
                }
            };
            per_code[seen].1 += 1;
            if per_code[seen].1 <= MAX_PER_CODE {
                self.render_one(&sources, report, diagnostic, &mut out);
            }
        }
        for (code, count) in per_code {
            if count > MAX_PER_CODE {
                out.push_str(&format!(
                    "and {} more `{code}` findings in {name} (`--format short` lists every finding on one line)\n\n",
                    count - MAX_PER_CODE
                ));
            }
        }
        out
    }

    fn render_one(&self, sources: &Sources, report: &FileReport, diagnostic: &Diagnostic, out: &mut String) {
        let shown = shown_labels(diagnostic);
        let in_spec: Vec<&Label> = shown.iter().copied().filter(|l| l.file.is_none()).collect();
        let spans: Vec<Span> = in_spec
            .iter()
            .map(|l| clamp(l.span, report.source.text.len()))
            .collect();
        let (excerpt, moved) = sources.spec.excerpt(&spans);
        let labels = in_spec
            .iter()
            .zip(moved)
            .map(|(label, span)| {
                let text = Some(cut(&visible(&label.message)));
                if label.primary {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                }
            })
            .collect();
        let related: Vec<InputLabel> = shown
            .iter()
            .filter_map(|label| {
                let id = label.file?.0 as usize;
                let (source, file) = (sources.inputs.get(id)?, report.inputs.get(id)?);
                let (excerpt, moved) = source.excerpt(&[clamp(label.span, file.text.len())]);
                Some(InputLabel {
                    label,
                    excerpt,
                    span: moved[0],
                    file,
                })
            })
            .collect();
        let report = Report {
            diagnostic,
            source: &excerpt,
            labels,
            hidden_labels: diagnostic.labels.len() - shown.len(),
        };
        self.handler
            .render_report(out, &report)
            .expect("writing into a String does not fail");
        // Each file's excerpt follows as a report of its own: miette heads a
        // related diagnostic with a severity word ("Advice:") and nothing
        // after it, and its nested form wraps long labels into the margin.
        for input in &related {
            out.push('\n');
            self.handler
                .render_report(out, input)
                .expect("writing into a String does not fail");
        }
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

/// The texts labels point into, each indexed by line once per file.
struct Sources {
    spec: Snippets,
    inputs: Vec<Snippets>,
}

/// The labels drawn, at most [`MAX_LABELS`] (primary ones first), in the
/// diagnostic's order.
fn shown_labels(diagnostic: &Diagnostic) -> Vec<&Label> {
    let labels = &diagnostic.labels;
    let primary = (0..labels.len()).filter(|&i| labels[i].primary);
    let secondary = (0..labels.len()).filter(|&i| !labels[i].primary);
    let mut shown: Vec<usize> = primary.chain(secondary).take(MAX_LABELS).collect();
    shown.sort_unstable();
    shown.into_iter().map(|i| &labels[i]).collect()
}

/// A span inside a text of `len` bytes: one at the very end still needs a
/// place to point.
fn clamp(span: Span, len: usize) -> Span {
    let start = span.start().min(len);
    Span::new(start, span.end().clamp(start, len))
}

/// Text of ours or the user's, cut to [`MAX_TEXT`] characters.
fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// One diagnostic with its source, in the shape miette renders.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a Excerpt<'a>,
    /// Its labels in the spec, moved into the excerpt.
    labels: Vec<LabeledSpan>,
    /// Labels beyond [`MAX_LABELS`], counted in the help.
    hidden_labels: usize,
}

/// A label in a file the spec names (the app's Dockerfile), rendered by
/// miette after the diagnostic, as a note with that file's snippet.
struct InputLabel<'a> {
    label: &'a Label,
    excerpt: Excerpt<'a>,
    /// The label's span, moved into the excerpt.
    span: Span,
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
        Some(&self.excerpt)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let text = Some(cut(&visible(&self.label.message)));
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(text, self.span))))
    }
}

impl std::fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.diagnostic.fmt(f)
    }
}

impl std::fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&cut(&visible(&self.diagnostic.message)))
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
        let fix = self
            .diagnostic
            .fix
            .as_ref()
            .map(|f| format!("`stackc lint --fix` can {}", f.message));
        let hidden = (self.hidden_labels > 0).then(|| {
            format!(
                "{} more places are not shown here; `--format json` lists them all",
                self.hidden_labels
            )
        });
        let lines: Vec<String> = [self.diagnostic.help.as_deref().map(cut), fix, hidden]
            .into_iter()
            .flatten()
            .collect();
        if lines.is_empty() {
            return None;
        }
        Some(Box::new(visible_lines(&lines.join("\n"))))
    }

    /// Lint rules link to their section of the rules page, a peer
    /// linter's findings to the peer's page for the rule.
    fn url<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        let code = self.diagnostic.code;
        let linked = registry::find(code).is_some() || crate::lint::peers::is_peer_code(code);
        linked.then(|| Box::new(docs::help_uri(code)) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// The spec's text for miette's snippets: each control character other
/// than line ends (`\n`, `\r\n`) and tabs becomes a visible one of the same
/// UTF-8 length, so every span still points at the same bytes. A lone `\r`
/// is one of them: miette would print it raw (it moves a terminal's cursor
/// back over the line), and the other formats count no line at it either.
fn same_length_visible(text: &str) -> String {
    // Most specs have no control character but line ends and tabs: copied
    // whole. (A C1 control's UTF-8 starts with 0xC2.)
    // (A bidi control's starts with 0xE2.)
    let plain = |b: &u8| matches!(b, b'\n' | b'\t') || (*b >= 0x20 && !matches!(b, 0x7f | 0xc2 | 0xe2));
    if text.as_bytes().iter().all(plain) {
        return text.to_string();
    }
    let mut chars = text.chars().peekable();
    let mut out = String::with_capacity(text.len());
    while let Some(c) = chars.next() {
        out.push(match c {
            '\r' if chars.peek() == Some(&'\n') => c,
            '\n' | '\t' => c,
            c if c.is_control() && c.len_utf8() == 1 => '?',
            // C1 controls are two bytes, as is `¿`.
            c if c.is_control() => '¿',
            // Three bytes, as is U+FFFD.
            c if super::is_bidi_control(c) => '\u{fffd}',
            c => c,
        });
    }
    out
}

/// The secrets in the lines of a file the spec names (requirements, a
/// Dockerfile), whatever finding shows them: a snippet's context lines
/// show what no rule read (a line pip stops before, a finding on the
/// next line), and a token there is masked all the same.
fn leaking_lines(text: &str) -> Vec<Span> {
    let mut start = 0;
    let mut lines = Vec::new();
    for line in text.split_inclusive('\n') {
        let content = line.trim_end();
        let spans = crate::lint::secrets::leak_spans(content);
        lines.extend(spans.iter().map(|s| Span::new(start + s.start(), start + s.end())));
        start += line.len();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let file = SourceFile::new("x.spec", "stack \u{1b}[31mred\u{85}\rx\u{202e}y\u{2066}\r\n");
        let diagnostic = Diagnostic::error("syntax", "unexpected `\u{1b}[31m` \u{202e}")
            .primary(Span::new(6, 7), "an \u{1b} here")
            .help("no \u{7} bells \u{2067}");
        let out = HumanRenderer::new(false, DEFAULT_WIDTH).render(&file, &[diagnostic]);
        assert!(
            !out.chars()
                .any(|c| (c.is_control() || super::super::is_bidi_control(c)) && c != '\n'),
            "{out:?}"
        );
        assert!(out.contains("\\u{1b}[31m"), "{out}");
        assert_eq!(same_length_visible(&file.text).len(), file.text.len());
    }

    /// A value a finding marks as a secret is masked in every snippet that
    /// shows its line, another finding's too; one in a file the spec names
    /// as well.
    #[test]
    fn a_secret_s_value_is_never_printed() {
        let text = "stack s\nservice web {\n    env {\n        TOKEN = \"ghp_hunter2hunter2\"\n        MODE = \"prod\"\n    }\n}\n";
        let file = SourceFile::new("x.spec", text);
        let token = text.find("\"ghp").unwrap();
        let token = Span::new(token, token + "\"ghp_hunter2hunter2\"".len());
        let mode = text.find("\"prod").unwrap();
        let input = SourceFile::new("Dockerfile", "FROM x\nENV KEY=s3cr3t-value\n");
        let in_input = Span::new(15, 27);
        let diagnostics = [
            Diagnostic::error("secret-in-env", "a token")
                .primary(token, "a token")
                .secret(token)
                .secondary_in(FileId(0), in_input, "a key")
                .secret_in(FileId(0), in_input),
            Diagnostic::warning("possible-secret", "beside it").primary(Span::new(mode, mode + 6), "here"),
        ];
        let inputs = [input];
        let report = FileReport::new(&file, &diagnostics).with_inputs(&inputs);
        let out = HumanRenderer::new(false, DEFAULT_WIDTH).render_report(&report);
        assert!(!out.contains("hunter2") && !out.contains("s3cr3t"), "{out}");
        assert!(
            out.contains("TOKEN = ********************") && out.contains("\"prod\""),
            "{out}"
        );
        assert!(out.contains("ENV KEY=************"), "{out}");
        assert!(
            out.contains("\n\n  ☞ in Dockerfile\n"),
            "the file's excerpt headed by its name: {out}"
        );
        assert!(!out.contains("Advice:"), "no empty severity heading: {out}");
    }
}
