//! `stackc fmt`: canonical, idempotent, and never a change of meaning, on
//! every spec in the repository that parses; a messy fixture snapshotted;
//! the CLI's `--check` and in-place modes.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use stackc::source::SourceFile;
use support::{stackc, text};

/// Every `*.spec` below `dir`, sorted.
fn specs_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(specs_below(&path));
        } else if path.extension().is_some_and(|e| e == "spec") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// The specs of specs/, tests/bad/, tests/lint/ and tests/fmt/.
fn repository_specs() -> Vec<PathBuf> {
    ["specs", "tests/bad", "tests/lint", "tests/fmt", "tests/fixtures"]
        .iter()
        .flat_map(|dir| specs_below(&support::repo().join(dir)))
        .collect()
}

fn source(path: &Path) -> SourceFile {
    SourceFile::new(path.display().to_string(), fs::read_to_string(path).unwrap())
}

#[test]
fn formatting_is_idempotent_and_keeps_meaning_and_comments() {
    let mut formatted_count = 0;
    for path in repository_specs() {
        let original = source(&path);
        let parses = stackc::syntax::parse(&original).0.is_some();
        let Ok(once) = stackc::fmt::format(&original) else {
            assert!(!parses, "{}: parses but was not formatted", original.name);
            continue;
        };
        formatted_count += 1;
        // `format` itself refuses a change of meaning; check it anyway,
        // from outside.
        assert!(stackc::syntax::same_tree(&once, &original.text), "{}", original.name);
        let comments = |t: &str| -> Vec<String> {
            t.lines()
                .filter_map(|l| l.find('#').map(|i| l[i..].trim_end().to_string()))
                .filter(|c| !c.contains('"'))
                .collect()
        };
        assert_eq!(comments(&once), comments(&original.text), "{}: comments", original.name);
        let twice = stackc::fmt::format(&SourceFile::new(original.name.clone(), once.clone())).unwrap();
        assert_eq!(twice, once, "{}: not idempotent", original.name);
        // Analysis of the formatted spec finds the same diagnostics.
        let codes = |s: &SourceFile| stackc::lint(s).diagnostics.iter().map(|d| d.code).collect::<Vec<_>>();
        assert_eq!(
            codes(&SourceFile::new(original.name.clone(), once)),
            codes(&original),
            "{}",
            original.name
        );
    }
    assert!(formatted_count > 40, "only {formatted_count} specs were formatted");
}

#[test]
fn the_example_specs_are_formatted() {
    for path in support::example_specs() {
        let original = source(&path);
        let formatted = stackc::fmt::format(&original).unwrap();
        assert_eq!(
            formatted,
            original.text,
            "{} is not formatted; run `stackc fmt specs/`:\n{}",
            original.name,
            stackc::fmt::diff(&original.name, &original.text, &formatted)
        );
    }
}

#[test]
fn a_messy_spec_is_laid_out() {
    let messy = support::repo().join("tests/fmt/messy.spec");
    let formatted = stackc::fmt::format(&source(&messy)).unwrap();
    support::insta_settings().bind(|| insta::assert_snapshot!("fmt__messy", formatted));
}

#[test]
fn bom_crlf_tabs_and_lone_cr_become_plain_lines() {
    let text = "\u{FEFF}stack shop\r\n\tvolume\tdata\r\rvolume x";
    let formatted = stackc::fmt::format(&SourceFile::new("t.spec", text)).unwrap();
    assert_eq!(formatted, "stack shop\nvolume data\n\nvolume x\n");
}

fn fmt_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = stackc().current_dir(dir).arg("fmt").args(args).output().unwrap();
    (output.status.code(), text(&output.stdout), text(&output.stderr))
}

#[test]
fn check_reports_a_diff_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("nested")).unwrap();
    fs::write(tmp.path().join("good.spec"), "stack good\n").unwrap();
    fs::write(tmp.path().join("nested/bad.spec"), "stack   bad\nvolume x\n").unwrap();
    fs::write(tmp.path().join("notes.txt"), "not a   spec").unwrap();

    let (code, stdout, stderr) = fmt_in(tmp.path(), &["--check", "."]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        stdout,
        "--- ./nested/bad.spec\n+++ ./nested/bad.spec (formatted)\n@@ -1,2 +1,2 @@\n-stack   bad\n+stack bad\n volume x\n"
    );
    assert!(stderr.contains("would reformat 1 of 2 files"), "{stderr}");
    assert_eq!(
        fs::read_to_string(tmp.path().join("nested/bad.spec")).unwrap(),
        "stack   bad\nvolume x\n"
    );

    let (code, stdout, stderr) = fmt_in(tmp.path(), &["--check", "good.spec"]);
    assert_eq!((code, stdout.as_str()), (Some(0), ""), "{stderr}");
}

#[test]
fn fmt_rewrites_in_place_and_then_check_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("a.spec");
    fs::write(&spec, "stack   a\r\n\r\n\r\nvolume x").unwrap();
    let (code, _, stderr) = fmt_in(tmp.path(), &["a.spec"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("formatted a.spec"), "{stderr}");
    assert_eq!(fs::read_to_string(&spec).unwrap(), "stack a\n\nvolume x\n");
    let (code, _, stderr) = fmt_in(tmp.path(), &["--check", "a.spec"]);
    assert_eq!(code, Some(0), "{stderr}");
    // Nothing but the spec is left in the folder (no temporary file).
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn a_spec_that_does_not_parse_is_left_alone_with_its_diagnostics() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("broken.spec");
    let text = "stack  x\nservice db {\n    imgae redis:7.4\n}\n";
    fs::write(&spec, text).unwrap();
    let (code, stdout, stderr) = fmt_in(tmp.path(), &["--color", "never", "broken.spec"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("did you mean `image`?"), "{stderr}");
    assert!(stderr.contains("broken.spec is left as it is"), "{stderr}");
    assert_eq!(fs::read_to_string(&spec).unwrap(), text);
}

#[test]
fn a_missing_file_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, stderr) = fmt_in(tmp.path(), &["missing.spec"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cannot read missing.spec"), "{stderr}");
}
