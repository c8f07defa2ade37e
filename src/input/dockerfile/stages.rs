//! Each stage's facts, dispatching its instructions as BuildKit does: a
//! stage built FROM another starts with that stage's facts; ENV values
//! are expanded with the env before the instruction; ENTRYPOINT drops a
//! CMD the stage did not set itself; the last CMD, ENTRYPOINT, USER and
//! HEALTHCHECK win; WORKDIR and COPY destinations join the WORKDIR.

use std::collections::HashMap;

use super::expand::{self, Budget, Expanded, Lookup};
use super::facts::{
    ArgVar, Base, Command, CopyFact, EnvVar, Form, Healthcheck, HealthcheckOptions, Resolved, Stage, StageFacts,
};
use super::instruction::fields;
use super::values::{clean_path, go_duration, parse_port};
use super::{Args, Instruction, Keyword, Problem};
use crate::ir::ImageRef;
use crate::source::{Span, Spanned};

pub(super) struct Built {
    pub global_args: Vec<ArgVar>,
    pub stages: Vec<Stage>,
}

/// BuildKit sets these for every build; FROM lines may use them without
/// an ARG, and their values depend on the machine.
const AUTOMATIC_ARGS: [&str; 8] = [
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
];

pub(super) fn build(
    instructions: &[Instruction],
    escape: char,
    text_len: usize,
    build_args: HashMap<String, String>,
    problems: &mut Vec<Problem>,
) -> Built {
    let mut builder = Builder {
        escape,
        build_args,
        budget: Budget(text_len.saturating_mul(4).saturating_add(1 << 20)),
        global_args: Vec::new(),
        global_index: HashMap::new(),
        stages: Vec::new(),
        weights: Vec::new(),
        stage_index: HashMap::new(),
        problems,
    };
    let mut current: Option<StageBuilder> = None;
    for (at, instruction) in instructions.iter().enumerate() {
        if instruction.keyword == Keyword::From {
            if let Some(stage) = current.take() {
                builder.finish(stage, at);
            }
            current = Some(builder.start(at, instruction));
            continue;
        }
        match current.as_mut() {
            Some(stage) => stage.apply(at, instruction, &mut builder),
            None if instruction.keyword == Keyword::Arg => builder.global_arg(instruction),
            None if matches!(instruction.keyword, Keyword::Other(_)) => {}
            None => builder.problems.push(Problem::new(
                instruction.span,
                format!(
                    "{} before the first FROM: only ARG may come before it",
                    instruction.keyword
                ),
            )),
        }
    }
    if let Some(stage) = current.take() {
        builder.finish(stage, instructions.len());
    }
    if builder.stages.is_empty() {
        let span = instructions
            .first()
            .map_or(Span::default(), |i| Span::empty(i.span.start()));
        builder.problems.push(Problem::new(
            span,
            "no FROM: a Dockerfile's first stage starts with FROM",
        ));
    }
    Built {
        global_args: builder.global_args,
        stages: builder.stages,
    }
}

/// `FROM image AS name`: the name.
fn stage_name(from: &Instruction) -> Option<Spanned<String>> {
    let mut words = from.words();
    let named = words.len() == 3 && words[1].eq_ignore_ascii_case("as");
    named.then(|| words.swap_remove(2))
}

struct Builder<'p> {
    escape: char,
    /// `--build-arg`s: they replace the default of the ARG they name.
    build_args: HashMap<String, String>,
    budget: Budget,
    global_args: Vec<ArgVar>,
    global_index: HashMap<String, usize>,
    stages: Vec<Stage>,
    /// [`StageFacts::weight`] of each stage.
    weights: Vec<usize>,
    /// The stages so far by lowercase name.
    stage_index: HashMap<String, usize>,
    problems: &'p mut Vec<Problem>,
}

