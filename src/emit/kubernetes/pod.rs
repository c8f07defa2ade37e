//! A service's pod: its container (command, environment, secrets as files,
//! probes, resources, a hardened security context) and the pod's volumes.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::known_images::{known_account, known_image, NGINX_UID};
use super::names::object_name;
use super::plan::{Placement, Plan};
use super::yaml::{expanded, expanded_words};
use crate::ir::*;

/// What a pod's containers are built from.
pub(super) struct Context<'a> {
    pub stack: &'a Stack,
    pub plan: &'a Plan<'a>,
}

/// The container of a service (or of a job run in another pod), and the
/// volumes it needs in its pod, by name.
pub(super) struct Container {
    pub value: Value,
    pub volumes: BTreeMap<String, Value>,
}

/// Resources when the spec's `limits` leave them out: a small request, and
/// a memory limit that stops a leak before it takes the node.
const DEFAULT_CPU_REQUEST: &str = "100m";
const DEFAULT_MEMORY_REQUEST: &str = "256Mi";
const DEFAULT_MEMORY_LIMIT: &str = "512Mi";

/// The pod volumes stackc adds beside the spec's own, which are named as
/// the spec names them: the spec's secrets as files, the proxy's
/// nginx.conf, `/dev/shm`, and, numbered, the folders a read-only root
/// leaves writable and a container's anonymous volumes.
const SECRETS_VOLUME: &str = "secrets";
const NGINX_CONF_VOLUME: &str = "nginx-conf";
const SHM_VOLUME: &str = "shm";
const WRITABLE_VOLUME: &str = "writable";
const ANONYMOUS_VOLUME: &str = "anonymous";

/// Whether a spec volume's object name is one stackc gives a pod volume of
/// its own: the two would be one volume in the pod, and one mount would
/// get the other's contents.
pub(super) fn is_own_pod_volume(name: &str) -> bool {
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    [SECRETS_VOLUME, NGINX_CONF_VOLUME, SHM_VOLUME].contains(&name)
        || numbered(WRITABLE_VOLUME)
        || numbered(ANONYMOUS_VOLUME)
}

