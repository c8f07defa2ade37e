//! nginx's configuration language read into a tree of directives, each
//! with its byte span: words (quotes removed, escapes read as nginx reads
//! them), `;`-ended directives and `{ }` blocks, `#` comments skipped.
//!
//! Words follow nginx's own tokenizer (`ngx_conf_read_token`): a quote
//! opens a quoted word only where a word starts (`~*"x"` is one word),
//! `}` ends a block only where a word starts, a `\` takes the next
//! character into the word, and `\"`, `\'`, `\\`, `\t`, `\r`, `\n` are read
//! as the character they name in every word, quoted or not.
//!
//! Architecture invariant: a line that does not read is one
//! [`NginxError`], and the parser goes on after it: a user's config is
//! kept but for that line. Bounded: nesting deeper than [`MAX_DEPTH`] is
//! an error and the block is skipped.

use crate::source::Span;

const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub struct Directive {
    pub name: String,
    pub args: Vec<String>,
    pub span: Span,
    /// The directives of its `{ }` block, if it opens one.
    pub block: Option<Vec<Directive>>,
}

impl Directive {
    /// The directive as one line of nginx text (words re-quoted when needed).
    pub fn line(&self) -> String {
        let mut words = vec![self.name.clone()];
        words.extend(self.args.iter().map(|a| quote(a)));
        words.join(" ")
    }

    pub fn children(&self) -> &[Directive] {
        self.block.as_deref().unwrap_or_default()
    }
}

/// A word as nginx text that reads back as the same word, on one line:
/// a line break or a tab as the escape nginx reads in quotes (`return 200
/// "User-agent: *\nDisallow: /\n"`).
fn quote(word: &str) -> String {
    let plain = |c: char| !c.is_whitespace() && !matches!(c, '"' | '\'' | ';' | '{' | '}' | '#' | '\\');
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_string();
    }
    let mut quoted = String::with_capacity(word.len() + 2);
    quoted.push('"');
    for c in word.chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// A line nginx would not read, and where.
#[derive(Debug, PartialEq)]
pub struct NginxError {
    pub message: String,
    pub span: Span,
}

/// The directives that read, and an error for each line that did not.
#[derive(Debug, Default)]
pub struct Parsed {
    pub tree: Vec<Directive>,
    pub errors: Vec<NginxError>,
}

enum Token {
    Word(String),
    Semi,
    Open,
    Close,
    /// Text that is no word: an unclosed quote (to the end of its line),
    /// a quoted word with more glued to it.
    Bad(String),
}

/// The config as a tree, every line that does not read left out of it
/// and reported.
pub fn parse(text: &str) -> Parsed {
    let mut parser = Parser {
        text,
        tokens: tokens(text),
        at: 0,
        errors: Vec::new(),
    };
    let tree = parser.block(0);
    Parsed {
        tree,
        errors: parser.errors,
    }
}

struct Parser<'t> {
    text: &'t str,
    tokens: Vec<(Token, Span)>,
    at: usize,
    errors: Vec<NginxError>,
}

