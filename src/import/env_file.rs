//! Passwords and keys kept out of the spec, each the way the image reads
//! it: a secret file and `VAR_FILE` for an image whose entrypoint reads
//! `VAR_FILE` ([`reads_file`], [`to_secret`]); for every other image,
//! `VAR` itself from an env file import writes, which compose reads when
//! it starts the container ([`to_env_file`]). A committed env file keeps
//! the values its image reads as `VAR` ([`env_file`]).

use super::compose::Import;
use super::report::FileIx;
use super::secrets::Secrets;
use super::spec::{quoted, Stmt};
use super::yaml::Node;
use crate::input::env_file;
use crate::ir::ImageRef;
use crate::source::{SourceFile, Span, Spanned};

/// The folder beside the spec that env files go into.
pub const FOLDER: &str = "env";

/// Whether `image` (a published image, `None` for one the project
/// builds) reads `var` from the file `VAR_FILE` names.
pub fn reads_file(image: Option<&str>, var: &str) -> bool {
    image.is_some_and(|image| {
        let image = ImageRef::split(Spanned::new(image.to_string(), Span::new(0, 0)));
        crate::lint::images::file_variables(&image).contains(&var)
    })
}

/// `secret VAR = NAME` for a password found at `at`, of an image that
/// reads `VAR_FILE`: its value in a secret file (one per value), declared;
/// reported.
pub fn to_secret(service: &str, var: &str, value: &str, at: (FileIx, Span), import: &mut Import) -> Stmt {
    let (secret, new) = import.secrets.add(service, var, value);
    if new {
        import.declared.push(Stmt::line(format!(
            "secret {} file {}",
            secret.name,
            quoted(&secret.path)
        )));
    }
    let message = if new {
        format!("`{var}` moved into the secret file {}", secret.path)
    } else {
        format!(
            "`{var}` has the value of secret `{}` already: it reads that secret",
            secret.name
        )
    };
    import.report.secret(
        at.0,
        at.1,
        message,
        format!(
            "the image reads `{var}_FILE`: the container now gets `{var}_FILE` (the secret's path) instead of `{var}`; the .gitignore beside the spec lists {}",
            secret.path
        ),
    );
    Stmt::line(format!("secret {var} = {}", secret.name))
        .note(format!("was {var} in the environment; the container gets {var}_FILE"))
}

/// `secret VAR = NAME` for a password compose took from the host's
/// variable `from`, for an image that reads `VAR_FILE`: the secret reads
/// that variable (`secret NAME env FROM`).
pub fn from_environment(service: &str, var: &str, from: &str, at: (FileIx, Span), import: &mut Import) -> Stmt {
    let name = secret_from_environment(service, var, from, import);
    import.report.secret(
        at.0,
        at.1,
        format!("`{var}` is read from the variable `{from}` as a secret"),
        format!("the image reads `{var}_FILE`: the container now gets `{var}_FILE` instead of `{var}`; `{from}` is still set where compose runs"),
    );
    Stmt::line(format!("secret {var} = {name}"))
        .note(format!("was {var} from ${{{from}}}; the container gets {var}_FILE"))
}

/// A secret (`secret NAME env FROM`) that reads the variable `from` of
/// the environment compose runs in (the project's `.env`, noted for the
/// user to pass), named after the service and `var`: its name.
pub fn secret_from_environment(service: &str, var: &str, from: &str, import: &mut Import) -> String {
    if import.places.dotenv.get(from).is_some() {
        import.secrets.read_from_dotenv(from);
    }
    let name = import.secrets.unique_name(service, var);
    import.declared.push(Stmt::line(format!("secret {name} env {from}")));
    name
}

/// The paths of a service's `env_file`, in either of compose's forms (a
/// path, or a list of paths and `{path, required}` entries).
pub fn paths(files: &Node) -> Vec<&str> {
    let entries: Vec<&Node> = match &files.kind {
        super::yaml::Kind::Seq(items) => items.iter().collect(),
        _ => vec![files],
    };
    (entries.into_iter())
        .filter_map(|f| f.text().or_else(|| f.get("path").and_then(Node::text)))
        .collect()
}

/// Whether the env file entry `entry` may be missing (`required: false`,
/// Compose 2.24 or newer): the spec's `env_file ... optional`.
pub fn optional(entry: &Node) -> bool {
    entry.get("required").and_then(Node::text) == Some("false")
}

/// A variable whose value goes into the env file import writes: its
/// name, its value as the env file writes it, and where it was.
pub struct Kept {
    pub var: String,
    pub value: String,
    pub at: (FileIx, Span),
}

impl Kept {
    /// A literal value, as the env file writes it.
    pub fn literal(var: &str, value: &str, at: (FileIx, Span)) -> Kept {
        Kept {
            var: var.to_string(),
            value: env_file::value_text(value),
            at,
        }
    }

