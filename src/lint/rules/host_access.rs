use serde_json::Value;

use crate::compose_values::device_sources;
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{MountSource, RawCompose, SecretSource, Stack};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags what gives a container a way into the host: the host's
    /// network, process or user namespace (`network_mode`, `pid` or
    /// `userns_mode` set to `host`), host devices (`devices`,
    /// `device_cgroup_rules`), the Docker API (`use_api_socket`), and a
    /// bind `mount` or a file `secret` of the Docker (or containerd,
    /// podman) socket or its runtime folder (`/run/containerd`,
    /// `/run/user/1000`), of the system D-Bus (`/run/dbus`), of a folder
    /// whose files run as root (`/etc/cron.d`, `/etc/sudoers.d`,
    /// `/etc/systemd`), of the Docker daemon's settings (`/etc/docker`) or
    /// systemd's socket (`/run/systemd`), or of a system folder such as
    /// `/`, `/etc`, `/proc` or `/sys` (or a `develop` watch that copies one
    /// in), a user's home (`~`, `/home/USER`, `/Users/USER`,
    /// `/mnt/c/Users/USER`) or the credentials in it (`~/.ssh`, `~/.aws`,
    /// `~/.kube`, `~/.docker`, also under `/root` or `/home/USER`, and an
    /// `.ssh`, `.aws`, `.kube`, ... folder anywhere on the host), an `env_file` of
    /// those credentials (`~/.aws/credentials`: compose reads it into the
    /// container's variables), and a `build` from such a folder: as
    /// written, or where it really is
    /// (`secrets/db.txt` a link to `/etc/shadow`, `../../..`).
    /// Sharing the host's IPC, UTS or cgroup namespace (`ipc`, `uts`,
    /// `cgroup` set to `host`) is a warning: it exposes the host without
    /// handing it over.
    ///
    /// ## Why is this bad?
    /// Each of these reaches past the container: the Docker socket starts a
    /// privileged container (root on the host), a disk device is every
    /// file of the host, the host's network reaches services that listen on
    /// its loopback only, and the host's process namespace shows every
    /// command line and lets root in the container signal host processes.
    /// A user's SSH keys, cloud, cluster and registry logins let whoever
    /// runs code in the container act as that user everywhere else.
    /// A web stack needs none of them.
    ///
    /// ## Example
    /// ```text
    /// secret docker file "/var/run/docker.sock"
    ///
    /// service monitor {
    ///     image python:3.12.8-slim
    ///     command "python monitor.py"
    ///     user 10001
    ///     secret DOCKER_SOCKET = docker
    ///     compose pid = host
    ///     compose devices = "[/dev/sda]"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Remove them; publish the one port a tool needs, or mount a volume
    /// with the files it reads.
    pub struct HostAccess {
        name: "host-access",
        severity: Error,
        summary: "a host namespace, device, socket or system folder given to a container",
    }
}

/// Sockets whose API starts containers: whoever reaches one is root on the host.
const ENGINE_SOCKETS: &[&str] = &["docker.sock", "containerd.sock", "podman.sock", "crio.sock"];

/// Host folders a container must not get whole: the host's root, its
/// programs, configuration and users' homes, the kernel's views and
/// Docker's own state.
const SYSTEM_FOLDERS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    // Every TLS key of the host at once (one key file is a secret's).
    "/etc/ssl/private",
    "/home",
    "/lib",
    "/lib64",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/sys",
    "/usr",
    "/var",
    "/var/lib/docker",
    "/var/run",
];

/// Folders no part of which a container may mount or a secret be: the
/// kernel's views, the container engines' state, the host's login keys,
/// and a cluster node's credentials (`/etc/kubernetes/admin.conf`
/// is cluster-admin; the kubelet's folder holds every pod's secrets).
const SYSTEM_TREES: &[&str] = &[
    "/dev",
    "/proc",
    "/sys",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/etc/ssh",
    "/etc/shadow",
    "/etc/sudoers",
    // Writing any of these runs a command as root on the host.
    "/etc/sudoers.d",
    "/etc/cron.d",
    "/etc/crontab",
    "/var/spool/cron",
    "/etc/systemd",
    // The engines' runtime folders hold their sockets; a user's holds a
    // rootless engine's and the user's session bus; the system bus lets
    // root in the container start units on the host.
    "/run/containerd",
    "/run/podman",
    "/run/docker",
    "/run/user",
    "/run/dbus",
    "/var/run/containerd",
    "/var/run/podman",
    "/var/run/docker",
    "/var/run/dbus",
    "/etc/kubernetes",
    "/etc/rancher",
    "/var/lib/kubelet",
    "/var/lib/etcd",
    // The Docker daemon's settings and its TLS certificates; systemd's
    // private socket, which starts units as root.
    "/etc/docker",
    "/run/systemd",
    "/var/run/systemd",
];

