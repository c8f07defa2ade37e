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
pub mod package_json;
pub mod problem;
pub mod python;
pub mod requirements;
pub mod shell;
pub mod start_script;
pub mod value;
pub mod waits;

pub use load::{load, Disk, Files};

use crate::ir::index::NameMap;
use crate::ir::{Mount, MountSource};
use crate::source::{FileId, SourceFile, Spanned};

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
    pub images: Vec<OwnImage>,
    /// Each env file the spec names, read.
    pub env_files: Vec<LoadedEnvFile>,
    /// Files the stack needs where it runs, normally put there at deploy
    /// time, that are not here.
    pub absent: Vec<Absent>,
    /// Files of conventional names found at the root of build folders
    /// (`gunicorn.conf.py`), as `(context as written, file name)`.
    pub context_files: Vec<(String, &'static str)>,
    /// The files the install reads for each Python build (by service): the
    /// requirements files pip reads, in the order it reads them, or uv's
    /// and Poetry's `pyproject.toml` and lock file; each one's path in the
    /// build folder, and the file.
    pub requirements: Vec<(String, Vec<(String, FileId)>)>,
    /// The app's own `.dockerignore` of each Python build that has one.
    pub dockerignores: Vec<(String, FileId)>,
    /// Each Python build's files named like secrets, read, by their path
    /// in its folder (see [`OwnImage::loose`]): what `COPY . .` carries
    /// when a `!` pattern takes one back.
    pub python_loose: Vec<(String, Vec<(String, FileId)>)>,
    /// The Gunicorn config file of each service that names one, read.
    pub gunicorn_confs: Vec<(String, FileId, gunicorn_conf::GunicornConf)>,
    /// The secret files that are there and small, by secret name: a
    /// password's text, for `default-credentials`.
    pub secret_files: Vec<(String, FileId)>,
    /// The script each service with an `after` starts through, when it
    /// has one stackc could look for (see [`start_script`]).
    pub start_scripts: Vec<start_script::StartScript>,
    /// The `package.json` of each service whose command runs one of its
    /// scripts (`npm start`), read.
    pub package_jsons: Vec<PackageJson>,
    /// The build folders, bind-mount sources and secret files the spec
    /// names, as written, with where each really is (see
    /// [`Files::real_path`]), when that differs.
    pub real_paths: Vec<(String, String)>,
    /// The bind-mount sources the spec names that are there (relative
    /// ones: absolute and `~` paths are on the machine that runs the
    /// stack), as written, each with whether it is a folder.
    pub host_folders: std::collections::BTreeMap<String, bool>,
    /// The bind-mounted folders that hold what a web server must never
    /// hand out (an app's `.env`, its `.git`), as written, with those
    /// names: looked for, never read.
    pub private_in_folders: std::collections::BTreeMap<String, Vec<&'static str>>,
    /// The lookups' tables, built on the first lookup of each.
    names: InputNames,
}

/// A table per lookup of [`Inputs`] by name: rules ask once per service.
#[derive(Clone, Debug, Default)]
struct InputNames {
    requirements: NameMap,
    dockerignores: NameMap,
    python_loose: NameMap,
    gunicorn_confs: NameMap,
    env_files: NameMap,
    images: NameMap,
    start_scripts: NameMap,
    package_jsons: NameMap,
}

impl Inputs {
    pub fn source(&self, id: FileId) -> &SourceFile {
        &self.sources[id.0 as usize]
    }

    /// Whether `mount` binds a host folder: what is at its source when it
    /// is there, else what its paths' names suggest (`./data.v2` is a
    /// folder when one is there, though its name looks like a file's).
    /// A missing folder is one Docker may make, as compose's short syntax
    /// does; a missing file it would replace with a folder, which the
    /// container then cannot read as its file.
    pub fn binds_folder(&self, mount: &Mount) -> bool {
        let MountSource::Host(source) = &mount.source else {
            return false;
        };
        self.host_folders
            .get(&source.value)
            .copied()
            .unwrap_or_else(|| mount.names_folder())
    }

