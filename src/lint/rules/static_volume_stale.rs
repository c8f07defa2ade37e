use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::ir::{Mount, Service, Stack};
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Follows each `alias VOLUME` of a proxy back to what writes the
    /// volume, and flags a volume that no service or job writes, or that
    /// only gets files by being mounted over the image's `collectstatic`
    /// folder (no `collectstatic` runs with it mounted). A volume the app
    /// writes at run time, such as uploaded media, is fine.
    ///
    /// ## Why is this bad?
    /// Docker copies an image's folder into a named volume only while the
    /// volume is empty, on first use. After the next build, the app's new
    /// CSS and JavaScript stay in the image; nginx keeps serving the first
    /// build's files, forever. A volume nothing writes is empty: 404s.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app { collectstatic to /app/staticfiles }
    ///     gunicorn shop.wsgi:application
    ///     mount static at /app/staticfiles
    /// }
    /// proxy nginx {
    ///     location /static/ { alias static }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// A job that refreshes the volume on every `up`, which nginx waits for:
    /// ```text
    /// job collectstatic {
    ///     image of web
    ///     run "python manage.py collectstatic --noinput --clear"
    ///     mount static at /app/staticfiles
    /// }
    /// ```
    pub struct StaticVolumeStale {
        name: "static-volume-stale",
        severity: Warning,
        summary: "a static volume nginx serves that nothing refreshes",
    }
}

impl Rule for StaticVolumeStale {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        // Who mounts each volume writable, in spec order.
        let mut mounted: HashMap<&str, Vec<(&Service, &Mount)>> = HashMap::new();
        for service in &stack.services {
            for mount in service.mounts.iter().filter(|m| !m.read_only) {
                if let Some(volume) = mount.volume() {
                    mounted.entry(volume.as_str()).or_default().push((service, mount));
                }
            }
        }
        for (proxy_service, proxy) in facts::proxies(stack) {
            for volume in proxy.aliased_volumes() {
                if stack.volume(&volume.value).is_none() {
                    continue;
                }
                let writers: Vec<_> = (mounted.get(volume.as_str()).into_iter().flatten())
                    .filter(|(s, _)| s.name.value != proxy_service.name.value)
                    .copied()
                    .collect();
                let finding = if writers.is_empty() {
                    out.push(
                        Self::META
                            .diagnostic(format!("nothing writes the volume `{}` that nginx serves", volume.value))
                            .primary(volume.span, "always empty: every file is a 404")
                            .help(format!(
                                "mount `{}` in the service or job that writes the files; for static files, a job that runs `collectstatic`",
                                volume.value
                            )),
                    );
                    continue;
                } else if writers
                    .iter()
                    .any(|(s, _)| facts::runs_manage_command(s, "collectstatic"))
                    || !writers.iter().any(|(s, m)| over_static_root(stack, s, m))
                {
                    // Refreshed, or written at run time (uploads): not stale.
                    continue;
                } else {
                    let mut finding = Self::META
                        .diagnostic(format!(
                            "the volume `{}` keeps the first build's static files",
                            volume.value
                        ))
                        .primary(volume.span, "served here");
                    for (service, mount) in &writers {
                        finding = finding.secondary(
                            mount.span,
                            format!(
                                "`{}` fills it from its image only while it is empty",
                                service.name.value
                            ),
                        );
                    }
                    finding
                };
                out.push(finding.help(format!(
                    "add a job that runs `python manage.py collectstatic --noinput --clear` with `mount {} at STATIC_ROOT`, and `after` it `done` here",
                    volume.value
                )));
            }
        }
    }
}

/// Whether the mount covers the image's `collectstatic` folder, so the
/// volume's files come from the image.
fn over_static_root(stack: &Stack, service: &Service, mount: &Mount) -> bool {
    stack
        .builder_of(service)
        .and_then(|b| b.build())
        .and_then(|b| b.python()?.collectstatic.as_ref())
        .is_some_and(|root| root.value.trim_end_matches('/') == mount.target.value.trim_end_matches('/'))
}
