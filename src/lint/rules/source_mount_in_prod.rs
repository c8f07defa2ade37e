use crate::diagnostic::Diagnostic;
use crate::ir::{MountSource, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a deployed container that bind-mounts the source of the image
    /// it runs: a host path that is the `build` folder, or a folder holding
    /// it. A development environment (`environment dev { ... }`, neither
    /// named `prod` or `production` nor marked `production`) is left alone:
    /// a dev server reloading the mounted source is its point. So is the
    /// base of a spec marked `stack NAME development` (a project that has
    /// only a development stack).
    ///
    /// ## Why is this bad?
    /// The container then runs whatever is on the server's disk, not the
    /// image that was built, tested and tagged: a deploy of a new image
    /// changes nothing, a file edited on the server changes production, and
    /// the files' owner on the host decides what the app may write. The
    /// image's `collectstatic` output and anything else the build put under
    /// the mount are hidden.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application bind 8000 workers 3
    ///     mount ./app at /app
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application bind 8000 workers 3
    /// }
    ///
    /// environment dev {
    ///     service web {
    ///         add mount ./app at /app
    ///     }
    /// }
    /// ```
    pub struct SourceMountInProd {
        name: "source-mount-in-prod",
        severity: Warning,
        summary: "a deployed container bind-mounts its app's source",
        fixable: false,
    }
}

impl Rule for SourceMountInProd {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        if !stack.is_deployed() {
            return;
        }
        for service in &stack.services {
            let Some(build) = stack.builder_of(service).and_then(|b| b.build()) else {
                continue;
            };
            for mount in &service.mounts {
                let MountSource::Host(path) = &mount.source else {
                    continue;
                };
                if !facts::mounts_own_source(stack, service, &path.value) {
                    continue;
                }
                out.push(
                    Self::META
                        .diagnostic(format!("`{}` runs the source on the host, not its image", service.name.value))
                        .primary(mount.span, "a bind mount of the app's source")
                        .secondary(build.context.span, "the image is built from this folder")
                        .help("mount the source in a development environment only: `environment dev { service NAME { add mount ... } }`"),
                );
            }
        }
    }
}
