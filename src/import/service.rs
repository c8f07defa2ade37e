//! One compose service as a `service`, `job` or `proxy` block: each key
//! becomes a statement, a raw `compose` key with a note, or a finding.

use super::compose::Import;
use super::container_env::ContainerEnv;
use super::environment::{defaulted, interpolated};
use super::spec::{flow_yaml, is_name, list, quoted, word, Stmt};
use super::values::{duration, literal, scalar, short_volume, size};
use super::yaml::{Kind, Node};
use crate::ir::{ContainerPort, Protocol};

/// What a compose service becomes.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Role {
    Service,
    /// Others wait for it to finish (`service_completed_successfully`),
    /// or it runs once, a migration compose does not restart.
    Job,
    /// nginx with a config import read.
    Proxy,
}

impl Role {
    fn keyword(self) -> &'static str {
        match self {
            Role::Service => "service",
            Role::Job => "job",
            Role::Proxy => "proxy",
        }
    }
}

/// What to do with a secret in a raw compose key (a logging driver's
/// option, an extension key).
const RAW_SECRET_HELP: &str = "a raw key is written into compose.yaml as it is: give the secret to the program that needs it as a file secret, or set a logging driver's credentials in the Docker daemon's configuration";

/// Keys compose accepts that the spec writes raw, as given.
/// Whether a compose key can be a raw `compose KEY = ...` line: one the
/// spec's grammar reads as a key (`x-note`, not a key with blanks or line
/// breaks, which would write statements of its own), and one stackc lets
/// through.
fn raw_allowed(key: &str) -> bool {
    is_name(key) && crate::compose_keys::raw_key_problem(key).is_none()
}

pub fn services(node: Option<&Node>, import: &mut Import) -> Vec<Stmt> {
    let Some(node) = node else {
        return Vec::new();
    };
    let entries = node.entries();
    let jobs: Vec<&str> = entries
        .iter()
        .flat_map(|(_, s)| s.get("depends_on").map(Node::entries).unwrap_or_default())
        .filter(|(_, d)| d.get("condition").and_then(Node::text) == Some("service_completed_successfully"))
        .filter_map(|(k, _)| k.text())
        .collect();
    // The image a service builds, for `image of`.
    let built: Vec<(&str, &str)> = entries
        .iter()
        .filter(|(_, s)| s.get("build").is_some())
        .filter_map(|(k, s)| Some((s.get("image")?.text()?, k.text()?)))
        .collect();
    // The images services run without building them: another's built
    // image among them is how compose shares one (`image of`).
    let run: Vec<&str> = entries
        .iter()
        .filter(|(_, s)| s.get("build").is_none())
        .filter_map(|(_, s)| s.get("image")?.text())
        .collect();
    let mut roles = Vec::new();
    for (key, service) in entries {
        let Some(name) = key.text().filter(|n| is_name(n)) else {
            import.report.dropped(
                import.file,
                key.span,
                "a service name the spec cannot write",
                "rename the service",
            );
            continue;
        };
        let role = if super::proxy::is_proxy(service, import) {
            Role::Proxy
        } else if jobs.contains(&name) || super::one_shot::runs_once(service) {
            Role::Job
        } else {
            Role::Service
        };
        roles.push((name, key, service, role));
    }
    let services = roles.iter().filter(|r| r.3 == Role::Service);
    import.traefik = super::traefik::the_traefik(services.map(|&(name, _, service, _)| (name, service)));
    let builders = shared_builds(&roles);
    let mut blocks = Vec::new();
    for (i, &(name, key, service, role)) in roles.iter().enumerate() {
        let image_of = builders[i].map(|b| roles[b].0);
        let body = one(
            name,
            service,
            role,
            Source {
                built: &built,
                run: &run,
                image_of,
            },
            import,
        );
        let origin = format!("from {} (service `{name}`)", import.report.place(import.file, key.span));
        blocks.push(Stmt::block(format!("{} {name}", role.keyword()), body).note(origin));
    }
    super::traefik::mount_into(&mut blocks, import);
    blocks
}

/// For each service, the one whose image it runs when compose builds the
/// same image for both (the same context, Dockerfile, target and
/// arguments, and no other `image` name): `image of` that one, as a
/// Celery worker or a migrate job says it, rather than a second `build`.
/// The image is the first plain service's of its build (a job or a
/// proxy runs another's image, never gives its own).
fn shared_builds(roles: &[(&str, &Node, &Node, Role)]) -> Vec<Option<usize>> {
    let keys: Vec<Option<String>> = roles
        .iter()
        .map(|(_, _, service, role)| service.get("build").filter(|_| *role != Role::Proxy).map(build_key))
        .collect();
    let mut builders: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, key) in keys.iter().enumerate() {
        if let (Some(key), Role::Service) = (key, roles[i].3) {
            builders.entry(key).or_insert(i);
        }
    }
    let image = |i: usize| roles[i].2.get("image").and_then(Node::text);
    (0..roles.len())
        .map(|i| {
            let builder = *builders.get(keys[i].as_deref()?)?;
            (builder != i && image(i).is_none_or(|name| image(builder) == Some(name))).then_some(builder)
        })
        .collect()
}

