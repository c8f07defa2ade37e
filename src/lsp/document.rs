//! An open spec: its text as the editor has it, and what the analysis the
//! CLI runs found in it, kept up to date on every change.

use std::path::{Path, PathBuf};

use lsp_types::{TextDocumentContentChangeEvent, Url};

use super::symbols::Index;
use super::text::{Change, Encoding, Lines};
use crate::config;
use crate::diagnostic::Diagnostic;
use crate::input::{self, fs::read_text};
use crate::lint::policy::Policy;
use crate::source::SourceFile;

pub struct Document {
    pub uri: Url,
    pub version: i32,
    pub source: SourceFile,
    pub lines: Lines,
    encoding: Encoding,
    /// The spec's folder, for a `file:` document: the files it names are
    /// read from there, and `stackc.toml` is looked up from there.
    folder: Option<PathBuf>,
    pub analysis: crate::Analysis,
    /// From the current parse, or carried over from the last good one.
    pub index: Index,
    /// The `stackc.toml` that applies, when it is broken: its problems.
    pub config_problems: Option<(SourceFile, Vec<Diagnostic>)>,
}

impl Document {
    pub fn open(uri: Url, version: i32, text: String, encoding: Encoding) -> Document {
        let path = uri.to_file_path().ok();
        let name = path
            .as_ref()
            .map_or_else(|| uri.to_string(), |p| p.display().to_string());
        let mut document = Document {
            folder: path.as_deref().and_then(Path::parent).map(Path::to_path_buf),
            lines: Lines::new(&text, encoding),
            source: SourceFile::new(name, text),
            uri,
            version,
            encoding,
            analysis: crate::Analysis {
                stack: None,
                diagnostics: Vec::new(),
            },
            index: Index::default(),
            config_problems: None,
        };
        document.analyze(None);
        document
    }

    /// Applies the editor's changes in order, then analyzes the new text.
    pub fn change(&mut self, version: i32, events: Vec<TextDocumentContentChangeEvent>) {
        let mut text = std::mem::take(&mut self.source.text);
        let mut changes = Vec::with_capacity(events.len());
        for (index, event) in events.into_iter().enumerate() {
            match event.range {
                Some(range) => {
                    // The document's line index holds until the first change
                    // (most edits are one change): later ones need a new one.
                    let fresh;
                    let lines = match index {
                        0 => &self.lines,
                        _ => {
                            fresh = Lines::new(&text, self.encoding);
                            &fresh
                        }
                    };
                    let span = lines.span(&text, range);
                    text.replace_range(span.start()..span.end(), &event.text);
                    changes.push(Change {
                        start: span.start(),
                        old_end: span.end(),
                        new_end: span.start() + event.text.len(),
                    });
                }
                None => {
                    changes.push(Change::between(&text, &event.text));
                    text = event.text;
                }
            }
        }
        self.version = version;
        self.set_text(text);
        self.analyze(Some(&changes));
    }

    /// Analyzes the text again: the files it names may have changed.
    pub fn refresh(&mut self) {
        self.analyze(None);
    }

    fn set_text(&mut self, text: String) {
        self.lines = Lines::new(&text, self.encoding);
        self.source = SourceFile::new(self.source.name.clone(), text);
    }

    /// The analysis `stackc lint` runs: the nearest `stackc.toml`'s rule
    /// levels, and the files the spec names read from its folder. A spec
    /// that does not parse keeps the index of the last one that did,
    /// carried over the `changes` since the last analysis.
    fn analyze(&mut self, changes: Option<&[Change]>) {
        // The last analysis goes first: the new one then takes the memory
        // it held, still mapped and in cache, instead of new pages beside
        // it (a large spec's analysis is tens of megabytes).
        self.analysis = crate::Analysis {
            stack: None,
            diagnostics: Vec::new(),
        };
        // As large as the CLI reads, and no larger: a spec past it is one
        // finding, not seconds of analysis on every keystroke.
        if self.source.text.len() as u64 > crate::input::fs::MAX_FILE_BYTES {
            let too_large = Diagnostic::error(
                "syntax",
                format!(
                    "the spec is larger than {} MiB, which stackc does not check",
                    crate::input::fs::MAX_FILE_BYTES >> 20
                ),
            )
            .primary(crate::source::Span::empty(0), "a spec this large");
            self.analysis.diagnostics = vec![too_large];
            self.config_problems = None;
            self.index = Index::default();
            return;
        }
        let (analysis, config_problems) = self.with_options(|options| crate::analyze(&self.source, options));
        self.analysis = analysis;
        self.config_problems = config_problems;
        self.index = match (&self.analysis.stack, changes) {
            (Some(stack), _) => Index::new(stack),
            (None, Some(changes)) => self.index.carried(changes, &self.source.text),
            (None, None) => std::mem::take(&mut self.index),
        };
    }

