use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{Header, Location, Server, Stack};
use crate::lint::{facts, Rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reads the CORS headers each server and location sends (typed
    /// `add_header` or raw `nginx "add_header ..."`, a location's own
    /// replacing its server's) and flags
    /// `Access-Control-Allow-Origin *` next to
    /// `Access-Control-Allow-Credentials true` as an error, an origin
    /// copied from the request (`$http_origin`) next to it as a warning,
    /// and `Access-Control-Allow-Origin *` alone as a note.
    ///
    /// ## Why is this bad?
    /// Browsers refuse a response with a wildcard origin to a request sent
    /// with credentials (cookies, HTTP authentication): "Credential is not
    /// supported if the CORS header 'Access-Control-Allow-Origin' is '*'",
    /// so the calls the credentials header is there for all fail. Copying
    /// the request's `Origin` instead makes them work for every site on the
    /// web: any page a logged-in user visits can read the answers with the
    /// user's cookies. A wildcard alone lets any site's scripts read the
    /// responses, without cookies: right for public files and open APIs,
    /// not for anything a login or the network protects.
    ///
    /// ## Example
    /// ```text
    /// location /api/ {
    ///     proxy_pass django
    ///     add_header Access-Control-Allow-Origin "*"
    ///     add_header Access-Control-Allow-Credentials true
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Name the origin that calls with credentials, and say the answer
    /// varies with it: `add_header Access-Control-Allow-Origin
    /// https://app.example.com` and `add_header Vary Origin`; or drop
    /// `Access-Control-Allow-Credentials` when the calls need no cookies.
    pub struct CorsWildcardOrigin {
        name: "cors-wildcard-origin",
        severity: Error,
        summary: "a CORS header that lets any origin read responses, or that browsers refuse",
    }
}

const ALLOW_ORIGIN: &str = "Access-Control-Allow-Origin";
const ALLOW_CREDENTIALS: &str = "Access-Control-Allow-Credentials";

impl Rule for CorsWildcardOrigin {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            let name = &service.name.value;
            // A location without headers of its own sends its server's,
            // which the server's own check covers.
            let blocks = proxy.servers.iter().flat_map(|server| {
                let own = server
                    .locations
                    .iter()
                    .filter(|l| !l.settings.response_headers.is_empty());
                std::iter::once((server, None)).chain(own.map(move |l| (server, Some(l))))
            });
            let mut reported: Vec<Span> = Vec::new();
            // Wildcards without credentials, each once: a note at the end.
            let mut wildcards: Vec<&Header> = Vec::new();
            for (server, location) in blocks {
                let Some(origin) = server.response_header(location, ALLOW_ORIGIN) else {
                    continue;
                };
                let Some(credentials) = credentials(server, location) else {
                    if origin.value.trim() == "*" && !wildcards.iter().any(|w| w.span == origin.span) {
                        wildcards.push(origin);
                    }
                    continue;
                };
                if reported.contains(&credentials.span) && reported.contains(&origin.span) {
                    continue;
                }
                let finding = match origin.value.trim() {
                    "*" => Self::META
                        .diagnostic(format!(
                            "`{name}`: a wildcard CORS origin with credentials, which browsers refuse"
                        ))
                        .primary(origin.span, "browsers refuse `*` for a request sent with cookies")
                        .help(
                            "name the origin that calls with credentials (`add_header Access-Control-Allow-Origin \
                             https://app.example.com` and `add_header Vary Origin`), or drop \
                             `Access-Control-Allow-Credentials` if the calls need no cookies",
                        ),
                    value if value.contains("$http_origin") => {
                        let mut finding = Self::META
                            .diagnostic(format!(
                                "`{name}`: any site may read these answers with its visitor's cookies"
                            ))
                            .primary(origin.span, "the origin is copied from the request, whatever it is")
                            .help(
                                "name the origins allowed (`add_header Access-Control-Allow-Origin \
                                 https://app.example.com`), or drop `Access-Control-Allow-Credentials`",
                            );
                        finding.severity = Severity::Warning;
                        finding
                    }
                    _ => continue,
                };
                reported.extend([origin.span, credentials.span]);
                out.push(finding.secondary(credentials.span, "credentials allowed here"));
            }
            for wildcard in wildcards.into_iter().filter(|w| !reported.contains(&w.span)) {
                let mut finding = Self::META
                    .diagnostic(format!("`{name}`: any site's scripts may read these answers"))
                    .primary(wildcard.span, "`*`: every origin, without cookies")
                    .help(
                        "fine for public files and open APIs; for anything a login or the network protects, \
                         name the origins allowed instead",
                    );
                finding.severity = Severity::Info;
                out.push(finding);
            }
        }
    }
}

/// `Access-Control-Allow-Credentials: true`, the only value browsers
/// read as allowing credentials.
fn credentials<'a>(server: &'a Server, location: Option<&'a Location>) -> Option<&'a Header> {
    server
        .response_header(location, ALLOW_CREDENTIALS)
        .filter(|h| h.value.trim() == "true")
}
