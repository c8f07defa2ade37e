use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `proxy_set_header X-Forwarded-Proto VALUE` that replaces
    /// stackc's `$scheme`: with a fixed scheme, or an empty value (which
    /// makes nginx drop the header). A value that holds a variable is the
    /// scheme as nginx works it out (a `map` that keeps the scheme a TLS
    /// proxy in front reported, else `$scheme`), and is left alone.
    ///
    /// ## Why is this bad?
    /// When TLS ends at nginx, the app only knows a request came over
    /// HTTPS from `X-Forwarded-Proto` (Django's `SECURE_PROXY_SSL_HEADER`).
    /// Without it, `request.is_secure()` is false: `SECURE_SSL_REDIRECT`
    /// redirects forever, secure cookies and CSRF's origin check fail. A
    /// fixed `https` lies for plain-HTTP requests.
    ///
    /// ## Example
    /// ```text
    ///     location / {
    ///         proxy_pass django
    ///         proxy_set_header X-Forwarded-Proto "http"
    ///     }
    /// ```
    ///
    /// ## Use instead
    /// Leave the header to stackc, which sends `$scheme`.
    pub struct ForwardedProtoMissing {
        name: "forwarded-proto-missing",
        severity: Warning,
        summary: "`X-Forwarded-Proto` replaced or dropped: Django cannot tell HTTPS",
    }
}

impl Rule for ForwardedProtoMissing {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            let headers = facts::request_headers(proxy)
                .into_iter()
                .filter(|h| h.name.eq_ignore_ascii_case("X-Forwarded-Proto"));
            for header in headers {
                let value = header.value.trim();
                let label = match value {
                    "" => "an empty value: nginx does not send the header",
                    _ if value.contains('$') => continue,
                    _ => "a fixed scheme, whatever the client used",
                };
                out.push(
                    Self::META
                        .diagnostic(format!(
                            "`{}` does not tell the app which scheme the client used",
                            service.name.value
                        ))
                        .primary(header.span, label)
                        .help("remove this header: stackc sends `X-Forwarded-Proto $scheme`"),
                );
            }
        }
    }
}
