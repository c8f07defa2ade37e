use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags `$VAR`, `${VAR}` and `$$` in `env` values, labels, build
    /// `arg` values, a `mount`'s paths and raw `compose KEY = VALUE` values.
    ///
    /// ## Why is this bad?
    /// In a hand-written compose file, `${VAR}` is filled from the machine
    /// that runs `docker compose`, and `$$` stands for one `$`. Spec strings
    /// are literal instead: stackc writes `$$` for every `$`, so the
    /// container sees `${VAR}` (or `$$`) exactly as written. Someone who
    /// writes compose habits into a spec gets a variable that is never
    /// filled, or a doubled dollar sign.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image python:3.12.8-slim
    ///     command "python -m http.server"
    ///     env {
    ///         DJANGO_SECRET_KEY = "${SECRET_KEY}"
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// A value from the host is a secret: `secret NAME env VAR` declares it,
    /// and `secret DJANGO_SECRET_KEY = NAME` hands it over as a file. For a
    /// literal `$`, write it once (`"price: $5"`). Commands and readiness
    /// checks are not flagged: a shell in the container fills their `$VAR`.
    pub struct LiteralDollar {
        name: "literal-dollar",
        severity: Warning,
        summary: "`${VAR}` or `$$` in a value stackc passes on literally",
    }
}

impl Rule for LiteralDollar {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let build_args = service
                .build()
                .and_then(|b| b.own_dockerfile())
                .map(|own| own.args.as_slice());
            let env = service
                .env
                .iter()
                .chain(&service.labels)
                .chain(build_args.unwrap_or_default());
            let env = env.map(|v| (vec![v.value.value.as_str()], v.value.span));
            let raw = service
                .raw_compose
                .iter()
                .map(|r| (strings(&r.value.value), r.value.span));
            for (texts, span) in env.chain(raw) {
                if let Some(found) = texts.into_iter().find_map(compose_syntax) {
                    out.push(finding(&found, span).help(VALUE_HELP));
                }
            }
            // A mount's paths: `/srv/${STORAGE_PATH:-store}` is a folder of
            // that name, and the data the app writes is not on the volume.
            let host_paths = service.mounts.iter().filter_map(|m| match &m.source {
                crate::ir::MountSource::Host(path) => Some(path),
                _ => None,
            });
            for path in service.mounts.iter().map(|m| &m.target).chain(host_paths) {
                if let Some(found) = compose_syntax(&path.value) {
                    out.push(finding(&found, path.span).help(PATH_HELP));
                }
            }
        }
    }
}

const VALUE_HELP: &str =
    "for a value from the host, declare `secret NAME env VAR` and use `secret VAR = NAME`; for a `$`, write it once";
const PATH_HELP: &str = "write the path itself (its default, `/app/.local-storage` for `/app/${STORAGE_PATH:-.local-storage}`): a path of a spec is literal, and the app's files would be written beside the mount";

fn finding(found: &str, span: Span) -> Diagnostic {
    let name = found.trim_start_matches('$').trim_start_matches('{');
    let name = name.split([':', '-', '?', '+', '=', '}']).next().unwrap_or_default();
    let label = "the container sees these characters as written";
    if found == "$$" {
        return LiteralDollar::META
            .diagnostic("`$$` reaches the container as two dollar signs")
            .primary(span, "stackc already escapes `$`");
    }
    let shown = shown(found, name).filter(|_| crate::lint::secrets::is_quotable_variable(name));
    let Some(shown) = shown else {
        // Not a variable's name as they are written (most likely the rest
        // of a password or a hash with a `$` in it), or a secret's default:
        // never quoted, and masked in the snippet.
        return LiteralDollar::META
            .diagnostic("a `$` and the name after it are passed on literally, not filled in")
            .primary(span, label)
            .secret(span);
    };
    LiteralDollar::META
        .diagnostic(format!("`{shown}` is passed on literally, not filled in"))
        .primary(span, label)
}

