//! One Dockerfile per image stackc builds: the app's (Python, its
//! packages, an app server) and the proxy's (nginx plus the generated
//! nginx.conf).
//!
//! The app's image: the official Debian-based Python image; Debian
//! packages, the unprivileged user and the folders it writes in one layer;
//! the Python packages before the source (pip, uv or Poetry, with BuildKit
//! cache mounts), so a code change reuses the installed layer; with
//! `build_packages`, a build stage that installs them into a virtual
//! environment with the compilers, of which only the environment reaches
//! the image; then the source, collectstatic as the app's user, the
//! command.
//!
//! Escaping: every user value lands in a JSON (exec-form) array, written by
//! [`json_array`], so no shell ever reads it; words of the one shell line
//! go through [`shell_word`]. `COPY` also expands `$VAR` and globs, which
//! JSON does not stop, so [`copy_source`] refuses those characters instead,
//! and `WORKDIR`, which takes the rest of its line, gets plain paths only
//! ([`plain_path`]).

use std::fmt::Write as _;

use super::source_map::{self, SourceMap, Text, Tracking};
use super::{header, Layout, Problems};
use crate::ir::{AptPackage, Dependencies, DockerfilePlace, ImageSource, PythonBuild, Service, Stack};
use crate::source::{Span, Spanned};

/// Where the build stage puts the Python packages, for the image to copy.
const VENV: &str = "/opt/venv";

/// The Python of the official images, named in full where a virtual
/// environment on `PATH` would otherwise answer to `python`.
const SYSTEM_PYTHON: &str = "/usr/local/bin/python";

/// uv's distroless image, which holds the `uv` binary the build mounts.
const UV_IMAGE: &str = "ghcr.io/astral-sh/uv";

/// The app's Dockerfile; its lines come from the `build` block's header
/// unless a statement of the block wrote them.
pub(super) fn app(
    stack: &Stack,
    service: &Service,
    build: &PythonBuild,
    layout: &Layout,
    problems: &mut Problems,
    tracking: Tracking,
) -> (String, Option<SourceMap>) {
    let block = service
        .build()
        .map_or(service.span, |b| source_map::header(b.span, b.context.span));
    let image = Image::new(stack, service, build, problems);
    let mut out = Text::new(tracking, block);
    let _ = writeln!(out, "# {}", header(layout));
    if image.staged() {
        image.build_stage(&mut out);
        out.set_origin(block);
        out.push_str("\n# The image: the installed packages, without what built them.\n");
    }
    image.final_stage(&mut out, stack, service, block);
    out.finish()
}

/// What [`app`] would report, without writing the Dockerfile: every value
/// is escaped, and checked, in [`Image::new`], before a line is written.
pub(super) fn check(stack: &Stack, service: &Service, build: &PythonBuild, problems: &mut Problems) {
    Image::new(stack, service, build, problems);
}

/// The escaped values of one app image, and the pieces of its Dockerfile.
struct Image<'a> {
    build: &'a PythonBuild,
    workdir: String,
    run_dir: String,
    uid: u32,
    /// `None` for root, which the image already has.
    user_name: Option<String>,
    /// The folders the app's user must own, shell words.
    writable: Vec<String>,
    /// `NAME=VERSION` words for apt-get: the image's, the build stage's.
    packages: Vec<String>,
    build_packages: Vec<String>,
    /// The files the install reads, grouped by their folder in the build
    /// folder (`""` for its top), each group copied at once.
    install_files: Vec<(String, Vec<String>)>,
    /// The requirements file pip is given, when pip installs.
    requirements: Option<String>,
}

