//! The proxy's `nginx.conf`: nginx's whole configuration, which the proxy's
//! Dockerfile puts in place of the image's: the main context, `events`, and
//! `http` with its maps, upstreams and servers.
//!
//! Unprivileged: the image's `nginx` user (uid 101, the Dockerfile's `USER`)
//! starts nginx, so there is no `user` directive (it could not switch), and
//! what nginx writes (its pid file, request bodies, buffered responses)
//! goes to /tmp, since /run and /var/cache/nginx belong to root. Logs go to
//! the container's stdout and stderr.
//!
//! Escaping: every user value goes through [`token`], which writes it bare
//! when nginx would read it back unchanged, and double-quoted otherwise.
//! Raw `nginx "..."` directives, and the arguments of headers from raw
//! lines, are the one exception: lowering checked they are one directive,
//! and they are written as given. A location's regular expression goes through
//! [`token`] too: nginx reads `\\` in a quoted token as one backslash and leaves
//! other escapes (`\.`) as written, so `"\\.php$"` is the regex `\.php$`,
//! and its `{`, `}`, `;` and `#` are safe inside the quotes.
//!
//! Locations are written in the spec's order: nginx tries regular
//! expressions in the config's order, and picks among the others by its
//! own rules (an exact path, then the longest prefix), whatever their order.
//!
//! Inheritance: nginx drops every inherited `add_header` and
//! `proxy_set_header` in a block that has one of its own. So a location
//! that sets headers repeats its server's (gixy's add_header_redefinition),
//! and request headers are written out in full in every proxied location.
//!
//! Security headers: every server sends stackc's (see [`headers`]), each
//! only when the app's response has none of its own.

use std::borrow::Cow;
use std::fmt::Write as _;

mod headers;

use self::headers::{default_maps, merge, server_headers, Response};
use super::source_map::{self, SourceMap, Text, Tracking};
use super::{header, secret_path, served_path, Layout, Problems};
use crate::ir::{
    Duration, Header, Location, LocationAction, LocationKind, Proxy, RawDirective, Server, Service, Settings,
};
use crate::source::{Span, Spanned};

/// nginx's main context. `worker_rlimit_nofile` is twice the connections:
/// a proxied request holds two (gixy's worker_rlimit_nofile_vs_connections).
const MAIN: &str = "\
# nginx runs as the image's unprivileged `nginx` user (the Dockerfile's USER):
# no `user` directive, and the files it writes are in /tmp.
worker_processes auto;
worker_rlimit_nofile 2048;
pid /tmp/nginx.pid;
error_log stderr notice;

events {
    worker_connections 1024;
}
";

/// The `http` settings of every stack: the official image's (MIME types,
/// logs to stdout, sendfile), no version in `Server` headers and error
/// pages (gixy's version_disclosure), and temporary files in /tmp.
pub(crate) const HTTP_SETTINGS: [&str; 10] = [
    "include /etc/nginx/mime.types",
    "default_type application/octet-stream",
    "access_log /dev/stdout",
    "sendfile on",
    "server_tokens off",
    "client_body_temp_path /tmp/client_temp",
    "proxy_temp_path /tmp/proxy_temp",
    "fastcgi_temp_path /tmp/fastcgi_temp",
    "uwsgi_temp_path /tmp/uwsgi_temp",
    "scgi_temp_path /tmp/scgi_temp",
];