impl Builder<'_> {
    fn global_lookup(&self, name: &str) -> Lookup<'_> {
        match self.global_index.get(name) {
            Some(&i) => lookup_of(&self.global_args[i].value),
            None if AUTOMATIC_ARGS.contains(&name) => Lookup::Unknown,
            None => Lookup::Unset,
        }
    }

    /// Expands a word where only the ARGs before the first FROM are seen.
    fn expand_global(&mut self, word: &Spanned<String>) -> Resolved<String> {
        let mut budget = Budget(self.budget.0);
        let expanded = expand::expand(&word.value, self.escape, &|name| self.global_lookup(name), &mut budget);
        self.budget = budget;
        self.settle(word, expanded)
    }

    /// Turns an expansion into a fact, reporting an error.
    fn settle(&mut self, word: &Spanned<String>, expanded: Expanded) -> Resolved<String> {
        match expanded {
            Expanded::Known(text) => Resolved::Known(text),
            Expanded::Unknown => Resolved::Unknown(word.value.clone()),
            Expanded::Error(message) => {
                self.problems.push(Problem::new(word.span, message));
                Resolved::Unknown(word.value.clone())
            }
        }
    }

    /// The `--build-arg` for an ARG.
    fn build_arg(&self, name: &str) -> Option<Resolved<String>> {
        self.build_args.get(name).map(|value| Resolved::Known(value.clone()))
    }

    fn global_arg(&mut self, instruction: &Instruction) {
        for (name, default) in arg_words(instruction) {
            let value = match (self.build_arg(&name), &default) {
                (Some(value), _) => value,
                (None, Some(default)) => self.expand_global(default),
                (None, None) => Resolved::Unknown(name.value.clone()),
            };
            self.global_index.insert(name.value.clone(), self.global_args.len());
            self.global_args.push(ArgVar { name, default, value });
        }
    }

    fn start(&mut self, at: usize, from: &Instruction) -> StageBuilder {
        let index = self.stages.len();
        let words = from.words();
        let base = match words.first() {
            Some(image) => self.base(image),
            None => Base::Unknown(Spanned::new(String::new(), from.args.span())),
        };
        let facts = match &base {
            Base::Scratch => StageFacts {
                from_scratch: true,
                ..StageFacts::default()
            },
            Base::Stage(i) => self.inherit(*i, from.span),
            Base::Image(_) | Base::Unknown(_) => StageFacts::default(),
        };
        let name = stage_name(from);
        if let Some(name) = &name {
            self.check_name(name);
        }
        let platform = from
            .flag("platform")
            .and_then(|f| Some(Spanned::new(f.value.clone()?, f.span)));
        StageBuilder {
            env_index: facts
                .env
                .iter()
                .enumerate()
                .map(|(i, v)| (v.name.value.clone(), i))
                .collect(),
            arg_index: HashMap::new(),
            cmd_set: false,
            stage: Stage {
                index,
                name,
                base,
                platform,
                from_span: from.span,
                instructions: at..at,
                facts,
            },
        }
    }

    fn base(&mut self, image: &Spanned<String>) -> Base {
        let text = match self.expand_global(image) {
            Resolved::Known(text) => text,
            Resolved::Unknown(_) => return Base::Unknown(image.clone()),
        };
        if text == "scratch" {
            return Base::Scratch;
        }
        // Only an earlier stage: `FROM python AS python` names the image.
        match self.stage_index.get(&text.to_ascii_lowercase()) {
            Some(&stage) => Base::Stage(stage),
            None => Base::Image(ImageRef::split(Spanned::new(text, image.span))),
        }
    }

    /// A stage's facts for a stage built FROM it, while the budget lasts.
    fn inherit(&mut self, base: usize, span: Span) -> StageFacts {
        let weight = self.weights.get(base).copied().unwrap_or_default();
        match (self.stages.get(base), self.budget.0.checked_sub(weight)) {
            (Some(stage), Some(left)) => {
                self.budget.0 = left;
                StageFacts {
                    args: Vec::new(),
                    ..stage.facts.clone()
                }
            }
            _ => {
                self.problems.push(Problem::new(
                    span,
                    "too many facts to inherit from the base stage: this stage's facts are left unknown",
                ));
                StageFacts::default()
            }
        }
    }

    fn check_name(&mut self, name: &Spanned<String>) {
        let lower = name.to_ascii_lowercase();
        let valid = lower.starts_with(|c: char| c.is_ascii_lowercase())
            && lower
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
        if !valid {
            self.problems.push(Problem::new(
                name.span,
                format!(
                    "`{}` is not a stage name: a letter, then letters, digits, `-`, `_` or `.`",
                    name.value
                ),
            ));
        }
        if self.stage_index.contains_key(&lower) {
            self.problems.push(Problem::new(
                name.span,
                format!("a stage named `{}` comes earlier", name.value),
            ));
        }
    }

    fn finish(&mut self, mut stage: StageBuilder, end: usize) {
        stage.stage.instructions.end = end;
        if let Some(name) = &stage.stage.name {
            self.stage_index
                .entry(name.to_ascii_lowercase())
                .or_insert(self.stages.len());
        }
        self.weights.push(stage.stage.facts.weight());
        self.stages.push(stage.stage);
    }
}

