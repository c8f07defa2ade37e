use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// On a cluster (`--target kubernetes`), flags a `publish` on every
    /// interface by anything but the proxy. A `publish` on the host's
    /// loopback (`127.0.0.1:6379 -> 6379`), for tools on the machine, is
    /// left alone: `kubectl port-forward` is its cluster equivalent.
    ///
    /// ## Why is this bad?
    /// On a cluster, a port is reachable from outside only through a
    /// Service of type LoadBalancer or NodePort, or an Ingress. stackc
    /// writes those for the proxy only; every other service gets a
    /// ClusterIP Service, reachable inside the cluster alone, so what
    /// compose published is silently private there.
    ///
    /// ## Example
    /// ```text
    /// service api {
    ///     image example/api:2.0
    ///     publish 8080 -> 8080
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Put the service behind the stack's proxy (an upstream and a
    /// location), which the cluster's Ingress reaches. A port of another
    /// protocol than HTTP (SSH, DNS, a TURN server's UDP) cannot go through
    /// nginx's HTTP servers: give it a
    /// LoadBalancer Service in the cluster's own manifests.
    pub struct PublishedPortOnCluster {
        name: "published-port-on-cluster",
        severity: Warning,
        summary: "a port published by a service other than the proxy, private on a cluster",
        target: Kubernetes,
    }
}

impl Rule for PublishedPortOnCluster {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in stack.services.iter().filter(|s| s.proxy().is_none()) {
            for port in service.ports.iter().filter(|p| p.on_every_interface()) {
                let help = match port.container_port.is_tcp() {
                    true => {
                        "route HTTP through the proxy (an upstream and a location): the Ingress reaches the proxy; \
                         give another protocol (SSH, DNS, a database's) a LoadBalancer Service in the cluster's own manifests"
                    }
                    false => "nginx's servers take HTTP over TCP only: give the port a LoadBalancer Service in the cluster's own manifests",
                };
                out.push(
                    Self::META
                        .diagnostic(format!(
                            "`{}`'s port {} is published, but a cluster reaches it only from inside",
                            service.name.value, port.container_port
                        ))
                        .primary(port.span, "a ClusterIP Service on a cluster: no way in from outside")
                        .help(help),
                );
            }
        }
    }
}
