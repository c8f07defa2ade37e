//! Variable substitution in a word, as BuildKit's shell lexer does it for
//! FROM, USER, WORKDIR, ENV and the rest: quotes removed, the escape
//! character honoured, `$NAME`, `${NAME}` and the `-`, `+`, `?` modifiers
//! (with or without `:`). A value the Dockerfile does not fix makes the
//! whole word unknown rather than a guess.

/// What a variable holds where a word is expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lookup<'a> {
    Set(&'a str),
    /// Certainly not set: Docker substitutes the empty string.
    Unset,
    /// Set or not by something this file does not show (a build argument
    /// without default, the base image's ENV).
    Unknown,
}

/// The result of expanding one word.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Expanded {
    Known(String),
    Unknown,
    /// BuildKit would stop the build here.
    Error(String),
}

/// Substituted text that expansion may still produce: bounds memory when
/// values are built from values (`ENV B=$A$A`, `ENV C=$B$B`...).
pub(super) struct Budget(pub usize);

/// Nesting deeper than this (`${A:-${B:-${C...}}}`) is left unknown; it
/// bounds the recursion.
const MAX_DEPTH: usize = 16;

pub(super) fn expand<'v>(
    word: &str,
    escape: char,
    lookup: &dyn Fn(&str) -> Lookup<'v>,
    budget: &mut Budget,
) -> Expanded {
    let mut lexer = WordLexer {
        text: word,
        pos: 0,
        escape,
        lookup,
        budget,
        unknown: false,
        depth: 0,
        gave_up: false,
    };
    match lexer.until(None) {
        Err(message) => Expanded::Error(message),
        Ok(_) if lexer.unknown => Expanded::Unknown,
        Ok(text) => Expanded::Known(text),
    }
}

struct WordLexer<'a, 'v> {
    text: &'a str,
    pos: usize,
    escape: char,
    lookup: &'a dyn Fn(&str) -> Lookup<'v>,
    budget: &'a mut Budget,
    /// A variable with an unknown value was used.
    unknown: bool,
    depth: usize,
    /// Nesting went too deep to follow: the rest was skipped.
    gave_up: bool,
}

type Step = Result<String, String>;

