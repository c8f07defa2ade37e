//! A service's `environment` as `env { }` entries, its passwords kept
//! out of the spec as the image reads them ([`super::env_file`]); and
//! values compose fills from the host's environment (`$VAR`), which a
//! spec string cannot say: reported, or their defaults kept.

use super::compose::Import;
use super::report::{FileIx, Report};
use super::spec::{is_env_key, is_name, quoted, Stmt};
use super::values::literal;
use super::yaml::{Kind, Node};
use crate::input::env_file::EnvFile;
use crate::lint::secrets::is_secret_name;
use crate::syntax::lower::yaml_numbers::{compose_reading, Reading};

/// Fills the values of `node` (never a key) with what the project's
/// `.env` sets, as compose does when it reads the file: a healthcheck's
/// `-U ${POSTGRES_USER}` or a `${TAG}` imports as the value the project
/// runs with. Passwords stay references, for [`environment`] to keep out
/// of the spec (a variable named as one, or a value that holds one), and
/// so does a value that refers to other variables.
/// Each value filled is reported: the spec now holds it.
pub(super) fn fill_from_dotenv(node: &mut Node, dotenv: &EnvFile, report: &mut Report, file: FileIx) {
    match &mut node.kind {
        Kind::Scalar { text, plain } if text.contains('$') => {
            let in_password_place: Vec<String> = (password_place_variables(text).into_iter())
                .map(str::to_string)
                .collect();
            let value_of = |name: &str| {
                let entry = dotenv.get(name).filter(|e| !e.interpolates && !is_secret_name(name))?;
                if in_password_place.iter().any(|var| var == name) {
                    return None;
                }
                let value = entry.value.as_ref()?.value.as_str();
                // Nor a value that holds one (`amqp://app:PASSWORD@mq`).
                crate::lint::secrets::classify(Some(name), value)
                    .is_none()
                    .then_some(value)
            };
            let (filled, names) = super::values::fill(text, value_of);
            if names.is_empty() {
                return;
            }
            // Names only: where the value goes is decided later (a
            // `--password=${DBP}` moves into an env file), and the
            // report reaches CI logs.
            let mut set: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            set.dedup();
            report.filled(
                file,
                node.span,
                format!("filled from the project's .env: {}", set.join(", ")),
                "the value is written where the project uses it (the spec, or for a secret an env or secret file beside \
                 it): when .env changes, edit it there",
            );
            // Compose fills a string, after YAML has read it as one: an
            // empty value (`EMPTY=`) stays the empty string, never null.
            if compose_reading(&filled) == Reading::Null {
                *plain = false;
            }
            *text = filled;
        }
        Kind::Scalar { .. } => {}
        Kind::Seq(items) => items
            .iter_mut()
            .for_each(|item| fill_from_dotenv(item, dotenv, report, file)),
        Kind::Map(entries) => entries
            .iter_mut()
            .for_each(|(_, value)| fill_from_dotenv(value, dotenv, report, file)),
    }
}

/// The variables where a URL's password goes (`postgres://app:${PW}@db`),
/// in every URL of the value (`amqp://a:${A}@mq1//;amqp://b:${B}@mq2//`):
/// passwords whatever their names.
fn password_place_variables(raw: &str) -> Vec<&str> {
    (raw.match_indices("://"))
        .filter_map(|(at, _)| crate::lint::secrets::url_password_place(&raw[at..]))
        .flat_map(super::values::variables)
        .collect()
}

pub(super) fn interpolated(import: &mut Import, value: &Node, key: &str) {
    let command = matches!(key, "command" | "entrypoint");
    let dotenv = (!command)
        .then(|| from_dotenv(import, value.text().unwrap_or_default()))
        .flatten();
    let (source, help) = match (command, dotenv) {
        // A secret reaches a container as a file or a variable, never as a word of its command.
        (true, _) => ("the host's environment", "the whole command is left out: write it with the value itself; for a password, a command that reads it from the secret's file (`secret NAME` mounts /run/secrets/NAME), as a spec puts no secret on a command line".to_string()),
        (false, Some(set)) => ("the project's .env", format!("write the value itself: compose fills in {set} from .env, unless the shell it runs in sets it")),
        (false, None) => ("the host's environment", "write the value itself, or a `secret NAME env VAR` for a secret".to_string()),
    };
    import.report.dropped(
        import.file,
        value.span,
        format!("`{key}` is filled from {source} (`$VAR`), which a spec string cannot say"),
        help,
    );
}

