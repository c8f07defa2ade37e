//! Questions many rules ask of a stack: which image a service runs, what
//! its environment says, what its command runs. Answers are `None` when
//! the spec does not say, never guesses.

use crate::diagnostic::{Diagnostic, Severity};
use crate::input::shell;
use crate::ir::{AppServer, Argv, EnvOrigin, EnvValue, EnvVar, ImageRef, ImageSource, Service, Stack, UpstreamServer};

/// The published image a service runs, when it names one.
pub fn image(service: &Service) -> Option<&ImageRef> {
    match &service.image {
        Some(ImageSource::Image(image)) => Some(image),
        _ => None,
    }
}

/// The image's own name without registry or namespace: `postgres` for
/// `docker.io/library/postgres:16.4`.
pub fn image_name(image: &ImageRef) -> &str {
    image.name()
}

/// A service that runs the PostgreSQL server of the official image (or
/// one built on it with its entrypoint: [`super::images::POSTGRES_IMAGES`]);
/// a job that runs `pg_dump` in it is no server.
pub fn is_postgres(service: &Service) -> bool {
    image(service).is_some_and(|i| super::images::POSTGRES_IMAGES.contains(&image_name(i)))
        && runs_image_server(service)
}

/// Whether the database image runs init scripts of the spec's on its
/// first start (a mount at `/docker-entrypoint-initdb.d`): they may read
/// any `VAR_FILE` the service is given, not just the image's own.
pub fn runs_init_scripts(service: &Service) -> bool {
    const INIT: &str = "/docker-entrypoint-initdb.d";
    service.mounts.iter().any(|m| {
        let target = m.target.value.trim_end_matches('/');
        target == INIT || target.strip_prefix(INIT).is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Whether a published image's entrypoint starts its own server: no
/// command, or one its entrypoint takes for the server (`postgres`,
/// `-c ...`), as for every image stackc does not know; or a shell that
/// runs the entrypoint again with such words (`sh -c 'exec
/// docker-entrypoint.sh --requirepass "$(cat ...)"'`), which steps down
/// there as it would have.
pub fn runs_image_server(service: &Service) -> bool {
    let Some((command, runs_server)) = command_of_stepping_image(service) else {
        return true;
    };
    hands_server_words(service)
        || programs(command).iter().any(|words| {
            let mut words = words.iter().skip_while(|w| *w == "exec");
            let entrypoint = words.next().is_some_and(|w| w.rsplit('/').next() == Some(ENTRYPOINT));
            entrypoint && words.next().is_some_and(|w| runs_server(w))
        })
}

/// Whether the image's entrypoint gets words it takes for its server: no
/// command, the server or its options (`postgres -c ...`), or any command
/// of an image stackc does not know. A shell that runs the entrypoint
/// again is a command of the spec's own (see [`runs_image_server`]).
pub fn hands_server_words(service: &Service) -> bool {
    let first = service.command.as_ref().and_then(|c| c.words.first());
    match (first, image(service).and_then(super::images::default_user)) {
        (Some(program), Some(super::images::DefaultUser::StepsDown { runs_server, .. })) => runs_server(program),
        _ => true,
    }
}

/// What an image's entrypoint takes for its server's words (`postgres`,
/// `-c ...`).
type ServerWords = fn(&str) -> bool;

/// The service's command, and what its image's entrypoint takes for its
/// server's words, where the entrypoint steps down for the server alone;
/// `None` without a command or for another image.
fn command_of_stepping_image(service: &Service) -> Option<(&Argv, ServerWords)> {
    let command = service.command.as_ref()?;
    match image(service).and_then(super::images::default_user)? {
        super::images::DefaultUser::StepsDown { runs_server, .. } => Some((command, runs_server)),
        _ => None,
    }
}

/// The script the official data stores' images start with, which steps
/// down to their user for the server.
const ENTRYPOINT: &str = "docker-entrypoint.sh";

/// Whether containers of `image` run as root unless told otherwise, as far
/// as stackc knows the image: a Dockerfile built on one that never says
/// `USER` runs its app as root.
pub fn runs_as_root_by_default(image: &ImageRef) -> bool {
    matches!(
        super::images::default_user(image),
        Some(super::images::DefaultUser::Root { .. })
    )
}

/// Whether the service runs its image's server, directly or by a shell
/// (`sh -c 'exec redis-server --requirepass "$(cat ...)"'`, the way a
/// password is read from a secret): the server writes its data all the
/// same. (Its entrypoint steps down only for the first: see
/// [`runs_image_server`].)
pub fn runs_image_server_somehow(service: &Service) -> bool {
    let Some((command, runs_server)) = command_of_stepping_image(service) else {
        return true;
    };
    (programs(command).iter()).any(|words| words.iter().find(|w| *w != "exec").is_some_and(|w| runs_server(w)))
}

/// Databases, caches and queues: services other containers use, never a
/// stack's front door.
const DATA_STORES: &[&str] = &[
    "cassandra",
    "clickhouse-server",
    "couchdb",
    "elasticsearch",
    "etcd",
    "influxdb",
    "mariadb",
    "memcached",
    "mongo",
    // Bitnami's images name the database in full (bitnami/postgresql,
    // bitnami/mongodb); Timescale's is PostgreSQL too.
    "mongodb",
    "mysql",
    "opensearch",
    "pgautoupgrade",
    "pgvector",
    "postgis",
    "postgres",
    "postgresql",
    "rabbitmq",
    "redis",
    // Redis with its modules (search, JSON): `redis/redis-stack-server`,
    // and `redislabs/redismod` before it.
    "redis-stack",
    "redis-stack-server",
    "redismod",
    "timescaledb",
    "valkey",
];

/// A service that runs a well-known database, cache or queue image.
pub fn is_data_store(service: &Service) -> bool {
    image(service).is_some_and(|i| DATA_STORES.contains(&image_name(i)))
}

/// The major version a tag starts with: 16 for `16.4-bookworm`, `None` for
/// `latest` or no tag.
pub fn tag_major(image: &ImageRef) -> Option<u32> {
    image.tag_major()
}

/// `major.minor` of a tag such as `3.9-slim` or `v1.21`, when it has both.
pub fn tag_major_minor(image: &ImageRef) -> Option<(u32, u32)> {
    let tag = image.tag()?;
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    let mut parts = tag.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// The `env { NAME = ... }` entry of a service.
pub fn env<'a>(service: &'a Service, name: &str) -> Option<&'a EnvVar> {
    service.env.iter().find(|v| v.name.value == name)
}

/// Whether `path` is the folder `folder` or inside it (both absolute and
/// written without a trailing `/`).
pub fn is_within(path: &str, folder: &str) -> bool {
    path.strip_prefix(folder)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether the container gets the variable `name`: from `env`, from a
/// `secret NAME = ...` (which sets `NAME_FILE`, and claims `NAME`), or from
/// an env file. `None` when an env file that was not read may set it: a
/// rule cannot be sure.
pub fn sets_var(stack: &Stack, service: &Service, name: &str) -> Option<bool> {
    let in_spec = env(service, name).is_some()
        || service
            .secrets
            .iter()
            .any(|s| s.env.value == name || format!("{}_FILE", s.env.value) == name);
    if in_spec {
        return Some(true);
    }
    let mut unknown = false;
    for path in service.env_file_paths() {
        match stack.inputs.env_file(&path.value) {
            Some(file) if file.vars.get(name).is_some() => return Some(true),
            Some(_) => {}
            None => unknown = true,
        }
    }
    (!unknown).then_some(false)
}

/// The first of `names` that the service sets in `env`.
pub fn env_any<'a>(service: &'a Service, names: &[&str]) -> Option<&'a EnvVar> {
    names.iter().find_map(|n| env(service, n))
}

/// The words of each program a command line runs: the argv itself, and for
/// `sh -c "a && b"` each of the shell's commands.
pub fn programs(argv: &Argv) -> Vec<Vec<String>> {
    programs_of(&argv.words)
}

pub use shell::{programs_of, shell_programs};

/// The commands a readiness check runs, with the operators between them:
/// a `ready cmd` string is a shell script (compose's `CMD-SHELL`), a list
/// is a command.
pub fn probe_commands(argv: &Argv) -> Vec<shell::SimpleCommand> {
    match &argv.line {
        Some(line) => shell::simple_commands(line),
        None => shell::commands_of(&argv.words),
    }
}

/// The words of each program of [`probe_commands`].
pub fn probe_programs(argv: &Argv) -> Vec<Vec<String>> {
    probe_commands(argv).into_iter().map(|command| command.words).collect()
}

/// Whether the app `server` runs in `builder`'s image is Django's: its
/// module is a project's `wsgi`/`asgi` (`shop.wsgi:application`), the
/// build runs `collectstatic` or names `manage.py`, or a container of the
/// image runs `manage.py`. A Flask or FastAPI app (`shop:app`) is not.
pub fn is_django_app(stack: &Stack, builder: &Service, server: &AppServer) -> bool {
    let module = server.app.value.split(':').next().unwrap_or_default();
    let project_module = module.ends_with(".wsgi") || module.ends_with(".asgi");
    let python = builder.build().and_then(|b| b.python());
    let build_says = python.is_some_and(|p| p.collectstatic.is_some() || p.manage.is_some());
    let runs_manage = || {
        stack.runners_of(builder).any(|runner| {
            runner
                .command
                .as_ref()
                .is_some_and(|c| c.words.iter().any(|w| w.ends_with("manage.py")))
        })
    };
    project_module || build_says || runs_manage()
}

/// Whether a program's words are `manage.py COMMAND` (or `django-admin COMMAND`).
pub fn runs_manage(words: &[String], command: &str) -> bool {
    words
        .windows(2)
        .any(|w| (w[0].ends_with("manage.py") || w[0] == "django-admin") && w[1] == command)
}

/// The services whose command (or job run) runs `manage.py COMMAND`.
pub fn runs_manage_command(service: &Service, command: &str) -> bool {
    service
        .command
        .as_ref()
        .is_some_and(|argv| programs(argv).iter().any(|p| runs_manage(p, command)))
}

/// Every proxy of the stack.
pub fn proxies(stack: &Stack) -> impl Iterator<Item = (&Service, &crate::ir::Proxy)> {
    stack.proxies()
}

/// The raw `try_files` and `error_page` lines that `server` sees (its
/// own, its locations', the `http` block's) whose last choice is a named
/// location, each with that name (without `@`): the only ways a request
/// reaches a named location.
pub fn named_location_uses<'a>(
    proxy: &'a crate::ir::Proxy,
    server: &'a crate::ir::Server,
) -> impl Iterator<Item = (&'a crate::ir::RawDirective, &'a str)> {
    let blocks = std::iter::once(&server.settings).chain(server.locations.iter().map(|l| &l.settings));
    (blocks.flat_map(|s| &s.raw).chain(&proxy.http))
        .filter(|d| d.name == "try_files" || d.name == "error_page")
        .filter_map(|d| Some((d, d.args.last()?.strip_prefix('@')?)))
}

