use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `traefik.docker.network` label that names no network the
    /// service is on, by the name Docker knows it by: a network's `name`,
    /// an `external` network's own, or compose's `STACK_NETWORK` for the
    /// others (never the spec's short name alone).
    ///
    /// ## Why is this bad?
    /// Traefik reaches a container on several networks at the address of
    /// the one this label names. Not finding it, Traefik warns "Could not
    /// find network named ... Maybe you're missing the project's prefix in
    /// the label?" and takes the first network it finds: often one Traefik
    /// is not on, and requests time out (504 Gateway Timeout).
    ///
    /// ## Example
    /// ```text
    /// network proxy external name traefik_proxy
    /// network backend internal
    ///
    /// service wiki {
    ///     image ghcr.io/requarks/wiki:2.5.307
    ///     labels {
    ///         traefik.docker.network = proxy
    ///     }
    ///     networks proxy, backend
    /// }
    /// ```
    ///
    /// ## Use instead
    /// The Docker name of the network Traefik shares with it:
    /// ```text
    ///         traefik.docker.network = traefik_proxy
    /// ```
    pub struct TraefikNetworkMismatch {
        name: "traefik-network-mismatch",
        severity: Warning,
        summary: "a Traefik network label that names none of the service's networks",
        target: Compose,
    }
}

/// The label Traefik's Docker provider reads for a container's network.
const LABEL: &str = "traefik.docker.network";

impl Rule for TraefikNetworkMismatch {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some(label) = service.labels.iter().find(|l| l.name.value == LABEL) else {
                continue;
            };
            let named = &label.value.value;
            let joined: Vec<(&str, String)> = (service.network_names())
                .map(|name| (name, stack.docker_network_name(name)))
                .collect();
            if joined.iter().any(|(_, docker)| docker == named) {
                continue;
            }
            out.push(
                Self::META
                    .diagnostic(format!(
                        "`{}`'s `{LABEL}` names `{named}`, none of its networks",
                        service.name.value
                    ))
                    .primary(label.value.span, "not a network it is on")
                    .help(help(stack, &service.name.value, &joined, named)),
            );
        }
    }
}

/// What to write instead of `named`: the Docker name of the network the
/// spec calls so, the network of that Docker name to join, or the Docker
/// names of the service's networks. `joined`: (the spec's name, Docker's).
fn help(stack: &Stack, service: &str, joined: &[(&str, String)], named: &str) -> String {
    if let Some((_, docker)) = joined.iter().find(|(spec, _)| *spec == named) {
        return format!("Docker knows the network `{named}` as `{docker}`: write `{docker}`");
    }
    let mut declared = stack.networks.iter().map(|n| n.name.as_str());
    if let Some(network) = declared.find(|n| stack.docker_network_name(n) == named) {
        return format!("`{service}` is not on `{network}`, which Docker knows as `{named}`: add it to its `networks`");
    }
    let dockers: Vec<String> = joined.iter().map(|(_, docker)| format!("`{docker}`")).collect();
    format!(
        "write the Docker name of the network Traefik shares with it: {}",
        dockers.join(", ")
    )
}
