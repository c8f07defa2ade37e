use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::secrets::{self, Finding};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a secret in a container label or a raw `compose` value (a
    /// logging option, an annotation, an extension key): an entry named for
    /// a secret (`db.password`, `splunk-token`) with a literal value, in a
    /// map or as a `NAME=VALUE` list item; and anywhere, a URL with a
    /// password (`loki-url: https://user:hunter2@logs/...`), a well-known
    /// token, or an htpasswd line (`admin:$apr1$...`, `$2y$`, `{SHA}`), as
    /// Traefik's `basicauth.users` label takes it, or such a label's
    /// password in the clear (`admin:hunter2`, which Traefik never matches).
    ///
    /// ## Why is this bad?
    /// Labels and raw values are written into compose.yaml as they are,
    /// which is committed; labels are also shown to anyone who can run
    /// `docker inspect` or list containers. A password hash is a
    /// credential too: a dictionary cracks it offline.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    ///     labels {
    ///         com.example.db.password = "hunter2"
    ///     }
    ///     compose logging = "{driver: loki, options: {loki-url: 'https://shop:hunter2@logs.example/loki/api/v1/push'}}"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Give the secret to the program that needs it through a file secret,
    /// or configure the logging driver's credentials on the host (the
    /// Docker daemon's configuration), not in the stack. Traefik reads
    /// htpasswd lines from a file (`basicauth.usersfile =
    /// "/run/secrets/NAME"`, with `secret NAME` in Traefik's service).
    pub struct SecretInComposeValue {
        name: "secret-in-compose-value",
        severity: Error,
        summary: "a password or token in a label or a raw compose value",
    }
}

const HELP: &str = "keep it in an uncommitted file: `secret NAME file \"secrets/NAME.txt\"`, and give it to the program that needs it with `secret VAR = NAME` (the path is in `VAR_FILE`)";

/// Traefik reads htpasswd lines from a file as well as from its label.
const HASH_HELP: &str = "keep the htpasswd lines in an uncommitted file Traefik reads: `secret NAME file \"secrets/NAME.txt\"`, `secret NAME` in Traefik's service, and the label `...basicauth.usersfile = \"/run/secrets/NAME\"` instead of `users`";

impl Rule for SecretInComposeValue {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let certain = |name: Option<&str>, value: &str| match secrets::classify(name, value) {
                Some(Finding::Certain(what)) => Some(what),
                _ => None,
            };
            for label in &service.labels {
                let plain = traefik_plain_password(&label.name.value, &label.value.value);
                let found = certain(Some(&label.name.value), &label.value.value).or(plain.clone());
                if let Some(what) = found {
                    out.push(
                        Self::META
                            .diagnostic(format!("a label of `{}` has a secret in it", service.name.value))
                            .primary(
                                label.value.span,
                                format!("{what}, in compose.yaml and `docker inspect`"),
                            )
                            .secret(label.value.span)
                            .help(if plain.is_some() || secrets::is_htpasswd(&label.value.value) {
                                HASH_HELP
                            } else {
                                HELP
                            }),
                    );
                }
            }
            for raw in &service.raw_compose {
                let found = secrets::named_strings(&raw.value.value)
                    .into_iter()
                    .find_map(|(name, value)| certain(name, value).map(|what| (name, what)));
                let Some((name, what)) = found else { continue };
                let place = name.map_or(String::new(), |n| format!(" (`{n}`)"));
                out.push(
                    Self::META
                        .diagnostic(format!(
                            "`compose {}` of `{}` has a secret in it",
                            raw.key.value, service.name.value
                        ))
                        .primary(
                            raw.value.span,
                            format!("{what}{place}, written into compose.yaml as is"),
                        )
                        .secret(raw.value.span)
                        .help(HELP),
                );
            }
        }
    }
}

/// Traefik's basic-auth users (`...basicauth.users = "admin:HASH,..."`):
/// a password that is no htpasswd hash is the password itself, written
/// out (and one Traefik never matches).
fn traefik_plain_password(name: &str, value: &str) -> Option<String> {
    if !name.to_ascii_lowercase().ends_with(".basicauth.users") {
        return None;
    }
    let plain = (value.split(',').filter_map(|entry| entry.trim().split_once(':')))
        .any(|(_, password)| !password.is_empty() && !secrets::is_password_hash(password));
    plain.then(|| "a password in the clear where Traefik reads an htpasswd hash".to_string())
}
