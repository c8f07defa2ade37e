//! Which nginx config a service runs: a `--nginx` file, its build
//! folder's `nginx.conf` or `default.conf`, or one it bind-mounts (a file,
//! a conf.d folder, the official image's templates), the first that holds
//! a server, with the service's environment filled in where the config
//! names it (a template).

use super::compose::Import;
use super::nginx::{self, Directive};
use super::report::FileIx;
use super::yaml::Node;
use crate::input::dockerfile;
use crate::input::fs::ReadError;
use crate::source::SourceFile;

/// The largest config read.
pub(super) const MAX_CONF: u64 = 1 << 20;

/// The service's build folder, as compose names it.
pub(super) fn context(service: &Node) -> Option<String> {
    let build = service.get("build")?;
    build
        .text()
        .or_else(|| build.get("context").and_then(Node::text))
        .map(str::to_string)
}

/// Whether a mount's host `source` is the proxy's config file or a
/// folder holding it (`./proxy/conf.d` for `conf.d/default.conf`).
pub fn holds_config(service: &Node, source: &str, import: &mut Import) -> bool {
    let Some(file) = config(service, import) else {
        return false;
    };
    let config = std::path::absolute(import.report.name(file)).map(|p| crate::emit::paths::normalize(&p));
    super::values::is_host_path(source) && config.is_ok_and(|c| c.starts_with(import.places.on_disk(source)))
}

/// The config file's index in the report, read once.
pub(super) fn config(service: &Node, import: &mut Import) -> Option<FileIx> {
    let is_nginx = super::proxy::image(service, import).is_some_and(|i| i.starts_with("nginx") || i.contains("/nginx"));
    if !is_nginx {
        return None;
    }
    let candidates = config_candidates(service, import);
    if !import.places.nginx.is_empty() {
        return Some(given_config(&candidates, import));
    }
    // The first that holds a server: an nginx.conf of only `http`
    // settings and `include conf.d/*.conf` leaves the site to another.
    let environment = environment_of(service);
    let mut first = None;
    for path in candidates.files {
        let Some(file) = read_config(&path, &environment, service, import) else {
            continue;
        };
        if has_server(import.report.text(file)) {
            return Some(file);
        }
        first.get_or_insert(file);
    }
    first
}

/// A config file's index in the report, read once (`None` where it cannot
/// be read), with the service's own variables filled in as the official
/// image fills its templates (and a start script's `envsubst` does): an
/// nginx config has no `$FLASK_SERVER_ADDR` of its own.
/// One that is there but cannot be read (too large, not UTF-8) is an
/// error on the service: its routes and guards would be lost unsaid.
fn read_config(
    path: &std::path::Path,
    environment: &[(String, String)],
    service: &Node,
    import: &mut Import,
) -> Option<FileIx> {
    let name = import.places.shown(path);
    if let Some(at) = import.report.files.iter().position(|f| f.name == name) {
        return Some(FileIx(at));
    }
    let text = match import.places.read(path, MAX_CONF) {
        Ok(text) => text,
        Err(ReadError::Missing | ReadError::Folder) => return None,
        Err(problem) => {
            let message = format!("cannot read the proxy's nginx config {name}: {problem}");
            import.report.unreadable(import.file, service.span, message);
            return None;
        }
    };
    let (text, filled) = substituted(&text, environment);
    let file = import.report.add_file(SourceFile::new(name, text));
    if !filled.is_empty() {
        let list: Vec<String> = filled.iter().map(|v| format!("`${v}`")).collect();
        import.report.filled(
            file,
            crate::source::Span::new(0, 0),
            format!(
                "{} filled from the service's environment, as the nginx image fills a template",
                list.join(", ")
            ),
            "the proxy's nginx.conf is stackc's, written with these values: change them in the spec",
        );
    }
    Some(file)
}

