//! Lint rules: facts about the spec that are legal but break deployments.
//!
//! A rule is a unit struct in its own file under `rules/`, declared with
//! [`declare_rule!`] so that its doc comment is also its `stackc explain`
//! text. [`registry::RULES`] lists them all, in one place.

pub mod codes;
#[macro_use]
mod declare;
mod build_files;
pub(crate) mod command_secrets;
mod dev_servers;
pub mod docs;
mod eol;
mod facts;
pub(crate) mod images;
pub mod peers;
pub mod policy;
pub mod registry;
mod rules;
pub(crate) mod secrets;
pub mod shared;
pub(crate) mod spec_text;
pub mod suppress;

use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::Stack;
use crate::source::{SourceFile, Span};
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
    /// Whether findings come with a `stackc lint --fix` edit.
    pub fixable: bool,
    /// The one output target it is about (a cluster's rules), or `None`
    /// for a rule about the stack itself.
    pub target: Option<crate::emit::Target>,
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

/// What [`declare_rule!`] implements for a rule: its metadata.
pub trait Declared {
    fn meta(&self) -> &'static RuleMeta;
}

pub trait Rule: Declared + Sync {
    /// Reports findings. The stack may hold resolution errors, so look
    /// references up and skip what is missing; resolution reports that.
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>);
}

/// Runs every rule for the target over the stack: the stack's own rules,
/// and the target's.
pub fn lint(stack: &Stack, target: crate::emit::Target) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in registry::RULES {
        if rule.meta().target.is_none_or(|t| t == target) {
            rule.check(stack, &mut out);
        }
    }
    out
}

/// The findings that say something new: a finding inside the spot of an
/// error the spec already has (an invalid image is not also "unpinned")
/// is left out, as the error says more and must be fixed first.
pub fn beside_errors(findings: Vec<Diagnostic>, errors: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut spots: Vec<_> = errors
        .iter()
        .filter(|d| d.is_error())
        .filter_map(Diagnostic::primary_span)
        .collect();
    spots.sort_by_key(|s| s.start());
    // The furthest end of the spots starting at or before each one: a span
    // lies inside some spot when one starting before it ends after it.
    let furthest: Vec<usize> = (spots.iter())
        .scan(0, |end, s| {
            *end = s.end().max(*end);
            Some(*end)
        })
        .collect();
    let inside_an_error = |s: Span| match spots.partition_point(|e| e.start() <= s.start()) {
        0 => false,
        starting_before => furthest[starting_before - 1] >= s.end(),
    };
    findings
        .into_iter()
        .filter(|f| f.primary_span().is_none_or(|s| !inside_an_error(s)))
        .collect()
}

/// Runs every rule, reports a finding about a file several services read
/// once ([`shared`]), then applies the spec's suppression comments and the
/// user's policy, in that order: a suppression of a rule that is off still
/// counts as used when the rule would have fired there.
pub fn lint_with(stack: &Stack, source: &SourceFile, policy: &Policy, target: crate::emit::Target) -> Vec<Diagnostic> {
    let findings = shared::merge(lint(stack, target), stack);
    let findings = suppress::scan(source).apply(findings, source);
    policy.apply(findings)
}
