//! `stackc.toml`: a project's lint settings, next to its specs or in a
//! folder above them.
//!
//! ```toml
//! [lint]
//! fail-on = "warning"            # the exit-code threshold of `stackc lint`
//!
//! [rules]
//! missing-readiness-wait = "error"
//! default-credentials = "off"    # off, info, warning or error
//! ```
//!
//! Reading collects every problem with a span in the file; editing goes
//! through toml_edit, so the user's comments and layout survive.

use std::ops::Range;

use toml_edit::{DocumentMut, Item, TableLike, Value};

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::policy::{Level, Policy};
use crate::lint::{registry, suppress};
use crate::source::{SourceFile, Span};
use crate::suggest;

/// The file's name; the CLI looks for it from the spec's folder upwards.
pub const FILE_NAME: &str = "stackc.toml";

/// The `stackc.toml` that governs a spec in `folder`: the nearest one at
/// or above it.
pub fn nearest(folder: &std::path::Path) -> Option<std::path::PathBuf> {
    folder
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// The settings a `stackc.toml` holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub policy: Policy,
    /// `[lint] fail-on`: the lowest severity that makes `stackc lint` exit 1.
    pub fail_on: Option<Severity>,
}

const TABLES: [&str; 2] = ["lint", "rules"];
const LINT_KEYS: [&str; 1] = ["fail-on"];

/// Reads the settings, or reports every problem in the file.
pub fn parse(file: &SourceFile) -> Result<Config, Vec<Diagnostic>> {
    let document = toml_edit::Document::parse(file.text.as_str()).map_err(|e| {
        vec![bad_config(e.message().trim(), span(e.span())).help("stackc.toml is TOML: https://toml.io")]
    })?;
    let mut config = Config::default();
    let mut problems = Vec::new();
    let root = document
        .as_item()
        .as_table_like()
        .expect("a document's root is a table");
    for (key, item) in root.iter() {
        let at = key_span(root, key);
        match (key, item.as_table_like()) {
            ("lint", Some(lint)) => read_lint(lint, &mut config, &mut problems),
            ("rules", Some(rules)) => read_rules(rules, &mut config, &mut problems),
            ("lint" | "rules", None) => problems.push(bad_config(&format!("`{key}` must be a table"), at)),
            _ => problems.push(unknown_key(key, &TABLES, at)),
        }
    }
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems)
    }
}

fn read_lint(lint: &dyn TableLike, config: &mut Config, problems: &mut Vec<Diagnostic>) {
    for (key, item) in lint.iter() {
        if key != "fail-on" {
            problems.push(unknown_key(key, &LINT_KEYS, key_span(lint, key)));
            continue;
        }
        match item.as_str().map(Level::parse) {
            Some(Some(Level::On(severity))) => config.fail_on = Some(severity),
            _ => problems.push(
                bad_config(
                    "`fail-on` must be \"info\", \"warning\" or \"error\"",
                    span(item.span()),
                )
                .help("findings below it are reported but do not fail the run"),
            ),
        }
    }
}

fn read_rules(rules: &dyn TableLike, config: &mut Config, problems: &mut Vec<Diagnostic>) {
    for (name, item) in rules.iter() {
        let Some(meta) = registry::find(name) else {
            let mut unknown = suppress::unknown_rule(name, key_span(rules, name));
            unknown.severity = Severity::Error;
            problems.push(unknown);
            continue;
        };
        match item.as_str().map(Level::parse) {
            Some(Some(level)) => config.policy.set(meta, level),
            _ => problems.push(
                bad_config(
                    &format!("`{name}` must be \"off\", \"info\", \"warning\" or \"error\""),
                    span(item.span()),
                )
                .help("\"off\" turns the rule off; the others set the severity of its findings"),
            ),
        }
    }
}

