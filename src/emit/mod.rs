//! Emitters: pure functions from a resolved stack to the text of each file.
//!
//! Architecture invariants:
//! - no emitter touches the file system; the CLI writes what they return;
//! - output depends only on the stack and the [`Layout`], so it is the same
//!   byte for byte on every run;
//! - each format escapes user strings in its own module, in one function per
//!   syntax it writes (`compose::Str`; `dockerfile::json_array`,
//!   `copy_source`, `shell_word`, `plain_path`; `dockerignore::spec_pattern`;
//!   `nginx::token`, and the raw nginx directives checked in lowering and
//!   written as given), and the header comment every file starts with
//!   through [`comment_text`]; a value the format cannot carry is reported
//!   as a diagnostic on the spec, never written mangled.

mod collate;
mod compose;
mod dockerfile;
mod dockerignore;
pub mod kubernetes;
pub(crate) mod nginx;
pub mod paths;
pub mod source_map;

pub use paths::Layout;
pub use source_map::SourceMap;

use dockerignore::Want;
use source_map::Tracking;

use foldhash::HashSet;

use crate::diagnostic::Diagnostic;
use crate::ir::private_files::PrivateFiles;
use crate::ir::{AppServer, AppServerKind, Build, Duration, PythonBuild, Service, Stack};
use crate::source::{Span, Spanned};

/// One file to write, at a `/`-separated path inside the output folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub contents: String,
}

/// Every file for the stack, or the values no output format could carry.
/// The stack must have resolved without errors.
pub fn emit(stack: &Stack, layout: &Layout) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    let mut problems = Problems::default();
    let mut artifacts = vec![Artifact {
        path: "compose.yaml".to_string(),
        contents: compose::emit(stack, layout),
    }];
    let images = image_artifacts(stack, layout, &mut problems, Tracking::Off);
    artifacts.extend(images.into_iter().map(|(artifact, _)| artifact));
    problems.into_result(artifacts)
}

/// An emitted file with the spec span each of its lines came from.
#[derive(Clone, Debug)]
pub struct Mapped {
    pub artifact: Artifact,
    pub map: SourceMap,
}

/// The files the peer linters read (compose.yaml, the Dockerfiles,
/// nginx.conf), each with its [`SourceMap`], for `stackc lint --peers`.
/// Their text is what [`emit`] writes; the ignore files are left out.
pub fn emit_mapped(stack: &Stack, layout: &Layout) -> Result<Vec<Mapped>, Vec<Diagnostic>> {
    let mut problems = Problems::default();
    let compose = compose::emit(stack, layout);
    let map = compose::source_map(stack, &compose);
    let mut mapped = vec![Mapped {
        artifact: Artifact {
            path: "compose.yaml".to_string(),
            contents: compose,
        },
        map,
    }];
    let images = image_artifacts(stack, layout, &mut problems, Tracking::On);
    mapped.extend(
        images
            .into_iter()
            .filter_map(|(artifact, map)| Some(Mapped { artifact, map: map? })),
    );
    problems.into_result(mapped)
}

/// The values no output format could carry, without writing the files
/// that cannot have any (compose.yaml escapes everything), the app
/// Dockerfiles, whose values are all checked before a line is written, nor
/// the ignore files, whose lines are made only when a secret file in the
/// build folder needs them: what `check` and `lint` need, at a fraction
/// of a build's cost. Found in the order [`image_artifacts`] finds them.
pub fn problems(stack: &Stack, layout: &Layout) -> Vec<Diagnostic> {
    let mut problems = Problems::default();
    let private = PrivateFiles::of(stack, |path| layout.from_spec(path));
    for (service, app) in app_builds(stack) {
        check_folder(service, &mut problems);
        dockerfile::check(stack, service, app.1, &mut problems);
        dockerignore::ignore(stack, service, app, &private, layout, &mut problems, Want::Problems);
    }
    for service in &stack.services {
        if let Some(proxy) = service.proxy() {
            check_folder(service, &mut problems);
            nginx::emit(service, proxy, layout, &mut problems, Tracking::Off);
        }
    }
    problems.found
}

/// [`problems`], and for a cluster also the names it cannot take.
pub fn problems_for(stack: &Stack, layout: &Layout, target: Target) -> Vec<Diagnostic> {
    let mut found = problems(stack, layout);
    if target == Target::Kubernetes {
        found.extend(kubernetes::name_problems(stack));
    }
    found
}

/// The output target of `stackc build --target`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Target {
    /// compose.yaml, the Dockerfiles and the proxy's image.
    #[default]
    Compose,
    /// A Kustomize base of manifests, and the app images' Dockerfiles
    /// (a cluster pulls them by name from where CI pushes them).
    Kubernetes,
}

