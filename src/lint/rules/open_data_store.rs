use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{Exposure, Service, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags MongoDB, Redis (or Valkey), MySQL or MariaDB, memcached,
    /// Elasticsearch or OpenSearch (the official images) that let anyone in
    /// without a password, where more than the app's own containers reach
    /// them (the server started by the image, or by a shell, `sh -c 'exec
    /// redis-server ...'`):
    /// - MongoDB given no `MONGO_INITDB_ROOT_PASSWORD` (nor its `_FILE`)
    ///   and no `--auth`, `--keyFile` or config file on its command line
    ///   (`--authenticationMechanisms` turns no access control on);
    /// - Redis or Valkey whose command line sets no `--requirepass` (or an
    ///   empty one) or `--aclfile` and names no config file (the image
    ///   starts with protected mode off); so do Redis with modules
    ///   (`redislabs/redismod`, `redis/redis-stack`, whose `REDIS_ARGS` may
    ///   set the password instead);
    /// - InfluxDB 1.x without `INFLUXDB_HTTP_AUTH_ENABLED = "true"` or a
    ///   config file of its own (2.x asks for the token its setup makes);
    /// - Bitnami's Redis, Valkey, PostgreSQL, MySQL, MariaDB or MongoDB
    ///   with `ALLOW_EMPTY_PASSWORD`, Bitnami's etcd with
    ///   `ALLOW_NONE_AUTHENTICATION` and no `ETCD_ROOT_PASSWORD`; Neo4j with
    ///   `NEO4J_AUTH = "none"`;
    /// - MySQL or MariaDB with `MYSQL_ALLOW_EMPTY_PASSWORD` (or
    ///   `MARIADB_ALLOW_EMPTY_ROOT_PASSWORD`) and no root password;
    /// - memcached without `-S` (SASL), its only authentication;
    /// - Solr without a home of its own mounted at `/var/solr` (where its
    ///   `security.json` would be) or `SOLR_AUTH_TYPE`; Cassandra without a
    ///   configuration of its own under `/etc/cassandra` (its default
    ///   `AllowAllAuthenticator`); Flower (`mher/flower`), which stops and
    ///   restarts the Celery workers, without `--basic_auth`, `--auth` or
    ///   `FLOWER_BASIC_AUTH`;
    /// - Elasticsearch with `xpack.security.enabled = "false"`, or before
    ///   8.0 without `xpack.security.enabled = "true"` (or a config folder
    ///   of its own), since its security was off by default; OpenSearch
    ///   with `DISABLE_SECURITY_PLUGIN` or `plugins.security.disabled`;
    /// - RabbitMQ given no `RABBITMQ_DEFAULT_PASS` (nor its `_FILE`) and no
    ///   configuration of its own under `/etc/rabbitmq`: the official image
    ///   lets its default user `guest`, password `guest`, log in from
    ///   anywhere, not only from localhost as RabbitMQ itself does;
    /// - MinIO given no `MINIO_ROOT_PASSWORD` (nor `MINIO_SECRET_KEY`, their
    ///   `_FILE`s or `MINIO_CONFIG_ENV_FILE`): its root login is then
    ///   `minioadmin`, password `minioadmin`;
    /// - Grafana with anonymous access on (`GF_AUTH_ANONYMOUS_ENABLED`)
    ///   and `GF_AUTH_ANONYMOUS_ORG_ROLE = "Admin"`: every visitor is its
    ///   administrator;
    /// - the admin UIs of stores, and the tools beside them: mongo-express
    ///   without `ME_CONFIG_BASICAUTH_PASSWORD` (1.0 lets in `admin`,
    ///   password `pass`; it runs the JavaScript it is sent), Redis
    ///   Commander without `HTTP_PASSWORD` (or its hash), MailHog without
    ///   `MH_AUTH_FILE` and Mailpit without `MP_UI_AUTH` (each shows every
    ///   mail the app sends, password-reset links among them), Prometheus
    ///   without `--web.config.file`, Portainer without
    ///   `--admin-password-file` (its first visitor becomes the
    ///   administrator of the Docker it manages).
    ///
    /// An error when a port of it is published on every interface of the
    /// host or on a public address of it (reachable from the network for
    /// certain), in a deployed stack;
    /// in a development one (`environment dev`, or the base of `stack NAME
    /// development`) that is a warning, as is the case when the
    /// spec splits its networks and puts it on one with the stack's proxy,
    /// the container that faces the internet. A store only the app's own
    /// services reach (or that is on compose's default network, as every
    /// container of a stack that names no networks, or on the one network
    /// every container joins) is not flagged; nor is
    /// one whose password may come from an env file stackc could not read.
    ///
    /// ## Why is this bad?
    /// Docker opens a published port past the host's firewall. Scanners
    /// find an open MongoDB or Redis within hours; the data is copied and
    /// wiped for ransom, and a Redis that takes `CONFIG SET` writes files
    /// as its user. An open memcached serves its cached sessions and pages
    /// to anyone, and amplifies denial-of-service attacks over UDP.
    ///
    /// ## Example
    /// ```text
    /// service cache {
    ///     image redis:7.4
    ///     publish 6379 -> 6379
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Drop the `publish` (the stack's containers reach `cache` by name),
    /// or publish on loopback only, and set a password:
    /// ```text
    /// service cache {
    ///     image redis:7.4
    ///     command "sh -c 'exec redis-server --requirepass \"$(cat /run/secrets/redis_password)\"'"
    ///     user redis
    ///     secret REDIS_PASSWORD = redis_password
    ///     publish 127.0.0.1:6379 -> 6379
    /// }
    /// ```
    pub struct OpenDataStore {
        name: "open-data-store",
        severity: Error,
        summary: "a database, cache, search engine or admin UI without a password that more than the app reaches",
    }
}

impl Rule for OpenDataStore {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        // Asked only when an open store is found, and then once.
        let splits = std::cell::OnceCell::new();
        // The server run by a shell too (`sh -c 'exec redis-server ...'`).
        for service in stack.services.iter().filter(|s| facts::runs_image_server_somehow(s)) {
            let Some(image) = facts::image(service) else { continue };
            let Some(Open { how, why, fix }) = no_password(stack, service, image.hub_name()) else {
                continue;
            };
            let published: Vec<_> = service.ports.iter().filter_map(|p| Some((p, p.exposure()?))).collect();
            // On compose's default network every container meets the
            // proxy, as in most stacks: only a store put on the proxy's
            // side of networks the spec splits is flagged.
            let proxy = facts::proxies(stack)
                .filter(|_| *splits.get_or_init(|| splits_networks(stack)))
                .find(|(proxy, _)| facts::share_network(proxy, service));
            let mut finding = Self::META
                .diagnostic(format!("`{}` lets anyone in {how}", service.name.value))
                .primary(image.text.span, why);
            if let Some((port, exposure)) = published.first() {
                let label = match exposure {
                    Exposure::EveryInterface => "published on every interface: reachable from the network".to_string(),
                    Exposure::PublicAddress(ip) => {
                        format!("published on the public address `{ip}`: reachable from the internet")
                    }
                };
                finding = finding.secondary(port.span, label);
                // A laptop's stack, where a store is often published for
                // the developer's own tools: reachable still, not certainly
                // exposed to the internet.
                if !stack.is_deployed() {
                    finding.severity = Severity::Warning;
                }
            } else if let Some((proxy, _)) = proxy {
                finding.severity = Severity::Warning;
                finding = finding.secondary(proxy.name.span, "faces the internet, and shares a network with it");
            } else {
                continue;
            }
            out.push(finding.help(format!(
                "{fix}, and drop the `publish` (the stack's containers reach it by name) or publish on `127.0.0.1:` only"
            )));
        }
    }
}

