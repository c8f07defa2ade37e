//! Parse tree -> IR, one `lower_*` function per grammar rule.
//!
//! The grammar guarantees each rule's shape, so `next()` on a rule's inner
//! pairs is unwrapped where the rule says the pair is there (the comment names
//! the rule). What the grammar cannot say (a statement given twice, a port
//! out of range, a required statement missing) is reported here and lowering
//! goes on, so one run shows every such mistake.

use super::descent::Items;
use super::tree::Pair;

use super::grammar::Rule;

use crate::diagnostic::Diagnostic;
use crate::ir::*;
use crate::source::{Span, Spanned};

mod build;
mod environment;
pub(crate) mod location_regex;
mod network;
mod proxy;
mod proxy_address;
pub(crate) mod raw_nginx;
mod server;
pub(crate) mod yaml_numbers;

/// Defaults of a `build` block that leaves a setting out.
pub const DEFAULT_PYTHON: PythonVersion = PythonVersion {
    major: 3,
    minor: 12,
    patch: None,
};
pub const DEFAULT_REQUIREMENTS: &str = "requirements.txt";
pub const DEFAULT_USER: &str = "app";
pub const DEFAULT_UID: u32 = 10001;
/// The nginx image a proxy builds on when it names none.
pub const DEFAULT_NGINX_IMAGE: &str = "nginx:1.30";

/// Lowers a whole parse tree's `file` pair.
pub fn lower(file: Pair<'_>) -> (Stack, Vec<Diagnostic>) {
    let containers = file
        .into_inner()
        .filter(|item| matches!(item.as_rule(), Rule::service | Rule::job | Rule::proxy));
    let mut lowering = FileLowering::new(containers.count());
    for item in file.into_inner() {
        lowering.item(item);
    }
    lowering.finish()
}

/// A spec lowered one top-level item at a time, in order, as the parser
/// hands them over (see `descent::stream`).
pub struct FileLowering {
    lowerer: Lowerer,
    stack: Stack,
    /// The `stack` line's name, and where the line is.
    name: Option<(Spanned<String>, Span)>,
    /// How many services, jobs and proxies to make room for.
    containers: usize,
}

impl FileLowering {
    /// `containers`: how many services, jobs and proxies to make room for
    /// when the first one comes (a service is large: room for all at once,
    /// not by doubling); more or fewer is only slower.
    pub fn new(containers: usize) -> Self {
        FileLowering {
            lowerer: Lowerer::default(),
            stack: Stack::default(),
            name: None,
            containers,
        }
    }

    /// The stack, once every item is in, and what lowering found wrong.
    pub fn finish(mut self) -> (Stack, Vec<Diagnostic>) {
        let stack = &mut self.stack;
        stack.name = self.name.map(|(n, _)| n);
        let declares_anything = !(stack.volumes.is_empty() && stack.secrets.is_empty() && stack.services.is_empty());
        if stack.name.is_none() && !declares_anything {
            self.lowerer.report(
                Diagnostic::error("empty-spec", "the spec declares nothing")
                    .primary(Span::new(0, 0), "no `stack` line and no services")
                    .help("start with `stack myapp`, then declare services, e.g. `service db { image postgres:16.4 }`"),
            );
        } else if stack.name.is_none() {
            self.lowerer.report(
                Diagnostic::error("missing-stack-name", "the spec does not name the stack")
                    .primary(Span::new(0, 0), "expected `stack NAME` in this file")
                    .help("add a line such as `stack myapp` at the top; it becomes the compose project name"),
            );
        }
        (self.stack, self.lowerer.diagnostics)
    }
}

impl Items for FileLowering {
    /// Lowers the next top-level item of the spec.
    fn item(&mut self, item: Pair<'_>) {
        let (lowerer, stack) = (&mut self.lowerer, &mut self.stack);
        let at = span(&item);
        if matches!(item.as_rule(), Rule::service | Rule::job | Rule::proxy) && stack.services.capacity() == 0 {
            stack.services.reserve_exact(self.containers);
        }
        match item.as_rule() {
            Rule::stack => {
                let (value, development) = lowerer.lower_stack(item);
                stack.development = stack.development.or(development);
                lowerer.set_once(&mut self.name, value, at, "stack");
            }
            Rule::volume => stack.volumes.push(lowerer.lower_volume(item)),
            Rule::network => stack.networks.push(lowerer.lower_network(item)),
            Rule::secret => stack.secrets.push(lowerer.lower_secret(item)),
            Rule::service => stack.services.push(lowerer.lower_service(item)),
            Rule::job => stack.services.push(lowerer.lower_job(item)),
            Rule::proxy => stack.services.push(lowerer.lower_proxy(item)),
            Rule::environment => {
                std::sync::Arc::make_mut(&mut stack.environments).push(lowerer.lower_environment(item))
            }
            Rule::EOI => {}
            other => unreachable!("`file` holds only items, not {other:?}"),
        }
    }
}

#[derive(Default)]
struct Lowerer {
    diagnostics: Vec<Diagnostic>,
    /// The `proxy_pass SERVICE:PORT` addresses of the proxy being lowered,
    /// declared as upstreams when its block ends.
    proxy_addresses: Vec<proxy_address::Address>,
}

fn span(pair: &Pair<'_>) -> Span {
    pair.span()
}

/// The next inner pair; the grammar rule named in `rule` guarantees it.
fn next<'i>(pairs: &mut impl Iterator<Item = Pair<'i>>, rule: &str) -> Pair<'i> {
    pairs
        .next()
        .unwrap_or_else(|| panic!("grammar rule `{rule}` guarantees this pair"))
}

impl Lowerer {
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Stores a statement that may appear once per block, or reports the
    /// second one with both places labelled.
    fn set_once<T>(&mut self, slot: &mut Option<(T, Span)>, value: T, at: Span, what: &str) {
        if let Some((_, first)) = slot {
            let first = *first;
            self.report(
                Diagnostic::error("duplicate-statement", format!("`{what}` is given twice"))
                    .primary(at, "given again here")
                    .secondary(first, "first given here")
                    .help(format!("keep one `{what}` statement")),
            );
        } else {
            *slot = Some((value, at));
        }
    }

    // ------------------------------------------------------------ top level

    /// The stack's name, and where its `development` marker is.
    fn lower_stack(&mut self, pair: Pair<'_>) -> (Spanned<String>, Option<Span>) {
        let mut inner = pair.into_inner();
        next(&mut inner, "stack"); // kw_stack
        let name = self.lower_name(next(&mut inner, "stack"));
        let development = inner.next().map(|marker| span(&marker));
        // Compose project names are lowercase; `-` and `_` are fine.
        if name.value.chars().any(|c| c.is_ascii_uppercase()) {
            self.report(
                Diagnostic::error("invalid-stack-name", "the stack name must be lowercase")
                    .primary(name.span, "has uppercase letters")
                    .help(format!(
                        "compose project names are lowercase: write `stack {}`",
                        name.value.to_ascii_lowercase()
                    )),
            );
        }
        (name, development)
    }

    fn lower_volume(&mut self, pair: Pair<'_>) -> Volume {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "volume"); // kw_volume
        let name = self.lower_name(next(&mut inner, "volume"));
        if name.value.eq_ignore_ascii_case(Volume::ANONYMOUS) {
            self.report(
                Diagnostic::error("reserved-name", "`anonymous` is the spec's word for a volume of no name")
                    .primary(name.span, "reserved")
                    .help("`mount anonymous at PATH` gives a container a volume nothing else shares, so `mount anonymous` could never name this one: give it another name"),
            );
        }
        let mut claim = Claim::default();
        let (mut external, mut volume_name) = (None, None);
        for option in inner {
            let option_span = span(&option);
            let rule = option.as_rule();
            let mut parts = option.into_inner();
            let keyword = next(&mut parts, "volume option").as_str().to_string();
            if rule == Rule::external {
                self.set_once(&mut external, (), option_span, &keyword);
                continue;
            }
            let value = next(&mut parts, "volume option");
            match rule {
                Rule::volume_size => {
                    let size = self.try_size(value);
                    if let Some(zero) = size.as_ref().filter(|s| s.value.0 == 0) {
                        self.report(
                            Diagnostic::error("invalid-size", "a volume's size cannot be zero")
                                .primary(zero.span, "a claim of nothing")
                                .help(
                                    "give the storage it needs, e.g. `size 10Gi` (a cluster refuses a claim of zero)",
                                ),
                        );
                    }
                    claim.size = size;
                }
                Rule::volume_access => claim.access = Some(self.lower_access_mode(value)),
                Rule::volume_name => {
                    let value = self.lower_docker_name(value, "volume", 2, "myapp_pgdata");
                    self.set_once(&mut volume_name, value, option_span, &keyword);
                }
                _ => claim.class = Some(self.lower_name(value)),
            }
        }
        Volume {
            name,
            claim,
            external: external.map(|(_, at)| at),
            volume_name: volume_name.map(|(v, _)| v),
            span: at,
        }
    }

