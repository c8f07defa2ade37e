//! The env files a service names with `env_file`, read with Docker
//! Compose's own dotenv rules, so the checks see the variables a container
//! really gets from them.
//!
//! What is read, as compose does:
//! - `KEY=VALUE`, spaces around `=` allowed, `KEY: VALUE` too, an
//!   `export ` prefix ignored; names of letters, digits, `_`, `.`, `-`,
//!   `[` and `]`;
//! - unquoted values end at the line's end or at ` #` (a `#` preceded by a
//!   space), trailing whitespace trimmed;
//! - `'single quoted'` values are literal (only `\'` is an escape);
//!   `"double quoted"` values understand `\n`, `\r`, `\t`, `\\`, `\"`,
//!   `\$` and the other shell escapes; both may span lines;
//! - `KEY` alone: the value comes from compose's own environment, unknown
//!   here; `KEY=`: empty;
//! - comment lines, blank lines, CRLF line ends, a UTF-8 byte order mark.
//!
//! What is deliberately not done: interpolation. `${VAR}` and `$VAR` in
//! unquoted and double-quoted values stay as written (and `\$` becomes the
//! `$$` compose keeps until it interpolates); [`EnvEntry::interpolates`]
//! says a value will change. Where compose stops at an error, this reader
//! reports it and reads on, so one bad line does not hide the rest.

use super::problem::Problem;
use crate::source::{Span, Spanned};

/// One line (or multi-line quoted value) that sets a variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvEntry {
    pub name: Spanned<String>,
    /// `None` for `KEY` alone: the value comes from the environment compose
    /// runs in. The span covers the value as written, quotes included.
    pub value: Option<Spanned<String>>,
    /// The value holds `$VAR` or `${VAR}` that compose fills in.
    pub interpolates: bool,
    /// From the name (or `export`) to the value's end.
    pub span: Span,
}

/// An env file as compose reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvFile {
    /// In the file's order, repeats included.
    pub vars: Vec<EnvEntry>,
    pub problems: Vec<Problem>,
}

impl EnvFile {
    /// The entry that decides `name`'s value: the last one, as in compose.
    pub fn get(&self, name: &str) -> Option<&EnvEntry> {
        self.vars.iter().rev().find(|v| v.name.value == name)
    }
}

/// Compose's blanks inside a line: never a line break.
fn is_blank(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}')
}

/// `value` as an env file writes it (the one env-file escaper): as it is
/// where compose reads that text back as exactly `value`, which is also
/// what a cluster's Secret made with `kubectl --from-env-file` holds;
/// else [`quote`]d.
pub fn value_text(value: &str) -> String {
    let plain = !value.starts_with(['"', '\''])
        && !value.starts_with(is_blank)
        && value.trim_end() == value
        && !value.contains(['\n', '\r', '$'])
        && !value.contains(" #");
    match plain {
        true => value.to_string(),
        false => quote(value),
    }
}

/// A double-quoted value compose reads back as exactly `value`: `\\`,
/// `\"`, `\n`, `\r` escaped, `$` doubled so interpolation leaves one.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads an env file's text.
pub fn parse(text: &str) -> EnvFile {
    let mut reader = Reader {
        text,
        at: if text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        },
        file: EnvFile::default(),
    };
    while reader.statement() {}
    let mut file = reader.file;
    nul_bytes(text, &mut file);
    file
}

/// A NUL byte, written or from a `\000` escape: no environment variable
/// can hold one (exec takes NUL-ended strings), so the container does not
/// start, though `docker compose config` passes the file.
fn nul_bytes(text: &str, file: &mut EnvFile) {
    const WHY: &str =
        "no environment variable can hold one, so the container cannot start with this file (compose's `config` passes it)";
    for (at, _) in text.match_indices('\0') {
        file.problems
            .push(Problem::error(Span::new(at, at + 1), format!("a NUL byte: {WHY}")));
    }
    for entry in &file.vars {
        let Some(value) = &entry.value else { continue };
        if value.value.contains('\0') && !text[value.span.range()].contains('\0') {
            file.problems.push(Problem::error(
                value.span,
                format!("an escape that makes a NUL byte: {WHY}"),
            ));
        }
    }
}

