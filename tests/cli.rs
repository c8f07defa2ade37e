//! The real `stackc` binary, run as a user runs it: exit codes, messages,
//! and what `build` does to the output folder.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use support::{stackc, text};

fn seed() -> PathBuf {
    support::provide_spec_secrets();
    support::repo().join("specs/django.spec")
}

/// A copy of the seed spec in a temp dir, with the app and secret file it
/// names, so tests can break it.
fn spec_copy(dir: &Path, edit: impl FnOnce(String) -> String) -> PathBuf {
    support::provide_seed_files(dir);
    let path = dir.join("stack.spec");
    fs::write(&path, edit(fs::read_to_string(seed()).unwrap())).unwrap();
    path
}

/// Every file below `dir` with its bytes.
fn snapshot_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn check_passes_on_the_seed_spec() {
    let output = stackc().arg("check").arg(seed()).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stderr.is_empty());
}

/// `stackc check` on a copy of the seed spec with `edit` applied.
fn check_edited(edit: impl FnOnce(String) -> String) -> (Option<i32>, String) {
    let tmp = tempfile::tempdir().unwrap();
    let spec = spec_copy(tmp.path(), edit);
    let output = stackc()
        .args(["check", "--color", "never"])
        .arg(&spec)
        .output()
        .unwrap();
    (output.status.code(), text(&output.stderr))
}

#[test]
fn a_keyword_typo_is_pointed_at_with_a_suggestion() {
    let (code, stderr) = check_edited(|s| s.replacen("    image postgres", "    imgae postgres", 1));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("`imgae` is not a statement of a `service` block"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `image`?"), "{stderr}");
    assert!(stderr.contains("stack.spec:15:5"), "{stderr}");
    assert!(!stderr.contains("kw_"), "pest rule names must not leak: {stderr}");
}

#[test]
fn an_unknown_volume_is_pointed_at_with_a_suggestion() {
    let (code, stderr) = check_edited(|s| s.replace("mount static at", "mount statik at"));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("unknown volume `statik`"), "{stderr}");
    assert!(stderr.contains("did you mean `static`?"), "{stderr}");
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = stackc()
        .arg("check")
        .arg(tmp.path().join("nope.spec"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("cannot read"),
        "{}",
        text(&missing.stderr)
    );

    let folder = stackc().arg("check").arg(tmp.path()).output().unwrap();
    assert_eq!(folder.status.code(), Some(2));
    assert!(text(&folder.stderr).contains("is a folder"));

    let latin1 = tmp.path().join("latin1.spec");
    fs::write(&latin1, b"stack x\n# caf\xe9\n").unwrap();
    let output = stackc().arg("check").arg(&latin1).output().unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("latin1.spec:2:6: the spec is not UTF-8"), "{stderr}");

    // For programs, a spec that cannot be read is a result, not silence.
    let json = stackc()
        .args(["check", "--format", "json"])
        .arg(&latin1)
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(2));
    let results: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(results[0]["code"], "unreadable-file", "{results}");
    assert_eq!(results[0]["help"], "save the file as UTF-8", "{results}");
    assert!(json.stderr.is_empty(), "{}", text(&json.stderr));
}

#[test]
fn build_writes_every_file_and_a_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let output = support::build(&seed(), &out);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let files: Vec<PathBuf> = snapshot_tree(&out).into_keys().collect();
    let expected: Vec<PathBuf> = [
        ".stackc-manifest",
        "compose.yaml",
        "nginx/Dockerfile",
        "nginx/nginx.conf",
        "web/Dockerfile",
        "web/Dockerfile.dockerignore",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    assert_eq!(files, expected);
    // Nothing is left next to the output folder.
    assert_eq!(entries(tmp.path()), ["out"]);
}

/// `-o LINK/out`, where LINK leads elsewhere: compose walks compose.yaml's
/// `..` from where the folder really is, so the paths to the app and the
/// secret file are made from there (`../../app` led to another folder,
/// whose file compose would have mounted as the secret).
#[cfg(unix)]
#[test]
fn paths_in_compose_yaml_lead_from_where_the_output_folder_really_is() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("w");
    fs::create_dir_all(&project).unwrap();
    let spec = spec_copy(&project, |s| s);
    let far = tmp.path().join("far/a/b");
    fs::create_dir_all(&far).unwrap();
    std::os::unix::fs::symlink(&far, project.join("farlink")).unwrap();
    let output = support::build(&spec, &project.join("farlink/out"));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let compose = fs::read_to_string(far.join("out/compose.yaml")).unwrap();
    let real_out = fs::canonicalize(far.join("out")).unwrap();
    let real_project = fs::canonicalize(&project).unwrap();
    let contexts: Vec<&str> = compose
        .lines()
        .filter_map(|l| (l.trim().strip_prefix("context: ")).or_else(|| l.trim().strip_prefix("file: ")))
        .filter(|path| path.starts_with(".."))
        .collect();
    assert!(!contexts.is_empty(), "{compose}");
    for context in contexts {
        let led = fs::canonicalize(real_out.join(context)).unwrap_or_default();
        assert!(led.starts_with(&real_project), "{context} -> {}", led.display());
    }
    // A spec that is a link is read where the link is: its paths lead
    // from the link's folder, whose files were read.
    let shared = tmp.path().join("shared");
    fs::create_dir_all(&shared).unwrap();
    fs::rename(&spec, shared.join("stack.spec")).unwrap();
    std::os::unix::fs::symlink(shared.join("stack.spec"), &spec).unwrap();
    let out = project.join("out");
    let output = support::build(&spec, &out);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let compose = fs::read_to_string(out.join("compose.yaml")).unwrap();
    assert!(compose.contains("context: ../app"), "{compose}");
}

