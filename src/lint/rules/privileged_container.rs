use serde_json::Value;

use crate::compose_values::{capability_names, compose_bool, security_opt_entries, SecurityOpt};
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{RawCompose, Stack};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags raw compose keys that take the container's confinement away:
    /// `privileged` (in any spelling compose reads as true, such as
    /// `"yes"`), `cap_add` of a capability that reaches the host (in any
    /// case, with or without `CAP_`), a `security_opt` that turns seccomp,
    /// AppArmor, SELinux (`label=disable`, `label=type:spc_t`) or the
    /// masking of `/proc` off or makes the cgroup file system writable, and a `post_start` or `pre_stop` hook
    /// that runs privileged.
    ///
    /// The capabilities, and why each is flagged: `ALL` (every one);
    /// `SYS_ADMIN` (mount, namespaces, cgroups: the usual way out of a
    /// container); `SYS_MODULE` (loads code into the host's kernel);
    /// `SYS_RAWIO` (the host's I/O ports and memory); `SYS_PTRACE` (reads
    /// and injects into other processes); `DAC_READ_SEARCH` (opens any file
    /// of the host by handle, the "shocker" escape); `BPF` and `PERFMON`
    /// (kernel programs and kernel memory); `MAC_ADMIN` and `MAC_OVERRIDE`
    /// (change or bypass AppArmor and SELinux); `SYS_BOOT` (boots another
    /// kernel); `SYS_TIME` (the host's clock, which is not namespaced);
    /// `SYSLOG` (the host's kernel log, which gives its memory layout
    /// away); `AUDIT_CONTROL` (the host's audit rules); `SYS_PACCT` (the
    /// host's process accounting); `NET_ADMIN` (netfilter and routing,
    /// kernel code with a history of privilege escalations).
    ///
    /// `NET_ADMIN`, `SYS_RESOURCE` and `LINUX_IMMUTABLE` alone are a
    /// warning: they act on the container itself, and some tools need
    /// them. `NET_ADMIN` works on the container's own network namespace,
    /// which a VPN or DHCP container (WireGuard, Pi-hole) needs; with the
    /// host's network (`network_mode "host"`) it changes the host's
    /// firewall and routes, an error. `SYS_RESOURCE` lifts the limits and
    /// disk quotas set on the container and fills the space a file system
    /// keeps for root; `LINUX_IMMUTABLE` marks files immutable, in a host
    /// folder too, which the host's users then cannot change.
    ///
    /// ## Why is this bad?
    /// A privileged container has every capability and every device of the
    /// host: root in it is root on the host. Each capability above, or a
    /// switched-off profile, removes one of the walls that keep a
    /// compromised process in its container. A web stack needs none of them.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image python:3.12.8-slim
    ///     command "python -m http.server"
    ///     compose privileged = "yes"
    ///     compose cap_add = "[sys_admin]"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Remove the lines; add only a capability a tool really needs and the
    /// host does not share, e.g. `compose cap_add = "[NET_BIND_SERVICE]"`.
    /// stackc also sets `no-new-privileges`, under which the kernel ignores
    /// file capabilities: an image that gives one to a program that runs as
    /// a user (`setcap`, as Pi-hole gives its DNS server `NET_ADMIN` and
    /// `SYS_TIME`) needs `hardening off` for it to have it; the help says so
    /// on every `cap_add`.
    pub struct PrivilegedContainer {
        name: "privileged-container",
        severity: Error,
        summary: "a raw compose key that takes a container's confinement away",
    }
}

/// Capabilities beyond Docker's default set that reach the host, with why.
const HOST_CAPABILITIES: &[(&str, &str)] = &[
    ("ALL", "every capability: root on the host in all but name"),
    (
        "SYS_ADMIN",
        "mount, namespaces and cgroups: the usual way out of a container",
    ),
    ("SYS_MODULE", "loads code into the host's kernel"),
    ("SYS_RAWIO", "the host's I/O ports and memory"),
    ("SYS_PTRACE", "reads and injects code into other processes"),
    (
        "DAC_READ_SEARCH",
        "opens any file of the host by handle (the \"shocker\" escape)",
    ),
    ("BPF", "loads programs into the host's kernel"),
    ("PERFMON", "kernel performance events, which expose kernel memory"),
    ("MAC_ADMIN", "changes the AppArmor or SELinux policy that confines it"),
    (
        "MAC_OVERRIDE",
        "bypasses the AppArmor or SELinux policy that confines it",
    ),
    ("SYS_BOOT", "boots another kernel on the host"),
    ("SYS_TIME", "sets the host's clock, which is not namespaced"),
    (
        "SYSLOG",
        "reads and clears the host's kernel log, which gives its memory layout away",
    ),
    (
        "AUDIT_CONTROL",
        "changes the host's audit rules, which are not namespaced",
    ),
    ("SYS_PACCT", "turns the host's process accounting on and off"),
    (
        "SYS_RESOURCE",
        "lifts the limits and disk quotas set on it, and fills the space a file system keeps for root",
    ),
    (
        "LINUX_IMMUTABLE",
        "marks files it can write immutable, a host folder's too, which the host's users then cannot change",
    ),
    (
        "NET_ADMIN",
        "netfilter and routing: kernel code with a history of privilege escalations",
    ),
];

/// Capabilities that act on the container itself, a warning: some tools
/// need them (a VPN or DHCP server `NET_ADMIN`, a database raising its
/// own limits `SYS_RESOURCE`), a web app none.
const OWN_SCOPE: &[&str] = &["`NET_ADMIN`", "`SYS_RESOURCE`", "`LINUX_IMMUTABLE`"];

