//! `stackc lsp` with real clients: pytest-lsp (a pygls client) drives
//! every feature (tests/lsp/), and a headless Neovim with the config
//! snippet of editors/nvim/ shows the server's diagnostics. Both tools are
//! installed by scripts/install-tools.sh; a missing one fails the test.

mod support;

/// Runs the pytest suite in tests/lsp/ against the stackc cargo built.
#[test]
fn pytest_lsp_drives_every_feature() {
    let output = support::python()
        .args(["-m", "pytest", "-q", "tests/lsp"])
        .current_dir(support::repo())
        .env("STACKC", env!("CARGO_BIN_EXE_stackc"))
        .output()
        .expect("the tests' Python runs");
    let stdout = support::text(&output.stdout);
    assert!(
        output.status.success(),
        "pytest-lsp failed:\n{stdout}\n{}",
        support::text(&output.stderr)
    );
    // A run that skipped or collected nothing has not tested the server.
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.contains(" passed") && !summary.contains("skipped") && !summary.contains("deselected"),
        "{stdout}"
    );
}

/// What Neovim's diagnostic list holds for a buffer of `spec`, after
/// stackc lsp's first diagnostics arrive: the JSON that
/// tests/lsp/nvim_diagnostics.lua prints.
fn nvim_diagnostics(spec: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stack.spec"), spec).unwrap();
    let output = support::headless_nvim(dir.path())
        .arg("-u")
        .arg(support::repo().join("editors/nvim/stackc.lua"))
        .arg("-c")
        .arg(format!(
            "luafile {}",
            support::repo().join("tests/lsp/nvim_diagnostics.lua").display()
        ))
        .arg("stack.spec")
        .output()
        .expect("nvim runs");
    let stdout = support::text(&output.stdout);
    assert!(
        output.status.success(),
        "nvim failed:\n{stdout}\n{}",
        support::text(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn neovim_shows_the_servers_diagnostics() {
    let spec = "# A cache and an app that does not wait for it.\nstack shop\n\nservice cache {\n    image redis:7.4\n    ready cmd \"redis-cli ping\"\n}\n\nservice app {\n    image example/app:1.0\n    after cache\n}\n";
    let shown = nvim_diagnostics(spec);
    assert_eq!(shown["filetype"], "stackspec", "{shown}");
    assert_eq!(shown["clients"][0]["name"], "stackc", "{shown}");
    let diagnostics = shown["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{shown}");
    let finding = &diagnostics[0];
    assert_eq!(finding["code"], "missing-readiness-wait");
    assert_eq!(finding["source"], "stackc");
    assert_eq!(finding["severity"], 2, "a warning");
    assert_eq!(
        (&finding["lnum"], &finding["col"], &finding["end_col"]),
        (&10.into(), &10.into(), &15.into())
    );
    assert!(finding["message"]
        .as_str()
        .unwrap()
        .starts_with("`app` starts when `cache` starts"));
}

#[test]
fn neovim_gets_byte_columns_after_non_ascii_text() {
    let spec = "stack shop\n\nservice cache {\n    image redis:7.4\n    ready cmd \"echo café ☕\" evry 5s\n}\n";
    let shown = nvim_diagnostics(spec);
    // Neovim offers UTF-8 positions, and counts its columns in bytes.
    assert_eq!(shown["clients"][0]["encoding"], "utf-8", "{shown}");
    let finding = &shown["diagnostics"][0];
    assert_eq!(finding["code"], "syntax", "{shown}");
    let line = spec.lines().nth(4).unwrap();
    let column = line.find("evry").unwrap();
    assert_eq!(
        (&finding["lnum"], &finding["col"]),
        (&4.into(), &column.into()),
        "{shown}"
    );
}

/// The README shows the part of the snippet that starts the server, as it
/// is in the file.
#[test]
fn the_readme_shows_the_neovim_snippet() {
    let readme = std::fs::read_to_string(support::repo().join("README.md")).unwrap();
    let snippet = std::fs::read_to_string(support::repo().join("editors/nvim/stackc.lua")).unwrap();
    let shown = readme
        .split("```lua\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a lua block in the README");
    assert!(
        snippet.contains(shown),
        "README's lua block is not in editors/nvim/stackc.lua:\n{shown}"
    );
}

/// Runs `stackc lsp` on `messages`, its stdin kept open as an editor
/// keeps it: its exit status and output, once it ends by itself (within 20
/// seconds).
fn lsp_session(messages: &[&str]) -> (std::process::ExitStatus, String) {
    use std::io::{Read, Write};
    let input: String = messages
        .iter()
        .map(|body| format!("Content-Length: {}\r\n\r\n{body}", body.len()))
        .collect();
    let mut child = support::stackc()
        .arg("lsp")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the server did not end by itself");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    drop(stdin);
    let mut output = String::new();
    child.stdout.take().unwrap().read_to_string(&mut output).unwrap();
    (status, output)
}

/// A request that is no request (an `id`, no `method`) is answered with
/// InvalidRequest under its id; the server ends after `exit`, and when it
/// gives up on its own (an `initialize` it cannot read) while the editor
/// keeps its input open: a first fix kept the process alive then.
#[test]
fn a_request_that_is_no_request_is_answered_and_the_server_ends() {
    let (status, output) = lsp_session(&[
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
        r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
        r#"{"jsonrpc":"2.0","id":7,"params":{}}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#,
        r#"{"jsonrpc":"2.0","method":"exit"}"#,
    ]);
    assert!(status.success(), "{status:?}");
    assert!(output.contains(r#""id":7"#) && output.contains("-32600"), "{output}");
    let (status, _) = lsp_session(&[r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":5}}"#]);
    assert!(!status.success(), "{status:?}");
}
