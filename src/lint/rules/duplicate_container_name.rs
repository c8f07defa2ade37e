use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags two services of the stack given the same `container_name`
    /// (dclint's no-duplicate-container-names).
    ///
    /// ## Why is this bad?
    /// A container name is unique on a Docker host: `docker compose config`
    /// refuses the file, and `up` fails as it creates the second container.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image ghcr.io/acme/shop:1.4
    ///     container_name shop
    /// }
    ///
    /// service worker {
    ///     image ghcr.io/acme/shop:1.4
    ///     container_name shop
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Give each its own name, or none: compose names containers
    /// `STACK-SERVICE-1`, unique per stack.
    pub struct DuplicateContainerName {
        name: "duplicate-container-name",
        severity: Error,
        summary: "two services with one container_name: compose refuses the file",
    }
}

impl Rule for DuplicateContainerName {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        let named: Vec<_> = (stack.services.iter())
            .filter_map(|s| s.container_name.as_ref().map(|n| (s, n)))
            .collect();
        for (at, (service, name)) in named.iter().enumerate() {
            let Some((first, first_name)) = named[..at].iter().find(|(_, n)| n.value == name.value) else {
                continue;
            };
            out.push(
                Self::META
                    .diagnostic(format!(
                        "`{}` and `{}` both name their container `{}`",
                        first.name.value, service.name.value, name.value
                    ))
                    .primary(name.span, "a second container of this name")
                    .secondary(first_name.span, "the first")
                    .help("rename one container, or remove `container_name` and let compose name it"),
            );
        }
    }
}
