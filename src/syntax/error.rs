//! pest errors as diagnostics in words a user understands.
//!
//! pest reports the rules it tried at the furthest position, and (with error
//! detail on, see `syntax::parse`) the punctuation it tried, which can be
//! further on: `service db` without its `{`. Both are mapped to what a user
//! would call them (`kw_image` is "`image`", `duration` is "a duration such
//! as `5s`"); the message names the token the error follows ("expected a
//! duration such as `5s` after `every`"), and a misspelled keyword gets a
//! suggestion instead of the list of every statement.

use pest::error::{ErrorVariant, InputLocation};

use super::grammar::Rule;
use super::tokens;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::suggest;

/// A syntax error in words, and whether reading on after its line makes
/// sense.
pub struct SyntaxError {
    pub diagnostic: Diagnostic,
    /// False when the error breaks the block structure (a `{` or `}` is
    /// missing): what follows would be misread.
    pub recoverable: bool,
}

pub fn from_pest(text: &str, err: &pest::error::Error<Rule>) -> SyntaxError {
    let (pos, mut expected) = expectation(err);
    // A statement may end at the end of the file; mid-file, what ends it
    // is a line break.
    if pos < text.len() {
        for word in expected.iter_mut().filter(|w| *w == END_OF_FILE) {
            *word = END_OF_LINE.to_string();
        }
    }
    expected.sort();
    expected.dedup();
    if let Some(diagnostic) = block_left_open(text, pos, &expected).or_else(|| entries_left_open(text, pos, &expected))
    {
        return SyntaxError {
            diagnostic,
            recoverable: false,
        };
    }
    let recoverable = !expected.iter().any(|e| e == "`{`");
    let diagnostic = describe_error(text, pos, &expected);
    let recoverable = recoverable && pos < text.len();
    SyntaxError {
        diagnostic,
        recoverable,
    }
}

/// A keyword that starts a line inside a block that does not take it, no
/// further indented than the line that opened the block (`service b {`
/// after a `service a {` left open, a `location` after a `location` left
/// open): the `}` that should have closed the block is missing. Reported
/// at the brace left open, not as an unknown statement of the block, and
/// with nothing read after it.
fn block_left_open(text: &str, pos: usize, expected: &[String]) -> Option<Diagnostic> {
    let found = token_at(text, pos);
    let is_keyword = super::expect::keywords()
        .binary_search_by(|k| k.as_str().cmp(found))
        .is_ok();
    if !is_keyword || expected.contains(&format!("`{found}`")) {
        return None;
    }
    let open = unclosed_brace(&text[..pos])?;
    // The keyword starts its line, no deeper than the block's own line.
    let starts_line = text[line_start(text, pos)..pos]
        .trim_start_matches([' ', '\t'])
        .is_empty();
    if !starts_line || indentation(text, pos) > indentation(text, open) {
        return None;
    }
    Some(
        Diagnostic::error("syntax", "a block is not closed")
            .primary(Span::new(open, open + 1), "this `{` has no matching `}`")
            .secondary(
                Span::new(pos, pos + found.len()),
                "the next statement starts inside the block",
            )
            .help(format!("add `}}` before `{}`", shorten(line_at(text, pos)))),
    )
}

/// A block of `NAME = VALUE` entries (`env { ... }`) left open: a line
/// that starts with a keyword, no further indented than the block's own
/// line, reads as an entry named `ready` that lacks its `=`. The `}` that
/// should have closed the entries is missing; reported at its `{`.
fn entries_left_open(text: &str, pos: usize, expected: &[String]) -> Option<Diagnostic> {
    if !expected.iter().any(|e| e == "`=`") {
        return None;
    }
    let start = line_start(text, pos);
    let keyword = text[start..pos].split_whitespace().next()?;
    let open = unclosed_brace(&text[..pos])?;
    let block = enclosing_block(text, pos)?;
    let is_keyword = super::expect::keywords().iter().any(|k| k == keyword);
    let entries = matches!(block, "env" | "labels" | "args" | "packages" | "build_packages");
    if !is_keyword || !entries || indentation(text, pos) > indentation(text, open) {
        return None;
    }
    let at = start + indentation(text, pos);
    Some(
        Diagnostic::error("syntax", format!("the `{block}` block is not closed"))
            .primary(Span::new(open, open + 1), "this `{` has no matching `}`")
            .secondary(
                Span::new(at, at + keyword.len()),
                format!("`{keyword}` is a statement of the block around `{block}`, not an entry"),
            )
            .help(format!("add `}}` before `{}`", shorten(line_at(text, pos)))),
    )
}