/// How a store takes anyone in, and why.
struct Open {
    /// "without a password", or how else.
    how: &'static str,
    why: &'static str,
    /// What closes it.
    fix: &'static str,
}

/// Redis servers with modules, on Docker Hub: Redis Labs' and Redis's own
/// redis-stack.
const REDIS_WITH_MODULES: &[&str] = &[
    "redislabs/redismod",
    "redislabs/rejson",
    "redislabs/redisearch",
    "redislabs/redistimeseries",
    "redislabs/rebloom",
    "redis/redis-stack",
    "redis/redis-stack-server",
];

const NO_PASSWORD: &str = "without a password";
const DEFAULT_LOGIN: &str = "with the image's default login";

/// Whether the spec's containers are on different networks. One network
/// every container joins is compose's default network by another name
/// (wger names its `wger_network`, so other projects can join it): all of
/// them meet the proxy there, as on the default one.
fn splits_networks(stack: &Stack) -> bool {
    let networks = |s: &Service| {
        let mut names: Vec<String> = s.networks.iter().map(|n| n.value.to_ascii_lowercase()).collect();
        names.sort();
        names.dedup();
        names
    };
    let mut sets = stack.services.iter().map(networks);
    let first = sets.next().unwrap_or_default();
    sets.any(|set| set != first)
}

