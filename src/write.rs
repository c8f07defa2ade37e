//! Writes artifacts into the output folder, all or nothing.
//!
//! Architecture invariants:
//! - the new output is written into a fresh folder next to the target and
//!   swapped into place, so a failed build leaves the old folder as it was;
//! - `.stackc-manifest` records every file stackc wrote and its hash; stackc
//!   replaces a folder only while it holds exactly those files (and the
//!   folders they are in), so it never deletes or overwrites a user's file.
//!   The old folder is checked again after the swap, before it is removed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::emit::Artifact;

pub const MANIFEST: &str = ".stackc-manifest";

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path} is not a folder")]
    NotAFolder { path: PathBuf },
    #[error("{path} is a symbolic link")]
    Symlink { path: PathBuf },
    #[error("{folder} holds files stackc did not write: {}", list(files))]
    ForeignFiles { folder: PathBuf, files: Vec<String> },
    #[error("{folder} holds files changed since stackc wrote them: {}", list(files))]
    ChangedFiles { folder: PathBuf, files: Vec<String> },
    #[error("{path}: the manifest is not one stackc wrote: {reason}")]
    BadManifest { path: PathBuf, reason: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl WriteError {
    /// What the user can do about it.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            WriteError::ForeignFiles { .. } => {
                Some("stackc replaces the whole folder; move those files elsewhere or choose another output folder")
            }
            WriteError::ChangedFiles { .. } => Some(
                "edits to generated files would be lost; put the change in the spec, or delete the file to discard it",
            ),
            WriteError::BadManifest { .. } => Some("choose an output folder stackc owns, or an empty one"),
            WriteError::Symlink { .. } => {
                Some("stackc replaces the output folder itself, not what a link points at; give the real path")
            }
            _ => None,
        }
    }
}

fn list(files: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = files.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if files.len() > SHOWN {
        text.push_str(&format!(" and {} more", files.len() - SHOWN));
    }
    text
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Replaces `out_dir` with exactly `artifacts` plus the manifest. Returns
/// warnings about things left behind after the new output is in place.
pub fn write_output(
    out_dir: &Path,
    spec_for_manifest: &str,
    artifacts: &[Artifact],
) -> Result<Vec<String>, WriteError> {
    let existing = inspect(out_dir)?;
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io(&parent))?;
    let staging = Staging::create(&parent, out_dir)?;
    for artifact in artifacts {
        write_file(&staging.path.join(&artifact.path), artifact.contents.as_bytes())?;
    }
    write_file(
        &staging.path.join(MANIFEST),
        manifest(spec_for_manifest, artifacts).as_bytes(),
    )?;
    sync_folders(&staging.path, artifacts);
    let warnings = match existing {
        Existing::Nothing => {
            fs::rename(&staging.path, out_dir).map_err(io(out_dir))?;
            staging.keep();
            Vec::new()
        }
        Existing::Owned => swap(staging, out_dir)?,
    };
    // The output's new name in its parent.
    sync_dir(&parent);
    Ok(warnings)
}

/// Flushes each folder of the output once, the deepest first: a file's own
/// fsync does not cover its name in its folder.
fn sync_folders(root: &Path, artifacts: &[Artifact]) {
    let folders: BTreeSet<&str> = artifacts
        .iter()
        .flat_map(|a| a.path.match_indices('/').map(|(end, _)| &a.path[..end]))
        .collect();
    for folder in folders.iter().rev() {
        sync_dir(&root.join(folder));
    }
    sync_dir(root);
}

/// Swaps the staged output into place, then removes the old output if it
/// still holds only what stackc wrote.
fn swap(staging: Staging, out_dir: &Path) -> Result<Vec<String>, WriteError> {
    let old = exchange(&staging, out_dir)?;
    // From here the old output's fate is `remove_old_output`'s alone.
    staging.keep();
    Ok(remove_old_output(&old).into_iter().collect())
}

/// What is at the target now.
enum Existing {
    Nothing,
    /// An empty folder, or one holding only what stackc wrote.
    Owned,
}

fn inspect(out_dir: &Path) -> Result<Existing, WriteError> {
    let meta = match fs::symlink_metadata(out_dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Nothing),
        Err(e) => return Err(io(out_dir)(e)),
    };
    if meta.file_type().is_symlink() {
        return Err(WriteError::Symlink {
            path: out_dir.to_path_buf(),
        });
    }
    if !meta.is_dir() {
        return Err(WriteError::NotAFolder {
            path: out_dir.to_path_buf(),
        });
    }
    verify_owned(out_dir)?;
    Ok(Existing::Owned)
}