    /// `name NAME` of a volume or a network (`what`): a name `docker
    /// volume create` or `docker network create` takes, `shortest`
    /// characters at least (a volume's two), like `example`.
    pub(super) fn lower_docker_name(
        &mut self,
        pair: Pair<'_>,
        what: &str,
        shortest: usize,
        example: &str,
    ) -> Spanned<String> {
        let name = self.lower_text(pair);
        if !crate::ir::is_docker_object_name(&name.value) || name.value.len() < shortest {
            let least = match shortest {
                0 | 1 => String::new(),
                2 => ", two characters at least".to_string(),
                n => format!(", {n} characters at least"),
            };
            self.report(
                Diagnostic::error("invalid-name", format!("`{}` is not a Docker {what} name", name.value))
                    .primary(name.span, format!("not a {what} name"))
                    .help(format!(
                        "a {what} name starts with a letter or digit and holds letters, digits, `_`, `.` and `-`{least}, e.g. `{example}`"
                    )),
            );
        }
        name
    }

    /// A claim's access mode, as Kubernetes spells it.
    fn lower_access_mode(&mut self, pair: Pair<'_>) -> Spanned<String> {
        let mode = Spanned::new(pair.as_str().to_string(), span(&pair));
        if !Claim::ACCESS_MODES.contains(&mode.as_str()) {
            let help = match crate::suggest::closest(&mode.value, Claim::ACCESS_MODES.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("write one of {}", Claim::ACCESS_MODES.join(", ")),
            };
            self.report(
                Diagnostic::error("invalid-access-mode", "not a Kubernetes access mode")
                    .primary(mode.span, "unknown access mode")
                    .help(help),
            );
        }
        mode
    }

    fn lower_secret(&mut self, pair: Pair<'_>) -> Secret {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "secret"); // kw_secret
        let name = self.lower_name(next(&mut inner, "secret"));
        let source = next(&mut inner, "secret");
        let rule = source.as_rule();
        let mut source_inner = source.into_inner();
        next(&mut source_inner, "secret_file | secret_env"); // the keyword
        let value = next(&mut source_inner, "secret_file | secret_env");
        let source = match rule {
            Rule::secret_file => SecretSource::File(self.lower_text(value)),
            _ => SecretSource::Env(self.lower_plain(value)),
        };
        Secret { name, source, span: at }
    }

    // ------------------------------------------------------------ containers

    fn lower_service(&mut self, pair: Pair<'_>) -> Service {
        let (mut block, items) = ServiceBlock::new(self, pair, "service");
        let mut server: Option<(AppServer, Span)> = None;
        for item in items {
            self.lower_service_statement(&mut block, &mut server, item);
        }
        let server = server.map(|(s, _)| s);
        if let (Some(server), Some((_, at))) = (&server, &block.command) {
            let keyword = server.kind.keyword();
            self.report(
                Diagnostic::error(
                    "conflicting-statements",
                    format!("`{keyword}` and `command` both set the command"),
                )
                .primary(
                    *at,
                    format!("this command would replace the {} one", server.kind.name()),
                )
                .help(format!(
                    "keep `{keyword}` for a Django app, or `command` for anything else"
                )),
            );
        }
        if !block.has_image() {
            self.report(
                Diagnostic::error("missing-image", format!("service `{}` has no image", block.name.value))
                    .primary(block.name.span, "needs `image` or `build`")
                    .help(
                        "add `image postgres:16.4` for a published image, or `build ./app { ... }` for your own code",
                    ),
            );
        }
        block.finish(
            self,
            ServiceKind::App {
                server: server.map(Box::new),
            },
        )
    }

    /// A statement of a `service` block (an app server, `command`, or one
    /// every block accepts) into `block`; `server` holds the app server.
    fn lower_service_statement(
        &mut self,
        block: &mut ServiceBlock,
        server: &mut Option<(AppServer, Span)>,
        item: Pair<'_>,
    ) {
        let at = span(&item);
        match item.as_rule() {
            Rule::app_server => {
                let value = self.lower_app_server(item);
                match &*server {
                    // The same server twice reads as any statement given twice.
                    Some((first, _)) if first.kind == value.kind => {
                        let keyword = value.kind.keyword();
                        self.set_once(server, value, at, keyword);
                    }
                    Some((first, first_at)) => self.report(
                        Diagnostic::error(
                            "duplicate-statement",
                            format!(
                                "`{}` and `{}` both give the app server",
                                value.kind.keyword(),
                                first.kind.keyword()
                            ),
                        )
                        .primary(at, "given again here")
                        .secondary(*first_at, "first given here")
                        .help("a container runs one app server: keep one statement"),
                    ),
                    None => *server = Some((value, at)),
                }
            }
            Rule::command => {
                let value = self.lower_argv_statement(item);
                self.set_once(&mut block.command, value, at, "command");
            }
            _ => block.common(self, item),
        }
    }

    fn lower_job(&mut self, pair: Pair<'_>) -> Service {
        let (mut block, items) = ServiceBlock::new(self, pair, "job");
        for item in items {
            let at = span(&item);
            match item.as_rule() {
                Rule::run => {
                    let value = self.lower_argv_statement(item);
                    self.set_once(&mut block.command, value, at, "run");
                }
                _ => block.common(self, item),
            }
        }
        // An entrypoint alone is the program (`entrypoint ["composer",
        // "install"]`): Docker runs it without the image's CMD.
        let entrypoint_runs = block.entrypoint.as_ref().is_some_and(|(e, _)| !e.words.is_empty());
        // A job built from the app's own Dockerfile runs its image's
        // command (an `assets` stage's CMD), which resolution checks.
        let own_dockerfile = block.build.as_ref().is_some_and(|(b, _)| b.own_dockerfile().is_some());
        if block.command.is_none() && !entrypoint_runs && !own_dockerfile {
            self.report(missing_run(
                &block.name,
                "add the one-shot command, e.g. `run [\"python\", \"manage.py\", \"migrate\", \"--noinput\"]`",
            ));
        }
        if !block.has_image() {
            self.report(
                Diagnostic::error("missing-image", format!("job `{}` has no image", block.name.value))
                    .primary(block.name.span, "needs `image`")
                    .help("a job usually runs in an app's image: `image of web`"),
            );
        }
        block.finish(self, ServiceKind::Job)
    }

    fn lower_image(&mut self, pair: Pair<'_>) -> ImageSource {
        let mut inner = pair.into_inner();
        next(&mut inner, "image"); // kw_image
        let text = self.lower_text(next(&mut inner, "image"));
        ImageSource::Image(self.parse_image_ref(text))
    }

    fn lower_image_of(&mut self, pair: Pair<'_>) -> ImageSource {
        let mut inner = pair.into_inner();
        next(&mut inner, "image_of"); // kw_image
        next(&mut inner, "image_of"); // kw_of
        ImageSource::Of(self.lower_name(next(&mut inner, "image_of")))
    }

    /// `repository[:tag][@digest]`, as Docker reads image references.
    fn parse_image_ref(&mut self, text: Spanned<String>) -> ImageRef {
        let image = ImageRef::split(text);
        let problem = if !valid_repository(image.repository()) {
            Some("the repository part must be lowercase letters, digits and `.`, `_`, `-`, `/`")
        } else if image.tag().is_some_and(|t| !valid_tag(t)) {
            Some("a tag is 1 to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`")
        } else if image.digest().is_some_and(|d| !valid_digest(d)) {
            Some("a digest looks like `sha256:` followed by 64 hex digits")
        } else {
            None
        };
        if let Some(problem) = problem {
            self.report(
                Diagnostic::error(
                    "invalid-image",
                    format!("`{}` is not an image reference", image.text.value),
                )
                .primary(image.text.span, problem)
                .help("write an image such as `postgres:16.4` or `nginx:1.28@sha256:...`"),
            );
        }
        image
    }

