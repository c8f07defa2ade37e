//! Published images whose user stackc knows by number, the folders their
//! servers write and the port they listen on: a `runAsNonRoot` pod needs
//! the number (the kubelet cannot check that a name, or an image's
//! unknown `USER`, is not root, and refuses to start it), and a read-only
//! root file system needs the folders as emptyDirs.

use super::pod::RunAs;
use crate::ir::{ImageRef, ImageSource, Service, Stack};

/// nginx's user in the official image (see the proxy's Dockerfile).
pub(super) const NGINX_UID: u32 = 101;

/// A published image whose user and writable folders stackc knows.
pub(super) struct KnownImage {
    /// Its repositories as [`ImageRef::hub_name`] gives them.
    repositories: &'static [&'static str],
    /// A word its tags must hold for these facts to be true
    /// (`rootless`), where only some variants run as a user of their own.
    tags_with: Option<&'static str>,
    /// The name of its user, which a spec's `user NAME` may give.
    pub user: &'static str,
    /// The user's uid and primary gid (`None`: the image's /etc/passwd
    /// gives it, unknown here).
    ids: RunAs,
    /// The same in the image's Alpine variant (`postgres:16-alpine`), where
    /// its own `adduser` numbers it otherwise.
    alpine_ids: Option<RunAs>,
    /// The port its server listens on, which other pods reach through its
    /// Service; `None` where one image runs several programs (Mastodon's
    /// web server and its Sidekiq).
    pub port: Option<u16>,
    /// Folders it writes outside the volumes a spec mounts, besides /tmp:
    /// the image's own `VOLUME`s (compose gives each an anonymous volume)
    /// and its run-time folders.
    pub writes: &'static [&'static str],
}

impl KnownImage {
    /// The user and group the image runs as, in its variant.
    fn account(&self, image: &ImageRef) -> RunAs {
        let alpine = image.tag().is_some_and(|t| t.contains("alpine"));
        match self.alpine_ids {
            Some(ids) if alpine => ids,
            _ => self.ids,
        }
    }

    fn holds_for(&self, image: &ImageRef) -> bool {
        self.repositories.contains(&image.hub_name())
            && self
                .tags_with
                .is_none_or(|word| image.tag().is_some_and(|t| t.contains(word)))
    }
}

/// An image's user by number and primary group, when both are known.
const fn ids(uid: u32, gid: u32) -> RunAs {
    RunAs::new(uid, gid)
}

