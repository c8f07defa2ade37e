//! Where a start script (a container's entrypoint, `start.sh`) waits for
//! another service before it starts the app: `while ! nc -z db 5432; do
//! sleep 1; done`, `wait-for-it db:5432`, `dockerize -wait tcp://db:5432`,
//! `until pg_isready -h db; do sleep 1; done`, or a loop on a shell
//! function that tries a connection from Python (`psycopg.connect(...)`
//! in a heredoc).
//!
//! Read from the script's commands ([`super::shell`]), never by matching
//! substrings of the text: a wait in a comment is no wait. A probe that
//! runs once (`nc -z db 5432` alone) does not wait; a tool that waits by
//! itself (`wait-for-it`) or a loop that sleeps until a command succeeds
//! does. The host waited for is a name, a variable the container's
//! environment sets (`$SQL_HOST`), or not known (a Django command that
//! waits for "the database").

use super::shell::{self, SimpleCommand};
use crate::source::Span;

/// One place a script waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    /// The waiting command (or the loop's condition), in the script.
    pub span: Span,
    pub host: Host,
    /// The port as written (`5432`, `$SQL_PORT`), when the command names one.
    pub port: Option<String>,
    /// How it waits, for messages: `nc -z`, `wait-for-it`, `a loop on pg_isready`.
    pub how: String,
}

/// The host a wait is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// Written out: `db`.
    Named(String),
    /// A variable the container's environment sets: `SQL_HOST` for `$SQL_HOST`.
    Variable(String),
    /// Not written in the script (a command that knows its database).
    Unknown,
}

/// The waits of a script, in its order.
pub fn waits(script: &str) -> Vec<Wait> {
    let (text, bodies) = shell::blank_heredocs(script);
    let commands = shell::simple_commands(&text);
    let functions = functions(&text);
    // Which function (by position) each command is in; both lists are in
    // the script's order, so one walk tells.
    let mut owner = Vec::with_capacity(commands.len());
    let mut next = 0;
    for command in &commands {
        while functions.get(next).is_some_and(|f| f.body.end() < command.span.end()) {
            next += 1;
        }
        let inside = functions
            .get(next)
            .is_some_and(|f| f.body.start() <= command.span.start() && command.span.end() <= f.body.end());
        owner.push(inside.then_some(next));
    }
    // A function's first probe, by name: a loop that calls it waits.
    let mut function_probes = std::collections::HashMap::new();
    for (command, owner) in commands.iter().zip(&owner) {
        if let Some(function) = owner {
            if let Some(probe) = probe(command, &text, &bodies) {
                function_probes
                    .entry(functions[*function].name.as_str())
                    .or_insert(probe);
            }
        }
    }
    let dones = keywords(&text, "done");
    let sleeps: Vec<usize> = commands
        .iter()
        .filter(|c| c.program().map(base_name) == Some("sleep"))
        .map(|c| c.span.start())
        .collect();
    let mut found = Vec::new();
    for (command, owner) in commands.iter().zip(&owner) {
        if owner.is_some() {
            continue;
        }
        if let Some(wait) = waiting_tool(command) {
            found.push(wait);
            continue;
        }
        if !is_loop_condition(command, &text) || !loop_sleeps(command, &dones, &sleeps) {
            continue;
        }
        let program = command.program().unwrap_or_default();
        if matches!(program, "true" | ":" | "[" | "[[" | "test" | "read" | "false") {
            continue;
        }
        let probe = probe(command, &text, &bodies).or_else(|| function_probes.get(program).cloned());
        let wait = match probe {
            Some(probe) => Wait {
                how: format!("a loop on {}", probe.how),
                span: command.span,
                ..probe
            },
            None => Wait {
                span: command.span,
                host: Host::Unknown,
                port: None,
                how: format!("a loop until `{}` succeeds", command.words.join(" ")),
            },
        };
        found.push(wait);
    }
    found
}

/// A command that waits by itself until a host answers.
fn waiting_tool(command: &SimpleCommand) -> Option<Wait> {
    let program = base_name(command.program()?);
    let args = command.args();
    let wait = |host, port, how: &str| {
        Some(Wait {
            span: command.span,
            host,
            port,
            how: how.to_string(),
        })
    };
    match program {
        "wait-for-it" | "wait-for-it.sh" | "wait_for_it.sh" | "wait-for" | "wait-for.sh" => {
            let (host, port) = match option(args, "-h", "--host") {
                Some(host) => (host_of(host), option(args, "-p", "--port").map(str::to_string)),
                None => args
                    .iter()
                    .find(|a| !a.starts_with('-') && a.contains(':'))
                    .map_or((Host::Unknown, None), |a| host_port(a)),
            };
            wait(host, port, program.trim_end_matches(".sh"))
        }
        "dockerize" => {
            let target = option(args, "-wait", "--wait")?;
            let target = target.strip_prefix('=').unwrap_or(target);
            let address = target.split_once("://").map_or(target, |(_, rest)| rest);
            let (host, port) = host_port(address.split('/').next().unwrap_or_default());
            wait(host, port, "dockerize -wait")
        }
        // A Django command named for waiting (`manage.py wait_for_db`).
        _ if program.starts_with("python") || program == "manage.py" || program == "django-admin" => {
            let named = args.iter().find(|a| is_wait_name(a))?;
            wait(Host::Unknown, None, &format!("manage.py {named}"))
        }
        _ if is_wait_name(program) => {
            let (host, port) = args
                .iter()
                .find(|a| !a.starts_with('-') && a.contains(':'))
                .map_or((Host::Unknown, None), |a| host_port(a));
            wait(host, port, program)
        }
        _ => None,
    }
}

