//! The editor packages of editors/: the VS Code extension's TextMate grammar
//! (vscode-tmgrammar-test), the extension as `vsce package` packages it, its
//! client and language detection (node), and the vim syntax and filetype
//! detection (a headless Neovim). Every tool is installed by
//! scripts/install-tools.sh; a missing one fails the test.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};

fn vscode_dir() -> PathBuf {
    support::repo().join("editors/vscode")
}

/// Runs a command to its end; a failure shows what it printed.
fn run_ok(command: &mut Command) -> String {
    let output: Output = command.output().unwrap_or_else(|e| panic!("{command:?} runs: {e}"));
    let stdout = support::text(&output.stdout);
    assert!(
        output.status.success(),
        "{command:?} failed:\n{stdout}\n{}",
        support::text(&output.stderr)
    );
    stdout
}

/// Runs vscode-tmgrammar-test on the test files `pattern` names, with the
/// grammar the extension's package.json declares, and returns how many
/// files passed.
fn tmgrammar_test(pattern: &str) -> usize {
    let stdout = run_ok(
        Command::new(support::tool("npm/node_modules/.bin/vscode-tmgrammar-test"))
            .args(["--compact", "--config", "package.json", pattern])
            .current_dir(vscode_dir()),
    );
    stdout.lines().filter(|line| line.contains("run successfuly")).count()
}

#[test]
fn the_textmate_grammar_passes_its_tests() {
    let files = std::fs::read_dir(vscode_dir().join("tests"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "spec-test"))
        .count();
    assert!(files >= 6, "editors/vscode/tests holds {files} .spec-test files");
    assert_eq!(tmgrammar_test("tests/*.spec-test"), files);
}