fn lookup_of(value: &Resolved<String>) -> Lookup<'_> {
    match value {
        Resolved::Known(text) => Lookup::Set(text),
        Resolved::Unknown(_) => Lookup::Unknown,
    }
}

/// `ARG NAME[=default]...`: each name and its default as written.
fn arg_words(instruction: &Instruction) -> Vec<(Spanned<String>, Option<Spanned<String>>)> {
    instruction
        .word_ranges()
        .into_iter()
        .map(|(start, end)| split_assignment(instruction, start, end))
        .collect()
}

/// `NAME=value` at `start..end` of the arguments: both parts with spans.
fn split_assignment(instruction: &Instruction, start: usize, end: usize) -> (Spanned<String>, Option<Spanned<String>>) {
    let text = instruction.args.text().unwrap_or_default();
    let word = &text[start..end];
    match word.find('=') {
        Some(eq) => (
            Spanned::new(word[..eq].to_string(), instruction.args_span(start, start + eq)),
            Some(Spanned::new(
                word[eq + 1..].to_string(),
                instruction.args_span(start + eq + 1, end),
            )),
        ),
        None => (Spanned::new(word.to_string(), instruction.args_span(start, end)), None),
    }
}

struct StageBuilder {
    stage: Stage,
    /// Where each ENV variable is in `stage.facts.env`.
    env_index: HashMap<String, usize>,
    /// Where each ARG is in `stage.facts.args`.
    arg_index: HashMap<String, usize>,
    /// A CMD in this stage: a later ENTRYPOINT keeps it.
    cmd_set: bool,
}

