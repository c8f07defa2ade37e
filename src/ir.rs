//! The typed model of a stack spec.
//!
//! Architecture invariant: nothing here knows about pest or about any output
//! format. Values that a diagnostic may point at are [`Spanned`]; every node
//! keeps the span of the statement that wrote it.

use crate::source::{Span, Spanned};

pub mod env;
pub mod environment;
pub mod index;
pub mod private_files;

pub use env::{EnvOrigin, EnvValue};

use index::NameMap;

#[derive(Clone, Debug, Default)]
pub struct Stack {
    /// `stack NAME`; `None` only when the spec forgot it (reported in lowering).
    pub name: Option<Spanned<String>>,
    /// The `development` marker after the name: the base is not deployed.
    pub development: Option<Span>,
    pub volumes: Vec<Volume>,
    pub networks: Vec<Network>,
    pub secrets: Vec<Secret>,
    /// Services, jobs and proxies: one namespace, as in compose.
    pub services: Vec<Service>,
    /// The files the spec names (the app's Dockerfile, env files), read
    /// after resolution; empty when only the spec's text was checked.
    pub inputs: crate::input::Inputs,
    /// `environment NAME { ... }` blocks, in spec order: variants of this
    /// stack (`crate::environment::apply` makes one's whole stack). Shared
    /// by copies: each variant starts as a copy of the base, and copying
    /// every environment for each one grew with the square of their number.
    pub environments: std::sync::Arc<Vec<environment::Environment>>,
    /// The day the run judges dates by (end of life), from
    /// [`crate::Options::today`]; `None`: not known, and rules that need
    /// it say nothing.
    pub today: Option<crate::Date>,
    /// The environment this stack is the variant of; `None` for the base.
    pub environment: Option<environment::ActiveEnvironment>,
    /// Lookups by name, built on the first one (see [`index`]).
    names: Names,
    /// References read backwards, built on the first question.
    relations: std::sync::OnceLock<Relations>,
    /// For a service: the ports the others' variables name it at (see
    /// [`Stack::addressed_ports`]), built on the first question.
    addresses: std::sync::OnceLock<foldhash::HashMap<u32, Vec<u16>>>,
}

/// A table per namespace of declared names.
#[derive(Clone, Debug, Default)]
struct Names {
    services: NameMap,
    volumes: NameMap,
    networks: NameMap,
    secrets: NameMap,
}

/// What rules ask about references from the other end: who runs an image,
/// which upstream servers point at a service. Positions in `services`.
#[derive(Clone, Debug, Default)]
struct Relations {
    /// For a service that builds an image: the services that run it (itself
    /// and every `image of` it), in spec order.
    runners: foldhash::HashMap<u32, Vec<u32>>,
    /// For a service: the upstream servers that point at it, as positions
    /// (proxy, upstream, server), in spec order.
    upstream_servers: foldhash::HashMap<u32, Vec<[u32; 3]>>,
    /// The positions of the proxies, in spec order: a stack of thousands
    /// of services has a few, and a dozen rules read each.
    proxies: Vec<u32>,
}

/// The `host:port` addresses a variable's value names, as URLs'
/// authorities (`http://api:9999/health`, `redis://:pw@cache:6379/0`) or
/// as words (`db:5432`, `kafka:9092,kafka2:9092`); a word's port from
/// `least_bare_port` up only (1024 in a variable, as `postgres:16` and
/// `node:22` are images; any in an nginx `*_pass`).
fn addresses(value: &str, least_bare_port: u16) -> impl Iterator<Item = (&str, u16)> {
    value.split([',', ' ', ';', '\n']).filter_map(move |word| {
        let (url, rest) = word.split_once("://").map_or((false, word), |(_, rest)| (true, rest));
        let authority = rest.split(['/', '?', '#']).next()?;
        let address = authority.rsplit_once('@').map_or(authority, |(_, address)| address);
        let (host, port) = address.rsplit_once(':')?;
        let port: u16 = port.parse().ok()?;
        (url || port >= least_bare_port).then_some((host, port))
    })
}