/// One line per keyword of grammar/stack.pest, each asserted to be scoped as
/// a keyword: a keyword the grammar gains and the TextMate grammar lacks
/// fails here.
#[test]
fn the_textmate_grammar_knows_every_keyword() {
    let mut test = String::from("# SYNTAX TEST \"source.stackc\" \"every keyword of grammar/stack.pest\"\n");
    for keyword in stackc::syntax::keywords() {
        test.push_str(&format!(
            "    {keyword}\n#   {} keyword.other.stackc\n",
            "^".repeat(keyword.len())
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keywords.spec-test");
    std::fs::write(&file, test).unwrap();
    assert_eq!(tmgrammar_test(file.to_str().unwrap()), 1);
}

/// The files of the .vsix `vsce package` writes, packaged offline from
/// editors/vscode with the dependencies `npm ci` installed there.
fn packaged_files() -> Vec<String> {
    assert!(
        vscode_dir()
            .join("node_modules/vscode-languageclient/package.json")
            .exists(),
        "editors/vscode/node_modules is missing: run scripts/install-tools.sh (it runs `npm ci` there)"
    );
    let dir = tempfile::tempdir().unwrap();
    let vsix = dir.path().join("stackc.vsix");
    run_ok(
        Command::new(support::tool("npm/node_modules/.bin/vsce"))
            .arg("package")
            .arg("--out")
            .arg(&vsix)
            .current_dir(vscode_dir())
            // Offline: vsce asks npm which dependencies to pack, from node_modules.
            .env("npm_config_offline", "true")
            // A question (a missing LICENSE, repository) fails the run rather than waiting.
            .stdin(std::process::Stdio::null()),
    );
    let listing = run_ok(support::python().args([
        "-c",
        "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
        vsix.to_str().unwrap(),
    ]));
    listing.lines().map(str::to_string).collect()
}

#[test]
fn vsce_packages_the_extension() {
    let files = packaged_files();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(vscode_dir().join("package.json")).unwrap()).unwrap();
    let main = manifest["main"].as_str().unwrap().trim_start_matches("./");
    let grammar = manifest["contributes"]["grammars"][0]["path"]
        .as_str()
        .unwrap()
        .trim_start_matches("./");
    let configuration = manifest["contributes"]["languages"][0]["configuration"]
        .as_str()
        .unwrap()
        .trim_start_matches("./");
    for expected in [
        "extension/package.json",
        &format!("extension/{main}"),
        &format!("extension/{grammar}"),
        &format!("extension/{configuration}"),
        "extension/LICENSE.md",
        "extension/node_modules/vscode-languageclient/lib/node/main.js",
    ] {
        assert!(
            files.iter().any(|f| f == expected),
            "{expected} is not in the .vsix: {files:#?}"
        );
    }
    for left_out in ["extension/tests/", "extension/package-lock.json", ".map", ".d.ts"] {
        assert!(
            !files.iter().any(|f| f.contains(left_out)),
            "the .vsix holds {left_out}: {files:#?}"
        );
    }
}

/// Runs a script with the node that runs the extension's tools, in
/// editors/vscode (so `require` finds its node_modules).
fn node(script: &str) -> String {
    run_ok(Command::new("node").args(["-e", script]).current_dir(vscode_dir()))
}

/// extension.js, loaded by editors/vscode/tests/client.test.js with a
/// stand-in for VS Code's API, starts `stackc lsp` (or `stackc.path`),
/// restarts it when the setting changes, reports a missing binary, and the
/// options it chose start the real server, which answers `initialize`.
#[test]
fn the_client_starts_stackc_lsp() {
    let stdout = run_ok(
        Command::new("node")
            .arg("tests/client.test.js")
            .current_dir(vscode_dir())
            .env("STACKC", env!("CARGO_BIN_EXE_stackc")),
    );
    assert!(stdout.starts_with("client checks passed"), "{stdout}");
    // The module the client requires, from the dependency vsce packages
    // (the test above stands in for it).
    node("require.resolve('vscode-languageclient/node')");
}

/// VS Code claims a `.spec` file no other extension claims by its first
/// line (a JavaScript regular expression): a statement, as stackc's own
/// sniffing (`stackc lint --only-stack-specs`) decides, and never an RPM or
/// PyInstaller spec.
#[test]
fn vs_code_claims_a_spec_file_by_its_first_line() {
    let lines = [
        "stack shop",
        "stack 2fauth",
        "\u{feff}stack shop # named",
        "service web {",
        "proxy edge { image nginx:1.30 }",
        "secret key file \"key.txt\"",
        "Name:           hello",
        "%global debug_package %{nil}",
        "# -*- mode: python ; coding: utf-8 -*-",
        "service = Service()",
        "stack",
        "# stack shop",
    ];
    let script = format!(
        "const re = new RegExp(require('./package.json').contributes.languages[0].firstLine);\
         console.log(JSON.stringify({}.map((l) => re.test(l))));",
        serde_json::to_string(&lines).unwrap()
    );
    let claimed: Vec<bool> = serde_json::from_str(node(&script).trim()).unwrap();
    for (line, claimed) in lines.iter().zip(claimed) {
        assert_eq!(
            claimed,
            stackc::syntax::sniff::starts_like_a_spec(line),
            "{line:?}: VS Code's firstLine and stackc disagree"
        );
    }
}

/// How Neovim is set up for stack specs: with editors/vim on its
/// runtimepath (vim's files), or with the config snippet of editors/nvim.
#[derive(Clone, Copy, Debug)]
enum Setup {
    VimRuntime,
    NvimSnippet,
}

impl Setup {
    fn args(self) -> Vec<String> {
        let repo = support::repo();
        match self {
            Setup::VimRuntime => vec![
                "-u".to_string(),
                "NONE".to_string(),
                "--cmd".to_string(),
                format!("set rtp^={}", repo.join("editors/vim").display()),
                "--cmd".to_string(),
                "filetype plugin on".to_string(),
                "--cmd".to_string(),
                "syntax on".to_string(),
            ],
            Setup::NvimSnippet => vec![
                "-u".to_string(),
                repo.join("editors/nvim/stackc.lua").display().to_string(),
            ],
        }
    }
}

/// What a headless Neovim with editors/vim on its runtimepath makes of the
/// file `name` holding `text`: see `shown_by`.
fn vim_syntax(name: &str, text: &str, places: &[(usize, usize)]) -> (String, Vec<String>) {
    shown_by(Setup::VimRuntime, name, text, places)
}

/// What a headless Neovim set up by `setup` makes of the file `name`
/// holding `text`: its filetype, and the syntax group at each 1-based
/// (line, byte column) of `places`.
fn shown_by(setup: Setup, name: &str, text: &str, places: &[(usize, usize)]) -> (String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let output = support::headless_nvim(dir.path())
        .args(setup.args())
        .arg("-c")
        .arg(format!(
            "luafile {}",
            support::repo().join("tests/editors/syntax_at.lua").display()
        ))
        .arg(name)
        .env("STACKC_PLACES", serde_json::to_string(places).unwrap())
        .output()
        .expect("nvim runs");
    let stdout = support::text(&output.stdout);
    let stderr = support::text(&output.stderr);
    // An error in a Vim script is printed (`E475: Invalid argument`), and
    // Neovim still exits 0. (The snippet's language server may say something
    // as Neovim quits under it, which is not what these tests look at.)
    assert!(
        output.status.success() && !has_vim_error(&stderr),
        "nvim:\n{stdout}\n{stderr}"
    );
    let shown: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let groups = shown["groups"].as_array().unwrap();
    (
        shown["filetype"].as_str().unwrap().to_string(),
        groups.iter().map(|g| g.as_str().unwrap().to_string()).collect(),
    )
}

/// Whether Neovim printed a Vim error: every one has a number, `E123:`.
fn has_vim_error(stderr: &str) -> bool {
    stderr.match_indices('E').any(|(at, _)| {
        let digits = stderr[at + 1..].bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && stderr[at + 1 + digits..].starts_with(':')
    })
}

/// The 1-based (line, column) of the `nth` (from 0) `needle` on line `line`
/// of `text`.
fn place(text: &str, line: usize, needle: &str, nth: usize) -> (usize, usize) {
    let content = text.lines().nth(line - 1).unwrap();
    let column = content
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle:?} on line {line}: {content:?}"))
        .0;
    (line, column + 1)
}

#[test]
fn vim_highlights_a_spec() {
    let spec = r##"# stackc: allow(default-credentials)
stack shop
proxy nginx {
    nginx "add_header X-A \"#1\" always;"   # raw
    image nginx:1.30
    after web ready, collectstatic done
    restart on-failure 3
    ready tcp 8000 every 1m30s
    run ["a\tb", "c\qd"]
    publish 127.0.0.1:8080 -> 8080
    image of worker
    location ~* "\\.css$" { return 404 }
    location @app { proxy_pass app }
}
"##;
    let expected: [((usize, &str, usize), &str); 30] = [
        ((1, "#", 0), "stackspecComment"),
        ((1, "stackc:", 0), "stackspecSuppression"),
        ((2, "stack", 0), "stackspecKeyword"),
        ((2, "shop", 0), "stackspecName"),
        ((3, "proxy", 0), "stackspecKeyword"),
        ((3, "nginx", 0), "stackspecName"),
        ((3, "{", 0), "stackspecDelimiter"),
        ((4, "nginx", 0), "stackspecKeyword"),
        ((4, "add_header", 0), "stackspecString"),
        ((4, "\\\"", 0), "stackspecEscape"),
        ((4, "#", 0), "stackspecString"),
        ((4, "#", 1), "stackspecComment"),
        ((5, "nginx", 0), ""),
        ((6, "web", 0), "stackspecName"),
        ((6, "ready", 0), "stackspecKeyword"),
        ((6, "collectstatic", 0), "stackspecName"),
        ((6, "done", 0), "stackspecKeyword"),
        ((7, "on-failure", 0), "stackspecKeyword"),
        ((7, "3", 0), "stackspecNumber"),
        ((8, "1m30s", 0), "stackspecNumber"),
        ((9, "\\t", 0), "stackspecEscape"),
        ((9, "\\q", 0), "stackspecBadEscape"),
        ((10, "127", 0), ""),
        ((10, "->", 0), "stackspecOperator"),
        ((10, "8080", 1), "stackspecNumber"),
        ((11, "worker", 0), "stackspecName"),
        ((12, "~*", 0), "stackspecOperator"),
        ((12, "\\\\", 0), "stackspecEscape"),
        ((13, "@", 0), ""),
        ((13, "app", 0), "stackspecName"),
    ];
    let places: Vec<(usize, usize)> = expected
        .iter()
        .map(|((line, needle, nth), _)| place(spec, *line, needle, *nth))
        .collect();
    let (filetype, groups) = vim_syntax("stack.spec", spec, &places);
    assert_eq!(filetype, "stackspec");
    for (((line, needle, nth), group), shown) in expected.iter().zip(&groups) {
        assert_eq!(shown, group, "line {line}, {needle:?} (#{nth})");
    }
}

/// Every keyword of grammar/stack.pest, each on a line of its own, is a
/// keyword to vim.
#[test]
fn vim_knows_every_keyword() {
    let keywords = stackc::syntax::keywords();
    let text: String = keywords.iter().map(|k| format!("    {k}\n")).collect();
    let places: Vec<(usize, usize)> = (1..=keywords.len()).map(|line| (line, 5)).collect();
    let (_, groups) = vim_syntax("stack.spec", &text, &places);
    let missing: Vec<&String> = keywords
        .iter()
        .zip(&groups)
        .filter(|(_, group)| *group != "stackspecKeyword")
        .map(|(keyword, _)| keyword)
        .collect();
    assert!(missing.is_empty(), "editors/vim/syntax/stackspec.vim lacks {missing:?}");
}

/// Vim's filetype detection and the Neovim snippet's tell a stack spec from
/// an RPM or PyInstaller spec alike.
#[test]
fn vim_and_neovim_tell_a_stack_spec_from_an_rpm_spec() {
    let cases = [
        ("stack.spec", "Name: x\n", "stackspec"),
        ("web.stack.spec", "Name: x\n", "stackspec"),
        ("deploy.spec", "# the shop\n\nstack shop\n", "stackspec"),
        ("deploy.spec", "stack 2fauth\n", "stackspec"),
        ("deploy.spec", "service web {\n}\n", "stackspec"),
        ("deploy.spec", "proxy edge{\n}\n", "stackspec"),
        ("hello.spec", "# RPM\nName:    hello\nVersion: 2.10\n", "spec"),
        ("app.spec", "# -*- mode: python -*-\na = Analysis(['app.py'])\n", "spec"),
        ("app.spec", "service = Service()\n", "spec"),
    ];
    for setup in [Setup::VimRuntime, Setup::NvimSnippet] {
        for (name, text, filetype) in cases {
            assert_eq!(
                shown_by(setup, name, text, &[]).0,
                filetype,
                "{setup:?}: {name} holding {text:?}"
            );
        }
    }
}

#[test]
fn the_readme_tells_how_to_install_every_editor_package() {
    let readme = std::fs::read_to_string(support::repo().join("README.md")).unwrap();
    for needed in [
        "vsce package",
        "code --install-extension",
        "editors/nvim/stackc.lua",
        "editors/vim",
    ] {
        assert!(readme.contains(needed), "README.md does not mention {needed:?}");
    }
    // The vsce the READMEs tell to run is the one the tests run.
    let install = std::fs::read_to_string(support::repo().join("scripts/install-tools.sh")).unwrap();
    let vsce = install
        .lines()
        .find_map(|line| line.strip_prefix("VSCE_VERSION="))
        .expect("install-tools.sh pins vsce");
    let extension_readme = std::fs::read_to_string(vscode_dir().join("README.md")).unwrap();
    for text in [&readme, &extension_readme] {
        assert!(
            text.contains(&format!("@vscode/vsce@{vsce} package")),
            "not vsce {vsce}"
        );
    }
}

/// The extension is versioned with stackc, so the README's
/// `stackc-VERSION.vsix` is the file `vsce package` writes.
#[test]
fn the_extension_has_stackcs_version() {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(vscode_dir().join("package.json")).unwrap()).unwrap();
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    let vsix = format!("stackc-{}.vsix", env!("CARGO_PKG_VERSION"));
    let readme = std::fs::read_to_string(support::repo().join("README.md")).unwrap();
    assert!(readme.contains(&vsix), "README.md does not name {vsix}");
}