impl Parser<'_> {
    fn error(&mut self, message: impl Into<String>, span: Span) {
        self.errors.push(NginxError {
            message: message.into(),
            span,
        });
    }

    /// The directives up to the `}` that closes the block (left for the
    /// caller) or the end of the text.
    fn block(&mut self, depth: usize) -> Vec<Directive> {
        let mut out = Vec::new();
        while let Some((token, span)) = self.tokens.get(self.at) {
            let span = *span;
            match token {
                Token::Close if depth > 0 => break,
                Token::Close => {
                    self.at += 1;
                    self.error("a `}` with no `{`", span);
                }
                Token::Word(name) => {
                    let name = name.clone();
                    self.at += 1;
                    out.extend(self.directive(name, span, depth));
                }
                Token::Bad(message) => {
                    let message = message.clone();
                    self.error(message, span);
                    self.skip_line(span);
                }
                Token::Semi | Token::Open => {
                    self.error("a directive starts with its name", span);
                    self.skip_line(span);
                }
            }
        }
        out
    }

    /// The rest of a directive whose name has been read.
    fn directive(&mut self, name: String, first: Span, depth: usize) -> Option<Directive> {
        let start = first.start();
        let mut args = Vec::new();
        let mut last = first.end();
        loop {
            let Some((token, span)) = self.tokens.get(self.at) else {
                self.error(format!("`{name}` has no `;` or `{{`"), Span::new(start, last));
                return None;
            };
            let span = *span;
            match token {
                Token::Word(w) => {
                    args.push(w.clone());
                    self.at += 1;
                    last = span.end();
                }
                Token::Semi => {
                    self.at += 1;
                    return Some(Directive {
                        name,
                        args,
                        span: Span::new(start, span.end()),
                        block: None,
                    });
                }
                Token::Open if depth >= MAX_DEPTH => {
                    self.error(format!("blocks nest deeper than {MAX_DEPTH}"), span);
                    self.skip_line(span);
                    return None;
                }
                Token::Open => {
                    self.at += 1;
                    let children = self.block(depth + 1);
                    let close = match self.tokens.get(self.at) {
                        Some((_, close)) => {
                            self.at += 1;
                            close.end()
                        }
                        // Kept as far as it goes: what it holds still reads.
                        None => {
                            self.error(format!("`{name}`'s block is not closed"), Span::new(start, span.end()));
                            self.text.len()
                        }
                    };
                    return Some(Directive {
                        name,
                        args,
                        span: Span::new(start, close),
                        block: Some(children),
                    });
                }
                // Left for the block it closes.
                Token::Close => {
                    self.error(format!("`{name}` has no `;` before the `}}`"), Span::new(start, last));
                    return None;
                }
                Token::Bad(message) => {
                    let message = message.clone();
                    self.error(message, Span::new(start, span.end()));
                    self.skip_line(span);
                    return None;
                }
            }
        }
    }

    /// Skips the token at hand, which does not read, and what is left of
    /// its line: up to its `;`, or with the block it opens, or to the `}`
    /// of the block around it.
    fn skip_line(&mut self, bad: Span) {
        let line_end = self.text[bad.end()..]
            .find('\n')
            .map_or(self.text.len(), |at| bad.end() + at);
        while let Some((token, span)) = self.tokens.get(self.at) {
            if span.start() > line_end {
                return;
            }
            match token {
                Token::Close => return,
                Token::Semi => {
                    self.at += 1;
                    return;
                }
                Token::Open => {
                    self.at += 1;
                    self.skip_block();
                    return;
                }
                Token::Word(_) | Token::Bad(_) => self.at += 1,
            }
        }
    }

    /// Skips the inside of a block whose `{` has been read, and its `}`.
    fn skip_block(&mut self) {
        let mut depth = 1;
        while let Some((token, _)) = self.tokens.get(self.at) {
            self.at += 1;
            match token {
                Token::Open => depth += 1,
                Token::Close if depth == 1 => return,
                Token::Close => depth -= 1,
                _ => {}
            }
        }
    }
}

/// nginx's words and punctuation, as `ngx_conf_read_token` reads them.
fn tokens(text: &str) -> Vec<(Token, Span)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b';' | b'{' | b'}' => {
                let token = match c {
                    b';' => Token::Semi,
                    b'{' => Token::Open,
                    _ => Token::Close,
                };
                out.push((token, Span::new(i, i + 1)));
                i += 1;
            }
            b'"' | b'\'' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != c {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if i >= bytes.len() {
                    // nginx reads to the end of the file; the line is what is lost.
                    let end = text[start..].find('\n').map_or(text.len(), |at| start + at);
                    out.push((Token::Bad("an unclosed quote".into()), Span::new(start, end)));
                    i = end;
                    continue;
                }
                i += 1;
                // A quoted word ends at a space, `;`, `{` or `)`.
                let glued = i;
                while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b')') {
                    i += 1;
                }
                let token = match glued == i {
                    true => Token::Word(unescape(&text[start + 1..i - 1])),
                    false => Token::Bad(format!("`{}` is glued to the quoted word before it", &text[glued..i])),
                };
                out.push((token, Span::new(start, i)));
            }
            _ => {
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{') {
                    match bytes[i] {
                        // The next character is the word's, whatever it is.
                        b'\\' => i += 2,
                        // `${var}` keeps its braces.
                        b'$' if bytes.get(i + 1) == Some(&b'{') => i += 2,
                        _ => i += 1,
                    }
                }
                let end = i.min(bytes.len());
                i = end;
                out.push((Token::Word(unescape(&text[start..end])), Span::new(start, end)));
            }
        }
    }
    out
}

