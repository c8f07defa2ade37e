use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::env::{EnvOrigin, EnvValue};
use crate::ir::{Header, Location, Server, Service, Stack};
use crate::lint::{facts, Rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reads the CORS headers each server and location sends (typed
    /// `add_header` or raw `nginx "add_header ..."`, a location's own
    /// replacing its server's) and flags
    /// `Access-Control-Allow-Origin *` next to
    /// `Access-Control-Allow-Credentials true`, an origin copied from the
    /// request (`$http_origin`, in any case, or a variable a raw `set`
    /// fills from it) next to it and the origin `null` as
    /// warnings, and `Access-Control-Allow-Origin *` alone as a note. A
    /// warning, not an error: the answers still reach every call made
    /// without credentials. The same of an app's django-cors-headers
    /// settings in its environment (`env` or an env file):
    /// `CORS_ALLOW_ALL_ORIGINS=True` (or `CORS_ORIGIN_ALLOW_ALL`, or `*`
    /// among `CORS_ALLOWED_ORIGINS`), a warning beside
    /// `CORS_ALLOW_CREDENTIALS=True`, with which it copies the request's
    /// origin, else a note.
    ///
    /// ## Why is this bad?
    /// Browsers refuse a response with a wildcard origin to a request sent
    /// with credentials (cookies, HTTP authentication): "Credential is not
    /// supported if the CORS header 'Access-Control-Allow-Origin' is '*'",
    /// so the calls the credentials header is there for all fail. Copying
    /// the request's `Origin` instead makes them work for every site on the
    /// web: any page a logged-in user visits can read the answers with the
    /// user's cookies. `null` is no safer: sandboxed frames and `data:`
    /// pages have that origin, and any site can make one (MDN: "the null
    /// value ... should be avoided"). A wildcard alone lets any site's
    /// scripts read the responses, without cookies: right for public files
    /// and open APIs, not for anything a login or the network protects.
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
        severity: Warning,
        summary: "a CORS header that lets any origin read responses, or that browsers refuse",
    }
}

const ALLOW_ORIGIN: &str = "Access-Control-Allow-Origin";
const ALLOW_CREDENTIALS: &str = "Access-Control-Allow-Credentials";

impl Rule for CorsWildcardOrigin {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            // A location without headers of its own sends its server's,
            // which the server's own check covers.
            let blocks = proxy.servers.iter().flat_map(|server| {
                let own = server
                    .locations
                    .iter()
                    .filter(|l| !l.settings.response_headers.is_empty());
                std::iter::once((server, None)).chain(own.map(move |l| (server, Some(l))))
            });
            // Each origin header with the credentials header beside it, once.
            let mut pairs: Vec<(&Header, Option<&Header>)> = Vec::new();
            for (server, location) in blocks {
                if let Some(origin) = server.response_header(location, ALLOW_ORIGIN) {
                    let pair = (origin, credentials(server, location));
                    if !pairs.iter().any(|p| spans(*p) == spans(pair)) {
                        pairs.push(pair);
                    }
                }
            }
            let copied = origin_variables(proxy);
            for &(origin, credentials) in &pairs {
                // An origin that some block sends with credentials is
                // reported there; not again for the blocks without.
                let paired = || pairs.iter().any(|(o, c)| o.span == origin.span && c.is_some());
                if credentials.is_none() && paired() {
                    continue;
                }
                let Some(finding) = finding(&service.name.value, origin, credentials, &copied) else {
                    continue;
                };
                out.push(match credentials {
                    Some(credentials) => finding.secondary(credentials.span, "credentials allowed here"),
                    None => finding,
                });
            }
        }
        // The app containers that answer requests: published, exposed, or
        // behind the proxy (a worker reading the same env file answers none).
        let answers = |s: &&Service| {
            !s.ports.is_empty() || !s.expose.is_empty() || stack.upstream_servers_of(&s.name.value).next().is_some()
        };
        let apps = (stack.services.iter()).filter(|s| s.proxy().is_none() && !s.is_job() && !facts::is_data_store(s));
        for service in apps.filter(answers) {
            out.extend(app_settings(stack, service));
        }
    }
}