/// A compose `build` as what decides the image: the context (`.` when a
/// mapping gives none) and the Dockerfile with their defaults filled in
/// and paths normalized, the target and the arguments as written.
fn build_key(build: &Node) -> String {
    let field = |name: &str| build.get(name).and_then(Node::text);
    let path = |path: &str| {
        crate::emit::paths::normalize(std::path::Path::new(path))
            .display()
            .to_string()
    };
    let context = build.text().or_else(|| field("context")).unwrap_or(".");
    let args = build.get("args").map(|a| a.to_json().to_string()).unwrap_or_default();
    [
        path(context),
        path(field("dockerfile").unwrap_or("Dockerfile")),
        field("target").unwrap_or_default().to_string(),
        args,
    ]
    .join("\0")
}

/// Where a service's image comes from besides its own keys.
#[derive(Clone, Copy)]
struct Source<'a> {
    /// `(image name, service)` of every service that builds and names its image.
    built: &'a [(&'a str, &'a str)],
    /// The images services run without building them.
    run: &'a [&'a str],
    /// The service that builds the same image (see [`shared_builds`]).
    image_of: Option<&'a str>,
}

/// A long-syntax volume of `type: tmpfs`: compose's `tmpfs` key holds the
/// same mount, which the spec keeps as a raw key (on a cluster, an
/// emptyDir in memory).
fn is_tmpfs_volume(volume: &Node) -> bool {
    volume.get("type").and_then(Node::text) == Some("tmpfs")
}

/// The targets of a service's `type: tmpfs` volumes (`/tmp`, or
/// `/tmp:size=N` with a size), and where each is; one without a target,
/// or with a `mode` (which `docker compose config` writes in decimal, and
/// Docker reads in octal), is reported and left out.
fn tmpfs_volumes(service: &Node, import: &mut Import) -> Vec<(String, crate::source::Span)> {
    let volumes = service.get("volumes").map(Node::items).unwrap_or_default();
    let mut kept = Vec::new();
    for v in volumes.iter().filter(|v| is_tmpfs_volume(v)) {
        let options = v.get("tmpfs");
        let target = v.get("target").and_then(Node::text);
        let (Some(target), None) = (target, options.and_then(|o| o.get("mode"))) else {
            import.report.dropped(
                import.file,
                v.span,
                "a `type: tmpfs` volume without a `target`, or with a `mode`",
                "add it by hand as a raw `compose tmpfs = \"[/PATH:mode=1777]\"` (the mode in octal)",
            );
            continue;
        };
        let mount = match options.and_then(|o| o.get("size")).and_then(Node::text) {
            Some(size) => format!("{target}:size={size}"),
            None => target.to_string(),
        };
        kept.push((mount, v.span));
    }
    kept
}

/// `compose tmpfs = "[...]"`, noted as raw from `place`.
fn tmpfs_line(mounts: &[String], place: String) -> Stmt {
    let list = serde_json::Value::from(mounts.to_vec());
    Stmt::line(format!("compose tmpfs = {}", quoted(&flow_yaml(&list)))).note(format!("raw: {place}"))
}

