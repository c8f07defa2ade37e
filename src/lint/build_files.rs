//! The Dockerfile instructions a stack's images are built from, for the
//! rules that read them as hadolint does: the raw `dockerfile "..."` lines
//! of a Dockerfile stackc writes, each read by the Dockerfile reader as
//! the written file will be, and every instruction of an app's own
//! Dockerfile. A finding points at the raw line in the spec, or at the
//! `file` statement with a label on the line of the app's Dockerfile.

use std::borrow::Cow;

use crate::diagnostic::Diagnostic;
use crate::input::dockerfile::{self, Instruction};
use crate::input::OwnImage;
use crate::ir::{DockerfilePlace, Service, Stack};
use crate::lint::RuleMeta;
use crate::source::Span;

/// One image's Dockerfile, as far as the spec's author wrote it.
pub struct BuildFile<'a> {
    pub service: &'a Service,
    pub instructions: Cow<'a, [Instruction]>,
    pub written: Written<'a>,
}

/// Who wrote the instructions, and so where a finding points.
pub enum Written<'a> {
    /// Raw lines of the Dockerfile stackc writes: each with its statement's
    /// span and place. Spans inside an instruction are offsets in the
    /// line's text, so findings point at the whole statement.
    Raw(Vec<(Span, DockerfilePlace)>),
    /// The app's own Dockerfile, read at the `file` statement.
    Own { image: &'a OwnImage, statement: Span },
}

/// Every Dockerfile the stack's builds read or write.
pub fn build_files(stack: &Stack) -> Vec<BuildFile<'_>> {
    let mut files = Vec::new();
    for service in &stack.services {
        let Some(build) = service.build() else { continue };
        if let Some(own) = build.own_dockerfile() {
            if let Some(image) = stack.inputs.image(&service.name.value) {
                files.push(BuildFile {
                    service,
                    instructions: Cow::Borrowed(&image.dockerfile.instructions),
                    written: Written::Own {
                        image,
                        statement: own.file.span,
                    },
                });
            }
            continue;
        }
        let Some(python) = build.python() else { continue };
        let (mut instructions, mut lines) = (Vec::new(), Vec::new());
        for line in &python.dockerfile {
            if let (Some(instruction), _) = dockerfile::parse_instruction(&line.text.value) {
                instructions.push(instruction);
                lines.push((line.text.span, line.place));
            }
        }
        if !instructions.is_empty() {
            files.push(BuildFile {
                service,
                instructions: Cow::Owned(instructions),
                written: Written::Raw(lines),
            });
        }
    }
    files
}

impl BuildFile<'_> {
    pub fn is_own(&self) -> bool {
        matches!(self.written, Written::Own { .. })
    }

    /// The indexes of the instructions, grouped as the built file runs
    /// them one after another: the stages of an own Dockerfile that the
    /// build runs (all of them when its target names none), or the raw
    /// lines of each place stackc writes them in.
    pub fn runs(&self) -> Vec<Vec<usize>> {
        match &self.written {
            Written::Own { image, .. } => {
                let stages = &image.dockerfile.stages;
                let built = match image.stage {
                    Some(target) => image.dockerfile.stages_built_for(target),
                    None => (0..stages.len()).collect(),
                };
                (built.into_iter())
                    .map(|index| stages[index].instructions.clone().collect())
                    .collect()
            }
            Written::Raw(lines) => [
                DockerfilePlace::BeforeInstall,
                DockerfilePlace::AfterSource,
                DockerfilePlace::AsUser,
            ]
            .into_iter()
            .map(|place| (0..lines.len()).filter(|&i| lines[i].1 == place).collect::<Vec<_>>())
            .filter(|run| !run.is_empty())
            .collect(),
        }
    }

    /// The instructions the build runs, in file order, with their indexes:
    /// a stage the build never runs puts nothing in an image.
    pub fn built(&self) -> Vec<(usize, &Instruction)> {
        let mut indexes = self.runs().concat();
        indexes.sort_unstable();
        indexes.into_iter().map(|i| (i, &self.instructions[i])).collect()
    }

    /// Whether instruction `index` makes a layer of the image itself, not
    /// of a stage the image only copies files from.
    pub fn in_image(&self, index: usize) -> bool {
        let Written::Own { image, .. } = &self.written else {
            return true;
        };
        let Some(target) = image.stage else { return true };
        let stages = &image.dockerfile.stages;
        (image.dockerfile.stages_in_image(target).into_iter()).any(|s| stages[s].instructions.contains(&index))
    }

    /// Whether a `# hadolint ignore=CODE` comment right above instruction
    /// `index` (or a `# hadolint global ignore=CODE`) silences `code`: a
    /// file that tells hadolint a finding is intended tells stackc too.
    pub fn ignores(&self, index: usize, code: &str) -> bool {
        let Written::Own { image, .. } = &self.written else {
            return false;
        };
        let start = self.instructions[index].span.start();
        let previous_end = index.checked_sub(1).map_or(0, |i| self.instructions[i].span.end());
        image.dockerfile.comments.iter().any(|comment| {
            let codes = if let Some(codes) = pragma(&comment.value, "global ignore=") {
                codes
            } else if comment.span.start() >= previous_end && comment.span.end() <= start {
                match pragma(&comment.value, "ignore=") {
                    Some(codes) => codes,
                    None => return false,
                }
            } else {
                return false;
            };
            codes.split(',').any(|c| c.trim() == code)
        })
    }

    /// A finding on instruction `index`, at `span` in it (a span of the
    /// app's Dockerfile; a raw line is pointed at whole). The message
    /// names the peer's code, so a reader who knows hadolint knows it.
    pub fn finding(
        &self,
        meta: &RuleMeta,
        index: usize,
        span: Span,
        code: &str,
        message: impl std::fmt::Display,
        label: impl Into<String>,
    ) -> Diagnostic {
        self.finding_of(meta, index, span, format!("{message} (hadolint {code})"), label)
    }

    /// [`BuildFile::finding`] for what no peer checks: no peer's code.
    pub fn finding_of(
        &self,
        meta: &RuleMeta,
        index: usize,
        span: Span,
        message: impl std::fmt::Display,
        label: impl Into<String>,
    ) -> Diagnostic {
        let keyword = &self.instructions[index].keyword;
        let name = &self.service.name.value;
        match &self.written {
            Written::Raw(lines) => meta
                .diagnostic(format!("`{name}`'s {keyword}: {message}"))
                .primary(lines[index].0, label),
            Written::Own { image, statement } => meta
                .diagnostic(format!("`{name}`'s Dockerfile: {message}"))
                .primary(
                    *statement,
                    format!("the app's Dockerfile, line {}", self.instructions[index].line),
                )
                .secondary_in(image.file, span, label),
        }
    }
}

/// The codes of a `hadolint KIND...` comment, e.g. `hadolint ignore=DL3008,DL3015`.
fn pragma<'a>(comment: &'a str, kind: &str) -> Option<&'a str> {
    let rest = comment.trim().strip_prefix("hadolint")?.trim_start();
    rest.strip_prefix(kind)
}

#[cfg(test)]
mod tests {
    use super::pragma;

    #[test]
    fn hadolint_pragmas_give_their_codes() {
        assert_eq!(
            pragma("hadolint ignore=DL3008,DL3015", "ignore="),
            Some("DL3008,DL3015")
        );
        assert_eq!(
            pragma(" hadolint global ignore=DL3059", "global ignore="),
            Some("DL3059")
        );
        assert_eq!(pragma("ignore=DL3008", "ignore="), None);
    }
}
