//! Lowering of `network NAME [internal] [external] [name NAME] [driver
//! DRIVER]`, with what Docker would otherwise find only at `up`: a name
//! it takes, a driver it has, and an external network that sets nothing
//! only its maker can.

use crate::syntax::tree::Pair;

use super::{next, span, Lowerer};
use crate::diagnostic::Diagnostic;
use crate::ir::Network;
use crate::source::{Span, Spanned};
use crate::syntax::grammar::Rule;

impl Lowerer {
    pub(super) fn lower_network(&mut self, pair: Pair<'_>) -> Network {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "network"); // kw_network
        let name = self.lower_name(next(&mut inner, "network"));
        if name.value == Network::DEFAULT {
            self.report(
                Diagnostic::error("reserved-name", "`default` is compose's own network")
                    .primary(name.span, "reserved")
                    .help("services that name no network are on `default` already; give this one another name"),
            );
        }
        let (mut internal, mut external, mut network_name, mut driver) = (None, None, None, None);
        for option in inner {
            let option_span = span(&option);
            let rule = option.as_rule();
            let mut parts = option.into_inner();
            let keyword = next(&mut parts, "network option").as_str().to_string();
            match rule {
                Rule::internal => self.set_once(&mut internal, (), option_span, &keyword),
                Rule::external => self.set_once(&mut external, (), option_span, &keyword),
                Rule::network_name => {
                    let value = self.lower_docker_name(next(&mut parts, "network_name"), "network", 1, "traefik_proxy");
                    self.set_once(&mut network_name, value, option_span, &keyword);
                }
                _ => {
                    let value = self.lower_network_driver(next(&mut parts, "network_driver"));
                    self.set_once(&mut driver, value, option_span, &keyword);
                }
            }
        }
        if let Some((_, external)) = external {
            for (what, at) in [
                ("internal", internal.map(|(_, at)| at)),
                ("driver", driver.as_ref().map(|(_, at)| *at)),
            ] {
                if let Some(at) = at {
                    self.report_made_elsewhere(what, at, external);
                }
            }
        }
        Network {
            name,
            internal: internal.is_some(),
            external: external.map(|(_, at)| at),
            network_name: network_name.map(|(v, _)| v),
            driver: driver.map(|(v, _)| v),
            span: at,
        }
    }

    /// `driver DRIVER`: one of [`Network::DRIVERS`].
    fn lower_network_driver(&mut self, pair: Pair<'_>) -> Spanned<String> {
        let driver = self.lower_name(pair);
        if !Network::DRIVERS.contains(&driver.as_str()) {
            let help = match crate::suggest::closest(&driver.value, Network::DRIVERS.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None if ["host", "none"].contains(&driver.as_str()) => format!(
                    "`{}` is Docker's own network, never made by a project: leave `driver` out, or write one of {}",
                    driver.value,
                    Network::DRIVERS.join(", ")
                ),
                None => format!("write one of {}", Network::DRIVERS.join(", ")),
            };
            self.report(
                Diagnostic::error(
                    "invalid-network-driver",
                    format!("`{}` is not a network driver", driver.value),
                )
                .primary(driver.span, "unknown driver")
                .help(help),
            );
        }
        driver
    }

    /// `internal` or `driver` on an external network: its maker decides
    /// them; compose ignores them here, and the compose specification
    /// calls such a file invalid.
    fn report_made_elsewhere(&mut self, what: &str, at: Span, external: Span) {
        self.report(
            Diagnostic::error("conflicting-statements", format!("an external network cannot set `{what}`"))
                .primary(at, "set here")
                .secondary(external, "made by another project")
                .help(format!(
                    "the project that makes the network sets its `{what}`, and compose ignores it here: remove it, or remove `external` to make the network with this stack"
                )),
        );
    }
}
