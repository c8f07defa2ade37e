//! A compose file's model (read by stackc's own YAML reader, or the JSON
//! `docker compose config` prints) turned into the spec's top-level
//! statements: the project's name, volumes, networks, secrets, and one
//! block per service (see [`super::service`]).

use std::path::{Path, PathBuf};

use super::report::{FileIx, Report};
use super::secrets::Secrets;
use super::service;
use super::spec::{is_name, is_stack_name, quoted, word, Stmt};
use super::values::literal;
use super::yaml::Node;

/// Where the compose file and the spec are, for paths.
pub struct Places {
    /// The compose file's folder: its relative paths start there.
    pub compose_dir: PathBuf,
    /// The spec's folder: the spec's relative paths start there.
    pub spec_dir: PathBuf,
    /// The compose file's folder as the user named it (`.` for
    /// `./compose.yaml`): the files import finds are named from there.
    pub shown_dir: PathBuf,
    /// nginx configs given with `--nginx`, read already.
    pub nginx: Vec<FileIx>,
    /// The compose file's project (see [`crate::input::fs::project_root`]):
    /// a file it names elsewhere (`env_file: ~/.aws/credentials`) is not
    /// read, so never quoted nor copied into the spec's folder.
    pub root: Option<PathBuf>,
    /// The project's `.env` beside the compose file, which compose fills
    /// `${VAR}` from (empty when there is none).
    pub dotenv: crate::input::env_file::EnvFile,
}

impl Places {
    /// The text of a file the compose file names, at most `limit` bytes,
    /// when it is in the project.
    pub fn read(&self, on_disk: &Path, limit: u64) -> Result<String, crate::input::fs::ReadError> {
        crate::input::fs::read_project_text(self.root.as_deref(), on_disk, limit)
    }

    /// A path of the compose file as the spec writes it.
    pub fn rebase(&self, path: &str) -> String {
        if path.starts_with(['/', '~']) {
            return path.to_string();
        }
        self.from_spec(&self.compose_dir.join(path))
    }

    /// A path on this machine (absolute, or from the current folder) as
    /// the spec's folder reaches it.
    pub fn from_spec(&self, path: &Path) -> String {
        let absolute = crate::emit::paths::normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()));
        let relative = crate::emit::paths::relative(&self.spec_dir, &absolute);
        let text = relative.to_string_lossy().into_owned();
        if text.starts_with('.') || text.starts_with('/') {
            text
        } else {
            format!("./{text}")
        }
    }

    /// A path of the compose file on disk.
    pub fn on_disk(&self, path: &str) -> PathBuf {
        crate::emit::paths::normalize(&self.compose_dir.join(path))
    }

    /// A file found [`on_disk`](Self::on_disk), named for messages and the
    /// spec's comments as the compose file is (`./nginx/nginx.conf`), not
    /// by this machine's absolute path.
    pub fn shown(&self, on_disk: &Path) -> String {
        match on_disk.strip_prefix(&self.compose_dir) {
            Ok(inside) => self.shown_dir.join(inside).display().to_string(),
            Err(_) => on_disk.display().to_string(),
        }
    }
}

/// The import of one compose file.
pub struct Import<'a> {
    pub report: &'a mut Report,
    pub file: FileIx,
    pub places: &'a Places,
    pub secrets: Secrets,
    /// Top-level declarations made while services were read (secrets).
    pub declared: Vec<Stmt>,
    /// The networks declared `internal`.
    pub internal_networks: Vec<String>,
    /// The project's one Traefik service (see [`super::traefik`]).
    pub traefik: Option<String>,
    /// The secrets to mount into it: basic-auth users files.
    pub traefik_secrets: Vec<String>,
    /// The proxy's host folders that its config serves with `alias`, which
    /// the spec serves with a raw `root` (see [`super::proxy`]).
    pub served_binds: Vec<ServedBind>,
    /// The spec's network for compose's `default` one, when that has
    /// settings (wger's `name: wger_network`): every container joins it.
    pub default_network: Option<String>,
    /// The configs a proxy was made from, so that a `--nginx` file none
    /// was made from is reported, not left out quietly.
    pub nginx_read: Vec<FileIx>,
    /// The configs of nginx services kept as services, each with why
    /// (see [`super::proxy::is_proxy`]).
    pub nginx_kept: Vec<(FileIx, &'static str)>,
}

