//! `stackc lint --peers` with the real peers of `.tools/` (hadolint, gixy,
//! dclint), found on PATH as a user's would be: their findings land on the
//! spec line that wrote the flagged line, in every output format and exit
//! code; the seed spec gets none; a missing peer is a note, a broken one a
//! warning.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

/// The folders of `.tools/` that hold the peers (and dclint's node).
fn peer_path() -> String {
    let folders = [
        support::tool("venv/bin/hadolint").parent().unwrap().to_path_buf(),
        support::tool("npm/node_modules/.bin/dclint")
            .parent()
            .unwrap()
            .to_path_buf(),
    ];
    let system = std::env::var("PATH").unwrap_or_default();
    let mut paths: Vec<PathBuf> = folders.to_vec();
    paths.extend(std::env::split_paths(&system));
    std::env::join_paths(paths).unwrap().into_string().unwrap()
}

/// `stackc lint --peers SPEC ARGS` with `path` as PATH.
fn lint_peers(spec: &Path, path: &str, args: &[&str]) -> Output {
    support::stackc()
        .args(["lint", "--peers", "--format", "json"])
        .arg(spec)
        .args(args)
        .env("PATH", path)
        .output()
        .expect("stackc runs")
}

fn findings(output: &Output) -> Vec<Value> {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            support::text(&output.stdout),
            support::text(&output.stderr)
        )
    })
}

/// The findings of one code, as (line, column, severity).
fn at(findings: &[Value], code: &str) -> Vec<(u64, u64, String)> {
    findings
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| {
            let (line, column) = (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap());
            (line, column, f["severity"].as_str().unwrap().to_string())
        })
        .collect()
}

fn peer_codes(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .filter(|c| c.contains('/') || c.starts_with("peer-"))
        .collect()
}

/// A spec beside a minimal Python app, in a folder of its own.
fn project(spec: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    std::fs::write(dir.path().join("app/requirements.txt"), "gunicorn==23.0.0\n").unwrap();
    std::fs::write(dir.path().join("stack.spec"), spec).unwrap();
    dir
}

const RAW_LINES: &str = r#"stack t

service web {
    build ./app {
        python 3.12
        requirements requirements.txt
        dockerfile "RUN cd /tmp && apt-get install -y curl"
        dockerfile "RUN echo `date` > /tmp/built"
        user app
    }
    gunicorn backend.wsgi:application bind 8000 workers 3
    ready tcp 8000
}

proxy nginx {
    image nginx:1.30
    publish 1337 -> 80
    server_name localhost
    upstream django { server web:8000 }
    location / {
        proxy_pass django
    }
    nginx "server_tokens on"
    after web ready
}
"#;

/// Lines 7 and 8 are the raw `dockerfile` lines, 23 the raw nginx one;
/// column 20 and 11 are where their strings start.
#[test]
fn raw_lines_get_the_peers_findings_on_exactly_their_spec_line() {
    let dir = project(RAW_LINES);
    let spec = dir.path().join("stack.spec");
    // stackc's own rules cover these codes: allowed, the peers' findings show.
    let allowed = [
        "--allow",
        "package-install-hygiene",
        "--allow",
        "run-shell-hygiene",
        "--allow",
        "server-tokens-on",
    ];
    let output = lint_peers(&spec, &peer_path(), &allowed);
    let found = findings(&output);
    let warning = |line, column| vec![(line, column, "warning".to_string())];
    assert_eq!(at(&found, "hadolint/DL3003"), warning(7, 20), "{found:#?}");
    assert_eq!(at(&found, "hadolint/DL3008"), warning(7, 20), "{found:#?}");
    assert_eq!(at(&found, "hadolint/DL3015"), [(7, 20, "info".to_string())]);
    // ShellCheck as hadolint runs it; `style` is a note.
    assert_eq!(at(&found, "hadolint/SC2006"), [(8, 20, "info".to_string())]);
    assert_eq!(at(&found, "gixy/version_disclosure"), warning(23, 11), "{found:#?}");
    let dl3008 = found.iter().find(|f| f["code"] == "hadolint/DL3008").unwrap();
    assert_eq!(dl3008["url"], "https://github.com/hadolint/hadolint/wiki/DL3008");
    let help = dl3008["help"].as_str().unwrap();
    assert!(
        help.contains("web/Dockerfile") && help.contains("RUN cd /tmp"),
        "{help}"
    );
    // Nothing else from the peers: the rest of what stackc writes passes them.
    let mut codes = peer_codes(&found);
    codes.sort();
    assert_eq!(
        codes,
        [
            "gixy/version_disclosure",
            "hadolint/DL3003",
            "hadolint/DL3008",
            "hadolint/DL3015",
            "hadolint/SC2006"
        ]
    );
    assert_eq!(output.status.code(), Some(1));
    // Below --fail-on error: peers' warnings and notes do not fail the run.
    let output = lint_peers(&spec, &peer_path(), &[&allowed[..], &["--fail-on", "error"]].concat());
    assert_eq!(output.status.code(), Some(0), "{}", support::text(&output.stderr));
}

