use crate::diagnostic::Diagnostic;
use crate::ir::{MountSource, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// On a cluster (`--target kubernetes`), flags a `mount` of a folder or
    /// file of the host (`mount ./data at /data`, `mount
    /// /var/run/docker.sock at /var/run/docker.sock`).
    ///
    /// ## Why is this bad?
    /// A pod runs on whichever node the scheduler picks, where the folder
    /// next to the spec does not exist (and an absolute path such as a
    /// socket is the node's, not this machine's); the manifests cannot carry it, so
    /// stackc leaves the mount out, and the container would start without
    /// its files. (A `hostPath` volume would tie the pod to one node's disk,
    /// and policy checks refuse it.)
    ///
    /// A mount of the app's own source over its image (`mount ./app at
    /// /app` in a development environment, for live reload), or of a folder
    /// of it where the image's working folder has its copy (`mount
    /// ./app/shop at /app/shop`), is only a note: the image holds a copy of
    /// that folder, so on a cluster the container runs the copy and the
    /// mount is left out.
    ///
    /// A mount of the host's time zone (`mount /etc/localtime at
    /// /etc/localtime ro`, or `/etc/timezone`) is only a warning: every
    /// node has one, but a pod does not get it (Kubernetes' Pod Security
    /// Standards refuse `hostPath` volumes from the baseline level up), so
    /// the container keeps its image's zone, usually UTC; `TZ` says the
    /// zone without a host file.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image example/web:1.0
    ///     mount ./uploads at /app/uploads
    /// }
    /// ```
    ///
    /// ## Use instead
    /// A named volume, which a cluster claims (a file the container only
    /// reads, such as a config or a database's init script, belongs in the
    /// image instead: a `build` whose Dockerfile copies it):
    /// ```text
    /// volume uploads size 10G
    ///
    /// service web {
    ///     image example/web:1.0
    ///     mount uploads at /app/uploads
    /// }
    /// ```
    pub struct HostMountOnCluster {
        name: "host-mount-on-cluster",
        severity: Error,
        summary: "a path of the host mounted into a container, which a cluster's pods do not get",
        target: Kubernetes,
    }
}

impl Rule for HostMountOnCluster {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            for mount in &service.mounts {
                let MountSource::Host(path) = &mount.source else {
                    continue;
                };
                if facts::image_holds_mounted(stack, service, &path.value, &mount.target.value) {
                    let mut note = Self::META
                        .diagnostic(format!(
                            "on a cluster, `{}` runs its image's copy of `{}`",
                            service.name.value, path.value
                        ))
                        .primary(
                            path.span,
                            "the image holds a copy of this folder: the mount is left out",
                        )
                        .help("rebuild and push the image to run changed source on the cluster");
                    note.severity = crate::diagnostic::Severity::Info;
                    out.push(note);
                    continue;
                }
                if is_host_time_zone(&path.value, &mount.target.value) {
                    let mut warning = Self::META
                        .diagnostic(format!(
                            "on a cluster, `{}` does not get the host's time zone from `{}`",
                            service.name.value, path.value
                        ))
                        .primary(
                            path.span,
                            "a node's file, which a pod does not get: the mount is left out",
                        )
                        .help(
                            "the container keeps its image's time zone (usually UTC); to set one, add `TZ = \
                             \"Area/City\"` to its `env` (the image needs its tzdata)",
                        );
                    warning.severity = crate::diagnostic::Severity::Warning;
                    out.push(warning);
                    continue;
                }
                // An absolute path may be on a node (a socket, `/etc/...`),
                // but not as this machine has it; the project's folders never are.
                let (message, label) = if path.value.starts_with('/') {
                    (
                        format!(
                            "`{}` mounts the host's `{}`, which a cluster's pods do not get",
                            service.name.value, path.value
                        ),
                        "a path of this machine: a node's, if it has one, is another",
                    )
                } else {
                    (
                        format!(
                            "`{}` mounts `{}`, which no cluster node has",
                            service.name.value, path.value
                        ),
                        "a path of this machine",
                    )
                };
                out.push(Self::META.diagnostic(message).primary(path.span, label).help(
                    "for data, mount a named volume instead: `volume NAME size SIZE`, then `mount NAME at \
                             PATH`; for a file the container reads (a config, an init script), copy it into the \
                             image: `build FOLDER { file Dockerfile }` with a Dockerfile that COPYs it",
                ));
            }
        }
    }
}

/// Whether a mount gives the container the host's time zone: the file
/// every Linux host has, at the same path.
fn is_host_time_zone(source: &str, target: &str) -> bool {
    source == target && ["/etc/localtime", "/etc/timezone"].contains(&source)
}
