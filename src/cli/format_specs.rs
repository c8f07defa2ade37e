//! `stackc fmt PATH...`: formats spec files in place, or with `--check`
//! only reports (as a diff on stdout) the files that are not formatted.
//! `-` formats stdin onto stdout, for editors and scripts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{is_stdin, output, read_input, use_color, Color, Failure, StdinArgs};
use crate::render::{self, HumanRenderer};
use crate::write;

/// How one file came out, worst last.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    Formatted,
    /// `--check` found a difference, or the spec does not parse.
    Findings,
    /// It could not be read or written.
    Failed,
}

pub(super) fn run(paths: &[PathBuf], check: bool, color: Color, stdin: &StdinArgs) -> Result<ExitCode, Failure> {
    let files = super::discover::specs(paths).map_err(Failure::new)?;
    let mut worst = Status::Formatted;
    let mut changed = 0;
    for file in &files {
        let status = match format_one(file, check, color, stdin) {
            Ok(false) => Status::Formatted,
            Ok(true) => {
                changed += 1;
                if check {
                    Status::Findings
                } else {
                    Status::Formatted
                }
            }
            Err((status, failure)) => {
                if let Some(failure) = failure {
                    super::print_failure(&failure);
                }
                status
            }
        };
        worst = worst.max(status);
    }
    // A buffer piped through `fmt -` gets its text and nothing else: an
    // editor's filter (vim's `:%!stackc fmt -`) reads stderr into it too.
    if !files.iter().all(|f| is_stdin(f)) {
        let verb = if check { "would reformat" } else { "reformatted" };
        let plural = if files.len() == 1 { "" } else { "s" };
        output::status(&format!("stackc fmt: {verb} {changed} of {} file{plural}", files.len()));
    }
    Ok(match worst {
        Status::Formatted => ExitCode::SUCCESS,
        Status::Findings => ExitCode::from(1),
        Status::Failed => ExitCode::from(2),
    })
}

/// Formats one file; `Ok(true)` when its layout was (or, checking, would
/// be) changed.
fn format_one(path: &Path, check: bool, color: Color, stdin: &StdinArgs) -> Result<bool, (Status, Option<Failure>)> {
    let source = read_input(path, stdin).map_err(|f| (Status::Failed, Some(f)))?;
    let formatted = match crate::fmt::format(&source) {
        Ok(text) => text,
        Err(diagnostics) => {
            let renderer = HumanRenderer::new(use_color(color), render::DEFAULT_WIDTH);
            output::report(&renderer.render(&source, &diagnostics));
            output::stderr(&format!("stackc fmt: {} is left as it is\n", source.name));
            return Err((Status::Findings, None));
        }
    };
    if is_stdin(path) && !check {
        output::stdout(&formatted).map_err(|f| (Status::Failed, Some(f)))?;
        return Ok(formatted != source.text);
    }
    if formatted == source.text {
        return Ok(false);
    }
    if check {
        output::stdout(&crate::fmt::diff(&source.name, &source.text, &formatted))
            .map_err(|f| (Status::Failed, Some(f)))?;
    } else {
        write::replace_file(path, formatted.as_bytes())
            .map_err(|e| (Status::Failed, Some(Failure::new(e.to_string()))))?;
        output::status(&format!("formatted {}", source.name));
    }
    Ok(true)
}