/// The headers every proxied location sends besides `Host`, so the app
/// sees the client's address and scheme (SECURE_PROXY_SSL_HEADER).
const FORWARDED_HEADERS: [(&str, &str); 3] = [
    ("X-Real-IP", "$remote_addr"),
    ("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
    ("X-Forwarded-Proto", "$scheme"),
];

/// What a `websocket` location adds to the request headers; the `map` at
/// the top sends `Connection: close` when the client asked no upgrade.
const WEBSOCKET_HEADERS: [(&str, &str); 2] = [("Upgrade", "$http_upgrade"), ("Connection", "$connection_upgrade")];

/// The upstream directives that pick a server for each request.
const BALANCING_METHODS: [&str; 5] = ["least_conn", "ip_hash", "hash", "random", "least_time"];

/// What a location passing to an upstream that keeps connections open
/// (`keepalive N`) sends: no `Connection: close`, which nginx's HTTP/1.0
/// default would add and which closes each connection after one request.
const POOLED_HEADERS: [(&str, &str); 1] = [("Connection", "\"\"")];

/// Mozilla's "intermediate" TLS 1.2 ciphers (TLS 1.3 picks its own): every
/// current browser, nothing weak (gixy's weak_ssl_tls).
const TLS12_CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:\
ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

const WEBSOCKET_MAP: &str = "map $http_upgrade $connection_upgrade {\n    default upgrade;\n    \"\" close;\n}\n";

/// The config; each line comes from the statement that wrote it, or from
/// the header of the block (proxy, upstream, server, location) it is in.
pub(super) fn emit(
    service: &Service,
    proxy: &Proxy,
    layout: &Layout,
    problems: &mut Problems,
    tracking: Tracking,
) -> (String, Option<SourceMap>) {
    let mut out = Text::new(tracking, source_map::header(service.span, service.name.span));
    let _ = writeln!(out, "# {}", header(layout));
    out.push_str(MAIN);
    out.push_str("\nhttp {\n");
    let mut http = Block {
        out: &mut out,
        depth: 1,
        problems,
    };
    for setting in HTTP_SETTINGS {
        // A raw line replaces stackc's of its name; `include` adds a file.
        let name = setting.split(' ').next().unwrap_or(setting);
        if name == "include" || !proxy.http_sets(name) {
            http.line(setting);
        }
    }
    for directive in &proxy.http {
        http.out.set_origin(directive.text.span);
        http.line(raw_line(directive));
    }
    http.out.set_origin(source_map::header(service.span, service.name.span));
    let mut maps: Vec<String> = Vec::new();
    if proxy.locations().any(|l| l.websocket.is_some()) {
        maps.push(WEBSOCKET_MAP.to_string());
    }
    maps.extend(default_maps(proxy));
    for map in &maps {
        http.verbatim(map);
    }
    for upstream in &proxy.upstreams {
        let block = source_map::header(upstream.span, upstream.name.span);
        http.out.set_origin(block);
        http.open(format_args!("upstream {}", upstream.name.value));
        // A balancing method first: nginx turns off a `keepalive` written
        // before one ("load balancing method redefined").
        let (methods, others): (Vec<&RawDirective>, Vec<&RawDirective>) = upstream
            .raw
            .iter()
            .partition(|d| BALANCING_METHODS.contains(&d.name.as_str()));
        for directive in methods.into_iter().chain(others) {
            http.out.set_origin(directive.text.span);
            http.line(raw_line(directive));
        }
        for server in &upstream.servers {
            http.out.set_origin(server.span);
            let weight = server
                .weight
                .as_ref()
                .map(|w| format!(" weight={}", w.value))
                .unwrap_or_default();
            http.line(format_args!(
                "server {}:{}{weight}",
                server.service.value, server.port.value
            ));
        }
        http.out.set_origin(block);
        http.close();
    }
    let defaults = default_servers(proxy);
    for (i, server) in proxy.servers.iter().enumerate() {
        let defaults: Vec<u16> = defaults.iter().filter(|(at, _)| *at == i).map(|(_, p)| *p).collect();
        http.server(service, proxy, server, &defaults);
    }
    out.set_origin(source_map::header(service.span, service.name.span));
    out.push_str("}\n");
    out.finish()
}

/// Writes the directives of one block at one depth.
struct Block<'a> {
    out: &'a mut Text,
    depth: usize,
    problems: &'a mut Problems,
}

