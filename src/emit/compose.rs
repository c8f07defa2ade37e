//! `compose.yaml`, through serde mirror types and serde-saphyr.
//!
//! Escaping has one place per concern: every string that comes from the
//! spec is a [`Str`], whose `Serialize` doubles `$` so compose never fills a
//! spec value from the host's environment (spec strings are literal); and
//! serde-saphyr quotes every scalar a YAML 1.1 or 1.2 reader could take for
//! something other than a string (`on`, `1_000`, `22:22`, dates).
//!
//! Order follows the compose linters: the field order of the mirror types;
//! services and `depends_on` sorted as dclint compares them
//! ([`super::collate`]), ports by their published port; and a service's keys in [`service_key_order`]
//! (dclint's service-keys-order), which also places the raw `compose` keys.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_saphyr::SingleQuoted;

use super::collate::locale_cmp;
use super::source_map::{self, SourceMap};
use super::{header, percent_encode_path, served_path, Layout, DEFAULT_INTERVAL, DEFAULT_RETRIES, DEFAULT_TIMEOUT};
use crate::ir::*;
use crate::source::{Span, Spanned};

pub(super) fn emit(stack: &Stack, layout: &Layout) -> String {
    let mut services: Vec<&Service> = stack.services.iter().collect();
    services.sort_by(|a, b| locale_cmp(&a.name.value, &b.name.value));
    let file = File {
        name: Str::from(stack.name_or_default()),
        services: Services {
            stack,
            layout,
            services,
        },
        networks: stack
            .networks
            .iter()
            .map(|n| (n.name.value.clone(), network(n)))
            .collect(),
        volumes: stack
            .volumes
            .iter()
            .map(|v| (v.name.value.clone(), volume(v)))
            .collect(),
        secrets: stack
            .secrets
            .iter()
            .map(|s| (s.name.value.clone(), secret(s, layout)))
            .collect(),
    };
    let options = serde_saphyr::ser_options! {
        indent_step: 2,
        prefer_block_scalars: false,
    };
    let mut yaml = format!("# {}\n", header(layout));
    serde_saphyr::to_fmt_writer_with_options(&mut yaml, &file, options)
        .expect("the compose mirror types hold only strings, numbers, lists and maps");
    yaml
}

/// A string as compose must see it: `$` doubled, so it reaches the container
/// literally instead of being filled from the host's environment. Every
/// field of the mirror types below that can hold spec text is one, so none
/// can miss the escaping; the plain `String`s are map keys (names the
/// grammar restricts) and values stackc makes (durations, ports).
#[derive(Clone, Debug, Default)]
struct Str(String);

impl From<&str> for Str {
    fn from(value: &str) -> Self {
        Str(value.to_string())
    }
}

impl From<String> for Str {
    fn from(value: String) -> Self {
        Str(value)
    }
}

impl Serialize for Str {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.replace('$', "$$"))
    }
}

fn strs<'a>(words: impl IntoIterator<Item = &'a String>) -> Vec<Str> {
    words.into_iter().map(|w| Str::from(w.as_str())).collect()
}

// ---------------------------------------------------------------- mirror types

#[derive(serde::Serialize)]
struct File<'s> {
    name: Str,
    services: Services<'s>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    networks: Map<NetworkDef>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    volumes: Map<VolumeDef>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    secrets: Map<SecretDef>,
}

/// The services, in the order they are written. Each becomes its mirror
/// only as it is written, so the mirrors of a stack of 10,000 services are
/// never all held at once.
struct Services<'s> {
    stack: &'s Stack,
    layout: &'s Layout,
    services: Vec<&'s Service>,
}

impl Serialize for Services<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.services.len()))?;
        for one in &self.services {
            map.serialize_entry(&one.name.value, &service(self.stack, one, self.layout))?;
        }
        map.end()
    }
}

/// A service's keys, emitted in [`service_key_order`].
#[derive(Default)]
struct ComposeService(Vec<(String, Value)>);

impl ComposeService {
    fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.0.push((key.to_string(), value.into()));
    }

    /// Sets the key unless the value is empty.
    fn set_nonempty<T>(&mut self, key: &str, value: Vec<T>)
    where
        Vec<T>: Into<Value>,
    {
        if !value.is_empty() {
            self.set(key, value);
        }
    }
}