/// Where the parser stopped, and what it expected there.
fn expectation(err: &pest::error::Error<Rule>) -> (usize, Vec<String>) {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    if let Some(attempts) = err.parse_attempts() {
        let punctuation: Vec<String> = attempts
            .expected_tokens()
            .into_iter()
            .map(|token| token.to_string())
            .filter(|token| PUNCTUATION.contains(&token.as_str()))
            .map(|token| format!("`{token}`"))
            .collect();
        if attempts.max_position > pos && !punctuation.is_empty() {
            return (attempts.max_position, punctuation);
        }
    }
    let expected = match &err.variant {
        // Before the first statement pest names only the whole spec's rule;
        // the keywords it tried say which statements may start it.
        ErrorVariant::ParsingError { positives, .. } if positives.contains(&Rule::file) => first_statements(err),
        ErrorVariant::ParsingError { positives, .. } => positives.iter().flat_map(|r| describe_each(*r)).collect(),
        ErrorVariant::CustomError { message } => vec![message.clone()],
    };
    (pos, expected)
}

/// The statements that may start a spec, from the keywords pest tried.
fn first_statements(err: &pest::error::Error<Rule>) -> Vec<String> {
    let keywords = super::expect::keywords();
    err.parse_attempts()
        .map(|attempts| attempts.expected_tokens())
        .unwrap_or_default()
        .into_iter()
        .map(|token| token.to_string())
        .filter(|token| keywords.binary_search(token).is_ok())
        .map(|keyword| format!("`{keyword}`"))
        .collect()
}

/// The punctuation that structures statements; a name character or a
/// space that pest also tried is no news to the user.
const PUNCTUATION: &[&str] = &["{", "}", "[", "]", ",", "=", "->"];

