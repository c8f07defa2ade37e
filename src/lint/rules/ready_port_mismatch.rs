use crate::diagnostic::{Diagnostic, Edit};
use crate::ir::{Probe, Stack};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `ready tcp PORT` or `ready http PATH port PORT` that asks a
    /// port the service does not listen on (its Gunicorn `bind`, or the
    /// proxy's `listen`).
    ///
    /// ## Why is this bad?
    /// The check never passes, so the service never becomes healthy, and
    /// everything that waits for it with `after ... ready` never starts.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application bind 8000
    ///     ready tcp 8080
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    ///     ready tcp 8000
    /// ```
    pub struct ReadyPortMismatch {
        name: "ready-port-mismatch",
        severity: Error,
        summary: "a readiness check of a port nothing listens on",
        fixable: true,
    }
}

impl Rule for ReadyPortMismatch {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some(ready) = &service.ready else { continue };
            let asked = match &ready.probe {
                Probe::Tcp(port) => port,
                Probe::Http { port: Some(port), .. } => port,
                _ => continue,
            };
            let Some(port) = stack.app_port(service) else { continue };
            if port == asked.value {
                continue;
            }
            out.push(
                Self::META
                    .diagnostic(format!(
                        "the readiness check of `{}` asks port {}, but it listens on {port}",
                        service.name.value, asked.value
                    ))
                    .primary(asked.span, "never answers: the service never becomes healthy")
                    .help(format!("check port {port}"))
                    .fix(
                        format!("check port {port}"),
                        vec![Edit::replace(asked.span, port.to_string())],
                    ),
            );
        }
    }
}
