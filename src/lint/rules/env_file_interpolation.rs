use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::secrets::is_quotable_variable;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a variable of an `env_file` whose value holds a `$` before a
    /// name no variable is written as (lowercase, as in a password hash:
    /// `ADMIN_TOKEN=$argon2id$v=19$m=65540,t=3,p=4$...`, a bcrypt
    /// `$2y$05$...` in a basic-auth value), unquoted or in double quotes.
    /// A `$` before a variable's name as such names are written
    /// (`${POSTGRES_PASSWORD}`, `$HOME`) is taken as meant.
    ///
    /// ## Why is this bad?
    /// compose fills `$name` and `${name}` in an env file's values from the
    /// environment it runs in, where none of these names is set: the
    /// container gets the hash cut to pieces (`=19=65540,t=3,p=4...`), and
    /// the login it guards fails, or takes another password, with nothing
    /// said by compose.
    ///
    /// ## Example
    /// ```text
    /// service vaultwarden {
    ///     image vaultwarden/server:1.32.7
    ///     env_file "env/vaultwarden.env"   # ADMIN_TOKEN=$argon2id$v=19$...
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Single-quote the value in the env file (`ADMIN_TOKEN='$argon2id$...'`):
    /// compose fills nothing in inside single quotes. Or write each `$`
    /// of it as `$$`.
    pub struct EnvFileInterpolation {
        name: "env-file-interpolation",
        severity: Warning,
        summary: "an env file's value with a `$` before a name no variable is written as (a password hash), which compose fills in from the environment",
        target: Compose,
    }
}

impl Rule for EnvFileInterpolation {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            for path in service.env_file_paths() {
                let Some(loaded) = stack.inputs.env_file(&path.value) else {
                    continue;
                };
                for entry in &loaded.vars.vars {
                    let Some(value) = entry.value.as_ref().filter(|_| entry.interpolates) else {
                        continue;
                    };
                    let variables = crate::input::env_file::variables(&value.value);
                    if variables.iter().all(|name| is_quotable_variable(name)) {
                        continue;
                    }
                    // The value is most likely a secret: named, never shown.
                    out.push(
                        Self::META
                            .diagnostic(format!(
                                "`{}`'s value holds a `$` before a name compose fills in from the environment",
                                entry.name.value
                            ))
                            .primary(path.span, "compose reads this env file")
                            .secondary_in(loaded.file, value.span, "compose fills in what follows each `$`")
                            .secret_in(loaded.file, value.span)
                            .help(format!(
                                "single-quote the value in {} (`{}='...'`): compose fills nothing in inside single \
                                 quotes; or write each `$` as `$$`",
                                path.value, entry.name.value
                            )),
                    );
                }
            }
        }
    }
}
