use crate::diagnostic::Diagnostic;
use crate::emit::kubernetes;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// On a cluster (`--target kubernetes`), flags a volume with the
    /// `ReadWriteOnce` access mode (the default) that more than one pod
    /// mounts: two services, a service and a job, or a service with
    /// `replicas` above one. (A job that only fills a volume the proxy
    /// serves runs in the proxy's pod and does not count.)
    ///
    /// ## Why is this bad?
    /// A `ReadWriteOnce` claim attaches to one node at a time. Pods on other
    /// nodes stay `ContainerCreating` with a `Multi-Attach` error, so the
    /// stack works on a one-node test cluster and breaks on a real one.
    /// On compose, every container shares the host's disk and this never
    /// shows.
    ///
    /// ## Example
    /// ```text
    /// volume media
    ///
    /// service web {
    ///     image example/web:1.0
    ///     mount media at /app/media
    ///     replicas 2
    /// }
    /// ```
    ///
    /// ## Use instead
    /// A storage class that offers `ReadWriteMany` (NFS, CephFS, EFS,
    /// Filestore), named on the volume:
    /// ```text
    /// volume media access ReadWriteMany class nfs
    /// ```
    /// or keep one writer and serve the files from object storage.
    pub struct SharedRwoVolume {
        name: "shared-rwo-volume",
        severity: Error,
        summary: "a ReadWriteOnce volume mounted by more than one pod on a cluster",
        target: Kubernetes,
    }
}

impl Rule for SharedRwoVolume {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (volume, pods) in kubernetes::claim_users(stack) {
            if !volume.claim.single_node() {
                continue;
            }
            let replicated = pods.iter().find(|p| p.replicas.as_ref().is_some_and(|r| r.value > 1));
            if pods.len() < 2 && replicated.is_none() {
                continue;
            }
            let mut names: Vec<String> = pods.iter().map(|p| format!("`{}`", p.name.value)).collect();
            let last = names.pop().unwrap_or_default();
            let mut finding = Self::META
                .diagnostic(format!(
                    "the volume `{}` attaches to one node, but {} mount it",
                    volume.name.value,
                    match (names.is_empty(), replicated) {
                        (false, _) => format!("{} and {last}", names.join(", ")),
                        (true, replicated) => {
                            let count = replicated.and_then(|p| p.replicas.as_ref()).map_or(1, |r| r.value);
                            format!("{count} replicas of {last}")
                        }
                    }
                ))
                .primary(volume.name.span, "ReadWriteOnce: one node's pods only");
            for pod in &pods {
                for mount in pod
                    .mounts
                    .iter()
                    .filter(|m| m.volume().is_some_and(|v| v.value == volume.name.value))
                {
                    finding = finding.secondary(mount.span, format!("mounted by `{}`", pod.name.value));
                }
            }
            if let Some(pod) = replicated {
                if let Some(replicas) = &pod.replicas {
                    finding = finding.secondary(replicas.span, "each replica may land on another node");
                }
            }
            out.push(finding.help(format!(
                "write `volume {} access ReadWriteMany class CLASS` with a storage class that offers it, or give the volume one writer",
                volume.name.value
            )));
        }
    }
}
