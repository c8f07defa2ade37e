use crate::diagnostic::Diagnostic;
use crate::ir::{DockerfilePlace, Stack};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a raw `dockerfile` line that installs Python packages
    /// (`pip install`, `poetry install`, `uv sync`, ...).
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
