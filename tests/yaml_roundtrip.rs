//! Every emitted compose.yaml reads back the same under YAML 1.1 (PyYAML,
//! what docker-compose 1.x and many tools use) as under YAML 1.2 (the
//! serde-saphyr reader): no value that stackc meant as a string turns into a
//! boolean, a number, a date or null.

mod support;

use std::path::PathBuf;

/// PyYAML's reading of each file, as JSON; non-JSON values (dates) are
/// wrapped so a difference shows instead of crashing the dump.
const PYYAML_TO_JSON: &str = r#"
import json, sys, yaml
docs = [yaml.safe_load(open(path, encoding="utf-8")) for path in sys.argv[1:]]
print(json.dumps(docs, default=lambda o: {"not JSON": type(o).__name__, "repr": repr(o)}))
"#;

fn spec_files() -> Vec<PathBuf> {
    let mut files = support::example_specs();
    files.push(support::repo().join("tests/fixtures/yaml-ambiguous.spec"));
    files
}

#[test]
fn compose_files_read_the_same_under_yaml_1_1_and_1_2() {
    support::provide_spec_secrets();
    let tmp = tempfile::tempdir().unwrap();
    let mut written = Vec::new();
    let mut expected = Vec::new();
    for (i, spec) in spec_files().iter().enumerate() {
        let name = spec.file_name().unwrap().to_string_lossy().into_owned();
        let build = support::build_from_disk(spec, None);
        let artifacts = build
            .artifacts
            .unwrap_or_else(|| panic!("{name}: {:#?}", build.diagnostics));
        let compose = &artifacts.iter().find(|a| a.path == "compose.yaml").unwrap().contents;
        let yaml_1_2: serde_json::Value = serde_saphyr::from_str(compose).expect("serde-saphyr reads it back");
        let path = tmp.path().join(format!("{i}.yaml"));
        std::fs::write(&path, compose).unwrap();
        written.push(path);
        expected.push((name, yaml_1_2));
    }

    let yaml_1_1 = read_with_pyyaml(&written);
    assert_eq!(yaml_1_1.len(), expected.len());

    for ((name, yaml_1_2), yaml_1_1) in expected.iter().zip(&yaml_1_1) {
        assert_eq!(
            yaml_1_2, yaml_1_1,
            "{name}: YAML 1.2 (left) and PyYAML (right) disagree"
        );
    }

    // The fixture really is full of traps: spot-check what PyYAML saw.
    let ambiguous = &yaml_1_1.last().unwrap()["services"]["app"]["environment"];
    for (key, value) in [
        ("BOOL_ON", "on"),
        ("SEXAGESIMAL", "22:22"),
        ("DATE", "2026-11-24"),
        ("UNDERSCORE_INT", "1_000"),
    ] {
        assert_eq!(ambiguous[key], value, "{key}");
    }
    // `$` is doubled for compose, so the container gets it literally.
    assert_eq!(ambiguous["DOLLAR"], "$$HOME");
}

/// Every Kubernetes manifest reads back as the object stackc built, under
/// YAML 1.2 (serde-saphyr) and YAML 1.1 (PyYAML) alike: the trap fixture's
/// values stay strings, and `$` is doubled once for the kubelet.
#[test]
fn kubernetes_manifests_read_back_as_built_under_yaml_1_1_and_1_2() {
    let tmp = tempfile::tempdir().unwrap();
    let mut written = Vec::new();
    let mut expected = Vec::new();
    for (i, spec) in spec_files().iter().enumerate() {
        let name = spec.file_name().unwrap().to_string_lossy().into_owned();
        let source = stackc::source::SourceFile::new(name.clone(), std::fs::read_to_string(spec).unwrap());
        let stack = stackc::check(&source).stack.unwrap();
        let layout = support::snapshot_layout(&name);
        let manifests = stackc::emit::kubernetes::manifests(&stack, &layout).unwrap();
        for (artifact, manifest) in stackc::emit::kubernetes::base_artifacts(&manifests, &layout)
            .iter()
            .zip(&manifests)
        {
            let yaml_1_2: serde_json::Value = serde_saphyr::from_str(&artifact.contents).unwrap();
            assert_eq!(yaml_1_2, manifest.body, "{name}: {}", artifact.path);
            let path = tmp.path().join(format!("{i}-{}", manifest.file_name()));
            std::fs::write(&path, &artifact.contents).unwrap();
            written.push(path);
            expected.push((format!("{name}: {}", artifact.path), manifest.body.clone()));
        }
    }
    let yaml_1_1 = read_with_pyyaml(&written);
    for ((name, body), yaml_1_1) in expected.iter().zip(&yaml_1_1) {
        assert_eq!(body, yaml_1_1, "{name}: built (left) and PyYAML (right) disagree");
    }
    let app = expected
        .iter()
        .find(|(name, _)| name.starts_with("yaml-ambiguous.spec: base/app-"))
        .map(|(_, body)| &body["spec"]["template"]["spec"]["containers"][0]["env"])
        .expect("the fixture's app");
    let value = |key: &str| {
        app.as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == key)
            .map(|v| v["value"].clone())
    };
    assert_eq!(value("BOOL_ON"), Some("on".into()));
    assert_eq!(value("DOLLAR"), Some("$$HOME".into()));
}

/// Each file as PyYAML (a YAML 1.1 reader) reads it, as JSON values.
fn read_with_pyyaml(files: &[std::path::PathBuf]) -> Vec<serde_json::Value> {
    let output = support::python()
        .arg("-c")
        .arg(PYYAML_TO_JSON)
        .args(files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "PyYAML failed: {}",
        support::text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}
