use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a raw `nginx "server_tokens on"` (or `build`), in a server, a
    /// location or the `http` block (`nginx http "..."`), which undoes the
    /// `server_tokens off` stackc writes there.
    ///
    /// ## Why is this bad?
    /// nginx then names its version in every response's `Server` header
    /// and on its error pages, so anyone can tell which of nginx's
    /// published vulnerabilities apply without probing for them (gixy's
    /// version_disclosure).
    ///
    /// ## Example
    /// ```text
    /// proxy nginx {
    ///     nginx "server_tokens on"
    ///     location / {
    ///         proxy_pass django
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Remove the line: every server gets `server_tokens off`.
    pub struct ServerTokensOn {
        name: "server-tokens-on",
        severity: Warning,
        summary: "a raw `server_tokens` that puts nginx's version in every response",
    }
}

impl Rule for ServerTokensOn {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            let raw = proxy.settings().flat_map(|settings| &settings.raw).chain(&proxy.http);
            for directive in raw.filter(|d| d.name == "server_tokens") {
                if directive.args.first().is_some_and(|arg| arg == "off") {
                    continue;
                }
                out.push(
                    Self::META
                        .diagnostic(format!("`{}` tells every client its nginx version", service.name.value))
                        .primary(directive.text.span, "in the `Server` header and on nginx's error pages")
                        .help("remove this line: stackc writes `server_tokens off`"),
                );
            }
        }
    }
}
