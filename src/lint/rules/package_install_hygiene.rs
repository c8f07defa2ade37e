use crate::diagnostic::Diagnostic;
use crate::input::dockerfile::{Instruction, Keyword};
use crate::input::shell::SimpleCommand;
use crate::ir::Stack;
use crate::lint::build_files::{build_files, BuildFile};
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Reads what each `RUN` installs, in a raw `dockerfile` line and in
    /// the app's own Dockerfile, and flags an install that is not
    /// repeatable or that leaves its caches in the image, one message per
    /// case, each naming the hadolint code it matches:
    /// - apt: a package without a version (DL3008), the lists left in the
    ///   layer (DL3009), no `-y` (DL3014), no `--no-install-recommends`
    ///   (DL3015), `apt` instead of `apt-get` (DL3027);
    /// - pip: a package without a version (DL3013), the download cache kept
    ///   (DL3042);
    /// - npm (DL3016), apk (DL3018, and DL3019 without `--no-cache`), gem
    ///   (DL3028), `go install` (DL3062): a package without a version;
    /// - yum (DL3030 `-y`, DL3032 `yum clean all`, DL3033 versions), zypper
    ///   (DL3034 non-interactive, DL3035 `dist-upgrade`, DL3036 `zypper
    ///   clean`, DL3037 versions), dnf (DL3038, DL3040, DL3041), and yarn's
    ///   cache (DL3060).
    ///
    /// A cache or package list is flagged only in a layer of the image: a
    /// build stage the image only copies files from takes its caches with
    /// it (hadolint reads the file, not the build, and flags them there).
    ///
    /// Commands are read as the shell splits them (`pip --no-cache-dir
    /// install`, tabs, quotes), not matched as text. A `# hadolint
    /// ignore=CODE` comment above an instruction of the app's Dockerfile
    /// silences that case here too.
    ///
    /// ## Why is this bad?
    /// An unpinned package is whatever the mirror has on the day of the
    /// build: two builds of one commit differ, and a release that breaks
    /// the app arrives unannounced. A prompt (`apt-get install` without
    /// `-y`) stops the build; recommended packages and package caches grow
    /// every image for nothing.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         dockerfile before_install "RUN apt-get update && apt-get install gettext"
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// For Debian packages of an image stackc writes, `packages { gettext =
    /// "0.21-*" }`: stackc pins them and cleans the lists. Elsewhere:
    /// ```text
    /// RUN apt-get update && apt-get install -y --no-install-recommends gettext=0.21-12 && rm -rf /var/lib/apt/lists/*
    /// ```
    pub struct PackageInstallHygiene {
        name: "package-install-hygiene",
        severity: Warning,
        summary: "a package install that is not pinned, prompts, or keeps its caches in the image",
    }
}

impl Rule for PackageInstallHygiene {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for file in build_files(stack) {
            let mut pip_cache_off = false;
            for (index, instruction) in file.built() {
                if instruction.keyword == Keyword::From {
                    pip_cache_off = false;
                }
                if instruction.keyword == Keyword::Env {
                    pip_cache_off |= instruction
                        .words()
                        .iter()
                        .any(|w| w.value.starts_with("PIP_NO_CACHE_DIR="));
                }
                let commands = instruction.run_commands();
                let context = Run {
                    commands: &commands,
                    instruction,
                    pip_cache_off,
                    in_image: file.in_image(index),
                };
                let mut seen = Vec::new();
                for command in &commands {
                    for (code, message, label) in context.problems(command) {
                        if seen.contains(&code) || file.ignores(index, code) {
                            continue;
                        }
                        seen.push(code);
                        out.push(report(&file, index, command, code, message, label));
                    }
                }
            }
        }
    }
}

fn report(
    file: &BuildFile,
    index: usize,
    command: &SimpleCommand,
    code: &str,
    message: String,
    label: String,
) -> Diagnostic {
    let help = match code {
        "DL3008" | "DL3009" | "DL3014" | "DL3015" | "DL3027" if !file.is_own() => {
            "list Debian packages in `packages { NAME = VERSION }`: stackc installs them with `-y --no-install-recommends`, pinned, and removes the lists"
        }
        "DL3013" | "DL3042" if !file.is_own() => {
            "list Python packages, with their versions, in the requirements file: stackc installs it without a cache, before the source"
        }
        "DL3014" | "DL3030" | "DL3038" => "add `-y`",
        "DL3034" => "add `--non-interactive`",
        "DL3015" => "add `--no-install-recommends`",
        "DL3019" => "add `--no-cache`",
        "DL3027" => "use `apt-get`",
        "DL3035" => "build FROM a newer release of the base image instead",
        "DL3042" => "add `--no-cache-dir` (or set `PIP_NO_CACHE_DIR=1`, or mount a cache: `RUN --mount=type=cache,target=/root/.cache/pip`)",
        "DL3009" => "end the same RUN with `rm -rf /var/lib/apt/lists/*`",
        "DL3032" | "DL3036" | "DL3040" | "DL3060" => "clean the package cache in the same RUN that fills it",
        _ => "pin each package to the version you tested, in the same command",
    };
    file.finding(&PackageInstallHygiene::META, index, command.span, code, message, label)
        .help(help)
}