impl Stack {
    /// The names of its environments, in spec order.
    pub fn environment_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.environments.iter().map(|e| e.name.as_str())
    }

    /// Its `environment NAME` block.
    pub fn environment_named(&self, name: &str) -> Option<&environment::Environment> {
        self.environments.iter().find(|e| e.name.value == name)
    }

    /// Whether it is deployed for real: the base (what `build` without
    /// `--env` writes) unless marked `development`, or a production
    /// environment; not a development one.
    pub fn is_deployed(&self) -> bool {
        self.environment
            .as_ref()
            .map_or(self.development.is_none(), |e| e.production)
    }

    /// The same stack with its name tables dropped, for a copy whose lists
    /// are about to change (the tables are built on the first lookup).
    pub fn unindexed(mut self) -> Stack {
        self.names = Names::default();
        self.relations = std::sync::OnceLock::new();
        self.addresses = std::sync::OnceLock::new();
        self
    }

    pub fn service(&self, name: &str) -> Option<&Service> {
        self.names.services.find(&self.services, |s| &s.name.value, name)
    }

    /// Where the service named `name` is in [`Stack::services`].
    pub fn service_position(&self, name: &str) -> Option<usize> {
        self.names.services.position(&self.services, |s| &s.name.value, name)
    }

    pub fn volume(&self, name: &str) -> Option<&Volume> {
        self.names.volumes.find(&self.volumes, |v| &v.name.value, name)
    }

    pub fn network(&self, name: &str) -> Option<&Network> {
        self.names.networks.find(&self.networks, |n| &n.name.value, name)
    }

    /// Whether two services can reach each other: they share a network
    /// (a service that names none is on compose's `default` network).
    pub fn share_network(&self, a: &Service, b: &Service) -> bool {
        let a_nets: Vec<&str> = a.network_names().collect();
        b.network_names().any(|n| a_nets.contains(&n))
    }

    /// The name Docker knows the network `name` by: its `name`, the
    /// spec's name of an external one (made elsewhere under it), else
    /// compose's `PROJECT_NAME` (`PROJECT_default` for compose's own).
    pub fn docker_network_name(&self, name: &str) -> String {
        let network = self.network(name);
        match network.map(|n| (&n.network_name, n.external)) {
            Some((Some(docker_name), _)) => docker_name.value.clone(),
            Some((None, Some(_))) => name.to_string(),
            _ => format!("{}_{name}", self.name_or_default()),
        }
    }

    /// Whether a service is on a network another project makes (`external`),
    /// so that project's containers reach it.
    pub fn on_external_network(&self, service: &Service) -> bool {
        service
            .network_names()
            .any(|n| self.network(n).is_some_and(|n| n.external.is_some()))
    }

    pub fn secret(&self, name: &str) -> Option<&Secret> {
        self.names.secrets.find(&self.secrets, |s| &s.name.value, name)
    }

    /// Where `service` is in `services`, when it is the first of its name
    /// there (the one lookups find).
    fn position_of(&self, service: &Service) -> Option<usize> {
        let position = self
            .names
            .services
            .position(&self.services, |s| &s.name.value, &service.name.value)?;
        std::ptr::eq(&self.services[position], service).then_some(position)
    }

    fn relations(&self) -> &Relations {
        self.relations.get_or_init(|| {
            let mut relations = Relations::default();
            for (position, service) in self.services.iter().enumerate() {
                if let Some(builder) = self.builder_of(service).and_then(|b| self.position_of(b)) {
                    relations
                        .runners
                        .entry(builder as u32)
                        .or_default()
                        .push(position as u32);
                }
                let Some(proxy) = service.proxy() else { continue };
                relations.proxies.push(position as u32);
                for (u, upstream) in proxy.upstreams.iter().enumerate() {
                    for (s, server) in upstream.servers.iter().enumerate() {
                        if let Some(target) =
                            self.names
                                .services
                                .position(&self.services, |s| &s.name.value, &server.service.value)
                        {
                            let at = [position as u32, u as u32, s as u32];
                            relations.upstream_servers.entry(target as u32).or_default().push(at);
                        }
                    }
                }
            }
            relations
        })
    }

    /// The ports the other services name `service` at, sorted: in their
    /// variables (`API_URL = "http://api:9999"`, an env file's
    /// `CACHE=cache:6379`) and a proxy's upstream servers and raw `*_pass`
    /// directives (`server api:8000`, `fastcgi_pass php:9000`). On the
    /// stack's network a client connects to the port its container listens
    /// on, so these are its ports even where nothing else says so.
    pub fn addressed_ports(&self, service: &Service) -> &[u16] {
        let table = self.addresses.get_or_init(|| {
            let mut table: foldhash::HashMap<u32, Vec<u16>> = Default::default();
            for (position, other) in self.services.iter().enumerate() {
                let files = (other.env_file_paths())
                    .filter_map(|path| self.inputs.env_file(&path.value))
                    .flat_map(|file| &file.vars.vars)
                    .filter_map(|entry| Some(entry.value.as_ref()?.value.as_str()));
                let values = other.env.iter().map(|var| var.value.value.as_str()).chain(files);
                let proxied = other.proxy().into_iter().flat_map(Proxy::addressed);
                for (host, port) in values.flat_map(|value| addresses(value, 1024)).chain(proxied) {
                    if let Some(target) = self.service_position(host).filter(|&t| t != position) {
                        table.entry(target as u32).or_default().push(port);
                    }
                }
            }
            for ports in table.values_mut() {
                ports.sort_unstable();
                ports.dedup();
            }
            table
        });
        (self.position_of(service))
            .and_then(|position| table.get(&(position as u32)))
            .map_or(&[], Vec::as_slice)
    }

    /// Every proxy, with the service it is, in spec order.
    pub fn proxies(&self) -> impl Iterator<Item = (&Service, &Proxy)> + '_ {
        (self.relations().proxies.iter()).filter_map(|&at| {
            let service = &self.services[at as usize];
            Some((service, service.proxy()?))
        })
    }

    /// The upstream servers, in any proxy, that point at the service named
    /// `service`, each with the proxy that holds it, in spec order.
    pub fn upstream_servers_of(&self, service: &str) -> impl Iterator<Item = (&Service, &UpstreamServer)> + '_ {
        let target = self.service_position(service);
        let found = target.and_then(|t| self.relations().upstream_servers.get(&(t as u32)));
        found.into_iter().flatten().filter_map(|&[proxy, upstream, server]| {
            let holder = &self.services[proxy as usize];
            let server = holder
                .proxy()?
                .upstreams
                .get(upstream as usize)?
                .servers
                .get(server as usize)?;
            Some((holder, server))
        })
    }

    /// Every file the spec names that holds secrets, with what it is:
    /// each secret file, then each env file (env files hold passwords as
    /// often as settings), in the order written. No image may carry one.
    pub fn private_files(&self) -> impl Iterator<Item = (&Spanned<String>, &'static str)> + '_ {
        let secrets = self.secrets.iter().filter_map(|s| match &s.source {
            SecretSource::File(path) => Some((path, "secret file")),
            SecretSource::Env(_) => None,
        });
        let env_files = self
            .services
            .iter()
            .flat_map(Service::env_file_paths)
            .map(|p| (p, "env file"));
        secrets.chain(env_files)
    }

    /// The service whose `build` makes the image `service` runs: itself, or
    /// the target of its `image of`.
    pub fn builder_of<'a>(&'a self, service: &'a Service) -> Option<&'a Service> {
        match &service.image {
            Some(ImageSource::Build(_)) => Some(service),
            Some(ImageSource::Of(of)) => self.service(&of.value).filter(|s| s.build().is_some()),
            _ => None,
        }
    }

    /// The services that run the image `builder` builds: itself and every
    /// service or job with `image of` it.
    pub fn runners_of<'a>(&'a self, builder: &'a Service) -> impl Iterator<Item = &'a Service> + 'a {
        let (indexed, scan) = match self.position_of(builder) {
            Some(position) => (self.relations().runners.get(&(position as u32)), None),
            // Not the service its name finds (a second one of its name, an
            // error): scan.
            None => (None, Some(&self.services)),
        };
        let indexed = indexed.into_iter().flatten().map(|&r| &self.services[r as usize]);
        let scanned = scan
            .into_iter()
            .flatten()
            .filter(move |s| self.builder_of(s).is_some_and(|b| b.name.value == builder.name.value));
        indexed.chain(scanned)
    }

    /// The port a service's process listens on, when stackc knows it: its
    /// app server's or proxy's port (an app server's from its config file
    /// when the spec gives none); for `image of` without a command of its
    /// own, the port of the app server its image runs; else what its
    /// command line binds (`uvicorn --port`, `gunicorn -b`), or, for the
    /// app's own Dockerfile, what the image's command binds or its one TCP
    /// `EXPOSE` (the port is probed and proxied over TCP); not for `image
    /// of` with a command of its own (a worker, a job).
    /// The port the service's app server listens on as the spec or the
    /// server's config says it (`gunicorn ... bind 8000`, a command's
    /// `--port`), not as the image's `EXPOSE` documents it.
    pub fn stated_app_port(&self, service: &Service) -> Option<u16> {
        (self.server_settings(service).map(|settings| settings.port.value))
            .or_else(|| command_port(&service.command.as_ref()?.words))
    }

    pub fn app_port(&self, service: &Service) -> Option<u16> {
        service
            .proxy_port()
            .or_else(|| Some(self.server_settings(service)?.port.value))
            .or_else(|| command_port(&service.command.as_ref()?.words))
            .or_else(|| {
                // Another service's image run with a command of its own (a
                // worker or a job of the web app's image) listens on
                // nothing the image's EXPOSE says.
                let image = self.own_image(service).filter(|_| !service.runs_another_program())?;
                let facts = image.facts()?;
                let process = image.process().filter(|_| service.command.is_none());
                process.as_deref().and_then(command_port).or_else(|| {
                    // A port from a variable may be TCP too.
                    let mut tcp = (facts.exposed.iter())
                        .filter(|exposed| exposed.value.known().is_none_or(|p| p.protocol == Protocol::Tcp));
                    match (tcp.next(), tcp.next()) {
                        (Some(only), None) => only.value.known().map(|p| p.first),
                        _ => None,
                    }
                })
            })
    }

    /// The app server a service runs: its own statement, or, for `image
    /// of` without a command of its own, the one its image runs.
    pub fn app_server_of<'a>(&'a self, service: &'a Service) -> Option<(&'a Service, &'a AppServer)> {
        if let Some(server) = service.app_server() {
            return Some((service, server));
        }
        match (&service.image, &service.command) {
            (Some(ImageSource::Of(of)), None) => {
                let builder = self.service(&of.value)?;
                Some((builder, builder.app_server()?))
            }
            _ => None,
        }
    }

    /// The effective settings of the app server a service runs: the
    /// spec's, else its Gunicorn config file's (when it was read and says),
    /// else the server's defaults. The one place rules ask.
    pub fn server_settings(&self, service: &Service) -> Option<ServerSettings> {
        let (owner, server) = self.app_server_of(service)?;
        let config = self.inputs.gunicorn_conf(&owner.name.value).map(|(file, conf)| {
            let args = crate::input::gunicorn_conf::GunicornArgs::default();
            (file, crate::input::gunicorn_conf::effective(Some(conf), None, &args))
        });
        let config = config.as_ref();
        let seconds = |s: Setting<u32>| s.map(|n| Duration(u64::from(n) * 1000));
        let port = Setting::given(&server.bind)
            .or_else(|| Setting::configured(config, |c| &c.binds)?.try_map(|b| b.iter().find_map(|b| b.port())))
            .unwrap_or(Setting {
                value: AppServer::DEFAULT_PORT,
                source: SettingSource::Default(server.span),
            });
        Some(ServerSettings {
            port,
            workers: Setting::given(&server.workers).or_else(|| Setting::configured(config, |c| &c.workers)),
            timeout: Setting::given(&server.timeout)
                .or_else(|| Setting::configured(config, |c| &c.timeout).map(seconds)),
            graceful_timeout: Setting::given(&server.graceful_timeout)
                .or_else(|| Setting::configured(config, |c| &c.graceful_timeout).map(seconds)),
        })
    }

    /// The app's own Dockerfile of the image a service runs (its own
    /// build's, or the one of its `image of`).
    pub fn own_image(&self, service: &Service) -> Option<&crate::input::OwnImage> {
        let builder = self.builder_of(service)?;
        builder.build()?.own_dockerfile()?;
        self.inputs.image(&builder.name.value)
    }

    /// The program stackc's `ready tcp` and `ready http` checks can run in
    /// the service's containers; `None` when the image is not known to have
    /// one. An own Dockerfile the files were read without may have Python.
    pub fn probe_program(&self, service: &Service) -> Option<ProbeProgram> {
        if self.builder_of(service).is_none() {
            return match &service.image {
                Some(ImageSource::Image(image)) => ProbeProgram::of_image(image),
                _ => None,
            };
        }
        match self.own_image(service) {
            Some(image) => image.probe_program(&self.inputs.source(image.file).text),
            None => Some(ProbeProgram::Python),
        }
    }

    /// Whether compose can tell when the service is ready: a `ready` check
    /// in the spec, or a `HEALTHCHECK` in the app's own Dockerfile or a
    /// published image known to have one, unless `ready off` turns it off.
    /// An own Dockerfile the files were read without (one outside the
    /// project, see [`crate::input::fs::project_root`]) may have one:
    /// unknown is not none.
    pub fn has_readiness(&self, service: &Service) -> bool {
        if service.ready_off.is_some() {
            return false;
        }
        let own = self.builder_of(service).and_then(|b| b.build()?.own_dockerfile());
        service.ready.is_some()
            || match self.own_image(service) {
                Some(image) => image
                    .facts()
                    .and_then(|f| f.healthcheck.as_ref())
                    .is_some_and(|h| h.command.is_some()),
                None if own.is_some() => self.inputs.read,
                None => match &service.image {
                    Some(ImageSource::Image(image)) => crate::lint::images::has_healthcheck(image),
                    _ => false,
                },
            }
    }

    /// A readiness check that fits the service, for help texts: TCP where
    /// stackc builds the image (its checks run the image's Python, which a
    /// published image may not have), else a command the image ships. An
    /// app's own Dockerfile built on an image without Python (Node, Go)
    /// gets a check its runtime runs, or a command to fill in.
    pub fn readiness_hint(&self, service: &Service) -> String {
        if let (Some(_), Some(port)) = (self.builder_of(service), self.app_port(service)) {
            return match self.probe_program(service) {
                Some(_) => format!("ready tcp {port}"),
                None => "ready cmd [\"...\"]".to_string(),
            };
        }
        let image_ref = match &service.image {
            Some(ImageSource::Image(image)) => Some(image),
            _ => None,
        };
        let image = image_ref.map_or("", |image| image.name());
        match image {
            _ if crate::lint::images::POSTGRES_IMAGES.contains(&image) => self.pg_isready_hint(service),
            "redis" => "ready cmd \"redis-cli ping\"".to_string(),
            "valkey" => "ready cmd \"valkey-cli ping\"".to_string(),
            // The init-time server listens on the socket only: ask over TCP.
            "mysql" => "ready cmd \"mysqladmin ping -h 127.0.0.1\"".to_string(),
            // The image's own script, which also waits for InnoDB.
            "mariadb" => "ready cmd \"healthcheck.sh --connect --innodb_initialized\"".to_string(),
            // mongosh fails to connect until the server listens; images
            // before 5.0 have the legacy `mongo` shell only.
            "mongo" if image_ref.and_then(ImageRef::tag_major).is_some_and(|major| major < 5) => {
                "ready cmd \"mongo --quiet --eval 'db.runCommand({ping: 1})'\"".to_string()
            }
            "mongo" => "ready cmd \"mongosh --quiet --eval 'db.runCommand({ping: 1})'\"".to_string(),
            _ => "ready cmd \"...\"".to_string(),
        }
    }

    /// `pg_isready` over TCP as a role the server has: without `-U` it
    /// asks as the container's user, root, and the server logs `FATAL: role
    /// "root" does not exist` at every check.
    fn pg_isready_hint(&self, service: &Service) -> String {
        let user = match self.env_value(service, "POSTGRES_USER") {
            EnvValue::Set(..) => "$POSTGRES_USER",
            EnvValue::Unset => "postgres",
            EnvValue::Unknown => "${POSTGRES_USER:-postgres}",
        };
        // The database defaults to the user's name, as POSTGRES_DB does.
        let database = match self.env_value(service, "POSTGRES_DB") {
            EnvValue::Set(..) => " -d $POSTGRES_DB",
            EnvValue::Unset => "",
            EnvValue::Unknown => " -d ${POSTGRES_DB:-${POSTGRES_USER:-postgres}}",
        };
        format!("ready cmd \"pg_isready -h 127.0.0.1 -U {user}{database}\"")
    }

    /// The stack's name, or a stand-in when the spec has none.
    pub fn name_or_default(&self) -> &str {
        self.name.as_ref().map_or("stack", |n| n.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct Volume {
    pub name: Spanned<String>,
    /// What a cluster's claim for it asks (compose ignores it).
    pub claim: Claim,
    /// Made before or by another project (`external: true`): compose uses
    /// it and never makes or removes it, so data of an earlier deployment
    /// is kept. A cluster's claim is the stack's own.
    pub external: Option<Span>,
    /// The name Docker knows it by, when not the project's prefixed
    /// `PROJECT_NAME` (compose's `name`): how a deployment keeps the
    /// volume it had under another project's name.
    pub volume_name: Option<Spanned<String>>,
    pub span: Span,
}

impl Volume {
    /// The spec's word for a volume of no name (`mount anonymous at
    /// PATH`): never a declared volume's name.
    pub const ANONYMOUS: &'static str = "anonymous";
}

/// `volume NAME size SIZE access MODE class NAME`: a PersistentVolumeClaim's
/// size, access mode and storage class; each `None` takes stackc's default
/// (1Gi, `ReadWriteOnce`, the cluster's default class).
#[derive(Clone, Debug, Default)]
pub struct Claim {
    pub size: Option<Spanned<Size>>,
    /// One of [`Claim::ACCESS_MODES`], checked in lowering.
    pub access: Option<Spanned<String>>,
    pub class: Option<Spanned<String>>,
}

impl Claim {
    pub const ACCESS_MODES: [&'static str; 4] = ["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod"];

    /// Whether a single node's pods may mount it (the default), so two
    /// pods elsewhere, or pods of a rolling update, cannot.
    pub fn single_node(&self) -> bool {
        self.access
            .as_ref()
            .is_none_or(|a| a.value == "ReadWriteOnce" || a.value == "ReadWriteOncePod")
    }
}

/// `network NAME [internal] [external] [name NAME] [driver DRIVER]`:
/// services that name no network share compose's `default` one.
#[derive(Clone, Debug)]
pub struct Network {
    pub name: Spanned<String>,
    /// No route out of the stack (compose `internal: true`).
    pub internal: bool,
    /// Made by another project (a reverse proxy's shared network): compose
    /// joins it and never makes or removes it (`external: true`).
    pub external: Option<Span>,
    /// The name Docker knows it by, when not the project's prefixed one:
    /// how two projects name the same network.
    pub network_name: Option<Spanned<String>>,
    /// One of [`Network::DRIVERS`], checked in lowering; compose's default
    /// (`bridge`) when `None`.
    pub driver: Option<Spanned<String>>,
    pub span: Span,
}

impl Network {
    /// Compose's own network, which services that name none are on.
    pub const DEFAULT: &'static str = "default";

    /// Docker's drivers of a network a project makes (`host` and `none`
    /// are networks of their own, never made).
    pub const DRIVERS: [&'static str; 4] = ["bridge", "overlay", "macvlan", "ipvlan"];

    /// Whether Docker takes `name` as a network's.
    pub fn is_docker_name(name: &str) -> bool {
        is_docker_object_name(name)
    }
}

/// Whether Docker takes `name` as a network's or a volume's: a letter or
/// digit, then letters, digits, `_`, `.` and `-`.
pub fn is_docker_object_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

#[derive(Clone, Debug)]
pub struct Secret {
    pub name: Spanned<String>,
    pub source: SecretSource,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum SecretSource {
    /// A file, relative to the spec's folder.
    File(Spanned<String>),
    /// A variable of the environment `docker compose` runs in.
    Env(Spanned<String>),
}

/// One per service in a `Vec`, read by every rule: the settings most
/// services leave out or that are large (readiness, limits, user,
/// entrypoint) are boxed, so the vector stays small and in cache.
#[derive(Clone, Debug)]
pub struct Service {
    pub name: Spanned<String>,
    pub kind: ServiceKind,
    pub image: Option<ImageSource>,
    /// `command` of a service, `run` of a job.
    pub command: Option<Argv>,
    pub env: Vec<EnvVar>,
    pub env_files: Vec<EnvFile>,
    pub secrets: Vec<SecretUse>,
    pub mounts: Vec<Mount>,
    pub ports: Vec<PortMapping>,
    pub ready: Option<Box<Readiness>>,
    /// `ready off`: the image's own HEALTHCHECK is turned off.
    pub ready_off: Option<Span>,
    pub after: Vec<Dependency>,
    pub restart: Option<Spanned<Restart>>,
    pub limits: Option<Box<Limits>>,
    /// Containers of a long-running service (compose `deploy.replicas`).
    pub replicas: Option<Spanned<u32>>,
    /// How long compose waits after SIGTERM before SIGKILL (its default: 10s).
    pub stop_grace_period: Option<Spanned<Duration>>,
    /// Size of `/dev/shm` (compose's default is 64 MB; PostgreSQL wants more).
    pub shm_size: Option<Spanned<Size>>,
    /// The networks it joins; none means compose's `default` network.
    pub networks: Vec<Spanned<String>>,
    /// `user ...`: who its process runs as, instead of the image's `USER`.
    pub user: Option<Box<ContainerUser>>,
    /// `hardening off`: none of the hardening stackc adds by default.
    pub hardening_off: Option<Span>,
    /// `entrypoint ARGV`: the program the command is handed to. Docker
    /// drops the image's own command when it is set.
    pub entrypoint: Option<Box<Argv>>,
    /// `expose PORT, ...`: ports other services reach, not published.
    pub expose: Vec<ContainerPort>,
    /// `secret NAME [at PATH]`: secrets as files at a fixed path, with no
    /// `*_FILE` variable.
    pub secret_mounts: Vec<SecretMount>,
    /// `workdir PATH`: compose `working_dir`.
    pub workdir: Option<Spanned<String>>,
    pub hostname: Option<Spanned<String>>,
    pub container_name: Option<Spanned<String>>,
    /// `labels { KEY = "value" }`: container labels.
    pub labels: Vec<EnvVar>,
    /// `stop_signal SIGNAL`: what `docker compose stop` sends first.
    pub stop_signal: Option<Spanned<String>>,
    /// `compose KEY = VALUE`: raw compose keys, the escape hatch.
    pub raw_compose: Vec<RawCompose>,
    /// The whole `service NAME { ... }` block.
    pub span: Span,
}

impl Service {
    /// Another service's image run with a command of its own (a worker or
    /// a job of the web app's image): the image's `EXPOSE` and
    /// `HEALTHCHECK` are about the web app's process, not this one.
    pub fn runs_another_program(&self) -> bool {
        matches!(self.image, Some(ImageSource::Of(_))) && self.command.is_some()
    }

    /// The paths of its env files, in the order compose reads them.
    pub fn env_file_paths(&self) -> impl DoubleEndedIterator<Item = &Spanned<String>> {
        self.env_files.iter().map(|f| &f.path)
    }

    pub fn build(&self) -> Option<&Build> {
        match &self.image {
            Some(ImageSource::Build(build)) => Some(build),
            _ => None,
        }
    }

    /// The app server its statement runs: `gunicorn`, `uvicorn`, `daphne`.
    pub fn app_server(&self) -> Option<&AppServer> {
        match &self.kind {
            ServiceKind::App { server } => server.as_deref(),
            _ => None,
        }
    }

    /// Its `gunicorn` statement.
    pub fn gunicorn(&self) -> Option<&AppServer> {
        self.app_server().filter(|s| s.kind == AppServerKind::Gunicorn)
    }

    pub fn proxy(&self) -> Option<&Proxy> {
        match &self.kind {
            ServiceKind::Proxy(proxy) => Some(proxy),
            _ => None,
        }
    }

    /// The names of the networks it is on.
    pub fn network_names(&self) -> impl Iterator<Item = &str> + '_ {
        let default = self.networks.is_empty().then_some(Network::DEFAULT);
        self.networks.iter().map(|n| n.as_str()).chain(default)
    }

    pub fn is_job(&self) -> bool {
        matches!(self.kind, ServiceKind::Job)
    }

    /// The port of its proxy, which stackc writes the config of.
    fn proxy_port(&self) -> Option<u16> {
        self.proxy().map(Proxy::listen_port)
    }
}

#[derive(Clone, Debug)]
pub enum ServiceKind {
    /// A long-running service, optionally a Django app under an app server.
    App { server: Option<Box<AppServer>> },
    /// A one-shot command, such as `manage.py migrate`.
    Job,
    /// An nginx reverse proxy that stackc writes the config of (boxed:
    /// large, and one service in many).
    Proxy(Box<Proxy>),
}

impl ServiceKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            ServiceKind::App { .. } => "service",
            ServiceKind::Job => "job",
            ServiceKind::Proxy(_) => "proxy",
        }
    }
}

#[derive(Clone, Debug)]
pub enum ImageSource {
    /// `image postgres:16.4`: a published image.
    Image(ImageRef),
    /// `build PATH { ... }`: an image built from the app's source.
    Build(Box<Build>),
    /// `image of web`: the image another service builds.
    Of(Spanned<String>),
}

/// `repository[:tag][@digest]`, checked in lowering. The parts are read
/// from `text` where they lie, not copied: an image is named in most
/// services of a stack.
#[derive(Clone, Debug)]
pub struct ImageRef {
    pub text: Spanned<String>,
    /// Where the repository ends in `text`: at its `:tag`, its
    /// `@digest`, or the end.
    repository_end: usize,
    /// Where `repository[:tag]` ends: at the `@digest`, or the end.
    tag_end: usize,
}

impl ImageRef {
    /// `docker.io/library/postgres` of `docker.io/library/postgres:16.4`.
    pub fn repository(&self) -> &str {
        &self.text.value[..self.repository_end]
    }

    /// `16.4` of `postgres:16.4`; `None` without a `:`.
    pub fn tag(&self) -> Option<&str> {
        self.text.value[self.repository_end..self.tag_end].strip_prefix(':')
    }

    /// The major version a tag starts with: `16` of `16.4-alpine`.
    pub fn tag_major(&self) -> Option<u32> {
        let digits: String = self.tag()?.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    }

    /// What follows the `@`; `None` without one.
    pub fn digest(&self) -> Option<&str> {
        self.text.value[self.tag_end..].strip_prefix('@')
    }

    /// The repository as Docker Hub names it, the one name every table of
    /// published images is keyed by: `postgres` for
    /// `docker.io/library/postgres`, `valkey/valkey` for
    /// `docker.io/valkey/valkey`, and for Docker Hub's mirrors (Google's
    /// `mirror.gcr.io/library/python`, ECR Public's
    /// `public.ecr.aws/docker/library/python`: the same images); another
    /// registry's stays whole (`ghcr.io/mastodon/mastodon`).
    pub fn hub_name(&self) -> &str {
        let repository = self.repository();
        let hub = [
            "docker.io/",
            "index.docker.io/",
            "registry-1.docker.io/",
            "mirror.gcr.io/",
            "public.ecr.aws/docker/",
        ];
        let repository = hub
            .iter()
            .find_map(|host| repository.strip_prefix(host))
            .unwrap_or(repository);
        repository.strip_prefix("library/").unwrap_or(repository)
    }

    /// The image's own name without registry or namespace: `postgres` for
    /// `docker.io/library/postgres:16.4`.
    pub fn name(&self) -> &str {
        self.repository().rsplit('/').next().unwrap_or_default()
    }

    /// Splits `repository[:tag][@digest]` as Docker reads it (a `:` before
    /// the last `/` belongs to a registry's port), without checking the
    /// parts: the spec's lowering and the Dockerfile reader check them
    /// each their own way.
    pub fn split(text: Spanned<String>) -> ImageRef {
        let tag_end = text.value.find('@').unwrap_or(text.value.len());
        let rest = &text.value[..tag_end];
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let repository_end = rest[last_slash..].rfind(':').map_or(tag_end, |i| last_slash + i);
        ImageRef {
            text,
            repository_end,
            tag_end,
        }
    }
}

/// `build PATH { ... }`: an image built from the app's source folder, by
/// a Dockerfile stackc writes ([`Recipe::Python`]) or by the app's own
/// ([`Recipe::Dockerfile`]).
#[derive(Clone, Debug)]
pub struct Build {
    /// The app's source folder, relative to the spec's folder.
    pub context: Spanned<String>,
    /// `image NAME` beside `build`: what the built image is called, so CI
    /// can push it and servers pull it. `None`: a local name stackc picks.
    pub tag: Option<ImageRef>,
    pub recipe: Recipe,
    pub span: Span,
}

impl Build {
    /// The Dockerfile stackc writes, when it writes one.
    pub fn python(&self) -> Option<&PythonBuild> {
        match &self.recipe {
            Recipe::Python(python) => Some(python),
            Recipe::Dockerfile(_) => None,
        }
    }

    /// The app's own Dockerfile, when the build uses one.
    pub fn own_dockerfile(&self) -> Option<&OwnDockerfile> {
        match &self.recipe {
            Recipe::Dockerfile(own) => Some(own),
            Recipe::Python(_) => None,
        }
    }
}

/// How a built image is made.
#[derive(Clone, Debug)]
pub enum Recipe {
    /// stackc writes the Dockerfile: a Python app.
    Python(Box<PythonBuild>),
    /// `file PATH`: the app's own Dockerfile, which stackc reads but never
    /// writes.
    Dockerfile(OwnDockerfile),
}

/// The Python image stackc writes the Dockerfile of.
#[derive(Clone, Debug)]
pub struct PythonBuild {
    pub python: Spanned<PythonVersion>,
    /// The official image's variant after the version: `slim` (the
    /// default), `slim-bookworm`, `bookworm`: the Debian ones, since the
    /// Dockerfile uses apt and useradd.
    pub variant: Spanned<String>,
    /// How the Python packages are installed, before the source is copied.
    pub dependencies: Dependencies,
    /// `packages { NAME = VERSION }`: Debian packages of the image.
    pub packages: Vec<AptPackage>,
    /// `build_packages { ... }`: Debian packages that only the Python
    /// packages' build needs (compilers, headers); with any, the
    /// dependencies are installed in a build stage whose results alone
    /// reach the image.
    pub build_packages: Vec<AptPackage>,
    /// Where the source is copied in the image (`workdir`; `/app`).
    pub workdir: Spanned<String>,
    /// `manage PATH`: manage.py, relative to the build folder, when it is
    /// not at its top. Its folder is the image's working directory.
    pub manage: Option<Spanned<String>>,
    /// Where `collectstatic` writes in the image (Django's STATIC_ROOT).
    pub collectstatic: Option<Spanned<String>>,
    pub user: User,
    /// Raw Dockerfile instructions, each at its place: the escape hatch.
    pub dockerfile: Vec<RawDockerfile>,
    /// `ignore PATTERN...`: what the image build leaves out besides
    /// stackc's defaults and the app's own `.dockerignore`.
    pub ignore: Vec<Spanned<String>>,
}

impl PythonBuild {
    /// The default working directory, where the source is copied.
    pub const DEFAULT_WORKDIR: &'static str = "/app";

    /// The requirements file pip installs, when pip installs.
    pub fn requirements(&self) -> Option<&Spanned<String>> {
        match &self.dependencies {
            Dependencies::Pip(file) => Some(file),
            _ => None,
        }
    }

    /// The folder manage.py is in, relative to the build folder (`""` for
    /// its top): where Django's commands run.
    pub fn manage_folder(&self) -> &str {
        let manage = self.manage.as_ref().map_or("manage.py", |m| m.value.as_str());
        manage.rsplit_once('/').map_or("", |(folder, _)| folder)
    }

    /// The image's working directory once the source is in: the folder
    /// of manage.py, so `python manage.py ...` works in every container
    /// that runs the image.
    pub fn run_dir(&self) -> String {
        match self.manage_folder() {
            "" => self.workdir.value.clone(),
            folder => format!("{}/{folder}", self.workdir.value.trim_end_matches('/')),
        }
    }
}

/// How a Python build installs its packages.
#[derive(Clone, Debug)]
pub enum Dependencies {
    /// `requirements FILE`: pip, from a requirements file relative to the
    /// build folder (with every file it includes).
    Pip(Spanned<String>),
    /// `uv [VERSION]`: `pyproject.toml` and `uv.lock`.
    Uv(Spanned<String>),
    /// `poetry [VERSION]`: `pyproject.toml` and `poetry.lock`.
    Poetry(Spanned<String>),
}

impl Dependencies {
    /// stackc's uv and Poetry, when the spec pins none.
    pub const UV_VERSION: &'static str = "0.13.9";
    pub const POETRY_VERSION: &'static str = "2.5.1";

    /// The files the install reads, relative to the build folder (pip's
    /// includes aside), with the span that names them.
    pub fn files(&self) -> Vec<Spanned<String>> {
        let named = |file: &str, at: &Spanned<String>| Spanned::new(file.to_string(), at.span);
        match self {
            Dependencies::Pip(file) => vec![file.clone()],
            Dependencies::Uv(at) => vec![named("pyproject.toml", at), named("uv.lock", at)],
            Dependencies::Poetry(at) => vec![named("pyproject.toml", at), named("poetry.lock", at)],
        }
    }
}

/// `NAME = VERSION` in a `packages` block: apt's `NAME=VERSION`, where a
/// version ending in `*` takes the newest that starts with the rest.
#[derive(Clone, Debug)]
pub struct AptPackage {
    pub name: Spanned<String>,
    pub version: Spanned<String>,
}

/// A raw `dockerfile` line and where in the Dockerfile it goes.
#[derive(Clone, Debug)]
pub struct RawDockerfile {
    pub place: DockerfilePlace,
    pub text: Spanned<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DockerfilePlace {
    /// `before_install`: before the Python packages are installed, in the
    /// stage that installs them (as root).
    BeforeInstall,
    /// The default: after the source is copied in, as root.
    AfterSource,
    /// `as_user`: at the end, as the app's user, after collectstatic.
    AsUser,
}

/// `file PATH [target STAGE] [arg NAME = VALUE]...`: the app's own
/// Dockerfile, as compose's `build.dockerfile`, `target` and `args`.
#[derive(Clone, Debug)]
pub struct OwnDockerfile {
    /// Relative to the build context, as compose reads it.
    pub file: Spanned<String>,
    /// The stage to build (`docker build --target`); the last one if `None`.
    pub target: Option<Spanned<String>>,
    pub args: Vec<EnvVar>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PythonVersion {
    pub major: u16,
    pub minor: u16,
    pub patch: Option<u16>,
}

impl std::fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if let Some(patch) = self.patch {
            write!(f, ".{patch}")?;
        }
        Ok(())
    }
}

/// The unprivileged user the app runs as.
#[derive(Clone, Debug)]
pub struct User {
    pub name: Spanned<String>,
    pub uid: Spanned<u32>,
}

/// `user NAME|UID[:GROUP|GID]`: the account the container's process runs
/// as (compose `user`), checked in lowering to be one Docker reads the same.
#[derive(Clone, Debug)]
pub struct ContainerUser {
    pub user: Spanned<Account>,
    pub group: Option<Spanned<Account>>,
    pub span: Span,
}

impl ContainerUser {
    /// `root` or uid 0.
    pub fn is_root(&self) -> bool {
        self.user.value.is_root()
    }
}

impl std::fmt::Display for ContainerUser {
    /// Compose's `user:` value: `999`, `postgres:postgres`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.user.value)?;
        if let Some(group) = &self.group {
            write!(f, ":{}", group.value)?;
        }
        Ok(())
    }
}