/// Each image's user, read from its Dockerfile (`USER`, and the
/// `useradd`/`adduser` that numbers it) in its public repository, and its
/// entrypoint: each runs as that number when started directly as it, as a
/// cluster starts it. The official data stores start as root and step
/// down to their user (gosu, su-exec), and run as it when started as it.
/// An image that must start as root (WordPress's Apache, Gitea's s6, the
/// default MinIO and Traefik images) is not here: the spec says its user.
const KNOWN_IMAGES: &[KnownImage] = &[
    // docker-library/postgres; PostGIS (postgis/docker-postgis) and
    // pgvector/pgvector are `FROM postgres` with an extension added.
    KnownImage {
        repositories: &["postgres", "postgis/postgis", "pgvector/pgvector"],
        tags_with: None,
        user: "postgres",
        ids: ids(999, 999),
        alpine_ids: Some(ids(70, 70)),
        port: Some(5432),
        writes: &["/var/run/postgresql"],
    },
    // immich-app/base-images postgres/Dockerfile: `FROM pgvector/pgvector`,
    // its entrypoint copying a postgresql.conf into /etc/postgresql
    // (1777) before the official one's.
    KnownImage {
        repositories: &["ghcr.io/immich-app/postgres"],
        tags_with: None,
        user: "postgres",
        ids: ids(999, 999),
        alpine_ids: None,
        port: Some(5432),
        writes: &["/var/run/postgresql", "/etc/postgresql"],
    },
    KnownImage {
        repositories: &["redis"],
        tags_with: None,
        user: "redis",
        ids: ids(999, 999),
        alpine_ids: Some(ids(999, 1000)),
        port: Some(6379),
        // Its VOLUME and working folder: a snapshot (`save`, on by default)
        // or an append-only file is written there.
        writes: &["/data"],
    },
    KnownImage {
        repositories: &["valkey/valkey"],
        tags_with: None,
        user: "valkey",
        ids: ids(999, 999),
        alpine_ids: Some(ids(999, 1000)),
        port: Some(6379),
        writes: &["/data"],
    },
    KnownImage {
        repositories: &["mysql"],
        tags_with: None,
        user: "mysql",
        ids: ids(999, 999),
        alpine_ids: None,
        port: Some(3306),
        writes: &["/var/run/mysqld"],
    },
    KnownImage {
        repositories: &["mariadb"],
        tags_with: None,
        user: "mysql",
        ids: ids(999, 999),
        alpine_ids: None,
        port: Some(3306),
        writes: &["/run/mysqld"],
    },
    KnownImage {
        repositories: &["mongo"],
        tags_with: None,
        user: "mongodb",
        ids: ids(999, 999),
        alpine_ids: None,
        port: Some(27017),
        writes: &["/data/configdb"],
    },
    KnownImage {
        repositories: &["rabbitmq"],
        tags_with: None,
        user: "rabbitmq",
        ids: ids(999, 999),
        alpine_ids: Some(ids(100, 101)),
        port: Some(5672),
        writes: &["/var/log/rabbitmq"],
    },
    // docker-library/nginx: its master runs as root, its workers as
    // `nginx` (101). Run as 101 from the start, its default config writes
    // its temporary files under /var/cache/nginx and its pid in /run
    // (/var/run is a link to it), and binds port 80 (the pod's sysctl).
    KnownImage {
        repositories: &["nginx"],
        tags_with: None,
        user: "nginx",
        ids: ids(NGINX_UID, NGINX_UID),
        alpine_ids: None,
        port: Some(80),
        writes: &["/var/cache/nginx", "/run"],
    },
    // nginxinc/docker-nginx-unprivileged: `USER $UID` (101, group nginx
    // 101), its pid and temporary files moved to /tmp, listening on 8080.
    KnownImage {
        repositories: &["nginxinc/nginx-unprivileged"],
        tags_with: None,
        user: "nginx",
        ids: ids(NGINX_UID, NGINX_UID),
        alpine_ids: None,
        port: Some(8080),
        writes: &["/var/cache/nginx"],
    },
    // docker-library/memcached: `useradd --uid 11211` (`adduser -u 11211`
    // on Alpine), `USER memcache`.
    KnownImage {
        repositories: &["memcached"],
        tags_with: None,
        user: "memcache",
        ids: ids(11211, 11211),
        alpine_ids: None,
        port: Some(11211),
        writes: &[],
    },
    // docker-library/haproxy: `useradd --uid 99`, `USER haproxy`, working
    // in /var/lib/haproxy; it listens where its haproxy.cfg says.
    KnownImage {
        repositories: &["haproxy"],
        tags_with: None,
        user: "haproxy",
        ids: ids(99, 99),
        alpine_ids: None,
        port: None,
        writes: &["/var/lib/haproxy"],
    },
    // grafana/grafana's Dockerfile: `ARG GF_UID="472"`, `ARG GF_GID="0"`,
    // `USER "$GF_UID"`; it writes its data (GF_PATHS_DATA) and logs.
    KnownImage {
        repositories: &["grafana/grafana", "grafana/grafana-oss", "grafana/grafana-enterprise"],
        tags_with: None,
        user: "grafana",
        ids: ids(472, 0),
        alpine_ids: None,
        port: Some(3000),
        writes: &["/var/lib/grafana", "/var/log/grafana"],
    },
    // prometheus/prometheus's Dockerfile: busybox's `nobody` (65534,
    // group `nogroup` 65534), `VOLUME ["/prometheus"]`.
    KnownImage {
        repositories: &["prom/prometheus", "quay.io/prometheus/prometheus"],
        tags_with: None,
        user: "nobody",
        ids: ids(65534, 65534),
        alpine_ids: None,
        port: Some(9090),
        writes: &["/prometheus"],
    },
    // docker-library/ghost: its entrypoint steps down to `node` (1000 in
    // the `node` images) and, started as that user, seeds the content
    // `VOLUME` itself.
    KnownImage {
        repositories: &["ghost"],
        tags_with: None,
        user: "node",
        ids: ids(1000, 1000),
        alpine_ids: None,
        port: Some(2368),
        writes: &["/var/lib/ghost/content"],
    },
    // n8n-io/n8n docker/images/n8n/Dockerfile: `USER node` (1000 in the
    // `node` image it is built on), its settings and encryption key in
    // /home/node/.n8n.
    KnownImage {
        repositories: &["n8nio/n8n", "docker.n8n.io/n8nio/n8n"],
        tags_with: None,
        user: "node",
        ids: ids(1000, 1000),
        alpine_ids: None,
        port: Some(5678),
        writes: &["/home/node/.n8n"],
    },
    // n8n-io/n8n docker/images/runners/Dockerfile: `addgroup -g 1000`,
    // `adduser -u 1000`, `USER runner`; it connects to n8n's broker.
    KnownImage {
        repositories: &["n8nio/runners", "docker.n8n.io/n8nio/runners"],
        tags_with: None,
        user: "runner",
        ids: ids(1000, 1000),
        alpine_ids: None,
        port: None,
        writes: &[],
    },
    // go-gitea/gitea Dockerfile.rootless: `USER 1000:1000` (git), `VOLUME
    // ["/var/lib/gitea", "/etc/gitea"]` (its entrypoint writes app.ini
    // there). The other tags start s6 as root.
    KnownImage {
        repositories: &["gitea/gitea", "docker.gitea.com/gitea"],
        tags_with: Some("rootless"),
        user: "git",
        ids: ids(1000, 1000),
        alpine_ids: None,
        port: Some(3000),
        writes: &["/var/lib/gitea", "/etc/gitea"],
    },
    // mastodon/mastodon's Dockerfile: `ARG UID="991"`, `ARG GID="991"`,
    // `USER mastodon`; Rails keeps its pids and cache in tmp/. One image
    // runs the web server and Sidekiq.
    KnownImage {
        repositories: &["ghcr.io/mastodon/mastodon", "tootsuite/mastodon"],
        tags_with: None,
        user: "mastodon",
        ids: ids(991, 991),
        alpine_ids: None,
        port: None,
        writes: &["/opt/mastodon/tmp"],
    },
    // mastodon/mastodon streaming/Dockerfile: the same 991, `PORT=4000`.
    KnownImage {
        repositories: &["ghcr.io/mastodon/mastodon-streaming", "tootsuite/mastodon-streaming"],
        tags_with: None,
        user: "mastodon",
        ids: ids(991, 991),
        alpine_ids: None,
        port: Some(4000),
        writes: &[],
    },
    // umami-software/umami's Dockerfile: `adduser --system --uid 1001
    // nextjs` (no group given: the image's /etc/passwd says it), `USER
    // nextjs`.
    KnownImage {
        repositories: &["ghcr.io/umami-software/umami", "docker.umami.is/umami-software/umami"],
        tags_with: None,
        user: "nextjs",
        ids: RunAs { uid: 1001, gid: None },
        alpine_ids: None,
        port: Some(3000),
        writes: &[],
    },
    // outline/outline's Dockerfile: `addgroup --gid 1001 nodejs`,
    // `adduser --uid 1001`, `USER nodejs`, `VOLUME /var/lib/outline/data`.
    KnownImage {
        repositories: &["outlinewiki/outline", "docker.getoutline.com/outlinewiki/outline"],
        tags_with: None,
        user: "nodejs",
        ids: ids(1001, 1001),
        alpine_ids: None,
        port: Some(3000),
        writes: &["/var/lib/outline/data"],
    },
    // directus/directus docker/Dockerfile: `USER node` (1000 in the `node`
    // image), its three `VOLUME`s; pm2 keeps its state in ~/.pm2.
    KnownImage {
        repositories: &["directus/directus"],
        tags_with: None,
        user: "node",
        ids: ids(1000, 1000),
        alpine_ids: None,
        port: Some(8055),
        writes: &[
            "/directus/database",
            "/directus/extensions",
            "/directus/uploads",
            "/home/node/.pm2",
        ],
    },
    // elastic/dockerfiles elasticsearch/Dockerfile: `adduser --uid 1000`,
    // `USER 1000:0`; its data and logs folders are the user's.
    KnownImage {
        repositories: &["elasticsearch", "docker.elastic.co/elasticsearch/elasticsearch"],
        tags_with: None,
        user: "elasticsearch",
        ids: ids(1000, 0),
        alpine_ids: None,
        port: Some(9200),
        writes: &["/usr/share/elasticsearch/data", "/usr/share/elasticsearch/logs"],
    },
    // keycloak/keycloak quarkus/container/Dockerfile: `keycloak:x:1000:0`
    // written into /etc/passwd, `USER 1000`.
    KnownImage {
        repositories: &["quay.io/keycloak/keycloak", "keycloak/keycloak"],
        tags_with: None,
        user: "keycloak",
        ids: ids(1000, 0),
        alpine_ids: None,
        port: Some(8080),
        writes: &["/opt/keycloak/data"],
    },
    // gotenberg/gotenberg build/Dockerfile: `GOTENBERG_USER_UID=1001`,
    // `GOTENBERG_USER_GID=1001`, `USER gotenberg`, home /home/gotenberg.
    KnownImage {
        repositories: &["gotenberg/gotenberg"],
        tags_with: None,
        user: "gotenberg",
        ids: ids(1001, 1001),
        alpine_ids: None,
        port: Some(3000),
        writes: &["/home/gotenberg"],
    },
    // apache/airflow's Dockerfile: `AIRFLOW_UID="50000"`, `adduser --gid
    // 0`, `USER ${AIRFLOW_UID}`; one image runs every Airflow component,
    // and each writes task logs under AIRFLOW_HOME.
    KnownImage {
        repositories: &["apache/airflow"],
        tags_with: None,
        user: "airflow",
        ids: ids(50000, 0),
        alpine_ids: None,
        port: None,
        writes: &["/opt/airflow/logs"],
    },
    // WeblateOrg/docker's Dockerfile: `useradd --user-group weblate` (no
    // uid: the image's /etc/passwd gives the group), `USER 1000`; its start
    // writes nginx's and supervisor's files under /run.
    KnownImage {
        repositories: &["weblate/weblate"],
        tags_with: None,
        user: "weblate",
        ids: RunAs { uid: 1000, gid: None },
        alpine_ids: None,
        port: Some(8080),
        writes: &["/run"],
    },
    // mattermost/mattermost server/build/Dockerfile: `PUID=2000`,
    // `PGID=2000`, `USER mattermost`, and its five `VOLUME`s.
    KnownImage {
        repositories: &[
            "mattermost/mattermost-enterprise-edition",
            "mattermost/mattermost-team-edition",
        ],
        tags_with: None,
        user: "mattermost",
        ids: ids(2000, 2000),
        alpine_ids: None,
        port: Some(8065),
        writes: &[
            "/mattermost/data",
            "/mattermost/logs",
            "/mattermost/config",
            "/mattermost/plugins",
            "/mattermost/client/plugins",
        ],
    },
    // requarks/wiki dev/build/Dockerfile: `USER node` (1000 in the `node`
    // image), the folders it writes chowned to it, `VOLUME
    // ["/wiki/data/content"]`.
    KnownImage {
        repositories: &["ghcr.io/requarks/wiki", "requarks/wiki"],
        tags_with: None,
        user: "node",
        ids: ids(1000, 1000),
        alpine_ids: None,
        port: Some(3000),
        writes: &["/wiki/data", "/logs"],
    },
    // apache/tika-docker's Dockerfile: `ARG UID_GID="35002:35002"`, `USER
    // $UID_GID`, a number with no account named for it.
    KnownImage {
        repositories: &["apache/tika"],
        tags_with: None,
        user: "35002",
        ids: ids(35002, 35002),
        alpine_ids: None,
        port: Some(9998),
        writes: &[],
    },
];

/// The published image a service runs, when stackc knows its user: its
/// `image`, or the base of the app's own Dockerfile when that Dockerfile
/// keeps the base's user (no `USER` in its stages: `FROM
/// prom/prometheus` and a `COPY` of the config runs as Prometheus's
/// user, and writes its folders).
pub(super) fn known_image<'s>(stack: &'s Stack, service: &'s Service) -> Option<(&'static KnownImage, &'s ImageRef)> {
    let image = match &service.image {
        Some(ImageSource::Image(image)) => image,
        _ => {
            let own = stack.own_image(service)?;
            if own.facts()?.user.is_some() {
                return None;
            }
            own.registry_base()?
        }
    };
    KNOWN_IMAGES.iter().find(|k| k.holds_for(image)).map(|k| (k, image))
}

/// A known image's user and group, in its variant.
pub(super) fn known_account(stack: &Stack, service: &Service) -> Option<RunAs> {
    known_image(stack, service).map(|(known, image)| known.account(image))
}