impl Serialize for ComposeService {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<&(String, Value)> = self.0.iter().collect();
        entries.sort_by(|(a, _), (b, _)| service_key_order(a, b));
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for (key, value) in entries {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// dclint's service-keys-order: these keys in this order, then every other
/// key sorted by name.
const SERVICE_KEY_ORDER: &[&str] = &[
    "image",
    "build",
    "container_name",
    "depends_on",
    "volumes",
    "volumes_from",
    "configs",
    "secrets",
    "environment",
    "env_file",
    "ports",
    "networks",
    "network_mode",
    "extra_hosts",
    "command",
    "entrypoint",
    "working_dir",
    "restart",
    "healthcheck",
    "logging",
    "labels",
    "user",
    "isolation",
];

/// dclint's service-keys-order: the keys of [`SERVICE_KEY_ORDER`] in its
/// order, then every other key as `localeCompare` sorts them.
fn service_key_order(a: &str, b: &str) -> std::cmp::Ordering {
    let rank = |key: &str| {
        SERVICE_KEY_ORDER
            .iter()
            .position(|k| *k == key)
            .unwrap_or(SERVICE_KEY_ORDER.len())
    };
    rank(a).cmp(&rank(b)).then_with(|| locale_cmp(a, b))
}

/// Declares [`Value`] and a `From` for each of its variants, so
/// `ComposeService::set` takes any of them.
macro_rules! service_values {
    ($($(#[doc = $doc:literal])* $variant:ident($type:ty),)+) => {
        /// The value of one service key.
        #[derive(serde::Serialize)]
        #[serde(untagged)]
        enum Value {
            $($(#[doc = $doc])* $variant($type),)+
        }

        $(impl From<$type> for Value {
            fn from(value: $type) -> Self {
                Value::$variant(value)
            }
        })+
    };
}

service_values! {
    /// A value stackc makes (a duration, a policy); never spec text.
    Plain(String),
    Str(Str),
    Strs(Vec<Str>),
    Build(BuildDef),
    DependsOn(Map<DependsOn>),
    Volumes(Vec<VolumeMount>),
    Secrets(Vec<SecretRef>),
    /// `environment`, `labels`, `sysctls`.
    StrMap(Map<Str>),
    /// Quoted, as dclint's require-quotes-in-ports wants; made of numbers
    /// and an IP address only.
    Ports(Vec<SingleQuoted<String>>),
    EnvFiles(Vec<EnvFileDef>),
    Healthcheck(Healthcheck),
    HealthcheckOff(HealthcheckOff),
    Deploy(Deploy),
    Raw(Raw),
}

#[derive(serde::Serialize)]
struct Deploy {
    #[serde(skip_serializing_if = "Option::is_none")]
    replicas: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<Resources>,
}

#[derive(serde::Serialize)]
struct Resources {
    limits: ResourceLimits,
}

#[derive(serde::Serialize)]
struct ResourceLimits {
    /// A string: compose reads `'1.5'`, and a float could print as `1.5000001`.
    #[serde(skip_serializing_if = "Option::is_none")]
    cpus: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    memory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pids: Option<u32>,
}

/// A raw `compose` value: plain data read from the spec's YAML. Its strings
/// are spec text, so they go through [`Str`] like every other.
struct Raw(serde_json::Value);

impl Serialize for Raw {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawRef(&self.0).serialize(serializer)
    }
}

struct RawRef<'a>(&'a serde_json::Value);

impl Serialize for RawRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        match self.0 {
            serde_json::Value::Null => serializer.serialize_unit(),
            serde_json::Value::Bool(b) => serializer.serialize_bool(*b),
            serde_json::Value::Number(n) => n.serialize(serializer),
            serde_json::Value::String(text) => Str::from(text.as_str()).serialize(serializer),
            serde_json::Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&RawRef(item))?;
                }
                seq.end()
            }
            serde_json::Value::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    // Keys as written: compose fills variables in values only.
                    map.serialize_entry(key, &RawRef(value))?;
                }
                map.end()
            }
        }
    }
}

#[derive(serde::Serialize)]
struct BuildDef {
    context: Str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dockerfile: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<Str>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    args: Map<Str>,
}

#[derive(serde::Serialize)]
struct DependsOn {
    condition: &'static str,
    /// Compose's default is `true`; written only when it is not.
    #[serde(skip_serializing_if = "is_true")]
    required: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    restart: bool,
}

fn is_true(value: &bool) -> bool {
    *value
}

/// The long volume syntax: no `:`-splitting, so any path is safe.
#[derive(serde::Serialize)]
struct VolumeMount {
    #[serde(rename = "type")]
    kind: &'static str,
    /// `None` for an anonymous volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Str>,
    target: Str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    bind: Option<BindOptions>,
}

#[derive(serde::Serialize)]
struct BindOptions {
    /// `z` (shared) or `Z` (private).
    #[serde(skip_serializing_if = "Option::is_none")]
    selinux: Option<&'static str>,
    /// Make a missing host folder, as the short syntax (`./data:/data`)
    /// does and the long one does not unless asked.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    create_host_path: bool,
}

/// A secret a container reads: by name at `/run/secrets/NAME`, or at a
/// path of its own (compose's long syntax).
#[derive(serde::Serialize)]
#[serde(untagged)]
enum SecretRef {
    Name(Str),
    At { source: Str, target: Str },
}

#[derive(serde::Serialize)]
struct Healthcheck {
    test: Vec<Str>,
    interval: String,
    timeout: String,
    retries: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_period: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_interval: Option<String>,
}

/// `healthcheck: {disable: true}`: the image's own HEALTHCHECK turned off.
#[derive(serde::Serialize)]
struct HealthcheckOff {
    disable: bool,
}

