//! The nginx service: its config (a `--nginx` file, the `nginx.conf` of
//! its build folder, or one it bind-mounts) read into the proxy's
//! upstreams, servers and locations. What stackc writes into every
//! nginx.conf itself (its `http` settings, forwarding headers, security
//! header defaults) is recognised and left to it; other directives become
//! `nginx "..."` lines, or findings where the spec has no place for them.

use super::compose::Import;
use super::nginx::{self, Directive};
use super::report::FileIx;
use super::spec::{is_name, quoted, word, Stmt};
use super::yaml::Node;
use crate::input::dockerfile::{self, Base};
use crate::ir::{LocationKind, Protocol, RawHandler};

pub use super::proxy_config::holds_config;
use super::proxy_config::{config, main_config, own_dockerfile};

/// Whether the service runs nginx with a config import can read, and
/// one the proxy can say: an nginx that hands requests to php-fpm or
/// uWSGI itself (Nextcloud's, WordPress's) serves the app's files with
/// `root` and `try_files`, which the proxy has no statements for, and one
/// whose image holds a site it built, are kept as the services they are,
/// their own config and all.
pub fn is_proxy(service: &Node, import: &mut Import) -> bool {
    let Some(file) = config(service, import) else {
        return false;
    };
    let kept = if builds_a_site(service, import) {
        Some(
            "builds a site into its image (a COPY from a build stage, or into a folder nginx serves), which a \
             proxy's image (nginx and stackc's config) would lose: the service is kept as it is",
        )
    } else if passes_to_a_gateway(&nginx::parse(import.report.text(file)).tree) {
        Some(
            "hands requests to an application gateway (`fastcgi_pass`, `uwsgi_pass` or `scgi_pass`): the service \
             is kept as it is, its config and all (a proxy says the same with raw `nginx` lines, written by hand \
             as in docs/language.md's PHP-FPM example)",
        )
    } else {
        None
    };
    if let Some(why) = kept.filter(|_| !import.nginx_kept.iter().any(|(f, _)| *f == file)) {
        import.nginx_kept.push((file, why));
    }
    kept.is_none()
}

/// Whether a directive of the tree hands requests to an application
/// gateway (FastCGI, uWSGI, SCGI) rather than proxying HTTP.
fn passes_to_a_gateway(tree: &[Directive]) -> bool {
    tree.iter().any(|d| {
        matches!(d.name.as_str(), "fastcgi_pass" | "uwsgi_pass" | "scgi_pass")
            || d.block.as_deref().is_some_and(passes_to_a_gateway)
    })
}

/// The nginx image the service runs: its Dockerfile's FROM, or `image`.
pub(super) fn image(service: &Node, import: &Import) -> Option<String> {
    if let Some(Base::Image(image)) = own_dockerfile(service, import)
        .as_ref()
        .and_then(|d| d.final_stage())
        .map(|s| &s.base)
    {
        return Some(image.text.value.clone());
    }
    service.get("image").and_then(Node::text).map(str::to_string)
}

/// Whether the service's own Dockerfile builds a site into its nginx
/// image: a COPY from a build stage (a front end's `npm run build`), or one
/// into a folder nginx serves files from (`/usr/share/nginx/html`,
/// `/var/www`). That image is the app's own, kept as its service: a
/// proxy's image is nginx and stackc's config, and the site would be lost.
/// Certificates or scripts copied beside the config are no site.
fn builds_a_site(service: &Node, import: &Import) -> bool {
    let Some(dockerfile) = own_dockerfile(service, import) else {
        return false;
    };
    let Some(last) = dockerfile.final_stage() else {
        return false;
    };
    let site = |copy: &dockerfile::CopyFact| {
        let served = match &copy.destination.value {
            dockerfile::Resolved::Known(to) => ["/usr/share/nginx/", "/var/www/", "/srv/"]
                .iter()
                .any(|root| to.starts_with(root) || format!("{to}/") == *root),
            dockerfile::Resolved::Unknown(_) => false,
        };
        served || copy.from.is_some()
    };
    last.facts.copies.iter().any(site)
}

