//! The Kubernetes target on every spec in `specs/`: each builds with no
//! finding (the cluster's lint rules included), every manifest is
//! snapshotted, and the real validators pass on the base
//! (`scripts/validate-kubernetes`: `kubectl kustomize`, kubernetes-validate
//! --strict, checkov). An environment's overlay, applied by kustomize to
//! the base, gives exactly that environment's own manifests. A missing
//! validator fails, never skips.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use stackc::emit::kubernetes::{base_artifacts, environment_overlays, manifests, overlay_artifacts, Manifest};
use stackc::emit::{Artifact, Target};

fn write(out: &Path, artifacts: &[Artifact]) {
    for artifact in artifacts {
        let path = out.join(&artifact.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &artifact.contents).unwrap();
    }
}

/// The base of `manifests` (laid out for the spec `spec`), written and
/// passed by every validator.
fn assert_validators_pass(manifests: &[Manifest], spec: &str) {
    let out = tempfile::tempdir().unwrap();
    write(out.path(), &base_artifacts(manifests, &support::snapshot_layout(spec)));
    let (code, report) = validate(out.path());
    assert_eq!(code, 0, "{report}");
}

fn validate(out: &Path) -> (i32, String) {
    let output = Command::new(support::repo().join("scripts/validate-kubernetes"))
        .arg(out)
        .output()
        .expect("scripts/validate-kubernetes runs");
    let text = format!("{}{}", support::text(&output.stdout), support::text(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn every_spec_builds_for_kubernetes_and_passes_the_validators() {
    support::provide_spec_secrets();
    let mut failures = Vec::new();
    let mut checks = 0;
    for spec in support::example_specs() {
        let name = spec.file_name().unwrap().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".spec");
        let build = support::build_from_disk_for(&spec, None, Target::Kubernetes);
        // Only the environments are reported: one a cluster cannot run (a
        // development one that mounts the source) is left without an
        // overlay, and an overlay's own notes say what it leaves out.
        let unexpected: Vec<_> = (build.diagnostics.iter())
            .filter(|d| {
                d.is_error() || !(d.message.starts_with("environment `") || d.message.starts_with("in environment `"))
            })
            .collect();
        assert!(unexpected.is_empty(), "{name}: {unexpected:#?}");
        let artifacts = build.artifacts.expect("a clean spec emits");
        let base: Vec<&Artifact> = (artifacts.iter())
            .filter(|a| a.path.starts_with("base/") || a.path.starts_with("overlays/"))
            .collect();
        assert!(base.iter().any(|a| a.path == "base/kustomization.yaml"), "{name}");
        support::insta_settings().bind(|| {
            for artifact in &base {
                let snapshot = format!("k8s__{stem}__{}", artifact.path.replace('/', "__"));
                insta::assert_snapshot!(snapshot, artifact.contents);
            }
        });
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), &artifacts);
        let (code, report) = validate(tmp.path());
        println!("== {name}\n{report}");
        assert_ne!(code, 2, "a validator is missing or could not run:\n{report}");
        assert!(report.contains("passed: all") || report.contains("FAILED"), "{report}");
        checks += report
            .lines()
            .filter(|l| l.starts_with("ok ") || l.starts_with("FAIL "))
            .count();
        if code != 0 {
            failures.push(format!("{name}:\n{report}"));
        }
    }
    println!("{checks} validator checks ran");
    assert!(
        failures.is_empty(),
        "validators found problems:\n{}",
        failures.join("\n")
    );
}

/// The seed stack, resolved from its text.
fn seed_stack(text: &str) -> stackc::ir::Stack {
    let source = stackc::source::SourceFile::new("django.spec", text);
    let analysis = stackc::check(&source);
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    analysis.stack.unwrap()
}

/// The seed stack's manifests, built from its text.
fn seed_manifests(text: &str) -> Vec<Manifest> {
    manifests(&seed_stack(text), &support::snapshot_layout("django.spec")).unwrap()
}

fn seed_text() -> String {
    std::fs::read_to_string(support::repo().join("specs/django.spec")).unwrap()
}

/// The container of that name, in any pod template.
fn container_named<'a>(manifests: &'a [Manifest], name: &str) -> &'a Value {
    let found = containers(manifests).into_iter().find(|(_, c)| c["name"] == name);
    found.unwrap_or_else(|| panic!("no container `{name}`")).1
}

/// Every container of every pod template, init containers included.
fn containers(manifests: &[Manifest]) -> Vec<(&Manifest, &Value)> {
    let mut found = Vec::new();
    for manifest in manifests {
        let pod = &manifest.body["spec"]["template"]["spec"];
        for list in ["containers", "initContainers"] {
            for container in pod[list].as_array().into_iter().flatten() {
                found.push((manifest, container));
            }
        }
    }
    found
}

/// PostgreSQL keeps its data in a folder of its volume, not at the
/// volume's root, which holds `lost+found` on block storage (`initdb`
/// refuses it); one whose spec sets PGDATA inside its volume keeps it, one
/// whose PGDATA is the volume's mount point gets a folder of it, and
/// another image's mounts are left alone.
#[test]
fn postgres_keeps_its_data_in_a_folder_of_its_volume() {
    let text = r#"stack shop
volume pg
volume pg2
volume pg3
volume files

service db {
    image postgres:16.4
    mount pg at /var/lib/postgresql/data/
}

service db2 {
    image postgres:16.4
    env {
        PGDATA = "/var/lib/postgresql/data/cluster"
    }
    mount pg2 at /var/lib/postgresql/data
}

service db3 {
    image postgres:16.4
    env {
        PGDATA = "/var/lib/postgresql/data/pgdata"
    }
    mount pg3 at /var/lib/postgresql/data/pgdata
}

service app {
    image example/app:1.0
    user 1000
    env {
        PGDATA = "/srv/files"
    }
    mount files at /srv/files
}
"#;
    let manifests = stack_manifests(text).unwrap();
    let pgdata = |container: &str| -> Vec<Value> {
        let env = container_named(&manifests, container)["env"].clone();
        let all = env.as_array().cloned().unwrap_or_default();
        all.into_iter()
            .filter(|e| e["name"] == "PGDATA")
            .map(|e| e["value"].clone())
            .collect()
    };
    assert_eq!(pgdata("db"), vec![json!("/var/lib/postgresql/data/pgdata")]);
    assert_eq!(pgdata("db2"), vec![json!("/var/lib/postgresql/data/cluster")]);
    // full-stack-fastapi-template's: PGDATA is the volume's mount point.
    assert_eq!(pgdata("db3"), vec![json!("/var/lib/postgresql/data/pgdata/pgdata")]);
    // Another image's PGDATA (a backup tool's folder) is its own.
    assert_eq!(pgdata("app"), vec![json!("/srv/files")]);
}

#[test]
fn pods_are_hardened_probed_and_hold_no_secret_value() {
    for spec in support::example_specs() {
        let build = support::build_from_disk_for(&spec, None, Target::Kubernetes);
        let Some(artifacts) = build.artifacts else {
            panic!("{}", spec.display())
        };
        let text: String = artifacts.iter().map(|a| a.contents.as_str()).collect();
        assert!(!text.contains("secretKeyRef"), "{}: secrets are files", spec.display());
        assert!(
            !text.contains("stringData") && !text.contains("kind: Secret"),
            "{}",
            spec.display()
        );
    }
    let seed = seed_manifests(&seed_text());
    for (manifest, container) in containers(&seed) {
        let context = &container["securityContext"];
        assert_eq!(context["readOnlyRootFilesystem"], true, "{}", manifest.name);
        assert_eq!(context["runAsNonRoot"], true, "{}", manifest.name);
        assert_eq!(context["capabilities"]["drop"][0], "ALL", "{}", manifest.name);
        assert!(
            context["runAsUser"].as_u64().is_some_and(|u| u > 0),
            "{}",
            manifest.name
        );
        assert!(
            container["resources"]["limits"]["memory"].is_string(),
            "{}",
            manifest.name
        );
        let main = manifest.body["spec"]["template"]["spec"]["containers"][0] == *container;
        if main && container["ports"].is_array() {
            assert!(container["readinessProbe"].is_object(), "{}", manifest.name);
            assert!(container["startupProbe"].is_object(), "{}", manifest.name);
            assert!(container["livenessProbe"].is_null(), "{}", manifest.name);
        }
    }
    // The secret files are the pod's user's (its fsGroup) to read, not
    // every user's of the container (Kubernetes' default 0644).
    let mut secret_volumes = 0;
    for manifest in &seed {
        let pod = &manifest.body["spec"]["template"]["spec"];
        for volume in pod["volumes"].as_array().into_iter().flatten() {
            if volume["name"] == "secrets" {
                secret_volumes += 1;
                assert_eq!(volume["projected"]["defaultMode"], 0o440, "{}", manifest.name);
                assert!(pod["securityContext"]["fsGroup"].is_u64(), "{}", manifest.name);
            }
        }
    }
    assert!(secret_volumes >= 2, "the seed's db and web read the password");
    let web = seed.iter().find(|m| m.kind == "Deployment" && m.name == "web").unwrap();
    let init = &web.body["spec"]["template"]["spec"]["initContainers"][0];
    let command: Vec<&str> = init["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        command[command.len() - 4..],
        ["python", "manage.py", "migrate", "--check"]
    );
    assert!(seed.iter().any(|m| m.kind == "StatefulSet" && m.name == "db"));
    let job = seed.iter().find(|m| m.kind == "Job").unwrap();
    assert!(
        job.name.starts_with("migrate-") && job.name.len() == "migrate-".len() + 10,
        "{}",
        job.name
    );
}

