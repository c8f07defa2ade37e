//! The `stackc` command line: the only module that reads arguments, prints,
//! or touches the file system (through [`crate::write`]).
//!
//! Exit codes: 0 clean, 1 findings (errors for `build` and `check`; for
//! `lint`, any finding at or above `--fail-on`), 2 bad input or I/O (a
//! missing or unreadable spec, a spec that is not UTF-8, an output folder
//! stackc may not replace).

mod discover;
mod settings;

mod format_specs;

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostic::{Diagnostic, Severity};
use crate::emit::Layout;
use crate::input::fs;
use crate::lint::docs;
use crate::lint::registry;
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check, lint and write compose.yaml, the Dockerfiles and nginx.conf.
    Build {
        /// The stack spec.
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
        spec: PathBuf,
        /// The environment to check (an `environment NAME` block of the spec);
        /// without it, the base and every environment.
        #[arg(long = "env", value_name = "NAME")]
        env: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Check specs and run every lint rule.
    Lint {
        /// Spec files or folders (searched for `*.spec`). Without any:
        /// `stack.spec` in this folder, or else every `*.spec` below it.
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
        /// `[lint] fail-on`, else `info`, any finding); below it they are
        /// still reported.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
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
    },
    /// Rewrite specs in the canonical layout; `--check` only reports.
    Fmt {
        /// Spec files, or folders to search for `*.spec` files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Change nothing; show a diff of each file that is not formatted
        /// and exit 1 if there is one.
        #[arg(long)]
        check: bool,
        /// When to colour the diagnostics of a spec that does not parse.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Run the language server on stdin and stdout, for editors.
    Lsp,
    /// Explain a lint rule, or list them all.
    Explain {
        /// A rule name, such as `default-credentials`.
        rule: Option<String>,
        /// Print every rule's documentation as Markdown (`docs/rules.md`).
        #[arg(long, conflicts_with = "rule")]
        markdown: bool,
    },
}

#[derive(clap::Args, Debug)]
struct OutputArgs {
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// When to colour human output; `auto` honours NO_COLOR and terminals.
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
    /// `file:line:col: severity[code]: message` lines, on stdout.
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
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(failure) => {
            print_failure(&failure);
            ExitCode::from(2)
        }
    }
}

