//! Every spec in `specs/` builds cleanly with the files it names (its
//! apps, their Dockerfiles and requirements), and each file it emits is
//! snapshotted. Specs are discovered from the folder: a new spec is covered
//! by adding it.

mod support;

#[test]
fn every_example_spec_builds_without_findings() {
    support::provide_spec_secrets();
    support::insta_settings().bind(|| {
        insta::glob!("../specs", "*.spec", |path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let build = support::build_from_disk(path);
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
