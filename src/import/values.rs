//! Compose's spellings of values, read into the spec's: `$$` and
//! interpolation, durations, sizes, short port and volume syntax.

use super::yaml::Node;

/// A compose string as the container sees it: `$$` is one `$`. `None`
/// when compose fills a variable from the host (`$VAR`, `${VAR}`): a spec
/// string is literal and cannot say that.
pub fn literal(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('$') => {
                chars.next();
                out.push('$');
            }
            Some(c) if c.is_ascii_alphabetic() || *c == '_' || *c == '{' => return None,
            _ => out.push('$'),
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
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push_str("$$");
            rest = tail;
            continue;
        }
        let inner = after.strip_prefix('{')?;
        let end = inner.find('}')?;
        let (name, default) = inner[..end].split_once(":-").or_else(|| inner[..end].split_once('-'))?;
        if !super::spec::is_env_name(name) || default.contains('$') {
            return None;
        }
        out.push_str(default);
        names.push(name.to_string());
        rest = &inner[end + 1..];
    }
    out.push_str(rest);
    Some((literal(&out)?, names))
}

/// The names of the variables compose fills into a value (`$VAR`,
/// `${VAR}`, `${VAR:-default}`), in order; `$$` is none.
pub fn variables(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            rest = tail;
            continue;
        }
        let braced = after.strip_prefix('{');
        let word = braced.unwrap_or(after);
        let end = word
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(word.len());
        if end > 0 && !word.starts_with(|c: char| c.is_ascii_digit()) {
            names.push(&word[..end]);
        }
        rest = &word[end..];
    }
    names
}

/// `VAR` of a value that is `$VAR` or `${VAR}` and nothing else.
pub fn whole_variable(text: &str) -> Option<&str> {
    let name = text
        .strip_prefix("${")
        .and_then(|t| t.strip_suffix('}'))
        .or_else(|| text.strip_prefix('$'))?;
    super::spec::is_env_name(name).then_some(name)
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

/// A published port of compose's short syntax (`[IP:]HOST:CONTAINER`).
#[derive(Debug, PartialEq)]
pub struct Published {
    pub ip: Option<String>,
    pub host: u16,
    pub container: u16,
}

impl Published {
    pub fn statement(&self) -> String {
        match &self.ip {
            Some(ip) => format!("publish {ip}:{} -> {}", self.host, self.container),
            None => format!("publish {} -> {}", self.host, self.container),
        }
    }
}

/// `None` for what the spec cannot say: a random host port, a range, UDP.
pub fn short_port(text: &str) -> Option<Published> {
    let text = text.strip_suffix("/tcp").unwrap_or(text);
    let (rest, container) = text.rsplit_once(':')?;
    let (ip, host) = match rest.rsplit_once(':') {
        Some((ip, host)) => (Some(ip.to_string()), host),
        None => (None, rest),
    };
    let ip = ip.filter(|ip| !ip.is_empty() && ip != "0.0.0.0");
    if ip.as_deref().is_some_and(|ip| !is_ip(ip)) {
        return None;
    }
    Some(Published {
        ip,
        host: host.parse().ok()?,
        container: container.parse().ok()?,
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
    }

    #[test]
    fn variables_are_named() {
        assert_eq!(
            variables("postgres://${DB_USER}:$DB_PASS@db/${DB_NAME:-app}"),
            ["DB_USER", "DB_PASS", "DB_NAME"]
        );
        assert_eq!(variables("pa$$word $1 cost 5$"), Vec::<&str>::new());
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
        assert_eq!(whole_variable("${DB_PASSWORD:-x}"), None);
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
        assert_eq!(short_port("53:53/udp"), None);
    }

    #[test]
    fn durations_and_sizes() {
        assert_eq!(duration("1m30s").as_deref(), Some("1m30s"));
        assert_eq!(duration("1.5s"), None);
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
