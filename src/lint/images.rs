//! Who well-known published images run their process as, from each image's
//! Dockerfile (`USER`) and entrypoint (`gosu`/`su-exec` step-downs). An
//! image not listed here is unknown: nothing is guessed about it.

use crate::ir::ImageRef;

/// The user a published image runs its command as when compose sets none.
#[derive(Clone, Copy, Debug)]
pub enum DefaultUser {
    /// The image's `USER` is an unprivileged account (named beside each
    /// entry below).
    Unprivileged,
    /// The entrypoint starts as root and, when the command is the image's
    /// server, fixes the owner of its data folder and re-executes itself as
    /// `user` (gosu, su-exec) before starting the server: the long-running
    /// process is unprivileged. Any other command keeps running as root.
    StepsDown {
        user: &'static str,
        /// Whether the command's first word makes the entrypoint step
        /// down: the server's name, or an option it prepends the server to.
        runs_server: fn(&str) -> bool,
    },
    /// No `USER`: the command runs as root. `user` is an unprivileged
    /// account the image has for `--user`, when it has one.
    Root { user: Option<&'static str> },
}

/// The PostgreSQL server images, by the image's own name (as
/// [`ImageRef::name`] gives it, whatever the registry or namespace): the
/// official one, and those built on it with its entrypoint (PostGIS,
/// pgvector, and pgautoupgrade, which upgrades an older data folder with
/// `pg_upgrade` before it runs the official entrypoint).
pub const POSTGRES_IMAGES: &[&str] = &["postgres", "postgis", "pgvector", "pgautoupgrade"];

/// Of those, by repository, the ones whose user without `POSTGRES_USER`
/// is the official image's `postgres`. Another image of one of those
/// names may change it: supabase/postgres sets `POSTGRES_USER` to
/// `supabase_admin` in its Dockerfile.
pub const POSTGRES_USER_IS_POSTGRES: &[&str] = &[
    "postgres",
    "postgis/postgis",
    "pgvector/pgvector",
    "ankane/pgvector",
    "pgautoupgrade/pgautoupgrade",
];

/// Published images whose Dockerfile has a `HEALTHCHECK`, by repository,
/// checked against it: pgautoupgrade's runs `pgautoupgrade-healthcheck.sh`
/// (`pg_isready` as `POSTGRES_USER`; it also answers healthy while an
/// upgrade runs, to keep the container alive); Outline's, from Docker Hub
/// or its own registry, `wget` of `/_health` every minute. The official
/// images have none.
const WITH_HEALTHCHECK: &[&str] = &[
    "pgautoupgrade/pgautoupgrade",
    "outlinewiki/outline",
    "docker.getoutline.com/outlinewiki/outline",
];

/// Whether `image` is one stackc knows to have a `HEALTHCHECK`.
pub fn has_healthcheck(image: &ImageRef) -> bool {
    WITH_HEALTHCHECK.contains(&image.hub_name())
}

/// Images by repository (official images without `library/`), checked
/// against each image's Dockerfile and docker-entrypoint.sh.
const IMAGES: &[(&[&str], DefaultUser)] = &[
    (
        // pgvector/pgvector is `FROM postgres` with the extension added;
        // pgautoupgrade runs the official entrypoint (patched) behind its own.
        &[
            "postgres",
            "postgis",
            "pgvector/pgvector",
            "pgautoupgrade/pgautoupgrade",
        ],
        DefaultUser::StepsDown {
            user: "postgres",
            runs_server: |w| w == "postgres" || w.starts_with('-'),
        },
    ),
    (
        &["mysql"],
        DefaultUser::StepsDown {
            user: "mysql",
            runs_server: |w| w == "mysqld" || w.starts_with('-'),
        },
    ),
    (
        &["mariadb"],
        DefaultUser::StepsDown {
            user: "mysql",
            runs_server: |w| w == "mariadbd" || w == "mysqld" || w.starts_with('-'),
        },
    ),
    (
        &["mongo"],
        DefaultUser::StepsDown {
            user: "mongodb",
            runs_server: |w| w.starts_with("mongo") || w.starts_with('-'),
        },
    ),
    (
        &["redis"],
        DefaultUser::StepsDown {
            user: "redis",
            runs_server: |w| w == "redis-server" || w.starts_with('-') || w.ends_with(".conf"),
        },
    ),
    (
        &["valkey/valkey"],
        DefaultUser::StepsDown {
            user: "valkey",
            runs_server: |w| w == "valkey-server" || w.starts_with('-') || w.ends_with(".conf"),
        },
    ),
    (
        &["rabbitmq"],
        DefaultUser::StepsDown {
            user: "rabbitmq",
            runs_server: |w| w.starts_with("rabbitmq"),
        },
    ),
    (&["memcached"], DefaultUser::Unprivileged), // memcache
    (&["haproxy"], DefaultUser::Unprivileged),   // haproxy
    (
        &["elasticsearch", "docker.elastic.co/elasticsearch/elasticsearch"],
        DefaultUser::Unprivileged, // elasticsearch, uid 1000
    ),
    (&["grafana/grafana", "grafana/grafana-oss"], DefaultUser::Unprivileged), // grafana
    (&["prom/prometheus"], DefaultUser::Unprivileged),                        // nobody
    (&["nginxinc/nginx-unprivileged"], DefaultUser::Unprivileged),            // nginx
    (&["node"], DefaultUser::Root { user: Some("node") }),
    // Bun's and Deno's images have a user of their own but do not switch
    // to it; .NET's (8.0 and newer) have `app` (uid 1654, `$APP_UID`).
    (&["oven/bun"], DefaultUser::Root { user: Some("bun") }),
    (&["denoland/deno"], DefaultUser::Root { user: Some("deno") }),
    (
        &[
            "mcr.microsoft.com/dotnet/aspnet",
            "mcr.microsoft.com/dotnet/runtime",
            "mcr.microsoft.com/dotnet/sdk",
        ],
        DefaultUser::Root { user: Some("app") },
    ),
    (
        &["minio/minio"],
        DefaultUser::Root {
            user: Some("1000:1000"),
        },
    ),
    (
        &[
            "alpine",
            "amazoncorretto",
            "buildpack-deps",
            "busybox",
            "caddy",
            "debian",
            "eclipse-temurin",
            "golang",
            "httpd",
            "nginx",
            "openjdk",
            "php",
            "python",
            "ruby",
            "rust",
            "traefik",
            "ubuntu",
        ],
        DefaultUser::Root { user: None },
    ),
];

/// Published app images whose own start waits for a service before the
/// app starts, by the variables that name it (a host, or a URL with the
/// host in it), checked against each image's start scripts: Paperless-ngx's
/// s6 init waits for `PAPERLESS_DBHOST` (`pg_isready` or `mariadb-admin
/// ping` in a loop) and for `PAPERLESS_REDIS` (a Redis ping in a loop);
/// netbox-docker's entrypoint for the database `DB_HOST` names (`manage.py
/// showmigrations` in a loop, up to `MAX_DB_WAIT_TIME`); Gitea's server
/// for the database `GITEA__database__HOST` names (its ORM set-up retried,
/// `DB_RETRIES` 10 times `DB_RETRY_BACKOFF` 3s, before it listens); Odoo's
/// entrypoint for the PostgreSQL `HOST` names (`wait-for-psql.py`, up to
/// 30s, before `odoo`); Airflow's for the database of its SQLAlchemy URL
/// (`airflow db check` retried, `CONNECTION_CHECK_MAX_COUNT` times) and,
/// in a Celery scheduler or worker, for the broker; Mattermost's server
/// for the database of its data source (pinged 18 times, 10s apart); n8n's
/// task runner launcher for the broker of its URI (`/healthz` polled until
/// it answers).
const START_WAITS: &[(&[&str], &[&str])] = &[
    (
        &["ghcr.io/paperless-ngx/paperless-ngx", "paperlessngx/paperless-ngx"],
        &["PAPERLESS_DBHOST", "PAPERLESS_REDIS"],
    ),
    (
        &["netboxcommunity/netbox", "quay.io/netboxcommunity/netbox"],
        &["DB_HOST"],
    ),
    (&["gitea/gitea", "docker.gitea.com/gitea"], &["GITEA__database__HOST"]),
    (&["odoo"], &["HOST"]),
    (
        &["apache/airflow"],
        &[
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
            "AIRFLOW__CORE__SQL_ALCHEMY_CONN",
            "AIRFLOW__CELERY__BROKER_URL",
        ],
    ),
    (
        &[
            "mattermost/mattermost-enterprise-edition",
            "mattermost/mattermost-team-edition",
        ],
        &["MM_SQLSETTINGS_DATASOURCE"],
    ),
    (
        &["n8nio/runners", "docker.n8n.io/n8nio/runners"],
        &["N8N_RUNNERS_TASK_BROKER_URI"],
    ),
];

/// The variables naming the services `image`'s own start waits for; empty
/// for an image stackc does not know to wait.
pub fn start_waits(image: &ImageRef) -> &'static [&'static str] {
    let repository = image.hub_name();
    START_WAITS
        .iter()
        .find(|(names, _)| names.contains(&repository))
        .map_or(&[], |(_, variables)| variables)
}

