//! `stackc fmt`: the canonical layout of a spec.
//!
//! Formatting works on a lossless token view of each line ([`lex`]) with
//! layout rules that know no keyword ([`layout`]), so new statements format
//! without changes here. Two guards keep it honest: a spec that does not
//! parse is refused (its diagnostics say why), and the result must parse to
//! the same tree, and keep the same comments, as the input; otherwise the
//! input is left as it is.

mod diff;
mod layout;

pub use diff::diff;

use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, Span};
use crate::syntax::{self, tokens};

/// The spec's text in canonical layout, or why it cannot be formatted.
pub fn format(source: &SourceFile) -> Result<String, Vec<Diagnostic>> {
    // A spec that does not parse is not laid out at all: its braces could
    // nest without bound (20,000 unclosed `{`), and indenting every line by
    // its depth would take quadratic time and memory.
    if !syntax::parses(&source.text) {
        return Err(syntax::parse(source).1);
    }
    let formatted = layout::layout(tokens::each_line(&source.text));
    // A spec already in the layout means what it meant: nothing to compare,
    // and no tree to keep (a large spec's is several times its size).
    if formatted == source.text {
        return Ok(formatted);
    }
    let same_tree = syntax::shape(&source.text).is_some_and(|tree| tree.same_as(&formatted));
    if same_tree && comments(&formatted).eq(comments(&source.text)) {
        return Ok(formatted);
    }
    Err(vec![Diagnostic::error(
        "fmt-changes-meaning",
        "stackc fmt would change what this spec means, so it leaves the file as it is",
    )
    .primary(Span::new(0, 0), "in this file")
    .help("this is a bug in stackc fmt; please report it with the spec")])
}

/// Every comment in order: formatting moves comments, never drops or edits
/// them (beyond trailing whitespace).
fn comments(text: &str) -> impl Iterator<Item = &str> {
    tokens::each_line(text).filter_map(|line| line.comment)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        format(&SourceFile::new("t.spec", text)).unwrap_or_else(|d| panic!("{d:?}"))
    }

    #[test]
    fn indentation_spacing_and_blank_lines() {
        let messy = "\u{FEFF}\r\n\r\nstack  shop\t# name\r\n\n\n\nservice db{\n\n\
                     image postgres:16.4\n  env {\nA=\"1\"\n LONGER   =  \"2\"\n}\n\
                     command [ \"a\" , \"b\" ]\n    publish [::1]:8080->80\n\n}\n\n\n";
        assert_eq!(
            fmt(messy),
            "stack shop  # name\n\nservice db {\n    image postgres:16.4\n    env {\n        A      = \"1\"\n        \
             LONGER = \"2\"\n    }\n    command [\"a\", \"b\"]\n    publish [::1]:8080 -> 80\n}\n"
        );
    }

    #[test]
    fn end_of_line_comments_of_consecutive_lines_align() {
        let text = "stack shop # a\nvolume data # b\n\nvolume other_volume # c\n";
        assert_eq!(
            fmt(text),
            "stack shop   # a\nvolume data  # b\n\nvolume other_volume  # c\n"
        );
    }

    #[test]
    fn comment_lines_follow_the_block_depth() {
        let text = "stack shop\nservice db {\n# inside\nimage redis:7.4\n        # last\n}\n# after\n";
        assert_eq!(
            fmt(text),
            "stack shop\nservice db {\n    # inside\n    image redis:7.4\n    # last\n}\n# after\n"
        );
    }

    /// A location's modifier glued to its pattern (`~*"x"`, `^~/static/`)
    /// parses as the modifier and the pattern: printed as two words.
    #[test]
    fn a_modifier_glued_to_its_location_is_spaced() {
        let spec = |location: &str| {
            format!("stack shop\nproxy gateway {{\n    server {{\n        listen 80\n        location {location} {{\n            return 404\n        }}\n    }}\n}}\n")
        };
        for (glued, spaced) in [
            ("~*\"\\\\.php$\"", "~* \"\\\\.php$\""),
            ("~\"^/a\"", "~ \"^/a\""),
            ("^~/static/", "^~ /static/"),
            ("^~\"/static/\"", "^~ \"/static/\""),
            ("=/health", "= /health"),
        ] {
            assert_eq!(fmt(&spec(glued)), spec(spaced), "{glued}");
        }
    }

    #[test]
    fn empty_and_comment_only_specs() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("\n\n  \n"), "");
        assert_eq!(fmt("  # only\n\n\n# comments"), "# only\n\n# comments\n");
    }

    #[test]
    fn a_spec_that_does_not_parse_is_refused_with_its_diagnostics() {
        let diagnostics = format(&SourceFile::new("t.spec", "stack shop\nservice db {\n")).unwrap_err();
        assert_eq!(diagnostics[0].code, "syntax");
    }
}
