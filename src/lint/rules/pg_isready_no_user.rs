use crate::diagnostic::{Diagnostic, Edit};
use crate::ir::{EnvValue, Probe, Service, Stack};
use crate::lint::facts;
use crate::lint::spec_text::argv_with_words_after;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a readiness check that runs `pg_isready` without `-U` (or
    /// `PGUSER`) in a container that runs as the image's user.
    ///
    /// ## Why is this bad?
    /// Without a user, `pg_isready` connects as the container's user,
    /// root, a role PostgreSQL does not have. The server refuses the login
    /// and logs `FATAL: role "root" does not exist` at every check (every
    /// 5 seconds, 17,000 lines a day), while `pg_isready` still reports
    /// the server as accepting connections: the check works, and the log
    /// fills with fatal errors that hide the real ones (a wrong password
    /// of the app) and page whoever watches for `FATAL`.
    ///
    /// ## Example
    /// ```text
    /// service db {
    ///     image postgres:16.4
    ///     env {
    ///         POSTGRES_USER = "app"
    ///     }
    ///     ready cmd "pg_isready -h 127.0.0.1"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Ask as the role the image creates (and its database, when it is not
    /// named after the role):
    /// ```text
    ///     ready cmd "pg_isready -h 127.0.0.1 -U $POSTGRES_USER"
    /// ```
    pub struct PgIsreadyNoUser {
        name: "pg-isready-no-user",
        severity: Warning,
        summary: "`pg_isready` without `-U` logs a FATAL error for role \"root\" at every check",
        fixable: true,
    }
}

impl Rule for PgIsreadyNoUser {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some(Probe::Cmd(argv)) = service.ready.as_ref().map(|r| &r.probe) else {
                continue;
            };
            // A container user of its own, or `PGUSER`, may name a role the server has.
            if service.user.is_some() || stack.env_value(service, "PGUSER") != EnvValue::Unset {
                continue;
            }
            for program in facts::probe_programs(argv) {
                if program
                    .first()
                    .is_none_or(|w| w.rsplit('/').next() != Some("pg_isready"))
                {
                    continue;
                }
                if facts::option_value(&program, "-U", "--username").is_some() {
                    continue;
                }
                let user = role(stack, service, argv.line.is_some());
                let mut finding = Self::META
                    .diagnostic(format!(
                        "the readiness check of `{}` connects to PostgreSQL as root, a role it does not have",
                        service.name.value
                    ))
                    .primary(argv.span, "no `-U`: asks as the container's user, root")
                    .help(format!(
                        "name the role: `pg_isready -U {}` (the server logs `FATAL: role \"root\" does not exist` \
                         at every check, though the check passes)",
                        user.as_deref().unwrap_or("ROLE")
                    ));
                // Rewrite only a plain `pg_isready ...` command.
                if let Some(user) = user {
                    if argv.words.first() == program.first() {
                        finding = finding.fix(
                            format!("check as `{user}`"),
                            vec![Edit::replace(argv.span, argv_with_words_after(argv, 0, &["-U", &user]))],
                        );
                    }
                }
                out.push(finding);
            }
        }
    }
}

/// The role the postgres image creates, as a check can name it: through
/// the shell (`$POSTGRES_USER`) for a `ready cmd` string, as its value for
/// a list, which no shell expands.
fn role(stack: &Stack, service: &Service, shell: bool) -> Option<String> {
    match (stack.env_value(service, "POSTGRES_USER"), shell) {
        (EnvValue::Set(..), true) => Some("$POSTGRES_USER".to_string()),
        (EnvValue::Set(value, _), false) => Some(value).filter(|v| !v.is_empty() && !v.contains(char::is_whitespace)),
        (EnvValue::Unset, _) => Some("postgres".to_string()),
        (EnvValue::Unknown, true) => Some("${POSTGRES_USER:-postgres}".to_string()),
        (EnvValue::Unknown, false) => None,
    }
}
