//! `stackc lint --peers`: the peer linters (hadolint, gixy, dclint) run on
//! the files stackc emits for the spec, and their findings reported on the
//! spec lines that produced the lines they flag.
//!
//! The files are emitted with their source maps ([`crate::emit::emit_mapped`])
//! into a private temporary folder, removed when the run ends; each peer
//! found on `PATH` runs once over all of its files, the three in parallel
//! and each with a time limit ([`runner`]); one parser per peer reads its
//! machine output ([`hadolint`], [`gixy`], [`dclint`]); [`mapping`] turns a
//! finding into a diagnostic on the spec, and leaves out one a stackc rule
//! already reported at the same place (docs/peer-coverage.md says which
//! rule covers which peer code).
//!
//! Architecture invariant: the one part of `lint` that runs programs and
//! writes files; only the CLI calls it, and the normal `lint` path never
//! reaches it.

mod dclint;
mod gixy;
mod hadolint;
mod mapping;
mod runner;

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::emit::Target;
use crate::ir::Stack;
use crate::source::SourceFile;

/// A peer linter stackc can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    Hadolint,
    Gixy,
    Dclint,
}

impl Peer {
    pub const ALL: [Peer; 3] = [Peer::Hadolint, Peer::Gixy, Peer::Dclint];

    /// The program's name on `PATH`, and the namespace of its codes.
    pub fn name(self) -> &'static str {
        match self {
            Peer::Hadolint => "hadolint",
            Peer::Gixy => "gixy",
            Peer::Dclint => "dclint",
        }
    }

    fn from_name(name: &str) -> Option<Peer> {
        Peer::ALL.into_iter().find(|p| p.name() == name)
    }

    /// What the peer checks, for `stackc explain`.
    fn checks(self) -> &'static str {
        match self {
            Peer::Hadolint => "every Dockerfile: the ones stackc writes and an app's own (with ShellCheck on each RUN)",
            Peer::Gixy => "each proxy's nginx.conf",
            Peer::Dclint => "compose.yaml",
        }
    }

    /// How its levels become severities (each parser's `severity`).
    fn levels(self) -> &'static str {
        match self {
            Peer::Hadolint => "`error` is an error, `warning` a warning, `info` and `style` notes",
            Peer::Gixy => "gixy calls nothing an error: `HIGH` and `MEDIUM` are warnings, `LOW` notes",
            Peer::Dclint => "`error` is an error, `warning` a warning",
        }
    }

    /// Where the peer documents its rule `code`.
    fn rule_url(self, code: &str) -> String {
        match self {
            Peer::Hadolint if code.starts_with("SC") => format!("https://www.shellcheck.net/wiki/{code}"),
            Peer::Hadolint => format!("https://github.com/hadolint/hadolint/wiki/{code}"),
            Peer::Gixy => format!("https://gixy.getpagespeed.com/checks/{}/", code.replace('_', "-")),
            Peer::Dclint => {
                format!("https://github.com/zavoloklom/docker-compose-linter/blob/main/docs/rules/{code}-rule.md")
            }
        }
    }

    /// Whether the peer reads the emitted file at `path`.
    fn reads(self, path: &str) -> bool {
        match self {
            Peer::Hadolint => path.ends_with("/Dockerfile"),
            Peer::Gixy => path.ends_with("/nginx.conf"),
            Peer::Dclint => path.ends_with("compose.yaml"),
        }
    }
}

/// A peer's JSON output, a list of `T`s; the message says why it is not.
fn json_list<T: serde::de::DeserializeOwned>(stdout: &str) -> Result<Vec<T>, String> {
    serde_json::from_str(stdout).map_err(|e| format!("its output is not the JSON list stackc reads ({e})"))
}

/// hadolint's and dclint's levels: only `error` is an error, `warning` a
/// warning, and the rest (`info`, `style`) notes.
fn severity_of_level(level: &str) -> Severity {
    match level {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => Severity::Info,
    }
}

/// One finding as a peer reported it, on a file of the temporary folder.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Finding {
    /// The file, relative to the folder.
    file: String,
    /// 1-based; `None` when the peer gave none (the file's first line then).
    line: Option<usize>,
    /// The peer's own code (`DL3008`, `add_header_redefinition`).
    code: String,
    severity: Severity,
    message: String,
}

