//! Raw `nginx "..."` directives: what one says, and whether it may stand
//! where it is written.
//!
//! A raw directive never fights stackc's own output:
//! - one that a statement writes (`listen`, `client_max_body_size`,
//!   `proxy_pass`, ...) is refused, with the statement to use;
//! - `add_header` and `proxy_set_header` become headers like the typed
//!   ones, merged with stackc's by name, so the raw value replaces stackc's;
//! - one that sets a directive stackc otherwise writes itself (`ssl_ciphers`,
//!   `proxy_http_version`, ...) replaces it: the emitter asks
//!   [`Settings::raw_sets`](crate::ir::Settings::raw_sets);
//! - one that nginx allows only in another block is refused, as `nginx -t`
//!   would refuse it (a table of the common directives; others pass);
//! - one that answers requests (`stub_status`, `return`, `fastcgi_pass`:
//!   [`RawHandler`](crate::ir::RawHandler)) is the action of a location
//!   without a typed one, and fights a typed one (lowering of locations).

use crate::diagnostic::Diagnostic;
use crate::ir::{Header, RawDirective};
use crate::source::{Span, Spanned};

use super::Lowerer;

/// The block a raw directive stands in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// nginx's `http` block (`nginx http "..."` in a proxy).
    Http,
    Server,
    Location,
    /// An `upstream NAME { ... }` block.
    Upstream,
}

impl Place {
    fn name(self) -> &'static str {
        match self {
            Place::Http => "the `http` block",
            Place::Server => "a server",
            Place::Location => "a location",
            Place::Upstream => "an upstream",
        }
    }
}

/// The directives an `upstream` block holds besides the upstream-only ones
/// of [`PLACES`]: they also stand elsewhere, where they say something else
/// (`keepalive_timeout` of the clients' connections, in a server).
const ALSO_IN_UPSTREAM: &[&str] = &[
    "keepalive_requests",
    "keepalive_time",
    "keepalive_timeout",
    "resolver",
    "resolver_timeout",
];

/// What a raw directive is, once lowering has read it.
pub(super) enum RawNginx {
    ResponseHeader(Header),
    RequestHeader(Header),
    Directive(RawDirective),
}

/// Directives that statements write, with the statement: a raw one would
/// be a second value next to stackc's, or a setting stackc's checks miss.
const STATEMENTS: &[(&str, &str)] = &[
    ("listen", "`listen PORT [tls]`"),
    ("server_name", "`server_name NAME ...`"),
    ("ssl_certificate", "`tls certificate SECRET key SECRET`"),
    ("ssl_certificate_key", "`tls certificate SECRET key SECRET`"),
    ("client_max_body_size", "`client_max_body_size SIZE`"),
    ("proxy_read_timeout", "`proxy_read_timeout DURATION`"),
    ("proxy_connect_timeout", "`proxy_connect_timeout DURATION`"),
    ("proxy_send_timeout", "`proxy_send_timeout DURATION`"),
    ("proxy_pass", "`proxy_pass UPSTREAM [PATH]`"),
    ("alias", "`alias VOLUME`"),
];

/// The blocks nginx allows a directive in, where that excludes a server or
/// a location.
#[derive(Clone, Copy)]
enum Allowed {
    /// nginx's main context (stackc writes it).
    Main,
    /// The `events` block (stackc writes it).
    Events,
    /// The `http` block only (stackc writes it).
    Http,
    /// An `upstream` block.
    Upstream,
    /// `http` and `server`, not a location.
    Server,
    /// A location only.
    Location,
}

