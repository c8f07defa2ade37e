use crate::diagnostic::Diagnostic;
use crate::input::dockerfile::Keyword;
use crate::input::shell::{is_shell, Operator, SimpleCommand};
use crate::ir::Stack;
use crate::lint::build_files::build_files;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Reads the shell commands of each `RUN`, in a raw `dockerfile` line
    /// and in the app's own Dockerfile, and flags a build step that runs
    /// what it downloads without checking where it came from:
    /// - a download piped into a shell or an interpreter (`curl URL | sh`,
    ///   `wget -O- URL | bash`, `| python3`);
    /// - TLS certificate checks turned off: `curl -k` (`--insecure`),
    ///   `wget --no-check-certificate`, `pip install --trusted-host`,
    ///   `git -c http.sslVerify=false`, `npm config set strict-ssl false`;
    /// - package signatures not checked: `apt-get --allow-unauthenticated`
    ///   (or `--allow-insecure-repositories`), `apk --allow-untrusted`;
    /// - an `ENV` or `ARG` that turns TLS checks off for a tool
    ///   (`NODE_TLS_REJECT_UNAUTHORIZED=0`, `PYTHONHTTPSVERIFY=0`,
    ///   `GIT_SSL_NO_VERIFY=1`, `NPM_CONFIG_STRICT_SSL=false`,
    ///   `PIP_TRUSTED_HOST`).
    ///
    /// ## Why is this bad?
    /// Whoever can answer for the server (a compromised mirror, a DNS
    /// entry, anyone on the build machine's network once TLS checks are
    /// off) decides what runs as root in the build and ships in the image.
    /// A script piped into a shell is run before anyone reads it, and a
    /// download cut short runs half a script.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         dockerfile "RUN curl -fsSL https://deb.nodesource.com/setup_22.x | bash -"
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Install from the distribution's signed packages, or download to a
    /// file, check its published checksum, then run it:
    /// ```text
    ///         dockerfile "RUN curl -fsSLo setup.sh https://example.com/setup.sh && echo \"SHA256  setup.sh\" | sha256sum -c - && sh setup.sh"
    /// ```
    pub struct UnverifiedDownload {
        name: "unverified-download",
        severity: Warning,
        summary: "a build step that runs a download unread, or turns off TLS or signature checks",
    }
}

/// Programs a downloaded script is piped into to run it.
const INTERPRETERS: &[&str] = &["python", "python3", "perl", "ruby", "node"];

impl Rule for UnverifiedDownload {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for file in build_files(stack) {
            for (index, instruction) in file.built() {
                if matches!(instruction.keyword, Keyword::Env | Keyword::Arg) {
                    for word in instruction.words() {
                        let Some((name, value)) = word.value.split_once('=') else {
                            continue;
                        };
                        if tls_checks_off(name, value.trim_matches(['"', '\''])) {
                            out.push(
                                file.finding_of(
                                    &Self::META,
                                    index,
                                    word.span,
                                    format!("`{name}` turns TLS certificate checks off"),
                                    "for every download of the build, and of the container when it is an `ENV`",
                                )
                                .help(format!(
                                    "remove `{name}`; give the tool the certificate of a private server instead"
                                )),
                            );
                        }
                    }
                }
                if let Some(url) = unchecked_add(instruction) {
                    out.push(
                        file.finding_of(
                            &Self::META,
                            index,
                            instruction.span,
                            format!("`ADD {url}` without `--checksum`"),
                            "Docker adds whatever the server sends",
                        )
                        .help("add `--checksum=sha256:...` with the file's published checksum, or download and check it in a RUN"),
                    );
                }
                let commands = instruction.run_commands();
                for (at, command) in commands.iter().enumerate() {
                    let found = unverified(command, commands.get(at + 1)).or_else(|| run_unchecked(&commands, at));
                    let Some((message, label)) = found else {
                        continue;
                    };
                    out.push(
                        file.finding_of(&Self::META, index, command.span, message, label)
                            .help("download to a file and check its published checksum (`sha256sum -c`) before running it, or install a signed package; keep TLS and signature checks on"),
                    );
                }
            }
        }
    }
}

