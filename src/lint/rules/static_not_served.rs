use crate::diagnostic::Diagnostic;
use crate::ir::{LocationAction, Stack};
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a proxy that forwards to a Django app under Gunicorn but
    /// serves no static files itself: none of its locations has `alias
    /// VOLUME`. (A Flask or FastAPI app serves its own `/static/`.)
    ///
    /// ## Why is this bad?
    /// With `DEBUG` off, Django serves no static files, and Gunicorn has no
    /// file server: every CSS, JavaScript and admin asset is a 404. The
    /// seed stack runs `collectstatic` in its image and never serves what it
    /// collected.
    ///
    /// ## Example
    /// ```text
    /// proxy nginx {
    ///     upstream app { server web:8000 }
    ///     location / { proxy_pass app }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Collect into a volume and let nginx serve it:
    /// ```text
    /// volume static
    ///
    /// job collectstatic {
    ///     image of web
    ///     run "python manage.py collectstatic --noinput --clear"
    ///     mount static at /app/staticfiles
    /// }
    /// proxy nginx {
    ///     upstream app { server web:8000 }
    ///     location / { proxy_pass app }
    ///     location /static/ { alias static }
    ///     after web ready, collectstatic done
    /// }
    /// ```
    /// If the app serves its files itself (WhiteNoise), allow this rule.
    pub struct StaticNotServed {
        name: "static-not-served",
        severity: Warning,
        summary: "a proxy in front of Django that serves no static files",
    }
}

impl Rule for StaticNotServed {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            if !proxy.aliased_volumes().is_empty() {
                continue;
            }
            let forwarded = proxy.locations().find_map(|location| {
                let LocationAction::ProxyPass(pass) = &location.action else {
                    return None;
                };
                let upstream = proxy.upstream(&pass.upstream.value)?;
                upstream.servers.iter().find_map(|server| {
                    let target = stack.service(&server.service.value)?;
                    let builder = stack.builder_of(target)?;
                    let gunicorn = builder.gunicorn()?;
                    facts::is_django_app(stack, builder, gunicorn).then_some((location, gunicorn))
                })
            });
            let Some((location, gunicorn)) = forwarded else {
                continue;
            };
            out.push(
                Self::META
                    .diagnostic(format!("`{}` forwards requests for static files to Gunicorn", service.name.value))
                    .primary(location.path.span, "`/static/` goes to the app too")
                    .secondary(gunicorn.span, "Gunicorn serves no static files: 404")
                    .help("collect the files into a volume (`collectstatic to PATH` in the build, a `job collectstatic` that mounts it) and add `location /static/ { alias VOLUME }`"),
            );
        }
    }
}