/// A folder of a host path mounted in the proxy, which its config serves.
#[derive(Clone)]
pub struct ServedBind {
    /// Where compose mounts the host path in the proxy.
    pub mounted_at: String,
    /// The served folder inside it (`errorpages`), or `""` for all of it.
    pub folder: String,
    /// Where the spec mounts the served folder.
    pub at: String,
}

/// The key of the first service of a compose file of format 1 (2014's
/// `docker-compose`): no `services`, and top-level keys whose values are
/// services (with an `image` or a `build`).
pub fn first_format_1_service(doc: &Node) -> Option<crate::source::Span> {
    if doc.get("services").is_some() {
        return None;
    }
    const TOP_LEVEL: &[&str] = &[
        "version", "name", "include", "volumes", "networks", "secrets", "configs", "models",
    ];
    doc.entries()
        .iter()
        .filter(|(key, _)| {
            key.text()
                .is_some_and(|k| !k.starts_with("x-") && !TOP_LEVEL.contains(&k))
        })
        .find(|(_, value)| value.get("image").or_else(|| value.get("build")).is_some())
        .map(|(key, _)| key.span)
}

/// Top-level keys and what becomes of them.
pub fn import(doc: &Node, mut import: Import) -> (Vec<Stmt>, Secrets) {
    let mut top = Vec::new();
    if !matches!(doc.kind, super::yaml::Kind::Map(_)) {
        import.report.unreadable(
            import.file,
            doc.span,
            "a compose file is a map of `services`, `volumes`, ...",
        );
        return (top, import.secrets);
    }
    // Compose's order: the project's `.env` (its `COMPOSE_PROJECT_NAME`,
    // as docker-rails-example sets it), the file's `name`, the folder's.
    let from_dotenv = (import.places.dotenv.get("COMPOSE_PROJECT_NAME"))
        .and_then(|e| e.value.as_ref())
        .map(|v| v.value.clone())
        .filter(|name| is_stack_name(name));
    let name = from_dotenv
        .or_else(|| doc.get("name").and_then(Node::text).map(str::to_string))
        .or_else(|| project_name(&import.places.compose_dir));
    match &name {
        Some(name) if is_stack_name(name) => top.push(Stmt::line(format!("stack {name}"))),
        _ => import.report.dropped(
            import.file,
            doc.get("name").map_or(crate::source::Span::new(0, 0), |n| n.span),
            format!(
                "no project name a stack can take ({})",
                name.as_deref()
                    .map_or("the folder's has no letter or digit".to_string(), |n| format!("`{n}`"))
            ),
            "write `stack NAME` at the top of the spec: compose's project name (lowercase letters, digits, `_` \
             and `-`), which prefixes the names of its volumes",
        ),
    }
    let project = name.unwrap_or_default();
    for (key, value) in doc.entries() {
        let key_text = key.text().unwrap_or_default();
        match key_text {
            "name" | "services" | "volumes" | "networks" | "secrets" => {}
            // The compose specification's obsolete `version`: compose ignores it.
            "version" => {}
            k if k.starts_with("x-") => {}
            _ => import.report.dropped(
                import.file,
                key.span,
                format!("top-level `{key_text}` has no statement in the spec"),
                "declare what it holds by hand (configs: mount the file instead)",
            ),
        }
        let _ = value;
    }
    volumes(doc.get("volumes"), &project, &mut import, &mut top);
    networks(doc.get("networks"), &project, &mut import, &mut top);
    if import.default_network.is_none() && names_default_beside_others(doc.get("services")) {
        declare_default_network(doc.get("networks"), &mut import, &mut top, &[]);
    }
    secrets(doc.get("secrets"), &project, &mut import, &mut top);
    let services = doc.get("services");
    let mut blocks = service::services(services, &mut import);
    if let Some(network) = &import.default_network {
        join_default(&mut blocks, network);
    }
    top.append(&mut import.declared);
    top.extend(blocks);
    report_unread_nginx(&mut import);
    (top, import.secrets)
}