/// One RUN: its commands, and what the stage set before it.
struct Run<'a> {
    commands: &'a [SimpleCommand],
    instruction: &'a Instruction,
    pip_cache_off: bool,
    /// Whether its layer is the image's (what a cache left there costs),
    /// not a build stage's the image copies files from: a cache there
    /// never reaches the image, so only the image's own RUNs are told to
    /// clean one (apt lists, apk index, pip, yum/dnf/zypper and yarn caches).
    in_image: bool,
}

type Problem = (&'static str, String, String);

impl Run<'_> {
    /// Whether another command of the RUN runs `program` with `word`.
    fn runs(&self, program: &str, words: &[&str]) -> bool {
        self.commands
            .iter()
            .any(|c| c.program() == Some(program) && words.iter().all(|w| c.args().iter().any(|a| a == w)))
    }

    /// Whether the RUN deletes apt's lists: `rm` recursive of the folder's
    /// contents (`/var/lib/apt/lists/*`) or of the folder itself (apt-get
    /// update makes it again), however the options are written.
    fn removes_apt_lists(&self) -> bool {
        self.commands.iter().any(|c| {
            let args: Vec<&str> = c.args().iter().map(String::as_str).collect();
            let recursive = short_flag(&args, 'r') || short_flag(&args, 'R') || has_any(&args, &["--recursive"]);
            c.program() == Some("rm")
                && recursive
                && args.iter().any(|a| {
                    let folder = a.strip_suffix("/*").unwrap_or(a).trim_end_matches('/');
                    folder == "/var/lib/apt/lists"
                })
        })
    }

    /// Whether the RUN mounts a cache at a folder starting with `target`.
    fn caches(&self, target: &str) -> bool {
        self.instruction.flags_named("mount").any(|mount| {
            let options: Vec<_> = mount.options().collect();
            options.contains(&("type", Some("cache")))
                && options
                    .iter()
                    .any(|(k, v)| *k == "target" && v.is_some_and(|v| v.starts_with(target)))
        })
    }

    fn problems(&self, command: &SimpleCommand) -> Vec<Problem> {
        let Some(program) = command.program() else {
            return Vec::new();
        };
        let program = program.rsplit('/').next().unwrap_or(program);
        let args: Vec<&str> = command.args().iter().map(String::as_str).collect();
        let (sub, rest) = subcommand(&args);
        let mut found = Vec::new();
        let mut add = |code, message: &str, label: String| found.push((code, message.to_string(), label));
        match (program, sub) {
            ("apt", _) => add(
                "DL3027",
                "`apt` is meant for people at a terminal",
                "use `apt-get`, whose interface is stable for scripts".into(),
            ),
            ("apt-get", Some("install")) => {
                if !has_any(&args, &["-y", "--yes", "--assume-yes", "-qq", "-q=2", "--quiet=2"])
                    && !short_flag(&args, 'y')
                {
                    add(
                        "DL3014",
                        "`apt-get install` without `-y`",
                        "stops at a prompt in the build".into(),
                    );
                }
                if !has_any(&args, &["--no-install-recommends", "APT::Install-Recommends=false"]) {
                    add(
                        "DL3015",
                        "`apt-get install` also installs recommended packages",
                        "without `--no-install-recommends`".into(),
                    );
                }
                let loose = unpinned(&rest, &["-o", "-t", "--target-release"], |p| {
                    p.contains('=') || p.ends_with(".deb")
                });
                if !loose.is_empty() {
                    add("DL3008", "apt packages without versions", listed(&loose));
                }
                if self.in_image && !self.removes_apt_lists() && !self.caches("/var/lib/apt") {
                    add(
                        "DL3009",
                        "the apt lists stay in the image",
                        "no `rm -rf /var/lib/apt/lists/*` in this RUN".into(),
                    );
                }
            }
            ("pip" | "pip3", Some("install")) => self.pip(&args, &rest, &mut add),
            (python, _) if python.starts_with("python") || python.starts_with("pip3.") => {
                let module = args.windows(2).position(|w| w == ["-m", "pip"]);
                let pip_args = match module {
                    Some(at) => &args[at + 2..],
                    None if python.starts_with("pip3.") => &args[..],
                    None => return found,
                };
                if let (Some("install"), rest) = subcommand(pip_args) {
                    self.pip(pip_args, &rest, &mut add);
                }
            }
            ("npm", Some("install" | "i" | "add")) => {
                let loose = unpinned(&rest, &["--prefix", "--registry"], |p| {
                    p.trim_start_matches('@').contains('@')
                        || p.contains(':')
                        || p.starts_with('.')
                        || p.ends_with(".tgz")
                });
                if !loose.is_empty() {
                    add("DL3016", "npm packages without versions", listed(&loose));
                }
            }
            ("apk", Some("add")) => {
                let loose = unpinned(&rest, &["-X", "--repository", "-t", "--virtual"], |p| p.contains('='));
                if !loose.is_empty() {
                    add("DL3018", "apk packages without versions", listed(&loose));
                }
                if self.in_image && !has_any(&args, &["--no-cache"]) && !self.caches("/var/cache/apk") {
                    add(
                        "DL3019",
                        "apk keeps its index in the image",
                        "without `--no-cache`".into(),
                    );
                }
            }
            ("gem", Some("install")) if !has_any(&args, &["-v", "--version"]) => {
                let loose = unpinned(&rest, &["-v", "--version", "-i", "--install-dir"], |p| p.contains(':'));
                if !loose.is_empty() {
                    add("DL3028", "gems without versions", listed(&loose));
                }
            }
            ("go", Some("install")) => {
                let loose = unpinned(&rest, GO_VALUE_FLAGS, |p| p.contains('@') || p.starts_with('.'));
                if !loose.is_empty() {
                    add("DL3062", "`go install` without versions", listed(&loose));
                }
            }
            ("yum" | "dnf" | "microdnf", Some("install")) => {
                let (yes, clean, pin) = match program {
                    "yum" => ("DL3030", "DL3032", "DL3033"),
                    _ => ("DL3038", "DL3040", "DL3041"),
                };
                if !has_any(&args, &["-y", "--assumeyes"]) && !short_flag(&args, 'y') {
                    add(
                        yes,
                        &format!("`{program} install` without `-y`"),
                        "stops at a prompt in the build".into(),
                    );
                }
                if self.in_image && !self.runs(program, &["clean", "all"]) {
                    add(
                        clean,
                        "the package cache stays in the image",
                        format!("no `{program} clean all` in this RUN"),
                    );
                }
                let loose = unpinned(&rest, &["--setopt", "--enablerepo", "--disablerepo"], |p| {
                    p.split('-')
                        .skip(1)
                        .any(|part| part.starts_with(|c: char| c.is_ascii_digit()))
                        || p.ends_with(".rpm")
                });
                if !loose.is_empty() {
                    add(pin, &format!("{program} packages without versions"), listed(&loose));
                }
            }
            ("zypper", Some("install" | "in")) => {
                if !has_any(&args, &["-n", "--non-interactive", "-y", "--no-confirm"]) {
                    add(
                        "DL3034",
                        "zypper without `--non-interactive`",
                        "stops at a prompt in the build".into(),
                    );
                }
                if self.in_image && !self.runs("zypper", &["clean"]) && !self.runs("zypper", &["cc"]) {
                    add(
                        "DL3036",
                        "the zypper cache stays in the image",
                        "no `zypper clean` in this RUN".into(),
                    );
                }
                let loose = unpinned(&rest, &[], |p| p.contains(['=', '<', '>']));
                if !loose.is_empty() {
                    add("DL3037", "zypper packages without versions", listed(&loose));
                }
            }
            ("zypper", Some("dist-upgrade" | "dup")) => add(
                "DL3035",
                "`zypper dist-upgrade` in a build",
                "upgrades the base image's release: pin a newer base image instead".into(),
            ),
            ("yarn", Some("install")) | ("yarn", None) if self.in_image && !self.runs("yarn", &["cache", "clean"]) => {
                add(
                    "DL3060",
                    "yarn's cache stays in the image",
                    "no `yarn cache clean` in this RUN".into(),
                )
            }
            _ => {}
        }
        found
    }

    fn pip(&self, args: &[&str], rest: &[&str], add: &mut impl FnMut(&'static str, &str, String)) {
        let cache_off = self.pip_cache_off
            || args.iter().any(|a| pip_no_cache_dir(a))
            || self.caches("/root/.cache")
            || self
                .commands
                .iter()
                .any(|c| c.words.iter().any(|w| w.starts_with("PIP_NO_CACHE_DIR=")));
        if self.in_image && !cache_off {
            add(
                "DL3042",
                "pip keeps its download cache in the image",
                "without `--no-cache-dir`".into(),
            );
        }
        let takes_value = [
            "-r",
            "--requirement",
            "-c",
            "--constraint",
            "-e",
            "--editable",
            "-i",
            "--index-url",
            "--extra-index-url",
            "--trusted-host",
            "--cert",
            "--client-cert",
            "--proxy",
            "-f",
            "--find-links",
            "-t",
            "--target",
            "--prefix",
            "--root",
            "--platform",
            "--python-version",
            "--no-binary",
            "--only-binary",
        ];
        let loose = unpinned(rest, &takes_value, |p| {
            p.contains(['=', '<', '>', '@', '/', ':'])
                || p.starts_with('.')
                || p.ends_with(".whl")
                || p.ends_with(".tar.gz")
        });
        if !loose.is_empty() {
            add("DL3013", "pip packages without versions", listed(&loose));
        }
    }
}

/// The first word that is not an option, and the words after it.
fn subcommand<'a>(args: &[&'a str]) -> (Option<&'a str>, Vec<&'a str>) {
    match args.iter().position(|a| !a.starts_with('-')) {
        Some(at) => (Some(args[at]), args[at + 1..].to_vec()),
        None => (None, Vec::new()),
    }
}

