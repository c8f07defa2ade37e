use crate::diagnostic::Diagnostic;
use crate::ir::{MountSource, Service, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a MySQL, MariaDB, MongoDB, Redis or Valkey server (the
    /// official images) whose data folder no named volume or host folder
    /// holds: `/var/lib/mysql`, `/data/db`, `/data`. A command that moves
    /// the folder (`--datadir`, `--dbpath`, `--dir`) is left alone.
    /// Redis and Valkey are often caches with nothing to keep: they are
    /// flagged only when their command turns persistence on
    /// (`--appendonly yes`, `--save 60 1`). (PostgreSQL has
    /// `pgdata-mount-mismatch`.)
    ///
    /// ## Why is this bad?
    /// Each image declares its data folder a volume; without a mount
    /// there, Docker makes an anonymous volume for the container. Compose
    /// carries it over when it re-creates the container, but `docker
    /// compose down` and `up` start with a new, empty one: the database
    /// looks wiped, its data orphaned in a volume nobody names.
    ///
    /// ## Example
    /// ```text
    /// service db {
    ///     image mysql:8.4.3
    ///     secret MYSQL_ROOT_PASSWORD = db_root_password
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// volume mysql_data
    ///
    /// service db {
    ///     image mysql:8.4.3
    ///     secret MYSQL_ROOT_PASSWORD = db_root_password
    ///     mount mysql_data at /var/lib/mysql
    /// }
    /// ```
    pub struct DataNotOnVolume {
        name: "data-not-on-volume",
        severity: Warning,
        summary: "a database's data folder is in an anonymous volume",
    }
}

/// The official images, their data folder and the server option that
/// moves it; whether the data matters only when the command says so (a
/// cache).
const SERVERS: &[(&str, &str, &str, &str, bool)] = &[
    ("mysql", "MySQL", "/var/lib/mysql", "--datadir", false),
    ("mariadb", "MariaDB", "/var/lib/mysql", "--datadir", false),
    ("mongo", "MongoDB", "/data/db", "--dbpath", false),
    ("redis", "Redis", "/data", "--dir", true),
    ("valkey/valkey", "Valkey", "/data", "--dir", true),
];

impl Rule for DataNotOnVolume {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in stack.services.iter().filter(|s| facts::runs_image_server_somehow(s)) {
            let Some(image) = facts::image(service) else { continue };
            let Some(&(_, product, folder, option, maybe_cache)) =
                SERVERS.iter().find(|(name, ..)| *name == image.hub_name())
            else {
                continue;
            };
            if moves_folder(service, option) || holds(service, folder) || (maybe_cache && !persists(service)) {
                continue;
            }
            let name = &service.name.value;
            let finding = Self::META
                .diagnostic(format!("the data of `{name}` lives in an anonymous volume"))
                .primary(
                    image.text.span,
                    format!("{product} keeps its data in `{folder}`, which no named volume holds"),
                )
                .help(format!(
                    "declare `volume {name}_data` and add `mount {name}_data at {folder}`"
                ));
            out.push(finding);
        }
    }
}

/// Whether a named volume or a host folder is mounted at the folder or
/// above it.
fn holds(service: &Service, folder: &str) -> bool {
    service.mounts.iter().any(|m| {
        let target = m.target.value.trim_end_matches('/');
        let above = folder == target || folder.strip_prefix(target).is_some_and(|rest| rest.starts_with('/'));
        above && !matches!(m.source, MountSource::Anonymous(_))
    })
}

/// The words of each program the command runs, those of a shell's script
/// included (`sh -c 'exec redis-server --requirepass ... --appendonly
/// yes'`, the way a password is read from a secret).
fn command_programs(service: &Service) -> Vec<Vec<String>> {
    service.command.as_ref().map(facts::programs).unwrap_or_default()
}

/// Whether the command gives the server another data folder.
fn moves_folder(service: &Service, option: &str) -> bool {
    (command_programs(service).iter().flatten())
        .any(|w| w == option || w.strip_prefix(option).is_some_and(|rest| rest.starts_with('=')))
}

/// Whether a Redis or Valkey command turns persistence on: an append-only
/// file, or snapshots every so often (`--save ""` turns them off).
fn persists(service: &Service) -> bool {
    command_programs(service).iter().any(|words| {
        words.windows(2).any(|w| match (w[0].as_str(), w[1].as_str()) {
            ("--appendonly", value) => value.eq_ignore_ascii_case("yes"),
            ("--save", value) => !value.trim().is_empty(),
            _ => false,
        })
    })
}
