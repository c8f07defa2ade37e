use crate::diagnostic::Diagnostic;
use crate::ir::{Condition, Stack};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// On a cluster (`--target kubernetes`), flags an `after JOB done`
    /// that the cluster cannot wait for: a job that is neither a Django
    /// `manage.py migrate` (whose waiters get an init container that checks
    /// for unapplied migrations) nor a job that fills a volume the proxy
    /// serves (which runs as the proxy's init container).
    ///
    /// ## Why is this bad?
    /// Compose starts the waiting service after the job exits. A cluster
    /// has no such order: the Job and the Deployment start together, so
    /// the app may serve before the job's work (a `flask db upgrade`, an
    /// `alembic upgrade head`, a seed) is done.
    ///
    /// ## Example
    /// ```text
    /// job migrate {
    ///     image of web
    ///     run "flask --app shop db upgrade"
    /// }
    /// service web {
    ///     image ghcr.io/acme/shop-web:1.4.2
    ///     build ./app
    ///     gunicorn shop:app
    ///     after migrate done
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Run the step before the server in the app's own command, so each
    /// pod does it (it must be safe to run twice at once), or wait in the
    /// app's entrypoint for what the job does:
    /// ```text
    /// service web {
    ///     image ghcr.io/acme/shop-web:1.4.2
    ///     build ./app
    ///     command ["sh", "-c", "flask --app shop db upgrade && exec gunicorn shop:app"]
    /// }
    /// ```
    pub struct JobNotAwaitedOnCluster {
        name: "job-not-awaited-on-cluster",
        severity: Warning,
        summary: "a service waits for a job that a cluster runs beside it, not before it",
        target: Kubernetes,
    }
}

impl Rule for JobNotAwaitedOnCluster {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in stack.services.iter().filter(|s| !s.is_job()) {
            for dependency in service
                .after
                .iter()
                .filter(|d| d.effective_condition() == Condition::Done)
            {
                let Some(job) = stack.service(&dependency.target.value).filter(|j| j.is_job()) else {
                    continue;
                };
                if crate::emit::kubernetes::waits_for_job_on_cluster(stack, job) {
                    continue;
                }
                out.push(
                    Self::META
                        .diagnostic(format!(
                            "on a cluster, `{}` starts without waiting for `{}` to be done",
                            service.name.value, job.name.value
                        ))
                        .primary(dependency.span, "compose waits; a cluster runs the Job beside it")
                        .secondary(job.name.span, "a Job of its own on a cluster")
                        .help(format!(
                            "run `{}`'s step in `{}`'s own command before the server (safe to run twice), or wait for its work in the app's entrypoint",
                            job.name.value, service.name.value
                        )),
                );
            }
        }
    }
}
