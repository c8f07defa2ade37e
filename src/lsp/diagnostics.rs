//! stackc's diagnostics as the protocol's: the code with a link to its
//! explanation, the severity, the message with its help, and every
//! secondary label as related information, in the spec or in a file it
//! names (the app's Dockerfile).

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location, NumberOrString, Url,
};

use super::document::Document;
use super::text::{Encoding, Lines};
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::docs;
use crate::source::{SourceFile, Span};

/// What every diagnostic says it comes from.
pub const SOURCE: &str = "stackc";

/// A diagnostic of the spec, which may point into the files it names.
pub fn of_spec(document: &Document, diagnostic: &Diagnostic) -> lsp_types::Diagnostic {
    let place = |label: &crate::diagnostic::Label| -> Option<Location> {
        match label.file {
            None => Some(Location::new(document.uri.clone(), document.range(label.span))),
            Some(file) => {
                let input = document.inputs().get(file.0 as usize)?;
                in_file(input, label.span, document.encoding())
            }
        }
    };
    convert(
        diagnostic,
        document.range(diagnostic.primary_span().unwrap_or_default()),
        place,
    )
}

/// A diagnostic of another file (a broken `stackc.toml`), all in that file.
pub fn of_file(file: &SourceFile, diagnostic: &Diagnostic, encoding: Encoding) -> lsp_types::Diagnostic {
    let lines = Lines::new(&file.text, encoding);
    let span = diagnostic.primary_span().unwrap_or_default();
    convert(diagnostic, lines.range(&file.text, span), |label| {
        in_file(file, label.span, encoding)
    })
}

/// A problem of another file the analysis used (a broken `stackc.toml`),
/// shown on the spec's first line and pointing at its place in that file.
pub fn at_top_of(document: &Document, mut in_file: lsp_types::Diagnostic, file: &SourceFile) -> lsp_types::Diagnostic {
    let place = Url::from_file_path(&file.name)
        .ok()
        .map(|uri| Location::new(uri, in_file.range));
    let name = std::path::Path::new(&file.name)
        .file_name()
        .map_or(file.name.clone(), |n| n.to_string_lossy().into_owned());
    in_file.message = format!("{name}: {} (the rules keep their default levels)", in_file.message);
    in_file.range = document.range(Span::new(0, 0));
    in_file.related_information = place.map(|location| {
        vec![DiagnosticRelatedInformation {
            location,
            message: "here".to_string(),
        }]
    });
    in_file
}

fn convert(
    diagnostic: &Diagnostic,
    range: lsp_types::Range,
    place: impl Fn(&crate::diagnostic::Label) -> Option<Location>,
) -> lsp_types::Diagnostic {
    let mut message = diagnostic.message.clone();
    if let Some(label) = diagnostic.labels.iter().find(|l| l.primary && !l.message.is_empty()) {
        message.push_str(&format!("\n{}", label.message));
    }
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .labels
        .iter()
        .filter(|label| !label.primary)
        .filter_map(|label| {
            Some(DiagnosticRelatedInformation {
                location: place(label)?,
                message: label.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(severity(diagnostic.severity)),
        code: Some(NumberOrString::String(diagnostic.code.to_string())),
        code_description: Url::parse(&docs::help_uri(diagnostic.code))
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: diagnostic
            .code
            .starts_with("unused-")
            .then(|| vec![DiagnosticTag::UNNECESSARY]),
        data: None,
    }
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// A span of a file read from disk, whose name is its absolute path.
fn in_file(file: &SourceFile, span: Span, encoding: Encoding) -> Option<Location> {
    let uri = Url::from_file_path(&file.name).ok()?;
    let lines = Lines::new(&file.text, encoding);
    Some(Location::new(uri, lines.range(&file.text, span)))
}