/// How long one peer may take over all of its files.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

/// What `lint --peers` checks: the stack of one environment (or the base
/// and each environment), for a target.
pub struct Request<'a> {
    pub source: &'a SourceFile,
    /// The linted stack: the base, or the `--env` environment's.
    pub stack: &'a Stack,
    /// Whether `stack` is the base, whose environments are checked too.
    pub with_environments: bool,
    pub target: Target,
    /// Whether the spec's analysis found an error, so nothing can be emitted.
    pub has_errors: bool,
    /// The stackc findings already reported, which peer findings must not repeat.
    pub reported: &'a [Diagnostic],
}

/// Runs every peer on the emitted files; their findings, and a note for
/// each peer that is not installed or could not run.
pub fn run(request: &Request) -> Vec<Diagnostic> {
    if request.target == Target::Kubernetes {
        return vec![skipped(
            "the peer linters check the compose target's files; `--target kubernetes` writes none of compose.yaml, so they did not run",
        )];
    }
    if request.has_errors {
        return vec![skipped(
            "the peer linters did not run: the spec has errors, so stackc emits no files for them",
        )];
    }
    let stacks = environments(request);
    let mut emitted = Vec::new();
    for (name, stack) in &stacks {
        match crate::emit::emit_mapped(stack, &crate::emit::Layout::placeholder()) {
            Ok(files) => emitted.push((name.as_deref(), stack, files)),
            // What cannot be written is reported by the analysis (`unrepresentable`).
            Err(_) => {
                return vec![skipped(
                    "the peer linters did not run: stackc cannot write this spec's files",
                )]
            }
        }
    }
    let set = mapping::FileSet::new(&emitted);
    let mut notes = Vec::new();
    let mut placed = Vec::new();
    match runner::run_all(&set.files()) {
        Ok(results) => {
            for result in results {
                match result.outcome {
                    runner::Outcome::Missing => notes.push(missing(result.peer)),
                    runner::Outcome::Failed(why) => notes.push(failed(result.peer, &why)),
                    runner::Outcome::Found(findings) => {
                        placed.extend(findings.iter().map(|f| set.diagnostic(result.peer, f)))
                    }
                }
            }
        }
        Err(why) => notes.push(Diagnostic::new(
            "peer-failed",
            Severity::Warning,
            format!("the peer linters could not run: {why}"),
        )),
    }
    notes.extend(mapping::new_findings(
        placed,
        request.reported,
        request.source,
        &request.stack.inputs,
    ));
    notes
}

/// The stacks to check: the linted one, and with the base each of its
/// environments (named).
fn environments(request: &Request) -> Vec<(Option<String>, Stack)> {
    let mut stacks = vec![(None, request.stack.clone())];
    if request.with_environments {
        for name in request.stack.environment_names() {
            if let Ok(variant) = crate::environment::derive(request.stack, name) {
                stacks.push((Some(name.to_string()), variant));
            }
        }
    }
    stacks
}

fn skipped(message: &str) -> Diagnostic {
    Diagnostic::new("peer-skipped", Severity::Info, message)
}

fn missing(peer: Peer) -> Diagnostic {
    Diagnostic::new(
        "peer-missing",
        Severity::Info,
        format!("{} not found on PATH; its checks did not run", peer.name()),
    )
    .help(format!(
        "install {} to have `--peers` run it; it checks {}",
        peer.name(),
        peer.checks()
    ))
}

fn failed(peer: Peer, why: &str) -> Diagnostic {
    Diagnostic::new(
        "peer-failed",
        Severity::Warning,
        format!("{} did not finish its checks: {why}", peer.name()),
    )
    .help("run the peer by hand on the files `stackc build` writes to see what it says")
}

/// The `&'static` code of a peer finding, `hadolint/DL3008`: each distinct
/// code is kept once for the life of the process. The peers' rule sets are
/// small and their codes are checked to be short words, so this stays
/// bounded.
fn code(peer: Peer, own: &str) -> &'static str {
    static CODES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let word =
        !own.is_empty() && own.len() <= 64 && own.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let code = format!("{}/{}", peer.name(), if word { own } else { "unknown" });
    let mut codes = CODES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match codes.get(code.as_str()) {
        Some(kept) => kept,
        None => {
            let kept: &'static str = Box::leak(code.into_boxed_str());
            codes.insert(kept);
            kept
        }
    }
}