/// The directives that a server or a location cannot hold, from nginx's
/// directive index and `nginx -t` (1.22, with every module Debian builds)
/// given each one in a server and in a location; newer ones (`http3`,
/// `quic_*`, `ssl_key_log`) from their modules' pages. Any other name is
/// not checked: nginx knows it, or `nginx -t` says it does not.
const PLACES: &[(&str, Allowed)] = &[
    ("accept_mutex", Allowed::Events),
    ("accept_mutex_delay", Allowed::Events),
    ("charset_map", Allowed::Http),
    ("client_header_buffer_size", Allowed::Server),
    ("client_header_timeout", Allowed::Server),
    ("connection_pool_size", Allowed::Server),
    ("daemon", Allowed::Main),
    ("debug_connection", Allowed::Events),
    ("debug_points", Allowed::Main),
    ("empty_gif", Allowed::Location),
    ("env", Allowed::Main),
    ("epoll_events", Allowed::Events),
    ("fastcgi_cache_path", Allowed::Http),
    ("fastcgi_pass", Allowed::Location),
    ("flv", Allowed::Location),
    ("geo", Allowed::Http),
    ("geoip_city", Allowed::Http),
    ("geoip_country", Allowed::Http),
    ("geoip_org", Allowed::Http),
    ("geoip_proxy", Allowed::Http),
    ("geoip_proxy_recursive", Allowed::Http),
    ("grpc_pass", Allowed::Location),
    ("hash", Allowed::Upstream),
    ("http2", Allowed::Server),
    ("http2_body_preread_size", Allowed::Server),
    ("http2_idle_timeout", Allowed::Server),
    ("http2_max_concurrent_pushes", Allowed::Server),
    ("http2_max_concurrent_streams", Allowed::Server),
    ("http2_max_field_size", Allowed::Server),
    ("http2_max_header_size", Allowed::Server),
    ("http2_max_requests", Allowed::Server),
    ("http2_pool_size", Allowed::Server),
    ("http2_recv_buffer_size", Allowed::Http),
    ("http2_recv_timeout", Allowed::Server),
    ("http2_streams_index_size", Allowed::Server),
    ("http3", Allowed::Server),
    ("http3_hq", Allowed::Server),
    ("http3_max_concurrent_streams", Allowed::Server),
    ("http3_stream_buffer_size", Allowed::Server),
    ("ignore_invalid_headers", Allowed::Server),
    ("image_filter", Allowed::Location),
    ("internal", Allowed::Location),
    ("ip_hash", Allowed::Upstream),
    ("keepalive", Allowed::Upstream),
    ("large_client_header_buffers", Allowed::Server),
    ("least_conn", Allowed::Upstream),
    ("least_time", Allowed::Upstream),
    ("limit_conn_zone", Allowed::Http),
    ("limit_req_zone", Allowed::Http),
    ("load_module", Allowed::Main),
    ("lock_file", Allowed::Main),
    ("log_format", Allowed::Http),
    ("map", Allowed::Http),
    ("map_hash_bucket_size", Allowed::Http),
    ("map_hash_max_size", Allowed::Http),
    ("master_process", Allowed::Main),
    ("max_headers", Allowed::Server),
    ("memcached_pass", Allowed::Location),
    ("merge_slashes", Allowed::Server),
    ("mp4", Allowed::Location),
    ("multi_accept", Allowed::Events),
    ("ntlm", Allowed::Upstream),
    ("pcre_jit", Allowed::Main),
    ("perl", Allowed::Location),
    ("perl_modules", Allowed::Http),
    ("perl_require", Allowed::Http),
    ("perl_set", Allowed::Http),
    ("pid", Allowed::Main),
    ("proxy_cache_path", Allowed::Http),
    ("queue", Allowed::Upstream),
    ("quic_active_connection_id_limit", Allowed::Server),
    ("quic_bpf", Allowed::Main),
    ("quic_gso", Allowed::Server),
    ("quic_host_key", Allowed::Server),
    ("quic_retry", Allowed::Server),
    ("random", Allowed::Upstream),
    ("random_index", Allowed::Location),
    ("request_pool_size", Allowed::Server),
    ("scgi_cache_path", Allowed::Http),
    ("scgi_pass", Allowed::Location),
    ("server", Allowed::Upstream),
    ("server_names_hash_bucket_size", Allowed::Http),
    ("server_names_hash_max_size", Allowed::Http),
    ("split_clients", Allowed::Http),
    ("ssl_buffer_size", Allowed::Server),
    ("ssl_certificate_cache", Allowed::Server),
    ("ssl_certificate_compression", Allowed::Server),
    ("ssl_ciphers", Allowed::Server),
    ("ssl_client_certificate", Allowed::Server),
    ("ssl_conf_command", Allowed::Server),
    ("ssl_crl", Allowed::Server),
    ("ssl_dhparam", Allowed::Server),
    ("ssl_early_data", Allowed::Server),
    ("ssl_ecdh_curve", Allowed::Server),
    ("ssl_ech_file", Allowed::Server),
    ("ssl_engine", Allowed::Main),
    ("ssl_key_log", Allowed::Server),
    ("ssl_ocsp", Allowed::Server),
    ("ssl_ocsp_cache", Allowed::Server),
    ("ssl_ocsp_responder", Allowed::Server),
    ("ssl_password_file", Allowed::Server),
    ("ssl_prefer_server_ciphers", Allowed::Server),
    ("ssl_protocols", Allowed::Server),
    ("ssl_reject_handshake", Allowed::Server),
    ("ssl_session_cache", Allowed::Server),
    ("ssl_session_ticket_key", Allowed::Server),
    ("ssl_session_tickets", Allowed::Server),
    ("ssl_session_timeout", Allowed::Server),
    ("ssl_stapling", Allowed::Server),
    ("ssl_stapling_file", Allowed::Server),
    ("ssl_stapling_responder", Allowed::Server),
    ("ssl_stapling_verify", Allowed::Server),
    ("ssl_trusted_certificate", Allowed::Server),
    ("ssl_verify_client", Allowed::Server),
    ("ssl_verify_depth", Allowed::Server),
    ("state", Allowed::Upstream),
    ("sticky", Allowed::Upstream),
    ("sticky_cookie_insert", Allowed::Upstream),
    ("thread_pool", Allowed::Main),
    ("timer_resolution", Allowed::Main),
    ("underscores_in_headers", Allowed::Server),
    ("upstream", Allowed::Http),
    ("use", Allowed::Events),
    ("user", Allowed::Main),
    ("uwsgi_cache_path", Allowed::Http),
    ("uwsgi_pass", Allowed::Location),
    ("variables_hash_bucket_size", Allowed::Http),
    ("variables_hash_max_size", Allowed::Http),
    ("worker_aio_requests", Allowed::Events),
    ("worker_connections", Allowed::Events),
    ("worker_cpu_affinity", Allowed::Main),
    ("worker_priority", Allowed::Main),
    ("worker_processes", Allowed::Main),
    ("worker_rlimit_core", Allowed::Main),
    ("worker_rlimit_nofile", Allowed::Main),
    ("worker_shutdown_timeout", Allowed::Main),
    ("working_directory", Allowed::Main),
    ("xslt_stylesheet", Allowed::Location),
    ("zone", Allowed::Upstream),
];

