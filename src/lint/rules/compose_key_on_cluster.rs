use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// On a cluster (`--target kubernetes`), flags a raw `compose KEY` that
    /// changes what the container can do or reach and that stackc's
    /// manifests do not carry: the host's network, process or IPC
    /// namespace (`network_mode`, `pid`, `ipc`, `uts`, `userns_mode`),
    /// capabilities and devices (`cap_add`, `privileged`, `devices`,
    /// `gpus`, `group_add`, `security_opt`), kernel settings and limits
    /// (`sysctls`, `ulimits`, `shm_size`), and name resolution
    /// (`extra_hosts`, `dns`, `dns_search`).
    ///
    /// Keys the manifests carry (`tmpfs` as emptyDirs, `read_only`, which
    /// every pod is, `profiles` as a workload that runs nothing until
    /// asked) and keys with no effect on what runs (`tty`, `logging`,
    /// `labels`, `platform`) are left alone.
    ///
    /// ## Why is this bad?
    /// compose runs the container with the key, the cluster without it,
    /// and nothing says so: SearXNG's Caddy, on the host's network, reaches
    /// its app at `localhost:8080` under compose and nothing on a cluster;
    /// an `extra_hosts` entry resolves nowhere; a raised `ulimits` is the
    /// node's default again.
    ///
    /// ## Example
    /// ```text
    /// service caddy {
    ///     image caddy:2.10.2
    ///     compose network_mode = "host"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Reach other services by their names (`app:8080`), which their
    /// Services answer on a cluster as compose's network does; set what
    /// the cluster needs in its own manifests (an overlay's patch), or
    /// keep the key for compose and accept the difference (`# stackc:
    /// allow(compose-key-on-cluster)`).
    pub struct ComposeKeyOnCluster {
        name: "compose-key-on-cluster",
        severity: Warning,
        summary: "a raw compose key that changes what a container can do, which the cluster's manifests leave out",
        target: Kubernetes,
    }
}

/// The raw keys that change what a container can do or reach, and that
/// the manifests stackc writes do not carry, with what each does.
const NOT_CARRIED: &[(&str, &str)] = &[
    (
        "network_mode",
        "its network namespace (the host's, another container's)",
    ),
    ("pid", "its process namespace"),
    ("ipc", "its IPC namespace"),
    ("uts", "its host name namespace"),
    ("userns_mode", "its user namespace"),
    ("cap_add", "capabilities beyond Docker's default set"),
    ("privileged", "every capability and device of the host"),
    ("devices", "the host's devices"),
    ("gpus", "the host's GPUs"),
    ("group_add", "extra groups"),
    ("security_opt", "its seccomp, AppArmor or SELinux confinement"),
    ("sysctls", "kernel settings"),
    ("ulimits", "resource limits"),
    ("shm_size", "the size of /dev/shm"),
    ("extra_hosts", "host names in /etc/hosts"),
    ("dns", "its DNS servers"),
    ("dns_search", "its DNS search domains"),
];

impl Rule for ComposeKeyOnCluster {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            for raw in &service.raw_compose {
                let Some((key, what)) = NOT_CARRIED.iter().find(|(key, _)| raw.key.value == *key) else {
                    continue;
                };
                out.push(
                    Self::META
                        .diagnostic(format!(
                            "`{}` sets `{key}` for compose, which its pod on a cluster runs without",
                            service.name.value
                        ))
                        .primary(raw.span, format!("{what}: compose only"))
                        .help(
                            "reach other services by name (their Services answer on a cluster), and set what the \
                             cluster needs in its own manifests; or allow this if compose alone needs it",
                        ),
                );
            }
        }
    }
}
