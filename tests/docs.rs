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
