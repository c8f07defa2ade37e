//! What a command line serves, and where: Gunicorn, Uvicorn, Daphne or
//! Hypercorn, started directly or through the usual wrappers (`exec`,
//! `env VAR=1`, `python -m`, `poetry run`, `uv run`, `tini --`, `gosu
//! user`, `newrelic-admin run-program`, ...), read into one shape.
//!
//! The words are those of one program: split a `sh -c` script into its
//! commands first (as `lint::facts::programs` does). Each server's defaults
//! are its own: Gunicorn, Uvicorn, Daphne and Hypercorn all listen on
//! `127.0.0.1:8000` unless told otherwise (Gunicorn on `0.0.0.0:$PORT`
//! when `PORT` is set); Gunicorn and Uvicorn start `$WEB_CONCURRENCY`
//! workers, else one.
//!
//! Not read: settings from environment variables other than those
//! defaults (`UVICORN_HOST`, `GUNICORN_CMD_ARGS`: pass the latter to
//! [`AppServer::with_gunicorn_conf`]), and Hypercorn's config file.

use super::argv::{self, Arg, ArgProblem, Parsed, Spec};
use super::bind::{Bind, DEFAULT_PORT};
use super::gunicorn_conf::{self, ConfigLocation, ConfigRef, GunicornArgs, GunicornConf};
use super::value::{Origin, Sourced, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerKind {
    Gunicorn,
    Uvicorn,
    Daphne,
    Hypercorn,
}

impl ServerKind {
    /// The server a program or module name runs.
    pub fn named(name: &str) -> Option<ServerKind> {
        match name {
            "gunicorn" => Some(ServerKind::Gunicorn),
            "uvicorn" => Some(ServerKind::Uvicorn),
            "daphne" => Some(ServerKind::Daphne),
            "hypercorn" => Some(ServerKind::Hypercorn),
            _ => None,
        }
    }
}

/// An app server's command line, read. Every word index is into the words
/// given to [`server_args`].
#[derive(Clone, Debug, PartialEq)]
pub struct AppServer {
    pub kind: ServerKind,
    /// The word naming the server (`gunicorn`, or `uvicorn` after `-m`).
    pub program: usize,
    /// The app it serves: `config.wsgi:application`.
    pub app: Option<Sourced<String>>,
    pub binds: Sourced<Vec<Bind>>,
    pub workers: Sourced<u32>,
    /// Reloading on code changes: a development setting.
    pub reload: Sourced<bool>,
    /// The config file the server also reads. For Gunicorn it is always
    /// named (`./gunicorn.conf.py` when nothing else is) and may set what
    /// the command line does not: read it and apply
    /// [`AppServer::with_gunicorn_conf`]. For Hypercorn (`-c`), it is not
    /// read, and settings the command line leaves out are unknown.
    pub config: Option<ConfigRef>,
    /// Every option given, for settings this shape does not carry
    /// (`--proxy-headers`, `forwarded_allow_ips`, `timeout` ...).
    pub options: Parsed,
}

impl AppServer {
    /// The arguments the server would refuse.
    pub fn problems(&self) -> &[ArgProblem] {
        &self.options.problems
    }

    /// Gunicorn's settings once its config file (`None` when it does not
    /// exist) and `GUNICORN_CMD_ARGS` are known; other servers unchanged.
    pub fn with_gunicorn_conf(mut self, conf: Option<&GunicornConf>, env_args: Option<&GunicornArgs>) -> AppServer {
        if self.kind == ServerKind::Gunicorn {
            let args = GunicornArgs {
                parsed: self.options.clone(),
            };
            let effective = gunicorn_conf::effective(conf, env_args, &args);
            self.config = Some(gunicorn_conf::config_ref(&args, env_args));
            self.app = effective.app;
            self.binds = effective.binds;
            self.workers = effective.workers;
            self.reload = effective.reload;
        }
        self
    }
}

/// The app server a program's words start, and what they tell of it;
/// `None` when the words run something else.
pub fn server_args(words: &[String]) -> Option<AppServer> {
    let (kind, program) = find_server(words)?;
    Some(match kind {
        ServerKind::Gunicorn => gunicorn(words, program),
        ServerKind::Uvicorn => uvicorn(words, program),
        ServerKind::Daphne => daphne(words, program),
        ServerKind::Hypercorn => hypercorn(words, program),
    })
}

/// Where the server's own words start: past wrappers that run a command
/// given after their own options.
fn find_server(words: &[String]) -> Option<(ServerKind, usize)> {
    let mut i = 0;
    loop {
        let word = words.get(i)?;
        let name = word.rsplit('/').next().unwrap_or(word);
        if let Some(kind) = ServerKind::named(name) {
            return Some((kind, i));
        }
        let next = words.get(i + 1).map(String::as_str);
        i = match (name, next) {
            _ if is_assignment(word) => i + 1,
            ("exec" | "env" | "nohup" | "tini" | "dumb-init" | "ddtrace-run", _) => skip_flags(words, i + 1),
            ("nice", Some("-n")) => i + 3,
            ("nice", _) => skip_flags(words, i + 1),
            // `--traces_exporter console`: its options take values.
            ("opentelemetry-instrument", _) => skip_option_pairs(words, i + 1),
            ("gosu" | "su-exec", _) => i + 2,
            ("newrelic-admin", Some("run-program")) => i + 2,
            ("poetry" | "pipenv" | "pdm" | "hatch" | "rye" | "uv", Some("run")) => skip_flags(words, i + 2),
            (python, _) if is_python(python) => return python_module(words, i + 1),
            _ => return None,
        };
    }
}

/// `NAME=value` before a command: an environment assignment.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn is_python(name: &str) -> bool {
    name.strip_prefix("python")
        .is_some_and(|version| version.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

fn skip_flags(words: &[String], mut i: usize) -> usize {
    while words.get(i).is_some_and(|w| w.starts_with('-')) {
        i += 1;
    }
    i
}

fn skip_option_pairs(words: &[String], mut i: usize) -> usize {
    while let Some(word) = words.get(i).filter(|w| w.starts_with('-')) {
        i += if word.contains('=') { 1 } else { 2 };
    }
    i
}

/// `python [options] -m SERVER`: the server, at its module's word.
fn python_module(words: &[String], mut i: usize) -> Option<(ServerKind, usize)> {
    loop {
        let word = words.get(i)?.as_str();
        match word {
            "-m" => return ServerKind::named(words.get(i + 1)?).map(|kind| (kind, i + 1)),
            // Options with a value of their own.
            "-X" | "-W" => i += 2,
            "-c" => return None,
            _ if word.starts_with('-') => i += 1,
            _ => return None,
        }
    }
}

fn gunicorn(words: &[String], program: usize) -> AppServer {
    let args = gunicorn_conf::parse_args_from(words, program + 1);
    let config = Some(gunicorn_conf::config_ref(&args, None));
    let effective = gunicorn_conf::effective(None, None, &args);
    AppServer {
        kind: ServerKind::Gunicorn,
        program,
        app: effective.app,
        binds: effective.binds,
        workers: effective.workers,
        reload: effective.reload,
        config,
        options: args.parsed,
    }
}

const UVICORN: &[Spec] = &[
    argv::value(None, "--host", "host"),
    argv::value(None, "--port", "port"),
    argv::value(None, "--uds", "uds"),
    argv::value(None, "--fd", "fd"),
    argv::value(None, "--workers", "workers"),
    argv::value(None, "--forwarded-allow-ips", "forwarded_allow_ips"),
    argv::value(None, "--timeout-graceful-shutdown", "timeout_graceful_shutdown"),
    argv::flag(None, "--reload", "reload"),
    argv::flag(None, "--proxy-headers", "proxy_headers"),
    argv::flag(None, "--no-proxy-headers", "no_proxy_headers"),
    argv::flag(None, "--access-log", "access_log"),
    argv::flag(None, "--no-access-log", "no_access_log"),
    argv::flag(None, "--use-colors", "use_colors"),
    argv::flag(None, "--no-use-colors", "no_use_colors"),
    argv::flag(None, "--server-header", "server_header"),
    argv::flag(None, "--no-server-header", "no_server_header"),
    argv::flag(None, "--date-header", "date_header"),
    argv::flag(None, "--no-date-header", "no_date_header"),
    argv::flag(None, "--factory", "factory"),
    argv::flag(None, "--version", "version"),
    argv::flag(None, "--help", "help"),
];

fn uvicorn(words: &[String], program: usize) -> AppServer {
    let options = argv::parse(words, program + 1, UVICORN);
    let binds = if let Some(uds) = options.get("uds") {
        let path = uds.value.clone().unwrap_or_default();
        Sourced::new(
            Value::Known(vec![Bind::Unix { path }]),
            Origin::CommandLine { word: uds.word },
        )
    } else if let Some(fd) = options.get("fd") {
        let value = fd
            .value
            .as_deref()
            .and_then(|v| v.parse().ok())
            .map(|fd| vec![Bind::Fd(fd)]);
        Sourced::new(
            value.map_or(Value::Dynamic, Value::Known),
            Origin::CommandLine { word: fd.word },
        )
    } else {
        host_and_port(&options, "host", "port")
    };
    AppServer {
        kind: ServerKind::Uvicorn,
        program,
        app: first_positional(&options),
        binds,
        workers: workers(&options, web_concurrency()),
        reload: flag(&options, "reload"),
        config: None,
        options,
    }
}

const DAPHNE: &[Spec] = &[
    argv::value(Some('b'), "--bind", "host"),
    argv::value(Some('p'), "--port", "port"),
    argv::value(Some('u'), "--unix-socket", "unix_socket"),
    argv::value(None, "--fd", "file_descriptor"),
    argv::value(Some('e'), "--endpoint", "socket_strings"),
    argv::value(Some('t'), "--http-timeout", "http_timeout"),
    argv::flag(None, "--proxy-headers", "proxy_headers"),
    argv::flag(None, "--no-server-name", "no_server_name"),
    argv::flag(Some('h'), "--help", "help"),
];

fn daphne(words: &[String], program: usize) -> AppServer {
    let options = argv::parse(words, program + 1, DAPHNE);
    let mut binds = Some(Vec::new());
    let mut origin = None;
    for endpoint in options.all("socket_strings") {
        origin.get_or_insert(endpoint.word);
        let parsed = endpoint.value.as_deref().and_then(twisted_endpoint);
        binds = binds.zip(parsed).map(|(mut all, bind)| {
            all.push(bind);
            all
        });
    }
    if options.get("host").is_some() || options.get("port").is_some() {
        let tcp = host_and_port(&options, "host", "port");
        if let Origin::CommandLine { word } = tcp.origin {
            origin.get_or_insert(word);
        }
        binds = binds.zip(tcp.value.unless_overridden().cloned()).map(|(mut all, tcp)| {
            all.extend(tcp);
            all
        });
    }
    if let Some(unix) = options.get("unix_socket") {
        origin.get_or_insert(unix.word);
        let path = unix.value.clone().unwrap_or_default();
        binds
            .iter_mut()
            .for_each(|all| all.push(Bind::Unix { path: path.clone() }));
    }
    if let Some(fd) = options.get("file_descriptor") {
        origin.get_or_insert(fd.word);
        let fd = fd.value.as_deref().and_then(|v| v.parse().ok()).map(Bind::Fd);
        binds = binds.zip(fd).map(|(mut all, fd)| {
            all.push(fd);
            all
        });
    }
    let binds = match origin {
        Some(word) => Sourced::new(binds.map_or(Value::Dynamic, Value::Known), Origin::CommandLine { word }),
        None => Sourced::default(vec![Bind::tcp("127.0.0.1", DEFAULT_PORT)]),
    };
    AppServer {
        kind: ServerKind::Daphne,
        program,
        app: first_positional(&options),
        binds,
        // One process: Daphne has no workers.
        workers: Sourced::default(1),
        reload: Sourced::default(false),
        config: None,
        options,
    }
}

const HYPERCORN: &[Spec] = &[
    argv::value(Some('b'), "--bind", "bind"),
    argv::value(None, "--insecure-bind", "insecure_bind"),
    argv::value(Some('w'), "--workers", "workers"),
    argv::value(Some('k'), "--worker-class", "worker_class"),
    argv::value(Some('c'), "--config", "config"),
    argv::value(None, "--graceful-timeout", "graceful_timeout"),
    argv::flag(None, "--reload", "reload"),
    argv::flag(None, "--debug", "debug"),
    argv::flag(Some('D'), "--daemon", "daemon"),
    argv::flag(Some('h'), "--help", "help"),
];

fn hypercorn(words: &[String], program: usize) -> AppServer {
    let options = argv::parse(words, program + 1, HYPERCORN);
    let config = options.get("config").map(|c| ConfigRef {
        location: ConfigLocation::parse(c.value.as_deref().unwrap_or_default()),
        origin: Origin::CommandLine { word: c.word },
    });
    let given: Vec<_> = options.all("bind").chain(options.all("insecure_bind")).collect();
    let binds = match given.first() {
        Some(first) => {
            let binds: Option<Vec<_>> = given
                .iter()
                .map(|g| Bind::parse(g.value.as_deref().unwrap_or_default()).ok())
                .collect();
            Sourced::new(
                binds.map_or(Value::Dynamic, Value::Known),
                Origin::CommandLine { word: first.word },
            )
        }
        None => unless_configured(&config, Sourced::default(vec![Bind::tcp("127.0.0.1", DEFAULT_PORT)])),
    };
    let workers = match options.get("workers") {
        Some(_) => workers(&options, Value::Known(1)),
        None => unless_configured(&config, Sourced::default(1)),
    };
    AppServer {
        kind: ServerKind::Hypercorn,
        program,
        app: first_positional(&options),
        binds,
        workers,
        reload: flag(&options, "reload"),
        config,
        options,
    }
}

/// What the command line leaves out, a config file may set: unknown,
/// pointing at the `-c`, when there is one.
fn unless_configured<T>(config: &Option<ConfigRef>, default: Sourced<T>) -> Sourced<T> {
    match config {
        Some(ConfigRef { origin, .. }) => Sourced::new(Value::Dynamic, *origin),
        None => default,
    }
}

fn first_positional(options: &Parsed) -> Option<Sourced<String>> {
    options
        .positionals
        .first()
        .map(|Arg { value, word }| Sourced::new(Value::Known(value.clone()), Origin::CommandLine { word: *word }))
}

fn web_concurrency() -> Value<u32> {
    Value::EnvDefault {
        var: "WEB_CONCURRENCY".to_string(),
        default: 1,
    }
}

fn workers(options: &Parsed, default: Value<u32>) -> Sourced<u32> {
    match options.get("workers") {
        Some(given) => {
            let count = given.value.as_deref().and_then(|v| v.parse().ok());
            Sourced::new(
                count.map_or(Value::Dynamic, Value::Known),
                Origin::CommandLine { word: given.word },
            )
        }
        None => Sourced::new(default, Origin::Default),
    }
}

fn flag(options: &Parsed, setting: &str) -> Sourced<bool> {
    match options.get(setting) {
        Some(given) => Sourced::new(Value::Known(true), Origin::CommandLine { word: given.word }),
        None => Sourced::default(false),
    }
}

/// A host and a port given apart; each defaults (to `127.0.0.1` and 8000)
/// when only the other is given.
fn host_and_port(options: &Parsed, host: &str, port: &str) -> Sourced<Vec<Bind>> {
    let (host, port) = (options.get(host), options.get(port));
    let origin = match host.into_iter().chain(port).map(|g| g.word).min() {
        Some(word) => Origin::CommandLine { word },
        None => Origin::Default,
    };
    let host_name = host.and_then(|h| h.value.as_deref()).unwrap_or("127.0.0.1");
    let port_number = match port {
        Some(given) => given.value.as_deref().and_then(|p| p.parse().ok()),
        None => Some(DEFAULT_PORT),
    };
    let value = port_number.map_or(Value::Dynamic, |port| Value::Known(vec![Bind::tcp(host_name, port)]));
    Sourced::new(value, origin)
}

/// Twisted's endpoint strings, which Daphne's `-e` takes:
/// `tcp:8000:interface=0.0.0.0`, `ssl:443:privateKey=key.pem`,
/// `unix:/run/daphne.sock`, `fd:fileno=3`; `\:` escapes a colon.
fn twisted_endpoint(text: &str) -> Option<Bind> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => field.extend(chars.next()),
            ':' => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    let (kind, params) = fields.split_first()?;
    let named = |key: &str| {
        params
            .iter()
            .find_map(|p| p.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v))
    };
    let positional = params.iter().find(|p| !p.contains('=')).map(String::as_str);
    match kind.as_str() {
        "tcp" | "tcp6" | "ssl" => {
            let port = named("port").or(positional)?.parse().ok()?;
            Some(Bind::tcp(named("interface").unwrap_or(""), port))
        }
        "unix" => Some(Bind::Unix {
            path: named("address").or(positional)?.to_string(),
        }),
        "fd" => named("fileno")?.parse().ok().map(Bind::Fd),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(line: &str) -> Option<AppServer> {
        server_args(&shlex::split(line).unwrap())
    }

    fn tcp(host: &str, port: u16) -> Bind {
        Bind::tcp(host, port)
    }

    fn known<T: Clone + std::fmt::Debug>(sourced: &Sourced<T>) -> T {
        match &sourced.value {
            Value::Known(value) => value.clone(),
            other => panic!("not known: {other:?}"),
        }
    }

    #[test]
    fn finds_the_server_behind_wrappers() {
        let cases = [
            ("gunicorn config.wsgi", ServerKind::Gunicorn, 0),
            ("/venv/bin/gunicorn config.wsgi", ServerKind::Gunicorn, 0),
            ("exec gunicorn config.wsgi", ServerKind::Gunicorn, 1),
            (
                "env DJANGO_SETTINGS_MODULE=config.settings gunicorn app",
                ServerKind::Gunicorn,
                2,
            ),
            ("PYTHONUNBUFFERED=1 nice -n 10 gunicorn app", ServerKind::Gunicorn, 4),
            ("python -m gunicorn app", ServerKind::Gunicorn, 2),
            ("python3.12 -u -X dev -m uvicorn app:app", ServerKind::Uvicorn, 5),
            ("poetry run uvicorn app:app", ServerKind::Uvicorn, 2),
            ("uv run --frozen hypercorn app:app", ServerKind::Hypercorn, 3),
            ("tini -- daphne app.asgi:application", ServerKind::Daphne, 2),
            ("gosu app gunicorn app", ServerKind::Gunicorn, 2),
            ("newrelic-admin run-program gunicorn app", ServerKind::Gunicorn, 2),
            ("ddtrace-run gunicorn app", ServerKind::Gunicorn, 1),
            (
                "opentelemetry-instrument --traces_exporter console --metrics_exporter=none gunicorn app",
                ServerKind::Gunicorn,
                4,
            ),
        ];
        for (line, kind, program) in cases {
            let server = server(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!((server.kind, server.program), (kind, program), "{line}");
        }
        for other in [
            "python manage.py runserver 0.0.0.0:8000",
            "pip install gunicorn",
            "celery -A config worker",
            "python -c 'import gunicorn'",
            "python -m celery worker",
            "",
        ] {
            assert_eq!(server(other), None, "{other}");
        }
    }

    #[test]
    fn gunicorn_with_and_without_its_config_file() {
        let words = shlex::split("exec gunicorn -c python:config.gunicorn --reload").unwrap();
        let alone = server_args(&words).unwrap();
        assert_eq!(alone.app, None);
        assert_eq!(alone.binds.origin, Origin::Default);
        assert!(known(&alone.reload));
        assert_eq!(
            alone.config.as_ref().unwrap().origin,
            Origin::CommandLine { word: 2 },
            "indices count from the whole command"
        );
        let conf =
            gunicorn_conf::parse("bind = ['0.0.0.0:8000']\nworkers = 3\nwsgi_app = 'config.wsgi'\nreload = False\n");
        let merged = alone.with_gunicorn_conf(Some(&conf), None);
        assert_eq!(known(&merged.binds), [tcp("0.0.0.0", 8000)]);
        assert!(matches!(merged.binds.origin, Origin::ConfigFile { .. }));
        assert_eq!(known(&merged.workers), 3);
        assert_eq!(known(merged.app.as_ref().unwrap()), "config.wsgi");
        assert!(known(&merged.reload), "the command line wins");
    }

    #[test]
    fn uvicorn_command_lines() {
        let production = server("uvicorn config.asgi:application --host 0.0.0.0 --port 8000 --workers 4 --proxy-headers --forwarded-allow-ips='*'").unwrap();
        assert_eq!(known(production.app.as_ref().unwrap()), "config.asgi:application");
        assert_eq!(
            production.binds,
            Sourced::new(
                Value::Known(vec![tcp("0.0.0.0", 8000)]),
                Origin::CommandLine { word: 2 }
            )
        );
        assert_eq!(known(&production.workers), 4);
        assert!(!known(&production.reload));
        assert_eq!(
            production.options.get("forwarded_allow_ips").unwrap().value.as_deref(),
            Some("*")
        );
        assert!(production.options.get("proxy_headers").is_some());

        let dev = server("uvicorn app.main:app --reload --host 0.0.0.0").unwrap();
        assert_eq!(known(&dev.binds), [tcp("0.0.0.0", 8000)]);
        assert_eq!(dev.reload.origin, Origin::CommandLine { word: 2 });
        assert_eq!(
            dev.workers,
            Sourced::new(web_concurrency(), Origin::Default),
            "Uvicorn reads WEB_CONCURRENCY"
        );

        let socket = server("uvicorn --uds /tmp/uvicorn.sock app:app").unwrap();
        assert_eq!(
            known(&socket.binds),
            [Bind::Unix {
                path: "/tmp/uvicorn.sock".into()
            }]
        );
        assert_eq!(known(socket.app.as_ref().unwrap()), "app:app");

        let defaults = server("uvicorn app:app --port 9000").unwrap();
        assert_eq!(known(&defaults.binds), [tcp("127.0.0.1", 9000)]);
        let nothing = server("uvicorn app:app").unwrap();
        assert_eq!(nothing.binds, Sourced::default(vec![tcp("127.0.0.1", 8000)]));
        assert_eq!(
            server("uvicorn app:app --port http").unwrap().binds.value,
            Value::Dynamic
        );
    }

    #[test]
    fn daphne_command_lines() {
        let plain = server("daphne -b 0.0.0.0 -p 8000 config.asgi:application").unwrap();
        assert_eq!(
            plain.binds,
            Sourced::new(
                Value::Known(vec![tcp("0.0.0.0", 8000)]),
                Origin::CommandLine { word: 1 }
            )
        );
        assert_eq!(known(plain.app.as_ref().unwrap()), "config.asgi:application");
        assert_eq!(
            known(&server("daphne -b 0.0.0.0 app.asgi:application").unwrap().binds),
            [tcp("0.0.0.0", 8000)]
        );
        assert_eq!(
            known(&server("daphne -p 9000 app.asgi:application").unwrap().binds),
            [tcp("127.0.0.1", 9000)]
        );
        assert_eq!(
            server("daphne app.asgi:application").unwrap().binds,
            Sourced::default(vec![tcp("127.0.0.1", 8000)])
        );
        let endpoints = server(r"daphne -e ssl:443:privateKey=key.pem:certKey=crt.pem -e 'tcp:port=8001:interface=\:\:' -u /run/daphne.sock --fd 3 app.asgi:application").unwrap();
        assert_eq!(
            known(&endpoints.binds),
            [
                tcp("", 443),
                tcp("::", 8001),
                Bind::Unix {
                    path: "/run/daphne.sock".into()
                },
                Bind::Fd(3)
            ]
        );
        assert_eq!(server("daphne -e weird:x app").unwrap().binds.value, Value::Dynamic);
    }

    #[test]
    fn hypercorn_command_lines() {
        let plain =
            server("hypercorn --bind 0.0.0.0:8000 --insecure-bind [::]:80 -w 2 --reload app.asgi:application").unwrap();
        assert_eq!(known(&plain.binds), [tcp("0.0.0.0", 8000), tcp("::", 80)]);
        assert_eq!(known(&plain.workers), 2);
        assert!(known(&plain.reload));
        let configured = server("hypercorn -c hypercorn.toml app.asgi:application").unwrap();
        assert_eq!(
            configured.binds,
            Sourced::new(Value::Dynamic, Origin::CommandLine { word: 1 })
        );
        assert_eq!(configured.workers.value, Value::Dynamic);
        assert_eq!(
            configured.config.unwrap().location,
            ConfigLocation::File("hypercorn.toml".into())
        );
        assert_eq!(
            server("hypercorn app:app").unwrap().binds,
            Sourced::default(vec![tcp("127.0.0.1", 8000)])
        );
    }

    #[test]
    fn never_panics_on_mutated_command_lines() {
        let seeds = [
            "python -m uvicorn app:app --host 0.0.0.0 --port 8000 --uds /s --fd 3",
            r"exec daphne -b :: -p 1 -e tcp:port=2:interface=\:\: -u /u --fd x app",
            "env A=1 hypercorn -c x.toml -b [::]:1 -w2 app",
        ];
        for seed in seeds {
            for line in crate::input::mutate::mutations(seed, 1500) {
                let words: Vec<String> = line.split(' ').map(str::to_string).collect();
                if let Some(server) = server_args(&words) {
                    assert!(server.program < words.len());
                }
            }
        }
    }
}
