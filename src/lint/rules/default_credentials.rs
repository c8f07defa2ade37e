use crate::diagnostic::Diagnostic;
use crate::input::LoadedEnvFile;
use crate::ir::{EnvOrigin, EnvValue, EnvVar, Service, Stack};
use crate::lint::{facts, secrets, Rule};
use crate::source::Spanned;

declare_rule! {
    /// ## What it does
    /// Flags a password variable set, in the spec, to a well-known value:
    /// `admin`, `postgres`, `password`, `root`, `guest`, `changeme` and the
    /// like, or the user name itself; and any other password written into
    /// `env` as a literal. An empty value is no password at all, not a
    /// default one: an app that sends none (SMTP without authentication,
    /// the compose default `${SMTP_PASSWORD:-}`), or a database image that
    /// refuses to start without one (`pg-password-missing` says so for
    /// PostgreSQL); it is not reported. A password from a `secret` is fine,
    /// unless the secret's file, where it is there, holds one of those
    /// well-known passwords or the user name (as `stackc import` writes the
    /// one it found), and then the app URLs that hold the same password are
    /// named too, since they must change with it;
    /// so is a value that only says where the password is: the path of a
    /// mounted secret (`/run/secrets/db-password`), a placeholder, or any
    /// `*_FILE` variable. A password in an env file the spec names is
    /// flagged only when it is a well-known one or the user name (a URL's
    /// own user too: `postgres://saleor:saleor@db`; a key such as
    /// `SECRET_KEY=changeme` by the same list), and as a warning: the file is the place for a password, and it may be a
    /// template each deployment fills in (n8n's `.env` ships
    /// `changePassword`). In a stack that is never deployed (a development
    /// environment, a base marked `development`) it is a warning: the
    /// password guards a database on a laptop, and is committed all the
    /// same.
    ///
    /// ## Why is this bad?
    /// These are the first passwords anyone tries. The seed stack ships
    /// `POSTGRES_USER=admin` with `POSTGRES_PASSWORD=admin`; once port 5432 or
    /// the app is reachable, so is every row. A password written in the spec
    /// also lands in `compose.yaml`, in `docker inspect` and in version
    /// control.
    ///
    /// ## Example
    /// ```text
    /// service db {
    ///     image postgres:16.4
    ///     env {
    ///         POSTGRES_USER     = "admin"
    ///         POSTGRES_PASSWORD = "admin"
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Keep the password in a file that is not committed, and hand it over as
    /// a compose secret (the container gets `POSTGRES_PASSWORD_FILE`):
    /// ```text
    /// secret db_password file "secrets/db_password.txt"
    ///
    /// service db {
    ///     image postgres:16.4
    ///     secret POSTGRES_PASSWORD = db_password
    /// }
    /// ```
    pub struct DefaultCredentials {
        name: "default-credentials",
        severity: Error,
        summary: "a password set to a well-known value, or written into `env` at all",
    }
}

/// Passwords that credential-stuffing lists try first, and the stand-ins
/// templates ship (`changePassword`), as [`is_well_known`] compares them.
const WELL_KNOWN: &[&str] = &[
    "admin",
    "administrator",
    "changeit",
    "changeme",
    "changepassword",
    "changethis",
    "default",
    "guest",
    "letmein",
    "pass",
    "passw0rd",
    "password",
    "postgres",
    "qwerty",
    "root",
    "secret",
    "test",
    "toor",
    "user",
    "1234",
    "12345",
    "123456",
    "12345678",
    "test123",
    "admin123",
    "password123",
    "secret123",
    "example",
];

impl Rule for DefaultCredentials {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        in_secret_files(stack, out);
        in_env_files(stack, out);
        for service in &stack.services {
            let user_names: Vec<&EnvVar> = service.env.iter().filter(|v| is_user_variable(&v.name.value)).collect();
            for var in service.env.iter().filter(|v| secrets::is_password_name(&v.name.value)) {
                let value = var.value.value.trim();
                // Nothing, the path of a mounted secret, or a placeholder
                // filled in later, is no password: the app sends none, or
                // reads the password from where it says.
                if holds_no_password(value) {
                    continue;
                }
                let well_known = is_well_known(value);
                let same_as_user = user_names
                    .iter()
                    .find(|u| u.value.value.trim().eq_ignore_ascii_case(value));
                let (message, why) = if same_as_user.is_some() {
                    (
                        "is set to a default password",
                        "the password is the user name".to_string(),
                    )
                } else if well_known {
                    ("is set to a default password", WELL_KNOWN_LABEL.to_string())
                } else {
                    (
                        "is written in the spec",
                        "a literal password ends up in compose.yaml and `docker inspect`".to_string(),
                    )
                };
                let mut finding = Self::META
                    .diagnostic(format!("`{}` {message}", var.name.value))
                    .primary(var.value.span, why)
                    .secret(var.value.span);
                if let Some(user) = same_as_user {
                    // The user name is the password: shown, it would tell it.
                    finding = finding
                        .secondary(user.value.span, "the user name")
                        .secret(user.value.span);
                }
                let finding = finding.help(format!(
                    "move it out of the spec: `secret {0} file \"secrets/{0}.txt\"` at the top level, then `secret {1} = {0}` here instead of the env entry",
                    secret_name(&var.name.value),
                    var.name.value
                ));
                out.push(facts::credential_finding(stack, finding));
            }
        }
    }
}

