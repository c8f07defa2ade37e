use crate::diagnostic::Diagnostic;
use crate::input::env_file::EnvEntry;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// On a cluster (`--target kubernetes`), flags a variable of an
    /// `env_file` whose value compose reads as something other than its
    /// text: one compose fills in from other variables
    /// (`DATABASE_URL=postgres://app:${POSTGRES_PASSWORD}@db/app`), a
    /// quoted one (`SECRET_KEY="s3cr3t"`: compose takes the quotes off and
    /// reads the escapes of double quotes), one holding `$$` (one `$` to
    /// compose), one with a comment after it or blanks around it
    /// (`DEBUG=false  # true in dev`); and a line compose reads that
    /// kubectl refuses (`export KEY=value`, `KEY: value`, `KEY = value`,
    /// a variable set a second time), which stops the whole file.
    ///
    /// ## Why is this bad?
    /// On a cluster the env file becomes a Secret (`kubectl create secret
    /// generic NAME --from-env-file FILE`), which keeps each value as
    /// written (the text after the first `=`): the app reads the text
    /// `${POSTGRES_PASSWORD}`, a key with its quotes, `false  # true in
    /// dev`, and its database login or its signed cookies fail with
    /// nothing said at deploy time.
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
    /// write each line of the env file as both read it: `KEY=value`,
    /// unquoted (an env file value needs no quotes for its spaces),
    /// nothing around the `=` nor after the value, one `$` for a dollar.
    pub struct EnvFileVariableOnCluster {
        name: "env-file-variable-on-cluster",
        severity: Warning,
        summary: "an env file's value that compose reads otherwise than written (variables, quotes, `$$`, comments), which a cluster's Secret keeps as text",
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
                let text = &stack.inputs.source(loaded.file).text;
                let entries = &loaded.vars.vars;
                for (at, entry) in entries.iter().enumerate() {
                    let Some(value) = &entry.value else { continue };
                    let set_later = entries[at + 1..]
                        .iter()
                        .any(|later| later.name.value == entry.name.value);
                    let set_before = entries[..at]
                        .iter()
                        .any(|earlier| earlier.name.value == entry.name.value);
                    // What kubectl refuses stops the whole file, whichever
                    // entry decides the variable.
                    let change = match kubectl_reads(text, entry) {
                        Some((key, _)) if key != entry.name.value => refused(),
                        None => refused(),
                        _ if set_before && !set_later => Some(Change {
                            what: "is set twice (compose takes the last; kubectl refuses a key twice)".to_string(),
                            label: "set again here",
                            refused: true,
                        }),
                        // The entry that decides the variable (the file's
                        // last), unless the spec's `env` sets it, which wins
                        // under compose and on a cluster alike.
                        Some((_, read))
                            if !set_later && !service.env.iter().any(|v| v.name.value == entry.name.value) =>
                        {
                            compose_reads(entry, text, read)
                        }
                        _ => None,
                    };
                    let Some(change) = change else { continue };
                    let outcome = match change.refused {
                        true => String::new(),
                        false => format!(", and would reach `{}` on a cluster as written", service.name.value),
                    };
                    // Env files hold secrets as often as settings: the
                    // value is masked in the snippet.
                    let finding = Self::META
                        .diagnostic(format!("`{}` {}{outcome}", entry.name.value, change.what))
                        .primary(path.span, "a cluster's Secret is made from this env file")
                        .secondary_in(loaded.file, value.span, change.label)
                        .secret_in(loaded.file, value.span);
                    out.push(finding.help(format!(
                        "make the cluster's Secret from a copy with the values as compose reads them (`envsubst < {0} \
                         > FILE`, kept out of git), or write each line of {0} as both read it: `KEY=value` once, \
                         unquoted, nothing around the `=` nor after the value, one `$` for a dollar",
                        path.value
                    )));
                }
            }
        }
    }
}

/// How compose reads an entry that `kubectl create secret --from-env-file`
/// reads otherwise: what the finding says, its label on the value, and
/// whether kubectl refuses the file outright.
struct Change {
    what: String,
    label: &'static str,
    refused: bool,
}

/// A line compose reads and kubectl refuses.
fn refused() -> Option<Change> {
    Some(Change {
        what: "is written in a form compose reads and `kubectl --from-env-file` refuses (`export`, `:`, or blanks \
               around `=`)"
            .to_string(),
        label: "compose reads this line",
        refused: true,
    })
}

/// What compose does to `entry` of the env file `text` that a cluster's
/// Secret, which holds `read`, does not: fill in variables, take off
/// quotes (and read their escapes), make `$$` one `$`, leave out a comment
/// or the blanks around the value. `None` when both read it alike.
fn compose_reads(entry: &EnvEntry, text: &str, read: &str) -> Option<Change> {
    let value = entry.value.as_ref()?;
    let change = |what: &str, label| {
        Some(Change {
            what: what.to_string(),
            label,
            refused: false,
        })
    };
    if entry.interpolates {
        // Only names as variables are named: the rest of a password that
        // holds a `$` is no name to print.
        let filled = crate::input::env_file::variables(&value.value);
        let from = match filled.iter().all(|n| crate::lint::secrets::is_quotable_variable(n)) {
            true if !filled.is_empty() => format!(
                " from {}",
                filled.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ),
            _ => String::new(),
        };
        return change(
            &format!("is filled in by compose{from}"),
            "compose fills this in; kubectl does not",
        );
    }
    if text[value.span.range()].starts_with(['"', '\'']) {
        return change(
            "is quoted (compose takes the quotes off)",
            "compose reads this without its quotes; kubectl keeps them",
        );
    }
    if value.value.contains("$$") {
        return change(
            "holds `$$` (one `$` to compose)",
            "compose reads `$$` as `$`; kubectl keeps both",
        );
    }
    (read != value.value).then_some(())?;
    change(
        "has a comment or blanks that compose leaves out",
        "compose reads the value without them; kubectl keeps them",
    )
}

/// The key and value `kubectl create secret --from-env-file` reads from
/// the line of `entry`: its text from the first non-blank (after a byte
/// order mark), split at the
/// first `=`, the value kept as it is (no quotes, comments or blanks
/// taken off). `None` for a line with no `=`.
fn kubectl_reads<'t>(text: &'t str, entry: &EnvEntry) -> Option<(&'t str, &'t str)> {
    let start = text[..entry.span.start()].rfind('\n').map_or(0, |at| at + 1);
    let end = text[start..].find('\n').map_or(text.len(), |at| start + at);
    // Its first line's byte order mark is no part of the key.
    let line = text[start..end]
        .trim_start_matches('\u{feff}')
        .trim_end_matches('\r')
        .trim_start();
    line.split_once('=')
}
