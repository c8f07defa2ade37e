//! The files import writes (secrets, env files) kept out of every image:
//! one that lies inside a service's build context, and that the context's
//! ignore file does not leave out, gets a line in that ignore file.

use std::path::{Path, PathBuf};

use super::compose::Places;
use super::yaml::Node;
use crate::input::dockerignore;

/// Lines to add to one ignore file (created when it is not there).
#[derive(Debug, PartialEq)]
pub struct IgnoreEdit {
    pub file: PathBuf,
    pub exists: bool,
    /// Patterns, each matching exactly one written file.
    pub lines: Vec<String>,
}

/// The ignore lines that keep `written` (paths relative to the spec's
/// folder) out of every build context of the project's services.
pub fn keep_out(doc: &Node, places: &Places, written: &[&str]) -> Result<Vec<IgnoreEdit>, String> {
    let mut edits: Vec<IgnoreEdit> = Vec::new();
    for (context, dockerfile) in contexts(doc, places) {
        let file = ignore_file(&context, &dockerfile);
        let text = places.read(&file, crate::input::fs::MAX_FILE_BYTES).ok();
        let patterns = dockerignore::parse(text.as_deref().unwrap_or_default());
        for path in written {
            let on_disk = crate::emit::paths::normalize(&places.spec_dir.join(path));
            let Ok(inside) = on_disk.strip_prefix(&context) else {
                continue;
            };
            let inside = inside.to_string_lossy().replace('\\', "/");
            if dockerignore::decide(patterns.iter().map(|p| p.text.as_str()), &inside).0 {
                continue;
            }
            let line = dockerignore::literal(&inside).ok_or_else(|| {
                format!(
                    "{} cannot be left out of the build context of {}",
                    inside,
                    context.display()
                )
            })?;
            match edits.iter_mut().find(|e| e.file == file) {
                Some(edit) if edit.lines.contains(&line) => {}
                Some(edit) => edit.lines.push(line),
                None => edits.push(IgnoreEdit {
                    file: file.clone(),
                    exists: text.is_some(),
                    lines: vec![line],
                }),
            }
        }
    }
    Ok(edits)
}

/// Each local build context on disk, with its Dockerfile's path in it.
fn contexts(doc: &Node, places: &Places) -> Vec<(PathBuf, String)> {
    let services = doc.get("services").map(Node::entries).unwrap_or_default();
    services
        .iter()
        .filter_map(|(_, service)| {
            let build = service.get("build")?;
            let context = build
                .text()
                .or_else(|| build.get("context").and_then(Node::text))
                .unwrap_or(".");
            let remote = context.contains("://") || context.starts_with("git@");
            let dockerfile = build.get("dockerfile").and_then(Node::text).unwrap_or("Dockerfile");
            (!remote).then(|| (places.on_disk(context), dockerfile.to_string()))
        })
        .collect()
}

/// The ignore file BuildKit reads for a build: `DOCKERFILE.dockerignore`
/// beside the Dockerfile when there is one, else the context's
/// `.dockerignore`.
fn ignore_file(context: &Path, dockerfile: &str) -> PathBuf {
    let beside = context.join(format!("{dockerfile}.dockerignore"));
    if beside.is_file() {
        beside
    } else {
        context.join(".dockerignore")
    }
}

/// The text of an edit's ignore file (a `.dockerignore`, the
/// `.gitignore`) with its lines added at the end (the file written with
/// the others import writes, all or none); a file that is there but
/// cannot be read is an error.
pub fn edited(edit: &IgnoreEdit) -> Result<String, crate::write::WriteError> {
    let mut text = match std::fs::read_to_string(&edit.file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(crate::write::WriteError::Io {
                path: edit.file.clone(),
                source,
            })
        }
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("# written by `stackc import`: they hold secrets\n");
    for line in &edit.lines {
        text.push_str(line);
        text.push('\n');
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_file_in_a_context_is_ignored_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::write(root.join(".dockerignore"), "node_modules\nenv/\n").unwrap();
        let doc = super::super::yaml::parse("services:\n  app:\n    build: .\n  api:\n    build: ./api\n").unwrap();
        let places = Places {
            compose_dir: root.clone(),
            spec_dir: root.clone(),
            shown_dir: root.clone(),
            nginx: Vec::new(),
            root: Some(root.clone()),
            dotenv: Default::default(),
        };
        let edits = keep_out(&doc, &places, &["secrets/app_token.txt", "env/app.env"]).unwrap();
        assert_eq!(
            edits,
            vec![IgnoreEdit {
                file: root.join(".dockerignore"),
                exists: true,
                lines: vec!["secrets/app_token.txt".to_string()],
            }]
        );
        let text = edited(&edits[0]).unwrap();
        std::fs::write(root.join(".dockerignore"), &text).unwrap();
        assert!(text.starts_with("node_modules\nenv/\n#") && text.ends_with("\nsecrets/app_token.txt\n"));
        assert_eq!(keep_out(&doc, &places, &["secrets/app_token.txt"]).unwrap(), vec![]);
    }
}
