use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an app that runs as root: `user root` (or `uid 0`) in a
    /// `build` block, and a raw `compose user = ...` of root or uid 0.
    ///
    /// ## Why is this bad?
    /// A bug in the app, or in any of its dependencies, that lets an
    /// attacker run code gives them root in the container: they can change
    /// the app's own code, read every mounted secret, and are one kernel or
    /// runtime flaw away from the host. The seed stack's Dockerfile has no
    /// `USER` at all, so Gunicorn runs as root.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         user root
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Leave `user` out (stackc creates `app`, uid 10001), or name your own:
    /// ```text
    ///     build ./app {
    ///         user shop uid 10010
    ///     }
    /// ```
    pub struct RunsAsRoot {
        name: "runs-as-root",
        severity: Error,
        summary: "the app runs as root",
    }
}

impl Rule for RunsAsRoot {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let name = &service.name.value;
            if let Some(build) = service
                .build()
                .and_then(|b| b.python())
                .filter(|b| b.user.uid.value == 0)
            {
                out.push(
                    Self::META
                        .diagnostic(format!("`{name}` runs as root"))
                        .primary(build.user.uid.span, "uid 0 is root")
                        .help("remove the `user` line (stackc creates `app`, uid 10001), or `user NAME uid N` with N from 1000 to 60000"),
                );
            }
            for raw in service.raw_compose.iter().filter(|r| r.key.value == "user") {
                let user = match &raw.value.value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let account = user.split(':').next().unwrap_or_default();
                if account != "root" && account != "0" {
                    continue;
                }
                out.push(
                    Self::META
                        .diagnostic(format!("`{name}` runs as root"))
                        .primary(raw.value.span, "compose starts the container as root")
                        .help("remove this line (an image stackc builds runs as its app user), or give a uid from 1000 up: `compose user = \"10001:10001\"`"),
                );
            }
        }
    }
}
