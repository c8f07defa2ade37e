use crate::diagnostic::Diagnostic;
use crate::emit::kubernetes::writable_folders;
use crate::ir::Stack;
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// On a cluster (`--target kubernetes`), flags a command of the spec's
    /// (a service's `command` or `entrypoint`, a job's `run`, and each
    /// command of an `sh -c` script in them) that writes a file outside
    /// every folder its pod lets it write: a redirection (`echo ... >>
    /// /etc/rabbitmq/rabbitmq.conf`), `tee`, `sed -i`, `cp`, `mv`,
    /// `install`, `mkdir`, `touch`, `ln`, `chmod` or `chown` of an absolute
    /// path, or `useradd`/`usermod`/`groupmod` (they write `/etc/passwd`).
    /// Writable are its volumes (not `ro` ones), `/tmp`, `/dev/shm` with
    /// `shm_size`, and the folders stackc knows the image writes; a
    /// service with `hardening off` is left alone.
    ///
    /// ## Why is this bad?
    /// Every container stackc writes for a cluster has a read-only root
    /// file system (`readOnlyRootFilesystem`), as checkov asks: a write
    /// anywhere else fails with `Read-only file system`, and the
    /// container stops at its start and restarts in a loop. Compose runs
    /// the same command on a writable root, and every validator passes
    /// the manifests.
    ///
    /// ## Example
    /// ```text
    /// service cache {
    ///     image memcached:1.6.34
    ///     command ["sh", "-c", "echo '-m 256' > /home/memcache/memcached.conf && exec memcached"]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Write to a folder the pod lets it write (`/tmp`, or a volume
    /// mounted there), or pass the setting another way (`memcached -m
    /// 256`); where the image must write its own folders, say `hardening
    /// off` for that service: its pod keeps a writable root, as compose
    /// runs it.
    /// ```text
    /// service cache {
    ///     image memcached:1.6.34
    ///     command ["memcached", "-m", "256"]
    /// }
    /// ```
    pub struct WritesReadOnlyRoot {
        name: "writes-read-only-root",
        severity: Warning,
        summary: "a command that writes outside the folders a cluster's read-only root file system leaves writable",
        target: Kubernetes,
    }
}

impl Rule for WritesReadOnlyRoot {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in stack
            .services
            .iter()
            .filter(|s| s.hardening_off.is_none() && s.proxy().is_none())
        {
            let argvs = service.command.iter().chain(service.entrypoint.as_deref());
            let mut writable: Option<Vec<String>> = None;
            for argv in argvs {
                let programs = facts::programs(argv);
                let written = programs.iter().flat_map(|words| written_paths(words));
                let writable = writable.get_or_insert_with(|| writable_folders(stack, service));
                let Some(path) = written.into_iter().find(|path| !is_writable(path, writable)) else {
                    continue;
                };
                out.push(
                    Self::META
                        .diagnostic(format!(
                            "on a cluster, `{}` writes `{path}`, on its read-only root file system",
                            service.name.value
                        ))
                        .primary(argv.span, "fails there with `Read-only file system`")
                        .help(format!(
                            "write to `/tmp` or to a volume mounted at the folder, or say `hardening off` for `{}` \
                             (its pod then keeps a writable root, as compose runs it)",
                            service.name.value
                        )),
                );
            }
        }
    }
}

/// Whether `path` is in one of `folders`, or in the kernel's own folders
/// (`/dev/null`, `/proc/self/...`), which a read-only root leaves alone.
fn is_writable(path: &str, folders: &[String]) -> bool {
    let inside = |folder: &str| {
        let folder = folder.trim_end_matches('/');
        path == folder || path.strip_prefix(folder).is_some_and(|rest| rest.starts_with('/'))
    };
    ["/dev", "/proc", "/sys"].iter().any(|f| inside(f)) || folders.iter().any(|f| inside(f))
}

