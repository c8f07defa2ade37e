//! Lowering of `proxy` blocks: upstreams, servers (a `server { ... }` block
//! or the proxy-level shorthand for one), locations and their settings.

use crate::syntax::tree::Pair;

use super::proxy_address::{self, Target};
use super::raw_nginx::{Place, RawNginx};
use super::{next, span, Lowerer, ServiceBlock, DEFAULT_NGINX_IMAGE};
use crate::diagnostic::Diagnostic;
use crate::ir::*;
use crate::source::{Span, Spanned};
use crate::syntax::grammar::Rule;

/// The statements of one server, gathered while lowering: from a
/// `server { ... }` block, or from the proxy's own lines (the shorthand).
#[derive(Default)]
struct ServerParts {
    listens: Vec<Listen>,
    server_names: Option<(Vec<Spanned<String>>, Span)>,
    tls: Option<(Tls, Span)>,
    redirect_https: Option<(Span, Span)>,
    settings: SettingParts,
    locations: Vec<Location>,
    /// The first statement, for the shorthand-and-blocks message.
    first: Option<Span>,
}

/// The settings of a server or a location, with each statement's span so a
/// second one can point at the first.
#[derive(Default)]
struct SettingParts {
    client_max_body_size: Option<(Spanned<Size>, Span)>,
    read_timeout: Option<(Spanned<Duration>, Span)>,
    connect_timeout: Option<(Spanned<Duration>, Span)>,
    send_timeout: Option<(Spanned<Duration>, Span)>,
    response_headers: Vec<Header>,
    request_headers: Vec<Header>,
    raw: Vec<RawDirective>,
}

impl SettingParts {
    fn finish(self) -> Settings {
        Settings {
            client_max_body_size: self.client_max_body_size.map(|(v, _)| v),
            read_timeout: self.read_timeout.map(|(v, _)| v),
            connect_timeout: self.connect_timeout.map(|(v, _)| v),
            send_timeout: self.send_timeout.map(|(v, _)| v),
            response_headers: self.response_headers,
            request_headers: self.request_headers,
            raw: self.raw,
        }
    }
}

impl ServerParts {
    fn finish(self, span: Span) -> Server {
        Server {
            listens: self.listens,
            server_names: self.server_names.map(|(n, _)| n).unwrap_or_default(),
            tls: self.tls.map(|(t, _)| t),
            redirect_https: self.redirect_https.map(|(r, _)| r),
            settings: self.settings.finish(),
            locations: self.locations,
            span,
        }
    }
}

impl Lowerer {
    pub(super) fn lower_proxy(&mut self, pair: Pair<'_>) -> Service {
        let (mut block, items) = ServiceBlock::new(self, pair, "proxy");
        let mut upstreams = Vec::new();
        let mut shorthand = ServerParts::default();
        self.proxy_addresses.clear();
        let mut servers: Vec<Server> = Vec::new();
        let mut http = Vec::new();
        for item in items {
            match item.as_rule() {
                Rule::upstream => upstreams.push(self.lower_upstream(item)),
                Rule::raw_nginx_http => {
                    let mut inner = item.into_inner();
                    let _keywords = (next(&mut inner, "kw_nginx"), next(&mut inner, "kw_http"));
                    let text = self.lower_text(next(&mut inner, "raw_nginx_http"));
                    if let Some(RawNginx::Directive(directive)) = self.lower_raw_nginx(text, Place::Http) {
                        http.push(directive);
                    }
                }
                Rule::server => servers.push(self.lower_server(item)),
                rule if is_server_item(rule) => self.lower_server_item(item, &mut shorthand),
                _ => block.common(self, item),
            }
        }
        match (shorthand.first, servers.first()) {
            (Some(at), Some(first_server)) => self.report(
                Diagnostic::error(
                    "mixed-server-forms",
                    "a proxy with `server` blocks cannot also have server statements of its own",
                )
                .primary(at, "this belongs in a `server` block")
                .secondary(first_server.span, "the proxy has `server` blocks")
                .help(
                    "move `listen`, `server_name`, `location` and the other server statements into a \
                     `server { ... }` block; writing them in the proxy is the shorthand for a proxy with one server",
                ),
            ),
            (_, None) => servers.push(shorthand.finish(block.span)),
            _ => {}
        }
        proxy_address::declare(&mut upstreams, &mut servers, std::mem::take(&mut self.proxy_addresses));
        if block.image.is_none() {
            let text = Spanned::new(DEFAULT_NGINX_IMAGE.to_string(), block.name.span);
            let image = self.parse_image_ref(text);
            block.image = Some((ImageSource::Image(image), block.name.span));
        }
        block.finish(
            self,
            ServiceKind::Proxy(Box::new(Proxy::new(upstreams, servers).with_http(http))),
        )
    }