fn print_failure(failure: &Failure) {
    eprintln!("error: {}", failure.message);
    if let Some(help) = &failure.help {
        eprintln!("  help: {help}");
    }
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
        Command::Check { spec, env, output } => {
            let source = read_spec(&spec)?;
            let files = spec_files(&spec);
            let options = crate::Options {
                policy: None,
                files: Some(&files),
                environment: env.as_deref(),
                target: crate::emit::Target::Compose,
            };
            let analysis = crate::analyze(&source, options);
            report(&[report_of(&source, &analysis)], &output)?;
            let code = exit_code(analysis.has_errors());
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
            save,
            only_stack_specs,
            target,
        } => lint(
            &paths,
            env.as_deref(),
            fix,
            &output,
            &rules,
            fail_on,
            save,
            only_stack_specs,
            target,
        ),
        Command::Fmt { paths, check, color } => format_specs::run(&paths, check, color),
        Command::Explain { rule, markdown } => explain(rule.as_deref(), markdown),
        Command::Lsp => crate::lsp::run().map(|()| ExitCode::SUCCESS).map_err(Failure::new),
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
        eprintln!(
            "fixed {}:{}: {} [{}]",
            source.name, fixed.line, fixed.message, fixed.code
        );
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
        return Err(Failure::new(format!("nothing written; {} is unchanged", out.display())));
    };
    let spec_abs = absolute(spec)?;
    let out_abs = absolute(out)?;
    let layout = Layout::new(&spec_abs, &out_abs);
    let files = spec_files(spec);
    let options = crate::Options {
        policy: Some(&settings.policy),
        files: Some(&files),
        environment: env,
        target: target.into(),
    };
    let result = crate::build_with(&source, &layout, options);
    let inputs = result.inputs.as_ref().map_or(&[][..], |i| &i.sources[..]);
    report(
        &[FileReport::new(&source, &result.diagnostics).with_inputs(inputs)],
        output,
    )?;
    let Some(artifacts) = result.artifacts else {
        eprintln!("stackc: nothing written; {} is unchanged", out.display());
        return Ok(ExitCode::from(1));
    };
    let warnings =
        write::write_output(&layout.out_dir, &layout.spec_for_header(), &artifacts).map_err(|e| Failure {
            help: e.help().map(str::to_string),
            message: e.to_string(),
        })?;
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    let plural = if artifacts.len() == 1 { "" } else { "s" };
    eprintln!(
        "stackc: wrote {} file{plural} and {} to {}",
        artifacts.len(),
        write::MANIFEST,
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Lints every spec with its settings, reports them all at once, and exits
/// 2 if a spec or its `stackc.toml` could not be read or is broken (after
/// reporting the others), else 1 if any finding reaches its threshold.
#[allow(clippy::too_many_arguments)] // one per flag of `stackc lint`
fn lint(
    paths: &[PathBuf],
    env: Option<&str>,
    fix: bool,
    output: &OutputArgs,
    rules: &RuleArgs,
    fail_on: Option<FailOn>,
    save: bool,
    only_stack_specs: bool,
    target: TargetArg,
) -> Result<ExitCode, Failure> {
    let mut finder = settings::Finder::new(settings::from_command_line(&rules.allow, &rules.deny)?);
    let mut specs = discover::specs(paths).map_err(Failure::new)?;
    if only_stack_specs {
        specs = discover::stack_specs_only(specs);
    }
    if save {
        finder.save(&specs)?;
    }
    let mut bad_input = false;
    let mut linted = Vec::new();
    for spec in &specs {
        let source = match read_spec(spec) {
            Ok(source) => source,
            Err(failure) => {
                print_failure(&failure);
                bad_input = true;
                continue;
            }
        };
        let Some(settings) = finder.settings(spec) else {
            bad_input = true;
            continue;
        };
        let threshold = fail_on
            .map(FailOn::severity)
            .or(settings.fail_on)
            .unwrap_or(Severity::Info);
        let files = spec_files(spec);
        let options = crate::Options {
            policy: Some(&settings.policy),
            files: Some(&files),
            environment: env,
            target: target.into(),
        };
        let (source, analysis) = if fix {
            match fix_spec(spec, &source, options) {
                Ok(fixed) => fixed,
                Err(failure) => {
                    print_failure(&failure);
                    bad_input = true;
                    continue;
                }
            }
        } else {
            let analysis = crate::analyze(&source, options);
            (source, analysis)
        };
        linted.push((source, analysis, threshold));
    }
    let broken = finder.broken();
    let reports: Vec<FileReport> = broken
        .iter()
        .map(|(file, problems)| FileReport::new(file, problems))
        .chain(linted.iter().map(|(source, analysis, _)| report_of(source, analysis)))
        .collect();
    report(&reports, output)?;
    let failing = linted
        .iter()
        .any(|(_, analysis, threshold)| analysis.diagnostics.iter().any(|d| d.severity >= *threshold));
    leave_to_exit(linted);
    Ok(match (bad_input, failing) {
        (true, _) => ExitCode::from(2),
        (false, findings) => exit_code(findings),
    })
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
        e => Failure::new(format!("cannot read {name}: {e}")),
    })?;
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
    let text = match output.format {
        Format::Human => {
            let renderer = HumanRenderer::new(use_color(output.color), render::DEFAULT_WIDTH);
            eprint!("{}", renderer.render_all(reports));
            String::new()
        }
        Format::Json => render::json(reports),
        Format::Sarif => render::sarif(reports),
        Format::Github => render::github(reports),
        Format::Short => render::short(reports),
    };
    print(&text)?;
    if let Some(line) = summary(reports, output.format) {
        eprintln!("{line}");
    }
    Ok(())
}

fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::new(format!("cannot write to stdout: {e}")))
}

fn use_color(color: Color) -> bool {
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal(),
    }
}

/// One line that counts what was found: for the formats people read, when
/// there are findings or several files (a clean single spec stays quiet).
fn summary(reports: &[FileReport], format: Format) -> Option<String> {
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
        format!(" in {}", plural(reports.len(), "spec"))
    } else {
        String::new()
    };
    Some(format!("stackc: {findings}{files}"))
}

fn explain(rule: Option<&str>, markdown: bool) -> Result<ExitCode, Failure> {
    let text = match rule {
        None if markdown => docs::markdown(),
        None => registry::RULES
            .iter()
            .map(|r| {
                let meta = r.meta();
                format!("{:<24} {:<8} {}\n", meta.name, meta.severity.as_str(), meta.summary)
            })
            .collect::<String>(),
        Some(name) => match registry::find(name) {
            Some(meta) => format!(
                "# {} ({})\n\n{}\n",
                meta.name,
                meta.severity.as_str(),
                meta.explanation()
            ),
            None => {
                let help = match crate::suggest::closest(name, registry::names()) {
                    Some(close) => format!("did you mean `{close}`? `stackc explain` lists every rule"),
                    None => "`stackc explain` lists every rule".to_string(),
                };
                return Err(Failure {
                    message: format!("no lint rule is named `{name}`"),
                    help: Some(help),
                });
            }
        },
    };
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}