fn has_any(args: &[&str], options: &[&str]) -> bool {
    args.iter().any(|a| options.contains(a))
}

/// `--no-cache-dir` as pip reads it: its option parser (optparse) takes any
/// prefix no other option shares, down to `--no-ca` (`--no-color`,
/// `--no-clean` and `--no-compile` share `--no-c`), so `--no-cache` turns
/// the cache off as well.
fn pip_no_cache_dir(arg: &str) -> bool {
    arg.len() >= "--no-ca".len() && "--no-cache-dir".starts_with(arg)
}

/// A cluster of short options holding `letter`: `-qy`.
fn short_flag(args: &[&str], letter: char) -> bool {
    args.iter().any(|a| {
        a.starts_with('-')
            && !a.starts_with("--")
            && a[1..].chars().all(|c| c.is_ascii_alphabetic())
            && a.contains(letter)
    })
}

/// The package words that `pinned` does not accept: every word that is
/// not an option nor the value of one of `takes_value`.
fn unpinned<'a>(words: &[&'a str], takes_value: &[&str], pinned: impl Fn(&str) -> bool) -> Vec<&'a str> {
    let mut loose = Vec::new();
    let mut skip = false;
    for word in words {
        if std::mem::take(&mut skip) {
            continue;
        }
        if word.starts_with('-') {
            skip = takes_value.contains(word);
            continue;
        }
        if !pinned(word) && !word.starts_with('$') {
            loose.push(*word);
        }
    }
    loose
}

