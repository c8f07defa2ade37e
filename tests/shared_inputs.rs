//! A finding about a file several services read (one env file, one
//! Dockerfile built into three images) is reported once, naming them all;
//! a suppression at any reader's statement covers it, and a finding in
//! another file stays apart.

mod support;

use std::fs;
use std::path::Path;

use support::text;

/// A copy of `tests/fixtures/shared-inputs` in a temp folder, with
/// `edit` applied to its spec.
fn project(edit: impl FnOnce(String) -> String) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    support::copy_folder(&support::repo().join("tests/fixtures/shared-inputs"), tmp.path());
    let spec = tmp.path().join("stack.spec");
    fs::write(&spec, edit(fs::read_to_string(&spec).unwrap())).unwrap();
    tmp
}

/// `stackc lint --format short` in `dir`: its lines.
fn short(dir: &Path) -> Vec<String> {
    let output = support::lint_project(dir, &["--format", "short"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout).lines().map(str::to_string).collect()
}

#[test]
fn a_finding_in_a_file_three_services_read_is_reported_once() {
    let tmp = project(|spec| spec);
    let lines = short(tmp.path());
    insta::assert_snapshot!(lines.join("\n"), @r"
    stack.spec:7:14: warning: `app/Dockerfile` (the Dockerfile of `web`, `worker` and `beat`): apt packages without versions (hadolint DL3008) (at app/Dockerfile:2) [package-install-hygiene]
    stack.spec:10:14: warning: `DATABASE_PASSWORD` is set to a default password (in `app.env`, which `web`, `worker` and `beat` read) (at app.env:2) [default-credentials]
    ");
}

#[test]
fn the_human_report_points_at_every_readers_statement() {
    let tmp = project(|spec| spec);
    let output = support::lint_project(tmp.path(), &["--color", "never"]);
    let report = text(&output.stdout) + &text(&output.stderr);
    for reader in ["worker", "beat"] {
        for how in ["reads `app.env` too", "is built from `app/Dockerfile` too"] {
            assert_eq!(
                report.matches(&format!("`{reader}` {how}")).count(),
                1,
                "a finding points at `{reader}`'s statement:\n{report}"
            );
        }
    }
    assert!(!report.contains("changeme"), "the password is masked:\n{report}");
}

#[test]
fn a_suppression_at_any_readers_statement_covers_the_finding() {
    let tmp = project(|spec| {
        spec.replacen(
            "    command \"celery -A shop beat\"\n    env_file app.env",
            "    command \"celery -A shop beat\"\n    env_file app.env # stackc: allow(default-credentials)",
            1,
        )
    });
    let lines = short(tmp.path());
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].ends_with("[package-install-hygiene]"), "{lines:#?}");
}

#[test]
fn a_finding_in_another_file_stays_apart() {
    let tmp = project(|spec| {
        let at = spec.rfind("env_file app.env").unwrap();
        format!(
            "{}env_file beat.env{}",
            &spec[..at],
            &spec[at + "env_file app.env".len()..]
        )
    });
    fs::copy(tmp.path().join("app.env"), tmp.path().join("beat.env")).unwrap();
    let credentials: Vec<String> = (short(tmp.path()).into_iter())
        .filter(|l| l.ends_with("[default-credentials]"))
        .collect();
    assert_eq!(
        credentials,
        [
            "stack.spec:10:14: warning: `DATABASE_PASSWORD` is set to a default password (in `app.env`, which `web` and `worker` read) (at app.env:2) [default-credentials]",
            "stack.spec:26:14: warning: `DATABASE_PASSWORD` is set to a default password (at beat.env:2) [default-credentials]",
        ]
    );
}
