use crate::diagnostic::{Diagnostic, Edit};
use crate::ir::{Probe, Stack};
use crate::lint::facts;
use crate::lint::spec_text::argv_with_words_after;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a readiness check that runs `pg_isready` without `-h`, or with
    /// `-h` naming a socket folder.
    ///
    /// ## Why is this bad?
    /// Without a host, `pg_isready` asks the Unix socket. On first start the
    /// postgres image runs a temporary server for its init scripts that
    /// listens on the socket only; the check goes healthy against it, the
    /// app connects over TCP, and finds nothing, or a server that is about
    /// to restart (docker-library/postgres#880).
    ///
    /// ## Example
    /// ```text
    /// service db {
    ///     image postgres:16.4
    ///     ready cmd "pg_isready -U app -d app"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Ask over TCP, as the app does:
    /// ```text
    ///     ready cmd "pg_isready -h 127.0.0.1 -U app -d app"
    /// ```
    pub struct PgIsreadyUnixSocket {
        name: "pg-isready-unix-socket",
        severity: Warning,
        summary: "`pg_isready` checks the Unix socket, which is up before the real server",
        fixable: true,
    }
}

impl Rule for PgIsreadyUnixSocket {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some(Probe::Cmd(argv)) = service.ready.as_ref().map(|r| &r.probe) else {
                continue;
            };
            for program in facts::programs(argv) {
                if program
                    .first()
                    .is_none_or(|w| w.rsplit('/').next() != Some("pg_isready"))
                {
                    continue;
                }
                let host = facts::option_value(&program, "-h", "--host");
                if host.is_some_and(|h| !h.starts_with('/')) {
                    continue;
                }
                let label = match host {
                    Some(_) => "`-h` names a socket folder",
                    None => "no `-h`: asks the Unix socket",
                };
                let mut finding = Self::META
                    .diagnostic(format!(
                        "the readiness check of `{}` can pass before PostgreSQL accepts TCP connections",
                        service.name.value
                    ))
                    .primary(argv.span, label)
                    .help("ask over TCP, as the app does: `pg_isready -h 127.0.0.1 ...`");
                // Rewrite only a plain `pg_isready ...` command with no host.
                if host.is_none() && argv.words.first() == program.first() {
                    finding = finding.fix(
                        "check over TCP with `-h 127.0.0.1`",
                        vec![Edit::replace(
                            argv.span,
                            argv_with_words_after(argv, 0, &["-h", "127.0.0.1"]),
                        )],
                    );
                }
                out.push(finding);
            }
        }
    }
}
