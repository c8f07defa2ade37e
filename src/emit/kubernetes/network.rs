//! What reaches a pod and what it keeps: Services, the Ingress in front of
//! the proxy, PersistentVolumeClaims, and the proxy's nginx.conf.

use serde_json::{json, Value};

use super::names::{metadata, network_label, object_name, selector};
use super::pod::container_ports;
use super::Manifest;
use crate::ir::{Service, Stack, Volume};

/// A Service in front of a service's pods, named as the service, so
/// `web:8000` in nginx.conf and `DATABASE_HOST = "db"` reach it as they do
/// on compose's network. A proxy with a TLS server is the stack's way in:
/// a LoadBalancer, with nginx terminating TLS with the spec's certificate.
pub(super) fn service(stack: &Stack, service: &Service) -> Option<Manifest> {
    let ports = container_ports(stack, service);
    if ports.is_empty() {
        return None;
    }
    let ports: Vec<Value> = ports
        .into_iter()
        .map(|(port, protocol)| {
            json!({
                "name": format!("{}-{port}", protocol.name()),
                "port": port,
                "targetPort": port,
                "protocol": protocol.kubernetes_name(),
            })
        })
        .collect();
    let name = &service.name.value;
    let group = stack.name_or_default();
    let mut spec = json!({"selector": selector(group, name), "ports": ports});
    if terminates_tls(service) {
        spec["type"] = json!("LoadBalancer");
    }
    let object = object_name(name);
    Some(Manifest::new(
        "v1",
        "Service",
        &object,
        metadata(group, &object, name),
        spec,
    ))
}

fn terminates_tls(service: &Service) -> bool {
    service.proxy().is_some_and(|p| p.servers.iter().any(|s| s.is_tls()))
}

/// The Ingress in front of a plain-HTTP proxy: one rule per server name,
/// every path to nginx, which routes as its nginx.conf says. No
/// controller's annotations: any Ingress controller reads it the same.
pub(super) fn ingress(stack: &Stack, proxy_service: &Service) -> Option<Manifest> {
    let proxy = proxy_service.proxy()?;
    if terminates_tls(proxy_service) || !is_way_in(stack, proxy_service) {
        return None;
    }
    let name = &object_name(&proxy_service.name.value);
    let mut rules = Vec::new();
    for server in &proxy.servers {
        let port = server.ports()[0];
        let http = json!({"paths": [{
            "path": "/",
            "pathType": "Prefix",
            "backend": {"service": {"name": name, "port": {"number": port}}},
        }]});
        let hosts: Vec<&str> = server
            .server_names
            .iter()
            .map(|n| n.as_str())
            .filter(|n| is_ingress_host(n))
            .collect();
        if hosts.is_empty() {
            rules.push(json!({"http": http}));
        }
        for host in hosts {
            rules.push(json!({"host": host, "http": http}));
        }
    }
    let group = stack.name_or_default();
    let spec = json!({"rules": rules});
    Some(Manifest::new(
        "networking.k8s.io/v1",
        "Ingress",
        name,
        metadata(group, name, &proxy_service.name.value),
        spec,
    ))
}

/// Whether clients reach the stack through this proxy: it publishes a
/// port, or joins a network another project makes (a Traefik in front),
/// or no other container publishes the web's ports (80, 443). Not an
/// nginx that only serves media behind a Traefik of the stack's that
/// publishes them: an Ingress would hand it every request
/// (`published-port-on-cluster` says how the published one is reached on
/// a cluster).
fn is_way_in(stack: &Stack, proxy_service: &Service) -> bool {
    let publishes_the_web = |service: &Service| (service.ports.iter()).any(|p| matches!(p.host_port.value, 80 | 443));
    !proxy_service.ports.is_empty()
        || stack.on_external_network(proxy_service)
        || !(stack.services.iter()).any(|other| other.proxy().is_none() && publishes_the_web(other))
}

/// A name an Ingress rule may hold: a DNS name (a leading `*.` allowed),
/// not an IP address, nor nginx's catch-all `_`, nor `localhost` (and
/// `*.localhost`), which names the machine a browser runs on: nginx's
/// only server answers every name, and a rule for `localhost` would take
/// none of the cluster's traffic.
fn is_ingress_host(name: &str) -> bool {
    let name = name.strip_prefix("*.").unwrap_or(name);
    if name == "localhost" || name.ends_with(".localhost") {
        return false;
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    name.parse::<std::net::IpAddr>().is_err() && name.split('.').all(label_ok)
}

/// The claim of a volume: ReadWriteOnce, 1Gi and the cluster's default
/// storage class unless the spec says.
pub(super) fn claim_spec(volume: Option<&Volume>) -> Value {
    let claim = volume.map(|v| &v.claim);
    let size = claim
        .and_then(|c| c.size.as_ref())
        .map_or_else(|| super::pod::quantity(1 << 30), |s| super::pod::quantity(s.value.0));
    let access = claim
        .and_then(|c| c.access.as_ref())
        .map_or("ReadWriteOnce", |a| a.value.as_str());
    let mut spec = json!({
        "accessModes": [access],
        "resources": {"requests": {"storage": size}},
    });
    if let Some(class) = claim.and_then(|c| c.class.as_ref()) {
        spec["storageClassName"] = json!(class.value);
    }
    spec
}

/// A shared volume's claim, which every pod that mounts it names.
pub(super) fn claim(stack: &Stack, volume: &Volume) -> Manifest {
    let name = object_name(&volume.name.value);
    let group = stack.name_or_default();
    let labels = json!({"app.kubernetes.io/part-of": group, "app.kubernetes.io/managed-by": "stackc"});
    let meta = json!({"name": name, "labels": labels});
    Manifest::new("v1", "PersistentVolumeClaim", &name, meta, claim_spec(Some(volume)))
}

/// The proxy's nginx.conf, which its pod mounts over the image's.
pub(super) fn nginx_config(stack: &Stack, proxy: &Service, conf: String) -> Manifest {
    let name = super::nginx_config_name(proxy);
    let group = stack.name_or_default();
    Manifest {
        kind: "ConfigMap",
        name: name.clone(),
        body: json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": metadata(group, &name, &proxy.name.value),
            "data": {"nginx.conf": conf},
        }),
    }
}