/// What a user's home holds that logs in elsewhere: SSH keys, cloud,
/// cluster and registry logins, signing keys, saved passwords.
const CREDENTIAL_STORES: &[&str] = &[
    ".ssh",
    ".aws",
    ".azure",
    ".kube",
    ".docker",
    ".gnupg",
    ".config/gcloud",
    ".netrc",
    ".git-credentials",
    ".pgpass",
];

impl Rule for HostAccess {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            for raw in &service.raw_compose {
                let Some((label, severity)) = host_access(raw) else {
                    continue;
                };
                let mut finding = Self::META
                    .diagnostic(format!("`{}` reaches into the host", service.name.value))
                    .primary(raw.span, label)
                    .help(instead(&raw.key));
                finding.severity = severity;
                out.push(finding);
            }
            for mount in &service.mounts {
                let MountSource::Host(path) = &mount.source else {
                    continue;
                };
                let Some((what, label)) =
                    host_path_of(stack, &path.value, "a bind mount of the host's own files", host_path)
                else {
                    continue;
                };
                out.push(
                    Self::META
                        .diagnostic(format!("`{}` mounts {what}", service.name.value))
                        .primary(path.span, label)
                        .help("mount a folder of the project, or a named volume, with only what the container needs"),
                );
            }
            let secret_uses = service.secrets.iter().map(|s| (&s.secret, s.span));
            let secret_mounts = service.secret_mounts.iter().map(|s| (&s.secret, s.span));
            for (name, used) in secret_uses.chain(secret_mounts) {
                let Some(SecretSource::File(path)) = stack.secret(&name.value).map(|s| &s.source) else {
                    continue;
                };
                let Some((what, label)) = host_path_of(
                    stack,
                    &path.value,
                    "compose bind-mounts this host path into the container",
                    host_path,
                ) else {
                    continue;
                };
                out.push(
                    Self::META
                        .diagnostic(format!("`{}` gets {what} as a secret", service.name.value))
                        .primary(path.span, label)
                        .secondary(used, "mounted here")
                        .help("a file secret is for a file that holds a secret, such as `secrets/db_password.txt` next to the spec"),
                );
            }
            // A file of the host's system folders may well be the app's
            // settings (`/etc/shop/shop.env`); a user's logins are not.
            for env_file in &service.env_files {
                let path = &env_file.path;
                let label = "compose reads this file into the container's variables";
                let Some((what, label)) = host_path_of(stack, &path.value, label, credentials) else {
                    continue;
                };
                out.push(
                    Self::META
                        .diagnostic(format!("`{}` gets {what} in its environment", service.name.value))
                        .primary(path.span, label)
                        .help("an env file is for the app's own settings, such as `shop.env` next to the spec; hand it a secret with `secret VAR = NAME`"),
                );
            }
            let Some(build) = service.build() else { continue };
            let context = &build.context;
            if let Some((what, label)) =
                host_path_of(stack, &context.value, "the folder the image is built from", host_path)
            {
                out.push(
                    Self::META
                        .diagnostic(format!("`{}` builds its image from {what}", service.name.value))
                        .primary(context.span, label)
                        .help("build from the app's own folder: every file of the build folder can reach the image (`COPY . .`)"),
                );
            }
        }
    }
}

/// What a host path the spec names gives the container, as written or
/// where it really is (a symbolic link on its way, a relative path that
/// climbs out of the project), with the label to draw.
fn host_path_of(
    stack: &Stack,
    written: &str,
    label: &str,
    find: fn(&str) -> Option<String>,
) -> Option<(String, String)> {
    if let Some(what) = find(written) {
        return Some((what, label.to_string()));
    }
    let real = stack.inputs.real_path(written)?;
    let what = find(real)?;
    Some((what, format!("{label}: `{written}` is `{real}` on this machine")))
}

