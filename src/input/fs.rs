//! The one way stackc reads a file it did not write: regular files only,
//! never more than a bound.
//!
//! A FIFO, a device or `/dev/zero` named as a spec or an input would hang
//! a run or fill memory; these are refused from their metadata, before any
//! byte is read, and the read itself stops at the bound. A file of the
//! kernel's (`/proc/self/environ`, `/sys/...`) is refused once opened: it
//! holds the state of the machine stackc runs on, such as a CI runner's
//! secrets, which a hostile spec could otherwise have quoted in its
//! diagnostics.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest spec or input file stackc reads: far above any real one.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    Missing,
    /// A folder where a file was expected.
    Folder,
    /// A FIFO, socket or device: reading it could block or never end.
    NotRegular,
    /// A file of procfs or sysfs: the running machine's state.
    KernelFile,
    TooLarge {
        limit: u64,
    },
    NotUtf8 {
        offset: usize,
    },
    /// Outside the project the spec is in (see [`super::Disk`]): a file of
    /// the machine the stack runs on, never read nor quoted.
    OutsideProject,
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Missing => f.write_str("no such file"),
            ReadError::Folder => f.write_str("a folder, not a file"),
            ReadError::NotRegular => f.write_str("not a regular file (a FIFO, socket or device)"),
            ReadError::KernelFile => {
                f.write_str("a file of the kernel's (/proc, /sys): this machine's state, not a file of the project")
            }
            ReadError::TooLarge { limit } => write!(f, "larger than {} MiB", limit >> 20),
            ReadError::NotUtf8 { offset } => write!(f, "not UTF-8 (byte {offset})"),
            ReadError::OutsideProject => {
                f.write_str("outside the project (its repository, or the spec's folder outside one)")
            }
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Reads a regular file's bytes, at most `limit` of them.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    // `metadata` follows symlinks: a link to a FIFO is refused too.
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::Missing,
        _ => ReadError::Io(e),
    })?;
    if metadata.is_dir() {
        return Err(ReadError::Folder);
    }
    if !metadata.is_file() {
        return Err(ReadError::NotRegular);
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let file = open_without_blocking(path).map_err(ReadError::Io)?;
    // The file may have been swapped for a FIFO or grown since: check what
    // was opened, and never read past the bound whatever it is.
    let opened = file.metadata().map_err(ReadError::Io)?;
    if !opened.is_file() {
        return Err(ReadError::NotRegular);
    }
    if is_kernel_file(&file) {
        return Err(ReadError::KernelFile);
    }
    let mut bytes = Vec::with_capacity(opened.len().min(limit) as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(bytes)
}

/// Opens a file for reading. Opening a FIFO waits for a writer; on Linux
/// the file is opened non-blocking, so one swapped in after the metadata
/// check is refused instead (the flag changes nothing for regular files).
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    options.open(path)
}

/// Whether an open file is on procfs or sysfs, wherever they are mounted
/// and whatever links led to it.
#[cfg(target_os = "linux")]
fn is_kernel_file(file: &std::fs::File) -> bool {
    /// sysfs's magic number (`SYSFS_MAGIC` in linux/magic.h).
    const SYSFS_MAGIC: u64 = 0x6265_6572;
    rustix::fs::fstatfs(file).is_ok_and(|fs| {
        let kind = fs.f_type as u64;
        kind == rustix::fs::PROC_SUPER_MAGIC as u64 || kind == SYSFS_MAGIC
    })
}

#[cfg(not(target_os = "linux"))]
fn is_kernel_file(_: &std::fs::File) -> bool {
    false
}

/// The project a file in `folder` belongs to, real (links followed): the
/// nearest folder at or above it holding `.git` (a repository), else the
/// folder itself. `None` when the folder is not there.
///
/// A file outside it (reached by `..`, an absolute path or a symbolic
/// link: `~/.aws/credentials`, `../../home/u/.ssh/id_rsa`) belongs to the
/// machine the stack runs on: stackc neither reads nor quotes it, so a
/// hostile spec or compose file cannot make it print, or copy, a file of
/// whoever runs it.
pub fn project_root(folder: &Path) -> Option<PathBuf> {
    let folder = std::fs::canonicalize(Path::new(".").join(folder)).ok()?;
    let repository = folder
        .ancestors()
        .find(|dir| std::fs::symlink_metadata(dir.join(".git")).is_ok());
    Some(repository.unwrap_or(&folder).to_path_buf())
}

/// Reads a text file of the project at `root` (see [`project_root`]): one
/// that really is elsewhere is refused unread; one that is not there is
/// [`ReadError::Missing`], as anywhere.
pub fn read_project_text(root: Option<&Path>, path: &Path, limit: u64) -> Result<String, ReadError> {
    inside_project(root, path)?;
    read_text(path, limit)
}

/// Refuses a path whose real place is outside the project at `root`; one
/// that is not there passes, to be reported missing.
pub fn inside_project(root: Option<&Path>, path: &Path) -> Result<(), ReadError> {
    let Ok(real) = std::fs::canonicalize(Path::new(".").join(path)) else {
        return Ok(());
    };
    match root {
        Some(root) if real.starts_with(root) => Ok(()),
        _ => Err(ReadError::OutsideProject),
    }
}

/// Reads a regular UTF-8 text file of at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read_bytes(path, limit)?;
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_and_refuses_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "hello").unwrap();
        assert_eq!(read_text(&file, 100).unwrap(), "hello");
        assert!(matches!(read_text(&file, 3), Err(ReadError::TooLarge { limit: 3 })));
        assert!(matches!(
            read_text(&dir.path().join("nope"), 100),
            Err(ReadError::Missing)
        ));
        assert!(matches!(read_text(dir.path(), 100), Err(ReadError::Folder)));
        assert!(matches!(
            read_text(Path::new("/dev/zero"), 100),
            Err(ReadError::NotRegular)
        ));
        std::fs::write(&file, [b'a', 0xff]).unwrap();
        assert!(matches!(read_text(&file, 100), Err(ReadError::NotUtf8 { offset: 1 })));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_kernel_s_files_are_refused_however_they_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("app.env");
        std::os::unix::fs::symlink("/proc/self/environ", &link).unwrap();
        for path in [
            Path::new("/proc/self/environ"),
            Path::new("/sys/kernel/uevent_seqnum"),
            &link,
        ] {
            let read = read_text(path, MAX_FILE_BYTES);
            assert!(
                matches!(read, Err(ReadError::KernelFile)),
                "{}: {read:?}",
                path.display()
            );
        }
    }
}
