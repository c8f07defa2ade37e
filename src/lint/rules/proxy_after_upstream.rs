use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Edit};
use crate::ir::Stack;
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a proxy that does not wait (`after`) for a service its
    /// upstreams point at.
    ///
    /// ## Why is this bad?
    /// nginx resolves upstream host names once, when it starts. Started
    /// before the app's container exists, it exits with "host not found in
    /// upstream"; started before the app is ready, it answers 502 until it
    /// is.
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
    /// ```text
    /// proxy nginx {
    ///     upstream app { server web:8000 }
    ///     location / { proxy_pass app }
    ///     after web ready
    /// }
    /// ```
    pub struct ProxyAfterUpstream {
        name: "proxy-after-upstream",
        severity: Warning,
        summary: "a proxy that does not wait for the services it forwards to",
        fixable: true,
    }
}

impl Rule for ProxyAfterUpstream {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            // Each service once, and none the proxy waits for already.
            let mut skip: HashSet<&str> = service.after.iter().map(|d| d.target.as_str()).collect();
            for server in proxy.upstream_servers() {
                let name = server.service.as_str();
                let Some(target) = stack.service(name) else { continue };
                if !skip.insert(name) {
                    continue;
                }
                let condition = if stack.has_readiness(target) {
                    "ready"
                } else {
                    "started"
                };
                let finding = Self::META
                    .diagnostic(format!("`{}` may start before `{name}`", service.name.value))
                    .primary(server.service.span, "forwards here")
                    .help(format!("add `after {name} {condition}` to `{}`", service.name.value));
                // An `after` line is extended; without one, a line goes
                // before the block's closing brace.
                let edit = match service.after.last() {
                    Some(last) => Edit::insert(last.span.end(), format!(", {name} {condition}")),
                    None => Edit::insert(service.span.end() - 1, format!("    after {name} {condition}\n")),
                };
                out.push(finding.fix(format!("wait for `{name}`"), vec![edit]));
            }
        }
    }
}