fn one(name: &str, service: &Node, role: Role, source: Source, import: &mut Import) -> Vec<Stmt> {
    let built = source.built;
    let mut body = Vec::new();
    let mut env: Vec<Stmt> = Vec::new();
    // The env file of the passwords kept out of `environment`: after the
    // service's own env files, so its values win over theirs as
    // `environment`'s did, and compose has read theirs when it fills a
    // `${VAR}` of it.
    let mut environment_file = None;
    // Where the image's app server and compose's `command` are in `body`.
    let mut image_server = None;
    let mut command = None;
    let builds = service.get("build").is_some();
    // The published image, which may read `VAR_FILE` (a built one: unknown).
    let image = service.get("image").and_then(scalar).filter(|_| !builds);
    if role == Role::Proxy {
        body.extend(super::proxy::proxy(service, import));
    }
    let mut tmpfs_volumes = tmpfs_volumes(service, import);
    for (key, value) in service.entries() {
        let k = key.text().unwrap_or_default();
        // `docker compose config` writes `command: null` and the like.
        if value.is_null() {
            continue;
        }
        if let Some(why) = not_in(role, k) {
            import
                .report
                .dropped(import.file, key.span, format!("`{k}` of a {}", role.keyword()), why);
            continue;
        }
        let file = import.file;
        match (k, role) {
            // The proxy's image is its Dockerfile's; its secrets are its `tls` lines.
            ("image", Role::Proxy) | ("build", Role::Proxy) => {}
            // The proxy's secrets are its `tls` lines'.
            ("secrets", Role::Proxy) => {
                for s in value.items() {
                    let name = s
                        .text()
                        .or_else(|| s.get("source").and_then(Node::text))
                        .unwrap_or_default();
                    let used = import.secrets.spec_name(name).is_some_and(|n| tls_uses(&body, &n));
                    if !used {
                        import.report.dropped(
                            file,
                            s.span,
                            format!("secret `{name}` of the proxy"),
                            "a proxy reads secrets as TLS certificates and keys only",
                        );
                    }
                }
            }
            // The config file and the volumes its `alias`es serve are the proxy's own.
            ("volumes", Role::Proxy) => {
                for v in value.items() {
                    let source = v
                        .text()
                        .map(|t| short_volume(t).source.unwrap_or_default())
                        .or_else(|| v.get("source").and_then(Node::text).map(str::to_string))
                        .unwrap_or_default();
                    let served = is_name(&source) && aliases(&body, &source);
                    let target = v
                        .text()
                        .map(|t| short_volume(t).target)
                        .or_else(|| v.get("target").and_then(Node::text).map(str::to_string))
                        .unwrap_or_default();
                    let target = target.trim_end_matches('/');
                    let binds: Vec<_> = (import.served_binds.iter())
                        .filter(|b| b.mounted_at == target)
                        .cloned()
                        .collect();
                    for bind in &binds {
                        body.extend(super::mounts::mount_at(v, import, Some(bind)));
                    }
                    if binds.is_empty() && !(served || super::proxy::holds_config(service, &source, import)) {
                        // A file the config reads itself (`auth_basic_user_file
                        // /etc/nginx/htpasswd`, a certificate folder): kept.
                        if !target.is_empty() && names_path(&body, target) {
                            body.extend(super::mounts::mount_at(v, import, None));
                            continue;
                        }
                        import.report.dropped(
                            file,
                            v.span,
                            "a mount of the proxy that is neither its config nor a served volume",
                            "serve files from a volume with `alias`",
                        );
                    }
                }
            }
            // The image of the service that builds it names it.
            ("image", _) if source.image_of.is_some() => {}
            ("build", _) if source.image_of.is_some() => {
                body.push(Stmt::line(format!("image of {}", source.image_of.unwrap_or_default())))
            }
            ("image", _) => match scalar(value) {
                Some(image) if !builds && built.iter().any(|(i, s)| *i == image && *s != name) => {
                    let of = built
                        .iter()
                        .find(|(i, _)| *i == image)
                        .map(|(_, s)| *s)
                        .unwrap_or_default();
                    body.push(Stmt::line(format!("image of {of}")));
                }
                // A local name compose gives a built image: stackc names it
                // (`image` beside `build` is a registry name to push); said
                // where no other service runs it (they get `image of`).
                Some(image) if builds && image.ends_with(":local") => {
                    if !source.run.contains(&image.as_str()) {
                        import.report.dropped(
                            file,
                            value.span,
                            format!("`image {image}`, a local name for the built image: stackc names it after the stack and service"),
                            "beside `build`, `image` is the name CI pushes to a registry (a cluster pulls it from there): \
                             write `image REGISTRY/NAME:TAG` in the spec if the image is pushed",
                        )
                    }
                }
                Some(image) => body.push(Stmt::line(format!("image {}", word(&image)))),
                None => {
                    let raw = value.text().unwrap_or_default();
                    if let Some(image) = defaulted(import, value, "image", raw) {
                        body.push(Stmt::line(format!("image {}", word(&image))).note(format!("was {raw}")));
                    }
                }
            },
            ("build", _) => {
                let built = super::dockerfile::build(value, import);
                body.push(built.build);
                if let Some(server) = built.server {
                    image_server = Some(body.len());
                    body.push(server);
                }
            }
            ("command", _) => {
                // `redis-server --requirepass ${REDIS_PASSWORD}`.
                let with_password = (role == Role::Service)
                    .then(|| super::requirepass::secret_password_command(name, service, value, import))
                    .flatten();
                if let Some(statements) = with_password {
                    body.extend(statements);
                } else if let Some(argv) = argv(service, value, k, import) {
                    let kw = if role == Role::Job { "run" } else { "command" };
                    command = Some((body.len(), argv.clone()));
                    body.push(Stmt::line(format!("{kw} {}", list(&argv))));
                }
            }
            ("entrypoint", _) => {
                if let Some(argv) = argv(service, value, k, import) {
                    body.push(Stmt::line(format!("entrypoint {}", list(&argv))));
                }
            }
            ("environment", _) => {
                environment_file =
                    super::environment::environment(name, image.as_deref(), value, &mut env, &mut body, import)
            }
            ("env_file", _) => {
                let files: Vec<&Node> = match &value.kind {
                    Kind::Seq(items) => items.iter().collect(),
                    _ => vec![value],
                };
                // compose's `environment` wins over an env file.
                let environment = service.get("environment").map(super::environment::pairs);
                let overridden: Vec<String> = environment.into_iter().flatten().map(|(name, _, _)| name).collect();
                for f in files {
                    match f.text().or_else(|| f.get("path").and_then(Node::text)) {
                        Some(path) => {
                            let optional = super::env_file::optional(f);
                            let env_file = super::env_file::EnvFileUse {
                                service: name,
                                image: image.as_deref(),
                                path,
                                optional,
                                overridden: &overridden,
                            };
                            body.extend(super::env_file::env_file(&env_file, import))
                        }
                        None => {
                            import
                                .report
                                .dropped(file, f.span, "an env file entry without a path", "name the file")
                        }
                    }
                }
            }
            ("volumes", _) => {
                for v in value.items().iter().filter(|v| !is_tmpfs_volume(v)) {
                    if let Some(stmt) = super::mounts::mount(v, import) {
                        body.push(stmt);
                    }
                }
            }
            ("ports", _) if only_on_internal_networks(service, import) => import.report.dropped(
                file,
                key.span,
                "ports of a service only on `internal` networks: Docker publishes none of them",
                "add a network that is not `internal` to its `networks` if the port is to be reached",
            ),
            ("ports", _) => {
                for entry in super::mounts::both_families(value.items()) {
                    let p = entry.node;
                    // `${HTTP_PORT:-9000}:9000`, `published: ${HTTP_PORT:-9000}`:
                    // the default kept, reported and noted; a variable
                    // without one is reported as the host's.
                    let with_variables = super::mounts::port_variables(p);
                    // Every field reported, so not `all`, which stops at the first.
                    let defaults: Vec<bool> = with_variables
                        .iter()
                        .map(|(key, node, raw)| defaulted(import, node, key, raw).is_some())
                        .collect();
                    if defaults.contains(&false) {
                        continue;
                    }
                    match super::mounts::port(entry) {
                        // HTTP/3's QUIC on a proxy's 443/udp, say.
                        Some(published) if role == Role::Proxy && published.protocol != Protocol::Tcp => {
                            import.report.dropped(
                                file,
                                p.span,
                                "a proxy's port that is not TCP",
                                "stackc's nginx serves HTTP over TCP; publish the TCP port",
                            )
                        }
                        Some(published) if with_variables.is_empty() => body.push(Stmt::line(published.statement())),
                        Some(published) => {
                            let was: Vec<String> = with_variables
                                .iter()
                                .map(|(key, _, raw)| match *key {
                                    "port" => raw.to_string(),
                                    key => format!("{key} {raw}"),
                                })
                                .collect();
                            body.push(Stmt::line(published.statement()).note(format!("was {}", was.join(", "))))
                        }
                        None => import.report.dropped(
                            file,
                            p.span,
                            "a port the spec cannot publish (a random host port, a range, an unknown protocol)",
                            "publish it with a fixed host port: `publish HOST -> CONTAINER`",
                        ),
                    }
                }
            }
            ("expose", _) => {
                let items = value.items();
                let ports: Vec<String> = items
                    .iter()
                    .filter_map(|item| ContainerPort::canonical(item.text()?))
                    .collect();
                if ports.len() == items.len() && !ports.is_empty() {
                    body.push(Stmt::line(format!("expose {}", ports.join(", "))));
                } else {
                    import.report.dropped(
                        file,
                        value.span,
                        "`expose` with a range, a variable or an unknown protocol",
                        "list single ports: `8000`, `53/udp`",
                    );
                }
            }
            ("depends_on", _) => {
                if let Some(stmt) = super::runtime::depends_on(value, import) {
                    body.push(stmt);
                }
            }
            ("healthcheck", _) => {
                // What the container gets of its `environment` and env
                // files (a proxy, none).
                let given = |key: &str| service.get(key).filter(|_| not_in(role, key).is_none());
                let mut container = ContainerEnv::of(given("environment"), given("env_file"), image.as_deref(), import);
                // The password `--requirepass ${VAR}` now reads from a secret.
                let requirepass = super::requirepass::password_variable(service, &import.places.dotenv)
                    .filter(|_| role == Role::Service);
                if let Some((variable, written)) = requirepass {
                    let read = super::container_env::file_read(&variable);
                    match written {
                        Some(password) => container.values.push((password, read)),
                        None => container.references.push((variable, read)),
                    }
                }
                if let Some(stmt) = super::runtime::healthcheck(value, &container, import) {
                    body.push(stmt);
                }
            }
            ("restart", _) => match value.text() {
                Some(policy @ ("no" | "always" | "unless-stopped")) => {
                    body.push(Stmt::line(format!("restart {policy}")))
                }
                Some(p) if p.starts_with("on-failure") => {
                    let n = p
                        .strip_prefix("on-failure:")
                        .map(|n| format!(" {n}"))
                        .unwrap_or_default();
                    body.push(Stmt::line(format!("restart on-failure{n}")));
                }
                _ => import.report.dropped(
                    file,
                    value.span,
                    "an unknown restart policy",
                    "use no, always, on-failure or unless-stopped",
                ),
            },
            ("deploy", _) => super::runtime::deploy(value, role, &mut body, import),
            ("mem_limit" | "cpus" | "pids_limit", _) => super::runtime::legacy_limit(k, value, &mut body, import),
            ("networks", _) => {
                for (net, options) in value.entries() {
                    if !options.is_null() && !options.entries().is_empty() {
                        import.report.dropped(
                            file,
                            options.span,
                            format!("options of network `{}`", net.text().unwrap_or_default()),
                            "aliases and addresses have no statement: the service's name is its host name",
                        );
                    }
                }
                // A name the spec cannot write is no network it declares
                // (`networks` left it out): nothing to join.
                let (names, unwritable): (Vec<&str>, Vec<&str>) = super::compose::network_names(value)
                    .into_iter()
                    .partition(|n| is_name(n));
                if !unwritable.is_empty() {
                    import.report.dropped(
                        file,
                        value.span,
                        "a network the spec cannot write the name of",
                        "rename the network",
                    );
                }
                let names: Vec<String> = names.into_iter().map(str::to_string).collect();
                // compose's own `default` network is every service's without a
                // word, unless the spec declares a network for its settings.
                let on_default = names.iter().any(|n| n == "default");
                let names: Vec<String> = match &import.default_network {
                    Some(network) => names
                        .into_iter()
                        .map(|n| if n == "default" { network.clone() } else { n })
                        .collect(),
                    None => names.into_iter().filter(|n| n != "default").collect(),
                };
                if on_default && !names.is_empty() && import.default_network.is_none() {
                    import.report.dropped(
                        file,
                        value.span,
                        "the `default` network beside others",
                        "declare a network for what `default` connected, and name it",
                    );
                }
                if !names.is_empty() {
                    body.push(Stmt::line(format!("networks {}", names.join(", "))));
                }
            }
            ("secrets", _) => {
                for s in value.items() {
                    secret_use(s, import, &mut body);
                }
            }
            ("stop_grace_period", _)
            | ("working_dir", _)
            | ("hostname", _)
            | ("container_name", _)
            | ("stop_signal", _)
            | ("user", _)
            | ("shm_size", _) => {
                // A variable with a default (`${PUID:-1000}`) is that
                // default, as `ports` are: dropping a `user` ran the image's
                // own, root for most.
                let text = match (scalar(value), value.text()) {
                    (Some(text), _) => text,
                    (None, Some(raw)) => match super::environment::defaulted(import, value, k, raw) {
                        Some(text) => text,
                        None => continue,
                    },
                    (None, None) => {
                        interpolated(import, value, k);
                        continue;
                    }
                };
                let stmt = match k {
                    "stop_grace_period" => duration(&text).map(|d| format!("stop_grace_period {d}")),
                    "shm_size" => size(&text).map(|s| format!("shm_size {s}")),
                    "working_dir" => Some(format!("workdir {}", word(&text))),
                    _ => Some(format!("{k} {}", word(&text))),
                };
                match stmt {
                    Some(stmt) => body.push(Stmt::line(stmt)),
                    None => import.report.dropped(
                        file,
                        value.span,
                        format!("a `{k}` the spec cannot write"),
                        "write it in whole units",
                    ),
                }
            }
            ("labels", _) => labels(name, value, &mut body, import),
            ("pull_policy", _) if builds && matches!(value.text(), Some("build" | "missing")) => {}
            ("security_opt", _)
                if is_only(value, "no-new-privileges=true") || is_only(value, "no-new-privileges:true") => {}
            ("sysctls", Role::Proxy)
                if value.get("net.ipv4.ip_unprivileged_port_start").is_some() && value.entries().len() == 1 => {}
            // A profile the project's `.env` turns on (`COMPOSE_PROFILES`):
            // compose starts the service with the others.
            ("profiles", _) if in_an_active_profile(value, import) => import.report.filled(
                file,
                key.span,
                "`profiles`: the project's .env turns this profile on (`COMPOSE_PROFILES`), so the service starts \
                 with the others",
                "the spec starts it always; give it back a raw `compose profiles` to start it only when asked",
            ),
            // The `type: tmpfs` volumes join it: one list of the same mounts.
            ("tmpfs", _) if !tmpfs_volumes.is_empty() => {
                let mut all: Vec<String> = match value.text() {
                    Some(one) => vec![one.to_string()],
                    None => value
                        .items()
                        .iter()
                        .filter_map(|i| i.text())
                        .map(str::to_string)
                        .collect(),
                };
                all.extend(std::mem::take(&mut tmpfs_volumes).into_iter().map(|(t, _)| t));
                body.push(tmpfs_line(&all, import.report.place(file, key.span)));
                import.report.raw(
                    file,
                    key.span,
                    "`tmpfs` is kept as a raw `compose` key, with the `type: tmpfs` volumes",
                );
            }
            (k, _) if raw_allowed(k) => {
                let json = value.to_json();
                let literal_value = literal_json(&json);
                // Defaults are checked too, before any report shows one.
                // A default is named by its variable too (`${DB_PASSWORD:-...}`).
                let mut default_secret = None;
                let with_defaults = literal_value.clone().or_else(|| {
                    each_string(&json, &mut |s| {
                        let text = literal(s).or_else(|| Some(super::values::with_defaults(s)?.0))?;
                        let names = super::values::variables(s);
                        default_secret = default_secret
                            .take()
                            .or_else(|| names.iter().find_map(|n| super::secrets::found_in(Some(n), &text)));
                        Some(serde_json::Value::String(text))
                    })
                });
                let secret = (with_defaults.iter())
                    .flat_map(crate::lint::secrets::named_strings)
                    .find_map(|(name, v)| super::secrets::found_in(name, v))
                    .or(default_secret);
                if let Some(what) = secret {
                    super::secrets::left_out(
                        import.report,
                        (file, value.span),
                        &format!("`{k}`"),
                        &what,
                        RAW_SECRET_HELP,
                    );
                    continue;
                }
                let resolved = match literal_value {
                    Some(json) => Some(json),
                    None => defaulted_json(import, value, k, &json),
                };
                if let Some(mut json) = resolved {
                    crate::compose_paths::rebase(k, &mut json, &|p| import.places.rebase(p));
                    body.push(
                        Stmt::line(format!("compose {k} = {}", quoted(&flow_yaml(&json))))
                            .note(format!("raw: {}", import.report.place(file, key.span))),
                    );
                    import
                        .report
                        .raw(file, key.span, format!("`{k}` is kept as a raw `compose` key"));
                }
            }
            (k, _) => import.report.dropped(
                file,
                key.span,
                format!("`{k}` has no statement in the spec"),
                if k == "extends" {
                    "stackc reads the merged file: run `docker compose config` to resolve `extends`"
                } else {
                    "set it by hand after import, or leave it out"
                },
            ),
        }
    }
    if let Some((_, at)) = tmpfs_volumes.first() {
        let targets: Vec<String> = tmpfs_volumes.iter().map(|(t, _)| t.clone()).collect();
        body.push(tmpfs_line(&targets, import.report.place(import.file, *at)));
        import.report.raw(
            import.file,
            *at,
            "a `type: tmpfs` volume is kept as a raw `compose tmpfs`, the same mount",
        );
    }
    body.extend(environment_file);
    if let (Some(server), Some((at, argv))) = (image_server, command) {
        command_replaces_cmd(&mut body, role, server, at, &argv);
    }
    super::runtime::merge_limits(&mut body);
    if !env.is_empty() {
        body.insert(0, Stmt::block("env", env));
    }
    // `secret VAR = NAME` mounts NAME already.
    let referenced: Vec<String> = body
        .iter()
        .filter_map(|b| {
            b.text
                .strip_prefix("secret ")?
                .split_once(" = ")
                .map(|(_, n)| n.to_string())
        })
        .collect();
    body.retain(|b| {
        !b.text
            .strip_prefix("secret ")
            .is_some_and(|n| referenced.iter().any(|r| r == n))
    });
    body
}