/// The absolute paths a simple command writes, as far as its words say:
/// its redirections' targets, and the files of the common programs that
/// write them. A path with a variable in it is not known, and left out.
fn written_paths(words: &[String]) -> Vec<String> {
    let mut paths = Vec::new();
    let mut words = words.iter().map(String::as_str).peekable();
    let mut program_words = Vec::new();
    while let Some(word) = words.next() {
        // `> FILE`, `>>FILE`, `2> FILE`; not `>&2` nor `<`.
        let redirect = word.trim_start_matches(|c: char| c.is_ascii_digit());
        match redirect.strip_prefix(">>").or_else(|| redirect.strip_prefix('>')) {
            Some(rest) if !rest.starts_with('&') => {
                let target = if rest.is_empty() { words.next() } else { Some(rest) };
                paths.extend(target);
            }
            Some(_) => {}
            // What it reads: not an operand.
            None if redirect == "<" => {
                words.next();
            }
            None if redirect.starts_with('<') => {}
            None => program_words.push(word),
        }
    }
    let program = program_words
        .iter()
        .copied()
        .skip_while(|w| *w == "exec" || *w == "sudo")
        .collect::<Vec<_>>();
    let Some((name, args)) = program.split_first() else {
        return known(paths);
    };
    let operands: Vec<&str> = args.iter().copied().filter(|a| !a.starts_with('-')).collect();
    match name.rsplit('/').next().unwrap_or(name) {
        "tee" | "mkdir" | "touch" => paths.extend(operands),
        "cp" | "mv" | "install" | "ln" => paths.extend(operands.last().copied().filter(|_| operands.len() > 1)),
        "chmod" | "chown" => paths.extend(operands.iter().skip(1).copied()),
        "sed" if args.iter().any(|a| a.starts_with("-i") || a.starts_with("--in-place")) => {
            paths.extend(operands.last().copied().filter(|_| operands.len() > 1))
        }
        "useradd" | "usermod" | "groupadd" | "groupmod" | "adduser" | "addgroup" | "chpasswd" => {
            paths.push("/etc/passwd")
        }
        _ => {}
    }
    known(paths)
}

/// The absolute paths among `paths` with no variable, glob or `..` in
/// them, a glob's folder for a glob (`/var/www/html/*`).
fn known(paths: Vec<&str>) -> Vec<String> {
    paths
        .into_iter()
        .filter(|p| p.starts_with('/') && !p.contains('$') && !p.contains("/.."))
        .map(|p| match p.find(['*', '?', '[']) {
            Some(glob) => p[..glob].trim_end_matches('/').to_string(),
            None => p.to_string(),
        })
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(line: &str) -> Vec<String> {
        facts::shell_programs(line)
            .iter()
            .flat_map(|w| written_paths(w))
            .collect()
    }

    #[test]
    fn what_commands_write() {
        assert_eq!(
            written("echo -m 64 > /home/memcache/memcached.conf"),
            ["/home/memcache/memcached.conf"]
        );
        assert_eq!(
            written("echo x >>/etc/rabbitmq/rabbitmq.conf"),
            ["/etc/rabbitmq/rabbitmq.conf"]
        );
        assert_eq!(written("cmd 2>/dev/null >&2"), ["/dev/null"]);
        assert_eq!(written("sed -i 's/a/b/' /etc/app.conf"), ["/etc/app.conf"]);
        assert_eq!(written("sed 's/a/b/' /etc/app.conf"), Vec::<String>::new());
        assert_eq!(written("cp /app/a.conf /etc/app/"), ["/etc/app/"]);
        assert_eq!(written("usermod -u 1000 app"), ["/etc/passwd"]);
        assert_eq!(written("chown -R app:app /var/www/html/*"), ["/var/www/html"]);
        assert_eq!(written("mkdir -p \"$DATA_DIR\" /srv/data"), ["/srv/data"]);
        assert_eq!(written("tee -a /tmp/log < /etc/hosts"), ["/tmp/log"]);
        assert_eq!(written("cat /etc/hosts"), Vec::<String>::new());
    }

    #[test]
    fn the_kernels_folders_and_the_writable_ones_are_writable() {
        let folders = vec!["/tmp".to_string(), "/var/lib/app/".to_string()];
        for path in [
            "/dev/null",
            "/proc/1/oom_score_adj",
            "/tmp",
            "/tmp/a",
            "/var/lib/app/db",
        ] {
            assert!(is_writable(path, &folders), "{path}");
        }
        for path in ["/tmpx", "/var/lib", "/etc/passwd"] {
            assert!(!is_writable(path, &folders), "{path}");
        }
    }
}
