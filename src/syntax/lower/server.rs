//! Lowering of the app-server statements: `gunicorn`, `uvicorn` and
//! `daphne`, each `MODULE:APP` with the options that server has.

use crate::syntax::tree::Pair;

use super::{next, span, Lowerer};
use crate::diagnostic::Diagnostic;
use crate::ir::*;
use crate::source::{Span, Spanned};
use crate::syntax::grammar::Rule;

/// Gunicorn's own worker classes, by the names `-k` takes.
const GUNICORN_WORKERS: &[&str] = &["sync", "gthread", "gevent", "eventlet", "tornado"];

impl Lowerer {
    pub(super) fn lower_app_server(&mut self, pair: Pair<'_>) -> AppServer {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        let kind = match next(&mut inner, "app_server").as_rule() {
            Rule::kw_gunicorn => AppServerKind::Gunicorn,
            Rule::kw_uvicorn => AppServerKind::Uvicorn,
            _ => AppServerKind::Daphne,
        };
        let program = kind.keyword();
        let app = self.lower_text(next(&mut inner, "app_server"));
        if !valid_app(&app.value) {
            let (what, example) = match kind {
                AppServerKind::Gunicorn => ("a WSGI application", "in wsgi.py, e.g. `backend.wsgi:application`"),
                _ => ("an ASGI application", "in asgi.py, e.g. `backend.asgi:application`"),
            };
            self.report(
                Diagnostic::error("invalid-wsgi-app", format!("`{}` is not {what}", app.value))
                    .primary(app.span, "expected `module.path:callable`")
                    .help(format!("Django projects have one {example}")),
            );
        }
        let mut server = AppServer {
            kind,
            app,
            bind: None,
            workers: None,
            timeout: None,
            graceful_timeout: None,
            worker: None,
            config: None,
            span: at,
        };
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        for option in inner {
            let option_span = span(&option);
            let rule = option.as_rule();
            let mut parts = option.into_inner();
            let keyword = next(&mut parts, "server option").as_str().to_string();
            let value = next(&mut parts, "server option");
            let name = option_name(rule);
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
                let first = *first;
                self.report(
                    Diagnostic::error("duplicate-statement", format!("`{keyword}` is given twice"))
                        .primary(option_span, "given again here")
                        .secondary(first, "first given here")
                        .help(format!("keep one `{keyword}`")),
                );
                continue;
            }
            seen.push((name, option_span));
            if !kind_has(kind, rule) {
                self.report(
                    Diagnostic::error("invalid-option", format!("{program} has no `{keyword}` option"))
                        .primary(option_span, format!("not a {program} setting"))
                        .help(options_help(kind)),
                );
                continue;
            }
            match rule {
                Rule::server_bind => server.bind = Some(self.lower_port(value)),
                Rule::server_workers => server.workers = Some(self.lower_integer(value)),
                Rule::server_timeout => server.timeout = Some(self.lower_seconds(value, kind)),
                Rule::server_graceful => server.graceful_timeout = Some(self.lower_seconds(value, kind)),
                Rule::server_worker => {
                    let worker = self.lower_text(value);
                    self.check_worker_class(&worker);
                    server.worker = Some(worker);
                }
                _ => {
                    let config = self.lower_text(value);
                    self.check_config_path(&config);
                    server.config = Some(config);
                }
            }
        }
        server
    }

    /// A duration the app server takes: whole seconds (0 turns Gunicorn's
    /// timeouts off).
    fn lower_seconds(&mut self, pair: Pair<'_>, kind: AppServerKind) -> Spanned<Duration> {
        let duration = self.lower_duration(pair);
        if !duration.value.0.is_multiple_of(1000) {
            self.report(
                Diagnostic::error("invalid-duration", format!("{} takes whole seconds", kind.name()))
                    .primary(duration.span, "not a whole number of seconds")
                    .help("write e.g. `30s` or `2m`"),
            );
        }
        duration
    }

    /// `worker uvicorn`, one of Gunicorn's own classes, or a class path.
    fn check_worker_class(&mut self, worker: &Spanned<String>) {
        let known = worker.value == "uvicorn" || GUNICORN_WORKERS.contains(&worker.value.as_str());
        let class_path = worker.value.contains('.') && worker.value.split('.').all(is_identifier);
        if !known && !class_path {
            self.report(
                Diagnostic::error("invalid-option", format!("`{}` is not a Gunicorn worker class", worker.value))
                    .primary(worker.span, "expected a worker class")
                    .help("write `uvicorn` for an ASGI app (the uvicorn-worker package), one of `sync`, `gthread`, `gevent`, `eventlet`, or a class path such as `uvicorn_worker.UvicornH11Worker`"),
            );
        }
    }

    /// `config PATH`: a file in the build folder, which stackc reads.
    fn check_config_path(&mut self, path: &Spanned<String>) {
        let outside = path.value.starts_with('/') || path.value.split('/').any(|part| part == "..");
        if outside || path.value.is_empty() {
            self.report(
                Diagnostic::error(
                    "invalid-path",
                    format!("`{}` is not a file in the build folder", path.value),
                )
                .primary(path.span, "relative to the build folder, without `..`")
                .help("write the config file's path in the app's source, e.g. `config gunicorn.conf.py`"),
            );
        }
    }
}

/// Which option a rule is, whatever it was spelled.
fn option_name(rule: Rule) -> &'static str {
    match rule {
        Rule::server_bind => "bind",
        Rule::server_workers => "workers",
        Rule::server_timeout => "timeout",
        Rule::server_graceful => "graceful_timeout",
        Rule::server_worker => "worker",
        _ => "config",
    }
}

/// The options each server has: Gunicorn all; Uvicorn a port, workers and
/// its graceful shutdown timeout; Daphne a port.
fn kind_has(kind: AppServerKind, rule: Rule) -> bool {
    match kind {
        AppServerKind::Gunicorn => true,
        AppServerKind::Uvicorn => matches!(rule, Rule::server_bind | Rule::server_workers | Rule::server_graceful),
        AppServerKind::Daphne => rule == Rule::server_bind,
    }
}

fn options_help(kind: AppServerKind) -> &'static str {
    match kind {
        AppServerKind::Gunicorn => "",
        AppServerKind::Uvicorn => {
            "uvicorn takes `bind PORT`, `workers N` and `graceful_timeout D`; for Gunicorn's worker timeout and config file, run `gunicorn APP worker uvicorn`"
        }
        AppServerKind::Daphne => "daphne takes `bind PORT`; for several workers, run `gunicorn APP worker uvicorn` or `uvicorn APP workers N`",
    }
}

fn is_identifier(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `module.path:callable`.
fn valid_app(app: &str) -> bool {
    let Some((module, callable)) = app.split_once(':') else {
        return false;
    };
    module.split('.').all(is_identifier) && is_identifier(callable)
}
