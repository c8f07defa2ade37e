//! The other files `docker compose config` reads for a compose file: its
//! `include:` entries (their env files too) and its services' `extends`
//! files, followed into what they include. Import hands compose a project
//! only when all of them are the project's own: a file elsewhere (a
//! `../../outside/inc.yaml`, a link out) is whoever runs import's, and
//! compose would copy its settings into the spec; a remote include
//! (`git@...`, `oci://...`) would be fetched.

use super::yaml::Node;
use crate::input::fs;
use std::path::Path;

/// How deep includes are followed: compose's own projects nest one or two.
const MAX_DEPTH: usize = 8;

/// Why compose must not read the project of `file` (a file it would read
/// outside the project at `root`, or from elsewhere), or `None`.
pub fn outside(file: &Path, root: &Path) -> Option<String> {
    reaches_outside(file, root, 0)
}

fn reaches_outside(file: &Path, root: &Path, depth: usize) -> Option<String> {
    let text = fs::read_project_text(Some(root), file, fs::MAX_FILE_BYTES).ok()?;
    let node = super::yaml::parse(&text).ok()?;
    let dir = file.parent().unwrap_or(Path::new("."));
    for named in referenced(&node) {
        if named.contains("://") || named.starts_with("git@") || named.contains('$') {
            return Some(format!(
                "it reads `{named}`, which compose would fetch or fill from the environment"
            ));
        }
        let Some(relative) = expand_home(named) else {
            return Some(format!("it reads `{named}`, in the home folder, outside the project"));
        };
        let path = dir.join(relative);
        if fs::inside_project(Some(root), &path).is_err() {
            return Some(format!("it reads `{named}`, outside the project"));
        }
        if depth >= MAX_DEPTH {
            return Some(format!("it includes files more than {MAX_DEPTH} deep"));
        }
        if let Some(why) = reaches_outside(&path, root, depth + 1) {
            return Some(why);
        }
    }
    None
}

/// `~/x` is the home folder's, outside any project: `None` for it.
fn expand_home(named: &str) -> Option<&str> {
    (!named.starts_with('~')).then_some(named)
}

/// The paths a compose file names for compose to read: each `include`
/// (a path, or `path:` one or a list, with `env_file:` and
/// `project_directory:`), and each service's `extends.file`.
fn referenced(node: &Node) -> Vec<&str> {
    let mut named = Vec::new();
    for entry in node.get("include").map(Node::items).unwrap_or_default() {
        named.extend(entry.text());
        for value in ["path", "env_file", "project_directory"]
            .into_iter()
            .filter_map(|key| entry.get(key))
        {
            named.extend(one_or_many(value));
        }
    }
    let services = node.get("services").map(Node::entries).unwrap_or_default();
    for (_, service) in services {
        named.extend(service.get("extends").and_then(|e| e.get("file")).and_then(Node::text));
    }
    named
}

/// A value that is one path or a list of them.
fn one_or_many(value: &Node) -> impl Iterator<Item = &str> {
    value
        .text()
        .into_iter()
        .chain(value.items().iter().filter_map(Node::text))
}