/// A user or group, by name (looked up in the image) or by number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Account {
    Name(String),
    Id(u32),
}

impl Account {
    pub fn is_root(&self) -> bool {
        matches!(self, Account::Id(0)) || matches!(self, Account::Name(name) if name == "root")
    }
}

impl std::fmt::Display for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Account::Name(name) => f.write_str(name),
            Account::Id(id) => write!(f, "{id}"),
        }
    }
}

/// `gunicorn`, `uvicorn` or `daphne APP [options]`: the app server a
/// service runs, always on `0.0.0.0` so other containers reach it. The
/// settings it leaves out come from its config file or the server's
/// defaults: [`Stack::server_settings`] has the effective ones.
#[derive(Clone, Debug)]
pub struct AppServer {
    pub kind: AppServerKind,
    /// `module:callable`, e.g. `backend.wsgi:application`.
    pub app: Spanned<String>,
    pub bind: Option<Spanned<u16>>,
    pub workers: Option<Spanned<u32>>,
    /// A worker silent this long is killed and restarted (Gunicorn: 30s).
    pub timeout: Option<Spanned<Duration>>,
    /// How long workers get to finish requests on SIGTERM (Gunicorn: 30s).
    pub graceful_timeout: Option<Spanned<Duration>>,
    /// Gunicorn's `worker CLASS` (`uvicorn` for an ASGI app).
    pub worker: Option<Spanned<String>>,
    /// Gunicorn's `config PATH`, relative to the build folder of the image
    /// the service runs; stackc reads it.
    pub config: Option<Spanned<String>>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppServerKind {
    Gunicorn,
    /// An ASGI server (Django Channels, async views).
    Uvicorn,
    /// Django Channels' own ASGI server.
    Daphne,
}

impl AppServerKind {
    /// The statement's keyword, which is also the program's name.
    pub fn keyword(self) -> &'static str {
        match self {
            AppServerKind::Gunicorn => "gunicorn",
            AppServerKind::Uvicorn => "uvicorn",
            AppServerKind::Daphne => "daphne",
        }
    }

