//! One Dockerfile per image stackc builds: the app's (Python, Gunicorn) and
//! the proxy's (nginx plus the generated nginx.conf).
//!
//! Escaping: every user value lands in a JSON (exec-form) array, written by
//! [`json_array`], so no shell ever reads it. `COPY` also expands `$VAR` and
//! globs, which JSON does not stop, so [`copy_source`] refuses those
//! characters instead.

use std::fmt::Write as _;

use super::{header, Layout, Problems};
use crate::ir::{Build, ImageSource, Service, Stack};
use crate::source::Spanned;

/// Where the app's source goes in the image.
const WORKDIR: &str = "/app";

pub(super) fn app(stack: &Stack, service: &Service, build: &Build, layout: &Layout, problems: &mut Problems) -> String {
    let user = &build.user;
    let user_name = problems.check(&user.name, unix_user_name(&user.name.value), "a Dockerfile");
    let uid = user.uid.value;
    let writable: Vec<String> = writable_mounts(stack, service, build)
        .into_iter()
        .map(|target| problems.check(target, shell_word(&target.value), "a Dockerfile RUN"))
        .collect();
    let requirements = problems.check(
        &build.requirements,
        copy_source(&build.requirements.value),
        "a Dockerfile COPY",
    );

    let mut out = String::new();
    let _ = writeln!(out, "# {}", header(layout));
    let _ = writeln!(out, "FROM python:{}-slim", build.python.value);
    out.push_str("\nENV PYTHONDONTWRITEBYTECODE=1 \\\n    PYTHONUNBUFFERED=1\n");
    let _ = writeln!(out, "\nWORKDIR {WORKDIR}");
    out.push_str("\n# An unprivileged user, with a home for Gunicorn's control socket.\n");
    let _ = write!(
        out,
        "RUN groupadd --gid {uid} {user_name} \\\n    && useradd --no-log-init --uid {uid} --gid {uid} --create-home {user_name}"
    );
    if !writable.is_empty() {
        // A new named volume takes the owner of the folder it is mounted
        // on, so these make the app's volumes writable by the app.
        let _ = write!(out, " \\\n    && install -d -o {uid} -g {uid} {}", writable.join(" "));
    }
    out.push('\n');
    out.push_str("\n# Requirements before the source: a code change reuses the installed layer.\n");
    let _ = writeln!(
        out,
        "COPY {}",
        json_array([requirements.as_str(), requirements.as_str()])
    );
    let _ = writeln!(
        out,
        "RUN {}",
        json_array(["pip", "install", "--no-cache-dir", "-r", &requirements])
    );
    out.push_str("\nCOPY . .\n");
    if build.collectstatic.is_some() {
        let _ = writeln!(
            out,
            "RUN {}",
            json_array(["python", "manage.py", "collectstatic", "--noinput"])
        );
    }
    let _ = writeln!(out, "\nUSER {uid}:{uid}");
    if let Some(gunicorn) = service.gunicorn() {
        let port = gunicorn.port.value;
        let bind = format!("0.0.0.0:{port}");
        let mut cmd = vec!["gunicorn", "--bind", &bind];
        let workers = gunicorn.workers.as_ref().map(|w| w.value.to_string());
        if let Some(workers) = &workers {
            cmd.extend(["--workers", workers]);
        }
        cmd.push(&gunicorn.app.value);
        let _ = writeln!(out, "EXPOSE {port}");
        let _ = writeln!(out, "CMD {}", json_array(cmd));
    }
    out
}

pub(super) fn proxy(service: &Service, layout: &Layout, _problems: &mut Problems) -> String {
    let image = match &service.image {
        Some(ImageSource::Image(image)) => image.text.value.as_str(),
        _ => unreachable!("lowering gives every proxy an image"),
    };
    format!(
        "# {}\nFROM {image}\nCOPY nginx.conf /etc/nginx/conf.d/default.conf\n",
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

pub(super) fn ignore(layout: &Layout) -> String {
    let mut out = format!(
        "# {}
",
        header(layout)
    );
    for pattern in IGNORED {
        out.push_str(pattern);
        out.push('\n');
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

/// The writable mount targets of every service that runs this image (the
/// builder and its `image of` users), each once; `collectstatic` fills its
/// own target at build time.
fn writable_mounts<'a>(stack: &'a Stack, builder: &'a Service, build: &'a Build) -> Vec<&'a Spanned<String>> {
    let runs_image = |s: &Service| {
        s.name.value == builder.name.value
            || matches!(&s.image, Some(ImageSource::Of(of)) if of.value == builder.name.value)
    };
    let static_root = build.collectstatic.as_ref().map(|c| c.value.as_str());
    let mut targets: Vec<&Spanned<String>> = Vec::new();
    for mount in stack.services.iter().filter(|s| runs_image(s)).flat_map(|s| &s.mounts) {
        let target = &mount.target;
        if !mount.read_only
            && Some(target.value.as_str()) != static_root
            && !targets.iter().any(|t| t.value == target.value)
        {
            targets.push(target);
        }
    }
    targets
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

/// Debian's `useradd` takes lowercase names.
fn unix_user_name(name: &str) -> Result<String, &'static str> {
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