struct Reader<'t> {
    text: &'t str,
    at: usize,
    file: EnvFile,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn skip_while(&mut self, keep: impl Fn(char) -> bool) {
        let rest = self.rest();
        self.at += rest.find(|c| !keep(c)).unwrap_or(rest.len());
    }

    /// Moves to the next line; `at` ends on its `\n` or the text's end.
    fn skip_line(&mut self) {
        self.skip_while(|c| c != '\n');
    }

    /// Reads one statement; `false` at the end of the text or after an
    /// error that swallows the rest of it.
    fn statement(&mut self) -> bool {
        self.skip_while(char::is_whitespace);
        if self.rest().is_empty() {
            return false;
        }
        if self.rest().starts_with('#') {
            self.skip_line();
            return true;
        }
        let start = self.at;
        if let Some(after) = self.rest().strip_prefix("export") {
            if after.starts_with(char::is_whitespace) {
                self.at += "export".len();
                self.skip_while(is_blank);
            }
        }
        let Some((name, separator)) = self.name() else {
            self.skip_line();
            return true;
        };
        if separator != '=' && separator != ':' {
            // `KEY` alone: compose takes the value from its environment.
            if !name.value.is_empty() {
                self.file.vars.push(EnvEntry {
                    span: Span::new(start, name.span.end()),
                    name,
                    value: None,
                    interpolates: false,
                });
            }
            return true;
        }
        self.skip_while(is_blank);
        let quote = self.rest().chars().next().filter(|&c| c == '"' || c == '\'');
        let (value, interpolates) = match quote {
            Some(quote) => match self.quoted(quote) {
                Some(read) => read,
                None => return false,
            },
            None => self.unquoted(),
        };
        self.file.vars.push(EnvEntry {
            span: Span::new(start, value.span.end()),
            name,
            value: Some(value),
            interpolates,
        });
        true
    }

    /// The name and the character after it: `=`, `:`, or `\n` (or none, at
    /// the end) when the line is a name alone. `None` after a problem.
    fn name(&mut self) -> Option<(Spanned<String>, char)> {
        let start = self.at;
        let mut separator = '\n';
        let mut end = self.text.len();
        for (i, c) in self.rest().char_indices() {
            match c {
                '=' | ':' | '\n' => {
                    separator = c;
                    end = start + i;
                    break;
                }
                c if is_blank(c) || c.is_alphanumeric() || "_.-[]".contains(c) => {}
                c => {
                    let at = Span::new(start + i, start + i + c.len_utf8());
                    self.file.problems.push(Problem::error(
                        at,
                        format!("`{c}` cannot be part of a variable name: compose stops reading the file here"),
                    ));
                    return None;
                }
            }
        }
        let written = self.text[start..end].trim_end();
        let name = Spanned::new(written.to_string(), Span::new(start, start + written.len()));
        self.at = (end + separator.len_utf8()).min(self.text.len());
        if separator == '\n' {
            // Leave the line break for the next statement's start.
            self.at = end;
        }
        if written.contains(' ') {
            self.file.problems.push(Problem::error(
                name.span,
                "a variable name cannot contain a space: compose stops reading the file here",
            ));
            if separator != '\n' {
                self.skip_line();
            }
            return None;
        }
        Some((name, separator))
    }

    /// An unquoted value: to the line's end, cut at ` #`, trailing blanks
    /// trimmed.
    fn unquoted(&mut self) -> (Spanned<String>, bool) {
        let start = self.at;
        self.skip_line();
        let line = &self.text[start..self.at];
        let value = line.split_once(" #").map_or(line, |(value, _)| value).trim_end();
        let span = Span::new(start, start + value.len());
        (Spanned::new(value.to_string(), span), interpolates(value))
    }

    /// A quoted value from its opening quote; `None` when it never closes
    /// (compose fails on the whole file).
    fn quoted(&mut self, quote: char) -> Option<(Spanned<String>, bool)> {
        let start = self.at;
        let mut chars = String::new();
        let mut escaped = false;
        for (i, c) in self.rest().char_indices().skip(1) {
            if c == quote && !escaped {
                self.at = start + i + 1;
                let span = Span::new(start, self.at);
                self.after_quote();
                return Some(if quote == '"' {
                    let value = expand_escapes(&chars);
                    let interpolates = interpolates(&value);
                    (Spanned::new(value, span), interpolates)
                } else {
                    (Spanned::new(chars, span), false)
                });
            }
            if escaped {
                escaped = false;
                if c != quote {
                    chars.push('\\');
                }
                chars.push(c);
            } else if c == '\\' {
                escaped = true;
            } else {
                chars.push(c);
            }
        }
        let line_end = self.rest().find('\n').map_or(self.text.len(), |i| start + i);
        self.file.problems.push(Problem::error(
            Span::new(start, line_end),
            format!("this {quote} never closes: compose cannot read the file"),
        ));
        self.at = self.text.len();
        None
    }

    /// What follows a closing quote on its line must be blank or a comment:
    /// compose reads anything else as the next variable's name.
    fn after_quote(&mut self) {
        self.skip_while(is_blank);
        let rest = self.rest();
        if !(rest.is_empty() || rest.starts_with('\n') || rest.starts_with('#')) {
            let end = self.at + rest.find('\n').unwrap_or(rest.len());
            self.file.problems.push(Problem::warning(
                Span::new(self.at, end),
                "text after the closing quote: compose reads it as the name of another variable",
            ));
        }
    }
}