/// Every file of a target.
pub fn emit_for(stack: &Stack, layout: &Layout, target: Target) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    match target {
        Target::Compose => emit(stack, layout),
        Target::Kubernetes => {
            let mut problems = Problems::default();
            let images = app_images(stack, layout, &mut problems, Tracking::Off);
            let mut artifacts: Vec<Artifact> = images.into_iter().map(|(artifact, _)| artifact).collect();
            match kubernetes::base(stack, layout) {
                Ok(base) => artifacts.extend(base),
                Err(more) => problems.found.extend(more),
            }
            problems.into_result(artifacts)
        }
    }
}

/// A file, with its source map when tracked (the Dockerfiles and nginx
/// configs; never the ignore files, which no peer reads).
type Emitted = (Artifact, Option<SourceMap>);

fn artifact(path: String, (contents, map): (String, Option<SourceMap>)) -> Emitted {
    (Artifact { path, contents }, map)
}

/// The Dockerfiles, their ignore files and the nginx configs.
fn image_artifacts(stack: &Stack, layout: &Layout, problems: &mut Problems, tracking: Tracking) -> Vec<Emitted> {
    let mut artifacts = app_images(stack, layout, problems, tracking);
    for service in &stack.services {
        if let Some(proxy) = service.proxy() {
            check_folder(service, problems);
            artifacts.push(artifact(
                dockerfile_path(&service.name.value),
                dockerfile::proxy(service, layout, tracking),
            ));
            artifacts.push(artifact(
                format!("{}/nginx.conf", service.name.value),
                nginx::emit(service, proxy, layout, problems, tracking),
            ));
        }
    }
    artifacts
}

/// The Dockerfiles stackc writes for the apps it builds, with their
/// ignore files.
fn app_images(stack: &Stack, layout: &Layout, problems: &mut Problems, tracking: Tracking) -> Vec<Emitted> {
    let mut artifacts = Vec::new();
    let private = PrivateFiles::of(stack, |path| layout.from_spec(path));
    for (service, (build, python)) in app_builds(stack) {
        check_folder(service, problems);
        artifacts.push(artifact(
            dockerfile_path(&service.name.value),
            dockerfile::app(stack, service, python, layout, problems, tracking),
        ));
        // BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile
        // instead of the app's own, which it carries over.
        let ignore = dockerignore::ignore(stack, service, (build, python), &private, layout, problems, Want::File);
        artifacts.push(artifact(
            format!("{}.dockerignore", dockerfile_path(&service.name.value)),
            (ignore, None),
        ));
    }
    artifacts
}

/// The services stackc writes a Dockerfile for, with their builds: an
/// app's own Dockerfile is built where it is, with nothing to write.
fn app_builds(stack: &Stack) -> impl Iterator<Item = (&Service, (&Build, &PythonBuild))> {
    (stack.services.iter()).filter_map(|service| {
        let build = service.build()?;
        Some((service, (build, build.python()?)))
    })
}

/// The longest file name most file systems take, in bytes.
const MAX_FILE_NAME: usize = 255;

/// A service whose image stackc writes has a folder of its name in the
/// output, which must fit in a file name: refused on the spec rather than
/// by the file system half way through writing the output.
fn check_folder(service: &Service, problems: &mut Problems) {
    let fits = if service.name.value.len() <= MAX_FILE_NAME {
        Ok(String::new())
    } else {
        Err("longer than the 255 bytes of a file name, and its files go into a folder of this name")
    };
    problems.check(&service.name, fits, "the output folder");
}

/// Where the Dockerfile stackc writes for `service` is in the output.
pub(crate) fn dockerfile_path(service: &str) -> String {
    format!("{service}/Dockerfile")
}

/// Values an output format cannot carry, reported on the spec.
#[derive(Default)]
struct Problems {
    found: Vec<Diagnostic>,
    /// What [`Problems::check`] reported, as (value, reason, format): a
    /// value written in two places is reported once, known so at the cost
    /// of a lookup however many values a stack has that cannot be written.
    checked: HashSet<(Span, &'static str, &'static str)>,
}

impl Problems {
    /// `value` when no value was left out, else what was.
    fn into_result<T>(self, value: T) -> Result<T, Vec<Diagnostic>> {
        if self.found.is_empty() {
            Ok(value)
        } else {
            Err(self.found)
        }
    }

    /// A value that would make a written file do harm, such as put a
    /// secret into an image.
    fn push(&mut self, diagnostic: Diagnostic) {
        self.found.push(diagnostic);
    }

