use crate::diagnostic::Diagnostic;
use crate::input::dockerfile::{Args, Instruction, Keyword};
use crate::ir::Stack;
use crate::lint::build_files::{build_files, BuildFile};
use crate::lint::Rule;
use crate::source::{Span, Spanned};

declare_rule! {
    /// ## What it does
    /// Reads the instructions of the app's own Dockerfile and of raw
    /// `dockerfile` lines as BuildKit does, and flags what hadolint flags
    /// in them, one message per case with its code:
    /// - `ADD` of local files (DL3020: `COPY` says what it does),
    ///   `MAINTAINER` (DL4000), an `EXPOSE` port above 65535 (DL3011), a
    ///   `LABEL` key Docker's convention rejects (DL3048), an `ENV` that
    ///   reads a variable it sets itself (DL3044), `COPY` of several files
    ///   to a path without a trailing `/` (DL3021), `COPY --from` of a whole
    ///   stage's `/` (DL3067), consecutive `RUN`s (DL3059), `COPY` of a tar
    ///   archive that a later `RUN` unpacks (DL3010), an `ONBUILD` of
    ///   `FROM` or `MAINTAINER` (DL3043);
    /// - in the app's own Dockerfile also: a base image without a tag or
    ///   with `latest` (DL3006, DL3007), `FROM --platform` (DL3029, and
    ///   DL3065 for `$TARGETPLATFORM`), a stage named `scratch` or
    ///   `context` (DL3063), `COPY --from`
    ///   of the stage itself or of a stage not yet defined (DL3023,
    ///   DL3022), a relative `WORKDIR` (DL3000), `COPY` to a relative path
    ///   before any `WORKDIR` (DL3045), `CMD` or `ENTRYPOINT` in shell form
    ///   (DL3025), a second `CMD`, `ENTRYPOINT` or `HEALTHCHECK` in a stage
    ///   (DL4003, DL4004, DL3012).
    ///
    /// (stackc's Dockerfile reader already reports, as `dockerfile-problem`,
    /// what BuildKit refuses in the app's Dockerfile: an instruction before
    /// `FROM` (DL3061), two stages of one name (DL3024), a port that is
    /// none (DL3011), `ONBUILD FROM` (DL3043).)
    ///
    /// ## Why is this bad?
    /// Each is an instruction that does something else than it seems to:
    /// `ADD` also unpacks archives and fetches URLs, a second `CMD`
    /// silently replaces the first, a shell-form `CMD` makes `/bin/sh`
    /// PID 1 so the app never sees `SIGTERM`, and an image without a tag
    /// changes under the build.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         dockerfile "ADD locale /app/locale"
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    ///         dockerfile "COPY locale /app/locale"
    /// ```
    pub struct DockerfileInstructionHygiene {
        name: "dockerfile-instruction-hygiene",
        severity: Warning,
        summary: "a Dockerfile instruction that does something else than it seems to",
    }
}

impl Rule for DockerfileInstructionHygiene {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for file in build_files(stack) {
            let mut check = Check { file: &file, out };
            for (index, instruction) in file.built() {
                check.instruction(index, instruction);
            }
            for run in file.runs() {
                check.consecutive_runs(&run);
                check.copied_archives(&run);
            }
            if file.is_own() {
                check.stages();
            }
        }
    }
}

struct Check<'a, 'f> {
    file: &'a BuildFile<'f>,
    out: &'a mut Vec<Diagnostic>,
}

impl Check<'_, '_> {
    fn report(
        &mut self,
        index: usize,
        span: Span,
        code: &str,
        message: impl std::fmt::Display,
        label: &str,
        help: &str,
    ) {
        if self.file.ignores(index, code) {
            return;
        }
        let finding = self
            .file
            .finding(&DockerfileInstructionHygiene::META, index, span, code, message, label)
            .help(help);
        self.out.push(finding);
    }

