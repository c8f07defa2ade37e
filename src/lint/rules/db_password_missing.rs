use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a MySQL or MariaDB server (the official images) given no way
    /// to set its root password: none of `MYSQL_ROOT_PASSWORD`,
    /// `MYSQL_ALLOW_EMPTY_PASSWORD`, `MYSQL_RANDOM_ROOT_PASSWORD` (and for
    /// MariaDB their `MARIADB_*` names and `MARIADB_ROOT_PASSWORD_HASH`),
    /// in `env`, a `secret` or an env file (one stackc could not read
    /// counts as setting it: no finding without certainty).
    /// (PostgreSQL has `pg-password-missing`.)
    ///
    /// ## Why is this bad?
    /// The entrypoint refuses to initialise an empty data folder without
    /// one ("You need to specify one of the following as an environment
    /// variable") and the container exits; everything that waits for the
    /// database waits forever.
    ///
    /// ## Example
    /// ```text
    /// service db {
    ///     image mysql:8.4.3
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// secret db_root_password file "secrets/db_root_password.txt"
    ///
    /// service db {
    ///     image mysql:8.4.3
    ///     secret MYSQL_ROOT_PASSWORD = db_root_password
    /// }
    /// ```
    pub struct DbPasswordMissing {
        name: "db-password-missing",
        severity: Error,
        summary: "a MySQL or MariaDB service without a root password refuses to start",
    }
}

const MYSQL: &[&str] = &[
    "MYSQL_ROOT_PASSWORD",
    "MYSQL_ALLOW_EMPTY_PASSWORD",
    "MYSQL_RANDOM_ROOT_PASSWORD",
];

const MARIADB: &[&str] = &[
    "MARIADB_ROOT_PASSWORD",
    "MARIADB_ROOT_PASSWORD_HASH",
    "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
    "MARIADB_RANDOM_ROOT_PASSWORD",
];

impl Rule for DbPasswordMissing {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in stack.services.iter().filter(|s| facts::runs_image_server(s)) {
            let Some(image) = facts::image(service) else { continue };
            let (product, names) = match image.hub_name() {
                "mysql" => ("MySQL", MYSQL.to_vec()),
                // MariaDB reads the MySQL names too.
                "mariadb" => ("MariaDB", [MARIADB, MYSQL].concat()),
                _ => continue,
            };
            // Set anywhere (a `secret` sets `NAME_FILE`, which the
            // entrypoint reads), or maybe set in an env file not read.
            let set = |name: &str| {
                facts::sets_var(stack, service, name) != Some(false)
                    || facts::sets_var(stack, service, &format!("{name}_FILE")) != Some(false)
            };
            if names.iter().any(|n| set(n)) {
                continue;
            }
            out.push(
                Self::META
                    .diagnostic(format!("`{}` has no root password and will not start", service.name.value))
                    .primary(image.text.span, format!("{product} refuses to initialise without `{}`", names[0]))
                    .help(format!(
                        "declare `secret db_root_password file \"secrets/db_root_password.txt\"` and add `secret {} = db_root_password` here",
                        names[0]
                    )),
            );
        }
    }
}
