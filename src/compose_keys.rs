//! What compose accepts as the keys of a service, and which of them stackc
//! writes from its own statements. Resolution checks raw `compose KEY = ...`
//! statements against this; the compose emitter writes only these keys.

/// Why a raw `compose` key cannot be added, for a diagnostic.
pub struct RawKeyProblem {
    pub label: String,
    pub help: String,
}

/// The keys stackc writes, or that would fight a key it writes (compose
/// refuses `scale` next to `deploy.replicas`, `mem_limit` next to
/// `deploy.resources.limits.memory`), with the statement to use instead.
const OWNED_KEYS: &[(&str, &str)] = &[
    ("image", "`image` (beside `build`, it names the image stackc builds)"),
    ("build", "`build`"),
    ("depends_on", "`after`"),
    ("volumes", "`mount`"),
    ("secrets", "`secret`"),
    ("environment", "`env`"),
    ("env_file", "`env_file`"),
    ("ports", "`publish`"),
    ("networks", "`networks`"),
    ("command", "`command` (or `run` in a job, `gunicorn` for a Django app)"),
    ("entrypoint", "`entrypoint`"),
    ("expose", "`expose`"),
    ("working_dir", "`workdir`"),
    ("hostname", "`hostname`"),
    ("container_name", "`container_name`"),
    ("labels", "`labels { KEY = \"value\" }`"),
    ("stop_signal", "`stop_signal`"),
    ("restart", "`restart`"),
    ("healthcheck", "`ready`"),
    ("deploy", "`limits` or `replicas`"),
    ("scale", "`replicas`"),
    ("mem_limit", "`limits memory`"),
    ("cpus", "`limits cpus`"),
    ("pids_limit", "`limits pids`"),
    ("pull_policy", "`image` or `image of`"),
    ("shm_size", "`shm_size`"),
    ("stop_grace_period", "`stop_grace_period`"),
    ("user", "`user`"),
];

/// Keys that name top-level declarations the language cannot make, so no
/// value of them could ever be valid.
const UNDECLARABLE_KEYS: &[&str] = &["configs", "models"];

/// Keys that take a service's settings from a definition stackc never
/// reads: compose.yaml would no longer say what the spec says, and no
/// check would see what it adds (`privileged`, a mount of `/`).
const FOREIGN_KEYS: &[&str] = &["extends"];

/// Every key of a compose service (the compose specification's schema).
const SERVICE_KEYS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "labels",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "post_start",
    "pre_stop",
    "privileged",
    "profiles",
    "provider",
    "pull_policy",
    "pull_refresh_after",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volumes",
    "volumes_from",
    "working_dir",
];

/// A raw key must be a compose service key that stackc does not write
/// itself: two sources for one key would silently fight.
pub fn raw_key_problem(key: &str) -> Option<RawKeyProblem> {
    if let Some((_, statement)) = OWNED_KEYS.iter().find(|(k, _)| *k == key) {
        return Some(RawKeyProblem {
            label: "stackc writes this key, or one it would fight".to_string(),
            help: format!("use {statement} instead"),
        });
    }
    if UNDECLARABLE_KEYS.contains(&key) {
        return Some(RawKeyProblem {
            label: format!("`{key}` names top-level declarations a spec cannot make"),
            help: "mount a volume, or pass the value through a secret or `env`".to_string(),
        });
    }
    if FOREIGN_KEYS.contains(&key) {
        return Some(RawKeyProblem {
            label: format!("`{key}` takes settings from a definition stackc does not check"),
            help: "write the settings here as statements, so the spec says everything the service gets".to_string(),
        });
    }
    if SERVICE_KEYS.contains(&key) || key.starts_with("x-") {
        return None;
    }
    let help = match crate::suggest::closest(key, SERVICE_KEYS.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None => "see the compose file reference for the keys a service takes".to_string(),
    };
    Some(RawKeyProblem {
        label: "not a compose service key".to_string(),
        help,
    })
}
