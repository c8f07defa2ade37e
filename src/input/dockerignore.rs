//! `.dockerignore` files, read and matched the way BuildKit does (moby's
//! `ignorefile` and `patternmatcher`), so stackc can carry an app's
//! patterns into the ignore file it writes and tell whether a path would
//! still be sent into an image build.
//!
//! Reading: a UTF-8 byte order mark is dropped; a line that starts with
//! `#` is a comment; the rest is trimmed, a leading `!` makes an
//! exception, and the pattern is cleaned like Go's `filepath.Clean` with a
//! leading `/` dropped.
//!
//! Matching: `*` is any run of characters but `/`, `?` one of them,
//! `[...]` a class (`^` negates), `\` escapes the next character, `**`
//! any number of folders (`**/x`: `x` at any depth, `x/**`: everything
//! under `x`). A pattern that matches a folder matches everything in it,
//! and the last pattern that matches a path decides whether it is left
//! out. Not reproduced: the corner where `*` or `?` stand inside a class,
//! which BuildKit turns into a different regular expression than Go's
//! `filepath.Match` reads.

use crate::source::Span;

/// What holds secrets in practice, as ignore patterns: `.env` files at
/// any depth (cookiecutter-django's `.envs/` too), keys and certificates,
/// SSH keys, the credential files of package managers and tools (npm's
/// `.npmrc`, `.netrc`, `.pypirc`, git's `.git-credentials`, `.aws`,
/// Docker's and kubectl's logins, libpq's `.pgpass`, MySQL's `.my.cnf`,
/// `.htpasswd`, Vault's token, Terraform's variables and state) and a
/// `secrets` folder. The images stackc writes leave them out; in an app's
/// own build folder they are what stackc looks for.
pub const SECRETS: &[&str] = &[
    "**/.env*",
    "**/*.env",
    "**/*.pem",
    "**/*.key",
    "**/*.p12",
    "**/*.pfx",
    "**/.ssh",
    "**/id_rsa",
    "**/id_dsa",
    "**/id_ecdsa",
    "**/id_ed25519",
    "**/.npmrc",
    "**/.netrc",
    "**/.pypirc",
    "**/.git-credentials",
    "**/.aws",
    "**/.docker/config.json",
    "**/.kube",
    "**/.pgpass",
    "**/.my.cnf",
    "**/.htpasswd",
    "**/.vault-token",
    "**/*.tfvars",
    "**/*.tfstate",
    "secrets",
];

/// Whether a file's name says it may hold credentials without being one of
/// [`SECRETS`] (`credentials.json`, `serviceAccountKey.json`,
/// `aws_credentials`): read, so its content decides.
pub fn may_hold_credentials(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    [
        "credential",
        "serviceaccount",
        "service-account",
        "service_account",
        "secret",
        "token",
        "apikey",
        "api_key",
    ]
    .iter()
    .any(|hint| name.contains(hint))
}

/// Whether a path of a build folder is one [`SECRETS`] names. Asked of
/// every file of every build folder: the patterns are compiled once, and
/// having no exception, any one that matches decides.
pub fn holds_secrets(path: &str) -> bool {
    static COMPILED: std::sync::OnceLock<Vec<Compiled>> = std::sync::OnceLock::new();
    let compiled = COMPILED.get_or_init(|| SECRETS.iter().map(|pattern| Compiled::new(pattern)).collect());
    let path = Subject::new(clean(path));
    compiled.iter().any(|pattern| pattern.matches_or_parent(&path))
}

/// One pattern of an ignore file, as BuildKit keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// Cleaned, with its leading `!` when it is an exception.
    pub text: String,
    /// The line it came from.
    pub span: Span,
}

/// The patterns of an ignore file's text, in order.
pub fn parse(text: &str) -> Vec<Pattern> {
    let mut patterns = Vec::new();
    let mut at = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let start = at;
        at += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let (line, start) = match (index, line.strip_prefix('\u{feff}')) {
            (0, Some(rest)) => (rest, start + '\u{feff}'.len_utf8()),
            _ => (line, start),
        };
        if line.starts_with('#') {
            continue;
        }
        if let Some(pattern) = normalize(line) {
            let lead = line.len() - line.trim_start().len();
            let end = start + line.trim_end().len();
            patterns.push(Pattern {
                text: pattern,
                span: Span::new(start + lead, end.max(start + lead)),
            });
        }
    }
    patterns
}

