//! Which spec files `stackc lint` and `stackc fmt` read: the paths given (folders searched
//! for `*.spec`, what `.gitignore` ignores left out), or by default `stack.spec` in the current folder, else
//! every `*.spec` below it. With `--only-stack-specs`, other tools' `.spec`
//! files among them (RPM, PyInstaller) are left out.

use std::path::{Path, PathBuf};

use crate::input::fs::{read_bytes, MAX_FILE_BYTES};
use crate::syntax::sniff::starts_like_a_spec;

/// The spec read when no path is given and it exists.
pub const DEFAULT_SPEC: &str = "stack.spec";

/// The specs to lint, in a stable order: each path as given (a file is
/// taken whatever its name, so a missing one is reported when it is read),
/// folders expanded into their `*.spec` files, sorted.
pub fn specs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    if paths.is_empty() {
        let default = Path::new(DEFAULT_SPEC);
        if default.is_file() {
            return Ok(vec![default.to_path_buf()]);
        }
        let found = below(Path::new("."))?;
        if found.is_empty() {
            return Err(format!("no {DEFAULT_SPEC} here, and no *.spec file below this folder"));
        }
        // `./specs/a.spec` reads better as `specs/a.spec`.
        return Ok(found
            .into_iter()
            .map(|p| p.strip_prefix(".").map(Path::to_path_buf).unwrap_or(p))
            .collect());
    }
    let mut specs = Vec::new();
    for path in paths {
        if path.is_dir() {
            let found = below(path)?;
            if found.is_empty() {
                return Err(format!("no *.spec file in {}", path.display()));
            }
            specs.extend(found);
        } else {
            specs.push(path.clone());
        }
    }
    Ok(specs)
}

/// `specs` without other tools' `.spec` files: a file is kept when it is
/// named `stack.spec` or `*.stack.spec` (then a typo in its first line is
/// reported, not skipped), when its first statement is a stackc one
/// ([`starts_like_a_spec`]), or when it cannot be read (reading it again
/// reports why).
pub fn stack_specs_only(specs: Vec<PathBuf>) -> Vec<PathBuf> {
    specs
        .into_iter()
        .filter(|path| {
            named_as_stack_spec(path)
                || read_bytes(path, MAX_FILE_BYTES)
                    .map_or(true, |bytes| starts_like_a_spec(&String::from_utf8_lossy(&bytes)))
        })
        .collect()
}

fn named_as_stack_spec(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name == DEFAULT_SPEC || name.ends_with(".stack.spec"))
}

/// Every `*.spec` file below `dir`, sorted. What git would ignore
/// (`.gitignore`, `.ignore`, `.git/info/exclude`, in a repository or not:
/// a `venv/` full of other tools' files) and hidden entries (`.git`,
/// `.tools`, editor backups) are skipped, and symbolic links to folders are
/// not followed, so a link loop cannot make the walk endless.
fn below(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let walk = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .require_git(false)
        .git_global(false)
        .follow_links(false)
        .build();
    for entry in walk {
        let entry = match entry {
            Ok(entry) => entry,
            // A folder that cannot be read is an error; a `.gitignore` line
            // that is not a valid pattern is only skipped, as git skips it.
            Err(e) => match e.io_error() {
                Some(io) => return Err(format!("cannot read below {}: {io}", dir.display())),
                None => continue,
            },
        };
        let path = entry.path();
        let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
        if is_file && path.extension().is_some_and(|e| e == "spec") {
            found.push(path.to_path_buf());
        }
    }
    found.sort();
    Ok(found)
}