/// A group repeated with `+` or `*` that holds a repetition itself,
/// `(a+)+`: a regex PCRE backtracks on exponentially (gixy's regex_redos),
/// in a raw `rewrite` or a location.
pub fn has_nested_repetition(regex: &str) -> bool {
    let bytes = regex.as_bytes();
    let mut opens = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        let escaped = i > 0 && bytes[i - 1] == b'\\';
        match b {
            b'(' if !escaped => opens.push(i),
            b')' if !escaped => {
                let Some(open) = opens.pop() else { continue };
                let repeated = matches!(bytes.get(i + 1), Some(b'+' | b'*'));
                if repeated && bytes[open + 1..i].iter().any(|c| matches!(c, b'+' | b'*')) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// The upstream servers, in any proxy, that point at `service`.
pub fn upstream_servers_of<'a>(stack: &'a Stack, service: &'a str) -> impl Iterator<Item = &'a UpstreamServer> + 'a {
    stack.upstream_servers_of(service).map(|(_, server)| server)
}

/// Whether two containers share a network, so one can connect to the
/// other: one both list, or compose's `default` network for two that list
/// none.
pub fn share_network(a: &Service, b: &Service) -> bool {
    match (a.networks.is_empty(), b.networks.is_empty()) {
        (true, true) => true,
        (false, false) => a.networks.iter().any(|n| b.networks.iter().any(|m| m.value == n.value)),
        _ => false,
    }
}

/// The host an address names: `db` for `db`, `db:5432`, or
/// `postgres://shop:hunter2@db:5432/shop` (a URL's authority, without
/// credentials and port). `None` when there is none to read.
pub fn address_host(value: &str) -> Option<&str> {
    let rest = value.split_once("://").map_or(value, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = host.rsplit_once(':').map_or(host, |(host, _)| host);
    (!host.is_empty()).then_some(host)
}

/// The parts of a URL the rules compare:
/// `postgres://shop:hunter2@db:5432/shop?sslmode=disable` has the scheme
/// `postgres`, the user `shop`, the password `hunter2`, the host `db` and
/// the path `shop` (without its `/`). Each as written: percent escapes
/// are left in.
#[derive(Debug, PartialEq, Eq)]
pub struct UrlParts<'a> {
    pub scheme: &'a str,
    pub user: Option<&'a str>,
    pub password: Option<&'a str>,
    pub host: &'a str,
    pub path: &'a str,
}

impl<'a> UrlParts<'a> {
    /// The first `scheme://` URL in `value`, which may stand after other
    /// words (`--extra-index-url https://...`); `None` for none. The
    /// scheme may be empty (`://` and what follows, as a caller that found
    /// the `://` hands it over).
    pub fn of(value: &'a str) -> Option<Self> {
        let (before, rest) = value.split_once("://")?;
        let is_scheme_char = |c: char| c.is_ascii_alphanumeric() || "+-.".contains(c);
        // Past the last character that is no scheme's (any width: `詳細はhttps://`).
        let start = (before.char_indices().rev())
            .find(|&(_, c)| !is_scheme_char(c))
            .map_or(0, |(at, c)| at + c.len_utf8());
        let scheme = before[start..].trim_start_matches(|c: char| !c.is_ascii_alphabetic());
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, after) = rest.split_at(end);
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo), host_port),
            None => (None, authority),
        };
        let (user, password) = match userinfo.map(|u| u.split_once(':')) {
            Some(Some((user, password))) => (Some(user), Some(password)),
            Some(None) => (userinfo, None),
            None => (None, None),
        };
        let host = match host_port.rsplit_once(':') {
            Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
            _ => host_port,
        };
        let path = after.strip_prefix('/').unwrap_or_default();
        let path = path.split(['?', '#']).next().unwrap_or_default();
        Some(UrlParts {
            scheme,
            user,
            password,
            host,
            path,
        })
    }
}

