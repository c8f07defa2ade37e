//! The script a service's container starts through (`entrypoint.sh`,
//! `start`), found in its build folder: where the image runs it from, and
//! which file of the build folder the Dockerfile copied there.
//!
//! Real deployments wait for their database in such a script (a `nc -z`
//! loop, `wait-for-it`), which compose cannot see; `missing-readiness-wait`
//! reads the script's [`super::waits`] instead of guessing.

use super::dockerfile::CopyFact;
use super::waits::Wait;
use crate::source::FileId;

/// The start script of one service, as far as stackc found it.
#[derive(Clone, Debug)]
pub struct StartScript {
    pub service: String,
    /// As the container runs it: `/app/entrypoint.sh`.
    pub program: String,
    pub via: Via,
    pub found: Found,
}

/// What makes the container run the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// The spec's `entrypoint`, or the Dockerfile's ENTRYPOINT.
    Entrypoint,
    /// The spec's command, or the Dockerfile's CMD.
    Command,
}

#[derive(Clone, Debug)]
pub enum Found {
    /// Read from the build folder.
    Read { file: FileId, waits: Vec<Wait> },
    /// Why not: the program is not a file of the build folder, or the file
    /// cannot be read as a script.
    Unread(String),
}

/// Programs that start the command after them (an init for PID 1).
const INITS: [&str; 4] = ["tini", "tini-static", "dumb-init", "catatonit"];

/// Where a bare program name is looked for, as Docker's default `PATH` has it.
const PATH: [&str; 6] = [
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// The program of a command line that may be a script: after an init
/// (`tini --`), the file a shell runs (`sh /app/start.sh`); `None` for a
/// shell given a command string (`sh -c "..."`), which is no file.
pub fn program(argv: &[String]) -> Option<&str> {
    let mut words = argv.iter().map(String::as_str).peekable();
    while words.peek().is_some_and(|w| INITS.contains(&base_name(w))) {
        words.next();
        while words.peek().is_some_and(|w| w.starts_with('-')) {
            words.next();
        }
    }
    let program = words.next()?;
    if !super::shell::is_shell(program) {
        return Some(program);
    }
    for word in words {
        if !word.starts_with('-') {
            return Some(word);
        }
        if !word.starts_with("--") && word.contains('c') {
            return None;
        }
    }
    None
}

/// The absolute paths a program may be at in the image: itself when
/// absolute; joined to the working folder when relative (`./start.sh`);
/// every folder of `PATH` for a bare name.
pub fn image_paths(program: &str, working_dir: Option<&str>) -> Vec<String> {
    // `folder/program`, written once: no joined copy to normalize.
    let joined = |folder: &str| normalize_parts(folder.is_empty() || folder.starts_with('/'), [folder, program]);
    if program.starts_with('/') {
        normalize(program).into_iter().collect()
    } else if program.contains('/') {
        working_dir.and_then(joined).into_iter().collect()
    } else if matches!(program, "" | "." | "..") {
        PATH.iter().filter_map(|folder| joined(folder)).collect()
    } else {
        // The folders of `PATH` are normal already, and a bare name is.
        PATH.iter().map(|folder| [folder, "/", program].concat()).collect()
    }
}

/// A copy into the image from the build folder: its sources as written and
/// its absolute destination (ending with `/` for a folder).
#[derive(Clone, Debug)]
pub struct Copied {
    pub sources: Vec<String>,
    pub destination: String,
}

impl Copied {
    /// The copies of a Dockerfile's stage from the build folder (not
    /// `--from` another stage or image), the last first: a later copy
    /// replaces an earlier one's file.
    pub fn from_dockerfile(copies: &[CopyFact]) -> Vec<Copied> {
        copies
            .iter()
            .rev()
            .filter(|c| c.from.is_none())
            .filter_map(|c| {
                Some(Copied {
                    sources: c.sources.iter().map(|s| s.value.clone()).collect(),
                    destination: c.destination.known()?.clone(),
                })
            })
            .collect()
    }

    /// stackc's own Python image: the whole build folder at `workdir`.
    pub fn everything_at(workdir: &str) -> Copied {
        Copied {
            sources: vec![".".to_string()],
            destination: format!("{}/", workdir.trim_end_matches('/')),
        }
    }
}

/// The files of the build folder that may be at `image_path`, by the
/// copies (the last one first): each a path relative to the build folder,
/// to be looked for in order. `is_folder` says whether a source is a
/// folder of the build folder.
pub fn sources_of(image_path: &str, copies: &[Copied], is_folder: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    for copy in copies {
        let folder_destination = copy.destination.ends_with('/');
        let destination = copy.destination.trim_end_matches('/');
        let inside = image_path
            .strip_prefix(destination)
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|rest| !rest.is_empty());
        // Neither in the destination nor it: no source of this copy is
        // there (most folders of `PATH`, for a bare program's name).
        if inside.is_none() && image_path != destination {
            continue;
        }
        for source in copy.sources.iter().map(String::as_str) {
            if source.starts_with("<<") || source.contains("://") || source.contains(['[', '$']) {
                continue;
            }
            // `COPY package*.json ./`: a pattern in the file's name only.
            if source.contains(['*', '?']) {
                let (folder, pattern) = source.rsplit_once('/').unwrap_or(("", source));
                let matched = inside.filter(|rest| !folder.contains(['*', '?']) && wildcard(pattern, rest));
                found.extend(matched.and_then(|rest| normalize(&join(folder, rest))));
                continue;
            }
            let Some(source) = normalize(source).map(|s| s.trim_start_matches('/').to_string()) else {
                continue;
            };
            let candidate = if source.is_empty() || is_folder(&source) {
                // A folder's contents land in the destination.
                inside.map(|rest| join(&source, rest))
            } else if image_path == destination && !folder_destination {
                Some(source.clone())
            } else {
                // A file into a folder keeps its name.
                inside
                    .filter(|rest| *rest == base_name(&source))
                    .map(|_| source.clone())
            };
            found.extend(candidate);
        }
    }
    found
}

