//! The whole library on arbitrary input: parse -> resolve -> lint -> emit,
//! every renderer, `stackc fmt`, and the Dockerfile reader on the same
//! bytes. A panic anywhere is a crash; so is a broken invariant checked
//! here:
//! - the fast parser builds pest's tree, or leaves the text to pest;
//! - every diagnostic points inside the spec;
//! - files are emitted exactly when no error is reported;
//! - formatting is idempotent and the formatted spec gets the same
//!   diagnostics.

#![no_main]

use libfuzzer_sys::fuzz_target;
use stackc::emit::Layout;
use stackc::render::{self, FileReport, HumanRenderer};
use stackc::source::SourceFile;

fuzz_target!(|data: &[u8]| {
    // The CLI refuses bytes that are not UTF-8 before the library sees them.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    stackc::input::dockerfile::parse(text);
    assert!(stackc::syntax::fast_parser_agrees(text), "the two parsers disagree");
    let source = SourceFile::new("fuzz.spec", text);
    let build = stackc::build(&source, &Layout::placeholder());
    let has_errors = build.diagnostics.iter().any(|d| d.is_error());
    assert_eq!(build.artifacts.is_some(), !has_errors, "artifacts iff no error");
    for diagnostic in &build.diagnostics {
        for label in &diagnostic.labels {
            assert!(
                label.span.start <= label.span.end && label.span.end <= text.len(),
                "label {:?} outside the spec ({} bytes): {diagnostic:?}",
                label.span,
                text.len()
            );
        }
    }
    let reports = [FileReport::new(&source, &build.diagnostics)];
    for format in [render::json, render::sarif, render::github, render::short] {
        format(&reports);
    }
    HumanRenderer::new(false, render::DEFAULT_WIDTH).render(&source, &build.diagnostics);

    if let Ok(formatted) = stackc::fmt::format(&source) {
        let again = SourceFile::new("fuzz.spec", formatted.clone());
        assert_eq!(
            stackc::fmt::format(&again).as_deref(),
            Ok(formatted.as_str()),
            "formatting is not idempotent"
        );
        let codes = |s: &SourceFile| stackc::lint(s).diagnostics.iter().map(|d| d.code).collect::<Vec<_>>();
        assert_eq!(codes(&again), codes(&source), "formatting changed the diagnostics");
    }
});
