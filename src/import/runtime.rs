//! How a service runs: `depends_on`, `healthcheck` and `deploy` as
//! `after`, `ready`, `replicas` and `limits`.

use super::compose::Import;
use super::container_env::ContainerEnv;
use super::probe::Test;
use super::service::Role;
use super::spec::{is_name, Stmt};
use super::values::{duration, size};
use super::yaml::{Kind, Node};

pub fn depends_on(value: &Node, import: &mut Import) -> Option<Stmt> {
    let mut parts = Vec::new();
    // A name the spec cannot write names no service it has (`services`
    // leaves those out): written, it would be statements of its own.
    let writable = |node: &Node, import: &mut Import| {
        let name = node.text().filter(|n| is_name(n));
        if name.is_none() {
            import.report.dropped(
                import.file,
                node.span,
                "a `depends_on` entry that names no service the spec can write",
                "rename the service, or leave the entry out",
            );
        }
        name.map(str::to_string)
    };
    match &value.kind {
        Kind::Seq(items) => {
            for item in items {
                parts.extend(writable(item, import));
            }
        }
        _ => {
            for (target, options) in value.entries() {
                let Some(mut part) = writable(target, import) else {
                    continue;
                };
                match options.get("condition").and_then(Node::text) {
                    Some("service_healthy") => part.push_str(" ready"),
                    Some("service_completed_successfully") => part.push_str(" done"),
                    Some("service_started") | None => {}
                    Some(other) => import.report.dropped(
                        import.file,
                        options.span,
                        format!("condition `{other}`"),
                        "use service_started, service_healthy or service_completed_successfully",
                    ),
                }
                if options.get("required").and_then(Node::text) == Some("false") {
                    part.push_str(" optional");
                }
                if options.get("restart").and_then(Node::text) == Some("true") {
                    part.push_str(" restart");
                }
                parts.push(part);
            }
        }
    }
    (!parts.is_empty()).then(|| Stmt::line(format!("after {}", parts.join(", "))))
}

/// Compose's defaults, written out: stackc's own are faster.
const COMPOSE_TIMING: [(&str, &str, &str); 5] = [
    ("interval", "every", "30s"),
    ("timeout", "timeout", "30s"),
    ("retries", "retries", "3"),
    ("start_period", "start", ""),
    ("start_interval", "start_every", ""),
];

/// The timings compose reads zero as "not set": no start period, and
/// Docker's default pace in it.
const UNSET_WHEN_ZERO: [&str; 2] = ["start_period", "start_interval"];