    fn lower_server(&mut self, pair: Pair<'_>) -> Server {
        let at = span(&pair);
        let mut parts = ServerParts::default();
        for item in pair.into_inner().skip(1) {
            self.lower_server_item(item, &mut parts);
        }
        parts.finish(at)
    }

    fn lower_server_item(&mut self, item: Pair<'_>, server: &mut ServerParts) {
        let at = span(&item);
        server.first.get_or_insert(at);
        match item.as_rule() {
            Rule::listen => {
                let mut inner = item.into_inner();
                next(&mut inner, "listen"); // kw_listen
                let port = self.lower_port(next(&mut inner, "listen"));
                let tls = inner.next().map(|t| span(&t));
                server.listens.push(Listen { port, tls, span: at });
            }
            Rule::server_name => {
                let names = item.into_inner().skip(1).map(|t| self.lower_text(t)).collect();
                self.set_once(&mut server.server_names, names, at, "server_name");
            }
            Rule::tls => {
                // kw_tls, kw_certificate, NAME, kw_key, NAME
                let mut inner = item.into_inner();
                let certificate = self.lower_name(next(&mut inner.by_ref().skip(2), "tls"));
                let key = self.lower_name(next(&mut inner.skip(1), "tls"));
                let tls = Tls {
                    certificate,
                    key,
                    span: at,
                };
                self.set_once(&mut server.tls, tls, at, "tls");
            }
            Rule::redirect => self.set_once(&mut server.redirect_https, at, at, "redirect"),
            Rule::location => {
                if let Some(location) = self.lower_location(item) {
                    server.locations.push(location);
                }
            }
            _ => self.lower_setting(item, Place::Server, &mut server.settings),
        }
    }

    fn lower_upstream(&mut self, pair: Pair<'_>) -> Upstream {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "upstream"); // kw_upstream
        let name = self.lower_name(next(&mut inner, "upstream"));
        let mut servers: Vec<UpstreamServer> = Vec::new();
        let mut raw = Vec::new();
        for item in inner {
            match item.as_rule() {
                Rule::raw_nginx => {
                    let mut words = item.into_inner();
                    next(&mut words, "raw_nginx"); // kw_nginx
                    let text = self.lower_text(next(&mut words, "raw_nginx"));
                    if let Some(RawNginx::Directive(directive)) = self.lower_raw_nginx(text, Place::Upstream) {
                        raw.push(directive);
                    }
                }
                _ => servers.push(self.lower_upstream_server(item)),
            }
        }
        if servers.is_empty() {
            self.report(
                Diagnostic::error("empty-upstream", format!("upstream `{}` has no servers", name.value))
                    .primary(name.span, "nginx needs at least one server here")
                    .help("add a line such as `server web:8000`"),
            );
        }
        Upstream {
            name,
            servers,
            raw,
            span: at,
        }
    }