/// An `env_file` entry: its path, or the long form for one that may be
/// missing (Compose 2.24 or newer).
#[derive(serde::Serialize)]
#[serde(untagged)]
enum EnvFileDef {
    Required(Str),
    Optional { path: Str, required: bool },
}

#[derive(serde::Serialize)]
struct SecretDef {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<Str>,
}

#[derive(serde::Serialize)]
struct NetworkDef {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    driver: Option<Str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    external: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    internal: bool,
}

fn network(network: &Network) -> NetworkDef {
    NetworkDef {
        name: network.network_name.as_ref().map(|n| n.as_str().into()),
        driver: network.driver.as_ref().map(|d| d.as_str().into()),
        external: network.external.is_some(),
        internal: network.internal,
    }
}

/// A volume's declaration: `postgres_data: {}`, or with the name Docker
/// knows it by and whether another project (or an earlier deployment)
/// made it.
#[derive(serde::Serialize)]
struct VolumeDef {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<Str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    external: bool,
}

fn volume(volume: &Volume) -> VolumeDef {
    VolumeDef {
        name: volume.volume_name.as_ref().map(|n| n.as_str().into()),
        external: volume.external.is_some(),
    }
}

/// A map that keeps the order it was built in. Keys are names the grammar
/// restricts to letters, digits, `_` and `-`.
struct Map<V>(Vec<(String, V)>);

impl<V> Map<V> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<V> Default for Map<V> {
    fn default() -> Self {
        Map(Vec::new())
    }
}

impl<V> FromIterator<(String, V)> for Map<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        Map(iter.into_iter().collect())
    }
}

impl<V: Serialize> Serialize for Map<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

// ---------------------------------------------------------------- IR -> mirror

/// The name of the image a service builds (see [`super::built_image_name`]).
fn built_image_name(stack: &Stack, service: &Service) -> Str {
    Str(super::built_image_name(stack, service))
}

fn service(stack: &Stack, service: &Service, layout: &Layout) -> ComposeService {
    let mut out = ComposeService::default();
    image(stack, service, layout, &mut out);
    let mut depends_on: Vec<(String, DependsOn)> = service
        .after
        .iter()
        .map(|d| {
            (
                d.target.value.clone(),
                DependsOn {
                    condition: condition(d),
                    required: d.optional.is_none(),
                    restart: d.restart.is_some(),
                },
            )
        })
        .collect();
    depends_on.sort_by(|a, b| locale_cmp(&a.0, &b.0));
    if !depends_on.is_empty() {
        out.set("depends_on", Map(depends_on));
    }
    let mut volumes: Vec<VolumeMount> = service.mounts.iter().map(|m| mount(stack, m, layout)).collect();
    if let Some(proxy) = service.proxy() {
        volumes.extend(proxy.aliased_volumes().into_iter().map(|volume| VolumeMount {
            kind: "volume",
            source: Some(volume.as_str().into()),
            target: served_path(volume).into(),
            read_only: true,
            bind: None,
        }));
    }
    out.set_nonempty("volumes", volumes);
    out.set_nonempty("secrets", secret_refs(service));
    let environment = environment(service);
    if !environment.is_empty() {
        out.set("environment", environment);
    }
    let env_files: Vec<EnvFileDef> = service
        .env_files
        .iter()
        .map(|file| {
            let path = layout.for_compose(&file.path.value).into();
            match file.optional {
                Some(_) => EnvFileDef::Optional { path, required: false },
                None => EnvFileDef::Required(path),
            }
        })
        .collect();
    out.set_nonempty("env_file", env_files);
    // dclint sorts ports by their published port (`localeCompare` with
    // `numeric: true`, numbers for ports without a range).
    let mut published: Vec<&PortMapping> = service.ports.iter().collect();
    published.sort_by_key(|p| p.host_port.value);
    out.set_nonempty("ports", published.into_iter().flat_map(ports).collect::<Vec<_>>());
    out.set_nonempty(
        "expose",
        service
            .expose
            .iter()
            .map(|port| SingleQuoted(port.to_string()))
            .collect::<Vec<_>>(),
    );
    out.set_nonempty(
        "networks",
        strs(&unique_sorted(service.networks.iter().map(|n| n.value.clone()))),
    );
    if let Some(entrypoint) = &service.entrypoint {
        out.set("entrypoint", strs(&entrypoint.words));
    }
    if let Some(command) = command(stack, service) {
        out.set("command", strs(&command));
    }
    let text_keys = [
        ("working_dir", &service.workdir),
        ("hostname", &service.hostname),
        ("container_name", &service.container_name),
        ("stop_signal", &service.stop_signal),
    ];
    for (key, value) in text_keys {
        if let Some(value) = value {
            out.set(key, Str::from(value.value.as_str()));
        }
    }
    if !service.labels.is_empty() {
        let labels = service.labels.iter();
        out.set(
            "labels",
            labels
                .map(|l| (l.name.value.clone(), Str::from(l.value.value.as_str())))
                .collect::<Map<Str>>(),
        );
    }
    let restart = match &service.restart {
        Some(restart) => restart.value,
        None if service.is_job() => Restart::No,
        None => Restart::UnlessStopped,
    };
    out.set("restart", restart.to_string());
    if let Some(ready) = &service.ready {
        out.set("healthcheck", healthcheck(stack, service, ready));
    } else if service.ready_off.is_some() {
        out.set("healthcheck", HealthcheckOff { disable: true });
    }
    if let Some(deploy) = deploy(service) {
        out.set("deploy", deploy);
    }
    if let Some(shm_size) = &service.shm_size {
        out.set("shm_size", shm_size.value.to_string());
    }
    if let Some(grace) = &service.stop_grace_period {
        out.set("stop_grace_period", grace.value.to_string());
    }
    if let Some(user) = &service.user {
        out.set("user", Str::from(user.to_string()));
    }
    let mut hardening = hardening(stack, service);
    if let Some(proxy) = service.proxy() {
        unprivileged_proxy(service, proxy, &mut out);
    }
    for raw in &service.raw_compose {
        match hardening.iter().position(|(key, _)| *key == raw.key.value) {
            // The spec's entries first, then stackc's that it does not repeat.
            Some(at) => {
                let (key, defaults) = hardening.remove(at);
                out.set(key, strs(&merged(&raw.value.value, defaults)));
            }
            None => {
                let mut value = raw.value.value.clone();
                crate::compose_paths::rebase(&raw.key.value, &mut value, &|p| layout.for_compose(p));
                out.set(&raw.key.value, Raw(value));
            }
        }
    }
    for (key, defaults) in hardening {
        out.set(key, defaults.iter().map(|d| Str::from(*d)).collect::<Vec<_>>());
    }
    out
}