/// A line of an ignore file (not a comment) as BuildKit keeps it: `None`
/// for a blank one.
pub fn normalize(line: &str) -> Option<String> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let (exception, body) = match line.strip_prefix('!') {
        Some(body) => (true, body.trim()),
        None => (false, line),
    };
    let mut body = if body.is_empty() { String::new() } else { clean(body) };
    if body.len() > 1 && body.starts_with('/') {
        body.remove(0);
    }
    Some(if exception { format!("!{body}") } else { body })
}

/// Whether a pattern can stand in an ignore file as written: BuildKit
/// refuses a lone `!` and what Go's `filepath.Match` cannot read.
pub fn check(pattern: &str) -> Result<(), &'static str> {
    let body = pattern.strip_prefix('!').unwrap_or(pattern);
    if body.is_empty() {
        return Err("`!` must be followed by the pattern it makes an exception of");
    }
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.next().is_none() => return Err("ends with `\\`, which escapes nothing"),
            '[' => {
                let mut class = chars.clone();
                if matches!(class.clone().next(), Some('^')) {
                    class.next();
                }
                let mut closed = false;
                let mut first = true;
                while let Some(c) = class.next() {
                    match c {
                        ']' if !first => {
                            closed = true;
                            break;
                        }
                        '\\' if class.next().is_none() => return Err("a `[...]` class is not closed"),
                        _ => {}
                    }
                    first = false;
                }
                if !closed {
                    return Err("a `[...]` class is not closed");
                }
                chars = class;
            }
            _ => {}
        }
    }
    Ok(())
}

/// A path written as a pattern that matches exactly it: the characters
/// patterns give a meaning to are escaped with `\\`. `None` when no line
/// of an ignore file can hold it (a line break, blanks at its ends).
pub fn literal(path: &str) -> Option<String> {
    if path.is_empty() || path.chars().any(char::is_control) || path.trim() != path {
        return None;
    }
    let mut out = String::with_capacity(path.len());
    for (i, c) in path.chars().enumerate() {
        if "*?[]\\".contains(c) || (i == 0 && "!#".contains(c)) {
            out.push('\\');
        }
        out.push(c);
    }
    Some(out)
}

/// Whether BuildKit leaves `path` (relative to the build context, `/`
/// separated) out of the context, and the index of the pattern that
/// decided: the last one that matches the path or a folder above it.
/// The patterns are as BuildKit keeps them ([`normalize`]).
pub fn decide<'a>(patterns: impl IntoIterator<Item = &'a str>, path: &str) -> (bool, Option<usize>) {
    let path = Subject::new(clean(path));
    let mut excluded = false;
    let mut decided = None;
    for (index, pattern) in patterns.into_iter().enumerate() {
        let (exception, body) = match pattern.strip_prefix('!') {
            Some(body) => (true, body),
            None => (false, pattern),
        };
        // A pattern that cannot change the answer is not tried.
        if exception != excluded || body.is_empty() {
            continue;
        }
        let compiled = Compiled::new(body);
        if compiled.matches_or_parent(&path) {
            excluded = !exception;
            decided = Some(index);
        }
    }
    (excluded, decided)
}

/// Go's `filepath.Clean`, lexically: one `/` between parts, no `.`, `..`
/// folded into the part before it; `.` for nothing.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// One piece of a compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `*`: any run of characters but `/`.
    Star,
    /// `?`: one character but `/`.
    One,
    /// `**/` or `**` inside: nothing, or anything that ends with `/`.
    Folders,
    /// `**` at the end: anything.
    Rest,
    /// `[...]`: ranges (single characters are ranges of one), negated.
    Class(Vec<(char, char)>, bool),
}

