//! hadolint's `-f json` output: one array of `{file, line, code, level,
//! message}`, ShellCheck's findings on RUN lines among them (`SC2006`).

use serde::Deserialize;

use super::Finding;

#[derive(Deserialize)]
struct Report {
    file: String,
    line: Option<usize>,
    code: String,
    level: String,
    message: String,
}

/// hadolint's code for a Dockerfile its parser cannot read; BuildKit may
/// (a heredoc `RUN <<EOF` followed by a comment).
const UNPARSED: &str = "DL1000";

pub(super) fn parse(stdout: &str) -> Result<Vec<Finding>, String> {
    let reports: Vec<Report> = super::json_list(stdout)?;
    Ok(reports
        .into_iter()
        .map(|r| match r.code.as_str() {
            // Not a finding on the Dockerfile: hadolint's own limit, which
            // leaves the file unchecked.
            UNPARSED => Finding {
                severity: crate::diagnostic::Severity::Warning,
                message: format!(
                    "hadolint could not parse this Dockerfile, so none of its checks ran on it: {}",
                    r.message
                ),
                file: r.file,
                line: r.line,
                code: r.code,
            },
            _ => Finding {
                severity: super::severity_of_level(&r.level),
                file: r.file,
                line: r.line,
                code: r.code,
                message: r.message,
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    #[test]
    fn reads_hadolints_json() {
        let out = r#"[{"code":"DL3008","column":1,"file":"web/Dockerfile","level":"warning","line":20,"message":"Pin versions"},
                      {"code":"SC2006","column":1,"file":"web/Dockerfile","level":"style","line":21,"message":"Use $(...)"},
                      {"code":"DL3000","column":1,"file":"a/Dockerfile","level":"error","line":2,"message":"Use absolute WORKDIR"}]"#;
        let found = parse(out).unwrap();
        let levels: Vec<_> = found.iter().map(|f| (f.code.as_str(), f.line, f.severity)).collect();
        assert_eq!(
            levels,
            [
                ("DL3008", Some(20), Severity::Warning),
                ("SC2006", Some(21), Severity::Info),
                ("DL3000", Some(2), Severity::Error)
            ]
        );
        assert_eq!(parse("[]").unwrap(), []);
        let unparsed = r#"[{"code":"DL1000","file":"Dockerfile","level":"error","line":22,"message":"unexpected '#'\nexpecting a new line"}]"#;
        let found = parse(unparsed).unwrap();
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0].message.starts_with("hadolint could not parse this Dockerfile"),
            "{}",
            found[0].message
        );
        assert!(parse("hadolint: openFile: does not exist").is_err());
    }
}