    fn lower_upstream_server(&mut self, pair: Pair<'_>) -> UpstreamServer {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "upstream_server"); // kw_server
        let mut address = next(&mut inner, "upstream_server").into_inner();
        let service = self.lower_name(next(&mut address, "server_address"));
        let port = self.lower_port(next(&mut address, "server_address"));
        // `[weight N]`: kw_weight, then the number.
        let weight = inner.nth(1).map(|w| self.lower_integer(w));
        if let Some(w) = &weight {
            if w.value == 0 {
                self.report(
                    Diagnostic::error("invalid-number", "an upstream weight is at least 1")
                        .primary(w.span, "nginx rejects a weight of 0")
                        .help("use `weight 1` or more"),
                );
            }
        }
        UpstreamServer {
            service,
            port,
            weight,
            span: at,
        }
    }

    fn lower_location(&mut self, pair: Pair<'_>) -> Option<Location> {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "location"); // kw_location
        let (kind, path) = self.lower_location_match(&mut inner);
        let mut action: Option<(LocationAction, Span)> = None;
        let mut websocket = None;
        let mut settings = SettingParts::default();
        let mut unreadable_proxy_pass = false;
        for item in inner {
            let item_span = span(&item);
            let value = match item.as_rule() {
                Rule::proxy_pass => match self.lower_proxy_pass(item) {
                    Some(pass) => LocationAction::ProxyPass(pass),
                    None => {
                        unreadable_proxy_pass = true;
                        continue;
                    }
                },
                Rule::alias => LocationAction::Alias(self.lower_alias(item)),
                Rule::return_action => LocationAction::Return(self.lower_return(item)),
                Rule::websocket => {
                    self.set_once(&mut websocket, item_span, item_span, "websocket");
                    continue;
                }
                _ => {
                    self.lower_setting(item, Place::Location, &mut settings);
                    continue;
                }
            };
            if let Some((_, first)) = &action {
                let first = *first;
                self.report(
                    Diagnostic::error("conflicting-statements", "a location does one thing")
                        .primary(item_span, "a second action")
                        .secondary(first, "first action")
                        .help(
                            "use one of `proxy_pass UPSTREAM`, `alias VOLUME` or `return CODE`, and another location for the rest",
                        ),
                );
            } else {
                action = Some((value, item_span));
            }
        }
        if action.is_none() && unreadable_proxy_pass {
            // Reported already: nothing more is known of the location.
            return None;
        }
        let settings = settings.finish();
        let action = self.location_action(action, &settings);
        if let LocationAction::ProxyPass(ProxyPass { uri: Some(uri), .. }) = &action {
            // The emitter matches the path against the request as sent, so
            // it must be what a client sends unencoded.
            if !kind.is_prefix() && kind != LocationKind::Exact {
                self.report(
                    Diagnostic::error("invalid-path", "only a path location can replace its path")
                        .primary(uri.span, "replaces the location's path")
                        .secondary(path.span, "a regular expression or a name has no path to replace")
                        .help("write `proxy_pass UPSTREAM` without a path (nginx refuses a URI here)"),
                );
            } else if !path
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-~".contains(c))
            {
                self.report(
                    Diagnostic::error("invalid-path", "a location that replaces its path needs a plain path")
                        .primary(path.span, "only letters, digits and `/ . _ - ~` here")
                        .secondary(uri.span, "replaces the location's path")
                        .help("use a plain location path, or `proxy_pass UPSTREAM` without a path"),
                );
            }
        }
        if !matches!(action, LocationAction::ProxyPass(_)) {
            let ignored = websocket.map(|(w, _)| w).into_iter().chain(settings.proxy_only());
            for ignored in ignored.collect::<Vec<_>>() {
                self.report(
                    Diagnostic::error("needs-proxy-pass", "this only applies where requests are proxied")
                        .primary(ignored, "has no effect in this location")
                        .secondary(path.span, "this location does not `proxy_pass`")
                        .help("remove it, or move it to a location that forwards to an upstream"),
                );
            }
        }
        if let LocationAction::Alias(alias) = &action {
            if !kind.is_prefix() && kind != LocationKind::Exact {
                self.report(
                    Diagnostic::error("alias-needs-path", "only a path location can serve a volume")
                        .primary(alias.volume.span, "serves files by the location's path")
                        .secondary(path.span, "a regular expression or a name has no path to serve under")
                        .help("serve the volume from a prefix location (`location ^~ /static/ { alias VOLUME }`)"),
                );
            }
        }
        Some(Location {
            path,
            kind,
            action,
            websocket: websocket.map(|(w, _)| w),
            settings,
            span: at,
        })
    }