/// A script or command named for waiting: `wait-for-postgres.sh`, `wait_for_db`.
fn is_wait_name(word: &str) -> bool {
    let name = base_name(word).to_ascii_lowercase().replace('_', "-");
    name.starts_with("wait-for")
}

/// A command that checks once whether a host answers: waits when a loop
/// runs it until it succeeds.
fn probe(command: &SimpleCommand, text: &str, bodies: &[shell::HeredocBody]) -> Option<Wait> {
    let program = base_name(command.program()?);
    let args = command.args();
    let (host, port, how) = match program {
        "nc" | "ncat" | "netcat" => {
            let scans = args
                .iter()
                .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('z'));
            if !scans {
                return None;
            }
            let positional = positionals(args, &["-w", "-i", "-p", "-s", "-q", "-W"]);
            let host = positional.first().map_or(Host::Unknown, |h| host_of(h));
            (host, positional.get(1).map(|p| p.to_string()), "nc -z")
        }
        "pg_isready" => {
            let host = option(args, "-h", "--host").map_or(Host::Variable("PGHOST".into()), host_of);
            (host, option(args, "-p", "--port").map(str::to_string), "pg_isready")
        }
        "mysqladmin" if args.iter().any(|a| a == "ping") => {
            let host = option(args, "-h", "--host").map_or(Host::Unknown, host_of);
            (
                host,
                option(args, "-P", "--port").map(str::to_string),
                "mysqladmin ping",
            )
        }
        "redis-cli" | "valkey-cli" if args.iter().any(|a| a == "ping") => {
            let host = option(args, "-h", "").map_or(Host::Unknown, host_of);
            (host, option(args, "-p", "").map(str::to_string), "redis-cli ping")
        }
        _ if program.starts_with("python") => {
            // `python << END`: the heredoc's code that opens a connection.
            let line_end = text[command.span.end()..]
                .find('\n')
                .map_or(text.len(), |n| command.span.end() + n);
            let first = bodies.partition_point(|b| b.opened_at < command.span.start());
            let body = bodies.get(first).filter(|b| b.opened_at <= line_end)?;
            let code = &body.text;
            if !code.contains(".connect(") {
                return None;
            }
            (
                keyword_string(code, "host").map_or(Host::Unknown, |h| host_of(&h)),
                keyword_string(code, "port"),
                "a connection from Python",
            )
        }
        _ => return None,
    };
    Some(Wait {
        span: command.span,
        host,
        port,
        how: how.to_string(),
    })
}

/// `NAME="value"` in Python code: a keyword argument's string.
fn keyword_string(code: &str, name: &str) -> Option<String> {
    let pattern = format!("{name}=");
    let mut rest = code;
    while let Some(at) = rest.find(&pattern) {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + pattern.len()..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let quote = after.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        let value = &after[1..];
        return value.find(quote).map(|end| value[..end].to_string());
    }
    None
}

/// Whether the command is the condition of `while`/`until`.
fn is_loop_condition(command: &SimpleCommand, text: &str) -> bool {
    let first = text[command.span.range()].split_whitespace().next();
    matches!(first, Some("while" | "until"))
}

/// Whether the loop's body (up to the first `done` after its condition)
/// runs `sleep`. `dones` and `sleeps` are offsets in the script's order.
fn loop_sleeps(condition: &SimpleCommand, dones: &[usize], sleeps: &[usize]) -> bool {
    let after = condition.span.end();
    let Some(&done) = dones.get(dones.partition_point(|&d| d < after)) else {
        return false;
    };
    sleeps
        .get(sleeps.partition_point(|&s| s < after))
        .is_some_and(|&s| s < done)
}

/// Where `word` stands alone in `text`, between blanks or `;`.
fn keywords(text: &str, word: &str) -> Vec<usize> {
    let apart = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || c == ';');
    text.match_indices(word)
        .map(|(at, _)| at)
        .filter(|&at| apart(text[..at].chars().next_back()) && apart(text[at + word.len()..].chars().next()))
        .collect()
}

