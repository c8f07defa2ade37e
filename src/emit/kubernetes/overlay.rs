//! An environment's overlay: what its manifests change in the base's.
//!
//! Objects are matched by kind and name. One in both becomes a JSON 6902
//! patch computed by [`diff`]; one only in the environment is added; one
//! only in the base is deleted. Applying the overlay to the base gives the
//! environment's manifests exactly (the tests check it).

use serde_json::{json, Value};

use super::Manifest;

/// The JSON 6902 operations that turn one object into another.
#[derive(Clone, Debug, PartialEq)]
pub struct Patch {
    pub kind: &'static str,
    pub name: String,
    pub operations: Vec<Value>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overlay {
    pub patches: Vec<Patch>,
    pub added: Vec<Manifest>,
    pub removed: Vec<Manifest>,
}

impl Overlay {
    /// What turns the base's manifests into the environment's.
    pub fn between(base: &[Manifest], own: &[Manifest]) -> Overlay {
        let find = |list: &'_ [Manifest], m: &Manifest| -> Option<usize> {
            list.iter().position(|o| o.kind == m.kind && o.name == m.name)
        };
        let mut overlay = Overlay::default();
        for manifest in own {
            match find(base, manifest) {
                Some(at) => {
                    let mut operations = Vec::new();
                    diff(&base[at].body, &manifest.body, &mut String::new(), &mut operations);
                    if !operations.is_empty() {
                        overlay.patches.push(Patch {
                            kind: manifest.kind,
                            name: manifest.name.clone(),
                            operations,
                        });
                    }
                }
                None => overlay.added.push(manifest.clone()),
            }
        }
        overlay.removed = base.iter().filter(|m| find(own, m).is_none()).cloned().collect();
        overlay
    }
}

/// Appends the operations that turn `from` into `to`, at `path` (a JSON
/// pointer). Maps are compared key by key; a list of the same length item
/// by item, any other changed list or value is replaced whole.
pub fn diff(from: &Value, to: &Value, path: &mut String, out: &mut Vec<Value>) {
    match (from, to) {
        _ if from == to => {}
        (Value::Object(a), Value::Object(b)) => {
            for (key, old) in a {
                let at = path.len();
                push_token(path, key);
                match b.get(key) {
                    Some(new) => diff(old, new, path, out),
                    None => out.push(json!({"op": "remove", "path": path.as_str()})),
                }
                path.truncate(at);
            }
            for (key, new) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                let at = path.len();
                push_token(path, key);
                out.push(json!({"op": "add", "path": path.as_str(), "value": new}));
                path.truncate(at);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (old, new)) in a.iter().zip(b).enumerate() {
                let at = path.len();
                push_token(path, &index.to_string());
                diff(old, new, path, out);
                path.truncate(at);
            }
        }
        _ => out.push(json!({"op": "replace", "path": path.as_str(), "value": to})),
    }
}

/// One reference token of a JSON pointer (RFC 6901): `~` as `~0`, `/` as
/// `~1` (label keys hold a `/`).
fn push_token(path: &mut String, key: &str) {
    path.push('/');
    path.push_str(&key.replace('~', "~0").replace('/', "~1"));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies operations as kustomize does, for the few shapes [`diff`]
    /// writes.
    fn apply(mut value: Value, operations: &[Value]) -> Value {
        for op in operations {
            let path = op["path"].as_str().unwrap();
            let (parent, last) = path.rsplit_once('/').unwrap();
            let last = last.replace("~1", "/").replace("~0", "~");
            let target = if parent.is_empty() {
                &mut value
            } else {
                value.pointer_mut(parent).unwrap()
            };
            match (op["op"].as_str().unwrap(), target) {
                ("remove", Value::Object(map)) => {
                    map.remove(&last);
                }
                ("add" | "replace", Value::Object(map)) => {
                    map.insert(last, op["value"].clone());
                }
                ("replace", Value::Array(items)) => items[last.parse::<usize>().unwrap()] = op["value"].clone(),
                other => panic!("unexpected {other:?}"),
            }
        }
        value
    }

    #[test]
    fn a_patch_turns_one_object_into_the_other() {
        let from = json!({"metadata": {"labels": {"a/b": "x", "gone": "y"}}, "spec": {"replicas": 1,
            "containers": [{"image": "web:1", "env": [{"name": "A"}]}], "ports": [1, 2]}});
        let to = json!({"metadata": {"labels": {"a/b": "z", "new~": "w"}}, "spec": {"replicas": 3,
            "containers": [{"image": "web:2", "env": [{"name": "A"}, {"name": "B"}]}], "ports": [1, 3]}});
        let mut operations = Vec::new();
        diff(&from, &to, &mut String::new(), &mut operations);
        assert_eq!(apply(from, &operations), to);
        assert!(operations.contains(&json!({"op": "replace", "path": "/metadata/labels/a~1b", "value": "z"})));
        assert!(operations.contains(&json!({"op": "add", "path": "/metadata/labels/new~0", "value": "w"})));
        assert!(operations.contains(&json!({"op": "remove", "path": "/metadata/labels/gone"})));
        assert!(operations.contains(&json!({"op": "replace", "path": "/spec/ports/1", "value": 3})));
    }

    #[test]
    fn objects_are_added_patched_and_removed() {
        let manifest = |kind: &'static str, name: &str, replicas: u32| Manifest {
            kind,
            name: name.to_string(),
            body: json!({"kind": kind, "metadata": {"name": name}, "spec": {"replicas": replicas}}),
        };
        let base = [manifest("Deployment", "web", 1), manifest("StatefulSet", "db", 1)];
        let own = [manifest("Deployment", "web", 3), manifest("Job", "migrate-1", 1)];
        let overlay = Overlay::between(&base, &own);
        assert_eq!(overlay.patches.len(), 1);
        assert_eq!(overlay.patches[0].name, "web");
        assert_eq!(overlay.added, [own[1].clone()]);
        assert_eq!(overlay.removed, [base[1].clone()]);
        assert_eq!(Overlay::between(&base, &base), Overlay::default());
    }
}
