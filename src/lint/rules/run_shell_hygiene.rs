use crate::diagnostic::Diagnostic;
use crate::input::dockerfile::{Args, Keyword};
use crate::input::shell::{unquoted_expansions, Expansion, Operator, SimpleCommand};
use crate::ir::Stack;
use crate::lint::build_files::{build_files, BuildFile};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Reads the shell commands of each `RUN`, in a raw `dockerfile` line
    /// and in the app's own Dockerfile, split as the shell splits them, and
    /// flags what hadolint and the ShellCheck it runs flag, one message per
    /// case with the peer's code:
    /// - `cd` (DL3003: use `WORKDIR`), and a `cd` not chained with `&&`
    ///   (SC2164: the next command runs in the wrong folder when it fails);
    /// - a pipe while the shell has no `pipefail` (DL4006): `curl URL |
    ///   sh` succeeds when the download fails;
    /// - an expansion outside double quotes (SC2086 for `$VAR`, SC2046 for
    ///   `$(...)`), split into words and globbed; not a variable an `ARG`
    ///   or `ENV` of the same stage sets, whose value the Dockerfile holds
    ///   (hadolint skips those too);
    /// - `export NAME=$(...)` (SC2155, SC2046 under `sh`): export's own
    ///   status hides the command's failure;
    /// - `sudo` (DL3004), commands that mean nothing in a build (`ssh`,
    ///   `vim`, `service`, `kill`, ... DL3001), `useradd` with a high UID
    ///   and no `-l` (DL3046), `wget` without `--progress` (DL3047), both
    ///   `wget` and `curl` (DL4001), `ln -s ... /bin/sh` instead of
    ///   `SHELL` (DL4005).
    ///
    /// ## Why is this bad?
    /// A RUN line is a shell script that nobody runs before the image build
    /// does: a failure a pipe or a `cd` hides builds an image without the
    /// step, and an unquoted variable with a space in it installs or
    /// deletes something else.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         dockerfile "RUN cd assets; npm ci | tee build.log"
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    ///         dockerfile "RUN npm ci --prefix assets > build.log"
    /// ```
    pub struct RunShellHygiene {
        name: "run-shell-hygiene",
        severity: Warning,
        summary: "a RUN command that hides a failure, splits a variable, or does not belong in a build",
    }
}

/// Commands that make no sense in a build (hadolint's DL3001 list).
const INTERACTIVE: &[&str] = &[
    "ssh", "vim", "shutdown", "service", "ps", "free", "top", "kill", "mount", "ifconfig",
];

impl Rule for RunShellHygiene {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for file in build_files(stack) {
            check_file(&file, out);
        }
    }
}

fn check_file(file: &BuildFile, out: &mut Vec<Diagnostic>) {
    let mut pipefail = false;
    let mut downloader: Option<&'static str> = None;
    // The stage's ARG and ENV names: their values are the Dockerfile's own,
    // so hadolint (which hands them to ShellCheck as set) quotes none of
    // them, and neither does this rule.
    let mut declared: Vec<String> = Vec::new();
    for (index, instruction) in file.built() {
        declared.extend(instruction.declared_variables());
        match (&instruction.keyword, &instruction.args) {
            (Keyword::From, _) => {
                pipefail = false;
                declared.clear();
            }
            (Keyword::Shell, Args::Json { words, .. }) => {
                pipefail = words.iter().any(|w| w.value.contains("pipefail"));
            }
            _ => {}
        }
        let commands = instruction.run_commands();
        let mut seen = Vec::new();
        let mut report = |command: &SimpleCommand, code: &'static str, message: String, label: String, help: &str| {
            if seen.contains(&code) || file.ignores(index, code) {
                return;
            }
            seen.push(code);
            out.push(
                file.finding(&RunShellHygiene::META, index, command.span, code, message, label)
                    .help(help),
            );
        };
        let sets_pipefail = commands
            .iter()
            .any(|c| c.program() == Some("set") && c.args().windows(2).any(|w| w == ["-o", "pipefail"]));
        for command in &commands {
            let Some(program) = command.program() else { continue };
            let program = program.rsplit('/').next().unwrap_or(program);
            let args: Vec<&str> = command.args().iter().map(String::as_str).collect();
            if command.then == Some(Operator::Pipe) && !pipefail && !sets_pipefail {
                report(
                    command,
                    "DL4006",
                    "a pipe without `pipefail`".into(),
                    format!("the pipe succeeds when `{program}` fails"),
                    "start the RUN with `set -o pipefail &&` under bash, or set `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]`",
                );
            }
            match program {
                "cd" => {
                    report(
                        command,
                        "DL3003",
                        "`cd` in a RUN".into(),
                        "use `WORKDIR` to change the folder".into(),
                        "set `WORKDIR` (or use a tool's own option, such as `--prefix` or `-C`)",
                    );
                    if matches!(command.then, Some(Operator::Sequence | Operator::Background)) {
                        report(
                            command,
                            "SC2164",
                            "a `cd` whose failure is not checked".into(),
                            "the next command runs in the wrong folder if this fails".into(),
                            "chain it: `cd DIR && ...`",
                        );
                    }
                }
                "sudo" => report(
                    command,
                    "DL3004",
                    "`sudo` in a RUN".into(),
                    "RUN already runs as the Dockerfile's USER".into(),
                    "run the command as root before `USER`, or use `gosu` in an entrypoint",
                ),
                _ if INTERACTIVE.contains(&program) => report(
                    command,
                    "DL3001",
                    format!("`{program}` means nothing in an image build"),
                    "there is no terminal, service manager or running system here".into(),
                    "remove the command",
                ),
                "useradd" if !args.iter().any(|a| *a == "-l" || *a == "--no-log-init") && high_uid(&args) => {
                    report(
                        command,
                        "DL3046",
                        "`useradd` with a high UID and no `-l`".into(),
                        "writes a sparse lastlog file as large as the UID into the layer".into(),
                        "add `-l` (`--no-log-init`)",
                    );
                }
                "wget" if !wget_is_quiet(&args) => {
                    report(
                        command,
                        "DL3047",
                        "`wget` prints a progress line per kilobyte".into(),
                        "floods the build log".into(),
                        "add `--progress=dot:giga`, or `-q`",
                    );
                }
                "ln" if args.last() == Some(&"/bin/sh") => report(
                    command,
                    "DL4005",
                    "replacing `/bin/sh` with a link".into(),
                    "changes the shell of every later RUN behind Docker's back".into(),
                    "use `SHELL [\"/bin/bash\", \"-c\"]`",
                ),
                _ => {}
            }
            if let Some(program) = ["wget", "curl"].into_iter().find(|d| *d == program) {
                match downloader {
                    Some(other) if other != program => report(
                        command,
                        "DL4001",
                        "both `wget` and `curl`".into(),
                        format!("`{other}` is already used"),
                        "pick one downloader for the image",
                    ),
                    _ => downloader = Some(program),
                }
            }
            quoting(command, &declared, &mut report);
        }
    }
}

