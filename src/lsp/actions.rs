//! Code actions and formatting: each an edit the client applies (the
//! server writes no file). Quick fixes are the lint rules' own fixes; the
//! suppression writes the comment that `lint::suppress` reads; "fix all"
//! is `stackc lint --fix`; formatting is `stackc fmt`.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, TextEdit, WorkspaceEdit};

use super::diagnostics;
use super::document::Document;
use super::text::Change;
use crate::diagnostic::{Diagnostic, Edit};
use crate::lint::{docs, registry, suppress};
use crate::source::Span;
use crate::syntax::tokens;

/// The actions for the findings that touch `range`, of the kinds asked for.
pub fn actions(document: &Document, range: Span, only: Option<&[CodeActionKind]>) -> Vec<CodeActionOrCommand> {
    let wanted = |kind: &CodeActionKind| {
        only.is_none_or(|only| {
            only.iter()
                .any(|o| kind.as_str() == o.as_str() || kind.as_str().starts_with(&format!("{}.", o.as_str())))
        })
    };
    let mut actions = Vec::new();
    if wanted(&CodeActionKind::QUICKFIX) {
        for diagnostic in &document.analysis.diagnostics {
            let Some(at) = diagnostic.primary_span() else { continue };
            if at.start() > range.end() || at.end() < range.start() {
                continue;
            }
            if let Some(fix) = &diagnostic.fix {
                actions.push(action(
                    document,
                    diagnostic,
                    docs::capitalized(&fix.message),
                    &fix.edits,
                    true,
                ));
            }
            if registry::find(diagnostic.code).is_some() {
                let title = format!("Allow `{}` here", diagnostic.code);
                actions.push(action(
                    document,
                    diagnostic,
                    title,
                    &[suppression(document, diagnostic)],
                    false,
                ));
            }
        }
    }
    if wanted(&CodeActionKind::SOURCE_FIX_ALL) {
        actions.extend(fix_all(document));
    }
    actions.into_iter().map(CodeActionOrCommand::CodeAction).collect()
}

fn action(document: &Document, diagnostic: &Diagnostic, title: String, edits: &[Edit], preferred: bool) -> CodeAction {
    CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostics::of_spec(document, diagnostic)]),
        edit: Some(workspace_edit(
            document,
            edits.iter().map(|e| text_edit(document, e)).collect(),
        )),
        is_preferred: Some(preferred),
        ..CodeAction::default()
    }
}

/// `# stackc: allow(RULE)` on a line of its own above the finding's line,
/// indented like it; added to the list of such a comment already there.
fn suppression(document: &Document, diagnostic: &Diagnostic) -> Edit {
    let text = &document.source.text;
    let at = diagnostic.primary_span().unwrap_or_default().start();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    if let Some(edit) = extend_comment_above(text, line_start, diagnostic.code) {
        return edit;
    }
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    Edit::insert(
        line_start,
        format!("{indent}{}{newline}", suppress::allow_comment(&[diagnostic.code])),
    )
}

/// Adds `rule` to the `allow(...)` of a comment alone on the line above.
fn extend_comment_above(text: &str, line_start: usize, rule: &str) -> Option<Edit> {
    let above_end = text[..line_start].trim_end_matches(['\n', '\r']).len();
    let above_start = text[..above_end].rfind('\n').map_or(0, |i| i + 1);
    let line = tokens::lines(&text[above_start..above_end]).swap_remove(0);
    let comment = line.comment.filter(|_| line.tokens.is_empty())?;
    let list = suppress::allow_list(comment).filter(|l| l.closed && !comment[l.names.clone()].trim().is_empty())?;
    let comment_start = comment.as_ptr() as usize - text.as_ptr() as usize;
    Some(Edit::insert(comment_start + list.names.end, format!(", {rule}")))
}

/// Every fix, applied the way `stackc lint --fix` applies them.
fn fix_all(document: &Document) -> Option<CodeAction> {
    if !document.analysis.diagnostics.iter().any(|d| d.fix.is_some()) {
        return None;
    }
    let (outcome, _) = document.with_options(|options| crate::fix::fix(&document.source, options));
    let edit = whole_text_edit(document, &outcome.source.text)?;
    Some(CodeAction {
        title: "Fix all stackc findings".to_string(),
        kind: Some(CodeActionKind::SOURCE_FIX_ALL),
        edit: Some(workspace_edit(document, vec![edit])),
        ..CodeAction::default()
    })
}

