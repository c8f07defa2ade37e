//! Lint rules: facts about the spec that are legal but break deployments.
//!
//! A rule is a unit struct in its own file under `rules/`, declared with
//! [`declare_rule!`] so that its doc comment is also its `stackc explain`
//! text. [`registry::RULES`] lists them all, in one place.

#[macro_use]
mod declare;
pub mod docs;
pub mod policy;
pub mod registry;
mod rules;
pub mod suppress;

use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::Stack;
use crate::source::SourceFile;
use policy::Policy;

/// What every rule knows about itself.
#[derive(Debug)]
pub struct RuleMeta {
    /// Kebab-case, read as "allow NAME"; the stable identifier of the rule.
    pub name: &'static str,
    pub severity: Severity,
    /// One line for listings.
    pub summary: &'static str,
    /// The rule's doc comment: what it does, why, an example, the fix.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The doc comment as Markdown, without rustdoc's leading spaces.
    pub fn explanation(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }

    /// A finding of this rule, with the rule's name and default severity.
    pub fn diagnostic(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.name, self.severity, message)
    }
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Reports findings. The stack may hold resolution errors, so look
    /// references up and skip what is missing; resolution reports that.
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>);
}

/// Runs every rule over the stack.
pub fn lint(stack: &Stack) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in registry::RULES {
        rule.check(stack, &mut out);
    }
    out
}

/// Runs every rule, then applies the spec's suppression comments and the
/// user's policy, in that order: a suppression of a rule that is off still
/// counts as used when the rule would have fired there.
pub fn lint_with(stack: &Stack, source: &SourceFile, policy: &Policy) -> Vec<Diagnostic> {
    let findings = suppress::scan(source).apply(lint(stack), source);
    policy.apply(findings)
}