/// Where published apps keep their keys beside their data, so that a
/// volume mounted there holds them: Gitea's `app.ini` (its `SECRET_KEY`
/// and `INTERNAL_TOKEN`) and SSH host keys, Vaultwarden's RSA key and
/// vault, Grafana's database of users and data source passwords, n8n's
/// encryption key, GitLab's secrets file.
const PRIVATE_DATA: &[(&[&str], &str)] = &[
    (&["gitea/gitea", "docker.gitea.com/gitea"], "/data"),
    (&["vaultwarden/server"], "/data"),
    (
        &["grafana/grafana", "grafana/grafana-oss", "grafana/grafana-enterprise"],
        "/var/lib/grafana",
    ),
    (&["n8nio/n8n", "docker.n8n.io/n8nio/n8n"], "/home/node/.n8n"),
    (&["gitlab/gitlab-ce", "gitlab/gitlab-ee"], "/var/opt/gitlab"),
];

/// The folder where a published app `image` keeps its keys with its data.
pub fn private_data(image: &ImageRef) -> Option<&'static str> {
    let repository = image.hub_name();
    PRIVATE_DATA
        .iter()
        .find(|(names, _)| names.contains(&repository))
        .map(|(_, folder)| *folder)
}

/// The variables official images' entrypoints also read from a file
/// (`file_env`: `VAR_FILE` names the file), by the image's own name (as
/// [`facts::is_postgres`](super::facts::is_postgres) tells PostGIS and
/// mirrors), checked against each image's docker-entrypoint.sh. Any other image reads `VAR` only, as far as
/// stackc knows.
const FILE_VARIABLES: &[(&[&str], &[&str])] = &[
    (
        POSTGRES_IMAGES,
        &[
            "POSTGRES_PASSWORD",
            "POSTGRES_USER",
            "POSTGRES_DB",
            "POSTGRES_INITDB_ARGS",
        ],
    ),
    // Weblate's image reads the database's password and the LDAP bind
    // password from files (its Docker environment reference).
    (&["weblate"], &["POSTGRES_PASSWORD", "WEBLATE_AUTH_LDAP_BIND_PASSWORD"]),
    (
        &["mysql"],
        &[
            "MYSQL_ROOT_PASSWORD",
            "MYSQL_PASSWORD",
            "MYSQL_USER",
            "MYSQL_DATABASE",
            "MYSQL_ROOT_HOST",
        ],
    ),
    // MariaDB reads the MySQL names too.
    (
        &["mariadb"],
        &[
            "MARIADB_ROOT_PASSWORD",
            "MARIADB_ROOT_PASSWORD_HASH",
            "MARIADB_PASSWORD",
            "MARIADB_PASSWORD_HASH",
            "MARIADB_USER",
            "MARIADB_DATABASE",
            "MARIADB_ROOT_HOST",
            "MARIADB_REPLICATION_USER",
            "MARIADB_REPLICATION_PASSWORD",
            "MARIADB_REPLICATION_PASSWORD_HASH",
            "MARIADB_MASTER_HOST",
            "MARIADB_MASTER_PORT",
            "MARIADB_ROOT_USER",
            "MYSQL_ROOT_PASSWORD",
            "MYSQL_PASSWORD",
            "MYSQL_USER",
            "MYSQL_DATABASE",
            "MYSQL_ROOT_HOST",
            "MYSQL_ROOT_USER",
        ],
    ),
    (
        &["mongo"],
        &["MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD"],
    ),
];