/// A password variable whose secret file holds a well-known password, or
/// the user name (a file `stackc import` wrote from a compose file's
/// environment: listmonk's `POSTGRES_USER` and `POSTGRES_PASSWORD` are
/// both `listmonk`).
fn in_secret_files(stack: &Stack, out: &mut Vec<Diagnostic>) {
    for service in &stack.services {
        let users = user_names(stack, service);
        for used in service
            .secrets
            .iter()
            .filter(|s| secrets::is_password_name(&s.env.value))
        {
            let Some((_, id)) = stack.inputs.secret_files.iter().find(|(n, _)| *n == used.secret.value) else {
                continue;
            };
            let file = stack.inputs.source(*id);
            let value = file.text.trim();
            let what = if users.iter().any(|u| u.eq_ignore_ascii_case(value)) {
                "the user name"
            } else if is_well_known(value) {
                "a well-known default password"
            } else {
                continue;
            };
            let span = crate::source::Span::new(0, file.text.trim_end().len());
            let mut finding = DefaultCredentials::META
                .diagnostic(format!("`{}` is set to a default password", used.env.value))
                .primary(used.secret.span, format!("`{}` holds {what}", used.secret.value))
                .secondary_in(*id, span, "this password")
                .secret_in(*id, span);
            // An app's connection URL with the same password in it (what
            // `stackc import` leaves of umami's `DATABASE_URL`), or an app
            // variable set to it (Mealie's `POSTGRES_PASSWORD` in its env
            // file), must change with the file, or the app no longer logs in.
            let mut also = Vec::new();
            for (service, name, origin) in holding(stack, value) {
                finding = origin.label(finding, "the same password, which must change with it");
                also.push(format!("`{name}` of `{service}`"));
            }
            let also = and_the_same_into(&also);
            out.push(finding.help(format!("put a long random password into {}{also}", file.name)));
        }
    }
}

/// The end of a help that names the other places holding the same
/// password, which must change with it: `, and the same into X, Y`.
fn and_the_same_into(places: &[String]) -> String {
    match places.is_empty() {
        true => String::new(),
        false => format!(", and the same into {}", places.join(", ")),
    }
}

/// The variables (of any service, in `env` or an env file) whose URL holds
/// `password`, or that are password variables set to it: the service, the
/// variable and where it is set.
fn holding<'a>(stack: &'a Stack, password: &str) -> Vec<(&'a str, &'a str, EnvValue)> {
    let mut found = Vec::new();
    for service in &stack.services {
        let from_files = (service.env_file_paths())
            .filter_map(|path| stack.inputs.env_file(&path.value))
            .flat_map(|file| &file.vars.vars)
            .map(|entry| entry.name.value.as_str());
        let mut names: Vec<&str> = service
            .env
            .iter()
            .map(|v| v.name.value.as_str())
            .chain(from_files)
            .collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let value = stack.env_value(service, name);
            let holds = |known: &str| {
                secrets::url_password(known) == Some(password)
                    || (secrets::is_password_name(name) && known.trim() == password)
            };
            if value.known().is_some_and(holds) {
                found.push((service.name.value.as_str(), name, value));
            }
        }
    }
    found
}

/// The label of a well-known password, which names no value: the snippet
/// masks the password, and a label (in every output format) must not print
/// it either.
const WELL_KNOWN_LABEL: &str = "a well-known default password, among the first an attacker tries";

/// A well-known password, whatever its case and separators
/// (`CHANGE_ME`, `change-me` and `changeMe` are `changeme`), or a value
/// that says it is a stand-in to replace (`change-this-insecure-key`,
/// Django's generated `django-insecure-...`).
fn is_well_known(value: &str) -> bool {
    let plain: String = value
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    WELL_KNOWN.contains(&plain.as_str()) || STAND_IN_WORDS.iter().any(|w| plain.contains(w))
}

/// Words of a value that says it is to be replaced.
const STAND_IN_WORDS: &[&str] = &["changeme", "changethis", "insecure", "replaceme", "pleasechange"];

/// Nothing, a placeholder or path ([`secrets::refers_to_secret`]), or the
/// word a framework reads as no value (Laravel's `MAIL_PASSWORD=null`):
/// no password is sent.
fn holds_no_password(value: &str) -> bool {
    value.is_empty()
        || secrets::refers_to_secret(value)
        || ["null", "none", "nil"]
            .iter()
            .any(|word| value.eq_ignore_ascii_case(word))
}

