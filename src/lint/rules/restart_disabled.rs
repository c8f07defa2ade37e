use crate::diagnostic::Diagnostic;
use crate::ir::{Restart, Service, Stack};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `restart no` on a long-running service. A toolbox container
    /// run by hand is left alone: one in a compose profile, attached to a
    /// terminal (`tty`, `stdin_open`), idling in a shell or `sleep`, or
    /// whose entrypoint is a package manager and which has no command
    /// (`entrypoint ["npm"]`, for `docker compose run npm install`); so
    /// is a development environment (`environment dev { ... }`, neither
    /// named `prod` or `production` nor marked `production`), whose stack
    /// is started and stopped by hand.
    ///
    /// ## Why is this bad?
    /// A crash, an out-of-memory kill or a reboot of the host leaves the
    /// service down until someone notices and starts it by hand. (stackc
    /// writes `unless-stopped` for services unless told otherwise; jobs are
    /// `no`, as they should be.)
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    ///     restart no
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Leave `restart` out, or choose `unless-stopped` or `always`.
    pub struct RestartDisabled {
        name: "restart-disabled",
        severity: Warning,
        summary: "a long-running service that is never restarted",
    }
}

impl Rule for RestartDisabled {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        if !stack.is_deployed() {
            return;
        }
        for service in stack.services.iter().filter(|s| !s.is_job() && !is_run_by_hand(s)) {
            let Some(restart) = service.restart.as_ref().filter(|r| r.value == Restart::No) else {
                continue;
            };
            out.push(
                Self::META
                    .diagnostic(format!("`{}` stays down after a crash or a reboot", service.name.value))
                    .primary(restart.span, "never restarted")
                    .help("remove the line (services restart `unless-stopped`), or write `restart always`"),
            );
        }
    }
}

/// A toolbox container people run by hand (`docker compose run`): in a
/// profile that `up` leaves out, attached to a terminal, or idling in a
/// shell or `sleep`. Never restarting it is the point.
fn is_run_by_hand(service: &Service) -> bool {
    let raw_true = |key: &str| {
        service
            .raw_compose
            .iter()
            .any(|r| r.key.value == key && r.value.value != serde_json::Value::Bool(false))
    };
    let idles = service.command.as_ref().is_some_and(|c| {
        let program = c.words.first().map(|w| w.rsplit('/').next().unwrap_or(w));
        matches!(program, Some("sh" | "bash" | "ash" | "sleep")) && c.words.len() <= 2
            || c.words.iter().map(String::as_str).eq(["tail", "-f", "/dev/null"])
    });
    raw_true("profiles") || raw_true("stdin_open") || raw_true("tty") || idles || is_tool(service)
}

/// A package manager as the entrypoint, and no command: compose's tool
/// container, which does nothing until `docker compose run` names a task.
fn is_tool(service: &Service) -> bool {
    let program = service.entrypoint.as_ref().and_then(|e| e.words.first());
    let program = program.map(|p| p.rsplit('/').next().unwrap_or(p));
    service.command.is_none() && matches!(program, Some("npm" | "npx" | "yarn" | "pnpm" | "composer" | "bundle"))
}
