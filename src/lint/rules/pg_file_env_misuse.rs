use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;
use crate::lint::{facts, images};

declare_rule! {
    /// ## What it does
    /// On the postgres image, flags a `secret VAR = ...` for a variable the
    /// image does not read from a file, and `env` setting both `VAR` and
    /// `VAR_FILE`. A service with init scripts (a mount at
    /// `/docker-entrypoint-initdb.d`) may read any `VAR_FILE` in them: its
    /// secrets are not flagged.
    ///
    /// ## Why is this bad?
    /// `secret VAR = s` hands the container `VAR_FILE`. The image's
    /// entrypoint reads `_FILE` only for `POSTGRES_PASSWORD`,
    /// `POSTGRES_USER`, `POSTGRES_DB` and `POSTGRES_INITDB_ARGS`; for any
    /// other variable the secret is silently ignored. With both `VAR` and
    /// `VAR_FILE` set, the entrypoint exits ("both are set, but they are
    /// exclusive").
    ///
    /// ## Example
    /// ```text
    /// service db {
    ///     image postgres:16.4
    ///     secret PGPASSWORD = db_password
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    ///     secret POSTGRES_PASSWORD = db_password
    /// ```
    pub struct PgFileEnvMisuse {
        name: "pg-file-env-misuse",
        severity: Error,
        summary: "a `_FILE` variable the postgres image ignores, or one set twice",
    }
}

impl Rule for PgFileEnvMisuse {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in stack.services.iter().filter(|s| facts::is_postgres(s)) {
            let file_variables = facts::image(service).map_or(&[][..], images::file_variables);
            // Init scripts of the spec's may read any `VAR_FILE`.
            let read_by_scripts = facts::runs_init_scripts(service);
            for secret in service.secrets.iter().filter(|_| !read_by_scripts) {
                if file_variables.contains(&secret.env.as_str()) {
                    continue;
                }
                out.push(
                    Self::META
                        .diagnostic(format!("the postgres image ignores `{}_FILE`", secret.env.value))
                        .primary(secret.env.span, "this secret never reaches the database")
                        .help(format!("the image reads a file only for {}", file_variables.join(", "))),
                );
            }
            // `secret VAR` next to `env VAR` is a resolution error; here, both in `env`.
            for file in service.env.iter().filter(|v| v.name.value.ends_with("_FILE")) {
                let plain = file.name.value.trim_end_matches("_FILE");
                let Some(value) = facts::env(service, plain) else {
                    continue;
                };
                out.push(
                    Self::META
                        .diagnostic(format!("`{plain}` and `{}` are both set", file.name.value))
                        .primary(file.name.span, "the entrypoint exits when both are set")
                        .secondary(value.name.span, "set here too")
                        .help(format!(
                            "keep one: better `secret {plain} = SECRET` and neither env entry"
                        )),
                );
            }
        }
    }
}