fn describe_error(text: &str, pos: usize, expected: &[String]) -> Diagnostic {
    let found = token_at(text, pos);
    let span = Span::new(pos, pos + found.len());
    if found.is_empty() {
        if let Some(open) = unclosed_brace(text) {
            return Diagnostic::error("syntax", "a block is not closed")
                .primary(Span::new(open, open + 1), "this `{` has no matching `}`")
                .help("add `}` at the end of the block");
        }
    }
    if expected.iter().any(|e| e == STRING_REST) && matches!(found, "" | "\n" | "\r\n") {
        return Diagnostic::error("syntax", "this string is not closed")
            .primary(span, "the line ends before the closing `\"`")
            .help("close the string with `\"` on the same line; write a line break inside it as `\\n`");
    }
    let found_desc = describe_found(found);
    if found
        .chars()
        .next()
        .is_some_and(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Diagnostic::error("syntax", format!("unexpected {found_desc}"))
            .primary(span, "a spec cannot hold control characters")
            .help("remove it; inside a string, write a character by its code as `\\u{...}`");
    }

    let before = token_before(text, pos);
    let at_statement_start = before.is_none_or(|b| b == "{");
    let statements_expected = expected
        .iter()
        .all(|e| e == END_OF_LINE || e == END_OF_FILE || e == "`}`" || is_keyword(e));
    let misspelled = misspelled_keyword(found, expected);
    let mut diagnostic = if at_statement_start && statements_expected && found.chars().all(is_word_char) {
        let place = match enclosing_block(text, pos) {
            Some(block) => format!("of a `{block}` block"),
            None => "at the top level".to_string(),
        };
        let keywords: Vec<String> = expected.iter().filter(|e| is_keyword(e)).cloned().collect();
        let diagnostic = Diagnostic::error("syntax", format!("{found_desc} is not a statement {place}"))
            .primary(span, "unknown statement");
        // An indented line at the top level: a `}` too many closed the
        // block it was written in.
        if let Some(closing) = early_close(text, pos).filter(|_| misspelled.is_none()) {
            diagnostic
                .secondary(
                    closing,
                    "this `}` closes the block above: the lines after it are outside",
                )
                .help("if the line belongs to that block, remove the `}` that closes it early")
        } else if misspelled.is_some() {
            diagnostic
        } else {
            diagnostic.help(format!("statements {place}: {}", join_or(&keywords)))
        }
    } else if let Some(before) = before {
        let before = shorten(before);
        let ends_statement = expected
            .iter()
            .all(|e| e == END_OF_LINE || e == END_OF_FILE || e == "`}`");
        let (message, label) = if ends_statement {
            (
                format!("unexpected {found_desc} after `{before}`"),
                "the statement ends before this".to_string(),
            )
        } else {
            let label = if matches!(found, "\n" | "\r\n" | "") {
                "the line ends here".to_string()
            } else {
                format!("found {found_desc}")
            };
            (format!("expected {} after `{before}`", join_or(expected)), label)
        };
        Diagnostic::error("syntax", message).primary(span, label)
    } else {
        Diagnostic::error("syntax", format!("unexpected {found_desc}"))
            .primary(span, format!("expected {}", join_or(expected)))
    };

    let line = line_at(text, pos);
    // Inside a block when a `{` before the line is still open (the line
    // itself is read trimmed).
    let top_level = unclosed_brace(&text[..pos.min(text.len())]).is_none();
    if let Some(help) = statement_hint(line, top_level) {
        diagnostic = diagnostic.help(help);
    } else if expected == ["`{`"] && matches!(found, "" | "\n" | "\r\n") {
        diagnostic = diagnostic.help(format!("a block opens on the line that names it: `{line} {{`"));
    } else if found.chars().all(|c| c.is_ascii_digit()) && expected.iter().any(|e| e == DURATION) {
        diagnostic = diagnostic.help(format!("add a unit: `{found}s`; units are `ms`, `s`, `m` and `h`"));
    } else if let Some(keyword) = misspelled {
        diagnostic = diagnostic.help(format!("did you mean `{keyword}`?"));
    } else if expected.iter().any(|e| e == "`,`") && found.starts_with('"') {
        diagnostic = diagnostic.help("separate the items of a list with `,`: [\"a\", \"b\"]");
    } else if found == "\\" && expected.iter().any(|e| e.starts_with("an escape")) {
        // A regex or a Windows path written with single backslashes.
        diagnostic = diagnostic
            .help("a backslash in a string is written `\\\\`: a regex's `\\.` is `\\\\.` (`location ~ \"\\\\.php$\"`)");
    } else if found.starts_with('"') {
        if let Some(help) = quoted_help(text, pos, expected) {
            diagnostic = diagnostic.help(help);
        }
    } else if diagnostic.help.is_none()
        && !matches!(found, "" | "\n" | "\r\n")
        && (expected.iter().any(|e| e == "a value")
            || found.chars().all(|c| c.is_ascii_punctuation() && !"{}\"#".contains(c)))
    {
        diagnostic = diagnostic.help("values with spaces or special characters go in double quotes: \"like this\"");
    }
    diagnostic
}

/// Help for a string where the grammar takes none: after a statement's
/// whole value (`A = "x" "y"`), or where a bare word stands (a name, a
/// port, a duration: `after "db"`). The value is quoted already, so the
/// hint about quoting values does not apply.
fn quoted_help(text: &str, pos: usize, expected: &[String]) -> Option<String> {
    let rest = &text[pos + 1..];
    let inner = &rest[..rest.find(['"', '\n', '\r'])?];
    if expected
        .iter()
        .all(|e| e == END_OF_LINE || e == END_OF_FILE || e == "`}`")
    {
        return Some(argv_as_list(text, pos).unwrap_or_else(|| {
            "a value ends at its closing quote: put all of it inside one pair of quotes".to_string()
        }));
    }
    if inner.is_empty() || inner.contains(['\\', ' ', '\t']) {
        return None;
    }
    Some(match token_before(text, pos) {
        Some(before) => format!("write it without quotes: `{} {}`", shorten(before), shorten(inner)),
        None => format!("write it without quotes: `{}`", shorten(inner)),
    })
}

