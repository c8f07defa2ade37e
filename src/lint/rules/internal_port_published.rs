use crate::diagnostic::{Diagnostic, Edit};
use crate::ir::Stack;
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `publish` on every interface (or on a public address of
    /// the host, such as `203.0.113.7:5432`) of a database's or a cache's
    /// port (5432, 6379), of php-fpm's FastCGI port (9000: whoever reaches
    /// it runs any PHP file on the server), or of an app's port that the stack's proxy
    /// forwards to (Gunicorn's 8000 behind nginx). An app the proxy does
    /// not forward to, such as an edge router (Traefik) or the only app of
    /// a stack without a proxy, is the way in, and is not flagged; nor is
    /// another port of an app behind the proxy (Gitea's SSH server on 22
    /// beside the web port nginx forwards to).
    ///
    /// ## Why is this bad?
    /// Docker writes its own firewall rules for published ports, ahead of
    /// the host's (ufw and firewalld do not see them), so the port is open
    /// to the network the host is on. A published app port also skips
    /// nginx: no static files, no proxy headers, no limits. Containers of
    /// the stack reach each other by service name without any `publish`.
    ///
    /// ## Example
    /// ```text
    /// service db {
    ///     image postgres:16.4
    ///     publish 5432 -> 5432
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Drop the `publish`, or keep it on the host's loopback for local tools:
    /// ```text
    ///     publish 127.0.0.1:5432 -> 5432
    /// ```
    pub struct InternalPortPublished {
        name: "internal-port-published",
        severity: Warning,
        summary: "a port other than the proxy's published on every interface or a public address",
        fixable: true,
    }
}

impl Rule for InternalPortPublished {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        // A database's or a cache's port is never the stack's way in; an
        // app's is unless the proxy forwards to it. A service the proxy
        // does not forward to (an edge router such as Traefik, a second
        // entry point) publishes on purpose.
        for service in stack.services.iter().filter(|s| s.proxy().is_none()) {
            let forwarded_by: Vec<_> = facts::upstream_servers_of(stack, &service.name.value).collect();
            let internal = facts::is_data_store(service) || serves_fastcgi(stack, service);
            if forwarded_by.is_empty() && !internal {
                continue;
            }
            for port in &service.ports {
                let Some(exposure) = port.exposure() else {
                    continue;
                };
                // Of an app behind the proxy, only the ports the proxy
                // forwards to: another (Gitea's SSH on 22) is a way in.
                let forwarded = port.container_port.is_tcp()
                    && forwarded_by
                        .iter()
                        .any(|s| s.port.value == port.container_port.number.value);
                if !internal && !forwarded {
                    continue;
                }
                let mut finding = Self::META
                    .diagnostic(format!(
                        "`{}` publishes port {}{} on {exposure}",
                        service.name.value,
                        port.host_port.value,
                        port.container_port.protocol.suffix()
                    ))
                    .primary(port.span, "reachable from the network, past the host's firewall");
                for server in &forwarded_by {
                    finding = finding.secondary(server.span, "nginx already forwards to it");
                }
                finding = finding.help(format!(
                    "remove the `publish`: the stack's containers reach `{}` by name; for tools on the host, publish on loopback only",
                    service.name.value
                ));
                if port.host_ip_span.is_none() {
                    finding = finding.fix(
                        "publish on the host's loopback only (`127.0.0.1:`)",
                        vec![Edit::insert(port.host_port.span.start(), "127.0.0.1:")],
                    );
                }
                out.push(finding);
            }
        }
    }
}

/// php-fpm (`php:*-fpm*`, published or the app's own Dockerfile's base):
/// its port speaks FastCGI, for the web server in front only.
fn serves_fastcgi(stack: &Stack, service: &crate::ir::Service) -> bool {
    let image = facts::image(service).or_else(|| stack.own_image(service)?.registry_base());
    image.is_some_and(|i| facts::image_name(i) == "php" && i.tag().is_some_and(|t| t.contains("fpm")))
}
