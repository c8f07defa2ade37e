use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::secrets::{self, Finding};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a secret in a raw `compose` value: a label, a logging option,
    /// an annotation or any other key. In a map, or a `NAME=VALUE` list
    /// item, an entry named for a secret (`db.password`, `splunk-token`)
    /// with a literal value; anywhere, a URL with a password
    /// (`loki-url: https://user:hunter2@logs/...`) or a well-known token.
    /// A raw `entrypoint` is `secret-in-command`'s.
    ///
    /// ## Why is this bad?
    /// Raw values are written into compose.yaml as they are, which is
    /// committed; labels are also shown to anyone who can run `docker
    /// inspect` or list containers.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    ///     compose logging = "{driver: loki, options: {loki-url: 'https://shop:hunter2@logs.example/loki/api/v1/push'}}"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Give the secret to the program that needs it through a file secret,
    /// or configure the logging driver's credentials on the host (the
    /// Docker daemon's configuration), not in the stack.
    pub struct SecretInRawCompose {
        name: "secret-in-raw-compose",
        severity: Error,
        summary: "a password or token in a raw compose value",
    }
}

impl Rule for SecretInRawCompose {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            for raw in service.raw_compose.iter().filter(|r| r.key.value != "entrypoint") {
                let found = secrets::named_strings(&raw.value.value)
                    .into_iter()
                    .find_map(|(name, value)| match secrets::classify(name, value) {
                        Some(Finding::Certain(what)) => Some((name, what)),
                        _ => None,
                    });
                let Some((name, what)) = found else { continue };
                let place = name.map_or(String::new(), |n| format!(" (`{n}`)"));
                out.push(
                    Self::META
                        .diagnostic(format!(
                            "`compose {}` of `{}` has a secret in it",
                            raw.key.value, service.name.value
                        ))
                        .primary(raw.value.span, format!("{what}{place}, written into compose.yaml as is"))
                        .help("keep it in an uncommitted file: `secret NAME file \"secrets/NAME.txt\"`, and give it to the program that needs it with `secret VAR = NAME` (the path is in `VAR_FILE`)"),
                );
            }
        }
    }
}
