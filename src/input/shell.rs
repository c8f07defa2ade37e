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
//!
//! Each command also keeps its words as written ([`SimpleCommand::raw_words`],
//! quotes kept) and the operator after it, for the questions only the
//! written form answers: is an expansion quoted, is a `cd` chained with
//! `&&`, does a pipe hide a failure.

use crate::source::Span;

/// One command of a script, e.g. `apt-get install -y curl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimpleCommand {
    pub words: Vec<String>,
    /// The words as written, quotes and expansions kept: split at blanks
    /// outside quotes, `$(...)` and backquotes.
    pub raw_words: Vec<String>,
    pub span: Span,
    /// The operator that follows the command; `None` at the end.
    pub then: Option<Operator>,
}

/// What joins a command to the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    /// `&&`: the next runs if this one succeeds.
    And,
    /// `||`
    Or,
    /// `|` or `|&`: the next reads this one's output; the pipe's status is
    /// the last command's unless `pipefail` is set.
    Pipe,
    /// `;`, a line break or a parenthesis.
    Sequence,
    /// `&`
    Background,
}

/// An expansion the shell splits into words and globs, because it is
/// outside double quotes: `$NAME`, `${NAME}`, `$(...)` or backquotes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    pub text: String,
    /// A command substitution (`$(...)`, backquotes), not a variable.
    pub command: bool,
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

/// The words of each program a command line's words run (an image's
/// CMD, say): the line itself, and for `sh -c "a && b"` each of the
/// shell's commands.
pub fn programs_of(words: &[String]) -> Vec<Vec<String>> {
    match inline_script(words) {
        Some(script) => shell_programs(script),
        None => vec![words.to_vec()],
    }
}

/// The commands a command line's words run, as [`programs_of`], with the
/// operators between them (`echo x | tool` pipes): a line that is no
/// shell script is one command, spanning nothing.
pub fn commands_of(words: &[String]) -> Vec<SimpleCommand> {
    match inline_script(words) {
        Some(script) => simple_commands(script),
        None => vec![SimpleCommand {
            words: words.to_vec(),
            raw_words: Vec::new(),
            span: Span::new(0, 0),
            then: None,
        }],
    }
}

/// The script of `sh -c SCRIPT`, its `-c` maybe among other flags
/// (`sh -euc`, `bash -lc`, `bash -o pipefail -c`).
pub fn inline_script(words: &[String]) -> Option<&str> {
    if !words.first().is_some_and(|w| is_shell(w)) {
        return None;
    }
    let mut at = 1;
    loop {
        let flags = words.get(at)?.strip_prefix('-').filter(|f| !f.starts_with('-'))?;
        if flags.is_empty() || !flags.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        if flags.contains('c') {
            return words.get(at + 1).map(String::as_str);
        }
        // `-o OPTION` and a cluster ending in it (`-euo pipefail`) take the
        // next word.
        at += if flags.ends_with('o') { 2 } else { 1 };
    }
}

#[cfg(test)]
#[test]
fn a_scripts_c_is_read_among_other_flags() {
    let words = |line: &str| line.split(' ').map(str::to_string).collect::<Vec<_>>();
    for line in [
        "sh -c X",
        "sh -euc X",
        "bash -lc X",
        "bash -o pipefail -c X",
        "bash -euo pipefail -c X",
    ] {
        assert_eq!(inline_script(&words(line)), Some("X"), "{line}");
    }
    for line in ["sh script.sh", "sh -e script.sh", "sh --login -c X", "python -c X"] {
        assert_eq!(inline_script(&words(line)), None, "{line}");
    }
}

/// The words of each simple command of a shell script: `a && b; c | d`.
pub fn shell_programs(script: &str) -> Vec<Vec<String>> {
    simple_commands(script).into_iter().map(|c| c.words).collect()
}

/// Words that open or continue a compound command: dropped from the
/// start of a command.
const PREFIXES: [&str; 10] = ["if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"];
/// Words that end a compound command or head a loop: not commands.
const NOT_COMMANDS: [&str; 7] = ["fi", "done", "}", "esac", "for", "case", "select"];

