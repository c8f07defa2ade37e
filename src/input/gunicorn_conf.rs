//! Gunicorn's settings: its Python config file, its command line, and how
//! Gunicorn combines them, so a check knows where the app really listens
//! and which line to point at.
//!
//! The config file is read without running it (see [`super::python`]):
//! top-level `NAME = LITERAL` for the settings in [`SETTINGS`]. A setting
//! computed by code (`workers = multiprocessing.cpu_count() * 2 + 1`) is
//! [`Value::Dynamic`]: known to be set, value unknown;
//! `os.environ.get("X", "LITERAL")` and its kin are [`Value::EnvDefault`].
//!
//! Precedence, lowest first, as Gunicorn's docs and `app/base.py` say:
//! Gunicorn's defaults (some read the environment: `PORT`,
//! `WEB_CONCURRENCY`), the config file, `GUNICORN_CMD_ARGS`, the command
//! line. The config file is the command line's `-c`, else
//! `GUNICORN_CMD_ARGS`'s, else `./gunicorn.conf.py` when it exists; it is
//! found from the directory Gunicorn starts in (`--chdir` applies only
//! after the config file is loaded).
//!
//! Not read: settings from a Paste Deploy file, values a config file takes
//! from modules it imports (a `from x import *` makes every setting it does
//! not itself set unknown), and Gunicorn's other ~90 settings.

use super::argv::{self, Arg, ArgProblem, Arity, Spec};
use super::bind::Bind;
use super::problem::Problem;
use super::python::{self, Binding, Literal};
use super::value::{Origin, Sourced, Value};
use crate::source::Span;

/// The settings read from a config file.
pub const SETTINGS: &[&str] = &[
    "bind",
    "workers",
    "threads",
    "timeout",
    "graceful_timeout",
    "worker_class",
    "wsgi_app",
    "chdir",
    "accesslog",
    "errorlog",
    "forwarded_allow_ips",
    "reload",
    "keepalive",
    "preload_app",
    "raw_env",
];

/// A Gunicorn config file's settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GunicornConf {
    /// The top-level assignments to [`SETTINGS`], in the file's order.
    pub settings: Vec<Binding>,
    /// `from M import *` lines: they may set any setting.
    pub star_imports: Vec<Span>,
    pub problems: Vec<Problem>,
}

impl GunicornConf {
    /// The assignment Gunicorn keeps for `setting`: the last.
    pub fn get(&self, setting: &str) -> Option<&Binding> {
        self.settings.iter().rev().find(|b| b.name.value == setting)
    }
}

/// Reads a Gunicorn config file's text.
pub fn parse(text: &str) -> GunicornConf {
    let module = python::read_module(text);
    GunicornConf {
        settings: module
            .bindings
            .into_iter()
            .filter(|b| SETTINGS.contains(&b.name.as_str()))
            .collect(),
        star_imports: module.star_imports,
        problems: module.problems,
    }
}

