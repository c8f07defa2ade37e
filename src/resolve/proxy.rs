//! Resolution of a proxy: its upstreams, servers, ports, TLS and
//! locations.

use foldhash::{HashMap, HashMapExt, HashSet};

use super::{unique, Kind, Resolver};
use crate::diagnostic::Diagnostic;
use crate::ir::*;
use crate::source::{Span, Spanned};

impl Resolver<'_> {
    pub(super) fn check_proxy(&mut self, service: &Service, proxy: &Proxy) {
        unique(
            &mut self.diagnostics,
            "upstream",
            proxy.upstreams.iter().map(|u| &u.name),
        );
        for server in proxy.upstream_servers() {
            let Some(target) = self.require_service(&server.service) else {
                continue;
            };
            let problem = match &target.kind {
                ServiceKind::Job => Some("a job exits after its run; nginx would lose this server"),
                ServiceKind::Proxy(_) => Some("a proxy cannot be its own upstream"),
                ServiceKind::App { .. } => None,
            };
            if let Some(problem) = problem {
                self.report(
                    Diagnostic::error(
                        "invalid-upstream-server",
                        format!("`{}` cannot serve requests", target.name.value),
                    )
                    .primary(server.service.span, problem)
                    .secondary(target.name.span, format!("declared as a {}", target.kind.keyword()))
                    .help("point upstream servers at long-running services, such as the Gunicorn app"),
                );
            }
        }
        for server in &proxy.servers {
            self.check_server(proxy, server);
        }
        self.check_shared_ports(proxy);
        self.check_proxy_publish(service, proxy);
        self.check_unused_upstreams(proxy);
        self.check_proxy_mounts(service);
        self.check_raw_pass_hosts(proxy);
    }

    /// A raw `fastcgi_pass HOST:PORT` (or `uwsgi_pass`, `grpc_pass`, ...)
    /// whose host is the name of an upstream: nginx takes the name for the
    /// upstream, which may not be given a port there, and refuses to start
    /// ("upstream may not have port"). stackc declares an upstream named
    /// after the service for `proxy_pass SERVICE:PORT`, so a PHP-FPM
    /// container proxied and passed to on two ports meets this.
    fn check_raw_pass_hosts(&mut self, proxy: &Proxy) {
        const PASSES: &[&str] = &["fastcgi_pass", "grpc_pass", "memcached_pass", "scgi_pass", "uwsgi_pass"];
        let raw = proxy.settings().flat_map(|s| &s.raw);
        for directive in raw.filter(|d| PASSES.contains(&d.name.as_str())) {
            let Some(address) = directive.args.first() else {
                continue;
            };
            let address = address.split_once("://").map_or(address.as_str(), |(_, rest)| rest);
            let Some((host, _port)) = address.rsplit_once(':') else {
                continue;
            };
            if proxy.upstream(host).is_none() {
                continue;
            }
            self.report(
                Diagnostic::error(
                    "invalid-raw-nginx",
                    format!("nginx reads `{host}` here as the upstream of that name, which takes no port"),
                )
                .primary(directive.text.span, "nginx refuses to start: upstream may not have port")
                .help(format!(
                    "declare an upstream for this port (`upstream {host}_fpm {{ server {address} }}`) and write `{} {host}_fpm`",
                    directive.name
                )),
            );
        }
    }

    /// A proxy's own mounts (the files a PHP-FPM app's nginx serves) may
    /// not cover what stackc puts in its container: the nginx
    /// configuration it writes, and the folders `alias` mounts volumes at.
    fn check_proxy_mounts(&mut self, service: &Service) {
        for mount in &service.mounts {
            let target = mount.target.value.trim_end_matches('/');
            // The mount is at `path`, or at a folder above it.
            let hides = |path: &str| path == target || path.starts_with(&format!("{target}/"));
            let hidden = if hides("/etc/nginx/nginx.conf") {
                "the nginx configuration stackc writes"
            } else if hides("/srv") || target.starts_with("/srv/") {
                "the folders `alias` serves volumes from (`/srv/VOLUME`)"
            } else {
                continue;
            };
            self.report(
                Diagnostic::error("invalid-mount", format!("this mount would cover {hidden}"))
                    .primary(mount.target.span, "mounted here in nginx's container")
                    .help("mount the app's files elsewhere, such as `/var/www/html`, and point `nginx \"root ...\"` at them"),
            );
        }
    }

    /// An upstream no location forwards to is a leftover, or a location
    /// that went missing (as when `stackc import` leaves one out). A raw
    /// directive that names it (`fastcgi_pass php`, `set $to http://ui`)
    /// uses it, as far as stackc can tell.
    fn check_unused_upstreams(&mut self, proxy: &Proxy) {
        let passed: HashSet<&str> = proxy
            .locations()
            .filter_map(|l| match &l.action {
                LocationAction::ProxyPass(pass) => Some(pass.upstream.as_str()),
                _ => None,
            })
            .collect();
        // A location that names an upstream there is not (a typo, an
        // error already) most likely meant one of these: said unused too,
        // it is a second finding for one mistake.
        if passed.iter().any(|name| proxy.upstream(name).is_none()) {
            return;
        }
        let raw: Vec<&str> = (proxy.settings().flat_map(|s| &s.raw))
            .chain(&proxy.http)
            .flat_map(|d| &d.args)
            .map(String::as_str)
            .collect();
        for upstream in &proxy.upstreams {
            let name = upstream.name.as_str();
            if passed.contains(&name) || raw.iter().any(|arg| arg.contains(name)) {
                continue;
            }
            self.report(
                Diagnostic::warning("unused-declaration", format!("upstream `{name}` is never used"))
                    .primary(upstream.name.span, "declared here; no location forwards to it")
                    .help(format!(
                        "add a location that forwards to it (`location / {{ proxy_pass {name} }}`), or remove it"
                    )),
            );
        }
    }

    fn check_server(&mut self, proxy: &Proxy, server: &Server) {
        // `/a` and `= /a` are two locations to nginx.
        let keys: Vec<Spanned<String>> = server
            .locations
            .iter()
            .map(|l| Spanned::new(l.key(), l.path.span))
            .collect();
        unique(&mut self.diagnostics, "location", &keys);
        let mut seen: HashMap<u16, Span> = HashMap::new();
        for listen in &server.listens {
            if let Some(first) = seen.insert(listen.port.value, listen.port.span) {
                self.report(
                    Diagnostic::error(
                        "duplicate-listen",
                        format!("port {} is listened on twice", listen.port.value),
                    )
                    .primary(listen.port.span, "again here")
                    .secondary(first, "first here")
                    .help("keep one `listen` per port in a server"),
                );
            }
        }
        self.check_tls(server);
        if let Some(redirect) = server.redirect_https {
            if let Some(location) = server.locations.first() {
                self.report(
                    Diagnostic::error(
                        "redirect-with-locations",
                        "a redirecting server answers every request itself",
                    )
                    .primary(location.path.span, "this location would never be used")
                    .secondary(redirect, "every request is redirected here")
                    .help("move the locations to the HTTPS server, or remove `redirect to https`"),
                );
            }
            if let Some(raw) = server.settings.raw.iter().find(|r| r.name == "return") {
                self.report(
                    Diagnostic::error("raw-nginx-has-statement", "this server already answers with a redirect")
                        .primary(raw.text.span, "a second `return` nginx would never reach")
                        .secondary(redirect, "stackc writes `return 301 https://...` for this")
                        .help("remove the raw `return`, or `redirect to https` to answer otherwise"),
                );
            }
            if let Some(tls) = server.listens.iter().find(|l| l.tls.is_some()) {
                self.report(
                    Diagnostic::error("redirect-loop", "this server redirects HTTPS to itself")
                        .primary(redirect, "redirects to https")
                        .secondary(tls.span, "while listening with TLS")
                        .help("redirect in a plain HTTP server (`listen 80`) and serve the site in the TLS one"),
                );
            }
        }
        self.check_settings(&server.settings);
        for location in &server.locations {
            self.check_settings(&location.settings);
            match &location.action {
                LocationAction::ProxyPass(pass) => {
                    if proxy.upstream(&pass.upstream.value).is_none() {
                        let declared = proxy.upstreams.iter().map(|u| u.name.as_str());
                        self.unknown(Kind::Upstream, &pass.upstream, declared);
                    }
                }
                LocationAction::Alias(alias) => {
                    self.require_volume(&alias.volume);
                    // Lowering refused an alias in a regex or named location.
                    if location.kind.is_prefix() && !location.path.value.ends_with('/') {
                        self.report(
                            Diagnostic::error("alias-path-slash", "a location that serves files must end with `/`")
                                .primary(location.path.span, "no trailing `/`")
                                .help(format!(
                                    "write `location {}/`: without the slash, `{}../` reaches the folder above the volume",
                                    location.path.value, location.path.value
                                )),
                        );
                    }
                }
                LocationAction::InheritedRoot
                    if location.settings.raw.is_empty() && proxy.inherited_raw(server, "root").is_none() =>
                {
                    self.report(
                        Diagnostic::error("empty-location", format!("location `{}` does nothing", location.key()))
                            .primary(location.path.span, "needs `proxy_pass`, `alias` or `return`")
                            .help(
                                "add `proxy_pass UPSTREAM` to forward requests, `alias VOLUME` to serve files, `return CODE`, \
                                 or a raw handler such as `nginx \"stub_status\"`",
                            ),
                    );
                }
                LocationAction::Return(_) | LocationAction::Raw(_) | LocationAction::InheritedRoot => {}
            }
        }
    }

    /// `listen ... tls` and `tls certificate ... key ...` come together.
    fn check_tls(&mut self, server: &Server) {
        let tls_listen = server.listens.iter().find(|l| l.tls.is_some());
        match (&server.tls, tls_listen) {
            (Some(tls), _) => {
                self.require_secret(&tls.certificate);
                self.require_secret(&tls.key);
                if tls_listen.is_none() {
                    self.report(
                        Diagnostic::error("tls-without-listen", "this server has a certificate but no TLS port")
                            .primary(tls.span, "never used")
                            .help("add `listen 443 tls` to the server"),
                    );
                }
            }
            (None, Some(listen)) => self.report(
                Diagnostic::error("listen-tls-without-certificate", "a TLS port needs a certificate and key")
                    .primary(listen.span, "listens with TLS")
                    .help(
                        "add `tls certificate CERT key KEY`, naming two declared secrets (`secret CERT file \"certs/site.crt\"`)",
                    ),
            ),
            (None, None) => {}
        }
    }

    /// Header names are unique per block; names differ in case only by
    /// accident (HTTP ignores it).
    fn check_settings(&mut self, settings: &Settings) {
        unique(
            &mut self.diagnostics,
            "response header",
            settings.response_headers.iter().map(|h| &h.name),
        );
        unique(
            &mut self.diagnostics,
            "request header",
            settings.request_headers.iter().map(|h| &h.name),
        );
    }

    /// Servers on one port share its socket: it is TLS for all or none,
    /// and nginx picks the server by name, so names must not overlap
    /// (nginx warns "conflicting server name" and ignores the second).
    fn check_shared_ports(&mut self, proxy: &Proxy) {
        let mut by_port: Vec<(u16, &Server, Option<&Listen>)> = Vec::new();
        for server in &proxy.servers {
            if server.listens.is_empty() {
                by_port.push((Proxy::DEFAULT_LISTEN, server, None));
            }
            for (i, listen) in server.listens.iter().enumerate() {
                // A port listed twice is reported in `check_server`.
                if !server.listens[..i].iter().any(|l| l.port.value == listen.port.value) {
                    by_port.push((listen.port.value, server, Some(listen)));
                }
            }
        }
        let place = |server: &Server, listen: Option<&Listen>| listen.map_or(server.span, |l| l.span);
        // Per port, what the servers before answer to: the first plain and
        // the first TLS server, and the first server of each name (by TLS
        // or not; "" for a server without `server_name`).
        type Seen<'s> = (&'s Server, Option<&'s Listen>);
        #[derive(Default)]
        struct Port<'s> {
            first: [Option<Seen<'s>>; 2],
            names: HashMap<(bool, String), Seen<'s>>,
        }
        let mut ports: HashMap<u16, Port> = HashMap::new();
        for (port, server, listen) in by_port {
            let tls = listen.is_some_and(|l| l.tls.is_some());
            let seen = ports.entry(port).or_default();
            if let Some((other, other_listen)) = seen.first[usize::from(!tls)] {
                self.report(
                    Diagnostic::error(
                        "mixed-tls-port",
                        format!("port {port} is TLS in one server and plain in another"),
                    )
                    .primary(place(server, listen), if tls { "with TLS here" } else { "plain here" })
                    .secondary(
                        place(other, other_listen),
                        if tls { "plain here" } else { "with TLS here" },
                    )
                    .help("nginx makes a port TLS for every server on it; use another port, or `tls` on both"),
                );
            }
            let names: Vec<String> = if server.server_names.is_empty() {
                vec![String::new()]
            } else {
                server
                    .server_names
                    .iter()
                    .map(|n| n.value.to_ascii_lowercase())
                    .collect()
            };
            let shared = names
                .iter()
                .find_map(|name| Some((name, *seen.names.get(&(tls, name.clone()))?)));
            if let Some((shared, (other, other_listen))) = shared {
                let what = if shared.is_empty() {
                    "no `server_name`".to_string()
                } else {
                    format!("the name `{shared}`")
                };
                self.report(
                    Diagnostic::error(
                        "conflicting-server-name",
                        format!("two servers on port {port} both answer to {what}"),
                    )
                    .primary(place(server, listen), "this server")
                    .secondary(place(other, other_listen), "and this one")
                    .help("give each server on a port its own `server_name`; nginx would ignore the second"),
                );
            }
            seen.first[usize::from(tls)].get_or_insert((server, listen));
            for name in names {
                seen.names.entry((tls, name)).or_insert((server, listen));
            }
        }
    }

    /// A published container port must be one nginx listens on, over TCP
    /// (the proxy's servers are HTTP ones).
    fn check_proxy_publish(&mut self, service: &Service, proxy: &Proxy) {
        let mut listening: Vec<u16> = proxy.servers.iter().flat_map(Server::ports).collect();
        listening.sort_unstable();
        listening.dedup();
        let listed = listening.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
        for port in &service.ports {
            let container = &port.container_port;
            if container.is_tcp() && listening.contains(&container.number.value) {
                continue;
            }
            let mut d = Diagnostic::error(
                "publish-unused-port",
                format!("nginx listens on {listed}, not on {container}"),
            )
            .primary(container.number.span, "nothing listens on this port");
            if let Some(l) = proxy.servers.iter().flat_map(|s| &s.listens).next() {
                d = d.secondary(l.span, "nginx listens here");
            }
            let help = match container.is_tcp() {
                true => format!(
                    "publish a port nginx listens on: `publish {} -> {}`",
                    port.host_port.value, listening[0]
                ),
                // HTTP/3's QUIC, say: stackc's nginx serves HTTP over TCP.
                false => "remove it: nginx's servers here take HTTP over TCP only".to_string(),
            };
            self.report(d.help(help));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::source::SourceFile;

    /// An upstream is used by a location's `proxy_pass`, or by a raw
    /// directive naming it (PHP-FPM's `fastcgi_pass`); one neither names
    /// is reported where it is declared.
    #[test]
    fn an_upstream_no_location_or_raw_line_names_is_unused() {
        let spec = "stack shop\nservice web {\n    image ghcr.io/acme/web:1.0\n}\nservice php {\n    image ghcr.io/acme/php:1.0\n}\nproxy nginx {\n    upstream app {\n        server web:8000\n    }\n    upstream fpm {\n        server php:9000\n    }\n    upstream left {\n        server web:8000\n    }\n    location / {\n        proxy_pass app\n    }\n    location /php/ {\n        nginx \"fastcgi_pass fpm\"\n    }\n}\n";
        let analysis = crate::check(&SourceFile::new("stack.spec", spec));
        let unused: Vec<&str> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == "unused-declaration")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(unused, ["upstream `left` is never used"], "{:#?}", analysis.diagnostics);
    }

    /// A `proxy_pass` to a misspelt upstream is one mistake: the unknown
    /// name is the error, and the upstream it meant is not also unused.
    #[test]
    fn a_misspelt_upstream_is_one_finding() {
        let spec = "stack shop\nservice web {\n    image ghcr.io/acme/web:1.0\n}\nproxy nginx {\n    upstream api_servers {\n        server web:8000\n    }\n    location / {\n        proxy_pass api_server\n    }\n}\n";
        let analysis = crate::check(&SourceFile::new("stack.spec", spec));
        let codes: Vec<&str> = analysis.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["unknown-upstream"], "{:#?}", analysis.diagnostics);
    }
}
