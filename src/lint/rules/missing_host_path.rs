use crate::diagnostic::Diagnostic;
use crate::input::Absence;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a bind mount (`mount ./PATH at ...`) whose source, relative to
    /// the spec, is not there, when Docker would not make what the
    /// container needs: a file (`nginx.conf`, `entrypoint.sh`), or a folder
    /// mounted read-only. A writable folder is not flagged: stackc asks
    /// compose to make it (`create_host_path`), as the short syntax
    /// `./uploads:/app/uploads` does; unless a folder of a close name is
    /// there, which the spec likely meant. Absolute and `~` paths are on the
    /// machine that runs the stack, which stackc cannot see, and are not
    /// checked.
    ///
    /// ## Why is this bad?
    /// Docker makes a folder where a missing source should be: in place of
    /// a file, the container finds a folder it cannot read as its file, or
    /// fails to start; a read-only folder stays empty, since the container
    /// cannot fill it. A file put on the server at deploy time is the
    /// usual reason it is missing here; then turn the rule off where it
    /// does not apply.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image nginx:1.30
    ///     mount ./nginx.conf at /etc/nginx/nginx.conf ro   # no such file
    ///     mount ./site at /usr/share/nginx/html ro         # no ./site folder
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Fix the path, or put the file or folder there before `docker
    /// compose up`.
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
                        None => "compose refuses to start the container, or Docker makes an empty folder in its place: put it there before `docker compose up`, or fix the path".to_string(),
                    }),
            );
        }
    }
}