pub(super) fn container(cx: &Context, service: &Service) -> Container {
    let mut volumes = BTreeMap::new();
    let mut mounts = Vec::new();
    let mut value = json!({
        "name": object_name(&service.name.value),
        "image": image(cx.stack, service),
        "imagePullPolicy": "Always",
        "securityContext": security_context(cx.stack, service),
        "resources": resources(service),
    });
    // The spec's command whenever it has one, even where the image stackc
    // writes holds it too: a cluster pulls one image for every
    // environment, and an environment may run another command.
    let args = crate::emit::own_command(cx.stack, service).or_else(|| crate::emit::compose::command(cx.stack, service));
    match (&service.entrypoint, args) {
        // An empty `command` is no command to Kubernetes (the image's
        // ENTRYPOINT runs): `entrypoint []` makes the command the program.
        (Some(entrypoint), Some(args)) if entrypoint.words.is_empty() => value["command"] = expanded_words(&args),
        (entrypoint, args) => {
            if let Some(entrypoint) = entrypoint {
                value["command"] = expanded_words(&entrypoint.words);
            }
            if let Some(args) = args {
                value["args"] = expanded_words(&args);
            }
        }
    }
    if let Some(workdir) = &service.workdir {
        value["workingDir"] = json!(workdir.value);
    }
    let mut env: Vec<Value> = crate::emit::environment(service)
        .into_iter()
        .map(|(name, text)| json!({"name": name, "value": expanded(&text)}))
        .collect();
    if let Some(pgdata) = pgdata_in_volume(cx.stack, service) {
        // It replaces the spec's own (an env file's is `envFrom`, which
        // `env` overrides).
        env.retain(|var| var["name"] != "PGDATA");
        env.push(json!({"name": "PGDATA", "value": pgdata}));
    }
    if !env.is_empty() {
        value["env"] = Value::Array(env);
    }
    if !service.env_files.is_empty() {
        let mut secret = json!({ "name": env_secret_name(service) });
        // The one Secret holds every env file: it may be missing only when
        // each of them may.
        if service.env_files.iter().all(|f| f.optional.is_some()) {
            secret["optional"] = json!(true);
        }
        value["envFrom"] = json!([{ "secretRef": secret }]);
    }
    let ports: Vec<Value> = container_ports(cx.stack, service)
        .into_iter()
        .map(|(port, protocol)| match protocol {
            Protocol::Tcp => json!({"containerPort": port}),
            other => json!({"containerPort": port, "protocol": other.kubernetes_name()}),
        })
        .collect();
    if !ports.is_empty() {
        value["ports"] = Value::Array(ports);
    }
    let image_check = image_healthcheck(cx.stack, service);
    let ready = service.ready.as_deref().or(image_check.as_ref());
    // `ready off`: no probe at all, not even the TCP one stackc would add.
    let probed = !service.is_job() && service.ready_off.is_none();
    if let Some(handler) = probe_handler(cx.stack, service, ready).filter(|_| probed) {
        value["readinessProbe"] = readiness_probe(&handler, ready);
        // A port only inferred (a known image's, the one it publishes) may
        // open late, as a search engine's does: readiness alone never
        // restarts a slow start, a startup probe's last failure does.
        if ready.is_some() || cx.stack.app_port(service).is_some() {
            value["startupProbe"] = startup_probe(&handler, ready);
        }
    }
    for (index, mount) in service.mounts.iter().enumerate() {
        let Some(volume) = mount.volume() else {
            if let MountSource::Anonymous(_) = mount.source {
                // The container's own volume: lives as long as the pod.
                let name = anonymous_volume(index);
                mounts.push(json!({"name": name, "mountPath": mount.target.value}));
                volumes.insert(name, json!({"emptyDir": {}}));
            }
            continue;
        };
        let name = object_name(&volume.value);
        let mut entry = json!({"name": name, "mountPath": mount.target.value});
        if mount.read_only {
            entry["readOnly"] = json!(true);
        }
        mounts.push(entry);
        if let Some(source) = volume_source(cx.plan, &volume.value) {
            volumes.insert(name.clone(), source);
        }
    }
    if let Some(proxy) = service.proxy() {
        for volume in proxy.aliased_volumes() {
            let name = object_name(&volume.value);
            mounts.push(json!({"name": name, "mountPath": crate::emit::served_path(volume), "readOnly": true}));
            if let Some(source) = volume_source(cx.plan, &volume.value) {
                volumes.insert(name, source);
            }
        }
        mounts.push(json!({
            "name": NGINX_CONF_VOLUME, "mountPath": "/etc/nginx/nginx.conf", "subPath": "nginx.conf", "readOnly": true,
        }));
        volumes.insert(
            NGINX_CONF_VOLUME.to_string(),
            json!({"configMap": {"name": super::nginx_config_name(service)}}),
        );
    }
    let secrets = secret_files(service);
    if !secrets.is_empty() {
        for (secret, target) in &secrets {
            mounts.push(json!({
                "name": SECRETS_VOLUME, "mountPath": target, "subPath": secret, "readOnly": true,
            }));
        }
        let mut names: Vec<&String> = secrets.iter().map(|(s, _)| s).collect();
        names.sort();
        names.dedup();
        let sources: Vec<Value> = names
            .into_iter()
            .map(|s| json!({"secret": {"name": object_name(s), "items": [{"key": s, "path": s}]}}))
            .collect();
        let mut projected = json!({"sources": sources});
        // Kubernetes writes them 0644 unless told: readable by every user
        // of the container. With the pod's user known they are its group's
        // (fsGroup) alone; an unknown user keeps the default, or it could
        // not read its own secrets, and so does root: an image started as
        // root steps down to a user of its own (gosu, su-exec), which reads
        // them after.
        if run_as(cx.stack, service).is_some_and(|account| !account.is_root()) {
            projected["defaultMode"] = json!(SECRET_FILE_MODE);
        }
        volumes.insert(SECRETS_VOLUME.to_string(), json!({ "projected": projected }));
    }
    for (index, path) in writable_paths(cx.stack, service).into_iter().enumerate() {
        let name = format!("{WRITABLE_VOLUME}-{index}");
        mounts.push(json!({"name": name, "mountPath": path}));
        volumes.insert(name, json!({"emptyDir": {}}));
    }
    if let Some(shm) = &service.shm_size {
        mounts.push(json!({"name": SHM_VOLUME, "mountPath": "/dev/shm"}));
        volumes.insert(
            SHM_VOLUME.to_string(),
            json!({"emptyDir": {"medium": "Memory", "sizeLimit": quantity(shm.value.0)}}),
        );
    }
    mounts.sort_by(|a, b| a["mountPath"].as_str().cmp(&b["mountPath"].as_str()));
    if !mounts.is_empty() {
        value["volumeMounts"] = Value::Array(mounts);
    }
    Container { value, volumes }
}

/// The data folder of PostgreSQL's images up to 17, where a spec mounts
/// its volume (18's `/var/lib/postgresql` holds the data a folder further
/// down already).
const POSTGRES_DATA: &str = "/var/lib/postgresql/data";

/// The `PGDATA` of PostgreSQL whose data folder (the image's default, or
/// the one the service sets) is where a volume is mounted: `initdb`
/// refuses a folder that holds anything, and the root of a volume on
/// block storage holds `lost+found`. A folder inside the volume, which the
/// image's entrypoint creates as the database's user, as the image's
/// documentation advises.
fn pgdata_in_volume(stack: &Stack, service: &Service) -> Option<String> {
    let data = match stack.env_value(service, "PGDATA") {
        crate::ir::EnvValue::Unset => POSTGRES_DATA.to_string(),
        crate::ir::EnvValue::Set(data, _) => data,
        crate::ir::EnvValue::Unknown => return None,
    };
    let data = data.trim_end_matches('/');
    // A PGDATA of its own is PostgreSQL's only in an image stackc knows
    // runs it (a backup tool may name its folder so too).
    let postgres = || known_image(stack, service).is_some_and(|(known, _)| known.user == "postgres");
    if data != POSTGRES_DATA && !postgres() {
        return None;
    }
    let at_data = |m: &&crate::ir::Mount| m.volume().is_some() && m.target.value.trim_end_matches('/') == data;
    service.mounts.iter().find(at_data)?;
    Some(format!("{data}/pgdata"))
}

