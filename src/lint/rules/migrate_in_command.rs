use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a long-running service whose command runs `manage.py migrate`
    /// (or `collectstatic`) before the app, as in `sh -c "python manage.py
    /// migrate && gunicorn ..."`.
    ///
    /// ## Why is this bad?
    /// Every restart and every replica runs the migrations again, several
    /// at once when scaled; a failed migration becomes a crash loop, and
    /// the app is down while they run. Nothing can wait for "migrations
    /// done" either.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image of app
    ///     command ["sh", "-c", "python manage.py migrate && gunicorn shop.wsgi -b 0.0.0.0:8000"]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// A one-shot job the app waits for:
    /// ```text
    /// job migrate {
    ///     image of web
    ///     run "python manage.py migrate --noinput"
    ///     after db ready
    /// }
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application bind 8000
    ///     after migrate done
    /// }
    /// ```
    pub struct MigrateInCommand {
        name: "migrate-in-command",
        severity: Warning,
        summary: "a long-running service that migrates on every start",
    }
}

impl Rule for MigrateInCommand {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in stack.services.iter().filter(|s| !s.is_job()) {
            let Some(argv) = &service.command else { continue };
            for command in ["migrate", "collectstatic"] {
                if !facts::runs_manage_command(service, command) {
                    continue;
                }
                out.push(
                    Self::META
                        .diagnostic(format!("`{}` runs `manage.py {command}` on every start", service.name.value))
                        .primary(argv.span, "again on each restart and in each replica")
                        .help(format!(
                            "move it to `job {command} {{ image of ...; run \"python manage.py {command} --noinput\" }}` and wait for it with `after {command} done`"
                        )),
                );
            }
        }
    }
}
