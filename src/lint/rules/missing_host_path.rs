use crate::diagnostic::Diagnostic;
use crate::input::Absence;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a bind mount (`mount ./PATH at ...`) whose source, relative to
    /// the spec, is not there. Absolute and `~` paths are on the machine
    /// that runs the stack, which stackc cannot see, and are not checked.
    ///
    /// ## Why is this bad?
    /// stackc writes compose's long volume syntax, which does not create a
    /// missing source: `docker compose up` refuses to start the container.
    /// A data folder made on the server at deploy time is the usual reason
    /// it is missing here; then turn the rule off where it does not apply.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image nginx:1.30
    ///     mount ./site at /usr/share/nginx/html ro   # no ./site folder
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Fix the path, or create the folder before `docker compose up`.
    pub struct MissingHostPath {
        name: "missing-host-path",
        severity: Warning,
        summary: "a bind mount whose source is not there",
    }
}

impl Rule for MissingHostPath {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for absent in stack.inputs.absent.iter().filter(|a| a.kind == Absence::HostPath) {
            out.push(
                Self::META
                    .diagnostic(format!("`{}` is not there yet", absent.path.value))
                    .primary(absent.path.span, format!("nothing at {}", absent.shown))
                    .help(match &absent.close {
                        Some(close) => format!("did you mean `{close}`? It is there"),
                        None => "compose refuses to start a container whose bind mount has no source: create it before `docker compose up`, or fix the path".to_string(),
                    }),
            );
        }
    }
}
