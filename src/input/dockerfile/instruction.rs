//! One logical line to an [`Instruction`]: its keyword, leading flags,
//! arguments in JSON or text form and heredoc markers, each with its span,
//! and the syntax checks BuildKit makes before running anything.

use super::lex::{Logical, OffsetMap};
use super::{Args, Flag, Instruction, Keyword, Problem};
use crate::source::{Span, Spanned};

/// A `<<NAME` word whose body the lexer reads next.
pub(super) struct Marker {
    pub word: Spanned<String>,
    pub name: String,
    pub chomp: bool,
    pub expand: bool,
    pub fd: Option<u32>,
}

pub(super) fn parse(
    logical: &Logical,
    escape: char,
    problems: &mut Vec<Problem>,
) -> Option<(Instruction, Vec<Marker>)> {
    let line = Line {
        text: &logical.text,
        map: &logical.map,
        span: logical.span,
        number: logical.line,
        escape,
    };
    line.parse(problems, true)
}

/// BuildKit splits a keyword from its arguments at these (`[\t\v\f\r ]`).
pub(super) fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0b' | '\x0c' | '\r')
}

/// Go's `unicode.IsSpace` on one byte, as BuildKit's flag scanner uses it.
fn is_space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

struct Line<'a> {
    text: &'a str,
    map: &'a OffsetMap,
    span: Span,
    number: usize,
    escape: char,
}

impl Line<'_> {
    /// `allow_trigger`: ONBUILD's instruction is read, but not an ONBUILD
    /// inside it (BuildKit refuses the chain; reading it would recurse).
    fn parse(&self, problems: &mut Vec<Problem>, allow_trigger: bool) -> Option<(Instruction, Vec<Marker>)> {
        let text = self.text;
        let start = text.len() - text.trim_start().len();
        let end = text.trim_end().len();
        if start >= end {
            problems.push(Problem::new(self.span, "an empty instruction"));
            return None;
        }
        let keyword_end = text[start..end].find(is_separator).map_or(end, |i| start + i);
        let keyword = Keyword::parse(&text[start..keyword_end]);
        let keyword_span = self.map.span(start, keyword_end);
        let rest = end - text[keyword_end..end].trim_start_matches(is_separator).len();
        let (raw_flags, after_flags) = extract_flags(text, rest, end);
        let args_start = end - text[after_flags..end].trim_start().len();
        let args_text = &text[args_start..end];
        let map = self.map.from(args_start);
        let flags = raw_flags
            .into_iter()
            .filter_map(|(word, s, e)| check_flag(&keyword, word, self.map.span(s, e), problems))
            .collect();
        let args = match keyword {
            Keyword::Run
            | Keyword::Cmd
            | Keyword::Entrypoint
            | Keyword::Shell
            | Keyword::Add
            | Keyword::Copy
            | Keyword::Volume => maybe_json(args_text, &map, problems),
            _ => Args::Text {
                text: args_text.to_string(),
                span: map.span(0, args_text.len()),
            },
        };
        let mut instruction = Instruction {
            keyword,
            keyword_span,
            flags,
            args,
            heredocs: Vec::new(),
            trigger: None,
            span: self.span,
            line: self.number,
            escape: self.escape,
            map,
        };
        let mut markers = Vec::new();
        if instruction.keyword == Keyword::Onbuild && !args_text.is_empty() {
            let trigger = Line {
                text: args_text,
                map: &instruction.map,
                span: instruction.args.span(),
                number: self.number,
                escape: self.escape,
            };
            if allow_trigger {
                if let Some((trigger, trigger_markers)) = trigger.parse(problems, false) {
                    check_trigger(&trigger, problems);
                    instruction.trigger = Some(Box::new(trigger));
                    markers = trigger_markers;
                }
            } else {
                problems.push(Problem::new(self.span, "ONBUILD cannot trigger another ONBUILD"));
            }
        } else {
            markers = heredoc_markers(&instruction);
        }
        check(&instruction, problems);
        Some((instruction, markers))
    }
}

