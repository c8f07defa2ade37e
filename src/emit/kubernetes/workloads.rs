//! Deployments, StatefulSets and Jobs: a pod template each, with the
//! waiting that compose's `depends_on` did done by init containers.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::names::{metadata, object_name, selector};
use super::network::{pod_labels, pod_members};
use super::plan::Placement;
use super::pod::{checks_the_spec_waives, container, pod_spec, Context};
use super::Manifest;
use crate::ir::{Condition, Service};

/// A long-running service: a StatefulSet when it keeps data in a volume of
/// its own (a database), else a Deployment.
pub(super) fn workload(cx: &Context, service: &Service) -> Manifest {
    let stack = cx.stack.name_or_default();
    let name = &service.name.value;
    let mut init: Vec<_> = cx
        .plan
        .init_jobs
        .get(name.as_str())
        .into_iter()
        .flatten()
        .map(|job| container(cx, job))
        .collect();
    init.extend(migration_waits(cx, service));
    let template = json!({
        "metadata": {"labels": pod_labels(cx.stack, &pod_members(cx.plan, service))},
        "spec": pod_spec(cx, service, init),
    });
    let replicas = match in_a_profile(service) {
        true => 0,
        false => service.replicas.as_ref().map_or(1, |r| r.value),
    };
    let mut spec = json!({
        "replicas": replicas,
        "selector": {"matchLabels": selector(stack, name)},
        "template": template,
    });
    let object = &object_name(name);
    if cx.plan.is_stateful(service) {
        spec["serviceName"] = json!(object);
        spec["volumeClaimTemplates"] = Value::Array(
            service
                .mounts
                .iter()
                .filter_map(|m| m.volume())
                .filter(|v| cx.plan.placement(&v.value) == Placement::Kept)
                .map(|v| {
                    let volume = cx.stack.volume(&v.value);
                    json!({"metadata": {"name": object_name(&v.value)}, "spec": super::network::claim_spec(volume)})
                })
                .collect(),
        );
        let metadata = annotated(cx, service, object, &spec["template"]["spec"]);
        return Manifest::new("apps/v1", "StatefulSet", object, metadata, spec);
    }
    let claims_volume = service
        .mounts
        .iter()
        .filter_map(|m| m.volume())
        .filter(|v| cx.plan.placement(&v.value) == Placement::Shared)
        .any(|v| cx.stack.volume(&v.value).is_none_or(|v| v.claim.single_node()));
    if claims_volume {
        // A new pod cannot attach a ReadWriteOnce volume the old one holds
        // on another node.
        spec["strategy"] = json!({"type": "Recreate"});
    }
    let metadata = annotated(cx, service, object, &spec["template"]["spec"]);
    Manifest::new("apps/v1", "Deployment", object, metadata, spec)
}

/// A workload's metadata, with the checks the spec waives for its pod.
fn annotated(cx: &Context, service: &Service, object: &str, pod: &Value) -> Value {
    let mut metadata = metadata(cx.stack.name_or_default(), object, &service.name.value);
    let waived = checks_the_spec_waives(pod);
    if waived.as_object().is_some_and(|w| !w.is_empty()) {
        metadata["annotations"] = waived;
    }
    metadata
}

/// A job: a Job whose name carries a hash of its whole pod template, since
/// a Job's template cannot change (`kubectl apply` refuses the change): a
/// new image, command, variable or limit is a new Job, which runs once
/// more, and an unchanged one is left alone.
pub(super) fn job(cx: &Context, job: &Service) -> Manifest {
    let mut pod = pod_spec(cx, job, Vec::new());
    pod["restartPolicy"] = json!("OnFailure");
    let retries = match job.restart.as_ref().map(|r| r.value) {
        Some(crate::ir::Restart::OnFailure(Some(n))) => n,
        _ => 6,
    };
    let template = json!({"metadata": {"labels": pod_labels(cx.stack, &[job])}, "spec": pod});
    // serde_json's maps are sorted: the same template, the same text.
    let hash: String = Sha256::digest(template.to_string())
        .iter()
        .take(5)
        .map(|b| format!("{b:02x}"))
        .collect();
    let name = format!("{}-{hash}", object_name(&job.name.value));
    let mut spec = json!({
        "backoffLimit": retries,
        "template": template,
    });
    if in_a_profile(job) {
        spec["suspend"] = json!(true);
    }
    let metadata = annotated(cx, job, &name, &spec["template"]["spec"]);
    Manifest::new("batch/v1", "Job", &name, metadata, spec)
}

/// Whether compose starts the service only for a profile it is asked for
/// (a raw `compose profiles`): its cluster workload is there but runs
/// nothing until asked too, a Deployment of no replicas (`kubectl scale
/// --replicas 1`), a suspended Job (`kubectl patch ... suspend: false`).
fn in_a_profile(service: &Service) -> bool {
    service.raw_compose.iter().any(|raw| raw.key.value == "profiles")
}

/// For each `after JOB done` on a Django `manage.py migrate` job: an init
/// container that runs `migrate --check` in the job's image, with its
/// environment, until no migration is left. The app's pods wait for the
/// database's state, not for the Job, so the order things are applied in
/// never matters, and replicas never migrate at once.
fn migration_waits(cx: &Context, service: &Service) -> Vec<super::pod::Container> {
    let jobs = service
        .after
        .iter()
        .filter(|d| d.effective_condition() == Condition::Done)
        .filter_map(|d| cx.stack.service(&d.target.value))
        .filter(|job| job.is_job() && !cx.plan.is_init_job(job));
    jobs.filter_map(|job| {
        let check = migrate_check(&job.command.as_ref()?.words)?;
        let mut wait = container(cx, job);
        let mut command = vec![
            "sh".to_string(),
            "-c".to_string(),
            "until \"$@\"; do echo waiting for migrations; sleep 5; done".to_string(),
            "wait-for-migrations".to_string(),
        ];
        command.extend(check);
        wait.value["name"] = json!(format!("wait-for-{}", object_name(&job.name.value)));
        wait.value["command"] = super::yaml::expanded_words(&command);
        if let Some(fields) = wait.value.as_object_mut() {
            for field in ["args", "readinessProbe", "startupProbe", "ports"] {
                fields.remove(field);
            }
        }
        Some(wait)
    })
    .collect()
}

/// `python manage.py migrate --check` from a job's `manage.py migrate ...`
/// command line: exits non-zero while a migration is unapplied.
pub(super) fn migrate_check(words: &[String]) -> Option<Vec<String>> {
    let manage = words
        .iter()
        .position(|w| w == "manage.py" || w.ends_with("/manage.py"))?;
    (words.get(manage + 1)? == "migrate").then(|| {
        let mut check = words[..=manage + 1].to_vec();
        check.push("--check".to_string());
        check
    })
}

#[cfg(test)]
mod tests {
    use super::migrate_check;

    #[test]
    fn a_migrate_job_becomes_its_check() {
        let words = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            migrate_check(&words("python manage.py migrate --noinput")),
            Some(words("python manage.py migrate --check"))
        );
        assert_eq!(
            migrate_check(&words("python src/manage.py migrate")),
            Some(words("python src/manage.py migrate --check"))
        );
        assert_eq!(migrate_check(&words("python manage.py collectstatic")), None);
    }
}
