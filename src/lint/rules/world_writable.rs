use crate::diagnostic::Diagnostic;
use crate::ir::{Argv, Stack};
use crate::lint::build_files::build_files;
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a `chmod` that lets every user of the container write: a
    /// numeric mode whose last digit allows writing (`777`, `666`,
    /// `-R 0777`), or a symbolic one that adds writing for others or all
    /// (`o+w`, `a+rwx`, `ugo=rw`); in a `RUN` of the Dockerfile stackc
    /// writes (a raw `dockerfile` line) or of the app's own Dockerfile,
    /// and in what a service or job runs (`command`, `run`, `entrypoint`,
    /// the scripts of `sh -c`). A mode with the sticky bit (`1777`, `/tmp`'s
    /// own) is not flagged: there each user can delete only their own files.
    ///
    /// ## Why is this bad?
    /// Any process of the container, whatever its user, can then rewrite
    /// the app's code, its templates or its uploads: a foothold in one
    /// process (a compromised dependency, a file-upload bug) becomes code
    /// the app runs, and the non-root user stackc runs the app as stops
    /// protecting anything. `chmod -R 777` is usually a fix for a
    /// permission error that the owner of the folder fixes properly.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         dockerfile "RUN chmod -R 777 /app/media"
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Give the folder to the app's user, with writing for it alone:
    /// ```text
    ///         dockerfile "RUN chown -R app:app /app/media && chmod -R 755 /app/media"
    /// ```
    pub struct WorldWritable {
        name: "world-writable",
        severity: Warning,
        summary: "a `chmod` that lets every user of the container write (`777`, `o+w`)",
    }
}

const LABEL: &str = "every user of the container can write here";
const HELP: &str =
    "give the folder to the user that writes it (`chown`), and drop the others' write permission (`755`, `644`)";

impl Rule for WorldWritable {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for file in build_files(stack) {
            for (index, instruction) in file.built() {
                for command in instruction.run_commands() {
                    if let Some(mode) = world_writable_mode(&command.words) {
                        let message = format!("`chmod {mode}` lets every user write");
                        out.push(
                            file.finding_of(&Self::META, index, command.span, message, LABEL)
                                .help(HELP),
                        );
                    }
                }
            }
        }
        for service in &stack.services {
            let argvs = [service.entrypoint.as_deref(), service.command.as_ref()];
            for argv in argvs.into_iter().flatten() {
                if let Some(mode) = in_argv(argv) {
                    out.push(
                        Self::META
                            .diagnostic(format!(
                                "`{}` runs `chmod {mode}`, which lets every user write",
                                service.name.value
                            ))
                            .primary(argv.span, LABEL)
                            .help(HELP),
                    );
                }
            }
        }
    }
}

/// The first world-writable mode any program of a command line sets.
fn in_argv(argv: &Argv) -> Option<String> {
    facts::programs(argv)
        .iter()
        .find_map(|words| world_writable_mode(words))
}

/// The mode of a `chmod` command (its words, the program first) when it
/// lets others write.
fn world_writable_mode(words: &[String]) -> Option<String> {
    let program = words.first()?;
    if program.rsplit('/').next() != Some("chmod") {
        return None;
    }
    // Options come first (`-R`, `--recursive`); a symbolic mode may start
    // with `-` too (`-w`), but only to take permissions away.
    let mode = words[1..].iter().find(|w| !w.starts_with('-'))?;
    grants_others_write(mode).then(|| mode.clone())
}

/// Whether a numeric or symbolic `chmod` mode lets others write, without
/// the sticky bit that keeps each user to their own files.
fn grants_others_write(mode: &str) -> bool {
    if !mode.is_empty() && mode.len() <= 4 && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        let digits = mode.as_bytes();
        let others = digits[digits.len() - 1] - b'0';
        let sticky = digits.len() == 4 && (digits[0] - b'0') & 1 == 1;
        return others & 2 != 0 && !sticky;
    }
    mode.split(',').any(|clause| {
        let who_end = clause.find(|c: char| !"ugoa".contains(c)).unwrap_or(clause.len());
        let (who, rest) = clause.split_at(who_end);
        let others = who.contains('o') || who.contains('a');
        others && rest.starts_with(['+', '=']) && rest[1..].contains('w') && !rest.contains('t')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn modes_that_let_others_write_are_found() {
        for line in [
            "chmod 777 /app",
            "chmod -R 0777 x",
            "chmod 666 f",
            "/bin/chmod o+w d",
            "chmod a+rwx d",
            "chmod u+x,o=rw f",
            "chmod 2777 d",
        ] {
            assert!(world_writable_mode(&words(line)).is_some(), "{line}");
        }
        for line in [
            "chmod 755 /app",
            "chmod -R 0644 x",
            "chmod 1777 /tmp",
            "chmod +w f",
            "chmod -w f",
            "chmod o-w f",
            "chmod u+w f",
            "chown 777 x",
            "chmod",
            "chmod 7777 d",
        ] {
            assert!(world_writable_mode(&words(line)).is_none(), "{line}");
        }
    }
}
