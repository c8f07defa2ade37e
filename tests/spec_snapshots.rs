//! Every spec in `specs/` builds cleanly with the files it names (its
//! apps, their Dockerfiles and requirements), and each file it emits is
//! snapshotted. Specs are discovered from the folder: a new spec is covered
//! by adding it.

mod support;

use stackc::source::SourceFile;

#[test]
fn every_example_spec_builds_without_findings() {
    support::provide_spec_secrets();
    let specs = support::repo().join("specs");
    let files = stackc::input::Disk::new(&specs, "specs");
    let policy = stackc::lint::policy::Policy::default();
    let options = stackc::Options {
        policy: Some(&policy),
        files: Some(&files),
    };
    support::insta_settings().bind(|| {
        insta::glob!("../specs", "*.spec", |path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let source = SourceFile::new(name.clone(), std::fs::read_to_string(path).unwrap());
            let build = stackc::build_with(&source, &support::snapshot_layout(&name), options);
            assert!(
                build.diagnostics.is_empty(),
                "{name}: example specs must be clean, found {:#?}",
                build.diagnostics
            );
            let artifacts = build.artifacts.expect("a clean spec emits");
            let stem = name.trim_end_matches(".spec");
            support::without_glob_suffix(|| {
                for artifact in artifacts {
                    let snapshot = format!("{stem}__{}", artifact.path.replace('/', "__"));
                    insta::assert_snapshot!(snapshot, artifact.contents);
                }
            });
        });
    });
}