/// A function defined in the script: `name() {` up to a line `}`.
struct Function {
    name: String,
    body: Span,
}

fn functions(text: &str) -> Vec<Function> {
    let mut found = Vec::new();
    let mut offset = 0;
    let mut open: Option<(String, usize)> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        match &open {
            Some((name, start)) if trimmed == "}" => {
                found.push(Function {
                    name: name.clone(),
                    body: Span::new(*start, offset),
                });
                open = None;
            }
            Some(_) => {}
            None => open = function_header(trimmed).map(|name| (name, offset + line.len())),
        }
        offset += line.len();
    }
    found
}

/// `name() {`, `function name {`, `function name(){`: the name.
fn function_header(line: &str) -> Option<String> {
    let line = line.strip_suffix('{').unwrap_or(line).trim_end();
    let (keyword, line) = match line.strip_prefix("function ") {
        Some(rest) => (true, rest.trim()),
        None => (false, line),
    };
    let name = match line.strip_suffix("()") {
        Some(name) => name.trim_end(),
        None if keyword => line,
        None => return None,
    };
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
    valid.then(|| name.to_string())
}

/// The words that are not options nor the values of `with_value` options.
fn positionals<'a>(args: &'a [String], with_value: &[&str]) -> Vec<&'a str> {
    let mut found = Vec::new();
    let mut skip = false;
    for arg in args {
        if std::mem::take(&mut skip) {
            continue;
        }
        if arg.starts_with('-') {
            skip = with_value.contains(&arg.as_str());
            continue;
        }
        found.push(arg.as_str());
    }
    found
}

fn option<'a>(args: &'a [String], short: &str, long: &str) -> Option<&'a str> {
    let short = if short.is_empty() { long } else { short };
    let long = if long.is_empty() { short } else { long };
    super::argv::option_value(args, short, long)
}

/// `db:5432`, `$SQL_HOST:$SQL_PORT`: the host, and the port when given.
fn host_port(word: &str) -> (Host, Option<String>) {
    // The last `:` outside `${...}` (whose `:-` gives a default).
    let mut depth = 0usize;
    let mut colon = None;
    for (at, c) in word.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => colon = Some(at),
            _ => {}
        }
    }
    match colon {
        Some(at) => (host_of(&word[..at]), Some(word[at + 1..].to_string())),
        None => (host_of(word), None),
    }
}

/// A host as written: a name, `$NAME` or `${NAME}` (a default after
/// `:-` is not read), or unknown for anything else with a `$`.
fn host_of(word: &str) -> Host {
    let variable = word
        .strip_prefix("${")
        .and_then(|w| w.strip_suffix('}'))
        .map(|w| w.split(":-").next().unwrap_or(w))
        .or_else(|| word.strip_prefix('$'));
    match variable {
        Some(name) if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            Host::Variable(name.to_string())
        }
        _ if word.contains('$') || word.is_empty() => Host::Unknown,
        _ => Host::Named(word.to_string()),
    }
}

