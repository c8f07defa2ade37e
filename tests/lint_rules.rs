//! Every lint rule has a spec that triggers it and one that does not, under
//! `tests/lint/RULE/`; the findings on the trigger spec are snapshotted.

mod support;

use stackc::lint::registry;
use stackc::render::{HumanRenderer, DEFAULT_WIDTH};
use stackc::source::SourceFile;

fn lint(rule: &str, case: &str) -> (SourceFile, Vec<stackc::diagnostic::Diagnostic>) {
    let path = support::repo().join(format!("tests/lint/{rule}/{case}.spec"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("rule `{rule}` needs {}: {e}", path.display()));
    let source = SourceFile::new(format!("tests/lint/{rule}/{case}.spec"), text);
    let diagnostics = stackc::lint(&source).diagnostics;
    (source, diagnostics)
}

#[test]
fn every_rule_triggers_on_its_trigger_spec_only() {
    for rule in registry::RULES {
        let name = rule.meta().name;

        let (source, diagnostics) = lint(name, "trigger");
        let (own, other): (Vec<_>, Vec<_>) = diagnostics.into_iter().partition(|d| d.code == name);
        assert!(!own.is_empty(), "`{name}` does not fire on its trigger spec");
        assert!(
            other.iter().all(|d| registry::find(d.code).is_some()),
            "`{name}`'s trigger spec must be valid apart from lint findings: {other:#?}"
        );
        let rendered = HumanRenderer::new(false, DEFAULT_WIDTH).render(&source, &own);
        support::insta_settings().bind(|| insta::assert_snapshot!(format!("lint__{name}"), rendered));

        let (_, diagnostics) = lint(name, "clean");
        assert!(
            diagnostics.is_empty(),
            "`{name}`'s clean spec has findings: {diagnostics:#?}"
        );
    }
}

#[test]
fn every_rule_is_documented() {
    for rule in registry::RULES {
        let meta = rule.meta();
        let doc = meta.explanation();
        for section in ["## What it does", "## Why is this bad?", "## Example", "## Use instead"] {
            assert!(doc.contains(section), "`{}` lacks `{section}`", meta.name);
        }
        assert!(
            meta.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "`{}` is not kebab-case",
            meta.name
        );
    }
}
