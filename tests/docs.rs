//! Every spec shown in the README compiles: documentation that lies is
//! worse than none.

mod support;

use stackc::source::SourceFile;

/// The fenced blocks of a Markdown file whose first line starts a spec.
fn spec_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.starts_with("```")) {
            (None, true) => current = Some(String::new()),
            (Some(block), true) => {
                if block.trim_start().starts_with("stack ") {
                    blocks.push(block.clone());
                }
                current = None;
            }
            (Some(block), false) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, false) => {}
        }
    }
    blocks
}

#[test]
fn readme_specs_build_cleanly() {
    let readme = std::fs::read_to_string(support::repo().join("README.md")).unwrap();
    let blocks = spec_blocks(&readme);
    assert!(!blocks.is_empty(), "the README shows a spec");
    for (i, block) in blocks.iter().enumerate() {
        let source = SourceFile::new(format!("README.md block {i}"), block.clone());
        let build = stackc::build(&source, &support::snapshot_layout("stack.spec"));
        assert!(
            build.diagnostics.is_empty(),
            "README spec {i}:\n{block}\n{:#?}",
            build.diagnostics
        );
        assert!(build.artifacts.is_some());
    }
}

#[test]
fn rules_page_is_current() {
    let path = support::repo().join(stackc::lint::docs::RULES_PAGE);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == stackc::lint::docs::markdown(),
        "{} is stale: run `cargo run -- explain --markdown > {}` and commit it",
        path.display(),
        stackc::lint::docs::RULES_PAGE
    );
}

#[test]
fn every_rule_has_a_section_its_link_points_at() {
    let page = stackc::lint::docs::markdown();
    for name in stackc::lint::registry::names() {
        assert!(page.contains(&format!("\n## {name}\n")), "no section for `{name}`");
        let uri = stackc::lint::docs::help_uri(name);
        assert!(uri.ends_with(&format!("docs/rules.md#{name}")), "{uri}");
    }
    assert!(stackc::lint::docs::help_uri("unknown-volume").ends_with("#spec-errors"));
    assert!(page.contains("\n## Spec errors\n"));
}