fn base_name(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(script: &str) -> Vec<(String, Host, Option<String>, String)> {
        waits(script)
            .into_iter()
            .map(|w| (script[w.span.range()].to_string(), w.host, w.port, w.how))
            .collect()
    }

    fn named(host: &str) -> Host {
        Host::Named(host.to_string())
    }

    #[test]
    fn a_netcat_loop_waits_for_its_host() {
        let script = "#!/bin/sh\nif [ \"$DATABASE\" = \"postgres\" ]\nthen\n    while ! nc -z $SQL_HOST $SQL_PORT; do\n      sleep 0.1\n    done\nfi\nexec \"$@\"\n";
        let waits = found(script);
        assert_eq!(waits.len(), 1);
        assert_eq!(waits[0].0, "while ! nc -z $SQL_HOST $SQL_PORT");
        assert_eq!(waits[0].1, Host::Variable("SQL_HOST".into()));
        assert_eq!(waits[0].2.as_deref(), Some("$SQL_PORT"));
        assert_eq!(waits[0].3, "a loop on nc -z");
        let literal = found("until nc -w 1 -z db 5432\n  do sleep 1\ndone");
        assert_eq!(
            (literal[0].1.clone(), literal[0].2.as_deref()),
            (named("db"), Some("5432"))
        );
    }

    #[test]
    fn a_probe_run_once_or_in_a_comment_does_not_wait() {
        assert!(found("nc -z db 5432\nexec gunicorn app:app").is_empty());
        assert!(found("# while ! nc -z db 5432; do sleep 1; done\nexec \"$@\"").is_empty());
        // A loop that does not sleep is not a wait for a host.
        assert!(found("while read line; do echo $line; done").is_empty());
        assert!(found("while true; do sleep 1; done").is_empty());
    }

    #[test]
    fn waiting_tools_wait_by_themselves() {
        let waits = found("wait-for-it \"${POSTGRES_HOST}:${POSTGRES_PORT}\" -t 30\n./wait-for-it.sh -h db -p 5432 -- echo up\ndockerize -wait tcp://db:5432 -timeout 60s\n");
        let hosts: Vec<_> = waits.iter().map(|w| (w.1.clone(), w.2.clone(), w.3.as_str())).collect();
        assert_eq!(
            hosts,
            [
                (
                    Host::Variable("POSTGRES_HOST".into()),
                    Some("${POSTGRES_PORT}".into()),
                    "wait-for-it"
                ),
                (named("db"), Some("5432".into()), "wait-for-it"),
                (named("db"), Some("5432".into()), "dockerize -wait"),
            ]
        );
        let django = found("python manage.py wait_for_db\n");
        assert_eq!(
            (django[0].1.clone(), django[0].3.as_str()),
            (Host::Unknown, "manage.py wait_for_db")
        );
    }

    #[test]
    fn a_loop_on_pg_isready_or_a_python_connection_waits() {
        let waits = found("until pg_isready -h \"$POSTGRES_HOST\" -U app; do\n  >&2 echo waiting\n  sleep 1\ndone\n");
        assert_eq!(waits[0].1, Host::Variable("POSTGRES_HOST".into()));
        assert_eq!(waits[0].3, "a loop on pg_isready");

        let script = "postgres_ready() {\npython << END\nimport sys\nimport psycopg\ntry:\n    psycopg.connect(dbname=\"${POSTGRES_DB}\", host=\"${POSTGRES_HOST}\", port=\"${POSTGRES_PORT}\")\nexcept psycopg.OperationalError:\n    sys.exit(-1)\nsys.exit(0)\nEND\n}\nuntil postgres_ready; do\n  >&2 echo 'PostgreSQL is unavailable (sleeping)...'\n  sleep 1\ndone\n";
        let waits = found(script);
        assert_eq!(waits.len(), 1, "{waits:?}");
        assert_eq!(waits[0].0, "until postgres_ready");
        assert_eq!(waits[0].1, Host::Variable("POSTGRES_HOST".into()));
        assert_eq!(waits[0].3, "a loop on a connection from Python");
    }

    #[test]
    fn a_sleeping_loop_on_any_command_waits_for_something() {
        let waits = found("until python manage.py db_ready; do\n  sleep 1\ndone");
        assert_eq!(waits[0].1, Host::Unknown);
        assert_eq!(waits[0].3, "a loop until `python manage.py db_ready` succeeds");
    }

    #[test]
    fn a_large_script_is_read_in_one_pass() {
        // Many loop conditions, one `done` at the end: each finds it
        // without reading the rest of the script again.
        let script = "while ! nc -z db 5432; do sleep 1;\n".repeat(20_000) + "done\n";
        let started = std::time::Instant::now();
        assert_eq!(waits(&script).len(), 20_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn broken_scripts_are_read_without_panicking() {
        for script in [
            "",
            "<<",
            "cat <<",
            "python <<'END\nimport x",
            "while",
            "until ! ; do",
            "f() {\n",
            "}\n}\n",
            "nc -z",
            "wait-for-it",
            "dockerize -wait",
            "dockerize -wait=",
            "while ! nc -z 'db 5432; do sleep 1; done",
            "until ééé; do sleep 1; done é",
            "python << É\nconnect(host=\"é\nÉ\nuntil python << X\nX\ndo sleep 1\ndone",
        ] {
            let _ = waits(script);
        }
        assert_eq!(
            waits("until python <<END\ndb.connect(host='db')\nEND\ndo sleep 1\ndone")[0].host,
            named("db")
        );
    }

    #[test]
    fn hosts_as_written() {
        assert_eq!(host_of("db"), named("db"));
        assert_eq!(host_of("${DB_HOST:-db}"), Host::Variable("DB_HOST".into()));
        assert_eq!(host_of("$DB_HOST"), Host::Variable("DB_HOST".into()));
        assert_eq!(host_of("db-$ENV"), Host::Unknown);
        assert_eq!(host_port("db:5432"), (named("db"), Some("5432".into())));
        assert_eq!(host_port("${DB_HOST:-db}"), (Host::Variable("DB_HOST".into()), None));
    }

    #[test]
    fn function_headers() {
        assert_eq!(function_header("postgres_ready() {").as_deref(), Some("postgres_ready"));
        assert_eq!(
            function_header("function postgres_ready(){").as_deref(),
            Some("postgres_ready")
        );
        assert_eq!(function_header("function ready {").as_deref(), Some("ready"));
        assert_eq!(function_header("echo () x"), None);
    }
}
