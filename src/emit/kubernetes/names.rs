//! Kubernetes names and labels for the spec's names.
//!
//! A Service is found by its name (`web:8000` in nginx.conf, `DATABASE_HOST
//! = "db"`), so a service's name is used as written but for case (DNS
//! names match in any case) and must be a DNS label. Volumes and secrets
//! are only named inside the manifests, so theirs are lowered
//! (`postgres_data` becomes `postgres-data`).

use serde_json::{json, Value};

/// The longest DNS label (RFC 1123), and so the longest Service name.
const MAX_LABEL: usize = 63;

/// Why a name is not a DNS label, if it is not one.
pub(super) fn dns_label_problem(name: &str) -> Option<&'static str> {
    if name.len() > MAX_LABEL {
        return Some("Kubernetes names are at most 63 characters");
    }
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid_chars {
        return Some(
            "a Kubernetes Service is named in letters, digits and `-` (no `_`): other pods reach this service by its name",
        );
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) || name.ends_with('-') {
        return Some("a Kubernetes Service name starts with a letter and ends with a letter or digit");
    }
    None
}

/// What a Job's or a StatefulSet's pods carry in a label after its name: the
/// hash of the Job stackc names (`migrate-1a2b3c4d5e`), and a StatefulSet's
/// `controller-revision-hash` (`db-5d8f6c9b7d`), each at most 10
/// characters and a `-`. The label value must fit in 63 characters too.
const HASHED_SUFFIX: usize = 11;

/// Why a Job's or StatefulSet's name leaves no room for the hash its pods'
/// labels add, if it does not: the API server refuses such a Job, and a
/// StatefulSet's controller cannot make its pods.
pub(super) fn hashed_name_problem(name: &str) -> Option<&'static str> {
    (name.len() + HASHED_SUFFIX > MAX_LABEL).then_some(
        "a job's or database's name is at most 52 characters on Kubernetes: its pods carry it in a label with a hash added",
    )
}

/// A volume's or secret's name as a Kubernetes object name: lowercase,
/// `_` as `-`. The grammar's names start with a letter; a trailing `_`
/// or `-` is the one thing left to refuse ([`dns_label_problem`]).
pub(super) fn object_name(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// The labels every object of a service carries; the first two select
/// its pods.
pub(super) fn selector(stack: &str, service: &str) -> Value {
    json!({
        "app.kubernetes.io/name": service,
        "app.kubernetes.io/part-of": stack,
    })
}

/// `metadata` of an object of the stack.
pub(super) fn metadata(stack: &str, name: &str, service: &str) -> Value {
    let mut labels = selector(stack, service);
    labels["app.kubernetes.io/managed-by"] = json!("stackc");
    json!({ "name": name, "labels": labels })
}

/// The label that marks a pod as on the spec's `network`, which the
/// NetworkPolicies of that network's pods select: one selector per network
/// a pod is on, so a policy grows with its own networks, not with every pod
/// that shares one (kompose's `io.kompose.network/NAME` does the same).
pub(super) fn network_label(network: &str) -> String {
    format!("stackc.network/{network}")
}

/// Why a network's name cannot be the name part of its label
/// ([`network_label`]), if it cannot: alphanumeric at both ends, at most 63
/// characters (the grammar allows the rest).
pub(super) fn network_label_problem(network: &str) -> Option<&'static str> {
    label_value_problem(network).map(|_| {
        "a network's name is a Kubernetes label name there: it starts and ends with a letter or digit and has at most 63 characters"
    })
}

/// Why the stack's name cannot be a label value, if it cannot: alphanumeric
/// at both ends, at most 63 characters.
pub(super) fn label_value_problem(value: &str) -> Option<&'static str> {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if value.len() > MAX_LABEL || !alnum(value.chars().next()) || !alnum(value.chars().last()) {
        return Some("a Kubernetes label value starts and ends with a letter or digit and has at most 63 characters");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_must_already_be_dns_labels() {
        assert_eq!(dns_label_problem("web"), None);
        assert_eq!(dns_label_problem("db-1"), None);
        assert!(dns_label_problem("my_app").is_some());
        assert!(dns_label_problem("Web").is_some());
        assert!(dns_label_problem(&"a".repeat(64)).is_some());
        assert!(hashed_name_problem(&"a".repeat(52)).is_none());
        assert!(hashed_name_problem(&"a".repeat(53)).is_some());
        assert_eq!(network_label_problem("back_end"), None);
        assert!(network_label_problem("back_").is_some());
        assert!(network_label_problem(&"n".repeat(64)).is_some());
        assert_eq!(object_name("Postgres_Data"), "postgres-data");
        assert!(label_value_problem("radix_fitness").is_none());
        assert!(label_value_problem("shop_").is_some());
    }
}
