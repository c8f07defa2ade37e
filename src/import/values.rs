//! Compose's spellings of values, read into the spec's: `$$` and
//! interpolation, durations, sizes, short port and volume syntax.

use super::yaml::Node;
use crate::ir::Protocol;

/// One piece of a compose string as compose's interpolation reads it.
#[derive(Debug, PartialEq)]
enum Piece<'t> {
    /// Text holding no reference (a `$` that starts none stays in it).
    Text(&'t str),
    /// `$$`: one literal `$`.
    Escaped,
    /// `$NAME` or `${NAME<operation>}` (`${A:-${B}}` nests), as
    /// `written`. An unclosed `${` is one with an empty name that runs
    /// to the end, so nothing reads it as a value.
    Reference {
        name: &'t str,
        operation: &'t str,
        written: &'t str,
    },
}

/// The pieces of `text`, in order: the one scanner of `$` every reader
/// below is built on.
fn pieces(text: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(at) = rest.find('$') else {
            return Some(Piece::Text(std::mem::take(&mut rest)));
        };
        if at > 0 {
            let (text, tail) = rest.split_at(at);
            rest = tail;
            return Some(Piece::Text(text));
        }
        let (piece, len) = reference(rest);
        rest = &rest[len..];
        Some(piece)
    })
}

/// The piece `text` starts with (it starts with `$`) and its length.
fn reference(text: &str) -> (Piece<'_>, usize) {
    let after = &text[1..];
    let name_len = |word: &str| {
        word.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(word.len())
    };
    if after.starts_with('$') {
        return (Piece::Escaped, 2);
    }
    if let Some(inner) = after.strip_prefix('{') {
        let Some(end) = closing_brace(inner) else {
            return (
                Piece::Reference {
                    name: "",
                    operation: "",
                    written: text,
                },
                text.len(),
            );
        };
        let body = &inner[..end];
        let (name, operation) = body.split_at(name_len(body));
        let len = end + 3;
        return (
            Piece::Reference {
                name,
                operation,
                written: &text[..len],
            },
            len,
        );
    }
    let len = name_len(after);
    if len == 0 || after.starts_with(|c: char| c.is_ascii_digit()) {
        return (Piece::Text("$"), 1);
    }
    let name = &after[..len];
    (
        Piece::Reference {
            name,
            operation: "",
            written: &text[..len + 1],
        },
        len + 1,
    )
}

/// Where the `}` that closes a `${` is in what follows it, past nested
/// `${...}`.
fn closing_brace(inner: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = inner.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' if i > 0 && bytes[i - 1] == b'$' => depth += 1,
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// A compose string as the container sees it: `$$` is one `$`. `None`
/// when compose fills a variable from the host (`$VAR`, `${VAR}`): a spec
/// string is literal and cannot say that.
pub fn literal(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    for piece in pieces(text) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Escaped => out.push('$'),
            Piece::Reference { .. } => return None,
        }
    }
    Some(out)
}

/// A compose string whose every variable has a default
/// (`${VAR:-default}`, `${VAR-default}`), with the defaults in their
/// place, and the variables' names. `None` when one has none, or a
/// default holds another variable.
pub fn with_defaults(text: &str) -> Option<(String, Vec<String>)> {
    let mut out = String::with_capacity(text.len());
    let mut names = Vec::new();
    for piece in pieces(text) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Escaped => out.push('$'),
            Piece::Reference { name, operation, .. } => {
                let default = operation.strip_prefix(":-").or_else(|| operation.strip_prefix('-'))?;
                if !super::spec::is_env_name(name) || default.contains('$') {
                    return None;
                }
                out.push_str(default);
                names.push(name.to_string());
            }
        }
    }
    Some((out, names))
}

