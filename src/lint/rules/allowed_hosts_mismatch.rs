use crate::diagnostic::Diagnostic;
use crate::ir::{Probe, Service, Stack};
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Compares a Django service's `ALLOWED_HOSTS` (from `env`) with the
    /// Host headers it will get: each `server_name` of a proxy that
    /// forwards to it, and `localhost` from a `ready http` check.
    ///
    /// ## Why is this bad?
    /// nginx passes the client's Host on (`proxy_set_header Host $host`).
    /// A name missing from `ALLOWED_HOSTS` makes Django answer every request
    /// with 400 Bad Request (DisallowedHost), and a readiness check that
    /// gets 400 never goes healthy.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    ///     env {
    ///         ALLOWED_HOSTS = "example.com"
    ///     }
    /// }
    /// proxy nginx {
    ///     server_name shop.example.com
    ///     upstream app { server web:8000 }
    ///     location / { proxy_pass app }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    ///         ALLOWED_HOSTS = "shop.example.com"
    /// ```
    pub struct AllowedHostsMismatch {
        name: "allowed-hosts-mismatch",
        severity: Error,
        summary: "a `server_name` or probe Host that `ALLOWED_HOSTS` rejects",
    }
}

impl Rule for AllowedHostsMismatch {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some((var, hosts)) = facts::allowed_hosts(service) else {
                continue;
            };
            let name = &service.name.value;
            // The first upstream server of each proxy that forwards here
            // (they come proxy by proxy).
            let mut last_proxy: Option<&Service> = None;
            for (proxy_service, server) in stack.upstream_servers_of(name) {
                if last_proxy.is_some_and(|p| std::ptr::eq(p, proxy_service)) {
                    continue;
                }
                last_proxy = Some(proxy_service);
                let Some(proxy) = proxy_service.proxy() else { continue };
                // `_` and patterns match any name; Django cannot list those.
                for server_name in facts::server_names(proxy).filter(|n| !n.contains(['*', '~']) && n.as_str() != "_") {
                    if facts::host_allowed(&hosts, server_name) {
                        continue;
                    }
                    out.push(
                        Self::META
                            .diagnostic(format!("`{name}` rejects requests for `{}`", server_name.value))
                            .primary(var.value.span, format!("`{}` is not in this list", server_name.value))
                            .secondary(server_name.span, "nginx passes this Host on")
                            .secondary(server.span, "to this service")
                            .help(format!("add `{}` to `{}`", server_name.value, var.name.value)),
                    );
                }
            }
            if let Some(ready) = service.ready.as_ref().filter(|r| matches!(r.probe, Probe::Http { .. })) {
                if !facts::host_allowed(&hosts, "localhost") {
                    out.push(
                        Self::META
                            .diagnostic(format!("the readiness check of `{name}` gets 400 and never passes"))
                            .primary(var.value.span, "`localhost` is not in this list")
                            .secondary(ready.span, "sends `Host: localhost`")
                            .help(format!(
                                "add `localhost` to `{}`, or check with `ready tcp PORT`",
                                var.name.value
                            )),
                    );
                }
            }
        }
    }
}
