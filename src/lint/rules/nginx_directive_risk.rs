use crate::diagnostic::Diagnostic;
use crate::ir::{Header, RawDirective, Server, Stack};
use crate::lint::{facts, Rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reads the raw `nginx "..."` directives and the headers of each
    /// server and location, and the `nginx http "..."` directives of the
    /// `http` block around them (a `resolver` there counts for every
    /// server), as nginx tokenizes them, and flags what gixy
    /// flags in them, one message per case with gixy's check:
    /// - `ssl_protocols` with SSLv3, TLSv1 or TLSv1.1, `ssl_ciphers` that
    ///   selects a broad OpenSSL group (`HIGH`, `DEFAULT`, `ALL`: RSA key
    ///   exchange without forward secrecy comes with it), `ssl_prefer_server_ciphers
    ///   on` without `ssl_conf_command Options PrioritizeChaCha` (weak_ssl_tls), a
    ///   post-quantum `ssl_ecdh_curve` group without `?` (ssl_ecdh_curve),
    ///   `ssl_stapling on` without a `resolver`
    ///   (ssl_stapling_without_resolver), a TLS server whose
    ///   `Strict-Transport-Security` is off or shorter than six months
    ///   (hsts_header);
    /// - `stub_status` open to everyone (status_page_exposed), `allow`
    ///   without `deny all` (allow_without_deny), `allow`/`deny` beside a
    ///   `return` they do not restrict (return_bypasses_allow_deny),
    ///   `valid_referers none` (valid_referers); `root /` (gixy's
    ///   filesystem_root_exposure) is `private-volume-served`'s error;
    /// - `proxy_set_header Host $http_host` (host_spoofing), `$uri` or
    ///   `$document_uri` in a header or in the target of a `return`,
    ///   `rewrite` or `proxy_pass` (http_splitting), `add_header
    ///   Content-Type` (add_header_content_type);
    /// - `try_files` without `open_file_cache` (try_files_is_evil_too),
    ///   `error_log off` (error_log_off), a public `resolver`
    ///   (resolver_external), `keepalive_requests` below 1000
    ///   (low_keepalive_requests), a `rewrite` regex with nested
    ///   repetition (regex_redos) or naming a group it lacks
    ///   (invalid_regex);
    /// - and two of stackc's own: a redirect (`return 302`, `rewrite`) to
    ///   a target the client chooses, `$arg_next` or `$http_referer`
    ///   (open_redirect), and `set_real_ip_from 0.0.0.0/0` or an
    ///   `X-Forwarded-For`/`X-Real-IP` that passes on the client's own
    ///   header (client_address_spoofing).
    ///
    /// ## Why is this bad?
    /// stackc writes nginx.conf so that gixy finds nothing in it; a raw
    /// directive is the one place a spec can undo that. Each case is a
    /// hole gixy's documentation describes: a status page or a folder
    /// readable by anyone, a spoofable Host, a header split by `%0d%0a`
    /// in the URL, TLS versions browsers dropped.
    ///
    /// ## Example
    /// ```text
    /// proxy nginx {
    ///     nginx "ssl_protocols TLSv1 TLSv1.2"
    ///     location / {
    ///         proxy_pass django
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Remove the line: stackc writes `ssl_protocols TLSv1.2 TLSv1.3`.
    pub struct NginxDirectiveRisk {
        name: "nginx-directive-risk",
        severity: Warning,
        summary: "a raw nginx directive or header that gixy flags",
    }
}

/// One block's settings with what the checks need to know of the block.
struct Block<'a> {
    /// The block's raw directives.
    raw: &'a [RawDirective],
    /// Its typed headers: to the upstream, and to the client.
    request_headers: &'a [Header],
    response_headers: &'a [Header],
    /// The raw directives of the enclosing blocks (the server of a
    /// location, and `http`), which this block inherits (a `resolver`,
    /// an `open_file_cache`).
    inherited: Vec<&'a str>,
    /// A location answering with `return`.
    returns: bool,
}

