//! What the grammar accepts at a place in a spec: the keywords and names
//! that may stand there. The language server completes from it, so
//! completion follows the grammar with no keyword table of its own.
//!
//! The text before the place is parsed with a character no rule accepts
//! appended; pest then fails exactly there and lists the rules it tried.
//! An earlier line that does not parse is blanked out first, as syntax
//! error recovery does, so one mistake elsewhere does not stop completion.

use pest::error::{ErrorVariant, InputLocation};

use super::grammar::Rule;

/// What may start at a place.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expected {
    /// Keywords, as written in a spec (`after`, `on-failure`), sorted.
    pub keywords: Vec<String>,
    /// Whether a name (of a service, volume, secret, ...) may stand there.
    pub name: bool,
}

/// Accepted by no rule outside strings and comments.
const PROBE: char = '\u{1}';

/// What the grammar accepts at byte `offset` of `text`: nothing in a
/// comment; `None` when the text before it cannot be read (a brace
/// missing, a mistake earlier on the same line, a string still open).
pub fn expected_at(text: &str, offset: usize) -> Option<Expected> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let mut probe = String::with_capacity(offset + 1);
    probe.push_str(&text[..offset]);
    probe.push(PROBE);
    let line_start = probe[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    // The keywords pest tried are known only with error detail on.
    super::with_error_detail(|| {
        for _ in 0..super::MAX_SYNTAX_ERRORS {
            let Err(error) = super::parse_tree(&probe) else {
                return Some(Expected::default());
            };
            let at = match error.location {
                InputLocation::Pos(p) => p,
                InputLocation::Span((s, _)) => s,
            };
            if at == offset {
                return Some(from_error(&error));
            }
            if at > offset {
                // The probe was read as part of a comment.
                return Some(Expected::default());
            }
            if at >= line_start || !super::blank_line(&mut probe, at) {
                return None;
            }
        }
        None
    })
}

fn from_error(error: &pest::error::Error<Rule>) -> Expected {
    let keywords = keywords();
    let mut tried: Vec<String> = error
        .parse_attempts()
        .map(|attempts| attempts.expected_tokens())
        .unwrap_or_default()
        .into_iter()
        .map(|token| token.to_string())
        .filter(|token| keywords.binary_search(token).is_ok())
        .collect();
    tried.sort();
    tried.dedup();
    let name = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.iter().any(|r| {
            matches!(
                r,
                Rule::name | Rule::stack_name | Rule::dependency | Rule::mount_source | Rule::server_address
            )
        }),
        ErrorVariant::CustomError { .. } => false,
    };
    Expected { keywords: tried, name }
}

/// A keyword rule's text as a spec writes it.
pub(super) fn keyword(rule: Rule) -> Option<String> {
    match rule {
        // Compose's spelling, which a rule name cannot have.
        Rule::kw_on_failure => Some("on-failure".to_string()),
        Rule::kw_unless_stopped => Some("unless-stopped".to_string()),
        _ => format!("{rule:?}").strip_prefix("kw_").map(str::to_string),
    }
}

/// Every keyword of the grammar, sorted.
pub fn keywords() -> &'static [String] {
    static KEYWORDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KEYWORDS.get_or_init(|| {
        let mut all: Vec<String> = Rule::all_rules().iter().filter_map(|r| keyword(*r)).collect();
        all.sort();
        all
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What is expected where `|` stands.
    fn at(marked: &str) -> Expected {
        let offset = marked.find('|').expect("a marked place");
        expected_at(&marked.replace('|', ""), offset).expect("readable")
    }

    #[test]
    fn statements_of_each_block() {
        let top = at("stack a\n|");
        assert!(top.keywords.contains(&"service".to_string()), "{top:?}");
        assert!(!top.keywords.contains(&"image".to_string()));
        let service = at("stack a\nservice db {\n    |\n}\n");
        for keyword in ["image", "build", "mount", "after", "restart", "gunicorn"] {
            assert!(
                service.keywords.contains(&keyword.to_string()),
                "{keyword}: {service:?}"
            );
        }
        assert!(!service.keywords.contains(&"location".to_string()));
        let location = at("stack a\nproxy p {\n    location / {\n        |");
        assert!(location.keywords.contains(&"proxy_pass".to_string()), "{location:?}");
        assert!(!location.keywords.contains(&"image".to_string()));
    }

    #[test]
    fn environments_offer_declarations_operations_and_statements() {
        let environment = at("stack a\nenvironment dev {\n    |\n}\n");
        for keyword in ["service", "volume", "without"] {
            assert!(
                environment.keywords.contains(&keyword.to_string()),
                "{keyword}: {environment:?}"
            );
        }
        let change = at("stack a\nenvironment dev {\n    service web {\n        |\n    }\n}\n");
        for keyword in ["set", "add", "remove", "unset"] {
            assert!(change.keywords.contains(&keyword.to_string()), "{keyword}: {change:?}");
        }
        let set = at("stack a\nenvironment dev {\n    service web {\n        set |");
        for keyword in ["command", "mount", "gunicorn", "run"] {
            assert!(set.keywords.contains(&keyword.to_string()), "{keyword}: {set:?}");
        }
        assert_eq!(
            at("stack a\nenvironment dev {\n    without |").keywords,
            ["job", "network", "proxy", "secret", "service", "volume"]
        );
    }

    #[test]
    fn values_and_names_after_a_keyword() {
        assert_eq!(
            at("stack a\nservice db {\n    restart |").keywords,
            ["always", "no", "on-failure", "unless-stopped"]
        );
        let after = at("stack a\nservice db {\n    after web |");
        for keyword in ["done", "ready", "started"] {
            assert!(after.keywords.contains(&keyword.to_string()), "{after:?}");
        }
        let mount = at("stack a\nservice db {\n    mount |");
        assert!(mount.name && mount.keywords == ["anonymous"], "{mount:?}");
        assert!(at("stack a\nproxy p {\n    upstream u {\n        server |").name);
        assert!(at("stack a\nservice db {\n    image of |").name);
    }

    #[test]
    fn an_earlier_bad_line_is_skipped_but_not_a_missing_brace_nor_an_open_string() {
        let after_error = at("stack a\nservice db {\n    imgae x\n    restart |");
        assert!(after_error.keywords.contains(&"always".to_string()), "{after_error:?}");
        assert_eq!(at("stack a\n# a comment |"), Expected::default());
        let open_string = "stack a\nservice db {\n    run \"ab";
        assert_eq!(expected_at(open_string, open_string.len()), None);
        let missing_brace = "stack a\nservice db\n    image x\n}\nvolume v\n";
        assert_eq!(expected_at(missing_brace, missing_brace.len()), None);
    }

    #[test]
    fn keywords_use_the_spelling_of_the_spec() {
        let all = keywords();
        assert!(all.contains(&"on-failure".to_string()) && all.contains(&"proxy_pass".to_string()));
        assert!(!all.iter().any(|k| k.starts_with("kw_")));
    }
}
