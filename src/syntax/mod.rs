//! From spec text to the IR.
//!
//! Architecture invariant: this module is the only one that knows pest
//! exists. `grammar` defines the parser, `error` turns pest's errors into
//! diagnostics a user can read, and `lower` turns pest pairs into the IR.

mod error;
mod grammar;
mod lower;

use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::source::SourceFile;

/// Parses and lowers a spec. The stack is `None` only when the text does not
/// parse; otherwise it is as complete as the diagnostics allow.
pub fn parse(source: &SourceFile) -> (Option<Stack>, Vec<Diagnostic>) {
    use pest::Parser;
    match grammar::StackParser::parse(grammar::Rule::file, &source.text) {
        Ok(mut pairs) => {
            // The grammar's `file` rule always yields exactly one pair.
            let file = pairs.next().expect("`file` matched");
            let (stack, diagnostics) = lower::lower(file);
            (Some(stack), diagnostics)
        }
        Err(err) => (None, vec![error::from_pest(&source.text, err)]),
    }
}

/// The parse tree of a spec with positions, whitespace and comments left
/// out: two texts of equal shape mean the same spec. `stackc fmt` checks
/// its output against its input with it.
#[derive(Debug, PartialEq, Eq)]
pub struct Shape(Vec<(grammar::Rule, usize, String)>);

/// The shape of `text`, or `None` when it does not parse.
pub fn shape(text: &str) -> Option<Shape> {
    use pest::Parser;
    let pairs = grammar::StackParser::parse(grammar::Rule::file, text).ok()?;
    // Pre-order with each node's number of children identifies the tree;
    // only leaves carry text (inner nodes' text holds the whitespace).
    let nodes = pairs
        .flatten()
        .map(|pair| {
            let children = pair.clone().into_inner().count();
            let leaf_text = if children == 0 {
                pair.as_str().to_string()
            } else {
                String::new()
            };
            (pair.as_rule(), children, leaf_text)
        })
        .collect();
    Some(Shape(nodes))
}
