//! A hand-written parser of `grammar/stack.pest` that builds the tree pest
//! would, for the specs it accepts, at a small fraction of pest's cost:
//! it reads the keyword that starts a statement and goes straight to that
//! statement's rule, where pest tries each alternative in turn.
//!
//! pest stays the grammar of record: this parser declines (`None`) any
//! text it does not match, and pest then parses it and reports the syntax
//! errors. Each function below mirrors one rule of the grammar, with pest's
//! implicit whitespace where pest's generated code has it: between the
//! parts of a sequence (also before an optional part that then matches
//! nothing, which is why some spans end in blanks) and between the
//! repetitions of `*` and `+`, never inside atomic (`@`, `$`) rules.
//! `tests` in `syntax` compare the two parsers' trees on every spec of
//! the repository and the fuzzer does on its inputs.

use super::grammar::Rule;
use super::tree::{Pair, Tree};

/// What takes each top-level item (a `service` block, a `volume` line) as
/// soon as it is parsed: lowering, in [`stream`].
pub(super) trait Items {
    fn item(&mut self, item: Pair<'_>);
}

/// The tree pest builds for `text`, or `None` where this parser declines.
pub(super) fn parse(text: &str) -> Option<Tree<'_>> {
    let mut parser = Parser::new(text, None);
    parser.file().then_some(parser.tree)
}

/// Parses `text`, handing each top-level item to `items` as soon as it is
/// parsed and then dropping its nodes: the tree holds one item at a time,
/// still in cache when lowering reads it, instead of the whole spec's
/// (16 bytes a node, a node every few bytes of text). `false` where the
/// parser declines the text; `items` may have had the items before.
pub(super) fn stream(text: &str, items: &mut dyn Items) -> bool {
    Parser::new(text, Some(items)).file()
}

/// [`stream`] on two threads: this one parses while a helper hands the
/// items parsed before to `items`, in batches (a large spec's lowering
/// takes about as long as its parsing). The same items in the same order.
pub(super) fn stream_beside(text: &str, items: &mut (dyn Items + Send)) -> bool {
    let (to_helper, batches) = std::sync::mpsc::sync_channel::<Batch>(BATCHES_AHEAD);
    let (give_back, spares) = std::sync::mpsc::channel::<Batch>();
    std::thread::scope(|scope| {
        let helper = crate::helper::start(scope, move || {
            for mut batch in batches {
                for &root in &batch.roots {
                    items.item(batch.tree.pair(root));
                }
                batch.clear();
                // The parser may be done and gone: then nothing needs it.
                let _ = give_back.send(batch);
            }
        });
        let mut batcher = Batcher {
            batch: Batch::new(text),
            text,
            to_helper: Some(to_helper),
            spares,
        };
        let parsed = Parser::new(text, Some(&mut batcher)).file();
        if parsed {
            batcher.send();
        }
        drop(batcher); // the helper's last batch
        helper.join();
        parsed
    })
}

/// The most batches parsed ahead of the helper: it needs one to start on,
/// and more would only leave the cache.
const BATCHES_AHEAD: usize = 2;

/// About how many nodes a batch holds (tens of items, 64 kB): few enough
/// to stay in cache, enough that passing it costs nothing.
const BATCH_NODES: usize = 4096;

/// Items parsed, each copied with its nodes into a tree of their own.
struct Batch<'i> {
    tree: Tree<'i>,
    roots: Vec<usize>,
}

impl<'i> Batch<'i> {
    fn new(text: &'i str) -> Self {
        Batch {
            tree: Tree::with_capacity(text, BATCH_NODES + 512),
            roots: Vec::with_capacity(64),
        }
    }

    fn clear(&mut self) {
        self.tree.truncate(0);
        self.roots.clear();
    }
}

/// The [`Items`] of [`stream_beside`]'s parser: fills batches, sends each
/// full one to the helper, and reuses those it gives back.
struct Batcher<'i> {
    batch: Batch<'i>,
    text: &'i str,
    /// `None` once the helper has stopped (it panicked: the panic goes on
    /// when it is joined).
    to_helper: Option<std::sync::mpsc::SyncSender<Batch<'i>>>,
    spares: std::sync::mpsc::Receiver<Batch<'i>>,
}

impl Batcher<'_> {
    fn send(&mut self) {
        let Some(to_helper) = &self.to_helper else {
            self.batch.clear(); // nobody lowers it: the tree stays one batch
            return;
        };
        let next = self.spares.try_recv().unwrap_or_else(|_| Batch::new(self.text));
        let full = std::mem::replace(&mut self.batch, next);
        if to_helper.send(full).is_err() {
            self.to_helper = None;
        }
    }
}

impl Items for Batcher<'_> {
    fn item(&mut self, item: Pair<'_>) {
        let root = self.batch.tree.append(item);
        self.batch.roots.push(root);
        if self.batch.tree.len() >= BATCH_NODES {
            self.send();
        }
    }
}

struct Parser<'i, 's> {
    bytes: &'i [u8],
    pos: usize,
    tree: Tree<'i>,
    /// Where each parsed item goes, when not into the tree.
    items: Option<&'s mut dyn Items>,
}

/// `name_char`: what may follow a keyword's letters in a longer word.
fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// `bare`'s characters.
fn is_bare_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_./:@-+%~*".contains(&b)
}

/// `host_bare`'s characters after the first.
fn is_host_path_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_./:@-+%~".contains(&b)
}

type Item<'i, 's> = fn(&mut Parser<'i, 's>) -> bool;

impl<'i, 's> Parser<'i, 's> {
    fn new(text: &'i str, items: Option<&'s mut dyn Items>) -> Self {
        // One item's nodes, or the whole spec's.
        let tree = match items {
            Some(_) => Tree::with_capacity(text, 256),
            None => Tree::for_text(text),
        };
        Parser {
            bytes: text.as_bytes(),
            pos: 0,
            tree,
            items,
        }
    }

    // ------------------------------------------------------------ pest's machinery

    /// A rule that yields a pair: the pair spans what `body` matched, and
    /// holds the pairs `body` pushed. Nothing is left behind on failure.
    fn rule(&mut self, rule: Rule, body: impl FnOnce(&mut Self) -> bool) -> bool {
        let (start, mark) = (self.pos, self.tree.len());
        let node = self.tree.open(rule, start);
        if body(self) {
            self.tree.close(node, self.pos);
            true
        } else {
            self.pos = start;
            self.tree.truncate(mark);
            false
        }
    }

    /// An atomic rule (`@`): one pair, no pairs inside; `body` only moves.
    fn atom(&mut self, rule: Rule, body: impl FnOnce(&mut Self) -> bool) -> bool {
        let start = self.pos;
        if body(self) {
            self.tree.leaf(rule, start, self.pos);
            true
        } else {
            self.pos = start;
            false
        }
    }

    /// A part that may fail after matching some of its own parts: on
    /// failure, as if it had not run.
    fn attempt(&mut self, body: impl FnOnce(&mut Self) -> bool) -> bool {
        let (start, mark) = (self.pos, self.tree.len());
        if body(self) {
            true
        } else {
            self.pos = start;
            self.tree.truncate(mark);
            false
        }
    }