    /// `command ARGV` and `run ARGV`: run without a shell, so a string that
    /// needs one is an error rather than a command that fails at run time.
    fn lower_argv_statement(&mut self, pair: Pair<'_>) -> Argv {
        let mut inner = pair.into_inner();
        next(&mut inner, "command | run"); // the keyword
        let argv = self.lower_argv(next(&mut inner, "command | run"));
        if argv.line.is_some() {
            // `sh -c 'SCRIPT'` written as one string: the script is for
            // the shell the line starts.
            let script = crate::input::shell::inline_script(&argv.words).map(|_| 2);
            let needs = |(i, w): &(usize, &String)| Some(*i) != script && needs_shell(*i, w);
            if let Some((i, word)) = argv.words.iter().enumerate().find(needs) {
                let help = if i == 0 && word.contains('=') {
                    "set variables with `env { NAME = \"value\" }`; if you need a shell, write the list [\"sh\", \"-c\", \"...\"]"
                } else {
                    "if you need a shell, write the list [\"sh\", \"-c\", \"...\"]; to pass the word literally, write the command as a list"
                };
                self.report(
                    Diagnostic::error(
                        "shell-syntax-in-command",
                        format!("`{word}` needs a shell, and commands run without one"),
                    )
                    .primary(argv.span, "the words are passed to the program as they are")
                    .help(help),
                );
            }
        }
        argv
    }

    /// `entrypoint ARGV`, where the empty list `[]` is compose's own way to
    /// drop the image's ENTRYPOINT (a worker that skips the web
    /// container's entrypoint script).
    fn lower_entrypoint(&mut self, pair: Pair<'_>) -> Argv {
        let empty_list = pair
            .into_inner()
            .next()
            .is_some_and(|v| v.as_rule() == Rule::text_list && v.into_inner().next().is_none());
        if empty_list {
            return Argv {
                line: None,
                words: Vec::new(),
                span: span(&pair),
            };
        }
        self.lower_argv(pair)
    }

    /// A `ready cmd` list is the command itself: compose's `CMD` or
    /// `CMD-SHELL` in front of it (as a compose healthcheck's `test` has)
    /// would be run as a program of that name, and the check never pass.
    fn check_probe_argv(&mut self, argv: &Argv) {
        let first = argv.words.first().filter(|_| argv.line.is_none());
        let Some(form) = first.filter(|w| matches!(w.as_str(), "CMD" | "CMD-SHELL" | "NONE")) else {
            return;
        };
        let help = match (form.as_str(), argv.words.get(1)) {
            ("CMD-SHELL", Some(script)) if argv.words.len() == 2 => {
                format!(
                    "leave `CMD-SHELL` out: a string is run by the container's shell, `ready cmd {}`",
                    crate::lint::spec_text::quote(script)
                )
            }
            ("NONE", _) => "leave `ready` out for no readiness check".to_string(),
            _ => format!("leave `{form}` out: stackc writes compose's `CMD` in front of the list"),
        };
        self.report(
            Diagnostic::error(
                "invalid-command",
                format!("`{form}` is compose's healthcheck form, not a program"),
            )
            .primary(argv.span, format!("the container would run a program named `{form}`"))
            .help(help),
        );
    }

    fn lower_argv(&mut self, pair: Pair<'_>) -> Argv {
        let at = span(&pair);
        let value = next(&mut pair.into_inner(), "argv");
        if value.as_rule() == Rule::text_list {
            let words: Vec<String> = value.into_inner().map(|t| self.lower_text(t).value).collect();
            if words.is_empty() {
                self.report(
                    Diagnostic::error("invalid-command", "the command is empty")
                        .primary(at, "no program to run")
                        .help("name the program and its arguments, e.g. [\"python\", \"manage.py\", \"migrate\"]"),
                );
            }
            return Argv {
                line: None,
                words,
                span: at,
            };
        }
        let line = self.lower_text(value);
        let words = match crate::input::shell::split_words(&line.value) {
            Some(words) if words.is_empty() => {
                self.report(
                    Diagnostic::error("invalid-command", "the command is empty")
                        .primary(at, "no program to run")
                        .help("name the program and its arguments, e.g. \"python manage.py migrate\""),
                );
                words
            }
            Some(words) => words,
            None => {
                self.report(
                    Diagnostic::error("invalid-command", "this command line has an unclosed quote")
                        .primary(line.span, "a `'` or `\"` is not closed")
                        .help(
                            "close the quote, or write the command as a list: [\"python\", \"manage.py\", \"migrate\"]",
                        ),
                );
                Vec::new()
            }
        };
        Argv {
            line: Some(line.value),
            words,
            span: at,
        }
    }

    fn lower_env(&mut self, pair: Pair<'_>, env: &mut Vec<EnvVar>) {
        for var in pair.into_inner().skip(1) {
            let mut inner = var.into_inner();
            let name = self.lower_plain(next(&mut inner, "env_var"));
            let value = self.lower_text(next(&mut inner, "env_var"));
            env.push(EnvVar { name, value });
        }
    }

    fn lower_secret_ref(&mut self, pair: Pair<'_>) -> SecretUse {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "secret_ref"); // kw_secret
        SecretUse {
            env: self.lower_plain(next(&mut inner, "secret_ref")),
            secret: self.lower_name(next(&mut inner, "secret_ref")),
            span: at,
        }
    }

    fn lower_mount(&mut self, pair: Pair<'_>) -> Mount {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "mount"); // kw_mount
        let source_pair = next(&mut inner, "mount");
        let source_span = span(&source_pair);
        let source = next(&mut source_pair.into_inner(), "mount_source");
        let source = match source.as_rule() {
            Rule::kw_anonymous => MountSource::Anonymous(source_span),
            Rule::host_path => MountSource::Host(self.lower_host_path(source)),
            _ => MountSource::Volume(self.lower_name(source)),
        };
        next(&mut inner, "mount"); // kw_at
        let target = self.lower_text(next(&mut inner, "mount"));
        self.check_container_path(&target);
        let mut read_only = false;
        let mut relabel = None;
        for option in inner {
            let option_span = span(&option);
            if option.as_rule() == Rule::read_only {
                read_only = true;
                continue;
            }
            // `relabel shared|private`: kw_relabel, then the scope.
            let scope = match option.into_inner().nth(1).map(|p| p.as_rule()) {
                Some(Rule::kw_private) => Relabel::Private,
                _ => Relabel::Shared,
            };
            self.set_once(&mut relabel, scope, option_span, "relabel");
        }
        let relabel = relabel.map(|(scope, at)| Spanned::new(scope, at));
        if let (Some(relabel), false) = (&relabel, matches!(source, MountSource::Host(_))) {
            self.report(
                Diagnostic::error("invalid-mount", "only a host path is relabelled")
                    .primary(relabel.span, "SELinux labels apply to bind mounts")
                    .help("remove `relabel`: docker labels its volumes itself"),
            );
        }
        Mount {
            source,
            target,
            read_only,
            relabel,
            span: at,
        }
    }

    /// `./data`, `/srv/x`, `~/x` or a quoted path: a host path to bind.
    fn lower_host_path(&mut self, pair: Pair<'_>) -> Spanned<String> {
        let at = span(&pair);
        let inner = next(&mut pair.into_inner(), "host_path");
        let path = match inner.as_rule() {
            Rule::string => Spanned::new(self.lower_string(inner), at),
            _ => Spanned::new(inner.as_str().to_string(), at),
        };
        if !(path.value.starts_with('.') || path.value.starts_with('/') || path.value.starts_with('~')) {
            self.report(
                Diagnostic::error("invalid-mount", format!("`{}` is not a host path", path.value))
                    .primary(path.span, "a host path starts with `./`, `../`, `/` or `~`")
                    .help(format!(
                        "write `./{}` for a folder next to the spec, or the volume's name without quotes",
                        path.value
                    )),
            );
        }
        if path.value.contains(['\0', '\n', '\r']) || path.value.chars().any(char::is_control) {
            self.report(
                Diagnostic::error("invalid-mount", "a host path cannot hold control characters")
                    .primary(path.span, "control character")
                    .help("rename the folder, or mount its parent"),
            );
        }
        path
    }

