//! Just enough Python to read a config module without running it: which
//! names its top level binds, and to which constant.
//!
//! What is read: Python's tokens (strings in every quoting, prefix and
//! escape, numbers, names, brackets that continue a line, `\` joins,
//! comments), logical lines and their indentation, and per statement:
//! `NAME = EXPR` (also chained, annotated, after `;`), augmented
//! assignments, tuple targets, `import`/`from ... import`, `del`. An
//! expression is a [`Literal`] when it is made of constants only (strings,
//! numbers, `True`/`False`/`None`, lists and tuples of them, arithmetic on
//! numbers, `+` on strings); `os.environ.get("X", LITERAL)`,
//! `os.getenv("X", LITERAL)` and `os.environ.get("X") or LITERAL`,
//! optionally inside `int(...)`, `float(...)` or `str(...)`, are
//! [`Value::EnvDefault`]; anything else is [`Value::Dynamic`].
//!
//! What is deliberately not done: evaluation of names, calls or
//! comprehensions; bodies of `def` and `class` (they bind nothing at the top
//! level); names bound inside `if`, `for`, `try` and `with` blocks are
//! [`Value::Dynamic`] (set on some paths only); names bound as loop or
//! `with ... as` targets are not seen.

use super::problem::Problem;
use super::value::Value;
use crate::source::{Span, Spanned};

/// A Python constant. Tuples are read as lists.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    List(Vec<Literal>),
}

/// A name the module's top level binds.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub name: Spanned<String>,
    pub value: Value<Literal>,
    /// The expression after `=` (the whole statement when there is none).
    pub value_span: Span,
    /// The whole statement.
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Module {
    /// In the file's order; a name bound twice appears twice.
    pub bindings: Vec<Binding>,
    /// `from M import *`: it may bind any name.
    pub star_imports: Vec<Span>,
    pub problems: Vec<Problem>,
}

impl Module {
    /// The binding that decides `name` after the module ran: the last.
    pub fn get(&self, name: &str) -> Option<&Binding> {
        self.bindings.iter().rev().find(|b| b.name.value == name)
    }
}

/// Reads the top-level bindings of a Python module's text.
pub fn read_module(src: &str) -> Module {
    let (lines, problems) = tokenize(src);
    let mut module = Module {
        problems,
        ..Module::default()
    };
    // Open blocks: the indentation of their header and what they are.
    let mut blocks: Vec<(usize, Scope)> = Vec::new();
    for line in &lines {
        while blocks.last().is_some_and(|&(indent, _)| indent >= line.indent) {
            blocks.pop();
        }
        let scope = blocks.iter().map(|&(_, s)| s).max().unwrap_or(Scope::Top);
        let tokens = line.tokens.as_slice();
        match header(src, tokens) {
            Some((kind, body)) if body < tokens.len() => {
                // `if DEBUG: workers = 1`: the body shares the line.
                statements(src, &tokens[body..], scope.max(kind), &mut module);
            }
            Some((kind, _)) => blocks.push((line.indent, kind)),
            None => statements(src, tokens, scope, &mut module),
        }
    }
    module
}

/// Where a statement runs, in growing distance from the plain top level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    Top,
    /// Inside `if`, `for`, `while`, `try`, `with`: it may not run.
    Conditional,
    /// Inside `def` or `class`: it binds nothing at the top level.
    Function,
}

/// A compound statement's header: its scope and where its body starts
/// (after the `:` that ends the header).
fn header(src: &str, tokens: &[Token]) -> Option<(Scope, usize)> {
    let first = tokens.first()?.text(src);
    let second = tokens.get(1).map(|t| t.text(src));
    let kind = match first {
        "def" | "class" => Scope::Function,
        "async" if second == Some("def") => Scope::Function,
        "if" | "elif" | "else" | "for" | "while" | "try" | "except" | "finally" | "with" | "async" => {
            Scope::Conditional
        }
        // Soft keywords: `match = 1` is an assignment.
        "match" | "case" if tokens.last().is_some_and(|t| t.is_op(src, ":")) => Scope::Conditional,
        _ => return None,
    };
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate() {
        match token.text(src) {
            "(" | "[" | "{" if token.kind == Kind::Op => depth += 1,
            ")" | "]" | "}" if token.kind == Kind::Op => depth = depth.saturating_sub(1),
            ":" if token.kind == Kind::Op && depth == 0 => return Some((kind, i + 1)),
            _ => {}
        }
    }
    Some((kind, tokens.len()))
}

/// The simple statements of a line, split at `;`.
fn statements(src: &str, tokens: &[Token], scope: Scope, module: &mut Module) {
    if scope == Scope::Function {
        return;
    }
    for statement in split_top(src, tokens, ";") {
        if !statement.is_empty() {
            statement_bindings(src, statement, scope, module);
        }
    }
}

fn span_of(tokens: &[Token]) -> Span {
    match (tokens.first(), tokens.last()) {
        (Some(first), Some(last)) => Span::new(first.span.start(), last.span.end()),
        _ => Span::default(),
    }
}

