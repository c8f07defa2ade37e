//! Passwords and keys found in the compose file's values, and the files
//! import writes beside the spec to keep them out of it: a secret file
//! (for an image that reads `VAR_FILE`), or an env file compose reads at
//! run time (for every other image, which reads `VAR`). One value is one
//! secret, whichever services use it.

use super::report::{FileIx, Report};
use crate::lint::secrets::{classify, Finding};
use crate::source::Span;

/// The folder beside the spec the secret files go into.
pub const FOLDER: &str = "secrets";

/// What secret `value` (under `name`, when it has one) holds, as lint is
/// certain of it (`secret-in-env`, `secret-in-image`,
/// `secret-in-compose-value` report the same): a literal password or key,
/// a URL with a password, a well-known token. Never the value itself.
pub fn found_in(name: Option<&str>, value: &str) -> Option<String> {
    match classify(name, value) {
        Some(Finding::Certain(what)) => Some(what),
        _ => None,
    }
}

/// A setting at `at` that holds a secret (`what`, as [`found_in`] or the
/// command-line check says it) where the spec can only write the value
/// out (a build argument, a label, a healthcheck's command): left out of
/// the spec, and reported there without its value.
pub fn left_out(report: &mut Report, at: (FileIx, Span), setting: &str, what: &str, help: impl Into<String>) {
    report.dropped_secret(
        at.0,
        at.1,
        format!("{setting} holds a secret ({what}): left out, as the spec would write it into compose.yaml"),
        help,
    );
}

/// What to write instead of a command line (`whose`: "a healthcheck's",
/// "this") with a password in it, `variable` the one to hand it over in.
pub fn command_help(whose: &str, variable: &str) -> String {
    format!(
        "{whose} command line is in compose.yaml, `docker inspect` and `ps`: keep the password in a file secret (`secret {variable} = NAME`) and let a shell read the file when the command runs (`sh -c '... \"$(cat \"${variable}_FILE\")\"'`), or a variable the container has (`\"${variable}\"`, which the shell fills in)"
    )
}

/// A secret file to write: its path relative to the spec, and contents.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretFile {
    pub name: String,
    pub path: String,
    pub contents: String,
}

#[derive(Debug, Default)]
pub struct Secrets {
    pub files: Vec<SecretFile>,
    /// Env files without the passwords moved out of them, to write beside
    /// the spec (`name` is the service).
    pub env_files: Vec<SecretFile>,
    /// Variables of the project's `.env` that the spec reads from the
    /// environment compose runs in (`secret NAME env VAR`, `${VAR}` in an
    /// env file written): compose reads the `.env` beside compose.yaml,
    /// in the output folder, so the user must pass this one.
    pub from_dotenv: Vec<String>,
    /// Every secret name given out.
    names: Vec<String>,
    /// The compose file's secrets: each compose name with the spec's.
    declared: Vec<(String, String)>,
    /// The spec's folder, where the files go: a path a file there holds
    /// with other contents (the project's own `env/postgres.env`) is not
    /// given out.
    spec_dir: std::path::PathBuf,
}

impl Secrets {
    /// Files to write into `spec_dir`.
    pub fn beside(spec_dir: std::path::PathBuf) -> Self {
        Secrets {
            spec_dir,
            ..Secrets::default()
        }
    }

    /// Whether the file at `path` (from the spec's folder) does not hold
    /// other contents: it is missing, holds `contents` already, or cannot
    /// be read (then writing it fails, and says why).
    fn free_for(&self, path: &str, contents: &str) -> bool {
        match std::fs::read(self.spec_dir.join(path)) {
            Ok(there) => there == contents.as_bytes(),
            Err(_) => true,
        }
    }

    /// Whether `value`, set to variable `var`, is a secret to move out:
    /// a literal value of a variable named for a secret, or in any
    /// variable a URL with a password or a well-known token, which the
    /// spec would keep in compose.yaml (and `stackc lint` refuse).
    pub fn is_secret(var: &str, value: &str) -> bool {
        found_in(Some(var), value).is_some()
    }

    /// The secret file holding `value`: the one made already for the same
    /// value (with `false`), else a new one named `SERVICE_VAR` lowercase,
    /// with `-` as `_`, unique (with `true`).
    pub fn add(&mut self, service: &str, var: &str, value: &str) -> (SecretFile, bool) {
        if let Some(same) = self.files.iter().find(|f| f.contents == value) {
            return (same.clone(), false);
        }
        let mut name = self.unique_name(service, var);
        while !self.free_for(&format!("{FOLDER}/{name}.txt"), value) {
            name = self.unique_name(service, var);
        }
        let file = SecretFile {
            path: format!("{FOLDER}/{name}.txt"),
            name,
            contents: value.to_string(),
        };
        self.files.push(file.clone());
        (file, true)
    }