    fn lower_secret_mount(&mut self, pair: Pair<'_>) -> SecretMount {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "secret_mount"); // kw_secret
        let secret = self.lower_name(next(&mut inner, "secret_mount"));
        // `[at PATH]`: kw_at, then the path.
        let target = inner.nth(1).map(|p| self.lower_text(p));
        if let Some(target) = &target {
            self.check_container_path(target);
        }
        SecretMount {
            secret,
            target,
            span: at,
        }
    }

    /// `expose 8000, 53/udp`.
    fn lower_expose(&mut self, pair: Pair<'_>, expose: &mut Vec<ContainerPort>) {
        for port in pair.into_inner().skip(1) {
            let port = self.lower_container_port(port);
            expose.push(port);
        }
    }

    /// `8000`, `53/udp`: the number's span covers the protocol too.
    fn lower_container_port(&mut self, pair: Pair<'_>) -> ContainerPort {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        let number = self.lower_port(next(&mut inner, "container_port")).value;
        // The grammar takes only the names `from_name` knows.
        let protocol = inner
            .next()
            .and_then(|protocol| Protocol::from_name(protocol.as_str()))
            .unwrap_or_default();
        ContainerPort {
            number: Spanned::new(number, at),
            protocol,
        }
    }

    fn lower_labels(&mut self, pair: Pair<'_>, labels: &mut Vec<EnvVar>) {
        for label in pair.into_inner().skip(1) {
            let mut inner = label.into_inner();
            let name = self.lower_plain(next(&mut inner, "label"));
            let value = self.lower_text(next(&mut inner, "label"));
            labels.push(EnvVar { name, value });
        }
    }

