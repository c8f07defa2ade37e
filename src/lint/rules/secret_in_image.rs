use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::secrets::{self, Finding};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a secret in a raw `dockerfile` line of a `build` block: an
    /// `ENV`, `ARG` or `LABEL` named for a secret (`ENV SECRET_KEY=...`,
    /// `ARG NPM_TOKEN=...`) with a literal value, and a URL with a password
    /// or a well-known token anywhere in the line (`RUN pip install
    /// git+https://user:TOKEN@github.com/...`). Also a proxy's nginx.conf,
    /// which is copied into its image: a `proxy_set_header` with an
    /// `Authorization` header's credentials or a secret-named header's
    /// value, and a raw `nginx` directive with a URL password or a token.
    ///
    /// ## Why is this bad?
    /// Every instruction is a layer of the image: whoever can pull the
    /// image reads it with `docker history` or by unpacking the layer,
    /// even when a later instruction overwrites the variable. The line is
    /// also in the spec, which is committed.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         dockerfile "ENV SECRET_KEY=django-insecure-k3y"
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Hand the secret to the running container, never to the image:
    /// ```text
    /// secret django_secret_key file "secrets/django_secret_key.txt"
    ///
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    ///     secret SECRET_KEY = django_secret_key
    /// }
    /// ```
    pub struct SecretInImage {
        name: "secret-in-image",
        severity: Error,
        summary: "a password or token written into an image layer",
    }
}

impl Rule for SecretInImage {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            let headers = facts::request_headers(proxy)
                .into_iter()
                .filter_map(|header| secrets::header_secret(header.name, header.value).map(|what| (header.span, what)));
            let settings = proxy
                .servers
                .iter()
                .flat_map(|s| std::iter::once(&s.settings).chain(s.locations.iter().map(|l| &l.settings)));
            let raw = settings.flat_map(|s| &s.raw).filter_map(|directive| {
                secrets::leak_in(&directive.text.value).map(|what| (directive.text.span, what))
            });
            for (span, what) in headers.chain(raw) {
                out.push(
                    Self::META
                        .diagnostic(format!("the image of `{}` has a secret in its nginx.conf", service.name.value))
                        .primary(span, format!("{what}, copied into the proxy's image"))
                        .help("nginx.conf is part of the proxy's image: keep upstream credentials out of it, and let the upstream trust requests from the proxy's network instead"),
                );
            }
        }
        for service in &stack.services {
            let Some(python) = service.build().and_then(|b| b.python()) else {
                continue;
            };
            for line in &python.dockerfile {
                let found = secrets::dockerfile_values(&line.value)
                    .into_iter()
                    .find_map(|(name, value)| match secrets::classify(name.as_deref(), &value) {
                        Some(Finding::Certain(what)) => Some((name, what)),
                        _ => None,
                    });
                let Some((name, what)) = found else { continue };
                let help = match name {
                    Some(variable) => {
                        let secret = variable.to_ascii_lowercase();
                        format!(
                            "hand it to the running container instead: `secret {secret} file \"secrets/{secret}.txt\"`, then `secret {variable} = {secret}` in the service (the app reads the path from `{variable}_FILE`)"
                        )
                    }
                    None => "a credential a build step uses stays in its layer: install from a source the build reaches without one, or put what it fetches into the build context".to_string(),
                };
                out.push(
                    Self::META
                        .diagnostic(format!("the image of `{}` has a secret in a layer", service.name.value))
                        .primary(line.span, format!("{what}, readable by anyone who pulls the image"))
                        .help(help),
                );
            }
        }
    }
}
