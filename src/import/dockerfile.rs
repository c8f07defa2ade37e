//! A service's `build`: the app's own Dockerfile stays referenced (`build
//! PATH { file ... }`, stackc reads it for its checks and never writes
//! it), unless it is a plain Python app's Dockerfile of the shape stackc
//! writes itself (one stage FROM `python`, the requirements installed,
//! collectstatic, Gunicorn): that becomes a Python `build` block, and its
//! differences from stackc's layout are kept as `dockerfile` lines so the
//! lint rules see them.

use super::compose::Import;
use super::spec::{is_env_name, quoted, word, Stmt};
use super::uv::{self, UvLine};
use super::yaml::{Kind, Node};
use crate::input::dockerfile::{self, Args, Base, Keyword};

/// The largest Dockerfile import reads.
const MAX_DOCKERFILE: u64 = 1 << 20;

/// What to do with a secret a build needs, which a build argument keeps.
const BUILD_SECRET_HELP: &str = "a build argument is kept in compose.yaml and the image's history: hand the build the secret as a BuildKit secret (`RUN --mount=type=secret,id=NAME` in the Dockerfile, `docker build --secret`), which a spec does not pass, or let the running container read it (`secret VAR = NAME`)";

/// What a service's compose `build` becomes.
pub struct Built {
    pub build: Stmt,
    /// For a Python build, the app server its Dockerfile's CMD runs
    /// (`gunicorn ...`): compose's `command` replaces it.
    pub server: Option<Stmt>,
}

/// The `build` statement and, for a Python build, the app's command.
pub fn build(value: &Node, import: &mut Import) -> Built {
    let file = import.file;
    let (context, dockerfile, target, args) = match &value.kind {
        Kind::Scalar { text, .. } => (text.clone(), None, None, Vec::new()),
        _ => {
            for (key, _) in value.entries() {
                let k = key.text().unwrap_or_default();
                if !matches!(k, "context" | "dockerfile" | "target" | "args") {
                    import.report.dropped(
                        file,
                        key.span,
                        format!("`build.{k}`"),
                        "the spec builds with a context, a Dockerfile, a target and arguments",
                    );
                }
            }
            let args: Vec<(String, String, &Node)> = match value.get("args").map(|a| &a.kind) {
                Some(Kind::Seq(items)) => items
                    .iter()
                    .filter_map(|i| {
                        let (k, v) = i.text()?.split_once('=')?;
                        Some((k.to_string(), v.to_string(), i))
                    })
                    .collect(),
                Some(Kind::Map(entries)) => entries
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.text().unwrap_or_default().to_string(),
                            v.text().unwrap_or_default().to_string(),
                            v,
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            };
            // A value compose fills from the host (`${UID:-1000}`) is its
            // default, reported; one without a default is left out, and so
            // is a secret (compose.yaml and the image's history keep it).
            let args = args
                .into_iter()
                .filter_map(|(k, v, node)| {
                    if !is_env_name(&k) {
                        import.report.dropped(
                            file,
                            node.span,
                            format!("build arg {k:?}"),
                            "a build argument's name is letters, digits and `_`, not starting with a digit",
                        );
                        return None;
                    }
                    let value = super::values::literal(&v).or_else(|| Some(super::values::with_defaults(&v)?.0));
                    if let Some(what) = value.and_then(|value| super::secrets::found_in(Some(&k), &value)) {
                        super::secrets::left_out(
                            import.report,
                            (file, node.span),
                            &format!("build arg `{k}`"),
                            &what,
                            BUILD_SECRET_HELP,
                        );
                        return None;
                    }
                    let v = match super::values::literal(&v) {
                        Some(v) => v,
                        None => super::environment::defaulted(import, node, &format!("build arg {k}"), &v)?,
                    };
                    Some((k, v))
                })
                .collect();
            (
                value.get("context").and_then(Node::text).unwrap_or(".").to_string(),
                value.get("dockerfile").and_then(Node::text).map(str::to_string),
                value.get("target").and_then(Node::text).map(str::to_string),
                args,
            )
        }
    };
    let spec_context = import.places.rebase(&context);
    let file_name = dockerfile.clone().unwrap_or_else(|| "Dockerfile".to_string());
    let on_disk = import.places.on_disk(&context).join(&file_name);
    if target.is_none() && args.is_empty() {
        // Only a Dockerfile of the project: its lines are copied into
        // the spec (one elsewhere, or a link out, is whoever runs
        // import's, and stays a path).
        let text = import.places.read(&on_disk, MAX_DOCKERFILE).ok();
        if let Some(python) = text.and_then(|text| python_build(&text, &spec_context, &file_name)) {
            return python;
        }
    }
    let mut body = vec![Stmt::line(format!("file {}", word(&file_name)))];
    if let Some(target) = target {
        body.push(Stmt::line(format!("target {}", word(&target))));
    }
    for (k, v) in args {
        body.push(Stmt::line(format!("arg {k} = {}", quoted(&v))));
    }
    Built {
        build: Stmt::block(format!("build {}", word(&spec_context)), body),
        server: None,
    }
}