    /// `SIGTERM`, `SIGINT`, `SIGRTMIN+3` or a number, as Docker takes them.
    fn lower_stop_signal(&mut self, pair: Pair<'_>) -> Spanned<String> {
        let signal = self.lower_text(pair);
        let name = signal.value.strip_prefix("SIG").unwrap_or(&signal.value);
        let valid = !name.is_empty()
            && (name.chars().all(|c| c.is_ascii_digit())
                || name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '+' || c == '-'));
        if !valid {
            self.report(
                Diagnostic::error("invalid-signal", format!("`{}` is not a signal", signal.value))
                    .primary(signal.span, "expected a name such as `SIGINT`, or a number")
                    .help("write e.g. `stop_signal SIGINT` (what Gunicorn and uvicorn stop gracefully on is SIGTERM, the default)"),
            );
        }
        signal
    }

    /// A container name, a host name: letters, digits, `.`, `_` and `-`.
    fn lower_host_name(&mut self, pair: Pair<'_>, what: &str) -> Spanned<String> {
        let name = self.lower_text(pair);
        let valid = name.value.len() <= 253
            && name.value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !valid {
            self.report(
                Diagnostic::error("invalid-name", format!("`{}` is not a {what}", name.value))
                    .primary(
                        name.span,
                        "letters, digits, `.`, `_` and `-`, starting with a letter or digit",
                    )
                    .help(format!("choose a {what} such as `shop-web`")),
            );
        }
        name
    }

    fn lower_publish(&mut self, pair: Pair<'_>) -> PortMapping {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "publish"); // kw_publish
        let mut host = next(&mut inner, "publish").into_inner();
        let first = next(&mut host, "host_port");
        let (host_ip, host_ip_span, host_port) = if first.as_rule() == Rule::host_ip {
            let ip = self.lower_ip(&first);
            (ip, Some(span(&first)), self.lower_port(next(&mut host, "host_port")))
        } else {
            (None, None, self.lower_port(first))
        };
        PortMapping {
            host_ip,
            host_ip_span,
            host_port,
            container_port: self.lower_container_port(next(&mut inner, "publish")),
            span: at,
        }
    }

    /// `ready off` beside a readiness check: one turns the check off, the
    /// other defines it.
    fn report_ready_off_conflict(&mut self, first: Span, again: Span) {
        self.report(
            Diagnostic::error("conflicting-statements", "`ready off` and a readiness check both given")
                .primary(again, "given here")
                .secondary(first, "and here")
                .help("keep `ready off` to run without a healthcheck, or the check to wait for"),
        );
    }

    /// `ready off`, or a readiness check with its timing.
    fn lower_ready(&mut self, pair: Pair<'_>) -> ReadyStatement {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "ready"); // kw_ready
        let probe_pair = next(&mut inner, "ready");
        if probe_pair.as_rule() == Rule::kw_off {
            return ReadyStatement::Off;
        }
        let probe_rule = probe_pair.as_rule();
        let mut probe_inner = probe_pair.into_inner();
        next(&mut probe_inner, "probe"); // the keyword
        let probe = match probe_rule {
            Rule::probe_cmd => {
                let argv = self.lower_argv(next(&mut probe_inner, "probe_cmd"));
                self.check_probe_argv(&argv);
                Probe::Cmd(argv)
            }
            Rule::probe_tcp => Probe::Tcp(self.lower_port(next(&mut probe_inner, "probe_tcp"))),
            _ => {
                let path = self.lower_text(next(&mut probe_inner, "probe_http"));
                if !path.value.starts_with('/') {
                    // `ready http 8080`: a port, written where the path goes.
                    let help = match !path.value.is_empty() && path.value.bytes().all(|b| b.is_ascii_digit()) {
                        true => format!(
                            "`{0}` is a port: the path comes first, the port after `port` (`ready http / port {0}`)",
                            path.value
                        ),
                        false => format!("write `/{}`", path.value),
                    };
                    self.report(
                        Diagnostic::error("invalid-path", "an HTTP readiness path starts with `/`")
                            .primary(path.span, "not an absolute URL path")
                            .help(help),
                    );
                }
                // `[port N]`: kw_port, then the number.
                let port = probe_inner.nth(1).map(|p| self.lower_port(p));
                Probe::Http { path, port }
            }
        };
        let (mut interval, mut timeout, mut retries, mut start, mut start_every) = (None, None, None, None, None);
        for option in inner {
            let option_span = span(&option);
            let rule = option.as_rule();
            let mut parts = option.into_inner();
            let keyword = next(&mut parts, "probe option").as_str().to_string();
            let value = next(&mut parts, "probe option");
            match rule {
                Rule::every => {
                    let d = self.lower_duration(value);
                    self.set_once(&mut interval, d, option_span, &keyword);
                }
                Rule::timeout => {
                    let d = self.lower_duration(value);
                    self.set_once(&mut timeout, d, option_span, &keyword);
                }
                Rule::start => {
                    let d = self.lower_duration(value);
                    self.set_once(&mut start, d, option_span, &keyword);
                }
                Rule::start_every => {
                    let d = self.lower_duration(value);
                    self.set_once(&mut start_every, d, option_span, &keyword);
                }
                _ => {
                    let n = self.lower_integer(value);
                    self.set_once(&mut retries, n, option_span, &keyword);
                }
            }
        }
        if let Some((every, _)) = &start_every {
            self.check_start_every(every, start.as_ref().map(|(d, _)| d));
        }
        for (option, value) in [("every", &interval), ("timeout", &timeout)] {
            // Not one refused as too long already (it lowers to zero).
            let refused = |at: Span| self.diagnostics.iter().any(|d| d.primary_span() == Some(at));
            if let Some((value, _)) = value.as_ref().filter(|(v, _)| v.value.0 == 0 && !refused(v.span)) {
                self.report(
                    Diagnostic::error("invalid-duration", format!("`{option}` cannot be zero"))
                        .primary(value.span, "zero")
                        .help(format!(
                            "Docker reads zero as its default of 30s: give the {} itself, e.g. `{option} {}`",
                            if option == "every" {
                                "time between checks"
                            } else {
                                "time a check may take"
                            },
                            if option == "every" { "5s" } else { "3s" }
                        )),
                );
            }
        }
        ReadyStatement::Check(Readiness {
            probe,
            interval: interval.map(|(v, _)| v),
            timeout: timeout.map(|(v, _)| v),
            retries: retries.map(|(v, _)| v),
            start_period: start.map(|(v, _)| v),
            start_interval: start_every.map(|(v, _)| v),
            span: at,
        })
    }

    /// `start_every`: Docker reads zero as its default (5s), and checks at
    /// that pace only during a `start` period.
    fn check_start_every(&mut self, every: &Spanned<Duration>, start: Option<&Spanned<Duration>>) {
        if every.value.0 == 0 {
            self.report(
                Diagnostic::error("invalid-duration", "`start_every` cannot be zero")
                    .primary(every.span, "zero")
                    .help("Docker reads zero as its default of 5s: give how often to check, e.g. `start_every 1s`"),
            );
        } else if start.is_none_or(|s| s.value.0 == 0) {
            self.report(
                Diagnostic::error(
                    "start-every-without-start",
                    "`start_every` paces the checks of the start period, but there is none",
                )
                .primary(every.span, "never used")
                .help("add `start D`, how long the service may take to come up (e.g. `start 30s`), or remove `start_every`"),
            );
        }
    }

    fn lower_after(&mut self, pair: Pair<'_>, after: &mut Vec<Dependency>) {
        for dependency in pair.into_inner().skip(1) {
            // Up to its last word: pest's implicit whitespace (comments
            // included) before the optional flags counts into the pair.
            let mut at = span(&dependency);
            at = at.with_end(dependency.into_inner().last().map_or(at.end(), |p| span(&p).end()));
            let mut inner = dependency.into_inner();
            let target = self.lower_name(next(&mut inner, "dependency"));
            let (mut condition, mut optional, mut restart) = (None, None, None);
            for part in inner {
                let part_span = span(&part);
                match part.as_rule() {
                    Rule::condition => {
                        let keyword = next(&mut part.into_inner(), "condition");
                        let value = match keyword.as_rule() {
                            Rule::kw_ready => Condition::Ready,
                            Rule::kw_done => Condition::Done,
                            _ => Condition::Started,
                        };
                        condition = Some(Spanned::new(value, part_span));
                    }
                    Rule::kw_optional => {
                        self.set_once(&mut optional, (), part_span, "optional");
                    }
                    _ => self.set_once(&mut restart, (), part_span, "restart"),
                }
            }
            after.push(Dependency {
                target,
                condition,
                optional: optional.map(|(_, at)| at),
                restart: restart.map(|(_, at)| at),
                span: at,
            });
        }
    }

    // ------------------------------------------------------------ literals

    fn lower_name(&mut self, pair: Pair<'_>) -> Spanned<String> {
        self.lower_plain(pair)
    }

    /// A pair whose text is its value, as written.
    fn lower_plain(&mut self, pair: Pair<'_>) -> Spanned<String> {
        Spanned::new(pair.as_str().to_string(), span(&pair))
    }

    /// `text`: a bare word as written, or a quoted string unescaped.
    fn lower_text(&mut self, pair: Pair<'_>) -> Spanned<String> {
        let at = span(&pair);
        let value = next(&mut pair.into_inner(), "text");
        if value.as_rule() == Rule::bare {
            return Spanned::new(value.as_str().to_string(), at);
        }
        let out = self.lower_string(value);
        if out.contains('\0') {
            self.report(
                Diagnostic::error("nul-in-string", "a string cannot hold a NUL character")
                    .primary(at, "contains NUL")
                    .help("no container, environment variable or config file can carry NUL; remove it"),
            );
        }
        Spanned::new(out, at)
    }

    /// A quoted `string`, unescaped (an invalid escape, reported, becomes
    /// U+FFFD).
    fn lower_string(&mut self, pair: Pair<'_>) -> String {
        let mut out = String::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::raw_chars => out.push_str(part.as_str()),
                _ => out.push(self.unescape(&part).unwrap_or('\u{FFFD}')),
            }
        }
        out
    }

    fn unescape(&mut self, pair: &Pair<'_>) -> Option<char> {
        let text = pair.as_str();
        let c = match &text[1..] {
            "\"" => '"',
            "\\" => '\\',
            "n" => '\n',
            "t" => '\t',
            "r" => '\r',
            unicode => {
                // `u{HEX}`, as the `escape` rule guarantees.
                let hex = &unicode[2..unicode.len() - 1];
                let code = u32::from_str_radix(hex, 16).expect("`escape` allows only hex digits");
                match char::from_u32(code) {
                    Some(c) => c,
                    None => {
                        self.report(
                            Diagnostic::error("invalid-escape", format!("U+{code:X} is not a character"))
                                .primary(span(pair), "not a Unicode scalar value")
                                .help("use a code point up to 10FFFF, outside D800-DFFF"),
                        );
                        return None;
                    }
                }
            }
        };
        Some(c)
    }

    fn lower_port(&mut self, pair: Pair<'_>) -> Spanned<u16> {
        let at = span(&pair);
        match pair.as_str().parse::<u16>() {
            Ok(port) if port > 0 => Spanned::new(port, at),
            _ => {
                self.report(
                    Diagnostic::error("invalid-port", format!("`{}` is not a port", pair.as_str()))
                        .primary(at, "ports are 1 to 65535")
                        .help("use a port number from 1 to 65535"),
                );
                Spanned::new(1, at)
            }
        }
    }

    fn lower_integer(&mut self, pair: Pair<'_>) -> Spanned<u32> {
        let at = span(&pair);
        self.try_integer(pair).unwrap_or(Spanned::new(0, at))
    }

    /// The number, or `None` (reported) when it does not fit: a value
    /// whose own checks would then only repeat the problem.
    fn try_integer(&mut self, pair: Pair<'_>) -> Option<Spanned<u32>> {
        let at = span(&pair);
        let parsed = pair.as_str().parse::<u32>();
        if parsed.is_err() {
            self.report(
                Diagnostic::error("invalid-number", format!("`{}` is too large", pair.as_str()))
                    .primary(at, "at most 4294967295")
                    .help("use a smaller number"),
            );
        }
        parsed.ok().map(|n| Spanned::new(n, at))
    }

    fn lower_version(&mut self, pair: Pair<'_>) -> Spanned<PythonVersion> {
        let at = span(&pair);
        let numbers: Vec<Option<u16>> = pair.as_str().split('.').map(|n| n.parse().ok()).collect();
        let version = match numbers.as_slice() {
            [Some(major), Some(minor)] => Some(PythonVersion {
                major: *major,
                minor: *minor,
                patch: None,
            }),
            [Some(major), Some(minor), Some(patch)] => Some(PythonVersion {
                major: *major,
                minor: *minor,
                patch: Some(*patch),
            }),
            _ => None,
        };
        match version {
            Some(v) if v.major == 3 => Spanned::new(v, at),
            _ => {
                self.report(
                    Diagnostic::error(
                        "invalid-version",
                        format!("`{}` is not a Python 3 version", pair.as_str()),
                    )
                    .primary(at, "expected `3.MINOR` or `3.MINOR.PATCH`")
                    .help(format!("for example `python {DEFAULT_PYTHON}`")),
                );
                Spanned::new(DEFAULT_PYTHON, at)
            }
        }
    }

    fn lower_duration(&mut self, pair: Pair<'_>) -> Spanned<Duration> {
        let at = span(&pair);
        let mut total: u64 = 0;
        let mut number: u64 = 0;
        let mut overflow = false;
        let mut chars = pair.as_str().chars().peekable();
        while let Some(c) = chars.next() {
            if let Some(digit) = c.to_digit(10) {
                number = match number.checked_mul(10).and_then(|n| n.checked_add(u64::from(digit))) {
                    Some(n) => n,
                    None => {
                        overflow = true;
                        0
                    }
                };
                continue;
            }
            let unit: u64 = match c {
                'h' => 3_600_000,
                's' => 1_000,
                'm' if chars.peek() == Some(&'s') => {
                    chars.next();
                    1
                }
                // `m`; the `duration` rule allows only ms, s, m and h.
                _ => 60_000,
            };
            match number.checked_mul(unit).and_then(|n| total.checked_add(n)) {
                Some(t) => total = t,
                None => overflow = true,
            }
            number = 0;
        }
        if overflow || total > Duration::LONGEST_MS {
            self.report(
                Diagnostic::error("invalid-duration", "this duration is too long")
                    .primary(at, "longer than Docker reads a duration (about 2562047h)")
                    .help("use a duration such as `30s` or `5m`"),
            );
            total = 0;
        }
        Spanned::new(Duration(total), at)
    }

    fn lower_restart(&mut self, pair: Pair<'_>) -> Spanned<Restart> {
        let at = span(&pair);
        let policy = next(&mut pair.into_inner(), "restart_policy");
        let value = match policy.as_rule() {
            Rule::kw_no => Restart::No,
            Rule::kw_always => Restart::Always,
            Rule::kw_unless_stopped => Restart::UnlessStopped,
            _ => {
                let tries = policy.into_inner().nth(1).map(|n| self.lower_integer(n));
                if let Some(zero) = tries.as_ref().filter(|t| t.value == 0) {
                    self.report(
                        Diagnostic::error("invalid-restart", "`on-failure 0` would retry without end")
                            .primary(zero.span, "docker reads 0 as no limit")
                            .help("give the number of retries, e.g. `on-failure 3`, or leave it out"),
                    );
                }
                let tries = tries.map(|t| t.value);
                Restart::OnFailure(tries)
            }
        };
        Spanned::new(value, at)
    }

    fn lower_limits(&mut self, pair: Pair<'_>) -> Limits {
        let at = span(&pair);
        let mut memory = None;
        let mut cpus = None;
        let mut pids = None;
        for limit in pair.into_inner().skip(1) {
            let limit_span = span(&limit);
            let rule = limit.as_rule();
            let value = next(&mut limit.into_inner().skip(1), "limit");
            match rule {
                // A value too large is reported once: the largest stands
                // in for it, which no later check reports again (zero did).
                Rule::limit_memory => {
                    let at = span(&value);
                    let value = self.try_size(value).unwrap_or(Spanned::new(Size(Size::MAX_BYTES), at));
                    self.set_once(&mut memory, value, limit_span, "memory");
                }
                Rule::limit_cpus => {
                    let value = self.lower_cpus(value);
                    self.set_once(&mut cpus, value, limit_span, "cpus");
                }
                _ => {
                    let at = span(&value);
                    let value = self.try_integer(value).unwrap_or(Spanned::new(u32::MAX, at));
                    self.set_once(&mut pids, value, limit_span, "pids");
                }
            }
        }
        Limits {
            memory: memory.map(|(m, _)| m),
            cpus: cpus.map(|(c, _)| c),
            pids: pids.map(|(p, _)| p),
            span: at,
        }
    }

    /// `1.5` CPUs as 1500 thousandths; more than three decimals or zero is
    /// reported.
    fn lower_cpus(&mut self, pair: Pair<'_>) -> Spanned<Cpus> {
        let at = span(&pair);
        let text = pair.as_str();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let thousandths = (fraction.len() <= 3)
            .then(|| format!("{fraction:0<3}"))
            .and_then(|f| {
                whole
                    .parse::<u32>()
                    .ok()?
                    .checked_mul(1000)?
                    .checked_add(f.parse().ok()?)
            })
            .filter(|&t| (10..=1_000_000).contains(&t));
        let value = thousandths.unwrap_or_else(|| {
            self.report(
                Diagnostic::error("invalid-cpus", format!("`{text}` is not a number of CPUs"))
                    .primary(at, "expected a number from 0.01 to 1000, with at most three decimals")
                    .help("write e.g. `cpus 0.5` or `cpus 2`"),
            );
            1000
        });
        Spanned::new(Cpus(value), at)
    }

    /// `compose KEY = VALUE`: the value is read as YAML, so `true`, `10` and
    /// `{driver: local}` keep their types.
    fn lower_raw_compose(&mut self, pair: Pair<'_>) -> RawCompose {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "compose"); // kw_compose
        let key = next(&mut inner, "compose");
        let key = Spanned::new(key.as_str().to_string(), span(&key));
        let text = self.lower_text(next(&mut inner, "compose"));
        // YAML 1.2 like compose: `no` and `0755` are a string and a number.
        let options = serde_saphyr::options! {
            strict_booleans: true,
            legacy_octal_numbers: false,
        };
        let parsed = serde_saphyr::from_str_with_options::<serde_json::Value>(&text.value, options.clone());
        if parsed.is_ok() {
            self.check_compose_numbers(&text, |yaml| {
                serde_saphyr::from_str_with_options(yaml, options.clone()).ok()
            });
        }
        let problem = match &parsed {
            Ok(serde_json::Value::Null) => Some("empty: compose refuses a key without a value".to_string()),
            Ok(_) => None,
            Err(error) => Some(yaml_problem(&error.to_string())),
        };
        if let Some(label) = &problem {
            self.report(
                Diagnostic::error("invalid-raw", "this value is not one YAML value")
                    .primary(text.span, label)
                    .help("write a YAML value in flow style, e.g. `\"{driver: local}\"` or `\"[NET_ADMIN]\"`"),
            );
        }
        let value = match parsed {
            Ok(value) if problem.is_none() => self.read_raw_value(&key.value, value, text.span),
            _ => serde_json::Value::Null,
        };
        RawCompose {
            key,
            value: Spanned::new(value, text.span),
            span: at,
        }
    }

    /// A raw compose value must mean to compose what it means to stackc:
    /// see [`yaml_numbers`].
    /// `read` reads YAML as the raw value was read.
    fn check_compose_numbers(&mut self, text: &Spanned<String>, read: impl Fn(&str) -> Option<serde_json::Value>) {
        if let Some(found) = yaml_numbers::disagreement(&text.value, read) {
            self.report(
                Diagnostic::error("invalid-raw", "compose would read this value differently from stackc")
                    .primary(
                        text.span,
                        format!(
                            "compose reads `{}` as {}, stackc as {}",
                            found.text, found.compose, found.stackc
                        ),
                    )
                    .help(format!(
                        "write the value as compose should read it, with no leading zero, `_` or `0b`/`0o` prefix \
                         (e.g. `{}`), or quote it for text: `'{}'`",
                        yaml_numbers::plain_spelling(&found.compose).unwrap_or_else(|| found.text.clone()),
                        found.text
                    )),
            );
        }
    }

    /// `user NAME|UID[:GROUP|GID]`. Docker reads a number with a sign or
    /// leading zeros (`+0`, `00`) as the plain number, so those are refused:
    /// the spec must say `0` or `root` where it means root.
    fn lower_container_user(&mut self, pair: Pair<'_>) -> ContainerUser {
        let at = span(&pair);
        let text = self.lower_text(argument(pair));
        let mut parts = text.value.splitn(2, ':');
        let user_part = parts.next().unwrap_or_default();
        let group_part = parts.next();
        let user = self.lower_account(user_part, text.span);
        let group = group_part.map(|g| self.lower_account(g, text.span));
        ContainerUser {
            user: Spanned::new(user, text.span),
            group: group.map(|g| Spanned::new(g, text.span)),
            span: at,
        }
    }

    /// One side of `USER:GROUP`: a name, or a number Docker reads the same
    /// way stackc writes it.
    fn lower_account(&mut self, text: &str, at: Span) -> Account {
        /// Docker's limit for uids and gids.
        const MAX_ID: u32 = i32::MAX as u32;
        let is_name = text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && text.len() <= 32
            && text.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if is_name {
            return Account::Name(text.to_string());
        }
        let canonical = text
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= MAX_ID && n.to_string() == text);
        if let Some(id) = canonical {
            return Account::Id(id);
        }
        let numeric = text.trim_start_matches(['+', '-']).parse::<u64>().ok();
        let (label, help) = match numeric {
            Some(n) if !text.starts_with('-') && n <= u64::from(MAX_ID) => (
                format!("Docker reads `{text}` as {n}"),
                if n == 0 {
                    "write `root` (or `0`) where root is meant, or an unprivileged uid such as `10001`".to_string()
                } else {
                    format!("write `{n}`")
                },
            ),
            Some(_) => (
                "out of range".to_string(),
                format!("uids and gids go from 0 to {MAX_ID}"),
            ),
            None if text.is_empty() => (
                "empty".to_string(),
                "write `USER` or `USER:GROUP`, e.g. `user 999:999`".to_string(),
            ),
            None => (
                format!("`{text}` is neither a name nor a number"),
                "names are letters, digits, `_`, `.` and `-`, starting with a letter: `user postgres`".to_string(),
            ),
        };
        self.report(
            Diagnostic::error("invalid-user", "this is not a user Docker reads as written")
                .primary(at, label)
                .help(help),
        );
        Account::Id(0)
    }

    /// A raw value as Docker will read it (see [`crate::compose_values`]),
    /// or `null` after reporting what compose or Docker would refuse.
    fn read_raw_value(&mut self, key: &str, value: serde_json::Value, at: Span) -> serde_json::Value {
        crate::compose_values::read(key, value).unwrap_or_else(|refusal| {
            self.report(
                Diagnostic::error("invalid-raw", format!("compose or Docker would refuse this `{key}`"))
                    .primary(at, refusal.label)
                    .help(refusal.help),
            );
            serde_json::Value::Null
        })
    }

    fn lower_size(&mut self, pair: Pair<'_>) -> Spanned<Size> {
        let at = span(&pair);
        self.try_size(pair).unwrap_or(Spanned::new(Size(0), at))
    }

    /// The size, or `None` (reported) when it is too large.
    fn try_size(&mut self, pair: Pair<'_>) -> Option<Spanned<Size>> {
        let at = span(&pair);
        // `10Gi`, as Kubernetes writes it: the same 1024-based unit.
        let text = pair.as_str().strip_suffix('i').unwrap_or(pair.as_str());
        let (digits, unit) = match text.char_indices().last() {
            Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_lowercase()),
            _ => (text, 'b'),
        };
        let shift = match unit {
            'k' => 10,
            'm' => 20,
            'g' => 30,
            _ => 0,
        };
        let bytes = digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(1 << shift))
            .filter(|&b| b <= Size::MAX_BYTES);
        if bytes.is_none() {
            self.report(
                Diagnostic::error("invalid-size", "this size is too large")
                    .primary(at, "does not fit")
                    .help("sizes go up to `1024G`"),
            );
        }
        bytes.map(|bytes| Spanned::new(Size(bytes), at))
    }

    // ------------------------------------------------------------ checks

    fn check_container_path(&mut self, path: &Spanned<String>) {
        if !path.value.starts_with('/') {
            self.report(
                Diagnostic::error("invalid-path", "a path in the container starts with `/`")
                    .primary(path.span, "relative path")
                    .help(format!("write the absolute path, e.g. `/{}`", path.value)),
            );
        }
    }

    /// `127.0.0.1` or `[::1]`; `None` (every interface) after reporting a
    /// malformed one.
    fn lower_ip(&mut self, pair: &Pair<'_>) -> Option<std::net::IpAddr> {
        let text = pair.as_str();
        // Docker (Go's net.IP) reads `::ffff:a.b.c.d` as the IPv4 address:
        // `[::ffff:0.0.0.0]` is every IPv4 interface, not one IPv6 address.
        let ip = text
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .ok()
            .map(|ip| ip.to_canonical());
        if ip.is_none() {
            self.report(
                Diagnostic::error("invalid-ip", format!("`{text}` is not an IP address"))
                    .primary(span(pair), "expected an address such as `127.0.0.1` or `[::1]`")
                    .help("publish on one interface by naming its address, or leave it out for all"),
            );
        }
        ip
    }
}

