//! The parse tree lowering reads: pest's pairs (rule, matched text,
//! children) in one flat list, whichever parser built it.
//!
//! Both parsers build the same tree for a spec: [`super::descent`], fast,
//! for the specs it accepts, and pest, the grammar of record, for the
//! rest and for every syntax error.

use super::grammar::Rule;
use crate::source::Span;

/// Nodes in pre-order: a node's descendants follow it.
pub struct Tree<'i> {
    text: &'i str,
    nodes: Vec<Node>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Node {
    rule: Rule,
    start: u32,
    end: u32,
    /// The index just past the node's last descendant: its next sibling.
    after: u32,
}

impl<'i> Tree<'i> {
    /// Room for the nodes of the whole of `text`: about one every few bytes.
    pub(super) fn for_text(text: &'i str) -> Self {
        Self::with_capacity(text, text.len() / 4)
    }

    pub(super) fn with_capacity(text: &'i str, nodes: usize) -> Self {
        Tree {
            text,
            nodes: Vec::with_capacity(nodes),
        }
    }

    /// The node at `index`.
    pub(super) fn pair(&self, index: usize) -> Pair<'_> {
        Pair { tree: self, index }
    }

    /// The tree of pest's pairs.
    pub(super) fn from_pest(text: &'i str, pairs: pest::iterators::Pairs<'i, Rule>) -> Self {
        let mut tree = Tree::for_text(text);
        let mut open = Vec::new();
        for token in pairs.tokens() {
            match token {
                pest::Token::Start { rule, pos } => open.push(tree.open(rule, pos.pos())),
                pest::Token::End { pos, .. } => {
                    let node = open.pop().expect("pest's tokens are balanced");
                    tree.close(node, pos.pos());
                }
            }
        }
        tree
    }

    /// Starts a node at `start`; its end is set by [`Tree::close`].
    pub(super) fn open(&mut self, rule: Rule, start: usize) -> usize {
        self.nodes.push(Node {
            rule,
            start: start as u32,
            end: start as u32,
            after: 0,
        });
        self.nodes.len() - 1
    }

    /// Ends a node after everything pushed since it was opened.
    pub(super) fn close(&mut self, node: usize, end: usize) {
        let after = self.nodes.len() as u32;
        let node = &mut self.nodes[node];
        node.end = end as u32;
        node.after = after;
    }

    /// A node without children.
    pub(super) fn leaf(&mut self, rule: Rule, start: usize, end: usize) {
        let node = self.open(rule, start);
        self.close(node, end);
    }

    /// Copies `pair` and the nodes below it (of a tree of the same text)
    /// to the end of this tree; the copy's index here.
    pub(super) fn append(&mut self, pair: Pair<'_>) -> usize {
        let (from, at) = (pair.index, self.nodes.len());
        let below = &pair.tree.nodes[from..pair.node().after as usize];
        // A node's `after` is an index in its tree: moved with the nodes.
        let moved = |after: u32| (after as usize - from + at) as u32;
        (self.nodes).extend(below.iter().map(|node| Node {
            after: moved(node.after),
            ..*node
        }));
        at
    }

    /// How many nodes there are: a mark to [`Tree::truncate`] back to.
    pub(super) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Drops the nodes pushed since `len`: a choice that failed.
    pub(super) fn truncate(&mut self, len: usize) {
        self.nodes.truncate(len);
    }

    /// The top-level pairs (for a spec: one, `file`).
    pub fn pairs(&self) -> Pairs<'_> {
        Pairs {
            tree: self,
            next: 0,
            end: self.nodes.len() as u32,
        }
    }

    /// Whether two trees are the same, positions, whitespace and comments
    /// left out: each node's rule and number of children in pre-order,
    /// and the text of the leaves (an inner node's text holds whitespace).
    pub fn same_shape(&self, other: &Tree) -> bool {
        self.nodes.len() == other.nodes.len() && (0..self.nodes.len()).all(|i| self.shape(i) == other.shape(i))
    }

    fn shape(&self, i: usize) -> (Rule, usize, &str) {
        let node = &self.nodes[i];
        let leaf = node.after as usize == i + 1;
        (node.rule, self.child_count(i), if leaf { self.slice(node) } else { "" })
    }

    fn child_count(&self, i: usize) -> usize {
        let mut count = 0;
        let mut child = i + 1;
        while child < self.nodes[i].after as usize {
            count += 1;
            child = self.nodes[child].after as usize;
        }
        count
    }

    fn slice(&self, node: &Node) -> &str {
        &self.text[node.start as usize..node.end as usize]
    }
}

impl PartialEq for Tree<'_> {
    /// The same rules over the same spans: what a test of the two parsers
    /// compares.
    fn eq(&self, other: &Self) -> bool {
        self.nodes == other.nodes
    }
}

impl std::fmt::Debug for Tree<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut depth = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            while depth.last().is_some_and(|&after| after <= i) {
                depth.pop();
            }
            writeln!(
                f,
                "{:indent$}{:?} {}..{} {:?}",
                "",
                node.rule,
                node.start,
                node.end,
                self.slice(node),
                indent = depth.len() * 2
            )?;
            depth.push(node.after as usize);
        }
        Ok(())
    }
}

/// A node: the rule that matched and what it matched.
#[derive(Clone, Copy)]
pub struct Pair<'t> {
    tree: &'t Tree<'t>,
    index: usize,
}

impl<'t> Pair<'t> {
    pub fn as_rule(&self) -> Rule {
        self.node().rule
    }

    pub fn as_str(&self) -> &'t str {
        self.tree.slice(self.node())
    }

    pub fn span(&self) -> Span {
        let node = self.node();
        Span::new(node.start as usize, node.end as usize)
    }

    /// The node's children, in order.
    pub fn into_inner(self) -> Pairs<'t> {
        Pairs {
            tree: self.tree,
            next: self.index as u32 + 1,
            end: self.node().after,
        }
    }

    fn node(&self) -> &'t Node {
        &self.tree.nodes[self.index]
    }
}

/// Sibling nodes, in order.
#[derive(Clone)]
pub struct Pairs<'t> {
    tree: &'t Tree<'t>,
    next: u32,
    end: u32,
}

impl<'t> Iterator for Pairs<'t> {
    type Item = Pair<'t>;

    fn next(&mut self) -> Option<Pair<'t>> {
        if self.next >= self.end {
            return None;
        }
        let index = self.next as usize;
        self.next = self.tree.nodes[index].after;
        Some(Pair { tree: self.tree, index })
    }
}