/// A `--nginx` file no proxy was made from: one whose nginx service is
/// kept (it hands requests to php-fpm, or serves a site it built) stays
/// with it, said so; another (a second one) is not in the spec, reported.
fn report_unread_nginx(import: &mut Import) {
    for &file in &import.places.nginx {
        if import.nginx_read.contains(&file) {
            continue;
        }
        if let Some((_, why)) = import.nginx_kept.iter().find(|(f, _)| *f == file) {
            import.report.raw(
                file,
                crate::source::Span::new(0, 0),
                format!("this `--nginx` config stays with its nginx service, which {why}"),
            );
        } else {
            import.report.dropped(
                file,
                crate::source::Span::new(0, 0),
                "this `--nginx` config is not in the spec: no proxy was made from it (a proxy is made from one \
                 config: the `--nginx` file its nginx service mounts or builds with, else the first given)",
                "import once per nginx service with its own config, or write what this one says into the proxy \
                 by hand",
            );
        }
    }
}

/// Puts every container compose put on its `default` network (one that
/// names no networks, and has no `network_mode` of its own) on `network`,
/// the spec's network for it; `service::networks` has written `network`
/// for `default` in the others.
fn join_default(blocks: &mut [Stmt], network: &str) {
    for block in blocks {
        let Some(body) = block.body.as_mut() else { continue };
        let names_networks = body
            .iter()
            .any(|s| s.text.starts_with("networks ") || s.text.starts_with("compose network_mode "));
        if !names_networks {
            body.push(Stmt::line(format!("networks {network}")));
        }
    }
}

/// Compose's default project name: the folder's name, lowercase, with
/// what a project name cannot hold left out.
fn project_name(dir: &Path) -> Option<String> {
    let name = dir.file_name()?.to_string_lossy().to_ascii_lowercase();
    let name: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    is_stack_name(&name).then_some(name)
}

/// An option `docker compose config` writes out with its default value:
/// the `PROJECT_NAME` name, an empty `ipam`, `external: false`.
fn filled_in(project: &str, name: &str, option: &Node, value: &Node) -> bool {
    match option.text() {
        Some("name") => value.text() == Some(&format!("{project}_{name}")),
        Some("ipam") => value.entries().is_empty(),
        Some("external") => value.text().and_then(crate::compose_values::compose_bool) == Some(false),
        _ => false,
    }
}

fn volumes(node: Option<&Node>, project: &str, import: &mut Import, top: &mut Vec<Stmt>) {
    for (key, value) in node.map(Node::entries).unwrap_or_default() {
        let Some(name) = key.text().filter(|n| is_name(n)) else {
            import.report.dropped(
                import.file,
                key.span,
                "a volume name the spec cannot write",
                "rename the volume",
            );
            continue;
        };
        let mut line = format!("volume {name}");
        let external = value
            .get("external")
            .and_then(Node::text)
            .and_then(crate::compose_values::compose_bool)
            == Some(true);
        for (option, setting) in value.entries() {
            // `driver: local` is Docker's own, what a plain volume gets.
            let local = option.text() == Some("driver") && setting.text() == Some("local");
            if local || filled_in(project, name, option, setting) {
                continue;
            }
            // The volume the data is in, kept by its name.
            match (option.text(), setting.text()) {
                (Some("external"), Some(_)) if external => {
                    line.push_str(" external");
                    continue;
                }
                // What `docker compose config` writes for an external one.
                (Some("name"), Some(named)) if external && named == name => continue,
                (Some("name"), Some(named)) if crate::ir::is_docker_object_name(named) => {
                    line.push_str(&format!(" name {}", quoted(named)));
                    continue;
                }
                _ => {}
            }
            import.report.dropped(
                import.file,
                option.span,
                format!(
                    "volume option `{}` has no statement in the spec",
                    option.text().unwrap_or_default()
                ),
                "the spec declares named volumes (`external`, `name`); create this one outside compose, \
                 say `external`, and keep it by hand",
            );
        }
        top.push(Stmt::line(line));
    }
}