    /// The server's name in prose.
    pub fn name(self) -> &'static str {
        match self {
            AppServerKind::Gunicorn => "Gunicorn",
            AppServerKind::Uvicorn => "Uvicorn",
            AppServerKind::Daphne => "Daphne",
        }
    }
}

impl AppServer {
    /// The port every one of these servers takes when told none.
    pub const DEFAULT_PORT: u16 = 8000;
}

/// The settings an app server runs with, each with where it was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSettings {
    pub port: Setting<u16>,
    /// `None`: the server's default (one, unless `WEB_CONCURRENCY` says).
    pub workers: Option<Setting<u32>>,
    pub timeout: Option<Setting<Duration>>,
    pub graceful_timeout: Option<Setting<Duration>>,
}

/// An effective setting and the place that set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: SettingSource,
}

impl<T> Setting<T> {
    /// The spec's statement, when it gives the setting.
    fn given(spec: &Option<Spanned<T>>) -> Option<Setting<T>>
    where
        T: Copy,
    {
        spec.as_ref().map(|s| Setting {
            value: s.value,
            source: SettingSource::Spec(s.span),
        })
    }

    /// The config file's line, when it sets a value stackc can read (not
    /// computed by code, or only through an environment variable's default).
    fn configured(
        config: Option<&(crate::source::FileId, crate::input::gunicorn_conf::Effective)>,
        pick: impl Fn(&crate::input::gunicorn_conf::Effective) -> &crate::input::value::Sourced<T>,
    ) -> Option<Setting<T>>
    where
        T: Clone,
    {
        let (file, settings) = config?;
        let sourced = pick(settings);
        let crate::input::value::Origin::ConfigFile { span } = sourced.origin else {
            return None;
        };
        Some(Setting {
            value: sourced.value.unless_overridden()?.clone(),
            source: SettingSource::ConfigFile { file: *file, span },
        })
    }