fn statement_bindings(src: &str, tokens: &[Token], scope: Scope, module: &mut Module) {
    let span = span_of(tokens);
    let name = |t: &Token| Spanned::new(t.text(src).to_string(), t.span);
    let dynamic = |t: &Token| Binding {
        name: name(t),
        value: Value::Dynamic,
        value_span: span,
        span,
    };
    let first = &tokens[0];
    match first.text(src) {
        "import" | "from" | "del" if first.kind == Kind::Name => {
            if tokens.iter().any(|t| t.is_op(src, "*")) {
                module.star_imports.push(span);
                return;
            }
            // The names bound: each `as` alias, else each imported name
            // (for `import a.b`, `a`); for `del`, each name unbound.
            let after = match first.text(src) {
                "from" => tokens
                    .iter()
                    .position(|t| t.text(src) == "import")
                    .map_or(tokens.len(), |i| i + 1),
                _ => 1,
            };
            let mut names = &tokens[after.min(tokens.len())..];
            if let [open, inner @ .., close] = names {
                if open.is_op(src, "(") && close.is_op(src, ")") {
                    names = inner;
                }
            }
            for item in split_top(src, names, ",") {
                let bound = match item.iter().position(|t| t.text(src) == "as") {
                    Some(i) => item.get(i + 1),
                    None => item.first(),
                };
                module
                    .bindings
                    .extend(bound.filter(|t| t.kind == Kind::Name).map(&dynamic));
            }
            return;
        }
        _ => {}
    }
    let parts = split_top(src, tokens, "=");
    if parts.len() < 2 {
        // `x += 1` binds `x` to something new.
        let augmented = tokens.len() > 1 && first.kind == Kind::Name && tokens[1].is_augmented_assign(src);
        if augmented {
            module.bindings.push(dynamic(first));
        }
        return;
    }
    let (value_tokens, targets) = parts.split_last().unwrap_or((&parts[0], &[]));
    let value_span = span_of(value_tokens);
    let value = if scope == Scope::Top {
        evaluate(src, value_tokens)
    } else {
        Value::Dynamic
    };
    for target in targets {
        match target {
            // `NAME = ...` or `NAME: annotation = ...`.
            [single] | [single, _, ..]
                if single.kind == Kind::Name && (target.len() == 1 || target[1].is_op(src, ":")) =>
            {
                module.bindings.push(Binding {
                    name: name(single),
                    value: value.clone(),
                    value_span,
                    span,
                })
            }
            // `a, b = ...` or `(a, b) = ...`: each name, value unknown.
            _ => {
                let unpacked = target.iter().filter(|t| !matches!(t.text(src), "(" | ")" | "[" | "]"));
                let unpacked: Vec<_> = unpacked.collect();
                let names_and_commas = unpacked
                    .iter()
                    .all(|t| t.kind == Kind::Name || t.is_op(src, ",") || t.is_op(src, "*"));
                // `lambda x` is no list of names.
                let separated = unpacked
                    .windows(2)
                    .all(|w| !(w[0].kind == Kind::Name && w[1].kind == Kind::Name));
                if names_and_commas && separated {
                    let names = unpacked.into_iter().filter(|t| t.kind == Kind::Name);
                    module.bindings.extend(names.map(&dynamic));
                }
            }
        }
    }
}

/// Splits at each top-level (outside brackets) operator `sep`.
fn split_top<'t>(src: &str, tokens: &'t [Token], sep: &str) -> Vec<&'t [Token]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        if token.kind != Kind::Op {
            continue;
        }
        match token.text(src) {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            text if text == sep && depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    parts
}

/// An expression's value: a literal, an environment lookup with a literal
/// default, or unknown.
pub fn evaluate(src: &str, tokens: &[Token]) -> Value<Literal> {
    if let Some(literal) = literal(src, tokens) {
        return Value::Known(literal);
    }
    env_default(src, tokens).map_or(Value::Dynamic, |(var, default)| Value::EnvDefault { var, default })
}

/// The value of an expression made of constants only.
pub fn literal(src: &str, tokens: &[Token]) -> Option<Literal> {
    let mut parser = Expr {
        src,
        tokens,
        at: 0,
        depth: 0,
    };
    let value = parser.list_or_single()?;
    (parser.at == tokens.len()).then_some(value)
}

/// `os.environ.get("X", D)`, `os.getenv("X", D)`, `environ.get`, `getenv`
/// (`default=D` too), `LOOKUP("X") or D`, each optionally inside `int()`,
/// `float()` or `str()`: the variable and the literal default, converted.
fn env_default(src: &str, tokens: &[Token]) -> Option<(String, Literal)> {
    let texts: Vec<&str> = tokens.iter().map(|t| t.text(src)).collect();
    if let ["int" | "float" | "str", "(", .., ")"] = texts.as_slice() {
        let (var, default) = env_default(src, &tokens[2..tokens.len() - 1])?;
        return Some((var, cast(texts[0], default)?));
    }
    let call_start = match texts.as_slice() {
        ["os", ".", "environ", ".", "get", "(", ..] => 5,
        ["os", ".", "getenv", "(", ..] | ["environ", ".", "get", "(", ..] => 3,
        ["getenv", "(", ..] => 1,
        _ => return None,
    };
    let close = matching_close(src, tokens, call_start)?;
    let args = split_top(src, &tokens[call_start + 1..close], ",");
    let var = match args.first() {
        Some([token]) => match &token.kind {
            Kind::Str {
                value: Some(var),
                bytes: false,
            } => var.clone(),
            _ => return None,
        },
        _ => return None,
    };
    let rest = &tokens[close + 1..];
    let default = match (args.get(1), rest) {
        (Some(default), []) => {
            let default = match default {
                [keyword, equals, value @ ..] if keyword.text(src) == "default" && equals.is_op(src, "=") => value,
                value => value,
            };
            literal(src, default)?
        }
        (None, [or, default @ ..]) if or.text(src) == "or" && or.kind == Kind::Name => literal(src, default)?,
        _ => return None,
    };
    Some((var, default))
}

