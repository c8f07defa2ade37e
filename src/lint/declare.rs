//! `declare_rule!`: a rule's struct, metadata and documentation in one place.

/// The optional `target:` of a rule, as its metadata holds it.
pub const fn target(given: &[crate::emit::Target]) -> Option<crate::emit::Target> {
    match given {
        [target] => Some(*target),
        _ => None,
    }
}

/// Declares a rule: its doc comment becomes both the struct's rustdoc and the
/// text of `stackc explain NAME`. `fixable: true` says the rule offers
/// `stackc lint --fix` edits (the tests then check them).
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        pub struct $rule:ident {
            name: $name:literal,
            severity: $severity:ident,
            summary: $summary:literal
            $(, fixable: $fixable:literal)?
            $(, target: $target:ident)? $(,)?
        }
    ) => {
        $(#[doc = $doc])+
        pub struct $rule;

        impl $rule {
            pub const META: $crate::lint::RuleMeta = $crate::lint::RuleMeta {
                name: $name,
                severity: $crate::diagnostic::Severity::$severity,
                summary: $summary,
                doc: concat!($($doc, "\n"),+),
                fixable: false $(|| $fixable)?,
                target: $crate::lint::declare::target(&[$($crate::emit::Target::$target)?]),
            };
        }

        impl $crate::lint::Declared for $rule {
            fn meta(&self) -> &'static $crate::lint::RuleMeta {
                &Self::META
            }
        }
    };
}
