//! nginx's configuration language read into a tree of directives, each
//! with its byte span: words (quotes removed), `;`-ended directives and
//! `{ }` blocks, `#` comments skipped. Bounded: nesting deeper than
//! [`MAX_DEPTH`] is refused.

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

fn quote(word: &str) -> String {
    if !word.is_empty() && !word.contains([' ', '"', '\'', ';', '{', '}', '#', '\\']) {
        return word.to_string();
    }
    format!("\"{}\"", word.replace('\\', "\\\\").replace('"', "\\\""))
}

#[derive(Debug, PartialEq)]
pub struct NginxError {
    pub message: String,
    pub span: Span,
}

enum Token {
    Word(String),
    Semi,
    Open,
    Close,
}

pub fn parse(text: &str) -> Result<Vec<Directive>, NginxError> {
    let tokens = tokens(text)?;
    let mut at = 0;
    let list = block(&tokens, &mut at, 0, text.len())?;
    if at < tokens.len() {
        return Err(NginxError {
            message: "a `}` with no `{`".into(),
            span: tokens[at].1,
        });
    }
    Ok(list)
}

fn block(tokens: &[(Token, Span)], at: &mut usize, depth: usize, end: usize) -> Result<Vec<Directive>, NginxError> {
    let mut out = Vec::new();
    while *at < tokens.len() {
        let (token, span) = &tokens[*at];
        let name = match token {
            Token::Close if depth > 0 => return Ok(out),
            Token::Word(w) => w.clone(),
            _ => {
                return Err(NginxError {
                    message: "a directive starts with its name".into(),
                    span: *span,
                })
            }
        };
        let start = span.start();
        *at += 1;
        let mut args = Vec::new();
        loop {
            let Some((token, span)) = tokens.get(*at) else {
                return Err(NginxError {
                    message: format!("`{name}` has no `;` or `{{`"),
                    span: Span::new(start, end),
                });
            };
            *at += 1;
            match token {
                Token::Word(w) => args.push(w.clone()),
                Token::Semi => {
                    out.push(Directive {
                        name,
                        args,
                        span: Span::new(start, span.end()),
                        block: None,
                    });
                    break;
                }
                Token::Open => {
                    if depth >= MAX_DEPTH {
                        return Err(NginxError {
                            message: format!("blocks nest deeper than {MAX_DEPTH}"),
                            span: *span,
                        });
                    }
                    let children = block(tokens, at, depth + 1, end)?;
                    let close = tokens.get(*at).map(|(_, s)| s.end()).ok_or(NginxError {
                        message: format!("`{name}`'s block is not closed"),
                        span: Span::new(start, end),
                    })?;
                    *at += 1;
                    out.push(Directive {
                        name,
                        args,
                        span: Span::new(start, close),
                        block: Some(children),
                    });
                    break;
                }
                Token::Close => {
                    return Err(NginxError {
                        message: format!("`{name}` has no `;`"),
                        span: *span,
                    });
                }
            }
        }
    }
    if depth > 0 {
        return Err(NginxError {
            message: "a block is not closed".into(),
            span: Span::empty(end),
        });
    }
    Ok(out)
}

fn tokens(text: &str) -> Result<Vec<(Token, Span)>, NginxError> {
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
                let mut word = Vec::new();
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => {
                            return Err(NginxError {
                                message: "an unclosed quote".into(),
                                span: Span::new(start, text.len()),
                            })
                        }
                        Some(b'\\') if i + 1 < bytes.len() => {
                            if bytes[i + 1] != c && bytes[i + 1] != b'\\' {
                                word.push(b'\\');
                            }
                            word.push(bytes[i + 1]);
                            i += 2;
                        }
                        Some(q) if *q == c => {
                            i += 1;
                            break;
                        }
                        Some(b) => {
                            word.push(*b);
                            i += 1;
                        }
                    }
                }
                out.push((
                    Token::Word(String::from_utf8_lossy(&word).into_owned()),
                    Span::new(start, i),
                ));
            }
            _ => {
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b'}') {
                    // `${var}` keeps its braces.
                    if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
                        while i < bytes.len() && bytes[i] != b'}' {
                            i += 1;
                        }
                    }
                    i += 1;
                }
                let end = i.min(bytes.len());
                out.push((Token::Word(text[start..end].to_string()), Span::new(start, end)));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_seed_config() {
        let text = "upstream django {\n    server web:8000;\n}\nserver {\n    listen 80;\n    location / {\n        proxy_pass http://django; # to Gunicorn\n        add_header X-A \"a b\";\n    }\n}\n";
        let tree = parse(text).unwrap();
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
        assert!(parse("server { listen 80; ").is_err());
        assert!(parse("}").is_err());
        assert!(parse("listen 80").is_err());
        let deep = "a {".repeat(100);
        assert!(parse(&deep).unwrap_err().message.contains("deeper"));
    }
}
