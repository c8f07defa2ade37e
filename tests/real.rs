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
//!
//! The same holds on a cluster: every deployment builds with `--target
//! kubernetes` (each environment an overlay), and the Kubernetes
//! validators pass on its base and overlays, but for REVIEW.md's `FAIL
//! TOOL KUSTOMIZATION` lines of those tools (`FAIL checkov base`), or
//! `FAIL stackc kubernetes` where the build refuses the spec.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

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
    lint_with(project, &[])
}

/// [`lint`] with more arguments (`--target kubernetes`).
fn lint_with(project: &Path, args: &[&str]) -> (BTreeSet<(String, String)>, BTreeSet<String>) {
    let args: Vec<&str> = args.iter().copied().chain(["--format", "short"]).collect();
    let output = support::lint_project(project, &args);
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

/// The tools of `scripts/validate-kubernetes`, and `stackc` for a build
/// for a cluster that refuses the spec: the checks of the Kubernetes leg.
const KUBERNETES_TOOLS: &[&str] = &["stackc", "kustomize", "kubernetes-validate", "checkov"];

/// Whether an expected failure (`FAIL TOOL FILE`) is the Kubernetes leg's.
fn on_kubernetes(failure: &str) -> bool {
    (failure.split_whitespace().nth(1)).is_some_and(|tool| KUBERNETES_TOOLS.contains(&tool))
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
        let expected: BTreeSet<String> = (expected_failures(&project).into_iter())
            .filter(|f| !on_kubernetes(f))
            .collect();
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

/// Each real deployment built for a cluster: its base and an overlay per
/// environment. The validators run once over all of them (one process of
/// each tool, not one per deployment: the leg's time is mostly theirs).
#[test]
fn every_real_deployment_builds_for_kubernetes_and_passes_the_validators() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut expected_by_project = BTreeMap::new();
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut outs = Vec::new();
    for project in projects() {
        let name = project.file_name().unwrap().to_string_lossy().into_owned();
        let expected: BTreeSet<String> = (expected_failures(&project).into_iter())
            .filter(|f| on_kubernetes(f))
            .collect();
        expected_by_project.insert(name.clone(), (project.clone(), expected.clone()));
        // The cluster's own rules too: what an error of theirs blocks is
        // still built and checked, as in the compose leg. An allowed
        // `runs-as-root` leaves `user-without-uid` its error (the pod would
        // not start): the errors are read again with the first allowed.
        let (_, mut errors) = lint_with(&project, &["--target", "kubernetes"]);
        let mut allowing = vec!["--target", "kubernetes"];
        allowing.extend(errors.iter().flat_map(|code| ["--allow", code.as_str()]));
        let (_, more) = lint_with(&project, &allowing);
        errors.extend(more);
        let out = tmp.path().join(&name);
        let mut build = support::stackc();
        build.args(["build", "--color", "never", "--target", "kubernetes"]);
        build.arg(project.join("stack.spec")).arg("-o").arg(&out);
        for code in &errors {
            build.args(["--allow", code]);
        }
        let build = build.output().expect("stackc runs");
        if !build.status.success() {
            let refusal = "FAIL stackc kubernetes".to_string();
            if !expected.contains(&refusal) {
                failures.push(format!(
                    "{name}: does not build for kubernetes\n{}",
                    support::text(&build.stderr)
                ));
            }
            seen.entry(name).or_default().insert(refusal);
            continue;
        }
        for environment in support::environments(&project.join("stack.spec")).into_iter().flatten() {
            if !out
                .join("overlays")
                .join(&environment)
                .join("kustomization.yaml")
                .is_file()
            {
                failures.push(format!("{name}: environment `{environment}` has no overlay"));
            }
        }
        outs.push(out);
    }
    let output = Command::new(support::repo().join("scripts/validate-kubernetes"))
        .args(&outs)
        .output()
        .expect("scripts/validate-kubernetes runs");
    let report = support::text(&output.stdout) + &support::text(&output.stderr);
    assert_ne!(
        output.status.code(),
        Some(2),
        "a validator is missing or could not run:\n{report}"
    );
    // Each check's line (`FAIL TOOL PROJECT/KUSTOMIZATION`) and the
    // findings indented under it, by project.
    let mut sections: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut current = None;
    for line in report.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let ("ok" | "FAIL", Some(tool), Some(place)) =
            (words[..].first().copied().unwrap_or(""), words.get(1), words.get(2))
        {
            let (project, kustomization) = place.split_once('/').expect("PROJECT/KUSTOMIZATION");
            if words[0] == "FAIL" {
                seen.entry(project.to_string())
                    .or_default()
                    .insert(format!("FAIL {tool} {kustomization}"));
            }
            current = Some(project.to_string());
        } else if !line.starts_with(' ') {
            current = None;
        }
        if let Some(project) = &current {
            sections.entry(project.clone()).or_default().push(line);
        }
    }
    for out in &outs {
        let name = out.file_name().unwrap().to_string_lossy().into_owned();
        let (_, expected) = &expected_by_project[&name];
        let failed = seen.get(&name).cloned().unwrap_or_default();
        let checked = sections
            .get(&name)
            .map_or(0, |lines| lines.iter().filter(|l| !l.starts_with(' ')).count());
        if checked < 3 {
            failures.push(format!("{name}: the validators did not check it\n{report}"));
        } else if !failed.is_subset(expected) {
            failures.push(format!("{name}:\n{}", sections[&name].join("\n")));
        }
    }
    for (name, (project, expected)) in &expected_by_project {
        let failed = seen.get(name).cloned().unwrap_or_default();
        for stale in expected.difference(&failed) {
            failures.push(format!(
                "{}: REVIEW.md expects `{stale}`, which passes",
                project.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
