//! Reads every file a resolved spec names, once, and reports the ones that
//! are missing or unreadable on the spec line that names them.
//!
//! What a missing file means depends on who needs it: a build context, a
//! Dockerfile, a requirements file or an env file must be there when
//! `docker compose build`/`up` runs, so a missing one is an error; a secret
//! file is usually put in place on the server at deploy time, so a missing
//! one is a warning.

use std::cell::RefCell;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use foldhash::{HashMap, HashMapExt};

use super::fs::{project_root, read_text, ReadError, MAX_FILE_BYTES};
use super::start_script::{self, Copied, Found, StartScript, Via};
use super::{
    dockerfile, dockerignore, env_file, gunicorn_conf, package_json, requirements, shell, waits, Absence, Absent,
    Inputs, LoadedEnvFile, OwnImage, PackageJson,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{
    AppServerKind, Build, Dependencies, Mount, MountSource, OwnDockerfile, PythonBuild, Recipe, SecretSource, Service,
    Stack,
};
use crate::source::{FileId, SourceFile, Spanned};

/// Where the files a spec names are read from.
pub trait Files {
    /// The text of a file; `path` is as the spec wrote it, relative to the
    /// spec's folder (or absolute).
    fn read(&self, path: &Path) -> Result<String, ReadError>;

    /// [`Files::read`] of a file of at most `limit` bytes; a larger one is
    /// refused before it is read (many files of a build folder are looked
    /// at, a tokenizer's data several megabytes).
    fn read_at_most(&self, path: &Path, limit: u64) -> Result<String, ReadError> {
        let _ = limit;
        self.read(path)
    }

    /// Whether a folder is there.
    fn is_folder(&self, path: &Path) -> bool;

    /// Whether anything is there (a file, a folder).
    fn exists(&self, path: &Path) -> bool;

    /// The name diagnostics give the file: the path as the user sees it.
    fn display(&self, path: &Path) -> String;

    /// The names of a folder's entries, sorted; at most [`MAX_ENTRIES`]
    /// of them, so a huge folder costs no more than a small one. (What an
    /// own build copies; the name a misspelled path meant.)
    fn entries(&self, folder: &Path) -> Vec<String>;

    /// Where a path really is on this machine, absolute, with the symbolic
    /// links on its way followed and `..` resolved, when that is not the
    /// path as written (a relative path, a link). `None` for a path that is
    /// not there.
    fn real_path(&self, _path: &Path) -> Option<PathBuf> {
        None
    }
}

/// The most entries of a folder [`Files::entries`] looks at.
pub const MAX_ENTRIES: usize = 4096;

/// The real file system, relative to the spec's folder.
///
/// Only the project's files are read (see [`project_root`]): one a path
/// leads out of it to is [`ReadError::OutsideProject`], never read.
pub struct Disk {
    spec_folder: PathBuf,
    /// The project's folder, real (links followed); `None` when the spec's
    /// folder is not there, and nothing is read.
    root: Option<PathBuf>,
    /// How the spec's folder was named on the command line (`specs`),
    /// so reports name files the way the user does.
    shown_as: PathBuf,
    /// What is at each path asked about, asked of the file system once:
    /// the services that build from one folder ask about the same files,
    /// thousands of times in a large stack. One run (a `Disk` lives for
    /// one) sees each path as it was when first asked.
    /// By the path's bytes: cheaper to hash than its components.
    entries: RefCell<HashMap<OsString, Entry>>,
    /// Where each folder a read file is in really is (links followed),
    /// asked once: a file is then one `lstat`, not a walk of its path.
    real_folders: RefCell<HashMap<PathBuf, Option<PathBuf>>>,
}

/// What is at a path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entry {
    Folder,
    /// A file, or anything else that is not a folder.
    File,
    Nothing,
}

impl Disk {
    pub fn new(spec_folder: impl Into<PathBuf>, shown_as: impl Into<PathBuf>) -> Self {
        let spec_folder = spec_folder.into();
        Disk {
            root: project_root(&spec_folder),
            spec_folder,
            shown_as: shown_as.into(),
            entries: RefCell::default(),
            real_folders: RefCell::default(),
        }
    }

    /// `path` from the spec's folder, when it really is in the project
    /// (see [`project_root`]); one that is not there passes, to be
    /// reported missing.
    fn inside_project(&self, path: &Path) -> Result<PathBuf, ReadError> {
        let full = self.spec_folder.join(path);
        match (self.real_place(&full), &self.root) {
            (None, _) => Ok(full),
            (Some(real), Some(root)) if real.starts_with(root) => Ok(full),
            _ => Err(ReadError::OutsideProject),
        }
    }

    /// Where `full` really is, `None` when nothing is there: its folder's
    /// real place and its name, when the name is no link; else the file
    /// system's answer for the whole path. A path that ends in `/` or `/.`
    /// is asked whole: `lstat` follows a link there, which `Path` hides
    /// (its last name is the link's).
    fn real_place(&self, full: &Path) -> Option<PathBuf> {
        let bytes = full.as_os_str().as_encoded_bytes();
        let names_its_last = !(bytes.ends_with(b"/") || bytes.ends_with(b"/."));
        if let (Some(folder), Some(name), true) = (full.parent(), full.file_name(), names_its_last) {
            let metadata = std::fs::symlink_metadata(full).ok()?;
            if !metadata.file_type().is_symlink() {
                return Some(self.real_folder(folder)?.join(name));
            }
        }
        std::fs::canonicalize(Path::new(".").join(full)).ok()
    }

    fn real_folder(&self, folder: &Path) -> Option<PathBuf> {
        if let Some(real) = self.real_folders.borrow().get(folder) {
            return real.clone();
        }
        let real = std::fs::canonicalize(Path::new(".").join(folder)).ok();
        self.real_folders
            .borrow_mut()
            .insert(folder.to_path_buf(), real.clone());
        real
    }