impl<'a> Image<'a> {
    fn new(stack: &Stack, service: &Service, build: &'a PythonBuild, problems: &mut Problems) -> Self {
        let uid = build.user.uid.value;
        // uid 0 is root, which the image has (the lint rule `runs-as-root` flags it).
        let user_name = (uid != 0)
            .then(|| problems.check(&build.user.name, unix_user_name(&build.user.name.value), "a Dockerfile"));
        let workdir = problems.check(&build.workdir, plain_path(&build.workdir.value), "a Dockerfile WORKDIR");
        let run_dir = Spanned::new(
            build.run_dir(),
            build.manage.as_ref().map_or(build.workdir.span, |m| m.span),
        );
        let run_dir = problems.check(&run_dir, plain_path(&run_dir.value), "a Dockerfile WORKDIR");
        // Folders the app writes: its volumes (a new named volume takes the
        // owner of the folder it is mounted on) and collectstatic's target.
        let writable = writable_folders(stack, service, build)
            .into_iter()
            .map(|folder| problems.check(folder, shell_word(&folder.value), "a Dockerfile RUN"))
            .collect();
        let install_files = install_files(stack, service, build, problems);
        let requirements = build
            .requirements()
            .map(|file| problems.check(file, copy_source(&file.value), "a Dockerfile COPY"));
        Image {
            build,
            workdir,
            run_dir,
            uid,
            user_name,
            writable,
            packages: apt_words(&build.packages, problems),
            build_packages: apt_words(&build.build_packages, problems),
            install_files,
            requirements,
        }
    }

    /// Whether the Python packages are built in a stage of their own:
    /// when they need Debian packages the image does not.
    fn staged(&self) -> bool {
        !self.build.build_packages.is_empty()
    }

    /// `FROM ... AS build`: the compilers and headers, a virtual
    /// environment, the Python packages installed into it.
    fn build_stage(&self, out: &mut Text) {
        out.push_str(
            "# The build stage: the Python packages built with compilers and headers the image does not get.\n",
        );
        out.set_origin(self.build.python.span);
        let _ = writeln!(out, "FROM {} AS build", self.base());
        self.environment(out, true);
        let mut commands = apt_install(&self.build_packages);
        // uv and Poetry make the environment themselves.
        if matches!(self.build.dependencies, Dependencies::Pip(_)) {
            commands.push(format!("{SYSTEM_PYTHON} -m venv {VENV}"));
        }
        if let Some(first) = self.build.build_packages.first() {
            out.set_origin(first.name.span);
        }
        out.push_str("\n# Compilers and headers, for this stage only.\n");
        run_commands(out, &commands);
        self.install(out);
    }

    /// The image itself: its packages (installed here, or copied from the
    /// build stage), the source, its user, collectstatic and the command.
    /// `block`: the `build` block's header, for the lines no statement wrote.
    fn final_stage(&self, out: &mut Text, stack: &Stack, service: &Service, block: Span) {
        out.set_origin(self.build.python.span);
        let _ = writeln!(out, "FROM {}", self.base());
        self.environment(out, !self.staged());
        self.os_layer(out);
        if self.staged() {
            out.set_origin(self.build.build_packages.first().map_or(block, |p| p.name.span));
            let _ = writeln!(out, "\nCOPY --from=build {VENV} {VENV}");
        } else {
            self.install(out);
        }
        out.set_origin(block);
        out.push_str("\nCOPY . .\n");
        if !self.staged() {
            self.install_project(out);
        }
        if self.run_dir != self.workdir {
            out.set_origin(self.build.manage.as_ref().map_or(self.build.workdir.span, |m| m.span));
            out.push_str("# Where manage.py is: Django's commands run there in every container of the image.\n");
            let _ = writeln!(out, "WORKDIR {}", self.run_dir);
        }
        self.raw_lines(
            out,
            DockerfilePlace::AfterSource,
            "\n# From the spec's `dockerfile` lines.\n",
        );
        out.set_origin(self.build.user.uid.span);
        let _ = writeln!(out, "\nUSER {0}:{0}", self.uid);
        if let Some(target) = &self.build.collectstatic {
            out.set_origin(target.span);
            let collect = json_array(["python", "manage.py", "collectstatic", "--noinput"]);
            let _ = writeln!(out, "RUN {collect}");
        }
        let server = service.app_server().map_or(block, |s| s.span);
        if let Some(port) = service.app_server().and_then(|_| stack.app_port(service)) {
            out.set_origin(server);
            let _ = writeln!(out, "EXPOSE {port}");
        }
        // After EXPOSE, so a raw `RUN` never follows collectstatic's (hadolint
        // DL3059 asks consecutive ones to be one).
        self.raw_lines(
            out,
            DockerfilePlace::AsUser,
            "# From the spec's `dockerfile as_user` lines.\n",
        );
        if let Some(command) = super::image_command(stack, service) {
            out.set_origin(service.command.as_ref().map_or(server, |c| c.span));
            let _ = writeln!(out, "CMD {}", json_array(command.iter().map(String::as_str)));
        }
    }

