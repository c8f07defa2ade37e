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

/// On musl, the static Linux binary's C library, mimalloc instead of musl's
/// allocator (see Cargo.toml); in the library, so the binary and the
/// examples scripts/bench.sh measures share it.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod cli;
pub mod compose_keys;
pub mod compose_paths;
pub mod compose_values;
pub mod config;
pub mod date;
pub mod diagnostic;
pub mod emit;
pub mod environment;
pub mod fix;
pub mod fmt;
pub mod helper;
pub mod import;
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

pub use date::Date;
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

/// Whether `--env` named an environment the spec does not declare: bad
/// input rather than a finding.
pub fn names_an_unknown_environment(diagnostics: &[Diagnostic]) -> bool {
    (diagnostics.iter()).any(|diagnostic| diagnostic.code == environment::UNKNOWN_ENVIRONMENT)
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
    /// The environment to check or build (`--env`); `None`: the base, and
    /// `check` also checks every environment (see [`environment`]).
    pub environment: Option<&'a str>,
    /// The day rules judge dates by (a version past its end of life): read
    /// from the clock once by the caller ([`Date::today`]), or pinned by a
    /// test; `None` turns those judgements off.
    pub today: Option<Date>,
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
/// Dates are judged as of today, by the clock.
pub fn lint_with(source: &SourceFile, policy: &Policy) -> Analysis {
    analyze(
        source,
        Options {
            policy: Some(policy),
            today: Some(Date::today()),
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
            today: Some(Date::today()),
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

/// The pipeline: parse, then the stack `options` asks for (the base, or
/// an environment of it) through [`stage`]. Without an environment,
/// `check` and `lint` also check every environment of the spec.
fn run(source: &SourceFile, options: Options, goal: Goal) -> (Analysis, Option<Vec<Artifact>>) {
    let (stack, mut diagnostics) = syntax::parse(source);
    let mut artifacts = None;
    let stack = stack.map(|base| match options.environment {
        Some(name) => match environment::derive(&base, name) {
            Ok(variant) => {
                let (mut variant, emitted) = stage(source, variant, options, &goal, true, &mut diagnostics);
                artifacts = emitted;
                if let (Goal::Build(layout), Some(files)) = (&goal, &mut artifacts) {
                    own_images(source, &base, &mut variant, files, options, layout, &mut diagnostics);
                }
                variant
            }
            Err(errors) => {
                diagnostics.extend(errors);
                base
            }
        },
        None => {
            let (base, emitted) = stage(source, base, options, &goal, true, &mut diagnostics);
            artifacts = emitted;
            if matches!(goal, Goal::Check) {
                check_environments(source, &base, options, &mut diagnostics);
            }
            if matches!(goal, Goal::Build(_)) && !environments_apply(&base, &mut diagnostics) {
                artifacts = None;
            }
            if let (Goal::Build(layout), Some(files)) = (&goal, &mut artifacts) {
                if options.target == emit::Target::Kubernetes {
                    // The overlays are written too, so their findings are
                    // the build's (a source mount left out on the cluster);
                    // their errors come back from `overlays` as the overlay
                    // left out.
                    let base_findings = diagnostics.len();
                    check_environments(source, &base, options, &mut diagnostics);
                    let mut index = 0;
                    diagnostics.retain(|d| {
                        index += 1;
                        index <= base_findings || !d.is_error()
                    });
                    let (overlays, left_out) = overlays(source, &base, options, layout);
                    diagnostics.extend(left_out);
                    match overlays {
                        Ok(overlays) => files.extend(overlays),
                        Err(problems) => {
                            diagnostics.extend(problems);
                            artifacts = None;
                        }
                    }
                }
            }
            base
        }
    });
    diagnostic::sort(&mut diagnostics);
    (Analysis { stack, diagnostics }, artifacts)
}

/// One stack through the stages: read the files it names (`load`, when
/// `options` gives a way to), resolve, lint with the policy if one is
/// given, and emit when no error stands in the way.
fn stage(
    source: &SourceFile,
    mut stack: Stack,
    options: Options,
    goal: &Goal,
    load: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Stack, Option<Vec<Artifact>>) {
    let mut artifacts = None;
    stack.today = options.today;
    // Before resolution, which may ask the app's Dockerfile (does its
    // image have a HEALTHCHECK for `after X ready`?).
    if let Some(files) = options.files.filter(|_| load) {
        let (inputs, problems) = input::load(&stack, files);
        stack.inputs = inputs;
        diagnostics.extend(problems);
    } else if stack.environment.is_some() {
        stack.inputs.follow_targets(&stack.services);
    }
    let (resolved, problems) = resolve_beside_problems(&stack, goal, options.target);
    diagnostics.extend(resolved);
    if let Some(policy) = options.policy {
        let findings = lint::lint_with(&stack, source, policy, options.target);
        let beside = lint::beside_errors(findings, diagnostics);
        diagnostics.extend(beside);
    }
    if !diagnostics.iter().any(Diagnostic::is_error) {
        match goal {
            Goal::Check => diagnostics
                .extend(problems.unwrap_or_else(|| emit::problems_for(&stack, &Layout::placeholder(), options.target))),
            Goal::Build(layout) => match emit::emit_for(&stack, layout, options.target) {
                Ok(emitted) => artifacts = Some(emitted),
                Err(problems) => diagnostics.extend(problems),
            },
        }
    }
    (stack, artifacts)
}

/// Resolution's findings and, for a check of a stack of at least
/// [`PROBLEMS_BESIDE_FROM`] containers, the emitters' problems found on a
/// helper thread meanwhile (`None` otherwise). Both only read the stack,
/// and each takes about a tenth of a large check; the problems are kept
/// only where no error comes up, as when they are found after.
fn resolve_beside_problems(
    stack: &Stack,
    goal: &Goal,
    target: emit::Target,
) -> (Vec<Diagnostic>, Option<Vec<Diagnostic>>) {
    let beside =
        matches!(goal, Goal::Check) && stack.services.len() >= PROBLEMS_BESIDE_FROM && crate::helper::cores() > 1;
    if !beside {
        return (resolve::resolve_for(stack, target), None);
    }
    std::thread::scope(|scope| {
        let problems = helper::start(scope, || emit::problems_for(stack, &Layout::placeholder(), target));
        let resolved = resolve::resolve_for(stack, target);
        (resolved, Some(problems.join()))
    })
}

/// From this many services, jobs and proxies, a check finds the emitters'
/// problems beside resolution: starting the thread costs tens of
/// microseconds, the work it overlaps a few milliseconds (about where the
/// parse gets a thread of its own too).
const PROBLEMS_BESIDE_FROM: usize = 150;

/// Gives the built images of an environment's build that differ from the
/// base's a tag of their own ([`environment::tags`]), and writes its files
/// again with those names: compose's, or a cluster's, which runs the same
/// images as the environment's overlay.
fn own_images(
    source: &SourceFile,
    base: &Stack,
    variant: &mut Stack,
    files: &mut Vec<Artifact>,
    options: Options,
    layout: &Layout,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(name) = options.environment else {
        return;
    };
    // A cluster's stack runs the images compose builds for the environment,
    // the tags its overlay names too.
    let compose_files = (options.target == emit::Target::Compose).then_some(files.as_slice());
    let differing = differing_images(source, base, variant, compose_files, options, layout);
    if differing.is_empty() {
        return;
    }
    environment::tags::rename(variant, &differing, name);
    match emit::emit_for(variant, layout, options.target) {
        Ok(renamed) => *files = renamed,
        Err(problems) => diagnostics.extend(problems),
    }
}

/// The built services of an environment's stack whose image is not the
/// base's ([`environment::tags::differing`]), as their compose builds
/// say: `variant_files` when the variant was built for compose already,
/// else it is built here (a cluster's overlay runs the same images).
fn differing_images(
    source: &SourceFile,
    base: &Stack,
    variant: &Stack,
    variant_files: Option<&[Artifact]>,
    options: Options,
    layout: &Layout,
) -> Vec<String> {
    let quiet = Options {
        policy: None,
        target: emit::Target::Compose,
        ..options
    };
    let build = |stack: &Stack| {
        stage(
            source,
            stack.clone(),
            quiet,
            &Goal::Build(layout),
            true,
            &mut Vec::new(),
        )
    };
    let (base, base_files) = build(base);
    let built;
    let variant_files = match variant_files {
        Some(files) => files,
        None => {
            built = build(variant).1;
            built.as_deref().unwrap_or_default()
        }
    };
    environment::tags::differing(&base, base_files.as_deref().unwrap_or_default(), variant, variant_files)
}

/// Whether every environment of `base` applies to it: one that cannot
/// (`set command` on a service with none) is a mistake in the spec,
/// whichever stack is built, as `check` says; its errors are the build's
/// (a build of the base alone passed in CI, and `--env dev` failed later).
fn environments_apply(base: &Stack, diagnostics: &mut Vec<Diagnostic>) -> bool {
    let mut apply = true;
    for name in base.environment_names() {
        if let Err(errors) = environment::derive(base, name) {
            // Worded as `check` words it.
            diagnostics.extend(errors.into_iter().map(|mut error| {
                error.message = format!("in environment `{name}`: {}", error.message);
                error
            }));
            apply = false;
        }
    }
    apply
}

/// A Kubernetes build's overlays: one per environment of `base` that a
/// cluster can run, each checked and linted for the cluster like the base,
/// and written as what its stack's manifests change in the base's. An
/// environment with errors on a cluster (a development one that mounts the
/// source folder) gets no overlay, and each of its errors comes back as a
/// warning saying so.
fn overlays(
    source: &SourceFile,
    base: &Stack,
    options: Options,
    layout: &Layout,
) -> (Result<Vec<Artifact>, Vec<Diagnostic>>, Vec<Diagnostic>) {
    let mut environments = Vec::new();
    let mut left_out = Vec::new();
    for name in base.environment_names() {
        let mut errors = Vec::new();
        match environment::derive(base, name) {
            Ok(variant) => {
                let mut found = Vec::new();
                let (mut variant, _) = stage(source, variant, options, &Goal::Check, false, &mut found);
                errors.extend(found.into_iter().filter(Diagnostic::is_error));
                if errors.is_empty() {
                    // The environment's own images, tagged as its compose
                    // build tags them (a `target dev` stage): the overlay
                    // ran the base's image with the environment's settings.
                    let differing = differing_images(source, base, &variant, None, options, layout);
                    environment::tags::rename(&mut variant, &differing, name);
                    environments.push((name.to_string(), variant));
                }
            }
            // Said by `environments_apply`, as an error of the build.
            Err(_) => continue,
        }
        for mut error in errors {
            error.severity = diagnostic::Severity::Warning;
            error.message = format!(
                "environment `{name}` gets no overlay for the cluster: {}",
                error.message
            );
            left_out.push(error);
        }
    }
    let overlays = emit::kubernetes::environment_overlays(base, &environments, layout);
    (overlays, left_out)
}

/// Checks every environment of `base` and adds what they find that the
/// base's check did not, each finding once, saying in which environments
/// it holds (`in every environment` for one on a line of the base that
/// holds in all of them). The environments reuse the files the base's
/// check read, so every diagnostic points into the same files; `--env`
/// reads an environment's own.
fn check_environments(source: &SourceFile, base: &Stack, options: Options, diagnostics: &mut Vec<Diagnostic>) {
    type Key = (&'static str, String, Option<source::Span>);
    let key = |d: &Diagnostic| -> Key { (d.code, d.message.clone(), d.primary_span()) };
    let in_base: std::collections::HashSet<Key> = diagnostics.iter().map(key).collect();
    let names: Vec<&str> = base.environment_names().collect();
    // Each finding with the environments it holds in, in order.
    let mut findings: Vec<(Diagnostic, Vec<&str>)> = Vec::new();
    let mut positions: std::collections::HashMap<Key, usize> = std::collections::HashMap::new();
    for &name in &names {
        // An environment that changes nothing and is held to the base's
        // rules is the base: its findings are the base's, reported already.
        let same_as_base = base
            .environment_named(name)
            .is_some_and(|e| e.changes_nothing() && e.is_production() == base.is_deployed());
        if same_as_base {
            continue;
        }
        let mut found = Vec::new();
        match environment::derive(base, name) {
            Ok(variant) => {
                stage(source, variant, options, &Goal::Check, false, &mut found);
            }
            Err(errors) => found = errors,
        }
        for diagnostic in found {
            let key = key(&diagnostic);
            if in_base.contains(&key) {
                continue;
            }
            match positions.get(&key) {
                Some(&at) if findings[at].1.last() == Some(&name) => {}
                Some(&at) => findings[at].1.push(name),
                None => {
                    positions.insert(key, findings.len());
                    findings.push((diagnostic, vec![name]));
                }
            }
        }
    }
    let in_an_environment = |at: source::Span| {
        base.environments
            .iter()
            .any(|e| e.span.start() <= at.start() && at.end() <= e.span.end())
    };
    for (mut diagnostic, holds_in) in findings {
        let everywhere = names.len() > 1
            && holds_in.len() == names.len()
            && !diagnostic.primary_span().is_some_and(in_an_environment);
        let which = match holds_in.as_slice() {
            _ if everywhere => "every environment".to_string(),
            [one] => format!("environment `{one}`"),
            several => {
                let quoted: Vec<String> = several.iter().map(|n| format!("`{n}`")).collect();
                format!("environments {}", quoted.join(", "))
            }
        };
        diagnostic.message = format!("in {which}: {}", diagnostic.message);
        // A fix on a line of the base changes every environment and the
        // base, where this finding does not hold: `--fix` could trade one
        // environment's finding for another's, round after round. Only a
        // fix inside the environment's own block is kept.
        if !diagnostic.primary_span().is_some_and(in_an_environment) {
            diagnostic.fix = None;
        }
        diagnostics.push(diagnostic);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An environment that changes nothing and has the base's production
    /// standing is not checked again, and nothing is lost by it: a finding
    /// of the base is reported once either way, and an empty environment
    /// that is not production (whose rules differ) is still checked.
    #[test]
    fn an_environment_that_changes_nothing_adds_no_finding() {
        let base = "stack shop\n\nservice web {\n    image python:3.12-slim\n    command \"python manage.py runserver 0.0.0.0:8000\"\n    env {\n        DEBUG = \"1\"\n    }\n}\n";
        let lint = |text: String| {
            let source = SourceFile::new("stack.spec", text);
            let findings = lint(&source).diagnostics;
            findings.iter().map(|d| d.message.clone()).collect::<Vec<_>>()
        };
        let alone = lint(base.to_string());
        assert!(alone.iter().any(|m| m.contains("DEBUG")), "{alone:?}");
        assert_eq!(lint(format!("{base}\nenvironment prod {{\n}}\n")), alone);
        let with_dev = lint(format!("{base}\nenvironment dev {{\n}}\n"));
        assert_eq!(with_dev, alone, "dev relaxes rules: it adds nothing here either");
        // A development base with an empty `prod`: prod is held to the
        // production rules the base is not, so it is checked.
        let development = base.replacen("stack shop", "stack shop development", 1);
        assert!(!lint(development.clone()).iter().any(|m| m.contains("DEBUG")));
        let prod = lint(format!("{development}\nenvironment prod {{\n}}\n"));
        assert!(
            prod.iter()
                .any(|m| m.starts_with("in environment `prod`:") && m.contains("DEBUG")),
            "{prod:?}"
        );
    }
}