impl WordLexer<'_, '_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Text up to `stop` (consumed) or the end.
    fn until(&mut self, stop: Option<char>) -> Step {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if Some(c) == stop {
                self.bump();
                return Ok(out);
            }
            match c {
                '\'' => out.push_str(&self.single_quoted()?),
                '"' => out.push_str(&self.double_quoted()?),
                '$' => out.push_str(&self.dollar()?),
                _ => {
                    self.bump();
                    if c == self.escape {
                        // The escape character takes the next one as it is;
                        // at the very end it is dropped.
                        match self.bump() {
                            Some(next) => out.push(next),
                            None => break,
                        }
                    } else {
                        out.push(c);
                    }
                }
            }
        }
        match stop {
            // Nesting too deep skipped to the end: nothing is missing.
            Some(_) if self.gave_up => Ok(out),
            Some(stop) => Err(format!("`{stop}` is missing")),
            None => Ok(out),
        }
    }

    fn single_quoted(&mut self) -> Step {
        self.bump();
        let rest = &self.text[self.pos..];
        let Some(end) = rest.find('\'') else {
            return Err("a single quote is not closed".into());
        };
        self.pos += end + 1;
        Ok(rest[..end].to_string())
    }

    fn double_quoted(&mut self) -> Step {
        self.bump();
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err("a double quote is not closed".into()),
                Some('"') => {
                    self.bump();
                    return Ok(out);
                }
                Some('$') => out.push_str(&self.dollar()?),
                Some(c) => {
                    self.bump();
                    // Inside double quotes the escape character only
                    // escapes `"`, `$` and itself; before anything else it
                    // stays.
                    match self.peek() {
                        Some(next) if c == self.escape && (matches!(next, '"' | '$') || next == self.escape) => {
                            self.bump();
                            out.push(next);
                        }
                        _ => out.push(c),
                    }
                }
            }
        }
    }

    fn dollar(&mut self) -> Step {
        self.bump();
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                return Ok("$".into());
            }
            return Ok(self.value(&name));
        }
        self.bump();
        match self.peek() {
            None => return Err("`}` is missing".into()),
            Some('{' | '}' | ':') => return Err("bad substitution".into()),
            _ => {}
        }
        let name = self.name();
        match self.bump() {
            Some('}') => Ok(self.value(&name)),
            Some(':') => match self.bump() {
                Some(m @ ('-' | '+' | '?')) => self.modified(&name, m, true),
                m => Err(format!(
                    "`${{{name}:{}` is not a substitution BuildKit knows",
                    m.unwrap_or(' ')
                )),
            },
            Some(m @ ('-' | '+' | '?')) => self.modified(&name, m, false),
            Some('#' | '%' | '/') => {
                // Pattern removal and replacement: read, not evaluated.
                self.nested()?;
                self.unknown = true;
                Ok(String::new())
            }
            None => Err("`}` is missing".into()),
            Some(m) => Err(format!("`{m}` is not a substitution modifier BuildKit knows")),
        }
    }

    /// `${NAME-word}`, `${NAME:+word}`...; with `colon`, an empty value
    /// counts as unset.
    fn modified(&mut self, name: &str, modifier: char, colon: bool) -> Step {
        let word = self.nested()?;
        let value = match (self.lookup)(name) {
            Lookup::Unknown => {
                self.unknown = true;
                return Ok(String::new());
            }
            Lookup::Set(value) if !(colon && value.is_empty()) => Some(value),
            _ => None,
        };
        match (modifier, value) {
            ('-', Some(value)) | ('?', Some(value)) => Ok(self.charge(value)),
            ('-', None) | ('+', Some(_)) => Ok(word),
            ('?', None) if word.is_empty() => Err(format!("`{name}` must be set")),
            ('?', None) => Err(format!("{name}: {word}")),
            _ => Ok(String::new()),
        }
    }

    /// The word of a modifier, up to its `}`.
    fn nested(&mut self) -> Step {
        if self.depth >= MAX_DEPTH {
            // The value is unknown anyway: skip to the end.
            self.unknown = true;
            self.gave_up = true;
            self.pos = self.text.len();
            return Ok(String::new());
        }
        self.depth += 1;
        let word = self.until(Some('}'));
        self.depth -= 1;
        word
    }

    /// A name: digits (positional), one special character, or letters,
    /// digits and `_`.
    fn name(&mut self) -> String {
        let rest = &self.text[self.pos..];
        let len = match rest.chars().next() {
            Some(c) if c.is_ascii_digit() => rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len()),
            Some(c @ ('@' | '*' | '#' | '?' | '-' | '$' | '!')) => c.len_utf8(),
            _ => rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len()),
        };
        self.pos += len;
        rest[..len].to_string()
    }

    fn value(&mut self, name: &str) -> String {
        match (self.lookup)(name) {
            Lookup::Set(value) => self.charge(value),
            Lookup::Unset => String::new(),
            Lookup::Unknown => {
                self.unknown = true;
                String::new()
            }
        }
    }

    /// Spends the budget on a substituted value before copying it; past
    /// it, the word is unknown.
    fn charge(&mut self, value: &str) -> String {
        match self.budget.0.checked_sub(value.len()) {
            Some(left) => {
                self.budget.0 = left;
                value.to_string()
            }
            None => {
                self.unknown = true;
                String::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Lookup<'static> {
        match name {
            "HOME" => Lookup::Set("/home/app"),
            "EMPTY" => Lookup::Set(""),
            "ASKED" => Lookup::Unknown,
            _ => Lookup::Unset,
        }
    }

    fn run(word: &str) -> Expanded {
        expand(word, '\\', &env, &mut Budget(1 << 20))
    }

    fn known(word: &str) -> String {
        match run(word) {
            Expanded::Known(text) => text,
            other => panic!("{word}: {other:?}"),
        }
    }

    #[test]
    fn names_braces_and_modifiers() {
        assert_eq!(known("$HOME/web"), "/home/app/web");
        assert_eq!(known("${HOME}web"), "/home/appweb");
        assert_eq!(known("${NOPE:-/srv}"), "/srv");
        assert_eq!(known("${EMPTY:-x}"), "x");
        assert_eq!(known("${EMPTY-x}"), "");
        assert_eq!(known("${HOME:+set}"), "set");
        assert_eq!(known("${NOPE:+set}"), "");
        assert_eq!(known("${NOPE:-${HOME}}"), "/home/app");
        assert_eq!(known("a$"), "a$");
        assert_eq!(known("$1x"), "x");
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(known(r"\$HOME"), "$HOME");
        assert_eq!(known("'$HOME'"), "$HOME");
        assert_eq!(known(r#""$HOME \$x \n""#), r"/home/app $x \n");
        assert_eq!(known(r#"a\ b"#), "a b");
        assert_eq!(
            expand("`$HOME", '`', &env, &mut Budget(99)),
            Expanded::Known("$HOME".into())
        );
    }

    #[test]
    fn unknown_values_make_the_word_unknown() {
        assert_eq!(run("$ASKED"), Expanded::Unknown);
        assert_eq!(run("${ASKED:-x}"), Expanded::Unknown);
        assert_eq!(run("${HOME#/home}"), Expanded::Unknown);
        let deep = format!("{}x{}", "${A:-".repeat(100), "}".repeat(100));
        assert_eq!(run(&deep), Expanded::Unknown);
    }

    #[test]
    fn errors_are_reported_not_guessed() {
        for bad in [
            "${HOME",
            "${}",
            "${:x}",
            "'open",
            "\"open",
            "${NOPE?}",
            "${NOPE:?set it}",
            "${A!}",
        ] {
            assert!(matches!(run(bad), Expanded::Error(_)), "{bad}");
        }
    }

    #[test]
    fn the_budget_bounds_substituted_text() {
        let mut budget = Budget(12);
        assert_eq!(
            expand("$HOME", '\\', &env, &mut budget),
            Expanded::Known("/home/app".into())
        );
        assert_eq!(expand("$HOME", '\\', &env, &mut budget), Expanded::Unknown);
    }
}