    /// The official image: the variant was checked in lowering.
    fn base(&self) -> String {
        format!("python:{}-{}", self.build.python.value, self.build.variant.value)
    }

    /// Whether the packages go into a virtual environment: uv and Poetry
    /// make one, and a build stage hands one over.
    fn uses_venv(&self) -> bool {
        !self.build.build_packages.is_empty() || !matches!(self.build.dependencies, Dependencies::Pip(_))
    }

    /// `ENV` and `WORKDIR` of a stage; `installs`: the stage runs the
    /// package manager, which gets its settings.
    fn environment(&self, out: &mut Text, installs: bool) {
        let venv = self.uses_venv();
        let mut env = vec![
            "PYTHONDONTWRITEBYTECODE=1".to_string(),
            "PYTHONUNBUFFERED=1".to_string(),
        ];
        if venv {
            env.push(format!("VIRTUAL_ENV={VENV}"));
            env.push(format!("PATH=\"{VENV}/bin:$PATH\""));
        }
        if installs && matches!(self.build.dependencies, Dependencies::Uv(_)) {
            // uv syncs into the environment on PATH, copies from its cache
            // mount (another file system), compiles bytecode as pip does,
            // and uses the image's Python, never one it downloads into
            // root's home.
            env.extend([
                format!("UV_PROJECT_ENVIRONMENT={VENV}"),
                "UV_LINK_MODE=copy".to_string(),
                "UV_COMPILE_BYTECODE=1".to_string(),
                "UV_PYTHON_DOWNLOADS=0".to_string(),
            ]);
        }
        let _ = writeln!(out, "\nENV {}", env.join(" \\\n    "));
        out.set_origin(self.build.workdir.span);
        let _ = writeln!(out, "\nWORKDIR {}", self.workdir);
    }

    /// The image's Debian packages, its unprivileged user and the folders
    /// that user writes: one layer.
    fn os_layer(&self, out: &mut Text) {
        let mut commands = apt_install(&self.packages);
        let mut what = Vec::new();
        if !self.packages.is_empty() {
            what.push("Debian packages the app needs");
        }
        if let Some(name) = &self.user_name {
            let uid = self.uid;
            what.push("an unprivileged user (its home holds Gunicorn's control socket)");
            commands.push(format!("groupadd --gid {uid} {name}"));
            commands.push(format!(
                "useradd --no-log-init --uid {uid} --gid {uid} --create-home {name}"
            ));
            if !self.writable.is_empty() {
                what.push("the folders it writes");
                commands.push(format!("install -d -o {uid} -g {uid} {}", self.writable.join(" ")));
            }
        }
        if commands.is_empty() {
            return;
        }
        out.set_origin(match self.build.packages.first() {
            Some(package) => package.name.span,
            None => self.build.user.name.span,
        });
        let _ = writeln!(out, "\n# {}.", sentence(&what));
        run_commands(out, &commands);
    }