/// Gunicorn's options: those whose values the checks read, and every one
/// that takes no value (any other takes one). From Gunicorn's `config.py`.
const OPTIONS: &[Spec] = &[
    argv::value(Some('b'), "--bind", "bind"),
    argv::value(Some('w'), "--workers", "workers"),
    argv::value(Some('k'), "--worker-class", "worker_class"),
    argv::value(None, "--threads", "threads"),
    argv::value(Some('t'), "--timeout", "timeout"),
    argv::value(None, "--graceful-timeout", "graceful_timeout"),
    argv::value(None, "--keep-alive", "keepalive"),
    argv::value(Some('c'), "--config", "config"),
    argv::value(None, "--chdir", "chdir"),
    argv::value(Some('e'), "--env", "raw_env"),
    argv::value(None, "--forwarded-allow-ips", "forwarded_allow_ips"),
    argv::value(None, "--access-logfile", "accesslog"),
    argv::value(None, "--error-logfile", "errorlog"),
    argv::value(None, "--log-file", "errorlog"),
    argv::value(None, "--pythonpath", "pythonpath"),
    argv::flag(None, "--reload", "reload"),
    argv::flag(None, "--preload", "preload_app"),
    argv::flag(Some('D'), "--daemon", "daemon"),
    argv::flag(Some('R'), "--enable-stdio-inheritance", "enable_stdio_inheritance"),
    argv::flag(Some('h'), "--help", "help"),
    argv::flag(Some('v'), "--version", "version"),
    argv::flag(None, "--spew", "spew"),
    argv::flag(None, "--check-config", "check_config"),
    argv::flag(None, "--print-config", "print_config"),
    argv::flag(None, "--no-sendfile", "sendfile"),
    argv::flag(None, "--reuse-port", "reuse_port"),
    argv::flag(None, "--initgroups", "initgroups"),
    argv::flag(
        None,
        "--disable-redirect-access-to-syslog",
        "disable_redirect_access_to_syslog",
    ),
    argv::flag(None, "--capture-output", "capture_output"),
    argv::flag(None, "--log-syslog", "syslog"),
    argv::flag(None, "--enable-backlog-metric", "enable_backlog_metric"),
    argv::flag(None, "--suppress-ragged-eofs", "suppress_ragged_eofs"),
    argv::flag(None, "--do-handshake-on-connect", "do_handshake_on_connect"),
    argv::flag(None, "--permit-obsolete-folding", "permit_obsolete_folding"),
    argv::flag(None, "--strip-header-spaces", "strip_header_spaces"),
    argv::flag(
        None,
        "--permit-unconventional-http-method",
        "permit_unconventional_http_method",
    ),
    argv::flag(
        None,
        "--permit-unconventional-http-version",
        "permit_unconventional_http_version",
    ),
    argv::flag(None, "--casefold-http-method", "casefold_http_method"),
    argv::flag(None, "--no-control-socket", "control_socket_disable"),
    Spec {
        short: None,
        long: "--proxy-protocol",
        setting: "proxy_protocol",
        arity: Arity::Optional(&["off", "v1", "v2", "auto"]),
    },
];

/// Gunicorn's command line, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GunicornArgs {
    pub parsed: argv::Parsed,
}

impl GunicornArgs {
    /// `APP_MODULE`: Gunicorn takes the first positional word.
    pub fn app(&self) -> Option<&Arg<String>> {
        self.parsed.positionals.first()
    }

    /// The word of `--reload`, a development setting.
    pub fn reload(&self) -> Option<usize> {
        self.parsed.get("reload").map(|g| g.word)
    }

    pub fn problems(&self) -> &[ArgProblem] {
        &self.parsed.problems
    }
}

/// Reads Gunicorn's arguments: the words after `gunicorn` (or the words of
/// `GUNICORN_CMD_ARGS`). Indices in the result are into `words`.
pub fn parse_args(words: &[String]) -> GunicornArgs {
    parse_args_from(words, 0)
}

/// Reads `words[first..]` as Gunicorn's arguments, indices into `words`.
pub(crate) fn parse_args_from(words: &[String], first: usize) -> GunicornArgs {
    let mut parsed = argv::parse(words, first, OPTIONS);
    let refused = parsed.options.iter().filter_map(|option| {
        let value = option.value.as_deref().unwrap_or_default();
        let why = match option.setting.as_str() {
            "workers" | "threads" | "timeout" | "graceful_timeout" | "keepalive" if python_int(value).is_none() => {
                format!("`{value}` is not a whole number")
            }
            "bind" => Bind::parse(value).err()?,
            _ => return None,
        };
        Some(ArgProblem {
            word: option.word,
            message: format!("{why}: Gunicorn refuses to start"),
        })
    });
    let refused: Vec<_> = refused.collect();
    parsed.problems.extend(refused);
    GunicornArgs { parsed }
}

