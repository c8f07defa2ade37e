//! Raw `compose KEY = VALUE` values read the way compose and Docker read
//! them, so that lint rules see what the container gets: `"yes"` and
//! `True` are `true`, `sys_admin` and `CAP_SYS_ADMIN` are `SYS_ADMIN`,
//! `seccomp:unconfined` is `seccomp=unconfined`. A value compose or Docker
//! would refuse is reported instead.
//!
//! Architecture invariant: lowering calls [`read`] on every raw value, and
//! the IR keeps what it returns; the compose emitter writes that canonical
//! form, which means the same to Docker as what the spec wrote.

use serde_json::Value;

/// How compose reads one key's value; keys not listed are passed on as
/// written.
#[derive(Clone, Copy)]
enum Shape {
    /// A boolean, or a string compose casts to one (`yes`, `on`, `y`,
    /// `true` and their opposites, in any case).
    Bool,
    /// A YAML boolean only (compose's schema takes no string here).
    StrictBool,
    Str,
    /// A string, or null for "not set".
    StrOrNull,
    /// One of these strings, as Docker accepts it (case counts).
    Mode(&'static [&'static str]),
    /// Linux capabilities, in any case, with or without `CAP_`.
    Capabilities,
    /// `security_opt` entries, split as the Docker daemon splits them.
    SecurityOpts,
    /// A list of strings, each once.
    Strings,
}

const SHAPES: &[(&str, Shape)] = &[
    ("attach", Shape::Bool),
    ("cap_add", Shape::Capabilities),
    ("cap_drop", Shape::Capabilities),
    ("cgroup", Shape::Mode(&["host", "private"])),
    ("cgroup_parent", Shape::Str),
    ("cpuset", Shape::Str),
    ("device_cgroup_rules", Shape::Strings),
    ("dns_opt", Shape::Strings),
    ("domainname", Shape::Str),
    ("external_links", Shape::Strings),
    ("init", Shape::Bool),
    ("ipc", Shape::Str),
    ("isolation", Shape::Str),
    ("links", Shape::Strings),
    ("mac_address", Shape::Str),
    ("network_mode", Shape::Str),
    ("oom_kill_disable", Shape::Bool),
    ("pid", Shape::StrOrNull),
    ("platform", Shape::Str),
    ("privileged", Shape::Bool),
    ("profiles", Shape::Strings),
    ("read_only", Shape::Bool),
    ("runtime", Shape::Str),
    ("security_opt", Shape::SecurityOpts),
    ("stdin_open", Shape::Bool),
    ("tty", Shape::Bool),
    ("use_api_socket", Shape::StrictBool),
    ("userns_mode", Shape::Mode(&["host"])),
    ("uts", Shape::Mode(&["host"])),
    ("volumes_from", Shape::Strings),
];

/// Why compose or Docker would refuse a raw value, for a diagnostic on it.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub label: String,
    pub help: &'static str,
}

/// The value as Docker will read it, or why compose or Docker would
/// refuse it.
pub fn read(key: &str, value: Value) -> Result<Value, Refusal> {
    let Some((_, shape)) = SHAPES.iter().find(|(k, _)| *k == key) else {
        return Ok(value);
    };
    let help = match shape {
        Shape::Bool | Shape::StrictBool => "write `true` or `false`",
        Shape::Str | Shape::StrOrNull => "write a string; quote digits as YAML does: `\"'9'\"`",
        Shape::Mode(_) => "write one of the values Docker accepts, in lowercase",
        Shape::Capabilities => "write capability names (`man 7 capabilities`), e.g. `\"[NET_BIND_SERVICE]\"`",
        Shape::SecurityOpts => "write `KEY=VALUE` options, e.g. `\"[apparmor=my-profile]\"`",
        Shape::Strings => "write a list of strings, e.g. `\"[a, b]\"`",
    };
    let refuse = |label: String| Refusal { label, help };
    match (*shape, value) {
        (Shape::Bool, Value::Bool(b)) => Ok(Value::Bool(b)),
        (Shape::Bool, Value::String(s)) => compose_bool(&s)
            .map(Value::Bool)
            .ok_or_else(|| refuse(format!("compose reads `{s}` as no boolean"))),
        (Shape::StrictBool, Value::Bool(b)) => Ok(Value::Bool(b)),
        (Shape::Bool | Shape::StrictBool, _) => Err(refuse("expected `true` or `false`".to_string())),
        (Shape::Str | Shape::StrOrNull, Value::String(s)) => Ok(Value::String(s)),
        (Shape::StrOrNull, Value::Null) => Ok(Value::Null),
        (Shape::Str | Shape::StrOrNull, _) => Err(refuse("expected a string".to_string())),
        (Shape::Mode(modes), Value::String(s)) if modes.contains(&s.as_str()) => Ok(Value::String(s)),
        (Shape::Mode(modes), _) => Err(refuse(format!("Docker accepts {}", quoted_list(modes)))),
        (Shape::Capabilities, value) => capabilities(value).map_err(refuse),
        (Shape::SecurityOpts, value) => {
            let opts = security_opts(value).map_err(refuse)?;
            if opts.iter().any(|o| matches!(o, SecurityOpt::NoNewPrivileges(_))) {
                return Err(Refusal {
                    label: "stackc sets `no-new-privileges` itself".to_string(),
                    help: "remove it; `hardening off` turns stackc's hardening off for this container",
                });
            }
            Ok(Value::Array(
                opts.iter().map(|o| Value::String(o.to_string())).collect(),
            ))
        }
        (Shape::Strings, value) => strings(value)
            .map(|items| Value::Array(items.into_iter().map(Value::String).collect()))
            .map_err(refuse),
    }
}