    /// `= /path`, `^~ /path`, `~ "regex"`, `~* "regex"`, `@name` or
    /// `/path`: how the location matches, and its path, regex or name.
    fn lower_location_match(&mut self, inner: &mut crate::syntax::tree::Pairs<'_>) -> (LocationKind, Spanned<String>) {
        let first = next(inner, "location");
        if first.as_rule() == Rule::location_name {
            let name = next(&mut first.into_inner(), "location_name");
            return (LocationKind::Named, self.lower_plain(name));
        }
        let (kind, text) = if first.as_rule() == Rule::location_modifier {
            let kind = match first.as_str() {
                "=" => LocationKind::Exact,
                "^~" => LocationKind::PrefixFirst,
                "~*" => LocationKind::Regex { caseless: true },
                _ => LocationKind::Regex { caseless: false },
            };
            (kind, next(inner, "location"))
        } else {
            (LocationKind::Prefix, first)
        };
        let quoted = text.into_inner().next().is_some_and(|v| v.as_rule() == Rule::string);
        let path = self.lower_text(text);
        if kind.is_regex() {
            if !quoted {
                self.report(
                    Diagnostic::error("invalid-regex", "a location's regular expression is written in quotes")
                        .primary(path.span, "not quoted")
                        .help(format!(
                            "write `location {} \"{}\" {{ ... }}`",
                            kind.modifier(),
                            path.value
                        )),
                );
            } else if let Some(problem) = super::location_regex::problem(&path.value) {
                self.report(
                    Diagnostic::error("invalid-regex", "nginx cannot compile this regular expression")
                        .primary(path.span, problem)
                        .help("fix the regular expression: nginx does not start with one PCRE cannot compile"),
                );
            }
        } else if !path.value.starts_with('/') {
            self.report(
                Diagnostic::error("invalid-path", "a location path starts with `/`")
                    .primary(path.span, "not an absolute URL path")
                    .help(format!("write `location /{} {{ ... }}`", path.value)),
            );
        }
        (kind, path)
    }

    /// What answers a location: its typed action, else a raw directive
    /// that answers, else the files of the root it inherits, which
    /// resolution and lint's `location-without-action` look at. A raw
    /// handler beside a typed action, or beside another raw one, is
    /// reported: nginx would silently use one of them. A raw `root` only
    /// says where files are, so it goes with a raw handler (`fastcgi_pass`
    /// reads it as PHP's document root), not with a typed action.
    fn location_action(&mut self, typed: Option<(LocationAction, Span)>, settings: &Settings) -> LocationAction {
        let raw = settings.raw.iter().filter_map(|directive| {
            let handler = RawHandler::of(&directive.name)?;
            let directive = Spanned::new(directive.name.clone(), directive.text.span);
            Some(RawAction { directive, handler })
        });
        let (roots, handlers): (Vec<_>, Vec<_>) = raw.partition(|a| a.handler == RawHandler::Files);
        if let Some((typed, typed_at)) = typed {
            // `alias media` with `nginx "mp4"` streams the volume's videos.
            let streams_alias =
                |a: &&RawAction| a.handler == RawHandler::Streams && matches!(typed, LocationAction::Alias(_));
            for second in roots.iter().chain(handlers.iter().filter(|a| !streams_alias(a))) {
                self.second_action(second, typed_at);
            }
            return typed;
        }
        let mut handlers = handlers.into_iter();
        let Some(first) = handlers.next() else {
            return roots
                .into_iter()
                .next()
                .map_or(LocationAction::InheritedRoot, LocationAction::Raw);
        };
        for second in handlers {
            self.second_action(&second, first.directive.span);
        }
        LocationAction::Raw(first)
    }