/// BuildKit's builder flags: the leading words that start with `--`,
/// quotes and backslashes in them removed; a lone `--` ends them. Returns
/// each flag's text and logical range, and where the arguments start.
fn extract_flags(text: &str, from: usize, end: usize) -> (Vec<(String, usize, usize)>, usize) {
    let bytes = text.as_bytes();
    let mut flags = Vec::new();
    let mut pos = from;
    loop {
        while pos < end && is_space_byte(bytes[pos]) {
            pos += 1;
        }
        if !text[pos..end].starts_with("--") {
            return (flags, pos);
        }
        let start = pos;
        let mut word = String::new();
        let mut quote = None;
        while pos < end {
            let b = bytes[pos];
            if quote.is_none() && is_space_byte(b) {
                break;
            }
            if quote == Some(b) {
                quote = None;
                pos += 1;
                continue;
            }
            if quote.is_none() && (b == b'\'' || b == b'"') {
                quote = Some(b);
                pos += 1;
                continue;
            }
            if b == b'\\' {
                pos += 1;
                if pos >= end {
                    break;
                }
            }
            let c = text[pos..].chars().next().unwrap_or_default();
            word.push(c);
            pos += c.len_utf8().max(1);
        }
        if word == "--" {
            return (flags, pos);
        }
        flags.push((word, start, pos));
    }
}

#[derive(PartialEq)]
enum FlagKind {
    Value,
    Bool,
}

/// The flags each instruction takes (the Dockerfile reference, including
/// the labs `--device` and `--parents`).
fn flag_kind(keyword: &Keyword, name: &str) -> Option<FlagKind> {
    use FlagKind::{Bool, Value};
    match (keyword, name) {
        (Keyword::From, "platform") => Some(Value),
        (Keyword::Run, "mount" | "network" | "security" | "device") => Some(Value),
        (Keyword::Copy | Keyword::Add, "chown" | "chmod" | "exclude") => Some(Value),
        (Keyword::Copy | Keyword::Add, "link") => Some(Bool),
        (Keyword::Copy, "from") => Some(Value),
        (Keyword::Copy, "parents") => Some(Bool),
        (Keyword::Add, "checksum") => Some(Value),
        (Keyword::Add, "keep-git-dir" | "unpack") => Some(Bool),
        (Keyword::Healthcheck, "interval" | "timeout" | "start-period" | "start-interval" | "retries") => Some(Value),
        _ => None,
    }
}

fn check_flag(keyword: &Keyword, word: String, span: Span, problems: &mut Vec<Problem>) -> Option<Flag> {
    let body = word.strip_prefix("--").unwrap_or(&word);
    let (name, value) = match body.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (body, None),
    };
    if name.is_empty() {
        problems.push(Problem::new(span, format!("`{word}` is a flag with no name")));
        return None;
    }
    if let Keyword::Other(_) = keyword {
        // The unknown instruction is reported; its flags are not checked.
    } else {
        match (flag_kind(keyword, name), value) {
            (None, _) => problems.push(Problem::new(span, format!("`--{name}` is not a flag of {keyword}"))),
            (Some(FlagKind::Value), None) => {
                problems.push(Problem::new(span, format!("`--{name}` needs a value: `--{name}=...`")))
            }
            (Some(FlagKind::Bool), Some(v)) if !matches!(v, "true" | "false") => problems.push(Problem::new(
                span,
                format!("`--{name}` is `true` or `false`, not `{v}`"),
            )),
            _ => {}
        }
    }
    Some(Flag {
        name: name.to_string(),
        value: value.map(str::to_string),
        span,
    })
}

/// Exec form for a JSON array of strings, else text.
pub(super) fn maybe_json(text: &str, map: &OffsetMap, problems: &mut Vec<Problem>) -> Args {
    let span = map.span(0, text.len());
    if text.starts_with('[') {
        match json_strings(text) {
            Json::Strings(words) => {
                let words = words
                    .into_iter()
                    .map(|(word, start, end)| Spanned::new(word, map.span(start, end)))
                    .collect();
                return Args::Json { words, span };
            }
            Json::NotStrings => problems.push(Problem::new(
                span,
                "a JSON array here must hold strings only; BuildKit refuses anything else",
            )),
            Json::Invalid => {}
        }
    }
    Args::Text {
        text: text.to_string(),
        span,
    }
}

enum Json {
    /// Each string with the range of its JSON token.
    Strings(Vec<(String, usize, usize)>),
    /// Valid JSON, an array, but not of strings only.
    NotStrings,
    Invalid,
}

fn json_strings(text: &str) -> Json {
    match scan_strings(text) {
        Some(words) => Json::Strings(words),
        None if serde_json::from_str::<Vec<serde_json::Value>>(text).is_ok() => Json::NotStrings,
        None => Json::Invalid,
    }
}

