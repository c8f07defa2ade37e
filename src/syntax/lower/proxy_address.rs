//! `proxy_pass SERVICE:PORT [PATH]` and `proxy_pass http://SERVICE:PORT[PATH]`:
//! the forms nginx users write first. Each becomes an upstream of one
//! server, declared for the user, so the rest of the pipeline (resolution,
//! the port checks, the emitter) sees only named upstreams.

use crate::diagnostic::Diagnostic;
use crate::ir::{Location, LocationAction, Server, Upstream, UpstreamServer};
use crate::source::{Span, Spanned};

/// One `SERVICE:PORT` written in a `proxy_pass`.
pub(super) struct Address {
    pub service: Spanned<String>,
    pub port: Spanned<u16>,
    /// The whole address, `http://` included.
    pub span: Span,
}

/// What a `proxy_pass` line holds once its address form is recognised.
pub(super) enum Target {
    /// `proxy_pass UPSTREAM [PATH]`, the named form.
    Named,
    /// An address, and the URI path written after it.
    Address(Address, Option<Spanned<String>>),
    /// An address form that cannot be read, already reported.
    Broken,
}

/// Reads the address forms out of what the grammar split into a name and
/// the text after it: `backend:8000/api` is the name `backend` and the
/// text `:8000/api`; `http://backend:8000` is `http` and `://backend:8000`.
pub(super) fn read(name: &Spanned<String>, rest: Option<&Spanned<String>>, report: &mut Vec<Diagnostic>) -> Target {
    let Some(rest) = rest.filter(|rest| rest.span.start() == name.span.end()) else {
        return Target::Named;
    };
    if let Some(userinfo) = userinfo(name, rest) {
        report.push(
            Diagnostic::error("invalid-proxy-pass", "a `proxy_pass` address takes no user or password")
                .primary(userinfo, "nginx does not log in to an upstream with these")
                .secret(userinfo)
                .help("write `proxy_pass SERVICE:PORT`; nginx.conf is part of the proxy's image, so no credential belongs in it: let the app trust requests from the proxy's network"),
        );
        return Target::Broken;
    }
    let (service, after_service) = if let Some(host) = rest.value.strip_prefix("://") {
        if !name.value.eq_ignore_ascii_case("http") {
            report.push(
                Diagnostic::error(
                    "invalid-proxy-pass",
                    format!("stackc proxies over HTTP, not `{}`", name.value),
                )
                .primary(name.span, "an upstream is reached over plain HTTP inside the stack")
                .help("write `proxy_pass SERVICE:PORT`; TLS ends at the proxy (`tls` in its server)"),
            );
            return Target::Broken;
        }
        let start = rest.span.start() + 3;
        let end = host.find([':', '/']).unwrap_or(host.len());
        let service = Spanned::new(host[..end].to_string(), Span::new(start, start + end));
        (
            service,
            Spanned::new(host[end..].to_string(), Span::new(start + end, rest.span.end())),
        )
    } else if rest.value.starts_with(':') {
        (name.clone(), rest.clone())
    } else {
        return Target::Named;
    };
    let Some(port_and_path) = after_service.value.strip_prefix(':') else {
        report.push(
            Diagnostic::error("invalid-proxy-pass", format!("`{}` needs a port", service.value))
                .primary(service.span, "no `:PORT` after the service")
                .help(format!(
                    "write `proxy_pass {}:PORT` with the port the service listens on",
                    service.value
                )),
        );
        return Target::Broken;
    };
    let digits = port_and_path
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(port_and_path.len());
    let port_start = after_service.span.start() + 1;
    let port_span = Span::new(port_start, port_start + digits);
    let port = match port_and_path[..digits].parse::<u16>() {
        Ok(port) if port > 0 => Spanned::new(port, port_span),
        _ => {
            report.push(
                Diagnostic::error("invalid-port", format!("`{}` is not a port", &port_and_path[..digits]))
                    .primary(Span::new(port_start, after_service.span.end()), "ports are 1 to 65535")
                    .help(format!(
                        "write `proxy_pass {}:PORT` with a port from 1 to 65535",
                        service.value
                    )),
            );
            return Target::Broken;
        }
    };
    if service.value.is_empty()
        || !service
            .value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
    {
        report.push(
            Diagnostic::error(
                "invalid-proxy-pass",
                "a `proxy_pass` address names a service of the stack",
            )
            .primary(service.span, "not a service name")
            .help("write `proxy_pass SERVICE:PORT`, e.g. `proxy_pass web:8000`"),
        );
        return Target::Broken;
    }
    let path = &port_and_path[digits..];
    let path = (!path.is_empty()).then(|| Spanned::new(path.to_string(), Span::new(port_span.end(), rest.span.end())));
    let address = Address {
        span: Span::new(name.span.start(), port_span.end()),
        service,
        port,
    };
    Target::Address(address, path)
}

