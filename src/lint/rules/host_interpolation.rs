use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `$VAR` or `${VAR}` in the value of a raw `compose KEY = VALUE`
    /// line.
    ///
    /// ## Why is this bad?
    /// Compose fills `${VAR}` from the environment of the machine that runs
    /// `docker compose`, when it reads the file, not from the container's.
    /// An unset variable silently becomes an empty string. stackc writes
    /// `$$` for every `$` in the values it writes itself; a raw value goes
    /// out as written.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image python:3.12.8-slim
    ///     command "python -m http.server"
    ///     compose user = "${APP_UID}"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// A literal value, or `$$` where the container should see a `$`:
    /// ```text
    ///     compose user = "10001"
    /// ```
    pub struct HostInterpolation {
        name: "host-interpolation",
        severity: Warning,
        summary: "`$VAR` in a raw compose value is filled from the host's environment",
    }
}

impl Rule for HostInterpolation {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            for raw in &service.raw_compose {
                let Some(variable) = strings(&raw.value.value).into_iter().find_map(interpolated) else {
                    continue;
                };
                out.push(
                    Self::META
                        .diagnostic(format!("compose fills `{variable}` from the host's environment"))
                        .primary(
                            raw.value.span,
                            "read when `docker compose` reads the file; empty when unset",
                        )
                        .help("write the value itself, or `$$` for a `$` the container should see"),
                );
            }
        }
    }
}

/// Every string inside a YAML value.
fn strings(value: &serde_json::Value) -> Vec<&str> {
    match value {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(items) => items.iter().flat_map(strings).collect(),
        serde_json::Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| std::iter::once(k.as_str()).chain(strings(v)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The first `$NAME` or `${...}` compose would interpolate (`$$` escapes).
fn interpolated(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'$') => i += 2,
            Some(b'{') => {
                let end = text[i..].find('}').map_or(text.len(), |e| i + e + 1);
                return Some(text[i..end].to_string());
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let end = text[i + 1..]
                    .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .map_or(text.len(), |e| i + 1 + e);
                return Some(text[i..end].to_string());
            }
            _ => i += 1,
        }
    }
    None
}
