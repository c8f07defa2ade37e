//! Readers of the files a spec names besides itself: the app's own
//! Dockerfile, requirements files and their includes, env files, a
//! Gunicorn config file; and of the app server's command line
//! ([`app_server`]).
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
#[cfg(test)]
mod mutate;
pub mod problem;
pub mod python;
pub mod requirements;
pub mod value;
