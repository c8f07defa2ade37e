//! Names and references: every name a statement uses must be declared once,
//! and must be of the kind the statement needs.
//!
//! Architecture invariant: resolution only reads the IR and reports; when it
//! returns no error, emitters may look any reference up and find it.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::borrow::Cow;

use crate::diagnostic::Diagnostic;
use crate::ir::*;
use crate::source::{Span, Spanned};
use crate::suggest;

mod cycles;
mod proxy;

/// Every resolution problem in the stack, in no particular order, for
/// compose's output.
pub fn resolve(stack: &Stack) -> Vec<Diagnostic> {
    resolve_for(stack, crate::emit::Target::Compose)
}

/// [`resolve`] for the output of `target`: a cluster probes a TCP or
/// HTTP check itself, so its image needs no Python or Node for one.
pub fn resolve_for(stack: &Stack, target: crate::emit::Target) -> Vec<Diagnostic> {
    let mut resolver = Resolver {
        stack,
        target,
        diagnostics: Vec::new(),
        suggestions_left: SUGGESTION_BUDGET,
    };
    resolver.check_unique_names();
    for service in &stack.services {
        resolver.check_service(service);
    }
    resolver.check_cycles();
    resolver.check_published_ports();
    resolver.check_unused_declarations();
    resolver.diagnostics
}

/// How many declared names all "did you mean" suggestions of one spec may
/// compare with: each unknown name is compared with every declared one,
/// so thousands of unknown names in a stack of thousands would take
/// minutes. Past it, unknown names get no suggestion.
const SUGGESTION_BUDGET: usize = 1_000_000;

struct Resolver<'a> {
    stack: &'a Stack,
    target: crate::emit::Target,
    suggestions_left: usize,
    diagnostics: Vec<Diagnostic>,
}

/// What a name must refer to, for messages and suggestions.
#[derive(Clone, Copy)]
enum Kind {
    Volume,
    Secret,
    Service,
    Upstream,
    Network,
}

/// The codes of references to names that are not declared, for
/// `stackc explain`'s check that every code is explained.
/// The services a raw compose value names, which compose refuses when the
/// stack has none of that name: `volumes_from` (`NAME[:ro]`, not
/// `container:NAME`), `links` (`NAME[:ALIAS]`), and a namespace shared
/// with one (`network_mode`, `pid`, `ipc` = `service:NAME`).
fn services_named(raw: &crate::ir::RawCompose) -> Vec<&str> {
    let value = &raw.value.value;
    let entries = || {
        value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_str)
    };
    match raw.key.value.as_str() {
        "volumes_from" => entries()
            .filter(|e| !e.starts_with("container:"))
            .map(|e| e.strip_prefix("service:").unwrap_or(e))
            .filter_map(|e| e.split(':').next())
            .collect(),
        "links" => entries().filter_map(|e| e.split(':').next()).collect(),
        "network_mode" | "pid" | "ipc" => value
            .as_str()
            .and_then(|v| v.strip_prefix("service:"))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
pub(crate) fn reference_codes() -> impl Iterator<Item = &'static str> {
    [Kind::Volume, Kind::Secret, Kind::Service, Kind::Upstream, Kind::Network]
        .into_iter()
        .map(Kind::code)
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Volume => "volume",
            Kind::Secret => "secret",
            Kind::Service => "service or job",
            Kind::Upstream => "upstream",
            Kind::Network => "network",
        }
    }

    fn code(self) -> &'static str {
        match self {
            Kind::Volume => "unknown-volume",
            Kind::Secret => "unknown-secret",
            Kind::Service => "unknown-service",
            Kind::Upstream => "unknown-upstream",
            Kind::Network => "unknown-network",
        }
    }

    fn declaration_hint(self, name: &str) -> String {
        match self {
            Kind::Volume => format!("declare it with `volume {name}`"),
            Kind::Secret => format!("declare it with `secret {name} file \"secrets/{name}.txt\"`"),
            Kind::Service => format!("declare it with `service {name} {{ ... }}` or `job {name} {{ ... }}`"),
            Kind::Upstream => format!("declare it in this proxy with `upstream {name} {{ server SERVICE:PORT }}`"),
            Kind::Network => format!("declare it with `network {name}`"),
        }
    }
}

