//! stackc against the peer linters (hadolint, ShellCheck as hadolint runs
//! it, dclint, gixy), through docs/peer-coverage.md: every row's test
//! exists and tries what the row says, the covered share of the applicable
//! rules stays at or above 90%, each peer reports what stackc's findings
//! say it reports, the closest specs to the "by construction" rows pass
//! every peer, and what a spec cannot say is refused.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use stackc::lint::registry;

/// One row of the coverage table.
struct Row {
    peer: String,
    rule: String,
    applicable: bool,
    stackc: String,
    test: String,
}

impl Row {
    fn covered(&self) -> bool {
        !self.stackc.starts_with("not covered")
    }
}

fn table() -> (String, Vec<Row>) {
    let text = std::fs::read_to_string(support::repo().join("docs/peer-coverage.md")).unwrap();
    let body = text
        .split("## The table")
        .nth(1)
        .expect("docs/peer-coverage.md has `## The table`");
    let rows = body
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| peer ") && !l.starts_with("|---"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            assert_eq!(cells.len(), 6, "a row has six cells: {line}");
            Row {
                peer: cells[0].to_string(),
                rule: cells[1].to_string(),
                applicable: cells[3] == "yes",
                stackc: cells[4].to_string(),
                test: cells[5].trim_matches('`').to_string(),
            }
        })
        .collect();
    (text, rows)
}

/// Specs that say what the peers' rules look for where the spec cannot
/// say it: each must be refused with its error code.
const REFUSED: &[(&str, &str, &str)] = &[
    (
        "no-duplicate-exported-ports",
        "service a {\n    image redis:7.4\n    publish 127.0.0.1:6379 -> 6379\n}\nservice b {\n    image redis:7.4\n    publish 127.0.0.1:6379 -> 6379\n}\n",
        "port-published-twice",
    ),
    (
        "no-version-field",
        "service a {\n    image redis:7.4\n    compose version = \"3.8\"\n}\n",
        "invalid-raw",
    ),
    (
        "service-container-name-regex",
        "service a {\n    image redis:7.4\n    container_name \"Bad name!\"\n}\n",
        "invalid-name",
    ),
    ("add_header_multiline", "PROXY    add_header X-Note \"one\\ntwo\"\n", "unrepresentable"),
    (
        "add_header_multiline",
        "PROXY    nginx \"add_header X-Note \\\"one\\ntwo\\\"\"\n",
        "invalid-raw-nginx",
    ),
    (
        "alias_traversal",
        "volume media\nPROXY    location /media {\n        alias media\n    }\n",
        "alias-path-slash",
    ),
    ("hash_without_default", "PROXY    nginx \"map $uri $x { /a 1; }\"\n", "invalid-raw-nginx"),
    ("if_is_evil", "PROXY    nginx \"if ($request_method = POST) { return 405; }\"\n", "invalid-raw-nginx"),
    (
        "origins",
        "PROXY    nginx \"if ($http_origin !~ example.com) { return 403; }\"\n",
        "invalid-raw-nginx",
    ),
    ("missing_resolver", "PROXY    nginx \"proxy_pass http://web:8000\"\n", "raw-nginx-has-statement"),
    ("ssrf", "PROXY    nginx \"proxy_pass http://$arg_host\"\n", "raw-nginx-has-statement"),
    (
        "worker_rlimit_nofile_vs_connections",
        "PROXY    nginx \"worker_connections 64\"\n",
        "raw-nginx-misplaced",
    ),
];

/// A stack around a `REFUSED` case: `PROXY` stands for a proxy block's
/// first lines, so a case writes only its own statements.
fn refused_spec(case: &str) -> String {
    let proxy = "proxy nginx {\n    upstream app {\n        server web:8000\n    }\n    location / {\n        proxy_pass app\n    }\n";
    match case.split_once("PROXY") {
        Some((before, inside)) => {
            format!("stack shop\n{before}service web {{\n    image ghcr.io/acme/shop:1.4\n}}\n{proxy}{inside}}}\n")
        }
        None => format!("stack shop\n{case}"),
    }
}