impl Block<'_> {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
    }

    /// `text;` on a line of its own: written in place (a proxy of
    /// thousands of locations writes tens of thousands).
    fn line(&mut self, text: impl std::fmt::Display) {
        self.indent();
        let _ = writeln!(self.out, "{text};");
    }

    /// A blank line, then `lines` (each ending with a line break) indented.
    fn verbatim(&mut self, lines: &str) {
        self.out.push('\n');
        for line in lines.lines() {
            self.indent();
            let _ = writeln!(self.out, "{line}");
        }
    }

    /// A blank line, then `head {`; the lines after are one level deeper.
    fn open(&mut self, head: impl std::fmt::Display) {
        self.out.push('\n');
        self.indent();
        let _ = writeln!(self.out, "{head} {{");
        self.depth += 1;
    }

    fn close(&mut self) {
        self.depth -= 1;
        self.indent();
        self.out.push_str("}\n");
    }

    /// `name args`, unless a raw directive of the block sets `name`: the
    /// raw one wins.
    fn unless_raw(&mut self, settings: &Settings, name: &str, args: &str) {
        if !settings.raw_sets(name) {
            self.line(format_args!("{name} {args}"));
        }
    }

    fn token(&mut self, value: &Spanned<String>, arg: Arg) -> String {
        self.problems.check(value, token(&value.value, arg), "nginx.conf")
    }

    /// `defaults`: the ports this server is the default server of.
    fn server(&mut self, service: &Service, proxy: &Proxy, server: &Server, defaults: &[u16]) {
        let block = server_header(service, server);
        self.out.set_origin(block);
        self.open("server");
        for (port, tls) in server.sockets() {
            let ssl = if tls { " ssl" } else { "" };
            let default = if defaults.contains(&port) {
                " default_server"
            } else {
                ""
            };
            self.line(format_args!("listen {port}{ssl}{default}"));
        }
        if let Some(first) = server.server_names.first() {
            self.out.set_origin(first.span);
            let names: Vec<String> = server
                .server_names
                .iter()
                .map(|n| self.token(n, Arg::Literal))
                .collect();
            self.line(format_args!("server_name {}", names.join(" ")));
        }
        if let Some(tls) = &server.tls {
            self.out.set_origin(tls.span);
            self.line(format_args!("ssl_certificate {}", secret_path(&tls.certificate.value)));
            self.line(format_args!("ssl_certificate_key {}", secret_path(&tls.key.value)));
            self.unless_raw(&server.settings, "ssl_protocols", "TLSv1.2 TLSv1.3");
            self.unless_raw(&server.settings, "ssl_ciphers", TLS12_CIPHERS);
            self.unless_raw(&server.settings, "ssl_prefer_server_ciphers", "off");
        }
        self.limits(&server.settings);
        // Inherited by locations without headers of their own; the others
        // repeat these (see the module's doc).
        let headers = server_headers(server);
        self.response_headers(&headers, block);
        self.raw(&server.settings);
        if let Some(redirect) = server.redirect_https {
            self.out.set_origin(redirect);
            self.line(format_args!(
                "return 301 https://{}$request_uri",
                https_host(service, proxy)
            ));
        }
        let host = host_header(service, server);
        let pooled_upstreams = proxy.pooled_upstreams();
        for location in &server.locations {
            let location_block = source_map::header(location.span, location.path.span);
            self.out.set_origin(location_block);
            let head = match location.kind {
                // A stackc name: letters, digits, `_` and `-`.
                LocationKind::Named => format!("location @{}", location.path.value),
                kind => {
                    let path = self.token(&location.path, Arg::Literal);
                    match kind.modifier() {
                        "" => format!("location {path}"),
                        modifier => format!("location {modifier} {path}"),
                    }
                }
            };
            self.open(head);
            let pooled = match &location.action {
                LocationAction::ProxyPass(pass) => pooled_upstreams.contains(&pass.upstream.value.as_str()),
                _ => false,
            };
            self.location(server, &headers, location, &host, pooled);
            self.out.set_origin(location_block);
            self.close();
        }
        self.out.set_origin(block);
        self.close();
    }

    /// `headers`: the server's response headers, which a location that
    /// sets its own repeats; `pooled`: whether it passes to an upstream that
    /// keeps connections open.
    fn location(&mut self, server: &Server, headers: &[Response], location: &Location, host: &str, pooled: bool) {
        let settings = &location.settings;
        let block = self.out.origin();
        match &location.action {
            LocationAction::ProxyPass(pass) => {
                self.out.set_origin(pass.upstream.span);
                match &pass.uri {
                    None => self.line(format_args!("proxy_pass http://{}", pass.upstream.value)),
                    Some(uri) => self.proxy_pass_uri(&location.path, &pass.upstream.value, uri),
                }
                // Both need HTTP/1.1: an upgrade, and a connection kept.
                if let Some(websocket) = location.websocket {
                    self.out.set_origin(websocket);
                    self.unless_raw(settings, "proxy_http_version", "1.1");
                } else if pooled {
                    self.unless_raw(settings, "proxy_http_version", "1.1");
                }
                self.request_headers(server, location, host, block, pooled);
            }
            LocationAction::Alias(alias) => {
                self.out.set_origin(alias.volume.span);
                // Both end with `/`: resolution made the location end with
                // one, so a request cannot climb out of the folder. The
                // folder inside the volume is a plain relative path
                // (lowering refused anything else).
                let folder = alias
                    .folder
                    .as_ref()
                    .map(|f| format!("/{}", f.value))
                    .unwrap_or_default();
                self.line(format_args!("alias {}{folder}/", served_path(&alias.volume.value)));
            }
            LocationAction::Return(ret) => {
                self.out.set_origin(ret.code.span);
                // A redirect's text is its `Location` header.
                let arg = if ret.is_redirect() { Arg::Expanded } else { Arg::Body };
                let text = match &ret.text {
                    Some(text) => format!(" {}", self.token(text, arg)),
                    None => String::new(),
                };
                if ret.is_redirect() && ret.text.as_ref().is_some_and(|t| t.value.starts_with('/')) {
                    // A relative `Location`: nginx would otherwise name its
                    // own port, not the one the proxy is published on.
                    self.unless_raw(settings, "absolute_redirect", "off");
                }
                self.line(format_args!("return {}{text}", ret.code.value));
            }
            // Written with the raw lines below.
            LocationAction::Raw(_) | LocationAction::InheritedRoot => {}
        }
        self.limits(settings);
        if !settings.response_headers.is_empty() {
            let merged = merge(headers.to_vec(), &settings.response_headers);
            self.response_headers(&merged, block);
        }
        self.raw(settings);
    }

    /// `proxy_pass UPSTREAM URI`: the request as the client sent it, with
    /// the location's path replaced by `uri`. nginx's own form
    /// (`proxy_pass http://up/uri;`) would send the path decoded and
    /// normalized instead, so `%2F` reaches the app as `/` (gixy's
    /// proxy_pass_normalized). Lowering made the location path plain
    /// (`/ . _ - ~` and alphanumerics) and the URI a bare nginx word without
    /// `$`; a request whose raw path does not start with the location's
    /// (an encoded letter in it) gets a 400.
    fn proxy_pass_uri(&mut self, path: &Spanned<String>, upstream: &str, uri: &Spanned<String>) {
        let pattern = Spanned::new(format!("^{}(.*)", path.value.replace('.', "\\.")), path.span);
        let pattern = self.token(&pattern, Arg::Literal);
        let target = Spanned::new(format!("http://{upstream}{}", uri.value), uri.span);
        let target = self.token(&target, Arg::Expanded);
        let replacement = self.token(uri, Arg::Expanded);
        self.line("rewrite ^ $request_uri");
        self.line(format_args!("rewrite {pattern} {replacement}$1 break"));
        self.line("return 400");
        self.line(format_args!("proxy_pass {target}$1"));
    }

    /// Body size and timeouts, which nginx inherits setting by setting.
    fn limits(&mut self, settings: &Settings) {
        if let Some(size) = &settings.client_max_body_size {
            self.out.set_origin(size.span);
            self.line(format_args!("client_max_body_size {}", size.value));
        }
        let timeouts = [
            ("proxy_connect_timeout", &settings.connect_timeout),
            ("proxy_send_timeout", &settings.send_timeout),
            ("proxy_read_timeout", &settings.read_timeout),
        ];
        for (name, value) in timeouts {
            if let Some(value) = value {
                self.out.set_origin(value.span);
                self.line(format_args!("{name} {}", nginx_time(value.value)));
            }
        }
    }

    /// `add_header ... always`: also on errors and redirects, where a
    /// security header matters as much. A header from a raw line is
    /// written as given. A spec header comes from its statement, a
    /// default from `block`, the header of the block that sends it.
    fn response_headers(&mut self, headers: &[Response], block: Span) {
        for header in headers {
            let args = match header {
                Response::Default(default) => {
                    self.out.set_origin(block);
                    format!("{} always", default.variable())
                }
                Response::Spec(header) => {
                    self.out.set_origin(header.span);
                    self.header_args(header, " always")
                }
            };
            self.line(format_args!("add_header {} {args}", header.name()));
        }
    }

    /// A spec header's arguments after its name: a raw line's as written,
    /// a typed value escaped and followed by `suffix`.
    fn header_args(&mut self, header: &Header, suffix: &str) -> String {
        match &header.raw_args {
            Some(args) => args.clone(),
            None => format!("{}{suffix}", self.token(&header.value, Arg::Expanded)),
        }
    }

    /// stackc's own headers, then the server's and the location's
    /// `proxy_set_header`, each replacing an earlier one of the same name.
    /// stackc's come from `block`, the location's header.
    fn request_headers(&mut self, server: &Server, location: &Location, host: &str, block: Span, pooled: bool) {
        let mut headers: Vec<(&str, String, Span)> = vec![("Host", host.to_string(), block)];
        let connection: &[(&str, &str)] = match (location.websocket, pooled) {
            (Some(_), _) => &WEBSOCKET_HEADERS,
            (None, true) => &POOLED_HEADERS,
            (None, false) => &[],
        };
        let defaults = FORWARDED_HEADERS.iter().chain(connection);
        headers.extend(defaults.map(|&(name, value)| (name, value.to_string(), block)));
        for header in server
            .settings
            .request_headers
            .iter()
            .chain(&location.settings.request_headers)
        {
            let args = self.header_args(header, "");
            match headers
                .iter_mut()
                .find(|(name, _, _)| name.eq_ignore_ascii_case(&header.name.value))
            {
                Some(slot) => (slot.1, slot.2) = (args, header.span),
                None => headers.push((&header.name.value, args, header.span)),
            }
        }
        for (name, args, origin) in headers {
            self.out.set_origin(origin);
            self.line(format_args!("proxy_set_header {name} {args}"));
        }
    }

    fn raw(&mut self, settings: &Settings) {
        for directive in &settings.raw {
            self.out.set_origin(directive.text.span);
            self.line(raw_line(directive));
        }
    }
}