/// The service's whole nginx.conf (one with an `http` block) besides
/// `chosen`, a conf.d file its `http` block includes: the first candidate
/// that is one.
pub(super) fn main_config(service: &Node, import: &mut Import, chosen: FileIx) -> Option<FileIx> {
    let environment = environment_of(service);
    let candidates = config_candidates(service, import);
    for path in &candidates.files {
        let Some(file) = read_config(path, &environment, service, import) else {
            continue;
        };
        if file != chosen && has_http(import.report.text(file)) {
            return Some(file);
        }
    }
    None
}

/// The Dockerfile the service builds (`build.dockerfile`, else the build
/// folder's `Dockerfile`), when it has one import can read.
pub(super) fn own_dockerfile(service: &Node, import: &Import) -> Option<dockerfile::Dockerfile> {
    let context = context(service)?;
    let name = (service.get("build").and_then(|b| b.get("dockerfile")))
        .and_then(Node::text)
        .unwrap_or("Dockerfile");
    let path = import.places.on_disk(&context).join(name);
    let text = import.places.read(&path, MAX_CONF).ok()?;
    Some(dockerfile::parse(&text))
}

/// The configs the service's Dockerfile copies into nginx's folders (`COPY
/// conf /etc/nginx/conf.d/default.conf`, `COPY site.conf
/// /etc/nginx/conf.d/`, `COPY conf.d/ /etc/nginx/conf.d/`): where they are
/// in the build folder.
fn copied_configs(service: &Node, import: &Import, folder: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Some(dockerfile) = own_dockerfile(service, import) else {
        return Vec::new();
    };
    let Some(last) = dockerfile.final_stage() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for copy in last.facts.copies.iter().filter(|c| c.from.is_none()) {
        let dockerfile::Resolved::Known(to) = &copy.destination.value else {
            continue;
        };
        let into = |dir: &str| to.trim_end_matches('/') == dir;
        let ending = if into(CONF_D) || to.starts_with(&format!("{CONF_D}/")) || to == "/etc/nginx/nginx.conf" {
            ".conf"
        } else if into(TEMPLATES) || to.starts_with(&format!("{TEMPLATES}/")) {
            ".conf.template"
        } else {
            continue;
        };
        for source in &copy.sources {
            let path = folder.join(source.value.trim_start_matches("./"));
            if path.is_dir() {
                found.extend(conf_d_config(&path, ending));
            } else if !to.ends_with('/') || source.value.ends_with(ending) {
                found.push(path);
            }
        }
    }
    found
}

/// Whether a config is a whole nginx.conf, with an `http` block.
fn has_http(text: &str) -> bool {
    nginx::parse(text)
        .tree
        .iter()
        .any(|d| d.name == "http" && d.block.is_some())
}

/// Whether a config has a `server` block, at its top (a conf.d file) or in
/// its `http` block.
fn has_server(text: &str) -> bool {
    let tree = nginx::parse(text).tree;
    let at_top = |list: &[Directive]| list.iter().any(|d| d.name == "server" && d.block.is_some());
    at_top(&tree) || tree.iter().any(|d| d.name == "http" && at_top(d.children()))
}

/// The service's `environment` values compose gives literally.
fn environment_of(service: &Node) -> Vec<(String, String)> {
    let Some(environment) = service.get("environment") else {
        return Vec::new();
    };
    (super::environment::pairs(environment).into_iter())
        .filter_map(|(name, value, _)| Some((name, super::values::literal(&value?)?)))
        .collect()
}