/// Python's `int()`, `float()` and `str()` of a constant.
fn cast(to: &str, value: Literal) -> Option<Literal> {
    match (to, value) {
        ("int", Literal::Int(i)) => Some(Literal::Int(i)),
        ("int", Literal::Str(s)) => s.trim().replace('_', "").parse().ok().map(Literal::Int),
        ("float", Literal::Int(i)) => Some(Literal::Float(i as f64)),
        ("float", Literal::Float(f)) => Some(Literal::Float(f)),
        ("float", Literal::Str(s)) => s.trim().parse().ok().map(Literal::Float),
        ("str", Literal::Str(s)) => Some(Literal::Str(s)),
        ("str", Literal::Int(i)) => Some(Literal::Str(i.to_string())),
        _ => None,
    }
}

/// The index of the bracket that closes the one at `open`.
fn matching_close(src: &str, tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        if token.kind != Kind::Op {
            continue;
        }
        match token.text(src) {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Nesting deeper than this is not a config file's constant: it is read
/// as unknown instead of risking the stack.
const MAX_DEPTH: usize = 64;

/// A recursive-descent reader of constant expressions.
struct Expr<'a> {
    src: &'a str,
    tokens: &'a [Token],
    at: usize,
    depth: usize,
}

impl Expr<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(|t| t.text(self.src))
    }

    fn eat(&mut self, text: &str) -> bool {
        let found = self
            .tokens
            .get(self.at)
            .is_some_and(|t| t.kind == Kind::Op && t.text(self.src) == text);
        self.at += usize::from(found);
        found
    }

    /// `a` or `a, b, ...` (a tuple, read as a list).
    fn list_or_single(&mut self) -> Option<Literal> {
        let first = self.sum()?;
        if !self.eat(",") {
            return Some(first);
        }
        let mut items = vec![first];
        while self.at < self.tokens.len() && !matches!(self.peek(), Some(")" | "]")) {
            items.push(self.sum()?);
            if !self.eat(",") {
                break;
            }
        }
        Some(Literal::List(items))
    }

    fn sum(&mut self) -> Option<Literal> {
        let mut value = self.product()?;
        loop {
            let op = match self.peek() {
                Some(op @ ("+" | "-")) => op.to_string(),
                _ => return Some(value),
            };
            self.at += 1;
            value = arithmetic(&op, value, self.product()?)?;
        }
    }

    fn product(&mut self) -> Option<Literal> {
        let mut value = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(op @ ("*" | "/" | "//" | "%")) => op.to_string(),
                _ => return Some(value),
            };
            self.at += 1;
            value = arithmetic(&op, value, self.unary()?)?;
        }
    }

    fn unary(&mut self) -> Option<Literal> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let value = if self.eat("-") {
            match self.unary()? {
                Literal::Int(i) => i.checked_neg().map(Literal::Int),
                Literal::Float(f) => Some(Literal::Float(-f)),
                _ => None,
            }
        } else if self.eat("+") {
            self.unary()
                .filter(|v| matches!(v, Literal::Int(_) | Literal::Float(_)))
        } else {
            self.atom()
        };
        self.depth -= 1;
        value
    }

    fn atom(&mut self) -> Option<Literal> {
        let token = self.tokens.get(self.at)?;
        self.at += 1;
        match &token.kind {
            Kind::Str { .. } => {
                // Adjacent strings are one: `"a" "b"` is `"ab"`.
                let mut joined = String::new();
                self.at -= 1;
                while let Some(Kind::Str { value, bytes }) = self.tokens.get(self.at).map(|t| &t.kind) {
                    joined.push_str(value.as_deref().filter(|_| !bytes)?);
                    self.at += 1;
                }
                Some(Literal::Str(joined))
            }
            Kind::Number => number(token.text(self.src)),
            Kind::Name => match token.text(self.src) {
                "True" => Some(Literal::Bool(true)),
                "False" => Some(Literal::Bool(false)),
                "None" => Some(Literal::None),
                _ => None,
            },
            Kind::Op => match token.text(self.src) {
                "(" => {
                    if self.eat(")") {
                        return Some(Literal::List(Vec::new()));
                    }
                    let inner = self.list_or_single()?;
                    self.eat(")").then_some(inner)
                }
                "[" => {
                    let mut items = Vec::new();
                    while !self.eat("]") {
                        items.push(self.sum()?);
                        if !self.eat(",") {
                            return self.eat("]").then_some(Literal::List(items));
                        }
                    }
                    Some(Literal::List(items))
                }
                _ => None,
            },
        }
    }
}

