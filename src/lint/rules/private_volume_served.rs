use crate::diagnostic::Diagnostic;
use foldhash::{HashMap, HashMapExt};

use crate::ir::{LocationAction, Mount, MountSource, Service, Stack};
use crate::lint::{facts, images, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a proxy location that serves (`alias`) a volume that another
    /// container mounts over its app's source, or over a database's,
    /// cache's or queue's data: at the folder a Python image stackc writes
    /// copies the app's source to (its `workdir`, `/app` by default) or a
    /// folder above it, or on a data store's image (PostgreSQL, MySQL,
    /// Redis, ...), or over configuration and keys: a folder under `/etc`
    /// (certbot's `/etc/letsencrypt`), `/run/secrets`, or an `.ssh`
    /// folder, or where a published app keeps its keys with its data
    /// (Gitea's and Vaultwarden's `/data`, Grafana's `/var/lib/grafana`,
    /// n8n's `/home/node/.n8n`, GitLab's `/var/opt/gitlab`). A raw
    /// `nginx "root PATH"` over `/run/secrets` (the proxy's
    /// own secrets: its TLS key), `/etc` whole or its key folders
    /// (`/etc/ssl/private`, `/etc/letsencrypt/live`), `/proc` or `/root`
    /// is flagged too; so is one over a host folder the proxy mounts that
    /// holds `.env` or `.git` (a PHP app's project folder served whole,
    /// not its `public/`), unless a location refuses dotted paths first.
    ///
    /// ## Why is this bad?
    /// Docker fills an empty named volume with what the image holds at the
    /// mount point, so the volume holds the app's code and settings, or
    /// the database's files, and nginx hands any of them to whoever asks:
    /// `/static/settings.py`, `/static/.env`, the database's pages, a TLS
    /// certificate's private key.
    ///
    /// ## Example
    /// ```text
    /// volume code
    ///
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    ///     mount code at /app
    /// }
    ///
    /// proxy nginx {
    ///     upstream django { server web:8000 }
    ///     location / { proxy_pass django }
    ///     location /static/ { alias code }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Serve a volume that holds only the files meant for the public,
    /// mounted where `collectstatic` writes them:
    /// ```text
    /// volume static
    ///
    /// service web {
    ///     build ./app { collectstatic to /app/staticfiles }
    ///     gunicorn shop.wsgi:application
    ///     mount static at /app/staticfiles
    /// }
    /// ```
    pub struct PrivateVolumeServed {
        name: "private-volume-served",
        severity: Error,
        summary: "nginx serves a volume that holds an app's source, a database's files or keys",
    }
}

impl Rule for PrivateVolumeServed {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        let mut mounts = None;
        for (service, proxy) in facts::proxies(stack) {
            // A raw `root` over the proxy's own secrets (its TLS
            // key) or the system's keys and settings.
            let settings = (proxy.servers.iter())
                .flat_map(|s| std::iter::once(&s.settings).chain(s.locations.iter().map(|l| &l.settings)));
            let served = settings
                .flat_map(|s| &s.raw)
                // A raw `alias` is refused in lowering: the statement says it.
                .filter(|d| d.name == "root");
            for directive in served {
                let Some(root) = directive.args.first() else { continue };
                if let Some(finding) = dotfiles_served(stack, service, proxy, directive, root) {
                    out.push(finding);
                }
                let Some(what) = private_folder(root) else {
                    continue;
                };
                out.push(
                    Self::META
                        .diagnostic(format!("`{}` serves {what}", service.name.value))
                        .primary(directive.text.span, "nginx hands out every file under this folder")
                        .help("serve a volume that holds only public files (`alias VOLUME`), or the app's public folder alone"),
                );
            }
            for location in proxy.locations() {
                let LocationAction::Alias(crate::ir::Alias { volume, .. }) = &location.action else {
                    continue;
                };
                let holders = mounts
                    .get_or_insert_with(|| volume_mounts(stack))
                    .get(volume.value.as_str());
                for &(service, mount) in holders.into_iter().flatten() {
                    let Some(what) = holds(stack, service, &mount.target.value) else {
                        continue;
                    };
                    out.push(
                        Self::META
                            .diagnostic(format!(
                                "`{}` serves the volume `{}`, which holds {what}",
                                location.path.value, volume.value
                            ))
                            .primary(volume.span, "nginx hands out every file of this volume")
                            .secondary(
                                mount.target.span,
                                format!("`{}` mounts it here, over {what}", service.name.value),
                            )
                            .help("serve a volume of its own that holds only public files (`collectstatic`'s folder), never one mounted over an app's source, a database's data or a folder of configuration and keys"),
                    );
                }
            }
        }
    }
}

