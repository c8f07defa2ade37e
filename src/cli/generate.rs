//! `stackc completions SHELL` and `stackc man`: generated from the clap
//! definition itself, so they never fall behind the commands.

use std::path::Path;
use std::process::ExitCode;

use clap_complete::Shell;

use super::{output, Failure};

/// Where each shell looks for a completion script, for `completions --help`.
pub const COMPLETIONS_HELP: &str = "\
Install the script where your shell looks for completions:
  bash        stackc completions bash > ~/.local/share/bash-completion/completions/stackc
  zsh         stackc completions zsh > ~/.zfunc/_stackc   (with `fpath+=~/.zfunc` before `compinit`)
  fish        stackc completions fish > ~/.config/fish/completions/stackc.fish
  elvish      stackc completions elvish >> ~/.config/elvish/rc.elv
  powershell  stackc completions powershell >> $PROFILE";

/// Prints `shell`'s completion script for `command` on stdout.
pub fn completions(shell: Shell, mut command: clap::Command) -> Result<ExitCode, Failure> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "stackc", &mut script);
    output::stdout(&String::from_utf8_lossy(&script))?;
    Ok(ExitCode::SUCCESS)
}

/// Prints `stackc.1` on stdout, or writes it and one page per subcommand
/// (`stackc-lint.1`, ...) into `out_dir`.
pub fn man(command: clap::Command, out_dir: Option<&Path>) -> Result<ExitCode, Failure> {
    match out_dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .map_err(|e| Failure::new(format!("cannot render the man page: {e}")))?;
            output::stdout(&String::from_utf8_lossy(&page))?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Failure::new(format!("cannot create {}: {e}", dir.display())))?;
            clap_mangen::generate_to(command, dir)
                .map_err(|e| Failure::new(format!("cannot write the man pages into {}: {e}", dir.display())))?;
            output::status(&format!("stackc: wrote the man pages into {}", dir.display()));
        }
    }
    Ok(ExitCode::SUCCESS)
}
