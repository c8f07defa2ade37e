//! Hover: a keyword's rows of the language reference, a rule's
//! explanation on its name in a suppression comment, and a name's
//! declaration.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::context;
use super::document::Document;
use super::reference::{reference, Place};
use crate::lint::{docs, registry, RuleMeta};
use crate::source::Span;

pub fn hover(document: &Document, offset: usize) -> Option<Hover> {
    let text = &document.source.text;
    // The character under the pointer: the context reads the word a
    // cursor after it is in.
    let after = offset + text[offset.min(text.len())..].chars().next().map_or(0, char::len_utf8);
    let context = context::at(text, after);
    let (markdown, span) = if let Some((name, span)) = context.allowed_rule {
        (rule(registry::find(name)?), span)
    } else {
        let (word, span) = context.word?;
        if context.expected(text, span.start()).keywords.iter().any(|k| k == word) {
            let place = Place {
                statement: context.statement,
                block: context.block,
            };
            (reference().describe(word, place)?, span)
        } else {
            declaration(document, offset)?
        }
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(document.range(span)),
    })
}

/// A rule's explanation, as `stackc explain` prints it, with its link.
pub fn rule(meta: &RuleMeta) -> String {
    format!(
        "**{}** ({} by default)\n\n{}\n\n[{}]({})",
        meta.name,
        meta.severity.as_str(),
        meta.explanation(),
        docs::RULES_PAGE,
        docs::help_uri(meta.name)
    )
}

/// A name's declaration: its kind and the line that declares it.
fn declaration(document: &Document, offset: usize) -> Option<(String, Span)> {
    let (found, span) = document.index.symbol_at(offset)?;
    let symbol = &document.index.symbols[found];
    let line = document
        .source
        .text
        .get(symbol.span.start()..)?
        .lines()
        .next()?
        .trim_end();
    let uses = document.index.uses(found).count();
    let plural = if uses == 1 { "" } else { "s" };
    Some((
        format!(
            "{} `{}`, used {uses} time{plural}\n\n```\n{line}\n```",
            symbol.kind.keyword(),
            symbol.name
        ),
        span,
    ))
}