/// A spec that says `user root` (or `user 0`) gets a pod that runs as root:
/// uid 0 beside `runAsNonRoot: true` is a pod the kubelet never starts.
#[test]
fn root_is_run_only_where_the_spec_says_so() {
    let text = "stack shop\n\
        service tools {\n    image busybox:1.37\n    command \"sleep infinity\"\n    user root\n}\n\
        service debug {\n    image busybox:1.37\n    command \"sleep infinity\"\n    user 0:0\n}\n\
        service cache {\n    image redis:7.4\n}\n";
    let manifests = seed_manifests(text);
    for (manifest, container) in containers(&manifests) {
        let pod = &manifest.body["spec"]["template"]["spec"]["securityContext"];
        let root = manifest.name != "cache";
        for context in [pod, &container["securityContext"]] {
            assert_eq!(context["runAsNonRoot"], !root, "{}", manifest.name);
            assert_eq!(context["runAsUser"] == 0, root, "{}", manifest.name);
        }
    }
}

/// A container the spec runs as root keeps the capabilities its entrypoint
/// steps down with (WordPress's apache binds port 80 and switches to
/// www-data; with none, root could do neither), and `hardening off` leaves
/// the hardening out on a cluster as in compose (it was ignored, leaving
/// such an image no way to start). Each check the spec waives is an
/// annotation checkov reads, and the real checkov passes the manifests.
#[test]
fn root_keeps_dockers_capabilities_and_hardening_off_is_carried() {
    let text = "stack blog\n\
        secret db_password file \"secrets/db_password.txt\"\n\
        service wordpress {\n    image wordpress:6.8\n    user root\n    secret WORDPRESS_DB_PASSWORD = db_password\n}\n\
        service legacy {\n    image wordpress:6.8\n    user root\n    hardening off\n}\n\
        service cache {\n    image redis:7.4\n}\n";
    let manifests = seed_manifests(text);
    // Its secrets stay readable by the user the entrypoint steps down to
    // (www-data), which a mode for root's group alone would lock out.
    let pod = &manifests.iter().find(|m| m.name == "wordpress").unwrap().body["spec"]["template"]["spec"];
    let secrets = (pod["volumes"].as_array().unwrap().iter())
        .find(|v| v["name"] == "secrets")
        .unwrap();
    assert!(secrets["projected"]["defaultMode"].is_null(), "{secrets}");
    let context = |name: &str| container_named(&manifests, name)["securityContext"].clone();
    let annotations = |name: &str| {
        let workload = manifests.iter().find(|m| m.name == name).unwrap();
        workload.body["metadata"]["annotations"].clone()
    };
    let root = context("wordpress");
    assert_eq!(root["capabilities"]["drop"], json!(["ALL"]));
    let added = root["capabilities"]["add"].as_array().unwrap();
    for needed in ["CHOWN", "SETUID", "SETGID", "NET_BIND_SERVICE", "KILL"] {
        assert!(added.contains(&json!(needed)), "{needed}: {added:?}");
    }
    assert!(!added.contains(&json!("NET_RAW")), "{added:?}");
    assert_eq!(root["readOnlyRootFilesystem"], true);
    assert_eq!(root["allowPrivilegeEscalation"], false);
    assert_eq!(
        annotations("wordpress"),
        json!({
            "checkov.io/skip1": "CKV_K8S_23=the spec says user root",
            "checkov.io/skip2": "CKV_K8S_25=the spec says user root: its entrypoint keeps Docker's capabilities",
        })
    );
    let off = context("legacy");
    for hardening in ["capabilities", "readOnlyRootFilesystem", "allowPrivilegeEscalation"] {
        assert!(off[hardening].is_null(), "{hardening}: {off}");
    }
    assert_eq!(off["runAsUser"], 0);
    let waived = annotations("legacy");
    assert_eq!(waived.as_object().unwrap().len(), 5, "{waived}");
    assert!(
        waived.to_string().contains("CKV_K8S_22=the spec says hardening off"),
        "{waived}"
    );
    assert_eq!(context("cache")["capabilities"], json!({"drop": ["ALL"]}));
    assert!(annotations("cache").is_null());

    assert_validators_pass(&manifests, "django.spec");
}

/// A job folded into the proxy's pod as an init container (the seed's
/// `collectstatic`), run as root with `hardening off`: the proxy's
/// Deployment, whose pod holds it, waives the checks for it (they were
/// read from the proxy alone, and checkov failed), and the real checkov
/// passes.
#[test]
fn a_root_init_container_is_waived_on_the_pod_that_holds_it() {
    let text = seed_text().replace(
        "    mount static at /app/staticfiles\n}",
        "    mount static at /app/staticfiles\n    user root\n    hardening off\n}",
    );
    let manifests = seed_manifests(&text);
    let nginx = manifests
        .iter()
        .find(|m| m.kind == "Deployment" && m.name == "nginx")
        .unwrap();
    let init = &nginx.body["spec"]["template"]["spec"]["initContainers"][0];
    assert_eq!(init["securityContext"]["runAsUser"], 0, "{init}");
    let waived = nginx.body["metadata"]["annotations"].to_string();
    for check in ["CKV_K8S_23", "CKV_K8S_20", "CKV_K8S_22", "CKV_K8S_28", "CKV_K8S_37"] {
        assert!(waived.contains(check), "{check}: {waived}");
    }
    let web = manifests
        .iter()
        .find(|m| m.kind == "Deployment" && m.name == "web")
        .unwrap();
    assert!(web.body["metadata"]["annotations"].is_null());
    assert_validators_pass(&manifests, "django.spec");
}

/// Renders a kustomization with the real kustomize, as JSON documents in a
/// stable order, so two renderings compare as data.
fn render(folder: &Path) -> Vec<Value> {
    let output = Command::new(support::tool("k8s-venv/bin/kubectl"))
        .arg("kustomize")
        .arg(folder)
        .output()
        .expect("kubectl runs");
    assert!(output.status.success(), "{}", support::text(&output.stderr));
    let read = "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))";
    let mut python = support::python()
        .args(["-c", read])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    python.stdin.take().unwrap().write_all(&output.stdout).unwrap();
    let parsed = python.wait_with_output().unwrap();
    let mut documents: Vec<Value> = serde_json::from_slice(&parsed.stdout).unwrap();
    documents.sort_by_key(|d| (d["kind"].to_string(), d["metadata"]["name"].to_string()));
    documents
}

#[test]
fn an_overlay_applied_to_the_base_gives_the_environments_manifests() {
    let base_text = seed_text();
    // A production stack: more replicas, another image, a bigger volume,
    // no collectstatic (its static files elsewhere), a new migrate command.
    let prod_text = base_text
        .replace("workers 3\n", "workers 3\n    replicas 3\n")
        .replace("postgres:16.4", "postgres:16.6")
        .replace("volume postgres_data", "volume postgres_data size 20G class fast-ssd")
        .replace("migrate --noinput", "migrate --noinput --verbosity 2")
        .replace(
            "    location /static/ {\n        alias static  # what collectstatic wrote\n    }\n",
            "",
        )
        .replace("after web ready, collectstatic done", "after web ready")
        .replace("volume static\n", "");
    let prod_text = {
        let start = prod_text.find("job collectstatic").unwrap();
        let end = start + prod_text[start..].find("}\n").unwrap() + 2;
        format!("{}{}", &prod_text[..start], &prod_text[end..])
    };
    let base = seed_manifests(&base_text);
    let prod = seed_manifests(&prod_text);
    let layout = support::snapshot_layout("django.spec");
    let overlay = overlay_artifacts("prod", &base, &prod, &layout);
    let from_stacks = environment_overlays(
        &seed_stack(&base_text),
        &[("prod".to_string(), seed_stack(&prod_text))],
        &layout,
    );
    assert_eq!(from_stacks, Ok(overlay.clone()));
    assert!(overlay.iter().any(|a| a.path.ends_with(".patch.yaml")), "{overlay:#?}");
    assert!(
        overlay.iter().any(|a| a.path.ends_with("-job.yaml")),
        "the new Job is added"
    );
    assert!(
        overlay.iter().any(|a| a.path.ends_with("-job.delete.yaml")),
        "the old Job is deleted"
    );

    let tmp = tempfile::tempdir().unwrap();
    let with_overlay = tmp.path().join("stack");
    write(&with_overlay, &base_artifacts(&base, &layout));
    write(&with_overlay, &overlay);
    let own = tmp.path().join("prod");
    write(&own, &base_artifacts(&prod, &layout));
    assert_eq!(render(&with_overlay.join("overlays/prod")), render(&own.join("base")));
    // And the overlay passes the validators like a base.
    let (code, report) = validate(&with_overlay);
    assert_eq!(code, 0, "{report}");
    assert!(report.contains("ok   checkov             overlays/prod"), "{report}");
}