    /// What one instruction says, wherever it stands.
    fn instruction(&mut self, index: usize, instruction: &Instruction) {
        let words = instruction.words();
        let span = instruction.span;
        match &instruction.keyword {
            Keyword::Add => {
                let (sources, _) = paths(&words);
                // A source named by a variable (`ADD ${URL} ...`, its ARG
                // a URL) is what the build makes of it: left alone.
                let local = |s: &&Spanned<String>| !is_url(&s.value) && !is_archive(&s.value) && !s.value.contains('$');
                if let Some(local) = sources.iter().find(local) {
                    self.report(
                        index,
                        local.span,
                        "DL3020",
                        format!("`ADD {}` of a local path", local.value),
                        "`ADD` also unpacks archives and fetches URLs",
                        "use `COPY`, which only copies",
                    );
                }
            }
            Keyword::Maintainer => self.report(
                index,
                span,
                "DL4000",
                "`MAINTAINER` is deprecated",
                "Docker ignores it in new images",
                "use `LABEL org.opencontainers.image.authors=\"...\"`",
            ),
            // The reader reports these in the app's own Dockerfile.
            Keyword::Expose if !self.file.is_own() => {
                let bad = words.iter().find(|w| {
                    let port = w.value.split('/').next().unwrap_or_default();
                    port.split('-').any(|p| p.parse::<u64>().is_ok_and(|p| p > 65535))
                });
                if let Some(bad) = bad {
                    self.report(
                        index,
                        bad.span,
                        "DL3011",
                        format!("`EXPOSE {}` is no port", bad.value),
                        "ports go from 0 to 65535",
                        "expose the port the app listens on",
                    );
                }
            }
            Keyword::Label => {
                let bad = words
                    .iter()
                    .find(|w| !is_label_key(w.value.split('=').next().unwrap_or_default()));
                if let Some(bad) = bad {
                    self.report(
                        index,
                        bad.span,
                        "DL3048",
                        "a label key outside Docker's convention",
                        "keys are lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit",
                        "use a reverse-DNS key such as `org.opencontainers.image.source`",
                    );
                }
            }
            Keyword::Env => {
                // A set, as one `ENV` may set thousands.
                let mut set: std::collections::HashSet<&str> = std::collections::HashSet::new();
                for word in &words {
                    let Some((name, value)) = word.value.split_once('=') else {
                        break;
                    };
                    if let Some(used) = read_names(value).find(|n| set.contains(n)) {
                        self.report(
                            index,
                            word.span,
                            "DL3044",
                            format!("`ENV` reads `${used}` it sets itself"),
                            "the variable still has its previous value on this line",
                            "set it in an `ENV` of its own, before this one",
                        );
                        break;
                    }
                    set.insert(name);
                }
            }
            Keyword::Copy => {
                let (sources, destination) = paths(&words);
                if let (true, Some(destination)) = (sources.len() > 1, destination) {
                    if !destination.value.ends_with('/') {
                        self.report(
                            index,
                            destination.span,
                            "DL3021",
                            "`COPY` of several paths to a file name",
                            "a destination for several sources ends with `/`",
                            "add the `/`",
                        );
                    }
                }
                if instruction.flag("from").is_some() && sources.iter().any(|s| s.value == "/") {
                    self.report(
                        index,
                        span,
                        "DL3067",
                        "`COPY --from` of a whole file system",
                        "copies the other stage's `/`, with its packages and caches",
                        "copy only the folders the app needs",
                    );
                }
            }
            Keyword::Onbuild if !self.file.is_own() => {
                if let Some(trigger) = &instruction.trigger {
                    if matches!(trigger.keyword, Keyword::From | Keyword::Maintainer | Keyword::Onbuild) {
                        self.report(
                            index,
                            trigger.keyword_span,
                            "DL3043",
                            format!("`ONBUILD {}`", trigger.keyword),
                            "BuildKit refuses FROM, MAINTAINER and ONBUILD as triggers",
                            "remove the trigger",
                        );
                    }
                }
            }
            _ => {}
        }
    }

    /// A one-command `RUN` right after another: each is a layer. (As
    /// hadolint, RUNs of several commands or with flags are left alone:
    /// they were split on purpose.)
    fn consecutive_runs(&mut self, run: &[usize]) {
        let instructions = &self.file.instructions;
        for pair in run.windows(2) {
            let (first, second) = (&instructions[pair[0]], &instructions[pair[1]]);
            let plain =
                |i: &Instruction| i.keyword == Keyword::Run && i.flags.is_empty() && i.run_commands().len() == 1;
            if plain(first) && plain(second) {
                self.report(
                    pair[1],
                    second.keyword_span,
                    "DL3059",
                    "two `RUN`s in a row",
                    "one more layer; join it to the RUN before with `&&`",
                    "join consecutive RUNs into one",
                );
            }
        }
    }