    fn map<U>(self, f: impl FnOnce(T) -> U) -> Setting<U> {
        Setting {
            value: f(self.value),
            source: self.source,
        }
    }

    fn try_map<U>(self, f: impl FnOnce(T) -> Option<U>) -> Option<Setting<U>> {
        Some(Setting {
            value: f(self.value)?,
            source: self.source,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingSource {
    /// A statement of the spec.
    Spec(Span),
    /// A line of the Gunicorn config file the spec names.
    ConfigFile { file: crate::source::FileId, span: Span },
    /// The server's default; the span is the server's statement.
    Default(Span),
}

/// A command line: written as one string (split like a shell would) or as a
/// list of words.
#[derive(Clone, Debug)]
pub struct Argv {
    /// The string as written, when the spec gave one string.
    pub line: Option<String>,
    pub words: Vec<String>,
    pub span: Span,
}

/// `NAME = VALUE`: an environment variable, a build argument or a label.
#[derive(Clone, Debug)]
pub struct EnvVar {
    pub name: Spanned<String>,
    pub value: Spanned<String>,
}

/// `secret ENV = SECRET`: the container gets the secret as a file and
/// `ENV_FILE` naming it, never the value itself.
#[derive(Clone, Debug)]
pub struct SecretUse {
    pub env: Spanned<String>,
    pub secret: Spanned<String>,
    pub span: Span,
}

/// `secret NAME [at PATH]`.
#[derive(Clone, Debug)]
pub struct SecretMount {
    pub secret: Spanned<String>,
    /// Where the file is in the container; `None` for `/run/secrets/NAME`.
    pub target: Option<Spanned<String>>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Mount {
    pub source: MountSource,
    pub target: Spanned<String>,
    pub read_only: bool,
    /// SELinux relabelling of a host path (compose `:z` / `:Z`).
    pub relabel: Option<Spanned<Relabel>>,
    pub span: Span,
}

impl Mount {
    /// What it mounts, as the spec names it: the volume, the host path, or
    /// `anonymous`.
    pub fn source_text(&self) -> &str {
        match &self.source {
            MountSource::Volume(name) | MountSource::Host(name) => &name.value,
            MountSource::Anonymous(_) => "anonymous",
        }
    }

    /// Whether it binds a host folder, as far as its paths' names tell:
    /// neither end names a file (`nginx.conf`, `entrypoint.sh`; a `.d` name
    /// such as `conf.d` is a folder). The guess for a source that is not
    /// there to look at: [`crate::input::Inputs::binds_folder`] asks the
    /// file system first, and is the one place that decides.
    pub(crate) fn names_folder(&self) -> bool {
        let MountSource::Host(source) = &self.source else {
            return false;
        };
        let names_file = |path: &str| {
            std::path::Path::new(path)
                .extension()
                .is_some_and(|extension| extension != "d")
        };
        !names_file(&source.value) && !names_file(&self.target.value)
    }

    /// The named volume it mounts, if it mounts one.
    pub fn volume(&self) -> Option<&Spanned<String>> {
        match &self.source {
            MountSource::Volume(name) => Some(name),
            _ => None,
        }
    }
}

/// What a `mount` puts at its target.
#[derive(Clone, Debug)]
pub enum MountSource {
    /// A named volume the spec declares.
    Volume(Spanned<String>),
    /// A host path, relative to the spec's folder (a bind mount).
    Host(Spanned<String>),
    /// A fresh volume of the container's own, kept across restarts until
    /// the container is removed (`anonymous`).
    Anonymous(Span),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relabel {
    /// Every container may use the content (`:z`).
    Shared,
    /// Only this container may (`:Z`).
    Private,
}

#[derive(Clone, Debug)]
pub struct PortMapping {
    /// The host interface; `None` publishes on every interface.
    pub host_ip: Option<std::net::IpAddr>,
    /// Where the address is written, if it is: a malformed one is `None`
    /// in `host_ip` but was still written, and means no interface at all.
    pub host_ip_span: Option<Span>,
    pub host_port: Spanned<u16>,
    pub container_port: ContainerPort,
    pub span: Span,
}

/// A port in the container and its protocol: `8000`, `53/udp`.
#[derive(Clone, Debug)]
pub struct ContainerPort {
    /// The number; its span covers the protocol written after it too.
    pub number: Spanned<u16>,
    pub protocol: Protocol,
}

impl ContainerPort {
    pub fn is_tcp(&self) -> bool {
        self.protocol == Protocol::Tcp
    }

    /// A port as compose and Docker write it, spelled as the spec writes
    /// it: `8443/tcp` is `8443`, `53/UDP` is `53/udp`; `None` for a range,
    /// a sign, a number past 65535 or a protocol Docker does not know.
    pub fn canonical(text: &str) -> Option<String> {
        let (number, protocol) = Protocol::split(text)?;
        let number: u16 = number
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| number.parse().ok())??;
        Some(format!("{number}{}", protocol.suffix()))
    }
}

impl std::fmt::Display for ContainerPort {
    /// As the spec and compose write it: `8000`, `53/udp`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.number.value, self.protocol.suffix())
    }
}

/// The transport a port is for: TCP unless the spec says otherwise
/// (`53/udp`), as in compose, Docker and Kubernetes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    #[default]
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    /// As the spec, compose and Docker write it: `tcp`, `udp`, `sctp`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }

    /// The protocol of a name as Docker reads it (any case).
    pub fn from_name(name: &str) -> Option<Protocol> {
        [Protocol::Tcp, Protocol::Udp, Protocol::Sctp]
            .into_iter()
            .find(|protocol| protocol.name().eq_ignore_ascii_case(name))
    }

    /// A port as Docker and compose write it, split from its protocol:
    /// `53/udp` is (`53`, UDP), `8000` (`8000`, TCP); `None` for a
    /// protocol Docker does not know.
    pub fn split(port: &str) -> Option<(&str, Protocol)> {
        match port.rsplit_once('/') {
            Some((number, name)) => Some((number, Protocol::from_name(name)?)),
            None => Some((port, Protocol::Tcp)),
        }
    }

    /// What follows a port number when the protocol is written: nothing
    /// for TCP, which every format takes as the default, else `/udp`.
    pub fn suffix(self) -> &'static str {
        match self {
            Protocol::Tcp => "",
            Protocol::Udp => "/udp",
            Protocol::Sctp => "/sctp",
        }
    }

    /// As Kubernetes writes it: `TCP`, `UDP`, `SCTP`.
    pub fn kubernetes_name(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

impl PortMapping {
    /// The one host interface it is published on; `None` for every
    /// interface (no address, `0.0.0.0` or `[::]`).
    pub fn interface(&self) -> Option<std::net::IpAddr> {
        self.host_ip.filter(|ip| !ip.is_unspecified())
    }

    /// Where it is published when that reaches past the host's own
    /// networks: every interface, or an address routed on the internet
    /// (not loopback, private, link-local or carrier-grade NAT). `None`
    /// for loopback or a private network's address.
    pub fn exposure(&self) -> Option<Exposure> {
        if self.on_every_interface() {
            return Some(Exposure::EveryInterface);
        }
        let ip = self.interface()?;
        (!is_internal(ip)).then_some(Exposure::PublicAddress(ip))
    }

    /// Published on every interface, as written: no address, `0.0.0.0` or
    /// `[::]`. A malformed address (already an `invalid-ip` error) says
    /// nothing, so rules about exposure stay quiet about it.
    pub fn on_every_interface(&self) -> bool {
        match self.host_ip {
            Some(ip) => ip.is_unspecified(),
            None => self.host_ip_span.is_none(),
        }
    }
}

/// An address of the host itself or of a private network: loopback,
/// private, link-local, carrier-grade NAT, IPv6 unique local, and IPv4
/// ones written IPv4-mapped (`::ffff:10.0.0.5`).
fn is_internal(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private() || v4.is_loopback() || v4.is_link_local() || (a == 100 && (64..128).contains(&b))
        }
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal(v4.into()),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

/// How a published port reaches past the host (see
/// [`PortMapping::exposure`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposure {
    EveryInterface,
    PublicAddress(std::net::IpAddr),
}

impl std::fmt::Display for Exposure {
    /// Where the port is, after "published on".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exposure::EveryInterface => f.write_str("every interface of the host"),
            Exposure::PublicAddress(ip) => write!(f, "the host's public address `{ip}`"),
        }
    }
}

/// `env_file PATH [optional]`: variables read from a file next to the spec.
#[derive(Clone, Debug)]
pub struct EnvFile {
    pub path: Spanned<String>,
    /// `optional`: a missing file is no error (compose `required: false`).
    pub optional: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct Readiness {
    pub probe: Probe,
    pub interval: Option<Spanned<Duration>>,
    pub timeout: Option<Spanned<Duration>>,
    pub retries: Option<Spanned<u32>>,
    pub start_period: Option<Spanned<Duration>>,
    /// How often to check during `start_period` (compose `start_interval`).
    pub start_interval: Option<Spanned<Duration>>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Probe {
    /// A command run in the container; healthy when it exits 0.
    Cmd(Argv),
    /// Healthy when the port accepts a TCP connection.
    Tcp(Spanned<u16>),
    /// Healthy when `GET path` answers below 400 (redirects not followed).
    Http {
        path: Spanned<String>,
        port: Option<Spanned<u16>>,
    },
}

/// The program a `ready tcp` or `ready http` check runs in the container:
/// stackc writes the check in a language the image has, with the port and
/// path as arguments, never spliced into code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeProgram {
    /// `python -c`: every image stackc builds, `python` images, and an
    /// app's own Dockerfile that may have it.
    Python,
    /// `node -e`: `node` images and an app's own Dockerfile built on one.
    Node,
}

impl ProbeProgram {
    /// The program a published image, or an own Dockerfile's base, is
    /// known to have on its PATH.
    pub fn of_image(image: &ImageRef) -> Option<ProbeProgram> {
        match image.name() {
            "node" => Some(ProbeProgram::Node),
            "python" => Some(ProbeProgram::Python),
            _ if NODE_APP_IMAGES.contains(&image.hub_name()) => Some(ProbeProgram::Node),
            _ => None,
        }
    }
}

/// Published app images built `FROM node` (each Dockerfile's first line),
/// whose `node` runs a TCP or HTTP check.
const NODE_APP_IMAGES: &[&str] = &[
    "ghost",
    "directus/directus",
    "n8nio/n8n",
    "docker.n8n.io/n8nio/n8n",
    "ghcr.io/umami-software/umami",
    "docker.umami.is/umami-software/umami",
    "outlinewiki/outline",
    "docker.getoutline.com/outlinewiki/outline",
    "ghcr.io/requarks/wiki",
    "requarks/wiki",
];

/// A duration in milliseconds, such as `5s` or `1m30s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub u64);

impl Duration {
    /// The longest duration, in milliseconds, that Docker and compose read:
    /// Go's `time.Duration` counts nanoseconds in an `i64`.
    pub const LONGEST_MS: u64 = i64::MAX as u64 / 1_000_000;
}

impl std::fmt::Display for Duration {
    /// Compose's duration syntax: `1h2m3s4ms`, `0s` for zero.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
            if rest >= size {
                write!(f, "{}{unit}", rest / size)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

/// `restart POLICY`: compose's restart policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    No,
    Always,
    /// Restart after a non-zero exit, at most this many times when given.
    OnFailure(Option<u32>),
    UnlessStopped,
}

impl std::fmt::Display for Restart {
    /// Compose's spelling: `no`, `always`, `on-failure[:N]`, `unless-stopped`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Restart::No => f.write_str("no"),
            Restart::Always => f.write_str("always"),
            Restart::OnFailure(None) => f.write_str("on-failure"),
            Restart::OnFailure(Some(n)) => write!(f, "on-failure:{n}"),
            Restart::UnlessStopped => f.write_str("unless-stopped"),
        }
    }
}

/// `limits { memory 512M cpus 1.5 pids 200 }`: what the container may use.
#[derive(Clone, Debug)]
pub struct Limits {
    pub memory: Option<Spanned<Size>>,
    pub cpus: Option<Spanned<Cpus>>,
    pub pids: Option<Spanned<u32>>,
    pub span: Span,
}

/// A number of CPUs in thousandths, such as `1.5` (1500).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cpus(pub u32);

impl std::fmt::Display for Cpus {
    /// Decimal, without trailing zeros: `0.5`, `2`, `1.25`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, thousandths) = (self.0 / 1000, self.0 % 1000);
        if thousandths == 0 {
            return write!(f, "{whole}");
        }
        let fraction = format!("{thousandths:03}");
        write!(f, "{whole}.{}", fraction.trim_end_matches('0'))
    }
}

