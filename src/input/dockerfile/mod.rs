//! The app's own Dockerfile, read as BuildKit reads it: every instruction
//! with the byte spans of its parts, and the facts of each build stage
//! (user, working folder, exposed ports, command, healthcheck, env) that
//! the cross-file checks need, for the stage that runs (the last one, or
//! the build's `target`).
//!
//! Written by hand rather than with a crate: the grammar is small, and
//! every fact must keep the [`Span`] of the text it came from, through
//! joined continuation lines, so a diagnostic can show the user's line.
//!
//! Read as BuildKit does:
//! - parser directives (`# syntax=`, `# escape=` with `\` or a backtick,
//!   `# check=`), only before any instruction, comment or blank line;
//! - keywords in any case; continuation lines ending with the escape
//!   character (trailing spaces allowed, comment and blank lines inside
//!   skipped); `#` comments only at the start of a line;
//! - heredocs on RUN, COPY and ADD (`<<EOF`, `<<-EOF`, quoted names,
//!   several on one line), kept as the instruction's bodies;
//! - exec form only for a strict JSON array of strings, anything else is
//!   shell form (a JSON array holding something else is reported, as
//!   BuildKit refuses it); text after the `]` makes it shell form;
//! - leading `--flag[=value]` words, checked against each instruction's
//!   flags;
//! - stages (`FROM image AS name`, `FROM name` inheriting a stage's
//!   facts), ARGs before the first FROM in FROM lines, and variable
//!   substitution (`$V`, `${V}`, `${V:-x}`, `${V:+x}`, `${V?}`, escapes,
//!   quotes) in FROM, USER, WORKDIR, EXPOSE, ENV, ARG, VOLUME, STOPSIGNAL
//!   and COPY/ADD destinations.
//!
//! [`Instruction::run_commands`] splits a RUN into simple commands with
//! [`crate::input::shell`], for lint rules that look at what RUN runs.
//!
//! Deliberately not done:
//! - a value that depends on what this file cannot know is
//!   [`Resolved::Unknown`], never a guess: an ARG without a default, a
//!   variable the base image's ENV may set, the pattern forms
//!   `${V#prefix}`, `${V%suffix}` and `${V/pattern/text}`. An ARG keeps
//!   its default unless [`parse_with_args`] is given a build argument for
//!   it;
//! - a registry image's own config (its USER, WORKDIR, ENV, CMD) is not
//!   fetched: facts a stage does not set are unknown unless its chain of
//!   bases starts at `scratch`;
//! - ONBUILD triggers are parsed and kept ([`Instruction::trigger`]), not
//!   run in a stage built FROM the image;
//! - Windows paths in WORKDIR are kept as written, not joined;
//! - BuildKit's warning about empty continuation lines is not repeated.
//!
//! Architecture invariant: [`parse`] never fails and never panics; it is
//! linear in its input (inherited facts and substituted values draw on one
//! budget proportional to the text, past which values become unknown).

mod accounts;
mod context_files;
mod expand;
mod facts;
mod instruction;
mod lex;
mod run;
mod stages;
#[cfg(test)]
mod tests;
mod values;

use crate::source::{Span, Spanned};
use lex::{Lexer, OffsetMap};

pub use accounts::Account;
pub use context_files::takes_in;
pub use facts::{
    is_root_user, ArgVar, Base, Command, CopyFact, EnvVar, ExposedPort, Form, Healthcheck, HealthcheckOptions,
    Resolved, Stage, StageFacts,
};

/// A whole Dockerfile: its instructions, stages and what is wrong with it.
#[derive(Clone, Debug)]
pub struct Dockerfile {
    pub directives: Vec<Directive>,
    /// `\`, or a backtick after `# escape=``.
    pub escape: char,
    /// `#` comment lines (text after the `#`, trimmed), e.g. for
    /// `# hadolint ignore=...` pragmas.
    pub comments: Vec<Spanned<String>>,
    pub instructions: Vec<Instruction>,
    /// ARGs before the first FROM: the only variables FROM lines see.
    pub global_args: Vec<ArgVar>,
    pub stages: Vec<Stage>,
    /// Sorted by position.
    pub problems: Vec<Problem>,
}

impl Dockerfile {
    /// The stage a build runs: the one named `target` (any case, as
    /// Docker), or the last one.
    pub fn stage(&self, target: Option<&str>) -> Option<&Stage> {
        match target {
            Some(target) => self.stages.iter().find(|s| s.is_named(target)),
            None => self.final_stage(),
        }
    }

    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The stages a build of `target` runs, in file order: BuildKit builds
    /// only those the target stands on (its FROM chain) or copies from,
    /// so the others never reach an image.
    pub fn stages_built_for(&self, target: usize) -> Vec<usize> {
        let mut needed = vec![false; self.stages.len()];
        let mut todo = vec![target];
        while let Some(index) = todo.pop() {
            let Some(stage) = self.stages.get(index).filter(|_| !needed[index]) else {
                continue;
            };
            needed[index] = true;
            if let Base::Stage(earlier) = stage.base {
                todo.push(earlier);
            }
            let copied = stage.facts.copies.iter().filter_map(|copy| copy.from.as_deref());
            todo.extend(copied.filter_map(|from| self.stage_named(from, index)));
        }
        (0..needed.len()).filter(|&i| needed[i]).collect()
    }

