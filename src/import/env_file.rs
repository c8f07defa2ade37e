//! A service's env files, and passwords moved out into secret files: from
//! `environment` ([`to_secret`]), or from a committed env file, which is
//! then referenced through a copy without them ([`env_file`]).

use super::compose::Import;
use super::report::FileIx;
use super::secrets::Secrets;
use super::spec::{quoted, Stmt};
use crate::input::env_file;
use crate::source::{SourceFile, Span};

/// The folder beside the spec that env files without their secrets go into.
pub const FOLDER: &str = "env";

/// `secret VAR = NAME` for a password found at `at`, its value written to
/// a secret file and declared; reported.
pub fn to_secret(service: &str, var: &str, value: &str, at: (FileIx, Span), import: &mut Import) -> Stmt {
    let secret = import.secrets.add(service, var, value);
    import.declared.push(Stmt::line(format!(
        "secret {} file {}",
        secret.name,
        quoted(&secret.path)
    )));
    import.report.secret(
        at.0,
        at.1,
        format!("`{var}` moved into the secret file {}", secret.path),
        format!(
            "the container now reads the path in `{var}_FILE`; keep {} out of version control",
            secret.path
        ),
    );
    Stmt::line(format!("secret {var} = {}", secret.name))
        .note(format!("was {var} in the environment; the container gets {var}_FILE"))
}

/// `secret VAR = NAME` for a password compose took from the host's
/// variable `from`: the secret reads that variable (`secret NAME env FROM`).
pub fn from_environment(service: &str, var: &str, from: &str, at: (FileIx, Span), import: &mut Import) -> Stmt {
    let name = import.secrets.unique_name(service, var);
    import.declared.push(Stmt::line(format!("secret {name} env {from}")));
    import.report.secret(
        at.0,
        at.1,
        format!("`{var}` is read from the variable `{from}` as a secret"),
        format!("the container now reads the path in `{var}_FILE`; `{from}` is still set where compose runs"),
    );
    Stmt::line(format!("secret {var} = {name}"))
        .note(format!("was {var} from ${{{from}}}; the container gets {var}_FILE"))
}

/// `env_file PATH`, or, for a file that holds passwords, the statements
/// that mount them as secrets and an `env_file` of a copy without them.
pub fn env_file(service: &str, path: &str, import: &mut Import) -> Vec<Stmt> {
    let statement = |path: &str| Stmt::line(format!("env_file {}", quoted(path)));
    let on_disk = import.places.on_disk(path);
    let Ok(text) = crate::input::fs::read_text(&on_disk, crate::input::fs::MAX_FILE_BYTES) else {
        // Not there (yet): the spec names it, `check` says it is missing.
        return vec![statement(&import.places.rebase(path))];
    };
    let parsed = env_file::parse(&text);
    let secret_entries: Vec<&env_file::EnvEntry> = parsed
        .vars
        .iter()
        .filter(|e| !e.interpolates)
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
        .add_file(SourceFile::new(on_disk.display().to_string(), text.clone()));
    let mut out = Vec::new();
    let mut kept = String::new();
    let mut at = 0;
    for entry in &secret_entries {
        let value = entry.value.as_ref().map(|v| v.value.clone()).unwrap_or_default();
        out.push(to_secret(
            service,
            &entry.name.value,
            &value,
            (file, entry.span),
            import,
        ));
        // The copy keeps every line but the entry's.
        kept.push_str(&text[at..entry.span.start]);
        at = text[entry.span.end..]
            .find('\n')
            .map_or(text.len(), |n| entry.span.end + n + 1);
    }
    kept.push_str(&text[at..]);
    let copy = import.secrets.copy_of_env_file(service, kept);
    let mut stmt = statement(&copy);
    stmt.notes.push(format!("{path} without its passwords"));
    out.push(stmt);
    out
}