    /// The compose file's secrets, named as the spec can write them
    /// ([`super::spec::secret_name`]): a name the grammar takes is kept,
    /// others are renamed around them (`api.key` beside `api_key` is
    /// `api_key_2`). Those it cannot name are left out.
    pub fn declare<'a>(&mut self, compose: impl IntoIterator<Item = &'a str> + Clone) {
        let kept = compose.clone().into_iter().filter(|c| super::spec::is_name(c));
        let renamed = compose.into_iter().filter(|c| !super::spec::is_name(c));
        for name in kept.chain(renamed) {
            let Some(base) = super::spec::secret_name(name) else {
                continue;
            };
            let mut spec = base.clone();
            let mut n = 2;
            while self.names.contains(&spec) {
                spec = format!("{base}_{n}");
                n += 1;
            }
            self.names.push(spec.clone());
            self.declared.push((name.to_string(), spec));
        }
    }

    /// The spec's name of the compose file's secret `compose`; one it does
    /// not declare (a compose error) as the spec would write it.
    pub fn spec_name(&self, compose: &str) -> Option<String> {
        match self.declared.iter().find(|(c, _)| c == compose) {
            Some((_, spec)) => Some(spec.clone()),
            None => super::spec::secret_name(compose),
        }
    }

    /// `SERVICE_VAR` lowercase, with `-` as `_`, unused so far.
    pub fn unique_name(&mut self, service: &str, var: &str) -> String {
        let base = format!("{service}_{var}").to_ascii_lowercase().replace('-', "_");
        let mut name = base.clone();
        let mut n = 2;
        while self.names.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.names.push(name.clone());
        name
    }

    /// An env file to write for `service` at `env/SERVICE.env` beside the
    /// spec (a committed one without its passwords, or the passwords of an
    /// image that reads `VAR`); returns that path. Services given the same
    /// variables (one YAML anchor, one `.env`) share one file, which a
    /// change of a password then cannot miss.
    pub fn add_env_file(&mut self, service: &str, contents: String) -> String {
        if let Some(same) = self.env_files.iter().find(|f| f.contents == contents) {
            return same.path.clone();
        }
        let mut path = format!("{}/{service}.env", super::env_file::FOLDER);
        let mut n = 2;
        while self.env_files.iter().any(|f| f.path == path) || !self.free_for(&path, &contents) {
            path = format!("{}/{service}_{n}.env", super::env_file::FOLDER);
            n += 1;
        }
        self.env_files.push(SecretFile {
            name: service.to_string(),
            path: path.clone(),
            contents,
        });
        path
    }

    /// Notes that the spec reads `var`, which the project's `.env` sets,
    /// from the environment compose runs in.
    pub fn read_from_dotenv(&mut self, var: &str) {
        if !self.from_dotenv.iter().any(|v| v == var) {
            self.from_dotenv.push(var.to_string());
        }
    }

    /// Every file to write beside the spec: secrets, then env files.
    pub fn all(&self) -> impl Iterator<Item = &SecretFile> {
        self.files.iter().chain(&self.env_files)
    }

    /// Whether there is no file to write.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.env_files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_move_out_and_names_stay_unique() {
        assert!(Secrets::is_secret("POSTGRES_PASSWORD", "admin"));
        assert!(!Secrets::is_secret("POSTGRES_PASSWORD_FILE", "/run/secrets/db"));
        assert!(!Secrets::is_secret("POSTGRES_USER", "admin"));
        assert!(Secrets::is_secret("REDIS_URL", "redis://:s3cr3t@redis:6379"));
        assert!(!Secrets::is_secret("REDIS_URL", "redis://redis:6379"));
        assert!(Secrets::is_secret("DATABASE_URL", "postgres://app:hunter2@db/app"));
        assert!(Secrets::is_secret("GH", "ghp_4d8f1b2c3a5e6f7081920a1b2c3d4e5f6a7b8c9d"));
        assert!(!Secrets::is_secret("DATABASE_URL", "postgres://app@db/app"));
        let mut secrets = Secrets::default();
        assert_eq!(
            secrets.add("db", "POSTGRES_PASSWORD", "a").0.name,
            "db_postgres_password"
        );
        assert_eq!(
            secrets.add("db", "POSTGRES_PASSWORD", "b").0.name,
            "db_postgres_password_2"
        );
        // The same value again is the same secret, not another file.
        let (same, new) = secrets.add("backup", "MYSQL_PASSWORD", "a");
        assert_eq!((same.name.as_str(), new), ("db_postgres_password", false));
        let paths: Vec<&str> = secrets.all().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["secrets/db_postgres_password.txt", "secrets/db_postgres_password_2.txt"]
        );
    }
}