/// `text` (a `stackc.toml`, or empty) with `[rules] NAME = "LEVEL"` set for
/// every rule the policy sets. Comments, order and layout are kept, and so
/// is a comment at the end of a line whose value changes.
pub fn with_levels(text: &str, policy: &Policy) -> Result<String, String> {
    let mut document: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.message().to_string())?;
    let rules = document
        .entry("rules")
        .or_insert_with(toml_edit::table)
        .as_table_like_mut()
        .ok_or_else(|| "`rules` in stackc.toml is not a table".to_string())?;
    for (name, level) in policy.levels() {
        let mut value = Value::from(level.as_str());
        if let Some(old) = rules.get(name).and_then(Item::as_value) {
            *value.decor_mut() = old.decor().clone();
        }
        rules.insert(name, Item::Value(value));
    }
    Ok(document.to_string())
}

fn key_span(table: &dyn TableLike, key: &str) -> Span {
    span(table.get_key_value(key).and_then(|(k, _)| k.span()))
}

fn span(range: Option<Range<usize>>) -> Span {
    range.map_or(Span::default(), |r| Span::new(r.start, r.end))
}

fn bad_config(message: &str, at: Span) -> Diagnostic {
    Diagnostic::error("bad-config", message).primary(at, "here")
}

fn unknown_key(key: &str, known: &[&'static str], at: Span) -> Diagnostic {
    let help = match suggest::closest(key, known.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("stackc.toml knows {}", quoted(known)),
    };
    bad_config(&format!("unknown key `{key}`"), at).help(help)
}

fn quoted(words: &[&str]) -> String {
    words.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Result<Config, Vec<Diagnostic>> {
        parse(&SourceFile::new(FILE_NAME, text))
    }

    #[test]
    fn reads_levels_and_the_threshold() {
        let config = config("[lint]\nfail-on = \"warning\"\n[rules]\ndefault-credentials = \"off\"\n").unwrap();
        assert_eq!(config.fail_on, Some(Severity::Warning));
        assert_eq!(
            config.policy.levels().collect::<Vec<_>>(),
            [("default-credentials", Level::Off)]
        );
        assert_eq!(parse(&SourceFile::new(FILE_NAME, "")).unwrap(), Config::default());
    }

    #[test]
    fn reports_every_problem_with_its_place() {
        let problems = config(
            "[lint]\nfail-onn = 1\n[rules]\ndefault-credential = \"off\"\nmissing-readiness-wait = \"loud\"\n[rulez]\n",
        )
        .unwrap_err();
        let found: Vec<(&str, &str)> = problems
            .iter()
            .map(|d| (d.code, d.help.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            found,
            [
                ("bad-config", "did you mean `fail-on`?"),
                ("unknown-rule", "did you mean `default-credentials`?"),
                (
                    "bad-config",
                    "\"off\" turns the rule off; the others set the severity of its findings"
                ),
                ("bad-config", "did you mean `rules`?"),
            ]
        );
        assert!(problems
            .iter()
            .all(|d| d.is_error() && d.primary_span().is_some_and(|s| !s.is_empty())));
        assert!(config("[rules\n").unwrap_err()[0].code == "bad-config");
    }

    #[test]
    fn edits_keep_comments_and_layout() {
        let mut policy = Policy::default();
        policy.set(registry::find("default-credentials").unwrap(), Level::Off);
        policy.set(
            registry::find("missing-readiness-wait").unwrap(),
            Level::On(Severity::Error),
        );
        let before = "# ours\n[lint]\nfail-on = \"error\"  # CI\n\n[rules]\nmissing-readiness-wait = \"info\" # why\n";
        let after = with_levels(before, &policy).unwrap();
        assert_eq!(
            after,
            "# ours\n[lint]\nfail-on = \"error\"  # CI\n\n[rules]\nmissing-readiness-wait = \"error\" # why\ndefault-credentials = \"off\"\n"
        );
        assert_eq!(with_levels("", &policy).unwrap().lines().next(), Some("[rules]"));
    }
}