/// The pod volume of the service's `index`th mount, an anonymous one.
fn anonymous_volume(index: usize) -> String {
    format!("{ANONYMOUS_VOLUME}-{index}")
}

/// Whether the service's image has no shell to copy with: a distroless
/// image, or an own image built FROM scratch or on one. Its anonymous
/// volumes stay empty (it seldom holds a folder worth copying).
fn has_no_shell(stack: &Stack, service: &Service) -> bool {
    let shell_less = |image: &ImageRef| image.text.value.contains("distroless") || image.hub_name() == "scratch";
    if let Some(ImageSource::Image(image)) = &service.image {
        return shell_less(image);
    }
    let Some(own) = stack.own_image(service) else {
        return false;
    };
    let from_scratch = own.stage.is_some_and(|stage| {
        // The stage the image's chain of stages starts from.
        let chain = own.dockerfile.stages_in_image(stage);
        let root = chain.first().and_then(|i| own.dockerfile.stages.get(*i));
        matches!(root.map(|s| &s.base), Some(crate::input::dockerfile::Base::Scratch))
    });
    from_scratch || own.registry_base().is_some_and(shell_less)
}

/// Where a seeding init container mounts the anonymous volume it fills.
const SEED_MOUNT: &str = "/stackc-seed";

/// An init container per anonymous volume of the service, copying what
/// the image holds at the volume's path into it: docker fills a new
/// anonymous volume so (a `node_modules` kept apart from a source mount),
/// and an `emptyDir` would hide it. A path the image lacks is left empty,
/// as docker leaves it; the copy is the container's user's. An image with
/// no shell gets none.
fn anonymous_seeds(cx: &Context, service: &Service) -> Vec<Container> {
    if has_no_shell(cx.stack, service) {
        return Vec::new();
    }
    let anonymous = service.mounts.iter().enumerate();
    let anonymous = anonymous.filter(|(_, m)| matches!(m.source, MountSource::Anonymous(_)));
    anonymous
        .map(|(index, mount)| {
            // The path is an argument of the script, never part of it.
            let copy = format!("[ ! -d \"$1\" ] || cp -R \"$1/.\" {SEED_MOUNT}/");
            let value = json!({
                "name": format!("seed-{ANONYMOUS_VOLUME}-{index}"),
                "image": image(cx.stack, service),
                "imagePullPolicy": "Always",
                "securityContext": security_context(cx.stack, service),
                "resources": resources(service),
                "command": ["sh", "-c", copy, "seed", mount.target.value],
                "volumeMounts": [{"name": anonymous_volume(index), "mountPath": SEED_MOUNT}],
            });
            Container {
                value,
                volumes: BTreeMap::new(),
            }
        })
        .collect()
}

/// The pod spec around a main container and its init containers (the
/// given ones, then those that fill its anonymous volumes).
pub(super) fn pod_spec(cx: &Context, service: &Service, mut init: Vec<Container>) -> Value {
    let main = container(cx, service);
    let mut volumes = main.volumes;
    init.extend(anonymous_seeds(cx, service));
    let mut init_values = Vec::new();
    for container in init {
        volumes.extend(container.volumes);
        init_values.push(container.value);
    }
    let account = run_as(cx.stack, service);
    let mut security = json!({
        "runAsNonRoot": !account.is_some_and(RunAs::is_root),
        "seccompProfile": {"type": "RuntimeDefault"},
    });
    if let Some(account) = account {
        account.write_ids(&mut security);
        // Volumes are made the group's: the process's own group when known,
        // else a supplementary group of the user's number.
        security["fsGroup"] = json!(account.gid.unwrap_or(account.uid));
    }
    let known_port = || known_image(cx.stack, service).and_then(|(known, _)| known.port);
    // Docker lets any container's user bind a port below 1024; a pod with
    // no capabilities needs the sysctl for its own (a Node backend's
    // `PORT=80`, a known image's port 80).
    let below_1024 = |port: u16| port < 1024;
    let binds_privileged = match service.proxy() {
        Some(proxy) => proxy.listens_on_privileged_port(),
        None => {
            !account.is_some_and(RunAs::is_root)
                && (known_port().is_some_and(below_1024)
                    || container_ports(cx.stack, service)
                        .iter()
                        .any(|&(port, _)| below_1024(port)))
        }
    };
    if binds_privileged {
        // A safe sysctl (Kubernetes 1.22): the unprivileged nginx binds
        // `listen 80` in the pod's own network namespace.
        security["sysctls"] = json!([{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]);
    }
    let mut spec = json!({
        "automountServiceAccountToken": false,
        "enableServiceLinks": false,
        "securityContext": security,
        "containers": [main.value],
    });
    if !init_values.is_empty() {
        spec["initContainers"] = Value::Array(init_values);
    }
    if !volumes.is_empty() {
        let volumes: Vec<Value> = volumes
            .into_iter()
            .map(|(name, mut source)| {
                source["name"] = json!(name);
                source
            })
            .collect();
        spec["volumes"] = Value::Array(volumes);
    }
    if let Some(grace) = &service.stop_grace_period {
        spec["terminationGracePeriodSeconds"] = json!(seconds(grace.value));
    }
    spec
}

/// The Secret an env file becomes: created from the file by whoever
/// deploys, since env files hold secrets as often as settings.
pub(super) fn env_secret_name(service: &Service) -> String {
    format!("{}-env", object_name(&service.name.value))
}

/// The image a container runs: the spec's, or the name of the image it
/// builds (a cluster pulls by name).
fn image(stack: &Stack, service: &Service) -> String {
    match &service.image {
        Some(ImageSource::Image(image)) => image.text.value.clone(),
        Some(ImageSource::Of(_)) | Some(ImageSource::Build(_)) => match stack.builder_of(service) {
            Some(builder) => crate::emit::built_image_name(stack, builder),
            None => String::new(),
        },
        None => String::new(),
    }
}

/// The numeric user (and group) a container runs as. `gid` is `None` where
/// the spec names no group and the image's is not known: the runtime then
/// gives the process the user's primary group from the image's
/// /etc/passwd, as Docker does, so `runAsGroup` is left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RunAs {
    pub uid: u32,
    pub gid: Option<u32>,
}

