use crate::diagnostic::Diagnostic;
use crate::ir::{EnvValue, Probe, Service, Stack};
use crate::lint::facts;
use crate::lint::images::POSTGRES_USER_IS_POSTGRES;
use crate::lint::Rule;
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Follows an app's database settings to the PostgreSQL service they
    /// name and checks that the two agree: the host variable
    /// (`DATABASE_HOST`, `DB_HOST`, `SQL_HOST`, `POSTGRES_HOST`, `PGHOST`) is a service
    /// of the stack and not the app's own loopback; the user and database
    /// names match the service's `POSTGRES_USER` and `POSTGRES_DB`; the
    /// password comes from the same secret; and the service's `pg_isready`
    /// check asks for that user and database.
    ///
    /// ## Why is this bad?
    /// These values live in two places (the app's settings and the
    /// database's environment) and nothing compares them: a typo is a
    /// `password authentication failed` or `database does not exist` at
    /// run time, and a healthcheck with the wrong user logs `FATAL: role
    /// ... does not exist` every few seconds. `localhost` in a container is
    /// the container itself.
    ///
    /// ## Example
    /// ```text
    /// service db {
    ///     image postgres:16.4
    ///     env {
    ///         POSTGRES_USER = "shop"
    ///     }
    ///     secret POSTGRES_PASSWORD = db_password
    /// }
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    ///     env {
    ///         DATABASE_HOST = "db"
    ///         DATABASE_USER = "shop_user"
    ///     }
    ///     secret DATABASE_PASSWORD = old_password
    /// }
    /// ```
    ///
    /// ## Use instead
    /// The same names, and the same secret, on both sides:
    /// ```text
    ///         DATABASE_USER = "shop"
    ///     }
    ///     secret DATABASE_PASSWORD = db_password
    /// ```
    pub struct DatabaseWiring {
        name: "database-wiring",
        severity: Error,
        summary: "an app's database host, user, name or password secret that the database does not have",
    }
}

/// The variable names apps read their database settings from: Django
/// projects' own, the `SQL_*` of the widely copied testdriven.io setup,
/// and libpq's.
const HOST: &[&str] = &["DATABASE_HOST", "DB_HOST", "SQL_HOST", "POSTGRES_HOST", "PGHOST"];
const USER: &[&str] = &["DATABASE_USER", "DB_USER", "SQL_USER", "POSTGRES_USER", "PGUSER"];
const NAME: &[&str] = &["DATABASE_NAME", "DB_NAME", "SQL_DATABASE", "POSTGRES_DB", "PGDATABASE"];
const PASSWORD: &[&str] = &[
    "DATABASE_PASSWORD",
    "DB_PASSWORD",
    "SQL_PASSWORD",
    "POSTGRES_PASSWORD",
    "PGPASSWORD",
];

impl Rule for DatabaseWiring {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for db in stack.services.iter().filter(|s| facts::is_postgres(s)) {
            check_healthcheck(stack, db, out);
        }
        for app in stack.services.iter().filter(|s| !facts::is_postgres(s)) {
            let Some(host) = facts::env_any(app, HOST) else {
                continue;
            };
            let name = host.value.value.trim();
            if facts::is_loopback(name) {
                out.push(
                    DatabaseWiring::META
                        .diagnostic(format!(
                            "`{}` looks for its database in its own container",
                            app.name.value
                        ))
                        .primary(host.value.span, "in a container, this is the container itself")
                        .help("name the database's service, e.g. `db`"),
                );
                continue;
            }
            let Some(db) = stack.service(name) else {
                // A dotted name or an address is a database outside the stack.
                if !name.contains(['.', ':']) && !name.is_empty() {
                    out.push(
                        DatabaseWiring::META
                            .diagnostic(format!(
                                "`{}` looks for its database at `{name}`, which is not a service",
                                app.name.value
                            ))
                            .primary(host.value.span, "no service of this stack has this name")
                            .help("name the database's service"),
                    );
                }
                continue;
            };
            if !facts::is_postgres(db) {
                continue;
            }
            let (user, name) = postgres_identity(stack, db);
            for (what, names, setting) in database_settings(&user, &name) {
                let (Some(var), Some(expected)) = (facts::env_any(app, names), setting.value) else {
                    continue;
                };
                if var.value.value == expected {
                    continue;
                }
                out.push(mismatch(app, db, what, var.value.span, &var.value.value, &setting));
            }
            let db_secret = db.secrets.iter().find(|s| s.env.value == "POSTGRES_PASSWORD");
            let app_secret = app.secrets.iter().find(|s| PASSWORD.contains(&s.env.as_str()));
            if let (Some(db_secret), Some(app_secret)) = (db_secret, app_secret) {
                if db_secret.secret.value != app_secret.secret.value {
                    out.push(
                        DatabaseWiring::META
                            .diagnostic(format!(
                                "`{}` reads its database password from another secret than `{}` was given",
                                app.name.value, db.name.value
                            ))
                            .primary(app_secret.secret.span, "the app's password")
                            .secondary(db_secret.secret.span, "the database's password")
                            .help(format!("use `{}` on both sides", db_secret.secret.value)),
                    );
                }
            }
        }
    }
}

