//! The facts of a build stage: what the image it produces runs, as whom,
//! where, on which ports, with which env. [`super::stages`] fills them in.

use std::ops::Range;

use crate::ir::{Duration, ImageRef, Protocol};
use crate::source::{Span, Spanned};

/// A value after variable substitution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved<T> {
    Known(T),
    /// It depends on what the Dockerfile does not fix (an ARG without a
    /// default, the base image's ENV, a failed substitution): the text as
    /// written.
    Unknown(String),
}

impl<T> Resolved<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Resolved::Known(value) => Some(value),
            Resolved::Unknown(_) => None,
        }
    }
}

/// One `FROM` and the instructions up to the next.
#[derive(Clone, Debug)]
pub struct Stage {
    pub index: usize,
    /// `AS name`, as written.
    pub name: Option<Spanned<String>>,
    pub base: Base,
    /// `--platform=...`, as written.
    pub platform: Option<Spanned<String>>,
    /// The FROM instruction.
    pub from_span: Span,
    /// Indexes into [`super::Dockerfile::instructions`], the FROM first.
    pub instructions: Range<usize>,
    pub facts: StageFacts,
}

impl Stage {
    /// Stage names compare in any case, as BuildKit lowercases them.
    pub fn is_named(&self, name: &str) -> bool {
        self.name.as_ref().is_some_and(|n| n.eq_ignore_ascii_case(name))
    }
}

/// What a stage is built FROM.
#[derive(Clone, Debug)]
pub enum Base {
    /// An image from a registry.
    Image(ImageRef),
    /// An earlier stage, by index.
    Stage(usize),
    Scratch,
    /// The image name holds a variable this file does not fix.
    Unknown(Spanned<String>),
}

/// The image config a stage leaves, its own instructions applied over
/// its base stage's facts.
#[derive(Clone, Debug, Default)]
pub struct StageFacts {
    /// The last USER; `None`: the base image's user.
    pub user: Option<Spanned<Resolved<String>>>,
    /// The last WORKDIR as an absolute path; see [`StageFacts::working_dir`].
    pub workdir: Option<Spanned<Resolved<String>>>,
    pub exposed: Vec<Spanned<Resolved<ExposedPort>>>,
    pub cmd: Option<Command>,
    pub entrypoint: Option<Command>,
    pub healthcheck: Option<Healthcheck>,
    /// SHELL: what runs the shell form (Docker's default `/bin/sh -c`).
    pub shell: Option<Spanned<Vec<String>>>,
    /// In order of first setting; a later ENV replaces the value in place.
    pub env: Vec<EnvVar>,
    /// The ARGs of this stage (ARGs are not inherited).
    pub args: Vec<ArgVar>,
    pub volumes: Vec<Spanned<Resolved<String>>>,
    pub stop_signal: Option<Spanned<Resolved<String>>>,
    pub copies: Vec<CopyFact>,
    /// The chain of bases starts at `scratch`, so every fact not set here
    /// has Docker's default; otherwise a registry image's config (its
    /// USER, WORKDIR, ENV, ENTRYPOINT) is unknown.
    pub from_scratch: bool,
}

impl StageFacts {
    /// Whether the container runs as root: `None` when it cannot be told
    /// (the base image's user, a variable without a known value).
    pub fn runs_as_root(&self) -> Option<bool> {
        match &self.user {
            None => self.from_scratch.then_some(true),
            Some(user) => is_root_user(user.known()?),
        }
    }

    /// The working folder: the last WORKDIR, or `/` when the chain of
    /// bases starts at `scratch`; `None` when unknown.
    pub fn working_dir(&self) -> Option<&str> {
        match &self.workdir {
            Some(workdir) => workdir.known().map(String::as_str),
            None => self.from_scratch.then_some("/"),
        }
    }

    pub fn env(&self, name: &str) -> Option<&EnvVar> {
        self.env.iter().find(|v| v.name.value == name)
    }

    /// The SHELL, or Docker's default.
    pub fn shell_words(&self) -> Vec<String> {
        match &self.shell {
            Some(shell) => shell.value.clone(),
            None => vec!["/bin/sh".into(), "-c".into()],
        }
    }

    /// The process a container starts with, ENTRYPOINT and CMD combined
    /// as Docker does (a shell-form ENTRYPOINT ignores CMD). `None` when a
    /// registry base image's ENTRYPOINT or CMD may take part.
    pub fn process(&self) -> Option<Vec<String>> {
        let shell = self.shell_words();
        match (&self.entrypoint, &self.cmd) {
            (Some(entrypoint), _) if matches!(entrypoint.form, Form::Shell(_)) => Some(entrypoint.argv(&shell)),
            (Some(entrypoint), cmd) => {
                let mut argv = entrypoint.argv(&shell);
                argv.extend(cmd.iter().flat_map(|c| c.argv(&shell)));
                Some(argv)
            }
            (None, Some(cmd)) if self.from_scratch => Some(cmd.argv(&shell)),
            _ => None,
        }
    }