/// The proxy's statements from its image and config.
pub fn proxy(service: &Node, import: &mut Import) -> Vec<Stmt> {
    let mut body = Vec::new();
    if let Some(image) = image(service, import) {
        body.push(Stmt::line(format!("image {}", word(&image))));
    }
    let Some(file) = config(service, import) else {
        return body;
    };
    import.nginx_read.push(file);
    // What reads is kept; each line that does not is reported.
    let tree = parsed(file, import);
    let served = served_volumes(service);
    let binds = host_folders(service);
    let published = service
        .get("ports")
        .map(|ports| super::mounts::both_families(ports.items()))
        .unwrap_or_default()
        .into_iter()
        .filter_map(super::mounts::port)
        .collect();
    let secret_mounts = secret_mounts(service, import);
    let mut reader = Reader {
        import,
        file,
        secret_mounts,
        served,
        binds,
        published,
        host: String::new(),
        body: Vec::new(),
        upstreams: upstream_names(&tree, false),
        pooled: upstream_names(&tree, true),
        made: Vec::new(),
        http_names: Vec::new(),
        undefined: Vec::new(),
        inherited: Vec::new(),
    };
    // A whole nginx.conf has its `http` block; a conf.d file is inside one.
    let whole = tree.iter().any(|d| matches!(d.name.as_str(), "http" | "events"));
    let http = match whole {
        true => tree
            .iter()
            .filter(|d| d.name == "http")
            .flat_map(|d| d.children())
            .collect(),
        false => tree.iter().collect::<Vec<_>>(),
    };
    reader.http_names = http.iter().map(|d| d.name.clone()).collect();
    reader.undefined = http.iter().filter_map(|d| dropped_variable(d)).collect();
    let inherits = |d: &&Directive| INHERITED.contains(&d.name.as_str()) && d.block.is_none();
    reader.inherited = http
        .iter()
        .copied()
        .filter(inherits)
        .map(|d| (file, d.clone()))
        .collect();
    // A conf.d file is inside the `http` block of the service's whole
    // nginx.conf (awesome-compose's nginx-wsgi-flask: `client_max_body_size
    // 8m` there, the server in the file its start script fills in).
    if let Some(main) = (!whole).then(|| main_config(service, reader.import, file)).flatten() {
        let main_tree = parsed(main, reader.import);
        let main_http: Vec<&Directive> = main_tree
            .iter()
            .filter(|d| d.name == "http")
            .flat_map(|d| d.children())
            .collect();
        let own = |d: &&&Directive| !http.iter().any(|o| o.name == d.name);
        let from_main: Vec<_> = main_http
            .iter()
            .filter(|d| inherits(d))
            .filter(own)
            .map(|d| (main, (*d).clone()))
            .collect();
        reader.inherited.extend(from_main);
        reader.http_names.extend(main_http.iter().map(|d| d.name.clone()));
        reader
            .undefined
            .extend(main_http.iter().filter_map(|d| dropped_variable(d)));
        reader.import.nginx_read.push(main);
        // The rest of the whole nginx.conf: its `http` settings (`gzip on`,
        // a `log_format`) kept as raw lines, what the spec cannot hold
        // reported, as when the site is in the same file.
        let rest = without_includes_of_sites(&main_tree);
        reader.in_file(main, |reader| reader.level(&rest, Level::Main));
    }
    reader.level(&tree, if whole { Level::Main } else { Level::Http });
    if !reader.body.iter().any(|s| s.text == "server") {
        for (at, d) in std::mem::take(&mut reader.inherited) {
            reader.in_file(at, |reader| {
                reader.drop(
                    &d,
                    "at the http level, with no server in this config that the spec could say it in",
                )
            });
        }
    }
    let mut servers: Vec<Stmt> = reader
        .made
        .iter()
        .map(|(name, address)| {
            Stmt::block(
                format!("upstream {name}"),
                vec![Stmt::line(format!("server {address}"))],
            )
            .note("made for a `proxy_pass` to the service")
        })
        .collect();
    servers.append(&mut reader.body);
    let config = std::path::Path::new(reader.import.report.name(file));
    let origin = format!("nginx config: {}", reader.import.places.from_spec(config));
    let server_count = servers.iter().filter(|s| s.text == "server").count();
    if server_count == 1 {
        for stmt in servers {
            match stmt.body {
                Some(inner) if stmt.text == "server" => body.extend(inner),
                _ => body.push(stmt),
            }
        }
    } else {
        body.extend(servers);
    }
    if let Some(first) = body.get_mut(1) {
        first.notes.insert(0, origin);
    }
    body
}

/// The names of the config's `upstream` blocks, at any level; `pooled`:
/// only those that keep connections open (`keepalive N`).
fn upstream_names(tree: &[Directive], pooled: bool) -> Vec<String> {
    let mut names = Vec::new();
    for d in tree {
        let keeps = || d.children().iter().any(|c| c.name == "keepalive");
        if d.name == "upstream" && (!pooled || keeps()) {
            names.extend(d.args.first().cloned());
        }
        names.extend(upstream_names(d.children(), pooled));
    }
    names
}

/// Volumes the proxy mounts, by the folder nginx sees them at.
fn served_volumes(service: &Node) -> Vec<(String, String)> {
    mounts_of(service)
        .into_iter()
        .filter(|(source, _)| is_name(source))
        .collect()
}

/// The folders the proxy mounts host paths at.
fn host_folders(service: &Node) -> Vec<String> {
    let mounts = mounts_of(service).into_iter();
    mounts
        .filter(|(source, _)| super::values::is_host_path(source))
        .map(|(_, target)| target)
        .collect()
}

/// Where nginx gets a host folder its config serves with `alias`: the spec's
/// `alias` serves volumes only, so the folder is mounted under this one and
/// served with a raw `root` of it.
const SERVED_ROOT: &str = "/var/www";