#[test]
fn build_for_kubernetes_writes_a_kustomize_base_the_same_every_time() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let build = || {
        support::stackc()
            .args(["build", "--color", "never", "--target", "kubernetes"])
            .arg(seed())
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap()
    };
    let output = build();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let first = snapshot_tree(&out);
    let files: Vec<String> = first.keys().map(|p| p.display().to_string()).collect();
    for expected in [
        "base/kustomization.yaml",
        "base/web-deployment.yaml",
        "base/db-statefulset.yaml",
        "web/Dockerfile",
    ] {
        assert!(files.iter().any(|f| f == expected), "{expected} in {files:?}");
    }
    assert!(!files.iter().any(|f| f == "compose.yaml"), "{files:?}");
    assert!(build().status.success());
    assert_eq!(first, snapshot_tree(&out));
    // The cluster's rules stop a build for the cluster only.
    let unnamed = spec_copy(tmp.path(), |s| {
        s.replace("    image registry.example.com/radix-fitness/web:1.0.0", "")
    });
    let refused = support::stackc()
        .args(["build", "--color", "never", "--target", "kubernetes"])
        .arg(&unnamed)
        .arg("-o")
        .arg(tmp.path().join("k8s"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("unnamed-image"),
        "{}",
        text(&refused.stderr)
    );
    assert!(support::build(&unnamed, &tmp.path().join("compose")).status.success());
}

/// An environment that cannot apply to the base (`set` on what the base
/// lacks) fails the build of the base too, for either target, as `check`
/// fails: the build passed in CI and `--env dev` failed later.
#[test]
fn an_environment_that_cannot_apply_fails_every_build() {
    let tmp = tempfile::tempdir().unwrap();
    let broken = spec_copy(tmp.path(), |s| {
        s.replace(
            "        add command \"python manage.py runserver 0.0.0.0:8000\"",
            "        set command \"python manage.py runserver 0.0.0.0:8000\"\n        add command \"python manage.py runserver 0.0.0.0:8000\"",
        )
    });
    let check = support::stackc().arg("check").arg(&broken).output().unwrap();
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    for target in ["compose", "kubernetes"] {
        let out = tmp.path().join(target);
        let built = support::stackc()
            .args(["build", "--color", "never", "--target", target])
            .arg(&broken)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        let stderr = text(&built.stderr);
        assert_eq!(built.status.code(), Some(1), "{target}: {stderr}");
        assert!(
            stderr.contains("in environment `dev`: `web` has no `command` to set"),
            "{target}: {stderr}"
        );
        assert!(!out.exists(), "{target}");
    }
}

#[test]
fn build_output_is_byte_identical_across_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(support::build(&seed(), &out).status.success());
    let first = snapshot_tree(&out);
    assert!(support::build(&seed(), &out).status.success());
    assert_eq!(first, snapshot_tree(&out));
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(support::build(&seed(), &out).status.success());
    let before = snapshot_tree(&out);

    for broken in [
        spec_copy(tmp.path(), |s| {
            s.replacen("    image postgres", "    imgae postgres", 1)
        }),
        spec_copy(tmp.path(), |s| s.replace("mount static at", "mount statik at")),
    ] {
        let output = support::build(&broken, &out);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("nothing written; "), "{stderr}");
        assert_eq!(before, snapshot_tree(&out));
        assert_eq!(entries(tmp.path()), ["app", "out", "secrets", "stack.spec"]);
    }
    // A folder that was not there is not said to be unchanged.
    let broken = spec_copy(tmp.path(), |s| s.replace("mount static at", "mount statik at"));
    let stderr = text(&support::build(&broken, &tmp.path().join("new")).stderr);
    assert!(
        stderr.contains(&format!(
            "nothing written: {} was not made",
            tmp.path().join("new").display()
        )),
        "{stderr}"
    );
}

#[test]
fn build_refuses_to_replace_files_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(support::build(&seed(), &out).status.success());

    fs::write(out.join("notes.txt"), "mine").unwrap();
    let before = snapshot_tree(&out);
    let output = support::build(&seed(), &out);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("did not write: notes.txt"), "{stderr}");
    assert_eq!(before, snapshot_tree(&out));
    fs::remove_file(out.join("notes.txt")).unwrap();

    fs::write(out.join("compose.yaml"), "# my edit\n").unwrap();
    let before = snapshot_tree(&out);
    let output = support::build(&seed(), &out);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("changed since stackc wrote them: compose.yaml"),
        "{stderr}"
    );
    assert_eq!(before, snapshot_tree(&out));
    assert_eq!(entries(tmp.path()), ["out"]);
}

#[test]
fn build_refuses_a_folder_it_does_not_own() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("project");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("main.py"), "print('hi')\n").unwrap();
    let output = support::build(&seed(), &out);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("main.py"));
    assert_eq!(fs::read_to_string(out.join("main.py")).unwrap(), "print('hi')\n");
}

#[test]
fn build_into_an_empty_folder_works() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    assert!(support::build(&seed(), &out).status.success());
    assert!(out.join("compose.yaml").exists());
}

#[test]
fn lint_reports_the_seed_mistakes_and_exits_1() {
    let spec = support::repo().join("tests/fixtures/seed-mistakes.spec");
    let output = stackc().args(["lint", "--color", "never"]).arg(&spec).output().unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("default-credentials"), "{stderr}");
    assert!(stderr.contains("missing-readiness-wait"), "{stderr}");
    let summary = stderr.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("stackc: ") && summary.contains(" error"),
        "{stderr}"
    );
    // The build refuses the same spec, and says why.
    let tmp = tempfile::tempdir().unwrap();
    let build = support::build(&spec, &tmp.path().join("out"));
    assert_eq!(build.status.code(), Some(1));
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn lint_is_quiet_and_exits_0_on_a_clean_spec() {
    let output = stackc().arg("lint").arg(seed()).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stderr.is_empty() && output.stdout.is_empty());
}

/// A rule that is allowed keeps the secrets it marks hidden: another
/// finding's snippet of the same lines (`runs-as-root` on the block)
/// printed the key in clear (red team 17).
#[test]
fn an_allowed_secret_rule_keeps_its_secrets_masked() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("stack.spec");
    std::fs::write(
        &spec,
        "stack m1\nservice app {\n    env { DJANGO_SECRET_KEY = \"dj4ng0-s3cr3t-KEY-zz9q8w7e6r5t4y3u2i1o\" }\n    image python:3.12\n    command [\"python\", \"-m\", \"http.server\"]\n    ready off\n}\n",
    )
    .unwrap();
    let output = stackc()
        .args(["lint", "--allow", "secret-in-env"])
        .arg(&spec)
        .output()
        .unwrap();
    let shown = text(&output.stderr);
    assert!(shown.contains("runs-as-root"), "{shown}");
    assert!(!shown.contains("dj4ng0"), "{shown}");
}