impl StageBuilder {
    /// ENV wins over an ARG of the same name; a name neither sets is
    /// empty on a chain from `scratch`, else the base image may set it.
    fn lookup(&self, name: &str) -> Lookup<'_> {
        let facts = &self.stage.facts;
        if let Some(&i) = self.env_index.get(name) {
            return lookup_of(&facts.env[i].value);
        }
        if let Some(&i) = self.arg_index.get(name) {
            return lookup_of(&facts.args[i].value);
        }
        if facts.from_scratch {
            Lookup::Unset
        } else {
            Lookup::Unknown
        }
    }

    /// [`Self::lookup`] as the build compose runs from the spec sees it:
    /// an ARG without a default that no build argument sets is unset
    /// there, so `USER ${U:-root}` is root.
    fn lookup_as_built(&self, name: &str) -> Lookup<'_> {
        let facts = &self.stage.facts;
        match (self.env_index.get(name), self.arg_index.get(name)) {
            (None, Some(&i)) if facts.args[i].default.is_none() && facts.args[i].value.known().is_none() => {
                Lookup::Unset
            }
            _ => self.lookup(name),
        }
    }

    /// A word expanded with [`Self::lookup_as_built`]; unknown still where
    /// that leaves it empty or unknown.
    fn expand_as_built(&self, word: &Spanned<String>, builder: &mut Builder<'_>) -> Resolved<String> {
        let mut budget = Budget(builder.budget.0);
        let expanded = expand::expand(
            &word.value,
            builder.escape,
            &|name| self.lookup_as_built(name),
            &mut budget,
        );
        builder.budget = budget;
        match expanded {
            Expanded::Known(text) if !text.trim().is_empty() => Resolved::Known(text),
            _ => Resolved::Unknown(word.value.clone()),
        }
    }

    fn expand(&self, word: &Spanned<String>, builder: &mut Builder<'_>) -> Resolved<String> {
        let mut budget = Budget(builder.budget.0);
        let expanded = expand::expand(&word.value, builder.escape, &|name| self.lookup(name), &mut budget);
        builder.budget = budget;
        builder.settle(word, expanded)
    }

    fn apply(&mut self, at: usize, instruction: &Instruction, builder: &mut Builder<'_>) {
        match (&instruction.keyword, whole_text(instruction)) {
            (Keyword::Arg, _) => self.arg(instruction, builder),
            (Keyword::Env, _) => self.env(instruction, builder),
            (Keyword::User, Some(user)) => {
                let resolved = match self.expand(&user, builder) {
                    Resolved::Unknown(_) => self.expand_as_built(&user, builder),
                    known => known,
                };
                self.stage.facts.user = Some(Spanned::new(resolved, user.span));
            }
            (Keyword::Workdir, Some(written)) => {
                let path = self.expand(&written, builder);
                let path = self.absolute(path, &written.value, false);
                self.stage.facts.workdir = Some(Spanned::new(path, written.span));
            }
            (Keyword::Stopsignal, Some(signal)) => {
                self.stage.facts.stop_signal = Some(Spanned::new(self.expand(&signal, builder), signal.span));
            }
            (Keyword::Expose, _) => self.expose(instruction, builder),
            (Keyword::Cmd, _) => {
                self.stage.facts.cmd = Some(command(instruction));
                self.cmd_set = true;
            }
            (Keyword::Entrypoint, _) => {
                self.stage.facts.entrypoint = Some(command(instruction));
                if !self.cmd_set {
                    self.stage.facts.cmd = None;
                }
            }
            (Keyword::Healthcheck, _) => {
                if let Some(check) = healthcheck(instruction, builder.problems) {
                    self.stage.facts.healthcheck = Some(check);
                }
            }
            (Keyword::Shell, _) => {
                if let Args::Json { words, .. } = &instruction.args {
                    let words = words.iter().map(|w| w.value.clone()).collect();
                    self.stage.facts.shell = Some(Spanned::new(words, instruction.span));
                }
            }
            (Keyword::Volume, _) => {
                for word in instruction.words() {
                    let path = self.expand(&word, builder);
                    self.stage.facts.volumes.push(Spanned::new(path, word.span));
                }
            }
            (Keyword::Copy | Keyword::Add, _) => self.copy(at, instruction, builder),
            _ => {}
        }
    }

    fn arg(&mut self, instruction: &Instruction, builder: &mut Builder<'_>) {
        for (name, default) in arg_words(instruction) {
            let value = match (builder.build_arg(&name), &default) {
                (Some(value), _) => value,
                (None, Some(default)) => self.expand(default, builder),
                // `ARG NAME` in a stage takes the value of the ARG of that
                // name before the first FROM.
                (None, None) => match builder.global_index.get(name.as_str()) {
                    Some(&i) => builder.global_args[i].value.clone(),
                    None => Resolved::Unknown(name.value.clone()),
                },
            };
            self.arg_index.insert(name.value.clone(), self.stage.facts.args.len());
            self.stage.facts.args.push(ArgVar { name, default, value });
        }
    }

    /// ENV, both forms: `ENV A=1 B=2` and `ENV A the rest`. Every value is
    /// expanded with the env before the instruction, as Docker does.
    fn env(&mut self, instruction: &Instruction, builder: &mut Builder<'_>) {
        let text = instruction.args.text().unwrap_or_default();
        let ranges = instruction.word_ranges();
        let legacy = ranges
            .first()
            .is_some_and(|&(start, end)| !text[start..end].contains('='));
        let pairs: Vec<(Spanned<String>, Spanned<String>)> = if legacy {
            let fields = fields(text);
            let (Some(&(name_start, name_end)), Some(&(value_start, _))) = (fields.first(), fields.get(1)) else {
                return;
            };
            let part = |start: usize, end: usize| {
                Spanned::new(text[start..end].to_string(), instruction.args_span(start, end))
            };
            vec![(part(name_start, name_end), part(value_start, text.len()))]
        } else {
            ranges
                .iter()
                .filter_map(|&(start, end)| match split_assignment(instruction, start, end) {
                    (name, Some(value)) => Some((name, value)),
                    (_, None) => None,
                })
                .collect()
        };
        let values: Vec<Resolved<String>> = pairs.iter().map(|(_, value)| self.expand(value, builder)).collect();
        for ((name, written), value) in pairs.into_iter().zip(values) {
            let value = Spanned::new(value, written.span);
            match self.env_index.get(name.as_str()) {
                Some(&i) => self.stage.facts.env[i].value = value,
                None => {
                    self.env_index.insert(name.value.clone(), self.stage.facts.env.len());
                    self.stage.facts.env.push(EnvVar { name, value });
                }
            }
        }
    }

    fn expose(&mut self, instruction: &Instruction, builder: &mut Builder<'_>) {
        for word in instruction.words() {
            let port = match self.expand(&word, builder) {
                Resolved::Unknown(text) => Resolved::Unknown(text),
                // A word that expands to nothing is dropped, as BuildKit does.
                Resolved::Known(text) if text.is_empty() => continue,
                Resolved::Known(text) => match parse_port(&text) {
                    Some(port) => Resolved::Known(port),
                    None => {
                        builder.problems.push(Problem::new(
                            word.span,
                            format!("`{text}` is not a port: write `8000`, `8000/udp` or `8000-8010`"),
                        ));
                        continue;
                    }
                },
            };
            self.stage.facts.exposed.push(Spanned::new(port, word.span));
        }
    }

    fn copy(&mut self, at: usize, instruction: &Instruction, builder: &mut Builder<'_>) {
        let mut words = instruction.words();
        let Some(destination) = words.pop() else {
            return;
        };
        if words.is_empty() {
            return;
        }
        let resolved = self.expand(&destination, builder);
        let folder = destination.ends_with('/') || matches!(destination.rsplit('/').next(), Some("." | ".."));
        let path = self.absolute(resolved, &destination.value, folder);
        let flag = |name: &str| instruction.flag(name).and_then(|f| f.value.clone());
        self.stage.facts.copies.push(CopyFact {
            instruction: at,
            from: flag("from"),
            sources: words,
            destination: Spanned::new(path, destination.span),
            chown: flag("chown"),
            chmod: flag("chmod"),
        });
    }

    /// A path joined with the WORKDIR and cleaned, a trailing `/` kept
    /// when `folder`; unknown when it is relative to an unknown WORKDIR.
    /// Windows paths are kept as written.
    fn absolute(&self, path: Resolved<String>, written: &str, folder: bool) -> Resolved<String> {
        let Resolved::Known(path) = path else {
            return path;
        };
        let drive = matches!(path.as_bytes(), [letter, b':', ..] if letter.is_ascii_alphabetic());
        if drive || path.contains('\\') {
            return Resolved::Known(path);
        }
        let joined = if path.starts_with('/') {
            path
        } else {
            match self.stage.facts.working_dir() {
                Some(workdir) => format!("{workdir}/{path}"),
                None => return Resolved::Unknown(written.to_string()),
            }
        };
        let mut clean = clean_path(&joined);
        if folder && !clean.ends_with('/') {
            clean.push('/');
        }
        Resolved::Known(clean)
    }
}