    /// The host's variable that `reference` names (`${PG_PASS}`,
    /// `${PG_PASS:?message}`), which compose fills in when it reads the env
    /// file, as it did in compose.yaml: written as it was, so a required
    /// one still stops compose when the variable is not set.
    pub fn from_host(var: &str, reference: &str, at: (FileIx, Span)) -> Kept {
        Kept {
            var: var.to_string(),
            value: reference.to_string(),
            at,
        }
    }
}

/// `env_file PATH` of the env file import writes for `service`, holding
/// the passwords of an image that reads `VAR` (not `VAR_FILE`): the
/// container still gets `VAR`, and the value is in neither the spec nor
/// compose.yaml. Each reported.
pub fn to_env_file(service: &str, kept: &[Kept], import: &mut Import) -> Stmt {
    let contents: String = kept.iter().map(|k| format!("{}={}\n", k.var, k.value)).collect();
    let path = import.secrets.add_env_file(service, contents);
    for k in kept {
        import.report.secret(
            k.at.0,
            k.at.1,
            format!("`{}` moved into the env file {path}", k.var),
            format!(
                "the container still gets `{}`: compose reads {path} when it starts the container, and the value is in neither the spec nor compose.yaml; the .gitignore beside the spec lists {path}",
                k.var
            ),
        );
    }
    let vars: Vec<&str> = kept.iter().map(|k| k.var.as_str()).collect();
    Stmt::line(format!("env_file {}", quoted(&path)))
        .note(format!("{} in the environment, kept out of the spec", vars.join(", ")))
}

/// A service's `env_file` entry, as import reads it.
pub struct EnvFileUse<'a> {
    pub service: &'a str,
    pub image: Option<&'a str>,
    pub path: &'a str,
    pub optional: bool,
    /// The variables the service's `environment` sets, which win over the
    /// file's.
    pub overridden: &'a [String],
}

/// `env_file PATH`, or, for a file that holds passwords the image reads
/// from `VAR_FILE`, the statements that mount them as secrets and an
/// `env_file` of a copy without them. Passwords the image reads as `VAR`
/// stay in the file; one the service's `environment` replaces only leaves
/// the copy.
pub fn env_file(env_file: &EnvFileUse, import: &mut Import) -> Vec<Stmt> {
    let EnvFileUse {
        service,
        image,
        path,
        optional,
        overridden,
    } = *env_file;
    let marker = if optional { " optional" } else { "" };
    let statement = |path: &str| Stmt::line(format!("env_file {}{marker}", quoted(path)));
    let on_disk = import.places.on_disk(path);
    let Ok(text) = import.places.read(&on_disk, crate::input::fs::MAX_FILE_BYTES) else {
        // Not there (yet): the spec names it, `check` says it is missing;
        // outside the project: the deploy machine's, left as it is.
        return vec![statement(&import.places.rebase(path))];
    };
    let parsed = env_file::parse(&text);
    let secret_entries: Vec<&env_file::EnvEntry> = parsed
        .vars
        .iter()
        .filter(|e| !e.interpolates && reads_file(image, &e.name.value))
        .filter(|e| {
            e.value
                .as_ref()
                .is_some_and(|v| Secrets::is_secret(&e.name.value, &v.value))
        })
        .collect();
    if secret_entries.is_empty() {
        return vec![statement(&import.places.rebase(path))];
    }
    let file = import
        .report
        .add_file(SourceFile::new(import.places.shown(&on_disk), text.clone()));
    let mut out = Vec::new();
    let mut kept = String::new();
    let mut at = 0;
    for entry in &secret_entries {
        let value = entry.value.as_ref().map(|v| v.value.clone()).unwrap_or_default();
        // A password the service's `environment` replaces is no secret of
        // the container's: it is only left out of the copy.
        if !overridden.contains(&entry.name.value) {
            out.push(to_secret(
                service,
                &entry.name.value,
                &value,
                (file, entry.span),
                import,
            ));
        }
        import.report.secret(
            file,
            entry.span,
            format!("{path} still holds the value of `{}`", entry.name.value),
            format!("the spec reads a copy without it; take {path} out of version control, or delete the line"),
        );
        // The copy keeps every line but the entry's.
        kept.push_str(&text[at..entry.span.start()]);
        at = text[entry.span.end()..]
            .find('\n')
            .map_or(text.len(), |n| entry.span.end() + n + 1);
    }
    kept.push_str(&text[at..]);
    let copy = import.secrets.add_env_file(service, kept);
    let mut stmt = statement(&copy);
    // What was taken out, by name: the copy keeps every other line, the
    // app's own keys among them (calcom's `.env`, given to its database).
    let names: Vec<&str> = secret_entries.iter().map(|e| e.name.value.as_str()).collect();
    stmt.notes
        .push(format!("{path} without {}, read from secret files", names.join(", ")));
    out.push(stmt);
    out
}
