//! The Kubernetes target: a Kustomize base of plain manifests, and one
//! overlay per environment.
//!
//! [`manifests`] turns one stack into every object, in a fixed order with
//! sorted keys, so the same stack gives the same bytes. The base is the
//! stack's manifests; an environment's overlay is what its own stack's
//! manifests change ([`overlay::Overlay::between`]: JSON 6902 patches per
//! object, new objects added, missing ones deleted), so environments need
//! nothing of their own here.
//!
//! What becomes what (see docs/targets/kubernetes.md): services are
//! Deployments, or StatefulSets when they keep data in a volume of their
//! own; jobs are Jobs named by a hash of their image and command, except
//! those that only fill a volume the proxy serves, which run in the
//! proxy's pod; secrets are Secrets by reference, never a value.

mod known_images;
mod names;
mod network;
pub mod overlay;
mod plan;
mod pod;
mod workloads;
mod yaml;

use std::collections::HashSet;

use serde_json::{json, Value};

use super::{header, Artifact, Layout, Problems};
use crate::diagnostic::Diagnostic;
use crate::ir::{Service, Stack, Volume};
use plan::Plan;
use pod::Context;

/// One Kubernetes object.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    pub kind: &'static str,
    pub name: String,
    /// The whole object: `apiVersion`, `kind`, `metadata`, `spec`.
    pub body: Value,
}

impl Manifest {
    fn new(api_version: &str, kind: &'static str, name: &str, metadata: Value, spec: Value) -> Manifest {
        Manifest {
            kind,
            name: name.to_string(),
            body: json!({"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": spec}),
        }
    }

    /// Its file in a base or overlay: `web-deployment.yaml`.
    pub fn file_name(&self) -> String {
        format!("{}-{}.yaml", self.name, self.kind.to_ascii_lowercase())
    }

    fn api_version(&self) -> &str {
        self.body["apiVersion"].as_str().unwrap_or_default()
    }
}

/// The order objects are listed in: what others name first.
const KIND_ORDER: [&str; 8] = [
    "ConfigMap",
    "PersistentVolumeClaim",
    "Service",
    "StatefulSet",
    "Deployment",
    "Job",
    "Ingress",
    "NetworkPolicy",
];

/// The spec's names a cluster cannot take, as `build --target kubernetes`
/// would refuse them: so `lint --target kubernetes` says so first.
pub fn name_problems(stack: &Stack) -> Vec<Diagnostic> {
    let mut problems = Problems::default();
    check_names(stack, &Plan::of(stack), &mut problems);
    problems.found
}

/// Every object of the stack, or the names Kubernetes cannot carry. The
/// stack must have resolved without errors.
pub fn manifests(stack: &Stack, layout: &Layout) -> Result<Vec<Manifest>, Vec<Diagnostic>> {
    let mut problems = Problems::default();
    let plan = Plan::of(stack);
    check_names(stack, &plan, &mut problems);
    let cx = Context { stack, plan: &plan };
    let mut out = Vec::new();
    for volume in &stack.volumes {
        if plan.placement(&volume.name.value) == plan::Placement::Shared {
            out.push(network::claim(stack, volume));
        }
    }
    for service in &stack.services {
        if service.is_job() {
            if !plan.is_init_job(service) {
                out.push(workloads::job(&cx, service));
                out.push(network::network_policy(stack, &[service]));
            }
            continue;
        }
        if let Some(proxy) = service.proxy() {
            // Clients reach nginx through the Ingress or load balancer on
            // the ports it listens on: compose's published ports, which
            // nginx.conf puts in `Host`, are not theirs.
            let mut in_cluster = service.clone();
            in_cluster.ports.clear();
            let conf = super::nginx::emit(
                &in_cluster,
                proxy,
                layout,
                &mut problems,
                super::source_map::Tracking::Off,
            )
            .0;
            out.push(network::nginx_config(stack, service, conf));
            out.extend(network::ingress(stack, service));
        }
        out.push(workloads::workload(&cx, service));
        out.push(network::network_policy(stack, &network::pod_members(&plan, service)));
        out.extend(network::service(stack, service));
    }
    out.sort_by(|a, b| (kind_rank(a.kind), &a.name).cmp(&(kind_rank(b.kind), &b.name)));
    problems.into_result(out)
}