/// A token on a line of requirements.txt that no rule reads (pip stops
/// at a later line first) is masked in the snippet's context lines all
/// the same (red team 17).
#[test]
fn a_token_in_a_context_line_is_masked() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("app")).unwrap();
    std::fs::write(
        tmp.path().join("app/requirements.txt"),
        "git+https://ghp_R8x2kLmN4pQ7sT1vW3yZ5aB6cD9eF0gH2jK4@github.com/acme/lib.git#egg=lib\ndjango>=5.0,\n",
    )
    .unwrap();
    let spec = tmp.path().join("stack.spec");
    std::fs::write(
        &spec,
        "stack s3\nservice web {\n    image registry.example.com/s3/web:1.0\n    build ./app\n    gunicorn backend.wsgi:application bind 8000 workers 2\n    ready tcp 8000\n}\n",
    )
    .unwrap();
    let output = stackc().arg("lint").arg(&spec).output().unwrap();
    let shown = text(&output.stderr);
    assert!(shown.contains("requirements.txt:2"), "{shown}");
    assert!(!shown.contains("ghp_"), "{shown}");
}

#[test]
fn json_output_has_lines_columns_and_labels() {
    let spec = support::repo().join("tests/fixtures/seed-mistakes.spec");
    let output = stackc().args(["lint", "--format", "json"]).arg(&spec).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let findings = json.as_array().unwrap();
    assert!(findings.len() >= 3, "{findings:#?}");
    let credentials = findings.iter().find(|f| f["code"] == "default-credentials").unwrap();
    assert_eq!(credentials["severity"], "error");
    assert_eq!(credentials["line"], 10);
    assert_eq!(credentials["column"], 29);
    assert_eq!(credentials["end"]["column"], 36);
    assert!(credentials["file"].as_str().unwrap().ends_with("seed-mistakes.spec"));
    assert_eq!(credentials["labels"].as_array().unwrap().len(), 2);
    assert!(credentials["help"].as_str().unwrap().contains("secret"));
}

#[test]
fn colour_only_when_asked() {
    let spec = support::repo().join("tests/fixtures/seed-mistakes.spec");
    let plain = stackc().arg("lint").arg(&spec).output().unwrap();
    assert!(!text(&plain.stderr).contains('\u{1b}'), "not a terminal: no colour");
    let forced = stackc()
        .args(["lint", "--color", "always"])
        .arg(&spec)
        .output()
        .unwrap();
    assert!(text(&forced.stderr).contains('\u{1b}'));
}

#[test]
fn explain_lists_and_explains_rules() {
    let list = stackc().arg("explain").output().unwrap();
    assert!(list.status.success());
    let list = text(&list.stdout);
    assert!(
        list.contains("default-credentials") && list.contains("missing-readiness-wait"),
        "{list}"
    );
    let severity_columns: std::collections::BTreeSet<usize> = (list.lines())
        .map(|line| {
            line.find(" warning ")
                .or(line.find(" error "))
                .or(line.find(" info "))
                .unwrap()
        })
        .collect();
    assert_eq!(severity_columns.len(), 1, "one column for every severity: {list}");

    let one = stackc().args(["explain", "default-credentials"]).output().unwrap();
    let doc = text(&one.stdout);
    assert!(one.status.success());
    assert!(doc.starts_with("# default-credentials (error)"), "{doc}");
    assert!(
        doc.contains("## Why is this bad?") && doc.contains("## Use instead"),
        "{doc}"
    );

    let typo = stackc().args(["explain", "default-credential"]).output().unwrap();
    assert_eq!(typo.status.code(), Some(2));
    assert!(text(&typo.stderr).contains("did you mean `default-credentials`?"));

    // Codes that are not rules are explained too (lint::codes checks that
    // every code a diagnostic can carry has its entry).
    let spec_error = stackc().args(["explain", "unknown-volume"]).output().unwrap();
    assert!(spec_error.status.success(), "{}", text(&spec_error.stderr));
    let doc = text(&spec_error.stdout);
    assert!(
        doc.starts_with("# unknown-volume (error, not a lint rule)\n\n"),
        "{doc}"
    );
    assert!(doc.contains("cannot be allowed"), "{doc}");
}

