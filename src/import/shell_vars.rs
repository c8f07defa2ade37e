//! A command compose fills from the project's `.env` that the container's
//! own shell can fill the same: Chatwoot's Redis runs `sh -c "redis-server
//! --requirepass \"$REDIS_PASSWORD\""` with that `.env` as its env file.
//! compose puts the password on the command line; the spec, which never
//! holds a password, leaves `$REDIS_PASSWORD` to the shell, which reads it
//! from the same file.

use super::compose::Import;
use super::values;
use super::yaml::{Kind, Node};

/// The command `words` (compose's text, references unread) with its
/// references left to the container's shell, when that gives the same
/// command: the words are `SHELL -c SCRIPT [ARGS]`, only the script refers
/// to variables, and the service's env files include the project's `.env`,
/// which sets each of them, while its `environment` sets none. Reported.
pub fn left_to_shell(
    words: &[&str],
    service: &Node,
    value: &Node,
    key: &str,
    import: &mut Import,
) -> Option<Vec<String>> {
    let [shell, flag, script, rest @ ..] = words else {
        return None;
    };
    let shell_name = shell.rsplit('/').next().unwrap_or_default();
    let runs_script =
        matches!(shell_name, "sh" | "bash" | "ash" | "dash") && flag.starts_with('-') && flag.contains('c');
    let plain = |w: &&str| values::literal(w).is_some_and(|l| l == *w);
    if !runs_script || ![*shell, *flag].iter().chain(rest).all(plain) {
        return None;
    }
    if !expands_each_dollar(script) {
        return None;
    }
    let names = values::variables(script);
    let from_dotenv = |name: &&str| import.places.dotenv.get(name).is_some() && !sets(service, name);
    if names.is_empty() || !names.iter().all(from_dotenv) || !reads_dotenv(service, import) {
        return None;
    }
    import.report.filled(
        import.file,
        value.span,
        format!(
            "`{key}` reads {} from the project's .env, the container's env file too: its shell fills {} in",
            names.iter().map(|n| format!("`${n}`")).collect::<Vec<_>>().join(", "),
            if names.len() == 1 { "it" } else { "them" }
        ),
        "compose filled it in itself, unless the shell it ran in set the variable; the spec holds no value",
    );
    let mut argv = vec![shell.to_string(), flag.to_string()];
    argv.push(values::for_shell(script));
    argv.extend(rest.iter().map(|w| w.to_string()));
    Some(argv)
}

/// Whether a POSIX shell expands each `$` of `script`: none is inside
/// single quotes or after a backslash, where compose fills a reference in
/// but the shell would keep it as text.
fn expands_each_dollar(script: &str) -> bool {
    let (mut single, mut double) = (false, false);
    let mut chars = script.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '\\' if !single && chars.next() == Some('$') => return false,
            '$' if single => return false,
            _ => {}
        }
    }
    true
}

/// Whether the service's `environment` sets `name` (which would win over
/// the env file in the container).
fn sets(service: &Node, name: &str) -> bool {
    let Some(environment) = service.get("environment") else {
        return false;
    };
    match &environment.kind {
        Kind::Seq(items) => items
            .iter()
            .filter_map(Node::text)
            .any(|i| i.split_once('=').map_or(i, |(k, _)| k) == name),
        _ => environment.get(name).is_some(),
    }
}

/// Whether one of the service's env files is the project's `.env`.
fn reads_dotenv(service: &Node, import: &Import) -> bool {
    let Some(files) = service.get("env_file") else {
        return false;
    };
    let dotenv = import.places.on_disk(".env");
    (super::env_file::paths(files).into_iter()).any(|path| import.places.on_disk(path) == dotenv)
}

#[cfg(test)]
mod tests {
    use super::expands_each_dollar;

    #[test]
    fn a_reference_in_single_quotes_or_escaped_is_not_the_shells() {
        assert!(expands_each_dollar(r#"redis-server --requirepass "$REDIS_PASSWORD""#));
        assert!(expands_each_dollar("redis-server --requirepass ${REDIS_PASSWORD}"));
        assert!(expands_each_dollar(r#"echo "it's $X""#));
        assert!(!expands_each_dollar("redis-server --requirepass '${REDIS_PASSWORD}'"));
        assert!(!expands_each_dollar(r"echo \$X"));
    }
}
