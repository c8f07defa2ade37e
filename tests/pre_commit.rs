//! The repository's `.pre-commit-hooks.yaml`, run by the real pre-commit
//! (pinned in the tests' venv by scripts/install-tools.sh) on a throwaway
//! git repository: a spec with an error-level finding fails the hook, a
//! clean one passes. `pre-commit try-repo` builds stackc from this checkout
//! with `cargo install`, as a user's pre-commit would from a tag.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use support::text;

fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", text(&output.stderr));
}

/// `pre-commit try-repo <this checkout> stackc-lint --all-files` in `dir`.
/// Its environments and cargo's build folder live under `target/`, so a
/// second run reuses the compiled dependencies; the release profile is
/// built without optimisation, which the hook's behaviour does not need.
fn run_hook(dir: &Path) -> Output {
    let target = support::repo().join("target");
    Command::new(support::tool("venv/bin/pre-commit"))
        .current_dir(dir)
        .args(["try-repo"])
        .arg(support::repo())
        .args(["stackc-lint", "--all-files", "--color", "never"])
        .env("PRE_COMMIT_HOME", target.join("pre-commit-home"))
        .env("CARGO_TARGET_DIR", target.join("pre-commit-build"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "true")
        .output()
        .expect("pre-commit runs")
}

#[test]
fn pre_commit_runs_the_hook_and_fails_on_a_bad_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    git(dir, &["init", "-q"]);
    let fixture = |path: &str| fs::read_to_string(support::repo().join(path)).unwrap();
    fs::write(dir.join("stack.spec"), fixture("specs/django.spec")).unwrap();
    support::provide_seed_files(dir);
    fs::write(dir.join("notes.txt"), "not a spec\n").unwrap();
    git(dir, &["add", "."]);

    let good = run_hook(dir);
    let stdout = text(&good.stdout);
    assert_eq!(good.status.code(), Some(0), "{stdout}{}", text(&good.stderr));
    assert!(stdout.contains("stackc lint") && stdout.contains("Passed"), "{stdout}");

    fs::write(
        dir.join("bad.spec"),
        fixture("tests/lint/default-credentials/trigger.spec"),
    )
    .unwrap();
    git(dir, &["add", "bad.spec"]);
    let bad = run_hook(dir);
    let stdout = text(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{stdout}{}", text(&bad.stderr));
    assert!(stdout.contains("Failed"), "{stdout}");
    assert!(
        stdout.contains("default-credentials") && stdout.contains("bad.spec"),
        "{stdout}"
    );
    assert!(!stdout.contains("notes.txt"), "only specs are passed: {stdout}");
}
