//! Writes artifacts into the output folder, all or nothing.
//!
//! Architecture invariants:
//! - the new output is written into a fresh folder next to the target and
//!   swapped into place, so a failed build leaves the old folder as it was;
//! - `.stackc-manifest` records every file stackc wrote and its hash; stackc
//!   refuses to replace a folder holding any file the manifest does not list
//!   with that exact content, so it never deletes or overwrites a user's file.

use std::collections::BTreeMap;
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

/// Replaces `out_dir` with exactly `artifacts` plus the manifest.
pub fn write_output(out_dir: &Path, spec_for_manifest: &str, artifacts: &[Artifact]) -> Result<(), WriteError> {
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
    sync_dir(&staging.path)?;
    staging.swap_into(out_dir, existing)
}

/// What is at the target now.
#[derive(Clone, Copy)]
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
    if !meta.is_dir() {
        return Err(WriteError::NotAFolder {
            path: out_dir.to_path_buf(),
        });
    }
    let files = list_files(out_dir)?;
    let recorded = read_manifest(out_dir)?;
    let mut foreign = Vec::new();
    let mut changed = Vec::new();
    for file in files.iter().filter(|f| f.as_str() != MANIFEST) {
        match recorded.get(file) {
            None => foreign.push(file.clone()),
            Some(hash) => {
                let bytes = fs::read(out_dir.join(file)).map_err(io(&out_dir.join(file)))?;
                if &sha256(&bytes) != hash {
                    changed.push(file.clone());
                }
            }
        }
    }
    if !foreign.is_empty() {
        return Err(WriteError::ForeignFiles {
            folder: out_dir.to_path_buf(),
            files: foreign,
        });
    }
    if !changed.is_empty() {
        return Err(WriteError::ChangedFiles {
            folder: out_dir.to_path_buf(),
            files: changed,
        });
    }
    Ok(Existing::Owned)
}

/// Every file below `dir`, as sorted `/`-separated relative paths. Links and
/// other non-files count as files, so they are never silently removed.
fn list_files(dir: &Path) -> Result<Vec<String>, WriteError> {
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
            let kind = entry.file_type().map_err(io(&entry.path()))?;
            if kind.is_dir() {
                pending.push((entry.path(), relative));
            } else {
                out.push(relative);
            }
        }
    }
    out.sort();
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

fn read_manifest(out_dir: &Path) -> Result<BTreeMap<String, String>, WriteError> {
    let path = out_dir.join(MANIFEST);
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

fn sync_dir(dir: &Path) -> Result<(), WriteError> {
    // Directories can be opened and synced on Unix; elsewhere this is best effort.
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
    Ok(())
}

/// The folder a build is written into before it replaces the target.
/// Removed on drop unless it was swapped into place.
struct Staging {
    path: PathBuf,
    done: bool,
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
        Ok(Staging { path, done: false })
    }

    fn swap_into(mut self, out_dir: &Path, existing: Existing) -> Result<(), WriteError> {
        match existing {
            Existing::Nothing => fs::rename(&self.path, out_dir).map_err(io(out_dir))?,
            Existing::Owned => {
                exchange(&self.path, out_dir)?;
                // The staging path now holds the old output: only files the
                // manifest vouched for, removed with the folder on drop.
            }
        }
        self.done = !matches!(existing, Existing::Owned);
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Swaps two folders atomically where the OS can (Linux `renameat2`), and
/// with two renames elsewhere.
fn exchange(new: &Path, target: &Path) -> Result<(), WriteError> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, new, CWD, target, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            // Not every file system supports the exchange; fall back.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(io(target)(e.into())),
        }
    }
    let old = new.with_extension("old");
    fs::rename(target, &old).map_err(io(target))?;
    if let Err(e) = fs::rename(new, target) {
        let _ = fs::rename(&old, target);
        return Err(io(target)(e));
    }
    // Put the old output where the caller expects it, to be removed.
    fs::rename(&old, new).map_err(io(new))
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
        write_output(&out, "s.spec", &artifacts("b")).unwrap();
        assert_eq!(fs::read_to_string(out.join("compose.yaml")).unwrap(), "b");
        // Nothing is left next to the output.
        let siblings: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(siblings.len(), 1);

        fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = write_output(&out, "s.spec", &artifacts("c")).unwrap_err();
        assert!(matches!(err, WriteError::ForeignFiles { ref files, .. } if files == &["notes.txt"]));
        assert_eq!(fs::read_to_string(out.join("compose.yaml")).unwrap(), "b");
        fs::remove_file(out.join("notes.txt")).unwrap();

        fs::write(out.join("compose.yaml"), "edited").unwrap();
        let err = write_output(&out, "s.spec", &artifacts("c")).unwrap_err();
        assert!(matches!(err, WriteError::ChangedFiles { .. }));
        assert_eq!(fs::read_to_string(out.join("compose.yaml")).unwrap(), "edited");
    }
}