/// Compose's `command` replaces the CMD of the Dockerfile stackc now
/// writes, and a spec says the command once: a Gunicorn command line
/// becomes the `gunicorn` statement in place of the CMD's, any other
/// command (`sh -c "migrate && gunicorn ..."`, a job's `run`) stays, without it.
fn command_replaces_cmd(body: &mut Vec<Stmt>, role: Role, server: usize, at: usize, argv: &[String]) {
    match super::dockerfile::gunicorn(argv).filter(|_| role == Role::Service) {
        Some(gunicorn) => {
            body[server] = Stmt::line(gunicorn).note("compose's `command`, in place of the Dockerfile's CMD");
            body.remove(at);
        }
        None => {
            body.remove(server);
        }
    }
}

/// Why a key has no place in a block of this role, if it has none.
fn not_in(role: Role, key: &str) -> Option<&'static str> {
    match (role, key) {
        (Role::Proxy, "environment" | "env_file") => {
            Some("nginx's settings are its config's; a proxy takes no environment")
        }
        (Role::Proxy, "command") => Some("stackc runs nginx with the config it writes"),
        (Role::Proxy, "expose") => Some("a proxy's ports are its servers' `listen` ports"),
        (Role::Job, "ports" | "expose") => Some("a job runs once: nothing connects to it"),
        (Role::Job, "healthcheck") => Some("others wait for a job to be done, not ready"),
        _ => None,
    }
}

