//! The one diagnostic type every stage reports with.
//!
//! Stages collect diagnostics instead of stopping at the first; only the CLI
//! renders them (see [`crate::render`]). A diagnostic answers what is wrong
//! (`message`), where (`labels`, the first primary one being the spot), and
//! what to do (`help`).

use crate::source::{FileId, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// The spot the diagnostic is about; other labels show related places.
    pub primary: bool,
    /// The file the span is in: `None` for the spec. Only secondary labels
    /// point into other files, so a finding always has its place, its
    /// suppression comment and its fix in the spec.
    pub file: Option<FileId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable identifier, e.g. `syntax` or `unknown-volume`; lint rules use
    /// their rule name.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// A mechanical rewrite of the spec that resolves this finding.
    pub fix: Option<Fix>,
    /// Spans that hold a secret's value (in the spec, or in the file the
    /// [`FileId`] names): no output prints them, whichever diagnostic's
    /// snippet shows their line.
    pub secrets: Vec<(Option<FileId>, Span)>,
    /// Other places in the spec this finding stands for: the statements of
    /// the other services that read the same file (see
    /// [`crate::lint::shared`]). A suppression at any of them covers it.
    pub also_at: Vec<Span>,
}

/// Text edits that resolve a diagnostic; `stackc lint --fix` applies them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, in the imperative: "wait until `db` is ready".
    pub message: String,
    /// Non-overlapping replacements of spans of the spec's text.
    pub edits: Vec<Edit>,
}

/// Replace the text at `span` with `replacement` (an insertion when the
/// span is empty, a deletion when the replacement is).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

impl Edit {
    pub fn replace(span: Span, replacement: impl Into<String>) -> Self {
        Edit {
            span,
            replacement: replacement.into(),
        }
    }

    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Self::replace(Span::empty(at), text)
    }
}

impl Diagnostic {
    pub fn new(code: &'static str, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            fix: None,
            secrets: Vec::new(),
            also_at: Vec::new(),
        }
    }

    /// Marks a span of the spec as a secret's value: never printed.
    pub fn secret(mut self, span: Span) -> Self {
        self.secrets.push((None, span));
        self
    }

    /// Marks a span of a file the spec names as a secret's value.
    pub fn secret_in(mut self, file: FileId, span: Span) -> Self {
        self.secrets.push((Some(file), span));
        self
    }

    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, message)
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, message)
    }

    /// Points at the place the diagnostic is about.
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
            file: None,
        });
        self
    }

    /// Points at a related place, such as the declaration a reference names.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
            file: None,
        });
        self
    }

    /// Points at a related place in a file the spec names, such as the
    /// line of the app's Dockerfile that a finding is about.
    pub fn secondary_in(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
            file: Some(file),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Offers a mechanical fix: `edits` applied to the spec resolve this finding.
    pub fn fix(mut self, message: impl Into<String>, edits: Vec<Edit>) -> Self {
        self.fix = Some(Fix {
            message: message.into(),
            edits,
        });
        self
    }

    /// The span of the first primary label, where line/column reports point.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels
            .iter()
            .find(|l| l.primary && l.file.is_none())
            .map(|l| l.span)
    }

    /// Where in the spec the finding is: its primary span, then the
    /// statements of the other services it [stands for](Self::also_at).
    pub fn places(&self) -> impl Iterator<Item = Span> + '_ {
        self.primary_span().into_iter().chain(self.also_at.iter().copied())
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Orders diagnostics by position so output is stable whatever order the
/// stages found them in.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| (d.primary_span().map(|s| (s.start(), s.end())), d.code));
}
