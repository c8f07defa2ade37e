//! SARIF 2.1.0, the format GitHub code scanning uploads: one run, the
//! rules' metadata with help links, one result per diagnostic. serde_json
//! escapes strings; [`uri`] escapes file names.

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{FileReport, Region};
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{codes, docs, registry, RuleMeta};
use crate::source::{SourceFile, Span};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    automation_details: AutomationDetails,
    /// Our columns count characters, as SARIF's `unicodeCodePoints` does.
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

/// Names the analysis, so GitHub keeps stackc's alerts apart from other
/// tools' uploads for the same commit: `category/` (no run id).
#[derive(Serialize)]
struct AutomationDetails {
    id: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    /// SARIF's "friendly name": the id in PascalCase.
    name: String,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help>,
    help_uri: String,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
}

/// What identifies a finding from one commit to the next, so code scanning
/// tracks an alert as lines are added above it instead of closing it and
/// opening a new one.
#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "stackcFindingHash/v1")]
    finding: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: SarifRegion,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

/// The whole run as one pretty-printed SARIF log, with a final newline.
pub fn sarif(reports: &[FileReport]) -> String {
    let rules = descriptors(reports);
    let mut fingerprints = Fingerprinter::default();
    let results = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| (r, d)))
        .map(|(r, d)| result(r, d, &rules, fingerprints.of(r.source, d)))
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "stackc",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules,
                },
            },
            automation_details: AutomationDetails { id: "stackc/" },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut text = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    text.push('\n');
    text
}

/// Every lint rule, then each other code the run reports (sorted), so
/// every result has a rule to point at.
fn descriptors(reports: &[FileReport]) -> Vec<Descriptor> {
    let mut others: Vec<&'static str> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(|d| d.code))
        .filter(|code| registry::find(code).is_none())
        .collect();
    others.sort_unstable();
    others.dedup();
    registry::RULES
        .iter()
        .map(|r| rule_descriptor(r.meta()))
        .chain(others.into_iter().map(code_descriptor))
        .collect()
}

