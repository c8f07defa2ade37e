//! Where each emitted line came from: the span of the spec (a statement,
//! a raw `dockerfile`/`nginx`/`compose` line, or the header of the block
//! that owns a line no one statement wrote) that produced it. `stackc lint
//! --peers` reads a peer linter's finding on an emitted line back onto the
//! spec through it.
//!
//! Architecture invariant: the map costs nothing unless asked for. The
//! Dockerfile and nginx emitters write through [`Text`], which only counts
//! lines when it keeps a map; compose.yaml, written by serde, is mapped
//! afterwards from its text and the stack (`compose::source_map`). The
//! text is the same byte for byte either way.

use std::fmt;

use crate::source::Span;

/// The spec span of each line of one emitted file, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    lines: Vec<Span>,
}

impl SourceMap {
    pub(super) fn new(lines: Vec<Span>) -> Self {
        SourceMap { lines }
    }

    /// The span line `line` (1-based) of the file came from; `None` past
    /// the end.
    pub fn origin(&self, line: usize) -> Option<Span> {
        self.lines.get(line.checked_sub(1)?).copied()
    }

    /// Every line's span, in order.
    pub fn lines(&self) -> &[Span] {
        &self.lines
    }
}

/// Whether an emitter keeps a [`SourceMap`] of what it writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tracking {
    Off,
    On,
}

/// A file's text, written line by line, and (when [`Tracking::On`]) the
/// origin of each line: every line ended after [`Text::set_origin`] names an
/// origin comes from it, until the next one does.
pub(super) struct Text {
    text: String,
    /// `None` when not tracking.
    lines: Option<Vec<Span>>,
    origin: Span,
    /// How much of `text` the map covers.
    mapped_to: usize,
}

impl Text {
    /// An empty file whose lines come from `origin` until told otherwise.
    pub(super) fn new(tracking: Tracking, origin: Span) -> Self {
        Text {
            text: String::new(),
            lines: (tracking == Tracking::On).then(Vec::new),
            origin,
            mapped_to: 0,
        }
    }

    /// The lines ended from now on come from `origin`.
    pub(super) fn set_origin(&mut self, origin: Span) {
        self.record();
        self.origin = origin;
    }

    /// The current origin, to come back to after a nested part.
    pub(super) fn origin(&self) -> Span {
        self.origin
    }

    pub(super) fn push_str(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub(super) fn push(&mut self, c: char) {
        self.text.push(c);
    }

    /// The text, and its map when tracking. A last line without a line
    /// break is a line too.
    pub(super) fn finish(mut self) -> (String, Option<SourceMap>) {
        self.record();
        if let Some(lines) = &mut self.lines {
            if !self.text.is_empty() && !self.text.ends_with('\n') {
                lines.push(self.origin);
            }
        }
        (self.text, self.lines.map(SourceMap::new))
    }

    /// Gives the lines ended since the last call the current origin.
    fn record(&mut self) {
        if let Some(lines) = &mut self.lines {
            let ended = self.text[self.mapped_to..].matches('\n').count();
            lines.extend(std::iter::repeat_n(self.origin, ended));
            self.mapped_to = self.text.len();
        }
    }
}

impl fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.text.push_str(s);
        Ok(())
    }
}