/// A command line's words as a POSIX shell splits them (`shlex`); `None`
/// for an open quote or a trailing backslash. A line without quotes,
/// backslashes or comments is split at blanks here: the same words,
/// without `shlex`'s byte-at-a-time copy (most spec commands are such
/// lines, and a large spec has thousands).
pub fn split_words(line: &str) -> Option<Vec<String>> {
    if line.bytes().any(|b| matches!(b, b'"' | b'\'' | b'\\' | b'#')) {
        return shlex::split(line);
    }
    // shlex's blanks: other whitespace is part of a word.
    let words = line.split([' ', '\t', '\n']).filter(|w| !w.is_empty());
    Some(words.map(str::to_string).collect())
}

/// The simple commands of a script; spans are offsets into `script`.
pub fn simple_commands(script: &str) -> Vec<SimpleCommand> {
    pieces(script)
        .into_iter()
        .filter_map(|(start, end, then)| {
            let piece = &script[start..end];
            let trimmed = piece.trim_start();
            let start = start + piece.len() - trimmed.len();
            let trimmed = trimmed.trim_end();
            let words =
                split_words(trimmed).unwrap_or_else(|| trimmed.split_whitespace().map(str::to_string).collect());
            let is_prefix = |w: &String| PREFIXES.contains(&w.as_str());
            let words: Vec<String> = words.into_iter().skip_while(is_prefix).collect();
            let raw_words = raw_words(trimmed).into_iter().skip_while(is_prefix).collect();
            let first = words.first()?;
            if NOT_COMMANDS.contains(&first.as_str()) {
                return None;
            }
            Some(SimpleCommand {
                words,
                raw_words,
                span: Span::new(start, start + trimmed.len()),
                then,
            })
        })
        .collect()
}

/// The body of a heredoc (`python << END` ... `END`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeredocBody {
    /// Where its `<<` is in the script.
    pub opened_at: usize,
    pub text: String,
}

/// The script with every heredoc's body and closing line blanked (spaces,
/// line breaks kept, so offsets stay), and the bodies: a body is the
/// command's input, not commands. `<<-` strips leading tabs of the
/// closing line; `<<<` is a string, no heredoc.
pub fn blank_heredocs(script: &str) -> (String, Vec<HeredocBody>) {
    let mut text = String::with_capacity(script.len());
    let mut bodies = Vec::new();
    // The markers opened on the current line, read in order after it.
    let mut pending: Vec<(usize, String, bool)> = Vec::new();
    let mut open: Option<(usize, String, bool, usize)> = None;
    let mut offset = 0;
    for line in script.split_inclusive('\n') {
        if let Some((opened_at, marker, tabs, body_start)) = &open {
            let content = line.trim_end_matches(['\n', '\r']);
            let content = if *tabs {
                content.trim_start_matches('\t')
            } else {
                content
            };
            let closes = content == marker;
            if closes {
                bodies.push(HeredocBody {
                    opened_at: *opened_at,
                    text: script[*body_start..offset].to_string(),
                });
                open = None;
            }
            text.extend(line.chars().map(|c| if c == '\n' { c } else { ' ' }));
            offset += line.len();
            if closes && !pending.is_empty() {
                let (at, marker, tabs) = pending.remove(0);
                open = Some((at, marker, tabs, offset));
            }
            continue;
        }
        text.push_str(line);
        pending.extend(heredoc_markers(line).into_iter().map(|(at, m, t)| (offset + at, m, t)));
        offset += line.len();
        if !pending.is_empty() {
            let (at, marker, tabs) = pending.remove(0);
            open = Some((at, marker, tabs, offset));
        }
    }
    (text, bodies)
}

/// The heredocs a line opens: where each `<<` is, its marker without
/// quotes, and whether it is `<<-`.
fn heredoc_markers(line: &str) -> Vec<(usize, String, bool)> {
    let mut found = Vec::new();
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(at) = line[from..].find("<<").map(|n| from + n) {
        from = at + 2;
        if bytes.get(at + 2) == Some(&b'<') || (at > 0 && bytes[at - 1] == b'<') {
            from = at + 3;
            continue;
        }
        let rest = &line[at + 2..];
        let tabs = rest.starts_with('-');
        let rest = rest.trim_start_matches('-').trim_start();
        let word: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ';' | '&' | '|' | '<' | '>' | '(' | ')'))
            .filter(|c| !matches!(c, '\'' | '"' | '\\'))
            .collect();
        if !word.is_empty() {
            found.push((at, word, tabs));
        }
    }
    found
}