/// The recognised shape of a Dockerfile's `text`, or `None` to keep the
/// Dockerfile referenced: also when a line the spec would carry holds a
/// secret (`ENV API_TOKEN=ghp_...`, a password on a RUN's command line),
/// which the spec must not hold (the Dockerfile keeps it, and lint says so).
fn python_build(text: &str, context: &str, file_name: &str) -> Option<Built> {
    let parsed = dockerfile::parse(text);
    if parsed.stages.len() != 1 || !parsed.problems.is_empty() {
        return None;
    }
    let stage = &parsed.stages[0];
    let Base::Image(image) = &stage.base else {
        return None;
    };
    if image.repository() != "python" && image.repository() != "library/python" {
        return None;
    }
    let version = image.tag()?.to_string();
    if !version.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut body = vec![Stmt::line(format!("python {version}"))];
    // Each raw line, and for a RUN that creates users (which stackc does
    // itself for a `user` it creates) the line without that part.
    let mut raw: Vec<(Stmt, Option<Option<Stmt>>)> = Vec::new();
    // uv's lines, as raw lines and where they are in `raw`: the `uv`
    // statement writes them when the Dockerfile runs `uv sync`.
    let mut uv = Uv::default();
    let mut copied_source = false;
    let mut copied_requirements = None;
    let mut user = None;
    let mut gunicorn = None;
    let mut workdir: Option<String> = None;
    for instruction in parsed.instructions_of(stage).iter().skip(1) {
        let text_args = instruction.args.text().unwrap_or_default().trim().to_string();
        let written = &text[instruction.span.range()];
        let layout = Layout {
            workdir: workdir.as_deref(),
            requirements: copied_requirements.as_deref(),
        };
        if holds_secret(instruction, written) {
            return None;
        }
        if let Some(line) = uv_line(instruction, &text_args) {
            uv.take(line, written, &mut raw);
            continue;
        }
        match instruction.keyword {
            Keyword::Env if text_args.starts_with("PYTHON") => {}
            Keyword::Expose => {}
            Keyword::Workdir => workdir = Some(absolute_workdir(workdir.as_deref(), &text_args)?),
            Keyword::Copy if layout.copies_source(&text_args) => copied_source = true,
            Keyword::Copy if !copied_source && layout.copies_requirements(&text_args).is_some() => {
                copied_requirements = layout.copies_requirements(&text_args);
            }
            Keyword::User => user = Some(text_args),
            Keyword::Run if text_args.starts_with("python manage.py collectstatic") => {
                body.push(Stmt::line("collectstatic"));
            }
            Keyword::Run if !copied_source && layout.installs_requirements(&text_args) => {
                let file = copied_requirements.as_deref().unwrap_or(REQUIREMENTS);
                if file != REQUIREMENTS {
                    body.push(Stmt::line(format!("requirements {}", word(file))));
                }
            }
            Keyword::Cmd => gunicorn = Some(command(&instruction.args)?),
            _ if written.contains('\n') => return None,
            Keyword::Run => {
                // The script without its `useradd`, when it is all the RUN says.
                let rest = (written == format!("RUN {text_args}"))
                    .then(|| without_user_creation(&text_args))
                    .flatten()
                    .map(|rest| (!rest.is_empty()).then(|| dockerfile_line(&format!("RUN {rest}"))));
                raw.push((dockerfile_line(written), rest));
            }
            Keyword::Env | Keyword::Copy | Keyword::Arg => raw.push((dockerfile_line(written), None)),
            _ => return None,
        }
    }
    let gunicorn = gunicorn?;
    uv.finish(&mut body, &mut raw)?;
    if let Some(workdir) = workdir.filter(|w| w != "/app") {
        body.push(Stmt::line(format!("workdir {}", word(&workdir))));
    }
    let creates_user = match user.as_deref() {
        None | Some("root" | "0") => {
            body.push(Stmt::line("user root").note("the Dockerfile has no USER"));
            false
        }
        Some(name) if super::spec::is_name(name) => {
            body.push(Stmt::line(format!("user {name}")));
            true
        }
        Some(_) => return None,
    };
    // stackc creates the user: the Dockerfile's own `useradd` would fail on it.
    body.extend(raw.into_iter().filter_map(|(line, without_user)| match without_user {
        Some(rest) if creates_user => rest,
        _ => Some(line),
    }));
    let origin = format!("from {context}/{file_name}, a Python app's Dockerfile: stackc writes it now");
    let build = Stmt::block(format!("build {}", word(context)), body).note(origin);
    Some(Built {
        build,
        server: Some(Stmt::line(gunicorn)),
    })
}