/// What the spec says instead of a raw key that reaches into the host.
fn instead(key: &str) -> &'static str {
    match key {
        "network_mode" => "leave `network_mode` out and `publish HOST -> CONTAINER` the port it serves; services reach each other by name on the stack's network",
        "pid" => "leave `pid` out: the container sees its own processes; to watch one service's, `compose pid = \"service:NAME\"`",
        "ipc" => "leave `ipc` out, or share one service's with `compose ipc = \"service:NAME\"`",
        "uts" => "leave `uts` out; name the container with `hostname NAME`",
        "cgroup" => "leave `cgroup` out: the container gets a cgroup namespace of its own",
        "userns_mode" => "leave `userns_mode` out, and run as a user of the image's with `user 10001`",
        "use_api_socket" => "leave `use_api_socket` out; a tool that reads containers' state gets it from a socket proxy that allows only reads",
        "develop" => "watch a folder of the project (`path: ./src`)",
        _ => "leave it out, and `mount VOLUME at PATH` a named volume with the files the container needs",
    }
}

/// What a raw key opens of the host, and how bad it is.
fn host_access(raw: &RawCompose) -> Option<(String, Severity)> {
    let value = &raw.value.value;
    let is_host = value.as_str() == Some("host");
    let root = |label: &str| Some((label.to_string(), Severity::Error));
    let exposes = |label: &str| Some((label.to_string(), Severity::Warning));
    match raw.key.as_str() {
        "network_mode" if is_host => {
            root("the host's network: every service on its loopback, every port it listens on")
        }
        "pid" if is_host => root("every process of the host: their command lines, and signals to them"),
        "userns_mode" if is_host => root("out of the daemon's user namespace: root in it is root on the host"),
        "use_api_socket" if value == &Value::Bool(true) => {
            root("the Docker API: it can start a privileged container, which is root on the host")
        }
        "devices" => {
            let sources = device_sources(value);
            let list: Vec<String> = sources.iter().map(|s| format!("`{s}`")).collect();
            (!list.is_empty()).then(|| (format!("the host's {}", list.join(", ")), Severity::Error))
        }
        "device_cgroup_rules" if value.as_array().is_some_and(|rules| !rules.is_empty()) => {
            root("host device nodes by number: a disk is every file of the host")
        }
        "develop" => {
            let watched = value
                .get("watch")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let paths: Vec<String> = watched
                .iter()
                .filter_map(|w| w.get("path").and_then(Value::as_str))
                .filter_map(host_path)
                .collect();
            (!paths.is_empty()).then(|| {
                (
                    format!("`docker compose watch` copies {} into it", paths.join(", ")),
                    Severity::Error,
                )
            })
        }
        "ipc" if is_host => exposes("the host's shared memory and semaphores"),
        "uts" if is_host => exposes("the host's hostname and domain name"),
        "cgroup" if is_host => exposes("the host's cgroup tree"),
        _ => None,
    }
}

