use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `command` that runs Gunicorn without `--bind`, or bound to
    /// `127.0.0.1` or `localhost`; and `manage.py runserver` on loopback
    /// (its default).
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
            let Some(argv) = &service.command else { continue };
            for program in facts::programs(argv) {
                let help = if facts::is_gunicorn(&program) {
                    "bind every interface: `--bind 0.0.0.0:8000`, or let stackc write the command with `gunicorn MODULE:CALLABLE bind 8000`"
                } else {
                    "give it every interface, `runserver 0.0.0.0:8000`; better, serve with `gunicorn MODULE:CALLABLE bind 8000`"
                };
                let address = if facts::is_gunicorn(&program) {
                    facts::option_value(&program, "-b", "--bind").unwrap_or("127.0.0.1:8000 (the default)")
                } else if facts::runs_manage(&program, "runserver") {
                    let at = program.iter().position(|w| w == "runserver").unwrap_or_default();
                    match program.get(at + 1).filter(|w| !w.starts_with('-')) {
                        Some(address) => address,
                        None => "127.0.0.1:8000 (the default)",
                    }
                } else {
                    continue;
                };
                let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
                // `runserver 8000` is a port alone: still loopback.
                let loopback = facts::is_loopback(host) || address.chars().all(|c| c.is_ascii_digit());
                if !loopback {
                    continue;
                }
                let mut finding = Self::META
                    .diagnostic(format!("`{}` listens on its own loopback only", service.name.value))
                    .primary(argv.span, format!("binds {address}: unreachable from other containers"));
                for server in facts::upstream_servers_of(stack, &service.name.value) {
                    finding = finding.secondary(server.span, "nginx cannot reach it here");
                }
                out.push(finding.help(help));
            }
        }
    }
}