/// Python's arithmetic on two constants; `None` where Python would raise
/// or where the result leaves an `i64`.
fn arithmetic(op: &str, left: Literal, right: Literal) -> Option<Literal> {
    use Literal::{Float, Int, Str};
    match (op, left, right) {
        ("+", Str(a), Str(b)) => Some(Str(a + &b)),
        ("+", Int(a), Int(b)) => a.checked_add(b).map(Int),
        ("-", Int(a), Int(b)) => a.checked_sub(b).map(Int),
        ("*", Int(a), Int(b)) => a.checked_mul(b).map(Int),
        ("//", Int(a), Int(b)) => {
            // Python floors. Euclid's quotient leaves a remainder of at
            // least zero, which for a negative divisor is one step too high.
            let q = a.checked_div_euclid(b)?;
            if b < 0 && a.rem_euclid(b) != 0 {
                q.checked_sub(1).map(Int)
            } else {
                Some(Int(q))
            }
        }
        ("%", Int(a), Int(b)) => (b != 0).then(|| a.checked_rem_euclid(b)).flatten().map(|r| {
            // Python's remainder takes the divisor's sign.
            if b < 0 && r != 0 {
                Int(r + b)
            } else {
                Int(r)
            }
        }),
        (op, left, right) => {
            let (a, b) = (as_float(&left)?, as_float(&right)?);
            let value = match op {
                "+" => a + b,
                "-" => a - b,
                "*" => a * b,
                "/" if b != 0.0 => a / b,
                "//" if b != 0.0 => (a / b).floor(),
                "%" if b != 0.0 => a - b * (a / b).floor(),
                _ => return None,
            };
            Some(Float(value))
        }
    }
}

fn as_float(value: &Literal) -> Option<f64> {
    match value {
        Literal::Int(i) => Some(*i as f64),
        Literal::Float(f) => Some(*f),
        _ => None,
    }
}

/// An integer as Python writes one (`8000`, `1_000`, `0x1F`): the text of
/// one number token, nothing else.
pub fn int_literal(text: &str) -> Option<i64> {
    let one_token =
        text.starts_with(|c: char| c.is_ascii_digit()) && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match number(text).filter(|_| one_token)? {
        Literal::Int(value) => Some(value),
        _ => None,
    }
}

/// A number token's value: decimal, `0x`/`0o`/`0b` integers, floats;
/// `None` for complex numbers and integers beyond `i64`.
fn number(text: &str) -> Option<Literal> {
    let digits = text.replace('_', "");
    let lower = digits.to_ascii_lowercase();
    let radix = |prefix: &str, radix| {
        lower
            .strip_prefix(prefix)
            .and_then(|d| i64::from_str_radix(d, radix).ok())
    };
    if let Some(value) = radix("0x", 16).or_else(|| radix("0o", 8)).or_else(|| radix("0b", 2)) {
        return Some(Literal::Int(value));
    }
    if lower.ends_with('j') || lower.starts_with("0x") || lower.starts_with("0o") || lower.starts_with("0b") {
        return None;
    }
    if lower.contains(['.', 'e']) {
        return lower.parse().ok().map(Literal::Float);
    }
    // `007` is a syntax error in Python 3; `000` is zero.
    if lower.len() > 1 && lower.starts_with('0') && !lower.trim_start_matches('0').is_empty() {
        return None;
    }
    lower.parse().ok().map(Literal::Int)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Name,
    Number,
    /// A string; `value` is `None` when it cannot be known without running
    /// code (an f-string with fields, `\N{...}`).
    Str {
        value: Option<String>,
        bytes: bool,
    },
    /// Operators and brackets.
    Op,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub span: Span,
}

impl Token {
    pub fn text<'s>(&self, src: &'s str) -> &'s str {
        &src[self.span.range()]
    }

    fn is_op(&self, src: &str, op: &str) -> bool {
        self.kind == Kind::Op && self.text(src) == op
    }

    fn is_augmented_assign(&self, src: &str) -> bool {
        self.kind == Kind::Op
            && matches!(
                self.text(src),
                "+=" | "-=" | "*=" | "/=" | "//=" | "%=" | "**=" | "@=" | "&=" | "|=" | "^=" | ">>=" | "<<="
            )
    }
}

/// A logical line: one statement (or a compound statement's header), its
/// physical lines joined by brackets or `\`.
#[derive(Clone, Debug)]
pub struct Line {
    /// Columns (bytes) before its first token.
    pub indent: usize,
    pub tokens: Vec<Token>,
}

/// Python's operators, longest first so `//=` wins over `//` and `/`.
const OPERATORS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "!=", "%=", "&=", "**", "*=", "+=", "-=", "->", "//", "/=", ":=", "<<", "<=",
    "==", ">=", ">>", "@=", "^=", "|=",
];