#[test]
fn completions_and_the_man_page_come_from_the_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = stackc().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}: {}", text(&output.stderr));
        let script = text(&output.stdout);
        for word in ["lint", "explain", "stdin-filename", "exit-zero", "completions"] {
            assert!(script.contains(word), "{shell} completes `{word}`:\n{script}");
        }
    }
    let man = stackc().arg("man").output().unwrap();
    assert!(man.status.success());
    let page = text(&man.stdout);
    assert!(page.contains(".TH stackc 1"), "{page}");
    for command in ["build", "check", "lint", "fmt", "lsp", "explain", "completions", "man"] {
        assert!(
            page.contains(&format!("stackc\\-{command}(1)")),
            "`{command}` in:\n{page}"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    let output = stackc().arg("man").arg("--out-dir").arg(&dir).output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let pages = entries(&dir);
    assert!(
        pages.contains(&"stackc.1".to_string()) && pages.contains(&"stackc-lint.1".to_string()),
        "{pages:?}"
    );
    let lint = fs::read_to_string(dir.join("stackc-lint.1")).unwrap();
    assert!(lint.contains("exit\\-zero") && lint.contains("gitignore"), "{lint}");
}

/// `stackc ARGS` with `input` on stdin.
fn with_stdin(cwd: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = stackc()
        .current_dir(cwd)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_spec_on_stdin_is_named_and_placed_by_stdin_filename() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = spec_copy(tmp.path(), |s| s);
    let text_of_spec = fs::read_to_string(&spec).unwrap();
    let from_file = stackc()
        .args(["lint", "--format", "short"])
        .arg(&spec)
        .output()
        .unwrap();
    // Placed: the build folder, the app's files and stackc.toml are found
    // beside the path it stands for, and messages name it.
    let shown = spec.display().to_string();
    let from_stdin = with_stdin(
        tmp.path(),
        &["lint", "--format", "short", "-", "--stdin-filename", &shown],
        &text_of_spec,
    );
    assert_eq!(
        from_stdin.status.code(),
        from_file.status.code(),
        "{}",
        text(&from_stdin.stderr)
    );
    assert_eq!(text(&from_stdin.stdout), text(&from_file.stdout));

    // Without it, `<stdin>` in the current folder, where the app is not.
    let elsewhere = tempfile::tempdir().unwrap();
    let unplaced = with_stdin(elsewhere.path(), &["check", "--format", "short", "-"], &text_of_spec);
    assert_eq!(unplaced.status.code(), Some(1));
    let stdout = text(&unplaced.stdout);
    assert!(
        stdout.starts_with("<stdin>:") && stdout.contains("[missing-file]"),
        "{stdout}"
    );

    // `fmt -` writes the formatted spec to stdout, for an editor's buffer,
    // and nothing else even without `-q`: vim's `:%!stackc fmt -` reads
    // stderr into the buffer too.
    let formatted = with_stdin(elsewhere.path(), &["fmt", "-"], "stack a\nvolume    v\n");
    assert_eq!(formatted.status.code(), Some(0), "{}", text(&formatted.stderr));
    assert_eq!(text(&formatted.stdout), "stack a\nvolume v\n");
    assert!(formatted.stderr.is_empty(), "{}", text(&formatted.stderr));
    let checked = with_stdin(elsewhere.path(), &["fmt", "--check", "-"], "stack a\nvolume    v\n");
    assert_eq!(checked.status.code(), Some(1));
    assert!(text(&checked.stdout).contains("+volume v"), "{}", text(&checked.stdout));

    let clean = with_stdin(elsewhere.path(), &["lint", "-"], "stack a\nvolume v\n");
    assert_eq!(clean.status.code(), Some(1), "{}", text(&clean.stderr));
    assert!(text(&clean.stderr).contains("<stdin>:2:8]"), "{}", text(&clean.stderr));
}

#[test]
fn quiet_verbose_and_exit_zero() {
    let spec = support::repo().join("tests/fixtures/seed-mistakes.spec");
    let run = |args: &[&str]| stackc().args(args).arg(&spec).output().unwrap();

    let normal = run(&["lint", "--format", "short"]);
    assert_eq!(normal.status.code(), Some(1));
    assert!(
        text(&normal.stderr).starts_with("stackc: 2 errors"),
        "{}",
        text(&normal.stderr)
    );
    let quiet = run(&["lint", "--format", "short", "-q"]);
    assert_eq!(quiet.status.code(), Some(1));
    assert_eq!(quiet.stdout, normal.stdout, "-q keeps the diagnostics");
    assert!(quiet.stderr.is_empty(), "{}", text(&quiet.stderr));
    let verbose = run(&["-v", "lint", "--format", "short"]);
    let stderr = text(&verbose.stderr);
    assert!(
        stderr.starts_with(&format!("stackc: linting {}\n", spec.display())),
        "{stderr}"
    );
    assert!(
        run(&["lint", "-q", "-v"]).status.code() == Some(2),
        "-q and -v conflict"
    );
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join(".git")).unwrap();
    fs::write(tmp.path().join("stackc.toml"), "[lint]\nfail-on = \"error\"\n").unwrap();
    fs::copy(&spec, tmp.path().join("stack.spec")).unwrap();
    let verbose = stackc().current_dir(tmp.path()).args(["lint", "-v"]).output().unwrap();
    let stderr = text(&verbose.stderr);
    assert!(
        stderr.starts_with("stackc: linting stack.spec with stackc.toml\n"),
        "{stderr}"
    );

    let exit_zero = run(&["lint", "--format", "short", "--exit-zero"]);
    assert_eq!(exit_zero.status.code(), Some(0));
    assert_eq!(exit_zero.stdout, normal.stdout);
    let missing = stackc().args(["lint", "--exit-zero", "missing.spec"]).output().unwrap();
    assert_eq!(
        missing.status.code(),
        Some(2),
        "a spec that cannot be read is still bad input"
    );
}

#[test]
fn colour_follows_clicolor_force_no_color_and_term() {
    let spec = support::repo().join("tests/fixtures/seed-mistakes.spec");
    let coloured = |envs: &[(&str, &str)]| {
        let output = stackc()
            .arg("lint")
            .arg(&spec)
            .env_remove("NO_COLOR")
            .envs(envs.iter().copied())
            .output()
            .unwrap();
        text(&output.stderr).contains('\u{1b}')
    };
    assert!(coloured(&[("CLICOLOR_FORCE", "1")]), "forced through a pipe");
    assert!(!coloured(&[("CLICOLOR_FORCE", "0")]));
    assert!(
        !coloured(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]),
        "NO_COLOR wins"
    );

    // On a terminal (script(1) gives it one): coloured, unless TERM=dumb.
    let on_a_terminal = |term: &str| {
        let command = format!("{} lint {}", support::stackc_path().display(), spec.display());
        let output = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("TERM", term)
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let shown = text(&output.stdout);
        assert!(shown.contains("default-credentials"), "{shown}");
        shown.contains('\u{1b}')
    };
    assert!(on_a_terminal("xterm-256color"));
    assert!(!on_a_terminal("dumb"));
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_findings_exit_code() {
    // Far more findings than a pipe holds, so stackc is still writing
    // when `head` has gone.
    let tmp = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..5000).map(|i| format!("missing{i}")).collect();
    let spec = tmp.path().join("many.spec");
    fs::write(
        &spec,
        format!(
            "stack a\nservice a {{\n    image redis:7.4\n    after {}\n}}\n",
            names.join(", ")
        ),
    )
    .unwrap();
    for redirect in ["--format short", "--format json", "2>&1"] {
        let output = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "\"$0\" lint --color never {redirect} \"$1\" | head -1 >/dev/null; echo \"exit ${{PIPESTATUS[0]}}\""
            ))
            .arg(support::stackc_path())
            .arg(&spec)
            .output()
            .unwrap();
        let stdout = text(&output.stdout);
        let stderr = text(&output.stderr);
        assert_eq!(stdout, "exit 1\n", "{redirect}: {stderr}");
        assert!(
            !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
            "{redirect}: {stderr}"
        );
    }
}

