//! Where things are: the spec's folder, the output folder, and the relative
//! paths between them that the emitted files need.
//!
//! Paths in a spec are relative to the spec file. Paths in `compose.yaml` are
//! relative to compose.yaml's own folder (the output folder), so each one is
//! rewritten here. Everything is lexical: the CLI hands in absolute, already
//! normalized folders, and tests can hand in made-up ones.

use std::path::{Component, Path, PathBuf};

#[derive(Clone, Debug)]
pub struct Layout {
    /// The spec file, absolute.
    pub spec_file: PathBuf,
    /// The folder the artifacts go to, absolute.
    pub out_dir: PathBuf,
    /// The header line every file starts with, made on the first file:
    /// the same for all of them.
    header: std::sync::OnceLock<String>,
}

impl Layout {
    pub fn new(spec_file: impl Into<PathBuf>, out_dir: impl Into<PathBuf>) -> Self {
        Layout {
            spec_file: normalize(&spec_file.into()),
            out_dir: normalize(&out_dir.into()),
            header: std::sync::OnceLock::new(),
        }
    }

    /// A layout for analysis that writes nothing: emitters still run (to
    /// find values no format can carry), but their paths are not used.
    pub fn placeholder() -> Self {
        Layout::new("/stack/stack.spec", "/stack/out")
    }

    pub fn spec_dir(&self) -> &Path {
        self.spec_file.parent().unwrap_or(Path::new("/"))
    }

    /// A path the spec wrote, made absolute.
    pub fn from_spec(&self, path: &str) -> PathBuf {
        normalize(&self.spec_dir().join(path))
    }

    /// A path the spec wrote, as compose.yaml must write it.
    /// Absolute paths stay absolute: the user chose a fixed place.
    pub fn for_compose(&self, spec_path: &str) -> String {
        if Path::new(spec_path).is_absolute() {
            return spec_path.to_string();
        }
        display(&relative(&self.out_dir, &self.from_spec(spec_path)))
    }

    /// An artifact's path (`web/Dockerfile`) relative to a folder the spec
    /// wrote (a build context), as compose's `dockerfile:` wants it.
    pub fn artifact_from(&self, spec_dir: &str, artifact: &str) -> String {
        let base = self.from_spec(spec_dir);
        display(&relative(&base, &self.out_dir.join(artifact)))
    }

    /// The output folder relative to a folder the spec wrote, when the
    /// output lies inside it (then a build of that folder must skip it).
    pub fn inside_spec_path(&self, spec_dir: &str) -> Option<String> {
        let base = self.from_spec(spec_dir);
        let inside = self.out_dir.strip_prefix(&base).ok()?;
        Some(display(inside)).filter(|p| !p.is_empty())
    }

    /// The spec file as the generated files' header names it: relative to
    /// the output folder, so the header is the same on every machine.
    pub fn spec_for_header(&self) -> String {
        display(&relative(&self.out_dir, &self.spec_file))
    }

    /// The header line, made once by `make` (see `emit::header`).
    pub(super) fn header(&self, make: impl FnOnce() -> String) -> &str {
        self.header.get_or_init(make)
    }
}

/// Removes `.` and folds `..` without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            // `..` folds into a name before it; a relative path keeps the
            // ones that climb above its start (`../../x`), and `/..` is `/`.
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

/// The path that leads from folder `from` to `to`; both absolute, normalized.
pub fn relative(from: &Path, to: &Path) -> PathBuf {
    if !to.is_absolute() {
        return to.to_path_buf();
    }
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to_parts).take_while(|(a, b)| a == b).count();
    if common <= 1 {
        // Only the root in common: `../../..` up to it says less than the
        // absolute path does.
        return to.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to_parts[common..] {
        out.push(part);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// The path as text. On Linux a `\\` is part of a name, never a separator,
/// so it is kept.
fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizing_keeps_every_climb_above_the_start() {
        for (path, normal) in [
            ("../../x", "../../x"),
            ("a/../../b", "../b"),
            ("./a/./b/..", "a"),
            ("/../a", "/a"),
            ("/a/b/../../..", "/"),
        ] {
            assert_eq!(normalize(Path::new(path)), Path::new(normal), "{path}");
        }
    }

    #[test]
    fn compose_paths_are_relative_to_the_output_folder() {
        let layout = Layout::new("/p/specs/django.spec", "/p/out");
        assert_eq!(layout.for_compose("./app"), "../specs/app");
        assert_eq!(layout.for_compose("secrets/db.txt"), "../specs/secrets/db.txt");
        assert_eq!(layout.for_compose("../app"), "../app");
        assert_eq!(layout.for_compose("/abs/app"), "/abs/app");
        assert_eq!(
            layout.artifact_from("./app", "web/Dockerfile"),
            "../../out/web/Dockerfile"
        );
        assert_eq!(layout.spec_for_header(), "../specs/django.spec");
    }

    #[test]
    fn output_inside_the_spec_folder() {
        let layout = Layout::new("/p/stack.spec", "/p/out/./");
        assert_eq!(layout.for_compose("."), "..");
        assert_eq!(layout.artifact_from(".", "web/Dockerfile"), "out/web/Dockerfile");
        assert_eq!(layout.spec_for_header(), "../stack.spec");
    }

    #[test]
    fn nothing_but_the_root_in_common_gives_absolute_paths() {
        let layout = Layout::new("/home/me/stack.spec", "/tmp/out");
        assert_eq!(layout.for_compose("app"), "/home/me/app");
        assert_eq!(layout.spec_for_header(), "/home/me/stack.spec");
    }
}