/// A code that is not a rule, described by [`codes`] (every code a
/// diagnostic carries is there; a test in `lint::codes` sees to it), or a
/// peer linter's code.
fn code_descriptor(code: &'static str) -> Descriptor {
    let doc = codes::find(code);
    Descriptor {
        id: code,
        name: pascal_case(code),
        short_description: Text {
            text: match (doc, crate::lint::peers::summary(code)) {
                (Some(doc), _) => format!("{}.", docs::capitalized(doc.meaning)),
                (None, Some(peer)) => peer,
                (None, None) => "A spec stackc cannot compile, or a problem with its lint settings.".to_string(),
            },
        },
        full_description: None,
        help: None,
        help_uri: docs::help_uri(code),
        default_configuration: Configuration {
            // A peer's level varies by finding; each result carries its own.
            level: level(doc.map_or(
                if crate::lint::peers::is_peer_code(code) {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                |doc| doc.severity,
            )),
        },
    }
}

fn rule_descriptor(meta: &'static RuleMeta) -> Descriptor {
    let explanation = meta.explanation();
    Descriptor {
        id: meta.name,
        name: pascal_case(meta.name),
        short_description: Text {
            text: format!("{}.", meta.summary),
        },
        full_description: Some(Text {
            text: first_paragraph(&explanation),
        }),
        help: Some(Help {
            text: explanation.clone(),
            markdown: explanation,
        }),
        help_uri: docs::help_uri(meta.name),
        default_configuration: Configuration {
            level: level(meta.severity),
        },
    }
}

/// The "What it does" paragraph, in one line.
fn first_paragraph(explanation: &str) -> String {
    explanation
        .split("\n\n")
        .map(|p| p.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join(" "))
        .find(|p| !p.trim().is_empty())
        .unwrap_or_default()
}

fn result(report: &FileReport, diagnostic: &Diagnostic, rules: &[Descriptor], fingerprint: String) -> SarifResult {
    let file = report.source;
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let primary = diagnostic.labels.iter().position(|l| l.primary);
    let related = diagnostic
        .labels
        .iter()
        .enumerate()
        .filter(|&(i, _)| Some(i) != primary)
        .enumerate()
        .map(|(id, (_, label))| Location {
            id: Some(id),
            physical_location: physical(report.file_of(label), label.span),
            message: Some(Text {
                text: label.message.clone(),
            }),
        })
        .collect();
    SarifResult {
        rule_id: diagnostic.code,
        rule_index: rules
            .iter()
            .position(|r| r.id == diagnostic.code)
            .expect("descriptors cover every code of the run"),
        level: level(diagnostic.severity),
        message: Text { text: message },
        locations: vec![Location {
            id: None,
            physical_location: physical(file, diagnostic.primary_span().unwrap_or_default()),
            message: None,
        }],
        related_locations: related,
        partial_fingerprints: Fingerprints { finding: fingerprint },
    }
}

/// Each finding's fingerprint: a hash of its code, its file, the text of
/// its line without the indentation, and how many findings with those
/// three came before it, so neither a line number nor a message (which may
/// quote a count) moves it.
#[derive(Default)]
struct Fingerprinter {
    /// Per file and line start, the hash of the line's trimmed text.
    lines: HashMap<(String, usize), [u8; 32]>,
    seen: HashMap<(String, &'static str, [u8; 32]), usize>,
}

impl Fingerprinter {
    fn of(&mut self, file: &SourceFile, diagnostic: &Diagnostic) -> String {
        let mut offset = diagnostic
            .primary_span()
            .unwrap_or_default()
            .start()
            .min(file.text.len());
        while !file.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let (_, column) = file.line_byte_col(offset);
        let start = offset - (column - 1);
        let line = *self.lines.entry((file.name.clone(), start)).or_insert_with(|| {
            let rest = &file.text[start..];
            let text = &rest[..rest.find('\n').unwrap_or(rest.len())];
            Sha256::digest(text.trim().as_bytes()).into()
        });
        let count = self.seen.entry((file.name.clone(), diagnostic.code, line)).or_default();
        *count += 1;
        let mut hash = Sha256::new();
        for part in [
            diagnostic.code.as_bytes(),
            file.name.as_bytes(),
            &line,
            &count.to_le_bytes(),
        ] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
        hash.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn physical(file: &SourceFile, span: Span) -> PhysicalLocation {
    let region = Region::of(file, span);
    PhysicalLocation {
        artifact_location: ArtifactLocation { uri: uri(&file.name) },
        region: SarifRegion {
            start_line: region.line,
            start_column: region.column,
            end_line: region.end_line,
            end_column: region.end_column,
        },
    }
}

/// `default-credentials` -> `DefaultCredentials`.
fn pascal_case(code: &str) -> String {
    code.split('-')
        .flat_map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars)
        })
        .collect()
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A file name as a URI reference: relative names stay relative (GitHub
/// resolves them from the repository's root), absolute ones become
/// `file://` URIs; every byte outside RFC 3986's unreserved set and `/` is
/// percent-encoded.
fn uri(name: &str) -> String {
    let mut out = String::new();
    if name.starts_with('/') {
        out.push_str("file://");
    }
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_survive_lines_added_above_and_tell_twins_apart() {
        let at = |file: &SourceFile| {
            let start = file.text.find("image").unwrap();
            Diagnostic::error("unpinned-image", "moves").primary(Span::new(start, start + 5), "")
        };
        let before = SourceFile::new("a.spec", "stack a\n  image x\n");
        let after = SourceFile::new("a.spec", "stack a\n# new\n\n    image x\n");
        let mut prints = Fingerprinter::default();
        let first = prints.of(&before, &at(&before));
        let twin = prints.of(&before, &at(&before));
        assert_ne!(first, twin);
        assert_eq!(Fingerprinter::default().of(&after, &at(&after)), first);
    }

    #[test]
    fn file_names_become_uri_references() {
        assert_eq!(uri("specs/django.spec"), "specs/django.spec");
        assert_eq!(uri("/tmp/my stack/ä.spec"), "file:///tmp/my%20stack/%C3%A4.spec");
        assert_eq!(uri("a#b?c%d:e"), "a%23b%3Fc%25d%3Ae");
    }
}