#[test]
fn a_bom_crlf_line_ends_and_tabs_are_fine() {
    let tmp = tempfile::tempdir().unwrap();
    support::provide_seed_files(tmp.path());
    let spec = tmp.path().join("windows.spec");
    let windows = fs::read_to_string(seed())
        .unwrap()
        .replace("    ", "\t")
        .replace('\n', "\r\n");
    fs::write(&spec, format!("\u{FEFF}{windows}")).unwrap();
    let output = stackc().arg("check").arg(&spec).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let out = tmp.path().join("out");
    assert!(support::build(&spec, &out).status.success());
    let compose = fs::read_to_string(out.join("compose.yaml")).unwrap();
    assert!(!compose.contains('\r'), "no CR reaches the output");
}

#[test]
fn build_creates_missing_parent_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("deploy/prod/out");
    let output = support::build(&seed(), &out);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(out.join("compose.yaml").exists());
}

#[test]
fn lint_fix_rewrites_the_spec_and_reports_what_remains() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("stack.spec");
    let original = fs::read_to_string(support::repo().join("tests/lint/missing-readiness-wait/trigger.spec")).unwrap();
    fs::write(&spec, &original).unwrap();

    let output = stackc()
        .args(["lint", "--fix", "--color", "never"])
        .arg(&spec)
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    // `db` has no readiness check, so one finding remains.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(":19: wait until `migrate` is done [missing-readiness-wait]"),
        "{stderr}"
    );
    assert!(
        stderr.contains(":29: wait until `web` is ready [missing-readiness-wait]"),
        "{stderr}"
    );
    assert!(stderr.contains("`migrate` starts when `db` starts"), "{stderr}");
    let fixed = fs::read_to_string(&spec).unwrap();
    assert!(
        fixed.contains("after migrate done\n") && fixed.contains("after web ready\n"),
        "{fixed}"
    );
    assert!(fixed.starts_with("# The app starts when"), "comments are kept");

    // A second run has nothing left to fix and leaves the file alone, and
    // says so rather than look as if `--fix` did not run.
    let again = stackc().args(["lint", "--fix"]).arg(&spec).output().unwrap();
    let stderr = text(&again.stderr);
    assert!(!stderr.contains("fixed"), "{stderr}");
    assert!(
        stderr.contains("stack.spec has a mechanical fix; each one's help says what to change"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&spec).unwrap(), fixed);
}

/// `stackc lint ARGS` in `dir`, with short output.
fn lint_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = stackc()
        .current_dir(dir)
        .args(["lint", "--format", "short"])
        .args(args)
        .output()
        .unwrap();
    (output.status.code(), text(&output.stdout), text(&output.stderr))
}

#[test]
fn lint_takes_many_files_and_folders() {
    let repo = support::repo();
    let (code, stdout, stderr) = lint_in(
        &repo,
        &["specs", "tests/lint/default-credentials/trigger.spec", "missing.spec"],
    );
    assert_eq!(code, Some(2), "an unreadable spec is bad input: {stderr}");
    let (unreadable, stdout) = stdout.split_once('\n').unwrap();
    assert_eq!(
        unreadable,
        "missing.spec:1:1: error: cannot read missing.spec: no such file [unreadable-file]"
    );
    assert!(
        stdout.starts_with("tests/lint/default-credentials/trigger.spec:")
            && stdout.contains("tests/lint/default-credentials/trigger.spec:11:29: error: ")
            && stdout.contains(" [default-credentials]\n"),
        "the other specs are still linted: {stdout}"
    );
    let specs = support::example_specs().len();
    let errors = 1 + stdout.lines().filter(|l| l.contains(": error: ")).count();
    let warnings = 1 + stdout.lines().count() - errors;
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let summary = format!(
        "stackc: {errors} error{}, {warnings} warning{} in {} specs\n",
        plural(errors),
        plural(warnings),
        specs + 2
    );
    assert!(errors >= 3 && stderr.ends_with(&summary), "{stderr}");

    let (code, _, stderr) = lint_in(&repo, &["specs"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, format!("stackc: no findings in {specs} specs\n"));
}

#[test]
fn lint_without_arguments_finds_the_specs() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, stderr) = lint_in(tmp.path(), &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("no stack.spec here, and no *.spec file below this folder"),
        "{stderr}"
    );

    let trigger =
        |rule: &str| fs::read_to_string(support::repo().join(format!("tests/lint/{rule}/trigger.spec"))).unwrap();
    fs::create_dir_all(tmp.path().join("deploy/prod")).unwrap();
    fs::create_dir_all(tmp.path().join(".git")).unwrap();
    fs::write(tmp.path().join("deploy/prod/a.spec"), trigger("default-credentials")).unwrap();
    fs::write(tmp.path().join("deploy/b.spec"), trigger("missing-readiness-wait")).unwrap();
    fs::write(tmp.path().join(".git/hidden.spec"), "not a spec").unwrap();
    fs::write(tmp.path().join("notes.txt"), "not a spec").unwrap();
    // What git ignores is not searched: a virtualenv's PyInstaller specs.
    fs::create_dir_all(tmp.path().join("venv/lib")).unwrap();
    fs::write(tmp.path().join("venv/lib/tool.spec"), "a = Analysis(['tool.py'])").unwrap();
    fs::write(tmp.path().join(".gitignore"), "venv/\n").unwrap();
    for given in [&[][..], &["."]] {
        let (code, stdout, stderr) = lint_in(tmp.path(), given);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(!stdout.contains("venv"), "{stdout}");
    }
    let (code, stdout, stderr) = lint_in(tmp.path(), &[]);
    assert_eq!(code, Some(1), "{stderr}");
    let files: Vec<&str> = stdout.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert!(
        files.contains(&"deploy/b.spec") && files.contains(&"deploy/prod/a.spec"),
        "{stdout}"
    );
    assert!(files.windows(2).all(|w| w[0] <= w[1]), "sorted: {stdout}");
    assert!(!stdout.contains("hidden"), "{stdout}");

    // `stack.spec` in the current folder wins.
    fs::copy(seed(), tmp.path().join("stack.spec")).unwrap();
    support::provide_seed_files(tmp.path());
    let (code, stdout, stderr) = lint_in(tmp.path(), &[]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (Some(0), "", ""));
}