    /// The raw lines and the Python packages, before the source: in the
    /// build stage, into the virtual environment it hands over.
    fn install(&self, out: &mut Text) {
        self.raw_lines(
            out,
            DockerfilePlace::BeforeInstall,
            "\n# From the spec's `dockerfile before_install` lines.\n",
        );
        let (what, statement) = match &self.build.dependencies {
            Dependencies::Pip(file) => ("Requirements", file.span),
            Dependencies::Uv(version) | Dependencies::Poetry(version) => ("The locked packages", version.span),
        };
        out.set_origin(statement);
        let _ = writeln!(
            out,
            "\n# {what} before the source: a code change reuses the installed layer."
        );
        for (folder, files) in &self.install_files {
            let destination = match folder.as_str() {
                "" => "./".to_string(),
                folder => format!("{folder}/"),
            };
            let words = files.iter().map(String::as_str).chain([destination.as_str()]);
            let _ = writeln!(out, "COPY {}", json_array(words));
        }
        match &self.build.dependencies {
            Dependencies::Pip(_) => {
                let requirements = self.requirements.as_deref().unwrap_or_default();
                let _ = writeln!(
                    out,
                    "RUN --mount=type=cache,target=/root/.cache/pip {}",
                    json_array(["pip", "install", "-r", requirements])
                );
            }
            Dependencies::Uv(version) => {
                uv_sync(out, &version.value, &["--no-install-project"]);
                if self.staged() {
                    // The project itself, in the stage that has uv.
                    out.push_str("COPY . .\n");
                    uv_sync(out, &version.value, &[]);
                }
            }
            Dependencies::Poetry(version) => {
                let commands = [
                    format!("{SYSTEM_PYTHON} -m venv /opt/poetry"),
                    format!("/opt/poetry/bin/pip install poetry=={}", version.value),
                    format!("{SYSTEM_PYTHON} -m venv {VENV}"),
                    // Into the active environment ($VIRTUAL_ENV); Poetry
                    // itself leaves with its layer.
                    "/opt/poetry/bin/poetry install --only main --no-root --no-interaction".to_string(),
                    "rm -rf /opt/poetry".to_string(),
                ];
                out.push_str(
                    "RUN --mount=type=cache,target=/root/.cache/pip \\\n    --mount=type=cache,target=/root/.cache/pypoetry \\\n    ",
                );
                out.push_str(&commands.join(" \\\n    && "));
                out.push('\n');
            }
        }
    }

    /// uv installs the project itself once its source is in (for a
    /// packaged project; an app's is a no-op check of the lock).
    fn install_project(&self, out: &mut Text) {
        if let Dependencies::Uv(version) = &self.build.dependencies {
            out.set_origin(version.span);
            uv_sync(out, &version.value, &[]);
        }
    }

    /// The spec's raw lines of one place, verbatim: the escape hatch is the
    /// user's own Dockerfile text (lowering refused line breaks,
    /// continuations and the instructions stackc writes).
    /// Each line comes from its own statement; the heading from the first.
    fn raw_lines(&self, out: &mut Text, place: DockerfilePlace, heading: &str) {
        let mut lines = self.build.dockerfile.iter().filter(|l| l.place == place).peekable();
        let Some(first) = lines.peek() else {
            return;
        };
        out.set_origin(first.text.span);
        out.push_str(heading);
        for line in lines {
            out.set_origin(line.text.span);
            let _ = writeln!(out, "{}", line.text.value.trim());
        }
    }
}

/// `NAME=VERSION` words for apt-get, each a shell word (`15.*` is a glob).
fn apt_words(packages: &[AptPackage], problems: &mut Problems) -> Vec<String> {
    packages
        .iter()
        .map(|p| {
            let word = Spanned::new(format!("{}={}", p.name.value, p.version.value), p.version.span);
            problems.check(&word, shell_word(&word.value), "a Dockerfile RUN")
        })
        .collect()
}

