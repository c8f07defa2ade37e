use crate::diagnostic::Diagnostic;
use crate::ir::{Service, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags an `env` value (or one of an env file the service names) that
    /// names a secret's file in the container,
    /// `/run/secrets/NAME` (or the `file:///run/secrets/NAME` URL that
    /// authentik reads a setting from), when the service mounts no secret
    /// there: no `secret NAME`, `secret VAR = NAME` or `secret ... at
    /// PATH` of that path, and no mount of a folder holding it. A value of
    /// an env file several services read is taken for the one that mounts
    /// the secret, and is not flagged.
    ///
    /// ## Why is this bad?
    /// Compose mounts a secret only in the containers that list it. A
    /// value written by hand (`DATABASE_PASSWORD_FILE`, authentik's
    /// `AUTHENTIK_SECRET_KEY = "file:///run/secrets/..."`) with the secret
    /// left out of the service, or its name mistyped, points at a file that
    /// is never there: the app fails at start, or runs with an empty key.
    ///
    /// ## Example
    /// ```text
    /// secret authentik_secret_key file "secrets/authentik_secret_key.txt"
    ///
    /// service worker {
    ///     image ghcr.io/goauthentik/server:2025.2.4
    ///     command ["worker"]
    ///     env {
    ///         AUTHENTIK_SECRET_KEY = "file:///run/secrets/authentik_secret_key"
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Mount the secret where the value says:
    /// ```text
    /// secret authentik_secret_key file "secrets/authentik_secret_key.txt"
    ///
    /// service worker {
    ///     image ghcr.io/goauthentik/server:2025.2.4
    ///     command ["worker"]
    ///     env {
    ///         AUTHENTIK_SECRET_KEY = "file:///run/secrets/authentik_secret_key"
    ///     }
    ///     secret authentik_secret_key
    /// }
    /// ```
    pub struct SecretPathUnmounted {
        name: "secret-path-unmounted",
        severity: Error,
        summary: "an env value names a secret's file the service does not mount",
    }
}

const SECRETS: &str = "/run/secrets/";

impl Rule for SecretPathUnmounted {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let mounted = mounted_files(service);
            let unmounted = |value: &str| {
                let path = secret_path(value)?;
                let name = path.strip_prefix(SECRETS).filter(|n| !n.is_empty())?;
                let there = mounted.contains(&path) || covered_by_mount(service, &path);
                (!there).then(|| (path.to_string(), help(stack, service, name, &mounted)))
            };
            let message = |var: &str, path: &str| {
                format!("`{var}` names `{path}`, which `{}` does not mount", service.name.value)
            };
            for var in &service.env {
                if let Some((path, help)) = unmounted(&var.value.value) {
                    out.push(
                        Self::META
                            .diagnostic(message(&var.name.value, &path))
                            .primary(var.value.span, "no secret of this service is there")
                            .help(help),
                    );
                }
            }
            // An env file of the service, where such settings often live.
            for path in service.env_file_paths() {
                let Some(loaded) = stack.inputs.env_file(&path.value) else {
                    continue;
                };
                for entry in &loaded.vars.vars {
                    let Some(value) = &entry.value else { continue };
                    // The spec's `env` wins, and is checked above.
                    if facts::env(service, &entry.name.value).is_some() {
                        continue;
                    }
                    let Some((secret, help)) = unmounted(&value.value) else {
                        continue;
                    };
                    // One env file for several services (the stack's
                    // `.env`): the setting is for the one that mounts it.
                    // Asked last: it reads every service.
                    if read_by_one_that_mounts(stack, &path.value, &value.value) {
                        continue;
                    }
                    out.push(
                        Self::META
                            .diagnostic(message(&entry.name.value, &secret))
                            .primary(path.span, format!("`{}` comes from this env file", entry.name.value))
                            .secondary_in(loaded.file, value.span, "no secret of this service is there")
                            .help(help),
                    );
                }
            }
        }
    }
}

/// What to do: mount the declared secret of that name, or see which paths
/// the service's secrets are at.
fn help(stack: &Stack, service: &Service, name: &str, mounted: &[String]) -> String {
    if stack.secrets.iter().any(|s| s.name.value == name) {
        format!("add `secret {name}` to `{}`", service.name.value)
    } else if mounted.is_empty() {
        format!(
            "`{}` mounts no secret: declare one and add `secret NAME` here",
            service.name.value
        )
    } else {
        format!("`{}` has its secrets at {}", service.name.value, mounted.join(", "))
    }
}

/// Where the service's secrets are in the container.
fn mounted_files(service: &Service) -> Vec<String> {
    let uses = service.secrets.iter().map(|s| format!("{SECRETS}{}", s.secret.value));
    let mounts = (service.secret_mounts.iter()).map(|m| match &m.target {
        Some(target) => target.value.clone(),
        None => format!("{SECRETS}{}", m.secret.value),
    });
    uses.chain(mounts).collect()
}

/// Whether a service that reads the env file `file` has the secret file
/// `value` names (`/run/secrets/X` or `file://` of it).
fn read_by_one_that_mounts(stack: &Stack, file: &str, value: &str) -> bool {
    let Some(path) = secret_path(value) else {
        return true;
    };
    (stack.services.iter())
        .filter(|s| s.env_file_paths().any(|p| p.value == file))
        .any(|s| mounted_files(s).contains(&path) || covered_by_mount(s, &path))
}

/// The path in `/run/secrets` a value is, as the container resolves it
/// (`/run/secrets/./ak` and `/run/secrets/ak/` are `/run/secrets/ak`), or
/// its `file://` URL; `None` for anything else, a list of paths among
/// them (each may be read differently).
fn secret_path(value: &str) -> Option<String> {
    let value = value.trim();
    let path = value.strip_prefix("file://").unwrap_or(value);
    if !path.starts_with(SECRETS) || path.contains([',', ' ', '\t', ';']) {
        return None;
    }
    let normal = crate::emit::paths::normalize(std::path::Path::new(path));
    let normal = normal.to_str()?.trim_end_matches('/').to_string();
    normal.starts_with(SECRETS).then_some(normal)
}

/// Whether a volume or host folder is mounted over the path's folder
/// (`mount ./secrets at /run/secrets`).
fn covered_by_mount(service: &Service, path: &str) -> bool {
    (service.mounts.iter()).any(|m| {
        let target = m.target.value.trim_end_matches('/');
        path == target || path.strip_prefix(target).is_some_and(|rest| rest.starts_with('/'))
    })
}