/// Whether nginx allows the directive `name` in an `upstream` block, its
/// servers aside: the upstream module's own.
pub(crate) fn upstream_directive(name: &str) -> bool {
    name != "server"
        && (ALSO_IN_UPSTREAM.contains(&name)
            || PLACES
                .iter()
                .any(|(n, allowed)| *n == name && matches!(allowed, Allowed::Upstream)))
}

impl Allowed {
    /// Whether the directive may stand in `place`.
    fn admits(self, place: Place) -> bool {
        match self {
            Allowed::Http => place == Place::Http,
            Allowed::Server => matches!(place, Place::Http | Place::Server),
            Allowed::Location => place == Place::Location,
            Allowed::Upstream => place == Place::Upstream,
            Allowed::Main | Allowed::Events => false,
        }
    }

    /// Where nginx allows the directive, and what to do about it.
    fn explain(self) -> (&'static str, &'static str) {
        const STACKC_BLOCK: &str = "stackc writes this block itself and has no statement for this directive; \
                                    a raw line stands in the block it is written in";
        match self {
            Allowed::Main => ("only in nginx's main context", STACKC_BLOCK),
            Allowed::Events => ("only in the `events` block", STACKC_BLOCK),
            Allowed::Http => (
                "only in the `http` block",
                "write it in the proxy as `nginx http \"...\"`, which stands in the `http` block",
            ),
            Allowed::Upstream => (
                "only in an `upstream` block",
                "write the same `nginx \"...\"` line in the proxy's `upstream NAME { ... }`, beside its `server` \
                 lines; for a `proxy_pass SERVICE:PORT`, declare an upstream and pass to it by name",
            ),
            Allowed::Server => (
                "in a server, not in a location",
                "move the line to the server (or to the proxy, when it has no `server` blocks)",
            ),
            Allowed::Location => ("only in a location", "move the line into a location"),
        }
    }
}