/// `build` and `check` read `stack.spec` here when given no spec, as
/// `lint` does and `import` writes it; without one they say what to do.
#[test]
fn build_and_check_default_to_stack_spec_here() {
    let tmp = tempfile::tempdir().unwrap();
    for command in ["build", "check"] {
        let out = stackc().current_dir(tmp.path()).arg(command).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{command}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("cannot read stack.spec: no such file") && stderr.contains("`stackc import` writes one"),
            "{command}: {stderr}"
        );
    }
    spec_copy(tmp.path(), |s| s);
    let checked = stackc().current_dir(tmp.path()).arg("check").output().unwrap();
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
    let built = stackc().current_dir(tmp.path()).arg("build").output().unwrap();
    assert_eq!(built.status.code(), Some(0), "{}", text(&built.stderr));
    assert!(tmp.path().join("out/compose.yaml").is_file());
}

/// A cluster build writes every environment's overlay, so it says what
/// the overlays leave out, as the docs promise: the seed's `dev` mounts
/// the app's source, which a cluster runs from the image instead.
#[test]
fn a_cluster_build_reports_its_overlays_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = spec_copy(tmp.path(), |s| s);
    let built = stackc()
        .args(["build", "--target", "kubernetes", "--format", "short", "-o"])
        .arg(tmp.path().join("k8s"))
        .arg(&spec)
        .output()
        .unwrap();
    assert_eq!(built.status.code(), Some(0), "{}", text(&built.stderr));
    let stdout = text(&built.stdout);
    assert!(
        stdout.contains(
            "info: in environment `dev`: on a cluster, `web` runs its image's copy of `./app` [host-mount-on-cluster]"
        ),
        "{stdout}"
    );
    assert!(tmp.path().join("k8s/overlays/dev/kustomization.yaml").is_file());
}

#[test]
fn fail_on_sets_the_threshold() {
    let repo = support::repo();
    let warnings = "tests/lint/unpinned-image/trigger.spec";
    for (threshold, expected) in [("info", 1), ("warning", 1), ("error", 0)] {
        let (code, stdout, _) = lint_in(&repo, &["--fail-on", threshold, warnings]);
        assert_eq!(code, Some(expected), "--fail-on {threshold}");
        assert_eq!(
            stdout.lines().count(),
            5,
            "findings below the threshold are still reported"
        );
    }
}

/// A note alone never fails `lint` unless `--fail-on info` asks: a
/// pre-commit hook must not block a commit over advice.
#[test]
fn a_note_alone_does_not_fail_by_default() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("app")).unwrap();
    fs::write(tmp.path().join("app/requirements.txt"), "gunicorn==23.0.0\n").unwrap();
    fs::copy(
        support::repo().join("tests/lint/workers-unsized/trigger.spec"),
        tmp.path().join("stack.spec"),
    )
    .unwrap();
    let (code, stdout, _) = lint_in(tmp.path(), &[]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains(": info: ") && stdout.contains("[workers-unsized]"),
        "{stdout}"
    );
    let (code, _, _) = lint_in(tmp.path(), &["--fail-on", "info"]);
    assert_eq!(code, Some(1));
}

/// Runs `command`, failing (and ending it) if it has not ended after a
/// generous while: a regression that reads a FIFO would otherwise hang the
/// test instead of failing it. Not a measure of speed.
fn run_guarded(command: &mut Command) -> Output {
    const GUARD: Duration = Duration::from_secs(120);
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stackc starts");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(GUARD) {
        Ok(output) => output.expect("stackc runs"),
        Err(_) => {
            // Only the process this test started.
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("{command:?} did not end within {GUARD:?}");
        }
    }
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A FIFO or a device named as the spec, or as `stackc.toml`, is refused
/// from its metadata: reading one would wait for a writer forever, or
/// (`/dev/zero`) fill memory.
#[test]
fn a_fifo_or_a_device_as_a_spec_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe.spec");
    mkfifo(&fifo);
    for path in [fifo.as_path(), Path::new("/dev/zero")] {
        for command in ["check", "lint", "build", "fmt"] {
            let output = run_guarded(stackc().current_dir(tmp.path()).arg(command).arg(path));
            let stderr = text(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{command} {}: {stderr}", path.display());
            assert!(
                stderr.contains(&format!(
                    "cannot read {}: not a regular file (a FIFO, socket or device)",
                    path.display()
                )),
                "{command}: {stderr}"
            );
        }
    }
    assert!(!tmp.path().join("out").exists());

    let project = tmp.path().join("project");
    fs::create_dir(&project).unwrap();
    fs::copy(seed(), project.join("stack.spec")).unwrap();
    mkfifo(&project.join("stackc.toml"));
    let output = run_guarded(stackc().current_dir(&project).args(["lint", "stack.spec"]));
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("stackc.toml: not a regular file"), "{stderr}");
}

