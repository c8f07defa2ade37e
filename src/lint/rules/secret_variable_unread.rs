use crate::diagnostic::Diagnostic;
use crate::ir::{ImageRef, SecretUse, Service, Stack};
use crate::lint::Rule;
use crate::lint::{facts, images};

declare_rule! {
    /// ## What it does
    /// Flags a `secret VAR = ...` whose `VAR_FILE` the image never reads:
    /// on Grafana's and Gitea's images (which read `VAR__FILE`), and on official images whose entrypoint reads
    /// only some variables from a file (MySQL, MariaDB, MongoDB) or none
    /// (RabbitMQ 3.9 and later, Redis, Valkey, Ghost). PostgreSQL has its own rule,
    /// `pg-file-env-misuse`. A service with a command of its own, or a
    /// database's init scripts (a mount at `/docker-entrypoint-initdb.d`),
    /// is not flagged: they may read the file themselves.
    ///
    /// ## Why is this bad?
    /// `secret VAR = s` mounts the secret and hands the container
    /// `VAR_FILE`, the path. An image reads that path only for the
    /// variables its entrypoint knows; for any other, the secret is
    /// silently ignored and the container starts without it. Grafana
    /// reads a file for `GF_..._FILE` only with two underscores
    /// (`GF_SECURITY_ADMIN_PASSWORD__FILE`): with one, the admin password
    /// stays Grafana's default, `admin`. RabbitMQ 3.9 dropped the image's
    /// `RABBITMQ_DEFAULT_PASS_FILE`: it then creates only `guest`, and the
    /// app's user does not exist.
    ///
    /// ## Example
    /// ```text
    /// service grafana {
    ///     image grafana/grafana:11.3.0
    ///     secret GF_SECURITY_ADMIN_PASSWORD = grafana_admin
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Mount the secret and name its path in the variable Grafana reads:
    /// ```text
    /// service grafana {
    ///     image grafana/grafana:11.3.0
    ///     secret grafana_admin
    ///     env {
    ///         GF_SECURITY_ADMIN_PASSWORD__FILE = "/run/secrets/grafana_admin"
    ///     }
    /// }
    /// ```
    pub struct SecretVariableUnread {
        name: "secret-variable-unread",
        severity: Error,
        summary: "a `secret VAR = ...` whose `VAR_FILE` the image never reads",
    }
}

/// Apps whose images read a setting's file from `VAR__FILE` (two
/// underscores), never `VAR_FILE`: their images, their name, and how their
/// settings' variables are written.
struct DoubleUnderscoreFile {
    images: &'static [&'static str],
    app: &'static str,
    prefix: &'static str,
    pattern: &'static str,
}

/// Grafana's images.
const GRAFANA: &[&str] = &["grafana/grafana", "grafana/grafana-oss", "grafana/grafana-enterprise"];

const DOUBLE_UNDERSCORE_FILE: &[DoubleUnderscoreFile] = &[
    DoubleUnderscoreFile {
        images: GRAFANA,
        app: "Grafana",
        prefix: "GF_",
        pattern: "GF_<SECTION>_<KEY>",
    },
    DoubleUnderscoreFile {
        images: &["gitea/gitea", "docker.gitea.com/gitea"],
        app: "Gitea",
        prefix: "GITEA__",
        pattern: "GITEA__<SECTION>__<KEY>",
    },
];

/// The official images with an entrypoint that reads `VAR_FILE` for the
/// variables in [`images::file_variables`], and for no other.
const READS_SOME_FILES: &[&str] = &["mysql", "mariadb", "mongo"];

/// Images whose entrypoint reads no `VAR_FILE` at all: Redis and Valkey
/// take their password on the command line or in a config file, Ghost its
/// settings from variables (`database__connection__password`).
const READS_NO_FILES: &[&str] = &["redis", "valkey/valkey", "ghost"];

impl Rule for SecretVariableUnread {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some(image) = facts::image(service) else {
                continue;
            };
            if service.secrets.is_empty() || has_own_command(service) {
                continue;
            }
            let repository = image.hub_name();
            if let Some(app) = DOUBLE_UNDERSCORE_FILE.iter().find(|a| a.images.contains(&repository)) {
                // `secret GF_X_ = s` gives Grafana the `GF_X__FILE` it reads.
                for secret in service.secrets.iter().filter(|s| !s.env.ends_with('_')) {
                    out.push(double_underscore_file(app, secret));
                }
            } else if repository == "rabbitmq" && !before_3_9(image) {
                for secret in &service.secrets {
                    out.push(rabbitmq(secret));
                }
            } else if READS_NO_FILES.contains(&repository) {
                for secret in &service.secrets {
                    out.push(reads_no_files(repository, secret));
                }
            } else if READS_SOME_FILES.contains(&repository) && !facts::runs_init_scripts(service) {
                let read = images::file_variables(image);
                for secret in service.secrets.iter().filter(|s| !read.contains(&s.env.as_str())) {
                    out.push(
                        Self::META
                            .diagnostic(format!("the {repository} image ignores `{}_FILE`", secret.env.value))
                            .primary(secret.env.span, "this secret never reaches the container's server")
                            .help(format!("the image reads a file only for {}", read.join(", "))),
                    );
                }
            }
        }
    }
}

