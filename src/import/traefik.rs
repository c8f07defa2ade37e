//! Traefik's basic-auth users, which a `basicauth.users` label can only
//! write out as htpasswd hashes (a credential a dictionary cracks
//! offline): moved into a secret file mounted into the project's Traefik
//! service, which reads it (`basicauth.usersfile`).

use super::compose::Import;
use super::spec::{quoted, Stmt};
use super::yaml::Node;
use crate::ir::ImageRef;
use crate::source::{Span, Spanned};

/// The label key's end that holds the htpasswd lines, and the one that
/// names a file of them instead.
const USERS: &str = ".basicauth.users";
const USERS_FILE: &str = ".basicauth.usersfile";

/// The one service of the project that runs Traefik (`traefik:v3.3`);
/// `None` when there is none, or more than one (which reads the file is
/// then not certain).
pub fn the_traefik<'a>(services: impl IntoIterator<Item = (&'a str, &'a Node)>) -> Option<String> {
    let mut traefik = services.into_iter().filter(|(_, service)| {
        let image = service.get("image").and_then(Node::text).unwrap_or_default();
        ImageRef::split(Spanned::new(image.to_string(), Span::new(0, 0))).hub_name() == "traefik"
    });
    match (traefik.next(), traefik.next()) {
        (Some((name, _)), None) => Some(name.to_string()),
        _ => None,
    }
}

/// The label `KEY = VALUE` of `service` as a users file Traefik reads,
/// when it is a `basicauth.users` label holding htpasswd lines and the
/// project has one Traefik service: the lines go into a secret file
/// mounted into it (see [`mount_into`]), and the label names that file.
/// Reported. `None`: not such a label, or no Traefik to mount it into.
pub fn users_file(service: &str, key: &str, value: &str, at: Span, import: &mut Import) -> Option<Stmt> {
    let middleware = key.strip_suffix(USERS)?;
    if import.traefik.is_none() || !crate::lint::secrets::is_htpasswd(value) {
        return None;
    }
    let lines: String = value.split(',').map(|entry| format!("{}\n", entry.trim())).collect();
    let (secret, new) = import.secrets.add(service, "basicauth_users", &lines);
    if new {
        import.declared.push(Stmt::line(format!(
            "secret {} file {}",
            secret.name,
            quoted(&secret.path)
        )));
    }
    if !import.traefik_secrets.contains(&secret.name) {
        import.traefik_secrets.push(secret.name.clone());
    }
    let traefik = import.traefik.clone().unwrap_or_default();
    import.report.secret(
        import.file,
        at,
        format!("the htpasswd lines of label `{key}` moved into the secret file {}", secret.path),
        format!(
            "a password hash is a credential a dictionary cracks offline: `{traefik}` reads the lines from the secret (`{middleware}{USERS_FILE}`), and the .gitignore beside the spec lists {}",
            secret.path
        ),
    );
    Some(Stmt::line(format!(
        "{middleware}{USERS_FILE} = {}",
        quoted(&format!("/run/secrets/{}", secret.name))
    )))
}

/// Mounts the users files [`users_file`] made into the Traefik service's
/// block (`service NAME`) among `blocks`.
pub fn mount_into(blocks: &mut [Stmt], import: &Import) {
    let Some(traefik) = &import.traefik else { return };
    let header = format!("service {traefik}");
    let body = blocks
        .iter_mut()
        .find(|b| b.text == header)
        .and_then(|b| b.body.as_mut());
    if let Some(body) = body {
        body.extend(
            import
                .traefik_secrets
                .iter()
                .map(|name| Stmt::line(format!("secret {name}"))),
        );
    }
}