impl<'a> Resolver<'a> {
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Reports a reference to a name that is not declared, with the closest
    /// declared name as a suggestion.
    fn unknown<'n>(&mut self, kind: Kind, name: &Spanned<String>, declared: impl IntoIterator<Item = &'n str>) {
        let mut compared = 0;
        let declared = (declared.into_iter())
            .take(self.suggestions_left)
            .inspect(|_| compared += 1);
        let close = suggest::closest(&name.value, declared);
        self.suggestions_left -= compared;
        let help = match close {
            Some(close) => format!(
                "did you mean `{close}`? Otherwise {}",
                kind.declaration_hint(&name.value)
            ),
            None => kind.declaration_hint(&name.value),
        };
        self.report(
            Diagnostic::error(kind.code(), format!("unknown {} `{}`", kind.noun(), name.value))
                .primary(name.span, format!("no {} is named `{}`", kind.noun(), name.value))
                .help(help),
        );
    }

    fn require_volume(&mut self, name: &Spanned<String>) {
        if self.stack.volume(&name.value).is_none() {
            let declared = self.stack.volumes.iter().map(|v| v.name.as_str());
            self.unknown(Kind::Volume, name, declared);
        }
    }

    fn require_secret(&mut self, name: &Spanned<String>) {
        if self.stack.secret(&name.value).is_none() {
            let declared = self.stack.secrets.iter().map(|s| s.name.as_str());
            self.unknown(Kind::Secret, name, declared);
        }
    }

    fn require_service(&mut self, name: &Spanned<String>) -> Option<&'a Service> {
        let found = self.stack.service(&name.value);
        if found.is_none() {
            let declared = self.stack.services.iter().map(|s| s.name.as_str());
            self.unknown(Kind::Service, name, declared);
        }
        found
    }

    // ------------------------------------------------------------ names

    fn check_unique_names(&mut self) {
        let stack = self.stack;
        unique(&mut self.diagnostics, "volume", stack.volumes.iter().map(|v| &v.name));
        unique(&mut self.diagnostics, "network", stack.networks.iter().map(|n| &n.name));
        unique(&mut self.diagnostics, "secret", stack.secrets.iter().map(|s| &s.name));
        unique(&mut self.diagnostics, "service", stack.services.iter().map(|s| &s.name));
        unique(
            &mut self.diagnostics,
            "environment",
            stack.environments.iter().map(|e| &e.name),
        );
    }

    // ------------------------------------------------------------ services

    fn check_service(&mut self, service: &'a Service) {
        self.check_image(service);
        self.check_job_command(service);
        self.check_environment(service);
        for secret in &service.secrets {
            self.require_secret(&secret.secret);
        }
        for volume in service.mounts.iter().filter_map(Mount::volume) {
            self.require_volume(volume);
        }
        for mount in &service.secret_mounts {
            self.require_secret(&mount.secret);
        }
        unique(
            &mut self.diagnostics,
            "mount target",
            service.mounts.iter().map(|m| &m.target),
        );
        self.check_dependencies(service);
        if let Some(ready) = &service.ready {
            self.check_probe(service, ready);
        }
        if let Some(proxy) = service.proxy() {
            self.check_proxy(service, proxy);
            self.check_upstream_networks(service, proxy);
        }
        self.check_runtime(service);
    }

    /// Networks, restart, replicas, limits and raw compose keys.
    fn check_runtime(&mut self, service: &Service) {
        for network in &service.networks {
            if self.stack.network(&network.value).is_none() {
                let declared = self.stack.networks.iter().map(|n| n.name.as_str());
                self.unknown(Kind::Network, network, declared);
            }
        }
        let mut joined = Seen::default();
        for network in &service.networks {
            if let Some(first) = joined.insert(network.as_str(), network.span) {
                self.report(
                    Diagnostic::error(
                        "duplicate-statement",
                        format!("`{}` joins `{}` twice", service.name.value, network.value),
                    )
                    .primary(network.span, "again here")
                    .secondary(first, "first here")
                    .help("name each network once"),
                );
            }
        }
        self.check_published_on_internal_networks(service);
        if let (true, Some(restart)) = (service.is_job(), &service.restart) {
            if matches!(restart.value, Restart::Always | Restart::UnlessStopped) {
                self.report(
                    Diagnostic::error(
                        "job-restarts",
                        format!("job `{}` would run forever", service.name.value),
                    )
                    .primary(restart.span, "restarts even after it succeeds")
                    .help("a job runs once: use `restart on-failure` to retry it, or make it a `service`"),
                );
            }
        }
        if let Some(replicas) = &service.replicas {
            if replicas.value == 0 {
                self.report(
                    Diagnostic::error("invalid-replicas", "`replicas 0` never starts the service")
                        .primary(replicas.span, "no containers")
                        .help("remove the service, or run at least one container"),
                );
            } else if let (true, Some(name)) = (replicas.value > 1, &service.container_name) {
                self.report(
                    Diagnostic::error(
                        "replicas-with-container-name",
                        format!("{} containers cannot share one container name", replicas.value),
                    )
                    .primary(replicas.span, "several containers")
                    .secondary(name.span, "one name for all of them")
                    .help("remove `container_name`; compose names replicas itself"),
                );
            } else if let (true, Some(port)) = (replicas.value > 1, service.ports.first()) {
                self.report(
                    Diagnostic::error(
                        "replicas-with-published-port",
                        format!(
                            "{} containers cannot share host port {}",
                            replicas.value, port.host_port.value
                        ),
                    )
                    .primary(replicas.span, "several containers")
                    .secondary(port.span, "each would publish this host port")
                    .help("put a proxy in front of the replicas and publish the proxy's port instead"),
                );
            }
        }
        if let Some(limits) = &service.limits {
            self.check_limits(limits);
        }
        let mut seen = Seen::default();
        for raw in &service.raw_compose {
            if let Some(problem) = crate::compose_keys::raw_key_problem(&raw.key.value) {
                self.report(
                    Diagnostic::error(
                        "invalid-raw",
                        format!("stackc cannot add compose key `{}`", raw.key.value),
                    )
                    .primary(raw.key.span, problem.label)
                    .help(problem.help),
                );
            }
            for name in services_named(raw) {
                self.require_service(&Spanned::new(name.to_string(), raw.value.span));
            }
            if let Some(first) = seen.insert(raw.key.as_str(), raw.key.span) {
                self.report(
                    Diagnostic::error(
                        "duplicate-statement",
                        format!("compose key `{}` is set twice", raw.key.value),
                    )
                    .primary(raw.key.span, "set again here")
                    .secondary(first, "first set here")
                    .help("keep one of them"),
                );
            }
        }
    }

    /// Docker publishes no port of a container whose networks are all
    /// `internal`: the port would silently stay closed.
    fn check_published_on_internal_networks(&mut self, service: &Service) {
        let internal = |name: &str| self.stack.network(name).is_some_and(|n| n.internal);
        let (Some(port), false) = (service.ports.first(), service.networks.is_empty()) else {
            return;
        };
        if service.networks.iter().all(|n| internal(n.as_str())) {
            self.report(
                Diagnostic::error(
                    "publish-on-internal-network",
                    format!(
                        "`{}` publishes a port but is only on internal networks",
                        service.name.value
                    ),
                )
                .primary(port.span, "docker does not publish this")
                .secondary(service.networks[0].span, "internal: no traffic in or out of the stack")
                .help("add a network that is not `internal` to its `networks`"),
            );
        }
    }

    fn check_limits(&mut self, limits: &Limits) {
        // Docker refuses a memory limit below 6 MiB.
        const MIN_MEMORY: u64 = 6 << 20;
        if let Some(memory) = limits.memory.as_ref().filter(|m| m.value.0 < MIN_MEMORY) {
            self.report(
                Diagnostic::error("invalid-limit", "docker needs at least 6M of memory for a container")
                    .primary(memory.span, "too small")
                    .help("sizes without a unit are bytes: write e.g. `memory 512M`"),
            );
        }
        if let Some(pids) = limits.pids.as_ref().filter(|p| p.value == 0) {
            self.report(
                Diagnostic::error("invalid-limit", "`pids 0` lets the container start no process")
                    .primary(pids.span, "zero")
                    .help("leave `pids` out for no limit, or allow e.g. `pids 200`"),
            );
        }
        if limits.memory.is_none() && limits.cpus.is_none() && limits.pids.is_none() {
            self.report(
                Diagnostic::error("empty-block", "`limits` sets no limit")
                    .primary(limits.span, "empty")
                    .help("add `memory 512M`, `cpus 1.5` or `pids 200`, or remove the block"),
            );
        }
    }

    /// nginx reaches its upstream servers by name, which works only on a
    /// network both containers are on.
    fn check_upstream_networks(&mut self, service: &Service, proxy: &Proxy) {
        for server in proxy.upstream_servers() {
            let Some(target) = self.stack.service(&server.service.value) else {
                continue;
            };
            if !self.stack.share_network(service, target) {
                let theirs: Vec<String> = target.network_names().map(|n| format!("`{n}`")).collect();
                self.report(
                    Diagnostic::error(
                        "unreachable-upstream",
                        format!("`{}` cannot reach `{}`", service.name.value, target.name.value),
                    )
                    .primary(server.service.span, "on no network the proxy is on")
                    .secondary(target.name.span, format!("on {}", theirs.join(", ")))
                    .help(format!(
                        "add one of `{}`'s networks to `{}`'s `networks`",
                        target.name.value, service.name.value
                    )),
                );
            }
        }
    }

    /// A job with no `run` built from the app's own Dockerfile runs its
    /// image's command: one whose stages set none runs the published
    /// image's (a shell, `node`), which ends at once having done nothing.
    fn check_job_command(&mut self, service: &Service) {
        let runs_own = service.command.is_some() || service.entrypoint.as_ref().is_some_and(|e| !e.words.is_empty());
        if !service.is_job() || runs_own {
            return;
        }
        let Some(image) = self.stack.inputs.image(&service.name.value) else {
            return;
        };
        if image.sets_no_command() {
            self.report(crate::syntax::lower::missing_run(
                &service.name,
                "add the one-shot command as `run [...]`, or a `CMD` to the stage its Dockerfile builds",
            ));
        }
    }

    fn check_image(&mut self, service: &Service) {
        // The image stackc writes needs a command; the app's own Dockerfile
        // has its `CMD`.
        let python = service.build().filter(|b| b.python().is_some());
        if let (Some(build), None, None) = (python, service.app_server(), &service.command) {
            self.report(
                Diagnostic::error(
                    "nothing-to-run",
                    format!("`{}` builds an image but runs nothing", service.name.value),
                )
                .primary(build.span, "the image gets no command")
                .help("add `gunicorn MODULE:CALLABLE` for a Django app, or `command \"...\"`; an app with a Dockerfile of its own names it with `file Dockerfile` in the `build` block, and runs its `CMD`"),
            );
        }
        // Docker drops the image's CMD along with its ENTRYPOINT.
        if let (Some(entrypoint), None, None) = (&service.entrypoint, service.app_server(), &service.command) {
            if entrypoint.words.is_empty() {
                self.report(
                    Diagnostic::error(
                        "nothing-to-run",
                        format!("`{}` drops its image's entrypoint but runs nothing", service.name.value),
                    )
                    .primary(entrypoint.span, "the image's CMD goes with its ENTRYPOINT")
                    .help("add the command to run, e.g. `command \"bundle exec sidekiq\"`"),
                );
            }
        }
        self.check_server_config(service);
        let Some(ImageSource::Of(of)) = &service.image else {
            return;
        };
        let Some(target) = self.require_service(of) else {
            return;
        };
        if target.build().is_none() {
            self.report(
                Diagnostic::error("image-of-unbuilt", format!("`{}` does not build an image", of.value))
                    .primary(of.span, "`image of` needs a service with `build`")
                    .secondary(
                        target.name.span,
                        format!("`{}` is declared here without `build`", of.value),
                    )
                    .help(format!(
                        "use the image `{}` uses directly with `image NAME:TAG`",
                        of.value
                    )),
            );
        }
    }

    /// Variable names are unique per container. `secret NAME = s` sets
    /// `NAME_FILE` and claims `NAME` too: images read one or the other (the
    /// postgres image refuses to start when both are set).
    fn check_environment(&mut self, service: &Service) {
        let mut seen = Seen::default();
        for var in &service.env {
            if let Some(first) = seen.insert(var.name.as_str(), var.name.span) {
                self.report(
                    Diagnostic::error(
                        "duplicate-variable",
                        format!("`{}` is set twice in `{}`", var.name.value, service.name.value),
                    )
                    .primary(var.name.span, "set again here")
                    .secondary(first, "first set here")
                    .help("keep one of them"),
                );
            }
        }
        // `NAME_FILE`, written into one buffer for all the secrets.
        let mut file = String::new();
        for secret in &service.secrets {
            let name = secret.env.as_str();
            file.clear();
            file.push_str(name);
            file.push_str("_FILE");
            let clash = seen.get(name).or_else(|| seen.get(file.as_str()));
            if let Some(first) = clash {
                self.report(
                    Diagnostic::error(
                        "duplicate-variable",
                        format!(
                            "`{name}` is set in `{}` and also comes from a secret",
                            service.name.value
                        ),
                    )
                    .primary(
                        secret.env.span,
                        format!("sets `{name}_FILE`, so `{name}` must stay unset"),
                    )
                    .secondary(first, "set here")
                    .help(format!(
                        "remove the env entry; the container reads the secret's path from `{name}_FILE`"
                    )),
                );
            }
            seen.insert(name, secret.env.span);
        }
    }

    fn check_dependencies(&mut self, service: &Service) {
        let mut seen = Seen::default();
        for dependency in &service.after {
            let target = dependency.target.as_str();
            if let Some(first) = seen.insert(target, dependency.span) {
                self.report(
                    Diagnostic::error(
                        "duplicate-dependency",
                        format!("`{}` waits for `{target}` twice", service.name.value),
                    )
                    .primary(dependency.span, "again here")
                    .secondary(first, "first here")
                    .help(format!("keep one `after {target} ...`, with the condition you mean")),
                );
            }
        }
        for dependency in &service.after {
            if dependency.target.value == service.name.value {
                self.report(
                    Diagnostic::error("dependency-cycle", format!("`{}` waits for itself", service.name.value))
                        .primary(dependency.target.span, "a service cannot start after itself")
                        .help("remove this dependency"),
                );
                continue;
            }
            let Some(target) = self.require_service(&dependency.target) else {
                continue;
            };
            match &dependency.condition {
                Some(c) if c.value == Condition::Ready && target.is_job() => self.report(
                    Diagnostic::error("not-ready-checkable", format!("`{}` is a job", target.name.value))
                        .primary(c.span, "a job is never ready: it runs once and exits")
                        .secondary(target.name.span, "a one-shot job")
                        .help(format!("wait for it to finish with `after {} done`", target.name.value)),
                ),
                Some(c) if c.value == Condition::Ready && target.ready_off.is_some() => self.report(
                    Diagnostic::error(
                        "not-ready-checkable",
                        format!("`{}` turns its readiness check off", target.name.value),
                    )
                    .primary(c.span, "this wait could never end")
                    .secondary(target.ready_off.unwrap_or(target.name.span), "turned off here")
                    .help(format!(
                        "wait with `after {} started`, or replace its `ready off` with a check such as `{}`",
                        target.name.value,
                        self.stack.readiness_hint(target)
                    )),
                ),
                Some(c) if c.value == Condition::Ready && !self.stack.has_readiness(target) => self.report(
                    Diagnostic::error(
                        "not-ready-checkable",
                        format!("`{}` has no readiness check", target.name.value),
                    )
                    .primary(c.span, "cannot wait for `ready`")
                    .secondary(target.name.span, "declared here without `ready`")
                    .help(format!(
                        "add `{}` to `{}`",
                        self.stack.readiness_hint(target),
                        target.name.value
                    )),
                ),
                Some(c) if c.value == Condition::Done && !target.is_job() => self.report(
                    Diagnostic::error("not-a-job", format!("`{}` is not a job", target.name.value))
                        .primary(c.span, "`done` waits for a one-shot job to exit")
                        .secondary(target.name.span, format!("a long-running {}", target.kind.keyword()))
                        .help(format!("wait with `after {} ready` instead", target.name.value)),
                ),
                _ => {}
            }
        }
    }

    /// Gunicorn's `config` names a file in the build folder of the image
    /// stackc writes: stackc reads it there, and knows where the image
    /// holds it.
    fn check_server_config(&mut self, service: &Service) {
        let Some(config) = service.app_server().and_then(|s| s.config.as_ref()) else {
            return;
        };
        let builder = self.stack.builder_of(service);
        if builder.and_then(Service::build).and_then(Build::python).is_some() {
            return;
        }
        self.report(
            Diagnostic::error(
                "config-needs-build",
                "`config` names a file in the source of an image stackc writes",
            )
            .primary(config.span, format!("`{}` runs no such image", service.name.value))
            .help("use `config` with `build` (or `image of` a service that builds), or give the image's own path on the command line: `command [\"gunicorn\", \"-c\", \"/app/gunicorn.conf.py\", ...]`"),
        );
    }

    fn check_probe(&mut self, service: &Service, ready: &Readiness) {
        let port = match &ready.probe {
            Probe::Cmd(_) => return,
            Probe::Tcp(port) => Some(port.value),
            Probe::Http { port, .. } => port.as_ref().map(|p| p.value).or(self.stack.app_port(service)),
        };
        // Compose runs a TCP or HTTP check in the container, with its
        // Python or Node; a cluster's kubelet probes the port itself.
        let in_container = self.target == crate::emit::Target::Compose;
        if in_container && self.stack.probe_program(service).is_none() {
            let diagnostic = match self.own_image_without_python(service) {
                Some((file, from)) => Diagnostic::error(
                    "probe-needs-python",
                    format!("`{}`'s image has no Python or Node to run this check", service.name.value),
                )
                .primary(ready.span, "runs `python` or `node` in the container: it would never pass")
                .secondary_in(file, from, "the image is built on this, without Python or Node")
                .help("use `ready cmd [...]` with a program the image has (its own binary's health flag, curl, wget), or a HEALTHCHECK in the Dockerfile and no `ready`"),
                None => Diagnostic::error(
                    "probe-needs-python",
                    format!(
                        "stackc cannot tell that `{}`'s image has the Python or Node its TCP and HTTP checks run in",
                        service.name.value
                    ),
                )
                .primary(ready.span, "it writes these for the images it builds and the Python and Node images it knows")
                .help("use `ready cmd \"...\"` with a program the image has (its own health command, `wget -q --spider http://localhost:PORT/`, `curl --fail ...`)"),
            };
            self.report(diagnostic);
        } else if port.is_none() {
            self.report(
                Diagnostic::error("probe-needs-port", "this HTTP check does not know which port to ask")
                    .primary(ready.span, "no port")
                    .help("add `port N`, or run the app with `gunicorn ... bind N`"),
            );
        }
    }

    /// The app's own Dockerfile and its FROM line, when the image `service`
    /// runs is shown to have no `python`.
    fn own_image_without_python(&self, service: &Service) -> Option<(crate::source::FileId, Span)> {
        let image = self.stack.own_image(service)?;
        let from = image.lacks_python(&self.stack.inputs.source(image.file).text)?;
        Some((image.file, from))
    }

    // ------------------------------------------------------------ stack-wide

    /// A volume, secret or network nothing uses is a leftover or a typo.
    fn check_unused_declarations(&mut self) {
        let stack = self.stack;
        // (kind, name): a volume and a network may share a name.
        let mut used: HashSet<(&str, &str)> = HashSet::new();
        // The base's declarations are used by its environments' containers
        // too (`add secret API_KEY = api_key` in `environment dev`); a
        // stack that is one environment's has no others.
        let in_environments = stack.environments.iter().flat_map(|environment| {
            let changed =
                (environment.changes.iter().flat_map(|c| &c.operations)).filter_map(|o| o.statement.as_deref());
            environment.services.iter().chain(changed)
        });
        for service in stack.services.iter().chain(in_environments) {
            used.extend(
                service
                    .mounts
                    .iter()
                    .filter_map(Mount::volume)
                    .map(|v| ("volume", v.as_str())),
            );
            used.extend(service.secrets.iter().map(|s| ("secret", s.secret.as_str())));
            used.extend(service.secret_mounts.iter().map(|s| ("secret", s.secret.as_str())));
            used.extend(service.networks.iter().map(|n| ("network", n.as_str())));
            if let Some(proxy) = service.proxy() {
                used.extend(proxy.aliased_volumes().into_iter().map(|v| ("volume", v.as_str())));
                used.extend(proxy.secrets().into_iter().map(|s| ("secret", s.as_str())));
            }
        }
        let declared = (stack.volumes.iter().map(|v| ("volume", &v.name)))
            .chain(stack.secrets.iter().map(|s| ("secret", &s.name)))
            .chain(stack.networks.iter().map(|n| ("network", &n.name)));
        for (what, name) in declared {
            // `insert` so a name declared twice (reported above) warns once.
            if used.insert((what, name.as_str())) {
                let help = match &stack.environment {
                    Some(environment) if environment.inherits(name.span) => format!(
                        "`environment {}` uses it nowhere: leave it out there with `without {what} {}`",
                        environment.name, name.value
                    ),
                    _ => "remove it, or use it where it was meant to go".to_string(),
                };
                self.report(
                    Diagnostic::warning("unused-declaration", format!("{what} `{}` is never used", name.value))
                        .primary(name.span, "declared here, used nowhere")
                        .help(help),
                );
            }
        }
    }

    /// A host port can be published once per interface and protocol
    /// (DNS's 53 twice, for TCP and UDP); "every interface" of a family
    /// (`0.0.0.0`, `[::]`) overlaps all of that family's, and no address at
    /// all is every interface of both.
    fn check_published_ports(&mut self) {
        // The ports published so far, by host port and protocol.
        let mut seen: HashMap<(u16, Protocol), Vec<&PortMapping>> = HashMap::new();
        for port in self.stack.services.iter().flat_map(|s| &s.ports) {
            let protocol = port.container_port.protocol;
            let same_port = seen.entry((port.host_port.value, protocol)).or_default();
            let clash = same_port
                .iter()
                .find(|other| interfaces_overlap(other.host_ip, port.host_ip))
                .copied();
            if let Some(first) = clash {
                self.report(
                    Diagnostic::error(
                        "port-published-twice",
                        format!(
                            "host port {}{} is published twice",
                            port.host_port.value,
                            protocol.suffix()
                        ),
                    )
                    .primary(port.host_port.span, "published again here")
                    .secondary(first.host_port.span, "first published here")
                    .help("each host port can go to one container per interface and protocol; pick another host port"),
                );
            } else {
                same_port.push(port);
            }
        }
    }
}

