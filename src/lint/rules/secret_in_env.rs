use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::{facts, secrets, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a key or token written into `env`: a variable named for one
    /// (`SECRET_KEY`, `*_SECRET_KEY`, `*_SECRET`, `*_TOKEN`, `*_API_KEY`,
    /// `*_ACCESS_KEY`, `*_PRIVATE_KEY`, `*_CLIENT_SECRET`, `*_SIGNING_KEY`,
    /// `*_ENCRYPTION_KEY`, `*_CREDENTIALS`) with a literal value, and in any
    /// variable a URL with a password (`postgres://shop:hunter2@db/shop`,
    /// `redis://:hunter2@cache`) or a secret in its query (`?api_key=...`),
    /// a connection string with a password (`host=db password=hunter2`,
    /// `Server=db;Password=hunter2;`, Go's `app:hunter2@tcp(db:3306)/app`),
    /// or a well-known token (`ghp_...`, `sk_live_...`, `AKIA...`,
    /// `xoxb-...`, Laravel's `base64:...` key, a PEM private key); and in
    /// any variable the password a secret file of the stack holds, of
    /// eight characters or more, between the separators of URLs and
    /// connection strings (nocodb's `NC_DB = "pg://db:5432?u=postgres&p=...&d=app"`
    /// beside the database's `secret POSTGRES_PASSWORD`). Passwords in password variables are
    /// `default-credentials`' job.
    ///
    /// A key under a name a web framework builds into the code browsers
    /// get (`NEXT_PUBLIC_`, `NUXT_PUBLIC_`, `EXPO_PUBLIC_`, `VITE_`,
    /// `REACT_APP_`, `GATSBY_`, `PUBLIC_`) is public by design, such as a
    /// Firebase web API key: at most `possible-secret`'s warning. A token
    /// that is never public (`sk_live_...`) is an error under any name.
    ///
    /// A value that only refers to a secret is fine: a path
    /// (`SECRET_KEY_FILE`, `/run/secrets/key`), a placeholder
    /// (`postgres://shop:${DB_PASSWORD}@db/shop`), a URL without a
    /// password, a boolean or a number.
    ///
    /// In a stack that is never deployed (a development environment, a base
    /// marked `development`), the stack's own credentials are warnings: a
    /// URL's password for one of its services, a key of its own app. A
    /// well-known token (a cloud's, a SaaS's) or a password for a host
    /// outside the stack stays an error.
    ///
    /// ## Why is this bad?
    /// `env` values are written into compose.yaml, shown by `docker
    /// inspect`, and committed with the spec. Django's `SECRET_KEY` signs
    /// sessions, password-reset links and CSRF tokens: whoever reads it can
    /// forge them.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    ///     env {
    ///         SECRET_KEY = "django-insecure-3x@mpl3"
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// A secret, read by the settings from the file `SECRET_KEY_FILE` names:
    /// ```text
    /// secret django_secret_key file "secrets/django_secret_key.txt"
    ///
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    ///     secret SECRET_KEY = django_secret_key
    /// }
    /// ```
    pub struct SecretInEnv {
        name: "secret-in-env",
        severity: Error,
        summary: "a key, token or URL password written into `env`",
    }
}

