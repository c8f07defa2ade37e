//! The simple commands a RUN runs, with spans in the Dockerfile.

use super::{Args, Instruction, Keyword};
use crate::input::shell::{is_shell, simple_commands, SimpleCommand};
use crate::source::Span;

impl Instruction {
    /// The simple commands a RUN runs, spans in the Dockerfile: its exec
    /// form as one command, its shell form split, and the body of a
    /// heredoc the shell runs (`RUN <<EOF`, `RUN bash <<EOF`). Empty for
    /// other instructions (an ONBUILD's RUN is its [`Instruction::trigger`]).
    pub fn run_commands(&self) -> Vec<SimpleCommand> {
        if self.keyword != Keyword::Run {
            return Vec::new();
        }
        let text = match &self.args {
            Args::Json { words, span } => {
                let words: Vec<String> = words.iter().map(|w| w.value.clone()).collect();
                if words.is_empty() {
                    return Vec::new();
                }
                // No shell reads the exec form: no words as a shell writes
                // them; but a shell it runs reads its script
                // (`["sh", "-c", "curl ... | sh"]`), whose commands are
                // placed on the whole instruction.
                let script: Vec<SimpleCommand> = crate::input::shell::inline_script(&words)
                    .map(simple_commands)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| SimpleCommand { span: *span, ..c })
                    .filter(|c| !c.words.is_empty())
                    .collect();
                let exec = SimpleCommand {
                    words,
                    raw_words: Vec::new(),
                    span: *span,
                    then: None,
                };
                return std::iter::once(exec).chain(script).collect();
            }
            Args::Text { text, .. } => text,
        };
        // A heredoc marker is a redirection, not a word of the command:
        // as written (`<<'EOF'`) and as split (`<<EOF`).
        let markers: Vec<String> = self
            .heredocs
            .iter()
            .flat_map(|h| {
                shlex::split(&h.marker.value)
                    .unwrap_or_default()
                    .into_iter()
                    .chain([h.marker.value.clone()])
            })
            .collect();
        let is_marker = |word: &str| markers.iter().any(|m| m == word);
        let mut commands: Vec<SimpleCommand> = simple_commands(text)
            .into_iter()
            .map(|c| SimpleCommand {
                words: c.words.into_iter().filter(|w| !is_marker(w)).collect(),
                raw_words: c.raw_words.into_iter().filter(|w| !is_marker(w)).collect(),
                span: self.args_span(c.span.start(), c.span.end()),
                then: c.then,
            })
            .filter(|c| !c.words.is_empty())
            .collect();
        let program = self.words().into_iter().find(|w| !is_marker(w));
        let shell_runs_body = program.is_none_or(|p| is_shell(&p));
        if shell_runs_body {
            for heredoc in &self.heredocs {
                let offset = heredoc.body_span.start();
                commands.extend(simple_commands(&heredoc.body).into_iter().map(|c| SimpleCommand {
                    span: Span::new(offset + c.span.start(), offset + c.span.end()),
                    ..c
                }));
            }
        }
        commands
    }
}
