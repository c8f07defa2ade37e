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
            let stem = name.trim_end_matches(".spec");
            let mut base = Vec::new();
            for environment in support::environments(path) {
                let label = environment
                    .as_deref()
                    .map_or(name.clone(), |e| format!("{name} --env {e}"));
                let build = support::build_from_disk(path, environment.as_deref());
                assert!(
                    build.diagnostics.is_empty(),
                    "{label}: example specs must be clean, found {:#?}",
                    build.diagnostics
                );
                let artifacts = build.artifacts.expect("a clean spec emits");
                // An environment's file the same as the base's is the
                // base's snapshot; each file it changes has its own.
                let prefix = environment
                    .as_deref()
                    .map_or(stem.to_string(), |e| format!("{stem}.{e}"));
                support::without_glob_suffix(|| {
                    for artifact in &artifacts {
                        if base.iter().any(|b: &stackc::emit::Artifact| {
                            b.path == artifact.path && b.contents == artifact.contents
                        }) {
                            continue;
                        }
                        let snapshot = format!("{prefix}__{}", artifact.path.replace('/', "__"));
                        insta::assert_snapshot!(snapshot, artifact.contents);
                    }
                });
                if environment.is_none() {
                    base = artifacts;
                }
            }
        });
    });
}
