//! The ignore file of an app's build, `Dockerfile.dockerignore` beside the
//! Dockerfile: BuildKit reads it instead of the app's own `.dockerignore`,
//! so it carries the app's patterns over, in order, between stackc's.
//!
//! In order (the last pattern that matches a path decides):
//! 1. stackc's defaults: what leaks secrets in practice, history, local
//!    data, caches;
//! 2. every secret file and env file the spec names inside the build
//!    folder;
//! 3. the app's own `.dockerignore` (comments dropped), whose `!`
//!    exceptions may take back a default, such as `!.env.example`;
//! 4. the spec's `ignore` patterns;
//! 5. what the image makes itself (collectstatic's folder) and stackc's
//!    output folder.
//!
//! A secret or env file that the finished list still lets into the
//! context (an app's `!secrets/x`, a path no pattern can name) is an
//! error on the spec's line: the image would carry it.

use std::borrow::Cow;
use std::path::Path;

use super::{header, Layout, Problems};
use crate::diagnostic::Diagnostic;
use crate::input::dockerignore;
use crate::ir::private_files::{Private, PrivateFiles};
use crate::ir::{Build, PythonBuild, Service, Stack};
use crate::source::{FileId, Span};

/// Besides what holds secrets ([`dockerignore::SECRETS`]): history, local
/// data (the seed's `db.sqlite3`), caches and virtualenvs. Anchored at the
/// build folder; `**/` reaches into subfolders: a submodule's `.git`, a
/// monorepo package's `node_modules`.
const OTHER_DEFAULTS: &[&str] = &[
    "**/.git",
    "**/*.sqlite3",
    "**/__pycache__",
    "**/*.py[cod]",
    "**/.venv",
    "venv",
    "**/node_modules",
    ".pytest_cache",
    ".mypy_cache",
];

/// Where a line of the ignore file came from.
#[derive(Clone, Copy)]
enum Origin {
    Stackc,
    App(FileId, Span),
    Spec(Span),
}

/// One line: as written, as BuildKit reads it, and its origin.
#[derive(Clone)]
struct Line {
    written: String,
    pattern: String,
    origin: Origin,
}

impl Line {
    fn stackc(pattern: &str) -> Line {
        Line {
            written: pattern.to_string(),
            pattern: dockerignore::normalize(pattern).unwrap_or_default(),
            origin: Origin::Stackc,
        }
    }
}

/// The default patterns (what holds secrets, then [`OTHER_DEFAULTS`]) as
/// lines, read (normalised) once for every build folder.
fn default_lines() -> &'static [Line] {
    static LINES: std::sync::OnceLock<Vec<Line>> = std::sync::OnceLock::new();
    LINES.get_or_init(|| {
        (dockerignore::SECRETS.iter().chain(OTHER_DEFAULTS))
            .map(|p| Line::stackc(p))
            .collect()
    })
}

/// A heading and its lines.
type Section = (&'static str, Cow<'static, [Line]>);

/// What the caller of [`ignore`] wants.
#[derive(PartialEq)]
pub(super) enum Want {
    /// The file, its problems reported.
    File,
    /// Only the problems (`stackc check`): the file's lines are needed
    /// only to tell whether they let a secret file of the build folder
    /// through, so none are made when there is no such file.
    Problems,
}

/// The ignore file of an app's build (empty for [`Want::Problems`]); the
/// spec's patterns that cannot be written, and the secret and env files
/// the finished list lets through, reported.
pub(super) fn ignore(
    stack: &Stack,
    service: &Service,
    (build, python): (&Build, &PythonBuild),
    private: &PrivateFiles,
    layout: &Layout,
    problems: &mut Problems,
    want: Want,
) -> String {
    let private = private.inside(&layout.from_spec(&build.context.value));
    let spec = spec_lines(python, problems);
    if want == Want::Problems && private.is_empty() {
        return String::new();
    }
    let sections: Vec<Section> = vec![
        (
            "stackc's defaults: secrets, history, local data, caches.",
            Cow::Borrowed(default_lines()),
        ),
        (
            "The spec's secret and env files in the build folder.",
            private
                .iter()
                .filter_map(|file| dockerignore::literal(&file.inside))
                .map(|p| Line::stackc(&p))
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "From the app's .dockerignore, which BuildKit does not read beside this file.",
            app_lines(stack, service).into(),
        ),
        ("From the spec's `ignore` lines.", spec.into()),
        (
            "Made by the image, and stackc's output.",
            made_here(build, python, layout)
                .iter()
                .map(|p| Line::stackc(p))
                .collect::<Vec<_>>()
                .into(),
        ),
    ];
    let lines: Vec<&Line> = sections.iter().flat_map(|(_, lines)| lines.iter()).collect();
    for file in &private {
        check_private(file, &lines, service, build, problems);
    }
    match want {
        Want::File => text(&sections, layout),
        Want::Problems => String::new(),
    }
}