impl RunAs {
    pub(super) const fn new(uid: u32, gid: u32) -> Self {
        RunAs { uid, gid: Some(gid) }
    }

    pub(super) fn is_root(self) -> bool {
        self.uid == 0
    }

    /// `runAsUser`, and `runAsGroup` when the group is known.
    fn write_ids(self, context: &mut Value) {
        context["runAsUser"] = json!(self.uid);
        if let Some(gid) = self.gid {
            context["runAsGroup"] = json!(gid);
        }
    }
}

/// The numeric user the container runs as, when stackc can tell: the
/// spec's `user` (by number, `root`, or a published image's own user by name), the
/// user of the image stackc writes, nginx's for the proxy, the app's own
/// Dockerfile's numeric `USER`, or a known image's user.
pub(super) fn run_as(stack: &Stack, service: &Service) -> Option<RunAs> {
    if let Some(user) = &service.user {
        let known = known_account(stack, service);
        let uid = match &user.user.value {
            Account::Id(id) => *id,
            Account::Name(name) if name == "root" => 0,
            Account::Name(name) => {
                let of_known = known.filter(|_| known_image(stack, service).is_some_and(|(k, _)| k.user == name));
                // `user node` of `image node:22`, or of an own Dockerfile
                // built `FROM node:22`: the base image's own user.
                let of_base = || match &service.image {
                    Some(ImageSource::Image(image)) => base_image_user(image.hub_name(), name),
                    _ => base_image_user(stack.own_image(service)?.registry_base()?.repository(), name),
                };
                match of_known.or_else(of_base) {
                    Some(account) if user.group.is_none() => return Some(account),
                    Some(account) => account.uid,
                    None => return None,
                }
            }
        };
        let gid = match user.group.as_ref().map(|g| &g.value) {
            Some(Account::Id(id)) => Some(*id),
            Some(Account::Name(name)) if name == "root" => Some(0),
            Some(Account::Name(name)) => known_image(stack, service)
                .filter(|(k, _)| k.user == name)
                .and(known)
                .and_then(|k| k.gid),
            // No group: the user's primary group in the image, which is
            // known for the image's own user and for root.
            None if uid == 0 => Some(0),
            None => known.filter(|k| k.uid == uid).and_then(|k| k.gid),
        };
        return Some(RunAs { uid, gid });
    }
    if service.proxy().is_some() {
        return Some(RunAs::new(NGINX_UID, NGINX_UID));
    }
    if let Some(python) = stack.builder_of(service).and_then(|b| b.build()?.python()) {
        // The Dockerfile stackc writes gives the user a group of its number.
        let uid = python.user.uid.value;
        return Some(RunAs::new(uid, uid));
    }
    // An own Dockerfile with no `USER` runs as its base's user.
    if let Some(user) = stack
        .own_image(service)
        .and_then(|own| Some((own, own.facts()?.user.as_ref()?)))
    {
        let (own, user) = user;
        let user = user.value.known()?.clone();
        return own_image_account(own, &user).filter(|account| !account.is_root());
    }
    known_account(stack, service)
}

/// A container user stackc cannot give a number, which a `runAsNonRoot`
/// pod cannot run as: the spec's `user NAME`, the own Dockerfile's `USER
/// NAME` (where the spec names the build), or the unknown user of a
/// published image (its `image` line) or of the base of an own Dockerfile
/// with no `USER` (where the spec names the build), which may be root or
/// a name.
pub enum UnnumberedUser {
    Spec(String, crate::source::Span),
    Dockerfile(String, crate::source::Span),
    Image(ImageRef),
    Base(ImageRef, crate::source::Span),
}

