//! `file:line:col: severity: message [code]`, one line per diagnostic: the
//! shape gcc prints, which vim's default `errorformat` (`%f:%l:%c:%m`) and
//! VS Code's `$gcc` problem matcher read as they are. Columns count bytes,
//! as vim's quickfix does (and gcc writes), so the cursor lands on the spot
//! on a line with `café ☕`. Escaping: [`visible`] keeps every field on its
//! line.

use super::{visible, FileReport};

pub fn short(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for report in reports {
        for d in report.diagnostics {
            let at = d.primary_span().unwrap_or_default().start();
            let (line, column) = report.source.line_byte_col(at);
            out.push_str(&format!(
                "{}:{line}:{column}: {}: {}{} [{}]\n",
                visible(&report.source.name),
                d.severity.as_str(),
                visible(&d.message),
                elsewhere(report, d),
                d.code,
            ));
        }
    }
    out
}

/// ` (at FILE:LINE)`: the first place a finding shows in a file the spec
/// names (the line of an app's own Dockerfile that a finding on its `file`
/// statement is about), which one line could not show otherwise.
fn elsewhere(report: &FileReport, d: &crate::diagnostic::Diagnostic) -> String {
    let Some(label) = d.labels.iter().find(|l| l.file.is_some()) else {
        return String::new();
    };
    let file = report.file_of(label);
    if std::ptr::eq(file, report.source) {
        return String::new();
    }
    let (line, _) = file.line_byte_col(label.span.start());
    format!(" (at {}:{line})", visible(&file.name))
}