    /// The stages whose layers are the image a build of `target` makes:
    /// the target and the stages it is built FROM. (A stage copied from
    /// gives only the files copied.)
    pub fn stages_in_image(&self, target: usize) -> Vec<usize> {
        let mut chain = Vec::new();
        let mut index = Some(target);
        while let Some(stage) = index.and_then(|i| self.stages.get(i)) {
            chain.push(stage.index);
            // A stage can only name an earlier one: the walk ends.
            index = match stage.base {
                Base::Stage(earlier) if earlier < stage.index => Some(earlier),
                _ => None,
            };
        }
        chain.reverse();
        chain
    }

    /// The earlier stage `--from=NAME` names, by name (any case) or index.
    fn stage_named(&self, name: &str, before: usize) -> Option<usize> {
        let earlier = &self.stages[..before.min(self.stages.len())];
        match name.parse::<usize>() {
            Ok(index) => (index < earlier.len()).then_some(index),
            Err(_) => earlier.iter().position(|s| s.is_named(name)),
        }
    }

    /// The instructions of a stage, its FROM first.
    pub fn instructions_of(&self, stage: &Stage) -> &[Instruction] {
        self.instructions.get(stage.instructions.clone()).unwrap_or_default()
    }
}

/// `# name=value` at the top of the file; `name` is lowercase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub value: String,
    pub span: Span,
}

/// Something BuildKit would refuse, or a value that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub span: Span,
    pub message: String,
}

impl Problem {
    fn new(span: Span, message: impl Into<String>) -> Self {
        Problem {
            span,
            message: message.into(),
        }
    }
}

/// An instruction's keyword, in any case in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    /// Not an instruction Docker knows: reported, kept as written.
    Other(String),
}

const KEYWORDS: [(&str, Keyword); 18] = [
    ("ADD", Keyword::Add),
    ("ARG", Keyword::Arg),
    ("CMD", Keyword::Cmd),
    ("COPY", Keyword::Copy),
    ("ENTRYPOINT", Keyword::Entrypoint),
    ("ENV", Keyword::Env),
    ("EXPOSE", Keyword::Expose),
    ("FROM", Keyword::From),
    ("HEALTHCHECK", Keyword::Healthcheck),
    ("LABEL", Keyword::Label),
    ("MAINTAINER", Keyword::Maintainer),
    ("ONBUILD", Keyword::Onbuild),
    ("RUN", Keyword::Run),
    ("SHELL", Keyword::Shell),
    ("STOPSIGNAL", Keyword::Stopsignal),
    ("USER", Keyword::User),
    ("VOLUME", Keyword::Volume),
    ("WORKDIR", Keyword::Workdir),
];

impl Keyword {
    pub fn parse(word: &str) -> Keyword {
        KEYWORDS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map_or_else(|| Keyword::Other(word.to_string()), |(_, k)| k.clone())
    }

    /// Uppercase, as the Dockerfile reference writes it; an unknown keyword
    /// as written.
    pub fn as_str(&self) -> &str {
        match self {
            Keyword::Other(word) => word,
            known => KEYWORDS.iter().find(|(_, k)| k == known).map_or("", |(name, _)| name),
        }
    }
}

impl std::fmt::Display for Keyword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One instruction, its continuation lines joined.
#[derive(Clone, Debug)]
pub struct Instruction {
    pub keyword: Keyword,
    pub keyword_span: Span,
    pub flags: Vec<Flag>,
    pub args: Args,
    /// The bodies of `<<NAME` markers, in order (RUN, COPY, ADD).
    pub heredocs: Vec<Heredoc>,
    /// ONBUILD's instruction, recorded, not run.
    pub trigger: Option<Box<Instruction>>,
    /// The whole instruction: continuation lines and heredoc bodies too.
    pub span: Span,
    /// 1-based number of its first line.
    pub line: usize,
    escape: char,
    /// Offsets in the arguments' text to offsets in the file.
    map: OffsetMap,
}

/// `--name[=value]` before an instruction's arguments, quotes removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
    pub span: Span,
}

impl Flag {
    /// The comma-separated `key[=value]` options of a value such as
    /// `--mount=type=cache,target=/root/.cache`.
    pub fn options(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.value
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter(|o| !o.is_empty())
            .map(|o| match o.split_once('=') {
                Some((key, value)) => (key, Some(value)),
                None => (o, None),
            })
    }
}

