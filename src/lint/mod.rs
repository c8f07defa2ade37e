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
mod modes;
pub mod peers;
pub mod policy;
pub mod registry;
mod rules;
pub mod secret_mounts;
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
/// and the target's. A large stack's rules share the machine's cores; the
/// findings come back in the rules' order either way, so nothing in the
/// output depends on the threads.
pub fn lint(stack: &Stack, target: crate::emit::Target) -> Vec<Diagnostic> {
    let rules: Vec<&dyn Rule> = (registry::RULES.iter().copied())
        .filter(|rule| rule.meta().target.is_none_or(|t| t == target))
        .collect();
    let run = |rule: &dyn Rule| {
        let mut out = Vec::new();
        rule.check(stack, &mut out);
        out
    };
    let found = match threads_for(stack) {
        1 => rules.iter().map(|&rule| run(rule)).collect(),
        threads => shared_out(&rules, threads, run),
    };
    found.concat()
}

/// Below this many services, the rules run on one thread: starting a
/// thread costs more than it saves (a seed lint is a millisecond).
const SHARED_FROM: usize = 256;

/// How many threads lint `stack`: one, or the machine's cores, at most 8
/// (about 70 rules, a few of which take most of the time).
fn threads_for(stack: &Stack) -> usize {
    if stack.services.len() < SHARED_FROM {
        return 1;
    }
    crate::helper::cores()
}

/// Each rule's findings, in the rules' order, the rules run by `threads`
/// threads that each take the next rule not yet taken, as if on the
/// caller's thread alone ([`crate::helper`]).
fn shared_out(
    rules: &[&dyn Rule],
    threads: usize,
    run: impl Fn(&dyn Rule) -> Vec<Diagnostic> + Sync,
) -> Vec<Vec<Diagnostic>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&rule) = rules.get(at) else {
                return done;
            };
            done.push((at, run(rule)));
        }
    };
    let mut done = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| crate::helper::start(scope, work)).collect();
        let mut done = work();
        for helper in helpers {
            done.extend(helper.join());
        }
        done
    });
    done.sort_by_key(|&(at, _)| at);
    done.into_iter().map(|(_, found)| found).collect()
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
    let marked: Vec<_> = findings.iter().flat_map(|f| f.secrets.iter().copied()).collect();
    let findings = suppress::scan(source).apply(findings, source);
    let mut kept = restated(policy.apply(findings));
    keep_masked(&mut kept, marked);
    kept
}

/// Gives the secrets a finding left out (allowed, turned off, suppressed)
/// marked to one that is kept: a snippet masks what any finding of the
/// report marks, and allowing `secret-in-env` must not print the key in
/// another finding's snippet of the same lines.
fn keep_masked(kept: &mut [Diagnostic], marked: Vec<(Option<crate::source::FileId>, Span)>) {
    let still: std::collections::HashSet<_> = kept.iter().flat_map(|f| f.secrets.iter().copied()).collect();
    let dropped: Vec<_> = marked.into_iter().filter(|mark| !still.contains(mark)).collect();
    if let Some(first) = kept.first_mut() {
        first.secrets.extend(dropped);
    }
}

/// Leaves out a `user-without-uid` finding (a cluster's pod would not
/// start as that user) where `runs-as-root` reports the same place (the
/// user is root): it is said once. Where that rule is allowed or turned
/// off, the cluster's finding stands.
fn restated(mut findings: Vec<Diagnostic>) -> Vec<Diagnostic> {
    use rules::{RunsAsRoot, UserWithoutUid};
    let root: std::collections::HashSet<_> = (findings.iter())
        .filter(|f| f.code == RunsAsRoot::META.name)
        .filter_map(Diagnostic::primary_span)
        .collect();
    if !root.is_empty() {
        findings.retain(|f| {
            f.code != UserWithoutUid::META.name || f.primary_span().is_none_or(|span| !root.contains(&span))
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stack large enough for the rules to share threads finds what one
    /// thread finds, in the same order.
    #[test]
    fn rules_on_several_threads_find_what_one_finds_in_its_order() {
        let mut spec = String::from("stack big\n");
        for i in 0..SHARED_FROM + 10 {
            spec.push_str(&format!(
                "service s{i} {{\n    image example/app:latest\n    env {{\n        API_TOKEN = \"ghp_{i:0>36}\"\n    }}\n    restart no\n}}\n"
            ));
        }
        let (stack, errors) = crate::syntax::parse(&SourceFile::new("big.spec", spec));
        let stack = stack.expect("it parses");
        assert!(errors.is_empty(), "{errors:?}");
        let target = crate::emit::Target::Compose;
        let rules: Vec<&dyn Rule> = (registry::RULES.iter().copied())
            .filter(|rule| rule.meta().target.is_none_or(|t| t == target))
            .collect();
        let mut alone = Vec::new();
        for rule in &rules {
            rule.check(&stack, &mut alone);
        }
        let key = |d: &Diagnostic| (d.code, d.message.clone(), d.primary_span());
        let shared = shared_out(&rules, 3, |rule| {
            let mut out = Vec::new();
            rule.check(&stack, &mut out);
            out
        });
        let shared: Vec<_> = shared.concat().iter().map(key).collect();
        assert!(alone.len() > 2 * SHARED_FROM, "{}", alone.len());
        assert_eq!(shared, alone.iter().map(key).collect::<Vec<_>>());
        assert_eq!(lint(&stack, target).iter().map(key).collect::<Vec<_>>(), shared);
    }
}
