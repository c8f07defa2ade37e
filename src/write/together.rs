//! Several files written as one change, all or none (`stackc import`'s
//! spec, secret files and ignore lines): each new text is written into a
//! file beside its target first, and only once every one of them is there
//! are they renamed into place. A failure before the renames leaves every
//! target as it was (the folders made for them are removed again); one
//! during them puts back the files already renamed.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::durable::sync_dir;
use super::{io, WriteError};

/// The files to write, in the order their renames happen.
#[derive(Default)]
pub struct Together {
    files: Vec<Planned>,
    /// The project no file may be written outside of (through a folder or
    /// a file that is a link out of it), when there is one.
    project: Option<PathBuf>,
}

struct Planned {
    path: PathBuf,
    bytes: Vec<u8>,
    how: How,
}

enum How {
    /// Replaces the file (keeping its permissions), or creates it.
    Replace,
    /// Creates the file with this mode; one there already with the same
    /// contents is left as it is, one with other contents is an error.
    Create { mode: u32 },
}

impl Together {
    /// Written files (the files links lead to, and the folders made for
    /// them) must stay inside the project at `root`.
    pub fn inside(root: PathBuf) -> Self {
        Together {
            files: Vec::new(),
            project: Some(root),
        }
    }

    /// Replaces `path` with `bytes`, or creates it.
    pub fn replace(&mut self, path: &Path, bytes: &[u8]) {
        self.push(path, bytes, How::Replace);
    }

    /// Creates `path` with `mode`, never over other contents.
    pub fn create(&mut self, path: &Path, bytes: &[u8], mode: u32) {
        self.push(path, bytes, How::Create { mode });
    }

    fn push(&mut self, path: &Path, bytes: &[u8], how: How) {
        self.files.push(Planned {
            path: path.to_path_buf(),
            bytes: bytes.to_vec(),
            how,
        });
    }

    /// Writes every file, or none.
    pub fn write(self) -> Result<(), WriteError> {
        self.stage()?.commit()
    }

    /// Writes each new text beside its target; nothing is in place yet.
    fn stage(self) -> Result<Staged, WriteError> {
        let mut staged = Staged::default();
        for (index, planned) in self.files.into_iter().enumerate() {
            staged.add(index, planned, self.project.as_deref())?;
        }
        Ok(staged)
    }
}

/// The staged files and the folders made for them, removed again unless
/// committed.
#[derive(Default)]
struct Staged {
    files: Vec<StagedFile>,
    /// Made for the files, the deepest of each path first.
    folders: Vec<PathBuf>,
    committed: bool,
}

struct StagedFile {
    target: PathBuf,
    temp: PathBuf,
    /// What a replaced file held, to put back.
    old: Option<Vec<u8>>,
    /// Renamed only where nothing is (`Create`).
    create: bool,
}

impl Staged {
    /// Stages one file (a file to create that is there already with the
    /// same contents is left as it is).
    fn add(&mut self, index: usize, planned: Planned, project: Option<&Path>) -> Result<(), WriteError> {
        let (target, mode) = match planned.how {
            How::Replace => (through_link(&planned.path)?, None),
            How::Create { mode } => (planned.path, Some(mode)),
        };
        let old = match fs::read(&target) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(&target)(e)),
        };
        let create = mode.is_some();
        match &old {
            Some(bytes) if create && *bytes == planned.bytes => return Ok(()),
            Some(_) if create => return Err(WriteError::Exists { path: target }),
            _ => {}
        }
        let dir = folder(&target).to_path_buf();
        // A file replaced through a link is confined too: a spec or an
        // ignore file that is a link out of the project is not written
        // there. Checked again once made: a folder swapped for a link
        // meanwhile.
        let confined = project;
        if let Some(root) = confined {
            inside(root, &dir)?;
        }
        self.make_folder(&dir)?;
        if let Some(root) = confined {
            inside(root, &dir)?;
        }
        let permissions = match (&old, mode) {
            (_, Some(mode)) => permissions(mode),
            (Some(_), None) => Some(fs::metadata(&target).map_err(io(&target))?.permissions()),
            (None, None) => None,
        };
        let temp = temp_path(&target, index);
        write_new(&temp, &planned.bytes, permissions, mode).map_err(io(&target))?;
        self.files.push(StagedFile {
            target,
            temp,
            old: if create { None } else { old },
            create,
        });
        Ok(())
    }

    /// Makes `dir` and the folders above it that are not there, noting
    /// each one made.
    fn make_folder(&mut self, dir: &Path) -> Result<(), WriteError> {
        let mut missing = Vec::new();
        let mut at = Some(dir);
        while let Some(folder) = at.filter(|f| !f.as_os_str().is_empty() && fs::symlink_metadata(f).is_err()) {
            missing.push(folder.to_path_buf());
            at = folder.parent();
        }
        fs::create_dir_all(dir).map_err(io(dir))?;
        self.folders.extend(missing);
        Ok(())
    }

    /// Renames every staged file into place, in order; on a failure, the
    /// ones renamed already are put back as they were.
    fn commit(mut self) -> Result<(), WriteError> {
        for (done, file) in self.files.iter().enumerate() {
            let renamed = if file.create {
                rename_new(&file.temp, &file.target)
            } else {
                fs::rename(&file.temp, &file.target).map_err(io(&file.target))
            };
            if let Err(e) = renamed {
                for back in self.files[..done].iter().rev() {
                    back.undo();
                }
                return Err(e);
            }
        }
        self.committed = true;
        let mut dirs: Vec<&Path> = self.files.iter().map(|f| folder(&f.target)).collect();
        dirs.dedup();
        for dir in dirs {
            sync_dir(dir);
        }
        Ok(())
    }
}

