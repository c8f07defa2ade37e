//! The `.gitignore` beside the spec: the files import writes that hold
//! secrets (secret files, env files) listed in it, so that committing
//! the project leaves them out. Only the lines it lacks are added, at its
//! end; a file that is there is never replaced by less.

use std::path::Path;

use super::contexts::IgnoreEdit;
use crate::input::fs;

/// The edit that lists `written` (paths relative to `spec_dir`) in
/// `spec_dir/.gitignore`; `None` when it lists them all already. A
/// `.gitignore` that cannot be read (or leads out of the project) is an
/// error: import never writes over what it could not read.
pub fn edit(spec_dir: &Path, written: &[&str]) -> Result<Option<IgnoreEdit>, String> {
    if written.is_empty() {
        return Ok(None);
    }
    let file = spec_dir.join(".gitignore");
    let root = fs::project_root(spec_dir);
    let existing = match fs::read_project_text(root.as_deref(), &file, fs::MAX_FILE_BYTES) {
        Ok(text) => Some(text),
        Err(fs::ReadError::Missing) => None,
        Err(e) => return Err(format!("cannot add to {}: {e}", file.display())),
    };
    let lines = missing(existing.as_deref().unwrap_or_default(), written);
    Ok((!lines.is_empty()).then(|| IgnoreEdit {
        file,
        exists: existing.is_some(),
        lines,
    }))
}

/// The paths of `wanted` that `existing` has no line for (a line is
/// compared without the spaces around it, and with or without a leading
/// `/`), in the order given, each once.
pub fn missing(existing: &str, wanted: &[&str]) -> Vec<String> {
    let listed: Vec<&str> = existing
        .lines()
        .map(|line| line.trim().trim_start_matches('/'))
        .collect();
    let mut lines: Vec<String> = Vec::new();
    for path in wanted {
        if !listed.contains(path) && !lines.iter().any(|l| l == path) {
            lines.push(path.to_string());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_lines_it_lacks_are_added_once() {
        let wanted = ["secrets/db.txt", "env/web.env", "secrets/db.txt"];
        assert_eq!(missing("", &wanted), ["secrets/db.txt", "env/web.env"]);
        assert_eq!(missing("node_modules\n/env/web.env\n", &wanted), ["secrets/db.txt"]);
        assert!(missing("  secrets/db.txt\nenv/web.env", &wanted).is_empty());
    }

    #[test]
    fn a_gitignore_there_is_read_and_one_missing_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let made = edit(dir.path(), &["secrets/a.txt"]).unwrap().unwrap();
        assert!(!made.exists);
        std::fs::write(dir.path().join(".gitignore"), "secrets/a.txt\n").unwrap();
        assert_eq!(edit(dir.path(), &["secrets/a.txt"]).unwrap(), None);
        assert_eq!(edit(dir.path(), &[]).unwrap(), None);
    }
}
