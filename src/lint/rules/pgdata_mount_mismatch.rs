use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::ir::Stack;
use crate::lint::Rule;
use crate::lint::{eol, facts};

declare_rule! {
    /// ## What it does
    /// Flags a PostgreSQL service whose data folder is not on a named
    /// volume: no `mount` at all, or a mount at the path of another major
    /// version (`/var/lib/postgresql/data` up to 17, `/var/lib/postgresql`
    /// from 18 on, where the data goes into a versioned subfolder). An
    /// image without a version tag runs `latest`, PostgreSQL 18 today. A
    /// mount at the wrong path is an error; no mount at all is a warning,
    /// as `data-not-on-volume` is for the other databases (a demo's data
    /// may be meant to go with it).
    ///
    /// ## Why is this bad?
    /// The image declares its data folder a volume; without a named volume
    /// there, docker creates an anonymous one. Compose carries it over when
    /// it re-creates the container, but `docker compose down` and `up`
    /// start with an empty database. A mount at the wrong path holds
    /// nothing, and the 18 image refuses to start when it finds a mount at
    /// the old path.
    ///
    /// ## Example
    /// ```text
    /// volume pgdata
    ///
    /// service db {
    ///     image postgres:18.1
    ///     mount pgdata at /var/lib/postgresql/data
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    ///     mount pgdata at /var/lib/postgresql
    /// ```
    /// (and `/var/lib/postgresql/data` for PostgreSQL 17 and older). An
    /// image without a tag that now runs 18 over a volume an older
    /// `latest` filled: pin the version the data was made with
    /// (`postgres:17`), then upgrade it as PostgreSQL says (`pg_upgrade`,
    /// or a dump and restore). `--fix` moves the mount only where the tag
    /// names the major version: under `latest` it would start an empty
    /// database beside the data.
    pub struct PgdataMountMismatch {
        name: "pgdata-mount-mismatch",
        severity: Error,
        summary: "the database's data folder is not on a named volume",
        fixable: true,
    }
}

const OLD_PATH: &str = "/var/lib/postgresql/data";
const NEW_PATH: &str = "/var/lib/postgresql";
/// The first major version that keeps its data under `NEW_PATH`.
const NEW_LAYOUT: u32 = 18;

impl Rule for PgdataMountMismatch {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in stack.services.iter().filter(|s| facts::is_postgres(s)) {
            // A PGDATA of the user's own choosing moves the folder (or may,
            // from an env file stackc did not read): no rule applies.
            if facts::sets_var(stack, service, "PGDATA") != Some(false) {
                continue;
            }
            let Some(image) = facts::image(service) else { continue };
            let major = eol::major_today(image);
            let expected = major.map(|m| if m >= NEW_LAYOUT { NEW_PATH } else { OLD_PATH });
            let at = |path: &str| {
                service
                    .mounts
                    .iter()
                    .find(|m| m.target.value.trim_end_matches('/') == path)
            };
            // From 18 on, PGDATA is `/var/lib/postgresql/MAJOR/docker`: a
            // mount there (or at `/var/lib/postgresql/MAJOR`) holds the
            // data too, inside the image's volume at `NEW_PATH`.
            let holds_new_pgdata = |major: u32| {
                let pgdata = format!("{NEW_PATH}/{major}/docker");
                service.mounts.iter().any(|m| {
                    let target = m.target.value.trim_end_matches('/');
                    target.starts_with(NEW_PATH) && pgdata.starts_with(target)
                })
            };
            match (expected, major) {
                (Some(NEW_PATH), Some(major)) if holds_new_pgdata(major) => continue,
                (Some(path), _) if at(path).is_some() => continue,
                (None, _) if at(OLD_PATH).or(at(NEW_PATH)).is_some() => continue,
                _ => {}
            }
            let other = match expected {
                Some(NEW_PATH) => at(OLD_PATH),
                Some(_) => at(NEW_PATH),
                None => None,
            };
            let name = &service.name.value;
            let finding = match (other, expected) {
                (Some(mount), Some(path)) => {
                    let finding = Self::META
                        .diagnostic(format!(
                            "the data of `{name}` is not on the volume `{}`",
                            mount.source_text()
                        ))
                        .primary(
                            mount.target.span,
                            format!("PostgreSQL {} keeps its data under `{path}`", major.unwrap_or_default()),
                        )
                        .secondary(image.text.span, version_label(image));
                    match facts::tag_major(image) {
                        Some(_) => finding.help(format!("mount the volume at `{path}`")).fix(
                            format!("mount `{}` at `{path}`", mount.source_text()),
                            vec![Edit::replace(mount.target.span, path)],
                        ),
                        // `latest` moved under a volume that may hold an
                        // older version's data: moving the mount would
                        // start an empty database beside it, so no fix.
                        None => finding.help(format!(
                            "pin the major version the volume's data was made with (`postgres:17`); \
                             for a new database, mount the volume at `{path}`"
                        )),
                    }
                }
                _ => {
                    let mut finding = Self::META
                        .diagnostic(format!("the data of `{name}` lives in an anonymous volume"))
                        .primary(image.text.span, "no named volume holds the data folder")
                        .help(format!(
                            "declare `volume {name}_data` and add `mount {name}_data at {}`",
                            expected.unwrap_or(OLD_PATH)
                        ));
                    finding.severity = Severity::Warning;
                    finding
                }
            };
            out.push(finding);
        }
    }
}

/// What decides the path: the tag's major version, or `latest`'s.
fn version_label(image: &crate::ir::ImageRef) -> &'static str {
    match facts::tag_major(image) {
        Some(_) => "the major version decides the path",
        None => "no version: `latest`, PostgreSQL 18 today",
    }
}