/// What a stackc rule already reports on a line (its message names the
/// peer's code) is not reported again by the peer; what it does not cover
/// is.
#[test]
fn a_peer_finding_a_stackc_rule_reports_at_the_same_place_is_left_out() {
    let dir = project(RAW_LINES);
    let found = findings(&lint_peers(&dir.path().join("stack.spec"), &peer_path(), &[]));
    let stackc_names = |code: &str| {
        found
            .iter()
            .any(|f| f["line"] == 7 && f["message"].as_str().unwrap().contains(&format!("(hadolint {code})")))
    };
    assert!(stackc_names("DL3008") && stackc_names("DL3003"), "{found:#?}");
    let mut codes = peer_codes(&found);
    codes.sort();
    assert_eq!(codes, ["hadolint/SC2006"], "{found:#?}");
}

#[test]
fn the_seed_spec_gets_no_peer_finding() {
    support::provide_spec_secrets();
    for spec in ["specs/django.spec", "specs/go-postgres.spec"] {
        let output = lint_peers(&support::repo().join(spec), &peer_path(), &[]);
        assert_eq!(peer_codes(&findings(&output)), Vec::<String>::new(), "{spec}");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{spec}: {}",
            support::text(&output.stdout)
        );
    }
}

/// An app's own Dockerfile: the finding is on the `file` statement, with a
/// label on the Dockerfile's own line.
#[test]
fn an_apps_own_dockerfile_maps_to_its_own_line() {
    let dir = project(
        "stack t\n\nservice api {\n    build ./api {\n        file Dockerfile\n    }\n    command \"/api\"\n}\n",
    );
    std::fs::create_dir(dir.path().join("api")).unwrap();
    let dockerfile = "FROM debian:12.7\nRUN echo `date` > /built\nUSER 10001\n";
    std::fs::write(dir.path().join("api/Dockerfile"), dockerfile).unwrap();
    let found = findings(&lint_peers(&dir.path().join("stack.spec"), &peer_path(), &[]));
    let sc2006: Vec<&Value> = found.iter().filter(|f| f["code"] == "hadolint/SC2006").collect();
    assert_eq!(sc2006.len(), 1, "{found:#?}");
    assert_eq!(
        (sc2006[0]["line"].as_u64(), sc2006[0]["column"].as_u64()),
        (Some(5), Some(14))
    );
    let label = &sc2006[0]["labels"][1];
    assert!(label["file"].as_str().unwrap().ends_with("Dockerfile"), "{label}");
    assert_eq!(label["line"], 2, "{label}");
}

/// Each peer not on PATH is one note; the others still run.
#[test]
fn a_missing_peer_is_a_note_not_a_silent_skip() {
    let dir = project(RAW_LINES);
    let only_hadolint = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        support::tool("venv/bin/hadolint"),
        only_hadolint.path().join("hadolint"),
    )
    .unwrap();
    let path = format!("{}:/usr/bin:/bin", only_hadolint.path().display());
    let output = lint_peers(&dir.path().join("stack.spec"), &path, &[]);
    let found = findings(&output);
    let notes: Vec<&str> = (found.iter())
        .filter(|f| f["code"] == "peer-missing")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        [
            "gixy not found on PATH; its checks did not run",
            "dclint not found on PATH; its checks did not run"
        ]
    );
    assert!(found
        .iter()
        .all(|f| f["code"] != "peer-missing" || f["severity"] == "info"));
    assert!(found.iter().any(|f| f["code"] == "hadolint/SC2006"), "{found:#?}");
}

/// A peer that crashes or prints what stackc cannot read: a warning with
/// the first line of what it said, never a panic.
#[test]
fn a_broken_peer_is_a_warning_with_its_complaint() {
    let dir = project(RAW_LINES);
    let fake = tempfile::tempdir().unwrap();
    let script = fake.path().join("gixy");
    std::fs::write(&script, "#!/bin/sh\necho 'not json'\necho 'gixy: boom' >&2\nexit 3\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", fake.path().display(), peer_path());
    let output = lint_peers(&dir.path().join("stack.spec"), &path, &[]);
    let found = findings(&output);
    let failed: Vec<&Value> = found.iter().filter(|f| f["code"] == "peer-failed").collect();
    assert_eq!(failed.len(), 1, "{found:#?}");
    assert_eq!(failed[0]["severity"], "warning");
    let message = failed[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("gixy did not finish") && message.contains("gixy: boom"),
        "{message}"
    );
    assert!(found.iter().any(|f| f["code"] == "hadolint/SC2006"), "{found:#?}");
}