impl Rule for NginxDirectiveRisk {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            let name = &service.name.value;
            // `nginx http "..."` lines, in the `http` block around every server.
            let http = Block {
                raw: &proxy.http,
                request_headers: &[],
                response_headers: &[],
                inherited: Vec::new(),
                returns: false,
            };
            for (span, check, message) in http.findings() {
                out.push(finding(name, span, check, message));
            }
            let http_names: Vec<&str> = proxy.http.iter().map(|d| d.name.as_str()).collect();
            for server in &proxy.servers {
                let mut server_names = http_names.clone();
                server_names.extend(server.settings.raw.iter().map(|d| d.name.as_str()));
                let locations = server.locations.iter().map(|l| Block {
                    raw: &l.settings.raw,
                    request_headers: &l.settings.request_headers,
                    response_headers: &l.settings.response_headers,
                    inherited: server_names.clone(),
                    returns: l.action.is_return(),
                });
                let own = Block {
                    raw: &server.settings.raw,
                    request_headers: &server.settings.request_headers,
                    response_headers: &server.settings.response_headers,
                    inherited: http_names.clone(),
                    returns: false,
                };
                for block in std::iter::once(own).chain(locations) {
                    for (span, check, message) in block.findings() {
                        out.push(finding(name, span, check, message));
                    }
                }
                if let Some((span, message)) = weak_hsts(server) {
                    out.push(finding(name, span, "hsts_header", message));
                }
            }
        }
    }
}

/// The checks of stackc's own, beside gixy's: holes gixy does not look
/// for that a raw directive opens as surely.
const OWN_CHECKS: &[&str] = &["open_redirect", "client_address_spoofing"];

fn finding(proxy: &str, span: Span, check: &str, message: String) -> Diagnostic {
    let (why, help) = explain(check);
    let by = if OWN_CHECKS.contains(&check) { "stackc" } else { "gixy" };
    NginxDirectiveRisk::META
        .diagnostic(format!("`{proxy}`: {message} ({by} {check})"))
        .primary(span, why)
        .help(help)
}

/// Why a check matters, and what to do instead.
fn explain(check: &str) -> (&'static str, &'static str) {
    match check {
        "weak_ssl_tls" => (
            "weaker TLS than browsers need: an old version, a key exchange a stolen key decrypts later, or the server's cipher order over the client's",
            "remove the line: stackc writes `ssl_protocols TLSv1.2 TLSv1.3`, Mozilla's intermediate ciphers and `ssl_prefer_server_ciphers off`",
        ),
        "ssl_ecdh_curve" => (
            "OpenSSL refuses the whole list when it lacks one group",
            "prefix the group with `?` so an OpenSSL without it skips it",
        ),
        "ssl_stapling_without_resolver" => (
            "nginx cannot reach the OCSP responder, so stapling silently fails",
            "add `nginx \"resolver 127.0.0.11\"`, or drop stapling",
        ),
        "hsts_header" => (
            "browsers forget the HTTPS-only rule too soon",
            "keep stackc's `max-age=31536000`, or set at least six months",
        ),
        "status_page_exposed" => (
            "counts of connections and requests, for anyone",
            "follow it with `nginx \"allow 10.0.0.0/8\"` and `nginx \"deny all\"`",
        ),
        "allow_without_deny" => (
            "every other address is allowed too",
            "follow the `allow` lines with `nginx \"deny all\"`",
        ),
        "return_bypasses_allow_deny" => (
            "`return` answers before access checks run",
            "proxy the location, or drop the `allow`/`deny`",
        ),
        "valid_referers" => (
            "a request without a Referer header passes the check",
            "list the referers you trust, without `none`",
        ),
        "filesystem_root_exposure" => (
            "any file nginx can read is one URL away",
            "serve a volume with `alias VOLUME`",
        ),
        "host_spoofing" => (
            "the client picks the Host the app sees",
            "remove the line: stackc sends `Host $host`",
        ),
        "http_splitting" => (
            "a decoded `%0d%0a` in the URL ends the header and starts another",
            "use `$request_uri`, which nginx keeps encoded",
        ),
        "add_header_content_type" => (
            "a second Content-Type beside the one nginx sends",
            "use `nginx \"default_type TYPE\"`",
        ),
        "try_files_is_evil_too" => (
            "without `open_file_cache`, every request stats the disk",
            "serve files with `alias VOLUME`, or add `open_file_cache`",
        ),
        "error_log_off" => (
            "nginx writes errors to a file named `off`",
            "use `error_log /dev/null crit` to silence it",
        ),
        "resolver_external" => (
            "DNS answers from outside the stack can be spoofed",
            "use the Docker network's resolver, `127.0.0.11`",
        ),
        "low_keepalive_requests" => (
            "clients reconnect every few requests",
            "remove the line: nginx's default is 1000",
        ),
        "regex_redos" => (
            "a crafted URL keeps a worker busy for minutes",
            "remove the nested repetition: `^/(a+)$`",
        ),
        "open_redirect" => (
            "a link on this site sends its visitors wherever the link says: phishing on the site's name",
            "redirect to a fixed path, or let the app check the target against its own hosts",
        ),
        "client_address_spoofing" => (
            "the client writes the address nginx and the app trust: `allow`/`deny`, rate limits and logs",
            "trust forwarded addresses only from your own load balancer's range (`set_real_ip_from 10.0.0.0/8`), and send `$proxy_add_x_forwarded_for`",
        ),
        _ => (
            "the replacement names a capture group the regex lacks",
            "add the group, or refer to one that exists",
        ),
    }
}