/// Whether a variable turns a tool's TLS certificate checks off.
fn tls_checks_off(name: &str, value: &str) -> bool {
    let value = value.to_ascii_lowercase();
    match name {
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => value == "0",
        "GIT_SSL_NO_VERIFY" => matches!(value.as_str(), "1" | "true"),
        "NPM_CONFIG_STRICT_SSL" | "YARN_STRICT_SSL" => value == "false",
        "PIP_TRUSTED_HOST" => !value.is_empty(),
        _ => false,
    }
}

/// `ADD https://...` with no `--checksum`: a remote file taken as sent.
fn unchecked_add(instruction: &crate::input::dockerfile::Instruction) -> Option<String> {
    if instruction.keyword != Keyword::Add || instruction.flags.iter().any(|f| f.name == "checksum") {
        return None;
    }
    let words = instruction.words();
    let sources = &words[..words.len().saturating_sub(1)];
    let url = sources
        .iter()
        .find(|w| w.value.starts_with("http://") || w.value.starts_with("https://"))?;
    Some(url.value.clone())
}

/// Programs that check what was downloaded before it runs.
const CHECKERS: &[&str] = &[
    "sha256sum",
    "sha512sum",
    "sha1sum",
    "shasum",
    "gpg",
    "gpgv",
    "cosign",
    "minisign",
];

/// A download run by a shell without a check: `bash <(curl URL)`, `sh -c
/// "$(curl URL)"`, or `curl -o FILE URL && sh FILE` with no checksum
/// between; the command at `at` is the one that runs it.
fn run_unchecked(commands: &[SimpleCommand], at: usize) -> Option<(String, String)> {
    let command = &commands[at];
    let program = command.program()?;
    let program = program.rsplit('/').next().unwrap_or(program);
    let runs = is_shell(program) || INTERPRETERS.contains(&program);
    if !runs {
        return None;
    }
    let found = |what: &str| {
        Some((
            format!("{what} run by `{program}`"),
            "runs whatever the server sends, unread and unchecked".to_string(),
        ))
    };
    // `sh -c "$(curl ...)"`: the substitution stays in the quoted word.
    let substituted = command
        .args()
        .iter()
        .any(|a| ["$(curl", "$(wget", "`curl", "`wget"].iter().any(|d| a.contains(d)));
    if substituted {
        return found("a download");
    }
    // `bash <(curl ...)`: the parenthesis ends this command at `<`.
    let fed = command.raw_words.last().is_some_and(|w| w == "<")
        && commands
            .get(at + 1)
            .and_then(SimpleCommand::program)
            .is_some_and(|p| matches!(p, "curl" | "wget"));
    if fed {
        return found("a download");
    }
    let script = command.args().first()?;
    let before = &commands[..at];
    let downloaded = before
        .iter()
        .any(|c| downloads_to(c).is_some_and(|file| same_file(&file, script)));
    let checked = before.iter().any(|c| {
        c.program()
            .is_some_and(|p| CHECKERS.contains(&p.rsplit('/').next().unwrap_or(p)))
    });
    (downloaded && !checked).then(|| {
        (
            format!("`{script}`, downloaded and run by `{program}` with no checksum checked"),
            "runs whatever the server sent".to_string(),
        )
    })
}

/// The file `curl -o FILE` (`-fsSLo FILE`) or `wget -O FILE` writes.
fn downloads_to(command: &SimpleCommand) -> Option<String> {
    let program = command.program()?;
    let args = command.args();
    let option = match program.rsplit('/').next()? {
        "curl" => args.iter().position(|a| {
            a == "-o" || a == "--output" || (a.starts_with('-') && !a.starts_with("--") && a.ends_with('o'))
        }),
        "wget" => args.iter().position(|a| a == "-O" || a == "--output-document"),
        _ => None,
    }?;
    args.get(option + 1).cloned()
}

/// Whether two paths of one script name the same file (`setup.sh` and
/// `./setup.sh`).
fn same_file(a: &str, b: &str) -> bool {
    a.trim_start_matches("./") == b.trim_start_matches("./")
}