/// Nothing in the output folder is opened unless it is a regular file the
/// manifest lists: a FIFO there, even under a name stackc wrote, is named
/// and refused.
#[test]
fn a_fifo_in_the_output_folder_is_refused_without_opening_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(support::build(&seed(), &out).status.success());
    let build = || {
        run_guarded(
            stackc()
                .args(["build", "--color", "never"])
                .arg(seed())
                .arg("-o")
                .arg(&out),
        )
    };

    for (fifo, expected) in [
        ("compose.yaml", "did not write: compose.yaml (a FIFO)"),
        ("pipe", "did not write: pipe (a FIFO)"),
        (
            ".stackc-manifest",
            "the manifest is not one stackc wrote: not a regular file",
        ),
    ] {
        let path = out.join(fifo);
        let _ = fs::remove_file(&path);
        mkfifo(&path);
        let output = build();
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{fifo}: {stderr}");
        fs::remove_file(&path).unwrap();
        if fifo == ".stackc-manifest" {
            break;
        }
        // A file stackc listed may be gone; the next build writes it again.
        let output = build();
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
}

/// `-o /` is refused for what it is, and a large folder of someone else's
/// after its first few entries, not after walking all of it.
#[test]
fn the_root_or_a_large_foreign_folder_is_refused_at_its_first_entries() {
    let output = run_guarded(stackc().arg("build").arg(seed()).args(["-o", "/"]));
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/ cannot be an output folder"), "{stderr}");

    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big");
    for folder in 0..20 {
        let folder = big.join(format!("d{folder:02}"));
        fs::create_dir_all(&folder).unwrap();
        for file in 0..500 {
            fs::write(folder.join(format!("f{file:03}")), "x").unwrap();
        }
    }
    fs::write(big.join("a.txt"), "x").unwrap();
    let output = run_guarded(stackc().arg("build").arg(seed()).arg("-o").arg(&big));
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    // Five entries named, and no count of the others: the check stopped.
    assert!(
        stderr.contains("did not write: a.txt, d00/, d01/, d02/, d03/ and more\n"),
        "{stderr}"
    );
}

/// Builds racing into one folder: each either writes the complete output
/// or is refused with a clear message, never a raw OS error; nothing is
/// left beside the folder.
#[test]
fn concurrent_builds_give_one_complete_result_and_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(support::build(&seed(), &out).status.success());
    let expected = snapshot_tree(&out);
    fs::remove_dir_all(&out).unwrap();
    for _ in 0..3 {
        let builds: Vec<_> = (0..8)
            .map(|_| {
                stackc()
                    .args(["build", "--color", "never"])
                    .arg(seed())
                    .arg("-o")
                    .arg(&out)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut written = 0;
        for build in builds {
            let output = build.wait_with_output().unwrap();
            let stderr = text(&output.stderr);
            match output.status.code() {
                Some(0) => written += 1,
                Some(2) => assert!(
                    stderr.contains("another stackc build is writing") && !stderr.contains("os error"),
                    "{stderr}"
                ),
                code => panic!("exit {code:?}: {stderr}"),
            }
        }
        assert!(written >= 1);
        assert_eq!(snapshot_tree(&out), expected);
        assert_eq!(entries(tmp.path()), ["out"]);
    }
}

/// A build killed half way leaves its staging folder beside the output;
/// the next build of that output removes it.
#[test]
fn the_next_build_removes_what_a_killed_build_left() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(support::build(&seed(), &out).status.success());
    // What a build killed while writing its Dockerfile leaves: its
    // manifest, and the files written so far, the last one cut short.
    let left = tmp.path().join(".out.stackc-4242-17");
    fs::create_dir_all(left.join("web")).unwrap();
    fs::copy(out.join(".stackc-manifest"), left.join(".stackc-manifest")).unwrap();
    fs::copy(out.join("compose.yaml"), left.join("compose.yaml")).unwrap();
    fs::write(left.join("web/Dockerfile"), "FROM pyth").unwrap();
    let output = support::build(&seed(), &out);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(output.stderr.is_empty() || !text(&output.stderr).contains("warning"));
    assert_eq!(entries(tmp.path()), ["out"]);
}

/// The default-credentials trigger spec, beside `stackc.toml` files.
fn credentials_spec(dir: &Path) -> PathBuf {
    fs::create_dir_all(dir).unwrap();
    let spec = dir.join("stack.spec");
    fs::copy(
        support::repo().join("tests/lint/default-credentials/trigger.spec"),
        &spec,
    )
    .unwrap();
    spec
}

const CREDENTIALS_OFF: &str = "[rules]\ndefault-credentials = \"off\"\n";

fn finds_default_credentials(cwd: &Path, spec: &Path) -> bool {
    let output = stackc()
        .current_dir(cwd)
        .args(["lint", "--format", "short"])
        .arg(spec)
        .output()
        .unwrap();
    text(&output.stdout).contains("default-credentials")
}

/// `stackc.toml` is looked for up to the repository's root (`.git`, a
/// folder or a file), and outside any repository only beside the spec:
/// one in a folder above (`/tmp`, a home folder) never applies unseen.
#[test]
fn stackc_toml_is_read_up_to_the_repository_root_only() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("stackc.toml"), CREDENTIALS_OFF).unwrap();

    let repo = tmp.path().join("repo");
    let spec = credentials_spec(&repo.join("deploy"));
    fs::write(repo.join(".git"), "gitdir: elsewhere\n").unwrap();
    assert!(finds_default_credentials(tmp.path(), &spec), "above the repository");
    fs::write(repo.join("stackc.toml"), CREDENTIALS_OFF).unwrap();
    assert!(
        !finds_default_credentials(tmp.path(), &spec),
        "at the repository's root"
    );

    let loose = tmp.path().join("loose");
    let spec = credentials_spec(&loose.join("deploy"));
    fs::write(loose.join("stackc.toml"), CREDENTIALS_OFF).unwrap();
    assert!(
        finds_default_credentials(tmp.path(), &spec),
        "no repository: above the spec"
    );
    fs::write(loose.join("deploy/stackc.toml"), CREDENTIALS_OFF).unwrap();
    assert!(
        !finds_default_credentials(tmp.path(), &spec),
        "no repository: beside the spec"
    );
}