/// Help for a command written as several strings, as compose's and a
/// Dockerfile's exec form list them (`command "--flag" "--other"`): a
/// command is one string or a list, and the list is the one that keeps
/// each word as written.
fn argv_as_list(text: &str, pos: usize) -> Option<String> {
    let start = line_start(text, pos);
    let end = text[pos..].find(['\n', '\r']).map_or(text.len(), |i| pos + i);
    let lines = tokens::lines(&text[start..end]);
    let tokens = &lines.first()?.tokens;
    let keyword_words = match tokens.first()?.text {
        "command" | "run" | "entrypoint" => 1,
        "ready" if tokens.get(1)?.text == "cmd" => 2,
        _ => return None,
    };
    let words = &tokens[keyword_words..];
    if words.len() < 2 || words.iter().any(|t| t.kind != tokens::Kind::Str) {
        return None;
    }
    let keyword: Vec<&str> = tokens[..keyword_words].iter().map(|t| t.text).collect();
    let list: Vec<&str> = words.iter().map(|t| t.text).collect();
    let mut list = list.join(", ");
    if list.chars().count() > 100 {
        list = format!("{}, …", shorten(words[0].text));
    }
    Some(format!(
        "a command is one string or a list: `{} [{list}]`",
        keyword.join(" ")
    ))
}

/// The token before `pos` on its line, if any.
fn token_before(text: &str, pos: usize) -> Option<&str> {
    let pos = pos.min(text.len());
    let start = text[..pos].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let lines = tokens::lines(&text[start..pos]);
    let token = lines.last()?.tokens.last()?;
    Some(token.text)
}

/// A token quoted in a message: long strings are cut short.
fn shorten(token: &str) -> String {
    const MAX: usize = 30;
    if token.chars().count() <= MAX {
        token.to_string()
    } else {
        format!("{}…", token.chars().take(MAX - 1).collect::<String>())
    }
}

/// The keyword that opens the block `pos` is in (`service`), if any.
fn enclosing_block(text: &str, pos: usize) -> Option<&str> {
    let open = unclosed_brace(&text[..pos.min(text.len())])?;
    let start = text[..open].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    text[start..open].split_whitespace().next()
}

fn is_keyword(expected: &str) -> bool {
    expected
        .strip_prefix('`')
        .and_then(|e| e.strip_suffix('`'))
        .is_some_and(|e| !e.is_empty() && e.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
}

/// Where the line that holds `pos` starts.
fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

/// How far the line that holds `pos` is indented, in bytes.
fn indentation(text: &str, pos: usize) -> usize {
    let line = &text[line_start(text, pos)..];
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

/// The text of the line that holds `pos`, without its indentation.
/// The last `}` alone on its line before `pos`, when the line at `pos` is
/// indented and at the top level: the block before ended there, though
/// the indentation says this line was meant inside it.
fn early_close(text: &str, pos: usize) -> Option<Span> {
    let pos = pos.min(text.len());
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let indented = text[line_start..pos].starts_with([' ', '\t']);
    if !indented || unclosed_brace(&text[..pos]).is_some() {
        return None;
    }
    let before = text[..line_start].trim_end();
    let close = before.strip_suffix('}')?;
    let own_line = close.rfind('\n').is_none_or(|i| close[i + 1..].trim().is_empty());
    own_line.then(|| Span::new(close.len(), close.len() + 1))
}

fn line_at(text: &str, pos: usize) -> &str {
    let pos = pos.min(text.len());
    let start = text[..pos].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let end = text[pos..].find(['\n', '\r']).map_or(text.len(), |i| pos + i);
    text[start..end].trim()
}

/// Help for mistakes people bring from the files stackc replaces: compose's
/// `8000:8000` ports and `./src:/app` mounts, apt's `libpq5=15.*`.
fn statement_hint(line: &str, top_level: bool) -> Option<String> {
    let mut words = line.split_whitespace();
    let first = words.next();
    // YAML's habit: `image: redis:7.4`.
    if let Some(keyword) = first.and_then(|w| w.strip_suffix(':')) {
        if super::expect::keywords().iter().any(|k| k == keyword) {
            let rest = line.trim_start()[keyword.len() + 1..].trim();
            return Some(format!(
                "a statement is `KEYWORD VALUE`, without a `:` after the keyword: `{keyword} {rest}`"
            ));
        }
    }
    if let Some(hint) = first.and_then(|w| compose_key_hint(w.strip_suffix(':').unwrap_or(w), top_level)) {
        return Some(hint.to_string());
    }
    let second = words.clone().next();
    if let (Some("set" | "add" | "remove" | "unset"), Some(keyword)) = (first, second) {
        if PROXY_ONLY.contains(&keyword) {
            return Some(format!(
                "an environment cannot change a proxy's `{keyword}` (nor its servers, upstreams or locations): write `without proxy NAME` and a whole `proxy NAME {{ ... }}` of its own in the environment"
            ));
        }
    }
    let hint = match (first, words.next()) {
        (Some("publish"), Some(port)) if port.contains(':') && !line.contains("->") => Some(
            "write `publish HOST -> CONTAINER`, e.g. `publish 8000 -> 8000`; an interface goes first: `publish 127.0.0.1:8000 -> 8000`",
        ),
        (Some("publish"), Some(port)) if port.contains('/') => {
            Some("the protocol goes after the container port, as in compose: `publish 53 -> 53/udp`")
        }
        (Some("publish" | "expose"), Some(_)) => port_protocol_hint(line),
        (Some("packages" | "build_packages"), Some(_)) if !line.contains('{') => Some(
            "write one package per line with its version, in a block: `packages {`, then `libpq5 = 15.*`, then `}`",
        ),
        (Some("env_file"), Some("optional")) => Some("`optional` goes after the path: `env_file PATH optional`"),
        (Some("ready"), Some("off")) => Some("`ready off` takes no options: there is no check to time"),
        (Some("ready"), Some("http")) if line.split_whitespace().nth(2).is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit())) => {
            return Some(ready_http_port_first(line));
        }
        (Some("after"), Some(_)) => after_condition_hint(line),
        (Some("ready"), Some(_)) => ready_timing_hint(line),
        (Some("compose"), Some(_)) if line.contains("= {") || line.contains("= [") => Some(
            "a compose value with braces or brackets is YAML in flow style, in quotes: `compose ulimits = \"{memlock: {soft: -1, hard: -1}}\"`",
        ),
        (Some("mount"), Some(source)) if source.contains(':') => Some(
            "write `mount SOURCE at PATH`, e.g. `mount ./src at /app` for a host folder or `mount media at /app/media` for a volume",
        ),
        _ => None,
    };
    hint.map(str::to_string)
}