/// The header of a block, `service web` in `service web { ... }`: from the
/// block's start to the end of its name. Where a line has no statement of
/// its own, it comes from here.
pub(crate) fn header(block: Span, name: Span) -> Span {
    Span::new(block.start(), name.end().max(block.start()))
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    #[test]
    fn each_line_takes_the_origin_in_force_when_it_ends() {
        let (a, b) = (Span::new(0, 1), Span::new(2, 3));
        let mut text = Text::new(Tracking::On, a);
        text.push_str("one\ntwo");
        text.set_origin(b);
        let _ = writeln!(text, " still two");
        text.push_str("three");
        let (written, map) = text.finish();
        assert_eq!(written, "one\ntwo still two\nthree");
        assert_eq!(map.unwrap().lines(), [a, b, b]);
    }

    /// Every spec in `specs/`, the base and each environment: the files
    /// [`super::super::emit_mapped`] gives are the ones `emit` writes, byte
    /// for byte, and each of their lines maps into the spec.
    #[test]
    fn every_emitted_line_of_every_spec_maps_into_the_spec() {
        let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
        let mut checked = 0;
        for entry in std::fs::read_dir(&specs).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "spec") {
                continue;
            }
            let source = crate::source::SourceFile::new("s.spec", std::fs::read_to_string(&path).unwrap());
            let files = crate::input::Disk::new(&specs, &specs);
            let base = crate::analyze(
                &source,
                crate::Options {
                    files: Some(&files),
                    ..Default::default()
                },
            );
            let base = base.stack.expect("the examples parse");
            let mut stacks = vec![("base".to_string(), base.clone())];
            for name in base.environment_names() {
                stacks.push((name.to_string(), crate::environment::derive(&base, name).unwrap()));
            }
            let layout = crate::emit::Layout::new(path.to_str().unwrap(), specs.join("out").to_str().unwrap());
            for (name, stack) in stacks {
                let plain = crate::emit::emit(&stack, &layout).unwrap();
                let mapped = crate::emit::emit_mapped(&stack, &layout).unwrap();
                // compose.yaml at least: a stack of published images only
                // (wiki-traefik.spec) writes no Dockerfile or nginx.conf.
                assert!(
                    mapped.iter().any(|f| f.artifact.path == "compose.yaml"),
                    "{}: {name}",
                    path.display()
                );
                for file in mapped {
                    let what = format!("{} ({name}): {}", path.display(), file.artifact.path);
                    let same = plain.iter().find(|a| a.path == file.artifact.path);
                    assert_eq!(same, Some(&file.artifact), "{what}");
                    assert_eq!(file.map.lines().len(), file.artifact.contents.lines().count(), "{what}");
                    for (line, span) in file.map.lines().iter().enumerate() {
                        let text = source.text.get(span.start()..span.end());
                        assert!(
                            text.is_some_and(|t| !t.trim().is_empty()),
                            "{what}:{}: maps to {span:?}",
                            line + 1
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 20, "checked only {checked} files");
    }

    /// A raw line's emitted line comes from exactly that line of the spec,
    /// in each format; a line stackc adds comes from its block's header.
    #[test]
    fn raw_lines_map_to_their_own_statement() {
        let spec = "stack t\n\
                    service web {\n    image nginx:1.30\n    user 101\n    compose logging = \"{driver: local}\"\n}\n\
                    proxy edge {\n    image nginx:1.30\n    upstream app { server web:80 }\n\
                    location / {\n        proxy_pass app\n        nginx \"proxy_buffering off\"\n    }\n}\n";
        let source = crate::source::SourceFile::new("t.spec", spec);
        let stack = crate::check(&source).stack.unwrap();
        let mapped = crate::emit::emit_mapped(&stack, &crate::emit::Layout::new("/t/t.spec", "/t/out")).unwrap();
        // (file, the emitted line's text, the spec text it must map to)
        let cases = [
            ("compose.yaml", "    logging:", "compose logging = \"{driver: local}\""),
            (
                "compose.yaml",
                "      driver: local",
                "compose logging = \"{driver: local}\"",
            ),
            ("compose.yaml", "    image: nginx:1.30", "nginx:1.30"),
            // The first service, `edge` (services are sorted).
            ("compose.yaml", "    - no-new-privileges=true", "proxy edge"),
            (
                "edge/nginx.conf",
                "            proxy_buffering off;",
                "\"proxy_buffering off\"",
            ),
            ("edge/nginx.conf", "        server web:80;", "server web:80"),
            ("edge/nginx.conf", "            proxy_pass http://app;", "app"),
            (
                "edge/nginx.conf",
                "            proxy_set_header X-Real-IP $remote_addr;",
                "location /",
            ),
            ("edge/nginx.conf", "    server_tokens off;", "proxy edge"),
            ("edge/Dockerfile", "USER 101:101", "proxy edge"),
        ];
        for (path, line, expected) in cases {
            let file = mapped.iter().find(|m| m.artifact.path == path).unwrap();
            let contents = &file.artifact.contents;
            let at = contents
                .lines()
                .position(|l| l == line)
                .unwrap_or_else(|| panic!("{path}: {line}\n{contents}"));
            let span = file.map.origin(at + 1).unwrap();
            assert_eq!(spec[span.range()].trim(), expected, "{path}: {line}");
        }
    }

    #[test]
    fn without_tracking_there_is_no_map() {
        let mut text = Text::new(Tracking::Off, Span::new(0, 0));
        text.push_str("a\n");
        assert_eq!(text.finish(), ("a\n".to_string(), None));
    }
}
