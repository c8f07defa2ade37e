//! The files the spec names that hold secrets (its secret files and every
//! service's env files), found by the build folder they are in. Lint and
//! the `.dockerignore` emitter ask for each build; sorted once by path, a
//! folder's files are one run of the list, so a stack of many builds and
//! many env files costs `n log n`, not builds times files.

use std::path::{Path, PathBuf};

use super::Stack;
use crate::source::Spanned;

/// Every private file of a stack, each once (the first that names a file).
pub struct PrivateFiles<'a> {
    /// Sorted by `path`: the files under a folder are contiguous.
    files: Vec<Entry<'a>>,
}

struct Entry<'a> {
    path: PathBuf,
    /// Its place in spec order, which answers keep.
    order: usize,
    named: &'a Spanned<String>,
    what: &'static str,
}

/// A private file inside a build folder.
pub struct Private<'a> {
    /// Where the spec names it.
    pub named: &'a Spanned<String>,
    /// "secret file" or "env file".
    pub what: &'static str,
    /// Its path inside the folder, `/` separated.
    pub inside: String,
}

impl<'a> PrivateFiles<'a> {
    /// The stack's private files, each placed by `place` (the path the spec
    /// wrote, normalized the way the caller compares folders).
    pub fn of(stack: &'a Stack, place: impl Fn(&str) -> PathBuf) -> Self {
        let mut files: Vec<Entry<'a>> = (stack.private_files().enumerate())
            .map(|(order, (named, what))| Entry {
                path: place(&named.value),
                order,
                named,
                what,
            })
            .collect();
        // Stable: among files at one path, the first named stays first.
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|later, first| later.path == first.path);
        PrivateFiles { files }
    }

    /// The ones inside `folder` (placed as the files were), in spec order.
    pub fn inside(&self, folder: &Path) -> Vec<Private<'a>> {
        // Paths compare component by component, so every path under
        // `folder` sorts after it and before anything that is not.
        let start = self.files.partition_point(|f| f.path.as_path() < folder);
        let mut found: Vec<(usize, Private<'a>)> = (self.files[start..].iter())
            .map_while(|f| Some((f, f.path.strip_prefix(folder).ok()?)))
            .filter(|(_, inside)| !inside.as_os_str().is_empty())
            .map(|(f, inside)| {
                let inside = inside.iter().map(|c| c.to_string_lossy()).collect::<Vec<_>>().join("/");
                let private = Private {
                    named: f.named,
                    what: f.what,
                    inside,
                };
                (f.order, private)
            })
            .collect();
        found.sort_by_key(|(order, _)| *order);
        found.into_iter().map(|(_, private)| private).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(found: &[Private]) -> Vec<String> {
        found.iter().map(|p| format!("{} {}", p.what, p.inside)).collect()
    }

    #[test]
    fn a_folders_files_come_in_spec_order_each_once() {
        let spec = "stack s\nsecret b file \"app/z.txt\"\nsecret a file \"app/a.txt\"\n\
            service web {\n    image x:1\n    env_file \"app/.env\"\n    env_file \"app-other/.env\"\n}\n\
            service worker {\n    image x:1\n    env_file \"./app/.env\"\n    env_file \"app/sub/.env\"\n}\n";
        let stack = crate::check(&crate::source::SourceFile::new("s.spec", spec))
            .stack
            .expect("the spec lowers");
        let files = PrivateFiles::of(&stack, |p| crate::emit::paths::normalize(Path::new(p)));
        assert_eq!(
            names(&files.inside(Path::new("app"))),
            [
                "secret file z.txt",
                "secret file a.txt",
                "env file .env",
                "env file sub/.env"
            ]
        );
        assert_eq!(names(&files.inside(Path::new("app-other"))), ["env file .env"]);
        assert!(files.inside(Path::new("app/z.txt")).is_empty());
        assert!(files.inside(Path::new("ap")).is_empty());
    }
}