/// The names seen in one block, with where: a short list scanned in order
/// (a block holds a few), a hash map once it grows, so a block of
/// thousands stays linear. `insert` is `HashMap::insert`'s: the latest
/// place is kept, the one before returned.
#[derive(Default)]
struct Seen<'a> {
    few: Vec<(&'a str, Span)>,
    many: HashMap<&'a str, Span>,
}

impl<'a> Seen<'a> {
    /// Past this many names, the hash map.
    const FEW: usize = 16;

    fn insert(&mut self, name: &'a str, at: Span) -> Option<Span> {
        if self.many.is_empty() {
            if let Some(seen) = self.few.iter_mut().find(|(n, _)| *n == name) {
                return Some(std::mem::replace(&mut seen.1, at));
            }
            if self.few.len() < Self::FEW {
                self.few.push((name, at));
                return None;
            }
            self.many.extend(self.few.drain(..));
        }
        self.many.insert(name, at)
    }

    fn get(&self, name: &str) -> Option<Span> {
        match self.many.is_empty() {
            true => self.few.iter().find(|(n, _)| *n == name).map(|&(_, at)| at),
            false => self.many.get(name).copied(),
        }
    }
}

/// Whether two `publish` addresses share an interface. An IPv4-mapped IPv6
/// address (`::ffff:0.0.0.0`) is the IPv4 address it maps.
fn interfaces_overlap(a: Option<std::net::IpAddr>, b: Option<std::net::IpAddr>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return true;
    };
    let (a, b) = (a.to_canonical(), b.to_canonical());
    a.is_ipv4() == b.is_ipv4() && (a.is_unspecified() || b.is_unspecified() || a == b)
}

