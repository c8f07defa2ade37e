//! The paths inside raw `compose KEY = ...` values, from the compose
//! specification: compose reads them relative to the compose file, so
//! whoever moves the file rewrites them here (import, from the project's
//! compose.yaml to the spec's folder; the emitter, from the spec's folder
//! to the output folder's compose.yaml).
//!
//! The service keys a raw key may set that hold host paths:
//! `develop.watch[].path` and `label_file`. (`build`, `env_file`,
//! `volumes` and `secrets` are the spec's own statements; `extends` and
//! `configs` cannot be raw.)

use serde_json::Value;

/// Rewrites each relative host path in `value`, the value of the service
/// key `key`, with `rebase`; absolute ones stay.
pub fn rebase(key: &str, value: &mut Value, rebase: &dyn Fn(&str) -> String) {
    match key {
        "label_file" => paths(value, rebase),
        "develop" => {
            let watches = value.get_mut("watch").and_then(Value::as_array_mut);
            for watch in watches.into_iter().flatten() {
                if let Some(path) = watch.get_mut("path") {
                    paths(path, rebase);
                }
            }
        }
        _ => {}
    }
}

/// A path, or a list of them.
fn paths(value: &mut Value, rebase: &dyn Fn(&str) -> String) {
    match value {
        Value::String(path) if !path.starts_with(['/', '~']) => *path = rebase(path),
        Value::Array(items) => items.iter_mut().for_each(|item| paths(item, rebase)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watched_folders_and_label_files_move() {
        let moved = |p: &str| format!("../{p}");
        let mut develop = serde_json::json!({"watch": [
            {"action": "sync", "path": "./web/src", "target": "/app/src"},
            {"action": "rebuild", "path": "/abs/package.json"}
        ]});
        rebase("develop", &mut develop, &moved);
        assert_eq!(develop["watch"][0]["path"], ".././web/src");
        assert_eq!(develop["watch"][0]["target"], "/app/src");
        assert_eq!(develop["watch"][1]["path"], "/abs/package.json");
        let mut labels = serde_json::json!(["a.labels", "~/b.labels"]);
        rebase("label_file", &mut labels, &moved);
        assert_eq!(labels, serde_json::json!(["../a.labels", "~/b.labels"]));
        let mut other = serde_json::json!("./x");
        rebase("tmpfs", &mut other, &moved);
        assert_eq!(other, "./x");
    }
}
