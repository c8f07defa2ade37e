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
pub mod dockerignore;
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
    /// The requirements files pip reads for each Python build that installs
    /// with pip (by service), in the order pip reads them: each one's path
    /// in the build folder, and the file.
    pub requirements: Vec<(String, Vec<(String, FileId)>)>,
    /// The app's own `.dockerignore` of each Python build that has one.
    pub dockerignores: Vec<(String, FileId)>,
    /// The Gunicorn config file of each service that names one, read.
    pub gunicorn_confs: Vec<(String, FileId, gunicorn_conf::GunicornConf)>,
}

impl Inputs {
    pub fn source(&self, id: FileId) -> &SourceFile {
        &self.sources[id.0 as usize]
    }

    /// The requirements files of `service`'s build, when they were read.
    pub fn requirements_of(&self, service: &str) -> Option<&[(String, FileId)]> {
        self.requirements
            .iter()
            .find(|(name, _)| name == service)
            .map(|(_, files)| files.as_slice())
    }

    /// The app's own `.dockerignore` of `service`'s build.
    pub fn dockerignore_of(&self, service: &str) -> Option<FileId> {
        self.dockerignores
            .iter()
            .find(|(name, _)| name == service)
            .map(|(_, id)| *id)
    }

    /// The Gunicorn config file `service`'s statement names, read.
    pub fn gunicorn_conf(&self, service: &str) -> Option<(FileId, &gunicorn_conf::GunicornConf)> {
        self.gunicorn_confs
            .iter()
            .find(|(name, _, _)| name == service)
            .map(|(_, id, conf)| (*id, conf))
    }
}