/// `entrypoint []` drops the image's ENTRYPOINT. Kubernetes reads an empty
/// `command` as none (the image's ENTRYPOINT runs), so the container's
/// command becomes the program, with no `args`.
#[test]
fn a_dropped_entrypoint_makes_the_command_the_program() {
    let text = format!(
        "{}\nservice worker {{\n    image of web\n    entrypoint []\n    command \"celery -A shop worker\"\n}}\n",
        seed_text()
    );
    let manifests = seed_manifests(&text);
    let worker = container_named(&manifests, "worker");
    assert_eq!(worker["command"], serde_json::json!(["celery", "-A", "shop", "worker"]));
    assert!(worker.get("args").is_none(), "{worker:#}");
}

/// `ready off` gives the container no probe at all (not the TCP one a
/// service without `ready` gets), and an env Secret every one of whose
/// files is `optional` is an optional ref: the pod starts without it, as
/// compose starts without the file.
#[test]
fn ready_off_is_no_probe_and_optional_env_files_an_optional_secret() {
    let text = format!(
        "{}\nservice worker {{\n    image of web\n    command \"celery -A shop worker\"\n    env_file \"local.env\" optional\n    ready off\n}}\n",
        seed_text()
    );
    let manifests = seed_manifests(&text);
    let worker = container_named(&manifests, "worker");
    for probe in ["readinessProbe", "startupProbe", "livenessProbe"] {
        assert!(worker.get(probe).is_none(), "{probe}: {worker:#}");
    }
    assert_eq!(
        worker["envFrom"],
        serde_json::json!([{"secretRef": {"name": "worker-env", "optional": true}}])
    );
    let required = text.replace("env_file \"local.env\" optional", "env_file \"local.env\"");
    let manifests = seed_manifests(&required);
    let worker = container_named(&manifests, "worker");
    assert_eq!(
        worker["envFrom"],
        serde_json::json!([{"secretRef": {"name": "worker-env"}}])
    );
}

/// The host's time zone mounted read-only, as many compose files do, is a
/// warning on a cluster, not an error: the stack builds, the mount is left
/// out (no `hostPath`, which Pod Security refuses), and the manifests pass
/// the validators.
#[test]
fn the_hosts_time_zone_is_left_out_with_a_warning() {
    let folder = tempfile::tempdir().unwrap();
    let spec = folder.path().join("clock.spec");
    let text = "stack clock\n\nservice clock {\n    image example/clock:1.0\n    user 10001\n    \
                mount /etc/localtime at /etc/localtime ro\n    mount /etc/timezone at /etc/timezone ro\n}\n";
    std::fs::write(&spec, text).unwrap();
    let build = support::build_from_disk_for(&spec, None, Target::Kubernetes);
    assert!(
        build.diagnostics.iter().all(|d| !d.is_error()),
        "{:#?}",
        build.diagnostics
    );
    let zones: Vec<_> = (build.diagnostics.iter())
        .filter(|d| d.code == "host-mount-on-cluster")
        .collect();
    assert_eq!(zones.len(), 2, "{:#?}", build.diagnostics);
    let artifacts = build.artifacts.expect("the stack builds");
    let text: String = artifacts.iter().map(|a| a.contents.as_str()).collect();
    assert!(!text.contains("hostPath") && !text.contains("localtime"), "{text}");
    let out = tempfile::tempdir().unwrap();
    write(out.path(), &artifacts);
    let (code, report) = validate(out.path());
    assert_eq!(code, 0, "{report}");
}

/// A name compose takes and a cluster's Service cannot (`flower_ui`, with
/// a port other pods reach it by). `lint --target kubernetes` says so, as
/// `build` then refuses it, rather than passing a spec the build stops at.
/// wger's port-less `celery_worker` and Redash's `create_db` job get no
/// Service: their objects are `celery-worker` and `create-db-HASH`, as a
/// volume's name is written (they were refused for a Service they never
/// get); two names that would be one object are refused.
#[test]
fn lint_for_a_cluster_reports_the_names_it_cannot_take() {
    let unreached = "stack wger\n\nservice celery_worker {\n    image example/worker:1.0\n    user 10001\n}\n\
        job create_db {\n    image example/worker:1.0\n    user 10001\n    run \"create_db\"\n}\n";
    let manifests = seed_manifests(unreached);
    assert!(manifests
        .iter()
        .any(|m| m.kind == "Deployment" && m.name == "celery-worker"));
    assert!(manifests
        .iter()
        .any(|m| m.kind == "Job" && m.name.starts_with("create-db-")));
    assert_validators_pass(&manifests, "stack.spec");
    let twice = format!("{unreached}service celery-worker {{\n    image example/worker:1.0\n    user 10001\n}}\n");
    let refused = stack_manifests(&twice).unwrap_err();
    assert!(
        refused[0].labels[0]
            .message
            .contains("another service's objects have this name"),
        "{refused:#?}"
    );

    let folder = tempfile::tempdir().unwrap();
    let spec = folder.path().join("stack.spec");
    let text =
        "stack wger\n\nservice celery_worker {\n    image example/worker:1.0\n    user 10001\n    expose 5555\n}\n";
    std::fs::write(&spec, text).unwrap();
    let lint = |target: &[&str]| {
        support::stackc()
            .args(["lint", "--format", "short"])
            .arg(&spec)
            .args(target)
            .output()
            .unwrap()
    };
    let compose = lint(&[]);
    assert!(compose.status.success(), "{}", support::text(&compose.stdout));
    let cluster = lint(&["--target", "kubernetes"]);
    let report = support::text(&cluster.stdout);
    assert_eq!(cluster.status.code(), Some(1), "{report}");
    assert!(
        report.contains(
            "stack.spec:3:9: error: this value cannot be written into a Kubernetes object name [unrepresentable]"
        ),
        "{report}"
    );
}

/// Weblate's compose file says where the app writes beside its read-only
/// root (`tmpfs: [/run, /tmp]`): on a cluster, whose pods always have a
/// read-only root, each of those folders is an `emptyDir` too.
#[test]
fn a_raw_tmpfs_is_where_a_pod_writes() {
    let text = "stack weblate\n\nservice weblate {\n    image weblate/weblate:5.14\n    user 1000\n    compose read_only = true\n    compose tmpfs = \"[/run, '/tmp', '/var/lib/app:size=64m']\"\n}\n";
    let manifests = seed_manifests(text);
    let container = container_named(&manifests, "weblate");
    let mounts: Vec<&str> = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["mountPath"].as_str().unwrap())
        .collect();
    for path in ["/run", "/tmp", "/var/lib/app"] {
        assert_eq!(mounts.iter().filter(|m| **m == path).count(), 1, "{path}: {mounts:?}");
    }
}

/// The official data stores that start as root and step down to their
/// own user run as that user's number on a cluster: with `runAsNonRoot`
/// and no `runAsUser`, the kubelet would refuse to start them.
#[test]
fn images_that_step_down_run_as_their_users_number() {
    let spec = r#"stack shop

volume mysql_data
volume maria_data
volume mongo_data
volume broker_data
secret db_root file "secrets/db_root.txt"

service mysql {
    image mysql:8.4
    secret MYSQL_ROOT_PASSWORD = db_root
    mount mysql_data at /var/lib/mysql
}

service maria {
    image mariadb:11.4
    secret MARIADB_ROOT_PASSWORD = db_root
    mount maria_data at /var/lib/mysql
}

service mongo {
    image mongo:8.0
    secret MONGO_INITDB_ROOT_PASSWORD = db_root
    env {
        MONGO_INITDB_ROOT_USERNAME = "shop"
    }
    mount mongo_data at /data/db
}

service broker {
    image rabbitmq:4.1-management-alpine
    mount broker_data at /var/lib/rabbitmq
}
"#;
    let source = stackc::source::SourceFile::new("stack.spec", spec);
    let analysis = stackc::check(&source);
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    let built = manifests(&analysis.stack.unwrap(), &support::snapshot_layout("stack.spec")).unwrap();
    let expected = [("mysql", 999), ("maria", 999), ("mongo", 999), ("broker", 100)];
    for (name, uid) in expected {
        let (manifest, container) = containers(&built)
            .into_iter()
            .find(|(m, c)| c["name"] == name && m.body["kind"] == "StatefulSet")
            .unwrap_or_else(|| panic!("no StatefulSet runs {name}"));
        assert_eq!(container["securityContext"]["runAsUser"], uid, "{}", manifest.name);
        assert_eq!(
            manifest.body["spec"]["template"]["spec"]["securityContext"]["runAsUser"], uid,
            "{}",
            manifest.name
        );
    }
}