/// A truthy value as Django settings code usually reads it.
pub fn is_truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on" | "t" | "y"
    )
}

/// A credential finding, as an error where the stack is deployed and as a
/// warning in a stack that never is (a development environment, a base
/// marked `development`): there the password guards the stack's own
/// throwaway database on a laptop. It is committed with the spec all the
/// same, so it is still reported.
pub fn credential_finding(stack: &Stack, mut finding: Diagnostic) -> Diagnostic {
    if !stack.is_deployed() {
        finding.severity = Severity::Warning;
    }
    finding
}

/// Whether a host name means the container itself.
pub use crate::input::bind::is_loopback;

/// The value of an option: see [`crate::input::argv::option_value`].
pub use crate::input::argv::option_value;

/// The `ALLOWED_HOSTS` a Django service gets from its env, with the entry:
/// the value split on commas and spaces, as settings files usually do.
pub fn allowed_hosts(service: &Service) -> Option<(&EnvVar, Vec<&str>)> {
    let var = env_any(service, &["ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS"])?;
    Some((var, host_list(&var.value.value)))
}

/// The hosts of an `ALLOWED_HOSTS` value as settings modules read it:
/// separated by commas or blanks, or a JSON list (`["*"]`, which
/// django-environ and pydantic read), each without its quotes.
pub fn host_list(value: &str) -> Vec<&str> {
    let list = value.trim();
    let list = list.strip_prefix('[').and_then(|l| l.strip_suffix(']')).unwrap_or(list);
    list.split([',', ' '])
        .map(|h| h.trim().trim_matches(['"', '\'']))
        .filter(|h| !h.is_empty())
        .collect()
}

