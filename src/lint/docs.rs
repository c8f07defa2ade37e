//! `docs/rules.md`, generated from the registry, and each diagnostic's
//! stable link into it (SARIF's `helpUri`, the JSON `url`).
//!
//! Architecture invariant: the page is a pure function of the rules' doc
//! comments; `tests/docs.rs` fails when the committed page differs, and
//! `stackc explain --markdown > docs/rules.md` rewrites it.

use super::{codes, registry, RuleMeta};

/// The page, relative to the repository's root.
pub const RULES_PAGE: &str = "docs/rules.md";

/// Where the page is published: the repository's own copy on `main`.
const PAGE_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules.md");

/// GitHub's anchor for the `## Spec errors` heading, about codes that are not rules.
const SPEC_ERRORS_ANCHOR: &str = "spec-errors";

/// A stable link to what a diagnostic code means: the rule's own section,
/// or, for a code that is not a rule, the section saying why it cannot be
/// allowed. Rule names are kebab-case, so each is its heading's anchor.
/// A peer linter's finding (`hadolint/DL3008`) links to the peer's own
/// page for the rule.
pub fn help_uri(code: &str) -> String {
    match registry::find(code) {
        Some(meta) => format!("{PAGE_URL}#{}", meta.name),
        None => super::peers::rule_url(code).unwrap_or_else(|| format!("{PAGE_URL}#{SPEC_ERRORS_ANCHOR}")),
    }
}

/// The whole of `docs/rules.md`.
pub fn markdown() -> String {
    let mut rules: Vec<&RuleMeta> = registry::RULES.iter().map(|r| r.meta()).collect();
    rules.sort_by_key(|m| m.name);

    let mut page = String::from(
        "# Lint rules\n\n\
         <!-- Generated from the rules' doc comments by `stackc explain --markdown > docs/rules.md`;\n     \
         tests/docs.rs fails when this page is stale. Edit the rules, not this page. -->\n\n\
         `stackc explain` lists these rules; `stackc explain NAME` prints one section. Each rule can be\n\
         set to `off`, `info`, `warning` or `error` in `stackc.toml` (`[rules] NAME = \"off\"`), turned\n\
         off for one run with `stackc lint --allow NAME` or made an error with `--deny NAME` (`--save`\n\
         writes them into `stackc.toml`), and allowed at one place with a `# stackc: allow(NAME)`\n\
         comment on the line above the finding or at the end of its line.\n\n\
         | rule | default | what it flags |\n|---|---|---|\n",
    );
    for meta in &rules {
        page.push_str(&format!(
            "| [`{0}`](#{0}) | {1} | {2} |\n",
            meta.name,
            meta.severity.as_str(),
            meta.summary
        ));
    }
    for meta in &rules {
        let fix = if meta.fixable {
            " `stackc lint --fix` fixes it."
        } else {
            ""
        };
        page.push_str(&format!(
            "\n## {}\n\nDefault severity: **{}**. {}.{fix}\n\n{}\n",
            meta.name,
            meta.severity.as_str(),
            capitalized(meta.summary),
            demoted_headings(&meta.explanation())
        ));
    }
    page.push_str(
        "\n## Spec errors\n\n\
         A diagnostic whose code is not a rule above says the spec itself is invalid, so stackc cannot\n\
         compile it, or reports a problem with a file the spec names or with stackc's own settings.\n\
         These cannot be allowed, suppressed or turned into warnings; fix the spec instead.\n\
         `stackc explain CODE` explains each.\n\n\
         | code | severity | meaning |\n|---|---|---|\n",
    );
    for doc in codes::CODES {
        page.push_str(&format!(
            "| `{}` | {} | {} |\n",
            doc.code,
            doc.severity.as_str(),
            capitalized(doc.meaning).replace('|', "\\|")
        ));
    }
    page.push_str(
        "\n## Peer linters\n\n\
         `stackc lint --peers` also reports what hadolint, gixy and dclint find in the files stackc emits,\n\
         under the peer's own code (`hadolint/DL3008`, `hadolint/SC2006`, `gixy/version_disclosure`,\n\
         `dclint/service-keys-order`), on the spec line that produced the flagged line, at the peer's own\n\
         severity, with a link to the peer's page for the rule. `stackc explain hadolint` (or a code)\n\
         says more; the README's \"Deep mode\" has the details.\n",
    );
    page
}

/// Rule docs use `##` sections; on the page they sit under the rule's own `##`.
fn demoted_headings(doc: &str) -> String {
    let mut in_code = false;
    doc.lines()
        .map(|line| {
            if line.starts_with("```") {
                in_code = !in_code;
            }
            if !in_code && line.starts_with("## ") {
                format!("#{line}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` with its first letter in upper case: a title from a message.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
