use crate::diagnostic::Diagnostic;
use crate::ir::{LocationAction, RawHandler, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a location whose raw `nginx "..."` lines are all settings
    /// (`add_header`, `expires`, `limit_req`, ...), with no `proxy_pass`,
    /// `alias` or `return`, no raw directive that answers requests
    /// (`stub_status`, `fastcgi_pass` and the other `*_pass`es,
    /// `empty_gif`, a raw `return` or `root`), and no raw `root` in its
    /// server or the `http` block.
    ///
    /// ## Why is this bad?
    /// nginx then looks for the requested files under its default root,
    /// the `html` folder of its prefix: `/etc/nginx/html` in the nginx
    /// image, which has no such folder, so every request gets a 404. It is
    /// a warning, not an error, since a raw directive stackc does not know
    /// (a third-party module's handler, a `rewrite ... last`) may answer.
    /// A location with no raw line at all, which stackc reads entirely, is
    /// an error (`empty-location`).
    ///
    /// Also flags a `server` with no location at all, no `redirect to
    /// https` and no raw `return`, `rewrite`, `root`, `deny` or
    /// `ssl_reject_handshake` (an import of a config whose locations were
    /// left out, for one): nginx answers every request to it from the same
    /// missing folder.
    ///
    /// ## Example
    /// ```text
    /// proxy nginx {
    ///     location /downloads/ {
    ///         nginx "add_header Cache-Control no-store"
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Say what answers: `alias VOLUME` for files of a volume, `proxy_pass
    /// UPSTREAM` for the app, or `return CODE`.
    pub struct LocationWithoutAction {
        name: "location-without-action",
        severity: Warning,
        summary: "a location whose raw nginx lines do not say what answers its requests, or a server with no location",
    }
}

impl Rule for LocationWithoutAction {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            for server in proxy
                .servers
                .iter()
                .filter(|s| proxy.inherited_raw(s, "root").is_none())
            {
                let unanswered = (server.locations.iter()).filter(|l| {
                    matches!(l.action, LocationAction::InheritedRoot) && !l.settings.raw.is_empty() && !falls_back(l)
                });
                if answers_nothing(server) {
                    out.push(
                        Self::META
                            .diagnostic(format!(
                                "`{}`: a server with no location, which answers every request with a 404",
                                service.name.value
                            ))
                            .primary(server.span, "no `location` in this server")
                            .help(
                                "nginx would look for files in its default root, /etc/nginx/html, which the nginx image \
                                 lacks (404 for every request): add `location / { proxy_pass UPSTREAM }`, \
                                 `redirect to https`, or a raw `nginx \"return 444\"` for a server that refuses",
                            ),
                    );
                }
                for location in unanswered {
                    out.push(
                        Self::META
                            .diagnostic(format!(
                                "`{}`: nothing says what answers location `{}`",
                                service.name.value,
                                location.key()
                            ))
                            .primary(location.path.span, "no `proxy_pass`, `alias` or `return` here")
                            .secondary(
                                location.settings.raw[0].text.span,
                                "no raw line stackc knows answers requests either",
                            )
                            .help(
                                "nginx would look for files in its default root, /etc/nginx/html, which the nginx image \
                                 lacks (404 for every request): add `proxy_pass UPSTREAM`, `alias VOLUME` or `return CODE`",
                            ),
                    );
                }
            }
        }
    }
}

/// A `try_files` whose last choice answers without a file.
fn falls_back(location: &crate::ir::Location) -> bool {
    (location.settings.raw_directive("try_files")).is_some_and(|d| RawHandler::try_files_falls_back(&d.args))
}

/// A server with no location that nothing else answers for: no `redirect
/// to https`, no raw `return` or `rewrite` of its own, no `deny all` (a
/// 403 for every request), no `ssl_reject_handshake on` (a catch-all TLS
/// server that refuses every handshake). Its `root` is checked by the caller,
/// with the `http` block's.
fn answers_nothing(server: &crate::ir::Server) -> bool {
    server.locations.is_empty()
        && server.redirect_https.is_none()
        && ["return", "rewrite"]
            .iter()
            .all(|name| server.settings.raw_directive(name).is_none())
        && !raw_is(server, "deny", "all")
        && !raw_is(server, "ssl_reject_handshake", "on")
}

/// Whether the server's raw `name` directive says exactly `value`.
fn raw_is(server: &crate::ir::Server, name: &str, value: &str) -> bool {
    (server.settings.raw_directive(name)).is_some_and(|d| d.args.iter().map(String::as_str).eq([value]))
}
