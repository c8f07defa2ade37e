use crate::diagnostic::Diagnostic;
use crate::ir::{Network, Stack};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags two networks the stack makes (neither `external`) that
    /// Docker would know by one name: both given it with `name`, or one
    /// given the name compose makes for the other (`STACK_NETWORK`, the
    /// stack's name and the network's: `network backend name shop_front`
    /// beside `network front` in stack `shop`).
    ///
    /// ## Why is this bad?
    /// compose makes each network it owns under its Docker name, marked
    /// with the network's name in the file; the second finds the first's
    /// network there, marked as another, and `docker compose up` stops
    /// ("network shop_front was found but has incorrect label").
    ///
    /// ## Example
    /// ```text
    /// stack shop
    ///
    /// network front
    /// network backend name shop_front
    /// ```
    ///
    /// ## Use instead
    /// Give each network its own name, or one network for both, or
    /// `external` for a network made elsewhere that the stack joins.
    pub struct DuplicateNetworkName {
        name: "duplicate-network-name",
        severity: Error,
        summary: "two networks the stack makes under one Docker name: compose stops",
    }
}

impl Rule for DuplicateNetworkName {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        let project = stack.name_or_default();
        let made: Vec<(&Network, String)> = (stack.networks.iter())
            .filter(|n| n.external.is_none())
            .map(|n| (n, docker_name(project, n)))
            .collect();
        for (at, (network, name)) in made.iter().enumerate() {
            // One declared twice is `check`'s error, not this.
            let clash = |(other, other_name): &&(&Network, String)| {
                other_name == name && other.name.value != network.name.value
            };
            let Some((first, _)) = made[..at].iter().find(clash) else {
                continue;
            };
            let how = |n: &Network| match &n.network_name {
                Some(given) => (given.span, "named so here"),
                None => (n.name.span, "compose's name for it"),
            };
            let (here, why) = how(network);
            let (there, first_why) = how(first);
            out.push(
                Self::META
                    .diagnostic(format!(
                        "networks `{}` and `{}` are both `{name}` to Docker",
                        first.name.value, network.name.value
                    ))
                    .primary(here, format!("`{name}`, {why}"))
                    .secondary(there, format!("`{name}`, {first_why}"))
                    .help("give one of them another `name`, or use one network for both"),
            );
        }
    }
}

/// The name Docker knows a network the stack makes by: its `name`, else
/// compose's `PROJECT_NETWORK`.
fn docker_name(project: &str, network: &Network) -> String {
    match &network.network_name {
        Some(name) => name.value.clone(),
        None => format!("{project}_{}", network.name.value),
    }
}
