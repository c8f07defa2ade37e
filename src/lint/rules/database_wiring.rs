use crate::diagnostic::Diagnostic;
use crate::ir::{EnvOrigin, EnvValue, Probe, Service, Stack};
use crate::lint::facts;
use crate::lint::images::POSTGRES_USER_IS_POSTGRES;
use crate::lint::{secrets, Rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Follows an app's database settings to the PostgreSQL service they
    /// name and checks that the two agree: the host variable
    /// (`DATABASE_HOST`, `DB_HOST`, `SQL_HOST`, `POSTGRES_HOST`, `PGHOST`) is a service
    /// of the stack and not the app's own loopback; the user and database
    /// names match the service's `POSTGRES_USER` and `POSTGRES_DB`; the
    /// password comes from the same secret (the user and database names
    /// only where the database runs no init scripts, which may make
    /// others); and the service's `pg_isready`
    /// check asks for that user and database. A whole connection URL
    /// (`DATABASE_URL=postgres://USER:PASSWORD@HOST/DATABASE`, as Prisma,
    /// Rails and dj-database-url read it; `postgres`, `postgresql`,
    /// `postgresql+DRIVER` and `postgis` URLs), in `env` or an env file, is
    /// checked the same way, its password (for the database's own user)
    /// against the one the database is given (read from the secret's file;
    /// never shown). A URL it cannot read plainly (several hosts, a
    /// password with an unescaped `/` or `@`) is left alone. A host that is no
    /// service is not reported for an app on an `external` network, where
    /// another project's database may go by that name, or one whose
    /// `extra_hosts` gives the name an address; it is an error when a
    /// data store's name is close to it (a typo), else a warning (a bare name
    /// may resolve through the host's DNS search domains).
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
            for name in URL {
                check_url(stack, app, name, out);
            }
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
            let Some(db) = service_at(stack, app, name) else {
                // A dotted name or an address is a database outside the
                // stack, as is another project's container on a network
                // shared with it.
                if !name.contains(['.', ':']) && !name.is_empty() && !found_outside(stack, app, name) {
                    let finding = DatabaseWiring::META
                        .diagnostic(format!(
                            "`{}` looks for its database at `{name}`, which is not a service",
                            app.name.value
                        ))
                        .primary(host.value.span, "no service of this stack has this name");
                    out.push(no_such_service(stack, finding, name, "name the database's service"));
                }
                continue;
            };
            if !facts::is_postgres(db) {
                continue;
            }
            let (user, name) = postgres_identity(stack, db);
            for (what, names, setting) in database_settings(&user, &name)
                .into_iter()
                .filter(|_| !runs_init_scripts(db))
            {
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

/// The variables apps read a whole connection URL from (Prisma's, Rails',
/// dj-database-url's, miniflux's, umami's).
const URL: &[&str] = &["DATABASE_URL", "POSTGRES_URL", "POSTGRESQL_URL", "DB_URL"];

/// A `postgres://USER:PASSWORD@HOST/DATABASE` URL of the app's, in its
/// `env` or an env file: the host a PostgreSQL service of the stack, the
/// user and database its own, the password the one it was given (read
/// from the secret's file or its `env`; never shown).
/// Whether `host` may be found outside the stack: another project's
/// container on an `external` network, or a name the app's `extra_hosts`
/// gives an address (`/etc/hosts`).
fn found_outside(stack: &Stack, app: &Service, host: &str) -> bool {
    stack.on_external_network(app)
        || app.raw_compose.iter().any(|raw| {
            raw.key.as_str() == "extra_hosts"
                && crate::compose_values::extra_host_names(&raw.value.value).contains(&host)
        })
}

/// A database host that is no service: an error when a data store's name
/// is close to it (a typo: `did you mean`), else a warning, as a bare name
/// may still resolve through the host's DNS (its search domains).
fn no_such_service(stack: &Stack, finding: Diagnostic, host: &str, help: &str) -> Diagnostic {
    let stores = stack.services.iter().filter(|s| facts::is_data_store(s));
    let names = stores.map(|s| s.name.value.as_str());
    match crate::suggest::closest(host, names) {
        Some(close) => finding.help(format!("did you mean `{close}`? {help}")),
        None => {
            let mut finding = finding.help(format!(
                "{help}; a database outside the stack is best named by its full DNS name or address"
            ));
            finding.severity = crate::diagnostic::Severity::Warning;
            finding
        }
    }
}

fn check_url(stack: &Stack, app: &Service, variable: &str, out: &mut Vec<Diagnostic>) {
    let found = stack.env_value(app, variable);
    let Some(url) = found.known().and_then(facts::UrlParts::of) else {
        return;
    };
    // An `@` after the host: a password with an unescaped `/` or `@`,
    // whose parts would be read as the host (and shown). Several hosts
    // (`db,replica`) are libpq's failover list.
    let unclear = url.path.contains('@') || url.host.contains(',');
    if !is_postgres_scheme(url.scheme) || url.host.is_empty() || unclear {
        return;
    }
    let Some(at) = facts::spec_place(stack, app, &found) else {
        return;
    };
    let finding = |message: String, label: String| {
        found.label(
            DatabaseWiring::META
                .diagnostic(message)
                .primary(at, format!("`{variable}` is set here")),
            label,
        )
    };
    if facts::is_loopback(url.host) {
        out.push(
            finding(
                format!(
                    "`{}`'s `{variable}` looks for the database in its own container",
                    app.name.value
                ),
                "in a container, this host is the container itself".to_string(),
            )
            .help("name the database's service as the URL's host, e.g. `db`"),
        );
        return;
    }
    let Some(db) = service_at(stack, app, url.host) else {
        if !url.host.contains(['.', ':', '$', '%']) && !found_outside(stack, app, url.host) {
            let message = format!(
                "`{}`'s `{variable}` looks for the database at `{}`, which is not a service",
                app.name.value, url.host
            );
            let finding = finding(message, "no service of this stack has this name".to_string());
            out.push(no_such_service(
                stack,
                finding,
                url.host,
                "name the database's service as the URL's host",
            ));
        }
        return;
    };
    if !facts::is_postgres(db) {
        return;
    }
    let (user, name) = postgres_identity(stack, db);
    let path = (!url.path.is_empty()).then_some(url.path);
    // `?user=` names the user instead (libpq's parameters win).
    let url_user = url
        .user
        .filter(|_| !found.known().unwrap_or_default().contains("user="));
    let settings = database_settings(&user, &name)
        .into_iter()
        .filter(|_| !runs_init_scripts(db));
    for ((what, _, setting), got) in settings.zip([url_user, path]) {
        let (Some(got), Some(expected)) = (got.map(percent_decoded), setting.value) else {
            continue;
        };
        if got == expected || got.contains(['$', '{']) {
            continue;
        }
        let message = format!(
            "`{}` connects as {what} `{got}` in `{variable}`, which `{}` does not have",
            app.name.value, db.name.value
        );
        let finding = finding(message, format!("`{}` has {what} `{expected}`", db.name.value));
        let finding = setting.origin.label(finding, format!("`{}`'s {what}", db.name.value));
        out.push(finding.help(format!(
            "write `{expected}` in the URL, or change `{}` of `{}`",
            setting.variable, db.name.value
        )));
    }
    // Only the database's own user's password is known: a role an init
    // script makes has its own.
    let own_user = url_user.map(percent_decoded).as_deref() == user.or_default("postgres");
    let sent = (url.password)
        .filter(|p| own_user && !secrets::is_placeholder(p))
        .map(percent_decoded);
    if let (Some(sent), Some((given, from))) = (sent, database_password(stack, db)) {
        if sent != given {
            out.push(
                finding(
                    format!(
                        "`{}` sends another password in `{variable}` than `{}` was given",
                        app.name.value, db.name.value
                    ),
                    "this URL's password".to_string(),
                )
                .secondary(from, format!("`{}`'s password", db.name.value))
                .help("write the database's password into the URL (or build the URL from the same secret): both must change together"),
            );
        }
    }
}

/// Whether the database runs init scripts on its first start (a mount at
/// `/docker-entrypoint-initdb.d`), which may make other roles and
/// databases than `POSTGRES_USER`'s and `POSTGRES_DB`'s.
fn runs_init_scripts(db: &Service) -> bool {
    (db.mounts.iter()).any(|m| {
        m.target
            .value
            .trim_end_matches('/')
            .starts_with("/docker-entrypoint-initdb.d")
    })
}

/// The URL schemes of PostgreSQL: libpq's, SQLAlchemy's with a driver
/// (`postgresql+psycopg2`), and dj-database-url's `postgis`.
fn is_postgres_scheme(scheme: &str) -> bool {
    let (base, _driver) = scheme.split_once('+').unwrap_or((scheme, ""));
    matches!(base, "postgres" | "postgresql" | "postgis")
}

/// The service a host name reaches from `app` on compose's network: its
/// name (DNS ignores case), its `container_name`, or an alias `app`'s
/// compose `links` give it (`links = "[postgres:db]"`).
fn service_at<'a>(stack: &'a Stack, app: &Service, host: &str) -> Option<&'a Service> {
    let host = host.to_ascii_lowercase();
    let linked = || {
        let links = app.raw_compose.iter().filter(|r| r.key.value == "links");
        let entries = links.flat_map(|r| r.value.value.as_array().into_iter().flatten());
        entries.filter_map(|entry| entry.as_str()).find_map(|entry| {
            let (service, alias) = entry.split_once(':').unwrap_or((entry, entry));
            alias
                .eq_ignore_ascii_case(&host)
                .then(|| stack.service(service))
                .flatten()
        })
    };
    stack
        .service(&host)
        .or_else(|| {
            (stack.services.iter()).find(|s| {
                s.container_name
                    .as_ref()
                    .is_some_and(|c| c.value.eq_ignore_ascii_case(&host))
            })
        })
        .or_else(linked)
}

/// The password a PostgreSQL service is given, and where the spec gives
/// it: its secret's file, where it was read, or a literal in its `env`.
fn database_password(stack: &Stack, db: &Service) -> Option<(String, Span)> {
    if let Some(used) = db.secrets.iter().find(|s| s.env.value == "POSTGRES_PASSWORD") {
        let (_, id) = stack
            .inputs
            .secret_files
            .iter()
            .find(|(n, _)| *n == used.secret.value)?;
        let text = stack.inputs.source(*id).text.trim_end_matches(['\n', '\r']);
        return Some((text.to_string(), used.secret.span));
    }
    match stack.env_value(db, "POSTGRES_PASSWORD") {
        EnvValue::Set(value, EnvOrigin::Spec(span)) => Some((value, span)),
        _ => None,
    }
}

/// A URL part with its `%XX` escapes read (`p%40ss` is `p@ss`); one that
/// is not valid UTF-8 once read stays as written.
fn percent_decoded(part: &str) -> String {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = (bytes.get(at + 1..at + 3))
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| part.to_string())
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
