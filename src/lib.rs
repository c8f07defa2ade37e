//! stackc: one declarative stack spec compiled into `compose.yaml`, one
//! Dockerfile per built image, and the proxy's `nginx.conf`.
//!
//! The pipeline, one module per arrow; data flows one way:
//!
//! ```text
//! spec text --syntax--> IR --resolve--> checked IR --lint--> diagnostics
//!                                                  --emit--> artifacts --write--> out/
//! ```
//!
//! ```
//! use stackc::{emit::Layout, source::SourceFile};
//!
//! let spec = SourceFile::new("stack.spec", "stack demo\nservice cache {\n    image redis:7.4\n}\n");
//! let build = stackc::build(&spec, &Layout::new("/srv/demo/stack.spec", "/srv/demo/out"));
//! let artifacts = build.artifacts.expect("a valid spec");
//! assert_eq!(artifacts[0].path, "compose.yaml");
//! assert!(artifacts[0].contents.contains("image: redis:7.4"));
//! ```

pub mod cli;
pub mod compose_keys;
pub mod compose_values;
pub mod config;
pub mod diagnostic;
pub mod emit;
pub mod fix;
pub mod fmt;
pub mod input;
pub mod ir;
pub mod lint;
pub mod render;
pub mod resolve;
pub mod source;
pub mod suggest;
pub mod syntax;
pub mod write;

use diagnostic::Diagnostic;
use emit::{Artifact, Layout};
use ir::Stack;
use lint::policy::Policy;
use source::SourceFile;

/// A spec read as far as it goes, and everything found on the way.
pub struct Analysis {
    /// `None` when the text does not parse.
    pub stack: Option<Stack>,
    /// Sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and resolves: is this a valid spec? Also finds the values that
/// no output format could carry. `build` also refuses error-level lint
/// findings, which `check` does not run.
pub fn check(source: &SourceFile) -> Analysis {
    run(source, None, Goal::Check).0
}

/// Everything `check` finds, and every lint rule's findings at their
/// default severities (suppression comments apply).
pub fn lint(source: &SourceFile) -> Analysis {
    lint_with(source, &Policy::default())
}

/// [`lint`] with the rules' levels from `stackc.toml` and the command line.
pub fn lint_with(source: &SourceFile, policy: &Policy) -> Analysis {
    run(source, Some(policy), Goal::Check).0
}

/// What `stackc build` produces before anything is written.
pub struct Build {
    pub diagnostics: Vec<Diagnostic>,
    /// `None` when an error-level diagnostic stands in the way.
    pub artifacts: Option<Vec<Artifact>>,
}

/// Lints the spec and, when no error remains, emits every file.
pub fn build(source: &SourceFile, layout: &Layout) -> Build {
    build_with(source, layout, &Policy::default())
}

/// [`build`] with the rules' levels from `stackc.toml` and the command line:
/// a rule turned off or down to a warning no longer stops it.
pub fn build_with(source: &SourceFile, layout: &Layout, policy: &Policy) -> Build {
    let (analysis, artifacts) = run(source, Some(policy), Goal::Build(layout));
    Build {
        diagnostics: analysis.diagnostics,
        artifacts,
    }
}

/// What a run of the pipeline is for.
enum Goal<'a> {
    /// Findings only: the emitters just report values they cannot write.
    Check,
    /// The files, laid out for this spec and output folder.
    Build(&'a Layout),
}

/// The pipeline: parse, resolve, lint with the policy if one is given, and
/// emit when no error stands in the way.
fn run(source: &SourceFile, lint: Option<&Policy>, goal: Goal) -> (Analysis, Option<Vec<Artifact>>) {
    let (stack, mut diagnostics) = syntax::parse(source);
    let mut artifacts = None;
    if let Some(stack) = &stack {
        diagnostics.extend(resolve::resolve(stack));
        if let Some(policy) = lint {
            let findings = lint::lint_with(stack, source, policy);
            diagnostics.extend(lint::beside_errors(findings, &diagnostics));
        }
        if !diagnostics.iter().any(Diagnostic::is_error) {
            match goal {
                Goal::Check => diagnostics.extend(emit::problems(stack, &Layout::placeholder())),
                Goal::Build(layout) => match emit::emit(stack, layout) {
                    Ok(emitted) => artifacts = Some(emitted),
                    Err(problems) => diagnostics.extend(problems),
                },
            }
        }
    }
    diagnostic::sort(&mut diagnostics);
    (Analysis { stack, diagnostics }, artifacts)
}