    /// `COPY` of a tar archive that a later RUN of the stage unpacks:
    /// `ADD` unpacks it in one layer, without the archive in another.
    fn copied_archives(&mut self, run: &[usize]) {
        let instructions = &self.file.instructions;
        for (at, &index) in run.iter().enumerate() {
            let copy = &instructions[index];
            if copy.keyword != Keyword::Copy || copy.flag("from").is_some() {
                continue;
            }
            let words = copy.words();
            let (sources, _) = paths(&words);
            let archives = sources
                .iter()
                .filter(|s| is_archive(&s.value) && s.value.contains(".t"));
            for archive in archives {
                let name = archive.value.rsplit('/').next().unwrap_or_default();
                let unpacked = run[at + 1..].iter().any(|&later| {
                    instructions[later].run_commands().iter().any(|c| {
                        c.program() == Some("tar")
                            && c.args()
                                .iter()
                                .any(|a| a.starts_with("--extract") || (!a.starts_with("--") && a.contains('x')))
                            && c.args().iter().any(|a| a.ends_with(name))
                    })
                });
                if unpacked {
                    self.report(
                        index,
                        archive.span,
                        "DL3010",
                        format!("`COPY {}` of an archive a later RUN unpacks", archive.value),
                        "the archive stays in this layer",
                        "use `ADD`, which unpacks a local tar archive in one step",
                    );
                }
            }
        }
    }

    /// What only a whole Dockerfile says: its stages. (An instruction
    /// before `FROM`, and two stages of one name, are the reader's
    /// `dockerfile-problem`s.)
    fn stages(&mut self) {
        let instructions = &self.file.instructions;
        let mut aliases: Vec<String> = Vec::new();
        let mut stage_alias: Option<String> = None;
        let mut workdir = false;
        let mut seen: Vec<Keyword> = Vec::new();
        for (index, instruction) in instructions.iter().enumerate() {
            let words = instruction.words();
            match &instruction.keyword {
                Keyword::From => {
                    seen.clear();
                    let base = words.first().map(|w| w.value.to_ascii_lowercase()).unwrap_or_default();
                    workdir = aliases.contains(&base);
                    self.from(index, instruction, &words, &aliases);
                    stage_alias = named(&words).map(|n| n.value.to_ascii_lowercase());
                    if let Some(alias) = &stage_alias {
                        aliases.push(alias.clone());
                    }
                }
                Keyword::Workdir => {
                    workdir = true;
                    if let Some(path) = words.first().filter(|w| !is_absolute(&w.value)) {
                        self.report(
                            index,
                            path.span,
                            "DL3000",
                            format!("`WORKDIR {}` is relative", path.value),
                            "relative to whatever the previous WORKDIR was",
                            "write the absolute path",
                        );
                    }
                }
                Keyword::Copy => {
                    if let Some(from) = instruction.flag("from").and_then(|f| f.value.as_deref()) {
                        let from = from.to_ascii_lowercase();
                        let defined = aliases.contains(&from) && stage_alias.as_deref() != Some(from.as_str());
                        let (code, message) = if stage_alias.as_deref() == Some(from.as_str()) {
                            ("DL3023", format!("`COPY --from={from}` names its own stage"))
                        } else {
                            ("DL3022", format!("`COPY --from={from}` names no earlier stage"))
                        };
                        let image_like = from.contains([':', '/', '$']) || from.parse::<usize>().is_ok();
                        if !defined && !image_like {
                            self.report(
                                index,
                                instruction.keyword_span,
                                code,
                                message,
                                "a stage can copy from the stages before it",
                                "name a stage defined above, or an image with its tag",
                            );
                        }
                    }
                    let (_, destination) = paths(&words);
                    if let Some(destination) = destination.filter(|d| !workdir && !is_absolute(&d.value)) {
                        self.report(
                            index,
                            destination.span,
                            "DL3045",
                            format!("`COPY` to the relative `{}` before any `WORKDIR`", destination.value),
                            "relative to the base image's folder, which this file does not say",
                            "set `WORKDIR`, or write the absolute path",
                        );
                    }
                }
                Keyword::Cmd | Keyword::Entrypoint => {
                    if matches!(instruction.args, Args::Text { .. }) {
                        self.report(
                            index,
                            instruction.args.span(),
                            "DL3025",
                            format!("`{}` in shell form", instruction.keyword),
                            "`/bin/sh -c` is PID 1: the app never gets `SIGTERM`",
                            "write it as a JSON array: `CMD [\"gunicorn\", \"...\"]`",
                        );
                    }
                }
                _ => {}
            }
            let once = [
                (Keyword::Cmd, "DL4003"),
                (Keyword::Entrypoint, "DL4004"),
                (Keyword::Healthcheck, "DL3012"),
            ];
            if let Some((keyword, code)) = once.iter().find(|(k, _)| *k == instruction.keyword) {
                if seen.contains(keyword) {
                    self.report(
                        index,
                        instruction.keyword_span,
                        code,
                        format!("a second `{keyword}` in one stage"),
                        "only the last one takes effect",
                        "keep one",
                    );
                }
                seen.push(keyword.clone());
            }
        }
    }

