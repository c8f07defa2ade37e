//! A service's `volumes` and `ports`, in compose's short and long
//! syntax, as `mount` and `publish` statements.

use super::compose::Import;
use super::spec::{is_name, quoted, word, Stmt};
use super::values::{self, short_port, short_volume};
use super::yaml::{Kind, Node};
use crate::ir::Protocol;

pub fn mount(v: &Node, import: &mut Import) -> Option<Stmt> {
    mount_at(v, import, None)
}

/// [`mount`], or of the folder `served.folder` of its host path, at
/// `served.at`.
pub fn mount_at(v: &Node, import: &mut Import, served: Option<&super::compose::ServedBind>) -> Option<Stmt> {
    let file = import.file;
    let (kind, source, target, read_only, selinux) = match &v.kind {
        Kind::Scalar { text, .. } => {
            // `${AIRFLOW_PROJ_DIR:-.}/dags:/opt/airflow/dags`: the default's
            // `:` is not one of the short syntax's, so it is filled first.
            let text = match values::literal(text) {
                Some(text) => text,
                None => super::environment::defaulted(import, v, "volume", text)?,
            };
            let short = short_volume(&text);
            let read_only = short.modes.iter().any(|m| m == "ro");
            let selinux = short.modes.iter().find(|m| *m == "z" || *m == "Z").cloned();
            if let Some(m) = short
                .modes
                .iter()
                .find(|m| !matches!(m.as_str(), "ro" | "rw" | "z" | "Z"))
            {
                import.report.dropped(
                    file,
                    v.span,
                    format!("volume mode `{m}`"),
                    "the spec mounts read-only or not, with SELinux labels",
                );
            }
            let kind = match &short.source {
                None => "anonymous",
                Some(s) if values::is_host_path(s) => "bind",
                Some(_) => "volume",
            };
            (kind.to_string(), short.source, short.target, read_only, selinux)
        }
        _ => {
            let kind = v.get("type").and_then(Node::text).unwrap_or("volume").to_string();
            let selinux = v
                .get("bind")
                .and_then(|b| b.get("selinux"))
                .and_then(Node::text)
                .map(str::to_string);
            for (option, _) in v.entries() {
                let known = ["type", "source", "target", "read_only", "bind"];
                let option_name = option.text().unwrap_or_default();
                // compose's own rendering of the short syntax: empty options.
                let empty = option_name == "volume" && v.get("volume").is_some_and(|o| o.entries().is_empty());
                if !known.contains(&option_name) && !empty {
                    import.report.dropped(
                        file,
                        option.span,
                        format!("mount option `{}`", option.text().unwrap_or_default()),
                        "the spec's mounts take a source, a target, `ro` and SELinux labels",
                    );
                }
            }
            // `source: ${PGDATA_DIR:-./postgres-data}`, which compose's
            // config leaves to the host (a volume until filled): its
            // default, a host path or a volume as the short syntax reads it.
            let mut kind = kind;
            let source = match v.get("source") {
                Some(node) => match node.text() {
                    Some(text) if values::literal(text).is_none() => {
                        Some(super::environment::defaulted(import, node, "volume", text)?)
                    }
                    text => text.map(str::to_string),
                },
                None => None,
            };
            // Compose writes a short `${DATA}:/data` as a volume when it
            // does not fill variables: filled (from its default or the
            // project's `.env`), a path is a host path, as the short
            // syntax reads it.
            if kind == "volume" && source.as_deref().is_some_and(values::is_host_path) {
                kind = "bind".to_string();
            }
            // `target: /app/${STORAGE_PATH:-.local-storage}` alike: a
            // path of the container holding `$` kept the data off the volume.
            let target = match v.get("target") {
                Some(node) => {
                    let text = node.text().unwrap_or_default();
                    match values::literal(text) {
                        Some(target) => target,
                        None => super::environment::defaulted(import, node, "volume target", text)?,
                    }
                }
                None => String::new(),
            };
            (
                kind,
                source,
                target,
                v.get("read_only")
                    .is_some_and(|flag| super::environment::flag(import, flag, "read_only") == Some(true)),
                selinux,
            )
        }
    };
    // Compose relabels host paths only: on a volume it warns that the
    // mount "should not define `bind` option" and leaves the label off.
    let selinux = match selinux {
        Some(label) if kind != "bind" => {
            import.report.dropped(
                file,
                v.span,
                format!("SELinux label `{label}` on a volume, which compose ignores"),
                "nothing to carry: only a host path is relabelled",
            );
            None
        }
        selinux => selinux,
    };
    let source = match (kind.as_str(), source) {
        ("volume", None) | ("anonymous", _) => "anonymous".to_string(),
        ("volume", Some(name)) if is_name(&name) => name,
        ("bind", Some(path)) => {
            let path = match served.filter(|s| !s.folder.is_empty()) {
                Some(s) => format!("{}/{}", path.trim_end_matches('/'), s.folder),
                None => path,
            };
            let path = import.places.rebase(&path);
            if path.starts_with(['.', '/', '~'])
                && path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_./:@-+%~".contains(c))
            {
                path
            } else {
                quoted(&path)
            }
        }
        _ => {
            import.report.dropped(
                file,
                v.span,
                format!("a `{kind}` mount"),
                "the spec mounts named volumes, host paths and anonymous volumes",
            );
            return None;
        }
    };
    let mut text = format!("mount {source} at {}", word(served.map_or(&target, |s| &s.at)));
    if read_only {
        text.push_str(" ro");
    }
    match selinux.as_deref() {
        Some("z") => text.push_str(" relabel shared"),
        Some("Z") => text.push_str(" relabel private"),
        _ => {}
    }
    Some(Stmt::line(text))
}

