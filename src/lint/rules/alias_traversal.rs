use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a raw `nginx "alias PATH/"` directive in a location whose
    /// path does not end with `/`. (stackc's own `alias VOLUME` refuses
    /// such a location outright.)
    ///
    /// ## Why is this bad?
    /// nginx replaces the matched prefix with the alias: `location /static`
    /// with `alias /srv/static/` turns `/static../app/settings.py` into
    /// `/srv/static/../app/settings.py`, the folder above the alias (gixy's
    /// alias traversal).
    ///
    /// ## Example
    /// ```text
    ///     location /media {
    ///         nginx "alias /srv/media/"
    ///         return 404
    ///     }
    /// ```
    ///
    /// ## Use instead
    /// End the location with `/`, or serve a volume with `alias VOLUME`:
    /// ```text
    ///     location /media/ {
    ///         alias media
    ///     }
    /// ```
    pub struct AliasTraversal {
        name: "alias-traversal",
        severity: Error,
        summary: "a raw `alias` under a location without a trailing `/` serves the folder above",
    }
}

impl Rule for AliasTraversal {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            for location in proxy.locations().filter(|l| !l.path.value.ends_with('/')) {
                for directive in &location.settings.raw {
                    let mut words = directive.value.split_whitespace();
                    if words.next() != Some("alias")
                        || !words.next().is_some_and(|p| p.trim_end_matches(';').ends_with('/'))
                    {
                        continue;
                    }
                    out.push(
                        Self::META
                            .diagnostic(format!("`{}` serves the folder above its alias", service.name.value))
                            .primary(
                                location.path.span,
                                format!("`{0}../` reaches above the alias", location.path.value),
                            )
                            .secondary(directive.span, "the alias ends with `/`")
                            .help(format!("write `location {}/`", location.path.value)),
                    );
                }
            }
        }
    }
}