/// `$NAME` or `${NAME:-default}` as a finding may show it: `None` when
/// its default may be a secret (`${DB_PASSWORD:-hunter2}`,
/// `${DATABASE_URL:-postgres://app:pw@db/app}`, a random-looking word);
/// a number, a path or a plain word under a name that says no secret is
/// shown (`${UID:-1000}`, `${STORAGE_PATH:-.local-storage}`).
fn shown(found: &str, name: &str) -> Option<String> {
    use crate::lint::secrets;
    let Some(rest) = found.strip_prefix("${").and_then(|r| r.strip_prefix(name)) else {
        return Some(found.to_string());
    };
    let operator: String = rest
        .chars()
        .take_while(|c| matches!(c, ':' | '-' | '?' | '+' | '='))
        .collect();
    let default = rest[operator.len()..].trim_end_matches('}');
    // A word as settings are written: not random-looking, nor of upper-
    // and lowercase letters and digits mixed, as generated passwords are.
    let mixed = [char::is_ascii_uppercase, char::is_ascii_lowercase, char::is_ascii_digit]
        .iter()
        .all(|class| default.chars().any(|c| class(&c)));
    let word = default.chars().all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c))
        && !mixed
        && !secrets::looks_random(default);
    let plain = default.is_empty()
        || (!secrets::is_secret_name(name)
            && secrets::url_password(default).is_none()
            && (secrets::is_inert(default) || word));
    plain.then(|| found.to_string())
}

/// Every string inside a YAML value.
fn strings(value: &serde_json::Value) -> Vec<&str> {
    match value {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(items) => items.iter().flat_map(strings).collect(),
        serde_json::Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// The first piece of compose's `$` syntax in the text: `$$`, `${...}` or
/// `$NAME`.
fn compose_syntax(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let at = text.find('$')?;
    match bytes.get(at + 1) {
        Some(b'$') => Some("$$".to_string()),
        Some(b'{') => {
            let end = text[at..].find('}').map_or(text.len(), |e| at + e + 1);
            Some(text[at..end].to_string())
        }
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
            let end = text[at + 1..]
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .map_or(text.len(), |e| at + 1 + e);
            Some(text[at..end].to_string())
        }
        _ => compose_syntax(&text[at + 1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rest of a password after its `$` is never printed; a variable's
    /// name is.
    #[test]
    fn only_a_variables_name_is_quoted() {
        let span = Span::new(0, 1);
        let password = finding(&compose_syntax("Tr0ub4dor$Secr3tTail").unwrap(), span);
        assert!(!password.message.contains("Secr3t"), "{}", password.message);
        let hash = finding(&compose_syntax("$2y$05$abcdefghijklmnopqrstu").unwrap(), span);
        assert!(!hash.message.contains("abcdef"), "{}", hash.message);
        let variable = finding(&compose_syntax("${SECRET_KEY:-x}").unwrap(), span);
        assert!(!variable.message.contains(":-x"), "{}", variable.message);
        let url = finding("${DATABASE_URL:-postgres://app:hunter2@db/app}", span);
        assert!(!url.message.contains("hunter2"), "{}", url.message);
        assert!(!finding("${PGPASS:-Xk4s9dLq2Vw8}", span).message.contains("Xk4s9"));
        assert!(!url.secrets.is_empty(), "the snippet is masked");
        let setting = finding(&compose_syntax("${UID:-1000}").unwrap(), span);
        assert_eq!(setting.message, "`${UID:-1000}` is passed on literally, not filled in");
        let plain = finding(&compose_syntax("a $HOME b").unwrap(), span);
        assert!(!finding("${DB_PASSWORD-hunter2}", span).message.contains("hunter2"));
        assert!(!finding("${DB_PASSWORD:é}", span).message.contains('é'));
        assert_eq!(plain.message, "`$HOME` is passed on literally, not filled in");
    }
}