    fn from(&mut self, index: usize, instruction: &Instruction, words: &[Spanned<String>], aliases: &[String]) {
        // A variable (`$BUILDPLATFORM` for a cross-compiling stage) is
        // what `--platform` is for; `$TARGETPLATFORM` is the default.
        let platform = instruction
            .flag("platform")
            .map(|f| (f, f.value.as_deref().unwrap_or_default()));
        if let Some((platform, value)) = platform.filter(|(_, v)| !v.contains('$') || v.contains("TARGETPLATFORM")) {
            let (code, message, help) = match value.contains("TARGETPLATFORM") {
                true => (
                    "DL3065",
                    "`FROM --platform=$TARGETPLATFORM`",
                    "remove it: it is the default",
                ),
                false => (
                    "DL3029",
                    "`FROM --platform` fixes the image's platform",
                    "build for a platform with `docker build --platform` instead",
                ),
            };
            self.report(
                index,
                platform.span,
                code,
                message,
                "the build's platform decides this",
                help,
            );
        }
        if let Some(name) = named(words) {
            let lower = name.value.to_ascii_lowercase();
            if matches!(lower.as_str(), "scratch" | "context") {
                self.report(
                    index,
                    name.span,
                    "DL3063",
                    format!("a stage named `{}`", name.value),
                    "the name is reserved: later stages cannot name this one",
                    "rename the stage",
                );
            }
        }
        let Some(image) = words.first() else { return };
        let value = image.value.as_str();
        let is_stage = aliases.contains(&value.to_ascii_lowercase());
        if is_stage || value == "scratch" || value.contains('$') || value.contains('@') {
            return;
        }
        let tag = value
            .rsplit_once(':')
            .filter(|(_, tag)| !tag.contains('/'))
            .map(|(_, t)| t);
        let (code, message) = match tag {
            None => ("DL3006", format!("`FROM {value}` without a tag")),
            Some("latest") => ("DL3007", format!("`FROM {value}`")),
            Some(_) => return,
        };
        let repository = value.strip_suffix(":latest").unwrap_or(value);
        self.report(
            index,
            image.span,
            code,
            message,
            "the base image changes under the build",
            &format!("pin the version you tested: `FROM {repository}:VERSION`"),
        );
    }
}

/// The sources and the destination of COPY or ADD (flags are not words).
fn paths(words: &[Spanned<String>]) -> (&[Spanned<String>], Option<&Spanned<String>>) {
    match words.split_last() {
        Some((destination, sources)) => (sources, Some(destination)),
        None => (&[], None),
    }
}

/// `FROM image AS name`: the name.
fn named(words: &[Spanned<String>]) -> Option<&Spanned<String>> {
    match words {
        [_, r#as, name] if r#as.value.eq_ignore_ascii_case("as") => Some(name),
        _ => None,
    }
}

fn is_url(path: &str) -> bool {
    ["http://", "https://", "git@", "git://"]
        .iter()
        .any(|p| path.starts_with(p))
}

fn is_archive(path: &str) -> bool {
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".zip", ".gz", ".bz2", ".xz",
    ]
    .iter()
    .any(|ext| path.ends_with(ext))
}

fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with(['/', '$']) || (bytes.len() > 1 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
}

/// Docker's label key convention: lowercase letters, digits, `.` and `-`,
/// starting and ending with a letter or digit, no `..` or `--`, and not in
/// Docker's own namespaces.
fn is_label_key(key: &str) -> bool {
    let key = key.trim_matches('"');
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    !key.is_empty()
        && key.chars().all(|c| alnum(c) || c == '.' || c == '-')
        && key.starts_with(alnum)
        && key.ends_with(alnum)
        && !key.contains("..")
        && !key.contains("--")
        && !["com.docker.", "io.docker.", "org.dockerproject."]
            .iter()
            .any(|p| key.starts_with(p))
}

/// The variables a value reads: `$NAME`, `${NAME...}`.
fn read_names(value: &str) -> impl Iterator<Item = &str> {
    value.match_indices('$').filter_map(|(at, _)| {
        let rest = &value[at + 1..];
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        (end > 0).then(|| &rest[..end])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_keys_follow_dockers_convention() {
        assert!(is_label_key("org.opencontainers.image.source") && is_label_key("\"version\""));
        for bad in [
            "team name",
            "Maintainer",
            ".a",
            "a-",
            "a..b",
            "a--b",
            "com.docker.x",
            "",
        ] {
            assert!(!is_label_key(bad), "{bad}");
        }
    }

    #[test]
    fn a_value_reads_a_variable_by_its_whole_name() {
        let reads = |value: &str, name: &str| read_names(value).any(|n| n == name);
        assert!(reads("$APP_HOME/data", "APP_HOME") && reads("${APP_HOME:-/app}", "APP_HOME"));
        assert!(!reads("$APP_HOMES", "APP_HOME") && !reads("APP_HOME", "APP_HOME"));
    }
}