/// `ready cmd ...` with compose's timing; a password written in the test,
/// or a variable compose fills into it (`-p${MYSQL_ROOT_PASSWORD}`), is
/// read where the container has it (see [`ContainerEnv`] and
/// [`Test::reading`]), or the healthcheck is left out.
pub fn healthcheck(value: &Node, container: &ContainerEnv, import: &mut Import) -> Option<Stmt> {
    let file = import.file;
    if value.get("disable").and_then(Node::text) == Some("true") || value.get("test").is_some_and(Test::is_none) {
        return Some(Stmt::line("ready off"));
    }
    for (key, _) in value.entries() {
        let k = key.text().unwrap_or_default();
        if !matches!(
            k,
            "test" | "interval" | "timeout" | "retries" | "start_period" | "start_interval" | "disable"
        ) {
            import.report.dropped(
                file,
                key.span,
                format!("healthcheck `{k}`"),
                "the spec's `ready` sets every, timeout, retries, start and start_every",
            );
        }
    }
    let test = value.get("test")?;
    let mut readable = container.values.clone();
    // The variables whose defaults the check runs with, reported once it
    // is kept.
    let mut defaults = Vec::new();
    let probe = Test::of(test)
        .or_else(|| {
            let (probe, marks) = Test::with_references(test, &container.references)?;
            readable.extend(marks);
            Some(probe)
        })
        .or_else(|| {
            let (probe, names) = Test::with_defaults(test)?;
            defaults = names;
            Some(probe)
        });
    let Some(mut probe) = probe else {
        let (message, help) = match Test::host_variables(test, &container.references)[..] {
            [] => (
                "a healthcheck test the spec cannot write".to_string(),
                "write `ready cmd ...`".to_string(),
            ),
            ref names => {
                let them = if names.len() == 1 { "it" } else { "them" };
                let names = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
                (
                    format!("a healthcheck test that compose fills with {names} from the environment it runs in"),
                    format!(
                        "the container has no {names} of its own to read when the check runs: set {them} in the \
                         service's `environment` (the test then reads the container's), or write `ready cmd ...` \
                         with the values"
                    ),
                )
            }
        };
        import.report.dropped(file, test.span, message, help);
        return None;
    };
    let readable = &readable;
    // A secret the detector sees, or a value of the environment import
    // kept out of the spec (a token of any shape): read where the
    // container has it, or the check is left out.
    let secret = probe.secret();
    if secret.is_some() || probe.holds_any(readable) {
        let (what, variable) = secret.unwrap_or_else(|| ("a value of the service's environment".into(), "VAR".into()));
        let Some(read) = probe.reading(readable) else {
            let help = super::secrets::command_help("a healthcheck's", &variable);
            super::secrets::left_out(
                import.report,
                (file, test.span),
                "the healthcheck's command",
                &what,
                help,
            );
            return None;
        };
        import.report.secret(
            file,
            test.span,
            format!("the healthcheck's command held a secret ({what}): it now reads it in the container"),
            "the check runs in a shell that reads the password from the variable or the secret's file the container has, as the service's `environment` gave it: it is in neither the spec nor compose.yaml",
        );
        probe = read;
    }
    let read_moved = |probe: &Test| -> Vec<String> {
        let names = container.moved.iter().filter(|name| probe.reads_variable(name));
        names.map(|name| format!("`{name}`")).collect()
    };
    let moved = read_moved(&probe);
    if let Some(read) = probe.reading_moved(&container.moved) {
        import.report.secret(
            file,
            test.span,
            format!(
                "the healthcheck reads {}, which the container now has as a secret's file: it reads the file",
                moved.join(", ")
            ),
            "import moved the password into a secret, so the container gets `VAR_FILE` instead of `VAR`; the check reads `$(cat \"$VAR_FILE\")`",
        );
        probe = read;
    }
    if !defaults.is_empty() {
        let names: Vec<String> = defaults.iter().map(|n| format!("`{n}`")).collect();
        import.report.filled(
            file,
            test.span,
            format!("the healthcheck runs with the default of {}", names.join(", ")),
            "a spec string is literal: the host's value no longer changes it; edit the check where it differs",
        );
    }
    // One it could not rewrite (inside single quotes, in a `CMD` word).
    let left = read_moved(&probe);
    if !left.is_empty() {
        import.report.dropped(
            file,
            test.span,
            format!(
                "the healthcheck reads {}, which the container no longer has (import moved it into a secret): the \
                 check would fail",
                left.join(", ")
            ),
            "read the secret's file in the check instead: `\"$(cat \"$VAR_FILE\")\"` in a `ready cmd` script",
        );
    }
    let mut probe = probe.statement();
    let has_start = value
        .get("start_period")
        .and_then(Node::text)
        .and_then(duration)
        .is_some_and(|d| !is_zero(&d));
    for (key, word_, default) in COMPOSE_TIMING {
        let given = value.get(key).and_then(Node::text);
        if key == "start_interval" && given.is_some() && !has_start {
            import.report.dropped(
                file,
                value.get(key).map_or(value.span, |n| n.span),
                "healthcheck `start_interval` without a `start_period`",
                "Docker paces only the start period's checks with it; add `start D` and `start_every` to the `ready`",
            );
            continue;
        }
        let text = match (key, given) {
            ("retries", Some(n)) => n.parse::<u32>().ok().map(|n| n.to_string()),
            (_, Some(d)) => duration(d),
            (_, None) if default.is_empty() => continue,
            (_, None) => Some(default.to_string()),
        };
        match text {
            Some(t) if !(UNSET_WHEN_ZERO.contains(&key) && is_zero(&t)) => probe.push_str(&format!(" {word_} {t}")),
            Some(_) => {}
            None => import.report.dropped(
                file,
                value.get(key).map_or(value.span, |n| n.span),
                format!("healthcheck `{key}`"),
                "write it in whole units (`5s`, `1m`)",
            ),
        }
    }
    Some(Stmt::line(probe))
}

/// Whether a duration compose takes (`0s`, `0m0s`) is zero.
fn is_zero(duration: &str) -> bool {
    duration.chars().filter(char::is_ascii_digit).all(|c| c == '0')
}