/// Django's host matching: `*`, `.example.com` (the domain and its
/// subdomains), or the exact name, ignoring case.
pub fn host_allowed(patterns: &[&str], host: &str) -> bool {
    // Django reads a host with its DNS root's dot (`example.com.`) without it.
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    patterns.iter().any(|p| {
        let p = p.to_ascii_lowercase();
        p == "*" || p == host || p.strip_prefix('.').is_some_and(|d| host == d || host.ends_with(&p))
    })
}

/// Every `server_name` of every server of a proxy.
pub fn server_names(proxy: &crate::ir::Proxy) -> impl Iterator<Item = &crate::source::Spanned<String>> {
    proxy.servers.iter().flat_map(|s| &s.server_names)
}

/// A `proxy_set_header NAME VALUE` that reaches the app: from a typed
/// statement, or from a raw `nginx "proxy_set_header ..."` line.
pub struct RequestHeader<'a> {
    pub name: &'a str,
    /// As nginx reads it: for a raw line, its variables not expanded.
    pub value: &'a str,
    /// The value for a typed header, the whole raw directive otherwise.
    pub span: crate::source::Span,
}

/// The request headers each server of a proxy, and each of its proxied
/// locations, set.
pub fn request_headers(proxy: &crate::ir::Proxy) -> Vec<RequestHeader<'_>> {
    let mut headers = Vec::new();
    for server in &proxy.servers {
        let proxied = server
            .locations
            .iter()
            .filter(|l| matches!(l.action, crate::ir::LocationAction::ProxyPass(_)))
            .map(|l| &l.settings);
        for settings in std::iter::once(&server.settings).chain(proxied) {
            headers.extend(settings.request_headers.iter().map(|header| RequestHeader {
                name: &header.name.value,
                value: &header.value.value,
                span: header.value.span,
            }));
        }
    }
    headers
}

