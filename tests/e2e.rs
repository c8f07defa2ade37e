//! The seed stack run for real, without a container engine: `tests/e2e/run.py`
//! builds `specs/django.spec`, starts PostgreSQL, the Django project in
//! `specs/app` under the emitted Gunicorn command and nginx with the
//! emitted nginx.conf, moves SQLite rows to PostgreSQL, and requests through
//! nginx. It prints each step by name; on failure, the step and its logs.
//! Needs root and the tools of `scripts/install-tools.sh`; a missing one fails.

mod support;

#[test]
fn the_seed_stack_runs_and_moves_its_data() {
    let repo = support::repo();
    let output = support::python()
        .arg(repo.join("tests/e2e/run.py"))
        .arg("--stackc")
        .arg(env!("CARGO_BIN_EXE_stackc"))
        .arg("--spec")
        .arg(repo.join("specs/django.spec"))
        .output()
        .expect("tests/e2e/run.py runs");
    let report = format!("{}{}", support::text(&output.stdout), support::text(&output.stderr));
    println!("{report}");
    assert!(output.status.success(), "the e2e run failed:\n{report}");
    assert!(report.contains("e2e: every step passed"), "{report}");
}
