//! What each spec block becomes on a cluster, decided once for the stack:
//! which jobs run inside the proxy's pod, which volumes are a pod's own
//! scratch space, which are a database's claim and which are shared.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Condition, Service, Stack};

/// Where a named volume lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Placement {
    /// Only the proxy's pod uses it (nginx serves what a job of that pod
    /// wrote): an `emptyDir` there, filled again each time the pod starts.
    PodLocal,
    /// One service keeps its data there: a StatefulSet's claim template.
    Kept,
    /// A PersistentVolumeClaim every pod that mounts it names.
    Shared,
}

pub(super) struct Plan<'a> {
    /// The jobs that run as init containers of a proxy's pod, by proxy.
    pub init_jobs: BTreeMap<&'a str, Vec<&'a Service>>,
    /// Every named volume, by name, with its pods' names.
    pub volumes: BTreeMap<&'a str, (Placement, BTreeSet<&'a str>)>,
}

impl<'a> Plan<'a> {
    pub fn of(stack: &'a Stack) -> Plan<'a> {
        let mut init_jobs: BTreeMap<&str, Vec<&Service>> = BTreeMap::new();
        for proxy in stack.services.iter().filter(|s| s.proxy().is_some()) {
            let folded = proxy.after.iter().filter_map(|dependency| {
                let job = stack.service(&dependency.target.value)?;
                let done = dependency.effective_condition() == Condition::Done;
                (done && job.is_job() && writes_only_served_volumes(proxy, job)).then_some(job)
            });
            init_jobs.insert(&proxy.name.value, folded.collect());
        }
        // The pod each container runs in: its own, or its proxy's.
        let pod_of = |service: &'a Service| -> &'a str {
            init_jobs
                .iter()
                .find(|(_, jobs)| jobs.iter().any(|j| j.name.value == service.name.value))
                .map_or(&service.name.value, |(proxy, _)| proxy)
        };
        let mut users: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for service in &stack.services {
            let mounted = service.mounts.iter().filter_map(|m| m.volume());
            let served = service.proxy().into_iter().flat_map(|p| p.aliased_volumes());
            for volume in mounted.chain(served) {
                users.entry(&volume.value).or_default().insert(pod_of(service));
            }
        }
        let volumes = stack
            .volumes
            .iter()
            .map(|volume| {
                let name = volume.name.value.as_str();
                let pods = users.remove(name).unwrap_or_default();
                let placement = match pods.iter().next().and_then(|p| stack.service(p)) {
                    Some(only) if pods.len() == 1 && only.proxy().is_some() => Placement::PodLocal,
                    Some(only) if pods.len() == 1 && !only.is_job() && keeps_data(only) => Placement::Kept,
                    _ => Placement::Shared,
                };
                (name, (placement, pods))
            })
            .collect();
        Plan { init_jobs, volumes }
    }

    /// Whether the job runs inside a proxy's pod.
    pub fn is_init_job(&self, job: &Service) -> bool {
        self.init_jobs
            .values()
            .flatten()
            .any(|j| j.name.value == job.name.value)
    }

    pub fn placement(&self, volume: &str) -> Placement {
        self.volumes
            .get(volume)
            .map_or(Placement::Shared, |(placement, _)| *placement)
    }

    /// Whether a service becomes a StatefulSet: it keeps data in a volume
    /// of its own.
    pub fn is_stateful(&self, service: &Service) -> bool {
        service
            .mounts
            .iter()
            .filter_map(|m| m.volume())
            .any(|v| self.placement(&v.value) == Placement::Kept)
    }
}

/// A job whose every mount is a volume the proxy serves files from (a
/// `collectstatic`): its output is the proxy's, so it runs in the proxy's
/// pod, before nginx.
fn writes_only_served_volumes(proxy: &Service, job: &Service) -> bool {
    let served = proxy.proxy().map(|p| p.aliased_volumes()).unwrap_or_default();
    !job.mounts.is_empty()
        && job
            .mounts
            .iter()
            .all(|m| m.volume().is_some_and(|v| served.iter().any(|s| s.value == v.value)))
}

/// A service with one container that writes the volume: a database, not
/// several replicas.
fn keeps_data(service: &Service) -> bool {
    service.replicas.as_ref().is_none_or(|r| r.value <= 1)
}
