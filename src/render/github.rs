//! GitHub Actions workflow commands (`::error file=...::message`): printed
//! in a workflow step, each becomes an annotation on the spec's line.

use super::{visible, FileReport, Region};
use crate::diagnostic::Severity;

pub fn github(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for report in reports {
        for d in report.diagnostics {
            let at = Region::primary(report.source, d);
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            // Spec text stays on its line; only the break before help is real.
            let mut message = visible(&d.message);
            if let Some(help) = &d.help {
                message.push_str("\n\nhelp: ");
                message.push_str(&visible(help));
            }
            out.push_str(&format!(
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                property(&visible(&report.source.name)),
                at.line,
                at.column,
                at.end_line,
                at.end_column,
                property(&format!("stackc {}", d.code)),
                data(&message)
            ));
        }
    }
    out
}

/// A command's message: `%` and line ends are percent-encoded, as the
/// runner decodes them (`%0A` is a line break in the annotation).
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value: also `:` and `,`, which would end it early.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_cannot_end_a_field_early() {
        assert_eq!(data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