/// A `ready` statement: a check, or `ready off`.
enum ReadyStatement {
    Check(Readiness),
    Off,
}

/// The statements services, jobs and proxies share, gathered while the
/// kind-specific ones are lowered by the caller.
struct ServiceBlock {
    name: Spanned<String>,
    span: Span,
    image: Option<(ImageSource, Span)>,
    build: Option<(Build, Span)>,
    command: Option<(Argv, Span)>,
    env: Vec<EnvVar>,
    env_files: Vec<EnvFile>,
    secrets: Vec<SecretUse>,
    mounts: Vec<Mount>,
    ports: Vec<PortMapping>,
    ready: Option<(ReadyStatement, Span)>,
    after: Vec<Dependency>,
    restart: Option<(Spanned<Restart>, Span)>,
    limits: Option<(Limits, Span)>,
    replicas: Option<(Spanned<u32>, Span)>,
    stop_grace_period: Option<(Spanned<Duration>, Span)>,
    shm_size: Option<(Spanned<Size>, Span)>,
    networks: Vec<Spanned<String>>,
    user: Option<(ContainerUser, Span)>,
    hardening_off: Option<(Span, Span)>,
    entrypoint: Option<(Argv, Span)>,
    expose: Vec<ContainerPort>,
    secret_mounts: Vec<SecretMount>,
    workdir: Option<(Spanned<String>, Span)>,
    hostname: Option<(Spanned<String>, Span)>,
    container_name: Option<(Spanned<String>, Span)>,
    labels: Vec<EnvVar>,
    stop_signal: Option<(Spanned<String>, Span)>,
    raw_compose: Vec<RawCompose>,
}

