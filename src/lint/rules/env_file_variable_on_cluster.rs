use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// On a cluster (`--target kubernetes`), flags a variable of an
    /// `env_file` whose value compose fills in from other variables
    /// (`DATABASE_URL=postgres://app:${POSTGRES_PASSWORD}@db/app`).
    ///
    /// ## Why is this bad?
    /// compose fills `$VAR` and `${VAR}` in an env file from the
    /// environment it runs in and the project's `.env`. On a cluster the
    /// env file becomes a Secret (`kubectl create secret generic NAME
    /// --from-env-file FILE`), which keeps each value as written: the app
    /// reads the text `${POSTGRES_PASSWORD}`, and its database login
    /// fails with nothing said at deploy time.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image example/web:1.0
    ///     env_file "env/web.env"   # DATABASE_URL=postgres://app:${POSTGRES_PASSWORD}@db/app
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Make the cluster's Secret from a file with the values filled in
    /// (`envsubst < env/web.env > web.env`, kept out of git), or write the
    /// values themselves in the env file.
    pub struct EnvFileVariableOnCluster {
        name: "env-file-variable-on-cluster",
        severity: Warning,
        summary: "an env file's value that compose fills in from variables, which a cluster's Secret keeps as text",
        target: Kubernetes,
    }
}

impl Rule for EnvFileVariableOnCluster {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            for path in service.env_file_paths() {
                let Some(loaded) = stack.inputs.env_file(&path.value) else {
                    continue;
                };
                // The entry that decides each variable (the file's last),
                // unless the spec's `env` sets it, which wins over an env
                // file under compose and on a cluster alike.
                let deciding = (loaded.vars.vars.iter().enumerate())
                    .filter(|(at, e)| {
                        loaded.vars.vars[at + 1..]
                            .iter()
                            .all(|later| later.name.value != e.name.value)
                    })
                    .map(|(_, e)| e)
                    .filter(|e| e.interpolates && !service.env.iter().any(|v| v.name.value == e.name.value));
                for entry in deciding {
                    let filled = entry
                        .value
                        .as_ref()
                        .map_or_else(Vec::new, |v| crate::input::env_file::variables(&v.value));
                    let from = match filled[..] {
                        [] => String::new(),
                        _ => format!(
                            " from {}",
                            filled.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                        ),
                    };
                    let mut finding = Self::META
                        .diagnostic(format!(
                            "`{}` is filled in by compose{from}, and would reach `{}` on a cluster as written",
                            entry.name.value, service.name.value
                        ))
                        .primary(path.span, "a cluster's Secret is made from this env file");
                    if let Some(value) = &entry.value {
                        // Env files hold secrets as often as settings: the
                        // value is masked in the snippet.
                        finding = finding
                            .secondary_in(loaded.file, value.span, "compose fills this in; kubectl does not")
                            .secret_in(loaded.file, value.span);
                    }
                    out.push(finding.help(format!(
                        "make the cluster's Secret from a copy with the values filled in (`envsubst < {0} > FILE`, \
                         kept out of git), or write the values in {0}",
                        path.value
                    )));
                }
            }
        }
    }
}