/// Names the manifests cannot hold are refused on the spec line that gives
/// them, never written for the cluster to refuse or, worse, to merge: a
/// volume named like one of stackc's own pod volumes would be one volume in
/// the pod (the data folder would hold the secrets, or the secrets a claim),
/// a secret named like a service's env-file Secret would be that Secret, and
/// a job's or database's name must leave room in its pods' labels for the
/// hash Kubernetes or stackc adds.
#[test]
fn names_the_cluster_would_refuse_or_merge_are_refused() {
    let long = format!("j{}", "a".repeat(52));
    let text = format!(
        "stack shop\n\
         volume secrets\nvolume shm\nvolume writable-0\nvolume nginx_conf\nvolume data\n\
         secret web_env file \"s.txt\"\n\
         job {long} {{\n    image example/web:1.0\n    run \"python manage.py migrate\"\n}}\n\
         service web {{\n    image example/web:1.0\n    command \"run\"\n    mount secrets at /data\n    \
         mount shm at /other\n    mount writable-0 at /w\n    mount nginx_conf at /n\n    shm_size 64m\n    \
         secret PW = web_env\n    env_file web.env\n    after {long} done\n}}\n\
         service {long}b {{\n    image postgres:17.2\n    mount data at /var/lib/postgresql/data\n}}\n"
    );
    let source = stackc::source::SourceFile::new("stack.spec", text.as_str());
    let analysis = stackc::check(&source);
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    let refused = manifests(&analysis.stack.unwrap(), &support::snapshot_layout("stack.spec")).unwrap_err();
    let pointed: Vec<&str> = (refused.iter())
        .map(|d| {
            assert_eq!(d.code, "unrepresentable");
            let span = d.primary_span().unwrap();
            &text[span.range()]
        })
        .collect();
    let long_b = format!("{long}b");
    let expected = ["secrets", "shm", "writable-0", "nginx_conf", "web_env", &long, &long_b];
    for name in expected {
        assert!(pointed.contains(&name), "{name} not refused: {pointed:?}");
    }
    assert_eq!(pointed.len(), expected.len(), "{pointed:?}");
    // 52 characters fit, and an ordinary name such as `data` is no clash.
    let fits = text
        .replace(&long, &long[..52])
        .replace(&format!("{}b ", &long[..52]), "db ");
    let fits = fits
        .replace("volume secrets", "volume files")
        .replace("mount secrets", "mount files");
    let fits = fits
        .replace("shm\n", "scratch\n")
        .replace("mount shm ", "mount scratch ");
    let fits = (fits.replace("writable-0", "uploads").replace("nginx_conf", "conf")).replace("web_env", "web_secret");
    let source = stackc::source::SourceFile::new("stack.spec", fits.as_str());
    let analysis = stackc::check(&source);
    assert!(!analysis.has_errors(), "{fits}\n{:#?}", analysis.diagnostics);
    manifests(&analysis.stack.unwrap(), &support::snapshot_layout("stack.spec")).expect("the renamed stack builds");
}

/// The `runAsUser`, `runAsGroup` and `fsGroup` of a workload's pod (and
/// that its container says the same user and group).
fn pod_ids(manifests: &[Manifest], name: &str) -> (Value, Value, Value) {
    let manifest = (manifests.iter())
        .find(|m| m.name == name && m.body["spec"]["template"].is_object())
        .unwrap_or_else(|| panic!("no workload `{name}`"));
    let pod = &manifest.body["spec"]["template"]["spec"]["securityContext"];
    let container = &container_named(manifests, name)["securityContext"];
    assert_eq!(container["runAsUser"], pod["runAsUser"], "{name}");
    assert_eq!(container["runAsGroup"], pod["runAsGroup"], "{name}");
    (
        pod["runAsUser"].clone(),
        pod["runAsGroup"].clone(),
        pod["fsGroup"].clone(),
    )
}

/// A container's group is the one compose gives it: the spec's (`user
/// 1000:0`: group 0, which images made for OpenShift's arbitrary uids
/// rely on), a known image's own (RabbitMQ's and Redis's Alpine users are
/// not in a group of their number), or, for a bare `user 1000`, the one
/// the runtime reads from the image's /etc/passwd as Docker does: no
/// `runAsGroup`, and the uid as the volumes' group.
#[test]
fn pods_run_in_the_group_compose_gives_them() {
    let text = "stack shop\n\
        service openshift {\n    image example/app:1.0\n    user 1000:0\n}\n\
        service plain {\n    image example/app:1.0\n    user 1000\n}\n\
        service named {\n    image redis:7.4-alpine\n    user redis:redis\n}\n\
        service broker {\n    image rabbitmq:4.1-management-alpine\n}\n\
        service cache {\n    image redis:7.4-alpine\n}\n\
        service valkey {\n    image valkey/valkey:8.0-alpine\n}\n\
        service queue {\n    image valkey/valkey:8.0\n}\n";
    let manifests = seed_manifests(text);
    let none = Value::Null;
    let expected = [
        ("openshift", 1000.into(), 0.into(), 0.into()),
        ("plain", 1000.into(), none, 1000.into()),
        ("named", 999.into(), 1000.into(), 1000.into()),
        ("broker", 100.into(), 101.into(), 101.into()),
        ("cache", 999.into(), 1000.into(), 1000.into()),
        ("valkey", 999.into(), 1000.into(), 1000.into()),
        ("queue", 999.into(), 999.into(), 999.into()),
    ];
    for (name, uid, gid, fs_group) in expected {
        assert_eq!(pod_ids(&manifests, name), (uid, gid, fs_group), "{name}");
    }
}

/// An app's own Dockerfile that switches to a user by name (`USER nextjs`)
/// runs as that user's number: the kubelet cannot check that a name is not
/// root, and refuses to start a `runAsNonRoot` pod without a number. The
/// number is the one its `adduser`/`useradd` fixes (an ARG resolved), or
/// the base image's own user's (`node`).
/// The Deployments of a stack of services each built from its own
/// Dockerfile (`files`: each service's `NAME/Dockerfile` and what it
/// copies), for a cluster.
fn own_dockerfile_deployments(files: &[(&str, &str)]) -> Vec<Manifest> {
    let folder = tempfile::tempdir().unwrap();
    let mut services = Vec::new();
    for (path, text) in files {
        let path = folder.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        if path.ends_with("Dockerfile") {
            services.push(
                path.parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string(),
            );
        }
    }
    let spec = folder.path().join("stack.spec");
    let service = |name: &String| {
        format!("service {name} {{\n    image example/{name}:1.0\n    build ./{name} {{\n        file Dockerfile\n    }}\n}}\n")
    };
    let text: String = services.iter().map(service).collect();
    std::fs::write(&spec, format!("stack shop\n{text}")).unwrap();
    let build = support::build_from_disk_for(&spec, None, Target::Kubernetes);
    let artifacts = build.artifacts.unwrap_or_else(|| panic!("{:#?}", build.diagnostics));
    let manifests: Vec<Manifest> = (artifacts.iter())
        .filter(|a| a.path.starts_with("base/") && a.path.ends_with("-deployment.yaml"))
        .map(|a| {
            let body: Value = serde_saphyr::from_str(&a.contents).unwrap();
            let name = body["metadata"]["name"].as_str().unwrap().to_string();
            Manifest {
                kind: "Deployment",
                name,
                body,
            }
        })
        .collect();
    assert_eq!(manifests.len(), services.len(), "{artifacts:#?}");
    manifests
}

#[test]
fn a_dockerfile_user_by_name_runs_as_its_number() {
    let manifests = own_dockerfile_deployments(&[
        (
            "next/Dockerfile",
            "FROM node:22.12-alpine AS runner\nRUN addgroup --system --gid 1001 nodejs \\\n    \
             && adduser --system --uid 1001 --ingroup nodejs nextjs\nUSER nextjs\nCMD [\"node\", \"server.js\"]\n",
        ),
        (
            "rails/Dockerfile",
            "FROM ruby:3.4.7-slim-trixie\nARG APP_UID=1000\nARG APP_GID=1000\n\
             RUN groupadd -g \"${APP_GID}\" ruby && useradd --create-home --no-log-init -u \"${APP_UID}\" -g \"${APP_GID}\" ruby\n\
             USER ruby\nCMD [\"rails\", \"server\"]\n",
        ),
        (
            "api/Dockerfile",
            "FROM node:22.12-bookworm-slim\nWORKDIR /app\nUSER node\nCMD [\"node\", \"index.js\"]\n",
        ),
        // Distroless's `nonroot` is 65532 in every image of it (it ran with
        // no runAsUser, which the kubelet refuses for a name).
        (
            "go/Dockerfile",
            "FROM golang:1.23.4-bookworm AS build\nRUN go version\n\
             FROM gcr.io/distroless/static-debian12:nonroot\nUSER nonroot:nonroot\nENTRYPOINT [\"/api\"]\n",
        ),
    ]);
    assert_eq!(pod_ids(&manifests, "next"), (1001.into(), 1001.into(), 1001.into()));
    assert_eq!(pod_ids(&manifests, "rails"), (1000.into(), 1000.into(), 1000.into()));
    assert_eq!(pod_ids(&manifests, "api"), (1000.into(), 1000.into(), 1000.into()));
    assert_eq!(pod_ids(&manifests, "go").0, 65532);
}

