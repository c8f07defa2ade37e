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
pub mod lsp;
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

/// What a run reads besides the spec's text, and how it weighs findings.
#[derive(Clone, Copy, Default)]
pub struct Options<'a> {
    /// The rules' levels from `stackc.toml` and the command line; `None`
    /// runs no lint rules.
    pub policy: Option<&'a Policy>,
    /// Where the files the spec names are read from; `None` checks the
    /// spec's text alone: paths unchecked, facts from files unknown.
    pub files: Option<&'a dyn input::Files>,
    /// What `build` writes, and which target's lint rules run: the
    /// cluster's rules only for [`emit::Target::Kubernetes`].
    pub target: emit::Target,
}

/// Parses and resolves: is this a valid spec? Also finds the values that
/// no output format could carry. `build` also refuses error-level lint
/// findings, which `check` does not run. Reads no file.
pub fn check(source: &SourceFile) -> Analysis {
    analyze(source, Options::default())
}

/// Everything `check` finds, and every lint rule's findings at their
/// default severities (suppression comments apply). Reads no file.
pub fn lint(source: &SourceFile) -> Analysis {
    lint_with(source, &Policy::default())
}

/// [`lint`] with the rules' levels from `stackc.toml` and the command line.
pub fn lint_with(source: &SourceFile, policy: &Policy) -> Analysis {
    analyze(
        source,
        Options {
            policy: Some(policy),
            ..Options::default()
        },
    )
}

/// `check` (no policy) or `lint` (a policy), reading the files the spec
/// names when `options` gives a way to.
pub fn analyze(source: &SourceFile, options: Options) -> Analysis {
    run(source, options, Goal::Check).0
}

/// What `stackc build` produces before anything is written.
pub struct Build {
    pub diagnostics: Vec<Diagnostic>,
    /// `None` when an error-level diagnostic stands in the way.
    pub artifacts: Option<Vec<Artifact>>,
    /// The files the spec names, which diagnostics may point into.
    pub inputs: Option<input::Inputs>,
}

/// Lints the spec and, when no error remains, emits every file. Reads no
/// file: see [`build_with`].
pub fn build(source: &SourceFile, layout: &Layout) -> Build {
    let policy = Policy::default();
    build_with(
        source,
        layout,
        Options {
            policy: Some(&policy),
            ..Options::default()
        },
    )
}

/// [`build`] with the rules' levels from `stackc.toml` and the command line
/// (a rule turned off or down to a warning no longer stops it), and the
/// files the spec names.
pub fn build_with(source: &SourceFile, layout: &Layout, options: Options) -> Build {
    let (analysis, artifacts) = run(source, options, Goal::Build(layout));
    Build {
        diagnostics: analysis.diagnostics,
        artifacts,
        inputs: analysis.stack.map(|s| s.inputs),
    }
}

/// What a run of the pipeline is for.
enum Goal<'a> {
    /// Findings only: the emitters just report values they cannot write.
    Check,
    /// The files, laid out for this spec and output folder.
    Build(&'a Layout),
}

/// The pipeline: parse, resolve, read the files the spec names, lint with
/// the policy if one is given, and emit when no error stands in the way.
fn run(source: &SourceFile, options: Options, goal: Goal) -> (Analysis, Option<Vec<Artifact>>) {
    let (mut stack, mut diagnostics) = syntax::parse(source);
    let mut artifacts = None;
    if let Some(stack) = &mut stack {
        // Before resolution, which may ask the app's Dockerfile (does its
        // image have a HEALTHCHECK for `after X ready`?).
        if let Some(files) = options.files {
            let (inputs, problems) = input::load(stack, files);
            stack.inputs = inputs;
            diagnostics.extend(problems);
        }
        diagnostics.extend(resolve::resolve(stack));
        let stack = &*stack;
        if let Some(policy) = options.policy {
            let findings = lint::lint_with(stack, source, policy, options.target);
            diagnostics.extend(lint::beside_errors(findings, &diagnostics));
        }
        if !diagnostics.iter().any(Diagnostic::is_error) {
            match goal {
                Goal::Check => diagnostics.extend(emit::problems(stack, &Layout::placeholder())),
                Goal::Build(layout) => match emit::emit_for(stack, layout, options.target) {
                    Ok(emitted) => artifacts = Some(emitted),
                    Err(problems) => diagnostics.extend(problems),
                },
            }
        }
    }
    diagnostic::sort(&mut diagnostics);
    (Analysis { stack, diagnostics }, artifacts)
}