/// The container's user, when it is one [`run_as`] finds no number for.
pub fn unnumbered_user(stack: &Stack, service: &Service) -> Option<UnnumberedUser> {
    if run_as(stack, service).is_some() {
        return None;
    }
    if let Some(user) = &service.user {
        return match &user.user.value {
            Account::Name(name) => Some(UnnumberedUser::Spec(name.clone(), user.span)),
            Account::Id(_) => None,
        };
    }
    if let Some(ImageSource::Image(image)) = &service.image {
        return Some(UnnumberedUser::Image(image.clone()));
    }
    let own = stack.own_image(service)?;
    let build = stack.builder_of(service)?.build()?;
    let span = build.own_dockerfile().map_or(build.context.span, |d| d.file.span);
    let Some(user) = own.facts()?.user.as_ref() else {
        return own.registry_base().map(|base| UnnumberedUser::Base(base.clone(), span));
    };
    let name = user.value.known()?.split(':').next()?;
    name.parse::<u32>()
        .is_err()
        .then(|| UnnumberedUser::Dockerfile(name.to_string(), span))
}

/// The account an app's own Dockerfile's `USER` names: by number, a name
/// its RUN commands create with a fixed uid, or the base image's own user
/// (`USER node` in a `node` image). The group likewise, else the user's
/// primary group when the Dockerfile fixes it.
fn own_image_account(own: &crate::input::OwnImage, user: &str) -> Option<RunAs> {
    let (name, group) = user.split_once(':').map_or((user, None), |(u, g)| (u, Some(g)));
    let stages = own.dockerfile.stages_in_image(own.stage?);
    let created = |name: &str| own.dockerfile.created_account(&stages, name);
    let base = || base_image_user(own.registry_base()?.repository(), name);
    let account = match name.parse::<u32>() {
        Ok(uid) => RunAs { uid, gid: None },
        Err(_) => created(name).map(|a| RunAs { uid: a.uid, gid: a.gid }).or_else(base)?,
    };
    let gid = match group {
        None => account.gid,
        Some("root") => Some(0),
        Some(group) => group.parse().ok(),
    };
    Some(RunAs { gid, ..account })
}

/// Published base images' own non-root users an app's Dockerfile (or the
/// spec's `user`) may switch to by name: (repository, user, uid, gid); a
/// repository ending in `/` is every image under it (distroless's
/// `nonroot`, Chainguard's).
const BASE_IMAGE_USERS: &[(&str, &str, u32, u32)] = &[
    ("node", "node", 1000, 1000),
    ("gcr.io/distroless/", "nonroot", 65532, 65532),
    ("cgr.dev/chainguard/", "nonroot", 65532, 65532),
];

/// The uid and gid of `user` in the published image `repository` (as
/// [`ImageRef::hub_name`] or `repository()` gives it), where stackc knows
/// them.
fn base_image_user(repository: &str, user: &str) -> Option<RunAs> {
    let repository = repository.strip_prefix("docker.io/").unwrap_or(repository);
    let repository = repository.strip_prefix("library/").unwrap_or(repository);
    let matches = |known: &str| match known.strip_suffix('/') {
        Some(prefix) => repository.starts_with(prefix) && repository[prefix.len()..].starts_with('/'),
        None => repository == known,
    };
    let (_, _, uid, gid) = (BASE_IMAGE_USERS.iter()).find(|(known, name, ..)| matches(known) && *name == user)?;
    Some(RunAs::new(*uid, *gid))
}

/// The mode of a secret file in a pod whose user is known: its owner
/// (root) and the pod's group (fsGroup, the user's uid) read it.
const SECRET_FILE_MODE: u32 = 0o440;

/// The folders a container may write on a cluster, where its root file
/// system is read-only: its volumes but read-only ones (a host folder
/// mounts nothing there), `/dev/shm` when sized, and [`writable_paths`].
pub fn writable_folders(stack: &Stack, service: &Service) -> Vec<String> {
    let mut folders = writable_paths(stack, service);
    let mounted = (service.mounts.iter())
        .filter(|m| !m.read_only && (m.volume().is_some() || matches!(m.source, MountSource::Anonymous(_))));
    folders.extend(mounted.map(|m| m.target.value.clone()));
    if service.shm_size.is_some() {
        folders.push("/dev/shm".to_string());
    }
    folders
}

