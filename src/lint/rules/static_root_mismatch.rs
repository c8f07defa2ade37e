use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a service or job that runs `collectstatic` with a volume
    /// mounted somewhere other than the image's `collectstatic to` path
    /// (Django's `STATIC_ROOT`).
    ///
    /// ## Why is this bad?
    /// `collectstatic` writes to `STATIC_ROOT`. Mounted elsewhere, the
    /// volume stays empty (or stale) and nginx serves 404s, while the job
    /// reports success.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app { collectstatic to /app/staticfiles }
    ///     gunicorn shop.wsgi:application
    /// }
    /// job collectstatic {
    ///     image of web
    ///     run "python manage.py collectstatic --noinput"
    ///     mount static at /app/static
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    ///     mount static at /app/staticfiles
    /// ```
    pub struct StaticRootMismatch {
        name: "static-root-mismatch",
        severity: Error,
        summary: "`collectstatic` writes to a folder the volume is not mounted on",
    }
}

impl Rule for StaticRootMismatch {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        let served: HashSet<&str> = facts::proxies(stack)
            .flat_map(|(_, p)| p.aliased_volumes())
            .map(|v| v.as_str())
            .collect();
        for service in stack
            .services
            .iter()
            .filter(|s| facts::runs_manage_command(s, "collectstatic"))
        {
            let Some(root) = stack
                .builder_of(service)
                .and_then(|b| b.build())
                .and_then(|b| b.python()?.collectstatic.as_ref())
            else {
                continue;
            };
            let root_path = root.value.trim_end_matches('/');
            for mount in service
                .mounts
                .iter()
                .filter(|m| m.volume().is_some_and(|v| served.contains(v.as_str())))
            {
                if mount.target.value.trim_end_matches('/') == root_path {
                    continue;
                }
                out.push(
                    Self::META
                        .diagnostic(format!(
                            "{} `{}` collects static files into {root_path}, not into the volume `{}`",
                            service.kind.keyword(),
                            service.name.value,
                            mount.source_text()
                        ))
                        .primary(mount.target.span, "the volume nginx serves is mounted here")
                        .secondary(root.span, "STATIC_ROOT of the image")
                        .help(format!("mount the volume at `{root_path}`")),
                );
            }
        }
    }
}