    fn second_action(&mut self, second: &RawAction, first: Span) {
        self.report(
            Diagnostic::error("conflicting-statements", "a location does one thing")
                .primary(
                    second.directive.span,
                    format!("a raw `{}` is a second action", second.directive.value),
                )
                .secondary(first, "the location's action")
                .help("keep one of the two, and use another location for the other"),
        );
    }

    /// `None` when the line holds an address that cannot be read (reported).
    fn lower_proxy_pass(&mut self, pair: Pair<'_>) -> Option<ProxyPass> {
        let mut inner = pair.into_inner();
        next(&mut inner, "proxy_pass"); // kw_proxy_pass
        let mut upstream = self.lower_name(next(&mut inner, "proxy_pass"));
        let mut uri = inner.next().map(|t| self.lower_text(t));
        match proxy_address::read(&upstream, uri.as_ref(), &mut self.diagnostics) {
            Target::Named => {}
            Target::Address(address, path) => {
                // Named after the upstream `proxy_address::declare` makes.
                upstream = address.service.clone();
                uri = path;
                self.proxy_addresses.push(address);
            }
            Target::Broken => return None,
        }
        if let Some(uri) = &uri {
            let problem = if !uri.value.starts_with('/') {
                Some("a URI part starts with `/`")
            } else if !uri.value.chars().all(is_uri_char) {
                Some("a URI part is letters, digits and `/ . _ - ~ % ! * + , : = @` (percent-encode the rest)")
            } else {
                None
            };
            if let Some(problem) = problem {
                self.report(
                    Diagnostic::error("invalid-path", "this is not a URI path for `proxy_pass`")
                        .primary(uri.span, problem)
                        .help(
                            "write the path that replaces the location's prefix, e.g. `proxy_pass api /` \
                             sends `/api/users` as `/users` from `location /api/`",
                        ),
                );
            }
        }
        Some(ProxyPass { upstream, uri })
    }

    /// `alias VOLUME [FOLDER]`; a folder that is not a plain relative path
    /// inside the volume (`..`, `/x`, a character nginx would read) is
    /// refused, since nginx would serve whatever it names.
    fn lower_alias(&mut self, pair: Pair<'_>) -> Alias {
        let mut inner = pair.into_inner();
        next(&mut inner, "alias"); // kw_alias
        let volume = self.lower_name(next(&mut inner, "alias"));
        let folder = inner.next().map(|t| self.lower_text(t)).and_then(|folder| {
            let trimmed = folder.value.strip_suffix('/').unwrap_or(&folder.value);
            if Alias::is_plain_folder(trimmed) {
                return Some(Spanned::new(trimmed.to_string(), folder.span));
            }
            self.report(
                Diagnostic::error("invalid-path", "this is not a folder inside the volume")
                    .primary(
                        folder.span,
                        "a folder is names of letters, digits and `. _ -`, joined by `/`, without `.` or `..`",
                    )
                    .help("write the folder relative to the volume's root, e.g. `alias media exports`"),
            );
            None
        });
        Alias { volume, folder }
    }

    fn lower_return(&mut self, pair: Pair<'_>) -> Return {
        let mut inner = pair.into_inner();
        next(&mut inner, "return_action"); // kw_return
        let code = self.lower_integer(next(&mut inner, "return_action"));
        let code = Spanned::new(u16::try_from(code.value).unwrap_or(0), code.span);
        let text = inner.next().map(|t| self.lower_text(t));
        let result = Return { code, text };
        if !(100..=599).contains(&result.code.value) {
            self.report(
                Diagnostic::error(
                    "invalid-status",
                    format!("`{}` is not an HTTP status", result.code.value),
                )
                .primary(result.code.span, "a status is 100 to 599")
                .help("for example `return 404`, or `return 301 https://example.com/`"),
            );
        } else if result.is_redirect() {
            let is_url = result.text.as_ref().is_some_and(|t| {
                ["/", "http://", "https://"]
                    .iter()
                    .any(|start| t.value.starts_with(start))
            });
            if !is_url {
                self.report(
                    Diagnostic::error(
                        "invalid-redirect",
                        format!("`return {}` needs a URL", result.code.value),
                    )
                    .primary(
                        result.text.as_ref().map_or(result.code.span, |t| t.span),
                        "expected a URL starting with `https://`, `http://` or `/`",
                    )
                    .help(format!(
                        "write `return {} https://example.com/`; to send every request to HTTPS, use \
                             `redirect to https` in the server",
                        result.code.value
                    )),
                );
            }
        }
        result
    }

