use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a PostgreSQL service with no superuser password: no
    /// `POSTGRES_PASSWORD` in `env`, no `secret POSTGRES_PASSWORD = ...`,
    /// and no `POSTGRES_HOST_AUTH_METHOD`, nor any of them in its env files
    /// (an env file stackc could not read counts as setting one: no finding
    /// without certainty). An empty value in `env` (`POSTGRES_PASSWORD =
    /// ""`, as Chatwoot's compose file ships it for the user to fill in)
    /// is none: the image tests for an empty one. The image may be the
    /// official one, or PostGIS, pgvector or pgautoupgrade, built on it.
    ///
    /// ## Why is this bad?
    /// The image refuses to initialise an empty data folder without one
    /// ("Database is uninitialized and superuser password is not
    /// specified") and the container exits; everything that waits for the
    /// database waits forever.
    ///
    /// ## Example
    /// ```text
    /// service db {
    ///     image postgres:16.4
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// secret db_password file "secrets/db_password.txt"
    ///
    /// service db {
    ///     image postgres:16.4
    ///     secret POSTGRES_PASSWORD = db_password
    /// }
    /// ```
    pub struct PgPasswordMissing {
        name: "pg-password-missing",
        severity: Error,
        summary: "a PostgreSQL service without a password refuses to start",
    }
}

impl Rule for PgPasswordMissing {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in stack.services.iter().filter(|s| facts::is_postgres(s)) {
            // Set anywhere, or maybe set in an env file stackc did not read.
            let names = [
                "POSTGRES_PASSWORD",
                "POSTGRES_PASSWORD_FILE",
                "POSTGRES_HOST_AUTH_METHOD",
            ];
            // `env` decides over env files; its empty value is none.
            let sets = |name: &str| match facts::env(service, name) {
                Some(var) => !var.value.value.is_empty(),
                None => facts::sets_var(stack, service, name) != Some(false),
            };
            let Some(image) = facts::image(service).filter(|_| !names.iter().any(|n| sets(n))) else {
                continue;
            };
            let mut finding = Self::META
                .diagnostic(format!("`{}` has no database password and will not start", service.name.value))
                .primary(image.text.span, "the image refuses to initialise without `POSTGRES_PASSWORD`")
                .help("declare `secret db_password file \"secrets/db_password.txt\"` and add `secret POSTGRES_PASSWORD = db_password` here");
            if let Some(empty) = facts::env(service, "POSTGRES_PASSWORD") {
                finding = finding.secondary(empty.value.span, "an empty password is none");
            }
            out.push(finding);
        }
    }
}