/// Where Gunicorn finds its config file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigLocation {
    /// A path (`-c config/gunicorn.py`, `-c file:PATH`) from the directory
    /// Gunicorn starts in.
    File(String),
    /// `-c python:config.gunicorn`: a module Python imports. In a project
    /// it is one of `candidates` (`config/gunicorn.py`, then
    /// `config/gunicorn/__init__.py`) under the starting directory, which
    /// Gunicorn puts on Python's path; an installed package could also
    /// provide it.
    Module { module: String, candidates: [String; 2] },
}

/// The config file Gunicorn reads, and what named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigRef {
    pub location: ConfigLocation,
    /// `Origin::Default` for `./gunicorn.conf.py`, read only if it exists.
    pub origin: Origin,
}

impl ConfigLocation {
    /// A `-c` value as Gunicorn reads it.
    pub fn parse(value: &str) -> ConfigLocation {
        if let Some(module) = value.strip_prefix("python:") {
            let path = module.replace('.', "/");
            return ConfigLocation::Module {
                module: module.to_string(),
                candidates: [format!("{path}.py"), format!("{path}/__init__.py")],
            };
        }
        ConfigLocation::File(value.strip_prefix("file:").unwrap_or(value).to_string())
    }
}

/// The file Gunicorn takes its settings from: the command line's `-c`,
/// else `GUNICORN_CMD_ARGS`'s, else `gunicorn.conf.py`.
pub fn config_ref(args: &GunicornArgs, env_args: Option<&GunicornArgs>) -> ConfigRef {
    let given = |args: &GunicornArgs| args.parsed.get("config").and_then(|g| Some((g.value.clone()?, g.word)));
    if let Some((value, word)) = given(args) {
        return ConfigRef {
            location: ConfigLocation::parse(&value),
            origin: Origin::CommandLine { word },
        };
    }
    if let Some((value, word)) = env_args.and_then(given) {
        return ConfigRef {
            location: ConfigLocation::parse(&value),
            origin: Origin::EnvArgs { word },
        };
    }
    ConfigRef {
        location: ConfigLocation::File("gunicorn.conf.py".to_string()),
        origin: Origin::Default,
    }
}

/// The settings the checks need, after Gunicorn's precedence.
#[derive(Clone, Debug, PartialEq)]
pub struct Effective {
    pub binds: Sourced<Vec<Bind>>,
    pub workers: Sourced<u32>,
    pub threads: Sourced<u32>,
    /// Seconds a silent worker lives.
    pub timeout: Sourced<u32>,
    /// Seconds workers get to finish on SIGTERM.
    pub graceful_timeout: Sourced<u32>,
    pub worker_class: Sourced<String>,
    pub reload: Sourced<bool>,
    /// `APP_MODULE` from the command line, else the config's `wsgi_app`.
    pub app: Option<Sourced<String>>,
}

/// Combines a config file's settings with `GUNICORN_CMD_ARGS` and the
/// command line, each later one winning, as Gunicorn does.
pub fn effective(conf: Option<&GunicornConf>, env_args: Option<&GunicornArgs>, args: &GunicornArgs) -> Effective {
    let merge = Merge { conf, env_args, args };
    let number = |setting: &str, default: Value<u32>| merge.setting(setting, python_int, literal_u32, default);
    let threads = number("threads", Value::Known(1));
    let mut worker_class = merge.setting(
        "worker_class",
        |text| Some(text.to_string()),
        literal_string,
        Value::Known("sync".to_string()),
    );
    // Gunicorn runs the sync worker as `gthread` when it has threads.
    let sync = matches!(&worker_class.value, Value::Known(class) if class == "sync" || class.ends_with("SyncWorker"));
    if sync && matches!(threads.value, Value::Known(n) if n > 1) {
        worker_class = Sourced::new(Value::Known("gthread".to_string()), threads.origin);
    }
    Effective {
        binds: merge.binds(),
        workers: number(
            "workers",
            Value::EnvDefault {
                var: "WEB_CONCURRENCY".to_string(),
                default: 1,
            },
        ),
        threads,
        timeout: number("timeout", Value::Known(30)),
        graceful_timeout: number("graceful_timeout", Value::Known(30)),
        worker_class,
        reload: merge.setting("reload", |_| Some(true), literal_bool, Value::Known(false)),
        app: match args.app() {
            Some(app) => Some(Sourced::new(
                Value::Known(app.value.clone()),
                Origin::CommandLine { word: app.word },
            )),
            None => merge.config_file_value("wsgi_app", literal_string),
        },
    }
}

