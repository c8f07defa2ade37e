use crate::diagnostic::Diagnostic;
use crate::input::dockerfile::Form;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `command` (or a job's `run`) that starts with the program
    /// the app's own Dockerfile already runs as its `ENTRYPOINT` (exec
    /// form): `run ["/notes", "-migrate"]` for an image whose Dockerfile
    /// says `ENTRYPOINT ["/notes"]`.
    ///
    /// ## Why is this bad?
    /// Docker appends the command to the entrypoint: the container runs
    /// `/notes /notes -migrate`, the program given its own path as its
    /// first argument. Most programs then stop with a usage error, or
    /// ignore the flag and start the server instead of the one-shot task.
    /// Compose and the cluster's manifests pass every validator all the
    /// same.
    ///
    /// ## Example
    /// ```text
    /// job migrate {
    ///     image of app   # its Dockerfile: ENTRYPOINT ["/notes"]
    ///     run ["/notes", "-migrate"]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Give the arguments alone, or replace the entrypoint:
    /// ```text
    ///     run ["-migrate"]
    /// ```
    pub struct EntrypointRepeated {
        name: "entrypoint-repeated",
        severity: Warning,
        summary: "a command that starts with the program its image's ENTRYPOINT already runs",
    }
}

impl Rule for EntrypointRepeated {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in stack.services.iter().filter(|s| s.entrypoint.is_none()) {
            let Some(command) = &service.command else { continue };
            let builder = stack.builder_of(service);
            let Some(image) = builder.and_then(|b| stack.inputs.image(&b.name.value)) else {
                continue;
            };
            let Some(entrypoint) = image.facts().and_then(|f| f.entrypoint.as_ref()) else {
                continue;
            };
            let (Form::Exec(program), Some(first)) = (&entrypoint.form, command.words.first()) else {
                continue;
            };
            if program.first() != Some(first) {
                continue;
            }
            out.push(
                Self::META
                    .diagnostic(format!(
                        "`{}` runs `{first}` twice: its image's ENTRYPOINT is `{first}` already",
                        service.name.value
                    ))
                    .primary(
                        command.span,
                        format!("appended to the ENTRYPOINT: `{first} {first} ...`"),
                    )
                    .secondary_in(image.file, entrypoint.span, "the ENTRYPOINT")
                    .help("give the arguments alone (leave out the program), or set `entrypoint` to replace it"),
            );
        }
    }
}