impl Block<'_> {
    fn findings(&self) -> Vec<(Span, &'static str, String)> {
        let mut found = Vec::new();
        let raw = self.raw;
        let has = |name: &str| raw.iter().any(|d| d.name == name) || self.inherited.contains(&name);
        let denies_all = raw
            .iter()
            .any(|d| d.name == "deny" && d.args.first().is_some_and(|a| a == "all"));
        for directive in raw {
            let span = directive.text.span;
            let args: Vec<&str> = directive.args.iter().map(String::as_str).collect();
            let mut add = |check, message: String| found.push((span, check, message));
            match directive.name.as_str() {
                "ssl_protocols" => {
                    if let Some(weak) = args
                        .iter()
                        .find(|a| matches!(**a, "SSLv2" | "SSLv3" | "TLSv1" | "TLSv1.1"))
                    {
                        add("weak_ssl_tls", format!("`ssl_protocols` enables {weak}"));
                    }
                }
                "ssl_ciphers" => {
                    let list = args.first().copied().unwrap_or_default();
                    if let Some(group) = list.split(':').find(|c| is_broad_cipher_group(c)) {
                        add(
                            "weak_ssl_tls",
                            format!("`ssl_ciphers` selects OpenSSL's group `{group}`, which includes key exchanges without forward secrecy"),
                        );
                    }
                }
                "ssl_prefer_server_ciphers" if args.first() == Some(&"on") && !prioritizes_chacha(raw) => add(
                    "weak_ssl_tls",
                    "`ssl_prefer_server_ciphers on` picks AES for clients without AES hardware".into(),
                ),
                "ssl_ecdh_curve" => {
                    let groups = args.first().copied().unwrap_or_default();
                    if let Some(group) = groups.split(':').find(|g| g.contains("MLKEM") || g.contains("Kyber")) {
                        add(
                            "ssl_ecdh_curve",
                            format!("`{group}` stops nginx on an OpenSSL without it"),
                        );
                    }
                }
                "ssl_stapling" if args.first() == Some(&"on") && !has("resolver") => {
                    add(
                        "ssl_stapling_without_resolver",
                        "`ssl_stapling on` without a `resolver`".into(),
                    );
                }
                "stub_status" if !denies_all => add("status_page_exposed", "`stub_status` answers anyone".into()),
                "allow" if !denies_all => add("allow_without_deny", "`allow` without `deny all`".into()),
                "valid_referers" if args.contains(&"none") => {
                    add(
                        "valid_referers",
                        "`valid_referers none` trusts requests without a Referer".into(),
                    );
                }
                "try_files" if !has("open_file_cache") => add(
                    "try_files_is_evil_too",
                    "`try_files` stats files on every request".into(),
                ),
                "error_log" if args.first() == Some(&"off") => {
                    add("error_log_off", "`error_log off` writes to a file named `off`".into())
                }
                "resolver" => {
                    if let Some(public) = args.iter().find(|a| is_public_address(a)) {
                        add("resolver_external", format!("`resolver {public}` is outside the stack"));
                    }
                }
                "keepalive_requests"
                    if args
                        .first()
                        .and_then(|a| a.parse::<u32>().ok())
                        .is_some_and(|n| n < 1000) =>
                {
                    add("low_keepalive_requests", "`keepalive_requests` below 1000".into());
                }
                "rewrite" => {
                    rewrite(directive, &mut add);
                    if let Some(target) = args.get(1).filter(|t| is_client_chosen(t)) {
                        add(
                            "open_redirect",
                            format!("`rewrite` to `{target}`, which the client chooses"),
                        );
                    }
                }
                "return"
                    if args
                        .first()
                        .is_some_and(|c| matches!(*c, "301" | "302" | "303" | "307" | "308")) =>
                {
                    if let Some(target) = args.get(1).filter(|t| is_client_chosen(t)) {
                        add(
                            "open_redirect",
                            format!("a redirect to `{target}`, which the client chooses"),
                        );
                    }
                }
                "set_real_ip_from" if args.first().is_some_and(|a| matches!(*a, "0.0.0.0/0" | "::/0" | "all")) => {
                    add(
                        "client_address_spoofing",
                        format!(
                            "`set_real_ip_from {}` takes the client's address from any sender's header",
                            args[0]
                        ),
                    );
                }
                _ => {}
            }
            if let Some(variable) = target_of(directive).and_then(decoded_uri) {
                found.push((
                    span,
                    "http_splitting",
                    format!("`{}` sends `{variable}`, which may hold a line break", directive.name),
                ));
            }
            if self.returns && matches!(directive.name.as_str(), "allow" | "deny") {
                found.push((
                    span,
                    "return_bypasses_allow_deny",
                    format!("`{}` does not restrict the location's `return`", directive.name),
                ));
            }
        }
        for header in self.request_headers {
            let value = header.raw_args.as_deref().unwrap_or(&header.value.value);
            if passes_on_client_address(&header.name.value, value.trim()) {
                found.push((
                    header.span,
                    "client_address_spoofing",
                    format!("`{}` passes on the client's own header", header.name.value),
                ));
            }
            if header.name.eq_ignore_ascii_case("host") && header.value.contains("$http_host") {
                found.push((
                    header.span,
                    "host_spoofing",
                    "`Host` from the client's `$http_host`".into(),
                ));
            }
            found.extend(splitting(header));
        }
        for header in self.response_headers {
            if header.name.eq_ignore_ascii_case("content-type") {
                found.push((
                    header.span,
                    "add_header_content_type",
                    "`Content-Type` set with `add_header`".into(),
                ));
            }
            found.extend(splitting(header));
        }
        found
    }
}

