//! `stackc lint --fix`: applies the edits lint rules offer, in rounds.
//!
//! A round applies every fix whose edits overlap no edit chosen before it,
//! then lints the new text again: a fix can make another rule fire, or
//! make room for a fix that overlapped. Rounds stop when nothing is left to
//! fix, after [`MAX_ROUNDS`], or when a round would make the spec invalid
//! (then that round is dropped), so `--fix` always ends and never breaks a
//! spec that was valid.

use crate::diagnostic::{Diagnostic, Edit};
use crate::lint::registry;
use crate::source::SourceFile;
use crate::Analysis;

/// Enough for fixes that enable other fixes; a bound so a pair of rules
/// that undo each other cannot loop.
pub const MAX_ROUNDS: usize = 10;

/// One fix that was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    pub code: &'static str,
    pub message: String,
    /// 1-based line of the fix, in the text as it was before its round.
    pub line: usize,
}

pub struct FixOutcome {
    /// The spec after every applied fix (the input when none applied).
    pub source: SourceFile,
    pub fixed: Vec<Fixed>,
    /// What `lint` finds in the fixed spec: what remains.
    pub remaining: Analysis,
}

impl FixOutcome {
    pub fn changed(&self) -> bool {
        !self.fixed.is_empty()
    }
}

/// Lints `source` with the user's rule levels and suppressions (an allowed
/// or suppressed finding is not fixed) and applies fixes until none are left.
pub fn fix(source: &SourceFile, options: crate::Options) -> FixOutcome {
    let mut current = source.clone();
    let mut analysis = crate::analyze(&current, options);
    let mut fixed = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let chosen = choose(&analysis.diagnostics);
        if chosen.is_empty() {
            break;
        }
        let edits: Vec<&Edit> = chosen
            .iter()
            .flat_map(|d| &d.fix.as_ref().expect("chosen fixes").edits)
            .collect();
        let next = SourceFile::new(current.name.clone(), apply(&current.text, &edits));
        let next_analysis = crate::analyze(&next, options);
        if invalidity(&next_analysis) > invalidity(&analysis) {
            break;
        }
        fixed.extend(chosen.iter().map(|d| Fixed {
            code: d.code,
            message: d.fix.as_ref().expect("chosen fixes").message.clone(),
            line: d.primary_span().map_or(1, |s| current.line_col(s.start()).0),
        }));
        current = next;
        analysis = next_analysis;
    }
    FixOutcome {
        source: current,
        fixed,
        remaining: analysis,
    }
}

/// How far the spec is from valid: its errors that no lint rule reported
/// (syntax and resolution). A round must not raise it.
fn invalidity(analysis: &Analysis) -> usize {
    usize::from(analysis.stack.is_none())
        + analysis
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && registry::find(d.code).is_none())
            .count()
}

/// The fixes to apply together, in diagnostic order: each one whose edits
/// overlap neither each other nor any fix chosen before it.
fn choose(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut chosen = Vec::new();
    for diagnostic in diagnostics {
        let Some(fix) = &diagnostic.fix else { continue };
        let clashes =
            fix.edits.iter().enumerate().any(|(i, edit)| {
                taken.iter().any(|t| overlap(t, edit)) || fix.edits[..i].iter().any(|e| overlap(e, edit))
            });
        if fix.edits.is_empty() || clashes {
            continue;
        }
        taken.extend(&fix.edits);
        chosen.push(diagnostic);
    }
    chosen
}

/// Edits overlap when their spans share a byte, or when both insert at the
/// same place (their order would be a guess).
fn overlap(a: &Edit, b: &Edit) -> bool {
    (a.span.start() < b.span.end() && b.span.start() < a.span.end()) || a.span.start() == b.span.start()
}

/// Applies non-overlapping edits: from the end, so earlier spans stay valid.
fn apply(text: &str, edits: &[&Edit]) -> String {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| std::cmp::Reverse((e.span.start(), e.span.end())));
    let mut out = text.to_string();
    for edit in sorted {
        out.replace_range(edit.span.start()..edit.span.end(), &edit.replacement);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn edits_apply_from_the_end_and_overlaps_are_detected() {
        let a = Edit::replace(Span::new(0, 3), "one");
        let b = Edit::insert(7, "!");
        assert_eq!(apply("abc def", &[&a, &b]), "one def!");
        assert!(overlap(&Edit::insert(3, "x"), &Edit::insert(3, "y")));
        assert!(overlap(&a, &Edit::replace(Span::new(2, 5), "")));
        assert!(!overlap(&a, &Edit::replace(Span::new(3, 5), "")));
    }

    /// Found by the fuzzer: the base's Gunicorn listens on 4000 and a
    /// `dev` environment's runserver on 8000, so each fix of the shared
    /// `ready` and upstream lines broke the other side, and `--fix` went
    /// round in circles. Only the base's findings fix base lines.
    #[test]
    fn environments_do_not_fight_over_a_line_of_the_base() {
        let spec = "stack shop\n\
            service web {\n    build ./app\n    gunicorn shop.wsgi:application bind 4000 workers 3\n    ready tcp 8000\n}\n\
            proxy nginx {\n    upstream app { server web:8000 }\n    location / { proxy_pass app }\n    after web ready\n}\n\
            environment dev {\n    service web {\n        unset gunicorn\n        add command \"python manage.py runserver 0.0.0.0:8000\"\n    }\n}\n";
        let source = SourceFile::new("t.spec", spec);
        let policy = crate::lint::policy::Policy::default();
        let options = crate::Options {
            policy: Some(&policy),
            ..crate::Options::default()
        };
        let outcome = fix(&source, options);
        let codes: Vec<&str> = outcome.fixed.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["ready-port-mismatch", "upstream-port-mismatch"]);
        assert!(outcome.source.text.contains("ready tcp 4000") && outcome.source.text.contains("server web:4000"));
        let dev_left = (outcome.remaining.diagnostics.iter())
            .filter(|d| d.message.starts_with("in environment `dev`") && d.fix.is_none());
        assert_eq!(dev_left.count(), 2, "{:?}", outcome.remaining.diagnostics);
    }

    /// Found by the fuzzer: `publish 362.0.0.1:5432 -> 5432` is an
    /// `invalid-ip` error, and the loopback fix inserted `127.0.0.1:`
    /// after the malformed address, which broke the spec. A malformed
    /// address says no interface at all: no exposure finding, no fix.
    #[test]
    fn a_malformed_address_is_not_published_everywhere_nor_fixed() {
        let spec = "stack shop\nservice db {\n    image postgres:16.4\n    publish 362.0.0.1:5432 -> 5432\n}\n";
        let source = SourceFile::new("t.spec", spec);
        let outcome = fix(&source, crate::Options::default());
        assert!(outcome.fixed.is_empty(), "{:?}", outcome.fixed);
        let codes: Vec<&str> = outcome.remaining.diagnostics.iter().map(|d| d.code).collect();
        assert!(codes.contains(&"invalid-ip"), "{codes:?}");
        assert!(!codes.contains(&"internal-port-published"), "{codes:?}");
        assert!(outcome.remaining.stack.is_some());
    }
}