/// Compose's escapes in a double-quoted value: `\n`, `\r`, `\t` and the
/// other C escapes, `\\`, `\"`, `\0` with three octal digits; `\$` becomes
/// `$$`, a `$` that interpolation keeps. Any other backslash stays.
fn expand_escapes(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escape = match chars.peek() {
            Some('a') => Some("\u{7}"),
            Some('b') => Some("\u{8}"),
            Some('f') => Some("\u{c}"),
            Some('n') => Some("\n"),
            Some('r') => Some("\r"),
            Some('t') => Some("\t"),
            Some('v') => Some("\u{b}"),
            Some('\\') => Some("\\"),
            Some('"') => Some("\""),
            Some('$') => Some("$$"),
            _ => None,
        };
        if let Some(escape) = escape {
            chars.next();
            out.push_str(escape);
            continue;
        }
        if chars.peek() == Some(&'0') {
            let digits: String = chars.clone().skip(1).take(3).collect();
            let octal = (digits.len() == 3)
                .then(|| u32::from_str_radix(&digits, 8).ok())
                .flatten();
            if let Some(byte) = octal.filter(|&v| v <= 0xff).and_then(char::from_u32) {
                chars.nth(3);
                out.push(byte);
                continue;
            }
        }
        out.push('\\');
    }
    out
}

/// Whether compose's interpolation would change the value: a `$` before a
/// name or `{`, not escaped as `$$`.
fn interpolates(value: &str) -> bool {
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            match chars.next() {
                Some('{') => return true,
                Some(c) if c.is_ascii_alphabetic() || c == '_' => return true,
                _ => {}
            }
        }
    }
    false
}

/// The names of the variables compose fills into an env file's value
/// (`$NAME`, `${NAME}`, `${NAME:-default}`), in order, each once; `$$` is
/// none.
pub fn variables(value: &str) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    // Seen already, as `names` holds them: a value of many names is read
    // in linear time.
    let mut seen = std::collections::HashSet::new();
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        let after = &rest[at + 1..];
        let (name, next) = match after.strip_prefix('{') {
            _ if after.starts_with('$') => ("", &after[1..]),
            Some(inside) => (name_at(inside), inside),
            None => (name_at(after), after),
        };
        if !name.is_empty() && seen.insert(name) {
            names.push(name);
        }
        rest = next;
    }
    names
}