/// A command's words as written: split at blanks outside quotes, `$(...)`,
/// `${...}` and backquotes, with every quote kept.
pub fn raw_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut scan = Scanner::default();
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() && scan.is_outside() && !scan.escaped {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        scan.step(c, chars.peek().copied());
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The expansions of a word as written that are outside double quotes, so
/// the shell splits and globs their values (ShellCheck's SC2086, SC2046).
/// `$?`, `$#`, `$$`, `$!`, positional `$1`, lengths `${#NAME}` and
/// arithmetic `$((...))` are left out: their values hold no blanks, as
/// ShellCheck also assumes.
pub fn unquoted_expansions(raw_word: &str) -> Vec<Expansion> {
    let mut found = Vec::new();
    let bytes = raw_word.as_bytes();
    let mut scan = Scanner::default();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let bare = scan.is_outside() && !scan.escaped;
        if bare && c == b'$' {
            let rest = &raw_word[i + 1..];
            let end = match rest.as_bytes().first() {
                Some(b'(') if !rest.starts_with("((") => matching(rest, b'(', b')').map(|e| (e, true)),
                // `${#NAME}` is a length: a number, like `$?`.
                Some(b'{') if !rest.starts_with("{#") => matching(rest, b'{', b'}').map(|e| (e, false)),
                Some(b) if b.is_ascii_alphabetic() || *b == b'_' => Some((
                    rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len()),
                    false,
                )),
                _ => None,
            };
            if let Some((len, command)) = end {
                found.push(Expansion {
                    text: raw_word[i..i + 1 + len].to_string(),
                    command,
                });
                i += 1 + len;
                continue;
            }
        } else if bare && c == b'`' {
            if let Some(len) = raw_word[i + 1..].find('`') {
                found.push(Expansion {
                    text: raw_word[i..i + len + 2].to_string(),
                    command: true,
                });
                i += len + 2;
                continue;
            }
        }
        scan.step(c as char, bytes.get(i + 1).map(|&b| b as char));
        i += 1;
    }
    found
}

/// The length of `text` up to and with the bracket closing its first one.
fn matching(text: &str, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        if b == open {
            depth += 1;
        } else if b == close {
            depth -= 1;
            if depth == 0 {
                return Some(i + 1);
            }
        }
    }
    None
}

/// Quoting state while reading a word: which quote is open, how deep in
/// `$(`/`${` we are, whether the last character was an escaping `\`.
#[derive(Default)]
struct Scanner {
    quote: Option<char>,
    depth: usize,
    escaped: bool,
    dollar: bool,
}

impl Scanner {
    fn is_outside(&self) -> bool {
        self.quote.is_none() && self.depth == 0
    }

    fn step(&mut self, c: char, next: Option<char>) {
        let escaped = std::mem::take(&mut self.escaped);
        let dollar = std::mem::take(&mut self.dollar);
        match self.quote {
            _ if escaped => {}
            Some('\'') => {
                if c == '\'' {
                    self.quote = None;
                }
            }
            Some(q) if c == q => self.quote = None,
            Some(_) if c == '\\' => self.escaped = true,
            Some(_) => {}
            None => match c {
                '\\' => self.escaped = true,
                '\'' | '"' | '`' if self.depth == 0 => self.quote = Some(c),
                '$' if matches!(next, Some('(' | '{')) => self.dollar = true,
                '(' | '{' if dollar || self.depth > 0 => self.depth += 1,
                ')' | '}' if self.depth > 0 => self.depth -= 1,
                _ => {}
            },
        }
    }
}