/// Where the image stackc writes keeps nginx.conf: nginx reads a relative
/// `include` from this folder.
const CONF_DIR: &str = "/etc/nginx";

/// A raw directive as written, except a relative `include`
/// (`include fastcgi_params`), written with the folder nginx reads it from
/// in the image: the same file, wherever the configuration is checked.
fn raw_line(directive: &RawDirective) -> Cow<'_, str> {
    let as_written = Cow::Borrowed(directive.text.value.as_str());
    match directive.args.as_slice() {
        [file] if directive.name == "include" && !file.starts_with('/') && !file.contains('$') => {
            token(&format!("{CONF_DIR}/{file}"), Arg::Literal)
                .map_or(as_written, |path| Cow::Owned(format!("include {path}")))
        }
        _ => as_written,
    }
}

/// Where a server's lines come from when no statement wrote them: its
/// `server` block's header, or the proxy's for the shorthand (one server
/// whose statements stand in the proxy).
fn server_header(service: &Service, server: &Server) -> Span {
    if server.span == service.span {
        return source_map::header(service.span, service.name.span);
    }
    // `server {`: the keyword, which is where the block starts.
    Span::new(
        server.span.start(),
        (server.span.start() + "server".len()).min(server.span.end()),
    )
}

/// For each port that several servers listen on, the first of them, as
/// (server index, port): nginx's default for requests no `server_name`
/// matches, written out (gixy's default_server_flag).
fn default_servers(proxy: &Proxy) -> Vec<(usize, u16)> {
    let mut defaults: Vec<(usize, u16)> = Vec::new();
    for (i, server) in proxy.servers.iter().enumerate() {
        for port in server.ports() {
            let shared = proxy.servers[i + 1..].iter().any(|s| s.ports().contains(&port));
            if shared && !defaults.iter().any(|(_, p)| *p == port) {
                defaults.push((i, port));
            }
        }
    }
    defaults
}

