use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags raw compose keys that take a container's isolation away:
    /// `privileged: true`, `network_mode`, `pid` or `ipc` set to `host`,
    /// and `cap_add` of `ALL` or `SYS_ADMIN`.
    ///
    /// ## Why is this bad?
    /// A privileged container has every capability and every device of the
    /// host: root in it is root on the host. The host's network, process or
    /// IPC namespace lets it reach every local service and signal every
    /// process. A web stack needs none of these.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image python:3.12.8-slim
    ///     command "python -m http.server"
    ///     compose privileged = "true"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Remove the line; add only the one capability a tool really needs,
    /// e.g. `compose cap_add = "[NET_BIND_SERVICE]"`.
    pub struct PrivilegedContainer {
        name: "privileged-container",
        severity: Error,
        summary: "a raw compose key that gives a container the host's privileges",
    }
}

impl Rule for PrivilegedContainer {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            for raw in &service.raw_compose {
                let value = &raw.value.value;
                let is = |s: &str| value.as_str().is_some_and(|v| v.eq_ignore_ascii_case(s));
                let label = match raw.key.as_str() {
                    "privileged" if value.as_bool() == Some(true) || is("true") => {
                        "every capability and device of the host"
                    }
                    "network_mode" if is("host") => "the host's network: every port of the host, loopback included",
                    "pid" if is("host") => "sees and signals every process of the host",
                    "ipc" if is("host") => "the host's shared memory",
                    "cap_add"
                        if value.as_array().is_some_and(|caps| {
                            caps.iter()
                                .any(|c| matches!(c.as_str(), Some("ALL" | "SYS_ADMIN" | "CAP_SYS_ADMIN")))
                        }) =>
                    {
                        "a capability that is nearly root on the host"
                    }
                    _ => continue,
                };
                out.push(
                    Self::META
                        .diagnostic(format!("`{}` runs with the host's privileges", service.name.value))
                        .primary(raw.span, label)
                        .help("remove this line; a web stack's containers need none of the host's privileges"),
                );
            }
        }
    }
}