/// `[ "a", "b" ]` and nothing more but JSON whitespace; each string token
/// is decoded by serde_json.
fn scan_strings(text: &str) -> Option<Vec<(String, usize, usize)>> {
    let bytes = text.as_bytes();
    let skip = |mut i: usize| {
        while bytes.get(i).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
            i += 1;
        }
        i
    };
    let mut i = skip(0);
    if bytes.get(i) != Some(&b'[') {
        return None;
    }
    i = skip(i + 1);
    let mut words = Vec::new();
    if bytes.get(i) == Some(&b']') {
        return (skip(i + 1) == bytes.len()).then_some(words);
    }
    loop {
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let mut j = i + 1;
        while j < bytes.len() && bytes[j] != b'"' {
            j += if bytes[j] == b'\\' { 2 } else { 1 };
        }
        if j >= bytes.len() {
            return None;
        }
        let word: String = serde_json::from_str(&text[i..=j]).ok()?;
        words.push((word, i, j + 1));
        i = skip(j + 1);
        match bytes.get(i) {
            Some(b',') => i = skip(i + 1),
            Some(b']') => return (skip(i + 1) == bytes.len()).then_some(words),
            _ => return None,
        }
    }
}

/// Ranges of the words BuildKit splits at `[\t\v\f\r ]` (FROM, EXPOSE,
/// the text form of COPY, ADD and VOLUME).
pub(super) fn fields(text: &str) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (is_separator(c), start) {
            (true, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    words
}

/// Ranges of whitespace-separated words where quotes and the escape
/// character keep spaces inside a word (BuildKit's `parseWords`, for ENV,
/// ARG and LABEL); the words keep their quotes.
pub(super) fn quoted_words(text: &str, escape: char) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start = None;
    let mut quote = None;
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == escape && q != '\'' {
                chars.next();
            }
            continue;
        }
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                words.push((s, i));
            }
            continue;
        }
        start.get_or_insert(i);
        if c == '\'' || c == '"' {
            quote = Some(c);
        } else if c == escape {
            chars.next();
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    words
}

impl Instruction {
    /// The span in the file of bytes `start..end` of the arguments' text
    /// ([`Args::Text`]), through joined continuation lines.
    pub fn args_span(&self, start: usize, end: usize) -> Span {
        self.map.span(start, end)
    }

    /// The argument words as BuildKit splits them: the JSON strings of the
    /// exec form; at whitespace for FROM, EXPOSE, COPY, ADD and VOLUME;
    /// else at whitespace outside quotes, quotes kept.
    pub fn words(&self) -> Vec<Spanned<String>> {
        let text = match &self.args {
            Args::Json { words, .. } => return words.clone(),
            Args::Text { text, .. } => text,
        };
        self.word_ranges()
            .into_iter()
            .map(|(s, e)| Spanned::new(text[s..e].to_string(), self.map.span(s, e)))
            .collect()
    }

    /// The ranges of [`Instruction::words`] in the text form's text; none
    /// for the JSON form.
    pub(super) fn word_ranges(&self) -> Vec<(usize, usize)> {
        let Args::Text { text, .. } = &self.args else {
            return Vec::new();
        };
        match self.keyword {
            Keyword::From | Keyword::Expose | Keyword::Copy | Keyword::Add | Keyword::Volume => fields(text),
            _ => quoted_words(text, self.escape),
        }
    }

    /// The text form's text from `start` on, read as exec or shell form
    /// (HEALTHCHECK's command after `CMD`).
    pub(super) fn args_from(&self, start: usize, problems: &mut Vec<Problem>) -> Args {
        let text = self.args.text().unwrap_or_default();
        let start = start.min(text.len());
        maybe_json(&text[start..], &self.map.from(start), problems)
    }

    /// The variables an `ARG` or `ENV` declares (`ARG A B=1`, `ENV A=1
    /// B=2`, the legacy `ENV A the rest`); none for other instructions.
    pub fn declared_variables(&self) -> Vec<String> {
        let words = self.words();
        let name = |w: &Spanned<String>| w.value.split('=').next().unwrap_or_default().to_string();
        match self.keyword {
            Keyword::Arg => words.iter().map(name).collect(),
            Keyword::Env if words.first().is_some_and(|w| !w.value.contains('=')) => {
                words.first().map(name).into_iter().collect()
            }
            Keyword::Env => words.iter().map(name).collect(),
            _ => Vec::new(),
        }
    }

    /// The first `--name` flag.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// Every `--name` flag, e.g. each `--mount` of a RUN.
    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> {
        self.flags.iter().filter(move |f| f.name == name)
    }
}