/// A `stackc.toml` that turns an error-level rule off or down says so in
/// one line on stderr, in every format, and stdout stays parseable.
#[test]
fn a_stackc_toml_that_lowers_an_error_rule_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    credentials_spec(tmp.path());
    fs::write(
        tmp.path().join("stackc.toml"),
        "[rules]\ndefault-credentials = \"warning\"\npg-trust-auth = \"off\"\nmissing-readiness-wait = \"off\"\n",
    )
    .unwrap();
    let notice = "stackc: stackc.toml lowers error-level rules: default-credentials (warning), pg-trust-auth (off)\n";
    for format in ["human", "short", "github", "json", "sarif"] {
        let output = stackc()
            .current_dir(tmp.path())
            .args(["lint", "--format", format, "stack.spec"])
            .output()
            .unwrap();
        let stderr = text(&output.stderr);
        assert_eq!(
            stderr.matches("lowers error-level rules").count(),
            1,
            "{format}: {stderr}"
        );
        assert!(stderr.starts_with(notice), "{format}: {stderr}");
        if matches!(format, "json" | "sarif") {
            serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("stdout is JSON");
        }
    }
    // Set again on the command line, a rule is not lowered by the file.
    let output = stackc()
        .current_dir(tmp.path())
        .args([
            "lint",
            "--deny",
            "pg-trust-auth",
            "--deny",
            "default-credentials",
            "stack.spec",
        ])
        .output()
        .unwrap();
    assert!(!text(&output.stderr).contains("lowers"), "{}", text(&output.stderr));
    let output = stackc()
        .current_dir(tmp.path())
        .args(["build", "stack.spec", "-o", "out"])
        .output()
        .unwrap();
    assert!(text(&output.stderr).starts_with(notice), "{}", text(&output.stderr));
}

/// A spec whose comments allow an error-level rule says so in one line
/// on stderr, in every format, as a `stackc.toml` that lowers one does; a
/// warning-level rule allowed is not announced.
#[test]
fn a_spec_that_allows_an_error_rule_in_a_comment_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack s\nservice cache {\n    image redis:7.4\n    # stackc: allow(runs-as-root, missing-readiness-wait)\n    user root\n}\n";
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    let notice = "stackc: stack.spec allows error-level rules in comments: runs-as-root (line 4)\n";
    for command in [&["lint", "--format", "json"][..], &["lint"], &["build", "-o", "out"]] {
        let output = (stackc()
            .current_dir(tmp.path())
            .args(command)
            .arg("stack.spec")
            .output())
        .unwrap();
        let stderr = text(&output.stderr);
        assert_eq!(
            stderr.matches("allows error-level rules").count(),
            1,
            "{command:?}: {stderr}"
        );
        assert!(stderr.contains(notice), "{command:?}: {stderr}");
    }
}

/// A file name's control characters never reach the terminal raw in the
/// CLI's own messages (a status line, an error), as in its reports.
#[test]
fn a_file_name_with_an_escape_is_shown_escaped_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "a\u{1b}[31mb.spec";
    fs::copy(support::repo().join("specs/django.spec"), tmp.path().join(name)).unwrap();
    let linted = (stackc()
        .current_dir(tmp.path())
        .args(["lint", "-v", "--format", "short", name])
        .output())
    .unwrap();
    let missing = (stackc()
        .current_dir(tmp.path())
        .args(["lint", "missing\u{1b}]0;x\u{7}.spec"])
        .output())
    .unwrap();
    for output in [linted, missing] {
        let stderr = text(&output.stderr);
        assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{7}'), "{stderr}");
        assert!(stderr.contains("\\u{1b}"), "{stderr}");
    }
}

#[test]
fn env_picks_an_environment_and_an_unknown_one_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let dev = support::build_environment(&seed(), Some("dev"), &out);
    assert_eq!(dev.status.code(), Some(0), "{}", text(&dev.stderr));
    let compose = std::fs::read_to_string(out.join("compose.yaml")).unwrap();
    assert!(compose.contains("target: /app\n"), "the source bind-mounted: {compose}");
    let dockerfile = std::fs::read_to_string(out.join("web/Dockerfile")).unwrap();
    assert!(dockerfile.contains("runserver"), "{dockerfile}");

    let base = support::build(&seed(), &out);
    assert_eq!(base.status.code(), Some(0), "{}", text(&base.stderr));
    let dockerfile = std::fs::read_to_string(out.join("web/Dockerfile")).unwrap();
    assert!(dockerfile.contains("gunicorn"), "without --env, the base: {dockerfile}");

    let unknown = support::build_environment(&seed(), Some("staging"), &tmp.path().join("other"));
    assert_eq!(
        unknown.status.code(),
        Some(2),
        "a mistake on the command line is bad input"
    );
    assert!(text(&unknown.stderr).contains("the spec has no environment `staging`"));
    assert!(!tmp.path().join("other").exists());
    for command in [&["lint", "--exit-zero"][..], &["check"]] {
        let unknown = (support::stackc()
            .args(command)
            .args(["--env", "staging"])
            .arg(seed())
            .output())
        .unwrap();
        assert_eq!(unknown.status.code(), Some(2), "{command:?}: {}", text(&unknown.stderr));
    }

    let lint = support::stackc()
        .args(["lint", "--env", "prod", "--format", "short"])
        .arg(seed())
        .output()
        .unwrap();
    assert!(!text(&lint.stdout).contains("in environment"), "{}", text(&lint.stdout));
}

/// `--today` pins the day end-of-life dates are judged by: Python 3.9 was
/// supported in 2024 and is not in 2026; a day that does not exist is
/// refused before anything runs.
#[test]
fn today_pins_the_day_dates_are_judged_by() {
    let fixture = "tests/fixtures/seed-mistakes.spec";
    let eol_codes = |day: &str| -> usize {
        let output = stackc()
            .current_dir(support::repo())
            .args(["lint", "--format", "json", "--today", day, fixture])
            .output()
            .unwrap();
        let findings: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let findings = findings.as_array().unwrap();
        findings.iter().filter(|d| d["code"] == "eol-runtime").count()
    };
    assert_eq!(eol_codes("2024-01-01"), 0);
    assert!(eol_codes(support::TODAY) > 0);
    let refused = stackc()
        .current_dir(support::repo())
        .args(["lint", "--today", "2026-02-30", fixture])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("YYYY-MM-DD"),
        "{}",
        text(&refused.stderr)
    );
}
