use crate::diagnostic::Diagnostic;
use crate::input::app_server::{self, ServerKind};
use crate::input::bind::Bind;
use crate::input::value::{Origin, Value};
use crate::ir::{Service, Stack};
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an app server bound to the container's loopback: a `command`,
    /// or the `CMD` of the app's own Dockerfile, that runs Gunicorn without
    /// `--bind` (and no config file, `GUNICORN_CMD_ARGS` or `PORT` that
    /// could bind elsewhere), uvicorn
    /// without `--host`, any of them bound to `127.0.0.1` or `localhost`;
    /// and `manage.py runserver` on loopback (its default). An error when
    /// a proxy's upstream or a published port leads to it; a warning when
    /// nothing in the spec does.
    ///
    /// ## Why is this bad?
    /// Gunicorn binds `127.0.0.1:8000` unless told otherwise. Inside a
    /// container, loopback is the container's own: nginx in its container,
    /// and a published port, reach nothing, and every request is a 502.
    /// (`gunicorn MODULE:CALLABLE` in the spec always binds `0.0.0.0`.)
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     command "gunicorn shop.wsgi:application --workers 3"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    ///     gunicorn shop.wsgi:application bind 8000 workers 3
    /// ```
    pub struct GunicornBindLoopback {
        name: "gunicorn-bind-loopback",
        severity: Error,
        summary: "Gunicorn or runserver listening on the container's loopback",
    }
}

impl Rule for GunicornBindLoopback {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            if let Some(argv) = &service.command {
                for program in facts::programs(argv) {
                    // Set, or maybe set by an env file stackc did not read.
                    let sets_variable = |var: &str| facts::sets_var(stack, service, var) != Some(false);
                    let Some((address, help)) = loopback(&program, sets_variable, has_default_conf(stack, service))
                    else {
                        continue;
                    };
                    let finding = Self::META
                        .diagnostic(format!("`{}` listens on its own loopback only", service.name.value))
                        .primary(argv.span, format!("binds {address}: unreachable from other containers"));
                    out.push(with_upstreams(finding, stack, service).help(help));
                }
            }
            if let Some(finding) = own_dockerfile_loopback(stack, service) {
                out.push(finding);
            }
        }
    }
}

/// The loopback address a command line's server binds, and the help for
/// it; `None` when it binds elsewhere or stackc cannot be sure (a config
/// file it has not read, a bind set by code, a `PORT` variable set).
fn loopback(
    program: &[String],
    sets_variable: impl Fn(&str) -> bool,
    has_default_conf: bool,
) -> Option<(String, &'static str)> {
    if facts::runs_manage(program, "runserver") {
        let at = program.iter().position(|w| w == "runserver").unwrap_or_default();
        let address = match program.get(at + 1).filter(|w| !w.starts_with('-')) {
            Some(address) => address.clone(),
            None => "127.0.0.1:8000 (the default)".to_string(),
        };
        let host = address.rsplit_once(':').map_or(address.as_str(), |(host, _)| host);
        // `runserver 8000` is a port alone: still loopback.
        let loopback = facts::is_loopback(host) || address.chars().all(|c| c.is_ascii_digit());
        let help = "give it every interface, `runserver 0.0.0.0:8000`; better, serve with `gunicorn MODULE:CALLABLE bind 8000`";
        return loopback.then_some((address, help));
    }
    let server = app_server::server_args(program)?;
    // A config file named on the command line may bind elsewhere; the
    // default `./gunicorn.conf.py`, when the app has one, too.
    if server
        .config
        .as_ref()
        .is_some_and(|c| c.origin != Origin::Default || has_default_conf)
    {
        return None;
    }
    // Gunicorn reads more options from `GUNICORN_CMD_ARGS`, which the
    // command line's own override: a `--bind` there moves the default.
    let args_variable = server.kind == ServerKind::Gunicorn && sets_variable("GUNICORN_CMD_ARGS");
    let (binds, default) = match &server.binds.value {
        Value::Known(binds) => (binds, false),
        Value::EnvDefault { var, default } if !sets_variable(var) && !args_variable => (default, true),
        _ => return None,
    };
    if binds.is_empty() || !binds.iter().all(Bind::is_loopback) {
        return None;
    }
    let mut address = binds.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    if default {
        address.push_str(" (the default)");
    }
    let help = match server.kind {
        ServerKind::Gunicorn => "bind every interface: `--bind 0.0.0.0:8000`, or let stackc write the command with `gunicorn MODULE:CALLABLE bind 8000`",
        _ => "bind every interface: `--host 0.0.0.0` (uvicorn), `-b 0.0.0.0` (daphne, hypercorn)",
    };
    Some((address, help))
}

/// The image's own command, from the app's Dockerfile, when the spec does
/// not replace it: the finding points at the spec's `file` line and shows
/// the Dockerfile's CMD.
fn own_dockerfile_loopback(stack: &Stack, service: &Service) -> Option<Diagnostic> {
    let own = service.build()?.own_dockerfile()?;
    if service.command.is_some() || service.entrypoint.is_some() {
        return None;
    }
    let image = stack.inputs.image(&service.name.value)?;
    let facts = image.facts()?;
    let process = image.process()?;
    let sets_variable = |var: &str| facts.env(var).is_some() || facts::sets_var(stack, service, var) != Some(false);
    let (address, help) = loopback(&process, sets_variable, has_default_conf(stack, service))?;
    let command = facts.cmd.as_ref().or(facts.entrypoint.as_ref())?;
    let finding = GunicornBindLoopback::META
        .diagnostic(format!("`{}` listens on its own loopback only", service.name.value))
        .primary(own.file.span, format!("its image's command binds {address}"))
        .secondary_in(image.file, command.span, "unreachable from other containers");
    Some(with_upstreams(finding, stack, service).help(help))
}

/// Whether the app the service runs has a `gunicorn.conf.py` at its root,
/// which Gunicorn reads when no `-c` names another (when the spec was
/// checked from its text alone, the common case is assumed: it has none).
fn has_default_conf(stack: &Stack, service: &Service) -> bool {
    stack
        .builder_of(service)
        .and_then(|b| b.build())
        .is_some_and(|build| stack.inputs.context_has(&build.context.value, "gunicorn.conf.py"))
}

/// Labels the upstream servers that point at the service. Without one,
/// and without a published port, nothing the spec shows reaches the server
/// (a sidecar may, over a shared network namespace): a warning.
fn with_upstreams(mut finding: Diagnostic, stack: &Stack, service: &Service) -> Diagnostic {
    let mut reached = !service.ports.is_empty();
    for server in facts::upstream_servers_of(stack, &service.name.value) {
        finding = finding.secondary(server.span, "nginx cannot reach it here");
        reached = true;
    }
    if !reached {
        finding.severity = crate::diagnostic::Severity::Warning;
    }
    finding
}
