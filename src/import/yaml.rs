//! A YAML document as a tree whose every node keeps its byte span, so the
//! import report can point at the line of compose.yaml a setting came from.
//!
//! Anchors and aliases are expanded, and `<<` merge keys applied, as
//! compose's reader does; the expansion is bounded ([`MAX_NODES`]) so a
//! "billion laughs" file is refused instead of filling memory.

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

use crate::source::Span;
use crate::syntax::lower::yaml_numbers::{compose_reading, Reading};

/// The most nodes a document may expand to, aliases counted at every use.
pub const MAX_NODES: usize = 200_000;

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: Kind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Kind {
    /// A scalar's text; `plain` when unquoted (then `true`, `10`, `~` are
    /// not text).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The text of a scalar (of any reading), `None` for a list or map.
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { text, plain: true } if compose_reading(text) == Reading::Null)
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }

    /// The value of `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|(k, _)| k.text() == Some(key))
            .map(|(_, v)| v)
    }

    /// The value as compose reads it (YAML 1.1's numbers, as go-yaml v3).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            Kind::Scalar { text, plain: false } => Value::String(text.clone()),
            Kind::Scalar { text, plain: true } => match compose_reading(text) {
                Reading::Null => Value::Null,
                Reading::Bool(b) => Value::Bool(b),
                Reading::Int(n) => i64::try_from(n).map_or_else(|_| Value::String(text.clone()), Value::from),
                Reading::Float(x) => {
                    serde_json::Number::from_f64(x).map_or_else(|| Value::String(text.clone()), Value::Number)
                }
                Reading::Text => Value::String(text.clone()),
            },
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.text().unwrap_or_default().to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// `resolved` (what `docker compose config` printed, read as YAML) with
/// each node's span taken from the same place in `original` (the user's
/// file), matched by key and index; a node the file does not hold (from
/// an override, `extends`, a default compose filled in) gets its
/// nearest ancestor's span, so every finding points into the user's file.
pub fn spans_from(resolved: Node, original: Option<&Node>, fallback: Span) -> Node {
    let span = original.map_or(fallback, |o| o.span);
    let kind = match resolved.kind {
        Kind::Scalar { text, plain } => Kind::Scalar { text, plain },
        Kind::Seq(items) => Kind::Seq(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| spans_from(item, original.and_then(|o| o.items().get(i)), span))
                .collect(),
        ),
        Kind::Map(entries) => Kind::Map(
            entries
                .into_iter()
                .map(|(key, value)| {
                    let found = original.and_then(|o| {
                        o.entries()
                            .iter()
                            .find(|(k, _)| k.text().is_some() && k.text() == key.text())
                    });
                    let key_span = found.map_or(span, |(k, _)| k.span);
                    let key = Node {
                        kind: key.kind,
                        span: key_span,
                    };
                    (key, spans_from(value, found.map(|(_, v)| v), key_span))
                })
                .collect(),
        ),
    };
    Node { kind, span }
}

/// Why a document could not be read.
#[derive(Debug)]
pub struct YamlError {
    pub message: String,
    pub span: Span,
}

/// Reads the first document of `text`; an empty file is an empty map.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut reader = Reader {
        events: Parser::new_from_str_with_options(text, options()),
        anchors: Vec::new(),
        nodes: 0,
        text,
    };
    loop {
        match reader.next()? {
            None => return Ok(empty_map()),
            Some((Event::StreamStart | Event::DocumentStart(..), _)) => continue,
            Some((Event::StreamEnd | Event::DocumentEnd, _)) => return Ok(empty_map()),
            Some((event, span)) => return reader.node(event, span, 0),
        }
    }
}

/// Comments are not data: never emitted as events, whatever features
/// another crate turns on for the parser.
fn options() -> serde_saphyr::granit_parser::Options {
    let mut options = serde_saphyr::granit_parser::Options::default();
    options.set_emit_comments(false);
    options
}

