//! dclint's `-f json` output: ESLint's shape, one entry per file with its
//! `messages`, each with the rule, its type (`error`, `warning`), the
//! message and the line.

use serde::Deserialize;

use super::Finding;

#[derive(Deserialize)]
struct FileResult {
    #[serde(rename = "filePath")]
    file_path: String,
    messages: Vec<Message>,
}

#[derive(Deserialize)]
struct Message {
    rule: String,
    #[serde(rename = "type")]
    kind: String,
    message: String,
    line: Option<usize>,
}

pub(super) fn parse(stdout: &str) -> Result<Vec<Finding>, String> {
    let results: Vec<FileResult> = super::json_list(stdout)?;
    Ok(results
        .into_iter()
        .flat_map(|result| {
            let file = result.file_path;
            result.messages.into_iter().map(move |m| Finding {
                file: file.clone(),
                line: m.line,
                code: m.rule,
                severity: super::severity_of_level(&m.kind),
                message: m.message,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    #[test]
    fn reads_dclints_json() {
        let out = r#"[{"filePath":"compose.yaml","messages":[
            {"rule":"services-alphabetical-order","type":"warning","message":"Service \"a\" should be before \"b\".","line":5,"column":1},
            {"rule":"no-unbound-port-interfaces","type":"error","message":"unbound","line":7,"column":1}],
            "errorCount":1,"warningCount":1}]"#;
        let found = parse(out).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].file.as_str(), found[0].line, found[0].severity),
            ("compose.yaml", Some(5), Severity::Warning)
        );
        assert_eq!(found[1].severity, Severity::Error);
        assert!(parse("").is_err());
    }
}
