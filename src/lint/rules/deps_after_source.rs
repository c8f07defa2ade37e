use crate::diagnostic::Diagnostic;
use crate::input::dockerfile::{Instruction, Keyword};
use crate::input::shell::SimpleCommand;
use crate::ir::{DockerfilePlace, Service, Stack};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a raw `dockerfile` line that installs Python packages
    /// (`pip install`, `poetry install`, `uv sync`, ...); and in the app's
    /// own Dockerfile, a stage that copies its whole source (`COPY . .`)
    /// before it first installs dependencies: `npm ci`, `yarn install`,
    /// `pnpm install`, `go mod download`, `cargo fetch`, `uv sync`,
    /// `poetry install`, `pip install -r`, `bundle install`, `composer
    /// install`.
    ///
    /// ## Why is this bad?
    /// Raw lines go after `COPY . .`, so the install layer depends on every
    /// file of the app: each code change reinstalls every package, and a
    /// one-line fix takes minutes to build. The seed stack's Dockerfile
    /// copies the source first and runs `pip install` after it.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         dockerfile "RUN pip install -r requirements.txt"
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Name the file; stackc installs it before the source is copied:
    /// ```text
    ///     build ./app {
    ///         requirements requirements.txt
    ///     }
    /// ```
    pub struct DepsAfterSource {
        name: "deps-after-source",
        severity: Warning,
        summary: "packages installed after the source is copied: every change reinstalls them",
    }
}

/// Commands that install a project's Python dependencies.
const INSTALLERS: &[&str] = &[
    "pip install",
    "pip3 install",
    "poetry install",
    "pipenv install",
    "uv sync",
    "uv pip install",
];

impl Rule for DepsAfterSource {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some(build) = service.build() else { continue };
            out.extend(own_dockerfile(stack, service));
            let Some(python) = build.python() else { continue };
            // `before_install` lines run before the source is copied.
            let after_source = python
                .dockerfile
                .iter()
                .filter(|l| l.place != DockerfilePlace::BeforeInstall);
            for line in after_source.map(|l| &l.text) {
                let text = line.value.trim();
                let is_run = text.get(..4).is_some_and(|k| k.eq_ignore_ascii_case("RUN "));
                let Some(installer) = INSTALLERS.iter().find(|i| text.contains(*i)).filter(|_| is_run) else {
                    continue;
                };
                let mut finding = Self::META
                    .diagnostic(format!(
                        "`{}` installs packages after copying its source",
                        service.name.value
                    ))
                    .primary(
                        line.span,
                        format!("`{installer}` after `COPY . .`: any code change reinstalls"),
                    );
                // A default `requirements` points at the build's folder: no label there.
                if let Some(requirements) = python.requirements().filter(|r| r.span != build.context.span) {
                    finding = finding.secondary(requirements.span, "installed before the source, cached");
                }
                out.push(
                    finding
                        .help("list the packages in the `requirements` file, which stackc installs before `COPY . .`"),
                );
            }
        }
    }
}

/// Dependency installers and the files they install from, by the words
/// that start them. `npm install` with package names installs a tool, not
/// the project's dependencies: only the bare form counts.
const OWN_INSTALLERS: &[(&[&str], &str)] = &[
    (&["npm", "ci"], "package.json package-lock.json"),
    (&["npm", "install"], "package.json package-lock.json"),
    (&["npm", "i"], "package.json package-lock.json"),
    (&["yarn", "install"], "package.json yarn.lock"),
    (&["yarn"], "package.json yarn.lock"),
    (&["pnpm", "install"], "package.json pnpm-lock.yaml"),
    (&["pnpm", "i"], "package.json pnpm-lock.yaml"),
    (&["go", "mod", "download"], "go.mod go.sum"),
    (&["cargo", "fetch"], "Cargo.toml Cargo.lock"),
    (&["uv", "sync"], "pyproject.toml uv.lock"),
    (&["poetry", "install"], "pyproject.toml poetry.lock"),
    (&["pipenv", "install"], "Pipfile Pipfile.lock"),
    (&["bundle", "install"], "Gemfile Gemfile.lock"),
    (&["composer", "install"], "composer.json composer.lock"),
];