/// What a file secret's path gives the container, when it is the host's
/// rather than a secret's: a container engine's socket, or a system folder.
fn host_path(path: &str) -> Option<String> {
    let normal = normalize(path);
    let file = normal.rsplit('/').next().unwrap_or_default();
    if ENGINE_SOCKETS.contains(&file) {
        return Some(format!("the container engine's socket `{file}`"));
    }
    if normal == "~" || is_a_home(&normal) {
        return Some(format!("the home folder `{normal}`"));
    }
    if let Some(store) = credential_store(&normal) {
        return Some(format!("the credentials in `{store}`"));
    }
    if !normal.starts_with('/') {
        return None;
    }
    let in_tree = SYSTEM_TREES.iter().any(|tree| {
        normal
            .strip_prefix(tree)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    (SYSTEM_FOLDERS.contains(&normal.as_str()) || in_tree).then(|| format!("the host's `{normal}`"))
}

/// The user's credentials a path is or is in, when it is in a home folder.
fn credentials(path: &str) -> Option<String> {
    credential_store(&normalize(path)).map(|store| format!("the credentials in `{store}`"))
}

/// A user's home folder on the host: `/home/USER`, macOS's
/// `/Users/USER`, or WSL's view of Windows' `/mnt/c/Users/USER`.
fn is_a_home(normal: &str) -> bool {
    let user_of = |rest: Option<&str>| rest.is_some_and(|user| !user.is_empty() && !user.contains('/'));
    user_of(normal.strip_prefix("/home/"))
        || user_of(normal.strip_prefix("/Users/"))
        || (normal.strip_prefix("/mnt/"))
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(drive, rest)| drive.len() == 1 && user_of(rest.strip_prefix("Users/")))
}

/// The credential store a path is or is in, when it is in a home folder
/// (`~`, `/root`, `/home/USER`) or anywhere else on the host (an absolute
/// path through `.ssh`, as WSL's `/mnt/c/Users/USER/.ssh`): the path up to
/// the store.
fn credential_store(normal: &str) -> Option<&str> {
    let in_home = normal
        .strip_prefix("~/")
        .or_else(|| normal.strip_prefix("/root/"))
        .or_else(|| {
            normal
                .strip_prefix("/home/")
                .and_then(|rest| Some(rest.split_once('/')?.1))
        });
    // Asked at every `/` of every absolute path: no allocation.
    let is_store = |rest: &str| {
        (CREDENTIAL_STORES.iter()).find(|store| {
            rest.strip_prefix(**store)
                .is_some_and(|after| after.is_empty() || after.starts_with('/'))
        })
    };
    if let Some(in_home) = in_home {
        let store = is_store(in_home)?;
        let end = normal.len() - in_home.len() + store.len();
        return Some(&normal[..end]);
    }
    // Any absolute path: the store as one of its folders; not `.docker`,
    // which projects also name a folder of their configuration.
    if !normal.starts_with('/') {
        return None;
    }
    normal.match_indices('/').find_map(|(at, _)| {
        let store = is_store(&normal[at + 1..]).filter(|store| **store != ".docker")?;
        Some(&normal[..at + 1 + store.len()])
    })
}

/// A path with `.`, `..`, repeated and trailing `/` resolved by name, as
/// compose's `filepath.Clean` resolves it.
fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_paths_are_found_through_dots_and_slashes() {
        assert!(host_path("/var/run/docker.sock").is_some());
        assert!(host_path("../../run/docker.sock").is_some());
        assert!(host_path("/etc/").is_some());
        assert!(host_path("/srv/../etc").is_some());
        assert!(host_path("//").is_some());
        assert!(host_path("/proc/self/environ").is_some());
        assert!(host_path("/etc/ssh/ssh_host_ed25519_key").is_some());
        for path in [
            "/etc/kubernetes",
            "/etc/kubernetes/admin.conf",
            "/var/lib/kubelet",
            "/var/lib/containerd/",
            "/etc/ssl/private",
            "/run/containerd",
            "/var/run/podman/podman.sock",
            "/run/user/1000",
            "/run/dbus/system_bus_socket",
            "/etc/cron.d",
            "/etc/sudoers.d/deploy",
            "/etc/systemd/system",
        ] {
            assert!(host_path(path).is_some(), "{path}");
        }
        // One key file, handed over as a secret or mounted alone.
        assert!(host_path("/etc/ssl/private/example.com.key").is_none());
        assert!(host_path("/etc/ssl/certs").is_none());
        assert!(host_path("/etc/letsencrypt/live/example.com/privkey.pem").is_none());
        assert!(host_path("secrets/db_password.txt").is_none());
        assert!(host_path("/run/secrets/x").is_none());
        assert!(host_path("/etc/sudoers.dist").is_none() && host_path("/run/users").is_none());
        assert!(host_path("/home/").is_some() && host_path("/home/shop/media").is_none());
        assert_eq!(host_path("~/.ssh/").as_deref(), Some("the credentials in `~/.ssh`"));
        assert_eq!(
            host_path("/root/.aws/credentials").as_deref(),
            Some("the credentials in `/root/.aws`")
        );
        assert_eq!(
            host_path("/home/deploy/.config/gcloud").as_deref(),
            Some("the credentials in `/home/deploy/.config/gcloud`")
        );
        assert!(host_path("~").is_some() && host_path("~/").is_some());
        // A project's own `.docker` folder of configuration is not a login.
        assert!(host_path("./.docker/nginx.conf").is_none() && host_path("~/shop/.docker").is_none());
        assert!(host_path("/srv/shop/.docker").is_none());
        // A user's home, and credentials wherever a host keeps them.
        for path in ["/home/ubuntu", "/Users/ana/", "/mnt/c/Users/ana"] {
            assert_eq!(
                host_path(path),
                Some(format!("the home folder `{}`", path.trim_end_matches('/')))
            );
        }
        assert_eq!(
            host_path("/mnt/c/Users/ana/.ssh/id_ed25519").as_deref(),
            Some("the credentials in `/mnt/c/Users/ana/.ssh`")
        );
        assert!(host_path("/etc/docker/daemon.json").is_some() && host_path("/run/systemd/private").is_some());
    }
}