    /// What is at `path` (following symbolic links, as `Path::exists` and
    /// `Path::is_dir` do).
    fn entry(&self, path: &Path) -> Entry {
        if let Some(&entry) = self.entries.borrow().get(path.as_os_str()) {
            return entry;
        }
        let entry = match std::fs::metadata(self.spec_folder.join(path)) {
            Ok(metadata) if metadata.is_dir() => Entry::Folder,
            Ok(_) => Entry::File,
            Err(_) => Entry::Nothing,
        };
        self.entries.borrow_mut().insert(path.as_os_str().to_owned(), entry);
        entry
    }
}

impl Files for Disk {
    fn read(&self, path: &Path) -> Result<String, ReadError> {
        read_text(&self.inside_project(path)?, MAX_FILE_BYTES)
    }

    fn read_at_most(&self, path: &Path, limit: u64) -> Result<String, ReadError> {
        read_text(&self.inside_project(path)?, limit)
    }

    fn is_folder(&self, path: &Path) -> bool {
        self.entry(path) == Entry::Folder
    }

    fn exists(&self, path: &Path) -> bool {
        self.entry(path) != Entry::Nothing
    }

    fn display(&self, path: &Path) -> String {
        crate::emit::paths::normalize(&self.shown_as.join(path))
            .display()
            .to_string()
    }

    fn entries(&self, folder: &Path) -> Vec<String> {
        let Ok(entries) = self
            .inside_project(folder)
            .and_then(|f| std::fs::read_dir(f).map_err(ReadError::Io))
        else {
            return Vec::new();
        };
        let mut names: Vec<String> = Vec::new();
        let mut known = self.entries.borrow_mut();
        for entry in entries.take(MAX_ENTRIES).filter_map(Result::ok) {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            // The folder's listing tells folders from files (a link, only
            // what it leads to): no `stat` of each when they are asked.
            if let Some(kind) = entry.file_type().ok().filter(|t| !t.is_symlink()) {
                let entry = if kind.is_dir() { Entry::Folder } else { Entry::File };
                known.entry(folder.join(&name).into_os_string()).or_insert(entry);
            }
            names.push(name);
        }
        names.sort();
        names
    }

    fn real_path(&self, path: &Path) -> Option<PathBuf> {
        // A spec in the current folder has an empty folder.
        let written = Path::new(".").join(&self.spec_folder).join(path);
        let real = std::fs::canonicalize(&written)
            .ok()
            .or_else(|| dangling_link_target(&written))?;
        // `/proc/self` leads to this run's own process: named as written,
        // so the result is the same on every run.
        let own = Path::new("/proc").join(std::process::id().to_string());
        let real = match real.strip_prefix(&own) {
            Ok(below) => Path::new("/proc/self").join(below),
            Err(_) => real,
        };
        (real != path).then_some(real)
    }
}

/// Where a link that leads to nothing on this machine leads (a link to
/// `/var/run/docker.sock` on a laptop without Docker): compose follows it
/// on the machine that runs the stack, where it may well be there.
/// `None` when `path` is no link.
fn dangling_link_target(path: &Path) -> Option<PathBuf> {
    /// Links deeper than Linux follows (`ELOOP`) lead nowhere.
    const MAX_HOPS: usize = 40;
    let mut current = path.to_path_buf();
    for _ in 0..MAX_HOPS {
        let target = std::fs::read_link(&current).ok()?;
        current = current
            .parent()
            .map_or_else(|| target.clone(), |folder| folder.join(&target));
        if std::fs::symlink_metadata(&current).is_err() {
            let name = current.file_name()?;
            let folder = current.parent()?;
            let real_folder = std::fs::canonicalize(folder).unwrap_or_else(|_| crate::emit::paths::normalize(folder));
            return Some(real_folder.join(name));
        }
    }
    None
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
        loose: HashMap::new(),
        closures: HashMap::new(),
    };
    // The env files parsed so far, by path as written.
    let mut env_files = std::collections::HashSet::new();
    for service in &stack.services {
        if let Some(build) = service.build() {
            loader.build(&service.name.value, build);
        }
        loader.gunicorn_conf(stack, service);
        for env_file in &service.env_files {
            let path = &env_file.path;
            if env_files.contains(path.as_str()) {
                continue;
            }
            // An optional file missing here is what `optional` is for.
            let missing_ok = env_file.optional.is_some();
            if let Some(file) = loader.read_or_missing(path, Path::new(&path.value), "env file", missing_ok) {
                env_files.insert(path.as_str());
                let vars = env_file::parse(&loader.inputs.source(file).text);
                loader.inputs.hold_secrets(file);
                for problem in &vars.problems {
                    let message = format!("the env file `{}`: {}", path.value, problem.message);
                    // What compose or the container refuses is an error.
                    let diagnostic = match problem.severity {
                        Severity::Error => Diagnostic::error("env-file-invalid", message)
                            .help("fix the line in the env file: as it is, compose or the container refuses it"),
                        _ => Diagnostic::warning("env-file-problem", message)
                            .help("fix the line: compose may refuse the file, or read it otherwise than meant"),
                    };
                    loader
                        .diagnostics
                        .push(diagnostic.primary(path.span, "this env file").secondary_in(
                            file,
                            problem.span,
                            problem.message.clone(),
                        ));
                }
                loader.inputs.env_files.push(LoadedEnvFile {
                    path: path.value.clone(),
                    file,
                    vars,
                });
            }
        }
        for mount in &service.mounts {
            // `~` is the home of whoever runs compose, and an absolute path
            // is on the machine that runs the stack: neither is this one's.
            if let MountSource::Host(path) = &mount.source {
                if !path.value.starts_with(['~', '/']) {
                    loader.host_path(path, mount);
                }
            }
        }
    }
    // After every build is read: `image of` may name a later service.
    // Each image's layout is worked out once, for all that run it.
    let mut layouts: HashMap<&str, Option<std::rc::Rc<ImageLayout>>> = HashMap::new();
    for service in &stack.services {
        let Some(builder) = stack.builder_of(service) else {
            continue;
        };
        let image = layouts
            .entry(builder.name.value.as_str())
            .or_insert_with(|| loader.image_layout(builder).map(std::rc::Rc::new));
        let Some(image) = image.clone() else {
            continue;
        };
        let layout = match &service.workdir {
            Some(workdir) => std::borrow::Cow::Owned(ImageLayout {
                working_dir: Some(workdir.value.clone()),
                ..ImageLayout::clone(&image)
            }),
            None => std::borrow::Cow::Borrowed(&*image),
        };
        if !service.after.is_empty() {
            loader.start_script(service, &layout);
        }
        loader.package_json(service, &layout);
    }
    for secret in &stack.secrets {
        if let SecretSource::File(path) = &secret.source {
            loader.deploy_file(path, Absence::SecretFile);
            loader.secret_file(&secret.name.value, path);
        }
    }
    loader.inputs.real_paths = real_paths(stack, files);
    (loader.inputs, loader.diagnostics)
}

