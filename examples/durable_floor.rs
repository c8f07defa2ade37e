//! The floor under `stackc build`: writes files of the sizes a build
//! wrote, with the same durable steps and nothing else (a staging folder,
//! the build's own [`Flush`]: an fsync per file and per folder, or one
//! syncfs for a large output; the rename into place, an fsync of the
//! parent), so `scripts/bench.sh` can show what a build costs beyond the
//! disk's own work.
//!
//! ```sh
//! cargo run --release --example durable_floor -- OUT COPY   # COPY must not exist
//! ```

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stackc::write::durable::{sync_dir, Flush};

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
    list(built, "", &mut files)?;
    let parent = copy
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let staging = parent.join(format!(".floor-{}", std::process::id()));
    fs::create_dir(&staging)?;
    let flush = Flush::for_output(&staging, files.len())?;
    for (path, size) in &files {
        if let Some((folder, _)) = path.rsplit_once('/') {
            fs::create_dir_all(staging.join(folder))?;
        }
        let mut file = fs::File::create(staging.join(path))?;
        file.write_all(&vec![b'x'; *size as usize])?;
        flush.file(&file)?;
    }
    flush.finish(&staging, files.iter().map(|(path, _)| path.as_str()))?;
    fs::rename(&staging, copy)?;
    sync_dir(parent);
    Ok(())
}

/// Every file below `dir`, as a `/`-separated path relative to the
/// listing's root (the build's are UTF-8), and its size.
fn list(dir: &Path, relative: &str, out: &mut Vec<(String, u64)>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if relative.is_empty() {
            name
        } else {
            format!("{relative}/{name}")
        };
        let meta = entry.metadata()?;
        if meta.is_dir() {
            list(&entry.path(), &path, out)?;
        } else {
            out.push((path, meta.len()));
        }
    }
    Ok(())
}
