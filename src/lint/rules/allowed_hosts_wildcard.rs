use crate::diagnostic::Diagnostic;
use crate::ir::{Service, Stack};
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `ALLOWED_HOSTS` (or `DJANGO_ALLOWED_HOSTS`) set to `*`, in
    /// `env` or in an env file the service reads. A database, cache or
    /// queue that reads the app's env file is not flagged: the setting is
    /// the app's, and is reported there.
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
        // A database that reads the app's env file (Tandoor's one `.env`
        // for both) serves no HTTP: its `ALLOWED_HOSTS` is the app's.
        for service in stack.services.iter().filter(|s| !facts::is_data_store(s)) {
            let finding = Self::META.diagnostic(format!("`{}` accepts any Host header", service.name.value));
            let finding = match facts::allowed_hosts(service) {
                Some((var, hosts)) => hosts.contains(&"*").then(|| finding.primary(var.value.span, LABEL)),
                None => in_env_file(stack, service, finding),
            };
            let Some(finding) = finding else {
                continue;
            };
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
            out.push(finding.help(format!("list the names clients use: {instead}")));
        }
    }
}

const LABEL: &str = "`*` turns off Django's Host check";

/// `ALLOWED_HOSTS=*` in the env file that decides it (compose reads the
/// files in order, the last one wins): the finding is on the spec's
/// `env_file` line, and shows the file's.
fn in_env_file(stack: &Stack, service: &Service, finding: Diagnostic) -> Option<Diagnostic> {
    service
        .env_file_paths()
        .rev()
        .find_map(|path| {
            let file = stack.inputs.env_file(&path.value)?;
            let entry = ["ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS"]
                .iter()
                .find_map(|n| file.vars.get(n))?;
            let value = entry.value.as_ref()?;
            let wildcard = facts::host_list(&value.value).contains(&"*");
            Some(wildcard.then_some((path.span, entry, file.file, value.span)))
        })?
        .map(|(line, entry, file, value)| {
            finding
                .primary(line, format!("this env file sets `{}`", entry.name.value))
                .secondary_in(file, value, LABEL)
        })
}