impl Lowerer {
    /// Reads a raw directive standing in `place`; `None` when it is
    /// refused (reported here).
    pub(super) fn lower_raw_nginx(&mut self, text: Spanned<String>, place: Place) -> Option<RawNginx> {
        let words = match raw_directive_words(&text.value) {
            Ok(words) => words,
            Err(problem) => {
                self.report(
                    Diagnostic::error("invalid-raw-nginx", "this is not one nginx directive")
                        .primary(text.span, problem)
                        .help(
                            "write one directive without its `;`, e.g. `nginx \"gzip_types text/css application/javascript\"`; \
                             blocks and several directives need several lines",
                        ),
                );
                return None;
            }
        };
        let name = words[0];
        if let Some((_, statement)) = STATEMENTS.iter().find(|(n, _)| *n == name) {
            self.report(
                Diagnostic::error(
                    "raw-nginx-has-statement",
                    format!("use {statement}, not a raw `{name}`"),
                )
                .primary(text.span, format!("stackc writes `{name}` from that statement"))
                .help(format!("write {statement} instead: one source for each setting")),
            );
            return None;
        }
        if place == Place::Upstream {
            if !self.admitted_in_upstream(name, text.span) {
                return None;
            }
        } else if let Some((_, allowed)) = PLACES.iter().find(|(n, _)| *n == name) {
            if !allowed.admits(place) {
                let (where_, help) = allowed.explain();
                self.report(
                    Diagnostic::error(
                        "raw-nginx-misplaced",
                        format!("nginx does not allow `{name}` in {}", place.name()),
                    )
                    .primary(text.span, format!("nginx allows it {where_}"))
                    .help(help),
                );
                return None;
            }
        }
        if place == Place::Http && matches!(name, "add_header" | "proxy_set_header") {
            self.report(
                Diagnostic::error(
                    "raw-nginx-misplaced",
                    format!("`{name}` in the `http` block would do nothing"),
                )
                .primary(
                    text.span,
                    "stackc writes headers in every server, which then ignores the `http` block's",
                )
                .help(format!(
                    "write `{name}` in the server (or the proxy's shorthand server), or in a location"
                )),
            );
            return None;
        }
        match name {
            "add_header" => self.raw_header(&text, &words, true).map(RawNginx::ResponseHeader),
            "proxy_set_header" => self.raw_header(&text, &words, false).map(RawNginx::RequestHeader),
            _ => Some(RawNginx::Directive(RawDirective {
                name: name.to_string(),
                args: words[1..].iter().map(|w| nginx_word_value(w)).collect(),
                text,
            })),
        }
    }

    /// Whether a raw line in an upstream is one of the upstream module's
    /// directives (nginx allows nothing else there; its servers are
    /// `server` lines); reported when not.
    fn admitted_in_upstream(&mut self, name: &str, span: Span) -> bool {
        if name == "server" {
            self.report(
                Diagnostic::error(
                    "raw-nginx-has-statement",
                    "use `server SERVICE:PORT`, not a raw `server`",
                )
                .primary(span, "stackc writes an upstream's servers from its `server` lines")
                .help(
                    "write `server SERVICE:PORT [weight N]`: stackc checks that the service exists and listens there",
                ),
            );
            return false;
        }
        if !upstream_directive(name) {
            self.report(
                Diagnostic::error(
                    "raw-nginx-misplaced",
                    format!("nginx does not allow `{name}` in an upstream"),
                )
                .primary(
                    span,
                    "an upstream holds only its servers and the upstream module's directives",
                )
                .help(
                    "write it in a location or a server; in an upstream, nginx takes `keepalive`, `least_conn`, \
                         `ip_hash`, `hash`, `random`, `zone`, `keepalive_timeout` and the like",
                ),
            );
            return false;
        }
        true
    }

