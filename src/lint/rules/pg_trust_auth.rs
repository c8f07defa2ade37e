use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{EnvOrigin, EnvValue, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags `POSTGRES_HOST_AUTH_METHOD = "trust"`, in `env`, in an env file
    /// the service reads, or in its own image's `ENV`.
    ///
    /// An error where more than the app's own containers reach the
    /// database: a published port, or a proxy on one of its networks (the
    /// container that faces the internet). A database that only the app's
    /// services reach (Mastodon's, on an `internal` network of its own) is
    /// a warning: those containers connect to it anyway, but any container
    /// later added to the network gets in too.
    ///
    /// ## Why is this bad?
    /// `trust` lets every connection in as any user, the superuser
    /// included, without a password. Every container on the network, and
    /// anyone who reaches a published port, owns the database.
    ///
    /// ## Example
    /// ```text
    /// service db {
    ///     image postgres:16.4
    ///     env {
    ///         POSTGRES_HOST_AUTH_METHOD = "trust"
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Leave the method at its default (`scram-sha-256`) and give the
    /// database a password from a secret:
    /// ```text
    /// secret db_password file "secrets/db_password.txt"
    ///
    /// service db {
    ///     image postgres:16.4
    ///     secret POSTGRES_PASSWORD = db_password
    /// }
    /// ```
    pub struct PgTrustAuth {
        name: "pg-trust-auth",
        severity: Error,
        summary: "`POSTGRES_HOST_AUTH_METHOD=trust` lets anyone in without a password",
    }
}

impl Rule for PgTrustAuth {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            {
                // From `env`, an env file, or the image's own `ENV`.
                let method = stack.env_value(service, "POSTGRES_HOST_AUTH_METHOD");
                if !method.known().is_some_and(|m| m.trim().eq_ignore_ascii_case("trust")) {
                    continue;
                }
                let finding = Self::META.diagnostic(format!(
                    "`{}` accepts every connection without a password",
                    service.name.value
                ));
                const IN: &str = "any user, the superuser included, gets in";
                let mut finding = match (facts::spec_place(stack, service, &method), &method) {
                    (Some(at), EnvValue::Set(_, EnvOrigin::Spec(_))) => finding.primary(at, IN),
                    (Some(at), _) => method.label(finding.primary(at, "this env file sets it to `trust`"), IN),
                    (None, _) => method.label(finding.primary(service.name.span, "its image sets it to `trust`"), IN),
                };
                for port in &service.ports {
                    finding = finding.secondary(port.span, "and the database is published here");
                }
                let proxy = facts::proxies(stack).find(|(proxy, _)| facts::share_network(proxy, service));
                if let Some((proxy, _)) = proxy {
                    finding = finding.secondary(proxy.name.span, "faces the internet, and shares a network with it");
                } else if service.ports.is_empty() {
                    finding.severity = Severity::Warning;
                    if let Some(network) = service.networks.first() {
                        finding = finding.secondary(
                            network.span,
                            "only the app's own services reach it here; a container added to this network would get in too",
                        );
                    }
                }
                out.push(finding.help(
                    "remove this entry (the default is `scram-sha-256`) and set the password with `secret POSTGRES_PASSWORD = SECRET`",
                ));
            }
        }
    }
}