/// Compose's cast of a string to a boolean (compose-go's `toBoolean`).
pub fn compose_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "on" => Some(true),
        "n" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseBool`, which the Docker daemon reads
/// `no-new-privileges=VALUE` with.
fn go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A list of strings; compose's schema refuses anything else in a list
/// key, and keeps each string once.
fn strings(value: Value) -> Result<Vec<String>, String> {
    let Value::Array(items) = value else {
        return Err("expected a list such as `[a, b]`".to_string());
    };
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let Value::String(text) = item else {
            return Err(format!("expected strings in the list, found `{item}`"));
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Ok(out)
}

/// Every capability Docker knows, without `CAP_` (Linux's list up to 6.x).
pub const CAPABILITIES: &[&str] = &[
    "AUDIT_CONTROL",
    "AUDIT_READ",
    "AUDIT_WRITE",
    "BLOCK_SUSPEND",
    "BPF",
    "CHECKPOINT_RESTORE",
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "IPC_LOCK",
    "IPC_OWNER",
    "KILL",
    "LEASE",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "MKNOD",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_RAW",
    "PERFMON",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYSLOG",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_CHROOT",
    "SYS_MODULE",
    "SYS_NICE",
    "SYS_PACCT",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "WAKE_ALARM",
];

/// Docker's reading of a capability list: any case, `CAP_` optional,
/// `ALL` for every one; written back uppercase without the prefix.
fn capabilities(value: Value) -> Result<Value, String> {
    let mut out: Vec<Value> = Vec::new();
    for cap in strings(value)? {
        let upper = cap.to_ascii_uppercase();
        // `ALL` is taken whole; `CAP_ALL` is no capability to Docker.
        let name = if upper == "ALL" {
            upper.as_str()
        } else {
            upper.strip_prefix("CAP_").unwrap_or(&upper)
        };
        let name = name.to_string();
        if name != "ALL" && !CAPABILITIES.contains(&name.as_str()) || upper == "CAP_ALL" {
            return Err(format!("Docker knows no capability `{cap}`"));
        }
        let name = Value::String(name);
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(Value::Array(out))
}

/// One `security_opt` entry as the Docker daemon reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecurityOpt {
    /// `no-new-privileges[=BOOL]`.
    NoNewPrivileges(bool),
    /// `seccomp=PROFILE`: `unconfined` turns the syscall filter off.
    Seccomp(String),
    /// `apparmor=PROFILE`: `unconfined` turns AppArmor off.
    AppArmor(String),
    /// `label=...` (SELinux); `disable` turns labelling off.
    Label(String),
    /// `writable-cgroups[=BOOL]`.
    WritableCgroups(bool),
    /// `systempaths=unconfined`: /proc and /sys unmasked (compose reads it).
    SystemPaths(String),
}

impl SecurityOpt {
    /// Splits an entry as the daemon does: the bare forms whole, else at
    /// the first `=`, else at the first `:` (the deprecated separator).
    pub fn parse(entry: &str) -> Result<SecurityOpt, String> {
        let (key, value) = match entry {
            "no-new-privileges" | "writable-cgroups" => (entry, "true"),
            "disable" => ("label", "disable"),
            _ => entry
                .split_once('=')
                .or_else(|| entry.split_once(':'))
                .ok_or_else(|| format!("Docker refuses `{entry}`: write `KEY=VALUE`"))?,
        };
        let boolean = || go_bool(value).ok_or_else(|| format!("Docker reads `{value}` as no boolean"));
        Ok(match key {
            "no-new-privileges" => SecurityOpt::NoNewPrivileges(boolean()?),
            "writable-cgroups" => SecurityOpt::WritableCgroups(boolean()?),
            "seccomp" => SecurityOpt::Seccomp(value.to_string()),
            "apparmor" => SecurityOpt::AppArmor(value.to_string()),
            "label" => SecurityOpt::Label(value.to_string()),
            "systempaths" => SecurityOpt::SystemPaths(value.to_string()),
            _ => {
                return Err(format!(
                    "Docker knows no security option `{key}`: it takes `seccomp`, `apparmor`, `label`, `no-new-privileges`, `writable-cgroups` and `systempaths`"
                ))
            }
        })
    }
}

impl std::fmt::Display for SecurityOpt {
    /// The `KEY=VALUE` form, which the daemon reads without a deprecation
    /// warning.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecurityOpt::NoNewPrivileges(on) => write!(f, "no-new-privileges={on}"),
            SecurityOpt::WritableCgroups(on) => write!(f, "writable-cgroups={on}"),
            SecurityOpt::Seccomp(profile) => write!(f, "seccomp={profile}"),
            SecurityOpt::AppArmor(profile) => write!(f, "apparmor={profile}"),
            SecurityOpt::Label(label) => write!(f, "label={label}"),
            SecurityOpt::SystemPaths(paths) => write!(f, "systempaths={paths}"),
        }
    }
}

fn security_opts(value: Value) -> Result<Vec<SecurityOpt>, String> {
    let mut out: Vec<SecurityOpt> = Vec::new();
    for entry in strings(value)? {
        let opt = SecurityOpt::parse(&entry)?;
        if !out.contains(&opt) {
            out.push(opt);
        }
    }
    Ok(out)
}

/// The entries of a canonical `security_opt` value (what [`read`] returned).
pub fn security_opt_entries(value: &Value) -> Vec<SecurityOpt> {
    let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
    items
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|entry| SecurityOpt::parse(entry).ok())
        .collect()
}

/// The capability names of a canonical `cap_add` or `cap_drop` value.
pub fn capability_names(value: &Value) -> Vec<&str> {
    let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
    items.iter().filter_map(Value::as_str).collect()
}

/// The host paths of a `devices` value: `HOST[:CONTAINER[:PERMISSIONS]]`
/// strings and `{source: HOST, ...}` maps.
pub fn device_sources(value: &Value) -> Vec<&str> {
    let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
    items
        .iter()
        .filter_map(|device| match device {
            Value::String(text) => text.split(':').next(),
            Value::Object(map) => map.get("source").and_then(Value::as_str),
            _ => None,
        })
        .collect()
}

fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [one] => format!("only {one}"),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn booleans_are_read_as_compose_casts_them() {
        for yes in ["yes", "Yes", "TRUE", "True", "on", "y"] {
            assert_eq!(read("privileged", json!(yes)), Ok(json!(true)), "{yes}");
        }
        for no in ["no", "OFF", "false", "n"] {
            assert_eq!(read("read_only", json!(no)), Ok(json!(false)), "{no}");
        }
        for refused in [json!("1"), json!("t"), json!(1), json!(null), json!([true])] {
            assert!(read("tty", refused.clone()).is_err(), "{refused}");
        }
        assert!(read("use_api_socket", json!("true")).is_err());
        assert_eq!(read("use_api_socket", json!(true)), Ok(json!(true)));
    }

    #[test]
    fn capabilities_are_read_in_any_case_with_or_without_the_prefix() {
        let read_caps = read("cap_add", json!(["sys_admin", "CAP_NET_ADMIN", "Cap_Sys_Admin", "all"]));
        assert_eq!(read_caps, Ok(json!(["SYS_ADMIN", "NET_ADMIN", "ALL"])));
        assert!(read("cap_add", json!(["SYS_EVERYTHING"])).is_err());
        assert!(read("cap_add", json!(["CAP_ALL"])).is_err());
        assert!(read("cap_drop", json!("ALL")).is_err());
    }

    #[test]
    fn security_options_are_split_as_the_daemon_splits_them() {
        assert_eq!(
            read(
                "security_opt",
                json!(["seccomp:unconfined", "label:user:USER", "disable"])
            ),
            Ok(json!(["seccomp=unconfined", "label=user:USER", "label=disable"]))
        );
        assert!(read("security_opt", json!(["no-new-privileges:false"])).is_err());
        assert!(read("security_opt", json!(["sandbox=none"])).is_err());
        assert!(read("security_opt", json!(["nonsense"])).is_err());
        assert_eq!(
            SecurityOpt::parse("no-new-privileges=True"),
            Ok(SecurityOpt::NoNewPrivileges(true))
        );
        assert!(SecurityOpt::parse("writable-cgroups=yes").is_err());
    }

    #[test]
    fn modes_and_strings_are_checked() {
        assert!(read("cgroup", json!("HOST")).is_err());
        assert!(read("uts", json!("private")).is_err());
        assert_eq!(read("pid", json!(null)), Ok(json!(null)));
        assert!(read("runtime", json!(9)).is_err());
        assert_eq!(
            read("logging", json!({"driver": "local"})),
            Ok(json!({"driver": "local"}))
        );
    }

    #[test]
    fn device_sources_are_the_host_paths() {
        let devices = json!(["/dev/sda:/dev/xvda:rwm", {"source": "/dev/fuse", "target": "/dev/fuse"}]);
        assert_eq!(device_sources(&devices), ["/dev/sda", "/dev/fuse"]);
    }
}
