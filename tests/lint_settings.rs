//! Lint settings on the real binary: `stackc.toml` found by walking up,
//! `--allow`/`--deny` over it, `--save`, the `fail-on` threshold,
//! suppression comments, and `build` honouring all of it.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use support::{stackc, text};

fn fixture(path: &str) -> String {
    fs::read_to_string(support::repo().join(path)).unwrap()
}

/// A project in a temp folder: `deploy/app/stack.spec` holding `spec`, in
/// a repository (`.git`) whose root is the temp folder, so `stackc.toml`
/// is looked for up to it.
fn project(spec: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join(".git")).unwrap();
    let dir = tmp.path().join("deploy/app");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("stack.spec"), spec).unwrap();
    (tmp, dir)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    stackc().current_dir(dir).args(args).output().unwrap()
}

/// `stackc lint --format short ARGS` in `dir`: exit code and the finding
/// lines (`line:col: severity[code]`) without the file name and message.
fn findings(dir: &Path, args: &[&str]) -> (Option<i32>, Vec<String>, String) {
    let output = run(dir, &[&["lint", "--format", "short"], args].concat());
    let lines = text(&output.stdout)
        .lines()
        .map(|l| {
            let mut parts = l.splitn(4, ':');
            let (_, line, column, rest) = (
                parts.next(),
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            );
            // ` error: message [code]` -> `line:column: error[code]`.
            let severity = rest.trim_start().split(": ").next().unwrap();
            let code = rest.rsplit_once(" [").unwrap().1.trim_end_matches(']');
            format!("{line}:{column}: {severity}[{code}]")
        })
        .collect();
    (output.status.code(), lines, text(&output.stderr))
}

const CREDENTIALS: &str = "tests/lint/default-credentials/trigger.spec";

#[test]
fn stackc_toml_above_the_spec_sets_levels_and_the_threshold() {
    let (tmp, dir) = project(&fixture(CREDENTIALS));
    let (code, lines, _) = findings(&dir, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        lines,
        [
            "11:29: error[default-credentials]",
            "20:33: error[default-credentials]",
            "27:26: error[default-credentials]",
            "35:31: error[default-credentials]"
        ]
    );

    fs::write(
        tmp.path().join("stackc.toml"),
        "# Team settings.\n[lint]\nfail-on = \"error\"\n\n[rules]\ndefault-credentials = \"warning\"\n",
    )
    .unwrap();
    let (code, lines, stderr) = findings(&dir, &[]);
    assert_eq!(code, Some(0), "warnings are below the configured threshold: {stderr}");
    assert!(
        lines.iter().all(|l| l.ends_with("warning[default-credentials]")),
        "{lines:?}"
    );
    assert_eq!(lines.len(), 4);

    // The command line wins over the file, for the threshold and the levels.
    let (code, _, _) = findings(&dir, &["--fail-on", "warning"]);
    assert_eq!(code, Some(1));
    let (code, lines, _) = findings(&dir, &["--deny", "default-credentials"]);
    assert_eq!(code, Some(1));
    assert!(
        lines.iter().all(|l| l.ends_with("error[default-credentials]")),
        "{lines:?}"
    );
    let (code, lines, stderr) = findings(&dir, &["--allow", "default-credentials"]);
    assert_eq!((code, lines.len()), (Some(0), 0), "{stderr}");

    // A nearer stackc.toml governs its own folder.
    fs::write(dir.join("stackc.toml"), "[rules]\ndefault-credentials = \"off\"\n").unwrap();
    let (code, lines, _) = findings(&dir, &[]);
    assert_eq!((code, lines.len()), (Some(0), 0));
}

#[test]
fn unknown_rules_on_the_command_line_are_bad_input() {
    let (_tmp, dir) = project(&fixture(CREDENTIALS));
    for (args, expected) in [
        (["--allow", "default-credential"], "did you mean `default-credentials`?"),
        (
            ["--deny", "unknown-volume"],
            "errors that make a spec invalid cannot be allowed",
        ),
    ] {
        let (code, _, stderr) = findings(&dir, &args);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains("is not a lint rule") && stderr.contains(expected),
            "{stderr}"
        );
    }
    let (code, _, stderr) = findings(
        &dir,
        &["--allow", "default-credentials", "--deny", "default-credentials"],
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("both allowed and denied"), "{stderr}");
}