/// `uv sync` of the locked packages without the development group, with
/// uv mounted from its image (it never reaches a layer) and its cache.
fn uv_sync(out: &mut Text, version: &str, extra: &[&str]) {
    let argv = ["uv", "sync", "--locked", "--no-dev"]
        .into_iter()
        .chain(extra.iter().copied());
    let _ = writeln!(
        out,
        "RUN --mount=from={UV_IMAGE}:{version},source=/uv,target=/bin/uv \\\n    --mount=type=cache,target=/root/.cache/uv \\\n    {}",
        json_array(argv)
    );
}

/// apt-get's commands for `packages`: none for none.
fn apt_install(packages: &[String]) -> Vec<String> {
    if packages.is_empty() {
        return Vec::new();
    }
    vec![
        "apt-get update".to_string(),
        format!("apt-get install -y --no-install-recommends {}", packages.join(" ")),
        "rm -rf /var/lib/apt/lists/*".to_string(),
    ]
}

/// One `RUN` of shell commands joined with `&&`, one per line.
fn run_commands(out: &mut Text, commands: &[String]) {
    let _ = writeln!(out, "RUN {}", commands.join(" \\\n    && "));
}

/// `a`, `a and b`, `a, b and c`, capitalised.
fn sentence(parts: &[&str]) -> String {
    let text = match parts {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let mut chars = text.chars();
    chars
        .next()
        .map_or(String::new(), |first| first.to_uppercase().chain(chars).collect())
}

/// The files the install reads, grouped by folder in order of first use:
/// for pip, every file of the requirements closure when the loader read
/// it, else the named file's folder (which holds what it includes).
fn install_files(
    stack: &Stack,
    service: &Service,
    build: &PythonBuild,
    problems: &mut Problems,
) -> Vec<(String, Vec<String>)> {
    let named = build.dependencies.files();
    let read = stack.inputs.requirements_of(&service.name.value);
    let paths: Vec<(String, &Spanned<String>)> = match (&build.dependencies, read) {
        (Dependencies::Pip(file), Some(closure)) => closure.iter().map(|(path, _)| (path.clone(), file)).collect(),
        (Dependencies::Pip(file), None) => match file.value.rsplit_once('/') {
            // Unread: the folder, for its `-r base.txt`.
            Some((folder, _)) => vec![(format!("{folder}/"), file)],
            None => vec![(file.value.clone(), file)],
        },
        _ => named.iter().map(|f| (f.value.clone(), f)).collect(),
    };
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (path, named_by) in paths {
        let path = problems.check(named_by, copy_source(&path), "a Dockerfile COPY");
        let folder = match path.strip_suffix('/') {
            // A whole folder, copied to itself.
            Some(folder) => folder.rsplit_once('/').map_or("", |(parent, _)| parent).to_string(),
            None => path.rsplit_once('/').map_or("", |(folder, _)| folder).to_string(),
        };
        match groups.iter_mut().find(|(f, _)| *f == folder) {
            Some((_, files)) => files.push(path),
            None => groups.push((folder, vec![path])),
        }
    }
    groups
}

/// The nginx image's own unprivileged user and group, `nginx` (uid and gid
/// 101 in the official image's Debian and Alpine variants). Numeric, so
/// Kubernetes' `runAsNonRoot` can tell it is not root.
const NGINX_USER: &str = "101:101";

/// The proxy's image: the spec's nginx image with stackc's nginx.conf as
/// its whole configuration, run by the image's unprivileged user (the
/// configuration has no `user` and writes to /tmp; see `emit::nginx`).
/// Its `FROM` comes from the `image` statement, the rest from the proxy's
/// header.
pub(super) fn proxy(service: &Service, layout: &Layout, tracking: Tracking) -> (String, Option<SourceMap>) {
    let image = match &service.image {
        Some(ImageSource::Image(image)) => &image.text,
        _ => unreachable!("lowering gives every proxy an image"),
    };
    let block = source_map::header(service.span, service.name.span);
    let mut out = Text::new(tracking, block);
    let _ = writeln!(out, "# {}", header(layout));
    out.set_origin(image.span);
    let _ = writeln!(out, "FROM {}", image.value);
    out.set_origin(block);
    let _ = write!(
        out,
        "# Readable by nginx's user whatever the umask it was written with.\n\
         COPY --chmod=644 nginx.conf /etc/nginx/nginx.conf\nUSER {NGINX_USER}\n"
    );
    out.finish()
}

/// An exec-form (JSON) array: the one way user values enter a Dockerfile.
fn json_array<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    // JSON keeps every character inert; a newline becomes `\n`, so the
    // instruction stays on one line.
    let words: Vec<String> = words
        .into_iter()
        .map(|w| serde_json::to_string(w).expect("a string is valid JSON"))
        .collect();
    format!("[{}]", words.join(", "))
}

