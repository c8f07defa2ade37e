//! `stackc import`: runs [`crate::import`], reports its findings in the
//! chosen format, and writes the spec (atomically) and the secret files
//! (mode 0600) it found.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use super::{output, report, Failure, OutputArgs};
use crate::import::{report as findings, secrets::Secrets, Request};
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
    let request = Request {
        input: input.to_path_buf(),
        nginx: nginx.to_vec(),
        spec: out.to_path_buf(),
        resolved: if no_compose {
            None
        } else {
            compose_config(&compose_file)
        },
    };
    let outcome = crate::import::import(&request).map_err(Failure::new)?;
    let groups = outcome.report.grouped();
    let mut reports = outcome.report.file_reports(&groups);
    if let Some(spec) = &outcome.spec {
        if !outcome.check.is_empty() {
            reports.push(FileReport::new(spec, &outcome.check));
        }
    }
    report(&reports, output)?;
    let Some(spec) = outcome.spec else {
        output::stderr("stackc: nothing written; the compose file could not be read\n");
        return Ok(ExitCode::from(1));
    };
    // A file the project itself lacks (a requirements file, an env file)
    // is the project's to add; any other error is import's.
    if outcome.check.iter().any(|d| d.is_error() && d.code != "missing-file") {
        output::stderr(
            "stackc: nothing written; the imported spec does not pass `check` (a bug in import: please report it)\n",
        );
        return Ok(ExitCode::from(1));
    }
    let dropped = outcome.report.count(findings::DROPPED);
    if strict && dropped > 0 {
        output::stderr(&format!(
            "stackc: nothing written; --strict and {dropped} setting(s) dropped\n"
        ));
        return Ok(ExitCode::from(1));
    }
    let spec_dir = match out.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    write_secrets(&spec_dir, &outcome.secrets)?;
    write::replace_file(out, spec.text.as_bytes()).map_err(|e| Failure::new(e.to_string()))?;
    output::status(&format!(
        "stackc: wrote {} ({dropped} dropped, {} raw, {} secret(s))",
        out.display(),
        outcome.report.count(findings::RAW),
        outcome.secrets.files.len()
    ));
    if !outcome.secrets.files.is_empty() {
        // Said even with `-q`: these files hold the passwords found.
        output::stderr(&format!(
            "stackc: keep these out of version control (.gitignore):\n{}",
            outcome.secrets.gitignore()
        ));
    }
    Ok(ExitCode::SUCCESS)
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
/// (then stackc's own reader reads the file, and says why).
fn compose_config(file: &Path) -> Option<String> {
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = file.file_name()?;
    for argv in compose_commands() {
        let output = std::process::Command::new(&argv[0])
            .args(&argv[1..])
            .arg("-f")
            .arg(name)
            .args([
                "config",
                "--format",
                "json",
                "--no-env-resolution",
                "--no-path-resolution",
                // A `${VAR}` stays one (and is reported): never the host's value.
                "--no-interpolate",
            ])
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .output();
        let Ok(output) = output else {
            continue;
        };
        if !output.status.success() {
            let why = String::from_utf8_lossy(&output.stderr);
            output::status(&format!(
                "stackc: `{} config` refused the project ({}); reading the file itself",
                argv.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" "),
                why.trim().lines().last().unwrap_or_default()
            ));
            return None;
        }
        if output.stdout.len() as u64 > crate::input::fs::MAX_FILE_BYTES {
            return None;
        }
        return String::from_utf8(output.stdout).ok();
    }
    None
}

/// Each secret file, created with mode 0600 and never over an existing one
/// with other contents.
fn write_secrets(dir: &Path, secrets: &Secrets) -> Result<(), Failure> {
    for secret in secrets.all() {
        let path = dir.join(&secret.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Failure::new(format!("{}: {e}", parent.display())))?;
        }
        match std::fs::read(&path) {
            Ok(existing) if existing == secret.contents.as_bytes() => continue,
            Ok(_) => {
                return Err(Failure::new(format!(
                    "{} exists with other contents; import does not overwrite a secret",
                    path.display()
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Failure::new(format!("{}: {e}", path.display()))),
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&path)
            .map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
        file.write_all(secret.contents.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    }
    Ok(())
}