/// The file's text: the header, then each section that has lines under
/// its heading.
fn text(sections: &[Section], layout: &Layout) -> String {
    let mut out = format!("# {}\n", header(layout));
    for (heading, lines) in sections {
        if lines.is_empty() {
            continue;
        }
        out.push_str(&format!("\n# {heading}\n"));
        for line in lines.iter() {
            out.push_str(&line.written);
            out.push('\n');
        }
    }
    out
}

/// The app's own patterns, as BuildKit read them (comments dropped). A
/// pattern that starts with `#` came from a line with blanks before it,
/// and is written so again: at the start of a line it would be a comment.
fn app_lines(stack: &Stack, service: &Service) -> Vec<Line> {
    let Some(file) = stack.inputs.dockerignore_of(&service.name.value) else {
        return Vec::new();
    };
    dockerignore::parse(&stack.inputs.source(file).text)
        .into_iter()
        .map(|pattern| Line {
            written: match pattern.text.starts_with('#') {
                true => format!(" {}", pattern.text),
                false => pattern.text.clone(),
            },
            pattern: pattern.text,
            origin: Origin::App(file, pattern.span),
        })
        .collect()
}

/// The spec's `ignore` patterns, each checked to be one line BuildKit
/// reads as written.
fn spec_lines(python: &PythonBuild, problems: &mut Problems) -> Vec<Line> {
    python
        .ignore
        .iter()
        .filter_map(|pattern| {
            let written = problems.check(pattern, spec_pattern(&pattern.value), "a .dockerignore");
            (!written.is_empty()).then(|| Line {
                pattern: dockerignore::normalize(&written).unwrap_or_default(),
                written,
                origin: Origin::Spec(pattern.span),
            })
        })
        .collect()
}

/// A spec's pattern as one line of the ignore file: no line breaks or
/// other control characters (a pattern must not add lines), no blanks at
/// its ends (BuildKit trims them), not a comment, and one BuildKit reads.
fn spec_pattern(pattern: &str) -> Result<String, &'static str> {
    if pattern.chars().any(char::is_control) {
        return Err("a pattern is one line, without control characters");
    }
    if pattern.trim() != pattern || pattern.is_empty() {
        return Err("BuildKit trims the blanks at a pattern's ends; write it without them");
    }
    if pattern.starts_with('#') {
        return Err("a line that starts with `#` is a comment in a .dockerignore");
    }
    dockerignore::check(pattern)?;
    Ok(pattern.to_string())
}

/// collectstatic's folder (the image makes it, owned by the app's user)
/// and stackc's own output folder, when they are in the build folder.
fn made_here(build: &Build, python: &PythonBuild, layout: &Layout) -> Vec<String> {
    let static_root = python.collectstatic.as_ref().and_then(|target| {
        let workdir = python.workdir.value.trim_end_matches('/');
        Some(target.value.strip_prefix(workdir)?.strip_prefix('/')?.to_string())
    });
    let output = layout.inside_spec_path(&build.context.value);
    static_root
        .into_iter()
        .chain(output)
        .map(|pattern| pattern.trim_end_matches('/').to_string())
        // Plain paths only: leaving them out is tidiness, not safety.
        .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)))
        .collect()
}

/// A secret or env file the finished list lets through is an error on the
/// spec's line that names it, pointing at the pattern that let it through.
fn check_private(file: &Private, lines: &[&Line], service: &Service, build: &Build, problems: &mut Problems) {
    let (excluded, decided) = dockerignore::decide(lines.iter().map(|l| l.pattern.as_str()), &file.inside);
    if excluded {
        return;
    }
    let mut diagnostic = Diagnostic::error(
        "secret-file-in-image",
        format!(
            "the {} `{}` would be copied into the image of `{}`",
            file.what, file.named.value, service.name.value
        ),
    )
    .primary(
        file.named.span,
        format!("inside the build folder `{}`", build.context.value),
    );
    let where_ = Path::new(&file.inside).display();
    let (label, fix) = match decided.map(|i| lines[i].origin) {
        Some(Origin::App(id, span)) => {
            diagnostic = diagnostic.secondary_in(id, span, "the app's .dockerignore takes it back");
            ("", "remove the `!` pattern that takes it back")
        }
        Some(Origin::Spec(span)) => {
            diagnostic = diagnostic.secondary(span, "this pattern takes it back");
            ("", "remove the `!` pattern that takes it back")
        }
        Some(Origin::Stackc) | None => (
            "no line of a .dockerignore can name this path",
            "rename it without blanks or control characters at the ends",
        ),
    };
    if !label.is_empty() {
        diagnostic = diagnostic.secondary(build.context.span, label);
    }
    let when = match file.what {
        "env file" => "compose reads an env file when it starts the container",
        _ => "compose mounts a secret when the container runs",
    };
    problems.push(diagnostic.help(format!(
        "keep `{where_}` out of the image: {fix}, or move the file out of the build folder; {when}"
    )));
}
