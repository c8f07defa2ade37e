//! The `stackc` command line: the only module that reads arguments, prints,
//! or touches the file system (through [`crate::write`]).
//!
//! Exit codes: 0 clean, 1 findings (errors for `build` and `check`, any
//! finding for `lint`), 2 bad input or I/O (a missing or unreadable spec, a
//! spec that is not UTF-8, an output folder stackc may not replace).

mod format_specs;

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostic::Diagnostic;
use crate::emit::Layout;
use crate::lint::registry;
use crate::render::{self, HumanRenderer};
use crate::source::SourceFile;
use crate::write;

#[derive(Parser, Debug)]
#[command(
    name = "stackc",
    version,
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
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Parse and resolve the spec; report errors only.
    Check {
        spec: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Check the spec and run every lint rule.
    Lint {
        spec: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
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
    /// Explain a lint rule, or list them all.
    Explain {
        /// A rule name, such as `default-credentials`.
        rule: Option<String>,
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

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// miette reports, on stderr.
    Human,
    /// A JSON array of diagnostics with lines and columns, on stdout.
    Json,
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
        Command::Build { spec, out, output } => build(&spec, &out, &output),
        Command::Check { spec, output } => {
            let source = read_spec(&spec)?;
            let analysis = crate::check(&source);
            report(&source, &analysis.diagnostics, &output)?;
            Ok(exit_code(analysis.has_errors()))
        }
        Command::Lint { spec, output } => {
            let source = read_spec(&spec)?;
            let analysis = crate::lint(&source);
            report(&source, &analysis.diagnostics, &output)?;
            Ok(exit_code(!analysis.diagnostics.is_empty()))
        }
        Command::Fmt { paths, check, color } => format_specs::run(&paths, check, color),
        Command::Explain { rule } => explain(rule.as_deref()),
    }
}

fn exit_code(findings: bool) -> ExitCode {
    if findings {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn build(spec: &Path, out: &Path, output: &OutputArgs) -> Result<ExitCode, Failure> {
    let source = read_spec(spec)?;
    let spec_abs = absolute(spec)?;
    let out_abs = absolute(out)?;
    let layout = Layout::new(&spec_abs, &out_abs);
    let result = crate::build(&source, &layout);
    report(&source, &result.diagnostics, output)?;
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

fn absolute(path: &Path) -> Result<PathBuf, Failure> {
    std::path::absolute(path).map_err(|e| Failure::new(format!("{}: {e}", path.display())))
}

/// Reads a spec as UTF-8, or says exactly where it is not.
fn read_spec(path: &Path) -> Result<SourceFile, Failure> {
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(Failure::new(format!("{name} is a folder, not a spec file")));
    }
    let bytes = std::fs::read(path).map_err(|e| Failure::new(format!("cannot read {name}: {e}")))?;
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

fn report(source: &SourceFile, diagnostics: &[Diagnostic], output: &OutputArgs) -> Result<(), Failure> {
    match output.format {
        Format::Human => {
            if diagnostics.is_empty() {
                return Ok(());
            }
            let renderer = HumanRenderer::new(use_color(output.color), render::DEFAULT_WIDTH);
            eprint!("{}", renderer.render(source, diagnostics));
            eprintln!("{}", summary(diagnostics));
        }
        Format::Json => {
            let json: Vec<_> = diagnostics.iter().map(|d| render::json(source, d)).collect();
            let text = serde_json::to_string_pretty(&json).expect("diagnostics serialize");
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{text}").map_err(|e| Failure::new(format!("cannot write to stdout: {e}")))?;
        }
    }
    Ok(())
}

fn use_color(color: Color) -> bool {
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal(),
    }
}

fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let others = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("stackc: {}, {}", plural(errors, "error"), plural(others, "warning"))
}

fn explain(rule: Option<&str>) -> Result<ExitCode, Failure> {
    let mut stdout = std::io::stdout().lock();
    let text = match rule {
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
    write!(stdout, "{text}").map_err(|e| Failure::new(format!("cannot write to stdout: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
