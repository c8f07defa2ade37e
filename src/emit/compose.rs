//! `compose.yaml`, through serde mirror types and serde-saphyr.
//!
//! Escaping has one place per concern: every string that comes from the
//! spec is a [`Str`], whose `Serialize` doubles `$` so compose never fills a
//! spec value from the host's environment (spec strings are literal); and
//! serde-saphyr quotes every scalar a YAML 1.1 or 1.2 reader could take for
//! something other than a string (`on`, `1_000`, `22:22`, dates).
//!
//! Key order follows the compose linters (dclint's service-keys-order):
//! the struct field order below is the emitted order.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_saphyr::SingleQuoted;

use super::{aliased_volumes, header, secret_path, served_path, Layout};
use crate::ir::*;

pub(super) fn emit(stack: &Stack, layout: &Layout) -> String {
    let mut services: Vec<&Service> = stack.services.iter().collect();
    // Alphabetical as dclint reads it: case does not count.
    services.sort_by_key(|s| (s.name.value.to_ascii_lowercase(), s.name.value.clone()));
    let file = File {
        name: Str::from(stack.name_or_default()),
        services: services
            .into_iter()
            .map(|s| (s.name.value.clone(), service(stack, s, layout)))
            .collect(),
        volumes: stack.volumes.iter().map(|v| (v.name.value.clone(), Empty {})).collect(),
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
    let yaml = serde_saphyr::to_string_with_options(&file, options)
        .expect("the compose mirror types hold only strings, numbers, lists and maps");
    format!("# {}\n{yaml}", header(layout))
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
struct File {
    name: Str,
    services: Map<ComposeService>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    volumes: Map<Empty>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    secrets: Map<SecretDef>,
}

#[derive(serde::Serialize, Default)]
struct ComposeService {
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    build: Option<BuildDef>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    depends_on: Map<DependsOn>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    volumes: Vec<VolumeMount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secrets: Vec<Str>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    environment: Map<Str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    env_file: Vec<Str>,
    /// Quoted, as dclint's require-quotes-in-ports wants; made of numbers
    /// and an IP address only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ports: Vec<SingleQuoted<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<Vec<Str>>,
    restart: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    healthcheck: Option<Healthcheck>,
    /// Keys outside dclint's list come last, sorted by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pull_policy: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shm_size: Option<String>,
}

#[derive(serde::Serialize)]
struct BuildDef {
    context: Str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dockerfile: Option<Str>,
}

#[derive(serde::Serialize)]
struct DependsOn {
    condition: &'static str,
}

/// The long volume syntax: no `:`-splitting, so any path is safe.
#[derive(serde::Serialize)]
struct VolumeMount {
    #[serde(rename = "type")]
    kind: &'static str,
    source: Str,
    target: Str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    read_only: bool,
}

#[derive(serde::Serialize)]
struct Healthcheck {
    test: Vec<Str>,
    interval: String,
    timeout: String,
    retries: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_period: Option<String>,
}

#[derive(serde::Serialize)]
struct SecretDef {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<Str>,
}

/// A declaration with no options: `postgres_data: {}`.
#[derive(serde::Serialize)]
struct Empty {}

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

/// Healthcheck timing when the spec gives none: fast enough that dependants
/// start within seconds of readiness (compose's own default waits 30s).
const DEFAULT_INTERVAL: Duration = Duration(5_000);
const DEFAULT_TIMEOUT: Duration = Duration(3_000);
const DEFAULT_RETRIES: u32 = 10;

/// The tag of an image built here that another service runs (`image of`).
/// Image repositories are lowercase; service names need not be.
fn built_image_name(stack: &Stack, service: &str) -> Str {
    Str(format!(
        "{}-{}:local",
        stack.name_or_default(),
        service.to_ascii_lowercase()
    ))
}

fn service(stack: &Stack, service: &Service, layout: &Layout) -> ComposeService {
    let mut depends_on: Vec<(String, DependsOn)> = service
        .after
        .iter()
        .map(|d| {
            (
                d.target.value.clone(),
                DependsOn {
                    condition: condition(d),
                },
            )
        })
        .collect();
    depends_on.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = ComposeService {
        depends_on: Map(depends_on),
        volumes: service.mounts.iter().map(mount).collect(),
        secrets: strs(&unique_sorted(secrets_of(service))),
        environment: environment(service),
        env_file: service
            .env_files
            .iter()
            .map(|p| layout.for_compose(&p.value).into())
            .collect(),
        ports: service.ports.iter().map(port).collect(),
        command: service.command.as_ref().map(|c| strs(&c.words)),
        restart: if service.is_job() { "no" } else { "unless-stopped" },
        healthcheck: service.ready.as_ref().map(|r| healthcheck(stack, service, r)),
        shm_size: service.shm_size.as_ref().map(|s| s.value.to_string()),
        ..ComposeService::default()
    };
    match &service.image {
        Some(ImageSource::Image(image)) => out.image = Some(image.text.value.as_str().into()),
        Some(ImageSource::Of(of)) => out.image = Some(built_image_name(stack, &of.value)),
        Some(ImageSource::Build(build)) => {
            let dockerfile = layout.artifact_from(&build.context.value, &super::dockerfile_path(&service.name.value));
            out.build = Some(BuildDef {
                context: layout.for_compose(&build.context.value).into(),
                dockerfile: Some(dockerfile.into()),
            });
            if stack.runners_of(service).any(|s| s.name.value != service.name.value) {
                // Name the image so others can run it; `pull_policy: build`
                // tells compose (and dclint) it is built, never pulled.
                out.image = Some(built_image_name(stack, &service.name.value));
                out.pull_policy = Some("build");
            }
        }
        None => {}
    }
    if let Some(proxy) = service.proxy() {
        // stackc writes the proxy's Dockerfile next to its nginx.conf.
        out.image = None;
        out.build = Some(BuildDef {
            context: service.name.value.as_str().into(),
            dockerfile: None,
        });
        out.volumes
            .extend(aliased_volumes(proxy).into_iter().map(|volume| VolumeMount {
                kind: "volume",
                source: volume.as_str().into(),
                target: served_path(volume).into(),
                read_only: true,
            }));
    }
    out
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

fn mount(mount: &Mount) -> VolumeMount {
    VolumeMount {
        kind: "volume",
        source: mount.volume.value.as_str().into(),
        target: mount.target.value.as_str().into(),
        read_only: mount.read_only,
    }
}

/// The spec's variables in spec order, then `NAME_FILE` for each secret.
fn environment(service: &Service) -> Map<Str> {
    let vars = service
        .env
        .iter()
        .map(|v| (v.name.value.clone(), v.value.value.as_str().into()));
    let secrets = service
        .secrets
        .iter()
        .map(|s| (format!("{}_FILE", s.env.value), secret_path(&s.secret.value).into()));
    vars.chain(secrets).collect()
}

fn port(port: &PortMapping) -> SingleQuoted<String> {
    // Always name the interface (dclint's no-unbound-port-interfaces):
    // without one, `0.0.0.0`, every IPv4 interface.
    let ip = match port.host_ip {
        Some(std::net::IpAddr::V6(ip)) => format!("[{ip}]"),
        Some(std::net::IpAddr::V4(ip)) => ip.to_string(),
        None => "0.0.0.0".to_string(),
    };
    SingleQuoted(format!("{ip}:{}:{}", port.host_port.value, port.container_port.value))
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
    }
}

/// The healthcheck's `test`. TCP and HTTP checks run Python, which every
/// image stackc builds has (resolution rejects them elsewhere); the URL is
/// an argument, not part of the code, so no value is ever spliced into code.
fn probe_command(stack: &Stack, service: &Service, probe: &Probe, timeout: Duration) -> Vec<String> {
    let seconds = (timeout.0 as f64 / 1000.0).max(1.0);
    let python = |code: &str, arg: String| ["CMD", "python", "-c", code, &arg].map(str::to_string).to_vec();
    match probe {
        Probe::Cmd(argv) => match &argv.line {
            Some(line) => vec!["CMD-SHELL".to_string(), line.clone()],
            None => std::iter::once("CMD".to_string())
                .chain(argv.words.iter().cloned())
                .collect(),
        },
        Probe::Tcp(port) => python(
            &format!(
                "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), {seconds}).close()"
            ),
            port.value.to_string(),
        ),
        Probe::Http { path, port } => {
            let port = port.as_ref().map(|p| p.value).or(stack.app_port(service)).unwrap_or(80);
            // http.client follows no redirects: a 3xx (an SSL redirect, a
            // login page) means the app answers. `Host: localhost` is a name
            // Django's ALLOWED_HOSTS can list; the container's IP changes.
            let code = format!(
                "import http.client, sys; c = http.client.HTTPConnection('127.0.0.1', {port}, timeout={seconds}); \
                 c.request('GET', sys.argv[1], headers={{'Host': 'localhost'}}); \
                 sys.exit(0 if c.getresponse().status < 400 else 1)"
            );
            python(&code, percent_encode_path(&path.value))
        }
    }
}

/// Percent-encodes what may not stand in a URL path as written; `%` and `?`
/// stay, so a path may be given already encoded and with a query.
fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@%?".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
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