#[test]
fn a_broken_stackc_toml_is_reported_with_its_places() {
    let (tmp, dir) = project(&fixture(CREDENTIALS));
    fs::write(
        tmp.path().join("stackc.toml"),
        "[rules]\ndefault-credential = \"off\"\nmissing-readiness-wait = \"loud\"\n[lint]\nfail-on = \"warn\"\n",
    )
    .unwrap();
    let output = run(&dir, &["lint", "--color", "never", "stack.spec"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let stderr = stderr.replace(&tmp.path().display().to_string(), "TMP");
    support::insta_settings().bind(|| insta::assert_snapshot!("settings__broken_stackc_toml", stderr));

    let output = run(&dir, &["lint", "--format", "json", "stack.spec"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let codes: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["unknown-rule", "bad-config", "bad-config"]);
    assert!(json[0]["file"].as_str().unwrap().ends_with("stackc.toml"));

    // build refuses too, and writes nothing.
    let output = run(&dir, &["build", "stack.spec", "-o", "out"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!dir.join("out").exists());
}

#[test]
fn save_writes_the_levels_and_keeps_comments() {
    let (tmp, dir) = project(&fixture(CREDENTIALS));
    let output = run(
        &dir,
        &["lint", "--allow", "default-credentials", "--save", "stack.spec"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("saved default-credentials = \"off\" in stackc.toml"));
    assert_eq!(
        fs::read_to_string(dir.join("stackc.toml")).unwrap(),
        "[rules]\ndefault-credentials = \"off\"\n"
    );
    // Later runs read it: the finding stays off without the flag.
    let (code, lines, _) = findings(&dir, &[]);
    assert_eq!((code, lines.len()), (Some(0), 0));

    // An existing file above the spec is edited in place, comments kept.
    fs::remove_file(dir.join("stackc.toml")).unwrap();
    let team = "# Team settings.\n[rules]\ndefault-credentials = \"warning\" # until the vault lands\n";
    fs::write(tmp.path().join("stackc.toml"), team).unwrap();
    let output = run(&dir, &["lint", "--deny", "default-credentials", "--save"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        fs::read_to_string(tmp.path().join("stackc.toml")).unwrap(),
        team.replace("\"warning\"", "\"error\"")
    );
    assert!(!dir.join("stackc.toml").exists());

    let output = run(&dir, &["lint", "--save"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("--save needs --allow RULE or --deny RULE"));
}

#[test]
fn suppression_comments_allow_one_rule_at_one_place() {
    let (code, lines, _) = findings(&support::repo(), &["tests/fixtures/suppressions.spec"]);
    assert_eq!(code, Some(1));
    let ours: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| {
            ["default-credentials", "suppression", "unknown-rule"]
                .iter()
                .any(|code| l.contains(code))
        })
        .collect();
    assert_eq!(
        ours,
        [
            // `alow` is not `allow`.
            "2:1: warning[bad-suppression]",
            // A typo: the finding it meant to allow stays.
            "26:25: warning[unknown-rule]",
            "26:45: warning[unused-suppression]",
            "27:26: error[default-credentials]",
            // Nothing to allow on its line.
            "28:47: warning[unused-suppression]",
            // Nor in the block below it (line 34's allows the block of
            // `broker`, whose default password is not reported).
            "44:21: warning[unused-suppression]",
        ],
        "the comments above line 11 and at the end of line 19 each allow their finding, the one above line 34 its block's"
    );

    let output = run(
        &support::repo(),
        &["lint", "--format", "json", "tests/fixtures/suppressions.spec"],
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let unknown = json
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "unknown-rule")
        .unwrap();
    assert_eq!(unknown["help"], "did you mean `default-credentials`?");
}

#[test]
fn a_suppression_of_a_rule_that_is_off_still_counts() {
    let spec = fixture(CREDENTIALS).replace(
        "        POSTGRES_PASSWORD = \"admin\"",
        "        POSTGRES_PASSWORD = \"admin\" # stackc: allow(default-credentials)",
    );
    assert!(
        spec.contains("stackc: allow"),
        "the fixture no longer has the line to suppress"
    );
    let (_tmp, dir) = project(&spec);
    let (code, lines, stderr) = findings(&dir, &["--allow", "default-credentials"]);
    assert_eq!((code, lines.len()), (Some(0), 0), "{lines:?} {stderr}");
}

#[test]
fn build_refuses_error_findings_unless_allowed() {
    let (_tmp, dir) = project(&fixture(CREDENTIALS));
    let output = run(&dir, &["build", "--color", "never", "stack.spec", "-o", "out"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("default-credentials") && stderr.contains("nothing written"),
        "{stderr}"
    );
    assert!(!dir.join("out").exists());

    let output = run(
        &dir,
        &["build", "--allow", "default-credentials", "stack.spec", "-o", "out"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(dir.join("out/compose.yaml").exists());

    // Downgraded in stackc.toml: printed as warnings, and written.
    fs::write(dir.join("stackc.toml"), "[rules]\ndefault-credentials = \"warning\"\n").unwrap();
    let output = run(&dir, &["build", "--color", "never", "stack.spec", "-o", "out"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("0 errors, 4 warnings"), "{stderr}");
}