/// What a folder nginx serves with a raw `root` holds that is private:
/// the whole file system (`/`, or `/usr/..`), compose's secrets (a TLS
/// key, which nginx's user can read), or the system's keys, settings and
/// state: `/etc` whole, its key folders, `/proc`, `/sys`, `/dev`, `/root`.
/// `..` is read as nginx reads it.
fn private_folder(path: &str) -> Option<String> {
    let normal = crate::emit::paths::normalize(std::path::Path::new(path));
    let path = normal.to_str()?.trim_end_matches('/');
    if path.is_empty() {
        // Only `/` (a relative root is the prefix's, /etc/nginx/).
        return normal
            .has_root()
            .then(|| "`/`, the whole file system (the proxy's secrets, its TLS key among them)".to_string());
    }
    let under = |folder: &str| path == folder || path.starts_with(&format!("{folder}/"));
    let above = |folder: &str| folder.starts_with(&format!("{path}/"));
    if under("/run/secrets") || above("/run/secrets") || above("/var/run/secrets") {
        return Some(format!(
            "`{path}`, which holds the proxy's secrets (its TLS key among them)"
        ));
    }
    const KEYS: [&str; 5] = [
        "/etc/ssl/private",
        "/etc/letsencrypt/live",
        "/etc/letsencrypt/archive",
        "/etc/ssh",
        "/etc/shadow",
    ];
    if path == "/etc" || KEYS.iter().any(|folder| under(folder) || above(folder)) {
        return Some(format!("`{path}`, which holds the system's settings or keys"));
    }
    ["/proc", "/sys", "/dev", "/root"]
        .into_iter()
        .find(|folder| under(folder))
        .map(|folder| format!("`{path}`, the system's `{folder}`"))
}

/// A raw `root` over a folder of the host the proxy mounts (a PHP app's
/// source, as its FPM container has it) that holds `.env` or `.git`, with
/// no location refusing dotted paths: `GET /.env` hands out the app's
/// keys (Laravel's root is its `public/` folder, not the project).
fn dotfiles_served(
    stack: &Stack,
    service: &Service,
    proxy: &crate::ir::Proxy,
    directive: &crate::ir::RawDirective,
    root: &str,
) -> Option<Diagnostic> {
    let root = crate::emit::paths::normalize(std::path::Path::new(root));
    let root = root.to_str()?.trim_end_matches('/');
    let (mount, private) = service.mounts.iter().find_map(|mount| {
        let MountSource::Host(source) = &mount.source else {
            return None;
        };
        let private = stack.inputs.private_in_folders.get(&source.value)?;
        let target = mount.target.value.trim_end_matches('/');
        // The mount is the folder served, or inside it.
        let served = target == root || root.is_empty() || target.starts_with(&format!("{root}/"));
        served.then_some((mount, private))
    })?;
    if proxy.locations().any(refuses_dotted_paths) {
        return None;
    }
    let names: Vec<String> = private.iter().map(|n| format!("`{n}`")).collect();
    Some(
        PrivateVolumeServed::META
            .diagnostic(format!("`{}` serves the app's {}", service.name.value, names.join(" and ")))
            .primary(directive.text.span, "nginx hands out every file under this folder")
            .secondary(mount.target.span, "mounted here from a folder that holds them")
            .help("serve the app's public folder alone (`nginx \"root /var/www/html/public\"` for Laravel), or refuse dotted paths first: `location ~ \"/\\\\.(?!well-known)\" { return 404 }`"),
    )
}

