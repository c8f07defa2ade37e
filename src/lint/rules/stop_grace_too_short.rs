use crate::diagnostic::{Diagnostic, Edit};
use crate::ir::{Duration, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Compares Gunicorn's `graceful_timeout` (default 30s) with the
    /// service's `stop_grace_period` (compose's default: 10s), when the
    /// spec sets either, and flags a grace period shorter than Gunicorn's.
    ///
    /// ## Why is this bad?
    /// On `docker compose stop` or a deploy, compose sends SIGTERM, and
    /// Gunicorn lets its workers finish their requests for
    /// `graceful_timeout`. Compose sends SIGKILL when its own grace period
    /// ends: requests still running are cut off mid-response.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application graceful_timeout 30s
    ///     stop_grace_period 10s
    /// }
    /// ```
    ///
    /// ## Use instead
    /// A grace period a little longer than Gunicorn's:
    /// ```text
    ///     stop_grace_period 35s
    /// ```
    pub struct StopGraceTooShort {
        name: "stop-grace-too-short",
        severity: Warning,
        summary: "compose kills Gunicorn before its graceful timeout ends",
        fixable: true,
    }
}

/// Gunicorn's and compose's defaults.
const GUNICORN_GRACEFUL: Duration = Duration(30_000);
const COMPOSE_GRACE: Duration = Duration(10_000);
/// Room for Gunicorn's arbiter to exit after its workers.
const MARGIN: Duration = Duration(5_000);

impl Rule for StopGraceTooShort {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some(gunicorn) = service.gunicorn() else { continue };
            let settings = stack.server_settings(service);
            let graceful = settings.as_ref().and_then(|s| s.graceful_timeout.as_ref());
            let grace = service.stop_grace_period.as_ref();
            if graceful.is_none() && grace.is_none() {
                continue;
            }
            let graceful_value = graceful.map_or(GUNICORN_GRACEFUL, |g| g.value);
            let grace_value = grace.map_or(COMPOSE_GRACE, |g| g.value);
            if grace_value >= graceful_value {
                continue;
            }
            let enough = Duration(graceful_value.0 + MARGIN.0);
            let mut finding = Self::META.diagnostic(format!(
                "compose kills `{}` after {grace_value}, before Gunicorn's {graceful_value} of grace",
                service.name.value
            ));
            finding = match grace {
                Some(grace) => finding.primary(grace.span, "SIGKILL here, requests still running"),
                None => finding.primary(gunicorn.span, format!("compose's default grace is {COMPOSE_GRACE}")),
            };
            if let Some(graceful) = graceful {
                finding = facts::setting_label(finding, graceful.source, "workers may take this long to finish");
            }
            finding = finding.help(format!("set `stop_grace_period {enough}`"));
            if let Some(grace) = grace {
                finding = finding.fix(
                    format!("wait {enough} before SIGKILL"),
                    vec![Edit::replace(grace.span, enough.to_string())],
                );
            }
            out.push(finding);
        }
    }
}