/// One port of a service's `ports`.
#[derive(Clone, Copy)]
pub struct PortEntry<'a> {
    pub node: &'a Node,
    /// Half of a `0.0.0.0:H:C` and `[::]:H:C` pair: how stackc writes
    /// "every interface", which the spec writes without an address.
    pub every_interface: bool,
}

/// The ports, a `0.0.0.0:H:C` and `[::]:H:C` pair as one entry of every
/// interface; a `0.0.0.0:H:C` alone is IPv4 only, as Docker reads it.
pub fn both_families(ports: &[Node]) -> Vec<PortEntry<'_>> {
    let texts: Vec<Option<&str>> = ports.iter().map(Node::text).collect();
    let has = |text: String| texts.contains(&Some(text.as_str()));
    ports
        .iter()
        .zip(&texts)
        .filter_map(|(node, text)| {
            let text = text.unwrap_or_default();
            if text
                .strip_prefix("[::]:")
                .is_some_and(|rest| has(format!("0.0.0.0:{rest}")))
            {
                return None;
            }
            let every_interface = text
                .strip_prefix("0.0.0.0:")
                .is_some_and(|rest| has(format!("[::]:{rest}")));
            Some(PortEntry { node, every_interface })
        })
        .collect()
}

/// The fields of a port that compose fills from variables: the short
/// syntax's whole text (as `port`), or the long syntax's `published`,
/// `target`, `host_ip` and `protocol`; each with its node and raw text.
pub fn port_variables(p: &Node) -> Vec<(&'static str, &Node, &str)> {
    let fields: Vec<(&'static str, &Node)> = match &p.kind {
        Kind::Scalar { .. } => vec![("port", p)],
        _ => ["published", "target", "host_ip", "protocol"]
            .into_iter()
            .filter_map(|key| Some((key, p.get(key)?)))
            .collect(),
    };
    fields
        .into_iter()
        .filter_map(|(key, node)| Some((key, node, node.text()?)))
        .filter(|(_, _, raw)| values::literal(raw).is_none())
        .collect()
}

/// The port `p` publishes, with the defaults of its variables in their
/// place (`${HTTP_PORT:-9000}:9000` is `9000:9000`, as compose reads it
/// when the host sets none; so is `published: ${HTTP_PORT:-9000}`).
pub fn port(entry: PortEntry) -> Option<values::Published> {
    let mut published = port_as_written(entry.node)?;
    if entry.every_interface {
        published.ip = None;
    }
    Some(published)
}

fn port_as_written(p: &Node) -> Option<values::Published> {
    let value = |text: &str| values::literal(text).or_else(|| Some(values::with_defaults(text)?.0));
    match &p.kind {
        Kind::Scalar { text, .. } => short_port(&value(text)?),
        _ => {
            let field = |key: &str| p.get(key).and_then(Node::text).and_then(value);
            // No key is TCP; one that cannot be read is no port the spec
            // can say (a variable without a default is the host's).
            let protocol = match p.get("protocol") {
                Some(_) => Protocol::from_name(&field("protocol")?)?,
                None => Protocol::Tcp,
            };
            let ip = field("host_ip").filter(|ip| !ip.is_empty());
            let ip = ip.map(|ip| {
                if ip.contains(':') && !ip.starts_with('[') {
                    format!("[{ip}]")
                } else {
                    ip
                }
            });
            Some(values::Published {
                ip,
                host: field("published")?.parse().ok()?,
                container: field("target")?.parse().ok()?,
                protocol,
            })
        }
    }
}