/// `text` with each `$NAME` and `${NAME}` whose NAME the environment sets
/// replaced by its value, as `envsubst` replaces them; nginx's own
/// variables (`$host`), which no environment sets, stay. Also the names
/// filled, once each.
fn substituted(text: &str, environment: &[(String, String)]) -> (String, Vec<String>) {
    if environment.is_empty() || !text.contains('$') {
        return (text.to_string(), Vec::new());
    }
    let mut out = String::with_capacity(text.len());
    let mut filled: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, length) = match after.strip_prefix('{') {
            Some(braced) => match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match environment.iter().find(|(n, _)| n == name) {
            Some((_, value)) if !name.is_empty() => {
                out.push_str(value);
                if !filled.iter().any(|f| f == name) {
                    filled.push(name.to_string());
                }
                rest = &after[length..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, filled)
}

/// Of the `--nginx` files, the one the service mounts, else one in a
/// folder it mounts at conf.d or builds from, else the first: one file
/// given is every nginx service's config.
fn given_config(candidates: &Candidates, import: &Import) -> FileIx {
    let real = |path: &std::path::Path| std::fs::canonicalize(path).ok();
    let given: Vec<(FileIx, Option<std::path::PathBuf>)> = (import.places.nginx.iter())
        .map(|&f| (f, real(std::path::Path::new(import.report.name(f)))))
        .collect();
    let files: Vec<_> = candidates.files.iter().filter_map(|c| real(c)).collect();
    let folders: Vec<_> = candidates.folders.iter().filter_map(|c| real(c)).collect();
    let mounted = given
        .iter()
        .find(|(_, path)| path.as_ref().is_some_and(|p| files.contains(p)));
    let inside = || {
        let within = |p: &std::path::PathBuf| folders.iter().any(|folder| p.starts_with(folder));
        given.iter().find(|(_, path)| path.as_ref().is_some_and(within))
    };
    mounted.or_else(inside).map_or(given[0].0, |(f, _)| *f)
}

/// Where a service's config may be: `files` (its build folder's
/// `nginx.conf` or `default.conf`, a bind-mounted `*.conf` or
/// `*.conf.template`, the config of a host folder mounted at conf.d or at
/// the templates folder) and the `folders` a `--nginx` file may
/// be in (the build folder, a host folder mounted at conf.d).
struct Candidates {
    files: Vec<std::path::PathBuf>,
    folders: Vec<std::path::PathBuf>,
}

fn config_candidates(service: &Node, import: &Import) -> Candidates {
    let mut candidates = Candidates {
        files: Vec::new(),
        folders: Vec::new(),
    };
    if let Some(context) = context(service) {
        let folder = import.places.on_disk(&context);
        candidates.files.extend(copied_configs(service, import, &folder));
        for name in ["nginx.conf", "default.conf"] {
            candidates.files.push(folder.join(name));
        }
        candidates.folders.push(folder);
    }
    for volume in service.get("volumes").map(Node::items).unwrap_or_default() {
        let mut parts = volume.text().map(|t| t.split(':')).into_iter().flatten();
        let (source, target) = match volume.text() {
            Some(_) => (parts.next(), parts.next()),
            None => (
                volume.get("source").and_then(Node::text),
                volume.get("target").and_then(Node::text),
            ),
        };
        match (source, target) {
            (Some(source), _) if source.ends_with(".conf") || source.ends_with(".conf.template") => {
                candidates.files.push(import.places.on_disk(source))
            }
            (Some(source), Some(CONF_D)) if super::values::is_host_path(source) => {
                let folder = import.places.on_disk(source);
                candidates.files.extend(conf_d_config(&folder, ".conf"));
                candidates.folders.push(folder);
            }
            (Some(source), Some(TEMPLATES)) if super::values::is_host_path(source) => {
                let folder = import.places.on_disk(source);
                candidates.files.extend(conf_d_config(&folder, ".conf.template"));
                candidates.folders.push(folder);
            }
            _ => {}
        }
    }
    candidates
}

/// The folder nginx includes every `*.conf` of.
const CONF_D: &str = "/etc/nginx/conf.d";

/// The folder whose `*.conf.template` files the official image fills with
/// its environment into conf.d when it starts.
const TEMPLATES: &str = "/etc/nginx/templates";

/// The config in a host folder mounted at `conf.d` (`ending` `.conf`) or
/// at the templates folder (`.conf.template`): its `default` one, or its
/// only one (several others: import cannot tell which is the proxy's, and
/// `--nginx` says).
fn conf_d_config(folder: &std::path::Path, ending: &str) -> Option<std::path::PathBuf> {
    let default = folder.join(format!("default{ending}"));
    if default.is_file() {
        return Some(default);
    }
    let mut confs = std::fs::read_dir(folder)
        .ok()?
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.to_string_lossy().ends_with(ending) && path.is_file())
        .take(2);
    match (confs.next(), confs.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}
