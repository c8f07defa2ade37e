use crate::diagnostic::Diagnostic;
use crate::ir::{Restart, Stack};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `restart no` on a long-running service.
    ///
    /// ## Why is this bad?
    /// A crash, an out-of-memory kill or a reboot of the host leaves the
    /// service down until someone notices and starts it by hand. (stackc
    /// writes `unless-stopped` for services unless told otherwise; jobs are
    /// `no`, as they should be.)
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    ///     restart no
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Leave `restart` out, or choose `unless-stopped` or `always`.
    pub struct RestartDisabled {
        name: "restart-disabled",
        severity: Warning,
        summary: "a long-running service that is never restarted",
    }
}

impl Rule for RestartDisabled {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in stack.services.iter().filter(|s| !s.is_job()) {
            let Some(restart) = service.restart.as_ref().filter(|r| r.value == Restart::No) else {
                continue;
            };
            out.push(
                Self::META
                    .diagnostic(format!("`{}` stays down after a crash or a reboot", service.name.value))
                    .primary(restart.span, "never restarted")
                    .help("remove the line (services restart `unless-stopped`), or write `restart always`"),
            );
        }
    }
}
