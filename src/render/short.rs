//! `file:line:col: severity[code]: message`, one line per diagnostic: the
//! shape compilers print, which vim's default `errorformat` and editors'
//! problem matchers already read. Escaping: [`visible`] keeps every field
//! on its line.

use super::{visible, FileReport, Region};

pub fn short(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for report in reports {
        for d in report.diagnostics {
            let at = Region::primary(report.source, d);
            out.push_str(&format!(
                "{}:{}:{}: {}[{}]: {}\n",
                visible(&report.source.name),
                at.line,
                at.column,
                d.severity.as_str(),
                d.code,
                visible(&d.message)
            ));
        }
    }
    out
}