/// The host port clients use for a container port: the one host port it
/// is published on for every interface, if there is exactly one.
fn public_port(service: &Service, container_port: u16) -> Option<u16> {
    let mut host_ports: Vec<u16> = service
        .ports
        .iter()
        .filter(|p| p.container_port.number.value == container_port && p.container_port.is_tcp())
        .filter(|p| p.interface().is_none())
        .map(|p| p.host_port.value)
        .collect();
    host_ports.sort_unstable();
    host_ports.dedup();
    match host_ports.as_slice() {
        [port] => Some(*port),
        _ => None,
    }
}

/// The `Host` the app sees: the client's, with the port it connected to
/// when nginx is published on every interface on a port that is not the
/// scheme's default. Django's CSRF check compares `Origin`
/// (`http://localhost:1337`) with the host, so the port must survive.
/// Published on one address (`127.0.0.1:8080`), nginx sits behind another
/// proxy whose port the client used, so the host stays as it came; so it
/// does for a server on several ports. (`$http_host` would keep any port,
/// but passes any client value through.)
fn host_header(service: &Service, server: &Server) -> String {
    default_host(&server.sockets(), |port| public_port(service, port))
}

/// [`host_header`] of a server listening on `sockets` (port, TLS), with
/// `public_port` giving the one host port a container port is published
/// on for every interface: shared with import, which leaves to stackc
/// only the `Host` stackc would write.
pub(crate) fn default_host(sockets: &[(u16, bool)], public_port: impl Fn(u16) -> Option<u16>) -> String {
    match sockets {
        [(listen, tls)] => with_port("$host", public_port(*listen), if *tls { 443 } else { 80 }),
        _ => "$host".to_string(),
    }
}

/// The host part of `redirect to https`: the client's host, with the host
/// port of the proxy's first TLS port when that is not 443.
fn https_host(service: &Service, proxy: &Proxy) -> String {
    let tls_port = proxy
        .servers
        .iter()
        .flat_map(|s| &s.listens)
        .find(|l| l.tls.is_some())
        .map(|l| l.port.value);
    with_port("$host", tls_port.and_then(|p| public_port(service, p)), 443)
}

