//! Sets `STACKC_VERSION`, the text `stackc --version` prints: the crate's
//! version, and when built from a git checkout of stackc the commit and its
//! date, as rustc does (`0.1.0 (abc1234 2026-11-30)`). A build from a
//! source archive (the sdist pip builds, a crates.io download) has no
//! checkout and prints the version alone.
//!
//! Cargo sees a source archive and a git checkout of one version as the
//! same package: sharing one target folder (CARGO_TARGET_DIR), the second
//! build may keep the first one's text (and, from a source archive whose
//! files are older than the build, its code too). A build without a
//! checkout names a `.git` that is not there, so cargo runs this script
//! again on the next build whatever its source; scripts/check-release.sh,
//! which shares a target folder between the two in CI, unpacks the sdist
//! with fresh file times, so a build after a checkout's runs it too.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let version = env("CARGO_PKG_VERSION");
    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let full = match commit(&manifest_dir) {
        Some(commit) => format!("{version} ({} {})", commit.hash, commit.date),
        None => {
            // Missing, so cargo runs this script again on every build: the
            // next one may be of a checkout sharing this target folder. (A
            // `.git` git cannot read is not named: cargo would watch all
            // of it.)
            let checkout = manifest_dir.join(".git");
            if !checkout.exists() {
                println!("cargo::rerun-if-changed={}", checkout.display());
            }
            version
        }
    };
    println!("cargo::rustc-env=STACKC_VERSION={full}");
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("cargo sets {name} for build scripts"))
}

struct Commit {
    hash: String,
    /// The commit's date, `YYYY-MM-DD`.
    date: String,
}

/// The checked-out commit, if `dir` is the top of a git checkout (a
/// crate unpacked inside some other repository is not) and git runs.
fn commit(dir: &Path) -> Option<Commit> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    let line = git(dir, &["log", "-1", "--format=%h %cs"])?;
    let (hash, date) = line.split_once(' ')?;
    watch_head(dir);
    Some(Commit {
        hash: hash.to_string(),
        date: date.to_string(),
    })
}

/// Asks cargo to run this script again when HEAD moves: a commit, a
/// checkout, a pull. Only files that exist are named, since cargo reruns a
/// script on every build while a named file is missing.
fn watch_head(dir: &Path) {
    let paths = [
        git(dir, &["rev-parse", "--git-path", "HEAD"]),
        git(dir, &["rev-parse", "--symbolic-full-name", "HEAD"])
            .filter(|name| name.starts_with("refs/"))
            .and_then(|name| git(dir, &["rev-parse", "--git-path", &name])),
        git(dir, &["rev-parse", "--git-path", "packed-refs"]),
    ];
    for path in paths.into_iter().flatten() {
        let path = dir.join(path);
        if path.is_file() {
            println!("cargo::rerun-if-changed={}", path.display());
        }
    }
}

/// A git command's trimmed output; `None` when git is missing or fails.
/// Git's own variables are dropped: a build started from a git hook (as
/// pre-commit's install is) must not read the repository being committed.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_COMMON_DIR")
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}