/// The installer a command runs, with its manifest files.
fn installer(command: &SimpleCommand) -> Option<(String, &'static str)> {
    let words: Vec<&str> = command
        .words
        .iter()
        .map(String::as_str)
        .skip_while(|w| crate::lint::secrets::assignment(w).is_some())
        .collect();
    let program = words.first()?.rsplit('/').next()?;
    // `pip install -r FILE`, `python -m pip install -r FILE`.
    let pip = words
        .iter()
        .position(|w| matches!(*w, "pip" | "pip3") || w.ends_with("/pip"));
    if let Some(at) = pip.filter(|_| words.contains(&"-r") || words.iter().any(|w| w.starts_with("--requirement"))) {
        return (words.get(at + 1) == Some(&"install")).then(|| ("pip install -r".to_string(), "requirements.txt"));
    }
    let (starts, manifests) = OWN_INSTALLERS.iter().find(|(starts, _)| {
        program == starts[0] && words.len() >= starts.len() && words[1..starts.len()] == starts[1..]
    })?;
    // Only flags may follow a bare `npm install` or `yarn`.
    let rest = &words[starts.len()..];
    let bare = matches!(starts, [_, "install" | "i"] | ["yarn"]) && matches!(program, "npm" | "yarn");
    if bare && rest.iter().any(|w| !w.starts_with('-')) {
        return None;
    }
    Some((starts.join(" "), manifests))
}

/// Whether a COPY or ADD copies the whole build context: a source of `.`.
fn copies_whole_context(instruction: &Instruction) -> bool {
    if !matches!(instruction.keyword, Keyword::Copy | Keyword::Add) || instruction.flag("from").is_some() {
        return false;
    }
    let words = instruction.words();
    let sources = &words[..words.len().saturating_sub(1)];
    sources.iter().any(|w| matches!(w.value.as_str(), "." | "./"))
}

/// A stage of the app's own Dockerfile that copies its whole source before
/// installing its dependencies for the first time.
fn own_dockerfile(stack: &Stack, service: &Service) -> Option<Diagnostic> {
    let own = service.build()?.own_dockerfile()?;
    let image = stack.inputs.image(&service.name.value)?;
    let dockerfile = &image.dockerfile;
    let (copy, command, name, manifests) = dockerfile.stages.iter().find_map(|stage| {
        let mut source_copy = None;
        for instruction in dockerfile.instructions_of(stage) {
            if source_copy.is_none() && copies_whole_context(instruction) {
                source_copy = Some(instruction.span);
            }
            if let Some((command, (name, manifests))) = instruction
                .run_commands()
                .into_iter()
                .find_map(|c| installer(&c).map(|i| (c, i)))
            {
                // Installed before the source came in, the layer is cached.
                return source_copy.map(|copy| (copy, command, name, manifests));
            }
        }
        None
    })?;
    Some(
        DepsAfterSource::META
            .diagnostic(format!(
                "`{}` installs packages after copying its source",
                service.name.value
            ))
            .primary(own.file.span, "its Dockerfile reinstalls on every code change")
            .secondary_in(image.file, copy, "the whole source first")
            .secondary_in(
                image.file,
                command.span,
                format!("then `{name}`: any change to the source reinstalls"),
            )
            .help(format!(
                "copy {manifests} first (`COPY {manifests} ./`), install, then `COPY . .`"
            )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn installs(line: &str) -> Option<String> {
        let commands = crate::input::shell::simple_commands(line);
        installer(&commands[0]).map(|(name, _)| name)
    }

    #[test]
    fn dependency_installs_are_told_from_tool_installs() {
        for (line, name) in [
            ("npm ci --omit=dev", "npm ci"),
            ("npm install", "npm install"),
            ("yarn --frozen-lockfile", "yarn"),
            ("pnpm install --prod", "pnpm install"),
            ("go mod download", "go mod download"),
            ("cargo fetch --locked", "cargo fetch"),
            ("UV_COMPILE_BYTECODE=1 uv sync --frozen", "uv sync"),
            ("poetry install --only main", "poetry install"),
            (
                "python -m pip install --no-cache-dir -r requirements.txt",
                "pip install -r",
            ),
        ] {
            assert_eq!(installs(line).as_deref(), Some(name), "{line}");
        }
        for line in [
            "npm install -g pm2",
            "yarn build",
            "go build ./...",
            "pip install gunicorn",
            "cargo build --release",
        ] {
            assert_eq!(installs(line), None, "{line}");
        }
    }
}