/// `compose KEY = VALUE`: one raw compose service key and its value, read
/// as YAML in lowering and kept as plain data.
#[derive(Clone, Debug)]
pub struct RawCompose {
    pub key: Spanned<String>,
    pub value: Spanned<serde_json::Value>,
    pub span: Span,
}

/// A size in bytes, such as `512M` (written with 1024-based units).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Size(pub u64);

impl Size {
    /// 1 TiB: more than any memory limit or upload, and far from overflow.
    pub const MAX_BYTES: u64 = 1 << 40;
}

impl std::fmt::Display for Size {
    /// The largest unit that divides the size exactly: `512m`, `1g`, `1500`.
    /// Both nginx and compose read these lowercase units.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (unit, size) in [("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)] {
            if self.0 != 0 && self.0.is_multiple_of(size) {
                return write!(f, "{}{unit}", self.0 / size);
            }
        }
        write!(f, "{}", self.0)
    }
}

#[derive(Clone, Debug)]
pub struct Dependency {
    pub target: Spanned<String>,
    /// `None` for a plain `after X`, which waits only for X to start.
    pub condition: Option<Spanned<Condition>>,
    /// `optional`: start even when X is not part of the run (compose
    /// `required: false`).
    pub optional: Option<Span>,
    /// `restart`: restart this service when compose restarts X (compose
    /// `restart: true`).
    pub restart: Option<Span>,
    pub span: Span,
}

impl Dependency {
    pub fn effective_condition(&self) -> Condition {
        self.condition.as_ref().map_or(Condition::Started, |c| c.value)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    Started,
    Ready,
    Done,
}

/// An nginx reverse proxy: upstreams (nginx's `http` context) and one or
/// more `server` blocks. The proxy-level `listen`/`server_name`/`location`
/// shorthand is lowered into a single server, so emitters and rules see one
/// shape.
#[derive(Clone, Debug)]
pub struct Proxy {
    pub upstreams: Vec<Upstream>,
    /// Never empty: a proxy without `server` blocks has one implicit server.
    pub servers: Vec<Server>,
    /// Raw directives of nginx's `http` block (`nginx http "..."`), after
    /// stackc's own settings there.
    pub http: Vec<RawDirective>,
    /// [`Proxy::upstream`]'s table, built on the first lookup.
    upstream_names: NameMap,
}

impl Proxy {
    pub const DEFAULT_LISTEN: u16 = 80;

    pub fn new(upstreams: Vec<Upstream>, servers: Vec<Server>) -> Proxy {
        Proxy {
            upstreams,
            servers,
            http: Vec::new(),
            upstream_names: NameMap::default(),
        }
    }

    /// The proxy with these raw `http` directives.
    /// The upstreams that keep connections to their servers open (`nginx
    /// "keepalive N"`), which their locations must ask for, by name.
    pub fn pooled_upstreams(&self) -> Vec<&str> {
        (self.upstreams.iter())
            .filter(|u| u.raw.iter().any(|r| r.name == "keepalive"))
            .map(|u| u.name.value.as_str())
            .collect()
    }

    pub fn with_http(self, http: Vec<RawDirective>) -> Proxy {
        Proxy { http, ..self }
    }

    /// Whether a raw `http` directive sets `name`, which stackc then does
    /// not write there itself.
    pub fn http_sets(&self, name: &str) -> bool {
        self.http.iter().any(|d| d.name == name)
    }

    /// The services it forwards to, with the port: its upstreams' servers
    /// and the addresses of its raw `*_pass` directives (`fastcgi_pass
    /// php:9000`, `proxy_pass http://api:8000`).
    pub fn addressed(&self) -> impl Iterator<Item = (&str, u16)> + '_ {
        let servers = (self.upstreams.iter())
            .flat_map(|u| &u.servers)
            .map(|s| (s.service.value.as_str(), s.port.value));
        let raw = (self.servers.iter())
            .flat_map(|s| {
                s.settings
                    .raw
                    .iter()
                    .chain(s.locations.iter().flat_map(|l| &l.settings.raw))
            })
            .chain(&self.http)
            .filter(|d| d.name.ends_with("_pass"))
            .filter_map(|d| d.args.first())
            .flat_map(|target| addresses(target, 0));
        servers.chain(raw)
    }

    /// The raw directive `name` that a server's locations inherit: the
    /// server's own, else the `http` block's (a `root`, where a location
    /// without an action finds its files).
    pub fn inherited_raw<'a>(&'a self, server: &'a Server, name: &str) -> Option<&'a RawDirective> {
        server
            .settings
            .raw_directive(name)
            .or_else(|| raw_directive(&self.http, name))
    }