    /// Marks a file read as one whose values are secrets (an env file):
    /// diagnostics never print them.
    fn hold_secrets(&mut self, id: FileId) {
        let file = &mut self.sources[id.0 as usize];
        *file = std::mem::take(file).holding_secrets();
    }

    /// The files named like secrets in the folder of `service`'s Python
    /// build.
    pub fn python_loose_of(&self, service: &str) -> &[(String, FileId)] {
        let found = self
            .names
            .python_loose
            .find(&self.python_loose, |(name, _)| name, service);
        found.map_or(&[], |(_, files)| files.as_slice())
    }

    /// The files the install of `service`'s build reads, when they were read.
    pub fn requirements_of(&self, service: &str) -> Option<&[(String, FileId)]> {
        let found = self
            .names
            .requirements
            .find(&self.requirements, |(name, _)| name, service);
        found.map(|(_, files)| files.as_slice())
    }

    /// The app's own `.dockerignore` of `service`'s build.
    pub fn dockerignore_of(&self, service: &str) -> Option<FileId> {
        let found = self
            .names
            .dockerignores
            .find(&self.dockerignores, |(name, _)| name, service);
        found.map(|(_, id)| *id)
    }

    /// The Gunicorn config file `service`'s statement names, read.
    pub fn gunicorn_conf(&self, service: &str) -> Option<(FileId, &gunicorn_conf::GunicornConf)> {
        let found = self
            .names
            .gunicorn_confs
            .find(&self.gunicorn_confs, |(name, _, _)| name, service);
        found.map(|(_, id, conf)| (*id, conf))
    }

    /// Whether the build folder `context` (as the spec writes it) holds a
    /// file of this conventional name at its root.
    pub fn context_has(&self, context: &str, name: &str) -> bool {
        self.context_files.iter().any(|(c, n)| c == context && *n == name)
    }

    /// The env file the spec names by `path` (as written), read.
    pub fn env_file(&self, path: &str) -> Option<&LoadedEnvFile> {
        self.names.env_files.find(&self.env_files, |f| &f.path, path)
    }

    /// The script `service`'s containers start through.
    pub fn start_script(&self, service: &str) -> Option<&start_script::StartScript> {
        self.names
            .start_scripts
            .find(&self.start_scripts, |s| &s.service, service)
    }

    /// The `package.json` whose scripts `service`'s command runs.
    pub fn package_json(&self, service: &str) -> Option<&PackageJson> {
        self.names
            .package_jsons
            .find(&self.package_jsons, |p| &p.service, service)
    }

    /// Where a host path the spec names (as written) really leads, when a
    /// symbolic link is on its way.
    pub fn real_path(&self, written: &str) -> Option<&str> {
        self.real_paths
            .iter()
            .find(|(path, _)| path == written)
            .map(|(_, real)| real.as_str())
    }

    /// The app's own Dockerfile that `builder` builds with.
    pub fn image(&self, builder: &str) -> Option<&OwnImage> {
        self.names.images.find(&self.images, |i| &i.service, builder)
    }

    /// Points each own image at the stage `services` build now. An
    /// environment is checked with the base's files, and may build another
    /// `target` of the same Dockerfile (`set build ... { target development }`),
    /// or add a service that builds a Dockerfile the base read for another:
    /// its rules must read that stage. A target the Dockerfile lacks leaves
    /// the image without a stage (`--env` reports it).
    pub fn follow_targets(&mut self, services: &[crate::ir::Service]) {
        for service in services {
            let Some((build, dockerfile)) = own_build(service) else {
                continue;
            };
            let read = self.images.iter().position(|i| i.service == service.name.value);
            let Some(at) = read.or_else(|| {
                self.adopt(service, services, |other| {
                    own_build(other).is_some_and(|(b, d)| {
                        b.context.value == build.context.value && d.file.value == dockerfile.file.value
                    })
                })
            }) else {
                continue;
            };
            let target = dockerfile.target.as_ref().map(|t| t.value.as_str());
            let image = &mut self.images[at];
            image.stage = image.dockerfile.stage(target).map(|s| s.index);
        }
    }

