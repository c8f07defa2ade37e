use crate::diagnostic::Diagnostic;
use crate::ir::{Service, Stack};
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `ALLOWED_HOSTS` (or `DJANGO_ALLOWED_HOSTS`) set to `*`.
    ///
    /// ## Why is this bad?
    /// `ALLOWED_HOSTS` is Django's defence against Host-header attacks:
    /// password-reset mails and absolute URLs are built from the Host the
    /// client sent. With `*`, a forged Host ends up in links Django sends
    /// to your users.
    ///
    /// ## Example
    /// ```text
    ///     env {
    ///         ALLOWED_HOSTS = "*"
    ///     }
    /// ```
    ///
    /// ## Use instead
    /// The names nginx serves (its `server_name`):
    /// ```text
    ///     env {
    ///         ALLOWED_HOSTS = "shop.example.com"
    ///     }
    /// ```
    pub struct AllowedHostsWildcard {
        name: "allowed-hosts-wildcard",
        severity: Warning,
        summary: "`ALLOWED_HOSTS = \"*\"` accepts forged Host headers",
    }
}

impl Rule for AllowedHostsWildcard {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some((var, hosts)) = facts::allowed_hosts(service) else {
                continue;
            };
            if !hosts.contains(&"*") {
                continue;
            }
            let mut forwarders: Vec<&Service> =
                stack.upstream_servers_of(&service.name.value).map(|(p, _)| p).collect();
            forwarders.dedup_by(|a, b| std::ptr::eq(*a, *b));
            let names: Vec<&str> = forwarders
                .into_iter()
                .filter_map(Service::proxy)
                .flat_map(|proxy| facts::server_names(proxy).map(|n| n.as_str()))
                .filter(|n| *n != "_")
                .collect();
            let instead = if names.is_empty() {
                "your domain names".to_string()
            } else {
                format!("`{}`", names.join(","))
            };
            out.push(
                Self::META
                    .diagnostic(format!("`{}` accepts any Host header", service.name.value))
                    .primary(var.value.span, "`*` turns off Django's Host check")
                    .help(format!("list the names clients use: {instead}")),
            );
        }
    }
}