fn with_port(host: &str, port: Option<u16>, default: u16) -> String {
    match port {
        Some(port) if port != default => format!("{host}:{port}"),
        _ => host.to_string(),
    }
}

/// A duration in nginx's units: the largest that divides it exactly
/// (`90s`, `5m`, `1500ms`).
fn nginx_time(duration: Duration) -> String {
    for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if duration.0 != 0 && duration.0.is_multiple_of(size) {
            return format!("{}{unit}", duration.0 / size);
        }
    }
    format!("{}ms", duration.0)
}

/// How nginx reads a directive's argument.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    /// No variables (`server_name`, `location`): `$` is an ordinary
    /// character, and an empty value means something else, so it is refused.
    Literal,
    /// Variables expanded (a redirect's `return`, headers, `proxy_pass`):
    /// nginx has no escape for `$`, so a value with one cannot be written;
    /// empty is a value.
    Expanded,
    /// A response body (`return 200 TEXT`): [`Arg::Expanded`], and its
    /// line breaks and tabs written as the escapes nginx reads in quotes
    /// (a robots.txt), which nowhere else may hold one (a header's value
    /// with one would be a header of its own).
    Body,
}

/// The longest token stackc writes, in bytes as written (quotes and
/// escapes included). nginx reads a parameter into its 4 KB configuration
/// buffer and refuses one that fills it ("too long parameter": 4,095 bytes
/// with `nginx -t` of Debian's 1.22); this leaves room for the few bytes
/// stackc appends to a value (`$1`).
pub(crate) const MAX_TOKEN: usize = 4000;

/// A value as one nginx token that reads back as the same string.
fn token(value: &str, arg: Arg) -> Result<String, &'static str> {
    let written = unbounded_token(value, arg)?;
    if written.len() > MAX_TOKEN {
        return Err("nginx cannot read a value this long: a parameter must stay under 4 KB");
    }
    Ok(written)
}

fn unbounded_token(value: &str, arg: Arg) -> Result<String, &'static str> {
    if value.is_empty() && arg == Arg::Literal {
        return Err("nginx needs a value here");
    }
    let escaped = |c: char| arg == Arg::Body && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !escaped(c)) {
        return Err("nginx.conf cannot hold control characters here");
    }
    if arg != Arg::Literal && value.contains('$') {
        return Err("nginx reads `$` here as a variable and has no escape for it: an nginx variable goes in a raw `nginx \"...\"` line");
    }
    if !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-~:@*+%=,!$".contains(c))
    {
        return Ok(value.to_string());
    }
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    Ok(quoted)
}

#[cfg(test)]
mod tests {
    use super::headers::{HSTS, SECURITY_HEADERS};
    use super::*;

    #[test]
    fn tokens_are_bare_or_quoted() {
        assert_eq!(token("/static/", Arg::Literal).unwrap(), "/static/");
        assert_eq!(token("a b;{}", Arg::Literal).unwrap(), "\"a b;{}\"");
        assert_eq!(token("x\"y\\", Arg::Literal).unwrap(), "\"x\\\"y\\\\\"");
        assert_eq!(token("a$b", Arg::Literal).unwrap(), "a$b");
        assert!(token("a\nb", Arg::Literal).is_err());
        assert!(token("ok\r\nSet-Cookie: x", Arg::Expanded).is_err());
        assert_eq!(token("a\nb\tc\r", Arg::Body).unwrap(), "\"a\\nb\\tc\\r\"");
        assert!(token("a\u{7}b", Arg::Body).is_err());
        assert!(token("", Arg::Literal).is_err());
    }

    #[test]
    fn expanded_values_refuse_dollars_and_may_be_empty() {
        assert_eq!(token("", Arg::Expanded).unwrap(), "\"\"");
        assert_eq!(
            token("max-age=63072000; includeSubDomains", Arg::Expanded).unwrap(),
            "\"max-age=63072000; includeSubDomains\""
        );
        assert!(token("a$b", Arg::Expanded).is_err());
        assert!(token("${x}", Arg::Expanded).is_err());
    }

    /// The proxy's nginx.conf for a spec of one proxy in front of `web`,
    /// its server statements given; `c` and `k` are TLS secrets.
    fn conf(server: &str) -> String {
        conf_with_upstream("server web:80", server)
    }