/// A raw list extended by stackc's defaults it does not hold already.
fn merged(raw: &serde_json::Value, defaults: &[&str]) -> Vec<String> {
    let mut items: Vec<String> = raw
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    for default in defaults {
        if !items.iter().any(|item| item == default) {
            items.push(default.to_string());
        }
    }
    items
}

/// The hardening stackc adds to a container unless the spec says
/// `hardening off`, as list keys that a raw key of the same name extends:
/// `no-new-privileges` for every container (an entrypoint that starts as
/// root may still step down with gosu or su-exec: dropping privileges is
/// not gaining them), and no capabilities at all for a container of an
/// image stackc writes the Dockerfile of, whose process runs as an
/// unprivileged user (the app's, nginx's) and has none to use.
fn hardening(stack: &Stack, service: &Service) -> Vec<(&'static str, &'static [&'static str])> {
    if service.hardening_off.is_some() {
        return Vec::new();
    }
    let mut keys: Vec<(&str, &[&str])> = vec![("security_opt", &["no-new-privileges=true"])];
    // The Dockerfiles stackc writes run as an unprivileged user (the app
    // user, the proxy's nginx); an app's own Dockerfile may run as anyone.
    let written_by_stackc = stack
        .builder_of(service)
        .and_then(Service::build)
        .and_then(Build::python);
    let unprivileged_image = service.proxy().is_some() || written_by_stackc.is_some_and(|b| b.user.uid.value != 0);
    let runs_unprivileged = unprivileged_image && service.user.as_ref().is_none_or(|u| !u.is_root());
    if runs_unprivileged {
        keys.push(("cap_drop", &["ALL"]));
    }
    keys
}

/// `image`, `build` and `pull_policy`: what the service runs.
fn image(stack: &Stack, service: &Service, layout: &Layout, out: &mut ComposeService) {
    if service.proxy().is_some() {
        // stackc writes the proxy's Dockerfile next to its nginx.conf.
        let build = BuildDef {
            context: service.name.value.as_str().into(),
            dockerfile: None,
            target: None,
            args: Map::default(),
        };
        out.set("build", build);
        return;
    }
    match &service.image {
        Some(ImageSource::Image(image)) => out.set("image", Str::from(image.text.value.as_str())),
        Some(ImageSource::Of(of)) => {
            if let Some(builder) = stack.service(&of.value) {
                out.set("image", built_image_name(stack, builder));
            }
        }
        Some(ImageSource::Build(build)) => {
            if build.tag.is_some() {
                // A registry name: CI builds and pushes it; `up` pulls it
                // where it is missing (a server) and uses the local build
                // where it is there. Said out loud for dclint.
                out.set("image", built_image_name(stack, service));
                out.set("pull_policy", "missing".to_string());
            } else if stack.runners_of(service).any(|s| s.name.value != service.name.value) {
                // Name the image so others can run it; `pull_policy: build`
                // tells compose (and dclint) it is built, never pulled.
                out.set("image", built_image_name(stack, service));
                out.set("pull_policy", "build".to_string());
            }
            out.set("build", build_def(build, service, layout));
        }
        None => {}
    }
}

/// What the proxy's unprivileged nginx (its Dockerfile's USER) needs:
/// ports below 1024 for any user. The sysctl is per network namespace, so
/// it opens only the container's own ports. Docker (20.10 and later) and
/// Podman set it already; compose.yaml says so for other engines. Not
/// with a raw `network_mode`: a namespace shared with the host or another
/// container takes no sysctl. A raw `sysctls` replaces stackc's. (That it
/// needs no capability, as nginx never switches users, is [`hardening`]'s.)
fn unprivileged_proxy(service: &Service, proxy: &Proxy, out: &mut ComposeService) {
    let raw = |key: &str| service.raw_compose.iter().any(|r| r.key.value == key);
    if proxy.listens_on_privileged_port() && !raw("sysctls") && !raw("network_mode") {
        let sysctl = ("net.ipv4.ip_unprivileged_port_start".to_string(), Str::from("0"));
        out.set("sysctls", Map(vec![sysctl]));
    }
}

/// Compose's `build`: the context, and the Dockerfile stackc wrote or the
/// app's own with its stage and arguments.
fn build_def(build: &Build, service: &Service, layout: &Layout) -> BuildDef {
    let context = layout.for_compose(&build.context.value).into();
    match &build.recipe {
        Recipe::Python(_) => BuildDef {
            context,
            dockerfile: Some(
                layout
                    .artifact_from(&build.context.value, &super::dockerfile_path(&service.name.value))
                    .into(),
            ),
            target: None,
            args: Map::default(),
        },
        // Compose reads `dockerfile` relative to the context, as the spec does.
        Recipe::Dockerfile(own) => BuildDef {
            context,
            dockerfile: Some(own.file.value.as_str().into()),
            target: own.target.as_ref().map(|t| t.value.as_str().into()),
            args: own
                .args
                .iter()
                .map(|a| (a.name.value.clone(), a.value.value.as_str().into()))
                .collect(),
        },
    }
}

/// `deploy`: replicas and resource limits, when the spec sets any.
fn deploy(service: &Service) -> Option<Deploy> {
    let resources = service.limits.as_ref().map(|limits| Resources {
        limits: ResourceLimits {
            cpus: limits.cpus.as_ref().map(|c| c.value.to_string()),
            memory: limits.memory.as_ref().map(|m| m.value.to_string()),
            pids: limits.pids.as_ref().map(|p| p.value),
        },
    });
    let replicas = service.replicas.as_ref().map(|r| r.value);
    (replicas.is_some() || resources.is_some()).then_some(Deploy { replicas, resources })
}

/// The secrets a container reads: its `secret VAR = NAME` uses and, for a
/// proxy, its TLS certificates and keys.
fn secrets_of(service: &Service) -> impl Iterator<Item = String> + '_ {
    let tls = service.proxy().into_iter().flat_map(Proxy::secrets);
    service
        .secrets
        .iter()
        .map(|s| &s.secret)
        .chain(tls)
        .map(|name| name.value.clone())
}

