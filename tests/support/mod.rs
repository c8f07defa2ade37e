//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use stackc::emit::Layout;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real `stackc` binary, as a user runs it: the one cargo built, or
/// the one `STACKC_UNDER_TEST` names (scripts/check-release.sh runs the CLI
/// tests on the binary a wheel installed, and on the static one).
pub fn stackc() -> Command {
    Command::new(stackc_path())
}

/// Where the binary [`stackc`] runs is.
pub fn stackc_path() -> PathBuf {
    std::env::var_os("STACKC_UNDER_TEST").map_or_else(|| env!("CARGO_BIN_EXE_stackc").into(), PathBuf::from)
}

/// The day the tests judge dates by (end of life): pinned, so results do
/// not change as time passes. `stackc`'s own `--today` takes it too.
pub const TODAY: &str = "2026-11-30";

/// `stackc lint ARGS stack.spec --exit-zero` in `dir`, judged on
/// [`TODAY`]: how the tests of whole projects lint them.
pub fn lint_project(dir: &Path, args: &[&str]) -> Output {
    stackc()
        .current_dir(dir)
        .arg("lint")
        .args(args)
        .args(["--exit-zero", "--today", TODAY, "stack.spec"])
        .output()
        .expect("stackc runs")
}

/// [`TODAY`] as the library takes it.
pub fn today() -> stackc::Date {
    stackc::Date::parse(TODAY).expect("TODAY is a day")
}