/// The host paths the spec hands to compose (build folders, bind-mount
/// sources, secret files), each once, with where they really are: compose
/// and the builder follow the links on their way.
fn real_paths(stack: &Stack, files: &dyn Files) -> Vec<(String, String)> {
    let builds = stack.services.iter().filter_map(|s| Some(&s.build()?.context.value));
    let mounts = stack
        .services
        .iter()
        .flat_map(|s| &s.mounts)
        .filter_map(|m| match &m.source {
            MountSource::Host(path) => Some(&path.value),
            _ => None,
        });
    let secrets = stack.secrets.iter().filter_map(|s| match &s.source {
        SecretSource::File(path) => Some(&path.value),
        _ => None,
    });
    let mut seen = std::collections::HashSet::new();
    let mut real_paths = Vec::new();
    for path in builds.chain(mounts).chain(secrets) {
        if path.starts_with('~') || !seen.insert(path) {
            continue;
        }
        if let Some(real) = files
            .real_path(Path::new(path))
            .and_then(|p| p.to_str().map(str::to_string))
        {
            real_paths.push((path.clone(), real));
        }
    }
    real_paths
}

/// Where the files of a build folder are in its image, and what the image
/// starts (see [`Loader::image_layout`]).
#[derive(Clone)]
struct ImageLayout {
    /// The build folder, as the spec writes it.
    context: PathBuf,
    entrypoint: Option<Vec<String>>,
    cmd: Option<Vec<String>>,
    copies: Vec<Copied>,
    working_dir: Option<String>,
}

/// What an app's folder holds that a web server must never hand out: its
/// settings and keys, its history (with every secret ever committed).
const PRIVATE_IN_FOLDERS: [&str; 2] = [".env", ".git"];

/// The largest start script read for its waits: a script, not a program.
const MAX_SCRIPT_BYTES: usize = 256 << 10;

/// The largest secret file read for its contents: a password, not a key.
const MAX_SECRET_BYTES: usize = 4096;

/// The largest file of a build folder read to tell whether it holds a
/// secret: an env file or a key, not data.
const MAX_LOOSE_BYTES: usize = 64 << 10;

/// Whether a build folder's file of this name may be a private key by
/// another name (`deploy_key`, `key.txt`, `gcp-sa.json`, `keys.yml`),
/// read for a `PRIVATE KEY` header: no extension, or one data and key
/// files have; never source code.
fn worth_sniffing(name: &str) -> bool {
    const DATA: [&str; 14] = [
        "txt", "key", "pem", "json", "yml", "yaml", "conf", "cfg", "ini", "p8", "ppk", "asc", "priv", "keys",
    ];
    match name.rsplit_once('.') {
        None => true,
        Some(("", _)) => !name.starts_with(".git"),
        Some((_, extension)) => DATA.contains(&extension.to_ascii_lowercase().as_str()),
    }
}

/// A file of a login stored in a project by mistake: Docker's registry
/// logins (`.docker/config.json`), Terraform's state (passwords of what
/// it made).
fn is_credential_store_file(path: &str) -> bool {
    path.ends_with(".tfstate")
        || path.ends_with(".tfstate.backup")
        || path == ".docker/config.json"
        || path.ends_with("/.docker/config.json")
}

/// How deep below a build folder, and in how many of its folders, files
/// named like secrets are looked for.
const MAX_LOOSE_DEPTH: usize = 3;
const MAX_LOOSE_FOLDERS: usize = 64;

/// Folders of a build folder that hold dependencies, history or caches,
/// not files the app's team put there.
const NOT_THE_APPS: &[&str] = &[
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    "vendor",
    "target",
];

struct Loader<'a> {
    files: &'a dyn Files,
    inputs: Inputs,
    diagnostics: Vec<Diagnostic>,
    /// The files read so far, by path: many services may name one file
    /// (a shared env file, one build folder's requirements).
    read: HashMap<PathBuf, FileId>,
    /// The files named like secrets of each build folder walked so far:
    /// services built from one folder share its walk.
    loose: HashMap<PathBuf, Vec<(String, FileId)>>,
    /// The requirements files followed so far, by build folder and name:
    /// services built from one folder install the same files.
    closures: HashMap<(PathBuf, String), ReadClosure>,
}

/// A requirements file as [`Loader::read_closure`] followed it once.
#[derive(Default)]
struct ReadClosure {
    /// Why pip cannot read the file named (then nothing else is read).
    root_error: Option<String>,
    /// The files pip reads, in its order: their paths in the build
    /// folder, and their sources.
    files: Vec<(String, FileId)>,
    /// What pip makes of their lines, by index in `files`.
    problems: Vec<(usize, super::problem::Problem)>,
}

