use crate::diagnostic::Diagnostic;
use crate::ir::{LocationKind, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a regular expression location that gixy reports as slow: one
    /// that ends with a file extension but not with `$` (`"\\.php"`,
    /// gixy's unanchored_regex), a case-sensitive one that is a single
    /// literal path between `^` and `$` (`"^/api/health$"`, gixy's
    /// regex_exact_match), and one that repeats a group holding a
    /// repetition (`"^/(a+)+$"`, gixy's regex_redos).
    ///
    /// ## Why is this bad?
    /// nginx tries every regex location in order on every request that no
    /// `=` or `^~` location took. Without `$`, `\.php` also matches
    /// `/x.php.txt` and `/x.phpinfo/` and makes PCRE scan the whole path;
    /// a regex that is one literal path costs a regex run where an exact
    /// location is a lookup; `(a+)+` makes PCRE try exponentially many
    /// ways on a path that almost matches. stackc writes nginx.conf for
    /// gixy to find nothing in; these are the regexes that make it report.
    ///
    /// ## Example
    /// ```text
    /// location ~ "\\.php" { nginx "fastcgi_pass php:9000" }
    /// location ~ "/\\.ht" { return 404 }
    /// location ~ "^/healthz$" { return 200 "ok" }
    /// ```
    ///
    /// ## Use instead
    /// The `$` where the extension ends the path, `[^/]*$` where it starts
    /// a name (`.htaccess`, `.htpasswd`):
    /// ```text
    /// location ~ "\\.php$" { nginx "fastcgi_pass php:9000" }
    /// location ~ "/\\.ht[^/]*$" { return 404 }
    /// location = /healthz { return 200 "ok" }
    /// ```
    pub struct SlowRegexLocation {
        name: "slow-regex-location",
        severity: Warning,
        summary: "a regex location gixy reports as slow: no `$` after a file extension, one exact path, or nested repetition",
    }
}

impl Rule for SlowRegexLocation {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            for location in proxy.locations() {
                let LocationKind::Regex { caseless } = location.kind else {
                    continue;
                };
                let regex = location.path.as_str();
                let (problem, help) = if let Some(path) = exact_path(regex).filter(|_| !caseless) {
                    (
                        "is one exact path".to_string(),
                        format!("write `location = {path}`: an exact location is a lookup, not a regex run"),
                    )
                } else if facts::has_nested_repetition(regex) {
                    (
                        "repeats a group that repeats itself".to_string(),
                        "PCRE backtracks on it exponentially: repeat the group or its inside, not both".to_string(),
                    )
                } else if ends_with_extension(regex) {
                    ("ends with a file extension but not with `$`".to_string(), {
                        let written = regex.replace('\\', "\\\\");
                        format!(
                            "end it with `$` (`\"{written}$\"`) where the extension ends the path; where it \
                                 starts a name (`/\\\\.ht` for `.htaccess`), with `[^/]*$` (`\"{written}[^/]*$\"`)"
                        )
                    })
                } else {
                    continue;
                };
                out.push(
                    Self::META
                        .diagnostic(format!(
                            "`{}`: location `{}` {problem} (gixy)",
                            service.name.value,
                            location.key()
                        ))
                        .primary(location.path.span, "nginx runs this regex on every request it reaches")
                        .help(help),
                );
            }
        }
    }
}

/// gixy's unanchored_regex: `\.` and letters or digits at the very end.
fn ends_with_extension(regex: &str) -> bool {
    let extension = regex.trim_end_matches(|c: char| c.is_ascii_alphanumeric());
    extension.len() < regex.len() && extension.ends_with("\\.") && !extension.ends_with("\\\\.")
}

/// gixy's regex_exact_match: `^`, literal characters (an escaped
/// punctuation mark is one), `$`; the path they spell.
fn exact_path(regex: &str) -> Option<String> {
    let inner = regex.strip_prefix('^')?.strip_suffix('$')?;
    let mut path = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) if escaped.is_ascii_punctuation() => path.push(escaped),
                _ => return None,
            },
            c if ".[]()|*+?{}^$".contains(c) => return None,
            c => path.push(c),
        }
    }
    (!path.is_empty()).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::{ends_with_extension, exact_path};

    #[test]
    fn gixys_slow_regexes() {
        assert!(ends_with_extension(r"\.php"));
        assert!(ends_with_extension(r"^/(a|b)\.php7"));
        assert!(!ends_with_extension(r"\.php$"));
        assert!(!ends_with_extension(r"\.(css|js)"));
        assert!(!ends_with_extension(r"\\.php"));
        assert_eq!(exact_path(r"^/api/health$").as_deref(), Some("/api/health"));
        assert_eq!(exact_path(r"^/robots\.txt$").as_deref(), Some("/robots.txt"));
        assert_eq!(exact_path(r"^/a/.+$"), None);
        assert_eq!(exact_path(r"^/a\d$"), None);
        assert_eq!(exact_path(r"/a$"), None);
    }
}