/// The byte ranges between command separators, outside quotes, `$(...)`,
/// backquotes and `#` comments, each with the separator after it.
fn pieces(script: &str) -> Vec<(usize, usize, Option<Operator>)> {
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
        let (separator, operator) = match b {
            b'\\' => {
                i += 2;
                continue;
            }
            b'\'' | b'"' | b'`' => {
                quote = Some(b);
                (0, Operator::Sequence)
            }
            b'$' if next == Some(b'(') => {
                depth += 1;
                i += 2;
                continue;
            }
            b'(' if depth > 0 => {
                depth += 1;
                (0, Operator::Sequence)
            }
            b')' if depth > 0 => {
                depth -= 1;
                (0, Operator::Sequence)
            }
            _ if depth > 0 => (0, Operator::Sequence),
            b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() || b";&|()".contains(&bytes[i - 1]) => {
                // A comment: up to the line break, which still separates.
                let end = script[i..].find('\n').map_or(bytes.len(), |n| i + n);
                pieces.push((start, i, Some(Operator::Sequence)));
                start = end;
                i = end;
                continue;
            }
            b'\n' | b';' | b'(' | b')' => (1, Operator::Sequence),
            b'&' if next == Some(b'&') => (2, Operator::And),
            // `2>&1`, `>&2`, `&>file`: a redirection, not a separator.
            b'&' if i > 0 && matches!(bytes[i - 1], b'>' | b'<') || next == Some(b'>') => (0, Operator::Sequence),
            b'&' => (1, Operator::Background),
            b'|' if next == Some(b'|') => (2, Operator::Or),
            b'|' if next == Some(b'&') => (2, Operator::Pipe),
            b'|' => (1, Operator::Pipe),
            _ => (0, Operator::Sequence),
        };
        if separator > 0 {
            pieces.push((start, i, Some(operator)));
            start = i + separator;
        }
        i += separator.max(1);
    }
    pieces.push((start.min(bytes.len()), bytes.len(), None));
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
    fn commands_keep_the_operator_after_them() {
        let then: Vec<_> = simple_commands("cd /x && make; a | b || c &")
            .iter()
            .map(|c| c.then)
            .collect();
        use Operator::*;
        assert_eq!(
            then,
            [Some(And), Some(Sequence), Some(Pipe), Some(Or), Some(Background)]
        );
    }

    #[test]
    fn raw_words_keep_quotes_and_substitutions() {
        assert_eq!(
            raw_words("echo \"a b\" 'c d' $(date +%s) ${X:-a b} e\\ f"),
            ["echo", "\"a b\"", "'c d'", "$(date +%s)", "${X:-a b}", "e\\ f"]
        );
    }

    #[test]
    fn expansions_outside_double_quotes_are_found() {
        let found = |w: &str| -> Vec<String> { unquoted_expansions(w).into_iter().map(|e| e.text).collect() };
        assert_eq!(found("$HOME/x"), ["$HOME"]);
        assert_eq!(found("${A}-$(date)-`id`"), ["${A}", "$(date)", "`id`"]);
        assert!(found("\"$HOME\"").is_empty() && found("'$HOME'").is_empty() && found("\\$HOME").is_empty());
        assert!(found("$? $1 $$ $((1+2)) ${#A}").is_empty());
        assert!(unquoted_expansions("$(date)")[0].command && !unquoted_expansions("$A")[0].command);
    }

    #[test]
    fn heredoc_bodies_are_input_not_commands() {
        let script = "python << END\nimport sys\nEND\ncat <<-'EOF' | sh\n\trm -rf x\n\tEOF\necho <<< s\n";
        let (text, bodies) = blank_heredocs(script);
        assert_eq!(text.len(), script.len());
        assert_eq!(
            words(&text),
            [
                vec!["python", "<<", "END"],
                vec!["cat", "<<-EOF"],
                vec!["sh"],
                vec!["echo", "<<<", "s"]
            ]
        );
        let texts: Vec<&str> = bodies.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, ["import sys\n", "\trm -rf x\n"]);
        assert_eq!(bodies[0].opened_at, 7);
    }

    #[test]
    fn spans_cover_each_command() {
        let script = "  a b &&  c ;";
        let spans: Vec<&str> = simple_commands(script)
            .iter()
            .map(|c| &script[c.span.range()])
            .collect();
        assert_eq!(spans, ["a b", "c"]);
    }

    /// The blank-split fast path splits as shlex does, whatever the
    /// blanks, other whitespace and characters.
    #[test]
    fn words_split_as_shlex_splits_them() {
        for line in [
            "python manage.py migrate --noinput",
            "  a\tb\nc  ",
            "",
            "   ",
            "a\rb c\u{c}d",
            "é ü\u{a0}x",
            "a 'b c' d",
            "a \"b",
            "a # comment",
            "a#b",
            "a\\ b",
            "end\\",
        ] {
            assert_eq!(split_words(line), shlex::split(line), "{line:?}");
        }
    }
}