/// A secondary label at the place that set an app server's setting: its
/// spec statement, its Gunicorn config file's line, or (for a default)
/// the server's statement.
pub fn setting_label(
    diagnostic: crate::diagnostic::Diagnostic,
    source: crate::ir::SettingSource,
    message: impl Into<String>,
) -> crate::diagnostic::Diagnostic {
    use crate::ir::SettingSource;
    match source {
        SettingSource::Spec(span) | SettingSource::Default(span) => diagnostic.secondary(span, message),
        SettingSource::ConfigFile { file, span } => diagnostic.secondary_in(file, span, message),
    }
}

/// Where the spec sets a variable: its `env` entry, or the `env_file` line
/// of the file that sets it.
pub fn spec_place(stack: &Stack, service: &Service, found: &EnvValue) -> Option<crate::source::Span> {
    match found {
        EnvValue::Set(_, EnvOrigin::Spec(span)) => Some(*span),
        EnvValue::Set(_, EnvOrigin::EnvFile(file, _)) => (service.env_file_paths())
            .find(|path| {
                stack
                    .inputs
                    .env_file(&path.value)
                    .is_some_and(|loaded| loaded.file == *file)
            })
            .map(|path| path.span),
        _ => None,
    }
}

/// Whether a host folder mounted into `service` holds the folder its image
/// is built from: the app's source, which the image has a copy of.
pub fn mounts_own_source(stack: &Stack, service: &Service, host_path: &str) -> bool {
    let Some(build) = stack.builder_of(service).and_then(|b| b.build()) else {
        return false;
    };
    let source = crate::emit::paths::normalize(std::path::Path::new(&build.context.value));
    source.starts_with(crate::emit::paths::normalize(std::path::Path::new(host_path)))
}

