//! Every command's path through the library on arbitrary input: `check`,
//! `lint` (also with every rule denied, and the bytes read as a
//! `stackc.toml`), `build` (parse -> resolve -> lint -> emit), every
//! renderer (the human one at odd widths too), `fmt`, `lint --fix`, and
//! the Dockerfile reader and `stackc import`'s YAML and nginx readers on
//! the same bytes. A panic anywhere is a crash;
//! so is a broken invariant checked here:
//! - the fast parser builds pest's tree, or leaves the text to pest;
//! - every diagnostic points inside the spec;
//! - files are emitted exactly when no error is reported, and `check`
//!   reports every error a build does;
//! - human reports hold no control character but line breaks;
//! - formatting is idempotent and the formatted spec gets the same
//!   diagnostics;
//! - `--fix` never makes a spec less valid, and what it reports as
//!   remaining is what linting the fixed spec finds.

#![no_main]

use libfuzzer_sys::fuzz_target;
use stackc::diagnostic::{Diagnostic, Severity};
use stackc::emit::Layout;
use stackc::lint::policy::{Level, Policy};
use stackc::lint::registry;
use stackc::render::{self, FileReport, HumanRenderer};
use stackc::source::SourceFile;

/// Widths a terminal may have, odd ones included.
const WIDTHS: [usize; 4] = [render::DEFAULT_WIDTH, 1, 7, 333];

fuzz_target!(|data: &[u8]| {
    // The CLI refuses bytes that are not UTF-8 before the library sees them.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    stackc::input::dockerfile::parse(text);
    // `stackc import`'s readers: a compose file and an nginx config.
    if let Ok(doc) = stackc::import::yaml::parse(text) {
        assert!(doc.span.end() <= text.len(), "a YAML span outside the text");
        doc.to_json();
    }
    let _ = stackc::import::nginx::parse(text);
    assert!(stackc::syntax::fast_parser_agrees(text), "the two parsers disagree");
    let source = SourceFile::new("fuzz.spec", text);

    let check = stackc::check(&source);
    assert_inside(text, &check.diagnostics);

    let build = stackc::build(&source, &Layout::placeholder());
    let has_errors = build.diagnostics.iter().any(|d| d.is_error());
    assert_eq!(build.artifacts.is_some(), !has_errors, "artifacts iff no error");
    assert_inside(text, &build.diagnostics);
    render_everything(&source, &build.diagnostics);
    // `check` finds every error a build stops at, without writing the
    // files (its own path through the emitters): all but the lint rules'
    // (which it does not run), when none of those stopped the build
    // before its emitters. It may find more: it checks every environment.
    let errors = |diagnostics: &[Diagnostic], lint: bool| -> Vec<Diagnostic> {
        (diagnostics.iter())
            .filter(|d| d.is_error() && registry::find(d.code).is_some() == lint)
            .cloned()
            .collect()
    };
    if errors(&build.diagnostics, true).is_empty() {
        let found = errors(&check.diagnostics, false);
        for error in errors(&build.diagnostics, false) {
            assert!(found.contains(&error), "an error of the build `check` misses: {error:?}");
        }
    }

    // Every rule denied: the policy path of `--deny` and `stackc.toml`.
    let mut strict = Policy::default();
    for rule in registry::RULES {
        strict.set(rule.meta(), Level::On(Severity::Error));
    }
    let denied = stackc::lint_with(&source, &strict);
    assert_inside(text, &denied.diagnostics);
    // The same bytes as a `stackc.toml`: its problems point inside it.
    let config = SourceFile::new("stackc.toml", text);
    if let Err(problems) = stackc::config::parse(&config) {
        assert_inside(text, &problems);
        render_everything(&config, &problems);
    }

    let lint = stackc::lint(&source);
    let codes = |diagnostics: &[Diagnostic]| diagnostics.iter().map(|d| d.code).collect::<Vec<_>>();
    if let Ok(formatted) = stackc::fmt::format(&source) {
        let again = SourceFile::new("fuzz.spec", formatted.clone());
        assert_eq!(
            stackc::fmt::format(&again).as_deref(),
            Ok(formatted.as_str()),
            "formatting is not idempotent"
        );
        assert_eq!(
            codes(&stackc::lint(&again).diagnostics),
            codes(&lint.diagnostics),
            "formatting changed the diagnostics"
        );
    }

    // As `stackc lint --fix` runs: with the rules' default levels, and
    // dates judged as of today, as `stackc::lint` judges them below.
    let policy = Policy::default();
    let options = stackc::Options {
        policy: Some(&policy),
        today: Some(stackc::Date::today()),
        ..stackc::Options::default()
    };
    let fix = stackc::fix::fix(&source, options);
    assert_inside(&fix.source.text, &fix.remaining.diagnostics);
    if lint.stack.is_some() {
        assert!(fix.remaining.stack.is_some(), "--fix broke a spec that parsed");
    }
    assert_eq!(fix.changed(), fix.source.text != text, "--fix reports what it changed");
    let relinted = stackc::lint(&fix.source);
    assert_eq!(
        codes(&relinted.diagnostics),
        codes(&fix.remaining.diagnostics),
        "--fix reports what linting the fixed spec finds"
    );
});

/// Every label in the spec lies inside `text`, start before end (no
/// other file is read here).
fn assert_inside(text: &str, diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        for label in &diagnostic.labels {
            assert!(label.file.is_none(), "a label in a file that was not read: {diagnostic:?}");
            assert!(
                label.span.start() <= label.span.end() && label.span.end() <= text.len(),
                "label {:?} outside the text ({} bytes): {diagnostic:?}",
                label.span,
                text.len()
            );
        }
    }
}

/// Every format, and the human one at every width.
fn render_everything(source: &SourceFile, diagnostics: &[Diagnostic]) {
    let reports = [FileReport::new(source, diagnostics)];
    for format in [render::json, render::sarif, render::github, render::short] {
        format(&reports);
    }
    for width in WIDTHS {
        let human = HumanRenderer::new(false, width).render(source, diagnostics);
        assert!(
            !human.chars().any(|c| c.is_control() && c != '\n'),
            "a control character in a human report: {human:?}"
        );
    }
}