/// The spec's `user node` on `image node:22` is the image's own user,
/// 1000 (it was a name, which a `runAsNonRoot` pod refuses).
#[test]
fn the_specs_user_by_name_is_a_base_images_number() {
    let text =
        "stack shop\nservice assets {\n    image node:22.12-slim\n    command \"node server.js\"\n    user node\n}\n";
    let manifests = seed_manifests(text);
    assert_eq!(pod_ids(&manifests, "assets"), (1000.into(), 1000.into(), 1000.into()));
}

/// The spec's `user node` on an own Dockerfile built `FROM node:22` is the
/// base image's user, 1000, too: the pod had `runAsNonRoot` and no number,
/// which the kubelet refuses.
#[test]
fn the_specs_user_by_name_is_an_own_dockerfiles_base_number() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(folder.path().join("web")).unwrap();
    std::fs::write(
        folder.path().join("web/Dockerfile"),
        "FROM node:22.12-slim AS build\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
    )
    .unwrap();
    let spec = folder.path().join("stack.spec");
    std::fs::write(
        &spec,
        "stack shop\nservice web {\n    image example/web:1.0\n    build ./web {\n        file Dockerfile\n    }\n    user node\n}\n",
    )
    .unwrap();
    let build = support::build_from_disk_for(&spec, None, Target::Kubernetes);
    assert!(
        !build.diagnostics.iter().any(|d| d.code == "user-without-uid"),
        "{:#?}",
        build.diagnostics
    );
    let artifacts = build.artifacts.unwrap_or_else(|| panic!("{:#?}", build.diagnostics));
    let deployment = artifacts
        .iter()
        .find(|a| a.path.ends_with("web-deployment.yaml"))
        .unwrap();
    assert!(
        deployment.contents.contains("runAsUser: 1000"),
        "{}",
        deployment.contents
    );
}

/// An own Dockerfile that adds a config to a published image stackc knows,
/// with no `USER` of its own, runs as that image's user and writes its
/// folders (Prometheus as 65534, whose user is the name `nobody`, which
/// the kubelet cannot check; Grafana's database folder), but for one it
/// copies files into; one that switches to another user is that user's.
#[test]
fn an_own_dockerfile_on_a_known_image_keeps_its_user_and_folders() {
    let manifests = own_dockerfile_deployments(&[
        (
            "metrics/Dockerfile",
            "FROM prom/prometheus:v3.5.0\nCOPY prometheus.yml /etc/prometheus/prometheus.yml\n",
        ),
        ("metrics/prometheus.yml", "global:\n  scrape_interval: 15s\n"),
        (
            "dash/Dockerfile",
            "FROM grafana/grafana:12.1.1 AS base\nFROM base\nCOPY datasource.yml /etc/grafana/provisioning/datasources/\n",
        ),
        ("dash/datasource.yml", "apiVersion: 1\n"),
        ("own/Dockerfile", "FROM grafana/grafana:12.1.1\nUSER 1234\n"),
        (
            "boards/Dockerfile",
            "FROM grafana/grafana:12.1.1\nCOPY dashboards /var/lib/grafana/dashboards\n",
        ),
        ("boards/dashboards/shop.json", "{}\n"),
    ]);
    assert_eq!(
        pod_ids(&manifests, "metrics"),
        (65534.into(), 65534.into(), 65534.into())
    );
    assert_eq!(pod_ids(&manifests, "dash"), (472.into(), 0.into(), 0.into()));
    assert!(empty_dir_paths(&manifests, "dash").contains(&"/var/lib/grafana".to_string()));
    assert_eq!(pod_ids(&manifests, "own").0, 1234);
    assert!(!empty_dir_paths(&manifests, "own").contains(&"/var/lib/grafana".to_string()));
    // An emptyDir over the folder its Dockerfile copies into would hide
    // the dashboards: left out, and the logs' folder kept.
    assert_eq!(pod_ids(&manifests, "boards").0, 472);
    let boards = empty_dir_paths(&manifests, "boards");
    assert!(!boards.contains(&"/var/lib/grafana".to_string()), "{boards:?}");
    assert!(boards.contains(&"/var/log/grafana".to_string()), "{boards:?}");
}

/// A service named in capitals (`strapiDB`, as compose allows) is found by
/// that name on a cluster too, since DNS names match in any case: its
/// objects are named in lowercase. A name with `_` has no Service to be
/// found by: the build says which name cannot be written, with its span.
#[test]
fn service_names_are_dns_names_in_any_case() {
    let text = "stack shop\n\
        service strapiDB {\n    image postgres:17.6\n}\n\
        service web {\n    image example/web:1.0\n    env {\n        DATABASE_HOST = \"strapiDB\"\n    }\n    expose 1337\n}\n";
    let built = seed_manifests(text);
    let service = (built.iter())
        .find(|m| m.kind == "Service" && m.name == "strapidb")
        .expect("the Service `strapidb`");
    assert_eq!(service.body["spec"]["selector"]["app.kubernetes.io/name"], "strapiDB");
    assert!(built.iter().any(|m| m.kind == "Deployment" && m.name == "strapidb"));
    assert!(
        built.iter().all(|m| m.name == m.name.to_ascii_lowercase()),
        "{built:#?}"
    );
    let text = "stack shop\nservice plausible_db {\n    image postgres:17.6\n}\n";
    let problems = manifests(&seed_stack(text), &support::snapshot_layout("stack.spec")).expect_err("no Service name");
    let start = text.find("plausible_db").unwrap();
    assert!(
        problems
            .iter()
            .any(|d| d.is_error() && d.labels.iter().any(|l| l.span.start() == start)),
        "{problems:#?}"
    );
}

/// A stack's manifests, built from a spec's text that checks clean.
fn stack_manifests(text: &str) -> Result<Vec<Manifest>, Vec<stackc::diagnostic::Diagnostic>> {
    let source = stackc::source::SourceFile::new("stack.spec", text);
    let analysis = stackc::check(&source);
    assert!(!analysis.has_errors(), "{text}\n{:#?}", analysis.diagnostics);
    manifests(&analysis.stack.unwrap(), &support::snapshot_layout("stack.spec"))
}

#[test]
fn network_policies_select_pods_by_network_whatever_the_stacks_size() {
    // 40 services on compose's default network, but for one on `front`
    // and `back_end`, and one on `back_end`.
    let mut text = String::from("stack shop\nnetwork front\nnetwork back_end\n");
    for i in 0..40 {
        text.push_str(&format!(
            "service s{i} {{\n    image example/s:1.0\n    command \"run\"\n    expose 8000\n"
        ));
        match i {
            0 => text.push_str("    networks front, back_end\n"),
            1 => text.push_str("    networks back_end\n"),
            _ => {}
        }
        text.push_str("}\n");
    }
    let manifests = stack_manifests(&text).unwrap();
    let policy = |name: &str| {
        let found = manifests.iter().find(|m| m.kind == "NetworkPolicy" && m.name == name);
        &found.unwrap_or_else(|| panic!("no NetworkPolicy {name}")).body
    };
    let from = |name: &str| policy(name)["spec"]["ingress"][0]["from"].clone();
    // One selector per network of the pod, not one per pod sharing it.
    assert_eq!(
        from("s7"),
        json!([{"podSelector": {"matchLabels": {
            "app.kubernetes.io/part-of": "shop", "stackc.network/default": "true"}}}])
    );
    assert_eq!(from("s0").as_array().unwrap().len(), 2, "{}", from("s0"));
    assert_eq!(
        from("s0")[1]["podSelector"]["matchLabels"]["stackc.network/back_end"],
        "true"
    );
    // The pods carry the labels the policies select.
    let labels = |name: &str| {
        let found = manifests
            .iter()
            .find(|m| m.kind == "Deployment" && m.name == name)
            .unwrap();
        found.body["spec"]["template"]["metadata"]["labels"].clone()
    };
    assert_eq!(labels("s0")["stackc.network/front"], "true");
    assert_eq!(labels("s0")["stackc.network/back_end"], "true");
    assert!(labels("s0").get("stackc.network/default").is_none());
    assert_eq!(labels("s1")["stackc.network/back_end"], "true");
    assert_eq!(labels("s7")["stackc.network/default"], "true");
    assert!(labels("s7").get("stackc.network/back_end").is_none());

    // A network name no label can carry is refused on its line.
    let bad = text.replace("back_end", "back_");
    let refused = stack_manifests(&bad).unwrap_err();
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert_eq!(&bad[refused[0].primary_span().unwrap().range()], "back_");
}

