//! stackc's machine format: one JSON object per diagnostic, in one array
//! for the whole run. miette's JSON has no lines or columns, hence our own.
//! serde_json does all the escaping.

use serde::Serialize;

use super::{FileReport, Region};
use crate::diagnostic::Diagnostic;
use crate::lint::docs;

/// A diagnostic for editors and CI: 1-based lines and columns (in
/// characters), `end` exclusive, plus the byte offset and length.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    code: &'a str,
    severity: &'a str,
    message: &'a str,
    line: usize,
    column: usize,
    end: Position,
    offset: usize,
    length: usize,
    help: Option<&'a str>,
    /// Where the code is explained.
    url: String,
    labels: Vec<JsonLabel<'a>>,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    /// The file the label points into: the spec, or a file it names.
    file: &'a str,
    message: &'a str,
    primary: bool,
    line: usize,
    column: usize,
    end: Position,
}

/// The whole run as a pretty-printed JSON array, with a final newline.
pub fn json(reports: &[FileReport]) -> String {
    let all: Vec<JsonDiagnostic> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| diagnostic(r, d)))
        .collect();
    let mut text = serde_json::to_string_pretty(&all).expect("diagnostics serialize");
    text.push('\n');
    text
}

fn diagnostic<'a>(report: &FileReport<'a>, diagnostic: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let file = report.source;
    let span = diagnostic.primary_span().unwrap_or_default();
    let region = Region::of(file, span);
    JsonDiagnostic {
        file: &file.name,
        code: diagnostic.code,
        severity: diagnostic.severity.as_str(),
        message: &diagnostic.message,
        line: region.line,
        column: region.column,
        end: end(region),
        offset: span.start(),
        length: span.len(),
        help: diagnostic.help.as_deref(),
        url: docs::help_uri(diagnostic.code),
        labels: diagnostic
            .labels
            .iter()
            .map(|label| {
                let file = report.file_of(label);
                let region = Region::of(file, label.span);
                JsonLabel {
                    file: &file.name,
                    message: &label.message,
                    primary: label.primary,
                    line: region.line,
                    column: region.column,
                    end: end(region),
                }
            })
            .collect(),
    }
}

fn end(region: Region) -> Position {
    Position {
        line: region.end_line,
        column: region.end_column,
    }
}
