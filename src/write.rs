//! Writes artifacts into the output folder, all or nothing.
//!
//! Architecture invariants:
//! - the new output is written into a fresh folder next to the target and
//!   swapped into place, so a failed build leaves the old folder as it was;
//! - `.stackc-manifest` records every file stackc wrote and its hash; stackc
//!   replaces a folder only while it holds exactly those files (and the
//!   folders they are in), so it never deletes or overwrites a user's file.
//!   The old folder is checked again after the swap, before it is removed;
//! - one build at a time writes a given output folder ([`OutputLock`]); the
//!   next one removes the staging folders a killed build left behind;
//! - nothing in the output folder is opened unless it is a regular file the
//!   manifest lists, and checking a foreign folder stops at its first
//!   foreign entries, so `-o /` or a FIFO in the folder is refused at once.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::emit::Artifact;
use crate::input::fs as fs_input;

pub mod durable;
pub mod together;

use durable::{sync_dir, Flush};

pub const MANIFEST: &str = ".stackc-manifest";

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path} is not a folder")]
    NotAFolder { path: PathBuf },
    #[error("{path} cannot be an output folder: stackc replaces its output folder as a whole")]
    Root { path: PathBuf },
    #[error("another stackc build is writing {path} right now; nothing written")]
    Busy { path: PathBuf },
    #[error("{path} is a symbolic link")]
    Symlink { path: PathBuf },
    #[error("{folder} holds files stackc did not write: {}{}", list(files), if *more { " and more" } else { "" })]
    ForeignFiles {
        folder: PathBuf,
        files: Vec<String>,
        /// The check stopped before the end of the folder.
        more: bool,
    },
    #[error("{folder} holds files changed since stackc wrote them: {}", list(files))]
    ChangedFiles { folder: PathBuf, files: Vec<String> },
    #[error("{path}: the manifest is not one stackc wrote: {reason}")]
    BadManifest { path: PathBuf, reason: String },
    #[error("{path} exists with other contents; stackc does not write over it")]
    Exists { path: PathBuf },
    #[error("{path} leads out of the project (a symbolic link)")]
    OutsideProject { path: PathBuf },
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
            WriteError::Root { .. } => Some("choose a folder of its own for the output, such as `out`"),
            WriteError::Busy { .. } => Some("wait until that build is done, then build again"),
            WriteError::OutsideProject { .. } => Some("stackc writes files only inside the project; remove the link"),
            _ => None,
        }
    }
}

/// How many files an error names.
const SHOWN: usize = 5;

fn list(files: &[String]) -> String {
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
    let name = out_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| WriteError::Root {
            path: out_dir.to_path_buf(),
        })?;
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io(&parent))?;
    let _lock = OutputLock::take(&parent, &name, out_dir)?;
    let mut warnings = remove_stale_staging(&parent, &name);
    let existing = inspect(out_dir)?;
    let staging = Staging::create(&parent, &name)?;
    let flush = Flush::for_output(&staging.path, artifacts.len() + 1).map_err(io(&staging.path))?;
    // The manifest first: a build killed half way leaves a staging folder
    // that says what it is (see `remove_stale_staging`).
    write_file(
        &staging.path.join(MANIFEST),
        manifest(spec_for_manifest, artifacts).as_bytes(),
        &flush,
    )?;
    for artifact in artifacts {
        write_file(&staging.path.join(&artifact.path), artifact.contents.as_bytes(), &flush)?;
    }
    flush
        .finish(&staging.path, artifacts.iter().map(|a| a.path.as_str()))
        .map_err(io(&staging.path))?;
    match existing {
        Existing::Nothing => {
            fs::rename(&staging.path, out_dir).map_err(io(out_dir))?;
            staging.keep();
        }
        Existing::Owned => warnings.extend(swap(staging, out_dir)?),
    }
    // The output's new name in its parent.
    sync_dir(&parent);
    Ok(warnings)
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
    let walk = walk(dir, &recorded, SHOWN)?;
    if !walk.foreign.is_empty() {
        return Err(WriteError::ForeignFiles {
            folder: dir.to_path_buf(),
            files: walk.foreign,
            more: walk.stopped,
        });
    }
    let changed: Vec<String> = walk
        .listed
        .into_iter()
        .filter(|path| !holds(&dir.join(path), &recorded[path]))
        .collect();
    if !changed.is_empty() {
        return Err(WriteError::ChangedFiles {
            folder: dir.to_path_buf(),
            files: changed,
        });
    }
    Ok(())
}