/// A path `COPY` may read literally: inside the context, no `$` (variable
/// expansion) and no glob characters.
fn copy_source(path: &str) -> Result<String, &'static str> {
    if path.starts_with('/') {
        return Err("must be relative to the build folder");
    }
    if path.split('/').any(|part| part == "..") {
        return Err("must stay inside the build folder (no `..`)");
    }
    if path.chars().any(|c| c.is_control()) {
        return Err("a Dockerfile path cannot hold control characters");
    }
    if path.contains(['$', '*', '?', '[', ']', '\\']) {
        return Err("`COPY` reads `$`, `*`, `?`, `[`, `]` and `\\` as variables or patterns");
    }
    if path.is_empty() {
        return Err("is empty");
    }
    Ok(path.to_string())
}

/// A path `WORKDIR` takes literally: it reads the rest of its line and
/// expands `$VAR`, so plain path characters only.
fn plain_path(path: &str) -> Result<String, &'static str> {
    if !path.starts_with('/') {
        return Err("must be an absolute path in the container");
    }
    if !path.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+@".contains(c)) {
        return Err("`WORKDIR` takes letters, digits and `/`, `.`, `_`, `-`, `+`, `@` only");
    }
    Ok(path.to_string())
}

/// The folders the app's user must own, each once: collectstatic's target
/// (collectstatic runs as that user) and the writable mount targets of
/// every service that runs this image (the builder and its `image of` users).
fn writable_folders<'a>(stack: &'a Stack, builder: &'a Service, build: &'a PythonBuild) -> Vec<&'a Spanned<String>> {
    let mounts = stack
        .runners_of(builder)
        .flat_map(|s| &s.mounts)
        .filter(|m| !m.read_only)
        .map(|m| &m.target);
    crate::ir::first_of_each(build.collectstatic.iter().chain(mounts))
}

/// A word for the shell of a `RUN` line: bare when safe, else in single
/// quotes (inside which the shell expands nothing).
fn shell_word(word: &str) -> Result<String, &'static str> {
    if word.chars().any(|c| c.is_control()) {
        return Err("a Dockerfile line cannot hold control characters");
    }
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@%".contains(c))
    {
        return Ok(word.to_string());
    }
    Ok(format!("'{}'", word.replace('\'', "'\\''")))
}

/// Users and groups the Debian-based Python images already have:
/// `groupadd` would fail on them.
const SYSTEM_NAMES: &[&str] = &[
    "_apt", "adm", "audio", "backup", "bin", "cdrom", "daemon", "dialout", "dip", "disk", "fax", "floppy", "games",
    "irc", "kmem", "list", "lp", "mail", "man", "news", "nobody", "nogroup", "operator", "plugdev", "proxy", "root",
    "sasl", "shadow", "src", "staff", "sudo", "sys", "tape", "tty", "users", "utmp", "uucp", "video", "voice",
    "www-data",
];

/// Debian's `useradd` takes lowercase names, and not the image's own.
fn unix_user_name(name: &str) -> Result<String, &'static str> {
    if SYSTEM_NAMES.contains(&name) {
        return Err("the base image already has this user or group; choose a name of the app's own");
    }
    let ok = name.len() <= 32
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(name.to_string())
    } else {
        Err("a user name is up to 32 lowercase letters, digits, `_` and `-`")
    }
}
