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
    /// One of these strings, as Docker accepts it (case counts).
    Mode(&'static [&'static str]),
    /// A namespace: one of these modes (case counts), or another
    /// container's (`container:NAME`, `service:NAME`).
    Namespace(&'static [&'static str]),
    /// A network namespace: as [`Shape::Namespace`], or the name of a
    /// network Docker connects the container to (`my_net`), unless it is
    /// a mode in another case: Docker reads `HOST` as a network's name.
    NetworkMode(&'static [&'static str]),
    /// Linux capabilities, in any case, with or without `CAP_`.
    Capabilities,
    /// `security_opt` entries, split as the Docker daemon splits them.
    SecurityOpts,
    /// A list of strings, each once.
    Strings,
    /// Any of these JSON forms, as compose's schema says (the value is
    /// passed on as written).
    Schema(&'static [Json]),
}

/// A form compose's schema allows for a value.
#[derive(Clone, Copy)]
enum Json {
    String,
    /// An integer from the first number to the second.
    Integer(i64, i64),
    /// Any number.
    Number,
    Boolean,
    /// Any map.
    Object,
    Null,
    /// A list of strings.
    Strings,
    /// A list of strings and numbers.
    StringsOrNumbers,
    /// A list of strings and objects.
    StringsOrObjects,
    /// A list of objects.
    Objects,
    /// This exact string.
    Word(&'static str),
    /// A map of these keys only (and `x-` extensions).
    Fields(&'static Fields),
    /// A map whose keys follow the rule and whose values take these forms.
    Map(Keys, &'static [Json]),
    /// A list whose items take these forms.
    ListOf(&'static [Json]),
}

/// The keys of a map the schema closes, each with its forms.
struct Fields {
    keys: &'static [(&'static str, &'static [Json])],
    required: &'static [&'static str],
}

/// What the keys of an open map may be.
#[derive(Clone, Copy)]
enum Keys {
    Any,
    /// `^[a-z]+$` (ulimits' resource names).
    LowercaseLetters,
}

impl Json {
    /// Whether the value takes this form: `Err(None)` when it is not even
    /// of its kind (a list for a map), `Err(Some(why))` when it is but a
    /// value inside is not, with the path to that value from `path`.
    fn check(self, value: &Value, path: &str) -> Result<(), Option<String>> {
        let all = |each: fn(&Value) -> bool| value.as_array().is_some_and(|items| items.iter().all(each));
        let admitted = match self {
            Json::String => value.is_string(),
            Json::Integer(min, max) => value.as_i64().is_some_and(|n| (min..=max).contains(&n)),
            Json::Number => value.is_number(),
            Json::Boolean => value.is_boolean(),
            Json::Object => value.is_object(),
            Json::Null => value.is_null(),
            Json::Strings => all(Value::is_string),
            Json::StringsOrNumbers => all(|v| v.is_string() || v.is_number()),
            Json::StringsOrObjects => all(|v| v.is_string() || v.is_object()),
            Json::Objects => all(Value::is_object),
            Json::Word(word) => value.as_str() == Some(word),
            Json::Fields(fields) => return fields.check(value, path),
            Json::Map(keys, forms) => {
                let Some(map) = value.as_object() else {
                    return Err(None);
                };
                for (key, inner) in map {
                    let at = nested(path, key);
                    if matches!(keys, Keys::LowercaseLetters) && !key.chars().all(|c| c.is_ascii_lowercase()) {
                        return Err(Some(format!(
                            "`{at}`: compose takes lowercase letters only as a key here"
                        )));
                    }
                    check_forms(forms, inner, &at).map_err(Some)?;
                }
                true
            }
            Json::ListOf(forms) => {
                let Some(items) = value.as_array() else {
                    return Err(None);
                };
                for (index, item) in items.iter().enumerate() {
                    check_forms(forms, item, &format!("{path}[{index}]")).map_err(Some)?;
                }
                true
            }
        };
        admitted.then_some(()).ok_or(None)
    }

    fn describe(self) -> String {
        match self {
            Json::String => "a string".to_string(),
            Json::Integer(i64::MIN, i64::MAX) => "an integer".to_string(),
            Json::Integer(min, i64::MAX) => format!("an integer from {min}"),
            Json::Integer(min, max) => format!("an integer from {min} to {max}"),
            Json::Number => "a number".to_string(),
            Json::Boolean => "a boolean".to_string(),
            Json::Object | Json::Map(..) => "a map".to_string(),
            Json::Fields(fields) => format!(
                "a map of {}",
                fields
                    .keys
                    .iter()
                    .map(|(k, _)| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Json::Null => "nothing (null)".to_string(),
            Json::Strings => "a list of strings".to_string(),
            Json::StringsOrNumbers => "a list of strings and numbers".to_string(),
            Json::StringsOrObjects => "a list of strings and maps".to_string(),
            Json::Objects => "a list of maps".to_string(),
            Json::ListOf(_) => "a list".to_string(),
            Json::Word(word) => format!("`{word}`"),
        }
    }
}

impl Fields {
    fn check(&self, value: &Value, path: &str) -> Result<(), Option<String>> {
        let Some(map) = value.as_object() else {
            return Err(None);
        };
        for (key, inner) in map {
            let at = nested(path, key);
            if key.starts_with("x-") {
                continue;
            }
            let Some((_, forms)) = self.keys.iter().find(|(k, _)| k == key) else {
                let known: Vec<String> = self.keys.iter().map(|(k, _)| format!("`{k}`")).collect();
                return Err(Some(format!("`{at}`: compose knows only {} here", known.join(", "))));
            };
            check_forms(forms, inner, &at).map_err(Some)?;
        }
        match self.required.iter().find(|k| !map.contains_key(**k)) {
            Some(missing) => Err(Some(format!("`{path}`: compose needs `{missing}` here too"))),
            None => Ok(()),
        }
    }
}

/// The first of `forms` the value takes, or why none does: what is wrong
/// deepest inside, when the value is of a form's kind.
fn check_forms(forms: &[Json], value: &Value, path: &str) -> Result<(), String> {
    let mut inside = None;
    for form in forms {
        match form.check(value, path) {
            Ok(()) => return Ok(()),
            Err(Some(why)) => inside = inside.or(Some(why)),
            Err(None) => {}
        }
    }
    Err(inside.unwrap_or_else(|| {
        let forms: Vec<String> = forms.iter().map(|f| f.describe()).collect();
        // The key itself (`logging`) is the spec's line: only a value
        // inside it (`logging.options`) is named.
        let at = match path.contains(['.', '[']) {
            true => format!("`{path}`: "),
            false => String::new(),
        };
        format!("{at}compose takes {} here", forms.join(" or "))
    }))
}

/// `logging.options` from `logging` and `options`.
fn nested(path: &str, key: &str) -> String {
    match path {
        "" => key.to_string(),
        _ => format!("{path}.{key}"),
    }
}

const ANY_INTEGER: Json = Json::Integer(i64::MIN, i64::MAX);
/// `cpu_shares` and the like: a number, or a string compose converts.
const NUMBER: &[Json] = &[Json::Number, Json::String];
const STRING_OR_LIST: &[Json] = &[Json::String, Json::Strings];
const INTEGER_OR_STRING: &[Json] = &[ANY_INTEGER, Json::String];
/// compose-spec's `list_or_dict`: a map of plain values, or a list of strings.
const LIST_OR_DICT: &[Json] = &[
    Json::Map(Keys::Any, &[Json::String, Json::Number, Json::Boolean, Json::Null]),
    Json::Strings,
];

/// `logging`: a driver and its options.
const LOGGING: Fields = Fields {
    keys: &[
        ("driver", &[Json::String]),
        (
            "options",
            &[Json::Map(Keys::Any, &[Json::String, Json::Number, Json::Null])],
        ),
    ],
    required: &[],
};

/// `ulimits`: a limit per resource, or its soft and hard limits (both).
const ULIMITS: Json = Json::Map(
    Keys::LowercaseLetters,
    &[
        ANY_INTEGER,
        Json::String,
        Json::Fields(&Fields {
            keys: &[("hard", INTEGER_OR_STRING), ("soft", INTEGER_OR_STRING)],
            required: &["soft", "hard"],
        }),
    ],
);

/// `blkio_config.device_*`: a device's path and rate.
const BLKIO_LIMITS: &[Json] = &[Json::ListOf(&[Json::Fields(&Fields {
    keys: &[("path", &[Json::String]), ("rate", INTEGER_OR_STRING)],
    required: &[],
})])];

const BLKIO_CONFIG: Fields = Fields {
    keys: &[
        ("device_read_bps", BLKIO_LIMITS),
        ("device_read_iops", BLKIO_LIMITS),
        ("device_write_bps", BLKIO_LIMITS),
        ("device_write_iops", BLKIO_LIMITS),
        ("weight", INTEGER_OR_STRING),
        (
            "weight_device",
            &[Json::ListOf(&[Json::Fields(&Fields {
                keys: &[("path", &[Json::String]), ("weight", INTEGER_OR_STRING)],
                required: &[],
            })])],
        ),
    ],
    required: &[],
};

const CREDENTIAL_SPEC: Fields = Fields {
    keys: &[
        ("config", &[Json::String]),
        ("file", &[Json::String]),
        ("registry", &[Json::String]),
    ],
    required: &[],
};

/// `extra_hosts`: host to address (or addresses), or `host:address` strings.
const EXTRA_HOSTS: &[Json] = &[Json::Map(Keys::Any, &[Json::String, Json::Strings]), Json::Strings];

/// The host names an `extra_hosts` value gives addresses: a map's keys, or
/// each `host:address` (`host=address`) string's host.
pub fn extra_host_names(value: &Value) -> Vec<&str> {
    match value {
        Value::Object(map) => map.keys().map(String::as_str).collect(),
        Value::Array(items) => (items.iter())
            .filter_map(Value::as_str)
            .filter_map(|entry| entry.split_once([':', '=']).map(|(host, _)| host.trim()))
            .collect(),
        _ => Vec::new(),
    }
}

/// The keys a raw `compose` statement may set, by what compose's schema
/// (compose-spec's `compose-spec.json`) allows.
const SHAPES: &[(&str, Shape)] = &[
    ("annotations", Shape::Schema(LIST_OR_DICT)),
    ("attach", Shape::Bool),
    ("blkio_config", Shape::Schema(&[Json::Fields(&BLKIO_CONFIG)])),
    ("cap_add", Shape::Capabilities),
    ("cap_drop", Shape::Capabilities),
    ("cgroup", Shape::Mode(&["host", "private"])),
    ("cgroup_parent", Shape::Str),
    ("cpu_count", Shape::Schema(&[Json::String, Json::Integer(0, i64::MAX)])),
    ("cpu_percent", Shape::Schema(&[Json::String, Json::Integer(0, 100)])),
    ("cpu_period", Shape::Schema(NUMBER)),
    ("cpu_quota", Shape::Schema(NUMBER)),
    ("cpu_rt_period", Shape::Schema(NUMBER)),
    ("cpu_rt_runtime", Shape::Schema(NUMBER)),
    ("cpu_shares", Shape::Schema(NUMBER)),
    ("cpuset", Shape::Str),
    ("credential_spec", Shape::Schema(&[Json::Fields(&CREDENTIAL_SPEC)])),
    ("develop", Shape::Schema(&[Json::Object, Json::Null])),
    ("device_cgroup_rules", Shape::Strings),
    ("devices", Shape::Schema(&[Json::StringsOrObjects])),
    ("dns", Shape::Schema(STRING_OR_LIST)),
    ("dns_opt", Shape::Strings),
    ("dns_search", Shape::Schema(STRING_OR_LIST)),
    ("domainname", Shape::Str),
    ("external_links", Shape::Strings),
    ("extra_hosts", Shape::Schema(EXTRA_HOSTS)),
    ("gpus", Shape::Schema(&[Json::Word("all"), Json::Objects])),
    ("group_add", Shape::Schema(&[Json::StringsOrNumbers])),
    ("init", Shape::Bool),
    ("ipc", Shape::Namespace(&["host", "none", "private", "shareable"])),
    ("isolation", Shape::Str),
    ("label_file", Shape::Schema(STRING_OR_LIST)),
    ("links", Shape::Strings),
    ("logging", Shape::Schema(&[Json::Fields(&LOGGING)])),
    ("mac_address", Shape::Str),
    ("mem_reservation", Shape::Schema(&[Json::String, ANY_INTEGER])),
    ("mem_swappiness", Shape::Schema(&[ANY_INTEGER, Json::String])),
    ("memswap_limit", Shape::Schema(NUMBER)),
    (
        "network_mode",
        Shape::NetworkMode(&["bridge", "default", "host", "none"]),
    ),
    ("oom_kill_disable", Shape::Bool),
    (
        "oom_score_adj",
        Shape::Schema(&[Json::String, Json::Integer(-1000, 1000)]),
    ),
    ("pid", Shape::Namespace(&["host"])),
    ("platform", Shape::Str),
    ("post_start", Shape::Schema(&[Json::Objects])),
    ("pre_stop", Shape::Schema(&[Json::Objects])),
    ("privileged", Shape::Bool),
    ("profiles", Shape::Strings),
    ("provider", Shape::Schema(&[Json::Object])),
    ("pull_refresh_after", Shape::Str),
    ("read_only", Shape::Bool),
    ("runtime", Shape::Str),
    ("security_opt", Shape::SecurityOpts),
    ("stdin_open", Shape::Bool),
    ("storage_opt", Shape::Schema(&[Json::Object])),
    ("sysctls", Shape::Schema(LIST_OR_DICT)),
    ("tmpfs", Shape::Schema(STRING_OR_LIST)),
    ("tty", Shape::Bool),
    ("ulimits", Shape::Schema(&[ULIMITS])),
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

/// One of `modes` as written, or another container's namespace
/// (`container:NAME`, `service:NAME`).
fn is_namespace(modes: &[&str], value: &str) -> bool {
    modes.contains(&value)
        || ["container:", "service:"]
            .iter()
            .any(|p| value.strip_prefix(p).is_some_and(|name| !name.is_empty()))
}

/// A network's name as Docker takes one (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`)
/// that is none of `modes` in another case: `HOST` would be a network
/// named so, not the host's.
fn is_network_name(modes: &[&str], value: &str) -> bool {
    value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && !modes.iter().any(|m| m.eq_ignore_ascii_case(value))
}

/// The value as Docker will read it, or why compose or Docker would
/// refuse it.
pub fn read(key: &str, value: Value) -> Result<Value, Refusal> {
    let Some((_, shape)) = SHAPES.iter().find(|(k, _)| *k == key) else {
        return Ok(value);
    };
    let help = match shape {
        Shape::Bool | Shape::StrictBool => "write `true` or `false`",
        Shape::Str => "write a string; quote digits as YAML does: `\"'9'\"`",
        Shape::Mode(_) | Shape::Namespace(_) | Shape::NetworkMode(_) => {
            "leave the key out: the container then has a namespace of its own, as a web stack's containers should"
        }
        Shape::Capabilities => "write capability names (`man 7 capabilities`), e.g. `\"[NET_BIND_SERVICE]\"`",
        Shape::SecurityOpts => "write `KEY=VALUE` options, e.g. `\"[apparmor=my-profile]\"`",
        Shape::Strings => "write a list of strings, e.g. `\"[a, b]\"`",
        Shape::Schema(_) => "write the value in a form the compose file reference gives for this key",
    };
    let refuse = |label: String| Refusal { label, help };
    match (*shape, value) {
        (Shape::Bool, Value::Bool(b)) => Ok(Value::Bool(b)),
        (Shape::Bool, Value::String(s)) => compose_bool(&s)
            .map(Value::Bool)
            .ok_or_else(|| refuse(format!("compose reads `{s}` as no boolean"))),
        (Shape::StrictBool, Value::Bool(b)) => Ok(Value::Bool(b)),
        (Shape::Bool | Shape::StrictBool, _) => Err(refuse("expected `true` or `false`".to_string())),
        (Shape::Str, Value::String(s)) => Ok(Value::String(s)),
        (Shape::Str, _) => Err(refuse("expected a string".to_string())),
        (Shape::Mode(modes), Value::String(s)) if modes.contains(&s.as_str()) => Ok(Value::String(s)),
        (Shape::Mode(modes), _) => Err(refuse(format!("Docker accepts {}", quoted_list(modes)))),
        (Shape::Namespace(_) | Shape::NetworkMode(_), Value::Null) => Ok(Value::Null),
        (Shape::Namespace(modes) | Shape::NetworkMode(modes), Value::String(s)) if is_namespace(modes, &s) => {
            Ok(Value::String(s))
        }
        (Shape::NetworkMode(modes), Value::String(s)) if is_network_name(modes, &s) => Ok(Value::String(s)),
        (Shape::Namespace(modes), _) => Err(refuse(format!(
            "Docker accepts {}, `container:NAME` or `service:NAME` (case counts)",
            modes.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
        ))),
        (Shape::NetworkMode(modes), value) => {
            let modes = modes.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
            Err(refuse(match value.as_str() {
                Some(s) if !s.is_empty() && is_network_name(&[], s) => format!(
                    "Docker reads `{s}` as a network's name, not a mode: it accepts {modes}, `container:NAME` or `service:NAME` (case counts)"
                ),
                _ => format!("Docker accepts {modes}, `container:NAME`, `service:NAME` or a network's name"),
            }))
        }
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
        (Shape::Schema(forms), value) => check_forms(forms, &value, key).map(|()| value).map_err(refuse),
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
    fn maps_inside_values_are_checked_against_the_schema() {
        let accepted = [
            (
                "logging",
                json!({"driver": "json-file", "options": {"max-size": "10m", "max-file": 3}}),
            ),
            ("logging", json!({"driver": "local", "x-note": true})),
            (
                "ulimits",
                json!({"nofile": {"soft": 20000, "hard": 40000}, "nproc": 65535, "core": "0"}),
            ),
            (
                "blkio_config",
                json!({"weight": 300, "device_read_bps": [{"path": "/dev/sda", "rate": "12mb"}]}),
            ),
            (
                "sysctls",
                json!({"net.core.somaxconn": 1024, "net.ipv4.tcp_syncookies": 0}),
            ),
            ("sysctls", json!(["net.core.somaxconn=1024"])),
            ("extra_hosts", json!({"db": ["10.0.0.2", "::1"]})),
            ("credential_spec", json!({"file": "my-credential-spec.json"})),
        ];
        for (key, value) in accepted {
            assert_eq!(read(key, value.clone()), Ok(value.clone()), "{key}: {value}");
        }
        let refused = [
            (
                "logging",
                json!({"driver": "json-file", "options": {"compress": true}}),
                "`logging.options.compress`: compose takes a string or a number or nothing (null) here",
            ),
            (
                "logging",
                json!({"drivers": "local"}),
                "`logging.drivers`: compose knows only `driver`, `options` here",
            ),
            (
                "logging",
                json!({"options": ["max-size=10m"]}),
                "`logging.options`: compose takes a map here",
            ),
            (
                "ulimits",
                json!({"nofile": {"soft": 20000}}),
                "`ulimits.nofile`: compose needs `hard` here too",
            ),
            (
                "ulimits",
                json!({"NOFILE": 1024}),
                "`ulimits.NOFILE`: compose takes lowercase letters only as a key here",
            ),
            (
                "ulimits",
                json!({"nofile": [1024, 2048]}),
                "`ulimits.nofile`: compose takes an integer or a string or a map of `hard`, `soft` here",
            ),
            (
                "blkio_config",
                json!({"device_read_bps": [{"path": "/dev/sda", "rate": 1.5}]}),
                "`blkio_config.device_read_bps[0].rate`: compose takes an integer or a string here",
            ),
            (
                "sysctls",
                json!({"net.core.somaxconn": [1]}),
                "`sysctls.net.core.somaxconn`: compose takes a string or a number or a boolean or nothing (null) here",
            ),
        ];
        for (key, value, why) in refused {
            assert_eq!(read(key, value).map_err(|r| r.label), Err(why.to_string()), "{key}");
        }
    }

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
        // Docker reads `HOST` as no mode at all: one spelling, as for `userns_mode`.
        assert!(read("pid", json!("HOST")).is_err() && read("ipc", json!("Host")).is_err());
        assert!(read("pid", json!("service:")).is_err());
        assert_eq!(read("pid", json!("service:web")), Ok(json!("service:web")));
        assert_eq!(read("ipc", json!("shareable")), Ok(json!("shareable")));
        // Nor `network_mode`, which Docker reads as a network's name unless
        // it is a mode: `HOST` is none, a network of that name.
        for refused in ["HOST", "None", "Bridge", "service:", "Service:web", ""] {
            assert!(read("network_mode", json!(refused)).is_err(), "{refused}");
        }
        for kept in [
            "host",
            "none",
            "bridge",
            "service:web",
            "container:db",
            "edge_net",
            "web.1",
        ] {
            assert_eq!(read("network_mode", json!(kept)), Ok(json!(kept)), "{kept}");
        }
        assert_eq!(read("network_mode", json!(null)), Ok(json!(null)));
        assert!(read("runtime", json!(9)).is_err());
        assert!(read("oom_score_adj", json!(-1001)).is_err());
        assert_eq!(read("oom_score_adj", json!(-500)), Ok(json!(-500)));
        assert!(read("cpu_percent", json!(101)).is_err());
        assert!(read("ulimits", json!("nofile=1024")).is_err());
        assert_eq!(read("dns", json!("1.1.1.1")), Ok(json!("1.1.1.1")));
        assert!(read("dns", json!([1, 1])).is_err());
        assert!(read("gpus", json!("some")).is_err());
        assert_eq!(read("gpus", json!("all")), Ok(json!("all")));
        assert!(read("logging", json!("local")).is_err());
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