/// A header carrying a variable that may hold a decoded line break.
fn splitting(header: &Header) -> Option<(Span, &'static str, String)> {
    let value = header.raw_args.as_deref().unwrap_or(&header.value.value);
    let variable = decoded_uri(value)?;
    Some((
        header.span,
        "http_splitting",
        format!(
            "`{}` carries `{variable}`, which may hold a line break",
            header.name.value
        ),
    ))
}

/// The variable of `value` that holds the request's path decoded, where
/// `%0D%0A` is a line break that splits the response or the request sent
/// upstream.
fn decoded_uri(value: &str) -> Option<&'static str> {
    ["$uri", "$document_uri", "${uri}", "${document_uri}"]
        .into_iter()
        .find(|v| {
            value
                .match_indices(v)
                .any(|(at, _)| !value[at + v.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
        })
}

/// The target a raw `return`, `rewrite` or `proxy_pass` sends the request
/// to, where gixy looks for a decoded path.
fn target_of(directive: &RawDirective) -> Option<&str> {
    let args = &directive.args;
    match directive.name.as_str() {
        "return" => args.last(),
        "rewrite" => args.get(1),
        "proxy_pass" => args.first(),
        _ => None,
    }
    .map(String::as_str)
}

/// `rewrite REGEX REPLACEMENT`: nested repetition, and `$N` past the groups.
fn rewrite(directive: &RawDirective, add: &mut impl FnMut(&'static str, String)) {
    let Some(regex) = directive.args.first() else { return };
    if facts::has_nested_repetition(regex) {
        add("regex_redos", format!("`{regex}` backtracks exponentially"));
    }
    let groups = regex
        .char_indices()
        .filter(|&(i, c)| c == '(' && !regex[..i].ends_with('\\') && !regex[i + 1..].starts_with('?'))
        .count();
    let replacement = directive.args.get(1).map(String::as_str).unwrap_or_default();
    let missing = replacement.match_indices('$').find_map(|(at, _)| {
        let digit = replacement[at + 1..].chars().next()?.to_digit(10)? as usize;
        (digit > groups).then_some(digit)
    });
    if let Some(group) = missing {
        add("invalid_regex", format!("`${group}` names a group `{regex}` lacks"));
    }
}

/// `X-Forwarded-For $http_x_forwarded_for`: the client's own header as
/// the address the app trusts (nginx's `$proxy_add_x_forwarded_for` adds
/// the address it saw).
fn passes_on_client_address(name: &str, value: &str) -> bool {
    let forwarded = name.eq_ignore_ascii_case("x-forwarded-for") || name.eq_ignore_ascii_case("x-real-ip");
    forwarded && matches!(value, "$http_x_forwarded_for" | "$http_x_real_ip")
}

/// A redirect target whose host the request chooses: a query argument
/// (`$arg_next`), a header (`$http_referer`) or a cookie where the host
/// goes (at the start, or after `SCHEME://` or `//`). A scheme taken from
/// a header before a fixed host (`$http_x_forwarded_proto://$host`) is
/// none.
fn is_client_chosen(target: &str) -> bool {
    let host = match target.split_once("://") {
        Some((_, host)) => host,
        None => target.strip_prefix("//").unwrap_or(target),
    };
    ["$arg_", "${arg_", "$http_", "${http_", "$cookie_", "${cookie_"]
        .iter()
        .any(|v| host.starts_with(v))
}

/// An IPv4 address outside loopback and the private ranges (Docker's own
/// resolver is 127.0.0.11).
fn is_public_address(word: &str) -> bool {
    let host = word.split(':').next().unwrap_or(word);
    let Ok(ip) = host.parse::<std::net::Ipv4Addr>() else {
        return false;
    };
    !(ip.is_loopback() || ip.is_private() || ip.is_link_local())
}

/// An OpenSSL cipher group that selects by strength rather than by name
/// (`HIGH`, `DEFAULT`): it brings in static-RSA key exchange, which
/// Whether `ssl_conf_command Options PrioritizeChaCha` keeps the server's
/// cipher order from overruling a client that puts ChaCha20 first, which
/// gixy's weak_ssl_tls accepts beside `ssl_prefer_server_ciphers on`.
fn prioritizes_chacha(raw: &[RawDirective]) -> bool {
    raw.iter().any(|d| {
        d.name == "ssl_conf_command"
            && d.args.first().is_some_and(|a| a == "Options")
            && d.args[1..].iter().any(|a| a.contains("PrioritizeChaCha"))
    })
}

/// gixy's weak_ssl_tls reports. `!HIGH` or `-HIGH` removes, not selects.
fn is_broad_cipher_group(cipher: &str) -> bool {
    let cipher = cipher.strip_prefix('+').unwrap_or(cipher);
    matches!(
        cipher,
        "ALL" | "DEFAULT" | "HIGH" | "MEDIUM" | "LOW" | "EXPORT" | "COMPLEMENTOFDEFAULT"
    )
}

/// A TLS server whose HSTS header is turned off or short (gixy skips a
/// server that rejects handshakes too).
fn weak_hsts(server: &Server) -> Option<(Span, String)> {
    // A server that refuses every TLS handshake answers no request.
    let rejects = (server.settings.raw.iter())
        .any(|d| d.name == "ssl_reject_handshake" && d.args.first().is_some_and(|a| a == "on"));
    if !server.is_tls() || server.redirect_https.is_some() || rejects {
        return None;
    }
    let header =
        (server.settings.response_headers.iter()).find(|h| h.name.eq_ignore_ascii_case("strict-transport-security"))?;
    let max_age = header
        .value
        .split(';')
        .find_map(|part| part.trim().strip_prefix("max-age=")?.parse::<u64>().ok());
    match max_age {
        None => Some((header.span, "HTTPS without `Strict-Transport-Security`".into())),
        Some(age) if age < 15_768_000 => Some((header.span, format!("HSTS lasts {age} seconds, under six months"))),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cipher_group_selects_unless_it_is_removed() {
        assert!(is_broad_cipher_group("HIGH") && is_broad_cipher_group("+DEFAULT"));
        assert!(!is_broad_cipher_group("!MEDIUM") && !is_broad_cipher_group("-HIGH"));
        assert!(!is_broad_cipher_group("ECDHE-RSA-AES128-GCM-SHA256"));
    }

    #[test]
    fn a_redirect_is_open_where_the_client_chooses_the_host() {
        for open in ["$arg_next", "https://$arg_host/", "//$arg_next", "$http_referer"] {
            assert!(is_client_chosen(open), "{open}");
        }
        for fixed in [
            "$http_x_forwarded_proto://$host$request_uri",
            "https://$host$request_uri",
            "/login?next=$arg_next",
        ] {
            assert!(!is_client_chosen(fixed), "{fixed}");
        }
    }

    #[test]
    fn public_resolvers_are_outside_the_private_ranges() {
        assert!(is_public_address("8.8.8.8") && is_public_address("1.1.1.1:53"));
        assert!(!is_public_address("127.0.0.11") && !is_public_address("10.0.0.2") && !is_public_address("dns"));
    }
}
