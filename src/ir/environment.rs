//! `environment NAME { ... }`: a variant of the stack, written as typed
//! changes to the base. Lowering fills these; `crate::environment` applies
//! them to make the variant's whole [`Stack`](super::Stack).

use super::{Network, Secret, Service, Volume};
use crate::source::{Span, Spanned};

/// One `environment` block, as written.
#[derive(Clone, Debug)]
pub struct Environment {
    pub name: Spanned<String>,
    /// The `production` marker after the name.
    pub production_marker: Option<Span>,
    /// Declarations the base does not have, written as at the top level.
    pub volumes: Vec<Volume>,
    pub networks: Vec<Network>,
    pub secrets: Vec<Secret>,
    pub services: Vec<Service>,
    /// `service NAME { set ... }`: operations on a container of the base.
    pub changes: Vec<Change>,
    /// `without KIND NAME`: declarations of the base this one leaves out.
    pub withouts: Vec<Without>,
    pub span: Span,
}

impl Environment {
    /// The names that make an environment production without a marker.
    pub const PRODUCTION_NAMES: [&'static str; 2] = ["prod", "production"];

    /// Deployed for real: named `prod` or `production`, or marked
    /// `production`. Lint rules about development settings apply to it.
    pub fn is_production(&self) -> bool {
        self.production_marker.is_some() || Self::PRODUCTION_NAMES.contains(&self.name.as_str())
    }

    /// Whether it declares, changes and leaves out nothing: its stack is
    /// the base's (`environment prod {}` that names the base production).
    pub fn changes_nothing(&self) -> bool {
        self.volumes.is_empty()
            && self.networks.is_empty()
            && self.secrets.is_empty()
            && self.services.is_empty()
            && self.changes.is_empty()
            && self.withouts.is_empty()
    }
}

/// Which environment a stack is the variant of (see `Stack::environment`).
#[derive(Clone, Debug)]
pub struct ActiveEnvironment {
    pub name: String,
    pub production: bool,
    /// Its `environment NAME { ... }` block: a declaration outside it is
    /// the base's.
    pub span: Span,
}

impl ActiveEnvironment {
    /// Whether a declaration at `span` is the base's, which the
    /// environment can only leave out (`without`), not change.
    pub fn inherits(&self, span: Span) -> bool {
        span.start() < self.span.start() || span.end() > self.span.end()
    }
}

/// `service web { ... }` (or `job`, `proxy`) inside an environment,
/// naming a container of the base.
#[derive(Clone, Debug)]
pub struct Change {
    /// `service`, `job` or `proxy`, as written.
    pub keyword: Spanned<&'static str>,
    pub name: Spanned<String>,
    pub operations: Vec<Operation>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Operation {
    pub verb: Verb,
    /// The statement's keyword, as written (`gunicorn`, `mount`, ...).
    pub keyword: Spanned<String>,
    /// What it changes; `None` for a keyword no statement has (reported
    /// in lowering).
    pub slot: Option<Slot>,
    /// For `set` and `add`: the statement lowered alone, into a container
    /// that holds nothing else (its name is the changed container's).
    pub statement: Option<Box<Service>>,
    /// For `remove`: which items of the list.
    pub key: Option<Spanned<String>>,
    /// The whole operation's line.
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// Replaces a statement the base has (a list's items of the same key).
    Set,
    /// Adds a statement the base does not have (items of new keys to a list).
    Add,
    /// Removes a list's items of one key.
    Remove,
    /// Removes a statement (every item of a list).
    Unset,
}

impl Verb {
    pub fn keyword(self) -> &'static str {
        match self {
            Verb::Set => "set",
            Verb::Add => "add",
            Verb::Remove => "remove",
            Verb::Unset => "unset",
        }
    }
}

/// A part of a container an operation changes: one per statement, except
/// that `image`, `image of` and `build` all say where the image comes from,
/// `command` and `run` give the command line, and `gunicorn`, `uvicorn` and
/// `daphne` the app server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Image,
    Command,
    AppServer,
    Ready,
    Restart,
    Limits,
    Replicas,
    StopGracePeriod,
    ShmSize,
    User,
    Hardening,
    Entrypoint,
    Workdir,
    Hostname,
    ContainerName,
    StopSignal,
    Env,
    EnvFile,
    Secret,
    Mount,
    Publish,
    Expose,
    After,
    Networks,
    Labels,
    Compose,
}

impl Slot {
    /// Every statement keyword an operation may name, with its slot.
    pub const KEYWORDS: [(&'static str, Slot); 30] = [
        ("image", Slot::Image),
        ("build", Slot::Image),
        ("command", Slot::Command),
        ("run", Slot::Command),
        ("gunicorn", Slot::AppServer),
        ("uvicorn", Slot::AppServer),
        ("daphne", Slot::AppServer),
        ("ready", Slot::Ready),
        ("restart", Slot::Restart),
        ("limits", Slot::Limits),
        ("replicas", Slot::Replicas),
        ("stop_grace_period", Slot::StopGracePeriod),
        ("shm_size", Slot::ShmSize),
        ("user", Slot::User),
        ("hardening", Slot::Hardening),
        ("entrypoint", Slot::Entrypoint),
        ("workdir", Slot::Workdir),
        ("hostname", Slot::Hostname),
        ("container_name", Slot::ContainerName),
        ("stop_signal", Slot::StopSignal),
        ("env", Slot::Env),
        ("env_file", Slot::EnvFile),
        ("secret", Slot::Secret),
        ("mount", Slot::Mount),
        ("publish", Slot::Publish),
        ("expose", Slot::Expose),
        ("after", Slot::After),
        ("networks", Slot::Networks),
        ("labels", Slot::Labels),
        ("compose", Slot::Compose),
    ];

    pub fn from_keyword(keyword: &str) -> Option<Slot> {
        Self::KEYWORDS
            .iter()
            .find(|(k, _)| *k == keyword)
            .map(|&(_, slot)| slot)
    }

    /// Whether a container holds any number of these (items with a key),
    /// rather than one.
    pub fn is_list(self) -> bool {
        matches!(
            self,
            Slot::Env
                | Slot::EnvFile
                | Slot::Secret
                | Slot::Mount
                | Slot::Publish
                | Slot::Expose
                | Slot::After
                | Slot::Networks
                | Slot::Labels
                | Slot::Compose
        )
    }

    /// What identifies an item of a list, for `set` and `remove`.
    pub fn key_name(self) -> &'static str {
        match self {
            Slot::Env | Slot::Labels | Slot::Compose => "name",
            Slot::EnvFile => "path",
            Slot::Secret => "variable or secret name",
            Slot::Mount => "target path",
            Slot::Publish | Slot::Expose => "container port",
            Slot::After => "service",
            Slot::Networks => "network",
            _ => "",
        }
    }
}

/// `without KIND NAME`.
#[derive(Clone, Debug)]
pub struct Without {
    /// `service`, `job`, `proxy`, `volume`, `network` or `secret`.
    pub keyword: &'static str,
    pub name: Spanned<String>,
    pub span: Span,
}
