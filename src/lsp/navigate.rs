//! Go to definition, references, highlights, rename and the outline, all
//! answered from the document's [`super::symbols::Index`].

use std::collections::HashMap;

use lsp_types::{
    DocumentHighlight, DocumentHighlightKind, DocumentSymbol, Location, PrepareRenameResponse, SymbolKind, TextEdit,
    WorkspaceEdit,
};

use super::document::Document;
use super::symbols::{Index, Kind};
use crate::source::Span;

pub fn definition(document: &Document, offset: usize) -> Option<Location> {
    let (symbol, _) = document.index.symbol_at(offset)?;
    let span = document.index.symbols[symbol].name_span;
    Some(Location::new(document.uri.clone(), document.range(span)))
}

pub fn references(document: &Document, offset: usize, with_declaration: bool) -> Vec<Location> {
    spans(&document.index, offset, with_declaration)
        .into_iter()
        .map(|(span, _)| Location::new(document.uri.clone(), document.range(span)))
        .collect()
}

pub fn highlights(document: &Document, offset: usize) -> Vec<DocumentHighlight> {
    spans(&document.index, offset, true)
        .into_iter()
        .map(|(span, declaration)| DocumentHighlight {
            range: document.range(span),
            kind: Some(match declaration {
                true => DocumentHighlightKind::WRITE,
                false => DocumentHighlightKind::READ,
            }),
        })
        .collect()
}

/// The declaration (flagged true) and the uses of the name at `offset`.
fn spans(index: &Index, offset: usize, with_declaration: bool) -> Vec<(Span, bool)> {
    let Some((symbol, _)) = index.symbol_at(offset) else {
        return Vec::new();
    };
    let declaration = with_declaration.then_some((index.symbols[symbol].name_span, true));
    declaration
        .into_iter()
        .chain(index.uses(symbol).map(|span| (span, false)))
        .collect()
}

pub fn prepare_rename(document: &Document, offset: usize) -> Option<PrepareRenameResponse> {
    let (symbol, span) = renamable(document, offset).ok()?;
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: document.range(span),
        placeholder: document.index.symbols[symbol].name.clone(),
    })
}

/// Renames the name at `offset` where it is declared and everywhere it is
/// used; refuses a name the grammar does not accept or one already taken.
pub fn rename(document: &Document, offset: usize, new_name: &str) -> Result<WorkspaceEdit, String> {
    let (symbol, _) = renamable(document, offset)?;
    if !is_name(new_name) {
        return Err(format!(
            "`{new_name}` is not a name: letters, digits, `_` and `-`, starting with a letter"
        ));
    }
    let index = &document.index;
    let reserved = match index.symbols[symbol].kind {
        Kind::Volume => crate::ir::Volume::ANONYMOUS,
        Kind::Network => crate::ir::Network::DEFAULT,
        _ => "",
    };
    if !reserved.is_empty() && new_name.eq_ignore_ascii_case(reserved) {
        return Err(format!(
            "`{new_name}` is reserved for a {} the spec does not declare",
            index.symbols[symbol].kind.keyword()
        ));
    }
    if let Some(other) = index.clash(symbol, new_name) {
        return Err(format!(
            "the {} `{}` already has that name",
            other.kind.keyword(),
            other.name
        ));
    }
    let edits = spans(index, offset, true)
        .into_iter()
        .map(|(span, _)| TextEdit::new(document.range(span), new_name.to_string()))
        .collect();
    Ok(WorkspaceEdit {
        changes: Some(HashMap::from([(document.uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    })
}

/// The symbol at `offset` and the span of its name there, when it can be
/// renamed: only from a parse of the text as it is.
fn renamable(document: &Document, offset: usize) -> Result<(usize, Span), String> {
    if document.analysis.stack.is_none() {
        return Err("the spec does not parse: fix its syntax first".to_string());
    }
    document
        .index
        .symbol_at(offset)
        .ok_or_else(|| "no declared name here".to_string())
}

/// The grammar's `name`.
fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The outline: top-level declarations, with a proxy's upstreams, servers
/// and locations inside it.
#[allow(deprecated)] // `DocumentSymbol::deprecated` must be given.
pub fn outline(document: &Document) -> Vec<DocumentSymbol> {
    let index = &document.index;
    let mut children: Vec<Vec<DocumentSymbol>> = vec![Vec::new(); index.symbols.len()];
    let mut top = Vec::new();
    // Children come after their parents: build from the last one back.
    for (i, symbol) in index.symbols.iter().enumerate().rev() {
        let node = DocumentSymbol {
            name: symbol.name.clone(),
            detail: Some(symbol.kind.keyword().to_string()),
            kind: symbol_kind(symbol.kind),
            tags: None,
            deprecated: None,
            range: document.range(symbol.span),
            selection_range: document.range(symbol.name_span),
            children: Some(std::mem::take(&mut children[i])).filter(|c| !c.is_empty()),
        };
        match symbol.parent {
            Some(parent) => children[parent].insert(0, node),
            None => top.insert(0, node),
        }
    }
    top
}

fn symbol_kind(kind: Kind) -> SymbolKind {
    match kind {
        Kind::Stack => SymbolKind::MODULE,
        Kind::Volume => SymbolKind::FILE,
        Kind::Network => SymbolKind::NAMESPACE,
        Kind::Secret => SymbolKind::KEY,
        Kind::Service => SymbolKind::CLASS,
        Kind::Job => SymbolKind::FUNCTION,
        Kind::Proxy => SymbolKind::INTERFACE,
        Kind::Upstream => SymbolKind::ENUM,
        Kind::Server => SymbolKind::OBJECT,
        Kind::Location => SymbolKind::FIELD,
        Kind::Environment => SymbolKind::PACKAGE,
    }
}