fn kind_rank(kind: &str) -> usize {
    KIND_ORDER.iter().position(|k| *k == kind).unwrap_or(KIND_ORDER.len())
}

/// Whether a cluster waits for `job` to be done before what waits for it starts,
/// as `after JOB done` asks: a job folded into a proxy's pod runs as its
/// init container, and a Django `manage.py migrate` job is waited on by an
/// init container that checks for unapplied migrations. Any other Job runs
/// beside the pods that wait for it in compose.
pub fn waits_for_job_on_cluster(stack: &Stack, job: &Service) -> bool {
    Plan::of(stack).is_init_job(job)
        || job
            .command
            .as_ref()
            .is_some_and(|c| workloads::migrate_check(&c.words).is_some())
}

/// Every volume a cluster claims (not a proxy's pod's own), with the
/// services and jobs whose pods mount it (a job run in the proxy's pod
/// counts as the proxy). What the `shared-rwo-volume` rule reads.
pub use pod::{unnumbered_user, writable_folders, UnnumberedUser};

pub fn claim_users(stack: &Stack) -> Vec<(&Volume, Vec<&Service>)> {
    let plan = Plan::of(stack);
    stack
        .volumes
        .iter()
        .filter_map(|volume| {
            let (placement, pods) = plan.volumes.get(volume.name.value.as_str())?;
            let pods = pods.iter().filter_map(|p| stack.service(p)).collect();
            (*placement != plan::Placement::PodLocal).then_some((volume, pods))
        })
        .collect()
}

/// The proxy's ConfigMap, holding its nginx.conf.
fn nginx_config_name(proxy: &Service) -> String {
    format!("{}-nginx-conf", names::object_name(&proxy.name.value))
}

/// Services are found by name on a cluster as on compose's network, so
/// theirs must be DNS labels but for case (DNS names match in any case:
/// `strapiDB` finds the Service `strapidb`; the spec's names already differ
/// in more than case), short enough for the hash a Job's or StatefulSet's
/// pods add to it; volumes' and secrets' lowered names must not meet each
/// other, the pod volumes stackc adds, or the Secret an env file becomes.
fn check_names(stack: &Stack, plan: &Plan, problems: &mut Problems) {
    let mut objects: HashSet<String> = HashSet::new();
    for service in &stack.services {
        let name = &service.name;
        let hashed = (service.is_job() && !plan.is_init_job(service)) || plan.is_stateful(service);
        // A Service keeps the name other pods reach it by; a job's or a
        // port-less worker's objects are named as a volume's are
        // (`adhoc_worker` is `adhoc-worker`).
        let reached_by_name = !service.is_job() && !pod::container_ports(stack, service).is_empty();
        let object = match reached_by_name {
            true => name.value.to_ascii_lowercase(),
            false => names::object_name(&name.value),
        };
        let problem = names::dns_label_problem(&object)
            .or_else(|| hashed.then(|| names::hashed_name_problem(&name.value)).flatten())
            .or_else(|| {
                (!objects.insert(object.clone()))
                    .then_some("another service's objects have this name on Kubernetes (`_` is written `-`, capitals lowercase): rename one")
            })
            .map_or(Ok(()), Err);
        problems.check(name, problem.map(|()| name.value.clone()), "a Kubernetes object name");
    }
    if let Some(name) = &stack.name {
        let problem = names::label_value_problem(&name.value).map_or(Ok(()), Err);
        problems.check(name, problem.map(|()| name.value.clone()), "a Kubernetes label");
    }
    for network in &stack.networks {
        let problem = names::network_label_problem(&network.name.value).map_or(Ok(()), Err);
        problems.check(
            &network.name,
            problem.map(|()| network.name.value.clone()),
            "a Kubernetes label",
        );
    }
    for volume in &stack.volumes {
        let object = names::object_name(&volume.name.value);
        if pod::is_own_pod_volume(&object) {
            let clash = Err("stackc names a pod volume of its own so on Kubernetes: rename this volume");
            problems.check(&volume.name, clash, "a Kubernetes object name");
        }
    }
    let env_secrets: HashSet<String> = (stack.services.iter())
        .filter(|s| !s.env_files.is_empty())
        .map(pod::env_secret_name)
        .collect();
    for secret in &stack.secrets {
        let object = names::object_name(&secret.name.value);
        if env_secrets.contains(&object) {
            let clash = Err("a service's env files are the Secret of this name on Kubernetes: rename this secret");
            problems.check(&secret.name, clash, "a Kubernetes object name");
        }
    }
    let lowered = stack
        .volumes
        .iter()
        .map(|v| &v.name)
        .chain(stack.secrets.iter().map(|s| &s.name));
    let mut seen = HashSet::new();
    for name in lowered {
        let object = names::object_name(&name.value);
        let problem = names::dns_label_problem(&object);
        problems.check(
            name,
            problem.map_or(Ok(object.clone()), Err),
            "a Kubernetes object name",
        );
        if !seen.insert(object) {
            let clash = Err("another volume or secret has this name once `_` is `-` on Kubernetes");
            problems.check(name, clash, "a Kubernetes object name");
        }
    }
}

