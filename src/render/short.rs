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
                "{}:{line}:{column}: {}: {} [{}]\n",
                visible(&report.source.name),
                d.severity.as_str(),
                visible(&d.message),
                d.code,
            ));
        }
    }
    out
}
