use crate::diagnostic::Diagnostic;
use crate::input::shell::{commands_of, SimpleCommand};
use crate::ir::{Probe, Service, Stack};
use crate::lint::command_secrets::in_commands;
use crate::lint::{facts, Rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags a password or token written into a command line: the
    /// service's `command`, a job's `run`, a `ready cmd` (or the URL of a
    /// `ready http`, a word of the healthcheck command stackc writes), or
    /// an `entrypoint`, a `RUN` of the build's `dockerfile` lines, and each
    /// command of an `sh -c` script in them. It knows the password options
    /// of the common tools (`redis-server --requirepass`, `redis-cli -a`,
    /// `mysqladmin -pSECRET`, `mongosh -p`, `sshpass -p`, `curl -u
    /// user:SECRET`, `htpasswd -b`, `rabbitmqctl add_user`, `keytool
    /// -storepass`, `openssl -passout pass:SECRET`), any `--password`,
    /// `--token`, `--api-key` or `--client-secret` option, a
    /// `PGPASSWORD=...` before a program or after `export`, an
    /// `Authorization:` header, a URL with a password or a well-known
    /// token in any word, and a literal `echo`ed into a program that reads
    /// a password from its input (`docker login --password-stdin`,
    /// `chpasswd`); a shell variable of any name set earlier in the script
    /// (`P=SECRET; exec app --password "$P"`) is read where it is used.
    ///
    /// A placeholder that a shell fills in when the command runs
    /// (`"$(cat /run/secrets/redis_password)"`, `"$REDIS_PASSWORD"`) is no
    /// secret; nor is `psql --password`, which only asks for one.
    ///
    /// ## Why is this bad?
    /// A command line is written into compose.yaml, which is committed,
    /// shown by `docker inspect` and `docker compose config`, and visible
    /// to every user of the host in `ps`. A readiness check runs every few
    /// seconds, so its command line is in the process list most of the
    /// time. A `RUN` line's is in the image's history (`docker history`),
    /// for anyone who pulls it.
    ///
    /// ## Example
    /// ```text
    /// service cache {
    ///     image redis:7.4
    ///     command "redis-server --requirepass hunter2"
    ///     ready cmd "redis-cli -a hunter2 ping"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Keep the password in a file secret, and let a shell read it from
    /// the file when the command starts:
    /// ```text
    /// secret redis_password file "secrets/redis_password.txt"
    ///
    /// service cache {
    ///     image redis:7.4
    ///     user redis
    ///     secret REDIS_PASSWORD = redis_password
    ///     command ["sh", "-c", "exec redis-server --requirepass \"$(cat \"$REDIS_PASSWORD_FILE\")\""]
    ///     ready cmd "REDISCLI_AUTH=\"$(cat \"$REDIS_PASSWORD_FILE\")\" redis-cli ping"
    /// }
    /// ```
    pub struct SecretInCommand {
        name: "secret-in-command",
        severity: Error,
        summary: "a password or token written into a command line",
    }
}

impl Rule for SecretInCommand {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            for (span, commands, line) in command_lines(service) {
                let Some((what, variable)) = in_commands(&commands) else {
                    continue;
                };
                let secret = variable.to_ascii_lowercase();
                let (kind, seen_in, help) = match line {
                    Line::Url => (
                        "the readiness check URL",
                        "in compose.yaml, `docker inspect` and `ps`",
                        format!("a health endpoint needs no key: let it answer without one, or check with `ready cmd` and let a shell read the key from a file secret (`secret {variable} = {secret}`)"),
                    ),
                    Line::Command => (
                        "a command",
                        "in compose.yaml, `docker inspect` and `ps`",
                        format!(
                            "keep it in a file secret (`secret {secret} file \"secrets/{secret}.txt\"`, then `secret {variable} = {secret}` here) and let a shell read the file when the command starts: [\"sh\", \"-c\", \"exec ... \\\"$(cat \\\"${variable}_FILE\\\")\\\"\"]"
                        ),
                    ),
                    Line::Run => (
                        "a `dockerfile` RUN line",
                        "in the image's history, for anyone who pulls it",
                        "a build needs a secret only through BuildKit's secret mount (`RUN --mount=type=secret,id=NAME ...`, \
                         read from /run/secrets/NAME), which stackc's lines cannot pass; do the step when the container \
                         starts instead, with a file secret"
                            .to_string(),
                    ),
                };
                out.push(
                    Self::META
                        .diagnostic(format!("{kind} of `{}` has a secret in it", service.name.value))
                        .primary(span, format!("{what}: {seen_in}"))
                        .secret(span)
                        .help(help),
                );
            }
        }
    }
}

/// What kind of line a command line is.
enum Line {
    /// A command, an entrypoint or a `ready cmd`: in compose.yaml.
    Command,
    /// A `ready http` URL, a word of the healthcheck command stackc writes.
    Url,
    /// A `RUN` of the build's `dockerfile` lines: in the image.
    Run,
}

/// Every command line of a service, with the commands it runs.
fn command_lines(service: &Service) -> Vec<(Span, Vec<SimpleCommand>, Line)> {
    let mut lines = Vec::new();
    if let Some(argv) = &service.command {
        lines.push((argv.span, commands_of(&argv.words), Line::Command));
    }
    match service.ready.as_ref().map(|r| &r.probe) {
        Some(Probe::Cmd(argv)) => lines.push((argv.span, facts::probe_commands(argv), Line::Command)),
        Some(Probe::Http { path, .. }) => {
            lines.push((path.span, commands_of(std::slice::from_ref(&path.value)), Line::Url))
        }
        _ => {}
    }
    if let Some(argv) = &service.entrypoint {
        lines.push((argv.span, commands_of(&argv.words), Line::Command));
    }
    let raw = service
        .build()
        .and_then(|b| b.python())
        .map(|p| &p.dockerfile[..])
        .unwrap_or_default();
    for line in raw {
        // Read as the Dockerfile reader reads the written file.
        let Some(run) = crate::input::dockerfile::parse_instruction(&line.text.value).0 else {
            continue;
        };
        let commands = run.run_commands();
        if !commands.is_empty() {
            lines.push((line.text.span, commands, Line::Run));
        }
    }
    lines
}
