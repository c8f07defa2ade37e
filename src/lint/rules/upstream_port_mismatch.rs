use crate::diagnostic::{Diagnostic, Edit};
use crate::ir::Stack;
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Compares each upstream `server SERVICE:PORT` with the port the
    /// service's process listens on: its `gunicorn ... bind PORT` (8000 by
    /// default), or the Gunicorn of the image it runs with `image of`.
    ///
    /// ## Why is this bad?
    /// The upstream and the app are written in different files by hand
    /// (nginx.conf and the Dockerfile's CMD), and nothing checks that they
    /// agree: nginx connects to a closed port and answers 502 Bad Gateway.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application bind 8000
    /// }
    /// proxy nginx {
    ///     upstream app { server web:8080 }
    ///     location / { proxy_pass app }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    ///     upstream app { server web:8000 }
    /// ```
    pub struct UpstreamPortMismatch {
        name: "upstream-port-mismatch",
        severity: Error,
        summary: "an upstream port that the service does not listen on",
        fixable: true,
    }
}

impl Rule for UpstreamPortMismatch {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (_, proxy) in facts::proxies(stack) {
            for server in proxy.upstream_servers() {
                let Some(target) = stack.service(&server.service.value) else {
                    continue;
                };
                let Some(port) = stack.app_port(target) else { continue };
                if port == server.port.value {
                    continue;
                }
                let mut finding = Self::META
                    .diagnostic(format!(
                        "nginx forwards to port {} of `{}`, which listens on {port}",
                        server.port.value, target.name.value
                    ))
                    .primary(server.port.span, "nothing listens here: 502 Bad Gateway");
                // Where the port was set: the app server's statement or its
                // config file; a proxy's own port, at its name.
                finding = match (stack.app_server_of(target), stack.server_settings(target)) {
                    (Some((_, app)), Some(settings)) => facts::setting_label(
                        finding,
                        settings.port.source,
                        format!("{} listens on {port}", app.kind.name()),
                    ),
                    _ => finding.secondary(target.name.span, format!("listens on {port}")),
                };
                out.push(
                    finding
                        .help(format!("write `server {}:{port}`", target.name.value))
                        .fix(
                            format!("forward to port {port}"),
                            vec![Edit::replace(server.port.span, port.to_string())],
                        ),
                );
            }
        }
    }
}
