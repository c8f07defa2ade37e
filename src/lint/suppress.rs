//! `# stackc: allow(RULE, ...)`: allows a rule at one place. On a line of
//! its own, the comment covers the next line that holds a statement; at the
//! end of a statement, that statement's line; a statement that opens a
//! block (`build ./app {`, `service web {`) with its whole block. A finding
//! is covered when its primary label starts on a covered line (or, for a
//! finding about a file several services read, the statement of any of
//! them).
//!
//! A suppression that allows nothing, names no rule, or is not written as
//! `allow(...)` is reported, so stale ones do not pile up.

use super::registry;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};
use crate::syntax::tokens;

/// The comments' suppressions, and the problems with them.
pub struct Suppressions {
    allows: Vec<Allow>,
    problems: Vec<Diagnostic>,
}

/// One rule allowed on one line.
struct Allow {
    rule: &'static str,
    /// The rule's name in the comment.
    span: Span,
    /// The 1-based lines it covers, first and last (a statement that opens
    /// a block, with its block); `None` when no statement follows.
    lines: Option<(usize, usize)>,
}

/// Finds every `# stackc:` comment in the spec.
pub fn scan(source: &SourceFile) -> Suppressions {
    let mut found = Suppressions {
        allows: Vec::new(),
        problems: Vec::new(),
    };
    // Most specs have none: no need to split them into tokens.
    if !source.text.contains("stackc:") {
        return found;
    }
    let lines = tokens::lines(&source.text);
    let line_of = |token: &tokens::Token| source.line_col(offset_in(&source.text, token.text)).0;
    // The first token of each line, or of the next line that has one.
    let mut next_statement = None;
    let mut covered: Vec<_> = (lines.iter().rev())
        .map(|line| {
            next_statement = line.tokens.first().or(next_statement);
            next_statement
        })
        .collect();
    covered.reverse();
    // Where the block a line opens ends: a statement that opens a block
    // (`build ./app {`) is covered with its block, where its findings are.
    let mut block_end = std::collections::HashMap::new();
    let mut open = Vec::new();
    for token in lines.iter().flat_map(|line| &line.tokens) {
        match token.text {
            "{" => open.push(line_of(token)),
            "}" => {
                if let Some(start) = open.pop() {
                    block_end.entry(start).or_insert(line_of(token));
                }
            }
            _ => {}
        }
    }
    for (line, covered) in lines.iter().zip(covered) {
        let Some(comment) = line.comment else { continue };
        let covered = covered.map(|token| {
            let first = line_of(token);
            (first, block_end.get(&first).copied().unwrap_or(first))
        });
        found.read_comment(source, comment, covered);
    }
    found
}

/// The error-level rules the spec's comments allow, each with the 1-based
/// line of its comment, in the order written: the CLI names them, as it
/// names a `stackc.toml` that lowers one, so a reviewer sees that an
/// error was allowed without reading every comment.
pub fn allowed_errors(source: &SourceFile) -> Vec<(&'static str, usize)> {
    (scan(source).allows.iter())
        .filter(|allow| registry::find(allow.rule).is_some_and(|meta| meta.severity == Severity::Error))
        .map(|allow| (allow.rule, source.line_col(allow.span.start()).0))
        .collect()
}

/// How a suppression comment starts, after the `#` and any spaces.
const DIRECTIVE: &str = "stackc:";

/// The comment that allows `rules` where it stands.
pub fn allow_comment(rules: &[&str]) -> String {
    format!("# {DIRECTIVE} allow({})", rules.join(", "))
}

/// Whether a comment (`#` included) is a `# stackc:` directive.
fn is_directive(comment: &str) -> bool {
    comment[1..].trim_start().starts_with(DIRECTIVE)
}

/// The rule names of a `# stackc: allow(...)` comment: where they are in
/// the comment, and whether the `)` closes them (a comment being typed
/// may not have it yet; then they run to the comment's end).
pub struct AllowList {
    pub names: std::ops::Range<usize>,
    pub closed: bool,
}

