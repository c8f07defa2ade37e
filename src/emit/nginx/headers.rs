//! Response headers: stackc's security headers, which every server sends
//! unless the spec sets its own of the name (an empty value sending none),
//! and the merge by name that nginx's inheritance needs (a block with an
//! `add_header` of its own inherits none).
//!
//! A default is sent only when the app's response has no header of its
//! name: a `map` on `$upstream_http_NAME` gives the value, or an empty one,
//! for which nginx sends nothing. So stackc never contradicts an app that
//! chose (Django's `SECURE_REFERRER_POLICY`, `X_FRAME_OPTIONS`), and static
//! files and nginx's own error pages still get the headers.

use crate::ir::{Header, Proxy, Server};

/// A response header stackc sends unless the spec sets its own of the
/// name, and then only when the app's response has none: a `map` on the
/// app's header gives the value, or an empty one, for which nginx sends no
/// header.
pub(super) struct DefaultHeader {
    pub(super) name: &'static str,
    value: &'static str,
}

/// Every server's defaults:
/// - `nosniff`: a browser takes an uploaded file for what its
///   `Content-Type` says, never for a script or a page it sniffed;
/// - `DENY`: no site frames the pages (clickjacking). Django's own default
///   since 3.0, which its admin works with; an app that frames itself
///   sends `SAMEORIGIN`, which then stands alone;
/// - `strict-origin-when-cross-origin`: other sites see the origin, never
///   the path and query (which may hold tokens), and nothing over HTTP
///   from HTTPS. The browsers' own default, made explicit for older ones.
pub(super) const SECURITY_HEADERS: [DefaultHeader; 3] = [
    DefaultHeader {
        name: "X-Content-Type-Options",
        value: "nosniff",
    },
    DefaultHeader {
        name: "X-Frame-Options",
        value: "DENY",
    },
    DefaultHeader {
        name: "Referrer-Policy",
        value: "strict-origin-when-cross-origin",
    },
];

/// A TLS server's default besides: a year, the browser's promise to come
/// back over HTTPS only (gixy's hsts_header). Browsers ignore it on a
/// connection with a certificate error.
pub(super) const HSTS: DefaultHeader = DefaultHeader {
    name: "Strict-Transport-Security",
    value: "max-age=31536000",
};

impl DefaultHeader {
    /// `x_frame_options` for `X-Frame-Options`.
    fn snake_name(&self) -> String {
        self.name.to_ascii_lowercase().replace('-', "_")
    }

    /// The map's variable: the default, or empty when the app sent one.
    pub(super) fn variable(&self) -> String {
        format!("$default_{}", self.snake_name())
    }

    pub(super) fn map(&self) -> String {
        format!(
            "map $upstream_http_{} {} {{\n    \"\" {};\n    default \"\";\n}}\n",
            self.snake_name(),
            self.variable(),
            self.value
        )
    }
}

/// A response header to write: one of stackc's defaults, or the spec's.
#[derive(Clone, Copy)]
pub(super) enum Response<'a> {
    Default(&'static DefaultHeader),
    Spec(&'a Header),
}

impl Response<'_> {
    pub(super) fn name(&self) -> &str {
        match self {
            Response::Default(header) => header.name,
            Response::Spec(header) => &header.name.value,
        }
    }
}

/// A server's response headers: stackc's defaults (a TLS server's with
/// HSTS), each replaced by the spec's header of its name.
pub(super) fn server_headers(server: &Server) -> Vec<Response<'_>> {
    let tls = server.is_tls().then_some(&HSTS);
    let defaults = SECURITY_HEADERS.iter().chain(tls).map(Response::Default).collect();
    merge(defaults, &server.settings.response_headers)
}

/// `own` headers over inherited ones: each replaces the inherited header of
/// its name (HTTP ignores case) in its place, or comes after them.
pub(super) fn merge<'a>(mut merged: Vec<Response<'a>>, own: &'a [Header]) -> Vec<Response<'a>> {
    for header in own {
        let same = |h: &&mut Response| h.name().eq_ignore_ascii_case(&header.name.value);
        match merged.iter_mut().find(same) {
            Some(slot) => *slot = Response::Spec(header),
            None => merged.push(Response::Spec(header)),
        }
    }
    merged
}

/// The `map` of each default that some server sends, in a fixed order.
pub(super) fn default_maps(proxy: &Proxy) -> Vec<String> {
    let sent = |default: &&DefaultHeader| {
        proxy.servers.iter().any(|server| {
            server_headers(server)
                .iter()
                .any(|h| matches!(h, Response::Default(d) if d.name == default.name))
        })
    };
    SECURITY_HEADERS
        .iter()
        .chain([&HSTS])
        .filter(sent)
        .map(DefaultHeader::map)
        .collect()
}
