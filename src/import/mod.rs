//! `stackc import`: a compose project (compose.yaml, its Dockerfiles, an
//! nginx config) read into a spec, best effort with a complete report.
//!
//! Every setting becomes a statement, an escape hatch with a note, or a
//! finding ([`report`]) pointing at its place in the file it came from; a
//! password or key stays out of the spec, in a secret file or an env file
//! import writes beside the spec ([`secrets`], [`env_file`]) and keeps out
//! of every image ([`contexts`]) and commit ([`gitignore`]); one the spec
//! could only write out (a build argument, a label, a command line) is
//! left out and reported. The spec comes out formatted.
//!
//! One module per job: [`yaml`] (spanned YAML, bounded aliases),
//! [`compose`] (top level), [`service`] (a service's keys), [`mounts`]
//! (volumes and ports), [`environment`] (variables, `$VAR`), [`runtime`]
//! (dependencies, healthchecks, deploy), [`probe`] (a healthcheck's test
//! and the passwords in it), [`env_file`] (passwords as each
//! image reads them), [`contexts`] (build contexts' ignore files),
//! [`gitignore`] (the spec's folder's `.gitignore`),
//! [`values`] (compose's spellings), [`dockerfile`] (a `build`),
//! [`nginx`] (the config's directives), [`proxy`] (directives to proxy
//! statements), [`traefik`] (basic-auth users as a file Traefik reads),
//! [`container_env`] (what a container has of its environment), [`spec`]
//! (the spec's text).

pub mod compose;
pub mod container_env;
pub mod contexts;
pub mod dockerfile;
pub mod env_file;
pub mod environment;
pub mod gitignore;
pub mod mounts;
pub mod nginx;
pub mod one_shot;
pub mod probe;
pub mod proxy;
mod proxy_config;
pub mod reads;
pub mod report;
mod requirepass;
pub mod runtime;
pub mod secrets;
pub mod service;
mod shell_vars;
pub mod spec;
pub mod traefik;
mod uv;
pub mod values;
pub mod yaml;

use std::path::{Path, PathBuf};

use crate::input::fs;
use crate::source::{SourceFile, Span};
use report::Report;
use secrets::Secrets;

/// The names compose looks for in a folder, in its order.
const COMPOSE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// The override files compose merges into the one it finds in a folder
/// when no file is named, in its order (the first there).
const OVERRIDE_NAMES: &[&str] = &[
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// The override file compose merges when `input` is a folder (`docker
/// compose up` there reads it too); none for a file named, as `-f FILE`.
pub fn override_file(input: &Path) -> Option<PathBuf> {
    if !input.is_dir() {
        return None;
    }
    OVERRIDE_NAMES.iter().map(|n| input.join(n)).find(|p| p.is_file())
}

/// What to import, and where the spec goes.
pub struct Request {
    /// A compose file, or the folder holding one.
    pub input: PathBuf,
    /// nginx configs to read for the proxy.
    pub nginx: Vec<PathBuf>,
    /// The spec file to write (its folder is where paths start).
    pub spec: PathBuf,
    /// The project as `docker compose config --format json
    /// --no-env-resolution --no-path-resolution` printed it, when a compose
    /// binary was there: overrides, `extends`, `include` and profiles
    /// resolved by compose itself. `None`: stackc's own reader.
    pub resolved: Option<String>,
    /// The override file compose merged into `resolved`, by name.
    pub merged: Option<String>,
}

/// The spec's text and everything found on the way.
pub struct Outcome {
    /// `None` when the compose file could not be read.
    pub spec: Option<SourceFile>,
    pub secrets: Secrets,
    /// Lines that keep the written files out of the build contexts.
    pub ignores: Vec<contexts::IgnoreEdit>,
    /// Lines that keep them out of version control: the `.gitignore`
    /// beside the spec, unless it lists them all already.
    pub gitignore: Option<contexts::IgnoreEdit>,
    pub report: Report,
}

impl Outcome {
    /// A compose file that could not be read: nothing to write, the report.
    fn unread(report: Report) -> Outcome {
        Outcome {
            spec: None,
            secrets: Secrets::default(),
            ignores: Vec::new(),
            gitignore: None,
            report,
        }
    }
}

/// The compose file a path names: itself, or the first of compose's
/// names in the folder.
pub fn compose_file(input: &Path) -> Result<PathBuf, String> {
    if input.is_dir() {
        COMPOSE_NAMES
            .iter()
            .map(|n| input.join(n))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                let mut message = format!("no {} in {}", COMPOSE_NAMES.join(", "), input.display());
                if let Some(other) = other_compose_files(input).first() {
                    message.push_str(&format!(
                        "; name the compose file to import: `stackc import {}`",
                        input.join(other).display()
                    ));
                }
                message
            })
    } else {
        Ok(input.to_path_buf())
    }
}