/// SARIF: each peer code is a rule with the peer's page, and each finding a
/// result on the spec line; Microsoft's validator finds no error in it.
#[test]
fn sarif_carries_the_peer_findings() {
    let dir = project(RAW_LINES);
    let output = support::stackc()
        .args(["lint", "--peers", "--format", "sarif"])
        .arg(dir.path().join("stack.spec"))
        .env("PATH", peer_path())
        .output()
        .unwrap();
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    let file = dir.path().join("out.sarif");
    std::fs::write(&file, &output.stdout).unwrap();
    assert_eq!(support::sarif_errors(&file), Vec::<String>::new());
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = rules
        .iter()
        .find(|r| r["id"] == "hadolint/SC2006")
        .expect("a rule per peer code");
    assert_eq!(rule["helpUri"], "https://www.shellcheck.net/wiki/SC2006");
    let results = run["results"].as_array().unwrap();
    let result = results.iter().find(|r| r["ruleId"] == "hadolint/SC2006").unwrap();
    assert_eq!(result["level"], "note");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"], 8,
        "{result}"
    );
}

/// The JSON of a deep run, peer codes, notes without a place and labels
/// in an app's own Dockerfile among it, passes the format's schema.
#[test]
fn json_with_peer_findings_matches_its_schema() {
    let dir = project(RAW_LINES);
    let only_hadolint = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        support::tool("venv/bin/hadolint"),
        only_hadolint.path().join("hadolint"),
    )
    .unwrap();
    let path = format!("{}:/usr/bin:/bin", only_hadolint.path().display());
    let output = lint_peers(&dir.path().join("stack.spec"), &path, &["--allow", "run-shell-hygiene"]);
    let codes = peer_codes(&findings(&output));
    assert!(codes.contains(&"hadolint/DL3003".to_string()) && codes.contains(&"peer-missing".to_string()));
    let json = dir.path().join("out.json");
    std::fs::write(&json, &output.stdout).unwrap();
    let check = support::python()
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             jsonschema.validate(json.load(open(sys.argv[2])), schema, cls=jsonschema.Draft202012Validator)",
        ])
        .arg(support::repo().join("docs/diagnostics.schema.json"))
        .arg(&json)
        .output()
        .expect("python runs");
    assert!(check.status.success(), "{}", support::text(&check.stderr));
}

/// The findings of an environment's files say which environment; without
/// `--env`, each environment is checked as lint checks them. dclint calls
/// an untagged image an error, and so does stackc then.
#[test]
fn environments_are_checked_and_named() {
    let spec = "stack t\n\nservice cache {\n    image redis:7.4\n}\n\n\
                environment dev {\n    service cache {\n        set image redis\n    }\n}\n\n\
                environment prod {\n}\n";
    let dir = project(spec);
    let path = dir.path().join("stack.spec");
    let allow = ["--allow", "unpinned-image"];
    let output = lint_peers(&path, &peer_path(), &allow);
    let found = findings(&output);
    let tag: Vec<&Value> = (found.iter())
        .filter(|f| f["code"] == "dclint/service-image-require-explicit-tag")
        .collect();
    assert_eq!(tag.len(), 1, "{found:#?}");
    assert_eq!(
        (tag[0]["line"].as_u64(), tag[0]["severity"].as_str()),
        (Some(9), Some("error"))
    );
    let message = tag[0]["message"].as_str().unwrap();
    assert!(message.starts_with("in environment `dev`: "), "{message}");
    assert_eq!(output.status.code(), Some(1));
    let dev = findings(&lint_peers(
        &path,
        &peer_path(),
        &[&allow[..], &["--env", "dev"]].concat(),
    ));
    let in_dev = at(&dev, "dclint/service-image-require-explicit-tag");
    assert_eq!(in_dev, [(9, 19, "error".to_string())], "{dev:#?}");
    let prod = findings(&lint_peers(
        &path,
        &peer_path(),
        &[&allow[..], &["--env", "prod"]].concat(),
    ));
    assert_eq!(peer_codes(&prod), Vec::<String>::new(), "{prod:#?}");
}

#[test]
fn kubernetes_and_broken_specs_say_why_the_peers_did_not_run() {
    let dir = project(RAW_LINES);
    let spec = dir.path().join("stack.spec");
    let cluster = findings(&lint_peers(&spec, &peer_path(), &["--target", "kubernetes"]));
    assert_eq!(peer_codes(&cluster), ["peer-skipped"], "{cluster:#?}");
    std::fs::write(&spec, "stack t\nservice web {\n    mount nowhere at /data\n}\n").unwrap();
    let broken = findings(&lint_peers(&spec, &peer_path(), &[]));
    assert_eq!(peer_codes(&broken), ["peer-skipped"], "{broken:#?}");
}

#[test]
fn explain_says_what_deep_mode_is_and_where_the_rule_lives() {
    for code in ["hadolint/DL3008", "gixy", "dclint/service-keys-order"] {
        let output = support::stackc().args(["explain", code]).output().unwrap();
        let text = support::text(&output.stdout);
        assert!(
            output.status.success() && text.contains("stackc lint --peers"),
            "{code}: {text}"
        );
    }
    let text = support::text(
        &support::stackc()
            .args(["explain", "hadolint/DL3008"])
            .output()
            .unwrap()
            .stdout,
    );
    assert!(
        text.contains("https://github.com/hadolint/hadolint/wiki/DL3008"),
        "{text}"
    );
}