/// A regex location for dotted paths (`/\.`, `\.env`, `\.git`) that
/// answers 4xx (a `return` or a raw `deny`).
fn refuses_dotted_paths(location: &crate::ir::Location) -> bool {
    let pattern = &location.path.value;
    let dotted = ["/\\.", "\\.env", "\\.git", "/\\.ht"]
        .iter()
        .any(|p| pattern.contains(p));
    let refuses = match &location.action {
        LocationAction::Return(ret) => (400..500).contains(&ret.code.value),
        _ => location.settings.raw.iter().any(|d| d.name == "deny"),
    };
    dotted && refuses
}

/// Each volume's mounts in the containers other than proxies, found once
/// for all the locations that serve one (a scan per location grew with
/// the square of the stack).
fn volume_mounts(stack: &Stack) -> HashMap<&str, Vec<(&Service, &Mount)>> {
    let mut by_volume: HashMap<&str, Vec<(&Service, &Mount)>> = HashMap::new();
    for service in stack.services.iter().filter(|s| s.proxy().is_none()) {
        for mount in &service.mounts {
            if let MountSource::Volume(volume) = &mount.source {
                by_volume
                    .entry(volume.value.as_str())
                    .or_default()
                    .push((service, mount));
            }
        }
    }
    by_volume
}

/// What a mount at `target` in `service` fills its volume with, when that
/// is private: a data store's data, or the app's source (the mount is at
/// the folder its image copies the build folder to, or above it).
fn holds(stack: &Stack, service: &Service, target: &str) -> Option<String> {
    if facts::is_data_store(service) {
        return Some(format!("`{}`'s data", service.name.value));
    }
    let target = target.trim_end_matches('/');
    // A volume holds what is under its mount: one below the folder (Gitea's
    // `/data/gitea/public`) holds that part only.
    let keeps_keys = |folder: &str| folder == target || is_under(folder, target);
    if let Some(folder) = facts::image(service)
        .and_then(images::private_data)
        .filter(|f| keeps_keys(f))
    {
        return Some(format!("`{}`'s data and keys in `{folder}`", service.name.value));
    }
    if is_configuration(target) {
        return Some(format!("`{}`'s configuration in `{target}`", service.name.value));
    }
    let source = source_folder(stack, service)?;
    let source = source.trim_end_matches('/');
    let above = source == target || is_under(source, target);
    above.then(|| format!("`{}`'s source", service.name.value))
}

/// Whether `path` is inside `folder` (both without a trailing `/`).
fn is_under(path: &str, folder: &str) -> bool {
    path.strip_prefix(folder).is_some_and(|rest| rest.starts_with('/'))
}

/// Folders that hold a container's configuration, keys and secrets: the
/// system's settings (`/etc/letsencrypt`'s private keys, an app's
/// `/etc/shop`), compose's secrets and SSH keys. (A home is where many
/// images keep the app, `/home/app/web`, and its collected static files.)
fn is_configuration(target: &str) -> bool {
    let under = |folder: &str| target == folder || target.starts_with(&format!("{folder}/"));
    ["/etc", "/run/secrets"].into_iter().any(under) || target.split('/').any(|part| part == ".ssh")
}

/// Where the image a service runs holds the app's source: the `workdir`
/// of a Python image stackc writes, which copies the build folder there.
/// (An app's own Dockerfile may build from a folder of public files only,
/// as a static site's image does: not judged.)
fn source_folder(stack: &Stack, service: &Service) -> Option<String> {
    let python = stack.builder_of(service)?.build()?.python()?;
    Some(python.workdir.value.clone())
}

#[cfg(test)]
#[test]
fn private_folders_are_secrets_keys_and_the_systems_own() {
    for private in [
        "/run",
        "/run/secrets/",
        "/etc",
        "/etc/ssl/private",
        "/proc/self",
        "/usr/share/nginx/html/../../../../etc",
        "/",
        "/usr/..",
        "//",
        "/sys",
        "/dev/",
    ] {
        assert!(private_folder(private).is_some(), "{private}");
    }
    for public in [
        "html",
        "/etc/letsencrypt/webroot",
        "/etc/ssl/certs",
        "/etc/nginx/html",
        "/usr/share/nginx/html",
        "/srv/static",
    ] {
        assert!(private_folder(public).is_none(), "{public}");
    }
}