/// A compose string with the variables `value_of` knows filled in, as
/// compose fills them from the project's `.env`: `$VAR`, `${VAR}`, and
/// the forms with an operator (`${VAR:-default}` takes the default for
/// an empty value, `${VAR-default}` only for an unset one, `${VAR:+alt}`
/// and `${VAR+alt}` the other way round, `${VAR:?message}` and
/// `${VAR?message}` the value). Every other reference is left as
/// written, and a filled value's `$` is written `$$`, so the result still
/// reads as compose's. Also the names filled, in order.
pub fn fill<'v>(text: &str, value_of: impl Fn(&str) -> Option<&'v str>) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut filled = Vec::new();
    for piece in pieces(text) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Escaped => out.push_str("$$"),
            Piece::Reference {
                name,
                operation,
                written,
            } => {
                let value = value_of(name)
                    .filter(|_| super::spec::is_env_name(name))
                    .and_then(|value| with_operation(value, operation));
                match value {
                    Some(value) => {
                        out.push_str(&value.replace('$', "$$"));
                        filled.push(name.to_string());
                    }
                    None => out.push_str(written),
                }
            }
        }
    }
    (out, filled)
}

/// What `${VAR<operation>}` is when `VAR` is set to `value`; `None` for
/// an operation this reader does not know, or one whose text holds
/// another reference.
fn with_operation<'v>(value: &'v str, operation: &'v str) -> Option<&'v str> {
    if operation.contains('$') {
        return None;
    }
    let (op, word) = ["?", ":?", ":-", "-", ":+", "+"]
        .iter()
        .filter_map(|op| Some((*op, operation.strip_prefix(op)?)))
        .max_by_key(|(op, _)| op.len())
        .unwrap_or(("", operation));
    match op {
        "" if word.is_empty() => Some(value),
        ":-" if value.is_empty() => Some(word),
        ":-" | "-" | "?" => Some(value),
        ":?" => (!value.is_empty()).then_some(value),
        ":+" => Some(if value.is_empty() { "" } else { word }),
        "+" => Some(word),
        _ => None,
    }
}

/// The names of the variables compose fills into a value (`$VAR`,
/// `${VAR}`, `${VAR:-default}` and the ones in its default), in order;
/// `$$` is none.
pub fn variables(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    for piece in pieces(text) {
        if let Piece::Reference { name, operation, .. } = piece {
            if super::spec::is_env_name(name) {
                names.push(name);
            }
            names.extend(variables(operation));
        }
    }
    names
}

/// `VAR` of a value that is `$VAR` or `${VAR}` and nothing else, the
/// same variable required (`${VAR:?message}`, `${VAR?message}`: compose
/// refuses to start without it, as authentik's compose file asks for its
/// secret key), or with an empty default (`${VAR:-}`, `${VAR-}`: compose
/// gives `""` for an unset variable as it does for `${VAR}`, only without
/// its warning): each is the variable's value.
pub fn whole_variable(text: &str) -> Option<&str> {
    let (name, operation) = one_reference(text)?;
    let value = matches!(operation, "" | ":-" | "-") || operation.starts_with('?') || operation.starts_with(":?");
    value.then_some(name)
}

/// Whether a value that is one reference may be unset as compose reads
/// it: `${VAR:-}`, `${VAR-}` (a default; `${VAR}` itself is warned of).
pub fn may_be_unset(text: &str) -> bool {
    one_reference(text).is_some_and(|(_, operation)| operation.starts_with('-') || operation.starts_with(":-"))
}

/// `VAR` and its operation (`:-default`, `?message`, or none) of a value
/// that is one reference and nothing else.
pub fn one_reference(text: &str) -> Option<(&str, &str)> {
    let mut pieces = pieces(text);
    let (Some(Piece::Reference { name, operation, .. }), None) = (pieces.next(), pieces.next()) else {
        return None;
    };
    super::spec::is_env_name(name).then_some((name, operation))
}

/// A compose string as the container sees it, each plain reference
/// (`$NAME`, `${NAME}`) replaced by what `replace` gives for its name;
/// `None` when one has an operator (`${NAME:-x}`) or `replace` gives
/// nothing for it.
pub fn replacing_references(text: &str, replace: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    for piece in pieces(text) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Escaped => out.push('$'),
            Piece::Reference {
                name, operation: "", ..
            } => out.push_str(&replace(name)?),
            Piece::Reference { .. } => return None,
        }
    }
    Some(out)
}