/// `<<NAME` words in the text form of RUN, COPY and ADD, split as
/// BuildKit's shell lexer splits them (whitespace, quotes kept, `\`).
fn heredoc_markers(instruction: &Instruction) -> Vec<Marker> {
    if !matches!(instruction.keyword, Keyword::Run | Keyword::Copy | Keyword::Add) {
        return Vec::new();
    }
    let Args::Text { text, .. } = &instruction.args else {
        return Vec::new();
    };
    if !text.contains("<<") {
        return Vec::new();
    }
    quoted_words(text, '\\')
        .into_iter()
        .filter_map(|(s, e)| {
            let word = &text[s..e];
            let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let rest = word[digits..].strip_prefix("<<")?;
            let (chomp, rest) = match rest.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, rest),
            };
            if rest.contains('<') {
                return None;
            }
            Some(Marker {
                name: unquote(rest)?,
                expand: !rest.contains(['\'', '"']),
                chomp,
                fd: word[..digits].parse().ok(),
                word: Spanned::new(word.to_string(), instruction.map.span(s, e)),
            })
        })
        .collect()
}

/// A heredoc name without its quotes; `None` if it is empty, its quotes
/// are not closed, or it is more than one word.
fn unquote(raw: &str) -> Option<String> {
    let mut out = String::new();
    let mut quote = None;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == '\\' => match chars.next() {
                Some(n @ ('"' | '\\' | '$')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => {}
            },
            Some(_) => out.push(c),
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '\\' => out.extend(chars.next()),
            None if c.is_whitespace() => return None,
            None => out.push(c),
        }
    }
    (quote.is_none() && !out.is_empty()).then_some(out)
}

fn check_trigger(trigger: &Instruction, problems: &mut Vec<Problem>) {
    if matches!(trigger.keyword, Keyword::From | Keyword::Maintainer) {
        problems.push(Problem::new(
            trigger.keyword_span,
            format!("ONBUILD cannot trigger {}", trigger.keyword),
        ));
    }
}

/// The syntax BuildKit checks before running anything.
fn check(instruction: &Instruction, problems: &mut Vec<Problem>) {
    let keyword = &instruction.keyword;
    let at = instruction.args.span();
    let mut report = |span: Span, message: String| problems.push(Problem::new(span, message));
    if let Keyword::Other(word) = keyword {
        report(
            instruction.keyword_span,
            format!("`{word}` is not a Dockerfile instruction"),
        );
        return;
    }
    let text = match &instruction.args {
        Args::Text { text, .. } => text.as_str(),
        Args::Json { words, .. } => {
            if *keyword == Keyword::Shell && words.is_empty() {
                report(at, "SHELL needs a shell, e.g. [\"/bin/bash\", \"-c\"]".into());
            }
            if matches!(keyword, Keyword::Copy | Keyword::Add) && words.len() < 2 {
                report(at, format!("{keyword} needs a source and a destination"));
            }
            return;
        }
    };
    if text.is_empty() {
        report(instruction.span, format!("{keyword} needs arguments"));
        return;
    }
    let words = instruction.words();
    match keyword {
        Keyword::From => {
            let named = words.len() == 3 && words[1].eq_ignore_ascii_case("as");
            if words.len() != 1 && !named {
                report(at, "FROM takes an image and an optional `AS name`".into());
            }
        }
        Keyword::Copy | Keyword::Add if words.len() < 2 => {
            report(at, format!("{keyword} needs a source and a destination"));
        }
        Keyword::Shell => report(at, "SHELL takes a JSON array, e.g. [\"/bin/bash\", \"-c\"]".into()),
        Keyword::Env | Keyword::Label => {
            if !words[0].contains('=') {
                if fields(text).len() < 2 {
                    report(at, format!("{keyword} NAME VALUE needs a value"));
                }
            } else if let Some(word) = words.iter().find(|w| !w.contains('=')) {
                report(word.span, format!("`{}` has no `=`: write NAME=VALUE", word.value));
            }
        }
        Keyword::Healthcheck => {
            let kind = &words[0];
            if kind.eq_ignore_ascii_case("none") {
                if words.len() > 1 {
                    report(at, "HEALTHCHECK NONE takes no arguments".into());
                }
            } else if kind.eq_ignore_ascii_case("cmd") {
                if words.len() < 2 {
                    report(at, "HEALTHCHECK CMD needs a command".into());
                }
            } else {
                report(
                    kind.span,
                    format!("HEALTHCHECK takes CMD or NONE, not `{}`", kind.value),
                );
            }
        }
        _ => {}
    }
}