fn networks(node: Option<&Node>, project: &str, import: &mut Import, top: &mut Vec<Stmt>) {
    for (key, value) in node.map(Node::entries).unwrap_or_default() {
        let Some(name) = key.text().filter(|n| is_name(n)) else {
            import.report.dropped(
                import.file,
                key.span,
                "a network name the spec cannot write",
                "rename the network",
            );
            continue;
        };
        let network = network_options(name, value, project, import);
        if network.internal {
            import.internal_networks.push(name.to_string());
        }
        if name == "default" {
            if network.options.is_empty() {
                continue;
            }
            declare_default_network(node, import, top, &network.options);
            continue;
        }
        let options: String = network.options.iter().map(|o| format!(" {o}")).collect();
        top.push(Stmt::line(format!("network {name}{options}")));
    }
}

/// Declares the spec's network for compose's `default` one, which the spec
/// cannot name (`default` is compose's own): named as Docker knows it
/// (its `name`), else `default-net`. Every container compose put on
/// `default` joins it (see [`join_default`]).
fn declare_default_network(node: Option<&Node>, import: &mut Import, top: &mut Vec<Stmt>, options: &[String]) {
    let taken = |n: &str| node.is_some_and(|all| all.get(n).is_some());
    let named = options.iter().find_map(|o| o.strip_prefix("name "));
    let spec_name = named
        .filter(|n| is_name(n) && !taken(n))
        .or_else(|| ["default-net", "compose-default"].into_iter().find(|n| !taken(n)))
        .unwrap_or("default-net")
        .to_string();
    if let Some(internal) = import.internal_networks.iter_mut().find(|n| *n == "default") {
        *internal = spec_name.clone();
    }
    let options: String = options.iter().map(|o| format!(" {o}")).collect();
    top.push(
        Stmt::line(format!("network {spec_name}{options}"))
            .note("compose's `default` network: every service that names no other joins it"),
    );
    import.default_network = Some(spec_name);
}

/// Whether a service is on compose's `default` network beside others
/// (`networks: [traefik-public, default]`): the spec then needs a network
/// for `default`, or that service would share none with the services on
/// `default` alone.
fn names_default_beside_others(services: Option<&Node>) -> bool {
    services
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .any(|(_, service)| {
            let names = service.get("networks").map(network_names).unwrap_or_default();
            names.contains(&"default") && names.len() > 1
        })
}

/// The networks a service's `networks` names, in either of compose's
/// forms (a list, or a map of each to its options).
pub fn network_names(networks: &Node) -> Vec<&str> {
    match &networks.kind {
        super::yaml::Kind::Seq(items) => items.iter().filter_map(Node::text).collect(),
        _ => networks.entries().iter().filter_map(|(k, _)| k.text()).collect(),
    }
}

/// What a compose network becomes in the spec: the words after
/// `network NAME`, and whether it is `internal`.
struct NetworkOptions {
    options: Vec<String>,
    internal: bool,
}