    /// `add_header NAME VALUE [always]` or `proxy_set_header NAME VALUE`.
    fn raw_header(&mut self, text: &Spanned<String>, words: &[&str], response: bool) -> Option<Header> {
        let shape_ok = match words {
            [_, _, _] => true,
            [_, _, _, always] => response && *always == "always",
            _ => false,
        };
        if !shape_ok {
            let (form, takes) = if response {
                ("`add_header NAME VALUE [always]`", "a name, a value and maybe `always`")
            } else {
                ("`proxy_set_header NAME VALUE`", "a name and a value")
            };
            self.report(
                Diagnostic::error("invalid-raw-nginx", format!("nginx reads `{}` as {form}", words[0]))
                    .primary(text.span, format!("nginx takes {takes} here"))
                    .help("quote a value that has spaces: `nginx \"add_header Content-Security-Policy \\\"default-src 'self'\\\"\"`"),
            );
            return None;
        }
        let name = Spanned::new(nginx_word_value(words[1]), text.span);
        if !self.check_header_name(&name) {
            return None;
        }
        // Everything after the name, as written; the words are slices of
        // the text, so the offset is the name's end.
        let name_end = words[1].as_ptr() as usize - text.value.as_ptr() as usize + words[1].len();
        Some(Header {
            name,
            value: Spanned::new(nginx_word_value(words[2]), text.span),
            raw_args: Some(text.value[name_end..].trim_start_matches(' ').to_string()),
            span: text.span,
        })
    }
}

/// The words nginx would read from `text` as one directive (the name
/// first), as written, or why it would read something else: a `;`, `{` or
/// `}` outside quotes ends the directive or opens a block, `#` at a word's
/// start comments out the rest, and an unclosed quote or a last `\` swallows
/// the `;` stackc adds. Quotes open a word only at its start, as in nginx.
pub(super) fn raw_directive_words(text: &str) -> Result<Vec<&str>, &'static str> {
    // nginx splits words at ASCII spaces only; other blanks (a tab, U+2028)
    // would be read differently by other nginx tools.
    if text.chars().any(|c| c.is_control() || (c.is_whitespace() && c != ' ')) {
        return Err("a raw directive is one line, its words separated by spaces");
    }
    if !text.starts_with(|c: char| c.is_ascii_alphabetic())
        || !text
            .split(' ')
            .next()
            .is_some_and(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        return Err("a directive starts with its name, such as `gzip_types`");
    }
    let mut chars = text.char_indices().peekable();
    let mut words = Vec::new();
    loop {
        while chars.next_if(|&(_, c)| c == ' ').is_some() {}
        let Some((start, first)) = chars.next() else {
            return Ok(words);
        };
        match first {
            '"' | '\'' => loop {
                match chars.next() {
                    None => return Err("a quote is not closed"),
                    Some((_, '\\')) if chars.next().is_none() => return Err("a quote is not closed"),
                    Some((_, c)) if c == first => {
                        if chars.peek().is_some_and(|&(_, c)| c != ' ') {
                            return Err("a closing quote must be followed by a space");
                        }
                        break;
                    }
                    Some(_) => {}
                }
            },
            '#' => return Err("`#` at the start of a word comments out the rest of the line"),
            mut c => loop {
                match c {
                    ';' | '{' | '}' => return Err("`;`, `{` and `}` outside quotes end the directive"),
                    '\\' if chars.next().is_none() => return Err("a last `\\` would escape the directive's end"),
                    _ => {}
                }
                match chars.next_if(|&(_, c)| c != ' ') {
                    Some((_, next)) => c = next,
                    None => break,
                }
            },
        }
        let end = chars.peek().map_or(text.len(), |&(at, _)| at);
        words.push(&text[start..end]);
    }
}