/// How a pattern matches, as `patternmatcher` compiles it.
enum Compiled {
    Text(Text),
    /// `**/` and one name with `*`, `?` or a class in it (`**/*.pem`,
    /// `**/.env*`): a path one of whose names it matches. Matched a name
    /// at a time, with no table: most of [`SECRETS`], asked of every file
    /// of every build folder.
    AnyName(Vec<Token>),
    Tokens(Vec<Token>),
}

/// A path to match, taken apart into characters only for the patterns
/// that need it, and once for all of them.
struct Subject {
    path: String,
    chars: std::cell::OnceCell<Vec<char>>,
}

impl Subject {
    fn new(path: String) -> Subject {
        Subject {
            path,
            chars: std::cell::OnceCell::new(),
        }
    }

    fn chars(&self) -> &[char] {
        self.chars.get_or_init(|| self.path.chars().collect())
    }
}

/// A pattern with nothing special in it, or only `**` at one end.
enum Text {
    Exact(String),
    /// `x/**`: every path that starts with `x/`.
    Prefix(String),
    /// `**/x` with nothing special in `x`: paths that end with `/x`, or are `x`.
    Suffix(String),
}

impl Text {
    fn matches(&self, path: &str) -> bool {
        match self {
            Text::Exact(text) => path == text,
            Text::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Text::Suffix(suffix) => {
                path.ends_with(suffix.as_str()) || suffix.strip_prefix('/').is_some_and(|s| path == s)
            }
        }
    }
}

/// What `patternmatcher` finds a pattern to be while compiling it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exact,
    Prefix,
    Suffix,
    Tokens,
}

impl Compiled {
    fn new(pattern: &str) -> Compiled {
        let mut tokens = Vec::new();
        let mut kind = Kind::Exact;
        let mut chars = pattern.chars().peekable();
        let mut first = true;
        while let Some(c) = chars.next() {
            match c {
                '*' if chars.peek() == Some(&'*') => {
                    chars.next();
                    if chars.peek() == Some(&'/') {
                        chars.next();
                    }
                    if chars.peek().is_some() {
                        tokens.push(Token::Folders);
                        kind = Kind::Tokens;
                    } else if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        tokens.push(Token::Rest);
                        kind = Kind::Tokens;
                    }
                    if first {
                        kind = Kind::Suffix;
                    }
                }
                '*' => {
                    tokens.push(Token::Star);
                    kind = Kind::Tokens;
                }
                '?' => {
                    tokens.push(Token::One);
                    kind = Kind::Tokens;
                }
                // An escape makes the pattern a regular expression, as in
                // `patternmatcher`; a last `\\` stands for itself.
                '\\' => match chars.next() {
                    Some(escaped) => {
                        tokens.push(Token::Char(escaped));
                        kind = Kind::Tokens;
                    }
                    None => tokens.push(Token::Char('\\')),
                },
                '[' => {
                    tokens.push(class(&mut chars));
                    kind = Kind::Tokens;
                }
                c => tokens.push(Token::Char(c)),
            }
            first = false;
        }
        match kind {
            Kind::Exact => Compiled::Text(Text::Exact(pattern.to_string())),
            // The text before the last two characters (`**`).
            Kind::Prefix => Compiled::Text(Text::Prefix(pattern[..pattern.len() - 2].to_string())),
            // The text after the first two (`**`).
            Kind::Suffix => Compiled::Text(Text::Suffix(pattern[2..].to_string())),
            Kind::Tokens => match tokens.split_first() {
                Some((Token::Folders, name)) if name.iter().all(Token::within_a_name) => {
                    Compiled::AnyName(name.to_vec())
                }
                _ => Compiled::Tokens(tokens),
            },
        }
    }

    /// The path, or one of the folders above it.
    fn matches_or_parent(&self, subject: &Subject) -> bool {
        let path = subject.path.as_str();
        match self {
            Compiled::AnyName(name) => path.split('/').any(|part| name_matches(name, part)),
            Compiled::Tokens(tokens) => {
                let chars = subject.chars();
                let matched = prefixes_matched(tokens, chars);
                // The path itself, or the folder before any of its `/`.
                matched[chars.len()] || chars.iter().zip(&matched).any(|(&c, &m)| c == '/' && m)
            }
            Compiled::Text(text) => {
                text.matches(path) || path.match_indices('/').any(|(end, _)| text.matches(&path[..end]))
            }
        }
    }
}

