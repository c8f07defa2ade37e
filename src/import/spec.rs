//! The spec being written: statements in blocks, each able to carry a
//! comment saying where it came from, and the one place that spells a
//! value as spec text ([`quoted`], [`word`]).

/// One statement, with its block's statements when it opens one.
#[derive(Clone, Debug, Default)]
pub struct Stmt {
    pub text: String,
    pub body: Option<Vec<Stmt>>,
    /// Comment lines written above the statement.
    pub notes: Vec<String>,
}

impl Stmt {
    pub fn line(text: impl Into<String>) -> Self {
        Stmt {
            text: text.into(),
            ..Stmt::default()
        }
    }

    pub fn block(text: impl Into<String>, body: Vec<Stmt>) -> Self {
        Stmt {
            text: text.into(),
            body: Some(body),
            notes: Vec::new(),
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

/// The whole spec: a header comment and top-level statements.
#[derive(Debug, Default)]
pub struct Draft {
    pub header: Vec<String>,
    pub top: Vec<Stmt>,
}

impl Draft {
    /// The spec's text (then laid out by `stackc fmt`).
    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.header {
            comment(&mut out, 0, line);
        }
        let mut previous_block = true;
        for stmt in &self.top {
            let is_block = stmt.body.is_some();
            if is_block || previous_block || !stmt.notes.is_empty() {
                out.push('\n');
            }
            write_stmt(&mut out, 0, stmt);
            previous_block = is_block;
        }
        out
    }
}

fn write_stmt(out: &mut String, depth: usize, stmt: &Stmt) {
    for note in &stmt.notes {
        comment(out, depth, note);
    }
    indent(out, depth);
    // A statement is one line: a line break in one (a name import failed
    // to check) is written as a character no statement takes, so the spec
    // fails to parse instead of holding statements no file had.
    out.extend(stmt.text.chars().map(|c| if breaks_line(c) { '\u{fffd}' } else { c }));
    match &stmt.body {
        None => out.push('\n'),
        Some(body) => {
            out.push_str(" {\n");
            for child in body {
                write_stmt(out, depth + 1, child);
            }
            indent(out, depth);
            out.push_str("}\n");
        }
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

/// A comment line: its text on one line whatever it holds.
fn comment(out: &mut String, depth: usize, text: &str) {
    indent(out, depth);
    out.push('#');
    if !text.is_empty() {
        out.push(' ');
    }
    // Whatever any reader takes for a line break stays inside the comment.
    out.extend(text.chars().map(|c| if breaks_line(c) { ' ' } else { c }));
    out.push('\n');
}

/// Whether any reader of the spec (its parser, an editor) may take `c` for
/// a line break.
fn breaks_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// A double-quoted spec string holding exactly `text` (the one spec-string
/// escaper, shared with the fixes lint writes).
pub fn quoted(text: &str) -> String {
    crate::lint::spec_text::quote(text)
}

/// `text` as a bare word when the grammar reads it as one, else quoted.
pub fn word(text: &str) -> String {
    let bare = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:@-+%~*".contains(c));
    if bare {
        text.to_string()
    } else {
        quoted(text)
    }
}

/// A name the grammar takes as one (`ASCII_ALPHA (ALNUM | _ | -)*`).
pub fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A compose secret's name as the spec can write it: the name itself, or
/// with each character a name cannot hold made `_` (Let's Encrypt's
/// `fullchain.pem` is `fullchain_pem`); `None` for one that is nothing
/// like a name. The secret keeps its place in the containers
/// (`/run/secrets/fullchain.pem`) where its users say `at`.
pub fn secret_name(compose: &str) -> Option<String> {
    if is_name(compose) {
        return Some(compose.to_string());
    }
    // A file in a folder under `/run/secrets` is no secret of its own.
    if compose.contains('/') {
        return None;
    }
    let renamed: String = compose
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    (is_name(&renamed) && renamed.chars().any(|c| c.is_ascii_alphanumeric())).then_some(renamed)
}

/// A stack's name as the grammar takes one: a compose project's, which
/// may start with a digit.
pub fn is_stack_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_digit() || c.is_ascii_lowercase() || c == '_' || c == '-')
}

/// An environment variable's name as the grammar takes one.
pub fn is_env_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An `env` entry's name as the grammar takes one: a variable name, or one
/// with dots (`discovery.type`).
pub fn is_env_key(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// A list of words: `["a", "b"]`.
pub fn list(words: &[String]) -> String {
    let items: Vec<String> = words.iter().map(|w| quoted(w)).collect();
    format!("[{}]", items.join(", "))
}

/// A value as YAML in flow style, for a raw `compose KEY = ...`: strings
/// double-quoted (JSON's escapes are YAML's), so none reads as a number.
pub fn flow_yaml(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(items) => format!("[{}]", items.iter().map(flow_yaml).collect::<Vec<_>>().join(", ")),
        Value::Object(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", serde_json::to_string(k).unwrap_or_default(), flow_yaml(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_strings() {
        assert_eq!(word("postgres:16.4"), "postgres:16.4");
        assert_eq!(word("a b"), "\"a b\"");
        assert_eq!(
            quoted("say \"hi\"\n\u{1b}\u{2028}"),
            "\"say \\\"hi\\\"\\n\\u{1B}\\u{2028}\""
        );
        assert_eq!(list(&["a".into(), "b c".into()]), "[\"a\", \"b c\"]");
    }

    #[test]
    fn comments_stay_on_their_line() {
        let draft = Draft {
            header: vec!["from a\nservice x {".into()],
            top: vec![Stmt::line("stack demo")],
        };
        assert_eq!(draft.render(), "# from a service x {\n\nstack demo\n");
    }
}
