//! What import did with every setting it did not turn into a statement:
//! findings whose spans point into the files read (compose.yaml, an
//! nginx.conf, a Dockerfile), rendered by every `--format` like lint's.

use crate::diagnostic::{Diagnostic, Severity};
use crate::render::FileReport;
use crate::source::{SourceFile, Span};

/// A setting that is not in the spec: `--strict` fails on any.
pub const DROPPED: &str = "import-dropped";
/// A value compose fills from the project's `.env`, written in.
pub const FILLED: &str = "import-filled";
/// A setting carried by an escape hatch (`compose`, `nginx`, `dockerfile`).
pub const RAW: &str = "import-raw";
/// A password or key moved out of the spec into a secret file.
pub const SECRET: &str = "import-secret";
/// A file that could not be read or parsed.
pub const UNREADABLE: &str = "import-unreadable";
/// Every code an import finding carries.
pub const CODES: [&str; 5] = [DROPPED, FILLED, RAW, SECRET, UNREADABLE];

/// The files import read, and its findings in each.
#[derive(Default)]
pub struct Report {
    pub files: Vec<SourceFile>,
    findings: Vec<(usize, Diagnostic)>,
    /// What each finding says where, so that a setting several services
    /// share (a YAML anchor merged into each) is reported once.
    seen: std::collections::HashSet<(usize, &'static str, Span, String)>,
}

/// Which of [`Report::files`] a finding points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIx(pub usize);

impl Report {
    pub fn add_file(&mut self, source: SourceFile) -> FileIx {
        self.files.push(source);
        FileIx(self.files.len() - 1)
    }

    pub fn text(&self, file: FileIx) -> &str {
        &self.files[file.0].text
    }

    pub fn name(&self, file: FileIx) -> &str {
        &self.files[file.0].name
    }

    /// `file:line` of a span, for the spec's comments.
    pub fn place(&self, file: FileIx, span: Span) -> String {
        let source = &self.files[file.0];
        format!("{}:{}", source.name, source.line_col(span.start()).0)
    }

    fn push(
        &mut self,
        file: FileIx,
        severity: Severity,
        code: &'static str,
        span: Span,
        message: String,
        help: Option<String>,
    ) -> Option<&mut Diagnostic> {
        if !self.seen.insert((file.0, code, span, message.clone())) {
            return None;
        }
        let mut diagnostic = Diagnostic::new(code, severity, message).primary(span, "here");
        diagnostic.help = help;
        self.findings.push((file.0, diagnostic));
        self.findings.last_mut().map(|(_, d)| d)
    }

    /// How many findings there are, to [`unkeep_since`](Self::unkeep_since).
    pub fn mark(&self) -> usize {
        self.findings.len()
    }

    /// Takes back the `import-raw` findings made since `mark`: the block
    /// those settings are in is left out as a whole, so they are not kept
    /// after all. What was dropped stays reported: it says why.
    pub fn unkeep_since(&mut self, mark: usize) {
        let later = self.findings.split_off(mark);
        for (file, finding) in later {
            if finding.code != RAW {
                self.findings.push((file, finding));
            } else if let Some(label) = finding.labels.iter().find(|l| l.primary) {
                self.seen.remove(&(file, finding.code, label.span, finding.message));
            }
        }
    }

    /// A setting left out of the spec, and why.
    pub fn dropped(&mut self, file: FileIx, span: Span, message: impl Into<String>, help: impl Into<String>) {
        self.push(
            file,
            Severity::Warning,
            DROPPED,
            span,
            message.into(),
            Some(help.into()),
        );
    }

    /// A setting left out that refused requests: the spec is more open
    /// than the project, which import does not let pass as a warning.
    pub fn dropped_guard(&mut self, file: FileIx, span: Span, message: impl Into<String>, help: impl Into<String>) {
        self.push(file, Severity::Error, DROPPED, span, message.into(), Some(help.into()));
    }

    /// A setting left out because it holds a secret: its value is masked
    /// where the report shows the file.
    pub fn dropped_secret(&mut self, file: FileIx, span: Span, message: impl Into<String>, help: impl Into<String>) {
        let pushed = self.push(
            file,
            Severity::Warning,
            DROPPED,
            span,
            message.into(),
            Some(help.into()),
        );
        if let Some(finding) = pushed {
            finding.secrets.push((None, span));
        }
    }

    /// A value filled from the project's `.env`.
    pub fn filled(&mut self, file: FileIx, span: Span, message: impl Into<String>, help: impl Into<String>) {
        self.push(file, Severity::Info, FILLED, span, message.into(), Some(help.into()));
    }

    /// A setting written as an escape hatch.
    pub fn raw(&mut self, file: FileIx, span: Span, message: impl Into<String>) {
        self.push(file, Severity::Info, RAW, span, message.into(), None);
    }

    /// A password or key moved out of the spec: its value is masked where
    /// the report shows the file.
    pub fn secret(&mut self, file: FileIx, span: Span, message: impl Into<String>, help: impl Into<String>) {
        if let Some(finding) = self.push(file, Severity::Info, SECRET, span, message.into(), Some(help.into())) {
            finding.secrets.push((None, span));
        }
    }

    pub fn unreadable(&mut self, file: FileIx, span: Span, message: impl Into<String>) {
        self.push(file, Severity::Error, UNREADABLE, span, message.into(), None);
    }

    pub fn count(&self, code: &str) -> usize {
        self.findings.iter().filter(|(_, d)| d.code == code).count()
    }

    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|(_, d)| d.is_error())
    }

    pub fn diagnostics(&self) -> impl Iterator<Item = (&SourceFile, &Diagnostic)> {
        self.findings.iter().map(|(file, d)| (&self.files[*file], d))
    }

    /// One report per file, its findings in order, for the renderers.
    pub fn grouped(&self) -> Vec<(usize, Vec<Diagnostic>)> {
        let mut groups: Vec<(usize, Vec<Diagnostic>)> = Vec::new();
        for (file, diagnostic) in &self.findings {
            match groups.iter_mut().find(|(f, _)| f == file) {
                Some((_, list)) => list.push(diagnostic.clone()),
                None => groups.push((*file, vec![diagnostic.clone()])),
            }
        }
        for (_, list) in &mut groups {
            crate::diagnostic::sort(list);
        }
        groups.sort_by_key(|(file, _)| *file);
        groups
    }

    pub fn file_reports<'a>(&'a self, groups: &'a [(usize, Vec<Diagnostic>)]) -> Vec<FileReport<'a>> {
        groups
            .iter()
            .map(|(file, list)| FileReport::new(&self.files[*file], list))
            .collect()
    }
}
