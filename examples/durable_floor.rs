//! The floor under `stackc build`: writes files of the sizes a build
//! wrote, with the same durable steps and nothing else (a staging folder,
//! one fsync per file and per folder, the rename into place, an fsync of
//! the parent), so `scripts/bench.sh` can show what a build costs beyond
//! the disk's own work.
//!
//! ```sh
//! cargo run --release --example durable_floor -- OUT COPY   # COPY must not exist
//! ```

use std::collections::BTreeSet;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [built, copy] = args.as_slice() else {
        eprintln!("usage: durable_floor OUT COPY");
        return ExitCode::from(2);
    };
    match write_like(built, copy) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("durable_floor: {e}");
            ExitCode::from(2)
        }
    }
}

/// Writes into `copy` a file of the same size for each file below `built`.
fn write_like(built: &Path, copy: &Path) -> std::io::Result<()> {
    let mut files = Vec::new();
    list(built, Path::new(""), &mut files)?;
    let parent = copy
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let staging = parent.join(format!(".floor-{}", std::process::id()));
    fs::create_dir(&staging)?;
    let mut folders = BTreeSet::new();
    for (path, size) in &files {
        let target = staging.join(path);
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            fs::create_dir_all(staging.join(folder))?;
            folders.extend(
                folder
                    .ancestors()
                    .filter(|f| !f.as_os_str().is_empty())
                    .map(Path::to_path_buf),
            );
        }
        let mut file = fs::File::create(target)?;
        file.write_all(&vec![b'x'; *size as usize])?;
        file.sync_all()?;
    }
    for folder in folders.iter().rev() {
        fs::File::open(staging.join(folder))?.sync_all()?;
    }
    fs::File::open(&staging)?.sync_all()?;
    fs::rename(&staging, copy)?;
    fs::File::open(parent)?.sync_all()
}

/// Every file below `dir`, as a path relative to the listing's root, and
/// its size.
fn list(dir: &Path, relative: &Path, out: &mut Vec<(PathBuf, u64)>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        let meta = entry.metadata()?;
        if meta.is_dir() {
            list(&entry.path(), &path, out)?;
        } else {
            out.push((path, meta.len()));
        }
    }
    Ok(())
}