fn condition(dependency: &Dependency) -> &'static str {
    match dependency.effective_condition() {
        Condition::Started => "service_started",
        Condition::Ready => "service_healthy",
        Condition::Done => "service_completed_successfully",
    }
}

/// What compose runs: the service's own command, unless it is in the image
/// stackc writes for it; and when an `entrypoint` is set, the image's
/// command too, since Docker drops the image's `CMD` with a new entrypoint.
pub(super) fn command(stack: &Stack, service: &Service) -> Option<Vec<String>> {
    let in_image = stack.builder_of(service).and_then(|b| super::image_command(stack, b));
    let builds_it = stack
        .builder_of(service)
        .is_some_and(|b| b.name.value == service.name.value);
    match super::own_command(stack, service) {
        Some(own) if builds_it && in_image.is_some() => service.entrypoint.is_some().then_some(own),
        Some(own) => Some(own),
        None => in_image.filter(|_| service.entrypoint.is_some()),
    }
}

fn mount(stack: &Stack, mount: &Mount, layout: &Layout) -> VolumeMount {
    let (kind, source) = match &mount.source {
        MountSource::Volume(name) => ("volume", Some(name.value.as_str().into())),
        // `~` is the home folder of whoever runs compose: kept as written.
        MountSource::Host(path) if path.value.starts_with('~') => ("bind", Some(path.value.as_str().into())),
        MountSource::Host(path) => ("bind", Some(layout.for_compose(&path.value).into())),
        MountSource::Anonymous(_) => ("volume", None),
    };
    VolumeMount {
        kind,
        source,
        target: mount.target.value.as_str().into(),
        read_only: mount.read_only,
        bind: bind_options(stack, mount),
    }
}

/// A bind mount's options: its relabelling, and whether compose makes its
/// folder when it is missing. `None` when there is neither.
fn bind_options(stack: &Stack, mount: &Mount) -> Option<BindOptions> {
    let selinux = mount.relabel.as_ref().map(|r| match r.value {
        Relabel::Shared => "z",
        Relabel::Private => "Z",
    });
    let create_host_path = stack.inputs.binds_folder(mount);
    (selinux.is_some() || create_host_path).then_some(BindOptions {
        selinux,
        create_host_path,
    })
}