/// An instruction's arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Args {
    /// As written, continuation lines joined and trimmed: the shell form of
    /// RUN, CMD, ENTRYPOINT, and the only form of ENV, USER, FROM...
    Text { text: String, span: Span },
    /// A JSON array of strings: exec form (RUN, CMD, ENTRYPOINT, SHELL) or
    /// the list form of COPY, ADD, VOLUME.
    Json { words: Vec<Spanned<String>>, span: Span },
}

impl Args {
    pub fn span(&self) -> Span {
        match self {
            Args::Text { span, .. } | Args::Json { span, .. } => *span,
        }
    }

    /// The text of the shell form, `None` for exec form.
    pub fn text(&self) -> Option<&str> {
        match self {
            Args::Text { text, .. } => Some(text),
            Args::Json { .. } => None,
        }
    }
}

/// `<<NAME` on a RUN, COPY or ADD line and the lines that follow it, up
/// to a line that is `NAME` alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    /// The marker word as written, e.g. `<<-"EOF"`.
    pub marker: Spanned<String>,
    /// The terminator, quotes removed.
    pub name: String,
    /// `<<-`: tabs starting each line are removed.
    pub chomp: bool,
    /// The name was not quoted: BuildKit expands variables in the body.
    pub expand: bool,
    /// `2<<EOF`: the file descriptor the body is read on.
    pub fd: Option<u32>,
    /// The lines exactly as written, each with its line break; see
    /// [`Heredoc::content`] for what BuildKit uses.
    pub body: String,
    pub body_span: Span,
}

impl Heredoc {
    /// The body BuildKit uses: for `<<-`, without the tabs that start
    /// each line.
    pub fn content(&self) -> std::borrow::Cow<'_, str> {
        if !self.chomp {
            return std::borrow::Cow::Borrowed(&self.body);
        }
        let mut out = String::with_capacity(self.body.len());
        for line in self.body.split_inclusive('\n') {
            out.push_str(line.trim_start_matches('\t'));
        }
        std::borrow::Cow::Owned(out)
    }
}

/// Reads a whole Dockerfile. Never fails: what cannot be read is in
/// [`Dockerfile::problems`].
pub fn parse(text: &str) -> Dockerfile {
    parse_with_args(text, [])
}

/// Reads a Dockerfile for a build given build arguments (`--build-arg`,
/// compose's `build.args`): an ARG they name takes their value instead of
/// its default, as BuildKit does.
pub fn parse_with_args<'a>(text: &str, build_args: impl IntoIterator<Item = (&'a str, &'a str)>) -> Dockerfile {
    let mut lexer = Lexer::new(text, true);
    let instructions = read_instructions(&mut lexer);
    let mut problems = std::mem::take(&mut lexer.problems);
    let build_args = build_args
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let built = stages::build(&instructions, lexer.escape, text.len(), build_args, &mut problems);
    problems.sort_by_key(|p| (p.span.start(), p.span.end()));
    Dockerfile {
        directives: lexer.directives,
        escape: lexer.escape,
        comments: lexer.comments,
        instructions,
        global_args: built.global_args,
        stages: built.stages,
        problems,
    }
}

/// Reads one instruction as the spec writes it (`dockerfile "RUN ..."`),
/// through the same code as [`parse`]; spans are offsets into `text`.
/// More than one instruction, or none, is a problem.
pub fn parse_instruction(text: &str) -> (Option<Instruction>, Vec<Problem>) {
    let mut lexer = Lexer::new(text, false);
    let mut instructions = read_instructions(&mut lexer).into_iter();
    let mut problems = std::mem::take(&mut lexer.problems);
    let first = instructions.next();
    if first.is_none() {
        problems.push(Problem::new(Span::new(0, text.len()), "no instruction"));
    }
    if let Some(second) = instructions.next() {
        problems.push(Problem::new(second.span, "one instruction expected, found more"));
    }
    (first, problems)
}

fn read_instructions(lexer: &mut Lexer<'_>) -> Vec<Instruction> {
    let mut instructions = Vec::new();
    while let Some(logical) = lexer.next_logical() {
        let Some((mut instruction, markers)) = instruction::parse(&logical, lexer.escape, &mut lexer.problems) else {
            continue;
        };
        for marker in markers {
            let body = lexer.heredoc(&marker.name, marker.chomp);
            if !body.terminated {
                lexer.problems.push(Problem::new(
                    marker.word.span,
                    format!(
                        "the heredoc `{}` has no line `{}` ending it",
                        marker.word.value, marker.name
                    ),
                ));
            }
            instruction.span = instruction.span.with_end(lexer.end.max(instruction.span.end()));
            let owner = match instruction.trigger.as_deref_mut() {
                Some(trigger) => trigger,
                None => &mut instruction,
            };
            owner.heredocs.push(Heredoc {
                marker: marker.word,
                name: marker.name,
                chomp: marker.chomp,
                expand: marker.expand,
                fd: marker.fd,
                body: body.text,
                body_span: body.span,
            });
        }
        instructions.push(instruction);
    }
    instructions
}