/// Whether a Dockerfile line holds a secret as `secret-in-image` and
/// `secret-in-command` find one in a spec's `dockerfile` line: a value
/// set under a secret's name or shaped like a token, or a password on a
/// RUN's command line.
fn holds_secret(instruction: &dockerfile::Instruction, written: &str) -> bool {
    let value = crate::lint::secrets::dockerfile_values(written)
        .into_iter()
        .any(|(name, value)| super::secrets::found_in(name.as_deref(), &value).is_some());
    value || crate::lint::command_secrets::in_commands(&instruction.run_commands()).is_some()
}

/// `CMD ["gunicorn", "MODULE:APP", "--bind", "0.0.0.0:PORT", ...]` as the
/// `gunicorn` statement (`uv run gunicorn ...` too: stackc's image has the
/// environment on `PATH`); `None` for any other command.
fn command(args: &Args) -> Option<String> {
    let Args::Json { words, .. } = args else {
        return None;
    };
    let mut words: Vec<String> = words.iter().map(|w| w.value.clone()).collect();
    if words.starts_with(&["uv".to_string(), "run".to_string()]) {
        let options = words[2..].iter().take_while(|w| w.starts_with("--")).count();
        words.drain(..2 + options);
    }
    gunicorn(&words)
}

/// An instruction's part in installing the app with uv, if it has one.
fn uv_line(instruction: &dockerfile::Instruction, args: &str) -> Option<UvLine> {
    match instruction.keyword {
        Keyword::Copy => {
            let from = instruction.flags.iter().find(|f| f.name == "from");
            uv::copy(from.and_then(|f| f.value.as_deref()), &copy_words(args))
        }
        Keyword::Run => uv::run(args),
        Keyword::Env => uv::env(&shlex::split(args)?),
        _ => None,
    }
}

/// What the Dockerfile's uv lines come to (see [`uv`]).
#[derive(Default)]
struct Uv {
    version: Option<String>,
    syncs: bool,
    /// Indexes into the raw lines.
    lines: Vec<usize>,
    /// A line written over several lines, which a raw line cannot carry.
    multiline: bool,
}

impl Uv {
    fn take(&mut self, line: UvLine, written: &str, raw: &mut Vec<(Stmt, Option<Option<Stmt>>)>) {
        match line {
            UvLine::Binary(version) => self.version = version.or(self.version.take()),
            UvLine::Syncs => self.syncs = true,
            UvLine::CopiesProject | UvLine::Settings => {}
        }
        self.multiline |= written.contains('\n');
        self.lines.push(raw.len());
        raw.push((dockerfile_line(written), None));
    }

