//! The `stackc` command line: the only module that reads arguments, prints,
//! or touches the file system (through [`crate::write`]).
//!
//! Exit codes: 0 clean, 1 findings (errors for `build` and `check`; for
//! `lint`, any finding at or above `--fail-on`), 2 bad input or I/O (a
//! missing or unreadable spec, a spec that is not UTF-8, an output folder
//! stackc may not replace).

mod discover;
mod format_specs;
mod generate;
mod import;
mod output;
mod settings;

use std::io::{IsTerminal, Read as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::diagnostic::{Diagnostic, Severity};
use crate::emit::Layout;
use crate::input::fs;
use crate::lint::{codes, docs, registry};
use crate::render::{self, FileReport, HumanRenderer};
use crate::source::SourceFile;
use crate::write;

#[derive(Parser, Debug)]
#[command(
    name = "stackc",
    version = env!("STACKC_VERSION"),
    about = "Compile a stack spec into compose.yaml, Dockerfiles and nginx.conf"
)]
struct Cli {
    /// Print only diagnostics and errors: no summary or status lines.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also print which specs are read and which stackc.toml applies to each.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check, lint and write compose.yaml, the Dockerfiles and nginx.conf.
    Build {
        /// The stack spec (default: `stack.spec` here, as `lint` and `import` name it).
        #[arg(default_value = "stack.spec", hide_default_value = true)]
        spec: PathBuf,
        /// The output folder; replaced as a whole, only if stackc wrote it.
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
        /// The environment to build (an `environment NAME` block of the spec);
        /// without it, the stack outside the environments.
        #[arg(long = "env", value_name = "NAME")]
        env: Option<String>,
        /// What to write: compose.yaml, or a Kustomize base for a cluster.
        #[arg(long, value_enum, default_value_t = TargetArg::Compose)]
        target: TargetArg,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Parse and resolve the spec; report errors only.
    Check {
        /// The stack spec; `-` reads it from stdin (default: `stack.spec` here, as `lint` and `import` name it).
        #[arg(default_value = "stack.spec", hide_default_value = true)]
        spec: PathBuf,
        /// The environment to check (an `environment NAME` block of the spec);
        /// without it, the base and every environment.
        #[arg(long = "env", value_name = "NAME")]
        env: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        stdin: StdinArgs,
    },
    /// Check specs and run every lint rule.
    Lint {
        /// Spec files or folders (searched for `*.spec`, `.gitignore`
        /// honoured); `-` reads a spec from stdin. Without any: `stack.spec`
        /// in this folder, or else every `*.spec` below it.
        paths: Vec<PathBuf>,
        /// The environment to lint (an `environment NAME` block of the spec);
        /// without it, the base and every environment.
        #[arg(long = "env", value_name = "NAME")]
        env: Option<String>,
        /// Rewrite each spec with every mechanical fix (comments and
        /// layout kept), then report what remains.
        #[arg(long)]
        fix: bool,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        rules: RuleArgs,
        /// Exit 1 on findings of this severity or above (default: stackc.toml's
        /// `[lint] fail-on`, else `warning`: a note alone never fails); below
        /// it they are still reported.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
        /// Exit 0 even when findings reach --fail-on (a spec that cannot be
        /// read still exits 2).
        #[arg(long)]
        exit_zero: bool,
        #[command(flatten)]
        stdin: StdinArgs,
        /// Write the --allow and --deny levels into stackc.toml (the
        /// nearest one above each spec, or a new one beside it), keeping
        /// its comments.
        #[arg(long)]
        save: bool,
        /// Skip files that are not stack specs (RPM or PyInstaller `.spec`
        /// files): those not named `stack.spec` or `*.stack.spec` whose first
        /// statement is not a stackc one. For hooks given every `*.spec`.
        #[arg(long)]
        only_stack_specs: bool,
        /// Also run the rules of this target (`kubernetes`: the rules that
        /// only matter on a cluster).
        #[arg(long, value_enum, default_value_t = TargetArg::Compose)]
        target: TargetArg,
        /// Deep mode: also run hadolint, gixy and dclint (each found on
        /// PATH) on the files stackc emits for the spec, in a temporary
        /// folder, and report their findings (`hadolint/DL3008`) on the spec
        /// lines that produced the lines they flag. A peer not on PATH is
        /// a note; compose target only; slower (the peers take seconds).
        #[arg(long)]
        peers: bool,
    },
    /// Rewrite specs in the canonical layout; `--check` only reports.
    Fmt {
        /// Spec files, or folders to search for `*.spec` files; `-` formats
        /// stdin onto stdout.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Change nothing; show a diff of each file that is not formatted
        /// and exit 1 if there is one.
        #[arg(long)]
        check: bool,
        /// When to colour the diagnostics of a spec that does not parse.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
        #[command(flatten)]
        stdin: StdinArgs,
    },
    /// Read a compose project (compose.yaml, its Dockerfiles, an nginx
    /// config) into a spec, with a report of every setting not carried over.
    Import {
        /// A compose file, or the folder holding one (default: here).
        input: Option<PathBuf>,
        /// An nginx config for the proxy (repeatable).
        #[arg(long, value_name = "FILE")]
        nginx: Vec<PathBuf>,
        /// The spec to write.
        #[arg(short, long, default_value = "stack.spec")]
        out: PathBuf,
        /// Fail (exit 1, nothing written) when any setting is dropped.
        #[arg(long)]
        strict: bool,
        /// Read the compose file with stackc's own reader, even where a
        /// compose binary could resolve it (`docker compose config`).
        #[arg(long)]
        no_compose: bool,
        /// Replace the spec if it is there already.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Run the language server on stdin and stdout, for editors.
    Lsp,
    /// Explain a lint rule or any other diagnostic code, or list the rules.
    Explain {
        /// A rule name, such as `default-credentials`, or a diagnostic's
        /// code, such as `unknown-volume`.
        code: Option<String>,
        /// Print every rule's documentation as Markdown (`docs/rules.md`).
        #[arg(long, conflicts_with = "code")]
        markdown: bool,
    },
    /// Print a shell's completion script, generated from these commands.
    #[command(after_help = generate::COMPLETIONS_HELP)]
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), or write one per command into a folder.
    Man {
        /// Write `stackc.1` and `stackc-COMMAND.1` into this folder.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

/// For a spec read from stdin.
#[derive(clap::Args, Debug)]
struct StdinArgs {
    /// The path a spec read from stdin (`-`) stands for: shown in messages,
    /// and the folder its files and stackc.toml are found from.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct OutputArgs {
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// When to colour human output; `auto` colours a terminal, honouring
    /// NO_COLOR, CLICOLOR_FORCE and TERM=dumb.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

/// Rule levels for one run, over `stackc.toml`.
#[derive(clap::Args, Debug)]
struct RuleArgs {
    /// Turn a lint rule off (repeatable). Spec errors cannot be allowed.
    #[arg(long, value_name = "RULE")]
    allow: Vec<String>,
    /// Make a lint rule's findings errors (repeatable).
    #[arg(long, value_name = "RULE")]
    deny: Vec<String>,
    /// Judge dates (a version past its end of life) as of this day instead
    /// of today: a report that does not change as time passes.
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<crate::Date>,
}

impl RuleArgs {
    /// The day rules judge dates by: `--today`, else the clock, read once
    /// for the whole run.
    fn today(&self) -> crate::Date {
        self.today.unwrap_or_else(crate::Date::today)
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// miette reports, on stderr.
    Human,
    /// A JSON array of diagnostics with lines and columns, on stdout.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning, on stdout.
    Sarif,
    /// GitHub Actions annotations (`::error file=...`), on stdout.
    Github,
    /// `file:line:col: severity: message [code]` lines (gcc's shape, byte
    /// columns), on stdout.
    Short,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TargetArg {
    /// compose.yaml, the Dockerfiles and nginx.conf.
    Compose,
    /// base/: Kustomize manifests (and the apps' Dockerfiles).
    Kubernetes,
}

impl From<TargetArg> for crate::emit::Target {
    fn from(target: TargetArg) -> Self {
        match target {
            TargetArg::Compose => crate::emit::Target::Compose,
            TargetArg::Kubernetes => crate::emit::Target::Kubernetes,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FailOn {
    /// Any finding.
    Info,
    Warning,
    Error,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Info => Severity::Info,
            FailOn::Warning => Severity::Warning,
            FailOn::Error => Severity::Error,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

pub fn main() -> ExitCode {
    let cli = plain_lint(std::env::args_os()).unwrap_or_else(Cli::parse);
    output::set_verbosity(match (cli.quiet, cli.verbose) {
        (true, _) => output::Verbosity::Quiet,
        (false, true) => output::Verbosity::Verbose,
        (false, false) => output::Verbosity::Normal,
    });
    match run(cli.command) {
        Ok(code) => code,
        Err(failure) => {
            print_failure(&failure);
            ExitCode::from(2)
        }
    }
}

/// `stackc lint PATH...` without an option, as a pre-commit hook runs it
/// on every commit, read without clap: building clap's definition of every
/// command and option is a tenth of linting a spec. Anything else, even
/// one option or a path starting with `-`, is left to clap (`None`), and a
/// test checks that both read the same.
fn plain_lint(args: impl IntoIterator<Item = std::ffi::OsString>) -> Option<Cli> {
    let mut args = args.into_iter().skip(1);
    if args.next()? != *"lint" {
        return None;
    }
    let paths: Vec<PathBuf> = args.map(PathBuf::from).collect();
    let plain = |path: &PathBuf| !matches!(path.as_os_str().as_encoded_bytes().first(), None | Some(b'-'));
    if !paths.iter().all(plain) {
        return None;
    }
    Some(Cli {
        quiet: false,
        verbose: false,
        command: Command::Lint {
            paths,
            env: None,
            fix: false,
            output: OutputArgs {
                format: Format::Human,
                color: Color::Auto,
            },
            rules: RuleArgs {
                allow: Vec::new(),
                deny: Vec::new(),
                today: None,
            },
            fail_on: None,
            exit_zero: false,
            stdin: StdinArgs { stdin_filename: None },
            save: false,
            only_stack_specs: false,
            target: TargetArg::Compose,
            peers: false,
        },
    })
}

fn print_failure(failure: &Failure) {
    let mut text = format!("error: {}\n", failure.message);
    if let Some(help) = &failure.help {
        text.push_str(&format!("  help: {help}\n"));
    }
    output::stderr(&text);
}

/// A problem outside the spec's text: I/O, encoding, the output folder.
struct Failure {
    message: String,
    help: Option<String>,
}

impl Failure {
    fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            help: None,
        }
    }
}

fn run(command: Command) -> Result<ExitCode, Failure> {
    match command {
        Command::Build {
            spec,
            out,
            env,
            target,
            output,
            rules,
        } => build(&spec, &out, env.as_deref(), target, &output, &rules),
        Command::Check {
            spec,
            env,
            output,
            stdin,
        } => {
            let source = match read_input(&spec, &stdin) {
                Ok(source) => source,
                Err(failure) => {
                    let unreadable = [unreadable(stdin.shown(&spec), &failure)];
                    report_unreadable(&unreadable, &output, failure)?;
                    return Ok(ExitCode::from(2));
                }
            };
            let files = spec_files(stdin.path(&spec));
            // No lint rule runs: no date to judge by.
            let options = crate::Options {
                policy: None,
                files: Some(&files),
                environment: env.as_deref(),
                target: crate::emit::Target::Compose,
                today: None,
            };
            let analysis = crate::analyze(&source, options);
            report(&[report_of(&source, &analysis)], &output)?;
            let code = if crate::names_an_unknown_environment(&analysis.diagnostics) {
                ExitCode::from(2)
            } else {
                exit_code(analysis.has_errors())
            };
            leave_to_exit(analysis);
            Ok(code)
        }
        Command::Lint {
            paths,
            env,
            fix,
            output,
            rules,
            fail_on,
            exit_zero,
            stdin,
            save,
            only_stack_specs,
            target,
            peers,
        } => lint(
            &paths,
            &LintOptions {
                env: env.as_deref(),
                fix,
                fail_on,
                exit_zero,
                save,
                only_stack_specs,
                target,
                peers,
            },
            &output,
            &rules,
            &stdin,
        ),
        Command::Fmt {
            paths,
            check,
            color,
            stdin,
        } => format_specs::run(&paths, check, color, &stdin),
        Command::Explain { code, markdown } => explain(code.as_deref(), markdown),
        Command::Import {
            input,
            nginx,
            out,
            strict,
            no_compose,
            force,
            output,
        } => import::run(
            import::Args {
                input: input.as_deref(),
                nginx: &nginx,
                out: &out,
                strict,
                no_compose,
                force,
            },
            &output,
        ),
        Command::Lsp => crate::lsp::run().map(|()| ExitCode::SUCCESS).map_err(Failure::new),
        Command::Completions { shell } => generate::completions(shell, Cli::command()),
        Command::Man { out_dir } => generate::man(Cli::command(), out_dir.as_deref()),
    }
}

/// `lint --fix`: rewrites the spec in place, says what was fixed, and
/// hands back the new text with what remains in it.
fn fix_spec(
    path: &Path,
    source: &SourceFile,
    options: crate::Options,
) -> Result<(SourceFile, crate::Analysis), Failure> {
    let outcome = crate::fix::fix(source, options);
    if outcome.changed() {
        write::replace_file(path, outcome.source.text.as_bytes()).map_err(|e| Failure::new(e.to_string()))?;
    }
    for fixed in &outcome.fixed {
        output::status(&format!(
            "fixed {}:{}: {} [{}]",
            source.name, fixed.line, fixed.message, fixed.code
        ));
    }
    // Findings left and nothing changed: say so, or `--fix` looks broken.
    if outcome.fixed.is_empty() && !outcome.remaining.diagnostics.is_empty() {
        output::status(&format!(
            "stackc: no finding in {} has a mechanical fix; each one's help says what to change",
            source.name
        ));
    }
    Ok((outcome.source, outcome.remaining))
}

fn exit_code(findings: bool) -> ExitCode {
    if findings {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn build(
    spec: &Path,
    out: &Path,
    env: Option<&str>,
    target: TargetArg,
    output: &OutputArgs,
    rules: &RuleArgs,
) -> Result<ExitCode, Failure> {
    let mut finder = settings::Finder::new(settings::from_command_line(&rules.allow, &rules.deny)?);
    let source = read_spec(spec)?;
    let Some(settings) = finder.settings(spec) else {
        let broken = finder.broken();
        let reports: Vec<FileReport> = broken
            .iter()
            .map(|(file, problems)| FileReport::new(file, problems))
            .collect();
        report(&reports, output)?;
        return Err(Failure::new(nothing_written(out)));
    };
    announce("building", &source, &mut finder, spec);
    let layout = Layout::new(real_file_place(spec)?, real_place(out)?);
    let files = spec_files(spec);
    let options = crate::Options {
        policy: Some(&settings.policy),
        files: Some(&files),
        environment: env,
        target: target.into(),
        today: Some(rules.today()),
    };
    let result = crate::build_with(&source, &layout, options);
    let inputs = result.inputs.as_ref().map_or(&[][..], |i| &i.sources[..]);
    report(
        &[FileReport::new(&source, &result.diagnostics).with_inputs(inputs)],
        output,
    )?;
    let Some(artifacts) = result.artifacts else {
        output::stderr(&format!("stackc: {}\n", nothing_written(out)));
        let bad_input = crate::names_an_unknown_environment(&result.diagnostics);
        return Ok(ExitCode::from(if bad_input { 2 } else { 1 }));
    };
    let warnings =
        write::write_output(&layout.out_dir, &layout.spec_for_header(), &artifacts).map_err(|e| Failure {
            help: e.help().map(str::to_string),
            message: e.to_string(),
        })?;
    for warning in warnings {
        output::stderr(&format!("warning: {warning}\n"));
    }
    let plural = if artifacts.len() == 1 { "" } else { "s" };
    output::status(&format!(
        "stackc: wrote {} file{plural} and {} to {}",
        artifacts.len(),
        write::MANIFEST,
        out.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// What a build that stopped did to its output folder: nothing, and an
/// existing one is as it was (one that is not there is not mentioned as
/// if it were).
fn nothing_written(out: &Path) -> String {
    if out.exists() {
        format!("nothing written; {} is unchanged", out.display())
    } else {
        format!("nothing written: {} was not made", out.display())
    }
}

/// `lint`'s switches, besides where its input and output go.
struct LintOptions<'a> {
    /// `--env`: the environment to lint.
    env: Option<&'a str>,
    fix: bool,
    fail_on: Option<FailOn>,
    exit_zero: bool,
    save: bool,
    only_stack_specs: bool,
    /// `--target`: the cluster's rules too.
    target: TargetArg,
    /// `--peers`: the peer linters on the emitted files too.
    peers: bool,
}

/// Lints every spec with its settings, reports them all at once, and exits
/// 2 if a spec or its `stackc.toml` could not be read or is broken (after
/// reporting the others), else 1 if any finding reaches its threshold
/// (unless `--exit-zero`).
fn lint(
    paths: &[PathBuf],
    options: &LintOptions,
    output: &OutputArgs,
    rules: &RuleArgs,
    stdin: &StdinArgs,
) -> Result<ExitCode, Failure> {
    let mut finder = settings::Finder::new(settings::from_command_line(&rules.allow, &rules.deny)?);
    let mut specs = discover::specs(paths).map_err(Failure::new)?;
    if options.only_stack_specs {
        specs = discover::stack_specs_only(specs);
    }
    if options.fix && specs.iter().any(|spec| is_stdin(spec)) {
        return Err(Failure::new("--fix rewrites spec files, and cannot rewrite stdin"));
    }
    if options.save {
        let paths: Vec<PathBuf> = specs.iter().map(|spec| stdin.path(spec).to_path_buf()).collect();
        finder.save(&paths)?;
    }
    let today = rules.today();
    let mut bad_input = false;
    let mut unreadable_specs = Vec::new();
    let mut linted = Vec::new();
    for spec in &specs {
        let source = match read_input(spec, stdin) {
            Ok(source) => source,
            Err(failure) => {
                unreadable_specs.push(unreadable(stdin.shown(spec), &failure));
                if matches!(output.format, Format::Human) {
                    print_failure(&failure);
                }
                bad_input = true;
                continue;
            }
        };
        let path = stdin.path(spec);
        let Some(settings) = finder.settings(path) else {
            bad_input = true;
            continue;
        };
        announce("linting", &source, &mut finder, path);
        let threshold = options
            .fail_on
            .map(FailOn::severity)
            .or(settings.fail_on)
            .unwrap_or(Severity::Warning);
        let files = spec_files(path);
        let analysis_options = crate::Options {
            policy: Some(&settings.policy),
            files: Some(&files),
            environment: options.env,
            target: options.target.into(),
            today: Some(today),
        };
        let (source, analysis) = if options.fix {
            match fix_spec(spec, &source, analysis_options) {
                Ok(fixed) => fixed,
                Err(failure) => {
                    print_failure(&failure);
                    bad_input = true;
                    continue;
                }
            }
        } else {
            let analysis = crate::analyze(&source, analysis_options);
            (source, analysis)
        };
        let analysis = if options.peers {
            with_peers(&source, analysis, options)
        } else {
            analysis
        };
        bad_input |= crate::names_an_unknown_environment(&analysis.diagnostics);
        linted.push((source, analysis, threshold));
    }
    let broken = finder.broken();
    let machine_readable = !matches!(output.format, Format::Human);
    let reports: Vec<FileReport> = broken
        .iter()
        .map(|(file, problems)| FileReport::new(file, problems))
        .chain(
            (unreadable_specs.iter())
                .filter(|_| machine_readable)
                .map(|(file, problems)| FileReport::new(file, problems)),
        )
        .chain(linted.iter().map(|(source, analysis, _)| report_of(source, analysis)))
        .collect();
    report(&reports, output)?;
    let failing = !options.exit_zero
        && linted
            .iter()
            .any(|(_, analysis, threshold)| analysis.diagnostics.iter().any(|d| d.severity >= *threshold));
    leave_to_exit(linted);
    Ok(match (bad_input, failing) {
        (true, _) => ExitCode::from(2),
        (false, findings) => exit_code(findings),
    })
}

/// `analysis` with the peer linters' findings (see [`crate::lint::peers`]).
fn with_peers(source: &SourceFile, mut analysis: crate::Analysis, options: &LintOptions) -> crate::Analysis {
    let Some(stack) = &analysis.stack else {
        return analysis;
    };
    let found = crate::lint::peers::run(&crate::lint::peers::Request {
        source,
        stack,
        with_environments: options.env.is_none(),
        target: options.target.into(),
        has_errors: analysis.has_errors(),
        reported: &analysis.diagnostics,
    });
    analysis.diagnostics.extend(found);
    crate::diagnostic::sort(&mut analysis.diagnostics);
    analysis
}

/// A spec that could not be read, as a file-level result for the formats
/// programs read (JSON, SARIF, short, GitHub), so a run that read nothing
/// does not look clean to them.
fn unreadable(name: String, failure: &Failure) -> (SourceFile, Vec<Diagnostic>) {
    let mut diagnostic = Diagnostic::error(codes::UNREADABLE_FILE, failure.message.clone());
    diagnostic.help = failure.help.clone();
    (SourceFile::new(name, ""), vec![diagnostic])
}

/// Reports specs that could not be read: as results in the formats for
/// programs, as the failure in words for people.
fn report_unreadable(
    unreadable: &[(SourceFile, Vec<Diagnostic>)],
    output: &OutputArgs,
    failure: Failure,
) -> Result<(), Failure> {
    if matches!(output.format, Format::Human) {
        print_failure(&failure);
        return Ok(());
    }
    let reports: Vec<FileReport> = unreadable
        .iter()
        .map(|(file, problems)| FileReport::new(file, problems))
        .collect();
    report(&reports, output)
}

/// With `-v`: which spec is read, and the `stackc.toml` that applies to it.
fn announce(verb: &str, source: &SourceFile, finder: &mut settings::Finder, path: &Path) {
    let name = &source.name;
    output::detail(&match finder.config_file(path) {
        Some(file) => format!("stackc: {verb} {name} with {}", settings::shown(&file)),
        None => format!("stackc: {verb} {name}"),
    });
    announce_allowed_errors(source);
}

/// One line on stderr, whatever the format, naming the error-level rules
/// the spec's `# stackc: allow(...)` comments allow, as a `stackc.toml`
/// that lowers them is named.
fn announce_allowed_errors(source: &SourceFile) {
    let allowed: Vec<String> = (crate::lint::suppress::allowed_errors(source).into_iter())
        .map(|(rule, line)| format!("{rule} (line {line})"))
        .collect();
    if !allowed.is_empty() {
        output::stderr(&format!(
            "stackc: {} allows error-level rules in comments: {}\n",
            source.name,
            allowed.join(", ")
        ));
    }
}

/// Leaves a run's results to the process's exit, which hands their memory
/// back to the system at once: freeing a large stack string by string
/// takes longer than a tenth of checking it.
fn leave_to_exit<T>(results: T) {
    std::mem::forget(results);
}

/// The files a spec names, read from its folder.
fn spec_files(spec: &Path) -> crate::input::Disk {
    let shown = spec.parent().unwrap_or(Path::new(""));
    crate::input::Disk::new(shown, shown)
}

/// A spec's findings, with the files they may point into.
fn report_of<'a>(source: &'a SourceFile, analysis: &'a crate::Analysis) -> FileReport<'a> {
    let inputs = analysis.stack.as_ref().map_or(&[][..], |s| &s.inputs.sources[..]);
    FileReport::new(source, &analysis.diagnostics).with_inputs(inputs)
}

fn absolute(path: &Path) -> Result<PathBuf, Failure> {
    std::path::absolute(path).map_err(|e| Failure::new(format!("{}: {e}", path.display())))
}

/// `path` absolute, with the links of the folders on it that exist
/// followed: compose walks the `..` of a path in compose.yaml from where
/// the output folder really is (`-o LINK/out` put `../../app` elsewhere).
fn real_place(path: &Path) -> Result<PathBuf, Failure> {
    let absolute = absolute(path)?;
    let mut there = absolute.as_path();
    let mut below = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(there) {
            return Ok(below.iter().rev().fold(real, |place, name| place.join(name)));
        }
        match (there.parent(), there.file_name()) {
            (Some(parent), Some(name)) => {
                below.push(name.to_owned());
                there = parent;
            }
            _ => return Ok(absolute),
        }
    }
}

/// [`real_place`] of a file's folder, with the file's own name: a spec
/// that is a link is read from where the link is, and its paths lead
/// from there, as [`spec_files`] reads them.
fn real_file_place(path: &Path) -> Result<PathBuf, Failure> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match path.file_name() {
        Some(name) => Ok(real_place(folder)?.join(name)),
        None => real_place(path),
    }
}

fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

impl StdinArgs {
    /// The path a spec stands for: `--stdin-filename` for stdin, else the
    /// spec's own (stdin's `-` stands for the current folder).
    fn path<'a>(&'a self, spec: &'a Path) -> &'a Path {
        match &self.stdin_filename {
            Some(name) if is_stdin(spec) => name,
            _ => spec,
        }
    }

    /// How a spec is named in messages.
    fn shown(&self, spec: &Path) -> String {
        match &self.stdin_filename {
            _ if !is_stdin(spec) => spec.display().to_string(),
            Some(name) => name.display().to_string(),
            None => STDIN_NAME.to_string(),
        }
    }
}

/// How a spec read from stdin without `--stdin-filename` is named.
const STDIN_NAME: &str = "<stdin>";

/// A spec from its file, or from stdin for `-`, with the bounds and
/// checks of [`read_spec`].
fn read_input(spec: &Path, stdin: &StdinArgs) -> Result<SourceFile, Failure> {
    if !is_stdin(spec) {
        return read_spec(spec);
    }
    let name = stdin.shown(spec);
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(fs::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::new(format!("cannot read {name} from stdin: {e}")))?;
    if bytes.len() as u64 > fs::MAX_FILE_BYTES {
        return Err(Failure::new(format!(
            "cannot read {name} from stdin: larger than {} MiB",
            fs::MAX_FILE_BYTES >> 20
        )));
    }
    decode(name, bytes)
}

/// Reads a spec (or a `stackc.toml`) as UTF-8, through [`input::fs`]: a
/// FIFO, a device or a file over the size bound is refused before a byte
/// is read, and text that is not UTF-8 is pointed at.
fn read_spec(path: &Path) -> Result<SourceFile, Failure> {
    let name = path.display().to_string();
    let bytes = fs::read_bytes(path, fs::MAX_FILE_BYTES).map_err(|e| match e {
        fs::ReadError::Folder => Failure::new(format!("{name} is a folder, not a spec file")),
        fs::ReadError::NotRegular => Failure {
            message: format!("cannot read {name}: {e}"),
            help: Some("stackc reads specs from regular files only".to_string()),
        },
        fs::ReadError::Missing => Failure {
            message: format!("cannot read {name}: {e}"),
            help: Some("name the spec to read (without one: `stack.spec` here); `stackc import` writes one from a compose project".to_string()),
        },
        e => Failure::new(format!("cannot read {name}: {e}")),
    })?;
    decode(name, bytes)
}

/// A spec's bytes as its text, or where they stop being UTF-8.
fn decode(name: String, bytes: Vec<u8>) -> Result<SourceFile, Failure> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
            let (line, column) = SourceFile::new("", valid).line_col(offset);
            Err(Failure {
                message: format!("{name}:{line}:{column}: the spec is not UTF-8 (byte {offset})"),
                help: Some("save the file as UTF-8".to_string()),
            })
        }
    }
}

/// Prints every file's diagnostics in the chosen format. Human reports go
/// to stderr; the machine formats to stdout, with the summary line (human,
/// short, github) on stderr so stdout stays parseable.
fn report(reports: &[FileReport], output: &OutputArgs) -> Result<(), Failure> {
    report_files(reports, output, "spec")
}

/// [`report`] of files that are not all specs (`import` reads compose
/// files and nginx configs): the summary counts `noun`s.
fn report_files(reports: &[FileReport], output: &OutputArgs, noun: &str) -> Result<(), Failure> {
    let text = match output.format {
        Format::Human => {
            let renderer = HumanRenderer::new(use_color(output.color), render::DEFAULT_WIDTH);
            output::report(&renderer.render_all(reports));
            String::new()
        }
        Format::Json => render::json(reports),
        Format::Sarif => render::sarif(reports),
        Format::Github => render::github(reports),
        Format::Short => render::short(reports),
    };
    output::stdout(&text)?;
    if let Some(line) = summary(reports, output.format, noun) {
        output::status(&line);
    }
    Ok(())
}

/// Whether human reports are coloured. `auto` follows the conventions
/// other tools share: NO_COLOR (set and not empty) turns colour off,
/// CLICOLOR_FORCE (not `0`) on even through a pipe, else a terminal is
/// coloured unless it is TERM=dumb.
fn use_color(color: Color) -> bool {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto if set("NO_COLOR").is_some() => false,
        Color::Auto if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
        Color::Auto => std::io::stderr().is_terminal() && set("TERM").is_none_or(|term| term != "dumb"),
    }
}

/// One line that counts what was found: for the formats people read, when
/// there are findings or several files (a clean single spec stays quiet).
fn summary(reports: &[FileReport], format: Format, noun: &str) -> Option<String> {
    if matches!(format, Format::Json | Format::Sarif) {
        return None;
    }
    let all: Vec<&Diagnostic> = reports.iter().flat_map(|r| r.diagnostics).collect();
    if all.is_empty() && reports.len() <= 1 {
        return None;
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let count = |severity: Severity| all.iter().filter(|d| d.severity == severity).count();
    let findings = if all.is_empty() {
        "no findings".to_string()
    } else {
        let mut counts = format!(
            "{}, {}",
            plural(count(Severity::Error), "error"),
            plural(count(Severity::Warning), "warning")
        );
        if count(Severity::Info) > 0 {
            counts.push_str(&format!(", {}", plural(count(Severity::Info), "note")));
        }
        counts
    };
    let files = if reports.len() > 1 {
        format!(" in {}", plural(reports.len(), noun))
    } else {
        String::new()
    };
    Some(format!("stackc: {findings}{files}"))
}

fn explain(code: Option<&str>, markdown: bool) -> Result<ExitCode, Failure> {
    let text = match code {
        None if markdown => docs::markdown(),
        None => {
            // The names' column is as wide as the longest name, so every
            // summary starts in one column.
            let width = (registry::RULES.iter()).map(|r| r.meta().name.len()).max().unwrap_or(0);
            (registry::RULES.iter())
                .map(|r| {
                    let meta = r.meta();
                    format!("{:<width$} {:<8} {}\n", meta.name, meta.severity.as_str(), meta.summary)
                })
                .collect::<String>()
        }
        Some(code) => match (
            registry::find(code),
            codes::find(code),
            crate::lint::peers::explain(code),
        ) {
            (Some(meta), _, _) => format!(
                "# {} ({})\n\n{}\n",
                meta.name,
                meta.severity.as_str(),
                meta.explanation()
            ),
            (None, Some(doc), _) => format!(
                "# {} ({}, not a lint rule)\n\n{}\n",
                doc.code,
                doc.severity.as_str(),
                doc.explanation()
            ),
            // A peer linter's name or code (`hadolint/DL3008`), from `lint --peers`.
            (None, None, Some(peer)) => peer,
            (None, None, None) => {
                let known = registry::names().chain(codes::CODES.iter().map(|doc| doc.code));
                let help = match crate::suggest::closest(code, known) {
                    Some(close) => format!("did you mean `{close}`? `stackc explain` lists every rule"),
                    None => "`stackc explain` lists every rule; docs/rules.md also lists the other codes".to_string(),
                };
                return Err(Failure {
                    message: format!("no lint rule or diagnostic code is named `{code}`"),
                    help: Some(help),
                });
            }
        },
    };
    output::stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lint_reads_what_clap_reads_and_leaves_it_the_rest() {
        let argv = |words: &[&str]| -> Vec<std::ffi::OsString> { words.iter().map(Into::into).collect() };
        for words in [
            &["stackc", "lint"][..],
            &["stackc", "lint", "specs/django.spec"],
            &["stackc", "lint", "a.spec", "specs", "help", "b-c.spec"],
        ] {
            let plain = plain_lint(argv(words)).expect("a plain lint");
            let clap = Cli::try_parse_from(argv(words)).expect("clap reads it");
            assert_eq!(format!("{plain:?}"), format!("{clap:?}"), "{words:?}");
        }
        for words in [
            &["stackc"][..],
            &["stackc", "check", "a.spec"],
            &["stackc", "lint", "-"],
            &["stackc", "lint", "a.spec", "--fix"],
            &["stackc", "lint", "-q", "a.spec"],
            &["stackc", "lint", ""],
            &["stackc", "-v", "lint", "a.spec"],
        ] {
            assert!(plain_lint(argv(words)).is_none(), "{words:?}");
        }
    }
}