/// django-cors-headers' settings, as the app reads them from its
/// environment: every origin allowed (`CORS_ALLOW_ALL_ORIGINS=True`, or
/// `*` among the origins), which with `CORS_ALLOW_CREDENTIALS=True` it
/// answers by copying the request's origin: any site reads the answers
/// with its visitor's cookies.
fn app_settings(stack: &Stack, service: &Service) -> Option<Diagnostic> {
    const ALL: [&str; 2] = ["CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"];
    const LISTS: [&str; 3] = ["CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST", "CORS_ORIGINS"];
    let all = ALL
        .iter()
        .map(|name| (name, stack.env_value(service, name)))
        .find(|(_, v)| v.known().is_some_and(facts::is_truthy));
    let listed = || {
        (LISTS.iter().map(|name| (name, stack.env_value(service, name))))
            .find(|(_, v)| v.known().is_some_and(|list| facts::host_list(list).contains(&"*")))
    };
    let (name, value) = all.or_else(listed)?;
    let credentials = stack.env_value(service, "CORS_ALLOW_CREDENTIALS");
    let with_credentials = credentials.known().is_some_and(facts::is_truthy);
    let (message, help) = match with_credentials {
        true => (
            "any site may read its answers with its visitor's cookies",
            "list the origins allowed (`CORS_ALLOWED_ORIGINS=https://app.example.com`): with credentials allowed, django-cors-headers copies the request's origin, whatever it is",
        ),
        false => (
            "any site's scripts may read its answers",
            "fine for an open API; for anything a login or the network protects, list the origins allowed (`CORS_ALLOWED_ORIGINS=https://app.example.com`)",
        ),
    };
    let label = format!("`{name}`: every origin");
    let mut finding = CorsWildcardOrigin::META.diagnostic(format!("`{}`: {message}", service.name.value));
    finding = match &value {
        EnvValue::Set(_, EnvOrigin::Spec(span)) => finding.primary(*span, label),
        _ => value.label(
            finding.primary(service.name.span, "its environment allows every CORS origin"),
            label,
        ),
    };
    if with_credentials {
        finding = credentials.label(finding, "credentials allowed here");
    }
    finding.severity = if with_credentials {
        Severity::Warning
    } else {
        Severity::Info
    };
    Some(finding.help(help))
}

/// Where a pair's headers are written: what tells two pairs apart.
fn spans((origin, credentials): (&Header, Option<&Header>)) -> (Span, Option<Span>) {
    (origin.span, credentials.map(|c| c.span))
}

/// The variables that hold the request's origin: `$http_origin` itself
/// and each a raw `set $VAR ...$http_origin...` fills (nginx's variable
/// names are read without case: `$HTTP_ORIGIN` is the same), lowercase.
fn origin_variables(proxy: &crate::ir::Proxy) -> Vec<String> {
    let mut copied = vec!["$http_origin".to_string()];
    let raws = proxy.servers.iter().flat_map(|server| {
        let locations = server.locations.iter().flat_map(|l| &l.settings.raw);
        server.settings.raw.iter().chain(locations)
    });
    for raw in raws.filter(|r| r.name == "set") {
        if let [variable, value] = &raw.args[..] {
            if copies_a(value, &copied) {
                copied.push(variable.to_ascii_lowercase());
            }
        }
    }
    copied
}