impl ServiceBlock {
    /// The block's name, and its statements still to be lowered.
    fn new<'i>(lowerer: &mut Lowerer, pair: Pair<'i>, rule: &str) -> (Self, Vec<Pair<'i>>) {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, rule); // the keyword
        let name = lowerer.lower_name(next(&mut inner, rule));
        let items: Vec<Pair<'i>> = inner.collect();
        let mut block = ServiceBlock::named(name, at);
        block.reserve_for(&items);
        (block, items)
    }

    /// Room for exactly what the block's statements list: a list grown
    /// push by push starts with four places (a block's one `mount` took
    /// 384 bytes for 96), and every page a large spec's stack touches is a
    /// page fault.
    fn reserve_for(&mut self, items: &[Pair<'_>]) {
        let (mut secrets, mut mounts, mut ports, mut env_files, mut secret_mounts) = (0, 0, 0, 0, 0);
        let (mut env, mut after, mut networks) = (0, 0, 0);
        // The statements that list several, after their keyword.
        let listed = |item: &Pair<'_>| item.into_inner().count().saturating_sub(1);
        for item in items {
            match item.as_rule() {
                Rule::secret_ref => secrets += 1,
                Rule::mount => mounts += 1,
                Rule::publish => ports += 1,
                Rule::env_file => env_files += 1,
                Rule::secret_mount => secret_mounts += 1,
                Rule::env => env += listed(item),
                Rule::after => after += listed(item),
                Rule::networks => networks += listed(item),
                _ => {}
            }
        }
        self.secrets.reserve_exact(secrets);
        self.mounts.reserve_exact(mounts);
        self.ports.reserve_exact(ports);
        self.env_files.reserve_exact(env_files);
        self.secret_mounts.reserve_exact(secret_mounts);
        self.env.reserve_exact(env);
        self.after.reserve_exact(after);
        self.networks.reserve_exact(networks);
    }

    /// An empty block: statements are lowered into it one by one.
    fn named(name: Spanned<String>, span: Span) -> Self {
        ServiceBlock {
            name,
            span,
            image: None,
            build: None,
            command: None,
            env: Vec::new(),
            env_files: Vec::new(),
            secrets: Vec::new(),
            mounts: Vec::new(),
            ports: Vec::new(),
            ready: None,
            after: Vec::new(),
            restart: None,
            limits: None,
            replicas: None,
            stop_grace_period: None,
            shm_size: None,
            networks: Vec::new(),
            user: None,
            hardening_off: None,
            entrypoint: None,
            expose: Vec::new(),
            secret_mounts: Vec::new(),
            workdir: None,
            hostname: None,
            container_name: None,
            labels: Vec::new(),
            stop_signal: None,
            raw_compose: Vec::new(),
        }
    }

    /// Lowers a statement every kind of block accepts.
    fn common(&mut self, lowerer: &mut Lowerer, item: Pair<'_>) {
        let at = span(&item);
        match item.as_rule() {
            Rule::image => {
                let value = lowerer.lower_image(item);
                lowerer.set_once(&mut self.image, value, at, "image");
            }
            Rule::image_of => {
                let value = lowerer.lower_image_of(item);
                lowerer.set_once(&mut self.image, value, at, "image");
            }
            Rule::build => {
                let value = lowerer.lower_build(item);
                lowerer.set_once(&mut self.build, value, at, "build");
            }
            Rule::env => lowerer.lower_env(item, &mut self.env),
            Rule::env_file => {
                let mut inner = item.into_inner().skip(1);
                let path = lowerer.lower_text(next(&mut inner, "env_file"));
                let optional = inner.next().map(|o| span(&o));
                self.env_files.push(EnvFile { path, optional });
            }
            Rule::secret_ref => self.secrets.push(lowerer.lower_secret_ref(item)),
            Rule::mount => self.mounts.push(lowerer.lower_mount(item)),
            Rule::publish => self.ports.push(lowerer.lower_publish(item)),
            Rule::ready => {
                let value = lowerer.lower_ready(item);
                match (&self.ready, &value) {
                    (Some((ReadyStatement::Off, first)), ReadyStatement::Check(_))
                    | (Some((ReadyStatement::Check(_), first)), ReadyStatement::Off) => {
                        lowerer.report_ready_off_conflict(*first, at)
                    }
                    _ => lowerer.set_once(&mut self.ready, value, at, "ready"),
                }
            }
            Rule::after => lowerer.lower_after(item, &mut self.after),
            Rule::shm_size => {
                let value = lowerer.lower_size(argument(item));
                lowerer.set_once(&mut self.shm_size, value, at, "shm_size");
            }
            Rule::restart => {
                let value = lowerer.lower_restart(argument(item));
                lowerer.set_once(&mut self.restart, value, at, "restart");
            }
            Rule::limits => {
                let value = lowerer.lower_limits(item);
                lowerer.set_once(&mut self.limits, value, at, "limits");
            }
            Rule::replicas => {
                let value = lowerer.lower_integer(argument(item));
                lowerer.set_once(&mut self.replicas, value, at, "replicas");
            }
            Rule::stop_grace_period => {
                let value = lowerer.lower_duration(argument(item));
                lowerer.set_once(&mut self.stop_grace_period, value, at, "stop_grace_period");
            }
            Rule::networks => {
                let names = item.into_inner().skip(1).map(|n| lowerer.lower_name(n));
                self.networks.extend(names);
            }
            Rule::container_user => {
                let value = lowerer.lower_container_user(item);
                lowerer.set_once(&mut self.user, value, at, "user");
            }
            Rule::hardening => lowerer.set_once(&mut self.hardening_off, at, at, "hardening"),
            Rule::secret_mount => self.secret_mounts.push(lowerer.lower_secret_mount(item)),
            Rule::expose => lowerer.lower_expose(item, &mut self.expose),
            Rule::entrypoint => {
                let argv = next(&mut item.into_inner().skip(1), "entrypoint");
                let value = lowerer.lower_entrypoint(argv);
                lowerer.set_once(&mut self.entrypoint, value, at, "entrypoint");
            }
            Rule::workdir => {
                let value = lowerer.lower_text(argument(item));
                lowerer.check_container_path(&value);
                lowerer.set_once(&mut self.workdir, value, at, "workdir");
            }
            Rule::hostname => {
                let value = lowerer.lower_host_name(argument(item), "host name");
                lowerer.set_once(&mut self.hostname, value, at, "hostname");
            }
            Rule::container_name => {
                let value = lowerer.lower_host_name(argument(item), "container name");
                lowerer.set_once(&mut self.container_name, value, at, "container_name");
            }
            Rule::labels => lowerer.lower_labels(item, &mut self.labels),
            Rule::stop_signal => {
                let value = lowerer.lower_stop_signal(argument(item));
                lowerer.set_once(&mut self.stop_signal, value, at, "stop_signal");
            }
            Rule::compose => self.raw_compose.push(lowerer.lower_raw_compose(item)),
            other => unreachable!("the grammar puts no {other:?} in a service block"),
        }
    }

    fn has_image(&self) -> bool {
        self.image.is_some() || self.build.is_some()
    }

    /// Where the container's image comes from: `build`, named by an `image`
    /// beside it, or `image` alone.
    fn image_source(&mut self, lowerer: &mut Lowerer) -> Option<ImageSource> {
        let image = self.image.take();
        let Some((mut build, build_span)) = self.build.take() else {
            return image.map(|(i, _)| i);
        };
        match image {
            Some((ImageSource::Image(tag), _)) => build.tag = Some(tag),
            Some((ImageSource::Of(of), at)) => lowerer.report(
                Diagnostic::error("conflicting-statements", "`image of` and `build` both give the image")
                    .primary(at, "runs the image another service builds")
                    .secondary(build_span, "builds an image of its own")
                    .help(format!(
                        "keep `build` to build this service's image, or `image of {}` to run that one",
                        of.value
                    )),
            ),
            _ => {}
        }
        Some(ImageSource::Build(Box::new(build)))
    }

    fn finish(mut self, lowerer: &mut Lowerer, kind: ServiceKind) -> Service {
        let image = self.image_source(lowerer);
        let (ready, ready_off) = match self.ready.take() {
            Some((ReadyStatement::Check(check), _)) => (Some(Box::new(check)), None),
            Some((ReadyStatement::Off, at)) => (None, Some(at)),
            None => (None, None),
        };
        Service {
            name: self.name,
            kind,
            image,
            command: self.command.map(|(c, _)| c),
            env: self.env,
            env_files: self.env_files,
            secrets: self.secrets,
            mounts: self.mounts,
            ports: self.ports,
            ready,
            ready_off,
            after: self.after,
            restart: self.restart.map(|(r, _)| r),
            limits: self.limits.map(|(l, _)| Box::new(l)),
            replicas: self.replicas.map(|(r, _)| r),
            stop_grace_period: self.stop_grace_period.map(|(d, _)| d),
            shm_size: self.shm_size.map(|(s, _)| s),
            networks: self.networks,
            user: self.user.map(|(u, _)| Box::new(u)),
            hardening_off: self.hardening_off.map(|(h, _)| h),
            entrypoint: self.entrypoint.map(|(e, _)| Box::new(e)),
            expose: self.expose,
            secret_mounts: self.secret_mounts,
            workdir: self.workdir.map(|(w, _)| w),
            hostname: self.hostname.map(|(h, _)| h),
            container_name: self.container_name.map(|(c, _)| c),
            labels: self.labels,
            stop_signal: self.stop_signal.map(|(s, _)| s),
            raw_compose: self.raw_compose,
            span: self.span,
        }
    }
}