/// Every secret the container reads, sorted by name: `*_FILE` ones and
/// the proxy's by name, fixed-path ones with their target.
fn secret_refs(service: &Service) -> Vec<SecretRef> {
    let by_name = unique_sorted(secrets_of(service));
    let mut refs: Vec<(String, SecretRef)> = by_name
        .into_iter()
        .map(|name| (name.clone(), SecretRef::Name(Str(name))))
        .collect();
    for mount in &service.secret_mounts {
        let name = &mount.secret.value;
        let entry = match &mount.target {
            Some(target) => SecretRef::At {
                source: name.as_str().into(),
                target: target.value.as_str().into(),
            },
            None if refs.iter().any(|(n, _)| n == name) => continue,
            None => SecretRef::Name(name.as_str().into()),
        };
        refs.push((name.clone(), entry));
    }
    refs.sort_by(|a, b| a.0.cmp(&b.0));
    refs.into_iter().map(|(_, r)| r).collect()
}

/// The container's environment (see [`super::environment`]).
fn environment(service: &Service) -> Map<Str> {
    super::environment(service)
        .into_iter()
        .map(|(name, value)| (name, Str(value)))
        .collect()
}

/// The `ports` entries of one `publish`. Always naming the interface
/// (dclint's no-unbound-port-interfaces): without one, as Docker's bare
/// `80:80` does, every IPv4 interface and every IPv6 one.
fn ports(port: &PortMapping) -> Vec<SingleQuoted<String>> {
    let ips = match port.host_ip {
        Some(std::net::IpAddr::V6(ip)) => vec![format!("[{ip}]")],
        Some(std::net::IpAddr::V4(ip)) => vec![ip.to_string()],
        None => vec!["0.0.0.0".to_string(), "[::]".to_string()],
    };
    ips.into_iter()
        .map(|ip| SingleQuoted(format!("{ip}:{}:{}", port.host_port.value, port.container_port)))
        .collect()
}

fn healthcheck(stack: &Stack, service: &Service, ready: &Readiness) -> Healthcheck {
    let timeout = ready.timeout.as_ref().map_or(DEFAULT_TIMEOUT, |t| t.value);
    let interval = ready.interval.as_ref().map_or(DEFAULT_INTERVAL, |i| i.value);
    Healthcheck {
        test: strs(&probe_command(stack, service, &ready.probe, timeout)),
        interval: interval.to_string(),
        timeout: timeout.to_string(),
        retries: ready.retries.as_ref().map_or(DEFAULT_RETRIES, |r| r.value),
        start_period: ready.start_period.as_ref().map(|s| s.value.to_string()),
        start_interval: ready.start_interval.as_ref().map(|s| s.value.to_string()),
    }
}

/// The healthcheck's `test`. TCP and HTTP checks run the image's Python or
/// Node ([`Stack::probe_program`]; resolution rejects them on an image with
/// neither); the path is an argument, not part of the code, so no value is
/// ever spliced into code.
fn probe_command(stack: &Stack, service: &Service, probe: &Probe, timeout: Duration) -> Vec<String> {
    let program = stack.probe_program(service).unwrap_or(ProbeProgram::Python);
    let check = |code: String, arg: String| {
        let (program, flag) = match program {
            ProbeProgram::Python => ("python", "-c"),
            ProbeProgram::Node => ("node", "-e"),
        };
        ["CMD", program, flag, &code, &arg].map(str::to_string).to_vec()
    };
    match probe {
        Probe::Cmd(argv) => match &argv.line {
            Some(line) => vec!["CMD-SHELL".to_string(), line.clone()],
            None => std::iter::once("CMD".to_string())
                .chain(argv.words.iter().cloned())
                .collect(),
        },
        Probe::Tcp(port) => check(tcp_check(program, timeout), port.value.to_string()),
        Probe::Http { path, port } => {
            let port = port.as_ref().map(|p| p.value).or(stack.app_port(service)).unwrap_or(80);
            check(http_check(program, port, timeout), percent_encode_path(&path.value))
        }
    }
}

/// Code that connects to the port its first argument names on the
/// container's loopback, and exits 0 when the connection is accepted.
fn tcp_check(program: ProbeProgram, timeout: Duration) -> String {
    match program {
        ProbeProgram::Python => format!(
            "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), {}).close()",
            seconds(timeout)
        ),
        ProbeProgram::Node => format!(
            "const s = require('net').connect(Number(process.argv[1]), '127.0.0.1', () => process.exit(0)); \
             s.on('error', () => process.exit(1)); s.setTimeout({}, () => process.exit(1))",
            timeout.0.max(1000)
        ),
    }
}