/// `ready http 8080 "/health"`: the path comes first, the port after
/// `port` (`8080` was read as the path, and a quoted path after it, said
/// to go without quotes, failed again).
fn ready_http_port_first(line: &str) -> String {
    let mut words = line.split_whitespace().skip(2);
    let port = words.next().unwrap_or("8000");
    let path = words
        .next()
        .map(|w| w.trim_matches('"'))
        .filter(|w| w.starts_with('/'))
        .unwrap_or("/health");
    format!("`ready http` takes the path first and the port after `port`: `ready http {path} port {port}`")
}

/// compose's `depends_on` conditions, written after `after NAME`.
fn after_condition_hint(line: &str) -> Option<&'static str> {
    let words: Vec<&str> = line.split_whitespace().collect();
    words.iter().find_map(|word| match *word {
        "healthy" | "service_healthy" | "health" => {
            Some("compose's `service_healthy` is `ready` here: `after db ready`")
        }
        "completed" | "service_completed_successfully" | "completed_successfully" => {
            Some("compose's `service_completed_successfully` is `done` here: `after migrate done`")
        }
        "service_started" => Some("compose's `service_started` is `started` here, or no condition: `after db`"),
        _ => None,
    })
}

/// compose's healthcheck timings, written after `ready ...`.
fn ready_timing_hint(line: &str) -> Option<&'static str> {
    let words: Vec<&str> = line.split_whitespace().collect();
    words.iter().find_map(|word| match *word {
        "interval" => Some("compose's `interval` is `every` here: `ready cmd \"...\" every 10s timeout 5s retries 5`"),
        "start_period" => Some("compose's `start_period` is `start` here: `ready ... start 30s`"),
        "start_interval" => {
            Some("compose's `start_interval` is `start_every` here: `ready ... start 30s start_every 2s`")
        }
        _ => None,
    })
}