/// Whether every network the service is on is `internal` (compose's
/// `default` network never is).
fn only_on_internal_networks(service: &Node, import: &Import) -> bool {
    let Some(networks) = service.get("networks") else {
        return false;
    };
    let names: Vec<&str> = match &networks.kind {
        Kind::Seq(items) => items.iter().filter_map(Node::text).collect(),
        _ => networks.entries().iter().filter_map(|(k, _)| k.text()).collect(),
    };
    !names.is_empty() && names.iter().all(|n| import.internal_networks.iter().any(|i| i == n))
}

/// Whether a proxy's `tls` lines name `secret`.
fn tls_uses(body: &[Stmt], secret: &str) -> bool {
    body.iter().any(|stmt| {
        (stmt.text.starts_with("tls ") && stmt.text.split(' ').any(|w| w == secret))
            || stmt.body.as_deref().is_some_and(|b| tls_uses(b, secret))
    })
}

/// Whether a proxy's statements serve `volume` (or a folder inside it)
/// with an `alias`.
fn aliases(body: &[Stmt], volume: &str) -> bool {
    body.iter().any(|stmt| {
        let served = stmt.text.strip_prefix("alias ").and_then(|rest| rest.split(' ').next());
        served == Some(volume) || stmt.body.as_deref().is_some_and(|b| aliases(b, volume))
    })
}

