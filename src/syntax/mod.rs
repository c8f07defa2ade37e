//! From spec text to the IR.
//!
//! Architecture invariant: this module is the only one that knows pest
//! exists. `grammar` defines the parser, `error` turns pest's errors into
//! diagnostics a user can read, `descent` parses the specs it can into the
//! same tree faster, `tree` holds that tree, `lower` turns it into the IR,
//! and `expect` tells what the grammar accepts at a place (for completion).
//! A spec the fast parser accepts is lowered one top-level item at a time
//! as it parses, so its tree never holds more than one item.

mod descent;
mod error;
mod expect;
mod grammar;
pub(crate) mod lower;
pub mod sniff;
pub mod tokens;
mod tree;

pub use expect::{expected_at, keywords, Expected};

use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::source::SourceFile;

/// At most this many syntax errors are reported for one spec.
pub const MAX_SYNTAX_ERRORS: usize = 20;

/// Parses and lowers a spec. The stack is `None` only when the text does not
/// parse; otherwise it is as complete as the diagnostics allow.
pub fn parse(source: &SourceFile) -> (Option<Stack>, Vec<Diagnostic>) {
    if source.text.len() > crate::source::MAX_TEXT_BYTES {
        // Only a library caller can get here: files are read up to 16 MB.
        let too_large = Diagnostic::error("syntax", "the spec is larger than 4 GiB, which stackc does not read")
            .primary(crate::source::Span::empty(0), "a spec this large");
        return (None, vec![too_large]);
    }
    if let Some((stack, diagnostics)) = lowered_as_parsed(&source.text) {
        return (Some(stack), diagnostics);
    }
    match parse_tree(&source.text) {
        Ok(pairs) => {
            let tree = tree::Tree::from_pest(&source.text, pairs);
            // The grammar's `file` rule always yields exactly one pair.
            let file = tree.pairs().next().expect("`file` matched");
            let (stack, diagnostics) = lower::lower(file);
            (Some(stack), diagnostics)
        }
        Err(_) => {
            // Parse again, tracking the punctuation tried too, for errors
            // such as a missing `{`. Tracking costs time, so a valid spec
            // is parsed without it.
            let errors = with_error_detail(|| {
                let err = parse_tree(&source.text).expect_err("the same text fails again");
                syntax_errors(&source.text, &err)
            });
            (None, errors)
        }
    }
}

/// Runs `parse` with pest's error detail on: what it tried besides rules
/// (punctuation, the keywords inside a rule). The switch is global and
/// slows every parse while it is on, so it is on only during such a call;
/// the lock keeps a second one from turning it off under the first (a
/// parse reads the switch when it starts).
fn with_error_detail<T>(parse: impl FnOnce() -> T) -> T {
    static DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _alone = DETAIL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    pest::set_error_detail(true);
    let result = parse();
    pest::set_error_detail(false);
    result
}

/// The parse tree of a spec: the fast parser's, or pest's for the text it
/// declines (pest's error, when that does not parse either).
fn tree(text: &str) -> Result<tree::Tree<'_>, pest::error::Error<grammar::Rule>> {
    match descent::parse(text) {
        Some(tree) => Ok(tree),
        None => parse_tree(text).map(|pairs| tree::Tree::from_pest(text, pairs)),
    }
}

/// The spec lowered by the fast parser, each item as soon as it is parsed;
/// `None` where that parser declines the text (pest parses it then).
fn lowered_as_parsed(text: &str) -> Option<(Stack, Vec<Diagnostic>)> {
    lowered_on(text, text.len() >= TWO_THREADS_FROM && crate::helper::cores() > 1)
}

/// [`lowered_as_parsed`] on this thread alone, or with a helper thread
/// lowering beside the parse.
fn lowered_on(text: &str, two_threads: bool) -> Option<(Stack, Vec<Diagnostic>)> {
    let mut lowering = lower::FileLowering::new(containers_in(text));
    let parsed = match two_threads {
        true => descent::stream_beside(text, &mut lowering),
        false => descent::stream(text, &mut lowering),
    };
    parsed.then(|| lowering.finish())
}

/// From this size on (about 150 services), a spec is lowered on a thread
/// of its own as it is parsed: starting the thread costs tens of
/// microseconds, and the parse it overlaps a few milliseconds.
const TWO_THREADS_FROM: usize = 64 << 10;