/// A password variable an env file of the service sets (and the spec's
/// `env` does not) to a well-known password or the user name, or a URL
/// it sets with such a password in it (miniflux's `DATABASE_URL=
/// postgres://miniflux:secret@db/...`, whose password the database's
/// secret file also holds: both must change).
fn in_env_files(stack: &Stack, out: &mut Vec<Diagnostic>) {
    for service in &stack.services {
        let files: Vec<(&Spanned<String>, &LoadedEnvFile)> = service
            .env_file_paths()
            .filter_map(|path| Some((path, stack.inputs.env_file(&path.value)?)))
            .collect();
        // Only the entries that may hold a password are looked up (each
        // lookup reads the service's env files again).
        let may_hold_one = |entry: &&crate::input::env_file::EnvEntry| {
            let url_password = |value: &str| secrets::url_password(value).is_some();
            secrets::is_secret_name(&entry.name.value)
                || (entry.value.as_ref()).is_some_and(|v| {
                    url_password(&v.value)
                        || (entry.interpolates
                            && crate::input::env_file::filled_with_defaults(&v.value).is_some_and(|v| url_password(&v)))
                })
        };
        let mut names: Vec<&str> = (files.iter())
            .flat_map(|(_, file)| &file.vars.vars)
            .filter(may_hold_one)
            .map(|entry| entry.name.value.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        let users = user_names(stack, service);
        for name in names {
            // As import writes Twenty's `${PG_PASSWORD:-postgres}`: the default.
            let found = stack.env_value_with_defaults(service, name);
            let (Some(value), EnvValue::Set(_, EnvOrigin::EnvFile(file, _))) = (found.known(), &found) else {
                continue;
            };
            // A key (`SECRET_KEY=changeme`) is judged by the same list; a
            // URL's password also against the URL's own user.
            let url = facts::UrlParts::of(value).filter(|_| secrets::url_password(value).is_some());
            let (value, url_user) = match url {
                Some(url) if !secrets::is_secret_name(name) => (url.password.unwrap_or_default(), url.user),
                _ if secrets::is_secret_name(name) => (value.trim(), None),
                _ => continue,
            };
            let why = if holds_no_password(value) {
                continue;
            } else if (users.iter().map(String::as_str).chain(url_user)).any(|u| u.eq_ignore_ascii_case(value)) {
                "the password is the user name".to_string()
            } else if is_well_known(value) {
                WELL_KNOWN_LABEL.to_string()
            } else {
                continue;
            };
            let Some((path, loaded)) = files.iter().find(|(_, f)| f.file == *file) else {
                continue;
            };
            let (what, kind) = if secrets::is_password_name(name) {
                ("is set to a default password", "password")
            } else if secrets::is_secret_name(name) {
                ("is set to a default value", "key")
            } else {
                ("holds a default password", "password")
            };
            let mut finding = DefaultCredentials::META
                .diagnostic(format!("`{name}` {what}"))
                .primary(path.span, format!("`{name}` comes from this env file"));
            let why = match loaded.vars.get(name).is_some_and(|e| e.interpolates) {
                true => format!("the default compose fills in where the host sets no value: {why}"),
                false => why,
            };
            finding = found.label(finding, why);
            if let Some(written) = loaded.vars.get(name).and_then(|e| e.value.as_ref()) {
                finding = finding.secret_in(*file, written.span);
            }
            // A secret file that holds the same password (import split one
            // between the database's secret and the app's env file); an
            // app's key that happens to match it is another secret.
            let same: Vec<String> = (stack.inputs.secret_files.iter())
                .filter(|_| kind == "password")
                .map(|(_, id)| stack.inputs.source(*id))
                .filter(|file| file.text.trim() == value)
                .map(|file| file.name.clone())
                .collect();
            let also = and_the_same_into(&same);
            let mut finding = finding.help(format!(
                "put a long random {kind} into {} where the stack is deployed{also}",
                path.value
            ));
            // The file may be a template the deployment fills in: a warning.
            finding.severity = crate::diagnostic::Severity::Warning;
            out.push(finding);
        }
    }
}

/// The user names `service` is given, in its `env` or its env files.
fn user_names(stack: &Stack, service: &Service) -> Vec<String> {
    let from_files = (service.env_file_paths())
        .filter_map(|path| stack.inputs.env_file(&path.value))
        .flat_map(|file| &file.vars.vars)
        .map(|entry| entry.name.value.as_str());
    let mut names: Vec<&str> = (service.env.iter().map(|v| v.name.value.as_str()))
        .chain(from_files)
        .filter(|name| is_user_variable(name))
        .collect();
    names.sort_unstable();
    names.dedup();
    (names.into_iter())
        .filter_map(|name| stack.env_value(service, name).known().map(|v| v.trim().to_string()))
        .collect()
}

fn is_user_variable(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    name == "USER" || name.ends_with("_USER") || name.ends_with("USERNAME")
}

/// A secret name to suggest for a variable: `POSTGRES_PASSWORD` -> `postgres_password`.
fn secret_name(variable: &str) -> String {
    variable.to_ascii_lowercase()
}