    /// The config of a proxy whose upstream `app` holds `upstream`.
    fn conf_with_upstream(upstream: &str, server: &str) -> String {
        let spec = format!(
            "stack t\nsecret c file \"c.pem\"\nsecret k file \"k.pem\"\n\
             service web {{\n image nginx:1.30\n user 101\n}}\n\
             proxy nginx {{\n upstream app {{\n {upstream}\n }}\n{server}\n}}\n"
        );
        let source = crate::source::SourceFile::new("t.spec".to_string(), spec);
        let build = crate::build(&source, &Layout::new("/t/t.spec", "/t/out"));
        let artifacts = build.artifacts.unwrap_or_else(|| panic!("{:#?}", build.diagnostics));
        let conf = artifacts.into_iter().find(|a| a.path == "nginx/nginx.conf");
        conf.expect("the proxy has an nginx.conf").contents
    }

    fn tls_conf(server: &str) -> String {
        conf(&format!("listen 443 tls\ntls certificate c key k\n{server}"))
    }

    #[test]
    fn every_server_sends_the_security_headers_unless_the_app_does() {
        let conf = conf("location / {\n proxy_pass app\n}");
        for header in &SECURITY_HEADERS {
            assert!(conf.contains(header.map().lines().next().unwrap()), "{conf}");
            let line = format!("        add_header {} {} always;\n", header.name, header.variable());
            assert_eq!(conf.matches(&line).count(), 1, "{conf}");
        }
        assert!(
            conf.contains("    map $upstream_http_x_frame_options $default_x_frame_options {\n        \"\" DENY;\n")
        );
        assert!(!conf.contains("Strict-Transport-Security"), "{conf}");
    }

    #[test]
    fn tls_servers_get_hsts_unless_they_set_it() {
        let conf = tls_conf(
            "location / {\n proxy_pass app\n add_header X-A b\n}\n\
             location /b/ {\n proxy_pass app\n}",
        );
        let hsts = "add_header Strict-Transport-Security $default_strict_transport_security always;";
        // Once in the server, and again where a location sets a header.
        assert_eq!(conf.matches(hsts).count(), 2, "{conf}");
        assert!(conf.contains(HSTS.map().lines().next().unwrap()), "{conf}");
        let own = tls_conf("add_header strict-transport-security \"max-age=0\"");
        assert!(!own.contains("31536000"), "{own}");
        assert!(
            own.contains("add_header strict-transport-security max-age=0 always;"),
            "{own}"
        );
    }

    #[test]
    fn an_empty_value_turns_a_default_off() {
        let conf = tls_conf(
            "add_header Strict-Transport-Security \"\"\n\
             location / {\n proxy_pass app\n add_header x-frame-options \"\"\n}",
        );
        // Written empty (nginx sends no header), in its place; no server
        // sends HSTS, so it has no map.
        assert!(!conf.contains("map $upstream_http_strict"), "{conf}");
        let location = &conf[conf.find("location /").unwrap()..];
        let expected = "add_header X-Content-Type-Options $default_x_content_type_options always;\n            \
                        add_header x-frame-options \"\" always;\n            \
                        add_header Referrer-Policy $default_referrer_policy always;\n            \
                        add_header Strict-Transport-Security \"\" always;\n";
        assert!(location.contains(expected), "{conf}");
    }

    /// nginx reads a relative `include` from nginx.conf's folder, which is
    /// `/etc/nginx` in the image: written out, it names the same file
    /// wherever the configuration is checked. Others stay as written.
    #[test]
    fn a_relative_include_is_written_from_nginx_confs_folder() {
        let conf = conf(
            "nginx \"root /var/www/html\"\n\
             location / {\n nginx \"include fastcgi_params\"\n nginx \"fastcgi_pass app\"\n}\n\
             location /a/ {\n nginx \"include /etc/nginx/uwsgi_params\"\n nginx \"uwsgi_pass app\"\n}\n\
             location /b/ {\n nginx \"include 'snippets/my params.conf'\"\n proxy_pass app\n}",
        );
        assert!(
            conf.contains("            include /etc/nginx/fastcgi_params;\n"),
            "{conf}"
        );
        assert!(
            conf.contains("            include /etc/nginx/uwsgi_params;\n"),
            "{conf}"
        );
        assert!(
            conf.contains("            include \"/etc/nginx/snippets/my params.conf\";\n"),
            "{conf}"
        );
    }