    /// The raw directive `name` in force in `location` of `server`: its
    /// own, else the one it inherits.
    pub fn raw_in_force<'a>(
        &'a self,
        server: &'a Server,
        location: &'a Location,
        name: &str,
    ) -> Option<&'a RawDirective> {
        location
            .settings
            .raw_directive(name)
            .or_else(|| self.inherited_raw(server, name))
    }

    /// The port of the first server's first `listen`: what a readiness
    /// check of the proxy would ask.
    pub fn listen_port(&self) -> u16 {
        self.servers.first().map_or(Self::DEFAULT_LISTEN, |s| s.ports()[0])
    }

    /// Whether a server listens on a privileged port (below 1024), which
    /// only root may bind unless the network namespace lowers
    /// `net.ipv4.ip_unprivileged_port_start`.
    pub fn listens_on_privileged_port(&self) -> bool {
        self.servers.iter().flat_map(Server::ports).any(|port| port < 1024)
    }

    /// Every server of every upstream: the services nginx forwards to.
    pub fn upstream_servers(&self) -> impl Iterator<Item = &UpstreamServer> {
        self.upstreams.iter().flat_map(|u| &u.servers)
    }

    pub fn upstream(&self, name: &str) -> Option<&Upstream> {
        self.upstream_names.find(&self.upstreams, |u| &u.name.value, name)
    }

    /// Every location of every server, in spec order.
    pub fn locations(&self) -> impl Iterator<Item = &Location> {
        self.servers.iter().flat_map(|s| &s.locations)
    }

    /// The settings of every server and of each of its locations.
    pub fn settings(&self) -> impl Iterator<Item = &Settings> {
        self.servers
            .iter()
            .flat_map(|s| std::iter::once(&s.settings).chain(s.locations.iter().map(|l| &l.settings)))
    }

    /// The volumes its locations serve files from, each once, in order.
    pub fn aliased_volumes(&self) -> Vec<&Spanned<String>> {
        first_of_each(self.locations().filter_map(|location| match &location.action {
            LocationAction::Alias(alias) => Some(&alias.volume),
            _ => None,
        }))
    }

    /// The secrets nginx reads (TLS certificates and keys), each once, in
    /// spec order.
    pub fn secrets(&self) -> Vec<&Spanned<String>> {
        let tls = self.servers.iter().filter_map(|s| s.tls.as_ref());
        first_of_each(tls.flat_map(|tls| [&tls.certificate, &tls.key]))
    }
}

/// The TCP port an app server's command line binds, when it names one.
fn command_port(words: &[String]) -> Option<u16> {
    let Some(server) = crate::input::app_server::server_args(words) else {
        return runserver_port(words);
    };
    let binds = server.binds.value.unless_overridden()?;
    binds.iter().find_map(crate::input::bind::Bind::port)
}

/// The port of Django's development server, `manage.py runserver
/// [ADDRESS:]PORT` (8000 when left out), as a development environment
/// runs it.
fn runserver_port(words: &[String]) -> Option<u16> {
    let at = words.iter().position(|w| w == "runserver")?;
    let django = |w: &String| w.ends_with("manage.py") || w == "django-admin";
    if !words[..at].iter().any(django) {
        return None;
    }
    match words[at + 1..].iter().find(|w| !w.starts_with('-')) {
        Some(address) => address.rsplit(':').next()?.parse().ok().filter(|&port| port > 0),
        None => Some(8000),
    }
}

#[cfg(test)]
mod command_port_tests {
    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn django_runserver_says_its_port() {
        for (line, port) in [
            ("python manage.py runserver 0.0.0.0:8000", Some(8000)),
            ("python manage.py runserver --noreload 9000", Some(9000)),
            ("django-admin runserver [::]:8001", Some(8001)),
            ("python /app/manage.py runserver", Some(8000)),
            ("python manage.py runserver 0.0.0.0:0", None),
            ("python tools.py runserver 9000", None),
        ] {
            assert_eq!(super::command_port(&words(line)), port, "{line}");
        }
    }
}

#[cfg(test)]
#[test]
fn docker_hubs_mirrors_name_its_images() {
    let hub_name = |text: &str| {
        ImageRef::split(Spanned::new(text.to_string(), Span::new(0, 0)))
            .hub_name()
            .to_string()
    };
    for text in [
        "python:3.12",
        "docker.io/library/python:3.12",
        "mirror.gcr.io/library/python:3.12",
        "public.ecr.aws/docker/library/python:3.12",
    ] {
        assert_eq!(hub_name(text), "python", "{text}");
    }
    assert_eq!(hub_name("ghcr.io/acme/python:1"), "ghcr.io/acme/python");
}

/// The first of each distinct value, in order.
pub fn first_of_each<'a>(items: impl Iterator<Item = &'a Spanned<String>>) -> Vec<&'a Spanned<String>> {
    let mut seen = std::collections::HashSet::new();
    items.filter(|item| seen.insert(item.as_str())).collect()
}

/// One nginx `server { ... }`.
#[derive(Clone, Debug)]
pub struct Server {
    /// Empty means `listen 80`.
    pub listens: Vec<Listen>,
    pub server_names: Vec<Spanned<String>>,
    pub tls: Option<Tls>,
    /// `redirect to https`: every request is answered with a 301 to the
    /// same URL over HTTPS.
    pub redirect_https: Option<Span>,
    pub settings: Settings,
    pub locations: Vec<Location>,
    /// The `server { ... }` block; for the shorthand, the proxy's.
    pub span: Span,
}

impl Server {
    /// The ports nginx listens on for this server, in spec order, each
    /// with whether it is TLS.
    pub fn sockets(&self) -> Vec<(u16, bool)> {
        if self.listens.is_empty() {
            vec![(Proxy::DEFAULT_LISTEN, false)]
        } else {
            self.listens.iter().map(|l| (l.port.value, l.tls.is_some())).collect()
        }
    }

    /// The ports nginx listens on for this server, in spec order.
    pub fn ports(&self) -> Vec<u16> {
        self.sockets().into_iter().map(|(port, _)| port).collect()
    }

    pub fn is_tls(&self) -> bool {
        self.listens.iter().any(|l| l.tls.is_some())
    }

    /// The response header `name` that `location` (`None`: the server
    /// itself) sends: a location's own header replaces its server's of the
    /// name (stackc repeats the others), the last of a name wins, and an
    /// empty value sends none. stackc's defaults are not among them.
    pub fn response_header<'a>(&'a self, location: Option<&'a Location>, name: &str) -> Option<&'a Header> {
        let find = |settings: &'a Settings| {
            (settings.response_headers.iter().rev()).find(|h| h.name.eq_ignore_ascii_case(name))
        };
        (location.and_then(|l| find(&l.settings)))
            .or_else(|| find(&self.settings))
            .filter(|h| !h.value.is_empty())
    }
}

/// `listen PORT [tls]`.
#[derive(Clone, Debug)]
pub struct Listen {
    pub port: Spanned<u16>,
    /// The span of the `tls` word, when given.
    pub tls: Option<Span>,
    pub span: Span,
}

/// `tls certificate SECRET key SECRET`: both are compose secrets nginx
/// reads from `/run/secrets/`.
#[derive(Clone, Debug)]
pub struct Tls {
    pub certificate: Spanned<String>,
    pub key: Spanned<String>,
    pub span: Span,
}

/// nginx settings a server or a location may hold. A location's setting
/// overrides its server's; headers are merged by name (see each field).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// `client_max_body_size`: the largest request body (nginx: 1m).
    pub client_max_body_size: Option<Spanned<Size>>,
    /// `proxy_read_timeout`, `proxy_connect_timeout`, `proxy_send_timeout`
    /// (nginx: 60s each).
    pub read_timeout: Option<Spanned<Duration>>,
    pub connect_timeout: Option<Spanned<Duration>>,
    pub send_timeout: Option<Spanned<Duration>>,
    /// `add_header NAME VALUE`: response headers, sent with every status.
    /// A location's header replaces its server's of the same name, and
    /// each replaces stackc's default of its name (an empty value: none).
    pub response_headers: Vec<Header>,
    /// `proxy_set_header NAME VALUE`: request headers to the upstream.
    /// A location's header replaces its server's of the same name.
    pub request_headers: Vec<Header>,
    /// `nginx "DIRECTIVE ARGS"`: raw directives, written as given, except
    /// `add_header` and `proxy_set_header`, which lowering made headers.
    pub raw: Vec<RawDirective>,
}

impl Settings {
    /// The `proxy_*` settings, which only matter where requests are proxied.
    pub fn proxy_only(&self) -> impl Iterator<Item = Span> + '_ {
        let timeouts = [&self.read_timeout, &self.connect_timeout, &self.send_timeout];
        let timeouts = timeouts.into_iter().flatten().map(|t| t.span);
        timeouts.chain(self.request_headers.iter().map(|h| h.span))
    }

    /// Whether a raw directive of this name is in the block: stackc then
    /// leaves out its own directive of that name (the raw one wins).
    pub fn raw_sets(&self, directive: &str) -> bool {
        self.raw.iter().any(|r| r.name == directive)
    }

    /// The block's raw directive `name` (the last, as nginx reads most).
    pub fn raw_directive(&self, name: &str) -> Option<&RawDirective> {
        raw_directive(&self.raw, name)
    }
}

/// The last raw directive `name` of a block.
fn raw_directive<'a>(raw: &'a [RawDirective], name: &str) -> Option<&'a RawDirective> {
    raw.iter().rev().find(|d| d.name == name)
}

/// One raw `nginx "..."` directive: lowering checked it is one directive
/// that may stand in its block.
#[derive(Clone, Debug)]
pub struct RawDirective {
    /// The directive's name, its first word.
    pub name: String,
    /// The words after the name, as nginx reads them (quotes and escapes
    /// undone, variables not expanded).
    pub args: Vec<String>,
    /// The whole text, written as given with a `;` added.
    pub text: Spanned<String>,
}

