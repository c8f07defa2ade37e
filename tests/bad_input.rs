//! Hostile files rather than hostile values: empty, only comments, a BOM,
//! CRLF, tabs, 5 MB, 1,000-deep nesting, a NUL, bytes that are not UTF-8.
//! Each gets a clear diagnostic or a clean result from every entry point
//! (check, lint, build, fmt, both renderers), never a panic. Inputs are
//! bounded, so a hang would show as a test that never ends.

mod support;

use stackc::diagnostic::Diagnostic;
use stackc::emit::Layout;
use stackc::render::{self, FileReport, HumanRenderer};
use stackc::source::SourceFile;
use support::{stackc, text};

/// What every entry point makes of `text`: lint's diagnostics, whether
/// `build` emitted files, and `fmt`'s result.
struct Outcome {
    diagnostics: Vec<Diagnostic>,
    built: bool,
    formatted: Result<String, Vec<Diagnostic>>,
}

fn run_everything(text: &str) -> Outcome {
    let source = SourceFile::new("input.spec", text);
    let check = stackc::check(&source);
    let build = stackc::build(&source, &Layout::placeholder());
    for diagnostic in check.diagnostics.iter().chain(&build.diagnostics) {
        let span = diagnostic.primary_span().expect("every diagnostic points somewhere");
        assert!(span.end <= text.len(), "{diagnostic:?} points past the end");
    }
    let reports = [FileReport::new(&source, &build.diagnostics)];
    for format in [render::json, render::sarif, render::github, render::short] {
        format(&reports);
    }
    let rendered = HumanRenderer::new(false, render::DEFAULT_WIDTH).render(&source, &build.diagnostics);
    assert!(!rendered.contains("kw_"), "{rendered}");
    let formatted = stackc::fmt::format(&source);
    if let Ok(formatted) = &formatted {
        let again = stackc::fmt::format(&SourceFile::new("input.spec", formatted.clone()));
        assert_eq!(again.as_ref(), Ok(formatted), "fmt is not idempotent");
    }
    Outcome {
        diagnostics: stackc::lint(&source).diagnostics,
        built: build.artifacts.is_some(),
        formatted,
    }
}

fn codes(outcome: &Outcome) -> Vec<&'static str> {
    outcome.diagnostics.iter().map(|d| d.code).collect()
}

const SMALL_STACK: &str = "stack shop\nservice cache {\n    image redis:7.4\n    ready cmd \"redis-cli ping\"\n}\n";

#[test]
fn an_empty_file_declares_nothing() {
    for text in ["", "\n\n", "   \t  \n", "\u{FEFF}"] {
        let outcome = run_everything(text);
        assert_eq!(codes(&outcome), ["empty-spec"], "{text:?}");
        assert!(!outcome.built);
        assert_eq!(outcome.formatted.unwrap(), "");
    }
}

#[test]
fn a_file_of_comments_declares_nothing() {
    let outcome = run_everything("# one\n\n   # two\r\n# three");
    assert_eq!(codes(&outcome), ["empty-spec"]);
    assert_eq!(outcome.formatted.unwrap(), "# one\n\n# two\n# three\n");
}

#[test]
fn a_bom_crlf_and_tabs_read_like_plain_text() {
    let plain = run_everything(SMALL_STACK);
    assert!(plain.built, "{:?}", plain.diagnostics);
    let messy = format!("\u{FEFF}{}", SMALL_STACK.replace('\n', "\r\n").replace("    ", "\t"));
    let outcome = run_everything(&messy);
    assert!(outcome.built, "{:?}", outcome.diagnostics);
    assert_eq!(codes(&outcome), codes(&plain));
    assert_eq!(outcome.formatted.unwrap(), SMALL_STACK);
}

