//! Where the command line's text goes: results on stdout, everything else
//! on stderr, with `-q` and `-v` deciding which status lines are printed.
//!
//! A closed pipe is not an error: `stackc lint | head -1` has given its
//! reader what it wanted, so the run ends quietly with the exit code its
//! findings call for (Rust ignores SIGPIPE, so a write fails with
//! `BrokenPipe` instead of killing the process). Nothing here panics on a
//! failed write, as `print!` and `eprint!` would.

use std::io::{ErrorKind, Write};
use std::sync::OnceLock;

use super::Failure;

/// How much beyond the diagnostics stackc prints on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: diagnostics and errors only, no summary or status lines.
    Quiet,
    Normal,
    /// `-v`: also which specs are read and which `stackc.toml` applies.
    Verbose,
}

static VERBOSITY: OnceLock<Verbosity> = OnceLock::new();

/// Sets the run's verbosity once, before anything is printed.
pub fn set_verbosity(verbosity: Verbosity) {
    // Set once per process; a second call (none in the binary) changes nothing.
    let _ = VERBOSITY.set(verbosity);
}

fn verbosity() -> Verbosity {
    VERBOSITY.get().copied().unwrap_or(Verbosity::Normal)
}

/// Writes a result (a report, a diff, generated text) to stdout. A reader
/// that has gone away is not a failure; any other write error is.
pub fn stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(Failure::new(format!("cannot write to stdout: {e}"))),
        _ => Ok(()),
    }
}

/// Writes a message (an error, a notice) to stderr, whatever the
/// verbosity. The one place the CLI's messages are escaped: a file name or
/// path in them shows its control characters (an ESC would start a
/// terminal escape sequence) as `\u{1b}`, as reports show them.
pub fn stderr(text: &str) {
    raw_stderr(&crate::render::visible_lines(text));
}

/// Writes rendered diagnostics to stderr: the renderer escaped what they
/// quote, and their colours are escape sequences to keep.
pub fn report(text: &str) {
    raw_stderr(text);
}

/// There is nowhere left to report a failed write to stderr, so it is
/// dropped.
fn raw_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// A status line on stderr (a summary, what was written), left out by `-q`.
pub fn status(line: &str) {
    if verbosity() >= Verbosity::Normal {
        stderr(&format!("{line}\n"));
    }
}

/// A line on stderr only with `-v`.
pub fn detail(line: &str) {
    if verbosity() >= Verbosity::Verbose {
        stderr(&format!("{line}\n"));
    }
}