/// Whether the regular file at `path` has the recorded hash; read through
/// [`input::fs`], so it is never more than a bound.
fn holds(path: &Path, hash: &str) -> bool {
    fs_input::read_bytes(path, fs_input::MAX_FILE_BYTES).is_ok_and(|bytes| sha256(&bytes) == hash)
}

/// What a walk of an output folder found.
struct Walk {
    /// Entries the manifest does not account for, at most the walk's limit.
    foreign: Vec<String>,
    /// The walk stopped at the limit: there may be more.
    stopped: bool,
    /// Regular files the manifest lists, to compare with their hashes.
    listed: Vec<String>,
}

/// Walks `dir` in name order and sorts its entries into the ones the
/// manifest accounts for and the others, stopping after `limit` others:
/// a large foreign folder (`-o /`) is refused after a few entries, not
/// after reading all of it. Nothing is opened: a FIFO or a device is
/// foreign, whatever its name.
fn walk(dir: &Path, recorded: &BTreeMap<String, String>, limit: usize) -> Result<Walk, WriteError> {
    let mut walk = Walk {
        foreign: Vec::new(),
        stopped: false,
        listed: Vec::new(),
    };
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = pending.pop() {
        let mut entries = Vec::new();
        for entry in fs::read_dir(&folder).map_err(io(&folder))? {
            let entry = entry.map_err(io(&folder))?;
            let kind = entry.file_type().map_err(io(&entry.path()))?;
            entries.push((entry.file_name().to_string_lossy().into_owned(), kind, entry.path()));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut folders = Vec::new();
        for (name, kind, path) in entries {
            let relative = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let foreign = if kind.is_dir() {
                let holds_listed = recorded.keys().any(|file| file.starts_with(&format!("{relative}/")));
                if holds_listed {
                    folders.push((path, relative.clone()));
                }
                (!holds_listed).then(|| format!("{relative}/"))
            } else if !kind.is_file() {
                Some(format!("{relative} ({})", special_kind(&kind)))
            } else if relative == MANIFEST {
                None
            } else if recorded.contains_key(&relative) {
                walk.listed.push(relative);
                None
            } else {
                Some(relative)
            };
            if let Some(foreign) = foreign {
                if walk.foreign.len() == limit {
                    walk.stopped = true;
                    return Ok(walk);
                }
                walk.foreign.push(foreign);
            }
        }
        // Popped in name order.
        pending.extend(folders.into_iter().rev());
    }
    Ok(walk)
}

/// What an entry that is neither a folder nor a regular file is.
fn special_kind(kind: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    if kind.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
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
    let text = match fs_input::read_text(&path, fs_input::MAX_FILE_BYTES) {
        Ok(text) => text,
        Err(fs_input::ReadError::Missing) => return Ok(BTreeMap::new()),
        Err(fs_input::ReadError::Io(e)) => return Err(io(&path)(e)),
        Err(e) => {
            return Err(WriteError::BadManifest {
                path,
                reason: e.to_string(),
            })
        }
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

fn write_file(path: &Path, bytes: &[u8], flush: &Flush) -> Result<(), WriteError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let mut file = fs::File::create(path).map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))?;
    flush.file(&file).map_err(io(path))
}

/// The folder a build is written into before it replaces the target:
/// `.NAME.stackc-PID-NANOS` beside the output folder `NAME`. Removed on
/// drop unless it was moved into place.
struct Staging {
    path: PathBuf,
    keep: bool,
}

/// What follows the output's name in a staging folder's name.
const STAGING_MARK: &str = ".stackc-";