/// Whether a file name matches a pattern of `*` (any run of characters)
/// and `?` (one character), as Go's `filepath.Match` does without `/`.
fn wildcard(pattern: &str, name: &str) -> bool {
    if name.contains('/') {
        return false;
    }
    let (pattern, name): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // The last `*` seen and where the name stood then: linear backtracking.
    let (mut p, mut n, mut star) = (0, 0, None);
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((at, from)) => {
                    p = at + 1;
                    n = from + 1;
                    star = Some((at, from + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

fn join(folder: &str, rest: &str) -> String {
    match folder {
        "" => rest.to_string(),
        _ => format!("{folder}/{rest}"),
    }
}

/// A path with `.` and empty parts dropped; `None` when it climbs out
/// with `..`. The root stays `/`-led; a relative path stays relative.
fn normalize(path: &str) -> Option<String> {
    normalize_parts(path.starts_with('/'), [path])
}

/// [`normalize`] of the pieces joined by `/`, built in one string: the
/// start script of every service is looked for along `PATH`.
fn normalize_parts<'a>(absolute: bool, pieces: impl IntoIterator<Item = &'a str> + Clone) -> Option<String> {
    let len = pieces.clone().into_iter().map(|p| p.len() + 1).sum();
    let mut out = String::with_capacity(len);
    for part in pieces.into_iter().flat_map(|piece| piece.split('/')) {
        match part {
            "" | "." => {}
            ".." => return None,
            part => {
                if absolute || !out.is_empty() {
                    out.push('/');
                }
                out.push_str(part);
            }
        }
    }
    if absolute && out.is_empty() {
        out.push('/');
    }
    Some(out)
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn the_program_after_inits_and_shells() {
        assert_eq!(program(&argv(&["/entrypoint"])), Some("/entrypoint"));
        assert_eq!(program(&argv(&["tini", "--", "./start.sh"])), Some("./start.sh"));
        assert_eq!(
            program(&argv(&["/bin/bash", "-e", "/app/start.sh"])),
            Some("/app/start.sh")
        );
        assert_eq!(program(&argv(&["sh", "-c", "nc -z db 5432 && exec gunicorn"])), None);
        assert_eq!(program(&argv(&["sh", "-ec", "x"])), None);
        assert_eq!(program(&argv(&[])), None);
    }

    #[test]
    fn where_the_image_looks_for_a_program() {
        assert_eq!(
            image_paths("/home/app/web/./entrypoint.sh", None),
            ["/home/app/web/entrypoint.sh"]
        );
        assert_eq!(image_paths("./start.sh", Some("/app")), ["/app/start.sh"]);
        assert!(image_paths("./start.sh", None).is_empty());
        assert!(image_paths("../x", Some("/")).is_empty());
        assert_eq!(image_paths("start", None).len(), PATH.len());
        assert!(image_paths("gunicorn", Some("/app")).contains(&"/usr/local/bin/gunicorn".to_string()));
        // Named as a folder: the folders themselves (a copy may put one
        // file at such a path); `..` climbs, as everywhere, to nothing.
        assert_eq!(image_paths(".", None), PATH);
        assert_eq!(image_paths("", None), PATH);
        assert!(image_paths("..", None).is_empty());
    }

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn a_copied_file_is_found_in_the_build_folder() {
        let folders = |path: &str| ["compose", "app"].contains(&path);
        let entry = strings(&["./compose/production/django/entrypoint"]);
        let into_file = [Copied {
            sources: entry.clone(),
            destination: "/entrypoint".into(),
        }];
        assert_eq!(
            sources_of("/entrypoint", &into_file, &folders),
            ["compose/production/django/entrypoint"]
        );
        let own = strings(&["./entrypoint.prod.sh"]);
        let everything = strings(&["."]);
        let app = strings(&["app"]);
        let copies = [
            Copied {
                sources: everything.clone(),
                destination: "/home/app/web/".into(),
            },
            Copied {
                sources: own.clone(),
                destination: "/home/app/web/".into(),
            },
            Copied {
                sources: app.clone(),
                destination: "/srv".into(),
            },
        ];
        let found = |path: &str| sources_of(path, &copies, &folders);
        assert_eq!(
            found("/home/app/web/entrypoint.prod.sh"),
            ["entrypoint.prod.sh", "entrypoint.prod.sh"]
        );
        assert_eq!(found("/srv/bin/start.sh"), ["app/bin/start.sh"]);
        assert!(found("/usr/local/bin/gunicorn").is_empty());
        assert!(found("/home/app/web").is_empty());
        let pattern = [Copied {
            sources: strings(&["package*.json", "./lock/*.yaml"]),
            destination: "/app/".into(),
        }];
        assert_eq!(sources_of("/app/package.json", &pattern, &folders), ["package.json"]);
        assert_eq!(sources_of("/app/pnpm.yaml", &pattern, &folders), ["lock/pnpm.yaml"]);
        assert!(sources_of("/app/server.js", &pattern, &folders).is_empty());
    }

    #[test]
    fn wildcards_match_file_names() {
        assert!(wildcard("package*.json", "package.json") && wildcard("package*.json", "package-lock.json"));
        assert!(wildcard("*", "x") && wildcard("a?c", "abc") && wildcard("*.*.js", "a.b.c.js"));
        assert!(!wildcard("package*.json", "package.jsonx") && !wildcard("*.js", "a/b.js") && !wildcard("a?", "a"));
    }
}
