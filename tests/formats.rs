//! `stackc lint --format ...` on the real binary: each format snapshotted on
//! one fixture, and the machine formats checked by outside validators over
//! every example spec and rule fixture (Microsoft's SARIF validator; the
//! JSON format's own schema through Python's jsonschema).

mod support;

use std::path::PathBuf;
use std::process::Output;

use support::{stackc, text};

const FIXTURE: &str = "tests/fixtures/seed-mistakes.spec";

/// `stackc lint --format FORMAT PATHS...`, run from the repository's root
/// so file names in the output are the same relative paths everywhere.
fn lint(format: &str, paths: &[&str]) -> Output {
    stackc()
        .current_dir(support::repo())
        .args([
            "lint",
            "--color",
            "never",
            "--today",
            support::TODAY,
            "--format",
            format,
        ])
        .args(paths)
        .output()
        .expect("stackc runs")
}

#[test]
fn every_format_on_the_seed_mistakes() {
    for format in ["human", "short", "github", "json", "sarif"] {
        let output = lint(format, &[FIXTURE]);
        assert_eq!(output.status.code(), Some(1), "{format}: {}", text(&output.stderr));
        let printed = match format {
            "human" => text(&output.stderr),
            "sarif" => without_rule_docs(&output.stdout),
            _ => text(&output.stdout),
        };
        support::insta_settings().bind(|| insta::assert_snapshot!(format!("format__{format}"), printed));
    }
}

/// The SARIF log with each rule's documentation cut to its first words:
/// the docs are the rules' own (and checked in docs/rules.md); this
/// snapshot is about the log's shape.
fn without_rule_docs(stdout: &[u8]) -> String {
    let mut log: serde_json::Value = serde_json::from_slice(stdout).expect("stdout is JSON");
    for rule in log["runs"][0]["tool"]["driver"]["rules"].as_array_mut().unwrap() {
        for field in ["/fullDescription/text", "/help/text", "/help/markdown"] {
            if let Some(serde_json::Value::String(doc)) = rule.pointer_mut(field) {
                *doc = format!("{}...", doc.chars().take(20).collect::<String>());
            }
        }
    }
    serde_json::to_string_pretty(&log).unwrap()
}

#[test]
fn machine_formats_keep_stdout_clean() {
    for format in ["json", "sarif"] {
        let output = lint(format, &[FIXTURE]);
        assert!(output.stderr.is_empty(), "{format}: {}", text(&output.stderr));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("stdout is JSON");
    }
    for format in ["short", "github"] {
        let output = lint(format, &[FIXTURE]);
        let stderr = text(&output.stderr);
        assert!(
            stderr.starts_with("stackc: ") && stderr.lines().count() == 1,
            "{format}: only the summary goes to stderr: {stderr}"
        );
    }
}

/// Every example spec, every rule fixture, the seed's mistakes and a spec
/// that is not there: valid specs, findings of every rule, secondary
/// labels, a file that cannot be read.
const CORPUS: [&str; 4] = ["specs", "tests/lint", FIXTURE, MISSING];

const MISSING: &str = "tests/fixtures/not-there.spec";

fn corpus_output(format: &str) -> Vec<u8> {
    // With the cluster's rules: every rule but compose's has a finding.
    corpus_output_for(format, "kubernetes")
}

fn corpus_output_for(format: &str, target: &str) -> Vec<u8> {
    let args: Vec<&str> = ["--target", target].into_iter().chain(CORPUS).collect();
    let output = lint(format, &args);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    output.stdout
}