/// `text` as a shell reads it when compose leaves its references to the
/// shell: `$$` is one `$`, and each `$NAME` or `${NAME...}` stays as
/// written (a shell reads the same forms).
pub fn for_shell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in pieces(text) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Escaped => out.push('$'),
            Piece::Reference { written, .. } => out.push_str(written),
        }
    }
    out
}

/// A scalar's text, with compose's `$$` read, for a value compose
/// interpolates.
pub fn scalar(node: &Node) -> Option<String> {
    node.text().and_then(literal)
}

/// A compose duration (`1m30s`, `10s`, `500ms`) as the spec writes one;
/// `None` for fractions and microseconds, which the spec has no word for.
pub fn duration(text: &str) -> Option<String> {
    let text = text.trim();
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return None;
        }
        rest = &rest[digits..];
        let unit = ["ms", "h", "m", "s"].into_iter().find(|u| rest.starts_with(u))?;
        rest = &rest[unit.len()..];
    }
    Some(text.to_string())
}

/// An nginx time (`60s`, `1m`) as the spec writes one: a bare number is
/// seconds (`proxy_read_timeout 86400`), as nginx reads it, and days and
/// weeks are hours. `None` for months and years, which no timeout needs.
pub fn nginx_time(text: &str) -> Option<String> {
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (number, unit) = text.split_at(digits);
    let hours = |per: u64| Some(format!("{}h", number.parse::<u64>().ok()?.checked_mul(per)?));
    match unit {
        _ if digits == 0 => None,
        "" => Some(format!("{number}s")),
        "d" => hours(24),
        "w" => hours(24 * 7),
        _ => duration(text),
    }
}

/// A compose size (`64m`, `1gb`, `512`) as the spec writes one (`64M`).
pub fn size(text: &str) -> Option<String> {
    let lower = text.trim().to_ascii_lowercase();
    let digits = lower.len() - lower.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let unit = match &lower[digits..] {
        "" | "b" => "",
        "k" | "kb" => "k",
        "m" | "mb" => "M",
        "g" | "gb" => "G",
        _ => return None,
    };
    Some(format!("{}{unit}", &lower[..digits]))
}

/// A published port of compose's short syntax
/// (`[IP:]HOST:CONTAINER[/PROTOCOL]`).
#[derive(Debug, PartialEq)]
pub struct Published {
    pub ip: Option<String>,
    pub host: u16,
    pub container: u16,
    pub protocol: Protocol,
}

impl Published {
    pub fn statement(&self) -> String {
        let (container, protocol) = (self.container, self.protocol.suffix());
        match &self.ip {
            Some(ip) => format!("publish {ip}:{} -> {container}{protocol}", self.host),
            None => format!("publish {} -> {container}{protocol}", self.host),
        }
    }
}

/// `None` for what the spec cannot say: a random host port, a range, a
/// protocol Docker does not know.
pub fn short_port(text: &str) -> Option<Published> {
    let (text, protocol) = Protocol::split(text)?;
    let (rest, container) = text.rsplit_once(':')?;
    let (ip, host) = match rest.rsplit_once(':') {
        Some((ip, host)) => (Some(ip.to_string()), host),
        None => (None, rest),
    };
    // `0.0.0.0` is IPv4 only, as Docker reads it: kept.
    let ip = ip.filter(|ip| !ip.is_empty());
    if ip.as_deref().is_some_and(|ip| !is_ip(ip)) {
        return None;
    }
    Some(Published {
        ip,
        host: host.parse().ok()?,
        container: container.parse().ok()?,
        protocol,
    })
}

/// An IPv4 address, or an IPv6 one in brackets, as the grammar takes it.
fn is_ip(text: &str) -> bool {
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return !inner.is_empty() && inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    }
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.parse::<u8>().is_ok())
}