/// The peer and its own code, for a code of a peer's finding
/// (`hadolint/DL3008`), or the peer alone for its name (`hadolint`).
fn parse_code(code: &str) -> Option<(Peer, Option<&str>)> {
    match code.split_once('/') {
        Some((peer, own)) if !own.is_empty() => Some((Peer::from_name(peer)?, Some(own))),
        Some(_) => None,
        None => Some((Peer::from_name(code)?, None)),
    }
}

/// Whether `code` is a peer finding's (`hadolint/DL3008`).
pub fn is_peer_code(code: &str) -> bool {
    matches!(parse_code(code), Some((_, Some(_))))
}

/// Where a peer finding's rule is documented: the peer's own page.
pub fn rule_url(code: &str) -> Option<String> {
    let (peer, Some(own)) = parse_code(code)? else {
        return None;
    };
    Some(peer.rule_url(own))
}

/// One line about a peer finding's code, for SARIF's rule list.
pub fn summary(code: &str) -> Option<String> {
    let (peer, Some(own)) = parse_code(code)? else {
        return None;
    };
    Some(format!(
        "{}'s rule {own}, reported by `stackc lint --peers` on the spec line that produced the flagged line.",
        peer.name()
    ))
}

/// `stackc explain` for a peer's name or one of its codes.
pub fn explain(code: &str) -> Option<String> {
    let (peer, own) = parse_code(code)?;
    let name = peer.name();
    let (what, rule) = match own {
        Some(own) => (
            "a peer linter's finding",
            format!(
                "`{code}` is {name}'s rule `{own}`, documented at {}.\n\n",
                peer.rule_url(own)
            ),
        ),
        None => ("a peer linter", String::new()),
    };
    Some(format!(
        "# {code} ({what})\n\n{rule}\
         Deep mode, `stackc lint --peers`, runs {name} on the files stackc emits for the spec, written \
         into a private temporary folder that is removed after the run; {name} checks {}. Each of its \
         findings is reported on the spec line that produced the flagged line: a statement, a raw `dockerfile`, `nginx` or `compose` line, \
         or, for an app's own Dockerfile, the `file` statement with the Dockerfile's own line. The code is \
         {name}'s, under `{name}/`; the message is {name}'s; the help names the emitted file and line.\n\n\
         Severity follows {name}'s own level, so only what {name} calls an error is an error: {}. A finding a stackc \
         rule already reports at the same place is left out. Peer findings are not lint rules: \
         `stackc.toml`, `--allow` and `# stackc: allow(...)` do not change them; silence them with {name}'s \
         own means (for hadolint, a `# hadolint ignore=CODE` comment in an app's own Dockerfile).\n\n\
         {name} is looked up on PATH; when it is not there, `--peers` says so with a note (`peer-missing`) \
         instead of skipping it silently.\n",
        peer.checks(),
        peer.levels()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_namespaced_and_kept_once() {
        let a = code(Peer::Hadolint, "DL3008");
        assert_eq!(a, "hadolint/DL3008");
        assert!(std::ptr::eq(a, code(Peer::Hadolint, "DL3008")));
        assert_eq!(code(Peer::Gixy, "a b\n"), "gixy/unknown");
        assert!(is_peer_code("dclint/service-keys-order"));
        assert!(!is_peer_code("hadolint") && !is_peer_code("nope/DL3008") && !is_peer_code("run-shell-hygiene"));
    }

    #[test]
    fn every_peer_and_code_is_explained_with_its_doc() {
        let text = explain("hadolint/DL3008").unwrap();
        assert!(
            text.contains("https://github.com/hadolint/hadolint/wiki/DL3008"),
            "{text}"
        );
        assert!(text.contains("--peers"), "{text}");
        assert_eq!(
            rule_url("hadolint/SC2006").as_deref(),
            Some("https://www.shellcheck.net/wiki/SC2006")
        );
        assert_eq!(
            rule_url("gixy/add_header_redefinition").as_deref(),
            Some("https://gixy.getpagespeed.com/checks/add-header-redefinition/")
        );
        for peer in Peer::ALL {
            assert!(explain(peer.name()).is_some_and(|t| t.contains(peer.checks())));
        }
        assert!(explain("hadolint/").is_none() && explain("shellcheck").is_none());
    }
}