/// The variables `raw` names, as a list for a message, when the
/// project's `.env` sets them all; `None` unless it does. Names only: a
/// report reaches CI logs, and a value under any name may be a password.
fn from_dotenv(import: &Import, raw: &str) -> Option<String> {
    let names = super::values::variables(raw);
    let all_set = names.iter().all(|name| {
        import
            .places
            .dotenv
            .get(name)
            .is_some_and(|entry| entry.value.is_some())
    });
    let shown: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    (all_set && !shown.is_empty()).then(|| shown.join(", "))
}

/// A value whose variables all have defaults (`${TAG:-latest}`), with
/// the defaults in their place: the host's variables no longer change
/// it, which is reported as filled in (what compose runs with unless the
/// host sets them: nothing is lost that a spec edit cannot give back).
/// Else reported as [`interpolated`].
pub(super) fn defaulted(import: &mut Import, value: &Node, key: &str, raw: &str) -> Option<String> {
    let Some((text, names)) = super::values::with_defaults(raw).filter(|(_, names)| !names.is_empty()) else {
        interpolated(import, value, key);
        return None;
    };
    let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let shown = match text.as_str() {
        "" => "empty".to_string(),
        text => format!("`{text}`"),
    };
    import.report.filled(
        import.file,
        value.span,
        format!(
            "`{key}` is {shown}, the default of {}: the host's value no longer changes it",
            names.join(", ")
        ),
        "a spec string is literal: edit the value where it differs, or take it from an env file",
    );
    Some(text)
}

/// A boolean setting as compose reads it: `true`, and the strings compose
/// casts (`yes`, `on`, `True`), or a variable's default ([`defaulted`]);
/// `None` for anything else (reported where it is a variable without one).
pub(super) fn flag(import: &mut Import, value: &Node, key: &str) -> Option<bool> {
    let text = value.text()?;
    if let Some(flag) = crate::compose_values::compose_bool(text) {
        return Some(flag);
    }
    let filled = text
        .contains('$')
        .then(|| defaulted(import, value, key, text))
        .flatten()?;
    crate::compose_values::compose_bool(&filled)
}

/// A bare `NAME` in `environment` that the project's `.env` sets: compose
/// fills it from there as it fills `NAME=${NAME}` (the shell first), so it
/// is read as that value, filled in by [`fill_from_dotenv`] unless it is
/// a password, which stays a reference for [`environment`] to keep out of
/// the spec. `None` when `.env` does not set it: the host's alone.
fn passed_through_from_dotenv(import: &mut Import, name: &str, node: &Node) -> Option<String> {
    import.places.dotenv.get(name)?.value.as_ref()?;
    let mut same = Node {
        kind: Kind::Scalar {
            text: format!("${{{name}}}"),
            plain: false,
        },
        span: node.span,
    };
    fill_from_dotenv(&mut same, &import.places.dotenv, import.report, import.file);
    same.text().map(str::to_string)
}

/// Whether `NAME: raw` holds a password or key by its name, or by the
/// name of the one variable it is (`MAIL_LOGIN: ${SMTP_PASSWORD:-}`):
/// kept out of the spec either way.
pub(super) fn names_a_secret(name: &str, raw: &str) -> bool {
    is_secret_name(name) || super::values::one_reference(raw).is_some_and(|(var, _)| is_secret_name(var))
}

