use crate::diagnostic::Diagnostic;
use crate::ir::{EnvValue, Stack};
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a PostgreSQL service with no superuser password: no
    /// `POSTGRES_PASSWORD` in `env`, no `secret POSTGRES_PASSWORD = ...`,
    /// and no `POSTGRES_HOST_AUTH_METHOD = "trust"` (another method, such
    /// as `md5`, still needs the password), nor any of them in its env files
    /// (an env file stackc could not read counts as setting one: no finding
    /// without certainty). An empty value in `env` (`POSTGRES_PASSWORD =
    /// ""`, as Chatwoot's compose file ships it for the user to fill in),
    /// or in the env file that decides it (`POSTGRES_PASSWORD=`, as
    /// Tandoor's `.env.template` does), is none: the image tests for an
    /// empty one. The image may be the
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
            let names = ["POSTGRES_PASSWORD", "POSTGRES_PASSWORD_FILE"];
            // `env` decides over env files; an empty value in either is none.
            let sets = |name: &str| match facts::env(service, name) {
                Some(var) => !var.value.value.is_empty(),
                None => {
                    facts::sets_var(stack, service, name) != Some(false) && !empty_in_env_file(stack, service, name)
                }
            };
            // Only `trust` lets the entrypoint start without a password
            // (`md5`, `scram-sha-256` still need one); a value stackc
            // cannot read may be it.
            let trusts = match stack.env_value(service, "POSTGRES_HOST_AUTH_METHOD") {
                EnvValue::Set(method, _) => method.trim() == "trust",
                EnvValue::Unset => false,
                EnvValue::Unknown => true,
            };
            let Some(image) = facts::image(service).filter(|_| !trusts && !names.iter().any(|n| sets(n))) else {
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

/// Whether the env file that decides `name` for `service` (the last that
/// sets it, as compose reads them) sets it to nothing (`POSTGRES_PASSWORD=`,
/// as Tandoor's `.env.template` ships it): the entrypoint's `-z` test
/// reads that as unset.
fn empty_in_env_file(stack: &Stack, service: &crate::ir::Service, name: &str) -> bool {
    let deciding = service
        .env_file_paths()
        .rev()
        .find_map(|path| stack.inputs.env_file(&path.value)?.vars.get(name));
    deciding.is_some_and(|entry| !entry.interpolates && entry.value.as_ref().is_some_and(|v| v.value.is_empty()))
}
