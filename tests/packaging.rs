//! What the install routes rely on: `stackc --version` names the commit a
//! build came from, and `lint --only-stack-specs` (the pre-commit hooks'
//! entry) skips other tools' `.spec` files. tests/pre_commit.rs runs the
//! hooks themselves; scripts/check-release.sh builds the wheel and the
//! static binary and checks their versions.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use support::{stackc, text};

/// What git says about the checked-out commit, `None` outside a checkout.
fn head_commit() -> Option<String> {
    let output = Command::new("git")
        .current_dir(support::repo())
        .args(["log", "-1", "--format=%h %cs"])
        .output()
        .ok()?;
    output.status.success().then(|| text(&output.stdout).trim().to_string())
}

#[test]
fn version_names_the_commit_the_binary_was_built_from() {
    // The binary cargo built from this checkout, whatever STACKC_UNDER_TEST says.
    let output = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let version = env!("CARGO_PKG_VERSION");
    let expected = match head_commit() {
        Some(commit) => format!("stackc {version} ({commit})\n"),
        None => format!("stackc {version}\n"),
    };
    assert_eq!(text(&output.stdout), expected);
}

const RPM_SPEC: &str = "# An RPM spec\nName:           hello\nVersion:        2.10\nRelease:        1%{?dist}\n";
const PYINSTALLER_SPEC: &str = "# -*- mode: python ; coding: utf-8 -*-\na = Analysis(['manage.py'])\n";

fn lint_only_stack_specs(dir: &Path, files: &[&str]) -> (Option<i32>, String) {
    let output = stackc()
        .current_dir(dir)
        .args(["lint", "--only-stack-specs", "--format", "short"])
        .args(files)
        .output()
        .unwrap();
    (output.status.code(), text(&output.stdout) + &text(&output.stderr))
}

#[test]
fn only_stack_specs_skips_rpm_and_pyinstaller_specs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("hello.spec"), RPM_SPEC).unwrap();
    fs::write(dir.join("app.spec"), PYINSTALLER_SPEC).unwrap();
    support::provide_seed_files(dir);
    let seed = fs::read_to_string(support::repo().join("specs/django.spec")).unwrap();
    fs::write(dir.join("web.spec"), &seed).unwrap();

    let (code, output) = lint_only_stack_specs(dir, &["hello.spec", "app.spec", "web.spec"]);
    assert_eq!((code, output.as_str()), (Some(0), ""));
    // Nothing left to lint is no error either.
    let (code, output) = lint_only_stack_specs(dir, &["hello.spec", "app.spec"]);
    assert_eq!((code, output.as_str()), (Some(0), ""));
    // A folder, searched for `*.spec`, is filtered the same way.
    let (code, output) = lint_only_stack_specs(dir, &["."]);
    assert_eq!((code, output.as_str()), (Some(0), ""));

    // Without the flag, the RPM spec is read as a stack spec, and fails.
    let output = stackc().current_dir(dir).args(["lint", "hello.spec"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
}

#[test]
fn only_stack_specs_still_lints_a_stack_spec_it_cannot_recognise_by_content() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A spec whose first statement is misspelled starts like no stack spec;
    // named stack.spec or *.stack.spec, it is linted all the same.
    for name in ["stack.spec", "prod.stack.spec"] {
        fs::write(dir.join(name), "stak myapp\n").unwrap();
        let (code, output) = lint_only_stack_specs(dir, &[name]);
        assert_eq!(code, Some(1), "{output}");
        assert!(output.contains(&format!("{name}:1:1: error")), "{output}");
    }
    // A file that cannot be read is kept, so that reading it reports why.
    let (code, output) = lint_only_stack_specs(dir, &["missing.spec"]);
    assert_eq!(code, Some(2), "{output}");
    assert!(output.contains("missing.spec"), "{output}");
}

#[test]
fn only_stack_specs_lints_a_stack_spec_with_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("hello.spec"), RPM_SPEC).unwrap();
    let trigger = fs::read_to_string(support::repo().join("tests/lint/default-credentials/trigger.spec")).unwrap();
    fs::write(dir.join("bad.spec"), trigger).unwrap();
    let (code, output) = lint_only_stack_specs(dir, &["hello.spec", "bad.spec"]);
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("bad.spec:") && output.contains("default-credentials"),
        "{output}"
    );
    assert!(!output.contains("hello.spec"), "{output}");
}
