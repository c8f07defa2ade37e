//! What a service's container has in its environment once import has
//! kept the passwords out of the spec, each with the shell expression
//! that reads it there: `$(cat "$VAR_FILE")` where import made a secret
//! of it (an image that reads `VAR_FILE`), else `$VAR` (the variable
//! compose still sets, from the env file). A healthcheck that writes a
//! password, or compose's `${VAR}` of one, reads it so instead
//! ([`super::probe`]).

use super::compose::Import;
use super::env_file::reads_file;
use super::secrets::Secrets;
use super::yaml::Node;
use crate::lint::secrets::is_secret_name;

/// A value and the shell expression that reads it in the container.
pub type Readable = (String, String);

/// What the container has, as [`super::environment::environment`] and
/// [`super::env_file::env_file`] keep it.
#[derive(Default)]
pub struct ContainerEnv {
    /// Each password written out in `environment` or an env file.
    pub values: Vec<Readable>,
    /// Each variable compose fills into the service's values (`${NAME}`)
    /// whose value the container has too, by the variable's name.
    pub references: Vec<Readable>,
    /// The variables the container no longer has, each now `NAME_FILE`
    /// naming the secret import made of it.
    pub moved: Vec<String>,
}

impl ContainerEnv {
    /// The container's environment from the service's `environment` and
    /// `env_file` (each `None` where the service's role takes none).
    pub fn of(environment: Option<&Node>, env_files: Option<&Node>, image: Option<&str>, import: &Import) -> Self {
        let pairs = environment.map(super::environment::pairs).unwrap_or_default();
        let sets = |name: &str| pairs.iter().any(|(n, _, _)| n == name);
        let mut env = ContainerEnv::default();
        // Values of variables kept in the spec: a password equal to one
        // (listmonk's `POSTGRES_USER` and `POSTGRES_PASSWORD`, both
        // `listmonk`) is not taken for the password in a healthcheck's
        // `pg_isready -U listmonk`, which names the user.
        let mut kept: Vec<String> = Vec::new();
        for (name, raw, _) in &pairs {
            let Some(raw) = raw else { continue };
            match super::values::literal(raw) {
                Some(text) if Secrets::is_secret(name, &text) => {
                    let read = env.expression(name, reads_file(image, name));
                    env.values.extend(read.map(|e| (text, e)));
                }
                Some(text) => kept.push(text),
                // As `environment` keeps `NAME: ${VAR}`: a secret from
                // `VAR_FILE`, else `NAME` of an env file, when `VAR` is a
                // password or `.env` sets it.
                None => {
                    let Some(var) = super::values::whole_variable(raw) else {
                        continue;
                    };
                    let secret = super::environment::names_a_secret(name, raw);
                    if secret || import.places.dotenv.get(var).is_some_and(|e| e.value.is_some()) {
                        let from_file = secret && !super::values::may_be_unset(raw) && reads_file(image, name);
                        let read = env.expression(name, from_file);
                        env.references.extend(read.map(|e| (var.to_string(), e)));
                    }
                }
            }
        }
        // A bare `NAME` is `NAME: ${NAME}`, which `.env` sets (else the
        // host's, left out).
        for (name, raw, _) in &pairs {
            if raw.is_none() && import.places.dotenv.get(name).is_some_and(|e| e.value.is_some()) {
                let from_file = is_secret_name(name) && reads_file(image, name);
                let read = env.expression(name, from_file);
                env.references.extend(read.map(|e| (name.clone(), e)));
            }
        }
        for path in env_files.map(super::env_file::paths).unwrap_or_default() {
            let on_disk = import.places.on_disk(path);
            let Ok(text) = import.places.read(&on_disk, crate::input::fs::MAX_FILE_BYTES) else {
                continue;
            };
            let dotenv = on_disk == import.places.on_disk(".env");
            for entry in crate::input::env_file::parse(&text).vars {
                let (name, Some(value)) = (&entry.name.value, &entry.value) else {
                    continue;
                };
                // `environment` wins over an env file.
                if sets(name) || entry.interpolates {
                    continue;
                }
                let secret = Secrets::is_secret(name, &value.value);
                let Some(read) = env.expression(name, secret && reads_file(image, name)) else {
                    continue;
                };
                if secret {
                    env.values.push((value.value.clone(), read.clone()));
                } else {
                    kept.push(value.value.clone());
                }
                // compose fills `${NAME}` from the same `.env`.
                if dotenv {
                    env.references.push((name.clone(), read));
                }
            }
        }
        env.values.retain(|(text, _)| !kept.contains(text));
        env.moved.sort();
        env.moved.dedup();
        env
    }

    /// The shell expression that reads `name` in the container: its
    /// secret's file (`name` is then [`moved`](Self::moved)), or the
    /// variable; `None` for a name no shell reads (`my.var`).
    fn expression(&mut self, name: &str, from_file: bool) -> Option<String> {
        if !super::spec::is_env_name(name) {
            return None;
        }
        Some(if from_file {
            self.moved.push(name.to_string());
            file_read(name)
        } else {
            format!("${name}")
        })
    }
}

/// The shell expression that reads the file `NAME_FILE` names, the
/// secret import made of the variable `name`.
pub fn file_read(name: &str) -> String {
    format!("$(cat \"${name}_FILE\")")
}
