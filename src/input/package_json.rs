//! The `scripts` of a Node app's `package.json`, and which one a command
//! line runs (`npm start`, `npm run dev`, `yarn serve`, `pnpm dev`), so a
//! rule judges what the script runs instead of its name.

use crate::source::Span;

/// One entry of `scripts`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    pub name: String,
    /// The shell command line npm runs.
    pub command: String,
    /// The entry in the file (its key's string); the `scripts` key when the
    /// key is written with escapes stackc does not find.
    pub span: Span,
}

/// The scripts of a `package.json`; `None` when the text is not a JSON
/// object (npm would refuse it too).
pub fn scripts(text: &str) -> Option<Vec<Script>> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let object = value.as_object()?;
    let Some(scripts) = object.get("scripts").and_then(|s| s.as_object()) else {
        return Some(Vec::new());
    };
    let scripts_at = key_at(text, "scripts", 0).unwrap_or_default();
    let found = scripts
        .iter()
        .filter_map(|(name, command)| {
            let span = key_at(text, name, scripts_at.end()).unwrap_or(scripts_at);
            Some(Script {
                name: name.clone(),
                command: command.as_str()?.to_string(),
                span,
            })
        })
        .collect();
    Some(found)
}

/// Where the string `"key"` followed by `:` first stands after `from`.
fn key_at(text: &str, key: &str, from: usize) -> Option<Span> {
    let quoted = serde_json::to_string(key).ok()?;
    let mut at = from;
    while let Some(found) = text.get(at..)?.find(&quoted) {
        let start = at + found;
        let end = start + quoted.len();
        if text[end..].trim_start().starts_with(':') {
            return Some(Span::new(start, end));
        }
        at = end;
    }
    None
}

/// The script a package manager's command line runs: `start` for `npm
/// start`, `X` for `npm run X`, `yarn X`, `yarn run X`, `pnpm X`, `bun run
/// X`; `None` for anything else (`npm ci`, `yarn install`, `node x.js`).
pub fn script_run(words: &[String]) -> Option<&str> {
    let program = words.first()?.rsplit('/').next()?;
    let first = words.get(1).map(String::as_str)?;
    let named = || words.get(2).map(String::as_str).filter(|w| !w.starts_with('-'));
    match (program, first) {
        ("npm" | "pnpm" | "yarn" | "bun", "run" | "run-script") => named(),
        ("npm" | "pnpm" | "yarn", "start" | "test" | "stop" | "restart") => Some(first),
        ("yarn" | "pnpm", script) if !script.starts_with('-') && !BUILT_IN.contains(&script) => Some(script),
        _ => None,
    }
}

/// Commands of yarn and pnpm themselves, never a script's name.
const BUILT_IN: &[&str] = &[
    "add",
    "audit",
    "bin",
    "cache",
    "config",
    "create",
    "dlx",
    "exec",
    "import",
    "info",
    "init",
    "install",
    "link",
    "list",
    "node",
    "outdated",
    "pack",
    "publish",
    "rebuild",
    "remove",
    "unlink",
    "up",
    "update",
    "upgrade",
    "why",
    "workspace",
    "workspaces",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn the_script_a_command_runs() {
        assert_eq!(script_run(&words("npm start")), Some("start"));
        assert_eq!(script_run(&words("npm run dev -- --host")), Some("dev"));
        assert_eq!(script_run(&words("/usr/local/bin/yarn serve")), Some("serve"));
        assert_eq!(script_run(&words("pnpm run build")), Some("build"));
        assert_eq!(script_run(&words("bun run dev")), Some("dev"));
        for other in [
            "npm ci",
            "npm install",
            "yarn install",
            "pnpm exec vite",
            "node server.js",
            "npm",
        ] {
            assert_eq!(script_run(&words(other)), None, "{other}");
        }
    }

    #[test]
    fn scripts_with_the_span_of_their_key() {
        let text = "{\n  \"name\": \"start\",\n  \"scripts\": {\n    \"start\": \"nodemon server.js\",\n    \"build\": \"vite build\"\n  }\n}\n";
        let found = scripts(text).unwrap();
        let start = found.iter().find(|s| s.name == "start").unwrap();
        assert_eq!(start.command, "nodemon server.js");
        assert_eq!(&text[start.span.range()], "\"start\"");
        assert!(start.span.start() > text.find("scripts").unwrap());
        assert_eq!(scripts("{}"), Some(Vec::new()));
        assert_eq!(scripts("[1]"), None);
        assert_eq!(scripts("{\"scripts\": "), None);
    }
}
