//! The simple commands of a shell script (a Dockerfile RUN, a spec's
//! `sh -c "..."`): split at `&&`, `||`, `;`, `|`, `&`, line breaks and
//! parentheses outside quotes, `$(...)` and backquotes, each command's
//! words split by the `shlex` crate, for rules such as "apt-get install
//! without `-y`".
//!
//! Not a shell parser: `case` arms, functions and redirections are not
//! understood (a redirection is just more words); leading `if`, `then`,
//! `do`, `!`, `{` ... are dropped from a command, and `for`/`case` headers
//! are not commands. A command's span is exact; its words have none.

use crate::source::Span;

/// One command of a script, e.g. `apt-get install -y curl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimpleCommand {
    pub words: Vec<String>,
    pub span: Span,
}

impl SimpleCommand {
    /// Where the program is: after `NAME=value` assignments.
    fn program_index(&self) -> usize {
        self.words.iter().take_while(|w| is_assignment(w)).count()
    }

    /// The program run, e.g. `apt-get` in `DEBIAN_FRONTEND=noninteractive
    /// apt-get install`.
    pub fn program(&self) -> Option<&str> {
        self.words.get(self.program_index()).map(String::as_str)
    }

    /// The words after the program.
    pub fn args(&self) -> &[String] {
        self.words.get(self.program_index() + 1..).unwrap_or_default()
    }
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// Whether a program is a POSIX-style shell (`sh`, `/bin/bash`...).
pub fn is_shell(program: &str) -> bool {
    matches!(program.rsplit('/').next(), Some("sh" | "bash" | "ash" | "dash" | "zsh"))
}

/// Words that open or continue a compound command: dropped from the
/// start of a command.
const PREFIXES: [&str; 10] = ["if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"];
/// Words that end a compound command or head a loop: not commands.
const NOT_COMMANDS: [&str; 7] = ["fi", "done", "}", "esac", "for", "case", "select"];

/// The simple commands of a script; spans are offsets into `script`.
pub fn simple_commands(script: &str) -> Vec<SimpleCommand> {
    pieces(script)
        .into_iter()
        .filter_map(|(start, end)| {
            let piece = &script[start..end];
            let trimmed = piece.trim_start();
            let start = start + piece.len() - trimmed.len();
            let trimmed = trimmed.trim_end();
            let words =
                shlex::split(trimmed).unwrap_or_else(|| trimmed.split_whitespace().map(str::to_string).collect());
            let skip = words.iter().take_while(|w| PREFIXES.contains(&w.as_str())).count();
            let words = words[skip..].to_vec();
            let first = words.first()?;
            if NOT_COMMANDS.contains(&first.as_str()) {
                return None;
            }
            Some(SimpleCommand {
                words,
                span: Span::new(start, start + trimmed.len()),
            })
        })
        .collect()
}

/// The byte ranges between command separators, outside quotes, `$(...)`,
/// backquotes and `#` comments.
fn pieces(script: &str) -> Vec<(usize, usize)> {
    let bytes = script.as_bytes();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut quote = None;
    let mut depth = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == b'\\' && q != b'\'' {
                i += 2;
                continue;
            }
            if b == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        let next = bytes.get(i + 1).copied();
        let separator = match b {
            b'\\' => {
                i += 2;
                continue;
            }
            b'\'' | b'"' | b'`' => {
                quote = Some(b);
                0
            }
            b'$' if next == Some(b'(') => {
                depth += 1;
                i += 2;
                continue;
            }
            b'(' if depth > 0 => {
                depth += 1;
                0
            }
            b')' if depth > 0 => {
                depth -= 1;
                0
            }
            _ if depth > 0 => 0,
            b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() || b";&|()".contains(&bytes[i - 1]) => {
                // A comment: up to the line break, which still separates.
                let end = script[i..].find('\n').map_or(bytes.len(), |n| i + n);
                pieces.push((start, i));
                start = end;
                i = end;
                continue;
            }
            b'\n' | b';' | b'(' | b')' => 1,
            b'&' if next == Some(b'&') => 2,
            // `2>&1`, `>&2`, `&>file`: a redirection, not a separator.
            b'&' if i > 0 && matches!(bytes[i - 1], b'>' | b'<') || next == Some(b'>') => 0,
            b'&' => 1,
            b'|' if matches!(next, Some(b'|' | b'&')) => 2,
            b'|' => 1,
            _ => 0,
        };
        if separator > 0 {
            pieces.push((start, i));
            start = i + separator;
        }
        i += separator.max(1);
    }
    pieces.push((start.min(bytes.len()), bytes.len()));
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(script: &str) -> Vec<Vec<String>> {
        simple_commands(script).into_iter().map(|c| c.words).collect()
    }

    #[test]
    fn splits_at_operators_outside_quotes() {
        assert_eq!(
            words("apt-get update&&apt-get install -y curl || exit 1; echo 'a && b' | tee \"x;y\" &"),
            [
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "curl"],
                vec!["exit", "1"],
                vec!["echo", "a && b"],
                vec!["tee", "x;y"],
            ]
        );
    }

    #[test]
    fn substitutions_redirections_and_comments_stay_inside_a_command() {
        // shlex splits `$(date; id)` at its space: words inside a
        // substitution are approximate, the command boundaries are not.
        assert_eq!(
            words("echo $(date; id) `a|b` 2>&1 >&2 &>/dev/null # a; comment\nls"),
            [
                vec!["echo", "$(date;", "id)", "`a|b`", "2>&1", ">&2", "&>/dev/null"],
                vec!["ls"],
            ]
        );
    }

    #[test]
    fn compound_commands_leave_their_simple_commands() {
        assert_eq!(
            words("if [ -f x ]; then apt-get install -y a; fi\nfor p in a b; do pip install $p; done"),
            [
                vec!["[", "-f", "x", "]"],
                vec!["apt-get", "install", "-y", "a"],
                vec!["pip", "install", "$p"],
            ]
        );
    }

    #[test]
    fn the_program_follows_assignments() {
        let command = &simple_commands("DEBIAN_FRONTEND=noninteractive apt-get install -y curl")[0];
        assert_eq!(command.program(), Some("apt-get"));
        assert_eq!(command.args(), ["install", "-y", "curl"]);
    }

    #[test]
    fn shells_by_their_program_name() {
        assert!(is_shell("sh") && is_shell("/bin/bash") && is_shell("/usr/bin/dash"));
        assert!(!is_shell("python3") && !is_shell("/bin/shell") && !is_shell(""));
    }

    #[test]
    fn spans_cover_each_command() {
        let script = "  a b &&  c ;";
        let spans: Vec<&str> = simple_commands(script)
            .iter()
            .map(|c| &script[c.span.start..c.span.end])
            .collect();
        assert_eq!(spans, ["a b", "c"]);
    }
}