    /// The `uv` statement in place of the lines, after `python`; without
    /// a `uv sync` they stay raw lines (`None`: one cannot).
    fn finish(self, body: &mut Vec<Stmt>, raw: &mut Vec<(Stmt, Option<Option<Stmt>>)>) -> Option<()> {
        if !self.syncs {
            return (!self.multiline).then_some(());
        }
        let statement = match self.version {
            Some(version) => format!("uv {version}"),
            None => "uv".to_string(),
        };
        body.insert(1, Stmt::line(statement));
        let mut index = 0;
        raw.retain(|_| {
            index += 1;
            !self.lines.contains(&(index - 1))
        });
        Some(())
    }
}

/// A Gunicorn command line (`gunicorn MODULE:APP --bind 0.0.0.0:PORT
/// --workers N`, in any order, `--bind=...` too) as the `gunicorn`
/// statement; `None` for any other command, or an option the statement
/// cannot say.
pub fn gunicorn(words: &[String]) -> Option<String> {
    let (program, rest) = words.split_first()?;
    if program != "gunicorn" {
        return None;
    }
    let mut app = None;
    let (mut bind, mut workers) = (None, None);
    let mut rest = rest.iter();
    while let Some(word) = rest.next() {
        let (option, inline) = match word.split_once('=') {
            Some((option, value)) if option.starts_with("--") => (option, Some(value.to_string())),
            _ => (word.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| rest.next().cloned());
        match option {
            "--bind" | "-b" => {
                let value = value()?;
                let port = value.rsplit_once(':')?.1;
                port.parse::<u16>().ok()?;
                bind = Some(port.to_string());
            }
            "--workers" | "-w" => {
                let n = value()?;
                n.parse::<u32>().ok()?;
                workers = Some(n);
            }
            _ if app.is_none() && !option.starts_with('-') && option.contains(':') => app = Some(option.to_string()),
            _ => return None,
        }
    }
    let mut out = format!("gunicorn {}", app?);
    if let Some(port) = bind {
        out.push_str(&format!(" bind {port}"));
    }
    if let Some(n) = workers {
        out.push_str(&format!(" workers {n}"));
    }
    Some(out)
}

/// The requirements file stackc installs unless the spec names another.
const REQUIREMENTS: &str = "requirements.txt";

/// Where the Dockerfile is in its layout, to tell its own copies and
/// installs of the app from what stackc writes itself.
struct Layout<'a> {
    workdir: Option<&'a str>,
    /// The requirements file copied in so far, as the build folder names it.
    requirements: Option<&'a str>,
}

impl Layout<'_> {
    /// Whether a COPY's destination is the working folder (`.`, `./`, or
    /// the WORKDIR itself).
    fn is_workdir(&self, dest: &str) -> bool {
        matches!(dest, "." | "./")
            || self
                .workdir
                .is_some_and(|w| dest.trim_end_matches('/') == w.trim_end_matches('/'))
    }

    /// `COPY . .` (or into the WORKDIR), which stackc writes.
    fn copies_source(&self, args: &str) -> bool {
        match copy_words(args).as_slice() {
            [source, dest] => matches!(source.as_str(), "." | "./") && self.is_workdir(dest),
            _ => false,
        }
    }

    /// `COPY requirements.txt .` (into the working folder, under its own
    /// name or not): the file stackc copies before the install.
    fn copies_requirements(&self, args: &str) -> Option<String> {
        let [source, dest] = copy_words(args).try_into().ok()?;
        let source = source.trim_start_matches("./").to_string();
        let name = source.rsplit('/').next()?;
        if !name.ends_with(".txt") || source.contains(['*', '?', '$']) {
            return None;
        }
        let into = dest.trim_start_matches("./");
        let inside = |w: &str| {
            into.strip_prefix(w.trim_end_matches('/'))
                .and_then(|r| r.strip_prefix('/'))
        };
        let same_name = into == name || self.workdir.and_then(inside) == Some(name);
        (self.is_workdir(&dest) || same_name).then_some(source)
    }

    /// A RUN of nothing but `pip install -r` of the copied requirements
    /// file (and `pip install --upgrade pip`): stackc's own install.
    fn installs_requirements(&self, args: &str) -> bool {
        let expected = self.requirements.unwrap_or(REQUIREMENTS);
        let name = expected.rsplit('/').next().unwrap_or(expected);
        let programs = crate::input::shell::shell_programs(args);
        let mut installs = false;
        for program in &programs {
            match pip_install(program) {
                Some(PipInstall::Requirements(file)) => {
                    let file = file.trim_start_matches("./");
                    let in_workdir = self
                        .workdir
                        .and_then(|w| file.strip_prefix(w.trim_end_matches('/'))?.strip_prefix('/'));
                    if file != name && in_workdir != Some(name) {
                        return false;
                    }
                    installs = true;
                }
                Some(PipInstall::UpgradePip) => {}
                None => return false,
            }
        }
        installs
    }
}