/// `stackc fmt`: one edit for the part that changes; none when the text is
/// formatted already or does not parse.
pub fn format(document: &Document) -> Option<Vec<TextEdit>> {
    let formatted = crate::fmt::format(&document.source).ok()?;
    Some(whole_text_edit(document, &formatted).into_iter().collect())
}

/// The edit that turns the document's text into `new`, kept to the
/// region that differs.
fn whole_text_edit(document: &Document, new: &str) -> Option<TextEdit> {
    let change = Change::between(&document.source.text, new);
    if change.is_empty() {
        return None;
    }
    Some(TextEdit::new(
        document.range(Span::new(change.start, change.old_end)),
        new[change.start..change.new_end].to_string(),
    ))
}

fn text_edit(document: &Document, edit: &Edit) -> TextEdit {
    TextEdit::new(document.range(edit.span), edit.replacement.clone())
}

fn workspace_edit(document: &Document, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(document.uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::text::Encoding;

    fn document(text: &str) -> Document {
        let uri = lsp_types::Url::parse("untitled:stack.spec").unwrap();
        Document::open(uri, 1, text.to_string(), Encoding::Utf8)
    }

    /// The text after the suppression of the first finding of `code`, and
    /// what the analysis finds in it.
    fn suppressed(text: &str, code: &str) -> (String, Vec<&'static str>) {
        let document = document(text);
        let finding = document
            .analysis
            .diagnostics
            .iter()
            .find(|d| d.code == code)
            .expect("the finding");
        let edit = suppression(&document, finding);
        let mut new = text.to_string();
        new.replace_range(edit.span.start()..edit.span.end(), &edit.replacement);
        let codes = document_codes(&new);
        (new, codes)
    }

    fn document_codes(text: &str) -> Vec<&'static str> {
        document(text).analysis.diagnostics.iter().map(|d| d.code).collect()
    }

    const LOOSE: &str = "stack shop\r\n\r\nservice db {\r\n    image postgres\r\n    env {\r\n        POSTGRES_PASSWORD = \"admin\"\r\n    }\r\n}\r\n";

    #[test]
    fn a_suppression_is_a_line_above_indented_like_it_and_keeps_crlf() {
        assert!(document_codes(LOOSE).contains(&"unpinned-image"));
        let (text, codes) = suppressed(LOOSE, "unpinned-image");
        assert!(
            text.contains("{\r\n    # stackc: allow(unpinned-image)\r\n    image postgres\r\n"),
            "{text}"
        );
        assert!(
            !codes.contains(&"unpinned-image") && !codes.contains(&"unused-suppression"),
            "{codes:?}"
        );
    }

    #[test]
    fn a_second_rule_joins_the_comment_above() {
        let (once, _) = suppressed(LOOSE, "unpinned-image");
        let (twice, codes) = suppressed(&once, "pgdata-mount-mismatch");
        assert!(
            twice.contains("    # stackc: allow(unpinned-image, pgdata-mount-mismatch)\r\n    image postgres"),
            "{twice}"
        );
        let gone = ["unpinned-image", "pgdata-mount-mismatch", "unused-suppression"];
        assert!(!codes.iter().any(|c| gone.contains(c)), "{codes:?}");
    }

    #[test]
    fn only_lint_rules_are_offered_a_suppression() {
        let document = document("stack shop\nservice db {\n    image redis:7.4\n    mount nope at /d\n}\n");
        let whole = Span::new(0, document.source.text.len());
        let titles: Vec<String> = actions(&document, whole, None)
            .into_iter()
            .filter_map(|a| match a {
                CodeActionOrCommand::CodeAction(action) => Some(action.title),
                CodeActionOrCommand::Command(_) => None,
            })
            .collect();
        assert!(!titles.iter().any(|t| t.contains("unknown-volume")), "{titles:?}");
    }
}
