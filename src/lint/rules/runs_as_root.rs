use crate::diagnostic::Diagnostic;
use crate::ir::{Service, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags an app that runs as root: `user root` (or `uid 0`) in a
    /// `build` block, a raw `compose user = ...` of root or uid 0, and an
    /// app's own Dockerfile whose last `USER` is root, or that has no `USER`
    /// on a base image that runs as root (python, node, golang, debian, ...).
    ///
    /// ## Why is this bad?
    /// A bug in the app, or in any of its dependencies, that lets an
    /// attacker run code gives them root in the container: they can change
    /// the app's own code, read every mounted secret, and are one kernel or
    /// runtime flaw away from the host. The seed stack's Dockerfile has no
    /// `USER` at all, so Gunicorn runs as root.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         user root
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Leave `user` out (stackc creates `app`, uid 10001), or name your own:
    /// ```text
    ///     build ./app {
    ///         user shop uid 10010
    ///     }
    /// ```
    /// In the app's own Dockerfile, end the final stage with a numeric
    /// `USER 10001:10001` (after creating the user and giving it the folders
    /// it writes).
    pub struct RunsAsRoot {
        name: "runs-as-root",
        severity: Error,
        summary: "the app runs as root",
    }
}

impl Rule for RunsAsRoot {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let name = &service.name.value;
            if let Some(finding) = own_dockerfile_root(stack, service) {
                out.push(finding);
            }
            if let Some(build) = service
                .build()
                .and_then(|b| b.python())
                .filter(|b| b.user.uid.value == 0)
            {
                out.push(
                    Self::META
                        .diagnostic(format!("`{name}` runs as root"))
                        .primary(build.user.uid.span, "uid 0 is root")
                        .help("remove the `user` line (stackc creates `app`, uid 10001), or `user NAME uid N` with N from 1000 to 60000"),
                );
            }
            for raw in service.raw_compose.iter().filter(|r| r.key.value == "user") {
                let user = match &raw.value.value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let account = user.split(':').next().unwrap_or_default();
                if account != "root" && account != "0" {
                    continue;
                }
                out.push(
                    Self::META
                        .diagnostic(format!("`{name}` runs as root"))
                        .primary(raw.value.span, "compose starts the container as root")
                        .help("remove this line (an image stackc builds runs as its app user), or give a uid from 1000 up: `compose user = \"10001:10001\"`"),
                );
            }
        }
    }
}

/// The builder's own Dockerfile, when its built stage runs as root: a last
/// `USER` of root, or none on a base image known to run as root. Reported
/// on the builder only: its `image of` users run the same image.
fn own_dockerfile_root(stack: &Stack, service: &Service) -> Option<Diagnostic> {
    let own = service.build()?.own_dockerfile()?;
    let image = stack.inputs.image(&service.name.value)?;
    let stage = image.dockerfile.stages.get(image.stage?)?;
    let facts = &stage.facts;
    let finding = RunsAsRoot::META.diagnostic(format!("`{}` runs as root", service.name.value));
    let finding = match (&facts.user, facts.runs_as_root()) {
        (Some(user), Some(true)) => finding
            .primary(own.file.span, "its Dockerfile switches to root last")
            .secondary_in(image.file, user.span, "the last USER of the built stage"),
        (None, None) => {
            let base = image.registry_base().filter(|i| facts::runs_as_root_by_default(i))?;
            finding
                .primary(own.file.span, "its Dockerfile never switches to another user")
                .secondary_in(
                    image.file,
                    base.text.span,
                    format!("`{}` runs as root", facts::image_name(base)),
                )
        }
        (None, Some(true)) => finding
            .primary(own.file.span, "its Dockerfile never switches to another user")
            .secondary_in(image.file, stage.from_span, "a stage built FROM scratch runs as root"),
        _ => return None,
    };
    Some(finding.help(
        "add a numeric `USER 10001:10001` at the end of the built stage, after creating the user and giving it what it writes",
    ))
}