/// About how many services, jobs and proxies `text` declares, for room in
/// the stack's list of them: the lines that start with their keyword, at
/// most one for every [`BYTES_PER_CONTAINER`] bytes (so a file of nothing
/// but such lines, which does not parse, cannot ask for gigabytes). The
/// keywords are found by `memmem`, each then checked to start its line:
/// a walk over every line took 6 % of a 10,000-service check.
fn containers_in(text: &str) -> usize {
    let bytes = text.as_bytes();
    // Only spaces and tabs before `at` on its line (the walk back stops at
    // the first other byte, so it is as long as the indentation).
    let starts_line = |at: usize| {
        (bytes[..at].iter().rev())
            .find(|&&b| b != b' ' && b != b'\t')
            .is_none_or(|&b| b == b'\n')
    };
    let declared = [&b"service"[..], b"job", b"proxy"].into_iter().map(|keyword| {
        memchr::memmem::find_iter(bytes, keyword)
            .filter(|&at| matches!(bytes.get(at + keyword.len()), Some(b' ' | b'\t')) && starts_line(at))
            .count()
    });
    declared.sum::<usize>().min(text.len() / BYTES_PER_CONTAINER)
}

/// Fewer bytes than a service block takes with its name, braces and a few
/// statements (a real one is hundreds); a spec of smaller ones only grows
/// the list by doubling.
const BYTES_PER_CONTAINER: usize = 64;

/// Whether the fast parser, where it accepts `text`, builds the tree pest
/// builds (where it declines, pest parses): an invariant the fuzzer checks.
#[doc(hidden)]
pub fn fast_parser_agrees(text: &str) -> bool {
    match descent::parse(text) {
        None => true,
        Some(fast) => parse_tree(text).is_ok_and(|pairs| tree::Tree::from_pest(text, pairs) == fast),
    }
}

fn parse_tree(text: &str) -> Result<pest::iterators::Pairs<'_, grammar::Rule>, pest::error::Error<grammar::Rule>> {
    use pest::Parser;
    grammar::StackParser::parse(grammar::Rule::file, text)
}

/// The first syntax error, and those after it: the line holding an error
/// is blanked out (spaces, so offsets stay) and the text parsed again, so
/// one bad line does not hide the next. A line with a brace is never
/// blanked (the blocks would no longer match), nor is anything read on
/// after an error that breaks the block structure.
fn syntax_errors(text: &str, first: &pest::error::Error<grammar::Rule>) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let mut text = text.to_string();
    let mut error = error::from_pest(&text, first);
    loop {
        let pos = error.diagnostic.primary_span().map_or(text.len(), |s| s.start());
        let recoverable = error.recoverable;
        errors.push(error.diagnostic);
        if !recoverable || errors.len() == MAX_SYNTAX_ERRORS || !blank_line(&mut text, pos) {
            return errors;
        }
        match parse_tree(&text) {
            Ok(_) => return errors,
            Err(next) => error = error::from_pest(&text, &next),
        }
    }
}

/// Replaces the line holding `pos` by spaces; false when it holds a brace
/// or nothing to blank.
fn blank_line(text: &mut String, pos: usize) -> bool {
    let pos = pos.min(text.len());
    let start = text[..pos].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let end = text[pos..].find(['\n', '\r']).map_or(text.len(), |i| pos + i);
    let line = &text[start..end];
    if line.trim().is_empty() || line.contains(['{', '}']) {
        return false;
    }
    let spaces = " ".repeat(line.len());
    text.replace_range(start..end, &spaces);
    true
}

/// Whether `text` parses, without keeping its tree: the fast parser drops
/// each item as it goes (pest, where that parser declines, builds one).
pub fn parses(text: &str) -> bool {
    struct Dropped;
    impl descent::Items for Dropped {
        fn item(&mut self, _: tree::Pair<'_>) {}
    }
    descent::stream(text, &mut Dropped) || parse_tree(text).is_ok()
}

/// A spec's parse tree, to compare other texts with.
pub struct Shape<'a>(tree::Tree<'a>);

/// The text's parse tree; `None` when it does not parse.
pub fn shape(text: &str) -> Option<Shape<'_>> {
    tree(text).ok().map(Shape)
}

impl Shape<'_> {
    /// Whether `other` parses to this tree, positions, whitespace and
    /// comments left out: then it means the same spec. `stackc fmt` checks
    /// its output against its input with it.
    pub fn same_as(&self, other: &str) -> bool {
        tree(other).is_ok_and(|other| self.0.same_shape(&other))
    }
}