/// The base: every manifest in a file of its own, and the kustomization
/// that lists them.
pub(super) fn base(stack: &Stack, layout: &Layout) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    Ok(base_artifacts(&manifests(stack, layout)?, layout))
}

/// The base's files for a stack's manifests.
pub fn base_artifacts(manifests: &[Manifest], layout: &Layout) -> Vec<Artifact> {
    let header = header(layout);
    let mut artifacts: Vec<Artifact> = manifests
        .iter()
        .map(|m| Artifact {
            path: format!("base/{}", m.file_name()),
            contents: yaml::document(header, &m.body),
        })
        .collect();
    let kustomization = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": manifests.iter().map(Manifest::file_name).collect::<Vec<_>>(),
    });
    artifacts.push(Artifact {
        path: "base/kustomization.yaml".to_string(),
        contents: yaml::document(header, &kustomization),
    });
    artifacts
}

/// The overlays of a stack's environments, each from the stack that
/// environment resolves to (`stackc::environment::apply`, once the
/// language has environments): the base is `base`'s manifests, and each
/// overlay what its own stack's manifests change in them.
pub fn environment_overlays(
    base: &Stack,
    environments: &[(String, Stack)],
    layout: &Layout,
) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    let base_manifests = manifests(base, layout)?;
    let mut artifacts = Vec::new();
    let mut problems = Vec::new();
    for (name, stack) in environments {
        match manifests(stack, layout) {
            Ok(own) => artifacts.extend(overlay_artifacts(name, &base_manifests, &own, layout)),
            Err(more) => problems.extend(more),
        }
    }
    if problems.is_empty() {
        Ok(artifacts)
    } else {
        Err(problems)
    }
}

/// An environment's overlay, from the base's manifests and its own.
pub fn overlay_artifacts(environment: &str, base: &[Manifest], own: &[Manifest], layout: &Layout) -> Vec<Artifact> {
    let header = header(layout);
    let overlay = overlay::Overlay::between(base, own);
    let folder = format!("overlays/{environment}");
    let mut artifacts = Vec::new();
    let mut resources = vec![json!("../../base")];
    for added in &overlay.added {
        resources.push(json!(added.file_name()));
        artifacts.push(Artifact {
            path: format!("{folder}/{}", added.file_name()),
            contents: yaml::document(header, &added.body),
        });
    }
    let mut patches = Vec::new();
    for patch in &overlay.patches {
        let file = format!("{}-{}.patch.yaml", patch.name, patch.kind.to_ascii_lowercase());
        patches.push(json!({"path": file, "target": {"kind": patch.kind, "name": patch.name}}));
        artifacts.push(Artifact {
            path: format!("{folder}/{file}"),
            contents: yaml::document(header, &Value::Array(patch.operations.clone())),
        });
    }
    for removed in &overlay.removed {
        let file = format!("{}-{}.delete.yaml", removed.name, removed.kind.to_ascii_lowercase());
        let delete = json!({
            "$patch": "delete",
            "apiVersion": removed.api_version(),
            "kind": removed.kind,
            "metadata": {"name": removed.name},
        });
        patches.push(json!({"path": file}));
        artifacts.push(Artifact {
            path: format!("{folder}/{file}"),
            contents: yaml::document(header, &delete),
        });
    }
    let mut kustomization = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    });
    if !patches.is_empty() {
        kustomization["patches"] = Value::Array(patches);
    }
    artifacts.push(Artifact {
        path: format!("{folder}/kustomization.yaml"),
        contents: yaml::document(header, &kustomization),
    });
    artifacts
}
