//! The rule list in the docs, generated from the rules' doc comments, so
//! `docs/rules.md` and `stackc explain` can never disagree.

use super::registry;

/// The file the rules are documented in; diagnostics link to its sections.
pub const RULES_DOC: &str = "docs/rules.md";

/// The whole of [`RULES_DOC`]: a table of every rule, then each rule's
/// explanation under a heading that is its name (and so its anchor).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Lint rules\n\n\
         Generated from the rules' doc comments (`STACKC_UPDATE_DOCS=1 cargo test --test lint_rules`);\n\
         `stackc explain RULE` prints the same text. Each rule's name is its stable code.\n\n\
         | rule | severity | `--fix` | what it flags |\n|---|---|---|---|\n",
    );
    let metas: Vec<_> = registry::RULES.iter().map(|r| r.meta()).collect();
    for meta in &metas {
        let fix = if meta.fixable { "yes" } else { "" };
        out.push_str(&format!(
            "| [`{0}`](#{0}) | {1} | {fix} | {2} |\n",
            meta.name,
            meta.severity.as_str(),
            meta.summary.replace('|', "\\|")
        ));
    }
    for meta in &metas {
        out.push_str(&format!(
            "\n## {}\n\nSeverity: {}.\n\n",
            meta.name,
            meta.severity.as_str()
        ));
        for line in meta.explanation().lines() {
            // The rule's own sections sit one level below its heading.
            if line.starts_with("## ") {
                out.push('#');
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
