//! The proxy's `nginx.conf`: a conf.d file (upstreams and one server) that
//! the nginx image includes inside its `http` block.
//!
//! Escaping: every user value goes through [`token`], which writes it bare
//! when nginx would read it back unchanged, and double-quoted otherwise.

use std::fmt::Write as _;

use super::{header, served_path, Layout, Problems};
use crate::ir::{LocationAction, Proxy, Service};
use crate::source::Spanned;

/// The headers every proxied location sends besides `Host`, so the app
/// sees the client's address and scheme (SECURE_PROXY_SSL_HEADER).
const FORWARDED_HEADERS: [(&str, &str); 3] = [
    ("X-Real-IP", "$remote_addr"),
    ("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
    ("X-Forwarded-Proto", "$scheme"),
];

pub(super) fn emit(service: &Service, proxy: &Proxy, layout: &Layout, problems: &mut Problems) -> String {
    let host = host_header(service, proxy);
    let mut out = String::new();
    let _ = writeln!(out, "# {}", header(layout));
    for upstream in &proxy.upstreams {
        let _ = writeln!(out, "upstream {} {{", upstream.name.value);
        for server in &upstream.servers {
            let weight = server
                .weight
                .as_ref()
                .map(|w| format!(" weight={}", w.value))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    server {}:{}{weight};",
                server.service.value, server.port.value
            );
        }
        out.push_str("}\n\n");
    }

    out.push_str("server {\n");
    let _ = writeln!(out, "    listen {};", proxy.listen_port());
    if !proxy.server_names.is_empty() {
        let names: Vec<String> = proxy.server_names.iter().map(|n| checked(problems, n)).collect();
        let _ = writeln!(out, "    server_name {};", names.join(" "));
    }
    out.push_str("    server_tokens off;\n");
    for location in &proxy.locations {
        let path = checked(problems, &location.path);
        let _ = writeln!(out, "\n    location {path} {{");
        match &location.action {
            LocationAction::ProxyPass(upstream) => {
                let _ = writeln!(out, "        proxy_pass http://{};", upstream.value);
                let _ = writeln!(out, "        proxy_set_header Host {host};");
                for (name, value) in FORWARDED_HEADERS {
                    let _ = writeln!(out, "        proxy_set_header {name} {value};");
                }
            }
            LocationAction::Alias(volume) => {
                // Both end with `/`: resolution made the location end with
                // one, so a request cannot climb out of the folder.
                let _ = writeln!(out, "        alias {}/;", served_path(&volume.value));
            }
        }
        out.push_str("    }\n");
    }
    out.push_str("}\n");
    out
}

/// The `Host` the app sees: the client's, with the port it connected to
/// when nginx is published on every interface on a port that is not
/// HTTP's default. Django's CSRF check compares `Origin`
/// (`http://localhost:1337`) with the host, so the port must survive.
/// Published on one address (`127.0.0.1:8080`), nginx sits behind another
/// proxy whose port the client used, so the host stays as it came.
/// (`$http_host` would keep any port, but passes any client value through.)
fn host_header(service: &Service, proxy: &Proxy) -> String {
    let listen = proxy.listen_port();
    let mut host_ports: Vec<u16> = service
        .ports
        .iter()
        .filter(|p| p.container_port.value == listen && p.host_ip.is_none_or(|ip| ip.is_unspecified()))
        .map(|p| p.host_port.value)
        .collect();
    host_ports.sort_unstable();
    host_ports.dedup();
    match host_ports.as_slice() {
        [port] if *port != 80 => format!("$host:{port}"),
        _ => "$host".to_string(),
    }
}

fn checked(problems: &mut Problems, value: &Spanned<String>) -> String {
    problems.check(value, token(&value.value), "nginx.conf")
}

/// A value as one nginx token that reads back as the same string. The
/// directives it is used for (`server_name`, `location`) expand no
/// variables, so `$` is an ordinary character there.
fn token(value: &str) -> Result<String, &'static str> {
    if value.is_empty() {
        return Err("nginx needs a value here");
    }
    if value.chars().any(|c| c.is_control()) {
        return Err("nginx.conf cannot hold control characters here");
    }
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-~:@*+%=,!$".contains(c))
    {
        return Ok(value.to_string());
    }
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    Ok(quoted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bare_or_quoted() {
        assert_eq!(token("/static/").unwrap(), "/static/");
        assert_eq!(token("a b;{}").unwrap(), "\"a b;{}\"");
        assert_eq!(token("x\"y\\").unwrap(), "\"x\\\"y\\\\\"");
        assert!(token("a\nb").is_err());
        assert!(token("").is_err());
    }
}