/// The proxy's mounts: their source and target (without a trailing `/`).
fn mounts_of(service: &Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for volume in service.get("volumes").map(Node::items).unwrap_or_default() {
        let (source, target) = match volume.text() {
            Some(text) => {
                let short = super::values::short_volume(text);
                (short.source.unwrap_or_default(), short.target)
            }
            None => (
                volume
                    .get("source")
                    .and_then(Node::text)
                    .unwrap_or_default()
                    .to_string(),
                volume
                    .get("target")
                    .and_then(Node::text)
                    .unwrap_or_default()
                    .to_string(),
            ),
        };
        out.push((source, target.trim_end_matches('/').to_string()));
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Level {
    Main,
    Http,
}

/// Lines stackc writes into every nginx.conf itself.
const STACKC_MAIN: &[&str] = &[
    "worker_processes auto",
    "worker_rlimit_nofile 2048",
    "pid /tmp/nginx.pid",
    "error_log stderr notice",
];

struct Reader<'a, 'b> {
    import: &'a mut Import<'b>,
    file: FileIx,
    /// Where the service's secrets are in its container, each with the
    /// spec's name of the secret.
    secret_mounts: Vec<(String, String)>,
    served: Vec<(String, String)>,
    /// The folders host paths are mounted at in the proxy.
    binds: Vec<String>,
    /// The service's published ports.
    published: Vec<super::values::Published>,
    /// The `Host` stackc sends from the server being read.
    host: String,
    /// Upstreams and servers, in order.
    body: Vec<Stmt>,
    /// The config's upstream names.
    upstreams: Vec<String>,
    /// Those of them that keep connections open (`keepalive`).
    pooled: Vec<String>,
    /// Upstreams made for a `proxy_pass http://SERVICE:PORT`: name, address.
    made: Vec<(String, String)>,
    /// The names of the directives the config's `http` level sets.
    http_names: Vec<String>,
    /// The variables the `http` level's blocks that the spec cannot hold
    /// define (a `map`'s, a `geo`'s), each with its block's name.
    undefined: Vec<(String, String)>,
    /// The `http` level's settings every server inherits that the spec
    /// says per server (`client_max_body_size 20m` for the whole config),
    /// each with the file it is in.
    inherited: Vec<(FileIx, Directive)>,
}

impl Reader<'_, '_> {
    /// The spec's name of the secret a TLS file directive reads: the one
    /// the service mounts there, else `/run/secrets/NAME`'s.
    fn secret_of(&self, d: &Directive) -> Option<String> {
        let path = d.args.first()?;
        match self.secret_mounts.iter().find(|(at, _)| at == path) {
            Some((_, name)) => Some(name.clone()),
            None => self.import.secrets.spec_name(path.strip_prefix("/run/secrets/")?),
        }
    }

    /// `read` with what it reports placed in `file` (a setting inherited
    /// from the service's whole nginx.conf, read beside a conf.d file).
    fn in_file<T>(&mut self, file: FileIx, read: impl FnOnce(&mut Self) -> T) -> T {
        let own = std::mem::replace(&mut self.file, file);
        let done = read(self);
        self.file = own;
        done
    }

    /// The upstream a `proxy_pass http://HOST[:PORT]` names: one of the
    /// config's, or one made for the service `HOST` (port 80 if none).
    fn upstream_for(&mut self, host: &str) -> Option<String> {
        if self.upstreams.iter().any(|u| u == host) {
            return Some(host.to_string());
        }
        let (name, port) = host.split_once(':').unwrap_or((host, "80"));
        if !is_name(name) || port.parse::<u16>().is_err() {
            return None;
        }
        let address = format!("{name}:{port}");
        if let Some((made, _)) = self.made.iter().find(|(_, a)| *a == address) {
            return Some(made.clone());
        }
        let mut upstream = name.to_string();
        let taken = |u: &str, r: &Self| r.upstreams.iter().any(|x| x == u) || r.made.iter().any(|(x, _)| x == u);
        if taken(&upstream, self) {
            upstream = format!("{name}_{port}");
        }
        self.made.push((upstream.clone(), address));
        Some(upstream)
    }

    /// Reports `d` as left out, and why.
    fn drop(&mut self, d: &Directive, why: &str) {
        self.import.report.dropped(
            self.file,
            d.span,
            format!("nginx `{}` {why}", d.name),
            "add it by hand where the spec allows an `nginx \"...\"` line, or leave it out",
        );
    }

    fn level(&mut self, list: &[Directive], level: Level) {
        for d in list {
            let line = d.line();
            match d.name.as_str() {
                "http" if level == Level::Main => self.level(d.children(), Level::Http),
                "events" if level == Level::Main => {
                    if d.children().iter().any(|c| c.line() != "worker_connections 1024") {
                        self.drop(d, "has settings the spec does not carry (the events block is stackc's)");
                    }
                }
                "upstream" => self.upstream(d),
                "server" => {
                    let server = self.server(d);
                    self.body.push(server);
                }
                "map" if d.args.first().is_some_and(|a| a.starts_with("$upstream_http_")) => {}
                // Each server says it (see `server`).
                name if level == Level::Http && INHERITED.contains(&name) && d.block.is_none() => {}
                _ if level == Level::Main && STACKC_MAIN.contains(&line.as_str()) => {}
                _ if crate::emit::nginx::HTTP_SETTINGS.contains(&line.as_str()) => {}
                // nginx's main context is stackc's (it runs nginx unprivileged).
                _ if level == Level::Main => self.drop(d, "in nginx's main context, which stackc writes itself"),
                name if d.block.is_none() && !NOT_RAW_IN_HTTP.contains(&name) && !REFUSED_RAW.contains(&name) => {
                    if self.drops_for_undefined(d) {
                        continue;
                    }
                    self.body.push(Stmt::line(format!("nginx http {}", quoted(&line))));
                    self.import.report.raw(
                        self.file,
                        d.span,
                        format!("nginx `{}` is kept as a raw `nginx http` line", d.name),
                    );
                }
                "include" => self.drop(d, "at the http level: stackc's nginx.conf is the whole config"),
                // The conf.d default server the official image ships is replaced anyway.
                _ => self.drop(d, "at the http level has no place in the spec"),
            }
        }
    }

    fn upstream(&mut self, d: &Directive) {
        let Some(name) = d.args.first().filter(|n| is_name(n)) else {
            return self.drop(d, "with a name the spec cannot write");
        };
        let mut servers = Vec::new();
        for s in d.children() {
            let address = s.args.first().filter(|a| {
                a.split_once(':')
                    .is_some_and(|(h, p)| is_name(h) && p.parse::<u16>().is_ok())
            });
            match (s.name.as_str(), address) {
                ("server", Some(address)) => {
                    let mut text = format!("server {address}");
                    for option in &s.args[1..] {
                        match option.strip_prefix("weight=") {
                            Some(w) => text.push_str(&format!(" weight {w}")),
                            None => self.drop(s, &format!("option `{option}` of an upstream server")),
                        }
                    }
                    servers.push(Stmt::line(text));
                }
                (directive, _)
                    if s.block.is_none() && crate::syntax::lower::raw_nginx::upstream_directive(directive) =>
                {
                    self.raw(s, &mut servers);
                }
                _ => self.drop(s, "in an upstream"),
            }
        }
        self.body.push(Stmt::block(format!("upstream {name}"), servers));
    }

    /// The one host port a container port is published on for every
    /// interface, as stackc's `Host` default reads it.
    fn public_port(&self, container: u16) -> Option<u16> {
        let mut ports: Vec<u16> = self
            .published
            .iter()
            .filter(|p| p.container == container && p.ip.is_none() && p.protocol == Protocol::Tcp)
            .map(|p| p.host)
            .collect();
        ports.sort_unstable();
        ports.dedup();
        match ports.as_slice() {
            [port] => Some(*port),
            _ => None,
        }
    }

    fn server(&mut self, d: &Directive) -> Stmt {
        let mut body = Vec::new();
        let (mut certificate, mut key) = (None, None);
        let mut tls_files = Vec::new();
        let mut listened = Vec::new();
        // The sockets the spec will say (`listen 80` is its default).
        let mut sockets: Vec<(u16, bool)> = d
            .children()
            .iter()
            .filter(|c| c.name == "listen")
            .filter_map(listen_socket)
            .filter(|socket| *socket != (80, false))
            .collect();
        if sockets.is_empty() {
            sockets.push((80, false));
        }
        self.host = crate::emit::nginx::default_host(&sockets, |port| self.public_port(port));
        for c in d.children() {
            match c.name.as_str() {
                "listen" => {
                    // nginx in a container listens on every IPv4 address;
                    // Docker's networks are IPv4 unless told otherwise. An
                    // IPv6 listen is its port over IPv4 (`listen [::]:443
                    // ssl ipv6only=off` alone is the server's TLS port).
                    if c.args.first().is_some_and(|a| a.starts_with('[')) {
                        self.drop(
                            c,
                            "on an IPv6 address: the spec's server listens on its port over IPv4, as Docker's \
                             networks are unless IPv6 is enabled",
                        );
                    }
                    // Its parameters past the address and `ssl` are said
                    // left out, never silently (`http2` was).
                    // (`default_server`: stackc marks each port's default
                    // server itself; `ipv6only`: an IPv6 listen is reported.)
                    let told =
                        |a: &&String| !matches!(a.as_str(), "ssl" | "default_server") && !a.starts_with("ipv6only=");
                    for parameter in c.args.iter().skip(1).filter(told) {
                        let help = match parameter.as_str() {
                            "http2" => "the spec's `listen` takes a port and `tls`: for HTTP/2, write `nginx \"http2 on\"` in the server (nginx 1.25.1 and later; stackc's default image is 1.30)",
                            _ => "the spec's `listen` takes a port and `tls`: stackc writes the server's socket options",
                        };
                        self.import.report.dropped(
                            self.file,
                            c.span,
                            format!("nginx `listen` parameter `{parameter}`"),
                            help,
                        );
                    }
                    match listen_socket(c) {
                        Some((80, false)) => {}
                        Some(socket) if listened.contains(&socket) => {}
                        Some((port, tls)) => {
                            listened.push((port, tls));
                            body.push(Stmt::line(format!("listen {port}{}", if tls { " tls" } else { "" })))
                        }
                        None => self.drop(c, "on an address the spec cannot write"),
                    }
                }
                "server_name" => {
                    let names: Vec<String> = c.args.iter().map(|n| word(n)).collect();
                    body.push(Stmt::line(format!("server_name {}", names.join(" "))));
                }
                "ssl_certificate" => {
                    certificate = self.secret_of(c);
                    tls_files.push(c);
                }
                "ssl_certificate_key" => {
                    key = self.secret_of(c);
                    tls_files.push(c);
                }
                "return" if c.args.len() == 2 && c.args[0] == "301" && c.args[1].starts_with("https://$host") => {
                    body.push(Stmt::line("redirect to https"));
                }
                "location" => {
                    if let Some(location) = self.location(c) {
                        body.push(location);
                    }
                    for nested in c.children().iter().filter(|n| lifts_out_of(c, n)) {
                        if let Some(location) = self.location(nested) {
                            body.push(location);
                        }
                    }
                }
                "add_header" if is_default_header(c) => {}
                // stackc's TLS settings.
                "ssl_protocols" | "ssl_ciphers" | "ssl_prefer_server_ciphers"
                    if certificate.is_some() || key.is_some() => {}
                // What stackc's `http` block sets and every server inherits
                // (`server_tokens off`), unless the config's own sets it.
                name if crate::emit::nginx::HTTP_SETTINGS.contains(&c.line().as_str())
                    && !self.http_names.iter().any(|n| n == name) => {}
                _ => self.setting(c, &mut body),
            }
        }
        self.inherit(d, &mut body);
        match (certificate, key) {
            (Some(certificate), Some(key)) => body.push(Stmt::line(format!("tls certificate {certificate} key {key}"))),
            _ if tls_files.is_empty() => {}
            _ => {
                let outside: Vec<&Directive> = tls_files.into_iter().filter(|f| self.secret_of(f).is_none()).collect();
                if outside.is_empty() {
                    self.drop(d, "with a TLS certificate and no key, or a key and no certificate");
                }
                for file in outside {
                    let path = file.args.first().map(String::as_str).unwrap_or_default();
                    let place = match path.strip_prefix("/run/secrets/") {
                        Some(name) => {
                            format!("a secret file whose name, `{name}`, the spec cannot say (letters, digits, `_`)")
                        }
                        None => "a file outside /run/secrets".to_string(),
                    };
                    self.import.report.dropped(
                        self.file,
                        file.span,
                        format!("nginx `{}`: {place}", file.name),
                        "declare the certificate and the key as secrets (`secret site_cert file \"./certs/fullchain.pem\"`) \
                         and say `tls certificate site_cert key site_key` in the server: nginx reads them from \
                         /run/secrets",
                    );
                }
            }
        }
        Stmt::block("server", body)
    }

    fn location(&mut self, d: &Directive) -> Option<Stmt> {
        let (head, kind) = self.location_head(d)?;
        let mut body = Vec::new();
        let findings = self.import.report.mark();
        // A statement or a raw line that answers the location's requests.
        let mut answers = false;
        // stackc's `websocket` sends `Upgrade` and `Connection` from a map
        // of it, over HTTP/1.1: only the original's `Upgrade` says so.
        let websocket = d.children().iter().any(|c| {
            matches!((c.name.as_str(), c.args.as_slice()), ("proxy_set_header", [name, value])
                if name.eq_ignore_ascii_case("upgrade") && value == "$http_upgrade")
        });
        // And to an upstream that keeps connections, no `Connection` over
        // HTTP/1.1 (see the emitter's `POOLED_HEADERS`).
        let pooled = !websocket
            && d.children().iter().any(|c| {
                let host = c.args.first().and_then(|t| t.strip_prefix("http://"));
                let host = host.map(|h| h.split('/').next().unwrap_or(h));
                c.name == "proxy_pass" && host.is_some_and(|h| self.pooled.iter().any(|p| p == h))
            });
        for c in d.children() {
            match (c.name.as_str(), c.args.as_slice()) {
                // Written at the server level (see `lifts_out_of`).
                ("location", _) if lifts_out_of(d, c) => {}
                ("location", _) => self.import.report.dropped(
                    self.file,
                    c.span,
                    "nginx `location` inside a location: the spec's locations are one level deep",
                    "write it in the server as a location of its own, with what it inherits from this one \
                     (an exact `= PATH` match there answers the same requests)",
                ),
                ("proxy_pass", [target]) => {
                    let Some(rest) = target.strip_prefix("http://") else {
                        self.drop(c, "to something other than http://UPSTREAM");
                        continue;
                    };
                    let (upstream, uri) = match rest.find('/') {
                        Some(at) => (&rest[..at], Some(&rest[at..])),
                        None => (rest, None),
                    };
                    if uri.is_some_and(|u| u.contains('$')) {
                        self.drop(c, "with a variable in its URI");
                        continue;
                    }
                    let Some(upstream) = self.upstream_for(upstream) else {
                        self.drop(c, "to a host that is not an upstream or a service's `NAME:PORT`");
                        continue;
                    };
                    let uri = uri.map(|u| format!(" {}", word(u))).unwrap_or_default();
                    body.push(Stmt::line(format!("proxy_pass {upstream}{uri}")));
                    answers = true;
                }
                ("alias", _) if !kind.is_prefix() && kind != LocationKind::Exact => self.drop(
                    c,
                    "in a regular expression or named location (the spec serves a volume by a path)",
                ),
                ("alias", [folder]) => {
                    let folder = folder.trim_end_matches('/');
                    // The volume's own folder, or one inside it
                    // (`/taiga/media/exports/` of the media volume).
                    let served = self.served.iter().find_map(|(volume, target)| {
                        let inside = folder.strip_prefix(target.as_str())?;
                        match inside.strip_prefix('/') {
                            None if inside.is_empty() => Some(format!("alias {volume}")),
                            Some(sub) if crate::ir::Alias::is_plain_folder(sub) => {
                                Some(format!("alias {volume} {sub}"))
                            }
                            _ => None,
                        }
                    });
                    match served {
                        Some(line) => {
                            body.push(Stmt::line(line));
                            answers = true;
                        }
                        None => answers |= self.served_bind(c, folder, &head, kind, &mut body),
                    }
                }
                // The typed `return` writes its text as given: one with an
                // nginx variable is a raw line, the location's action too.
                ("return", [code, rest @ ..])
                    if rest.iter().any(|r| r.contains('$')) && code.parse::<u16>().is_ok() =>
                {
                    answers |= self.raw(c, &mut body);
                }
                ("return", [code, rest @ ..]) if code.parse::<u16>().is_ok() && rest.len() <= 1 => {
                    let text = rest.first().map(|t| format!(" {}", quoted(t))).unwrap_or_default();
                    body.push(Stmt::line(format!("return {code}{text}")));
                    answers = true;
                }
                ("proxy_set_header", [name, value]) if is_default_forward(name, value, &self.host) => {}
                ("proxy_set_header", [name, value]) if websocket && is_websocket_header(name, value) => {}
                ("proxy_http_version", [v]) if (websocket || pooled) && v == "1.1" => {}
                ("proxy_set_header", [name, value])
                    if pooled && name.eq_ignore_ascii_case("connection") && value.is_empty() => {}
                ("add_header", _) if is_default_header(c) => {}
                _ => {
                    let lines = body.len();
                    self.setting(c, &mut body);
                    // A raw handler (`stub_status`, `fastcgi_pass`) kept,
                    // or a `try_files` that falls back to one (`@app`).
                    let handles = RawHandler::of(&c.name).is_some()
                        || (c.name == "try_files" && RawHandler::try_files_falls_back(&c.args));
                    answers |= body.len() > lines && handles;
                }
            }
        }
        // `location ~ /\. { deny all; }`: it refuses every request (nginx
        // answers 403), which the spec says with `return 403`.
        // (At its own level: an `if` inside refuses some requests only.)
        let refuses_all = d.children().iter().any(refuses);
        if !answers && refuses_all && !d.children().iter().any(|c| c.name == "allow") {
            body.push(Stmt::line("return 403"));
            answers = true;
        }
        if !answers {
            // Its directives are left out with it, not kept as raw lines.
            self.import.report.unkeep_since(findings);
            self.drop(
                d,
                "with nothing the spec can write for it to do (`proxy_pass`, `alias`, `return`, a raw handler such as `stub_status`)",
            );
            return None;
        }
        if websocket {
            body.push(Stmt::line("websocket"));
        }
        Some(Stmt::block(head, body))
    }

    /// An `alias` of a folder a host path is mounted at, or of one inside
    /// it (Tandoor's `./mediafiles`, its error pages beside its config), in
    /// a prefix location: the folder mounted at [`SERVED_ROOT`] and the
    /// location's path, served by a raw `root` of [`SERVED_ROOT`], which
    /// maps each request to the same file. Dropped otherwise. Whether it
    /// was served.
    fn served_bind(
        &mut self,
        c: &Directive,
        folder: &str,
        head: &str,
        kind: LocationKind,
        body: &mut Vec<Stmt>,
    ) -> bool {
        let path = head.rsplit(' ').next().unwrap_or_default();
        let plain = path
            .strip_prefix('/')
            .and_then(|p| p.strip_suffix('/'))
            .is_some_and(crate::ir::Alias::is_plain_folder);
        let mount = self.binds.iter().find_map(|b| {
            let inside = folder.strip_prefix(b.as_str())?;
            match inside.strip_prefix('/') {
                None if inside.is_empty() => Some((b.clone(), String::new())),
                Some(sub) if crate::ir::Alias::is_plain_folder(sub) => Some((b.clone(), sub.to_string())),
                _ => None,
            }
        });
        let Some((mounted_at, inside)) = mount.filter(|_| kind.is_prefix() && plain) else {
            self.drop(c, "of a folder no volume or host folder mounted in the proxy holds");
            return false;
        };
        let at = format!("{SERVED_ROOT}{}", path.trim_end_matches('/'));
        body.push(Stmt::line(format!("nginx {}", quoted(&format!("root {SERVED_ROOT}")))));
        self.import.report.raw(
            self.file,
            c.span,
            format!("nginx `alias` of `{folder}`, a host folder mounted in the proxy, is a raw `root {SERVED_ROOT}`, with the folder mounted at `{at}`"),
        );
        let served = super::compose::ServedBind {
            mounted_at,
            folder: inside,
            at,
        };
        self.import.served_binds.push(served);
        true
    }

    /// The spec's `location ...` line for nginx's, and how it matches:
    /// `= /x`, `^~ /x/`, `~ "regex"`, `~* "regex"`, `@name`, `/x`; a
    /// modifier nginx reads glued to its path (`~*\.php$`) as well.
    fn location_head(&mut self, d: &Directive) -> Option<(String, LocationKind)> {
        let (kind, path) = match d.args.as_slice() {
            [modifier, path] => match MODIFIERS.iter().find(|(m, _)| m == modifier) {
                Some(&(_, kind)) => (kind, path.as_str()),
                None => return self.refuse(d, "with a modifier nginx does not know"),
            },
            [name] if name.starts_with('@') => match name.strip_prefix('@').filter(|n| is_name(n)) {
                Some(_) => return Some((format!("location {name}"), LocationKind::Named)),
                None => return self.refuse(d, "named other than letters, digits, `_` and `-`"),
            },
            [path] => glued_modifier(path),
            _ => return self.refuse(d, "with more than a modifier and a path"),
        };
        if path.is_empty() {
            return self.refuse(d, "with a modifier and no path");
        }
        let path = if kind.is_regex() {
            if let Some(problem) = crate::syntax::lower::location_regex::problem(path) {
                return self.refuse(d, &format!("whose regular expression stackc cannot check ({problem})"));
            }
            quoted(path)
        } else {
            word(path)
        };
        let head = match kind.modifier() {
            "" => format!("location {path}"),
            modifier => format!("location {modifier} {path}"),
        };
        Some((head, kind))
    }

    /// The `http` level's settings the server does not set itself, said in
    /// it before its locations, as nginx would inherit them.
    fn inherit(&mut self, server: &Directive, body: &mut Vec<Stmt>) {
        let mut settings = Vec::new();
        for (at, d) in self.inherited.clone() {
            if !server.children().iter().any(|c| c.name == d.name) {
                self.in_file(at, |reader| reader.setting(&d, &mut settings));
            }
        }
        let first_location = body
            .iter()
            .position(|s| s.text.starts_with("location "))
            .unwrap_or(body.len());
        body.splice(first_location..first_location, settings);
    }

    /// Drops `d` with the reason, for a `?` that leaves it out.
    fn refuse<T>(&mut self, d: &Directive, why: &str) -> Option<T> {
        self.drop(d, why);
        None
    }

    /// A directive of a server or location: a typed setting or a raw line.
    fn setting(&mut self, c: &Directive, body: &mut Vec<Stmt>) {
        match (c.name.as_str(), c.args.as_slice()) {
            ("client_max_body_size", [size]) if super::values::size(size).is_some() => {
                body.push(Stmt::line(format!(
                    "client_max_body_size {}",
                    super::values::size(size).unwrap_or_default()
                )));
            }
            ("proxy_read_timeout" | "proxy_connect_timeout" | "proxy_send_timeout", [d])
                if super::values::nginx_time(d).is_some() =>
            {
                let time = super::values::nginx_time(d).unwrap_or_default();
                body.push(Stmt::line(format!("{} {time}", c.name)));
            }
            ("proxy_read_timeout" | "proxy_connect_timeout" | "proxy_send_timeout", _) => self.import.report.dropped(
                self.file,
                c.span,
                format!("nginx `{}`: a time the spec's `{}` cannot say", c.line(), c.name),
                format!("write `{} D` with D in ms, s, m or h (`90s`, `1h`)", c.name),
            ),
            // A second Content-Type header beside the one nginx sends
            // (`default_type`'s): what was meant is the type itself.
            ("add_header", [name, value, ..])
                if name.eq_ignore_ascii_case("content-type") && !value.contains(['$', ' ', ';', '"', '\'']) =>
            {
                body.push(Stmt::line(format!(
                    "nginx {}",
                    quoted(&format!("default_type {value}"))
                )));
                self.import.report.raw(
                    self.file,
                    c.span,
                    format!("nginx `add_header Content-Type {value}` is kept as `default_type {value}`: nginx sends a Content-Type of its own, and the header would be a second one"),
                );
            }
            // A value with a variable is nginx's to expand (`$upstream_cache_status`):
            // a raw line, as the spec's header values are literal.
            ("add_header", [name, value, rest @ ..]) if rest.iter().all(|r| r == "always") && !value.contains('$') => {
                body.push(Stmt::line(format!("add_header {} {}", word(name), quoted(value))));
            }
            // A value with a variable is nginx's to expand: a raw line.
            ("proxy_set_header", [name, value]) if !value.contains('$') => {
                body.push(Stmt::line(format!("proxy_set_header {} {}", word(name), quoted(value))))
            }
            // An `if` or `limit_except` that refuses requests: left out,
            // the location answers every request it refused.
            (_, _) if c.block.as_deref().is_some_and(refuses_requests) => self.import.report.dropped_guard(
                self.file,
                c.span,
                format!(
                    "nginx `{}` that refuses some requests: without it, the location answers them",
                    c.name
                ),
                "the spec's raw `nginx` lines are one directive each: write the rule as one (`nginx \"deny all\"` \
                 with `allow` lines, `auth_basic`), or answer such requests in a location of their own (`return 403`)",
            ),
            (name, _) if REFUSED_RAW.contains(&name) || c.block.is_some() => {
                self.drop(c, "that the spec writes only from its own statements")
            }
            _ => {
                self.raw(c, body);
            }
        }
    }

    /// A directive kept as a raw `nginx` line, reported; or left out when
    /// it uses a variable of a block the spec cannot hold, which nginx
    /// would refuse as unknown. Whether it was kept.
    fn raw(&mut self, c: &Directive, body: &mut Vec<Stmt>) -> bool {
        if self.drops_for_undefined(c) {
            return false;
        }
        body.push(Stmt::line(format!("nginx {}", quoted(&c.line()))));
        self.import.report.raw(
            self.file,
            c.span,
            format!("nginx `{}` is kept as a raw `nginx` line", c.name),
        );
        true
    }

    /// Reports `c` as dropped when it uses a variable that a dropped block
    /// (a `map`) defines: kept, it would make nginx refuse the config.
    fn drops_for_undefined(&mut self, c: &Directive) -> bool {
        let line = c.line();
        let Some((variable, block)) = self.undefined.iter().find(|(v, _)| uses_variable(&line, v)).cloned() else {
            return false;
        };
        self.import.report.dropped(
            self.file,
            c.span,
            format!(
                "nginx `{}` uses `${variable}`, defined by a `{block}` the spec cannot hold",
                c.name
            ),
            "nginx refuses a config that names an unknown variable; stackc's own value applies where it writes one \
             (`X-Forwarded-Proto $scheme`, `Host $host`)",
        );
        true
    }
}

/// The variable an `http`-level block defines that the spec has no place
/// for (`map SOURCE $VAR { }`, `geo [SOURCE] $VAR { }`, `split_clients
/// STRING $VAR { }`), and the block's name. stackc's own maps (of
/// `$upstream_http_*`, and `$connection_upgrade`, which `websocket` writes)
/// are not among them.
fn dropped_variable(d: &Directive) -> Option<(String, String)> {
    if d.block.is_none() || !matches!(d.name.as_str(), "map" | "geo" | "split_clients") {
        return None;
    }
    if d.args.first().is_some_and(|a| a.starts_with("$upstream_http_")) {
        return None;
    }
    let variable = d.args.last()?.strip_prefix('$')?;
    (variable != "connection_upgrade").then(|| (variable.to_string(), d.name.clone()))
}

/// Whether nginx text names `$variable` (or `${variable}`), and not a
/// longer name that starts with it.
fn uses_variable(text: &str, variable: &str) -> bool {
    let braced = format!("${{{variable}}}");
    let plain = format!("${variable}");
    text.contains(&braced)
        || text.match_indices(&plain).any(|(at, _)| {
            let next = text[at + plain.len()..].chars().next();
            !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// A config's directives, each line that does not read reported.
fn parsed(file: FileIx, import: &mut Import) -> Vec<Directive> {
    let nginx::Parsed { tree, errors } = nginx::parse(import.report.text(file));
    for error in errors {
        import.report.dropped(
            file,
            error.span,
            format!(
                "nginx config: this line does not read ({}), so it is not in the spec",
                error.message
            ),
            "fix the line in the config and import again, or write it in the spec by hand (an `nginx \"...\"` line)",
        );
    }
    tree
}

/// A whole nginx.conf without the `include`s of its `http` block that
/// bring in the sites (`conf.d/*.conf`, `sites-enabled/*`): the site read
/// from there is the spec's proxy, not a file to include.
fn without_includes_of_sites(tree: &[Directive]) -> Vec<Directive> {
    let of_sites = |d: &Directive| {
        d.name == "include"
            && d.args
                .iter()
                .any(|a| a.contains("conf.d/") || a.contains("sites-enabled/"))
    };
    tree.iter()
        .map(|d| match (d.name.as_str(), &d.block) {
            ("http", Some(children)) => Directive {
                block: Some(children.iter().filter(|c| !of_sites(c)).cloned().collect()),
                ..d.clone()
            },
            _ => d.clone(),
        })
        .collect()
}

/// `http`-level directives no raw `nginx http` line carries: an `include`
/// (stackc's nginx.conf is the whole config; the image's own conf.d
/// would come back), headers (stackc writes them in every server, which
/// then ignores the `http` block's), and what statements write.
const NOT_RAW_IN_HTTP: &[&str] = &["include", "add_header", "proxy_set_header"];

/// Settings of the `http` level that the spec says in each server.
const INHERITED: &[&str] = &[
    "client_max_body_size",
    "proxy_read_timeout",
    "proxy_connect_timeout",
    "proxy_send_timeout",
];

/// Directives a raw `nginx` line may not write.
const REFUSED_RAW: &[&str] = &[
    "listen",
    "server_name",
    "ssl_certificate",
    "ssl_certificate_key",
    "client_max_body_size",
    "proxy_read_timeout",
    "proxy_connect_timeout",
    "proxy_send_timeout",
    "proxy_pass",
    "alias",
    "root",
    "return",
];

/// Where each of the service's secrets is in its container (compose's
/// `target`, else `/run/secrets/SOURCE`), with the spec's name of it.
fn secret_mounts(service: &Node, import: &Import) -> Vec<(String, String)> {
    let secrets = service.get("secrets").map(Node::items).unwrap_or_default();
    secrets
        .iter()
        .filter_map(|s| {
            let source = s.text().or_else(|| s.get("source").and_then(Node::text))?;
            let target = s.get("target").and_then(Node::text).unwrap_or(source);
            let path = match target.starts_with('/') {
                true => target.to_string(),
                false => format!("/run/secrets/{target}"),
            };
            Some((path, import.secrets.spec_name(source)?))
        })
        .collect()
}

/// Whether a directive refuses requests itself: `deny`, or a `return` of
/// a 4xx status.
fn refuses(d: &Directive) -> bool {
    d.name == "deny"
        || (d.name == "return"
            && d.args
                .first()
                .is_some_and(|code| code.starts_with('4') && code.len() == 3))
}

/// Whether directives refuse requests, or a block of theirs does.
fn refuses_requests(directives: &[Directive]) -> bool {
    directives
        .iter()
        .any(|d| refuses(d) || d.block.as_deref().is_some_and(refuses_requests))
}

/// `listen`'s port and whether it is TLS.
fn listen_socket(c: &Directive) -> Option<(u16, bool)> {
    let port = c.args.first()?.rsplit(':').next()?.parse::<u16>().ok()?;
    Some((port, c.args.iter().any(|a| a == "ssl")))
}

/// The forwarding headers stackc sets on every `proxy_pass`, as it sets
/// them: `host` is the `Host` it sends from this server.
fn is_default_forward(name: &str, value: &str, host: &str) -> bool {
    match name.to_ascii_lowercase().as_str() {
        "host" => value == host,
        "x-real-ip" => value == "$remote_addr",
        "x-forwarded-for" => value == "$proxy_add_x_forwarded_for",
        "x-forwarded-proto" => value == "$scheme",
        _ => false,
    }
}

/// The headers `websocket` sends, as it sends them.
fn is_websocket_header(name: &str, value: &str) -> bool {
    (name.eq_ignore_ascii_case("upgrade") && value == "$http_upgrade")
        || (name.eq_ignore_ascii_case("connection") && value == "$connection_upgrade")
}

/// Whether a location nested in `outer` answers the same requests written
/// at the server level: an exact match (`= /.well-known/carddav`) of a
/// path under a prefix location (Nextcloud's `/.well-known` block), when
/// the outer one holds nothing it would inherit (only `return`, `rewrite`
/// and locations, which no sibling inherits). An exact match at the server
/// level is chosen before any other, as the nested one is once the outer
/// matches.
fn lifts_out_of(outer: &Directive, nested: &Directive) -> bool {
    let prefix = match outer.args.as_slice() {
        [path] | [_, path] if outer.args.len() == 1 || outer.args[0] == "^~" => path.as_str(),
        _ => return false,
    };
    let exact_under = |d: &Directive| {
        d.name == "location"
            && matches!(d.args.as_slice(), [modifier, path] if modifier == "=" && path.starts_with(prefix))
    };
    let inherits_nothing =
        (outer.children().iter()).all(|c| matches!(c.name.as_str(), "return" | "rewrite" | "location"));
    exact_under(nested) && inherits_nothing
}

/// stackc's security header defaults (sent when the app sends none).
fn is_default_header(d: &Directive) -> bool {
    d.args.get(1).is_some_and(|v| v.starts_with("$default_"))
}

/// nginx's location modifiers, each as its own word (`~* \.php$`); `~*`
/// before `~`, which it starts with.
const MODIFIERS: [(&str, LocationKind); 4] = [
    ("=", LocationKind::Exact),
    ("^~", LocationKind::PrefixFirst),
    ("~*", LocationKind::Regex { caseless: true }),
    ("~", LocationKind::Regex { caseless: false }),
];

/// A location's one word as nginx reads it (`ngx_http_core_location`
/// looks at its first characters): a modifier glued to the path
/// (`~*\.php$`, `^~/static/`, `=/health`) is split off; else a prefix.
fn glued_modifier(word: &str) -> (LocationKind, &str) {
    MODIFIERS
        .iter()
        .find_map(|&(modifier, kind)| Some((kind, word.strip_prefix(modifier)?)))
        .unwrap_or((LocationKind::Prefix, word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_modifier_glued_to_its_path_is_read_as_nginx_reads_it() {
        let caseless = LocationKind::Regex { caseless: true };
        assert_eq!(glued_modifier("~*\\.php$"), (caseless, "\\.php$"));
        assert_eq!(
            glued_modifier("~\\.php$"),
            (LocationKind::Regex { caseless: false }, "\\.php$")
        );
        assert_eq!(glued_modifier("^~/static/"), (LocationKind::PrefixFirst, "/static/"));
        assert_eq!(glued_modifier("=/health"), (LocationKind::Exact, "/health"));
        assert_eq!(glued_modifier("/static/~x"), (LocationKind::Prefix, "/static/~x"));
    }
}