/// Where an address written as `USER:PASSWORD@SERVICE:PORT` (with or
/// without `http://`) holds its user and password: everything before the
/// `@` of its host part.
fn userinfo(name: &Spanned<String>, rest: &Spanned<String>) -> Option<Span> {
    let (start, host) = match rest.value.strip_prefix("://") {
        Some(host) => (rest.span.start() + 3, host.to_string()),
        None => (name.span.start(), format!("{}{}", name.value, rest.value)),
    };
    let authority = host.split('/').next().unwrap_or_default();
    let at = authority.rfind('@')?;
    Some(Span::new(start, start + at))
}

/// Declares an upstream for each address the proxy's locations name, and
/// points those locations at it. An upstream is named after its service,
/// or `SERVICE_PORT` where the service is reached on two ports or the
/// proxy declares an upstream of that name itself.
pub(super) fn declare(upstreams: &mut Vec<Upstream>, servers: &mut [Server], addresses: Vec<Address>) {
    if addresses.is_empty() {
        return;
    }
    let declared: Vec<String> = upstreams.iter().map(|u| u.name.value.clone()).collect();
    let name_of = |address: &Address| {
        let service = &address.service.value;
        let other_port = addresses
            .iter()
            .any(|a| a.service.value == *service && a.port.value != address.port.value);
        if other_port || declared.iter().any(|d| d == service) {
            format!("{service}_{}", address.port.value)
        } else {
            service.clone()
        }
    };
    for location in servers.iter_mut().flat_map(|s| s.locations.iter_mut()) {
        if let Some(address) = addresses.iter().find(|a| is_written_in(a, location)) {
            if let LocationAction::ProxyPass(pass) = &mut location.action {
                pass.upstream.value = name_of(address);
            }
        }
    }
    for address in &addresses {
        let name = name_of(address);
        if upstreams.iter().any(|u| u.name.value == name) {
            continue;
        }
        upstreams.push(Upstream {
            name: Spanned::new(name, address.service.span),
            servers: vec![UpstreamServer {
                service: address.service.clone(),
                port: address.port.clone(),
                weight: None,
                span: address.span,
            }],
            raw: Vec::new(),
            span: address.span,
        });
    }
}

/// Whether `location` forwards to the address (its upstream name stands
/// where the address was written).
fn is_written_in(address: &Address, location: &Location) -> bool {
    matches!(&location.action, LocationAction::ProxyPass(pass) if pass.upstream.span == address.service.span)
}

#[cfg(test)]
mod tests {
    use crate::ir::{LocationAction, ServiceKind};
    use crate::source::SourceFile;

    /// The upstreams of the spec's proxy, and where each location goes.
    fn proxy_of(spec: &str) -> (Vec<(String, String)>, Vec<String>) {
        let (stack, diagnostics) = crate::syntax::parse(&SourceFile::new("t.spec", spec));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let stack = stack.expect("parses");
        let proxy = stack
            .services
            .iter()
            .find_map(|s| match &s.kind {
                ServiceKind::Proxy(p) => Some(p.clone()),
                _ => None,
            })
            .expect("a proxy");
        let upstreams = (proxy.upstreams.iter())
            .map(|u| {
                let server = &u.servers[0];
                (
                    u.name.value.clone(),
                    format!("{}:{}", server.service.value, server.port.value),
                )
            })
            .collect();
        let passes = (proxy.servers.iter().flat_map(|s| &s.locations))
            .map(|l| match &l.action {
                LocationAction::ProxyPass(p) => {
                    format!(
                        "{}{}",
                        p.upstream.value,
                        p.uri.as_ref().map_or("", |u| u.value.as_str())
                    )
                }
                _ => String::new(),
            })
            .collect();
        (upstreams, passes)
    }

    #[test]
    fn an_address_becomes_an_upstream_named_after_its_service() {
        let (upstreams, passes) = proxy_of(
            "stack s\nproxy p {\n    location / { proxy_pass web:8000 }\n    location /api/ { proxy_pass http://web:8000/v1/ }\n}\n",
        );
        assert_eq!(upstreams, [("web".to_string(), "web:8000".to_string())]);
        assert_eq!(passes, ["web", "web/v1/"]);
    }

    #[test]
    fn two_ports_or_a_declared_name_give_port_suffixed_names() {
        let (upstreams, passes) = proxy_of(
            "stack s\nproxy p {\n    upstream api { server web:9000 }\n    location / { proxy_pass web:8000 }\n    location /ws/ { proxy_pass web:8001 }\n    location /api/ { proxy_pass api:7000 }\n    location /x/ { proxy_pass api }\n}\n",
        );
        let names: Vec<&str> = upstreams.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["api", "web_8000", "web_8001", "api_7000"]);
        assert_eq!(passes, ["web_8000", "web_8001", "api_7000", "api"]);
    }
}