/// What nginx makes of one word (ngx_conf_read_token): the quotes around
/// it removed, `\"`, `\'` and `\\` turned into the character and `\t`,
/// `\r`, `\n` into the control character; other backslashes stay.
fn nginx_word_value(word: &str) -> String {
    let inner = match word.chars().next() {
        Some(quote @ ('"' | '\'')) if word.len() >= 2 && word.ends_with(quote) => &word[1..word.len() - 1],
        _ => word,
    };
    let mut value = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        let escaped = match chars.peek() {
            Some(&next) if c == '\\' => match next {
                '"' | '\'' | '\\' => Some(next),
                't' => Some('\t'),
                'r' => Some('\r'),
                'n' => Some('\n'),
                _ => None,
            },
            _ => None,
        };
        match escaped {
            Some(e) => {
                value.push(e);
                chars.next();
            }
            None => value.push(c),
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::{nginx_word_value, raw_directive_words, PLACES, STATEMENTS};
    use crate::ir::RawHandler;

    #[test]
    fn each_name_is_in_one_table_once() {
        let places: Vec<&str> = PLACES.iter().map(|(name, _)| *name).collect();
        assert!(
            places.windows(2).all(|w| w[0] < w[1]),
            "PLACES is sorted, without repeats"
        );
        for (name, _) in STATEMENTS {
            assert!(!places.contains(name), "`{name}` is refused as a statement already");
            assert!(
                RawHandler::of(name).is_none(),
                "`{name}` is refused as a statement already"
            );
        }
    }

    #[test]
    fn raw_directives_stay_one_directive() {
        assert_eq!(
            raw_directive_words("gzip_types text/css application/javascript"),
            Ok(vec!["gzip_types", "text/css", "application/javascript"])
        );
        assert_eq!(
            raw_directive_words("add_header Content-Security-Policy \"default-src 'self'; img-src *\""),
            Ok(vec![
                "add_header",
                "Content-Security-Policy",
                "\"default-src 'self'; img-src *\""
            ])
        );
        assert_eq!(
            raw_directive_words("add_header X a\"b"),
            Ok(vec!["add_header", "X", "a\"b"])
        );
        assert_eq!(raw_directive_words("etag  off"), Ok(vec!["etag", "off"]));
        assert_eq!(raw_directive_words("set $a a\\ b"), Ok(vec!["set", "$a", "a\\ b"]));
        assert!(raw_directive_words("gzip on; user root").is_err());
        assert!(raw_directive_words("if ($x) {").is_err());
        assert!(raw_directive_words("gzip \"on").is_err());
        assert!(raw_directive_words("gzip \"on\"x").is_err());
        assert!(raw_directive_words("gzip on\\").is_err());
        assert!(raw_directive_words("gzip #on").is_err());
        assert!(raw_directive_words("gzip\non").is_err());
        assert!(raw_directive_words("gzip\ton").is_err());
        assert!(raw_directive_words("gzip_types a\u{2028}b").is_err());
        assert!(raw_directive_words("").is_err());
        assert!(raw_directive_words("\"gzip\" on").is_err());
        assert!(raw_directive_words(" gzip on").is_err());
    }

    #[test]
    fn words_read_back_as_nginx_reads_them() {
        assert_eq!(nginx_word_value("$host"), "$host");
        assert_eq!(nginx_word_value("\"a b\""), "a b");
        assert_eq!(nginx_word_value("'a\\'b'"), "a'b");
        assert_eq!(nginx_word_value("\"\""), "");
        assert_eq!(nginx_word_value("a\\tb\\x"), "a\tb\\x");
        assert_eq!(nginx_word_value("\"a\\\\\""), "a\\");
    }
}