/// Checks that `dir` holds only the files its manifest lists, unchanged,
/// and the folders those files are in.
fn verify_owned(dir: &Path) -> Result<(), WriteError> {
    let recorded = read_manifest(dir)?;
    let mut foreign = Vec::new();
    let mut changed = Vec::new();
    for entry in list_entries(dir)? {
        let is_ours = match &entry {
            Entry::Folder(path) => recorded.keys().any(|file| file.starts_with(&format!("{path}/"))),
            Entry::File(path) if path == MANIFEST => true,
            Entry::File(path) => match recorded.get(path) {
                None => false,
                Some(hash) => {
                    let bytes = fs::read(dir.join(path)).map_err(io(&dir.join(path)))?;
                    if &sha256(&bytes) != hash {
                        changed.push(path.clone());
                    }
                    true
                }
            },
        };
        if !is_ours {
            foreign.push(entry.display());
        }
    }
    if !foreign.is_empty() {
        return Err(WriteError::ForeignFiles {
            folder: dir.to_path_buf(),
            files: foreign,
        });
    }
    if !changed.is_empty() {
        return Err(WriteError::ChangedFiles {
            folder: dir.to_path_buf(),
            files: changed,
        });
    }
    Ok(())
}

enum Entry {
    Folder(String),
    /// Anything that is not a folder: files, links, sockets. None of them
    /// is ever removed unless the manifest lists it.
    File(String),
}

impl Entry {
    fn display(&self) -> String {
        match self {
            Entry::Folder(path) => format!("{path}/"),
            Entry::File(path) => path.clone(),
        }
    }
}

/// Everything below `dir`, with `/`-separated relative paths, sorted.
fn list_entries(dir: &Path) -> Result<Vec<Entry>, WriteError> {
    let mut out = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, prefix)) = pending.pop() {
        for entry in fs::read_dir(&path).map_err(io(&path))? {
            let entry = entry.map_err(io(&path))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if entry.file_type().map_err(io(&entry.path()))?.is_dir() {
                pending.push((entry.path(), relative.clone()));
                out.push(Entry::Folder(relative));
            } else {
                out.push(Entry::File(relative));
            }
        }
    }
    out.sort_by_key(Entry::display);
    Ok(out)
}

fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The manifest: TOML, so people can read it, with a comment saying why it
/// is there.
fn manifest(spec: &str, artifacts: &[Artifact]) -> String {
    let mut doc = toml_edit::DocumentMut::new();
    doc["spec"] = toml_edit::value(spec);
    let mut files = toml_edit::Table::new();
    let sorted: BTreeMap<&str, String> = artifacts
        .iter()
        .map(|a| (a.path.as_str(), sha256(a.contents.as_bytes())))
        .collect();
    for (path, hash) in sorted {
        files.insert(path, toml_edit::value(hash));
    }
    doc["files"] = toml_edit::Item::Table(files);
    format!(
        "# Written by stackc: the files it generated in this folder and their hashes.\n\
         # stackc rebuilds this folder only while it holds exactly these files.\n{doc}"
    )
}

fn read_manifest(dir: &Path) -> Result<BTreeMap<String, String>, WriteError> {
    let path = dir.join(MANIFEST);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(io(&path)(e)),
    };
    let bad = |reason: String| WriteError::BadManifest {
        path: path.clone(),
        reason,
    };
    let doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| bad(e.message().to_string()))?;
    let files = doc
        .get("files")
        .and_then(|f| f.as_table())
        .ok_or_else(|| bad("no [files] table".to_string()))?;
    files
        .iter()
        .map(|(path, hash)| match hash.as_str() {
            Some(hash) => Ok((path.to_string(), hash.to_string())),
            None => Err(bad(format!("the hash of `{path}` is not a string"))),
        })
        .collect()
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let mut file = fs::File::create(path).map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

/// Flushes the folder's entries to disk where the platform allows it.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// The folder a build is written into before it replaces the target.
/// Removed on drop unless it was moved into place.
struct Staging {
    path: PathBuf,
    keep: bool,
}

impl Staging {
    fn create(parent: &Path, out_dir: &Path) -> Result<Self, WriteError> {
        let name = out_dir
            .file_name()
            .map_or("out".into(), |n| n.to_string_lossy().into_owned());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = parent.join(format!(".{name}.stackc-{}-{nanos}", std::process::id()));
        // A plain create_dir, not a private temp dir: the folder becomes the
        // output and should get the user's usual permissions.
        fs::create_dir(&path).map_err(io(&path))?;
        Ok(Staging { path, keep: false })
    }

    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Puts the staged output at `target` and returns where the old output is
/// now. Atomic where the OS can swap two folders (Linux `renameat2`), two
/// renames elsewhere.
fn exchange(staging: &Staging, target: &Path) -> Result<PathBuf, WriteError> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, &staging.path, CWD, target, RenameFlags::EXCHANGE) {
            // The staging path now holds the old output.
            Ok(()) => return Ok(staging.path.clone()),
            // Not every file system supports the exchange; fall back.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(io(target)(e.into())),
        }
    }
    // Unique, since the staging name is.
    let mut old = staging.path.clone().into_os_string();
    old.push(".old");
    let old = PathBuf::from(old);
    fs::rename(target, &old).map_err(io(target))?;
    if let Err(e) = fs::rename(&staging.path, target) {
        let _ = fs::rename(&old, target);
        return Err(io(target)(e));
    }
    Ok(old)
}