    /// About the bytes the facts hold: what copying them for a stage
    /// built FROM this one costs.
    pub(super) fn weight(&self) -> usize {
        let spanned = |v: &Spanned<Resolved<String>>| resolved_len(&v.value) + 1;
        let command = |c: &Command| match &c.form {
            Form::Shell(text) => text.len() + 1,
            Form::Exec(words) => words.iter().map(|w| w.len() + 1).sum(),
        };
        let words = |words: &[Spanned<String>]| words.iter().map(|w| w.len() + 1).sum::<usize>();
        self.env.iter().map(|v| v.name.len() + spanned(&v.value)).sum::<usize>()
            + self
                .args
                .iter()
                .map(|a| a.name.len() + resolved_len(&a.value) + 1)
                .sum::<usize>()
            + self
                .copies
                .iter()
                .map(|c| words(&c.sources) + spanned(&c.destination))
                .sum::<usize>()
            + self.exposed.iter().map(|p| p.known().map_or(1, |_| 8)).sum::<usize>()
            + self.volumes.iter().map(spanned).sum::<usize>()
            + [&self.user, &self.workdir, &self.stop_signal]
                .into_iter()
                .flatten()
                .map(spanned)
                .sum::<usize>()
            + [&self.cmd, &self.entrypoint]
                .into_iter()
                .flatten()
                .map(command)
                .sum::<usize>()
            + self
                .healthcheck
                .iter()
                .filter_map(|h| h.command.as_ref())
                .map(command)
                .sum::<usize>()
            + self.shell.as_ref().map_or(0, |s| s.iter().map(|w| w.len() + 1).sum())
    }
}

fn resolved_len(value: &Resolved<String>) -> usize {
    match value {
        Resolved::Known(text) | Resolved::Unknown(text) => text.len(),
    }
}

/// Whether a USER value (`name[:group]`) is root: the name `root` or a
/// number that is 0, read as Docker reads numbers (`0`, `00`, `+0`).
/// `None` when it names no user (`:1000`). A name other than `root` is
/// taken as not root, though `/etc/passwd` may give it uid 0.
pub fn is_root_user(user: &str) -> Option<bool> {
    let name = user.split(':').next().unwrap_or_default().trim();
    if name.is_empty() {
        return None;
    }
    Some(match name.parse::<i64>() {
        Ok(uid) => uid == 0,
        Err(_) => name == "root",
    })
}

/// `EXPOSE 8000`, `EXPOSE 8000-8010/udp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExposedPort {
    pub first: u16,
    pub last: u16,
    pub protocol: Protocol,
}

impl ExposedPort {
    pub fn contains(&self, port: u16) -> bool {
        (self.first..=self.last).contains(&port)
    }
}

/// CMD, ENTRYPOINT or HEALTHCHECK CMD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub form: Form,
    /// The instruction that set it.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// Run by the SHELL: `CMD gunicorn app:app`.
    Shell(String),
    /// Run as it is: `CMD ["gunicorn", "app:app"]`.
    Exec(Vec<String>),
}

impl Command {
    /// The words Docker runs: the SHELL and the text for the shell form.
    pub fn argv(&self, shell: &[String]) -> Vec<String> {
        match &self.form {
            Form::Exec(words) => words.clone(),
            Form::Shell(text) => shell.iter().cloned().chain([text.clone()]).collect(),
        }
    }
}

/// HEALTHCHECK: the last one wins, also over the base image's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Healthcheck {
    /// `None` for `HEALTHCHECK NONE`: the base image's check is turned off.
    pub command: Option<Command>,
    pub options: HealthcheckOptions,
    pub span: Span,
}

/// HEALTHCHECK's flags; `None` where Docker's default applies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HealthcheckOptions {
    pub interval: Option<Spanned<Duration>>,
    pub timeout: Option<Spanned<Duration>>,
    pub start_period: Option<Spanned<Duration>>,
    pub start_interval: Option<Spanned<Duration>>,
    pub retries: Option<Spanned<u32>>,
}

/// One ENV variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvVar {
    pub name: Spanned<String>,
    pub value: Spanned<Resolved<String>>,
}

/// One ARG of a stage, or before the first FROM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgVar {
    pub name: Spanned<String>,
    /// The default as written.
    pub default: Option<Spanned<String>>,
    /// The default expanded, or the value of the ARG of the same name
    /// before the first FROM; unknown without either.
    pub value: Resolved<String>,
}

/// A COPY or ADD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyFact {
    /// Index into [`super::Dockerfile::instructions`].
    pub instruction: usize,
    /// `--from=...`: a stage name or index, or an image.
    pub from: Option<String>,
    /// As written (`<<NAME` for a heredoc).
    pub sources: Vec<Spanned<String>>,
    /// Absolute, joined with the WORKDIR; ends with `/` when written as a
    /// folder (`/app/`, `.`).
    pub destination: Spanned<Resolved<String>>,
    pub chown: Option<String>,
    pub chmod: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_users_as_docker_reads_them() {
        for root in ["root", "0", "0:0", "root:root", "+0", "00", "0:1000", " root"] {
            assert_eq!(is_root_user(root), Some(true), "{root}");
        }
        for other in [
            "app",
            "1000",
            "1000:0",
            "django:django",
            "65532:65532",
            "Root",
            "99999999999999999999",
        ] {
            assert_eq!(is_root_user(other), Some(false), "{other}");
        }
        assert_eq!(is_root_user(":1000"), None);
    }
}
