use crate::diagnostic::Diagnostic;
use crate::ir::{Duration, LocationAction, Stack};
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Compares Gunicorn's worker `timeout` (default 30s) with nginx's
    /// `proxy_read_timeout` (default 60s) on each location that forwards to it,
    /// when the spec sets either, and flags an nginx timeout shorter than
    /// Gunicorn's.
    ///
    /// ## Why is this bad?
    /// nginx gives up first and answers 504 Gateway Timeout, while the
    /// Gunicorn worker keeps working on a request nobody waits for; the
    /// client may retry, doubling the load. Gunicorn should time out first,
    /// so the 502 comes from a worker that was really stuck.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application timeout 120s
    /// }
    /// proxy nginx {
    ///     upstream django { server web:8000 }
    ///     location / { proxy_pass django }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    ///     location / {
    ///         proxy_pass django
    ///         proxy_read_timeout 130s
    ///     }
    /// ```
    pub struct TimeoutMismatch {
        name: "timeout-mismatch",
        severity: Warning,
        summary: "nginx times out before Gunicorn does",
    }
}

const GUNICORN_TIMEOUT: Duration = Duration(30_000);
const NGINX_READ_TIMEOUT: Duration = Duration(60_000);

impl Rule for TimeoutMismatch {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (_, proxy) in facts::proxies(stack) {
            for server in &proxy.servers {
                for location in &server.locations {
                    let LocationAction::ProxyPass(pass) = &location.action else {
                        continue;
                    };
                    let Some(upstream) = proxy.upstream(&pass.upstream.value) else {
                        continue;
                    };
                    let read = location
                        .settings
                        .read_timeout
                        .as_ref()
                        .or(server.settings.read_timeout.as_ref());
                    for target in upstream.servers.iter().filter_map(|s| stack.service(&s.service.value)) {
                        let Some(gunicorn) = stack.builder_of(target).and_then(|b| b.gunicorn()) else {
                            continue;
                        };
                        let settings = stack.server_settings(target);
                        let worker = settings.as_ref().and_then(|s| s.timeout.as_ref());
                        if read.is_none() && worker.is_none() {
                            continue;
                        }
                        let read_value = read.map_or(NGINX_READ_TIMEOUT, |r| r.value);
                        let worker_value = worker.map_or(GUNICORN_TIMEOUT, |w| w.value);
                        if read_value >= worker_value {
                            continue;
                        }
                        let mut finding = Self::META.diagnostic(format!(
                            "nginx gives up on `{}` after {read_value}, before Gunicorn's {worker_value}",
                            target.name.value
                        ));
                        finding = match read {
                            Some(read) => finding.primary(read.span, "504 Gateway Timeout here"),
                            None => finding.primary(
                                location.path.span,
                                format!("nginx's default read timeout is {NGINX_READ_TIMEOUT}"),
                            ),
                        };
                        finding = match worker {
                            Some(worker) => {
                                facts::setting_label(finding, worker.source, "the worker may run this long")
                            }
                            None => finding.secondary(
                                gunicorn.span,
                                format!("Gunicorn's default timeout is {GUNICORN_TIMEOUT}"),
                            ),
                        };
                        out.push(finding.help(format!(
                            "give nginx longer than Gunicorn: `proxy_read_timeout {}` in the location, or a shorter Gunicorn `timeout`",
                            Duration(worker_value.0 + 10_000)
                        )));
                    }
                }
            }
        }
    }
}