/// The variables `image` also reads from the file `VAR_FILE` names; empty
/// for an image stackc does not know to do so.
pub fn file_variables(image: &ImageRef) -> &'static [&'static str] {
    FILE_VARIABLES
        .iter()
        .find(|(names, _)| names.contains(&image.name()))
        .map_or(&[], |(_, variables)| variables)
}

/// What the image runs as, when it is one stackc knows.
pub fn default_user(image: &ImageRef) -> Option<DefaultUser> {
    let repository = image.hub_name();
    // Distroless images run as root, except their `nonroot` tags (uid 65532).
    if repository.starts_with("gcr.io/distroless/") {
        let nonroot = image.tag().is_some_and(|t| t.contains("nonroot"));
        return Some(if nonroot {
            DefaultUser::Unprivileged
        } else {
            DefaultUser::Root { user: Some("65532") }
        });
    }
    // .NET's images have their `app` user from 8.0 on; 6.0 and 7.0 none.
    if repository.starts_with("mcr.microsoft.com/dotnet/")
        && crate::lint::facts::tag_major(image).is_some_and(|m| m < 8)
    {
        return Some(DefaultUser::Root { user: None });
    }
    IMAGES
        .iter()
        .find(|(names, _)| names.contains(&repository))
        .map(|(_, user)| *user)
}