fn empty_map() -> Node {
    Node {
        kind: Kind::Map(Vec::new()),
        span: Span::new(0, 0),
    }
}

/// How deep collections may nest: far beyond any compose file.
const MAX_DEPTH: usize = 256;

struct Reader<'a> {
    events: Parser<'a, serde_saphyr::granit_parser::StrInput<'a>>,
    /// Anchored nodes by id.
    anchors: Vec<(usize, Node)>,
    /// Nodes made so far, aliases counted at every use.
    nodes: usize,
    text: &'a str,
}

type Spanned<'a> = (Event<'a>, Span);

impl<'a> Reader<'a> {
    fn next(&mut self) -> Result<Option<Spanned<'a>>, YamlError> {
        match self.events.next() {
            None => Ok(None),
            Some(Ok((event, span))) => Ok(Some((event, self.span(&span)))),
            Some(Err(e)) => {
                let at = e.marker().byte_offset().unwrap_or(0).min(self.text.len());
                Err(YamlError {
                    message: e.info().to_string(),
                    span: Span::empty(at),
                })
            }
        }
    }

    fn span(&self, span: &serde_saphyr::granit_parser::Span) -> Span {
        let len = self.text.len();
        let start = span.start.byte_offset().unwrap_or(0).min(len);
        let end = span.end.byte_offset().unwrap_or(start).clamp(start, len);
        Span::new(start, end)
    }

    fn count(&mut self, n: usize, span: Span) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(YamlError {
                message: format!("expands to more than {MAX_NODES} nodes (aliases counted at every use)"),
                span,
            });
        }
        Ok(())
    }

    fn node(&mut self, event: Event<'a>, span: Span, depth: usize) -> Result<Node, YamlError> {
        if depth > MAX_DEPTH {
            return Err(YamlError {
                message: format!("nests deeper than {MAX_DEPTH} levels"),
                span,
            });
        }
        self.count(1, span)?;
        let (node, anchor) = match event {
            Event::Scalar(text, style, anchor, _) => (
                Node {
                    kind: Kind::Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                    span,
                },
                anchor,
            ),
            Event::Alias(id) => {
                let Some((_, target)) = self.anchors.iter().rev().find(|(a, _)| *a == id) else {
                    return Err(YamlError {
                        message: "an alias to no anchor".into(),
                        span,
                    });
                };
                let target = target.clone();
                self.count(size(&target), span)?;
                return Ok(target);
            }
            Event::SequenceStart(_, anchor, _) => {
                let mut items = Vec::new();
                let end = loop {
                    let (event, at) = self.expect(span)?;
                    if let Event::SequenceEnd = event {
                        break at.end();
                    }
                    items.push(self.node(event, at, depth + 1)?);
                };
                let span = Span::new(span.start(), end.max(span.start()));
                (
                    Node {
                        kind: Kind::Seq(items),
                        span,
                    },
                    anchor,
                )
            }
            Event::MappingStart(_, anchor, _) => {
                let mut entries: Vec<(Node, Node)> = Vec::new();
                let mut merged: Vec<(Node, Node)> = Vec::new();
                let end = loop {
                    let (event, at) = self.expect(span)?;
                    if let Event::MappingEnd = event {
                        break at.end();
                    }
                    let key = self.node(event, at, depth + 1)?;
                    let (event, at) = self.expect(span)?;
                    let value = self.node(event, at, depth + 1)?;
                    if matches!(&key.kind, Kind::Scalar { text, plain: true } if text == "<<") {
                        merge_into(&mut merged, &value);
                    } else {
                        // compose's reader (go-yaml v3) refuses a key given
                        // twice in one map; only a `<<` merge may give one again.
                        let first = entries
                            .iter()
                            .find(|(k, _)| k.text().is_some() && k.text() == key.text());
                        if let Some((first, _)) = first {
                            let line = self.text[..first.span.start()].matches('\n').count() + 1;
                            return Err(YamlError {
                                message: format!(
                                    "the key `{}` is given twice in one map (first on line {line}), which compose refuses",
                                    key.text().unwrap_or_default()
                                ),
                                span: key.span,
                            });
                        }
                        entries.push((key, value));
                    }
                };
                for (key, value) in merged {
                    if !entries.iter().any(|(k, _)| k.text() == key.text()) {
                        entries.push((key, value));
                    }
                }
                let span = Span::new(span.start(), end.max(span.start()));
                (
                    Node {
                        kind: Kind::Map(entries),
                        span,
                    },
                    anchor,
                )
            }
            other => {
                return Err(YamlError {
                    message: format!("an unexpected YAML event: {other:?}"),
                    span,
                })
            }
        };
        if anchor != 0 {
            self.anchors.push((anchor, node.clone()));
        }
        Ok(node)
    }

    fn expect(&mut self, open: Span) -> Result<Spanned<'a>, YamlError> {
        self.next()?.ok_or(YamlError {
            message: "the document ends inside a list or map".into(),
            span: open,
        })
    }
}

