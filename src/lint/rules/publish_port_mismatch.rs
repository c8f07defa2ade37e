use crate::diagnostic::{Diagnostic, Edit};
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a service that publishes ports, none of them the port its app
    /// server listens on as the spec says it (`gunicorn ... bind 8000`,
    /// uvicorn's or daphne's port, `runserver 0.0.0.0:8000`, a command's
    /// `--bind` or `--port`). The proxy, which listens where its servers
    /// say, is left out, as is an app whose port only its image's `EXPOSE`
    /// gives.
    ///
    /// ## Why is this bad?
    /// `publish 8080 -> 80` forwards the host's port to port 80 of the
    /// container; with Gunicorn on 8000, nothing answers there, and every
    /// request to the host's port is reset. compose starts it without a
    /// word.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application bind 8000
    ///     publish 8080 -> 80
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    ///     publish 8080 -> 8000
    /// ```
    pub struct PublishPortMismatch {
        name: "publish-port-mismatch",
        severity: Warning,
        summary: "published ports, none of them the one the app server listens on",
        fixable: true,
    }
}

impl Rule for PublishPortMismatch {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in stack.services.iter().filter(|s| s.proxy().is_none()) {
            let tcp: Vec<_> = service.ports.iter().filter(|p| p.container_port.is_tcp()).collect();
            let Some(first) = tcp.first() else { continue };
            let Some(port) = stack.stated_app_port(service) else {
                continue;
            };
            if tcp.iter().any(|p| p.container_port.number.value == port) {
                continue;
            }
            let published = &first.container_port.number;
            let host = match first.host_ip {
                Some(ip) if ip.is_ipv6() => format!("[{ip}]:{}", first.host_port.value),
                Some(ip) => format!("{ip}:{}", first.host_port.value),
                None => first.host_port.value.to_string(),
            };
            let mut finding = Self::META
                .diagnostic(format!(
                    "`{}` publishes port {} of its container, but its app server listens on {port}",
                    service.name.value, published.value
                ))
                .primary(published.span, "nothing listens here: connections are reset")
                .help(format!("publish the port it listens on: `publish {host} -> {port}`"));
            if tcp.len() == 1 {
                finding = finding.fix(
                    format!("publish port {port} of the container"),
                    vec![Edit::replace(published.span, port.to_string())],
                );
            }
            out.push(finding);
        }
    }
}
