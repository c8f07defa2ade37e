//! One finding for a file several services read. Rules report per service,
//! at the statement that names the file (`env_file .env`, a build's `file
//! Dockerfile`), with a label at the spot in the file; when four services
//! read one `.env`, its default password would be reported four times.
//! Findings that differ only in that statement (and the service's name)
//! are reported once, at the first such statement, naming every service
//! that reads the file and pointing at the other statements.

use std::collections::hash_map::{Entry, HashMap};

use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{Service, Stack};
use crate::source::{FileId, Span};

/// Merges the findings about the same spot of a shared file, keeping the
/// order of the others. A finding with a fix stays apart: its fix edits one
/// service's statement, so it is about that service.
pub fn merge(findings: Vec<Diagnostic>, stack: &Stack) -> Vec<Diagnostic> {
    let mut groups: Vec<(Diagnostic, Vec<(Span, &str)>)> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    for finding in findings {
        let Some((reader, statement)) = reader(stack, &finding) else {
            groups.push((finding, Vec::new()));
            continue;
        };
        let name = reader.name.value.as_str();
        match index.entry(Key::of(&finding, name, statement)) {
            Entry::Occupied(at) => {
                // The finding of the first statement in the spec stands for all.
                let (kept, readers) = &mut groups[*at.get()];
                if readers.iter().all(|(other, _)| other.start() > statement.start()) {
                    *kept = finding;
                }
                readers.push((statement, name));
            }
            Entry::Vacant(at) => {
                at.insert(groups.len());
                groups.push((finding, vec![(statement, name)]));
            }
        }
    }
    groups
        .into_iter()
        .map(|(finding, readers)| match readers.len() {
            0 | 1 => finding,
            _ => once(finding, readers),
        })
        .collect()
}

/// The first reader's finding, for all of them: the message names every
/// reader, in the spec's order, and a label points at each other one's
/// statement, where a suppression also covers it.
fn once(mut finding: Diagnostic, mut readers: Vec<(Span, &str)>) -> Diagnostic {
    readers.sort_by_key(|(statement, _)| (statement.start(), statement.end()));
    let mut names: Vec<&str> = readers.iter().map(|(_, name)| *name).collect();
    names.dedup();
    let list: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    finding.message = format!("{} (read by {})", finding.message, list.join(", "));
    for (statement, name) in &readers[1..] {
        finding = finding.secondary(*statement, format!("also read by `{name}`"));
        finding.also_at.push(*statement);
    }
    finding
}

/// The service whose statement naming a file (an env file, its own
/// Dockerfile) the finding is at, when the finding points into a file.
fn reader<'a>(stack: &'a Stack, finding: &Diagnostic) -> Option<(&'a Service, Span)> {
    if finding.fix.is_some() || !finding.labels.iter().any(|l| l.file.is_some()) {
        return None;
    }
    let at = finding.primary_span()?;
    let service = stack.services.iter().find(|s| reading_statements(s).any(|s| s == at))?;
    Some((service, at))
}

/// The spans of a service's statements that name a file it reads.
fn reading_statements(service: &Service) -> impl Iterator<Item = Span> + '_ {
    let dockerfile = service
        .build()
        .and_then(|b| b.own_dockerfile())
        .map(|own| own.file.span);
    service.env_files.iter().map(|path| path.span).chain(dockerfile)
}

/// What a finding says, apart from where the service reads the file and
/// the service's name: findings with the same key say the same thing.
#[derive(PartialEq, Eq, Hash)]
struct Key {
    code: &'static str,
    severity: Severity,
    message: String,
    help: Option<String>,
    /// Each label: the reading statement as `None`, others where they are.
    labels: Vec<(Option<(Option<FileId>, Span)>, bool, String)>,
    secrets: Vec<(Option<FileId>, Span)>,
}

impl Key {
    fn of(finding: &Diagnostic, name: &str, statement: Span) -> Key {
        let quoted = format!("`{name}`");
        let general = |text: &str| text.replace(&quoted, "`\0`");
        Key {
            code: finding.code,
            severity: finding.severity,
            message: general(&finding.message),
            help: finding.help.as_deref().map(general),
            labels: (finding.labels.iter())
                .map(|l| {
                    let place = (l.file.is_some() || l.span != statement).then_some((l.file, l.span));
                    (place, l.primary, general(&l.message))
                })
                .collect(),
            secrets: finding.secrets.clone(),
        }
    }
}