/// Reports every name declared more than once, with both places labelled.
/// Names that differ only in case count as the same: DNS and image names
/// ignore case, and such names are a typo more often than a choice.
fn unique<'n>(out: &mut Vec<Diagnostic>, what: &str, names: impl IntoIterator<Item = &'n Spanned<String>>) {
    let names = names.into_iter();
    let mut seen: HashMap<Cow<str>, &Spanned<String>> = HashMap::with_capacity(names.size_hint().0);
    for name in names {
        // Most names are lowercase already: no copy for them.
        let key = match name.value.bytes().any(|b| b.is_ascii_uppercase()) {
            true => Cow::Owned(name.value.to_ascii_lowercase()),
            false => Cow::Borrowed(name.value.as_str()),
        };
        if let Some(first) = seen.get(&key) {
            let help = if first.value == name.value {
                format!("rename or remove one of the two; each {what} needs its own name")
            } else {
                format!(
                    "rename one of them: `{}` and `{}` differ only in case",
                    first.value, name.value
                )
            };
            out.push(
                Diagnostic::error("duplicate-name", format!("{what} `{}` is declared twice", name.value))
                    .primary(name.span, "declared again here")
                    .secondary(first.span, "first declared here")
                    .help(help),
            );
        } else {
            seen.insert(key, name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_answers_as_a_hash_map_below_and_past_its_list() {
        let names: Vec<String> = (0..40).map(|i| format!("n{}", i % 25)).collect();
        let mut seen = Seen::default();
        let mut map = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            let at = Span::new(i, i + 1);
            assert_eq!(seen.insert(name, at), map.insert(name.as_str(), at), "{name}");
            assert_eq!(seen.get(name), map.get(name.as_str()).copied());
            assert_eq!(seen.get("other"), None);
        }
    }
}