/// Code that sends `GET` for the path its first argument names, and exits
/// 0 on an answer below 400. Neither follows redirects: a 3xx (an SSL
/// redirect, a login page) means the app answers. `Host: localhost` is a
/// name Django's ALLOWED_HOSTS can list; the container's IP changes.
fn http_check(program: ProbeProgram, port: u16, timeout: Duration) -> String {
    match program {
        ProbeProgram::Python => format!(
            "import http.client, sys; c = http.client.HTTPConnection('127.0.0.1', {port}, timeout={}); \
             c.request('GET', sys.argv[1], headers={{'Host': 'localhost'}}); \
             sys.exit(0 if c.getresponse().status < 400 else 1)",
            seconds(timeout)
        ),
        ProbeProgram::Node => format!(
            "require('http').get({{host: '127.0.0.1', port: {port}, path: process.argv[1], \
             headers: {{Host: 'localhost'}}, timeout: {}}}, (r) => process.exit(r.statusCode < 400 ? 0 : 1))\
             .on('error', () => process.exit(1)).on('timeout', () => process.exit(1))",
            timeout.0.max(1000)
        ),
    }
}

/// A check's own timeout in seconds, as Python takes it: at least one.
fn seconds(timeout: Duration) -> f64 {
    (timeout.0 as f64 / 1000.0).max(1.0)
}

fn secret(secret: &Secret, layout: &Layout) -> SecretDef {
    match &secret.source {
        SecretSource::File(path) => SecretDef {
            file: Some(layout.for_compose(&path.value).into()),
            environment: None,
        },
        SecretSource::Env(var) => SecretDef {
            file: None,
            environment: Some(var.value.as_str().into()),
        },
    }
}

fn unique_sorted(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut items: Vec<String> = items.collect();
    items.sort();
    items.dedup();
    items
}

// ---------------------------------------------------------------- source map

/// Where each line of compose.yaml came from, read back from the file's
/// own structure: serde writes it, so the key path of a line (top-level
/// key, name, service key, and a variable or label name below that) names
/// the declaration or statement that wrote it. Block style with two-space
/// indentation, as [`emit`] writes, is all it reads.
pub(super) fn source_map(stack: &Stack, yaml: &str) -> SourceMap {
    let top = stack.name.as_ref().map_or(Span::new(0, 0), |n| n.span);
    let mut path: Vec<(usize, &str)> = Vec::new();
    let lines = yaml
        .lines()
        .map(|line| {
            let content = line.trim_start();
            let indent = line.len() - content.len();
            if content.starts_with('#') {
                return top;
            }
            match content.strip_prefix("- ").or((content == "-").then_some("")) {
                // A list item belongs to the key at its indentation.
                Some(_) => path.retain(|(at, _)| *at <= indent),
                None => {
                    path.retain(|(at, _)| *at < indent);
                    let key = content.split_once(':').map_or(content, |(key, _)| key);
                    path.push((indent, key.trim_matches(['"', '\''])));
                }
            }
            let keys: Vec<&str> = path.iter().map(|(_, key)| *key).collect();
            origin(stack, &keys).unwrap_or(top)
        })
        .collect();
    SourceMap::new(lines)
}

/// The spec span of the compose key at `keys`.
fn origin(stack: &Stack, keys: &[&str]) -> Option<Span> {
    let named = |span: Span, name: &Spanned<String>| source_map::header(span, name.span);
    match *keys {
        ["name", ..] => Some(stack.name.as_ref()?.span),
        ["services", name, ref rest @ ..] => {
            let service = stack.service(name)?;
            let header = named(service.span, &service.name);
            Some(service_origin(service, rest).unwrap_or(header))
        }
        ["volumes", name, ..] => stack.volumes.iter().find(|v| v.name.value == name).map(|v| v.span),
        ["networks", name, ..] => stack.networks.iter().find(|n| n.name.value == name).map(|n| n.span),
        ["secrets", name, ..] => stack.secrets.iter().find(|s| s.name.value == name).map(|s| s.span),
        _ => None,
    }
}