/// Of those, the ones that act on the container's own namespace: they
/// reach the host when the container shares the host's (`network_mode
/// "host"`).
const NAMESPACED: &[&str] = &["`NET_ADMIN`"];

impl Rule for PrivilegedContainer {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let host_network = service
                .raw_compose
                .iter()
                .any(|raw| raw.key.as_str() == "network_mode" && raw.value.value.as_str() == Some("host"));
            for raw in &service.raw_compose {
                let taken = unconfined(raw);
                // What reaches the host, named in the label; the help gives
                // every reason, a namespaced capability's too.
                let reaching: Vec<&(String, &str)> = (taken.iter())
                    .filter(|(what, _)| {
                        !OWN_SCOPE.contains(&what.as_str()) || (host_network && NAMESPACED.contains(&what.as_str()))
                    })
                    .collect();
                let only_its_own = reaching.is_empty();
                let (label, help) = match (taken.as_slice(), reaching.as_slice()) {
                    ([], _) => continue,
                    ([(what, why)], _) => (format!("{what}: {why}"), String::new()),
                    (several, reaching) => {
                        let reasons: Vec<String> = several.iter().map(|(what, why)| format!("{what}: {why}")).collect();
                        let label = match reaching {
                            [] => "each acts on the container itself".to_string(),
                            [(what, why)] => format!("{what}: {why}"),
                            reaching => {
                                let names: Vec<&str> = reaching.iter().map(|(what, _)| what.as_str()).collect();
                                format!("{}: each reaches the host", names.join(", "))
                            }
                        };
                        (label, format!(" ({})", reasons.join("; ")))
                    }
                };
                // stackc's `no-new-privileges` keeps a capability from a
                // program that gets it from its file (`setcap`) as a user.
                let file_capabilities = match raw.key.as_str() == "cap_add" && service.hardening_off.is_none() {
                    true => FILE_CAPABILITIES,
                    false => "",
                };
                if only_its_own {
                    let mut finding = Self::META
                        .diagnostic(format!(
                            "`{}` has capabilities beyond Docker's defaults",
                            service.name.value
                        ))
                        .primary(raw.span, label)
                        .help(format!(
                            "keep one only for a tool that needs it (a VPN or DHCP server `NET_ADMIN`); a web app needs none{help}{file_capabilities}"
                        ));
                    finding.severity = Severity::Warning;
                    out.push(finding);
                    continue;
                }
                out.push(
                    Self::META
                        .diagnostic(format!("`{}` runs with the host's privileges", service.name.value))
                        .primary(raw.span, label)
                        .help(format!("{}{help}{file_capabilities}", instead(&raw.key))),
                );
            }
        }
    }
}

/// Where a container keeps capabilities it must have: stackc's
/// `no-new-privileges` makes the kernel ignore file capabilities, which
/// some images give the program that drops to a user (Pi-hole's FTL).
const FILE_CAPABILITIES: &str = ". stackc's `no-new-privileges` also makes the kernel ignore a capability the image \
     gives a program with `setcap` (Pi-hole's FTL, which runs as a user): such an image needs `hardening off`";

/// What the spec says instead of a raw key that takes confinement away.
fn instead(key: &str) -> &'static str {
    match key {
        "privileged" => "leave `privileged` out; add only a capability a tool needs, e.g. `compose cap_add = \"[NET_BIND_SERVICE]\"`",
        "cap_add" => "take these out of `cap_add`: a web stack's containers need none of the host's privileges",
        "security_opt" => "take these out of `security_opt`: Docker's default profiles then confine the container",
        _ => "run the hook without `privileged: true`",
    }
}

/// What a raw key takes away: each capability or option, with why.
fn unconfined(raw: &RawCompose) -> Vec<(String, &'static str)> {
    let value = &raw.value.value;
    match raw.key.as_str() {
        "privileged" if value == &Value::Bool(true) => {
            vec![("`privileged`".to_string(), "every capability and device of the host")]
        }
        "cap_add" => capability_names(value)
            .into_iter()
            .filter_map(|cap| HOST_CAPABILITIES.iter().find(|(c, _)| *c == cap))
            .map(|(cap, why)| (format!("`{cap}`"), *why))
            .collect(),
        "security_opt" => security_opt_entries(value)
            .into_iter()
            .filter_map(|opt| {
                let why = match &opt {
                    SecurityOpt::Seccomp(p) if p == "unconfined" => "every system call of the host's kernel",
                    SecurityOpt::AppArmor(p) if p == "unconfined" => "no AppArmor profile confines it",
                    SecurityOpt::Label(l) if l == "disable" => "no SELinux label confines it",
                    SecurityOpt::Label(l) if l == "type:spc_t" || l == "type:unconfined_t" => {
                        "an SELinux type that no policy confines"
                    }
                    SecurityOpt::SystemPaths(p) if p == "unconfined" => {
                        "`/proc` and `/sys` unmasked, the host's kernel settings with them"
                    }
                    SecurityOpt::WritableCgroups(true) => "a writable cgroup file system, a known way out",
                    _ => return None,
                };
                Some((format!("`{opt}`"), why))
            })
            .collect(),
        "post_start" | "pre_stop" => {
            let hooks = value.as_array().map(Vec::as_slice).unwrap_or_default();
            let privileged = hooks.iter().any(|hook| match hook.get("privileged") {
                Some(Value::Bool(b)) => *b,
                Some(Value::String(s)) => compose_bool(s) == Some(true),
                _ => false,
            });
            if privileged {
                vec![(
                    "a privileged hook".to_string(),
                    "runs with every capability of the host",
                )]
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}