/// An env file's value as compose fills it when the host sets none of its
/// variables: each `${NAME:-default}` (`${NAME-default}`) its default, `$$`
/// one `$`; `None` when a variable has no default (`$NAME`, `${NAME}`) or
/// a default holds another variable.
pub fn filled_with_defaults(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(next) = after.strip_prefix('$') {
            out.push('$');
            rest = next;
            continue;
        }
        let inside = after.strip_prefix('{')?;
        let name = name_at(inside);
        let operation = &inside[name.len()..];
        let end = operation.find('}')?;
        let default = operation[..end]
            .strip_prefix(":-")
            .or_else(|| operation[..end].strip_prefix('-'))?;
        if name.is_empty() || default.contains('$') {
            return None;
        }
        out.push_str(default);
        rest = &operation[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The variable name `text` starts with (empty for none).
fn name_at(text: &str) -> &str {
    let starts = text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    let end = text
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(text.len());
    if starts {
        &text[..end]
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_a_value() {
        assert_eq!(filled_with_defaults("${PG:-postgres}").as_deref(), Some("postgres"));
        assert_eq!(
            filled_with_defaults("postgres://u:${PG-secret}@db/app").as_deref(),
            Some("postgres://u:secret@db/app")
        );
        assert_eq!(filled_with_defaults("a$$b").as_deref(), Some("a$b"));
        for none in ["$PG", "${PG}", "${PG:?required}", "${A:-${B}}", "${PG:-x"] {
            assert_eq!(filled_with_defaults(none), None, "{none}");
        }
    }

    #[test]
    fn quoted_values_read_back_as_written() {
        let value = "a \"b\" \\ $HOME $$ 'c'\nd\r #e";
        let file = parse(&format!("KEY={}\n", quote(value)));
        let read = &file.vars[0];
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        // `$$` is what interpolation turns into one `$`.
        assert_eq!(read.value.as_ref().unwrap().value, value.replace('$', "$$"));
        assert!(!read.interpolates);
    }

    /// Every value reads back as itself; a plain one is written without
    /// quotes, which a cluster's Secret would keep (`kubectl
    /// --from-env-file` takes a line's text after `=` as it is).
    #[test]
    fn values_are_written_plain_where_compose_reads_them_so() {
        let values = [
            "s3cr3t",
            "",
            "two words",
            "a#b",
            "p@ss:w/rd?=&",
            "ünï",
            "a #b",
            " lead",
            "trail ",
            "\"q\"",
            "'q'",
            "a$b",
            "$$",
            "x\ny",
            "back\\slash",
            "\t",
        ];
        for value in values {
            let written = value_text(value);
            let file = parse(&format!("KEY={written}\n"));
            assert!(file.problems.is_empty(), "{value:?}: {:?}", file.problems);
            let read = file.vars[0].value.as_ref().unwrap();
            assert_eq!(read.value.replace("$$", "$"), value, "{written}");
            assert!(!file.vars[0].interpolates, "{written}");
            let plain = ["s3cr3t", "", "two words", "a#b", "p@ss:w/rd?=&", "ünï", "back\\slash"];
            assert_eq!(
                !written.starts_with('"'),
                plain.contains(&value),
                "{value:?} written {written}"
            );
        }
    }

    use crate::diagnostic::Severity;

    fn at(text: &str, span: Span) -> &str {
        &text[span.range()]
    }

    /// The value compose gives `name`: `Some(None)` for one taken from the
    /// environment.
    fn value<'f>(file: &'f EnvFile, name: &str) -> Option<Option<&'f str>> {
        file.get(name).map(|v| v.value.as_ref().map(|v| v.as_str()))
    }

    /// Modeled on cookiecutter-django's `.envs/.production/.django` and
    /// `.postgres`, joined.
    const PRODUCTION: &str = "\
# General
# ------------------------------------------------------------------------------
# DJANGO_READ_DOT_ENV_FILE=True
DJANGO_SETTINGS_MODULE=config.settings.production
DJANGO_SECRET_KEY=kq3Tn0pX#not-a-comment
DJANGO_ADMIN_URL=admin-Xk2p/
DJANGO_ALLOWED_HOSTS=.example.com

# Security
# ------------------------------------------------------------------------------
# TIP: better off using DNS, however, redirect is OK too
DJANGO_SECURE_SSL_REDIRECT=False

# Redis
REDIS_URL=redis://redis:6379/0

# PostgreSQL
POSTGRES_HOST=postgres
POSTGRES_PORT=5432
POSTGRES_DB=my_project
POSTGRES_USER=debug # the default user
POSTGRES_PASSWORD=s3cret
";

    #[test]
    fn reads_a_production_env_file() {
        let file = parse(PRODUCTION);
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        assert_eq!(file.vars.len(), 11);
        assert_eq!(value(&file, "DJANGO_SECRET_KEY"), Some(Some("kq3Tn0pX#not-a-comment")));
        assert_eq!(value(&file, "POSTGRES_USER"), Some(Some("debug")));
        assert_eq!(value(&file, "DJANGO_READ_DOT_ENV_FILE"), None, "a comment sets nothing");
        let password = file.get("POSTGRES_PASSWORD").unwrap();
        assert_eq!(at(PRODUCTION, password.name.span), "POSTGRES_PASSWORD");
        assert_eq!(at(PRODUCTION, password.value.as_ref().unwrap().span), "s3cret");
        assert_eq!(at(PRODUCTION, password.span), "POSTGRES_PASSWORD=s3cret");
    }

    #[test]
    fn every_quoting_form() {
        let text = r#"PLAIN=value
SPACED = spaced value   
EMPTY=
EMPTY_QUOTED=""
DOUBLE="line one\nline two\ttab \"quoted\" back\\slash"
SINGLE='literal \n $HOME \'kept\''
HASH_IN_QUOTES="a # not a comment" # a comment
OCTAL="\0101\0"
DOLLAR="cost: \$5"
INTERPOLATED="postgres://${POSTGRES_USER}:$POSTGRES_PASSWORD@db/app"
UNQUOTED_VAR=${HOME}/data
ESCAPED=$$HOME
SINGLE_VAR='${NOT_EXPANDED}'
export EXPORTED=yes
YAML_STYLE: colon
FROM_ENV
TRAILING_TAB=value	# tab before the hash: kept
"#;
        let file = parse(text);
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        let expect = [
            ("PLAIN", Some("value"), false),
            ("SPACED", Some("spaced value"), false),
            ("EMPTY", Some(""), false),
            ("EMPTY_QUOTED", Some(""), false),
            ("DOUBLE", Some("line one\nline two\ttab \"quoted\" back\\slash"), false),
            ("SINGLE", Some(r"literal \n $HOME 'kept'"), false),
            ("HASH_IN_QUOTES", Some("a # not a comment"), false),
            ("OCTAL", Some("A\\0"), false),
            ("DOLLAR", Some("cost: $$5"), false),
            (
                "INTERPOLATED",
                Some("postgres://${POSTGRES_USER}:$POSTGRES_PASSWORD@db/app"),
                true,
            ),
            ("UNQUOTED_VAR", Some("${HOME}/data"), true),
            ("ESCAPED", Some("$$HOME"), false),
            ("SINGLE_VAR", Some("${NOT_EXPANDED}"), false),
            ("EXPORTED", Some("yes"), false),
            ("YAML_STYLE", Some("colon"), false),
            ("FROM_ENV", None, false),
            ("TRAILING_TAB", Some("value\t# tab before the hash: kept"), false),
        ];
        let got: Vec<_> = file
            .vars
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_ref().map(|v| v.as_str()), v.interpolates))
            .collect();
        assert_eq!(got, expect);
        let double = file.get("DOUBLE").unwrap().value.as_ref().unwrap();
        assert!(at(text, double.span).starts_with("\"line one\\n"));
        assert!(at(text, double.span).ends_with("slash\""));
        assert_eq!(at(text, file.get("EXPORTED").unwrap().span), "export EXPORTED=yes");
        assert_eq!(at(text, file.get("FROM_ENV").unwrap().span), "FROM_ENV");
    }

    #[test]
    fn multi_line_values_crlf_and_repeats() {
        let text = "\u{feff}KEY=\"-----BEGIN KEY-----\r\nMIIE\r\n-----END KEY-----\"\r\nDEBUG=1\r\nNAME\r\nDEBUG=0\r\nLAST=end";
        let file = parse(text);
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        assert_eq!(
            value(&file, "KEY"),
            Some(Some("-----BEGIN KEY-----\r\nMIIE\r\n-----END KEY-----"))
        );
        assert_eq!(value(&file, "DEBUG"), Some(Some("0")), "the last assignment wins");
        assert_eq!(value(&file, "NAME"), Some(None));
        assert_eq!(value(&file, "LAST"), Some(Some("end")));
        assert_eq!(file.vars.iter().filter(|v| v.name.value == "DEBUG").count(), 2);
    }

    #[test]
    fn a_name_alone_on_the_last_line() {
        let file = parse("A=1\nFROM_ENV");
        assert_eq!(value(&file, "FROM_ENV"), Some(None));
    }

    #[test]
    fn bad_lines_are_problems_and_reading_goes_on() {
        let text = "BAD KEY=1\nGOOD=1\nBAD!=2\nQUOTED=\"a\" b\nNEXT=2\nOPEN='never closed\nLOST=3\n";
        let file = parse(text);
        let found: Vec<_> = file.problems.iter().map(|p| (p.severity, at(text, p.span))).collect();
        use Severity::*;
        assert_eq!(
            found,
            [
                (Error, "BAD KEY"),
                (Error, "!"),
                (Warning, "b"),
                (Error, "'never closed"),
            ]
        );
        let names: Vec<_> = file.vars.iter().map(|v| v.name.as_str()).collect();
        // Like compose, the `b` after the quote is read as a variable.
        assert_eq!(names, ["GOOD", "QUOTED", "b", "NEXT"]);
    }

    /// A NUL byte, as written or from an escape, is an error on it.
    #[test]
    fn a_nul_byte_is_an_error_where_it_is() {
        let text = "DEBUG=0\nNAME=a\0b\nESCAPED=\"x\\0000y\"\nOTHER=1\n";
        let file = parse(text);
        let found: Vec<_> = file.problems.iter().map(|p| (p.severity, at(text, p.span))).collect();
        assert_eq!(found, [(Severity::Error, "\0"), (Severity::Error, "\"x\\0000y\"")]);
        assert_eq!(value(&file, "OTHER"), Some(Some("1")));
    }

    #[test]
    fn never_panics_on_mutated_inputs() {
        let seeds = [PRODUCTION, "A=\"x\\n${Y}\"\nB='z\\''\nexport C: d # e\nF\r\n"];
        for seed in seeds {
            for text in crate::input::mutate::mutations(seed, 3000) {
                let file = parse(&text);
                let spans = file
                    .vars
                    .iter()
                    .flat_map(|v| [v.span, v.name.span])
                    .chain(file.problems.iter().map(|p| p.span));
                for span in spans {
                    assert!(
                        span.start() <= span.end() && text.get(span.start()..span.end()).is_some(),
                        "{span:?} in {text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn names_each_variable_compose_fills_in_once() {
        assert_eq!(
            variables("postgres://${DB_USER}:${DB_PASS:-x}@$DB_HOST/$DB_USER"),
            ["DB_USER", "DB_PASS", "DB_HOST"]
        );
        assert_eq!(variables("costs $$5 or $$HOME, ${9} $"), Vec::<&str>::new());
    }
}