/// Reads one network's settings: `internal`, `external` (also the
/// obsolete `external: {name: N}`), a `name` of its own and a `driver`;
/// reports what the spec cannot carry.
fn network_options(name: &str, value: &Node, project: &str, import: &mut Import) -> NetworkOptions {
    let external = value.get("external");
    let is_external = external.is_some_and(|e| {
        e.get("name").is_some() || e.text().and_then(crate::compose_values::compose_bool) == Some(true)
    });
    let mut words = Vec::new();
    let mut internal = false;
    if is_external {
        words.push("external".to_string());
    }
    for (option, setting) in value.entries() {
        let key = option.text().unwrap_or_default();
        match key {
            _ if filled_in(project, name, option, setting) => {}
            "external" => {}
            "internal" | "driver" if is_external => import.report.dropped(
                import.file,
                option.span,
                format!("`{key}` of an external network"),
                "the project that makes the network sets it, and compose ignores it here",
            ),
            "internal" => internal = super::environment::flag(import, setting, "internal") == Some(true),
            "driver" => match setting.text() {
                Some(driver) if crate::ir::Network::DRIVERS.contains(&driver) => words.push(format!("driver {driver}")),
                _ => import.report.dropped(
                    import.file,
                    setting.span,
                    "a network driver the spec cannot write",
                    format!("the spec's networks take {}", crate::ir::Network::DRIVERS.join(", ")),
                ),
            },
            // An external network's name is its key unless given.
            "name" if is_external && setting.text() == Some(name) => {}
            "name" => words.extend(docker_name(setting, import).map(|n| format!("name {n}"))),
            _ => import.report.dropped(
                import.file,
                option.span,
                format!("network option `{key}` has no statement in the spec"),
                "the spec's networks set `internal`, `external`, `name` and `driver`",
            ),
        }
    }
    if let Some(legacy) = external.and_then(|e| e.get("name")).filter(|n| n.text() != Some(name)) {
        words.extend(docker_name(legacy, import).map(|n| format!("name {n}")));
    }
    if internal {
        words.insert(0, "internal".to_string());
    }
    NetworkOptions {
        options: words,
        internal,
    }
}

/// A network's `name` as the spec writes it, or why it cannot.
fn docker_name(setting: &Node, import: &mut Import) -> Option<String> {
    let (message, help) = match setting.text().map(literal) {
        Some(Some(name)) if crate::ir::Network::is_docker_name(&name) => return Some(word(&name)),
        Some(None) => (
            "a network name taken from the environment",
            "write the name the network has",
        ),
        _ => ("a network name Docker does not take", "rename the network"),
    };
    import.report.dropped(import.file, setting.span, message, help);
    None
}

fn secrets(node: Option<&Node>, project: &str, import: &mut Import, top: &mut Vec<Stmt>) {
    let entries = node.map(Node::entries).unwrap_or_default();
    import.secrets.declare(entries.iter().filter_map(|(key, _)| key.text()));
    for (key, value) in entries {
        let Some(name) = key.text().and_then(|k| import.secrets.spec_name(k)) else {
            import.report.dropped(
                import.file,
                key.span,
                "a secret name the spec cannot write",
                "rename the secret",
            );
            continue;
        };
        let name = name.as_str();
        if key.text() != Some(name) {
            import.report.raw(
                import.file,
                key.span,
                format!(
                    "secret `{}` is `{name}` in the spec, a name it can write; its containers find it where they did",
                    key.text().unwrap_or_default()
                ),
            );
        }
        for (option, setting) in value.entries() {
            let known = matches!(option.text(), Some("file" | "environment"));
            if !known && !filled_in(project, key.text().unwrap_or_default(), option, setting) {
                import.report.dropped(
                    import.file,
                    option.span,
                    format!("secret option `{}`", option.text().unwrap_or_default()),
                    "the spec's secrets read a file or a variable",
                );
            }
        }
        if let Some(file) = value.get("file").and_then(Node::text) {
            let path = import.places.rebase(file);
            top.push(Stmt::line(format!("secret {name} file {}", quoted(&path))));
        } else if let Some(var) = value.get("environment").and_then(Node::text) {
            top.push(Stmt::line(format!("secret {name} env {}", word(var))));
        } else {
            import.report.dropped(
                import.file,
                value.span,
                format!("secret `{name}` is neither `file` nor `environment`"),
                "the spec's secrets read a file or a variable",
            );
        }
    }
}