#[test]
fn sarif_passes_microsofts_validator() {
    let tmp = tempfile::tempdir().unwrap();
    let stdout = corpus_output("sarif");
    let log: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let compose: serde_json::Value = serde_json::from_slice(&corpus_output_for("sarif", "compose")).unwrap();
    let compose_results = compose["runs"][0]["results"].as_array().unwrap();
    for rule in stackc::lint::registry::RULES.iter().map(|r| r.meta()) {
        let found = match rule.target {
            Some(stackc::emit::Target::Compose) => compose_results,
            _ => results,
        };
        assert!(
            found.iter().any(|r| r["ruleId"] == rule.name),
            "the corpus has a finding of `{}`",
            rule.name
        );
    }
    let unreadable = results.iter().find(|r| r["ruleId"] == "unreadable-file");
    assert_eq!(
        unreadable.unwrap()["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        MISSING
    );
    let mut fingerprints: Vec<&str> = results
        .iter()
        .map(|r| r["partialFingerprints"]["stackcFindingHash/v1"].as_str().unwrap())
        .collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(
        fingerprints.len(),
        results.len(),
        "every finding has its own fingerprint"
    );
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "stackc/");
    let path = tmp.path().join("stackc.sarif");
    std::fs::write(&path, &stdout).unwrap();
    let errors = support::sarif_errors(&path);
    assert!(errors.is_empty(), "{errors:#?}");

    // Negative control: the validator does find errors, here a relative
    // help link and a region that ends before it starts.
    let mut broken = log.clone();
    broken["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "docs/rules.md".into();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["endLine"] = 0.into();
    let path = tmp.path().join("broken.sarif");
    std::fs::write(&path, serde_json::to_vec(&broken).unwrap()).unwrap();
    let errors = support::sarif_errors(&path);
    assert!(errors.iter().any(|e| e.contains("SARIF1005")), "{errors:#?}");
}

#[test]
fn json_matches_its_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.json");
    std::fs::write(&good, corpus_output("json")).unwrap();
    // Negative control: a diagnostic without its line.
    let mut value: serde_json::Value = serde_json::from_slice(&std::fs::read(&good).unwrap()).unwrap();
    value[0].as_object_mut().unwrap().remove("line");
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, serde_json::to_vec(&value).unwrap()).unwrap();

    let check = |file: &PathBuf| {
        support::python()
            .args([
                "-c",
                "import json, sys, jsonschema\n\
                 schema = json.load(open(sys.argv[1]))\n\
                 jsonschema.Draft202012Validator.check_schema(schema)\n\
                 jsonschema.validate(json.load(open(sys.argv[2])), schema, cls=jsonschema.Draft202012Validator)",
            ])
            .arg(support::repo().join("docs/diagnostics.schema.json"))
            .arg(file)
            .output()
            .expect("python runs")
    };
    let output = check(&good);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let all: serde_json::Value = serde_json::from_slice(&std::fs::read(&good).unwrap()).unwrap();
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .any(|d| d["file"] == MISSING && d["code"] == "unreadable-file"),
        "a spec that cannot be read is a result"
    );
    let output = check(&bad);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("'line' is a required property"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn hostile_names_and_messages_stay_on_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("a,b:c%\u{1b}.spec");
    std::fs::write(
        &spec,
        "stack x\nservice web {\n    image \"x\u{1b}[2J\\n::error::fake\"\n}\n",
    )
    .unwrap();
    for format in ["short", "github"] {
        let output = stackc().args(["lint", "--format", format]).arg(&spec).output().unwrap();
        let printed = text(&output.stdout);
        assert_eq!(printed.lines().count(), 1, "{format}: {printed}");
        assert!(!printed.contains('\u{1b}'), "{format}: {printed}");
        if format == "github" {
            assert!(printed.contains("a%2Cb%3Ac%25"), "{printed}");
        }
    }
}

/// A spec whose error follows `café ☕` on its line: 3 more bytes than
/// characters before it.
const MULTIBYTE: &str =
    "stack shop\n\nservice cache {\n    image redis:7.4\n    ready cmd \"echo café ☕\" evry 5s\n}\n";

#[test]
fn vims_default_errorformat_puts_the_cursor_on_the_spot() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stack.spec"), MULTIBYTE).unwrap();
    let output = stackc()
        .current_dir(dir.path())
        .args(["lint", "--format", "short", "stack.spec"])
        .output()
        .unwrap();
    std::fs::write(dir.path().join("errors.txt"), &output.stdout).unwrap();
    // `-u NONE`: Neovim's own default 'errorformat', nothing of ours.
    let home = dir.path().join("home");
    let nvim = std::process::Command::new(support::tool("venv/bin/nvim"))
        .args([
            "--headless",
            "-n",
            "-i",
            "NONE",
            "-u",
            "NONE",
            "-c",
            "cfile errors.txt",
            "-c",
        ])
        .arg(
            "lua io.stdout:write(vim.json.encode({ items = vim.fn.getqflist(), \
             file = vim.fn.expand('%'), cursor = vim.api.nvim_win_get_cursor(0) }) .. '\\n')",
        )
        .args(["-c", "qall!"])
        .current_dir(dir.path())
        .env("XDG_CONFIG_HOME", &home)
        .env("XDG_DATA_HOME", &home)
        .env("XDG_STATE_HOME", &home)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("nvim runs");
    let shown: serde_json::Value = serde_json::from_slice(&nvim.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", text(&nvim.stdout), text(&nvim.stderr)));
    let item = &shown["items"][0];
    assert_eq!(item["valid"], 1, "{shown}");
    assert!(item["text"].as_str().unwrap().ends_with("[syntax]"), "{shown}");
    assert_eq!(shown["file"], "stack.spec", "{shown}");
    // The cursor: a 1-based line and a 0-based byte column, on `evry`.
    let column = MULTIBYTE.lines().nth(4).unwrap().find("evry").unwrap();
    assert_eq!(shown["cursor"], serde_json::json!([5, column]), "{shown}");
}

