use crate::diagnostic::{Diagnostic, Edit};
use crate::ir::Stack;
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags development switches in a deployed stack: `DEBUG` (or
    /// `DJANGO_DEBUG`) set to a true value, a command that runs
    /// `manage.py runserver`, and Gunicorn's `--reload`. A development
    /// environment (`environment dev { ... }`, neither named `prod` or
    /// `production` nor marked `production`) is left alone: these are its
    /// point.
    ///
    /// ## Why is this bad?
    /// With `DEBUG` on, Django shows every error page with settings, the
    /// SQL and local variables to whoever triggers it, and keeps every
    /// query in memory. `runserver` is a development server ("It has not
    /// gone through security audits or performance tests", say Django's
    /// docs); `--reload` restarts workers on file changes and costs CPU.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     command "python manage.py runserver 0.0.0.0:8000"
    ///     env {
    ///         DEBUG = "True"
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application bind 8000 workers 3
    ///     env {
    ///         DEBUG = "False"
    ///     }
    /// }
    /// ```
    pub struct DebugInProd {
        name: "debug-in-prod",
        severity: Warning,
        summary: "`DEBUG` on, `runserver`, or Gunicorn's `--reload`",
        fixable: true,
    }
}

impl Rule for DebugInProd {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        if !stack.is_deployed() {
            return;
        }
        for service in &stack.services {
            let name = &service.name.value;
            for var in service
                .env
                .iter()
                .filter(|v| matches!(v.name.as_str(), "DEBUG" | "DJANGO_DEBUG"))
            {
                if !facts::is_truthy(&var.value.value) {
                    continue;
                }
                let off = if var.value.value.trim() == "1" { "0" } else { "False" };
                out.push(
                    Self::META
                        .diagnostic(format!("`{name}` runs with `{}` on", var.name.value))
                        .primary(var.value.span, "error pages show settings, SQL and local variables")
                        .help(format!("set `{} = \"{off}\"`", var.name.value))
                        .fix(
                            format!("set `{}` to `{off}`", var.name.value),
                            vec![Edit::replace(var.value.span, format!("\"{off}\""))],
                        ),
                );
            }
            let Some(argv) = &service.command else { continue };
            for program in facts::programs(argv) {
                let problem = if facts::runs_manage(&program, "runserver") {
                    "Django's development server"
                } else if facts::is_gunicorn(&program) && program.iter().any(|w| w == "--reload") {
                    "`--reload` watches files and restarts workers"
                } else {
                    continue;
                };
                out.push(
                    Self::META
                        .diagnostic(format!("`{name}` runs a development setting"))
                        .primary(argv.span, problem)
                        .help("serve with `gunicorn MODULE:CALLABLE bind PORT workers N`, without `--reload`"),
                );
            }
        }
    }
}
