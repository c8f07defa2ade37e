use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::input::shell;
use crate::input::start_script::{Found, Via};
use crate::input::waits::{self, Host, Wait};
use crate::ir::{Argv, Service, ServiceKind, Stack};
use crate::lint::{facts, images, Rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags `after X` that waits only for X to start, not for X to be ready
    /// (a long-running service) or done (a job).
    ///
    /// Many deployments wait in the script their container starts through
    /// instead (its entrypoint, or a start script of the build folder), which
    /// compose cannot see. stackc reads that script from the build folder
    /// (where the Dockerfile copied it from) and the service's own `sh -c`
    /// command: a wait there for X (`while ! nc -z db 5432; do sleep 1;
    /// done`, `wait-for-it db:5432`, `dockerize -wait tcp://db:5432`, a loop
    /// on `pg_isready` or on a Python connection, `manage.py wait_for_db`)
    /// makes the finding a note that shows the line that waits. A host
    /// written as a variable (`$SQL_HOST`) is looked up in the service's
    /// environment, and taken as X (the note says so) where only the server
    /// sets it. An entrypoint stackc cannot read makes the finding a note
    /// that says so. A published image known to wait in its own start
    /// (Paperless-ngx for its database and Redis, NetBox, Gitea, Odoo,
    /// Airflow and Mattermost for their database, n8n's task runners for
    /// their broker)
    /// makes it a note too, where the variable it waits on names X.
    ///
    /// ## Why is this bad?
    /// A started container is not a ready one. PostgreSQL takes seconds to
    /// accept connections after its container starts, and migrations take as
    /// long as they take; an app started in that window crashes or serves
    /// errors. Compose's plain `depends_on` does not wait (its docs say so,
    /// and so does the seed stack's author).
    ///
    /// ## Example
    /// ```text
    /// service db {
    ///     image postgres:16.4
    /// }
    /// service web {
    ///     build ./app
    ///     after db
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Give the dependency a readiness check and wait for it:
    /// ```text
    /// secret db_password file "secrets/db_password.txt"
    /// volume pgdata
    ///
    /// service db {
    ///     image postgres:16.4
    ///     secret POSTGRES_PASSWORD = db_password
    ///     mount pgdata at /var/lib/postgresql/data
    ///     ready cmd "pg_isready -h 127.0.0.1 -U postgres"
    /// }
    /// service web {
    ///     build ./app
    ///     after db ready
    /// }
    /// ```
    /// Wait for a job with `after migrate done`. Where starting is really
    /// enough, say so with `after X started`.
    pub struct MissingReadinessWait {
        name: "missing-readiness-wait",
        severity: Warning,
        summary: "`after X` waits for X to start, not to be ready",
        fixable: true,
    }
}

impl Rule for MissingReadinessWait {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            for dependency in service.after.iter().filter(|d| d.condition.is_none()) {
                let Some(target) = stack.service(&dependency.target.value) else {
                    continue;
                };
                let name = &target.name.value;
                let finding = Self::META
                    .diagnostic(format!(
                        "`{}` starts when `{name}` starts, without waiting for it",
                        service.name.value
                    ))
                    .primary(dependency.target.span, "waits only for the container to start");
                let condition = |word: &str| vec![Edit::insert(dependency.target.span.end(), format!(" {word}"))];
                let finding = match (&target.kind, &target.ready) {
                    (ServiceKind::Job, _) => finding
                        .help(format!("wait for the job to finish: `after {name} done`"))
                        .fix(format!("wait until `{name}` is done"), condition("done")),
                    (_, Some(ready)) => finding
                        .secondary(ready.span, "this readiness check is not waited for")
                        .help(format!("wait until it is ready: `after {name} ready`"))
                        .fix(format!("wait until `{name}` is ready"), condition("ready")),
                    // `ready off`: starting is all there is to wait for.
                    (_, None) if target.ready_off.is_some() => finding
                        .secondary(
                            target.ready_off.unwrap_or(target.name.span),
                            "its readiness check is off",
                        )
                        .help(format!("say that starting is enough: `after {name} started`"))
                        .fix(format!("wait until `{name}` has started"), condition("started")),
                    // The app's own Dockerfile has a HEALTHCHECK.
                    (_, None) if stack.has_readiness(target) => finding
                        .secondary(target.name.span, "its image has a HEALTHCHECK, not waited for")
                        .help(format!("wait until it is ready: `after {name} ready`"))
                        .fix(format!("wait until `{name}` is ready"), condition("ready")),
                    (_, None) => finding
                        .secondary(target.name.span, "has no readiness check")
                        .help(format!(
                            "add `{}` to `{name}`, then write `after {name} ready`",
                            stack.readiness_hint(target)
                        )),
                };
                out.push(with_start_script(stack, service, target, finding));
            }
        }
    }
}

