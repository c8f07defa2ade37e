//! Spec text for fixes: values written back the way the parser reads them.

use crate::ir::Argv;

/// A double-quoted spec string that reads back as `value`.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // A line break to any reader (U+2028, U+2029; NEL is a control).
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => {
                out.push_str(&format!("\\u{{{:X}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `argv` with `extra` words inserted after word `index`, in the form the
/// spec wrote it: one string stays one string (edited in place, so the
/// user's spacing survives), a list stays a list.
pub fn argv_with_words_after(argv: &Argv, index: usize, extra: &[&str]) -> String {
    match &argv.line {
        Some(line) => {
            // The inserted words are plain, so they need no quoting; they go
            // where word `index` ends, when it stands unquoted in the line.
            let word = &argv.words[index];
            let at = line.find(word.as_str()).map(|i| i + word.len());
            let mut edited = line.clone();
            match at.filter(|&at| line[at..].chars().next().is_none_or(char::is_whitespace)) {
                Some(at) => edited.insert_str(at, &format!(" {}", extra.join(" "))),
                None => {
                    let mut words: Vec<&str> = argv.words.iter().map(String::as_str).collect();
                    words.splice(index + 1..index + 1, extra.iter().copied());
                    edited = shlex::try_join(words).unwrap_or(edited);
                }
            }
            quote(&edited)
        }
        None => {
            let mut words: Vec<&str> = argv.words.iter().map(String::as_str).collect();
            words.splice(index + 1..index + 1, extra.iter().copied());
            format!("[{}]", words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn quoted_strings_escape_what_the_parser_unescapes() {
        assert_eq!(quote("a \"b\" \\ \n\u{1}"), r#""a \"b\" \\ \n\u{1}""#);
    }

    #[test]
    fn words_go_after_the_word_in_either_form() {
        let line = Argv {
            line: Some("pg_isready  -U app".into()),
            words: vec!["pg_isready".into(), "-U".into(), "app".into()],
            span: Span::default(),
        };
        assert_eq!(
            argv_with_words_after(&line, 0, &["-h", "127.0.0.1"]),
            "\"pg_isready -h 127.0.0.1  -U app\""
        );
        let list = Argv { line: None, ..line };
        assert_eq!(
            argv_with_words_after(&list, 0, &["-h", "127.0.0.1"]),
            r#"["pg_isready", "-h", "127.0.0.1", "-U", "app"]"#
        );
    }
}
