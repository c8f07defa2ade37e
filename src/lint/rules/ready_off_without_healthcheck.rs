use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `ready off` on a service that runs an image stackc builds
    /// from the spec (a `build` block that is no `file`, or `image of` a
    /// service with one) and whose port stackc does not know. `ready off`
    /// turns off the image's own `HEALTHCHECK`, and the Dockerfile stackc
    /// writes has none: there is nothing to turn off. (On Kubernetes it
    /// also removes the TCP probe stackc writes for a service whose port
    /// it knows, so such a service is left alone; so is an app's own
    /// Dockerfile or a published image, whose base may have a check.)
    ///
    /// ## Why is this bad?
    /// The line says something that is not so: a reader takes the service
    /// for one that had a check, and a worker that was meant to say it is
    /// busy still has no check at all.
    ///
    /// ## Example
    /// ```text
    /// service worker {
    ///     image of web
    ///     command "celery -A shop worker"
    ///     ready off
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Remove the line; or give the service a check of its own:
    /// ```text
    ///     ready cmd "celery -A shop inspect ping"
    /// ```
    pub struct ReadyOffWithoutHealthcheck {
        name: "ready-off-without-healthcheck",
        severity: Warning,
        summary: "`ready off` on an image stackc builds, which has no HEALTHCHECK to turn off",
    }
}

impl Rule for ReadyOffWithoutHealthcheck {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some(off) = service.ready_off else { continue };
            let Some(builder) = stack.builder_of(service) else {
                continue;
            };
            let writes_dockerfile = builder.build().is_some_and(|b| b.python().is_some());
            if !writes_dockerfile || stack.app_port(service).is_some() {
                continue;
            }
            out.push(
                Self::META
                    .diagnostic(format!("`ready off` turns nothing off in `{}`", service.name.value))
                    .primary(off, "the image stackc builds has no HEALTHCHECK")
                    .secondary(builder.name.span, "its Dockerfile is the one stackc writes")
                    .help("remove the line; to let others wait for the service, give it a check (`ready cmd \"...\"`)"),
            );
        }
    }
}