/// Files in `folder` that look like compose files under a name compose
/// does not look for: named like one (`docker-compose.production.yaml`,
/// `compose.prod.yml`), then YAML files with a top-level `services:`
/// (miniflux's `basic.yml`), the first such; only the folder's first few
/// thousand entries, and a few dozen small files, are looked at.
fn other_compose_files(folder: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut yaml: Vec<String> = entries
        .take(4096)
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        .collect();
    yaml.sort();
    let (mut named, others): (Vec<String>, Vec<String>) = yaml.into_iter().partition(|n| n.contains("compose"));
    // A regular file of at most a MiB (never a FIFO that blocks); not a
    // hidden one (`.gitlab-ci.yml` and `.travis.yml` have `services:` too).
    let declares_services = |name: &String| {
        !name.starts_with('.')
            && fs::read_bytes(&folder.join(name), 1 << 20)
                .is_ok_and(|bytes| maps_services(&String::from_utf8_lossy(&bytes)))
    };
    named.extend(others.into_iter().take(64).find(declares_services));
    named
}

/// Whether YAML text has a top-level `services:` that maps names (a
/// compose file's), not one that lists them (a CI file's).
fn maps_services(text: &str) -> bool {
    let mut lines = text.lines().skip_while(|line| line.trim_end() != "services:").skip(1);
    let first = lines.find(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'));
    first.is_some_and(|line| line.starts_with([' ', '\t']) && !line.trim_start().starts_with('-'))
}

/// Reads the project and writes the spec's text; touches no file.
pub fn import(request: &Request) -> Result<Outcome, String> {
    let compose_path = compose_file(&request.input)?;
    let text = read(&compose_path)?;
    let mut report = Report::default();
    let file = report.add_file(SourceFile::new(compose_path.display().to_string(), text));
    let mut nginx = Vec::new();
    for path in &request.nginx {
        nginx.push(report.add_file(SourceFile::new(path.display().to_string(), read(path)?)));
    }
    let absolute = |p: &Path| std::path::absolute(p).map_err(|e| format!("{}: {e}", p.display()));
    let compose_abs = absolute(&compose_path)?;
    let spec_abs = absolute(&request.spec)?;
    let compose_dir = compose_abs.parent().map(Path::to_path_buf).unwrap_or_default();
    let root = fs::project_root(&compose_dir);
    // Only what helps a finding: a missing or unreadable `.env` (or one
    // that leads out of the project) is none.
    let dotenv = fs::read_project_text(root.as_deref(), &compose_dir.join(".env"), fs::MAX_FILE_BYTES)
        .map(|text| crate::input::env_file::parse(&text))
        .unwrap_or_default();
    let places = compose::Places {
        root,
        dotenv,
        compose_dir,
        spec_dir: spec_abs.parent().map(Path::to_path_buf).unwrap_or_default(),
        shown_dir: compose_path.parent().map(Path::to_path_buf).unwrap_or_default(),
        nginx,
    };
    let doc = match (yaml::parse(report.text(file)), &request.resolved) {
        (original, Some(resolved)) => match yaml::parse(resolved) {
            Ok(doc) => yaml::spans_from(doc, original.as_ref().ok(), Span::new(0, 0)),
            Err(e) => {
                return Err(format!(
                    "cannot read what `docker compose config` printed: {}",
                    e.message
                ))
            }
        },
        (Ok(doc), None) => doc,
        (Err(e), None) => {
            report.unreadable(file, e.span, format!("not YAML compose can read: {}", e.message));
            return Ok(Outcome::unread(report));
        }
    };
    if let Some(service) = compose::first_format_1_service(&doc) {
        report.unreadable(
            file,
            service,
            "a compose file of the old format 1, with its services at the top level, which `docker compose` no \
             longer reads: move them under a `services:` key, and import again",
        );
        return Ok(Outcome::unread(report));
    }
    let mut doc = doc;
    environment::fill_from_dotenv(&mut doc, &places.dotenv, &mut report, file);
    let import = compose::Import {
        report: &mut report,
        file,
        places: &places,
        secrets: Secrets::beside(places.spec_dir.clone()),
        declared: Vec::new(),
        internal_networks: Vec::new(),
        traefik: None,
        traefik_secrets: Vec::new(),
        served_binds: Vec::new(),
        default_network: None,
        nginx_read: Vec::new(),
        nginx_kept: Vec::new(),
    };
    let (top, secrets) = compose::import(&doc, import);
    let name = report.name(file).to_string();
    let reader = match (&request.resolved, &request.merged) {
        (Some(_), Some(merged)) => format!(" and {merged} (as compose's own `config` merges them)"),
        (Some(_), None) => " (as compose's own `config` resolves it)".to_string(),
        (None, _) => String::new(),
    };
    let draft = spec::Draft {
        header: vec![
            format!("Imported by `stackc import` from {name}{reader}."),
            "Each block says where it came from; `stackc import` listed what it left out.".to_string(),
        ],
        top,
    };
    let source = SourceFile::new(request.spec.display().to_string(), draft.render());
    let source = match crate::fmt::format(&source) {
        Ok(text) => SourceFile::new(source.name.clone(), text),
        Err(_) => source,
    };
    let written: Vec<&str> = secrets.all().map(|f| f.path.as_str()).collect();
    let ignores = contexts::keep_out(&doc, &places, &written)?;
    let gitignore = gitignore::edit(&places.spec_dir, &written)?;
    Ok(Outcome {
        spec: Some(source),
        secrets,
        ignores,
        gitignore,
        report,
    })
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_text(path, fs::MAX_FILE_BYTES).map_err(|e| format!("cannot read {}: {e}", path.display()))
}
