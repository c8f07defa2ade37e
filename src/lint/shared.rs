//! One finding for a file several services read. Rules report per service,
//! at the statement that names the file (`env_file .env`, a build's `file
//! Dockerfile`), with a label at the spot in the file; when four services
//! read one `.env`, its default password would be reported four times.
//! Findings that differ only in that statement (and the service's name)
//! are reported once, at the first such statement, naming the file and
//! every service that reads it, and pointing at the other statements.

use std::collections::hash_map::{Entry, HashMap};

use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{Service, Stack};
use crate::source::{FileId, Span};

/// Merges the findings about the same spot of a shared file, keeping the
/// order of the others. A finding with a fix stays apart: its fix edits one
/// service's statement, so it is about that service.
pub fn merge(findings: Vec<Diagnostic>, stack: &Stack) -> Vec<Diagnostic> {
    let mut groups: Vec<(Diagnostic, Vec<Reader>)> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    for finding in findings {
        let Some(reader) = reader(stack, &finding) else {
            groups.push((finding, Vec::new()));
            continue;
        };
        match index.entry(Key::of(&finding, &reader)) {
            Entry::Occupied(at) => {
                // The finding of the first statement in the spec stands for all.
                let (kept, readers) = &mut groups[*at.get()];
                if readers
                    .iter()
                    .all(|other| other.statement.start() > reader.statement.start())
                {
                    *kept = finding;
                }
                readers.push(reader);
            }
            Entry::Vacant(at) => {
                at.insert(groups.len());
                groups.push((finding, vec![reader]));
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

/// A service that reads a file, at the statement that names it.
struct Reader<'a> {
    name: &'a str,
    statement: Span,
    /// The file, as the spec names it (a Dockerfile with its build folder).
    file: String,
    how: How,
}

/// How a service uses a file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum How {
    /// Its env file.
    Reads,
    /// The Dockerfile its image is built from.
    BuiltFrom,
}

/// The first reader's finding, for all of them: the message names the
/// file and every reader, in the spec's order, and a label points at each
/// other one's statement, where a suppression also covers it.
fn once(mut finding: Diagnostic, mut readers: Vec<Reader>) -> Diagnostic {
    readers.sort_by_key(|r| (r.statement.start(), r.statement.end()));
    let mut names: Vec<String> = readers.iter().map(|r| format!("`{}`", r.name)).collect();
    names.dedup();
    finding.message = merged_message(&finding.message, &readers[0], &names);
    for reader in &readers[1..] {
        // Said in full: JSON and SARIF show a label apart from the message.
        let too = match reader.how {
            How::Reads => format!("`{}` reads `{}` too", reader.name, reader.file),
            How::BuiltFrom => format!("`{}` is built from `{}` too", reader.name, reader.file),
        };
        finding = finding.secondary(reader.statement, too);
        finding.also_at.push(reader.statement);
    }
    finding
}

/// The first reader's message said of all `names`: where it names the
/// reader, the file and the services that read it stand there instead
/// (``each service built from `app/Dockerfile` (`web`, `worker`) runs as
/// root``, `` `app/Dockerfile` (the Dockerfile of `web` and `worker`): ``);
/// elsewhere they are said after it.
fn merged_message(message: &str, first: &Reader, names: &[String]) -> String {
    let (quoted, file) = (format!("`{}`", first.name), format!("`{}`", first.file));
    let possessive = format!("{quoted}'s Dockerfile");
    if first.how == How::BuiltFrom && message.contains(&possessive) {
        let of = format!("{file} (the Dockerfile of {})", listed(names));
        return message.replacen(&possessive, &of, 1);
    }
    let readers = names.join(", ");
    if message.contains(&quoted) {
        let each = match first.how {
            How::Reads => format!("each service reading {file} ({readers})"),
            How::BuiltFrom => format!("each service built from {file} ({readers})"),
        };
        return message.replacen(&quoted, &each, 1);
    }
    match first.how {
        How::Reads => format!("{message} (in {file}, which {} read)", listed(names)),
        How::BuiltFrom => format!("{message} (in {file}, which {} are built from)", listed(names)),
    }
}

/// `` `a`, `b` and `c` ``.
fn listed(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The service whose statement naming a file (an env file, its own
/// Dockerfile) the finding is at, when the finding points into a file.
fn reader<'a>(stack: &'a Stack, finding: &Diagnostic) -> Option<Reader<'a>> {
    if finding.fix.is_some() || !finding.labels.iter().any(|l| l.file.is_some()) {
        return None;
    }
    let at = finding.primary_span()?;
    stack.services.iter().find_map(|service| {
        let (_, file, how) = reading_statements(service).find(|(span, _, _)| *span == at)?;
        Some(Reader {
            name: &service.name.value,
            statement: at,
            file,
            how,
        })
    })
}

/// The spans of a service's statements that name a file it reads, each
/// with the file and how the service uses it.
fn reading_statements(service: &Service) -> impl Iterator<Item = (Span, String, How)> + '_ {
    let dockerfile = service.build().and_then(|build| {
        let own = build.own_dockerfile()?;
        let folder = build.context.value.trim_start_matches("./").trim_end_matches('/');
        let file = match folder {
            "" | "." => own.file.value.clone(),
            folder => format!("{folder}/{}", own.file.value),
        };
        Some((own.file.span, file, How::BuiltFrom))
    });
    let env_files = (service.env_files.iter()).map(|file| (file.path.span, file.path.value.clone(), How::Reads));
    env_files.chain(dockerfile)
}

/// What a finding says, apart from where the service reads the file and
/// the service's name: findings with the same key say the same thing.
#[derive(PartialEq, Eq, Hash)]
struct Key {
    code: &'static str,
    severity: Severity,
    how: How,
    message: String,
    help: Option<String>,
    labels: Vec<LabelKey>,
    secrets: Vec<(Option<FileId>, Span)>,
}

/// A label, with the reading statement as `None` and others where they
/// are; whether it is primary; its message.
type LabelKey = (Option<(Option<FileId>, Span)>, bool, String);

impl Key {
    fn of(finding: &Diagnostic, reader: &Reader) -> Key {
        let (quoted, statement) = (format!("`{}`", reader.name), reader.statement);
        let general = |text: &str| text.replace(&quoted, "`\0`");
        Key {
            code: finding.code,
            severity: finding.severity,
            how: reader.how,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Edit;
    use crate::source::SourceFile;

    const SPEC: &str = "stack shop\n\
        service a {\n    image nginx:1.27\n    env_file app.env\n}\n\
        service b {\n    image nginx:1.27\n    env_file app.env\n}\n";

    fn stack() -> Stack {
        crate::check(&SourceFile::new("stack.spec", SPEC))
            .stack
            .expect("the spec parses")
    }

    /// The finding each service's rule would report: at its `env_file`,
    /// with a label at `at` in the env file.
    fn finding(stack: &Stack, service: usize, at: Span) -> Diagnostic {
        let service = &stack.services[service];
        Diagnostic::warning("default-credentials", "`PASSWORD` is set to a default password")
            .primary(service.env_files[0].path.span, "`PASSWORD` comes from this env file")
            .secondary_in(FileId(0), at, "a well-known default password")
    }

    #[test]
    fn the_same_spot_of_a_shared_file_is_one_finding_naming_its_readers() {
        let stack = stack();
        let spot = Span::new(0, 8);
        // Reported in any order, it stands at the first statement.
        let merged = merge(vec![finding(&stack, 1, spot), finding(&stack, 0, spot)], &stack);
        assert_eq!(merged.len(), 1);
        let (a, b) = (
            stack.services[0].env_files[0].path.span,
            stack.services[1].env_files[0].path.span,
        );
        assert_eq!(merged[0].primary_span(), Some(a));
        assert_eq!(
            merged[0].message,
            "`PASSWORD` is set to a default password (in `app.env`, which `a` and `b` read)"
        );
        assert_eq!(merged[0].also_at, [b]);
        assert!(merged[0]
            .labels
            .iter()
            .any(|l| l.span == b && l.message == "`b` reads `app.env` too"));
    }

    /// Where the message names the first reader, the file and the
    /// readers stand in its place, and the sentence still reads.
    #[test]
    fn a_message_naming_the_first_reader_names_the_file_and_all_readers() {
        let reader = |how| Reader {
            name: "web",
            statement: Span::new(0, 1),
            file: "app/Dockerfile".to_string(),
            how,
        };
        let names = ["`web`".to_string(), "`worker`".to_string(), "`beat`".to_string()];
        assert_eq!(
            merged_message("`web` runs as root", &reader(How::BuiltFrom), &names),
            "each service built from `app/Dockerfile` (`web`, `worker`, `beat`) runs as root"
        );
        assert_eq!(
            merged_message(
                "`web`'s Dockerfile: apt packages without versions",
                &reader(How::BuiltFrom),
                &names
            ),
            "`app/Dockerfile` (the Dockerfile of `web`, `worker` and `beat`): apt packages without versions"
        );
        assert_eq!(
            merged_message("`DEBUG` of `web` is on", &reader(How::Reads), &names[..2]),
            "`DEBUG` of each service reading `app/Dockerfile` (`web`, `worker`) is on"
        );
    }

    #[test]
    fn other_spots_fixes_and_findings_about_the_spec_stay_apart() {
        let stack = stack();
        let spot = Span::new(0, 8);
        let elsewhere = vec![finding(&stack, 0, spot), finding(&stack, 1, Span::new(9, 12))];
        assert_eq!(merge(elsewhere, &stack).len(), 2);
        let fixable = finding(&stack, 1, spot).fix("remove it", vec![Edit::insert(0, "")]);
        assert_eq!(merge(vec![finding(&stack, 0, spot), fixable], &stack).len(), 2);
        let at_the_name = |service: usize| {
            Diagnostic {
                labels: Vec::new(),
                ..finding(&stack, service, spot)
            }
            .primary(stack.services[service].name.span, "here")
            .secondary_in(FileId(0), spot, "a well-known default password")
        };
        assert_eq!(merge(vec![at_the_name(0), at_the_name(1)], &stack).len(), 2);
    }
}
