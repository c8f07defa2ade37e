//! The repository's `.pre-commit-hooks.yaml`, both hooks, run by the real
//! pre-commit (pinned in the tests' venv by scripts/install-tools.sh) on a
//! throwaway git repository: a spec with an error-level finding fails the
//! hook, a clean one passes, and RPM and PyInstaller `.spec` files beside
//! them are left alone. `pre-commit try-repo` installs stackc from this
//! checkout as a user's pre-commit would from a tag: `stackc-lint` with
//! pip (maturin, through pyproject.toml), `stackc-lint-rust` with
//! `cargo install`.

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

/// `pre-commit try-repo <this checkout> HOOK --all-files` in `dir`.
///
/// Nothing is downloaded: pip takes maturin from the wheel that
/// install-tools.sh keeps in `.tools/wheels`. Both hooks build into one
/// cargo folder under `target/`, with the same profile, so the
/// dependencies compile once and a second run reuses them; the release
/// profile is built without optimisation or LTO
/// (scripts/unoptimised-profile.env), which the hook's behaviour does not
/// need.
fn run_hook(dir: &Path, hook: &str) -> Output {
    let target = support::repo().join("target");
    Command::new(support::tool("venv/bin/pre-commit"))
        .current_dir(dir)
        .args(["try-repo"])
        .arg(support::repo())
        .args([hook, "--all-files", "--color", "never"])
        .env("PRE_COMMIT_HOME", target.join("pre-commit-home"))
        .env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", support::tool("wheels"))
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("MATURIN_PEP517_ARGS", "--profile release")
        .env("CARGO_TARGET_DIR", target.join("pre-commit-build"))
        .envs(unoptimised_profile("RELEASE"))
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "true")
        .output()
        .expect("pre-commit runs")
}

/// The variables that give cargo's `profile` the settings of
/// scripts/unoptimised-profile.env.
fn unoptimised_profile(profile: &str) -> Vec<(String, String)> {
    let settings = std::fs::read_to_string(support::repo().join("scripts/unoptimised-profile.env"))
        .expect("scripts/unoptimised-profile.env is readable");
    settings
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (key, value) = line.split_once('=').expect("each setting is KEY=VALUE");
            (format!("CARGO_PROFILE_{profile}_{key}"), value.to_string())
        })
        .collect()
}

/// An RPM spec and a PyInstaller spec: `.spec` files of other tools.
const FOREIGN_SPECS: [(&str, &str); 2] = [
    (
        "packaging/hello.spec",
        "Name:           hello\nVersion:        2.10\nRelease:        1%{?dist}\nSummary:        Says hello\n",
    ),
    (
        "app.spec",
        "# -*- mode: python ; coding: utf-8 -*-\na = Analysis(['manage.py'])\nexe = EXE(a.scripts, name='app')\n",
    ),
];

/// Runs `hook` on a clean spec beside other tools' `.spec` files (passes,
/// and they are untouched), then with a bad spec added (fails, naming it).
fn hook_lints_only_stack_specs(run_hook: impl Fn(&Path) -> Output) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    git(dir, &["init", "-q"]);
    let fixture = |path: &str| fs::read_to_string(support::repo().join(path)).unwrap();
    support::provide_seed_files(dir);
    fs::write(dir.join("stack.spec"), fixture("specs/django.spec")).unwrap();
    support::provide_seed_files(dir);
    fs::write(dir.join("notes.txt"), "not a spec\n").unwrap();
    fs::create_dir(dir.join("packaging")).unwrap();
    for (path, contents) in FOREIGN_SPECS {
        fs::write(dir.join(path), contents).unwrap();
    }
    git(dir, &["add", "."]);

    let good = run_hook(dir);
    let stdout = text(&good.stdout);
    assert_eq!(good.status.code(), Some(0), "{stdout}{}", text(&good.stderr));
    assert!(stdout.contains("stackc lint") && stdout.contains("Passed"), "{stdout}");
    for (path, contents) in FOREIGN_SPECS {
        assert_eq!(
            fs::read_to_string(dir.join(path)).unwrap(),
            contents,
            "{path} was changed"
        );
    }

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
    for name in ["notes.txt", "hello.spec", "app.spec"] {
        assert!(
            !stdout.contains(name),
            "only stack specs are linted, not {name}: {stdout}"
        );
    }
}

#[test]
fn python_hook_installed_by_pip_lints_only_stack_specs() {
    hook_lints_only_stack_specs(|dir| run_hook(dir, "stackc-lint"));
}

/// README's `language: system` hook, for a stackc already on PATH: its
/// block as the project's `.pre-commit-config.yaml`, with this build's
/// binary first on PATH.
#[test]
fn readmes_system_hook_runs_the_stackc_on_path() {
    let readme = fs::read_to_string(support::repo().join("README.md")).unwrap();
    let blocks: Vec<&str> = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    let config = *blocks
        .iter()
        .find(|b| b.contains("repo: local") && b.contains("language: system"))
        .expect("README.md shows a `language: system` hook");
    let bin = support::stackc_path().parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    hook_lints_only_stack_specs(|dir| {
        fs::write(dir.join(".pre-commit-config.yaml"), config).unwrap();
        Command::new(support::tool("venv/bin/pre-commit"))
            .current_dir(dir)
            .args(["run", "--all-files", "--color", "never"])
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", support::repo().join("target/pre-commit-home"))
            .output()
            .expect("pre-commit runs")
    });
}

#[test]
fn rust_hook_installed_by_cargo_lints_only_stack_specs() {
    hook_lints_only_stack_specs(|dir| run_hook(dir, "stackc-lint-rust"));
}