/// A `publish` or `expose` line whose protocol is written wrong: a `/`
/// not between a port's digits and `tcp`, `udp` or `sctp` (its comment
/// left out: a path there is no protocol).
fn port_protocol_hint(line: &str) -> Option<&'static str> {
    let code = line.split('#').next().unwrap_or(line);
    let bytes = code.as_bytes();
    let misplaced = code.match_indices('/').find(|&(at, _)| {
        let after = &code[at + 1..];
        let name_len = after.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(after.len());
        let after_digit = at > 0 && bytes[at - 1].is_ascii_digit();
        !(after_digit && ["tcp", "udp", "sctp"].contains(&&after[..name_len]))
    });
    let (at, _) = misplaced?;
    Some(match at > 0 && matches!(bytes[at - 1], b' ' | b'\t') {
        true => "a port and its protocol are one word: `53/udp`",
        false => "a port's protocol is `tcp`, `udp` or `sctp` in lower case, once, right after it: `53/udp`",
    })
}

/// The statement a compose key is written as, for a team that writes its
/// compose.yaml habits into a spec (`ports 8000:8000`, `depends_on db`).
fn compose_key_hint(key: &str, top_level: bool) -> Option<&'static str> {
    Some(match key {
        "ports" => "compose's `ports` is `publish HOST -> CONTAINER` here, e.g. `publish 8000 -> 8000`, one per line",
        "depends_on" => "compose's `depends_on` is `after NAME` here, with `ready` or `done` to wait for a healthcheck or a job: `after db ready`",
        "environment" => "compose's `environment` is an `env` block here: `env {`, then `NAME = \"value\"` lines, then `}`",
        "volumes" if top_level => "compose's top-level `volumes` is one `volume NAME` per line here",
        "volumes" => "compose's `volumes` is `mount SOURCE at PATH` here, one per line: `mount media at /app/media`, `mount ./src at /app`",
        "healthcheck" => "compose's `healthcheck` is `ready` here: `ready cmd \"pg_isready -h 127.0.0.1\"`, or `ready tcp PORT` for an image stackc builds",
        "working_dir" => "compose's `working_dir` is `workdir PATH` here",
        "deploy" => "compose's `deploy` settings are `replicas N` and `limits memory SIZE cpus N` here",
        "services" => "each compose service is a block here: `service NAME { ... }` (`job` for a one-shot task, `proxy` for nginx)",
        "secrets" if top_level => "compose's top-level `secrets` is one `secret NAME file \"PATH\"` per line here",
        "version" if top_level => "a spec has no compose file `version`: remove the line",
        _ => return None,
    })
}

/// The statements of a proxy that operations cannot change.
const PROXY_ONLY: &[&str] = &[
    "server_name",
    "listen",
    "tls",
    "redirect",
    "location",
    "server",
    "upstream",
    "proxy_pass",
    "alias",
    "websocket",
    "client_max_body_size",
    "proxy_read_timeout",
    "proxy_connect_timeout",
    "proxy_send_timeout",
    "add_header",
    "proxy_set_header",
    "nginx",
];

/// The last `{` that no `}` closes, outside strings and comments.
fn unclosed_brace(text: &str) -> Option<usize> {
    let mut open = Vec::new();
    let mut in_string = false;
    let mut in_comment = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            '\n' => {
                in_comment = false;
                in_string = false;
            }
            _ if in_comment => {}
            _ if in_string => {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => in_string = false,
                    _ => escaped = false,
                }
                continue;
            }
            '#' => in_comment = true,
            '"' => in_string = true,
            '{' => open.push(i),
            '}' => {
                open.pop();
            }
            _ => {}
        }
        escaped = false;
    }
    open.pop()
}