/// Whether two texts parse to the same tree (see [`Shape::same_as`]); false
/// when either does not parse.
pub fn same_tree(a: &str, b: &str) -> bool {
    shape(a).is_some_and(|a| a.same_as(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax_errors(text: &str) -> Vec<Diagnostic> {
        let (stack, diagnostics) = parse(&SourceFile::new("t.spec", text));
        assert!(stack.is_none());
        diagnostics
    }

    fn lines_of(text: &str, diagnostics: &[Diagnostic]) -> Vec<usize> {
        let source = SourceFile::new("t.spec", text);
        diagnostics
            .iter()
            .map(|d| source.line_col(d.primary_span().unwrap().start()).0)
            .collect()
    }

    /// Every spec of the repository the fast parser accepts lowers to the
    /// same stack and findings whether its items are handed over as they
    /// are parsed or its whole tree is lowered at the end.
    #[test]
    fn lowering_as_parsed_is_lowering_the_whole_tree() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut specs = Vec::new();
        let mut folders = vec![root.join("specs"), root.join("tests"), root.join("examples")];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap().map(Result::unwrap) {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "spec") {
                    specs.push(path);
                }
            }
        }
        let mut compared = 0;
        for path in specs {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Some(tree) = descent::parse(&text) else { continue };
            let whole = lower::lower(tree.pairs().next().unwrap());
            let streamed = lowered_as_parsed(&text).expect("the same parser accepts it");
            assert_eq!(format!("{streamed:?}"), format!("{whole:?}"), "{}", path.display());
            assert_eq!(
                format!("{:?}", beside(&text).unwrap()),
                format!("{whole:?}"),
                "{}",
                path.display()
            );
            compared += 1;
        }
        assert!(compared > 100, "{compared}");
    }

    fn beside(text: &str) -> Option<(Stack, Vec<Diagnostic>)> {
        lowered_on(text, true)
    }

    /// A spec of many batches lowers on two threads as on one: the same
    /// items in the same order, findings that compare items across
    /// batches (`stack` given twice, far apart) included; a text the fast
    /// parser declines after many batches is declined.
    #[test]
    fn lowering_beside_the_parse_is_lowering_in_turn() {
        let service = |n: usize| {
            format!(
                "service web{n} {{\n    image nginx:1.27\n    env {{\n        A = \"{n}\"\n    }}\n    publish {} -> 80\n    after db ready\n}}\n\n",
                1000 + n
            )
        };
        let mut text = String::from("stack big\n\nvolume data\n\n");
        text.extend((0..600).map(service));
        text.push_str(&service(7)); // web7 again
        text.push_str("volume data\nstack again\n");
        assert!(text.len() > TWO_THREADS_FROM, "{}", text.len());
        let one = lowered_on(&text, false);
        let (stack, diagnostics) = one.as_ref().expect("the fast parser accepts it");
        assert_eq!(stack.services.len(), 601);
        assert!(
            diagnostics.iter().any(|d| d.code == "duplicate-statement"),
            "{diagnostics:?}"
        );
        assert_eq!(format!("{:?}", beside(&text)), format!("{one:?}"));
        text.push_str("service {\n");
        assert!(beside(&text).is_none());
    }

    #[test]
    fn containers_are_counted_by_their_lines_keyword() {
        let text = "stack s\nservice a {\n}\n  job b {\n}\nservices\nproxy\tp {\n}\nvolume service\n# service x\n\
                    run \"job b\" job c\n \tx job d\n";
        let padded = format!("{text}{}", "#\n".repeat(100));
        assert_eq!(containers_in(&padded), 3);
        assert_eq!(containers_in(""), 0);
        // Lines that are nothing but a keyword ask for room by the text's size.
        let garbage = "job \n".repeat(10_000);
        assert_eq!(containers_in(&garbage), garbage.len() / BYTES_PER_CONTAINER);
    }

    #[test]
    fn each_bad_statement_line_is_reported() {
        let text = "stack a\nvolumes x\nservice db {\n    imgae x\n    image y\n    ready tcp 1 every 5\n}\nvolume\n";
        assert_eq!(lines_of(text, &syntax_errors(text)), [2, 4, 6, 8]);
    }

    #[test]
    fn a_line_with_a_brace_ends_recovery() {
        // Blanking `servce db {` would leave a `}` without its block.
        let text = "stack a\nservce db {\n    image x\n}\nvolumes y\n";
        assert_eq!(lines_of(text, &syntax_errors(text)), [2]);
    }

    #[test]
    fn a_missing_brace_ends_recovery() {
        let text = "stack a\nservice db\n    image x\n    mount y at /z\n}\n";
        assert_eq!(lines_of(text, &syntax_errors(text)), [2]);
    }

    #[test]
    fn errors_stop_at_the_limit() {
        let text = "stack a\n".to_string() + &"volumes x\n".repeat(MAX_SYNTAX_ERRORS + 5);
        assert_eq!(syntax_errors(&text).len(), MAX_SYNTAX_ERRORS);
    }

    #[test]
    fn same_tree_ignores_layout_but_not_values() {
        assert!(same_tree("stack a\n\n volume  b # c\n", "stack a\nvolume b\n"));
        assert!(!same_tree("stack a\nvolume b\n", "stack a\nvolume c\n"));
        assert!(!same_tree("stack a\nvolume b\n", "stack a\nvolume b\nvolume c\n"));
        assert!(!same_tree("stack", "stack"));
    }
}