    /// Unwraps an escaping result, or reports why the value cannot be
    /// written in `format` and returns an empty stand-in. A value written
    /// in two places (a requirements file is copied and given to pip) is
    /// reported once.
    fn check(
        &mut self,
        value: &Spanned<String>,
        escaped: Result<String, &'static str>,
        format: &'static str,
    ) -> String {
        escaped.unwrap_or_else(|reason| {
            if self.checked.insert((value.span, reason, format)) {
                self.found.push(
                    Diagnostic::error("unrepresentable", format!("this value cannot be written into {format}"))
                        .primary(value.span, reason)
                        .help("change the value in the spec: stackc writes a value exactly, or not at all"),
                );
            }
            String::new()
        })
    }
}

/// The first line of every generated file (after the format's comment mark).
fn header(layout: &Layout) -> &str {
    layout.header(|| {
        format!(
            "Generated by stackc from {}. Edit the spec, not this file.",
            comment_text(&layout.spec_for_header())
        )
    })
}

/// Text that stays inside a `#` comment line in every format stackc writes.
/// YAML 1.1 readers (PyYAML) end a line at LF, CR, NEL, U+2028 and U+2029,
/// YAML 1.2 readers refuse other control characters and U+FFFE/U+FFFF in a
/// file, nginx and Docker end a line at LF: each of these, the invisible
/// ones that could disguise a name (a byte order mark, bidirectional
/// controls), and `\` (so the escape reads back unambiguously) are written
/// as `\u{...}`.
fn comment_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let escaped = c == '\\'
            || c.is_control()
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}' | '\u{061C}'
                    | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            );
        if escaped {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Where the proxy mounts a volume it serves files from: a folder of its
/// own per volume, so two apps that both write `/app/staticfiles` cannot
/// collide in nginx. Volume names are plain names, safe in any format.
fn served_path(volume: &str) -> String {
    format!("/srv/{volume}")
}

/// The command line of an app-server statement, as the image's `CMD` or
/// compose's `command` runs it: on every interface, at the port
/// [`Stack::server_settings`] gives (the spec's, else the config file's),
/// with the options the spec gives; the config file sets the rest. Behind
/// the stack's proxy, it trusts the proxy's `X-Forwarded-*` headers
/// ([`trusts_the_proxy`]).
fn server_argv(stack: &Stack, owner: &Service, server: &AppServer) -> Vec<String> {
    let port = stack
        .server_settings(owner)
        .map_or(AppServer::DEFAULT_PORT, |s| s.port.value)
        .to_string();
    let seconds = |d: &Option<Spanned<Duration>>| d.as_ref().map(|d| (d.value.0 / 1000).to_string());
    let trusted = server.config.is_none() && trusts_the_proxy(stack, owner);
    let mut argv = vec![server.kind.keyword().to_string()];
    let options: Vec<(&str, Option<String>)> = match server.kind {
        AppServerKind::Gunicorn => vec![
            (
                "--config",
                server.config.as_ref().map(|c| config_path(stack, owner, &c.value)),
            ),
            ("--bind", Some(format!("0.0.0.0:{port}"))),
            ("--workers", server.workers.as_ref().map(|w| w.value.to_string())),
            ("--timeout", seconds(&server.timeout)),
            ("--graceful-timeout", seconds(&server.graceful_timeout)),
            ("--worker-class", server.worker.as_ref().map(|w| worker_class(&w.value))),
            ("--forwarded-allow-ips", trusted.then(|| PRIVATE_NETWORKS.to_string())),
        ],
        AppServerKind::Uvicorn => vec![
            ("--host", Some("0.0.0.0".to_string())),
            ("--port", Some(port)),
            ("--workers", server.workers.as_ref().map(|w| w.value.to_string())),
            ("--timeout-graceful-shutdown", seconds(&server.graceful_timeout)),
            ("--forwarded-allow-ips", trusted.then(|| PRIVATE_NETWORKS.to_string())),
        ],
        AppServerKind::Daphne => vec![("--bind", Some("0.0.0.0".to_string())), ("--port", Some(port))],
    };
    for (flag, value) in options {
        if let Some(value) = value {
            argv.extend([flag.to_string(), value]);
        }
    }
    argv.push(server.app.value.clone());
    argv
}

/// Whether the app server should trust `X-Forwarded-Proto` and
/// `X-Forwarded-For` from the private networks ([`PRIVATE_NETWORKS`]):
/// the stack's proxy sends them (TLS ends there, so without them a TLS
/// site's app builds `http://` links and redirects), its address is not
/// known before it starts, and the app's port is published nowhere and on
/// no network another project shares, so only the stack's containers
/// reach it. Gunicorn and Uvicorn trust 127.0.0.1 alone by default; a
/// config file says for itself.
fn trusts_the_proxy(stack: &Stack, owner: &Service) -> bool {
    let runners: Vec<&Service> = std::iter::once(owner).chain(stack.runners_of(owner)).collect();
    let behind_proxy = (runners.iter()).any(|s| stack.upstream_servers_of(&s.name.value).next().is_some());
    let reached_from_outside = |s: &&Service| !s.ports.is_empty() || stack.on_external_network(s);
    behind_proxy && !runners.iter().any(reached_from_outside)
}

/// The addresses an app server trusts forwarded headers from: the private
/// ranges Docker's and clusters' networks are in. Not `*`: a server that
/// trusts every address takes the first `X-Forwarded-For` entry, which the
/// client writes (nginx appends the real one); trusting the networks, it
/// takes the last address outside them, the client nginx saw. A server too
/// old to read networks trusts none of them, as before.
const PRIVATE_NETWORKS: &str = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16";

/// Gunicorn's `--worker-class`: `uvicorn` is the uvicorn-worker package's
/// class (Uvicorn's own `uvicorn.workers` is deprecated since 0.30).
fn worker_class(worker: &str) -> String {
    match worker {
        "uvicorn" => "uvicorn_worker.UvicornWorker".to_string(),
        other => other.to_string(),
    }
}

/// A Gunicorn config file's path in the container: the spec names it in
/// the build folder, which the image stackc writes copies to its workdir.
fn config_path(stack: &Stack, owner: &Service, config: &str) -> String {
    match stack.builder_of(owner).and_then(|b| b.build()?.python()) {
        Some(python) => format!("{}/{config}", python.workdir.value.trim_end_matches('/')),
        None => config.to_string(),
    }
}

/// What a service's own statements say it runs: `command`/`run`, or its
/// app server.
pub(crate) fn own_command(stack: &Stack, service: &Service) -> Option<Vec<String>> {
    match (&service.command, service.app_server()) {
        (Some(command), _) => Some(command.words.clone()),
        (None, Some(server)) => Some(server_argv(stack, service, server)),
        (None, None) => None,
    }
}

/// The command in the image stackc writes for `builder`: its own command,
/// which every `image of` it without a command of its own runs too.
fn image_command(stack: &Stack, builder: &Service) -> Option<Vec<String>> {
    builder.build()?.python()?;
    own_command(stack, builder)
}

/// The name of the image a service builds: the spec's `image` beside
/// `build`, else a local one (lowercase: image repositories are, service
/// names need not be).
fn built_image_name(stack: &Stack, service: &Service) -> String {
    match service.build().and_then(|b| b.tag.as_ref()) {
        Some(tag) => tag.text.value.clone(),
        None => format!(
            "{}-{}:local",
            stack.name_or_default(),
            service.name.value.to_ascii_lowercase()
        ),
    }
}

/// A container's environment: the spec's variables in spec order, then
/// `NAME_FILE` for each secret, naming its file.
fn environment(service: &Service) -> Vec<(String, String)> {
    let vars = service
        .env
        .iter()
        .map(|v| (v.name.value.clone(), v.value.value.clone()));
    let secrets = service
        .secrets
        .iter()
        .map(|s| (format!("{}_FILE", s.env.value), secret_path(&s.secret.value)));
    vars.chain(secrets).collect()
}

/// Healthcheck timing when the spec gives none: fast enough that dependants
/// start within seconds of readiness (compose's own default waits 30s).
const DEFAULT_INTERVAL: Duration = Duration(5_000);
const DEFAULT_TIMEOUT: Duration = Duration(3_000);
const DEFAULT_RETRIES: u32 = 10;

/// Percent-encodes what may not stand in a URL path as written; `%` and `?`
/// stay, so a path may be given already encoded and with a query.
fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@%?".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Where compose mounts a secret in the container.
fn secret_path(secret: &str) -> String {
    format!("/run/secrets/{secret}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_name_cannot_end_the_header_comment() {
        let layout = Layout::new(
            "/p/a\u{2028}b\u{2029}c\u{85}d\re\u{b}f\u{c}g\nh\\i\u{feff}/s.spec",
            "/p/out",
        );
        assert_eq!(
            header(&layout),
            "Generated by stackc from ../a\\u{2028}b\\u{2029}c\\u{85}d\\u{d}e\\u{b}f\\u{c}g\\u{a}h\\u{5c}i\\u{feff}/s.spec. \
             Edit the spec, not this file."
        );
        assert_eq!(comment_text("é😀 a:b #c"), "é😀 a:b #c");
    }
}