struct Merge<'a> {
    conf: Option<&'a GunicornConf>,
    env_args: Option<&'a GunicornArgs>,
    args: &'a GunicornArgs,
}

impl Merge<'_> {
    /// The command line's value, else `GUNICORN_CMD_ARGS`'s, else the
    /// config file's, else the default.
    fn setting<T>(
        &self,
        setting: &str,
        from_word: impl Fn(&str) -> Option<T>,
        from_literal: impl Fn(Literal) -> Option<T>,
        default: Value<T>,
    ) -> Sourced<T> {
        let word_value = |given: &argv::Given| {
            let value = from_word(given.value.as_deref().unwrap_or_default());
            value.map_or(Value::Dynamic, Value::Known)
        };
        if let Some(given) = self.args.parsed.get(setting) {
            return Sourced::new(word_value(given), Origin::CommandLine { word: given.word });
        }
        if let Some(given) = self.env_args.and_then(|a| a.parsed.get(setting)) {
            return Sourced::new(word_value(given), Origin::EnvArgs { word: given.word });
        }
        self.config_file_value(setting, from_literal)
            .unwrap_or(Sourced::new(default, Origin::Default))
    }

    /// The config file's value: its last assignment, or unknown when a star
    /// import may set it.
    fn config_file_value<T>(&self, setting: &str, from_literal: impl Fn(Literal) -> Option<T>) -> Option<Sourced<T>> {
        let conf = self.conf?;
        if let Some(binding) = conf.get(setting) {
            let value = binding.value.clone().and_then(from_literal);
            return Some(Sourced::new(value, Origin::ConfigFile { span: binding.span }));
        }
        let star = conf.star_imports.first()?;
        Some(Sourced::new(Value::Dynamic, Origin::ConfigFile { span: *star }))
    }

    /// `--bind` adds up on a command line, and a command line's list
    /// replaces the config file's.
    fn binds(&self) -> Sourced<Vec<Bind>> {
        let from_words = |args: &GunicornArgs| {
            let given: Vec<_> = args.parsed.all("bind").collect();
            let first = given.first()?.word;
            let binds: Option<Vec<Bind>> = given
                .iter()
                .map(|g| Bind::parse(g.value.as_deref().unwrap_or_default()).ok())
                .collect();
            Some((binds.map_or(Value::Dynamic, Value::Known), first))
        };
        if let Some((value, word)) = from_words(self.args) {
            return Sourced::new(value, Origin::CommandLine { word });
        }
        if let Some((value, word)) = self.env_args.and_then(from_words) {
            return Sourced::new(value, Origin::EnvArgs { word });
        }
        self.config_file_value("bind", literal_binds).unwrap_or(Sourced::new(
            // Gunicorn binds 0.0.0.0:$PORT when PORT is set.
            Value::EnvDefault {
                var: "PORT".to_string(),
                default: vec![Bind::tcp("127.0.0.1", 8000)],
            },
            Origin::Default,
        ))
    }
}

/// Python's `int(text, 0)`, which Gunicorn applies to numbers given as
/// text: decimal without leading zeros, or `0x`, `0o`, `0b`.
fn python_int(text: &str) -> Option<u32> {
    let text = text.trim();
    python::int_literal(text.strip_prefix('+').unwrap_or(text)).and_then(|value| u32::try_from(value).ok())
}

