//! Every spec in `tests/bad/` is rejected with diagnostics that point into
//! it; the rendered reports (no colour, 100 columns) are snapshotted. Each
//! bad spec starts with a comment saying what is wrong with it. Lint
//! findings are left out: `tests/lint/` covers each rule.

mod support;

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