/// A volume of compose's short syntax: `SOURCE:TARGET[:MODE]` or `TARGET`.
#[derive(Debug, PartialEq)]
pub struct ShortVolume {
    pub source: Option<String>,
    pub target: String,
    pub modes: Vec<String>,
}

pub fn short_volume(text: &str) -> ShortVolume {
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        [target] => ShortVolume {
            source: None,
            target: target.to_string(),
            modes: Vec::new(),
        },
        [source, target] => ShortVolume {
            source: Some(source.to_string()),
            target: target.to_string(),
            modes: Vec::new(),
        },
        [source, target, mode] => ShortVolume {
            source: Some(source.to_string()),
            target: target.to_string(),
            modes: mode.split(',').map(str::to_string).collect(),
        },
        // A Windows drive letter or a path with `:`: the long syntax says it.
        _ => ShortVolume {
            source: Some(parts[..parts.len() - 1].join(":")),
            target: parts[parts.len() - 1].to_string(),
            modes: Vec::new(),
        },
    }
}

/// Whether a volume source is a host path rather than a volume's name.
pub fn is_host_path(source: &str) -> bool {
    source.starts_with(['.', '/', '~'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars() {
        assert_eq!(literal("pa$$word").as_deref(), Some("pa$word"));
        assert_eq!(literal("$HOME"), None);
        assert_eq!(literal("${X:-1}"), None);
        assert_eq!(literal("cost: 5$").as_deref(), Some("cost: 5$"));
        assert_eq!(literal("$1 and ${unclosed"), None);
    }

    #[test]
    fn dotenv_values_fill_their_references() {
        let dotenv = |name: &str| match name {
            "USER" => Some("app"),
            "EMPTY" => Some(""),
            "PRICE" => Some("5$"),
            _ => None,
        };
        let filled = |text: &str| fill(text, dotenv);
        assert_eq!(
            filled("pg_isready -U ${USER} -d $USER"),
            (
                "pg_isready -U app -d app".to_string(),
                vec!["USER".to_string(), "USER".to_string()]
            )
        );
        // Unknown ones, and `$$`, stay as written.
        assert_eq!(filled("$HOME/${TAG:-x} $$USER").0, "$HOME/${TAG:-x} $$USER");
        assert_eq!(filled("${EMPTY:-d}|${EMPTY-d}|${USER:-d}").0, "d||app");
        assert_eq!(filled("${EMPTY:+a}|${USER:+a}|${EMPTY+a}").0, "|a|a");
        assert_eq!(filled("${USER:?set it}").0, "app");
        assert_eq!(filled("${EMPTY:?set it}").0, "${EMPTY:?set it}");
        // A value's `$` stays literal; a default holding a reference is left.
        assert_eq!(filled("cost ${PRICE}").0, "cost 5$$");
        assert_eq!(literal(&filled("cost ${PRICE}").0).as_deref(), Some("cost 5$"));
        assert_eq!(filled("${EMPTY:-$HOME}").0, "${EMPTY:-$HOME}");
        assert_eq!(filled("${USER").0, "${USER");
        assert_eq!(filled("${EMPTY:-${USER}}x").0, "${EMPTY:-${USER}}x");
    }

    #[test]
    fn variables_are_named() {
        assert_eq!(
            variables("postgres://${DB_USER}:$DB_PASS@db/${DB_NAME:-app}"),
            ["DB_USER", "DB_PASS", "DB_NAME"]
        );
        assert_eq!(variables("pa$$word $1 cost 5$"), Vec::<&str>::new());
        assert_eq!(variables("${A:-${B}} ${C"), ["A", "B"]);
    }

    #[test]
    fn defaults_take_the_variables_place() {
        assert_eq!(
            with_defaults("ghcr.io/acme/api:${TAG:-latest}"),
            Some(("ghcr.io/acme/api:latest".to_string(), vec!["TAG".to_string()]))
        );
        assert_eq!(
            with_defaults("${LEVEL-info} $$x"),
            Some(("info $x".to_string(), vec!["LEVEL".to_string()]))
        );
        assert_eq!(with_defaults("${TAG}"), None);
        assert_eq!(with_defaults("$TAG"), None);
        assert_eq!(with_defaults("${A:-${B}}"), None);
    }

    #[test]
    fn whole_variables() {
        assert_eq!(whole_variable("${DB_PASSWORD}"), Some("DB_PASSWORD"));
        assert_eq!(whole_variable("$DB_PASSWORD"), Some("DB_PASSWORD"));
        assert_eq!(whole_variable("${DB_PASSWORD:?required}"), Some("DB_PASSWORD"));
        assert_eq!(whole_variable("${DB_PASSWORD?}"), Some("DB_PASSWORD"));
        // An empty default is the variable's value: `""` when unset, as `${VAR}`.
        assert_eq!(whole_variable("${DB_PASSWORD:-}"), Some("DB_PASSWORD"));
        assert_eq!(whole_variable("${DB_PASSWORD-}"), Some("DB_PASSWORD"));
        assert_eq!(whole_variable("${DB_PASSWORD:-x}"), None);
        assert_eq!(whole_variable("${DB_PASSWORD-x}"), None);
        assert_eq!(whole_variable("${DB_PASSWORD:+x}"), None);
        assert_eq!(whole_variable("$$DB_PASSWORD"), None);
        assert_eq!(whole_variable("a$B"), None);
    }

    #[test]
    fn ports() {
        assert_eq!(short_port("1337:80").unwrap().statement(), "publish 1337 -> 80");
        assert_eq!(
            short_port("127.0.0.1:5432:5432").unwrap().statement(),
            "publish 127.0.0.1:5432 -> 5432"
        );
        assert_eq!(short_port("8000"), None);
        assert_eq!(short_port("8000-8001:80"), None);
        assert_eq!(short_port("53:53/udp").unwrap().statement(), "publish 53 -> 53/udp");
        assert_eq!(short_port("53:53/UDP").unwrap().statement(), "publish 53 -> 53/udp");
        assert_eq!(short_port("80:80/tcp").unwrap().statement(), "publish 80 -> 80");
        assert_eq!(
            short_port("[::1]:3478:3478/sctp").unwrap().statement(),
            "publish [::1]:3478 -> 3478/sctp"
        );
        assert_eq!(short_port("53:53/icmp"), None);
        let canonical = crate::ir::ContainerPort::canonical;
        assert_eq!(canonical("53/udp").as_deref(), Some("53/udp"));
        assert_eq!(canonical("8000/tcp").as_deref(), Some("8000"));
        assert_eq!(canonical("0053/UDP").as_deref(), Some("53/udp"));
        assert_eq!(canonical("8000-8001"), None);
        assert_eq!(canonical("+53/udp"), None);
        assert_eq!(canonical("70000"), None);
        assert_eq!(short_port("53/udp"), None);
    }

    #[test]
    fn durations_and_sizes() {
        assert_eq!(duration("1m30s").as_deref(), Some("1m30s"));
        assert_eq!(duration("1.5s"), None);
        assert_eq!(nginx_time("86400").as_deref(), Some("86400s"));
        assert_eq!(nginx_time("1d").as_deref(), Some("24h"));
        assert_eq!(nginx_time("2w").as_deref(), Some("336h"));
        assert_eq!(nginx_time("90s").as_deref(), Some("90s"));
        assert_eq!(nginx_time("1M"), None);
        assert_eq!(nginx_time("s"), None);
        assert_eq!(size("64m").as_deref(), Some("64M"));
        assert_eq!(size("1gb").as_deref(), Some("1G"));
    }

    #[test]
    fn volumes() {
        let v = short_volume("postgres_data:/var/lib/postgresql/data/");
        assert_eq!(v.source.as_deref(), Some("postgres_data"));
        assert_eq!(short_volume("./app:/app:ro,z").modes, vec!["ro", "z"]);
    }
}