impl Staging {
    fn create(parent: &Path, name: &str) -> Result<Self, WriteError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = parent.join(format!(".{name}{STAGING_MARK}{}-{nanos}", std::process::id()));
        // A plain create_dir, not a private temp dir: the folder becomes the
        // output and should get the user's usual permissions.
        fs::create_dir(&path).map_err(io(&path))?;
        Ok(Staging { path, keep: false })
    }

    /// Whether `file_name` is a staging folder of the output `name`, or
    /// the old output a swap moved aside (`.old`, see [`exchange`]).
    fn is_of(file_name: &str, name: &str) -> bool {
        let Some(rest) = file_name
            .strip_prefix('.')
            .and_then(|n| n.strip_prefix(name))
            .and_then(|n| n.strip_prefix(STAGING_MARK))
        else {
            return false;
        };
        let rest = rest.strip_suffix(".old").unwrap_or(rest);
        let numbers = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        rest.split_once('-')
            .is_some_and(|(pid, nanos)| numbers(pid) && numbers(nanos))
    }

    fn keep(mut self) {
        self.keep = true;
    }
}

/// Removes what killed builds of the output `name` left beside it. With
/// the output's lock held no other build of it is running, so its staging
/// folders are leftovers; one is removed only when it provably holds
/// nothing but stackc's: its manifest and files that manifest lists (the
/// one being written when the build was killed may be cut short), or
/// nothing. Any other is kept, with a warning.
fn remove_stale_staging(parent: &Path, name: &str) -> Vec<String> {
    let mut warnings = Vec::new();
    let Ok(entries) = fs::read_dir(parent) else {
        return warnings;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let is_staging = file_name.to_str().is_some_and(|n| Staging::is_of(n, name));
        if !is_staging || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let path = entry.path();
        let only_ours = read_manifest(&path).and_then(|recorded| walk(&path, &recorded, 0));
        let removed = match only_ours {
            Ok(walk) if !walk.stopped => fs::remove_dir_all(&path).map_err(|e| e.to_string()),
            Ok(_) => Err("it holds files no stackc manifest lists".to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(why) = removed {
            warnings.push(format!("kept {}, left by an earlier build: {why}", path.display()));
        }
    }
    warnings
}

/// Held while a build writes one output folder, so a second build of the
/// same folder is refused at once with a clear message instead of racing
/// the first one into a raw OS error.
///
/// An advisory lock on `.NAME.stackc-lock` beside the output (`flock` on
/// Linux, through `File::try_lock`), not a lock file created with
/// `O_EXCL`: the system releases the lock when its process ends however it
/// ends, so a killed build never leaves a lock that blocks the next one,
/// and no process id has to be trusted to tell a stale lock.
struct OutputLock {
    path: PathBuf,
    _file: fs::File,
}

impl OutputLock {
    fn take(parent: &Path, name: &str, out_dir: &Path) -> Result<Self, WriteError> {
        let path = parent.join(format!(".{name}.stackc-lock"));
        loop {
            let file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io(&path))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(WriteError::Busy {
                        path: out_dir.to_path_buf(),
                    })
                }
                Err(fs::TryLockError::Error(e)) => return Err(io(&path)(e)),
            }
            // The build that held the lock removes its file when it is done
            // (see `drop`): the lock is ours only if the path still names
            // the file that was locked; otherwise take the new one.
            if same_file(&file, &path) {
                return Ok(OutputLock { path, _file: file });
            }
        }
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still locked; the lock goes with the file handle.
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether `path` names the file `file` is open on.
fn same_file(file: &fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
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
/// half. Through a symbolic link, the file it points at is the one replaced.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let mut together = together::Together::default();
    together.replace(path, bytes);
    together.write()
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
    fn a_large_output_is_written_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let many: Vec<Artifact> = (0..durable::WHOLE_FILE_SYSTEM_FROM)
            .map(|i| Artifact {
                path: format!("web{i}/Dockerfile"),
                contents: format!("FROM x{i}\n"),
            })
            .collect();
        write_output(&out, "s.spec", &many).unwrap();
        assert_eq!(read_manifest(&out).unwrap().len(), many.len());
        assert!(verify_owned(&out).is_ok());
        assert_eq!(fs::read_to_string(out.join("web7/Dockerfile")).unwrap(), "FROM x7\n");
    }

    #[test]
    fn a_file_saved_after_the_check_is_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        write_output(&out, "s.spec", &artifacts("a")).unwrap();
        assert!(matches!(inspect(&out), Ok(Existing::Owned)));
        let staging = Staging::create(tmp.path(), "out").unwrap();
        write_file(&staging.path.join("compose.yaml"), b"b", &Flush::EachFile).unwrap();
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

    #[test]
    fn staging_folders_are_known_by_name() {
        assert!(Staging::is_of(".out.stackc-12-34", "out"));
        assert!(Staging::is_of(".out.stackc-12-34.old", "out"));
        assert!(!Staging::is_of(".out.stackc-lock", "out"));
        assert!(!Staging::is_of(".outer.stackc-1-2", "out"));
        assert!(!Staging::is_of(".out.stackc-1-2x", "out"));
        assert!(!Staging::is_of("out.stackc-1-2", "out"));
    }

    #[test]
    fn leftovers_of_killed_builds_are_removed_and_others_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        // Killed while writing its second file: a manifest and half a file.
        let killed = tmp.path().join(".out.stackc-1-2");
        fs::create_dir_all(killed.join("web")).unwrap();
        fs::write(killed.join(MANIFEST), manifest("s.spec", &artifacts("a"))).unwrap();
        fs::write(killed.join("compose.yaml"), "a").unwrap();
        fs::write(killed.join("web/Dockerfile"), "FR").unwrap();
        // Killed before writing anything.
        fs::create_dir(tmp.path().join(".out.stackc-3-4")).unwrap();
        // A swapped-out output whose removal was interrupted.
        write_output(&tmp.path().join("old"), "s.spec", &artifacts("o")).unwrap();
        fs::rename(tmp.path().join("old"), tmp.path().join(".out.stackc-5-6.old")).unwrap();
        // Named like a leftover, but holding a file of the user's.
        let mine = tmp.path().join(".out.stackc-7-8");
        fs::create_dir(&mine).unwrap();
        fs::write(mine.join("notes.txt"), "mine").unwrap();
        // Another output's leftover.
        fs::create_dir(tmp.path().join(".other.stackc-1-2")).unwrap();

        let warnings = write_output(&out, "s.spec", &artifacts("b")).unwrap();
        let [warning] = warnings.as_slice() else {
            panic!("{warnings:?}")
        };
        assert!(
            warning.contains(".out.stackc-7-8") && warning.contains("no stackc manifest"),
            "{warning}"
        );
        let mut left: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".other.stackc-1-2", ".out.stackc-7-8", "out"]);
        assert_eq!(fs::read_to_string(mine.join("notes.txt")).unwrap(), "mine");
    }

    #[test]
    fn a_second_build_of_a_folder_is_refused_while_the_first_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let first = OutputLock::take(tmp.path(), "out", &out).unwrap();
        let err = write_output(&out, "s.spec", &artifacts("a")).unwrap_err();
        assert!(matches!(err, WriteError::Busy { .. }), "{err}");
        assert!(!out.exists());
        drop(first);
        write_output(&out, "s.spec", &artifacts("a")).unwrap();
        // The lock file goes with the build.
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_foreign_folder_is_refused_after_its_first_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir_all(out.join("deep/er")).unwrap();
        for i in 0..100 {
            fs::write(out.join(format!("f{i:03}")), "x").unwrap();
        }
        let err = write_output(&out, "s.spec", &artifacts("a")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} holds files stackc did not write: deep/, f000, f001, f002, f003 and more",
                out.display()
            )
        );
        assert!(matches!(
            write_output(Path::new("/"), "s.spec", &artifacts("a")),
            Err(WriteError::Root { .. })
        ));
    }
}