/// The folders a container writes to emptyDirs (the volumes stackc adds
/// where the root file system is read-only), by mount path.
fn empty_dir_paths(manifests: &[Manifest], name: &str) -> Vec<String> {
    let manifest = (manifests.iter())
        .find(|m| m.name == name && m.body["spec"]["template"].is_object())
        .unwrap_or_else(|| panic!("no workload `{name}`"));
    let volumes = manifest.body["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let empty: Vec<&str> = (volumes.iter())
        .filter(|v| v["emptyDir"].is_object())
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    let mounts = container_named(manifests, name)["volumeMounts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    (mounts.iter())
        .filter(|m| empty.contains(&m["name"].as_str().unwrap()))
        .map(|m| m["mountPath"].as_str().unwrap().to_string())
        .collect()
}

/// Published app images whose user stackc knows from their Dockerfiles run
/// as that number, in its group where the Dockerfile fixes it, with the
/// folders they write as emptyDirs, whatever registry path names them;
/// a mounted volume takes the place of its emptyDir. Gitea is known only
/// in its `rootless` tags (the others start s6 as root), and the default
/// Gitea image is left to the spec's `user`.
#[test]
fn known_published_images_run_as_their_users_number_and_write_where_they_need() {
    let text = r#"stack apps

volume grafana_data

service grafana {
    image docker.io/grafana/grafana-oss:11.4.0
    mount grafana_data at /var/lib/grafana
}

service prometheus {
    image prom/prometheus:v3.1.0
}

service n8n {
    image docker.n8n.io/n8nio/n8n:1.119.2
}

service mastodon {
    image ghcr.io/mastodon/mastodon:v4.3.17
    command ["bundle", "exec", "sidekiq"]
}

service gitea {
    image gitea/gitea:1.24.5-rootless
}

service plaingitea {
    image gitea/gitea:1.24.5
    user root
}

service umami {
    image ghcr.io/umami-software/umami:postgresql-v2.15.1
}

service cache {
    image memcached:1.6.34-alpine
}

service geo {
    image docker.io/postgis/postgis:17-3.5
}

service queue {
    image redis:7.4
}
"#;
    let manifests = seed_manifests(text);
    let none = Value::Null;
    let expected = [
        ("grafana", 472.into(), 0.into(), 0.into()),
        ("prometheus", 65534.into(), 65534.into(), 65534.into()),
        ("n8n", 1000.into(), 1000.into(), 1000.into()),
        ("mastodon", 991.into(), 991.into(), 991.into()),
        ("gitea", 1000.into(), 1000.into(), 1000.into()),
        ("plaingitea", 0.into(), 0.into(), 0.into()),
        ("umami", 1001.into(), none, 1001.into()),
        ("cache", 11211.into(), 11211.into(), 11211.into()),
        ("geo", 999.into(), 999.into(), 999.into()),
    ];
    for (name, uid, gid, fs_group) in expected {
        assert_eq!(pod_ids(&manifests, name), (uid, gid, fs_group), "{name}");
    }
    let writes = [
        ("grafana", &["/tmp", "/var/log/grafana"][..]),
        ("prometheus", &["/prometheus", "/tmp"]),
        ("n8n", &["/home/node/.n8n", "/tmp"]),
        ("mastodon", &["/opt/mastodon/tmp", "/tmp"]),
        ("gitea", &["/etc/gitea", "/tmp", "/var/lib/gitea"]),
        ("plaingitea", &["/tmp"]),
        ("geo", &["/tmp", "/var/run/postgresql"]),
        // Its VOLUME, where a snapshot is saved (on by default).
        ("queue", &["/data", "/tmp"]),
    ];
    for (name, paths) in writes {
        assert_eq!(empty_dir_paths(&manifests, name), paths, "{name}");
    }
    // Mastodon's one image runs Sidekiq too: no port is guessed for it.
    assert!(container_named(&manifests, "mastodon")["ports"].is_null());
    assert_eq!(container_named(&manifests, "n8n")["ports"][0]["containerPort"], 5678);
}

/// For `--target kubernetes`, a published image whose user stackc does
/// not know, with no `user`, is a warning on its `image` line, once for
/// each line, that says what to write; a known image, a `user`, and an
/// image `runs-as-root` reports already are not flagged, nor is anything
/// for compose. Where `runs-as-root` is allowed, a root image is flagged:
/// its `runAsNonRoot` pod would not start.
#[test]
fn lint_for_a_cluster_flags_published_images_whose_user_it_does_not_know() {
    let text = "stack shop\n\
        service blog {\n    image wordpress:6.7-apache\n}\n\
        service blog2 {\n    image wordpress:6.7-apache\n}\n\
        service erp {\n    image odoo:17.0\n    user 101\n}\n\
        service dash {\n    image grafana/grafana:11.4.0\n}\n\
        service edge {\n    image traefik:3.3\n}\n";
    let flagged = |text: &str, target| -> Vec<stackc::diagnostic::Diagnostic> {
        let source = stackc::source::SourceFile::new("stack.spec", text);
        let stack = stackc::check(&source).stack.unwrap();
        let policy = stackc::lint::policy::Policy::default();
        stackc::lint::lint_with(&stack, &source, &policy, target)
            .into_iter()
            .filter(|d| d.code == "user-without-uid")
            .collect()
    };
    let allowed = text.replace("image traefik:3.3", "image traefik:3.3  # stackc: allow(runs-as-root)");
    let root = flagged(&allowed, Target::Kubernetes);
    let root: Vec<_> = root
        .iter()
        .filter(|d| d.message.contains("`edge` would run as root"))
        .collect();
    assert_eq!(root.len(), 1, "{root:#?}");
    assert_eq!(&allowed[root[0].primary_span().unwrap().range()], "traefik:3.3");
    let found = flagged(text, Target::Kubernetes);
    let lines: Vec<&str> = (found.iter())
        .map(|d| {
            assert_eq!(d.severity, stackc::diagnostic::Severity::Warning);
            let help = d.help.as_deref().unwrap_or_default();
            assert!(help.contains("`user UID`") && help.contains("`user root`"), "{help}");
            &text[d.primary_span().unwrap().range()]
        })
        .collect();
    assert_eq!(lines, ["wordpress:6.7-apache", "wordpress:6.7-apache"], "{found:#?}");
    let starts: Vec<usize> = found.iter().map(|d| d.primary_span().unwrap().start()).collect();
    assert_ne!(starts[0], starts[1], "one finding for each image line");
    assert!(flagged(text, Target::Compose).is_empty());
}

/// A port of another protocol than TCP keeps it everywhere a cluster
/// names the port: the container, its Service (one port name per
/// protocol, as two entries of one number must differ) and the
/// NetworkPolicy that admits it. Checked by the real validators too.
#[test]
fn udp_ports_stay_udp_on_a_cluster() {
    let text = "stack calls\n\
        service turn {\n    image coturn/coturn:4.6.3\n    user 65534\n\
        \x20   publish 3478 -> 3478/udp\n    expose 3478, 5349/sctp\n}\n";
    let manifests = stack_manifests(text).unwrap();
    let body = |kind: &str| &manifests.iter().find(|m| m.kind == kind).unwrap().body;
    assert_eq!(
        body("Service")["spec"]["ports"],
        json!([
            {"name": "tcp-3478", "port": 3478, "targetPort": 3478, "protocol": "TCP"},
            {"name": "udp-3478", "port": 3478, "targetPort": 3478, "protocol": "UDP"},
            {"name": "sctp-5349", "port": 5349, "targetPort": 5349, "protocol": "SCTP"},
        ])
    );
    assert_eq!(
        container_named(&manifests, "turn")["ports"],
        json!([
            {"containerPort": 3478},
            {"containerPort": 3478, "protocol": "UDP"},
            {"containerPort": 5349, "protocol": "SCTP"},
        ])
    );
    assert_eq!(
        body("NetworkPolicy")["spec"]["ingress"][0]["ports"],
        json!([
            {"port": 3478, "protocol": "TCP"},
            {"port": 3478, "protocol": "UDP"},
            {"port": 5349, "protocol": "SCTP"},
        ])
    );
    assert_validators_pass(&manifests, "stack.spec");
}

/// A service whose server stackc does not know still gets a Service, the
/// ports its NetworkPolicy admits and a readiness probe, on the ports the
/// stack shows it listens on: the one TCP port it publishes (Uptime
/// Kuma's 3001, probed for readiness alone), the one its `ready tcp`
/// checks, and the ones the other services' variables name it at
/// (`http://api:9999`, a bare `queue:5672`). With none of those, it gets
/// no Service, as before.
#[test]
fn ports_the_stack_names_a_service_at_reach_it_on_a_cluster() {
    let text = r#"stack demo

service kuma {
    image louislam/uptime-kuma:1.23.16
    user 1000
    publish 3001 -> 3001
}

service api {
    image example/api:1.0
    user 1000
    ready cmd ["wget", "-q", "--spider", "http://localhost:9999/health"]
}

service queue {
    image node:24.11-alpine
    command ["node", "queue.js"]
    user 1000
    ready tcp 5672
}

service web {
    image example/web:1.0
    user 1000
    env {
        API_URL = "http://api:9999/v1"
        PEERS = "queue:5672,kuma:3001"
    }
    after api ready
}

service app {
    image example/app:1.0
    user 1000
}

service php {
    image example/php:1.0
    user 1000
}

proxy edge {
    server_name localhost
    upstream app { server app:8000 }
    location / { proxy_pass app }
    location ~ "\\.php$" {
        nginx "fastcgi_pass php:900"
    }
}
"#;
    let manifests = stack_manifests(text).unwrap();
    let service_ports = |name: &str| -> Vec<Value> {
        let found = manifests.iter().find(|m| m.kind == "Service" && m.name == name);
        let ports = found.map(|m| m.body["spec"]["ports"].clone()).unwrap_or(json!([]));
        ports.as_array().unwrap().iter().map(|p| p["port"].clone()).collect()
    };
    let admitted = |name: &str| -> Value {
        let policy = manifests
            .iter()
            .find(|m| m.kind == "NetworkPolicy" && m.name == name)
            .unwrap();
        policy.body["spec"]["ingress"].clone()
    };
    assert_eq!(service_ports("kuma"), vec![json!(3001)]);
    assert_eq!(service_ports("api"), vec![json!(9999)]);
    assert_eq!(service_ports("queue"), vec![json!(5672)]);
    assert_eq!(service_ports("web"), Vec::<Value>::new());
    assert_eq!(admitted("api")[0]["ports"], json!([{"port": 9999, "protocol": "TCP"}]));
    assert_eq!(admitted("web"), json!([]));
    assert_eq!(
        container_named(&manifests, "kuma")["readinessProbe"]["tcpSocket"],
        json!({"port": 3001})
    );
    assert!(container_named(&manifests, "kuma")["startupProbe"].is_null());
    assert!(container_named(&manifests, "web")["readinessProbe"].is_null());
    // A proxy's upstream server and raw `fastcgi_pass` name ports too (an
    // nginx address's below 1024 as well: it names no image).
    assert_eq!(service_ports("app"), vec![json!(8000)]);
    assert_eq!(service_ports("php"), vec![json!(900)]);
    assert_eq!(admitted("php")[0]["ports"], json!([{"port": 900, "protocol": "TCP"}]));
    // nginx's one server answers every name: `localhost` is no Ingress host.
    let ingress = manifests.iter().find(|m| m.kind == "Ingress").unwrap();
    assert_eq!(ingress.body["spec"]["rules"].as_array().unwrap().len(), 1);
    assert!(ingress.body["spec"]["rules"][0]["host"].is_null(), "{:#}", ingress.body);
}

/// A worker that runs the web app's image with a command of its own
/// (Sidekiq, Celery) listens on none of the image's `EXPOSE`d ports: it
/// gets no probe on them, which would restart it for ever, and no Service.
#[test]
fn a_worker_of_the_web_image_is_not_probed_on_its_port() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(folder.path().join("app")).unwrap();
    std::fs::write(
        folder.path().join("app/Dockerfile"),
        "FROM ruby:3.4.7-slim\nWORKDIR /app\nCOPY . .\nUSER 1000:1000\nEXPOSE 3000\nCMD [\"bundle\", \"exec\", \"rails\", \"s\"]\n",
    )
    .unwrap();
    let spec = folder.path().join("stack.spec");
    std::fs::write(
        &spec,
        "stack shop\nservice web {\n    image example/web:1.0\n    build ./app {\n        file Dockerfile\n    }\n}\n\n\
         service worker {\n    image of web\n    command [\"bundle\", \"exec\", \"sidekiq\"]\n}\n",
    )
    .unwrap();
    let build = support::build_from_disk_for(&spec, None, Target::Kubernetes);
    let artifacts = build.artifacts.unwrap_or_else(|| panic!("{:#?}", build.diagnostics));
    let deployment = |name: &str| -> Value {
        let file = format!("base/{name}-deployment.yaml");
        let artifact = artifacts.iter().find(|a| a.path == file).unwrap();
        let body: Value = serde_saphyr::from_str(&artifact.contents).unwrap();
        body["spec"]["template"]["spec"]["containers"][0].clone()
    };
    let web = deployment("web");
    assert_eq!(web["readinessProbe"]["tcpSocket"], json!({"port": 3000}));
    assert_eq!(web["ports"][0]["containerPort"], json!(3000));
    let worker = deployment("worker");
    for field in ["ports", "readinessProbe", "startupProbe"] {
        assert!(worker[field].is_null(), "{field}: {worker:#}");
    }
    assert!(!artifacts.iter().any(|a| a.path == "base/worker-service.yaml"));
    assert!(artifacts.iter().any(|a| a.path == "base/web-service.yaml"));
}

/// An anonymous volume (react-express-mongodb's `node_modules`, kept apart
/// from a source mount) is filled from the image as docker fills it, by
/// an init container of the service's image, not an empty `emptyDir` that
/// hides what the image installed there. Its path is an argument of the
/// copy's script, never part of it.
#[test]
fn an_anonymous_volume_holds_what_the_image_has_there() {
    let spec = "stack shop\nservice api {\n    image example/api:1.0\n    user 1000\n    expose 3000\n    \
                mount anonymous at \"/usr/src/app/node_modules\"\n    mount anonymous at \"/srv/it's $(here)\"\n}\n";
    let layout = support::snapshot_layout("stack.spec");
    let manifests = manifests(&seed_stack(spec), &layout).unwrap();
    let deployment = manifests.iter().find(|m| m.kind == "Deployment").unwrap();
    let pod = &deployment.body["spec"]["template"]["spec"];
    let seeds = pod["initContainers"].as_array().unwrap();
    assert_eq!(seeds.len(), 2, "{pod:#}");
    for (seed, (index, path)) in seeds
        .iter()
        .zip([(0, "/usr/src/app/node_modules"), (1, "/srv/it's $(here)")])
    {
        assert_eq!(seed["image"], json!("example/api:1.0"));
        assert_eq!(seed["command"][3], json!("seed"));
        assert_eq!(seed["command"][4], json!(path), "{seed:#}");
        assert!(!seed["command"][2].as_str().unwrap().contains(path));
        let volume = format!("anonymous-{index}");
        assert_eq!(seed["volumeMounts"][0]["name"], json!(volume));
        assert_eq!(seed["securityContext"]["runAsUser"], json!(1000));
        let main = &pod["containers"][0]["volumeMounts"];
        assert!(main
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == json!(volume) && m["mountPath"] == json!(path)));
    }
    // A distroless image has no shell to copy with: its volume stays empty.
    let distroless =
        "stack shop\nservice api {\n    image gcr.io/distroless/nodejs22-debian12:nonroot\n    user 65532\n    \
                      mount anonymous at /app/node_modules\n}\n";
    let bare = stackc::emit::kubernetes::manifests(&seed_stack(distroless), &layout).unwrap();
    let bare = bare.iter().find(|m| m.kind == "Deployment").unwrap();
    assert!(bare.body["spec"]["template"]["spec"]["initContainers"].is_null());
    let out = tempfile::tempdir().unwrap();
    let artifacts = base_artifacts(&manifests, &layout);
    write(out.path(), &artifacts);
    let (code, report) = validate(out.path());
    assert_eq!(code, 0, "{report}");
}