/// The folders a read-only root file system must still let the process
/// write: /tmp, a known image's own, the home folder of the user of an
/// image stackc writes (Gunicorn keeps its control socket there), and the
/// folders a raw `compose tmpfs` names, where the spec says it writes
/// (Weblate's `/run`, beside its `read_only`).
fn writable_paths(stack: &Stack, service: &Service) -> Vec<String> {
    let mut paths = vec!["/tmp".to_string()];
    // The proxy's nginx.conf is stackc's, which writes in /tmp alone.
    if let Some((known, _)) = known_image(stack, service).filter(|_| service.proxy().is_none()) {
        let own = stack.own_image(service);
        let written = |path: &&&str| own.is_none_or(|own| !own_image_fills(stack, own, path));
        paths.extend(known.writes.iter().filter(written).map(|p| p.to_string()));
    }
    for path in tmpfs_paths(service) {
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    if let Some(python) = stack.builder_of(service).and_then(|b| b.build()?.python()) {
        paths.push(format!("/home/{}", python.user.name.value));
    }
    paths.retain(|p| !service.mounts.iter().any(|m| &m.target.value == p));
    paths
}

/// Whether the app's own Dockerfile may put files in `folder`: a COPY or
/// ADD into it (or into a folder holding it), or a RUN that names it. An
/// emptyDir there would hide them (a Grafana image's dashboards), so the
/// folder is left to the image's root, read-only on a cluster.
fn own_image_fills(stack: &Stack, own: &crate::input::OwnImage, folder: &str) -> bool {
    let Some(built) = own.stage else {
        return true;
    };
    let text = &stack.inputs.source(own.file).text;
    let folder = folder.trim_end_matches('/');
    let overlaps = |path: &str| {
        let path = path.trim_end_matches('/');
        path == folder || path.starts_with(&format!("{folder}/")) || folder.starts_with(&format!("{path}/"))
    };
    (own.dockerfile.stages_in_image(built).into_iter()).any(|index| {
        let stage = &own.dockerfile.stages[index];
        let copied = (stage.facts.copies.iter()).any(|copy| copy.destination.value.known().is_none_or(|d| overlaps(d)));
        let run = (own.dockerfile.instructions[stage.instructions.clone()].iter())
            .filter(|i| i.keyword == crate::input::dockerfile::Keyword::Run)
            .any(|i| text.get(i.span.range()).is_some_and(|run| run.contains(folder)));
        copied || run
    })
}

/// The folders of a raw `compose tmpfs` (a path or a list of them, each
/// maybe with compose's `:OPTIONS`), absolute ones only.
fn tmpfs_paths(service: &Service) -> Vec<String> {
    let Some(raw) = service.raw_compose.iter().find(|r| r.key.value == "tmpfs") else {
        return Vec::new();
    };
    let items = match &raw.value.value {
        serde_json::Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    items
        .into_iter()
        .filter_map(|item| item.as_str())
        .map(|item| {
            item.split(':')
                .next()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_string()
        })
        .filter(|path| path.starts_with('/') && path.len() > 1)
        .collect()
}

/// A container's security context: never root but where the spec says
/// `user root` (uid 0 with `runAsNonRoot`, the kubelet would refuse to
/// start), and hardened unless it says `hardening off`: no privilege
/// escalation, a read-only root file system, no capabilities, or for root
/// [`ROOT_CAPABILITIES`].
fn security_context(stack: &Stack, service: &Service) -> Value {
    let account = run_as(stack, service);
    let root = account.is_some_and(RunAs::is_root);
    let mut context = json!({"privileged": false, "runAsNonRoot": !root});
    if service.hardening_off.is_none() {
        context["allowPrivilegeEscalation"] = json!(false);
        context["readOnlyRootFilesystem"] = json!(true);
        context["capabilities"] = match root {
            true => json!({"drop": ["ALL"], "add": ROOT_CAPABILITIES}),
            false => json!({"drop": ["ALL"]}),
        };
    }
    if let Some(account) = account {
        account.write_ids(&mut context);
    }
    context
}

/// The checkov checks a pod fails because the spec says so, each with the
/// statement that does, as `checkov.io/skipN` annotations (which checkov
/// reads): read from the pod's containers, init containers included (a
/// root job run in the pod of the service that waits for it), so the
/// reason stays beside the object and every pod that did not ask is
/// still checked. Only `user root` makes a root container or adds
/// capabilities, and only `hardening off` leaves the hardening out.
pub(super) fn checks_the_spec_waives(pod: &Value) -> Value {
    let containers: Vec<&Value> = ["initContainers", "containers"]
        .iter()
        .flat_map(|field| pod[*field].as_array().into_iter().flatten())
        .collect();
    let any = |test: &dyn Fn(&Value) -> bool| containers.iter().any(|c| test(&c["securityContext"]));
    let root = any(&|context| context["runAsNonRoot"] == false);
    let added = any(&|context| context["capabilities"]["add"].is_array());
    let unhardened = any(&|context| context["readOnlyRootFilesystem"].is_null());
    let waived = [
        (root, "CKV_K8S_23", "the spec says user root"),
        (
            added,
            "CKV_K8S_25",
            "the spec says user root: its entrypoint keeps Docker's capabilities",
        ),
        (unhardened, "CKV_K8S_20", "the spec says hardening off"),
        (unhardened, "CKV_K8S_22", "the spec says hardening off"),
        (unhardened, "CKV_K8S_28", "the spec says hardening off"),
        (unhardened, "CKV_K8S_37", "the spec says hardening off"),
    ];
    let annotations: serde_json::Map<String, Value> = (waived.iter().filter(|(applies, ..)| *applies))
        .enumerate()
        .map(|(n, (_, check, why))| (format!("checkov.io/skip{}", n + 1), json!(format!("{check}={why}"))))
        .collect();
    Value::Object(annotations)
}

/// What a container the spec runs as root keeps: Docker's default
/// capabilities, which its entrypoint uses to set up and step down (chown
/// its data, bind port 80, switch to its user with gosu, as WordPress's
/// apache and PostgreSQL's entrypoint do), but for raw sockets, device
/// nodes and file capabilities (`NET_RAW`, `MKNOD`, `SETFCAP`).
const ROOT_CAPABILITIES: [&str; 11] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "NET_BIND_SERVICE",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Requests for the scheduler, and a memory limit: the spec's `limits`
/// (memory requested as much as its limit, so the pod is never killed for
/// what it was promised), else small defaults. No CPU limit: throttling a
/// busy app only slows it.
fn resources(service: &Service) -> Value {
    let limits = service.limits.as_ref();
    let memory = limits.and_then(|l| l.memory.as_ref()).map(|m| quantity(m.value.0));
    let cpu = limits.and_then(|l| l.cpus.as_ref()).map(|c| cpu(c.value));
    json!({
        "requests": {
            "cpu": cpu.unwrap_or_else(|| DEFAULT_CPU_REQUEST.to_string()),
            "memory": memory.clone().unwrap_or_else(|| DEFAULT_MEMORY_REQUEST.to_string()),
        },
        "limits": {
            "memory": memory.unwrap_or_else(|| DEFAULT_MEMORY_LIMIT.to_string()),
        },
    })
}

/// A byte count as a Kubernetes quantity: `512Mi`, `1Gi`, or bytes.
pub(super) fn quantity(bytes: u64) -> String {
    for (unit, size) in [("Ti", 1u64 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if bytes != 0 && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    bytes.to_string()
}

/// CPUs as a quantity: whole ones as a number, others in millicores.
fn cpu(cpus: Cpus) -> String {
    if cpus.0.is_multiple_of(1000) {
        (cpus.0 / 1000).to_string()
    } else {
        format!("{}m", cpus.0)
    }
}

/// The ports the container listens on, with their protocols: its app
/// server's or proxy's (or a known image's), over TCP, the ones it
/// exposes or publishes, its `ready tcp` or `ready http` port, and the
/// ones the other services' variables name it at
/// ([`Stack::addressed_ports`]).
pub(super) fn container_ports(stack: &Stack, service: &Service) -> Vec<(u16, Protocol)> {
    let mut tcp: Vec<u16> = match service.proxy() {
        Some(proxy) => proxy.servers.iter().flat_map(Server::ports).collect(),
        None => (stack.app_port(service))
            .or_else(|| known_image(stack, service).and_then(|(k, _)| k.port))
            .into_iter()
            .collect(),
    };
    if let Some(Probe::Tcp(port) | Probe::Http { port: Some(port), .. }) = service.ready.as_ref().map(|r| &r.probe) {
        tcp.push(port.value);
    }
    tcp.extend(stack.addressed_ports(service));
    let mut ports: Vec<(u16, Protocol)> = tcp.into_iter().map(|port| (port, Protocol::Tcp)).collect();
    let declared = (service.expose.iter()).chain(service.ports.iter().map(|p| &p.container_port));
    ports.extend(declared.map(|p| (p.number.value, p.protocol)));
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// The secret files a container reads, as (secret, path): `*_FILE` ones and
/// the proxy's TLS files under /run/secrets, fixed-path ones where asked.
fn secret_files(service: &Service) -> Vec<(String, String)> {
    let tls = service.proxy().into_iter().flat_map(Proxy::secrets);
    let by_name = service.secrets.iter().map(|s| &s.secret).chain(tls);
    let mut files: Vec<(String, String)> = by_name
        .map(|s| (s.value.clone(), crate::emit::secret_path(&s.value)))
        .collect();
    for mount in &service.secret_mounts {
        let target = mount
            .target
            .as_ref()
            .map_or_else(|| crate::emit::secret_path(&mount.secret.value), |t| t.value.clone());
        files.push((mount.secret.value.clone(), target));
    }
    files.sort();
    files.dedup();
    files
}

/// A pod's volume for a spec volume; none for a StatefulSet's own claim,
/// which its claim template gives the pod under the same name.
fn volume_source(plan: &Plan, volume: &str) -> Option<Value> {
    match plan.placement(volume) {
        Placement::PodLocal => Some(json!({"emptyDir": {}})),
        Placement::Kept => None,
        Placement::Shared => Some(json!({"persistentVolumeClaim": {"claimName": object_name(volume)}})),
    }
}

/// The app's own Dockerfile's HEALTHCHECK, as a `ready` statement: the
/// kubelet ignores an image's HEALTHCHECK, so it becomes the probe. Not for
/// a worker running the image with a command of its own: the check is the
/// web app's, which the worker never answers (the kubelet would restart it
/// for ever).
fn image_healthcheck(stack: &Stack, service: &Service) -> Option<Readiness> {
    use crate::input::dockerfile::Form;
    if service.runs_another_program() {
        return None;
    }
    let check = stack.own_image(service)?.facts()?.healthcheck.as_ref()?;
    let command = check.command.as_ref()?;
    let (line, words) = match &command.form {
        Form::Shell(text) => (Some(text.clone()), Vec::new()),
        Form::Exec(words) => (None, words.clone()),
    };
    Some(Readiness {
        probe: Probe::Cmd(Argv {
            line,
            words,
            span: command.span,
        }),
        interval: check.options.interval.clone(),
        timeout: check.options.timeout.clone(),
        retries: check.options.retries.clone(),
        start_period: check.options.start_period.clone(),
        start_interval: check.options.start_interval.clone(),
        span: check.span,
    })
}

/// The check a readiness probe runs: the spec's `ready` (or the image's
/// HEALTHCHECK), else a TCP connect to the port stackc knows the service
/// listens on.
fn probe_handler(stack: &Stack, service: &Service, ready: Option<&Readiness>) -> Option<Value> {
    let Some(ready) = ready else {
        let port = probe_port(stack, service)?;
        return Some(json!({"tcpSocket": {"port": port}}));
    };
    Some(match &ready.probe {
        Probe::Cmd(argv) => {
            let words = match &argv.line {
                Some(line) => vec!["sh".to_string(), "-c".to_string(), line.clone()],
                None => argv.words.clone(),
            };
            json!({"exec": {"command": expanded_words(&words)}})
        }
        Probe::Tcp(port) => json!({"tcpSocket": {"port": port.value}}),
        Probe::Http { path, port } => {
            let port = (port.as_ref().map(|p| p.value))
                .or_else(|| probe_port(stack, service))
                .unwrap_or(80);
            // The name compose's healthcheck sends too, which Django's
            // ALLOWED_HOSTS can list; the pod's IP changes.
            json!({"httpGet": {
                "path": crate::emit::percent_encode_path(&path.value),
                "port": port,
                "httpHeaders": [{"name": "Host", "value": "localhost"}],
            }})
        }
    })
}

/// The TCP port a readiness probe checks when the spec has no `ready`:
/// its app server's or proxy's, else, where it runs its image's own
/// program (no `command`), a known image's or the one TCP port it exposes
/// or publishes (Uptime Kuma's `publish 3001 -> 3001`). Never a port only
/// the other services' variables name: those are read from text.
fn probe_port(stack: &Stack, service: &Service) -> Option<u16> {
    stack.app_port(service).or_else(|| {
        if service.command.is_some() {
            return None;
        }
        let known = known_image(stack, service).and_then(|(k, _)| k.port);
        known.or_else(|| match declared_tcp_ports(service).as_slice() {
            [only] => Some(*only),
            _ => None,
        })
    })
}

/// The TCP ports a service exposes or publishes, sorted.
fn declared_tcp_ports(service: &Service) -> Vec<u16> {
    let mut declared: Vec<u16> = (service.expose.iter())
        .chain(service.ports.iter().map(|p| &p.container_port))
        .filter(|port| port.is_tcp())
        .map(|port| port.number.value)
        .collect();
    declared.sort_unstable();
    declared.dedup();
    declared
}

/// Timing of both probes, from `ready ... every/timeout`.
fn timing(ready: Option<&Readiness>) -> (u64, u64) {
    let interval = ready
        .and_then(|r| r.interval.as_ref())
        .map_or(crate::emit::DEFAULT_INTERVAL, |i| i.value);
    let timeout = ready
        .and_then(|r| r.timeout.as_ref())
        .map_or(crate::emit::DEFAULT_TIMEOUT, |t| t.value);
    (seconds(interval), seconds(timeout))
}

/// Takes the pod out of its Service's endpoints while the check fails.
fn readiness_probe(handler: &Value, ready: Option<&Readiness>) -> Value {
    let (period, timeout) = timing(ready);
    let mut probe = handler.clone();
    probe["periodSeconds"] = json!(period);
    probe["timeoutSeconds"] = json!(timeout);
    probe["failureThreshold"] = json!(3);
    probe
}

/// Gives the process the `start` period and then `retries` checks to come
/// up, as compose's healthcheck does, before the readiness probe takes
/// over. It checks every `start_every` when given (compose's
/// `start_interval`), so a pod that comes up fast is ready sooner, and
/// counts that many more checks: the same time in all.
fn startup_probe(handler: &Value, ready: Option<&Readiness>) -> Value {
    let (period, timeout) = timing(ready);
    let retries = ready
        .and_then(|r| r.retries.as_ref())
        .map_or(crate::emit::DEFAULT_RETRIES, |r| r.value);
    let start = ready
        .and_then(|r| r.start_period.as_ref())
        .map_or(0, |s| seconds(s.value));
    let pace = ready
        .and_then(|r| r.start_interval.as_ref())
        .map_or(period, |s| seconds(s.value));
    let mut probe = handler.clone();
    probe["periodSeconds"] = json!(pace);
    probe["timeoutSeconds"] = json!(timeout);
    probe["failureThreshold"] = json!(start.div_ceil(pace) + (u64::from(retries) * period).div_ceil(pace));
    probe
}

/// Whole seconds, rounded up, at least one (the probes' unit and minimum).
fn seconds(duration: Duration) -> u64 {
    duration.0.div_ceil(1000).max(1)
}
