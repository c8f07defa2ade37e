//! The lines of a Python app's Dockerfile that install it with uv (uv
//! copied in or pip-installed, `pyproject.toml` and `uv.lock` copied, `uv
//! sync`, the virtual environment put on `PATH`): the spec's `uv`
//! statement writes all of them itself, so import says `uv [VERSION]`
//! instead of carrying them as raw lines next to a `requirements.txt`
//! install the app does not have.

/// What one Dockerfile instruction does for uv.
#[derive(Debug, PartialEq)]
pub(super) enum UvLine {
    /// uv itself put into the image, at this version when it names one.
    Binary(Option<String>),
    /// `COPY pyproject.toml uv.lock ./`: the files the first sync reads.
    CopiesProject,
    /// `RUN uv sync ...`: the install.
    Syncs,
    /// `ENV PATH="/app/.venv/bin:$PATH"`, `UV_*`: the environment's settings.
    Settings,
}

/// The uv image whose `/uv` a Dockerfile copies.
const UV_IMAGE: &str = "ghcr.io/astral-sh/uv";

/// A `COPY [--from=IMAGE] WORDS...` instruction as uv's.
pub(super) fn copy(from: Option<&str>, words: &[String]) -> Option<UvLine> {
    if let Some(image) = from {
        let (repository, tag) = image.split_once(':').unwrap_or((image, ""));
        let copies_binary = words.iter().any(|w| w == "/uv" || w == "/bin/uv");
        return (repository == UV_IMAGE && copies_binary).then(|| UvLine::Binary(version(tag)));
    }
    let (dest, sources) = words.split_last()?;
    let sources: Vec<&str> = sources.iter().map(|s| s.trim_start_matches("./")).collect();
    let project =
        sources.contains(&"pyproject.toml") && sources.iter().all(|s| matches!(*s, "pyproject.toml" | "uv.lock"));
    (project && matches!(dest.as_str(), "." | "./" | "/app" | "/app/")).then_some(UvLine::CopiesProject)
}

/// A `RUN` script as uv's: every command `uv sync`, or pip installing uv.
pub(super) fn run(script: &str) -> Option<UvLine> {
    let programs = crate::input::shell::shell_programs(script);
    fn words(program: &[String]) -> Vec<&str> {
        program.iter().map(String::as_str).collect()
    }
    if !programs.is_empty() && programs.iter().all(|p| words(p).starts_with(&["uv", "sync"])) {
        return Some(UvLine::Syncs);
    }
    match programs.as_slice() {
        [program] => match words(program).as_slice() {
            ["pip" | "pip3", "install", rest @ ..] => {
                let mut packages = rest.iter().filter(|w| !w.starts_with('-'));
                let package = packages.next()?;
                if packages.next().is_some() {
                    return None;
                }
                match package.split_once("==") {
                    Some(("uv", v)) => Some(UvLine::Binary(version(v))),
                    None if *package == "uv" => Some(UvLine::Binary(None)),
                    _ => None,
                }
            }
            _ => None,
        },
        _ => None,
    }
}

/// An `ENV` instruction's `NAME=VALUE` words as uv's settings: `UV_*`,
/// and the project's virtual environment as `VIRTUAL_ENV` or on `PATH`.
pub(super) fn env(words: &[String]) -> Option<UvLine> {
    let settings = words.iter().all(|w| match w.split_once('=') {
        Some((name, _)) if name.starts_with("UV_") => true,
        Some(("PATH" | "VIRTUAL_ENV", value)) => value.contains(".venv"),
        _ => false,
    });
    (settings && !words.is_empty()).then_some(UvLine::Settings)
}

/// A tag that is a version (`0.5.11`), not a moving name (`latest`).
fn version(tag: &str) -> Option<String> {
    let plain = tag.split('-').next().unwrap_or(tag);
    (plain.starts_with(|c: char| c.is_ascii_digit()) && plain.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .then(|| plain.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        shlex::split(text).unwrap()
    }

    #[test]
    fn uv_lines_are_told_from_others() {
        let binary = |v: Option<&str>| Some(UvLine::Binary(v.map(str::to_string)));
        assert_eq!(
            copy(Some("ghcr.io/astral-sh/uv:0.5.11"), &words("/uv /uvx /bin/")),
            binary(Some("0.5.11"))
        );
        assert_eq!(
            copy(Some("ghcr.io/astral-sh/uv:latest"), &words("/uv /bin/uv")),
            binary(None)
        );
        assert_eq!(copy(Some("build"), &words("/opt/venv /opt/venv")), None);
        assert_eq!(
            copy(None, &words("pyproject.toml uv.lock ./")),
            Some(UvLine::CopiesProject)
        );
        assert_eq!(copy(None, &words("requirements.txt pyproject.toml ./")), None);
        assert_eq!(
            run("uv sync --frozen --no-dev --no-install-project"),
            Some(UvLine::Syncs)
        );
        assert_eq!(run("pip install --no-cache-dir uv==0.6.3"), binary(Some("0.6.3")));
        assert_eq!(run("pip install uv flask"), None);
        assert_eq!(run("uv sync && python manage.py check"), None);
        assert_eq!(env(&words("PATH=\"/app/.venv/bin:$PATH\"")), Some(UvLine::Settings));
        assert_eq!(env(&words("UV_LINK_MODE=copy DEBUG=0")), None);
    }
}
