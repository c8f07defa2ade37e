//! Readers of the files a spec names besides itself: the app's own
//! Dockerfile, requirements files and their includes, env files, a
//! Gunicorn config file; of the shell scripts inside them ([`shell`]); and
//! of the app server's command line ([`app_server`]).
//!
//! Architecture invariants:
//! - readers live here, beside the spec's syntax, never inside rules or
//!   emitters; rules and emitters see the facts these modules return;
//! - every reader is a pure function of a file's text (the file system is
//!   touched only through [`fs`]), never panics and stays linear in its
//!   input;
//! - every fact keeps the [`crate::source::Span`] of the text it came
//!   from, in that file's own [`crate::source::SourceFile`], so a
//!   diagnostic can show the user's Dockerfile line beside the spec's;
//!   a fact from a command line keeps the index of its word instead.
//!
//! Shared by the readers: [`problem`] (what they report), [`value`] (a
//! value known, known unless an environment variable is set, or unknown,
//! and where it came from), [`python`] (a Python module's constants),
//! [`argv`] (a server's options) and [`bind`] (where a server listens).

pub mod app_server;
pub mod argv;
pub mod bind;
pub mod dockerfile;
pub mod env_file;
pub mod fs;
pub mod gunicorn_conf;
mod load;
#[cfg(test)]
mod mutate;
pub mod problem;
pub mod python;
pub mod requirements;
pub mod shell;
pub mod value;

pub use load::{load, Disk, Files};

use crate::source::{FileId, SourceFile};

/// The files a spec names, as read for one run, and what was learned from
/// them. Empty when the spec was checked from its text alone.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// Whether the file system was read; `false` when only the spec's text
    /// was given (the library's `check`, the fuzzer): file facts unknown.
    pub read: bool,
    /// Every file read, in order; [`FileId`] indexes this list.
    pub sources: Vec<SourceFile>,
    /// The app's own Dockerfile of each service that builds with one.
    pub dockerfiles: Vec<(String, FileId)>,
    /// Each env file the spec names, by its path as written.
    pub env_files: Vec<(String, FileId)>,
}

impl Inputs {
    pub fn source(&self, id: FileId) -> &SourceFile {
        &self.sources[id.0 as usize]
    }
}
