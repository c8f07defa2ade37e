//! gixy's `-f json` output: one array of issues, each with the config
//! file's path, the directive's line (absent for some), the plugin (the
//! rule), its severity, a summary and the reason.

use std::path::Path;

use serde::Deserialize;

use super::Finding;
use crate::diagnostic::Severity;

#[derive(Deserialize)]
struct Issue {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    file: Option<String>,
    line: Option<usize>,
    plugin: String,
    severity: String,
    summary: String,
    #[serde(default)]
    reason: Option<String>,
}

/// `folder`: where the configs were written; gixy names them by absolute
/// path.
pub(super) fn parse(stdout: &str, folder: &Path) -> Result<Vec<Finding>, String> {
    let issues: Vec<Issue> = super::json_list(stdout)?;
    Ok(issues
        .into_iter()
        .map(|issue| {
            let path = issue.path.or(issue.file).unwrap_or_default();
            let message = match issue.reason.filter(|r| !r.trim().is_empty() && *r != issue.summary) {
                Some(reason) => format!("{}: {reason}", issue.summary),
                None => issue.summary,
            };
            Finding {
                file: relative(&path, folder),
                line: issue.line,
                code: issue.plugin,
                severity: severity(&issue.severity),
                message,
            }
        })
        .collect())
}

/// `path` inside `folder`, `/`-separated, as the emitted file is named.
fn relative(path: &str, folder: &Path) -> String {
    let path = Path::new(path);
    let inside = path
        .strip_prefix(folder)
        .ok()
        .or_else(|| path.strip_prefix(folder.canonicalize().ok()?).ok());
    match inside {
        Some(inside) => inside
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        None => path.to_string_lossy().into_owned(),
    }
}

/// gixy has no "error": HIGH and MEDIUM are warnings, the rest notes.
fn severity(level: &str) -> Severity {
    match level {
        "HIGH" | "MEDIUM" => Severity::Warning,
        _ => Severity::Info,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gixys_json() {
        let out = r#"[{"file":"/t/p/nginx/nginx.conf","path":"/t/p/nginx/nginx.conf","line":50,
                       "plugin":"version_disclosure","severity":"HIGH","summary":"Do not enable server_tokens",
                       "reason":"Using server_tokens value which promotes information disclosure"},
                      {"path":"/t/p/nginx/nginx.conf","line":null,"plugin":"x","severity":"LOW","summary":"s"}]"#;
        let found = parse(out, Path::new("/t/p")).unwrap();
        assert_eq!(found[0].file, "nginx/nginx.conf");
        assert_eq!((found[0].line, found[0].severity), (Some(50), Severity::Warning));
        assert_eq!(
            found[0].message,
            "Do not enable server_tokens: Using server_tokens value which promotes information disclosure"
        );
        assert_eq!((found[1].line, found[1].severity), (None, Severity::Info));
        assert!(parse("Traceback (most recent call last):", Path::new("/t")).is_err());
    }
}