impl Loader<'_> {
    fn build(&mut self, service: &str, build: &Build) {
        let context = Path::new(&build.context.value);
        if !self.files.is_folder(context) {
            // A token in the path (a git URL's password) is never printed.
            let written = crate::lint::secrets::hidden(&build.context.value);
            let shown = self.files.display(context);
            let mut finding = Diagnostic::error("missing-file", format!("the build folder `{written}` is not there"))
                .primary(
                    build.context.span,
                    format!("no folder {}", crate::lint::secrets::hidden(&shown)),
                )
                .help("paths in a spec are relative to the spec's folder; put the app's source there, or fix the path");
            if written != build.context.value {
                finding = finding.secret(build.context.span);
            }
            self.diagnostics.push(finding);
            return;
        }
        for name in CONVENTIONAL_FILES {
            if self.files.exists(&context.join(name)) {
                self.inputs.context_files.push((build.context.value.clone(), name));
            }
        }
        match &build.recipe {
            Recipe::Python(python) => self.python_build(service, &build.context, python),
            Recipe::Dockerfile(own) => {
                let path = context.join(&own.file.value);
                if let Some(file) = self.read(&own.file, &path, "Dockerfile") {
                    let mut image = self.own_image(service, own, file);
                    image.ignore = self.own_ignore_file(&build.context, &path);
                    image.loose = self.loose_secret_files(context);
                    self.inputs.images.push(image);
                }
            }
        }
    }

    /// The files a Python build installs from and lays out by: the
    /// dependency files, manage.py when the spec names it, and the app's
    /// own `.dockerignore`, which is optional.
    fn python_build(&mut self, service: &str, folder: &Spanned<String>, python: &PythonBuild) {
        let context = Path::new(&folder.value);
        match &python.dependencies {
            Dependencies::Pip(file) => self.requirements(service, context, file),
            locked => {
                let read = (locked.files().iter())
                    .filter_map(|file| {
                        Some((
                            file.value.clone(),
                            self.read(file, &context.join(&file.value), "project file")?,
                        ))
                    })
                    .collect();
                self.inputs.requirements.push((service.to_string(), read));
            }
        }
        // A path out of the build folder is lowering's error already.
        let manage = python
            .manage
            .as_ref()
            .filter(|m| !m.value.starts_with('/') && !m.value.contains(".."));
        if let Some(manage) = manage {
            if !self.files.exists(&context.join(&manage.value)) {
                let shown = self.files.display(&context.join(&manage.value));
                self.diagnostics.push(
                    Diagnostic::error("missing-file", format!("the manage.py `{}` is not there", manage.value))
                        .primary(manage.span, format!("no file {shown}"))
                        .help("`manage` is relative to the build folder; fix the path"),
                );
            }
        }
        let loose = self.loose_secret_files(context);
        self.inputs.python_loose.push((service.to_string(), loose));
        let ignore = context.join(".dockerignore");
        if self.files.exists(&ignore) {
            let named = Spanned::new(".dockerignore".to_string(), folder.span);
            if let Some(file) = self.read(&named, &ignore, CARRIED_IGNORE) {
                self.inputs.dockerignores.push((service.to_string(), file));
            }
        }
    }

    /// A build stackc writes the Dockerfile of, whose requirements file is
    /// missing, from a folder with a Dockerfile of its own: the app was
    /// meant to be built by that one (a Node or Go app), which `file`
    /// says. The missing file's finding gets that as its help.
    fn hint_own_dockerfile(&mut self, context: &Path) {
        if !self.files.exists(&context.join("Dockerfile")) {
            return;
        }
        if let Some(finding) = self.diagnostics.last_mut().filter(|d| d.code == "missing-file") {
            finding.help = Some(
                "the build folder has a Dockerfile of its own: to build with it, write `file Dockerfile` in the `build` block; without `file`, stackc writes a Python image's Dockerfile, which installs the requirements file".into(),
            );
        }
    }

    /// A requirements file and every file it includes (`-r`, `-c`), read
    /// as pip reads them. A problem pip would stop on is an error on the
    /// spec's `requirements` line, pointing at the line of the file.
    fn requirements(&mut self, service: &str, context: &Path, named: &Spanned<String>) {
        let Some(root) = self.read(named, &context.join(&named.value), "requirements file") else {
            self.hint_own_dockerfile(context);
            return;
        };
        let key = (context.to_path_buf(), named.value.clone());
        let read = match self.closures.remove(&key) {
            Some(read) => read,
            None => self.read_closure(context, &named.value, root),
        };
        self.report_closure(service, named, &read);
        self.closures.insert(key, read);
    }

    /// What pip would make of the files `read` (the closure of `named`),
    /// on `service`'s own `requirements` line, and the files it installs.
    fn report_closure(&mut self, service: &str, named: &Spanned<String>, read: &ReadClosure) {
        if let Some(why) = &read.root_error {
            self.diagnostics.push(
                Diagnostic::error(
                    "requirements-file",
                    format!("pip cannot read `{}` in the image", named.value),
                )
                .primary(named.span, why.clone())
                .help("name a file inside the build folder, relative to it"),
            );
            return;
        }
        for (index, problem) in &read.problems {
            let (path, id) = &read.files[*index];
            let message = match problem.severity {
                Severity::Error => format!("pip would stop on `{path}`"),
                _ => format!("pip does not read `{path}` as it is written"),
            };
            let diagnostic = Diagnostic::new("requirements-file", problem.severity, message)
                .primary(named.span, "pip installs this file and every file it includes")
                .secondary_in(*id, problem.span, problem.message.clone())
                .help("fix the line; stackc copies every file the requirements include (which must be in the build folder) before `pip install`");
            self.diagnostics.push(diagnostic);
        }
        self.inputs.requirements.push((service.to_string(), read.files.clone()));
    }

    /// Follows the includes of the requirements file `root` (read as
    /// `named` in `context`), keeping the files it includes as sources.
    fn read_closure(&mut self, context: &Path, named: &str, root: FileId) -> ReadClosure {
        let root_text = self.inputs.source(root).text.clone();
        let files = self.files;
        let mut first = Some(root_text);
        let closure = requirements::closure(named, |path| match first.take() {
            Some(text) => Ok(text),
            None => files.read(&context.join(path)),
        });
        let mut read = ReadClosure {
            root_error: closure.root_error,
            ..ReadClosure::default()
        };
        if read.root_error.is_some() {
            return read;
        }
        for (index, file) in closure.files.into_iter().enumerate() {
            let id = match index {
                0 => root,
                _ => {
                    let id = FileId(self.inputs.sources.len() as u32);
                    let shown = self.files.display(&context.join(&file.path));
                    self.inputs.sources.push(SourceFile::new(shown, file.text));
                    id
                }
            };
            read.problems
                .extend(file.parsed.problems.into_iter().map(|problem| (index, problem)));
            read.files.push((file.path, id));
        }
        read
    }

    /// The Gunicorn config file a service runs with, read for the settings
    /// it sets: the one its statement names (in the build folder of the
    /// image it runs), else, in an image stackc writes, the
    /// `gunicorn.conf.py` Gunicorn finds by itself where it starts (the
    /// image's working directory: manage.py's folder).
    fn gunicorn_conf(&mut self, stack: &Stack, service: &Service) {
        let Some(server) = service.app_server().filter(|s| s.kind == AppServerKind::Gunicorn) else {
            return;
        };
        let Some(build) = stack.builder_of(service).and_then(Service::build) else {
            return;
        };
        let context = Path::new(&build.context.value);
        let (named, path) = match (&server.config, build.python()) {
            (Some(config), _) => (config.clone(), context.join(&config.value)),
            (None, Some(python)) => {
                let path = context.join(python.manage_folder()).join("gunicorn.conf.py");
                if !self.files.exists(&path) {
                    return;
                }
                (Spanned::new("gunicorn.conf.py".to_string(), server.span), path)
            }
            (None, None) => return,
        };
        if let Some(file) = self.read(&named, &path, "Gunicorn config file") {
            let conf = gunicorn_conf::parse(&self.inputs.source(file).text);
            self.inputs
                .gunicorn_confs
                .push((service.name.value.clone(), file, conf));
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
            ignore: None,
            loose: Vec::new(),
        }
    }

    /// Where the files of the build folder are in the image `builder`
    /// builds, and what it starts: from the app's own Dockerfile (when it
    /// was read) or stackc's Python image. The working folder is the
    /// image's; a service's `workdir` overrides it.
    fn image_layout(&self, builder: &Service) -> Option<ImageLayout> {
        let build = builder.build()?;
        let image = self.inputs.image(&builder.name.value);
        let facts = image.and_then(OwnImage::facts);
        let shell = facts.map(dockerfile::StageFacts::shell_words).unwrap_or_default();
        let (copies, working_dir) = match (build.python(), facts) {
            (Some(python), _) => (
                vec![Copied::everything_at(&python.workdir.value)],
                Some(python.run_dir()),
            ),
            (None, Some(facts)) => (
                Copied::from_dockerfile(&facts.copies),
                facts.working_dir().map(str::to_string),
            ),
            (None, None) => (Vec::new(), None),
        };
        Some(ImageLayout {
            context: PathBuf::from(&build.context.value),
            entrypoint: facts.and_then(|f| Some(f.entrypoint.as_ref()?.argv(&shell))),
            cmd: facts.and_then(|f| Some(f.cmd.as_ref()?.argv(&shell))),
            copies,
            working_dir,
        })
    }

    /// The file of the build folder the image has at one of `image_paths`.
    fn context_file(&self, layout: &ImageLayout, image_paths: &[String]) -> Option<PathBuf> {
        let files = self.files;
        let is_folder = |source: &str| files.is_folder(&layout.context.join(source));
        image_paths
            .iter()
            .flat_map(|path| start_script::sources_of(path, &layout.copies, &is_folder))
            .map(|source| layout.context.join(source))
            .find(|path| files.exists(path) && !files.is_folder(path))
    }

    /// The script `service`'s containers start through, when it is a file
    /// of the build folder of the image they run: read quietly (a program
    /// that is no script, or a path stackc maps wrongly, is no error).
    /// Kept only when the command is an entrypoint (which stackc cannot
    /// otherwise see into) or a file of the build folder.
    fn start_script(&mut self, service: &Service, layout: &ImageLayout) {
        let (argv, via) = match (&service.entrypoint, &layout.entrypoint, &service.command) {
            (Some(entrypoint), _, _) => (&entrypoint.words, Via::Entrypoint),
            (None, Some(entrypoint), _) => (entrypoint, Via::Entrypoint),
            (None, None, Some(command)) => (&command.words, Via::Command),
            (None, None, None) => match &layout.cmd {
                Some(cmd) => (cmd, Via::Command),
                None => return,
            },
        };
        let Some(program) = start_script::program(argv) else {
            return;
        };
        let paths = start_script::image_paths(program, layout.working_dir.as_deref());
        let found = match self.context_file(layout, &paths) {
            Some(path) => self.script(&path),
            None if via == Via::Entrypoint => Found::Unread("not a file stackc finds in the build folder".into()),
            None => return,
        };
        self.inputs.start_scripts.push(StartScript {
            service: service.name.value.clone(),
            program: program.to_string(),
            via,
            found,
        });
    }

    /// The `package.json` in the working folder of a service whose command
    /// (the spec's, or its image's CMD) runs one of its scripts (`npm
    /// start`), read quietly: without it, rules judge by the script's name.
    fn package_json(&mut self, service: &Service, layout: &ImageLayout) {
        let argv = match (&service.command, &layout.cmd) {
            (Some(command), _) => &command.words,
            (None, Some(cmd)) if service.entrypoint.is_none() => cmd,
            _ => return,
        };
        let runs_script = shell::programs_of(argv)
            .iter()
            .any(|p| package_json::script_run(p).is_some());
        let Some(working_dir) = layout.working_dir.as_deref().filter(|_| runs_script) else {
            return;
        };
        let paths = start_script::image_paths("./package.json", Some(working_dir));
        let Some(path) = self.context_file(layout, &paths) else {
            return;
        };
        let id = match self.read.get(&path) {
            Some(&id) => id,
            None => match self.files.read(&path) {
                Ok(text) => {
                    let id = FileId(self.inputs.sources.len() as u32);
                    self.inputs
                        .sources
                        .push(SourceFile::new(self.files.display(&path), text));
                    self.read.insert(path, id);
                    id
                }
                Err(_) => return,
            },
        };
        if let Some(scripts) = package_json::scripts(&self.inputs.source(id).text) {
            self.inputs.package_jsons.push(PackageJson {
                service: service.name.value.clone(),
                file: id,
                scripts,
            });
        }
    }

    /// A start script's text and waits, or why it is none.
    fn script(&mut self, path: &Path) -> Found {
        let id = match self.read.get(path) {
            Some(&id) => id,
            None => match self.files.read(path) {
                Ok(text) if text.len() > MAX_SCRIPT_BYTES => {
                    return Found::Unread(format!("larger than {} KiB", MAX_SCRIPT_BYTES >> 10))
                }
                Ok(text) => {
                    let id = FileId(self.inputs.sources.len() as u32);
                    self.inputs
                        .sources
                        .push(SourceFile::new(self.files.display(path), text));
                    self.read.insert(path.to_path_buf(), id);
                    id
                }
                Err(ReadError::NotUtf8 { .. }) => return Found::Unread("a program, not a script".into()),
                Err(error) => return Found::Unread(error.to_string()),
            },
        };
        let waits = waits::waits(&self.inputs.source(id).text);
        Found::Read { file: id, waits }
    }

    /// The ignore file BuildKit reads for a build by the app's own
    /// Dockerfile: `Dockerfile.dockerignore` beside the Dockerfile wins
    /// over the build folder's `.dockerignore`.
    fn own_ignore_file(&mut self, folder: &Spanned<String>, dockerfile: &Path) -> Option<FileId> {
        let mut beside = dockerfile.as_os_str().to_owned();
        beside.push(".dockerignore");
        let candidates = [PathBuf::from(beside), Path::new(&folder.value).join(".dockerignore")];
        let path = candidates.into_iter().find(|p| self.files.exists(p))?;
        let named = Spanned::new(path.display().to_string(), folder.span);
        self.read(&named, &path, ".dockerignore")
    }

    /// The files of a build folder that are named like secrets and small
    /// enough to be one (`.env`, `deploy/.env.production`, `.ssh/id_rsa`),
    /// read for what a rule can tell in them. The folder is walked a few
    /// levels deep, past the folders that hold dependencies or history
    /// rather than the app's own files, and at most [`MAX_LOOSE_FOLDERS`]
    /// of them: a huge tree costs no more than a small one.
    fn loose_secret_files(&mut self, context: &Path) -> Vec<(String, FileId)> {
        if let Some(walked) = self.loose.get(context) {
            return walked.clone();
        }
        let loose = self.walk_for_loose_secret_files(context);
        self.loose.insert(context.to_path_buf(), loose.clone());
        loose
    }

    /// [`Self::loose_secret_files`]' walk of a folder, done once per folder.
    fn walk_for_loose_secret_files(&mut self, context: &Path) -> Vec<(String, FileId)> {
        let mut loose = Vec::new();
        let mut folders = std::collections::VecDeque::from([(String::new(), 0)]);
        let mut visited = 0;
        while let Some((folder, depth)) = folders.pop_front() {
            visited += 1;
            if visited > MAX_LOOSE_FOLDERS {
                break;
            }
            for name in self.files.entries(&context.join(&folder)) {
                let inside = if folder.is_empty() {
                    name.clone()
                } else {
                    format!("{folder}/{name}")
                };
                let path = context.join(&inside);
                if self.files.is_folder(&path) {
                    if depth < MAX_LOOSE_DEPTH && !NOT_THE_APPS.contains(&name.as_str()) {
                        folders.push_back((inside, depth + 1));
                    }
                    continue;
                }
                let named = dockerignore::holds_secrets(&inside)
                    || dockerignore::may_hold_credentials(&inside)
                    || is_credential_store_file(&inside);
                if !named && !worth_sniffing(&name) {
                    continue;
                }
                let Ok(text) = self.files.read_at_most(&path, MAX_LOOSE_BYTES as u64) else {
                    continue;
                };
                // A file of any other name is kept only for a private key
                // in it (`deploy_key`, `keys.yml`).
                if !named && !text.contains("PRIVATE KEY-----") {
                    continue;
                }
                if text.len() <= MAX_LOOSE_BYTES {
                    let id = FileId(self.inputs.sources.len() as u32);
                    self.inputs
                        .sources
                        .push(SourceFile::new(self.files.display(&path), text).holding_secrets());
                    loose.push((inside, id));
                }
            }
        }
        loose
    }

    /// A small secret file that is there, read so a rule can tell a
    /// well-known password in it; one that is not is `deploy_file`'s.
    fn secret_file(&mut self, name: &str, path: &Spanned<String>) {
        let at = Path::new(&path.value);
        if !self.files.exists(at) || self.files.is_folder(at) {
            return;
        }
        if let Ok(text) = self.files.read(at) {
            if text.len() <= MAX_SECRET_BYTES {
                let id = FileId(self.inputs.sources.len() as u32);
                let file = SourceFile::new(self.files.display(at), text).holding_secrets();
                self.inputs.sources.push(file);
                self.inputs.secret_files.push((name.to_string(), id));
            }
        }
    }

    /// A bind mount's source. A folder the container writes compose makes
    /// (the output asks it to), so its absence is only worth saying when
    /// a close name beside it is the folder the spec meant; one it only
    /// reads would stay empty, so is looked for as a file is.
    /// What is there is noted, so that whether the mount binds a folder
    /// is the file system's answer, not its name's (see
    /// [`Inputs::binds_folder`]).
    fn host_path(&mut self, path: &Spanned<String>, mount: &Mount) {
        let at = Path::new(&path.value);
        if self.files.exists(at) {
            let is_folder = self.files.is_folder(at);
            self.inputs.host_folders.insert(path.value.clone(), is_folder);
            let private: Vec<&'static str> = PRIVATE_IN_FOLDERS
                .into_iter()
                .filter(|name| is_folder && self.files.exists(&at.join(name)))
                .collect();
            if !private.is_empty() {
                self.inputs.private_in_folders.insert(path.value.clone(), private);
            }
            return;
        }
        let before = self.inputs.absent.len();
        self.deploy_file(path, Absence::HostPath);
        let made_by_compose = self.inputs.binds_folder(mount) && !mount.read_only;
        if made_by_compose && self.inputs.absent.get(before).is_some_and(|a| a.close.is_none()) {
            self.inputs.absent.truncate(before);
        }
    }

    /// A file the stack needs where it runs, which is often put there at
    /// deploy time: a secret file, a bind mount's source that compose
    /// does not make. Never read, only looked for; the lint rules
    /// `missing-secret-file` and `missing-host-path` report it, so a team
    /// that keeps them off its laptops can say so.
    fn deploy_file(&mut self, path: &Spanned<String>, kind: Absence) {
        let at = Path::new(&path.value);
        if !self.files.exists(at) {
            let mut shown = self.files.display(at);
            if let Some(real) = self.files.real_path(at) {
                shown = format!("{shown}, a link to `{}`", real.display());
            }
            self.inputs.absent.push(Absent {
                kind,
                path: path.clone(),
                shown,
                close: self.close_name(at),
            });
        }
    }

    /// A name beside a missing path's that is close to its own: the path
    /// the spec meant (`db_pasword.txt` for `db_password.txt`).
    fn close_name(&self, missing: &Path) -> Option<String> {
        let name = missing.file_name()?.to_str()?;
        let folder = missing.parent().unwrap_or(Path::new(""));
        let names = self.files.entries(folder);
        // Its own name is listed when it is a link that leads nowhere.
        let others = names.iter().map(String::as_str).filter(|other| *other != name);
        let close = crate::suggest::closest(name, others)?;
        Some(folder.join(close).to_string_lossy().into_owned())
    }

    /// Reads a file the spec names at `named`, or reports why it cannot.
    /// `what` names the file for the message; the build or `up` fails
    /// without it, so a missing one is an error.
    fn read(&mut self, named: &Spanned<String>, path: &Path, what: &str) -> Option<FileId> {
        self.read_or_missing(named, path, what, false)
    }

    /// [`Self::read`], where a file that is not there is no finding when
    /// `missing_ok` (an optional env file). Only the read tells: a path
    /// outside the project is not looked at to learn whether it is there.
    fn read_or_missing(
        &mut self,
        named: &Spanned<String>,
        path: &Path,
        what: &str,
        missing_ok: bool,
    ) -> Option<FileId> {
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
            Err(ReadError::Missing) if missing_ok => None,
            Err(error) => {
                self.diagnostics.push(unreadable(named, &shown, &error, what));
                None
            }
        }
    }
}