/// The text of USER, WORKDIR and STOPSIGNAL, one word for substitution;
/// `None` for other instructions and empty text.
fn whole_text(instruction: &Instruction) -> Option<Spanned<String>> {
    if !matches!(
        instruction.keyword,
        Keyword::User | Keyword::Workdir | Keyword::Stopsignal
    ) {
        return None;
    }
    match &instruction.args {
        Args::Text { text, span } if !text.is_empty() => Some(Spanned::new(text.clone(), *span)),
        _ => None,
    }
}

fn command(instruction: &Instruction) -> Command {
    let form = match &instruction.args {
        Args::Json { words, .. } => Form::Exec(words.iter().map(|w| w.value.clone()).collect()),
        Args::Text { text, .. } => Form::Shell(text.clone()),
    };
    Command {
        form,
        span: instruction.span,
    }
}

fn healthcheck(instruction: &Instruction, problems: &mut Vec<Problem>) -> Option<Healthcheck> {
    let text = instruction.args.text()?;
    let (_, kind_end) = *fields(text).first()?;
    let kind = &text[..kind_end];
    if kind.eq_ignore_ascii_case("none") {
        return Some(Healthcheck {
            command: None,
            options: HealthcheckOptions::default(),
            span: instruction.span,
        });
    }
    if !kind.eq_ignore_ascii_case("cmd") {
        return None;
    }
    let start = text.len() - text[kind_end..].trim_start().len();
    let args = instruction.args_from(start, problems);
    if args.text().is_some_and(str::is_empty) {
        return None;
    }
    let form = match args {
        Args::Json { words, .. } => Form::Exec(words.into_iter().map(|w| w.value).collect()),
        Args::Text { text, .. } => Form::Shell(text),
    };
    let mut options = HealthcheckOptions::default();
    for flag in &instruction.flags {
        let Some(value) = flag.value.as_deref() else { continue };
        let mut duration = || match go_duration(value) {
            Some(duration) => Some(Spanned::new(duration, flag.span)),
            None => {
                problems.push(Problem::new(
                    flag.span,
                    format!("`{value}` is not a duration: write `30s`, `1m30s` or `500ms`"),
                ));
                None
            }
        };
        match flag.name.as_str() {
            "interval" => options.interval = duration(),
            "timeout" => options.timeout = duration(),
            "start-period" => options.start_period = duration(),
            "start-interval" => options.start_interval = duration(),
            "retries" => match value.parse::<u32>() {
                Ok(retries) => options.retries = Some(Spanned::new(retries, flag.span)),
                Err(_) => problems.push(Problem::new(flag.span, format!("`{value}` is not a number of retries"))),
            },
            _ => {}
        }
    }
    Some(Healthcheck {
        command: Some(Command {
            form,
            span: instruction.span,
        }),
        options,
        span: instruction.span,
    })
}
