//! Every spec shown in the README and in docs/language.md compiles, and the
//! README's CI steps run as shown:
//! documentation that lies is worse than none.

mod support;

use stackc::source::SourceFile;

/// The fenced blocks of a Markdown file that `is_spec` accepts, given the
/// block's info string and text.
fn blocks(markdown: &str, is_spec: impl Fn(&str, &str) -> bool) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in markdown.lines() {
        let fence = line.strip_prefix("```");
        match (&mut current, fence) {
            (None, Some(info)) => current = Some((info.trim().to_string(), String::new())),
            (Some((info, block)), Some(_)) => {
                if is_spec(info, block) {
                    blocks.push(block.clone());
                }
                current = None;
            }
            (Some((_, block)), None) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

#[test]
fn readme_specs_build_cleanly() {
    let readme = std::fs::read_to_string(support::repo().join("README.md")).unwrap();
    let blocks = blocks(&readme, |_, block| block.trim_start().starts_with("stack "));
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

/// The language reference marks its examples ```` ```spec ````: each is a
/// whole spec that builds without an error or a warning, since readers copy
/// examples as they are.
#[test]
fn language_reference_examples_build_cleanly() {
    let reference = std::fs::read_to_string(support::repo().join("docs/language.md")).unwrap();
    let examples = blocks(&reference, |info, _| info == "spec");
    assert!(examples.len() >= 10, "the reference has an example per construct group");
    for (i, example) in examples.iter().enumerate() {
        let source = SourceFile::new(format!("docs/language.md example {i}"), example.clone());
        let build = stackc::build(&source, &support::snapshot_layout("stack.spec"));
        let findings: Vec<_> = build
            .diagnostics
            .iter()
            .filter(|d| d.severity >= stackc::diagnostic::Severity::Warning)
            .collect();
        assert!(findings.is_empty(), "example {i}:\n{example}\n{findings:#?}");
        assert!(build.artifacts.is_some(), "example {i} emits files");
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

/// The README's CI steps run as shown on a project with findings: the
/// annotations step fails the job, and the SARIF step exits 0 with a log
/// code scanning reads, so its upload runs.
#[test]
fn readme_ci_steps_run_as_shown() {
    let readme = std::fs::read_to_string(support::repo().join("README.md")).unwrap();
    let steps = blocks(&readme, |info, block| info == "yaml" && block.contains("upload-sarif"));
    let [steps] = steps.as_slice() else {
        panic!("the README shows one CI block with upload-sarif: {steps:?}");
    };
    let commands: Vec<&str> = (steps.lines())
        .filter_map(|l| l.trim().strip_prefix("- run: stackc "))
        .map(|c| c.split(" > ").next().unwrap())
        .collect();
    assert_eq!(commands.len(), 2, "{steps}");
    let project = tempfile::tempdir().unwrap();
    let trigger = support::repo().join("tests/lint/unpinned-image/trigger.spec");
    std::fs::copy(trigger, project.path().join("stack.spec")).unwrap();
    let run = |command: &str| {
        support::stackc()
            .current_dir(project.path())
            .args(command.split_whitespace())
            .output()
            .unwrap()
    };
    let annotations = run(commands[0]);
    assert_eq!(annotations.status.code(), Some(1), "{commands:?}");
    assert!(support::text(&annotations.stdout).starts_with("::warning file=stack.spec"));
    let sarif = run(commands[1]);
    assert_eq!(sarif.status.code(), Some(0), "{}", support::text(&sarif.stderr));
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(!log["runs"][0]["results"].as_array().unwrap().is_empty(), "{log}");
}