pub fn deploy(value: &Node, role: Role, body: &mut Vec<Stmt>, import: &mut Import) {
    let file = import.file;
    for (key, setting) in value.entries() {
        // `docker compose config` writes `placement: {}`.
        if matches!(setting.kind, Kind::Map(ref m) if m.is_empty()) {
            continue;
        }
        match key.text() {
            Some("replicas") if role != Role::Service => import.report.dropped(
                file,
                key.span,
                "`deploy.replicas` of a job or proxy",
                "the spec runs several containers of a service only",
            ),
            Some("replicas") => body.push(Stmt::line(format!("replicas {}", setting.text().unwrap_or("1")))),
            Some("resources") => {
                for (kind, limits) in setting.entries() {
                    if kind.text() != Some("limits") {
                        import.report.dropped(
                            file,
                            kind.span,
                            format!("`deploy.resources.{}`", kind.text().unwrap_or_default()),
                            "the spec sets limits only",
                        );
                        continue;
                    }
                    let mut words = Vec::new();
                    for (name, value) in limits.entries() {
                        let text = value.text().unwrap_or_default();
                        let name_text = name.text().unwrap_or_default();
                        if !matches!(name_text, "memory" | "cpus" | "pids") {
                            import.report.dropped(
                                file,
                                name.span,
                                format!("limit `{name_text}`"),
                                "the spec limits memory, cpus and pids",
                            );
                            continue;
                        }
                        words.extend(limit(name_text, text, value, import));
                    }
                    if !words.is_empty() {
                        body.push(Stmt::line(format!("limits {}", words.join(" "))));
                    }
                }
            }
            _ => import.report.dropped(
                file,
                key.span,
                format!("`deploy.{}`", key.text().unwrap_or_default()),
                "the spec sets replicas and limits",
            ),
        }
    }
}

/// compose's older keys for a limit, `mem_limit`, `cpus` and `pids_limit`,
/// as a `limits` statement: [`merge_limits`] makes one of it and
/// `deploy.resources.limits`, as compose applies both.
pub fn legacy_limit(key: &str, value: &Node, body: &mut Vec<Stmt>, import: &mut Import) {
    let kind = match key {
        "mem_limit" => "memory",
        "pids_limit" => "pids",
        _ => "cpus",
    };
    let text = value.text().unwrap_or_default();
    if let Some(words) = limit(kind, text, value, import) {
        body.push(Stmt::line(format!("limits {words}")));
    }
}

/// One limit as `limits` writes it (`memory 512M`); none for compose's "no
/// limit" (which leaving it out says) or a value the spec cannot write,
/// which is reported.
fn limit(kind: &str, text: &str, value: &Node, import: &mut Import) -> Option<String> {
    if is_no_limit(text) {
        return None;
    }
    let written = match kind {
        "memory" => size(text).map(|s| format!("memory {s}")),
        "cpus" => is_cpus(text).then(|| format!("cpus {text}")),
        _ => text.parse::<u32>().ok().map(|n| format!("pids {n}")),
    };
    if written.is_none() {
        import.report.dropped(
            import.file,
            value.span,
            format!("a `{kind}` limit the spec cannot write"),
            "write a number: memory in k, M or G, CPUs such as `1.5`, pids as a whole number",
        );
    }
    written
}

/// The service's `limits` statements as one (the spec takes it once), the
/// first of each kind kept: compose refuses two different values for one.
pub fn merge_limits(body: &mut Vec<Stmt>) {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut first = None;
    let mut at = 0;
    body.retain(|stmt| {
        at += 1;
        let Some(words) = stmt.text.strip_prefix("limits ") else {
            return true;
        };
        let words: Vec<&str> = words.split(' ').collect();
        for pair in words.chunks(2) {
            if let [kind, value] = pair {
                if !pairs.iter().any(|(k, _)| k == kind) {
                    pairs.push((kind.to_string(), value.to_string()));
                }
            }
        }
        first.get_or_insert(at - 1);
        false
    });
    if let Some(first) = first {
        let words: Vec<String> = pairs.iter().map(|(k, v)| format!("{k} {v}")).collect();
        body.insert(first, Stmt::line(format!("limits {}", words.join(" "))));
    }
}

/// `0` (or pids' `-1`): compose and Docker's "no limit".
fn is_no_limit(text: &str) -> bool {
    text == "-1" || text.parse::<f64>().is_ok_and(|n| n == 0.0)
}

/// A CPU limit the spec reads: a plain decimal with at most three decimals.
fn is_cpus(text: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit());
    match text.split_once('.') {
        Some((whole, decimals)) => digits(whole) && digits(decimals) && decimals.len() <= 3,
        None => digits(text),
    }
}