impl Token {
    /// Whether the token only ever matches characters of one name (never
    /// a `/`, never across one).
    fn within_a_name(&self) -> bool {
        match self {
            Token::Char(c) => *c != '/',
            Token::Star | Token::One => true,
            Token::Class(ranges, negated) => !negated && !ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&'/')),
            Token::Folders | Token::Rest => false,
        }
    }

    /// Whether a token of one character accepts `c`.
    fn accepts(&self, c: char) -> bool {
        match self {
            Token::Char(x) => c == *x,
            Token::One => c != '/',
            Token::Class(ranges, negated) => ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated,
            Token::Star | Token::Folders | Token::Rest => false,
        }
    }
}

/// Whether the tokens of a name ([`Token::within_a_name`]) match all of
/// `name`. Greedy, going back only to the last `*`: a `*` may always take
/// more, so time is at most the name's length times the tokens', never
/// exponential in the `*`s of a hostile pattern.
fn name_matches(tokens: &[Token], name: &str) -> bool {
    let (mut t, mut at) = (0, 0);
    // After the last `*` seen: its next token, and where its run ends.
    let mut star: Option<(usize, usize)> = None;
    while let Some(c) = name[at..].chars().next() {
        match tokens.get(t) {
            Some(Token::Star) => {
                star = Some((t + 1, at));
                t += 1;
            }
            Some(token) if token.accepts(c) => {
                t += 1;
                at += c.len_utf8();
            }
            _ => {
                let Some((next, end)) = star else { return false };
                // The `*` takes one more character.
                let end = end + name[end..].chars().next().map_or(0, char::len_utf8);
                star = Some((next, end));
                (t, at) = (next, end);
            }
        }
    }
    tokens[t.min(tokens.len())..].iter().all(|token| *token == Token::Star)
}

/// The class after a `[`, up to its `]`.
fn class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Token {
    let negated = chars.peek() == Some(&'^');
    if negated {
        chars.next();
    }
    let mut ranges = Vec::new();
    let mut first = true;
    while let Some(c) = chars.next() {
        if c == ']' && !first {
            break;
        }
        first = false;
        let low = match c {
            '\\' => chars.next().unwrap_or('\\'),
            c => c,
        };
        let mut ahead = chars.clone();
        let high = match (ahead.next(), ahead.next()) {
            (Some('-'), Some(high)) if high != ']' => {
                chars.next();
                chars.next();
                high
            }
            _ => low,
        };
        ranges.push((low, high));
    }
    Token::Class(ranges, negated)
}

/// Which prefixes of `path` the whole pattern matches: `matched[p]` when
/// `tokens` match `path[..p]`. One pass over the path per token, with two
/// rows: the path and all the folders above it are answered together. A
/// token no prefix reaches ends it (most paths fail a literal early).
fn prefixes_matched(tokens: &[Token], path: &[char]) -> Vec<bool> {
    let m = path.len();
    // before[p]: the tokens so far match path[..p].
    let mut before = vec![false; m + 1];
    before[0] = true;
    let mut after = vec![false; m + 1];
    for token in tokens {
        match token {
            Token::Char(_) | Token::One | Token::Class(..) => one(&before, &mut after, path, |c| token.accepts(c)),
            // Nothing more, or one more character (not `/`).
            Token::Star => {
                after[0] = before[0];
                for p in 1..=m {
                    after[p] = before[p] || (path[p - 1] != '/' && after[p - 1]);
                }
            }
            Token::Rest => {
                after[0] = before[0];
                for p in 1..=m {
                    after[p] = before[p] || after[p - 1];
                }
            }
            // Nothing more, or a run that ends with this `/`.
            Token::Folders => {
                after[0] = before[0];
                // Whether the tokens so far match some path[..q], q < p.
                let mut some_earlier = false;
                for p in 1..=m {
                    some_earlier |= before[p - 1];
                    after[p] = before[p] || (path[p - 1] == '/' && some_earlier);
                }
            }
        }
        std::mem::swap(&mut before, &mut after);
        if !before.contains(&true) {
            break;
        }
    }
    before
}

