use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `proxy_set_header Host VALUE` (or a raw `nginx
    /// "proxy_set_header Host ..."`) that replaces stackc's `Host $host`
    /// with anything but the client's host (`$host`, `$http_host`, or
    /// `$host:PORT`).
    ///
    /// ## Why is this bad?
    /// Django checks the Host it receives against `ALLOWED_HOSTS` and
    /// builds absolute URLs (redirects, password-reset links) from it. With
    /// `$proxy_host` it sees the upstream's name (`django`, or `web:8000`),
    /// which is not an allowed host: every request is a 400; a name with
    /// `_` is not even a valid host.
    ///
    /// ## Example
    /// ```text
    ///     location / {
    ///         proxy_pass django
    ///         nginx "proxy_set_header Host $proxy_host"
    ///     }
    /// ```
    ///
    /// ## Use instead
    /// Leave `Host` to stackc, which sends the client's host.
    pub struct ProxyHostHeader {
        name: "proxy-host-header",
        severity: Warning,
        summary: "a `Host` header that is not the client's reaches Django",
    }
}

impl Rule for ProxyHostHeader {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            for header in facts::request_headers(proxy)
                .into_iter()
                .filter(|h| h.name.eq_ignore_ascii_case("Host"))
            {
                let value = header.value.trim();
                if value == "$host" || value == "$http_host" || value.starts_with("$host:") {
                    continue;
                }
                out.push(
                    Self::META
                        .diagnostic(format!("`{}` sends Django a Host that is not the client's", service.name.value))
                        .primary(header.span, "Django checks this against ALLOWED_HOSTS and builds URLs from it")
                        .help("remove this header: stackc sends `Host $host` (with the published port when it is not the default)"),
                );
            }
        }
    }
}
