//! The one place Kubernetes YAML is written and spec text escaped for it.
//!
//! Manifests are built as `serde_json::Value`s (keys sorted, so output is
//! the same on every run, as `kubectl get -o yaml` sorts them) and written
//! by serde-saphyr, which quotes every scalar a YAML 1.1 or 1.2 reader
//! could take for something other than a string. The kubelet expands
//! `$(VAR)` in a container's command, args, env values and exec probes,
//! and reads `$$` as `$`: spec text in those fields goes through
//! [`expanded`], so it reaches the process literally, as spec strings are.

use serde_json::Value;

/// A spec string for a field the kubelet expands `$(VAR)` in: every `$`
/// doubled.
pub(super) fn expanded(text: &str) -> Value {
    Value::String(text.replace('$', "$$"))
}

/// A command line for an expanding field.
pub(super) fn expanded_words<'a>(words: impl IntoIterator<Item = &'a String>) -> Value {
    Value::Array(words.into_iter().map(|w| expanded(w)).collect())
}

/// One YAML document with stackc's header comment.
pub(super) fn document(header: &str, value: &Value) -> String {
    let options = serde_saphyr::ser_options! {
        indent_step: 2,
        prefer_block_scalars: true,
    };
    let yaml =
        serde_saphyr::to_string_with_options(value, options).expect("a JSON value is always representable in YAML");
    format!("# {header}\n{yaml}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_reach_the_process_literally() {
        assert_eq!(expanded("$(HOME) $$ $X"), Value::String("$$(HOME) $$$$ $$X".into()));
    }

    #[test]
    fn every_string_reads_back_as_written() {
        let texts = [
            "line\n  indented\n\ttab \n",
            "  leading blanks\nand a trailing one \n",
            "no final line break\nx",
            "\u{2028}\u{85}\r\n# not a comment\n- not a list\n",
            "key: value\n'quoted' \"double\"\n",
        ];
        for text in texts {
            let value = serde_json::json!({"data": {"nginx.conf": text}, "list": [text]});
            let yaml = document("h", &value);
            let back: Value = serde_saphyr::from_str(&yaml).unwrap();
            assert_eq!(back, value, "{yaml}");
        }
    }

    #[test]
    fn ambiguous_scalars_are_quoted() {
        let yaml = document(
            "h",
            &serde_json::json!({"a": "on", "b": "010", "c": "1.5", "d": "x: y"}),
        );
        for quoted in ["\"on\"", "\"010\"", "\"1.5\"", "\"x: y\""] {
            assert!(
                yaml.contains(quoted) || yaml.contains(&quoted.replace('"', "'")),
                "{yaml}"
            );
        }
    }
}