pub fn allow_list(comment: &str) -> Option<AllowList> {
    let body = comment.get(1..)?.trim_start();
    let directive = body.strip_prefix(DIRECTIVE)?.trim_start();
    let rest = directive.strip_prefix("allow(")?;
    let start = comment.len() - rest.len();
    Some(match rest.find(')') {
        Some(close) => AllowList {
            names: start..start + close,
            closed: true,
        },
        None => AllowList {
            names: start..comment.len(),
            closed: false,
        },
    })
}

/// Where `part`, a slice of `text`, starts in it.
fn offset_in(text: &str, part: &str) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

impl Suppressions {
    fn read_comment(&mut self, source: &SourceFile, comment: &str, lines: Option<(usize, usize)>) {
        let start = offset_in(&source.text, comment);
        if !is_directive(comment) {
            return;
        }
        let names = allow_list(comment)
            .filter(|list| list.closed)
            .map(|list| &comment[list.names]);
        let Some(names) = names.filter(|n| n.split(',').all(|name| !name.trim().is_empty())) else {
            let span = Span::new(start, start + comment.len());
            self.problems.push(
                Diagnostic::new(
                    "bad-suppression",
                    Severity::Warning,
                    "this `# stackc:` comment is not a suppression stackc understands",
                )
                .primary(span, "expected `allow(RULE)` or `allow(RULE, RULE)`")
                .help("write `# stackc: allow(default-credentials)` on the line above the finding, or at its end"),
            );
            return;
        };
        for name in names.split(',') {
            let trimmed = name.trim();
            let at = offset_in(&source.text, name) + (name.len() - name.trim_start().len());
            let span = Span::new(at, at + trimmed.len());
            match registry::find(trimmed) {
                Some(meta) => self.allows.push(Allow {
                    rule: meta.name,
                    span,
                    lines,
                }),
                None => self.problems.push(unknown_rule(trimmed, span)),
            }
        }
    }

    /// Drops the findings these suppressions cover, then reports each
    /// suppression that covered none, and every malformed one.
    pub fn apply(self, findings: Vec<Diagnostic>, source: &SourceFile) -> Vec<Diagnostic> {
        let mut used = vec![false; self.allows.len()];
        let mut kept: Vec<Diagnostic> = findings
            .into_iter()
            .filter(|finding| {
                // A finding for several services is covered at the
                // statement of any of them; each allow there is used.
                let mut covered = false;
                for line in finding.places().map(|s| source.line_col(s.start()).0) {
                    let covering = (self.allows.iter()).position(|a| {
                        a.rule == finding.code && a.lines.is_some_and(|(first, last)| (first..=last).contains(&line))
                    });
                    if let Some(i) = covering {
                        used[i] = true;
                        covered = true;
                    }
                }
                !covered
            })
            .collect();
        for (allow, used) in self.allows.iter().zip(used) {
            if !used {
                let place = match allow.lines {
                    Some((line, last)) if last > line => {
                        format!("lines {line} to {last} have no `{}` finding", allow.rule)
                    }
                    Some((line, _)) => format!("line {line} has no `{}` finding", allow.rule),
                    None => "no statement follows it".to_string(),
                };
                kept.push(
                    Diagnostic::new(
                        "unused-suppression",
                        Severity::Warning,
                        format!("`allow({})` suppresses nothing", allow.rule),
                    )
                    .primary(allow.span, place)
                    .help("remove it; the finding it allowed is gone"),
                );
            }
        }
        kept.extend(self.problems);
        kept
    }
}

/// A name that is no lint rule: a typo, or a spec error's code, which
/// cannot be allowed.
pub fn unknown_rule(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        "unknown-rule",
        Severity::Warning,
        format!("`{name}` is not a lint rule"),
    )
    .primary(span, "no rule has this name")
    .help(unknown_rule_help(name))
}

/// What to say about a name that is no rule, wherever it was written.
pub fn unknown_rule_help(name: &str) -> String {
    match crate::suggest::closest(name, registry::names()) {
        Some(close) => format!("did you mean `{close}`?"),
        None => "`stackc explain` lists the rules; errors that make a spec invalid cannot be allowed".to_string(),
    }
}
