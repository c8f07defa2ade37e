//! The shape of a location's regular expression, checked before nginx
//! sees it: nginx compiles every regex when it starts (PCRE), and one it
//! cannot compile stops it with `nginx: [emerg] pcre2_compile() failed`.
//! This is not a regex engine: it finds the mistakes that break a config
//! (an unclosed group or class, a quantifier with nothing to repeat, a
//! backslash at the end), and what nginx.conf cannot hold (a control
//! character, a value over its 4 KB), and lets the rest of PCRE's syntax
//! through.

/// Why nginx could not compile `regex`, if it certainly could not.
pub(crate) fn problem(regex: &str) -> Option<&'static str> {
    if regex.is_empty() {
        return Some("an empty regular expression matches every path: write a prefix location (`location /`)");
    }
    if regex.chars().any(char::is_control) {
        return Some(
            "nginx.conf cannot hold a control character: write the regex's escape (`\\n` is `\\\\n` in a spec string)",
        );
    }
    if regex.len() > crate::emit::nginx::MAX_TOKEN {
        return Some("longer than nginx reads: a parameter must stay under 4 KB");
    }
    let bytes = regex.as_bytes();
    let mut depth = 0usize;
    // Whether the last item may take a quantifier, and whether it was one
    // (which may take one `?` or `+`: lazy or possessive).
    let (mut repeatable, mut quantified) = (false, false);
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        at += 1;
        let (next_repeatable, next_quantified) = match b {
            b'\\' => {
                let Some(&escaped) = bytes.get(at) else {
                    return Some("a backslash at the end escapes nothing");
                };
                at += 1;
                match escaped {
                    // `\Q...\E`: the characters between, taken as written.
                    b'Q' => {
                        let quoted = bytes[at..].windows(2).position(|w| w == b"\\E");
                        at = quoted.map_or(bytes.len(), |end| at + end + 2);
                        (true, false)
                    }
                    b'E' => (repeatable, quantified),
                    // Assertions: a place, not a character, so nothing to repeat.
                    b'b' | b'B' | b'A' | b'z' | b'Z' | b'G' | b'K' => (false, false),
                    _ => (true, false),
                }
            }
            // Anchors, which PCRE refuses to repeat.
            b'^' | b'$' => (false, false),
            b'[' => {
                let Some(end) = class_end(bytes, at) else {
                    return Some("a `[` class is never closed");
                };
                at = end;
                (true, false)
            }
            // A verb (`(*UTF)`, `(*SKIP)`): a setting, not a group.
            b'(' if bytes.get(at) == Some(&b'*') => {
                let Some(end) = bytes[at..].iter().position(|&c| c == b')') else {
                    return Some("a `(*` verb is never closed");
                };
                at += end + 1;
                (false, false)
            }
            b'(' => {
                if bytes.get(at) == Some(&b'?') {
                    let known = bytes
                        .get(at + 1)
                        .is_some_and(|c| c.is_ascii_digit() || b":=!<>'|#-^&+(imsxnJUPRC".contains(c));
                    if !known {
                        return Some("`(?` begins a group PCRE does not know");
                    }
                    at += 1;
                }
                depth += 1;
                (false, false)
            }
            b')' => {
                if depth == 0 {
                    return Some("a `)` closes no group");
                }
                depth -= 1;
                (true, false)
            }
            b'|' => (false, false),
            b'*' | b'+' | b'?' if quantified && b != b'*' => (false, false),
            b'*' | b'+' | b'?' => {
                if !repeatable {
                    return Some("a quantifier (`*`, `+`, `?`) with nothing before it to repeat");
                }
                (false, true)
            }
            b'{' if counted_repeat(&bytes[at..]).is_some() => {
                if !repeatable {
                    return Some("a `{N}` count with nothing before it to repeat");
                }
                at += counted_repeat(&bytes[at..]).unwrap_or(0);
                (false, true)
            }
            _ => (true, false),
        };
        repeatable = next_repeatable;
        quantified = next_quantified;
    }
    (depth > 0).then_some("a `(` is never closed")
}

/// Where a character class that starts at `from` (after `[`) ends; `]`
/// right after `[` or `[^` is a member, as in PCRE.
fn class_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from + usize::from(bytes.get(from) == Some(&b'^'));
    if bytes.get(at) == Some(&b']') {
        at += 1;
    }
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            // A POSIX class inside (`[[:alpha:]]`) ends at its own `:]`.
            b'[' if bytes.get(at + 1) == Some(&b':') => {
                let end = bytes[at + 2..].windows(2).position(|w| w == b":]")?;
                at += 2 + end + 2;
            }
            b']' => return Some(at + 1),
            _ => at += 1,
        }
    }
    None
}

/// The length of `N}`, `N,}` or `N,M}` after a `{`: a counted repeat (any
/// other `{` is an ordinary character to PCRE).
fn counted_repeat(rest: &[u8]) -> Option<usize> {
    let digits = |from: usize| rest[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let first = digits(0);
    if first == 0 {
        return None;
    }
    let mut at = first;
    if rest.get(at) == Some(&b',') {
        at += 1 + digits(at + 1);
    }
    (rest.get(at) == Some(&b'}')).then_some(at + 1)
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn regexes_of_real_configs_pass() {
        for regex in [
            r"\.php$",
            r"\.(css|js|png|jpe?g|gif|svg|ico|woff2?)$",
            r"^/(?:index|remote|public|cron|core/ajax/update|status|ocs/v[12]|updater/.+|ocs-provider/.+)\.php(?:$|/)",
            r"^(.+\.php)(/.*)?$",
            r"/\.(?!well-known)",
            r"^/media/(?<file>.+)$",
            r"[^/]\.php(/|$)",
            r"[]a]+",
            r"a{2,}b{1,3}c{4}",
            r"x{y}",
            r"a*?b+?c??d*+",
            r"(?i)\.JPG$",
            r"(*UTF)abc",
            r"(*CR)^/a$",
            r"\Qa(\E",
            r"\Q*.php",
            r"[[:alpha:]]+",
            r"\bword\b",
            r"^/$",
        ] {
            assert_eq!(problem(regex), None, "{regex}");
        }
    }

    #[test]
    fn regexes_nginx_cannot_compile_are_found() {
        for regex in [
            "",
            "(",
            "a)",
            "[abc",
            r"\",
            "*.php",
            "(+a)",
            "a|*",
            "{2}x",
            "a**",
            "(?Q)",
            "x[\\]",
            "^*",
            "$*",
            r"\b+",
            r"\A*",
            "[[:alpha:]",
            "(*UTF",
        ] {
            assert!(problem(regex).is_some(), "{regex}");
        }
    }
}
