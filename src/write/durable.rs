//! How a staged output is made durable before it is moved into place: an
//! fsync of each file and folder, or, for a large output, one `syncfs(2)`
//! of the file system it is on.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::Path;

/// From this many files on (the manifest included), one `syncfs(2)`
/// replaces the fsync of each file and folder. Each fsync is a journal
/// commit of its own: on ext4, the 6,000 of a 10,000-service build took
/// seconds and grew faster than the output did, while one syncfs commits
/// everything at once. Its price is that it also waits for other programs'
/// pending writes to the same file system, so small outputs (every
/// hand-written stack) keep their own fsyncs. PostgreSQL makes the same
/// trade for data folders with many files (`recovery_init_sync_method =
/// syncfs`).
pub const WHOLE_FILE_SYSTEM_FROM: usize = 64;

/// The durable steps of one output.
pub enum Flush {
    /// An fsync of each file as it is written, then of each folder.
    EachFile,
    /// One `syncfs(2)` through a handle on the output's root folder.
    #[cfg(target_os = "linux")]
    WholeFileSystem(fs::File),
}

impl Flush {
    /// The flush for `files` files written below `root`, which exists. The
    /// handle on `root` is opened before anything is written below it:
    /// syncfs reports the write-back errors that happened since then.
    pub fn for_output(root: &Path, files: usize) -> io::Result<Flush> {
        #[cfg(target_os = "linux")]
        if files >= WHOLE_FILE_SYSTEM_FROM {
            return fs::File::open(root).map(Flush::WholeFileSystem);
        }
        let _ = (root, files);
        Ok(Flush::EachFile)
    }

    /// Called on each file once it is written.
    pub fn file(&self, file: &fs::File) -> io::Result<()> {
        match self {
            Flush::EachFile => file.sync_all(),
            #[cfg(target_os = "linux")]
            Flush::WholeFileSystem(_) => Ok(()),
        }
    }

    /// Makes every file and folder below `root` durable, given the files'
    /// paths relative to it (`/`-separated).
    pub fn finish<'a>(self, root: &Path, files: impl IntoIterator<Item = &'a str>) -> io::Result<()> {
        match self {
            Flush::EachFile => {
                sync_folders(root, files);
                Ok(())
            }
            #[cfg(target_os = "linux")]
            Flush::WholeFileSystem(handle) => rustix::fs::syncfs(&handle).map_err(io::Error::from),
        }
    }
}

/// Flushes each folder of the output once, the deepest first: a file's own
/// fsync does not cover its name in its folder.
fn sync_folders<'a>(root: &Path, files: impl IntoIterator<Item = &'a str>) {
    let folders: BTreeSet<&str> = files
        .into_iter()
        .flat_map(|path| path.match_indices('/').map(move |(end, _)| &path[..end]))
        .collect();
    for folder in folders.iter().rev() {
        sync_dir(&root.join(folder));
    }
    sync_dir(root);
}

/// Flushes the folder's entries to disk where the platform allows it.
pub fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_outputs_keep_their_own_fsyncs() {
        let tmp = tempfile::tempdir().unwrap();
        let small = Flush::for_output(tmp.path(), WHOLE_FILE_SYSTEM_FROM - 1).unwrap();
        assert!(matches!(small, Flush::EachFile));
        let large = Flush::for_output(tmp.path(), WHOLE_FILE_SYSTEM_FROM).unwrap();
        #[cfg(target_os = "linux")]
        assert!(matches!(large, Flush::WholeFileSystem(_)));
        large.finish(tmp.path(), ["a/b/c"]).unwrap();
    }
}