/// VS Code's `$gcc` problem matcher, as its built-in definition writes it,
/// reads every error and warning line (notes, as gcc's own, it leaves out).
#[test]
fn vs_codes_gcc_problem_matcher_reads_the_short_format() {
    let output = lint("short", &[FIXTURE]);
    let matched = support::python()
        .args([
            "-c",
            "import re, sys\n\
             gcc = re.compile(r'^(.*?):(\\d+):(\\d*):?\\s+(?:fatal\\s+)?(warning|error):\\s+(.*)$')\n\
             for line in sys.stdin.read().splitlines():\n\
             \x20   m = gcc.match(line)\n\
             \x20   print(m.group(1, 2, 3, 4, 5) if m else None)",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(&output.stdout)?;
            child.wait_with_output()
        })
        .expect("python runs");
    let printed = text(&output.stdout);
    let matches = text(&matched.stdout);
    assert_eq!(printed.lines().count(), matches.lines().count(), "{matches}");
    for (line, found) in printed.lines().zip(matches.lines()) {
        if line.contains(": info: ") {
            assert_eq!(found, "None");
        } else {
            assert!(found.starts_with(&format!("('{FIXTURE}', ")), "{line} -> {found}");
        }
    }
    assert!(
        matches
            .contains("'10', '29', 'error', '`POSTGRES_PASSWORD` is set to a default password [default-credentials]')"),
        "{matches}"
    );
}

/// Well-known passwords in every place `default-credentials` reads them
/// (the spec's `env`, equal to the user name, a secret file, an env file),
/// and a credential in a raw nginx header: the snippets mask them, and no
/// label or message of any format may print them.
const PASSWORDS: &str = r#"stack shop

secret db_password file "db_password.txt"

service db {
    image postgres:16.4
    env {
        POSTGRES_USER = "wellknownuser"
        POSTGRES_PASSWORD = "wellknownuser"
    }
}

service queue {
    image rabbitmq:4.0
    env {
        RABBITMQ_DEFAULT_USER = "shop"
        RABBITMQ_DEFAULT_PASS = "change_me"
    }
}

service web {
    image python:3.12-slim
    user 10001
    env_file app.env
    secret DATABASE_PASSWORD = db_password
}

proxy nginx {
    after web started
    location / {
        proxy_pass web:8000
        nginx "proxy_set_header Authorization \"Basic c2hvcDpodW50ZXIy\""
    }
}
"#;

#[test]
fn no_format_prints_a_password() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stack.spec"), PASSWORDS).unwrap();
    std::fs::write(dir.path().join("db_password.txt"), "qwerty\n").unwrap();
    std::fs::write(dir.path().join("app.env"), "SMTP_PASSWORD=letmein\n").unwrap();
    for format in ["human", "short", "github", "json", "sarif"] {
        let output = stackc()
            .current_dir(dir.path())
            .args(["lint", "--color", "never", "--format", format, "stack.spec"])
            .output()
            .expect("stackc runs");
        let printed = format!("{}{}", text(&output.stdout), text(&output.stderr));
        // Each case is found, so the test sees its labels.
        for found in [
            "`POSTGRES_PASSWORD`",
            "`RABBITMQ_DEFAULT_PASS`",
            "`DATABASE_PASSWORD`",
            "`SMTP_PASSWORD`",
            "nginx.conf",
        ] {
            assert!(printed.contains(found), "{format}: no finding on {found}: {printed}");
        }
        for password in ["wellknownuser", "change_me", "qwerty", "letmein", "c2hvcDpodW50ZXIy"] {
            assert!(!printed.contains(password), "{format} prints `{password}`: {printed}");
        }
    }
}