/// Whether a proxy's statements name `path` or a file under it (a raw
/// `auth_basic_user_file /etc/nginx/htpasswd`).
fn names_path(body: &[Stmt], path: &str) -> bool {
    let under = format!("{path}/");
    body.iter().any(|stmt| {
        let words = stmt.text.split([' ', '"', ';']);
        words.into_iter().any(|w| w == path || w.starts_with(&under))
            || stmt.body.as_deref().is_some_and(|b| names_path(b, path))
    })
}

/// Whether a list holds just `item`.
fn is_only(value: &Node, item: &str) -> bool {
    value.items().len() == 1 && value.items()[0].text() == Some(item)
}

/// A raw value's strings read as literal (`$$` as `$`); `None` when one
/// is filled from the host's environment.
fn literal_json(value: &serde_json::Value) -> Option<serde_json::Value> {
    each_string(value, &mut |s| literal(s).map(serde_json::Value::String))
}

/// A raw value whose variables all have their defaults
/// (`read_only: ${RO:-true}`, `cap_drop: ["${DROP:-ALL}"]`), each reported
/// as filled in; `None` (reported as interpolated) when one has none. A
/// string that is one variable and whose default is a boolean or a whole
/// number becomes that, as compose casts it for the key's type.
fn defaulted_json(import: &mut Import, node: &Node, key: &str, value: &serde_json::Value) -> Option<serde_json::Value> {
    let mut all_defaulted = true;
    each_string(value, &mut |s| {
        all_defaulted &= literal(s).is_some() || super::values::with_defaults(s).is_some_and(|(_, n)| !n.is_empty());
        Some(serde_json::Value::Null)
    });
    if !all_defaulted {
        interpolated(import, node, key);
        return None;
    }
    each_string(value, &mut |s| {
        if let Some(text) = literal(s) {
            return Some(serde_json::Value::String(text));
        }
        let text = super::environment::defaulted(import, node, key, s)?;
        let one_variable = s.starts_with("${") && s.ends_with('}') && s.matches('$').count() == 1;
        Some(match (one_variable, text.as_str()) {
            (true, "true") => serde_json::Value::Bool(true),
            (true, "false") => serde_json::Value::Bool(false),
            (true, number) if number.parse::<i64>().is_ok() => serde_json::Value::from(number.parse::<i64>().ok()?),
            _ => serde_json::Value::String(text),
        })
    })
}

