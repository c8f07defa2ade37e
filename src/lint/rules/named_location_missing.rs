use crate::diagnostic::Diagnostic;
use crate::ir::{LocationKind, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a raw `try_files` or `error_page` whose last choice is a
    /// named location (`@app`) that its server does not declare. A server
    /// that includes a file of its own (`nginx "include snippets/x.conf"`)
    /// may declare it there, and is not flagged.
    ///
    /// ## Why is this bad?
    /// nginx looks a named location up only when a request falls back to
    /// it, in the server that handles the request: `nginx -t` passes, and
    /// every request that reaches the fallback then gets a 500 ("could not
    /// find named location" in the error log). A named location of another
    /// server does not count.
    ///
    /// ## Example
    /// ```text
    /// proxy nginx {
    ///     location / { nginx "try_files $uri @django" }
    ///     location @app { proxy_pass app }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Name a location the server has:
    /// ```text
    /// location / { nginx "try_files $uri @app" }
    /// location @app { proxy_pass app }
    /// ```
    pub struct NamedLocationMissing {
        name: "named-location-missing",
        severity: Error,
        summary: "a `try_files` or `error_page` falls back to a named location its server does not have",
    }
}

impl Rule for NamedLocationMissing {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            for server in proxy.servers.iter().filter(|s| !includes_files(proxy, s)) {
                let declared: Vec<&str> = (server.locations.iter())
                    .filter(|l| l.kind == LocationKind::Named)
                    .map(|l| l.path.as_str())
                    .collect();
                for (directive, name) in facts::named_location_uses(proxy, server) {
                    if declared.contains(&name) {
                        continue;
                    }
                    let mut finding = Self::META
                        .diagnostic(format!(
                            "`{}`: `{}` falls back to `@{name}`, which its server does not have",
                            service.name.value, directive.name
                        ))
                        .primary(directive.text.span, "nginx answers 500 when a request gets here");
                    if let Some(similar) = crate::suggest::closest(name, declared.iter().copied()) {
                        finding = finding.help(format!("did you mean `@{similar}`?"));
                    } else {
                        finding = finding.help(format!(
                            "add `location @{name} {{ ... }}` to the server, saying what answers (`proxy_pass UPSTREAM`)"
                        ));
                    }
                    out.push(finding);
                }
            }
        }
    }
}

/// Whether a raw `include` of the server, of one of its locations or of
/// the `http` block may declare locations stackc does not see (a raw
/// `location` is refused, so an included file is how one gets in). The
/// parameter files nginx ships declare none.
fn includes_files(proxy: &crate::ir::Proxy, server: &crate::ir::Server) -> bool {
    const NGINX_PARAMS: &[&str] = &[
        "fastcgi_params",
        "fastcgi.conf",
        "uwsgi_params",
        "scgi_params",
        "mime.types",
    ];
    let blocks = std::iter::once(&server.settings).chain(server.locations.iter().map(|l| &l.settings));
    (blocks.flat_map(|s| &s.raw).chain(&proxy.http))
        .filter(|d| d.name == "include")
        .filter_map(|d| d.args.first())
        .any(|file| !NGINX_PARAMS.contains(&file.rsplit('/').next().unwrap_or(file)))
}