/// `go install`'s build flags that take a value as the next word (`-tags
/// postgres`); Go's flag package reads `--tags` the same.
const GO_VALUE_FLAGS: &[&str] = &[
    "-tags",
    "--tags",
    "-ldflags",
    "--ldflags",
    "-gcflags",
    "--gcflags",
    "-asmflags",
    "--asmflags",
    "-gccgoflags",
    "--gccgoflags",
    "-mod",
    "--mod",
    "-modfile",
    "--modfile",
    "-o",
    "--o",
    "-p",
    "--p",
    "-pkgdir",
    "--pkgdir",
    "-toolexec",
    "--toolexec",
    "-overlay",
    "--overlay",
    "-pgo",
    "--pgo",
    "-buildmode",
    "--buildmode",
    "-compiler",
    "--compiler",
    "-installsuffix",
    "--installsuffix",
    "-C",
    "--C",
    "-exec",
    "--exec",
];

fn listed(packages: &[&str]) -> String {
    let names: Vec<String> = packages.iter().map(|p| format!("`{p}`")).collect();
    format!("no version: {}", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subcommand_follows_options() {
        assert_eq!(
            subcommand(&["--no-cache-dir", "install", "flask"]),
            (Some("install"), vec!["flask"])
        );
        assert_eq!(subcommand(&["-q"]), (None, vec![]));
    }

    #[test]
    fn option_values_are_not_packages() {
        let pinned = |p: &str| p.contains("==");
        assert_eq!(
            unpinned(&["-r", "req.txt", "flask", "a==1", "$PKG"], &["-r"], pinned),
            ["flask"]
        );
        assert!(short_flag(&["-qy"], 'y') && !short_flag(&["--yes-please"], 'y'));
        let go = [
            "-tags",
            "postgres",
            "--ldflags",
            "-s -w",
            "example.com/tool@v1.2.3",
            "example.com/other",
        ];
        assert_eq!(
            unpinned(&go, GO_VALUE_FLAGS, |p| p.contains('@')),
            ["example.com/other"]
        );
    }

    #[test]
    fn pip_takes_an_unambiguous_prefix_of_no_cache_dir() {
        assert!(pip_no_cache_dir("--no-cache-dir") && pip_no_cache_dir("--no-cache"));
        assert!(!pip_no_cache_dir("--no-c") && !pip_no_cache_dir("--no-color"));
        assert!(!pip_no_cache_dir("--no-cache-dirs"));
    }
}