/// Removes the swapped-out output, after checking once more that it holds
/// only what stackc wrote: a file saved into it since the first check is
/// kept, with a warning, instead of deleted.
fn remove_old_output(old: &Path) -> Option<String> {
    match verify_owned(old) {
        Ok(()) => fs::remove_dir_all(old)
            .err()
            .map(|e| format!("could not remove the previous output at {}: {e}", old.display())),
        Err(e) => Some(format!("kept the previous output at {}: {e}", old.display())),
    }
}

/// Replaces a file's contents atomically, or creates it: the new text goes
/// into a file beside it (with the old file's permissions), which is renamed
/// over it, so a reader or a crash sees the old file or the new one, never
/// half.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    // Through a symbolic link, the file it points at is the one replaced.
    let resolved;
    let path = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_symlink() => {
            resolved = fs::canonicalize(path).map_err(io(path))?;
            resolved.as_path()
        }
        Ok(_) => path,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => path,
        Err(e) => return Err(io(path)(e)),
    };
    let permissions = match fs::metadata(path) {
        Ok(meta) => Some(meta.permissions()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(path)(e)),
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().map_or_else(|| "spec".into(), |n| n.to_string_lossy());
    let temp = dir.join(format!(".{name}.stackc-{}", std::process::id()));
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            if let Some(permissions) = permissions {
                file.set_permissions(permissions)?;
            }
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temp, path));
    if let Err(source) = written {
        let _ = fs::remove_file(&temp);
        return Err(WriteError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    sync_dir(dir);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifacts(text: &str) -> Vec<Artifact> {
        vec![
            Artifact {
                path: "compose.yaml".into(),
                contents: text.into(),
            },
            Artifact {
                path: "web/Dockerfile".into(),
                contents: "FROM x\n".into(),
            },
        ]
    }

    #[test]
    fn writes_replaces_and_refuses() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        write_output(&out, "s.spec", &artifacts("a")).unwrap();
        assert_eq!(fs::read_to_string(out.join("compose.yaml")).unwrap(), "a");
        assert_eq!(
            write_output(&out, "s.spec", &artifacts("b")).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(fs::read_to_string(out.join("compose.yaml")).unwrap(), "b");
        // Nothing is left next to the output.
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);

        fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = write_output(&out, "s.spec", &artifacts("c")).unwrap_err();
        assert!(matches!(err, WriteError::ForeignFiles { ref files, .. } if files == &["notes.txt"]));
        assert_eq!(fs::read_to_string(out.join("compose.yaml")).unwrap(), "b");
        fs::remove_file(out.join("notes.txt")).unwrap();

        fs::create_dir(out.join("mine")).unwrap();
        let err = write_output(&out, "s.spec", &artifacts("c")).unwrap_err();
        assert!(matches!(err, WriteError::ForeignFiles { ref files, .. } if files == &["mine/"]));
        fs::remove_dir(out.join("mine")).unwrap();

        fs::write(out.join("compose.yaml"), "edited").unwrap();
        let err = write_output(&out, "s.spec", &artifacts("c")).unwrap_err();
        assert!(matches!(err, WriteError::ChangedFiles { .. }));
        assert_eq!(fs::read_to_string(out.join("compose.yaml")).unwrap(), "edited");
    }

    #[test]
    fn a_file_saved_after_the_check_is_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        write_output(&out, "s.spec", &artifacts("a")).unwrap();
        assert!(matches!(inspect(&out), Ok(Existing::Owned)));
        let staging = Staging::create(tmp.path(), &out).unwrap();
        write_file(&staging.path.join("compose.yaml"), b"b").unwrap();
        // The user saves a file between the check and the swap.
        fs::write(out.join("late.txt"), "mine").unwrap();

        let warnings = swap(staging, &out).unwrap();
        assert_eq!(fs::read_to_string(out.join("compose.yaml")).unwrap(), "b");
        let [warning] = warnings.as_slice() else {
            panic!("{warnings:?}")
        };
        assert!(warning.contains("kept the previous output"), "{warning}");
        let kept: Vec<PathBuf> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p != &out)
            .collect();
        let [kept] = kept.as_slice() else { panic!("{kept:?}") };
        assert_eq!(fs::read_to_string(kept.join("late.txt")).unwrap(), "mine");
    }
}