/// What is wrong with a raw YAML value, in a user's words rather than the
/// parser's.
fn yaml_problem(message: &str) -> String {
    let first_line = message.lines().next().unwrap_or_default();
    let first_line = first_line.strip_prefix("error: ").unwrap_or(first_line);
    if message.contains("budget") {
        "too large or too deeply nested".to_string()
    } else if message.contains("from_str_multiple") {
        "several YAML documents; write one value".to_string()
    } else if message.contains("DuplicateKeyPolicy") || message.to_ascii_lowercase().contains("duplicate") {
        "a key is given twice".to_string()
    } else {
        first_line.to_string()
    }
}

/// The one value of a `KEYWORD VALUE` statement.
fn argument(statement: Pair<'_>) -> Pair<'_> {
    let rule = format!("{:?}", statement.as_rule());
    next(&mut statement.into_inner().skip(1), &rule)
}

fn valid_repository(repo: &str) -> bool {
    let mut parts = repo.split('/').peekable();
    let mut first = true;
    while let Some(part) = parts.next() {
        // A registry host (`registry.example.com:5000`) may come first.
        let is_registry =
            first && parts.peek().is_some() && (part.contains('.') || part.contains(':') || part == "localhost");
        first = false;
        let ok = if is_registry {
            // `host[:port]`: dot-separated labels of letters, digits and
            // inner `-` (Docker refuses `..` or `-x.io` as a registry).
            let (host, port) = part.split_once(':').unwrap_or((part, "0"));
            host.split('.').all(|label| {
                !label.is_empty()
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            }) && !port.is_empty()
                && port.chars().all(|c| c.is_ascii_digit())
        } else {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
                && part.starts_with(|c: char| c.is_ascii_alphanumeric())
                && part.ends_with(|c: char| c.is_ascii_alphanumeric())
        };
        if !ok {
            return false;
        }
    }
    true
}

fn valid_tag(tag: &str) -> bool {
    (1..=128).contains(&tag.len())
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && !tag.starts_with(['.', '-'])
}

fn valid_digest(digest: &str) -> bool {
    match digest.split_once(':') {
        Some(("sha256", hex)) => hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()),
        Some((algo, hex)) => !algo.is_empty() && hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit()),
        None => false,
    }
}

/// Words a shell would treat specially: operators, redirections,
/// expansions, and a leading `NAME=value` (a variable for the command).
fn needs_shell(index: usize, word: &str) -> bool {
    const OPERATORS: [&str; 5] = ["&&", "||", "|", ";", "&"];
    const REDIRECTIONS: [&str; 5] = [">", ">>", "<", "2>", "&>"];
    let assignment = index == 0
        && word
            .split_once('=')
            .is_some_and(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    OPERATORS.contains(&word)
        || REDIRECTIONS.iter().any(|r| word.starts_with(r))
        || word.contains('$')
        || word.contains('`')
        || assignment
}

/// A job that runs nothing: lowering's (no `run`, no entrypoint) and
/// resolution's (its own Dockerfile sets no command), worded alike.
pub(crate) fn missing_run(job: &Spanned<String>, help: &str) -> Diagnostic {
    Diagnostic::error("missing-run", format!("job `{}` has nothing to run", job.value))
        .primary(job.span, "needs `run`")
        .help(help)
}
