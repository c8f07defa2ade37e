//! Reads every file a resolved spec names, once, and reports the ones that
//! are missing or unreadable on the spec line that names them.
//!
//! What a missing file means depends on who needs it: a build context, a
//! Dockerfile, a requirements file or an env file must be there when
//! `docker compose build`/`up` runs, so a missing one is an error; a secret
//! file is usually put in place on the server at deploy time, so a missing
//! one is a warning.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::fs::{read_text, ReadError, MAX_FILE_BYTES};
use super::{dockerfile, env_file, Inputs, LoadedEnvFile, OwnImage};
use crate::diagnostic::Diagnostic;
use crate::ir::{Build, MountSource, OwnDockerfile, Recipe, SecretSource, Stack};
use crate::source::{FileId, SourceFile, Spanned};

/// Where the files a spec names are read from.
pub trait Files {
    /// The text of a file; `path` is as the spec wrote it, relative to the
    /// spec's folder (or absolute).
    fn read(&self, path: &Path) -> Result<String, ReadError>;

    /// Whether a folder is there.
    fn is_folder(&self, path: &Path) -> bool;

    /// Whether anything is there (a file, a folder).
    fn exists(&self, path: &Path) -> bool;

    /// The name diagnostics give the file: the path as the user sees it.
    fn display(&self, path: &Path) -> String;
}

/// The real file system, relative to the spec's folder.
pub struct Disk {
    spec_folder: PathBuf,
    /// How the spec's folder was named on the command line (`specs`),
    /// so reports name files the way the user does.
    shown_as: PathBuf,
}

impl Disk {
    pub fn new(spec_folder: impl Into<PathBuf>, shown_as: impl Into<PathBuf>) -> Self {
        Disk {
            spec_folder: spec_folder.into(),
            shown_as: shown_as.into(),
        }
    }
}

impl Files for Disk {
    fn read(&self, path: &Path) -> Result<String, ReadError> {
        read_text(&self.spec_folder.join(path), MAX_FILE_BYTES)
    }

    fn is_folder(&self, path: &Path) -> bool {
        self.spec_folder.join(path).is_dir()
    }

    fn exists(&self, path: &Path) -> bool {
        self.spec_folder.join(path).exists()
    }

    fn display(&self, path: &Path) -> String {
        crate::emit::paths::normalize(&self.shown_as.join(path))
            .display()
            .to_string()
    }
}

/// Files programs read from their working folder when nothing names
/// another: a build folder that has one changes what its image runs.
const CONVENTIONAL_FILES: [&str; 1] = ["gunicorn.conf.py"];

/// Reads what `stack` names through `files`.
pub fn load(stack: &Stack, files: &dyn Files) -> (Inputs, Vec<Diagnostic>) {
    let mut loader = Loader {
        files,
        inputs: Inputs {
            read: true,
            ..Inputs::default()
        },
        diagnostics: Vec::new(),
        read: HashMap::new(),
    };
    // The env files parsed so far, by path as written.
    let mut env_files = std::collections::HashSet::new();
    for service in &stack.services {
        if let Some(build) = service.build() {
            loader.build(&service.name.value, build);
        }
        for path in &service.env_files {
            if env_files.contains(path.as_str()) {
                continue;
            }
            if let Some(file) = loader.read(path, Path::new(&path.value), Need::Required("env file")) {
                env_files.insert(path.as_str());
                let vars = env_file::parse(&loader.inputs.source(file).text);
                for problem in &vars.problems {
                    loader.diagnostics.push(
                        Diagnostic::warning(
                            "env-file-problem",
                            format!("the env file `{}`: {}", path.value, problem.message),
                        )
                        .primary(path.span, "this env file")
                        .secondary_in(file, problem.span, problem.message.clone())
                        .help("fix the line: compose may refuse the file, or read it otherwise than meant"),
                    );
                }
                loader.inputs.env_files.push(LoadedEnvFile {
                    path: path.value.clone(),
                    file,
                    vars,
                });
            }
        }
        for mount in &service.mounts {
            if let MountSource::Host(path) = &mount.source {
                loader.host_path(path);
            }
        }
    }
    for secret in &stack.secrets {
        if let SecretSource::File(path) = &secret.source {
            loader.read(path, Path::new(&path.value), Need::AtDeploy);
        }
    }
    (loader.inputs, loader.diagnostics)
}

/// How much a run needs a file.
#[derive(Clone, Copy)]
enum Need {
    /// The build or `up` fails without it: an error. The text names it.
    Required(&'static str),
    /// Usually created on the server at deploy time: a warning.
    AtDeploy,
}

struct Loader<'a> {
    files: &'a dyn Files,
    inputs: Inputs,
    diagnostics: Vec<Diagnostic>,
    /// The files read so far, by path: many services may name one file
    /// (a shared env file, one build folder's requirements).
    read: HashMap<PathBuf, FileId>,
}