/// Whether the image holds a copy of what a bind mount puts at `target`:
/// the whole source ([`mounts_own_source`]), or a folder inside it mounted
/// where the image's working folder has its copy (`./api/src` at
/// `/app/src`, for a build of `./api` working in `/app`), as a development
/// stack reloads one part of the source.
pub fn image_holds_mounted(stack: &Stack, service: &Service, host_path: &str, target: &str) -> bool {
    use crate::emit::paths::normalize;
    use std::path::Path;
    if mounts_own_source(stack, service, host_path) {
        return true;
    }
    let Some(build) = stack.builder_of(service).and_then(|b| b.build()) else {
        return false;
    };
    let host = normalize(Path::new(host_path));
    let Ok(inside) = host.strip_prefix(normalize(Path::new(&build.context.value))) else {
        return false;
    };
    let workdir = match build.python() {
        Some(python) => Some(python.workdir.value.as_str()),
        None => (stack.own_image(service).and_then(|image| image.facts())).and_then(|facts| facts.working_dir()),
    };
    workdir.is_some_and(|workdir| normalize(&Path::new(workdir).join(inside)) == normalize(Path::new(target)))
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::source::SourceFile;

    use super::has_nested_repetition;

    #[test]
    fn nested_repetition_is_what_backtracks() {
        assert!(has_nested_repetition("^/(a+)+$") && has_nested_repetition("(x*y)*"));
        assert!(!has_nested_repetition("^/(a+)$") && !has_nested_repetition("^/old/(.*)$"));
        assert!(!has_nested_repetition("\\(a+\\)+") && !has_nested_repetition(")("));
    }

    /// The severity of each finding of `code` on `text`.
    fn severities(text: &str, code: &str) -> Vec<Severity> {
        let analysis = crate::lint(&SourceFile::new("t.spec", text));
        analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == code)
            .map(|d| d.severity)
            .collect()
    }

    const DB: &str = "service db {\n    image postgres:16.4\n    env {\n        POSTGRES_USER = \"postgres\"\n        POSTGRES_PASSWORD = \"postgres\"\n    }\n}\n";
    const APP: &str = "service web {\n    image example/web:1.0\n    env {\n        DATABASE_URL = \"postgres://postgres:postgres@db/app\"\n        GITHUB_TOKEN = \"ghp_0123456789abcdefghijABCDEFGHIJ012345\"\n        DJANGO_SECRET_KEY = \"changeme\"\n        MAIL_URL = \"smtp://shop:hunter2@mail.example.com\"\n    }\n}\n";

    #[test]
    fn a_development_stack_s_own_credentials_are_warnings() {
        let deployed = format!("stack shop\n{DB}{APP}");
        let development = format!("stack shop development\n{DB}{APP}");
        assert_eq!(severities(&deployed, "default-credentials"), [Severity::Error]);
        assert_eq!(severities(&development, "default-credentials"), [Severity::Warning]);
        assert_eq!(severities(&deployed, "secret-in-env"), [Severity::Error; 4]);
        // The database URL's password and the app's key are the stack's
        // own; the token and the mail server's password are not.
        let development = severities(&development, "secret-in-env");
        assert_eq!(
            development,
            [Severity::Warning, Severity::Error, Severity::Warning, Severity::Error]
        );
    }

    #[test]
    fn url_parts_are_read_after_other_words_and_without_a_port() {
        use super::UrlParts;
        let url = UrlParts::of("postgres://shop:p%40ss@db:5432/shop?sslmode=disable").unwrap();
        assert_eq!(
            url,
            UrlParts {
                scheme: "postgres",
                user: Some("shop"),
                password: Some("p%40ss"),
                host: "db",
                path: "shop",
            }
        );
        let index = UrlParts::of("--extra-index-url https://token@pypi.example.com/simple").unwrap();
        assert_eq!(
            (index.scheme, index.user, index.password),
            ("https", Some("token"), None)
        );
        assert_eq!(UrlParts::of("redis://cache").unwrap().path, "");
        assert!(UrlParts::of("db:5432").is_none());
        assert_eq!(UrlParts::of("://a:b@db").unwrap().password, Some("b"));
        // A character of several bytes right before the scheme.
        assert_eq!(UrlParts::of("詳細はhttps://example.com").unwrap().scheme, "https");
        assert_eq!(UrlParts::of("é://a:b@db/x").unwrap().scheme, "");
    }
}
