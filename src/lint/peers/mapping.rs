//! From a peer's finding on a file of the temporary folder to a diagnostic
//! on the spec: the file's source map gives the spec span of the flagged
//! line (an app's own Dockerfile is its own map: the finding points at the
//! `file` statement, with a label on the Dockerfile's line); then each
//! finding once, and none that a stackc rule already reports at the same
//! place.

use std::collections::HashSet;

use super::{Finding, Peer};
use crate::diagnostic::{Diagnostic, Label};
use crate::emit::{Mapped, SourceMap};
use crate::input::Inputs;
use crate::ir::Stack;
use crate::lint::registry;
use crate::source::{FileId, SourceFile, Span};

/// docs/peer-coverage.md: which stackc rule covers which peer code.
const COVERAGE: &str = include_str!("../../../docs/peer-coverage.md");

/// Where the folder for the environments' files is: a name no service can
/// have (names start with a letter), so no path can clash.
const ENVIRONMENTS: &str = ".environments";

/// Where the apps' own Dockerfiles are written, as `.own/SERVICE/Dockerfile`.
const OWN: &str = ".own";

/// Every file the peers read, with where its lines come from.
pub(super) struct FileSet<'a> {
    files: Vec<File<'a>>,
}

struct File<'a> {
    /// In the temporary folder.
    path: String,
    /// As a reader knows it: `web/Dockerfile`, the app's own Dockerfile's name.
    shown: String,
    text: &'a str,
    environment: Option<&'a str>,
    origin: Origin<'a>,
}

enum Origin<'a> {
    Emitted(&'a SourceMap),
    /// An app's own Dockerfile: its lines are the file's own; a finding
    /// points at the `file` statement.
    Own {
        file: FileId,
        statement: Span,
    },
}

/// A peer's finding on the spec, with the environment whose files it is
/// about (`None`: the linted stack's).
pub(super) type Placed<'a> = (Diagnostic, Option<&'a str>);

impl<'a> FileSet<'a> {
    /// The emitted files of each stack (the linted one first), an
    /// environment's only where they differ from the first's, and the
    /// apps' own Dockerfiles.
    pub(super) fn new(emitted: &'a [(Option<&'a str>, &'a Stack, Vec<Mapped>)]) -> Self {
        let mut files: Vec<File> = Vec::new();
        for (environment, _, mapped) in emitted {
            for file in mapped {
                let artifact = &file.artifact;
                let same_as_linted = files
                    .iter()
                    .any(|f| f.environment.is_none() && f.shown == artifact.path && f.text == artifact.contents);
                if same_as_linted {
                    continue;
                }
                let path = match environment {
                    Some(name) => format!("{ENVIRONMENTS}/{name}/{}", artifact.path),
                    None => artifact.path.clone(),
                };
                files.push(File {
                    path,
                    shown: artifact.path.clone(),
                    text: &artifact.contents,
                    environment: *environment,
                    origin: Origin::Emitted(&file.map),
                });
            }
        }
        if let Some((_, stack, _)) = emitted.first() {
            files.extend(own_dockerfiles(stack));
        }
        FileSet { files }
    }

    /// Each file's path in the folder, and its text.
    pub(super) fn files(&self) -> Vec<(String, &'a str)> {
        self.files.iter().map(|f| (f.path.clone(), f.text)).collect()
    }

    /// `finding` on the spec. A finding on a file the set does not hold
    /// (which a peer should never report) keeps its message, unplaced.
    pub(super) fn diagnostic(&self, peer: Peer, finding: &Finding) -> Placed<'a> {
        let code = super::code(peer, &finding.code);
        let url = peer.rule_url(&finding.code);
        let diagnostic = Diagnostic::new(code, finding.severity, one_line(&finding.message));
        let Some(file) = self.files.iter().find(|f| f.path == finding.file) else {
            let help = format!("{} reported it on {}; its rule: {url}", peer.name(), finding.file);
            return (diagnostic.help(help), None);
        };
        let lines = file.text.lines().count().max(1);
        let line = finding.line.unwrap_or(1).clamp(1, lines);
        let written = file.text.lines().nth(line - 1).unwrap_or_default().trim();
        let name = peer.name();
        let diagnostic = match file.origin {
            Origin::Emitted(map) => {
                let span = map.origin(line).or(map.lines().last().copied()).unwrap_or_default();
                diagnostic
                    .primary(span, format!("{name}: {} line {line} comes from here", file.shown))
                    .help(format!(
                        "{name} flags line {line} of the {} stackc writes: `{written}`; its rule: {url}",
                        file.shown
                    ))
            }
            Origin::Own { file: id, statement } => diagnostic
                .primary(statement, format!("the app's Dockerfile, line {line}"))
                .secondary_in(id, line_span(file.text, line), format!("{name} {}", finding.code))
                .help(format!("{name} flags line {line} of {}; its rule: {url}", file.shown)),
        };
        (diagnostic, file.environment)
    }
}