/// The NetworkPolicy of a pod: it admits connections to its ports from the
/// pods on a spec network one of its containers is on, as compose's
/// networks do (a pod with no port admits none): one selector per network,
/// which [`pod_labels`] marks its pods with. A proxy admits connections from
/// anywhere, which the Ingress controller or load balancer reaches. A pod on
/// an `external` network, which another project's containers join (a
/// shared reverse proxy), admits the pods of every namespace, where the
/// cluster runs those. A pod whose every network is `internal` (no route
/// out on compose) reaches only the pods on those networks and the
/// cluster's DNS ([`internal_egress`]); others' egress is left open.
pub(super) fn network_policy(stack: &Stack, pod: &[&Service]) -> Manifest {
    let owner = pod[0];
    let group = stack.name_or_default();
    let ports: Vec<Value> = container_ports(stack, owner)
        .into_iter()
        .map(|(port, protocol)| json!({"port": port, "protocol": protocol.kubernetes_name()}))
        .collect();
    let mut ingress = Vec::new();
    if ports.is_empty() {
        // Admits nothing.
    } else if owner.proxy().is_some() {
        ingress.push(json!({"ports": ports}));
    } else {
        let from: Vec<Value> = pod_networks(pod)
            .into_iter()
            .map(|network| {
                let mut labels = json!({"app.kubernetes.io/part-of": group});
                labels[network_label(network)] = json!("true");
                json!({"podSelector": {"matchLabels": labels}})
            })
            .collect();
        ingress.push(json!({"ports": ports, "from": from}));
        if pod.iter().any(|c| stack.on_external_network(c)) {
            ingress.push(json!({"ports": ports, "from": [{"namespaceSelector": {}}]}));
        }
    }
    let name = &owner.name.value;
    let mut spec = json!({
        "podSelector": {"matchLabels": selector(group, name)},
        "policyTypes": ["Ingress"],
        "ingress": ingress,
    });
    if let Some(egress) = internal_egress(stack, pod) {
        spec["policyTypes"] = json!(["Ingress", "Egress"]);
        spec["egress"] = egress;
    }
    Manifest::new(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        &object_name(name),
        metadata(group, &object_name(name), name),
        spec,
    )
}

/// Where a pod on `internal` networks only may connect: the stack's pods
/// on those networks, and the cluster's DNS (kube-dns, which CoreDNS's
/// pods are labelled as too) on port 53, as compose's internal networks
/// leave a container its peers and Docker's resolver and nothing else;
/// `None` for a pod with a network that has a route out, or none.
fn internal_egress(stack: &Stack, pod: &[&Service]) -> Option<Value> {
    let networks = pod_networks(pod);
    let internal = |name: &&str| stack.network(name).is_some_and(|n| n.internal);
    if networks.is_empty() || !networks.iter().all(internal) {
        return None;
    }
    let group = stack.name_or_default();
    let to: Vec<Value> = networks
        .iter()
        .map(|network| {
            let mut labels = json!({"app.kubernetes.io/part-of": group});
            labels[network_label(network)] = json!("true");
            json!({"podSelector": {"matchLabels": labels}})
        })
        .collect();
    let dns = json!({
        "to": [{
            "namespaceSelector": {},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }],
        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
    });
    Some(json!([{"to": to}, dns]))
}

/// The labels of a pod's template: the selector of its service, and a
/// [`network_label`] for each network one of its containers is on.
pub(super) fn pod_labels(stack: &Stack, pod: &[&Service]) -> Value {
    let mut labels = selector(stack.name_or_default(), &pod[0].name.value);
    for network in pod_networks(pod) {
        labels[network_label(network)] = json!("true");
    }
    labels
}

/// The spec networks a pod's containers are on, each once, in the order
/// they are first named.
fn pod_networks<'a>(pod: &[&'a Service]) -> Vec<&'a str> {
    let mut networks = Vec::new();
    for network in pod.iter().flat_map(|c| c.network_names()) {
        if !networks.contains(&network) {
            networks.push(network);
        }
    }
    networks
}

/// The containers of a service's pod: itself, and for a proxy the jobs
/// that run in its pod.
pub(super) fn pod_members<'a>(plan: &super::plan::Plan<'a>, service: &'a Service) -> Vec<&'a Service> {
    let mut pod = vec![service];
    pod.extend(
        plan.init_jobs
            .get(service.name.value.as_str())
            .into_iter()
            .flatten()
            .copied(),
    );
    pod
}