/// What `command` (followed by `next`) skips checking, and its label.
fn unverified(command: &SimpleCommand, next: Option<&SimpleCommand>) -> Option<(String, String)> {
    let program = command.program()?;
    let program = program.rsplit('/').next().unwrap_or(program);
    let args: Vec<&str> = command.args().iter().map(String::as_str).collect();
    let downloads = matches!(program, "curl" | "wget");
    if downloads && command.then == Some(Operator::Pipe) {
        let runner = next.and_then(SimpleCommand::program).unwrap_or_default();
        let runner = runner.rsplit('/').next().unwrap_or(runner);
        if is_shell(runner) || INTERPRETERS.contains(&runner) {
            return Some((
                format!("a download piped into `{runner}`"),
                "runs whatever the server sends, unread and unchecked".into(),
            ));
        }
    }
    let tls_off = match program {
        "curl" => args
            .iter()
            .any(|a| *a == "--insecure" || (a.starts_with('-') && !a.starts_with("--") && a.contains('k'))),
        "wget" => args.contains(&"--no-check-certificate"),
        "pip" | "pip3" => {
            args.iter().any(|a| a.starts_with("--trusted-host"))
                || (args.starts_with(&["config", "set"]) && args.iter().any(|a| a.contains("trusted-host")))
        }
        "python" | "python3" => {
            args.windows(2).any(|w| w == ["-m", "pip"]) && args.iter().any(|a| a.starts_with("--trusted-host"))
        }
        "git" => args
            .iter()
            .any(|a| a.eq_ignore_ascii_case("http.sslVerify=false") || a.eq_ignore_ascii_case("http.sslverify")),
        "npm" | "yarn" | "pnpm" => args.windows(2).any(|w| w[0] == "strict-ssl" && w[1] == "false"),
        _ => false,
    };
    if tls_off {
        return Some((
            format!("`{program}` with TLS certificate checks off"),
            "anyone on the network can answer for the server".into(),
        ));
    }
    let unsigned = match program {
        "apt-get" | "apt" => args
            .iter()
            .any(|a| matches!(*a, "--allow-unauthenticated" | "--allow-insecure-repositories")),
        "apk" => args.contains(&"--allow-untrusted"),
        _ => false,
    };
    unsigned.then(|| {
        (
            format!("`{program}` installing packages whose signatures are not checked"),
            "any mirror can hand it a package of its own".into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::shell::simple_commands;

    fn flagged(script: &str) -> bool {
        let commands = simple_commands(script);
        (0..commands.len()).any(|i| {
            unverified(&commands[i], commands.get(i + 1))
                .or_else(|| run_unchecked(&commands, i))
                .is_some()
        })
    }

    #[test]
    fn downloads_run_unread_or_unchecked_are_flagged() {
        assert!(flagged("curl -fsSL https://deb.nodesource.com/setup_22.x | bash -"));
        assert!(flagged("wget -qO- https://get.example.sh | /bin/sh"));
        assert!(flagged("curl -fsSLk https://example.com/x -o x"));
        assert!(flagged(
            "pip install --trusted-host pypi.example.com -r requirements.txt"
        ));
        assert!(flagged("git -c http.sslVerify=false clone https://git.example.com/x"));
        assert!(flagged("apt-get install -y --allow-unauthenticated curl"));
        assert!(!flagged(
            "curl -fsSL https://example.com/key.asc | gpg --dearmor -o /usr/share/keyrings/x.gpg"
        ));
        assert!(!flagged(
            "curl -fsSLo setup.sh https://example.com/setup.sh && sha256sum -c sums && sh setup.sh"
        ));
        assert!(!flagged("curl --fail https://example.com/x -o x"));
        assert!(flagged("bash <(curl -s https://x.example/i.sh)"));
        assert!(flagged("sh -c \"$(curl -fsSL https://x.example/i.sh)\""));
        assert!(flagged(
            "curl -fsSL https://x.example/i.sh -o /tmp/i.sh && sh /tmp/i.sh"
        ));
        assert!(flagged("curl -fsSLo i.sh https://x.example/i.sh && bash ./i.sh"));
        assert!(flagged("pip config set global.trusted-host pypi.internal"));
        assert!(!flagged(
            "curl -fsSLo i.sh https://x.example/i.sh && echo \"abc  i.sh\" | sha256sum -c - && sh i.sh"
        ));
        assert!(!flagged("sh /app/entrypoint.sh"));
    }
}