#[test]
fn impossible_inputs_are_refused() {
    let mut failures = Vec::new();
    // A spec that names no stack (dclint's require-project-name-field).
    let unnamed = "service a {\n    image redis:7.4\n}\n".to_string();
    let cases = REFUSED
        .iter()
        .map(|(rule, case, code)| (*rule, refused_spec(case), *code))
        .chain([("require-project-name-field", unnamed, "missing-stack-name")])
        // Raw Dockerfile lines stackc writes itself (hadolint's DL3000,
        // DL3002, DL3025, DL3061, DL4000, DL4003, DL4004 there).
        .chain(["FROM python", "CMD gunicorn x", "ENTRYPOINT x", "USER root", "WORKDIR app", "MAINTAINER me"].map(
            |line| {
                let spec = format!(
                    "stack shop\nservice web {{\n    build ./app {{\n        dockerfile \"{line}\"\n    }}\n    gunicorn shop.wsgi:application\n}}\n"
                );
                ("raw Dockerfile line", spec, "invalid-raw")
            },
        ));
    for (rule, spec, code) in cases {
        let source = stackc::source::SourceFile::new("refused.spec", spec.clone());
        let analysis = stackc::analyze(&source, stackc::Options::default());
        let refused = analysis.diagnostics.iter().any(|d| d.code == code && d.is_error());
        if !refused {
            let found: Vec<_> = analysis.diagnostics.iter().map(|d| d.code).collect();
            failures.push(format!("{rule}: expected `{code}`, found {found:?} in\n{spec}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The output of the spec closest to each "by construction" row passes
/// every peer; tests/peers/closest.spec names the row at its line.
#[test]
fn closest_specs_pass_every_peer() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let spec = support::repo().join("tests/peers/closest.spec");
    let build = support::build(&spec, &out);
    assert!(build.status.success(), "{}", support::text(&build.stderr));
    let (code, report) = support::validate(&out);
    assert_eq!(code, 0, "the closest spec's output must pass every peer:\n{report}");
}

#[test]
fn coverage_table_rows_have_tests_and_reach_ninety_percent() {
    let (text, rows) = table();
    let closest = std::fs::read_to_string(support::repo().join("tests/peers/closest.spec")).unwrap();
    let this_file = std::fs::read_to_string(support::repo().join("tests/peers.rs")).unwrap();
    let mut failures = Vec::new();
    for row in rows.iter().filter(|r| r.applicable && r.covered()) {
        let Row { peer, rule, test, .. } = row;
        if let Some(lint) = test.strip_prefix("lint/") {
            if registry::find(lint).is_none()
                || !support::repo().join(format!("tests/lint/{lint}/trigger.spec")).exists()
            {
                failures.push(format!("{rule}: `{lint}` is no rule with a trigger spec"));
                continue;
            }
            // A rule that names peer codes in its findings must name this one.
            let claimed = claimed_codes(lint);
            let tool = if peer == "shellcheck" {
                "hadolint"
            } else {
                peer.as_str()
            };
            if !claimed.is_empty() && !claimed.contains(&(tool.to_string(), rule.clone())) {
                failures.push(format!("{rule}: the trigger of `{lint}` does not report it"));
            }
        } else if let Some((file, function)) = test.split_once("::") {
            let path = match file.contains('/') {
                true => support::repo().join(file),
                false => support::repo().join(format!("tests/{file}.rs")),
            };
            let source = std::fs::read_to_string(&path).unwrap_or_default();
            if !source.contains(&format!("fn {function}(")) {
                failures.push(format!("{rule}: no test `{function}` in {}", path.display()));
            }
            let tries = match function {
                "closest_specs_pass_every_peer" => closest.contains(rule.as_str()),
                "impossible_inputs_are_refused" => this_file.contains(&format!("\"{rule}\"")),
                _ => true,
            };
            if !tries {
                failures.push(format!("{rule}: `{function}` does not try it"));
            }
        } else {
            failures.push(format!("{rule}: a covered row needs a test"));
        }
    }
    let applicable = rows.iter().filter(|r| r.applicable).count();
    let covered = rows.iter().filter(|r| r.applicable && r.covered()).count();
    let counts = format!(
        "Counts: {} peer rules; {applicable} applicable; {covered} covered or impossible by construction ({:.1}%).",
        rows.len(),
        100.0 * covered as f64 / applicable as f64
    );
    if !text.contains(&counts) {
        failures.push(format!("the counts line is stale: write `{counts}`"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(covered * 10 >= applicable * 9, "{counts}: below 90%");
}

/// Every dclint rule and gixy plugin installed has its row.
#[test]
fn the_table_lists_every_installed_peer_rule() {
    let (_, rows) = table();
    let listed: BTreeSet<(&str, &str)> = rows.iter().map(|r| (r.peer.as_str(), r.rule.as_str())).collect();
    let names = |dir: &Path, suffix: &str| -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .strip_suffix(suffix)
                    .map(str::to_string)
            })
            .collect()
    };
    let dclint = support::tool("npm/node_modules/dclint/dist/types/src/rules");
    let gixy = std::fs::canonicalize(support::tool("venv/bin/gixy")).unwrap();
    let plugins = std::fs::read_dir(gixy.parent().unwrap().join("../lib"))
        .unwrap()
        .map(|e| e.unwrap().path().join("site-packages/gixy/plugins"))
        .find(|p| p.exists())
        .expect("gixy's plugins");
    let mut missing = Vec::new();
    for rule in names(&dclint, "-rule.d.ts") {
        if !listed.contains(&("dclint", rule.as_str())) {
            missing.push(format!("dclint {rule}"));
        }
    }
    for plugin in names(&plugins, ".py") {
        if !plugin.starts_with('_') && plugin != "plugin" && !listed.contains(&("gixy", plugin.as_str())) {
            missing.push(format!("gixy {plugin}"));
        }
    }
    assert!(missing.is_empty(), "docs/peer-coverage.md lacks: {missing:?}");
}

/// The peer codes that a rule's findings on its trigger spec name.
fn claimed_codes(rule: &str) -> BTreeSet<(String, String)> {
    let folder = support::repo().join(format!("tests/lint/{rule}"));
    let text = std::fs::read_to_string(folder.join("trigger.spec")).unwrap();
    let source = stackc::source::SourceFile::new("trigger.spec", text);
    let files = stackc::input::Disk::new(&folder, rule);
    let policy = stackc::lint::policy::Policy::default();
    let options = stackc::Options {
        policy: Some(&policy),
        files: Some(&files),
        today: Some(support::today()),
        ..stackc::Options::default()
    };
    (stackc::analyze(&source, options).diagnostics.iter())
        .filter(|d| d.code == rule)
        .flat_map(|d| named_codes(&d.message))
        .collect()
}

/// The peer codes a finding's message names: `(hadolint DL3008)`.
fn named_codes(message: &str) -> Vec<(String, String)> {
    message
        .match_indices('(')
        .filter_map(|(at, _)| {
            let inner = message[at + 1..].split(')').next()?;
            let (tool, code) = inner.split_once(' ')?;
            matches!(tool, "hadolint" | "gixy").then(|| (tool.to_string(), code.to_string()))
        })
        .collect()
}

/// For each rule whose findings name peer codes: the peers, run on the
/// trigger spec's output and on the app's own Dockerfiles it names, report
/// every code stackc names. This proves each mapping is real.
#[test]
fn the_peers_report_what_stackc_says_they_report() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in registry::RULES {
        let name = rule.meta().name;
        let folder = support::repo().join(format!("tests/lint/{name}"));
        let spec = folder.join("trigger.spec");
        let claimed = claimed_codes(name);
        if claimed.is_empty() {
            continue;
        }
        checked += 1;
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let build = support::build(&spec, &out);
        assert!(build.status.success(), "{name}: {}", support::text(&build.stderr));
        let mut reported = hadolint_codes(&out);
        reported.extend(hadolint_codes(&folder));
        let (_, gixy_report) = support::validate(&out);
        for (tool, code) in &claimed {
            let found = match tool.as_str() {
                // Under `sh`, ShellCheck reports `export A=$(...)` as SC2046.
                "hadolint" if code == "SC2155" => reported.contains("SC2155") || reported.contains("SC2046"),
                "hadolint" => reported.contains(code),
                _ => gixy_report.contains(&format!("] {code} at")),
            };
            if !found {
                failures.push(format!("{name}: stackc reports {tool} {code}, {tool} does not"));
            }
        }
    }
    assert!(checked >= 4, "the Dockerfile and nginx rules name peer codes");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The codes hadolint reports on every Dockerfile below `folder`, as
/// strict as scripts/validate runs it.
fn hadolint_codes(folder: &Path) -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.file_name().is_none_or(|n| n != "Dockerfile") {
                continue;
            }
            let output = Command::new(support::tool("venv/bin/hadolint"))
                .args(["--no-color", "--disable-ignore-pragma"])
                .arg(&path)
                .env_remove("HADOLINT_IGNORE")
                .output()
                .expect("hadolint runs");
            for line in support::text(&output.stdout).lines() {
                codes.extend(line.split_whitespace().nth(1).map(str::to_string));
            }
        }
    }
    codes
}