impl StagedFile {
    /// Puts back what the target held before it was renamed over.
    fn undo(&self) {
        match &self.old {
            Some(old) => {
                let permissions = fs::metadata(&self.target).ok().map(|m| m.permissions());
                if write_new(&self.temp, old, permissions, None).is_ok() {
                    let _ = fs::rename(&self.temp, &self.target);
                }
            }
            None => {
                let _ = fs::remove_file(&self.target);
            }
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        for file in &self.files {
            let _ = fs::remove_file(&file.temp);
        }
        // Only an empty folder goes: the deepest of each path comes first.
        for folder in &self.folders {
            let _ = fs::remove_dir(folder);
        }
    }
}

/// Refuses a folder that is really outside the project at `root`.
fn inside(root: &Path, folder: &Path) -> Result<(), WriteError> {
    crate::input::fs::inside_project(Some(root), folder).map_err(|_| WriteError::OutsideProject {
        path: folder.to_path_buf(),
    })
}

/// The file a link points at is the one replaced.
fn through_link(path: &Path) -> Result<PathBuf, WriteError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_symlink() => fs::canonicalize(path).map_err(io(path)),
        Ok(_) => Ok(path.to_path_buf()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(path.to_path_buf()),
        Err(e) => Err(io(path)(e)),
    }
}

fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// A name beside `target` for its new text, unique to this process.
fn temp_path(target: &Path, index: usize) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy());
    folder(target).join(format!(".{name}.stackc-{}-{index}", std::process::id()))
}

/// The permissions of `mode` (none to set where there are no modes).
fn permissions(mode: u32) -> Option<fs::Permissions> {
    #[cfg(unix)]
    return Some(std::os::unix::fs::PermissionsExt::from_mode(mode));
    #[cfg(not(unix))]
    {
        let _ = mode;
        None
    }
}

/// Creates `path` (never over a file), made with `mode` from the start so
/// that no other user can open it meanwhile, then given `permissions`
/// whatever the umask took away, written and flushed.
fn write_new(
    path: &Path,
    bytes: &[u8],
    permissions: Option<fs::Permissions>,
    mode: Option<u32>,
) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if let Some(mode) = mode {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let written = options.open(path).and_then(|mut file| {
        file.write_all(bytes)?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        file.sync_all()
    });
    if written.is_err() {
        let _ = fs::remove_file(path);
    }
    written
}

/// Renames `from` to `to` only if nothing is at `to` (one that appeared
/// since the check is an error, never replaced).
fn rename_new(from: &Path, to: &Path) -> Result<(), WriteError> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(()),
            Err(e) if e == rustix::io::Errno::EXIST => return Err(WriteError::Exists { path: to.to_path_buf() }),
            // Not every file system has it: a link fails the same way.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(io(to)(e.into())),
        }
    }
    match fs::hard_link(from, to) {
        Ok(()) => {
            let _ = fs::remove_file(from);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(WriteError::Exists { path: to.to_path_buf() }),
        Err(e) => Err(io(to)(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn all_files_are_written_and_a_created_one_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "old").unwrap();
        let mut together = Together::inside(dir.path().canonicalize().unwrap());
        together.replace(&dir.path().join("a.txt"), b"new");
        together.create(&dir.path().join("deep/b.txt"), b"secret", 0o600);
        together.write().unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), "new");
        assert_eq!(fs::read_to_string(dir.path().join("deep/b.txt")).unwrap(), "secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(dir.path().join("deep/b.txt"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(entries(dir.path()), ["a.txt", "deep"]);
    }

    #[test]
    fn a_failure_before_the_renames_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "old").unwrap();
        fs::create_dir(dir.path().join("held")).unwrap();
        fs::write(dir.path().join("held/b.txt"), "other").unwrap();
        let mut together = Together::default();
        together.replace(&dir.path().join("a.txt"), b"new");
        together.create(&dir.path().join("new/c.txt"), b"c", 0o600);
        together.create(&dir.path().join("held/b.txt"), b"mine", 0o600);
        let err = together.write().unwrap_err();
        assert!(matches!(err, WriteError::Exists { .. }), "{err}");
        assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), "old");
        assert_eq!(entries(dir.path()), ["a.txt", "held"]);
        assert_eq!(entries(&dir.path().join("held")), ["b.txt"]);
    }

    #[test]
    fn a_failed_rename_puts_back_the_files_renamed_before_it() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "old").unwrap();
        let mut together = Together::default();
        together.replace(&dir.path().join("a.txt"), b"new");
        together.create(&dir.path().join("b.txt"), b"b", 0o644);
        together.create(&dir.path().join("c.txt"), b"c", 0o644);
        let staged = together.stage().unwrap();
        // Another program makes `c.txt` between the check and the rename.
        fs::write(dir.path().join("c.txt"), "theirs").unwrap();
        let err = staged.commit().unwrap_err();
        assert!(matches!(err, WriteError::Exists { .. }), "{err}");
        assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), "old");
        assert_eq!(fs::read_to_string(dir.path().join("c.txt")).unwrap(), "theirs");
        assert_eq!(entries(dir.path()), ["a.txt", "c.txt"]);
    }
}