/// `env { }` entries; a password as the image reads it (see
/// [`super::env_file`]): a secret in `body`, or a variable of the env file
/// whose `env_file` statement is returned, for the caller to put after the
/// service's own env files.
pub fn environment(
    service: &str,
    image: Option<&str>,
    value: &Node,
    env: &mut Vec<Stmt>,
    body: &mut Vec<Stmt>,
    import: &mut Import,
) -> Option<Stmt> {
    use super::env_file::{from_environment, reads_file, to_env_file, to_secret, Kept};
    let mut kept = Vec::new();
    for (name, raw, node) in pairs(value) {
        let file = import.file;
        if !is_env_key(&name) {
            import.report.dropped(
                file,
                node.span,
                format!("variable name `{name}` the spec cannot write"),
                "rename it",
            );
            continue;
        }
        let Some(raw) = raw.or_else(|| passed_through_from_dotenv(import, &name, node)) else {
            // Passed through from where compose runs (Plausible's 23, set
            // there or in a `.env` the project does not ship): the env file
            // import writes reads it from there still (`NAME=${NAME}`).
            kept.push(Kept::from_host(&name, &format!("${{{name}}}"), (file, node.span)));
            continue;
        };
        let at = (file, node.span);
        let Some(text) = literal(&raw) else {
            // A password from the host's environment: read from it still. So
            // is a variable of `.env` that [`fill_from_dotenv`] left as it
            // was (a value that holds a password: `SECRET_KEY_BASE=...`).
            let secret = names_a_secret(&name, &raw);
            let from_dotenv = |var: &str| import.places.dotenv.get(var).is_some_and(|e| e.value.is_some());
            // `${VAR:-}` may be unset, which compose refuses for a secret
            // read from a variable (`secret NAME env VAR`): the env file
            // says it as compose.yaml did.
            match super::values::whole_variable(&raw).filter(|var| secret || from_dotenv(var)) {
                Some(var) if secret && !super::values::may_be_unset(&raw) && reads_file(image, &name) => {
                    body.push(from_environment(service, &name, var, at, import))
                }
                Some(var) => {
                    if from_dotenv(var) {
                        import.secrets.read_from_dotenv(var);
                    }
                    kept.push(Kept::from_host(&name, &raw, at))
                }
                // A password's default (`${DB_PASSWORD:-changeme}`) is no
                // value for the spec either: the env file keeps the reference.
                None if secret && super::values::one_reference(&raw).is_some() => {
                    kept.push(Kept::from_host(&name, &raw, at))
                }
                // A URL with a variable for its password
                // (`postgres://app:${POSTGRES_PASSWORD}@db/app`): likewise.
                None if !password_place_variables(&raw).is_empty() => {
                    for var in super::values::variables(&raw).iter().filter(|var| from_dotenv(var)) {
                        import.secrets.read_from_dotenv(var);
                    }
                    kept.push(Kept::from_host(&name, &raw, at))
                }
                // A value that holds a password once its defaults are in
                // (`postgres://app:hunter2@${DB_HOST:-db}/app`): the env
                // file keeps it as written, and the report never shows it.
                None if super::values::with_defaults(&raw)
                    .is_some_and(|(text, _)| super::secrets::Secrets::is_secret(&name, &text)) =>
                {
                    kept.push(Kept::from_host(&name, &raw, at))
                }
                None => {
                    if let Some(value) = defaulted(import, node, &name, &raw) {
                        env.push(Stmt::line(format!("{name} = {}", quoted(&value))).note(format!("was {raw}")));
                    }
                }
            }
            continue;
        };
        // `VAR_FILE=/run/secrets/NAME` is what `secret VAR = NAME` writes.
        if let Some(secret) = name
            .strip_suffix("_FILE")
            .and_then(|var| Some((var, text.strip_prefix("/run/secrets/")?)))
        {
            if is_name(secret.1) {
                body.push(Stmt::line(format!("secret {} = {}", secret.0, secret.1)));
                continue;
            }
        }
        if super::secrets::Secrets::is_secret(&name, &text) {
            if reads_file(image, &name) {
                body.push(to_secret(service, &name, &text, at, import));
            } else {
                kept.push(Kept::literal(&name, &text, at));
            }
            continue;
        }
        env.push(Stmt::line(format!("{name} = {}", quoted(&text))));
    }
    (!kept.is_empty()).then(|| to_env_file(service, &kept, import))
}

/// A service's `environment`, in either of compose's forms: each name, its
/// raw value (`None` for a bare `NAME`, passed through), and its node.
pub(super) fn pairs(value: &Node) -> Vec<(String, Option<String>, &Node)> {
    match &value.kind {
        Kind::Seq(items) => items
            .iter()
            .filter_map(|i| {
                let text = i.text()?;
                Some(match text.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string()), i),
                    None => (text.to_string(), None, i),
                })
            })
            .collect(),
        _ => value
            .entries()
            .iter()
            .map(|(k, v)| {
                let text = if v.is_null() {
                    None
                } else {
                    v.to_json()
                        .as_str()
                        .map(str::to_string)
                        .or_else(|| Some(v.to_json().to_string()))
                };
                (k.text().unwrap_or_default().to_string(), text, v)
            })
            .collect(),
    }
}