/// The example stacks in `specs/`, sorted.
pub fn example_specs() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(repo().join("specs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "spec"))
        .collect();
    specs.sort();
    specs
}

/// A fixed layout for snapshots: the same paths on every machine.
pub fn snapshot_layout(spec_file_name: &str) -> Layout {
    Layout::new(format!("/project/specs/{spec_file_name}"), "/project/out")
}

/// Builds a spec as `stackc build` does, with the files it names read from
/// its own folder (an app's own Dockerfile gives its command, user and
/// readiness), into the fixed snapshot layout.
pub fn build_from_disk(spec: &Path, environment: Option<&str>) -> stackc::Build {
    build_from_disk_for(spec, environment, stackc::emit::Target::Compose)
}

/// [`build_from_disk`] for a target.
pub fn build_from_disk_for(spec: &Path, environment: Option<&str>, target: stackc::emit::Target) -> stackc::Build {
    let folder = spec.parent().expect("a spec is in a folder");
    let name = spec.file_name().unwrap().to_string_lossy().into_owned();
    let files = stackc::input::Disk::new(folder, folder.file_name().unwrap());
    let policy = stackc::lint::policy::Policy::default();
    let options = stackc::Options {
        policy: Some(&policy),
        files: Some(&files),
        environment,
        target,
        today: Some(today()),
    };
    let source = stackc::source::SourceFile::new(name.clone(), std::fs::read_to_string(spec).unwrap());
    stackc::build_with(&source, &snapshot_layout(&name), options)
}

/// A tool installed by `scripts/install-tools.sh`. Missing tools fail the
/// test loudly: a validator that is not there must never count as a pass.
pub fn tool(relative: &str) -> PathBuf {
    let path = repo().join(".tools").join(relative);
    assert!(
        path.exists(),
        "{} is missing: run scripts/install-tools.sh (the test suite needs the real validators)",
        path.display()
    );
    path
}

/// The tests' Python, with PyYAML, crossplane and dockerfile-parse.
pub fn python() -> Command {
    Command::new(tool("venv/bin/python"))
}

/// The headless Neovim the tests' venv ships, started in `dir` with none
/// of the user's own setup (its config, data, state and cache all in
/// `dir/home`), no stdin, and the `stackc` cargo built first on its PATH
/// (for the `stackc lsp` of editors/nvim/stackc.lua): the caller adds the
/// files and commands.
pub fn headless_nvim(dir: &Path) -> Command {
    let home = dir.join("home");
    let bin = Path::new(env!("CARGO_BIN_EXE_stackc")).parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let mut nvim = Command::new(tool("venv/bin/nvim"));
    nvim.args(["--headless", "-n", "-i", "NONE"])
        .current_dir(dir)
        .env("PATH", path)
        .env("XDG_CONFIG_HOME", &home)
        .env("XDG_DATA_HOME", &home)
        .env("XDG_STATE_HOME", &home)
        .env("XDG_CACHE_HOME", &home)
        .stdin(std::process::Stdio::null());
    nvim
}

/// Runs `stackc build SPEC -o OUT`.
pub fn build(spec: &Path, out: &Path) -> Output {
    build_environment(spec, None, out)
}

/// Runs `stackc build SPEC --env NAME -o OUT` (the base without a name).
pub fn build_environment(spec: &Path, environment: Option<&str>, out: &Path) -> Output {
    let mut command = stackc();
    command.args(["build", "--color", "never"]).arg(spec).arg("-o").arg(out);
    if let Some(name) = environment {
        command.args(["--env", name]);
    }
    command.output().expect("stackc runs")
}

/// What a spec builds: its base (`None`), then each of its environments.
pub fn environments(spec: &Path) -> Vec<Option<String>> {
    let text = std::fs::read_to_string(spec).unwrap();
    let analysis = stackc::check(&stackc::source::SourceFile::new("spec", text));
    let names = analysis
        .stack
        .iter()
        .flat_map(|s| s.environment_names().map(|n| Some(n.to_string())));
    std::iter::once(None).chain(names).collect()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// insta settings: every snapshot in the top-level `snapshots/` folder.
pub fn insta_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// Runs `f` without the suffix `insta::glob!` adds to snapshot names (it
/// adds one only when the glob matches several files, so names would change
/// when a second file arrives). Callers name snapshots after the input.
pub fn without_glob_suffix(f: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    settings.remove_snapshot_suffix();
    settings.bind(f);
}

/// Puts a stand-in for every secret file the specs in `specs/` name, as a
/// team puts the real ones on the machine that runs the stack (the folder
/// is git-ignored): without them `stackc` rightly warns that compose would
/// not start. Idempotent, and safe when tests run it at the same time.
pub fn provide_spec_secrets() {
    for spec in example_specs() {
        let text = std::fs::read_to_string(&spec).unwrap();
        let analysis = stackc::check(&stackc::source::SourceFile::new("spec", text));
        let Some(stack) = analysis.stack else { continue };
        for secret in &stack.secrets {
            if let stackc::ir::SecretSource::File(path) = &secret.source {
                provide_file(&repo().join("specs").join(&path.value), "a stand-in for tests\n");
            }
        }
    }
}

/// Writes `contents` at `path` unless a file is there, atomically.
pub fn provide_file(path: &Path, contents: &str) {
    if path.exists() {
        return;
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // A name of this call's own: tests of one process run on threads.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let staged = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    std::fs::write(&staged, contents).unwrap();
    std::fs::rename(&staged, path).unwrap();
}

/// Makes `dir` hold what the seed spec names besides itself: its app (a
/// link to `specs/app`) and its secret file.
pub fn provide_seed_files(dir: &Path) {
    // A copy, not a link: a link out of the project leads to files stackc
    // does not read (see `stackc::input::Disk`).
    let app = dir.join("app");
    if !app.exists() {
        copy_folder(&repo().join("specs/app"), &app);
    }
    provide_file(&dir.join("secrets/db_password.txt"), "a stand-in for tests\n");
}

/// Copies a folder of regular files and folders.
pub fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        match entry.file_type().unwrap().is_dir() {
            true => copy_folder(&entry.path(), &target),
            false => drop(std::fs::copy(entry.path(), target).unwrap()),
        }
    }
}

/// `scripts/validate OUT` (every real validator on one output folder): its
/// exit code and everything it printed.
pub fn validate(out: &Path) -> (i32, String) {
    let output = Command::new(repo().join("scripts/validate"))
        .arg(out)
        .output()
        .expect("scripts/validate runs");
    let text = format!("{}{}", text(&output.stdout), text(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

/// Runs `sarif-multitool validate` on `log` and returns the error-level
/// results it found. The tool exits 0 whatever it finds, so its own
/// output log is what counts.
pub fn sarif_errors(log: &Path) -> Vec<String> {
    let result = log.with_extension("result.sarif");
    let _ = std::fs::remove_file(&result);
    let validate = Command::new(tool("npm/node_modules/.bin/sarif-multitool"))
        .arg("validate")
        .arg("-o")
        .arg(&result)
        .arg(log)
        .output()
        .expect("sarif-multitool runs");
    assert!(validate.status.success(), "{}", text(&validate.stdout));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&result).expect("sarif-multitool writes its result log")).unwrap();
    report["runs"][0]["results"]
        .as_array()
        .expect("a results array")
        .iter()
        .filter(|r| r["level"] == "error")
        .map(|r| format!("{} {}", r["ruleId"], r["message"]))
        .collect()
}