    /// A copy, for `service`, of the image read for another of `services`
    /// that `same_file` says builds the same Dockerfile; its index.
    fn adopt(
        &mut self,
        service: &crate::ir::Service,
        services: &[crate::ir::Service],
        same_file: impl Fn(&crate::ir::Service) -> bool,
    ) -> Option<usize> {
        let builds_it = |name: &str| services.iter().any(|s| s.name.value == name && same_file(s));
        let mut copy = self.images.iter().find(|i| builds_it(&i.service))?.clone();
        copy.service = service.name.value.clone();
        self.images.push(copy);
        // The lookup table was built before this image was there.
        self.names.images = NameMap::default();
        Some(self.images.len() - 1)
    }
}

/// A file of the stack's that is not on this machine.
#[derive(Clone, Debug)]
pub struct Absent {
    pub kind: Absence,
    /// As the spec writes it.
    pub path: Spanned<String>,
    /// As the user sees it (relative to where stackc runs).
    pub shown: String,
    /// A path beside it with a close name, as the spec would write it.
    pub close: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Absence {
    /// `secret NAME file PATH`.
    SecretFile,
    /// `mount ./PATH at ...`.
    HostPath,
}

/// An env file the spec names (`env_file PATH`), as compose reads it.
#[derive(Clone, Debug)]
pub struct LoadedEnvFile {
    /// As the spec writes it.
    pub path: String,
    pub file: FileId,
    pub vars: env_file::EnvFile,
}

/// A service's build by the app's own Dockerfile.
fn own_build(service: &crate::ir::Service) -> Option<(&crate::ir::Build, &crate::ir::OwnDockerfile)> {
    let build = service.build()?;
    Some((build, build.own_dockerfile()?))
}

/// The `package.json` in the working folder of a service's image.
#[derive(Clone, Debug)]
pub struct PackageJson {
    pub service: String,
    pub file: FileId,
    pub scripts: Vec<package_json::Script>,
}

impl PackageJson {
    pub fn script(&self, name: &str) -> Option<&package_json::Script> {
        self.scripts.iter().find(|s| s.name == name)
    }
}

/// An image built from the app's own Dockerfile, as stackc read it.
#[derive(Clone, Debug)]
pub struct OwnImage {
    /// The service whose `build` names it.
    pub service: String,
    pub file: FileId,
    /// Read with the spec's build arguments in place of the ARG defaults.
    pub dockerfile: dockerfile::Dockerfile,
    /// The stage the build stops at (`target`, else the last); `None` when
    /// the target names no stage.
    pub stage: Option<usize>,
    /// The ignore file BuildKit reads for this build, if any: the
    /// Dockerfile's own `NAME.dockerignore` beside it, else the build
    /// folder's `.dockerignore`.
    pub ignore: Option<FileId>,
    /// Files of the build folder named like secrets (`.env`,
    /// `deploy/.env.production`, `id_rsa`, `*.pem`:
    /// [`dockerignore::SECRETS`]), read, by their path in the folder: what
    /// a `COPY . .` would carry.
    pub loose: Vec<(String, FileId)>,
}

impl OwnImage {
    /// The image config of the stage that is built: what its containers
    /// run, as whom, on which ports.
    pub fn facts(&self) -> Option<&dockerfile::StageFacts> {
        Some(&self.dockerfile.stages.get(self.stage?)?.facts)
    }

    /// The registry image the built stage is based on, through the earlier
    /// stages it names; `None` for `scratch` or an image named by a
    /// variable.
    /// Whether no stage the image is built from (its own, back to the
    /// published image) sets a CMD or an ENTRYPOINT: its containers run the
    /// published image's command (a shell, `node`).
    pub fn sets_no_command(&self) -> bool {
        let stages = &self.dockerfile.stages;
        let Some(mut index) = self.stage else {
            return false;
        };
        loop {
            let Some(stage) = stages.get(index) else {
                return false;
            };
            if stage.facts.cmd.is_some() || stage.facts.entrypoint.is_some() {
                return false;
            }
            match &stage.base {
                dockerfile::Base::Stage(earlier) if *earlier < index => index = *earlier,
                dockerfile::Base::Image(_) => return true,
                _ => return false,
            }
        }
    }

