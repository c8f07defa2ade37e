use crate::diagnostic::Diagnostic;
use crate::ir::{LocationKind, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a named location (`location @app`) that no raw `try_files`
    /// or `error_page` of its server (or of the `http` block) sends
    /// requests to.
    ///
    /// ## Why is this bad?
    /// nginx never matches a named location against a request's path: it
    /// answers only the requests that a `try_files ... @app` or an
    /// `error_page 404 = @app` of the same server sends it. One that
    /// nothing names is dead, and usually the trace of a fallback that was
    /// lost (a `try_files` dropped, or naming the location differently), so
    /// the requests it was to answer get a 404 instead.
    ///
    /// ## Example
    /// ```text
    /// proxy nginx {
    ///     location / { nginx "try_files $uri $uri/ =404" }
    ///     location @app { proxy_pass app }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Send the requests no file answers to it:
    /// ```text
    /// location / { nginx "try_files $uri $uri/ @app" }
    /// location @app { proxy_pass app }
    /// ```
    pub struct UnusedNamedLocation {
        name: "unused-named-location",
        severity: Warning,
        summary: "a named location that no `try_files` or `error_page` sends requests to",
    }
}

impl Rule for UnusedNamedLocation {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            for server in &proxy.servers {
                let named = server.locations.iter().filter(|l| l.kind == LocationKind::Named);
                let used: Vec<&str> = facts::named_location_uses(proxy, server)
                    .map(|(_, name)| name)
                    .collect();
                for location in named.filter(|l| !used.contains(&l.path.as_str())) {
                    out.push(
                        Self::META
                            .diagnostic(format!(
                                "`{}`: nothing sends requests to location `@{}`",
                                service.name.value, location.path.value
                            ))
                            .primary(
                                location.path.span,
                                "no `try_files` or `error_page` of its server names it",
                            )
                            .help(format!(
                                "send requests to it (`nginx \"try_files $uri @{0}\"` in a location, or \
                                 `nginx \"error_page 404 = @{0}\"`), or remove it",
                                location.path.value
                            )),
                    );
                }
            }
        }
    }
}
