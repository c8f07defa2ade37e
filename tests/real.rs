//! Real public deployments re-expressed as specs, one folder each in
//! `tests/real/` (the spec as `stack.spec`, beside the app files it names,
//! written for this project and modeled on the original, never copied).
//!
//! Each folder's `REVIEW.md` names the project it was modeled on and gives,
//! in a table, a reason for every finding `stackc lint` reports on it:
//! `| file:line | code | why it is right |`. The test holds lint to that
//! review in both directions: a finding nobody reviewed fails, and so does
//! a reviewed one that went away (the review is then out of date). A false
//! finding is never listed: it is fixed in stackc. Every environment must
//! build (with the rules of reviewed errors allowed, so that what an error
//! blocks is still checked), and its output must pass every validator but
//! the checks REVIEW.md lists as `FAIL TOOL FILE` lines, each explained
//! there by a reviewed finding (an untagged image fails hadolint, say).

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The projects in `tests/real/`, sorted.
fn projects() -> Vec<PathBuf> {
    let mut projects: Vec<PathBuf> = std::fs::read_dir(support::repo().join("tests/real"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("stack.spec").is_file())
        .collect();
    projects.sort();
    projects
}

/// `(file:line, code)` of each finding, from the short format
/// (`file:line:col: severity: message [code]`), run in the project's folder
/// so files are named relative to it.
fn findings(project: &Path) -> BTreeSet<(String, String)> {
    lint(project).0
}

/// [`findings`], and the codes of the errors among them.
fn lint(project: &Path) -> (BTreeSet<(String, String)>, BTreeSet<String>) {
    let output = support::lint_project(project, &["--format", "short"]);
    assert!(
        output.status.success(),
        "{}: {}",
        project.display(),
        support::text(&output.stderr)
    );
    let stdout = support::text(&output.stdout);
    let mut errors = BTreeSet::new();
    let found = stdout
        .lines()
        .map(|line| {
            let mut parts = line.splitn(3, ':');
            let (file, number) = (parts.next().unwrap(), parts.next().unwrap_or_default());
            let code = line.rsplit_once('[').map(|(_, c)| c.trim_end_matches(']'));
            let code = code.unwrap_or_else(|| panic!("{}: no code in `{line}`", project.display()));
            if line.contains(": error: ") {
                errors.insert(code.to_string());
            }
            (format!("{file}:{number}"), code.to_string())
        })
        .collect();
    (found, errors)
}

/// The validator checks REVIEW.md expects to fail: its `FAIL TOOL FILE`
/// lines (a list item or plain), spaces collapsed.
fn expected_failures(project: &Path) -> BTreeSet<String> {
    let review = std::fs::read_to_string(project.join("REVIEW.md")).unwrap_or_default();
    review
        .lines()
        .map(|l| l.trim().trim_start_matches("- ").replace('`', ""))
        .filter(|l| l.starts_with("FAIL "))
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .collect()
}

/// The `(file:line, code)` rows of REVIEW.md's table.
fn reviewed(project: &Path) -> BTreeSet<(String, String)> {
    let review = std::fs::read_to_string(project.join("REVIEW.md"))
        .unwrap_or_else(|_| panic!("{} has no REVIEW.md", project.display()));
    review
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim().strip_prefix('|')?.split('|').map(str::trim).collect();
            let (place, code, why) = (cells.first()?, cells.get(1)?, cells.get(2)?);
            let place = place.trim_matches('`');
            let is_row = place.contains(':') && place.rsplit(':').next()?.parse::<u32>().is_ok();
            is_row.then(|| {
                assert!(!why.is_empty(), "{}: `{place}` has no reason", project.display());
                (place.to_string(), code.trim_matches('`').to_string())
            })
        })
        .collect()
}

#[test]
fn every_finding_on_a_real_deployment_is_reviewed() {
    let projects = projects();
    assert!(!projects.is_empty(), "tests/real/ should hold re-expressed deployments");
    let mut problems = Vec::new();
    for project in &projects {
        let (found, reviewed) = (findings(project), reviewed(project));
        for (place, code) in found.difference(&reviewed) {
            problems.push(format!("{}: {place} [{code}] is not in REVIEW.md", project.display()));
        }
        for (place, code) in reviewed.difference(&found) {
            problems.push(format!(
                "{}: {place} [{code}] is reviewed but lint no longer reports it",
                project.display()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_real_deployment_builds_and_passes_the_validators() {
    let mut failures = Vec::new();
    for project in projects() {
        let spec = project.join("stack.spec");
        let (_, errors) = lint(&project);
        let expected = expected_failures(&project);
        let mut seen = BTreeSet::new();
        for environment in support::environments(&spec) {
            let label = format!("{} {}", project.display(), environment.as_deref().unwrap_or("(base)"));
            let tmp = tempfile::tempdir().unwrap();
            let out = tmp.path().join("out");
            let mut build = support::stackc();
            build.args(["build", "--color", "never"]).arg(&spec).arg("-o").arg(&out);
            if let Some(name) = &environment {
                build.args(["--env", name]);
            }
            for code in &errors {
                build.args(["--allow", code]);
            }
            let build = build.output().expect("stackc runs");
            if !build.status.success() {
                failures.push(format!("{label}: does not build\n{}", support::text(&build.stderr)));
                continue;
            }
            let (code, report) = support::validate(&out);
            assert_ne!(code, 2, "a validator is missing or could not run:\n{report}");
            let failed: BTreeSet<String> = report
                .lines()
                .filter(|l| l.starts_with("FAIL "))
                .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
                .collect();
            if !failed.is_subset(&expected) {
                failures.push(format!("{label}:\n{report}"));
            }
            seen.extend(failed);
        }
        for stale in expected.difference(&seen) {
            failures.push(format!(
                "{}: REVIEW.md expects `{stale}`, which passes",
                project.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