    /// Runs `run` with what `stackc lint` reads besides the spec: the
    /// nearest `stackc.toml`'s rule levels (the default ones when it is
    /// broken: its problems come back too), and the spec's folder, where
    /// the files it names are read.
    pub fn with_options<R>(&self, run: impl FnOnce(crate::Options) -> R) -> (R, Option<(SourceFile, Vec<Diagnostic>)>) {
        let (policy, config_problems) = match &self.folder {
            Some(folder) => policy_for(folder),
            None => (Policy::default(), None),
        };
        let files = self.folder.as_ref().map(|f| input::Disk::new(f, f));
        // The server runs for days: the clock is read for each analysis.
        let options = crate::Options {
            policy: Some(&policy),
            files: files.as_ref().map(|f| f as &dyn input::Files),
            today: Some(crate::Date::today()),
            ..crate::Options::default()
        };
        (run(options), config_problems)
    }

    /// The files the analysis read, which labels may point into.
    pub fn inputs(&self) -> &[SourceFile] {
        self.analysis.stack.as_ref().map_or(&[], |s| &s.inputs.sources)
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    pub fn offset(&self, position: lsp_types::Position) -> usize {
        self.lines.offset(&self.source.text, position)
    }

    pub fn range(&self, span: crate::source::Span) -> lsp_types::Range {
        self.lines.range(&self.source.text, span)
    }
}

/// The rule levels of the nearest `stackc.toml` at or above `folder`, as
/// the CLI reads them; a broken one gives the default levels, and its
/// problems to show on it.
fn policy_for(folder: &Path) -> (Policy, Option<(SourceFile, Vec<Diagnostic>)>) {
    let Some(path) = config::nearest(folder) else {
        return (Policy::default(), None);
    };
    let name = path.display().to_string();
    let text = match read_text(&path, input::fs::MAX_FILE_BYTES) {
        Ok(text) => text,
        Err(e) => {
            let unreadable = Diagnostic::error("bad-config", format!("cannot read it: {e}"))
                .primary(crate::source::Span::new(0, 0), "");
            return (Policy::default(), Some((SourceFile::new(name, ""), vec![unreadable])));
        }
    };
    let file = SourceFile::new(name, text);
    match config::parse(&file) {
        Ok(config) => (config.policy, None),
        Err(problems) => (Policy::default(), Some((file, problems))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    /// Each change applies to the text the ones before it left: the first
    /// against the document's own line index, the next against a new one.
    #[test]
    fn changes_apply_in_order_each_to_the_text_before_it() {
        let uri = Url::parse("untitled:stack.spec").unwrap();
        let text = "stack shop\nservice web {\n    image nginx:1.27\n}\n".to_string();
        let mut document = Document::open(uri, 1, text, Encoding::Utf16);
        let at = |line, character| Position::new(line, character);
        let edit = |start, end, text: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(start, end)),
            range_length: None,
            text: text.to_string(),
        };
        document.change(
            2,
            vec![
                edit(at(0, 0), at(0, 0), "# a comment\n"),
                // Line 3 of the text after the first change: the image.
                edit(at(3, 16), at(3, 20), "1.28"),
            ],
        );
        assert_eq!(
            document.source.text,
            "# a comment\nstack shop\nservice web {\n    image nginx:1.28\n}\n"
        );
    }

    /// A document past the size the CLI reads is one finding, not an
    /// analysis of every keystroke's worth of megabytes.
    #[test]
    fn a_document_larger_than_the_cli_reads_is_one_finding() {
        let uri = Url::parse("untitled:stack.spec").unwrap();
        let large = format!("stack shop\n{}", "# padding\n".repeat((16 << 20) / 10 + 1));
        let document = Document::open(uri, 1, large, Encoding::Utf16);
        let codes: Vec<&str> = document.analysis.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["syntax"]);
        assert!(document.analysis.diagnostics[0].message.contains("larger than 16 MiB"));
    }
}