/// Whether nginx text names one of `variables` (`$x` or `${x}`), without
/// case.
fn copies_a(text: &str, variables: &[String]) -> bool {
    let text = text.to_ascii_lowercase().replace("${", "$").replace('}', "");
    variables.iter().any(|variable| {
        text.match_indices(variable.as_str()).any(|(at, _)| {
            let next = text[at + variable.len()..].chars().next();
            !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

/// What is wrong with the origin a block sends, with credentials or not;
/// `copied` are the variables that hold the request's origin.
fn finding(proxy: &str, origin: &Header, credentials: Option<&Header>, copied: &[String]) -> Option<Diagnostic> {
    let meta = &CorsWildcardOrigin::META;
    let value = origin.value.trim();
    let (severity, message, label, help) = match (value, credentials.is_some()) {
        ("*", true) => (
            Severity::Warning,
            "a wildcard CORS origin with credentials, which browsers refuse",
            "browsers refuse `*` for a request sent with cookies",
            "name the origin that calls with credentials (`add_header Access-Control-Allow-Origin \
             https://app.example.com` and `add_header Vary Origin`), or drop \
             `Access-Control-Allow-Credentials` if the calls need no cookies",
        ),
        ("*", false) => (
            Severity::Info,
            "any site's scripts may read these answers",
            "`*`: every origin, without cookies",
            "fine for public files and open APIs; for anything a login or the network protects, \
             name the origins allowed instead",
        ),
        ("null", _) => (
            Severity::Warning,
            "the CORS origin `null` is any site's to claim",
            "sandboxed frames and `data:` pages of any site have the origin `null`",
            "name the origins allowed (`add_header Access-Control-Allow-Origin https://app.example.com`)",
        ),
        (value, true) if copies_a(value, copied) => (
            Severity::Warning,
            "any site may read these answers with its visitor's cookies",
            "the origin is copied from the request, whatever it is",
            "name the origins allowed (`add_header Access-Control-Allow-Origin \
             https://app.example.com`), or drop `Access-Control-Allow-Credentials`",
        ),
        _ => return None,
    };
    let mut finding = meta
        .diagnostic(format!("`{proxy}`: {message}"))
        .primary(origin.span, label)
        .help(help);
    finding.severity = severity;
    Some(finding)
}

/// `Access-Control-Allow-Credentials: true`, the only value browsers
/// read as allowing credentials.
fn credentials<'a>(server: &'a Server, location: Option<&'a Location>) -> Option<&'a Header> {
    server
        .response_header(location, ALLOW_CREDENTIALS)
        .filter(|h| h.value.trim() == "true")
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::source::SourceFile;

    /// The severity of each `cors-wildcard-origin` finding on a proxy with
    /// `server` at the server level and `api` in its `/api/` location.
    fn severities(server: &str, api: &str) -> Vec<Severity> {
        let spec = format!(
            "stack shop\nproxy nginx {{\n    {server}\n    location / {{\n        return 204\n    }}\n    location /api/ {{\n        return 204\n        {api}\n    }}\n}}\n"
        );
        (crate::lint(&SourceFile::new("t.spec", spec)).diagnostics.iter())
            .filter(|d| d.code == "cors-wildcard-origin")
            .map(|d| d.severity)
            .collect()
    }

    const ANY: &str = "add_header Access-Control-Allow-Origin \"*\"";
    const CREDENTIALS: &str = "add_header Access-Control-Allow-Credentials true";

    #[test]
    fn each_origin_is_reported_once_at_its_worst() {
        // The server's wildcard, which `/api/` repeats beside its own
        // header: one note.
        assert_eq!(severities(ANY, "add_header Vary Origin"), [Severity::Info]);
        // The server's wildcard with credentials only in `/api/`: the
        // warning, without the note for the other locations.
        assert_eq!(severities(ANY, CREDENTIALS), [Severity::Warning]);
        // `/api/` takes the server's credentials back with an empty
        // value: the warning on the server's wildcard says it all.
        let both = format!("{ANY}\n    {CREDENTIALS}");
        let without = "add_header Access-Control-Allow-Credentials \"\"";
        assert_eq!(severities(&both, without), [Severity::Warning]);
        // A `/api/` of its own with credentials.
        let own = format!("{ANY}\n        {CREDENTIALS}");
        assert_eq!(severities("", &own), [Severity::Warning]);
        // A named origin is what the rule asks for.
        let named = "add_header Access-Control-Allow-Origin https://app.example.com";
        assert!(severities(named, CREDENTIALS).is_empty());
    }
}