/// A peer's message on one line: hadolint's parser breaks its lines, which
/// a renderer would show escaped (`\u{a}`).
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The apps' own Dockerfiles that the stack read, as their own maps.
fn own_dockerfiles(stack: &Stack) -> Vec<File<'_>> {
    let mut files = Vec::new();
    for service in &stack.services {
        let Some(own) = service.build().and_then(|b| b.own_dockerfile()) else {
            continue;
        };
        let Some(image) = stack.inputs.image(&service.name.value) else {
            continue;
        };
        let source = stack.inputs.source(image.file);
        files.push(File {
            path: format!("{OWN}/{}/Dockerfile", service.name.value),
            shown: source.name.clone(),
            text: &source.text,
            environment: None,
            origin: Origin::Own {
                file: image.file,
                statement: own.file.span,
            },
        });
    }
    files
}

/// Line `line` (1-based) of `text`, without its line break.
fn line_span(text: &str, line: usize) -> Span {
    let mut start = 0;
    for (at, content) in text.split_inclusive('\n').enumerate() {
        if at + 1 == line {
            let end = start + content.trim_end_matches(['\n', '\r']).len();
            return Span::new(start, end);
        }
        start += content.len();
    }
    Span::empty(text.len())
}

/// The peers' findings worth reporting, in order: each once (an
/// environment's file that repeats a finding of the linted stack's adds
/// nothing), an environment's saying which, and none that a stackc rule
/// covering the peer's code (docs/peer-coverage.md) reports already on the
/// same spec line (and the same line of an app's own Dockerfile).
pub(super) fn new_findings(
    placed: Vec<Placed>,
    reported: &[Diagnostic],
    source: &SourceFile,
    inputs: &Inputs,
) -> Vec<Diagnostic> {
    let place = |d: &Diagnostic| Place::of(d, source, inputs);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (mut diagnostic, environment) in placed {
        let spans: Vec<_> = (diagnostic.labels.iter())
            .map(|l| (l.span.start(), l.span.end(), l.file.map(|f| f.0)))
            .collect();
        let key = (diagnostic.code, diagnostic.message.clone(), spans);
        if !seen.insert(key) {
            continue;
        }
        let here = place(&diagnostic);
        let covered = covering_rules(diagnostic.code)
            .iter()
            .any(|rule| reported.iter().any(|d| d.code == *rule && place(d) == here));
        if covered {
            continue;
        }
        if let Some(name) = environment {
            diagnostic.message = format!("in environment `{name}`: {}", diagnostic.message);
        }
        out.push(diagnostic);
    }
    out
}

/// Where a finding is, line by line: its spec line, and the line of the
/// app's own Dockerfile a label points at.
#[derive(PartialEq, Eq)]
struct Place {
    line: Option<usize>,
    own: Option<(FileId, usize)>,
}

impl Place {
    fn of(diagnostic: &Diagnostic, source: &SourceFile, inputs: &Inputs) -> Place {
        let in_file = |l: &Label| {
            let file = l.file?;
            let text = inputs.sources.get(file.0 as usize)?;
            Some((file, text.line_col(l.span.start()).0))
        };
        Place {
            line: diagnostic.primary_span().map(|s| source.line_col(s.start()).0),
            own: diagnostic.labels.iter().find_map(in_file),
        }
    }
}

/// The stackc rules docs/peer-coverage.md names for a peer finding's code
/// (`hadolint/SC2046` is in the table's `shellcheck` rows).
fn covering_rules(code: &str) -> Vec<&'static str> {
    let Some((peer, own)) = code.split_once('/') else {
        return Vec::new();
    };
    let peer = if peer == "hadolint" && own.starts_with("SC") {
        "shellcheck"
    } else {
        peer
    };
    COVERAGE
        .lines()
        .filter_map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            // | peer | rule | what it checks | applicable | stackc | test |
            (cells.len() == 8 && cells[1] == peer && cells[2] == own).then(|| cells[5])
        })
        .flat_map(|stackc| stackc.split('`').skip(1).step_by(2))
        .filter_map(|name| registry::find(name).map(|meta| meta.name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coverage_table_names_the_rules_that_cover_a_code() {
        assert_eq!(covering_rules("hadolint/DL3008"), ["package-install-hygiene"]);
        assert_eq!(covering_rules("hadolint/SC2046"), ["run-shell-hygiene"]);
        assert_eq!(covering_rules("gixy/version_disclosure"), ["server-tokens-on"]);
        assert!(covering_rules("hadolint/SC2006").is_empty());
        assert!(covering_rules("dclint/no-build-and-image").is_empty());
    }

    #[test]
    fn lines_of_a_file_are_spans_without_their_break() {
        let text = "FROM a\r\nRUN b\nUSER c";
        assert_eq!(&text[line_span(text, 2).start()..line_span(text, 2).end()], "RUN b");
        assert_eq!(&text[line_span(text, 3).start()..line_span(text, 3).end()], "USER c");
        assert_eq!(line_span(text, 9), Span::empty(text.len()));
    }
}