    /// A setting of a server or a location (`place`).
    fn lower_setting(&mut self, item: Pair<'_>, place: Place, settings: &mut SettingParts) {
        let at = span(&item);
        let rule = item.as_rule();
        let mut inner = item.into_inner();
        let keyword = next(&mut inner, "setting");
        let what = keyword.as_str().to_string();
        match rule {
            Rule::client_max_body_size => {
                let size = self.lower_size(next(&mut inner, "client_max_body_size"));
                self.set_once(&mut settings.client_max_body_size, size, at, &what);
            }
            Rule::proxy_timeout => {
                let duration = self.lower_duration(next(&mut inner, "proxy_timeout"));
                if duration.value.0 == 0 {
                    self.report(
                        Diagnostic::error("invalid-duration", format!("`{what}` cannot be zero"))
                            .primary(duration.span, "nginx would give up at once")
                            .help("use a duration such as `60s` (nginx's default) or `5m`"),
                    );
                }
                let slot = match keyword.as_rule() {
                    Rule::kw_proxy_read_timeout => &mut settings.read_timeout,
                    Rule::kw_proxy_connect_timeout => &mut settings.connect_timeout,
                    _ => &mut settings.send_timeout,
                };
                self.set_once(slot, duration, at, &what);
            }
            Rule::add_header | Rule::proxy_set_header => {
                let name = self.lower_text(next(&mut inner, "header"));
                let value = self.lower_text(next(&mut inner, "header"));
                self.check_header_name(&name);
                let header = Header {
                    name,
                    value,
                    raw_args: None,
                    span: at,
                };
                match rule {
                    Rule::add_header => settings.response_headers.push(header),
                    _ => settings.request_headers.push(header),
                }
            }
            _ => {
                let text = self.lower_text(next(&mut inner, "raw_nginx"));
                match self.lower_raw_nginx(text, place) {
                    Some(RawNginx::ResponseHeader(header)) => settings.response_headers.push(header),
                    Some(RawNginx::RequestHeader(header)) => settings.request_headers.push(header),
                    Some(RawNginx::Directive(directive)) => settings.raw.push(directive),
                    None => {}
                }
            }
        }
    }

    /// Whether `name` is a header name; reports it when not.
    pub(super) fn check_header_name(&mut self, name: &Spanned<String>) -> bool {
        let ok = !name.value.is_empty() && name.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !ok {
            self.report(
                Diagnostic::error("invalid-header-name", format!("`{}` is not a header name", name.value))
                    .primary(name.span, "header names are letters, digits and `-`")
                    .help("for example `X-Frame-Options` or `Strict-Transport-Security`"),
            );
        }
        ok
    }
}

/// A character of a `proxy_pass` URI part: a URL path's, without those
/// nginx would need quoted (`;`, quotes) or read as a variable (`$`).
fn is_uri_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/._-~%!*+,:=@".contains(c)
}

/// The statements that belong to a server, in a `server` block or in the
/// proxy's shorthand.
fn is_server_item(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::listen
            | Rule::server_name
            | Rule::tls
            | Rule::redirect
            | Rule::location
            | Rule::client_max_body_size
            | Rule::proxy_timeout
            | Rule::add_header
            | Rule::proxy_set_header
            | Rule::raw_nginx
    )
}