/// `value` with each string replaced by what `fill` makes of it; `None`
/// when `fill` refuses one.
fn each_string(
    value: &serde_json::Value,
    fill: &mut dyn FnMut(&str) -> Option<serde_json::Value>,
) -> Option<serde_json::Value> {
    use serde_json::Value;
    Some(match value {
        Value::String(s) => fill(s)?,
        Value::Array(items) => Value::Array(items.iter().map(|i| each_string(i, fill)).collect::<Option<_>>()?),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Some((k.clone(), each_string(v, fill)?)))
                .collect::<Option<_>>()?,
        ),
        other => other.clone(),
    })
}

/// A command (the compose `key`, `command` or `entrypoint`): a list as
/// is, a string split as compose splits it.
fn argv(service: &Node, value: &Node, key: &str, import: &mut Import) -> Option<Vec<String>> {
    let words: Option<Vec<String>> = match &value.kind {
        Kind::Seq(items) => items.iter().map(|i| i.text().map(str::to_string)).collect(),
        Kind::Scalar { text, .. } => shlex::split(text),
        Kind::Map(_) => None,
    };
    let Some(words) = words else {
        import.report.dropped(
            import.file,
            value.span,
            "a command the spec cannot write",
            "write it as a list of words",
        );
        return None;
    };
    match words.iter().map(|w| literal(w)).collect::<Option<Vec<_>>>() {
        Some(words) => match crate::lint::command_secrets::in_commands(&crate::input::shell::commands_of(&words)) {
            Some((what, variable)) => {
                let help = super::secrets::command_help("this", &variable);
                let setting = format!("`{key}`");
                super::secrets::left_out(import.report, (import.file, value.span), &setting, &what, help);
                None
            }
            None => Some(words),
        },
        None => {
            let written: Vec<&str> = words.iter().map(String::as_str).collect();
            let left = super::shell_vars::left_to_shell(&written, service, value, key, import);
            if left.is_none() {
                interpolated(import, value, key);
            }
            left
        }
    }
}