/// A `<<` value's entries (a map, or a list of maps, the first winning).
fn merge_into(merged: &mut Vec<(Node, Node)>, value: &Node) {
    let sources: Vec<&Node> = match &value.kind {
        Kind::Seq(items) => items.iter().collect(),
        _ => vec![value],
    };
    for source in sources {
        for (key, value) in source.entries() {
            if !merged.iter().any(|(k, _)| k.text() == key.text()) {
                merged.push((key.clone(), value.clone()));
            }
        }
    }
}

/// Nodes in a tree.
fn size(node: &Node) -> usize {
    1 + match &node.kind {
        Kind::Scalar { .. } => 0,
        Kind::Seq(items) => items.iter().map(size).sum(),
        Kind::Map(entries) => entries.iter().map(|(k, v)| size(k) + size(v)).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_values() {
        let text = "# a comment\nservices:\n  web: # another\n    image: nginx:1.27\n";
        let doc = parse(text).unwrap();
        let image = doc.get("services").unwrap().get("web").unwrap().get("image").unwrap();
        assert_eq!(&text[image.span.range()], "nginx:1.27");
    }

    #[test]
    fn a_key_given_twice_is_refused_at_the_second() {
        let text = "a: 1\nb: 2\na: 3\n";
        let error = parse(text).unwrap_err();
        assert_eq!(&text[error.span.range()], "a");
        assert_eq!(error.span.start(), 10);
        assert!(error.message.contains("line 1"), "{}", error.message);
    }

    #[test]
    fn merge_keys_and_anchors() {
        let text = "x: &base {a: 1, b: 2}\ny:\n  <<: *base\n  b: 3\n";
        let doc = parse(text).unwrap();
        let y = doc.get("y").unwrap().to_json();
        assert_eq!(y, serde_json::json!({"b": 3, "a": 1}));
    }

    #[test]
    fn resolved_nodes_point_into_the_original() {
        let original_text = "services:\n  web:\n    image: nginx:1.27\n";
        let original = parse(original_text).unwrap();
        let resolved = parse("{\"services\": {\"web\": {\"image\": \"nginx:1.27\", \"command\": null}}}").unwrap();
        let doc = spans_from(resolved, Some(&original), Span::new(0, 0));
        let web = doc.get("services").unwrap().get("web").unwrap();
        let image = web.get("image").unwrap();
        assert_eq!(&original_text[image.span.range()], "nginx:1.27");
        // Filled in by compose: the service's place.
        assert_eq!(web.get("command").unwrap().span, web.span);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let error = parse(&text).unwrap_err();
        assert!(error.message.contains("more than"), "{}", error.message);
    }

    #[test]
    fn yaml_1_1_numbers_as_compose_reads_them() {
        let doc = parse("a: 010\nb: '010'\nc: yes\n").unwrap();
        assert_eq!(doc.to_json(), serde_json::json!({"a": 8, "b": "010", "c": "yes"}));
    }
}
