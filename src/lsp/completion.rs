//! Completion: the keywords the grammar accepts at the cursor (statements
//! of the block, a statement's values such as restart policies and `after`
//! conditions), the declared names that may stand there, and rule names
//! in a suppression comment.

use std::collections::HashSet;

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, MarkupContent, MarkupKind, TextEdit,
};

use super::context::{self, Context};
use super::document::Document;
use super::hover;
use super::reference::{reference, Place};
use super::symbols::Kind;
use crate::lint::registry;
use crate::source::Span;

pub fn complete(document: &Document, offset: usize) -> Vec<CompletionItem> {
    let text = &document.source.text;
    let context = context::at(text, offset);
    if let Some((_, span)) = context.allowed_rule {
        return rules(document, span);
    }
    let span = context.word.map_or(Span::empty(offset), |(_, span)| span);
    let expected = context.expected(text, span.start());
    let mut items = keywords(document, &context, &expected.keywords, span);
    if expected.name {
        items.extend(names(document, &context, span));
    }
    items
}

fn keywords(document: &Document, context: &Context, keywords: &[String], span: Span) -> Vec<CompletionItem> {
    let place = Place {
        statement: context.statement,
        block: context.block,
    };
    let kind = match context.starts_statement {
        true => CompletionItemKind::KEYWORD,
        false => CompletionItemKind::ENUM_MEMBER,
    };
    keywords
        .iter()
        .map(|keyword| CompletionItem {
            detail: reference().form(keyword, place),
            documentation: reference().describe(keyword, place).map(markdown),
            ..item(document, keyword, kind, span)
        })
        .collect()
}

/// The names of the kind the statement refers to, as resolution reads
/// them (see `symbols`); a service never waits for, runs the image of or
/// proxies to itself, nor waits for a container that waits for it.
fn names(document: &Document, context: &Context, span: Span) -> Vec<CompletionItem> {
    let kinds: &[Kind] = match (context.statement, context.block) {
        (Some("mount" | "alias"), _) => &[Kind::Volume],
        (Some("networks"), _) => &[Kind::Network],
        (Some("after"), _) => &[Kind::Service, Kind::Job, Kind::Proxy],
        (Some("image" | "server"), _) => &[Kind::Service],
        (Some("secret"), Some(_)) | (Some("tls"), _) => &[Kind::Secret],
        (Some("proxy_pass"), _) => &[Kind::Upstream],
        _ => return Vec::new(),
    };
    let index = &document.index;
    let own = [Kind::Service, Kind::Job, Kind::Proxy]
        .iter()
        .find_map(|kind| index.enclosing(span.start(), *kind));
    let own_name = own.map(|own| index.symbols[own].name.as_str());
    let cyclic: HashSet<&str> = match (context.statement, own) {
        (Some("after"), Some(own)) => (index.waiting_for(own).into_iter())
            .map(|waiter| index.symbols[waiter].name.as_str())
            .collect(),
        _ => HashSet::new(),
    };
    let mut items: Vec<CompletionItem> = index
        .names_for(kinds, span.start())
        .filter(|symbol| own_name != Some(symbol.name.as_str()) && !cyclic.contains(symbol.name.as_str()))
        .map(|symbol| CompletionItem {
            detail: Some(symbol.kind.keyword().to_string()),
            ..item(document, &symbol.name, completion_kind(symbol.kind), span)
        })
        .collect();
    items.sort_by(|a, b| a.label.cmp(&b.label));
    items.dedup_by(|a, b| a.label == b.label);
    items
}

fn rules(document: &Document, span: Span) -> Vec<CompletionItem> {
    registry::RULES
        .iter()
        .map(|rule| {
            let meta = rule.meta();
            CompletionItem {
                detail: Some(meta.summary.to_string()),
                documentation: Some(markdown(hover::rule(meta))),
                ..item(document, meta.name, CompletionItemKind::CONSTANT, span)
            }
        })
        .collect()
}

/// An item that replaces the word at the cursor.
fn item(document: &Document, label: &str, kind: CompletionItemKind, span: Span) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
            document.range(span),
            label.to_string(),
        ))),
        ..CompletionItem::default()
    }
}

fn completion_kind(kind: Kind) -> CompletionItemKind {
    match kind {
        Kind::Service | Kind::Proxy => CompletionItemKind::CLASS,
        Kind::Job => CompletionItemKind::FUNCTION,
        Kind::Volume => CompletionItemKind::FOLDER,
        Kind::Secret => CompletionItemKind::CONSTANT,
        Kind::Network => CompletionItemKind::MODULE,
        Kind::Upstream => CompletionItemKind::REFERENCE,
        Kind::Stack | Kind::Server | Kind::Location | Kind::Environment => CompletionItemKind::TEXT,
    }
}

fn markdown(value: String) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    })
}
