//! `stackc import`: runs [`crate::import`], writes the spec (atomically,
//! even with errors: the user fixes it there), the secret and env files,
//! and the ignore lines that keep them out of images and commits; then reports the
//! findings in the chosen format with what `stackc build` would say.

use std::path::Path;
use std::process::ExitCode;

use super::{absolute, output, report_files, settings, spec_files, Failure, OutputArgs};
use crate::import::{contexts, report as findings, secrets::Secrets, Request};
use crate::render::FileReport;
use crate::write;

/// What `stackc import` was asked.
pub(super) struct Args<'a> {
    pub input: Option<&'a Path>,
    pub nginx: &'a [std::path::PathBuf],
    pub out: &'a Path,
    pub strict: bool,
    /// Read the file with stackc's own reader even when compose is there.
    pub no_compose: bool,
    /// Replace a spec that is there already.
    pub force: bool,
}

pub(super) fn run(args: Args, output: &OutputArgs) -> Result<ExitCode, Failure> {
    let Args {
        input,
        nginx,
        out,
        strict,
        no_compose,
        force,
    } = args;
    if out.exists() && !force {
        return Err(Failure {
            message: format!("{} is there already; import writes a new spec", out.display()),
            help: Some("name another file with -o, or replace it with --force".to_string()),
        });
    }
    let input = input.unwrap_or(Path::new("."));
    let compose_file = crate::import::compose_file(input).map_err(Failure::new)?;
    let override_file = crate::import::override_file(input);
    let resolved = match no_compose {
        true => None,
        false => compose_config(&compose_file, override_file.as_deref()),
    };
    let override_name = override_file.as_deref().and_then(Path::file_name);
    let override_name = override_name.map(|name| name.to_string_lossy().into_owned());
    if let Some(file) = &override_name {
        output::status(&match resolved {
            Some(_) => format!(
                "stackc: {file} merged in, as `docker compose up` in the folder merges it; \
                 to import without it, name the compose file: `stackc import {}`",
                compose_file.display()
            ),
            None => format!("stackc: {file} is not merged in: only compose merges it, and it did not run"),
        });
    }
    let request = Request {
        input: input.to_path_buf(),
        nginx: nginx.to_vec(),
        spec: out.to_path_buf(),
        merged: override_name.filter(|_| resolved.is_some()),
        resolved,
    };
    let outcome = crate::import::import(&request).map_err(Failure::new)?;
    let groups = outcome.report.grouped();
    let mut reports = outcome.report.file_reports(&groups);
    let Some(spec) = &outcome.spec else {
        report_files(&reports, output, "file")?;
        output::stderr("stackc: nothing written; the compose file could not be read\n");
        return Ok(ExitCode::from(1));
    };
    let dropped = outcome.report.count(findings::DROPPED);
    if strict && dropped > 0 {
        report_files(&reports, output, "file")?;
        output::stderr(&format!(
            "stackc: nothing written; --strict and {dropped} setting(s) dropped\n"
        ));
        return Ok(ExitCode::from(1));
    }
    write_files(out, spec, &outcome)?;
    // Built in memory with the files now beside it, as `stackc build` would.
    let verdict = verdict(out, spec)?;
    let inputs = verdict.inputs.as_ref().map_or(&[][..], |i| &i.sources[..]);
    if !verdict.errors.is_empty() {
        reports.push(FileReport::new(spec, &verdict.errors).with_inputs(inputs));
    }
    report_files(&reports, output, "file")?;
    say_written(out, &outcome, &verdict);
    Ok(if verdict.invalid() || outcome.report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What was written, what to do with the files that hold secrets, and
/// whether `stackc build` accepts the spec.
fn say_written(out: &Path, outcome: &crate::import::Outcome, verdict: &Verdict) {
    output::status(&format!(
        "stackc: wrote {} ({} dropped, {} raw, {} secret file(s), {} env file(s))",
        out.display(),
        outcome.report.count(findings::DROPPED),
        outcome.report.count(findings::RAW),
        outcome.secrets.files.len(),
        outcome.secrets.env_files.len()
    ));
    if !outcome.secrets.files.is_empty() {
        // Said even with `-q`: these files hold the passwords found.
        output::stderr(&format!(
            "stackc: the secret files are mode {SECRET_MODE:04o}: compose bind-mounts a file secret with the host file's owner and mode, so the container's user must be able to read it (or `chown` each to that user and `chmod 0400` it)\n"
        ));
    }
    let here = std::env::current_dir().unwrap_or_default();
    let shown = |edit: &contexts::IgnoreEdit| {
        let verb = if edit.exists { "added to" } else { "created" };
        let file = edit
            .file
            .strip_prefix(&here)
            .unwrap_or(&edit.file)
            .display()
            .to_string();
        (verb, file, edit.lines.join(", "))
    };
    // Said even with `-q`: these files hold the secrets found.
    match &outcome.gitignore {
        Some(edit) => {
            let (verb, file, lines) = shown(edit);
            output::stderr(&format!("stackc: {verb} {file} so no commit carries {lines}\n"));
        }
        None if !outcome.secrets.is_empty() => output::status(&format!(
            "stackc: the .gitignore beside {} lists the files that hold secrets already",
            out.display()
        )),
        None => {}
    }
    for edit in &outcome.ignores {
        let (verb, file, lines) = shown(edit);
        output::stderr(&format!("stackc: {verb} {file} so no image carries {lines}\n"));
    }
    if !outcome.secrets.from_dotenv.is_empty() {
        // Said even with `-q`: without it, a password is empty at `up`.
        output::stderr(&format!(
            "stackc: the spec reads {} from the environment `docker compose` runs in, as the project's .env sets them; compose reads the .env beside compose.yaml (in the output folder), not this one: pass it, `docker compose --env-file .env -f out/compose.yaml up`\n",
            outcome.secrets.from_dotenv.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    let shown = out.display();
    // What import itself could not carry and must not pass quietly (an
    // access rule left out): the spec is written, and the run fails.
    if outcome.report.has_errors() {
        output::stderr(&format!(
            "stackc: {shown} leaves out what the errors above say (it is more open than the project): write it by hand before deploying\n"
        ));
    }
    match (verdict.invalid(), verdict.errors.len()) {
        (true, _) => output::stderr(&format!(
            "stackc: {shown} has errors (above): fix them there; `stackc build` refuses it until then\n"
        )),
        (false, 0) => output::status(&format!(
            "stackc: `stackc build` accepts {shown}; {} lint warning(s), not shown here: `stackc lint {shown}` lists them",
            verdict.warnings
        )),
        // The summary above counts the errors shown; lint's warnings are
        // said here, as when the spec is accepted.
        (false, n) => output::stderr(&format!(
            "stackc: `stackc build` refuses {shown} until its {n} lint error(s) above are fixed or allowed; {} lint warning(s) are not shown here (the counts above are import's and these errors): `stackc lint {shown}` lists every finding\n",
            verdict.warnings
        )),
    }
}

/// The mode secret files are written with: readable by the container's
/// user, whoever that is (see the README's secrets section).
const SECRET_MODE: u32 = 0o644;

/// What `stackc build` would say of the spec written.
struct Verdict {
    /// Its error-level findings (check and lint).
    errors: Vec<crate::diagnostic::Diagnostic>,
    warnings: usize,
    inputs: Option<crate::input::Inputs>,
}

impl Verdict {
    /// Whether `check` refuses the spec (an error that is not a lint
    /// finding): a file the project lacks (a build folder, a Dockerfile)
    /// too, since `stackc build` refuses it until it is there.
    fn invalid(&self) -> bool {
        self.errors
            .iter()
            .any(|d| crate::lint::registry::find(d.code).is_none())
    }
}

/// Builds the written spec in memory, with its folder's `stackc.toml`.
fn verdict(out: &Path, spec: &crate::source::SourceFile) -> Result<Verdict, Failure> {
    let mut finder = settings::Finder::new(settings::from_command_line(&[], &[])?);
    let policy = finder.settings(out).map(|s| s.policy).unwrap_or_default();
    let spec_abs = absolute(out)?;
    let out_dir = spec_abs.parent().unwrap_or(Path::new("/")).join("out");
    let layout = crate::emit::paths::Layout::new(&spec_abs, out_dir);
    let files = spec_files(out);
    let options = crate::Options {
        policy: Some(&policy),
        files: Some(&files),
        environment: None,
        target: crate::emit::Target::Compose,
        today: Some(crate::Date::today()),
    };
    let build = crate::build_with(spec, &layout, options);
    let warnings = build
        .diagnostics
        .iter()
        .filter(|d| d.severity == crate::diagnostic::Severity::Warning)
        .count();
    let errors = build.diagnostics.into_iter().filter(|d| d.is_error()).collect();
    Ok(Verdict {
        errors,
        warnings,
        inputs: build.inputs,
    })
}

/// The compose binaries tried, in order: `STACKC_COMPOSE` (a path), else
/// `docker compose`, else `docker-compose`.
fn compose_commands() -> Vec<Vec<std::ffi::OsString>> {
    match std::env::var_os("STACKC_COMPOSE") {
        Some(path) => vec![vec![path]],
        None => vec![vec!["docker".into(), "compose".into()], vec!["docker-compose".into()]],
    }
}

/// The project as compose itself resolves it (`docker compose config`),
/// or `None` when no compose binary is there or it refuses the project
/// (then stackc's own reader reads the file, and says why). `docker`
/// without its compose plugin counts as no binary: the next is tried.
fn compose_config(file: &Path, override_file: Option<&Path>) -> Option<String> {
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = file.file_name()?;
    let root = crate::input::fs::project_root(dir)?;
    for given in std::iter::once(file).chain(override_file) {
        let outside = || crate::import::reads::outside(given, &root);
        if let Some(why) = refused_by_own_reader(given).or_else(outside) {
            output::status(&format!(
                "stackc: not handing {} to compose: {why}; reading the file itself",
                given.display()
            ));
            return None;
        }
    }
    let mut args: Vec<&std::ffi::OsStr> = vec!["-f".as_ref(), name];
    if let Some(overrides) = override_file.and_then(Path::file_name) {
        args.extend(["-f".as_ref(), overrides]);
    }
    args.extend(
        [
            "config",
            "--format",
            "json",
            "--no-env-resolution",
            "--no-path-resolution",
            // A `${VAR}` stays one (and is reported): never the host's value.
            "--no-interpolate",
        ]
        .map(std::ffi::OsStr::new),
    );
    let mut tried = Vec::new();
    for argv in compose_commands() {
        let shown = argv.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ");
        let run = |args: &[&std::ffi::OsStr]| {
            let mut command = std::process::Command::new(&argv[0]);
            command.args(&argv[1..]).args(args).current_dir(dir);
            output_within(command, COMPOSE_TIME)
        };
        let output = run(&args);
        let output = match output {
            Ok(Ran::Done(output)) => output,
            Ok(Ran::Stopped(why)) => {
                output::status(&format!("stackc: `{shown} config` {why}; reading the file itself"));
                return None;
            }
            Err(_) => {
                tried.push(format!("`{shown}`: not found"));
                continue;
            }
        };
        if !output.status.success() {
            // `docker` without the plugin refuses `compose` itself.
            if !run(&["version".as_ref()]).is_ok_and(|v| matches!(v, Ran::Done(v) if v.status.success())) {
                tried.push(format!("`{shown}`: not installed"));
                continue;
            }
            let why = String::from_utf8_lossy(&output.stderr);
            output::status(&format!(
                "stackc: `{shown} config` refused the project ({}); reading the file itself",
                why.trim().lines().last().unwrap_or_default()
            ));
            return None;
        }
        return String::from_utf8(output.stdout).ok();
    }
    output::status(&format!(
        "stackc: no compose binary works ({}); reading the file itself",
        tried.join(", ")
    ));
    None
}

/// Why stackc's own reader refuses a compose file that compose would
/// expand without bound (an alias bomb: compose-go took gigabytes and
/// minutes), or `None`: compose gets only what stackc could read too.
fn refused_by_own_reader(file: &Path) -> Option<String> {
    let text = crate::input::fs::read_text(file, crate::input::fs::MAX_FILE_BYTES).ok()?;
    crate::import::yaml::parse(&text)
        .err()
        .map(|e| format!("it {}", e.message))
}

/// How long compose may take to print a project: a real one takes well
/// under a second (the message when it is stopped says 30 seconds).
const COMPOSE_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// Why a child was stopped that printed more than stackc keeps.
const OVERFLOWED: &str = "printed more than a compose file stackc reads";

/// How a child process ended.
enum Ran {
    Done(std::process::Output),
    /// Killed: it ran out of time, or printed more than a compose file
    /// stackc reads (why, said after the command).
    Stopped(&'static str),
}

/// Runs `command` with no input, for at most `limit`, keeping at most
/// [`MAX_FILE_BYTES`](crate::input::fs::MAX_FILE_BYTES) of what it prints:
/// a hostile project cannot hang an import or fill its memory through it.
fn output_within(mut command: std::process::Command, limit: std::time::Duration) -> std::io::Result<Ran> {
    use std::io::Read;
    use std::process::Stdio;
    // A group of its own, stopped whole: `docker compose` runs the compose
    // plugin as a second process, which a kill of `docker` alone leaves.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let most = crate::input::fs::MAX_FILE_BYTES;
    let keep = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            if let Some(pipe) = pipe {
                // One byte more than allowed tells that there was more.
                let _ = pipe.take(most + 1).read_to_end(&mut kept);
            }
            kept
        })
    };
    let stdout = keep(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let stderr = keep(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let started = std::time::Instant::now();
    // When its output ended (it closed it, or overflowed) with the child
    // still running: a moment later, it is stopped.
    let mut output_ended: Option<std::time::Instant> = None;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if stdout.is_finished() {
            output_ended.get_or_insert_with(std::time::Instant::now);
        }
        let lingers = output_ended.is_some_and(|at| at.elapsed() > std::time::Duration::from_secs(1));
        if started.elapsed() > limit || lingers {
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let Some(status) = status else {
        #[cfg(target_os = "linux")]
        let _ = rustix::process::kill_process_group(
            rustix::process::Pid::from_child(&child),
            rustix::process::Signal::KILL,
        );
        let _ = child.kill();
        let _ = child.wait();
        let overflowed = stdout.join().is_ok_and(|kept| kept.len() as u64 > most);
        return Ok(Ran::Stopped(match (overflowed, output_ended) {
            (true, _) => OVERFLOWED,
            (false, Some(_)) => "closed its output but did not exit, and was stopped",
            (false, None) => "took longer than 30 seconds, and was stopped",
        }));
    };
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    if stdout.len() as u64 > most {
        return Ok(Ran::Stopped(OVERFLOWED));
    }
    Ok(Ran::Done(std::process::Output { status, stdout, stderr }))
}

/// Writes the spec, its secret and env files and the ignore lines that
/// keep them out of commits and images, all or none: a failure on the way
/// (a secret file there with other contents, a spec path that cannot be
/// written) leaves the project as it was.
///
/// Each secret file is created new (never over an existing one with other
/// contents) with [`SECRET_MODE`], an env file (which only compose reads,
/// as the user who runs it) with mode 0600; only inside the spec's
/// project: a folder on the way that is a link out of it (a cloned
/// repository's `secrets -> /etc/cron.d`) is refused, so a hostile compose
/// file cannot have its text written elsewhere.
fn write_files(out: &Path, spec: &crate::source::SourceFile, outcome: &crate::import::Outcome) -> Result<(), Failure> {
    let failure = |e: write::WriteError| Failure {
        help: e.help().map(str::to_string),
        message: e.to_string(),
    };
    let spec_dir = match out.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // The project of the nearest folder there (`-o deploy/stack.spec`
    // before `deploy/` is made).
    let project = spec_dir
        .ancestors()
        .find_map(crate::input::fs::project_root)
        .ok_or_else(|| Failure::new(format!("{}: no folder of it is there", spec_dir.display())))?;
    let mut together = write::together::Together::inside(project);
    // The ignore lines first: no secret file is ever there unlisted.
    for edit in outcome.gitignore.iter().chain(&outcome.ignores) {
        together.replace(&edit.file, contexts::edited(edit).map_err(failure)?.as_bytes());
    }
    let secrets: &Secrets = &outcome.secrets;
    let files = secrets.files.iter().map(|f| (f, SECRET_MODE));
    for (secret, mode) in files.chain(secrets.env_files.iter().map(|f| (f, 0o600))) {
        together.create(&spec_dir.join(&secret.path), secret.contents.as_bytes(), mode);
    }
    together.replace(out, spec.text.as_bytes());
    together.write().map_err(failure)
}