/// The statement of `service` that wrote the key at `keys` below it;
/// `None` for the keys stackc adds itself (hardening, sysctls).
fn service_origin(service: &Service, keys: &[&str]) -> Option<Span> {
    let [key, rest @ ..] = keys else { return None };
    if let Some(raw) = service.raw_compose.iter().find(|r| r.key.value == *key) {
        return Some(raw.span);
    }
    let first = |spans: &mut dyn Iterator<Item = Span>| spans.next();
    let build_header = |build: &Build| source_map::header(build.span, build.context.span);
    match *key {
        "image" | "build" | "pull_policy" => match service.image.as_ref()? {
            ImageSource::Image(image) => Some(image.text.span),
            ImageSource::Of(of) => Some(of.span),
            ImageSource::Build(build) if *key == "image" => build.tag.as_ref().map(|t| t.text.span),
            ImageSource::Build(build) => Some(build_header(build)),
        },
        "depends_on" => {
            let named = |d: &&Dependency| rest.first().is_some_and(|name| d.target.value == *name);
            service
                .after
                .iter()
                .find(named)
                .or(service.after.first())
                .map(|d| d.span)
        }
        "volumes" => first(&mut service.mounts.iter().map(|m| m.span)),
        "secrets" => first(
            &mut service
                .secrets
                .iter()
                .map(|s| s.span)
                .chain(service.secret_mounts.iter().map(|s| s.span)),
        ),
        "environment" => {
            let name = rest.first().copied().unwrap_or_default();
            let var = service.env.iter().find(|v| v.name.value == name);
            let secret = service
                .secrets
                .iter()
                .find(|s| name.strip_suffix("_FILE") == Some(s.env.value.as_str()));
            var.map(|v| Span::new(v.name.span.start(), v.value.span.end()))
                .or(secret.map(|s| s.span))
        }
        "labels" => {
            let name = rest.first().copied().unwrap_or_default();
            let label = service
                .labels
                .iter()
                .find(|l| l.name.value == name)
                .or(service.labels.first());
            label.map(|l| Span::new(l.name.span.start(), l.value.span.end()))
        }
        "env_file" => first(&mut service.env_file_paths().map(|f| f.span)),
        "ports" => first(&mut service.ports.iter().map(|p| p.span)),
        "expose" => first(&mut service.expose.iter().map(|p| p.number.span)),
        "networks" => first(&mut service.networks.iter().map(|n| n.span)),
        "entrypoint" => service.entrypoint.as_ref().map(|e| e.span),
        "command" => match (&service.command, service.app_server()) {
            (Some(command), _) => Some(command.span),
            (None, server) => server.map(|s| s.span),
        },
        "working_dir" => service.workdir.as_ref().map(|w| w.span),
        "hostname" => service.hostname.as_ref().map(|h| h.span),
        "container_name" => service.container_name.as_ref().map(|c| c.span),
        "stop_signal" => service.stop_signal.as_ref().map(|s| s.span),
        "restart" => service.restart.as_ref().map(|r| r.span),
        "healthcheck" => service.ready.as_ref().map(|r| r.span).or(service.ready_off),
        "deploy" => (service.limits.as_ref().map(|l| l.span)).or(service.replicas.as_ref().map(|r| r.span)),
        "shm_size" => service.shm_size.as_ref().map(|s| s.span),
        "stop_grace_period" => service.stop_grace_period.as_ref().map(|s| s.span),
        "user" => service.user.as_ref().map(|u| u.span),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::Layout;

    /// compose.yaml for one proxy in front of `web`, with these proxy lines.
    fn compose(proxy: &str) -> String {
        let spec = format!(
            "stack t\nservice web {{\n image nginx:1.30\n user 101\n}}\n\
             proxy nginx {{\n upstream app {{\n server web:80\n }}\n{proxy}\n}}\n"
        );
        let source = crate::source::SourceFile::new("t.spec".to_string(), spec);
        let build = crate::build(&source, &Layout::new("/t/t.spec", "/t/out"));
        let artifacts = build.artifacts.unwrap_or_else(|| panic!("{:#?}", build.diagnostics));
        artifacts
            .into_iter()
            .find(|a| a.path == "compose.yaml")
            .unwrap()
            .contents
    }

    #[test]
    fn the_proxy_drops_capabilities_and_binds_low_ports_unprivileged() {
        let yaml = compose("listen 80");
        assert!(yaml.contains("    cap_drop:\n    - ALL\n"), "{yaml}");
        assert!(yaml.contains("net.ipv4.ip_unprivileged_port_start: \"0\""), "{yaml}");
        // Only the proxy.
        assert_eq!(yaml.matches("cap_drop").count(), 1, "{yaml}");
        let high = compose("listen 8080");
        assert!(!high.contains("sysctls"), "{high}");
    }

    #[test]
    fn paths_in_raw_keys_are_relative_to_compose_yaml() {
        let yaml = compose("compose develop = \"{watch: [{action: sync, path: ./web/src, target: /app/src}]}\"");
        // The spec is in /t, compose.yaml in /t/out.
        assert!(yaml.contains("path: ../web/src"), "{yaml}");
        assert!(yaml.contains("target: /app/src"), "{yaml}");
    }

    #[test]
    fn raw_keys_replace_the_proxys_defaults() {
        let yaml = compose("compose cap_drop = \"[NET_RAW]\"\ncompose sysctls = \"{net.core.somaxconn: 1024}\"");
        // A raw cap_drop is extended by the hardening, a raw sysctls replaces.
        assert!(yaml.contains("    cap_drop:\n    - NET_RAW\n    - ALL\n"), "{yaml}");
        assert!(!yaml.contains("ip_unprivileged"), "{yaml}");
        let off = compose("hardening off");
        // The proxy's keys come before `web`'s (services are sorted).
        let proxy = off.split("\n  web:").next().unwrap_or_default();
        assert!(
            !proxy.contains("cap_drop") && !proxy.contains("no-new-privileges"),
            "{off}"
        );
        let root = compose("user root");
        assert!(!root.contains("cap_drop"), "{root}");
        let unprivileged = compose("user 1000:1000");
        assert!(unprivileged.contains("cap_drop"), "{unprivileged}");
        let shared = compose("compose network_mode = \"service:web\"");
        assert!(!shared.contains("sysctls") && shared.contains("cap_drop"), "{shared}");
    }
}