impl Loader<'_> {
    fn build(&mut self, service: &str, build: &Build) {
        let context = Path::new(&build.context.value);
        if !self.files.is_folder(context) {
            self.diagnostics.push(
                Diagnostic::error(
                    "missing-file",
                    format!("the build folder `{}` is not there", build.context.value),
                )
                .primary(build.context.span, format!("no folder {}", self.files.display(context)))
                .help("paths in a spec are relative to the spec's folder; put the app's source there, or fix the path"),
            );
            return;
        }
        for name in CONVENTIONAL_FILES {
            if self.files.exists(&context.join(name)) {
                self.inputs.context_files.push((build.context.value.clone(), name));
            }
        }
        match &build.recipe {
            Recipe::Python(python) => {
                let path = context.join(&python.requirements.value);
                self.read(&python.requirements, &path, Need::Required("requirements file"));
            }
            Recipe::Dockerfile(own) => {
                let path = context.join(&own.file.value);
                if let Some(file) = self.read(&own.file, &path, Need::Required("Dockerfile")) {
                    let image = self.own_image(service, own, file);
                    self.inputs.images.push(image);
                }
            }
        }
    }

    /// Reads the app's Dockerfile with the spec's build arguments and finds
    /// the stage the build stops at. What BuildKit may refuse is a warning:
    /// stackc's reader is not BuildKit, and must not block a build that
    /// works.
    fn own_image(&mut self, service: &str, own: &OwnDockerfile, file: FileId) -> OwnImage {
        let text = &self.inputs.source(file).text;
        let args = own.args.iter().map(|a| (a.name.as_str(), a.value.as_str()));
        let dockerfile = dockerfile::parse_with_args(text, args);
        for problem in &dockerfile.problems {
            self.diagnostics.push(
                Diagnostic::warning(
                    "dockerfile-problem",
                    format!("the Dockerfile of `{service}`: {}", problem.message),
                )
                .primary(own.file.span, "this Dockerfile")
                .secondary_in(file, problem.span, problem.message.clone())
                .help("fix the Dockerfile; `docker build` is likely to refuse it as it is"),
            );
        }
        let stage = dockerfile
            .stage(own.target.as_ref().map(|t| t.as_str()))
            .map(|s| s.index);
        if let (None, Some(target)) = (stage, &own.target) {
            let names: Vec<&str> = dockerfile
                .stages
                .iter()
                .filter_map(|s| s.name.as_deref())
                .map(String::as_str)
                .collect();
            let mut diagnostic = Diagnostic::error(
                "unknown-stage",
                format!("the Dockerfile has no stage `{}`", target.value),
            )
            .primary(target.span, "`docker build --target` would fail");
            let help = match crate::suggest::closest(&target.value, names.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None if names.is_empty() => {
                    "the Dockerfile names no stage (`FROM image AS name`): remove `target`".to_string()
                }
                None => format!(
                    "its stages are {}",
                    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                ),
            };
            for named in dockerfile.stages.iter().filter_map(|s| s.name.as_ref()) {
                diagnostic = diagnostic.secondary_in(file, named.span, "a stage");
            }
            self.diagnostics.push(diagnostic.help(help));
        }
        OwnImage {
            service: service.to_string(),
            file,
            dockerfile,
            stage,
        }
    }

    /// A bind mount's host path: compose's long syntax does not create a
    /// missing one, so `up` would fail; often it is made on the server (a
    /// data folder), hence a warning. `~` is the home of whoever runs
    /// compose, which stackc cannot know.
    fn host_path(&mut self, path: &Spanned<String>) {
        if path.value.starts_with('~') || self.files.exists(Path::new(&path.value)) {
            return;
        }
        let shown = self.files.display(Path::new(&path.value));
        self.diagnostics.push(
            Diagnostic::warning("missing-host-path", format!("`{}` is not there yet", path.value))
                .primary(path.span, format!("nothing at {shown}"))
                .help("compose refuses to start a container whose bind mount has no source: create it before `docker compose up`, or fix the path"),
        );
    }

    /// Reads a file the spec names at `named`, or reports why it cannot.
    fn read(&mut self, named: &Spanned<String>, path: &Path, need: Need) -> Option<FileId> {
        if let Some(&id) = self.read.get(path) {
            return Some(id);
        }
        let shown = self.files.display(path);
        match self.files.read(path) {
            Ok(text) => {
                let id = FileId(self.inputs.sources.len() as u32);
                self.inputs.sources.push(SourceFile::new(shown, text));
                self.read.insert(path.to_path_buf(), id);
                Some(id)
            }
            Err(error) => {
                self.diagnostics.push(unreadable(named, &shown, &error, need));
                None
            }
        }
    }
}

fn unreadable(named: &Spanned<String>, shown: &str, error: &ReadError, need: Need) -> Diagnostic {
    let missing = matches!(error, ReadError::Missing);
    match need {
        Need::Required(what) => Diagnostic::error(
            "missing-file",
            match missing {
                true => format!("the {what} `{}` is not there", named.value),
                false => format!("the {what} `{}` cannot be read", named.value),
            },
        )
        .primary(named.span, format!("{shown}: {error}"))
        .help("paths in a spec are relative to the spec's folder (a build's files to its build folder); fix the path, or create the file"),
        Need::AtDeploy => Diagnostic::warning(
            "missing-secret-file",
            match missing {
                true => format!("the secret file `{}` is not there yet", named.value),
                false => format!("the secret file `{}` cannot be read", named.value),
            },
        )
        .primary(named.span, format!("{shown}: {error}"))
        .help("compose refuses to start without it: create it on the machine that runs the stack (never commit it)"),
    }
}