/// Splits a module into logical lines of tokens; problems for strings and
/// brackets that never close.
pub fn tokenize(src: &str) -> (Vec<Line>, Vec<Problem>) {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut tokens: Vec<Token> = Vec::new();
    let mut indent = 0;
    let mut line_start = 0;
    let mut brackets: Vec<usize> = Vec::new();
    let mut at = if src.starts_with('\u{feff}') { 3 } else { 0 };
    while let Some(c) = src[at..].chars().next() {
        let start = at;
        if tokens.is_empty() {
            indent = start - line_start;
        }
        let kind = match c {
            '\n' => {
                at += 1;
                line_start = at;
                if brackets.is_empty() && !tokens.is_empty() {
                    lines.push(Line {
                        indent,
                        tokens: std::mem::take(&mut tokens),
                    });
                }
                continue;
            }
            c if c.is_whitespace() => {
                at += c.len_utf8();
                continue;
            }
            '#' => {
                at += src[at..].find('\n').unwrap_or(src.len() - at);
                continue;
            }
            '\\' if src[at + 1..].starts_with('\n') || src[at + 1..].starts_with("\r\n") => {
                // An explicit line join.
                at += if src[at + 1..].starts_with('\n') { 2 } else { 3 };
                line_start = at;
                continue;
            }
            '\'' | '"' => match read_string(src, at, "", 0) {
                Ok((end, kind)) => {
                    at = end;
                    kind
                }
                Err(end) => {
                    problems.push(Problem::error(Span::new(start, end), "this string never closes"));
                    at = end;
                    continue;
                }
            },
            c if c.is_alphabetic() || c == '_' => {
                let len = src[at..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(src.len() - at);
                let word = &src[at..at + len];
                let prefix = word.to_ascii_lowercase();
                let is_prefix = matches!(
                    prefix.as_str(),
                    "r" | "u" | "b" | "f" | "t" | "br" | "rb" | "fr" | "rf" | "tr" | "rt"
                );
                if is_prefix && src[at + len..].starts_with(['\'', '"']) {
                    match read_string(src, at + len, &prefix, 0) {
                        Ok((end, kind)) => {
                            at = end;
                            kind
                        }
                        Err(end) => {
                            problems.push(Problem::error(Span::new(start, end), "this string never closes"));
                            at = end;
                            continue;
                        }
                    }
                } else {
                    at += len;
                    Kind::Name
                }
            }
            c if c.is_ascii_digit() || (c == '.' && src[at + 1..].starts_with(|d: char| d.is_ascii_digit())) => {
                let rest = &src[at..];
                let mut end = 0;
                let mut previous = ' ';
                for (i, d) in rest.char_indices() {
                    let exponent_sign =
                        matches!(d, '+' | '-') && matches!(previous, 'e' | 'E') && !rest.starts_with("0x");
                    if !(d.is_ascii_alphanumeric() || d == '_' || d == '.' || exponent_sign) {
                        break;
                    }
                    end = i + 1;
                    previous = d;
                }
                at += end;
                Kind::Number
            }
            _ => {
                let op = OPERATORS.iter().find(|op| src[at..].starts_with(**op));
                at += op.map_or(c.len_utf8(), |op| op.len());
                match c {
                    '(' | '[' | '{' => brackets.push(start),
                    ')' | ']' | '}' if brackets.pop().is_none() => {
                        problems.push(Problem::error(Span::new(start, at), "this bracket closes nothing"));
                    }
                    _ => {}
                }
                Kind::Op
            }
        };
        tokens.push(Token {
            kind,
            span: Span::new(start, at),
        });
    }
    if let Some(&open) = brackets.first() {
        problems.push(Problem::error(Span::new(open, open + 1), "this bracket never closes"));
    }
    if !tokens.is_empty() {
        lines.push(Line { indent, tokens });
    }
    (lines, problems)
}

/// f-strings nested deeper than this are read as unknown.
const MAX_STRING_NESTING: usize = 8;

/// Reads a string whose quote is at `quote_at`, with its (lower-case)
/// prefix: its end and value. `Err` with the end of what was scanned when
/// it never closes.
fn read_string(src: &str, quote_at: usize, prefix: &str, nesting: usize) -> Result<(usize, Kind), usize> {
    let raw = prefix.contains('r');
    let formatted = prefix.contains('f') || prefix.contains('t');
    let bytes = prefix.contains('b');
    let quote_char = src[quote_at..].chars().next().unwrap_or('"');
    let triple_quote: String = std::iter::repeat_n(quote_char, 3).collect();
    let triple = src[quote_at..].starts_with(&triple_quote);
    let close = if triple {
        triple_quote.as_str()
    } else {
        &triple_quote[..1]
    };
    let mut at = quote_at + close.len();
    let mut value = Some(String::new());
    let push = |value: &mut Option<String>, s: &str| {
        if let Some(v) = value {
            v.push_str(s);
        }
    };
    loop {
        let rest = &src[at..];
        let Some(c) = rest.chars().next() else {
            return Err(src.len());
        };
        if rest.starts_with(close) {
            let kind = Kind::Str { value, bytes };
            return Ok((at + close.len(), kind));
        }
        if c == '\n' && !triple {
            return Err(at);
        }
        if c == '\\' {
            let next = rest[1..].chars().next();
            let Some(next) = next else {
                return Err(src.len());
            };
            at += 1 + next.len_utf8();
            if raw {
                push(&mut value, &rest[..1 + next.len_utf8()]);
                continue;
            }
            match next {
                '\n' => {}
                // A backslash before a CRLF line end continues the string.
                '\r' if rest[2..].starts_with('\n') => at += 1,
                '\\' | '\'' | '"' => push(&mut value, &rest[1..2]),
                'a' => push(&mut value, "\u{7}"),
                'b' => push(&mut value, "\u{8}"),
                'f' => push(&mut value, "\u{c}"),
                'n' => push(&mut value, "\n"),
                'r' => push(&mut value, "\r"),
                't' => push(&mut value, "\t"),
                'v' => push(&mut value, "\u{b}"),
                '0'..='7' => {
                    let digits: String = rest[1..]
                        .chars()
                        .take(3)
                        .take_while(|d| ('0'..='7').contains(d))
                        .collect();
                    at += digits.len() - 1;
                    let code = u32::from_str_radix(&digits, 8).ok().and_then(char::from_u32);
                    match code {
                        Some(ch) => push(&mut value, ch.encode_utf8(&mut [0; 4])),
                        None => value = None,
                    }
                }
                'x' | 'u' | 'U' => {
                    let width = match next {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let digits = rest
                        .get(2..2 + width)
                        .filter(|d| d.chars().all(|c| c.is_ascii_hexdigit()));
                    let code = digits
                        .and_then(|d| u32::from_str_radix(d, 16).ok())
                        .and_then(char::from_u32);
                    match code {
                        Some(ch) if next == 'x' || !bytes => {
                            at += width;
                            push(&mut value, ch.encode_utf8(&mut [0; 4]));
                        }
                        _ => value = None,
                    }
                }
                // `\N{NAME}`: Unicode's names are not kept here.
                'N' if !bytes => value = None,
                other => {
                    push(&mut value, "\\");
                    push(&mut value, other.encode_utf8(&mut [0; 4]));
                }
            }
            continue;
        }
        if formatted && c == '{' {
            if rest.starts_with("{{") {
                push(&mut value, "{");
                at += 2;
                continue;
            }
            // A replacement field: its value is only known at run time.
            value = None;
            at = skip_field(src, at, nesting)?;
            continue;
        }
        if formatted && rest.starts_with("}}") {
            push(&mut value, "}");
            at += 2;
            continue;
        }
        push(&mut value, &rest[..c.len_utf8()]);
        at += c.len_utf8();
    }
}

/// Skips an f-string's `{...}` field from its `{`, nested strings and
/// brackets included; returns the offset after its `}`.
fn skip_field(src: &str, open: usize, nesting: usize) -> Result<usize, usize> {
    if nesting >= MAX_STRING_NESTING {
        return Err(src.len());
    }
    let mut depth = 0usize;
    let mut at = open;
    while let Some(c) = src[at..].chars().next() {
        match c {
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(at + 1);
                }
            }
            '\'' | '"' => {
                // A string inside the field (Python 3.12 allows the same
                // quotes as the outer string).
                let prefix_start = src[..at]
                    .char_indices()
                    .rev()
                    .take_while(|(_, p)| p.is_ascii_alphabetic())
                    .last()
                    .map_or(at, |(i, _)| i);
                let prefix = src[prefix_start..at].to_ascii_lowercase();
                at = read_string(src, at, &prefix, nesting + 1)?.0;
                continue;
            }
            _ => {}
        }
        at += c.len_utf8();
    }
    Err(src.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of(src: &str, name: &str) -> Value<Literal> {
        let module = read_module(src);
        assert!(module.problems.is_empty(), "{:?}", module.problems);
        module
            .get(name)
            .unwrap_or_else(|| panic!("{name} not bound"))
            .value
            .clone()
    }

    fn known(src: &str) -> Literal {
        match value_of(&format!("x = {src}\n"), "x") {
            Value::Known(literal) => literal,
            other => panic!("{src}: {other:?}"),
        }
    }

    fn s(text: &str) -> Literal {
        Literal::Str(text.to_string())
    }

    #[test]
    fn every_string_form() {
        assert_eq!(known(r#""0.0.0.0:8000""#), s("0.0.0.0:8000"));
        assert_eq!(known("':8000'"), s(":8000"));
        assert_eq!(known(r#"'[::]:8000'"#), s("[::]:8000"));
        assert_eq!(
            known(
                r#""""multi
line""""#
            ),
            s("multi\nline")
        );
        assert_eq!(known("'''it's'''"), s("it's"));
        assert_eq!(known(r#"r"C:\path\n""#), s(r"C:\path\n"));
        assert_eq!(known(r#"R'\d+'"#), s(r"\d+"));
        assert_eq!(known(r#""tab\tnew\nquote\"back\\""#), s("tab\tnew\nquote\"back\\"));
        assert_eq!(known(r#""\x41\101\u00e9\U0001F600""#), s("AAé😀"));
        assert_eq!(known(r#""unknown \d escape""#), s(r"unknown \d escape"));
        assert_eq!(known(r#"u"unicode""#), s("unicode"));
        assert_eq!(known(r#""joined" 'by' """adjacency""""#), s("joinedbyadjacency"));
        assert_eq!(known(r#"f"no fields {{braces}}""#), s("no fields {braces}"));
        assert_eq!(known("(\"a\"\n    \"b\")"), s("ab"));
        assert_eq!(known("\"line \\\ncontinued\""), s("line continued"));
        assert_eq!(known("'😀 é'"), s("😀 é"));
    }

    #[test]
    fn numbers_constants_and_containers() {
        use Literal::*;
        assert_eq!(known("4"), Int(4));
        assert_eq!(known("-1"), Int(-1));
        assert_eq!(known("1_000"), Int(1000));
        assert_eq!(known("0x1F"), Int(31));
        assert_eq!(known("0o17"), Int(15));
        assert_eq!(known("0b101"), Int(5));
        assert_eq!(known("2.5"), Float(2.5));
        assert_eq!(known(".5"), Float(0.5));
        assert_eq!(known("1e3"), Float(1000.0));
        assert_eq!(known("1.5e-1"), Float(0.15));
        assert_eq!(known("True"), Bool(true));
        assert_eq!(known("False"), Bool(false));
        assert_eq!(known("None"), None);
        assert_eq!(
            known("[\"0.0.0.0:8000\", \"[::]:8000\",]"),
            List(vec![s("0.0.0.0:8000"), s("[::]:8000")])
        );
        assert_eq!(known("(\"a\",)"), List(vec![s("a")]));
        assert_eq!(known("\"a\", \"b\""), List(vec![s("a"), s("b")]));
        assert_eq!(known("()"), List(vec![]));
        assert_eq!(known("[]"), List(vec![]));
        assert_eq!(
            known("[[1, 2], (3,)]"),
            List(vec![List(vec![Int(1), Int(2)]), List(vec![Int(3)])])
        );
        assert_eq!(known("(4)"), Int(4));
    }

    #[test]
    fn constant_arithmetic() {
        use Literal::*;
        assert_eq!(known("3 * 60"), Int(180));
        assert_eq!(known("2 * 4 + 1"), Int(9));
        assert_eq!(known("2 * (4 + 1)"), Int(10));
        assert_eq!(known("-7 // 2"), Int(-4));
        assert_eq!(known("7 // -2"), Int(-4));
        assert_eq!(known("-7 % 3"), Int(2));
        assert_eq!(known("7 % -3"), Int(-2));
        assert_eq!(known("7 / 2"), Float(3.5));
        assert_eq!(known("1.5 * 2"), Float(3.0));
        assert_eq!(known("\"0.0.0.0:\" + \"8000\""), s("0.0.0.0:8000"));
        for dynamic in [
            "1 // 0",
            "9223372036854775807 + 1",
            "\"a\" * 2",
            "2 ** 3",
            "1j",
            "99999999999999999999",
        ] {
            assert_eq!(value_of(&format!("x = {dynamic}\n"), "x"), Value::Dynamic, "{dynamic}");
        }
    }

    #[test]
    fn environment_lookups_with_a_default() {
        let env = |var: &str, default: Literal| Value::EnvDefault {
            var: var.to_string(),
            default,
        };
        let cases = [
            (
                "os.environ.get(\"BIND\", \"0.0.0.0:8000\")",
                env("BIND", s("0.0.0.0:8000")),
            ),
            ("os.getenv('PORT', 8000)", env("PORT", Literal::Int(8000))),
            ("getenv(\"W\", default=4)", env("W", Literal::Int(4))),
            ("environ.get(\"W\", 2 * 2)", env("W", Literal::Int(4))),
            (
                "int(os.getenv(\"GUNICORN_TIMEOUT\", \"60\"))",
                env("GUNICORN_TIMEOUT", Literal::Int(60)),
            ),
            ("float(os.environ.get(\"T\", 1))", env("T", Literal::Float(1.0))),
            ("str(os.getenv(\"P\", 8000))", env("P", s("8000"))),
            ("os.environ.get(\"BIND\") or \"[::]:8000\"", env("BIND", s("[::]:8000"))),
        ];
        for (expression, expected) in cases {
            assert_eq!(value_of(&format!("x = {expression}\n"), "x"), expected, "{expression}");
        }
        for dynamic in [
            "os.environ[\"BIND\"]",
            "os.environ.get(\"BIND\")",
            "os.getenv(\"W\", multiprocessing.cpu_count())",
            "int(os.getenv(\"W\", \"four\"))",
            "os.environ.get(NAME, \"x\")",
            "os.environ.get(\"A\", \"x\") + \":8000\"",
            "env.int(\"WORKERS\", default=4)",
            "multiprocessing.cpu_count() * 2 + 1",
            "f\":{os.environ.get('PORT', 8000)}\"",
            "f\"{HOST}:{PORT}\"",
            "b\"bytes\"",
            "\"\\N{BULLET}\"",
        ] {
            assert_eq!(value_of(&format!("x = {dynamic}\n"), "x"), Value::Dynamic, "{dynamic}");
        }
    }

    #[test]
    fn scopes_and_statement_forms() {
        let src = "\
\"\"\"Gunicorn config.

bind = \"docstring, not code\"
\"\"\"
import multiprocessing, os.path as osp
from config.base import workers as base_workers
a = b = 1
annotated: int = 2
c = 3; d = 4
e = 5
e += 1
f, g = 1, 2
if os.environ.get(\"DEBUG\"):
    reload = True
    h = 1
else:
    h = 2
i = [
    1,  # comment inside a list
    2,
]
def post_fork(server, worker):
    j = 1
    if True:
        j = 2
class Hooks:
    k = 1
if DEBUG: l = 1
with open('x') as fh: m = 1
match = 1
os.environ[\"X\"] = \"y\"
n = \\
    7
";
        let module = read_module(src);
        assert!(module.problems.is_empty(), "{:?}", module.problems);
        let value = |name: &str| module.get(name).map(|b| b.value.clone());
        use Literal::Int;
        assert_eq!(value("bind"), None);
        assert_eq!(value("multiprocessing"), Some(Value::Dynamic));
        assert_eq!(value("osp"), Some(Value::Dynamic));
        assert_eq!(value("base_workers"), Some(Value::Dynamic));
        assert_eq!(value("a"), Some(Value::Known(Int(1))));
        assert_eq!(value("b"), Some(Value::Known(Int(1))));
        assert_eq!(value("annotated"), Some(Value::Known(Int(2))));
        assert_eq!(value("c"), Some(Value::Known(Int(3))));
        assert_eq!(value("d"), Some(Value::Known(Int(4))));
        assert_eq!(value("e"), Some(Value::Dynamic), "augmented");
        assert_eq!(value("f"), Some(Value::Dynamic));
        assert_eq!(value("reload"), Some(Value::Dynamic), "conditional");
        assert_eq!(value("h"), Some(Value::Dynamic));
        assert_eq!(value("i"), Some(Value::Known(Literal::List(vec![Int(1), Int(2)]))));
        assert_eq!(value("j"), None, "function body");
        assert_eq!(value("k"), None, "class body");
        assert_eq!(value("l"), Some(Value::Dynamic), "one-line if");
        assert_eq!(value("m"), Some(Value::Dynamic));
        assert_eq!(value("match"), Some(Value::Known(Int(1))));
        assert_eq!(value("n"), Some(Value::Known(Int(7))));
        assert_eq!(value("X"), None);
        let a = module.get("a").unwrap();
        assert_eq!(&src[a.span.range()], "a = b = 1");
        assert_eq!(&src[a.value_span.range()], "1");
        assert_eq!(&src[a.name.span.range()], "a");
    }

    #[test]
    fn star_imports_and_syntax_problems() {
        let module = read_module("from settings import *\nbind = \"x\nworkers = (1\n");
        assert_eq!(module.star_imports.len(), 1);
        let messages: Vec<_> = module.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages, ["this string never closes", "this bracket never closes"]);
        assert!(read_module("x = 1)\n").problems[0].message.contains("closes nothing"));
    }

    #[test]
    fn python_3_12_nested_quotes_in_f_strings() {
        let module = read_module("bind = f\"0.0.0.0:{os.environ.get(\"PORT\", \"8000\")}\"\nworkers = 2\n");
        assert!(module.problems.is_empty(), "{:?}", module.problems);
        assert_eq!(module.get("bind").unwrap().value, Value::Dynamic);
        assert_eq!(module.get("workers").unwrap().value, Value::Known(Literal::Int(2)));
    }

    #[test]
    fn never_panics_on_mutated_inputs() {
        let seed = "\
\"\"\"Gunicorn configuration.\"\"\"
import multiprocessing
import os

bind = os.getenv(\"GUNICORN_BIND\", \"0.0.0.0:8000\")
workers = int(os.getenv(\"GUNICORN_WORKERS\", multiprocessing.cpu_count() * 2 + 1))
timeout = 3 * 60  # 3 minutes
raw_env = [f\"BIND={bind}\", r'C:\\x', b'\\x00', 0x1F, 1e-3]
if os.environ.get(\"DEBUG\"): reload = True
def post_fork(server, worker):
    server.log.info('Worker spawned (pid: %s)', worker.pid)
";
        for text in crate::input::mutate::mutations(seed, 3000) {
            let module = read_module(&text);
            let spans = module.bindings.iter().flat_map(|b| [b.span, b.value_span, b.name.span]);
            for span in spans.chain(module.problems.iter().map(|p| p.span)) {
                assert!(
                    span.start() <= span.end() && text.get(span.start()..span.end()).is_some(),
                    "{span:?} in {text:?}"
                );
            }
        }
    }

    #[test]
    fn deep_nesting_is_unknown_not_a_crash() {
        let deep = format!("x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(read_module(&deep).get("x").unwrap().value, Value::Dynamic);
        let negations = format!("x = {}1\n", "-".repeat(10_000));
        assert_eq!(read_module(&negations).get("x").unwrap().value, Value::Dynamic);
        let fstrings = format!("x = {}\n", "f'{".repeat(50));
        assert!(!read_module(&fstrings).problems.is_empty());
    }
}