#[test]
fn a_5_mb_spec_is_read_to_the_end() {
    // Every kind of line: statements, blocks, comments, long strings; few
    // diagnostics, so the time goes to reading.
    let mut text = String::from("stack big\n");
    let mut i = 0;
    while text.len() < 5 * 1024 * 1024 {
        text.push_str(&format!(
            "\n# service number {i}, with a comment long enough to take some room\n\
             service s{i} {{\n    image redis:7.4\n    env {{\n        LONG = \"{}\"\n    }}\n}}\n",
            "x".repeat(20_000)
        ));
        i += 1;
    }
    // Each entry point once: a debug build reads 5 MB slowly.
    let source = SourceFile::new("big.spec", text.clone());
    let build = stackc::build(&source, &Layout::placeholder());
    assert!(build.artifacts.is_some(), "{:?}", build.diagnostics.first());
    assert_eq!(stackc::fmt::format(&source).unwrap(), text);

    // A mistake at the very end is still found, and pointed at.
    text.push_str("volumes last\n");
    let check = stackc::check(&SourceFile::new("big.spec", text.clone()));
    assert_eq!(check.diagnostics.len(), 1, "{:?}", check.diagnostics);
    let at = check.diagnostics[0].primary_span().unwrap().start;
    assert_eq!(at, text.len() - "volumes last\n".len());
}

/// Thousands of findings in a large spec: each snippet is read from the
/// lines around it (miette alone rescans the text from the start for each,
/// which took minutes for this).
#[test]
fn thousands_of_findings_render() {
    let mut text = String::from("stack many\n");
    for i in 0..5_000 {
        text.push_str(&format!(
            "# an unused volume, number {i}{}\nvolume v{i}\n",
            " .".repeat(40)
        ));
    }
    let outcome = run_everything(&text);
    assert!(outcome.diagnostics.len() >= 5_000, "{}", outcome.diagnostics.len());
    let source = SourceFile::new("many.spec", text);
    let rendered = HumanRenderer::new(false, render::DEFAULT_WIDTH).render(&source, &outcome.diagnostics);
    assert!(
        rendered.contains("many.spec:10001:8"),
        "{}",
        &rendered[rendered.len() - 600..]
    );
}

#[test]
fn deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
    let depth = 1000;
    let inputs = [
        "{\n".repeat(depth),
        format!("stack a\n{}{}", "service a {\n".repeat(depth), "}\n".repeat(depth)),
        format!("stack a\nservice a {{\n    command {}\n}}\n", "[".repeat(depth)),
        format!(
            "stack a\nproxy p {{\n{}{}}}\n",
            "location / {\n".repeat(depth),
            "}\n".repeat(depth)
        ),
        "}".repeat(depth),
    ];
    for text in inputs {
        let outcome = run_everything(&text);
        assert_eq!(
            codes(&outcome).first(),
            Some(&"syntax"),
            "{:?}",
            &text[..40.min(text.len())]
        );
        assert!(outcome.diagnostics.len() <= stackc::syntax::MAX_SYNTAX_ERRORS);
        assert!(!outcome.built);
        assert!(outcome.formatted.is_err());
    }
}

#[test]
fn a_nul_byte_is_pointed_at() {
    for text in ["stack a\0\n", "\0", "stack a\nservice b {\n    image \"re\0dis\"\n}\n"] {
        let outcome = run_everything(text);
        let nul = text.find('\0').unwrap();
        assert!(
            outcome
                .diagnostics
                .iter()
                .any(|d| d.is_error() && d.primary_span().unwrap().start <= nul),
            "{text:?}: {:?}",
            outcome.diagnostics
        );
        assert!(!outcome.built);
    }
}

#[test]
fn every_command_refuses_bytes_that_are_not_utf8() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("latin1.spec");
    std::fs::write(&spec, b"stack caf\xe9\n").unwrap();
    for command in ["check", "lint", "build", "fmt"] {
        let output = stackc().arg(command).arg(&spec).output().unwrap();
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("latin1.spec:1:10: the spec is not UTF-8 (byte 9)"),
            "{command}: {stderr}"
        );
    }
    assert_eq!(std::fs::read(&spec).unwrap(), b"stack caf\xe9\n");
}