/// What the service's own start knows about waiting for `target`: a wait
/// in its `sh -c` command or its start script makes the finding a note
/// that says where; a script read without one leaves the warning; a start
/// script or entrypoint stackc cannot read makes it a note that says so.
fn with_start_script(stack: &Stack, service: &Service, target: &Service, finding: Diagnostic) -> Diagnostic {
    let (name, dependency) = (&service.name.value, &target.name.value);
    let inline = service.command.as_ref().and_then(|command| {
        let waits = waits::waits(inline_script(command)?);
        let (wait, label) = waits.iter().find_map(|w| waits_for(stack, service, target, w))?;
        Some((command.span, format!("{label} ({})", wait.how)))
    });
    if let Some((span, label)) = inline {
        let message = format!("`{name}` starts when `{dependency}` starts: compose does not wait, its command does");
        return note(finding, message).secondary(span, label);
    }
    if let Some((span, label)) = image_start_wait(stack, service, target) {
        let message =
            format!("`{name}` starts when `{dependency}` starts: compose does not wait, its image's start does");
        return note(finding, message).secondary(span, label);
    }
    let Some(script) = stack.inputs.start_script(name) else {
        if !has_entrypoint(stack, service) {
            return finding;
        }
        return note(
            finding,
            format!("`{name}` starts when `{dependency}` starts: compose does not wait, its entrypoint may"),
        );
    };
    let program = &script.program;
    let what = match script.via {
        Via::Entrypoint => "entrypoint",
        Via::Command => "start script",
    };
    match &script.found {
        Found::Read { file, waits } => {
            match waits.iter().find_map(|w| waits_for(stack, service, target, w)) {
                Some((wait, label)) => note(
                    finding,
                    format!("`{name}` starts when `{dependency}` starts: compose does not wait, its {what} `{program}` does"),
                )
                .secondary_in(*file, wait.span, format!("{label} ({})", wait.how)),
                None => {
                    let first_line = stack.inputs.source(*file).text.lines().next().unwrap_or_default().len();
                    Diagnostic {
                        message: format!(
                            "`{name}` starts when `{dependency}` starts, and neither compose nor its {what} `{program}` waits for it"
                        ),
                        ..finding
                    }
                    .secondary_in(*file, Span::new(0, first_line), format!("no wait for `{dependency}` found in this script"))
                }
            }
        }
        Found::Unread(why) => note(
            finding,
            format!("`{name}` starts when `{dependency}` starts: compose does not wait; whether its {what} `{program}` does, stackc cannot tell ({why})"),
        ),
    }
}

/// The finding as a note with this message: stackc cannot be sure it
/// matters, or something other than compose waits.
fn note(finding: Diagnostic, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Info,
        message,
        ..finding
    }
}

/// The command as a script: the one of `sh -c SCRIPT`, else the line as
/// the spec wrote it (`dockerize -wait tcp://db:5432 gunicorn ...`).
fn inline_script(command: &Argv) -> Option<&str> {
    shell::inline_script(&command.words).or(command.line.as_deref())
}

/// Where a published image whose start stackc knows to wait (the
/// [`images::start_waits`] table) waits for `target`: a variable of the
/// table naming it in the service's environment. Not when the spec
/// replaces the image's entrypoint.
fn image_start_wait(stack: &Stack, service: &Service, target: &Service) -> Option<(Span, String)> {
    let image = facts::image(service).filter(|_| service.entrypoint.is_none())?;
    let variable = images::start_waits(image).iter().find(|variable| {
        stack
            .env_value(service, variable)
            .known()
            .is_some_and(|v| facts::address_host(v).is_some_and(|h| names(target, h)))
    })?;
    Some((
        image.text.span,
        format!("this image's start waits for `${variable}` before the app starts"),
    ))
}

/// Whether `host` reaches `target`: its name, hostname or container name.
fn names(target: &Service, host: &str) -> bool {
    host == target.name.value
        || [&target.hostname, &target.container_name]
            .into_iter()
            .flatten()
            .any(|h| h.value == host)
}

/// Whether a wait is for `target`, with a label that says for what: a
/// host named as the service is; a variable, resolved through the
/// service's environment when it sets it (else taken as the dependency,
/// and said so); a wait whose host the script does not name.
fn waits_for<'w>(stack: &Stack, service: &Service, target: &Service, wait: &'w Wait) -> Option<(&'w Wait, String)> {
    let is_target = |host: &str| names(target, host);
    let label = match &wait.host {
        Host::Named(host) => is_target(host).then(|| format!("waits for `{host}` here"))?,
        Host::Variable(variable) => match stack.env_value(service, variable).known().filter(|v| !v.contains('$')) {
            Some(value) => is_target(value).then(|| format!("waits for `${variable}` (`{value}`) here"))?,
            None => format!("waits for `${variable}` here, set where the container runs"),
        },
        Host::Unknown => "waits here, for a host the script does not name".to_string(),
    };
    Some((wait, label))
}

/// Whether the service starts through an entrypoint: its own `entrypoint`
/// (not `entrypoint []`, which drops one), or the ENTRYPOINT of the app's
/// own Dockerfile.
fn has_entrypoint(stack: &Stack, service: &Service) -> bool {
    match &service.entrypoint {
        Some(entrypoint) => !entrypoint.words.is_empty(),
        None => stack
            .own_image(service)
            .and_then(|i| i.facts())
            .is_some_and(|f| f.entrypoint.is_some()),
    }
}
