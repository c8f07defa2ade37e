//! File modes a stack sets: every `chmod` (and `install -m`) in a `RUN` of
//! a Dockerfile (stackc's or the app's own) and in what a service or job
//! runs, read once here for the rules that judge a mode (world-writable,
//! setuid-bit).

use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::build_files::build_files;
use crate::lint::{facts, RuleMeta};

/// What a rule says about a mode it flags.
pub struct Finding {
    /// The rule.
    pub meta: &'static RuleMeta,
    /// What the mode does, after "`chmod MODE`" (`lets every user write`).
    pub does: &'static str,
    /// The label on the command.
    pub label: &'static str,
    /// What to do instead.
    pub help: &'static str,
}

/// Reports every mode `flagged` accepts, where the stack sets it.
pub fn check(stack: &Stack, flagged: fn(&str) -> bool, finding: &Finding, out: &mut Vec<Diagnostic>) {
    let first_flagged = |words: &[String]| {
        let mode = mode_set(words).filter(|mode| flagged(mode))?;
        let option = if words[0].ends_with("install") { " -m" } else { "" };
        Some(format!(
            "{}{option} {mode}",
            words[0].rsplit('/').next().unwrap_or_default()
        ))
    };
    for file in build_files(stack) {
        for (index, instruction) in file.built() {
            for command in instruction.run_commands() {
                if let Some(setting) = first_flagged(&command.words) {
                    let message = format!("`{setting}` {}", finding.does);
                    out.push(
                        file.finding_of(finding.meta, index, command.span, message, finding.label)
                            .help(finding.help),
                    );
                }
            }
        }
    }
    for service in &stack.services {
        let argvs = [service.entrypoint.as_deref(), service.command.as_ref()];
        for argv in argvs.into_iter().flatten() {
            let programs = facts::programs(argv);
            if let Some(setting) = programs.iter().find_map(|words| first_flagged(words)) {
                out.push(
                    finding
                        .meta
                        .diagnostic(format!(
                            "`{}` runs `{setting}`, which {}",
                            service.name.value, finding.does
                        ))
                        .primary(argv.span, finding.label)
                        .help(finding.help),
                );
            }
        }
    }
}

/// The mode a command (its words, the program first) sets: `chmod`'s first
/// word that is not an option, or `install`'s `-m MODE` / `--mode=MODE`.
pub fn mode_set(words: &[String]) -> Option<&str> {
    let program = words.first()?.rsplit('/').next()?;
    let arguments = &words[1..];
    match program {
        // Options come first (`-R`, `--recursive`); a symbolic mode may
        // start with `-` too (`-w`), but only to take permissions away.
        "chmod" => arguments.iter().find(|w| !w.starts_with('-')).map(String::as_str),
        "install" => arguments.iter().enumerate().find_map(|(i, word)| match word.as_str() {
            "-m" | "--mode" => arguments.get(i + 1).map(String::as_str),
            _ => word
                .strip_prefix("--mode=")
                .or_else(|| word.strip_prefix("-m").filter(|mode| !mode.is_empty())),
        }),
        _ => None,
    }
}

/// A numeric mode's digits (`0755`, `4755`: at most four, each 0 to 7,
/// after any more leading zeros, as in `04755`), the special bits (setuid
/// 4, setgid 2, sticky 1) first when there are four.
pub fn numeric(mode: &str) -> Option<&[u8]> {
    if mode.is_empty() || !mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    let significant = mode.len().saturating_sub(4);
    mode.as_bytes()[..significant]
        .iter()
        .all(|&b| b == b'0')
        .then_some(&mode.as_bytes()[significant..])
}

/// A symbolic mode's clauses that add or set permissions (`u+s`, `o=rw`),
/// each as who it is for (`""` for everyone, as `+x` is) and what it grants.
pub fn granted(mode: &str) -> impl Iterator<Item = (&str, &str)> {
    mode.split(',').filter_map(|clause| {
        let who_end = clause.find(|c: char| !"ugoa".contains(c)).unwrap_or(clause.len());
        let (who, rest) = clause.split_at(who_end);
        rest.starts_with(['+', '=']).then(|| (who, &rest[1..]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn the_mode_is_chmods_first_operand_or_installs_option() {
        let cases = [
            ("chmod -R 0777 /app", Some("0777")),
            ("/bin/chmod u+s /usr/bin/tool", Some("u+s")),
            ("chmod", None),
            ("install -m 4755 tool /usr/local/bin/tool", Some("4755")),
            ("install --mode=0644 a b", Some("0644")),
            ("install -m0755 a b", Some("0755")),
            ("install -d /srv", None),
            ("chown 777 x", None),
        ];
        for (line, mode) in cases {
            assert_eq!(mode_set(&words(line)), mode, "{line}");
        }
    }

    #[test]
    fn granted_clauses_keep_who_they_are_for() {
        let clauses: Vec<_> = granted("u+x,g-w,o=rw,+s").collect();
        assert_eq!(clauses, [("u", "x"), ("o", "rw"), ("", "s")]);
        assert_eq!(numeric("4755"), Some(&b"4755"[..]));
        assert_eq!(numeric("u+s"), None);
        assert_eq!(numeric("77777"), None);
        assert_eq!(numeric("04755"), Some(&b"4755"[..]));
        assert_eq!(numeric("000777"), Some(&b"0777"[..]));
    }
}
