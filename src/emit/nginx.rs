//! The proxy's `nginx.conf`: a conf.d file (upstreams and one server) that
//! the nginx image includes inside its `http` block.
//!
//! Escaping: every user value goes through [`token`], which writes it bare
//! when nginx would read it back unchanged, and double-quoted otherwise.

use std::fmt::Write as _;

use super::{header, served_path, Layout, Problems};
use crate::ir::{LocationAction, Proxy, Stack};
use crate::source::Spanned;

/// The headers every proxied location sends, so the app sees the client's
/// host, address and scheme (Django's ALLOWED_HOSTS, SECURE_PROXY_SSL_HEADER).
const PROXY_HEADERS: [(&str, &str); 4] = [
    ("Host", "$host"),
    ("X-Real-IP", "$remote_addr"),
    ("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
    ("X-Forwarded-Proto", "$scheme"),
];

pub(super) fn emit(stack: &Stack, proxy: &Proxy, layout: &Layout, problems: &mut Problems) -> String {
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
        let names: Vec<String> = proxy
            .server_names
            .iter()
            .map(|n| checked(problems, n, Interpolation::No))
            .collect();
        let _ = writeln!(out, "    server_name {};", names.join(" "));
    }
    out.push_str("    server_tokens off;\n");
    for location in &proxy.locations {
        let path = checked(problems, &location.path, Interpolation::No);
        let _ = writeln!(out, "\n    location {path} {{");
        match &location.action {
            LocationAction::ProxyPass(upstream) => {
                let _ = writeln!(out, "        proxy_pass http://{};", upstream.value);
                for (name, value) in PROXY_HEADERS {
                    let _ = writeln!(out, "        proxy_set_header {name} {value};");
                }
            }
            LocationAction::Alias(volume) => {
                // Both ends with `/`: resolution made the location end with
                // one, so a request cannot climb out of the folder.
                let served = served_path(stack, volume);
                let folder = Spanned::new(format!("{}/", served.value), served.span);
                let _ = writeln!(out, "        alias {};", checked(problems, &folder, Interpolation::Yes));
            }
        }
        out.push_str("    }\n");
    }
    out.push_str("}\n");
    out
}

fn checked(problems: &mut Problems, value: &Spanned<String>, interpolation: Interpolation) -> String {
    problems.check(value, token(&value.value, interpolation), "nginx.conf")
}

/// Whether nginx expands `$name` in the directive's argument.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Interpolation {
    Yes,
    No,
}

/// A value as one nginx token that reads back as the same string.
fn token(value: &str, interpolation: Interpolation) -> Result<String, &'static str> {
    if value.is_empty() {
        return Err("nginx needs a value here");
    }
    if value.chars().any(|c| c.is_control()) {
        return Err("nginx.conf cannot hold control characters here");
    }
    if interpolation == Interpolation::Yes && value.contains('$') {
        // nginx has no escape for `$` in a string it expands.
        return Err("nginx would read `$` here as the start of a variable");
    }
    let bare = value.chars().all(|c| {
        c.is_ascii_alphanumeric() || "/._-~:@*+%=,!".contains(c) || (c == '$' && interpolation == Interpolation::No)
    });
    if bare {
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
        assert_eq!(token("/static/", Interpolation::No).unwrap(), "/static/");
        assert_eq!(token("a b;{}", Interpolation::No).unwrap(), "\"a b;{}\"");
        assert_eq!(token("x\"y\\", Interpolation::No).unwrap(), "\"x\\\"y\\\\\"");
        assert!(token("/a$b/", Interpolation::Yes).is_err());
        assert!(token("a\nb", Interpolation::No).is_err());
        assert!(token("", Interpolation::No).is_err());
    }
}