    pub fn registry_base(&self) -> Option<&crate::ir::ImageRef> {
        let stages = &self.dockerfile.stages;
        let mut index = self.stage?;
        // A stage can only name an earlier one: the walk ends.
        loop {
            match &stages.get(index)?.base {
                dockerfile::Base::Stage(earlier) if *earlier < index => index = *earlier,
                dockerfile::Base::Image(image) => return Some(image),
                _ => return None,
            }
        }
    }

    /// Where the image is shown to have no `python` on its PATH (the
    /// program stackc's `ready tcp` and `ready http` checks run): the FROM
    /// of a stage chain that starts at `scratch` or at an image known to
    /// ship none, in which nothing names Python (`text` is the Dockerfile's).
    /// `None` when it may have one.
    pub fn lacks_python(&self, text: &str) -> Option<crate::source::Span> {
        let stages = &self.dockerfile.stages;
        let chain = self.dockerfile.stages_in_image(self.stage?);
        let first = stages.get(*chain.first()?)?;
        let without = match &first.base {
            dockerfile::Base::Scratch => true,
            dockerfile::Base::Image(image) => {
                let repository = image.repository();
                (repository.starts_with("gcr.io/distroless/") && !repository.contains("python"))
                    || NO_PYTHON.contains(&image.name())
            }
            _ => false,
        };
        let names_python = chain.iter().any(|&i| {
            let range = &stages[i].instructions;
            let instructions = &self.dockerfile.instructions[range.clone()];
            let (Some(start), Some(end)) = (instructions.first(), instructions.last()) else {
                return false;
            };
            text.get(start.span.start()..end.span.end())
                .is_some_and(|t| t.to_ascii_lowercase().contains("python"))
        });
        (without && !names_python).then_some(first.from_span)
    }

    /// The program stackc's TCP and HTTP checks run in its containers:
    /// Node on a `node` image, else Python unless the image is shown to
    /// have none ([`Self::lacks_python`]).
    pub fn probe_program(&self, text: &str) -> Option<crate::ir::ProbeProgram> {
        match self.registry_base().and_then(crate::ir::ProbeProgram::of_image) {
            Some(program) => Some(program),
            None => self
                .lacks_python(text)
                .is_none()
                .then_some(crate::ir::ProbeProgram::Python),
        }
    }

    /// The command line its containers start, ENTRYPOINT and CMD as Docker
    /// combines them; `None` when the base image's own ENTRYPOINT may
    /// change it.
    pub fn process(&self) -> Option<Vec<String>> {
        let facts = self.facts()?;
        facts.process().or_else(|| {
            let base = self.registry_base()?;
            let name = base.repository().rsplit('/').next().unwrap_or_default();
            let plain = facts.entrypoint.is_none() && PASS_THROUGH_ENTRYPOINT.contains(&name);
            facts
                .cmd
                .as_ref()
                .filter(|_| plain)
                .map(|cmd| cmd.argv(&facts.shell_words()))
        })
    }
}

/// Official images with no `python` on their PATH (Debian's `python3`, in
/// the full Node, Ruby, Go and Rust images, is not `python`).
const NO_PYTHON: &[&str] = &[
    "alpine",
    "amazoncorretto",
    "busybox",
    "debian",
    "eclipse-temurin",
    "golang",
    "nginx",
    "node",
    "openjdk",
    "php",
    "ruby",
    "rust",
    "ubuntu",
];

/// Base images whose ENTRYPOINT is none, or a script that runs the command
/// it is given (`docker-entrypoint.sh` of node): their containers run the
/// Dockerfile's CMD as it is.
const PASS_THROUGH_ENTRYPOINT: &[&str] = &["debian", "golang", "node", "python", "ruby", "ubuntu"];
