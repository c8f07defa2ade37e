use crate::diagnostic::Diagnostic;
use crate::input::Absence;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `secret NAME file PATH` whose file is not there (stackc
    /// looks for it; it never reads a secret).
    ///
    /// ## Why is this bad?
    /// `docker compose up` refuses to start a stack whose file secret is
    /// missing. Secret files are rightly kept out of git and put on the
    /// machine that runs the stack at deploy time, so on a laptop or in CI
    /// this is often expected: turn the rule off there (`stackc lint
    /// --allow missing-secret-file`, or `missing-secret-file = "allow"` in
    /// `stackc.toml`), and keep it on where the stack is deployed from.
    ///
    /// ## Example
    /// ```text
    /// secret db_password file "secrets/db_password.txt"   # not created yet
    /// ```
    ///
    /// ## Use instead
    /// Create the file where the stack runs (`openssl rand -hex 32 >
    /// secrets/db_password.txt`), readable by the containers' users, and
    /// never commit it.
    pub struct MissingSecretFile {
        name: "missing-secret-file",
        severity: Warning,
        summary: "a secret file that is not there yet",
    }
}

impl Rule for MissingSecretFile {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for absent in stack.inputs.absent.iter().filter(|a| a.kind == Absence::SecretFile) {
            out.push(
                Self::META
                    .diagnostic(format!("the secret file `{}` is not there yet", absent.path.value))
                    .primary(absent.path.span, format!("no file at {}", absent.shown))
                    .help(match &absent.close {
                        Some(close) => format!("did you mean `{close}`? It is there"),
                        None => "compose refuses to start without it: create it on the machine that runs the stack (never commit it)".to_string(),
                    }),
            );
        }
    }
}