/// A word's escapes as nginx reads them in every word: `\"`, `\'` and
/// `\\` are the character, `\t`, `\r`, `\n` the control character; any
/// other `\` stays (a regex's `\.`).
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some(&q @ ('"' | '\'' | '\\')) => out.push(q),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars.next();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree of a config that reads without an error.
    fn tree(text: &str) -> Vec<Directive> {
        let parsed = parse(text);
        assert_eq!(parsed.errors, vec![], "{text}");
        parsed.tree
    }

    /// The errors' messages and the text each points at.
    fn errors(text: &str) -> Vec<(String, &str)> {
        let parsed = parse(text);
        parsed
            .errors
            .into_iter()
            .map(|e| (e.message, &text[e.span.range()]))
            .collect()
    }

    #[test]
    fn reads_the_seed_config() {
        let text = "upstream django {\n    server web:8000;\n}\nserver {\n    listen 80;\n    location / {\n        proxy_pass http://django; # to Gunicorn\n        add_header X-A \"a b\";\n    }\n}\n";
        let tree = tree(text);
        assert_eq!(tree[0].name, "upstream");
        assert_eq!(tree[0].children()[0].args, vec!["web:8000"]);
        let location = &tree[1].children()[1];
        assert_eq!(location.args, vec!["/"]);
        assert_eq!(location.children()[1].args, vec!["X-A", "a b"]);
        assert_eq!(location.children()[1].line(), "add_header X-A \"a b\"");
        assert_eq!(
            &text[location.span.range()],
            &text[text.find("location").unwrap()..text.rfind("}\n}").unwrap() + 1]
        );
    }

    #[test]
    fn errors_have_spans() {
        assert_eq!(
            errors("server { listen 80; "),
            vec![("`server`'s block is not closed".into(), "server {")]
        );
        assert_eq!(errors("}"), vec![("a `}` with no `{`".into(), "}")]);
        assert_eq!(
            errors("listen 80"),
            vec![("`listen` has no `;` or `{`".into(), "listen 80")]
        );
        let deep = "a {".repeat(100);
        assert!(errors(&deep)[0].0.contains("deeper"));
    }

    /// A line that does not read is left out, and the rest is kept: the
    /// directives before and after it, in its block and around it.
    #[test]
    fn a_line_that_does_not_read_is_left_out_and_the_rest_kept() {
        let text = "server {\n    listen 80;\n    location / {\n        proxy_pass http://app;\n        access_by_lua_block { if ngx.var.arg_x then ngx.exit(403) end }\n        add_header X-A \"a\"b;\n        add_header X-B \"unclosed;\n        proxy_buffering off;\n    }\n    location /static/ {\n        alias /srv/static/;\n    }\n}\n";
        let parsed = parse(text);
        let found: Vec<_> = parsed
            .errors
            .iter()
            .map(|e| (&*e.message, &text[e.span.range()]))
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    "`if` has no `;` before the `}`",
                    "if ngx.var.arg_x then ngx.exit(403) end"
                ),
                ("`b` is glued to the quoted word before it", "add_header X-A \"a\"b"),
                ("an unclosed quote", "add_header X-B \"unclosed;"),
            ]
        );
        let server = &parsed.tree[0];
        let names = |d: &Directive| d.children().iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(server), vec!["listen", "location", "location"]);
        assert_eq!(
            names(&server.children()[1]),
            vec!["proxy_pass", "access_by_lua_block", "proxy_buffering"]
        );
        assert_eq!(server.children()[2].children()[0].line(), "alias /srv/static/");
    }

    /// Words as nginx reads them: a quote inside a word is the word's,
    /// `}` ends a block only where a word starts, `\` takes the next
    /// character, and `\\` is one backslash, quoted or not.
    #[test]
    fn words_read_as_nginx_reads_them() {
        let tree = tree(
            "location ~*\"x\" { return 200 a}b; }\nadd_header X a\\;b;\nlocation ~ ^/a\\\\b\\.c$ { }\nlog_format m 'it\\'s' \"tab\\there\";\nif ($a = \"x\") { }\n",
        );
        assert_eq!(tree[0].args, vec!["~*\"x\""]);
        assert_eq!(tree[0].children()[0].args, vec!["200", "a}b"]);
        assert_eq!(tree[1].args, vec!["X", "a\\;b"]);
        assert_eq!(tree[2].args, vec!["~", "^/a\\b\\.c$"]);
        assert_eq!(tree[3].args, vec!["m", "it's", "tab\there"]);
        assert_eq!(tree[4].args, vec!["($a", "=", "x", ")"]);
        // Written back, each reads as the same words.
        for d in &tree {
            let again = self::tree(&format!("{};", d.line()));
            assert_eq!(again[0].args, d.args, "{}", d.line());
        }
    }
}