impl Rule for SecretInEnv {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        let passwords = secret_file_passwords(stack);
        for service in &stack.services {
            for var in &service.env {
                let name = &var.name.value;
                let value = var.value.value.trim();
                // Password variables are `default-credentials`' to report.
                if secrets::is_password_name(name) {
                    continue;
                }
                let Some(secrets::Finding::Certain(label)) = secrets::classify(Some(name), value) else {
                    if let Some(secret) = passwords.iter().find(|(_, password)| holds(value, password)) {
                        out.push(facts::credential_finding(stack, holds_secret(service, var, secret.0)));
                    }
                    continue;
                };
                let help = if secrets::url_password(value).is_some() {
                    let stem = ["_URL", "_URI", "_DSN"]
                        .iter()
                        .find_map(|s| name.strip_suffix(s))
                        .unwrap_or(name);
                    let lower = stem.to_ascii_lowercase();
                    format!(
                        "write the URL without the password and hand the password over as a secret: `secret {lower}_password file \"secrets/{lower}_password.txt\"`, then `secret {stem}_PASSWORD = {lower}_password` here (the app reads the path from `{stem}_PASSWORD_FILE`)"
                    )
                } else {
                    secret_help(name)
                };
                let finding = Self::META
                    .diagnostic(format!("`{name}` of `{}` is written in the spec", service.name.value))
                    .primary(var.value.span, format!("{label}, in compose.yaml and `docker inspect`"))
                    .secret(var.value.span)
                    .help(help);
                // A URL's password for a service of the stack, or the app's
                // own key, is the stack's own credential; a well-known token,
                // or a password for a host outside the stack, is someone
                // else's.
                let elsewhere = secrets::url_password_host(value).is_some_and(|host| stack.service(host).is_none());
                let own = !elsewhere && secrets::known_token(value).is_none();
                out.push(if own {
                    facts::credential_finding(stack, finding)
                } else {
                    finding
                });
            }
        }
    }
}

/// The passwords the stack's password variables read from secret files
/// (`secret POSTGRES_PASSWORD = db_password`), each with its secret's
/// name; only those of eight characters or more, which no word of a value
/// holds by chance, and none that is also a whole value of the spec's
/// (listmonk's user and password are both `listmonk`: a URL naming the
/// user would hold it).
fn secret_file_passwords(stack: &Stack) -> Vec<(&str, &str)> {
    // Each secret once, and the spec's values in a set: 10,000 services
    // reading one secret are not 10,000 scans of every value.
    let mut used: Vec<&str> = (stack.services.iter())
        .flat_map(|service| &service.secrets)
        .filter(|used| secrets::is_password_name(&used.env.value))
        .map(|used| used.secret.value.as_str())
        .collect();
    used.sort_unstable();
    used.dedup();
    if used.is_empty() {
        return Vec::new();
    }
    let values: std::collections::HashSet<&str> = (stack.services.iter())
        .flat_map(|service| &service.env)
        .map(|var| var.value.value.trim())
        .collect();
    used.into_iter()
        .filter_map(|secret| {
            let (_, file) = (stack.inputs.secret_files.iter()).find(|(name, _)| *name == secret)?;
            let password = stack.inputs.source(*file).text.trim();
            let kept = password.chars().count() >= 8 && !values.contains(password);
            kept.then_some((secret, password))
        })
        .collect()
}

/// Whether `value` holds `password` as a part of its own, between the
/// separators of URLs and connection strings (nocodb's
/// `pg://db:5432?u=postgres&p=PASSWORD&d=app`).
fn holds(value: &str, password: &str) -> bool {
    let separator = |c: Option<char>| c.is_none_or(|c| "=:@/?&;, \"'".contains(c));
    value.match_indices(password).any(|(at, _)| {
        separator(value[..at].chars().next_back()) && separator(value[at + password.len()..].chars().next())
    })
}

/// A value that holds the password of one of the stack's secrets, which
/// then lands in compose.yaml beside the secret that keeps it out.
fn holds_secret(service: &crate::ir::Service, var: &crate::ir::EnvVar, secret: &str) -> Diagnostic {
    SecretInEnv::META
        .diagnostic(format!(
            "`{}` of `{}` holds the password of the secret `{secret}`",
            var.name.value, service.name.value
        ))
        .primary(
            var.value.span,
            "the password itself, in compose.yaml and `docker inspect`",
        )
        .secret(var.value.span)
        .help(format!(
            "keep the password out of the value: move `{}` into an env file the spec names (`env_file`), or give \
             the app `{secret}` as a secret if it reads a password file; and change it there when the secret changes",
            var.name.value
        ))
}

/// Moving a variable's value into a file secret.
fn secret_help(name: &str) -> String {
    let secret = name.to_ascii_lowercase();
    format!(
        "keep it in an uncommitted file: `secret {secret} file \"secrets/{secret}.txt\"`, then `secret {name} = {secret}` here (the app reads the path from `{name}_FILE`)"
    )
}