/// A token of one character that `accepts`: `after[p]` when the tokens
/// before it match `path[..p - 1]` and it accepts `path[p - 1]`.
fn one(before: &[bool], after: &mut [bool], path: &[char], accepts: impl Fn(char) -> bool) {
    after[0] = false;
    for p in 1..after.len() {
        after[p] = before[p - 1] && accepts(path[p - 1]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Patterns as an ignore file's lines: read first, as BuildKit does.
    fn excluded(patterns: &[&str], path: &str) -> bool {
        let read: Vec<String> = patterns.iter().filter_map(|p| normalize(p)).collect();
        decide(read.iter().map(String::as_str), path).0
    }

    #[test]
    fn secrets_are_env_files_keys_and_their_folders() {
        for secret in [
            ".env",
            ".env.production",
            "prod.env",
            "id_ed25519",
            "tls.key",
            "secrets/db.txt",
            ".ssh/config",
            ".npmrc",
            "web/.netrc",
            ".aws/credentials",
        ] {
            assert!(holds_secrets(secret), "{secret}");
        }
        for other in ["env.py", "id_rsa.pub", "keys.py", "Dockerfile", ".envrc.d/../main.go"] {
            assert!(!holds_secrets(other), "{other}");
        }
        // The compiled list answers as the ignore file would (it has no
        // `!` exception, so the first match decides).
        assert!(SECRETS.iter().all(|p| !p.starts_with('!')));
        for path in [
            "a/b/.env.local",
            "x.pem",
            "secrets",
            "deep/er/.git-credentials",
            "app/main.py",
            "./.env",
        ] {
            assert_eq!(holds_secrets(path), decide(SECRETS.iter().copied(), path).0, "{path}");
        }
    }

    #[test]
    fn reads_lines_as_buildkit_does() {
        let text = "\u{feff}# a comment\n  .git  \n\n!/keep/./me\n /secrets/ \n  # not a comment\r\n";
        let patterns = parse(text);
        let texts: Vec<&str> = patterns.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, [".git", "!keep/me", "secrets", "# not a comment"]);
        assert_eq!(&text[patterns[0].span.start()..patterns[0].span.end()], ".git");
        assert_eq!(
            &text[patterns[3].span.start()..patterns[3].span.end()],
            "# not a comment"
        );
    }

    #[test]
    fn cleans_like_go() {
        assert_eq!(clean("a//b/./c/.."), "a/b");
        assert_eq!(clean("./"), ".");
        assert_eq!(clean("../x"), "../x");
        assert_eq!(clean("/../x/"), "/x");
    }

    #[test]
    fn matches_files_folders_and_depths() {
        assert!(excluded(&["secrets"], "secrets/db.txt"));
        assert!(excluded(&["**/.env*"], ".env"));
        assert!(excluded(&["**/.env*"], "config/.env.production"));
        assert!(excluded(&["**/.env*"], ".envs/.production/.django"));
        assert!(excluded(&["**/*.pem"], "certs/tls/key.pem"));
        assert!(excluded(&["*.log"], "debug.log"));
        assert!(!excluded(&["*.log"], "logs/debug.log"));
        assert!(excluded(&["logs/**"], "logs/a/b.log"));
        assert!(excluded(&["**/__pycache__"], "app/x/__pycache__/y.pyc"));
        assert!(excluded(&["**/*.py[cod]"], "app/x.pyc"));
        assert!(!excluded(&["**/*.py[cod]"], "app/x.py"));
        assert!(excluded(&["a/*/c"], "a/b/c"));
        assert!(!excluded(&["a/*/c"], "a/b/x/c"));
        assert!(excluded(&["a/**/c"], "a/b/x/c"));
        assert!(excluded(&["a/**/c"], "a/c"));
        assert!(excluded(&["a/**/c"], "a/b/c/d.txt"));
        assert!(!excluded(&["a/**/c"], "ab/c"));
        assert!(excluded(&["**/x/**/*.txt"], "p/x/q/r/y.txt"));
        assert!(!excluded(&["**/x/**/*.txt"], "p/xq/r/y.txt"));
        assert!(excluded(&["**/.env*"], "été/.env"));
        assert!(!excluded(&["**/.env*"], "été/env"));
        assert!(excluded(&["file?.txt"], "file1.txt"));
        assert!(excluded(&["[^a]x"], "bx"));
        assert!(!excluded(&["[^a]x"], "ax"));
        assert!(excluded(&["[a-c]x"], "bx"));
    }

    #[test]
    fn the_last_matching_pattern_decides() {
        let patterns = ["secrets", "!secrets/public.txt", "**/.env*", "!.env.example"];
        assert!(excluded(&patterns, "secrets/db.txt"));
        assert!(!excluded(&patterns, "secrets/public.txt"));
        assert!(!excluded(&patterns, ".env.example"));
        assert_eq!(decide(patterns, "secrets/public.txt"), (false, Some(1)));
        assert_eq!(decide(patterns, "app.py"), (false, None));
        // A later exclusion wins over an earlier exception.
        assert!(excluded(&["secrets", "!secrets/x", "secrets/x"], "secrets/x"));
    }

    #[test]
    fn literal_paths_match_only_themselves() {
        for path in ["secrets/db.txt", "odd/[x]*?.key", "!bang", "#hash", "back\\slash"] {
            let pattern = literal(path).unwrap();
            assert!(excluded(&[pattern.as_str()], path), "{path} via {pattern}");
            assert!(!excluded(&[pattern.as_str()], "secrets/other"), "{pattern}");
        }
        assert_eq!(literal("a\nb"), None);
        assert_eq!(literal(" lead"), None);
    }

    /// Cases of `patternmatcher`'s own tests.
    #[test]
    fn agrees_with_patternmatcher() {
        let cases = [
            ("**", "dir/file", true),
            ("**/", "file", true),
            ("dir/**", "dir/dir2/file", true),
            ("**/dir", "dir/file", true),
            ("**/dir2/*", "dir/dir2/file", true),
            ("**file", "dir/dir/file", true),
            ("**/file*.txt*", "dir/dir/file.txt", true),
            ("**/**/*.txt2", "dir/dir/file.txt", false),
            ("**/**/*.txt", "file.txt", true),
            ("a**/*.txt", "a/dir/dir/file.txt", true),
            ("a/*.txt", "a/dir/file.txt", false),
            ("a/*.txt**", "a/file.txt", true),
            ("a[b-d]e", "ace", true),
            ("a[^b-d]e", "aze", true),
            ("a[b-d]e", "aae", false),
            (".*", "foo", false),
            ("abc?def", "abcdef", false),
            ("a\\\\", "a\\", true),
            ("a\\*b", "a*b", true),
            ("abc/**", "abc", false),
            ("**/.foo", "bar.foo", false),
            ("a(b)c/def", "a(b)c/xyz", false),
            (
                "dist/*.whl",
                "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
                true,
            ),
        ];
        for (pattern, path, want) in cases {
            assert_eq!(excluded(&[pattern], path), want, "{pattern} on {path}");
        }
        assert!(!excluded(&["**", "!util/docker/web"], "util/docker/web/foo"));
        assert!(excluded(
            &["**", "!util/docker/web", "util/docker/web/foo"],
            "util/docker/web/foo"
        ));
    }

    #[test]
    fn checks_what_buildkit_refuses() {
        assert!(check("!").is_err());
        assert!(check("a[bc").is_err());
        assert!(check("trailing\\").is_err());
        assert!(check("a[]]b").is_ok());
        assert!(check("**/*.py[cod]").is_ok());
    }

    #[test]
    fn long_patterns_take_linear_time() {
        let pattern = "*a".repeat(200);
        let path = "a".repeat(300) + "b";
        assert!(!excluded(&[pattern.as_str()], &path));
    }

    /// What each token means, said the slow way: tries every split.
    fn reference(tokens: &[Token], path: &[char]) -> bool {
        let Some((token, rest)) = tokens.split_first() else {
            return path.is_empty();
        };
        let one =
            |accepts: &dyn Fn(char) -> bool| path.first().is_some_and(|&c| accepts(c)) && reference(rest, &path[1..]);
        match token {
            Token::Char(x) => one(&|c| c == *x),
            Token::One => one(&|c| c != '/'),
            Token::Class(ranges, negated) => {
                one(&|c| ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated)
            }
            Token::Star => (0..=path.len())
                .take_while(|&i| !path[..i].contains(&'/'))
                .any(|i| reference(rest, &path[i..])),
            Token::Rest => (0..=path.len()).any(|i| reference(rest, &path[i..])),
            Token::Folders => {
                reference(rest, path) || (0..path.len()).any(|q| path[q] == '/' && reference(rest, &path[q + 1..]))
            }
        }
    }

    /// Every path of up to 5 characters of `alphabet`, and the empty one.
    fn short_paths(alphabet: &[char]) -> Vec<String> {
        let mut paths = vec![String::new()];
        let mut longest = vec![String::new()];
        for _ in 0..5 {
            longest = longest
                .iter()
                .flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}")))
                .collect();
            paths.extend(longest.iter().cloned());
        }
        paths
    }

    /// A `**/name` pattern answers, a name at a time, as the table of its
    /// tokens does, on every short path.
    #[test]
    fn a_name_at_any_depth_is_matched_as_the_tokens_say() {
        let patterns = [
            "**/.a*",
            "**/*.b",
            "**/a*b*",
            "**/*a*",
            "**/?",
            "**/[ab]?*",
            "**/*",
            "**/é*",
            "**/a*?",
        ];
        let paths = short_paths(&['a', 'b', '/', '.', 'é']);
        for pattern in patterns {
            let Compiled::AnyName(name) = Compiled::new(pattern) else {
                panic!("{pattern} is not matched a name at a time");
            };
            let table = Compiled::Tokens([vec![Token::Folders], name].concat());
            for path in &paths {
                let subject = Subject::new(path.clone());
                assert_eq!(
                    Compiled::new(pattern).matches_or_parent(&subject),
                    table.matches_or_parent(&subject),
                    "{pattern} on {path:?}"
                );
            }
        }
        // Patterns whose tokens may match a `/` keep the table.
        for pattern in ["**/[^a]*", "**/a/*", "**/a/**/b", "**/[/]x"] {
            assert!(matches!(Compiled::new(pattern), Compiled::Tokens(_)), "{pattern}");
        }
    }

    /// Many `*`s and a long name that almost matches: one pass per `*`
    /// tried, not every way of splitting the name (which would not end).
    #[test]
    fn many_stars_on_a_long_name_end() {
        let pattern = format!("**/{}b", "*a".repeat(16));
        let name = "a".repeat(255);
        assert!(!excluded(&[pattern.as_str()], &name));
        assert!(excluded(&[pattern.as_str()], &format!("{name}b")));
    }

    /// On every path of up to 5 characters, `é` among them.
    #[test]
    fn every_prefix_is_matched_as_the_tokens_say() {
        let patterns = [
            "a*",
            "*a",
            "a?b",
            "**/.a*",
            "a/**/b",
            "**/*.b",
            "a**b",
            "[^a]*/b",
            "*/*",
            "a/**/b/**/a",
            "a/**/*",
            "a*/**",
            "[ab]*/?",
            "*[é.]",
            "é*/a",
        ];
        let paths = short_paths(&['a', 'b', '/', '.', 'é']);
        for pattern in patterns {
            let tokens = match Compiled::new(pattern) {
                Compiled::Tokens(tokens) => tokens,
                Compiled::AnyName(name) => [vec![Token::Folders], name].concat(),
                Compiled::Text(_) => panic!("{pattern} is not matched by tokens"),
            };
            for path in &paths {
                let chars: Vec<char> = path.chars().collect();
                let matched = prefixes_matched(&tokens, &chars);
                for end in 0..=chars.len() {
                    assert_eq!(
                        matched[end],
                        reference(&tokens, &chars[..end]),
                        "{pattern} on {:?}",
                        &path[..end]
                    );
                }
            }
        }
    }
}