    /// `x?`.
    fn optional(&mut self, body: impl FnOnce(&mut Self) -> bool) -> bool {
        self.attempt(body);
        true
    }

    /// `x*` where whitespace is implicit: `(x ~ (skip ~ x)*)?`.
    fn repeat(&mut self, mut x: impl FnMut(&mut Self) -> bool) -> bool {
        if self.attempt(&mut x) {
            while self.attempt(|p| p.skip() && x(p)) {}
        }
        true
    }

    /// `x+` where whitespace is implicit.
    fn repeat1(&mut self, mut x: impl FnMut(&mut Self) -> bool) -> bool {
        self.attempt(&mut x) && self.repeat_more(x)
    }

    /// The `(skip ~ x)*` after a first `x`.
    fn repeat_more(&mut self, mut x: impl FnMut(&mut Self) -> bool) -> bool {
        while self.attempt(|p| p.skip() && x(p)) {}
        true
    }

    /// The implicit whitespace: `WHITESPACE* ~ (COMMENT ~ WHITESPACE*)*`.
    /// Always matches; `true` so sequences read `a && p.skip() && b`.
    fn skip(&mut self) -> bool {
        loop {
            while matches!(self.peek(), Some(b' ' | b'\t')) {
                self.pos += 1;
            }
            if self.peek() != Some(b'#') {
                return true;
            }
            while !matches!(self.peek(), None | Some(b'\n' | b'\r')) {
                self.pos += 1;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn literal(&mut self, text: &str) -> bool {
        let matched = self.bytes[self.pos..].starts_with(text.as_bytes());
        if matched {
            self.pos += text.len();
        }
        matched
    }

    /// One byte that `class` accepts.
    fn byte(&mut self, class: impl Fn(u8) -> bool) -> bool {
        let matched = self.peek().is_some_and(class);
        self.pos += usize::from(matched);
        matched
    }

    /// Bytes while `class` accepts them: how many.
    fn bytes_while(&mut self, class: impl Fn(u8) -> bool) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(&class) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `NEWLINE`.
    fn newline(&mut self) -> bool {
        self.literal("\n") || self.literal("\r\n") || self.literal("\r")
    }

    /// The word here (letters, digits, `_`, `-`): which keyword, if any,
    /// can match, as each keyword is its letters and then no `name_char`.
    fn word(&self) -> &'i [u8] {
        let bytes = self.bytes;
        let end = bytes[self.pos..]
            .iter()
            .position(|&b| !is_name_char(b))
            .map_or(bytes.len(), |n| self.pos + n);
        &bytes[self.pos..end]
    }

    /// `kw_* = @{ "word" ~ !name_char }`. Compared byte by byte in line:
    /// a keyword is a few bytes, and musl's `memcmp`, which `starts_with`
    /// calls, takes longer to call than to compare them.
    fn keyword(&mut self, rule: Rule, word: &str) -> bool {
        let end = self.pos + word.len();
        let matched = (self.bytes.get(self.pos..end)).is_some_and(|here| here.iter().eq(word.as_bytes()))
            && !self.bytes.get(end).copied().is_some_and(is_name_char);
        if matched {
            self.tree.leaf(rule, self.pos, end);
            self.pos = end;
        }
        matched
    }

    /// `RULE = { kw_WORD ~ rest }`, the shape of most statements.
    fn statement(&mut self, rule: Rule, keyword: Rule, word: &str, rest: impl FnOnce(&mut Self) -> bool) -> bool {
        self.rule(rule, |p| p.keyword(keyword, word) && p.skip() && rest(p))
    }

    /// `"{" ~ NEWLINE* ~ (item ~ eol)* ~ "}"`, inside a statement.
    fn block(&mut self, item: Item<'i, 's>) -> bool {
        self.literal("{")
            && self.skip()
            && self.repeat(Self::newline)
            && self.skip()
            && self.repeat(|p| item(p) && p.skip() && p.eol())
            && self.skip()
            && self.literal("}")
    }

    /// `eol = _{ NEWLINE+ | &"}" | &EOI }`.
    fn eol(&mut self) -> bool {
        if self.newline() {
            return self.repeat_more(Self::newline);
        }
        matches!(self.peek(), None | Some(b'}'))
    }

    // ------------------------------------------------------------ top level

    fn file(&mut self) -> bool {
        self.rule(Rule::file, |p| {
            p.skip()
                && p.optional(|p| p.literal("\u{FEFF}"))
                && p.skip()
                && p.repeat(Self::newline)
                && p.skip()
                && p.repeat(|p| {
                    let at = p.tree.len();
                    p.item() && p.skip() && p.eol() && p.hand_over(at)
                })
                && p.skip()
                && p.eoi()
        })
    }

    /// Gives the item parsed at node `at` to [`Parser::items`], if any,
    /// and drops its nodes.
    fn hand_over(&mut self, at: usize) -> bool {
        if let Some(items) = self.items.as_deref_mut() {
            items.item(self.tree.pair(at));
            self.tree.truncate(at);
        }
        true
    }

    fn eoi(&mut self) -> bool {
        let end = self.pos == self.bytes.len();
        if end {
            self.tree.leaf(Rule::EOI, self.pos, self.pos);
        }
        end
    }

    fn item(&mut self) -> bool {
        match self.word() {
            b"stack" => self.statement(Rule::stack, Rule::kw_stack, "stack", |p| {
                p.stack_name()
                    && p.skip()
                    && p.optional(|p| p.rule(Rule::development, |p| p.keyword(Rule::kw_development, "development")))
            }),
            b"volume" => self.statement(Rule::volume, Rule::kw_volume, "volume", |p| {
                p.name()
                    && p.skip()
                    && p.repeat(|p| match p.word() {
                        b"size" => p.statement(Rule::volume_size, Rule::kw_size, "size", Self::size),
                        b"access" => p.statement(Rule::volume_access, Rule::kw_access, "access", Self::name),
                        b"class" => p.statement(Rule::volume_class, Rule::kw_class, "class", Self::name),
                        b"external" => p.rule(Rule::external, |p| p.keyword(Rule::kw_external, "external")),
                        b"name" => p.statement(Rule::volume_name, Rule::kw_name, "name", Self::text),
                        _ => false,
                    })
            }),
            b"network" => self.statement(Rule::network, Rule::kw_network, "network", |p| {
                p.name()
                    && p.skip()
                    && p.repeat(|p| match p.word() {
                        b"internal" => p.rule(Rule::internal, |p| p.keyword(Rule::kw_internal, "internal")),
                        b"external" => p.rule(Rule::external, |p| p.keyword(Rule::kw_external, "external")),
                        b"name" => p.statement(Rule::network_name, Rule::kw_name, "name", Self::text),
                        b"driver" => p.statement(Rule::network_driver, Rule::kw_driver, "driver", Self::name),
                        _ => false,
                    })
            }),
            b"secret" => self.statement(Rule::secret, Rule::kw_secret, "secret", |p| {
                p.name()
                    && p.skip()
                    && (p.statement(Rule::secret_file, Rule::kw_file, "file", Self::text)
                        || p.statement(Rule::secret_env, Rule::kw_env, "env", Self::env_name))
            }),
            b"service" => self.container(Rule::service, Rule::kw_service, "service", Self::service_item),
            b"job" => self.container(Rule::job, Rule::kw_job, "job", Self::job_item),
            b"proxy" => self.container(Rule::proxy, Rule::kw_proxy, "proxy", Self::proxy_item),
            b"environment" => self.environment(),
            _ => false,
        }
    }

    // ------------------------------------------------------------ environments

    fn environment(&mut self) -> bool {
        self.statement(Rule::environment, Rule::kw_environment, "environment", |p| {
            p.name()
                && p.skip()
                && p.optional(|p| p.rule(Rule::production, |p| p.keyword(Rule::kw_production, "production")))
                && p.skip()
                && p.block(Self::environment_item)
        })
    }

    /// A declaration as at the top level, else (pest's ordered choice) a
    /// block of operations on a container of the base, or `without`.
    fn environment_item(&mut self) -> bool {
        match self.word() {
            b"volume" | b"network" | b"secret" => self.item(),
            b"service" => self.item() || self.change(Rule::kw_service, "service"),
            b"job" => self.item() || self.change(Rule::kw_job, "job"),
            b"proxy" => self.item() || self.change(Rule::kw_proxy, "proxy"),
            b"without" => self.statement(Rule::without, Rule::kw_without, "without", |p| {
                p.rule(Rule::declaration_keyword, |p| match p.word() {
                    b"service" => p.keyword(Rule::kw_service, "service"),
                    b"job" => p.keyword(Rule::kw_job, "job"),
                    b"proxy" => p.keyword(Rule::kw_proxy, "proxy"),
                    b"volume" => p.keyword(Rule::kw_volume, "volume"),
                    b"network" => p.keyword(Rule::kw_network, "network"),
                    b"secret" => p.keyword(Rule::kw_secret, "secret"),
                    _ => false,
                }) && p.skip()
                    && p.name()
            }),
            _ => false,
        }
    }

    fn change(&mut self, keyword: Rule, word: &str) -> bool {
        self.rule(Rule::change, |p| {
            p.keyword(keyword, word) && p.skip() && p.name() && p.skip() && p.block(Self::operation)
        })
    }

    fn operation(&mut self) -> bool {
        match self.word() {
            b"set" => self.statement(Rule::set, Rule::kw_set, "set", Self::changed_statement),
            b"add" => self.statement(Rule::add, Rule::kw_add, "add", Self::changed_statement),
            b"remove" => self.statement(Rule::remove, Rule::kw_remove, "remove", |p| {
                p.statement_keyword() && p.skip() && p.text()
            }),
            b"unset" => self.statement(Rule::unset, Rule::kw_unset, "unset", Self::statement_keyword),
            _ => false,
        }
    }

    /// What a service or a job block holds.
    fn changed_statement(&mut self) -> bool {
        match self.word() {
            b"run" => self.statement(Rule::run, Rule::kw_run, "run", Self::argv),
            _ => self.service_item(),
        }
    }

    fn statement_keyword(&mut self) -> bool {
        self.atom(Rule::statement_keyword, |p| {
            p.byte(|b| b.is_ascii_alphabetic()) && {
                p.bytes_while(|b| b.is_ascii_alphanumeric() || b == b'_');
                true
            }
        })
    }

    /// `service`, `job` and `proxy`: `kw ~ name ~ "{" ~ ... ~ "}"`.
    fn container(&mut self, rule: Rule, keyword: Rule, word: &str, item: Item<'i, 's>) -> bool {
        self.statement(rule, keyword, word, |p| p.name() && p.skip() && p.block(item))
    }

    // ------------------------------------------------------------ containers

    fn service_item(&mut self) -> bool {
        match self.word() {
            b"image" => self.image_of() || self.image(),
            b"build" => self.build(),
            b"gunicorn" | b"uvicorn" | b"daphne" => self.app_server(),
            b"command" => self.statement(Rule::command, Rule::kw_command, "command", Self::argv),
            b"env" => self.env(),
            b"env_file" => self.env_file(),
            b"secret" => self.secret_ref() || self.secret_mount(),
            b"mount" => self.mount(),
            b"publish" => self.publish(),
            b"expose" => self.statement(Rule::expose, Rule::kw_expose, "expose", |p| {
                p.container_port() && p.skip() && p.repeat(|p| p.literal(",") && p.skip() && p.container_port())
            }),
            b"ready" => self.ready(),
            b"after" => self.after(),
            b"replicas" => self.statement(Rule::replicas, Rule::kw_replicas, "replicas", Self::integer),
            _ => self.runtime_item(),
        }
    }

    fn job_item(&mut self) -> bool {
        match self.word() {
            b"image" => self.image_of() || self.image(),
            b"build" => self.build(),
            b"run" => self.statement(Rule::run, Rule::kw_run, "run", Self::argv),
            b"env" => self.env(),
            b"env_file" => self.env_file(),
            b"secret" => self.secret_ref() || self.secret_mount(),
            b"mount" => self.mount(),
            b"after" => self.after(),
            _ => self.runtime_item(),
        }
    }

    fn image(&mut self) -> bool {
        self.statement(Rule::image, Rule::kw_image, "image", Self::text)
    }

    fn image_of(&mut self) -> bool {
        self.statement(Rule::image_of, Rule::kw_image, "image", |p| {
            p.keyword(Rule::kw_of, "of") && p.skip() && p.name()
        })
    }

    fn build(&mut self) -> bool {
        self.statement(Rule::build, Rule::kw_build, "build", |p| {
            p.text() && p.skip() && p.optional(|p| p.block(Self::build_item))
        })
    }

    fn build_item(&mut self) -> bool {
        match self.word() {
            b"python" => self.statement(Rule::python, Rule::kw_python, "python", |p| {
                p.rule(Rule::python_image, |p| {
                    p.version()
                        && p.optional(|p| {
                            p.literal("-")
                                && p.atom(Rule::python_variant, |p| {
                                    p.bytes_while(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') > 0
                                })
                        })
                })
            }),
            b"requirements" => self.statement(Rule::requirements, Rule::kw_requirements, "requirements", Self::text),
            b"uv" => self.statement(Rule::uv, Rule::kw_uv, "uv", |p| p.optional(Self::version)),
            b"poetry" => self.statement(Rule::poetry, Rule::kw_poetry, "poetry", |p| p.optional(Self::version)),
            b"packages" => self.statement(Rule::packages, Rule::kw_packages, "packages", Self::package_list),
            b"build_packages" => self.statement(
                Rule::build_packages,
                Rule::kw_build_packages,
                "build_packages",
                Self::package_list,
            ),
            b"workdir" => self.workdir(),
            b"manage" => self.statement(Rule::manage, Rule::kw_manage, "manage", Self::text),
            b"collectstatic" => self.statement(Rule::collectstatic, Rule::kw_collectstatic, "collectstatic", |p| {
                p.optional(|p| p.keyword(Rule::kw_to, "to") && p.skip() && p.text())
            }),
            b"user" => self.statement(Rule::user, Rule::kw_user, "user", |p| {
                p.name() && p.skip() && p.optional(|p| p.keyword(Rule::kw_uid, "uid") && p.skip() && p.integer())
            }),
            b"dockerfile" => self.statement(Rule::dockerfile, Rule::kw_dockerfile, "dockerfile", |p| {
                p.optional(|p| {
                    p.rule(Rule::dockerfile_place, |p| {
                        p.keyword(Rule::kw_before_install, "before_install") || p.keyword(Rule::kw_as_user, "as_user")
                    })
                }) && p.skip()
                    && p.text()
            }),
            b"ignore" => self.statement(Rule::ignore, Rule::kw_ignore, "ignore", |p| p.repeat1(Self::text)),
            b"file" => self.statement(Rule::build_file, Rule::kw_file, "file", Self::text),
            b"target" => self.statement(Rule::build_target, Rule::kw_target, "target", Self::text),
            b"arg" => self.statement(Rule::build_arg, Rule::kw_arg, "arg", |p| {
                p.env_name() && p.skip() && p.literal("=") && p.skip() && p.text()
            }),
            _ => false,
        }
    }

    /// `(package_block | text+)`: Debian packages, a block of
    /// `NAME = VERSION` or bare names on the line.
    fn package_list(&mut self) -> bool {
        let package = |p: &mut Self| {
            p.rule(Rule::package, |p| {
                p.atom(Rule::package_name, |p| {
                    p.byte(|b| b.is_ascii_alphanumeric()) && {
                        p.bytes_while(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b));
                        true
                    }
                }) && p.skip()
                    && p.literal("=")
                    && p.skip()
                    && p.text()
            })
        };
        self.attempt(|p| p.block(package)) || self.repeat1(Self::text)
    }

    /// `app_server = { (kw_gunicorn | kw_uvicorn | kw_daphne) ~ text ~ server_option* }`.
    fn app_server(&mut self) -> bool {
        self.rule(Rule::app_server, |p| {
            let server = match p.word() {
                b"gunicorn" => p.keyword(Rule::kw_gunicorn, "gunicorn"),
                b"uvicorn" => p.keyword(Rule::kw_uvicorn, "uvicorn"),
                b"daphne" => p.keyword(Rule::kw_daphne, "daphne"),
                _ => false,
            };
            server
                && p.skip()
                && p.text()
                && p.skip()
                && p.repeat(|p| match p.word() {
                    b"bind" => p.statement(Rule::server_bind, Rule::kw_bind, "bind", Self::port),
                    b"workers" => p.statement(Rule::server_workers, Rule::kw_workers, "workers", Self::integer),
                    b"timeout" => p.statement(Rule::server_timeout, Rule::kw_timeout, "timeout", Self::duration),
                    b"graceful_timeout" => p.statement(
                        Rule::server_graceful,
                        Rule::kw_graceful_timeout,
                        "graceful_timeout",
                        Self::duration,
                    ),
                    b"worker" => p.statement(Rule::server_worker, Rule::kw_worker, "worker", Self::text),
                    b"config" => p.statement(Rule::server_config, Rule::kw_config, "config", Self::text),
                    _ => false,
                })
        })
    }

    /// `argv = { text_list | text }`.
    fn argv(&mut self) -> bool {
        self.rule(Rule::argv, |p| {
            p.rule(Rule::text_list, |p| {
                p.literal("[")
                    && p.skip()
                    && p.optional(|p| p.text() && p.skip() && p.repeat(|p| p.literal(",") && p.skip() && p.text()))
                    && p.skip()
                    && p.literal("]")
            }) || p.text()
        })
    }

    fn env(&mut self) -> bool {
        self.statement(Rule::env, Rule::kw_env, "env", |p| {
            p.block(|p| {
                p.rule(Rule::env_var, |p| {
                    p.env_key() && p.skip() && p.literal("=") && p.skip() && p.text()
                })
            })
        })
    }

    fn env_file(&mut self) -> bool {
        self.statement(Rule::env_file, Rule::kw_env_file, "env_file", |p| {
            p.text() && p.skip() && p.optional(|p| p.keyword(Rule::kw_optional, "optional"))
        })
    }

    fn secret_ref(&mut self) -> bool {
        self.statement(Rule::secret_ref, Rule::kw_secret, "secret", |p| {
            p.env_name() && p.skip() && p.literal("=") && p.skip() && p.name()
        })
    }

    fn secret_mount(&mut self) -> bool {
        self.statement(Rule::secret_mount, Rule::kw_secret, "secret", |p| {
            p.name() && p.skip() && p.optional(|p| p.keyword(Rule::kw_at, "at") && p.skip() && p.text())
        })
    }

    fn mount(&mut self) -> bool {
        self.statement(Rule::mount, Rule::kw_mount, "mount", |p| {
            p.rule(Rule::mount_source, |p| {
                p.keyword(Rule::kw_anonymous, "anonymous")
                    || p.rule(Rule::host_path, |p| p.string() || p.host_bare())
                    || p.name()
            }) && p.skip()
                && p.keyword(Rule::kw_at, "at")
                && p.skip()
                && p.text()
                && p.skip()
                && p.repeat(|p| {
                    p.rule(Rule::read_only, |p| {
                        p.keyword(Rule::kw_readonly, "readonly") || p.keyword(Rule::kw_ro, "ro")
                    }) || p.statement(Rule::relabel, Rule::kw_relabel, "relabel", |p| {
                        p.keyword(Rule::kw_shared, "shared") || p.keyword(Rule::kw_private, "private")
                    })
                })
        })
    }

    fn host_bare(&mut self) -> bool {
        self.atom(Rule::host_bare, |p| {
            p.byte(|b| matches!(b, b'.' | b'/' | b'~')) && {
                p.bytes_while(is_host_path_char);
                true
            }
        })
    }

    fn publish(&mut self) -> bool {
        self.statement(Rule::publish, Rule::kw_publish, "publish", |p| {
            p.rule(Rule::host_port, |p| {
                p.optional(|p| p.host_ip() && p.literal(":")) && p.port()
            }) && p.skip()
                && p.literal("->")
                && p.skip()
                && p.container_port()
        })
    }

    /// `container_port = ${ port ~ ("/" ~ protocol)? }`.
    fn container_port(&mut self) -> bool {
        self.rule(Rule::container_port, |p| {
            p.port() && p.optional(|p| p.literal("/") && p.protocol())
        })
    }

    /// `protocol = @{ ("tcp" | "udp" | "sctp") ~ !name_char }`.
    fn protocol(&mut self) -> bool {
        self.atom(Rule::protocol, |p| {
            (p.literal("tcp") || p.literal("udp") || p.literal("sctp")) && p.word_ends()
        })
    }

    /// `host_ip = @{ ASCII_DIGIT{1,3} ~ ("." ~ ASCII_DIGIT{1,3}){3} |
    /// "[" ~ (ASCII_HEX_DIGIT | ":" | ".")+ ~ "]" }`.
    fn host_ip(&mut self) -> bool {
        fn one_to_three_digits(p: &mut Parser) -> bool {
            p.byte(|b| b.is_ascii_digit()) && {
                p.byte(|b| b.is_ascii_digit());
                p.byte(|b| b.is_ascii_digit());
                true
            }
        }
        self.atom(Rule::host_ip, |p| {
            p.attempt(|p| (0..4).all(|i| (i == 0 || p.literal(".")) && one_to_three_digits(p)))
                || p.literal("[")
                    && p.bytes_while(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') > 0
                    && p.literal("]")
        })
    }

    fn ready(&mut self) -> bool {
        self.statement(Rule::ready, Rule::kw_ready, "ready", |p| {
            if p.word() == b"off" {
                return p.keyword(Rule::kw_off, "off");
            }
            let probe = match p.word() {
                b"cmd" => p.statement(Rule::probe_cmd, Rule::kw_cmd, "cmd", Self::argv),
                b"tcp" => p.statement(Rule::probe_tcp, Rule::kw_tcp, "tcp", Self::port),
                b"http" => p.statement(Rule::probe_http, Rule::kw_http, "http", |p| {
                    p.text() && p.skip() && p.optional(|p| p.keyword(Rule::kw_port, "port") && p.skip() && p.port())
                }),
                _ => false,
            };
            probe
                && p.skip()
                && p.repeat(|p| match p.word() {
                    b"every" => p.statement(Rule::every, Rule::kw_every, "every", Self::duration),
                    b"timeout" => p.statement(Rule::timeout, Rule::kw_timeout, "timeout", Self::duration),
                    b"retries" => p.statement(Rule::retries, Rule::kw_retries, "retries", Self::integer),
                    b"start" => p.statement(Rule::start, Rule::kw_start, "start", Self::duration),
                    b"start_every" => {
                        p.statement(Rule::start_every, Rule::kw_start_every, "start_every", Self::duration)
                    }
                    _ => false,
                })
        })
    }

    // ------------------------------------------------------------ runtime

    fn runtime_item(&mut self) -> bool {
        match self.word() {
            b"restart" => self.statement(Rule::restart, Rule::kw_restart, "restart", |p| {
                p.rule(Rule::restart_policy, |p| match p.word() {
                    b"no" => p.keyword(Rule::kw_no, "no"),
                    b"always" => p.keyword(Rule::kw_always, "always"),
                    b"unless-stopped" => p.keyword(Rule::kw_unless_stopped, "unless-stopped"),
                    b"on-failure" => p.statement(Rule::on_failure, Rule::kw_on_failure, "on-failure", |p| {
                        p.optional(Self::integer)
                    }),
                    _ => false,
                })
            }),
            b"limits" => self.statement(Rule::limits, Rule::kw_limits, "limits", |p| {
                p.repeat1(Self::limit) || p.block(Self::limit)
            }),
            b"stop_grace_period" => self.statement(
                Rule::stop_grace_period,
                Rule::kw_stop_grace_period,
                "stop_grace_period",
                Self::duration,
            ),
            b"shm_size" => self.statement(Rule::shm_size, Rule::kw_shm_size, "shm_size", Self::size),
            b"networks" => self.statement(Rule::networks, Rule::kw_networks, "networks", |p| {
                p.name() && p.skip() && p.repeat(|p| p.literal(",") && p.skip() && p.name())
            }),
            b"entrypoint" => self.statement(Rule::entrypoint, Rule::kw_entrypoint, "entrypoint", Self::argv),
            b"workdir" => self.workdir(),
            b"hostname" => self.statement(Rule::hostname, Rule::kw_hostname, "hostname", Self::text),
            b"container_name" => self.statement(
                Rule::container_name,
                Rule::kw_container_name,
                "container_name",
                Self::text,
            ),
            b"labels" => self.statement(Rule::labels, Rule::kw_labels, "labels", |p| {
                p.block(|p| {
                    p.rule(Rule::label, |p| {
                        p.atom(Rule::label_key, |p| {
                            p.byte(|b| b.is_ascii_alphanumeric()) && {
                                p.bytes_while(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b));
                                true
                            }
                        }) && p.skip()
                            && p.literal("=")
                            && p.skip()
                            && p.text()
                    })
                })
            }),
            b"stop_signal" => self.statement(Rule::stop_signal, Rule::kw_stop_signal, "stop_signal", Self::text),
            b"user" => self.statement(Rule::container_user, Rule::kw_user, "user", Self::text),
            b"hardening" => self.statement(Rule::hardening, Rule::kw_hardening, "hardening", |p| {
                p.keyword(Rule::kw_off, "off")
            }),
            b"compose" => self.statement(Rule::compose, Rule::kw_compose, "compose", |p| {
                p.atom(Rule::compose_key, |p| {
                    p.byte(|b| b.is_ascii_alphabetic()) && {
                        p.bytes_while(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                        true
                    }
                }) && p.skip()
                    && p.literal("=")
                    && p.skip()
                    && p.text()
            }),
            _ => false,
        }
    }

    fn workdir(&mut self) -> bool {
        self.statement(Rule::workdir, Rule::kw_workdir, "workdir", Self::text)
    }

    fn limit(&mut self) -> bool {
        match self.word() {
            b"memory" => self.statement(Rule::limit_memory, Rule::kw_memory, "memory", Self::size),
            b"cpus" => self.statement(Rule::limit_cpus, Rule::kw_cpus, "cpus", Self::cpus),
            b"pids" => self.statement(Rule::limit_pids, Rule::kw_pids, "pids", Self::integer),
            _ => false,
        }
    }

    fn after(&mut self) -> bool {
        self.statement(Rule::after, Rule::kw_after, "after", |p| {
            p.dependency() && p.skip() && p.repeat(|p| p.literal(",") && p.skip() && p.dependency())
        })
    }

    /// `dependency = { name ~ condition? ~ (kw_optional | kw_restart)* }`.
    fn dependency(&mut self) -> bool {
        self.rule(Rule::dependency, |p| {
            p.name()
                && p.skip()
                && p.optional(|p| {
                    p.rule(Rule::condition, |p| match p.word() {
                        b"ready" => p.keyword(Rule::kw_ready, "ready"),
                        b"done" => p.keyword(Rule::kw_done, "done"),
                        b"started" => p.keyword(Rule::kw_started, "started"),
                        _ => false,
                    })
                })
                && p.skip()
                && p.repeat(|p| p.keyword(Rule::kw_optional, "optional") || p.keyword(Rule::kw_restart, "restart"))
        })
    }

    // ------------------------------------------------------------ the proxy

    fn proxy_item(&mut self) -> bool {
        match self.word() {
            b"image" => self.image(),
            b"publish" => self.publish(),
            b"mount" => self.mount(),
            b"server" => self.statement(Rule::server, Rule::kw_server, "server", |p| p.block(Self::server_item)),
            b"upstream" => self.statement(Rule::upstream, Rule::kw_upstream, "upstream", |p| {
                p.name() && p.skip() && p.block(Self::upstream_item)
            }),
            b"ready" => self.ready(),
            b"after" => self.after(),
            // `raw_nginx_http`, tried before the server's `raw_nginx`.
            b"nginx" => {
                self.statement(Rule::raw_nginx_http, Rule::kw_nginx, "nginx", |p| {
                    p.keyword(Rule::kw_http, "http") && p.skip() && p.text()
                }) || self.server_item()
            }
            _ => self.server_item() || self.runtime_item(),
        }
    }

    fn server_item(&mut self) -> bool {
        match self.word() {
            b"listen" => self.statement(Rule::listen, Rule::kw_listen, "listen", |p| {
                p.port() && p.skip() && p.optional(|p| p.keyword(Rule::kw_tls, "tls"))
            }),
            b"server_name" => self.statement(Rule::server_name, Rule::kw_server_name, "server_name", |p| {
                p.repeat1(Self::text)
            }),
            b"tls" => self.statement(Rule::tls, Rule::kw_tls, "tls", |p| {
                p.keyword(Rule::kw_certificate, "certificate")
                    && p.skip()
                    && p.name()
                    && p.skip()
                    && p.keyword(Rule::kw_key, "key")
                    && p.skip()
                    && p.name()
            }),
            b"redirect" => self.statement(Rule::redirect, Rule::kw_redirect, "redirect", |p| {
                p.keyword(Rule::kw_to, "to") && p.skip() && p.keyword(Rule::kw_https, "https")
            }),
            b"location" => self.location(),
            _ => self.setting(),
        }
    }

    fn upstream_item(&mut self) -> bool {
        match self.word() {
            b"nginx" => self.statement(Rule::raw_nginx, Rule::kw_nginx, "nginx", Self::text),
            _ => self.upstream_server(),
        }
    }

    fn upstream_server(&mut self) -> bool {
        self.statement(Rule::upstream_server, Rule::kw_server, "server", |p| {
            p.rule(Rule::server_address, |p| p.name() && p.literal(":") && p.port())
                && p.skip()
                && p.optional(|p| p.keyword(Rule::kw_weight, "weight") && p.skip() && p.integer())
        })
    }

    fn location(&mut self) -> bool {
        self.statement(Rule::location, Rule::kw_location, "location", |p| {
            let named = |p: &mut Self| p.rule(Rule::location_name, |p| p.literal("@") && p.location_label());
            let modifier = |p: &mut Self| {
                let modifiers = ["=", "^~", "~*", "~"];
                p.rule(Rule::location_modifier, |p| modifiers.iter().any(|m| p.literal(m)))
            };
            (named(p) || (p.optional(modifier) && p.skip() && p.text())) && p.skip() && p.block(Self::location_item)
        })
    }

    fn location_item(&mut self) -> bool {
        match self.word() {
            b"proxy_pass" => self.statement(Rule::proxy_pass, Rule::kw_proxy_pass, "proxy_pass", |p| {
                p.name() && p.skip() && p.optional(Self::text)
            }),
            b"alias" => self.statement(Rule::alias, Rule::kw_alias, "alias", |p| {
                p.name() && p.skip() && p.optional(Self::text)
            }),
            b"return" => self.statement(Rule::return_action, Rule::kw_return, "return", |p| {
                p.integer() && p.skip() && p.optional(Self::text)
            }),
            b"websocket" => self.rule(Rule::websocket, |p| p.keyword(Rule::kw_websocket, "websocket")),
            _ => self.setting(),
        }
    }

    fn setting(&mut self) -> bool {
        match self.word() {
            b"client_max_body_size" => self.statement(
                Rule::client_max_body_size,
                Rule::kw_client_max_body_size,
                "client_max_body_size",
                Self::size,
            ),
            b"proxy_read_timeout" => self.proxy_timeout(Rule::kw_proxy_read_timeout, "proxy_read_timeout"),
            b"proxy_connect_timeout" => self.proxy_timeout(Rule::kw_proxy_connect_timeout, "proxy_connect_timeout"),
            b"proxy_send_timeout" => self.proxy_timeout(Rule::kw_proxy_send_timeout, "proxy_send_timeout"),
            b"add_header" => self.statement(Rule::add_header, Rule::kw_add_header, "add_header", |p| {
                p.text() && p.skip() && p.text()
            }),
            b"proxy_set_header" => self.statement(
                Rule::proxy_set_header,
                Rule::kw_proxy_set_header,
                "proxy_set_header",
                |p| p.text() && p.skip() && p.text(),
            ),
            b"nginx" => self.statement(Rule::raw_nginx, Rule::kw_nginx, "nginx", Self::text),
            _ => false,
        }
    }

    /// `proxy_timeout = { (kw_proxy_read_timeout | ...) ~ duration }`.
    fn proxy_timeout(&mut self, keyword: Rule, word: &str) -> bool {
        self.statement(Rule::proxy_timeout, keyword, word, Self::duration)
    }

    // ------------------------------------------------------------ literals

    fn name(&mut self) -> bool {
        self.atom(Rule::name, |p| {
            p.byte(|b| b.is_ascii_alphabetic()) && {
                p.bytes_while(is_name_char);
                true
            }
        })
    }

    /// A stack's name: a compose project's, a digit first too (`2fauth`).
    fn stack_name(&mut self) -> bool {
        self.atom(Rule::stack_name, |p| {
            p.byte(|b| b.is_ascii_alphanumeric()) && {
                p.bytes_while(is_name_char);
                true
            }
        })
    }

    /// A named location's word: any of a name's characters, a digit first
    /// too (`@404`).
    fn location_label(&mut self) -> bool {
        self.atom(Rule::location_label, |p| {
            p.byte(is_name_char) && {
                p.bytes_while(is_name_char);
                true
            }
        })
    }

    fn env_name(&mut self) -> bool {
        self.atom(Rule::env_name, |p| {
            p.byte(|b| b.is_ascii_alphabetic() || b == b'_') && {
                p.bytes_while(|b| b.is_ascii_alphanumeric() || b == b'_');
                true
            }
        })
    }

    fn env_key(&mut self) -> bool {
        self.atom(Rule::env_key, |p| {
            p.byte(|b| b.is_ascii_alphabetic() || b == b'_') && {
                p.bytes_while(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
                true
            }
        })
    }

    fn digits(&mut self) -> bool {
        self.bytes_while(|b| b.is_ascii_digit()) > 0
    }

    fn integer(&mut self) -> bool {
        self.atom(Rule::integer, Self::digits)
    }

    fn port(&mut self) -> bool {
        self.atom(Rule::port, Self::digits)
    }

    /// `ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+){1,2}`.
    fn version(&mut self) -> bool {
        self.atom(Rule::version, |p| {
            p.digits() && p.attempt(|p| p.literal(".") && p.digits()) && p.optional(|p| p.literal(".") && p.digits())
        })
    }

    /// The `!name_char` that ends a number with a unit.
    fn word_ends(&self) -> bool {
        !self.peek().is_some_and(is_name_char)
    }

    fn cpus(&mut self) -> bool {
        self.atom(Rule::cpus, |p| {
            p.digits() && p.optional(|p| p.literal(".") && p.digits()) && p.word_ends()
        })
    }

    /// `(ASCII_DIGIT+ ~ ("ms" | "s" | "m" | "h"))+ ~ !name_char`.
    fn duration(&mut self) -> bool {
        fn part(p: &mut Parser) -> bool {
            p.attempt(|p| p.digits() && (p.literal("ms") || p.byte(|b| matches!(b, b's' | b'm' | b'h'))))
        }
        self.atom(Rule::duration, |p| {
            part(p) && {
                while part(p) {}
                p.word_ends()
            }
        })
    }

    fn size(&mut self) -> bool {
        self.atom(Rule::size, |p| {
            p.digits() && {
                // Kubernetes' `Gi` is the same 1024-based unit.
                if p.byte(|b| b"kKmMgG".contains(&b)) {
                    p.byte(|b| b == b'i');
                }
                p.word_ends()
            }
        })
    }

    /// `text = { string | bare }`.
    fn text(&mut self) -> bool {
        self.rule(Rule::text, |p| {
            p.string() || p.atom(Rule::bare, |p| p.bytes_while(is_bare_char) > 0)
        })
    }

    /// `string = ${ "\"" ~ (raw_chars | escape)* ~ "\"" }`.
    fn string(&mut self) -> bool {
        self.rule(Rule::string, |p| {
            p.literal("\"")
                && {
                    loop {
                        let raw = p.atom(Rule::raw_chars, |p| {
                            p.bytes_while(|b| !matches!(b, b'"' | b'\\' | b'\n' | b'\r')) > 0
                        });
                        if !raw && !p.escape() {
                            break true;
                        }
                    }
                }
                && p.literal("\"")
        })
    }

    /// `escape = @{ "\\" ~ ("\"" | "\\" | "n" | "t" | "r" | "u{" ~ ASCII_HEX_DIGIT{1,6} ~ "}") }`.
    fn escape(&mut self) -> bool {
        self.atom(Rule::escape, |p| {
            p.literal("\\")
                && (p.byte(|b| matches!(b, b'"' | b'\\' | b'n' | b't' | b'r'))
                    || p.literal("u{")
                        && {
                            let start = p.pos;
                            while p.pos - start < 6 && p.byte(|b| b.is_ascii_hexdigit()) {}
                            p.pos > start
                        }
                        && p.literal("}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pest::Parser as _;
    use std::path::{Path, PathBuf};

    /// pest's tree of `text`; `None` for a syntax error.
    fn pest_tree(text: &str) -> Option<Tree<'_>> {
        let pairs = super::super::grammar::StackParser::parse(Rule::file, text).ok()?;
        Some(Tree::from_pest(text, pairs))
    }

    /// Takes each item's rule and text, and panics at the item `panic_at`.
    struct Recorder {
        items: Vec<(Rule, String)>,
        panic_at: Option<usize>,
    }

    impl Items for Recorder {
        fn item(&mut self, item: Pair<'_>) {
            assert_ne!(Some(self.items.len()), self.panic_at, "item {}", self.items.len());
            self.items.push((item.as_rule(), item.as_str().to_string()));
        }
    }

    /// Handed over beside the parse, every item comes as it does in turn,
    /// one larger than a batch too; a lowering that panics stops the
    /// stream with its panic (no hang, no lost message), wherever it is.
    #[test]
    fn items_handed_beside_the_parse_are_the_items_in_turn() {
        let env: String = (0..3000).map(|n| format!("        V{n} = \"{n}\"\n")).collect();
        let mut text = format!("stack s\nservice big {{\n    env {{\n{env}    }}\n}}\n");
        text.extend((0..2000).map(|n| format!("volume v{n}\n")));
        for text in [text.as_str(), "", "stack s\n"] {
            let recorder = || Recorder {
                items: Vec::new(),
                panic_at: None,
            };
            let (mut one, mut two) = (recorder(), recorder());
            assert!(stream(text, &mut one));
            assert!(stream_beside(text, &mut two));
            assert_eq!(one.items, two.items);
        }
        for panic_at in [0, 1, 700, 2000] {
            let mut panicking = Recorder {
                items: Vec::new(),
                panic_at: Some(panic_at),
            };
            let stopped =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| stream_beside(&text, &mut panicking)));
            let message = *stopped.unwrap_err().downcast::<String>().unwrap();
            assert!(message.contains(&format!("item {panic_at}")), "{message}");
        }
    }

    /// Both parsers accept `text` with the same tree, or both refuse it.
    fn assert_agree(text: &str, from: &str) {
        match (parse(text), pest_tree(text)) {
            (Some(fast), Some(pest)) => assert!(fast == pest, "{from}: trees differ\nfast:\n{fast:?}\npest:\n{pest:?}"),
            (Some(_), None) => panic!("{from}: accepted, but pest finds a syntax error:\n{text}"),
            (None, Some(_)) => panic!("{from}: declined, but pest parses it:\n{text}"),
            (None, None) => {}
        }
    }

    fn files_below(folder: &Path, wanted: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(folder) else { return };
        for path in entries.map(|e| e.unwrap().path()) {
            if path.is_dir() {
                files_below(&path, wanted, out);
            } else if wanted(&path) {
                out.push(path);
            }
        }
    }

    /// Every spec of the repository, and every code block of the docs.
    fn repository_texts() -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = Vec::new();
        let is_spec = |p: &Path| p.extension().is_some_and(|e| e == "spec");
        for folder in ["specs", "tests", "fuzz"] {
            files_below(&root.join(folder), &is_spec, &mut paths);
        }
        let mut texts: Vec<(String, String)> = paths
            .iter()
            .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(p).ok()?)))
            .collect();
        let is_markdown = |p: &Path| p.extension().is_some_and(|e| e == "md");
        let mut docs = vec![root.join("README.md")];
        files_below(&root.join("docs"), &is_markdown, &mut docs);
        for doc in docs {
            let text = std::fs::read_to_string(&doc).unwrap();
            for (i, block) in text.split("```").skip(1).step_by(2).enumerate() {
                let body = block.split_once('\n').map_or("", |(_, body)| body);
                texts.push((format!("{} block {i}", doc.display()), body.to_string()));
            }
        }
        texts
    }

    #[test]
    fn every_spec_of_the_repository_parses_as_pest_parses_it() {
        let texts = repository_texts();
        assert!(texts.len() > 100, "found only {} texts", texts.len());
        for (from, text) in &texts {
            assert_agree(text, from);
        }
    }

    #[test]
    fn line_ends_comments_and_blanks_move_spans_as_in_pest() {
        for (from, text) in repository_texts().iter().filter(|(f, _)| f.contains("specs/")) {
            let variants = [
                text.replace('\n', "\r\n"),
                text.replace('\n', "\r"),
                format!("\u{FEFF}  \n{text}"),
                text.replace('\n', "  # note\n"),
                text.replace('\n', " \t\n\n"),
                text.replace("    ", "\t"),
                text.trim_end().to_string(),
            ];
            for (i, variant) in variants.iter().enumerate() {
                assert_agree(variant, &format!("{from} variant {i}"));
            }
            // Each line left out: mostly still specs, some not.
            let lines: Vec<&str> = text.lines().collect();
            for skipped in 0..lines.len() {
                let rest: Vec<&str> = (lines.iter().enumerate())
                    .filter(|&(i, _)| i != skipped)
                    .map(|(_, l)| *l)
                    .collect();
                assert_agree(&rest.join("\n"), &format!("{from} without line {}", skipped + 1));
            }
        }
    }

    #[test]
    fn choices_and_optional_parts_as_in_pest() {
        let statements = [
            "image of web",
            "image of",
            "image \"of\"",
            "image of web extra",
            "secret A = b",
            "secret b",
            "secret b at /x",
            "secret b at",
            "limits memory 1G cpus 1.5 pids 10",
            "limits {\n memory 1G\n\n cpus 2\n}",
            "limits",
            "restart on-failure",
            "restart on-failure 3",
            "restart no",
            "restart never",
            "mount anonymous at /x ro relabel shared",
            "mount ./data at /x readonly",
            "mount \"/a b\" at /x",
            "mount data at /x relabel",
            "publish 127.0.0.1:80 -> 8",
            "publish [::1]:80 -> 8",
            "publish 1234.5.6.7:80 -> 8",
            "publish 80->8",
            "publish 53 -> 53/udp",
            "publish 0.0.0.0:53->53/tcp",
            "publish 5000 -> 5000/sctp",
            "publish 53 -> 53/udpx",
            "publish 53 -> 53/UDP",
            "publish 53 -> 53 /udp",
            "publish 53 -> 53/",
            "publish 53/udp -> 53",
            "publish 53 -> 53/udp#c",
            "publish 53 -> 53/udp  # DNS",
            "publish 53 -> 53/udp-x",
            "publish 53 -> 53/tc",
            "publish 53 -> 53/sctpx",
            "ready http /h port 8 every 1m30s timeout 5ms retries 3 start 2h",
            "ready tcp 8 every 5min",
            "ready tcp 8 start 30s start_every 1s every 30s",
            "ready tcp 8 start_every",
            "ready tcp 8 start_everyx 1s",
            "ready cmd [\"a\", \"b\" , \"c\"]",
            "ready cmd []",
            "ready off",
            "ready off every 5s",
            "ready offx",
            "env_file .env optional",
            "env_file \"local.env\" optional  # why",
            "env_file .env optional optional",
            "env_file .env optionalx",
            "command \"a \\\"b\\\" \\u{1F600} \\n\"",
            "command \"\\u{1234567}\"",
            "command \"unterminated",
            "after a, b ready optional restart, c done  # why",
            "after a ,b",
            "after",
            "gunicorn a:b bind 8 workers 3 timeout 30s graceful_timeout 1m",
            "gunicorn a:b bind",
            "uvicorn a:b worker uvicorn.workers.UvicornWorker config gunicorn.conf.py",
            "daphne a:b bind 8 workers",
            "build ./app {\n python 3.12-slim-bookworm\n uv 0.5.1\n poetry\n packages {\n  libpq5 = 15.1\n }\n build_packages gcc make\n workdir /src\n manage src/manage.py\n dockerfile before_install \"RUN x\"\n dockerfile as_user \"RUN y\"\n dockerfile \"RUN z\"\n ignore *.pyc .git\n}",
            "build ./app {\n python 3.12-\n}",
            "build ./app {\n packages\n}",
            "build ./app {\n packages { a = 1 }\n}",
            "build ./app {\n dockerfile as_user\n}",
            "user 1000:1000",
            "user",
            "hardening off",
            "hardening on",
            "build ./app",
            "build ./app {\n python 3.12.1\n requirements r.txt\n collectstatic to /s\n user app uid 10\n}",
            "build ./app {\n python 3\n}",
            "build ./app {\n python 3.12.x\n}",
            "build . {\n file Dockerfile\n target web\n arg A_1 = \"x\"\n}",
            "shm_size 256M",
            "shm_size 256Mb",
            "shm_size 256Mi",
            "shm_size 256i",
            "labels {\n a.b/c-d_e = x\n}",
            "compose logging = \"{driver: local}\"",
            "networks a, b,c",
            "env {\n A = 1  # one\n _B = \"two\"\n}",
            "env { A = 1 }",
            "env {}",
            "stop_grace_period 1m30s",
            "expose 80, 443",
            "expose 53/udp, 53/tcp,80",
            "expose 53/udp/tcp",
            "replicas 2",
            "container_name x",
        ];
        for statement in statements {
            for kind in ["service", "job"] {
                let text = format!("stack s\n{kind} a {{\n    {statement}\n}}\n");
                assert_agree(&text, statement);
                let text = format!("stack s\n{kind} a {{ {statement} }}");
                assert_agree(&text, statement);
            }
        }
        let proxy_statements = [
            "listen 443 tls",
            "listen 80",
            "server_name a.example.com b \"c\"",
            "server_name",
            "tls certificate c key k",
            "redirect to https",
            "upstream u {\n server web:8000 weight 2\n server w:1\n}",
            "upstream u { server web: 8000 }",
            "location = /x {\n return 301 https://x/\n}",
            "location /a/ {\n proxy_pass u /\n websocket\n proxy_read_timeout 5s\n add_header X \"y\"\n}",
            "location /s/ { alias static }",
            "location ^~ /s/ { alias static }",
            "location ~ \"\\\\.php$\" {\n nginx \"fastcgi_pass php:9000\"\n}",
            "location ~* \"\\\\.(css|js)$\" { return 404 }",
            "location ~*\"x\" { return 404 }",
            "location ~ /bare/ { return 404 }",
            "location @app { proxy_pass u }",
            "location @ app { proxy_pass u }",
            "location @1 { return 404 }",
            "location =/x { return 404 }",
            "location ^ /x { return 404 }",
            "client_max_body_size 10m",
            "proxy_set_header Host $host",
            "nginx \"gzip on\"",
            "server {\n listen 8080\n location / { return 200 ok }\n}",
            "image nginx:1.30",
            "after web ready",
            "ready tcp 80",
        ];
        for statement in proxy_statements {
            let text = format!("stack s\nproxy p {{\n    {statement}\n}}\n");
            assert_agree(&text, statement);
        }
        // Every kind of location is read here, not left to pest.
        for location in [
            "location ^~ /s/ { alias s }",
            "location ~* \"a\" { return 404 }",
            "location @app { return 404 }",
        ] {
            assert!(
                parse(&format!("stack s\nproxy p {{\n    {location}\n}}\n")).is_some(),
                "{location}"
            );
        }
        for text in [
            "",
            "\u{FEFF}",
            "stack s",
            "stack s\nvolume v\nnetwork n internal\nnetwork m  # c\nsecret a file \"x\"\nsecret b env B_1",
            "stack s\nnetwork n internalx",
            "stack s\nnetwork proxy external name traefik_proxy\nnetwork b driver overlay internal name \"b.net\"",
            "stack s\nnetwork n name",
            "stack s\nnetwork n driver \"bridge\"",
            "stack s\nnetwork n external external",
            "stack s\r\n\r\n  # only a comment\r\nvolume v",
            "stack s volume v",
            "stack s\nservice a {\n}\n}",
            "stack s\nservice a {\n  image x\n",
            "stack s\nservicex a {}",
            "stack s\n\0",
        ] {
            assert_agree(text, text);
        }
    }
}
