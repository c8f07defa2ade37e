//! What a reader found wrong in a file, with the span of the text at fault
//! in that file's own [`crate::source::SourceFile`].

use crate::diagnostic::Severity;
use crate::source::Span;

/// One finding of a reader: the caller turns it into a diagnostic on the
/// file the reader read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub span: Span,
    /// `Error` when the tool that reads the file (pip, compose, Gunicorn)
    /// would fail on it; `Warning` when it reads on but not as written.
    pub severity: Severity,
    pub message: String,
}

impl Problem {
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Problem {
            span,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Problem {
            span,
            severity: Severity::Warning,
            message: message.into(),
        }
    }
}