/// Why the server of `image` (a hub name) takes anyone in, when that is
/// certain from the spec.
fn no_password(stack: &Stack, service: &Service, image: &str) -> Option<Open> {
    let open = |how, why| {
        Some(Open {
            how,
            why,
            fix: "give it a password from a `secret`",
        })
    };
    let words: &[String] = service.command.as_ref().map_or(&[], |c| &c.words);
    let unset = |name: &str| {
        facts::sets_var(stack, service, name) == Some(false)
            && facts::sets_var(stack, service, &format!("{name}_FILE")) == Some(false)
    };
    let names_any = |options: &[&str]| {
        words
            .iter()
            .any(|w| options.iter().any(|o| w.contains(o)) || w.ends_with(".conf") || w.ends_with(".yaml"))
    };
    // A configuration file of its own, mounted or a secret, may set the login.
    let configured_under = |folder: &str| {
        let mounted = service.mounts.iter().map(|m| &m.target);
        let secrets = service.secret_mounts.iter().filter_map(|m| m.target.as_ref());
        mounted
            .chain(secrets)
            .any(|target| facts::is_within(target.value.trim_end_matches('/'), folder))
    };
    // An option as the server reads it: the word itself, or `--option=value`
    // (`--authenticationMechanisms=...` is no `--auth`).
    // The words of a script in one word (`bash -c "... mongod --auth"`) too.
    let has_option = |options: &[&str]| {
        words.iter().flat_map(|w| w.split_whitespace()).any(|w| {
            let name = w.split_once('=').map_or(w, |(name, _)| name);
            options.contains(&name) || w.ends_with(".conf") || w.ends_with(".yaml")
        })
    };
    // `--requirepass ""` (or `--requirepass=`) sets no password at all.
    let empty_requirepass = words.iter().enumerate().any(|(i, w)| {
        w == "--requirepass=" || (w == "--requirepass" && words.get(i + 1).is_none_or(|v| v.trim().is_empty()))
    });
    // A variable's value from `env`, an env file or the image's `ENV`.
    let value = |name: &str| stack.env_value(service, name);
    let env_says = |name: &str, says: fn(&str) -> bool| value(name).known().is_some_and(says);
    // A Go-style flag as given: `-flag`, `--flag`, `--flag=value`.
    let has_flag = |flags: &[&str]| {
        words.iter().flat_map(|w| w.split_whitespace()).any(|w| {
            let name = w.split_once('=').map_or(w, |(name, _)| name).trim_start_matches('-');
            w.starts_with('-') && flags.contains(&name)
        })
    };
    // redis-stack's `REDIS_ARGS`, as written or from a file stackc did not read.
    let redis_args_may_set_password = || match value("REDIS_ARGS").known() {
        Some(args) => ["requirepass", "aclfile"].iter().any(|o| args.contains(o)),
        None => !unset("REDIS_ARGS"),
    };
    match image {
        "mongo" if unset("MONGO_INITDB_ROOT_PASSWORD") && !has_option(&["--auth", "--keyFile", "--config", "-f"]) => {
            open(
                NO_PASSWORD,
                "MongoDB starts without access control: no `MONGO_INITDB_ROOT_PASSWORD`",
            )
        }
        // Redis with modules (Redis Labs' images run the official image's
        // entrypoint; redis-stack's passes `REDIS_ARGS` to the server),
        // which their quick starts reach from the host: no protected mode.
        name if REDIS_WITH_MODULES.contains(&name)
            && !names_any(&["requirepass", "aclfile"])
            && !(name.starts_with("redis/") && redis_args_may_set_password()) =>
        {
            open(
                NO_PASSWORD,
                "Redis starts with no password and protected mode off: no `--requirepass`",
            )
        }
        "redis" | "valkey" | "valkey/valkey" if !names_any(&["requirepass", "aclfile"]) => open(
            NO_PASSWORD,
            "Redis starts with no password and protected mode off: no `--requirepass`",
        ),
        "redis" | "valkey" | "valkey/valkey" if empty_requirepass => open(
            NO_PASSWORD,
            "Redis starts with no password: `--requirepass` is given an empty one",
        ),
        // Bitnami's quick-start switch, which its images refuse to start
        // without unless a password is set.
        "bitnami/redis" | "bitnami/valkey" | "bitnami/postgresql" | "bitnami/mysql" | "bitnami/mariadb"
        | "bitnami/mongodb"
            if env_says("ALLOW_EMPTY_PASSWORD", facts::is_truthy) && BITNAMI_PASSWORDS.iter().all(|n| unset(n)) =>
        {
            open(
                NO_PASSWORD,
                "Bitnami's image starts with an empty password: `ALLOW_EMPTY_PASSWORD`",
            )
        }
        // Bitnami's etcd refuses to start without a root password unless told.
        "bitnami/etcd" if env_says("ALLOW_NONE_AUTHENTICATION", facts::is_truthy) && unset("ETCD_ROOT_PASSWORD") => open(
            NO_PASSWORD,
            "Bitnami's etcd with its authentication off: `ALLOW_NONE_AUTHENTICATION`",
        ),
        "neo4j" if env_says("NEO4J_AUTH", |v| v.trim().eq_ignore_ascii_case("none")) => {
            open(NO_PASSWORD, "Neo4j with its authentication off: `NEO4J_AUTH=none`")
        }
        "memcached" if !words.iter().any(|w| w == "-S" || w == "--enable-sasl") => open(
            NO_PASSWORD,
            "memcached takes anyone in: no `-S` (SASL), its only authentication",
        ),
        "elasticsearch" | "docker.elastic.co/elasticsearch/elasticsearch"
            if env_says("xpack.security.enabled", is_false) =>
        {
            open(
                NO_PASSWORD,
                "Elasticsearch with its security off: `xpack.security.enabled=false`",
            )
        }
        // Before 8.0 its security is off unless turned on.
        "elasticsearch" | "docker.elastic.co/elasticsearch/elasticsearch"
            if facts::image(service).and_then(facts::tag_major).is_some_and(|major| major < 8)
                && !env_says("xpack.security.enabled", facts::is_truthy)
                && !configured_under("/usr/share/elasticsearch/config") =>
        {
            open(
                NO_PASSWORD,
                "Elasticsearch before 8.0 starts with its security off: no `xpack.security.enabled=true`",
            )
        }
        "opensearchproject/opensearch"
            if env_says("DISABLE_SECURITY_PLUGIN", facts::is_truthy)
                || env_says("plugins.security.disabled", facts::is_truthy) =>
        {
            open(NO_PASSWORD, "OpenSearch with its security plugin off")
        }
        "rabbitmq"
            if unset("RABBITMQ_DEFAULT_PASS")
                && unset("RABBITMQ_CONFIG_FILE")
                && !configured_under("/etc/rabbitmq")
                && !names_any(&[]) =>
        {
            Some(Open {
                how: DEFAULT_LOGIN,
                why: "RabbitMQ's `guest`/`guest`, which this image opens to the network: no `RABBITMQ_DEFAULT_PASS`",
                // RabbitMQ reads no `_FILE` variable (`secret-variable-unread`).
                fix: "give it a login of its own in a config file kept as a secret (`secret rabbitmq_conf at /etc/rabbitmq/conf.d/10-defaults.conf`, saying `default_user = ...` and `default_pass = ...`)",
            })
        }
        "minio/minio" | "quay.io/minio/minio"
            if ["MINIO_ROOT_PASSWORD", "MINIO_SECRET_KEY", "MINIO_CONFIG_ENV_FILE"]
                .iter()
                .all(|n| unset(n)) =>
        {
            open(
                DEFAULT_LOGIN,
                "MinIO's `minioadmin`/`minioadmin`: no `MINIO_ROOT_PASSWORD`",
            )
        }
        "grafana/grafana" | "grafana/grafana-oss" | "grafana/grafana-enterprise"
            if env_says("GF_AUTH_ANONYMOUS_ENABLED", facts::is_truthy)
                && env_says("GF_AUTH_ANONYMOUS_ORG_ROLE", |v| v.trim().eq_ignore_ascii_case("admin")) =>
        {
            Some(Open {
                how: "as an administrator",
                why: "Grafana makes every anonymous visitor an `Admin`",
                fix: "give anonymous visitors the `Viewer` role, or turn anonymous access off",
            })
        }
        // Solr's authentication is its `security.json`, in its home.
        "solr" if !configured_under("/var/solr") && unset("SOLR_AUTH_TYPE") => {
            open(NO_PASSWORD, "Solr starts without authentication: no `security.json`")
        }
        // InfluxDB 1.x's HTTP API checks no login unless told
        // (`INFLUXDB_HTTP_AUTH_ENABLED`, or its config file); 2.x asks for
        // a token its setup makes.
        "influxdb"
            if facts::image(service).and_then(facts::tag_major) == Some(1)
                && match value("INFLUXDB_HTTP_AUTH_ENABLED").known() {
                    Some(auth) => !facts::is_truthy(auth),
                    None => unset("INFLUXDB_HTTP_AUTH_ENABLED"),
                }
                && !configured_under("/etc/influxdb")
                && !names_any(&[]) =>
        {
            open(
                NO_PASSWORD,
                "InfluxDB 1.x answers queries and writes without a login: no `INFLUXDB_HTTP_AUTH_ENABLED`",
            )
        }
        // Cassandra's `cassandra.yaml` says `AllowAllAuthenticator`.
        "cassandra" if !configured_under("/etc/cassandra") && !names_any(&[]) => open(
            NO_PASSWORD,
            "Cassandra's default `AllowAllAuthenticator` takes anyone in",
        ),
        "mher/flower"
            if unset("FLOWER_BASIC_AUTH")
                && unset("FLOWER_AUTH")
                && !has_option(&["--basic_auth", "--basic-auth", "--auth", "--auth_provider"]) =>
        {
            open(
                NO_PASSWORD,
                "Flower takes anyone in, and lets them stop and restart the Celery workers: no `--basic_auth`",
            )
        }
        "mongo-express" if env_says("ME_CONFIG_BASICAUTH", is_false) => open(
            NO_PASSWORD,
            "mongo-express, which runs the JavaScript it is sent, with its login off: `ME_CONFIG_BASICAUTH=false`",
        ),
        "mongo-express" if unset("ME_CONFIG_BASICAUTH_PASSWORD") => open(
            DEFAULT_LOGIN,
            "mongo-express, which runs the JavaScript it is sent: `admin`/`pass` (none before 1.0), no `ME_CONFIG_BASICAUTH_PASSWORD`",
        ),
        "rediscommander/redis-commander" | "ghcr.io/joeferner/redis-commander"
            if unset("HTTP_PASSWORD") && unset("HTTP_PASSWORD_HASH") && !has_flag(&["http-auth-password", "http-auth-password-hash"]) =>
        {
            open(
                NO_PASSWORD,
                "Redis Commander reads and writes every key: no `HTTP_PASSWORD`",
            )
        }
        "mailhog/mailhog" if unset("MH_AUTH_FILE") && !has_flag(&["auth-file"]) => Some(Open {
            how: NO_PASSWORD,
            why: "MailHog shows every mail the app sends, password-reset links among them: no `MH_AUTH_FILE`",
            fix: "give it `MH_AUTH_FILE` naming a `secret` with its users",
        }),
        "axllent/mailpit" if unset("MP_UI_AUTH") && unset("MP_UI_AUTH_FILE") && !has_flag(&["ui-auth-file"]) => Some(Open {
            how: NO_PASSWORD,
            why: "Mailpit shows every mail the app sends, password-reset links among them: no `MP_UI_AUTH`",
            fix: "give it `MP_UI_AUTH_FILE` naming a `secret` with its users",
        }),
        "prom/prometheus" | "quay.io/prometheus/prometheus" if !has_flag(&["web.config.file"]) => Some(Open {
            how: NO_PASSWORD,
            why: "Prometheus shows every metric it scrapes to anyone: no `--web.config.file`",
            fix: "give it `--web.config.file` naming a `secret` with its `basic_auth_users`",
        }),
        "portainer/portainer-ce" | "portainer/portainer-ee" | "portainer/portainer"
            if !has_flag(&["admin-password", "admin-password-file"]) =>
        {
            Some(Open {
                how: "as its administrator",
                why: "Portainer makes its first visitor the administrator of the Docker it manages: no `--admin-password-file`",
                fix: "give it `--admin-password-file` from a `secret`",
            })
        }
        "mysql" | "mariadb" => {
            let empty_allowed = ["MYSQL_ALLOW_EMPTY_PASSWORD", "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD"]
                .iter()
                .any(|n| env_says(n, |v| !v.trim().is_empty()));
            let root_password = [
                "MYSQL_ROOT_PASSWORD",
                "MARIADB_ROOT_PASSWORD",
                "MARIADB_ROOT_PASSWORD_HASH",
                "MYSQL_RANDOM_ROOT_PASSWORD",
                "MARIADB_RANDOM_ROOT_PASSWORD",
            ];
            if empty_allowed && root_password.iter().all(|n| unset(n)) {
                open(NO_PASSWORD, "root has an empty password (`*_ALLOW_EMPTY_*PASSWORD`)")
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The variables Bitnami's images take a password from: one set wins over
/// `ALLOW_EMPTY_PASSWORD`.
const BITNAMI_PASSWORDS: [&str; 10] = [
    "REDIS_PASSWORD",
    "VALKEY_PASSWORD",
    "POSTGRESQL_PASSWORD",
    "POSTGRES_PASSWORD",
    "MARIADB_ROOT_PASSWORD",
    "MARIADB_PASSWORD",
    "MYSQL_ROOT_PASSWORD",
    "MYSQL_PASSWORD",
    "MONGODB_ROOT_PASSWORD",
    "MONGODB_PASSWORD",
];

/// A switch written off, as Elasticsearch reads a boolean setting.
fn is_false(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("false")
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::lint::policy::Policy;
    use crate::source::SourceFile;

    /// The severity of the finding on a published Redis, in the base or
    /// in an environment of the spec.
    fn severity(spec: &str, environment: Option<&str>) -> Option<Severity> {
        let policy = Policy::default();
        let options = crate::Options {
            policy: Some(&policy),
            environment,
            ..crate::Options::default()
        };
        let analysis = crate::analyze(&SourceFile::new("t.spec", spec), options);
        analysis
            .diagnostics
            .iter()
            .find(|d| d.code == "open-data-store")
            .map(|d| d.severity)
    }

    #[test]
    fn a_published_store_is_an_error_when_deployed_and_a_warning_on_a_laptop() {
        let base = "stack shop\nservice cache {\n    image redis:7.4.1\n    publish 6379 -> 6379\n}\n";
        assert_eq!(severity(base, None), Some(Severity::Error));
        let with_dev = format!("{base}environment dev {{\n    service cache {{\n        add env {{\n            LOG = \"1\"\n        }}\n    }}\n}}\n");
        assert_eq!(severity(&with_dev, Some("dev")), Some(Severity::Warning));
        let development = base.replace("stack shop", "stack shop development");
        assert_eq!(severity(&development, None), Some(Severity::Warning));
        let loopback = base.replace("publish 6379", "publish 127.0.0.1:6379");
        assert_eq!(severity(&loopback, None), None);
    }
}
