use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `gunicorn MODULE:CALLABLE` without `workers N`.
    ///
    /// ## Why is this bad?
    /// Gunicorn's default is one synchronous worker: one slow request (a
    /// report, an upload, a slow database query) and every other visitor
    /// waits. Gunicorn's docs suggest `2 × cores + 1` workers as a start.
    ///
    /// ## Example
    /// ```text
    ///     gunicorn shop.wsgi:application bind 8000
    /// ```
    ///
    /// ## Use instead
    /// ```text
    ///     gunicorn shop.wsgi:application bind 8000 workers 3
    /// ```
    pub struct WorkersUnsized {
        name: "workers-unsized",
        severity: Info,
        summary: "Gunicorn with its default of one worker",
    }
}

impl Rule for WorkersUnsized {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some(gunicorn) = service.gunicorn() else { continue };
            // Workers set by the spec or the Gunicorn config file.
            if stack.server_settings(service).is_some_and(|s| s.workers.is_some()) {
                continue;
            }
            out.push(
                Self::META
                    .diagnostic(format!("`{}` runs a single Gunicorn worker", service.name.value))
                    .primary(gunicorn.span, "one slow request blocks every other")
                    .help("add `workers N`; 2 × the CPU cores + 1 is Gunicorn's suggested start"),
            );
        }
    }
}
