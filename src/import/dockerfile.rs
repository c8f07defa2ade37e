//! A service's `build`: the app's own Dockerfile stays referenced (`build
//! PATH { file ... }`, stackc reads it for its checks and never writes
//! it), unless it is a plain Python app's Dockerfile of the shape stackc
//! writes itself (one stage FROM `python`, the requirements installed,
//! collectstatic, Gunicorn): that becomes a Python `build` block, and its
//! differences from stackc's layout are kept as `dockerfile` lines so the
//! lint rules see them.

use super::compose::Import;
use super::spec::{is_env_name, quoted, word, Stmt};
use super::yaml::{Kind, Node};
use crate::input::dockerfile::{self, Args, Base, Keyword};

/// The largest Dockerfile import reads.
const MAX_DOCKERFILE: u64 = 1 << 20;

/// The `build` statement and, for a Python build, the app's command.
pub fn build(value: &Node, import: &mut Import) -> Vec<Stmt> {
    let file = import.file;
    let (context, dockerfile, target, mut args) = match &value.kind {
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
            let args: Vec<(String, String)> = match value.get("args").map(|a| &a.kind) {
                Some(Kind::Seq(items)) => items
                    .iter()
                    .filter_map(|i| i.text()?.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
                    .collect(),
                Some(Kind::Map(entries)) => entries
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.text().unwrap_or_default().to_string(),
                            v.text().unwrap_or_default().to_string(),
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            };
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
        if let Some(python) = python_build(&on_disk, &spec_context, &file_name) {
            return python;
        }
    }
    let mut body = vec![Stmt::line(format!("file {}", word(&file_name)))];
    if let Some(target) = target {
        body.push(Stmt::line(format!("target {}", word(&target))));
    }
    args.retain(|(k, _)| is_env_name(k));
    for (k, v) in args {
        body.push(Stmt::line(format!("arg {k} = {}", quoted(&v))));
    }
    vec![Stmt::block(format!("build {}", word(&spec_context)), body)]
}

/// The recognised shape, or `None` to keep the Dockerfile referenced.
fn python_build(path: &std::path::Path, context: &str, file_name: &str) -> Option<Vec<Stmt>> {
    let text = crate::input::fs::read_text(path, MAX_DOCKERFILE).ok()?;
    let parsed = dockerfile::parse(&text);
    if parsed.stages.len() != 1 || !parsed.problems.is_empty() {
        return None;
    }
    let stage = &parsed.stages[0];
    let Base::Image(image) = &stage.base else {
        return None;
    };
    if image.repository != "python" && image.repository != "library/python" {
        return None;
    }
    let version = image.tag.clone()?;
    if !version.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut body = vec![Stmt::line(format!("python {version}"))];
    let mut raw = Vec::new();
    let mut copied_source = false;
    let mut user = None;
    let mut gunicorn = None;
    let mut workdir = None;
    for instruction in parsed.instructions_of(stage).iter().skip(1) {
        let text_args = instruction.args.text().unwrap_or_default().trim().to_string();
        match instruction.keyword {
            Keyword::Env if text_args.starts_with("PYTHON") => {}
            Keyword::Expose => {}
            Keyword::Workdir => workdir = Some(text_args),
            Keyword::Copy if text_args == ". ." || text_args == "./ ./" => copied_source = true,
            Keyword::User => user = Some(text_args),
            Keyword::Run if text_args.starts_with("python manage.py collectstatic") => {
                body.push(Stmt::line("collectstatic"));
            }
            Keyword::Run if text_args.starts_with("pip install -r requirements.txt") && !copied_source => {}
            Keyword::Cmd => gunicorn = Some(command(&instruction.args)?),
            Keyword::Run | Keyword::Env | Keyword::Copy | Keyword::Arg => {
                let line = &text[instruction.span.start..instruction.span.end];
                if line.contains('\n') {
                    return None;
                }
                raw.push(Stmt::line(format!("dockerfile {}", quoted(line))));
            }
            _ => return None,
        }
    }
    let gunicorn = gunicorn?;
    if let Some(workdir) = workdir.filter(|w| w != "/app") {
        body.push(Stmt::line(format!("workdir {}", word(&workdir))));
    }
    match user.as_deref() {
        None | Some("root" | "0") => body.push(Stmt::line("user root").note("the Dockerfile has no USER")),
        Some(name) if super::spec::is_name(name) => body.push(Stmt::line(format!("user {name}"))),
        Some(_) => return None,
    }
    body.extend(raw);
    let origin = format!("from {context}/{file_name}, a Python app's Dockerfile: stackc writes it now");
    let build = Stmt::block(format!("build {}", word(context)), body).note(origin);
    Some(vec![build, Stmt::line(gunicorn)])
}

/// `CMD ["gunicorn", "MODULE:APP", "--bind", "0.0.0.0:PORT", ...]` as the
/// `gunicorn` statement; `None` for any other command.
fn command(args: &Args) -> Option<String> {
    let Args::Json { words, .. } = args else {
        return None;
    };
    let words: Vec<&str> = words.iter().map(|w| w.value.as_str()).collect();
    let [program, app, rest @ ..] = words.as_slice() else {
        return None;
    };
    if *program != "gunicorn" || !app.contains(':') {
        return None;
    }
    let mut out = format!("gunicorn {app}");
    let mut rest = rest.iter();
    while let Some(option) = rest.next() {
        match *option {
            "--bind" | "-b" => {
                let port = rest.next()?.rsplit_once(':')?.1;
                port.parse::<u16>().ok()?;
                out.push_str(&format!(" bind {port}"));
            }
            "--workers" | "-w" => {
                let n = rest.next()?;
                n.parse::<u32>().ok()?;
                out.push_str(&format!(" workers {n}"));
            }
            _ => return None,
        }
    }
    Some(out)
}
