use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a key or token written into `env` (`SECRET_KEY`,
    /// `DJANGO_SECRET_KEY`, `*_TOKEN`, `*_API_KEY`, `*_SECRET`,
    /// `*_ACCESS_KEY`), and a URL with a password in it
    /// (`postgres://shop:hunter2@db/shop`) in any variable. Passwords in
    /// password variables are `default-credentials`' job.
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

/// Names (or name endings) of variables that hold keys and tokens.
const SECRET_NAMES: &[&str] = &[
    "SECRET_KEY",
    "_TOKEN",
    "_API_KEY",
    "_SECRET",
    "_ACCESS_KEY",
    "_PRIVATE_KEY",
];

impl Rule for SecretInEnv {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            for var in &service.env {
                let name = var.name.value.to_ascii_uppercase();
                let value = var.value.value.trim();
                let label = if url_password(value) {
                    "a URL with a password in it"
                } else if !value.is_empty()
                    && SECRET_NAMES
                        .iter()
                        .any(|s| name == s.trim_start_matches('_') || name.ends_with(s))
                {
                    "a literal key, in compose.yaml and `docker inspect`"
                } else {
                    continue;
                };
                out.push(
                    Self::META
                        .diagnostic(format!("`{}` of `{}` is written in the spec", var.name.value, service.name.value))
                        .primary(var.value.span, label)
                        .help(format!(
                            "keep it in an uncommitted file: `secret {0} file \"secrets/{0}.txt\"`, then `secret {1} = {0}` here (the app reads the path from `{1}_FILE`)",
                            var.name.value.to_ascii_lowercase(),
                            var.name.value
                        )),
                );
            }
        }
    }
}

/// `scheme://user:password@host...`: credentials in a URL.
fn url_password(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.rsplit_once('@').is_some_and(|(userinfo, _)| {
        userinfo
            .split_once(':')
            .is_some_and(|(_, password)| !password.is_empty())
    })
}
