//! Telling a stack spec from another tool's `.spec` file (an RPM spec, a
//! PyInstaller spec) by its first statement, without parsing the file:
//! `stackc lint --only-stack-specs` skips the others, so a pre-commit hook
//! given every `*.spec` file lints only the stack specs.

use super::tokens::{self, Kind};

/// The keywords a top-level statement starts with (`item` in
/// grammar/stack.pest; a test keeps the two in step).
pub const STATEMENT_KEYWORDS: [&str; 8] = [
    "stack",
    "volume",
    "network",
    "secret",
    "service",
    "job",
    "proxy",
    "environment",
];

/// Whether the first statement, past blank and comment lines, is a keyword
/// and a name: `stack myapp`, `service web {`. RPM's `Name: foo` and
/// PyInstaller's `a = Analysis(...)` are not.
pub fn starts_like_a_spec(text: &str) -> bool {
    let Some(first) = tokens::lines(text).into_iter().find(|line| !line.tokens.is_empty()) else {
        return false;
    };
    match first.tokens.as_slice() {
        [keyword, name, ..] => {
            keyword.kind == Kind::Word
                && STATEMENT_KEYWORDS.contains(&keyword.text)
                && name.kind == Kind::Word
                && !name.glued
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_those_the_grammar_starts_a_statement_with() {
        // After a statement, pest names every rule a statement may start with.
        let err = super::super::parse_tree("stack a\n?").expect_err("`?` starts no statement");
        let pest::error::ErrorVariant::ParsingError { positives, .. } = err.variant else {
            panic!("a parsing error: {err}");
        };
        let mut expected: Vec<String> = positives
            .iter()
            .map(|rule| format!("{rule:?}"))
            .filter(|rule| rule != "EOI")
            .map(|rule| rule.trim_start_matches("kw_").to_string())
            .collect();
        expected.sort();
        let mut keywords = STATEMENT_KEYWORDS.map(str::to_string).to_vec();
        keywords.sort();
        assert_eq!(keywords, expected);
    }

    #[test]
    fn stack_specs_start_with_a_statement() {
        for spec in [
            "stack myapp\n",
            "stack 2fauth\n",
            "\u{FEFF}# comment\n\n   # another\nstack myapp # named\n",
            "service web {\n  image nginx:1.27\n}\n",
            "volume data\nstack myapp\n",
            "secret key file \"key.txt\"\n",
            "proxy edge { image nginx:1.27 }\r\n",
        ] {
            assert!(starts_like_a_spec(spec), "{spec:?}");
        }
    }

    #[test]
    fn other_tools_spec_files_do_not() {
        let rpm = "# RPM spec\nName:           hello\nVersion:        2.10\nRelease:        1%{?dist}\n";
        let rpm_macro = "%global debug_package %{nil}\nName: stack\n";
        let pyinstaller = "# -*- mode: python ; coding: utf-8 -*-\n\na = Analysis(['app.py'])\n";
        let python_assignment = "service = Service()\nstack = []\n";
        for text in [
            rpm,
            rpm_macro,
            pyinstaller,
            python_assignment,
            "",
            "# only a comment\n",
            "stack\n",
        ] {
            assert!(!starts_like_a_spec(text), "{text:?}");
        }
    }
}