/// `labels { }`; a label holding a secret is left out, reported, but
/// Traefik's basic-auth users, which it reads from a file instead.
fn labels(service: &str, value: &Node, body: &mut Vec<Stmt>, import: &mut Import) {
    let pairs: Vec<(String, String, &Node)> = match &value.kind {
        Kind::Seq(items) => items
            .iter()
            .filter_map(|i| {
                let (k, v) = i.text()?.split_once('=')?;
                Some((k.to_string(), v.to_string(), i))
            })
            .collect(),
        _ => value
            .entries()
            .iter()
            .map(|(k, v)| {
                (
                    k.text().unwrap_or_default().to_string(),
                    v.text().unwrap_or_default().to_string(),
                    v,
                )
            })
            .collect(),
    };
    let mut lines = Vec::new();
    for (k, v, node) in pairs {
        let key_ok = k.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && k.chars().all(|c| c.is_ascii_alphanumeric() || ".-_/".contains(c));
        match literal(&v) {
            Some(v) if key_ok => {
                // Traefik's users read from a file: a label without a hash.
                if let Some(line) = super::traefik::users_file(service, &k, &v, node.span, import) {
                    lines.push(line);
                    continue;
                }
                match super::secrets::found_in(Some(&k), &v) {
                    Some(what) => super::secrets::left_out(
                        import.report,
                        (import.file, node.span),
                        &format!("label `{k}`"),
                        &what,
                        "a label is written into compose.yaml and shown by `docker inspect`: give the secret to the program that reads it as a file secret (`secret NAME file \"secrets/NAME.txt\"`, then `secret VAR = NAME`), or keep it in that program's own configuration",
                    ),
                    None => lines.push(Stmt::line(format!("{k} = {}", quoted(&v)))),
                }
            }
            _ => import.report.dropped(
                import.file,
                value.span,
                format!("label `{k}`"),
                "a label key of letters, digits, `.`, `-`, `_`, `/` with a literal value",
            ),
        }
    }
    if !lines.is_empty() {
        body.push(Stmt::block("labels", lines));
    }
}

fn secret_use(s: &Node, import: &mut Import, body: &mut Vec<Stmt>) {
    let (name, target) = match &s.kind {
        Kind::Scalar { text, .. } => (text.clone(), None),
        _ => (
            s.get("source").and_then(Node::text).unwrap_or_default().to_string(),
            s.get("target").and_then(Node::text).map(str::to_string),
        ),
    };
    // Compose applies none of these to a file secret (the container sees
    // the host file's owner and mode), and the spec has no statement for
    // them: said, not dropped unsaid.
    for (key, _) in s
        .entries()
        .iter()
        .filter(|(k, _)| !matches!(k.text(), Some("source" | "target")))
    {
        import.report.dropped(
            import.file,
            key.span,
            format!("the secret's `{}`", key.text().unwrap_or_default()),
            "compose bind-mounts a file secret with the host file's owner and mode: set them on the file (`chmod 0400`, `chown` to the container's user)",
        );
    }
    let Some(spec_name) = import.secrets.spec_name(&name) else {
        return;
    };
    // Where compose mounts it, which a renamed secret keeps.
    let target = target.unwrap_or_else(|| name.clone());
    let target = match target.starts_with('/') {
        true => target,
        false => format!("/run/secrets/{target}"),
    };
    match target == format!("/run/secrets/{spec_name}") {
        true => body.push(Stmt::line(format!("secret {spec_name}"))),
        false => body.push(Stmt::line(format!("secret {spec_name} at {}", word(&target)))),
    }
}

/// Whether one of a service's `profiles` is among those the project's
/// `.env` turns on (`COMPOSE_PROFILES=worker,debug`; `*` is every one).
fn in_an_active_profile(profiles: &Node, import: &Import) -> bool {
    let Some(active) = (import.places.dotenv.get("COMPOSE_PROFILES")).and_then(|e| e.value.as_ref()) else {
        return false;
    };
    let active: Vec<&str> = active.value.split(',').map(str::trim).collect();
    profiles
        .items()
        .iter()
        .filter_map(|p| p.text())
        .any(|p| active.contains(&p) || active.contains(&"*"))
}