/// The files of a build folder that tell what goes into its image.
const BUILD_FILES: [&str; 5] = [
    "Dockerfile",
    "requirements file",
    "project file",
    ".dockerignore",
    "Gunicorn config file",
];

/// What the `.dockerignore` of a build stackc writes the Dockerfile of
/// is read as: the ignore file stackc writes replaces it, so its patterns
/// must be carried over.
const CARRIED_IGNORE: &str = "build folder's .dockerignore";

const OUTSIDE_HELP: &str = "stackc reads the project's own files only: its repository, or the spec's folder outside \
     one. Run `git init` in the folder that holds both the spec and the app (or move the spec up to it); until then, \
     what goes into this image (a secret file, a root user) is not checked";

fn unreadable(named: &Spanned<String>, shown: &str, error: &ReadError, what: &str) -> Diagnostic {
    // An absolute path that is not there names a file of the machine the
    // stack runs on (getredash/setup's `/opt/redash/env`, which its setup
    // script writes there), as one outside the project does.
    let the_machines = what == "env file" && matches!(error, ReadError::Missing) && named.value.starts_with('/');
    // Without its patterns, what it keeps out would go into the image.
    if matches!(error, ReadError::OutsideProject) && what == CARRIED_IGNORE {
        return Diagnostic::error(
            "dockerignore-outside-project",
            "the build folder's .dockerignore is outside the project: stackc cannot carry its patterns over",
        )
        .primary(named.span, format!("{shown}: {error}"))
        .help(OUTSIDE_HELP);
    }
    if matches!(error, ReadError::OutsideProject) && BUILD_FILES.contains(&what) {
        return Diagnostic::warning(
            "build-outside-project",
            format!("the {what} `{shown}` is outside the project: the image is not checked"),
        )
        .primary(named.span, format!("{shown}: {error}"))
        .help(OUTSIDE_HELP);
    }
    if matches!(error, ReadError::OutsideProject) || the_machines {
        return Diagnostic::new(
            "file-outside-project",
            Severity::Info,
            format!("the {what} `{}` is outside the project: not read", named.value),
        )
        .primary(named.span, format!("{shown}: {error}"))
        .help("stackc checks the project's files only; a file of the machine the stack runs on is for that machine to provide");
    }
    let state = match error {
        ReadError::Missing => "is not there",
        _ => "cannot be read",
    };
    let help = match error {
        // The file is there: its path is right, its contents are not text.
        ReadError::NotUtf8 { .. } => "save the file as UTF-8 text: stackc reads the files a spec names as UTF-8",
        _ => "paths in a spec are relative to the spec's folder (a build's files to its build folder); fix the path, or create the file",
    };
    Diagnostic::error("missing-file", format!("the {what} `{}` {state}", named.value))
        .primary(named.span, format!("{shown}: {error}"))
        .help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder, a file and nothing, each asked twice (the second answer
    /// from the first): as `Path::is_dir` and `Path::exists` answer.
    #[test]
    fn disk_tells_folders_files_and_nothing_apart() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("app")).unwrap();
        std::fs::write(dir.path().join("app/requirements.txt"), "django\n").unwrap();
        let disk = Disk::new(dir.path(), "specs");
        for _ in 0..2 {
            assert!(disk.is_folder(Path::new("app")) && disk.exists(Path::new("app")));
            let file = Path::new("app/requirements.txt");
            assert!(!disk.is_folder(file) && disk.exists(file));
            let missing = Path::new("app/gunicorn.conf.py");
            assert!(!disk.is_folder(missing) && !disk.exists(missing));
        }
    }

    /// A file is the project's when its real place is, whatever leads
    /// there: a link to a folder, a link to a file, `..`, or none.
    #[test]
    fn disk_reads_only_what_really_is_in_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let (home, project) = (dir.path().join("home"), dir.path().join("repo"));
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::write(home.join(".aws/credentials"), "key\n").unwrap();
        std::fs::create_dir_all(project.join(".git")).unwrap();
        std::fs::create_dir_all(project.join("app")).unwrap();
        std::fs::write(project.join("app/app.env"), "A=1\n").unwrap();
        std::os::unix::fs::symlink(&home, project.join("away")).unwrap();
        std::os::unix::fs::symlink(project.join("app"), project.join("here")).unwrap();
        std::os::unix::fs::symlink(home.join(".aws/credentials"), project.join("app/creds")).unwrap();
        let disk = Disk::new(&project, ".");
        for _ in 0..2 {
            for outside in ["away/.aws/credentials", "app/creds", "app/../../home/.aws/credentials"] {
                let read = disk.read(Path::new(outside));
                assert!(matches!(read, Err(ReadError::OutsideProject)), "{outside}");
            }
            // A folder that is a link out of the project is not listed,
            // however its path ends (a build folder is listed as `away/`).
            for outside in ["away", "away/", "away/.", "./away/", "app/../away/"] {
                assert_eq!(disk.entries(Path::new(outside)), Vec::<String>::new(), "{outside}");
            }
            assert_eq!(disk.entries(Path::new("here/")), ["app.env", "creds"]);
            for inside in ["app/app.env", "here/app.env", "app/../app/app.env", "./app/app.env"] {
                assert_eq!(disk.read(Path::new(inside)).ok().as_deref(), Some("A=1\n"), "{inside}");
            }
            assert!(matches!(disk.read(Path::new("app/none.env")), Err(ReadError::Missing)));
        }
    }

    /// Services `a` and `b`, both built from `./app`, which holds `files`
    /// (name, text): the stack and what loading it read and found.
    fn two_builds_of_one_folder(files: &[(&str, &str)]) -> (Stack, Inputs, Vec<Diagnostic>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("app")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join("app").join(name), text).unwrap();
        }
        let spec = "stack s\nservice a {\n    build ./app\n}\nservice b {\n    build ./app\n}\n";
        let (stack, _) = crate::syntax::parse(&SourceFile::new("stack.spec", spec));
        let stack = stack.unwrap();
        let (inputs, diagnostics) = load(&stack, &Disk::new(dir.path(), "."));
        (stack, inputs, diagnostics)
    }

    /// Services built from one folder share its walk: its secret-named
    /// files are read once, and each service finds the same ones.
    #[test]
    fn a_build_folder_is_walked_once_whoever_builds_from_it() {
        let (_, inputs, _) = two_builds_of_one_folder(&[("requirements.txt", "django\n"), (".env", "SECRET_KEY=x\n")]);
        let (a, b) = (inputs.python_loose_of("a"), inputs.python_loose_of("b"));
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a, b);
        let env_files = inputs.sources.iter().filter(|s| s.name.ends_with(".env")).count();
        assert_eq!(env_files, 1);
    }

    /// Services built from one folder share its requirements files, read
    /// and followed once; each service still hears of their problems on
    /// its own `requirements` line.
    #[test]
    fn a_requirements_file_is_followed_once_and_reported_per_service() {
        let (stack, inputs, diagnostics) = two_builds_of_one_folder(&[
            ("requirements.txt", "-r base.txt\ndjango\n"),
            ("base.txt", "gunicorn==\n"),
        ]);
        let included = |name: &str| inputs.sources.iter().filter(|s| s.name.ends_with(name)).count();
        assert_eq!((included("requirements.txt"), included("base.txt")), (1, 1));
        assert_eq!(inputs.requirements_of("a"), inputs.requirements_of("b"));
        assert_eq!(inputs.requirements_of("a").map(<[_]>::len), Some(2));
        let found: Vec<_> = (diagnostics.iter())
            .filter(|d| d.code == "requirements-file")
            .map(|d| d.labels[0].span)
            .collect();
        let lines: Vec<_> = (stack.services.iter())
            .map(|s| {
                s.build()
                    .and_then(Build::python)
                    .and_then(PythonBuild::requirements)
                    .unwrap()
                    .span
            })
            .collect();
        assert_eq!(found, lines, "{diagnostics:?}");
        assert_ne!(lines[0], lines[1]);
    }
}