/// A service compose starts only for a profile (nickjj's asset builders,
/// a seeding tool) is on the cluster too, but runs nothing until asked, as
/// under compose: a Deployment of no replicas, a suspended Job. It ran,
/// exited and restarted for ever.
#[test]
fn a_service_in_a_profile_runs_nothing_until_asked() {
    let text = "stack shop\n\
        service web {\n    image example/web:1.0\n    user 1000\n    expose 8000\n}\n\
        service css {\n    image example/web:1.0\n    user 1000\n    command [\"npm\", \"run\", \"build:css\"]\n    compose profiles = \"[assets]\"\n}\n\
        job seed {\n    image example/web:1.0\n    user 1000\n    run \"bin/seed\"\n    compose profiles = \"[tools]\"\n}\n";
    let manifests = stack_manifests(text).unwrap();
    let spec = |kind: &str, name: &str| -> Value {
        let found = manifests.iter().find(|m| m.kind == kind && m.name.starts_with(name));
        found.unwrap_or_else(|| panic!("{kind} {name}")).body["spec"].clone()
    };
    assert_eq!(spec("Deployment", "web")["replicas"], json!(1));
    assert_eq!(spec("Deployment", "css")["replicas"], json!(0));
    assert_eq!(spec("Job", "seed")["suspend"], json!(true));
}

/// The official nginx image as a service of its own (a Laravel stack's
/// nginx in front of php-fpm, with its own config): run as its `nginx`
/// user 101, it gets the folders its default config writes (its
/// temporary files, its pid) and may bind port 80, as the proxy's pod
/// does. It crash-looped on a read-only /var/cache/nginx.
#[test]
fn the_nginx_image_as_a_service_can_write_and_bind_port_80() {
    let text = "stack shop\nservice web {\n    image nginx:1.27.3\n    publish 8080 -> 80\n}\n";
    let manifests = stack_manifests(text).unwrap();
    let mut paths = empty_dir_paths(&manifests, "web");
    paths.sort();
    assert_eq!(paths, ["/run", "/tmp", "/var/cache/nginx"]);
    let deployment = manifests.iter().find(|m| m.kind == "Deployment").unwrap();
    let pod = &deployment.body["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsUser"], json!(101));
    assert_eq!(
        pod["securityContext"]["sysctls"],
        json!([{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}])
    );
}