/// Where `WORKDIR PATH` leaves the working folder when it was `current`
/// (`/` when unset): a relative path goes on from it, as Docker does.
/// `None` for a path that reads a variable, which import cannot follow.
fn absolute_workdir(current: Option<&str>, path: &str) -> Option<String> {
    if path.contains('$') || path.is_empty() {
        return None;
    }
    let joined = match path.strip_prefix('/') {
        Some(_) => path.to_string(),
        None => format!("{}/{path}", current.unwrap_or("/").trim_end_matches('/')),
    };
    let trimmed = joined.trim_end_matches('/');
    Some(if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    })
}

/// A COPY's words, `--chown`/`--chmod` left out (stackc's copy is the
/// root-owned, read-only one its user needs).
fn copy_words(args: &str) -> Vec<String> {
    let words = shlex::split(args).unwrap_or_default();
    words
        .into_iter()
        .filter(|w| !w.starts_with("--chown=") && !w.starts_with("--chmod="))
        .collect()
}

/// What a `pip install` does that stackc's own install also does.
enum PipInstall {
    Requirements(String),
    UpgradePip,
}

/// Options of `pip install` that change nothing stackc's install cares about.
const PIP_QUIET_OPTIONS: &[&str] = &[
    "--no-cache-dir",
    "--upgrade",
    "-U",
    "-q",
    "--quiet",
    "--disable-pip-version-check",
    "--no-compile",
    "--root-user-action=ignore",
];

fn pip_install(words: &[String]) -> Option<PipInstall> {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let rest = match words.as_slice() {
        ["pip" | "pip3", "install", rest @ ..] => rest,
        ["python" | "python3", "-m", "pip", "install", rest @ ..] => rest,
        _ => return None,
    };
    let mut requirements = None;
    let mut packages = Vec::new();
    let mut rest = rest.iter();
    while let Some(word) = rest.next() {
        match *word {
            "-r" | "--requirement" => requirements = Some(rest.next()?.to_string()),
            w if PIP_QUIET_OPTIONS.contains(&w) => {}
            w if w.starts_with('-') => return None,
            w => packages.push(w),
        }
    }
    match (requirements, packages.as_slice()) {
        (Some(file), []) => Some(PipInstall::Requirements(file)),
        (None, ["pip"]) => Some(PipInstall::UpgradePip),
        _ => None,
    }
}

/// A raw Dockerfile line.
fn dockerfile_line(written: &str) -> Stmt {
    Stmt::line(format!("dockerfile {}", quoted(written)))
}

/// A RUN's script without the commands that create users and groups, when
/// it has some and its commands are joined by `&&` (so leaving one out
/// changes nothing for the others): empty when nothing else is left.
fn without_user_creation(script: &str) -> Option<String> {
    use crate::input::shell::{simple_commands, Operator, SimpleCommand};
    let commands = simple_commands(script);
    let creates = |c: &SimpleCommand| matches!(c.program(), Some("useradd" | "adduser" | "groupadd" | "addgroup"));
    let joined_by_and = commands.iter().all(|c| matches!(c.then, None | Some(Operator::And)));
    if !joined_by_and || !commands.iter().any(creates) {
        return None;
    }
    let rest: Vec<&str> = commands
        .iter()
        .filter(|c| !creates(c))
        .map(|c| &script[c.span.range()])
        .collect();
    Some(rest.join(" && "))
}
