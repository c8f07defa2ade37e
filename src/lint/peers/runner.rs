//! Runs the peers: writes the files into a private temporary folder
//! (removed when the run ends, whatever happens), finds each peer on
//! `PATH`, and runs the three at once, each over all of its files with
//! its machine output, its output going to files (no pipe can fill up)
//! and a time limit after which it is killed.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{dclint, gixy, hadolint, Finding, Peer, TIME_LIMIT};

/// What became of one peer.
pub(super) struct PeerResult {
    pub peer: Peer,
    pub outcome: Outcome,
}

pub(super) enum Outcome {
    /// Not on `PATH`.
    Missing,
    /// Crashed, timed out, or printed what its parser cannot read: why.
    Failed(String),
    Found(Vec<Finding>),
}

/// dclint's settings for stackc's compose.yaml: it keys published ports
/// by number alone, so Docker's own dual-stack publishing (`0.0.0.0:80`
/// and `[::]:80`, what a bare `80:80` does) reads to it as a duplicate;
/// stackc's `port-published-twice` checks each interface instead.
const DCLINT_CONFIG: &str = "rules:\n  no-duplicate-exported-ports: 0\n";

/// Writes `files` (paths relative to the folder, and texts) and runs every
/// peer over the ones it reads; `Err` when the folder cannot be made.
pub(super) fn run_all(files: &[(String, &str)]) -> Result<Vec<PeerResult>, String> {
    let folder = tempfile::Builder::new()
        .prefix("stackc-peers-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    for (path, text) in files {
        let at = folder.path().join(path);
        if let Some(parent) = at.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&at, text).map_err(|e| format!("{}: {e}", at.display()))?;
    }
    std::fs::write(folder.path().join(".dclintrc.yaml"), DCLINT_CONFIG).map_err(|e| e.to_string())?;
    let results = std::thread::scope(|scope| {
        let running: Vec<_> = Peer::ALL
            .into_iter()
            .filter_map(|peer| {
                let read: Vec<&str> = (files.iter().filter(|(path, _)| peer.reads(path)))
                    .map(|(path, _)| path.as_str())
                    .collect();
                (!read.is_empty()).then(|| {
                    let folder = folder.path();
                    (peer, scope.spawn(move || run_one(peer, folder, &read)))
                })
            })
            .collect();
        running
            .into_iter()
            .map(|(peer, thread)| PeerResult {
                peer,
                outcome: thread
                    .join()
                    .unwrap_or_else(|_| Outcome::Failed("stackc's thread running it panicked".to_string())),
            })
            .collect()
    });
    Ok(results)
}

/// Runs `peer` in `folder` over `files`, and parses what it printed.
fn run_one(peer: Peer, folder: &Path, files: &[&str]) -> Outcome {
    let Some(program) = on_path(peer.name()) else {
        return Outcome::Missing;
    };
    let args: Vec<&str> = match peer {
        Peer::Hadolint => ["--no-color", "-f", "json"].to_vec(),
        Peer::Gixy => ["-f", "json"].to_vec(),
        Peer::Dclint => ["-f", "json"].to_vec(),
    };
    let output = match run(&program, folder, peer.name(), args.iter().chain(files), TIME_LIMIT) {
        Ok(output) => output,
        Err(why) => return Outcome::Failed(why),
    };
    let parsed = match peer {
        Peer::Hadolint => hadolint::parse(&output.stdout),
        Peer::Gixy => gixy::parse(&output.stdout, folder),
        Peer::Dclint => dclint::parse(&output.stdout),
    };
    match parsed {
        Ok(findings) => Outcome::Found(findings),
        Err(why) => Outcome::Failed(match first_line(&output.stderr) {
            Some(line) => format!("{why}; it said: {line}"),
            None => why,
        }),
    }
}

/// What a finished peer printed.
struct Output {
    stdout: String,
    stderr: String,
}

/// Runs `program` with `args` in `folder`, its output into files there,
/// killing it after `limit`. The exit status says nothing: each peer exits
/// 1 when it finds something, so its output decides.
fn run<'a>(
    program: &Path,
    folder: &Path,
    name: &str,
    args: impl Iterator<Item = &'a &'a str>,
    limit: Duration,
) -> Result<Output, String> {
    let stdout_path = folder.join(format!(".{name}.stdout"));
    let stderr_path = folder.join(format!(".{name}.stderr"));
    let create = |path: &Path| File::create(path).map_err(|e| format!("{}: {e}", path.display()));
    let mut child = Command::new(program)
        .args(args)
        .current_dir(folder)
        .stdin(Stdio::null())
        .stdout(create(&stdout_path)?)
        .stderr(create(&stderr_path)?)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("it took longer than {} s and was stopped", limit.as_secs_f32()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("cannot wait for it: {e}")),
        }
    }
    let read = |path: &Path| String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned();
    Ok(Output {
        stdout: read(&stdout_path),
        stderr: read(&stderr_path),
    })
}

/// The first line of a peer's complaint that says something.
fn first_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|l| !l.is_empty())
}

/// The program `name` in a folder of `PATH`, as a shell would find it.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let names: Vec<String> = if cfg!(windows) {
        ["exe", "cmd", "bat"]
            .iter()
            .map(|ext| format!("{name}.{ext}"))
            .collect()
    } else {
        vec![name.to_string()]
    };
    std::env::split_paths(&path)
        .flat_map(|folder| names.iter().map(move |n| folder.join(n)))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A peer that hangs is stopped at the limit and reported.
    #[cfg(unix)]
    #[test]
    fn a_peer_past_its_time_limit_is_stopped() {
        let folder = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let limit = Duration::from_millis(200);
        let outcome = run(
            Path::new("/bin/sleep"),
            folder.path(),
            "sleep",
            [&"30"].into_iter(),
            limit,
        );
        let why = outcome.err().expect("stopped");
        assert!(why.starts_with("it took longer than 0.2 s"), "{why}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn peers_are_looked_up_on_path() {
        assert!(on_path("sh").is_some() || cfg!(windows));
        assert!(on_path("no-such-peer-stackc-knows").is_none());
    }
}
