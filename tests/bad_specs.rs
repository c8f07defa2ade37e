//! Every spec in `tests/bad/` is rejected with diagnostics that point into
//! it; the rendered reports (no colour, 100 columns) are snapshotted. Each
//! bad spec starts with a comment saying what is wrong with it. Lint
//! findings are left out: `tests/lint/` covers each rule.

mod support;

use stackc::emit::Layout;
use stackc::lint::registry;
use stackc::render::{HumanRenderer, DEFAULT_WIDTH};
use stackc::source::SourceFile;

#[test]
fn every_bad_spec_is_rejected_with_readable_diagnostics() {
    support::insta_settings().bind(|| {
        insta::glob!("bad", "*.spec", |path| {
            let name = format!("tests/bad/{}", path.file_name().unwrap().to_string_lossy());
            let source = SourceFile::new(name.clone(), std::fs::read_to_string(path).unwrap());
            let diagnostics: Vec<_> = stackc::lint(&source)
                .diagnostics
                .into_iter()
                .filter(|d| registry::find(d.code).is_none())
                .collect();
            assert!(diagnostics.iter().any(|d| d.is_error()), "{name} should be rejected");
            for diagnostic in &diagnostics {
                let span = diagnostic.primary_span().expect("every diagnostic points somewhere");
                assert!(span.end() <= source.text.len(), "{name}: span past the end");
                let message = format!("{} {:?}", diagnostic.message, diagnostic.labels);
                assert!(
                    !message.contains("kw_") && !message.contains("Rule::"),
                    "{name}: {message}"
                );
            }
            let rendered = HumanRenderer::new(false, DEFAULT_WIDTH).render(&source, &diagnostics);
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            support::without_glob_suffix(|| {
                insta::assert_snapshot!(format!("bad__{stem}"), rendered);
            });
        });
    });
}

/// `check` finds the errors a build stops at by a path of its own through
/// the emitters, which writes no file: on every bad spec whose lint
/// findings do not stop the build first, each error of `stackc build` is
/// among `stackc check`'s (which may find more: it checks environments).
#[test]
fn check_finds_every_error_a_build_stops_at() {
    let mut codes = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(support::repo().join("tests/bad")).unwrap() {
        let path = entry.unwrap().path();
        let source = SourceFile::new(path.display().to_string(), std::fs::read_to_string(&path).unwrap());
        let build = stackc::build(&source, &Layout::placeholder());
        let errors = |lint: bool| {
            (build.diagnostics.iter()).filter(move |d| d.is_error() && registry::find(d.code).is_some() == lint)
        };
        if errors(true).next().is_some() {
            continue;
        }
        let check = stackc::check(&source);
        for error in errors(false) {
            assert!(
                check.diagnostics.contains(error),
                "{}: `check` misses the build's {error:#?}",
                path.display()
            );
            codes.insert(error.code);
        }
    }
    // The emitters' own errors are among those compared.
    for code in ["unrepresentable", "secret-file-in-image"] {
        assert!(
            codes.contains(code),
            "no bad spec makes the build report {code}: {codes:?}"
        );
    }
}