/// Unquoted expansions past the program, except of the stage's own
/// variables (`declared`), and `export NAME=$(...)`.
fn quoting(
    command: &SimpleCommand,
    declared: &[String],
    report: &mut impl FnMut(&SimpleCommand, &'static str, String, String, &str),
) {
    let skip = command.raw_words.iter().take_while(|w| is_assignment(w)).count();
    let Some(program) = command.raw_words.get(skip) else {
        return;
    };
    let declares = matches!(program.as_str(), "export" | "local" | "readonly" | "declare");
    for word in &command.raw_words[skip + 1..] {
        if word == "[[" || word == "]]" {
            return;
        }
        let expansions = unquoted_expansions(word);
        if declares && is_assignment(word) {
            if let Some(substitution) = expansions.iter().find(|e| e.command) {
                report(
                    command,
                    "SC2155",
                    format!("`{program}` hides the status of `{}`", substitution.text),
                    "the line succeeds even when the command fails".into(),
                    "assign first, then export: `NAME=$(...) && export NAME`",
                );
            }
            continue;
        }
        for expansion in expansions.iter().filter(|e| !declared.iter().any(|d| expands(e, d))) {
            let (code, what) = match expansion.command {
                true => ("SC2046", "a command substitution"),
                false => ("SC2086", "a variable"),
            };
            report(
                command,
                code,
                format!("{what} outside double quotes: `{}`", expansion.text),
                "split at blanks and globbed by the shell".into(),
                "quote it: \"$VAR\", \"$(...)\"",
            );
        }
    }
}

/// Whether `expansion` is `$NAME` or `${NAME...}` of the variable `name`.
fn expands(expansion: &Expansion, name: &str) -> bool {
    let text = expansion.text.trim_start_matches('$');
    let text = text.strip_prefix('{').unwrap_or(text);
    !expansion.command
        && text
            .strip_prefix(name)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// A `-u`/`--uid` above what the lastlog file holds sparsely.
fn high_uid(args: &[&str]) -> bool {
    let uid = crate::lint::facts::option_value(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>(), "-u", "--uid")
        .and_then(|v| v.parse::<u64>().ok());
    uid.is_some_and(|uid| uid > 99_999)
}

/// Whether `wget`'s options keep it from printing its progress: `-q`, also
/// in a cluster before an option that takes the rest (`-qO-`, `-qO
/// file`), `--quiet`, `-nv`, `--no-verbose` or `--progress=...`.
fn wget_is_quiet(args: &[&str]) -> bool {
    /// The short options that take a value: the cluster ends at one.
    const TAKES_VALUE: &str = "OoaPUetTwiBQlARDIXY";
    args.iter().any(|a| {
        if a.starts_with("--progress") || matches!(*a, "--quiet" | "-nv" | "--no-verbose") {
            return true;
        }
        let Some(cluster) = a.strip_prefix('-').filter(|c| !c.starts_with('-')) else {
            return false;
        };
        cluster
            .chars()
            .take_while(|c| !TAKES_VALUE.contains(*c))
            .any(|c| c == 'q')
    })
}