    #[test]
    fn an_upstream_that_keeps_connections_is_asked_to_by_its_locations() {
        let conf = conf_with_upstream(
            "server web:80\n nginx \"keepalive 16\"\n nginx \"least_conn\"",
            "location / {\n proxy_pass app\n}\nlocation /ws/ {\n proxy_pass app\n websocket\n}\n\
             location /raw/ {\n proxy_pass app\n nginx \"proxy_http_version 1.0\"\n nginx \"proxy_set_header Connection close\"\n}\n\
             location /other/ {\n proxy_pass web:80\n}",
        );
        let upstream = &conf[conf.find("upstream app {").unwrap()..];
        let upstream = &upstream[..upstream.find('}').unwrap()];
        assert_eq!(
            upstream, "upstream app {\n        least_conn;\n        keepalive 16;\n        server web:80;\n    ",
            "{conf}"
        );
        let location = |path: &str| {
            let at = conf.find(&format!("location {path} {{")).unwrap();
            conf[at..at + conf[at..].find('}').unwrap()].to_string()
        };
        let plain = location("/");
        assert!(plain.contains("proxy_http_version 1.1;\n"), "{plain}");
        assert!(plain.contains("proxy_set_header Connection \"\";\n"), "{plain}");
        // An upgrade's own `Connection` header, once.
        let websocket = location("/ws/");
        assert!(
            websocket.contains("proxy_set_header Connection $connection_upgrade;\n"),
            "{websocket}"
        );
        assert_eq!(
            websocket.matches("proxy_set_header Connection").count(),
            1,
            "{websocket}"
        );
        assert_eq!(websocket.matches("proxy_http_version").count(), 1, "{websocket}");
        // Raw lines say otherwise, and stand alone.
        let raw = location("/raw/");
        assert_eq!(raw.matches("proxy_http_version").count(), 1, "{raw}");
        assert!(raw.contains("proxy_http_version 1.0;\n"), "{raw}");
        assert_eq!(raw.matches("proxy_set_header Connection").count(), 1, "{raw}");
        // The upstream stackc declares for `web:80` keeps none.
        let other = location("/other/");
        assert!(
            !other.contains("proxy_http_version") && !other.contains("Connection"),
            "{other}"
        );
    }

    #[test]
    fn raw_lines_replace_what_stackc_writes() {
        let conf = tls_conf(
            "nginx \"ssl_ciphers HIGH\"\n\
             nginx \"add_header X-Frame-Options SAMEORIGIN\"\n\
             location / {\n proxy_pass app\n websocket\n\
             nginx \"proxy_set_header host $http_host\"\n nginx \"proxy_http_version 2\"\n}",
        );
        assert!(!conf.contains(TLS12_CIPHERS), "{conf}");
        assert_eq!(conf.matches("ssl_ciphers").count(), 1, "{conf}");
        assert!(
            conf.contains("        add_header X-Frame-Options SAMEORIGIN;\n"),
            "{conf}"
        );
        assert!(!conf.contains("$default_x_frame_options"), "{conf}");
        // In stackc's Host slot: one Host header, the raw line's value.
        assert_eq!(
            conf.to_lowercase().matches("proxy_set_header host").count(),
            1,
            "{conf}"
        );
        assert!(
            conf.contains("proxy_pass http://app;\n            proxy_set_header Host $http_host;\n"),
            "{conf}"
        );
        assert_eq!(conf.matches("proxy_http_version").count(), 1, "{conf}");
    }

    #[test]
    fn raw_http_lines_go_after_stackcs_settings_and_replace_theirs() {
        let conf = conf(
            "nginx http \"proxy_cache_path /tmp/cache keys_zone=pages:10m\"\n\
             nginx http \"log_format timed '$remote_addr $request_time'\"\n\
             nginx http \"access_log /dev/stdout timed\"\n\
             nginx http \"include /etc/nginx/extra.types\"\n\
             location / {\n proxy_pass app\n nginx \"proxy_cache pages\"\n}",
        );
        let http = &conf[conf.find("http {").unwrap()..conf.find("upstream app").unwrap()];
        let expected = "    scgi_temp_path /tmp/scgi_temp;\n    \
                        proxy_cache_path /tmp/cache keys_zone=pages:10m;\n    \
                        log_format timed '$remote_addr $request_time';\n    \
                        access_log /dev/stdout timed;\n    \
                        include /etc/nginx/extra.types;\n";
        assert!(http.contains(expected), "{conf}");
        // The raw `access_log` replaces stackc's; an `include` adds a file.
        assert_eq!(conf.matches("access_log").count(), 1, "{conf}");
        assert!(conf.contains("include /etc/nginx/mime.types;"), "{conf}");
    }

    #[test]
    fn durations_use_the_largest_exact_unit() {
        assert_eq!(nginx_time(Duration(90_000)), "90s");
        assert_eq!(nginx_time(Duration(300_000)), "5m");
        assert_eq!(nginx_time(Duration(7_200_000)), "2h");
        assert_eq!(nginx_time(Duration(1_500)), "1500ms");
    }
}