/// A count or a number of seconds in a config file: Gunicorn accepts an
/// int (a bool counts as one) or text it can read as one.
fn literal_u32(literal: Literal) -> Option<u32> {
    match literal {
        Literal::Int(value) => u32::try_from(value).ok(),
        Literal::Bool(value) => Some(u32::from(value)),
        Literal::Str(text) => python_int(text.trim()),
        _ => None,
    }
}

fn literal_string(literal: Literal) -> Option<String> {
    match literal {
        Literal::Str(text) => Some(text),
        _ => None,
    }
}

fn literal_bool(literal: Literal) -> Option<bool> {
    match literal {
        Literal::Bool(value) => Some(value),
        _ => None,
    }
}

/// `bind = "0.0.0.0:8000"` or a list of such strings.
fn literal_binds(literal: Literal) -> Option<Vec<Bind>> {
    match literal {
        Literal::Str(text) => Some(vec![Bind::parse(&text).ok()?]),
        Literal::List(items) => items
            .into_iter()
            .map(|item| match item {
                Literal::Str(text) => Bind::parse(&text).ok(),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        shlex::split(line).unwrap()
    }

    fn tcp(host: &str, port: u16) -> Bind {
        Bind::tcp(host, port)
    }

    /// A config as many Django projects keep in `config/gunicorn.py`.
    const CONF: &str = r#""""Gunicorn configuration for production."""
import multiprocessing
import os

bind = "0.0.0.0:8000"
workers = multiprocessing.cpu_count() * 2 + 1
worker_class = "gthread"
threads = 4
timeout = 120
graceful_timeout = int(os.getenv("GUNICORN_GRACEFUL_TIMEOUT", "30"))
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "*"
wsgi_app = "config.wsgi:application"
loglevel = "info"

def post_fork(server, worker):
    server.log.info("Worker spawned (pid: %s)", worker.pid)
"#;

    #[test]
    fn reads_the_settings_of_a_config_file() {
        let conf = parse(CONF);
        assert!(conf.problems.is_empty());
        let names: Vec<_> = conf.settings.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "bind",
                "workers",
                "worker_class",
                "threads",
                "timeout",
                "graceful_timeout",
                "accesslog",
                "errorlog",
                "forwarded_allow_ips",
                "wsgi_app"
            ]
        );
        assert_eq!(conf.get("workers").unwrap().value, Value::Dynamic);
        let bind = conf.get("bind").unwrap();
        assert_eq!(&CONF[bind.span.range()], "bind = \"0.0.0.0:8000\"");
        let effective = effective(Some(&conf), None, &GunicornArgs::default());
        assert_eq!(effective.binds.value, Value::Known(vec![tcp("0.0.0.0", 8000)]));
        assert_eq!(effective.binds.origin, Origin::ConfigFile { span: bind.span });
        assert_eq!(effective.workers.value, Value::Dynamic);
        assert_eq!(effective.threads.value, Value::Known(4));
        assert_eq!(effective.timeout.value, Value::Known(120));
        assert_eq!(
            effective.graceful_timeout.value,
            Value::EnvDefault {
                var: "GUNICORN_GRACEFUL_TIMEOUT".into(),
                default: 30
            }
        );
        assert_eq!(effective.worker_class.value, Value::Known("gthread".into()));
        assert_eq!(
            effective.app.unwrap().value,
            Value::Known("config.wsgi:application".into())
        );
    }

    #[test]
    fn every_bind_literal_and_dynamic_form() {
        let binds = |text: &str| {
            effective(Some(&parse(text)), None, &GunicornArgs::default())
                .binds
                .value
        };
        assert_eq!(binds("bind = ':8000'"), Value::Known(vec![tcp("", 8000)]));
        assert_eq!(
            binds("bind = ['0.0.0.0:8000', '[::]:8000']"),
            Value::Known(vec![tcp("0.0.0.0", 8000), tcp("::", 8000)])
        );
        assert_eq!(
            binds("bind = ('unix:/tmp/g.sock',)"),
            Value::Known(vec![Bind::Unix {
                path: "/tmp/g.sock".into()
            }])
        );
        assert_eq!(
            binds("import os\nbind = os.environ.get('BIND', '0.0.0.0:8000')"),
            Value::EnvDefault {
                var: "BIND".into(),
                default: vec![tcp("0.0.0.0", 8000)]
            }
        );
        assert_eq!(binds("bind = f':{PORT}'"), Value::Dynamic);
        assert_eq!(binds("bind = 8000"), Value::Dynamic, "not a string");
        assert_eq!(binds("bind = '0.0.0.0:http'"), Value::Dynamic, "not a port");
        assert_eq!(binds("if DEBUG:\n    bind = '127.0.0.1:8000'\n"), Value::Dynamic);
        assert_eq!(
            binds("# nothing set\n"),
            Value::EnvDefault {
                var: "PORT".into(),
                default: vec![tcp("127.0.0.1", 8000)]
            }
        );
        let star = parse("from .base import *\n");
        let effective = effective(Some(&star), None, &GunicornArgs::default());
        assert_eq!(effective.binds.value, Value::Dynamic);
        assert_eq!(
            effective.binds.origin,
            Origin::ConfigFile {
                span: star.star_imports[0]
            }
        );
    }

    #[test]
    fn numbers_as_gunicorn_reads_them() {
        let workers = |text: &str| {
            effective(Some(&parse(text)), None, &GunicornArgs::default())
                .workers
                .value
        };
        assert_eq!(workers("workers = 4"), Value::Known(4));
        assert_eq!(workers("workers = '4'"), Value::Known(4));
        assert_eq!(workers("workers = '0x10'"), Value::Known(16));
        assert_eq!(workers("workers = True"), Value::Known(1));
        assert_eq!(workers("workers = 2 * 2 + 1"), Value::Known(5));
        assert_eq!(workers("workers = 4.0"), Value::Dynamic, "Gunicorn refuses a float");
        assert_eq!(workers("workers = -1"), Value::Dynamic);
        assert_eq!(workers("workers = None"), Value::Dynamic);
        assert_eq!(
            workers(""),
            Value::EnvDefault {
                var: "WEB_CONCURRENCY".into(),
                default: 1
            }
        );
    }

    #[test]
    fn reads_the_command_line() {
        let argv = words("-c python:config.gunicorn --bind=0.0.0.0:8000 -b [::]:8000 -w4 -k uvicorn.workers.UvicornWorker -t 60 --graceful-timeout=90 --chdir /app/src --reload --env DJANGO_SETTINGS_MODULE=config.settings.production --access-logfile - config.wsgi:application");
        let args = parse_args(&argv);
        assert!(args.problems().is_empty(), "{:?}", args.problems());
        assert_eq!(
            args.app(),
            Some(&Arg {
                value: "config.wsgi:application".into(),
                word: 18
            })
        );
        assert_eq!(args.reload(), Some(13));
        assert_eq!(
            args.parsed.get("raw_env").unwrap().value.as_deref(),
            Some("DJANGO_SETTINGS_MODULE=config.settings.production")
        );
        assert_eq!(args.parsed.get("chdir").unwrap().value.as_deref(), Some("/app/src"));
        let effective = effective(None, None, &args);
        assert_eq!(
            effective.binds.value,
            Value::Known(vec![tcp("0.0.0.0", 8000), tcp("::", 8000)])
        );
        assert_eq!(effective.binds.origin, Origin::CommandLine { word: 2 });
        assert_eq!(
            effective.workers,
            Sourced::new(Value::Known(4), Origin::CommandLine { word: 5 })
        );
        assert_eq!(
            effective.worker_class.value,
            Value::Known("uvicorn.workers.UvicornWorker".into())
        );
        assert_eq!(effective.timeout.value, Value::Known(60));
        assert_eq!(effective.graceful_timeout.value, Value::Known(90));
        assert_eq!(effective.reload.value, Value::Known(true));
    }

    #[test]
    fn bad_numbers_and_binds_on_the_command_line() {
        let args = parse_args(&words("-w four -b 0.0.0.0:http --timeout 30 app:app"));
        let problems: Vec<_> = args.problems().iter().map(|p| p.word).collect();
        assert_eq!(problems, [0, 2]);
        let effective = effective(None, None, &args);
        assert_eq!(effective.workers.value, Value::Dynamic);
        assert_eq!(effective.binds.value, Value::Dynamic);
        assert_eq!(effective.timeout.value, Value::Known(30));
    }

    #[test]
    fn command_line_over_env_args_over_config_file() {
        let conf = parse("bind = '127.0.0.1:8000'\nworkers = 2\ntimeout = 10\nreload = True\n");
        let env_args = parse_args(&words("--workers=3 --timeout 20"));
        let args = parse_args(&words("--timeout 40 app:app"));
        let effective = effective(Some(&conf), Some(&env_args), &args);
        assert_eq!(effective.binds.value, Value::Known(vec![tcp("127.0.0.1", 8000)]));
        assert!(matches!(effective.binds.origin, Origin::ConfigFile { .. }));
        assert_eq!(
            effective.workers,
            Sourced::new(Value::Known(3), Origin::EnvArgs { word: 0 })
        );
        assert_eq!(
            effective.timeout,
            Sourced::new(Value::Known(40), Origin::CommandLine { word: 0 })
        );
        assert_eq!(effective.reload.value, Value::Known(true));
        assert_eq!(effective.worker_class, Sourced::default("sync".to_string()));
        // Threads turn the sync worker into gthread.
        let threaded = super::effective(None, None, &parse_args(&words("--threads 4 app:app")));
        assert_eq!(
            threaded.worker_class,
            Sourced::new(Value::Known("gthread".into()), Origin::CommandLine { word: 0 })
        );
        // A command line's binds replace the config file's.
        let bound = super::effective(Some(&conf), None, &parse_args(&words("-b :9000 app:app")));
        assert_eq!(bound.binds.value, Value::Known(vec![tcp("", 9000)]));
    }

    #[test]
    fn which_config_file_gunicorn_reads() {
        let config = |line: &str, env: Option<&str>| {
            let env = env.map(|e| parse_args(&words(e)));
            config_ref(&parse_args(&words(line)), env.as_ref())
        };
        assert_eq!(
            config("-c config/gunicorn.py app:app", Some("-c other.py")),
            ConfigRef {
                location: ConfigLocation::File("config/gunicorn.py".into()),
                origin: Origin::CommandLine { word: 0 }
            }
        );
        assert_eq!(
            config("app:app", Some("--config=python:config.gunicorn")),
            ConfigRef {
                location: ConfigLocation::Module {
                    module: "config.gunicorn".into(),
                    candidates: ["config/gunicorn.py".into(), "config/gunicorn/__init__.py".into()]
                },
                origin: Origin::EnvArgs { word: 0 }
            }
        );
        assert_eq!(
            config("--config file:gconf.py app:app", None).location,
            ConfigLocation::File("gconf.py".into())
        );
        assert_eq!(
            config("app:app", None),
            ConfigRef {
                location: ConfigLocation::File("gunicorn.conf.py".into()),
                origin: Origin::Default
            }
        );
    }

    #[test]
    fn never_panics_on_mutated_inputs() {
        for text in crate::input::mutate::mutations(CONF, 2000) {
            let conf = parse(&text);
            let _ = effective(Some(&conf), None, &GunicornArgs::default());
        }
        for line in crate::input::mutate::mutations("-c python:a.b -b=[::]:1 -w0x4 --reload -- app:app", 2000) {
            let argv: Vec<String> = line.split(' ').map(str::to_string).collect();
            let args = parse_args(&argv);
            let _ = effective(None, Some(&args), &args);
            let _ = config_ref(&args, None);
        }
    }
}