/// A service whose own user listens below 1024 (a Node backend's
/// `PORT=80`): Docker lets it bind, and its pod gets the safe sysctl that
/// does the same (it crash-looped with `EACCES`); one on 8000 needs none.
#[test]
fn a_non_root_service_on_a_port_below_1024_may_bind_it() {
    let text = "stack shop\n\
        service backend {\n    image node:22.12-slim\n    command \"node server.js\"\n    user 1000\n    expose 80\n}\n\
        service api {\n    image node:22.12-slim\n    command \"node server.js\"\n    user 1000\n    expose 8000\n}\n";
    let manifests = seed_manifests(text);
    let sysctls = |name: &str| {
        let workload = manifests
            .iter()
            .find(|m| m.name == name && m.kind == "Deployment")
            .unwrap();
        workload.body["spec"]["template"]["spec"]["securityContext"]["sysctls"].clone()
    };
    assert_eq!(
        sysctls("backend"),
        json!([{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}])
    );
    assert!(sysctls("api").is_null());
}

/// An environment that builds another stage of the app's own Dockerfile
/// (`target dev`) runs its own image on the cluster, tagged as its compose
/// build tags it (`api:1.0.0-dev`); the overlay ran the base's image with
/// the environment's settings (trial 21).
#[test]
fn an_environments_own_image_is_its_overlays() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir_all(root.join("api")).unwrap();
    fs::write(
        root.join("api/Dockerfile"),
        "FROM node:22.12-alpine AS dev\nWORKDIR /app\nCOPY . .\nUSER 1000\nCMD [\"node\", \"--watch\", \"server.js\"]\n\nFROM node:22.12-alpine AS runtime\nWORKDIR /app\nCOPY . .\nUSER 1000\nCMD [\"node\", \"server.js\"]\n",
    )
    .unwrap();
    fs::write(
        root.join("api/server.js"),
        "require('http').createServer().listen(3000)\n",
    )
    .unwrap();
    let spec = "stack shop\n\nservice api {\n    image registry.example.com/shop/api:1.0.0\n    build ./api {\n        file Dockerfile\n        target runtime\n    }\n    ready tcp 3000\n}\n\nenvironment dev {\n    service api {\n        set build ./api {\n            file Dockerfile\n            target dev\n        }\n    }\n}\n";
    fs::write(root.join("stack.spec"), spec).unwrap();
    let out = support::stackc()
        .current_dir(root)
        .args(["build", "--target", "kubernetes", "stack.spec", "-o", "k8s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::text(&out.stderr));
    let base = fs::read_to_string(root.join("k8s/base/api-deployment.yaml")).unwrap();
    assert!(base.contains("image: registry.example.com/shop/api:1.0.0\n"), "{base}");
    let patch = fs::read_to_string(root.join("k8s/overlays/dev/api-deployment.patch.yaml")).unwrap();
    assert!(
        patch.contains("value: registry.example.com/shop/api:1.0.0-dev"),
        "{patch}"
    );
    // `--env dev` builds the environment's stack with the same tag.
    let out = support::stackc()
        .current_dir(root)
        .args([
            "build",
            "--target",
            "kubernetes",
            "--env",
            "dev",
            "stack.spec",
            "-o",
            "k8s-dev",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::text(&out.stderr));
    let dev = fs::read_to_string(root.join("k8s-dev/base/api-deployment.yaml")).unwrap();
    assert!(
        dev.contains("image: registry.example.com/shop/api:1.0.0-dev\n"),
        "{dev}"
    );
}

/// The app's own Dockerfile's HEALTHCHECK becomes its probes (the kubelet
/// ignores a HEALTHCHECK), but not a worker's that runs the image with a
/// command of its own: the check asks the web app's port, which the worker
/// never opens, and the kubelet would restart it for ever.
#[test]
fn an_image_healthcheck_probes_its_app_but_not_a_worker_of_the_image() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("Dockerfile"),
        "FROM golang:1.23.4 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/api ./cmd/api\n\nFROM debian:12.8-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 && rm -rf /var/lib/apt/lists/*\nCOPY --from=build /out/api /usr/local/bin/api\nUSER 10001\nEXPOSE 8080\nHEALTHCHECK CMD [\"curl\", \"-fsS\", \"http://127.0.0.1:8080/healthz\"]\nCMD [\"api\"]\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("stack.spec"),
        "stack ledger\n\nservice api {\n    image registry.example.com/ledger/api:0.9.0\n    build ./app {\n        file Dockerfile\n    }\n}\n\nservice worker {\n    image of api\n    command [\"api\", \"work\", \"--queue\", \"default\"]\n}\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let built = support::stackc()
        .current_dir(tmp.path())
        .args(["build", "stack.spec", "--target", "kubernetes", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    let api = std::fs::read_to_string(out.join("base/api-deployment.yaml")).unwrap();
    assert!(
        api.contains("readinessProbe:") && api.contains("- http://127.0.0.1:8080/healthz"),
        "{api}"
    );
    let worker = std::fs::read_to_string(out.join("base/worker-deployment.yaml")).unwrap();
    assert!(!worker.contains("Probe"), "{worker}");
}

/// A TCP or HTTP check of an image stackc knows nothing of: compose would
/// run it in the container with a Python or Node the image may lack (an
/// error), a cluster's kubelet probes the port itself (no error).
#[test]
fn a_cluster_probes_a_port_without_the_images_python() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack orders\n\nservice api {\n    image ghcr.io/acme/orders-api:1.2.0\n    user 10001\n    expose 3000\n    ready http /healthz port 3000\n}\n";
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    let build = |target: &str| {
        (support::stackc().current_dir(tmp.path()))
            .args(["build", "stack.spec", "--target", target, "-o", target])
            .output()
            .unwrap()
    };
    let compose = build("compose");
    assert_eq!(compose.status.code(), Some(1));
    assert!(support::text(&compose.stderr).contains("probe-needs-python"));
    let cluster = build("kubernetes");
    assert!(cluster.status.success(), "{}", support::text(&cluster.stderr));
    let deployment = fs::read_to_string(tmp.path().join("kubernetes/base/api-deployment.yaml")).unwrap();
    assert!(
        deployment.contains("httpGet:") && deployment.contains("path: /healthz"),
        "{deployment}"
    );
}

/// A Job's pod template cannot change once it is made, so its name hashes
/// the whole template: another variable or limit is a new Job (`kubectl
/// apply` would refuse the change to the old one), the same spec the same
/// name.
#[test]
fn a_jobs_name_follows_its_whole_pod_template() {
    let job_name = |text: &str| {
        let manifests = seed_manifests(text);
        let job = manifests.iter().find(|m| m.kind == "Job").expect("the migrate Job");
        job.name.clone()
    };
    let seed = seed_text();
    let same = job_name(&seed);
    assert_eq!(job_name(&seed), same, "deterministic");
    let with_variable = seed.replace(
        "        DATABASE_USER = \"radix\"\n    }\n    secret DATABASE_PASSWORD = db_password\n    after db ready",
        "        DATABASE_USER = \"radix\"\n        MIGRATE_LOCK_TIMEOUT = \"30s\"\n    }\n    secret DATABASE_PASSWORD = db_password\n    after db ready",
    );
    assert_ne!(with_variable, seed, "the edit applies");
    assert_ne!(job_name(&with_variable), same);
    let with_limits = seed.replace("    after db ready\n}", "    after db ready\n    limits memory 1G\n}");
    assert_ne!(with_limits, seed, "the edit applies");
    assert_ne!(job_name(&with_limits), same);
}

/// A Traefik of the stack's own publishes the web's ports and an nginx
/// behind it serves media only (cookiecutter-django's layout): the nginx
/// gets no Ingress, which would hand it every request; the published
/// Traefik is reported by `published-port-on-cluster` instead.
#[test]
fn a_proxy_behind_a_published_front_door_gets_no_ingress() {
    let text = r#"stack shop

volume media

service traefik {
    image traefik:v3.2.1
    user 1000
    publish 80 -> 8080
    publish 443 -> 8443
}

service django {
    image example/django:1.0
    user 1000
    mount media at /app/media
}

proxy nginx {
    location /media/ {
        alias media
    }
}
"#;
    let manifests = stack_manifests(text).unwrap();
    assert!(
        !manifests.iter().any(|m| m.kind == "Ingress"),
        "no Ingress to the media nginx"
    );
    let published = text.replace("proxy nginx {\n", "proxy nginx {\n    publish 8081 -> 80\n");
    let manifests = stack_manifests(&published).unwrap();
    assert!(
        manifests.iter().any(|m| m.kind == "Ingress"),
        "a published nginx is a way in"
    );
}