/// A request or response header: `add_header`/`proxy_set_header`, or the
/// same directive in a raw `nginx "..."` line.
#[derive(Clone, Debug)]
pub struct Header {
    pub name: Spanned<String>,
    /// The value as nginx reads it (quotes and escapes undone); empty means
    /// no header.
    pub value: Spanned<String>,
    /// From a raw line: the words after the name, as written. nginx expands
    /// the variables in them, and an `add_header` may end with `always`.
    pub raw_args: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Upstream {
    pub name: Spanned<String>,
    pub servers: Vec<UpstreamServer>,
    /// Raw `nginx "..."` lines: the upstream module's own directives
    /// (`keepalive 32`, `least_conn`), in the order written.
    pub raw: Vec<RawDirective>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct UpstreamServer {
    pub service: Spanned<String>,
    pub port: Spanned<u16>,
    pub weight: Option<Spanned<u32>>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Location {
    /// The path of a prefix or exact location, the regular expression of
    /// a regex one, the name (without `@`) of a named one.
    pub path: Spanned<String>,
    pub kind: LocationKind,
    pub action: LocationAction,
    /// `websocket`: proxy the `Upgrade` handshake (proxy_pass only).
    pub websocket: Option<Span>,
    pub settings: Settings,
    pub span: Span,
}

impl Location {
    /// How nginx's `location` line names it, unescaped: `/static/`,
    /// `= /status`, `~* \.css$`, `@app`.
    pub fn key(&self) -> String {
        match self.kind.modifier() {
            "" => self.path.value.clone(),
            "@" => format!("@{}", self.path.value),
            modifier => format!("{modifier} {}", self.path.value),
        }
    }

    /// Whether nginx matches a request's path against it: a prefix, an
    /// exact path or a regular expression, not a named location.
    pub fn matches_requests(&self) -> bool {
        self.kind != LocationKind::Named
    }
}

/// How a location matches requests, as nginx picks one: an exact path
/// first; else the longest prefix, and unless that one is `^~`, the first
/// regular expression in the config's order that matches; else that
/// longest prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocationKind {
    /// `location /path`: the paths under it, unless a regex matches.
    Prefix,
    /// `location ^~ /path`: the paths under it, before any regex.
    PrefixFirst,
    /// `location = /path`: this path only.
    Exact,
    /// `location ~ "regex"`, or `~* "regex"` (`caseless`).
    Regex { caseless: bool },
    /// `location @name`: no request path; `try_files` and `error_page`
    /// send requests to it.
    Named,
}

impl LocationKind {
    /// The modifier nginx's `location` line writes before the path (`@`
    /// is glued to the name).
    pub fn modifier(self) -> &'static str {
        match self {
            LocationKind::Prefix => "",
            LocationKind::PrefixFirst => "^~",
            LocationKind::Exact => "=",
            LocationKind::Regex { caseless: false } => "~",
            LocationKind::Regex { caseless: true } => "~*",
            LocationKind::Named => "@",
        }
    }

    /// A prefix, plain or `^~`: the paths under it.
    pub fn is_prefix(self) -> bool {
        matches!(self, LocationKind::Prefix | LocationKind::PrefixFirst)
    }

    pub fn is_regex(self) -> bool {
        matches!(self, LocationKind::Regex { .. })
    }
}

/// What answers a location's requests.
#[derive(Clone, Debug)]
pub enum LocationAction {
    /// Forward to an upstream of the same proxy.
    ProxyPass(ProxyPass),
    /// Serve files from a volume.
    Alias(Alias),
    /// Answer with a status and a literal text or URL.
    Return(Return),
    /// A raw directive of the location's settings answers (`stub_status`,
    /// `fastcgi_pass`, a `return` with variables); the emitter writes it
    /// with the other raw lines.
    Raw(RawAction),
    /// Nothing in the location says: nginx looks for files under the
    /// `root` it inherits ([`Proxy::inherited_raw`]), by default the
    /// `html` folder of nginx's prefix (`/etc/nginx/html` in the nginx
    /// image, which has no such folder). Resolution refuses it in a
    /// location without raw directives; with some, one may answer in a
    /// way stackc does not know, and lint warns.
    InheritedRoot,
}

impl LocationAction {
    /// A `return`, typed or raw: it answers in nginx's rewrite phase,
    /// before `allow` and `deny` are checked.
    pub fn is_return(&self) -> bool {
        matches!(
            self,
            LocationAction::Return(_)
                | LocationAction::Raw(RawAction {
                    handler: RawHandler::Return,
                    ..
                })
        )
    }

    /// Files from nginx's file system: a volume, a raw `root`, or the
    /// root the location inherits.
    pub fn serves_files(&self) -> bool {
        matches!(
            self,
            LocationAction::Alias(_)
                | LocationAction::InheritedRoot
                | LocationAction::Raw(RawAction {
                    handler: RawHandler::Files,
                    ..
                })
        )
    }
}

/// The raw directive that answers a location.
#[derive(Clone, Debug)]
pub struct RawAction {
    /// The directive's name, with the span of its `nginx "..."` text.
    pub directive: Spanned<String>,
    pub handler: RawHandler,
}

/// How a raw directive answers a location's requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawHandler {
    /// `return`: a status, a body or a redirect.
    Return,
    /// `root`: files from the proxy container's own file system.
    Files,
    /// A module's content handler: `stub_status`, `empty_gif`, the
    /// `*_pass` of FastCGI, uwsgi, SCGI, gRPC and memcached, `perl`,
    /// `js_content`.
    Module,
    /// `flv`, `mp4`: the location's own files, streamed, so they go with
    /// an `alias` (or a `root`) as nginx's docs write them.
    Streams,
}

impl RawHandler {
    /// The directives that answer a location's requests (nginx's content
    /// handlers, `return` and `root`), sorted. `try_files`, `index` and
    /// `autoindex` only choose among the files of a `root`.
    const DIRECTIVES: &[(&str, RawHandler)] = &[
        ("empty_gif", RawHandler::Module),
        ("fastcgi_pass", RawHandler::Module),
        ("flv", RawHandler::Streams),
        ("grpc_pass", RawHandler::Module),
        ("js_content", RawHandler::Module),
        ("memcached_pass", RawHandler::Module),
        ("mp4", RawHandler::Streams),
        ("perl", RawHandler::Module),
        ("return", RawHandler::Return),
        ("root", RawHandler::Files),
        ("scgi_pass", RawHandler::Module),
        ("stub_status", RawHandler::Module),
        ("uwsgi_pass", RawHandler::Module),
    ];

    /// Whether a raw `try_files` with these arguments answers when no file
    /// is there: its last choice is a named location (`@app`, which may
    /// proxy) or a status (`=404`).
    pub fn try_files_falls_back(args: &[String]) -> bool {
        args.last()
            .is_some_and(|last| last.starts_with('@') || last.starts_with('='))
    }

    /// How the raw directive `name` answers a location, when it does.
    pub fn of(name: &str) -> Option<RawHandler> {
        let found = Self::DIRECTIVES.binary_search_by(|(n, _)| n.cmp(&name));
        found.ok().map(|at| Self::DIRECTIVES[at].1)
    }
}

/// `alias VOLUME [FOLDER]`: the files of a volume, or of a folder inside
/// it (taiga's `/media/exports/` serves only `exports/` of the media
/// volume).
#[derive(Clone, Debug)]
pub struct Alias {
    pub volume: Spanned<String>,
    /// Relative to the volume's root, without `.` or `..` (resolution
    /// refuses them).
    pub folder: Option<Spanned<String>>,
}

impl Alias {
    /// A folder `alias VOLUME FOLDER` takes: names of letters, digits and
    /// `. _ -` joined by `/`, without `.` or `..`, so nginx cannot be
    /// pointed outside the volume.
    pub fn is_plain_folder(folder: &str) -> bool {
        folder.split('/').all(|part| {
            !matches!(part, "" | "." | "..") && part.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        })
    }
}

/// `proxy_pass UPSTREAM [PATH]`.
#[derive(Clone, Debug)]
pub struct ProxyPass {
    pub upstream: Spanned<String>,
    /// A URI part: replaces the part of the request path the location
    /// matched, as in nginx (`location /api/ { proxy_pass api / }` sends
    /// `/api/x` as `/x`).
    pub uri: Option<Spanned<String>>,
}

/// `return CODE [TEXT]`: for 301, 302, 303, 307 and 308 the text is the
/// URL to redirect to, otherwise the response body.
#[derive(Clone, Debug)]
pub struct Return {
    pub code: Spanned<u16>,
    pub text: Option<Spanned<String>>,
}

impl Return {
    /// The codes for which nginx reads the text as a redirect URL.
    pub const REDIRECT_CODES: [u16; 5] = [301, 302, 303, 307, 308];

    pub fn is_redirect(&self) -> bool {
        Self::REDIRECT_CODES.contains(&self.code.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pgautoupgrade's and Outline's images have a HEALTHCHECK: `after db
    /// ready` waits on it; the official image has none.
    #[test]
    fn a_published_image_with_a_healthcheck_can_be_waited_for() {
        let spec = "stack shop\n\
            service db {\n    image pgautoupgrade/pgautoupgrade:17-alpine\n}\n\
            service plain {\n    image postgres:17.6\n}\n\
            service wiki {\n    image docker.getoutline.com/outlinewiki/outline:0.82.0\n}\n\
            service web {\n    image ghcr.io/acme/web:1.4\n    after db ready, wiki ready\n}\n";
        let checked = crate::check(&crate::source::SourceFile::new("stack.spec", spec));
        let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code).collect();
        assert!(!codes.contains(&"not-ready-checkable"), "{codes:?}");
        let stack = checked.stack.expect("the spec is valid");
        assert!(stack.has_readiness(&stack.services[0]));
        assert!(!stack.has_readiness(&stack.services[1]));
        assert!(stack.has_readiness(&stack.services[2]));
    }

    /// MongoDB's shell is `mongosh` from 5.0; older images have the legacy
    /// `mongo` only, which the readiness hint then names.
    #[test]
    fn a_mongo_readiness_hint_names_the_shell_its_image_has() {
        let spec = "stack s\nservice old {\n    image mongo:4.4.29\n}\nservice new {\n    image mongo:8.0.3\n}\n";
        let stack = crate::check(&crate::source::SourceFile::new("stack.spec", spec))
            .stack
            .unwrap();
        assert!(stack
            .readiness_hint(&stack.services[0])
            .starts_with("ready cmd \"mongo --quiet"));
        assert!(stack
            .readiness_hint(&stack.services[1])
            .starts_with("ready cmd \"mongosh --quiet"));
    }

    #[test]
    fn raw_handlers_are_sorted_for_the_lookup() {
        let names: Vec<&str> = RawHandler::DIRECTIVES.iter().map(|(name, _)| *name).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
        assert_eq!(RawHandler::of("stub_status"), Some(RawHandler::Module));
        assert_eq!(RawHandler::of("return"), Some(RawHandler::Return));
        assert_eq!(RawHandler::of("try_files"), None);
    }

    #[test]
    fn an_image_reference_splits_as_docker_reads_it() {
        let parts = |text: &str| {
            let image = ImageRef::split(Spanned::new(text.to_string(), Span::default()));
            let parts = (
                image.repository().to_string(),
                image.tag().map(str::to_string),
                image.digest().map(str::to_string),
            );
            (parts, image.name().to_string())
        };
        let owned = |s: &str| Some(s.to_string());
        assert_eq!(
            parts("postgres:16.4"),
            (("postgres".into(), owned("16.4"), None), "postgres".into())
        );
        assert_eq!(
            parts("registry:5000/team/api"),
            (("registry:5000/team/api".into(), None, None), "api".into())
        );
        assert_eq!(
            parts("registry:5000/api:1.2@sha256:ab"),
            (
                ("registry:5000/api".into(), owned("1.2"), owned("sha256:ab")),
                "api".into()
            )
        );
        assert_eq!(
            parts("nginx@sha256:ab"),
            (("nginx".into(), None, owned("sha256:ab")), "nginx".into())
        );
        assert_eq!(parts("nginx:"), (("nginx".into(), owned(""), None), "nginx".into()));
    }
}