/// The word, quote or single character at `pos`, for "unexpected ...".
fn token_at(text: &str, pos: usize) -> &str {
    let rest = &text[pos.min(text.len())..];
    let Some(first) = rest.chars().next() else {
        return "";
    };
    if is_word_char(first) {
        let end = rest.find(|c| !is_word_char(c)).unwrap_or(rest.len());
        &rest[..end]
    } else if first == '\r' && rest.starts_with("\r\n") {
        "\r\n"
    } else {
        &rest[..first.len_utf8()]
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

fn describe_found(found: &str) -> String {
    match found {
        "" => "end of file".to_string(),
        "\n" | "\r\n" => "end of line".to_string(),
        "\0" => "NUL byte".to_string(),
        "\u{FEFF}" => "byte order mark".to_string(),
        "\t" => "tab".to_string(),
        s if s.chars().all(char::is_control) => {
            format!("control character U+{:04X}", s.chars().next().map_or(0, u32::from))
        }
        s => format!("`{}`", shorten(s)),
    }
}

const END_OF_FILE: &str = "end of file";
const END_OF_LINE: &str = "end of line";
const DURATION: &str = "a duration such as `5s`";

/// What pest expects inside an open string.
const STRING_REST: &str = "the rest of the string";

/// How a user would name what the rule matches.
/// What the user may write where pest expected `rule`: a rule that stands
/// for several keywords is each of them (`app_server` is written
/// `gunicorn`, `uvicorn` or `daphne`).
fn describe_each(rule: Rule) -> Vec<String> {
    match rule {
        Rule::app_server => ["gunicorn", "uvicorn", "daphne"].map(|k| format!("`{k}`")).to_vec(),
        Rule::proxy_timeout => ["proxy_read_timeout", "proxy_connect_timeout", "proxy_send_timeout"]
            .map(|k| format!("`{k}`"))
            .to_vec(),
        _ => vec![describe(rule)],
    }
}

fn describe(rule: Rule) -> String {
    if let Some(keyword) = super::expect::keyword(rule) {
        return format!("`{keyword}`");
    }
    let name = format!("{rule:?}");
    let words = match rule {
        Rule::EOI => END_OF_FILE,
        Rule::name => "a name (letters, digits, `_` and `-`, starting with a letter)",
        Rule::stack_name => "a name (letters, digits, `_` and `-`, starting with a letter or digit)",
        Rule::env_name => "a variable name such as `DATABASE_URL`",
        Rule::env_key => "a variable name such as `DATABASE_URL`",
        Rule::text | Rule::bare | Rule::string | Rule::argv | Rule::text_list => "a value",
        Rule::port | Rule::host_port | Rule::container_port => "a port number",
        Rule::protocol => "`tcp`, `udp` or `sctp`",
        Rule::integer => "a number",
        Rule::version => "a version such as `3.12`",
        Rule::duration => DURATION,
        Rule::size => "a size such as `512M`",
        Rule::cpus => "a number of CPUs such as `1.5`",
        Rule::compose_key => "a compose key such as `stop_signal`",
        Rule::restart_policy => "`no`, `always`, `on-failure` or `unless-stopped`",
        Rule::host_ip => "an IP address",
        Rule::server_address => "`SERVICE:PORT`",
        Rule::read_only => "`ro`",
        Rule::location_modifier => "`=`, `^~`, `~` or `~*`",
        Rule::location_name => "`@NAME`",
        Rule::condition => "`ready`, `done` or `started`",
        Rule::escape => "an escape (`\\\"`, `\\\\`, `\\n`, `\\t`, `\\r` or `\\u{...}`)",
        Rule::raw_chars => STRING_REST,
        _ => return format!("`{name}`"),
    };
    words.to_string()
}

fn join_or(words: &[String]) -> String {
    match words {
        [] => "something else".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A word at a place where keywords were expected, close to one of them.
fn misspelled_keyword<'a>(found: &str, expected: &'a [String]) -> Option<&'a str> {
    if found.is_empty() || !found.chars().all(is_word_char) {
        return None;
    }
    let keywords = expected
        .iter()
        .filter_map(|e| e.strip_prefix('`').and_then(|e| e.strip_suffix('`')));
    // The right keyword with a mistake after it is no misspelling.
    if keywords.clone().any(|k| k == found) {
        return None;
    }
    suggest::closest(found, keywords)
}

#[cfg(test)]
mod tests {
    use super::port_protocol_hint;

    #[test]
    fn a_protocol_hint_only_where_a_protocol_is_written_wrong() {
        assert_eq!(port_protocol_hint("    expose 53/udp 54/udp"), None);
        assert_eq!(port_protocol_hint("    publish 80 -> 8o0  # see /docs"), None);
        let hint = |line| port_protocol_hint(line).unwrap_or_default();
        assert!(hint("    publish 53 -> 53 /udp").contains("one word"));
        assert!(hint("    expose 53/UDP").contains("lower case"));
        assert!(hint("    expose 53/udp/tcp").contains("once"));
        assert!(hint("    expose 53/").contains("right after it"));
    }
}
