//! One Dockerfile per image stackc builds: the app's (Python, Gunicorn) and
//! the proxy's (nginx plus the generated nginx.conf).
//!
//! Escaping: every user value lands in a JSON (exec-form) array, written by
//! [`json_array`], so no shell ever reads it. `COPY` also expands `$VAR` and
//! globs, which JSON does not stop, so [`copy_source`] refuses those
//! characters instead.

use std::fmt::Write as _;

use super::{header, Layout, Problems};
use crate::ir::{Build, ImageSource, PythonBuild, Service, Stack};
use crate::source::Spanned;

/// Where the app's source goes in the image.
const WORKDIR: &str = "/app";

pub(super) fn app(
    stack: &Stack,
    service: &Service,
    build: &PythonBuild,
    layout: &Layout,
    problems: &mut Problems,
) -> String {
    let user = &build.user;
    let uid = user.uid.value;
    // uid 0 is root, which the image has (the lint rule `runs-as-root` flags it).
    let root = uid == 0;
    let user_name = match root {
        true => String::new(),
        false => problems.check(&user.name, unix_user_name(&user.name.value), "a Dockerfile"),
    };
    // Folders the app writes: its volumes (a new named volume takes the
    // owner of the folder it is mounted on) and collectstatic's target.
    let writable: Vec<String> = writable_folders(stack, service, build)
        .into_iter()
        .map(|folder| problems.check(folder, shell_word(&folder.value), "a Dockerfile RUN"))
        .collect();
    let requirements = problems.check(
        &build.requirements,
        copy_source(&build.requirements.value),
        "a Dockerfile COPY",
    );
    // A requirements file in a folder usually includes its siblings
    // (`-r base.txt`): copy the folder.
    let requirements_copy = match requirements.rsplit_once('/') {
        Some((folder, _)) => format!("{folder}/"),
        None => requirements.clone(),
    };

    let mut out = String::new();
    let _ = writeln!(out, "# {}", header(layout));
    let _ = writeln!(out, "FROM python:{}-slim", build.python.value);
    out.push_str("\nENV PYTHONDONTWRITEBYTECODE=1 \\\n    PYTHONUNBUFFERED=1\n");
    let _ = writeln!(out, "\nWORKDIR {WORKDIR}");
    if !root {
        out.push_str(
            "\n# An unprivileged user (its home holds Gunicorn's control socket) and the folders it writes.\n",
        );
        let _ = write!(
            out,
            "RUN groupadd --gid {uid} {user_name} \\\n    && useradd --no-log-init --uid {uid} --gid {uid} --create-home {user_name}"
        );
        if !writable.is_empty() {
            let _ = write!(out, " \\\n    && install -d -o {uid} -g {uid} {}", writable.join(" "));
        }
        out.push('\n');
    }
    out.push_str("\n# Requirements before the source: a code change reuses the installed layer.\n");
    let _ = writeln!(
        out,
        "COPY {}",
        json_array([requirements_copy.as_str(), requirements_copy.as_str()])
    );
    let _ = writeln!(
        out,
        "RUN {}",
        json_array(["pip", "install", "--no-cache-dir", "-r", &requirements])
    );
    out.push_str("\nCOPY . .\n");
    if !build.dockerfile.is_empty() {
        // The spec's raw lines, verbatim: the escape hatch is the user's own
        // Dockerfile text (lowering refuses line breaks and continuations).
        out.push_str("\n# From the spec's `dockerfile` lines.\n");
        for line in &build.dockerfile {
            let _ = writeln!(out, "{}", line.value.trim());
        }
    }
    let _ = writeln!(out, "\nUSER {uid}:{uid}");
    if build.collectstatic.is_some() {
        let _ = writeln!(
            out,
            "RUN {}",
            json_array(["python", "manage.py", "collectstatic", "--noinput"])
        );
    }
    if let Some(gunicorn) = service.gunicorn() {
        let _ = writeln!(out, "EXPOSE {}", gunicorn.port.value);
    }
    if let Some(command) = super::image_command(service) {
        let _ = writeln!(out, "CMD {}", json_array(command.iter().map(String::as_str)));
    }
    out
}

/// The nginx image's own unprivileged user and group, `nginx` (uid and gid
/// 101 in the official image's Debian and Alpine variants). Numeric, so
/// Kubernetes' `runAsNonRoot` can tell it is not root.
const NGINX_USER: &str = "101:101";

/// The proxy's image: the spec's nginx image with stackc's nginx.conf as
/// its whole configuration, run by the image's unprivileged user (the
/// configuration has no `user` and writes to /tmp; see `emit::nginx`).
pub(super) fn proxy(service: &Service, layout: &Layout) -> String {
    let image = match &service.image {
        Some(ImageSource::Image(image)) => image.text.value.as_str(),
        _ => unreachable!("lowering gives every proxy an image"),
    };
    format!(
        "# {}\nFROM {image}\n# Readable by nginx's user whatever the umask it was written with.\n\
         COPY --chmod=644 nginx.conf /etc/nginx/nginx.conf\nUSER {NGINX_USER}\n",
        header(layout)
    )
}

/// What `COPY . .` leaves out: history, local settings and secrets, local
/// data (the seed's `db.sqlite3`), caches and virtualenvs. Patterns are
/// anchored at the context's root; `**/` reaches into subfolders.
const IGNORED: &[&str] = &[
    ".git",
    "**/.env",
    "**/*.env",
    "secrets",
    "**/*.sqlite3",
    "**/__pycache__",
    "**/*.py[cod]",
    ".venv",
    "venv",
    "node_modules",
    ".pytest_cache",
    ".mypy_cache",
];

/// The `.dockerignore` of an app's build: [`IGNORED`], plus what lies in the
/// context but must not be copied: collectstatic's target (the image makes
/// it, owned by the app) and stackc's own output folder.
pub(super) fn ignore(build: &Build, python: &PythonBuild, layout: &Layout) -> String {
    let mut out = format!("# {}\n", header(layout));
    for pattern in IGNORED {
        out.push_str(pattern);
        out.push('\n');
    }
    let static_root = python.collectstatic.as_ref().and_then(|target| {
        target
            .value
            .strip_prefix(WORKDIR)?
            .strip_prefix('/')
            .map(str::to_string)
    });
    let output = layout.inside_spec_path(&build.context.value);
    for pattern in static_root.into_iter().chain(output) {
        // A pattern is a path glob: only plain paths are written.
        if !pattern.is_empty() && pattern.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)) {
            out.push_str(pattern.trim_end_matches('/'));
            out.push('\n');
        }
    }
    out
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
