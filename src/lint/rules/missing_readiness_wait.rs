use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::ir::{Service, ServiceKind, Stack};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `after X` that waits only for X to start, not for X to be ready
    /// (a long-running service) or done (a job). Where the service starts
    /// through an entrypoint script, which often waits by itself, the
    /// finding is a note.
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
                let mut finding = Self::META
                    .diagnostic(format!(
                        "`{}` starts when `{name}` starts, without waiting for it",
                        service.name.value
                    ))
                    .primary(dependency.target.span, "waits only for the container to start");
                let condition = |word: &str| vec![Edit::insert(dependency.target.span.end, format!(" {word}"))];
                finding = match (&target.kind, &target.ready) {
                    (ServiceKind::Job, _) => finding
                        .help(format!("wait for the job to finish: `after {name} done`"))
                        .fix(format!("wait until `{name}` is done"), condition("done")),
                    (_, Some(ready)) => finding
                        .secondary(ready.span, "this readiness check is not waited for")
                        .help(format!("wait until it is ready: `after {name} ready`"))
                        .fix(format!("wait until `{name}` is ready"), condition("ready")),
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
                // An entrypoint script often waits for the database itself
                // (a `pg_isready` or `nc` loop): compose cannot see it, so
                // this is a note rather than a warning.
                if has_entrypoint(stack, service) {
                    finding.severity = Severity::Info;
                    finding.message = format!(
                        "`{}` starts when `{name}` starts: compose does not wait, its entrypoint script may",
                        service.name.value
                    );
                }
                out.push(finding);
            }
        }
    }
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
