//! pest errors as diagnostics in words a user understands.
//!
//! pest reports the rules it tried at the furthest position. Those are mapped
//! to what a user would call them (`kw_image` is "`image`", `duration` is "a
//! duration such as `5s`"), and a misspelled keyword gets a suggestion.

use pest::error::{ErrorVariant, InputLocation};

use super::grammar::Rule;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::suggest;

pub fn from_pest(text: &str, err: pest::error::Error<Rule>) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut expected = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => describe_all(positives),
        ErrorVariant::CustomError { message } => vec![message.clone()],
    };
    // A statement may end at the end of the file; mid-file, what ends it
    // is a line break.
    if pos < text.len() {
        for word in expected.iter_mut().filter(|w| *w == END_OF_FILE) {
            *word = "end of line".to_string();
        }
    }
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

    let mut diagnostic = Diagnostic::error("syntax", format!("unexpected {found_desc}"))
        .primary(span, format!("expected {}", join_or(&expected)));
    let line = line_at(text, pos);
    if let Some(help) = statement_hint(line) {
        diagnostic = diagnostic.help(help);
    } else if found.chars().all(|c| c.is_ascii_digit()) && expected.iter().any(|e| e == DURATION) {
        diagnostic = diagnostic.help(format!("add a unit: `{found}s`; units are `ms`, `s`, `m` and `h`"));
    } else if let Some(keyword) = misspelled_keyword(found, &expected) {
        diagnostic = diagnostic.help(format!("did you mean `{keyword}`?"));
    } else if found.starts_with('"')
        || expected.iter().any(|e| e == "a value")
        || found.chars().all(|c| c.is_ascii_punctuation() && !"{}\"#".contains(c))
    {
        diagnostic = diagnostic.help("values with spaces or special characters go in double quotes: \"like this\"");
    }
    diagnostic
}

/// The text of the line that holds `pos`, without its indentation.
fn line_at(text: &str, pos: usize) -> &str {
    let pos = pos.min(text.len());
    let start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    text[start..end].trim()
}

/// Help for mistakes people bring from the files stackc replaces: compose's
/// `8000:8000` ports and bind mounts of host folders.
fn statement_hint(line: &str) -> Option<&'static str> {
    let mut words = line.split_whitespace();
    match (words.next(), words.next()) {
        (Some("publish"), Some(port)) if port.contains(':') && !line.contains("->") => Some(
            "write `publish HOST -> CONTAINER`, e.g. `publish 8000 -> 8000`; an interface goes first: `publish 127.0.0.1:8000 -> 8000`",
        ),
        (Some("mount"), Some(source)) if source.starts_with(['.', '/', '~']) => Some(
            "`mount` takes a volume declared with `volume NAME`; mounting a host folder is not supported",
        ),
        _ => None,
    }
}

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
        s => format!("`{s}`"),
    }
}

fn describe_all(rules: &[Rule]) -> Vec<String> {
    let mut words: Vec<String> = rules.iter().map(|r| describe(*r)).collect();
    words.sort();
    words.dedup();
    words
}

const END_OF_FILE: &str = "end of file";
const DURATION: &str = "a duration such as `5s`";

/// What pest expects inside an open string.
const STRING_REST: &str = "the rest of the string";

/// How a user would name what the rule matches.
fn describe(rule: Rule) -> String {
    let name = format!("{rule:?}");
    match rule {
        // Compose's spelling, which a rule name cannot have.
        Rule::kw_on_failure => return "`on-failure`".to_string(),
        Rule::kw_unless_stopped => return "`unless-stopped`".to_string(),
        _ => {}
    }
    if let Some(keyword) = name.strip_prefix("kw_") {
        return format!("`{keyword}`");
    }
    let words = match rule {
        Rule::EOI => END_OF_FILE,
        Rule::name => "a name (letters, digits, `_` and `-`, starting with a letter)",
        Rule::env_name => "a variable name such as `DATABASE_URL`",
        Rule::text | Rule::bare | Rule::string | Rule::argv | Rule::text_list => "a value",
        Rule::port | Rule::host_port => "a port number",
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
    // The keyword itself is no suggestion: the error is after it.
    let keywords = expected
        .iter()
        .filter_map(|e| e.strip_prefix('`').and_then(|e| e.strip_suffix('`')))
        .filter(|k| *k != found);
    suggest::closest(found, keywords)
}