fn mismatch(app: &Service, db: &Service, what: &str, span: Span, got: &str, setting: &Setting) -> Diagnostic {
    let expected = setting.value.unwrap_or_default();
    let finding = DatabaseWiring::META
        .diagnostic(format!(
            "`{}` connects as {what} `{got}`, which `{}` does not have",
            app.name.value, db.name.value
        ))
        .primary(span, format!("`{}` has {what} `{expected}`", db.name.value));
    let finding = setting.origin.label(finding, format!("`{}`'s {what}", db.name.value));
    finding.help(format!(
        "write `{expected}`, or change `{}` of `{}`",
        setting.variable, db.name.value
    ))
}

/// The user or database name a PostgreSQL service has, as the official
/// image decides it: `POSTGRES_USER`, else `postgres`; `POSTGRES_DB`, else
/// the user. `value` is `None` when an env file the spec cannot read
/// decides it.
struct Setting<'a> {
    variable: &'static str,
    value: Option<&'a str>,
    origin: &'a EnvValue,
}

/// The `POSTGRES_USER` and `POSTGRES_DB` a PostgreSQL service gets, from
/// its `env` or its env files; unknown where the spec sets no user and
/// the image's own default is not known to be `postgres`.
fn postgres_identity(stack: &Stack, db: &Service) -> (EnvValue, EnvValue) {
    let default_is_postgres =
        facts::image(db).is_some_and(|image| POSTGRES_USER_IS_POSTGRES.contains(&image.hub_name()));
    let user = match stack.env_value(db, "POSTGRES_USER") {
        EnvValue::Unset if !default_is_postgres => EnvValue::Unknown,
        user => user,
    };
    (user, stack.env_value(db, "POSTGRES_DB"))
}

/// What each setting is called, which app variables name it, and what it is.
fn database_settings<'a>(
    user: &'a EnvValue,
    name: &'a EnvValue,
) -> [(&'static str, &'static [&'static str], Setting<'a>); 2] {
    let user_value = user.or_default("postgres");
    let name_value = match name {
        EnvValue::Unset => user_value,
        _ => name.known(),
    };
    [
        (
            "user",
            USER,
            Setting {
                variable: "POSTGRES_USER",
                value: user_value,
                origin: user,
            },
        ),
        (
            "database",
            NAME,
            Setting {
                variable: "POSTGRES_DB",
                value: name_value,
                origin: name,
            },
        ),
    ]
}

/// `pg_isready -U USER -d DB` in the database's own readiness check: a
/// literal user or database it does not have fills the log with FATALs.
fn check_healthcheck(stack: &Stack, db: &Service, out: &mut Vec<Diagnostic>) {
    let Some(Probe::Cmd(argv)) = db.ready.as_ref().map(|r| &r.probe) else {
        return;
    };
    let (user, name) = postgres_identity(stack, db);
    let settings = database_settings(&user, &name);
    for program in facts::programs(argv)
        .iter()
        .filter(|p| p.first().is_some_and(|w| w.ends_with("pg_isready")))
    {
        for ((what, _, setting), (short, long)) in settings.iter().zip([("-U", "--username"), ("-d", "--dbname")]) {
            let (Some(asked), Some(expected)) = (facts::option_value(program, short, long), setting.value) else {
                continue;
            };
            if asked.contains('$') || asked == expected {
                continue;
            }
            let finding = DatabaseWiring::META
                .diagnostic(format!(
                    "the readiness check of `{}` asks for {what} `{asked}`, which it does not have",
                    db.name.value
                ))
                .primary(
                    argv.span,
                    format!("the server logs `FATAL` for `{asked}` at every check"),
                );
            out.push(
                setting
                    .origin
                    .label(finding, format!("`{}`'s {what}", db.name.value))
                    .help(format!("ask for `{expected}`, or for `${}`", setting.variable)),
            );
        }
    }
}