/// An image that reads no `VAR_FILE`: the secret reaches nothing unless a
/// command of the spec's own reads the file.
fn reads_no_files(repository: &str, secret: &SecretUse) -> Diagnostic {
    let name = &secret.env.value;
    let help = match repository {
        "redis" | "valkey/valkey" => format!(
            "read the file where the server starts: `command [\"sh\", \"-c\", \"exec {}-server --requirepass \\\"$(cat \\\"${name}_FILE\\\")\\\"\"]` (and `user {}`)",
            repository.rsplit('/').next().unwrap_or(repository),
            repository.rsplit('/').next().unwrap_or(repository),
        ),
        _ => format!(
            "the image reads `{name}` itself: give it in an env file kept out of version control (`env_file \"env/{}.env\"`), or read the file in a command of your own",
            repository.rsplit('/').next().unwrap_or(repository)
        ),
    };
    SecretVariableUnread::META
        .diagnostic(format!(
            "the {repository} image reads no `_FILE` variable: `{name}_FILE` is never read"
        ))
        .primary(secret.env.span, "this secret never reaches the container's server")
        .help(help)
}

/// Grafana and Gitea read `VAR__FILE`, never `VAR_FILE`.
fn double_underscore_file(app: &DoubleUnderscoreFile, secret: &SecretUse) -> Diagnostic {
    let name = &secret.env.value;
    let DoubleUnderscoreFile {
        app, prefix, pattern, ..
    } = app;
    let mut diagnostic = SecretVariableUnread::META
        .diagnostic(format!("{app} ignores `{name}_FILE`"))
        .primary(secret.env.span, format!("this secret never reaches {app}"));
    diagnostic = if name.starts_with(prefix) {
        diagnostic.help(format!(
            "{app} reads a file for `{name}__FILE` (two underscores): write `secret {secret}` and \
             `env {{ {name}__FILE = \"/run/secrets/{secret}\" }}`",
            secret = secret.secret.value
        ))
    } else {
        diagnostic.help(format!(
            "{app} reads its settings from `{pattern}` variables, and a file for `{pattern}__FILE`"
        ))
    };
    diagnostic
}

/// RabbitMQ's image dropped its `_FILE` variables in 3.9: the server reads
/// `RABBITMQ_DEFAULT_USER`/`_PASS` themselves, and a file only as config.
fn rabbitmq(secret: &SecretUse) -> Diagnostic {
    SecretVariableUnread::META
        .diagnostic(format!("RabbitMQ ignores `{}_FILE`", secret.env.value))
        .primary(
            secret.env.span,
            "this secret never reaches RabbitMQ (3.9 and later read no `_FILE` variable)",
        )
        .help(
            "hold the user and password in a config file kept as a secret: `secret rabbitmq_conf at \
             /etc/rabbitmq/conf.d/10-defaults.conf`, the file saying `default_user = ...` and `default_pass = ...`",
        )
}

/// A tag before 3.9, whose entrypoint still read `_FILE` variables.
fn before_3_9(image: &ImageRef) -> bool {
    let Some(tag) = image.tag() else {
        return false;
    };
    let mut numbers = tag.split(['.', '-']).map(|part| part.parse::<u32>().ok());
    match (numbers.next().flatten(), numbers.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor) < (3, 9),
        (Some(major), None) => major < 3,
        _ => false,
    }
}

/// A command or entrypoint of the spec's own, which may read any file:
/// anything but options handed to the image's server.
fn has_own_command(service: &Service) -> bool {
    let program = service.command.as_ref().and_then(|c| c.words.first());
    service.entrypoint.is_some()
        || !facts::hands_server_words(service)
        || program.is_some_and(|p| {
            !p.starts_with('-') && facts::image(service).is_some_and(|i| GRAFANA.contains(&i.hub_name()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Span, Spanned};

    fn image(text: &str) -> ImageRef {
        ImageRef::split(Spanned::new(text.to_string(), Span::new(0, 0)))
    }

    #[test]
    fn rabbitmq_tags_before_3_9_still_read_files() {
        for old in ["rabbitmq:3.8", "rabbitmq:3.8.19-management-alpine", "rabbitmq:2"] {
            assert!(before_3_9(&image(old)), "{old}");
        }
        for new in [
            "rabbitmq",
            "rabbitmq:3",
            "rabbitmq:3-management",
            "rabbitmq:3.9",
            "rabbitmq:3.13.7-alpine",
            "rabbitmq:4.1",
            "rabbitmq:management",
        ] {
            assert!(!before_3_9(&image(new)), "{new}");
        }
    }
}
