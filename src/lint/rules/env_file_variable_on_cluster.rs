use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// On a cluster (`--target kubernetes`), flags a variable of an
    /// `env_file` whose value compose reads as something other than its
    /// text: one compose fills in from other variables
    /// (`DATABASE_URL=postgres://app:${POSTGRES_PASSWORD}@db/app`), a
    /// quoted one (`SECRET_KEY="s3cr3t"`: compose takes the quotes off and
    /// reads the escapes of double quotes), and one holding `$$` (one `$`
    /// to compose).
    ///
    /// ## Why is this bad?
    /// On a cluster the env file becomes a Secret (`kubectl create secret
    /// generic NAME --from-env-file FILE`), which keeps each value as
    /// written: the app reads the text `${POSTGRES_PASSWORD}`, or a key
    /// with its quotes, and its database login or its signed cookies fail
    /// with nothing said at deploy time.
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
    /// Make the cluster's Secret from a file with the values as compose
    /// reads them (`envsubst < env/web.env > web.env`, kept out of git), or
    /// write each value in the env file as it is meant: unquoted (an env
    /// file value needs no quotes for its spaces), one `$` for a dollar.
    pub struct EnvFileVariableOnCluster {
        name: "env-file-variable-on-cluster",
        severity: Warning,
        summary: "an env file's value that compose reads otherwise than written (variables, quotes, `$$`), which a cluster's Secret keeps as text",
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
                    .filter(|e| !service.env.iter().any(|v| v.name.value == e.name.value));
                for entry in deciding {
                    let Some(value) = &entry.value else { continue };
                    let written = stack
                        .inputs
                        .source(loaded.file)
                        .text
                        .get(value.span.range())
                        .unwrap_or_default();
                    let Some(change) = compose_reads(entry, written) else {
                        continue;
                    };
                    // Env files hold secrets as often as settings: the
                    // value is masked in the snippet.
                    let finding = Self::META
                        .diagnostic(format!(
                            "`{}` {}, and would reach `{}` on a cluster as written",
                            entry.name.value, change.what, service.name.value
                        ))
                        .primary(path.span, "a cluster's Secret is made from this env file")
                        .secondary_in(loaded.file, value.span, change.label)
                        .secret_in(loaded.file, value.span);
                    out.push(finding.help(format!(
                        "make the cluster's Secret from a copy with the values as compose reads them (`envsubst < {0} \
                         > FILE`, kept out of git), or write each value in {0} as it is meant: unquoted, one `$` \
                         for a dollar",
                        path.value
                    )));
                }
            }
        }
    }
}

/// How compose changes a value that `kubectl create secret --from-env-file`
/// keeps as written: what the finding says, and its label on the value.
struct Change {
    what: String,
    label: &'static str,
}

/// What compose does to the value `written` (its text in the file) that a
/// cluster's Secret does not: fill in variables, take off quotes (and read
/// their escapes), make `$$` one `$`. `None` when both read it alike.
fn compose_reads(entry: &crate::input::env_file::EnvEntry, written: &str) -> Option<Change> {
    let value = entry.value.as_ref()?;
    if entry.interpolates {
        let filled = crate::input::env_file::variables(&value.value);
        let from = match filled[..] {
            [] => String::new(),
            _ => format!(
                " from {}",
                filled.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ),
        };
        return Some(Change {
            what: format!("is filled in by compose{from}"),
            label: "compose fills this in; kubectl does not",
        });
    }
    if written.starts_with(['"', '\'']) {
        return Some(Change {
            what: "is quoted (compose takes the quotes off)".to_string(),
            label: "compose reads this without its quotes; kubectl keeps them",
        });
    }
    value.value.contains("$$").then(|| Change {
        what: "holds `$$` (one `$` to compose)".to_string(),
        label: "compose reads `$$` as `$`; kubectl keeps both",
    })
}
